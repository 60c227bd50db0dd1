"""The year's results and follow-ups in a workspace, on SQLite and PostgreSQL: the year run
again from what the workspace stores, results and follow-ups journaled and read back, each
checked against the year again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from random_inspection import InvalidValueError, StoreError
from random_inspection.demo import DemoCity, demo_plan, demo_results
from random_inspection.planning import PlanRun, run_plan

store = pytest.importorskip("random_inspection.store")

SEED = "31415926535897932384"


@pytest.fixture(scope="module")
def year(small_city: DemoCity) -> PlanRun:
    return run_plan(demo_plan(), small_city.targets, small_city.inspectors,
                    small_city.check_items, seed=SEED)


@pytest.fixture
def ws(location: str, year: PlanRun, small_city: DemoCity) -> Iterator[Any]:
    """A workspace holding the year as `plan --seed --workspace` records it."""
    with store.Workspace.init(location) as workspace:
        for register in (small_city.targets, small_city.inspectors, small_city.check_items):
            workspace.save_register(register, actor="科室")
        workspace.save_plan(year.plan, actor="科室")
        for run in year.runs:
            workspace.save_record(run.record, actor="科室")
        yield workspace


def test_the_year_runs_again_from_the_workspace(ws: Any, year: PlanRun) -> None:
    """load_year gives the same visits and records as the run that was stored."""
    again = store.load_year(ws)
    assert [r.record.digest for r in again.runs] == [r.record.digest for r in year.runs]
    assert again.visits == year.visits


def test_a_year_with_a_missing_register_says_so(location: str, year: PlanRun,
                                               small_city: DemoCity) -> None:
    """Records without their inspector directory stored: a StoreError saying what to do."""
    with store.Workspace.init(location) as workspace:
        workspace.save_register(small_city.targets, actor="科室")
        workspace.save_plan(year.plan, actor="科室")
        for run in year.runs:
            workspace.save_record(run.record, actor="科室")
        with pytest.raises(StoreError, match="inspector directory"):
            store.load_year(workspace)


def test_results_and_follow_ups_round_trip(ws: Any, year: PlanRun) -> None:
    """Results and follow-ups saved (only new states journaled) and loaded back equal; a
    result moved on is journaled once more; the journal still verifies."""
    book, ledger = demo_results(year)
    assert store.save_results(ws, book, actor="信用监管科") == len(book)
    assert store.save_results(ws, book, actor="信用监管科") == 0
    assert store.save_ledger(ws, ledger, year.plan.digest, actor="执法稽查科") == len(ledger)
    loaded = store.load_results(ws, store.load_year(ws))
    assert loaded.to_dicts() == book.to_dicts()
    assert store.load_ledger(ws, year.plan.digest).to_dicts() == ledger.to_dicts()
    open_one = next(e for e in ledger if e.is_open)
    closed = ledger.close(open_one.id, on=dt.date(2025, 1, 10), closure="结案")
    assert store.save_ledger(ws, closed, year.plan.digest, actor="执法稽查科") == 1
    assert store.load_ledger(ws, year.plan.digest)[open_one.id].closed == dt.date(2025, 1, 10)
    assert ws.check_journal().ok


def test_a_forged_result_in_the_journal_is_refused_on_loading(ws: Any, year: PlanRun) -> None:
    """A result appended behind the library's back with another team is refused when the
    results are loaded (each is checked against the year again)."""
    book, _ = demo_results(year)
    result = next(iter(book))
    forged = attrs.evolve(result, officers=tuple(sorted({result.leader, "XZ99999"})))
    ws.append("result_recorded", {"plan_digest": year.plan.digest,
                                  "result": forged.to_dict()}, actor="内鬼")
    with pytest.raises(InvalidValueError, match="not the team drawn"):
        store.load_results(ws, year)


def test_results_follow_a_substitute_drawn_after_the_draw(ws: Any, year: PlanRun) -> None:
    """An officer replaced by a drawn substitute: a result naming the new team loads; one
    naming the drawn team is refused."""
    book, _ = demo_results(year)
    result = next(iter(book))
    record = year.run(result.tasks[0]).record
    leaving = next(o for o in result.officers if o != result.leader)
    drawn = store.substitute(ws, record.digest, result.target_id, leaving, reason="病假",
                             actor="科室")
    officers = tuple(sorted({*result.officers} - {leaving} | {drawn.substitute}))
    leader = drawn.leader
    moved = attrs.evolve(result, officers=officers, leader=leader)
    ws.append("result_recorded", {"plan_digest": year.plan.digest, "result": moved.to_dict()},
              actor="录入员")
    loaded = store.load_results(ws, year)
    assert loaded.result_of(result.target_id, result.tasks[0]).officers == officers
    ws.append("result_recorded", {"plan_digest": year.plan.digest,
                                  "result": result.to_dict()}, actor="录入员")
    with pytest.raises(InvalidValueError, match="not the team drawn"):
        store.load_results(ws, year)

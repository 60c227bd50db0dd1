"""Results (一公开): result codes and their combinations, the review workflow, and each
result checked against the year's draws."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from random_inspection import InvalidValueError
from random_inspection.demo import DemoCity, demo_city, demo_plan
from random_inspection.planning import AnnualPlan, PlanRun, run_plan
from random_inspection.results import (
    InspectionResult,
    ItemOutcome,
    ResultBook,
    ResultCode,
    ReviewState,
    TeamNow,
    check_codes,
)
from random_inspection.strategies import annual_plans

SEED = "31415926535897932384"
AT = dt.datetime(2024, 7, 1, 9, tzinfo=dt.UTC)
ALONE = {"1", "6", "7", "F", "9", "10", "11", "12"}
SUBCODES = {"B", "C", "D", "3", "4", "5", "G"}


@pytest.fixture(scope="module")
def year(small_city: DemoCity) -> PlanRun:
    return run_plan(demo_plan(), small_city.targets, small_city.inspectors,
                    small_city.check_items, seed=SEED)


def _entered(year: PlanRun, visit_index: int = 0, codes: tuple[str, ...] = ("1",),
             **changes: object) -> InspectionResult:
    visit = [v for v in year.visits if v.team is not None][visit_index]
    assert visit.team is not None
    method = next(iter(year.run(visit.tasks[0]).task.methods))
    values = {"target_id": visit.target_id, "tasks": visit.tasks,
              "outcomes": [ItemOutcome(i, codes) for i in visit.items], "method": method,
              "check_date": visit.start, "officers": visit.team.officers,
              "leader": visit.team.leader, "experts": visit.team.experts, "by": "录入员",
              "at": AT}
    values.update(changes)
    return InspectionResult.enter(**values)  # type: ignore[arg-type]


# --- codes ------------------------------------------------------------------------------------

@given(st.sets(st.sampled_from([c.code for c in ResultCode]), min_size=1, max_size=4))
def test_code_combinations_follow_the_hierarchy(codes: set[str]) -> None:
    """A combination is accepted exactly when: a stand-alone code is alone, and every
    sub-code has A above it (checked here against the rules written out independently)."""
    valid = (not (codes & ALONE) or len(codes) == 1) and \
        (not (codes & SUBCODES) or "A" in codes)
    if valid:
        assert {c.code for c in check_codes(codes)} == codes
    else:
        with pytest.raises(InvalidValueError) as caught:
            check_codes(codes)
        assert "Fix:" in str(caught.value)


def test_codes_read_by_code_or_label() -> None:
    """Codes are read by code, name or Chinese label; each problem code is a problem."""
    assert check_codes(["A", "未按规定公示应当公示的信息"]) == {ResultCode.PROBLEM,
                                                       ResultCode.NOT_PUBLICISED}
    assert ResultCode.parse("已注销") is ResultCode.DEREGISTERED
    assert ResultCode.NOT_PUBLICISED.parent is ResultCode.PROBLEM
    assert [c.code for c in ResultCode if c.problem] == ["A", "B", "C", "D", "3", "4", "5",
                                                         "G", "E", "8"]
    with pytest.raises(InvalidValueError, match="twice"):
        check_codes(["A", "A"])
    with pytest.raises(InvalidValueError, match="not a known ResultCode"):
        check_codes(["Z"])


# --- the workflow -----------------------------------------------------------------------------

def test_the_review_workflow(year: PlanRun) -> None:
    """entered → submitted → returned → (amended) submitted → approved → published; each
    step records who and when; the clerk does not review their own result."""
    result = _entered(year)
    assert result.state is ReviewState.ENTERED
    submitted = result.submit(by="录入员", at=AT + dt.timedelta(hours=1))
    with pytest.raises(InvalidValueError, match="another person"):
        submitted.approve(by="录入员", at=AT + dt.timedelta(hours=2))
    returned = submitted.return_(by="审核员", at=AT + dt.timedelta(hours=2),
                                 reason="检查日期有误")
    assert returned.history[-1].reason == "检查日期有误"
    amended = returned.amend(remarks="日期已核实")
    done = amended.submit(by="录入员", at=AT + dt.timedelta(days=1)) \
        .approve(by="审核员", at=AT + dt.timedelta(days=2)) \
        .publish(by="审核员", at=AT + dt.timedelta(days=3), on=dt.date(2024, 7, 4))
    assert [s.state.code for s in done.history] == [
        "entered", "submitted", "returned", "submitted", "approved", "published"]
    assert done.published_on == dt.date(2024, 7, 4)
    assert InspectionResult.from_dict(done.to_dict()) == done
    for bad in (lambda r: r.publish(by="x", at=AT, on=dt.date(2024, 7, 4)),  # not approved
                lambda r: r.submit(by="x", at=AT - dt.timedelta(days=1)),    # back in time
                lambda r: r.return_(by="审核员", at=AT, reason="x")):         # not submitted
        with pytest.raises(InvalidValueError):
            bad(result)
    with pytest.raises(InvalidValueError, match="amended"):
        done.amend(remarks="x")


def test_a_result_is_consistent_in_itself(year: PlanRun) -> None:
    """A status code (unreachable, deregistered, …) covers every item; two officers at
    least; the leader is one of them; experts are not officers."""
    two = next(v for v in year.visits if len(v.items) > 1 and v.team is not None)
    index = [v for v in year.visits if v.team is not None].index(two)
    with pytest.raises(InvalidValueError, match="every item"):
        _entered(year, index, outcomes=[ItemOutcome(two.items[0], ["6"]),
                                        ItemOutcome(two.items[1], ["1"])])
    with pytest.raises(InvalidValueError, match="two officers"):
        _entered(year, officers=["X1"], leader="X1")
    with pytest.raises(InvalidValueError, match="leader"):
        _entered(year, leader="NOBODY")
    with pytest.raises(InvalidValueError, match="time zone"):
        _entered(year, at=dt.datetime(2024, 7, 1))


# --- against the year -------------------------------------------------------------------------

def test_results_are_checked_against_the_draws(year: PlanRun, small_city: DemoCity) -> None:
    """The target was drawn by the tasks, every item has an outcome, the method is the
    tasks', the date in the window, the team the drawn one; one result per visit."""
    book = ResultBook(year)
    result = _entered(year)
    book = book.enter(result)
    assert book.result_of(result.target_id) == result
    with pytest.raises(InvalidValueError, match="has a result already"):
        book.enter(result)
    visit = book.visit_of(result)
    undrawn = next(t.id for t in small_city.targets
                   if not book.visits_of(t.id))
    cases = {
        "not drawn": {"target_id": undrawn},
        "tasks": {"tasks": ("NOT-A-TASK",)},
        "lack": {"outcomes": [ItemOutcome(visit.items[0], ["1"])] if len(visit.items) > 1
                     else [ItemOutcome("ZZ99", ["1"])]},
        "window": {"check_date": visit.end + dt.timedelta(days=1)},
        "team drawn": {"leader": visit.team.officers[-1]} if visit.team and
        visit.team.leader != visit.team.officers[-1] else {"experts": ["EXPERT-X"]},
    }
    for words, change in cases.items():
        with pytest.raises(InvalidValueError) as caught:
            ResultBook(year).enter(_entered(year, **change))  # type: ignore[arg-type]
        assert "Fix:" in str(caught.value), words


def test_a_changed_team_is_the_one_checked(year: PlanRun, small_city: DemoCity) -> None:
    """After with_team, the result must name the changed team, not the drawn one."""
    result = _entered(year)
    visit = ResultBook(year).visit_of(result)
    assert visit.team is not None
    other = next(o.id for o in small_city.inspectors.officers_on(visit.start)
                 if o.id not in visit.team.officers)
    officers = tuple(sorted([visit.team.leader, other]))
    book = ResultBook(year).with_team(visit.target_id, TeamNow(officers, visit.team.leader,
                                                               visit.team.experts, "病假替补"))
    with pytest.raises(InvalidValueError, match="not the team drawn"):
        book.enter(result)
    book.enter(attrs.evolve(result, officers=officers))


def test_updates_continue_the_history(year: PlanRun) -> None:
    """A stored result moves on; its earlier steps cannot be rewritten."""
    result = _entered(year)
    book = ResultBook(year).enter(result)
    moved = result.submit(by="录入员", at=AT + dt.timedelta(hours=1))
    book = book.update(moved)
    forged = attrs.evolve(moved, history=(attrs.evolve(moved.history[0], who="别人"),
                                          *moved.history[1:]))
    with pytest.raises(InvalidValueError, match="rewrites"):
        book.update(forged)


def _pairs() -> Iterator[tuple[str, str]]:
    return itertools.combinations(sorted(ALONE), 2)


def test_every_two_standalone_codes_are_refused() -> None:
    """No two of 1, 6, 7, F, 9–12 together."""
    for a, b in _pairs():
        with pytest.raises(InvalidValueError, match="stands alone"):
            check_codes([a, b])


# --- the follow-up ledger ---------------------------------------------------------------------

def test_the_follow_up_ledger(year: PlanRun, small_city: DemoCity) -> None:
    """Follow-ups open only on items with a problem; a referral names its recipient; feedback
    and closure in order; the ageing report counts what is open on a day."""
    from random_inspection.results import FollowUpLedger  # noqa: PLC0415

    found = _entered(year, 0, ("A", "B"))
    clean = _entered(year, 1, ("1",))
    item = found.items[0]
    ledger = FollowUpLedger()
    with pytest.raises(InvalidValueError, match="found a problem"):
        ledger.open(clean, clean.items[0], measure="责令整改", opened="2024-07-02")
    with pytest.raises(InvalidValueError, match="referral"):
        ledger.open(found, item, measure="移送", opened="2024-07-02")
    ledger = ledger.open(found, item, measure="移送", referral_to="公安机关",
                         recipient="忻府区公安分局", department="执法稽查科",
                         opened=found.check_date)
    number = next(iter(ledger.items))
    ledger = ledger.feedback(number, on=found.check_date + dt.timedelta(days=10),
                             text="已立案")
    with pytest.raises(InvalidValueError, match="order"):
        ledger.feedback(number, on=found.check_date, text="早于上次")
    day = found.check_date + dt.timedelta(days=40)
    report = ledger.ageing(day, small_city.targets)
    assert (report.open, report.closed) == (1, 0)
    assert report.by_age == {"31–90 days": 1}
    assert report.by_county == {small_city.targets[found.target_id].region[:6]: 1}
    assert report.by_measure == {"移送": 1}
    closed = ledger.close(number, on=day, closure="已判决")
    assert closed.ageing(day).closure_rate == 1.0
    assert closed.ageing(day - dt.timedelta(days=1)).open == 1  # as it was the day before
    with pytest.raises(InvalidValueError, match="closed already"):
        closed.close(number, on=day, closure="x")
    assert FollowUpLedger.from_dicts(closed.to_dicts()).to_dicts() == closed.to_dicts()


# --- indicators -------------------------------------------------------------------------------

class Weekdays:
    """A calendar of Monday–Friday working days (the indicators take any calendar)."""

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        day = start
        while n:
            day += dt.timedelta(days=1)
            n -= day.weekday() < 5
        return day


@pytest.mark.parametrize("as_of", [dt.date(2024, 6, 30), dt.date(2024, 10, 1),
                                   dt.date(2024, 12, 31)])
def test_indicators_match_an_independent_count(year: PlanRun, small_city: DemoCity,
                                               as_of: dt.date) -> None:
    """The indicators of the simulated demo year, as of a day, recomputed here from the
    results with plain loops (only what was known that day counts)."""
    from random_inspection.demo import demo_results  # noqa: PLC0415
    from random_inspection.results import indicators  # noqa: PLC0415

    book, ledger = demo_results(year)
    got = indicators(book, Weekdays(), as_of=as_of, ledger=ledger)
    known = [r for r in book if r.entered_at.date() <= as_of]
    assert got.checks == len(known)
    published = [r for r in known if r.published_on is not None
                 and r.history[-1].at.date() <= as_of]
    due = [r for r in known if Weekdays().add_working_days(r.check_date, 20) <= as_of]
    due_or_done = {id(r) for r in due} | {id(r) for r in published}
    assert got.publication_due == len(due_or_done)
    assert got.published == len(published)
    assert got.published_on_time == sum(
        1 for r in published if r.published_on <= Weekdays().add_working_days(r.check_date,
                                                                                20))
    finish = dt.date(2024, 12, 20)
    assert got.late_entries == sum(1 for r in known if r.entered_at.date() > finish)
    by_class: dict[str, list[int]] = {}
    for r in known:
        key = small_city.targets[r.target_id].risk_class.code
        by_class.setdefault(key, [0, 0])
        by_class[key][0] += r.problem
        by_class[key][1] += 1
    assert got.problem_rates["class"] == {k: tuple(v) for k, v in sorted(by_class.items())}
    tasks_done = 0
    for run in year.runs:
        visits = [v for v in year.visits if run.task.code in v.tasks]
        keys = {(r.target_id, r.tasks[0]) for r in known}
        tasks_done += all((v.target_id, v.tasks[0]) in keys for v in visits)
    assert got.tasks_finished == tasks_done
    opened = [e for e in ledger if e.opened <= as_of]
    still = [e for e in opened if e.closed is None or e.closed > as_of]
    assert (got.follow_ups_open, got.follow_ups_closed) == (len(still),
                                                            len(opened) - len(still))
    if as_of.month == 12:
        assert got.checks == len(book)
        assert "indicators as of 2024-12-31" in str(got)


# --- properties over generated results ------------------------------------------------------

@given(data=st.data())
def test_generated_results_enter_and_publish(year: PlanRun, data: st.DataObject) -> None:
    """Every result our strategy makes is accepted for its visit, moves through review to
    publication, and names a drawn target with its drawn team; the same result with any
    other officer is refused."""
    from random_inspection.strategies import inspection_results  # noqa: PLC0415

    result = data.draw(inspection_results(year=year))
    book = ResultBook(year).enter(result)
    visit = book.visit_of(result)
    assert result.target_id in {i for r in year.runs if r.task.code in result.tasks
                                for i in r.sample.selected_ids}
    assert visit.team is not None
    assert (set(result.officers), result.leader) == (set(visit.team.officers),
                                                     visit.team.leader)
    later = result.entered_at + dt.timedelta(hours=1)
    done = result.submit(by="录入员", at=later).approve(by="审核员", at=later) \
        .publish(by="审核员", at=later, on=later.date())
    assert book.update(done).result_of(result.target_id, result.tasks[0]).published_on
    stranger = data.draw(st.text(alphabet="XYZ0123456789", min_size=6, max_size=8))
    swapped = tuple(sorted({stranger, result.leader}))
    if len(swapped) == 2 and set(swapped) != set(result.officers):
        with pytest.raises(InvalidValueError, match="not the team drawn"):
            ResultBook(year).enter(attrs.evolve(result, officers=swapped))


@given(codes=st.data())
def test_generated_code_sets_are_valid(codes: st.DataObject) -> None:
    """The result_codes strategy only makes combinations the rules accept."""
    from random_inspection.strategies import result_codes  # noqa: PLC0415

    drawn = codes.draw(result_codes())
    assert check_codes(drawn) == drawn


def test_deadlines_on_the_official_calendar(year: PlanRun) -> None:
    """A check on Friday 9 February 2024, the eve of the Spring Festival holiday (10–17
    February, with Sunday 18 February a make-up working day): publication due on 14 March
    (20 working days), an unreachable target listed by 29 February (10 working days: 18,
    19, 20, 21, 22, 23, 26, 27, 28, 29 February), counted by hand."""
    from random_inspection.results import OfficialCalendar, deadlines_of  # noqa: PLC0415

    result = _entered(year, 0, ("6",), check_date=dt.date(2024, 2, 9))
    calendar = OfficialCalendar.default()
    marks = deadlines_of(result, year.plan, calendar, as_of=dt.date(2024, 3, 1))
    assert marks.publish_by == dt.date(2024, 3, 14)
    assert marks.abnormal_by == dt.date(2024, 2, 29)
    assert marks.published_on_time is None      # not yet due, not yet published
    assert marks.listed_on_time is False         # due on 29 February, not listed
    listed = result.list_abnormal(on=dt.date(2024, 2, 29))
    assert deadlines_of(listed, year.plan, calendar).listed_on_time is True
    assert marks.complete_by == dt.date(2024, 12, 20)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=annual_plans(items=demo_city(n_targets=10, n_officers=2).check_items,
                         max_tasks=3), data=st.data())
def test_results_of_generated_years(small_city: DemoCity, plan: AnnualPlan,
                                    data: st.DataObject) -> None:
    """Over generated plans: results made for the year's visits enter and publish, each
    naming a target its tasks drew and the visit's drawn team; the indicators count exactly
    the results entered by the day, recomputed here."""
    from random_inspection.results import indicators  # noqa: PLC0415
    from random_inspection.strategies import inspection_results  # noqa: PLC0415

    year = run_plan(plan, small_city.targets, small_city.inspectors, small_city.check_items,
                    seed=SEED)
    assume(any(v.team is not None for v in year.visits))
    made = data.draw(st.lists(inspection_results(year=year), min_size=1, max_size=8,
                              unique_by=lambda r: (r.target_id, r.tasks)))
    book = ResultBook(year).enter_all(made)
    for result in book:
        visit = book.visit_of(result)
        drawn = {i for r in year.runs if r.task.code in visit.tasks
                 for i in r.sample.selected_ids}
        assert result.target_id in drawn
        assert visit.team is not None
        assert result.leader == visit.team.leader
    day = data.draw(st.dates(min_value=dt.date(plan.year, 1, 1),
                             max_value=dt.date(plan.year + 1, 1, 31)))
    got = indicators(book, Weekdays(), as_of=day)
    assert got.checks == sum(1 for r in made if r.entered_at.date() <= day)
    assert got.publication_due == sum(
        1 for r in made if r.entered_at.date() <= day
        and Weekdays().add_working_days(r.check_date, 20) <= day)

"""Properties of the workspace over generated registers, plans and journal payloads (the
project's own strategies), on SQLite and PostgreSQL: whatever is saved reloads identical."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _pg import empty_pg_database
from random_inspection.audit._journal import check_chain
from random_inspection.demo import DemoCity, demo_city
from random_inspection.store import Workspace
from random_inspection.strategies import (
    annual_plans,
    check_item_lists,
    conflict_registers,
    inspector_directories,
    target_directories,
)

CITY: DemoCity = demo_city(n_targets=300, n_officers=20)
_names = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Workspace]:
    """One workspace per backend for all the examples of this module."""
    if request.param == "sqlite":
        location = str(tmp_path_factory.mktemp("properties") / "workspace")
    else:
        location = empty_pg_database(request.getfixturevalue("pg_database"))
    with Workspace.init(location) as workspace:
        yield workspace


def _round_trip(workspace: Workspace, register: Any) -> None:
    stored = len(workspace.registers())
    digest = workspace.save_register(register, actor="property")
    assert workspace.save_register(register, actor="property") == digest == register.digest
    loaded = workspace.load_register(digest)
    assert type(loaded) is type(register)
    assert loaded.digest == digest
    assert loaded == register
    assert len(workspace.registers()) in (stored, stored + 1)


@given(directory=target_directories(max_size=30))
def test_any_target_directory_reloads_identical(shared: Workspace, directory: Any) -> None:
    """Every generated target directory reloads with its digest, stored once."""
    _round_trip(shared, directory)


@given(register=st.one_of(inspector_directories(max_size=10), check_item_lists(max_size=10),
                          conflict_registers(inspectors=CITY.inspectors, targets=CITY.targets,
                                             max_size=10)))
def test_any_small_register_reloads_identical(shared: Workspace, register: Any) -> None:
    """Every generated inspector directory, item list and conflict register reloads."""
    _round_trip(shared, register)


@given(plan=annual_plans(items=CITY.check_items, max_tasks=3))
def test_any_plan_reloads_identical(shared: Workspace, plan: Any) -> None:
    """Every generated plan is filed and reloads equal, with its digest."""
    plan = attrs.evolve(plan, name=f"{plan.name} {next(_names)}")  # a plan of its own
    digest = shared.save_plan(plan, actor="property")
    assert digest == plan.digest
    assert shared.load_plan(digest) == plan
    assert next(shared.journal(start=shared.head()[0])).payload == {
        "plan_digest": digest, "version": plan.version}


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@given(extra=st.dictionaries(st.text(min_size=1, max_size=8), JSON, max_size=4),
       head=st.text(max_size=30))
def test_any_payload_reads_back_as_appended(shared: Workspace, extra: dict[str, Any],
                                            head: str) -> None:
    """Any JSON payload comes back from the journal equal to the entry append returned,
    and the chain stays whole."""
    entry = shared.append("export", {**extra, "head": head, "entries": 1}, actor="property")
    assert list(shared.journal(start=entry.seq)) == [entry]
    assert check_chain(shared.journal()).ok

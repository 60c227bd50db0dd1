"""InspectorDirectory and CheckItemList."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import numpy as np
import pytest
from hypothesis import given

from random_inspection import (
    CheckItemList,
    DuplicateIdError,
    Inspector,
    InspectorDirectory,
    InspectorStatus,
    InvalidTypeError,
    RandomInspectionError,
    TargetDirectory,
    UnknownIdError,
)
from random_inspection.demo import DemoCity
from random_inspection.strategies import inspector_directories

DAY = dt.date(2024, 3, 25)


def _officer(ident: str, expiry: dt.date | None, **kw: object) -> Inspector:
    return Inspector(id=ident, name="王伟", department="市局", credential_number="1409" + ident[2:],
                     credential_expiry=expiry, **kw)  # type: ignore[arg-type]


def test_health_check_lists_credential_states() -> None:
    """Expired, expiring, undated and inactive inspectors are each listed."""
    d = InspectorDirectory([
        _officer("XZ1", DAY - dt.timedelta(days=1)),
        _officer("XZ2", DAY + dt.timedelta(days=30)),
        _officer("XZ3", None),
        _officer("XZ4", DAY + dt.timedelta(days=400)),
        _officer("XZ5", DAY + dt.timedelta(days=400), status=InspectorStatus.RETIRED),
        Inspector(id="XE1", name="赵工", department="中心", is_expert=True),
    ])
    health = d.health_check(DAY)
    assert health.expired == ("XZ1",)
    assert health.expiring == ("XZ2",)
    assert health.no_expiry_recorded == ("XZ3",)
    assert health.not_active == ("XZ5",)
    assert health.officers_available == 3
    assert not health.ok
    assert [i.id for i in d.officers_on(DAY)] == ["XZ2", "XZ3", "XZ4"]
    assert [i.id for i in d.experts()] == ["XE1"]


@given(inspector_directories())
def test_officers_on_is_exactly_the_drawable_set(d: InspectorDirectory) -> None:
    """officers_on agrees with the record-level rule for every inspector."""
    assert set(d.officers_on(DAY)) == {i for i in d if i.counts_as_officer(DAY)}
    for officer in d.officers_on(DAY):
        assert not officer.is_expert
        assert officer.status is InspectorStatus.ACTIVE


def test_duplicates_and_unknowns_listed() -> None:
    """Duplicate ids are all listed; unknown ids raise UnknownIdError."""
    with pytest.raises(DuplicateIdError) as info:
        InspectorDirectory([_officer("XZ1", None), _officer("XZ1", DAY), _officer("XZ2", None),
                            _officer("XZ2", None)])
    assert info.value.ids == ("XZ1", "XZ2")
    d = InspectorDirectory([_officer("XZ1", None)])
    with pytest.raises(UnknownIdError):
        d["XZ9"]
    with pytest.raises(UnknownIdError):
        d.with_changes(removed=["XZ9"])


def test_with_changes_and_diff() -> None:
    """Snapshots change by value; diff reports added, removed and changed keys."""
    old = InspectorDirectory([_officer("XZ1", None), _officer("XZ2", None)])
    new = old.with_changes(added=[_officer("XZ3", None)], removed=["XZ1"],
                           changed=[attrs.evolve(old["XZ2"], post="所长")])
    delta = old.diff(new)
    assert (delta.added, delta.removed, delta.changed) == (("XZ3",), ("XZ1",), ("XZ2",))
    assert old.digest != new.digest
    assert len(old) == 2


def test_check_item_list_require(small_city: DemoCity) -> None:
    """require() returns items in the order asked and lists every unknown code."""
    items: CheckItemList = small_city.check_items
    assert [i.code for i in items.require(["SJ05", "SJ01"])] == ["SJ05", "SJ01"]
    with pytest.raises(UnknownIdError) as info:
        items.require(["SJ01", "XX1", "XX2"])
    assert info.value.ids == ("XX1", "XX2")
    assert all(i.kind.code == "key" for i in items.key_items())


def _city_calls(city: DemoCity) -> list[tuple[Callable[[], object], str, str, str]]:
    """(call, where, argument, text the fix must contain) for each misuse."""
    d, people, items = city.targets, city.inspectors, city.check_items
    target = d.row(0)
    return [
        (lambda: TargetDirectory.from_records([target.to_dict()]),
         "TargetDirectory.from_records", "records", "Target.from_dict(row), or pass the "
         "columns to TargetDirectory.from_columns (a data frame to TargetDirectory.from_pandas)"),
        (lambda: TargetDirectory.from_records(target), "TargetDirectory.from_records",
         "records", "from_records([record])"),
        (lambda: TargetDirectory.from_records(target.to_dict()), "TargetDirectory.from_records",
         "records", "Target.from_dict(row)"),
        (lambda: items.require("SJ05"), "CheckItemList.require", "codes",
         "require(['SJ05'])"),
        (lambda: items.require([5]), "CheckItemList.require", "codes", "'5'"),
        (lambda: InspectorDirectory([people.records[0].to_dict()]), "InspectorDirectory",
         "records", "Inspector.from_dict(row)"),
        (lambda: people.with_changes(removed="XZ00001"), "InspectorDirectory.with_changes",
         "removed", "with_changes(['XZ00001'])"),
        (lambda: people.with_changes(added=people.records[0]),
         "InspectorDirectory.with_changes", "added", "with_changes([record])"),
        (lambda: people.officers_on("2024-03-25"), "InspectorDirectory.officers_on", "on",
         "datetime.date(2024, 3, 25)"),
        (lambda: people[1], "InspectorDirectory[]", "id", "as text"),
        (lambda: d.positions(target.id), "TargetDirectory.positions", "ids",
         f"positions([{target.id!r}])"),
        (lambda: d.positions([None]), "TargetDirectory.positions", "ids", "as text"),
        (lambda: d.with_changes(removed=target.id), "TargetDirectory.with_changes", "removed",
         "with_changes(["),
        (lambda: d.with_changes(changed=target), "TargetDirectory.with_changes", "changed",
         "with_changes([record])"),
        (lambda: d.take(np.ones(len(d), dtype=bool)), "TargetDirectory.take", "rows",
         "np.flatnonzero(mask)"),
        (lambda: d.rows("12"), "TargetDirectory.rows", "indices", "list of positions"),
        (lambda: d[12], "TargetDirectory[]", "target_id", "positions(ids)"),
        (lambda: TargetDirectory.from_columns(ids=[target.id], names=[target.name],
                                              entity_types=["企业"], regions="140921"),
         "TargetDirectory.from_columns", "regions", "regions=['140921']"),
    ]


def test_wrong_types_raise_invalid_type_error(small_city: DemoCity) -> None:
    """Dicts where records belong, one string where a list of ids belongs, a mask where
    positions belong, text where a date belongs: an `InvalidTypeError` (a TypeError and a
    RandomInspectionError) naming the method, argument and the fix, never a silent misreading
    such as "4 id(s) not in the register: 0, 5, J, S"."""
    for call, where, argument, fix in _city_calls(small_city):
        with pytest.raises(InvalidTypeError) as info:
            call()
        error = info.value
        assert isinstance(error, TypeError)
        assert isinstance(error, RandomInspectionError)
        assert (error.where, error.argument) == (where, argument), str(error)
        assert fix in error.fix, str(error)
        assert str(error).startswith(f"{where}: argument {argument!r} = ")
        assert f"expected {error.expected}. Fix: {error.fix}" in str(error)


def test_invalid_type_error_shortens_long_values() -> None:
    """A huge value (e.g. a whole row dict) is shown shortened, not dumped."""
    error = InvalidTypeError("f", "records", {"name": "甲" * 500}, "Target records", "fix")
    assert len(str(error)) < 250
    assert error.value == {"name": "甲" * 500}

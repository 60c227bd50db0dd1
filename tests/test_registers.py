"""InspectorDirectory and CheckItemList."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given

from random_inspection import (
    CheckItemList,
    DuplicateIdError,
    Inspector,
    InspectorDirectory,
    InspectorStatus,
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

"""Records: immutability, validation with specific errors, plain-value round trips."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_inspection import (
    CheckItem,
    CheckMethod,
    EntityType,
    Inspector,
    InspectorStatus,
    InvalidValueError,
    RandomInspectionError,
    RiskClass,
    Target,
)
from random_inspection.registry._fields import region, region_prefix
from random_inspection.strategies import check_items, inspectors, region_codes, targets

GOOD = {"id": "91140921MA0L2B3C46", "name": "定襄县示例有限公司",
        "entity_type": EntityType.ENTERPRISE, "region": "140921", "industry": "C13",
        "risk_class": RiskClass.B}


def test_issue_example_builds() -> None:
    """The public face from the issue works as written."""
    t = Target(**GOOD)
    assert t.id == "91140921MA0L2B3C46"
    assert t.risk_class is RiskClass.B
    assert t.tags == frozenset()


@given(targets())
def test_targets_are_immutable(target: Target) -> None:
    """Assigning to a field of a record fails."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        target.name = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(("field", "value"), [
    ("id", "91140921MA0L2B3C47"),          # wrong check character
    ("id", "110108000000016"),             # legacy number on an enterprise
    ("name", "   "),                       # empty
    ("name", "a\tb"),                      # control character
    ("region", "14092"),                   # not a division code
    ("industry", "Z99"),                   # no such section
    ("risk_class", "B"),                   # text instead of the enum
    ("entity_type", "enterprise"),
    ("tags", "食品"),                      # a bare string, not a set
    ("tags", {"a;b"}),                     # separator inside a tag
    ("last_check_date", "2024-01-01"),     # text instead of a date
])
def test_each_bad_target_field_raises_naming_it(field: str, value: Any) -> None:
    """A bad value raises InvalidValueError (a ValueError) naming field, value and fix."""
    with pytest.raises(InvalidValueError) as info:
        Target(**{**GOOD, field: value})
    error = info.value
    assert isinstance(error, ValueError)
    assert isinstance(error, RandomInspectionError)
    assert error.field == field
    offending = next(iter(value)) if isinstance(value, set) else value  # the bad element
    assert error.value == offending
    assert "Fix:" in str(error)
    assert repr(offending) in str(error)


def test_from_dict_reads_chinese_labels_and_dates() -> None:
    """from_dict accepts the spellings found in Chinese spreadsheets."""
    t = Target.from_dict({"id": "91140921ma0l2b3c46", "name": "示例", "entity_type": "企业",
                          "region": "140921", "risk_class": "较高", "tags": "食品经营；网络经营",
                          "last_check_date": "2023年5月6日"})
    assert t.entity_type is EntityType.ENTERPRISE
    assert t.risk_class is RiskClass.C
    assert t.tags == {"食品经营", "网络经营"}
    assert t.last_check_date == dt.date(2023, 5, 6)



def test_from_dict_takes_numpy_arrays_for_lists() -> None:
    """Tags, methods and entity types may be numpy arrays (e.g. a data frame row), whose
    truth value is ambiguous: an empty array means the default, as an empty list does."""
    t = Target.from_dict({"id": "91140921MA0L2B3C46", "name": "示例", "entity_type": "企业",
                          "region": "140921", "tags": np.array(["食品经营", "网络经营"])})
    assert t.tags == {"食品经营", "网络经营"}
    item = CheckItem.from_dict({"code": "SJ01", "name": "年报", "legal_basis": "《条例》",
                                "department": "市局", "methods": np.array(["written"]),
                                "entity_types": np.array([], dtype=str)})
    assert item.methods == {CheckMethod.WRITTEN}
    assert item == CheckItem.from_dict({**item.to_dict(), "entity_types": []})

def test_unknown_risk_class_lists_accepted_spellings() -> None:
    """An unknown class names the record and every accepted spelling."""
    with pytest.raises(InvalidValueError, match="Target.*risk_class.*'E'.*信用风险低"):
        Target.from_dict({**{k: getattr(v, "code", v) for k, v in GOOD.items()},
                          "risk_class": "E"})


@given(targets())
def test_target_round_trips_through_plain_values(target: Target) -> None:
    """to_dict / from_dict is the identity."""
    assert Target.from_dict(target.to_dict()) == target


@given(inspectors())
def test_inspector_round_trips_through_plain_values(inspector: Inspector) -> None:
    """to_dict / from_dict is the identity."""
    assert Inspector.from_dict(inspector.to_dict()) == inspector


@given(check_items())
def test_check_item_round_trips_through_plain_values(item: CheckItem) -> None:
    """to_dict / from_dict is the identity."""
    assert CheckItem.from_dict(item.to_dict()) == item


def test_active_officer_needs_credential_number() -> None:
    """A missing credential number on an active enforcement officer is refused."""
    with pytest.raises(InvalidValueError) as info:
        Inspector(id="XZ1", name="王伟", department="市局")
    assert info.value.field == "credential_number"
    # …but an expert, or a retired officer, may lack one.
    assert Inspector(id="XZ1", name="王伟", department="市局", is_expert=True).is_expert
    Inspector(id="XZ2", name="李芳", department="市局", status=InspectorStatus.RETIRED)


def test_expired_credential_is_a_state_not_an_error() -> None:
    """An expired credential loads; the officer just cannot count after the expiry date."""
    officer = Inspector(id="XZ1", name="王伟", department="市局", credential_number="123",
                        credential_expiry=dt.date(2024, 6, 30))
    assert officer.counts_as_officer(dt.date(2024, 6, 30))
    assert not officer.counts_as_officer(dt.date(2024, 7, 1))
    expert = attrs.evolve(officer, is_expert=True)
    assert not expert.counts_as_officer(dt.date(2024, 1, 1))


@pytest.mark.parametrize(("field", "value"), [
    ("methods", frozenset()), ("entity_types", frozenset()), ("legal_basis", ""),
    ("code", "A 1"), ("methods", frozenset({"on_site"})),
])
def test_bad_check_items_raise(field: str, value: Any) -> None:
    """Items need methods, entity types, a legal basis and a code without spaces."""
    good = {"code": "SJ01", "name": "n", "legal_basis": "《法》", "department": "d",
            "methods": frozenset({CheckMethod.ON_SITE})}
    with pytest.raises(InvalidValueError) as info:
        CheckItem(**{**good, field: value})
    assert info.value.field == field


@pytest.mark.parametrize(("code", "problem"), [
    ("999999", "province part '99' is not a province, autonomous region or municipality code"),
    ("000000", "province part '00' is not a province"),
    ("160100", "province part '16' is not a province"),
    ("110001", "city part '00' marks a province-level code, whose county part is '00', "
               "not '01'"),
    ("140921000001", "township part '000' marks no township, whose village part is '000', "
                     "not '001'"),
])
def test_region_codes_follow_the_division_structure(code: str, problem: str) -> None:
    """Codes that cannot exist are refused with the field, value, reason and fix; their
    well-formed neighbours are accepted."""
    with pytest.raises(InvalidValueError) as info:
        Target(**{**GOOD, "region": code})
    assert (info.value.field, info.value.value) == ("region", code)
    assert problem in info.value.problem
    assert "Fix:" in str(info.value)
    for good in ("140921", "110000", "110100", "140921001", "140921001000", "140921000000",
                 "441900003", "710000", "820000"):
        assert region(good, "Target") == good


@pytest.mark.parametrize(("prefix", "good"), [
    ("99", False), ("72", False), ("11", True), ("1100", True), ("110000", True),
    ("110001", False), ("1409", True), ("140921000", True), ("140921000005", False),
])
def test_region_prefixes_follow_the_same_rules(prefix: str, good: bool) -> None:
    """Office areas and scope prefixes are checked on the digits they have."""
    if good:
        assert region_prefix(prefix, "Inspector", "office_area") == prefix
        assert Inspector(id="XZ1", name="王伟", department="市局", credential_number="1",
                         office_area=prefix).office_area == prefix
        return
    with pytest.raises(InvalidValueError, match="office_area.*Fix:"):
        Inspector(id="XZ1", name="王伟", department="市局", credential_number="1",
                  office_area=prefix)


@given(region_codes(), st.sampled_from(["00", "10", "39", "99"]))
def test_generated_region_codes_are_accepted_with_every_prefix(code: str, bad: str) -> None:
    """Every strategy-generated code and each of its prefixes pass; with a province part
    that does not exist, the code is refused and the message says so."""
    assert region(code, "Target") == code
    for length in (2, 4, 6, 9, 12):
        if length <= len(code):
            assert region_prefix(code[:length], "Scope", "region_prefixes") == code[:length]
    with pytest.raises(InvalidValueError, match=f"province part '{bad}' is not a province"):
        region(bad + code[2:], "Target")


@given(targets(regions=["140921", "140921001", "140921001002", "110000"]))
def test_targets_with_township_and_village_regions(target: Target) -> None:
    """Targets may be located by 9- and 12-digit codes; their ids carry the county part."""
    assert target.region.startswith(("140921", "110000"))
    if len(target.id) >= 15 and target.id[0].isdigit():
        assert target.region[:6] in target.id

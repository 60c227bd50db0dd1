"""The domain vocabulary: codes and Chinese labels."""

from __future__ import annotations

import pytest

from random_inspection import (
    CheckMethod,
    EntityType,
    InspectorStatus,
    InvalidValueError,
    ItemKind,
    RiskClass,
)

ENUMS = [RiskClass, EntityType, CheckMethod, ItemKind, InspectorStatus]


@pytest.mark.parametrize("kind", ENUMS)
def test_every_member_parses_from_each_spelling(kind: type[RiskClass]) -> None:
    """Code, name, English and Chinese label all read back to the same member."""
    for member in kind:
        assert member.label_zh
        assert member.label_en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in member.label_zh)
        for spelling in (member.code, member.name.lower(), member.label_en, member.label_zh,
                         f"  {member.label_zh} "):
            assert kind.parse(spelling) is member


@pytest.mark.parametrize("kind", ENUMS)
def test_spellings_are_unambiguous(kind: type[RiskClass]) -> None:
    """No two members share a spelling (so parsing can never pick the wrong one)."""
    seen: dict[str, object] = {}
    for member in kind:
        for spelling in {member.code, member.name, member.label_en, member.label_zh}:
            assert seen.setdefault(spelling.casefold(), member) is member


def test_unknown_value_error_names_field() -> None:
    """Unknown text raises InvalidValueError naming the field and the accepted spellings."""
    with pytest.raises(InvalidValueError, match="entity_type.*个体工商户"):
        EntityType.parse("公司")


def test_risk_class_labels() -> None:
    """The seed document's four classes with their Chinese names, plus unclassified."""
    assert [r.label_zh for r in RiskClass] == ["信用风险低", "信用风险一般", "信用风险较高",
                                               "信用风险高", "未分类"]

"""Domain vocabulary: enums whose members carry a stable code and Chinese and English labels."""

from __future__ import annotations

import enum
from typing import Self

from .._errors import InvalidValueError

__all__ = ["CheckMethod", "EntityType", "InspectorStatus", "ItemKind", "RiskClass"]


class _Labelled(enum.Enum):
    """An enum whose value is a stable code used in files, digests and audit records.

    Subclasses define ``_LABELS``: code → (Chinese label, English label).
    """

    @classmethod
    def _labels(cls) -> dict[str, tuple[str, str]]:
        labels: dict[str, tuple[str, str]] = cls.__dict__["_LABELS"]
        return labels

    @classmethod
    def _aliases(cls) -> dict[str, tuple[str, ...]]:
        aliases: dict[str, tuple[str, ...]] = cls.__dict__.get("_ALIASES", {})
        return aliases

    @property
    def code(self) -> str:
        """The stable code written to files, digests and audit records."""
        code: str = self.value
        return code

    @property
    def label_zh(self) -> str:
        """The Chinese label shown to users, e.g. ``个体工商户``."""
        return self._labels()[self.code][0]

    @property
    def label_en(self) -> str:
        """The English label shown to users."""
        return self._labels()[self.code][1]

    def __str__(self) -> str:
        return f"{self.label_en} ({self.label_zh})"

    @classmethod
    def parse(cls, text: str | Self, *, record: str = "value", field: str = "") -> Self:
        """Read a member from its code, name, English label or Chinese label.

        Matching ignores case and surrounding space. Raises `InvalidValueError` naming every
        accepted spelling when nothing matches.
        """
        if isinstance(text, cls):
            return text
        if isinstance(text, str):
            key = text.strip().casefold()
            for member in cls:
                spellings = {member.code, member.name, member.label_en, member.label_zh}
                spellings.update(cls._aliases().get(member.code, ()))
                if key in {s.casefold() for s in spellings}:
                    return member
        accepted = "; ".join(f"{m.code} / {m.label_zh} / {m.label_en}" for m in cls)
        raise InvalidValueError(
            record,
            field or _snake(cls.__name__),
            text,
            f"not a known {cls.__name__}",
            f"use one of: {accepted}",
        )


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class RiskClass(_Labelled):
    """Enterprise credit-risk class (企业信用风险分类).

    ``UNCLASSIFIED`` marks entities not yet rated; they form a stratum of their own.
    """

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    UNCLASSIFIED = "U"

    _LABELS = enum.nonmember(
        {
            "A": ("信用风险低", "low risk"),
            "B": ("信用风险一般", "general risk"),
            "C": ("信用风险较高", "elevated risk"),
            "D": ("信用风险高", "high risk"),
            "U": ("未分类", "unclassified"),
        }
    )
    _ALIASES = enum.nonmember(
        {
            "A": ("A类", "低", "低风险"),
            "B": ("B类", "一般", "一般风险"),
            "C": ("C类", "较高", "较高风险"),
            "D": ("D类", "高", "高风险"),
            "U": ("", "未评级", "none", "-"),
        }
    )


class EntityType(_Labelled):
    """What a target directory entry is (检查对象类型)."""

    ENTERPRISE = "enterprise"
    INDIVIDUAL_BUSINESS = "individual_business"
    FARMER_COOPERATIVE = "farmer_cooperative"
    OTHER_ORGANISATION = "other_organisation"
    PRODUCT = "product"
    PROJECT = "project"

    _LABELS = enum.nonmember(
        {
            "enterprise": ("企业", "enterprise"),
            "individual_business": ("个体工商户", "individual business"),
            "farmer_cooperative": ("农民专业合作社", "farmer cooperative"),
            "other_organisation": ("其他组织", "other organisation"),
            "product": ("产品", "product"),
            "project": ("项目", "project"),
        }
    )
    _ALIASES = enum.nonmember(
        {
            "individual_business": ("个体户",),
            "farmer_cooperative": ("合作社", "农民合作社"),
            "other_organisation": ("有关组织", "other organization", "organisation"),
        }
    )


class CheckMethod(_Labelled):
    """How an item is checked (检查方式)."""

    ON_SITE = "on_site"
    WRITTEN = "written"
    ONLINE_MONITORING = "online_monitoring"
    LABORATORY_TESTING = "laboratory_testing"
    THIRD_PARTY = "third_party"

    _LABELS = enum.nonmember(
        {
            "on_site": ("实地核查", "on-site inspection"),
            "written": ("书面检查", "written check"),
            "online_monitoring": ("网络监测", "online monitoring"),
            "laboratory_testing": ("检验检测", "laboratory testing"),
            "third_party": ("委托专业机构", "third-party audit or expert opinion"),
        }
    )
    _ALIASES = enum.nonmember(
        {"on_site": ("现场检查",), "third_party": ("财务审计", "专家意见", "第三方")}
    )


class ItemKind(_Labelled):
    """Whether a check item is a key item (any ratio) or a general one (kept low)."""

    KEY = "key"
    GENERAL = "general"

    _LABELS = enum.nonmember(
        {"key": ("重点检查事项", "key item"), "general": ("一般检查事项", "general item")}
    )
    _ALIASES = enum.nonmember({"key": ("重点",), "general": ("一般",)})


class InspectorStatus(_Labelled):
    """An inspector's employment status; only ``ACTIVE`` inspectors can be drawn."""

    ACTIVE = "active"
    TRANSFERRED = "transferred"
    RETIRED = "retired"

    _LABELS = enum.nonmember(
        {"active": ("在岗", "active"), "transferred": ("调离", "transferred"),
         "retired": ("退休", "retired")}
    )
    _ALIASES = enum.nonmember({"active": ("在职", "正常")})

"""`Scope`: which part of a target directory a task covers (抽查范围)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import attrs

from .._errors import InvalidValueError
from . import _fields as f
from ._vocabulary import EntityType, RiskClass

__all__ = ["Scope"]


def _listed(value: object, field: str) -> list[object]:
    if isinstance(value, str):
        return [p for p in f.LIST_SEPARATORS.split(value) if p.strip()]
    if not isinstance(value, list | tuple | set | frozenset):
        raise InvalidValueError("Scope", field, value, "not a collection",
                                "pass a list of code prefixes")
    return list(value)


def _region_prefixes(value: object) -> tuple[str, ...]:
    return tuple(sorted({f.region_prefix(v, "Scope", "region_prefixes")
                         for v in _listed(value, "region_prefixes")}))


def _industry_prefixes(value: object) -> tuple[str, ...]:
    return tuple(sorted({f.industry(v, "Scope", "industry_prefixes") or "?"
                         for v in _listed(value, "industry_prefixes")} - {"?"}))


def _entity_types(value: object) -> frozenset[EntityType]:
    return f.enum_set(EntityType, value, "Scope", "entity_types")


def _risk_classes(value: object) -> frozenset[RiskClass]:
    return f.enum_set(RiskClass, value, "Scope", "risk_classes")


def _tags_all(value: object) -> frozenset[str]:
    return f.label_set(value, "Scope", "tags_all")


def _tags_any(value: object) -> frozenset[str]:
    return f.label_set(value, "Scope", "tags_any")


def _registering_offices(value: object) -> frozenset[str]:
    return f.label_set(value, "Scope", "registering_offices")


def _supervising_offices(value: object) -> frozenset[str]:
    return f.label_set(value, "Scope", "supervising_offices")


@attrs.frozen(kw_only=True)
class Scope:
    """A filter over a target directory; every non-empty criterion must hold (AND).

    Attributes:
        region_prefixes: Keep targets whose region code starts with any of these
            (``"1409"`` is the whole city, ``"140921"`` one county).
        entity_types: Keep these entity types.
        industry_prefixes: Keep targets whose industry code starts with any of these
            (``"C"`` all manufacturing, ``"H62"`` catering).
        risk_classes: Keep these credit-risk classes.
        tags_all: Keep targets carrying every one of these tags.
        tags_any: Keep targets carrying at least one of these tags.
        registering_offices: Keep targets registered by these offices.
        supervising_offices: Keep targets supervised by these offices.

    An empty criterion does not filter; ``Scope()`` keeps everything.
    """

    region_prefixes: tuple[str, ...] = attrs.field(default=(), converter=_region_prefixes)
    entity_types: frozenset[EntityType] = attrs.field(
        default=frozenset(), converter=_entity_types
    )
    industry_prefixes: tuple[str, ...] = attrs.field(default=(), converter=_industry_prefixes)
    risk_classes: frozenset[RiskClass] = attrs.field(
        default=frozenset(), converter=_risk_classes
    )
    tags_all: frozenset[str] = attrs.field(
        default=frozenset(), converter=_tags_all
    )
    tags_any: frozenset[str] = attrs.field(
        default=frozenset(), converter=_tags_any
    )
    registering_offices: frozenset[str] = attrs.field(
        default=frozenset(), converter=_registering_offices
    )
    supervising_offices: frozenset[str] = attrs.field(
        default=frozenset(), converter=_supervising_offices
    )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (sorted lists), for plans and audit records."""
        out: dict[str, Any] = {}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            out[field.name] = sorted(v.code if hasattr(v, "code") else v for v in value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Inverse of `to_dict`; unknown keys are refused."""
        known = {field.name for field in attrs.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidValueError("Scope", unknown[0], data[unknown[0]], "is not a scope field",
                                    "use only: " + ", ".join(sorted(known)))
        return cls(**data)

"""Sampling designs: which targets are eligible (the frame) and how many each stratum gets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any, ClassVar, Self

import attrs
import numpy as np
import numpy.typing as npt

from .._errors import InvalidValueError
from ..registry import EntityType, RiskClass, Scope, TargetDirectory
from ..registry import _fields as f
from ..registry._columns import date_to_days
from ..registry._identifiers import ID_PATTERN, normalize_id
from ._allocation import Adjustment, Allocation, allocate_by_rates, allocate_by_weights
from ._rates import PRESETS, ClassTable, class_keys, count_table, parse_rate, rate_table

__all__ = ["ClassWeighted", "Design", "Frame", "StratifiedByRisk", "design_from_dict"]

CLASSES = tuple(RiskClass)
DEFAULT_SCOPE = Scope(entity_types=[EntityType.ENTERPRISE])
DEFAULT_FLOOR = Fraction(3, 100)


def _floor(value: object) -> Fraction:
    return parse_rate(value, "design", "floor")


def _scope(value: object) -> Scope:
    if isinstance(value, Scope):
        return value
    if isinstance(value, Mapping):
        return Scope.from_dict(value)
    raise InvalidValueError("design", "scope", value, "is not a Scope", "pass a Scope")


def _excluded_ids(value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(value, tuple):  # the stored form, as `attrs.evolve` passes it back
        value = dict(value)
    if not isinstance(value, Mapping):
        raise InvalidValueError("design", "excluded_ids", value, "is not a mapping",
                                "pass {reason: [ids, ...]}, e.g. {'drawn by 2024/province/1': ids}")
    out: dict[str, tuple[str, ...]] = {}
    for reason, ids in value.items():
        if not isinstance(reason, str) or isinstance(ids, str) or not isinstance(ids, Iterable):
            raise InvalidValueError("design", "excluded_ids", reason,
                                    "needs a text reason and a list of ids",
                                    "pass {reason: [ids, ...]}")
        text = f.text(reason, "design", "excluded_ids (reason)")
        if text in out:
            raise InvalidValueError("design", "excluded_ids", reason,
                                    "is the same reason as another after trimming",
                                    "merge the two lists under one reason")
        out[text] = tuple(sorted({_listed_id(i) for i in ids}))
    return tuple(sorted(out.items()))


def _listed_id(value: object) -> str:
    ident = normalize_id(value) if isinstance(value, str) else ""
    if not ID_PATTERN.fullmatch(ident):
        raise InvalidValueError("design", "excluded_ids", value, "is not an id",
                                "list ids as text: a USCC, a registration number or a code "
                                "of 1-32 characters 0-9, A-Z, '.', '_', '-'")
    return ident


def _since(value: object) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise InvalidValueError("design", "exclude_checked_since", value, "is not a date",
                            "pass a datetime.date, e.g. date(2023, 4, 1)")


def _rates(value: Mapping[Any, Any]) -> ClassTable[Fraction]:
    return rate_table(value, "StratifiedByRisk", "rates")


def _minimums(value: Mapping[Any, Any]) -> ClassTable[int | None]:
    return count_table(value, "StratifiedByRisk", "minimums", 0)


def _maximums(value: Mapping[Any, Any]) -> ClassTable[int | None]:
    return count_table(value, "StratifiedByRisk", "maximums", None)


@attrs.frozen(kw_only=True)
class Frame:
    """Who is eligible for a draw: the scope, minus exclusions.

    Attributes:
        scope: The task's scope; by default enterprises (企业), so that the floor is the
            seed document's share of enterprises.
        exclude_checked_since: Targets whose last check is on or after this date are not
            eligible (a configurable repeat-check window).
        excluded_ids: Reason → ids of targets not eligible, e.g. already drawn by a
            higher-level or joint task this year. Ids not in the directory are ignored.
        floor: Coverage floor: at least ``ceil(floor × eligible)`` targets are drawn.
    """

    scope: Scope = attrs.field(default=DEFAULT_SCOPE, converter=_scope)
    exclude_checked_since: dt.date | None = attrs.field(default=None, converter=_since)
    excluded_ids: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(
        factory=dict, converter=_excluded_ids)
    floor: Fraction = attrs.field(default=DEFAULT_FLOOR, converter=_floor)

    def eligibility(self, directory: TargetDirectory
                    ) -> tuple[npt.NDArray[np.bool_], dict[str, Any]]:
        """Mask of eligible targets (canonical order) and how many each rule excluded.

        The counts are the record's ``eligibility`` section (spec §6.2): ``out_of_scope``,
        ``checked_since`` (``None`` without a date) and ``excluded_ids`` (reason → count).
        """
        in_scope = directory.scope_mask(self.scope)
        eligible = in_scope.copy()
        checked: int | None = None
        if self.exclude_checked_since is not None:
            recent = directory.codes("last_check_date") >= date_to_days(
                self.exclude_checked_since)
            checked = int(np.count_nonzero(recent & eligible))
            eligible &= ~recent
        listed_counts: dict[str, int] = {}
        for reason, listed in self.excluded_ids:
            rows = np.unique(directory.positions(listed))
            rows = rows[rows >= 0]
            listed_counts[reason] = int(np.count_nonzero(eligible[rows]))
            eligible[rows] = False
        return eligible, {"out_of_scope": len(in_scope) - int(np.count_nonzero(in_scope)),
                          "checked_since": checked,
                          "excluded_ids": listed_counts}

    def frame_dict(self) -> dict[str, Any]:
        """Plain values of the frame fields."""
        return {
            "scope": self.scope.to_dict(),
            "exclude_checked_since": (self.exclude_checked_since.isoformat()
                                      if self.exclude_checked_since else None),
            "excluded_ids": {reason: list(ids) for reason, ids in self.excluded_ids},
            "floor": str(self.floor),
        }


@attrs.frozen(kw_only=True)
class StratifiedByRisk(Frame):
    """Simple random sampling without replacement within each credit-risk class.

    The national practice: class h of N_h eligible targets gets n_h = ceil(rate_h × N_h)
    (clipped by ``minimums`` / ``maximums``) and every eligible target of the class is drawn
    with probability π = n_h / N_h. Classes not given a rate get 0 (noted in the allocation).
    If the total misses the coverage floor, all rates are scaled up by one factor.

    Attributes:
        rates: Class → rate, as exact text or `Fraction` ('1/100', '0.01', '1%'); no floats.
        minimums: Class → least count drawn (capped at the class size).
        maximums: Class → most drawn.

    Example:
        >>> design = StratifiedByRisk(rates={"A": "1/100", "B": "3/100", "C": "6/100",
        ...                                  "D": "15/100"})
        >>> design.rates[RiskClass.D]
        Fraction(3, 20)
    """

    kind: ClassVar[str] = "stratified-by-risk"
    rates: ClassTable[Fraction] = attrs.field(converter=_rates)
    minimums: ClassTable[int | None] = attrs.field(factory=dict, converter=_minimums)
    maximums: ClassTable[int | None] = attrs.field(factory=dict, converter=_maximums)

    def __attrs_post_init__(self) -> None:
        for c in CLASSES:
            lo, hi = self.minimums[c], self.maximums[c]
            if hi is not None and lo is not None and lo > hi:
                raise InvalidValueError("StratifiedByRisk", f"minimums[{c.code}]", lo,
                                        f"exceeds the maximum {hi}",
                                        "lower it or raise the maximum")

    @classmethod
    def from_preset(cls, name: str, **kwargs: Any) -> Self:
        """A design with a provincial preset's rates (see `PRESETS`); ``unclassified=`` may
        give the unclassified stratum a rate, other keywords go to the constructor."""
        if name not in PRESETS:
            raise InvalidValueError("StratifiedByRisk.from_preset", "name", name,
                                    "is not a preset", "use one of: " + ", ".join(PRESETS))
        rates: dict[Any, Any] = dict(PRESETS[name])
        if "unclassified" in kwargs:
            rates[RiskClass.UNCLASSIFIED] = kwargs.pop("unclassified")
        return cls(rates=rates, **kwargs)

    def allocate(self, populations: Mapping[str, int],
                 uniform: Callable[[], Fraction]  # noqa: ARG002  (uses no randomness)
                 ) -> Allocation:
        """Sizes for eligible class counts (class code → N_h)."""
        labels = [c.code for c in CLASSES]
        allocation = allocate_by_rates(
            labels, [populations[c] for c in labels], rates=[self.rates[c] for c in CLASSES],
            mins=[self.minimums[c] or 0 for c in CLASSES],
            maxs=[self.maximums[c] for c in CLASSES], floor=self.floor)
        unrated = [c.code for c in CLASSES
                   if self.rates[c] == 0 and not self.minimums[c] and populations[c.code]]
        if unrated:
            note = Adjustment("rate_zero", {
                "labels": unrated, "population": sum(populations[c] for c in unrated)})
            allocation = attrs.evolve(allocation, adjustments=(*allocation.adjustments, note))
        return allocation

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the audit record."""
        return {"kind": self.kind, **self.frame_dict(), "rates": self.rates.to_dict(),
                "minimums": self.minimums.to_dict(), "maximums": self.maximums.to_dict()}


def _weights(value: Mapping[Any, Any]) -> ClassTable[Fraction]:
    keyed = class_keys(value, "ClassWeighted", "weights")
    out = []
    for c in CLASSES:
        raw = keyed.get(c, 0)
        field = f"weights[{c.code}]"
        if isinstance(raw, float | bool):
            raise InvalidValueError("ClassWeighted", field, raw, "is a float (inexact)",
                                    "write it as text, e.g. '3' or '5/2'")
        try:
            weight = Fraction(raw)
        except (TypeError, ValueError):
            raise InvalidValueError("ClassWeighted", field, raw, "is not a number",
                                    "write it as text, e.g. '3'") from None
        if weight < 0:
            raise InvalidValueError("ClassWeighted", field, raw, "is negative",
                                    "use a weight >= 0")
        out.append(weight)
    return ClassTable(tuple(out))


@attrs.frozen(kw_only=True)
class ClassWeighted(Frame):
    """A fixed total with inclusion probability proportional to a class weight.

    π_h = min(1, c·weight_h) with c such that Σ π_h·N_h = total; sizes are rounded by
    systematic randomized rounding drawn from the spec so that E[n_h] = π_h·N_h exactly, and
    every eligible target of class h has inclusion probability π_h.

    Attributes:
        total: Targets to draw (raised to the coverage floor if below it).
        weights: Class → non-negative weight (exact text or Fraction).
    """

    kind: ClassVar[str] = "class-weighted"
    total: int = attrs.field()
    weights: ClassTable[Fraction] = attrs.field(converter=_weights)

    @total.validator
    def _check_total(self, _attribute: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidValueError("ClassWeighted", "total", value, "is not a count",
                                    "give the number of targets to draw, e.g. 300")

    def allocate(self, populations: Mapping[str, int], uniform: Callable[[], Fraction]
                 ) -> Allocation:
        """Sizes for eligible class counts (class code → N_h)."""
        labels = [c.code for c in CLASSES]
        return allocate_by_weights(labels, [populations[c] for c in labels],
                                   weights=[self.weights[c] for c in CLASSES], total=self.total,
                                   floor=self.floor, uniform=uniform)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the audit record."""
        return {"kind": self.kind, **self.frame_dict(), "total": self.total,
                "weights": self.weights.to_dict()}


Design = StratifiedByRisk | ClassWeighted


def design_from_dict(data: Mapping[str, Any]) -> Design:
    """Rebuild a design from its `to_dict` form (as stored in an audit record)."""
    frame = {
        "scope": Scope.from_dict(data.get("scope", {})),
        "exclude_checked_since": data.get("exclude_checked_since"),
        "excluded_ids": data.get("excluded_ids", {}),
        "floor": data.get("floor", "3/100"),
    }
    if data.get("kind") == StratifiedByRisk.kind:
        return StratifiedByRisk(
            rates=data["rates"], minimums=dict(data.get("minimums", {}).items()),
            maximums={k: v for k, v in data.get("maximums", {}).items() if v is not None},
            **frame)
    if data.get("kind") == ClassWeighted.kind:
        return ClassWeighted(total=data["total"], weights=data["weights"], **frame)
    raise InvalidValueError("design", "kind", data.get("kind"), "is not a known design",
                            f"use '{StratifiedByRisk.kind}' or '{ClassWeighted.kind}'")

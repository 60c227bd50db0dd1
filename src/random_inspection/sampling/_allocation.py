"""From rates to stratum sizes in exact arithmetic (spec §7), with the coverage floor."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from .._errors import InvalidValueError

__all__ = ["ADJUSTMENT_TEXT", "Adjustment", "Allocation", "StratumAllocation",
           "allocate_by_rates", "allocate_by_weights"]

#: The text of each adjustment code (spec §9.4); ``{name}`` fields are the parameters.
#: Records of spec 1 carried this text instead of the code.
ADJUSTMENT_TEXT: dict[str, str] = {
    "floor_scaled": "coverage floor {floor} needs {floor_count} of {population}: the rates gave "
                    "{rate_total}, so every rate was scaled by {scale} (≈{scale_approx}), ratios "
                    "kept, capped at 1",
    "minimum": "{label}: raised to the minimum of {minimum} (rate gave {rate_size})",
    "maximum": "{label}: capped at the maximum of {maximum} (rate gave {rate_size})",
    "certainty": "{label}: certainty stratum, all {population} drawn",
    "rate_zero": "classes {labels} have rate 0: none of their {population} eligible targets can "
                 "be drawn",
    "total_raised": "coverage floor {floor} needs {floor_count} of {population}: the total "
                    "{total} was raised to {floor_count}",
    "rounded": "sizes rounded by systematic randomized rounding (start {start})",
}


@attrs.frozen
class Adjustment:
    """One change an allocation made to the plain rule, as a code with parameters.

    The record stores the code and parameters (spec §9.4); `describe` derives the text.

    Attributes:
        code: One of `ADJUSTMENT_TEXT`'s keys.
        params: The code's parameters (plain values: text, integers, lists of text).
    """

    code: str
    params: Mapping[str, Any] = attrs.field(factory=dict)

    def describe(self) -> str:
        """The adjustment in words (the spec's text for the code)."""
        values = dict(self.params)
        if "labels" in values:
            values["labels"] = ", ".join(values["labels"])
        if "scale" in values:
            values["scale_approx"] = f"{float(Fraction(values['scale'])):.4f}"
        return ADJUSTMENT_TEXT[self.code].format(**values)

    def __str__(self) -> str:
        return self.describe()

    def to_dict(self) -> dict[str, Any]:
        """``{"code": ..., **params}`` for the record."""
        return {"code": self.code, **self.params}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Adjustment:
        """Inverse of `to_dict`."""
        return cls(data["code"], {k: v for k, v in data.items() if k != "code"})


@attrs.frozen
class StratumAllocation:
    """One stratum's share of a draw.

    Attributes:
        label: The stratum (a risk-class code).
        population: Eligible targets in the stratum (N_h).
        rate: The rate asked for (class-weighted designs: the inclusion probability).
        effective_rate: The rate used after the floor scaled it up (capped at 1).
        size: Targets to draw (n_h).
        inclusion_probability: Every eligible target's exact probability of selection.
    """

    label: str
    population: int
    rate: Fraction
    effective_rate: Fraction
    size: int
    inclusion_probability: Fraction

    def to_dict(self) -> dict[str, Any]:
        """Plain values (fractions as 'n/d' text)."""
        return {"label": self.label, "population": self.population, "rate": str(self.rate),
                "effective_rate": str(self.effective_rate), "size": self.size,
                "inclusion_probability": str(self.inclusion_probability)}


@attrs.frozen
class Allocation:
    """Stratum sizes of a draw, and every adjustment made to reach them, with the reason.

    Attributes:
        strata: One entry per stratum, in class order.
        floor: The coverage floor (share of eligible targets that must be drawn).
        floor_count: ``ceil(floor × eligible)``: the least total that meets the floor.
        scale: Factor applied to every rate to reach the floor (1 when not needed).
        adjustments: Every change to the plain rule (`Adjustment`: a code with parameters;
            ``str()`` gives the text).
    """

    strata: tuple[StratumAllocation, ...]
    floor: Fraction
    floor_count: int
    scale: Fraction
    adjustments: tuple[Adjustment, ...]

    @property
    def total(self) -> int:
        """Targets drawn in all strata."""
        return sum(s.size for s in self.strata)

    @property
    def population(self) -> int:
        """Eligible targets in all strata."""
        return sum(s.population for s in self.strata)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the audit record."""
        return {"strata": [s.to_dict() for s in self.strata], "floor": str(self.floor),
                "floor_count": self.floor_count, "scale": str(self.scale),
                "adjustments": [a.to_dict() for a in self.adjustments]}


def _size(rate: Fraction, population: int, minimum: int, maximum: int | None) -> int:
    size = math.ceil(min(Fraction(1), rate) * population)  # "not below": round up
    size = max(size, min(minimum, population))
    if maximum is not None:
        size = min(size, maximum)
    return min(size, population)


def _least_scale(rates: Sequence[Fraction], pops: Sequence[int], mins: Sequence[int],
                 maxs: Sequence[int | None], target: int) -> Fraction:
    """Smallest scale s >= 1 whose sizes reach ``target`` (sizes only change at s = k/(r·N))."""
    def total(s: Fraction) -> int:
        return sum(_size(s * r, n, lo, hi) for r, n, lo, hi in zip(rates, pops, mins, maxs,
                                                                    strict=True))
    lo, hi = Fraction(1), max((1 / r for r in rates if r > 0), default=Fraction(1))
    for _ in range(80):  # bisection narrows to a few breakpoints
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if total(mid) < target else (lo, mid)
    s = lo
    while total(s) < target:  # walk the breakpoints k/(r·N) just above s, exactly
        s = min(Fraction(math.floor(s * r * n) + 1) / (r * n)
                for r, n in zip(rates, pops, strict=True) if r > 0 and n > 0 and s * r < 1)
    return s


def allocate_by_rates(labels: Sequence[str], pops: Sequence[int], *, rates: Sequence[Fraction],
                      mins: Sequence[int], maxs: Sequence[int | None], floor: Fraction
                      ) -> Allocation:
    """Stratified allocation: n_h = ceil(rate_h × N_h), clipped by minimums and maximums;
    when the total misses ``ceil(floor × N)``, every rate is scaled by the least common factor
    that reaches it (ratios kept, each capped at 1). Spec §7.1."""
    notes: list[Adjustment] = []
    population = sum(pops)
    floor_count = math.ceil(floor * population)
    sizes = [_size(r, n, lo, hi) for r, n, lo, hi in zip(rates, pops, mins, maxs, strict=True)]
    scale = Fraction(1)
    if sum(sizes) < floor_count:
        reachable = sum(_size(Fraction(1) if r > 0 else Fraction(0), n, lo, hi)
                        for r, n, lo, hi in zip(rates, pops, mins, maxs, strict=True))
        if reachable < floor_count:
            raise InvalidValueError(
                "allocation", "floor", str(floor),
                f"cannot be met: at most {reachable} of {population} eligible targets can be "
                f"drawn with these rates and maximums, the floor needs {floor_count}",
                "give a positive rate to more classes, raise the maximums, or lower the floor")
        scale = _least_scale(rates, pops, mins, maxs, floor_count)
        notes.append(Adjustment("floor_scaled", {
            "floor": str(floor), "floor_count": floor_count, "population": population,
            "rate_total": sum(sizes), "scale": str(scale)}))
        sizes = [_size(scale * r, n, lo, hi)
                 for r, n, lo, hi in zip(rates, pops, mins, maxs, strict=True)]
    strata = []
    for label, n, r, lo, hi, size in zip(labels, pops, rates, mins, maxs, sizes, strict=True):
        effective = min(Fraction(1), scale * r)
        plain = math.ceil(effective * n)
        if size > plain:
            notes.append(Adjustment("minimum", {"label": label, "minimum": lo,
                                                "rate_size": plain}))
        elif size < min(plain, n):
            notes.append(Adjustment("maximum", {"label": label, "maximum": hi,
                                                "rate_size": plain}))
        if size == n and n:  # drawn whole, no stream read (spec §8)
            notes.append(Adjustment("certainty", {"label": label, "population": n}))
        strata.append(StratumAllocation(label, n, r, effective, size,
                                        Fraction(size, n) if n else Fraction(0)))
    return Allocation(tuple(strata), floor, floor_count, scale, tuple(notes))


def class_probabilities(pops: Sequence[int], weights: Sequence[Fraction], total: int
                        ) -> list[Fraction]:
    """π_h = min(1, c·w_h) with Σ π_h·N_h = ``total`` (spec §7.2), for every class.

    Classes are capped at 1 in rounds until none is newly capped. Classes with no eligible
    target take no part in finding c but get min(1, c·w_h) too. When every class with
    targets and a positive weight is capped, c is the least value that caps them all.
    """
    capped: set[int] = set()
    while True:
        free = [h for h, w in enumerate(weights) if w > 0 and h not in capped and pops[h]]
        mass = sum(weights[h] * pops[h] for h in free)
        if not mass:
            c = max((1 / weights[h] for h in capped), default=Fraction(0))
            break
        c = Fraction(total - sum(pops[h] for h in capped)) / mass
        newly = {h for h in free if c * weights[h] >= 1}
        if not newly:
            break
        capped |= newly
    return [Fraction(1) if h in capped else min(Fraction(1), c * w)
            for h, w in enumerate(weights)]


def allocate_by_weights(labels: Sequence[str], pops: Sequence[int], *,
                        weights: Sequence[Fraction], total: int, floor: Fraction,
                        uniform: Callable[[], Fraction]
                        ) -> Allocation:
    """Class-weighted allocation: a fixed total with π_h ∝ weight_h (capped at 1, the rest
    redistributed), integer sizes by systematic randomized rounding so E[n_h] = π_h·N_h.
    Spec §7.2.

    ``uniform`` gives the rounding's random start in [0, 1) from the draw spec; it is called
    only when some expected size is fractional.
    """
    notes: list[Adjustment] = []
    eligible = sum(n for n, w in zip(pops, weights, strict=True) if w > 0)
    population = sum(pops)
    floor_count = math.ceil(floor * population)
    if total < floor_count:
        notes.append(Adjustment("total_raised", {
            "floor": str(floor), "floor_count": floor_count, "population": population,
            "total": total}))
        total = floor_count
    if total > eligible:
        raise InvalidValueError("ClassWeighted", "total", total,
                                f"exceeds the {eligible} eligible targets with positive weight",
                                "lower the total, or give more classes a positive weight")
    pis = class_probabilities(pops, weights, total)
    expected = [p * n for p, n in zip(pis, pops, strict=True)]
    sizes = [math.floor(e) for e in expected]
    parts = [e - s for e, s in zip(expected, sizes, strict=True)]
    if any(parts):
        start = uniform()  # systematic sampling of the classes to round up, P(up) = part
        low = Fraction(0)
        for h, part in enumerate(parts):
            high = low + part
            if math.ceil(low - start) < high - start:  # an integer point start + j in [low, high)
                sizes[h] += 1
            low = high
        notes.append(Adjustment("rounded", {"start": str(start)}))
    strata = tuple(
        StratumAllocation(label, n, p, p, size, p if n else Fraction(0))
        for label, n, p, size in zip(labels, pops, pis, sizes, strict=True))
    return Allocation(strata, floor, floor_count, Fraction(1), tuple(notes))

"""Exact rates: parsing (never floats), per-class tables, and provincial presets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Generic, TypeVar

from .._errors import InvalidValueError
from ..registry import RiskClass

__all__ = ["PRESETS", "ClassTable", "parse_rate"]

CLASSES = tuple(RiskClass)
V = TypeVar("V")


def parse_rate(value: object, record: str, field: str) -> Fraction:
    """A rate in [0, 1] from a Fraction, an int 0/1, a Decimal or text ('3/100', '0.03', '3%').

    Floats are refused: they cannot state 3% exactly.
    """
    if isinstance(value, (bool, float)):
        raise InvalidValueError(record, field, value, "is a float (inexact)",
                                "write the rate as text, e.g. '3/100', '0.03' or '3%'")
    try:
        if isinstance(value, (Fraction | int, Decimal)):
            rate = Fraction(value)
        elif isinstance(value, str):
            text = value.strip()
            rate = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
        else:
            raise InvalidValueError(record, field, value, "is not a rate",
                                    "write the rate as text, e.g. '3/100'")
    except (ValueError, ZeroDivisionError, InvalidOperation):
        raise InvalidValueError(record, field, value, "is not a number",
                                "write the rate as text, e.g. '3/100', '0.03' or '3%'") from None
    if rate > 1:
        raise InvalidValueError(record, field, value, _above_one(rate),
                                "rates are fractions of 1 (1 = the whole stratum): "
                                + _suggestion(value))
    if rate < 0:
        raise InvalidValueError(record, field, value, "is negative", "use a rate from 0 to 1")
    return rate


def _above_one(rate: Fraction) -> str:
    percent = rate * 100
    shown = f"{percent}%" if percent.denominator == 1 else f"{float(percent):g}%"
    return f"is {rate} > 1 ({shown} of the stratum)"


def _suggestion(value: object) -> str:
    """A likely meaning of a rate above 1: a percentage written without its sign."""
    text = str(value).strip()
    if "/" in text or "%" in text:
        return "write a rate of at most 1, e.g. '15/100' or '15%'"
    return f"did you mean '{text}%' (= {text}/100)?"


class ClassTable(Mapping[RiskClass, V], Generic[V]):
    """An immutable, hashable mapping with one value per risk class (in class order)."""

    __slots__ = ("_values",)

    def __init__(self, values: tuple[V, ...]) -> None:
        self._values = values

    def __getitem__(self, key: RiskClass) -> V:
        return self._values[CLASSES.index(key)]

    def __iter__(self) -> Iterator[RiskClass]:
        return iter(CLASSES)

    def __len__(self) -> int:
        return len(CLASSES)

    def __hash__(self) -> int:
        return hash(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ClassTable):
            return self._values == other._values
        return NotImplemented

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{c.code}: {v!s}" for c, v in zip(CLASSES, self._values,
                                                                 strict=True)) + "}"

    def to_dict(self) -> dict[str, Any]:
        """Class code → value, with Fractions as 'n/d' text and ints as ints."""
        return {c.code: (str(v) if isinstance(v, Fraction) else v)
                for c, v in zip(CLASSES, self._values, strict=True)}


def class_keys(value: Mapping[Any, Any], record: str, field: str) -> dict[RiskClass, Any]:
    """Read a mapping keyed by classes, codes or labels; repeated classes are refused."""
    if not isinstance(value, Mapping):
        raise InvalidValueError(record, field, value, "is not a mapping",
                                "pass {RiskClass.A: ..., ...}")
    out: dict[RiskClass, Any] = {}
    for key, item in value.items():
        kind = RiskClass.parse(key, record=record, field=field)
        if kind in out:
            raise InvalidValueError(record, field, key, "names a class twice", "give it once")
        out[kind] = item
    return out


def rate_table(value: Mapping[Any, Any], record: str, field: str) -> ClassTable[Fraction]:
    """Rates per class; classes not given get rate 0."""
    given = class_keys(value, record, field)
    return ClassTable(tuple(parse_rate(given.get(c, 0), record, f"{field}[{c.code}]")
                            for c in CLASSES))


def count_table(value: Mapping[Any, Any], record: str, field: str, default: int | None
                ) -> ClassTable[int | None]:
    """Whole-number counts per class (minimums or maximums)."""
    given = class_keys(value, record, field)
    counts: list[int | None] = []
    for c in CLASSES:
        item = given.get(c, default)
        if item is not None and (isinstance(item, bool) or not isinstance(item, int) or item < 0):
            raise InvalidValueError(record, f"{field}[{c.code}]", item,
                                    "is not a whole number >= 0", "give a count such as 5")
        counts.append(item)
    return ClassTable(tuple(counts))


#: Presets from provincial plans (DOMAIN.md); unlisted classes have rate 0.
PRESETS: dict[str, dict[RiskClass, Fraction]] = {
    # Henan 2021: A 1%, B 2%, C 10%, D 30%.
    "henan-2021": {RiskClass.A: Fraction(1, 100), RiskClass.B: Fraction(2, 100),
                   RiskClass.C: Fraction(10, 100), RiskClass.D: Fraction(30, 100)},
    # Lindian county, Heilongjiang 2024: A <= 5%, B 5-20%, C 21-60%, D 61-100%; lower ends
    # (A at its cap).
    "lindian-2024-low": {RiskClass.A: Fraction(5, 100), RiskClass.B: Fraction(5, 100),
                         RiskClass.C: Fraction(21, 100), RiskClass.D: Fraction(61, 100)},
    # Lindian county 2024, upper ends of the ranges.
    "lindian-2024-high": {RiskClass.A: Fraction(5, 100), RiskClass.B: Fraction(20, 100),
                          RiskClass.C: Fraction(60, 100), RiskClass.D: Fraction(1)},
    # Shandong 2020: the highest-risk class checked in full.
    "shandong-2020-d": {RiskClass.D: Fraction(1)},
}

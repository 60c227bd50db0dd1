"""Column helpers for the columnar registers: categorical text columns and day-number dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["NO_DATE", "Categorical", "code_dtype", "days_to_date", "readonly"]

#: Day number stored for "no date" in int32 date columns.
NO_DATE = np.iinfo(np.int32).min
_EPOCH = dt.date(1970, 1, 1)

Codes = npt.NDArray[np.unsignedinteger]


def readonly(array: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    """Mark an array read-only and return it."""
    array.flags.writeable = False
    return array


def code_dtype(n_categories: int) -> type[np.unsignedinteger]:
    """The smallest unsigned dtype that indexes ``n_categories`` categories."""
    for kind in (np.uint8, np.uint16, np.uint32):
        if n_categories <= np.iinfo(kind).max + 1:
            return kind
    return np.uint64


def days_to_date(day: int) -> dt.date | None:
    """The date for a stored day number, or ``None`` for `NO_DATE`."""
    return None if day == NO_DATE else _EPOCH + dt.timedelta(days=int(day))


def date_to_days(value: dt.date | None) -> int:
    """The stored day number of a date (``None`` gives `NO_DATE`)."""
    return NO_DATE if value is None else (value - _EPOCH).days


def dict_encode(values: Iterable[object]) -> tuple[npt.NDArray[np.int64], list[object]]:
    """Codes and first-seen uniques of hashable values, in one pass (faster than np.unique)."""
    seen: dict[object, int] = {}
    setdefault = seen.setdefault
    codes = np.fromiter((setdefault(v, len(seen)) for v in values), dtype=np.int64)
    return codes, list(seen)


@attrs.frozen
class Categorical:
    """A text column stored as small integer codes into sorted, unique categories."""

    codes: Codes
    categories: tuple[str, ...]

    @classmethod
    def from_codes(cls, codes: npt.NDArray[np.integer], categories: Sequence[str]) -> Categorical:
        """Normalise arbitrary categories: sort them, merge equal ones and drop unused ones."""
        if len(codes) == 0:
            return cls(readonly(np.zeros(0, dtype=np.uint8)), ())
        uniques = sorted(set(categories[i] for i in np.unique(codes).tolist()))
        position = {value: i for i, value in enumerate(uniques)}
        remap = np.array([position.get(c, 0) for c in categories], dtype=np.int64)
        new = remap[codes].astype(code_dtype(len(uniques)))
        return cls(readonly(new), tuple(uniques))

    @classmethod
    def from_values(cls, values: Iterable[str]) -> Categorical:
        """Encode a column of strings."""
        codes, uniques = dict_encode(values)
        return cls.from_codes(codes, [str(u) for u in uniques])

    def __len__(self) -> int:
        return len(self.codes)

    def value(self, row: int) -> str:
        """The text at ``row``."""
        return self.categories[self.codes[row]]

    def mask(self, keep: Callable[[str], bool]) -> npt.NDArray[np.bool_]:
        """Rows whose category satisfies ``keep`` (evaluated once per category)."""
        wanted = [i for i, value in enumerate(self.categories) if keep(value)]
        lookup = np.zeros(max(len(self.categories), 1), dtype=bool)
        lookup[wanted] = True
        result: npt.NDArray[np.bool_] = lookup[self.codes]
        return result

    def take(self, rows: npt.NDArray[np.integer] | npt.NDArray[np.bool_]) -> Categorical:
        """The rows selected by an index array or mask (unused categories are dropped)."""
        return Categorical.from_codes(self.codes[rows], self.categories)

    def recode(self, categories: Sequence[str]) -> Codes:
        """Codes of this column against a superset ``categories`` (sorted, unique)."""
        position = {value: i for i, value in enumerate(categories)}
        remap = np.array([position[c] for c in self.categories] or [0], dtype=np.int64)
        result: Codes = remap[self.codes].astype(code_dtype(len(categories)))
        return result

    def strings(self, rows: npt.NDArray[np.integer] | slice = slice(None)) -> list[str]:
        """The text of the selected rows, as a list."""
        table = np.array(self.categories or ("",), dtype=object)
        result: list[str] = table[self.codes[rows]].tolist()
        return result

    def counts(self) -> dict[str, int]:
        """How many rows hold each category."""
        counts = np.bincount(self.codes, minlength=len(self.categories))
        return {c: int(n) for c, n in zip(self.categories, counts, strict=True) if n}

    @staticmethod
    def union(parts: Sequence[Categorical]) -> tuple[str, ...]:
        """Sorted union of the categories of several columns."""
        return tuple(sorted(set().union(*(p.categories for p in parts))))

    def nbytes(self) -> int:
        """Bytes held by the codes and (approximately) the category texts."""
        return int(self.codes.nbytes) + sum(len(c.encode()) + 50 for c in self.categories)

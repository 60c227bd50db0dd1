"""Column helpers for the columnar registers: categorical text columns and day-number dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["NO_DATE", "Categorical", "Coded", "Offsets", "code_dtype", "days_to_date",
           "dict_encode", "narrow_offsets", "ragged_take", "readonly", "used_codes"]

#: Day number stored for "no date" in int32 date columns.
NO_DATE = np.iinfo(np.int32).min
_EPOCH = dt.date(1970, 1, 1)

Codes = npt.NDArray[np.unsignedinteger]
#: Offsets into a blob of variable-length byte strings (uint32, or int64 past 4 GiB).
Offsets = npt.NDArray[np.uint32] | npt.NDArray[np.int64]


ArrayT = TypeVar("ArrayT", bound=np.ndarray)


def readonly(array: ArrayT) -> ArrayT:
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


@attrs.frozen
class Coded:
    """A raw column already dictionary-encoded (e.g. by Arrow): row ``k`` holds
    ``values[codes[k]]``. Build it with `Coded.of`, which gives exactly the codes and
    uniques `dict_encode` gives for the decoded values, without a Python object per row."""

    codes: Codes
    values: tuple[object, ...]

    @classmethod
    def of(cls, codes: npt.NDArray[np.integer], values: Sequence[object]) -> Coded:
        """The column ``values[codes]``, its values made distinct (equal ones merged, unused
        ones dropped) and put in first-seen order, as `dict_encode` orders them."""
        n, k = len(codes), len(values)
        first = np.full(max(k, 1), n, dtype=np.int64)
        np.minimum.at(first, codes, np.arange(n, dtype=np.int64))
        used = np.flatnonzero(first < n)
        seen = used[np.argsort(first[used], kind="stable")]
        ordered = [values[i] for i in seen.tolist()]
        uniques = list(dict.fromkeys(ordered))
        position = {value: code for code, value in enumerate(uniques)}
        remap = np.zeros(max(k, 1), dtype=code_dtype(len(uniques)))
        remap[seen] = [position[value] for value in ordered]
        return cls(remap[codes], tuple(uniques))

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, row: int) -> object:
        return self.values[int(self.codes[row])]

    def take(self, rows: npt.NDArray[np.integer] | npt.NDArray[np.bool_]) -> Coded:
        """The rows selected by an index array or mask."""
        return Coded.of(self.codes[rows], self.values)

    def map(self, function: Callable[[object], object]) -> Coded:
        """The column with ``function`` applied to each value (once per distinct value)."""
        return Coded.of(self.codes, [function(value) for value in self.values])


def dict_encode(values: Iterable[object] | Coded | None, n: int = 0
                ) -> tuple[npt.NDArray[np.unsignedinteger], list[object]]:
    """Codes (the narrowest unsigned dtype) and first-seen uniques of hashable values, in
    one pass (faster than np.unique); ``None`` stands for ``n`` empty strings; a `Coded`
    column is already encoded."""
    if values is None:
        return np.zeros(n, dtype=np.uint8), [""]
    if isinstance(values, Coded):
        return values.codes, list(values.values)
    items = values if isinstance(values, list) else list(values)
    uniques = list(dict.fromkeys(items))  # C-speed passes; no per-row Python frames
    position = {value: code for code, value in enumerate(uniques)}
    codes = np.fromiter(map(position.__getitem__, items), dtype=code_dtype(len(uniques)),
                        count=len(items))
    return codes, uniques


def used_codes(codes: npt.NDArray[np.integer], n_categories: int) -> npt.NDArray[np.bool_]:
    """Which of ``n_categories`` codes occur, counted in chunks (no sort, no big copy)."""
    used = np.zeros(max(n_categories, 1), dtype=bool)
    step = 1 << 20
    for lo in range(0, len(codes), step):
        used |= np.bincount(codes[lo:lo + step], minlength=len(used)).astype(bool)
    return used


def narrow_offsets(offsets: npt.NDArray[np.integer]) -> Offsets:
    """Offsets as uint32 when the blob they index is under 4 GiB, else int64."""
    if len(offsets) and int(offsets[-1]) > np.iinfo(np.uint32).max:
        return offsets.astype(np.int64, copy=False)
    return offsets.astype(np.uint32, copy=False)


def ragged_take(blob: npt.NDArray[np.uint8], offsets: Offsets, rows: npt.NDArray[np.intp]
                ) -> tuple[npt.NDArray[np.uint8], Offsets]:
    """Gather variable-length byte strings ``rows`` from a blob, in chunks to bound memory."""
    starts = offsets[rows].astype(np.int64)
    lengths = offsets[rows + 1].astype(np.int64) - starts
    new_offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    out = np.empty(int(new_offsets[-1]), dtype=np.uint8)
    step = 1 << 20
    for lo in range(0, len(rows), step):
        hi = min(lo + step, len(rows))
        a, b = new_offsets[lo], new_offsets[hi]
        shift = np.repeat(new_offsets[lo:hi] - starts[lo:hi], lengths[lo:hi])
        out[a:b] = blob[np.arange(a, b) - shift]
    return out, narrow_offsets(new_offsets)


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
        used = used_codes(codes, len(categories))
        uniques = sorted({categories[i] for i in np.flatnonzero(used).tolist()})
        position = {value: i for i, value in enumerate(uniques)}
        remap = np.array([position.get(c, 0) for c in categories] or [0],
                         dtype=code_dtype(len(uniques)))
        return cls(readonly(remap[codes]), tuple(uniques))

    def __len__(self) -> int:
        return len(self.codes)

    def value(self, row: int) -> str:
        """The text at ``row``."""
        return self.categories[int(self.codes[row])]

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
        remap = np.array([position[c] for c in self.categories] or [0],
                         dtype=code_dtype(len(categories)))
        result: Codes = remap[self.codes]
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

"""Names as one UTF-8 blob plus offsets (Arrow-style), built chunk by chunk in a given order.

The blob is written straight in the directory's canonical order, so it is never reordered
(which would hold it twice); it grows in a `bytearray` that numpy then views without a copy.
Each chunk is NFC-normalised and trimmed; the rows that are empty, too long or hold a control
character are returned for the caller to report.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from operator import itemgetter

import attrs
import numpy as np
import numpy.typing as npt

from . import _fields as f
from ._columns import Offsets, narrow_offsets

__all__ = ["NameColumn", "name_column"]

_CHUNK = 1 << 14  # rows per chunk: its temporaries stay small
_UINT32_MAX = int(np.iinfo(np.uint32).max)


@attrs.frozen
class NameColumn:
    """Names in the order asked for, and the input rows whose name is bad.

    Attributes:
        blob: Every name's UTF-8 bytes, one after the other.
        offsets: Name ``k`` is ``blob[offsets[k]:offsets[k + 1]]``.
        empty: Rows whose name is empty or not text.
        too_long: Rows whose name is longer than `MAX_TEXT` characters.
        control: Rows whose name holds a control character.
    """

    blob: npt.NDArray[np.uint8]
    offsets: Offsets
    empty: npt.NDArray[np.intp]
    too_long: npt.NDArray[np.intp]
    control: npt.NDArray[np.intp]


def _encoded(names: Sequence[object]) -> tuple[bytes, npt.NDArray[np.int64]]:
    """One chunk's names as UTF-8 bytes and their offsets (NFC, trimmed); not-text is ''."""
    n = len(names)
    try:
        joined = "\x00".join(map(str.strip, names))  # type: ignore[arg-type]
    except TypeError:  # a name that is not text: the per-row path empties it
        joined = None
    if joined is not None:
        if not unicodedata.is_normalized("NFC", joined):
            joined = unicodedata.normalize("NFC", joined)  # never composes across a NUL
        raw = joined.encode()
        array = np.frombuffer(raw, dtype=np.uint8)
        separators = np.flatnonzero(array == 0)
        if len(separators) == n - 1:  # no NUL inside a name
            offsets = np.zeros(n + 1, dtype=np.int64)
            offsets[1:-1] = separators - np.arange(len(separators))
            offsets[-1] = len(raw) - len(separators)
            return raw.replace(b"\x00", b""), offsets
    cleaned = [unicodedata.normalize("NFC", v).strip() if isinstance(v, str) else ""
               for v in names]
    encoded = [v.encode() for v in cleaned]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=n), out=offsets[1:])
    return b"".join(encoded), offsets


def name_column(names: Sequence[object], order: npt.NDArray[np.integer] | None) -> NameColumn:
    """The names of rows ``order`` (all rows in input order when ``None``), checked."""
    n = len(names) if order is None else len(order)
    if order is not None and not isinstance(names, list | tuple):
        names = list(names)
    blob = bytearray()
    offsets: npt.NDArray[np.uint32] | npt.NDArray[np.int64] = np.zeros(n + 1, dtype=np.uint32)
    empty: list[npt.NDArray[np.integer]] = []
    too_long: list[npt.NDArray[np.integer]] = []
    control: list[npt.NDArray[np.integer]] = []
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        rows = np.arange(lo, hi) if order is None else order[lo:hi]
        if order is None:
            chunk = names[lo:hi]
        elif hi - lo == 1:
            chunk = [names[int(rows[0])]]
        else:
            chunk = itemgetter(*rows.tolist())(names)
        text, local = _encoded(chunk)
        base = len(blob)
        if base + len(text) > _UINT32_MAX and offsets.dtype != np.int64:
            offsets = offsets.astype(np.int64)
        offsets[lo + 1:hi + 1] = local[1:] + base
        blob += text
        chars = np.frombuffer(text, dtype=np.uint8)
        lengths = np.diff(local)
        empty.append(rows[lengths == 0])
        starts = np.zeros(len(chars) + 1, dtype=np.int32)  # characters before each byte
        np.cumsum((chars & 0xC0) != 0x80, out=starts[1:])
        too_long.append(rows[starts[local[1:]] - starts[local[:-1]] > f.MAX_TEXT])
        # UTF-8 continuation bytes are >= 0x80: a byte < 0x20 is a real control character.
        bad_bytes = np.flatnonzero((chars < 0x20) | (chars == 0x7F))
        if len(bad_bytes):
            control.append(rows[np.unique(np.searchsorted(local, bad_bytes, side="right") - 1)])
    return NameColumn(
        blob=np.frombuffer(blob, dtype=np.uint8) if blob else np.zeros(0, dtype=np.uint8),
        offsets=narrow_offsets(offsets), empty=_rows(empty), too_long=_rows(too_long),
        control=_rows(control))


def _rows(parts: list[npt.NDArray[np.integer]]) -> npt.NDArray[np.intp]:
    if not parts:
        return np.zeros(0, dtype=np.intp)
    return np.sort(np.concatenate(parts)).astype(np.intp)

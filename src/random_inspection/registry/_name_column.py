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
from ._columns import Offsets, narrow_offsets, ragged_take

__all__ = ["NameColumn", "Utf8Texts", "name_column"]

_CHUNK = 1 << 14  # rows per chunk: its temporaries stay small
_UINT32_MAX = int(np.iinfo(np.uint32).max)
#: Lead bytes of the characters ``str.strip`` removes (ASCII whitespace and U+001C-U+001F;
#: U+0085 and U+00A0; U+1680; U+2000-U+205F; U+3000): a name starting or ending with one is
#: checked row by row.
_MAYBE_SPACE = np.zeros(256, dtype=bool)
_MAYBE_SPACE[[*range(0x09, 0x0E), *range(0x1C, 0x21), 0xC2, 0xE1, 0xE2, 0xE3]] = True


@attrs.frozen
class Utf8Texts:
    """Text values as one UTF-8 blob and offsets, as Arrow holds them: a row is decoded only
    when asked for, and `name_column` checks and stores clean names without decoding them.

    Attributes:
        blob: The values' UTF-8 bytes, one after the other (valid UTF-8).
        offsets: Value ``k`` is ``blob[offsets[k]:offsets[k + 1]]``; ``offsets[0] == 0``.
    """

    blob: npt.NDArray[np.uint8]
    offsets: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> str:
        return self.blob[self.offsets[row]:self.offsets[row + 1]].tobytes().decode()

    def take(self, rows: npt.NDArray[np.integer] | npt.NDArray[np.bool_]) -> Utf8Texts:
        """The rows selected by an index array or mask."""
        index = np.flatnonzero(rows) if rows.dtype == np.bool_ else rows
        blob, offsets = ragged_take(self.blob, self.offsets, index.astype(np.intp))
        return Utf8Texts(blob, offsets.astype(np.int64))

    def tolist(self) -> list[str]:
        """Every value as a Python string: the blob decoded in one call and split (row by
        row when a value holds NUL, where it would split the value)."""
        n, blob, bounds = len(self), self.blob, self.offsets
        if n == 0:
            return []
        if blob.all():
            joined = np.zeros(len(blob) + n - 1, dtype=np.uint8)  # NUL between the values
            separator = np.zeros(len(joined), dtype=bool)
            separator[bounds[1:-1] + np.arange(n - 1)] = True
            joined[~separator] = blob
            return joined.tobytes().decode().split("\x00")
        return [self[row] for row in range(n)]

    def clean(self) -> bool:
        """Whether every value is stored as it is: NFC and with nothing to trim."""
        n, blob, bounds = len(self), self.blob, self.offsets
        if n == 0 or not len(blob):
            return True
        starts, ends = bounds[:-1], bounds[1:]
        filled = np.flatnonzero(ends > starts)
        last = ends[filled] - 1
        for _ in range(3):  # back from the last byte to the lead byte of the last character
            last -= (blob[last] & 0xC0) == 0x80
        suspects = filled[_MAYBE_SPACE[blob[starts[filled]]] | _MAYBE_SPACE[blob[last]]]
        if any(text != text.strip() for text in map(self.__getitem__, suspects.tolist())):
            return False
        return _plainly_nfc(blob) or unicodedata.is_normalized(
            "NFC", blob.tobytes().decode())  # NFC as a whole: so is every value


def _plainly_nfc(blob: npt.NDArray[np.uint8]) -> bool:
    """Whether valid UTF-8 holds only characters that are NFC and never compose: ASCII,
    U+0080-U+00BF, U+4000-U+9FFF (CJK) and U+FF00-U+FF7F (full-width forms). Lead bytes
    0xC2, 0xE4-0xE9, and 0xEF followed by 0xBC or 0xBD."""
    step = 1 << 24
    for lo in range(0, len(blob), step):
        chunk = blob[lo:lo + step]
        other = (chunk >= 0xC0) & ((chunk < 0xE4) | (chunk > 0xE9))
        other &= chunk != 0xC2
        full_width = np.flatnonzero(chunk == 0xEF)
        if len(full_width):
            other[full_width] = False
            following = blob[full_width + lo + 1]  # valid UTF-8: a byte follows 0xEF
            if not ((following == 0xBC) | (following == 0xBD)).all():
                return False
        if other.any():
            return False
    return True


def _clean_column(texts: Utf8Texts, order: npt.NDArray[np.integer] | None) -> NameColumn:
    """`name_column` of names that are NFC with nothing to trim: their bytes as they are."""
    blob, offsets = texts.blob, texts.offsets
    lengths = np.diff(offsets)
    empty = np.flatnonzero(lengths == 0)
    long_rows = np.flatnonzero(lengths > f.MAX_TEXT)  # at most one character per byte
    too_long = np.array([row for row in long_rows.tolist() if len(texts[row]) > f.MAX_TEXT],
                        dtype=np.intp)
    control: list[npt.NDArray[np.integer]] = []
    step = 1 << 24
    for lo in range(0, len(blob), step):
        chunk = blob[lo:lo + step]
        bad_bytes = np.flatnonzero((chunk < 0x20) | (chunk == 0x7F)) + lo
        if len(bad_bytes):
            control.append(np.unique(np.searchsorted(offsets, bad_bytes, side="right") - 1))
    if order is None:
        stored, stored_offsets = blob, narrow_offsets(offsets)
    else:
        stored, stored_offsets = ragged_take(blob, offsets, order.astype(np.intp))
    return NameColumn(blob=stored, offsets=stored_offsets, empty=empty.astype(np.intp),
                      too_long=too_long, control=_rows(control))


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


def name_column(names: Sequence[object] | Utf8Texts, order: npt.NDArray[np.integer] | None
                ) -> NameColumn:
    """The names of rows ``order`` (all rows in input order when ``None``), checked."""
    if isinstance(names, Utf8Texts):
        if names.clean():
            return _clean_column(names, order)
        names = names.tolist()
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

"""Normalise, check and encode a whole column of raw identifiers, in cache-sized chunks.

Each chunk of rows is upper-cased (or normalised row by row when it holds anything but plain
ASCII text), checked for its entity types (`id_problems`: USCC check characters, registration
number check digits, product codes) and written as integer keys (`_id_keys`), so the work and
the temporaries grow linearly with the column and no full-width copy of the ids is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ._id_keys import CHUNK, KEY_DTYPE, PER_WORD, encode_chars, key_words
from ._identifiers import ID_PATTERN, MAX_ID_LENGTH, id_problems, normalize_id

__all__ = ["IdColumn", "encode_id_column", "normalised_text"]

_TEXT_TYPES = {str, bytes, np.str_, np.bytes_}


@attrs.frozen
class IdColumn:
    """A column's keys (input order) and what was wrong with its ids.

    Attributes:
        keys: (n, words) big-endian keys; rows with a problem hold some key.
        length: The longest normalised id.
        not_ids: Rows whose value is not an identifier at all (not text, or not of the form).
        bad_rows: Rows whose identifier does not fit its entity type (check character, ...).
    """

    keys: npt.NDArray[np.uint64]
    length: int
    not_ids: npt.NDArray[np.intp]
    bad_rows: npt.NDArray[np.intp]


class _WiderError(Exception):
    """A normalised id needs more key words than the raw column's widths promised."""


def normalised_text(raw: object) -> str:
    """The normalised text of one raw id (for messages)."""
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
    return normalize_id(text) if isinstance(text, str) else ""


def _raw_width(ids: Sequence[object] | npt.NDArray[Any]) -> int:
    """The widest id the raw column can hold, capped at `MAX_ID_LENGTH`."""
    if isinstance(ids, np.ndarray):
        width = ids.dtype.itemsize // (4 if ids.dtype.kind == "U" else 1)
    else:
        try:
            width = max(map(len, ids), default=0)  # type: ignore[arg-type]
        except TypeError:
            width = MAX_ID_LENGTH
    return min(width, MAX_ID_LENGTH)


def _plain_chars(chunk: Sequence[object] | npt.NDArray[Any]) -> npt.NDArray[np.uint8] | None:
    """The chunk as an upper-cased byte matrix, or ``None`` if it needs the per-row path."""
    if isinstance(chunk, np.ndarray):
        if chunk.dtype.kind not in "SU":
            return None
    elif not set(map(type, chunk)) <= _TEXT_TYPES:
        return None  # numpy would turn None or 123 into b"None" / b"123"
    try:
        array = np.asarray(chunk, dtype=np.bytes_)
    except (UnicodeEncodeError, TypeError, ValueError):
        return None
    width = array.dtype.itemsize
    if width > MAX_ID_LENGTH:
        return None
    chars = array.view(np.uint8).reshape(len(array), width)
    if not isinstance(chunk, np.ndarray) and sum(map(len, chunk)) != np.count_nonzero(  # type: ignore[arg-type]
            chars):
        return None  # a NUL that numpy would drop: the per-row path refuses it
    lower = (chars >= ord("a")) & (chars <= ord("z"))
    plain = lower | ((chars >= ord("A")) & (chars <= ord("Z")))
    plain |= (chars >= ord("0")) & (chars <= ord("9"))
    plain |= (chars == 0) | (chars == ord("-")) | (chars == ord(".")) | (chars == ord("_"))
    if not plain.all():  # comparisons: faster than a 256-entry lookup per byte
        return None
    upper: npt.NDArray[np.uint8] = chars - (lower.view(np.uint8) << 5)
    return upper


def _per_row_chars(chunk: Sequence[object] | npt.NDArray[Any], first: int,
                   not_ids: list[int]) -> npt.NDArray[np.uint8]:
    texts = chunk.tolist() if isinstance(chunk, np.ndarray) else list(chunk)
    normalised: list[bytes] = []
    for row, raw in enumerate(texts, start=first):
        code = normalised_text(raw)
        if not ID_PATTERN.fullmatch(code):
            not_ids.append(row)
            code = ""
        normalised.append(code.encode("ascii"))
    array = np.array(normalised, dtype=bytes)
    return array.view(np.uint8).reshape(len(array), array.dtype.itemsize)


def _not_ids(chars: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Rows of an upper-cased plain byte matrix that do not match `ID_PATTERN`: empty, a
    first character that is not a letter or digit, or a NUL inside."""
    if not chars.shape[1]:
        return np.ones(len(chars), dtype=bool)
    first = chars[:, 0]
    bad: npt.NDArray[np.bool_] = ~(((first >= ord("0")) & (first <= ord("9")))
                                   | ((first >= ord("A")) & (first <= ord("Z"))))
    if chars.all():  # no NUL at all (ids as wide as the chunk): none inside
        return bad
    for column in range(1, chars.shape[1]):  # a character after a NUL: a NUL inside
        bad |= (chars[:, column] != 0) & (chars[:, column - 1] == 0)
    return bad


def _encode(ids: Sequence[object] | npt.NDArray[Any], types: npt.NDArray[np.uint8],
            typed: npt.NDArray[np.bool_], words: int) -> IdColumn:
    n = len(ids)
    keys = np.empty((n, words), dtype=KEY_DTYPE)
    not_ids: list[int] = []
    bad: list[npt.NDArray[np.intp]] = []
    longest = 0
    for lo in range(0, n, CHUNK):
        chunk = ids[lo:lo + CHUNK]
        chars = _plain_chars(chunk)
        if chars is None:
            chars = _per_row_chars(chunk, lo, not_ids)
        else:
            refused = np.flatnonzero(_not_ids(chars))
            chars[refused] = 0
            not_ids.extend((refused + lo).tolist())
        width = chars.shape[1]
        if width and chars.all():  # every id as wide as the chunk (e.g. all USCCs)
            lengths = np.full(len(chars), width, dtype=np.uint8)
        else:
            lengths = np.zeros(len(chars), dtype=np.uint8)
            for column in range(width):  # column passes: faster than a reduction along rows
                lengths += chars[:, column] != 0
        longest = max(longest, int(lengths.max(initial=0)))
        if longest > words * PER_WORD:
            raise _WiderError
        flat = (np.ascontiguousarray(chars).view(f"S{width}").reshape(len(chars)) if width
                else np.zeros(len(chars), dtype="S1"))
        problems = id_problems(flat, types[lo:lo + CHUNK]) & (lengths > 0) & typed[lo:lo + CHUNK]
        bad.append(np.flatnonzero(problems) + lo)
        encode_chars(chars[:, :words * PER_WORD], words, out=keys[lo:lo + CHUNK])
    if key_words(longest) < words:
        keys = np.ascontiguousarray(keys[:, :key_words(longest)])
    return IdColumn(keys, longest, np.array(sorted(not_ids), dtype=np.intp),
                    np.concatenate(bad) if bad else np.zeros(0, dtype=np.intp))


def encode_id_column(ids: Sequence[object] | npt.NDArray[Any], types: npt.NDArray[np.uint8],
                     typed: npt.NDArray[np.bool_]) -> IdColumn:
    """Normalise (NFKC, trimmed, upper case), check and encode a raw id column.

    ``types`` are the rows' entity type codes (indices into ``list(EntityType)``) and
    ``typed`` marks the rows whose type is known: only those are checked against it.
    """
    try:
        return _encode(ids, types, typed, key_words(_raw_width(ids)))
    except _WiderError:  # e.g. NFKC made an id longer than its raw text: start over, wide enough
        return _encode(ids, types, typed, key_words(MAX_ID_LENGTH))

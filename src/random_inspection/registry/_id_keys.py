"""Identifiers as fixed-width integer keys that sort, compare and search like their text.

Every normalised identifier is 1 to 32 characters of ``-.0-9A-Z_`` (`ID_PATTERN`). Each
character becomes its rank + 1 in byte order (0 pads a shorter id, as the end of a string
sorts before any character), and each run of 12 characters one base-40 number in a 64-bit
word (40**12 < 2**64). The words are stored big-endian, so comparing two keys as numbers
word by word, comparing their bytes (numpy's ``S`` order, memcmp), and comparing the id
texts byte by byte all give the same order: the directory's canonical order. An
18-character USCC or a 15-digit registration number takes two words (16 bytes); a
32-character product code three.

Sorting runs on the integers (`sort_keys`), in linear passes but one permutation; lookups
are binary searches on the bytes (`search_keys`); ids are decoded only for the rows asked
for (`decode_keys`).
"""

from __future__ import annotations

import itertools
import operator

import numpy as np
import numpy.typing as npt

__all__ = ["KEY_ALPHABET", "decode_keys", "encode_chars", "encode_texts", "key_bytes", "key_of",
           "key_words", "search_keys", "sort_keys"]

#: Every character an identifier may hold, in byte order.
KEY_ALPHABET = "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
RADIX = len(KEY_ALPHABET) + 1
PER_WORD = 12
KEY_DTYPE = np.dtype(">u8")
CHUNK = 1 << 16  # rows per pass: the temporaries stay in the processor's cache
_BUCKET = 1 << 15  # rows sorted at once after the linear partition

#: A byte's rank + 1 in the alphabet; 0 for NUL (padding); RADIX for a byte no id holds.
RANKS = np.full(256, RADIX, dtype=np.uint8)
RANKS[0] = 0
for _rank, _char in enumerate(KEY_ALPHABET, start=1):
    RANKS[ord(_char)] = _rank
_ALLOWED = frozenset(KEY_ALPHABET)
# The two bytes of each two-character group, as one little-endian uint16 (for decoding).
_DIGITS = b"\x00" + KEY_ALPHABET.encode()
_PAIR = RADIX**2
_PAIRS = np.frombuffer(b"".join(bytes([a, b]) for a in _DIGITS for b in _DIGITS),
                       dtype="<u2")
_TO_RANK = {ord(char): chr(rank) for rank, char in enumerate(KEY_ALPHABET, start=1)}
_POWERS = [RADIX ** (PER_WORD - 1 - k) for k in range(PER_WORD)]


def key_words(length: int) -> int:
    """Words needed for ids of up to ``length`` characters (at least one)."""
    return max(1, -(-length // PER_WORD))


def encode_chars(chars: npt.NDArray[np.uint8], words: int,
                 out: npt.NDArray[np.uint64] | None = None) -> npt.NDArray[np.uint64]:
    """Keys of an (m, length) matrix of id bytes (NUL-padded, at most ``12 * words`` wide).

    The bytes must be characters of `KEY_ALPHABET` or NUL (callers check with `RANKS`);
    any other byte gives a key that sorts somewhere, but means nothing. Writes into ``out``
    (an (m, words) big-endian array) when given.
    """
    m, length = chars.shape
    result = np.empty((m, words), dtype=KEY_DTYPE) if out is None else out
    ranks = RANKS[chars]
    for word in range(words):
        first, last = word * PER_WORD, min((word + 1) * PER_WORD, length)
        value = np.zeros(m, dtype=np.uint64)
        for column in range(first, last):
            value *= np.uint64(RADIX)
            value += ranks[:, column]
        padding = PER_WORD - max(last - first, 0)
        if padding:
            value *= np.uint64(RADIX**padding)
        result[:, word] = value
    return result


def encode_texts(texts: list[str], words: int) -> tuple[npt.NDArray[np.uint64],
                                                       npt.NDArray[np.bool_]]:
    """Keys of normalised id texts, and which of them can be keys at all (ASCII, only
    alphabet characters, at most ``12 * words`` long); the others get a zero key."""
    width = words * PER_WORD
    fits = np.fromiter((len(t) <= width and t.isascii() and "\x00" not in t for t in texts),
                       dtype=bool, count=len(texts))  # numpy would drop a trailing NUL
    encoded = [t.encode("ascii") if ok else b"" for t, ok in zip(texts, fits.tolist(),
                                                                 strict=True)]
    array = np.array(encoded, dtype=f"S{width}") if encoded else np.zeros(0, f"S{width}")
    chars = array.view(np.uint8).reshape(len(texts), width)
    fits &= (RANKS[chars] < RADIX).all(axis=1) & (chars[:, 0] != 0)
    keys = encode_chars(chars, words)
    keys[~fits] = 0
    return keys, fits


def key_of(text: str, words: int) -> bytes | None:
    """The key bytes of one normalised id, or ``None`` if no stored id can equal it."""
    if not text or len(text) > words * PER_WORD or not _ALLOWED.issuperset(text):
        return None
    ranks = text.translate(_TO_RANK).ljust(words * PER_WORD, "\x00").encode("latin-1")
    return b"".join(sum(map(operator.mul, ranks[word:word + PER_WORD], _POWERS)).to_bytes(8, "big")
                    for word in range(0, words * PER_WORD, PER_WORD))


def decode_keys(keys: npt.NDArray[np.uint64], length: int) -> npt.NDArray[np.bytes_]:
    """The ids of (m, words) keys as an ``S<length>`` array (ASCII, upper case)."""
    m, words = keys.shape
    if not length:
        return np.zeros(m, dtype="S1")
    out = np.empty((m, words * PER_WORD), dtype=np.uint8)
    pairs = out.view("<u2")  # each write fills two characters
    for lo in range(0, m, CHUNK):
        native = keys[lo:lo + CHUNK].astype(np.uint64)
        for word in range(words):
            value = native[:, word]
            for pair in range(PER_WORD // 2 - 1, -1, -1):
                quotient = value // np.uint64(_PAIR)
                pairs[lo:lo + CHUNK, word * PER_WORD // 2 + pair] = np.take(
                    _PAIRS, (value - quotient * np.uint64(_PAIR)).astype(np.intp))
                value = quotient
    result: npt.NDArray[np.bytes_] = np.ascontiguousarray(out[:, :length]).view(
        f"S{length}").reshape(m)
    return result


def key_bytes(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.bytes_]:
    """The keys as one ``S`` value each (no copy when contiguous): memcmp order."""
    contiguous = np.ascontiguousarray(keys)
    result: npt.NDArray[np.bytes_] = contiguous.view(f"S{8 * keys.shape[1]}").reshape(
        len(keys))
    return result


def search_keys(stored: npt.NDArray[np.uint64], wanted: npt.NDArray[np.uint64]
                ) -> npt.NDArray[np.intp]:
    """The row of each ``wanted`` key in the sorted ``stored`` keys, or -1 where absent."""
    found = np.full(len(wanted), -1, dtype=np.intp)
    if not len(stored) or not len(wanted):
        return found
    hay, needles = key_bytes(stored), key_bytes(wanted)
    order = np.argsort(needles, kind="stable")  # sorted needles search in cache order
    rows = np.minimum(np.searchsorted(hay, needles[order]), len(hay) - 1)
    hit = hay[rows] == needles[order]
    found[order[hit]] = rows[hit]
    return found


def _lexsort(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """The sorting permutation of a bucket of keys.

    One argsort of a 64-bit value: the first word's offset in the bucket, with the next
    word's leading bits in the bits that offset leaves free (order-preserving, as the offset
    fits its bits); where that value still ties, the rows are sorted on all their words.
    """
    native = keys.astype(np.uint64)
    first = native[:, 0]
    combined = first
    if keys.shape[1] > 1 and len(keys) > 1:
        low = first.min()
        spare = 64 - int(first.max() - low).bit_length()
        if spare == 64:
            combined = native[:, 1]
        elif spare:
            combined = ((first - low) << np.uint64(spare)) | (
                native[:, 1] >> np.uint64(64 - spare))
    order = np.argsort(combined)  # unstable is fine: equal keys are duplicates
    if keys.shape[1] == 1 or len(keys) < 2:
        return order
    value = combined[order]
    tied = np.zeros(len(keys), dtype=bool)
    repeats = value[1:] == value[:-1]
    tied[1:] |= repeats
    tied[:-1] |= repeats
    places = np.flatnonzero(tied)  # runs of equal values: sort them by all words
    if len(places):
        rows = order[places]
        local = np.lexsort(native[rows].T[::-1])
        order[places] = rows[local]
    return order


def _in_order(keys: npt.NDArray[np.uint64]) -> bool:
    """Whether (n, words) keys are already in order (equal neighbours allowed); checked in
    chunks, the first one small, so keys out of order are told cheaply."""
    n = len(keys)
    lo, step = 0, 1 << 12
    while lo < n - 1:
        hi = min(lo + step, n - 1)
        before, after = keys[lo:hi], keys[lo + 1:hi + 1]
        ordered = np.ones(hi - lo, dtype=bool)
        for word in reversed(range(keys.shape[1])):  # lexicographic, from the last word
            a, b = before[:, word], after[:, word]
            ordered = (a < b) | ((a == b) & ordered)
        if not ordered.all():
            return False
        lo, step = hi, 1 << 20
    return True


def sort_keys(keys: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.intp],
                                                     npt.NDArray[np.uint64]]:
    """A sorting permutation of (n, words) keys, and the keys sorted.

    A linear partition on the first word (a 16-bit window below the bits all keys share,
    counted, its bins merged into buckets of about 2**15 rows, and a radix argsort of the
    bucket numbers), then each bucket sorted on its own, in cache. Only the keys that share
    a bucket are ever compared, so the cost grows with n, not n log n, unless most keys
    share their first 12 characters (then those buckets are simply sorted whole).
    """
    n = len(keys)
    if _in_order(keys):  # e.g. a file written by to_csv: nothing to sort
        return np.arange(n, dtype=np.intp), keys
    if n <= _BUCKET:
        order = _lexsort(keys)
        return order, keys[order]
    first = keys[:, 0]
    low, high = int(first.min()), int(first.max())
    shift = max((high - low).bit_length() - 16, 0)
    bins = np.empty(n, dtype=np.uint16)
    for lo in range(0, n, CHUNK):
        window = (first[lo:lo + CHUNK].astype(np.uint64) - np.uint64(low)) >> np.uint64(shift)
        bins[lo:lo + CHUNK] = window
    counts = np.bincount(bins, minlength=1 << 16)
    target = max(_BUCKET, -(-n // 0xFFFF))
    bucket_of_bin = ((np.cumsum(counts) - counts) // target).astype(np.uint16)
    for lo in range(0, n, CHUNK):
        bins[lo:lo + CHUNK] = bucket_of_bin[bins[lo:lo + CHUNK]]
    order = np.argsort(bins, kind="stable")  # a radix sort: linear
    bounds = np.concatenate([[0], np.cumsum(np.bincount(bins))]).tolist()
    del bins
    ordered = keys[order]
    for start, end in itertools.pairwise(bounds):
        if end - start > 1:
            local = _lexsort(ordered[start:end])
            ordered[start:end] = ordered[start:end][local]
            order[start:end] = order[start:end][local]
    return order, ordered

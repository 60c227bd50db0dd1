"""Entity identifiers: unified social credit codes, legacy registration numbers, other ids.

Single identifiers are checked with python-stdnum. Whole columns are checked by a vectorised
numpy version of the same algorithms (GB 32100-2015 for the USCC, ISO 7064 MOD 11,10 for the
15-digit legacy registration number); the tests cross-check the two on generated codes.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import numpy.typing as npt
from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError as _StdnumError
from stdnum.iso7064 import mod_11_10 as _mod_11_10

from .._errors import InvalidValueError
from ._vocabulary import EntityType

__all__ = [
    "ID_PATTERN",
    "ID_RULES",
    "id_problem",
    "id_problems",
    "normalize_id",
    "uscc_check_character",
]

#: Characters a USCC may use, in the order that gives their values (GB 32100-2015).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
#: Every normalised id (USCC, registration number, product or project code) matches this.
ID_PATTERN = re.compile(r"[0-9A-Z][0-9A-Z._\-]{0,31}")
_OTHER_ID = ID_PATTERN
MAX_ID_LENGTH = 32

#: Which identifier kinds each entity type accepts.
ID_RULES: dict[EntityType, str] = {
    EntityType.ENTERPRISE: "an 18-character unified social credit code",
    EntityType.FARMER_COOPERATIVE: "an 18-character unified social credit code",
    EntityType.OTHER_ORGANISATION: "an 18-character unified social credit code",
    EntityType.INDIVIDUAL_BUSINESS: (
        "an 18-character unified social credit code or a 15-digit legacy registration number"
    ),
    EntityType.PRODUCT: "1-32 characters from 0-9, A-Z, '.', '_' and '-' (product code)",
    EntityType.PROJECT: "1-32 characters from 0-9, A-Z, '.', '_' and '-' (project code)",
}


def normalize_id(text: str) -> str:
    """Return the canonical spelling of an identifier: NFKC (full-width → ASCII), trimmed, upper."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.strip().upper()


def uscc_check_character(first17: str) -> str:
    """The check character that completes a 17-character USCC body (python-stdnum's algorithm)."""
    return str(_uscc.calc_check_digit(first17 + "0"))


def complete_usccs(bodies: npt.NDArray[np.uint8]) -> npt.NDArray[np.bytes_]:
    """Vectorised: append the check character to each row of an (n, 17) ASCII byte matrix.

    For generating valid codes in bulk (demo data, benchmarks); the tests cross-check it
    against python-stdnum.
    """
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    weights = _USCC_WEIGHTS.astype(np.float64)  # sums below 2**14: exact in float64
    full = np.empty((len(bodies), 18), dtype=np.uint8)
    full[:, :17] = bodies
    step = 1 << 18
    for lo in range(0, len(bodies), step):  # chunks bound the temporaries
        total = _USCC_VALUE8[bodies[lo:lo + step]].astype(np.float64) @ weights
        full[lo:lo + step, 17] = alphabet[(31 - total.astype(np.int64) % 31) % 31]
    result: npt.NDArray[np.bytes_] = np.ascontiguousarray(full).view("S18").ravel()
    return result


def scrambled_serials(count: int, *, base: int, width: int,
                      rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """The serial numbers ``0 .. count-1`` through a random bijection of ``[0, base**width)``,
    as a (count, width) matrix of base-``base`` digits: distinct rows by construction.

    Two triangular passes with unit diagonal: digit ``p`` gains ``shift_p`` plus random
    multiples of the digits before it, then of the digits after it (mod ``base``). Each pass
    can be undone digit by digit, so no two serials meet, and every digit depends on every
    other. For generating identifiers in bulk (demo data); not for audited draws.
    """
    if count > base**width:
        raise InvalidValueError("scrambled_serials", "count", count,
                                f"exceeds the {base}**{width} distinct values",
                                "ask for fewer serials or more digits")
    passes = [(np.tril(rng.integers(0, base, size=(width, width)), k=-1)
               + np.eye(width, dtype=np.int64)).T.astype(np.float64),
              (np.triu(rng.integers(0, base, size=(width, width)), k=1)
               + np.eye(width, dtype=np.int64)).T.astype(np.float64)]
    shift = rng.integers(0, base, size=width)
    powers = base ** np.arange(width, dtype=np.int64)
    out = np.empty((count, width), dtype=np.uint8)
    step = 1 << 18
    for lo in range(0, count, step):  # chunks bound the temporaries
        serial = np.arange(lo, min(lo + step, count), dtype=np.int64)
        digits = (serial[:, None] // powers + shift) % base
        for matrix in passes:  # small integers: exact in float64, and a BLAS product
            digits = (digits.astype(np.float64) @ matrix).astype(np.int32) % base
        out[lo:lo + len(serial)] = digits
    return out


def distinct_usccs(heads: npt.NDArray[np.uint8], *, rng: np.random.Generator
                   ) -> npt.NDArray[np.bytes_]:
    """Valid USCCs for an (n, 8) ASCII matrix of heads (department, type, 6-digit region):
    the 9-character bodies are `scrambled_serials`, so the n codes are distinct whatever the
    heads (up to 31**9 codes)."""
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    body = alphabet[scrambled_serials(len(heads), base=31, width=9, rng=rng)]
    return complete_usccs(np.concatenate([heads.reshape(-1, 8), body], axis=1))


def complete_registration_numbers(bodies: npt.NDArray[np.uint8]) -> npt.NDArray[np.bytes_]:
    """Vectorised: append the ISO 7064 MOD 11,10 check digit to each row of an (n, 14)
    matrix of ASCII digits (the tests cross-check it against python-stdnum)."""
    digits = bodies.astype(np.int64) - ord("0")
    state = np.full(len(bodies), 5, dtype=np.int64)  # as in _regno_valid
    for column in range(14):
        state = ((np.where(state == 0, 10, state) * 2) % 11 + digits[:, column]) % 10
    check = (1 - (np.where(state == 0, 10, state) * 2) % 11) % 10
    full = np.concatenate([bodies, (check + ord("0")).astype(np.uint8)[:, None]], axis=1)
    result: npt.NDArray[np.bytes_] = np.ascontiguousarray(full).view("S15").ravel()
    return result


def distinct_registration_numbers(regions: npt.NDArray[np.uint8], *,
                                  rng: np.random.Generator) -> npt.NDArray[np.bytes_]:
    """Valid 15-digit legacy registration numbers for an (n, 6) ASCII matrix of region
    codes: the 8 serial digits are `scrambled_serials`, so the n numbers are distinct (up to
    10**8)."""
    serial = scrambled_serials(len(regions), base=10, width=8, rng=rng) + ord("0")
    return complete_registration_numbers(np.concatenate([regions.reshape(-1, 6), serial],
                                                        axis=1))


def registration_check_digit(first14: str) -> str:
    """The ISO 7064 MOD 11,10 check digit completing a 14-digit legacy registration number."""
    return str(_mod_11_10.calc_check_digit(first14))


def id_problem(identifier: str, entity_type: EntityType) -> str | None:
    """Why a normalised ``identifier`` is not acceptable for ``entity_type`` (python-stdnum).

    Returns ``None`` when it is acceptable.
    """
    if entity_type in (EntityType.PRODUCT, EntityType.PROJECT):
        return None if _OTHER_ID.fullmatch(identifier) else "not a valid product/project code"
    if len(identifier) == 15 and entity_type is EntityType.INDIVIDUAL_BUSINESS:
        if identifier.isdigit() and _mod_11_10.is_valid(identifier):
            return None
        return "not a valid 15-digit registration number (ISO 7064 MOD 11,10 check digit)"
    try:
        _uscc.validate(identifier)
    except _StdnumError as error:
        return f"not a valid unified social credit code ({str(error).lower().rstrip('.')})"
    return None


# --- vectorised checks for whole columns -------------------------------------------------

_USCC_VALUE = np.full(256, -1, dtype=np.int64)
for _value, _char in enumerate(USCC_ALPHABET):
    _USCC_VALUE[ord(_char)] = _value
_USCC_VALUE8 = np.where(_USCC_VALUE < 0, 255, _USCC_VALUE).astype(np.uint8)
_OTHER_CHAR = np.zeros(256, dtype=bool)
for _char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ._-":
    _OTHER_CHAR[ord(_char)] = True


def _byte_matrix(ids: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint8]:
    width = ids.dtype.itemsize
    if not width:
        return np.zeros((len(ids), 0), np.uint8)
    return ids.view(np.uint8).reshape(len(ids), width)


def _uscc_valid(chars: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Rows of an (n, 18) byte matrix that are valid USCCs.

    Column by column (17 weighted sums in uint16, running maxima) rather than a matrix
    product and row reductions: each pass is one fast loop over a column. A sum can wrap
    only in a row with a byte outside the alphabet, which fails anyway.
    """
    # Bytes outside the alphabet become 255; column-major, so each column pass is contiguous.
    values = np.asfortranarray(_USCC_VALUE8[chars])
    total = np.zeros(len(values), dtype=np.uint16)
    for column, weight in enumerate(_USCC_WEIGHTS.tolist()):
        total += np.multiply(values[:, column], weight, dtype=np.uint16)
    digits = values[:, 0].copy()  # the registration authority, type and region: digits
    for column in range(1, 8):
        np.maximum(digits, values[:, column], out=digits)
    highest = digits.copy()
    for column in range(8, 18):
        np.maximum(highest, values[:, column], out=highest)
    expected = (31 - total % 31) % 31
    ok: npt.NDArray[np.bool_] = (digits <= 9) & (highest < 31) & (values[:, 17] == expected)
    return ok


def _regno_valid(chars: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Rows of an (n, 15) byte matrix that are valid legacy registration numbers."""
    digits = chars.astype(np.int64) - ord("0")
    is_digit = ((digits >= 0) & (digits <= 9)).all(axis=1)
    check = np.full(len(chars), 5, dtype=np.int64)
    for column in range(15):
        check = ((np.where(check == 0, 10, check) * 2) % 11 + digits[:, column]) % 10
    ok: npt.NDArray[np.bool_] = is_digit & (check == 1)
    return ok


def id_problems(
    ids: npt.NDArray[np.bytes_], entity_type_codes: npt.NDArray[np.uint8]
) -> npt.NDArray[np.bool_]:
    """Vectorised check of a column of normalised ASCII ids; returns the mask of bad rows.

    ``entity_type_codes`` index into ``list(EntityType)``.
    """
    n = len(ids)
    lengths = np.char.str_len(ids) if n else np.zeros(0, dtype=np.int64)
    chars = _byte_matrix(ids)
    bad = np.ones(n, dtype=bool)
    members = list(EntityType)
    other = np.isin(
        entity_type_codes,
        [members.index(EntityType.PRODUCT), members.index(EntityType.PROJECT)],
    )
    if chars.shape[1] >= 18:
        rows = np.flatnonzero(~other & (lengths == 18))
        bad[rows] = ~_uscc_valid(chars[:, :18] if len(rows) == n else chars[rows, :18])
    if chars.shape[1] >= 15:
        individual = entity_type_codes == members.index(EntityType.INDIVIDUAL_BUSINESS)
        rows = np.flatnonzero(individual & (lengths == 15))
        bad[rows] = ~_regno_valid(chars[rows, :15])
    rows = np.flatnonzero(other & (lengths >= 1) & (lengths <= MAX_ID_LENGTH))
    if len(rows):
        sub = chars[rows]
        in_id = np.arange(sub.shape[1])[None, :] < lengths[rows][:, None]
        first_ok = sub[:, 0] != ord(".")
        first_ok &= sub[:, 0] != ord("_")
        first_ok &= sub[:, 0] != ord("-")
        bad[rows] = ~((_OTHER_CHAR[sub] | ~in_id).all(axis=1) & first_ok)
    return bad

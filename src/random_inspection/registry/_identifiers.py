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
    values = _USCC_VALUE[bodies]
    check = (31 - (values * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    full = np.concatenate([bodies, alphabet[check][:, None]], axis=1)
    result: npt.NDArray[np.bytes_] = np.ascontiguousarray(full).view("S18").ravel()
    return result


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
    """Rows of an (n, 18) byte matrix that are valid USCCs."""
    values = _USCC_VALUE8[chars]
    digits_ok = (values[:, :8] <= 9).all(axis=1)  # invalid characters map to 255
    alphabet_ok = (values < 31).all(axis=1)
    total = values[:, :17].astype(np.int32) @ _USCC_WEIGHTS.astype(np.int32)
    expected = (31 - total % 31) % 31
    ok: npt.NDArray[np.bool_] = digits_ok & alphabet_ok & (values[:, 17] == expected)
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
        bad[rows] = ~_uscc_valid(chars[rows, :18])
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

"""Checks and parsers for single field values, shared by records, columns and files.

Every function raises `InvalidValueError` naming the record, field, value and the fix.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar, cast

from .._errors import InvalidValueError
from ._vocabulary import _Labelled

E = TypeVar("E", bound=_Labelled)
T = TypeVar("T")

REGION_PATTERN = re.compile(r"\d{6}(\d{3}(\d{3})?)?")
INDUSTRY_PATTERN = re.compile(r"[A-T](\d{2}(\d{1,2})?)?")
#: Separators accepted between several values in one spreadsheet cell; ";" is written.
LIST_SEPARATORS = re.compile(r"[;；|]")
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f]")
MAX_TEXT = 200


def text(value: object, record: str, field: str, *, required: bool = True) -> str:
    """A single-line text: NFC-normalised, trimmed, without control characters."""
    if not isinstance(value, str):
        raise InvalidValueError(record, field, value, "not text", "pass a str")
    cleaned = unicodedata.normalize("NFC", value).strip()
    if required and not cleaned:
        raise InvalidValueError(record, field, value, "is empty", f"give the {field}")
    if _FORBIDDEN.search(cleaned):
        raise InvalidValueError(
            record, field, value, "contains a tab, line break or other control character",
            "remove the control characters",
        )
    if len(cleaned) > MAX_TEXT:
        raise InvalidValueError(
            record, field, value, f"is longer than {MAX_TEXT} characters", "shorten it"
        )
    return cleaned


def region(value: object, record: str, field: str = "region", *, required: bool = True) -> str:
    """An administrative division code: 6 digits (county), or 9 / 12 (township, village)."""
    code = text(value, record, field, required=required)
    if code and not REGION_PATTERN.fullmatch(code):
        raise InvalidValueError(
            record, field, value, "not an administrative division code",
            "use the 6-digit code (e.g. '140921'), or a 9- or 12-digit township/village code",
        )
    return code


PREFIX_PATTERN = re.compile(r"\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?")


def region_prefix(value: object, record: str, field: str, *, required: bool = True) -> str:
    """A prefix of division codes: 2 digits (province), 4 (city), 6 (county), 9 or 12."""
    code = text(value, record, field, required=required)
    if code and not PREFIX_PATTERN.fullmatch(code):
        raise InvalidValueError(
            record, field, value, "not a prefix of administrative division codes",
            "use 2 (province), 4 (city), 6 (county), 9 or 12 digits, e.g. '1409' for 忻州市",
        )
    return code


def industry(value: object, record: str, field: str = "industry") -> str:
    """A GB/T 4754 industry code: section letter plus 2-4 digits (e.g. 'C13', 'H6210'), or ''."""
    code = text(value, record, field, required=False).upper()
    if code and not INDUSTRY_PATTERN.fullmatch(code):
        raise InvalidValueError(
            record, field, value, "not a GB/T 4754 industry code",
            "use a section letter A-T with 0, 2, 3 or 4 digits, e.g. 'C13' or 'F5211'",
        )
    return code


def label(value: object, record: str, field: str) -> str:
    """A tag or specialty: text that cannot contain list separators."""
    cleaned = text(value, record, field)
    if LIST_SEPARATORS.search(cleaned) or "," in cleaned:
        raise InvalidValueError(
            record, field, value, "contains a separator (; ； | ,)",
            "give each label separately (a list, or ';' between them in a file)",
        )
    return cleaned


def label_set(value: object, record: str, field: str) -> frozenset[str]:
    """A set of labels from an iterable, or from a ';'-separated string read from a file."""
    if isinstance(value, str):
        items: Iterable[object] = [p for p in LIST_SEPARATORS.split(value) if p.strip()]
    elif isinstance(value, Iterable):
        items = value
    else:
        raise InvalidValueError(record, field, value, "not a collection", "pass a set of str")
    return frozenset(label(item, record, field) for item in items)


def enum_set(
    kind: type[E], value: object, record: str, field: str, *, required: bool = False
) -> frozenset[E]:
    """A set of enum members from members, codes or labels (';'-separated in files)."""
    if isinstance(value, str):
        items: Iterable[object] = [p for p in LIST_SEPARATORS.split(value) if p.strip()]
    elif isinstance(value, Iterable):
        items = value
    else:
        raise InvalidValueError(record, field, value, "not a collection", "pass a set")
    members = frozenset(kind.parse(item, record=record, field=field) for item in items)  # type: ignore[arg-type]
    if required and not members:
        raise InvalidValueError(
            record, field, value, "is empty",
            "give at least one of: " + ", ".join(m.code for m in kind),
        )
    return members


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


def date(value: object, record: str, field: str, *, required: bool = False) -> dt.date | None:
    """A calendar date from a `date`, or from text in ISO, 'YYYY/MM/DD', 'YYYYMMDD' or 年月日."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidValueError(record, field, value, "is missing", "give a date YYYY-MM-DD")
        return None
    if isinstance(value, dt.datetime):
        raise InvalidValueError(record, field, value, "is a datetime", "pass a datetime.date")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        stripped = value.strip()
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(stripped, fmt).date()
            except ValueError:
                continue
    raise InvalidValueError(
        record, field, value, "not a date", "write it as YYYY-MM-DD, e.g. 2024-03-25"
    )


def boolean(value: object, record: str, field: str) -> bool:
    """A flag from a bool or from text (true/false, yes/no, 1/0, 是/否)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        key = value.strip().casefold()
        if key in {"true", "yes", "y", "1", "是"}:
            return True
        if key in {"false", "no", "n", "0", "否", ""}:
            return False
    raise InvalidValueError(record, field, value, "not a yes/no value", "use true/false or 是/否")


def records_of(kind: type[T], value: Iterable[object], record: str, field: str) -> tuple[T, ...]:
    """A tuple of ``kind`` records, refusing anything else (e.g. dicts where records belong)."""
    items = tuple(value)
    if not all(isinstance(i, kind) for i in items):
        raise InvalidValueError(record, field, value, f"are not {kind.__name__} records",
                                f"pass {kind.__name__}(...) objects")
    return cast("tuple[T, ...]", items)

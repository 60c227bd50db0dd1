"""Checks and parsers for single field values, shared by records, columns and files.

Every function raises `InvalidValueError` naming the record, field, value and the fix.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

from .._errors import InvalidTypeError, InvalidValueError
from ._vocabulary import _Labelled

E = TypeVar("E", bound=_Labelled)
T = TypeVar("T")

REGION_PATTERN = re.compile(r"[0-9]{6}([0-9]{3}([0-9]{3})?)?")
INDUSTRY_PATTERN = re.compile(r"[A-T]([0-9]{2}([0-9]{1,2})?)?")
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


#: First two digits of the provinces, autonomous regions and municipalities (GB/T 2260),
#: with 71 台湾省 and 81, 82 for the Hong Kong and Macao special administrative regions.
PROVINCE_CODES = frozenset(
    str(code) for first, last in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65),
                                  (71, 71), (81, 82)) for code in range(first, last + 1)
)
_PROVINCE_RANGES = "11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82"


def _division_problem(code: str, *, prefix: bool) -> tuple[str, str] | None:
    """What is wrong with the parts of an all-digit division code or prefix, and the fix."""
    province, city, county = code[:2], code[2:4], code[4:6]
    township, village = code[6:9], code[9:12]
    if province not in PROVINCE_CODES:
        return (f"province part {province!r} is not a province, autonomous region or "
                "municipality code",
                f"start the code with a province part ({_PROVINCE_RANGES}), e.g. '14' for 山西省")
    if city == "00" and county not in ("", "00"):
        return (f"city part '00' marks a province-level code, whose county part is '00', "
                f"not {county!r}",
                f"give the city part as well (e.g. '140921'), or use "
                f"'{province if prefix else province + '0000'}' for the whole province")
    if township == "000" and village not in ("", "000"):
        return (f"township part '000' marks no township, whose village part is '000', "
                f"not {village!r}",
                f"give the township part as well, or use the 6-digit code '{code[:6]}'")
    return None


def _division(code: str, value: object, record: str, field: str, *, prefix: bool) -> str:
    problem = _division_problem(code, prefix=prefix) if code else None
    if problem:
        raise InvalidValueError(record, field, value, *problem)
    return code


def _code(value: str) -> str:
    """A code as typed with a Chinese input method: full-width digits and letters (``１４０９``)
    become ASCII (NFKC), so that they match the code they stand for."""
    return value if value.isascii() else unicodedata.normalize("NFKC", value)


def region(value: object, record: str, field: str = "region", *, required: bool = True) -> str:
    """An administrative division code: 6 digits (county), or 9 / 12 (township, village).

    The first 6 digits follow GB/T 2260 (province 2, city 2, county 2); 3 township and 3
    village digits may follow, as in the statistical division codes. Checked:

    - the province part (first two digits) is one that exists: 11-15, 21-23, 31-37, 41-46,
      50-54, 61-65, 71, 81, 82 (so ``'999999'`` is refused);
    - a city part ``'00'`` requires the county part ``'00'`` (``'140000'`` is the province
      of 山西省; ``'140021'`` is nothing);
    - in 9- and 12-digit codes, a township part ``'000'`` requires the village part
      ``'000'``.

    Whether the code is in the current edition of the standard is not checked: divisions
    change every year and old registrations keep old codes.
    """
    code = _code(text(value, record, field, required=required))
    if code and not REGION_PATTERN.fullmatch(code):
        raise InvalidValueError(
            record, field, value, "not an administrative division code",
            "use the 6-digit code (e.g. '140921'), or a 9- or 12-digit township/village code",
        )
    return _division(code, value, record, field, prefix=False)


PREFIX_PATTERN = re.compile(r"[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?")


def region_prefix(value: object, record: str, field: str, *, required: bool = True) -> str:
    """A prefix of division codes: 2 digits (province), 4 (city), 6 (county), 9 or 12.

    Used for office areas and scopes. The digits a prefix has follow the rules of `region`:
    an existing province part, a city part ``'00'`` only with a county part ``'00'``, a
    township part ``'000'`` only with a village part ``'000'`` (``'1409'`` is 忻州市,
    ``'99'`` is refused).
    """
    code = _code(text(value, record, field, required=required))
    if code and not PREFIX_PATTERN.fullmatch(code):
        raise InvalidValueError(
            record, field, value, "not a prefix of administrative division codes",
            "use 2 (province), 4 (city), 6 (county), 9 or 12 digits, e.g. '1409' for 忻州市",
        )
    return _division(code, value, record, field, prefix=True)


def industry(value: object, record: str, field: str = "industry") -> str:
    """A GB/T 4754 industry code: section letter plus 2-4 digits (e.g. 'C13', 'H6210'), or ''."""
    code = _code(text(value, record, field, required=False)).upper()
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


def collection(value: object, where: str, argument: str) -> list[Any]:
    """The items of an argument that takes several values (ids, codes, records), as a list.

    One bare string, whose characters would be taken as ids ("4 id(s) not in the register:
    0, 5, J, S"), and values that are not collections raise `InvalidTypeError`.
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        call = where.rsplit(".", 1)[-1]
        example = f"{call}([{value!r}])" if isinstance(value, str) else f"{call}([...])"
        raise InvalidTypeError(where, argument, value, "a list (or other collection)",
                               f"pass a list, e.g. {example}")
    return list(value)


def id_texts(value: object, where: str, argument: str) -> list[str]:
    """The ids of a collection argument as a list of str; `InvalidTypeError` otherwise."""
    items = collection(value, where, argument)
    for item in items:
        if not isinstance(item, str):
            raise InvalidTypeError(where, argument, item, "ids as str",
                                   f"pass each id as text, e.g. {str(item)!r}")
    return items


def date_argument(value: object, where: str, argument: str) -> dt.date:
    """A `datetime.date` argument; text or a datetime raises `InvalidTypeError`."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidTypeError(where, argument, value, "a datetime.date",
                               "pass datetime.date(2024, 3, 25), or "
                               "datetime.date.fromisoformat('2024-03-25')")
    return value


def record_list(kind: type[T], value: object, where: str, *, argument: str = "records",
                alternatives: str = "") -> list[T]:
    """A list of ``kind`` records from a collection argument; a single record, a dict, a
    string or a collection holding anything else raises `InvalidTypeError` saying how to
    build the records (``alternatives``: other constructors worth naming)."""
    name = kind.__name__
    if isinstance(value, kind | Mapping):
        raise InvalidTypeError(where, argument, value, f"a list of {name} records",
                               f"pass a list, e.g. {where.rsplit('.', 1)[-1]}([record])"
                               + (f"; build each record from a dict with {name}.from_dict(row)"
                                  if isinstance(value, Mapping) else ""))
    items = collection(value, where, argument)
    for item in items:
        if not isinstance(item, kind):
            fix = (f"build each record with {name}.from_dict(row){alternatives}"
                   if isinstance(item, Mapping) else f"pass {name}(...) records")
            raise InvalidTypeError(where, argument, item, f"{name} records", fix)
    return cast("list[T]", items)

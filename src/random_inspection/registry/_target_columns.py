"""Validate and encode raw target columns into the directory's columnar form, vectorised.

Problems are collected per row (up to a limit) so a file loader can report file, line and
field for each, and nothing is built when any is found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from functools import partial
from typing import Any, NamedTuple

import attrs
import numpy as np
import numpy.typing as npt

from .._errors import DuplicateIdError, InvalidTypeError, InvalidValueError
from .._text import a_or_an
from . import _fields as f
from ._columns import (
    NO_DATE,
    Categorical,
    Coded,
    Offsets,
    date_to_days,
    dict_encode,
    narrow_offsets,
    readonly,
)
from ._id_column import encode_id_column, normalised_text
from ._id_keys import KEY_DTYPE, RADIX, RANKS, decode_keys, encode_chars, key_words, sort_keys
from ._identifiers import ID_RULES, MAX_ID_LENGTH
from ._name_column import NameColumn, Utf8Texts, name_column
from ._vocabulary import EntityType, RiskClass, _Labelled

#: Directory fields in canonical order (the digest's column order).
TARGET_FIELDS = (
    "id", "name", "entity_type", "region", "industry", "registering_office",
    "supervising_office", "risk_class", "tags", "last_check_date",
)
#: Argument names of `TargetDirectory.from_columns` for each field.
ARGUMENTS = {
    "id": "ids", "name": "names", "entity_type": "entity_types", "region": "regions",
    "industry": "industries", "registering_office": "registering_offices",
    "supervising_office": "supervising_offices", "risk_class": "risk_classes", "tags": "tags",
    "last_check_date": "last_check_dates",
}
ENTITY_TYPES = tuple(EntityType)
RISK_CLASSES = tuple(RiskClass)
PROBLEM_LIMIT = 1000
_UNKNOWN = 255  # the code of an enum value that did not parse (reported; nothing is built)


class Problem(NamedTuple):
    """One bad value in a column: 0-based row, field, value, what is wrong, how to fix it."""

    row: int
    field: str
    value: object
    problem: str
    fix: str


class ColumnsError(InvalidValueError):
    """Raised by `TargetDirectory.from_columns`; ``problems`` lists every bad value found."""

    def __init__(self, problems: Sequence[Problem], total: int) -> None:
        self.problems = tuple(problems)
        self.total = total
        first = problems[0]
        more = f" ({total - 1} more problem(s) in other rows or fields)" if total > 1 else ""
        super().__init__(f"row {first.row}", first.field, first.value, first.problem + more,
                         first.fix)


@attrs.frozen
class TargetColumns:
    """Validated columns, sorted by id. Internal currency of `TargetDirectory`.

    Ids are held as (n, words) big-endian integer keys (`_id_keys`) that sort like the id
    texts; ``id_length`` is the longest id, the width of the decoded ``S`` array.
    """

    keys: npt.NDArray[np.uint64] = attrs.field()
    id_length: int
    names: npt.NDArray[np.uint8]
    name_offsets: Offsets
    entity_type: npt.NDArray[np.uint8]
    region: Categorical
    industry: Categorical
    registering_office: Categorical
    supervising_office: Categorical
    risk_class: npt.NDArray[np.uint8]
    tags: Categorical
    last_check: npt.NDArray[np.int32]

    @keys.validator
    def _big_endian(self, _attribute: object, keys: npt.NDArray[np.uint64]) -> None:
        # Byte order is what makes the keys search as bytes; numpy's concatenate and
        # promotions silently make native-endian copies.
        if keys.dtype != KEY_DTYPE or keys.ndim != 2 or not keys.flags.c_contiguous:
            raise ValueError(f"id keys must be a C-contiguous (n, words) {KEY_DTYPE} array, "
                             f"not {keys.dtype} of shape {keys.shape}")


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.total = 0

    def add(self, rows: Iterable[int], field: str, value: Callable[[int], object], problem: str,
            fix: str) -> None:
        for row in rows:
            self.total += 1
            if len(self.problems) < PROBLEM_LIMIT:
                self.problems.append(Problem(int(row), field, value(row), problem, fix))

    def merge(self, other: _Collector) -> None:
        """Add ``other``'s problems as if they had been added here, in their order."""
        self.problems.extend(other.problems[:PROBLEM_LIMIT - len(self.problems)])
        self.total += other.total


def _constant(value: object) -> Callable[[int], object]:
    """A row → value function that always gives ``value`` (the bad category's text)."""
    return lambda _row: value


def _encode_enum(kind: type[_Labelled], values: Sequence[object] | Coded | None, field: str,
                 members: tuple[Any, ...], out: _Collector, *, n: int) -> npt.NDArray[np.uint8]:
    codes, uniques = dict_encode(values, n)
    lookup = np.full(max(len(uniques), 1), _UNKNOWN, dtype=np.uint8)
    for i, raw in enumerate(uniques):
        try:
            lookup[i] = members.index(kind.parse(raw, field=field))  # type: ignore[arg-type]
        except InvalidValueError as error:
            out.add(np.flatnonzero(codes == i), field, _constant(raw), error.problem,
                    error.fix)
    result: npt.NDArray[np.uint8] = lookup[codes]
    return result


def _encode_text(values: Sequence[object] | Coded | None, field: str,
                 check: Callable[[object], str], out: _Collector, *, n: int) -> Categorical:
    codes, uniques = dict_encode(values, n)
    cleaned: list[str] = []
    for i, raw in enumerate(uniques):
        try:
            cleaned.append(check(raw))
        except InvalidValueError as error:
            cleaned.append("")
            out.add(np.flatnonzero(codes == i), field, _constant(raw), error.problem,
                    error.fix)
    return Categorical.from_codes(codes, cleaned)


def _tag_key(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ";".join(sorted(str(v) for v in value))
    return value


def _check_tags(value: object) -> str:
    return ";".join(sorted(f.label_set(value, "target", "tags")))


def _encode_dates(values: Sequence[object] | Coded | npt.NDArray[Any], out: _Collector
                  ) -> npt.NDArray[np.int32]:
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        days = values.astype("datetime64[D]").astype(np.int64)
        days[np.isnat(values)] = NO_DATE
        return days.astype(np.int32)
    codes, uniques = dict_encode(values)
    lookup = np.full(max(len(uniques), 1), NO_DATE, dtype=np.int32)
    for i, raw in enumerate(uniques):
        try:
            value = raw if isinstance(raw, dt.date | type(None)) else f.date(raw, "", "")
            if isinstance(value, dt.datetime):
                raise InvalidValueError("", "", raw, "is a datetime", "pass a date")
            lookup[i] = date_to_days(value)
        except InvalidValueError as error:
            out.add(np.flatnonzero(codes == i), "last_check_date", _constant(raw),
                    error.problem, error.fix)
    result: npt.NDArray[np.int32] = lookup[codes]
    return result


def _office(value: object, *, field: str) -> str:
    return f.text(value or "", "target", field, required=False)


def _as_column(field: str, column: Any) -> Any:
    """A column ready for encoding: a numpy array becomes a list of Python values, except
    the ids' text arrays and ``datetime64`` dates, which have vectorised paths. One string
    or a value without a length raises `InvalidTypeError`."""
    if column is None and field not in ("id", "name", "entity_type", "region"):
        return None
    if isinstance(column, str | bytes) or not isinstance(column, Sized):
        example = f"[{column!r}]" if isinstance(column, str) else "[...]"
        raise InvalidTypeError("TargetDirectory.from_columns", ARGUMENTS[field], column,
                               "a list or 1-d array with one value per target",
                               f"pass a list, e.g. {ARGUMENTS[field]}={example}")
    if not isinstance(column, np.ndarray):
        return column
    if column.ndim != 1:
        raise InvalidValueError("TargetDirectory.from_columns", ARGUMENTS[field],
                                f"array of shape {column.shape}", "is not one-dimensional",
                                "pass one value per target (a list or a 1-d array)")
    if np.issubdtype(column.dtype, np.datetime64) or (field == "id" and column.dtype.kind in "SU"):
        return column
    return column.tolist()


def _item(column: Any, row: int) -> object:
    """The raw value at ``row`` as a plain Python value (for messages)."""
    value = column[row]
    return value.item() if isinstance(value, np.generic) else value


def _is_identity(order: npt.NDArray[np.intp]) -> bool:
    return not bool(np.any(order[1:] < order[:-1]))


def _check_ids(raw: dict[str, Any], n: int, out: _Collector
               ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint64], int]:
    """Entity types, and the ids as keys (input order), their problems added to ``out``."""
    types_out = _Collector()
    entity_type = _encode_enum(EntityType, raw["entity_type"], "entity_type", ENTITY_TYPES,
                               types_out, n=n)
    # Rows whose entity type is unknown are not id-checked: their id rule is unknown too.
    ids = encode_id_column(raw["id"], entity_type, entity_type != _UNKNOWN)
    out.add(ids.not_ids, "id", lambda r: _item(raw["id"], r), "not an identifier",
            "give a unified social credit code, registration number or product code")
    out.merge(types_out)
    for code, kind in enumerate(ENTITY_TYPES):
        out.add(ids.bad_rows[entity_type[ids.bad_rows] == code], "id",
                lambda r: normalised_text(_item(raw["id"], r)),
                f"not a valid identifier for {a_or_an(kind.label_en)} (check character or "
                "format)", f"{a_or_an(kind.label_en)} ({kind.label_zh}) needs {ID_RULES[kind]}")
    return entity_type, ids.keys, ids.length


def build_columns(raw: dict[str, Any], n: int | None = None) -> TargetColumns:
    """Validate raw columns of length ``n`` (default: the ids') and return them encoded and
    sorted by id.

    Columns are sequences or 1-d numpy arrays (any dtype; ``None`` for an absent optional
    column). Raises `ColumnsError` listing every bad value, or `DuplicateIdError`. Work and
    memory grow linearly: ids become integer keys chunk by chunk, the sort is a linear
    partition plus sorts of small buckets, and the names are written once, in id order.
    """
    raw = {field: _as_column(field, column) for field, column in raw.items()}
    n = len(raw["id"]) if n is None else n
    for field, column in raw.items():
        if column is not None and len(column) != n:
            raise InvalidValueError("TargetDirectory.from_columns", ARGUMENTS[field],
                                    f"{len(column)} rows",
                                    f"has a different length from ids ({n})",
                                    "pass columns of equal length")
    out = _Collector()
    entity_type, keys, id_length = _check_ids(raw, n, out)
    rest = _Collector()  # reported after the names' emptiness and length, as ever
    region = _encode_text(raw["region"], "region", lambda v: f.region(v, "target"), rest, n=n)
    industry = _encode_text(raw.get("industry"), "industry",
                            lambda v: f.industry(v or "", "target"), rest, n=n)
    offices = [_encode_text(raw.get(name), name, partial(_office, field=name), rest, n=n)
               for name in ("registering_office", "supervising_office")]
    risk_class = _encode_enum(RiskClass, raw.get("risk_class"), "risk_class", RISK_CLASSES,
                              rest, n=n)
    raw_tags = raw.get("tags")
    if isinstance(raw_tags, Coded):
        if not set(map(type, raw_tags.values)) <= {str}:
            raw_tags = raw_tags.map(_tag_key)
    elif raw_tags is not None and not set(map(type, raw_tags)) <= {str}:
        raw_tags = [_tag_key(v) for v in raw_tags]
    tags = _encode_text(raw_tags, "tags", _check_tags, rest, n=n)
    dates = raw.get("last_check_date")
    last_check = (np.full(n, NO_DATE, dtype=np.int32) if dates is None
                  else _encode_dates(dates, rest))
    if out.total or rest.total:  # nothing will be built: check the names in input order
        _add_name_problems(out, rest, name_column(raw["name"], None), raw["name"])
        raise ColumnsError(sorted(out.problems, key=lambda p: (p.row, p.field)), out.total)
    order, keys = sort_keys(keys)
    if _is_identity(order):  # already in id order (e.g. a file written by to_csv)
        sorted_columns: dict[str, Any] = {
            "entity_type": readonly(entity_type), "region": region, "industry": industry,
            "registering_office": offices[0], "supervising_office": offices[1],
            "risk_class": readonly(risk_class), "tags": tags,
            "last_check": readonly(last_check)}
    else:
        sorted_columns = {  # reordered before the names: the old ones can go
            "entity_type": readonly(entity_type[order]), "region": region.take(order),
            "industry": industry.take(order), "registering_office": offices[0].take(order),
            "supervising_office": offices[1].take(order),
            "risk_class": readonly(risk_class[order]), "tags": tags.take(order),
            "last_check": readonly(last_check[order])}
    del entity_type, region, industry, offices, risk_class, tags, last_check
    if _is_identity(order):
        names = name_column(raw["name"], None)
    else:
        names = name_column(raw["name"], order.astype(np.int32 if len(order) < 2**31
                                                      else np.intp))
    del order
    _add_name_problems(out, rest, names, raw["name"])
    if out.total:
        raise ColumnsError(sorted(out.problems, key=lambda p: (p.row, p.field)), out.total)
    repeated = duplicate_rows(keys)
    if len(repeated):
        raise DuplicateIdError("TargetDirectory",
                               sorted(set(decode_keys(keys[repeated], id_length).astype(str))))
    return TargetColumns(keys=readonly(keys), id_length=id_length, names=readonly(names.blob),
                         name_offsets=readonly(names.offsets), **sorted_columns)


def _add_name_problems(out: _Collector, rest: _Collector, names: NameColumn,
                       raw: Sequence[object] | Utf8Texts) -> None:
    """The names' problems, and then ``rest``, in the order they were always reported."""
    out.add(names.empty, "name", lambda r: raw[r], "is empty or not text",
            "give the registered name")
    out.add(names.too_long, "name", lambda r: raw[r], f"is longer than {f.MAX_TEXT} characters",
            "shorten it")
    out.merge(rest)
    out.add(names.control, "name", lambda r: raw[r], "contains a control character",
            "remove tabs, line breaks and control characters")


def duplicate_rows(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """Rows of sorted keys equal to the next row's key, compared in chunks."""
    words = keys.view(np.uint64)  # equality does not depend on the byte order
    found = []
    step = 1 << 20
    for lo in range(0, max(len(keys) - 1, 0), step):
        hi = min(lo + step, len(keys) - 1)
        same = (words[lo + 1:hi + 1] == words[lo:hi]).all(axis=1)
        found.append(np.flatnonzero(same) + lo)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)


_PLAIN_ARRAYS = ("ids", "names", "name_offsets", "entity_type", "risk_class", "last_check")
_CATEGORICAL_ARRAYS = ("region", "industry", "registering_office", "supervising_office", "tags")


def columns_to_arrays(cols: TargetColumns) -> dict[str, npt.NDArray[Any]]:
    """The columns as plain numpy arrays (no Python objects), e.g. for ``np.savez``, in the
    workspace store's layout: ids as ASCII ``S`` text, int64 name offsets; categories become
    unicode arrays under ``<field>.categories``, codes ``<field>.codes``."""
    arrays: dict[str, npt.NDArray[Any]] = {
        "ids": decode_keys(cols.keys, cols.id_length), "names": cols.names,
        "name_offsets": cols.name_offsets.astype(np.int64), "entity_type": cols.entity_type,
        "risk_class": cols.risk_class, "last_check": cols.last_check}
    for name in _CATEGORICAL_ARRAYS:
        column: Categorical = getattr(cols, name)
        arrays[f"{name}.codes"] = column.codes
        arrays[f"{name}.categories"] = np.array(column.categories, dtype=np.str_)
    return arrays


def _keys_of_stored(ids: npt.NDArray[np.bytes_]) -> tuple[npt.NDArray[np.uint64], int]:
    """Keys of stored id text; `ValueError` for bytes no id holds or ids too long."""
    width = ids.dtype.itemsize
    chars = ids.view(np.uint8).reshape(len(ids), width)
    length = int(np.count_nonzero(chars, axis=1).max(initial=0))
    if width > MAX_ID_LENGTH and chars[:, MAX_ID_LENGTH:].any():
        raise ValueError(f"array 'ids' holds ids longer than {MAX_ID_LENGTH} characters")
    chars = chars[:, :MAX_ID_LENGTH]
    if not (RANKS[chars] < RADIX).all():
        raise ValueError("array 'ids' holds characters no identifier may hold")
    words = key_words(length)
    keys = np.empty((len(ids), words), dtype=KEY_DTYPE)
    step = 1 << 16
    for lo in range(0, len(ids), step):
        encode_chars(chars[lo:lo + step, :words * 12], words, out=keys[lo:lo + step])
    return keys, length


def _array(arrays: Mapping[str, npt.NDArray[Any]], name: str, dtype: str,
           length: int | None) -> npt.NDArray[Any]:
    """The named array, read-only, if it is 1-d of ``dtype`` (a dtype, or one letter: a kind)
    and of ``length``; else `ValueError`."""
    array = arrays[name]
    right = array.dtype.kind == dtype if len(dtype) == 1 else array.dtype == np.dtype(dtype)
    if array.ndim != 1 or not right or (length is not None and len(array) != length):
        raise ValueError(f"array {name!r} has dtype {array.dtype} and shape {array.shape}")
    return readonly(array)


def columns_from_arrays(arrays: Mapping[str, npt.NDArray[Any]]) -> TargetColumns:
    """Inverse of `columns_to_arrays`. Checks the arrays' structure (names, dtypes, lengths,
    offsets, codes within their categories) and raises `ValueError` naming the first fault,
    so damaged arrays never make a directory that fails later; it does not re-validate the
    values (compare the rebuilt directory's digest with the one it was saved under)."""
    expected = set(_PLAIN_ARRAYS) | {f"{name}.{part}" for name in _CATEGORICAL_ARRAYS
                                     for part in ("codes", "categories")}
    if set(arrays) != expected:
        raise ValueError(f"arrays {sorted(set(arrays) ^ expected)} are missing or unexpected")
    ids = _array(arrays, "ids", "S", None)
    n = len(ids)
    keys, id_length = _keys_of_stored(ids)
    names = _array(arrays, "names", "uint8", None)
    offsets = _array(arrays, "name_offsets", "int64", n + 1)
    if offsets[0] != 0 or offsets[-1] != len(names) or np.any(np.diff(offsets) < 0):
        raise ValueError("the name offsets do not index the names")
    codes = {name: _array(arrays, name, "uint8", n) for name in ("entity_type", "risk_class")}
    for name, limit in (("entity_type", len(ENTITY_TYPES)), ("risk_class", len(RISK_CLASSES))):
        if n and int(codes[name].max()) >= limit:
            raise ValueError(f"array {name!r} holds a code beyond its {limit} values")
    categorical = {}
    for name in _CATEGORICAL_ARRAYS:
        category_codes = _array(arrays, f"{name}.codes", "u", n)
        categories = tuple(_array(arrays, f"{name}.categories", "U", None).tolist())
        if list(categories) != sorted(set(categories)) or (
                n and int(category_codes.max()) >= len(categories)):
            raise ValueError(f"column {name!r}: the codes do not index sorted categories")
        categorical[name] = Categorical(category_codes, categories)
    return TargetColumns(
        keys=readonly(keys), id_length=id_length, names=names,
        name_offsets=narrow_offsets(offsets), entity_type=codes["entity_type"],
        risk_class=codes["risk_class"], last_check=_array(arrays, "last_check", "int32", n),
        region=categorical["region"], industry=categorical["industry"],
        registering_office=categorical["registering_office"],
        supervising_office=categorical["supervising_office"], tags=categorical["tags"])

"""Validate and encode raw target columns into the directory's columnar form, vectorised.

Problems are collected per row (up to a limit) so a file loader can report file, line and
field for each, and nothing is built when any is found.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from functools import partial
from typing import Any, NamedTuple

import attrs
import numpy as np
import numpy.typing as npt

from .._errors import DuplicateIdError, InvalidTypeError, InvalidValueError
from .._text import a_or_an
from . import _fields as f
from ._columns import NO_DATE, Categorical, date_to_days, dict_encode, ragged_take, readonly
from ._identifiers import ID_PATTERN, ID_RULES, MAX_ID_LENGTH, id_problems, normalize_id
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
    """Validated columns, sorted by id. Internal currency of `TargetDirectory`."""

    ids: npt.NDArray[np.bytes_]
    names: npt.NDArray[np.uint8]
    name_offsets: npt.NDArray[np.int64]
    entity_type: npt.NDArray[np.uint8]
    region: Categorical
    industry: Categorical
    registering_office: Categorical
    supervising_office: Categorical
    risk_class: npt.NDArray[np.uint8]
    tags: Categorical
    last_check: npt.NDArray[np.int32]


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


def _constant(value: object) -> Callable[[int], object]:
    """A row → value function that always gives ``value`` (the bad category's text)."""
    return lambda _row: value


def _encode_enum(kind: type[_Labelled], values: Sequence[object], field: str,
                 members: tuple[Any, ...], out: _Collector) -> npt.NDArray[np.uint8]:
    codes, uniques = dict_encode(values)
    lookup = np.zeros(max(len(uniques), 1), dtype=np.uint8)
    for i, raw in enumerate(uniques):
        try:
            lookup[i] = members.index(kind.parse(raw, field=field))  # type: ignore[arg-type]
        except InvalidValueError as error:
            out.add(np.flatnonzero(codes == i), field, _constant(raw), error.problem,
                    error.fix)
    result: npt.NDArray[np.uint8] = lookup[codes]
    return result


def _encode_text(values: Sequence[object], field: str, check: Callable[[object], str],
                 out: _Collector) -> Categorical:
    codes, uniques = dict_encode(values)
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


def _encode_dates(values: Sequence[object] | npt.NDArray[Any], out: _Collector
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


_PLAIN_ID_BYTE = np.zeros(256, dtype=bool)
for _byte in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-\x00":
    _PLAIN_ID_BYTE[_byte] = True


def _normalise_ids(ids: Sequence[object] | npt.NDArray[Any], out: _Collector
                   ) -> npt.NDArray[np.bytes_]:
    """Ids as upper-case ASCII bytes; a vectorised path for plain ids, per-row for the rest."""
    # numpy would turn None or 123 into b"None" / b"123": only plain text takes the fast path.
    plain = (ids.dtype.kind in "SU" if isinstance(ids, np.ndarray)
             else set(map(type, ids)) <= {str, bytes, np.str_, np.bytes_})
    if plain and not isinstance(ids, np.ndarray) and any("\x00" in str(i) for i in ids):
        plain = False  # numpy would drop a trailing NUL: the per-row path refuses it
    try:
        array = np.asarray(ids, dtype=np.bytes_) if plain and len(ids) else None
    except (UnicodeEncodeError, TypeError, ValueError):
        array = None
    if array is not None and array.dtype.itemsize <= MAX_ID_LENGTH:
        chars = array.view(np.uint8).reshape(len(array), array.dtype.itemsize)
        if _PLAIN_ID_BYTE[chars].all():
            upper = chars.copy()
            upper[(upper >= ord("a")) & (upper <= ord("z"))] -= 32
            return upper.view(array.dtype).ravel()
    texts = ids.tolist() if isinstance(ids, np.ndarray) else list(ids)
    normalised: list[bytes] = []
    for row, raw in enumerate(texts):
        text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
        code = normalize_id(text) if isinstance(text, str) else ""
        if not ID_PATTERN.fullmatch(code):
            out.add([row], "id", _constant(raw), "not an identifier",
                    "give a unified social credit code, registration number or product code")
            code = ""
        normalised.append(code.encode("ascii"))
    return np.array(normalised, dtype=bytes) if normalised else np.zeros(0, dtype="S1")


def _name_blob(names: Sequence[object]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Names as one UTF-8 blob plus offsets; NFC, trimmed, checked. Vectorised when clean."""
    n = len(names)
    try:
        joined = "\x00".join(map(str.strip, names))  # type: ignore[arg-type]
    except TypeError:  # a name that is not text: the per-row path reports it
        joined = None
    if joined is not None:
        if not unicodedata.is_normalized("NFC", joined):
            joined = unicodedata.normalize("NFC", joined)  # never composes across a NUL
        raw = np.frombuffer(joined.encode(), dtype=np.uint8)
        separators = np.flatnonzero(raw == 0)
        if len(separators) == max(n - 1, 0):  # no NUL inside a name
            offsets = np.zeros(n + 1, dtype=np.int64)
            offsets[1:-1] = separators - np.arange(len(separators))
            offsets[-1] = len(raw) - len(separators)
            return raw[raw != 0], offsets
    cleaned = [unicodedata.normalize("NFC", v).strip() if isinstance(v, str) else ""
               for v in names]
    encoded = [v.encode() for v in cleaned]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=n), out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


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


def _given(column: Any, n: int) -> Any:
    """The column, or ``n`` empty values for an optional column that was not given."""
    return [""] * n if column is None else column


def build_columns(raw: dict[str, Any], n: int | None = None) -> TargetColumns:
    """Validate raw columns of length ``n`` (default: the ids') and return them encoded and
    sorted by id.

    Columns are sequences or 1-d numpy arrays (any dtype; ``None`` for an absent optional
    column). Raises `ColumnsError` listing every bad value, or `DuplicateIdError`.
    """
    out = _Collector()
    raw = {field: _as_column(field, column) for field, column in raw.items()}
    n = len(raw["id"]) if n is None else n
    for field, column in raw.items():
        if column is not None and len(column) != n:
            raise InvalidValueError("TargetDirectory.from_columns", ARGUMENTS[field],
                                    f"{len(column)} rows",
                                    f"has a different length from ids ({n})",
                                    "pass columns of equal length")
    ids = _normalise_ids(raw["id"], out)
    entity_type = _encode_enum(EntityType, raw["entity_type"], "entity_type", ENTITY_TYPES, out)
    # Rows whose entity type is unknown are not id-checked: their id rule is unknown too.
    typed = np.ones(n, dtype=bool)
    typed[[p.row for p in out.problems if p.field == "entity_type"]] = False
    bad_ids = id_problems(ids, entity_type) & (ids != b"") & typed
    for code, kind in enumerate(ENTITY_TYPES):
        out.add(np.flatnonzero(bad_ids & (entity_type == code)), "id",
                lambda r: ids[r].decode(),
                f"not a valid identifier for {a_or_an(kind.label_en)} (check character or "
                "format)", f"{a_or_an(kind.label_en)} ({kind.label_zh}) needs {ID_RULES[kind]}")
    blob, offsets = _name_blob(raw["name"])
    lengths = np.diff(offsets)
    out.add(np.flatnonzero(lengths == 0), "name", lambda r: raw["name"][r], "is empty or not text",
            "give the registered name")
    starts = np.concatenate([[0], np.cumsum((blob & 0xC0) != 0x80)])  # characters, not bytes
    out.add(np.flatnonzero(starts[offsets[1:]] - starts[offsets[:-1]] > f.MAX_TEXT), "name",
            lambda r: raw["name"][r], f"is longer than {f.MAX_TEXT} characters", "shorten it")
    region = _encode_text(raw["region"], "region", lambda v: f.region(v, "target"), out)
    industry = _encode_text(_given(raw.get("industry"), n), "industry",
                            lambda v: f.industry(v or "", "target"), out)
    offices = [
        _encode_text(_given(raw.get(name), n), name, partial(_office, field=name), out)
        for name in ("registering_office", "supervising_office")
    ]
    risk_class = _encode_enum(RiskClass, _given(raw.get("risk_class"), n), "risk_class",
                              RISK_CLASSES, out)
    raw_tags = _given(raw.get("tags"), n)
    if not set(map(type, raw_tags)) <= {str}:
        raw_tags = [_tag_key(v) for v in raw_tags]
    tags = _encode_text(raw_tags, "tags", _check_tags, out)
    dates = raw.get("last_check_date")
    last_check = (np.full(n, NO_DATE, dtype=np.int32) if dates is None
                  else _encode_dates(dates, out))
    # Control characters are found on the whole name blob at once: UTF-8 continuation bytes
    # are >= 0x80, so a byte < 0x20 is always a real control character.
    bad_bytes = np.flatnonzero((blob < 0x20) | (blob == 0x7F))
    if len(bad_bytes):
        rows = np.unique(np.searchsorted(offsets, bad_bytes, side="right") - 1)
        out.add(rows, "name", lambda r: raw["name"][r], "contains a control character",
                "remove tabs, line breaks and control characters")
    if out.total:
        raise ColumnsError(sorted(out.problems, key=lambda p: (p.row, p.field)), out.total)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    dup = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1])
    if len(dup):
        raise DuplicateIdError("TargetDirectory",
                               sorted({sorted_ids[i].decode() for i in dup.tolist()}))
    if np.any(order[1:] < order[:-1]):
        blob, offsets = ragged_take(blob, offsets, order)
    return TargetColumns(
        ids=readonly(sorted_ids),
        names=readonly(blob),
        name_offsets=readonly(offsets),
        entity_type=readonly(entity_type[order]),
        region=region.take(order),
        industry=industry.take(order),
        registering_office=offices[0].take(order),
        supervising_office=offices[1].take(order),
        risk_class=readonly(risk_class[order]),
        tags=tags.take(order),
        last_check=readonly(last_check[order]),
    )


_PLAIN_ARRAYS = ("ids", "names", "name_offsets", "entity_type", "risk_class", "last_check")
_CATEGORICAL_ARRAYS = ("region", "industry", "registering_office", "supervising_office", "tags")


def columns_to_arrays(cols: TargetColumns) -> dict[str, npt.NDArray[Any]]:
    """The columns as plain numpy arrays (no Python objects), e.g. for ``np.savez``:
    categories become unicode arrays under ``<field>.categories``, codes ``<field>.codes``."""
    arrays: dict[str, npt.NDArray[Any]] = {name: getattr(cols, name) for name in _PLAIN_ARRAYS}
    for name in _CATEGORICAL_ARRAYS:
        column: Categorical = getattr(cols, name)
        arrays[f"{name}.codes"] = column.codes
        arrays[f"{name}.categories"] = np.array(column.categories, dtype=np.str_)
    return arrays


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
        ids=ids, names=names, name_offsets=offsets, entity_type=codes["entity_type"],
        risk_class=codes["risk_class"], last_check=_array(arrays, "last_check", "int32", n),
        region=categorical["region"], industry=categorical["industry"],
        registering_office=categorical["registering_office"],
        supervising_office=categorical["supervising_office"], tags=categorical["tags"])

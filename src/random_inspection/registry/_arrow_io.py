"""Arrow tables and Parquet files for the target directory (the ``arrow`` extra).

A directory becomes an Arrow table without a Python object per row: the names' UTF-8 blob
and offsets are the buffers of a ``string`` array (``large_string`` past 2 GiB of names),
the coded columns are dictionary arrays over their codes, dates are ``date32`` over the
stored day numbers. The way back hands `build_columns` numpy-derived columns in the shapes
it encodes fastest (ids as a fixed-width bytes array, low-cardinality text decoded once per
distinct value).

Column names are those of the CSV interchange format: the English field names or any of the
Chinese header spellings `from_csv` accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from .._atomic import open_atomic
from .._errors import DuplicateIdError, FileFormatError, InvalidValueError
from . import _files
from ._columns import NO_DATE, Coded
from ._identifiers import MAX_ID_LENGTH, normalize_id
from ._name_column import Utf8Texts
from ._target_columns import (
    ENTITY_TYPES,
    RISK_CLASSES,
    ColumnsError,
    TargetColumns,
    build_columns,
)

__all__ = ["build_located", "column_fields", "columns_table", "id_strings", "is_parquet",
           "read_parquet", "table_columns", "write_parquet"]

REQUIRED = ("id", "name", "entity_type", "region")
#: Fields whose values repeat: decoded once per distinct value, not once per row.
LOW_CARDINALITY = ("entity_type", "region", "industry", "registering_office",
                    "supervising_office", "risk_class", "tags", "last_check_date")
#: Optional fields where a missing value (null) means the empty value.
_EMPTY_WHEN_NULL = ("industry", "registering_office", "supervising_office", "risk_class", "tags")
#: Bytes of ids that need no normalisation beyond upper-casing (see `normalize_id`).
_PLAIN_ID_BYTE = np.zeros(256, dtype=bool)
_PLAIN_ID_BYTE[np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             b"abcdefghijklmnopqrstuvwxyz._-", dtype=np.uint8)] = True


def pyarrow(what: str) -> ModuleType:
    """The pyarrow module (its ``compute`` and ``csv`` modules loaded), or an `ImportError`
    saying how to install the extra."""
    try:
        import pyarrow as pa  # noqa: PLC0415  (optional dependency)
        import pyarrow.compute  # noqa: PLC0415
        import pyarrow.csv  # noqa: PLC0415
    except ImportError as error:  # pragma: no cover - the extra is installed in CI
        raise ImportError(f"{what} needs pyarrow: pip install 'random-inspection[arrow]'"
                          ) from error
    module: ModuleType = pa
    return module


# --- directory → table -------------------------------------------------------------------

def id_strings(ids: npt.NDArray[np.bytes_]) -> Any:
    """A string array over fixed-width, NUL-padded ASCII ids (zero-copy when all are as wide
    as the array, as unified social credit codes are)."""
    pa = pyarrow("to_arrow")
    n, width = len(ids), ids.dtype.itemsize
    if n == 0:
        return pa.array([], pa.string())
    chars = np.ascontiguousarray(ids).view(np.uint8).reshape(n, width)
    filled = chars != 0  # ids hold no NUL: only the padding is zero
    lengths = filled.sum(axis=1, dtype=np.int32)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    data = chars.reshape(-1) if int(offsets[-1]) == n * width else chars[filled]
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(data)])


def _dictionary(pa: ModuleType, codes: npt.NDArray[Any], values: Sequence[str]) -> Any:
    """A dictionary array over the stored codes (no copy of the codes)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(list(values), pa.string()))


def names_array(pa: ModuleType, blob: npt.NDArray[np.uint8], offsets: npt.NDArray[Any]) -> Any:
    """Names as an Arrow text array over the stored UTF-8 bytes: ``string`` sharing the
    uint32 offsets while the bytes stay under 2 GiB (the offsets are then valid int32),
    ``large_string`` sharing int64 offsets past that; offsets must start at 0."""
    if offsets.dtype == np.uint32 and (not len(offsets) or int(offsets[-1]) < 2**31):
        return pa.Array.from_buffers(pa.string(), len(offsets) - 1, [
            None, pa.py_buffer(offsets.view(np.int32)), pa.py_buffer(blob)])
    return pa.Array.from_buffers(pa.large_string(), len(offsets) - 1, [
        None, pa.py_buffer(offsets.astype(np.int64, copy=False)), pa.py_buffer(blob)])


def columns_table(ids: npt.NDArray[np.bytes_], cols: TargetColumns) -> Any:
    """The directory's columns as an Arrow table with the CSV interchange names."""
    pa = pyarrow("to_arrow")
    names = names_array(pa, cols.names, cols.name_offsets)
    missing = cols.last_check == NO_DATE
    dates = pa.array(cols.last_check, pa.int32(), mask=missing if missing.any() else None)
    arrays = {
        "id": id_strings(ids),
        "name": names,
        "entity_type": _dictionary(pa, cols.entity_type, [t.code for t in ENTITY_TYPES]),
        **{field: _dictionary(pa, getattr(cols, field).codes, getattr(cols, field).categories)
           for field in ("region", "industry", "registering_office", "supervising_office")},
        "risk_class": _dictionary(pa, cols.risk_class, [r.code for r in RISK_CLASSES]),
        "tags": _dictionary(pa, cols.tags.codes, cols.tags.categories),
        "last_check_date": dates.view(pa.date32()),
    }
    return pa.table(arrays)


def write_parquet(path: _files.PathLike, table: Any, *, overwrite: bool) -> None:
    """Write a table as one Parquet file, whole or not at all (`open_atomic`)."""
    pa = pyarrow("to_parquet")
    import pyarrow.parquet as pq  # noqa: PLC0415  (optional dependency)
    with open_atomic(path, "wb", overwrite=overwrite) as handle:
        pq.write_table(table, pa.PythonFile(handle, mode="w"), compression="zstd")


# --- table → columns ---------------------------------------------------------------------

def _field_lookup() -> dict[str, str]:
    return {alias.casefold(): field for field, aliases in _files.TARGET_HEADERS.items()
            for alias in (field, *aliases)}


def column_fields(names: Sequence[str], where: str, unknown_columns: str) -> list[str | None]:
    """The field of each column (English or Chinese names, as CSV headers), for a table:
    problems raise `InvalidValueError` naming the columns and the accepted names."""
    if unknown_columns not in ("error", "ignore"):
        raise InvalidValueError(where, "unknown_columns", unknown_columns, "is not an option",
                                "use 'error' or 'ignore'")
    lookup = _field_lookup()
    fields = [lookup.get(str(name).strip().casefold()) for name in names]
    unknown = [n for n, f in zip(names, fields, strict=True) if f is None]
    repeated = sorted({f for f in fields if f is not None and fields.count(f) > 1})
    missing = [f for f in REQUIRED if f not in fields]
    accepted = "the accepted columns are " + _files.accepted_columns(_files.TARGET_HEADERS)
    if unknown and unknown_columns == "error":
        raise InvalidValueError(where, "columns", unknown, "unknown column(s)",
                                f"{accepted}; remove or rename them (or pass "
                                "unknown_columns='ignore')")
    if repeated:
        raise InvalidValueError(where, "columns", list(names),
                                f"more than one column for {', '.join(repeated)}", "keep one")
    if missing:
        raise InvalidValueError(where, missing[0], list(names), "column missing",
                                f"add the column(s) {', '.join(missing)}; {accepted}")
    return fields


def _fixed_width_ids(pa: ModuleType, column: Any) -> npt.NDArray[np.bytes_] | None:
    """Plain ASCII ids as a fixed-width bytes array, or ``None`` when any needs the per-row
    normalisation (spaces, full-width characters, nulls, overlong values)."""
    array = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    if array.null_count or len(array) == 0:
        return None
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    _, offsets, data = array.buffers()
    bounds = np.frombuffer(offsets, dtype=offset_type)[array.offset:
                                                       array.offset + len(array) + 1]
    lengths = np.diff(bounds)
    width = int(lengths.max())
    if width > MAX_ID_LENGTH or int(lengths.min()) == 0:
        return None
    chars = np.frombuffer(data, dtype=np.uint8)[bounds[0]:bounds[-1]]
    if not _PLAIN_ID_BYTE[chars].all():
        return None
    if int(lengths.min()) != width:  # pad to one width with NULs (never in a plain id)
        padded = pa.compute.utf8_rpad(array, width=width, padding=" ")
        _, offsets, data = padded.buffers()
        start = int(np.frombuffer(offsets, dtype=offset_type)[padded.offset])
        chars = np.frombuffer(data, dtype=np.uint8)[start:start + width * len(array)].copy()
        chars[chars == ord(" ")] = 0
    return chars.view(f"S{width}")


def _utf8(pa: ModuleType, column: Any) -> Utf8Texts | None:
    """A text column's UTF-8 bytes and offsets, shared with Arrow (``None`` with nulls)."""
    array = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    n = len(array)
    if array.null_count or n == 0:
        return None
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    _, offsets, data = array.buffers()
    bounds = np.frombuffer(offsets, dtype=offset_type)[array.offset:array.offset + n + 1]
    blob = np.frombuffer(data, dtype=np.uint8)[bounds[0]:bounds[-1]]
    return Utf8Texts(blob, bounds.astype(np.int64) - bounds[0])


def _texts(pa: ModuleType, column: Any) -> list[Any]:
    """Text values as Python strings: the column's bytes decoded in one call and split, not
    one decode per row (nulls, and text holding NUL, row by row)."""
    texts = _utf8(pa, column)
    if texts is None:
        values: list[Any] = column.to_pylist()
        return values
    return texts.tolist()


def _chunks(column: Any) -> list[Any]:
    return list(column.chunks) if hasattr(column, "chunks") else [column]


def _data_bytes(pa: ModuleType, chunk: Any) -> int:
    """The bytes of text in a string array (from its offsets; no pass over the values)."""
    if not len(chunk):
        return 0
    wide = pa.types.is_large_string(chunk.type)
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64 if wide else np.int32)
    return int(offsets[chunk.offset + len(chunk)] - offsets[chunk.offset])


def _decoded(pa: ModuleType, column: Any, fill: object) -> Coded:
    """A low-cardinality text column as its codes and each distinct value decoded once
    (nulls as ``fill``): no Python object per row."""
    if (len(column) and not pa.types.is_dictionary(column.type) and not column.null_count
            and not any(_data_bytes(pa, chunk) for chunk in _chunks(column))):
        return Coded(np.zeros(len(column), dtype=np.uint8), ("",))  # every value empty
    encoded = column if pa.types.is_dictionary(column.type) else column.dictionary_encode()
    if hasattr(encoded, "unify_dictionaries"):
        encoded = encoded.unify_dictionaries().combine_chunks()
    values = [*encoded.dictionary.to_pylist(), fill]
    indices = encoded.indices
    if indices.null_count:
        indices = indices.fill_null(len(values) - 1)
    return Coded.of(indices.to_numpy(zero_copy_only=False), values)


def _dates(pa: ModuleType, column: Any) -> npt.NDArray[np.datetime64]:
    days = column.cast(pa.date32()).cast(pa.int32()).to_numpy(zero_copy_only=False)
    dates = np.asarray(np.nan_to_num(days, nan=0), dtype=np.int64).astype("datetime64[D]")
    dates[column.is_null().to_numpy(zero_copy_only=False)] = np.datetime64("NaT")
    return dates


def _values(pa: ModuleType, field: str, column: Any) -> Any:
    """One column in the shape `build_columns` takes fastest; other types as Python values
    (which the validation then reports)."""
    kind = column.type
    fill = "" if field in _EMPTY_WHEN_NULL else None
    if pa.types.is_integer(kind):
        column, kind = column.cast(pa.string()), pa.string()
    if field == "last_check_date" and (pa.types.is_date(kind) or pa.types.is_timestamp(kind)):
        return _dates(pa, column)
    strings = (pa.types.is_string, pa.types.is_large_string)
    plain = any(test(kind) for test in strings)
    text = plain or (pa.types.is_dictionary(kind)
                     and any(test(kind.value_type) for test in strings))
    if field == "id" and plain:
        ids = _fixed_width_ids(pa, column)
        if ids is not None:
            return ids
    if text and field in LOW_CARDINALITY:
        return _decoded(pa, column, fill)
    if plain and field == "name":  # checked and stored without a Python string per row
        return _utf8(pa, column) or _texts(pa, column)
    if plain:
        return _texts(pa, column)
    values = column.to_pylist()
    return [fill if v is None else v for v in values] if fill is not None else values


def table_columns(table: Any, fields: Sequence[str | None]) -> dict[str, Any]:
    """Raw columns for `build_columns` from a table whose column ``i`` holds ``fields[i]``."""
    pa = pyarrow("from_arrow")
    return {field: _values(pa, field, table.column(i))
            for i, field in enumerate(fields) if field is not None}


def build_located(path: _files.PathLike, columns: dict[str, Any], n: int,
                  where: Callable[[int], int], *, unit: str = "line") -> TargetColumns:
    """`build_columns`, with every bad value reported as a `FileFormatError` at
    ``where(row)`` (the file's line, or row) and field."""
    try:
        return build_columns(columns, n)
    except ColumnsError as exc:
        problems = [(where(p.row), p.field, _files.value_problem(p.value, p.problem, p.fix))
                    for p in exc.problems]
        raise FileFormatError(str(path), problems, exc.total, unit=unit) from None
    except DuplicateIdError as exc:
        raw = columns["id"]
        texts = [v.decode() if isinstance(v, bytes) else v for v in
                 (raw.tolist() if isinstance(raw, np.ndarray) else raw)]
        ids = [normalize_id(i) for i in texts]
        repeated = set(exc.ids)
        found = [(where(k), "id", f"{ids[k]!r} occurs more than once")
                 for k in range(len(ids)) if ids[k] in repeated]
        raise FileFormatError(str(path), found, len(found), unit=unit) from None


def read_parquet(path: _files.PathLike, unknown_columns: str) -> TargetColumns:
    """Validated columns of a Parquet file; problems name the file, the row (1-based, data
    rows only) and the field."""
    pa = pyarrow("from_parquet")
    import pyarrow.parquet as pq  # noqa: PLC0415  (optional dependency)
    try:
        schema = pq.read_schema(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FileFormatError(str(path), [(0, "", f"cannot be read: {reason}")], 1) from exc
    except pa.ArrowInvalid as exc:
        raise FileFormatError(str(path), [(0, "", f"not a Parquet file ({exc}): write it with "
                                           "TargetDirectory.to_parquet or pyarrow")], 1) from exc
    try:
        fields = column_fields(schema.names, "TargetDirectory.from_parquet", unknown_columns)
    except InvalidValueError as exc:
        if exc.field == "unknown_columns":
            raise
        raise FileFormatError(str(path), [(0, exc.field, f"{exc.problem}: {exc.value!r}. Fix: "
                                           f"{exc.fix}")], 1) from None
    wanted = [i for i, field in enumerate(fields) if field is not None]
    table = pq.read_table(path, columns=[schema.names[i] for i in wanted])
    kept = [fields[i] for i in wanted]
    return build_located(path, table_columns(table, kept), table.num_rows,
                         lambda row: row + 1, unit="row")


def is_parquet(path: _files.PathLike) -> bool:
    """Whether a file is Parquet: the name ends in ``.parquet`` / ``.pq`` or the file starts
    with the Parquet magic bytes."""
    if Path(path).suffix.casefold() in (".parquet", ".pq"):
        return True
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"PAR1"
    except OSError:
        return False

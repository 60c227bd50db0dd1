"""`TargetDirectory`: the columnar, immutable target register (检查对象名录库)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Self

import attrs
import numpy as np
import numpy.typing as npt

from .._errors import (
    DuplicateIdError,
    FileFormatError,
    InvalidTypeError,
    InvalidValueError,
    UnknownIdError,
)
from .._progress import Progress, Reporter
from . import _arrow_csv, _arrow_io, _files
from . import _fields as f
from ._columns import NO_DATE, Categorical, days_to_date, narrow_offsets, ragged_take, readonly
from ._id_keys import (
    KEY_DTYPE,
    decode_keys,
    encode_texts,
    key_bytes,
    key_of,
    search_keys,
    sort_keys,
)
from ._identifiers import normalize_id
from ._records import Target
from ._scope import Scope
from ._target_columns import (
    ENTITY_TYPES,
    RISK_CLASSES,
    TARGET_FIELDS,
    TargetColumns,
    build_columns,
    columns_from_arrays,
    columns_to_arrays,
)

__all__ = ["DirectoryDiff", "TargetDirectory"]

#: First line of the canonical serialization; bump with any change to it (docs/spec).
DIGEST_PREAMBLE = "random-inspection/target-directory/v1"
_CHUNK = 1 << 16
_CATEGORICAL = ("region", "industry", "registering_office", "supervising_office", "tags")


@attrs.frozen
class DirectoryDiff:
    """What changed between two snapshots of a target directory (ids sorted).

    Attributes:
        added: Ids only in the newer snapshot.
        removed: Ids only in the older snapshot.
        changed: Ids in both whose records differ in any field.
    """

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def _missing(value: object) -> bool:
    """None, NaN or NaT from a data frame."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "NaT"


def _decoded(ids: npt.NDArray[np.bytes_]) -> tuple[str, ...]:
    return tuple(x.decode() for x in ids.tolist())


def _take(cols: TargetColumns, rows: npt.NDArray[np.intp]) -> TargetColumns:
    names, offsets = ragged_take(cols.names, cols.name_offsets, rows)
    return TargetColumns(
        keys=readonly(cols.keys[rows]),
        id_length=cols.id_length,
        names=readonly(names),
        name_offsets=readonly(offsets),
        entity_type=readonly(cols.entity_type[rows]),
        region=cols.region.take(rows),
        industry=cols.industry.take(rows),
        registering_office=cols.registering_office.take(rows),
        supervising_office=cols.supervising_office.take(rows),
        risk_class=readonly(cols.risk_class[rows]),
        tags=cols.tags.take(rows),
        last_check=readonly(cols.last_check[rows]),
    )


def _concat(a: TargetColumns, b: TargetColumns) -> TargetColumns:
    """Rows of ``a`` then rows of ``b`` (not sorted; callers reorder)."""
    cats = {}
    for name in _CATEGORICAL:
        pa, pb = getattr(a, name), getattr(b, name)
        union = Categorical.union([pa, pb])
        codes = np.concatenate([pa.recode(union), pb.recode(union)])
        cats[name] = Categorical(readonly(codes), union)
    words = max(a.keys.shape[1], b.keys.shape[1])
    keys = np.zeros((len(a.keys) + len(b.keys), words), dtype=KEY_DTYPE)  # (concatenate
    keys[:len(a.keys), :a.keys.shape[1]] = a.keys  # would make them native-endian)
    keys[len(a.keys):, :b.keys.shape[1]] = b.keys
    offsets = np.concatenate([a.name_offsets[:-1].astype(np.int64),
                              b.name_offsets.astype(np.int64) + int(a.name_offsets[-1])])
    return TargetColumns(
        keys=keys,
        id_length=max(a.id_length, b.id_length),
        names=np.concatenate([a.names, b.names]),
        name_offsets=narrow_offsets(offsets),
        entity_type=np.concatenate([a.entity_type, b.entity_type]),
        risk_class=np.concatenate([a.risk_class, b.risk_class]),
        last_check=np.concatenate([a.last_check, b.last_check]),
        **cats,
    )


def _widened(keys: npt.NDArray[np.uint64], words: int) -> npt.NDArray[np.uint64]:
    """Keys at ``words`` words (a longer key of the same id pads with zero words)."""
    if keys.shape[1] == words:
        return keys
    wide = np.zeros((len(keys), words), dtype=KEY_DTYPE)
    wide[:, :keys.shape[1]] = keys
    return wide


def _columns_from_records(records: Iterable[Target], where: str, argument: str
                          ) -> dict[str, list[Any]]:
    raw: dict[str, list[Any]] = {name: [] for name in TARGET_FIELDS}
    for record in f.record_list(Target, records, where, argument=argument, alternatives=(
            ", or pass the columns to TargetDirectory.from_columns (a data frame to "
            "TargetDirectory.from_pandas)")):
        for name in TARGET_FIELDS:
            raw[name].append(getattr(record, name))
    return raw


def _positions(value: object, where: str, argument: str) -> npt.NDArray[Any]:
    """Positions given as integers, as a 1-d array; a string or a boolean mask (which numpy
    would read as positions 0 and 1) raises `InvalidTypeError`."""
    if isinstance(value, str | bytes):
        raise InvalidTypeError(where, argument, value, "positions (integers)",
                               "pass a list of positions; to look up ids use positions(ids)")
    rows = np.asarray(value).reshape(-1)
    if rows.dtype.kind == "b":
        raise InvalidTypeError(where, argument, value, "positions (integers), not a mask",
                               "pass np.flatnonzero(mask), or use select/filter")
    return rows


def _members(codes: npt.NDArray[np.uint8], wanted: Sequence[int], size: int
             ) -> npt.NDArray[np.bool_]:
    """Rows whose small code is one of ``wanted`` (a table lookup: one pass, no sort)."""
    table = np.zeros(size, dtype=bool)
    table[list(wanted)] = True
    result: npt.NDArray[np.bool_] = table[codes]
    return result


class TargetDirectory:
    """The target directory: every entity a department supervises, stored by column.

    Immutable and canonical: rows are kept sorted by id, so the same entities given in any
    order make an equal directory with the same `digest`. Columns are read-only numpy arrays:
    ids as integer keys that sort like their text (16 bytes for a USCC), categories as small
    integer codes, names as one UTF-8 buffer with offsets, so a target takes about 31 bytes
    plus its name's, and building grows linearly with the targets. Indexing by id yields a
    `Target`; filters and changes return new directories.

    Build one with `from_records`, `from_columns`, `from_csv`, `from_parquet`, `from_json`,
    `from_pandas` or `from_arrow`.

    Example:
        >>> from random_inspection import Target, TargetDirectory, EntityType, RiskClass
        >>> t = Target(id="91140921MA0L2B3C46", name="定襄县示例有限公司",
        ...            entity_type=EntityType.ENTERPRISE, region="140921", risk_class=RiskClass.B)
        >>> d = TargetDirectory.from_records([t])
        >>> len(d), d["91140921MA0L2B3C46"].name
        (1, '定襄县示例有限公司')
    """

    __slots__ = ("_cols", "_digest", "_id_bytes", "_key_view")

    def __init__(self, columns: TargetColumns) -> None:
        """Internal: use the ``from_*`` constructors."""
        self._cols = columns
        self._digest: str | None = None
        self._id_bytes: npt.NDArray[np.bytes_] | None = None
        self._key_view = key_bytes(columns.keys)  # the keys as bytes, for binary searches

    # --- constructors ---------------------------------------------------------------------

    @classmethod
    def from_records(cls, records: Iterable[Target]) -> Self:
        """Build from `Target` records (any order). Duplicate ids raise `DuplicateIdError`;
        anything but a collection of `Target` (e.g. dicts) raises `InvalidTypeError`."""
        raw = _columns_from_records(records, "TargetDirectory.from_records", "records")
        return cls(build_columns(raw, len(raw["id"])))

    @classmethod
    def from_columns(
        cls,
        *,
        ids: Sequence[str] | npt.NDArray[Any],
        names: Sequence[str] | npt.NDArray[Any],
        entity_types: Sequence[Any] | npt.NDArray[Any],
        regions: Sequence[str] | npt.NDArray[Any],
        industries: Sequence[str] | npt.NDArray[Any] | None = None,
        registering_offices: Sequence[str] | npt.NDArray[Any] | None = None,
        supervising_offices: Sequence[str] | npt.NDArray[Any] | None = None,
        risk_classes: Sequence[Any] | npt.NDArray[Any] | None = None,
        tags: Sequence[Any] | npt.NDArray[Any] | None = None,
        last_check_dates: Sequence[Any] | npt.NDArray[Any] | None = None,
    ) -> Self:
        """Build from equal-length columns, validated in bulk.

        Enum columns take members, codes or labels (Chinese or English); ``tags`` takes sets
        or ';'-separated text; ``last_check_dates`` takes dates, text, ``None`` or a
        ``datetime64`` array. A bad value raises `ColumnsError` (an `InvalidValueError`) whose
        ``problems`` lists every bad row and field; nothing is built.
        """
        raw = {
            "id": ids, "name": names, "entity_type": entity_types, "region": regions,
            "industry": industries, "registering_office": registering_offices,
            "supervising_office": supervising_offices, "risk_class": risk_classes,
            "tags": tags, "last_check_date": last_check_dates,
        }
        return cls(build_columns(raw))

    @classmethod
    def _from_arrays(cls, arrays: dict[str, npt.NDArray[Any]]) -> Self:
        """Internal (the workspace store): rebuild from `_to_arrays`; damaged arrays raise
        `ValueError`. The values are not re-validated: compare the digest."""
        return cls(columns_from_arrays(arrays))

    def _to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Internal (the workspace store): the columns as plain numpy arrays, no copies."""
        return columns_to_arrays(self._cols)

    @classmethod
    def from_csv(cls, path: _files.PathLike, *, encoding: str | None = None,
                 unknown_columns: str = "error", engine: str = "auto",
                 progress: Progress | None = None) -> Self:
        """Load a CSV (or tab-separated) file with English or Chinese headers.

        The encoding is detected (UTF-8, UTF-8 with BOM, GB18030) unless given. Required
        columns: id, name, entity_type, region. Unknown columns are an error unless
        ``unknown_columns="ignore"``. Every problem is reported as file, line (where the
        record starts) and field in a `FileFormatError`, and nothing is loaded. A file with
        the header line and no rows loads as an empty directory. ``progress`` receives the
        reading and the checking as two steps (see `random_inspection._progress`).

        ``engine``: ``"pyarrow"`` parses with pyarrow's CSV reader (extra ``arrow``),
        ``"python"`` with the standard library, ``"auto"`` (default) with pyarrow when it is
        installed. Both give the same directory and the same errors.
        """
        if _arrow_csv.csv_engine(engine, "TargetDirectory.from_csv") == "pyarrow":
            read = _arrow_csv.read_target_csv(path, encoding=encoding,
                                              unknown_columns=unknown_columns,
                                              progress=progress)
            if read is not None:
                raw, n, where = read
                report = Reporter(progress)
                report.start(f"checking {n:,} targets")
                try:
                    directory = cls(_arrow_io.build_located(path, raw, n, where))
                except _arrow_csv.UnplacedError:
                    pass  # bad values off their lines: the standard path places them
                else:
                    report.finish()
                    return directory
        raw, lines = _files.read_table(
            path, _files.TARGET_HEADERS, ("id", "name", "entity_type", "region"),
            encoding=encoding, unknown_columns=unknown_columns, progress=progress)
        report = Reporter(progress)
        report.start(f"checking {len(lines):,} targets")
        directory = cls(_arrow_io.build_located(path, raw, len(lines), lines.__getitem__))
        report.finish()
        return directory

    def to_csv(self, path: _files.PathLike, *, encoding: str = "utf-8",
               headers: str = "english", overwrite: bool = True, engine: str = "auto",
               progress: Progress | None = None) -> None:
        """Write a CSV file (``headers`` 'english' or 'chinese'; any encoding `from_csv` reads).

        The file appears whole or not at all; with ``overwrite=False`` an existing file
        raises `OutputExistsError` and is left as it was. ``engine`` as for `from_csv`: the
        pyarrow writer (UTF-8, UTF-8 with BOM and GB18030) and the standard library's write
        the same bytes.
        """
        if _arrow_csv.csv_engine(engine, "TargetDirectory.to_csv") == "pyarrow" and (
                _arrow_csv.write_target_csv(
                    path, self.id_array, self._cols, encoding=encoding, header_language=headers,
                    overwrite=overwrite, progress=progress)):
            return
        _files.write_table(path, _files.TARGET_HEADERS, self.to_dicts(), encoding=encoding,
                           header_language=headers, overwrite=overwrite, progress=progress)

    @classmethod
    def from_parquet(cls, path: _files.PathLike, *, unknown_columns: str = "error") -> Self:
        """Load a Parquet file (extra ``arrow``) with the columns of the CSV files.

        Column names are English or Chinese, as CSV headers; text columns may be plain or
        dictionary-encoded strings, dates ``date32``/timestamps or text. Every bad value is
        reported as file, row (1-based, counting data rows) and field in a
        `FileFormatError`, and nothing is loaded.
        """
        return cls(_arrow_io.read_parquet(path, unknown_columns))

    def to_parquet(self, path: _files.PathLike, *, overwrite: bool = True) -> None:
        """Write a Parquet file of `to_arrow` (extra ``arrow``), whole or not at all; with
        ``overwrite=False`` an existing file raises `OutputExistsError`."""
        _arrow_io.write_parquet(path, self.to_arrow(), overwrite=overwrite)

    @classmethod
    def from_json(cls, path: _files.PathLike) -> Self:
        """Load a JSON document written by `to_json`; a stored digest that differs is an error."""
        document = _files.read_json(path, "target-directory")
        directory = cls.from_records(_files.json_records(path, document, "targets",
                                                         Target.from_dict))
        stored = document.get("digest")
        if stored is not None and stored != directory.digest:
            raise FileFormatError(str(path), [(0, "digest", f"stored {stored} but the targets "
                                               f"give {directory.digest}: the file was altered")],
                                  1)
        return directory

    def to_json(self, path: _files.PathLike, *, overwrite: bool = True) -> None:
        """Write a JSON document with every target and the directory digest (whole or not at
        all; ``overwrite=False`` refuses an existing file with `OutputExistsError`)."""
        _files.write_json(path, {"format": "random-inspection/target-directory", "version": 1,
                                 "digest": self.digest, "targets": self.to_dicts()},
                          overwrite=overwrite)

    @classmethod
    def from_pandas(cls, frame: Any) -> Self:
        """Build from a pandas DataFrame whose columns are the field names (extra ``pandas``).

        Missing optional columns are empty; dates may be datetime64 or text. Validation is the
        same as `from_columns`.
        """
        columns = {field: frame[field].tolist() for field in TARGET_FIELDS if field in frame}
        missing = [f for f in ("id", "name", "entity_type", "region") if f not in columns]
        if missing:
            raise InvalidValueError("TargetDirectory.from_pandas", missing[0], None,
                                    "column missing", "name the columns after the fields: "
                                    + ", ".join(TARGET_FIELDS))
        dates = frame.get("last_check_date")
        if dates is not None and str(dates.dtype).startswith("datetime"):
            columns["last_check_date"] = dates.to_numpy("datetime64[D]")
        else:
            columns["last_check_date"] = [None if _missing(v) else v
                                          for v in columns.get("last_check_date", [])] or None
        for field in ("industry", "registering_office", "supervising_office", "risk_class",
                      "tags"):
            if field in columns:
                columns[field] = ["" if _missing(v) else v for v in columns[field]]
        return cls(build_columns(columns, len(frame)))

    def to_pandas(self) -> Any:
        """A pandas DataFrame with one column per field (categoricals for coded fields,
        datetime64 for dates, ';'-joined tags) in canonical order (extra ``pandas``)."""
        try:
            import pandas as pd  # noqa: PLC0415  (optional dependency)
        except ImportError as error:  # pragma: no cover
            raise ImportError("to_pandas needs pandas: pip install 'random-inspection[pandas]'"
                              ) from error
        data: dict[str, Any] = {"id": self.ids, "name": self.column("name")}
        for field in ("entity_type", "region", "industry", "registering_office",
                      "supervising_office", "risk_class", "tags"):
            data[field] = pd.Categorical(self.column(field))
        dates = self._cols.last_check.astype("datetime64[D]")
        data["last_check_date"] = np.where(self._cols.last_check == NO_DATE,
                                           np.datetime64("NaT"), dates).astype("datetime64[ns]")
        return pd.DataFrame(data)

    @classmethod
    def from_arrow(cls, table: Any, *, unknown_columns: str = "ignore") -> Self:
        """Build from a pyarrow Table (extra ``arrow``) with the columns of the CSV files
        (English or Chinese names); other columns are ignored unless
        ``unknown_columns="error"``. Validation is the same as `from_columns`."""
        where = "TargetDirectory.from_arrow"
        fields = _arrow_io.column_fields(table.column_names, where, unknown_columns)
        return cls(build_columns(_arrow_io.table_columns(table, fields), table.num_rows))

    def to_arrow(self) -> Any:
        """A pyarrow Table (extra ``arrow``), sharing the directory's memory where Arrow's
        layout allows: names ``string`` (``large_string`` past 2 GiB) over the stored UTF-8
        bytes, coded columns dictionary arrays over the stored codes, ``last_check_date``
        ``date32`` (null for none); in canonical order, columns named as in the CSV files."""
        return _arrow_io.columns_table(self.id_array, self._cols)

    # --- container protocol ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._cols.keys)

    def _row_of(self, target_id: str, where: str = "TargetDirectory.get") -> int:
        if not isinstance(target_id, str):
            raise InvalidTypeError(where, "target_id", target_id, "an id as str",
                                   "pass one id as text; for several, use positions(ids)")
        keys = self._cols.keys
        key = key_of(normalize_id(target_id), keys.shape[1])
        if key is None or not len(keys):
            return -1
        row = int(np.searchsorted(self._key_view, key))
        if row < len(self) and keys[row].tobytes() == key:
            return row
        return -1

    def __contains__(self, target_id: object) -> bool:
        return isinstance(target_id, str) and self._row_of(target_id) >= 0

    def __getitem__(self, target_id: str) -> Target:
        row = self._row_of(target_id, "TargetDirectory[]")
        if row < 0:
            raise UnknownIdError("TargetDirectory", [target_id])
        return self.row(row)

    def get(self, target_id: str) -> Target | None:
        """The target with this id, or ``None``."""
        row = self._row_of(target_id)
        return None if row < 0 else self.row(row)

    def positions(self, ids: Iterable[str]) -> npt.NDArray[np.intp]:
        """The position in canonical order of each id (normalised as on lookup), or -1 for
        an id that is not in the directory: one vectorised search for a whole batch."""
        listed = f.id_texts(ids, "TargetDirectory.positions", "ids")
        stored = self._cols.keys
        found = np.full(len(listed), -1, dtype=np.intp)
        for attempt in range(2):  # stored (canonical) ids first; normalise only the rest
            todo = np.flatnonzero(found < 0)
            if not len(todo) or not len(stored):
                break
            texts = [listed[k] for k in todo.tolist()]
            if attempt:
                texts = [normalize_id(t) for t in texts]
            keys, fits = encode_texts(texts, stored.shape[1])
            rows = search_keys(stored, keys)
            hit = (rows >= 0) & fits
            found[todo[hit]] = rows[hit]
        return found

    def row(self, index: int) -> Target:
        """The target at position ``index`` of the canonical (id-sorted) order."""
        return self.rows([index])[0]

    def rows(self, indices: Sequence[int] | npt.NDArray[np.integer]) -> list[Target]:
        """The targets at these positions of the canonical order, in the order given.

        One call per batch: the columns are read with numpy, so a batch of 10^4 rows costs
        a fraction of as many `row` calls.
        """
        c = self._cols
        rows = _positions(indices, "TargetDirectory.rows", "indices")
        if rows.size and (rows.dtype.kind not in "iu" or int(rows.min()) < 0
                          or int(rows.max()) >= len(self)):
            bad = next((i for i in rows.tolist() if not isinstance(i, int)
                        or not 0 <= i < len(self)), rows.tolist()[0])
            raise IndexError(f"TargetDirectory.rows: position {bad!r} is not between 0 and "
                             f"{len(self) - 1}; look targets up by id with directory[id]")
        rows = rows.astype(np.intp)
        blob, offsets = ragged_take(c.names, c.name_offsets, rows)
        text, bounds = blob.tobytes(), offsets.tolist()
        tag_sets: dict[str, frozenset[str]] = {}
        dates: dict[int, dt.date | None] = {}
        columns = zip(
            self.ids_at(rows).tolist(), bounds, bounds[1:], c.entity_type[rows].tolist(),
            c.region.strings(rows), c.industry.strings(rows),
            c.registering_office.strings(rows), c.supervising_office.strings(rows),
            c.risk_class[rows].tolist(), c.tags.strings(rows), c.last_check[rows].tolist(),
            strict=False)
        out = []
        for (key, start, end, kind, region, industry, registering, supervising, risk, tags,
             last) in columns:
            tag_set = tag_sets.get(tags)
            if tag_set is None:
                tag_set = tag_sets[tags] = frozenset(tags.split(";")) if tags else frozenset()
            if last not in dates:
                dates[last] = days_to_date(last)
            target = object.__new__(Target)
            values = {  # already validated: skip re-validation
                "id": key.decode("ascii"), "name": text[start:end].decode(),
                "entity_type": ENTITY_TYPES[kind], "region": region, "industry": industry,
                "registering_office": registering, "supervising_office": supervising,
                "risk_class": RISK_CLASSES[risk], "tags": tag_set,
                "last_check_date": dates[last]}
            for name, value in values.items():
                object.__setattr__(target, name, value)
            out.append(target)
        return out

    def __iter__(self) -> Iterator[Target]:
        step = 1 << 14
        for start in range(0, len(self), step):
            yield from self.rows(np.arange(start, min(start + step, len(self))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TargetDirectory):
            return NotImplemented
        return len(self) == len(other) and self.digest == other.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"<TargetDirectory: {len(self)} targets, {self.digest[:23]}…>"

    # --- columns and summaries ------------------------------------------------------------

    @property
    def ids(self) -> npt.NDArray[np.str_]:
        """All ids in canonical (sorted) order, as a numpy string array."""
        return self.id_array.astype(str)

    @property
    def id_array(self) -> npt.NDArray[np.bytes_]:
        """All ids in canonical order as a read-only ASCII bytes array.

        Ids are stored as integer keys; this decodes them all once and keeps the array
        (``S18`` for USCCs: 18 bytes per target beyond `nbytes`). For some rows only,
        `ids_at` decodes just those.
        """
        if self._id_bytes is None:
            self._id_bytes = readonly(decode_keys(self._cols.keys, self._cols.id_length))
        return self._id_bytes

    def ids_at(self, rows: npt.NDArray[np.integer] | slice | int) -> npt.NDArray[np.bytes_]:
        """The ids at canonical positions ``rows`` as ASCII bytes (``id_array[rows]``)."""
        if self._id_bytes is not None:
            return self._id_bytes[rows]
        keys = self._cols.keys[rows]
        if keys.ndim == 1:  # one row: its id as bytes, like id_array[row]
            return decode_keys(keys[None], self._cols.id_length)[0]  # type: ignore[no-any-return]
        return decode_keys(keys, self._cols.id_length)

    def column(self, field: str) -> npt.NDArray[Any]:
        """One field for every target in canonical order, as text codes (dates ISO or '')."""
        c = self._cols
        if field == "id":
            return self.ids
        if field == "name":
            blob = c.names.tobytes()
            o = c.name_offsets.tolist()
            return np.array([blob[o[i]:o[i + 1]].decode() for i in range(len(self))], dtype=object)
        if field == "entity_type":
            return np.array([t.code for t in ENTITY_TYPES], dtype=object)[c.entity_type]
        if field == "risk_class":
            return np.array([r.code for r in RISK_CLASSES], dtype=object)[c.risk_class]
        if field == "last_check_date":
            days = c.last_check.astype("datetime64[D]").astype(str).astype(object)
            days[c.last_check == NO_DATE] = ""
            return days
        if field in _CATEGORICAL:
            return np.array(getattr(c, field).strings(), dtype=object)
        raise InvalidValueError("TargetDirectory.column", "field", field, "is not a field",
                                "use one of: " + ", ".join(TARGET_FIELDS))

    def counts(self, field: str) -> dict[str, int]:
        """How many targets hold each value of ``field`` (codes for enums; tags counted singly)."""
        c = self._cols
        if field == "entity_type":
            n = np.bincount(c.entity_type, minlength=len(ENTITY_TYPES))
            return {t.code: int(k) for t, k in zip(ENTITY_TYPES, n, strict=True) if k}
        if field == "risk_class":
            n = np.bincount(c.risk_class, minlength=len(RISK_CLASSES))
            return {r.code: int(k) for r, k in zip(RISK_CLASSES, n, strict=True) if k}
        if field == "tags":
            out: dict[str, int] = {}
            for combo, k in c.tags.counts().items():
                for tag in filter(None, combo.split(";")):
                    out[tag] = out.get(tag, 0) + k
            return dict(sorted(out.items()))
        if field in _CATEGORICAL:
            return getattr(c, field).counts()  # type: ignore[no-any-return]
        values, tally = np.unique(self.column(field).astype(str), return_counts=True)
        return {str(v): int(x) for v, x in zip(values.tolist(), tally.tolist(), strict=True)}

    @property
    def nbytes(self) -> int:
        """Memory held by the columns, in bytes (names included)."""
        c = self._cols
        arrays = (c.keys, c.names, c.name_offsets, c.entity_type, c.risk_class, c.last_check)
        return sum(int(a.nbytes) for a in arrays) + sum(
            int(getattr(c, name).nbytes()) for name in _CATEGORICAL
        )

    # --- digest -----------------------------------------------------------------------------

    def canonical_chunks(self) -> Iterator[bytes]:
        """The canonical serialization (docs/spec/directory-digest.md), in chunks of bytes."""
        c = self._cols
        yield (DIGEST_PREAMBLE + "\n" + "\t".join(TARGET_FIELDS) + "\n").encode()
        types = np.array([t.code.encode() for t in ENTITY_TYPES], dtype=object)
        risks = np.array([r.code.encode() for r in RISK_CLASSES], dtype=object)
        tables = {name: np.array([v.encode() for v in getattr(c, name).categories] or [b""],
                                 dtype=object) for name in _CATEGORICAL}
        blob = c.names.tobytes()
        for lo in range(0, len(self), _CHUNK):
            hi = min(lo + _CHUNK, len(self))
            offsets = c.name_offsets[lo:hi + 1].tolist()
            days, inverse = np.unique(c.last_check[lo:hi], return_inverse=True)
            dates = np.array([(d.isoformat().encode() if (d := days_to_date(int(x))) else b"")
                              for x in days], dtype=object)
            columns = [
                self.ids_at(slice(lo, hi)).tolist(),
                [blob[offsets[i]:offsets[i + 1]] for i in range(hi - lo)],
                types[c.entity_type[lo:hi]].tolist(),
                *(tables[name][getattr(c, name).codes[lo:hi]].tolist()
                  for name in ("region", "industry", "registering_office", "supervising_office")),
                risks[c.risk_class[lo:hi]].tolist(),
                tables["tags"][c.tags.codes[lo:hi]].tolist(),
                dates[inverse.ravel()].tolist(),
            ]
            yield b"".join(line + b"\n" for line in map(b"\t".join, zip(*columns, strict=True)))

    @property
    def digest(self) -> str:
        """``"sha256:<hex>"`` of the canonical serialization.

        Row order never changes it; any change to any field of any target does. Computed once.
        """
        if self._digest is None:
            h = hashlib.sha256()
            for chunk in self.canonical_chunks():
                h.update(chunk)
            self._digest = "sha256:" + h.hexdigest()
        return self._digest

    # --- filters, changes, diffs ------------------------------------------------------------

    def _mask(self, scope: Scope) -> npt.NDArray[np.bool_]:
        c = self._cols
        keep = np.ones(len(self), dtype=bool)
        if scope.region_prefixes:
            keep &= c.region.mask(lambda v: v.startswith(scope.region_prefixes))
        if scope.industry_prefixes:
            keep &= c.industry.mask(lambda v: v.startswith(scope.industry_prefixes))
        if scope.entity_types:
            keep &= _members(c.entity_type, [ENTITY_TYPES.index(t) for t in scope.entity_types],
                             len(ENTITY_TYPES))
        if scope.risk_classes:
            keep &= _members(c.risk_class, [RISK_CLASSES.index(r) for r in scope.risk_classes],
                             len(RISK_CLASSES))
        if scope.tags_all:
            keep &= c.tags.mask(lambda v: scope.tags_all <= set(v.split(";")))
        if scope.tags_any:
            keep &= c.tags.mask(lambda v: bool(scope.tags_any & set(v.split(";"))))
        for name in ("registering_offices", "supervising_offices"):
            wanted = getattr(scope, name)
            if wanted:
                keep &= getattr(c, name[:-1]).mask(lambda v, w=wanted: v in w)
        return keep

    def scope_mask(self, scope: Scope) -> npt.NDArray[np.bool_]:
        """Boolean mask, in canonical order, of the targets inside ``scope``."""
        return self._mask(scope)

    def codes(self, field: str) -> npt.NDArray[np.integer]:
        """Raw read-only codes in canonical order: ``risk_class`` and ``entity_type`` index
        their enum's member order; ``last_check_date`` gives days since 1970-01-01
        (``-2**31`` for none)."""
        arrays: dict[str, npt.NDArray[np.integer]] = {
            "risk_class": self._cols.risk_class, "entity_type": self._cols.entity_type,
            "last_check_date": self._cols.last_check}
        if field not in arrays:
            raise InvalidValueError("TargetDirectory.codes", "field", field, "has no codes",
                                    "use 'risk_class', 'entity_type' or 'last_check_date'")
        return arrays[field]

    def select(self, scope: Scope) -> TargetDirectory:
        """The targets inside ``scope``, as a new directory."""
        return TargetDirectory(_take(self._cols, np.flatnonzero(self._mask(scope))))

    def filter(self, **criteria: Any) -> TargetDirectory:
        """Shorthand for ``select(Scope(**criteria))``.

        Example: ``d.filter(region_prefixes=["140921"], risk_classes=[RiskClass.D])``.
        """
        return self.select(Scope(**criteria))

    def take(self, rows: Sequence[int] | npt.NDArray[np.integer]) -> TargetDirectory:
        """The targets at canonical positions ``rows`` (order and repeats ignored)."""
        index = np.unique(_positions(rows, "TargetDirectory.take", "rows").astype(np.intp))
        if len(index) and (index[0] < 0 or index[-1] >= len(self)):
            raise InvalidValueError("TargetDirectory.take", "rows", rows, "out of range",
                                    f"use positions 0..{len(self) - 1}")
        return TargetDirectory(_take(self._cols, index))

    def with_changes(self, *, added: Iterable[Target] = (), removed: Iterable[str] = (),
                     changed: Iterable[Target] = ()) -> TargetDirectory:
        """A new snapshot with targets added, removed (by id) and changed (replaced by id).

        Every id problem is reported at once: added ids already present or repeated raise
        `DuplicateIdError`; removed or changed ids not present raise `UnknownIdError`; an id
        both removed and changed raises `InvalidValueError`. ``self`` is never modified.
        """
        where = "TargetDirectory.with_changes"
        added = f.record_list(Target, added, where, argument="added")
        changed = f.record_list(Target, changed, where, argument="changed")
        removed_ids = sorted({normalize_id(i) for i in f.id_texts(removed, where, "removed")})
        changed_ids = [t.id for t in changed]
        missing = [i for i in removed_ids + changed_ids if i not in self]
        if missing:
            raise UnknownIdError("TargetDirectory.with_changes", sorted(set(missing)))
        clash = sorted(set(removed_ids) & set(changed_ids))
        if clash:
            raise InvalidValueError("TargetDirectory.with_changes", "removed", clash,
                                    "ids are both removed and changed", "choose one per id")
        present = [t.id for t in added if t.id in self]
        if present:
            raise DuplicateIdError("TargetDirectory.with_changes (added ids already present)",
                                   present)
        drop = np.zeros(len(self), dtype=bool)
        drop[[self._row_of(i) for i in removed_ids + changed_ids]] = True
        kept = _take(self._cols, np.flatnonzero(~drop))
        fresh = TargetDirectory.from_records(added + changed)._cols
        merged = _concat(kept, fresh)
        return TargetDirectory(_take(merged, sort_keys(merged.keys)[0]))

    def diff(self, newer: TargetDirectory) -> DirectoryDiff:
        """Ids added, removed and changed going from ``self`` to ``newer``."""
        a, b = self._cols, newer._cols
        words = max(a.keys.shape[1], b.keys.shape[1])
        in_a = search_keys(_widened(a.keys, words), _widened(b.keys, words))
        ib = np.flatnonzero(in_a >= 0)
        ia = in_a[ib]
        kept = np.zeros(len(a.keys), dtype=bool)
        kept[ia] = True
        removed = self.ids_at(np.flatnonzero(~kept))
        added = newer.ids_at(np.flatnonzero(in_a < 0))
        changed = np.zeros(len(ia), dtype=bool)
        for name in ("entity_type", "risk_class", "last_check"):
            changed |= getattr(a, name)[ia] != getattr(b, name)[ib]
        for name in _CATEGORICAL:
            pa, pb = getattr(a, name), getattr(b, name)
            union = Categorical.union([pa, pb])
            changed |= pa.recode(union)[ia] != pb.recode(union)[ib]
        length_a = np.diff(a.name_offsets)[ia]
        length_b = np.diff(b.name_offsets)[ib]
        changed |= length_a != length_b
        same = np.flatnonzero(length_a == length_b)
        names_a, offsets = ragged_take(a.names, a.name_offsets, ia[same])
        names_b, _ = ragged_take(b.names, b.name_offsets, ib[same])
        differs = np.flatnonzero(names_a != names_b)
        changed[same[np.searchsorted(offsets, differs, side="right") - 1]] = True
        return DirectoryDiff(added=_decoded(added), removed=_decoded(removed),
                             changed=_decoded(self.ids_at(ia[changed])))

    def to_records(self) -> list[Target]:
        """Every target as a record, in canonical order."""
        return list(self)

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every target as plain values (`Target.to_dict`), in canonical order."""
        return [t.to_dict() for t in self]


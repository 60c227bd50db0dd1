"""A target directory as a Parquet dataset partitioned by id range, with its manifest.

Layout of a dataset folder::

    manifest.json           canonical JSON: format, version, columns, rows, partitions
    part-000000.parquet     the first id range: rows in canonical order (sorted by id bytes)
    part-000001.parquet     the next range; every id greater than every id of the file before
    …

Each partition file holds the ten directory fields (``TARGET_FIELDS``) in the Arrow form of
`TargetDirectory.to_arrow`, its rows in canonical order, its ids canonical (normalised as the
spec's §5 says). The manifest lists each file with its row count and its first and last id,
so the canonical order of the whole directory is the files' rows concatenated in manifest
order. Any broken promise — a missing file, ranges that overlap or are out of order, a file
whose rows, ids or columns differ from the manifest — raises `DatasetError` naming the file,
the field and the fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Self

import attrs
import numpy as np
import numpy.typing as npt

from .._atomic import staged_folder, write_atomic
from .._canonical import canonical_json
from .._errors import FileFormatError, InvalidTypeError, InvalidValueError, RandomInspectionError
from ..registry import TargetDirectory
from ..registry._target_columns import TARGET_FIELDS

__all__ = [
    "DATASET_FORMAT",
    "DATASET_VERSION",
    "MANIFEST",
    "DatasetError",
    "Partition",
    "TargetDataset",
    "write_dataset",
]

#: The manifest's ``format`` value.
DATASET_FORMAT = "random-inspection/target-dataset"
#: The manifest's ``version``: the layout this module writes and reads.
DATASET_VERSION = 1
#: The manifest's file name inside the dataset folder.
MANIFEST = "manifest.json"
#: Rows per partition file when none is given: about 100 MB of Arrow data per file.
DEFAULT_ROWS = 1_000_000
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.parquet")


class DatasetError(FileFormatError):
    """A target dataset (folder, manifest or partition file) is broken: nothing was computed
    from it. The ``path`` is the file at fault; each problem names the field and the fix.

    It pickles whole, so a Dask worker's error reaches the client as this class.
    """

    def __init__(self, path: str, problems: Sequence[tuple[int, str, str]],
                 total: int | None = None) -> None:
        super().__init__(path, problems, len(problems) if total is None else total)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, list(self.problems), self.total))


def _broken(path: Path | str, field: str, message: str) -> DatasetError:
    return DatasetError(str(path), [(0, field, message)])


@attrs.frozen
class Partition:
    """One file of a dataset: an id range in canonical order.

    Attributes:
        file: The file name, relative to the dataset folder.
        rows: Its number of targets (at least 1).
        first_id: Its smallest id (canonical).
        last_id: Its largest id.
    """

    file: str
    rows: int
    first_id: str
    last_id: str

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as the manifest stores them."""
        return {"file": self.file, "rows": self.rows, "first_id": self.first_id,
                "last_id": self.last_id}


def _partition(raw: object, where: str, manifest: Path) -> Partition:
    if not isinstance(raw, dict) or set(raw) != {"file", "rows", "first_id", "last_id"}:
        raise _broken(manifest, where, "is not an object with exactly file, rows, first_id "
                      "and last_id: rewrite the manifest with write_dataset or sort_dataset")
    file, rows, first, last = raw["file"], raw["rows"], raw["first_id"], raw["last_id"]
    if not isinstance(file, str) or not _FILE_NAME.fullmatch(file):
        raise _broken(manifest, f"{where}.file", f"{file!r} is not a file name of the "
                      "folder ending in .parquet (no folders, no '..')")
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise _broken(manifest, f"{where}.rows", f"{rows!r} is not a positive count: a "
                      "partition holds at least one target (leave empty ranges out)")
    if not isinstance(first, str) or not isinstance(last, str) or not first or not last:
        raise _broken(manifest, f"{where}.first_id", "first_id and last_id must be ids")
    if first.encode() > last.encode() or (rows == 1 and first != last):
        raise _broken(manifest, f"{where}.first_id", f"the range {first!r}..{last!r} is "
                      f"empty or reversed for {rows} row(s)")
    return Partition(file, rows, first, last)


@attrs.frozen
class TargetDataset:
    """An opened target dataset: its folder and its partitions in canonical order.

    Open one with `TargetDataset.open`; write one with `write_dataset` (from a
    `TargetDirectory`) or `sort_dataset` (from any Arrow table or Parquet files). Opening
    checks the manifest and each file's metadata (presence, rows, columns, id range); every
    computation that reads a partition checks its rows against the manifest again.

    Attributes:
        path: The dataset folder.
        partitions: Its files, in id order (ranges disjoint and increasing).
    """

    path: Path
    partitions: tuple[Partition, ...]

    @property
    def rows(self) -> int:
        """Targets in the whole dataset."""
        return sum(p.rows for p in self.partitions)

    def __len__(self) -> int:
        return self.rows

    def file(self, partition: Partition) -> Path:
        """The path of one partition's file."""
        return self.path / partition.file

    @classmethod
    def open(cls, path: str | Path) -> Self:
        """Open a dataset folder, checking the manifest and every file's Parquet metadata.

        Raises `DatasetError` for a folder without a manifest, a manifest that cannot be
        read or is not of this format, ranges that overlap or are out of order, a missing
        file, or a file whose rows, columns or id statistics differ from the manifest.
        """
        if not isinstance(path, str | Path):
            raise InvalidTypeError("TargetDataset.open", "path", path, "a folder path",
                                   "pass the folder written by write_dataset or sort_dataset")
        folder = Path(path)
        manifest = folder / MANIFEST
        if not folder.is_dir():
            raise _broken(folder, "", "is not a folder: write the dataset with write_dataset "
                          "or sort_dataset")
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise _broken(manifest, "", "is missing: a dataset folder holds a manifest.json "
                          "next to its files; write it with write_dataset or sort_dataset"
                          ) from None
        except (OSError, ValueError) as error:
            raise _broken(manifest, "", f"cannot be read as JSON ({error}): rewrite the "
                          "dataset") from None
        if not isinstance(data, dict) or data.get("format") != DATASET_FORMAT:
            raise _broken(manifest, "format", f"is not {DATASET_FORMAT!r}: not a target "
                          "dataset manifest")
        if data.get("version") != DATASET_VERSION:
            raise _broken(manifest, "version", f"{data.get('version')!r} is not a version this "
                          f"library reads ({DATASET_VERSION}): use a library that writes it")
        if data.get("columns") != list(TARGET_FIELDS):
            raise _broken(manifest, "columns", f"{data.get('columns')!r} is not the ten "
                          f"directory fields in order {list(TARGET_FIELDS)}")
        raw = data.get("partitions")
        if not isinstance(raw, list):
            raise _broken(manifest, "partitions", "is not a list")
        parts = tuple(_partition(p, f"partitions[{k}]", manifest) for k, p in enumerate(raw))
        for k in range(1, len(parts)):
            before, after = parts[k - 1], parts[k]
            if before.last_id.encode() >= after.first_id.encode():
                raise _broken(manifest, f"partitions[{k}].first_id", (
                    f"{after.file} starts at {after.first_id!r}, not after the end "
                    f"{before.last_id!r} of {before.file}: the ranges overlap or are out of "
                    "order; sort the data into a new dataset with sort_dataset"))
        if len({p.file for p in parts}) < len(parts):
            raise _broken(manifest, "partitions", "names a file twice")
        if data.get("rows") != sum(p.rows for p in parts):
            raise _broken(manifest, "rows", f"{data.get('rows')!r} is not the sum of the "
                          f"partitions' rows ({sum(p.rows for p in parts)})")
        dataset = cls(folder, parts)
        for part in parts:
            _check_metadata(dataset.file(part), part)
        return dataset

    def write_manifest(self) -> None:
        """Write ``manifest.json`` for these partitions (canonical JSON, whole or not at all)."""
        write_atomic(self.path / MANIFEST, canonical_json(_manifest(self.partitions)).encode())


def _manifest(parts: Sequence[Partition]) -> dict[str, Any]:
    return {"format": DATASET_FORMAT, "version": DATASET_VERSION, "columns": list(TARGET_FIELDS),
            "rows": sum(p.rows for p in parts), "partitions": [p.to_dict() for p in parts]}


def _check_metadata(path: Path, part: Partition) -> None:
    """The file exists and its Parquet metadata agrees with the manifest's entry."""
    import pyarrow.parquet as pq  # noqa: PLC0415  (optional dependency)

    if not path.is_file():
        raise _broken(path, "", "is missing: the manifest lists it; restore it or rewrite "
                      "the dataset")
    try:
        meta = pq.read_metadata(path)
    except Exception as error:  # pyarrow raises its own errors for damaged files
        raise _broken(path, "", f"is not a readable Parquet file ({error})") from None
    if meta.num_rows != part.rows:
        raise _broken(path, "rows", f"holds {meta.num_rows} rows but the manifest says "
                      f"{part.rows}: the file or the manifest was changed; rewrite the dataset")
    names = meta.schema.to_arrow_schema().names
    missing = [name for name in TARGET_FIELDS if name not in names]
    if missing:
        raise _broken(path, missing[0], f"column missing (the file has {names})")
    column = names.index("id")
    low: bytes | None = None
    high: bytes | None = None
    for group in range(meta.num_row_groups):
        stats = meta.row_group(group).column(column).statistics
        if stats is None or not stats.has_min_max:
            return  # no statistics written: the read checks the range instead
        lo, hi = _as_bytes(stats.min), _as_bytes(stats.max)
        low = lo if low is None else min(low, lo)
        high = hi if high is None else max(high, hi)
    if low is not None and (low != part.first_id.encode() or high != part.last_id.encode()):
        raise _broken(path, "id", f"holds ids {low!r}..{high!r} but the manifest says "
                      f"{part.first_id!r}..{part.last_id!r}: the file or the manifest was "
                      "changed; rewrite the dataset")


def _as_bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def read_partition(dataset: TargetDataset, part: Partition, columns: Sequence[str] | None = None
                   ) -> Any:
    """One partition's file as a pyarrow Table (``columns``: all ten fields by default)."""
    import pyarrow.parquet as pq  # noqa: PLC0415  (optional dependency)

    path = dataset.file(part)
    try:
        table = pq.read_table(path, columns=list(columns or TARGET_FIELDS))
    except FileNotFoundError:
        raise _broken(path, "", "is missing: the manifest lists it; restore it or rewrite "
                      "the dataset") from None
    except Exception as error:
        raise _broken(path, "", f"cannot be read as Parquet with the directory's columns "
                      f"({error})") from None
    if table.num_rows != part.rows:
        raise _broken(path, "rows", f"holds {table.num_rows} rows but the manifest says "
                      f"{part.rows}: rewrite the dataset")
    return table


def _id_bytes(column: Any) -> npt.NDArray[Any]:
    """An Arrow id column as a numpy bytes array (an object array if some id is not ASCII)."""
    texts = np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
    try:
        return texts.astype(np.bytes_)
    except (UnicodeEncodeError, TypeError):
        return texts


def load_partition(dataset: TargetDataset, part: Partition) -> TargetDirectory:
    """One partition as a `TargetDirectory`, checked against the manifest: the same rows, in
    the same (canonical) order, from ``first_id`` to ``last_id``."""
    path = dataset.file(part)
    table = read_partition(dataset, part)
    try:
        directory = TargetDirectory.from_arrow(table)
    except RandomInspectionError as error:
        raise _broken(path, getattr(error, "field", ""), f"is not a valid directory: {error}"
                      ) from None
    ids = directory.id_array
    if len(directory) != part.rows:  # pragma: no cover  (from_arrow keeps every row)
        raise _broken(path, "rows", "lost rows while loading")
    if not np.array_equal(_id_bytes(table.column("id")), ids):
        raise _broken(path, "id", "its rows are not in canonical order (sorted by id, ids "
                      "normalised): the file was rewritten out of order; sort the data into "
                      "a new dataset with sort_dataset")
    if ids[0].decode() != part.first_id or ids[-1].decode() != part.last_id:
        raise _broken(path, "id", f"holds ids {ids[0].decode()!r}..{ids[-1].decode()!r} but "
                      f"the manifest says {part.first_id!r}..{part.last_id!r}: rewrite the "
                      "dataset")
    return directory


def write_partition(directory: TargetDirectory, path: Path) -> Partition:
    """Write one non-empty directory as a partition file; its manifest entry."""
    import pyarrow.parquet as pq  # noqa: PLC0415  (optional dependency)

    table = directory.to_arrow().select(list(TARGET_FIELDS))
    pq.write_table(table.replace_schema_metadata(None), path)
    ids = directory.id_array
    return Partition(path.name, len(directory), ids[0].decode(), ids[-1].decode())


def partition_name(index: int) -> str:
    """The file name of the ``index``-th partition."""
    return f"part-{index:06d}.parquet"


def _slices(n: int, rows_per_partition: int) -> Iterator[npt.NDArray[np.intp]]:
    for lo in range(0, n, rows_per_partition):
        yield np.arange(lo, min(lo + rows_per_partition, n), dtype=np.intp)


def check_rows_per_partition(value: object, where: str) -> int:
    """A positive number of rows per partition file."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(where, "rows_per_partition", value, "is not a positive count",
                                f"give the rows per file, e.g. {DEFAULT_ROWS:_}")
    return value


def write_dataset(directory: TargetDirectory, path: str | Path, *,
                  rows_per_partition: int = DEFAULT_ROWS, overwrite: bool = False
                  ) -> TargetDataset:
    """Write a directory as a Parquet dataset partitioned by id range.

    The directory is cut in canonical order into files of ``rows_per_partition`` rows (the
    last may be shorter); the folder appears whole or not at all, and an existing ``path``
    raises `OutputExistsError` unless ``overwrite=True``. For data that is not yet a
    directory (an Arrow table, Parquet files in any order) use `sort_dataset`.

    Example:
        >>> import tempfile, pathlib
        >>> from random_inspection.demo import demo_city
        >>> city = demo_city(n_targets=500)
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "targets"
        >>> dataset = write_dataset(city.targets, folder, rows_per_partition=200)
        >>> [p.rows for p in dataset.partitions]
        [200, 200, 100]
    """
    if not isinstance(directory, TargetDirectory):
        raise InvalidTypeError("write_dataset", "directory", directory, "a TargetDirectory",
                               "for an Arrow table or Parquet files use sort_dataset")
    size = check_rows_per_partition(rows_per_partition, "write_dataset")
    target = Path(path)
    with staged_folder(target, overwrite=overwrite) as stage:
        parts = [write_partition(directory.take(rows), stage / partition_name(k))
                 for k, rows in enumerate(_slices(len(directory), size))]
        TargetDataset(stage, tuple(parts)).write_manifest()
    return TargetDataset(target, tuple(parts))

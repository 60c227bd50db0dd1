"""`sort_dataset`: any Arrow table or Parquet files of targets → a dataset partitioned by id.

An external (out-of-core) sort in three stages of one task per file, on a Dask cluster or in
this process:

1. **sample**: each input file's canonical ids (normalised as spec §5 says: NFKC, trimmed,
   upper case) are sampled; the client picks range boundaries from the pooled sample so that
   each range holds about ``rows_per_partition`` targets;
2. **split**: each input file is cut by range into pieces in a scratch folder;
3. **build**: each range's pieces become one `TargetDirectory` (validated, duplicates found —
   equal ids always fall in one range), written in canonical order as one partition file.

The output folder appears whole or not at all; the scratch pieces are deleted.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .._atomic import staged_folder
from .._errors import (
    DuplicateIdError,
    InvalidTypeError,
    InvalidValueError,
    RandomInspectionError,
)
from .._progress import Progress, Reporter
from ..registry import TargetDirectory
from ..registry._arrow_io import column_fields
from ..registry._identifiers import normalize_id
from ..registry._target_columns import TARGET_FIELDS
from ._dataset import (
    DEFAULT_ROWS,
    DatasetError,
    Partition,
    TargetDataset,
    check_rows_per_partition,
    partition_name,
    write_dataset,
    write_partition,
)
from ._runner import runner_for

__all__ = ["canonical_keys", "sort_dataset"]

_SAMPLES_PER_PARTITION = 64


_PLAIN = np.zeros(256, dtype=bool)  # bytes of ids whose normal form is just upper case
_PLAIN[np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-\0",
                     dtype=np.uint8)] = True


def canonical_keys(ids: Any) -> npt.NDArray[np.bytes_]:
    """The canonical spelling of each id of an Arrow string column, as bytes (for ranges).

    Plain ASCII ids (letters, digits, '.', '_', '-') only need upper case, done in bulk;
    the others go through the library's `normalize_id` one by one.
    """
    texts = np.asarray(ids.to_numpy(zero_copy_only=False), dtype=object)
    texts[np.array([t is None for t in texts], dtype=bool)] = ""
    try:
        raw = texts.astype(np.bytes_) if len(texts) else np.array([], dtype="S1")
    except UnicodeEncodeError:  # some id is not ASCII: normalise every one
        return np.array([normalize_id(t).encode("utf-8", "surrogatepass") for t in texts],
                        dtype=np.bytes_)
    width = raw.dtype.itemsize
    matrix = raw.view(np.uint8).reshape(len(raw), width).copy()
    plain = _PLAIN[matrix].all(axis=1)
    lower = (matrix >= ord("a")) & (matrix <= ord("z"))
    matrix[lower] -= 32
    keys: npt.NDArray[Any] = matrix.view(f"S{width}").ravel().astype(object)
    for row in np.flatnonzero(~plain).tolist():
        keys[row] = normalize_id(texts[row]).encode("utf-8", "surrogatepass")
    return keys.astype(np.bytes_) if len(keys) else np.array([], dtype="S1")


def _input_files(source: object) -> list[Path]:
    if isinstance(source, str | Path):
        folder = Path(source)
        if folder.is_dir():
            files = sorted(p for p in folder.rglob("*.parquet") if p.is_file())
            if not files:
                raise DatasetError(str(folder), [(0, "", "holds no .parquet file")])
            return files
        if not folder.is_file():
            raise DatasetError(str(folder), [(0, "", "is missing")])
        return [folder]
    if isinstance(source, Sequence) and all(isinstance(p, str | Path) for p in source):
        files = [Path(p) for p in source]
        for path in files:
            if not path.is_file():
                raise DatasetError(str(path), [(0, "", "is missing")])
        return files
    raise InvalidTypeError("sort_dataset", "source", source,
                           "a pyarrow Table, a Parquet file or folder, or a list of files",
                           "pass the folder of Parquet files, e.g. 'exports/targets/'")


def _read(path: Path, unknown_columns: str, columns: Sequence[str] | None = None) -> Any:
    """The file's columns named by their fields (English or Chinese column names, as
    `TargetDirectory.from_parquet` reads them), only ``columns`` when given."""
    import pyarrow.parquet as pq  # noqa: PLC0415  (optional dependency)

    try:
        names = pq.read_schema(path).names
    except Exception as error:
        raise DatasetError(str(path), [(0, "", f"is not a readable Parquet file ({error})")]
                           ) from None
    try:
        fields = column_fields(names, "sort_dataset", unknown_columns)
    except InvalidValueError as error:
        raise DatasetError(str(path), [(0, error.field, str(error))]) from None
    column_of = {field: name for name, field in zip(names, fields, strict=True) if field}
    wanted = [c for c in (columns or TARGET_FIELDS) if c in column_of]
    table = pq.read_table(path, columns=[column_of[c] for c in wanted])
    return table.rename_columns(wanted)


def _sample(path: Path, step: int, seed: int, unknown_columns: str
            ) -> tuple[int, npt.NDArray[np.bytes_]]:
    ids = _read(path, unknown_columns, ["id"]).column("id")
    rows = len(ids)
    if not rows:
        return 0, np.array([], dtype="S1")
    count = max(1, -(-rows // step))
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(rows, size=min(count, rows), replace=False))
    import pyarrow as pa  # noqa: PLC0415  (optional dependency)

    return rows, canonical_keys(ids.take(pa.array(picked)))


def _split(path: Path, index: int, bounds: npt.NDArray[np.bytes_], scratch: Path,
           unknown_columns: str) -> list[int]:
    """Cut one input file by range into ``scratch/r<range>-f<file>.parquet``; the ranges hit."""
    import pyarrow as pa  # noqa: PLC0415  (optional dependency)
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = _read(path, unknown_columns)
    if not table.num_rows:
        return []
    keys = canonical_keys(table.column("id"))
    ranges = np.searchsorted(bounds, keys, side="right")
    order = np.argsort(ranges, kind="stable")
    table = table.take(pa.array(order))
    held, starts = np.unique(ranges[order], return_index=True)
    ends = [*starts[1:].tolist(), len(order)]
    for r, lo, hi in zip(held.tolist(), starts.tolist(), ends, strict=True):
        pq.write_table(table.slice(lo, hi - lo), scratch / f"r{r:06d}-f{index:06d}.parquet")
    return [int(r) for r in held.tolist()]


def _build(pieces: list[Path], out: Path) -> Partition:
    """One range's pieces → a validated directory → one partition file."""
    import pyarrow as pa  # noqa: PLC0415  (optional dependency)
    import pyarrow.parquet as pq  # noqa: PLC0415

    tables = [pq.read_table(p) for p in pieces]
    table = pa.concat_tables(tables, promote_options="permissive")
    try:
        directory = TargetDirectory.from_arrow(table)
    except DuplicateIdError as error:
        raise DatasetError(str(out), [(0, "id", str(error))]) from None
    except RandomInspectionError as error:
        raise DatasetError(str(out), [(0, getattr(error, "field", ""), str(error))]) from None
    partition = write_partition(directory, out)
    for piece in pieces:
        piece.unlink()
    return partition


def sort_dataset(source: Any, path: str | Path, *, rows_per_partition: int = DEFAULT_ROWS,
                 client: object = None, overwrite: bool = False,
                 unknown_columns: str = "error", progress: Progress | None = None
                 ) -> TargetDataset:
    """Write targets in any order as a dataset partitioned by id range (the sort stage).

    Parameters
    ----------
    source
        A pyarrow Table (sorted in this process), or Parquet files — a file, a folder
        (every ``*.parquet`` under it) or a list of files — whose columns are named as in
        the CSV files, in English or Chinese (``id``, ``name``, ``entity_type`` and
        ``region`` required), rows in any order, sorted out of core by the cluster.
    path
        The dataset folder to write; it appears whole or not at all.
    rows_per_partition
        About how many targets each file holds (ranges come from a sample of the ids).
    client
        A `distributed.Client`, ``"local"``, or ``None`` (the current client if any, else
        this process). Its workers must reach ``path``'s parent folder.
    overwrite
        Replace an existing ``path`` (else `OutputExistsError`).
    unknown_columns
        ``"error"`` (default): a column that is no field of the directory is refused, as
        `TargetDirectory.from_parquet` refuses it; ``"ignore"`` leaves it out.
    progress
        Optional ``progress(stage, done, total)``: ``sampling ids``, ``splitting files by
        range``, ``building partitions``.

    Raises `DatasetError` naming the file and the problem for an unreadable input, an
    invalid target or a duplicate id (equal ids after normalising always meet in one range,
    so every duplicate is found).
    """
    size = check_rows_per_partition(rows_per_partition, "sort_dataset")
    if unknown_columns not in ("error", "ignore"):  # refused before any work
        raise InvalidValueError("sort_dataset", "unknown_columns", unknown_columns,
                                "is not an option", "use 'error' or 'ignore'")
    if type(source).__name__ == "Table" and hasattr(source, "column_names"):
        try:
            directory = TargetDirectory.from_arrow(source, unknown_columns=unknown_columns)
        except RandomInspectionError as error:
            raise DatasetError("<Arrow table>", [(0, getattr(error, "field", ""), str(error))]
                               ) from None
        return write_dataset(directory, path, rows_per_partition=size, overwrite=overwrite)
    files = _input_files(source)
    runner = runner_for(client, "sort_dataset")
    report = Reporter(progress)
    report.start("sampling ids", len(files))
    step = max(1, size // _SAMPLES_PER_PARTITION)
    sampled = [runner.submit(_sample, p, step, k, unknown_columns)
               for k, p in enumerate(files)]
    results = [runner.result(h) for h in sampled]
    report.finish()
    total = sum(rows for rows, _ in results)
    keys = np.sort(np.concatenate([k for _, k in results])) if total else np.array([], "S1")
    ranges = max(1, -(-total // size))
    picks = (np.arange(1, ranges) * len(keys)) // ranges
    bounds = np.unique(keys[picks]) if len(keys) else keys
    target = Path(path)
    with staged_folder(target, overwrite=overwrite) as stage:
        scratch = stage / ".scratch"
        scratch.mkdir()
        split = [runner.submit(_split, p, k, bounds, scratch, unknown_columns)
                 for k, p in enumerate(files)]
        pieces: dict[int, list[Path]] = {}
        report.start("splitting files by range", len(files))
        for k, handle in enumerate(split):
            report.advance(k)
            for r in runner.result(handle):
                pieces.setdefault(r, []).append(scratch / f"r{r:06d}-f{k:06d}.parquet")
        report.finish()
        built = [runner.submit(_build, pieces[r], stage / partition_name(n))
                 for n, r in enumerate(sorted(pieces))]
        report.start("building partitions", len(built))
        parts = tuple(runner.result(h) for h in built)
        report.finish()
        shutil.rmtree(scratch)
        dataset = TargetDataset(stage, parts)
        dataset.write_manifest()
    return TargetDataset.open(target)


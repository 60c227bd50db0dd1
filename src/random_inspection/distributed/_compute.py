"""The digest, the eligibility counts and the draw of a target dataset, partition by partition.

Each computation is a graph of one task per partition (on a Dask cluster, or in this process):

- **scan**: load the partition as a `TargetDirectory` (checked against the manifest), make
  its canonical bytes (the digest's lines for its rows, spec §5) and, given a design, its
  eligibility: the counts of §6.2 and, per risk class, the rows of its eligible targets;
- the client hashes the partitions' bytes **in id order** as they arrive (SHA-256 is
  sequential; a bounded window of partitions is in flight, so memory stays bounded), and sums
  the counts;
- **allocate and sample** on the client (as `draw_targets` does): the populations N_h are
  the sums, then `design.allocate` and each stratum's Rivest positions (spec §4, §8), the
  five strata sampled as parallel tasks;
- **fetch**: a position k of stratum h is the k-th eligible target of class h in canonical
  order: the prefix sums of the partitions' class counts name its partition and its rank
  there; each partition returns the ids at its ranks (reading the id column only), and the
  client puts them back in draw order.

The record is built exactly as `draw_targets` builds it, so it is the same record, byte for
byte, as the single-machine draw of the same directory.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from .._errors import InvalidTypeError
from .._progress import Progress, Reporter
from .._version import __version__
from ..registry import TargetDirectory
from ..sampling import (
    SPEC_VERSION,
    AuditRecord,
    ClassWeighted,
    Seed,
    StratifiedByRisk,
    StratumDraw,
    rivest_integer,
    rivest_sample,
    stratum_seed_string,
)
from ..sampling._draw import CLASSES, ROUNDING_LABEL, no_eligible_target
from ..sampling._rivest import hash_function
from ..sampling._seed import check_purpose
from ._dataset import DatasetError, Partition, TargetDataset, load_partition, read_partition
from ._runner import Runner, runner_for

__all__ = ["DatasetEligibility", "dataset_digest", "dataset_eligibility", "draw_from_dataset"]

Design = StratifiedByRisk | ClassWeighted


# --- the tasks (module-level, so that Dask can send them to workers) --------------------------


@attrs.frozen
class _Scan:
    chunks: list[bytes] | None
    counts: dict[str, Any] | None
    class_counts: npt.NDArray[np.int64] | None
    rows: tuple[tuple[npt.NDArray[np.int32], ...], str] | None


def _ids_digest(ids: npt.NDArray[np.bytes_]) -> str:
    """A partition's ids in order, as fixed-width bytes, hashed: the fetch checks that it
    reads the file the scan read."""
    return f"{ids.dtype.itemsize}:{hashlib.sha256(ids.tobytes()).hexdigest()}"


def _scan(dataset: TargetDataset, part: Partition, canonical: bool, design: Design | None
          ) -> _Scan:
    directory = load_partition(dataset, part)
    chunks = list(itertools.islice(directory.canonical_chunks(), 1, None)) if canonical else None
    if design is None:
        return _Scan(chunks, None, None, None)
    eligible, counts = design.eligibility(directory)
    classes = directory.codes("risk_class")
    rows = tuple(np.flatnonzero(eligible & (classes == k)).astype(np.int32)
                 for k in range(len(CLASSES)))
    class_counts = np.array([len(r) for r in rows], dtype=np.int64)
    return _Scan(chunks, counts, class_counts, (rows, _ids_digest(directory.ids_at(slice(None)))))


def _chunks_of(scan: _Scan) -> list[bytes] | None:
    return scan.chunks


def _summary_of(scan: _Scan) -> tuple[dict[str, Any] | None, npt.NDArray[np.int64] | None]:
    return scan.counts, scan.class_counts


def _rows_of(scan: _Scan) -> tuple[tuple[npt.NDArray[np.int32], ...], str] | None:
    return scan.rows


def _fetch(dataset: TargetDataset, part: Partition,
           scanned: tuple[tuple[npt.NDArray[np.int32], ...], str],
           ranks: dict[int, npt.NDArray[np.int64]]) -> dict[int, list[str]]:
    """The ids at ``ranks`` (0-based, among the partition's eligible targets of each class),
    from the very ids the scan read: a file changed since the scan is an error, never a
    record whose digest and selection disagree."""
    rows, digest = scanned
    ids = np.asarray(read_partition(dataset, part, ["id"]).column("id").to_numpy(
        zero_copy_only=False), dtype=object)
    try:
        same = _ids_digest(ids.astype("S")) == digest
    except (UnicodeEncodeError, TypeError):  # not ASCII text: not the ids the scan read
        same = False
    if not same:
        raise DatasetError(str(dataset.file(part)), [(0, "id", (
            "changed between the scan and the fetch of this draw (the file was replaced or "
            "edited while drawing): no record was made; keep the dataset read-only while "
            "drawing, then draw again"))])
    return {k: ids[rows[k][r]].tolist() for k, r in ranks.items()}


def _sample(seed_string: str, population: int, size: int, hash_name: str
            ) -> npt.NDArray[np.int64]:
    if size == population:  # certainty stratum: the whole stratum in canonical order
        return np.arange(1, population + 1, dtype=np.int64)
    return np.array(rivest_sample(seed_string, population, size, hash_name), dtype=np.int64)


# --- the client side ---------------------------------------------------------------------------


def _add(a: Any, b: Any) -> Any:
    """Sum two eligibility count records key by key (``None`` stays ``None``)."""
    if isinstance(a, dict):
        return {key: _add(value, b[key]) for key, value in a.items()}
    if a is None:
        return None
    return a + b


def _header() -> bytes:
    """The canonical serialization's first line(s), as an empty directory gives them."""
    return next(TargetDirectory.from_records([]).canonical_chunks())


@attrs.frozen
class _ScanResult:
    digest: str | None
    counts: dict[str, Any] | None
    class_counts: npt.NDArray[np.int64]  # (partitions, classes)
    rows: list[Any]  # handles of each partition's eligible rows per class


def _run_scan(dataset: TargetDataset, runner: Runner, *, canonical: bool,
              design: Design | None, report: Reporter) -> _ScanResult:
    """Scan every partition; hash the canonical bytes in order as they come (bounded window)."""
    parts = dataset.partitions
    hasher = hashlib.sha256(_header()) if canonical else None
    counts: dict[str, Any] | None = (design.eligibility(TargetDirectory.from_records([]))[1]
                                     if design is not None else None)
    class_counts = np.zeros((len(parts), len(CLASSES)), dtype=np.int64)
    rows: list[Any] = []
    pending: list[tuple[Any, Any]] = []  # (chunks handle, summary handle), in partition order
    submitted = 0

    def submit_next() -> None:
        nonlocal submitted
        scan = runner.submit(_scan, dataset, parts[submitted], canonical, design)
        pending.append((runner.submit(_chunks_of, scan) if canonical else None,
                        runner.submit(_summary_of, scan) if design is not None else None))
        rows.append(runner.submit(_rows_of, scan) if design is not None else None)
        runner.release(scan)
        submitted += 1

    report.start("scanning partitions", len(parts))
    for index in range(len(parts)):
        report.advance(index)
        while submitted < len(parts) and submitted < index + runner.window:
            submit_next()
        chunk_handle, summary_handle = pending[index]
        if hasher is not None:
            for chunk in runner.result(chunk_handle):
                hasher.update(chunk)
            runner.release(chunk_handle)
        if summary_handle is not None:
            part_counts, part_classes = runner.result(summary_handle)
            counts = _add(counts, part_counts)
            class_counts[index] = part_classes
            runner.release(summary_handle)
        pending[index] = (None, None)
    report.finish()
    digest = None if hasher is None else "sha256:" + hasher.hexdigest()
    return _ScanResult(digest, counts, class_counts, rows)


def _dataset(value: object, where: str) -> TargetDataset:
    if isinstance(value, TargetDataset):
        return value
    if isinstance(value, str) or hasattr(value, "__fspath__"):
        return TargetDataset.open(str(value))
    raise InvalidTypeError(where, "dataset", value, "a TargetDataset or its folder",
                           "write one with write_dataset(directory, folder) or "
                           "sort_dataset(parquet_files, folder)")


def _design(value: object, where: str) -> Design:
    if not isinstance(value, StratifiedByRisk | ClassWeighted):
        raise InvalidTypeError(where, "design", value, "a StratifiedByRisk or ClassWeighted design",
                               "e.g. StratifiedByRisk.from_preset('henan-2021'), or "
                               "design_from_dict(record.design)")
    return value


def dataset_digest(dataset: TargetDataset | str, *, client: object = None,
                   progress: Progress | None = None) -> str:
    """The directory digest (spec §5) of a dataset: equal to `TargetDirectory.digest` of the
    same targets.

    Workers make each partition's canonical lines; this process hashes them in id order as
    they arrive, holding a few partitions at a time. ``client``: a `distributed.Client`,
    ``"local"`` (this process), or ``None`` (the current client if any, else this process).
    ``progress``: ``progress(stage, done, total)`` as partitions are hashed.
    """
    data = _dataset(dataset, "dataset_digest")
    result = _run_scan(data, runner_for(client, "dataset_digest"), canonical=True, design=None,
                       report=Reporter(progress))
    assert result.digest is not None
    return result.digest


@attrs.frozen
class DatasetEligibility:
    """Who a design leaves eligible in a dataset.

    Attributes:
        counts: The record's ``eligibility`` section (spec §9.5): ``out_of_scope``,
            ``checked_since`` and ``excluded_ids`` by reason, summed over the partitions.
        populations: Eligible targets of each risk class (class code → N_h).
        by_partition: Eligible targets of each class in each partition, shape
            (partitions, 5), classes in the order A, B, C, D, U.
    """

    counts: Mapping[str, Any]
    populations: Mapping[str, int]
    by_partition: npt.NDArray[np.int64]


def dataset_eligibility(dataset: TargetDataset | str, design: Design, *, client: object = None,
                        progress: Progress | None = None) -> DatasetEligibility:
    """The eligibility counts of a design on a dataset, as `Frame.eligibility` gives them for
    the whole directory (every count, excluded ids by reason included)."""
    data = _dataset(dataset, "dataset_eligibility")
    plan = _design(design, "dataset_eligibility")
    result = _run_scan(data, runner_for(client, "dataset_eligibility"), canonical=False,
                       design=plan, report=Reporter(progress))
    assert result.counts is not None
    totals = result.class_counts.sum(axis=0)
    return DatasetEligibility(result.counts, {c.code: int(n) for c, n in zip(CLASSES, totals,
                                                                           strict=True)},
                              result.class_counts)


def _locate(positions: npt.NDArray[np.int64], per_partition: npt.NDArray[np.int64]
            ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """Partition and rank (0-based, within the partition) of stratum positions (1-based)."""
    ends = np.cumsum(per_partition)
    index = positions - 1
    where = np.searchsorted(ends, index, side="right")
    starts = ends - per_partition
    return where, index - starts[where]


def draw_from_dataset(dataset: TargetDataset | str, design: Design, *, seed: Seed | str,
                      purpose: str, hash: str = "sha256", client: object = None,
                      progress: Progress | None = None) -> AuditRecord:
    """Draw the targets of one task from a dataset: the `AuditRecord` that `draw_targets`
    makes from the same directory, byte for byte — `verify` and ``verifier.py`` check it
    against the directory file as usual.

    Parameters
    ----------
    dataset
        A `TargetDataset` or its folder (written by `write_dataset` or `sort_dataset`).
    design, seed, purpose, hash
        As for `draw_targets`.
    client
        A `distributed.Client` (a `LocalCluster` or any cluster whose workers can read the
        dataset's folder), ``"local"`` (this process), or ``None``: the current client if
        there is one, else this process.
    progress
        Optional ``progress(stage, done, total)``: ``scanning partitions`` (digest and
        counts), ``sampling strata``, ``fetching ids`` (see `random_inspection._progress`).

    Raises the errors `draw_targets` raises for the same inputs (an empty frame, an
    unreachable floor, a total above the eligible targets) and `DatasetError` for a broken
    dataset.
    """
    data = _dataset(dataset, "draw_from_dataset")
    plan = _design(design, "draw_from_dataset")
    seed_value = seed if isinstance(seed, Seed) else Seed(seed)
    label = check_purpose(purpose)
    hash_function(hash)  # refuse an unknown or unavailable hash before any work
    runner = runner_for(client, "draw_from_dataset")
    report = Reporter(progress)
    scan = _run_scan(data, runner, canonical=True, design=plan, report=report)
    assert scan.digest is not None
    assert scan.counts is not None
    per_class = scan.class_counts.sum(axis=0)
    populations = {c.code: int(n) for c, n in zip(CLASSES, per_class, strict=True)}
    if not any(populations.values()):
        raise no_eligible_target(data.rows, plan, scan.counts, where="draw_from_dataset",
                                 source="dataset")
    rounding = stratum_seed_string(seed_value, label, ROUNDING_LABEL)
    allocation = plan.allocate(
        populations, lambda: Fraction(rivest_integer(rounding, 1, hash), 2**256))
    report.start("sampling strata", len(CLASSES))
    seed_strings = [stratum_seed_string(seed_value, label, c.code) for c in CLASSES]
    samples = [runner.submit(_sample, s, populations[c.code], share.size, hash)
               for c, s, share in zip(CLASSES, seed_strings, allocation.strata, strict=True)]
    positions = [runner.result(s) for s in samples]
    report.finish()
    # which partition holds each drawn position, and its rank among that class's eligible rows
    requests: dict[int, dict[int, npt.NDArray[np.int64]]] = {}
    slots: dict[int, dict[int, npt.NDArray[np.intp]]] = {}
    for k, drawn in enumerate(positions):
        if not len(drawn):
            continue
        where, ranks = _locate(drawn, scan.class_counts[:, k])
        order = np.argsort(where, kind="stable")
        held, starts = np.unique(where[order], return_index=True)
        for part, lo, hi in zip(held.tolist(), starts.tolist(),
                                [*starts[1:].tolist(), len(order)], strict=True):
            requests.setdefault(part, {})[k] = ranks[order[lo:hi]]
            slots.setdefault(part, {})[k] = order[lo:hi]
    fetched = {part: runner.submit(_fetch, data, data.partitions[part], scan.rows[part], asked)
               for part, asked in sorted(requests.items())}
    selected = [np.empty(len(p), dtype=object) for p in positions]
    report.start("fetching ids", len(fetched))
    for done, (part, handle) in enumerate(fetched.items()):
        report.advance(done)
        for k, ids in runner.result(handle).items():
            selected[k][slots[part][k]] = ids
        runner.release(handle)
    report.finish()
    for handle in scan.rows:
        runner.release(handle)
    strata = tuple(StratumDraw(c.code, populations[c.code], share.size, s, tuple(ids.tolist()))
                   for c, share, s, ids in zip(CLASSES, allocation.strata, seed_strings,
                                               selected, strict=True))
    return AuditRecord(
        spec_version=SPEC_VERSION, library_version=__version__, hash=hash, seed=seed_value,
        purpose=label, directory_digest=scan.digest, directory_size=data.rows,
        design=plan.to_dict(), eligibility=scan.counts, allocation=allocation.to_dict(),
        strata=strata)

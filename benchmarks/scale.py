"""Scale benchmarks of issue 17: the largest province on one machine, the nation on Dask.

    python benchmarks/scale.py province [--targets 20000000]
    python benchmarks/scale.py nation [--targets 100000000] [--workers 2]

The synthetic register is generated once, file by file (never the whole of it in memory), as
unsorted Parquet exports under ``benchmarks/.data/`` (git-ignored) and reused by later runs.
Ids are valid USCCs made unique by construction (an affine bijection of the row number
spread over the 31^9 bodies), so the exports are in no particular id order.

- ``province``: one process loads the province's directory from one Parquet file (the
  exports concatenated, written once; ``TargetDirectory.from_parquet``), computes the
  digest, draws with the ``henan-2021`` preset and verifies the record; it prints each
  stage's time and the process's peak RSS (goal: under 60 s and 8 GB at 2×10^7).
- ``nation``: a `distributed.LocalCluster` sorts the exports into a dataset partitioned by
  id range (`sort_dataset`), then draws from it (`draw_from_dataset`: scan = digest and
  eligibility counts, sampling, fetching the ids); it prints each stage's time and each
  worker's peak RSS, one fresh cluster per stage.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from random_inspection import StratifiedByRisk, TargetDirectory, draw_targets, verify
from random_inspection.registry._identifiers import USCC_ALPHABET, complete_usccs

DATA = Path(__file__).parent / ".data"
SEED = "31415926535897932384"
DESIGN = StratifiedByRisk.from_preset("henan-2021")
ROWS_PER_FILE = 1_000_000
REGIONS = np.array(["410102", "410105", "410122", "410182", "410202", "410305", "410402",
                    "410502", "410602", "410702", "410802", "411002", "411102", "411202"])
CLASSES = np.array(list("ABCDU"))
INDUSTRIES = np.array(["C13", "C14", "F52", "H62", "I64", "L72"])
_BODIES = 31**9
_SPREAD = 7_919_000_003  # coprime with 31: row → body is a bijection of 0..31^9-1


def export_table(first: int, rows: int, seed: int = 1) -> pa.Table:
    """Rows ``first`` … ``first + rows - 1`` of the synthetic register, as one Arrow table."""
    rng = np.random.default_rng([seed, first])
    row = np.arange(first, first + rows, dtype=np.int64)
    body = (row * _SPREAD + 12_345) % _BODIES
    digits = np.empty((rows, 9), dtype=np.uint8)
    for place in range(8, -1, -1):
        digits[:, place] = body % 31
        body //= 31
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    head = np.frombuffer("".join("91" + r for r in REGIONS).encode(), np.uint8).reshape(-1, 8)
    region = rng.integers(0, len(REGIONS), size=rows)
    ids = complete_usccs(np.concatenate([head[region], alphabet[digits]], axis=1))
    days = np.datetime64("2022-01-01") + rng.integers(0, 1000, size=rows).astype("timedelta64[D]")

    def coded(values: np.ndarray, p: list[float] | None = None) -> pa.DictionaryArray:
        codes = rng.choice(len(values), size=rows, p=p).astype(np.int8)
        return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(values.tolist()))

    return pa.table({
        "id": pa.array(ids.astype(str)),
        "name": pa.array(np.char.add(np.char.add("企业", row.astype(str)), "有限公司")),
        "entity_type": coded(np.array(["enterprise"])),
        "region": pa.DictionaryArray.from_arrays(pa.array(region.astype(np.int8)),
                                                 pa.array(REGIONS.tolist())),
        "industry": coded(INDUSTRIES),
        "risk_class": coded(CLASSES, [0.4, 0.45, 0.1, 0.03, 0.02]),
        "last_check_date": pa.array(days.astype("datetime64[ms]"),
                                    mask=rng.random(rows) < 0.3),
    })


def _write_export(folder: str, index: int, first: int, rows: int) -> int:
    pq.write_table(export_table(first, rows), Path(folder) / f"export-{index:05d}.parquet")
    return rows


def exports(targets: int, *, workers: int = 2) -> Path:
    """The cached exports of ``targets`` rows (generated on first use, in parallel)."""
    folder = DATA / f"exports-{targets}"
    done = folder / "done.json"
    if done.is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    starts = range(0, targets, ROWS_PER_FILE)
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        jobs = [pool.submit(_write_export, str(folder), k, lo, min(ROWS_PER_FILE, targets - lo))
                for k, lo in enumerate(starts)]
        written = sum(j.result() for j in jobs)
    done.write_text(json.dumps({"targets": written, "files": len(jobs)}))
    print(f"generated {written:,} targets in {len(jobs)} files: "
          f"{time.perf_counter() - started:.1f} s, {_size(folder) / 1e9:.2f} GB", flush=True)
    return folder


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _peak_rss() -> int:
    """This process's peak resident memory, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _timed(label: str, times: dict[str, float], fn: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = fn()
    times[label] = time.perf_counter() - started
    print(f"  {label:<10} {times[label]:7.1f} s   peak RSS {_peak_rss() / 2**30:5.2f} GiB",
          flush=True)
    return value


def province_file(folder: Path) -> Path:
    """The province's directory as one Parquet file (the exports concatenated, rows in no
    particular id order), written once next to the exports."""
    path = folder.with_name(folder.name + ".parquet")
    if not path.is_file():
        staged = path.with_suffix(".partial")
        with pq.ParquetWriter(staged, pq.read_schema(sorted(folder.glob("*.parquet"))[0]),
                              compression="zstd") as writer:
            for file in sorted(folder.glob("*.parquet")):
                writer.write_table(pq.read_table(file))
        staged.replace(path)
    return path


def load(path: Path) -> TargetDirectory:
    """The directory from one Parquet file (`TargetDirectory.from_parquet`: validated,
    sorted by id)."""
    return TargetDirectory.from_parquet(path)


def province(targets: int) -> dict[str, Any]:
    """Load, digest, draw and verify a ``targets``-row directory in this process."""
    path = province_file(exports(targets))
    print(f"province: {targets:,} targets from {path} ({path.stat().st_size / 1e9:.2f} GB)",
          flush=True)
    times: dict[str, float] = {}
    directory = _timed("load", times, lambda: load(path))
    digest = _timed("digest", times, lambda: directory.digest)
    sample = _timed("draw", times, lambda: draw_targets(directory, DESIGN, seed=SEED,
                                                        purpose="2024/河南省/scale"))
    report = _timed("verify", times, lambda: verify(sample.record, directory))
    assert report.ok, str(report)
    result = {"targets": len(directory), "digest": digest, "drawn": len(sample.selected_ids),
              "seconds": times, "total_seconds": sum(times.values()),
              "peak_rss_gib": _peak_rss() / 2**30}
    print(f"  total      {result['total_seconds']:7.1f} s   peak RSS "
          f"{result['peak_rss_gib']:.2f} GiB; drew {result['drawn']:,}", flush=True)
    return result


def _worker_peaks(client: Any) -> list[float]:
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    return [v / 2**30 for v in peaks.values()]


def nation(targets: int, workers: int, *, resort: bool = False) -> dict[str, Any]:
    """Sort the exports into a dataset and draw from it, on a LocalCluster."""
    from distributed import Client, LocalCluster  # noqa: PLC0415

    from random_inspection.distributed import (  # noqa: PLC0415
        TargetDataset,
        draw_from_dataset,
        sort_dataset,
    )

    folder = exports(targets, workers=workers)
    target = DATA / f"dataset-{targets}"
    print(f"nation: {targets:,} targets, {workers} workers", flush=True)
    result: dict[str, Any] = {"targets": targets, "workers": workers}

    def cluster() -> Any:
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address=":0", memory_limit="10GiB")

    if resort or not (target / "manifest.json").is_file():
        with cluster() as local, Client(local) as client:
            started = time.perf_counter()
            dataset = sort_dataset(folder, target, rows_per_partition=ROWS_PER_FILE,
                                   client=client, overwrite=True)
            result["sort_seconds"] = time.perf_counter() - started
            result["sort_worker_peak_gib"] = _worker_peaks(client)
        print(f"  sort       {result['sort_seconds']:7.1f} s   worker peaks "
              f"{result['sort_worker_peak_gib']} GiB; {len(dataset.partitions)} partitions, "
              f"{_size(target) / 1e9:.2f} GB", flush=True)
    dataset = TargetDataset.open(target)
    stamps: dict[str, float] = {}

    def progress(stage: str, done: int, total: int | None) -> None:
        stamps.setdefault(stage, time.perf_counter())
        if total is not None and done == total:
            stamps[stage + " end"] = time.perf_counter()

    with cluster() as local, Client(local) as client:
        started = time.perf_counter()
        record = draw_from_dataset(dataset, DESIGN, seed=SEED, purpose="2024/全国/scale",
                                   client=client, progress=progress)
        ended = time.perf_counter()
        result["draw_worker_peak_gib"] = _worker_peaks(client)
    scan = stamps["scanning partitions end"] - started
    result.update({
        "scan_seconds": scan,  # digest and eligibility counts: one pass over every partition
        "sample_seconds": stamps["sampling strata end"] - stamps["scanning partitions end"],
        "fetch_seconds": ended - stamps["sampling strata end"],
        "draw_total_seconds": ended - started,
        "digest": record.directory_digest,
        "drawn": len(record.selected_ids),
        "client_peak_rss_gib": _peak_rss() / 2**30,
    })
    print(f"  scan       {scan:7.1f} s   (digest + eligibility counts)\n"
          f"  sample     {result['sample_seconds']:7.1f} s\n"
          f"  fetch      {result['fetch_seconds']:7.1f} s\n"
          f"  draw total {result['draw_total_seconds']:7.1f} s   worker peaks "
          f"{result['draw_worker_peak_gib']} GiB; client peak {result['client_peak_rss_gib']:.2f}"
          f" GiB; drew {result['drawn']:,}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["province", "nation", "generate"])
    parser.add_argument("--targets", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--resort", action="store_true", help="sort again into a dataset")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.what == "province":
        result = province(args.targets or 20_000_000)
    elif args.what == "nation":
        result = nation(args.targets or 100_000_000, args.workers, resort=args.resort)
    else:
        exports(args.targets or 20_000_000, workers=args.workers)
        return 0
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Registry benchmarks: building directories from columns and CSV, digest, memory.

Peers in the same run: pandas building the same table (categoricals for codes, sorted and
indexed by id), and pandas' CSV reader on the same file. Run with ``make bench``, or only the
builds with ``-k build``; quote medians and ratios.

Targets (issue 17): ``from_columns`` at 10^7 within 11x its 10^6 time; a finished directory
at most 40 bytes per target plus its names' bytes; peak memory while building at most 1.5x
the finished directory. Peak memory is measured with `tracemalloc` (numpy reports its
buffers to it): the highest traced total during the build minus the total before it, so the
caller's input columns, allocated earlier, are not counted. The ``extra_info`` of the
``build-memory`` tests holds the numbers; timing under tracemalloc means nothing there.
The machine is shared, so the build tests also record the median CPU time of the process
(``cpu_median_s``), which other processes disturb far less than the wall clock.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from random_inspection import TargetDirectory


def _pandas_frame(columns: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame({
        "id": columns["ids"], "name": columns["names"],
        "entity_type": pd.Categorical(columns["entity_types"]),
        "region": pd.Categorical(columns["regions"]),
        "risk_class": pd.Categorical(columns["risk_classes"]),
        "industry": pd.Categorical(columns["industries"]),
    })
    frame = frame.sort_values("id").set_index("id")
    assert frame.index.is_unique
    return frame


def _sizes(benchmark: Any, d: TargetDirectory) -> None:
    names = int(d._cols.names.nbytes)
    benchmark.extra_info["bytes_per_target_without_names"] = (d.nbytes - names) / len(d)
    benchmark.extra_info["bytes_per_target_with_names"] = d.nbytes / len(d)


def _timed(benchmark: Any, build: Callable[..., Any], rounds: int, **kwargs: Any) -> Any:
    """``benchmark.pedantic`` of ``build(**kwargs)`` after one warm-up round (the first
    allocations of a fresh process fault their pages in), with the median CPU time in
    extra_info."""
    cpu: list[float] = []

    def run() -> Any:
        start = time.process_time()
        result = build(**kwargs)
        cpu.append(time.process_time() - start)
        return result

    result = benchmark.pedantic(run, rounds=rounds, warmup_rounds=1)
    benchmark.extra_info["cpu_median_s"] = statistics.median(cpu[1:])
    return result


def _peak(build: Callable[[], Any]) -> tuple[Any, int]:
    """What ``build()`` returns, and the peak bytes it allocated beyond what existed before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = build()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.mark.benchmark(group="build-1e6")
def test_build_columns_1e6(benchmark: Any, columns_1e6: dict[str, Any]) -> None:
    """TargetDirectory.from_columns at 10^6 (validation, USCC checks, sort by id)."""
    d = _timed(benchmark, TargetDirectory.from_columns, 7, **columns_1e6)
    _sizes(benchmark, d)
    assert len(d) == len(columns_1e6["ids"])


@pytest.mark.benchmark(group="build-1e6")
def test_build_peer_pandas_frame_1e6(benchmark: Any, columns_1e6: dict[str, Any]) -> None:
    """Peer: pandas DataFrame with categoricals, sorted and indexed by id (no validation)."""
    frame = _timed(benchmark, _pandas_frame, 7, columns=columns_1e6)
    benchmark.extra_info["bytes_per_row_deep"] = frame.memory_usage(deep=True).sum() / len(frame)


@pytest.mark.benchmark(group="build-1e7")
def test_build_columns_1e7(benchmark: Any, columns_1e7: dict[str, Any]) -> None:
    """TargetDirectory.from_columns at 10^7."""
    d = _timed(benchmark, TargetDirectory.from_columns, 3, **columns_1e7)
    _sizes(benchmark, d)
    assert len(d) == len(columns_1e7["ids"])


@pytest.mark.benchmark(group="build-1e7")
def test_build_peer_pandas_frame_1e7(benchmark: Any, columns_1e7: dict[str, Any]) -> None:
    """Peer: pandas at 10^7."""
    _timed(benchmark, _pandas_frame, 3, columns=columns_1e7)


@pytest.mark.benchmark(group="build-memory")
@pytest.mark.parametrize("size", ["1e6", "1e7"])
def test_build_memory(benchmark: Any, size: str, request: pytest.FixtureRequest) -> None:
    """Peak traced memory of from_columns over the finished directory's nbytes."""
    columns = request.getfixturevalue(f"columns_{size}")
    d, peak = benchmark.pedantic(_peak, args=(lambda: TargetDirectory.from_columns(**columns),),
                                 rounds=1)
    _sizes(benchmark, d)
    benchmark.extra_info["finished_bytes"] = d.nbytes
    benchmark.extra_info["peak_build_bytes"] = peak
    benchmark.extra_info["peak_over_finished"] = peak / d.nbytes


@pytest.mark.benchmark(group="build-memory")
@pytest.mark.parametrize("size", ["1e6"])
def test_build_memory_peer_pandas(benchmark: Any, size: str,
                                  request: pytest.FixtureRequest) -> None:
    """Peer: peak traced memory of the pandas frame over its deep memory usage."""
    columns = request.getfixturevalue(f"columns_{size}")
    frame, peak = benchmark.pedantic(_peak, args=(lambda: _pandas_frame(columns),), rounds=1)
    deep = int(frame.memory_usage(deep=True).sum())
    benchmark.extra_info["finished_bytes_deep"] = deep
    benchmark.extra_info["peak_build_bytes"] = peak
    benchmark.extra_info["peak_over_finished"] = peak / deep


@pytest.fixture(scope="module")
def csv_1e6(columns_1e6: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The million-row directory written as CSV with Chinese headers."""
    path = tmp_path_factory.mktemp("csv") / "targets.csv"
    TargetDirectory.from_columns(**columns_1e6).to_csv(path, headers="chinese")
    return path


@pytest.mark.benchmark(group="csv-1e6")
def test_from_csv_1e6(benchmark: Any, csv_1e6: Path) -> None:
    """TargetDirectory.from_csv at 10^6 (decode, parse, validate, sort)."""
    d = benchmark.pedantic(TargetDirectory.from_csv, args=(csv_1e6,), rounds=3)
    assert len(d) > 0


@pytest.mark.benchmark(group="csv-1e6")
def test_peer_pandas_read_csv_1e6(benchmark: Any, csv_1e6: Path) -> None:
    """Peer: pandas.read_csv of the same file (parse only, no validation)."""
    benchmark.pedantic(pd.read_csv, args=(csv_1e6,), kwargs={"dtype": str}, rounds=3)


@pytest.mark.benchmark(group="digest-1e6")
def test_digest_1e6(benchmark: Any, columns_1e6: dict[str, Any]) -> None:
    """The canonical digest of a 10^6 directory (computed fresh each round)."""
    d = TargetDirectory.from_columns(**columns_1e6)

    def fresh_digest() -> str:
        d._digest = None
        return d.digest

    benchmark.pedantic(fresh_digest, rounds=3)

"""Issue 17's scale runs as benchmarks (minutes each): skipped unless
``RANDOM_INSPECTION_BENCH_SCALE=1``. The data is generated once under ``benchmarks/.data/``
by ``benchmarks/scale.py`` (see its docstring for the figures it prints).

- the largest province: 2×10^7 targets loaded from Parquet, digest, draw and verify in one
  process (goal: under 60 s, peak RSS under 8 GB);
- the nation's path at 10^7 on a two-worker `LocalCluster`, side by side with the
  single-machine draw of the same data (peers in one run); ``RANDOM_INSPECTION_BENCH_SCALE_N``
  changes the size (e.g. 100000000 for the nation itself).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("RANDOM_INSPECTION_BENCH_SCALE") != "1",
                                reason="scale runs take minutes: set "
                                       "RANDOM_INSPECTION_BENCH_SCALE=1")

sys.path.insert(0, str(Path(__file__).parent))
import scale  # noqa: E402

SIZE = int(os.environ.get("RANDOM_INSPECTION_BENCH_SCALE_N", "10000000"))


def test_province_end_to_end(benchmark: Any) -> None:
    result = benchmark.pedantic(scale.province, args=(20_000_000,), rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    assert result["drawn"] > 0


def test_single_machine_draw_from_parquet(benchmark: Any) -> None:
    """The peer of the next benchmark: load, digest and draw in one process."""

    def run() -> str:
        directory = scale.load(scale.exports(SIZE))
        return scale.draw_targets(directory, scale.DESIGN, seed=scale.SEED,
                                  purpose="2024/全国/scale").record.to_json()

    benchmark.extra_info["record"] = benchmark.pedantic(run, rounds=1, iterations=1)[:80]


def test_dataset_sort_and_draw_on_a_local_cluster(benchmark: Any) -> None:
    result = benchmark.pedantic(scale.nation, args=(SIZE, 2), kwargs={"resort": True},
                                rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    assert result["drawn"] > 0

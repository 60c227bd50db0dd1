"""Analysis benchmarks: replays of the real draw at scale, and π_ij at 10^6 targets.

Replays: 10^4 replays of a 10^5-target design (enterprises, class mix A 40 %, B 45 %,
C 10 %, D 3 %, U 2 %; preset henan-2021 with U at 1 %, floor 3 %: about 3,200 targets per
replay, so about 3.3·10^7 SHA-256 calls in all), with the real spec — streams
``seed,purpose,label``, Rivest's sampler — spread over the machine's 2 cores. Peer, in the
same run: numpy's ``Generator.choice`` per stratum doing the same replays and counts (fast,
not verifiable). A single-process run of 10^3 replays gives the per-core rate.

π_ij: `inclusion_probabilities` of a stratified design on 10^6 targets (frame, allocation,
per-stratum tables), then π_ij of a million random pairs by row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from random_inspection import StratifiedByRisk, TargetDirectory
from random_inspection.analysis import inclusion_probabilities, replay_draws

DESIGN = StratifiedByRisk.from_preset("henan-2021", unclassified="1/100")
REPLAYS = 10_000


@pytest.fixture(scope="module")
def directory_1e5(columns_1e5: dict[str, Any]) -> TargetDirectory:
    """A published directory of 10^5 enterprises (digest computed before any draw)."""
    directory = TargetDirectory.from_columns(**columns_1e5)
    assert directory.digest
    return directory


def numpy_replays(directory: TargetDirectory, replays: int) -> np.ndarray:
    """The peer: the same per-stratum sizes drawn with numpy, the same counts kept."""
    p = inclusion_probabilities(DESIGN, directory)
    sizes = p.outcomes[0].sizes
    rng = np.random.default_rng(31415926535897932384)
    counts = np.zeros(len(directory), dtype=np.int64)
    for h, size in enumerate(sizes):
        rows = np.flatnonzero(p.stratum == h)
        picked = [rng.choice(len(rows), size, replace=False) for _ in range(replays)]
        counts[rows] += np.bincount(np.concatenate(picked), minlength=len(rows))
    return counts


def test_replays_1e4_of_1e5_two_workers(benchmark: Any, directory_1e5: TargetDirectory
                                        ) -> None:
    """10^4 replays of the real draw on 10^5 targets, 2 processes (target: under a minute)."""
    result = benchmark.pedantic(
        lambda: replay_draws(DESIGN, directory_1e5, replays=REPLAYS, rng=1, workers=2),
        rounds=3, iterations=1)
    assert result.counts.sum() == REPLAYS * int(result.probabilities.expected_size)


def test_replays_1e3_of_1e5_one_worker(benchmark: Any, directory_1e5: TargetDirectory
                                       ) -> None:
    """10^3 replays in this process: the per-core rate."""
    result = benchmark.pedantic(
        lambda: replay_draws(DESIGN, directory_1e5, replays=1_000, rng=1),
        rounds=3, iterations=1)
    assert result.replays == 1_000


def test_peer_numpy_choice_1e4_of_1e5(benchmark: Any, directory_1e5: TargetDirectory) -> None:
    """Peer: numpy ``Generator.choice`` per stratum, the same 10^4 replays, one process."""
    counts = benchmark.pedantic(lambda: numpy_replays(directory_1e5, REPLAYS), rounds=3,
                                iterations=1)
    assert counts.sum() > 0


@pytest.fixture(scope="module")
def directory_1e6(columns_1e6: dict[str, Any]) -> TargetDirectory:
    """The 10^6 directory."""
    return TargetDirectory.from_columns(**columns_1e6)


def test_pi_ij_build_1e6(benchmark: Any, directory_1e6: TargetDirectory) -> None:
    """Build the exact π and π_ij tables of a stratified design on 10^6 targets."""
    p = benchmark(inclusion_probabilities, DESIGN, directory_1e6)
    assert p.fixed_size


def test_pi_ij_million_lookups_1e6(benchmark: Any, directory_1e6: TargetDirectory) -> None:
    """π_ij of a million random pairs of a 10^6-target design."""
    p = inclusion_probabilities(DESIGN, directory_1e6)
    rng = np.random.default_rng(5)
    a = rng.integers(0, len(directory_1e6), size=10**6)
    b = rng.integers(0, len(directory_1e6), size=10**6)
    values = benchmark(p.pi_ij_rows, a, b)
    assert values.shape == (10**6,)

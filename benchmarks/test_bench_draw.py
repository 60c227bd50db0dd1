"""Draw benchmarks: the audited stratified draw against peers on the same task, same run.

Task: a directory of N enterprises (class mix A 40 %, B 45 %, C 10 %, D 3 %, U 2 %), preset
henan-2021 with U at 1 %, floor 3 %. Every peer draws the same per-class sizes from the same
strata. Ours includes the frame, allocation, every Rivest selection and the audit record;
the directory digest is computed once when the directory is published (before the seed
exists), so it is outside the timing, as is building the directory. Peers:
numpy's ``Generator.choice`` (fast, not verifiable), cryptorandom (SHA-256 PRNG),
consistent_sampler (SHA-256 tickets for every unit) and samplics (survey sampling).

The floor of any Rivest draw is hashing the counters it consumes. Two bare Python loops hash
exactly the counters our draw consumes (same seed strings, same populations), each counter
``H(seed_string ‖ "," ‖ i) mod N``: the *copied-prefix loop* copies a hash object that has
absorbed ``seed_string ‖ ","`` (``h = base.copy(); h.update(b"%d" % i)``), the *plain loop*
hashes the whole message each time. Issue 17's target: ours, frame, allocation, record and
all, at most 1.3× the copied-prefix loop at 10^6 and 10^7 targets.
"""

from __future__ import annotations

import hashlib
import warnings
from typing import Any

import numpy as np
import pytest

from random_inspection import StratifiedByRisk, TargetDirectory, draw_targets, verify

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import consistent_sampler
    from cryptorandom.cryptorandom import SHA256
    from cryptorandom.sample import random_sample
    from samplics import SampleSelection, SelectMethod

SEED = "31415926535897932384"
DESIGN = StratifiedByRisk.from_preset("henan-2021", unclassified="1/100")


class Task:
    """A published directory, its strata and the sizes our allocation gives."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.directory = TargetDirectory.from_columns(**columns)
        assert self.directory.digest  # published before the draw
        sample = draw_targets(self.directory, DESIGN, seed=SEED, purpose="bench")
        self.record = sample.record
        classes = self.directory.codes("risk_class")
        self.strata = [np.flatnonzero(classes == k) for k in range(5)]
        self.sizes = [s.size for s in sample.allocation.strata]
        self.ids = self.directory.id_array
        # (prefix, counters the draw consumes, population) of every hashed stratum
        self.streams = [(f"{s.seed_string},".encode(), _counters(s.seed_string, s.population,
                                                                   s.size), s.population)
                        for s in self.record.strata if 0 < s.size < s.population]


def _counters(seed_string: str, population: int, size: int) -> int:
    """How many counters Rivest's sampler consumes to draw ``size`` of ``population``."""
    seen: set[int] = set()
    counter = 0
    while len(seen) < size:
        counter += 1
        digest = hashlib.sha256(f"{seed_string},{counter}".encode()).digest()
        seen.add(int.from_bytes(digest, "big") % population)
    return counter


def copied_prefix_loop(task: Task) -> None:
    """Peer: the counters of our draw, hashed from a copied prefix state, reduced mod N."""
    for prefix, counters, population in task.streams:
        base = hashlib.sha256(prefix)
        for i in range(1, counters + 1):
            h = base.copy()
            h.update(b"%d" % i)
            int.from_bytes(h.digest(), "big") % population


def plain_loop(task: Task) -> None:
    """Peer: the same counters, each message hashed whole."""
    for prefix, counters, population in task.streams:
        for i in range(1, counters + 1):
            int.from_bytes(hashlib.sha256(prefix + b"%d" % i).digest(), "big") % population


@pytest.fixture(scope="module")
def task_1e6(columns_1e6: dict[str, Any]) -> Task:
    """The 10^6 task."""
    return Task(columns_1e6)


@pytest.fixture(scope="module")
def task_1e7(columns_1e7: dict[str, Any]) -> Task:
    """The 10^7 task."""
    return Task(columns_1e7)


def ours(task: Task) -> Any:
    return draw_targets(task.directory, DESIGN, seed=SEED, purpose="bench")


def numpy_choice(task: Task) -> list[np.ndarray]:
    classes = task.directory.codes("risk_class")
    rng = np.random.default_rng(31415926535897932384)
    return [rng.choice(np.flatnonzero(classes == k), size, replace=False)
            for k, size in enumerate(task.sizes)]


def cryptorandom_sample(task: Task) -> list[np.ndarray]:
    prng = SHA256(31415926535897932384)
    return [rows[random_sample(len(rows), size, prng=prng)] if size else rows[:0]
            for rows, size in zip(task.strata, task.sizes, strict=True)]


def consistent(task: Task) -> list[list[str]]:
    return [list(consistent_sampler.sampler([x.decode() for x in task.ids[rows].tolist()],
                                            seed=SEED, take=size, output="id"))
            for rows, size in zip(task.strata, task.sizes, strict=True) if size]


def samplics_srs(task: Task) -> Any:
    labels = np.array(list("ABCDU"))[task.directory.codes("risk_class")]
    sizes = dict(zip("ABCDU", task.sizes, strict=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SampleSelection(method=SelectMethod.srs_wor, strat=True, wr=False).select(
            np.arange(len(labels)), sizes, stratum=labels)


@pytest.mark.benchmark(group="draw-1e6")
def test_draw_1e6(benchmark: Any, task_1e6: Task) -> None:
    """Ours at 10^6, with the audit record."""
    sample = benchmark.pedantic(ours, args=(task_1e6,), rounds=15)
    benchmark.extra_info["drawn"] = len(sample.selected_ids)
    benchmark.extra_info["counters"] = sum(c for _, c, _ in task_1e6.streams)


@pytest.mark.benchmark(group="draw-1e6")
def test_verify_1e6(benchmark: Any, task_1e6: Task) -> None:
    """verify() of the recorded draw at 10^6 (directory digest already known)."""
    report = benchmark.pedantic(verify, args=(task_1e6.record, task_1e6.directory), rounds=15)
    assert report.ok


@pytest.mark.benchmark(group="draw-1e6")
def test_peer_copied_prefix_loop_1e6(benchmark: Any, task_1e6: Task) -> None:
    """The counters our draw consumes at 10^6, hashed from a copied prefix in a bare loop."""
    benchmark.pedantic(copied_prefix_loop, args=(task_1e6,), rounds=15)


@pytest.mark.benchmark(group="draw-1e6")
def test_peer_plain_loop_1e6(benchmark: Any, task_1e6: Task) -> None:
    """The same counters, each message hashed whole, in a bare loop."""
    benchmark.pedantic(plain_loop, args=(task_1e6,), rounds=15)


@pytest.mark.benchmark(group="draw-1e6")
def test_peer_numpy_choice_1e6(benchmark: Any, task_1e6: Task) -> None:
    """numpy Generator.choice per stratum (not verifiable)."""
    benchmark.pedantic(numpy_choice, args=(task_1e6,), rounds=5)


@pytest.mark.benchmark(group="draw-1e6")
def test_peer_cryptorandom_1e6(benchmark: Any, task_1e6: Task) -> None:
    """cryptorandom's SHA-256 PRNG, sample_by_index, per stratum."""
    benchmark.pedantic(cryptorandom_sample, args=(task_1e6,), rounds=3)


@pytest.mark.benchmark(group="draw-1e6")
def test_peer_consistent_sampler_1e6(benchmark: Any, task_1e6: Task) -> None:
    """consistent_sampler per stratum (one SHA-256 ticket per unit)."""
    benchmark.pedantic(consistent, args=(task_1e6,), rounds=1)


@pytest.mark.benchmark(group="draw-1e6")
def test_peer_samplics_1e6(benchmark: Any, task_1e6: Task) -> None:
    """samplics stratified SRS without replacement."""
    benchmark.pedantic(samplics_srs, args=(task_1e6,), rounds=3)


@pytest.mark.benchmark(group="draw-1e7")
def test_draw_1e7(benchmark: Any, task_1e7: Task) -> None:
    """Ours at 10^7, with the audit record."""
    benchmark.pedantic(ours, args=(task_1e7,), rounds=5)
    benchmark.extra_info["counters"] = sum(c for _, c, _ in task_1e7.streams)


@pytest.mark.benchmark(group="draw-1e7")
def test_verify_1e7(benchmark: Any, task_1e7: Task) -> None:
    """verify() at 10^7."""
    benchmark.pedantic(verify, args=(task_1e7.record, task_1e7.directory), rounds=5)


@pytest.mark.benchmark(group="draw-1e7")
def test_peer_copied_prefix_loop_1e7(benchmark: Any, task_1e7: Task) -> None:
    """The counters our draw consumes at 10^7, hashed from a copied prefix in a bare loop."""
    benchmark.pedantic(copied_prefix_loop, args=(task_1e7,), rounds=5)


@pytest.mark.benchmark(group="draw-1e7")
def test_peer_plain_loop_1e7(benchmark: Any, task_1e7: Task) -> None:
    """The same counters, each message hashed whole, in a bare loop."""
    benchmark.pedantic(plain_loop, args=(task_1e7,), rounds=5)


@pytest.mark.benchmark(group="draw-1e7")
def test_peer_numpy_choice_1e7(benchmark: Any, task_1e7: Task) -> None:
    """numpy Generator.choice per stratum at 10^7."""
    benchmark.pedantic(numpy_choice, args=(task_1e7,), rounds=3)


@pytest.mark.benchmark(group="draw-1e7")
def test_peer_cryptorandom_1e7(benchmark: Any, task_1e7: Task) -> None:
    """cryptorandom at 10^7."""
    benchmark.pedantic(cryptorandom_sample, args=(task_1e7,), rounds=2)


@pytest.mark.benchmark(group="draw-1e7")
def test_peer_samplics_1e7(benchmark: Any, task_1e7: Task) -> None:
    """samplics at 10^7."""
    benchmark.pedantic(samplics_srs, args=(task_1e7,), rounds=2)

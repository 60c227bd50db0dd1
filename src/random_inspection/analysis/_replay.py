"""The target draw replayed over many seeds: the real spec (allocation, streams
``seed,purpose,label``, Rivest's sampler over SHA-256 or SM3), vectorised and in parallel.

Per stratum the work that does not depend on the seed is done once (populations, sizes, the
rounding's thresholds, the counters' text); per replay only the hashing is left, and it runs
as one C-level pass over the counters (``map`` of the hash over ``prefix + counter``), the
256-bit integers are reduced modulo N_h with numpy (Horner's rule over eight 32-bit words),
and the first n_h distinct positions are found with one ``np.unique``.
"""

from __future__ import annotations

import functools
import hashlib
import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._errors import InvalidValueError
from ..registry import TargetDirectory
from ..sampling import Seed
from ..sampling._rivest import hash_function
from ._domains import domains_of
from ._probabilities import LABELS, InclusionProbabilities
from ._source import Source, resolve

__all__ = ["Replays", "replay_draws", "replay_selection"]

_HASH_OBJECT = type(hashlib.sha256())
_COUNTERS: list[bytes] = []  # b"1", b"2", … shared by every stream (grown on demand)


def _counters(stop: int) -> list[bytes]:
    if len(_COUNTERS) < stop:
        _COUNTERS.extend(b"%d" % i for i in range(len(_COUNTERS) + 1, stop + 1))
    return _COUNTERS


def _hasher(hash_name: str) -> Callable[[bytes], Any]:
    hash_function(hash_name)  # refuses unknown or unavailable hashes
    if hash_name == "sha256":
        return hashlib.sha256
    return functools.partial(hashlib.new, hash_name)


def _digests(hasher: Callable[[bytes], Any], prefix: bytes, start: int, stop: int) -> bytes:
    """H(prefix ‖ decimal(i)) for i = start+1 .. stop, concatenated (C-level loop)."""
    counters = _counters(stop)[start:stop]
    return b"".join(map(_HASH_OBJECT.digest, map(hasher, map(prefix.__add__, counters))))


def _reduce(digests: bytes, population: int) -> npt.NDArray[np.int64]:
    """Each 32-byte digest as a big-endian integer modulo ``population`` (0-based)."""
    if population > 2**32:  # beyond Horner's rule in 64 bits: Python integers
        out = [int.from_bytes(digests[k:k + 32], "big") % population
               for k in range(0, len(digests), 32)]
        return np.array(out, dtype=np.int64)
    words = np.frombuffer(digests, dtype=">u4").reshape(-1, 8).astype(np.uint64)
    n = np.uint64(population)
    shift = np.uint64(32)
    r = words[:, 0] % n
    for k in range(1, 8):  # r < N ≤ 2^32, so r·2^32 + w < 2^64
        r = ((r << shift) | words[:, k]) % n
    return r.astype(np.int64)


@functools.lru_cache(maxsize=256)
def _draws_expected(population: int, size: int) -> int:
    """Counters enough for ``size`` distinct positions of ``population`` almost always:
    the mean of Σ N/(N − k) plus four standard deviations (more are hashed if needed)."""
    k = np.arange(size, dtype=float)
    p = k / population
    mean = float(np.sum(1.0 / (1.0 - p)))
    var = float(np.sum(p / (1.0 - p) ** 2))
    return math.ceil(mean + 4.0 * math.sqrt(var) + 4)


def _sample(hasher: Callable[[bytes], Any], prefix: bytes, population: int, size: int
            ) -> npt.NDArray[np.int64]:
    """Spec §4: the first ``size`` distinct positions (0-based) in draw order."""
    stop = _draws_expected(population, size)
    positions = _reduce(_digests(hasher, prefix, 0, stop), population)
    while True:
        _, first = np.unique(positions, return_index=True)
        if len(first) >= size:
            break
        more = max(stop // 2, 16)
        positions = np.concatenate([positions, _reduce(
            _digests(hasher, prefix, stop, stop + more), population)])
        stop += more
    first.sort()
    result: npt.NDArray[np.int64] = positions[first[:size]]
    return result


def _scaled_ceiling(start: Fraction) -> int:
    """ceil(start · 2^256): u = X / 2^256 is at least ``start`` exactly when X is at least
    this integer."""
    return -(-start.numerator * 2**256 // start.denominator)


@attrs.frozen
class _Plan:
    """What every replay shares: populations, the size outcomes and how the rounding's
    integer X picks one (X ≥ ceil(start·2^256) for the outcome's start)."""

    purpose: str
    hash_name: str
    populations: tuple[int, ...]
    sizes: tuple[tuple[int, ...], ...]
    thresholds: tuple[int, ...]

    @classmethod
    def of(cls, probabilities: InclusionProbabilities, purpose: str, hash_name: str
           ) -> _Plan:
        outcomes = probabilities.outcomes
        thresholds = tuple(_scaled_ceiling(o.start) for o in outcomes[1:])
        return cls(purpose, hash_name, probabilities.populations,
                   tuple(o.sizes for o in outcomes), thresholds)

    def draw(self, seed: str) -> tuple[int, list[npt.NDArray[np.int64]]]:
        """One replay: the size outcome's index and each stratum's positions (0-based,
        draw order; a certainty stratum in canonical order)."""
        hasher = _hasher(self.hash_name)
        outcome = 0
        if self.thresholds:
            text = f"{seed},{self.purpose},rounding,1".encode()
            outcome = bisect_right(self.thresholds,
                                   int.from_bytes(_HASH_OBJECT.digest(hasher(text)), "big"))
        strata = []
        for label, population, size in zip(LABELS, self.populations, self.sizes[outcome],
                                           strict=True):
            if size == population:
                strata.append(np.arange(population, dtype=np.int64))
            elif size == 0:
                strata.append(np.zeros(0, dtype=np.int64))
            else:
                prefix = f"{seed},{self.purpose},{label},".encode()
                strata.append(_sample(hasher, prefix, population, size))
        return outcome, strata

    def tally(self, seeds: Sequence[str]) -> tuple[list[npt.NDArray[np.int64]], list[int]]:
        """Selection counts per stratum position and outcome counts over ``seeds``."""
        picked: list[list[npt.NDArray[np.int64]]] = [[] for _ in self.populations]
        outcomes = [0] * len(self.sizes)
        for seed in seeds:
            outcome, strata = self.draw(seed)
            outcomes[outcome] += 1
            for bucket, positions in zip(picked, strata, strict=True):
                bucket.append(positions)
        counts = [np.bincount(np.concatenate(b), minlength=n).astype(np.int64) if b
                  else np.zeros(n, dtype=np.int64)
                  for b, n in zip(picked, self.populations, strict=True)]
        return counts, outcomes


_WORKER_PLAN: list[_Plan] = []


def _start_worker(plan: _Plan) -> None:
    _WORKER_PLAN[:] = [plan]


def _tally_in_worker(seeds: Sequence[str]) -> tuple[list[npt.NDArray[np.int64]], list[int]]:
    return _WORKER_PLAN[0].tally(seeds)


def _seed_values(seeds: Sequence[Seed | str] | None, replays: int | None, rng: Any,
                 ) -> tuple[str, ...]:
    if seeds is not None:
        if isinstance(seeds, str):
            raise InvalidValueError("replay_draws", "seeds", seeds, "is one string",
                                    "pass a list of seeds, e.g. [seed_1, seed_2]")
        return tuple(s.value if isinstance(s, Seed) else Seed(s).value for s in seeds)
    if replays is None or isinstance(replays, bool) or not isinstance(replays, int) \
            or replays < 1:
        raise InvalidValueError("replay_draws", "replays", replays, "is not a positive count",
                                "ask for a number of replays, e.g. replays=10_000")
    generator = np.random.default_rng(rng)
    # Fresh simulation seeds (32 hex digits, valid draw-spec seeds); never the record's.
    return tuple(generator.bytes(16).hex() for _ in range(replays))


@attrs.frozen(eq=False, repr=False)
class Replays:
    """Selection counts of the real target draw replayed over many seeds.

    Attributes:
        probabilities: The design's exact `InclusionProbabilities` (what the counts should
            match).
        counts: Per target in canonical order (``directory.ids``): replays that drew it.
        seeds: The replays' seeds (simulation seeds, not the published one).
        purpose: The stream purpose used (the record's, unless another was given).
        hash_name: ``"sha256"`` or ``"sm3"``.
        outcome_counts: Replays per stratum-size outcome (`InclusionProbabilities.outcomes`).
    """

    probabilities: InclusionProbabilities
    counts: npt.NDArray[np.int64]
    seeds: tuple[str, ...]
    purpose: str
    hash_name: str
    outcome_counts: tuple[int, ...]

    @property
    def replays(self) -> int:
        """R, the number of replays."""
        return len(self.seeds)

    @property
    def directory(self) -> TargetDirectory:
        """The directory drawn from."""
        return self.probabilities.directory

    def by_target(self) -> pd.DataFrame:
        """Per target: risk class, π, selections, expected selections Rπ and the rate."""
        table = self.probabilities.targets()
        table["count"] = self.counts
        table["expected"] = self.replays * table["pi"]
        table["rate"] = self.counts / self.replays
        return table

    def by_domain(self, by: str) -> pd.DataFrame:
        """Per domain of ``by`` (see `DOMAIN_FIELDS`): eligible targets, selections over all
        replays, and the expected number R·Σπ_i."""
        domains = domains_of(self.directory, by)
        eligible = (self.probabilities.stratum >= 0).astype(float)
        return pd.DataFrame({
            "label": list(domains.labels),
            "targets": domains.counts(eligible).astype(np.int64),
            "count": domains.counts(self.counts).round().astype(np.int64),
            "expected": self.replays * domains.counts(self.probabilities.pi()),
        }, index=pd.Index(domains.names, name=by))

    def __repr__(self) -> str:
        total = int(self.counts.sum())
        expected = float(self.probabilities.expected_size) * self.replays
        return (f"<Replays: {self.replays:,} replays of {type(self.probabilities.design).__name__}"
                f" on {len(self.counts):,} targets ({self.hash_name}, purpose "
                f"{self.purpose!r}): {total:,} selections, {expected:,.1f} expected>")


def replay_selection(source: Source, seed: Seed | str, directory: TargetDirectory | None = None,
                     *, purpose: str | None = None, hash_name: str | None = None
                     ) -> tuple[str, ...]:
    """The ids one replay selects (strata in class order, each in draw order) — the same as
    ``draw_targets(...).selected_ids`` for that seed, computed the vectorised way."""
    resolved = resolve(source, directory, "replay_selection", purpose=purpose,
                       hash_name=hash_name)
    probabilities = InclusionProbabilities.build(resolved.directory, resolved.design)
    plan = _Plan.of(probabilities, resolved.purpose, resolved.hash_name)
    value = seed.value if isinstance(seed, Seed) else Seed(seed).value
    _, strata = plan.draw(value)
    ids = resolved.directory.ids
    out: list[str] = []
    for h, positions in enumerate(strata):
        rows = np.flatnonzero(probabilities.stratum == h)
        out.extend(ids[rows[positions]].tolist())
    return tuple(out)


def replay_draws(source: Source, directory: TargetDirectory | None = None, *,
                 replays: int | None = 1000, seeds: Sequence[Seed | str] | None = None,
                 rng: Any = None, workers: int = 1, chunk_size: int | None = None,
                 purpose: str | None = None, hash_name: str | None = None) -> Replays:
    """Replay the real target draw over many seeds and count every target's selections.

    Each replay is `draw_targets` with another seed: the same frame, allocation (with the
    class-weighted rounding read from ``seed,purpose,rounding``) and Rivest's sampler per
    stratum over ``seed,purpose,<class>`` — only the seed changes, so the counts estimate
    the design's inclusion probabilities, and a test on them tests the procedure itself.

    Parameters
    ----------
    source
        A `Sample`, an `AuditRecord` (with ``directory``), or a design (with ``directory``).
    directory
        The target directory (not needed for a `Sample`).
    replays
        R, how many seeds to draw from ``rng`` (ignored when ``seeds`` is given).
    seeds
        The replays' seeds, explicitly (each a `Seed` or a valid seed string).
    rng
        A numpy Generator or seed for the replays' seeds (SPEC 7); never the record's seed.
    workers
        Processes to spread the replays over (`concurrent.futures.ProcessPoolExecutor`);
        1 runs them here. The counts do not depend on it.
    chunk_size
        Seeds per task sent to a worker (default: about four tasks per worker).
    purpose, hash_name
        Override the record's purpose and hash (a design alone uses ``analysis/replay``
        and SHA-256).

    Returns
    -------
    Replays
        Counts per target (`Replays.by_target`) and per domain (`Replays.by_domain`).
    """
    resolved = resolve(source, directory, "replay_draws", purpose=purpose, hash_name=hash_name)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidValueError("replay_draws", "workers", workers, "is not a positive count",
                                "use workers=1 (here) or up to the number of CPU cores")
    values = _seed_values(seeds, replays, rng)
    probabilities = InclusionProbabilities.build(resolved.directory, resolved.design)
    plan = _Plan.of(probabilities, resolved.purpose, resolved.hash_name)
    if workers == 1 or len(values) < 2:
        results = [plan.tally(values)]
    else:
        size = chunk_size or max(1, math.ceil(len(values) / (4 * workers)))
        chunks = [values[k:k + size] for k in range(0, len(values), size)]
        with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                                 initargs=(plan,)) as pool:
            results = list(pool.map(_tally_in_worker, chunks))
    counts = np.zeros(len(probabilities.stratum), dtype=np.int64)
    outcomes = [0] * len(probabilities.outcomes)
    for h in range(len(LABELS)):
        rows = np.flatnonzero(probabilities.stratum == h)
        for stratum_counts, _ in results:
            counts[rows] += stratum_counts[h]
    for _, tally in results:
        outcomes = [a + b for a, b in zip(outcomes, tally, strict=True)]
    counts.flags.writeable = False
    return Replays(probabilities, counts, values, resolved.purpose, resolved.hash_name,
                   tuple(outcomes))

"""Exact first- and second-order inclusion probabilities of a target draw (spec §6-§8).

Within a risk-class stratum the draw is simple random sampling without replacement (Rivest's
sampler over the stratum's canonical order, with H taken as a random oracle); strata are
drawn from independent streams. So every pair probability is a function of the two targets'
strata only, and a design of 10^6 targets is described by five stratum sizes, a 5×5 table
and the distribution of the stratum sizes — never an N×N matrix.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._errors import InvalidValueError, UnknownIdError
from ..registry import RiskClass, TargetDirectory
from ..sampling import Allocation, ClassWeighted, Design
from ._source import Source, resolve

__all__ = ["InclusionProbabilities", "SizeOutcome", "inclusion_probabilities",
           "size_outcomes"]

CLASSES = tuple(RiskClass)
LABELS = tuple(c.code for c in CLASSES)
#: Column and index labels shown to users (风险分类: the credit-risk class).
RISK_CLASS_LABEL = "风险分类"


@attrs.frozen
class SizeOutcome:
    """One possible vector of stratum sizes and its exact probability.

    For a `ClassWeighted` design the sizes depend on the rounding's uniform start ``u``
    (spec §7.2): every ``u`` in ``[start, end)`` gives these sizes, so the probability is
    ``end - start``. A `StratifiedByRisk` design has one outcome, ``[0, 1)``.

    Attributes:
        start: Least ``u`` of the interval (exact).
        end: Its upper end, excluded (exact).
        sizes: n_h for A, B, C, D, U.
    """

    start: Fraction
    end: Fraction
    sizes: tuple[int, ...]

    @property
    def probability(self) -> Fraction:
        """``end - start``: the chance of this outcome (u uniform on [0, 1))."""
        return self.end - self.start


def _allocation_at(design: Design, populations: dict[str, int], u: Fraction) -> Allocation:
    return design.allocate(populations, lambda: u)


def size_outcomes(design: Design, populations: dict[str, int]) -> tuple[SizeOutcome, ...]:
    """Every vector of stratum sizes the design can give for these populations, with its
    probability (spec §7.2).

    Systematic randomized rounding rounds class h up when some integer j has
    ``L_h ≤ u + j < U_h``; as a function of ``u`` each class's rounding changes only at
    ``frac(L_h)`` and ``frac(U_h)``, so the sizes are constant between consecutive such
    points. Each interval's sizes come from the design's own `allocate` at the interval's
    left end (the half-open intervals make the left end representative), so this is the
    library's rule itself, not a copy of it.
    """
    first = _allocation_at(design, populations, Fraction(0))
    if not isinstance(design, ClassWeighted) or not any(
            a.code == "rounded" for a in first.adjustments):
        return (SizeOutcome(Fraction(0), Fraction(1), tuple(s.size for s in first.strata)),)
    parts = [s.inclusion_probability * s.population - math.floor(
        s.inclusion_probability * s.population) for s in first.strata]
    points = {Fraction(0)}
    low = Fraction(0)
    for part in parts:
        high = low + part
        points.update({low - math.floor(low), high - math.floor(high)})
        low = high
    bounds = [*sorted(points), Fraction(1)]
    outcomes: list[SizeOutcome] = []
    for start, end in itertools.pairwise(bounds):
        sizes = tuple(s.size for s in _allocation_at(design, populations, start).strata)
        if outcomes and outcomes[-1].sizes == sizes:  # merge neighbours with equal sizes
            outcomes[-1] = attrs.evolve(outcomes[-1], end=end)
        else:
            outcomes.append(SizeOutcome(start, end, sizes))
    return tuple(outcomes)


def _pair_table(populations: Sequence[int], outcomes: Sequence[SizeOutcome]
                ) -> tuple[tuple[Fraction, ...], ...]:
    """π_hg for two distinct targets of strata h and g (π_hh on the diagonal):
    E[n_h(n_h − 1)]/(N_h(N_h − 1)) within a stratum, E[n_h n_g]/(N_h N_g) across."""
    k = len(populations)
    table = [[Fraction(0)] * k for _ in range(k)]
    for h in range(k):
        for g in range(k):
            big_h, big_g = populations[h], populations[g]
            if h == g:
                if big_h < 2:
                    continue
                table[h][h] = sum((o.probability * o.sizes[h] * (o.sizes[h] - 1)
                                   for o in outcomes), Fraction(0)) / (big_h * (big_h - 1))
            elif big_h and big_g:
                table[h][g] = sum((o.probability * o.sizes[h] * o.sizes[g]
                                   for o in outcomes), Fraction(0)) / (big_h * big_g)
    return tuple(tuple(row) for row in table)


@attrs.frozen(eq=False, repr=False)
class InclusionProbabilities:
    """Exact first- and second-order inclusion probabilities of a design on a directory.

    For targets i ≠ j in strata h and g (Särndal, Swensson & Wretman 1992, *Model Assisted
    Survey Sampling*, §3.3, stratified simple random sampling without replacement):

    - π_i = E[n_h] / N_h;
    - π_ij = E[n_h (n_h − 1)] / (N_h (N_h − 1)) when h = g;
    - π_ij = E[n_h n_g] / (N_h N_g) when h ≠ g,

    the expectations over `outcomes`, the exact distribution of the stratum sizes. With fixed
    sizes (`StratifiedByRisk`) these are n_h(n_h − 1)/(N_h(N_h − 1)) and π_i π_j. With
    `ClassWeighted` the sizes move together through the one rounding start, so targets of
    different classes are not independent: π_ij ≠ π_i π_j in general.

    Everything is held per stratum (five sizes, a 5×5 table, the size outcomes), so a
    directory of 10^6 or 10^8 targets costs one byte per target (its stratum).

    Attributes:
        directory: The directory the design draws from.
        design: The design.
        stratum: Per target in canonical order: its class index (0-4 for A-U), or -1 when
            it is not eligible (out of scope or excluded: π = 0).
        populations: N_h for A, B, C, D, U.
        first_order: π_h for A, B, C, D, U (exact; 0 for an empty stratum).
        second_order: π_hg as a 5×5 table (exact; rows and columns A-U).
        outcomes: The stratum sizes' exact distribution (`SizeOutcome`).
    """

    directory: TargetDirectory
    design: Design
    stratum: npt.NDArray[np.int8]
    populations: tuple[int, ...]
    first_order: tuple[Fraction, ...]
    second_order: tuple[tuple[Fraction, ...], ...]
    outcomes: tuple[SizeOutcome, ...]

    @classmethod
    def build(cls, directory: TargetDirectory, design: Design) -> InclusionProbabilities:
        """Compute the probabilities of ``design`` on ``directory`` (no draw is made)."""
        eligible, _ = design.eligibility(directory)
        classes = directory.codes("risk_class")
        stratum = np.where(eligible, classes.astype(np.int8), np.int8(-1)).astype(np.int8)
        counts = np.bincount(stratum[stratum >= 0], minlength=len(CLASSES))
        populations = {c: int(n) for c, n in zip(LABELS, counts.tolist(), strict=True)}
        if not any(populations.values()):
            raise InvalidValueError("inclusion_probabilities", "design",
                                    design.to_dict().get("scope"),
                                    "leaves no target of the directory eligible: there is no "
                                    "draw to describe", "widen the scope or relax the exclusions")
        outcomes = size_outcomes(design, populations)
        pops = tuple(populations[c] for c in LABELS)
        first = tuple(sum((o.probability * o.sizes[h] for o in outcomes), Fraction(0)) / n
                      if n else Fraction(0) for h, n in enumerate(pops))
        stratum.flags.writeable = False
        return cls(directory, design, stratum, pops, first, _pair_table(pops, outcomes),
                   outcomes)

    # --- lookups ------------------------------------------------------------------------

    def _row(self, target_id: str) -> int:
        row = self.directory._row_of(target_id, "InclusionProbabilities")
        if row < 0:
            raise UnknownIdError("InclusionProbabilities", [target_id])
        return row

    def pi_i(self, target_id: str) -> Fraction:
        """π_i of one target, exactly (0 when it is not eligible)."""
        h = int(self.stratum[self._row(target_id)])
        return Fraction(0) if h < 0 else self.first_order[h]

    def pi_ij(self, i: str, j: str) -> Fraction:
        """π_ij: the exact probability that targets ``i`` and ``j`` are both drawn
        (π_ii = π_i)."""
        row_i, row_j = self._row(i), self._row(j)
        if row_i == row_j:
            return self.pi_i(i)
        h, g = int(self.stratum[row_i]), int(self.stratum[row_j])
        return Fraction(0) if h < 0 or g < 0 else self.second_order[h][g]

    def pi(self) -> npt.NDArray[np.float64]:
        """π for every target, aligned with ``directory.ids`` (floats)."""
        table = np.array([float(p) for p in self.first_order] + [0.0])
        result: npt.NDArray[np.float64] = table[self.stratum]
        return result

    def pi_ij_rows(self, rows_i: npt.ArrayLike, rows_j: npt.ArrayLike
                   ) -> npt.NDArray[np.float64]:
        """π_ij for many pairs at once, by canonical row numbers (floats; π_ii = π_i).

        A million pairs take a few milliseconds: two lookups in a 6×6 table.
        """
        a = np.asarray(rows_i, dtype=np.intp)
        b = np.asarray(rows_j, dtype=np.intp)
        n = len(self.stratum)
        if a.shape != b.shape or (a.size and (min(a.min(), b.min()) < 0
                                              or max(a.max(), b.max()) >= n)):
            raise InvalidValueError("InclusionProbabilities.pi_ij_rows", "rows",
                                    f"shapes {a.shape} and {b.shape}",
                                    f"must be equal shapes of rows in 0..{n - 1}",
                                    "pass row numbers of directory.ids, e.g. "
                                    "directory.positions(ids)")
        table = np.zeros((len(CLASSES) + 1, len(CLASSES) + 1))
        table[:-1, :-1] = [[float(x) for x in row] for row in self.second_order]
        h, g = self.stratum[a], self.stratum[b]
        out: npt.NDArray[np.float64] = table[h, g]
        same = a == b
        out[same] = self.pi()[a[same]] if same.any() else out[same]
        return out

    # --- summaries ----------------------------------------------------------------------

    @property
    def expected_size(self) -> Fraction:
        """E[n] = Σ_i π_i = Σ_h N_h π_h."""
        return sum((p * n for p, n in zip(self.first_order, self.populations, strict=True)),
                   Fraction(0))

    @property
    def fixed_size(self) -> bool:
        """Whether every outcome draws the same total (then Σ_{j≠i} π_ij = (n − 1) π_i)."""
        return len({sum(o.sizes) for o in self.outcomes}) == 1

    def size_moments(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """E[n_h] and Cov(n_h, n_g) of the stratum sizes (floats, classes A-U)."""
        p = np.array([float(o.probability) for o in self.outcomes])
        sizes = np.array([o.sizes for o in self.outcomes], dtype=float)
        mean = p @ sizes
        centred = sizes - mean
        return mean, (centred * p[:, None]).T @ centred

    def strata(self) -> pd.DataFrame:
        """One row per risk class (风险分类): N_h, π_h, within-stratum π_hh, E[n_h] and
        Var(n_h)."""
        mean, cov = self.size_moments()
        return pd.DataFrame({
            RISK_CLASS_LABEL: [c.label_zh for c in CLASSES],
            "population": list(self.populations),
            "pi": [float(p) for p in self.first_order],
            "pi_within": [float(self.second_order[h][h]) for h in range(len(CLASSES))],
            "expected_size": mean,
            "size_variance": np.diag(cov),
        }, index=pd.Index(LABELS, name="risk_class"))

    def joint_table(self) -> pd.DataFrame:
        """π_hg as a 5×5 table of floats (rows and columns: risk classes A-U)."""
        return pd.DataFrame([[float(x) for x in row] for row in self.second_order],
                            index=pd.Index(LABELS, name="risk_class"),
                            columns=pd.Index(LABELS, name="risk_class"))

    def size_distribution(self) -> pd.DataFrame:
        """The exact distribution of stratum sizes: one row per outcome, with the interval
        of rounding starts ``u`` that gives it and its probability."""
        return pd.DataFrame({
            "u_from": [str(o.start) for o in self.outcomes],
            "u_to": [str(o.end) for o in self.outcomes],
            "probability": [float(o.probability) for o in self.outcomes],
            **{c: [o.sizes[h] for o in self.outcomes] for h, c in enumerate(LABELS)},
        })

    def targets(self) -> pd.DataFrame:
        """π for every target: id, risk class (风险分类), eligibility and π (floats)."""
        codes = self.directory.codes("risk_class")
        return pd.DataFrame({
            "risk_class": np.array(LABELS, dtype=object)[codes],
            "eligible": self.stratum >= 0,
            "pi": self.pi(),
        }, index=pd.Index(self.directory.ids, name="id"))

    def __repr__(self) -> str:
        kind = type(self.design).__name__
        lines = [f"<InclusionProbabilities of {kind} on {len(self.stratum):,} targets: "
                 f"{sum(self.populations):,} eligible, E[n] = {float(self.expected_size):,.2f}"
                 f"{'' if self.fixed_size else ' (random total)'}, "
                 f"{len(self.outcomes)} size outcome(s)>"]
        for h, c in enumerate(LABELS):
            if self.populations[h]:
                lines.append(f"  {c} N={self.populations[h]:,} π={float(self.first_order[h]):.6g}"
                             f" π_hh={float(self.second_order[h][h]):.6g}")
        return "\n".join(lines)

    # --- domain totals ------------------------------------------------------------------

    def domain_moments(self, cells: npt.NDArray[np.intp], incidence: npt.NDArray[np.float64]
                       ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Mean and covariance of the number of drawn targets in each domain, per draw.

        ``cells``: per target (canonical order) a cell number; ``incidence``: cells × domains,
        1 where a cell belongs to a domain (domains may overlap, e.g. tags). With A_h the
        domain counts of stratum h and C_h = Mᵀ diag(cells of h) M their overlaps,

            Cov(Y) = Σ_h (π_h − π_hh) C_h + Σ_{h,g} (π_hg − π_h π_g) A_h A_gᵀ,
            E[Y] = Σ_h π_h A_h,

        which is Σ_{i∈D, j∈E} (π_ij − π_i π_j) written per stratum.
        """
        k = incidence.shape[0]
        eligible = self.stratum >= 0
        joint = np.zeros((len(CLASSES), k))
        np.add.at(joint, (self.stratum[eligible], cells[eligible]), 1.0)
        a = joint @ incidence  # strata × domains
        pi = np.array([float(p) for p in self.first_order])
        # κ_hg = π_hg − π_h π_g in exact arithmetic, so that a fixed total's zero variance
        # comes out as zero and not as the rounding error of a difference of large terms.
        kappa = np.array([[float(self.second_order[h][g] - self.first_order[h]
                                 * self.first_order[g]) for g in range(len(CLASSES))]
                          for h in range(len(CLASSES))])
        cov = a.T @ kappa @ a
        for h in range(len(CLASSES)):
            if joint[h].any():
                weight = float(self.first_order[h] - self.second_order[h][h])
                cov += weight * (incidence.T * joint[h]) @ incidence
        return pi @ a, cov


def inclusion_probabilities(source: Source, directory: TargetDirectory | None = None
                            ) -> InclusionProbabilities:
    """Exact first- and second-order inclusion probabilities of a draw's design.

    Parameters
    ----------
    source
        A `Sample`; an `AuditRecord` (its design is read from the record) with the
        ``directory`` it names; or a `StratifiedByRisk` / `ClassWeighted` design with the
        ``directory`` it would draw from.
    directory
        The target directory (not needed for a `Sample`). For a record its digest must be
        the record's.

    Returns
    -------
    InclusionProbabilities
        π_i, π_ij (`InclusionProbabilities.pi_ij`, `pi_ij_rows`), per-stratum tables and the
        exact distribution of stratum sizes.

    Example
    -------
    >>> from random_inspection import StratifiedByRisk
    >>> from random_inspection.demo import demo_city
    >>> city = demo_city(n_targets=2_000)
    >>> p = inclusion_probabilities(StratifiedByRisk.from_preset("henan-2021"), city.targets)
    >>> p.fixed_size
    True
    """
    resolved = resolve(source, directory, "inclusion_probabilities")
    return InclusionProbabilities.build(resolved.directory, resolved.design)

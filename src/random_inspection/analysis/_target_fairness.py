"""Fairness of the target draw: selection frequencies over replays against the exact π, by
target and by domain, and a single published draw's spread against the design."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from .._errors import InvalidValueError
from ..registry import TargetDirectory
from ._domains import Domains, domains_of
from ._probabilities import CLASSES, InclusionProbabilities
from ._replay import Replays
from ._source import Source, resolve
from ._verdict import FairnessReport, TestResult, Verdict, bonferroni, check_level

__all__ = ["DEFAULT_DOMAINS", "draw_fairness", "target_fairness"]

#: Domains checked by default: counties, industries, supervising offices, risk classes.
DEFAULT_DOMAINS = ("county", "industry", "supervising_office", "risk_class")
_TOLERANCE = 1e-9


def _fields(by: str | Sequence[str], where: str) -> tuple[str, ...]:
    fields = (by,) if isinstance(by, str) else tuple(by)
    if not all(isinstance(f, str) for f in fields):
        raise InvalidValueError(where, "by", by, "is not a list of field names",
                                "e.g. by=('county', 'industry')")
    return fields


def _pinv(cov: npt.NDArray[np.float64], scale: float
          ) -> tuple[npt.NDArray[np.float64], int, npt.NDArray[np.float64]]:
    """Pseudo-inverse of a covariance, its rank, and a basis of its null space; eigenvalues
    below ``scale``·1e-11 (``scale`` bounds the variances' terms) count as zero."""
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    keep = values > max(scale, 1e-300) * 1e-11 * max(len(values), 1)
    inverse = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T
    return inverse, int(keep.sum()), vectors[:, ~keep]


# --- over replays: targets -----------------------------------------------------------------

def _targets_chi2(p: InclusionProbabilities, counts: npt.NDArray[np.int64], runs: int
                  ) -> tuple[TestResult, int]:
    """The (1 − π)-corrected χ² over targets with the exact covariance of the design.

    Per draw, the indicators of stratum h have variance v_h = π_h(1 − π_h) and pairwise
    covariance κ_h = π_hh − π_h² within the stratum, κ_hg = π_hg − π_h π_g across. So the
    covariance is (π_h − π_hh)·I on each stratum's contrasts (sum zero) and Cov(n_h, n_g)
    on the stratum totals. With d = c − Rπ:

        X = Σ_h ‖d_h − mean(d_h)‖² / (R(π_h − π_hh)) + tᵀ (R·Cov(n/√N))⁺ t,  t_h = Σd_h/√N_h,

    χ² on Σ_h (N_h − 1) + rank Cov(n) degrees of freedom as R grows. For fixed sizes the
    second part vanishes and the first is the project's ``(N−1)/N · Σ (c−Rπ)²/(Rπ(1−π))``.
    """
    stratum = p.stratum
    pi = p.pi()
    d = counts - runs * pi
    impossible = int(np.count_nonzero(
        np.abs(d[(pi == 0) | (pi == 1)]) > _TOLERANCE))
    statistic, df = 0.0, 0
    sums, sizes = [], []
    for h in range(len(CLASSES)):
        rows = np.flatnonzero(stratum == h)
        pi_h, pi_hh = float(p.first_order[h]), float(p.second_order[h][h])
        if len(rows) == 0 or pi_h in (0.0, 1.0):
            sums.append(0.0)
            sizes.append(max(len(rows), 1))
            continue
        part = d[rows]
        total = float(part.sum())
        sums.append(total)
        sizes.append(len(rows))
        if len(rows) > 1:
            statistic += float((part**2).sum() - total**2 / len(rows)) / (runs * (pi_h - pi_hh))
            df += len(rows) - 1
    _, cov = p.size_moments()
    scale = 1 / np.sqrt(np.array(sizes, dtype=float))
    inverse, rank, null = _pinv(cov * np.outer(scale, scale), 1.0)
    t = np.array(sums) * scale
    statistic += float(t @ inverse @ t) / runs
    df += rank
    if null.size and np.abs(t @ null).max() > 1e-6 * max(runs, 1):
        impossible += 1  # stratum totals moved where the design keeps them fixed
    p_value = 0.0 if impossible else float(stats.chi2.sf(statistic, df)) if df else 1.0
    return TestResult("targets: χ² (1−π corrected, exact covariance)", statistic, df, p_value,
                      f"χ²({df}) approximation over R={runs:,} replays"), impossible


def _binomial_p(counts: npt.NDArray[np.int64], runs: int, pi: npt.NDArray[np.float64]
                ) -> npt.NDArray[np.float64]:
    """Two-sided exact binomial p-values: min(1, 2·min(P(X ≤ c), P(X ≥ c)))."""
    low = stats.binom.cdf(counts, runs, pi)
    high = stats.binom.sf(counts - 1, runs, pi)
    result: npt.NDArray[np.float64] = np.minimum(1.0, 2 * np.minimum(low, high))
    return result


def _targets_table(p: InclusionProbabilities, counts: npt.NDArray[np.int64], runs: int,
                   level: float) -> pd.DataFrame:
    table = p.targets()
    pi = table["pi"].to_numpy()
    table["count"] = counts
    table["expected"] = runs * pi
    table["rate"] = counts / runs
    table["band_low"] = stats.binom.ppf(level / 2, runs, pi) / runs
    table["band_high"] = stats.binom.isf(level / 2, runs, pi) / runs
    with np.errstate(divide="ignore", invalid="ignore"):
        table["z"] = np.where((pi > 0) & (pi < 1),
                              (counts - runs * pi) / np.sqrt(runs * pi * (1 - pi)), 0.0)
    table["p_value"] = np.where((pi > 0) & (pi < 1), _binomial_p(counts, runs, pi),
                                np.where(np.abs(counts - runs * pi) > _TOLERANCE, 0.0, 1.0))
    table["outside"] = (table["rate"] < table["band_low"]) | (table["rate"] > table["band_high"])
    return table


def _targets_max_z(table: pd.DataFrame) -> TestResult:
    random = (table["pi"] > 0) & (table["pi"] < 1)
    m = int(random.sum())
    p_values = table["p_value"].to_numpy()
    worst = float(np.abs(table["z"].to_numpy()).max()) if len(table) else 0.0
    impossible = bool((p_values[~random.to_numpy()] == 0).any())
    p_value = 0.0 if impossible else bonferroni(list(p_values[random.to_numpy()]))
    return TestResult("targets: max |z|", worst, None, p_value,
                      f"exact binomial per target, Bonferroni over {m:,} targets")


# --- over replays: domains -----------------------------------------------------------------

def _domain_table(domains: Domains, p: InclusionProbabilities, observed: npt.NDArray[Any],
                  runs: int, level: float) -> tuple[pd.DataFrame, list[TestResult]]:
    mean, cov = p.domain_moments(domains.cells, domains.incidence)
    eligible = domains.counts((p.stratum >= 0).astype(float))
    deviation = observed - runs * mean
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    random = sd > np.sqrt(float(mean.max(initial=0.0)) * 1e-11)
    k = int(random.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(random, deviation / (np.sqrt(runs) * sd), 0.0)
        rate = np.where(eligible > 0, mean / eligible, 0.0)
        observed_rate = np.where(eligible > 0, observed / runs / eligible, 0.0)
    fixed_wrong = (~random) & (np.abs(deviation) > 1e-6 * max(runs, 1))
    point = stats.norm.isf(level / 2)
    joint = stats.norm.isf(level / (2 * max(k, 1)))
    p_values = np.where(random, 2 * stats.norm.sf(np.abs(z)), np.where(fixed_wrong, 0.0, 1.0))
    table = pd.DataFrame({
        "label": list(domains.labels), "targets": eligible.astype(np.int64),
        "expected_per_draw": mean, "observed_per_draw": observed / runs,
        "expected_rate": rate, "observed_rate": observed_rate,
        "band_low": mean - point * sd / np.sqrt(runs),
        "band_high": mean + point * sd / np.sqrt(runs),
        "joint_band_low": mean - joint * sd / np.sqrt(runs),
        "joint_band_high": mean + joint * sd / np.sqrt(runs),
        "z": z, "p_value": p_values,
        "p_bonferroni": np.minimum(1.0, p_values * max(k, 1)),
    }, index=pd.Index(domains.names, name=domains.field))
    table["outside"] = ((table["observed_per_draw"] < table["band_low"])
                        | (table["observed_per_draw"] > table["band_high"]))
    inverse, rank, null = _pinv(cov, float(mean.max(initial=0.0)))
    statistic = float(deviation @ inverse @ deviation) / runs
    impossible = bool(fixed_wrong.any()) or bool(
        null.size and np.abs(deviation @ null).max() > 1e-6 * max(runs, 1))
    chi2_p = 0.0 if impossible else float(stats.chi2.sf(statistic, rank)) if rank else 1.0
    worst = float(np.abs(z).max()) if len(z) else 0.0
    tests = [
        TestResult(f"{domains.title}: χ²", statistic, rank, chi2_p,
                   f"χ²({rank}) with the exact covariance of the domain totals, "
                   f"R={runs:,} replays"),
        TestResult(f"{domains.title}: max |z|", worst, None,
                   0.0 if impossible else bonferroni(list(p_values[random])),
                   f"normal over R={runs:,} replays, Bonferroni over {k} domains"),
    ]
    return table, tests


def target_fairness(replays: Replays, *, by: str | Sequence[str] = DEFAULT_DOMAINS,
                    level: float = 0.05) -> FairnessReport:
    """Test replayed selection frequencies against the design's exact inclusion
    probabilities, by target and by domain.

    Tests (each a `TestResult`; the `Verdict` combines them by Bonferroni at ``level``):

    - targets, χ²: the (1 − π)-corrected statistic with the design's exact covariance (see
      `InclusionProbabilities`: within-stratum contrasts and the stratum totals' covariance
      from the size outcomes), χ² on its rank as R grows;
    - targets, ``max |z|``: each target's count is exactly Binomial(R, π_i) (independent
      replays); two-sided exact p-values, Bonferroni over the targets;
    - per field of ``by`` (see `DOMAIN_FIELDS`: 省级, 地市, 区县, 行业, 监管机构, 主体类型,
      风险分类, 标签): χ² of the domain totals with their exact covariance
      Σ_{i∈D, j∈E} (π_ij − π_i π_j) (pseudo-inverse; domains may overlap), and ``max |z|`` with
      Bonferroni over the domains.

    A target drawn that cannot be drawn (π = 0), or a certain one missed, gives p = 0.

    Returns
    -------
    FairnessReport
        ``report.verdict`` and tables ``"targets"`` (count, expected, rate with its
        pointwise binomial band at ``level``, z, p) and one per field (expected and observed
        per draw and rates, pointwise and Bonferroni-simultaneous bands, z, p).
    """
    if not isinstance(replays, Replays):
        raise InvalidValueError("target_fairness", "replays", type(replays).__name__,
                                "is not a Replays value", "make one with replay_draws(...)")
    alpha = check_level(level, "target_fairness")
    fields = _fields(by, "target_fairness")
    p, runs, counts = replays.probabilities, replays.replays, replays.counts
    chi2_test, impossible = _targets_chi2(p, counts, runs)
    targets = _targets_table(p, counts, runs, alpha)
    tests = [chi2_test, _targets_max_z(targets)]
    tables = {"targets": targets}
    for field in fields:
        domains = domains_of(replays.directory, field)
        table, domain_tests = _domain_table(domains, p, domains.counts(counts), runs, alpha)
        tables[field] = table
        tests += domain_tests
    notes = (f"{impossible} count(s) impossible under the design (π = 0 drawn, π = 1 "
             "missed, or a fixed stratum total moved)",) if impossible else ()
    return FairnessReport(Verdict(alpha, tuple(tests)), tables, notes)


# --- a single published draw -----------------------------------------------------------------

def _simulate(p: InclusionProbabilities, domains: Domains, simulations: int,
              generator: np.random.Generator) -> npt.NDArray[np.float64]:
    """Domain counts of ``simulations`` draws under the design: the size outcome first,
    then per stratum a multivariate hypergeometric draw over its cells."""
    cells = domains.incidence.shape[0]
    eligible = p.stratum >= 0
    per_stratum = np.zeros((len(CLASSES), cells), dtype=np.int64)
    np.add.at(per_stratum, (p.stratum[eligible], domains.cells[eligible]), 1)
    weights = np.array([float(o.probability) for o in p.outcomes])
    how_many = generator.multinomial(simulations, weights / weights.sum())
    out = []
    for outcome, b in zip(p.outcomes, how_many.tolist(), strict=True):
        if not b:
            continue
        drawn = np.zeros((b, cells), dtype=np.int64)
        for h, size in enumerate(outcome.sizes):
            colours = per_stratum[h]
            if size == 0:
                continue
            if size == int(colours.sum()):
                drawn += colours
            else:
                drawn += generator.multivariate_hypergeometric(colours, size, size=b)
        out.append(drawn.astype(float) @ domains.incidence)
    return np.concatenate(out)


def _monte_carlo_p(observed: float, simulated: npt.NDArray[np.float64]) -> float:
    """(1 + #{simulated ≥ observed}) / (B + 1): exact level for any B (ties count against)."""
    slack = _TOLERANCE * (1 + abs(observed))
    return float((1 + np.count_nonzero(simulated >= observed - slack)) / (len(simulated) + 1))


def _distance(y: npt.NDArray[np.float64], mean: npt.NDArray[np.float64],
              inverse: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(y − μ)ᵀ Σ⁺ (y − μ) for each row of ``y``."""
    centred = y - mean
    result: npt.NDArray[np.float64] = np.einsum("...i,ij,...j->...", centred, inverse,
                                                centred)
    return result


def _extreme(y: npt.NDArray[np.float64], mean: npt.NDArray[np.float64],
             sd: npt.NDArray[np.float64], random: npt.NDArray[np.bool_]
             ) -> npt.NDArray[np.float64]:
    """max_D |y_D − μ_D| / σ_D over the domains with σ_D > 0, for each row of ``y``."""
    if not random.any():
        return np.zeros(y.shape[:-1])
    result: npt.NDArray[np.float64] = np.max(np.abs((y - mean) / sd) * random, axis=-1)
    return result


def draw_fairness(source: Source, directory: TargetDirectory | None = None, *,
                  by: str | Sequence[str] = "county", simulations: int = 999,
                  rng: Any = None, level: float = 0.05) -> FairnessReport:
    """Is one published draw's spread across domains plausible under its design?

    The observed number Y_D of drawn targets per domain (e.g. per 区县) is compared with its
    exact mean and covariance under the design (`InclusionProbabilities.domain_moments`) by
    two statistics: the χ²-type distance (Y − μ)ᵀ Σ⁺ (Y − μ) and ``max_D |Y_D − μ_D| / σ_D``.
    Their null distributions are simulated from the design itself: the stratum sizes drawn
    from their exact distribution, then each stratum's domain counts from the multivariate
    hypergeometric distribution of simple random sampling without replacement. The
    p-value (1 + #{simulated ≥ observed}) / (B + 1) has level exactly α for B + 1 a multiple
    of 1/α (999 simulations at 0.05 or 0.01), ties counting against the draw; the verdict
    combines the statistics of every field by Bonferroni at ``level``.

    Parameters
    ----------
    source
        A `Sample`, or an `AuditRecord` with its ``directory``.
    by
        A field or fields of `DOMAIN_FIELDS`.
    simulations
        B, the simulated draws (the published seed is not used: ``rng`` drives them).
    rng
        A numpy Generator or seed (SPEC 7).
    level
        The stated false-alarm rate.
    """
    resolved = resolve(source, directory, "draw_fairness")
    if resolved.record is None:
        raise InvalidValueError("draw_fairness", "source", type(source).__name__,
                                "is a design, not a draw", "pass the Sample or the AuditRecord "
                                "of the published draw")
    if isinstance(simulations, bool) or not isinstance(simulations, int) or simulations < 1:
        raise InvalidValueError("draw_fairness", "simulations", simulations,
                                "is not a positive count", "use e.g. simulations=999")
    alpha = check_level(level, "draw_fairness")
    generator = np.random.default_rng(rng)
    p = InclusionProbabilities.build(resolved.directory, resolved.design)
    rows = resolved.directory.positions(resolved.record.selected_ids)
    drawn = np.zeros(len(p.stratum))
    drawn[rows[rows >= 0]] = 1.0
    notes = []
    sizes = tuple(s.size for s in resolved.record.strata)
    impossible = bool((p.stratum[rows[rows >= 0]] < 0).any()) or (rows < 0).any() or \
        sizes not in {o.sizes for o in p.outcomes}
    if impossible:
        notes.append("the draw holds a target or stratum sizes the design cannot give")
    tests, tables = [], {}
    for field in _fields(by, "draw_fairness"):
        domains = domains_of(resolved.directory, field)
        mean, cov = p.domain_moments(domains.cells, domains.incidence)
        observed = domains.counts(drawn)
        simulated = _simulate(p, domains, simulations, generator)
        inverse, rank, _ = _pinv(cov, float(mean.max(initial=0.0)))
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        random = sd > np.sqrt(float(mean.max(initial=0.0)) * 1e-11)
        safe = np.where(random, sd, 1.0)

        chi_obs = float(_distance(observed, mean, inverse))
        z_obs = float(_extreme(observed, mean, safe, random))
        p_chi = 0.0 if impossible else _monte_carlo_p(
            chi_obs, _distance(simulated, mean, inverse))
        p_z = 0.0 if impossible else _monte_carlo_p(
            z_obs, _extreme(simulated, mean, safe, random))
        method = f"Monte Carlo, B={simulations:,} simulated draws of the design"
        tests += [TestResult(f"{domains.title}: χ² (this draw)", chi_obs, rank, p_chi, method),
                  TestResult(f"{domains.title}: max |z| (this draw)", z_obs, None, p_z, method)]
        tables[field] = pd.DataFrame({
            "label": list(domains.labels),
            "targets": domains.counts((p.stratum >= 0).astype(float)).astype(np.int64),
            "expected": mean, "observed": observed.astype(np.int64),
            "band_low": np.quantile(simulated, alpha / 2, axis=0),
            "band_high": np.quantile(simulated, 1 - alpha / 2, axis=0),
            "z": np.where(random, (observed - mean) / safe, 0.0),
        }, index=pd.Index(domains.names, name=field))
        tables[field]["outside"] = ((tables[field]["observed"] < tables[field]["band_low"])
                                    | (tables[field]["observed"] > tables[field]["band_high"]))
    return FairnessReport(Verdict(alpha, tuple(tests)), tables, tuple(notes))

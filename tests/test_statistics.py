"""Selection frequencies over many seeds match the exact inclusion probabilities.

Statistic: X = Σ_i (c_i − Rπ_i)² / (Rπ_i(1 − π_i)) over targets with 0 < π_i < 1, where c_i
counts target i's selections in R independent draws. Each c_i is Binomial(R, π_i), so every
term has mean 1 — the (1 − π) in the denominator is what makes this right for sampling
without replacement; the naive Pearson form (denominator Rπ_i) would understate the spread's
scale for large π. Within a stratum of N targets Σ c_i is fixed, so the stratum's part is
N/(N−1) times a χ² with N − 1 degrees of freedom; the test compares
Σ_h (N_h − 1)/N_h · X_h with the 0.999 quantile of χ² on Σ_h (N_h − 1) degrees of freedom.

False-alarm rate: 0.1 % per seed list. The seed list is fixed (seeds "…00001" to "…00400"), so
CI is deterministic: this list passes, and it stays passing. A power check shows that the same
statistic rejects a plainly wrong π.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from _stats import chi2_quantile_999
from random_inspection import (
    ClassWeighted,
    EntityType,
    RiskClass,
    StratifiedByRisk,
    Target,
    TargetDirectory,
    draw_targets,
)
from random_inspection.registry._identifiers import uscc_check_character

RUNS = 400
SEEDS = [f"{k:020d}" for k in range(1, RUNS + 1)]


def _directory() -> TargetDirectory:
    classes = [RiskClass.A] * 12 + [RiskClass.B] * 10 + [RiskClass.C] * 6 + [RiskClass.D] * 4
    records = []
    for k, cls in enumerate(classes):
        body = f"91140981MA{k:07d}"
        records.append(Target(id=body + uscc_check_character(body), name=f"企业{k}",
                              entity_type=EntityType.ENTERPRISE, region="140981",
                              risk_class=cls))
    return TargetDirectory.from_records(records)


def _statistic(counts: Counter[str], pis: dict[str, Fraction], strata: dict[str, str]
               ) -> tuple[float, int]:
    by_stratum: dict[str, list[str]] = {}
    for target_id, label in strata.items():
        if 0 < pis[target_id] < 1:
            by_stratum.setdefault(label, []).append(target_id)
    total, df = 0.0, 0
    for members in by_stratum.values():
        n = len(members)
        part = sum((counts[i] - RUNS * float(pis[i])) ** 2
                   / (RUNS * float(pis[i]) * (1 - float(pis[i]))) for i in members)
        total += part * (n - 1) / n
        df += n - 1
    return total, df


def test_stratified_frequencies_match_pi() -> None:
    """Over 400 fixed seeds the counts fit π = n_h/N_h; a wrong π is rejected."""
    directory = _directory()
    design = StratifiedByRisk(rates={"A": "1/4", "B": "3/10", "C": "1/2", "D": "1/4"},
                              floor="0")
    counts: Counter[str] = Counter()
    sample = None
    for seed in SEEDS:
        sample = draw_targets(directory, design, seed=seed, purpose="stats")
        counts.update(sample.selected_ids)
    assert sample is not None
    pis = {t.id: sample.inclusion_probability(t.id) for t in directory}
    strata = {t.id: t.risk_class.code for t in directory}
    statistic, df = _statistic(counts, pis, strata)
    assert statistic < chi2_quantile_999(df), (statistic, df)
    # Power: claim π of A is that of C (1/2 instead of 1/4) — the counts cannot fit.
    wrong = {i: (Fraction(1, 2) if strata[i] == "A" else p) for i, p in pis.items()}
    wrong_stat, _ = _statistic(counts, wrong, strata)
    assert wrong_stat > chi2_quantile_999(df)


def test_class_weighted_rounding_is_unbiased() -> None:
    """E[n_h] = π_h·N_h: mean class sizes over 400 seeds lie within 4 standard errors.

    Each n_h takes two adjacent values, so its standard deviation is at most 1/2 and the mean
    of 400 has standard error at most 1/40; 4 standard errors give a false-alarm rate below
    about 1e-4 per class.
    """
    directory = _directory()
    design = ClassWeighted(total=9, weights={"A": "1", "B": "2", "C": "3", "D": "5"},
                           floor="0")
    sizes: Counter[str] = Counter()
    sample = None
    for seed in SEEDS:
        sample = draw_targets(directory, design, seed=seed, purpose="weights")
        for stratum in sample.allocation.strata:
            sizes[stratum.label] += stratum.size
    assert sample is not None
    for stratum in sample.allocation.strata:
        expected = float(stratum.inclusion_probability * stratum.population)
        assert abs(sizes[stratum.label] / RUNS - expected) < 4 / 40, stratum.label

"""Horvitz–Thompson and Hájek estimates of a 0/1 outcome by domain under stratified simple
random sampling without replacement, with the finite-population correction.

The unit table this module reads (built by `random_inspection.analysis._estimate`) has one
row per sampled unit and domain (and per item when the item is a domain), with columns:

``_design``
    The design the unit was drawn under: a task code, or one label for a pooled year.
``_stratum``
    Its stratum, unique within the design (``"<task>/<risk class>"``).
``_N``, ``_n``
    The stratum's population N_h and the number drawn n_h (from the audit record).
``_unit``
    The target id.
``_y``
    The outcome, 0 or 1, NaN when the unit has no result (yet).
domain columns
    One per ``by`` name.

Formulas (Särndal, Swensson & Wretman 1992, *Model Assisted Survey Sampling*, §3.7 and
§5.8–5.9; Cochran 1977, *Sampling Techniques*, §5A.14). In stratum h, r_h of the n_h units
drawn have a result; under results missing at random within the stratum (a reached
target is like a drawn one) the r_h are a simple random sample of the N_h, so the weight is
w_h = N_h / r_h (= 1/π_h = N_h/n_h when nothing is missing) and f_h = r_h / N_h. For a
domain d, with z_k = 1 for units of the domain and y_k the outcome (0 outside d):

    Ŷ_d = Σ_h w_h Σ_{k∈s_h} y_k                        (HT total of violations)
    N̂_d = Σ_h w_h Σ_{k∈s_h} z_k                        (HT domain size)
    V̂(Ŷ_d) = Σ_h N_h² (1 − f_h) s²_{y,h} / r_h         (s² over all r_h units, ddof 1)
    R̂_d = Ŷ_d / N̂_d                                    (Hájek rate)
    V̂(R̂_d) = Σ_h N_h² (1 − f_h) s²_{e,h} / r_h / N̂_d², e_k = y_k − R̂_d z_k
    Ŷ_d / N_d, V̂(Ŷ_d) / N_d²                           (HT rate, when N_d is known)

A stratum with a single result has no s². Leaving it out would understate the variance —
badly when that one target stands for hundreds (a top-up task drawing one C enterprise of
485) — so, as R's ``survey`` package does with ``options(survey.lonely.psu = "adjust")``
(its ``surveyoptions`` help page), its one score is centred on the mean score of the
design's results instead of its stratum's: (1 − f_h)(w_h y_k z_k − Ŷ_d/r)² for the total
(r: results in the design, every lonely stratum contributing, in the domain or not), and
(1 − f_h)(w_h e_k)² for the rate (the scores w·e average 0). It is conservative;
`single_result_strata` counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._extra import pd
from ._intervals import (
    effective_sample_size,
    korn_graubard_interval,
    normal_interval,
    wilson_interval,
)

__all__ = ["ESTIMATE_COLUMNS", "estimate_units"]

#: The statistics `estimate_rates` returns after the ``task`` and domain columns.
ESTIMATE_COLUMNS = (
    "n", "violations", "missing", "population", "population_estimate", "total", "total_se",
    "rate_ht", "rate_ht_se", "rate", "rate_se", "n_effective", "df", "normal_low",
    "normal_high", "wilson_low", "wilson_high", "kg_low", "kg_high", "single_result_strata",
    "population_without_results",
)


def _s2(total: Any, squares: Any, r: Any) -> Any:
    """Sample variance (ddof 1) from a sum and a sum of squares over r units; 0 when r < 2."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(r > 1, (squares - total * total / r) / (r - 1), 0.0)


def _codes(frame: Any, columns: Sequence[str]) -> tuple[Any, Any]:
    """Group codes of the rows by ``columns`` (-1 where a key is missing), in order of
    first appearance, and the first row of each group."""
    combined = np.zeros(len(frame), dtype=np.int64)
    valid = np.ones(len(frame), dtype=bool)
    for column in columns:
        codes, uniques = pd.factorize(frame[column])
        valid &= codes >= 0
        combined, _ = pd.factorize(combined * (len(uniques) + 1) + codes)
    combined = np.where(valid, combined, -1)
    codes, _ = pd.factorize(combined[valid])
    out = np.full(len(frame), -1, dtype=np.int64)
    out[valid] = codes
    first = np.zeros(len(_), dtype=np.int64)
    rows = np.flatnonzero(valid)
    first[codes[::-1]] = rows[::-1]
    return out, first


def estimate_units(units: Any, domains: Sequence[str], replicates: Sequence[str],
                   population: Any, *, level: float) -> Any:
    """The estimates of every (design, domain), as `estimate_rates` documents them.

    ``replicates``: domain columns along which every unit of a stratum is measured again
    (the item: each target is checked for each item of its task), so respondents are
    counted per replicate. ``population``: a frame of known domain sizes (columns
    ``_design``, the domains, ``population``), or None.
    """
    keys = ["_design", *domains]
    y = units["_y"].to_numpy(dtype=np.float64)
    seen = ~np.isnan(y)
    stratum, first = _codes(units, ["_design", *replicates, "_stratum"])
    big_n = units["_N"].to_numpy(dtype=np.float64)[first]
    small_n = units["_n"].to_numpy(dtype=np.float64)[first]
    unit = pd.factorize(units["_unit"])[0].astype(np.int64)
    width = int(unit.max()) + 1 if len(unit) else 1
    pairs = np.unique(stratum[seen] * width + unit[seen])     # (stratum, unit) with a result
    r = np.bincount(pairs // width, minlength=len(first)).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(r > 0, big_n / r, np.nan)                    # N_h / r_h
        factor = np.where(r > 0, big_n ** 2 * (1 - r / big_n) / r, np.nan)  # N_h²(1−f_h)/r_h
    domain, domain_first = _codes(units, keys)
    count = len(domain_first)
    used = seen & (domain >= 0)
    cells, inverse = np.unique(domain[used] * len(first) + stratum[used], return_inverse=True)
    cd, cs = cells // len(first), cells % len(first)
    c = np.bincount(inverse).astype(np.float64)                        # Σ z_k per cell
    s = np.bincount(inverse, weights=y[used])                          # Σ y_k per cell
    w, a, rr = weight[cs], factor[cs], r[cs]
    total = np.bincount(cd, weights=w * s, minlength=count)
    size = np.bincount(cd, weights=w * c, minlength=count)
    groups, _ = _codes(units, ["_design", *replicates])
    group_of_stratum, group_of_domain = groups[first], groups[domain_first]
    lonely = r == 1                                  # one result: no s² (see the module doc)
    keep = np.where(lonely, 1 - 1 / big_n, 0.0)      # 1 − f_h of the lonely strata
    scores = np.bincount(group_of_stratum, weights=r)[group_of_domain]   # results in the group
    alone = lonely[cs]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = total / size
        e_sum = s - ratio[cd] * c                                      # Σ e_k, e = y − R z
        e_squares = s * (1 - 2 * ratio[cd]) + ratio[cd] ** 2 * c       # Σ e_k², as yz = y
        e_part = np.where(alone, a * e_sum ** 2, a * _s2(e_sum, e_squares, rr))
        rate_variance = np.bincount(cd, weights=e_part, minlength=count) / size ** 2
        centre = total / scores                       # mean score w·y over the group's results
        y_part = np.where(alone, (1 - 1 / big_n[cs]) * ((w * s - centre[cd]) ** 2
                                                        - centre[cd] ** 2),
                          a * _s2(s, s, rr))          # y² = y for a 0/1 outcome
        total_variance = (np.bincount(cd, weights=y_part, minlength=count)
                          + centre ** 2 * np.bincount(group_of_stratum,
                                                      weights=keep)[group_of_domain])
    unobserved = (r == 0) & (small_n > 0)
    without = np.bincount(group_of_stratum, weights=np.where(unobserved, big_n, 0.0))
    out = units.iloc[domain_first][keys].reset_index(drop=True)
    n = np.bincount(cd, weights=c, minlength=count)
    if population is None:
        known = np.full(count, np.nan)
    else:
        known = out.merge(population, on=keys, how="left")["population"].to_numpy(
            dtype=np.float64)
    stats = {
        "n": n.astype(np.int64),
        "violations": np.bincount(cd, weights=s, minlength=count).astype(np.int64),
        "missing": np.bincount(domain[~seen & (domain >= 0)], minlength=count),
        "population": known, "population_estimate": size, "total": total,
        "total_se": np.sqrt(total_variance),
        "df": (n - np.bincount(cd, minlength=count)).astype(np.int64),   # n − strata in d
        "single_result_strata": np.bincount(cd, weights=alone & (big_n[cs] > 1),
                                            minlength=count).astype(np.int64),
        "population_without_results": without[group_of_domain].astype(np.int64),
    }
    _finish(stats, rate_variance, level)
    return pd.concat([out, pd.DataFrame({k: stats[k] for k in ESTIMATE_COLUMNS})], axis=1)


def _finish(stats: dict[str, Any], variance: Any, level: float) -> None:
    """Rates, standard errors and the three intervals, added to ``stats``; a domain with no
    result estimates nothing (NaN, not a rate of 0)."""
    empty = stats["n"] == 0
    stats["total"] = np.where(empty, np.nan, stats["total"])
    stats["total_se"] = np.where(empty, np.nan, stats["total_se"])
    with np.errstate(divide="ignore", invalid="ignore"):
        stats["rate_ht"] = stats["total"] / stats["population"]
        stats["rate_ht_se"] = stats["total_se"] / stats["population"]
        p = stats["rate"] = stats["total"] / stats["population_estimate"]
    stats["rate_se"] = np.sqrt(variance)
    n = stats["n"].astype(np.float64)
    stats["n_effective"] = effective_sample_size(p, variance, n)
    stats["normal_low"], stats["normal_high"] = normal_interval(p, stats["rate_se"],
                                                                level=level)
    stats["wilson_low"], stats["wilson_high"] = wilson_interval(p, stats["n_effective"],
                                                                level=level)
    stats["kg_low"], stats["kg_high"] = korn_graubard_interval(p, variance, n, stats["df"],
                                                               level=level)

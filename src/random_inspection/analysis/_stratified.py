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

A stratum with a single result contributes no variance (s² is undefined): the variance is
then understated, which `single_result_strata` counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

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


def estimate_units(units: Any, domains: Sequence[str], replicates: Sequence[str],
                   population: Any, *, level: float) -> Any:
    """The estimates of every (design, domain), as `estimate_rates` documents them.

    ``replicates``: domain columns along which every unit of a stratum is measured again
    (the item: each target is checked for each item of its task), so respondents are
    counted per replicate. ``population``: a frame of known domain sizes (columns
    ``_design``, the domains, ``population``), or None.
    """
    keys = ["_design", *domains]
    strata_keys = ["_design", *replicates, "_stratum"]
    seen = units[units["_y"].notna()]
    strata = (units.groupby(strata_keys, sort=False, observed=True)
              .agg(_N=("_N", "first"), _n=("_n", "first")))
    strata["_r"] = seen.groupby(strata_keys, sort=False, observed=True)["_unit"].nunique()
    strata["_r"] = strata["_r"].fillna(0).astype("int64")
    strata = strata.reset_index()
    strata["_w"] = strata["_N"] / strata["_r"].where(strata["_r"] > 0)
    strata["_a"] = strata["_N"] ** 2 * (1 - strata["_r"] / strata["_N"]) / strata["_r"].where(
        strata["_r"] > 0)
    cells = (seen.groupby([*keys, "_stratum"], sort=False, observed=True)["_y"]
             .agg(["size", "sum"]).rename(columns={"size": "_c", "sum": "_s"}).reset_index())
    cells = cells.merge(strata, on=strata_keys, how="left")
    r, c, s, w, a = (cells[k].to_numpy(dtype=np.float64) for k in ("_r", "_c", "_s", "_w", "_a"))
    cells["_wy"], cells["_wc"] = w * s, w * c
    cells["_vy"] = a * _s2(s, s, r)          # y² = y for a 0/1 outcome
    cells["_vc"] = a * _s2(c, c, r)          # z² = z
    cells["_single"] = (r == 1) & (cells["_N"].to_numpy() > 1)
    sums = cells.groupby(keys, sort=False, observed=True)[["_wy", "_wc"]].transform("sum")
    ratio = (sums["_wy"] / sums["_wc"]).to_numpy(dtype=np.float64)
    e_sum = s - ratio * c                                  # Σ e_k, e_k = y_k − R z_k
    e_squares = s * (1 - 2 * ratio) + ratio ** 2 * c       # Σ e_k², as yz = y
    cells["_ve"] = a * _s2(e_sum, e_squares, r) / sums["_wc"].to_numpy() ** 2
    out = cells.groupby(keys, sort=False, observed=True).agg(
        n=("_c", "sum"), violations=("_s", "sum"), total=("_wy", "sum"),
        population_estimate=("_wc", "sum"), _vy=("_vy", "sum"), _ve=("_ve", "sum"),
        df=("_stratum", "nunique"), single_result_strata=("_single", "sum")).reset_index()
    out["df"] = out["n"] - out["df"]
    missing = (units[units["_y"].isna()].groupby(keys, sort=False, observed=True)["_unit"]
               .nunique().rename("missing"))
    out = out.merge(missing.reset_index(), on=keys, how="left")
    out["missing"] = out["missing"].fillna(0).astype("int64")
    unobserved = strata[(strata["_r"] == 0) & (strata["_n"] > 0)]
    without = (unobserved.groupby(["_design", *replicates], observed=True)["_N"].sum()
               .rename("population_without_results").reset_index())
    out = out.merge(without, on=["_design", *replicates], how="left")
    out["population_without_results"] = (out["population_without_results"].fillna(0)
                                         .astype("int64"))
    if population is not None:
        out = out.merge(population, on=keys, how="left")
    else:
        out["population"] = np.nan
    return _finish(out, level)


def _finish(out: Any, level: float) -> Any:
    """Standard errors, rates and the three intervals."""
    out["total_se"] = np.sqrt(out.pop("_vy"))
    known = out["population"].astype("float64")
    out["population"] = known
    out["rate_ht"] = out["total"] / known
    out["rate_ht_se"] = out["total_se"] / known
    out["rate"] = out["total"] / out["population_estimate"]
    variance = out.pop("_ve").to_numpy(dtype=np.float64)
    out["rate_se"] = np.sqrt(variance)
    p, n = out["rate"].to_numpy(dtype=np.float64), out["n"].to_numpy(dtype=np.float64)
    out["n_effective"] = effective_sample_size(p, variance, n)
    out["normal_low"], out["normal_high"] = normal_interval(p, out["rate_se"], level=level)
    out["wilson_low"], out["wilson_high"] = wilson_interval(p, out["n_effective"], level=level)
    out["kg_low"], out["kg_high"] = korn_graubard_interval(p, variance, n, out["df"],
                                                           level=level)
    for column in ("n", "violations", "df", "single_result_strata"):
        out[column] = out[column].astype("int64")
    return out

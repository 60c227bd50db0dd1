"""Estimation from results (HT, Hájek, their variances and intervals) and the notebook plots
of `random_inspection.analysis`: known answers worked by hand, published interval values,
coverage over fixed replays of the real draw, the demo year against its simulated truth,
and each plot's artists and labels with and without a Chinese font."""

from __future__ import annotations

import importlib
import io
import math
import re
import sys
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from random_inspection import (
    EntityType,
    InvalidTypeError,
    InvalidValueError,
    RiskClass,
    StratifiedByRisk,
    Target,
    TargetDirectory,
    draw_targets,
)
from random_inspection.analysis import _fonts
from random_inspection.analysis._estimate import POOLED, estimate_rates, estimation_frame
from random_inspection.analysis._intervals import (
    clopper_pearson_interval,
    effective_sample_size,
    korn_graubard_interval,
    normal_interval,
    wilson_interval,
)
from random_inspection.analysis._plots import (
    officer_loads,
    plot_coverage_by_county,
    plot_estimates,
    plot_officer_loads,
    plot_selection_rates,
)
from random_inspection.demo import _PROBLEM_RATE, COUNTIES, demo_city, demo_plan, demo_results
from random_inspection.planning import PlanRun, run_plan
from random_inspection.registry._identifiers import uscc_check_character
from random_inspection.results import ResultBook
from random_inspection.sampling import Sample

SEED = "31415926535897932384"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _directory(classes: list[str], regions: list[str], first: int = 0) -> TargetDirectory:
    """Enterprises with valid USCCs numbered in canonical (id) order."""
    records = []
    for k, (cls, region) in enumerate(zip(classes, regions, strict=True), start=first):
        body = f"91140981MA{k:07d}"
        records.append(Target(id=body + uscc_check_character(body), name=f"企业{k}",
                              entity_type=EntityType.ENTERPRISE, region=region,
                              risk_class=RiskClass(cls)))
    return TargetDirectory.from_records(records)


# --- known answers, by hand ---------------------------------------------------------------

HAND = StratifiedByRisk(rates={"A": "3/10", "B": "1/2"}, floor=0)
LONELY = StratifiedByRisk(rates={"A": "3/10", "B": "1/4"}, floor=0)


def _hand_sample(design: StratifiedByRisk, drawn_in_domain: tuple[int, int]) -> Sample:
    """Ten A and four B enterprises drawn by the real `draw_targets`; county 140921 (the
    domain) holds the first ``drawn_in_domain`` targets drawn of A and of B, four A and one
    B not drawn; the rest are in 140902. The draw's positions depend only on N_h and the
    seed strings, so the regions are set after a first draw (and the second draw checked)."""
    classes = ["A"] * 10 + ["B"] * 4
    first = draw_targets(_directory(classes, ["140902"] * 14), design, seed=SEED,
                         purpose="test/hand")
    ids = [str(i) for i in first.directory.ids]
    a, b = first.record.strata[0].selected, first.record.strata[1].selected
    chosen = [*a[:drawn_in_domain[0]], *[i for i in ids[:10] if i not in a][:4],
              *b[:drawn_in_domain[1]], *[i for i in ids[10:] if i not in b][:1]]
    regions = ["140921" if i in chosen else "140902" for i in ids]
    sample = draw_targets(_directory(classes, regions), design, seed=SEED, purpose="test/hand")
    assert sample.record.strata[0].selected == a
    assert sample.record.strata[1].selected == b
    return sample


@pytest.fixture(scope="module")
def hand() -> tuple[Sample, dict[str, float]]:
    """N = (10, 4), n = (3, 2); in the domain: A's first two drawn (and four more, N_A,d =
    6), B's first drawn (and one more, N_B,d = 2). Outcomes in draw order: A (1, 0, 1),
    B (1, 0)."""
    sample = _hand_sample(HAND, (2, 1))
    drawn = [*sample.record.strata[0].selected, *sample.record.strata[1].selected]
    return sample, dict(zip(drawn, [1.0, 0.0, 1.0, 1.0, 0.0], strict=True))


def _frame(outcomes: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"target_id": list(outcomes), "problem": list(outcomes.values())})


def test_horvitz_thompson_and_hajek_of_a_domain_by_hand(hand: Any) -> None:
    """County 140921 of the two strata (N_A = 10, n_A = 3; N_B = 4, n_B = 2).

    In A the domain units drawn have y·z = (1, 0, ·) and z = (1, 1, 0): Σyz = 1, Σz = 2;
    in B y·z = (1, ·), z = (1, 0): Σyz = 1, Σz = 1. Weights N/n: 10/3 and 2.

    Ŷ_d = 10/3·1 + 2·1 = 16/3;  N̂_d = 10/3·2 + 2·1 = 26/3;  R̂ = 16/26 = 8/13.
    V̂(Ŷ_d) = Σ N²(1 − n/N) s²/n: s²_A of (1, 0, 0) = 1/3 → 100·0.7·(1/3)/3 = 70/9;
    s²_B of (1, 0) = 1/2 → 16·0.5·0.5/2 = 2; V̂ = 88/9.
    HT rate with the known N_d = 6 + 2 = 8: Ŷ_d/8 = 2/3, V̂ = (88/9)/64 = 11/72.
    Hájek: e = yz − R̂z; A: (5/13, −8/13, 0), mean −1/13, Σ(e − ē)² = (36 + 49 + 1)/169,
    s² = 43/169 → (70/3)(43/169) = 3010/507; B: (5/13, 0), s² = 25/338 → 4·25/338 = 50/169;
    V̂(R̂) = (3010/507 + 150/507)/(26/3)² = 2370/28561.
    n = 3 units in the domain, 2 violations, df = 3 − 2 strata = 1.
    """
    sample, outcomes = hand
    rows = estimate_rates(_frame(outcomes), sample=sample, by="county").set_index("county")
    d = rows.loc["140921"]
    assert d["total"] == pytest.approx(16 / 3)
    assert d["population_estimate"] == pytest.approx(26 / 3)
    assert d["rate"] == pytest.approx(8 / 13)
    assert d["total_se"] ** 2 == pytest.approx(88 / 9)
    assert d["population"] == 8
    assert d["rate_ht"] == pytest.approx(2 / 3)
    assert d["rate_ht_se"] ** 2 == pytest.approx(11 / 72)
    assert d["rate_se"] ** 2 == pytest.approx(float(Fraction(2370, 28561)))
    assert (d["n"], d["violations"], d["df"], d["missing"]) == (3, 2, 1, 0)
    assert d["n_effective"] == pytest.approx((8 / 13) * (5 / 13) / (2370 / 28561))


def test_whole_population_and_a_missing_result_by_hand(hand: Any) -> None:
    """The whole frame (no domain): y_A = (1, 0, 1), y_B = (1, 0).

    Ŷ = 10/3·2 + 2·1 = 26/3; V̂ = 100·0.7·(1/3)/3 + 16·0.5·0.5/2 = 70/9 + 2 = 88/9;
    N = N̂ = 14, so HT and Hájek rates agree: 13/21, V̂ = (88/9)/196 = 22/441.

    With the third A result missing, A's r = 2 respondents stand for its N = 10 (weight 5,
    f = 2/10): Ŷ = 5·1 + 2·1 = 7; V̂ = 100·0.8·(1/2)/2 + 2 = 22; N̂ = 5·2 + 2·2 = 14;
    rate 1/2, V̂ = 22/196 = 11/98; one unit missing.
    """
    sample, outcomes = hand
    whole = estimate_rates(_frame(outcomes), sample=sample).iloc[0]
    assert whole["total"] == pytest.approx(26 / 3)
    assert whole["total_se"] ** 2 == pytest.approx(88 / 9)
    assert whole["rate"] == whole["rate_ht"] == pytest.approx(13 / 21)
    assert whole["rate_se"] ** 2 == pytest.approx(22 / 441)
    assert whole["rate_ht_se"] ** 2 == pytest.approx(22 / 441)
    third = sample.record.strata[0].selected[2]
    partial = estimate_rates(_frame({**outcomes, third: math.nan}), sample=sample).iloc[0]
    assert partial["total"] == pytest.approx(7)
    assert partial["total_se"] ** 2 == pytest.approx(22)
    assert partial["population_estimate"] == pytest.approx(14)
    assert partial["rate_se"] ** 2 == pytest.approx(11 / 98)
    assert (partial["n"], partial["missing"]) == (4, 1)
    dropped = estimate_rates(_frame({k: v for k, v in outcomes.items() if k != third}),
                             sample=sample).iloc[0]
    assert dropped["rate"] == partial["rate"]
    assert dropped["missing"] == 1


def test_a_stratum_with_one_result_is_centred_on_the_mean_score() -> None:
    """N = (10, 4), n = (3, 1): B has one result, hence no s²; its score is centred on the
    mean score of the design's r = 4 results (R survey's lonely.psu = "adjust").
    Outcomes: A (1, 0, 1), B (1); the domain (county 140921) holds A's first two and not B's.

    Whole frame: Ŷ = 10/3·2 + 4·1 = 32/3, N̂ = 14, R̂ = 16/21. V̂(Ŷ): A as before 70/9; B:
    (1 − 1/4)(4·1 − (32/3)/4)² = 0.75·(4/3)² = 4/3; total 82/9. V̂(R̂): A's e = y − R̂ has
    s² = 1/3 → 70/9; B: (1 − 1/4)(4·e)² = 12·(5/21)² = 100/147; V̂ = (70/9 + 100/147)/14²
    = 3730/86436.
    Domain: Ŷ_d = 10/3, mean score 5/6, N̂_d = 20/3, R̂ = 1/2. V̂(Ŷ_d) = 70/9 + B outside
    the domain 0.75·(0 − 5/6)² = 25/48 → 1195/144. V̂(R̂_d): A's e = (1/2, −1/2, 0),
    s² = 1/4 → (70/3)/4 = 35/6; B's e = 0; V̂ = (35/6)/(20/3)² = 21/160.
    """
    sample = _hand_sample(LONELY, (2, 0))
    a, b = sample.record.strata[0].selected, sample.record.strata[1].selected
    frame = _frame(dict(zip([*a, *b], [1.0, 0.0, 1.0, 1.0], strict=True)))
    whole = estimate_rates(frame, sample=sample).iloc[0]
    assert whole["total"] == pytest.approx(32 / 3)
    assert whole["rate"] == pytest.approx(16 / 21)
    assert whole["total_se"] ** 2 == pytest.approx(82 / 9)
    assert whole["rate_se"] ** 2 == pytest.approx(3730 / 86436)
    assert whole["single_result_strata"] == 1
    d = estimate_rates(frame, sample=sample, by="county").set_index("county").loc["140921"]
    assert (d["total"], d["rate"]) == pytest.approx((10 / 3, 1 / 2))
    assert d["total_se"] ** 2 == pytest.approx(1195 / 144)
    assert d["rate_se"] ** 2 == pytest.approx(21 / 160)
    assert d["single_result_strata"] == 0
    assert d["population"] == 7


def test_a_record_and_its_directory_give_what_the_sample_gives(hand: Any) -> None:
    """The audit record and the directory it was drawn from rebuild the same design;
    another directory is refused, naming both digests."""
    sample, outcomes = hand
    by_sample = estimate_rates(_frame(outcomes), sample=sample, by="county")
    by_record = estimate_rates(_frame(outcomes), sample=sample.record,
                               directory=sample.directory, by="county")
    pd.testing.assert_frame_equal(by_sample, by_record)
    other = _directory(["A"] * 10 + ["B"] * 4, ["140902"] * 14)
    with pytest.raises(InvalidValueError, match="not the directory the record was drawn"):
        estimate_rates(_frame(outcomes), sample=sample.record, directory=other)


# --- intervals: published values and independent computations --------------------------

NEWCOMBE = [  # Newcombe (1998), Statistics in Medicine 17:857-872, Table II (95%)
    # x, n, Wilson score (method 3), Clopper-Pearson exact (method 5)
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0, 0.1611), (0.0, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize(("x", "n", "wilson", "exact"), NEWCOMBE)
def test_wilson_clopper_pearson_and_korn_graubard_match_published_values(
        x: int, n: int, wilson: tuple[float, float], exact: tuple[float, float]) -> None:
    """Wilson (1927) and Clopper–Pearson (1934) against Newcombe's published 4-decimal
    values; Korn–Graubard with the simple-random-sampling variance p̂(1−p̂)/n and df = n − 1
    has n* = n and is Clopper–Pearson exactly (Korn & Graubard 1998, §2)."""
    p = x / n
    assert np.round(wilson_interval(p, n), 4).tolist() == pytest.approx(wilson, abs=1e-9)
    assert np.round(clopper_pearson_interval(x, n), 4).tolist() == pytest.approx(exact,
                                                                                 abs=1e-9)
    kg = korn_graubard_interval(p, p * (1 - p) / n, n, n - 1)
    assert np.round(kg, 4).tolist() == pytest.approx(exact, abs=1e-9)


def test_korn_graubard_with_a_design_effect_computed_independently() -> None:
    """p̂ = 0.1 with v̂ = 0.0012 from n = 50 units in a domain of df = 30 (Korn & Graubard
    1998, eq. 2.2 with the df adjustment): n_eff = 0.1·0.9/0.0012 = 75,
    n* = 75·(t_{0.975,49}/t_{0.975,30})², x* = 0.1·n*, and the interval is
    [Beta⁻¹(0.025; x*, n* − x* + 1), Beta⁻¹(0.975; x* + 1, n* − x*)], here straight from
    scipy.stats. A domain with p̂ = 0 falls back to its sample size (n* = n·ratio²)."""
    n_star = 75 * (stats.t.ppf(0.975, 49) / stats.t.ppf(0.975, 30)) ** 2
    x_star = 0.1 * n_star
    expected = (stats.beta.ppf(0.025, x_star, n_star - x_star + 1),
                stats.beta.ppf(0.975, x_star + 1, n_star - x_star))
    assert effective_sample_size(0.1, 0.0012, 50) == pytest.approx(75)
    assert korn_graubard_interval(0.1, 0.0012, 50, 30) == pytest.approx(expected, rel=1e-12)
    ratio = (stats.t.ppf(0.975, 19) / stats.t.ppf(0.975, 16)) ** 2
    low, high = korn_graubard_interval(0.0, 0.0, 20, 16)
    assert (low, high) == pytest.approx((0.0, 1 - 0.025 ** (1 / (20 * ratio))), rel=1e-9)


@given(x=st.integers(0, 400), extra=st.integers(1, 400), deff=st.floats(0.5, 4),
       level=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_every_interval_holds_the_estimate_inside_zero_one(x: int, extra: int, deff: float,
                                                           level: float) -> None:
    """Each interval contains p̂, is ordered and lies in [0, 1]; Korn–Graubard with
    df = n − 1 widens as the design effect grows (a smaller effective sample)."""
    n = x + extra
    p = x / n
    v = deff * p * (1 - p) / n
    for low, high in (normal_interval(p, math.sqrt(v), level=level),
                      wilson_interval(p, n / deff, level=level),
                      korn_graubard_interval(p, v, n, n - 1, level=level)):
        assert 0 <= low <= p <= high <= 1
    narrow = korn_graubard_interval(p, v, n, n - 1, level=level)
    wide = korn_graubard_interval(p, 2 * v, n, n - 1, level=level)
    assert wide[0] <= narrow[0] + 1e-12
    assert narrow[1] <= wide[1] + 1e-12


def test_a_bad_level_is_refused() -> None:
    """A level outside (0, 1) — say 95 for 95% — names the fix."""
    with pytest.raises(InvalidValueError, match=r"e\.g\. 0\.95"):
        wilson_interval(0.1, 10, level=95)


# --- coverage over fixed replays of the real draw ----------------------------------------

REPLAYS = 1000
REPLAY_SEEDS = [f"{k:020d}" for k in range(1, REPLAYS + 1)]


@pytest.fixture(scope="module")
def coverage() -> dict[tuple[str, str], float]:
    """Coverage of the 95% intervals of every county's rate over 1,000 draws.

    The population (fixed, numpy seed 20240615): 1,500 A, 800 B, 300 C and 100 D
    enterprises; each in county 140902 (40%), 140921 (55%) or 140932 (5%); a violation with
    chance 10%, 20%, 35%, 50% by class — but 2% in 140932, the rare-event small domain.
    The design: rates 6%, 12%, 20%, 40% (n = 90, 96, 60, 40), drawn by `draw_targets` with
    seeds "…0001" to "…1000"; the truth is each county's realised rate.
    """
    rng = np.random.default_rng(20240615)
    classes = [c for c, size in (("A", 1500), ("B", 800), ("C", 300), ("D", 100))
               for _ in range(size)]
    u = rng.random(len(classes))
    regions = np.where(u < 0.40, "140902", np.where(u < 0.95, "140921", "140932"))
    chance = np.where(regions == "140932", 0.02,
                      np.array([{"A": 0.10, "B": 0.20, "C": 0.35, "D": 0.50}[c]
                                for c in classes]))
    directory = _directory(classes, regions.tolist())
    violation = dict(zip(directory.ids.tolist(),
                         (rng.random(len(classes)) < chance).astype(float), strict=True))
    truth = pd.Series(violation.values(), index=directory.column("region")).groupby(
        level=0).mean()
    design = StratifiedByRisk(rates={"A": "6%", "B": "12%", "C": "20%", "D": "40%"}, floor=0)
    hits: dict[tuple[str, str], int] = {}
    for seed in REPLAY_SEEDS:
        sample = draw_targets(directory, design, seed=seed, purpose="test/coverage")
        ids = list(sample.selected_ids)
        frame = pd.DataFrame({"target_id": ids, "problem": [violation[i] for i in ids]})
        rows = estimate_rates(frame, sample=sample, by="county")
        for method in ("normal", "wilson", "kg"):
            inside = ((rows[f"{method}_low"] <= rows["county"].map(truth))
                      & (rows["county"].map(truth) <= rows[f"{method}_high"]))
            for county, hit in zip(rows["county"], inside, strict=True):
                hits[county, method] = hits.get((county, method), 0) + int(hit)
    return {key: count / REPLAYS for key, count in hits.items()}


def test_coverage_is_nominal_for_a_moderate_rate_domain(
        coverage: dict[tuple[str, str], float]) -> None:
    """County 140921 (1,491 targets, 237 violations: rate 15.9%; about 162 drawn): the
    Korn–Graubard and Wilson 95% intervals cover the true rate in 93–97% of the 1,000
    replays (measured: 96.1% and 94.5%; the normal interval 94.2%).

    Monte Carlo false alarm: for an interval whose coverage is exactly 95%, the number of
    hits is Binomial(1000, 0.95) and falls outside 930–970 with probability 0.30%
    (scipy.stats.binom). Wilson's own coverage here is nearer 94%, for which that chance is
    8.4%: its margin is the thinner one. The seed list is fixed, so the test is
    deterministic. (County 140902, rate 15.2%: Korn–Graubard 95.5%, Wilson 94.3%, normal
    92.7% — the normal interval is the one that under-covers.)
    """
    assert 0.93 <= coverage["140921", "kg"] <= 0.97
    assert 0.93 <= coverage["140921", "wilson"] <= 0.97


def test_wilson_and_korn_graubard_hold_for_a_rare_event_small_domain(
        coverage: dict[tuple[str, str], float]) -> None:
    """County 140932 (140 targets, 3 violations: rate 2.1%; about 15 drawn): most draws
    find no violation, where the normal interval is the single point 0 and misses. Measured
    over the 1,000 replays: normal 33.0%, Wilson 94.7%, Korn–Graubard 99.5% (conservative,
    as Clopper–Pearson is)."""
    normal = coverage["140932", "normal"]
    assert normal < 0.5
    assert coverage["140932", "wilson"] >= 0.92 > normal
    assert coverage["140932", "kg"] >= 0.95 > normal


# --- the demo year -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_year() -> tuple[PlanRun, ResultBook]:
    """The demo year on 20,000 targets, with its simulated results."""
    city = demo_city(n_targets=20_000)
    year = run_plan(demo_plan(), city.targets, city.inspectors, city.check_items, seed=SEED)
    return year, demo_results(year)[0]


def _truth(year: PlanRun, task: str, cls: str) -> float:
    """The demo's chance that a visit finds a problem on one of ``task``'s k items: each
    item independently with `_PROBLEM_RATE` of the class, unless the target is unreachable
    (2%, code 6 on every item): 0.98·(1 − (1 − p)^k)."""
    k = len(year.run(task).task.items)
    return 0.98 * (1 - (1 - _PROBLEM_RATE[cls]) ** k)


def test_demo_rates_by_class_contain_the_simulated_truth(demo_year: Any) -> None:
    """Per task and class, and pooled over the year, the Korn–Graubard and Wilson
    intervals contain the simulated chance of a problem. K intervals are checked together
    at level 1 − 0.05/K (Bonferroni), so a sound estimator fails this with probability at
    most 5%; the year's results are fixed, so the test is deterministic. The pooled truth of
    a class is the tasks' truths weighted by their frames: Σ_t N_tc θ_tc / Σ_t N_tc."""
    year, book = demo_year
    rows = estimate_rates(book, by="class")
    level = 1 - 0.05 / len(rows)
    rows = estimate_rates(book, by="class", level=level)
    truth = np.array([_truth(year, t, c) for t, c in zip(rows["task"], rows["class"],
                                                         strict=True)])
    assert len(rows) >= 30
    assert rows["n"].sum() >= 200
    for method in ("kg", "wilson"):
        assert ((rows[f"{method}_low"] <= truth) & (truth <= rows[f"{method}_high"])).all()
    assert (rows["population_estimate"] == rows["population"]).all()  # class = stratum
    pooled = estimate_rates(book, by="class", per="year", level=1 - 0.05 / 4)
    assert set(pooled["task"]) == {POOLED}
    for _, row in pooled.iterrows():
        mine = rows[rows["class"] == row["class"]]
        weights = mine["population"].to_numpy()
        expected = np.average([_truth(year, t, row["class"]) for t in mine["task"]],
                              weights=weights)
        assert row["population"] == weights.sum()
        assert row["kg_low"] <= expected <= row["kg_high"]


def test_a_dataframe_and_its_sample_give_what_the_book_gives(demo_year: Any) -> None:
    """One task's outcomes as a plain DataFrame with its `TaskRun` give the same estimates
    as the `ResultBook` (the label is the draw's purpose, not the task code)."""
    year, book = demo_year
    units = estimation_frame(book)
    task = "SX-2024-01"
    mine = units[units["task"] == task].groupby("target_id")["outcome"].max().reset_index()
    plain = estimate_rates(mine, sample=year.run(task), outcome="outcome", by="class")
    booked = estimate_rates(book, by="class")
    booked = booked[booked["task"] == task].reset_index(drop=True)
    columns = ["class", "n", "violations", "total", "total_se", "rate", "rate_se", "kg_low",
               "kg_high", "population"]
    pd.testing.assert_frame_equal(plain[columns], booked[columns])
    assert plain["task"].iloc[0] == year.run(task).sample.record.purpose


def test_missing_results_are_counted_and_reweighted_within_their_stratum(
        demo_year: Any) -> None:
    """With every other result left out, each class with a result still estimates its
    whole stratum (N̂ = N); a class left with none estimates nothing and says which
    population is not covered; n + missing is what the task drew; the weights of the units
    with a result add up to N_h in every stratum and item."""
    year, book = demo_year
    half = ResultBook(year).enter_all(list(book)[::2])
    rows = estimate_rates(half, by="class")
    assert rows["missing"].sum() > 0
    seen = rows[rows["n"] > 0]
    assert np.allclose(seen["population_estimate"], seen["population"])
    empty = rows[rows["n"] == 0]
    assert len(empty) > 0
    assert empty["rate"].isna().all()
    assert (empty["population_without_results"] >= empty["population"]).all()
    drawn = {(r.task.code, s.label): s.size for r in year.runs for s in r.sample.record.strata}
    assert all(n + m == drawn[t, c] for t, c, n, m in
               rows[["task", "class", "n", "missing"]].itertuples(index=False))
    units = estimation_frame(half)
    sums = units[units["outcome"].notna()].groupby(["task", "stratum", "item"]).agg(
        weight=("weight", "sum"), population=("population", "first"))
    assert np.allclose(sums["weight"], sums["population"])


def test_items_and_other_outcomes(demo_year: Any) -> None:
    """By item, every target of a task counts once per item and the item's frame is the
    task's; ``outcome="6"`` estimates the unreachable share; by a result column (the check
    method) the domain size is unknown, so only the Hájek rate is given."""
    year, book = demo_year
    items = estimate_rates(book, by="item")
    expected = {(r.task.code, i) for r in year.runs for i in r.task.items}
    assert set(zip(items["task"], items["item"], strict=True)) == expected
    frames = {r.task.code: r.sample.allocation.total for r in year.runs}
    assert all(n == frames[t] for t, n in zip(items["task"], items["n"], strict=True))
    unreachable = estimate_rates(book, outcome="6")
    problems = estimate_rates(book)
    assert (unreachable["violations"] < problems["violations"]).any()
    assert unreachable["violations"].sum() > 0
    method = estimate_rates(book, by="method")
    assert method["population"].isna().all()
    assert method["rate"].notna().all()


def test_bad_arguments_name_the_field_and_the_fix(hand: Any) -> None:
    """Non-0/1 outcomes, targets the draw did not select, unknown domains, a missing
    sample, an unknown ``per``: each raises the library's error naming the fix."""
    sample, outcomes = hand
    frame = _frame(outcomes)
    with pytest.raises(InvalidValueError, match="0/1"):
        estimate_rates(frame.assign(problem=2), sample=sample)
    stray = pd.concat([frame, pd.DataFrame({"target_id": ["91140981MA00000999"],
                                            "problem": [1]})])
    with pytest.raises(InvalidValueError, match="did not select"):
        estimate_rates(stray, sample=sample)
    with pytest.raises(InvalidValueError, match="neither directory fields"):
        estimate_rates(frame, sample=sample, by="province")
    with pytest.raises(InvalidTypeError, match="Sample, TaskRun or AuditRecord"):
        estimate_rates(frame)
    with pytest.raises(InvalidValueError, match="'task'"):
        estimate_rates(frame, sample=sample, per="month")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="is not a column"):
        estimate_rates(frame, sample=sample, outcome="violation")
    with pytest.raises(InvalidTypeError, match="a ResultBook"):
        estimation_frame(frame)  # type: ignore[arg-type]


# --- plots ---------------------------------------------------------------------------------

@pytest.fixture
def chinese_font(monkeypatch: pytest.MonkeyPatch) -> str:
    """A Chinese font, as far as the plots can tell (nothing is drawn)."""
    monkeypatch.setattr(_fonts, "find_cjk_font", lambda: "Noto Sans CJK SC")
    return "Noto Sans CJK SC"


@pytest.fixture
def no_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Chinese font, and the warning not yet given this session."""
    monkeypatch.setattr(_fonts, "find_cjk_font", lambda: None)
    monkeypatch.setattr(_fonts, "_warned", False)


SELECTION = pd.DataFrame({"domain": ["A", "B", "C", "D"],
                          "observed_rate": [0.010, 0.020, 0.050, 0.200],
                          "expected_rate": [0.010, 0.025, 0.040, 0.120],
                          "band_low": [0.005, 0.015, 0.030, 0.100],
                          "band_high": [0.015, 0.035, 0.050, 0.140]})


def _texts(figure: Any) -> list[str]:
    ax = figure.axes[0]
    legend = ax.get_legend()
    return [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(),
            *(t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()),
            *(t.get_text() for t in (legend.get_texts() if legend else []))]


def test_selection_rates_plot(chinese_font: str) -> None:
    """One band per domain, the expected and observed rates as two point sets, the one
    domain outside its band in red; labels in both languages, in the Chinese font."""
    figure = plot_selection_rates(SELECTION)
    ax = figure.axes[0]
    assert len(ax.patches) == len(SELECTION)
    assert len(ax.collections) == 2
    colours = ax.collections[1].get_facecolors()
    assert [tuple(np.round(c[:3], 3)) for c in colours].count((0.839, 0.153, 0.157)) == 1
    assert "抽中率" in ax.get_ylabel()
    assert "selection rate" in ax.get_ylabel()
    assert ax.title.get_fontfamily()[0] == chinese_font
    renamed = SELECTION.rename(columns={"observed_rate": "observed"})
    with pytest.raises(InvalidValueError, match="observed='observed_rate'"):
        plot_selection_rates(renamed)
    assert len(plot_selection_rates(renamed, observed="observed").axes[0].patches) == 4


def test_officer_loads_plot(chinese_font: str, demo_year: Any) -> None:
    """A bar per load from 0 to the maximum, adding up to every officer (idle ones at 0),
    with the mean and the maximum as vertical lines."""
    year, book = demo_year
    loads = officer_loads(year)
    assert (loads == 0).sum() > 0
    assert loads.sum() == sum(len(v.team.officers) for v in year.visits if v.team)
    ax = plot_officer_loads(year).axes[0]
    assert len(ax.patches) == loads.max() + 1
    assert sum(p.get_height() for p in ax.patches) == len(loads)
    assert [line.get_xdata()[0] for line in ax.lines] == pytest.approx(
        [loads.mean(), loads.max()])
    assert "任务量" in ax.get_title()
    assert "Officer loads" in ax.get_title()
    assert officer_loads(book).sum() == sum(len(r.officers) for r in book)


def test_coverage_by_county_plot(chinese_font: str, demo_year: Any) -> None:
    """One bar per county of the plan report, red below the floor, and the floor line at
    the plan's 3%; county names only where given."""
    year, _ = demo_year
    ax = plot_coverage_by_county(year, names=COUNTIES).axes[0]
    shares = {k: a / b for k, (a, b) in year.report.by_region.items()}
    assert len(ax.patches) == len(shares) == 14
    red = [p for p in ax.patches if np.allclose(p.get_facecolor()[:3], (0.839, 0.153, 0.157),
                                                atol=1e-3)]
    assert len(red) == sum(s < 0.03 for s in shares.values())
    assert list(ax.lines[0].get_ydata()) == [0.03, 0.03]
    assert "忻府区" in ax.get_xticklabels()[0].get_text()
    assert "3% 底线 3% floor" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_estimates_plot(chinese_font: str, hand: Any) -> None:
    """A point and error bar per estimate, labelled by task and domain, the interval named
    in the legend."""
    sample, outcomes = hand
    rows = estimate_rates(_frame(outcomes), sample=sample, by="county")
    ax = plot_estimates(rows, interval="wilson").axes[0]
    data = ax.containers[0].lines[0]
    assert list(data.get_xdata()) == pytest.approx(rows["rate"].tolist())
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "test/hand · 140902", "test/hand · 140921"]
    assert "Wilson" in ax.get_legend().get_texts()[0].get_text()
    assert "违法违规发现率" in ax.get_xlabel()
    assert "violation rate" in ax.get_xlabel()
    with pytest.raises(InvalidValueError, match="'kg', 'wilson' or 'normal'"):
        plot_estimates(rows, interval="exact")


def test_without_a_chinese_font_labels_are_english_after_one_warning(no_font: None,
                                                                     demo_year: Any) -> None:
    """No CJK font: the first plot warns once, naming fonts-noto-cjk; every label is in
    English, Chinese domain values become their positions; drawing raises no missing-glyph
    warning (warnings are errors in this suite)."""
    year, book = demo_year
    with pytest.warns(UserWarning, match="apt-get install fonts-noto-cjk"):
        figure = plot_estimates(estimate_rates(book, by="registering_office").head(3))
    with warnings.catch_warnings(record=True) as later:
        warnings.simplefilter("always")
        others = [plot_selection_rates(SELECTION), plot_officer_loads(year),
                  plot_coverage_by_county(year, names=COUNTIES)]
    assert not later
    for shown in (figure, *others):
        assert not [t for t in _texts(shown) if CJK.search(t)]
        shown.savefig(io.BytesIO(), format="png")
    assert figure.axes[0].get_yticklabels()[0].get_text() == "SX-2024-01 · #1"


@pytest.mark.skipif(_fonts.find_cjk_font() is None,
                    reason="no font with Chinese glyphs here (apt-get install fonts-noto-cjk)")
def test_an_installed_chinese_font_draws_without_missing_glyphs(demo_year: Any) -> None:
    """With a real Chinese font, the bilingual labels draw without a missing-glyph
    warning."""
    year, book = demo_year
    for figure in (plot_estimates(estimate_rates(book, by="class").head(4)),
                   plot_coverage_by_county(year, names=COUNTIES)):
        assert any(CJK.search(t) for t in _texts(figure))
        figure.savefig(io.BytesIO(), format="png")


def test_a_missing_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without scipy (or pandas, matplotlib) the import fails naming the extra."""
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.delitem(sys.modules, "random_inspection.analysis._extra")
    with pytest.raises(ImportError, match=r"pip install 'random-inspection\[analysis\]'"):
        importlib.import_module("random_inspection.analysis._extra")


def test_a_domain_without_results_estimates_nothing() -> None:
    """A draw with no result entered: every estimate is NaN (unknown), not a rate of 0."""
    from random_inspection.demo import demo_city as _city  # noqa: PLC0415
    from random_inspection.planning import run_plan as _run  # noqa: PLC0415
    from random_inspection.results import ResultBook  # noqa: PLC0415

    city = _city(n_targets=5_000, n_officers=120)
    year = _run(demo_plan(), city.targets, city.inspectors, city.check_items,
                seed="31415926535897932384")
    rows = estimate_rates(ResultBook(year), by="class")
    assert len(rows) > 0
    assert (rows["n"] == 0).all()
    for column in ("total", "total_se", "rate_ht", "rate", "rate_se"):
        assert rows[column].isna().all(), column

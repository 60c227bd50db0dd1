"""The fairness toolkit: exact π and π_ij, replays of the real draw, fairness tests.

Known answers come from enumerating every sample. Calibration runs each test on the fair
procedure over fixed seed lists (deterministic in CI) and states the band its false-alarm
count must fall in, with the band's own false-alarm probability; power runs the same tests on
procedures with a planted bias built here by tampering with the selection, not the library.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from collections import Counter
from fractions import Fraction

import attrs
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from _stats import corrected_statistic
from random_inspection import (
    ClassWeighted,
    EntityType,
    InvalidValueError,
    RiskClass,
    Seed,
    StratifiedByRisk,
    Target,
    TargetDirectory,
    TeamPolicy,
    assign_inspectors,
    draw_targets,
)
from random_inspection.analysis import (
    Replays,
    draw_fairness,
    inclusion_probabilities,
    inspector_fairness,
    recusal_impact,
    replay_draws,
    replay_selection,
    replay_teams,
    target_fairness,
)
from random_inspection.analysis._replay import _Plan
from random_inspection.assignment._assign import form_teams
from random_inspection.demo import demo_city
from random_inspection.registry._identifiers import uscc_check_character
from random_inspection.strategies import (
    class_weighted_designs,
    inspector_directories,
    purposes,
    seeds,
    stratified_designs,
    target_directories,
    team_policies,
)

COUNTIES = ("140902", "140921", "140922", "140981")
LEVEL = 0.05
RUNS = 200  # calibration runs per test
# A test with false-alarm rate exactly α rejects X ~ Binomial(200, 0.05) of 200 fair runs;
# P(X > 21) < 0.001, so the calibration assertion itself fails in fewer than 1 run in 1000.
BAND_HIGH = int(stats.binom.isf(0.001, RUNS, LEVEL))


def _directory(classes: list[RiskClass], counties: tuple[str, ...] = COUNTIES
               ) -> TargetDirectory:
    records = []
    for k, risk in enumerate(classes):
        county = counties[k % len(counties)]
        body = f"91{county}MA{k:07d}"
        records.append(Target(id=body + uscc_check_character(body), name=f"企业{k}",
                              entity_type=EntityType.ENTERPRISE, region=county,
                              industry=("C13", "F52", "H62")[k % 3], risk_class=risk))
    return TargetDirectory.from_records(records)


def _small() -> TargetDirectory:
    return _directory([RiskClass.A] * 4 + [RiskClass.B] * 3 + [RiskClass.C] * 3
                      + [RiskClass.D] * 2 + [RiskClass.UNCLASSIFIED] * 1)


def _enumerate(directory: TargetDirectory, outcomes: list[tuple[Fraction, tuple[int, ...]]]
               ) -> tuple[dict[str, Fraction], dict[tuple[str, str], Fraction]]:
    """π_i and π_ij by listing every sample: for each size outcome (probability p, sizes),
    every combination of n_h of each stratum, each with probability p / Π C(N_h, n_h)."""
    strata = [[t.id for t in directory if t.risk_class is c] for c in RiskClass]
    first: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for p, sizes in outcomes:
        choices = [list(itertools.combinations(s, n)) for s, n in zip(strata, sizes,
                                                                      strict=True)]
        weight = p / math.prod(len(c) for c in choices)
        for parts in itertools.product(*choices):
            sample = [i for part in parts for i in part]
            for i in sample:
                first[i] += weight
            for i, j in itertools.permutations(sample, 2):
                pairs[i, j] += weight
    return dict(first), dict(pairs)


def _check_all_pairs(directory: TargetDirectory, design: object,
                     outcomes: list[tuple[Fraction, tuple[int, ...]]]) -> None:
    p = inclusion_probabilities(design, directory)  # type: ignore[arg-type]
    first, pairs = _enumerate(directory, outcomes)
    ids = directory.ids.tolist()
    for i in ids:
        assert p.pi_i(i) == first.get(i, 0), i
        for j in ids:
            expected = first.get(i, 0) if i == j else pairs.get((i, j), 0)
            assert p.pi_ij(i, j) == expected, (i, j)
    rows = np.arange(len(ids))
    a, b = np.meshgrid(rows, rows)
    dense = p.pi_ij_rows(a.ravel(), b.ravel())
    exact = [float(p.pi_ij(ids[i], ids[j])) for i, j in zip(a.ravel(), b.ravel(), strict=True)]
    np.testing.assert_allclose(dense, exact, rtol=1e-12)


def test_pi_ij_stratified_by_enumeration() -> None:
    """Stratified SRSWOR: every π_ij equals the enumeration over all samples."""
    directory = _small()
    design = StratifiedByRisk(rates={"A": "1/2", "B": "1/3", "C": "2/3", "D": "1/2",
                                     "U": "1"}, floor="0")
    sizes = tuple(s.size for s in draw_targets(directory, design, seed="1" * 20,
                                               purpose="t").allocation.strata)
    assert sizes == (2, 1, 2, 1, 1)
    _check_all_pairs(directory, design, [(Fraction(1), sizes)])


def _rounding_outcomes(design: ClassWeighted, directory: TargetDirectory
                       ) -> list[tuple[Fraction, tuple[int, ...]]]:
    """The rounding's outcomes by the spec's text (§7.2), independently of the library's
    enumeration: the breakpoints frac(L_h), frac(U_h), and each interval's sizes from the
    rule ``ceil(L_h − u) < U_h − u`` at its midpoint."""
    pops = {c.code: sum(t.risk_class is c for t in directory) for c in RiskClass}
    pis = [s.inclusion_probability for s in design.allocate(pops, lambda: Fraction(0)).strata]
    expected = [p * pops[c.code] for p, c in zip(pis, RiskClass, strict=True)]
    floors = [math.floor(e) for e in expected]
    parts = [e - f for e, f in zip(expected, floors, strict=True)]
    bounds, low = {Fraction(0), Fraction(1)}, Fraction(0)
    for q in parts:
        bounds |= {low % 1, (low + q) % 1}
        low += q
    points = sorted(bounds)
    out = []
    for start, end in itertools.pairwise(points):
        u, low, sizes = (start + end) / 2, Fraction(0), list(floors)
        for h, q in enumerate(parts):
            if math.ceil(low - u) < low + q - u:
                sizes[h] += 1
            low += q
        out.append((end - start, tuple(sizes)))
    return out


def test_pi_ij_class_weighted_by_enumeration() -> None:
    """Class-weighted with randomized rounding: enumerate every rounding outcome and every
    subset; π_ij (within and across classes) matches, and across classes it is not π_i π_j."""
    directory = _small()
    design = ClassWeighted(total=5, weights={"A": "1", "B": "2", "C": "3", "D": "4", "U": "1"},
                           floor="0")
    outcomes = _rounding_outcomes(design, directory)
    assert len({sizes for _, sizes in outcomes}) > 1
    _check_all_pairs(directory, design, outcomes)
    p = inclusion_probabilities(design, directory)
    a, c = (next(t.id for t in directory if t.risk_class is k) for k in (RiskClass.A,
                                                                         RiskClass.C))
    assert p.pi_ij(a, c) != p.pi_i(a) * p.pi_i(c)


def test_probabilities_from_a_record_and_directory() -> None:
    """The record and its directory give the sample's π; another directory is refused."""
    city = demo_city(n_targets=1_500)
    sample = draw_targets(city.targets, StratifiedByRisk.from_preset("henan-2021"),
                          seed="31415926535897932384", purpose="2024/demo/1")
    p = inclusion_probabilities(sample.record, city.targets)
    np.testing.assert_array_equal(p.pi(), sample.inclusion_probabilities)
    assert p.targets()["pi"].sum() == pytest.approx(float(p.expected_size))
    with pytest.raises(InvalidValueError, match="digest the record names"):
        inclusion_probabilities(sample.record, demo_city(n_targets=1_400).targets)


# --- replays -----------------------------------------------------------------------------

@pytest.mark.parametrize("hash_name", ["sha256", "sm3"])
@pytest.mark.parametrize("weighted", [False, True])
def test_replays_are_draw_targets(hash_name: str, weighted: bool) -> None:
    """On fixed seeds the vectorised replay selects exactly what `draw_targets` selects, in
    draw order, and the counts (in 1 or 2 processes) are the tally of those draws."""
    city = demo_city(n_targets=2_000)
    design = (ClassWeighted(total=60, weights={"A": "1", "B": "2", "C": "3", "D": "5",
                                               "U": "1"}, scope={"entity_types": []})
              if weighted else StratifiedByRisk.from_preset("henan-2021"))
    fixed = [f"{k:020d}" for k in range(1, 21)]
    tally: Counter[str] = Counter()
    sample = None
    for seed in fixed:
        sample = draw_targets(city.targets, design, seed=seed, purpose="2024/demo/1",
                              hash=hash_name)
        assert replay_selection(sample, seed) == sample.selected_ids
        tally.update(sample.selected_ids)
    assert sample is not None
    serial = replay_draws(sample, seeds=fixed)
    parallel = replay_draws(sample, seeds=fixed, workers=2, chunk_size=3)
    np.testing.assert_array_equal(serial.counts, parallel.counts)
    expected = np.array([tally[i] for i in city.targets.ids.tolist()])
    np.testing.assert_array_equal(serial.counts, expected)
    assert serial.hash_name == hash_name
    assert serial.replays == 20


def test_replayed_frequencies_converge_to_exact_pi() -> None:
    """Over 4,000 replays every target's rate lies within 4.5 standard errors of its exact π
    (a false alarm needs one of 13 Binomial(4000, π) counts past 4.5σ: P < 1e-4), and the
    per-class sizes follow the exact size distribution."""
    directory = _small()
    design = ClassWeighted(total=5, weights={"A": "1", "B": "2", "C": "3", "D": "4", "U": "1"},
                           floor="0")
    replays = replay_draws(design, directory, replays=4_000, rng=20240601)
    pi = replays.probabilities.pi()
    rate = replays.counts / replays.replays
    assert np.all(np.abs(rate - pi) <= 4.5 * np.sqrt(pi * (1 - pi) / replays.replays))
    probabilities = np.array([float(o.probability) for o in replays.probabilities.outcomes])
    observed = np.array(replays.outcome_counts)
    statistic = ((observed - 4_000 * probabilities) ** 2 / (4_000 * probabilities)).sum()
    assert statistic < stats.chi2.isf(1e-4, len(observed) - 1)


def test_target_chi2_is_the_projects_corrected_statistic() -> None:
    """For a stratified design the toolkit's χ² is tests/_stats.py's corrected statistic
    summed over strata (the project's calibrated test, offered to auditors)."""
    directory = _directory([RiskClass.A] * 12 + [RiskClass.B] * 10 + [RiskClass.C] * 6)
    design = StratifiedByRisk(rates={"A": "1/4", "B": "3/10", "C": "1/2"}, floor="0")
    replays = replay_draws(design, directory, replays=300, rng=7)
    report = target_fairness(replays, by=())
    pi = replays.probabilities.pi()
    codes = directory.codes("risk_class")
    ours = 0.0
    for h in range(3):
        rows = np.flatnonzero(codes == h)
        ours += corrected_statistic(replays.counts[rows].tolist(), pi[rows].tolist(), 300)
    assert report.verdict.tests[0].statistic == pytest.approx(ours, rel=1e-9)
    assert report.verdict.tests[0].df == 12 + 10 + 6 - 3


# --- property tests ----------------------------------------------------------------------

def _exact_identities(p: object) -> None:
    from random_inspection.analysis import InclusionProbabilities  # noqa: PLC0415

    assert isinstance(p, InclusionProbabilities)
    pops, first, pair = p.populations, p.first_order, p.second_order
    assert sum((n * q for n, q in zip(pops, first, strict=True)), Fraction(0)) == \
        p.expected_size
    for h in range(5):
        for g in range(5):
            if pops[h] and pops[g] and (h != g or pops[h] > 1):
                assert pair[h][g] <= min(first[h], first[g])
                assert pair[h][g] == pair[g][h]
    if p.fixed_size:
        n = sum(p.outcomes[0].sizes)
        for h in range(5):
            if pops[h]:
                others = (pops[h] - 1) * pair[h][h] + sum(
                    (pops[g] * pair[h][g] for g in range(5) if g != h), Fraction(0))
                assert others == (n - 1) * first[h]


@given(directory=target_directories(min_size=1, max_size=25), design=stratified_designs())
def test_stratified_identities(directory: TargetDirectory, design: StratifiedByRisk) -> None:
    """Σπ = n, π_ij ≤ min(π_i, π_j), Σ_{j≠i} π_ij = (n − 1)π_i, exactly."""
    try:
        sample = draw_targets(directory, design, seed="1" * 20, purpose="p")
    except InvalidValueError:
        assume(False)
        return
    p = inclusion_probabilities(sample)
    assert p.expected_size == sample.allocation.total
    _exact_identities(p)


@given(directory=target_directories(min_size=1, max_size=25),
       design=class_weighted_designs(max_total=12))
def test_class_weighted_identities(directory: TargetDirectory, design: ClassWeighted) -> None:
    """Class-weighted: the rounding keeps the total fixed, so the same identities hold, and
    π_h matches the allocation's."""
    try:
        sample = draw_targets(directory, design, seed="1" * 20, purpose="p")
    except InvalidValueError:
        assume(False)
        return
    p = inclusion_probabilities(sample)
    assert p.fixed_size
    assert p.expected_size == sample.allocation.total
    assert [s.inclusion_probability for s in sample.allocation.strata if s.population] == \
        [q for q, n in zip(p.first_order, p.populations, strict=True) if n]
    assert sum(o.probability for o in p.outcomes) == 1
    _exact_identities(p)


@settings(max_examples=25)
@given(directory=target_directories(min_size=1, max_size=20),
       design=st.one_of(stratified_designs(), class_weighted_designs(max_total=8)),
       seed=seeds(), purpose=purposes())
def test_replay_matches_draw_targets(directory: TargetDirectory, design: object, seed: Seed,
                                     purpose: str) -> None:
    """For generated directories, designs, seeds and purposes, the replay is the draw."""
    try:
        sample = draw_targets(directory, design, seed=seed, purpose=purpose)  # type: ignore[arg-type]
    except InvalidValueError:
        assume(False)
        return
    assert replay_selection(sample, seed) == sample.selected_ids


@settings(max_examples=20)
@given(data=st.data(), directory=target_directories(min_size=3, max_size=12),
       inspectors=inspector_directories(min_size=2, max_size=10, valid_on=None))
def test_team_replays_count_every_place(data: st.DataObject, directory: TargetDirectory,
                                        inspectors: object) -> None:
    """Replayed team loads add up to the places filled, and a published draw's p-values are
    probabilities, whatever the policy."""
    policy = data.draw(team_policies(inspectors=inspectors, targets=directory))  # type: ignore[arg-type]
    assume(inspectors.officers_on(policy.check_date))  # type: ignore[attr-defined]
    design = StratifiedByRisk(rates=dict.fromkeys("ABCDU", "1/2"), floor="0",
                              scope={"entity_types": []})
    sample = draw_targets(directory, design, seed="2" * 20, purpose="p")
    assume(sample.selected_ids)
    assignment = assign_inspectors(sample, inspectors, policy)  # type: ignore[arg-type]
    replays = replay_teams(sample, inspectors, policy, replays=4, rng=1)  # type: ignore[arg-type]
    filled = (replays.members >= 0).sum(axis=(1, 2))
    np.testing.assert_array_equal(replays.loads().sum(axis=1), filled)
    report = inspector_fairness(assignment, replays, by="department")
    assert all(0 < t.p_value <= 1 for t in report.verdict.tests)


# --- calibration and power: the target draw over replays ---------------------------------

def _calibration_design() -> tuple[TargetDirectory, StratifiedByRisk]:
    classes = [RiskClass.A] * 20 + [RiskClass.B] * 16 + [RiskClass.C] * 8
    return _directory(classes), StratifiedByRisk(rates={"A": "1/4", "B": "1/4", "C": "1/2"},
                                                 floor="0")


def _skip_county(plan: _Plan, probabilities: object, seed: str, county_rows: set[int]
                 ) -> list[int]:
    """A tampered draw: the real selection, with every target of the skipped county
    replaced by the first unselected target of its stratum outside that county."""
    strata = probabilities.stratum  # type: ignore[attr-defined]
    _, positions = plan.draw(seed)
    chosen: list[int] = []
    for h, picked in enumerate(positions):
        rows = np.flatnonzero(strata == h).tolist()
        selected = [rows[k] for k in picked.tolist()]
        spare = [r for r in rows if r not in selected and r not in county_rows]
        chosen += [spare.pop(0) if r in county_rows else r for r in selected]
    return chosen


def test_target_fairness_calibration_and_power() -> None:
    """Fair procedure: 200 runs of 150 replays each (fixed seeds); each test's false alarms
    at α = 0.05 stay within the binomial band (≤ 21 of 200, a band a test of exact level α
    exceeds with probability < 0.001). Planted bias — one county never drawn — is rejected
    in at least 19 of 20 runs."""
    directory, design = _calibration_design()
    rejections: Counter[str] = Counter()
    overall = 0
    for run in range(RUNS):
        fixed = [f"{run:06d}{k:014d}" for k in range(150)]
        report = target_fairness(replay_draws(design, directory, seeds=fixed), by="county",
                                 level=LEVEL)
        for test in report.verdict.tests:
            rejections[test.name] += test.p_value < LEVEL
        overall += report.rejected
    assert len(rejections) == 4
    assert all(count <= BAND_HIGH for count in rejections.values()), rejections
    assert overall <= BAND_HIGH
    # Not vacuous: the χ² of the targets does reject about α of fair runs (≥ 2 of 200:
    # P(Binomial(200, 0.05) < 2) < 0.001).
    assert rejections["targets: χ² (1−π corrected, exact covariance)"] >= 2

    probabilities = inclusion_probabilities(design, directory)
    plan = _Plan.of(probabilities, "analysis/replay", "sha256")
    skipped = set(np.flatnonzero(np.char.startswith(
        directory.column("region").astype(str), COUNTIES[1])).tolist())
    caught = 0
    for run in range(20):
        counts = np.zeros(len(directory), dtype=np.int64)
        fixed = [f"{run:06d}{k:014d}" for k in range(150)]
        for seed in fixed:
            counts[_skip_county(plan, probabilities, seed, skipped)] += 1
        tampered = Replays(probabilities, counts, tuple(fixed), "analysis/replay", "sha256",
                           (150,))
        caught += target_fairness(tampered, by="county", level=LEVEL).rejected
    assert caught >= 19


def test_single_draw_calibration_and_power() -> None:
    """One published draw against its design: 200 fair draws (seeds …001 to …200) are
    called implausible at α = 0.05 no more often than the band allows (Monte Carlo p-values
    with B = 199 have level exactly α); draws that skip a county (expected 13 targets there)
    are caught in at least 45 of 50."""
    classes = [RiskClass.A] * 240 + [RiskClass.B] * 120 + [RiskClass.C] * 40
    directory = _directory(classes)
    design = StratifiedByRisk(rates={"A": "1/10", "B": "1/5", "C": "1/2"}, floor="0")
    false_alarms = 0
    samples = []
    for k in range(1, RUNS + 1):
        sample = draw_targets(directory, design, seed=f"{k:020d}", purpose="2024/cal/1")
        samples.append(sample)
        report = draw_fairness(sample, by="county", simulations=199, rng=k, level=LEVEL)
        false_alarms += report.rejected
    assert false_alarms <= BAND_HIGH

    county = set(directory.ids[np.char.startswith(directory.column("region").astype(str),
                                                  COUNTIES[2])].tolist())
    caught = 0
    for k, sample in enumerate(samples[:50]):
        record = sample.record
        strata = []
        for stratum in record.strata:
            members = [t.id for t in directory if t.risk_class.code == stratum.label]
            spare = [i for i in members if i not in stratum.selected and i not in county]
            strata.append(attrs.evolve(stratum, selected=[
                spare.pop(0) if i in county else i for i in stratum.selected]))
        tampered = attrs.evolve(record, strata=tuple(strata))
        caught += draw_fairness(tampered, directory, by="county", simulations=199, rng=k,
                                level=LEVEL).rejected
    assert caught >= 45


# --- calibration and power: the inspector draw -------------------------------------------

def test_inspector_fairness_calibration_and_power() -> None:
    """Whole-pool teams for fixed targets. Null: 399 replays of `form_teams`. 200 further
    fair draws are tested against it: each of the six tests rejects at α = 0.05 within the
    band of a rank test sharing one null sample (rejections ~ BetaBinomial(200, 20, 380);
    P(> band) < 0.001). A planted bias — every team given an officer of one office — is
    rejected in every one of 30 tampered draws."""
    city = demo_city(n_targets=3_000, n_officers=60)
    sample = draw_targets(city.targets, StratifiedByRisk.from_preset("henan-2021"),
                          seed="31415926535897932384", purpose="2024/demo/1")
    policy = TeamPolicy(check_date=city.as_of)
    null = replay_teams(sample, city.inspectors, policy, replays=399, rng=1, workers=2)
    targets = list(null.targets)
    band = int(stats.betabinom.isf(0.001, RUNS, 20, 380))
    rejections: Counter[str] = Counter()
    for k in range(RUNS):
        section = form_teams(targets, city.inspectors, policy, seed=Seed(f"{k:020d}9"),
                             purpose="2024/demo/1")
        report = inspector_fairness(section, null, by="office", level=LEVEL)
        for test in report.verdict.tests:
            rejections[test.name] += test.p_value <= LEVEL
    assert len(rejections) == 6
    assert all(count <= band for count in rejections.values()), (rejections, band)

    offices = Counter(o.office for o in null.officers)
    favoured = min(office for office, n in offices.items() if n >= 2)
    ours = [o.id for o in null.officers if o.office == favoured]
    caught = 0
    for k in range(30):
        section = form_teams(targets, city.inspectors, policy, seed=Seed(f"{k:020d}7"),
                             purpose="2024/demo/1")
        for j, team in enumerate(section["teams"]):
            if not set(team["officers"]) & set(ours):
                friend = ours[j % len(ours)]
                kept = [o for o in team["officers"] if o != team["leader"]][1:]
                team["officers"] = sorted([team["leader"], *kept, friend])
        caught += inspector_fairness(section, null, by="office", level=LEVEL).rejected
    assert caught == 30


def test_recusal_impact_by_ground() -> None:
    """The record's exclusions by ground, with labels and shares of the mode pools."""
    city = demo_city(n_targets=3_000, n_officers=60)
    sample = draw_targets(city.targets, StratifiedByRisk.from_preset("henan-2021"),
                          seed="31415926535897932384", purpose="2024/demo/1")
    policy = TeamPolicy(check_date=city.as_of, mode="cross_office")
    assignment = assign_inspectors(sample, city.inspectors, policy)
    replays = replay_teams(sample, city.inspectors, policy, replays=3, rng=2)
    table = recusal_impact(assignment, replays)
    assert table.loc["own_office", "pairs"] == assignment.exclusions["own_office"]
    assert table.loc["own_office", "label"].startswith("所所交叉")
    assert 0 < table.loc["own_office", "share_of_pool"] < 1


# --- errors ------------------------------------------------------------------------------

def test_errors_name_the_field_and_the_fix() -> None:
    """Bad arguments raise the library's errors, naming the field and the fix."""
    directory, design = _calibration_design()
    replays = replay_draws(design, directory, replays=5, rng=1)
    with pytest.raises(InvalidValueError, match="'level'.*state the false-alarm rate"):
        target_fairness(replays, level=1.5)
    with pytest.raises(InvalidValueError, match="'by'.*use one of"):
        target_fairness(replays, by="colour")
    with pytest.raises(InvalidValueError, match="'workers'"):
        replay_draws(design, directory, replays=5, workers=0)
    with pytest.raises(InvalidValueError, match="'replays'"):
        replay_draws(design, directory, replays=0)
    with pytest.raises(InvalidValueError, match="is a design, not a draw"):
        draw_fairness(design, directory)


def test_without_the_extra_the_import_says_what_to_install() -> None:
    """Without scipy, importing the toolkit names the extra to install."""
    code = ("import sys; sys.modules['scipy'] = None\n"
            "try:\n    import random_inspection.analysis\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "pip install 'random-inspection[analysis]'" in out

"""draw_targets: reproducibility, exact sizes, inclusion probabilities, the floor, errors."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from random_inspection import (
    ClassWeighted,
    InvalidValueError,
    RiskClass,
    Seed,
    StratifiedByRisk,
    TargetDirectory,
    draw_targets,
)
from random_inspection.demo import DemoCity
from random_inspection.sampling import Design
from random_inspection.strategies import (
    class_weighted_designs,
    purposes,
    seeds,
    stratified_designs,
    target_directories,
)

DESIGNS = st.one_of(stratified_designs(), class_weighted_designs())


def _draw_or_skip(directory: TargetDirectory, design: Design, seed: Seed, purpose: str):  # type: ignore[no-untyped-def]
    try:
        return draw_targets(directory, design, seed=seed, purpose=purpose)
    except InvalidValueError as error:  # unmeetable floor, empty frame, total > eligible
        assume(error.field in {"floor", "design", "total"} and False)
        raise


@given(target_directories(min_size=1), DESIGNS, seeds(), purposes())
def test_row_order_never_matters(directory: TargetDirectory, design: Design, seed: Seed,
                                 purpose: str) -> None:
    """The same directory in any row order gives the identical record."""
    sample = _draw_or_skip(directory, design, seed, purpose)
    records = directory.to_records()
    random.Random(len(records)).shuffle(records)
    again = draw_targets(TargetDirectory.from_records(records), design, seed=seed,
                         purpose=purpose)
    assert again.record.to_json() == sample.record.to_json()


@given(target_directories(min_size=1), DESIGNS, seeds(), purposes())
def test_sizes_probabilities_and_floor(directory: TargetDirectory, design: Design, seed: Seed,
                                       purpose: str) -> None:
    """Exact sizes, distinct eligible selections, Σπ = E[n], and the floor holds."""
    sample = _draw_or_skip(directory, design, seed, purpose)
    allocation = sample.allocation
    selected = sample.selected_ids
    assert len(selected) == len(set(selected)) == allocation.total
    for stratum, record in zip(allocation.strata, sample.record.strata, strict=True):
        assert len(record.selected) == stratum.size <= stratum.population
        assert all(directory[i].risk_class.code == stratum.label for i in record.selected)
    pi_sum = sum(sample.inclusion_probability(t.id) for t in directory)
    expected = sum(s.population * s.inclusion_probability for s in allocation.strata)
    assert pi_sum == expected
    if isinstance(design, StratifiedByRisk):
        assert pi_sum == allocation.total  # n is fixed: Σπ = n exactly
    assert allocation.total >= math.ceil(design.floor * allocation.population)
    assert all(sample.inclusion_probability(i) > 0 for i in selected)
    assert math.isclose(float(sample.inclusion_probabilities.sum()), float(pi_sum))


@given(target_directories(min_size=5, max_size=40), seeds())
def test_floor_scaling_keeps_ratios(directory: TargetDirectory, seed: Seed) -> None:
    """Scaled rates keep their ratios (until capped at 1) and just reach the floor."""
    design = StratifiedByRisk(rates={"A": "1/100", "B": "2/100", "C": "5/100", "D": "10/100",
                                     "U": "1/100"}, floor="1/5", scope={"entity_types": []})
    sample = draw_targets(directory, design, seed=seed, purpose="floor")
    a = sample.allocation
    assert a.total >= a.floor_count
    for s in a.strata:
        assert s.effective_rate == min(1, s.rate * a.scale)
    if a.scale > 1:  # least: at the previous breakpoint k/(r·N) the sizes miss the floor
        earlier = [Fraction(k) / (s.rate * s.population) for s in a.strata
                   if s.rate > 0 and s.population
                   for k in range(1, s.population + 1)
                   if Fraction(k) / (s.rate * s.population) < a.scale]
        previous = max([Fraction(1), *earlier])
        assert sum(math.ceil(min(1, s.rate * previous) * s.population)
                   for s in a.strata) < a.floor_count


def test_issue_example(small_city: DemoCity) -> None:
    """The public face from the issue, on the demo city."""
    design = StratifiedByRisk(rates={RiskClass.A: "1/100", RiskClass.B: "3/100",
                                     RiskClass.C: "6/100", RiskClass.D: "15/100"})
    sample = draw_targets(small_city.targets, design, seed=Seed("31415926535897932384"),
                          purpose="2024/city/task-03")
    enterprises = small_city.targets.counts("entity_type")["enterprise"]
    assert len(sample.selected_ids) >= math.ceil(enterprises * 3 / 100)
    assert all(small_city.targets[i].entity_type.code == "enterprise"
               for i in sample.selected_ids)
    assert sample.record.to_json().count('"record_digest"') == 1


def test_certainty_and_class_weighted(small_city: DemoCity) -> None:
    """Rate 1 takes the whole class; class weights give π ∝ weight (capped at 1)."""
    d = small_city.targets
    sample = draw_targets(d, StratifiedByRisk(rates={"D": "1"}, floor="0"),
                          seed="31415926535897932384", purpose="all-D")
    d_ids = [t.id for t in d if t.risk_class is RiskClass.D
             and t.entity_type.code == "enterprise"]
    assert list(sample.record.strata[3].selected) == d_ids  # canonical order, no hashing
    weighted = draw_targets(d, ClassWeighted(total=60, weights={"A": "1", "B": "1", "C": "4",
                                                                "D": "100"}, floor="0"),
                            seed="31415926535897932384", purpose="weighted")
    pis = {s.label: s.inclusion_probability for s in weighted.allocation.strata}
    assert pis["C"] == 4 * pis["A"]
    assert pis["D"] == 1
    assert sum(s.population * s.inclusion_probability
               for s in weighted.allocation.strata) == 60


@pytest.mark.parametrize("seed", [31415926535897932384, 3.14, "12345", "31415 92653 58979 32384",
                                  "0x31415926535897932384", ""])
def test_bad_seeds_are_refused(seed: object) -> None:
    """Numbers, floats, short seeds and stray characters raise, naming the seed."""
    with pytest.raises(InvalidValueError) as info:
        Seed(seed)  # type: ignore[arg-type]
    assert info.value.field == "value"


def test_seed_forms() -> None:
    """Hex seeds, combined contributions and generated seeds."""
    assert Seed("0123456789abcdef0123456789ABCDEF").value.endswith("ABCDEF")
    combined = Seed.combine({"市局": "3141592653", "公证处": "5897932384"})
    assert combined.value == "3141592653-5897932384"
    assert combined.parties == ("市局", "公证处")
    assert Seed.generate().provenance == "generated"
    with pytest.raises(InvalidValueError):
        Seed.combine({"one": "31415926535897932384"})
    with pytest.raises(InvalidValueError):
        Seed("31415926535897932384", provenance="lucky")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"rates": {"A": 0.03}}, "rates[A]"),
    ({"rates": {"A": "3"}}, "rates[A]"),
    ({"rates": {"E": "1/100"}}, "rates"),
    ({"rates": {"A": "1/100"}, "minimums": {"A": 5}, "maximums": {"A": 2}}, "minimums[A]"),
    ({"rates": {"A": "1/100"}, "floor": "1.5"}, "floor"),
])
def test_bad_designs_are_refused(kwargs: dict[str, object], field: str) -> None:
    """A float rate, a rate of 3 instead of 0.03, an unknown class, min > max, floor > 1."""
    with pytest.raises(InvalidValueError) as info:
        StratifiedByRisk(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
    assert "Fix:" in str(info.value)


def test_unmeetable_floor_and_empty_scope(small_city: DemoCity) -> None:
    """A floor that maximums forbid, and a scope matching nothing, raise clear errors."""
    d = small_city.targets
    with pytest.raises(InvalidValueError, match="cannot be met"):
        draw_targets(d, StratifiedByRisk(rates={"A": "1/100"}, maximums={"A": 1}),
                     seed="31415926535897932384", purpose="x")
    with pytest.raises(InvalidValueError, match="leaves none of the 3,000 targets eligible"):
        draw_targets(d, StratifiedByRisk(rates={"A": "1/100"}, scope={"region_prefixes":
                                                                       ["6501"]}),
                     seed="31415926535897932384", purpose="x")
    with pytest.raises(InvalidValueError, match="purpose"):
        draw_targets(d, StratifiedByRisk(rates={"A": "1/100"}),
                     seed="31415926535897932384", purpose="a,b")


def test_exclusions_give_zero_probability(small_city: DemoCity) -> None:
    """Recently checked and listed targets are never drawn, π = 0, and are counted."""
    d = small_city.targets
    listed = [t.id for t in d if t.risk_class is RiskClass.D][:5]
    design = StratifiedByRisk(rates={"A": "1", "B": "1", "C": "1", "D": "1", "U": "1"},
                              exclude_checked_since="2023-06-01",
                              excluded_ids={"drawn by 2024/province/1": listed}, floor="0",
                              scope={"entity_types": []})
    sample = draw_targets(d, design, seed="31415926535897932384", purpose="excl")
    chosen = set(sample.selected_ids)
    assert not chosen & set(listed)
    for t in d:
        recent = t.last_check_date is not None and t.last_check_date.isoformat() >= "2023-06-01"
        excluded = recent or t.id in listed
        assert (t.id in chosen) != excluded
        assert sample.inclusion_probability(t.id) == (0 if excluded else 1)
    assert sample.record.eligibility["excluded_ids"]["drawn by 2024/province/1"] == sum(
        1 for i in listed if not (d[i].last_check_date and
                                  d[i].last_check_date.isoformat() >= "2023-06-01"))

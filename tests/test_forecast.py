"""The year's coverage forecast (replays of the real draws, stated error, the proposal) and the
risk-classification indicator over drawn checks (the rule, per draw).

The forecast tests use a 20,000-target demo city so they take seconds; the demo's own size
(200,000 targets) is exercised by ``benchmarks/test_bench_forecast.py``.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from random_inspection import (
    AuditRecord,
    ClassWeighted,
    InvalidTypeError,
    InvalidValueError,
    RiskClass,
    StratifiedByRisk,
    TargetDirectory,
    draw_targets,
)
from random_inspection.cli import main
from random_inspection.demo import DemoCity, demo_city, demo_plan
from random_inspection.planning import (
    AnnualPlan,
    CoverageForecast,
    Task,
    draw_applies_risk_classification,
    draw_year_targets,
    forecast_coverage,
    run_plan,
    write_plan,
)
from random_inspection.planning._coverage import scaled_task
from random_inspection.planning._masks import enterprise_mask
from random_inspection.planning._risk import _resized
from random_inspection.strategies import designs, target_directories

SEED = "31415926535897932384"
ENTERPRISES = {"entity_types": ["enterprise"]}
RATED = (RiskClass.A, RiskClass.B, RiskClass.C, RiskClass.D)
#: Two-sided normal point for a false-alarm rate of 1 in 1,000 (|Z| > 3.29).
Z_ALARM = 3.29
#: The test's own replays: fixed decimal seeds, a stream apart from the forecast's (hex,
#: from numpy).
TEST_SEEDS = tuple(str(271828182845904523536 + k) for k in range(200))


@pytest.fixture(scope="module")
def city() -> DemoCity:
    """A 20,000-target demo city: the demo's shape at a tenth of its size."""
    return demo_city(n_targets=20_000, n_officers=200)


def _task(code: str, design: object, *, items: tuple[str, ...] = ("SJ01",),
          level: str = "city", start: str = "2024-05-01", end: str = "2024-09-30",
          **more: object) -> Task:
    return Task(code=code, name=f"task {code}", level=level, items=items, design=design,
                start=start, end=end, **more)


def _plan(*tasks: Task, **more: object) -> AnnualPlan:
    return AnnualPlan(name="plan", level="city", region="1409", year=2024, tasks=tasks, **more)


def _revised(plan: AnnualPlan, tasks: tuple[Task, ...]) -> AnnualPlan:
    new = {t.code: t for t in tasks}
    return plan.revise(tasks=[new.get(t.code, t) for t in plan.tasks], when="2024-04-10",
                       who="信用监管科", why="forecast proposal")


def _covered(plan: AnnualPlan, directory: TargetDirectory, seeds: tuple[str, ...]
             ) -> np.ndarray:
    mask = enterprise_mask(plan, directory)
    return np.array([draw_year_targets(plan, directory, seed=s, top_up=False).covered(mask)
                     for s in seeds])


# -- the replay is the real procedure ------------------------------------------------------


@pytest.mark.parametrize("seed", [SEED, "27182818284590452353", "0123456789abcdef" * 2])
def test_year_draws_are_run_plans_draws(city: DemoCity, seed: str) -> None:
    """`draw_year_targets` gives exactly the records (hence selections) of `run_plan` on the
    same seed, top-up included; without the top-up it is the same draws less the last."""
    plan = demo_plan()
    run = run_plan(plan, city.targets, city.inspectors, city.check_items, seed=seed)
    year = draw_year_targets(plan, city.targets, seed=seed)
    assert [(t.code, s.record.draw_digest()) for t, s in year.draws] == \
        [(r.task.code, r.sample.record.draw_digest()) for r in run.runs]
    assert [s.selected_ids for _, s in year.draws] == [r.sample.selected_ids for r in run.runs]
    assert year.draws[-1][0] is plan.top_up  # the filed plan is short: the top-up ran
    bare = draw_year_targets(plan, city.targets, seed=seed, top_up=False)
    assert [s.record.draw_digest() for _, s in bare.draws] == \
        [s.record.draw_digest() for _, s in year.draws[:-1]]
    mask = enterprise_mask(plan, city.targets)
    assert year.covered(mask) == run.report.covered


# -- the forecast against the procedure -----------------------------------------------------


@pytest.mark.parametrize("revise", [False, True], ids=["as filed", "with the proposal"])
def test_forecast_matches_the_mean_of_200_replays(city: DemoCity, revise: bool) -> None:
    """The forecast (R = 50 replays from rng=2024) agrees with the mean coverage of 200
    replays of the demo year on fixed seeds of the test's own, within the forecast's stated
    error plus the test's Monte Carlo error: |difference| <= 3.29 × sqrt(se_forecast² +
    sd_test² / 200), a false-alarm rate of 1 in 1,000 for seeds drawn at random (these
    are fixed, so the outcome is too). The share of years needing the top-up agrees the
    same way (binomial standard errors)."""
    plan = demo_plan()
    forecast = forecast_coverage(plan, city.targets, rng=2024)
    if revise:
        assert forecast.proposal is not None
        plan = _revised(plan, forecast.proposed)
        forecast = forecast_coverage(plan, city.targets, rng=2024)
    covered = _covered(plan, city.targets, TEST_SEEDS)
    error = math.sqrt(forecast.stderr ** 2 + covered.var(ddof=1) / len(covered))
    assert forecast.stderr > 0
    assert error > 0
    assert abs(covered.mean() - forecast.expected) <= Z_ALARM * error
    short = (covered < forecast.need).mean()
    pooled = (short * len(covered) + forecast.short_share * forecast.replays) / (
        len(covered) + forecast.replays)
    share_error = math.sqrt(pooled * (1 - pooled) * (1 / len(covered) + 1 / forecast.replays))
    assert abs(short - forecast.short_share) <= Z_ALARM * share_error + 1e-12
    low, high = forecast.interval
    assert low < forecast.expected < high
    assert high - low == pytest.approx(2 * 1.959963984540054 * forecast.stderr)
    if revise:
        assert 0 < forecast.short_share < 1  # met on average, yet short in some years
    else:
        assert forecast.short_share == 1
        assert forecast.shortfall > 0


def test_independent_tasks_figure_is_a_lower_bound(city: DemoCity) -> None:
    """The independent-tasks figure is below the replay forecast (within its error) on the
    demo year, far below it when fixed totals are drawn for the same items (the later task
    takes its whole total from what is left), and equal to it for one task."""
    demo = forecast_coverage(demo_plan(), city.targets, rng=1)
    assert demo.lower_bound <= demo.expected + Z_ALARM * demo.stderr
    weighted = ClassWeighted(total=2_000, weights={"A": 1, "B": 1, "C": 2, "D": 4}, floor=0,
                             scope=ENTERPRISES)
    overlapping = forecast_coverage(_plan(_task("W1", weighted), _task("W2", weighted)),
                                    city.targets, rng=1)
    assert overlapping.expected == 4_000  # every replay: two totals of distinct enterprises
    assert overlapping.lower_bound < overlapping.expected - 200
    mixed = StratifiedByRisk(rates={"A": "1%", "B": "2%", "C": "10%", "D": "30%"}, floor=0,
                             scope={"entity_types": ["enterprise", "individual_business"]})
    one = forecast_coverage(_plan(_task("T1", mixed)), city.targets, rng=1)
    assert one.stderr > 0  # enterprises are a random part of what it draws
    assert abs(one.expected - one.lower_bound) <= Z_ALARM * one.stderr
    alone = forecast_coverage(_plan(_task("T1", attrs.evolve(mixed, scope=ENTERPRISES))),
                              city.targets, rng=1)
    assert alone.stderr == 0
    assert alone.expected == pytest.approx(alone.lower_bound)


def test_proposal_is_the_least_factor_on_the_same_replays(city: DemoCity) -> None:
    """The proposal reaches the floor in the replay forecast and one hundredth less does not,
    on the same replay seeds; the province's task is not scaled; the proposal's forecast is
    the forecast of the revised plan."""
    plan = demo_plan()
    forecast = forecast_coverage(plan, city.targets, rng=7)
    assert forecast.shortfall > 0
    assert forecast.factor is not None
    assert forecast.proposal is not None
    assert "SX-2024-01" not in {t.code for t in forecast.proposed}
    assert len(forecast.proposed) == 6
    revised = _revised(plan, forecast.proposed)
    again = forecast_coverage(revised, city.targets, rng=7)
    assert again.replay_seeds == forecast.replay_seeds
    assert again.expected >= again.need
    assert again.shortfall == 0
    assert again.expected == forecast.proposal.expected
    assert again.short_share == forecast.proposal.short_share
    less = forecast.factor - Fraction(1, 100)
    shy = _revised(plan, tuple(scaled_task(t, less) for t in plan.run_order()
                               if t.code in {p.code for p in forecast.proposed}))
    below = forecast_coverage(shy, city.targets, rng=7, propose=False)
    assert below.expected < below.need
    assert "proposal" in str(forecast)
    assert "SHORT" in str(forecast)


def test_proposal_comes_from_the_replays_not_the_bound(city: DemoCity) -> None:
    """With fixed totals drawn for the same items, the independent-tasks figure at the
    proposed factor is still short: a proposal from it would ask for more."""
    weighted = ClassWeighted(total=80, weights={"A": 1, "B": 1, "C": 2, "D": 16}, floor=0,
                             scope=ENTERPRISES)
    plan = _plan(_task("W1", weighted), _task("W2", weighted))
    forecast = forecast_coverage(plan, city.targets, rng=3)
    assert forecast.expected == 160 < forecast.need
    assert forecast.proposal is not None
    assert forecast.factor is not None
    assert forecast.proposal.expected >= forecast.need
    assert forecast.proposal.lower_bound < forecast.need
    assert [t.design.total for t in forecast.proposed] == [  # type: ignore[union-attr]
        math.ceil(80 * forecast.factor)] * 2


def test_forecast_is_reproducible_and_takes_a_generator(city: DemoCity) -> None:
    """The same rng gives the same seeds and forecast; a Generator or None works too; the
    replays' seeds are 128-bit hex simulation seeds, never the plan's."""
    plan = _plan(_task("T1", StratifiedByRisk(rates={"A": "1%", "D": "20%"}, floor=0,
                                              scope=ENTERPRISES)))
    a = forecast_coverage(plan, city.targets, replays=5, rng=11)
    b = forecast_coverage(plan, city.targets, replays=5, rng=np.random.default_rng(11))
    c = forecast_coverage(plan, city.targets, replays=5, rng=12)
    assert a.replay_seeds == b.replay_seeds != c.replay_seeds
    assert a.expected == b.expected
    assert all(len(s) == 32 and int(s, 16) >= 0 for s in a.replay_seeds)
    assert forecast_coverage(plan, city.targets, replays=2, rng=None).replays == 2
    assert len(forecast_coverage(plan, city.targets).replay_seeds) == 50  # the default R


@pytest.mark.parametrize(("kwargs", "error", "field"), [
    ({"replays": 1}, InvalidValueError, "replays"),
    ({"replays": True}, InvalidValueError, "replays"),
    ({"replays": 2.5}, InvalidValueError, "replays"),
    ({"rng": -1}, InvalidValueError, "rng"),
    ({"rng": "7"}, InvalidTypeError, "rng"),
])
def test_bad_forecast_arguments(small_city: DemoCity, kwargs: dict[str, object],
                                error: type[Exception], field: str) -> None:
    """R below 2, a negative or textual rng: refused naming the argument and a fix."""
    with pytest.raises(error) as caught:
        forecast_coverage(demo_plan(), small_city.targets, **kwargs)  # type: ignore[arg-type]
    assert getattr(caught.value, "field", getattr(caught.value, "argument", None)) == field
    assert "Fix:" in str(caught.value)


# -- the report -----------------------------------------------------------------------------


def test_report_shows_the_forecast_and_the_indicator_over_drawn_checks(
        small_city: DemoCity) -> None:
    """A year of one classifying task and one with equal rates: the report gives each
    task's verdict, the indicator is the share of drawn checks, the forecast (attached) is
    printed next to the coverage achieved and in ``to_dict``; the forecast of the
    indicator equals it here (sizes are fixed)."""
    plan = _plan(_task("T1", StratifiedByRisk(rates={"A": "1%", "B": "2%", "C": "10%",
                                                     "D": "30%"}, floor=0, scope=ENTERPRISES)),
                 _task("T2", StratifiedByRisk(rates=dict.fromkeys("ABCD", "5%"), floor=0,
                                              scope=ENTERPRISES), items=("SJ07",)))
    forecast = forecast_coverage(plan, small_city.targets, rng=5)
    year = run_plan(plan, small_city.targets, small_city.inspectors, small_city.check_items,
                    seed=SEED)
    report = year.report
    assert report.forecast is None
    verdicts = {t.code: t.applies_risk_classification for t in report.tasks}
    assert verdicts == {"T1": True, "T2": False}
    drawn = {t.code: t.drawn for t in report.tasks}
    assert report.risk_classified == drawn["T1"]
    assert report.risk_classification_rate == Fraction(drawn["T1"], drawn["T1"] + drawn["T2"])
    assert forecast.risk_classification_rate == pytest.approx(
        float(report.risk_classification_rate))
    assert forecast.task_risk_classification == {"T1": 1.0, "T2": 0.0}
    assert "T2: applies it in 0% of replays" in str(forecast)
    indicator = next(i for i in report.indicators() if i[0].startswith("风险分类应用率"))
    assert indicator[2] == "SHORT"
    assert plan.risk_classification_rate() == Fraction(1, 2)  # the plan-time figure differs
    shown = attrs.evolve(report, forecast=forecast)
    text = str(shown)
    assert "forecast before the year 年初预测" in text
    assert "NOT applied" in text
    coverage = next(i for i in shown.indicators() if i[0].startswith("企业覆盖率"))
    assert "forecast 预计" in coverage[1]
    data = json.loads(json.dumps(shown.to_dict(), ensure_ascii=False))
    assert data["forecast"]["expected"] == pytest.approx(forecast.expected)
    assert data["forecast"]["replays"] == 50
    assert data["risk_classified"] == drawn["T1"]
    assert [t["applies_risk_classification"] for t in data["tasks"]] == [True, False]
    assert isinstance(forecast, CoverageForecast)


# -- the risk-classification rule ------------------------------------------------------------


def _applies(directory: TargetDirectory, design: StratifiedByRisk | ClassWeighted) -> bool:
    sample = draw_targets(directory, design, seed=SEED, purpose="2024/1409/rule")
    return draw_applies_risk_classification(sample.record, directory)


def _rates(**rates: str) -> StratifiedByRisk:
    return StratifiedByRisk(rates=rates, floor=0, scope=ENTERPRISES)


@pytest.mark.parametrize(("name", "design", "only_d", "expected"), [
    ("equal rates", _rates(A="5%", B="5%", C="5%", D="5%"), False, False),
    ("rates differ", _rates(A="1%", B="2%", C="10%", D="30%"), False, True),
    ("scope D only", StratifiedByRisk(rates=dict.fromkeys("ABCD", "5%"), floor=0,
                                      scope={**ENTERPRISES, "risk_classes": ["D"]}),
     False, True),
    ("zero rates for A-C", _rates(D="30%"), False, True),
    ("equal rates, a frame of only D", _rates(A="5%", B="5%", C="5%", D="5%"), True, False),
    ("zero rates for A-C, a frame of only D", _rates(D="30%"), True, False),
    ("rates differ only between classes the frame lacks", _rates(A="1%", B="2%", D="30%"),
     True, False),
    ("U-only difference", _rates(A="5%", B="5%", C="5%", D="5%", U="50%"), False, False),
    ("U left out by the scope", StratifiedByRisk(
        rates=dict.fromkeys("ABCDU", "5%"), floor=0,
        scope={**ENTERPRISES, "risk_classes": ["A", "B", "C", "D"]}), False, False),
    ("equal rates, a class minimum", StratifiedByRisk(
        rates=dict.fromkeys("ABCD", "1%"), minimums={"D": 20}, floor=0, scope=ENTERPRISES),
     False, True),
    ("equal weights", ClassWeighted(total=50, weights=dict.fromkeys("ABCD", 1), floor=0,
                                    scope=ENTERPRISES), False, False),
    ("weights differ", ClassWeighted(total=50, weights={"A": 1, "B": 1, "C": 2, "D": 4},
                                     floor=0, scope=ENTERPRISES), False, True),
    ("weight 0 for A", ClassWeighted(total=50, weights={"B": 1, "C": 1, "D": 1}, floor=0,
                                     scope=ENTERPRISES), False, True),
])
def test_risk_classification_rule(small_city: DemoCity, name: str,
                                  design: StratifiedByRisk | ClassWeighted, only_d: bool,
                                  expected: bool) -> None:
    """The rule's cases: equal rates do not apply it, differing rates, a scope of D only and
    zero rates for the others do; a frame that merely holds only class D does not, whatever
    the rates of the classes it lacks; class U never counts; a class's minimum does."""
    directory = small_city.targets.filter(risk_classes=[RiskClass.D]) if only_d \
        else small_city.targets
    assert _applies(directory, design) is expected, name


def test_rounding_up_is_not_a_difference_in_treatment(small_city: DemoCity) -> None:
    """Equal rates give unequal inclusion probabilities once sizes are rounded up to whole
    targets (⌈rate × N⌉ / N); that does not count as applying the classification."""
    sample = draw_targets(small_city.targets, _rates(A="1%", B="1%", C="1%", D="1%"),
                          seed=SEED, purpose="2024/1409/rule")
    probabilities = {s.inclusion_probability for s in sample.allocation.strata[:4]}
    assert len(probabilities) > 1
    assert not draw_applies_risk_classification(sample.record, small_city.targets)


def test_spec_one_adjustment_text_is_read() -> None:
    """Records of spec 1 carried the adjustments' text: a minimum or maximum is found there
    too."""
    assert _resized(["D: raised to the minimum of 20 (rate gave 1)",
                     {"code": "maximum", "label": "A", "maximum": 3, "rate_size": 5},
                     "sizes rounded by systematic randomized rounding (start 1/2)"]) == {"D",
                                                                                         "A"}


def _drawable(directory: TargetDirectory, design: StratifiedByRisk | ClassWeighted
              ) -> StratifiedByRisk | ClassWeighted:
    """The design with a weighted total capped at what it can draw; rejects empty frames."""
    eligible, _ = design.eligibility(directory)
    assume(eligible.any())
    if isinstance(design, ClassWeighted):
        classes = directory.codes("risk_class")[eligible]
        weighted = sum(int((classes == k).sum()) for k, c in enumerate(RiskClass)
                       if design.weights[c] > 0)
        design = attrs.evolve(design, total=min(design.total, weighted))
    return design


def _present(directory: TargetDirectory) -> set[RiskClass]:
    return {RiskClass(c) for c in directory.counts("risk_class")} & set(RATED)


@settings(max_examples=60)
@given(directory=target_directories(min_size=1, max_size=30), design=designs(equal=True))
def test_equal_treatment_never_applies_it(directory: TargetDirectory,
                                          design: StratifiedByRisk | ClassWeighted) -> None:
    """Classes A-D at one rate or weight (class U at any): not applied, unless the scope
    leaves out a class A-D that the directory holds — then applied."""
    design = _drawable(directory, design)
    left_out = set(RATED) - set(design.scope.risk_classes) if design.scope.risk_classes \
        else set()
    assert _applies(directory, design) is bool(left_out & _present(directory))


@settings(max_examples=60)
@given(directory=target_directories(min_size=1, max_size=30),
       design=designs(kinds=["stratified"]))
def test_stratified_verdict_follows_the_rates(directory: TargetDirectory,
                                              design: StratifiedByRisk | ClassWeighted) -> None:
    """Without a class scope, a stratified draw (floor 0) applies the classification exactly
    when two classes A-D with targets have different rates, or one the directory holds has
    rate 0: the allocation's rounded probabilities never decide it."""
    assume(not design.scope.risk_classes)
    design = _drawable(directory, design)
    assert isinstance(design, StratifiedByRisk)
    present = _present(directory)
    expected = len({design.rates[c] for c in present}) > 1 or any(
        design.rates[c] == 0 for c in present)
    assert _applies(directory, design) is expected


@settings(max_examples=40)
@given(directory=target_directories(min_size=1, max_size=30), design=designs(),
       only=st.sampled_from(RATED))
def test_a_class_scope_applies_it_when_other_classes_exist(
        directory: TargetDirectory, design: StratifiedByRisk | ClassWeighted,
        only: RiskClass) -> None:
    """Restricting the scope to one class A-D applies the classification whenever the
    directory holds another class A-D (whatever the rates), and the verdict is the same
    from the record as published (read back from its JSON)."""
    design = _drawable(directory, attrs.evolve(design, scope={"entity_types": [],
                                                              "risk_classes": [only.code]}))
    sample = draw_targets(directory, design, seed=SEED, purpose="2024/1409/rule")
    verdict = draw_applies_risk_classification(sample.record, directory)
    if _present(directory) - {only}:
        assert verdict
    assert draw_applies_risk_classification(AuditRecord.from_json(sample.record.to_json()),
                                            directory) is verdict


def test_rule_refuses_what_is_not_a_record(small_city: DemoCity) -> None:
    """A record's dict or a path instead of the record: InvalidTypeError naming it."""
    sample = draw_targets(small_city.targets, _rates(A="1%"), seed=SEED, purpose="p/1")
    with pytest.raises(InvalidTypeError, match="record"):
        draw_applies_risk_classification(sample.record.content(),  # type: ignore[arg-type]
                                         small_city.targets)
    with pytest.raises(InvalidTypeError, match="directory"):
        draw_applies_risk_classification(sample.record, "d.csv")  # type: ignore[arg-type]


def test_cli_plan_attaches_its_forecast(small_city: DemoCity, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`plan --replays N` forecasts with N replays; with --seed the year's report shows the
    forecast next to the coverage achieved, in report.txt and report.json; R below 2 is
    refused naming the option's value."""
    d, i, items = tmp_path / "d.csv", tmp_path / "i.csv", tmp_path / "items.csv"
    small_city.targets.to_csv(d)
    small_city.inspectors.to_csv(i)
    small_city.check_items.to_csv(items)
    write_plan(demo_plan(), tmp_path / "plan.json")
    out = tmp_path / "run"
    assert main(["plan", str(tmp_path / "plan.json"), str(d), "--replays", "5", "--seed", SEED,
                 "--inspectors", str(i), "--item-list", str(items), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "mean of 5 replays" in printed
    assert "forecast before the year 年初预测" in printed
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["forecast"]["replays"] == 5
    assert report["risk_classified"] == report["draws"]  # every demo task classifies
    assert "年初预测" in (out / "report.txt").read_text(encoding="utf-8")
    assert main(["plan", str(tmp_path / "plan.json"), str(d), "--replays", "1"]) == 2
    assert "replays" in capsys.readouterr().err

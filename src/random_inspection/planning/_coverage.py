"""Before the year: the plan's expected enterprise coverage, and the rate increase it lacks.

The year's coverage is not a formula of the tasks' rates: later tasks exclude targets that
earlier tasks drew for the same items, joint checks exclude their targets from their
departments' other tasks, and visit caps exclude targets already visited. So the forecast
replays the real procedure (`draw_year_targets`, the top-up task left out) under many
simulation seeds and averages, with a stated error; the independent-tasks formula
``Σ (1 - Π (1 - π))`` is kept as the lower bound it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from .._errors import InvalidTypeError, InvalidValueError, require_types
from .._progress import Progress, Reporter
from ..registry import RiskClass, TargetDirectory
from ..sampling import ClassWeighted, Seed, StratifiedByRisk
from ..sampling._rates import ClassTable
from ._draws import draw_year_targets
from ._masks import enterprise_mask
from ._model import AnnualPlan, Task
from ._risk import applies, classes_in_scope

__all__ = ["CONFIDENCE", "DEFAULT_REPLAYS", "CoverageForecast", "forecast_coverage",
           "replay_seeds", "scaled_task", "task_probabilities"]

CLASSES = tuple(RiskClass)
MAX_FACTOR = 1000  # the proposal searches factors up to 1000 in steps of 1/100
#: Replays of the year's draws by default. On the demo city (200,000 targets, 65,729
#: enterprises, seven tasks) the replays' standard deviation is about 10 enterprises, so the
#: standard error is about 1.5 (the 95% interval ±3), against about 10 enterprises that one
#: factor step of 1/100 adds; one forecast takes about a second there, a proposal about
#: three forecasts (benchmarks/test_bench_forecast.py). Ask for more when it matters.
DEFAULT_REPLAYS = 50
#: Confidence of the stated interval: expected ± 1.96 standard errors (normal approximation
#: to the mean of the replays).
CONFIDENCE = 0.95
_Z = 1.959963984540054  # the two-sided 95% point of the standard normal


def task_probabilities(plan: AnnualPlan, task: Task, directory: TargetDirectory
                       ) -> npt.NDArray[np.float64]:
    """Every target's inclusion probability in ``task`` if it ran alone on ``directory``."""
    design = attrs.evolve(task.design, scope=plan.scope_of(task))
    eligible, _ = design.eligibility(directory)
    classes = directory.codes("risk_class")
    populations = {c.code: int(np.count_nonzero(eligible & (classes == k)))
                   for k, c in enumerate(CLASSES)}
    if isinstance(design, ClassWeighted):
        total = sum(populations[c.code] for c in CLASSES if design.weights[c] > 0)
        design = attrs.evolve(design, total=min(design.total, total))
    allocation = design.allocate(populations, lambda: Fraction(1, 2))
    table = np.array([float(s.inclusion_probability) for s in allocation.strata])
    return np.where(eligible, table[classes], 0.0)


def _independent(plan: AnnualPlan, tasks: Sequence[Task], directory: TargetDirectory,
                 mask: npt.NDArray[np.bool_]) -> float:
    """The independent-tasks figure: Σ over enterprises of 1 - Π (1 - π_task). A lower
    bound of the expected coverage up to the rounding of stratum sizes (exclusions only move
    draws onto enterprises not yet drawn: a fixed total gains, a rate-based draw takes the
    same share of what is left); exact when no exclusion can bite."""
    missed = np.ones(int(mask.sum()))
    for task in tasks:
        missed *= 1.0 - task_probabilities(plan, task, directory)[mask]
    return float((1.0 - missed).sum())


def scaled_task(task: Task, factor: Fraction) -> Task:
    """The task with its rates multiplied by ``factor`` (each capped at 1), or its total
    (class-weighted) multiplied and rounded up: what the proposal does to a task."""
    design = task.design
    if isinstance(design, StratifiedByRisk):
        rates = ClassTable(tuple(min(Fraction(1), design.rates[c] * factor) for c in CLASSES))
        return attrs.evolve(task, design=attrs.evolve(design, rates=rates))
    return attrs.evolve(task, design=attrs.evolve(design,
                                                  total=math.ceil(design.total * factor)))


def replay_seeds(rng: np.random.Generator | int | None, replays: int) -> tuple[str, ...]:
    """``replays`` simulation seeds of 32 hex characters (128 bits) from ``rng``.

    They are simulation seeds, never the audited draws' published seeds: each year replay
    uses one for every task, under the tasks' ordinary purposes.
    """
    generator = np.random.default_rng(rng)
    return tuple(generator.bytes(16).hex() for _ in range(replays))


@attrs.frozen(eq=False)
class _Replays:
    """Per replay: enterprises covered, per task its enterprises drawn and whether its draw
    applied the classification, checks drawn and checks applying it."""

    covered: npt.NDArray[np.int64]
    per_task: dict[str, npt.NDArray[np.int64]]
    applied: dict[str, npt.NDArray[np.bool_]]
    checks: npt.NDArray[np.int64]
    classified: npt.NDArray[np.int64]

    @property
    def mean(self) -> float:
        return float(self.covered.mean())


@attrs.frozen(eq=False)
class _Replayer:
    """Replays plans on one directory under one set of seeds (common random numbers)."""

    directory: TargetDirectory
    seeds: tuple[Seed, ...]
    mask: npt.NDArray[np.bool_]  # the jurisdiction's enterprises
    report: Reporter

    def __call__(self, plan: AnnualPlan, stage: str) -> _Replays:
        return _replay(plan, self, stage)


def _replay(plan: AnnualPlan, replayer: _Replayer, stage: str) -> _Replays:
    """Run the year's target draws once per seed (no top-up) and tally them."""
    directory, seeds, mask, report = (replayer.directory, replayer.seeds, replayer.mask,
                                      replayer.report)
    n = len(seeds)
    designs = {t.code: attrs.evolve(t.design, scope=plan.scope_of(t)) for t in plan.tasks}
    in_scope = {code: classes_in_scope(d, directory) for code, d in designs.items()}
    covered = np.zeros(n, dtype=np.int64)
    checks = np.zeros(n, dtype=np.int64)
    classified = np.zeros(n, dtype=np.int64)
    per_task = {code: np.zeros(n, dtype=np.int64) for code in designs}
    applied = {code: np.zeros(n, dtype=np.bool_) for code in designs}
    report.start(stage, n)
    for k, seed in enumerate(seeds):
        year = draw_year_targets(plan, directory, seed=seed, top_up=False)
        hit = np.zeros(len(directory), dtype=np.bool_)
        for task, sample in year.draws:
            rows = directory.positions(sample.selected_ids)
            hit[rows] = True
            per_task[task.code][k] = int(mask[rows].sum())
            checks[k] += len(rows)
            if applies(designs[task.code], sample.record.allocation, in_scope[task.code]):
                applied[task.code][k] = True
                classified[k] += len(rows)
        covered[k] = int((hit & mask).sum())
        report.advance(k + 1)
    report.finish()
    return _Replays(covered, per_task, applied, checks, classified)


@attrs.frozen(kw_only=True)
class CoverageForecast:
    """What a plan is expected to achieve, checked before the year starts.

    The expected coverage is the mean over ``replays`` replays of the year's target draws
    (`draw_year_targets` without the top-up task: the real procedure, every exclusion
    included) under simulation seeds; its error is stated as a standard error and an
    interval of confidence ``confidence`` (normal approximation).

    Attributes:
        enterprises: Enterprises in the jurisdiction.
        expected: Expected number of distinct enterprises checked (mean of the replays).
        stderr: Standard error of ``expected`` (standard deviation of the replays / √R).
        replays: R, the number of replays.
        lower_bound: The independent-tasks figure Σ (1 - Π (1 - π)): tasks treated as
            independent, a lower bound up to the rounding of stratum sizes (later tasks
            exclude earlier targets; rate-based draws then take the same share of what is
            left, so for them the two agree within the error, fixed totals gain).
        short_share: Share of replays short of the floor: how often the top-up task would
            have to run.
        per_task: Task code → mean number of the jurisdiction's enterprises it draws.
        floor: The coverage floor.
        risk_classification_rate: Expected share of the checks drawn whose draw applies
            the credit-risk classification (mean over the replays of the indicator
            `PlanReport.risk_classification_rate`).
        risk_classification_floor: Its floor.
        task_risk_classification: Task code → share of replays in which its draw applied
            the classification (`draw_applies_risk_classification`).
        factor: When short, the least factor (in steps of 1/100) by which the rates (and
            totals) of the plan's own-level and lower-level tasks must grow for the replay
            forecast to reach the floor, on the same replay seeds (common random numbers):
            the factor reaches it and one 1/100 lower does not. None when the floor is met
            or no factor up to 1000 reaches it.
        proposed: Those tasks with the factor applied (rates capped at 1).
        proposal: The forecast of the plan revised with ``proposed``, from the same replays
            the search made (equal to ``forecast_coverage`` of the revised plan with the
            same ``replays`` and ``rng``): its ``short_share`` says how often the top-up
            task would still run.
        confidence: The confidence of `interval` (0.95).
        replay_seeds: The simulation seeds (one per replay), to repeat the forecast.
    """

    enterprises: int
    expected: float
    stderr: float
    replays: int
    lower_bound: float
    short_share: float
    per_task: dict[str, float]
    floor: Fraction
    risk_classification_rate: float
    risk_classification_floor: Fraction
    task_risk_classification: dict[str, float]
    factor: Fraction | None = None
    proposed: tuple[Task, ...] = ()
    proposal: CoverageForecast | None = None
    confidence: float = CONFIDENCE
    replay_seeds: tuple[str, ...] = attrs.field(default=(), repr=False)

    @property
    def rate(self) -> float:
        """Expected coverage rate."""
        return self.expected / self.enterprises if self.enterprises else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The ``confidence`` interval of the expected number of enterprises covered."""
        return self.expected - _Z * self.stderr, self.expected + _Z * self.stderr

    @property
    def rate_interval(self) -> tuple[float, float]:
        """The same interval as a share of the enterprises."""
        low, high = self.interval
        return ((low / self.enterprises, high / self.enterprises) if self.enterprises
                else (0.0, 0.0))

    @property
    def need(self) -> int:
        """Enterprises the floor asks for: ``ceil(floor × enterprises)``."""
        return math.ceil(self.floor * self.enterprises)

    @property
    def shortfall(self) -> int:
        """Enterprises the expected coverage misses the floor by (0 when met)."""
        return max(0, math.ceil(self.need - self.expected - 1e-9))

    @property
    def ok(self) -> bool:
        """Both the coverage floor and the risk-classification floor are met (expected)."""
        return self.shortfall == 0 and \
            self.risk_classification_rate >= self.risk_classification_floor

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (floats for the estimates, fractions as text)."""
        return {
            "method": "replays of the year's target draws (top-up task not run)",
            "enterprises": self.enterprises, "expected": self.expected,
            "stderr": self.stderr, "confidence": self.confidence,
            "interval": list(self.interval), "rate": self.rate, "replays": self.replays,
            "lower_bound": self.lower_bound, "short_share": self.short_share,
            "per_task": self.per_task, "floor": str(self.floor), "need": self.need,
            "shortfall": self.shortfall,
            "risk_classification_rate": self.risk_classification_rate,
            "risk_classification_floor": str(self.risk_classification_floor),
            "task_risk_classification": self.task_risk_classification,
            "factor": None if self.factor is None else str(self.factor),
            "proposed": [t.code for t in self.proposed],
            "proposal": None if self.proposal is None else self.proposal.to_dict(),
        }

    def __str__(self) -> str:
        low, high = self.interval
        lines = [f"expected coverage 预计企业覆盖率: {self.expected:,.1f} of "
                 f"{self.enterprises:,} enterprises = {self.rate:.2%} "
                 f"(floor {float(self.floor):.0%}, {self.need:,}): "
                 + ("met" if not self.shortfall else f"SHORT by {self.shortfall:,}"),
                 f"  {self.confidence:.0%} interval {low:,.1f}-{high:,.1f} (standard error "
                 f"{self.stderr:,.2f}; mean of {self.replays} replays of the year's target "
                 "draws, top-up task not run)",
                 f"  tasks taken as independent 独立任务估算: {self.lower_bound:,.1f} (a lower "
                 "bound up to the rounding of stratum sizes)",
                 f"  top-up 补充抽查 needed in {self.short_share:.0%} of replays",
                 f"risk classification 风险分类应用率: {self.risk_classification_rate:.1%} of "
                 f"drawn checks expected (floor "
                 f"{float(self.risk_classification_floor):.0%}): "
                 + ("met" if self.risk_classification_rate >= self.risk_classification_floor
                    else "SHORT")]
        lines += [f"  {code}: applies it in {share:.0%} of replays"
                  for code, share in self.task_risk_classification.items() if share < 1]
        if self.shortfall:
            if self.factor is None:
                lines.append("  no rate increase reaches the floor: add a task")
            else:
                after = self.proposal
                lines.append(f"  proposal: multiply the rates of {len(self.proposed)} task(s) "
                             f"by {float(self.factor):.2f}"
                             + ("" if after is None else
                                f" (forecast {after.expected:,.1f}; top-up still needed in "
                                f"{after.short_share:.0%} of replays)") + ":")
                for task in self.proposed:
                    design = task.design
                    shown = (", ".join(f"{c.code} {float(design.rates[c]):.2%}"
                                       for c in CLASSES if design.rates[c])
                             if isinstance(design, StratifiedByRisk)
                             else f"total {design.total}")
                    lines.append(f"    {task.code}: {shown}")
        return "\n".join(lines)


def _check_arguments(replays: object, rng: object) -> None:
    if isinstance(replays, bool) or not isinstance(replays, int) or replays < 2:
        raise InvalidValueError("forecast_coverage", "replays", replays,
                                "must be a whole number of at least 2 (the standard error "
                                "needs two)", f"use the default {DEFAULT_REPLAYS}, or more "
                                "for a smaller error")
    if rng is not None and (isinstance(rng, bool) or not isinstance(
            rng, int | np.random.Generator | np.random.SeedSequence)):
        raise InvalidTypeError("forecast_coverage", "rng", rng,
                               "a numpy Generator, an int or None",
                               "pass e.g. rng=7 or rng=numpy.random.default_rng(7)")
    if isinstance(rng, int) and rng < 0:
        raise InvalidValueError("forecast_coverage", "rng", rng, "is negative",
                                "use a seed >= 0, e.g. rng=7")


def _saturated(plan: AnnualPlan, tasks: Sequence[Task], directory: TargetDirectory) -> bool:
    """Whether no larger factor can draw more: every rate at 0 or 1, every total at the
    targets with a positive weight in scope."""
    for task in tasks:
        design = task.design
        if isinstance(design, StratifiedByRisk):
            if any(0 < design.rates[c] < 1 for c in CLASSES):
                return False
        else:
            classes = directory.codes("risk_class")[directory.scope_mask(plan.scope_of(task))]
            weighted = sum(int((classes == k).sum()) for k, c in enumerate(CLASSES)
                           if design.weights[c] > 0)
            if design.total < weighted:
                return False
    return True


def forecast_coverage(plan: AnnualPlan, directory: TargetDirectory, *,
                      replays: int = DEFAULT_REPLAYS,
                      rng: np.random.Generator | int | None = 0,
                      propose: bool = True, progress: Progress | None = None
                      ) -> CoverageForecast:
    """Check before the year that the plan reaches its floors, and propose the least
    per-class rate increase when it does not.

    Expected coverage counts every task of the plan, higher-level ones included (their
    draws in this jurisdiction count); only the plan's own-level and lower-level tasks are
    scaled by the proposal, since a higher level's task is not this plan's to change.

    Parameters
    ----------
    replays
        R, how many times the year's target draws are replayed (at least 2). The standard
        error falls as 1/√R; the time grows as R (and again for each factor the proposal
        tries, typically three to five).
    rng
        Where the replays' simulation seeds come from: a numpy ``Generator``, an int, or
        None for fresh entropy from the operating system. The default 0 makes a plan's
        forecast on a directory the same every time. The replays never use the plan's
        published seeds.
    propose
        Search the least factor when the forecast is short (default True).
    progress
        Optional callback ``progress(stage, done, total)``, a unit per replay.
    """
    require_types("forecast_coverage", {
        "plan": (plan, AnnualPlan, "read it with read_plan(path) or build AnnualPlan(...)"),
        "directory": (directory, TargetDirectory, "load it with TargetDirectory.from_csv(path)")})
    _check_arguments(replays, rng)
    seeds = tuple(Seed(s, provenance="generated") for s in replay_seeds(rng, replays))
    mask = enterprise_mask(plan, directory)
    replayer = _Replayer(directory, seeds, mask, Reporter(progress))
    base = replayer(plan, f"forecast: replaying the year's draws {replays} times")
    lower = _independent(plan, plan.run_order(), directory, mask)
    result = _forecast(plan, replayer, base, lower)
    own = {t.code for t in plan.tasks if t.level.rank >= plan.level.rank}
    if not propose or not result.shortfall or not own:
        return result
    found = _least_factor(plan, own, replayer, need=result.need, base=base, lower=lower)
    if found is None:
        return result
    steps, at = found
    factor = Fraction(steps, 100)
    revised = _scaled_plan(plan, own, steps)
    after = _forecast(revised, replayer, at,
                      _independent(revised, revised.run_order(), directory, mask))
    return attrs.evolve(result, factor=factor, proposal=after,
                        proposed=tuple(t for t in revised.run_order() if t.code in own))


def _forecast(plan: AnnualPlan, replayer: _Replayer, replays: _Replays, lower: float
              ) -> CoverageForecast:
    """The forecast from a plan's replays and its independent-tasks figure."""
    n = len(replayer.seeds)
    enterprises = int(replayer.mask.sum())
    need = math.ceil(plan.coverage_floor * enterprises)
    shares = np.divide(replays.classified, replays.checks, out=np.zeros(n),
                       where=replays.checks > 0)
    return CoverageForecast(
        enterprises=enterprises, expected=replays.mean,
        stderr=float(replays.covered.std(ddof=1) / math.sqrt(n)), replays=n,
        lower_bound=lower, short_share=float((replays.covered < need).mean()),
        per_task={c: float(v.mean()) for c, v in replays.per_task.items()},
        floor=plan.coverage_floor, risk_classification_rate=float(shares.mean()),
        risk_classification_floor=plan.risk_classification_floor,
        task_risk_classification={c: float(v.mean()) for c, v in replays.applied.items()},
        replay_seeds=tuple(s.value for s in replayer.seeds))


def _scaled_plan(plan: AnnualPlan, own: set[str], steps: int) -> AnnualPlan:
    factor = Fraction(steps, 100)
    scaled: AnnualPlan = attrs.evolve(plan, tasks=tuple(
        scaled_task(t, factor) if t.code in own else t for t in plan.tasks))
    return scaled


def _least_factor(plan: AnnualPlan, own: set[str], replayer: _Replayer, *, need: int,
                  base: _Replays, lower: float) -> tuple[int, _Replays] | None:
    """The least number of hundredths whose replay mean reaches ``need`` while one
    hundredth less does not, both on the same seeds; None if none up to `MAX_FACTOR`.

    The first guess is cheap: the independent-tasks figure, scaled by the ratio the replays
    showed at factor 1, reaches the floor there. From the guess the search probes in
    doubling steps until it brackets the answer, then bisects; each try replays the year
    R times on the same seeds (common random numbers, so the means of nearby factors move
    together and the search is monotone in practice).
    """
    top = MAX_FACTOR * 100
    tried: dict[int, _Replays] = {100: base}

    def replayed(steps: int) -> _Replays:
        if steps not in tried:
            tried[steps] = replayer(_scaled_plan(plan, own, steps),
                                    f"proposal: replaying at factor {steps / 100:.2f}")
        return tried[steps]

    def reaches(steps: int) -> bool:
        return replayed(steps).mean >= need - 1e-9

    ratio = base.mean / lower if lower > 0 else 1.0

    def cheap(steps: int) -> bool:
        scaled = _scaled_plan(plan, own, steps)
        return _independent(scaled, scaled.run_order(), replayer.directory,
                            replayer.mask) * ratio >= need

    low, high = 100, 200
    while not cheap(high) and high < top:
        low, high = high, min(high * 2, top)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if cheap(mid) else (mid, high)
    guess, step = high, 1
    if reaches(guess):
        high = guess
        while True:
            probe = max(high - step, 100)
            if probe == 100 or not reaches(probe):
                low = probe
                break
            high, step = probe, step * 2
    else:
        low = guess
        while True:
            probe = min(low + step, top)
            if reaches(probe):
                high = probe
                break
            scaled = _scaled_plan(plan, own, probe).tasks
            if probe == top or _saturated(plan, [t for t in scaled if t.code in own],
                                          replayer.directory):
                return None
            low, step = probe, step * 2
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if reaches(mid) else (mid, high)
    return high, tried[high]

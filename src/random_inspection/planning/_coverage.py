"""Before the year: the plan's expected enterprise coverage, and the rate increase it lacks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import attrs
import numpy as np
import numpy.typing as npt

from .._errors import require_types
from ..registry import RiskClass, TargetDirectory
from ..sampling import ClassWeighted, StratifiedByRisk
from ..sampling._rates import ClassTable
from ._masks import enterprise_mask
from ._model import AnnualPlan, Task

__all__ = ["CoverageForecast", "forecast_coverage", "task_probabilities"]

CLASSES = tuple(RiskClass)
MAX_FACTOR = 1000  # the proposal searches factors up to 1000 in steps of 1/100


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


def _expected(plan: AnnualPlan, tasks: Sequence[Task], directory: TargetDirectory,
              mask: npt.NDArray[np.bool_]) -> tuple[float, dict[str, float]]:
    missed = np.ones(int(mask.sum()))
    per_task = {}
    for task in tasks:
        pi = task_probabilities(plan, task, directory)[mask]
        per_task[task.code] = float(pi.sum())
        missed *= 1.0 - pi
    return float((1.0 - missed).sum()), per_task


def _scaled(task: Task, factor: Fraction) -> Task:
    design = task.design
    if isinstance(design, StratifiedByRisk):
        rates = ClassTable(tuple(min(Fraction(1), design.rates[c] * factor) for c in CLASSES))
        return attrs.evolve(task, design=attrs.evolve(design, rates=rates))
    assert isinstance(design, ClassWeighted)
    return attrs.evolve(task, design=attrs.evolve(design,
                                                  total=math.ceil(design.total * factor)))


@attrs.frozen(kw_only=True)
class CoverageForecast:
    """What a plan is expected to achieve, checked before the year starts.

    Attributes:
        enterprises: Enterprises in the jurisdiction.
        expected: Expected number of distinct enterprises checked: tasks treated as
            independent, which is a lower bound (later tasks exclude earlier targets).
        per_task: Task code → expected enterprises of the jurisdiction it draws.
        floor: The coverage floor.
        risk_classification_rate: Share of tasks applying risk classification.
        risk_classification_floor: Its floor.
        factor: When short, the least factor (in steps of 1/100) by which the rates (and
            totals) of the plan's own-level and lower-level tasks must grow; None when the
            floor is met or no factor reaches it.
        proposed: Those tasks with the factor applied (rates capped at 1).
    """

    enterprises: int
    expected: float
    per_task: dict[str, float]
    floor: Fraction
    risk_classification_rate: Fraction
    risk_classification_floor: Fraction
    factor: Fraction | None = None
    proposed: tuple[Task, ...] = ()

    @property
    def rate(self) -> float:
        """Expected coverage rate."""
        return self.expected / self.enterprises if self.enterprises else 0.0

    @property
    def shortfall(self) -> int:
        """Enterprises missing to reach the floor (0 when met)."""
        need = math.ceil(self.floor * self.enterprises)
        return max(0, math.ceil(need - self.expected - 1e-9))

    @property
    def ok(self) -> bool:
        """Both the coverage floor and the risk-classification floor are met."""
        return self.shortfall == 0 and \
            self.risk_classification_rate >= self.risk_classification_floor

    def __str__(self) -> str:
        lines = [f"expected coverage 预计企业覆盖率: {self.expected:,.0f} of "
                 f"{self.enterprises:,} enterprises = {self.rate:.2%} "
                 f"(floor {float(self.floor):.0%}): "
                 + ("met" if not self.shortfall else f"SHORT by {self.shortfall:,}"),
                 f"risk classification used 风险分类应用率: "
                 f"{float(self.risk_classification_rate):.0%} of tasks (floor "
                 f"{float(self.risk_classification_floor):.0%}): "
                 + ("met" if self.risk_classification_rate >= self.risk_classification_floor
                    else "SHORT")]
        if self.shortfall:
            if self.factor is None:
                lines.append("  no rate increase reaches the floor: add a task")
            else:
                lines.append(f"  proposal: multiply the rates of {len(self.proposed)} task(s) "
                             f"by {float(self.factor):.2f}:")
                for task in self.proposed:
                    design = task.design
                    table = (design.rates if isinstance(design, StratifiedByRisk) else None)
                    shown = (", ".join(f"{c.code} {float(table[c]):.2%}" for c in CLASSES
                                       if table[c]) if table is not None
                             else f"total {design.total}")  # type: ignore[union-attr]
                    lines.append(f"    {task.code}: {shown}")
        return "\n".join(lines)


def forecast_coverage(plan: AnnualPlan, directory: TargetDirectory) -> CoverageForecast:
    """Check before the year that the plan reaches its floors, and propose the least
    per-class rate increase when it does not.

    Expected coverage counts every task of the plan, higher-level ones included (their
    draws in this jurisdiction count); only the plan's own-level and lower-level tasks are
    scaled by the proposal, since a higher level's task is not this plan's to change.
    """
    require_types("forecast_coverage", {
        "plan": (plan, AnnualPlan, "read it with read_plan(path) or build AnnualPlan(...)"),
        "directory": (directory, TargetDirectory, "load it with TargetDirectory.from_csv(path)")})
    mask = enterprise_mask(plan, directory)
    tasks = plan.run_order()
    expected, per_task = _expected(plan, tasks, directory, mask)
    result = CoverageForecast(
        enterprises=int(mask.sum()), expected=expected, per_task=per_task,
        floor=plan.coverage_floor, risk_classification_rate=plan.risk_classification_rate(),
        risk_classification_floor=plan.risk_classification_floor)
    if not result.shortfall:
        return result
    own = [t for t in tasks if t.level.rank >= plan.level.rank]
    if not own:
        return result
    fixed = [t for t in tasks if t.level.rank < plan.level.rank]
    need = math.ceil(plan.coverage_floor * result.enterprises)

    def reaches(steps: int) -> bool:
        scaled = [_scaled(t, Fraction(steps, 100)) for t in own]
        return _expected(plan, fixed + scaled, directory, mask)[0] >= need - 1e-9

    low, high = 100, 200
    while not reaches(high):
        if high >= MAX_FACTOR * 100:
            return result
        low, high = high, min(high * 2, MAX_FACTOR * 100)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if reaches(mid) else (mid, high)
    factor = Fraction(high, 100)
    return attrs.evolve(result, factor=factor,
                        proposed=tuple(_scaled(t, factor) for t in own))

"""The plan report: coverage by class, region and item, visits saved, the seed's indicators."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from .._text import pad
from ..registry import RiskClass, TargetDirectory
from ._masks import enterprise_mask, id_mask
from ._model import AnnualPlan
from ._risk import draw_applies_risk_classification

if TYPE_CHECKING:
    from ._coverage import CoverageForecast
    from ._run import TaskRun, Visit

__all__ = ["PlanReport", "TaskSummary", "build_report"]

CLASSES = tuple(RiskClass)


@attrs.frozen
class TaskSummary:
    """One task's line in the report.

    Attributes:
        code, name, level, mode: The task.
        eligible: Targets eligible after scope and exclusions.
        drawn: Targets drawn.
        excluded: Exclusion (its reason, or ``checked since <date>``) → eligible targets
            it removed.
        staffed: Targets with a team drawn by this task.
        unstaffed: Targets without one (each with a reason in the record).
        record_digest: The task's audit record.
        applies_risk_classification: Whether its draw applied the credit-risk
            classification (`draw_applies_risk_classification`); each of its draws counts
            toward the indicator with this verdict.
        joined: Targets that joined an earlier task's visit and its team (spec §12.12).
    """

    code: str
    name: str
    level: str
    mode: str
    eligible: int
    drawn: int
    excluded: dict[str, int]
    staffed: int
    unstaffed: int
    record_digest: str
    applies_risk_classification: bool
    joined: int = 0


@attrs.frozen(kw_only=True)
class PlanReport:
    """What the year's draws achieved, as known at draw time.

    Attributes:
        plan: ``name``, ``region``, ``year``, ``version`` and ``digest`` of the plan run.
        enterprises: Enterprises in the jurisdiction.
        covered: Distinct ones drawn by any task (higher-level tasks included).
        floor: The coverage floor.
        by_class: Class code → (covered, enterprises).
        by_region: Division code one level down → (covered, enterprises).
        by_item: Item code → visits that check it.
        draws: Targets drawn, summed over tasks.
        visits: Visits after merging (1+X).
        tasks: One `TaskSummary` per task run.
        risk_classified: Checks drawn (task, target pairs, the top-up task's included)
            whose draw applied the credit-risk classification.
        risk_classification_floor: The floor of `risk_classification_rate`.
        top_up: Enterprises the top-up task drew (0 if it did not run).
        filed: When version 1 was filed (None if the change log does not record it).
        filing_deadline: When it had to be filed.
        forecast: The coverage forecast made before the year (`forecast_coverage`), shown
            next to the coverage achieved; None when not attached (``run_plan`` does not
            forecast: attach one with ``attrs.evolve(run.report, forecast=...)``).
    """

    plan: dict[str, Any]
    enterprises: int
    covered: int
    floor: Fraction
    by_class: dict[str, tuple[int, int]]
    by_region: dict[str, tuple[int, int]]
    by_item: dict[str, int]
    draws: int
    visits: int
    tasks: tuple[TaskSummary, ...]
    risk_classified: int
    risk_classification_floor: Fraction
    top_up: int
    filed: dt.date | None
    filing_deadline: dt.date
    forecast: CoverageForecast | None = None

    @property
    def coverage(self) -> Fraction:
        """Covered share of the jurisdiction's enterprises."""
        return Fraction(self.covered, self.enterprises) if self.enterprises else Fraction(0)

    @property
    def floor_met(self) -> bool:
        """Whether the coverage floor holds."""
        return self.covered >= math.ceil(self.floor * self.enterprises)

    @property
    def risk_classification_rate(self) -> Fraction:
        """风险分类应用率: share of the checks drawn whose draw applied the credit-risk
        classification (0 when nothing was drawn)."""
        return Fraction(self.risk_classified, self.draws) if self.draws else Fraction(0)

    @property
    def visits_saved(self) -> int:
        """Draws that joined another task's visit instead of a visit of their own."""
        return self.draws - self.visits

    def indicators(self) -> list[tuple[str, str, str]]:
        """The seed document's indicators known at draw time: (name, value, status)."""
        risk_ok = self.risk_classification_rate >= self.risk_classification_floor
        on_time = ("filing not recorded" if self.filed is None else
                   "met" if self.filed <= self.filing_deadline else "LATE")
        coverage = f"{float(self.coverage):.2%}"
        if self.forecast is not None:
            low, high = self.forecast.rate_interval
            coverage += (f" (forecast 预计 {self.forecast.rate:.2%}, "
                         f"{self.forecast.confidence:.0%} interval {low:.2%}-{high:.2%})")
        return [
            (f"备案 filed by {self.filing_deadline.isoformat()}",
             "-" if self.filed is None else self.filed.isoformat(), on_time),
            (f"企业覆盖率 enterprise coverage (>= {float(self.floor):.0%})", coverage,
             "met" if self.floor_met else "SHORT"),
            (f"风险分类应用率 risk classification in drawn checks "
             f"(>= {float(self.risk_classification_floor):.0%})",
             f"{self.risk_classified:,} of {self.draws:,} = "
             f"{float(self.risk_classification_rate):.1%}", "met" if risk_ok else "SHORT"),
            ("公示率 publication rate (100%)", "-", "known once results are entered"),
            ("按期完成率 finished by the completion deadline", "-",
             "known once results are entered"),
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "plan": self.plan, "enterprises": self.enterprises, "covered": self.covered,
            "coverage": str(self.coverage), "floor": str(self.floor),
            "floor_met": self.floor_met,
            "by_class": {k: list(v) for k, v in self.by_class.items()},
            "by_region": {k: list(v) for k, v in self.by_region.items()},
            "by_item": self.by_item, "draws": self.draws, "visits": self.visits,
            "visits_saved": self.visits_saved, "top_up": self.top_up,
            "risk_classified": self.risk_classified,
            "risk_classification_rate": str(self.risk_classification_rate),
            "risk_classification_floor": str(self.risk_classification_floor),
            "tasks": [attrs.asdict(t) for t in self.tasks],
            "filed": None if self.filed is None else self.filed.isoformat(),
            "filing_deadline": self.filing_deadline.isoformat(),
            "indicators": [list(i) for i in self.indicators()],
            "forecast": None if self.forecast is None else self.forecast.to_dict(),
        }

    def __str__(self) -> str:
        p = self.plan
        out = [f"年度抽查计划 annual plan: {p['name']} ({p['region']}, {p['year']}, version "
               f"{p['version']}, {p['digest'][:19]}…)", "",
               f"{pad('task 任务', 16)}{'level':<9}{pad('mode 模式', 14)}{'eligible':>10}"
               f"{'drawn':>8}{'teams':>8}{'joined':>8}{'unstaffed':>10}  risk classes 风险分类"]
        for t in self.tasks:
            out.append(f"{t.code:<16}{t.level:<9}{pad(t.mode, 14)}{t.eligible:>10,}"
                       f"{t.drawn:>8,}{t.staffed:>8,}{t.joined:>8,}{t.unstaffed:>10,}  "
                       + ("applied" if t.applies_risk_classification else "NOT applied"))
            out += [f"{'':<16}excluded: {reason}: {n:,}" for reason, n in t.excluded.items()
                    if n]
        out += ["", f"visits 检查户次: {self.draws:,} draws in {self.visits:,} visits; "
                    f"{self.visits_saved:,} saved by merging items (1+X, 进一次门、查多项事)"]
        if self.top_up:
            out.append(f"top-up 补充抽查: {self.top_up:,} enterprises drawn to reach the floor")
        out += ["", f"enterprise coverage 企业覆盖率: {self.covered:,} of {self.enterprises:,} "
                    f"= {float(self.coverage):.2%} achieved"]
        if self.forecast is not None:
            f = self.forecast
            low, high = f.interval
            out += [f"  forecast before the year 年初预测: {f.expected:,.1f} = {f.rate:.2%} "
                    f"({f.confidence:.0%} interval {low:,.1f}-{high:,.1f}, {f.replays} "
                    f"replays); tasks taken as independent {f.lower_bound:,.1f}; top-up "
                    f"forecast to run in {f.short_share:.0%} of replays"]
        out += ["", "coverage by class 按风险分类:"]
        out += [f"  {RiskClass(c)}: {a:,} of {b:,} ({a / b if b else 0:.2%})"
                for c, (a, b) in self.by_class.items()]
        out += ["coverage by region 按区划:"]
        out += [f"  {r}: {a:,} of {b:,} ({a / b if b else 0:.2%})"
                for r, (a, b) in self.by_region.items()]
        out += ["visits by item 按抽查事项:"]
        out += [f"  {i}: {n:,}" for i, n in self.by_item.items()]
        out += ["", "indicators 指标 (at draw time):"]
        out += [f"  {name}: {value} — {status}" for name, value, status in self.indicators()]
        return "\n".join(out)


def build_report(plan: AnnualPlan, directory: TargetDirectory, runs: Sequence[TaskRun],
                 visits: Sequence[Visit], *, forecast: CoverageForecast | None = None
                 ) -> PlanReport:
    """Summarise a run; ``forecast`` (made before the year) is shown next to the coverage
    achieved."""
    mask = enterprise_mask(plan, directory)
    hit = mask & id_mask(directory, (i for r in runs for i in r.sample.selected_ids))
    classes = directory.codes("risk_class")
    by_class = {c.code: (int((hit & (classes == k)).sum()), int((mask & (classes == k)).sum()))
                for k, c in enumerate(CLASSES) if (mask & (classes == k)).any()}
    width = plan.level.code_length + 2
    regions = directory.column("region")[mask]
    down = np.array([r[:width] for r in regions], dtype=object)
    covered_regions = down[hit[mask]]
    totals, tally = Counter(down.tolist()), Counter(covered_regions.tolist())
    by_region = {r: (tally.get(r, 0), totals[r]) for r in sorted(totals)}
    by_item = Counter(i for v in visits for i in v.items)
    summaries = []
    for r in runs:
        eligibility, design = r.sample.record.eligibility, r.sample.record.design
        counts = dict(eligibility["excluded_ids"])
        if eligibility["checked_since"] is not None:
            since = f"checked since {design['exclude_checked_since']}"
            counts = {since: eligibility["checked_since"], **counts}
        summaries.append(TaskSummary(
            r.task.code, r.task.name, r.task.level.code, r.task.mode.label_zh,
            r.sample.allocation.population, len(r.sample.selected_ids), counts,
            len(r.assignment.teams), len(r.assignment.unstaffed), r.record.digest,
            draw_applies_risk_classification(r.sample.record, directory),
            len(r.assignment.joined)))
    top_up = sum(len(r.sample.selected_ids) for r in runs if r.task is plan.top_up)
    return PlanReport(
        plan={"name": plan.name, "region": plan.region, "year": plan.year,
              "version": plan.version, "digest": plan.digest},
        enterprises=int(mask.sum()), covered=int(hit.sum()), floor=plan.coverage_floor,
        by_class=by_class, by_region=by_region, by_item=dict(sorted(by_item.items())),
        draws=sum(len(r.sample.selected_ids) for r in runs), visits=len(visits),
        tasks=tuple(summaries),
        risk_classified=sum(s.drawn for s in summaries if s.applies_risk_classification),
        risk_classification_floor=plan.risk_classification_floor, top_up=top_up,
        filed=plan.filed,
        filing_deadline=plan.filing_deadline or dt.date(plan.year, 4, 15), forecast=forecast)

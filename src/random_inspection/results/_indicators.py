"""Deadlines of each result on China's official calendar, and the year's indicators as known
on any day.

Deadlines: a result is published within 20 working days of the check (企业信息公示暂行条例
Art. 6); an unreachable target (code 6) goes on the abnormal-operations list within 10
working days; every task is finished by the plan's completion deadline (20 December unless
the plan says otherwise), and a result entered after it counts as not done. "Within N
working days of the check" means by the N-th working day after the check day (the check day
itself not counted).

The seed document's five indicators, measured: the plan filed on time; enterprise coverage
(drawn, and checked so far) against the floor; risk classification applied in the checks
carried out, not merely in the tasks (凡随机抽查必风险分类); publication — every result due is
published, and on time; every task finished by the deadline. With them: problem-found rates by
risk class, county, industry and item, and the follow-up closure rate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any, Protocol

import attrs

from .._errors import InvalidTypeError
from ..planning import AnnualPlan, PlanRun
from ..registry import RiskClass, TargetDirectory
from ._book import ResultBook
from ._calendar import ABNORMAL_LIST_WORKING_DAYS, RESULTS_PUBLICATION_WORKING_DAYS
from ._codes import ResultCode, ReviewState
from ._followup import FollowUpLedger
from ._model import InspectionResult

__all__ = ["Deadlines", "Indicators", "WorkingDayCalendar", "deadlines_of", "indicators"]



class WorkingDayCalendar(Protocol):
    """What deadlines need of a calendar (`OfficialCalendar` is one)."""

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start``."""


def completion_deadline(plan: AnnualPlan) -> dt.date:
    """The day every task must be finished by (the plan's, else 20 December)."""
    return plan.completion_deadline or dt.date(plan.year, 12, 20)


@attrs.frozen
class Deadlines:
    """A result's due dates, and whether it met each as known on ``as_of``.

    ``None`` in a ``*_met`` field: not yet known (not yet due, not yet done)."""

    publish_by: dt.date
    abnormal_by: dt.date | None
    complete_by: dt.date
    published_on_time: bool | None
    listed_on_time: bool | None
    entered_on_time: bool


def _met(done: dt.date | None, due: dt.date, as_of: dt.date) -> bool | None:
    if done is not None and done <= as_of:
        return done <= due
    return False if as_of > due else None


def deadlines_of(result: InspectionResult, plan: AnnualPlan, calendar: WorkingDayCalendar,
                 as_of: dt.date | None = None) -> Deadlines:
    """The result's due dates on the official calendar and whether each was met by
    ``as_of`` (default: today's knowledge is all of the result)."""
    day = as_of or dt.date.max
    publish_by = calendar.add_working_days(result.check_date, RESULTS_PUBLICATION_WORKING_DAYS)
    unreachable = ResultCode.UNREACHABLE in result.codes
    abnormal_by = calendar.add_working_days(result.check_date, ABNORMAL_LIST_WORKING_DAYS) \
        if unreachable else None
    complete_by = completion_deadline(plan)
    return Deadlines(publish_by, abnormal_by, complete_by,
                     _met(result.published_on, publish_by, day),
                     None if abnormal_by is None
                     else _met(result.abnormal_listed_on, abnormal_by, day),
                     result.entered_at.date() <= complete_by)


def _known(result: InspectionResult, as_of: dt.date) -> InspectionResult | None:
    """The result as it stood at the end of ``as_of`` (None: not yet entered)."""
    steps = tuple(s for s in result.history if s.at.date() <= as_of)
    if not steps:
        return None
    listed = result.abnormal_listed_on
    return attrs.evolve(result, history=steps,
                        abnormal_listed_on=listed if listed and listed <= as_of else None)


def _rate(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


@attrs.frozen
class Indicators:
    """The year's indicators as known at the end of ``as_of``.

    Rates are exact fractions, ``None`` where nothing is measured yet. ``problem_rates``
    maps a breakdown (``"class"``, ``"county"``, ``"industry"``, ``"item"``) to key →
    (results with a problem, results)."""

    as_of: dt.date
    plan_filed_on_time: bool | None
    coverage_drawn: Fraction
    coverage_checked: Fraction
    coverage_floor: Fraction
    checks: int
    risk_classified_checks: int
    risk_classification_floor: Fraction
    publication_due: int
    published: int
    published_on_time: int
    tasks: int
    tasks_finished: int
    tasks_finished_on_time: int
    late_entries: int
    unreachable: int
    listed_on_time: int
    problem_rates: Mapping[str, Mapping[str, tuple[int, int]]]
    follow_ups_open: int
    follow_ups_closed: int

    @property
    def risk_classification_rate(self) -> Fraction | None:
        """Share of the checks carried out whose tasks apply risk classification."""
        return _rate(self.risk_classified_checks, self.checks)

    @property
    def publication_rate(self) -> Fraction | None:
        """Share of the results due by now that are published."""
        return _rate(self.published, self.publication_due)

    @property
    def publication_on_time_rate(self) -> Fraction | None:
        """Share of the results due by now published within 20 working days."""
        return _rate(self.published_on_time, self.publication_due)

    @property
    def follow_up_closure_rate(self) -> Fraction | None:
        """Share of the follow-ups opened so far that are closed."""
        return _rate(self.follow_ups_closed, self.follow_ups_open + self.follow_ups_closed)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (fractions as ``"n/d"`` text)."""
        out: dict[str, Any] = {}
        for field in attrs.fields(Indicators):
            value = getattr(self, field.name)
            out[field.name] = str(value) if isinstance(value, Fraction) else \
                value.isoformat() if isinstance(value, dt.date) else \
                {k: dict(v) for k, v in value.items()} if field.name == "problem_rates" \
                else value
        return out

    def __str__(self) -> str:
        def pct(value: Fraction | None) -> str:
            return "—" if value is None else f"{float(value):.1%}"

        def verdict(ok: bool | None) -> str:
            return "not yet known" if ok is None else "met 达标" if ok else "NOT MET 未达标"

        cover_ok = self.coverage_checked >= self.coverage_floor
        lines = [
            f"指标 indicators as of {self.as_of}:",
            f"  1. 计划按时报备 plan filed on time: {verdict(self.plan_filed_on_time)}",
            f"  2. 企业抽查覆盖率 coverage: drawn {pct(self.coverage_drawn)}, checked "
            f"{pct(self.coverage_checked)} (floor {pct(self.coverage_floor)}): "
            f"{verdict(cover_ok if self.checks else None)}",
            f"  3. 风险分类应用率 risk classification in checks carried out: "
            f"{self.risk_classified_checks}/{self.checks} = "
            f"{pct(self.risk_classification_rate)} (floor "
            f"{pct(self.risk_classification_floor)}): "
            + verdict(None if not self.checks else
                      self.risk_classified_checks >= self.risk_classification_floor
                      * self.checks),
            f"  4. 结果公示率 publication: {self.published}/{self.publication_due} due "
            f"published ({pct(self.publication_rate)}), {self.published_on_time} within 20 "
            f"working days ({pct(self.publication_on_time_rate)})",
            f"  5. 按期完成率 tasks finished by the deadline: {self.tasks_finished_on_time}/"
            f"{self.tasks} ({self.tasks_finished} finished; {self.late_entries} result(s) "
            "entered late count as not done)",
        ]
        if self.unreachable:
            lines.append(f"  经营异常名录 unreachable targets listed within 10 working days: "
                         f"{self.listed_on_time}/{self.unreachable}")
        for name, rows in self.problem_rates.items():
            shown = ", ".join(f"{k} {p}/{n}" for k, (p, n) in list(rows.items())[:12])
            lines.append(f"  问题发现率 problems found by {name}: {shown}")
        lines.append(f"  工作台账 follow-ups: {self.follow_ups_closed} closed, "
                     f"{self.follow_ups_open} open (closure "
                     f"{pct(self.follow_up_closure_rate)})")
        return "\n".join(lines)


def indicators(book: ResultBook, calendar: WorkingDayCalendar, *,
               as_of: dt.date, ledger: FollowUpLedger | None = None) -> Indicators:
    """The year's indicators as known at the end of ``as_of``: only results entered by then,
    each at the review step it had reached, count."""
    if not isinstance(book, ResultBook):
        raise InvalidTypeError("indicators", "book", book, "a ResultBook",
                               "collect the results: ResultBook(year).enter(result)")
    year: PlanRun = book.year
    plan, report = year.plan, year.report
    directory = year.runs[0].sample.directory if year.runs else None
    runs = {r.task.code: r for r in year.runs}
    known = [k for r in book if (k := _known(r, as_of)) is not None]
    complete_by = completion_deadline(plan)
    checked = {r.target_id for r in known}
    enterprises = report.enterprises
    covered_checked = sum(1 for t in checked if t in _enterprise_ids(year))
    classified = sum(1 for r in known
                     if any(runs[c].task.applies_risk_classification for c in r.tasks
                            if c in runs))
    marks = [deadlines_of(r, plan, calendar, as_of) for r in known]
    due = [m for m in marks if m.publish_by <= as_of] + \
        [m for m, r in zip(marks, known, strict=True)
         if m.publish_by > as_of and r.published_on is not None]
    published = sum(1 for r in known if r.state is ReviewState.PUBLISHED)
    on_time = sum(1 for m in due if m.published_on_time)
    by_visit = {(r.target_id, r.tasks[0]): r for r in known}
    finished = on_time_tasks = 0
    for run in year.runs:
        visits = [v for v in year.visits if run.task.code in v.tasks]
        results = [by_visit.get((v.target_id, v.tasks[0])) for v in visits]
        if visits and all(r is not None for r in results):
            finished += 1
            on_time_tasks += all(r is not None and r.entered_at.date() <= complete_by
                                 for r in results)
    unreachable = [m for m in marks if m.abnormal_by is not None]
    ageing = (ledger or FollowUpLedger()).ageing(as_of)
    filed = report.filed
    return Indicators(
        as_of=as_of,
        plan_filed_on_time=None if filed is None else filed <= report.filing_deadline,
        coverage_drawn=report.coverage,
        coverage_checked=Fraction(covered_checked, enterprises) if enterprises else Fraction(0),
        coverage_floor=plan.coverage_floor, checks=len(known),
        risk_classified_checks=classified,
        risk_classification_floor=plan.risk_classification_floor,
        publication_due=len(due), published=published, published_on_time=on_time,
        tasks=len(year.runs), tasks_finished=finished, tasks_finished_on_time=on_time_tasks,
        late_entries=sum(1 for m in marks if not m.entered_on_time),
        unreachable=len(unreachable),
        listed_on_time=sum(1 for m in unreachable if m.listed_on_time),
        problem_rates=_problem_rates(known, directory),
        follow_ups_open=ageing.open, follow_ups_closed=ageing.closed)


def _enterprise_ids(year: PlanRun) -> frozenset[str]:
    """The jurisdiction's enterprises among the targets drawn (coverage counts these)."""
    from ..planning._coverage import enterprise_mask  # noqa: PLC0415

    directory = year.runs[0].sample.directory if year.runs else None
    if directory is None:
        return frozenset()
    mask = enterprise_mask(year.plan, directory)
    drawn = {i for r in year.runs for i in r.sample.selected_ids}
    positions = directory.positions(sorted(drawn))
    return frozenset(i for i, p in zip(sorted(drawn), positions, strict=True) if mask[p])


def _problem_rates(results: Iterable[InspectionResult], directory: TargetDirectory | None
                   ) -> dict[str, dict[str, tuple[int, int]]]:
    counts: dict[str, dict[str, list[int]]] = {
        "class": defaultdict(lambda: [0, 0]), "county": defaultdict(lambda: [0, 0]),
        "industry": defaultdict(lambda: [0, 0]), "item": defaultdict(lambda: [0, 0])}
    for result in results:
        if directory is not None and result.target_id in directory:
            target = directory[result.target_id]
            for name, key in (("class", RiskClass(target.risk_class).code),
                              ("county", target.region[:6]),
                              ("industry", target.industry[:1] or "?")):
                counts[name][key][0] += result.problem
                counts[name][key][1] += 1
        for outcome in result.outcomes:
            counts["item"][outcome.item][0] += outcome.problem
            counts["item"][outcome.item][1] += 1
    return {name: {k: (v[0], v[1]) for k, v in sorted(rows.items())}
            for name, rows in counts.items()}

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
import weakref
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

from .._errors import InvalidTypeError
from ..planning import AnnualPlan, PlanRun
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
        """Share of the checks carried out whose visit joins at least one task whose draw
        applied the credit-risk classification (`draw_applies_risk_classification`)."""
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


_NEVER = np.iinfo(np.int64).max  # a day that never comes (not yet done)
_PROBLEMS = frozenset(c for c in ResultCode if c.problem)


@attrs.frozen(eq=False)
class _Columns:
    """One book's results as columns (day ordinals; ``_NEVER`` for not done), built once:
    every indicator as of any day is then a handful of array operations."""

    entered: npt.NDArray[np.int64]
    publish_by: npt.NDArray[np.int64]
    published: npt.NDArray[np.int64]        # the day the publication was known
    published_on: npt.NDArray[np.int64]
    abnormal_by: npt.NDArray[np.int64]      # _NEVER: not unreachable
    listed: npt.NDArray[np.int64]
    problem: npt.NDArray[np.bool_]
    classified: npt.NDArray[np.bool_]
    enterprise: npt.NDArray[np.bool_]
    target: npt.NDArray[np.int64]           # index of the result's target
    keys: dict[str, tuple[list[str], npt.NDArray[np.int64]]]  # breakdown → labels, index
    item_result: npt.NDArray[np.int64]
    item_index: npt.NDArray[np.int64]
    item_problem: npt.NDArray[np.bool_]
    items: list[str]
    task_visits: list[npt.NDArray[np.int64]]  # per task: its visits' results (-1: none)


_COLUMNS: weakref.WeakKeyDictionary[ResultBook, dict[int, _Columns]] = \
    weakref.WeakKeyDictionary()


def _labels(values: list[str]) -> tuple[list[str], npt.NDArray[np.int64]]:
    labels = sorted(set(values))
    index = {v: k for k, v in enumerate(labels)}
    return labels, np.array([index[v] for v in values], dtype=np.int64)


def _columns(book: ResultBook, calendar: WorkingDayCalendar) -> _Columns:
    cached = _COLUMNS.setdefault(book, {})
    found = cached.get(id(calendar))
    if found is not None:
        return found
    year = book.year
    results = list(book)
    # The plan report's per-task verdicts: the one rule, draw_applies_risk_classification.
    classifying = {t.code for t in year.report.tasks if t.applies_risk_classification}
    due: dict[tuple[dt.date, int], int] = {}

    def working(day: dt.date, n: int) -> int:
        key = (day, n)
        if key not in due:
            due[key] = calendar.add_working_days(day, n).toordinal()
        return due[key]

    def day(value: dt.date | None) -> int:
        return _NEVER if value is None else value.toordinal()

    entered, publish_by, published, published_on, abnormal_by, listed = \
        ([] for _ in range(6))
    problem: list[bool] = []
    classified: list[bool] = []
    item_result: list[int] = []
    item_names: list[str] = []
    item_problem: list[bool] = []
    for k, result in enumerate(results):
        entered.append(result.history[0].at.date().toordinal())
        publish_by.append(working(result.check_date, RESULTS_PUBLICATION_WORKING_DAYS))
        last = result.history[-1]
        on = last.published_on if last.state is ReviewState.PUBLISHED else None
        published.append(_NEVER if on is None else max(last.at.date(), on).toordinal())
        published_on.append(day(on))
        unreachable = any_problem = False
        for outcome in result.outcomes:
            hit = not outcome.codes.isdisjoint(_PROBLEMS)
            unreachable = unreachable or ResultCode.UNREACHABLE in outcome.codes
            any_problem = any_problem or hit
            item_result.append(k)
            item_names.append(outcome.item)
            item_problem.append(hit)
        abnormal_by.append(working(result.check_date, ABNORMAL_LIST_WORKING_DAYS)
                           if unreachable else _NEVER)
        listed.append(day(result.abnormal_listed_on))
        problem.append(any_problem)
        classified.append(not classifying.isdisjoint(result.tasks))
    ids = [r.target_id for r in results]
    targets, target_index = _labels(ids)
    enterprises = _enterprise_ids(year)
    keys = _breakdowns(year, ids)
    items, item_index = _labels(item_names)
    task_visits = _task_visits(year, results)
    columns = _Columns(
        np.array(entered, dtype=np.int64), np.array(publish_by, dtype=np.int64),
        np.array(published, dtype=np.int64), np.array(published_on, dtype=np.int64),
        np.array(abnormal_by, dtype=np.int64), np.array(listed, dtype=np.int64),
        np.array(problem, dtype=np.bool_), np.array(classified, dtype=np.bool_),
        np.array([t in enterprises for t in targets], dtype=np.bool_)[target_index]
        if results else np.zeros(0, dtype=np.bool_),
        target_index, keys, np.array(item_result, dtype=np.int64), item_index,
        np.array(item_problem, dtype=np.bool_), items, task_visits)
    cached[id(calendar)] = columns
    return columns


def _breakdowns(year: PlanRun, ids: list[str]
                ) -> dict[str, tuple[list[str], npt.NDArray[np.int64]]]:
    """Each result's risk class, county and industry section, as labels and indices."""
    directory = year.runs[0].sample.directory if year.runs else None
    if directory is None or not ids:
        return {}
    at = directory.positions(ids)
    return {"class": _labels([str(v) for v in directory.column("risk_class")[at]]),
            "county": _labels([str(v)[:6] for v in directory.column("region")[at]]),
            "industry": _labels([str(v)[:1] or "?" for v in directory.column("industry")[at]])}


def _task_visits(year: PlanRun, results: list[InspectionResult]
                 ) -> list[npt.NDArray[np.int64]]:
    """Per task, the position of each of its visits' results (-1: none yet)."""
    position = {(r.target_id, r.tasks[0]): k for k, r in enumerate(results)}
    return [np.array([position.get((v.target_id, v.tasks[0]), -1)
                      for v in year.visits if run.task.code in v.tasks], dtype=np.int64)
            for run in year.runs]


def indicators(book: ResultBook, calendar: WorkingDayCalendar, *,
               as_of: dt.date, ledger: FollowUpLedger | None = None) -> Indicators:
    """The year's indicators as known at the end of ``as_of``: only results entered by then,
    each at the review step it had reached, count. The results are read into columns once
    per book and calendar; each further day costs a few array operations."""
    if not isinstance(book, ResultBook):
        raise InvalidTypeError("indicators", "book", book, "a ResultBook",
                               "collect the results: ResultBook(year).enter(result)")
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        raise InvalidTypeError("indicators", "as_of", as_of, "a datetime.date",
                               "give the day, e.g. datetime.date(2024, 10, 1)")
    year: PlanRun = book.year
    plan, report = year.plan, year.report
    c = _columns(book, calendar)
    today = as_of.toordinal()
    finish = completion_deadline(plan).toordinal()
    known = c.entered <= today
    published = known & (c.published <= today)
    due = known & ((c.publish_by <= today) | published)
    on_time = due & published & (c.published_on <= c.publish_by)
    unreachable = known & (c.abnormal_by != _NEVER)
    listed = unreachable & (c.listed <= today) & (c.listed <= c.abnormal_by)
    checked = np.zeros(int(c.target.max()) + 1 if len(c.target) else 0, dtype=np.bool_)
    checked[c.target[known & c.enterprise]] = True
    finished = on_time_tasks = 0
    for visits in c.task_visits:
        if len(visits) and (visits >= 0).all():
            days = c.entered[visits]
            finished += bool((days <= today).all())
            on_time_tasks += bool((days <= min(today, finish)).all())
    rates: dict[str, dict[str, tuple[int, int]]] = {}
    for name, (labels, index) in c.keys.items():
        rates[name] = _counts(labels, index[known], c.problem[known])
    item_known = known[c.item_result] if len(c.item_result) else np.zeros(0, dtype=np.bool_)
    rates["item"] = _counts(c.items, c.item_index[item_known], c.item_problem[item_known])
    ageing = (ledger or FollowUpLedger()).ageing(as_of)
    filed = report.filed
    enterprises = report.enterprises
    return Indicators(
        as_of=as_of,
        plan_filed_on_time=None if filed is None else filed <= report.filing_deadline,
        coverage_drawn=report.coverage,
        coverage_checked=Fraction(int(checked.sum()), enterprises) if enterprises
        else Fraction(0),
        coverage_floor=plan.coverage_floor, checks=int(known.sum()),
        risk_classified_checks=int((known & c.classified).sum()),
        risk_classification_floor=plan.risk_classification_floor,
        publication_due=int(due.sum()), published=int(published.sum()),
        published_on_time=int(on_time.sum()), tasks=len(year.runs), tasks_finished=finished,
        tasks_finished_on_time=on_time_tasks,
        late_entries=int((known & (c.entered > finish)).sum()),
        unreachable=int(unreachable.sum()), listed_on_time=int(listed.sum()),
        problem_rates=rates, follow_ups_open=ageing.open, follow_ups_closed=ageing.closed)


def _counts(labels: list[str], index: npt.NDArray[np.int64], problem: npt.NDArray[np.bool_]
            ) -> dict[str, tuple[int, int]]:
    """Label → (with a problem, all), for the labels that occur."""
    total = np.bincount(index, minlength=len(labels))
    found = np.bincount(index, weights=problem, minlength=len(labels))
    return {label: (int(found[k]), int(total[k])) for k, label in enumerate(labels)
            if total[k]}


def _enterprise_ids(year: PlanRun) -> frozenset[str]:
    """The jurisdiction's enterprises among the targets drawn (coverage counts these)."""
    from ..planning._masks import enterprise_mask  # noqa: PLC0415

    directory = year.runs[0].sample.directory if year.runs else None
    if directory is None:
        return frozenset()
    mask = enterprise_mask(year.plan, directory)
    drawn = {i for r in year.runs for i in r.sample.selected_ids}
    positions = directory.positions(sorted(drawn))
    return frozenset(i for i, p in zip(sorted(drawn), positions, strict=True) if mask[p])

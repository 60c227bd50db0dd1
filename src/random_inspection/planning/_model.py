"""The annual plan (年度抽查计划): levels, task modes, tasks, versions and their validation."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import attrs

from .._canonical import canonical_digest
from .._errors import InvalidValueError
from ..assignment import DrawMode
from ..registry import CheckMethod, RiskClass, Scope
from ..registry import _fields as f
from ..registry._vocabulary import _Labelled
from ..sampling import ClassWeighted, Design, StratifiedByRisk, parse_rate
from ..sampling._rates import ClassTable, count_table

#: A task code: it names the draw's purpose and the record's file.
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")

__all__ = ["VISIT_CAP_PRESETS", "AnnualPlan", "Level", "PlanChange", "Task", "TaskMode"]


class Level(_Labelled):
    """Administrative level of a jurisdiction or of the body organising a task."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"

    _LABELS = enum.nonmember({
        "province": ("省级", "province"),
        "city": ("市级", "city"),
        "county": ("县级", "county"),
    })
    _ALIASES = enum.nonmember({"province": ("省",), "city": ("市",), "county": ("县", "区")})

    @property
    def rank(self) -> int:
        """0 for the province, 1 for a city, 2 for a county (higher levels run first)."""
        return list(Level).index(self)

    @property
    def code_length(self) -> int:
        """Digits of a division code at this level: 2, 4 or 6."""
        return 2 + 2 * self.rank


class TaskMode(_Labelled):
    """Who draws and who inspects (检查模式)."""

    SAME_LEVEL = "same_level"
    PROVINCE_DRAWS_COUNTY = "province_draws_county"
    CITY_DRAWS_COUNTY = "city_draws_county"
    COUNTY_DRAWS_COUNTY = "county_draws_county"

    _LABELS = enum.nonmember({
        "same_level": ("本级抽本级查", "same level draws and checks"),
        "province_draws_county": ("省抽县查", "province draws, county checks"),
        "city_draws_county": ("市抽县查", "city draws, county checks"),
        "county_draws_county": ("县抽县查", "county draws, county checks"),
    })

    @property
    def drawing_level(self) -> Level | None:
        """The level that must organise a task of this mode (None: any)."""
        return {"province_draws_county": Level.PROVINCE, "city_draws_county": Level.CITY,
                "county_draws_county": Level.COUNTY}.get(self.code)


#: Caps on visits per target per year by credit-risk class (DOMAIN.md: class A fewer than
#: once a year, class B once a year); classes not listed are not capped.
VISIT_CAP_PRESETS: dict[str, dict[RiskClass, int]] = {
    "a-b-once-a-year": {RiskClass.A: 1, RiskClass.B: 1},
    "none": {},
}


def _date(value: object, record: str, field: str) -> dt.date:
    day = f.date(value, record, field, required=True)
    assert day is not None
    return day


def _codes(value: object, record: str, field: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError(record, field, value, "is not a list",
                                "give a list of codes, e.g. ['SJ01', 'SJ05']")
    codes = [f.text(v, record, field) for v in value]
    if len(set(codes)) != len(codes):
        raise InvalidValueError(record, field, codes, "repeats a code", "give each code once")
    return tuple(codes)


def _item_codes(value: Iterable[str]) -> tuple[str, ...]:
    return _codes(value, "Task", "items")


def _labels(value: object, record: str, field: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        raise InvalidValueError(record, field, value, "is not a list", "give a list of names")
    return tuple(sorted({f.text(v, record, field) for v in value}))


def _methods(value: object) -> frozenset[CheckMethod]:
    return f.enum_set(CheckMethod, value, "Task", "methods")


def _mode(value: object) -> TaskMode:
    return TaskMode.parse(value, record="Task", field="mode")  # type: ignore[arg-type]


def _level(value: object) -> Level:
    return Level.parse(value, record="Task", field="level")  # type: ignore[arg-type]


def _team_mode(value: object) -> DrawMode:
    return DrawMode.parse(value, record="Task", field="team_mode")  # type: ignore[arg-type]


def overlap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> bool:
    """Whether two periods (first day, last day) share a day."""
    return a[0] <= b[1] and b[0] <= a[1]


@attrs.frozen(kw_only=True)
class Task:
    """One batch of a plan (抽查任务 / 批次): one draw of targets and their teams.

    Attributes:
        code: Unique within the plan, e.g. ``"XZ-2024-03"``; it names the draw's purpose.
        name: The task's name.
        level: The level that organises the task (`Level`).
        mode: Who draws and who inspects (`TaskMode`: 省抽县查, 市抽县查, …).
        items: Codes of the check items (1+X: all inspected in one visit).
        design: `StratifiedByRisk` or `ClassWeighted`; its scope is the task's scope (regions
            empty means the plan's whole region) and its floor applies to this draw alone
            (plans set it to 0 and check the year's 3% separately).
        start, end: The period of the checks; teams are drawn for the start date.
        methods: Check methods (检查方式).
        organising_department: The department that organises (组织部门).
        executing_department: The department that inspects (实施部门).
        joint_departments: Other departments of a joint check (部门联合抽查); their
            targets are not checked again separately this year.
        team_mode: How inspectors are drawn (`DrawMode`).
        min_officers: Officers per team (at least two).
        leader_department: If set, each team is led by an officer of this department.
        justification: Why a lower level repeats a higher-level task's items in the same
            period (确有必要的，审慎发起); without it such a task is refused.
        widened_departments: For 省抽县查 and 市抽县查, whose teams come from the county
            bureau of each target's county: departments whose people may join too
            (增派部门, e.g. a city's inspection centre's experts).
        widened_inspectors: Likewise, inspector ids that may join (增派人员).
    """

    code: str = attrs.field()
    name: str = attrs.field()
    level: Level = attrs.field(converter=_level)
    items: tuple[str, ...] = attrs.field(converter=_item_codes)
    design: Design = attrs.field()
    start: dt.date = attrs.field()
    end: dt.date = attrs.field()
    mode: TaskMode = attrs.field(default=TaskMode.SAME_LEVEL, converter=_mode)
    methods: frozenset[CheckMethod] = attrs.field(
        factory=lambda: frozenset({CheckMethod.ON_SITE}), converter=_methods)
    organising_department: str = ""
    executing_department: str = ""
    joint_departments: tuple[str, ...] = ()
    team_mode: DrawMode = attrs.field(default=DrawMode.BY_REGION, converter=_team_mode)
    min_officers: int = 2
    leader_department: str | None = None
    justification: str | None = None
    widened_departments: tuple[str, ...] = ()
    widened_inspectors: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        record = f"Task(code={self.code!r})"
        code = f.text(self.code, "Task", "code")
        if not _CODE.fullmatch(code):
            raise InvalidValueError(record, "code", self.code,
                                    "is not made of ASCII letters, digits and '-' (starting "
                                    "with a letter or digit)",
                                    "use letters, digits and '-' only, e.g. 'XZ-2024-03'")
        values: dict[str, Any] = {
            "code": code, "name": f.text(self.name, record, "name"),
            "start": _date(self.start, record, "start"), "end": _date(self.end, record, "end"),
            "organising_department": f.text(self.organising_department, record,
                                             "organising_department", required=False),
            "executing_department": f.text(self.executing_department, record,
                                           "executing_department", required=False),
            "leader_department": None if self.leader_department is None else f.text(
                self.leader_department, record, "leader_department"),
            "justification": None if self.justification is None else f.text(
                self.justification, record, "justification"),
            "joint_departments": _labels(self.joint_departments, record, "joint_departments"),
            "widened_departments": _labels(self.widened_departments, record,
                                           "widened_departments"),
            "widened_inspectors": _labels(self.widened_inspectors, record,
                                          "widened_inspectors"),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)
        if not self.items:
            raise InvalidValueError(record, "items", self.items, "is empty",
                                    "name at least one check item")
        if self.end < self.start:
            raise InvalidValueError(record, "end", self.end.isoformat(),
                                    f"is before the start {self.start.isoformat()}",
                                    "swap them or correct the period")
        if not isinstance(self.design, StratifiedByRisk | ClassWeighted):
            raise InvalidValueError(record, "design", self.design, "is not a design",
                                    "pass StratifiedByRisk(...) or ClassWeighted(...)")
        if not self.methods:
            raise InvalidValueError(record, "methods", self.methods, "is empty",
                                    "give at least one check method")
        if self.executing_department in self.joint_departments:
            raise InvalidValueError(record, "joint_departments", self.joint_departments,
                                    "names the executing department",
                                    "list only the other departments of the joint check")
        drawing = self.mode.drawing_level
        if drawing is not None and drawing is not self.level:
            raise InvalidValueError(record, "mode", self.mode.code,
                                    f"is organised by the {drawing.code} level, not the "
                                    f"{self.level.code} level",
                                    f"set level = '{drawing.code}' or mode = 'same_level'")
        if isinstance(self.min_officers, bool) or not isinstance(self.min_officers, int) \
                or self.min_officers < 2:
            raise InvalidValueError(record, "min_officers", self.min_officers,
                                    "must be a whole number of at least 2",
                                    "inspections need two officers with valid credentials")
        if not self.county_executes and (self.widened_departments or self.widened_inspectors):
            field = ("widened_departments" if self.widened_departments
                     else "widened_inspectors")
            raise InvalidValueError(record, field, list(getattr(self, field)),
                                    f"widens nothing in a {self.mode.code} task (its teams are "
                                    "not limited to the county bureau)",
                                    "drop it, or use mode 'province_draws_county' or "
                                    "'city_draws_county'")

    @property
    def county_executes(self) -> bool:
        """Whether a county bureau inspects what a higher level drew (省抽县查, 市抽县查):
        teams then come from the county bureau of each target's county (spec §12.11)."""
        return self.mode in (TaskMode.PROVINCE_DRAWS_COUNTY, TaskMode.CITY_DRAWS_COUNTY)

    @property
    def is_joint(self) -> bool:
        """Whether this is a joint cross-department check (部门联合抽查)."""
        return bool(self.joint_departments)

    @property
    def departments(self) -> frozenset[str]:
        """The executing department and every joint department."""
        return frozenset({self.executing_department, *self.joint_departments})

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        """(start, end)."""
        return self.start, self.end

    @property
    def applies_risk_classification(self) -> bool:
        """Plan-time figure: whether the design's rates or weights differ between A, B, C
        and D. The indicator (凡随机抽查必风险分类) is judged per draw, from its record, by
        `draw_applies_risk_classification`: a scope restricted to some classes counts there,
        and rates that differ only between classes absent from the frame do not."""
        table = (self.design.rates if isinstance(self.design, StratifiedByRisk)
                 else self.design.weights)
        return len({table[c] for c in (RiskClass.A, RiskClass.B, RiskClass.C,
                                       RiskClass.D)}) > 1

    @property
    def regions(self) -> tuple[str, ...]:
        """The scope's region prefixes (empty: the plan's whole region)."""
        return self.design.scope.region_prefixes


def _when(value: object) -> dt.date:
    return _date(value, "PlanChange", "when")


def _who(value: object) -> str:
    return f.text(value, "PlanChange", "who")


def _why(value: object) -> str:
    return f.text(value, "PlanChange", "why")


def _change_lines(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(f.text(v, "PlanChange", "changes") for v in value)


@attrs.frozen(kw_only=True)
class PlanChange:
    """One entry of a plan's change log.

    Attributes:
        version: The version this change produced.
        when: The date of the change (for version 1, when the plan was filed).
        who: Who made it.
        why: Why.
        changes: What changed, e.g. ``"added task XZ-2024-09"``.
    """

    version: int
    when: dt.date = attrs.field(converter=_when)
    who: str = attrs.field(converter=_who)
    why: str = attrs.field(converter=_why)
    changes: tuple[str, ...] = attrs.field(default=(), converter=_change_lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        return {"version": self.version, "when": self.when.isoformat(), "who": self.who,
                "why": self.why, "changes": list(self.changes)}


def _caps(value: object) -> ClassTable[int | None]:
    if isinstance(value, str):
        if value not in VISIT_CAP_PRESETS:
            raise InvalidValueError("AnnualPlan", "visit_caps", value, "is not a preset",
                                    "use one of: " + ", ".join(VISIT_CAP_PRESETS))
        value = VISIT_CAP_PRESETS[value]
    if isinstance(value, ClassTable):
        return value
    if not isinstance(value, Mapping):
        raise InvalidValueError("AnnualPlan", "visit_caps", value, "is not a mapping",
                                "give class -> visits per year, e.g. {'A': 1, 'B': 1}")
    caps = count_table(value, "AnnualPlan", "visit_caps", None)
    for c in RiskClass:
        if caps[c] == 0:
            raise InvalidValueError("AnnualPlan", f"visit_caps[{c.code}]", 0,
                                    "would forbid every visit to the class",
                                    "use at least 1, or leave the class out (no cap)")
    return caps


def _floor(value: object) -> Fraction:
    return parse_rate(value, "AnnualPlan", "coverage_floor")


def _risk_floor(value: object) -> Fraction:
    return parse_rate(value, "AnnualPlan", "risk_classification_floor")


def _tasks(value: Iterable[Task]) -> tuple[Task, ...]:
    return f.records_of(Task, value, "AnnualPlan", "tasks")


def _history(value: Iterable[PlanChange]) -> tuple[PlanChange, ...]:
    return f.records_of(PlanChange, value, "AnnualPlan", "history")


@attrs.frozen(kw_only=True)
class AnnualPlan:
    """A jurisdiction's spot-check plan for one year (年度抽查计划), one version of it.

    Attributes:
        name: The plan's title.
        level: The jurisdiction's level (`Level`).
        region: Its division code prefix: 2 digits for a province, 4 for a city, 6 for a
            county (``"1409"`` is 忻州市).
        year: The calendar year.
        tasks: The tasks, including those a higher level draws here (they count toward the
            coverage) and, in a city's consolidated plan, its counties' tasks.
        filing_deadline: When the plan must be filed with the level above (default 15 April).
        completion_deadline: When every task must be finished (default 20 December).
        coverage_floor: Least share of the jurisdiction's enterprises checked in the year
            (default 3%).
        risk_classification_floor: Least share of the checks drawn whose draw applies the
            credit-risk classification (default 95%; `draw_applies_risk_classification`).
        visit_caps: Most visits per target per year by class, or a `VISIT_CAP_PRESETS` name
            (default ``"a-b-once-a-year"``).
        top_up: A task run after all others only if the year's draws leave the coverage
            floor unmet; it must be `ClassWeighted` (its total is set to the shortfall).
        version: 1 for the filed plan, then one more per adjustment.
        history: The change log, one `PlanChange` per version up to this one; it starts at
            version 1 (the filing) when the filing was recorded.
    """

    name: str = attrs.field()
    level: Level = attrs.field(converter=_level)
    region: str = attrs.field()
    year: int = attrs.field()
    tasks: tuple[Task, ...] = attrs.field(converter=_tasks)
    filing_deadline: dt.date | None = None
    completion_deadline: dt.date | None = None
    coverage_floor: Fraction = attrs.field(default=Fraction(3, 100), converter=_floor)
    risk_classification_floor: Fraction = attrs.field(default=Fraction(95, 100),
                                                      converter=_risk_floor)
    visit_caps: ClassTable[int | None] = attrs.field(default="a-b-once-a-year",
                                                     converter=_caps)
    top_up: Task | None = None
    version: int = 1
    history: tuple[PlanChange, ...] = attrs.field(default=(), converter=_history)

    def __attrs_post_init__(self) -> None:
        record = f"AnnualPlan(region={self.region!r}, year={self.year!r})"
        object.__setattr__(self, "name", f.text(self.name, record, "name"))
        region = f.region_prefix(self.region, record, "region")
        if len(region) != self.level.code_length:
            raise InvalidValueError(record, "region", region,
                                    f"has {len(region)} digits; a {self.level.code} has "
                                    f"{self.level.code_length}",
                                    f"give the {self.level.code_length}-digit prefix, e.g. "
                                    f"'{'140921'[:self.level.code_length]}'")
        object.__setattr__(self, "region", region)
        if isinstance(self.year, bool) or not isinstance(self.year, int) \
                or not 2000 <= self.year <= 2100:
            raise InvalidValueError(record, "year", self.year, "is not a plan year",
                                    "give the calendar year, e.g. 2024")
        filing = _date(self.filing_deadline or dt.date(self.year, 4, 15), record,
                       "filing_deadline")
        completion = _date(self.completion_deadline or dt.date(self.year, 12, 20), record,
                           "completion_deadline")
        for field, day in (("filing_deadline", filing), ("completion_deadline", completion)):
            if day.year != self.year:
                raise InvalidValueError(record, field, day.isoformat(),
                                        f"is not in {self.year}", "give a date in the plan year")
        object.__setattr__(self, "filing_deadline", filing)
        object.__setattr__(self, "completion_deadline", completion)
        if isinstance(self.version, bool) or not isinstance(self.version, int) \
                or self.version < 1:
            raise InvalidValueError(record, "version", self.version, "is not a version",
                                    "versions count from 1")
        versions = [c.version for c in self.history]
        if versions and versions != list(range(self.version - len(versions) + 1,
                                               self.version + 1)):
            raise InvalidValueError(record, "history", versions,
                                    f"does not number consecutive versions up to {self.version}",
                                    "keep one change per version, in order")
        for problem in self._problems():
            raise problem

    def _problems(self) -> Iterable[InvalidValueError]:
        codes = [t.code for t in self.all_tasks]
        seen: set[str] = set()
        for code in codes:
            if code in seen:
                yield InvalidValueError(f"AnnualPlan(region={self.region!r})", "tasks", code,
                                        "is used by two tasks", "give every task its own code")
            seen.add(code)
        assert self.completion_deadline is not None
        for task in self.all_tasks:
            record = f"Task(code={task.code!r})"
            if task.start.year != self.year:
                yield InvalidValueError(record, "start", task.start.isoformat(),
                                        f"is not in the plan year {self.year}",
                                        "plan the task within the year")
            if task.end > self.completion_deadline:
                yield InvalidValueError(record, "end", task.end.isoformat(),
                                        "is after the completion deadline "
                                        f"{self.completion_deadline.isoformat()}",
                                        "finish the task by the deadline (default 20 December)")
            for prefix in task.regions:
                if not prefix.startswith(self.region):
                    yield InvalidValueError(record, "scope.region_prefixes", prefix,
                                            f"is outside the plan's region {self.region}",
                                            f"use codes starting with {self.region}")
                elif len(prefix) < task.level.code_length:
                    yield InvalidValueError(record, "scope.region_prefixes", prefix,
                                            f"is wider than one {task.level.code}",
                                            f"a {task.level.code} task stays within one "
                                            f"{task.level.code}: give at least "
                                            f"{task.level.code_length} digits")
            if task.level.rank > self.level.rank and not task.regions:
                yield InvalidValueError(record, "scope.region_prefixes", (),
                                        f"is empty, so the {task.level.code} task would cover "
                                        f"the whole {self.level.code}",
                                        "name the county (6 digits) it covers")
        for low in self.tasks:
            for high in self.tasks:
                if high.level.rank < low.level.rank and set(low.items) & set(high.items) \
                        and overlap(low.period, high.period) \
                        and _regions_meet(low.regions, high.regions) and not low.justification:
                    yield InvalidValueError(
                        f"Task(code={low.code!r})", "items",
                        sorted(set(low.items) & set(high.items)),
                        f"repeat the {high.level.code} task {high.code} in an overlapping "
                        f"period ({high.start} to {high.end}) and region",
                        "drop the task (the higher level's task covers it), move its period, "
                        "or give a justification (确有必要的，审慎发起)")
        if self.top_up is not None and not isinstance(self.top_up.design, ClassWeighted):
            yield InvalidValueError(f"Task(code={self.top_up.code!r})", "design",
                                    self.top_up.design.kind, "is not class-weighted",
                                    "give the top-up task a ClassWeighted design")

    @property
    def filed(self) -> dt.date | None:
        """When version 1 was filed, if the log records it."""
        return next((c.when for c in self.history if c.version == 1), None)

    @property
    def all_tasks(self) -> tuple[Task, ...]:
        """The tasks, then the top-up task if any."""
        return self.tasks + ((self.top_up,) if self.top_up is not None else ())

    def task(self, code: str) -> Task:
        """The task with this code."""
        for task in self.all_tasks:
            if task.code == code:
                return task
        raise InvalidValueError(f"AnnualPlan(region={self.region!r})", "code", code,
                                "is not a task of the plan",
                                "use one of: " + ", ".join(t.code for t in self.all_tasks))

    def run_order(self) -> tuple[Task, ...]:
        """The order tasks are drawn in: higher levels first, joint checks before the
        others, then by start date and code; each draw respects every draw before it."""
        return tuple(sorted(self.tasks, key=lambda t: (t.level.rank, not t.is_joint,
                                                       t.start, t.code)))

    def scope_of(self, task: Task) -> Scope:
        """The task's effective scope: regions default to the plan's region."""
        scope = task.design.scope
        if scope.region_prefixes:
            return scope
        return attrs.evolve(scope, region_prefixes=(self.region,))

    def risk_classification_rate(self) -> Fraction:
        """Plan-time figure: share of tasks whose designs differ between classes A-D (the
        top-up task excluded). The indicator itself is measured over the checks drawn
        (`PlanReport.risk_classification_rate`) and forecast by `forecast_coverage`."""
        if not self.tasks:
            return Fraction(0)
        return Fraction(sum(t.applies_risk_classification for t in self.tasks), len(self.tasks))

    def revise(self, *, when: dt.date | str, who: str, why: str,
               tasks: Iterable[Task] | None = None, **changes: Any) -> AnnualPlan:
        """A new version with ``tasks`` and other fields replaced, and the change logged.

        The published version is left as it is (plans are immutable): keep both. The log
        lists every task added, removed or changed, and every other field changed.
        """
        if {"version", "history"} & set(changes):
            raise InvalidValueError("AnnualPlan.revise", "changes", sorted(changes),
                                    "set the version or history by hand",
                                    "let revise() number the version and log the change")
        new_tasks = self.tasks if tasks is None else tuple(tasks)
        old = {t.code: t for t in self.tasks}
        new = {t.code: t for t in new_tasks}
        log = [f"added task {c}" for c in new if c not in old]
        log += [f"removed task {c}" for c in old if c not in new]
        log += [f"changed task {c}" for c in new if c in old and new[c] != old[c]]
        log += [f"changed {k}" for k, v in sorted(changes.items()) if getattr(self, k) != v]
        if not log:
            raise InvalidValueError("AnnualPlan.revise", "changes", "(none)",
                                    "change nothing", "give the new tasks or fields")
        entry = PlanChange(version=self.version + 1, when=when, who=who, why=why,
                           changes=tuple(log))
        revised: AnnualPlan = attrs.evolve(self, tasks=new_tasks, version=self.version + 1,
                                           history=(*self.history, entry), **changes)
        return revised

    @property
    def digest(self) -> str:
        """SHA-256 of the plan's canonical JSON (names this version in records and reports)."""
        from ._files import plan_to_dict  # noqa: PLC0415  (files depend on this module)
        return canonical_digest(plan_to_dict(self))


def _regions_meet(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two scopes' regions overlap (empty: the plan's whole region)."""
    if not a or not b:
        return True
    return any(x.startswith(y) or y.startswith(x) for x in a for y in b)


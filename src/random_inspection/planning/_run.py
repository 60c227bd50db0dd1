"""`run_plan`: the year's draws in order, each respecting the draws before it; visits (1+X)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._errors import (
    InvalidValueError,
    RandomInspectionError,
    UnknownIdError,
    require_types,
)
from .._progress import Progress, Reporter
from .._runfolder import Staging, run_folder
from ..assignment import (
    Assignment,
    ConflictRegister,
    JoinedVisit,
    Team,
    TeamPolicy,
    assign_inspectors,
)
from ..audit import VerificationReport, verify
from ..registry import CheckItemList, EntityType, InspectorDirectory, RiskClass, TargetDirectory
from ..sampling import AuditRecord, Sample, Seed
from ._draws import draw_year_targets, purpose_of
from ._model import AnnualPlan, Task, overlap
from ._report import PlanReport, build_report

__all__ = ["PlanCheckError", "PlanRun", "TaskRun", "Visit", "check_plan", "run_plan"]

CLASSES = tuple(RiskClass)


class PlanCheckError(RandomInspectionError, ValueError):
    """A plan does not fit the registers it is run on; every problem is listed.

    Attributes:
        problems: ``(task code, field, message)`` triples.
    """

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(problems)} problem(s) in the plan; nothing was drawn:\n"
                         + "\n".join(f"  task {t}, field {f!r}: {m}" for t, f, m in problems))


def check_plan(plan: AnnualPlan, directory: TargetDirectory, items: CheckItemList) -> None:
    """Check a plan against the registers: every item listed and applicable to the task's
    entity types, every scope matching some target. Raises `PlanCheckError` with all."""
    problems = []
    known = {i.code: i for i in items}
    for task in plan.all_tasks:
        missing = [c for c in task.items if c not in known]
        if missing:
            problems.append((task.code, "items", f"{missing} are not in the check-item list "
                             f"(digest {items.digest}); add them to the list or fix the codes"))
            continue
        types = set(task.design.scope.entity_types or EntityType)
        useless = [c for c in task.items if not known[c].entity_types & types]
        if useless:
            problems.append((task.code, "items", f"{useless} apply to none of the scope's "
                             f"entity types {sorted(t.code for t in types)}; widen "
                             "scope.entity_types or drop the items"))
        if not directory.scope_mask(plan.scope_of(task)).any():
            problems.append((task.code, "design.scope", f"{plan.scope_of(task).to_dict()} "
                             "matches no target of the directory; check the region codes, "
                             "entity types and tags"))
    if plan.top_up is not None and EntityType.ENTERPRISE not in (
            plan.top_up.design.scope.entity_types or {EntityType.ENTERPRISE}):
        problems.append((plan.top_up.code, "design.scope.entity_types",
                         "the top-up task must draw enterprises (the floor counts them)"))
    if problems:
        raise PlanCheckError(problems)


@attrs.frozen(eq=False)
class TaskRun:
    """One task's draw and teams.

    Attributes:
        task: The task (as planned).
        sample: The target draw (its design carries the exclusions the plan added).
        assignment: The teams; ``assignment.record`` is the task's full audit record.
        policy: The team policy used (needed to verify the teams).
        inspectors: The inspector directory the teams were drawn from.
    """

    task: Task
    sample: Sample
    assignment: Assignment
    policy: TeamPolicy
    inspectors: InspectorDirectory

    def verify(self) -> VerificationReport:
        """Replay the record against the directory and registers it was drawn from."""
        return verify(self.record, self.sample.directory, inspectors=self.inspectors,
                      policy=self.policy)

    @property
    def record(self) -> AuditRecord:
        """The audit record of the task: target draw and teams."""
        record: AuditRecord = self.assignment.record
        return record


@attrs.frozen
class Visit:
    """One visit to a target (进一次门、查多项事): every task that drew it in one window.

    Attributes:
        target_id: The target.
        tasks: Codes of the tasks merged into this visit, in run order; the first leads.
        items: Every item of those tasks (1+X).
        start, end: The window common to the tasks' periods.
        team: The visit's one team (spec §12.12): drawn by the first task that could staff
            it, with the experts later tasks added for their items; ``uncovered`` lists what
            any of the visit's items needs that nobody in it has. None if no task of the
            visit could staff it.
    """

    target_id: str
    tasks: tuple[str, ...]
    items: tuple[str, ...]
    start: dt.date
    end: dt.date
    team: Team | None


@attrs.frozen(eq=False)
class PlanRun:
    """The year's result: every task's draw, teams and record; the visits; the report.

    Attributes:
        plan: The plan version run.
        runs: One `TaskRun` per task in run order (the top-up task last, if it ran).
        visits: Every visit, by target id then window.
        report: The plan report.
    """

    plan: AnnualPlan
    runs: tuple[TaskRun, ...]
    visits: tuple[Visit, ...]
    report: PlanReport

    def run(self, code: str) -> TaskRun:
        """The run of one task."""
        for run in self.runs:
            if run.task.code == code:
                return run
        raise InvalidValueError("PlanRun", "code", code, "did not run",
                                "use one of: " + ", ".join(r.task.code for r in self.runs))

    def merged_visits(self) -> list[str]:
        """Lines describing the merged visits (1+X): how many, that each has one team, the
        experts later tasks added, and one example."""
        merged = [v for v in self.visits if len(v.tasks) > 1]
        joins = [(r.task.code, t) for r in self.runs for t in r.assignment.joined]
        added = [(code, t) for code, t in joins if t.added_experts]
        lines = [f"merged visits 合并检查 (1+X): {len(merged):,} visits inspect the items of "
                 f"2+ tasks, {sum(v.team is not None for v in merged):,} of them with their one "
                 f"team; later tasks joined such visits {len(joins):,} times, adding experts "
                 f"for their items {len(added):,} times"]
        if added:
            code, team = max(added, key=lambda a: (len(a[1].added_experts), a[1].target_id))
            visit = next(v for v in self.visits if v.target_id == team.target_id
                         and code in v.tasks)
            lines += [f"  e.g. {visit.target_id}: tasks {', '.join(visit.tasks)}, items "
                      f"{', '.join(visit.items)}, {visit.start}–{visit.end}",
                      f"    one team: officers {', '.join(team.officers)} (leader "
                      f"{team.leader}); experts {', '.join(team.inherited_experts) or 'none'} "
                      f"+ {', '.join(team.added_experts)} added by {code}"]
        return lines

    def write_into(self, run: Staging) -> None:
        """Write the plan, every task's audit record (``records/<task code>.json``) and the
        report (``report.txt``, ``report.json``) into an open run folder."""
        from ._files import write_plan  # noqa: PLC0415  (files import the model, not runs)

        write_plan(self.plan, run.path / "plan.json")
        (run.path / "records").mkdir()
        for task_run in self.runs:
            name = f"records/{task_run.task.code}.json"
            (run.path / name).write_text(task_run.record.to_json(), encoding="utf-8")
            run.records.append(name)
        (run.path / "report.txt").write_text(str(self.report) + "\n", encoding="utf-8")
        (run.path / "report.json").write_text(
            json.dumps(self.report.to_dict(), ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8")

    def write(self, folder: str | Path, *, overwrite: bool = False) -> Path:
        """Write the year as a run folder (spec §15): the plan, every record, the report and
        a manifest, appearing together or not at all. An existing run folder is replaced only
        with ``overwrite``; a folder that is not a run folder never is."""
        with run_folder(folder, command="plan", overwrite=overwrite,
                        plan_digest=self.plan.digest) as run:
            self.write_into(run)
        return Path(folder)


class _Visits:
    """Each target's visits this year, in run order, with the team of each (spec §12.13)."""

    def __init__(self, inspectors: InspectorDirectory, items: CheckItemList,
                 directory: TargetDirectory) -> None:
        self.inspectors = inspectors
        self.items = {i.code: i for i in items}
        self.directory = directory
        self.of: dict[str, list[dict[str, Any]]] = {}

    def plan_teams(self, task: Task, ids: Sequence[str]
                   ) -> tuple[dict[str, list[str]], list[JoinedVisit]]:
        """For a task drawing ``ids``: the inspectors of each target's earlier visits (to
        rotate), and the visits with a team that the task's targets join."""
        earlier: dict[str, list[str]] = {}
        joined: list[JoinedVisit] = []
        for target_id in ids:
            visits = self.of.get(target_id, [])
            joins = next((v for v in visits if overlap(v["window"], task.period)), None)
            if joins is not None and joins["team"] is not None:
                joined.append(JoinedVisit.of(joins["team"], purpose=joins["purpose"],
                                             record_digest=joins["digest"]))
            people = sorted({p for v in visits if v is not joins and v["team"] is not None
                             for p in (*v["team"].officers, *v["team"].experts)})
            if people:
                earlier[target_id] = people
        return earlier, joined

    def add(self, task: Task, purpose: str, assignment: Assignment) -> None:
        """Record the task's draw: new visits, joined ones (window narrowed, items added,
        the team's added experts), and teams for visits that had none."""
        record = assignment.record
        digest = record.digest  # computed once: it hashes the whole record
        teams = {t.target_id: t for t in (*assignment.teams, *assignment.joined)}
        for target_id in record.selected_ids:
            visits = self.of.setdefault(target_id, [])
            team = teams.get(target_id)
            for v in visits:
                if overlap(v["window"], task.period):
                    v["window"] = (max(v["window"][0], task.start),
                                   min(v["window"][1], task.end))
                    v["tasks"].append(task.code)
                    v["items"].update(task.items)
                    if team is not None and (v["team"] is None or team.visit_of is not None):
                        if v["team"] is None:  # this task drew the visit's team
                            v["purpose"], v["digest"] = purpose, digest
                        v["team"] = attrs.evolve(team, visit_of=None, inherited_experts=())
                    break
            else:
                visits.append({"window": task.period, "tasks": [task.code],
                               "items": set(task.items), "team": team, "purpose": purpose,
                               "digest": digest})

    def _team(self, target_id: str, visit: dict[str, Any]) -> Team | None:
        """The visit's team; uncovered: what any item of the visit needs for this target
        that nobody in the team has, now that every task's experts have joined (items of a
        task that could not staff the visit included)."""
        team: Team | None = visit["team"]
        if team is None:
            return None
        kind = self.directory[target_id].entity_type
        needed = {s for code in visit["items"] for s in self.items[code].required_specialties
                  if kind in self.items[code].entity_types}
        people = (self.inspectors.get(i) for i in (*team.officers, *team.experts))
        held = {s for p in people if p is not None for s in p.specialties}
        return attrs.evolve(team, uncovered=tuple(sorted(needed - held)))

    def all(self) -> tuple[Visit, ...]:
        return tuple(Visit(t, tuple(v["tasks"]), tuple(sorted(v["items"])), v["window"][0],
                           v["window"][1], self._team(t, v))
                     for t in sorted(self.of) for v in self.of[t])


def run_plan(plan: AnnualPlan, directory: TargetDirectory, inspectors: InspectorDirectory,
             items: CheckItemList, *, seed: Seed | str | Mapping[str, Seed | str],
             conflicts: ConflictRegister | None = None,
             previous_inspectors: Mapping[str, Any] | None = None,
             hash: str = "sha256", progress: Progress | None = None) -> PlanRun:
    """Run a year: draw each task in `AnnualPlan.run_order` (`draw_year_targets`: each draw
    excludes what earlier draws imply, and the top-up task runs if the year falls short of
    the coverage floor), then form the teams task by task, one team per visit.

    A target drawn by tasks with overlapping periods gets one visit (1+X) with all their
    items and one team: the first task's, drawn for it; later tasks list the target as
    joined and add experts for specialties their items need that the team lacks (spec
    §12.12). A target's officers and experts of its earlier visits this year may not
    inspect it again (§12.10). Teams of 省抽县查 and 市抽县查 tasks come from the county
    bureau of each target's county, widened only as the task says (§12.11).

    Parameters
    ----------
    seed
        One public seed for the year (each task draws under its own purpose
        ``"<year>/<region>/<task code>"``), or task code → seed for one ceremony per task.
    conflicts, previous_inspectors
        The conflict register and the previous check's inspectors, for every task's teams.
    progress
        Optional callback ``progress(stage, done, total)``: one step, a unit per task.
    """
    require_types("run_plan", {
        "plan": (plan, AnnualPlan, "read it with read_plan(path) or build AnnualPlan(...)"),
        "directory": (directory, TargetDirectory, "load it with TargetDirectory.from_csv(path)"),
        "inspectors": (inspectors, InspectorDirectory,
                       "load it with InspectorDirectory.from_csv(path)"),
        "items": (items, CheckItemList, "load it with CheckItemList.from_csv(path)")})
    check_plan(plan, directory, items)
    if isinstance(seed, Mapping):
        missing = [t.code for t in plan.all_tasks if t.code not in seed]
        if missing:
            raise UnknownIdError("run_plan seeds", missing,
                                 "Fix: give a seed for every task (and the top-up task).")
    conflicts = conflicts or ConflictRegister()
    previous = previous_inspectors or {}
    report = Reporter(progress)
    steps = len(plan.run_order()) + (plan.top_up is not None)
    report.start(f"drawing {steps} tasks", 2 * steps)
    year = draw_year_targets(plan, directory, seed=seed, hash=hash, after=report.advance)
    _check_widening(plan, inspectors)
    visits = _Visits(inspectors, items, directory)
    runs = []
    for task, sample in year.draws:
        policy = task_policy(task, items, conflicts=conflicts, previous_inspectors=previous)
        earlier, joined = visits.plan_teams(task, sample.selected_ids)
        assignment = assign_inspectors(sample, inspectors, policy, earlier_visits=earlier,
                                       joined=joined)
        visits.add(task, purpose_of(plan, task), assignment)
        runs.append(TaskRun(task, sample, assignment, policy, inspectors))
        report.advance(len(year.draws) + len(runs))
    report.finish()
    all_visits = visits.all()
    return PlanRun(plan, tuple(runs), all_visits, build_report(plan, directory, runs,
                                                               all_visits))


def _check_widening(plan: AnnualPlan, inspectors: InspectorDirectory) -> None:
    """A task's widening must name people of the register (`PlanCheckError` lists all)."""
    departments = {p.department for p in inspectors}
    problems = []
    for task in plan.all_tasks:
        missing = [i for i in task.widened_inspectors if inspectors.get(i) is None]
        if missing:
            problems.append((task.code, "widened_inspectors", f"{missing} are not in the "
                             f"inspector directory ({inspectors.digest}); fix the ids or "
                             "drop them"))
        nobody = [d for d in task.widened_departments if d not in departments]
        if nobody:
            problems.append((task.code, "widened_departments", f"{nobody}: nobody in the "
                             "inspector directory belongs to it; spell the department as "
                             "the directory does, or drop it"))
    if problems:
        raise PlanCheckError(problems)


def task_policy(task: Task, items: CheckItemList, *, conflicts: ConflictRegister,
                previous_inspectors: Mapping[str, Any]) -> TeamPolicy:
    """The team policy of a task: its check date (the start), team mode, size, leader
    department and items; for 省抽县查 and 市抽县查 the county bureau executes, widened by the
    task's ``widened_departments`` and ``widened_inspectors``."""
    executing = "county" if task.county_executes else None
    return TeamPolicy(check_date=task.start, mode=task.team_mode,
                      min_officers=task.min_officers, leader_department=task.leader_department,
                      conflicts=conflicts, previous_inspectors=previous_inspectors,
                      items=items.require(task.items), executing_level=executing,
                      widened_departments=task.widened_departments if executing else (),
                      widened_inspectors=task.widened_inspectors if executing else ())

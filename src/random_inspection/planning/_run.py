"""`run_plan`: the year's draws in order, each respecting the draws before it; visits (1+X)."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from .._errors import (
    InvalidValueError,
    RandomInspectionError,
    UnknownIdError,
    require_types,
)
from .._progress import Progress, Reporter
from .._runfolder import Staging, run_folder
from ..assignment import Assignment, ConflictRegister, Team, TeamPolicy, assign_inspectors
from ..audit import VerificationReport, verify
from ..registry import CheckItemList, EntityType, InspectorDirectory, RiskClass, TargetDirectory
from ..sampling import AuditRecord, ClassWeighted, Sample, Seed, draw_targets
from ._masks import enterprise_mask, id_mask
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
        team: The leading task's team (None if it could not be staffed).
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


@attrs.frozen
class _Registers:
    """What every task of a run draws from."""

    directory: TargetDirectory
    inspectors: InspectorDirectory
    items: CheckItemList
    conflicts: ConflictRegister
    previous: Mapping[str, Any]
    hash_name: str


class _Ledger:
    """Who has been drawn so far this year, by task, and each target's visits."""

    def __init__(self, directory: TargetDirectory, caps: Mapping[RiskClass, int | None]) -> None:
        self.directory = directory
        self.caps = caps
        self.classes = directory.codes("risk_class")
        self.drawn: list[tuple[Task, tuple[str, ...]]] = []
        self.visits: dict[str, list[dict[str, Any]]] = {}
        self.risk_class: dict[str, RiskClass] = {}

    def exclusions(self, task: Task) -> dict[str, list[str]]:
        """Reason → ids the task may not draw, from the draws before it."""
        out: dict[str, list[str]] = {}
        for earlier, ids in self.drawn:
            if set(earlier.items) & set(task.items):
                out[f"drawn for the same items by {earlier.code}"] = list(ids)
            elif earlier.is_joint and task.executing_department in earlier.departments:
                out[f"in the joint check {earlier.code} (部门联合抽查)"] = list(ids)
        capped: dict[str, list[str]] = {}
        for target_id, visits in self.visits.items():
            if any(overlap(v["window"], task.period) for v in visits):
                continue  # drawn again, it joins that visit: no extra visit
            cls = self.risk_class[target_id]
            cap = self.caps[cls]
            if cap is not None and len(visits) >= cap:
                capped.setdefault(f"visit cap reached (class {cls.code}: {cap} a year)",
                                  []).append(target_id)
        return {**out, **capped}

    def add(self, task: Task, ids: tuple[str, ...], teams: Mapping[str, Team]) -> None:
        self.drawn.append((task, ids))
        for target_id in ids:
            visits = self.visits.setdefault(target_id, [])
            if not visits:  # first visit: note the class once, for the caps
                row = self.directory._row_of(target_id)
                self.risk_class[target_id] = CLASSES[int(self.classes[row])]
            for v in visits:
                if overlap(v["window"], task.period):
                    v["window"] = (max(v["window"][0], task.start), min(v["window"][1],
                                                                      task.end))
                    v["tasks"].append(task.code)
                    v["items"].update(task.items)
                    break
            else:
                visits.append({"window": task.period, "tasks": [task.code],
                               "items": set(task.items), "team": teams.get(target_id)})

    def all_visits(self) -> tuple[Visit, ...]:
        return tuple(Visit(t, tuple(v["tasks"]), tuple(sorted(v["items"])), v["window"][0],
                           v["window"][1], v["team"])
                     for t in sorted(self.visits) for v in self.visits[t])


def _seed_for(seed: Seed | str | Mapping[str, Seed | str], code: str) -> Seed | str:
    return seed[code] if isinstance(seed, Mapping) else seed


def run_plan(plan: AnnualPlan, directory: TargetDirectory, inspectors: InspectorDirectory,
             items: CheckItemList, *, seed: Seed | str | Mapping[str, Seed | str],
             conflicts: ConflictRegister | None = None,
             previous_inspectors: Mapping[str, Any] | None = None,
             hash: str = "sha256", progress: Progress | None = None) -> PlanRun:
    """Run a year: draw each task in `AnnualPlan.run_order`, form its teams, merge visits.

    Each task's draw excludes, through the draw core's listed exclusions (so its record
    shows them and replays): targets an earlier task drew for any of the same items;
    targets of an earlier joint check its executing department took part in; and targets
    whose class cap on visits is reached (unless the new draw would join an existing visit).
    A target drawn by tasks with overlapping periods gets one visit with all their items.
    If the draws leave the coverage floor unmet and the plan has a top-up task, it draws the
    shortfall from enterprises not yet checked.

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
    ledger = _Ledger(directory, plan.visit_caps)
    registers = _Registers(directory, inspectors, items, conflicts or ConflictRegister(),
                           previous_inspectors or {}, hash)
    report = Reporter(progress)
    order = plan.run_order()
    report.start(f"drawing {len(order)} tasks", len(order) + (plan.top_up is not None))
    runs = []
    for task in order:
        runs.append(_run_task(plan, task, ledger, registers, _seed_for(seed, task.code)))
        report.advance(len(runs))
    top_up = plan.top_up
    if top_up is not None:
        mask = enterprise_mask(plan, directory)
        covered = {i for r in runs for i in r.sample.selected_ids}
        checked = int((mask & id_mask(directory, covered)).sum())
        short = math.ceil(plan.coverage_floor * int(mask.sum())) - checked
        if short > 0:
            runs.append(_run_task(plan, top_up, ledger, registers, _seed_for(seed, top_up.code),
                                  top_up=(short, covered)))
    report.finish()
    visits = ledger.all_visits()
    return PlanRun(plan, tuple(runs), visits, build_report(plan, directory, runs, visits))


def _run_task(plan: AnnualPlan, task: Task, ledger: _Ledger, registers: _Registers,
              seed: Seed | str, *, top_up: tuple[int, set[str]] | None = None) -> TaskRun:
    """Draw one task with the exclusions the year so far imposes, and form its teams."""
    directory = registers.directory
    excluded: dict[str, Sequence[str]] = dict(task.design.excluded_ids)
    excluded.update(ledger.exclusions(task))
    design = attrs.evolve(task.design, scope=plan.scope_of(task), excluded_ids=excluded)
    if top_up is not None:
        short, covered = top_up
        excluded["already checked this year (补充抽查 draws new enterprises)"] = sorted(covered)
        assert isinstance(design, ClassWeighted)  # checked when the plan was made
        design = attrs.evolve(design, excluded_ids=excluded, floor=0, total=short)
    if isinstance(design, ClassWeighted):
        # The year's exclusions may leave fewer targets than the planned total: draw them all
        # rather than fail in the autumn (the record shows the total drawn).
        eligible, _ = design.eligibility(directory)
        classes = directory.codes("risk_class")
        weighted = sum(int(np.count_nonzero(eligible & (classes == k)))
                       for k, c in enumerate(CLASSES) if design.weights[c] > 0)
        design = attrs.evolve(design, total=min(design.total, weighted))
    sample = draw_targets(directory, design, seed=seed,
                          purpose=f"{plan.year}/{plan.region}/{task.code}",
                          hash=registers.hash_name)
    policy = TeamPolicy(check_date=task.start, mode=task.team_mode,
                        min_officers=task.min_officers, leader_department=task.leader_department,
                        conflicts=registers.conflicts, previous_inspectors=registers.previous,
                        items=registers.items.require(task.items))
    assignment = assign_inspectors(sample, registers.inspectors, policy)
    ledger.add(task, sample.selected_ids, {t.target_id: t for t in assignment.teams})
    return TaskRun(task, sample, assignment, policy, registers.inspectors)

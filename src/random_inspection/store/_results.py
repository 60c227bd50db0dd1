"""The year's results and follow-ups in a workspace.

The year itself is not stored twice: `load_year` runs the stored plan version again from the
stored registers and the seeds of its stored records, and checks that every task's record
comes out byte for byte as stored. Results and follow-ups are journaled (``result_recorded``,
``follow_up_recorded``): each new state of a result or a follow-up is an entry, so the
journal shows who entered, reviewed and published what, and when — and `load_results`
replays them, checking each against the year again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import InvalidValueError, StoreError, UnknownIdError
from ..assignment import ConflictRegister
from ..assignment._policy import previous_inspectors_digest
from ..audit._journal import Signer
from ..planning import AnnualPlan, PlanRun, run_plan
from ..registry import CheckItemList, InspectorDirectory, TargetDirectory
from ..results import FollowUp, FollowUpLedger, InspectionResult, ResultBook, TeamNow
from ..sampling._record import AuditRecord
from ._teams import team_now
from ._workspace import Workspace

__all__ = ["changed_teams", "load_ledger", "load_results", "load_year", "save_ledger",
           "save_results"]


def _purpose(plan: AnnualPlan, code: str) -> str:
    return f"{plan.year}/{plan.region}/{code}"


def _stored_record(ws: Workspace, plan: AnnualPlan, code: str) -> AuditRecord | None:
    """The last stored record with teams of a task, or ``None``."""
    for digest in reversed(ws.records_of(_purpose(plan, code))):
        record = ws.load_record(digest)
        if record.teams is not None:
            return record
    return None


def _register(ws: Workspace, digest: str, kind: type[Any], what: str) -> Any:
    try:
        value = ws.load_register(digest)
    except UnknownIdError:
        raise StoreError(ws.location, f"the {what} {digest} the year was drawn from is not "
                         "stored", "record the year with `plan … --seed … --workspace`"
                         ) from None
    if not isinstance(value, kind):
        raise StoreError(ws.location, f"{digest} is stored as a {type(value).__name__}, "
                         f"not the {what}", "restore the workspace from a backup")
    return value


def _items(ws: Workspace, plan: AnnualPlan, records: list[AuditRecord]) -> CheckItemList:
    """The stored check-item list every record's items come from."""
    wanted = {c for t in plan.all_tasks for c in t.items}
    for row in reversed(ws.registers()):
        if row["kind"] != "check-item-list":
            continue
        items = ws.load_register(row["digest"])
        assert isinstance(items, CheckItemList)
        codes = {i.code for i in items}
        if wanted <= codes and all(
                CheckItemList(items.require(r.teams["policy"]["items"])).digest  # type: ignore[index]
                == r.teams["policy"]["items_digest"] for r in records):  # type: ignore[index]
            return items
    raise StoreError(ws.location, "no stored check-item list holds the plan's items as the "
                     "records name them", "record the year with `plan … --seed … "
                     "--workspace` (it stores the item list)")


def load_year(ws: Workspace, plan_digest: str | None = None, *,
              previous_inspectors: Mapping[str, Any] | None = None) -> PlanRun:
    """The year of a stored plan version (default: the newest version with stored records),
    run again from the stored registers and the records' seeds; every task's record must
    come out as stored. A year drawn with rotation data needs ``previous_inspectors``
    (the workspace keeps only its digest)."""
    plan = ws.load_plan(plan_digest) if plan_digest else _newest_drawn_plan(ws)
    records = {t.code: r for t in plan.all_tasks
               if (r := _stored_record(ws, plan, t.code)) is not None}
    missing = [t.code for t in plan.tasks if t.code not in records]
    if missing:
        raise StoreError(ws.location, f"the plan {plan.name!r} (version {plan.version}) has "
                         f"no stored records for {', '.join(missing)}",
                         "run and record the year: `plan … --seed … --workspace`")
    first = records[plan.tasks[0].code]
    section = first.teams or {}
    policy = section["policy"]
    directory = _register(ws, first.directory_digest, TargetDirectory, "target directory")
    inspectors = _register(ws, section["inspector_directory"]["digest"], InspectorDirectory,
                           "inspector directory")
    conflicts = ConflictRegister() if policy["conflicts_digest"] == ConflictRegister().digest \
        else _register(ws, policy["conflicts_digest"], ConflictRegister, "conflict register")
    previous = dict(previous_inspectors or {})
    if previous_inspectors_digest(previous) != policy["previous_inspectors_digest"]:
        raise InvalidValueError("load_year", "previous_inspectors", len(previous),
                                "is not the rotation data the year was drawn with",
                                "give the previous inspectors file the year was drawn with")
    items = _items(ws, plan, list(records.values()))
    seeds = {code: r.seed for code, r in records.items()}
    for task in plan.all_tasks:
        seeds.setdefault(task.code, first.seed)  # a top-up task that did not run
    year = run_plan(plan, directory, inspectors, items, seed=seeds, conflicts=conflicts,
                    previous_inspectors=previous, hash=first.hash)
    for run in year.runs:
        stored = records.get(run.task.code)
        if stored is None or stored.digest != run.record.digest:
            raise StoreError(ws.location, f"task {run.task.code} does not replay as stored "
                             f"({run.record.digest} against "
                             f"{None if stored is None else stored.digest})",
                             "verify the stored records: random-inspection verify")
    return year


def _newest_drawn_plan(ws: Workspace) -> AnnualPlan:
    for row in reversed(ws.plans()):
        plan = ws.load_plan(row["digest"])
        if plan.tasks and _stored_record(ws, plan, plan.tasks[0].code) is not None:
            return plan
    raise StoreError(ws.location, "holds no plan with stored records",
                     "run and record the year: `plan … --seed … --workspace`")


def save_results(ws: Workspace, book: ResultBook, *, actor: str,
                 signer: Signer | None = None) -> int:
    """Journal every result whose state is new to the workspace; how many were."""
    stored = {_key(r): r.to_dict() for r in _results(ws, book.year.plan.digest)}
    count = 0
    for result in book:
        payload = result.to_dict()
        if stored.get(_key(result)) != payload:
            ws.append("result_recorded", {"plan_digest": book.year.plan.digest,
                                          "result": payload}, actor=actor, signer=signer)
            count += 1
    return count


def load_results(ws: Workspace, year: PlanRun) -> ResultBook:
    """The year's results as journaled, each checked again — against the visit's team as
    changed after the draw when the journal holds a substitute or a change for it."""
    return ResultBook(year, teams=changed_teams(ws, year)).record(
        _results(ws, year.plan.digest, every=True))


def changed_teams(ws: Workspace, year: PlanRun) -> dict[tuple[str, str], TeamNow]:
    """Visit (target, leading task) → its team after the journaled substitutes and
    changes of the leading task's record (`team_now`)."""
    touched = {(p.get("record_digest"), p.get("target"))
               for e in ws.journal(kinds=("team_changed", "team_substituted"))
               if (p := e.payload or {})}
    out: dict[tuple[str, str], TeamNow] = {}
    for visit in year.visits:
        digest = year.run(visit.tasks[0]).record.digest
        if (digest, visit.target_id) not in touched:
            continue
        now = team_now(ws, digest, visit.target_id)
        if now["leader"] is not None:  # a team left without a leader takes no results
            out[visit.target_id, visit.tasks[0]] = TeamNow(
                tuple(now["officers"]), now["leader"], tuple(now["experts"]),
                "changed after the draw (journaled)")
    return out


def _key(result: InspectionResult) -> tuple[str, str]:
    return result.target_id, result.tasks[0]


def _results(ws: Workspace, plan_digest: str, *, every: bool = False
             ) -> list[InspectionResult]:
    found: list[InspectionResult] = []
    for entry in ws.journal(kinds=("result_recorded",)):
        payload = entry.payload or {}
        if payload.get("plan_digest") == plan_digest:
            found.append(InspectionResult.from_dict(payload["result"]))
    if every:
        return found
    return list({_key(r): r for r in found}.values())


def save_ledger(ws: Workspace, ledger: FollowUpLedger, plan_digest: str, *, actor: str,
                signer: Signer | None = None) -> int:
    """Journal every follow-up whose state is new to the workspace; how many were."""
    stored = {e.id: e.to_dict() for e in load_ledger(ws, plan_digest)}
    count = 0
    for entry in ledger:
        if stored.get(entry.id) != entry.to_dict():
            ws.append("follow_up_recorded", {"plan_digest": plan_digest,
                                             "follow_up": entry.to_dict()},
                      actor=actor, signer=signer)
            count += 1
    return count


def load_ledger(ws: Workspace, plan_digest: str) -> FollowUpLedger:
    """The year's follow-up ledger as journaled (each follow-up's last state)."""
    items: dict[str, FollowUp] = {}
    for entry in ws.journal(kinds=("follow_up_recorded",)):
        payload = entry.payload or {}
        if payload.get("plan_digest") == plan_digest:
            follow_up = FollowUp.from_dict(payload["follow_up"])
            items[follow_up.id] = follow_up
    return FollowUpLedger(items)

"""Team changes after the draw (spec §16.2 ``team_changed``): an officer falls ill, a conflict
is declared late. The drawn record never changes; the change is journaled with its reason,
checked against the registers the teams were drawn from, and shown by `verify` with the
journal. A change is named by a clerk (`change_team`) or drawn from the seed (`substitute`,
spec §12.9, journaled as ``team_substituted``).

Example::

    change_team(ws, record_digest, "91140902…", remove=["XZ00228"], add=["XZ00301"],
                reason="XZ00228 病假（6月1日—6月20日）", actor="信用监管科")
    substitute(ws, record_digest, "91140902…", "XZ00228", reason="病假", actor="信用监管科")
    team_now(ws, record_digest, "91140902…")   # the team after every journaled change
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .._errors import InvalidValueError, StoreError
from ..assignment import ConflictRegister, Substitution, TeamPolicy, draw_substitute
from ..assignment._policy import previous_inspectors_digest
from ..assignment._substitute import TeamState
from ..audit._journal import Entry, Signer
from ..registry import CheckItemList, Inspector, InspectorDirectory, Target, TargetDirectory
from ..registry import _fields as f
from ..sampling._record import AuditRecord
from ._workspace import Workspace

__all__ = ["change_team", "substitute", "team_changes", "team_now"]

#: The journal kinds that change a drawn team.
CHANGES = ("team_changed", "team_substituted")


def _teams(ws: Workspace, record_digest: str, where: str = "change_team"
           ) -> tuple[AuditRecord, Mapping[str, Any], dict[str, Any]]:
    """A stored record, its team section, and its teams by target."""
    record = ws.load_record(record_digest)
    section = record.teams
    if section is None:
        raise InvalidValueError(where, "record_digest", record_digest,
                                "is a record without teams",
                                "give the digest of the record with the teams (assign)")
    return record, section, {t["target"]: t for t in section["teams"]}


def _changes(ws: Workspace, record_digest: str) -> list[Entry]:
    """The record's ``team_changed`` and ``team_substituted`` entries, in journal order."""
    return [e for e in ws.journal(kinds=CHANGES)
            if (e.payload or {}).get("record_digest") == record_digest]


def team_changes(ws: Workspace, record_digest: str) -> list[dict[str, Any]]:
    """The journaled changes to a record's teams, in order: ``seq``, ``time``, ``actor``,
    ``target``, ``remove``, ``add`` and ``reason``."""
    return [{"seq": e.seq, "time": e.time, "actor": e.actor, "target": p["target"],
             "remove": p["change"]["remove"], "add": p["change"]["add"],
             "reason": p["reason"]}
            for e in ws.journal(kinds=("team_changed",))
            if (p := e.payload or {}).get("record_digest") == record_digest]


def team_now(ws: Workspace, record_digest: str, target: str) -> dict[str, Any]:
    """A target's team as drawn, with every journaled change and substitute applied in
    journal order (spec §12.9.2): ``officers``, ``experts``, ``leader`` (``None`` when the
    leader was removed and no one named), the ``changes`` made by hand (as `team_changes`
    lists them) and the ``substitutions`` drawn (``seq``, ``time``, ``actor``, ``target``,
    ``leaving``, ``substitute``, ``k``, ``reason``)."""
    _, section, teams = _teams(ws, record_digest, "team_now")
    if target not in teams:
        raise InvalidValueError("team_now", "target", target, "has no team in this record",
                                "give a target the record staffed")
    team = TeamState.drawn(teams[target])
    department = section["policy"]["leader_department"]
    changes, substitutions = [], []
    for entry in _changes(ws, record_digest):
        payload = entry.payload or {}
        if payload.get("target") != target:
            continue
        said = {"seq": entry.seq, "time": entry.time, "actor": entry.actor, "target": target}
        if entry.kind == "team_changed":
            team.pick(payload["change"])
            changes.append({**said, "remove": payload["change"]["remove"],
                            "add": payload["change"]["add"], "reason": payload["reason"]})
        else:
            team.substitute(payload["leaving"], payload["substitute"], department)
            substitutions.append({**said, **{k: payload[k] for k in (
                "leaving", "substitute", "k", "reason")}})
    return {"officers": sorted(team.officers), "experts": sorted(team.experts),
            "leader": team.leader, "changes": changes, "substitutions": substitutions}


def change_team(ws: Workspace, record_digest: str, target: str, *, remove: Sequence[str],
                add: Sequence[str], reason: str, actor: str, leader: str | None = None
                ) -> dict[str, Any]:
    """Journal a change to a drawn team and return the team as it now is (`team_now`).

    Removed members must be in the team now; added ones must be in the inspector directory
    the teams were drawn from (stored in the workspace), active, not in the team, free of a
    declared conflict with the target on the check date, and officers with valid credentials
    (or experts); the team keeps at least the policy's officers. ``leader``: who leads now,
    needed when the leader is removed. Nothing is journaled when any check fails.
    """
    reason = f.text(reason, "change_team", "reason")
    actor = f.text(actor, "journal", "actor")
    record, section, teams = _teams(ws, record_digest)
    if target not in teams:
        raise InvalidValueError("change_team", "target", target, "has no team in this record",
                                "give a target the record staffed (see teams.csv)")
    now = team_now(ws, record_digest, target)
    members = set(now["officers"]) | set(now["experts"])
    removed = [f.text(i, "change_team", "remove") for i in remove]
    added = [f.text(i, "change_team", "add") for i in add]
    for name, ids in (("remove", removed), ("add", added)):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise InvalidValueError("change_team", name, twice, "are named twice",
                                    "name each inspector once")
    if not removed and not added:
        raise InvalidValueError("change_team", "remove/add", [], "change nothing",
                                "name who leaves the team and who joins it")
    outside = [i for i in removed if i not in members]
    if outside:
        raise InvalidValueError("change_team", "remove", outside, "are not in the team now",
                                "the team now: " + ", ".join(sorted(members)))
    policy = section["policy"]
    inspectors = _stored(ws, section["inspector_directory"]["digest"], InspectorDirectory)
    roles = _newcomers(ws, record, policy, inspectors=inspectors, target=target, added=added,
                       members=members, leader=leader)
    officers = [i for i in now["officers"] if i not in removed] + \
        [m for r, m in roles if r != "expert"]
    if len(officers) < policy["min_officers"]:
        raise InvalidValueError("change_team", "add", added,
                                f"leave {len(officers)} officer(s); the policy needs "
                                f"{policy['min_officers']}", "add an officer for each removed")
    current_leader = now["leader"] if now["leader"] not in removed else None
    if leader is not None and leader not in officers:
        raise InvalidValueError("change_team", "leader", leader, "is not an officer of the "
                                "team after the change", "name one of: " + ", ".join(officers))
    if current_leader is None and leader is None:
        raise InvalidValueError("change_team", "leader", None,
                                "is needed: the team's leader leaves",
                                "name the new leader, one of: " + ", ".join(officers))
    department = policy.get("leader_department")
    chosen = leader or current_leader
    if department and chosen is not None and inspectors[chosen].department != department:
        raise InvalidValueError("change_team", "leader", chosen,
                                f"is not of the executing department {department}",
                                "name an officer of that department as leader")
    if leader is not None and leader not in added:
        roles.append(["leader", leader])
    ws.append("team_changed", {"record_digest": record_digest, "target": target,
                               "reason": reason,
                               "change": {"remove": removed, "add": roles}}, actor=actor)
    return team_now(ws, record_digest, target)


def _newcomers(ws: Workspace, record: AuditRecord, policy: Mapping[str, Any], *,
               inspectors: InspectorDirectory, target: str, added: list[str],
               members: set[str], leader: str | None) -> list[list[str]]:
    """The ``[role, id]`` of each inspector joining the team, each checked against the
    registers the teams were drawn from (`InvalidValueError` for the first who may not)."""
    check_date = dt.date.fromisoformat(policy["check_date"])
    conflicts = _stored(ws, policy["conflicts_digest"], ConflictRegister) \
        if policy["conflicts_digest"] != ConflictRegister().digest else ConflictRegister()
    recused = conflicts.for_target(target, check_date)
    drawn_from = _stored(ws, record.directory_digest, TargetDirectory)[target]
    roles: list[list[str]] = []
    for member in added:
        person = inspectors.get(member)
        why = ("is not in the inspector directory the teams were drawn from"
               if person is None else "is in the team already" if member in members
               else f"must be recused ({recused[member].value})" if member in recused
               else _mode_problem(policy["mode"], person, drawn_from))
        role = ""
        if person is not None and why is None:
            if person.is_expert:
                role = "expert"
            elif person.counts_as_officer(check_date):
                role = "leader" if member == leader else "officer"
            else:
                why = f"cannot inspect on {check_date} (inactive, or no valid credential)"
        if why is not None:
            raise InvalidValueError("change_team", "add", member, why,
                                    "choose another inspector")
        roles.append([role, member])
    return roles


def _mode_problem(mode: str, person: Inspector, target: Target) -> str | None:
    """Why the draw mode would never have put ``person`` in the target's team (spec §12.3)."""
    if person.is_expert:
        return None
    if mode == "by_region" and not (person.office_area
                                    and target.region.startswith(person.office_area)):
        return (f"does not cover the target's region {target.region} (office area "
                f"{person.office_area or 'none'}; the teams were drawn by region)")
    if mode == "cross_office" and person.office and person.office == target.supervising_office:
        return f"is of the target's own office {person.office} (the draw was cross-office)"
    return None


def _stored(ws: Workspace, digest: str, kind: type[Any]) -> Any:
    value = ws.load_register(digest)
    if not isinstance(value, kind):
        raise StoreError(ws.location, f"the register {digest} is stored as a "
                         f"{type(value).__name__}, not a {kind.__name__}",
                         "restore the workspace from a backup")
    return value


def substitute(ws: Workspace, record_digest: str, target: str, leaving: str, *, reason: str,
               actor: str, previous_inspectors: Mapping[str, Any] | None = None,
               signer: Signer | None = None) -> Substitution:
    """Draw a substitute for an officer who leaves a drawn team, and journal it (spec §12.9).

    The record, its directory, inspector directory, conflict register and check-item list
    come from the workspace; the workspace does not keep rotation files, so teams drawn with
    previous inspectors need ``previous_inspectors`` (the same data, checked against the
    record's digest). The draw is `assignment.draw_substitute` over the record's earlier
    changes; ``team_substituted`` is journaled with ``reason``. Nothing is journaled when
    no one is eligible (`assignment.NoSubstituteError`) or any input is refused.
    """
    reason = f.text(reason, "substitute", "reason")
    actor = f.text(actor, "journal", "actor")
    record, section, teams = _teams(ws, record_digest, "substitute")
    if target not in teams:
        raise InvalidValueError("substitute", "target", target, "has no team in this record",
                                "give a target the record staffed (see teams.csv)")
    inspectors = _stored(ws, section["inspector_directory"]["digest"], InspectorDirectory)
    policy = _policy(ws, record, previous_inspectors)
    row = _stored(ws, record.directory_digest, TargetDirectory)[target]
    read_up_to = ws.head()[0]
    earlier = [e.payload or {} for e in _changes(ws, record_digest)]
    drawn = draw_substitute(record, inspectors, policy, row, leaving, earlier=earlier)
    ws.append("team_substituted", {"record_digest": record_digest, "target": target,
                                   "leaving": leaving, "substitute": drawn.substitute,
                                   "k": drawn.k, "reason": reason},
              actor=actor, signer=signer, unchanged=(read_up_to, CHANGES))
    return drawn


def _policy(ws: Workspace, record: AuditRecord, previous: Mapping[str, Any] | None
            ) -> TeamPolicy:
    """The record's team policy rebuilt from the workspace's registers, the rotation data
    given and the record's custom exclusions (as `verify` rebuilds it)."""
    section = record.teams or {}
    data = section["policy"]
    if previous is None and data["previous_inspectors_digest"] != previous_inspectors_digest({}):
        raise InvalidValueError("substitute", "previous_inspectors", None,
                                "is needed: the teams were drawn with previous inspectors "
                                "(rotation), which the workspace does not keep",
                                "pass the previous inspectors the teams were drawn with "
                                "(--previous FILE)")
    conflicts = _stored(ws, data["conflicts_digest"], ConflictRegister) \
        if data["conflicts_digest"] != ConflictRegister().digest else ConflictRegister()
    policy = TeamPolicy.from_record(data, conflicts=conflicts, previous_inspectors=previous,
                                    items=_items(ws, data["items"], data["items_digest"]),
                                    custom_exclusions=section["custom_exclusions"])
    rebuilt = policy.to_dict()
    if rebuilt["previous_inspectors_digest"] != data["previous_inspectors_digest"]:
        raise InvalidValueError("substitute", "previous_inspectors",
                                rebuilt["previous_inspectors_digest"],
                                "is not the rotation data the teams were drawn with (the "
                                f"record has {data['previous_inspectors_digest']})",
                                "pass the previous inspectors file the teams were drawn with")
    if rebuilt != data:
        raise StoreError(ws.location, f"the team policy of record {record.digest} cannot be "
                         "rebuilt from the registers stored", "restore the workspace from a "
                         "backup, or draw the substitute with assignment.draw_substitute")
    return policy


def _items(ws: Workspace, codes: Sequence[str], digest: str) -> list[Any]:
    """The policy's check items (``digest``: their list's), from a check-item list stored
    in the workspace."""
    if not codes:
        return []
    for stored in ws.registers():
        if stored["kind"] == "check-item-list":
            items = _stored(ws, stored["digest"], CheckItemList)
            if all(items.get(c) is not None for c in codes) and \
                    CheckItemList(items[c] for c in codes).digest == digest:
                return [items[c] for c in codes]
    raise StoreError(ws.location, f"no check-item list stored holds the policy's items {codes}",
                     "store the check-item list the teams were drawn with "
                     "(Workspace.save_register)")

"""Spec §12.13: the checks over a year's records that no single record can make."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..sampling import AuditRecord

__all__ = ["year_problems"]


def _people(entry: dict[str, Any]) -> set[str]:
    return {p for key in ("officers", "experts", "inherited_experts")
            for p in entry.get(key, [])}


def _plan_of(purpose: str) -> str:
    """The year and region of a plan task's purpose ``<year>/<region>/<task code>``."""
    return purpose.rpartition("/")[0]


def _revisited(records: Sequence[AuditRecord]) -> bool:
    """Whether two records drew a team for the same target (so rotation applies)."""
    seen: set[tuple[str, str]] = set()
    for record in records:
        plan = _plan_of(record.purpose)
        for team in (record.teams or {}).get("teams", []):
            if (plan, team["target"]) in seen:
                return True
        seen.update((plan, t["target"]) for t in (record.teams or {}).get("teams", []))
    return False


def year_problems(records: Sequence[AuditRecord]) -> list[str] | None:
    """What the year's records contradict each other on (spec §12.13): every ``joined``
    entry names a record of the set whose team for the target has those officers and that
    leader; its inherited experts come from that team or from other joined entries of the
    same visit; every ``earlier_visits`` id inspected the target in another record. ``None``
    when no record has joined visits or earlier visits (nothing to check)."""
    uses = [r for r in records if r.teams and ("joined" in r.teams or "earlier_visits" in r.teams)]
    if not uses and not _revisited(records):
        return None
    by_digest = {r.digest: r for r in records}
    drawn: dict[tuple[str, str], dict[str, Any]] = {}   # (record digest, target) -> team
    joins: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    seen: dict[str, list[tuple[str, set[str]]]] = {}       # target -> (record, people)
    for record in records:
        section = record.teams or {}
        for team in section.get("teams", []):
            drawn[(record.digest, team["target"])] = team
            seen.setdefault(team["target"], []).append((record.digest, _people(team)))
        for entry in section.get("joined", []):
            key = (entry["visit_of"]["record_digest"], entry["target"])
            joins.setdefault(key, []).append((record.digest, entry))
            seen.setdefault(entry["target"], []).append((record.digest, _people(entry)))
    problems = []
    for record in uses:
        section = record.teams or {}
        for entry in section.get("joined", []):
            target, visit = entry["target"], entry["visit_of"]
            where = f"{record.purpose}: joined visit of {target}"
            leading = by_digest.get(visit["record_digest"])
            if leading is None:
                problems.append(f"{where} names the record {visit['record_digest'][:19]}…, "
                                "which is not among the year's records")
                continue
            if leading.purpose != visit["purpose"]:
                problems.append(f"{where} names the purpose {visit['purpose']!r}, but that "
                                f"record's purpose is {leading.purpose!r}")
            team = drawn.get((leading.digest, target))
            if team is None:
                problems.append(f"{where}: the record {leading.purpose} drew no team for it")
                continue
            if (team["officers"], team["leader"]) != (entry["officers"], entry["leader"]):
                problems.append(f"{where}: officers {entry['officers']} led by "
                                f"{entry['leader']}, but {leading.purpose} drew "
                                f"{team['officers']} led by {team['leader']}")
            allowed = set(team["experts"])
            for other, joined in joins.get((leading.digest, target), []):
                if other != record.digest:
                    allowed.update(joined["experts"])
            stray = sorted(set(entry["inherited_experts"]) - allowed)
            if stray:
                problems.append(f"{where}: inherited experts {stray} were in no record of "
                                "the visit")
            dropped = sorted(set(team["experts"]) - set(entry["inherited_experts"]))
            if dropped:
                problems.append(f"{where}: the experts {dropped} that {leading.purpose} drew "
                                "for the visit are not among its inherited experts")
        for target, ids in section.get("earlier_visits", {}).items():
            before = {p for digest, people in seen.get(target, []) if digest != record.digest
                      for p in people}
            stray = sorted(set(ids) - before)
            if stray:
                problems.append(f"{record.purpose}: earlier visits of {target} name {stray}, "
                                "who inspected it in no other record of the year")
    # Two records that each drew a team for a target drew two visits: the later one lists
    # the earlier team's people among its earlier visits (§12.10), whichever came first.
    teams_of: dict[str, list[tuple[AuditRecord, set[str], set[str]]]] = {}
    for record in records:
        section = record.teams or {}
        earlier = section.get("earlier_visits", {})
        for team in section.get("teams", []):
            teams_of.setdefault(team["target"], []).append(
                (record, {*team["officers"], *team["experts"]},
                 set(earlier.get(team["target"], ()))))
    for target, both in teams_of.items():
        for k, (one, mine, before) in enumerate(both):
            for two, theirs, listed in both[k + 1:]:
                if _plan_of(one.purpose) != _plan_of(two.purpose):
                    continue  # not tasks of one plan's year (spec §12.13)
                if not (mine <= listed or theirs <= before):
                    problems.append(f"{one.purpose} and {two.purpose} each drew a team for "
                                    f"{target} (two visits), but neither lists the other's "
                                    "people among its earlier visits")
    return problems

"""Spec §12.9 and §17.5: the substitutes journaled for a record (``team_substituted``),
replayed in journal order with the team changes made by hand, and each drawn again from the
registers the teams were drawn from."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..assignment._policy import TeamPolicy
from ..assignment._substitute import (
    TeamState,
    pick_from,
    recorded_custom,
    substitute_label,
    substitute_pool,
)
from ..registry import InspectorDirectory, TargetDirectory
from ._ceremony import changes_of
from ._journal import Entry

__all__ = ["substitutes_note"]

_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)
#: Draws the substitute of one entry: (target id, leaving, team then, k) → the officer
#: drawn, or ``None`` when nobody is eligible.
Draw = Callable[[str, str, TeamState, int], str | None]


class _NotInDirectoryError(Exception):
    """The target of a substitute is not in the directory given: it cannot be drawn."""


def substitutes_note(record: Any, entries: Sequence[Entry], directory: TargetDirectory,
                     inspectors: InspectorDirectory | None, policy: TeamPolicy | None
                     ) -> tuple[str, str, str] | None:
    """The ``substitutes`` check as ``(status, detail, needs)`` — status ``ok``, ``fail`` or
    ``need`` (``needs`` then names the missing input) —, or ``None`` when the journal holds
    no substitute for the record."""
    if record.teams is None:
        return None
    ours = changes_of(record, entries)
    drawn = [e for e in ours if e.kind == "team_substituted"]
    if not drawn:
        return None
    draw = None if inspectors is None or policy is None \
        else _drawer(record, directory, inspectors, policy)
    try:
        problems = _problems(record, ours, draw)
    except _MALFORMED as error:
        problems = [f"the journal's substitutes are malformed ({error!r:.120})"]
    if problems:
        return "fail", "; ".join(problems), ""
    if draw is None:
        return ("need", f"{len(drawn)} substitute(s) drawn after the draw: they are drawn "
                "again from the inspector directory and the team policy",
                "inspectors" if inspectors is None else "policy")
    described = []
    for entry in drawn:
        p = entry.payload or {}
        described.append(f"entry {entry.seq}, target {p['target']}: -{p['leaving']} "
                         f"+{p['substitute']} ({substitute_label(p['target'], p['k'])}) "
                         f"because {p['reason']}")
    return "ok", f"{len(drawn)} drawn after the draw: " + "; ".join(described), ""


def _drawer(record: Any, directory: TargetDirectory, inspectors: InspectorDirectory,
            policy: TeamPolicy) -> Draw:
    officers = inspectors.officers_on(policy.check_date)

    def draw(target_id: str, leaving: str, team: TeamState, k: int) -> str | None:
        target = directory.get(target_id)
        if target is None:
            raise _NotInDirectoryError(target_id)
        pool = substitute_pool(officers, policy, target, team, leaving,
                               custom=recorded_custom(record.teams, target_id))
        return pick_from(record, target_id, k, pool) if pool else None

    return draw


def _problems(record: Any, ours: Sequence[Entry], draw: Draw | None) -> list[str]:
    """Every change of the record replayed in journal order (spec §12.9.8): what the
    substitutes break."""
    section: Mapping[str, Any] = record.teams
    if record.spec_version == "1":
        return ["substitutes are drawn only for records of spec 1.1"]
    teams = {t["target"]: t for t in section["teams"]}
    department = section["policy"]["leader_department"]
    now: dict[str, TeamState] = {}
    problems = []
    for entry in ours:
        payload, seq = entry.payload or {}, entry.seq
        target = payload["target"]
        if target not in teams:
            if entry.kind == "team_substituted":
                problems.append(f"entry {seq} substitutes in the team of {target}, which has "
                                "none")
            continue
        team = now.setdefault(target, TeamState.drawn(teams[target]))
        if entry.kind == "team_changed":
            team.pick(payload["change"])
            continue
        k, leaving, chosen = team.substitutions + 1, payload["leaving"], payload["substitute"]
        if payload["k"] != k:
            problems.append(f"entry {seq} has k = {payload['k']}, but it is substitution {k} "
                            f"of {target} (k runs 1, 2, … per target)")
        if leaving not in team.officers:
            problems.append(f"entry {seq}: {leaving} leaves {target}, but "
                            + ("is an expert of its team (experts are not substituted)"
                               if leaving in team.experts else "is not an officer of its team "
                               "then"))
        elif draw is not None:
            try:
                expected = draw(target, leaving, team, k)
            except _NotInDirectoryError:
                problems.append(f"entry {seq}: {target} is not in the directory")
                expected = chosen
            if expected != chosen:
                problems.append(f"entry {seq} journals {chosen} for {target}, but "
                                f"{substitute_label(target, k)} draws "
                                f"{expected or 'no one (nobody is eligible)'}")
        team.substitute(leaving, chosen, department)
    return problems

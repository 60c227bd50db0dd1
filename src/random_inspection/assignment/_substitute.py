"""Substitute draws (替补抽取, spec §12.9): an officer who must leave a drawn team is replaced
by an officer drawn from the same seed, under the label ``substitute/<target id>/<k>``, so
that anyone holding the record, its registers and the journal can replay the replacement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from .._errors import InvalidTypeError, InvalidValueError
from ..registry import Inspector, InspectorDirectory, Target
from ..sampling._record import AuditRecord
from ..sampling._rivest import rivest_stream
from ..sampling._seed import stratum_seed_string
from ._assign import mode_allows
from ._policy import TeamPolicy

__all__ = ["NoSubstituteError", "Substitution", "TeamState", "draw_substitute",
           "substitute_pool"]


@attrs.frozen
class Substitution:
    """A substitute drawn for an officer who leaves a team after the draw (spec §12.9).

    Attributes:
        target: The target whose team it is.
        leaving: The officer who leaves.
        substitute: The officer drawn to take their place.
        k: 1 for the target's first substitution, then 2, 3, … (the stream's label).
        leader: Who leads the team after it (``None`` only if the team had no leader and
            the leaver did not lead).
    """

    target: str
    leaving: str
    substitute: str
    k: int
    leader: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain values: ``target``, ``leaving``, ``substitute``, ``k`` and ``leader``."""
        return attrs.asdict(self)

    @property
    def label(self) -> str:
        """The stream's label, ``substitute/<target id>/<k>`` (spec §3)."""
        return f"substitute/{self.target}/{self.k}"


class NoSubstituteError(InvalidValueError):
    """No officer is eligible to substitute (spec §12.9.5): nothing was drawn.

    Attributes:
        target: The target whose team it is.
        leaving: The officer who was to leave.
        k: The substitution's number had it been drawn.
    """

    def __init__(self, target: str, leaving: str, k: int, department: str | None) -> None:
        self.target = target
        self.leaving = leaving
        self.k = k
        of = f" of the leader department {department!r}" if department else ""
        super().__init__(
            "draw_substitute", "leaving", leaving,
            f"has no substitute for {target}: no officer{of} is left once credentials, the "
            "draw mode, recusal and everyone who is or was in the team are taken out",
            "name a replacement with a team change (journaled with its reason), or keep the "
            "team as it is")


@attrs.define
class TeamState:
    """A drawn team with the changes after the draw applied in journal order (spec §12.9.2).

    Attributes:
        officers: The officers now.
        experts: The experts now.
        leader: Who leads now (``None`` after a change removed the leader and named no one).
        ever: Everyone who is or ever was in the team.
        substitutions: How many substitutes were drawn for it so far.
    """

    officers: list[str]
    experts: list[str]
    leader: str | None
    ever: set[str]
    substitutions: int = 0

    @classmethod
    def drawn(cls, team: Mapping[str, Any]) -> TeamState:
        """The team as the record holds it (an entry of the team section's ``teams``)."""
        return cls(list(team["officers"]), list(team["experts"]), team["leader"],
                   {*team["officers"], *team["experts"]})

    def pick(self, change: Mapping[str, Any]) -> list[str]:
        """Apply a change made by hand (``team_changed``'s ``change``, spec §16.2) and say
        what in it does not fit the team (``removes X, who is not in the team``, …)."""
        problems = []
        for gone in change["remove"]:
            if gone in self.officers:
                self.officers.remove(gone)
            elif gone in self.experts:
                self.experts.remove(gone)
            else:
                problems.append(f"removes {gone}, who is not in the team")
            if gone == self.leader:
                self.leader = None
        for role, member in change["add"]:
            if member in self.experts or (member in self.officers and role != "leader") \
                    or (role == "expert" and member in self.officers):
                problems.append(f"adds {member}, who is in the team already")
            elif role == "expert":
                self.experts.append(member)
            elif member not in self.officers:
                self.officers.append(member)
            if role == "leader":
                self.leader = member
            self.ever.add(member)
        return problems

    def substitute(self, leaving: str, substitute: str, department: str | None) -> None:
        """Apply a substitution (spec §12.9.6): with a leader department the substitute
        leads if the leaver led; without one the first officer by id leads."""
        led = leaving == self.leader
        if leaving in self.officers:
            self.officers.remove(leaving)
        self.officers.append(substitute)
        self.ever.add(substitute)
        self.substitutions += 1
        if not department:
            self.leader = min(self.officers)
        elif led:
            self.leader = substitute


def substitute_pool(officers: Sequence[Inspector], policy: TeamPolicy, target: Target,
                    state: TeamState, leaving: str, *, custom: Iterable[str]) -> list[str]:
    """The officers who may substitute for ``leaving`` (spec §12.9.4), in canonical order.

    ``officers`` are those of §12.1 in canonical order; ``custom`` the ids the record
    recuses as data (`recorded_custom`); only the executing bureau's officers (§12.11).
    """
    recused = {*policy.conflicts.for_target(target.id, policy.check_date),
               *policy.rotation.get(target.id, ()), *custom, *state.ever}
    department = policy.leader_department if leaving == state.leader else None
    return [o.id for o in officers if o.id not in recused
            and policy.serves(o, target) and mode_allows(policy.mode, o, target)
            and (department is None or o.department == department)]


def recorded_custom(section: Mapping[str, Any], target_id: str) -> set[str]:
    """The ids a spec 1.1 record recuses for a target as data: those its
    ``custom_exclusions`` list under any rule, and the people of its earlier visits this
    year (``earlier_visits``, spec §12.10)."""
    return {i for by_target in section["custom_exclusions"].values()
            for i in by_target.get(target_id, ())} | set(
        section.get("earlier_visits", {}).get(target_id, ()))


def substitute_label(target_id: str, k: int) -> str:
    """``substitute/<target id>/<k>`` (spec §12.9.5)."""
    return f"substitute/{target_id}/{k}"


def pick_from(record: AuditRecord, target_id: str, k: int, pool: Sequence[str]) -> str:
    """The officer at the first position of the substitute stream over ``pool`` (§12.9.5)."""
    seed_string = stratum_seed_string(record.seed, record.purpose,
                                      substitute_label(target_id, k))
    return pool[next(rivest_stream(seed_string, len(pool), record.hash)) - 1]


def _checked(record: object, inspectors: object, policy: object, target: object
             ) -> Mapping[str, Any]:
    """The record's team section, once every argument is what it should be."""
    if not isinstance(record, AuditRecord):
        raise InvalidTypeError("draw_substitute", "record", record, "an AuditRecord",
                               "read it with AuditRecord.read(path)")
    if not isinstance(inspectors, InspectorDirectory):
        raise InvalidTypeError("draw_substitute", "inspectors", inspectors,
                               "an InspectorDirectory",
                               "load it with InspectorDirectory.from_csv(path)")
    if not isinstance(policy, TeamPolicy):
        raise InvalidTypeError("draw_substitute", "policy", policy, "a TeamPolicy",
                               "rebuild it with TeamPolicy.from_record(record.teams['policy'], "
                               "…)")
    if not isinstance(target, Target):
        raise InvalidTypeError("draw_substitute", "target", target, "a Target",
                               "look it up in the directory: directory[target_id]")
    section = record.teams
    if section is None or record.spec_version == "1":
        raise InvalidValueError("draw_substitute", "record", record.digest,
                                "has no teams" if section is None else
                                "is of spec 1, which has no substitutes",
                                "give the record of spec 1.1 with the teams (assign)")
    drawn_with = section["inspector_directory"]["digest"]
    if inspectors.digest != drawn_with:
        raise InvalidValueError("draw_substitute", "inspectors", inspectors.digest,
                                f"is not the inspector directory the teams were drawn from "
                                f"({drawn_with})", "pass that inspector directory")
    if policy.to_dict() != section["policy"]:
        raise InvalidValueError("draw_substitute", "policy", policy.to_dict(),
                                "is not the policy the teams were drawn with",
                                "rebuild it with TeamPolicy.from_record(record.teams['policy'], "
                                "conflicts=…, previous_inspectors=…, items=…, "
                                "custom_exclusions=record.teams['custom_exclusions'])")
    return section


def _states(section: Mapping[str, Any], earlier: Iterable[Substitution | Mapping[str, Any]]
            ) -> dict[str, TeamState]:
    """Each changed target's team after the earlier changes, in order (spec §12.9.2)."""
    teams = {t["target"]: t for t in section["teams"]}
    department = section["policy"]["leader_department"]
    states: dict[str, TeamState] = {}
    for given in earlier:
        change = given.to_dict() if isinstance(given, Substitution) else given
        target = change["target"]
        if target not in teams:
            raise InvalidValueError("draw_substitute", "earlier", given,
                                    f"changes the team of {target}, which has none",
                                    "pass this record's earlier changes, in journal order")
        state = states.setdefault(target, TeamState.drawn(teams[target]))
        if "change" in change:
            state.pick(change["change"])
            continue
        if change["k"] != state.substitutions + 1 or change["leaving"] not in state.officers:
            raise InvalidValueError("draw_substitute", "earlier", given,
                                    f"does not follow the {state.substitutions} substitution(s) "
                                    f"of {target} before it, or its leaver was not an officer",
                                    "pass this record's earlier changes, in journal order")
        state.substitute(change["leaving"], change["substitute"], department)
    return states


def draw_substitute(record: AuditRecord, inspectors: InspectorDirectory, policy: TeamPolicy,
                    target: Target, leaving: str, *,
                    earlier: Iterable[Substitution | Mapping[str, Any]] = ()) -> Substitution:
    """Draw the officer who takes ``leaving``'s place in ``target``'s team (spec §12.9).

    The pool is the officers with a credential valid on the check date that the draw mode
    allows for the target, without those recused for it (conflicts in force, rotation, the
    record's custom exclusions), without everyone who is or ever was in its team, and — when
    the leader leaves and the policy has a leader department — only officers of that
    department; loads and the cap play no part. The substitute is the officer at the first
    position of the stream ``substitute/<target id>/<k>`` over the pool.

    Parameters
    ----------
    record
        A record of spec 1.1 with teams.
    inspectors
        The inspector directory the teams were drawn from.
    policy
        The team policy they were drawn with (its conflicts and previous inspectors);
        custom rules act as the record's ``custom_exclusions`` record them.
    target
        The target (a `Target` of the directory, for its region and office), which has a
        team in the record.
    leaving
        An officer of the target's team now. Experts are not substituted.
    earlier
        The record's earlier changes to any of its teams, in journal order: `Substitution`
        values or ``team_substituted`` payloads (``target``, ``leaving``, ``substitute``,
        ``k``), and ``team_changed`` payloads (``target``, ``change``) for changes made by
        hand.

    Returns
    -------
    Substitution
        The substitute, the substitution's ``k`` and who leads after it.

    Raises
    ------
    NoSubstituteError
        Nobody is eligible.
    InvalidValueError
        The target has no team, ``leaving`` is not an officer of it now, or the registers
        or ``earlier`` do not belong to the record.

    Examples
    --------
    ::

        first = draw_substitute(record, inspectors, policy, directory[t], "XZ00228")
        second = draw_substitute(record, inspectors, policy, directory[t], first.substitute,
                                 earlier=[first])   # second.k == 2
    """
    section = _checked(record, inspectors, policy, target)
    teams = {t["target"]: t for t in section["teams"]}
    if target.id not in teams:
        visit = next((j["visit_of"] for j in section.get("joined", ())
                      if j["target"] == target.id), None)
        if visit is not None:
            raise InvalidValueError("draw_substitute", "target", target.id,
                                    "joined the visit of an earlier task: its team is that "
                                    f"record's ({visit['purpose']}, "
                                    f"{visit['record_digest'][:19]}…)",
                                    "draw the substitute in the record that drew the team")
        raise InvalidValueError("draw_substitute", "target", target.id,
                                "has no team in this record",
                                "give a target the record staffed (see its teams)")
    state = _states(section, earlier).get(target.id) or TeamState.drawn(teams[target.id])
    if leaving not in state.officers:
        raise InvalidValueError("draw_substitute", "leaving", leaving,
                                "is an expert of the team: experts are not substituted"
                                if leaving in state.experts else "is not an officer of the "
                                "team now", "name one of its officers: "
                                + ", ".join(sorted(state.officers)))
    k = state.substitutions + 1
    pool = substitute_pool(inspectors.officers_on(policy.check_date), policy, target, state,
                           leaving, custom=recorded_custom(section, target.id))
    department = policy.leader_department
    if not pool:
        raise NoSubstituteError(target.id, leaving, k,
                                department if leaving == state.leader else None)
    chosen = pick_from(record, target.id, k, pool)
    state.substitute(leaving, chosen, department)
    return Substitution(target.id, leaving, chosen, k, state.leader)

"""The year's results, each checked against the year's draws (`ResultBook`).

A result belongs to one visit of the year (`PlanRun.visits`): a target drawn by those tasks,
every item of the visit given an outcome, a check method of one of the tasks, a check date in
the visit's window, and the team that was drawn — or the team as changed after the draw
(a substitute drawn, or a journaled change), given with `with_team`. A drawn target that
turns out deregistered or unreachable keeps its result code: it stays in the sample.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from .._errors import InvalidTypeError, InvalidValueError, UnknownIdError
from ..planning import PlanRun, Visit
from ..registry import _fields as f
from ..registry._identifiers import normalize_id
from ._model import InspectionResult

__all__ = ["ResultBook", "TeamNow"]

_RECORD = "ResultBook"


@attrs.frozen
class TeamNow:
    """A visit's team as it is after the draw: officers (sorted), leader, experts, and the
    reason it differs from the drawn team."""

    officers: tuple[str, ...]
    leader: str
    experts: tuple[str, ...] = ()
    reason: str = ""


def _key(visit: Visit) -> tuple[str, str]:
    return visit.target_id, visit.tasks[0]


_VISITS: weakref.WeakKeyDictionary[PlanRun, dict[str, tuple[Visit, ...]]] = \
    weakref.WeakKeyDictionary()


def _visit_index(year: PlanRun) -> dict[str, tuple[Visit, ...]]:
    """Target id → its visits, built once per year."""
    index = _VISITS.get(year)
    if index is None:
        found: dict[str, list[Visit]] = {}
        for visit in year.visits:
            found.setdefault(visit.target_id, []).append(visit)
        index = {k: tuple(v) for k, v in found.items()}
        _VISITS[year] = index
    return index


@attrs.frozen(eq=False)
class ResultBook:
    """The year's results, one per visit, each checked against the year's draws.

    Attributes:
        year: The year's draws (`run_plan`'s `PlanRun`).
        results: Visit (target id, leading task) → its result.
        teams: Visit (target id, leading task) → its team as changed after the draw
            (`with_team`).
    """

    year: PlanRun
    results: Mapping[tuple[str, str], InspectionResult] = attrs.field(factory=dict)
    teams: Mapping[tuple[str, str], TeamNow] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.year, PlanRun):
            raise InvalidTypeError(_RECORD, "year", self.year, "a PlanRun",
                                   "run the year first: planning.run_plan(...)")

    # --- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[InspectionResult]:
        return iter(self.results.values())

    def visits_of(self, target_id: str) -> tuple[Visit, ...]:
        """The year's visits to a target (several when its tasks' periods do not overlap)."""
        target = normalize_id(f.text(target_id, _RECORD, "target_id"))
        return _visit_index(self.year).get(target, ())

    def visit_of(self, result: InspectionResult) -> Visit:
        """The visit a result belongs to; `InvalidValueError` saying why there is none."""
        visits = self.visits_of(result.target_id)
        if not visits:
            drawn_by = [r.task.code for r in self.year.runs
                        if result.target_id in r.sample.selected_ids]
            raise InvalidValueError(_RECORD, "target_id", result.target_id,
                                    "was not drawn by any task of the year"
                                    + (f" (drawn by {', '.join(drawn_by)} but not visited)"
                                       if drawn_by else ""),
                                    "enter results only for drawn targets (a target that "
                                    "turns out closed keeps its draw: give it code 7, 9–12)")
        for visit in visits:
            if set(visit.tasks) == set(result.tasks):
                return visit
        raise InvalidValueError(_RECORD, "tasks", list(result.tasks),
                                f"are not the tasks of a visit to {result.target_id}",
                                "the visits: " + "; ".join("+".join(v.tasks) for v in visits))

    def result_of(self, target_id: str, task: str | None = None) -> InspectionResult | None:
        """The result of the target's visit (of ``task``'s visit, when it has several)."""
        for visit in self.visits_of(target_id):
            if task is None or task in visit.tasks:
                found = self.results.get(_key(visit))
                if found is not None or task is not None:
                    return found
        return None

    def team_of(self, visit: Visit) -> TeamNow | None:
        """The visit's team now: as changed after the draw, else as drawn (None: unstaffed)."""
        changed = self.teams.get(_key(visit))
        if changed is not None:
            return changed
        if visit.team is None:
            return None
        return TeamNow(visit.team.officers, visit.team.leader, visit.team.experts)

    # --- checking -----------------------------------------------------------------------

    def check(self, result: InspectionResult) -> Visit:
        """Check a result against the year and return its visit; `InvalidValueError` names
        the first thing that does not match and how to fix it."""
        if not isinstance(result, InspectionResult):
            raise InvalidTypeError(_RECORD, "result", result, "an InspectionResult",
                                   "make one with InspectionResult.enter(...)")
        visit = self.visit_of(result)
        where = f"{_RECORD} {result.target_id}"
        missing = sorted(set(visit.items) - set(result.items))
        extra = sorted(set(result.items) - set(visit.items))
        if missing or extra:
            raise InvalidValueError(where, "outcomes", list(result.items),
                                    ("lack " + ", ".join(missing) if missing else "")
                                    + ("; " if missing and extra else "")
                                    + ("name items not in the visit: " + ", ".join(extra)
                                       if extra else ""),
                                    "give one outcome for each item of the visit: "
                                    + ", ".join(visit.items))
        methods = {m for r in self.year.runs if r.task.code in visit.tasks
                   for m in r.task.methods}
        if methods and result.method not in methods:
            raise InvalidValueError(where, "method", result.method.code,
                                    "is not a method of the visit's tasks",
                                    "use one of: " + ", ".join(sorted(m.code for m in methods)))
        if not visit.start <= result.check_date <= visit.end:
            raise InvalidValueError(where, "check_date", result.check_date.isoformat(),
                                    f"is outside the visit's window {visit.start} – {visit.end}",
                                    "give the day of the check, within the tasks' period")
        team = self.team_of(visit)
        if team is None:
            raise InvalidValueError(where, "officers", list(result.officers),
                                    "inspected a target that had no team drawn",
                                    "draw a substitute team member first (team substitute), "
                                    "then give that team with ResultBook.with_team")
        if (set(result.officers), result.leader, set(result.experts)) != \
                (set(team.officers), team.leader, set(team.experts)):
            raise InvalidValueError(where, "officers", {
                "officers": list(result.officers), "leader": result.leader,
                "experts": list(result.experts)}, "are not the team drawn for the visit",
                f"the team is {', '.join(team.officers)} led by {team.leader}"
                + (f", experts {', '.join(team.experts)}" if team.experts else "")
                + "; a change after the draw goes through team substitute or team change")
        return visit

    # --- changing -----------------------------------------------------------------------

    def enter(self, result: InspectionResult) -> ResultBook:
        """A new result, checked; a visit has one result (`update` moves it on)."""
        return self._put([result], update=False)

    def enter_all(self, results: Iterable[InspectionResult]) -> ResultBook:
        """New results, each checked as by `enter`, all or none (one copy of the book, so
        entering many costs what entering one does, per result)."""
        return self._put(results, update=False)

    def update(self, result: InspectionResult) -> ResultBook:
        """The visit's result moved on in its workflow, or amended: checked again, and its
        history must continue the stored one (no step rewritten)."""
        return self._put([result], update=True, new=False)

    def record(self, results: Iterable[InspectionResult]) -> ResultBook:
        """Results entered or moved on, in order (a visit may come several times, each a
        later state of its result): each checked as by `enter` or `update`, all or none."""
        return self._put(results, update=True)

    def _put(self, results: Iterable[InspectionResult], *, update: bool, new: bool = True
             ) -> ResultBook:
        stored = dict(self.results)
        for result in results:
            visit = self.check(result)
            key = _key(visit)
            old = stored.get(key)
            if old is not None and not update:
                raise InvalidValueError(f"{_RECORD} {result.target_id}", "result",
                                        "+".join(visit.tasks), "has a result already",
                                        "update it: ResultBook.update(result)")
            if old is None and not new:
                raise UnknownIdError("results", [result.target_id],
                                     "Fix: enter the result first (ResultBook.enter).")
            if old is not None and result.history[:len(old.history)] != old.history:
                raise InvalidValueError(f"{_RECORD} {result.target_id}", "history",
                                        [s.state.code for s in result.history],
                                        "rewrites the stored review steps",
                                        "move the stored result on (submit, approve, …)")
            stored[key] = result
        return attrs.evolve(self, results=stored)

    def with_team(self, target_id: str, team: TeamNow, *, task: str | None = None
                  ) -> ResultBook:
        """The team of the target's visit (the one of ``task`` when it has several) as
        changed after the draw (a substitute drawn, a journaled change); results entered
        later are checked against it."""
        if not isinstance(team, TeamNow):
            raise InvalidTypeError(_RECORD, "team", team, "a TeamNow",
                                   "give TeamNow(officers, leader, experts, reason)")
        visits = [v for v in self.visits_of(target_id) if task is None or task in v.tasks]
        if len(visits) != 1:
            raise InvalidValueError(_RECORD, "target_id", target_id,
                                    "has no visit this year" if not visits else
                                    f"has {len(visits)} visits this year",
                                    "give a drawn target" if not visits else
                                    "name the visit's task: with_team(…, task=code)")
        f.text(team.reason, _RECORD, "reason")
        return attrs.evolve(self, teams={**self.teams, _key(visits[0]): team})

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every result as plain values, in visit order."""
        order = {_key(v): k for k, v in enumerate(self.year.visits)}
        return [r.to_dict() for key, r in sorted(self.results.items(),
                                                 key=lambda kv: order.get(kv[0], 0))]

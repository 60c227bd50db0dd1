"""`assign_inspectors`: random, reproducible inspection teams with recusal (spec §12)."""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from .._errors import InvalidTypeError, InvalidValueError
from .._gc import gc_paused
from .._progress import Progress, Reporter
from ..registry import EntityType, Inspector, InspectorDirectory, Target
from ..sampling import Sample, Seed
from ..sampling._rivest import rivest_integers, rivest_sample, rivest_stream
from ..sampling._seed import stratum_seed_string
from ._policy import EXECUTING_LEVELS, DrawMode, DrawUnit, TeamPolicy

__all__ = ["UNSTAFFED_TEXT", "Assignment", "JoinedVisit", "Team", "Unstaffed",
           "assign_inspectors", "describe_exclusion", "form_teams", "mode_allows"]

EXPERT_SEARCH_LIMIT = 3  # exact minimal expert cover up to this many experts, then greedy


@attrs.frozen
class Team:
    """The inspectors of one target.

    Attributes:
        target_id: The target.
        officers: Officers with valid credentials, sorted by id (at least the minimum).
        leader: The officer who leads (of the executing department when required).
        experts: Experts added to cover specialties the officers lack (never counted).
        uncovered: Specialties the items need that nobody in the team covers.
        group: The pre-formed group drawn as a unit (``unit="group"``), else ``""``.
        visit_of: For a target that joined an earlier task's visit (spec §12.12): the
            ``(purpose, record digest)`` of the record that drew the team; else None.
        inherited_experts: For a joined target, the visit's experts before this task (the
            first of ``experts``); the rest of ``experts`` were added for this task's items.
    """

    target_id: str
    officers: tuple[str, ...]
    leader: str
    experts: tuple[str, ...] = ()
    uncovered: tuple[str, ...] = ()
    group: str = ""
    visit_of: tuple[str, str] | None = None
    inherited_experts: tuple[str, ...] = ()

    @property
    def added_experts(self) -> tuple[str, ...]:
        """The experts this task added (all of them, for a team it drew)."""
        return self.experts[len(self.inherited_experts):]

    def to_dict(self) -> dict[str, Any]:
        """Plain values as the record holds them (``group`` only for a team drawn as a
        group; a joined target as an entry of ``joined``, spec §12.12)."""
        if self.visit_of is not None:
            return {"target": self.target_id,
                    "visit_of": {"purpose": self.visit_of[0], "record_digest": self.visit_of[1]},
                    "officers": list(self.officers), "leader": self.leader,
                    "inherited_experts": list(self.inherited_experts),
                    "experts": list(self.added_experts), "uncovered": list(self.uncovered)}
        out = {"target": self.target_id, "officers": list(self.officers),
               "leader": self.leader, "experts": list(self.experts),
               "uncovered": list(self.uncovered)}
        return {**out, "group": self.group} if self.group else out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Team:
        """Inverse of `to_dict` (an entry of the record's ``teams`` or ``joined``)."""
        if "visit_of" in data:
            inherited = tuple(data["inherited_experts"])
            return cls(data["target"], tuple(data["officers"]), data["leader"],
                       inherited + tuple(data["experts"]), tuple(data["uncovered"]),
                       visit_of=(data["visit_of"]["purpose"], data["visit_of"]["record_digest"]),
                       inherited_experts=inherited)
        return cls(data["target"], tuple(data["officers"]), data["leader"],
                   tuple(data["experts"]), tuple(data["uncovered"]), data.get("group", ""))


def _sorted_codes(value: Any) -> tuple[str, ...]:
    return tuple(sorted(set(value)))


@attrs.frozen
class JoinedVisit:
    """A selected target that joins the visit of an earlier task (spec §12.12): the visit's
    team inspects this task's items too, with experts added for specialties it lacks.

    Attributes:
        target_id: The target.
        purpose: The purpose of the record that drew the visit's team.
        record_digest: That record's digest.
        officers: The visit's officers.
        leader: Its leader (one of the officers).
        inherited_experts: The visit's experts so far.
    """

    target_id: str
    purpose: str
    record_digest: str
    officers: tuple[str, ...] = attrs.field(converter=_sorted_codes)
    leader: str
    inherited_experts: tuple[str, ...] = attrs.field(default=(), converter=_sorted_codes)

    def __attrs_post_init__(self) -> None:
        if self.leader not in self.officers:
            raise InvalidValueError(f"JoinedVisit(target_id={self.target_id!r})", "leader",
                                    self.leader, "is not one of the officers",
                                    "give the visit's team as its record holds it")

    @classmethod
    def of(cls, team: Team, *, purpose: str, record_digest: str) -> JoinedVisit:
        """The visit of ``team`` (drawn, or itself joined), for a later task to join."""
        if team.visit_of is not None:
            purpose, record_digest = team.visit_of
        return cls(team.target_id, purpose, record_digest, team.officers, team.leader,
                   team.experts)


#: The text of each unstaffed-reason code (spec §12.8); ``{name}`` fields are parameters.
#: Records of spec 1 carried this text instead of the code.
UNSTAFFED_TEXT: dict[str, str] = {
    "too_few_officers": "only {eligible} eligible officer(s) after recusal, credentials and "
                        "mode; {needed} needed",
    "no_leader_officer": "no eligible officer of the executing department {department!r}",
    "leader_capacity": "capacity: every eligible officer of {department!r} already has {cap} "
                       "target(s), the cap",
    "capacity": "capacity: every eligible officer already has {cap} target(s), the cap",
    "no_eligible_group": "no eligible group: each has an officer recused or outside the mode, "
                         "fewer than {min_officers} officers with valid credentials",
    "group_capacity": "capacity: every eligible group already has {cap} target(s), the cap",
}


@attrs.frozen
class Unstaffed:
    """A selected target no team could be formed for, and why.

    Attributes:
        target_id: The target.
        code: Why, as a code of `UNSTAFFED_TEXT` (the record's ``reason``).
        params: The code's parameters.
    """

    target_id: str
    code: str
    params: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def reason(self) -> str:
        """Why, in words."""
        text = UNSTAFFED_TEXT[self.code].format(**self.params)
        if self.code == "no_eligible_group" and self.params.get("department"):
            text += f", or no officer of {self.params['department']!r}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Plain values: ``{"target": ..., "reason": code, **params}``."""
        return {"target": self.target_id, "reason": self.code, **self.params}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Unstaffed:
        """Inverse of `to_dict`."""
        return cls(data["target"], data["reason"],
                   {k: v for k, v in data.items() if k not in ("target", "reason")})


def describe_exclusion(key: str) -> str:
    """The words for a key of the record's team ``exclusions`` (spec §12.8)."""
    kind, _, detail = key.partition(":")
    if kind == "conflict":
        return f"declared conflict: {detail}"
    if kind == "custom":
        return f"custom: {detail}"
    return {"rotation": "rotation (checked it last time)",
            "rotation_year": "rotation within the year (inspected it earlier this year)",
            "own_office": "own office (所所交叉)"}[key]


class _Staffing:
    """Mutable working state of one staffing phase (never escapes `form_teams`).

    Each target's pool is ``eligible[t]``, its mode pool (equal mode pools are one shared
    list, in canonical order), without the units in ``blocked[t]`` (its recusals, and its
    leader in phase 2); the spec's pool is that filtered list, in the same order.
    """

    def __init__(self, eligible: list[list[int]], blocked: list[frozenset[int]], demand: int,
                 load: list[int], cap: int) -> None:
        self.eligible = eligible
        self.keys = [id(pool) for pool in eligible]  # equal pools: one key
        self.blocked = blocked
        self.demand = demand
        self.team: list[list[int]] = [[] for _ in eligible]
        self.load = load
        self.holders: list[list[int]] = [[] for _ in load]
        self.cap = cap
        self.closed: set[int] = set()  # officers failed searches showed to be dead ends

    def take(self, t: int, u: int) -> None:
        self.team[t].append(u)
        self.load[u] += 1
        self.holders[u].append(t)

    def release(self, t: int, u: int) -> None:
        self.team[t].remove(u)
        self.load[u] -= 1
        self.holders[u].remove(t)

    def augment(self, start: int, dead: set[int]) -> bool:
        """One more officer for ``start`` along a shortest alternating path (spec §12.4c);
        False when none exists, i.e. the b-matching is maximum for this target.

        A failed search adds every target it visited to ``dead``: whatever they reach was
        searched too, so none of them can gain an officer at this cap either. It also adds
        the officers it reached to ``closed``, which later searches at this cap treat as
        already reached: those officers are full, every way on from them was searched, and
        a path found later cannot pass through them (it could not leave them again), so
        they stay a dead end and skipping them changes no path found.
        """
        load, cap, holders, closed = self.load, self.cap, self.holders, self.closed
        blocked, team, eligible, keys = self.blocked, self.team, self.eligible, self.keys
        reached_from: dict[int, int] = {}   # unit -> target that reached it
        gives_up: dict[int, int] = {start: -1}   # target -> unit it would hand on
        # Equal pools are one shared list. Once a pool has been scanned in this search, its
        # only units not yet reached are those the scanning target held or was blocked from:
        # later targets with that pool look at just those (same units, same order), and a
        # target whose pool has none left reaches nothing, so it costs one lookup.
        rest: dict[int, list[int]] = {}
        # The queue holds full officers whose holders come next, in order: expanding them
        # only when reached keeps the breadth-first order (and so the path found) while a
        # successful search never lists the many holders it does not need.
        queue: deque[int] = deque()
        via = -1
        targets: Sequence[int] = (start,)
        while True:
            for t in targets:
                if via >= 0:
                    if t in gives_up:
                        continue
                    gives_up[t] = via
                key = keys[t]
                left = rest.get(key)
                if left is None:
                    candidates = eligible[t]
                elif not left:
                    continue
                else:
                    candidates = [u for u in left if u not in reached_from]
                    if not candidates:
                        rest[key] = candidates
                        continue
                skip = blocked[t].union(team[t])
                unreached = []
                for u in candidates:
                    if u in reached_from or u in closed:
                        continue
                    if u in skip:
                        unreached.append(u)
                        continue
                    reached_from[u] = t
                    if load[u] < cap:
                        self._apply(u, reached_from, gives_up)
                        return True
                    queue.append(u)
                rest[key] = unreached
            if not queue:
                break
            via = queue.popleft()
            targets = holders[via]
        dead.update(gives_up)
        closed.update(reached_from)
        return False

    def _apply(self, u: int, reached_from: dict[int, int], gives_up: dict[int, int]) -> None:
        """Each target on the path takes the officer it reached and hands on the one it was
        reached through; only the start gains a place and only the last officer's load rises."""
        while True:
            t = reached_from[u]
            handed = gives_up[t]
            if handed >= 0:
                self.release(t, handed)
            self.take(t, u)
            if handed < 0:
                return
            u = handed


def mode_allows(mode: DrawMode, officer: Inspector, target: Target) -> bool:
    """Whether the draw mode puts ``officer`` in the pool of ``target`` (spec §12.2)."""
    if mode is DrawMode.BY_REGION:
        return bool(officer.office_area) and target.region.startswith(officer.office_area)
    if mode is DrawMode.CROSS_OFFICE:
        return not (officer.office and officer.office == target.supervising_office)
    return True


class _ModePools:
    """Each target's mode pool (spec §12.2, §12.11) as `mode_allows` and `TeamPolicy.serves`
    give it — ascending officer indices — and the number of officers serving it, found
    through officers grouped by office area and office instead of a pass over all of them
    per pool."""

    def __init__(self, officers: Sequence[Inspector], policy: TeamPolicy) -> None:
        self.officers = officers
        self.policy = policy
        self.everyone = list(range(len(officers)))
        self.by_area: dict[str, list[int]] = {}
        self.by_office: dict[str, list[int]] = {}
        for k, o in enumerate(officers):
            if o.office_area:
                self.by_area.setdefault(o.office_area, []).append(k)
            if o.office:
                self.by_office.setdefault(o.office, []).append(k)
        self.served: dict[str, list[int]] = {}
        self.interned: dict[tuple[int, ...], list[int]] = {}
        self.members_of: dict[int, set[int]] = {}

    def _served(self, target: Target) -> list[int]:
        """Officers of the executing bureau: `serves` depends on the region's first digits."""
        policy = self.policy
        if policy.executing_level is None:
            return self.everyone
        key = target.region[:EXECUTING_LEVELS[policy.executing_level]]
        served = self.served.get(key)
        if served is None:
            served = self.served[key] = [k for k, o in enumerate(self.officers)
                                         if policy.serves(o, target)]
        return served

    def shared(self, target: Target) -> tuple[list[int], set[int], int]:
        """The target's mode pool, its members as a set, and the number serving it; equal
        pools are one list (and one set): the staffing code relies on it."""
        base, served_count = self(target)
        base = self.interned.setdefault(tuple(base), base)
        return base, self.members_of.setdefault(id(base), set(base)), served_count

    def __call__(self, target: Target) -> tuple[list[int], int]:
        served = self._served(target)
        mode = self.policy.mode
        if mode is DrawMode.BY_REGION:
            region = target.region
            areas = [self.by_area[region[:n]] for n in range(1, len(region) + 1)
                     if region[:n] in self.by_area]
            allowed = sorted(k for area in areas for k in area)
            if served is not self.everyone:
                within = set(served)
                allowed = [k for k in allowed if k in within]
            return allowed, len(served)
        if mode is DrawMode.CROSS_OFFICE:
            own = self.by_office.get(target.supervising_office) \
                if target.supervising_office else None
            if own:
                mine = set(own)
                return [k for k in served if k not in mine], len(served)
        return list(served), len(served)


def _eligibility(targets: Sequence[Target], officers: Sequence[Inspector], policy: TeamPolicy,
                 rotation: dict[str, frozenset[str]], earlier: Mapping[str, Sequence[str]]
                 ) -> tuple[list[list[int]], list[frozenset[int]], Counter[str],
                            dict[str, dict[str, list[str]]]]:
    """Each target's mode pool (shared lists of officer indices in canonical order) and the
    officers recused from it, exclusion counts by ground (keys of spec §12.8), and the custom
    rules' exclusions (rule name → target id → inspector ids)."""
    index = {o.id: k for k, o in enumerate(officers)}
    pools: dict[tuple[str, str], tuple[list[int], set[int], int]] = {}
    grounds: Counter[str] = Counter()
    custom: dict[str, dict[str, list[str]]] = {}
    bases: list[list[int]] = []
    blocked: list[frozenset[int]] = []
    nobody: frozenset[int] = frozenset()
    conflicts, day, rules = policy.conflicts, policy.check_date, policy.custom_rules
    mode_pool = _ModePools(officers, policy)
    cross_office = policy.mode is DrawMode.CROSS_OFFICE
    own_office = 0
    involves = conflicts.involves
    for target in targets:
        key = (target.region, target.supervising_office)
        entry = pools.get(key)
        if entry is None:
            entry = pools[key] = mode_pool.shared(target)
        base, members, served_count = entry
        if cross_office:
            own_office += served_count - len(base)
        bases.append(base)
        target_id = target.id
        conflicted = involves(target_id)
        previous = rotation.get(target_id, ())
        visited = earlier.get(target_id, ())
        if not (conflicted or previous or visited or rules):
            blocked.append(nobody)
            continue
        excluded: dict[int, str] = {}
        if conflicted:
            for inspector_id, ground in conflicts.for_target(target_id, day).items():
                unit = index.get(inspector_id)
                if unit is not None and unit in members:
                    excluded[unit] = f"conflict:{ground.code}"
        for inspector_id in previous:
            unit = index.get(inspector_id)
            if unit is not None and unit in members:
                excluded.setdefault(unit, "rotation")
        for inspector_id in visited:
            unit = index.get(inspector_id)
            if unit is not None and unit in members:
                excluded.setdefault(unit, "rotation_year")
        for rule in rules:
            for k in base:
                if k not in excluded and rule.applies(officers[k], target):
                    excluded[k] = f"custom:{rule.name}"
                    custom.setdefault(rule.name, {}).setdefault(target_id, []).append(
                        officers[k].id)
        if excluded:
            grounds.update(excluded.values())
            blocked.append(frozenset(excluded))
        else:
            blocked.append(nobody)
    if cross_office and targets:
        grounds["own_office"] += own_office
    return bases, blocked, grounds, custom


def _leader_pools(eligible: list[list[int]], officers: Sequence[Inspector], dept: str | None
                  ) -> list[list[int]]:
    """Each target's mode pool restricted to the leader department (spec §12.5); equal
    lists are one shared list, like the mode pools."""
    if not dept:
        return [[]] * len(eligible)  # one empty list, never changed
    of_pool: dict[int, list[int]] = {}
    interned: dict[tuple[int, ...], list[int]] = {}
    out = []
    for pool in eligible:
        leads = of_pool.get(id(pool))
        if leads is None:
            leads = [u for u in pool if officers[u].department == dept]
            leads = of_pool[id(pool)] = interned.setdefault(tuple(leads), leads)
        out.append(leads)
    return out


def _greedy(state: _Staffing, order: Sequence[int], streams: Sequence[str],
            hash_name: str) -> None:
    """First pass (spec §12.4b): each target, in the order given, takes the officers at the
    first positions of its stream over those of its pool still below the cap."""
    cap, load, places = state.cap, state.load, state.demand
    team, holders = state.team, state.holders
    # One list of the officers below the cap per shared pool, kept in canonical order (pools
    # are ascending officer indices): an officer reaching the cap leaves all its lists.
    pools = {id(state.eligible[t]): state.eligible[t] for t in order}
    free = {key: [u for u in pool if load[u] < cap] for key, pool in pools.items()}
    lists_of: dict[int, list[list[int]]] = {}
    for units in free.values():
        for u in units:
            lists_of.setdefault(u, []).append(units)
    # The stream integers of the first `places` counters of every target, hashed in one
    # batch; a target whose first counters repeat a position draws its stream again.
    integers = rivest_integers([streams[t] for t in order], places, hash_name)
    keys = state.keys
    for j, t in enumerate(order):
        below = free[keys[t]]
        # Positions run over the list without the target's blocked units, while the list
        # itself stays shared: map a position past the blocked indices before it.
        blocked = state.blocked[t]
        gaps = sorted(k for u in blocked
                      if (k := bisect_left(below, u)) < len(below) and below[k] == u) \
            if blocked else []
        size = len(below) - len(gaps)
        if size <= 0:
            continue
        picks = min(places, size)
        positions: list[int] = []
        for x in integers[j * places:(j + 1) * places]:
            position = x % size + 1
            if position not in positions:
                positions.append(position)
                if len(positions) == picks:
                    break
        if len(positions) < picks:
            positions = rivest_sample(streams[t], size, picks, hash_name)
        chosen = []
        for position in positions:
            k = position - 1
            for gap in gaps:
                if gap > k:
                    break
                k += 1
            chosen.append(below[k])
        members = team[t]
        for u in chosen:  # state.take(t, u), inlined
            members.append(u)
            load[u] += 1
            holders[u].append(t)
            if load[u] >= cap:
                for units in lists_of[u]:
                    del units[bisect_left(units, u)]


class _MaxFlow:
    """Dinic's maximum flow on a small graph (the relaxed problem of spec §12.4a)."""

    def __init__(self, nodes: int) -> None:
        self.head: list[list[int]] = [[] for _ in range(nodes)]
        self.to: list[int] = []
        self.cap: list[int] = []

    def edge(self, a: int, b: int, capacity: int) -> None:
        for x, y, c in ((a, b, capacity), (b, a, 0)):
            self.head[x].append(len(self.to))
            self.to.append(y)
            self.cap.append(c)

    def _push(self, a: int, sink: int, limit: int, level: list[int], pointer: list[int]
              ) -> int:
        if a == sink:
            return limit
        while pointer[a] < len(self.head[a]):
            e = self.head[a][pointer[a]]
            b = self.to[e]
            if self.cap[e] and level[b] == level[a] + 1:
                got = self._push(b, sink, min(limit, self.cap[e]), level, pointer)
                if got:
                    self.cap[e] -= got
                    self.cap[e ^ 1] += got
                    return got
            pointer[a] += 1
        return 0

    def run(self, source: int, sink: int) -> int:
        flow = 0
        while True:
            level = [-1] * len(self.head)
            level[source] = 0
            queue = deque([source])
            while queue:
                a = queue.popleft()
                for e in self.head[a]:
                    if self.cap[e] and level[self.to[e]] < 0:
                        level[self.to[e]] = level[a] + 1
                        queue.append(self.to[e])
            if level[sink] < 0:
                return flow
            pointer = [0] * len(self.head)
            while got := self._push(source, sink, 1 << 62, level, pointer):
                flow += got


class _Relaxed:
    """Spec §12.4a's relaxed problem for groups of targets sharing a mode pool: ``places``
    officers for each of ``n`` targets per group (pool, n), each officer at most once per
    target and at most ``cap - load[u]`` in all.

    Officers in exactly the same groups with the same load are one node: m of them take at
    most ``n·m`` places from a group and ``(cap - load)·m`` in all. That loses nothing,
    because any such flow deals out to the m officers round-robin, each then getting at most
    ``ceil(flow/m) <= n`` from a group and at most ``ceil(total/m) <= cap - load`` in all.
    The classes are found once; each cap tried only builds and runs the small flow graph.
    """

    def __init__(self, groups: Sequence[tuple[Sequence[int], int]], places: int,
                 load: Sequence[int]) -> None:
        member_of: dict[int, list[int]] = {}
        for g, (pool, _) in enumerate(groups):
            for u in pool:
                member_of.setdefault(u, []).append(g)
        self.classes = Counter((tuple(gs), load[u]) for u, gs in member_of.items())
        self.sizes = [n for _, n in groups]
        self.places = places

    def feasible(self, cap: int) -> bool:
        """Whether the relaxed problem fits at ``cap``."""
        classes = [(gs, cap - held, m) for (gs, held), m in self.classes.items() if held < cap]
        sizes = self.sizes
        sink = len(sizes) + len(classes) + 1
        graph = _MaxFlow(sink + 1)  # 0 source, then groups, then officer classes, the sink
        for g, n in enumerate(sizes, start=1):
            graph.edge(0, g, self.places * n)
        for c, (gs, room, m) in enumerate(classes, start=len(sizes) + 1):
            for g in gs:
                graph.edge(g + 1, c, sizes[g] * m)
            graph.edge(c, sink, room * m)
        return graph.run(0, sink) >= self.places * sum(sizes)


def _least_cap(state: _Staffing, order: Sequence[int], start: int, limit: int) -> int:
    """Spec §12.4a: the least cap in [start, limit] at which the relaxed problem — every
    target may use its whole mode pool, recusals and reserved leaders ignored — fits."""
    shared = Counter(id(state.eligible[t]) for t in order)  # equal pools share one list
    lists = {id(state.eligible[t]): state.eligible[t] for t in order}
    relaxed = _Relaxed([(lists[key], n) for key, n in shared.items()], state.demand,
                       state.load)
    low, high = start, limit
    if relaxed.feasible(low):
        return low
    if not relaxed.feasible(high):
        return high
    while high - low > 1:  # feasible at high, not at low
        mid = (low + high) // 2
        if relaxed.feasible(mid):
            high = mid
        else:
            low = mid
    return high


def _staff(state: _Staffing, order: Sequence[int], streams: Sequence[str], hash_name: str,
           limit: int) -> list[int]:
    """Greedy pass, then augmenting paths; the cap rises by one while the constraints force
    it (up to ``limit``). Returns the targets still short."""
    state.cap = _least_cap(state, order, min(state.cap, limit), limit)
    # The greedy pass serves the most oversubscribed mode pools first (targets per officer
    # of the pool), then draw order: order cannot bias anyone while no cap binds, and when
    # caps bind it leaves far fewer places to repair.
    counts = Counter(id(state.eligible[t]) for t in order)
    sizes = {id(state.eligible[t]): len(state.eligible[t]) for t in order}
    pressure = {key: Fraction(n, sizes[key]) for key, n in counts.items()}
    rank = {p: k for k, p in enumerate(sorted(set(pressure.values()), reverse=True))}
    rank_of = {key: rank[p] for key, p in pressure.items()}
    _greedy(state, sorted(order, key=lambda t: rank_of[id(state.eligible[t])]), streams,
            hash_name)
    d = state.demand
    while True:
        dead: set[int] = set()
        state.closed = set()  # dead ends hold at one cap only
        for t in order:
            while len(state.team[t]) < d and t not in dead and state.augment(t, dead):
                pass
        short = [t for t in order if len(state.team[t]) < d]
        if not short or state.cap >= limit:
            return short
        state.cap += 1  # the constraints force a higher load: raise the cap by one


def _fair_share(staffable: Sequence[int], eligible: list[list[int]],
                blocked: list[frozenset[int]], d: int) -> Fraction:
    """Spec §12.3: officer places over the officers eligible for some staffable target."""
    active: set[int] = set()
    sharing: dict[int, list[int]] = {}
    for t in staffable:
        sharing.setdefault(id(eligible[t]), []).append(t)
    for group in sharing.values():
        pool = eligible[group[0]]
        if any(not blocked[t] for t in group):
            active.update(pool)
        else:
            for t in group:
                active.update(u for u in pool if u not in blocked[t])
    return Fraction(d * len(staffable), len(active)) if active else Fraction(0)


@attrs.frozen
class _Staffed:
    """What a staffing path hands back: each staffed target's officers (sorted indices),
    leader and group name, the unstaffed targets with reasons, and the fair share."""

    members: dict[int, list[int]]
    leaders: dict[int, int]
    groups: dict[int, str]
    unstaffed: dict[int, Unstaffed]
    fair: Fraction


def _staff_people(officers: Sequence[Inspector], policy: TeamPolicy, eligible: list[list[int]],
                  blocked: list[frozenset[int]], streams: _Streams) -> _Staffed:
    """Spec §12.2–12.5: officers drawn one by one (leaders first with a department)."""
    targets = streams.targets
    d = policy.min_officers
    sizes = [len(pool) - len(no) for pool, no in zip(eligible, blocked, strict=True)]
    unstaffed: dict[int, Unstaffed] = {}
    for t, size in enumerate(sizes):
        if size < d:
            unstaffed[t] = Unstaffed(targets[t].id, "too_few_officers",
                                     {"eligible": size, "needed": d})
    dept = policy.leader_department
    leader_pools = _leader_pools(eligible, officers, dept)
    if dept:
        for t in range(len(targets)):
            if t not in unstaffed and not any(u not in blocked[t] for u in leader_pools[t]):
                unstaffed[t] = Unstaffed(targets[t].id, "no_leader_officer",
                                         {"department": dept})
    staffable = [t for t in range(len(targets)) if t not in unstaffed]
    fair = _fair_share(staffable, eligible, blocked, d)
    limit = policy.cap if policy.cap is not None else max(len(targets), 1)
    load = [0] * len(officers)
    cap = min(max(1, math.ceil(fair)), limit)
    leaders: dict[int, int] = {}
    if dept:  # leaders first: an exact b-matching of one leader per target
        phase = _Staffing(leader_pools, blocked, 1, load, cap)
        for t in _staff(phase, staffable, streams("leader"), streams.hash_name, limit):
            unstaffed[t] = Unstaffed(targets[t].id, "leader_capacity",
                                     {"department": dept, "cap": phase.cap})
        leaders = {t: phase.team[t][0] for t in staffable if phase.team[t]}
        staffable = [t for t in staffable if t in leaders]
    # The other places start again from the fair cap: only the leaders' load was forced up.
    rest = [blocked[t] | {leaders[t]} if t in leaders else blocked[t]
            for t in range(len(targets))]
    phase = _Staffing(eligible, rest, d - (1 if dept else 0), load, cap)
    for t in _staff(phase, staffable, streams("team"), streams.hash_name, limit):
        unstaffed[t] = Unstaffed(targets[t].id, "capacity", {"cap": phase.cap})
    members = {t: sorted([*phase.team[t], *([leaders[t]] if t in leaders else [])])
               for t in range(len(targets)) if t not in unstaffed}
    return _Staffed(members, {t: leaders.get(t, team[0]) for t, team in members.items()}, {},
                    unstaffed, fair)


def _staff_groups(officers: Sequence[Inspector], policy: TeamPolicy, eligible: list[list[int]],
                  blocked: list[frozenset[int]], streams: _Streams) -> _Staffed:
    """Spec §12.8: pre-formed groups drawn as a unit, one per target."""
    targets = streams.targets
    d, dept = policy.min_officers, policy.leader_department
    by_name: dict[str, list[int]] = {}
    for u, o in enumerate(officers):
        if o.group:
            by_name.setdefault(o.group, []).append(u)
    names = sorted(by_name)
    units = [by_name[g] for g in names]
    leads = [next((u for u in unit if officers[u].department == dept), -1) if dept else unit[0]
             for unit in units]
    usable = [g for g, unit in enumerate(units) if len(unit) >= d and leads[g] >= 0]
    of_pool: dict[int, list[int]] = {}  # officer mode pool -> its groups (shared lists)
    interned: dict[tuple[int, ...], list[int]] = {}
    pools: list[list[int]] = []
    barred: list[frozenset[int]] = []
    nobody: frozenset[int] = frozenset()
    for t in range(len(targets)):
        groups = of_pool.get(id(eligible[t]))
        if groups is None:
            allowed = set(eligible[t])
            groups = [g for g in usable if allowed.issuperset(units[g])]
            groups = of_pool[id(eligible[t])] = interned.setdefault(tuple(groups), groups)
        pools.append(groups)
        out = blocked[t]
        barred.append(frozenset(g for g in groups if not out.isdisjoint(units[g])) if out
                      else nobody)
    unstaffed = {t: Unstaffed(targets[t].id, "no_eligible_group",
                              {"min_officers": d, "department": dept})
                 for t in range(len(targets)) if len(pools[t]) == len(barred[t])}
    staffable = [t for t in range(len(targets)) if t not in unstaffed]
    fair = _fair_share(staffable, pools, barred, 1)
    limit = policy.cap if policy.cap is not None else max(len(targets), 1)
    phase = _Staffing(pools, barred, 1, [0] * len(units), min(max(1, math.ceil(fair)), limit))
    for t in _staff(phase, staffable, streams("group"), streams.hash_name, limit):
        unstaffed[t] = Unstaffed(targets[t].id, "group_capacity", {"cap": phase.cap})
    chosen = {t: phase.team[t][0] for t in staffable if t not in unstaffed}
    return _Staffed({t: units[g] for t, g in chosen.items()},
                    {t: leads[g] for t, g in chosen.items()},
                    {t: names[g] for t, g in chosen.items()}, unstaffed, fair)


@attrs.frozen
class _Streams:
    """The seed strings of one kind of stream (``leader``, ``team``, ``group``, ``experts``)
    for every target: ``seed,purpose,kind/<target id>`` (spec §3)."""

    targets: Sequence[Target]
    seed: Seed
    purpose: str
    hash_name: str

    def __call__(self, kind: str) -> list[str]:
        prefix = stratum_seed_string(self.seed, self.purpose, f"{kind}/")
        return [prefix + t.id for t in self.targets]

    def one(self, kind: str, target: Target) -> str:
        return stratum_seed_string(self.seed, self.purpose, f"{kind}/{target.id}")


def _check_visits(targets: Sequence[Target], earlier: Mapping[str, Sequence[str]],
                  joined: Sequence[JoinedVisit]) -> dict[str, JoinedVisit]:
    """The joined visits by target id, after checking both inputs name selected targets."""
    selected = {t.id for t in targets}
    by_target: dict[str, JoinedVisit] = {}
    for visit in joined:
        if not isinstance(visit, JoinedVisit):
            raise InvalidTypeError("form_teams", "joined", visit, "JoinedVisit values",
                                   "build each with JoinedVisit(...) or JoinedVisit.of(team, …)")
        if visit.target_id not in selected or visit.target_id in by_target:
            raise InvalidValueError("form_teams", "joined", visit.target_id,
                                    "is not a selected target, or is given twice",
                                    "give each selected target that joins a visit once")
        by_target[visit.target_id] = visit
    for target_id, ids in earlier.items():
        if target_id not in selected:
            raise InvalidValueError("form_teams", "earlier_visits", target_id,
                                    "is not a selected target",
                                    "give the earlier visits of this task's targets only")
        if isinstance(ids, str) or not all(isinstance(i, str) for i in ids):
            raise InvalidValueError("form_teams", f"earlier_visits[{target_id!r}]", ids,
                                    "is not a list of inspector ids", "give a list of ids")
    return by_target


def form_teams(targets: Sequence[Target], inspectors: InspectorDirectory, policy: TeamPolicy,
               *, seed: Seed, purpose: str, hash_name: str = "sha256",
               earlier_visits: Mapping[str, Sequence[str]] | None = None,
               joined: Sequence[JoinedVisit] = ()) -> dict[str, Any]:
    """The team section of the audit record for ``targets`` (the selected targets, in draw
    order); spec §12. ``earlier_visits`` (target id → inspectors of its earlier visits this
    year) are out of the target's pool (§12.10); targets in ``joined`` get no team of their
    own but experts for this task's items added to their visit's team (§12.12)."""
    joining = _check_visits(targets, earlier_visits or {}, joined)
    earlier = {t: sorted(set(ids)) for t, ids in (earlier_visits or {}).items() if ids}
    officers = inspectors.officers_on(policy.check_date)
    rotation = policy.rotation
    own = [t for t in targets if t.id not in joining]
    eligible, blocked, grounds, custom = _eligibility(own, officers, policy, rotation, earlier)
    streams = _Streams(own, seed, purpose, hash_name)
    staff = _staff_groups if policy.unit is DrawUnit.GROUP else _staff_people
    staffed = staff(officers, policy, eligible, blocked, streams)
    teams = []
    specialists = _Experts(inspectors, policy, rotation, earlier)

    def experts_for(target: Target, needed: set[str], members: frozenset[str] = frozenset()
                    ) -> tuple[list[str], list[str]]:
        if not needed:
            return [], []
        experts, uncovered, barred = specialists.cover(
            target, needed, stream=streams.one("experts", target), hash_name=hash_name,
            members=members)
        for expert_id, rule in barred:
            ids = custom.setdefault(rule, {}).setdefault(target.id, [])
            ids[:] = sorted({*ids, expert_id})
        return experts, uncovered

    for t, members in staffed.members.items():
        target = own[t]
        experts, uncovered = experts_for(target, specialists.needed(
            target, [officers[u] for u in members])) if policy.items else ([], [])
        team = {"target": target.id, "officers": [officers[u].id for u in members],
                "leader": officers[staffed.leaders[t]].id, "experts": experts,
                "uncovered": uncovered}
        if t in staffed.groups:
            team["group"] = staffed.groups[t]
        teams.append(team)
    joined_entries = []
    for target in targets:
        visit = joining.get(target.id)
        if visit is None:
            continue
        # Specialties as this directory gives them; an id not in it has none (spec §12.12:
        # whether the team is the one drawn is a check across the year's records, §12.13).
        people = [inspectors.get(i) for i in (*visit.officers, *visit.inherited_experts)]
        experts, uncovered = experts_for(
            target, specialists.needed(target, [p for p in people if p is not None]),
            frozenset(visit.officers) | frozenset(visit.inherited_experts))
        joined_entries.append({
            "target": target.id,
            "visit_of": {"purpose": visit.purpose, "record_digest": visit.record_digest},
            "officers": list(visit.officers), "leader": visit.leader,
            "inherited_experts": list(visit.inherited_experts), "experts": experts,
            "uncovered": uncovered})
    extra: dict[str, Any] = {}
    if joined_entries:
        extra["joined"] = joined_entries
    if earlier:
        extra["earlier_visits"] = dict(sorted(earlier.items()))
    return extra | {
        "policy": policy.to_dict(),
        "inspector_directory": {"digest": inspectors.digest, "size": len(inspectors)},
        "fair_share": str(staffed.fair),
        "cap": max(Counter(u for t in teams for u in t["officers"]).values(), default=0),
        "exclusions": dict(sorted(grounds.items())),
        "custom_exclusions": {rule: dict(sorted(by_target.items()))
                              for rule, by_target in sorted(custom.items())},
        "teams": teams,
        "unstaffed": [u.to_dict() for _, u in sorted(staffed.unstaffed.items())],
    }


class _Experts:
    """Experts covering the items' specialties that the officers lack (spec §12.6), with
    what every team of the task shares worked out once."""

    def __init__(self, inspectors: InspectorDirectory, policy: TeamPolicy,
                 rotation: dict[str, frozenset[str]], earlier: Mapping[str, Sequence[str]]
                 ) -> None:
        self.policy = policy
        self.rotation = rotation
        self.earlier = earlier
        self.experts = inspectors.experts() if policy.add_experts else ()
        self._needed: dict[EntityType, frozenset[str]] = {}

    def needed(self, target: Target, members: Sequence[Inspector]) -> set[str]:
        """Specialties of the items that apply to the target that none of its ``members``
        (officers, and a joined visit's experts) has."""
        kind = target.entity_type
        items = self._needed.get(kind)
        if items is None:
            items = self._needed[kind] = frozenset().union(*(
                i.required_specialties for i in self.policy.items if kind in i.entity_types))
        if not items:
            return set()
        return set(items).difference(*(m.specialties for m in members))

    def cover(self, target: Target, needed: set[str], *, stream: str, hash_name: str,
              members: frozenset[str] = frozenset()
              ) -> tuple[list[str], list[str], list[tuple[str, str]]]:
        """The experts, the specialties left uncovered, and the experts a custom rule barred
        with the first rule that barred each (recorded as data, so that a verifier without
        the rule's code can replay)."""
        policy = self.policy
        if not policy.add_experts:
            return [], sorted(needed), []
        conflicted = set(policy.conflicts.for_target(target.id, policy.check_date))
        conflicted |= self.rotation.get(target.id, frozenset())
        conflicted |= {*self.earlier.get(target.id, ()), *members}
        candidates = [e for e in self.experts if e.specialties & needed
                      and e.id not in conflicted and policy.serves(e, target)]
        barred = [(e.id, rule.name) for e in candidates
                  if (rule := next((r for r in policy.custom_rules if r.applies(e, target)),
                                   None)) is not None]
        out = {expert for expert, _ in barred}
        pool = [e for e in candidates if e.id not in out]
        for size in range(1, min(EXPERT_SEARCH_LIMIT, len(pool)) + 1):
            covers = [c for c in itertools.combinations(pool, size)
                      if needed <= set().union(*(e.specialties for e in c))]
            if covers:
                pick = next(rivest_stream(stream, len(covers), hash_name))
                return [e.id for e in covers[pick - 1]], [], barred
        chosen: list[Inspector] = []  # beyond the exact search: greedy, largest gain first
        left = set(needed)
        while left:
            best = max(pool, key=lambda e: len(e.specialties & left), default=None)
            if best is None or not best.specialties & left:
                break
            chosen.append(best)
            left -= best.specialties
        return sorted(e.id for e in chosen), sorted(left), barred


@attrs.frozen(eq=False)
class Assignment:
    """Teams for a sample, with every unstaffed target and why, and the extended record.

    Attributes:
        teams: One `Team` per staffed target, in draw order.
        unstaffed: Targets without a team, with the reason.
        cap: The most targets any officer took (the least cap the constraints allowed).
        fair_share: Officer places per eligible officer.
        exclusions: How many (target, officer) pairs each recusal ground removed, keyed by
            ground code (``conflict:<ground>``, ``rotation``, ``own_office``,
            ``custom:<rule>``; `describe_exclusion` gives the words).
        record: The sample's audit record extended with the teams.
        joined: Targets that joined an earlier task's visit (spec §12.12), each with the
            visit's team (`Team.visit_of` set) and the experts added for this task.
        earlier_visits: Target id → inspectors of its earlier visits this year, out of
            its pool (spec §12.10).
    """

    teams: tuple[Team, ...]
    unstaffed: tuple[Unstaffed, ...]
    cap: int
    fair_share: Fraction
    exclusions: dict[str, int]
    record: Any
    joined: tuple[Team, ...] = ()
    earlier_visits: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    def loads(self) -> dict[str, int]:
        """Officer id → number of targets this task drew them for (joined visits are the
        earlier task's)."""
        return dict(Counter(o for t in self.teams for o in t.officers))

    def team_of(self, target_id: str) -> Team | None:
        """The team of a target (drawn here, or the visit's team it joined), or None."""
        return next((t for t in (*self.teams, *self.joined) if t.target_id == target_id), None)


def assignment_from_section(section: dict[str, Any], record: Any) -> Assignment:
    """Build an `Assignment` from a record's team section."""
    return Assignment(
        teams=tuple(Team.from_dict(t) for t in section["teams"]),
        unstaffed=tuple(Unstaffed.from_dict(u) for u in section["unstaffed"]),
        cap=section["cap"], fair_share=Fraction(section["fair_share"]),
        exclusions=dict(section["exclusions"]), record=record,
        joined=tuple(Team.from_dict(t) for t in section.get("joined", ())),
        earlier_visits={t: tuple(ids) for t, ids in section.get("earlier_visits", {}).items()})


def assign_inspectors(sample: Sample, inspectors: InspectorDirectory, policy: TeamPolicy, *,
                      earlier_visits: Mapping[str, Sequence[str]] | None = None,
                      joined: Sequence[JoinedVisit] = (),
                      progress: Progress | None = None) -> Assignment:
    """Form a team for every selected target that can be staffed, reproducibly.

    Teams are drawn from the sample's seed under labels ``team/<target id>`` (one seed
    ceremony covers both draws), in the sample's draw order; officers who are recused,
    out of the draw mode's pool or whose credentials are not valid on the check date are
    never drawn; the officer core (recusal, credentials, team size, per-officer cap) is then
    completed exactly by augmenting paths, and the cap rises above the fair share only when
    the constraints force it. Every target left without a team is reported with the reason.

    Within a year (`planning.run_plan` passes both): ``earlier_visits`` maps a target to the
    inspectors of its earlier visits this year, who may not inspect it again (spec §12.10);
    ``joined`` lists selected targets whose visit an earlier task already staffed: they get
    no team of their own, only experts for this task's items (§12.12).
    """
    if not isinstance(sample, Sample):
        raise InvalidTypeError("assign_inspectors", "sample", sample, "a Sample",
                               "draw it with draw_targets(...), or replay a record with "
                               "draw_targets(directory, design_from_dict(record.design), …)")
    if not isinstance(inspectors, InspectorDirectory):
        raise InvalidTypeError("assign_inspectors", "inspectors", inspectors,
                               "an InspectorDirectory",
                               "load it with InspectorDirectory.from_csv(path)")
    if not isinstance(policy, TeamPolicy):
        raise InvalidTypeError("assign_inspectors", "policy", policy, "a TeamPolicy",
                               "pass TeamPolicy(check_date=...)")
    policy.conflicts.check_against(inspectors, sample.directory)
    report = Reporter(progress)
    report.start(f"forming teams for {len(sample.selected_ids):,} targets")
    with gc_paused():  # many objects, no cycles: see `gc_paused`
        targets = sample.directory.rows(sample.directory.positions(sample.selected_ids))
        record = sample.record
        section = form_teams(targets, inspectors, policy, seed=record.seed,
                             purpose=record.purpose, hash_name=record.hash,
                             earlier_visits=earlier_visits, joined=joined)
        extended = attrs.evolve(record, teams=section, claimed_digest=None)
        assignment = assignment_from_section(section, extended)
    report.finish()
    return assignment

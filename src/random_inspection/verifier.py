#!/usr/bin/env python3
"""Independent verifier of random_inspection audit records, using only Python's standard library.

Copy this one file anywhere with Python 3.11+ and run::

    python verifier.py record.json directory.csv

It re-implements draw spec v1 (docs/spec/draw-spec-v1.md) from scratch, without importing the
random_inspection package: it recomputes the directory digest from the CSV (as written by
``TargetDirectory.to_csv``, English or Chinese headers, UTF-8 or GB18030), the record digest,
the eligible frame, the allocation and every Rivest selection, and compares each with the
record. A record with inspection teams also needs the registers they were drawn from::

    python verifier.py record.json directory.csv --inspectors inspectors.csv \
        --items items.csv [--conflicts conflicts.csv] [--previous previous.json]

Exit status 0: the record replays exactly; 1: some check failed; 2: unusable input.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import heapq
import io
import itertools
import json
import math
import sys
import unicodedata
from collections import deque
from fractions import Fraction
from typing import Any

SPEC_VERSION = "1"
FIELDS = ("id", "name", "entity_type", "region", "industry", "registering_office",
          "supervising_office", "risk_class", "tags", "last_check_date")
CHINESE_HEADERS = {
    "统一社会信用代码": "id", "主体名称": "name", "主体类型": "entity_type",
    "行政区划代码": "region", "行业代码": "industry", "登记机关": "registering_office",
    "管辖单位": "supervising_office", "信用风险分类": "risk_class", "标签": "tags",
    "上次检查日期": "last_check_date",
}
ENTITY_TYPES = {"enterprise": "企业", "individual_business": "个体工商户",
                "farmer_cooperative": "农民专业合作社", "other_organisation": "其他组织",
                "product": "产品", "project": "项目"}
ENTITY_TYPES_BACK = {v: k for k, v in ENTITY_TYPES.items()}
CLASSES = ("A", "B", "C", "D", "U")
CLASS_LABELS = {"信用风险低": "A", "信用风险一般": "B", "信用风险较高": "C", "信用风险高": "D",
                "未分类": "U", "": "U"}


class UnusableInputError(Exception):
    """The inputs cannot be read."""


# --- directory ----------------------------------------------------------------------------

def read_directory(path: str) -> list[dict[str, str]]:
    """Rows of the directory CSV with canonical values, sorted by id."""
    with open(path, "rb") as handle:
        data = handle.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnusableInputError(f"{path}: neither UTF-8 nor GB18030")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [CHINESE_HEADERS.get(h.strip(), h.strip()) for h in next(reader)]
    missing = [f for f in ("id", "name", "entity_type", "region") if f not in header]
    if missing:
        raise UnusableInputError(f"{path}: missing columns {missing}")
    zh_types = {v: k for k, v in ENTITY_TYPES.items()}
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        raw = dict(zip(header, cells, strict=True))
        row = {f: unicodedata.normalize("NFC", raw.get(f, "")).strip() for f in FIELDS}
        row["id"] = unicodedata.normalize("NFKC", raw["id"]).strip().upper()
        row["entity_type"] = zh_types.get(row["entity_type"], row["entity_type"])
        row["industry"] = row["industry"].upper()
        risk = row["risk_class"]
        row["risk_class"] = CLASS_LABELS.get(risk, risk.rstrip("类").upper())
        row["tags"] = ";".join(sorted({t.strip() for t in row["tags"].replace("；", ";")
                                       .replace("|", ";").split(";") if t.strip()}))
        date = row["last_check_date"].replace("/", "-")
        row["last_check_date"] = dt.date.fromisoformat(date).isoformat() if date else ""
        rows.append(row)
    rows.sort(key=lambda r: r["id"].encode())
    return rows


def directory_digest(rows: list[dict[str, str]]) -> str:
    """Spec §5: SHA-256 of the canonical tab-separated text."""
    h = hashlib.sha256(("random-inspection/target-directory/v1\n" + "\t".join(FIELDS) + "\n")
                       .encode())
    for row in rows:
        h.update(("\t".join(row[f] for f in FIELDS) + "\n").encode())
    return "sha256:" + h.hexdigest()


# --- the draw ----------------------------------------------------------------------------

def digest_function(name: str) -> Any:
    if name == "sha256":
        return lambda b: hashlib.sha256(b).digest()
    if name == "sm3":
        return lambda b: hashlib.new("sm3", b).digest()
    raise UnusableInputError(f"unknown hash {name!r}")


def stream(seed_string: str, population: int, hash_name: str) -> Any:
    """Spec §4: distinct positions 1..N in draw order, H(seed,i) mod N + 1, i = 1, 2, …"""
    digest = digest_function(hash_name)
    seen: set[int] = set()
    i = 0
    while len(seen) < population:
        i += 1
        x = int.from_bytes(digest(f"{seed_string},{i}".encode()), "big") % population + 1
        if x not in seen:
            seen.add(x)
            yield x


def rivest(seed_string: str, population: int, size: int, hash_name: str) -> list[int]:
    """Spec §4: the first ``size`` positions of the stream."""
    return list(itertools.islice(stream(seed_string, population, hash_name), size))


def eligible_rows(rows: list[dict[str, str]], design: dict[str, Any]
                  ) -> tuple[list[dict[str, str]], dict[str, int]]:
    """Spec §6: the scope, then the exclusions, each counted."""
    scope = design["scope"]

    def in_scope(r: dict[str, str]) -> bool:
        tags = set(filter(None, r["tags"].split(";")))
        return all([
            not scope["region_prefixes"] or r["region"].startswith(tuple(scope["region_prefixes"])),
            not scope["industry_prefixes"]
            or r["industry"].startswith(tuple(scope["industry_prefixes"])),
            not scope["entity_types"] or r["entity_type"] in scope["entity_types"],
            not scope["risk_classes"] or r["risk_class"] in scope["risk_classes"],
            set(scope["tags_all"]) <= tags,
            not scope["tags_any"] or bool(set(scope["tags_any"]) & tags),
            not scope["registering_offices"]
            or r["registering_office"] in scope["registering_offices"],
            not scope["supervising_offices"]
            or r["supervising_office"] in scope["supervising_offices"],
        ])

    kept = [r for r in rows if in_scope(r)]
    counts = {"out_of_scope": len(rows) - len(kept)}
    since = design["exclude_checked_since"]
    if since is not None:
        recent = [r for r in kept if r["last_check_date"] and r["last_check_date"] >= since]
        counts[f"checked since {since}"] = len(recent)
        kept = [r for r in kept if not (r["last_check_date"] and r["last_check_date"] >= since)]
    for reason, ids in sorted(design["excluded_ids"].items()):
        listed = set(ids)
        counts[reason] = sum(r["id"] in listed for r in kept)
        kept = [r for r in kept if r["id"] not in listed]
    return kept, counts


def size_for(rate: Fraction, population: int, minimum: int, maximum: int | None) -> int:
    n = max(math.ceil(min(Fraction(1), rate) * population), min(minimum, population))
    return min(n if maximum is None else min(n, maximum), population)


def stratified(design: dict[str, Any], pops: list[int]) -> tuple[list[int], list[Fraction]]:
    """Spec §7.1: ceil(rate × N), minimums, maximums, then the least floor scale."""
    rates = [Fraction(design["rates"][c]) for c in CLASSES]
    mins = [design["minimums"][c] or 0 for c in CLASSES]
    maxs = [design["maximums"][c] for c in CLASSES]
    need = math.ceil(Fraction(design["floor"]) * sum(pops))

    def sizes(s: Fraction) -> list[int]:
        return [size_for(s * r, n, lo, hi) for r, n, lo, hi in zip(rates, pops, mins, maxs,
                                                                     strict=True)]
    scale = Fraction(1)
    if sum(sizes(scale)) < need:
        # Sizes only change at s = k / (r·N): walk those breakpoints upward, in order, until
        # the floor is met (each step adds at most one target, so the walk is short).
        def breakpoints(r: Fraction, n: int) -> Any:
            return (Fraction(k) / (r * n) for k in range(math.floor(r * n) + 1, n + 1))
        walk = heapq.merge(*(breakpoints(r, n) for r, n in zip(rates, pops, strict=True)
                             if r > 0 and n > 0))
        scale = next(s for s in walk if s > 1 and sum(sizes(s)) >= need)
    return sizes(scale), [min(Fraction(1), scale * r) for r in rates]


def weighted(design: dict[str, Any], pops: list[int], uniform: Fraction) -> list[int]:
    """Spec §7.2: π_h = min(1, c·w_h), then systematic rounding with start ``uniform``."""
    weights = [Fraction(design["weights"][c]) for c in CLASSES]
    total = max(design["total"], math.ceil(Fraction(design["floor"]) * sum(pops)))
    capped: set[int] = set()
    while True:
        free = [h for h in range(5) if weights[h] > 0 and h not in capped and pops[h]]
        mass = sum(weights[h] * pops[h] for h in free)
        c = Fraction(total - sum(pops[h] for h in capped)) / mass if mass else Fraction(0)
        newly = {h for h in free if c * weights[h] >= 1}
        if not newly:
            break
        capped |= newly
    expected = [(Fraction(1) if h in capped else c * weights[h]) * pops[h] for h in range(5)]
    sizes = [math.floor(e) for e in expected]
    low = Fraction(0)
    for h in range(5):
        high = low + expected[h] - sizes[h]
        if math.ceil(low - uniform) < high - uniform:
            sizes[h] += 1
        low = high
    return sizes


# --- teams (spec §12) --------------------------------------------------------------------

INSPECTOR_HEADERS = {"人员编号": "id", "姓名": "name", "所属部门": "department", "科室": "office",
                     "辖区": "office_area", "职务": "post", "执法证号": "credential_number",
                     "执法证有效期至": "credential_expiry", "业务专长": "specialties",
                     "是否专家": "is_expert", "状态": "status", "执法小组": "group"}
ITEM_HEADERS = {"事项编码": "code", "所需专长": "required_specialties",
                "检查对象类型": "entity_types"}
CONFLICT_HEADERS = {"人员编号": "inspector_id", "统一社会信用代码": "target_id",
                    "回避事由": "ground", "起始日期": "valid_from", "截止日期": "valid_until",
                    "备注": "note"}
STATUS = {"在岗": "active", "调离": "transferred", "退休": "retired"}
GROUNDS = {"近亲属关系": "relative", "经济利益关系": "financial_interest",
           "曾任职": "former_employment", "其他可能影响公正的关系": "other"}


def read_rows(path: str, headers: dict[str, str]) -> list[dict[str, str]]:
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    reader = csv.reader(io.StringIO(text, newline=""))
    names = [headers.get(h.strip(), h.strip()) for h in next(reader)]
    return [{n: unicodedata.normalize("NFC", c).strip() for n, c in zip(names, row, strict=True)}
            for row in reader if any(c.strip() for c in row)]


def split(cell: str) -> list[str]:
    return sorted({p.strip() for p in cell.replace("；", ";").replace("|", ";").split(";")
                   if p.strip()})


def iso(cell: str) -> str | None:
    return dt.date.fromisoformat(cell.replace("/", "-")).isoformat() if cell else None


def read_inspectors(path: str) -> list[dict[str, Any]]:
    people = []
    for row in read_rows(path, INSPECTOR_HEADERS):
        people.append({
            "id": row["id"], "name": row["name"], "department": row["department"],
            "office": row.get("office", ""), "office_area": row.get("office_area", ""),
            "post": row.get("post", ""), "credential_number": row.get("credential_number", ""),
            "credential_expiry": iso(row.get("credential_expiry", "")),
            "specialties": split(row.get("specialties", "")),
            "is_expert": row.get("is_expert", "").casefold() in {"true", "yes", "1", "是"},
            "status": STATUS.get(row.get("status", ""), row.get("status") or "active"),
            "group": row.get("group", ""),
        })
    return sorted(people, key=lambda p: p["id"])


def lines_digest(kind: str, entries: list[dict[str, Any]]) -> str:
    h = hashlib.sha256(f"random-inspection/{kind}/v1\n".encode())
    for entry in entries:
        h.update(canonical(entry).encode() + b"\n")
    return "sha256:" + h.hexdigest()


class Phase:
    """One staffing phase of spec §12.4 over pools of officer indices."""

    def __init__(self, pools: list[list[int]], places: int, load: list[int], cap: int,
                 modes: list[list[int]]) -> None:
        self.pools, self.places, self.load, self.cap = pools, places, load, cap
        self.modes = modes  # each target's mode pool, recusals and leader not removed
        self.team: list[list[int]] = [[] for _ in pools]
        self.holders: dict[int, list[int]] = {}

    def take(self, t: int, u: int) -> None:
        self.team[t].append(u)
        self.load[u] += 1
        self.holders.setdefault(u, []).append(t)

    def drop(self, t: int, u: int) -> None:
        self.team[t].remove(u)
        self.load[u] -= 1
        self.holders[u].remove(t)

    def search(self, start: int, dead: set[int], closed: set[int]) -> bool:
        """§12.4c. Officers in ``closed`` (reached by a failed search at this cap) are dead
        ends: skipping them changes no path found, and spares repeating the search."""
        came: dict[int, int] = {}
        hands: dict[int, int] = {start: -1}
        queue = deque([start])
        while queue:
            t = queue.popleft()
            for u in self.pools[t]:
                if u in self.team[t] or u in came or u in closed:
                    continue
                came[u] = t
                if self.load[u] < self.cap:
                    self.shift(u, came, hands)
                    return True
                for holder in self.holders.get(u, []):
                    if holder not in hands:
                        hands[holder] = u
                        queue.append(holder)
        dead.update(hands)
        closed.update(came)
        return False

    def shift(self, unit: int, came: dict[int, int], hands: dict[int, int]) -> None:
        """Apply the path ending at ``unit``: each target takes the officer it reached and
        hands on the one it was reached through."""
        while True:
            owner = came[unit]
            handed = hands[owner]
            if handed >= 0:
                self.drop(owner, handed)
            self.take(owner, unit)
            if handed < 0:
                return
            unit = handed

    def run(self, order: list[int], labels: list[str], hash_name: str, limit: int) -> list[int]:
        self.cap = least_cap([self.modes[t] for t in order], self.places, self.load,
                             self.cap, limit)
        counts: dict[tuple[int, ...], int] = {}
        for t in order:
            counts[tuple(self.modes[t])] = counts.get(tuple(self.modes[t]), 0) + 1
        first = sorted(order, key=lambda t: -Fraction(counts[tuple(self.modes[t])],
                                                      len(self.modes[t])))
        for t in first:  # (b) greedy: the first positions over the pool's officers below c
            below = [u for u in self.pools[t] if self.load[u] < self.cap]
            for position in rivest(labels[t], len(below), min(self.places, len(below)),
                                   hash_name):
                self.take(t, below[position - 1])
        while True:
            dead: set[int] = set()
            closed: set[int] = set()
            for t in order:
                while len(self.team[t]) < self.places and t not in dead \
                        and self.search(t, dead, closed):
                    pass
            short = [t for t in order if len(self.team[t]) < self.places]
            if not short or self.cap >= limit:
                return short
            self.cap += 1


def read_conflicts(path: str | None) -> list[dict[str, Any]]:
    conflicts = []
    for row in read_rows(path, CONFLICT_HEADERS) if path else []:
        conflicts.append({"inspector_id": row["inspector_id"],
                          "target_id": unicodedata.normalize("NFKC", row["target_id"]).upper(),
                          "ground": GROUNDS.get(row["ground"], row["ground"]),
                          "valid_from": iso(row.get("valid_from", "")),
                          "valid_until": iso(row.get("valid_until", "")),
                          "note": row.get("note", "")})
    return sorted(conflicts, key=lambda c: (c["inspector_id"], c["target_id"]))


def read_previous(path: str | None) -> dict[str, list[str]]:
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        return {t.upper(): sorted(set(ids)) for t, ids in json.load(handle).items()}


def allowed(mode: str, officer: dict[str, Any], target: dict[str, str]) -> bool:
    """§12.2: the draw mode's pool."""
    if mode == "by_region":
        return bool(officer["office_area"]) and target["region"].startswith(
            officer["office_area"])
    if mode == "cross_office":
        return not (officer["office"] and officer["office"] == target["supervising_office"])
    return True


def expert_cover(needed: set[str], pool: list[dict[str, Any]], label: str, hash_name: str
                 ) -> tuple[list[str], list[str]]:
    """§12.6: least cover of up to three experts, else greedy."""
    for size in range(1, min(3, len(pool)) + 1):
        covers = [c for c in itertools.combinations(pool, size)
                  if needed <= set().union(*(set(e["specialties"]) for e in c))]
        if covers:
            pick = next(stream(label, len(covers), hash_name))
            return [e["id"] for e in covers[pick - 1]], []
    left, chosen = set(needed), []
    while left and pool:
        best = max(pool, key=lambda e: len(set(e["specialties"]) & left))
        if not set(best["specialties"]) & left:
            break
        chosen.append(best["id"])
        left -= set(best["specialties"])
    return sorted(chosen), sorted(left)


def run_phases(pools: list[list[int]], *, modes: list[list[int]], officers: int,
               leads: list[bool] | None, d: int, staffable: list[int],
               labels: dict[str, list[str]], hash_name: str,
               caps: tuple[int, int], reasons: dict[int, str]) -> tuple[dict[int, int], Phase]:
    """§12.5: leaders first (if a department leads), then the other places."""
    cap, limit = caps
    load = [0] * officers
    leaders: dict[int, int] = {}
    if leads is not None:
        first = Phase([[u for u in p if leads[u]] for p in pools], 1, load, cap,
                      [[u for u in m if leads[u]] for m in modes])
        for k in first.run(staffable, labels["leader"], hash_name, limit):
            reasons[k] = "capacity"
        leaders = {k: first.team[k][0] for k in staffable if first.team[k]}
        staffable = [k for k in staffable if k in leaders]
    second = Phase([[u for u in p if u != leaders.get(k)] for k, p in enumerate(pools)],
                   d - (1 if leads is not None else 0), load, cap, modes)
    for k in second.run(staffable, labels["team"], hash_name, limit):
        reasons[k] = "capacity"
    return leaders, second


def by_person(officers: list[dict[str, Any]], modes: list[list[int]], pools: list[list[int]],
              *, d: int, dept: str | None, labels: dict[str, list[str]], limit: int,
              hash_name: str) -> tuple[dict[int, list[int]], dict[int, int], dict[int, str],
                                       dict[int, str], Fraction]:
    """§12.3–12.5: officers one by one; returned as by `by_group` (no groups)."""
    reasons = {k: "few" for k, p in enumerate(pools) if len(p) < d}
    if dept:
        reasons.update({k: "dept" for k, p in enumerate(pools) if k not in reasons
                        and not any(officers[u]["department"] == dept for u in p)})
    staffable = [k for k in range(len(pools)) if k not in reasons]
    active = {u for k in staffable for u in pools[k]}
    fair = Fraction(d * len(staffable), len(active)) if active else Fraction(0)
    leaders, second = run_phases(
        pools, modes=modes, officers=len(officers), d=d, staffable=staffable,
        labels=labels, leads=[o["department"] == dept for o in officers] if dept else None,
        hash_name=hash_name, caps=(min(max(1, math.ceil(fair)), limit), limit),
        reasons=reasons)
    members = {k: sorted(second.team[k] + ([leaders[k]] if k in leaders else []))
               for k in range(len(pools)) if k not in reasons}
    return (members, {k: leaders.get(k, team[0]) for k, team in members.items()}, {},
            reasons, fair)


def by_group(officers: list[dict[str, Any]], modes: list[list[int]], pools: list[list[int]],
             *, d: int, dept: str | None, labels: list[str], limit: int, hash_name: str
             ) -> tuple[dict[int, list[int]], dict[int, int], dict[int, str], dict[int, str],
                        Fraction]:
    """§12.8: one pre-formed group per target, drawn as a unit; returns each staffed
    target's officers, leader and group, the unstaffed targets and the fair share."""
    found: dict[str, list[int]] = {}
    for u, o in enumerate(officers):
        if o["group"]:
            found.setdefault(o["group"], []).append(u)
    names = sorted(found)
    units = [found[name] for name in names]
    leads = [next((u for u in unit if not dept or officers[u]["department"] == dept), -1)
             for unit in units]
    usable = [g for g, unit in enumerate(units) if len(unit) >= d and leads[g] >= 0]
    by_mode: dict[int, list[int]] = {}  # mode pools are shared lists (by place)
    for mode in modes:
        if id(mode) not in by_mode:
            allowed = set(mode)
            by_mode[id(mode)] = [g for g in usable if allowed.issuperset(units[g])]
    group_modes = [by_mode[id(mode)] for mode in modes]
    group_pools = [[g for g in groups if set(pool).issuperset(units[g])] if groups else []
                   for groups, pool in zip(group_modes, pools, strict=True)]
    reasons = {k: "none" for k, p in enumerate(group_pools) if not p}
    staffable = [k for k in range(len(pools)) if k not in reasons]
    active = {g for k in staffable for g in group_pools[k]}
    fair = Fraction(len(staffable), len(active)) if active else Fraction(0)
    phase = Phase(group_pools, 1, [0] * len(units), min(max(1, math.ceil(fair)), limit),
                  group_modes)
    for k in phase.run(staffable, labels, hash_name, limit):
        reasons[k] = "capacity"
    chosen = {k: phase.team[k][0] for k in staffable if k not in reasons}
    return ({k: units[g] for k, g in chosen.items()}, {k: leads[g] for k, g in chosen.items()},
            {k: names[g] for k, g in chosen.items()}, reasons, fair)


def fits(groups: dict[tuple[int, ...], int], places: int, room: dict[int, int]) -> bool:
    """§12.4a: can every target take ``places`` distinct officers of its pool, officer u at
    most room[u] times in all? ``groups``: pool -> number of targets with that pool.
    (Edmonds–Karp max-flow.)"""
    residual: dict[Any, dict[Any, int]] = {"s": {}, "t": {}}

    def edge(a: Any, b: Any, c: int) -> None:
        residual.setdefault(a, {})[b] = residual.get(a, {}).get(b, 0) + c
        residual.setdefault(b, {}).setdefault(a, 0)

    # Officers in the same groups with the same room act as one node of m officers: at
    # most n*m places from a group of n targets, room*m in all (dealt out round-robin, a
    # flow of that node never gives one officer more than n from a group or room in all).
    member_of: dict[int, list[int]] = {}
    for g, members in enumerate(groups):
        for u in members:
            member_of.setdefault(u, []).append(g)
    classes: dict[tuple[tuple[int, ...], int], int] = {}
    for u, gs in member_of.items():
        key = (tuple(gs), max(room[u], 0))
        classes[key] = classes.get(key, 0) + 1
    sizes = list(groups.values())
    need = 0
    for g, n in enumerate(sizes):
        edge("s", ("g", g), places * n)
        need += places * n
    for (shared, r), m in classes.items():
        for g in shared:
            edge(("g", g), ("c", shared, r), sizes[g] * m)
        edge(("c", shared, r), "t", r * m)
    flow = 0
    while True:
        parent: dict[Any, Any] = {"s": None}
        queue = ["s"]
        for a in queue:
            for b, c in residual[a].items():
                if c > 0 and b not in parent:
                    parent[b] = a
                    queue.append(b)
        if "t" not in parent:
            return flow >= need
        path, b = [], "t"
        while parent[b] is not None:
            path.append((parent[b], b))
            b = parent[b]
        pushed = min(residual[a][b] for a, b in path)
        for a, b in path:
            residual[a][b] -= pushed
            residual[b][a] += pushed
        flow += pushed


def least_cap(pools: list[list[int]], places: int, load: list[int], start: int,
              limit: int) -> int:
    """§12.4a: the least cap in [start, limit] at which the relaxed problem fits."""
    groups: dict[tuple[int, ...], int] = {}
    for pool in pools:
        key = tuple(pool)
        groups[key] = groups.get(key, 0) + 1
    units = {u for members in groups for u in members}
    for cap in range(start, limit + 1):
        if fits(groups, places, {u: cap - load[u] for u in units}):
            return cap
    return limit


def recusals(conflicts: list[dict[str, Any]], previous: dict[str, list[str]],
             custom: dict[str, list[str]], day: str) -> dict[str, set[str]]:
    """§12.2: target id -> inspectors recused from it (conflicts in force on ``day``,
    rotation, custom exclusions)."""
    out: dict[str, set[str]] = {}
    for c in conflicts:
        if (c["valid_from"] is None or c["valid_from"] <= day) and (
                c["valid_until"] is None or day <= c["valid_until"]):
            out.setdefault(c["target_id"], set()).add(c["inspector_id"])
    for source in (previous, custom):
        for target, ids in source.items():
            out.setdefault(target, set()).update(ids)
    return out


def replay_teams(record: dict[str, Any], rows: list[dict[str, str]], args: Any,
                 compare: Any) -> None:
    """Spec §12: rebuild the eligibility, both phases and the experts; compare."""
    section, policy = record["teams"], record["teams"]["policy"]
    people = read_inspectors(args.inspectors)
    compare("inspector_directory", section["inspector_directory"],
            {"digest": lines_digest("inspector-directory", people), "size": len(people)})
    conflicts = read_conflicts(args.conflicts)
    compare("conflicts_digest", policy["conflicts_digest"],
            lines_digest("conflict-register", conflicts))
    previous = read_previous(args.previous)
    compare("previous_inspectors_digest", policy["previous_inspectors_digest"],
            "sha256:" + hashlib.sha256(canonical(dict(sorted(previous.items()))).encode())
            .hexdigest())
    items = {r["code"]: r for r in read_rows(args.items, ITEM_HEADERS)} if args.items else {}
    day, d, dept = policy["check_date"], policy["min_officers"], policy["leader_department"]
    officers = [p for p in people if p["status"] == "active" and not p["is_expert"]
                and p["credential_number"] and (p["credential_expiry"] is None
                                                or p["credential_expiry"] >= day)]
    by_id = {r["id"]: r for r in rows}
    targets = [by_id[i] for s in record["strata"] for i in s["selected"]]
    seed, purpose = record["seed"]["value"], record["purpose"]
    hash_name = record.get("hash", "sha256")

    barred = recusals(conflicts, previous, section["custom_exclusions"], day)
    by_place: dict[tuple[str, str], list[int]] = {}  # the mode pool depends on these only
    for t in targets:
        if (t["region"], t["supervising_office"]) not in by_place:
            by_place[t["region"], t["supervising_office"]] = [
                u for u, o in enumerate(officers) if allowed(policy["mode"], o, t)]
    modes = [by_place[t["region"], t["supervising_office"]] for t in targets]
    pools = [[u for u in mode if officers[u]["id"] not in barred.get(t["id"], ())]
             for mode, t in zip(modes, targets, strict=True)]
    limit = policy["cap"] if policy["cap"] is not None else max(len(targets), 1)
    labels = {kind: [f"{seed},{purpose},{kind}/{t['id']}" for t in targets]
              for kind in ("leader", "team", "group")}
    if policy.get("unit", "person") == "group":
        members, leader_of, group_of, reasons, fair = by_group(
            officers, modes, pools, d=d, dept=dept, labels=labels["group"], limit=limit,
            hash_name=hash_name)
    else:
        members, leader_of, group_of, reasons, fair = by_person(
            officers, modes, pools, d=d, dept=dept, labels=labels, limit=limit,
            hash_name=hash_name)
    experts = [p for p in people if p["is_expert"] and p["status"] == "active"]
    teams = []
    for k, team in sorted(members.items()):
        t = targets[k]
        needed: set[str] = set()
        for code in policy["items"]:
            types = {ENTITY_TYPES_BACK.get(x, x) for x in split(items[code]["entity_types"])}
            if t["entity_type"] in types:
                needed |= set(split(items[code].get("required_specialties", "")))
        needed -= {s for u in team for s in officers[u]["specialties"]}
        chosen: list[str] = []
        uncovered = sorted(needed)
        if needed and policy["add_experts"]:
            pool = [e for e in experts if set(e["specialties"]) & needed
                    and e["id"] not in barred.get(t["id"], ())]
            chosen, uncovered = expert_cover(needed, pool, f"{seed},{purpose},experts/{t['id']}",
                                             hash_name)
        teams.append({"target": t["id"], "officers": [officers[u]["id"] for u in team],
                      "leader": officers[leader_of[k]]["id"], "experts": chosen,
                      "uncovered": uncovered, **({"group": group_of[k]} if k in group_of
                                                 else {})})
    compare("teams", section["teams"], teams)
    compare("unstaffed targets", [u["target"] for u in section["unstaffed"]],
            [targets[k]["id"] for k in sorted(reasons)])
    compare("fair_share", section["fair_share"], str(fair))


# --- the record --------------------------------------------------------------------------

def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def check(record_path: str, directory_path: str, args: Any = None
          ) -> list[tuple[str, bool, str]]:
    """Every check as (name, passed, detail)."""
    with open(record_path, encoding="utf-8") as handle:
        record = json.load(handle)
    results: list[tuple[str, bool, str]] = []

    def compare(name: str, recorded: Any, computed: Any) -> None:
        results.append((name, recorded == computed,
                        "match" if recorded == computed else
                        f"recorded {recorded!r:.120} but computed {computed!r:.120}"))

    compare("spec_version", record.get("spec_version"), SPEC_VERSION)
    content = {k: v for k, v in record.items() if k != "record_digest"}
    compare("record_digest", record.get("record_digest"),
            "sha256:" + hashlib.sha256(canonical(content).encode()).hexdigest())
    rows = read_directory(directory_path)
    compare("directory_digest", record["directory"]["digest"], directory_digest(rows))
    compare("directory_size", record["directory"]["size"], len(rows))
    design, seed, purpose = record["design"], record["seed"]["value"], record["purpose"]
    hash_name = record.get("hash", "sha256")
    kept, counts = eligible_rows(rows, design)
    compare("eligibility", record["eligibility"], counts)
    strata = {c: [r["id"] for r in kept if r["risk_class"] == c] for c in CLASSES}
    pops = [len(strata[c]) for c in CLASSES]
    if design["kind"] == "stratified-by-risk":
        sizes, _ = stratified(design, pops)
    elif design["kind"] == "class-weighted":
        x = int.from_bytes(digest_function(hash_name)(f"{seed},{purpose},rounding,1".encode()),
                           "big")
        sizes = weighted(design, pops, Fraction(x, 2**256))
    else:
        raise UnusableInputError(f"unknown design kind {design['kind']!r}")
    recorded = {s["label"]: s for s in record["strata"]}
    for c, population, size in zip(CLASSES, pops, sizes, strict=True):
        mine = recorded.get(c, {})
        seed_string = f"{seed},{purpose},{c}"
        compare(f"stratum {c} population", mine.get("population"), population)
        compare(f"stratum {c} size", mine.get("size"), size)
        compare(f"stratum {c} seed_string", mine.get("seed_string"), seed_string)
        ids = strata[c]
        picked = (ids if size == population else
                  [ids[p - 1] for p in rivest(seed_string, population, size, hash_name)])
        compare(f"stratum {c} selection", mine.get("selected"), picked)
    if "teams" in record:
        if args is None or not args.inspectors:
            results.append(("teams", False, "the record has teams: pass --inspectors (and "
                                            "--items, --conflicts, --previous as used)"))
        else:
            replay_teams(record, rows, args, compare)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("record", help="audit record JSON")
    parser.add_argument("directory", help="target directory CSV the draw was made from")
    parser.add_argument("--inspectors", help="inspector directory CSV (records with teams)")
    parser.add_argument("--items", help="check-item list CSV (teams with items)")
    parser.add_argument("--conflicts", help="conflict register CSV")
    parser.add_argument("--previous", help="previous inspectors JSON {target: [ids]}")
    args = parser.parse_args(argv)
    try:
        results = check(args.record, args.directory, args)
    except (UnusableInputError, OSError, KeyError, ValueError) as error:
        print(f"verifier: cannot check: {error}", file=sys.stderr)
        return 2
    for name, passed, detail in results:
        print(f"{'ok  ' if passed else 'FAIL'} {name}: {detail}")
    failed = sum(not passed for _, passed, _ in results)
    print("VERIFIED" if not failed else f"NOT VERIFIED: {failed} check(s) failed")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())

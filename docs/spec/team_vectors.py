"""Independent computation of the `team_modes` vectors of draw spec 1.1 (§12, §13), written
from the spec text alone: Python 3.11 standard library only, no library code (the helpers
imported from allocation_vectors.py are this folder's own). Run:
python team_vectors.py > team_vectors.json

Each case is small and designed so that the greedy step of §12.4(b) fills every place: the
repair step §12.4(c)-(d) is not implemented, and the script asserts it is never needed
(as docs/spec/teams_vector.py does). The relaxed-problem cap of §12.4(a) is computed with a
small max-flow. "ASSUMPTION" marks the points listed in the report."""
import hashlib, itertools, json, math
from collections import deque
from fractions import Fraction

from allocation_vectors import uscc, rat, canonical_json, positions, seed_string, sorted_keys

SEED = "27182818284590452353"
CHECK_DATE = "2024-09-10"
INSPECTOR_FIELDS = ["id", "name", "department", "office", "office_area", "post", "credential_number",
                    "credential_expiry", "specialties", "is_expert", "status", "group"]
CONFLICT_GROUNDS = ["relative", "financial_interest", "former_employment", "other"]


# ---------------------------------------------------------------- §13 register digests
def register_digest(kind, entries):
    text = f"random-inspection/{kind}/v1\n" + "".join(canonical_json(e) + "\n" for e in entries)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def inspector(id, name, department, office="", office_area="", post="执法人员", credential_number="",
              credential_expiry=None, specialties=(), is_expert=False, status="active", group=""):
    """An inspector-directory entry exactly as §13.2 (lists sorted, empty expiry = null)."""
    return {"id": id, "name": name, "department": department, "office": office,
            "office_area": office_area, "post": post, "credential_number": credential_number,
            "credential_expiry": credential_expiry, "specialties": sorted(set(specialties)),
            "is_expert": is_expert, "status": status, "group": group}


def conflict(inspector_id, target_id, ground, valid_from=None, valid_until=None, note=""):
    return {"inspector_id": inspector_id, "target_id": target_id, "ground": ground,
            "valid_from": valid_from, "valid_until": valid_until, "note": note}


def item(code, name, legal_basis, department, kind="general", methods=(), required_specialties=(),
         entity_types=()):
    """A check-item entry as §13.3: empty kind = general, empty methods = on_site, empty
    entity types = enterprise, farmer_cooperative, individual_business; lists sorted."""
    return {"code": code, "name": name, "legal_basis": legal_basis, "department": department,
            "kind": kind or "general", "methods": sorted(set(methods or ["on_site"])),
            "required_specialties": sorted(set(required_specialties)),
            "entity_types": sorted(set(entity_types or ["enterprise", "farmer_cooperative",
                                                        "individual_business"]))}


def target(region, office, entity_type="enterprise", body="MA0000000"):
    prefix = {"enterprise": "91", "individual_business": "92", "farmer_cooperative": "93"}[entity_type]
    return {"id": uscc(prefix + region + body), "region": region, "supervising_office": office,
            "entity_type": entity_type}


# ---------------------------------------------------------------- §12.4(a) relaxed problem
def max_flow(demand, pools, room):
    """Bipartite flow: target t needs demand[t] distinct units of pools[t]; unit u can serve
    room[u] targets. Returns the total flow (augmenting paths, BFS)."""
    flow_tu = {(t, u): 0 for t in pools for u in pools[t]}
    used_t = {t: 0 for t in pools}
    used_u = {u: 0 for t in pools for u in pools[t]}
    total = 0
    while True:
        # BFS in the residual graph from the source over targets with spare demand
        parent, queue = {}, deque()
        for t in pools:
            if used_t[t] < demand[t]:
                parent[("t", t)] = None
                queue.append(("t", t))
        end = None
        while queue and end is None:
            kind, x = queue.popleft()
            if kind == "t":
                for u in pools[x]:
                    if flow_tu[(x, u)] == 0 and ("u", u) not in parent:
                        parent[("u", u)] = ("t", x)
                        if used_u[u] < room.get(u, 0):
                            end = ("u", u)
                            break
                        queue.append(("u", u))
            else:
                for t in pools:
                    if x in pools[t] and flow_tu[(t, x)] == 1 and ("t", t) not in parent:
                        parent[("t", t)] = ("u", x)
                        queue.append(("t", t))
        if end is None:
            return total
        node = end
        used_u[end[1]] += 1
        while parent[node] is not None:
            prev = parent[node]
            if node[0] == "u":
                flow_tu[(prev[1], node[1])] = 1
            else:
                flow_tu[(node[1], prev[1])] = 0
            node = prev
        used_t[node[1]] += 1
        total += 1


def phase(S, order, P, M, k, label, c, H, load, purpose):
    """One phase of §12.4 over units (officers or groups); returns (picks, final cap)."""
    # (a) least c in [c, H] at which the relaxed problem (mode pools M) can be filled
    while c < H:
        room = {u: max(0, c - load[u]) for t in S for u in M[t]}
        if max_flow({t: k for t in S}, {t: M[t] for t in S}, room) == k * len(S):
            break
        c += 1
    # (b) greedy, in decreasing pressure n_M/|M|, ties in draw order
    n_M = {}
    for t in S:
        n_M[frozenset(M[t])] = n_M.get(frozenset(M[t]), 0) + 1
    turn = sorted(S, key=lambda t: (-Fraction(n_M[frozenset(M[t])], len(M[t])), order.index(t)))
    picks = {t: [] for t in S}
    for t in turn:
        below = [u for u in P[t] if load[u] < c]           # A(t), fixed for the turn
        for p in positions("sha256", seed_string(SEED, purpose, f"{label}/{t}"), len(below),
                           min(k, len(below))):
            picks[t].append(below[p - 1])
            load[below[p - 1]] += 1
    assert all(len(picks[t]) == k for t in S), "repair (§12.4c) would be needed: not a greedy-only case"
    return picks, c, turn


# ---------------------------------------------------------------- §12 the whole team draw
def draw_teams(case):
    targets, policy, purpose = case["targets"], case["policy"], case["purpose"]
    day, d, D = policy["check_date"], policy["min_officers"], policy["leader_department"]
    order = [t["id"] for t in targets]
    tinfo = {t["id"]: t for t in targets}
    people = {i["id"]: i for i in case["inspectors"]}
    canonical_ids = sorted(people)
    # §12.1 officers
    officers = [u for u in canonical_ids if people[u]["status"] == "active" and not people[u]["is_expert"]
                and people[u]["credential_number"]
                and (people[u]["credential_expiry"] is None or people[u]["credential_expiry"] >= day)]
    in_force = {(c["target_id"], c["inspector_id"]): c["ground"] for c in case["conflicts"]
                if (c["valid_from"] is None or c["valid_from"] <= day)
                and (c["valid_until"] is None or day <= c["valid_until"])}
    previous = case["previous_inspectors"]
    rules = case["custom_rules"]                      # [{"name", "recuses": {target: [ids]}}]

    def allowed(u, t):                                # §12.2 the mode
        if policy["mode"] == "by_region":
            return bool(people[u]["office_area"]) and tinfo[t]["region"].startswith(people[u]["office_area"])
        if policy["mode"] == "cross_office":
            return not (people[u]["office"] and people[u]["office"] == tinfo[t]["supervising_office"])
        return True

    def ground(t, u):                                 # first ground that recuses u for t, or None
        if (t, u) in in_force:
            return "conflict:" + in_force[(t, u)]
        if u in previous.get(t, []):
            return "rotation"
        for rule in rules:
            if u in rule["recuses"].get(t, []):
                return "custom:" + rule["name"]
        return None

    mode_pool, E, exclusions, custom_ex = {}, {}, {}, {}
    for t in order:
        mode_pool[t] = [u for u in officers if allowed(u, t)]
        E[t] = []
        for u in mode_pool[t]:
            g = ground(t, u)
            if g is None:
                E[t].append(u)
            else:
                exclusions[g] = exclusions.get(g, 0) + 1
                if g.startswith("custom:"):
                    custom_ex.setdefault(g[7:], {}).setdefault(t, []).append(u)
        if policy["mode"] == "cross_office":
            exclusions["own_office"] = exclusions.get("own_office", 0) + len(officers) - len(mode_pool[t])
    H = policy["cap"] if policy["cap"] is not None else max(1, len(order))
    dept = {u: people[u]["department"] for u in canonical_ids}
    unstaffed, team_of, info = [], {}, {}

    if policy["unit"] == "person":
        S = []
        for t in order:
            if len(E[t]) < d:                         # ASSUMPTION: checked before the leader test
                unstaffed.append({"target": t, "reason": "too_few_officers", "eligible": len(E[t]), "needed": d})
            elif D is not None and not any(dept[u] == D for u in E[t]):
                unstaffed.append({"target": t, "reason": "no_leader_officer", "department": D})
            else:
                S.append(t)
        A = {u for t in S for u in E[t]}
        fair = Fraction(d * len(S), len(A)) if A else Fraction(0)
        c0 = min(max(1, math.ceil(fair)), H)
        load = {u: 0 for u in officers}
        if D is not None:
            lead, c1, turn1 = phase(S, order, {t: [u for u in E[t] if dept[u] == D] for t in S},
                                    {t: [u for u in mode_pool[t] if dept[u] == D] for t in S},
                                    1, "leader", c0, H, load, purpose)
            rest, c2, turn2 = phase(S, order, {t: [u for u in E[t] if u != lead[t][0]] for t in S},
                                    {t: mode_pool[t] for t in S}, d - 1, "team", c0, H, load, purpose)
            info = {"start_cap": c0, "phase_caps": [c1, c2], "greedy_turns": [turn1, turn2]}
            for t in S:
                team_of[t] = {"target": t, "officers": sorted(lead[t] + rest[t]), "leader": lead[t][0]}
        else:
            picks, c1, turn1 = phase(S, order, {t: E[t] for t in S}, {t: mode_pool[t] for t in S},
                                     d, "team", c0, H, load, purpose)
            info = {"start_cap": c0, "phase_caps": [c1], "greedy_turns": [turn1]}
            for t in S:
                team_of[t] = {"target": t, "officers": sorted(picks[t]), "leader": sorted(picks[t])[0]}
    else:                                             # §12.7 groups drawn as a unit
        groups = {}
        for u in officers:
            if people[u]["group"]:
                groups.setdefault(people[u]["group"], []).append(u)
        names = sorted(groups)
        usable = [g for g in names if len(groups[g]) >= d and (D is None or any(dept[u] == D for u in groups[g]))]
        M = {t: [g for g in usable if all(allowed(u, t) for u in groups[g])] for t in order}
        P = {t: [g for g in M[t] if all(ground(t, u) is None for u in groups[g])] for t in order}
        S = []
        for t in order:
            if not P[t]:
                unstaffed.append({"target": t, "reason": "no_eligible_group", "min_officers": d, "department": D})
            else:
                S.append(t)
        G = {g for t in S for g in P[t]}
        fair = Fraction(len(S), len(G)) if G else Fraction(0)
        c0 = min(max(1, math.ceil(fair)), H)
        load = {g: 0 for g in names}
        picks, c1, turn1 = phase(S, order, P, M, 1, "group", c0, H, load, purpose)
        # the other reading of "officers of the target's mode pool" in group mode: only the
        # officers of the groups of M(t) (ASSUMPTION: the person-level pool of §12.2 counts)
        alt = {}
        for t in order:
            for u in mode_pool[t]:
                if any(u in groups[g] for g in M[t]) and ground(t, u) is not None:
                    alt[ground(t, u)] = alt.get(ground(t, u), 0) + 1
        info = {"groups": {g: groups[g] for g in names}, "usable_groups": usable, "start_cap": c0,
                "phase_caps": [c1], "greedy_turns": [turn1],
                "exclusions_if_only_officers_of_the_groups_of_M_count": {k: alt[k] for k in sorted(alt)}}
        for t in S:
            g = picks[t][0]
            of_D = [u for u in groups[g] if D is not None and dept[u] == D]
            team_of[t] = {"target": t, "officers": list(groups[g]),
                          "leader": (of_D or groups[g])[0], "group": g}

    # §12.6 experts
    items = {i["code"]: i for i in case["check_items"]}
    for t in order:
        if t not in team_of:
            continue
        team = team_of[t]
        needed = {s for code in policy["items"] for s in items[code]["required_specialties"]
                  if tinfo[t]["entity_type"] in items[code]["entity_types"]}
        needed -= {s for u in team["officers"] for s in people[u]["specialties"]}
        team["experts"], team["uncovered"] = [], sorted(needed)
        if not policy["add_experts"]:
            continue
        candidates = []
        for x in canonical_ids:
            p = people[x]
            if not (p["is_expert"] and p["status"] == "active" and needed & set(p["specialties"])):
                continue
            g = ground(t, x)
            if g is None:
                candidates.append(x)
            elif g.startswith("custom:"):             # a candidate but for the rule
                custom_ex.setdefault(g[7:], {}).setdefault(t, []).append(x)
        spec = {x: set(people[x]["specialties"]) for x in candidates}
        for size in (1, 2, 3):
            covers = [combo for combo in itertools.combinations(candidates, size)
                      if needed <= set().union(*(spec[x] for x in combo))]
            if covers:
                pick = positions("sha256", seed_string(SEED, purpose, f"experts/{t}"), len(covers), 1)[0]
                team["experts"], team["uncovered"] = list(covers[pick - 1]), []
                info.setdefault("expert_covers", {})[t] = {"size": size, "covers": covers, "position": pick}
                break
        else:
            chosen, left = [], set(needed)
            while True:
                gains = [(len(spec[x] & left), x) for x in candidates if x not in chosen]
                best = max(gains, key=lambda g: g[0], default=(0, None))  # max keeps the first on ties
                if best[0] == 0:
                    break
                chosen.append(best[1])
                left -= spec[best[1]]
            team["experts"], team["uncovered"] = sorted(chosen), sorted(left)

    teams = [sorted_keys(team_of[t]) for t in order if t in team_of]
    in_teams = [u for team in teams for u in team["officers"]]
    return {
        "inspector_directory": {"digest": register_digest("inspector-directory", sorted(case["inspectors"], key=lambda i: i["id"])),
                                "size": len(case["inspectors"])},
        "conflicts_digest": policy["conflicts_digest"],
        "previous_inspectors_digest": policy["previous_inspectors_digest"],
        "items_digest": policy["items_digest"],
        "teams": teams,
        "unstaffed": [sorted_keys(u) for u in unstaffed],
        "fair_share": rat(fair),
        "cap": max((in_teams.count(u) for u in set(in_teams)), default=0),
        "exclusions": {k: exclusions[k] for k in sorted(exclusions)},
        "custom_exclusions": {r: {t: sorted(custom_ex[r][t]) for t in sorted(custom_ex[r])}
                              for r in sorted(custom_ex)},
        "informational": info,
    }


def make_case(description, purpose, targets, inspectors, conflicts, previous, check_items, custom_rules,
              mode, unit="person", min_officers=2, leader_department=None, cap=None, items=(),
              add_experts=True):
    previous = {t: sorted(set(v)) for t, v in previous.items()}
    conflicts = sorted(conflicts, key=lambda c: (c["inspector_id"], c["target_id"]))
    by_code = {i["code"]: i for i in check_items}
    policy = {"check_date": CHECK_DATE, "mode": mode, "unit": unit, "min_officers": min_officers,
              "leader_department": leader_department, "cap": cap, "items": list(items),
              "add_experts": add_experts, "custom_rules": [r["name"] for r in custom_rules],
              "conflicts_digest": register_digest("conflict-register", conflicts),
              "previous_inspectors_digest": "sha256:" + hashlib.sha256(canonical_json(previous).encode("utf-8")).hexdigest(),
              # ASSUMPTION: with no item the digest is that of the header line alone
              "items_digest": register_digest("check-item-list", sorted((by_code[c] for c in items), key=lambda i: i["code"]))}
    case = {"description": description, "seed": SEED, "purpose": purpose, "hash": "sha256",
            "targets": targets, "inspectors": inspectors, "conflicts": conflicts,
            "previous_inspectors": previous, "check_items": check_items,
            "custom_rules": custom_rules, "policy": sorted_keys(policy)}
    case["expected"] = draw_teams(case)
    return case


# ---------------------------------------------------------------- the four cases
def case_by_region():
    T = [target("140921", "晋昌市场监督管理所", body="MA0BR0001"),
         target("140902", "新建路市场监督管理所", body="MA0BR0002"),
         target("140921", "河边市场监督管理所", body="MA0BR0003"),
         target("140981", "城区市场监督管理所", body="MA0BR0004"),
         target("140921", "宏道市场监督管理所", body="MA0BR0005"),
         target("140902", "长征街市场监督管理所", body="MA0BR0006"),
         target("141002", "解放路市场监督管理所", body="MA0BR0007")]
    t = [x["id"] for x in T]
    city, dx, xf = "忻州市市场监督管理局", "定襄县市场监督管理局", "忻州市忻府区市场监督管理局"
    I = [inspector("ZF101", "王建国", city, "执法稽查科", "1409", "科长", "14090101", "2027-12-31"),
         inspector("ZF102", "李红", dx, "晋昌市场监督管理所", "140921", "所长", "14092102", None),
         inspector("ZF103", "张伟", dx, "河边市场监督管理所", "140921", credential_number="14092103"),
         inspector("ZF104", "刘洋", dx, "晋昌市场监督管理所", "140921", credential_number="14092104",
                   credential_expiry="2024-09-09"),                       # expired the day before
         inspector("ZF105", "陈静", xf, "新建路市场监督管理所", "140902", credential_number="14090205"),
         inspector("ZF106", "杨帆", xf, "长征街市场监督管理所", "140902", credential_number="14090206"),
         inspector("ZF107", "赵磊", city, "法规科", "", credential_number="14090107"),   # no area
         inspector("ZF108", "黄敏", dx, "宏道市场监督管理所", "140921", credential_number="14092108",
                   status="transferred"),
         inspector("ZF109", "周强", dx, "", "140921", "高级工程师", is_expert=True, specialties=["特种设备"]),
         inspector("ZF110", "吴丽", dx, "宏道市场监督管理所", "140921", credential_number="14092110",
                   credential_expiry=CHECK_DATE),                         # expires on the check date
         inspector("ZF111", "郑军", "原平市市场监督管理局", "城区市场监督管理所", "140981",
                   credential_number="14098111", status="retired"),       # not active
         inspector("ZF113", "孙婷", dx, "晋昌市场监督管理所", "140921", credential_number="14092113"),
         inspector("ZF114", "朱琳", dx, "河边市场监督管理所", "140921", credential_number="14092114"),
         inspector("ZF115", "胡军", dx, "宏道市场监督管理所", "140921", credential_number="14092115"),
         inspector("ZF116", "高峰", dx, "受禄市场监督管理所", "140921", credential_number="14092116")]
    C = [conflict("ZF102", t[2], "relative", "2023-01-01", None, "配偶任该企业监事"),
         conflict("ZF103", t[0], "financial_interest", "2023-01-01", "2024-06-30", "已转让股份"),  # ended
         conflict("ZF105", t[6], "other", None, None)]                   # outside the mode pool
    prev = {t[1]: ["ZF105"], t[4]: ["ZF107"]}                             # ZF107 outside the mode pool
    return make_case("by_region, d = 2, no leader department, no items: office areas 1409 (city), "
                     "140921 and 140902; ten officers are eligible for the five staffable targets, so "
                     "the fair share is 1, but the two 140902 targets share a mode pool of three "
                     "officers (ZF101, ZF105, ZF106): the relaxed problem raises the cap to 2, and their "
                     "pool's pressure 2/3 puts them before the 140921 targets (3/8) in the greedy; target 4 (140981) has "
                     "only the city officer (too_few_officers, 1 of 2), target 7 (141002) none; a "
                     "conflict that ended before the check date; a conflict and a rotation entry for "
                     "officers outside the mode pool (not counted)",
                     "2024/忻州市/spec-teams-by-region", T, I, C, prev, [], [], "by_region")


def case_cross_office():
    offices = ["晋昌市场监督管理所", "河边市场监督管理所", "宏道市场监督管理所", "", "晋昌市场监督管理所",
               "受禄市场监督管理所"]
    T = [target("140921", o, body=f"MA0CX000{k + 1}") for k, o in enumerate(offices)]
    t = [x["id"] for x in T]
    dx, ny, wj = "定襄县市场监督管理局", "定襄县农业农村局", "定襄县卫生健康局"
    I = [inspector("ZF201", "马超", dx, "晋昌市场监督管理所", credential_number="14092201"),
         inspector("ZF202", "胡斌", dx, "晋昌市场监督管理所", credential_number="14092202"),
         inspector("ZF203", "郭芳", dx, "河边市场监督管理所", credential_number="14092203"),
         inspector("ZF204", "何勇", dx, "宏道市场监督管理所", credential_number="14092204",
                   specialties=["食品安全"]),
         inspector("ZF205", "高洁", dx, "", "", "副局长", "14092205"),
         inspector("ZF206", "林涛", ny, "农业综合行政执法队", credential_number="14092206",
                   specialties=["农产品质量安全"]),
         inspector("ZF207", "罗敏", ny, "农业综合行政执法队", credential_number="14092207"),
         inspector("ZF208", "梁军", dx, "河边市场监督管理所", credential_number="14092208", status="retired"),
         inspector("ZF209", "宋佳", wj, "卫生监督所", credential_number="14092209"),
         inspector("ZF210", "谢鹏", wj, "卫生监督所", credential_number="14092210")]
    C = [conflict("ZF203", t[0], "former_employment", "2020-03-01", None, "曾任该企业质检员"),
         conflict("ZF201", t[1], "relative"),                             # also a rotation entry
         conflict("ZF202", t[0], "other"),                                # own office: outside the pool
         conflict("ZF203", t[4], "financial_interest")]
    prev = {t[1]: ["ZF201"], t[2]: ["ZF206", "ZF201"], t[3]: ["ZF203"], t[4]: ["ZF204"]}
    rules = [{"name": "本村籍回避", "recuses": {t[3]: ["ZF203", "ZF205"], t[0]: ["ZF201"], t[4]: ["ZF205"]}},
             {"name": "专项任务借调", "recuses": {t[3]: ["ZF205"], t[5]: ["ZF209"]}}]
    items = [item("SXSJ-B01", "食品经营者落实食品安全主体责任情况检查", "《中华人民共和国食品安全法》第一百一十条",
                  dx, "key", ["on_site"], ["食品安全"], [])]
    return make_case("cross_office (所所交叉), d = 3, leader department 定襄县市场监督管理局, two custom "
                     "rules, add_experts false: own-office exclusions counted over all selected targets "
                     "(an empty supervising office excludes nobody); target 5 keeps 3 officers but none "
                     "of the leader department (no_leader_officer); a conflict that is also a rotation "
                     "entry counts as conflict; custom recusals of officers already excluded or outside "
                     "the mode pool are not recorded",
                     "2024/忻州市/spec-teams-cross-office", T, I, C, prev, items, rules, "cross_office",
                     min_officers=3, leader_department=dx, items=["SXSJ-B01"], add_experts=False)


def case_groups():
    T = [target("140902", "新建路市场监督管理所", body=f"MA0GR000{k}") for k in range(1, 6)]
    t = [x["id"] for x in T]
    xf, ny = "忻州市忻府区市场监督管理局", "忻州市忻府区农业农村局"
    I = [inspector("ZF301", "曹阳", xf, credential_number="14090301", group="第一组"),
         inspector("ZF302", "许诺", ny, credential_number="14090302", group="第一组"),
         inspector("ZF303", "邓超", ny, credential_number="14090303", group="第二组"),
         inspector("ZF304", "冯雪", xf, credential_number="14090304", group="第二组"),
         inspector("ZF305", "韩梅", xf, credential_number="14090305", group="第二组", specialties=["特种设备"]),
         inspector("ZF306", "彭亮", xf, credential_number="14090306", group="第三组"),
         inspector("ZF307", "曾琳", xf, credential_number="14090307", group="第三组"),
         inspector("ZF308", "蔡明", xf, credential_number="14090308", group="第四组"),
         inspector("ZF309", "潘婷", xf, credential_number="14090309", credential_expiry="2024-08-31",
                   group="第四组"),                                       # expired: 第四组 has 1 officer
         inspector("ZF310", "田野", ny, credential_number="14090310", group="第五组"),
         inspector("ZF311", "董洁", ny, credential_number="14090311", group="第五组"),  # no officer of D
         inspector("ZF312", "袁博", xf, credential_number="14090312"),     # in no group
         inspector("ZF313", "于海", xf, "", "", "高级工程师", "", None, ["特种设备"], True, "active", "第三组"),
         inspector("ZJ301", "钱坤", "山西省特种设备检验研究院", "", "", "检验师", "", None, ["特种设备"], True)]
    C = [conflict("ZF302", t[1], "relative"),
         conflict("ZF308", t[2], "other"),            # officer of the unusable 第四组
         conflict("ZF301", t[4], "financial_interest")]
    prev = {t[3]: ["ZF304", "ZF306"], t[4]: ["ZF303", "ZF307"]}
    items = [item("SXSJ-C01", "特种设备使用单位监督检查", "《中华人民共和国特种设备安全法》第五十七条",
                  "忻州市市场监督管理局", "key", ["on_site", "written"], ["特种设备"], ["enterprise"])]
    return make_case("unit group, whole pool, d = 2, leader department 忻州市忻府区市场监督管理局: five "
                     "groups in code-point order 第一组, 第三组, 第二组, 第五组, 第四组; 第四组 unusable "
                     "(one officer: the other's credential expired), 第五组 unusable (no officer of the "
                     "leader department); 第二组's leader is its second officer (first of the department); "
                     "target 5 has every usable group recused (no_eligible_group); experts: two "
                     "candidates (an expert with a group field is not an officer)",
                     "2024/忻州市/spec-teams-groups", T, I, C, prev, items, [], "whole_pool",
                     unit="group", leader_department=xf, items=["SXSJ-C01"])


def case_experts():
    T = [target("140921", "晋昌市场监督管理所", body="MA0EX0001"),
         target("140921", "河边市场监督管理所", body="MA0EX0002"),
         target("140921", "晋昌市场监督管理所", "individual_business", body="MA0EX0003"),
         {**target("140921", "宏道市场监督管理所", body="MA0EX0004"), "entity_type": "product"},
         target("140921", "宏道市场监督管理所", body="MA0EX0005")]
    t = [x["id"] for x in T]
    dx, inst = "定襄县市场监督管理局", "忻州市检验检测中心"
    I = [inspector("ZF401", "蒋华", dx, "晋昌市场监督管理所", credential_number="14092401"),
         inspector("ZF402", "沈冰", dx, "河边市场监督管理所", credential_number="14092402", specialties=["食品安全"]),
         inspector("ZF403", "韦东", dx, "宏道市场监督管理所", credential_number="14092403", specialties=["价格监督"]),
         inspector("ZF404", "秦岚", dx, "晋昌市场监督管理所", credential_number="14092404"),
         inspector("ZF405", "尤勇", dx, "河边市场监督管理所", credential_number="14092405"),
         inspector("ZF406", "施云", dx, "宏道市场监督管理所", credential_number="14092406"),
         inspector("ZJ401", "孔亮", inst, post="工程师", specialties=["食品安全"], is_expert=True),
         inspector("ZJ402", "曹操", inst, post="工程师", specialties=["特种设备"], is_expert=True),
         inspector("ZJ403", "严明", inst, post="高级工程师", specialties=["食品安全", "特种设备"], is_expert=True),
         inspector("ZJ404", "华青", inst, post="高级工程师", specialties=["特种设备", "食品安全", "广告监测"], is_expert=True),
         inspector("ZJ405", "金石", inst, post="工程师", specialties=["食品安全"], is_expert=True, status="retired"),
         inspector("ZJ406", "魏然", inst, post="工程师", specialties=["特种设备"], is_expert=True),
         inspector("ZJ407", "陶然", inst, post="工程师", specialties=["知识产权"], is_expert=True)]
    C = [conflict("ZJ403", t[1], "other", note="曾为该企业提供检测服务"),
         conflict("ZF405", t[3], "relative", "2024-10-01", None)]        # not yet in force
    prev = {t[1]: ["ZJ404", "ZF406"], t[2]: ["ZF402"]}
    rules = [{"name": "利害关系申报", "recuses": {t[2]: ["ZJ401"], t[0]: ["ZF401"]}}]
    items = [item("SXSJ-D01", "食品生产经营监督检查", "《中华人民共和国食品安全法》第一百一十条", dx, "key",
                  [], ["食品安全"], []),
             item("SXSJ-D02", "特种设备安全监督检查", "《中华人民共和国特种设备安全法》第五十七条", dx, "",
                  ["written", "on_site"], ["特种设备"], ["enterprise"]),
             item("SXSJ-D03", "计量器具监督检查", "《中华人民共和国计量法》第十八条", dx, "general",
                  ["laboratory_testing", "on_site"], ["计量"], ["individual_business"]),
             item("SXSJ-D04", "广告发布监督检查", "《中华人民共和国广告法》第四十九条", dx, "general",
                  ["online_monitoring"], ["广告监测"], [])]                # not in the policy
    return make_case("whole pool, d = 2, cap 3, items SXSJ-D03, SXSJ-D01, SXSJ-D02 (as given; SXSJ-D04 "
                     "listed but not in the policy): enterprises need 食品安全 and 特种设备 minus their "
                     "officers' specialties; target 2 has ZJ403 in conflict and ZJ404 in rotation, so its "
                     "cover takes two experts; target 3 (individual business) needs 计量, which no expert "
                     "has (greedy, uncovered), ZF402 (食品安全) is in rotation for it and a custom rule recuses ZJ401 for it; target 4 is a "
                     "product (no item applies); ZJ405 is retired; ZJ407 has no needed specialty",
                     "2024/忻州市/spec-teams-experts", T, I, C, prev, items, rules, "whole_pool",
                     cap=3, items=["SXSJ-D03", "SXSJ-D01", "SXSJ-D02"])


if __name__ == "__main__":
    print(json.dumps({"team_modes": [case_by_region(), case_cross_office(), case_groups(), case_experts()]},
                     ensure_ascii=False, indent=1))

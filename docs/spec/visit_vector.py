"""Independent computation of the `visits` vector of draw spec 1.1 (§12.10-12.12), written from
the spec text alone: Python 3.11 standard library only, plain hashlib, no library code (the
helpers imported from allocation_vectors.py and team_vectors.py are this folder's own).
Run: python docs/spec/visit_vector.py [--write]
(--write puts the result into vectors.json under "visits"; without it, it is printed).

A small county task drawn by a higher level and executed by the county bureau of 定襄县
(`executing_level: county`, L = 6), cross-office (所所交叉), d = 2, leader department the
county bureau, with a city expert institute and one city officer widened in. The targets are
the whole directory, one risk class drawn whole (a certainty stratum: no stream is read), so
their draw order is the canonical order by id. `section` is the record's complete `teams`
section (§12.8); `informational` shows the steps. Like team_vectors.py, the case is built so
that the greedy step of §12.4(b) fills every place (the script asserts the repair step
§12.4(c)-(d) is never needed)."""
import hashlib, itertools, json, math, pathlib, sys
from fractions import Fraction

from allocation_vectors import rat, canonical_json, positions, seed_string, sorted_keys
from team_vectors import inspector, conflict, item, register_digest, max_flow, target

HERE = pathlib.Path(__file__).with_name("vectors.json")
SEED = "16180339887498948482"
PURPOSE = "2024/忻州市/spec-visits"
HASH = "sha256"
CHECK_DATE = "2024-10-15"
LEVEL_LENGTH = {"city": 4, "county": 6}                       # §12.11
GROUNDS = ["relative", "financial_interest", "former_employment", "other"]

DX = "定襄县市场监督管理局"          # the executing county bureau (region 140921)
CITY = "忻州市市场监督管理局"        # the city bureau (office area 1409)
XF = "忻州市忻府区市场监督管理局"    # another county of the city (140902)
INST = "忻州市特种设备检验研究所"    # a city institute: experts without an office area

# ---------------------------------------------------------------- inputs
A = {**target("140902", "城关市场监督管理所", body="MA0FW0001"), "name": "忻府区某商贸有限公司"}
B = {**target("140921", "晋昌市场监督管理所", body="MA0FW0002"), "name": "定襄县某法兰有限公司"}
D = {**target("140921", "宏道市场监督管理所", body="MA0FW0003"), "name": "定襄县某食品有限公司"}
C = {**target("140921", "河边市场监督管理所", body="MA0FW0004"), "name": "定襄县某锻造有限公司"}
TARGETS = sorted([A, B, C, D], key=lambda t: t["id"].encode())     # draw order = canonical order
assert [t["id"] for t in TARGETS] == [A["id"], B["id"], D["id"], C["id"]]

INSPECTORS = [
    inspector("ZF501", "白雪", DX, "晋昌市场监督管理所", "140921", credential_number="14092501"),
    inspector("ZF502", "常青", DX, "河边市场监督管理所", "140921", credential_number="14092502"),
    inspector("ZF503", "段宏", DX, "宏道市场监督管理所", "140921", credential_number="14092503"),
    inspector("ZF504", "范文", DX, "受禄市场监督管理所", "140921100", credential_number="14092504",
              specialties=["食品安全"]),                           # a township office area
    inspector("ZF505", "葛亮", DX, "城关市场监督管理所", "140921", credential_number="14092505"),
    inspector("ZF506", "侯勇", CITY, "执法稽查科", "1409", "科长", "14090506"),  # city: left out
    inspector("ZF507", "贾敏", CITY, "法规科", "1409", credential_number="14090507"),  # widened in
    inspector("ZF508", "康宁", XF, "城关市场监督管理所", "140902", credential_number="14090508"),
    inspector("ZJ501", "雷鸣", INST, "", "", "工程师", specialties=["特种设备"], is_expert=True),
    inspector("ZJ502", "毛毅", INST, "", "", "高级工程师", specialties=["特种设备", "食品安全"],
              is_expert=True),
    inspector("ZJ503", "聂飞", CITY, "特种设备安全监察科", "1409", "工程师",
              specialties=["特种设备"], is_expert=True),            # city expert: left out
    inspector("ZJ504", "欧阳", DX, "", "140921", "工程师", specialties=["食品安全"], is_expert=True),
    inspector("ZJ505", "潘越", INST, "", "", "工程师", specialties=["特种设备"], is_expert=True),
]
CONFLICTS = sorted([conflict("ZF504", B["id"], "relative", note="配偶任该企业财务"),
                    conflict("ZF506", B["id"], "other")],          # outside the bureau: not counted
                   key=lambda c: (c["inspector_id"], c["target_id"]))
PREVIOUS = {C["id"]: ["ZF503"]}                                     # last year's check of C
RULES = [{"name": "本地回避", "recuses": {B["id"]: ["ZF507"], D["id"]: ["ZJ502"]}}]
ITEMS = [item("SXSJ-F01", "食品生产经营监督检查", "《中华人民共和国食品安全法》第一百一十条", DX, "key",
              [], ["食品安全"], []),
         item("SXSJ-F02", "特种设备安全监督检查", "《中华人民共和国特种设备安全法》第五十七条", DX, "key",
              ["on_site"], ["特种设备"], ["enterprise"])]
# §12.10: C's earlier visit this year had ZF502 (outside C's cross-office pool: not counted),
# ZF503 (also last year's inspector: counted as rotation), ZF505 and the expert ZJ502
EARLIER = {C["id"]: sorted(["ZF502", "ZF503", "ZF505", "ZJ502"])}
# §12.12: D is due a visit from an earlier task; its team inspects this task's items too
FIRST_TASK = "2024/忻州市/spec-visits-first"
JOINED_GIVEN = [{"target": D["id"],
                 "visit_of": {"purpose": FIRST_TASK,
                              "record_digest": "sha256:" + hashlib.sha256(
                                  "visit_vector.py: the first task's record".encode()).hexdigest()},
                 "officers": ["ZF501", "ZF504"], "leader": "ZF501", "inherited_experts": ["ZJ504"]}]

POLICY = sorted_keys({
    "check_date": CHECK_DATE, "mode": "cross_office", "unit": "person", "min_officers": 2,
    "leader_department": DX, "cap": None, "items": ["SXSJ-F01", "SXSJ-F02"], "add_experts": True,
    "custom_rules": [r["name"] for r in RULES],
    "conflicts_digest": register_digest("conflict-register", CONFLICTS),
    "previous_inspectors_digest": "sha256:" + hashlib.sha256(
        canonical_json(PREVIOUS).encode("utf-8")).hexdigest(),
    "items_digest": register_digest("check-item-list", sorted(ITEMS, key=lambda i: i["code"])),
    "executing_level": "county", "widened_departments": [INST], "widened_inspectors": ["ZF507"]})


# ---------------------------------------------------------------- §12 with §12.10-12.12
def stream_label(kind, t):
    return seed_string(SEED, PURPOSE, f"{kind}/{t}")


def draw():
    people = {p["id"]: p for p in INSPECTORS}
    ids = sorted(people)                                              # canonical order
    info = {}
    # §12.1 officers on the check date
    officers = [u for u in ids if people[u]["status"] == "active" and not people[u]["is_expert"]
                and people[u]["credential_number"]
                and (people[u]["credential_expiry"] is None or people[u]["credential_expiry"] >= CHECK_DATE)]
    tinfo = {t["id"]: t for t in TARGETS}
    order = [t["id"] for t in TARGETS]
    joined = {j["target"]: j for j in JOINED_GIVEN}
    L = LEVEL_LENGTH[POLICY["executing_level"]]

    def of_bureau(u, t):                                              # §12.11
        area = people[u]["office_area"]
        return (len(area) >= L and area.startswith(tinfo[t]["region"][:L])) \
            or people[u]["department"] in POLICY["widened_departments"] \
            or u in POLICY["widened_inspectors"]

    def mode_allows(u, t):                                            # §12.2 cross_office
        return not (people[u]["office"] and people[u]["office"] == tinfo[t]["supervising_office"])

    in_force = {(c["target_id"], c["inspector_id"]): c["ground"] for c in CONFLICTS
                if (c["valid_from"] is None or c["valid_from"] <= CHECK_DATE)
                and (c["valid_until"] is None or CHECK_DATE <= c["valid_until"])}

    def ground(t, u):                  # the first ground of §12.8's order that recuses u for t
        if (t, u) in in_force:
            return "conflict:" + in_force[(t, u)]
        if u in PREVIOUS.get(t, []):
            return "rotation"
        if u in EARLIER.get(t, []):
            return "rotation_year"
        for rule in RULES:
            if u in rule["recuses"].get(t, []):
                return "custom:" + rule["name"]
        return None

    # §12.2: joined targets take no part
    drawn = [t for t in order if t not in joined]
    bureau, M, E, exclusions, custom = {}, {}, {}, {}, {}
    for t in drawn:
        bureau[t] = [u for u in officers if of_bureau(u, t)]
        M[t] = [u for u in bureau[t] if mode_allows(u, t)]
        exclusions["own_office"] = exclusions.get("own_office", 0) + len(bureau[t]) - len(M[t])
        E[t] = []
        for u in M[t]:
            g = ground(t, u)
            if g is None:
                E[t].append(u)
                continue
            exclusions[g] = exclusions.get(g, 0) + 1
            if g.startswith("custom:"):
                custom.setdefault(g[len("custom:"):], {}).setdefault(t, []).append(u)
    info["officers_of_the_bureau"] = bureau
    info["mode_pools"] = M
    info["eligible"] = E
    d, dept = POLICY["min_officers"], POLICY["leader_department"]
    unstaffed, S = [], []
    for t in drawn:
        if len(E[t]) < d:
            unstaffed.append({"target": t, "reason": "too_few_officers", "eligible": len(E[t]), "needed": d})
        elif dept is not None and not any(people[u]["department"] == dept for u in E[t]):
            unstaffed.append({"target": t, "reason": "no_leader_officer", "department": dept})
        else:
            S.append(t)
    # §12.3: H counts every selected target (without a policy cap H >= |S|, so whether the
    # joined ones are counted changes nothing)
    H = POLICY["cap"] if POLICY["cap"] is not None else max(1, len(order))
    A_ = {u for t in S for u in E[t]}
    fair = Fraction(d * len(S), len(A_)) if A_ else Fraction(0)
    c0 = min(max(1, math.ceil(fair)), H)
    load = {u: 0 for u in officers}

    def phase(P, Mp, k, kind, c):
        while c < H:                                                  # (a) the relaxed problem
            room = {u: max(0, c - load[u]) for t in S for u in Mp[t]}
            if max_flow({t: k for t in S}, {t: Mp[t] for t in S}, room) == k * len(S):
                break
            c += 1
        n_M = {}
        for t in S:
            n_M[frozenset(Mp[t])] = n_M.get(frozenset(Mp[t]), 0) + 1
        turn = sorted(S, key=lambda t: (-Fraction(n_M[frozenset(Mp[t])], len(Mp[t])), order.index(t)))
        picks = {t: [] for t in S}
        for t in turn:                                                # (b) greedy
            below = [u for u in P[t] if load[u] < c]
            for p in positions(HASH, stream_label(kind, t), len(below), min(k, len(below))):
                picks[t].append(below[p - 1])
                load[below[p - 1]] += 1
        assert all(len(picks[t]) == k for t in S), "repair (§12.4c) would be needed"
        return picks, c, turn

    of_D = lambda pool: [u for u in pool if people[u]["department"] == dept]
    leaders, c1, turn1 = phase({t: of_D(E[t]) for t in S}, {t: of_D(M[t]) for t in S}, 1, "leader", c0)
    rest, c2, turn2 = phase({t: [u for u in E[t] if u != leaders[t][0]] for t in S},
                            {t: M[t] for t in S}, d - 1, "team", c0)
    info.update({"fair_share": rat(fair), "H": H, "start_cap": c0, "phase_caps": [c1, c2],
                 "greedy_turns": [turn1, turn2]})
    teams = {t: {"target": t, "officers": sorted(leaders[t] + rest[t]), "leader": leaders[t][0]}
             for t in S}

    # §12.6, and §12.12 for joined targets
    items = {i["code"]: i for i in ITEMS}

    def needed_of(t, team_people):
        need = {s for code in POLICY["items"] for s in items[code]["required_specialties"]
                if tinfo[t]["entity_type"] in items[code]["entity_types"]}
        return need - {s for u in team_people if u in people for s in people[u]["specialties"]}

    def experts_for(t, needed, team_people):
        if not needed or not POLICY["add_experts"]:
            return [], sorted(needed)
        candidates = []
        for x in ids:
            p = people[x]
            if not (p["is_expert"] and p["status"] == "active" and needed & set(p["specialties"])):
                continue
            if (t, x) in in_force or x in PREVIOUS.get(t, []) or x in EARLIER.get(t, []) \
                    or x in team_people or not of_bureau(x, t):
                continue
            rule = next((r["name"] for r in RULES if x in r["recuses"].get(t, [])), None)
            if rule is None:
                candidates.append(x)
            else:                                      # a candidate but for the rule (§12.8)
                custom.setdefault(rule, {}).setdefault(t, []).append(x)
        spec = {x: set(people[x]["specialties"]) for x in candidates}
        for size in (1, 2, 3):
            covers = [list(combo) for combo in itertools.combinations(candidates, size)
                      if needed <= set().union(*(spec[x] for x in combo))]
            if covers:
                pick = positions(HASH, stream_label("experts", t), len(covers), 1)[0]
                info.setdefault("expert_covers", {})[t] = {
                    "needed": sorted(needed), "candidates": candidates, "size": size,
                    "covers": covers, "position": pick}
                return covers[pick - 1], []
        raise AssertionError("a greedy cover: not in this vector")

    for t in S:
        team = teams[t]
        team["experts"], team["uncovered"] = experts_for(
            t, needed_of(t, team["officers"]), set(team["officers"]))
    joined_out = []
    for t in order:
        if t in joined:
            j = joined[t]
            mine = set(j["officers"]) | set(j["inherited_experts"])
            experts, uncovered = experts_for(t, needed_of(t, mine), mine)
            joined_out.append(sorted_keys({**j, "experts": experts, "uncovered": uncovered}))

    in_teams = [u for t in S for u in teams[t]["officers"]]
    section = {
        "policy": POLICY,
        "inspector_directory": {"digest": register_digest("inspector-directory", sorted(INSPECTORS, key=lambda i: i["id"])),
                                "size": len(INSPECTORS)},
        "fair_share": rat(fair),
        "cap": max((in_teams.count(u) for u in set(in_teams)), default=0),
        "exclusions": {k: exclusions[k] for k in sorted(exclusions)},
        "custom_exclusions": {r: {t: sorted(custom[r][t]) for t in sorted(custom[r])} for r in sorted(custom)},
        "teams": [sorted_keys(teams[t]) for t in order if t in teams],
        "unstaffed": [sorted_keys(u) for u in unstaffed],
        "earlier_visits": {t: EARLIER[t] for t in sorted(EARLIER)},
        "joined": joined_out,
    }
    return sorted_keys(section), info


def vector():
    section, info = draw()
    return {"visits": {
        "description": "executing_level county (L = 6), cross_office, d = 2, leader department "
                       "定襄县市场监督管理局, four targets drawn whole (draw order = canonical order). "
                       "(a) the city officer ZF506 (office area 1409) and the city expert ZJ503 are "
                       "left out, the city officer ZF507 is widened in by id and the institute's "
                       "experts ZJ501, ZJ502, ZJ505 (no office area) by department; own_office counts "
                       "only officers of the bureau (定襄's ZF505 of a 城关 office is not counted for "
                       "忻府区's 城关 target: 3, not 4); ZF506's conflict is not counted. (b) the 河边 "
                       "target's earlier visit this year had ZF502 (outside its pool), ZF503 (last "
                       "year's inspector too: rotation), ZF505 (rotation_year) and the expert ZJ502 "
                       "(not a candidate). (c) the 宏道 target joins the first task's visit: its "
                       "officers and inherited expert ZJ504 lack 特种设备, so an expert is added from "
                       "ZJ501 and ZJ505 (ZJ502 recused by a custom rule, recorded). The 忻府区 target "
                       "has only ZF507 left (ZF508 is of its own 城关 office): too_few_officers.",
        "seed": SEED, "purpose": PURPOSE, "hash": HASH,
        "targets": [sorted_keys(t) for t in TARGETS],
        "risk_class": "B",
        "inspectors": INSPECTORS, "conflicts": CONFLICTS, "previous_inspectors": PREVIOUS,
        "check_items": ITEMS, "custom_rules": RULES,
        "earlier_visits": EARLIER, "joined": JOINED_GIVEN,
        "section": section, "informational": info}}


if __name__ == "__main__":
    result = vector()
    if "--write" in sys.argv[1:]:
        vectors = json.loads(HERE.read_text(encoding="utf-8"))
        vectors.update(result)
        HERE.write_text(json.dumps(vectors, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        print(json.dumps(result, ensure_ascii=False, indent=1))

"""Independent computation of the §12 teams vector in vectors.json, written from the spec
text alone (plain hashlib; no library code). Run: python docs/spec/teams_vector.py"""
import hashlib, json, math, pathlib
from fractions import Fraction

SEED, PURPOSE = "31415926535897932384", "spec-v1/example"
# draw order of the stratified vector's sample: strata A, B, C, D, U, each in its draw order
V = json.load(open(pathlib.Path(__file__).with_name("vectors.json"), encoding="utf-8"))["stratified"]
targets = [i for c in "ABCDU" for i in V["expected"][c]]
DAY = "2024-06-03"
inspectors = [  # id, department, credential number, credential expiry
    ("ZF001", "甲局", "14090001", "2026-12-31"), ("ZF002", "乙局", "14090002", ""),
    ("ZF003", "甲局", "14090003", "2024-06-03"), ("ZF004", "乙局", "14090004", "2025-01-31"),
    ("ZF005", "乙局", "14090005", ""), ("ZF006", "甲局", "14090006", "2024-06-02")]
# §12.1: a credential number, and an expiry that is empty or not before the check date
officers = [(i, dep) for i, dep, number, expiry in inspectors if number and (not expiry or expiry >= DAY)]
conflicts = {(targets[1], "ZF003")}          # a declared conflict in force
previous = {targets[3]: ["ZF001", "ZF002"]}   # rotation
D, d = "甲局", 2

def positions(label, n, size):
    out, i = [], 0
    while len(out) < size:
        i += 1
        x = int(hashlib.sha256(f"{SEED},{PURPOSE},{label},{i}".encode()).hexdigest(), 16) % n + 1
        if x not in out:
            out.append(x)
    return out

ids = [o for o, _ in officers]
E = {t: [u for u in ids if (t, u) not in conflicts and u not in previous.get(t, [])] for t in targets}
S = list(targets)  # all staffable: >= 2 eligible and one of D each
assert all(len(E[t]) >= d and any(dict(officers)[u] == D for u in E[t]) for t in S)
A = {u for t in S for u in E[t]}
fair = Fraction(d * len(S), len(A))
H = len(targets)
c0 = min(max(1, math.ceil(fair)), H)
load = {u: 0 for u in ids}

def phase(P, M, k, label, c):
    # (a) relaxed problem: one mode pool for all (whole pool) -> fits iff k*|S| <= sum(room)
    #     and k <= |M| (each target takes k distinct officers; officer at most |S| per group)
    while True:
        room = sum(max(0, min(c - load[u], len(S))) for u in M)
        if k * len(S) <= room or c >= H:
            break
        c += 1
    team = {t: [] for t in S}
    for t in S:  # (b) one mode pool: equal pressure, so draw order
        below = [u for u in P[t] if load[u] < c]
        for p in positions(f"{label}/{t}", len(below), min(k, len(below))):
            team[t].append(below[p - 1]); load[below[p - 1]] += 1
    assert all(len(team[t]) == k for t in S), "repair would be needed: not a greedy-only vector"
    return team, c

lead_mode = [u for u in ids if dict(officers)[u] == D]
leaders, c1 = phase({t: [u for u in E[t] if u in lead_mode] for t in S}, lead_mode, 1, "leader", c0)
rest, c2 = phase({t: [u for u in E[t] if u != leaders[t][0]] for t in S}, ids, d - 1, "team", c0)
teams = [{"target": t, "officers": sorted(leaders[t] + rest[t]), "leader": leaders[t][0]} for t in S]
print(json.dumps({"check_date": DAY, "leader_department": D, "min_officers": d,
                  "inspectors": [dict(zip(("id", "department", "credential_number",
                                           "credential_expiry"), row)) for row in inspectors],
                  "conflicts": sorted([u, t] for t, u in conflicts), "previous": previous,
                  "fair_share": str(fair), "phase_caps": [c1, c2],
                  "cap": max(load.values()), "teams": teams}, ensure_ascii=False, indent=1))

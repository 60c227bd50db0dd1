"""Independent computation of the §12.9 `substitutes` vector in vectors.json, written from the
spec text alone (plain hashlib; no library code). The record is the `teams` vector's (its
seed, purpose, registers, policy and drawn teams; whole pool, leader department 甲局, no
custom rules, no experts). Run: python docs/spec/substitute_vector.py [--write]
(--write puts the result into vectors.json; without it, it is printed)."""
import hashlib, json, pathlib, sys

HERE = pathlib.Path(__file__).with_name("vectors.json")
V = json.loads(HERE.read_text(encoding="utf-8"))["teams"]
SEED, PURPOSE, DAY, D = V["seed"], V["purpose"], V["check_date"], V["leader_department"]
# §12.1: officers (all six are active and not experts): a credential number and an expiry
# that is empty or not before the check date; canonical order by id
officers = sorted((p["id"], p["department"]) for p in V["inspectors"]
                  if p["credential_number"] and (not p["credential_expiry"] or p["credential_expiry"] >= DAY))
department = dict(officers)
conflicts = {(t, i) for i, t in V["conflicts"]}   # in force: no dates
previous = V["previous"]
teams = {t["target"]: {"officers": list(t["officers"]), "leader": t["leader"], "ever": set(t["officers"]), "k": 0}
         for t in V["teams"]}
T = [t["target"] for t in V["teams"]]  # in draw order


def first_position(label, n):
    """§4: X_1 mod n + 1 of seed_string(label)."""
    x = int(hashlib.sha256(f"{SEED},{PURPOSE},{label},1".encode()).hexdigest(), 16)
    return x % n + 1


def substitute(t, leaving):
    team = teams[t]
    assert leaving in team["officers"]                    # §12.9.3
    k = team["k"] + 1                                     # §12.9.2
    pool = [u for u, dep in officers                      # §12.9.4 (whole pool: the mode allows all)
            if (t, u) not in conflicts and u not in previous.get(t, []) and u not in team["ever"]
            and (leaving != team["leader"] or dep == D)]
    label = f"substitute/{t}/{k}"
    out = {"target": t, "leaving": leaving, "k": k, "label": label, "pool": pool}
    if not pool:                                          # §12.9.5: nothing drawn, k not used
        return {**out, "position": None, "substitute": None, "officers": sorted(team["officers"]),
                "leader": team["leader"]}
    p = first_position(label, len(pool))
    chosen = pool[p - 1]
    led = leaving == team["leader"]                       # §12.9.6, with a leader department
    team["officers"].remove(leaving)
    team["officers"].append(chosen)
    team["ever"].add(chosen)
    team["k"] = k
    if led:
        team["leader"] = chosen
    return {**out, "position": p, "substitute": chosen, "officers": sorted(team["officers"]),
            "leader": team["leader"]}


steps = [substitute(T[2], "ZF005")]                       # not the leader: any officer outside the team
steps.append(substitute(T[2], steps[0]["substitute"]))    # k = 2: ZF005 and the first substitute are out
steps.append(substitute(T[0], "ZF001"))                   # the leader: only officers of 甲局
steps.append(substitute(T[1], "ZF001"))                   # the leader, but ZF003 has a conflict: nobody
steps.append(substitute(T[1], "ZF002"))                   # k = 1 still; ZF003 out by the conflict
steps.append(substitute(T[3], "ZF005"))                   # ZF001 and ZF002 out by rotation
result = {"substitutes": {"record": "the teams vector's record", "steps": steps}}
if "--write" in sys.argv[1:]:
    vectors = json.loads(HERE.read_text(encoding="utf-8"))
    vectors.update(result)
    HERE.write_text(json.dumps(vectors, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
else:
    print(json.dumps(result, ensure_ascii=False, indent=1))

"""Make the spec 1 records of this folder with the library as it was before spec 1.1.

    git worktree add --detach /tmp/spec1 dd18f59
    python tests/data/spec1/make_records.py tests/data/spec1 /tmp/spec1/src
"""
import sys, datetime as dt, json
sys.path.insert(0, sys.argv[2])  # src/ of a checkout of commit dd18f59
from pathlib import Path
import random_inspection
assert random_inspection.__file__.startswith(sys.argv[2])
from random_inspection import *
from random_inspection.demo import demo_city
out = Path(sys.argv[1])
city = demo_city(n_targets=2000, n_officers=40)
city.targets.to_csv(out / "directory.csv")
city.inspectors.to_csv(out / "inspectors.csv")
city.check_items.to_csv(out / "items.csv")
SEED = "27182818284590452353"
ids = list(city.targets.ids)
# stratified: floor scaling, a minimum, a maximum cutting a rate-1 class, rate-0 class, exclusions
d1 = StratifiedByRisk(rates={"A": "1/100", "B": "1/50", "D": "1"}, minimums={"C": 3}, maximums={"D": 5},
                      floor="1/20", exclude_checked_since="2023-09-01",
                      excluded_ids={"drawn by 2024/province/1": ids[:40], "out_of_scope": ids[40:45]})
s1 = draw_targets(city.targets, d1, seed=SEED, purpose="spec1/stratified")
(out / "stratified.json").write_text(s1.record.to_json(), encoding="utf-8")
# class-weighted: an empty class with positive weight, capping, rounding
d2 = ClassWeighted(total=40, weights={"A": "1", "B": "2", "C": "30", "D": "60", "U": "1"},
                   scope={"entity_types": ["enterprise"], "risk_classes": ["A", "B", "C", "D"]})
s2 = draw_targets(city.targets, d2, seed=SEED, purpose="spec1/weighted")
(out / "weighted.json").write_text(s2.record.to_json(), encoding="utf-8")
# all capped
d3 = ClassWeighted(total=0, floor="1", weights={"C": "1", "D": "3"},
                   scope={"entity_types": ["enterprise"], "risk_classes": ["C", "D"]})
s3 = draw_targets(city.targets, d3, seed=SEED, purpose="spec1/all-capped")
(out / "all_capped.json").write_text(s3.record.to_json(), encoding="utf-8")
# teams: cross office, leader department, conflicts, rotation, a hard cap that leaves targets unstaffed
day = dt.date(2024, 6, 3)
officers = [i for i in city.inspectors if i.counts_as_officer(day)]
sel = s1.selected_ids
conflicts = ConflictRegister([Conflict(inspector_id=officers[0].id, target_id=sel[0], ground=ConflictGround.RELATIVE),
                              Conflict(inspector_id=officers[1].id, target_id=sel[1], ground=ConflictGround.OTHER)])
conflicts.to_csv(out / "conflicts.csv")
previous = {sel[2]: [officers[2].id, officers[3].id]}
(out / "previous.json").write_text(json.dumps(previous), encoding="utf-8")
dept = officers[0].department
policy = TeamPolicy(check_date=day, mode="cross_office", leader_department=dept, cap=3,
                    conflicts=conflicts, previous_inspectors=previous,
                    items=city.check_items.require(["SJ05", "SJ07"]))
a = assign_inspectors(s1, city.inspectors, policy)
print("unstaffed", len(a.unstaffed), set(u.reason[:20] for u in a.unstaffed), a.exclusions)
(out / "teams.json").write_text(a.record.to_json(), encoding="utf-8")
pol2 = TeamPolicy(check_date=day, mode="by_region", unit="group", min_officers=2)
a2 = assign_inspectors(s2, city.inspectors, pol2)
print("groups unstaffed", len(a2.unstaffed), len(a2.teams))
(out / "groups.json").write_text(a2.record.to_json(), encoding="utf-8")
for name in ("stratified", "weighted", "all_capped"):
    print(name, json.loads((out / f"{name}.json").read_text())["allocation"]["adjustments"])

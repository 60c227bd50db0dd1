"""Inspector teams: recusal, credentials and size always hold; exact staffing; replay."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from _stats import chi2_quantile_999, corrected_statistic
from random_inspection import (
    AuditRecord,
    CheckItemList,
    Conflict,
    ConflictGround,
    ConflictRegister,
    CustomRule,
    DrawMode,
    EntityType,
    FileFormatError,
    Inspector,
    InspectorDirectory,
    InvalidValueError,
    Sample,
    StratifiedByRisk,
    Target,
    TargetDirectory,
    TeamPolicy,
    UnknownIdError,
    assign_inspectors,
    draw_targets,
    verify,
)
from random_inspection._canonical import canonical_digest, canonical_json
from random_inspection.demo import DemoCity
from random_inspection.registry._identifiers import uscc_check_character
from random_inspection.strategies import inspector_directories, target_directories, team_policies

ALL = StratifiedByRisk(rates=dict.fromkeys("ABCDU", "1"), floor="0", scope={"entity_types": []})
DAY = dt.date(2024, 6, 1)
SEED = "31415926535897932384"


def _everything(directory: TargetDirectory, purpose: str = "teams") -> Sample:
    return draw_targets(directory, ALL, seed=SEED, purpose=purpose)


def _eligible(target: Target, officers: list[Inspector], policy: TeamPolicy) -> list[str]:
    """Who may inspect ``target``: written out directly from the rules, not the library."""
    conflicts = policy.conflicts.for_target(target.id, policy.check_date)
    previous = policy.rotation.get(target.id, frozenset())
    out = []
    for o in officers:
        if not o.counts_as_officer(policy.check_date) or o.id in conflicts or o.id in previous:
            continue
        if policy.mode is DrawMode.BY_REGION and not (
                o.office_area and target.region.startswith(o.office_area)):
            continue
        if policy.mode is DrawMode.CROSS_OFFICE and o.office \
                and o.office == target.supervising_office:
            continue
        out.append(o.id)
    return out


@st.composite
def cases(draw: st.DrawFn, max_targets: int = 6, max_inspectors: int = 8
          ) -> tuple[TargetDirectory, InspectorDirectory, TeamPolicy]:
    """A small directory, inspectors with credentials, and a policy over them."""
    targets = draw(target_directories(min_size=1, max_size=max_targets))
    inspectors = draw(inspector_directories(min_size=2, max_size=max_inspectors,
                                            experts=draw(st.sampled_from([False, None])),
                                            valid_on=DAY))
    policy = draw(team_policies(inspectors=inspectors, targets=targets, check_date=DAY))
    return targets, inspectors, policy


@given(cases())
def test_teams_never_break_the_rules(case: tuple[TargetDirectory, InspectorDirectory,
                                                  TeamPolicy]) -> None:
    """Every team: enough distinct eligible officers, a leader of the department, no recused
    officer, no expired credential; every other target is reported with a reason."""
    targets, inspectors, policy = case
    assignment = assign_inspectors(_everything(targets), inspectors, policy)
    officers = list(inspectors)
    for team in assignment.teams:
        target = targets[team.target_id]
        allowed = set(_eligible(target, officers, policy))
        assert len(set(team.officers)) == len(team.officers) >= policy.min_officers
        assert set(team.officers) <= allowed
        assert team.leader in team.officers
        if policy.leader_department:
            assert inspectors[team.leader].department == policy.leader_department
        if policy.cap is not None:
            assert max(assignment.loads().values()) <= policy.cap
    staffed = {t.target_id for t in assignment.teams}
    reported = {u.target_id for u in assignment.unstaffed}
    assert staffed | reported == set(targets.ids.tolist())
    assert not staffed & reported
    assert all(u.reason for u in assignment.unstaffed)


def _feasible_loads(pools: list[list[str]], d: int) -> int | None:
    """Brute force: the least possible maximum load staffing every pool, or None."""
    best = None
    for choice in itertools.product(*(itertools.combinations(p, d) for p in pools)):
        worst = max(Counter(o for team in choice for o in team).values(), default=0)
        best = worst if best is None else min(best, worst)
    return best


@settings(max_examples=200)
@given(cases(max_targets=4, max_inspectors=6))
def test_staffing_is_exact_on_small_cases(case: tuple[TargetDirectory, InspectorDirectory,
                                                       TeamPolicy]) -> None:
    """Without a leader rule: if all targets with enough eligible officers can be staffed
    together within the cap, all are; and the largest load is the least possible."""
    targets, inspectors, policy = case
    policy = TeamPolicy(check_date=policy.check_date, mode=policy.mode, cap=policy.cap,
                        min_officers=2, conflicts=policy.conflicts,
                        previous_inspectors=dict(policy.rotation))
    officers = list(inspectors)
    pools = {t.id: _eligible(t, officers, policy) for t in targets}
    staffable = [p for p in pools.values() if len(p) >= 2]
    assume(sum(len(list(itertools.combinations(p, 2))) for p in staffable) <= 40)
    least = _feasible_loads(staffable, 2)
    assignment = assign_inspectors(_everything(targets), inspectors, policy)
    staffed = {t.target_id for t in assignment.teams}
    assert staffed <= {i for i, p in pools.items() if len(p) >= 2}
    if least is not None and (policy.cap is None or least <= policy.cap):
        assert len(staffed) == len(staffable)
        if staffed:
            assert max(assignment.loads().values()) == least


def _city_like(n_targets: int, officers: list[Inspector]) -> tuple[TargetDirectory,
                                                                    InspectorDirectory]:
    records = []
    for k in range(n_targets):
        body = f"91140921MA{k:07d}"
        records.append(Target(id=body + uscc_check_character(body), name=f"企业{k}",
                              entity_type=EntityType.ENTERPRISE, region="140921",
                              supervising_office="城区所"))
    return TargetDirectory.from_records(records), InspectorDirectory(officers)


def _officer(k: int, **kw: object) -> Inspector:
    return Inspector(id=f"XZ{k:03d}", name=f"王{k}", department=str(kw.pop("department", "县局")),
                     credential_number=f"1409{k:04d}", credential_expiry=dt.date(2030, 1, 1),
                     **kw)  # type: ignore[arg-type]


def test_unconstrained_choice_is_uniform() -> None:
    """With nothing binding, every eligible officer is equally likely (400 fixed seeds; the
    (1−π)-corrected statistic against χ² at 0.999: false-alarm rate 0.1 %)."""
    targets, inspectors = _city_like(1, [_officer(k) for k in range(6)])
    policy = TeamPolicy(check_date=DAY)
    counts: Counter[str] = Counter()
    runs = 400
    for k in range(runs):
        sample = draw_targets(targets, ALL, seed=f"{k:020d}", purpose="uniform")
        counts.update(assign_inspectors(sample, inspectors, policy).teams[0].officers)
    observed = [counts[i.id] for i in inspectors]
    assert sum(observed) == 2 * runs
    assert corrected_statistic(observed, [2 / 6] * 6, runs) < chi2_quantile_999(5)
    skewed = [0.5, 0.5, 0.25, 0.25, 0.25, 0.25]  # power: a wrong π is rejected
    assert corrected_statistic(observed, skewed, runs) > chi2_quantile_999(5)


def test_infeasible_targets_are_reported_with_reasons() -> None:
    """Too few officers after recusal, no leader, and a hard cap each give their reason."""
    officers = [_officer(0), _officer(1), _officer(2, department="市局")]
    targets, inspectors = _city_like(3, officers)
    ids = targets.ids.tolist()
    conflicts = ConflictRegister([
        Conflict(inspector_id="XZ000", target_id=ids[0], ground=ConflictGround.RELATIVE),
        Conflict(inspector_id="XZ001", target_id=ids[0], ground=ConflictGround.OTHER)])
    sample = _everything(targets)
    short = assign_inspectors(sample, inspectors, TeamPolicy(check_date=DAY,
                                                             conflicts=conflicts))
    assert {u.target_id: u.reason[:7] for u in short.unstaffed} == {ids[0]: "only 1 "}
    capped = assign_inspectors(sample, inspectors, TeamPolicy(check_date=DAY, cap=1))
    assert len(capped.teams) == 1
    assert all(u.reason.startswith("capacity") for u in capped.unstaffed)
    led = assign_inspectors(sample, inspectors, TeamPolicy(check_date=DAY,
                                                           leader_department="市局"))
    assert all(t.leader == "XZ002" for t in led.teams)
    assert max(led.loads().values()) == 3  # the only leader is forced to lead all three


def test_fair_share_when_nothing_forces_more(small_city: DemoCity) -> None:
    """Whole pool: nobody gets more than the fair share rounded up."""
    sample = draw_targets(small_city.targets, StratifiedByRisk.from_preset("henan-2021"),
                          seed=SEED, purpose="fair")
    assignment = assign_inspectors(sample, small_city.inspectors, TeamPolicy(check_date=DAY))
    assert not assignment.unstaffed
    assert max(assignment.loads().values()) <= -(-assignment.fair_share // 1)


def test_experts_cover_missing_specialties(small_city: DemoCity) -> None:
    """Items needing 特种设备 get an expert who covers it unless an officer does."""
    items = small_city.check_items.require(["SJ07"])
    sample = draw_targets(small_city.targets, StratifiedByRisk.from_preset("henan-2021"),
                          seed=SEED, purpose="experts")
    assignment = assign_inspectors(sample, small_city.inspectors,
                                   TeamPolicy(check_date=DAY, items=items))
    for team in assignment.teams:
        covered = set().union(*(small_city.inspectors[i].specialties
                                for i in team.officers + team.experts))
        assert "特种设备" in covered
        assert all(small_city.inspectors[e].is_expert for e in team.experts)
        assert not team.uncovered
    none = assign_inspectors(sample, small_city.inspectors,
                             TeamPolicy(check_date=DAY, items=items, add_experts=False))
    assert any(t.uncovered == ("特种设备",) for t in none.teams)


def test_replay_and_tampering(small_city: DemoCity) -> None:
    """verify replays the teams; a changed team, or a recused officer slipped in, fails."""
    sample = draw_targets(small_city.targets, StratifiedByRisk.from_preset("henan-2021"),
                          seed=SEED, purpose="replay")
    first = sample.selected_ids[0]
    policy = TeamPolicy(check_date=DAY, mode="cross_office",
                        custom_rules=[CustomRule("same surname", lambda o, _t: o.name[0] == "王")])
    assignment = assign_inspectors(sample, small_city.inspectors, policy)
    team = assignment.team_of(first)
    assert team is not None
    assert team.target_id == first
    assert assignment.team_of("91110000600037341L") is None
    text = assignment.record.to_json()
    kwargs = {"inspectors": small_city.inspectors, "policy": policy}
    assert verify(AuditRecord.from_json(text), small_city.targets, **kwargs).ok
    needs = verify(AuditRecord.from_json(text), small_city.targets)
    assert needs.verdict == "cannot check"  # the teams need the registers
    assert [c.needs for c in needs.failures] == ["inspectors"]
    record = json.loads(text)
    assert record["teams"]["custom_exclusions"]["same surname"]  # by rule, then target
    recorded = TeamPolicy.from_record(record["teams"]["policy"],
                                      custom_exclusions=record["teams"]["custom_exclusions"])
    assert verify(AuditRecord.from_json(text), small_city.targets,
                  inspectors=small_city.inspectors, policy=recorded).ok  # rules as data
    wang = next(i.id for i in small_city.inspectors.officers_on(DAY) if i.name[0] == "王")
    record["teams"]["teams"][0]["officers"][0] = wang
    content = {k: v for k, v in record.items() if k != "record_digest"}
    record["record_digest"] = canonical_digest(content)
    report = verify(AuditRecord.from_json(canonical_json(record)), small_city.targets, **kwargs)
    assert {"recusal", "teams teams"} <= {c.name for c in report.failures}
    assert record["teams"]["teams"][0]["target"] == first


def test_policy_and_register_errors(small_city: DemoCity, tmp_path: Path) -> None:
    """Bad policies and unknown ids are refused, listing every unknown id at once."""
    with pytest.raises(InvalidValueError, match="min_officers"):
        TeamPolicy(check_date=DAY, min_officers=1)
    with pytest.raises(InvalidValueError, match="cap"):
        TeamPolicy(check_date=DAY, cap=0)
    with pytest.raises(InvalidValueError, match="check_date"):
        TeamPolicy(check_date="2024-06-01")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="previous_inspectors"):
        TeamPolicy(check_date=DAY, previous_inspectors={"91110000600037341L": "XZ00001"})
    with pytest.raises(InvalidValueError, match="previous_inspectors"):
        TeamPolicy(check_date=DAY, previous_inspectors=[("91110000600037341L", "XZ1")])  # type: ignore[arg-type]
    rotated = TeamPolicy(check_date=DAY, previous_inspectors={"91110000600037341l": ["B", "A"]})
    evolved = attrs.evolve(rotated, cap=3)  # the stored form converts again
    assert evolved.rotation == {"91110000600037341L": frozenset({"A", "B"})}
    assert evolved.cap == 3
    conflicts = ConflictRegister([
        Conflict(inspector_id="NOBODY", target_id="91110000600037341L",
                 ground=ConflictGround.FINANCIAL_INTEREST)])
    sample = draw_targets(small_city.targets, StratifiedByRisk.from_preset("henan-2021"),
                          seed=SEED, purpose="errors")
    with pytest.raises(UnknownIdError) as info:
        assign_inspectors(sample, small_city.inspectors,
                          TeamPolicy(check_date=DAY, conflicts=conflicts))
    assert set(info.value.ids) == {"inspector NOBODY", "target 91110000600037341L"}
    path = tmp_path / "c.csv"
    path.write_text("人员编号,统一社会信用代码,回避事由,起始日期,截止日期\n"
                    "XZ00001,91110000600037341L,近亲属关系,2024-01-01,2023-01-01\n",
                    encoding="utf-8")
    with pytest.raises(FileFormatError, match="line 2.*valid_until"):
        ConflictRegister.from_csv(path)


def test_conflict_register_round_trip(tmp_path: Path) -> None:
    """Conflicts survive CSV with Chinese headers; validity windows apply by date."""
    c = Conflict(inspector_id="XZ1", target_id="91110000600037341l",
                 ground=ConflictGround.FORMER_EMPLOYMENT, valid_from=dt.date(2024, 1, 1),
                 valid_until=dt.date(2024, 12, 31), note="曾任该企业会计")
    register = ConflictRegister([c])
    register.to_csv(tmp_path / "c.csv", headers="chinese", encoding="gb18030")
    assert ConflictRegister.from_csv(tmp_path / "c.csv") == register
    assert register.for_target("91110000600037341L", dt.date(2024, 6, 1)) == {
        "XZ1": ConflictGround.FORMER_EMPLOYMENT}
    assert register.for_target("91110000600037341L", dt.date(2025, 1, 1)) == {}


def _stdlib_verdict(directory: TargetDirectory, inspectors: InspectorDirectory,
                    policy: TeamPolicy, assignment: Any, items: CheckItemList | None = None
                    ) -> list[tuple[str, str]]:
    """The standalone verifier's failed checks, given the registers as files."""
    import argparse  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from random_inspection import verifier  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        directory.to_csv(base / "d.csv")
        inspectors.to_csv(base / "i.csv", headers="chinese")
        policy.conflicts.to_csv(base / "c.csv")
        if items is not None:
            items.to_csv(base / "items.csv")
        (base / "p.json").write_text(json.dumps(policy.rotation and {
            t: sorted(ids) for t, ids in policy.rotation.items()}), encoding="utf-8")
        (base / "r.json").write_text(assignment.record.to_json(), encoding="utf-8")
        args = argparse.Namespace(inspectors=str(base / "i.csv"),
                                  item_list=None if items is None else str(base / "items.csv"),
                                  conflicts=str(base / "c.csv"), previous=str(base / "p.json"))
        results = verifier.check(str(base / "r.json"), str(base / "d.csv"), args)
    return [(name, detail) for name, status, detail in results if status != "ok"]


@pytest.mark.parametrize("setting", [
    # mode, leader department, cap, cap raised above the fair share, capacity failures
    ("by_region", "city", None, True, False),   # leaders, then the rest; repairs succeed
    ("by_region", None, None, True, False),
    ("by_region", "city", 25, True, True),      # a hard cap: failed searches, capacity
    ("whole_pool", "county", 12, False, True),  # a cap below the fair share
    ("cross_office", None, None, False, False),
])
def test_stdlib_verifier_agrees_where_caps_bind(
        small_city: DemoCity, setting: tuple[str, str | None, int | None, bool, bool]) -> None:
    """On 453 targets and 50 officers — pressure on the pools, repairs, failed searches,
    leaders, experts — the standalone verifier replays every team and unstaffed target."""
    mode, leader, cap, raised, capacity_failures = setting
    sample = draw_targets(small_city.targets,
                          StratifiedByRisk(rates=dict.fromkeys("ABCDU", "3/20"), floor="0",
                                           scope={"entity_types": []}),
                          seed=SEED, purpose="agree")
    officers = small_city.inspectors.officers_on(DAY)
    departments = Counter(o.department for o in officers)
    dept = {"city": next(d for d in departments if d.startswith("忻州市")),
            "county": departments.most_common(1)[0][0], None: None}[leader]
    ids, people = sample.selected_ids, [o.id for o in officers]
    policy = TeamPolicy(
        check_date=DAY, mode=mode, leader_department=dept, cap=cap,
        conflicts=ConflictRegister(
            Conflict(inspector_id=people[7 * k % len(people)], target_id=ids[13 * k % len(ids)],
                     ground=ConflictGround.OTHER) for k in range(40)),
        previous_inspectors={ids[k]: [people[5 * k % len(people)],
                                      people[(11 * k + 3) % len(people)]]
                             for k in range(0, len(ids), 3)},
        items=small_city.check_items.require(["SJ07"]))
    assignment = assign_inspectors(sample, small_city.inspectors, policy)
    assert len(ids) == 453
    assert any(t.experts for t in assignment.teams)
    assert (assignment.cap > -(-assignment.fair_share // 1)) == raised  # pools under pressure
    assert any(u.reason.startswith("capacity") for u in assignment.unstaffed) \
        == capacity_failures
    assert not _stdlib_verdict(small_city.targets, small_city.inspectors, policy, assignment,
                               small_city.check_items)


@given(cases(max_targets=5, max_inspectors=8))
def test_stdlib_verifier_reproduces_teams(case: tuple[TargetDirectory, InspectorDirectory,
                                                       TeamPolicy]) -> None:
    """The standalone verifier replays every team, given the same registers as files."""
    targets, inspectors, policy = case
    assignment = assign_inspectors(_everything(targets), inspectors, policy)
    assert not _stdlib_verdict(targets, inspectors, policy, assignment)


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collector_setting_is_restored(small_city: DemoCity, enabled: bool) -> None:
    """Team formation pauses the cyclic garbage collector and gives the caller's setting
    back, also when a custom rule raises inside."""
    import gc  # noqa: PLC0415

    def broken(officer: Inspector, target: Target) -> bool:
        raise RuntimeError("the caller's rule failed")

    sample = draw_targets(small_city.targets, StratifiedByRisk.from_preset("henan-2021"),
                          seed=SEED, purpose="gc")
    before = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assign_inspectors(sample, small_city.inspectors, TeamPolicy(check_date=DAY))
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError, match="rule failed"):
            assign_inspectors(sample, small_city.inspectors, TeamPolicy(
                check_date=DAY, custom_rules=[CustomRule("broken", broken)]))
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if before else gc.disable)()


@settings(max_examples=150)
@given(cases(max_targets=5, max_inspectors=8))
def test_groups_are_drawn_whole_and_exactly(case: tuple[TargetDirectory, InspectorDirectory,
                                                        TeamPolicy]) -> None:
    """unit="group": a team is exactly one group's officers, none recused or outside the
    mode; if every target with an eligible group can have one within the cap, all do, with
    the least possible largest load (brute force)."""
    targets, inspectors, policy = case
    policy = attrs.evolve(policy, unit="group", leader_department=None)
    officers = list(inspectors)
    valid = [o for o in officers if o.counts_as_officer(policy.check_date)]
    groups = {g: sorted(o.id for o in valid if o.group == g) for g in {o.group for o in valid}
              if g}
    pools = {}
    for target in targets:
        allowed = set(_eligible(target, officers, policy))
        pools[target.id] = [g for g, ids in sorted(groups.items())
                            if len(ids) >= policy.min_officers and set(ids) <= allowed]
    assignment = assign_inspectors(_everything(targets), inspectors, policy)
    for team in assignment.teams:
        assert team.group in pools[team.target_id]
        assert list(team.officers) == groups[team.group]
        assert team.leader == team.officers[0]
    staffable = [p for p in pools.values() if p]
    least = None
    for choice in itertools.product(*staffable):
        worst = max(Counter(choice).values(), default=0)
        least = worst if least is None else min(least, worst)
    if least is not None and (policy.cap is None or least <= policy.cap):
        assert len(assignment.teams) == len(staffable)
        if staffable:
            assert max(Counter(t.group for t in assignment.teams).values()) == least
    assert {u.target_id for u in assignment.unstaffed} >= {t for t, p in pools.items() if not p}


def test_groups_agree_with_the_stdlib_verifier(small_city: DemoCity) -> None:
    """Groups of two or three officers of one office, by region, led by the city
    department, under a binding cap: the standalone verifier replays every team."""
    officers = sorted(small_city.inspectors, key=lambda o: (o.office, o.id))
    grouped = InspectorDirectory(attrs.evolve(o, group=f"{o.office}-{k // 3}")
                                 for k, o in enumerate(officers))
    sample = draw_targets(small_city.targets,
                          StratifiedByRisk(rates=dict.fromkeys("ABCDU", "1/20"), floor="0",
                                           scope={"entity_types": []}),
                          seed=SEED, purpose="groups")
    ids = sample.selected_ids
    policy = TeamPolicy(
        check_date=DAY, mode="by_region", unit="group", cap=6,
        previous_inspectors={ids[k]: [officers[5 * k % len(officers)].id]
                             for k in range(0, len(ids), 4)})
    assignment = assign_inspectors(sample, grouped, policy)
    assert assignment.teams
    assert any(u.reason.startswith("capacity") for u in assignment.unstaffed)
    assert all(len({grouped[o].group for o in t.officers}) == 1 for t in assignment.teams)
    assert verify(assignment.record, small_city.targets, inspectors=grouped, policy=policy).ok
    assert not _stdlib_verdict(small_city.targets, grouped, policy, assignment)

"""The year's visits: one team per visit (1+X), rotation across the year, and the executing
county bureau's officers (spec §12.10–12.13)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import defaultdict
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings

from random_inspection import InvalidValueError, verifier
from random_inspection.assignment import (
    JoinedVisit,
    TeamPolicy,
    assign_inspectors,
    draw_substitute,
)
from random_inspection.audit import FolderReport, verify, verify_folder
from random_inspection.audit._year import year_problems
from random_inspection.demo import CITY_NAME, DemoCity, demo_city, demo_plan
from random_inspection.planning import AnnualPlan, PlanCheckError, PlanRun, Task, run_plan
from random_inspection.registry import (
    EntityType,
    Inspector,
    InspectorDirectory,
    RiskClass,
    Target,
    TargetDirectory,
)
from random_inspection.registry._identifiers import uscc_check_character
from random_inspection.sampling import AuditRecord, StratifiedByRisk, draw_targets
from random_inspection.strategies import annual_plans

SEED = "31415926535897932384"
CENTRE = f"{CITY_NAME}检验检测中心"  # the demo city's experts' department
ENTERPRISES = {"entity_types": ["enterprise"]}


@pytest.fixture(scope="module")
def staffed_city() -> DemoCity:
    """A small city with enough officers per county that county bureaus can staff teams."""
    return demo_city(n_targets=3_000, n_officers=500)


def _serves(person: Inspector, target: Target, task: Task) -> bool:
    area = person.office_area
    return (len(area) >= 6 and area[:6] == target.region[:6]) \
        or person.department in task.widened_departments \
        or person.id in task.widened_inspectors


def _needed(city: DemoCity, target: Target, items: tuple[str, ...]) -> set[str]:
    by_code = {i.code: i for i in city.check_items}
    return {s for c in items for s in by_code[c].required_specialties
            if target.entity_type in by_code[c].entity_types}


def _visit_invariants(run: PlanRun, city: DemoCity) -> None:
    """Every visit has one team in every record that mentions it, covering its items'
    specialties or listing what is not; nobody inspects a target twice in the year; in
    county-executed tasks every officer and expert is of the target's county bureau unless
    the task widened the pool."""
    runs = {r.task.code: r for r in run.runs}
    by_target = defaultdict(list)
    for visit in run.visits:
        by_target[visit.target_id].append(visit)
        team, first = visit.team, None
        for code in visit.tasks:
            assignment = runs[code].assignment
            drawn = [t for t in assignment.teams if t.target_id == visit.target_id]
            joined = [t for t in assignment.joined if t.target_id == visit.target_id]
            unstaffed = [u for u in assignment.unstaffed if u.target_id == visit.target_id]
            assert len(drawn) + len(joined) + len(unstaffed) == 1, (code, visit)
            if unstaffed:
                assert first is None, "a record left a visit unstaffed after it had a team"
                continue
            assert team is not None
            member = drawn[0] if drawn else joined[0]
            assert (member.officers, member.leader) == (team.officers, team.leader)
            if drawn:
                assert first is None, "two records drew a team for one visit"
                first = runs[code].record
            else:
                assert first is not None
                assert joined[0].visit_of == (first.purpose, first.digest)
                assert set(joined[0].experts) <= set(team.experts)
        if team is None:
            assert first is None
            continue
        target = city.targets[visit.target_id]
        people = [city.inspectors[i] for i in (*team.officers, *team.experts)]
        held = {s for p in people for s in p.specialties}
        assert set(team.uncovered) == _needed(city, target, visit.items) - held
    for target_id, visits in by_target.items():
        teams = [v.team for v in visits if v.team is not None]
        for a, b in itertools.combinations(teams, 2):
            assert not {*a.officers, *a.experts} & {*b.officers, *b.experts}, target_id
    for task_run in run.runs:
        if not task_run.task.county_executes:
            continue
        for team in task_run.assignment.teams:
            target = city.targets[team.target_id]
            for person in (*team.officers, *team.experts):
                assert _serves(city.inspectors[person], target, task_run.task), \
                    (task_run.task.code, team.target_id, person)
        for team in task_run.assignment.joined:
            target = city.targets[team.target_id]
            for person in team.added_experts:
                assert _serves(city.inspectors[person], target, task_run.task)


@settings(max_examples=40)
@given(plan=annual_plans(items=demo_city(n_targets=10, n_officers=2).check_items,
                         max_tasks=5, widened_departments=[CENTRE]))
def test_every_visit_has_one_team_and_nobody_inspects_a_target_twice(
        staffed_city: DemoCity, plan: AnnualPlan) -> None:
    """Over generated plans (overlapping periods, every mode, caps, top-up): the visit
    invariants hold and every record of the year replays."""
    run = run_plan(plan, staffed_city.targets, staffed_city.inspectors,
                   staffed_city.check_items, seed=SEED)
    _visit_invariants(run, staffed_city)
    for task_run in run.runs:
        report = task_run.verify()
        assert report.ok, (task_run.task.code, [str(c) for c in report.failures])
    records = [r.record for r in run.runs]
    assert not year_problems(records)
    assert verifier.year_problems([(r.purpose, json.loads(r.to_json())) for r in records]) == []


def _task(code: str, items: tuple[str, ...], start: str, end: str, **more: object) -> Task:
    design = more.pop("design", StratifiedByRisk(rates=dict.fromkeys("ABCD", "1/8"), floor=0,
                                                 scope=ENTERPRISES))
    return Task(code=code, name=f"task {code}", level=more.pop("level", "city"), items=items,
                design=design, start=dt.date.fromisoformat(start),
                end=dt.date.fromisoformat(end), **more)


def _plan(*tasks: Task) -> AnnualPlan:
    return AnnualPlan(name="plan", level="city", region="1409", year=2024, tasks=tasks,
                      visit_caps="none")


def test_a_later_task_joins_the_visit_and_adds_an_expert(staffed_city: DemoCity) -> None:
    """Overlapping periods: the later task's record lists the target as joined, with the
    earlier record's team and an expert for its own item's specialty; verify replays it and
    catches a forged expert."""
    plan = _plan(_task("T1", ("SJ01",), "2024-04-01", "2024-06-30"),
                 _task("T2", ("SJ07",), "2024-05-01", "2024-07-31"))
    run = run_plan(plan, staffed_city.targets, staffed_city.inspectors,
                   staffed_city.check_items, seed=SEED)
    first, later = run.run("T1"), run.run("T2")
    assert later.assignment.joined, "no target of T2 joined a T1 visit"
    teams = {t.target_id: t for t in first.assignment.teams}
    for joined in later.assignment.joined:
        assert joined.target_id not in {t.target_id for t in later.assignment.teams}
        assert joined.visit_of == (first.record.purpose, first.record.digest)
        assert (joined.officers, joined.leader) == (teams[joined.target_id].officers,
                                                     teams[joined.target_id].leader)
        has = {s for i in joined.officers for s in staffed_city.inspectors[i].specialties}
        if "特种设备" not in has:
            assert joined.added_experts or "特种设备" in joined.uncovered
    with_expert = [j for j in later.assignment.joined if j.added_experts]
    assert with_expert, "no joined visit needed an expert"
    assert later.verify().ok
    forged = json.loads(json.dumps(later.record.teams))
    entry = next(j for j in forged["joined"] if j["experts"])
    others = [p.id for p in staffed_city.inspectors if p.is_expert
              and p.id not in entry["experts"]]
    entry["experts"] = [others[0]]
    tampered = attrs.evolve(later.record, teams=forged, claimed_digest=None)
    report = verify(tampered, staffed_city.targets, inspectors=staffed_city.inspectors,
                    policy=later.policy)
    assert not report.ok
    assert any(c.name == "teams joined" for c in report.failures)


def test_rotation_within_the_year_is_recorded(staffed_city: DemoCity) -> None:
    """Separate visits to the same target: the later task's record lists the earlier
    visit's people under `earlier_visits`, counts `rotation_year` exclusions, and its teams
    share nobody with the earlier ones."""
    every = StratifiedByRisk(rates=dict.fromkeys("ABCDU", "1/2"), floor=0, scope=ENTERPRISES)
    plan = _plan(_task("S1", ("SJ01",), "2024-03-01", "2024-04-30", design=every),
                 _task("S2", ("SJ18",), "2024-06-01", "2024-07-31", design=every))
    run = run_plan(plan, staffed_city.targets, staffed_city.inspectors,
                   staffed_city.check_items, seed=SEED)
    spring = {t.target_id: t for t in run.run("S1").assignment.teams}
    autumn = run.run("S2").assignment
    again = [t for t in autumn.teams if t.target_id in spring]
    assert again, "no target was visited twice"
    assert autumn.exclusions.get("rotation_year", 0) > 0
    for team in again:
        before = spring[team.target_id]
        assert autumn.earlier_visits[team.target_id] == tuple(sorted(
            {*before.officers, *before.experts}))
        assert not set(team.officers) & set(before.officers)
    assert run.run("S2").verify().ok


def _county_setup() -> tuple[TargetDirectory, InspectorDirectory]:
    records = []
    for k in range(6):
        body = f"91140902MA{k:07d}"
        records.append(Target(id=body + uscc_check_character(body), name=f"企业{k}",
                              entity_type=EntityType.ENTERPRISE, region="140902",
                              supervising_office="忻府所", risk_class=RiskClass.C))
    targets = TargetDirectory.from_records(records)
    people = [Inspector(id=f"X{k}", name=f"县{k}", department="忻府区市场监督管理局",
                        office_area="140902", credential_number=f"C{k}") for k in range(3)]
    people += [Inspector(id=f"S{k}", name=f"市{k}", department="忻州市市场监督管理局",
                         office_area="1409", credential_number=f"D{k}") for k in range(3)]
    people += [Inspector(id="E1", name="专家", department=CENTRE, specialties={"食品"},
                         is_expert=True)]
    return targets, InspectorDirectory(people)


def test_county_execution_keeps_city_officers_out_unless_widened() -> None:
    """省抽县查: only the county bureau's officers; widening by department lets the city's
    people in, and the policy records the level and the widening."""
    targets, inspectors = _county_setup()
    sample = draw_targets(targets, StratifiedByRisk(rates={"C": 1}, floor=0), seed=SEED,
                          purpose="2024/1409/T")
    day = dt.date(2024, 5, 1)
    county = TeamPolicy(check_date=day, executing_level="county", mode="by_region")
    teams = assign_inspectors(sample, inspectors, county)
    assert {o for t in teams.teams for o in t.officers} <= {"X0", "X1", "X2"}
    assert teams.record.teams["policy"]["executing_level"] == "county"
    plain = assign_inspectors(sample, inspectors, TeamPolicy(check_date=day, mode="by_region"))
    assert {o for t in plain.teams for o in t.officers} & {"S0", "S1", "S2"}
    assert "executing_level" not in plain.record.teams["policy"]
    widened = TeamPolicy(check_date=day, executing_level="county", mode="by_region",
                         widened_departments=["忻州市市场监督管理局"])
    wide = assign_inspectors(sample, inspectors, widened)
    assert {o for t in wide.teams for o in t.officers} & {"S0", "S1", "S2"}
    assert wide.record.teams["policy"]["widened_departments"] == ["忻州市市场监督管理局"]
    for assignment, policy in ((teams, county), (wide, widened)):
        assert verify(assignment.record, targets, inspectors=inspectors, policy=policy).ok


def test_policy_and_task_refuse_widening_without_an_executing_county() -> None:
    """Widening only means something when a county bureau executes: refused otherwise,
    naming the field and the fix; an unknown level is refused too."""
    day = dt.date(2024, 5, 1)
    with pytest.raises(InvalidValueError, match="widened_departments.*executing level"):
        TeamPolicy(check_date=day, widened_departments=["某局"])
    with pytest.raises(InvalidValueError, match="executing_level.*'county'"):
        TeamPolicy(check_date=day, executing_level="province")
    with pytest.raises(InvalidValueError, match="widened_inspectors.*same_level"):
        _task("T", ("SJ01",), "2024-05-01", "2024-06-01", widened_inspectors=["E1"])
    task = _task("T", ("SJ01",), "2024-05-01", "2024-06-01", level="province",
                 mode="province_draws_county", widened_inspectors=["E1", "E1"])
    assert task.widened_inspectors == ("E1",)


def test_joined_visits_are_validated() -> None:
    """A joined visit must name a selected target once, with its leader among the
    officers; earlier visits only for selected targets."""
    targets, inspectors = _county_setup()
    sample = draw_targets(targets, StratifiedByRisk(rates={"C": 1}, floor=0), seed=SEED,
                          purpose="2024/1409/T")
    policy = TeamPolicy(check_date=dt.date(2024, 5, 1))
    with pytest.raises(InvalidValueError, match="leader"):
        JoinedVisit(sample.selected_ids[0], "p", "sha256:" + "0" * 64, ("X0", "X1"), "X2")
    visit = JoinedVisit("91140902MA09999999", "p", "sha256:" + "0" * 64, ("X0", "X1"), "X0")
    with pytest.raises(InvalidValueError, match="joined.*not a selected target"):
        assign_inspectors(sample, inspectors, policy, joined=[visit])
    with pytest.raises(InvalidValueError, match="earlier_visits.*not a selected target"):
        assign_inspectors(sample, inspectors, policy, earlier_visits={"NOPE": ["X0"]})
    twice = attrs.evolve(visit, target_id=sample.selected_ids[0])
    with pytest.raises(InvalidValueError, match="given twice"):
        assign_inspectors(sample, inspectors, policy, joined=[twice, twice])


def test_the_demo_year_merges_visits_with_one_team_and_added_experts() -> None:
    """The demo plan (smaller city): merged visits each with one team, experts added by
    later tasks for their items, county-executed tasks staffed from county bureaus."""
    city = demo_city(n_targets=40_000, n_officers=600)
    run = run_plan(demo_plan(), city.targets, city.inspectors, city.check_items, seed=SEED)
    merged = [v for v in run.visits if len(v.tasks) > 1]
    assert merged
    assert all(v.team is not None for v in merged)
    assert any(t.added_experts for r in run.runs for t in r.assignment.joined)
    _visit_invariants(run, city)
    lines = run.merged_visits()
    assert "merged visits" in lines[0]
    assert "added by" in lines[-1]


def _write(folder: Path, records: dict[str, AuditRecord]) -> None:
    folder.mkdir()
    for name, record in records.items():
        (folder / f"{name}.json").write_text(record.to_json(), encoding="utf-8")


def test_a_years_records_are_checked_against_each_other(staffed_city: DemoCity,
                                                         tmp_path: Path) -> None:
    """§12.13: a folder of the year's records agrees; a joined team that differs from the
    leading record's, a leading record missing from the folder, and an earlier-visit id no
    other record shows are each reported, and the folder does not verify."""
    every = StratifiedByRisk(rates=dict.fromkeys("ABCDU", "1/3"), floor=0, scope=ENTERPRISES)
    plan = _plan(_task("T1", ("SJ01",), "2024-04-01", "2024-06-30", design=every),
                 _task("T2", ("SJ07",), "2024-05-01", "2024-07-31", design=every),
                 _task("T3", ("SJ18",), "2024-09-01", "2024-10-31", design=every))
    run = run_plan(plan, staffed_city.targets, staffed_city.inspectors,
                   staffed_city.check_items, seed=SEED)
    records = {r.task.code: r.record for r in run.runs}
    assert records["T2"].teams.get("joined")
    assert records["T3"].teams.get("earlier_visits")

    def check(name: str, changed: dict[str, AuditRecord]) -> FolderReport:
        _write(tmp_path / name, changed)
        return verify_folder(tmp_path / name, staffed_city.targets,
                             inspectors=staffed_city.inspectors,
                             items=staffed_city.check_items)

    good = check("good", records)
    assert good.ok
    assert good.year == ()
    assert "ok   year" in str(good)

    teams = json.loads(json.dumps(records["T2"].teams))
    entry = teams["joined"][0]
    outsider = next(o.id for o in staffed_city.inspectors
                    if o.counts_as_officer(dt.date(2024, 5, 1)) and o.id not in entry["officers"])
    entry["officers"] = sorted([*entry["officers"][1:], outsider])
    entry["leader"] = entry["officers"][0]
    forged = attrs.evolve(records["T2"], teams=teams, claimed_digest=None)
    report = check("forged", {**records, "T2": forged})
    assert not report.ok
    assert report.year
    assert any("but T1" in p or "drew" in p for p in report.year)

    missing = check("missing", {k: v for k, v in records.items() if k != "T1"})
    assert missing.year
    assert any("not among the year's records" in p for p in missing.year)

    teams = json.loads(json.dumps(records["T3"].teams))
    target = next(iter(teams["earlier_visits"]))
    teams["earlier_visits"][target] = sorted({*teams["earlier_visits"][target], outsider})
    forged = attrs.evolve(records["T3"], teams=teams, claimed_digest=None)
    report = check("earlier", {**records, "T3": forged})
    assert report.year
    assert any(outsider in p and "no other record" in p for p in report.year)


def test_a_substitute_for_a_joined_visit_is_drawn_in_the_leading_record(
        staffed_city: DemoCity) -> None:
    """The joined record has no team of its own for the target: asking it for a substitute
    names the record that drew the team, and that record draws one."""
    plan = _plan(_task("T1", ("SJ01",), "2024-04-01", "2024-06-30"),
                 _task("T2", ("SJ07",), "2024-05-01", "2024-07-31"))
    run = run_plan(plan, staffed_city.targets, staffed_city.inspectors,
                   staffed_city.check_items, seed=SEED)
    joined = run.run("T2").assignment.joined[0]
    target = staffed_city.targets[joined.target_id]
    later, first = run.run("T2"), run.run("T1")
    with pytest.raises(InvalidValueError, match="joined the visit of an earlier task.*T1"):
        draw_substitute(later.record, staffed_city.inspectors, later.policy, target,
                        joined.officers[0])
    drawn = draw_substitute(first.record, staffed_city.inspectors, first.policy, target,
                            joined.officers[0])
    assert drawn.substitute not in joined.officers


def test_a_year_without_rotation_does_not_verify(staffed_city: DemoCity, tmp_path: Path
                                                 ) -> None:
    """A later record that drew its teams without the earlier visits (so the same people
    could go twice) is caught across the year's records by both verifiers (§12.13)."""
    every = StratifiedByRisk(rates=dict.fromkeys("ABCDU", "1/2"), floor=0, scope=ENTERPRISES)
    plan = _plan(_task("S1", ("SJ01",), "2024-03-01", "2024-04-30", design=every),
                 _task("S2", ("SJ18",), "2024-06-01", "2024-07-31", design=every))
    run = run_plan(plan, staffed_city.targets, staffed_city.inspectors,
                   staffed_city.check_items, seed=SEED)
    later = run.run("S2")
    assert later.record.teams.get("earlier_visits")
    forged = assign_inspectors(later.sample, staffed_city.inspectors, later.policy).record
    assert "earlier_visits" not in forged.teams
    records = {"S1": run.run("S1").record, "S2": forged}
    _write(tmp_path / "forged", records)
    report = verify_folder(tmp_path / "forged", staffed_city.targets,
                           inspectors=staffed_city.inspectors, items=staffed_city.check_items)
    assert report.year
    assert any("neither lists the other's people" in p for p in report.year)
    standalone = verifier.year_problems([(k, json.loads(r.to_json()))
                                         for k, r in records.items()])
    assert any("neither lists the other's people" in p for p in standalone)
    honest = verifier.year_problems([(r.task.code, json.loads(r.record.to_json()))
                                     for r in run.runs])
    assert honest == []


def test_a_joined_visit_is_not_its_own_earlier_visit(staffed_city: DemoCity) -> None:
    """Listing the joined visit's own officers as earlier visits is refused."""
    plan = _plan(_task("T1", ("SJ01",), "2024-04-01", "2024-06-30"),
                 _task("T2", ("SJ07",), "2024-05-01", "2024-07-31"))
    run = run_plan(plan, staffed_city.targets, staffed_city.inspectors,
                   staffed_city.check_items, seed=SEED)
    later = run.run("T2")
    teams = json.loads(json.dumps(later.record.teams))
    joined = teams["joined"][0]
    teams.setdefault("earlier_visits", {})[joined["target"]] = sorted(joined["officers"])
    teams["earlier_visits"] = dict(sorted(teams["earlier_visits"].items()))
    forged = attrs.evolve(later.record, teams=teams, claimed_digest=None)
    report = verify(forged, staffed_city.targets, inspectors=staffed_city.inspectors,
                    policy=later.policy)
    assert any(c.name == "teams earlier_visits" for c in report.failures)


def test_a_visit_staffed_late_still_lists_what_its_first_task_needs(
        staffed_city: DemoCity) -> None:
    """The first task of a visit could not staff it; a later task drew the team for its own
    items: the visit's team lists the first task's needs it does not cover as uncovered."""
    plan = _plan(_task("A", ("SJ07",), "2024-04-01", "2024-06-30", min_officers=400),
                 _task("B", ("SJ01",), "2024-05-01", "2024-07-31"))
    run = run_plan(plan, staffed_city.targets, staffed_city.inspectors,
                   staffed_city.check_items, seed=SEED)
    assert run.run("A").assignment.unstaffed
    late = [v for v in run.visits if v.tasks == ("A", "B") and v.team is not None]
    assert late, "no visit staffed by its second task"
    for visit in late:
        people = [staffed_city.inspectors[i] for i in (*visit.team.officers,
                                                        *visit.team.experts)]
        held = {s for p in people for s in p.specialties}
        assert set(visit.team.uncovered) == {"特种设备"} - held
    _visit_invariants(run, staffed_city)


def test_widening_and_task_codes_are_checked(staffed_city: DemoCity) -> None:
    """A widening that names nobody in the registers is refused before anything is drawn;
    a task code is letters, digits and '-' only."""
    task = _task("W1", ("SJ01",), "2024-05-01", "2024-06-30", level="province",
                 mode="province_draws_county", widened_inspectors=["NOBODY"],
                 widened_departments=["不存在的部门"])
    with pytest.raises(PlanCheckError) as caught:
        run_plan(_plan(task), staffed_city.targets, staffed_city.inspectors,
                 staffed_city.check_items, seed=SEED)
    fields = {field for _, field, _ in caught.value.problems}
    assert fields == {"widened_inspectors", "widened_departments"}
    for code in ("..", "a\\b", "Ａ1", "-x", "T 1"):
        with pytest.raises(InvalidValueError, match="code"):
            _task(code, ("SJ01",), "2024-05-01", "2024-06-30")

"""Annual plans: models, validation, files, forecast, and the year's invariants after run_plan."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
import tomllib
from collections import Counter
from fractions import Fraction
from pathlib import Path

import attrs
import pytest
import tomli_w
from hypothesis import given, settings

from random_inspection import (
    ClassWeighted,
    FileFormatError,
    InvalidValueError,
    RiskClass,
    StratifiedByRisk,
    UnknownIdError,
    verifier,
)
from random_inspection._canonical import canonical_json
from random_inspection.cli import main
from random_inspection.demo import DemoCity, demo_city, demo_plan
from random_inspection.planning import (
    AnnualPlan,
    Level,
    PlanCheckError,
    PlanRun,
    Task,
    TaskMode,
    check_plan,
    forecast_coverage,
    plan_from_dict,
    plan_to_dict,
    read_plan,
    run_plan,
    write_plan,
)
from random_inspection.strategies import annual_plans

SEED = "31415926535897932384"
ENTERPRISES = {"entity_types": ["enterprise"]}


def _task(code: str = "T1", *, level: str = "city", items: tuple[str, ...] = ("SJ01",),
          start: str = "2024-05-01", end: str = "2024-09-30", **more: object) -> Task:
    design = more.pop("design", StratifiedByRisk(rates={"A": "1%", "B": "2%", "C": "10%",
                                                        "D": "30%"}, floor=0,
                                                 scope=ENTERPRISES))
    return Task(code=code, name=f"task {code}", level=level, items=items, design=design,
                start=start, end=end, **more)


def _plan(*tasks: Task, **more: object) -> AnnualPlan:
    return AnnualPlan(name="plan", level="city", region="1409", year=2024, tasks=tasks, **more)


# -- the model -----------------------------------------------------------------------------


def test_enums_carry_chinese_labels() -> None:
    """Levels and modes parse from Chinese and print both languages."""
    assert Level.parse("市级") is Level.CITY
    assert TaskMode.parse("省抽县查") is TaskMode.PROVINCE_DRAWS_COUNTY
    assert str(TaskMode.CITY_DRAWS_COUNTY) == "city draws, county checks (市抽县查)"
    assert [lvl.code_length for lvl in Level] == [2, 4, 6]


def test_deadlines_default_to_the_seed_document() -> None:
    """Filing by 15 April and completion by 20 December, unless configured."""
    plan = _plan(_task())
    assert plan.filing_deadline == dt.date(2024, 4, 15)
    assert plan.completion_deadline == dt.date(2024, 12, 20)
    later = _plan(_task(end="2024-12-28"), completion_deadline="2024-12-31")
    assert later.completion_deadline == dt.date(2024, 12, 31)


@pytest.mark.parametrize(("build", "field", "fix"), [
    (lambda: _task(start="2024-09-01", end="2024-08-01"), "end", "swap them"),
    (lambda: _task(items=()), "items", "at least one"),
    (lambda: _task(code="T 1"), "code", "letters, digits"),
    (lambda: _task(level="city", mode="province_draws_county"), "mode", "level = 'province'"),
    (lambda: _task(executing_department="市局", joint_departments=["市局"]),
     "joint_departments", "other departments"),
    (lambda: _task(min_officers=1), "min_officers", "two officers"),
    (lambda: _plan(_task(end="2024-12-28")), "end", "by the deadline"),
    (lambda: _plan(_task(start="2023-12-01")), "start", "within the year"),
    (lambda: _plan(_task(), _task()), "tasks", "its own code"),
    (lambda: _plan(_task(design=StratifiedByRisk(rates={"A": "1%"}, floor=0, scope={
        "region_prefixes": ["1401"]}))), "scope.region_prefixes", "starting with 1409"),
    (lambda: _plan(_task(level="county")), "scope.region_prefixes", "name the county"),
    (lambda: AnnualPlan(name="p", level="city", region="140921", year=2024, tasks=[]),
     "region", "4-digit"),
    (lambda: _plan(visit_caps={"A": 0}), "visit_caps[A]", "at least 1"),
    (lambda: _plan(top_up=_task("TOP")), "design", "ClassWeighted"),
])
def test_bad_plans_are_refused_naming_field_and_fix(build: object, field: str, fix: str) -> None:
    """Every malformed task or plan raises InvalidValueError naming the field and a fix."""
    with pytest.raises(InvalidValueError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field
    assert fix in caught.value.fix


def test_county_task_repeating_city_task_needs_a_justification() -> None:
    """市级部署的任务，县级原则上不再发起: a county task with the same items, region and an
    overlapping period is refused unless justified; a different period is fine."""
    city = _task("C1")
    county = {"level": "county", "design": StratifiedByRisk(
        rates={"A": "1%"}, floor=0, scope={"region_prefixes": ["140921"], **ENTERPRISES})}
    with pytest.raises(InvalidValueError, match="repeat the city task C1"):
        _plan(city, _task("K1", **county))
    assert _plan(city, _task("K1", justification="专项整治需要", **county))
    assert _plan(city, _task("K1", start="2024-10-01", end="2024-11-30", **county))
    assert _plan(city, _task("K1", items=("SJ07",), **county))


def test_revise_keeps_the_published_version_and_logs_the_change() -> None:
    """A revision is a new version with who, when, why and what; the old one is unchanged."""
    v1 = _plan(_task("T1"), _task("T2", items=("SJ07",)))
    v2 = v1.revise(tasks=[_task("T1", end="2024-10-31"), _task("T3", items=("SJ13",))],
                   when="2024-06-01", who="信用监管科", why="省局新增部署")
    assert (v1.version, v2.version) == (1, 2)
    assert [t.code for t in v1.tasks] == ["T1", "T2"]
    change = v2.history[-1]
    assert change.version == 2
    assert change.who == "信用监管科"
    assert change.why == "省局新增部署"
    assert set(change.changes) == {"added task T3", "removed task T2", "changed task T1"}
    assert [c.version for c in v2.history] == [2]  # the filing was not logged
    assert v2.filed is None
    with pytest.raises(InvalidValueError, match="consecutive versions"):
        attrs.evolve(v2, version=3)
    v3 = v2.revise(coverage_floor="5/100", when="2024-07-01", who="x", why="y")
    assert v3.history[-1].changes == ("changed coverage_floor",)
    assert v1.digest != v2.digest != v3.digest
    with pytest.raises(InvalidValueError, match="change nothing"):
        v3.revise(when="2024-07-02", who="x", why="y")


def test_risk_classification_rate() -> None:
    """A task with equal rates for A-D does not apply risk classification."""
    flat = StratifiedByRisk(rates=dict.fromkeys("ABCD", "2%"), floor=0, scope=ENTERPRISES)
    plan = _plan(_task("T1"), _task("T2", items=("SJ07",), design=flat))
    assert plan.risk_classification_rate() == 0.5
    assert not plan.task("T2").applies_risk_classification


# -- registers and files ---------------------------------------------------------------------


def test_check_against_registers_lists_every_problem(small_city: DemoCity) -> None:
    """Unknown items, items not for the scope's types, and empty scopes, all at once."""
    nothing = StratifiedByRisk(rates={"A": "1%"}, floor=0,
                               scope={"tags_all": ["no such tag"], **ENTERPRISES})
    plan = _plan(_task("T1", items=("SJ01", "XX99")), _task("T2", items=("SJ02",)),
                 _task("T3", items=("SJ07",), design=nothing))
    with pytest.raises(PlanCheckError) as caught:
        check_plan(plan, small_city.targets, small_city.check_items)
    problems = {(t, f) for t, f, _ in caught.value.problems}
    assert problems == {("T1", "items"), ("T2", "items"), ("T3", "design.scope")}
    assert "XX99" in str(caught.value)
    assert "matches no target" in str(caught.value)


def test_plan_files_with_chinese_keys(tmp_path: Path) -> None:
    """A TOML plan written by a clerk in Chinese (TOML quotes non-ASCII keys) reads into the
    same plan as English."""
    text = """
"名称" = "定襄县2024年度抽查计划"
"层级" = "县级"
"区划" = "140921"
"年度" = 2024
"年度检查次数上限" = {A = 1, B = 1}

[["任务"]]
"编号" = "DX-01"
"名称" = "价格行为抽查"
"层级" = "县"
"检查模式" = "县抽县查"
"抽查事项" = ["SJ14"]
"开始日期" = "2024-05-06"
"结束日期" = "2024年9月30日"
"实施部门" = "定襄县市场监督管理局"
["任务"."抽取方案"]
"抽查比例" = {A = "1%", B = "2%", C = "5%", D = "20%"}
"抽查范围" = {"对象类型" = ["企业", "个体工商户"]}
"""
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    plan = read_plan(path)
    task = plan.task("DX-01")
    assert plan.level is Level.COUNTY
    assert task.mode is TaskMode.COUNTY_DRAWS_COUNTY
    assert task.end == dt.date(2024, 9, 30)
    assert task.design.rates[RiskClass.D] == Fraction(1, 5)  # type: ignore[union-attr]
    assert task.design.floor == 0  # plan files have no per-task floor unless given
    english = plan_from_dict(json.loads(json.dumps(plan_to_dict(plan))))
    assert english == plan


@pytest.mark.parametrize(("change", "expected"), [
    ({"rates": {"A": "3"}}, "did you mean '3%'"),
    ({"start": "2024-10-01"}, "is before the start"),
    ({"unknown": 1}, "not a known field"),
    ({"rates": {"A": 0.03}}, "float"),
])
def test_plan_file_errors_name_the_task_and_field(tmp_path: Path, change: dict[str, object],
                                                  expected: str) -> None:
    """A rate of 3 instead of 0.03, an end before its start, an unknown key, a float: each is
    reported with the task's position and the field; nothing is loaded."""
    data = plan_to_dict(_plan(_task("T1"), _task("T2", items=("SJ07",))))
    task = data["tasks"][1]
    for key, value in change.items():
        if key == "rates":
            task["design"]["rates"] = value
        else:
            task[key] = value
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FileFormatError) as caught:
        read_plan(path)
    assert caught.value.problems[0][1].startswith("tasks[1]")
    assert expected in str(caught.value)


def test_write_plan_is_atomic_and_checks_the_suffix(tmp_path: Path) -> None:
    """TOML and JSON by suffix; anything else is refused before writing."""
    plan = demo_plan()
    for name in ("p.toml", "p.json"):
        write_plan(plan, tmp_path / name, language="zh")
        assert read_plan(tmp_path / name) == plan
    with pytest.raises(InvalidValueError, match="suffix"):
        write_plan(plan, tmp_path / "p.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "p.toml"]


# -- forecast --------------------------------------------------------------------------------


def test_forecast_of_one_stratified_task_is_its_exact_size(small_city: DemoCity) -> None:
    """With one task the forecast is exact: Σπ over enterprises = the drawn count."""
    plan = _plan(_task("T1"))
    forecast = forecast_coverage(plan, small_city.targets)
    run = run_plan(plan, small_city.targets, small_city.inspectors, small_city.check_items,
                   seed=SEED)
    assert forecast.expected == pytest.approx(len(run.runs[0].sample.selected_ids))
    assert forecast.enterprises == run.report.enterprises


def test_forecast_proposes_the_least_factor(small_city: DemoCity) -> None:
    """A short plan gets the least factor (in hundredths) that reaches the floor: the
    factor works and one hundredth less does not; higher-level tasks are not scaled."""
    low = StratifiedByRisk(rates=dict(zip("ABCD", ["1/1000", "2/1000", "1%", "3%"],
                                          strict=True)), floor=0, scope=ENTERPRISES)
    plan = _plan(_task("P1", level="province", design=low),
                 _task("T1", items=("SJ07",), design=low))
    forecast = forecast_coverage(plan, small_city.targets)
    assert forecast.shortfall > 0
    assert forecast.factor is not None
    assert [t.code for t in forecast.proposed] == ["T1"]
    revised = plan.revise(tasks=[plan.task("P1"), *forecast.proposed], when="2024-04-01",
                          who="x", why="floor")
    assert forecast_coverage(revised, small_city.targets).shortfall == 0
    less = attrs.evolve(forecast.proposed[0], design=attrs.evolve(
        low, rates={c: low.rates[c] * (forecast.factor - Fraction(1, 100)) for c in RiskClass}))
    shy = plan.revise(tasks=[plan.task("P1"), less], when="2024-04-01", who="x", why="y")
    assert forecast_coverage(shy, small_city.targets).shortfall > 0
    assert "SHORT" in str(forecast)
    assert "proposal" in str(forecast)


# -- running the year --------------------------------------------------------------------------


def _year_invariants(plan: AnnualPlan, run: PlanRun, city: DemoCity) -> None:
    draws = [(r.task, i) for r in run.runs for i in r.sample.selected_ids]
    per_item = Counter((item, i) for task, i in draws for item in task.items)
    assert max(per_item.values(), default=1) == 1, "a target drawn twice for the same item"
    visits = Counter(v.target_id for v in run.visits)
    for target_id, n in visits.items():
        cap = plan.visit_caps[city.targets[target_id].risk_class]
        assert cap is None or n <= cap, (target_id, n, cap)
    where = {(code, v.target_id): v for v in run.visits for code in v.tasks}
    assert len(where) == len(draws) == sum(len(v.tasks) for v in run.visits)
    for task, target_id in draws:
        visit = where[(task.code, target_id)]
        assert set(task.items) <= set(visit.items)  # merging keeps every item
        assert visit.start <= visit.end
        assert task.start <= visit.start
        assert visit.end <= task.end
    assert run.report.visits_saved == len(draws) - len(run.visits)


@settings(max_examples=25)
@given(plan=annual_plans(items=demo_city(n_targets=10, n_officers=2).check_items,
                         top_up=True))
def test_year_invariants_hold_and_the_floor_is_reached(small_city: DemoCity,
                                                       plan: AnnualPlan) -> None:
    """For any plan: no target twice for the same item, no class cap exceeded, every item
    kept in a visit, and with a top-up task the 3% floor holds after run_plan."""
    run = run_plan(plan, small_city.targets, small_city.inspectors, small_city.check_items,
                   seed=SEED)
    _year_invariants(plan, run, small_city)
    assert run.report.floor_met
    assert run.report.covered >= math.ceil(plan.coverage_floor * run.report.enterprises)


@settings(max_examples=8)
@given(plan=annual_plans(items=demo_city(n_targets=10, n_officers=2).check_items,
                         max_tasks=3))
def test_every_record_of_a_year_verifies(small_city: DemoCity, plan: AnnualPlan) -> None:
    """Every task's record (draw and teams) replays exactly against the registers."""
    run = run_plan(plan, small_city.targets, small_city.inspectors, small_city.check_items,
                   seed=SEED)
    for task_run in run.runs:
        assert task_run.verify().ok, task_run.task.code


@settings(max_examples=30)
@given(plan=annual_plans(items=demo_city(n_targets=10, n_officers=2).check_items))
def test_plan_files_round_trip(plan: AnnualPlan) -> None:
    """Plain data (both languages), JSON and TOML give back the same plan."""
    for language in ("en", "zh"):
        data = plan_to_dict(plan, language=language)
        assert plan_from_dict(json.loads(json.dumps(data, ensure_ascii=False))) == plan
        assert plan_from_dict(tomllib.loads(tomli_w.dumps(data))) == plan


def test_coordination_rules_apply_in_run_order(small_city: DemoCity) -> None:
    """Same items: a later task never redraws; joint check: its departments do not check its
    targets again; the exclusions appear in the later records with their reasons."""
    joint = _task("J1", items=("SJ06",), executing_department="市局",
                  joint_departments=["卫健委"], start="2024-03-01", end="2024-04-30",
                  design=StratifiedByRisk(rates=dict.fromkeys("ABCD", "1/5"), floor=0,
                                          scope=ENTERPRISES))
    plan = _plan(_task("T1", items=("SJ01", "SJ06"), executing_department="县局"),
                 _task("T2", items=("SJ07",), executing_department="市局"), joint,
                 visit_caps="none")
    assert [t.code for t in plan.run_order()] == ["J1", "T1", "T2"]
    run = run_plan(plan, small_city.targets, small_city.inspectors, small_city.check_items,
                   seed=SEED)
    joint_ids = set(run.run("J1").sample.selected_ids)
    t1, t2 = (run.run(c).record for c in ("T1", "T2"))
    assert dict(t1.design["excluded_ids"]) == {"drawn for the same items by J1":
                                               sorted(joint_ids)}
    assert "in the joint check J1 (部门联合抽查)" in t2.design["excluded_ids"]
    assert not joint_ids & set(t1.selected_ids)
    assert not joint_ids & set(t2.selected_ids)


def test_visit_caps_and_merging(small_city: DemoCity) -> None:
    """Class A and B targets visited in spring are not drawn in autumn (cap 1), but may be
    drawn by a task whose period overlaps their visit: that joins the visit (1+X)."""
    every = StratifiedByRisk(rates=dict.fromkeys("ABCDU", "1/4"), floor=0, scope=ENTERPRISES)
    plan = _plan(_task("S1", items=("SJ01",), start="2024-03-01", end="2024-05-31",
                       design=every),
                 _task("S2", items=("SJ07",), start="2024-05-01", end="2024-06-30",
                       design=every),
                 _task("F1", items=("SJ13",), start="2024-09-01", end="2024-11-30",
                       design=every))
    run = run_plan(plan, small_city.targets, small_city.inspectors, small_city.check_items,
                   seed=SEED)
    spring = set(run.run("S1").sample.selected_ids)
    both = spring & set(run.run("S2").sample.selected_ids)
    assert both, "overlapping periods: some targets drawn by both spring tasks"
    merged = [v for v in run.visits if v.tasks == ("S1", "S2")]
    assert {v.target_id for v in merged} == both
    assert all(v.items == ("SJ01", "SJ07") and v.start == dt.date(2024, 5, 1) for v in merged)
    autumn = {small_city.targets[i].risk_class for i in run.run("F1").sample.selected_ids
              if i in spring}
    assert not autumn & {RiskClass.A, RiskClass.B}
    reasons = run.run("F1").record.design["excluded_ids"]
    assert any(r.startswith("visit cap reached (class A") for r in reasons)
    _year_invariants(plan, run, small_city)


def test_top_up_draws_only_new_enterprises(small_city: DemoCity) -> None:
    """A plan far below the floor: the top-up draws exactly the shortfall, all new."""
    tiny = StratifiedByRisk(rates={"D": "1/10"}, floor=0, scope=ENTERPRISES)
    top = _task("TOP", items=("SJ18",), start="2024-11-01", end="2024-12-10",
                design=ClassWeighted(total=0, weights=dict.fromkeys("ABCDU", "1"), floor=0,
                                     scope=ENTERPRISES))
    plan = _plan(_task("T1", design=tiny), top_up=top)
    run = run_plan(plan, small_city.targets, small_city.inspectors, small_city.check_items,
                   seed=SEED)
    first = set(run.run("T1").sample.selected_ids)
    added = set(run.run("TOP").sample.selected_ids)
    assert not first & added
    need = math.ceil(plan.coverage_floor * run.report.enterprises)
    assert run.report.covered == need == len(first) + len(added)
    assert run.report.top_up == len(added)
    assert run.report.indicators()[0][2] == "filing not recorded"
    assert json.loads(json.dumps(run.report.to_dict()))["covered"] == need


def test_run_is_reproducible_and_seeds_per_task(small_city: DemoCity) -> None:
    """Same seed, same records; per-task seeds must cover every task."""
    plan = _plan(_task("T1"), _task("T2", items=("SJ07",)))
    args = (plan, small_city.targets, small_city.inspectors, small_city.check_items)
    a, b = run_plan(*args, seed=SEED), run_plan(*args, seed=SEED)
    assert [r.record.digest for r in a.runs] == [r.record.digest for r in b.runs]
    other = run_plan(*args, seed={"T1": SEED, "T2": "27182818284590452353"})
    assert other.run("T1").record.digest == a.run("T1").record.digest
    assert other.run("T2").record.digest != a.run("T2").record.digest
    with pytest.raises(UnknownIdError, match="T2"):
        run_plan(*args, seed={"T1": SEED})


def test_cli_plan_forecasts_runs_and_verify_accepts_the_records(
        small_city: DemoCity, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`plan` without a seed forecasts; with one it runs the year and writes records that
    `verify` accepts as a folder."""
    d, i, items = tmp_path / "d.csv", tmp_path / "i.csv", tmp_path / "items.csv"
    small_city.targets.to_csv(d)
    small_city.inspectors.to_csv(i)
    small_city.check_items.to_csv(items)
    write_plan(demo_plan(), tmp_path / "plan.toml")
    assert main(["plan", str(tmp_path / "plan.toml"), str(d)]) == 0
    assert "expected coverage" in capsys.readouterr().out
    out = tmp_path / "run"
    assert main(["plan", str(tmp_path / "plan.toml"), str(d), "--seed", SEED, "--inspectors",
                 str(i), "--item-list", str(items), "--out", str(out)]) == 0
    assert "records replay exactly" in capsys.readouterr().out
    assert main(["verify", str(out / "records"), str(d), "--inspectors", str(i),
                 "--item-list", str(items)]) == 0
    printed = capsys.readouterr().out
    assert "records verified" in printed
    for name in ("XZ0902-2024-01.json", "XZ-2024-03.json"):  # with the year's exclusions
        done = subprocess.run([sys.executable, "-I", verifier.__file__,
                               str(out / "records" / name), str(d), "--inspectors", str(i),
                               "--item-list", str(items)], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stdout
        assert "VERIFIED" in done.stdout
    assert "FAIL" not in printed
    record = json.loads((out / "records" / "SX-2024-01.json").read_text(encoding="utf-8"))
    record["strata"][0]["selected"].reverse()
    (out / "records" / "SX-2024-01.json").write_text(canonical_json(record), encoding="utf-8")
    assert main(["verify", str(out / "records"), str(d), "--inspectors", str(i),
                 "--item-list", str(items)]) == 1

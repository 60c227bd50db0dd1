"""verifier.py and the visit additions of spec 1.1 (§12.10-12.13): records with an executing
level, earlier visits and joined targets are read strictly (each malformed form refused,
naming where), replayed (a tampered joined expert is not verified), and checked against the
year's other records when several are given (a joined team that is not the one drawn, a visit
of no record of the set, earlier visits of nobody's)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from _visits import VISITS, Files, directory, inspectors, record, target_draw, with_digest
from random_inspection import (
    Conflict,
    ConflictRegister,
    StratifiedByRisk,
    TeamPolicy,
    assign_inspectors,
    draw_targets,
)
from random_inspection import verifier as stdlib
from random_inspection._schema import SchemaChecker
from random_inspection.audit import record_schema

A, B, D, C = (t["id"] for t in VISITS["targets"])  # draw order; D joins, C has earlier visits
FIRST = VISITS["joined"][0]["visit_of"]  # the visit D joins


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    return Files(tmp_path_factory.mktemp("visits"))


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    """The vector's record: verifies (tests/test_spec_vectors.py)."""
    return record()


def _edited(base: dict[str, Any], change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """The record changed in its teams section, the digest redone (a careful forger)."""
    value = copy.deepcopy(base)
    change(value["teams"])
    return with_digest(value)


def _failures(results: list[tuple[str, str, str]]) -> dict[str, str]:
    return {name: detail for name, status, detail in results if status == "fail"}


def test_base_record_verifies(files: Files, base: dict[str, Any]) -> None:
    """The record the other tests change replays as it is (so what they see is the change)."""
    assert _failures(files.check(base)) == {}
    assert SchemaChecker(record_schema()).problems(base) == []
    assert list(jsonschema.Draft202012Validator(record_schema()).iter_errors(base)) == []


def _joined_b_first(t: dict[str, Any]) -> None:
    """Two joined targets, B listed after D although B was drawn first."""
    t["teams"] = [x for x in t["teams"] if x["target"] != B]
    t["joined"].append({**t["joined"][0], "target": B})


#: (name, change to the teams section, the JSON path named, words of the message, whether
#: the schema alone refuses it).
MALFORMED: list[tuple[str, Callable[[dict[str, Any]], Any], str, str, bool]] = [
    ("earlier visits unsorted", lambda t: t["earlier_visits"][C].reverse(),
     f"$.teams.earlier_visits['{C}']", "not sorted", False),
    ("earlier visits empty list", lambda t: t["earlier_visits"].update({C: []}),
     f"$.teams.earlier_visits.{C}", "at least 1", True),
    ("earlier visits empty object", lambda t: t.update(earlier_visits={}),
     "$.teams.earlier_visits", "absent when no target", False),
    ("earlier visits of a target not drawn",
     lambda t: t["earlier_visits"].update({"91140921MA0FW0009X": ["ZF503"]}),
     "$.teams.earlier_visits['91140921MA0FW0009X']", "not a target this record selected",
     False),
    ("widened inspectors unsorted",
     lambda t: t["policy"].update(widened_inspectors=["ZF507", "ZF100"]),
     "$.teams.policy.widened_inspectors", "not sorted", False),
    ("widened departments unsorted",
     lambda t: t["policy"]["widened_departments"].insert(0, "忻州市质量技术监督检验测试所"),
     "$.teams.policy.widened_departments", "not sorted", False),
    ("policy without widened inspectors", lambda t: t["policy"].pop("widened_inspectors"),
     "$.teams.policy", "but not widened_inspectors", True),
    ("policy with the level alone",
     lambda t: [t["policy"].pop(k) for k in ("widened_departments", "widened_inspectors")],
     "$.teams.policy", "all present or all absent", True),
    ("policy with widening but no level", lambda t: t["policy"].pop("executing_level"),
     "$.teams.policy", "but not executing_level", True),
    ("executing level province", lambda t: t["policy"].update(executing_level="province"),
     "$.teams.policy.executing_level", "must be one of", True),
    ("joined target not drawn",
     lambda t: t["joined"][0].update(target="91140921MA0FW0009X"),
     "$.teams.joined[0].target", "not a target this record selected", False),
    ("joined target also in teams", lambda t: t["joined"][0].update(target=B),
     "$.teams.joined[0].target", "in `teams` or `unstaffed` too", False),
    ("joined target also unstaffed", lambda t: t["joined"][0].update(target=A),
     "$.teams.joined[0].target", "in `teams` or `unstaffed` too", False),
    ("joined out of draw order", _joined_b_first,
     "$.teams.joined[1].target", "out of draw order", False),
    ("joined officers unsorted", lambda t: t["joined"][0]["officers"].reverse(),
     "$.teams.joined[0].officers", "not sorted", False),
    ("joined inherited experts unsorted",
     lambda t: t["joined"][0]["inherited_experts"].insert(0, "ZJ509"),
     "$.teams.joined[0].inherited_experts", "not sorted", False),
    ("joined leader not an officer", lambda t: t["joined"][0].update(leader="ZF503"),
     "$.teams.joined[0].leader", "not one of the visit team's officers", False),
    ("joined one officer", lambda t: t["joined"][0].update(officers=["ZF501"]),
     "$.teams.joined[0].officers", "at least 2", True),
    ("joined empty", lambda t: t.update(joined=[]), "$.teams.joined", "at least 1", True),
    ("joined with a comment", lambda t: t["joined"][0].update(comment="x"),
     "$.teams.joined[0]", "unknown key", True),
    ("joined without inherited experts", lambda t: t["joined"][0].pop("inherited_experts"),
     "$.teams.joined[0]", "missing ['inherited_experts']", True),
    ("visit of a purpose with a comma",
     lambda t: t["joined"][0]["visit_of"].update(purpose="2024,first"),
     "$.teams.joined[0].visit_of.purpose", "single-line text", True),
    ("unknown exclusion ground", lambda t: t["exclusions"].update({"rotation_years": 1}),
     "$.teams.exclusions['rotation_years']", "rotation_year", True),
]


@pytest.mark.parametrize(("name", "change", "where", "words", "by_schema"), MALFORMED,
                         ids=[m[0] for m in MALFORMED])
def test_malformed_forms_are_refused(files: Files, base: dict[str, Any], name: str,
                                     change: Callable[[dict[str, Any]], Any], where: str,
                                     words: str, by_schema: bool) -> None:
    """Each malformed form of the new keys is refused when the record is read (§10.1.3: the
    record was altered, not verified), naming the JSON path; those the schema can state are
    refused by the published schema too."""
    value = _edited(base, change)
    results = files.check(value)
    assert [(n, s) for n, s, _ in results] == [("record_format", "fail")], name
    detail = results[0][2]
    assert detail.startswith(f"{where}: "), detail
    assert words in detail, detail
    problems = SchemaChecker(record_schema()).problems(value)
    assert bool(problems) == by_schema, problems
    assert bool(list(jsonschema.Draft202012Validator(record_schema()).iter_errors(value))) \
        == by_schema


def test_record_of_spec_1_has_no_visit_keys(files: Files, base: dict[str, Any]) -> None:
    """§14: the additions are 1.1's; a spec 1 reading refuses them as unknown keys."""
    with pytest.raises(stdlib.BadRecordError, match=r"unknown key\(s\) \['earlier_visits', "
                                                    r"'joined'\]"):
        stdlib.Shape(True).teams(base["teams"])


@pytest.mark.parametrize(("name", "change", "failed"), [
    ("joined expert", lambda t: t["joined"][0].update(experts=["ZJ501"]), "joined"),
    ("joined expert dropped",
     lambda t: t["joined"][0].update(experts=[], uncovered=["特种设备"]), "joined"),
    ("joined uncovered", lambda t: t["joined"][0].update(uncovered=["食品安全"]), "joined"),
    # the rule's effect is the replay's input: without it ZJ502 is a candidate, the draw changes
    ("custom exclusion of the joined target's candidate dropped",
     lambda t: t["custom_exclusions"]["本地回避"].pop(D), "joined"),
    ("earlier visit dropped", lambda t: t["earlier_visits"][C].remove("ZF505"), "exclusions"),
    ("executing level city", lambda t: t["policy"].update(executing_level="city"), "teams"),
    ("widened department dropped", lambda t: t["policy"].update(widened_departments=[]),
     "teams"),
    ("rotation_year count", lambda t: t["exclusions"].update(rotation_year=2), "exclusions"),
    ("own office counted over all officers",  # ZF505's 城关 office for the other county
     lambda t: t["exclusions"].update(own_office=4), "exclusions"),
])
def test_tampered_visits_are_not_verified(files: Files, base: dict[str, Any], name: str,
                                          change: Callable[[dict[str, Any]], Any], failed: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A well-formed record whose visit data does not replay fails the check named, and the
    verdict is NOT VERIFIED (exit 1)."""
    value = _edited(base, change)
    failures = _failures(files.check(value))
    assert failed in failures, (name, failures)
    assert "record_format" not in failures
    assert stdlib.main([str(files.write("t.json", value)), files.directory, *files.options]) == 1
    assert "NOT VERIFIED" in capsys.readouterr().out


def test_tampered_joined_expert_names_both(files: Files, base: dict[str, Any]) -> None:
    """The joined check shows what the record says and what the replay draws."""
    value = _edited(base, lambda t: t["joined"][0].update(experts=["ZJ501"]))
    detail = _failures(files.check(value))["joined"]
    assert "'ZJ501'" in detail
    assert "'ZJ505'" in detail  # the vector's expert, at position 2 of experts/<D>


def test_substitute_pool_keeps_to_the_bureau_and_the_year(files: Files,
                                                         base: dict[str, Any]) -> None:
    """§12.9.4: a substitute comes from the executing bureau (§12.11) and not from the
    target's earlier visits this year (§12.10)."""
    draws = stdlib.Substitutes(base, stdlib.Inputs(files.directory, files.args()))
    teams = {t["target"]: stdlib.drawn_team(t) for t in base["teams"]["teams"]}
    assert (teams[B]["officers"], teams[C]["officers"]) == (["ZF502", "ZF503"],
                                                            ["ZF501", "ZF507"])
    # B (晋昌): ZF501 own office, ZF504 in conflict, ZF507 recused by the custom rule, ZF502
    # and ZF503 its members; ZF508 (城关 of the other county) is not of the bureau
    assert draws.pool(B, "ZF502", teams[B]) == ["ZF505"]
    # C (河边): ZF502 own office, ZF503 last year's, ZF505 of the earlier visit, ZF501 and
    # ZF507 its members; ZF506 and ZF508 are not of the bureau
    assert draws.pool(C, "ZF507", teams[C]) == ["ZF504"]
    assert draws.draw(C, "ZF507", teams[C], 1) == "ZF504"


# --- the year's records (§12.13) ----------------------------------------------------------

def _lead(**changes: Any) -> dict[str, Any]:
    """A record of the first task as the year check reads it: the team D's visit has, and
    C's earlier visit (ZF502, ZF503, ZF505 and the expert ZJ502)."""
    teams = [{"target": D, "officers": ["ZF501", "ZF504"], "leader": "ZF501",
              "experts": ["ZJ504"], "uncovered": []},
             {"target": C, "officers": ["ZF502", "ZF503", "ZF505"], "leader": "ZF503",
              "experts": ["ZJ502"], "uncovered": []}]
    return {"purpose": FIRST["purpose"], "record_digest": FIRST["record_digest"],
            "teams": {"teams": teams, **changes}}


def _joiner(name: str, inherited: list[str], experts: list[str]) -> tuple[str, dict[str, Any]]:
    """Another task's record joining D's visit."""
    entry = {**VISITS["section"]["joined"][0], "inherited_experts": inherited,
             "experts": experts}
    return name, {"purpose": f"2024/忻州市/{name}", "record_digest": "sha256:" + "1" * 64,
                  "teams": {"teams": [], "joined": [entry]}}


def test_year_of_consistent_records_passes(base: dict[str, Any]) -> None:
    """The vector's record and the record of the visit it joins agree."""
    assert stdlib.year_problems([("first.json", _lead()), ("visits.json", base)]) == []


def test_year_joined_officers_differ(base: dict[str, Any]) -> None:
    """A joined entry whose officers (or leader) are not the team the first task drew."""
    lead = _lead()
    lead["teams"]["teams"][0]["officers"] = ["ZF501", "ZF505"]
    problems = stdlib.year_problems([("first.json", lead), ("visits.json", base)])
    assert len(problems) == 1
    assert problems[0].startswith(f"visits.json: joined {D}: officers ['ZF501', 'ZF504']")
    assert "first.json drew is ['ZF501', 'ZF505']" in problems[0]
    lead = _lead()
    lead["teams"]["teams"][0]["leader"] = "ZF504"
    assert "led by ZF504" in stdlib.year_problems([("first.json", lead),
                                                   ("visits.json", base)])[0]


def test_year_visit_of_no_record(base: dict[str, Any]) -> None:
    """A joined entry naming a purpose and digest that no record of the set has; or a
    record of the set that drew no team for the target."""
    other = {**_lead(), "record_digest": "sha256:" + "2" * 64}
    problems = stdlib.year_problems([("first.json", other), ("visits.json", base)])
    assert problems[0] == (f"visits.json: joined {D}: visit_of names no record of the set "
                           f"(purpose {FIRST['purpose']!r}, {FIRST['record_digest']})")
    lead = _lead()
    lead["teams"]["teams"] = lead["teams"]["teams"][1:]
    problems = stdlib.year_problems([("first.json", lead), ("visits.json", base)])
    assert problems == [f"visits.json: joined {D}: first.json (visit_of) drew no team for {D}"]


def test_year_earlier_visit_of_nobody(base: dict[str, Any]) -> None:
    """An id of earlier_visits that inspects the target in no other record of the set."""
    lead = _lead()
    lead["teams"]["teams"][1]["experts"] = []  # ZJ502 was not on C's earlier visit
    problems = stdlib.year_problems([("first.json", lead), ("visits.json", base)])
    assert problems == [f"visits.json: earlier_visits of {C}: ['ZJ502'] inspect {C} in no "
                        "other record of the set"]
    # the record's own people do not count: the earlier visit must be another record's
    own = copy.deepcopy(base)
    assert own["teams"]["teams"][1]["target"] == C
    own["teams"]["teams"][1]["experts"].append("ZJ502")
    assert stdlib.year_problems([("visits.json", own)]) == [
        f"visits.json: joined {D}: visit_of names no record of the set (purpose "
        f"{FIRST['purpose']!r}, {FIRST['record_digest']})",
        f"visits.json: earlier_visits of {C}: ['ZF502', 'ZF503', 'ZF505', 'ZJ502'] inspect "
        f"{C} in no other record of the set"]


def test_year_earlier_visit_through_a_joined_entry(base: dict[str, Any]) -> None:
    """People of an earlier visit may be in another record's joined entry (its officers,
    inherited or added experts)."""
    lead = _lead()
    lead["teams"]["teams"][1]["experts"] = []
    joiner = _joiner("second", ["ZJ504"], ["ZJ505"])
    joiner[1]["teams"]["joined"][0]["target"] = C
    joiner[1]["teams"]["joined"][0]["visit_of"] = {"purpose": "x", "record_digest": "sha256:"
                                                    + "3" * 64}
    joiner[1]["teams"]["joined"][0]["experts"] = ["ZJ502"]
    problems = stdlib.year_problems([("first.json", lead), ("visits.json", base), joiner])
    assert not any("earlier_visits" in p for p in problems), problems


def test_year_inherited_experts(base: dict[str, Any]) -> None:
    """Inherited experts hold the drawn team's experts, and otherwise only experts another
    record's joined entry for the same visit added."""
    lead = ("first.json", _lead())
    earlier = _joiner("second", ["ZJ504"], ["ZJ501"])  # added ZJ501 to the visit
    assert stdlib.year_problems([lead, earlier, _joiner("third", ["ZJ501", "ZJ504"], [])]) == []
    lacking = stdlib.year_problems([lead, earlier, _joiner("third", ["ZJ501"], [])])
    assert lacking == [f"third: joined {D}: inherited_experts lack ['ZJ504'], experts of the "
                       "team first.json drew"]
    foreign = stdlib.year_problems([lead, earlier, _joiner("third", ["ZJ504", "ZJ505"], [])])
    assert foreign == [f"third: joined {D}: inherited_experts ['ZJ505'] are neither experts "
                       "of the team first.json drew nor added to that visit by another "
                       "record of the set"]
    # an entry cannot inherit the experts it adds itself
    itself = stdlib.year_problems([lead, _joiner("third", ["ZJ501", "ZJ504"], ["ZJ501"])])
    assert len(itself) == 1
    assert "['ZJ501'] are neither" in itself[0]


# --- the year's records as a folder, through main() ---------------------------------------

@pytest.fixture(scope="module")
def year(files: Files) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two real records of one year that each verify: the first task's, drawn by the library
    (teams for every target, whole pool), and a second task's whose every target joins the
    first task's visit (no items: nothing to add)."""
    policy = TeamPolicy(
        check_date=dt.date.fromisoformat(VISITS["section"]["policy"]["check_date"]),
        conflicts=ConflictRegister([Conflict.from_dict(c) for c in VISITS["conflicts"]]),
        previous_inspectors=VISITS["previous_inspectors"])
    design = StratifiedByRisk(rates={VISITS["risk_class"]: "1"}, floor="0")
    sample = draw_targets(directory(), design, seed=VISITS["seed"],
                          purpose="2024/忻州市/visits-first")
    first = json.loads(assign_inspectors(sample, inspectors(), policy).record.to_json())
    assert not first["teams"]["unstaffed"]
    second = json.loads(draw_targets(directory(), design, seed=VISITS["seed"],
                                     purpose="2024/忻州市/visits-second").record.to_json())
    visit = {"purpose": first["purpose"], "record_digest": first["record_digest"]}
    second["teams"] = {
        **{k: first["teams"][k] for k in ("policy", "inspector_directory")},
        "fair_share": "0", "cap": 0, "exclusions": {}, "custom_exclusions": {}, "teams": [],
        "unstaffed": [],
        "joined": [{"target": t["target"], "visit_of": visit, "officers": t["officers"],
                    "leader": t["leader"], "inherited_experts": t["experts"], "experts": [],
                    "uncovered": []} for t in first["teams"]["teams"]]}
    return first, with_digest(second)


def _folder(files: Files, name: str, records: dict[str, dict[str, Any]]) -> Path:
    folder = files.folder / name
    folder.mkdir()
    for file, value in records.items():
        (folder / file).write_text(stdlib.canonical(value), encoding="utf-8")
    return folder


def test_year_folder_verifies(files: Files, year: tuple[dict[str, Any], dict[str, Any]],
                              capsys: pytest.CaptureFixture[str]) -> None:
    """Each record verifies alone (the joining one with the note), and the folder of both
    verifies with the year check passing."""
    first, second = year
    assert stdlib.main([str(files.write("second.json", second)), files.directory,
                        *files.options]) == 0
    alone = capsys.readouterr().out
    assert "NOTE year: the teams that 4 joined target(s) join" in alone
    folder = _folder(files, "year-ok", {"first.json": first, "second.json": second})
    assert stdlib.main([str(folder), files.directory, *files.options]) == 0
    out = capsys.readouterr().out
    assert "ok   year: 2 records of the year: 4 joined target(s)" in out
    assert "NOTE" not in out
    assert "2 of 2 records verified" in out


def test_year_folder_with_another_team_is_not_verified(
        files: Files, year: tuple[dict[str, Any], dict[str, Any]],
        capsys: pytest.CaptureFixture[str]) -> None:
    """The joining record names officers the first task did not draw: alone it still
    verifies (the joined team is taken as given, with the note), but the year's folder is
    NOT VERIFIED, naming the entry."""
    first, second = year
    entry = copy.deepcopy(second["teams"]["joined"][0])
    other = next(o["id"] for o in VISITS["inspectors"] if not o["is_expert"]
                 and o["credential_number"] and o["id"] not in entry["officers"])
    entry["officers"] = sorted([entry["leader"], other])
    changed = with_digest({**second, "teams": {**second["teams"], "joined": [
        entry, *second["teams"]["joined"][1:]]}})
    assert stdlib.main([str(files.write("changed.json", changed)), files.directory,
                        *files.options]) == 0
    capsys.readouterr()
    folder = _folder(files, "year-bad", {"first.json": first, "second.json": changed})
    assert stdlib.main([str(folder), files.directory, *files.options]) == 1
    out = capsys.readouterr().out
    assert f"FAIL year: second.json: joined {entry['target']}: officers {entry['officers']}" \
        in out
    assert "2 of 2 records verified; NOT VERIFIED: the year's records disagree" in out


def test_year_folder_without_the_visit_s_record(files: Files, base: dict[str, Any],
                                               year: tuple[dict[str, Any], dict[str, Any]],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The vector's record in a folder without the record of the visit it joins, nor of its
    target's earlier visit: each record verifies, the folder does not."""
    folder = _folder(files, "year-missing", {"first.json": year[0], "visits.json": base})
    assert stdlib.main([str(folder), files.directory, *files.options]) == 1
    out = capsys.readouterr().out
    assert f"FAIL year: visits.json: joined {D}: visit_of names no record of the set" in out
    assert f"FAIL year: visits.json: earlier_visits of {C}:" in out
    assert "2 of 2 records verified" in out


def test_folder_without_visits_prints_no_year_line(
        files: Files, year: tuple[dict[str, Any], dict[str, Any]],
        capsys: pytest.CaptureFixture[str]) -> None:
    """Records that use none of the additions are verified as before: no year line."""
    folder = _folder(files, "plain", {"a.json": year[0], "b.json": target_draw()})
    assert stdlib.main([str(folder), files.directory, *files.options]) == 0
    out = capsys.readouterr().out
    assert " year:" not in out
    assert "2 of 2 records verified" in out


def test_earlier_visits_of_a_joined_target_bar_its_added_expert(files: Files,
                                                                 base: dict[str, Any]) -> None:
    """A joined target may have earlier visits (§12.10): their people are not candidate
    experts, so listing the expert the record added makes the replay disagree."""
    entry = next(j for j in base["teams"]["joined"] if j["target"] == D)
    assert entry["experts"], "the vector's joined target has an added expert"
    barred = _edited(base, lambda t: t["earlier_visits"].update(
        {D: sorted(entry["experts"])}))
    failures = _failures(files.check(barred))
    assert failures, "an earlier-visit expert was still added"
    assert any("joined" in name for name in failures), failures
    unrelated = _edited(base, lambda t: t["earlier_visits"].update({D: ["ZF999"]}))
    assert not {k for k in _failures(files.check(unrelated)) if "joined" in k}

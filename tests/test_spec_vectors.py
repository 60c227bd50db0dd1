"""Known-answer vectors of the draw spec (docs/spec/vectors.json, §11): each is regenerated
by its script — written from the spec text alone, plain hashlib — and must match the file;
the library and the standalone verifier reproduce every one."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from random_inspection import (
    CheckItem,
    CheckItemList,
    Conflict,
    ConflictGround,
    ConflictRegister,
    CustomRule,
    EntityType,
    Inspector,
    InspectorDirectory,
    NoSubstituteError,
    RiskClass,
    Seed,
    StratifiedByRisk,
    Substitution,
    Target,
    TargetDirectory,
    TeamPolicy,
    assign_inspectors,
    draw_substitute,
    draw_targets,
)
from random_inspection import verifier as stdlib
from random_inspection.assignment._assign import form_teams
from random_inspection.registry._identifiers import uscc_check_character
from random_inspection.sampling import design_from_dict

SPEC = Path(__file__).parent.parent / "docs" / "spec"
VECTORS = json.loads((SPEC / "vectors.json").read_text(encoding="utf-8"))
SM3 = "sm3" in hashlib.algorithms_available


def _run(script: str) -> Any:
    done = subprocess.run([sys.executable, "-E", "-s", str(SPEC / script)], capture_output=True,
                          text=True, check=True, cwd=SPEC, encoding="utf-8")
    return json.loads(done.stdout)


@pytest.mark.skipif(not SM3, reason="this Python's OpenSSL has no SM3 (the sm3 vector)")
def test_scripts_regenerate_the_vectors() -> None:
    """Every vector script prints exactly what vectors.json holds."""
    allocation = _run("allocation_vectors.py")
    assert set(allocation) == {"floor", "weighted", "exclusions", "sm3"}
    for key, value in allocation.items():
        assert value == VECTORS[key], key
    assert _run("team_vectors.py") == {"team_modes": VECTORS["team_modes"]}
    teams = _run("teams_vector.py")
    assert {k: VECTORS["teams"][k] for k in teams} == teams


def _draw_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = [(name, VECTORS[name]) for name in ("floor", "exclusions", "sm3")]
    cases += [(f"weighted/{name}", v) for name, v in VECTORS["weighted"].items()]
    return cases


@pytest.mark.parametrize(("name", "vector"), _draw_cases(), ids=[c[0] for c in _draw_cases()])
def test_library_reproduces_draw_vectors(name: str, vector: dict[str, Any]) -> None:
    """The floor's scaling, class-weighted capping and rounding, exclusions and SM3: the
    library's record has the vector's directory, eligibility, allocation and strata."""
    if vector["hash"] == "sm3" and not SM3:
        pytest.skip("no SM3 in this Python's OpenSSL")
    directory = TargetDirectory.from_records(
        [Target.from_dict(row) for row in vector["directory_rows"]])
    sample = draw_targets(directory, design_from_dict(vector["design"]), seed=vector["seed"],
                          purpose=vector["purpose"], hash=vector["hash"])
    record = json.loads(sample.record.to_json())
    assert record["design"] == vector["design"]
    for key in ("directory", "eligibility", "allocation", "strata"):
        assert record[key] == vector["expected"][key], (name, key)
    assert list(sample.selected_ids) == vector["expected"]["selection"]


@pytest.mark.parametrize(("name", "vector"), _draw_cases(), ids=[c[0] for c in _draw_cases()])
def test_stdlib_verifier_reproduces_draw_vectors(name: str, vector: dict[str, Any]) -> None:
    """The standalone verifier computes the same eligibility, allocation and selections."""
    if vector["hash"] == "sm3" and not SM3:
        pytest.skip("no SM3 in this Python's OpenSSL")
    rows = sorted(({**row, "tags": ";".join(sorted(filter(None, row["tags"].split(";"))))}
                   for row in vector["directory_rows"]), key=lambda r: r["id"].encode())
    design, expected = vector["design"], vector["expected"]
    assert stdlib.directory_digest(rows) == expected["directory"]["digest"], name
    kept, counts = stdlib.eligible_rows(rows, design)
    assert counts == expected["eligibility"]
    pops = [sum(r["risk_class"] == c for r in kept) for c in stdlib.CLASSES]
    allocation = stdlib.allocate(design, pops, f"{vector['seed']},{vector['purpose']},rounding",
                                 vector["hash"])
    assert allocation == expected["allocation"]


def _team_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(v["policy"]["mode"] + "/" + v["policy"]["unit"] + f"/{k}", v)
            for k, v in enumerate(VECTORS["team_modes"])]


@pytest.mark.parametrize(("name", "vector"), _team_cases(), ids=[c[0] for c in _team_cases()])
def test_library_reproduces_team_vectors(name: str, vector: dict[str, Any]) -> None:
    """Teams by region, across offices, by group and with experts: the library's team section
    has the vector's teams, unstaffed reasons, fair share, cap, exclusions, custom exclusions
    and register digests."""
    inspectors = InspectorDirectory([Inspector.from_dict(i) for i in vector["inspectors"]])
    items = CheckItemList([CheckItem.from_dict(i) for i in vector["check_items"]])
    targets = [Target(id=t["id"], name="检查对象", entity_type=EntityType(t["entity_type"]),
                      region=t["region"], supervising_office=t["supervising_office"])
               for t in vector["targets"]]
    given = vector["policy"]
    policy = TeamPolicy(
        check_date=dt.date.fromisoformat(given["check_date"]), mode=given["mode"],
        unit=given["unit"], min_officers=given["min_officers"],
        leader_department=given["leader_department"], cap=given["cap"],
        conflicts=ConflictRegister([Conflict.from_dict(c) for c in vector["conflicts"]]),
        previous_inspectors=vector["previous_inspectors"],
        custom_rules=[CustomRule.recorded(r["name"], r["recuses"])
                      for r in vector["custom_rules"]],
        items=[items[code] for code in given["items"]], add_experts=given["add_experts"])
    section = form_teams(targets, inspectors, policy, seed=Seed(vector["seed"]),
                         purpose=vector["purpose"], hash_name=vector["hash"])
    assert section["policy"] == given
    expected = vector["expected"]
    assert section["inspector_directory"] == expected["inspector_directory"]
    for key in ("conflicts_digest", "previous_inspectors_digest", "items_digest"):
        assert section["policy"][key] == expected[key], key
    for key in ("teams", "unstaffed", "fair_share", "cap", "exclusions", "custom_exclusions"):
        assert section[key] == expected[key], (name, key)


def test_spec_lists_every_spelling() -> None:
    """§13.6 lists every header name and value word the verifiers read."""
    text = (SPEC / "draw-spec.md").read_text(encoding="utf-8")
    for table in (*stdlib.SPELLINGS.values(), *stdlib.HEADERS.values()):
        for spelling in filter(None, table):
            assert f"`{spelling}`" in text or f"`{spelling.upper()}`" in text, spelling


def _teams_vector_record() -> tuple[Any, TargetDirectory, InspectorDirectory, TeamPolicy]:
    """The `teams` vector's record, drawn by the library (test_draw_spec checks it)."""
    spec = VECTORS["teams"]
    directory = TargetDirectory.from_records(
        Target(id=f"91140921MA{k:07d}" + uscc_check_character(f"91140921MA{k:07d}"),
               name=name, entity_type=EntityType.ENTERPRISE, region="140921",
               risk_class=RiskClass(cls))
        for k, (cls, name) in enumerate(VECTORS["stratified"]["targets"]))
    inspectors = InspectorDirectory(
        Inspector(id=row["id"], name=row["id"], department=row["department"],
                  credential_number=row["credential_number"],
                  credential_expiry=(dt.date.fromisoformat(row["credential_expiry"])
                                     if row["credential_expiry"] else None))
        for row in spec["inspectors"])
    policy = TeamPolicy(
        check_date=dt.date.fromisoformat(spec["check_date"]), mode=spec["mode"],
        min_officers=spec["min_officers"], leader_department=spec["leader_department"],
        previous_inspectors=spec["previous"],
        conflicts=ConflictRegister(Conflict(inspector_id=i, target_id=t,
                                            ground=ConflictGround.RELATIVE)
                                   for i, t in spec["conflicts"]))
    sample = draw_targets(directory, StratifiedByRisk(rates=VECTORS["stratified"]["rates"],
                                                      floor="0"),
                          seed=Seed(spec["seed"]), purpose=spec["purpose"])
    return assign_inspectors(sample, inspectors, policy).record, directory, inspectors, policy


def test_substitute_vector(tmp_path: Path) -> None:
    """The §12.9 vector: substitute_vector.py prints what vectors.json holds; over the
    `teams` vector's record the library and verifier.py draw its substitutes, k and leaders,
    and find nobody where it finds an empty pool."""
    assert _run("substitute_vector.py") == {"substitutes": VECTORS["substitutes"]}
    record, directory, inspectors, policy = _teams_vector_record()
    directory.to_csv(tmp_path / "d.csv")
    inspectors.to_csv(tmp_path / "i.csv")
    policy.conflicts.to_csv(tmp_path / "c.csv")
    (tmp_path / "p.json").write_text(json.dumps(VECTORS["teams"]["previous"]), encoding="utf-8")
    inputs = stdlib.Inputs(str(tmp_path / "d.csv"), argparse.Namespace(
        inspectors=str(tmp_path / "i.csv"), item_list=None, conflicts=str(tmp_path / "c.csv"),
        previous=str(tmp_path / "p.json")))
    plain = json.loads(record.to_json())
    theirs = stdlib.Substitutes(plain, inputs)
    teams = {t["target"]: stdlib.drawn_team(t) for t in plain["teams"]["teams"]}
    earlier: list[Substitution] = []
    for step in VECTORS["substitutes"]["steps"]:
        target, leaving = directory[step["target"]], step["leaving"]
        team = teams[target.id]
        assert theirs.draw(target.id, leaving, team, step["k"]) == step["substitute"]
        if step["substitute"] is None:
            with pytest.raises(NoSubstituteError):
                draw_substitute(record, inspectors, policy, target, leaving, earlier=earlier)
            continue
        got = draw_substitute(record, inspectors, policy, target, leaving, earlier=earlier)
        assert (got.k, got.label, got.substitute, got.leader) == (
            step["k"], step["label"], step["substitute"], step["leader"])
        stdlib.substitute(team, leaving, got.substitute, policy.leader_department)
        assert (sorted(team["officers"]), team["leader"]) == (step["officers"], step["leader"])
        earlier.append(got)


def test_visit_vector(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The §12.10-12.12 vector: visit_vector.py prints what vectors.json holds, and a record
    built around its `teams` section (tests/_visits.py) verifies in verifier.py — the
    executing bureau, rotation_year, the joined target's added expert and the custom rule
    recusing its candidate replayed exactly — with a note that the joined team and the
    earlier visits are checked only against the year's records."""
    import _visits  # noqa: PLC0415

    assert _run("visit_vector.py") == {"visits": VECTORS["visits"]}
    section = VECTORS["visits"]["section"]
    # the vector shows what it was made to show
    assert section["exclusions"]["rotation_year"] >= 1
    assert section["policy"]["executing_level"] == "county"
    assert section["joined"][0]["experts"]
    files = _visits.Files(tmp_path)
    results = files.check(_visits.record())
    assert [(n, s) for n, s, _ in results if s not in ("ok", "note")] == []
    for name in ("joined", "teams", "unstaffed", "exclusions", "custom_exclusions", "cap",
                 "fair_share"):
        assert (name, "ok", "match") in results, name
    notes = [d for n, s, d in results if s == "note"]
    assert len(notes) == 1
    assert "checked only against the year's records" in notes[0]
    assert stdlib.main([str(tmp_path / "r.json"), files.directory, *files.options]) == 0
    out = capsys.readouterr().out
    assert "NOTE year:" in out
    assert out.rstrip().endswith("VERIFIED")


def test_library_reproduces_visit_vector() -> None:
    """The library's `form_teams`, given the vector's earlier visits and joined visit, makes
    the vector's whole `teams` section."""
    from random_inspection.assignment import JoinedVisit  # noqa: PLC0415

    vector = VECTORS["visits"]
    given = vector["section"]["policy"]
    inspectors = InspectorDirectory([Inspector.from_dict(i) for i in vector["inspectors"]])
    items = CheckItemList([CheckItem.from_dict(i) for i in vector["check_items"]])
    targets = [Target(id=t["id"], name=t["name"], entity_type=EntityType(t["entity_type"]),
                      region=t["region"], supervising_office=t["supervising_office"],
                      risk_class=RiskClass(vector["risk_class"]))
               for t in vector["targets"]]
    policy = TeamPolicy(
        check_date=dt.date.fromisoformat(given["check_date"]), mode=given["mode"],
        unit=given["unit"], min_officers=given["min_officers"],
        leader_department=given["leader_department"], cap=given["cap"],
        conflicts=ConflictRegister([Conflict.from_dict(c) for c in vector["conflicts"]]),
        previous_inspectors=vector["previous_inspectors"],
        custom_rules=[CustomRule.recorded(r["name"], r["recuses"])
                      for r in vector["custom_rules"]],
        items=[items[code] for code in given["items"]], add_experts=given["add_experts"],
        executing_level=given["executing_level"],
        widened_departments=tuple(given["widened_departments"]),
        widened_inspectors=tuple(given["widened_inspectors"]))
    joined = [JoinedVisit(target_id=j["target"], purpose=j["visit_of"]["purpose"],
                          record_digest=j["visit_of"]["record_digest"],
                          officers=tuple(j["officers"]), leader=j["leader"],
                          inherited_experts=tuple(j["inherited_experts"]))
              for j in vector["joined"]]
    section = form_teams(targets, inspectors, policy, seed=Seed(vector["seed"]),
                         purpose=vector["purpose"], hash_name=vector["hash"],
                         earlier_visits=vector["earlier_visits"], joined=joined)
    assert section == vector["section"]

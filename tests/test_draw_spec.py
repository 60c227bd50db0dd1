"""Known answers of the draw spec: Rivest's published vectors, SM3's standard vector, and a
stratified draw and its teams on a small directory, computed independently with plain
hashlib."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_inspection import (
    Conflict,
    ConflictGround,
    ConflictRegister,
    EntityType,
    Inspector,
    InspectorDirectory,
    InvalidValueError,
    RiskClass,
    Seed,
    StratifiedByRisk,
    Target,
    TargetDirectory,
    TeamPolicy,
    assign_inspectors,
    draw_targets,
)
from random_inspection.registry._identifiers import uscc_check_character
from random_inspection.sampling import rivest_integer, rivest_sample
from random_inspection.sampling._rivest import hash_function, rivest_stream

VECTORS = json.loads((Path(__file__).parents[1] / "docs/spec/vectors.json").read_text("utf-8"))


@pytest.mark.parametrize("case", VECTORS["rivest"], ids=lambda c: f"{c['seed']}-{c['total']}")
def test_rivest_published_vectors(case: dict[str, object]) -> None:
    """Rivest's sampler (cjerdonek/rivest-sampler-tests, with duplicates) reproduces exactly."""
    seed, total = str(case["seed"]), int(case["total"])  # type: ignore[call-overload]
    got = [rivest_integer(seed, i) % total + 1 for i in range(1, 4)]
    assert got == case["expected"]


def test_without_replacement_skips_duplicates() -> None:
    """Seed '0' over 2 gives 1, 1, 2 with duplicates, so 1, 2 without."""
    assert rivest_sample("0", 2, 2) == [1, 2]
    assert rivest_sample("0", 1000, 3) == [905, 573, 160]
    with pytest.raises(InvalidValueError):
        rivest_sample("0", 2, 3)


@pytest.mark.skipif("sm3" not in hashlib.algorithms_available, reason="no SM3 in OpenSSL")
def test_sm3_standard_vector() -> None:
    """GB/T 32905-2016 example 1: SM3('abc')."""
    assert hash_function("sm3")(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


def small_directory() -> TargetDirectory:
    """The spec's example directory (docs/spec/vectors.json): 8 enterprises."""
    records = []
    for k, (cls, name) in enumerate(VECTORS["stratified"]["targets"]):
        body = f"91140921MA{k:07d}"
        records.append(Target(id=body + uscc_check_character(body), name=name,
                              entity_type=EntityType.ENTERPRISE, region="140921",
                              risk_class=RiskClass(cls)))
    return TargetDirectory.from_records(records)


def _independent_rivest(seed_string: str, n_total: int, n_pick: int) -> list[int]:
    out: list[int] = []
    i = 0
    while len(out) < n_pick:
        i += 1
        x = int(hashlib.sha256(f"{seed_string},{i}".encode()).hexdigest(), 16) % n_total + 1
        if x not in out:
            out.append(x)
    return out


def test_stratified_vector() -> None:
    """The stratified vector: sizes by ceil, certainty class whole, selections by Rivest."""
    spec = VECTORS["stratified"]
    d = small_directory()
    design = StratifiedByRisk(rates=spec["rates"], floor="0")
    sample = draw_targets(d, design, seed=Seed(spec["seed"]), purpose=spec["purpose"])
    for label, expected in spec["expected"].items():
        stratum = next(s for s in sample.record.strata if s.label == label)
        assert list(stratum.selected) == expected
        members = [t.id for t in d if t.risk_class.code == label]
        seed_string = f"{spec['seed']},{spec['purpose']},{label}"
        assert stratum.seed_string == seed_string
        if stratum.size < stratum.population:  # recomputed from scratch, not by the library
            positions = _independent_rivest(seed_string, len(members), stratum.size)
            assert [members[p - 1] for p in positions] == expected
        else:
            assert expected == members
    assert d.digest == spec["directory_digest"]


def test_teams_vector(tmp_path: Path) -> None:
    """The §12 vector, computed from the spec text with plain hashlib: a leader phase whose
    cap rises to 3, a second phase at the fair share 2 where the greedy draws only over the
    officers below it, a conflict, rotation, and an expired credential. The library and the
    standalone verifier both reproduce it."""
    import argparse  # noqa: PLC0415

    from random_inspection import verifier  # noqa: PLC0415

    spec = VECTORS["teams"]
    day = dt.date.fromisoformat(spec["check_date"])
    inspectors = InspectorDirectory(
        Inspector(id=row["id"], name=row["id"], department=row["department"],
                  credential_number=row["credential_number"],
                  credential_expiry=(dt.date.fromisoformat(row["credential_expiry"])
                                     if row["credential_expiry"] else None))
        for row in spec["inspectors"])
    policy = TeamPolicy(
        check_date=day, mode=spec["mode"], min_officers=spec["min_officers"],
        leader_department=spec["leader_department"], previous_inspectors=spec["previous"],
        conflicts=ConflictRegister(Conflict(inspector_id=i, target_id=t,
                                            ground=ConflictGround.RELATIVE)
                                   for i, t in spec["conflicts"]))
    sample = draw_targets(small_directory(), StratifiedByRisk(rates=VECTORS["stratified"]["rates"],
                                                              floor="0"),
                          seed=Seed(spec["seed"]), purpose=spec["purpose"])
    assignment = assign_inspectors(sample, inspectors, policy)
    assert [{"target": t.target_id, "officers": list(t.officers), "leader": t.leader}
            for t in assignment.teams] == spec["teams"]
    assert str(assignment.fair_share) == spec["fair_share"]
    assert assignment.cap == spec["cap"]
    assert not assignment.unstaffed

    small_directory().to_csv(tmp_path / "d.csv")
    inspectors.to_csv(tmp_path / "i.csv")
    policy.conflicts.to_csv(tmp_path / "c.csv")
    (tmp_path / "p.json").write_text(json.dumps(spec["previous"]), encoding="utf-8")
    (tmp_path / "r.json").write_text(assignment.record.to_json(), encoding="utf-8")
    args = argparse.Namespace(inspectors=str(tmp_path / "i.csv"), item_list=None,
                              conflicts=str(tmp_path / "c.csv"), previous=str(tmp_path / "p.json"))
    results = verifier.check(str(tmp_path / "r.json"), str(tmp_path / "d.csv"), args)
    assert [name for name, status, _ in results if status != "ok"] == []
    assert any(name == "teams" and status == "ok" for name, status, _ in results)


@given(st.text(min_size=1, max_size=20), st.integers(1, 400), st.data())
def test_sample_is_the_start_of_the_stream(seed_string: str, population: int,
                                           data: st.DataObject) -> None:
    """`rivest_sample` returns the first positions of `rivest_stream`, distinct, in order."""
    size = data.draw(st.integers(0, population))
    sample = rivest_sample(seed_string, population, size)
    assert sample == list(itertools.islice(rivest_stream(seed_string, population), size))
    assert len(set(sample)) == size

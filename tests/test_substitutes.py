"""Substitutes drawn after the draw (替补抽取, spec §12.9): the rules every substitute obeys
over generated registers; the workspace journals them (SQLite and PostgreSQL); both verifiers
replay them from the journal and agree when one is forged; `team substitute` from the
terminal, and its refusals."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from random_inspection import (
    CheckItem,
    CheckItemList,
    Conflict,
    ConflictGround,
    ConflictRegister,
    CustomRule,
    DrawMode,
    EntityType,
    Inspector,
    InspectorDirectory,
    InspectorStatus,
    InvalidValueError,
    NoSubstituteError,
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
from random_inspection._canonical import canonical_digest
from random_inspection.audit import contribution_commitment
from random_inspection.audit._ceremony import PUBLISHED
from random_inspection.audit._journal import GENESIS, KINDS, entry_hash
from random_inspection.cli import main
from random_inspection.registry._identifiers import uscc_check_character
from random_inspection.strategies import inspector_directories, target_directories, team_policies

DAY = dt.date(2024, 6, 3)
ALL = StratifiedByRisk(rates=dict.fromkeys("ABCDU", "1"), floor="0", scope={"entity_types": []})
SEED = "31415926535897932384"
TASK = "2024/忻州市/替补"


# --- the rules, over generated registers -----------------------------------------------------

@st.composite
def cases(draw: st.DrawFn) -> tuple[TargetDirectory, InspectorDirectory, TeamPolicy,
                                    tuple[Any, Any], list[int]]:
    """Registers, a policy (sometimes with a custom rule), a staffed team and which of its
    officers leaves at each step."""
    targets = draw(target_directories(min_size=1, max_size=6))
    inspectors = draw(inspector_directories(
        min_size=3, max_size=12, experts=draw(st.sampled_from([False, None])),
        valid_on=draw(st.sampled_from([DAY, None]))))
    policy = draw(team_policies(inspectors=inspectors, targets=targets, check_date=DAY))
    if draw(st.booleans()):
        policy = attrs.evolve(policy, custom_rules=[
            CustomRule("尾号回避", lambda o, t: o.id[-1] == t.id[-1])])
    assignment = assign_inspectors(draw_targets(targets, ALL, seed=SEED, purpose="替补"),
                                   inspectors, policy)
    assume(assignment.teams)
    team = draw(st.sampled_from(assignment.teams))
    return targets, inspectors, policy, (assignment, team), draw(st.lists(
        st.integers(0, 9), min_size=1, max_size=5))


def _pool(target: Target, inspectors: InspectorDirectory, policy: TeamPolicy, ever: set[str],
          leader_leaves: bool) -> list[str]:
    """Who may substitute: written out from §12.9.4, not by the library."""
    conflicts = policy.conflicts.for_target(target.id, DAY)
    previous = policy.rotation.get(target.id, frozenset())
    out = []
    for o in inspectors:
        if not o.counts_as_officer(DAY) or o.id in conflicts or o.id in previous \
                or o.id in ever or any(r.applies(o, target) for r in policy.custom_rules):
            continue
        if policy.mode is DrawMode.BY_REGION and not (
                o.office_area and target.region.startswith(o.office_area)):
            continue
        if policy.mode is DrawMode.CROSS_OFFICE and o.office \
                and o.office == target.supervising_office:
            continue
        if leader_leaves and policy.leader_department \
                and o.department != policy.leader_department:
            continue
        out.append(o.id)
    return out


@given(cases())
def test_substitutes_obey_the_rules(case: Any) -> None:
    """Each substitute is credentialed on the check date, allowed by the mode, not recused
    (conflict, rotation, custom rule), never a current or former member, of the leader
    department when the leader leaves; k runs 1, 2, …; the draw is reproducible; and there is
    no substitute exactly when the rules leave nobody."""
    targets, inspectors, policy, (assignment, team), picks = case
    target = targets[team.target_id]
    record = assignment.record
    officers, leader = list(team.officers), team.leader
    ever = {*team.officers, *team.experts}
    earlier: list[Substitution] = []
    for step, pick in enumerate(picks, start=1):
        leaving = sorted(officers)[pick % len(officers)]
        eligible = _pool(target, inspectors, policy, ever, leaving == leader)
        if not eligible:
            with pytest.raises(NoSubstituteError) as info:
                draw_substitute(record, inspectors, policy, target, leaving, earlier=earlier)
            assert (info.value.target, info.value.leaving, info.value.k) == (target.id,
                                                                             leaving, step)
            return
        got = draw_substitute(record, inspectors, policy, target, leaving, earlier=earlier)
        assert got == draw_substitute(record, inspectors, policy, target, leaving,
                                      earlier=earlier)
        assert (got.target, got.leaving, got.k) == (target.id, leaving, step)
        assert got.substitute in eligible
        assert got.substitute not in ever
        officers = [*(o for o in officers if o != leaving), got.substitute]
        if not policy.leader_department:
            leader = min(officers)
        elif leaving == leader:
            assert inspectors[got.substitute].department == policy.leader_department
            leader = got.substitute
        assert got.leader == leader
        ever.add(got.substitute)
        earlier.append(got)


@given(cases())
def test_experts_and_strangers_cannot_leave(case: Any) -> None:
    """Only an officer of the team now may leave: an expert, someone outside the team, or an
    earlier leaver is refused with the team's officers named."""
    targets, inspectors, policy, (assignment, team), _ = case
    target = targets[team.target_id]
    outsiders = [i.id for i in inspectors if i.id not in team.officers]
    for leaving in [*team.experts, *outsiders[:2]]:
        with pytest.raises(InvalidValueError, match="leaving") as info:
            draw_substitute(assignment.record, inspectors, policy, target, leaving)
        assert not isinstance(info.value, NoSubstituteError)
        assert team.officers[0] in str(info.value)


def test_the_journal_tables_agree() -> None:
    """verifier.py knows the same journal kinds, payload types and published kinds."""
    assert stdlib.KINDS == KINDS
    assert set(stdlib.PUBLISHED) == set(PUBLISHED)
    assert KINDS["team_substituted"]["k"] == "int"


# --- a small jurisdiction in a workspace --------------------------------------------------

def _targets() -> TargetDirectory:
    rows = []
    for k in range(8):
        body = f"91140921MA{k:07d}"
        rows.append(Target(id=body + uscc_check_character(body), name=f"企业{k}",
                           entity_type=EntityType.ENTERPRISE, region="140921"))
    return TargetDirectory.from_records(rows)


def _inspectors() -> InspectorDirectory:
    """One officer of 甲局 (who leads every team), four of 乙局, one with an expired
    credential, one retired, and a food-safety expert every team needs."""
    def officer(i: str, department: str, **extra: Any) -> Inspector:
        return Inspector(id=i, name=i, department=department, credential_number="1409" + i[1:],
                         **extra)
    return InspectorDirectory([
        officer("A01", "甲局"), officer("A02", "甲局", credential_expiry=dt.date(2024, 6, 2)),
        *(officer(f"B0{n}", "乙局") for n in range(1, 5)),
        officer("B05", "乙局", status=InspectorStatus.RETIRED),
        Inspector(id="E01", name="E01", department="检测所", is_expert=True,
                  specialties=frozenset({"食品安全"}))])


ITEMS = CheckItemList([CheckItem(code="SJ01", name="食品生产经营检查", legal_basis="《食品安全法》",
                                 department="乙局", required_specialties=frozenset({"食品安全"}))])


def _policy(targets: TargetDirectory, *, rotation: bool) -> TeamPolicy:
    ids = targets.ids.tolist()
    return TeamPolicy(check_date=DAY, leader_department="甲局", items=list(ITEMS),
                      conflicts=ConflictRegister([Conflict(inspector_id="B01", target_id=ids[0],
                                                           ground=ConflictGround.RELATIVE)]),
                      previous_inspectors={ids[1]: ["B02"]} if rotation else {})


def _files(folder: Path, targets: TargetDirectory, policy: TeamPolicy) -> list[str]:
    """The registers as files, and the verify options that pass them."""
    targets.to_csv(folder / "d.csv")
    _inspectors().to_csv(folder / "i.csv")
    ITEMS.to_csv(folder / "items.csv")
    policy.conflicts.to_csv(folder / "c.csv")
    options = ["--inspectors", str(folder / "i.csv"), "--item-list", str(folder / "items.csv"),
               "--conflicts", str(folder / "c.csv")]
    if policy.rotation:
        (folder / "p.json").write_text(json.dumps({t: sorted(ids) for t, ids in
                                                   policy.rotation.items()}), encoding="utf-8")
        options += ["--previous", str(folder / "p.json")]
    return options


def _drawn(ws: Any, targets: TargetDirectory, policy: TeamPolicy) -> Any:
    """A ceremony with one contributor (a fixed seed), drawn with its teams."""
    store.open_ceremony(ws, purpose=TASK, design=ALL, directory=targets, contributors=["市局"],
                        actor="科室", inspectors=_inspectors(), items=ITEMS,
                        team_policy=policy)
    salt = "5" * 32
    store.commit_contribution(ws, purpose=TASK, contributor="市局",
                              commitment=contribution_commitment(SEED, salt))
    store.reveal_contribution(ws, purpose=TASK, contributor="市局", contribution=SEED, salt=salt)
    sample = store.draw_in_ceremony(ws, purpose=TASK, actor="科室")
    return store.assign_in_ceremony(ws, sample, _inspectors(), policy, actor="科室")


store = pytest.importorskip("random_inspection.store")


@pytest.fixture
def ws(location: str) -> Iterator[Any]:
    with store.Workspace.init(location) as workspace:
        yield workspace


def test_the_workspace_draws_and_journals_substitutes(ws: Any) -> None:
    """Rotation data must be passed; a substitute is journaled with k 1, 2, 3 and the team
    now shows it, a change by hand in between included; when nobody is left (every 乙局
    officer was in the team, or 甲局's only officer leads) nothing is journaled."""
    targets = _targets()
    policy = _policy(targets, rotation=True)
    teams = _drawn(ws, targets, policy)
    digest = teams.record.digest
    turned = teams.team_of(targets.ids.tolist()[1])  # B02 is in rotation for it
    assert turned is not None
    assert turned.leader == "A01"
    assert turned.experts == ("E01",)
    with pytest.raises(InvalidValueError, match="previous_inspectors"):
        store.substitute(ws, digest, turned.target_id, turned.officers[1], reason="病假",
                         actor="科室")
    with pytest.raises(InvalidValueError, match="not the rotation data"):
        store.substitute(ws, digest, turned.target_id, turned.officers[1], reason="病假",
                         actor="科室", previous_inspectors={turned.target_id: ["B03"]})
    rotation = {t: list(ids) for t, ids in policy.rotation.items()}
    other = store.substitute(ws, digest, turned.target_id, turned.officers[1], reason="病假",
                             actor="科室", previous_inspectors=rotation)
    assert other.substitute not in {"B02", turned.officers[1], "A01", "A02", "B05"}
    team = teams.team_of(targets.ids.tolist()[3])  # nobody recused: B01 to B04
    assert team is not None
    leaving = next(o for o in team.officers if o != "A01")
    first = store.substitute(ws, digest, team.target_id, leaving, reason="病假", actor="科室",
                             previous_inspectors=rotation)
    assert first.k == 1
    spare = next(o for o in ("B01", "B03", "B04") if o not in (leaving, first.substitute))
    store.change_team(ws, digest, team.target_id, remove=[first.substitute], add=[spare],
                      reason="回避", actor="科室")
    second = store.substitute(ws, digest, team.target_id, spare, reason="调离", actor="科室",
                              previous_inspectors=rotation)
    assert second.k == 2
    assert second.substitute not in {leaving, first.substitute, spare}
    now = store.team_now(ws, digest, team.target_id)
    assert now["officers"] == sorted(["A01", second.substitute])
    assert now["leader"] == "A01"
    assert [s["k"] for s in now["substitutions"]] == [1, 2]
    assert len(now["changes"]) == 1
    head = ws.head()
    for who in (second.substitute, "A01"):  # every 乙局 officer was in it; 甲局 has one
        with pytest.raises(NoSubstituteError, match="no officer"):
            store.substitute(ws, digest, team.target_id, who, reason="病假", actor="科室",
                             previous_inspectors=rotation)
    with pytest.raises(InvalidValueError, match="experts are not substituted"):
        store.substitute(ws, digest, team.target_id, "E01", reason="病假", actor="科室",
                         previous_inspectors=rotation)
    assert ws.head() == head
    kinds = [e.kind for e in ws.journal(start=head[0] - 2)]
    assert kinds == ["team_substituted", "team_changed", "team_substituted"]


def test_a_substitute_worked_out_from_an_old_journal_is_refused(ws: Any) -> None:
    """An append that was worked out before another change to the teams was journaled is
    refused, so two clerks cannot both draw substitution k."""
    targets = _targets()
    teams = _drawn(ws, targets, _policy(targets, rotation=False))
    team = teams.teams[2]
    seq = ws.head()[0]
    store.substitute(ws, teams.record.digest, team.target_id, team.officers[1], reason="病假",
                     actor="科室")
    with pytest.raises(store.StoreError, match="do it again"):
        ws.append("team_substituted", {"record_digest": teams.record.digest,
                                       "target": team.target_id, "leaving": "B01",
                                       "substitute": "B03", "k": 1, "reason": "x"},
                  actor="科室", unchanged=(seq, ("team_changed", "team_substituted")))
    assert ws.head()[0] == seq + 1


# --- both verifiers --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A record with teams, three substitutes (two for one target, with a change by hand
    between them) and the journal export; the verify arguments."""
    folder = tmp_path_factory.mktemp("substitutes")
    targets = _targets()
    policy = _policy(targets, rotation=True)
    rotation = {t: list(ids) for t, ids in policy.rotation.items()}
    with store.Workspace.init(folder / "ws") as ws:
        teams = _drawn(ws, targets, policy)
        digest = teams.record.digest
        one, two = teams.teams[3], teams.teams[5]
        first = store.substitute(ws, digest, one.target_id, one.officers[1], reason="病假",
                                 actor="科室", previous_inspectors=rotation)
        spare = next(o for o in ("B01", "B02", "B03", "B04")
                     if o not in (one.officers[1], first.substitute))
        store.change_team(ws, digest, one.target_id, remove=[first.substitute], add=[spare],
                          reason="回避", actor="科室")
        store.substitute(ws, digest, one.target_id, spare, reason="调离", actor="科室",
                         previous_inspectors=rotation)
        store.substitute(ws, digest, two.target_id, two.officers[1], reason="出差",
                         actor="科室", previous_inspectors=rotation)
        (folder / "j.jsonl").write_text("".join(json.dumps(e.to_dict(), ensure_ascii=False)
                                                + "\n" for e in ws.journal()),
                                        encoding="utf-8")
    (folder / "r.json").write_text(teams.record.to_json(), encoding="utf-8")
    options = _files(folder, targets, policy)
    return folder, [str(folder / "r.json"), str(folder / "d.csv"), *options]


def _both(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, int, str, str]:
    mine = main(["verify", *args])
    mine_out = capsys.readouterr().out
    theirs = stdlib.main(args)
    return mine, theirs, mine_out, capsys.readouterr().out


def _lines(text: str, name: str) -> list[str]:
    return [line.split(": ", 1)[1] for line in text.splitlines() if f" {name}: " in line]


def test_both_verifiers_replay_the_substitutes(published: tuple[Path, list[str]],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Both verify the record with the journal, list the same substitutes and the same team
    change (replayed over a team with a substitute), and without the inspector directory
    both cannot check, naming it."""
    folder, args = published
    journal = ["--journal", str(folder / "j.jsonl")]
    mine, theirs, out, other = _both([*args, *journal], capsys)
    assert (mine, theirs) == (0, 0), out + other
    assert _lines(out, "substitutes") == _lines(other, "substitutes")
    assert _lines(out, "substitutes")[0].startswith("3 drawn after the draw: entry ")
    assert "/2) because 调离" in _lines(out, "substitutes")[0]
    assert _lines(out, "team changes") == _lines(other, "team changes")
    mine, theirs, out, other = _both([*args[:2], *journal], capsys)
    assert (mine, theirs) == (2, 2)
    for text in (out, other):
        assert "substitutes: the journal has substitutes drawn after the draw: pass " \
               "--inspectors" in text


def _edited(folder: Path, edit: Any) -> Path:
    """The export with ``edit`` applied to its substitutes and the chain redone (what an
    insider without keys can do)."""
    entries = [json.loads(line) for line in
               (folder / "j.jsonl").read_text(encoding="utf-8").splitlines()]
    edit([e for e in entries if e["kind"] == "team_substituted"])
    prev = GENESIS
    for entry in entries:
        entry["prev"] = prev
        entry["payload_digest"] = canonical_digest(entry["payload"])
        entry["hash"] = prev = entry_hash(entry)
    path = folder / "edited.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries),
                    encoding="utf-8")
    return path


def _set(index: int, key: str, value: Any) -> Any:
    return lambda drawn: drawn[index]["payload"].update({key: value})


@pytest.mark.parametrize(("name", "edit", "says"), [
    ("another substitute", _set(2, "substitute", "A02"), "draws"),
    ("k skipped", _set(2, "k", 2), "k = 2, but it is substitution 1"),
    ("k repeated", _set(1, "k", 1), "k = 1, but it is substitution 2"),
    ("a leaver not in the team", _set(2, "leaving", "B05"), "is not an officer of its team"),
    ("an expert leaving", _set(0, "leaving", "E01"), "experts are not substituted"),
    ("no team", _set(2, "target", "91140921MA0000099X"), "which has none"),
])
def test_a_forged_substitute_fails_both_verifiers(name: str, edit: Any, says: str,
                                                  published: tuple[Path, list[str]],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A journaled substitute edited, a k skipped or repeated, a leaver who was not an
    officer of the team then, an expert leaving, a target without a team — each with the
    chain redone — fails in both verifiers, with the same check named."""
    folder, args = published
    journal = ["--journal", str(_edited(folder, edit))]
    mine, theirs, out, other = _both([*args, *journal], capsys)
    assert (mine, theirs) == (1, 1), (name, out, other)
    for text in (out, other):
        assert "FAIL substitutes: " in text, (name, text)
        assert says in text, (name, text)
    if name in ("k skipped", "a leaver not in the team"):  # no registers needed to see it
        mine, theirs, *_ = _both([*args[:2], *journal], capsys)
        assert (mine, theirs) == (1, 1), name


def test_withholding_a_substitute_fails(published: tuple[Path, list[str]],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A substitute's payload may not be withheld from an export."""
    folder, args = published
    lines = [json.loads(line) for line in
             (folder / "j.jsonl").read_text(encoding="utf-8").splitlines()]
    seq = next(e["seq"] for e in lines if e["kind"] == "team_substituted")
    lines[seq - 1]["payload"] = None
    (folder / "withheld.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n"
                                                   for e in lines), encoding="utf-8")
    mine, theirs, out, other = _both([*args, "--journal", str(folder / "withheld.jsonl")],
                                     capsys)
    assert (mine, theirs) == (1, 1)
    for text in (out, other):
        assert f"withholds the payload of entry {seq} (team_substituted)" in text


# --- the command line ------------------------------------------------------------------------

def test_team_substitute_from_the_terminal(location: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """`team substitute` draws, journals and shows the substitute; `team show` lists it; an
    unknown target, an expert as leaver, nobody eligible and a missing rotation file are
    refused with exit status 2, naming the field, the value and the fix, and journal
    nothing."""
    targets = _targets()
    policy = _policy(targets, rotation=False)
    with store.Workspace.init(location) as ws:
        teams = _drawn(ws, targets, policy)
    team = teams.teams[0]
    (tmp_path / "r.json").write_text(teams.record.to_json(), encoding="utf-8")
    base = ["team", "substitute", "--workspace", location, "--record", str(tmp_path / "r.json"),
            "--reason", "病假", "--actor", "科室"]
    assert main([*base, "--target", team.target_id, "--leaving", team.officers[1]]) == 0
    out = capsys.readouterr().out
    assert f"substitute 替补 for {team.officers[1]}" in out
    assert f"substitute/{team.target_id}/1" in out
    assert main(["team", "show", "--workspace", location, "--record", teams.record.digest,
                 "--target", team.target_id]) == 0
    assert f"-{team.officers[1]} +" in capsys.readouterr().out
    with store.Workspace.open(location) as ws:
        head = ws.head()
        now = store.team_now(ws, teams.record.digest, team.target_id)
    spent = next(o for o in now["officers"] if o != "A01")
    for extra, words in (
            (["--target", "91140921MA0000099X", "--leaving", "B01"],
             ("'target'", "91140921MA0000099X", "Fix: give a target")),
            (["--target", team.target_id, "--leaving", "E01"],
             ("'leaving'", "'E01'", "experts are not substituted", "Fix: name one of")),
            (["--target", team.target_id, "--leaving", "A01"],
             ("'leaving'", "'A01'", "no officer of the leader department", "Fix: ")),
            (["--target", team.target_id, "--leaving", "NOBODY"],
             ("'leaving'", "not an officer of the team now", spent))):
        assert main([*base, *extra]) == 2, extra
        err = capsys.readouterr().err
        for word in words:
            assert word in err, (extra, err)
    other = _policy(targets, rotation=True)
    with store.Workspace.init(str(tmp_path / "rotation")) as ws:
        drawn = _drawn(ws, targets, other)
    assert main(["team", "substitute", "--workspace", str(tmp_path / "rotation"), "--record",
                 drawn.record.digest, "--target", drawn.teams[0].target_id, "--leaving",
                 drawn.teams[0].officers[1], "--reason", "病假", "--actor", "科室"]) == 2
    assert "--previous FILE" in capsys.readouterr().err
    with store.Workspace.open(location) as ws:
        assert ws.head() == head

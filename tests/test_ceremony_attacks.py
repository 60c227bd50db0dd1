"""A hostile insider against the seed ceremony: each way found to re-draw a task, or to hide
a re-draw, without it showing when the record is verified with the journal — and a hostile
export against both verifiers, which must agree and never crash."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from random_inspection import InvalidValueError, StratifiedByRisk, TeamPolicy
from random_inspection import verifier as stdlib
from random_inspection._canonical import canonical_digest
from random_inspection.audit import contribution_commitment, read_jsonl, write_jsonl
from random_inspection.audit._journal import GENESIS, entry_hash
from random_inspection.cli import main
from random_inspection.demo import DemoCity

store = pytest.importorskip("random_inspection.store")
pytest.importorskip("cryptography")
from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey,
)
from cryptography.hazmat.primitives.serialization import (  # noqa: E402
    Encoding,
    PublicFormat,
)

TASK = "2024/忻州市/task-a"
DESIGN = StratifiedByRisk.from_preset("henan-2021", unclassified="1/100")
POLICY = TeamPolicy(check_date=dt.date(2024, 6, 3), mode="by_region")


@pytest.fixture
def ws(location: str) -> Iterator[Any]:
    with store.Workspace.init(location) as workspace:
        yield workspace


def _open(ws: Any, city: DemoCity, purpose: str = TASK, **extra: Any) -> None:
    store.open_ceremony(ws, purpose=purpose, design=DESIGN, directory=city.targets,
                        contributors=["市局", "公证处"], actor="科室", **extra)


def _commit_reveal(ws: Any, purpose: str = TASK, *, reveal: int = 2) -> None:
    parts = {name: (str(secrets.randbelow(10**22)).zfill(22), secrets.token_hex(16))
             for name in ("市局", "公证处")}
    for name, (value, salt) in parts.items():
        store.commit_contribution(ws, purpose=purpose, contributor=name,
                                  commitment=contribution_commitment(value, salt))
    for name, (value, salt) in list(parts.items())[:reveal]:
        store.reveal_contribution(ws, purpose=purpose, contributor=name, contribution=value,
                                  salt=salt)


def _drawn(ws: Any, city: DemoCity, purpose: str = TASK, **extra: Any) -> Any:
    _open(ws, city, purpose, **extra)
    _commit_reveal(ws, purpose)
    return store.draw_in_ceremony(ws, purpose=purpose, actor="科室")


def _verdicts(ws: Any, city: DemoCity, record: Any, folder: Path,
              capsys: pytest.CaptureFixture[str], *, edit: Any = None,
              head: str | None = None) -> tuple[int, int, str, str]:
    """Both verifiers on ``record`` with the workspace's journal exported (and ``edit``ed,
    as a list of entry dicts): their exit codes and outputs."""
    entries = [e.to_dict() for e in ws.journal()]
    if edit is not None:
        edit(entries)
    journal = folder / "journal.jsonl"
    journal.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries),
                       encoding="utf-8")
    (folder / "r.json").write_text(record.to_json(), encoding="utf-8")
    if not (folder / "d.csv").exists():
        city.targets.to_csv(folder / "d.csv")
    extra = ["--journal-head", head] if head else []
    capsys.readouterr()
    mine = main(["verify", str(folder / "r.json"), str(folder / "d.csv"), "--journal",
                 str(journal), *extra])
    mine_out = capsys.readouterr()
    theirs = stdlib.main([str(folder / "r.json"), str(folder / "d.csv"), "--journal",
                          str(journal), *extra])
    theirs_out = capsys.readouterr()
    return mine, theirs, mine_out.out + mine_out.err, theirs_out.out + theirs_out.err


def test_a_later_ceremony_that_knew_its_seed_shows(ws: Any, small_city: DemoCity,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Draw, then open another ceremony (with a reason), reveal its seed, never draw it: the
    first draw still verifies, and both verifiers say the other ceremony knew its seed."""
    first = _drawn(ws, small_city)
    _open(ws, small_city, reason="试抽")
    _commit_reveal(ws)
    mine, theirs, out, other = _verdicts(ws, small_city, first.record, tmp_path, capsys)
    assert (mine, theirs) == (0, 0)
    for text in (out, other):
        assert "1 other ceremony(ies) of this task never drew" in text
        assert "its seed was known" in text
    _open(ws, small_city, reason="再试")  # one reveal of two: the last contributor knew it
    _commit_reveal(ws, reveal=1)
    *_, out, other = _verdicts(ws, small_city, first.record, tmp_path, capsys)
    assert "the last contributor knew its seed" in out
    assert "the last contributor knew its seed" in other


@pytest.mark.parametrize("kind", ["draw_attempt", "ceremony_opened", "seed_revealed"])
def test_withholding_a_ceremony_payload_fails(kind: str, ws: Any, small_city: DemoCity,
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """An export that withholds the payload of a later re-draw, of an abandoned ceremony or
    of a reveal (the chain still checks) fails in both verifiers."""
    first = _drawn(ws, small_city)
    _open(ws, small_city, reason="重新抽取")
    _commit_reveal(ws)
    store.draw_in_ceremony(ws, purpose=TASK, actor="科室")
    last = max(e.seq for e in ws.journal() if e.kind == kind)

    def withhold(entries: list[dict[str, Any]]) -> None:
        entries[last - 1]["payload"] = None

    mine, theirs, out, other = _verdicts(ws, small_city, first.record, tmp_path, capsys,
                                         edit=withhold)
    assert (mine, theirs) == (1, 1)
    assert f"withholds the payload of entry {last}" in out
    assert f"withholds the payload of entry {last}" in other


def test_a_cut_tail_fails_against_the_published_head(ws: Any, small_city: DemoCity,
                                                     tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    """Cutting the re-draw off the export passes on its own, not against the head."""
    first = _drawn(ws, small_city)
    cut = ws.head()[0]
    _open(ws, small_city, reason="重新抽取")
    _commit_reveal(ws)
    store.draw_in_ceremony(ws, purpose=TASK, actor="科室")
    head = ws.head()[1]

    def truncate(entries: list[dict[str, Any]]) -> None:
        del entries[cut:]

    assert _verdicts(ws, small_city, first.record, tmp_path, capsys, edit=truncate)[:2] == (0, 0)
    mine, theirs, out, other = _verdicts(ws, small_city, first.record, tmp_path, capsys,
                                         edit=truncate, head=head)
    assert (mine, theirs) == (1, 1)
    assert "published head" in out
    assert "published head" in other


@pytest.mark.parametrize("purpose", [
    "2024/忻州市/task-a\u200b", "\ufeff2024/忻州市/task-a", "2024/忻州市/task\u00a0a",
    "２024/忻州市/task-a", "2024/忻州市/tаsk-a", "2024/忻州市/TASK-A", "2024/忻州市/task-a\x85"])
def test_a_look_alike_purpose_is_refused(purpose: str, ws: Any, small_city: DemoCity) -> None:
    """Invisible, control, full-width or Cyrillic look-alike characters, or a label that
    differs only in case from a task drawn before, cannot open a fresh "attempt 1"."""
    _drawn(ws, small_city)
    with pytest.raises(InvalidValueError, match="purpose"):
        _open(ws, small_city, purpose)


def test_teams_are_drawn_once_from_a_committed_policy(ws: Any, small_city: DemoCity,
                                                      tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """No policy committed: no teams. Committed: drawn once; a second draw is refused, and a
    forged second teams_drawn entry fails both verifiers."""
    bare = _drawn(ws, small_city)
    with pytest.raises(InvalidValueError, match="not committed"):
        store.assign_in_ceremony(ws, bare, small_city.inspectors, POLICY, actor="科室")
    other = "2024/忻州市/task-b"
    sample = _drawn(ws, small_city, other, inspectors=small_city.inspectors,
                    team_policy=POLICY)
    first = store.assign_in_ceremony(ws, sample, small_city.inspectors, POLICY, actor="科室")
    with pytest.raises(InvalidValueError, match="drawn for this draw already"):
        store.assign_in_ceremony(ws, sample, small_city.inspectors, POLICY, actor="科室")
    assert store.teams_in_ceremony(ws, sample).record.digest == first.record.digest
    ws.append("teams_drawn", {"ceremony": other, "record_digest": "sha256:" + "1" * 64,
                              "draw_digest": sample.record.digest}, actor="内鬼")
    small_city.inspectors.to_csv(tmp_path / "i.csv")
    mine, theirs, out, text = _verdicts(ws, small_city, sample.record, tmp_path, capsys)
    assert (mine, theirs) == (1, 1)
    assert "teams were drawn 2 times" in out
    assert "teams were drawn 2 times" in text


def test_team_changes_are_replayed(ws: Any, small_city: DemoCity, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A change naming someone twice is refused; a forged change leaving one officer fails
    both verifiers."""
    sample = _drawn(ws, small_city, inspectors=small_city.inspectors, team_policy=POLICY)
    teams = store.assign_in_ceremony(ws, sample, small_city.inspectors, POLICY, actor="科室")
    team = teams.teams[0]
    spare = next(o.id for o in small_city.inspectors.officers_on(POLICY.check_date)
                 if o.id not in team.officers)
    with pytest.raises(InvalidValueError, match="twice"):
        store.change_team(ws, teams.record.digest, team.target_id, remove=list(team.officers),
                          add=[spare, spare], leader=spare, reason="x", actor="科室")
    ws.append("team_changed", {"record_digest": teams.record.digest, "target": team.target_id,
                               "reason": "内鬼", "change": {"remove": list(team.officers),
                                                          "add": [["leader", spare]]}},
              actor="内鬼")
    small_city.inspectors.to_csv(tmp_path / "i.csv")
    record_path = tmp_path / "teams.json"
    record_path.write_text(teams.record.to_json(), encoding="utf-8")
    write_jsonl(list(ws.journal()), tmp_path / "j.jsonl")
    small_city.targets.to_csv(tmp_path / "d.csv")
    args = [str(record_path), str(tmp_path / "d.csv"), "--inspectors", str(tmp_path / "i.csv"),
            "--journal", str(tmp_path / "j.jsonl")]
    assert main(["verify", *args]) == 1
    assert stdlib.main(args) == 1
    out = capsys.readouterr().out
    assert out.count("with 1 officer(s), fewer than the policy's 2") == 2


def test_signed_ceremonies_and_bad_keys(ws: Any, small_city: DemoCity) -> None:
    """A signer signs every entry of a ceremony (registers included): the chain verifies
    with signatures checked; a key that is not one is refused when registered."""
    key = Ed25519PrivateKey.generate()
    public = "ed25519:" + key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    ws.append("key_registered", {"actor": "科室", "public_key": public}, actor="admin")
    _open(ws, small_city, signer=(public, key.sign))
    report = ws.check_journal()
    assert report.ok, report
    assert report.signatures == "checked"
    with pytest.raises(InvalidValueError, match="public_key"):
        ws.append("key_registered", {"actor": "k", "public_key": "ed25519:XYZ"}, actor="admin")
    with pytest.raises(InvalidValueError, match="attempt"):
        ws.append("draw_attempt", {"ceremony": TASK, "attempt": "2", "record_digest": "x",
                                   "replaces": None, "reason": None}, actor="admin")
    with pytest.raises(InvalidValueError, match="commitment"):
        store.commit_contribution(ws, purpose=TASK, contributor="市局",
                                  commitment="sha256:" + "z" * 64)


def test_an_interrupted_draw_resumes(ws: Any, small_city: DemoCity, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Drawn, but the teams and the folder never made (an interruption): `ceremony draw`
    again writes the same draw, draws the committed teams once, and journals no new
    attempt."""
    small_city.inspectors.to_csv(tmp_path / "i.csv")
    sample = _drawn(ws, small_city, inspectors=small_city.inspectors, team_policy=POLICY)
    attempts = [e.seq for e in ws.journal() if e.kind == "draw_attempt"]
    assert store.drawn_in_ceremony(ws, purpose=TASK).record == sample.record
    out = tmp_path / "out"
    assert main(["ceremony", "draw", "--workspace", ws.location, "--purpose", TASK,
                 "--actor", "科室", "--out", str(out)]) == 0
    assert "drawn in this ceremony already" in capsys.readouterr().out
    assert [e.seq for e in ws.journal() if e.kind == "draw_attempt"] == attempts
    record = json.loads((out / "record.json").read_text(encoding="utf-8"))
    assert record["teams"]["teams"]
    again = tmp_path / "again"
    assert main(["ceremony", "draw", "--workspace", ws.location, "--purpose", TASK,
                 "--actor", "科室", "--out", str(again)]) == 0
    assert (again / "record.json").read_bytes() == (out / "record.json").read_bytes()
    assert sum(e.kind == "teams_drawn" for e in ws.journal()) == 1


# --- a hostile export: both verifiers agree and never crash ----------------------------------

@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, small_city: DemoCity) -> Path:
    """A record drawn in a ceremony, re-drawn, with teams, a team change and a substitute;
    its directory, inspectors and the journal export."""
    folder = tmp_path_factory.mktemp("published")
    with store.Workspace.init(folder / "ws") as ws:
        _drawn(ws, small_city, inspectors=small_city.inspectors, team_policy=POLICY)
        _open(ws, small_city, reason="重新抽取", inspectors=small_city.inspectors,
              team_policy=POLICY)
        _commit_reveal(ws)
        sample = store.draw_in_ceremony(ws, purpose=TASK, actor="科室")
        teams = store.assign_in_ceremony(ws, sample, small_city.inspectors, POLICY,
                                         actor="科室")
        team = teams.teams[0]
        spare = next(o.id for o in small_city.inspectors.officers_on(POLICY.check_date)
                     if o.id not in team.officers and o.office_area
                     and small_city.targets[team.target_id].region.startswith(o.office_area))
        store.change_team(ws, teams.record.digest, team.target_id,
                          remove=[o for o in team.officers if o != team.leader],
                          add=[spare], reason="病假", actor="科室")
        store.substitute(ws, teams.record.digest, team.target_id, spare, reason="出差",
                         actor="科室")
        write_jsonl(list(ws.journal()), folder / "journal.jsonl")
    (folder / "r.json").write_text(teams.record.to_json(), encoding="utf-8")
    small_city.targets.to_csv(folder / "d.csv")
    small_city.inspectors.to_csv(folder / "i.csv")
    return folder


VALUES = st.sampled_from([None, True, 0, -1, 1.5, 2**60, "", "x", "sha256:" + "0" * 64, [],
                          {}, ["officer", "x"], {"remove": [], "add": []}])
EDITS = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 40), st.sampled_from(
        ["seq", "time", "actor", "kind", "payload", "payload_digest", "prev", "hash",
         "signature", "payload.ceremony", "payload.attempt", "payload.commitment",
         "payload.contributor", "payload.change", "payload.reason", "payload.replaces",
         "payload.k", "payload.leaving", "payload.substitute", "payload.target"]),
        VALUES),
    st.tuples(st.just("drop"), st.integers(0, 40), st.sampled_from(
        ["time", "payload", "signature", "payload.reason", "payload.commitment"]), st.none()),
    st.tuples(st.just("delete"), st.integers(0, 40), st.none(), st.none()),
    st.tuples(st.just("swap"), st.integers(0, 40), st.none(), st.none()),
    st.tuples(st.just("blank"), st.integers(0, 40), st.none(), st.none()))


def _apply(lines: list[dict[str, Any]], edit: tuple[str, int, Any, Any]) -> None:
    action, where, key, value = edit
    k = where % len(lines)
    entry = lines[k]
    if action == "delete":
        del lines[k]
    elif action == "swap" and k + 1 < len(lines):
        lines[k], lines[k + 1] = lines[k + 1], lines[k]
    elif action == "blank":
        lines.insert(k, {})
    elif action in ("set", "drop"):
        target, name = entry, key
        if key.startswith("payload."):
            target, name = entry.get("payload"), key.split(".", 1)[1]
            if not isinstance(target, dict):
                return
        if action == "set":
            target[name] = value
        else:
            target.pop(name, None)


def _rechain(lines: list[dict[str, Any]]) -> None:
    """What an insider without keys does after editing: renumber, redo every digest and
    hash (where the fields allow it)."""
    prev = GENESIS
    for seq, entry in enumerate((e for e in lines if e), start=1):
        entry["seq"], entry["prev"] = seq, prev
        try:
            if isinstance(entry.get("payload"), dict):
                entry["payload_digest"] = canonical_digest(entry["payload"])
            entry["hash"] = entry_hash(entry)
        except (InvalidValueError, KeyError, TypeError, ValueError):
            pass
        prev = entry.get("hash", prev)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDITS, min_size=1, max_size=3), rechain=st.booleans())
def test_both_verifiers_agree_on_a_hostile_export(published: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  edits: list[Any], rechain: bool) -> None:
    """Any edits to the export (a value of another type, a key dropped, an entry deleted,
    swapped or blanked), with the chain redone or not: the library and verifier.py reach the
    same exit code, and neither crashes (no exit 70, no traceback)."""
    lines = [json.loads(line) for line in
             (published / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
    for edit in edits:
        _apply(lines, edit)
    if rechain:
        _rechain(lines)
    journal = tmp_path / f"j{secrets.token_hex(4)}.jsonl"
    journal.write_text("".join("\n" if not e else json.dumps(e, ensure_ascii=False) + "\n"
                               for e in lines), encoding="utf-8")
    args = [str(published / "r.json"), str(published / "d.csv"), "--inspectors",
            str(published / "i.csv"), "--journal", str(journal)]
    mine = main(["verify", *args])
    theirs = stdlib.main(args)
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    assert mine != 70
    assert mine == theirs, (edits, out.out[-600:], out.err[-300:])


def test_the_unedited_export_verifies(published: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    """The export the hostile edits start from verifies in both, team change and substitute
    included."""
    args = [str(published / "r.json"), str(published / "d.csv"), "--inspectors",
            str(published / "i.csv"), "--journal", str(published / "journal.jsonl")]
    assert main(["verify", *args]) == 0
    assert stdlib.main(args) == 0
    out = capsys.readouterr().out
    assert out.count("1 team change(s) after the draw") == 2
    assert out.count("substitutes: 1 drawn after the draw") == 2
    assert read_jsonl(published / "journal.jsonl")

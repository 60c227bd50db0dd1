"""The seed ceremony in a workspace (spec §17): commit to every input, commit and reveal the
contributions, draw once; a re-draw needs a reason and shows in the record and the journal;
both verifiers check a record against the exported journal."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from random_inspection import (
    AuditRecord,
    InvalidValueError,
    StratifiedByRisk,
    TeamPolicy,
    verify,
)
from random_inspection import verifier as stdlib
from random_inspection._canonical import canonical_digest, canonical_json
from random_inspection.audit import verify_file
from random_inspection.audit._ceremony import check_contribution, contribution_commitment
from random_inspection.audit._journal import read_jsonl, write_jsonl
from random_inspection.demo import DemoCity

store = pytest.importorskip("random_inspection.store")

PURPOSE = "2024/忻州市/ceremony-1"
DESIGN = StratifiedByRisk.from_preset("henan-2021", unclassified="1/100")


class Clock:
    """An injectable clock: one second per call."""

    def __init__(self) -> None:
        self.now = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@pytest.fixture
def ws(location: str) -> Iterator[Any]:
    """A fresh workspace on each backend (SQLite, PostgreSQL) with a test clock."""
    workspace = store.Workspace.init(location, clock=Clock())
    yield workspace
    workspace.close()


def _contributions() -> dict[str, tuple[str, str]]:
    return {"市局": ("31415926535897932384", secrets.token_hex(16)),
            "公证处": ("27182818284590452353", secrets.token_hex(16))}


def _ceremony(ws: Any, city: DemoCity, *, reason: str | None = None,
              policy: TeamPolicy | None = None) -> Any:
    parts = _contributions()
    store.open_ceremony(ws, purpose=PURPOSE, design=DESIGN, directory=city.targets,
                        contributors=list(parts), actor="信用监管科", reason=reason,
                        inspectors=city.inspectors if policy else None, team_policy=policy)
    for name, (value, salt) in parts.items():
        store.commit_contribution(ws, purpose=PURPOSE, contributor=name,
                                  commitment=contribution_commitment(value, salt))
    for name, (value, salt) in parts.items():
        store.reveal_contribution(ws, purpose=PURPOSE, contributor=name, contribution=value,
                                  salt=salt)
    return store.draw_in_ceremony(ws, purpose=PURPOSE, actor="信用监管科")


def _both(record_text: str, city: DemoCity, ws: Any, folder: Path) -> tuple[int, int]:
    """The exit codes of the library and of verifier.py, given the exported journal."""
    journal = folder / "journal.jsonl"
    write_jsonl(list(ws.journal()), journal)
    (folder / "r.json").write_text(record_text, encoding="utf-8")
    if not (folder / "d.csv").exists():
        city.targets.to_csv(folder / "d.csv")
    mine = verify_file(folder / "r.json", city.targets,
                       journal=read_jsonl(journal)).exit_code
    theirs = stdlib.main([str(folder / "r.json"), str(folder / "d.csv"), "--journal",
                          str(journal)])
    return mine, theirs


def test_a_full_ceremony_verifies(ws: Any, small_city: DemoCity, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Open, two commits, two reveals, a draw: the seed is the reveals in committed order,
    the record names its ceremony, and both verifiers accept it with the journal."""
    sample = _ceremony(ws, small_city)
    record = sample.record
    assert record.seed.parties == ("市局", "公证处")
    assert record.seed.value == "31415926535897932384-27182818284590452353"
    assert record.ceremony is not None
    assert record.ceremony["attempt"] == 1
    assert [e.kind for e in ws.journal()][-6:] == [
        "seed_committed", "seed_committed", "seed_revealed", "seed_revealed", "record_stored",
        "draw_attempt"]
    report = verify(record, small_city.targets, journal=list(ws.journal()))
    assert report.ok, str(report)
    assert _both(record.to_json(), small_city, ws, tmp_path) == (0, 0)
    capsys.readouterr()


def test_reveals_wait_for_every_commitment_and_must_match(ws: Any, small_city: DemoCity) -> None:
    """A reveal before every contributor committed is refused; a reveal that does not match
    its commitment is refused and journaled."""
    parts = _contributions()
    store.open_ceremony(ws, purpose=PURPOSE, design=DESIGN, directory=small_city.targets,
                        contributors=list(parts), actor="科室")
    (value, salt) = parts["市局"]
    store.commit_contribution(ws, purpose=PURPOSE, contributor="市局",
                              commitment=contribution_commitment(value, salt))
    with pytest.raises(InvalidValueError, match="committing"):
        store.reveal_contribution(ws, purpose=PURPOSE, contributor="市局", contribution=value,
                                  salt=salt)
    other = parts["公证处"]
    store.commit_contribution(ws, purpose=PURPOSE, contributor="公证处",
                              commitment=contribution_commitment(*other))
    with pytest.raises(InvalidValueError, match="refused"):
        store.reveal_contribution(ws, purpose=PURPOSE, contributor="市局",
                                  contribution="99999999999", salt=salt)
    assert [e.kind for e in ws.journal()][-1] == "reveal_refused"
    with pytest.raises(InvalidValueError, match="not a contributor"):
        store.commit_contribution(ws, purpose=PURPOSE, contributor="路人",
                                  commitment=contribution_commitment(*other))
    with pytest.raises(InvalidValueError, match="revealing"):
        store.draw_in_ceremony(ws, purpose=PURPOSE, actor="科室")


def test_a_second_draw_needs_a_reason(ws: Any, small_city: DemoCity, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A ceremony draws once; opening the task again needs a reason; attempt 2 names the
    draw it replaces and why, in the record and the journal, and verifies."""
    first = _ceremony(ws, small_city)
    with pytest.raises(InvalidValueError, match="drawn"):
        store.draw_in_ceremony(ws, purpose=PURPOSE, actor="科室")
    with pytest.raises(InvalidValueError, match="reason"):
        store.open_ceremony(ws, purpose=PURPOSE, design=DESIGN, directory=small_city.targets,
                            contributors=["市局"], actor="科室")
    second = _ceremony(ws, small_city, reason="名录库更正后重新抽取")
    section = second.record.ceremony
    assert section is not None
    assert section["attempt"] == 2
    assert section["replaces"] == first.record.digest
    assert section["reason"] == "名录库更正后重新抽取"
    assert _both(second.record.to_json(), small_city, ws, tmp_path) == (0, 0)
    assert _both(first.record.to_json(), small_city, ws, tmp_path) == (0, 0)
    forged = json.loads(second.record.to_json())
    forged["ceremony"]["attempt"] = 1  # hide the re-draw
    forged["record_digest"] = canonical_digest({k: v for k, v in forged.items()
                                                if k != "record_digest"})
    assert _both(canonical_json(forged), small_city, ws, tmp_path) == (1, 1)
    capsys.readouterr()


def test_a_record_unlike_its_commitment_fails(ws: Any, small_city: DemoCity, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A record whose seed, design or journal entry is not the ceremony's fails with the
    journal in both verifiers (its digest redone, as a forger would)."""
    record = json.loads(_ceremony(ws, small_city).record.to_json())
    for change in (lambda r: r["ceremony"].update(opened=1),
                   lambda r: r["ceremony"].update(commitment_digest="sha256:" + "0" * 64)):
        forged = json.loads(json.dumps(record))
        change(forged)
        forged["record_digest"] = canonical_digest({k: v for k, v in forged.items()
                                                    if k != "record_digest"})
        assert _both(canonical_json(forged), small_city, ws, tmp_path) == (1, 1)
    capsys.readouterr()


def test_teams_in_a_ceremony(ws: Any, small_city: DemoCity, tmp_path: Path) -> None:
    """With a committed team policy, the teams are drawn from it and journaled; the record
    with teams verifies with the journal; another policy is refused."""
    policy = TeamPolicy(check_date=dt.date(2024, 6, 3), mode="by_region")
    sample = _ceremony(ws, small_city, policy=policy)
    with pytest.raises(InvalidValueError, match="committed"):
        store.assign_in_ceremony(ws, sample, small_city.inspectors,
                                 TeamPolicy(check_date=dt.date(2024, 6, 4)), actor="科室")
    assignment = store.assign_in_ceremony(ws, sample, small_city.inspectors, policy,
                                          actor="科室")
    assert [e.kind for e in ws.journal()][-1] == "teams_drawn"
    record = AuditRecord.from_json(assignment.record.to_json())
    report = verify(record, small_city.targets, inspectors=small_city.inspectors,
                    policy=policy, journal=list(ws.journal()))
    assert report.ok, str(report)


def test_an_abandoned_ceremony_needs_a_reason_and_shows(ws: Any, small_city: DemoCity,
                                                        tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    """A ceremony not yet drawn is abandoned only by opening another with a reason; the
    draw finally made verifies, and both verifiers say a ceremony was abandoned after its
    seed was known."""
    parts = _contributions()
    store.open_ceremony(ws, purpose=PURPOSE, design=DESIGN, directory=small_city.targets,
                        contributors=list(parts), actor="科室")
    for name, (value, salt) in parts.items():
        store.commit_contribution(ws, purpose=PURPOSE, contributor=name,
                                  commitment=contribution_commitment(value, salt))
    for name, (value, salt) in parts.items():
        store.reveal_contribution(ws, purpose=PURPOSE, contributor=name, contribution=value,
                                  salt=salt)
    with pytest.raises(InvalidValueError, match="in progress"):
        store.open_ceremony(ws, purpose=PURPOSE, design=DESIGN, directory=small_city.targets,
                            contributors=list(parts), actor="科室")
    abandoned = next(e.seq for e in ws.journal() if e.kind == "ceremony_opened")
    sample = _ceremony(ws, small_city, reason="公证员未到场")
    assert sample.record.ceremony["attempt"] == 1
    assert sample.record.ceremony["reason"] is None  # no earlier draw is replaced
    opened = [e for e in ws.journal() if e.kind == "ceremony_opened"]
    assert opened[-1].payload["abandons"] == abandoned
    assert opened[-1].payload["reason"] == "公证员未到场"
    assert _both(sample.record.to_json(), small_city, ws, tmp_path) == (0, 0)
    out = capsys.readouterr().out
    note = f"1 other ceremony(ies) of this task never drew: entry {abandoned} " \
           "(2 of 2 contributions revealed: its seed was known)"
    assert note in out
    report = verify(sample.record, small_city.targets, journal=list(ws.journal()))
    assert note in str(report)


def test_a_short_contribution_is_refused(ws: Any, small_city: DemoCity) -> None:
    """Each contribution meets the seed's length rule on its own: a short one is refused
    when revealed (and journaled), before any seed is made of it."""
    with pytest.raises(InvalidValueError, match="too short"):
        check_contribution("31415926535")
    check_contribution("0123456789abcdef0123456789ABCDEF")  # 32 hex characters will do
    salt = secrets.token_hex(16)
    store.open_ceremony(ws, purpose=PURPOSE, design=DESIGN, directory=small_city.targets,
                        contributors=["市局"], actor="科室")
    store.commit_contribution(ws, purpose=PURPOSE, contributor="市局",
                              commitment=contribution_commitment("31415926535", salt))
    with pytest.raises(InvalidValueError, match="too short"):
        store.reveal_contribution(ws, purpose=PURPOSE, contributor="市局",
                                  contribution="31415926535", salt=salt)
    last = list(ws.journal())[-1]
    assert last.kind == "reveal_refused"
    assert "too short" in last.payload["reason"]

"""Tampering with a stored journal, on SQLite and PostgreSQL: every kind of change made to the
rows behind the library's back — an edited field, a deleted, inserted or reordered entry, a
cut-off tail, a chain rewritten with recomputed hashes — is found by
`Workspace.check_journal` (which hashes the stored payload text) and by `journal verify`,
at the first bad entry; and the row check agrees with `check_chain` over parsed entries."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from random_inspection import InvalidValueError, StoreError
from random_inspection._canonical import canonical_digest, canonical_json
from random_inspection.audit._journal import (
    GENESIS,
    Entry,
    check_chain,
    entry_hash,
    make_entry,
)
from random_inspection.cli import main
from random_inspection.store import Workspace
from random_inspection.store._journal_rows import entry_row
from random_inspection.store._tables import journal

cryptography = pytest.importorskip("cryptography")
from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey,
)
from cryptography.hazmat.primitives.serialization import (  # noqa: E402
    Encoding,
    PublicFormat,
)

ENTRIES = 12


def _ticking() -> Callable[[], dt.datetime]:
    counter = itertools.count()
    start = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)
    return lambda: start + dt.timedelta(seconds=next(counter))


def _signer() -> tuple[str, Callable[[bytes], bytes]]:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    return f"ed25519:{public}", key.sign


@pytest.fixture
def filled(location: str) -> Iterator[tuple[Workspace, str]]:
    """A workspace whose journal holds ``ENTRIES`` entries (the clerk signs hers), and the
    published head."""
    public, sign = _signer()
    with Workspace.init(location, clock=_ticking()) as ws:
        ws.append("key_registered", {"actor": "clerk", "public_key": public}, actor="admin")
        for i in range(2, ENTRIES + 1):
            ws.append("record_stored", {"record_digest": f"sha256:{i:064x}",
                                        "purpose": f"2024/忻州市/task-{i}"},
                      actor="clerk", signer=(public, sign))
        yield ws, ws.head()[1]


def _write(ws: Workspace, *statements: Any) -> None:
    with ws._db().transaction(write=True) as connection:
        for statement in statements:
            connection.execute(statement)


def _row(ws: Workspace, seq: int) -> dict[str, Any]:
    with ws._db().transaction() as connection:
        found = connection.execute(select(journal).where(journal.c.seq == seq)).mappings()
        return dict(found.one())


def _both(ws: Workspace, head: str, capsys: pytest.CaptureFixture[str]) -> int | None:
    """The first bad entry by `check_journal` and by `check_chain`, which must agree; and
    ``journal verify`` must fail naming it."""
    report = ws.check_journal(head=head)
    assert report.bad_seq == check_chain(ws.journal(), head=head).bad_seq
    code = main(["journal", "verify", "--workspace", ws.location, "--head", head])
    out = capsys.readouterr().out
    if report.bad_seq is not None and report.bad_seq <= ENTRIES:
        assert code == 1
        assert f"JOURNAL BROKEN at entry {report.bad_seq}" in out
    return report.bad_seq


def test_an_untouched_journal_verifies(filled: tuple[Workspace, str],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The stored chain verifies, signatures checked, and ends at the published head."""
    ws, head = filled
    report = ws.check_journal(head=head)
    assert report.ok, report
    assert (report.entries, report.signatures) == (ENTRIES, "checked")
    assert main(["journal", "verify", "--workspace", ws.location]) == 0
    assert f"{ENTRIES} entries" in capsys.readouterr().out


EDITS: dict[str, Callable[[Any], Any]] = {
    "time": lambda v: v.replace("08:00", "07:59"),
    "actor": lambda v: "admin",
    "kind": lambda v: "export",
    "payload": lambda v: v.replace("task-", "task-X"),
    "payload_digest": lambda v: "sha256:" + "1" * 64,
    "prev": lambda v: "sha256:" + "2" * 64,
    "hash": lambda v: "sha256:" + "3" * 64,
    "signature": lambda v: json.dumps({**json.loads(v), "value": "00" * 64}),
}


@pytest.mark.parametrize("field", sorted(EDITS))
@pytest.mark.parametrize("where", [2, 7, ENTRIES])
def test_an_edited_field_is_found_at_its_entry(filled: tuple[Workspace, str], field: str,
                                               where: int,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Any field of any entry edited in the database: the check fails at that entry."""
    ws, head = filled
    old = _row(ws, where)[field]
    _write(ws, update(journal).where(journal.c.seq == where)
           .values({field: EDITS[field](old)}))
    assert _both(ws, head, capsys) == where


@pytest.mark.parametrize("where", [1, 6, ENTRIES])
def test_a_deleted_entry_is_found(filled: tuple[Workspace, str], where: int,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A row deleted: the gap (or, for the last, the published head) is found there."""
    ws, head = filled
    _write(ws, delete(journal).where(journal.c.seq == where))
    assert _both(ws, head, capsys) == where


def test_an_inserted_entry_is_found(filled: tuple[Workspace, str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """An entry slipped in at 5, the later ones renumbered: found at 5."""
    ws, head = filled
    before = _row(ws, 4)
    forged = make_entry(seq=5, moment=dt.datetime(2024, 3, 1, 8, 0, 4, tzinfo=dt.UTC),
                        actor="insider", kind="export", payload={"head": "x", "entries": 0},
                        prev=before["hash"])
    for seq in range(ENTRIES, 4, -1):  # from the end, so seq stays unique
        _write(ws, update(journal).where(journal.c.seq == seq).values(seq=seq + 1))
    _write(ws, insert(journal).values(entry_row(forged)))
    assert _both(ws, head, capsys) == 6  # 5 chains onto 4; 6 no longer chains onto 5


def test_reordered_entries_are_found(filled: tuple[Workspace, str],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Two entries swapped (their sequence numbers exchanged): found at the first."""
    ws, head = filled
    _write(ws, update(journal).where(journal.c.seq == 8).values(seq=-8),
           update(journal).where(journal.c.seq == 9).values(seq=8),
           update(journal).where(journal.c.seq == -8).values(seq=9))
    assert _both(ws, head, capsys) == 8


def test_a_cut_off_tail_is_found_against_the_published_head(
        filled: tuple[Workspace, str], capsys: pytest.CaptureFixture[str]) -> None:
    """The last three entries deleted: the chain alone holds, the published head does not."""
    ws, head = filled
    _write(ws, delete(journal).where(journal.c.seq > ENTRIES - 3))
    assert ws.check_journal().ok
    assert _both(ws, head, capsys) == ENTRIES - 2


def test_a_rechained_tail_is_found_by_its_signatures(
        filled: tuple[Workspace, str], capsys: pytest.CaptureFixture[str]) -> None:
    """Entries from 6 on rewritten with recomputed hashes but no valid signature (the
    insider has no key): the chain is whole, the signatures are not, from entry 6."""
    ws, _ = filled
    entries = list(ws.journal())
    prev = entries[4].hash
    rewritten = []
    for entry in entries[5:]:
        payload = {**(entry.payload or {}), "purpose": "2024/忻州市/forged"}
        made = make_entry(seq=entry.seq, moment=dt.datetime.fromisoformat(
            entry.time.replace("Z", "+00:00")), actor=entry.actor, kind=entry.kind,
            payload=payload, prev=prev)
        rewritten.append(made)
        prev = made.hash
    _write(ws, delete(journal).where(journal.c.seq >= 6),
           *(insert(journal).values(entry_row(e)) for e in rewritten))
    report = ws.check_journal()
    assert report.bad_seq == 6
    assert "not signed" in str(report.problem)
    assert _both(ws, prev, capsys) == 6


@pytest.mark.parametrize("payload", ['{"entries":1.5,"head":"x"}', "[1,2]", '{"head":',
                                     '{"entries":1, "head":"x"}', '{"head":"x","entries":1}'])
def test_a_payload_no_library_would_write_is_found(
        filled: tuple[Workspace, str], payload: str, capsys: pytest.CaptureFixture[str]
        ) -> None:
    """A stored payload that is not canonical JSON (a float, an array, cut short, spaced,
    keys out of order), its digest and hash redone by an insider (unsigned, as the admin
    who has no key): reported at that entry by `journal verify`, never raised."""
    ws, _ = filled
    row = {**_row(ws, ENTRIES), "payload": payload, "actor": "admin", "signature": None}
    row["payload_digest"] = "sha256:" + hashlib.sha256(payload.encode()).hexdigest()
    row["hash"] = entry_hash(row)
    _write(ws, update(journal).where(journal.c.seq == ENTRIES).values(row))
    report = ws.check_journal()
    assert report.bad_seq == ENTRIES, report
    assert "payload" in str(report.problem)
    assert main(["journal", "verify", "--workspace", ws.location]) == 1
    assert f"JOURNAL BROKEN at entry {ENTRIES}" in capsys.readouterr().out
    if payload == '{"head":':  # not JSON: reading the entries fails, naming the entry
        with pytest.raises(StoreError, match=f"entry {ENTRIES}"):
            list(ws.journal())
    else:
        assert check_chain(ws.journal()).bad_seq == ENTRIES


# --- the row check and the entry check are one check ------------------------------------------

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@given(seq=st.integers(1, 10**12), time=texts, actor=texts, kind=texts, digest=texts,
       prev=texts)
def test_the_fast_entry_hash_is_the_canonical_one(seq: int, time: str, actor: str, kind: str,
                                                  digest: str, prev: str) -> None:
    """The chain fields written out by hand are exactly their canonical JSON (spec §16.1),
    for any text: quotes, controls, CJK, astral characters."""
    fields = {"seq": seq, "time": time, "actor": actor, "kind": kind, "payload_digest": digest,
              "prev": prev}
    assert entry_hash(fields) == "sha256:" + hashlib.sha256(
        canonical_json(fields).encode()).hexdigest()


def test_a_damaged_entry_is_reported_not_raised() -> None:
    """Entries with fields of the wrong type or payloads that are not canonical data (as a
    hostile export may hold) give a report naming the entry."""
    good = make_entry(seq=1, moment=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), actor="a",
                      kind="export", payload={"head": GENESIS, "entries": 0}, prev=GENESIS)
    for bad in ({"seq": "1"}, {"time": 5}, {"payload": {"entries": 0.5}},
                {"payload": [1]}, {"signature": "xyz"}, {"kind": "gossip"}):
        entry = Entry(**{**good.to_dict(), **bad})
        report = check_chain([entry])
        assert report.bad_seq == 1, (bad, report)
    with pytest.raises(InvalidValueError, match="public_key"):  # refused when appended
        make_entry(seq=1, moment=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), actor="a",
                   kind="key_registered", payload={"actor": "b", "public_key": "nope"},
                   prev=GENESIS)
    payload = {"actor": "b", "public_key": "nope"}  # and found when forged into a chain
    fields = {**good.to_dict(), "kind": "key_registered", "payload": payload,
              "payload_digest": canonical_digest(payload)}
    keyless = Entry(**{**fields, "hash": entry_hash(fields)})
    assert "public_key" in str(check_chain([keyless]).problem)
    assert "withheld" in str(check_chain([keyless.withheld()]).problem)

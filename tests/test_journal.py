"""The journal's hash chain (spec §16): every kind of tampering is caught at the entry where it
happened; signatures stop a rewritten chain; exports round-trip."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_inspection.audit._journal import (
    GENESIS,
    Entry,
    Signer,
    check_chain,
    entry_hash,
    make_entry,
    read_jsonl,
    write_jsonl,
)

START = dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.UTC)


def _chain(n: int, *, signer: Signer | None = None, actor: str = "张三") -> list[Entry]:
    entries: list[Entry] = []
    prev = GENESIS
    if signer is not None:
        entries.append(make_entry(seq=1, moment=START, actor=actor, kind="key_registered",
                                  payload={"actor": actor, "public_key": signer[0]}, prev=prev,
                                  signer=signer))
        prev = entries[-1].hash
    for k in range(len(entries) + 1, n + 1):
        entries.append(make_entry(seq=k, moment=START + dt.timedelta(seconds=k), actor=actor,
                                  kind="record_stored",
                                  payload={"record_digest": f"sha256:{k:064x}",
                                           "purpose": f"2024/t/{k}"},
                                  prev=prev, signer=signer))
        prev = entries[-1].hash
    return entries


def _signer() -> Signer:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PrivateKey,
    )
    from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415
        Encoding,
        PublicFormat,
    )

    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    return "ed25519:" + public, key.sign


def test_an_honest_chain_verifies() -> None:
    """A chain made by make_entry verifies, and its head is the last hash."""
    entries = _chain(20)
    report = check_chain(entries, head=entries[-1].hash)
    assert report.ok, str(report)
    assert report.entries == 20
    assert report.head == entries[-1].hash
    assert "journal verified: 20 entries" in str(report)


def _edit(field: str) -> Callable[[Entry], Entry]:
    values = {"actor": "李四", "kind": "export", "time": "2024-06-01T09:00:00.000000Z",
              "payload": {"record_digest": "sha256:" + "1" * 64, "purpose": "x"},
              "payload_digest": "sha256:" + "2" * 64, "prev": "sha256:" + "3" * 64,
              "hash": "sha256:" + "4" * 64, "seq": 99}
    return lambda e: attrs.evolve(e, **{field: values[field]})


FIELDS = ["actor", "kind", "time", "payload", "payload_digest", "prev", "hash", "seq"]


@given(st.integers(1, 12), st.sampled_from(FIELDS))
def test_an_edited_field_is_found_at_its_entry(where: int, field: str) -> None:
    """Editing any field of entry k breaks the chain at entry k."""
    entries = _chain(12)
    entries[where - 1] = _edit(field)(entries[where - 1])
    report = check_chain(entries)
    assert not report.ok
    assert report.bad_seq == where


@given(st.integers(1, 12), st.sampled_from(["delete", "insert", "swap"]))
def test_deleted_inserted_or_moved_entries_are_found(where: int, change: str) -> None:
    """Deleting, inserting or swapping entries is found at the first place it shows."""
    entries = _chain(12)
    extra = _chain(3, actor="李四")[1]
    if change == "delete":
        del entries[where - 1]
    elif change == "insert":
        entries.insert(where - 1, extra)
    elif where < 12:
        entries[where - 1], entries[where] = entries[where], entries[where - 1]
    else:
        entries[10], entries[11] = entries[11], entries[10]
    report = check_chain(entries, head=_chain(12)[-1].hash)
    assert not report.ok
    first = where if change != "swap" or where < 12 else 11
    assert report.bad_seq == first or (change == "delete" and where == 12)


def test_a_truncated_tail_is_found_against_the_published_head() -> None:
    """Cutting off the last entries leaves a valid chain, but not the published head."""
    entries = _chain(10)
    assert check_chain(entries[:7]).ok
    report = check_chain(entries[:7], head=entries[-1].hash)
    assert not report.ok
    assert "published head" in str(report.problem)


def _rechain(entries: list[Entry], start: int, signer: Signer | None) -> list[Entry]:
    """A forger rewrites entries from ``start`` on with recomputed hashes."""
    out = entries[:start - 1]
    prev = out[-1].hash if out else GENESIS
    for entry in entries[start - 1:]:
        payload = dict(entry.payload or {})
        if entry.seq == start:
            payload["purpose"] = "2024/forged"
        out.append(make_entry(seq=entry.seq, moment=dt.datetime.fromisoformat(
            entry.time.replace("Z", "+00:00")), actor=entry.actor, kind=entry.kind,
            payload=payload, prev=prev, signer=signer))
        prev = out[-1].hash
    return out


def test_rechaining_is_caught_by_the_head_or_the_signatures() -> None:
    """Rewriting from a point with recomputed hashes makes a chain that checks on its own;
    the published head catches it, and so do signatures (the forger lacks the key)."""
    entries = _chain(10)
    forged = _rechain(entries, 5, None)
    assert check_chain(forged).ok
    assert check_chain(forged, head=entries[-1].hash).bad_seq == 11
    signed = _chain(10, signer=_signer())
    assert check_chain(signed).signatures == "checked"
    rewritten = _rechain(signed, 5, None)  # the forger cannot sign
    report = check_chain(rewritten)
    assert report.bad_seq == 5
    assert "not signed" in str(report.problem)
    other = _signer()[0], lambda data: bytes(64)  # a key that is not the registered one
    assert check_chain(_rechain(signed, 5, other)).bad_seq == 5


def test_a_forged_signature_is_found() -> None:
    """An entry whose signature is not over its hash fails at that entry."""
    entries = _chain(6, signer=_signer())
    bad = dict(entries[3].signature or {})
    bad["value"] = "00" * 64
    entries[3] = attrs.evolve(entries[3], signature=bad)
    assert check_chain(entries).bad_seq == 4


def test_require_signatures() -> None:
    """With require_signatures, an unsigned chain fails at its first entry."""
    assert check_chain(_chain(3), require_signatures=True).bad_seq == 1


def test_export_round_trip_and_withheld_payloads(tmp_path: Path) -> None:
    """A JSON Lines export reads back equal; withheld payloads still verify; an edited line
    fails."""
    entries = _chain(8, signer=_signer())
    write_jsonl(entries, tmp_path / "j.jsonl")
    assert read_jsonl(tmp_path / "j.jsonl") == entries
    assert check_chain([e.withheld() if e.kind != "key_registered" else e
                        for e in entries]).ok
    lines = (tmp_path / "j.jsonl").read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace('"2024/t/5"', '"2024/t/X"')
    (tmp_path / "j.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert check_chain(read_jsonl(tmp_path / "j.jsonl")).bad_seq == 5


def test_entry_rules() -> None:
    """Unknown kinds, missing payload fields and naive times are refused."""
    from random_inspection import InvalidValueError  # noqa: PLC0415

    good: dict[str, Any] = {"seq": 1, "moment": START, "actor": "a", "prev": GENESIS}
    with pytest.raises(InvalidValueError, match="kind"):
        make_entry(kind="nonsense", payload={}, **good)
    with pytest.raises(InvalidValueError, match="lacks"):
        make_entry(kind="record_stored", payload={"purpose": "x"}, **good)
    with pytest.raises(InvalidValueError, match="time zone"):
        make_entry(kind="export", payload={"head": GENESIS, "entries": 0},
                   **{**good, "moment": dt.datetime(2024, 1, 1)})
    entry = make_entry(kind="export", payload={"head": GENESIS, "entries": 0}, **good)
    assert entry.hash == entry_hash(entry.to_dict())

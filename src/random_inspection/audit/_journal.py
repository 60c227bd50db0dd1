"""The journal: an append-only hash chain of every event of a workspace (spec §16).

Each entry is canonical JSON: ``seq`` (1, 2, …), ``time`` (UTC), ``actor``, ``kind`` (a code of
`KINDS`), ``payload`` (an object, or ``null`` when withheld in an export), ``payload_digest``,
``prev`` (the previous entry's hash; 64 zeros for the first), ``hash`` (of the entry's other
chain fields) and ``signature`` (Ed25519 over ``hash`` by the actor's registered key, or
``null``). Editing, deleting, inserting or reordering any entry breaks the chain at that entry;
with signatures on, re-chaining from a point breaks the signatures.

The store appends entries (`make_entry`); `check_chain` verifies a whole chain and names the
first bad entry; `read_jsonl` reads an export. Signatures need the ``sign`` extra
(``cryptography``); without it a signed chain's signatures are reported as not checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._canonical import canonical_digest, canonical_json
from .._errors import FileFormatError, InvalidValueError
from ..registry import _fields as f

__all__ = ["GENESIS", "KINDS", "ChainReport", "Entry", "Signer", "check_chain", "check_rows",
           "entry_hash", "make_entry", "payload_problem", "read_jsonl", "utc_now",
           "write_jsonl"]

GENESIS = "sha256:" + "0" * 64
#: The kinds of event a journal holds (spec §16.2): each one's payload keys and their types —
#: ``text``, ``int``, ``object``, ``key`` (``ed25519:`` and 64 hex digits), ``commitment``
#: (§17.1), ``change`` (§16.2), and ``?`` for "or null". A payload may hold more keys.
KINDS: dict[str, dict[str, str]] = {
    "key_registered": {"actor": "text", "public_key": "key"},
    "register_committed": {"register": "text", "digest": "text", "size": "int"},
    "plan_filed": {"plan_digest": "text", "version": "int"},
    "plan_revised": {"plan_digest": "text", "version": "int", "replaces": "text",
                     "reason": "text?"},
    "ceremony_opened": {"ceremony": "text", "commitment": "commitment",
                        "commitment_digest": "text", "replaces": "text?", "abandons": "int?",
                        "reason": "text?"},
    "seed_committed": {"ceremony": "text", "contributor": "text", "commitment": "text"},
    "seed_revealed": {"ceremony": "text", "contributor": "text", "contribution": "text",
                      "salt": "text"},
    "reveal_refused": {"ceremony": "text", "contributor": "text", "reason": "text"},
    "draw_attempt": {"ceremony": "text", "attempt": "int", "record_digest": "text",
                     "replaces": "text?", "reason": "text?"},
    "teams_drawn": {"ceremony": "text", "record_digest": "text", "draw_digest": "text"},
    "team_changed": {"record_digest": "text", "target": "text", "reason": "text",
                     "change": "change"},
    "team_substituted": {"record_digest": "text", "target": "text", "leaving": "text",
                         "substitute": "text", "k": "int", "reason": "text"},
    "record_stored": {"record_digest": "text", "purpose": "text"},
    "result_recorded": {"plan_digest": "text", "result": "object"},
    "follow_up_recorded": {"plan_digest": "text", "follow_up": "object"},
    "export": {"head": "text", "entries": "int"},
}
_HEX = frozenset("0123456789abcdef")
_COMMITMENT = {"purpose": "text", "spec_version": "text", "hash": "text",
               "design": "object", "directory": "object", "registers": "object",
               "team_policy": "object?", "plan": "object?"}
_ROLES = ("officer", "expert", "leader")


def _is_key(key: object) -> bool:
    """Whether ``key`` is ``ed25519:`` and 64 lower-case hex digits."""
    return isinstance(key, str) and key.startswith("ed25519:") and len(key) == 72 and \
        set(key[8:]) <= _HEX


def _value_problem(value: object, kind: str) -> str | None:
    """Why ``value`` is not of the type code ``kind`` (see `KINDS`), or ``None``."""
    if kind.endswith("?"):
        return None if value is None else _value_problem(value, kind[:-1])
    if kind == "text":
        return None if isinstance(value, str) else "is not text"
    if kind == "int":
        return None if type(value) is int else "is not an integer"
    if kind == "object":
        return None if isinstance(value, dict) else "is not an object"
    if kind == "key":
        return None if _is_key(value) else "is not ed25519: and 64 lower-case hex digits"
    if kind == "commitment":
        if not isinstance(value, dict):
            return "is not an object"
        for key, code in _COMMITMENT.items():
            problem = _value_problem(value.get(key), code)
            if problem is not None:
                return f"has a {key} that {problem}"
        names = value.get("contributors")
        if not isinstance(names, list) or not names or \
                not all(isinstance(n, str) for n in names) or len(set(names)) < len(names):
            return "has no list of distinct contributor names"
        return None
    # "change": {"remove": [ids], "add": [[role, id], …]}
    if not isinstance(value, dict) or not isinstance(value.get("remove"), list) or \
            not isinstance(value.get("add"), list):
        return "is not an object {remove: [ids], add: [[role, id], …]}"
    if not all(isinstance(i, str) for i in value["remove"]) or not all(
            isinstance(a, list) and len(a) == 2 and a[0] in _ROLES and isinstance(a[1], str)
            for a in value["add"]):
        return "names an id that is not text, or a role not officer, expert or leader"
    return None


def payload_problem(kind: str, payload: object) -> str | None:
    """Spec §16.2: why ``payload`` is not a payload of ``kind``, or ``None``."""
    if kind not in KINDS:
        return f"its kind {kind!r} is not a journal kind"
    if not isinstance(payload, dict):
        return f"its payload is a {type(payload).__name__}, not an object"
    for key, code in KINDS[kind].items():
        value = payload.get(key, _MISSING)
        if type(value) is _SIMPLE.get(code):  # text or int: the common case, at once
            continue
        if value is _MISSING:
            return f"its payload lacks {key!r}"
        problem = _value_problem(value, code)
        if problem is not None:
            return f"its payload's {key!r} {problem}"
    return None


_MISSING = object()
_SIMPLE = {"text": str, "int": int, "text?": str, "int?": int}


_CHAIN_FIELDS = ("actor", "kind", "payload_digest", "prev", "seq", "time")


def utc_now() -> dt.datetime:
    """The current time in UTC (the default clock; tests inject their own)."""
    return dt.datetime.now(dt.UTC)


def _time_text(moment: dt.datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValueError("journal", "time", moment, "has no time zone",
                                "give an aware datetime, e.g. datetime.now(datetime.UTC)")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_text = json.encoder.encode_basestring  # a JSON string, as dumps(ensure_ascii=False) writes it


def _chain_text(fields: tuple[Any, ...]) -> str:
    """The canonical JSON of the chain fields ``(seq, time, actor, kind, payload_digest,
    prev)``, written out in its one key order (the text `canonical_json` makes of them,
    faster); `TypeError` for a field of the wrong type."""
    seq, time, actor, kind, payload_digest, prev = fields
    if type(seq) is not int:
        raise TypeError(f"seq {seq!r} is not an integer")
    for value in (time, actor, kind, payload_digest, prev):
        if type(value) is not str:
            raise TypeError(f"{value!r} is not text")
    return (f'{{"actor":{_text(actor)},"kind":{_text(kind)},"payload_digest":'
            f'{_text(payload_digest)},"prev":{_text(prev)},"seq":{seq},"time":{_text(time)}}}')


def entry_hash(fields: Mapping[str, Any]) -> str:
    """Spec §16.1: SHA-256 of the canonical JSON of the chain fields."""
    text = _chain_text(tuple(fields[k] for k in ("seq", "time", "actor", "kind",
                                                  "payload_digest", "prev")))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@attrs.frozen
class Entry:
    """One journal entry (see the module docstring for the fields)."""

    seq: int
    time: str
    actor: str
    kind: str
    payload: Mapping[str, Any] | None
    payload_digest: str
    prev: str
    hash: str
    signature: Mapping[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values; ``canonical_json`` of it is the entry's JSON Lines form."""
        return {"seq": self.seq, "time": self.time, "actor": self.actor, "kind": self.kind,
                "payload": None if self.payload is None else dict(self.payload),
                "payload_digest": self.payload_digest, "prev": self.prev, "hash": self.hash,
                "signature": None if self.signature is None else dict(self.signature)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Entry:
        """Inverse of `to_dict` (no checks: `check_chain` checks)."""
        return cls(seq=data["seq"], time=data["time"], actor=data["actor"], kind=data["kind"],
                   payload=data.get("payload"), payload_digest=data["payload_digest"],
                   prev=data["prev"], hash=data["hash"], signature=data.get("signature"))

    def withheld(self) -> Entry:
        """The entry without its payload (the chain still verifies)."""
        return attrs.evolve(self, payload=None)


#: A signer: the actor's public key text (``ed25519:<hex>``) and a function signing bytes.
Signer = tuple[str, Callable[[bytes], bytes]]


def make_entry(*, seq: int, moment: dt.datetime, actor: str, kind: str,
               payload: Mapping[str, Any], prev: str, signer: Signer | None = None) -> Entry:
    """The next entry of a chain whose last hash is ``prev`` (the store calls this inside its
    append transaction)."""
    if kind not in KINDS:
        raise InvalidValueError("journal", "kind", kind, "is not a journal kind",
                                "use one of: " + ", ".join(KINDS))
    problem = payload_problem(kind, dict(payload) if isinstance(payload, Mapping) else payload)
    if problem is not None:
        raise InvalidValueError("journal", f"payload of {kind}", payload,
                                problem.removeprefix("its "),
                                "give every field the kind requires, of its type (spec "
                                "§16.2): " + ", ".join(f"{k} ({t})"
                                                      for k, t in KINDS[kind].items()))
    entry = Entry(seq=seq, time=_time_text(moment), actor=f.text(actor, "journal", "actor"),
                  kind=kind, payload=dict(payload),
                  payload_digest=canonical_digest(dict(payload)), prev=prev, hash="")
    digest = entry_hash({k: getattr(entry, k) for k in _CHAIN_FIELDS})
    signature = None
    if signer is not None:
        key, sign = signer
        signature = {"public_key": key, "value": sign(digest.encode()).hex()}
    return attrs.evolve(entry, hash=digest, signature=signature)


@attrs.frozen
class ChainReport:
    """What `check_chain` found.

    Attributes:
        entries: How many entries were checked.
        head: The last entry's hash (the chain's head to publish).
        problem: The first problem, naming the entry (``None`` when the chain is whole).
        bad_seq: The sequence number of the first bad entry (or where one is missing).
        signatures: ``"checked"``, ``"none"`` or ``"not checked"`` (no ``cryptography``).
    """

    entries: int
    head: str
    problem: str | None
    bad_seq: int | None
    signatures: str

    @property
    def ok(self) -> bool:
        """Whether the chain is whole."""
        return self.problem is None

    def __str__(self) -> str:
        if self.ok:
            return (f"journal verified: {self.entries} entries, one unbroken chain, head "
                    f"{self.head}; signatures {self.signatures}")
        return f"JOURNAL BROKEN at entry {self.bad_seq}: {self.problem}"


def _verifier(key: str) -> Callable[[bytes, bytes], bool] | None:
    try:
        from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
            Ed25519PublicKey,
        )
    except ImportError:
        return None
    if not _is_key(key):
        return lambda *_: False  # no key: no signature verifies
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key.removeprefix("ed25519:")))

    def check(signature: bytes, data: bytes) -> bool:
        try:
            public.verify(signature, data)
        except InvalidSignature:
            return False
        return True
    return check


#: A journal entry as rows of a store hold it: ``(seq, time, actor, kind, payload_text,
#: payload_digest, prev, hash, signature)``, the payload as its canonical JSON text (``None``
#: when withheld). Checking rows hashes the text as stored, without parsing it: a text whose
#: SHA-256 is the committed ``payload_digest`` is the canonical payload that was committed.
#: Rows are untrusted: every field is checked for its type.
Row = tuple[Any, ...]


class _BadPayload(str):
    """A payload that is not one of its kind (spec §16.2), or has no canonical JSON text (a
    float, a non-text key): the reason, in place of the text."""


def _payload_text(kind: object, payload: Any) -> str | None:
    if payload is None:
        return None
    if isinstance(payload, Mapping):
        payload = dict(payload)
    problem = payload_problem(kind, payload) if isinstance(kind, str) else None
    if problem is not None:
        return _BadPayload(problem)
    try:
        return canonical_json(payload)
    except (InvalidValueError, TypeError, ValueError) as error:
        return _BadPayload(f"its payload is not canonical JSON data ({error})")


def _refuse(text: str) -> Any:
    raise ValueError(f"the number {text} is not an integer")


_decode = json.JSONDecoder(parse_float=_refuse, parse_constant=_refuse).decode
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                           allow_nan=False).encode


def _stored_payload_problem(kind: str, text: str) -> str | None:
    """Why a stored payload text is not the canonical JSON of a payload of ``kind``."""
    try:
        value = _decode(text)
    except ValueError as error:
        return f"its payload is not canonical JSON data ({error})"
    problem = payload_problem(kind, value)
    if problem is not None:
        return problem
    if _encode(value) != text:
        return "its payload text is not canonical JSON (spec §9.1): keys, spacing or escapes"
    return None


def _row_of(entry: Entry) -> Row:
    """An entry as a row (its payload checked and its canonical text computed)."""
    return (entry.seq, entry.time, entry.actor, entry.kind,
            _payload_text(entry.kind, entry.payload), entry.payload_digest, entry.prev,
            entry.hash, entry.signature)


class _Chain:
    """The state of a chain check as it walks the rows."""

    def __init__(self, require_signatures: bool, canonical: bool) -> None:
        self.require, self.canonical = require_signatures, canonical
        self.keys: dict[str, str] = {}
        self.checkers: dict[str, Callable[[bytes, bytes], bool] | None] = {}
        self.prev, self.time, self.signatures = GENESIS, "", "none"

    def problem(self, row: Row, expected: int) -> str | None:
        """What is wrong with the next row, or ``None``."""
        seq, time, actor, kind, text, payload_digest, prev, digest, signature = row
        if seq != expected or type(seq) is not int:
            return (f"sequence number {seq!r} where {expected} was expected (an entry was "
                    "deleted, inserted or moved)")
        if prev != self.prev:
            return ("its prev is not the hash of the entry before it (an entry before it was "
                    "changed, deleted, inserted or moved)")
        try:
            chain_text = _chain_text((seq, time, actor, kind, payload_digest, prev))
        except TypeError as error:
            return f"a field is not of the spec's type ({error})"
        if "sha256:" + hashlib.sha256(chain_text.encode()).hexdigest() != digest:
            return "its hash does not match its fields (the entry was edited)"
        if kind not in KINDS:
            return f"its kind {kind!r} is not a journal kind"
        if text is None and kind == "key_registered":
            return "its payload is withheld, but a key registration must be published"
        if isinstance(text, _BadPayload):
            return str(text)
        if text is not None and "sha256:" + hashlib.sha256(text.encode()).hexdigest() \
                != payload_digest:
            return "its payload does not match its payload_digest (the payload was edited)"
        if text is not None and not self.canonical:
            problem = _stored_payload_problem(kind, text)
            if problem is not None:
                return problem
        if time < self.time:
            return f"its time {time} is before the previous entry's {self.time}"
        return self.signature_problem(actor, digest, signature)

    def signature_problem(self, actor: str, digest: str, signature: Any) -> str | None:
        registered = self.keys.get(actor)
        if registered is not None or self.require:
            if signature is None:
                return (f"not signed, but {actor!r} signs every entry" if registered
                        else "not signed, and every entry must be")
            if registered is None:
                return f"{actor!r} has no registered key"
            if not isinstance(signature, Mapping) or \
                    signature.get("public_key") != registered:
                return f"signed with another key than {actor!r} registered"
        if signature is None:
            return None
        if not isinstance(signature, Mapping):
            return "its signature is not an object {public_key, value}"
        key, value = signature.get("public_key", ""), signature.get("value", "")
        if key not in self.checkers:
            self.checkers[key] = _verifier(key)
        check = self.checkers[key]
        if check is None:
            self.signatures = "not checked (install the 'sign' extra: cryptography)"
            return None
        try:
            valid = check(bytes.fromhex(value), digest.encode())
        except (TypeError, ValueError):
            valid = False
        if not valid:
            return ("its signature does not verify (the chain was rewritten from here, or the "
                    "entry was forged)")
        if self.signatures == "none":
            self.signatures = "checked"
        return None

    def accept(self, row: Row) -> None:
        """Take a good row as the chain's new end (a key registration from then on)."""
        _, time, _, kind, text, _, _, digest, _ = row
        if kind == "key_registered":
            payload = json.loads(text)  # checked above: published, with a usable key
            self.keys[payload["actor"]] = payload["public_key"]
        self.prev, self.time = digest, time


def check_rows(rows: Iterable[Row], *, head: str | None = None,
               require_signatures: bool = False, canonical: bool = False) -> ChainReport:
    """`check_chain` over rows (a store's journal, its payloads as stored text): each text is
    hashed against its ``payload_digest`` and confirmed to be canonical JSON (spec §8) —
    unless ``canonical`` says the texts were made by `canonical_json` here."""
    chain = _Chain(require_signatures, canonical)
    count = 0
    for count, row in enumerate(rows, start=1):
        problem = chain.problem(row, count)
        if problem is not None:
            return ChainReport(count - 1, chain.prev, problem, count, chain.signatures)
        chain.accept(row)
    if head is not None and head != chain.prev:
        return ChainReport(count, chain.prev, f"the chain ends at {chain.prev}, not at the "
                           f"published head {head} (entries were cut off or added)", count + 1,
                           chain.signatures)
    return ChainReport(count, chain.prev, None, None, chain.signatures)


def check_chain(entries: Iterable[Entry | Mapping[str, Any]], *, head: str | None = None,
                require_signatures: bool = False) -> ChainReport:
    """Verify a chain (spec §16.3) and name its first bad entry.

    Checked: the sequence runs 1, 2, 3, … without a gap or repeat; each ``prev`` is the
    previous entry's hash; each ``hash`` is that of the entry's chain fields; each present
    payload has its ``payload_digest``; times do not go back; each entry of an actor with a
    registered key (``key_registered``) is signed by that key (with ``require_signatures``,
    every entry must be). ``head``: the published head the chain must end at (a chain cut
    short, or extended, no longer does). A damaged entry (a field of the wrong type, a
    payload with a float) is reported like any other bad entry, never raised.
    """
    def rows() -> Iterable[Row]:
        for raw in entries:
            if isinstance(raw, Entry):
                yield _row_of(raw)
            else:
                yield (raw.get("seq"), raw.get("time"), raw.get("actor"), raw.get("kind"),
                       _payload_text(raw.get("kind"), raw.get("payload")),
                       raw.get("payload_digest"),
                       raw.get("prev"), raw.get("hash"), raw.get("signature"))
    return check_rows(rows(), head=head, require_signatures=require_signatures, canonical=True)


def write_jsonl(entries: Sequence[Entry], path: str | Path) -> None:
    """Write entries as JSON Lines (one canonical JSON object per line), atomically."""
    from .._atomic import write_atomic  # noqa: PLC0415

    write_atomic(path, "".join(canonical_json(e.to_dict()) + "\n" for e in entries).encode())


def read_jsonl(path: str | Path) -> list[Entry]:
    """Read an exported journal (blank lines skipped); a line that is not an entry raises
    `FileFormatError`."""
    entries = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise FileFormatError(str(path), [(0, "", f"cannot be read: {error}")], 1) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # blank lines carry nothing (spec §16.4)
        try:
            entries.append(Entry.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as error:
            raise FileFormatError(str(path), [(number, "", f"not a journal entry: {error}")],
                                  1) from None
    return entries

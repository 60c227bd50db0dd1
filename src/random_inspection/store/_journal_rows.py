"""The journal table: append an entry inside a writing transaction; read entries back.

Rows hold every chain field of `audit._journal.Entry` and the payload and signature as
canonical JSON text, so an entry read back equals the one appended and `check_chain` over
the stored journal checks exactly what was appended.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, func, insert, select

from .._canonical import canonical_json
from .._errors import InvalidTypeError, InvalidValueError, StoreError
from ..audit._journal import GENESIS, Entry, Signer, make_entry
from ._connect import Database
from ._tables import journal

__all__ = ["append_entry", "chain_rows", "count", "entries", "entry_row", "last", "later"]

#: Entries read per query when streaming the journal.
CHUNK = 10_000
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_COLUMNS = (journal.c.seq, journal.c.time, journal.c.actor, journal.c.kind, journal.c.payload,
            journal.c.payload_digest, journal.c.prev, journal.c.hash, journal.c.signature)


def _plain(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as the plain JSON values it will be read back as (tuples become lists),
    so that the returned entry equals the stored one."""
    if not isinstance(payload, Mapping):
        raise InvalidTypeError("Workspace.append", "payload", payload, "a mapping",
                               "pass a dict of the kind's fields")
    try:
        text = canonical_json(dict(payload))
        text.encode()  # a lone surrogate is not UTF-8: refuse it here, not mid-append
        value: dict[str, Any] = json.loads(text)
    except (TypeError, ValueError) as error:
        if isinstance(error, InvalidValueError):
            raise
        raise InvalidValueError("journal", "payload", payload, f"is not JSON data ({error})",
                                "use text keys and text, integers, booleans, null, lists and "
                                "objects as values") from None
    return value


def last(connection: Connection) -> tuple[int, str, str | None]:
    """The last entry's (seq, hash, time); ``(0, GENESIS, None)`` for an empty journal."""
    row = connection.execute(select(journal.c.seq, journal.c.hash, journal.c.time)
                             .order_by(journal.c.seq.desc()).limit(1)).first()
    return (0, GENESIS, None) if row is None else (int(row[0]), str(row[1]), str(row[2]))


def later(connection: Connection, seq: int, kinds: Collection[str]) -> int | None:
    """The first entry after ``seq`` of one of ``kinds`` (its seq), or ``None``."""
    row = connection.execute(select(journal.c.seq).where(
        journal.c.seq > seq, journal.c.kind.in_(sorted(kinds))).order_by(journal.c.seq)
        .limit(1)).first()
    return None if row is None else int(row[0])


def count(connection: Connection) -> int:
    """How many entries the journal holds."""
    return int(connection.execute(select(func.count()).select_from(journal)).scalar_one())


def append_entry(connection: Connection, *, kind: str, payload: Mapping[str, Any], actor: str,
                 clock: Callable[[], dt.datetime], signer: Signer | None) -> Entry:
    """Append the next entry; ``connection`` is in a writing transaction (it holds the
    journal's lock, so the last entry read here stays the last until it commits).

    The time is the clock's, except that it never goes back before the last entry's (clocks
    of several machines writing to one PostgreSQL workspace need not agree): a chain's times
    never decrease.
    """
    plain = _plain(payload)
    seq, prev, last_time = last(connection)
    moment = clock()
    if last_time is not None and isinstance(moment, dt.datetime) \
            and moment.utcoffset() is not None:
        moment = max(moment, dt.datetime.strptime(last_time, _TIME_FORMAT).replace(
            tzinfo=dt.UTC))
    entry = make_entry(seq=seq + 1, moment=moment, actor=actor, kind=kind, payload=plain,
                       prev=prev, signer=signer)
    connection.execute(insert(journal).values(entry_row(entry)))
    return entry


def entry_row(entry: Entry) -> dict[str, Any]:
    """The journal row of an entry (payload and signature as canonical JSON text)."""
    payload = None if entry.payload is None else canonical_json(dict(entry.payload))
    signature = None if entry.signature is None else canonical_json(dict(entry.signature))
    return {"seq": entry.seq, "time": entry.time, "actor": entry.actor, "kind": entry.kind,
            "payload": payload, "payload_digest": entry.payload_digest, "prev": entry.prev,
            "hash": entry.hash, "signature": signature}


def _chunks(database: Database, start: int, kinds: Collection[str] | None
            ) -> Iterator[Sequence[tuple[Any, ...]]]:
    """The journal's rows from ``start`` on (only ``kinds``, when given), `CHUNK` at a time,
    each chunk in its own short transaction: entries never change, so chunks always join."""
    following = max(start, 1)
    while True:
        query = select(*_COLUMNS).where(journal.c.seq >= following)
        if kinds is not None:
            query = query.where(journal.c.kind.in_(sorted(kinds)))
        with database.transaction() as connection:
            rows = connection.execute(query.order_by(journal.c.seq).limit(CHUNK)).all()
        yield cast(Sequence[tuple[Any, ...]], rows)  # Rows are named tuples
        if len(rows) < CHUNK:
            return
        following = int(rows[-1][0]) + 1


def entries(database: Database, start: int = 1, kinds: Collection[str] | None = None
            ) -> Iterator[Entry]:
    """Entries from ``start`` on, in sequence order (only ``kinds``, when given)."""
    loads = json.loads
    for rows in _chunks(database, start, kinds):
        for seq, time, actor, kind, payload, payload_digest, prev, digest, signature in rows:
            try:
                yield Entry(seq, time, actor, kind, loads(payload), payload_digest, prev,
                            digest, None if signature is None else loads(signature))
            except ValueError as error:
                raise StoreError(database.location.shown, f"journal entry {seq} is damaged: its "
                                 f"payload or signature is not JSON ({error})",
                                 "`journal verify` names the first bad entry; restore the "
                                 "workspace from a backup") from None


def chain_rows(database: Database) -> Iterator[tuple[Any, ...]]:
    """Every entry as a row for `audit._journal.check_rows`: the payload left as the stored
    canonical text (hashed, not parsed), the signature parsed."""
    loads = json.loads
    for rows in _chunks(database, 1, None):
        for seq, time, actor, kind, payload, payload_digest, prev, digest, signature in rows:
            yield (seq, time, actor, kind, payload, payload_digest, prev, digest,
                   None if signature is None else loads(signature))

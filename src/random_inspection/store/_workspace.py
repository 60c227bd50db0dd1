"""`Workspace`: registers, plans, records and the journal of one jurisdiction, in a database."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Collection, Iterator, Mapping
from types import TracebackType
from typing import Any, Self

from .._canonical import canonical_json
from .._errors import InvalidTypeError, InvalidValueError, StoreError, UnknownIdError
from ..audit._journal import KINDS, ChainReport, Entry, Signer, check_rows, utc_now
from ..planning import AnnualPlan, plan_from_dict, plan_to_dict
from ..registry import _fields as f
from ..registry._identifiers import normalize_id
from ..sampling._record import AuditRecord
from . import _queries as q
from ._connect import Database, describe, enable_wal, parse_location, remove_new_sqlite
from ._journal_rows import append_entry, chain_rows, entries, last, later
from ._schema import (
    NoWorkspaceError,
    check_schema,
    create_schema,
    current_revision,
    init_hint,
    workspace_tables,
)
from ._snapshots import DamagedSnapshotError, Register, kind_of, restore, snapshot

__all__ = ["Workspace"]

Clock = Callable[[], dt.datetime]
_BOM = b"\xef\xbb\xbf"


def _record_input(record: object) -> tuple[AuditRecord, bytes]:
    """The record and its canonical bytes; refused unless its digest is its content's."""
    where = "Workspace.save_record"
    if isinstance(record, AuditRecord):
        parsed, data = record, record.to_json().encode()
    elif isinstance(record, bytes | bytearray | memoryview | str):
        data = record.encode("utf-8", "surrogatepass") if isinstance(record, str) \
            else bytes(record)
        data = data.removeprefix(_BOM)  # spec §9.1: the record is the bytes after a BOM
        parsed = AuditRecord.from_json(data, source=where)
    else:
        raise InvalidTypeError(where, "record", record, "an AuditRecord or its published bytes",
                               "pass sample.record, or the bytes of a record.json file")
    if parsed.claimed_digest is not None and parsed.claimed_digest != parsed.digest:
        raise InvalidValueError(where, "record_digest", parsed.claimed_digest,
                                f"is not the digest of the record's content ({parsed.digest}): "
                                "the record was changed after it was made",
                                "store the record exactly as the draw published it")
    return parsed, data


class Workspace:
    """A workspace: register snapshots, annual plans and audit records of one jurisdiction,
    and the append-only, hash-chained journal of everything stored.

    Make one with `init`, open it with `open`; use it as a context manager (or `close` it).
    A folder holds an SQLite workspace (``workspace.sqlite``; nothing to install); a
    ``postgresql+psycopg://`` URL names a PostgreSQL database (the ``store`` extra). Both
    behave alike: every save is one transaction with its journal entry, durable when it
    returns; saving what is stored already stores nothing and journals nothing; a failure
    raises `StoreError` and leaves the workspace as it was.

    Attributes:
        location: The folder, or the URL without its password.
        backend: ``"sqlite"`` or ``"postgresql"``.

    Example:
        >>> import tempfile
        >>> from random_inspection.store import Workspace
        >>> with Workspace.init(tempfile.mkdtemp() + "/ws") as workspace:
        ...     workspace.head()
        (0, 'sha256:0000000000000000000000000000000000000000000000000000000000000000')
    """

    location: str
    backend: str

    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        """Internal: use `init` or `open`."""
        self._database: Database | None = database
        self._clock: Clock = clock or utc_now
        self.location = database.location.shown
        self.backend = database.location.backend

    # --- opening and closing ------------------------------------------------------------

    @classmethod
    def init(cls, location: str | os.PathLike[str], *, clock: Clock | None = None) -> Self:
        """Create a workspace: in a folder (made if missing; one already holding a workspace
        is refused), or in an empty PostgreSQL database given by URL.

        ``clock`` gives the journal's times (default: the system clock in UTC).
        """
        where = parse_location(location)
        made_folder = False
        if where.folder is not None:
            if where.file.exists():
                raise StoreError(where.shown, "already holds a workspace",
                                 "open it with Workspace.open, or choose another folder")
            made_folder = not where.folder.exists()
            try:
                where.folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(where.shown, f"the folder cannot be made ({error.strerror})",
                                 "choose a folder this user can write") from None
        database = Database(where, create=True)
        try:
            if where.folder is not None:
                try:
                    enable_wal(database)
                except Exception as error:
                    raise describe(where, error, "working") from error
            with database.transaction(write=True, lock=False) as connection:
                present = workspace_tables(connection)
                if present:
                    raise StoreError(where.shown, "already holds a workspace (tables "
                                     f"{', '.join(present)})", "open it with Workspace.open, "
                                     "or give an empty database")
                create_schema(connection)
        except BaseException:
            database.dispose()
            if where.folder is not None:
                remove_new_sqlite(where, made_folder)
            raise
        return cls(database, clock)

    @classmethod
    def open(cls, location: str | os.PathLike[str], *, clock: Clock | None = None,
             migrate: bool = True, create: bool = False) -> Self:
        """Open an existing workspace. An older schema is migrated to this version's (with
        ``migrate=False`` that is refused, saying what to call); a newer one is refused.
        ``create=True``: a location that holds no workspace gets a new one (`init`), so a
        workspace is made on first use."""
        if create:
            try:
                return cls.open(location, clock=clock, migrate=migrate)
            except NoWorkspaceError:
                pass
            try:
                return cls.init(location, clock=clock)
            except StoreError as error:  # another process may have made it meanwhile
                try:
                    return cls.open(location, clock=clock, migrate=migrate)
                except NoWorkspaceError:
                    raise error from None
        where = parse_location(location)
        if where.folder is not None and not where.file.is_file():
            raise NoWorkspaceError(where.shown, "holds no workspace", init_hint(where.shown))
        database = Database(where)
        try:
            check_schema(database, migrate)
        except BaseException:
            database.dispose()
            raise
        return cls(database, clock)

    def close(self) -> None:
        """Close the connections (the workspace cannot be used after this)."""
        if self._database is not None:
            self._database.dispose()
            self._database = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Workspace {self.backend} {self.location}>"

    def _db(self) -> Database:
        if self._database is None:
            raise StoreError(self.location, "this Workspace was closed",
                             "open it again with Workspace.open")
        return self._database

    def status(self) -> dict[str, Any]:
        """Backend, location, schema revision, how many registers, plans, records and journal
        entries are stored, and the journal's head ``{"seq", "hash"}``."""
        with self._db().transaction() as connection:
            revision = current_revision(connection)
            numbers = q.counts(connection)
            seq, digest, _ = last(connection)
        return {"backend": self.backend, "location": self.location, "schema_revision": revision,
                **numbers, "journal_head": {"seq": seq, "hash": digest}}

    # --- registers --------------------------------------------------------------------------

    def save_register(self, register: Register, *, actor: str,
                      signer: Signer | None = None) -> str:
        """Store a snapshot of a register, once per digest, and return the digest.

        The first time, a ``register_committed`` entry ``{register: kind, digest, size}``
        is journaled; later saves of the same content store and journal nothing.
        """
        kind = kind_of(register)
        actor = f.text(actor, "journal", "actor")
        digest = register.digest
        with self._db().transaction() as connection:
            if q.register_row(connection, digest) is not None:
                return digest
        try:
            stored = snapshot(register)  # outside the lock: writers wait for no encoding
        except DamagedSnapshotError as error:
            raise InvalidValueError("Workspace.save_register", "register", register,
                                    f"cannot be stored faithfully: {error}",
                                    "report this as a bug of random-inspection") from None
        with self._db().transaction(write=True) as connection:
            if q.register_row(connection, digest) is None:
                entry = append_entry(connection, kind="register_committed", payload={
                    "register": kind, "digest": digest, "size": stored.size}, actor=actor,
                    clock=self._clock, signer=signer)
                q.insert_register(connection, stored, entry.seq)
        return digest

    def load_register(self, digest: str) -> Register:
        """The register stored under ``digest``, bit-identical (the same ``.digest``).

        An unknown digest raises `UnknownIdError`; a damaged snapshot `StoreError`.
        """
        self._check_text("load_register", "digest", digest)
        with self._db().transaction() as connection:
            row = q.register_row(connection, digest)
            if row is None:
                raise UnknownIdError("workspace registers", [digest],
                                     "Fix: save the register first (Workspace.save_register); "
                                     "Workspace.registers() lists the stored ones.")
            data = q.register_data(connection, digest)
        kind, form, _ = row
        try:
            return restore(kind, form, digest, data)
        except DamagedSnapshotError as error:
            raise StoreError(self.location, f"the stored {kind} {digest} is damaged: {error}",
                             "restore the workspace from a backup") from None

    def registers(self) -> list[dict[str, Any]]:
        """Every stored register: ``kind``, ``digest``, ``size`` (entries) and the
        ``journal_seq`` of the entry that committed it, in storing order."""
        with self._db().transaction() as connection:
            return q.register_list(connection)

    # --- plans ------------------------------------------------------------------------------

    def save_plan(self, plan: AnnualPlan, *, actor: str, reason: str | None = None,
                  signer: Signer | None = None) -> str:
        """Store a version of an annual plan and return its digest.

        The first stored version of a plan (same region, year and name) journals
        ``plan_filed {plan_digest, version}``; a later version journals ``plan_revised
        {plan_digest, version, replaces, reason}``, ``replaces`` being the newest stored
        version and ``reason`` this one's (default: the ``why`` its change log gives for
        this version). A version not above the newest stored one is refused: revise the
        stored version instead. Saving a stored version again does nothing.
        """
        if not isinstance(plan, AnnualPlan):
            raise InvalidTypeError("Workspace.save_plan", "plan", plan, "an AnnualPlan",
                                   "read the plan first: planning.read_plan(path)")
        actor = f.text(actor, "journal", "actor")
        content = canonical_json(plan_to_dict(plan))
        digest = plan.digest
        if reason is None:
            reason = next((c.why for c in plan.history if c.version == plan.version), None)
        with self._db().transaction(write=True) as connection:
            if q.find_plan(connection, digest):
                return digest
            previous = q.last_plan(connection, plan.region, plan.year, plan.name)
            payload: dict[str, Any] = {"plan_digest": digest, "version": plan.version}
            if previous is not None and plan.version <= previous[1]:
                raise InvalidValueError(
                    f"AnnualPlan(region={plan.region!r}, year={plan.year})", "version",
                    plan.version, f"is not above version {previous[1]} of {plan.name!r}, "
                    f"stored as {previous[0]}", "revise the stored version "
                    "(load_plan(digest).revise(...)) and save the result")
            if previous is not None:
                payload |= {"replaces": previous[0], "reason": reason}
            entry = append_entry(connection, kind="plan_revised" if previous else "plan_filed",
                                 payload=payload, actor=actor, clock=self._clock, signer=signer)
            q.insert_plan(connection, digest=digest, name=plan.name, region=plan.region,
                          year=plan.year, version=plan.version,
                          replaces=previous[0] if previous else None, content=content,
                          seq=entry.seq)
        return digest

    def plans(self) -> list[dict[str, Any]]:
        """Every stored plan version: ``digest``, ``name``, ``region``, ``year``,
        ``version`` and the ``journal_seq`` that filed it, in storing order."""
        with self._db().transaction() as connection:
            return q.plan_list(connection)

    def load_plan(self, digest: str) -> AnnualPlan:
        """The plan version stored under ``digest`` (unknown: `UnknownIdError`)."""
        self._check_text("load_plan", "digest", digest)
        with self._db().transaction() as connection:
            content = q.plan_content(connection, digest)
        if content is None:
            raise UnknownIdError("workspace plans", [digest],
                                 "Fix: save the plan first (Workspace.save_plan).")
        plan = plan_from_dict(json.loads(content), source=f"{self.location} plan {digest}")
        if plan.digest != digest:
            raise StoreError(self.location, f"the stored plan {digest} is damaged (it reads "
                             f"as {plan.digest})", "restore the workspace from a backup")
        return plan

    # --- records ----------------------------------------------------------------------------

    def save_record(self, record: AuditRecord | bytes | str, *, actor: str,
                    signer: Signer | None = None) -> str:
        """Store an audit record byte for byte (an `AuditRecord`, or its published bytes,
        read strictly) and return its record digest.

        The first time, ``record_stored {record_digest, purpose}`` is journaled and its
        selected targets (stratum, draw position) and team members (leader, officer,
        expert) are indexed for `draws_of_target` and `inspector_load`.
        """
        parsed, data = _record_input(record)
        actor = f.text(actor, "journal", "actor")
        digest = parsed.digest
        with self._db().transaction(write=True) as connection:
            if q.record_content(connection, digest) is None:
                entry = append_entry(connection, kind="record_stored", payload={
                    "record_digest": digest, "purpose": parsed.purpose}, actor=actor,
                    clock=self._clock, signer=signer)
                q.insert_record(connection, record=parsed, digest=digest, data=data,
                                year=q.record_year(parsed.purpose, entry.time), seq=entry.seq)
        return digest

    def record_bytes(self, digest: str) -> bytes:
        """The stored record's bytes, exactly as published (unknown: `UnknownIdError`)."""
        self._check_text("record_bytes", "digest", digest)
        with self._db().transaction() as connection:
            data = q.record_content(connection, digest)
        if data is None:
            raise UnknownIdError("workspace records", [digest],
                                 "Fix: store the record first (Workspace.save_record).")
        return data

    def load_record(self, digest: str) -> AuditRecord:
        """The stored record, read strictly (a damaged one raises `StoreError`)."""
        data = self.record_bytes(digest)
        try:
            record = AuditRecord.from_json(data, source=f"{self.location} record {digest}")
        except InvalidValueError as error:
            raise StoreError(self.location, f"the stored record {digest} is damaged: {error}",
                             "restore the workspace from a backup") from None
        if record.digest != digest or record.claimed_digest != digest:
            raise StoreError(self.location, f"the stored record {digest} is damaged (its "
                             f"content's digest is {record.digest})",
                             "restore the workspace from a backup")
        return record

    def records_of(self, purpose: str) -> list[str]:
        """Digests of the stored records of a task's ``purpose``, in storing order."""
        self._check_text("records_of", "purpose", purpose)
        with self._db().transaction() as connection:
            return q.records_of(connection, purpose)

    def draws_of_target(self, target_id: str, year: int | None = None) -> list[dict[str, Any]]:
        """Every stored draw that selected ``target_id``: ``record_digest``, ``purpose``,
        ``label`` (the stratum) and ``position`` (1 for the first drawn of the stratum), in
        storing order. ``year``: only records of that year — the leading four digits of
        the purpose when it has them, else the year the record was stored."""
        self._check_text("draws_of_target", "target_id", target_id)
        with self._db().transaction() as connection:
            return q.draws_of_target(connection, normalize_id(target_id), self._year(year))

    def inspector_load(self, inspector_id: str, year: int | None = None) -> int:
        """How many teams of the stored records the inspector is in (as leader, officer or
        expert); ``year`` as in `draws_of_target`."""
        self._check_text("inspector_load", "inspector_id", inspector_id)
        with self._db().transaction() as connection:
            return q.inspector_load(connection, inspector_id, self._year(year))

    # --- the journal ------------------------------------------------------------------------

    def append(self, kind: str, payload: Mapping[str, Any], *, actor: str,
               signer: Signer | None = None,
               unchanged: tuple[int, Collection[str]] | None = None) -> Entry:
        """Append an entry to the journal, in one transaction that holds the journal's lock:
        read the last entry, make the next (`audit._journal.make_entry`), insert, commit.
        Sequence numbers never fork or repeat; an entry returned is durable.

        ``unchanged=(seq, kinds)``: the payload was worked out from the journal up to entry
        ``seq``; if an entry of one of ``kinds`` came after it meanwhile, nothing is appended
        (`StoreError`: work it out again).
        """
        with self._db().transaction(write=True) as connection:
            if unchanged is not None:
                seq, kinds = unchanged
                moved = later(connection, seq, kinds)
                if moved is not None:
                    raise StoreError(self.location, f"journal entry {moved} ({', '.join(kinds)})"
                                     f" was appended after entry {seq}, which this {kind} "
                                     "entry was worked out from; nothing was appended",
                                     "do it again: it is worked out from the journal as it "
                                     "is now")
            return append_entry(connection, kind=kind, payload=payload, actor=actor,
                                clock=self._clock, signer=signer)

    def journal(self, start: int = 1, *, kinds: Collection[str] | None = None
                ) -> Iterator[Entry]:
        """The entries from sequence number ``start`` on, in order, read in chunks; with
        ``kinds``, only entries of those kinds (e.g. a ceremony's, without the rest)."""
        if isinstance(start, bool) or not isinstance(start, int):
            raise InvalidTypeError("Workspace.journal", "start", start, "an int",
                                   "give a sequence number, e.g. 1")
        if kinds is not None:
            unknown = sorted(set(kinds) - set(KINDS)) if not isinstance(kinds, str) \
                else [kinds]
            if unknown:
                raise InvalidValueError("Workspace.journal", "kinds", unknown,
                                        "are not journal kinds (or kinds is one text)",
                                        "give a list of: " + ", ".join(KINDS))
        return entries(self._db(), start, kinds)

    def check_journal(self, *, head: str | None = None,
                      require_signatures: bool = False) -> ChainReport:
        """Check the whole stored chain (spec §16.3) as `check_chain` does, hashing each
        stored payload text instead of parsing it; the report names the first bad entry."""
        return check_rows(chain_rows(self._db()), head=head,
                          require_signatures=require_signatures)

    def head(self) -> tuple[int, str]:
        """The last entry's (seq, hash); ``(0, GENESIS)`` while the journal is empty."""
        with self._db().transaction() as connection:
            seq, digest, _ = last(connection)
        return seq, digest

    # --- helpers ------------------------------------------------------------------------

    @staticmethod
    def _check_text(method: str, argument: str, value: object) -> None:
        if not isinstance(value, str):
            raise InvalidTypeError(f"Workspace.{method}", argument, value, "a str",
                                   f"pass the {argument.replace('_', ' ')} as text")

    @staticmethod
    def _year(year: int | None) -> int | None:
        if year is None or (isinstance(year, int) and not isinstance(year, bool)):
            return year
        raise InvalidTypeError("Workspace", "year", year, "an int or None",
                               "give the year as a number, e.g. 2024")

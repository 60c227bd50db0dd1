"""Where a workspace lives, its database connection, its transactions, and its failures in
words.

One code path for both databases: a folder holds an SQLite file (WAL, ``synchronous=FULL``:
a commit that returned is on disk); a ``postgresql://`` URL names a PostgreSQL database. A
writing transaction holds the journal's lock from its first statement — SQLite's ``BEGIN
IMMEDIATE``, PostgreSQL's ``LOCK TABLE journal IN EXCLUSIVE MODE`` — so writers queue and
readers never wait. Any database failure becomes a `StoreError` naming the location and the
fix; the transaction is rolled back, so the store is as it was.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import QueuePool

from .._errors import StoreError

__all__ = ["SQLITE_FILE", "Database", "Location", "describe", "enable_wal", "parse_location",
           "remove_new_sqlite"]

SQLITE_FILE = "workspace.sqlite"
#: How long a writer waits for another writer's transaction before giving up, in seconds.
WAIT_SECONDS = 120.0
_WRITE = "random_inspection_write"


@attrs.frozen
class Location:
    """A parsed workspace location.

    Attributes:
        backend: ``"sqlite"`` or ``"postgresql"``.
        shown: The folder (absolute), or the URL without its password: for messages.
        folder: The SQLite workspace's folder (``None`` for PostgreSQL).
        url: The PostgreSQL URL with the psycopg driver (``None`` for SQLite).
    """

    backend: str
    shown: str
    folder: Path | None = None
    url: URL | None = None

    @property
    def file(self) -> Path:
        """The SQLite database file."""
        assert self.folder is not None
        return self.folder / SQLITE_FILE


def parse_location(location: str | os.PathLike[str]) -> Location:
    """A folder path (SQLite) or a ``postgresql://`` / ``postgresql+psycopg://`` URL."""
    text = os.fspath(location)
    if not text.strip():
        raise StoreError(repr(text), "is not a location", "give a folder (SQLite) or a "
                         "postgresql+psycopg://user@host:5432/database URL")
    if "://" not in text:
        folder = Path(text).expanduser().absolute()
        return Location("sqlite", str(folder), folder=folder)
    try:
        url = make_url(text)
    except exc.ArgumentError:
        url = None
    if url is None or url.get_backend_name() != "postgresql":
        raise StoreError(text, "is neither a folder nor a postgresql:// URL",
                         "give a folder for an SQLite workspace, or a URL such as "
                         "postgresql+psycopg://user@host:5432/database")
    url = url.set(drivername="postgresql+psycopg")
    return Location("postgresql", url.render_as_string(hide_password=True), url=url)


# Failures, by a pattern of the driver's message (lower-cased): what happened, and the fix.
_SQLITE_FAULTS = (
    ("readonly", "the workspace is read-only (its folder or files cannot be written)",
     "make the folder and its files writable by this user, or copy the workspace to a "
     "folder this user can write"),
    ("disk is full", "the disk is full",
     "free space on the disk that holds the workspace, then try again"),
    ("locked", f"another process kept the workspace locked for over {WAIT_SECONDS:.0f} s",
     "wait for the other process to finish, then try again"),
    ("unable to open", "its database file cannot be opened",
     "check that the folder exists and that this user can read and write it and its files"),
    ("malformed", "its database file is damaged", "restore the workspace from a backup"),
    ("not a database", "its database file is damaged or is not a workspace",
     "restore the workspace from a backup"),
    (r"i/o error", "the disk reported an input/output error",
     "check the disk; restore the workspace from a backup if it is damaged"),
)
_POSTGRESQL_FAULTS = (
    ("read-only", "the database is read-only (a standby, or default_transaction_read_only)",
     "connect to the primary server, or give this user write access"),
    ("no space left", "the server's disk is full", "free space on the database server"),
    ("could not extend", "the server's disk is full", "free space on the database server"),
    ("lock timeout", f"another session kept the journal locked for over {WAIT_SECONDS:.0f} s",
     "wait for the other session to finish, then try again"),
    ("permission denied", "this database user lacks a privilege the workspace needs",
     "grant the user rights on the workspace's tables (or connect as their owner)"),
    (r'database ".*" does not exist', "the database does not exist",
     "create it (createdb NAME), then run `random-inspection workspace init URL`"),
)
_LOST = ("the connection to the PostgreSQL server was lost or refused",
         "check that the server is running and reachable, then try again")


def describe(location: Location, error: BaseException, stage: str) -> StoreError:
    """The `StoreError` for a database failure at ``stage`` (``"connecting"``, ``"working"``
    or ``"committing"``)."""
    message = str(getattr(error, "orig", None) or error).strip()
    first = message.splitlines()[0] if message else type(error).__name__
    lowered = message.lower()
    faults = _SQLITE_FAULTS if location.backend == "sqlite" else _POSTGRESQL_FAULTS
    found = next(((problem, fix) for words, problem, fix in faults
                  if re.search(words, lowered)), None)
    if location.backend == "sqlite" and ("unable to open" in lowered or "readonly" in lowered):
        refusal = _unwritable(location)
        if refusal is not None:
            found = (f"the workspace is read-only ({refusal})", _SQLITE_FAULTS[0][2])
    lost = location.backend == "postgresql" and found is None and _lost(error)
    problem, fix = _LOST if lost else found or (
        f"the database failed: {first}", "see the database's message; then try again")
    if lost or found is None:
        problem += f" ({first})"
    if stage == "committing":
        problem += ("; it failed while committing, so the change may or may not be stored "
                    "(check Workspace.head() before trying again)")
    elif stage == "working":
        problem += "; nothing of this operation was stored"
    return StoreError(location.shown, problem, fix)


def _unwritable(location: Location) -> str | None:
    """Why the SQLite workspace's folder or file cannot be written (``None`` if they can).
    Tried, not looked up: permission bits do not bind root, an immutable flag or a read-only
    file system do."""
    try:
        os.close(os.open(location.file, os.O_RDWR))
        tempfile.TemporaryFile(dir=location.file.parent).close()
    except OSError as error:
        return f"{error.strerror}: {error.filename or location.file.parent}"
    return None


def _lost(error: BaseException) -> bool:
    """Whether a PostgreSQL failure is the connection's: SQLAlchemy saw a disconnect, the
    driver failed without a server error code, or the code is of class 08 (connection
    exception) or 57P (the server shut down or terminated the session)."""
    if getattr(error, "connection_invalidated", False):
        return True
    state = getattr(getattr(error, "orig", None), "sqlstate", None)
    if state is None:
        return isinstance(error, exc.OperationalError | exc.InterfaceError)
    return str(state).startswith(("08", "57P"))


class Database:
    """A workspace's engine and its transactions."""

    def __init__(self, location: Location, *, create: bool = False) -> None:
        self.location = location
        self.engine = _sqlite_engine(location.file, create) if location.backend == "sqlite" \
            else _postgresql_engine(location)

    @contextmanager
    def transaction(self, *, write: bool = False, lock: bool = True) -> Iterator[Connection]:
        """One transaction, committed when the block ends without an exception.

        ``write``: the transaction will write; it takes the journal's lock first (``lock``;
        off only while the tables are being created) so that writers queue up. Database
        failures raise `StoreError`; other exceptions roll back and pass through.
        """
        stage = "connecting"
        try:
            with self.engine.connect() as connection:
                if write:
                    connection.execution_options(**{_WRITE: True})
                stage = "working"
                with connection.begin():
                    if write and lock and self.location.backend == "postgresql":
                        connection.exec_driver_sql("LOCK TABLE journal IN EXCLUSIVE MODE")
                    yield connection
                    stage = "committing" if write else "reading"
        except (exc.DBAPIError, sqlite3.Error, OSError) as error:
            raise describe(self.location, error, stage if write else "reading") from error

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _sqlite_engine(file: Path, create: bool) -> Engine:
    uri = "file:" + urllib.parse.quote(str(file)) + ("?mode=rwc" if create else "?mode=rw")

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=WAIT_SECONDS, isolation_level=None,
                               check_same_thread=False)

    engine = create_engine("sqlite+pysqlite://", creator=connect, poolclass=QueuePool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # we say BEGIN ourselves (below), and which kind
        cursor = dbapi.cursor()
        cursor.execute("PRAGMA synchronous = FULL")  # durable commits in WAL mode
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgresql_engine(location: Location) -> Engine:
    assert location.url is not None
    # A writer waits for the journal's lock as long as SQLite's would, then gives up.
    options = f"-c lock_timeout={int(WAIT_SECONDS * 1000)}"
    return create_engine(location.url, pool_pre_ping=True, isolation_level="READ COMMITTED",
                         connect_args={"connect_timeout": 15, "options": options})


def enable_wal(database: Database) -> None:
    """Put a new SQLite workspace in WAL mode (kept in the file; outside any transaction)."""
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
    finally:
        raw.close()


def remove_new_sqlite(location: Location, made_folder: bool) -> None:
    """Remove what a failed `Workspace.init` created in a folder."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            (location.file.parent / (SQLITE_FILE + suffix)).unlink()
    if made_folder and location.folder is not None:
        with contextlib.suppress(OSError):
            location.folder.rmdir()

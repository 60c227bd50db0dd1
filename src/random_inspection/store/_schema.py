"""The workspace's schema revision, run by Alembic from inside the package.

The migrations are in ``migrations/versions/`` (one file per revision, numbered ``0001``,
``0002``, …); no ``alembic.ini`` is needed: the store builds Alembic's configuration here and
hands it the connection of its own transaction, so a migration commits whole or not at all.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, inspect

from .._errors import StoreError
from . import _tables as t
from ._connect import Database

__all__ = ["MIGRATIONS", "check_schema", "create_schema", "current_revision", "head_revision",
           "init_hint", "is_known", "upgrade", "workspace_tables"]

#: The migration scripts (Alembic's ``script_location``).
MIGRATIONS = Path(__file__).parent / "migrations"
_ADVISORY_LOCK = 0x5249_5354  # "RIST": one migrating process at a time on PostgreSQL


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest revision this library knows."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


def is_known(revision: str) -> bool:
    """Whether ``revision`` is one of this library's migrations."""
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(connection: Connection) -> str | None:
    """The database's schema revision (``None`` where none is stamped)."""
    return MigrationContext.configure(connection).get_current_revision()


def workspace_tables(connection: Connection) -> list[str]:
    """The workspace's tables (and Alembic's version table) present in the database."""
    names = set(inspect(connection).get_table_names())
    return sorted(names & ({"alembic_version"} | set(t.metadata.tables)))


def _serialise(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})")


def create_schema(connection: Connection) -> None:
    """Create every table of the newest revision (an empty database, in its transaction)."""
    _serialise(connection)
    command.upgrade(_config(connection), "head")


def upgrade(connection: Connection) -> None:
    """Migrate to the newest revision, from whatever revision the database is at."""
    _serialise(connection)
    command.upgrade(_config(connection), "head")


def init_hint(shown: str) -> str:
    """How to make a workspace at ``shown``."""
    return (f"create one with `random-inspection workspace init {shown}` (library: "
            "Workspace.init), or give the location of an existing workspace")


class NoWorkspaceError(StoreError):
    """The location holds no workspace (`Workspace.open` with ``create=True`` makes one)."""


def check_schema(database: Database, migrate: bool) -> None:
    """Check a workspace's schema revision on opening: migrate an older one (or, unless
    ``migrate``, refuse it saying what to call); refuse a newer or unknown one, and a
    location without a workspace."""
    shown = database.location.shown
    with database.transaction() as connection:
        current = current_revision(connection)
        present = workspace_tables(connection)
    if current is None:
        if present:
            raise StoreError(shown, f"holds workspace tables ({', '.join(present)}) but no "
                             "schema revision: it is damaged or was not made by "
                             "Workspace.init", "restore it from a backup")
        raise NoWorkspaceError(shown, "holds no workspace", init_hint(shown))
    head = head_revision()
    if current == head:
        return
    if not is_known(current):
        raise StoreError(shown, f"its schema is at revision {current!r}, newer than this "
                         f"version of random-inspection knows (its newest is {head!r})",
                         "open it with the version of random-inspection that wrote it, or a "
                         "newer one (pip install --upgrade random-inspection)")
    if not migrate:
        raise StoreError(shown, f"its schema is at revision {current!r}, older than this "
                         f"version's {head!r}", f"call Workspace.open({shown!r}) (migrate=True, "
                         "the default) to migrate it; back the workspace up first")
    with database.transaction(write=True) as connection:
        upgrade(connection)

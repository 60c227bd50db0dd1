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

from . import _tables as t

__all__ = ["MIGRATIONS", "create_schema", "current_revision", "head_revision", "is_known",
           "upgrade", "workspace_tables"]

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

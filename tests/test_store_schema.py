"""The workspace schema: migrations agree with the tables; older schemas are migrated (or
refused with the call to make), newer ones refused; on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from random_inspection import StoreError
from random_inspection.audit._journal import check_chain
from random_inspection.store import Workspace
from random_inspection.store import _schema as schema
from random_inspection.store._tables import metadata

SECOND_REVISION = '''"""A test's second revision: an index of the journal by kind.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_journal_kind", "journal", ["kind"])


def downgrade() -> None:
    op.drop_index("ix_journal_kind", "journal")
'''


@pytest.fixture
def with_second_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The package's migrations plus a revision 0002, in place of the package's own."""
    copy = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / "0002_journal_kind.py").write_text(SECOND_REVISION)
    monkeypatch.setattr(schema, "MIGRATIONS", copy)
    return copy


def test_the_migrations_make_exactly_the_tables(location: str) -> None:
    """Revision 0001 creates exactly the tables, columns, keys and indexes of _tables.py."""
    with Workspace.init(location) as workspace, \
            workspace._db().transaction() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
        assert differences == []
        assert set(inspect(connection).get_table_names()) == {*metadata.tables,
                                                              "alembic_version"}


def test_an_older_schema_is_migrated_on_opening(location: str,
                                                 with_second_revision: Path) -> None:
    """A workspace at 0001 opened by a library whose newest revision is 0002 is refused with
    migrate=False, naming the call, and migrated by default with its contents kept."""
    with pytest.MonkeyPatch.context() as original:
        original.setattr(schema, "MIGRATIONS", Path(schema.__file__).parent / "migrations")
        with Workspace.init(location) as workspace:
            for i in range(3):
                workspace.append("export", {"head": "h", "entries": i}, actor="a")
            head = workspace.head()
    with pytest.raises(StoreError, match=r"older than this version's '0002'.*"
                       r"call Workspace\.open\(.*\) \(migrate=True"):
        Workspace.open(location, migrate=False)
    with Workspace.open(location) as workspace:
        assert workspace.status()["schema_revision"] == "0002"
        assert workspace.head() == head
        assert check_chain(workspace.journal()).ok
        with workspace._db().transaction() as connection:
            indexes = {i["name"] for i in inspect(connection).get_indexes("journal")}
        assert "ix_journal_kind" in indexes


def test_a_newer_schema_is_refused(location: str, with_second_revision: Path) -> None:
    """A workspace at a revision this library does not know is refused, naming both."""
    Workspace.init(location).close()  # at 0002: the test's migrations
    with pytest.MonkeyPatch.context() as original:
        original.setattr(schema, "MIGRATIONS", Path(schema.__file__).parent / "migrations")
        with pytest.raises(StoreError, match="revision '0002', newer than this version.*"
                           "'0001'.*pip install --upgrade"):
            Workspace.open(location)


def test_an_unknown_revision_is_refused(location: str) -> None:
    """A revision stamped by no known migration is refused like a newer one."""
    with Workspace.init(location) as workspace, \
            workspace._db().transaction(write=True) as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    with pytest.raises(StoreError, match="'f00d', newer than"):
        Workspace.open(location)


def test_tables_without_a_revision_are_refused(location: str) -> None:
    """Workspace tables whose revision stamp is gone are reported damaged, not re-made."""
    with Workspace.init(location) as workspace, \
            workspace._db().transaction(write=True) as connection:
        connection.execute(text("DELETE FROM alembic_version"))
    with pytest.raises(StoreError, match="no schema revision"):
        Workspace.open(location)
    with pytest.raises(StoreError, match="already holds a workspace"):
        Workspace.init(location)

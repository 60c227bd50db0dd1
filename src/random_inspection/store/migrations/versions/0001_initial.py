"""The first workspace schema: the journal, register snapshots, plans, records and their index.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIGEST = sa.String(71)


def _journal_seq(table: str) -> list[sa.schema.SchemaItem]:
    return [sa.Column("journal_seq", sa.BigInteger, nullable=False),
            sa.ForeignKeyConstraint(["journal_seq"], ["journal.seq"],
                                    name=f"fk_{table}_journal_seq_journal"),
            sa.UniqueConstraint("journal_seq", name=f"uq_{table}_journal_seq")]


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "journal",
        sa.Column("seq", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("time", sa.String(27), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("payload_digest", DIGEST, nullable=False),
        sa.Column("prev", DIGEST, nullable=False),
        sa.Column("hash", DIGEST, nullable=False),
        sa.Column("signature", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_journal"),
        sa.UniqueConstraint("hash", name="uq_journal_hash"),
    )
    op.create_table(
        "registers",
        sa.Column("digest", DIGEST, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("length", sa.BigInteger, nullable=False),
        *_journal_seq("registers"),
        sa.PrimaryKeyConstraint("digest", name="pk_registers"),
    )
    op.create_table(
        "register_parts",
        sa.Column("digest", DIGEST, nullable=False),
        sa.Column("part", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(["digest"], ["registers.digest"],
                                name="fk_register_parts_digest_registers"),
        sa.PrimaryKeyConstraint("digest", "part", name="pk_register_parts"),
    )
    op.create_table(
        "plans",
        sa.Column("digest", DIGEST, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("replaces", DIGEST, nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        *_journal_seq("plans"),
        sa.PrimaryKeyConstraint("digest", name="pk_plans"),
    )
    op.create_index("ix_plans_region_year_name", "plans", ["region", "year", "name"])
    op.create_table(
        "records",
        sa.Column("digest", DIGEST, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        *_journal_seq("records"),
        sa.PrimaryKeyConstraint("digest", name="pk_records"),
    )
    op.create_index("ix_records_purpose", "records", ["purpose"])
    op.create_table(
        "selections",
        sa.Column("record_digest", DIGEST, nullable=False),
        sa.Column("label", sa.String(8), nullable=False),
        sa.Column("position", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["record_digest"], ["records.digest"],
                                name="fk_selections_record_digest_records"),
        sa.PrimaryKeyConstraint("record_digest", "label", "position", name="pk_selections"),
    )
    op.create_index("ix_selections_target_id", "selections", ["target_id"])
    op.create_table(
        "team_members",
        sa.Column("record_digest", DIGEST, nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("inspector_id", sa.String(200), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.ForeignKeyConstraint(["record_digest"], ["records.digest"],
                                name="fk_team_members_record_digest_records"),
        sa.PrimaryKeyConstraint("record_digest", "target_id", "inspector_id", "role",
                                name="pk_team_members"),
    )
    op.create_index("ix_team_members_inspector_id", "team_members", ["inspector_id"])


def downgrade() -> None:
    """Drop the tables."""
    for table in ("team_members", "selections", "records", "plans", "register_parts",
                  "registers", "journal"):
        op.drop_table(table)

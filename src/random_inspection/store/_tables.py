"""The workspace's tables, as SQLAlchemy Core `Table` objects (schema revision 0001).

Every stored thing points at the journal entry that recorded it (``journal_seq``), and is
written in the same transaction as that entry, so the journal and the tables never disagree.
A change here needs a migration in ``migrations/versions/`` (the tests compare the two).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = ["journal", "metadata", "plans", "records", "register_parts", "registers",
           "selections", "team_members"]

DIGEST = String(71)  # "sha256:" and 64 hex digits

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

#: The hash chain (audit._journal's entries); payload and signature as canonical JSON text.
journal = Table(
    "journal", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("time", String(27), nullable=False),
    Column("actor", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("payload_digest", DIGEST, nullable=False),
    Column("prev", DIGEST, nullable=False),
    Column("hash", DIGEST, nullable=False, unique=True),
    Column("signature", Text, nullable=True),
)

#: Register snapshots, content-addressed by the register's digest.
registers = Table(
    "registers", metadata,
    Column("digest", DIGEST, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("format", String(40), nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("journal_seq", BigInteger, ForeignKey("journal.seq"), nullable=False, unique=True),
)

#: A snapshot's bytes, in parts (one value of either database is limited to about 1 GB).
register_parts = Table(
    "register_parts", metadata,
    Column("digest", DIGEST, ForeignKey("registers.digest"), primary_key=True),
    Column("part", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

#: Annual plans, one row per version; ``replaces`` is the version it revised.
plans = Table(
    "plans", metadata,
    Column("digest", DIGEST, primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", String(12), nullable=False),
    Column("year", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("replaces", DIGEST, nullable=True),
    Column("content", Text, nullable=False),
    Column("journal_seq", BigInteger, ForeignKey("journal.seq"), nullable=False, unique=True),
    Index(None, "region", "year", "name"),
)

#: Audit records, byte for byte as published.
records = Table(
    "records", metadata,
    Column("digest", DIGEST, primary_key=True),
    Column("purpose", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("journal_seq", BigInteger, ForeignKey("journal.seq"), nullable=False, unique=True),
    Index(None, "purpose"),
)

#: Index of the targets each record selected: stratum label and 1-based draw position.
selections = Table(
    "selections", metadata,
    Column("record_digest", DIGEST, ForeignKey("records.digest"), primary_key=True),
    Column("label", String(8), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("target_id", String(64), nullable=False),
    Index(None, "target_id"),
)

#: Index of the team members of each record: role ``leader``, ``officer`` or ``expert``.
team_members = Table(
    "team_members", metadata,
    Column("record_digest", DIGEST, ForeignKey("records.digest"), primary_key=True),
    Column("target_id", String(64), primary_key=True),
    Column("inspector_id", String(200), primary_key=True),
    Column("role", String(8), primary_key=True),
    Index(None, "inspector_id"),
)

"""The workspace's queries, one function each (SQLAlchemy Core on the tables of `_tables`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select

from ..sampling._record import AuditRecord
from ._snapshots import Snapshot
from ._tables import journal, plans, records, register_parts, registers, selections, team_members

__all__ = [
    "PART_BYTES",
    "counts",
    "draws_of_target",
    "find_plan",
    "insert_plan",
    "insert_record",
    "insert_register",
    "inspector_load",
    "last_plan",
    "plan_content",
    "plan_list",
    "record_content",
    "record_year",
    "records_of",
    "register_data",
    "register_list",
    "register_row",
]

#: Bytes per stored part of a snapshot.
PART_BYTES = 16 << 20
_YEAR = re.compile(r"[0-9]{4}")


# --- registers ------------------------------------------------------------------------------

def register_row(connection: Connection, digest: str) -> tuple[str, str, int] | None:
    """(kind, format, size) of a stored register, or ``None``."""
    row = connection.execute(select(registers.c.kind, registers.c.format, registers.c.size)
                             .where(registers.c.digest == digest)).first()
    return None if row is None else (str(row[0]), str(row[1]), int(row[2]))


def insert_register(connection: Connection, snapshot: Snapshot, seq: int) -> None:
    """Store a snapshot, recorded by journal entry ``seq``."""
    connection.execute(insert(registers).values(
        digest=snapshot.digest, kind=snapshot.kind, size=snapshot.size, format=snapshot.format,
        length=len(snapshot.data), journal_seq=seq))
    data = memoryview(snapshot.data)
    for part, start in enumerate(range(0, max(len(data), 1), PART_BYTES)):
        connection.execute(insert(register_parts).values(
            digest=snapshot.digest, part=part, data=bytes(data[start:start + PART_BYTES])))


def register_data(connection: Connection, digest: str) -> bytes:
    """A stored snapshot's bytes, its parts joined."""
    parts = connection.execute(select(register_parts.c.data)
                               .where(register_parts.c.digest == digest)
                               .order_by(register_parts.c.part)).scalars()
    return b"".join(parts)


def register_list(connection: Connection) -> list[dict[str, Any]]:
    """Every stored register, in the order they were stored."""
    rows = connection.execute(select(registers.c.kind, registers.c.digest, registers.c.size,
                                     registers.c.journal_seq).order_by(registers.c.journal_seq))
    return [{"kind": kind, "digest": digest, "size": int(size), "journal_seq": int(seq)}
            for kind, digest, size, seq in rows]


# --- plans ----------------------------------------------------------------------------------

def find_plan(connection: Connection, digest: str) -> bool:
    """Whether this plan version is stored."""
    return connection.execute(select(plans.c.digest).where(plans.c.digest == digest)
                              ).first() is not None


def last_plan(connection: Connection, region: str, year: int, name: str
              ) -> tuple[str, int] | None:
    """(digest, version) of the newest stored version of a plan, or ``None``."""
    row = connection.execute(
        select(plans.c.digest, plans.c.version)
        .where(plans.c.region == region, plans.c.year == year, plans.c.name == name)
        .order_by(plans.c.version.desc(), plans.c.journal_seq.desc()).limit(1)).first()
    return None if row is None else (str(row[0]), int(row[1]))


def plan_list(connection: Connection) -> list[dict[str, Any]]:
    """Every stored plan version, in storing order."""
    rows = connection.execute(select(plans.c.digest, plans.c.name, plans.c.region,
                                     plans.c.year, plans.c.version, plans.c.journal_seq)
                              .order_by(plans.c.journal_seq))
    return [{"digest": d, "name": n, "region": r, "year": int(y), "version": int(v),
             "journal_seq": int(q)} for d, n, r, y, v, q in rows]


def insert_plan(connection: Connection, *, digest: str, name: str, region: str, year: int,
                version: int, replaces: str | None, content: str, seq: int) -> None:
    """Store one plan version."""
    connection.execute(insert(plans).values(
        digest=digest, name=name, region=region, year=year, version=version,
        replaces=replaces, content=content, journal_seq=seq))


def plan_content(connection: Connection, digest: str) -> str | None:
    """A stored plan's canonical JSON text, or ``None``."""
    return connection.execute(select(plans.c.content).where(plans.c.digest == digest)
                              ).scalar_one_or_none()


# --- records --------------------------------------------------------------------------------

def record_year(purpose: str, time: str) -> int:
    """The year a record counts in: its purpose's leading four digits, else the year of the
    journal time it was stored at."""
    match = _YEAR.match(purpose)
    return int((match.group() if match else time)[:4])


def _members(record: AuditRecord) -> Iterator[tuple[str, str, str]]:
    """(target, inspector, role) of every team member of the record."""
    for team in (record.teams or {}).get("teams", ()):
        leader = team.get("leader")
        for officer in team.get("officers", ()):
            yield team["target"], officer, "leader" if officer == leader else "officer"
        for expert in team.get("experts", ()):
            yield team["target"], expert, "expert"


def insert_record(connection: Connection, *, record: AuditRecord, digest: str, data: bytes,
                  year: int, seq: int) -> None:
    """Store a record's bytes and index its selections and team members."""
    connection.execute(insert(records).values(digest=digest, purpose=record.purpose, year=year,
                                              content=data, journal_seq=seq))
    drawn = [{"record_digest": digest, "label": stratum.label, "position": position,
              "target_id": target}
             for stratum in record.strata
             for position, target in enumerate(stratum.selected, start=1)]
    if drawn:
        connection.execute(insert(selections), drawn)
    members = [{"record_digest": digest, "target_id": target, "inspector_id": inspector,
                "role": role} for target, inspector, role in dict.fromkeys(_members(record))]
    if members:
        connection.execute(insert(team_members), members)


def record_content(connection: Connection, digest: str) -> bytes | None:
    """A stored record's bytes, or ``None``."""
    value = connection.execute(select(records.c.content).where(records.c.digest == digest)
                               ).scalar_one_or_none()
    return None if value is None else bytes(value)


def records_of(connection: Connection, purpose: str) -> list[str]:
    """Digests of the records of ``purpose``, in storing order."""
    return list(connection.execute(select(records.c.digest).where(records.c.purpose == purpose)
                                   .order_by(records.c.journal_seq)).scalars())


def draws_of_target(connection: Connection, target_id: str, year: int | None
                    ) -> list[dict[str, Any]]:
    """Every stored draw that selected the target, in storing order."""
    query = (select(records.c.digest, records.c.purpose, selections.c.label,
                    selections.c.position)
             .join(records, records.c.digest == selections.c.record_digest)
             .where(selections.c.target_id == target_id)
             .order_by(records.c.journal_seq, selections.c.label, selections.c.position))
    if year is not None:
        query = query.where(records.c.year == year)
    return [{"record_digest": digest, "purpose": purpose, "label": label,
             "position": int(position)}
            for digest, purpose, label, position in connection.execute(query)]


def inspector_load(connection: Connection, inspector_id: str, year: int | None) -> int:
    """How many teams (a record's team for one target) the inspector is in."""
    condition = team_members.c.inspector_id == inspector_id
    if year is not None:
        condition = and_(condition, records.c.year == year)
    teams = (select(team_members.c.record_digest, team_members.c.target_id)
             .join(records, records.c.digest == team_members.c.record_digest)
             .where(condition).distinct().subquery())
    return int(connection.execute(select(func.count()).select_from(teams)).scalar_one())


def counts(connection: Connection) -> dict[str, int]:
    """How many registers, plans, records and journal entries are stored."""
    def total(table: Any) -> int:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())
    return {"registers": total(registers), "plans": total(plans), "records": total(records),
            "journal_entries": total(journal)}

"""Faults of the workspace store: a read-only workspace, a full disk, a lost connection,
damaged contents. Each raises StoreError naming the location and the fix, and leaves the
store as it was."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

from _pg import empty_pg_database
from random_inspection import StoreError
from random_inspection.audit._journal import check_chain, utc_now
from random_inspection.demo import DemoCity
from random_inspection.store import Workspace
from random_inspection.store import _connect as connect


def _state(workspace: Workspace) -> tuple[Any, ...]:
    """What a failed operation must leave as it was."""
    return workspace.head(), workspace.registers(), workspace.status()["journal_entries"]


@contextlib.contextmanager
def read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Make an SQLite workspace read-only for the block, as really as this machine allows:
    permission bits for a user; for root (whom they do not bind) the immutable flag; else a
    read-only connection. Yields which was used."""
    paths = [folder, *folder.iterdir()]
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(modes[p] & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield "permissions"
        finally:
            for p in paths:
                p.chmod(modes[p])
        return
    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "+i", *map(str, paths)], capture_output=True,
                                 check=False).returncode == 0:
        try:
            yield "immutable"
        finally:
            subprocess.run([chattr, "-i", *map(str, paths)], check=True)
        return
    real = sqlite3.connect

    def read_only_connect(uri: str, **kwargs: Any) -> sqlite3.Connection:
        return real(uri.replace("mode=rw", "mode=ro"), **kwargs)
    monkeypatch.setattr(connect.sqlite3, "connect", read_only_connect)
    yield "read-only connection"
    monkeypatch.undo()


def test_a_read_only_sqlite_workspace(tmp_path: Path, small_city: DemoCity,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A workspace whose files cannot be written raises StoreError saying it is read-only,
    and is found as it was once writable again."""
    folder = tmp_path / "workspace"
    with Workspace.init(folder) as workspace:
        workspace.save_register(small_city.check_items, actor="a")
        before = _state(workspace)
    with read_only(folder, monkeypatch), pytest.raises(StoreError) as caught, \
            Workspace.open(folder) as workspace:
        workspace.save_register(small_city.inspectors, actor="a")
    message = str(caught.value)
    assert str(folder) in message
    assert "read-only" in message
    assert "Fix: make the folder and its files writable" in message
    with Workspace.open(folder) as workspace:
        assert _state(workspace) == before
        workspace.save_register(small_city.inspectors, actor="a")
        assert len(workspace.registers()) == 2


def test_a_full_disk(tmp_path: Path, small_city: DemoCity) -> None:
    """A save that runs out of space (SQLite's page limit, its full-disk error) raises
    StoreError saying so; nothing of it is stored, and it succeeds once there is room."""
    folder = tmp_path / "workspace"
    with Workspace.init(folder) as workspace:
        workspace.save_register(small_city.check_items, actor="a")
        before = _state(workspace)
        engine = workspace._db().engine

        def no_room(dbapi: Any, _record: Any) -> None:
            pages = dbapi.execute("PRAGMA page_count").fetchone()[0]
            dbapi.execute(f"PRAGMA max_page_count = {pages + 1}")
        event.listen(engine, "connect", no_room)
        engine.dispose()
        with pytest.raises(StoreError, match="the disk is full.*nothing of this operation "
                           "was stored. Fix: free space") as caught:
            workspace.save_register(small_city.targets, actor="a")
        assert str(folder) in str(caught.value)
        event.remove(engine, "connect", no_room)
        engine.dispose()
        assert _state(workspace) == before
        workspace.save_register(small_city.targets, actor="a")
        assert workspace.load_register(small_city.targets.digest) == small_city.targets
        assert check_chain(workspace.journal()).ok


def _terminating_clock(url: str) -> Callable[[], dt.datetime]:
    """A clock that, the first time it is read, has the server end every other session of
    the database (the workspace's, mid-transaction)."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    fired: list[int] = []

    def clock() -> dt.datetime:
        if not fired:
            with admin.connect() as connection:
                fired.append(len(connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                    "current_database() AND pid <> pg_backend_pid()")).all()))
            admin.dispose()
        return utc_now()
    return clock


def test_a_lost_postgresql_connection(pg_database: str, small_city: DemoCity) -> None:
    """A connection the server ends in the middle of an append raises StoreError saying the
    connection was lost and nothing was stored; the next call reconnects."""
    url = empty_pg_database(pg_database)
    with Workspace.init(url) as workspace:
        workspace.save_register(small_city.check_items, actor="a")
        before = _state(workspace)
    with Workspace.open(url, clock=_terminating_clock(url)) as workspace:
        with pytest.raises(StoreError, match="connection to the PostgreSQL server was lost.*"
                           "nothing of this operation was stored") as caught:
            workspace.append("export", {"head": "h", "entries": 1}, actor="a")
        assert workspace.location in str(caught.value)
        assert _state(workspace) == before
        entry = workspace.append("export", {"head": "h", "entries": 1}, actor="a")
        assert entry.seq == before[0][0] + 1
        assert check_chain(workspace.journal()).ok


def test_a_read_only_postgresql_database(pg_database: str, small_city: DemoCity) -> None:
    """A database whose sessions are read-only raises StoreError saying so; nothing stored."""
    url = empty_pg_database(pg_database)
    name = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with Workspace.init(url) as workspace:
        before = _state(workspace)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET '
                                   "default_transaction_read_only = on")
    try:
        with Workspace.open(url) as workspace, pytest.raises(StoreError,
                                                             match="read-only.*Fix: connect"):
            workspace.save_register(small_city.check_items, actor="a")
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" RESET '
                                       "default_transaction_read_only")
        admin.dispose()
    with Workspace.open(url) as workspace:
        assert _state(workspace) == before


def test_a_folder_that_cannot_be_made(tmp_path: Path) -> None:
    """init under a file (not a folder) raises StoreError and leaves nothing behind."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot be made"):
        Workspace.init(blocker / "workspace")
    assert blocker.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def _corrupt(workspace: Workspace, statement: str, **values: Any) -> None:
    with workspace._db().transaction(write=True) as connection:
        connection.execute(text(statement), values)


@pytest.mark.parametrize("register", ["targets", "inspectors", "check_items"])
def test_a_damaged_snapshot_is_refused(location: str, small_city: DemoCity,
                                       register: str) -> None:
    """A stored snapshot whose bytes were changed raises StoreError naming it as damaged."""
    value = getattr(small_city, register)
    with Workspace.init(location) as workspace:
        digest = workspace.save_register(value, actor="a")
        with workspace._db().transaction() as connection:
            data = bytes(connection.execute(text(
                "SELECT data FROM register_parts WHERE digest = :d"), {"d": digest}).scalar_one())
        middle = len(data) // 2
        flipped = data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:]
        _corrupt(workspace, "UPDATE register_parts SET data = :data WHERE digest = :d",
                 data=flipped, d=digest)
        with pytest.raises(StoreError, match=f"the stored .* {digest} is damaged.*backup"):
            workspace.load_register(digest)


def test_a_snapshot_of_another_directory_is_refused(location: str,
                                                    small_city: DemoCity) -> None:
    """Well-formed columns of another directory under a digest are refused: the rebuilt
    directory's digest is compared with the one it was saved under."""
    other = small_city.targets.take(range(10))
    with Workspace.init(location) as workspace:
        digest = workspace.save_register(small_city.targets, actor="a")
        workspace.save_register(other, actor="a")
        _corrupt(workspace, "UPDATE register_parts SET data = (SELECT data FROM register_parts "
                 "WHERE digest = :o) WHERE digest = :d", o=other.digest, d=digest)
        with pytest.raises(StoreError, match=f"rebuilds a register of digest {other.digest}"):
            workspace.load_register(digest)


def test_a_damaged_record_is_refused(location: str, small_city: DemoCity) -> None:
    """A stored record whose bytes were swapped for another's is refused as damaged."""
    from random_inspection import StratifiedByRisk, draw_targets  # noqa: PLC0415

    design = StratifiedByRisk.from_preset("henan-2021")
    one, two = (draw_targets(small_city.targets, design, seed="31415926535897932384",
                             purpose=f"2024/task-{k}").record for k in (1, 2))
    with Workspace.init(location) as workspace:
        first = workspace.save_record(one, actor="a")
        workspace.save_record(two, actor="a")
        _corrupt(workspace, "UPDATE records SET content = :c WHERE digest = :d",
                 c=two.to_json().encode(), d=first)
        with pytest.raises(StoreError, match=f"the stored record {first} is damaged"):
            workspace.load_record(first)


@contextlib.contextmanager
def journal_locked(location: str) -> Iterator[None]:
    """Another session holding the journal's write lock for the block."""
    if "://" not in location:
        other = sqlite3.connect(Path(location) / "workspace.sqlite", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = create_engine(location)
    with engine.connect() as other:
        other.exec_driver_sql("LOCK TABLE journal IN EXCLUSIVE MODE")
        yield
        other.rollback()
    engine.dispose()


def test_a_writer_kept_waiting_gives_up(location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write blocked by another session's lock for longer than the wait raises StoreError
    and appends nothing; once the lock is released the same workspace appends again."""
    monkeypatch.setattr(connect, "WAIT_SECONDS", 0.5)
    with Workspace.init(location) as workspace:
        workspace.append("export", {"head": "h", "entries": 0}, actor="a")
        before = workspace.head()
        with journal_locked(location), pytest.raises(StoreError, match="locked for over"):
            workspace.append("export", {"head": "h", "entries": 1}, actor="a")
        assert workspace.head() == before
        assert workspace.append("export", {"head": "h", "entries": 1}, actor="a").seq == 2

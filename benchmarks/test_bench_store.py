"""Workspace benchmarks: durable journal appends, checking a 10^6-entry stored journal, and a
10^6-target directory snapshot saved and reloaded.

Targets (DESIGN.md): ≥ 500 durable appends/s on SQLite; ``journal verify``
(`Workspace.check_journal`) of 10^6 stored entries in ≤ 10 s; a snapshot saved and reloaded
faster than the same directory's ``to_csv`` / ``from_csv`` (the peers, in the same run).
Run with ``make bench``; quote medians and ratios.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from random_inspection import TargetDirectory
from random_inspection.audit._journal import GENESIS, Entry, check_chain, make_entry
from random_inspection.store import Workspace
from random_inspection.store._journal_rows import entry_row
from random_inspection.store._tables import journal

APPENDS = 500
ENTRIES = 10**6
_folders = itertools.count()


def _entries(n: int) -> list[Entry]:
    """A chain of ``n`` record_stored entries, as appends would make them."""
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    prev, out = GENESIS, []
    for seq in range(1, n + 1):
        entry = make_entry(seq=seq, moment=start + dt.timedelta(milliseconds=seq),
                           actor="clerk-03", kind="record_stored",
                           payload={"record_digest": f"sha256:{seq:064x}",
                                    "purpose": f"2024/city/task-{seq % 97:02d}"}, prev=prev)
        prev = entry.hash
        out.append(entry)
    return out


@pytest.fixture(scope="module")
def journal_1e6(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite workspace whose journal holds 10^6 entries (rows bulk-inserted exactly as
    `Workspace.append` writes them: appending them one by one would take minutes)."""
    folder = tmp_path_factory.mktemp("journal") / "workspace"
    entries = _entries(ENTRIES)
    with Workspace.init(folder) as workspace, \
            workspace._db().transaction(write=True) as connection:
        for lo in range(0, ENTRIES, 50_000):
            connection.execute(insert(journal), [entry_row(e) for e in entries[lo:lo + 50_000]])
    return folder


@pytest.mark.benchmark(group="journal-append")
def test_append_durable_sqlite(benchmark: Any, tmp_path: Path) -> None:
    """500 appends, each its own durable transaction (BEGIN IMMEDIATE, fsync at commit)."""
    workspace = Workspace.init(tmp_path / "workspace")
    counter = itertools.count()

    def append_many() -> None:
        for _ in range(APPENDS):
            workspace.append("export", {"head": "h", "entries": next(counter)}, actor="clerk")

    benchmark.pedantic(append_many, rounds=5)
    benchmark.extra_info["appends_per_second"] = APPENDS / benchmark.stats.stats.median
    assert workspace.head()[0] == 5 * APPENDS
    workspace.close()


@pytest.mark.benchmark(group="journal-check-1e6")
def test_journal_verify_1e6(benchmark: Any, journal_1e6: Path) -> None:
    """`journal verify`: Workspace.check_journal over the 10^6 stored entries (each stored
    payload text hashed and confirmed canonical). Target ≤ 10 s."""
    with Workspace.open(journal_1e6) as workspace:
        report = benchmark.pedantic(workspace.check_journal, rounds=3)
    assert report.ok
    assert report.entries == ENTRIES


@pytest.mark.benchmark(group="journal-check-1e6")
def test_peer_check_chain_of_read_entries_1e6(benchmark: Any, journal_1e6: Path) -> None:
    """The peer: check_chain over the 10^6 entries read and parsed (`Workspace.journal`)."""
    with Workspace.open(journal_1e6) as workspace:
        report = benchmark.pedantic(lambda: check_chain(workspace.journal()), rounds=3)
    assert report.ok
    assert report.entries == ENTRIES


@pytest.mark.benchmark(group="journal-check-1e6")
def test_read_journal_1e6(benchmark: Any, journal_1e6: Path) -> None:
    """Reading alone: the 10^6 entries streamed from the workspace and parsed, unchecked."""
    with Workspace.open(journal_1e6) as workspace:
        count = benchmark.pedantic(lambda: sum(1 for _ in workspace.journal()), rounds=3)
    assert count == ENTRIES


@pytest.fixture(scope="module")
def directory_1e6(columns_1e6: dict[str, Any]) -> TargetDirectory:
    """The 10^6-target directory of the benchmarks."""
    return TargetDirectory.from_columns(**columns_1e6)


def _fresh(directory: TargetDirectory) -> TargetDirectory:
    """The same directory without its cached digest (saving computes it, as for a new one)."""
    return TargetDirectory(directory._cols)


@pytest.mark.benchmark(group="snapshot-save-1e6")
def test_save_snapshot_1e6(benchmark: Any, directory_1e6: TargetDirectory,
                           tmp_path: Path) -> None:
    """save_register of the 10^6 directory into a new SQLite workspace (digest included)."""
    def setup() -> tuple[tuple[Workspace, TargetDirectory], dict[str, Any]]:
        workspace = Workspace.init(tmp_path / f"save-{next(_folders)}")
        return (workspace, _fresh(directory_1e6)), {}

    def save(workspace: Workspace, directory: TargetDirectory) -> str:
        with workspace:
            return workspace.save_register(directory, actor="clerk")

    digest = benchmark.pedantic(save, setup=setup, rounds=3)
    assert digest == directory_1e6.digest


@pytest.mark.benchmark(group="snapshot-save-1e6")
def test_peer_to_csv_1e6(benchmark: Any, directory_1e6: TargetDirectory, tmp_path: Path) -> None:
    """Peer: to_csv of the same directory."""
    benchmark.pedantic(directory_1e6.to_csv, args=(tmp_path / "targets.csv",), rounds=3)


@pytest.mark.benchmark(group="snapshot-load-1e6")
def test_load_snapshot_1e6(benchmark: Any, directory_1e6: TargetDirectory,
                           tmp_path: Path) -> None:
    """load_register of the 10^6 directory (its digest checked against the stored one)."""
    with Workspace.init(tmp_path / "workspace") as workspace:
        digest = workspace.save_register(directory_1e6, actor="clerk")
        loaded = benchmark.pedantic(workspace.load_register, args=(digest,), rounds=3)
    assert loaded.digest == directory_1e6.digest


@pytest.mark.benchmark(group="snapshot-load-1e6")
def test_peer_from_csv_1e6(benchmark: Any, directory_1e6: TargetDirectory,
                           tmp_path: Path) -> None:
    """Peer: from_csv of the same directory's CSV."""
    path = tmp_path / "targets.csv"
    directory_1e6.to_csv(path)
    loaded = benchmark.pedantic(TargetDirectory.from_csv, args=(path,), rounds=3)
    assert loaded == directory_1e6

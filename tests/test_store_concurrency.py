"""Many processes appending to one journal at once, and processes killed mid-append, on
SQLite and PostgreSQL: one unbroken chain, no gap, no repeat, and every entry whose append
returned is there."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from random_inspection.audit._journal import Entry, check_chain
from random_inspection.store import Workspace

WORKER = str(Path(__file__).with_name("store_worker.py"))
PROCESSES, APPENDS = 8, 500
#: Seconds after the start signal at which the appending processes are killed.
KILL_DELAYS = (0.0, 0.01, 0.03, 0.06, 0.1, 0.15, 0.25, 0.4, 0.6, 1.0)


Workers = list[subprocess.Popen[str]]


@pytest.fixture
def spawned() -> Iterator[Workers]:
    """The worker processes a test starts; any still running when it ends (a failed test)
    are killed."""
    workers: Workers = []
    yield workers
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()


def start(spawned: Workers, location: str, actors: Sequence[str], count: int) -> Workers:
    """Worker processes, each opened on the workspace and given the start signal at once."""
    workers = [subprocess.Popen([sys.executable, WORKER, location, actor, str(count)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for actor in actors]
    spawned.extend(workers)
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline() == "ready\n", "a worker could not open the workspace"
    for worker in workers:  # all at once
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    return workers


def returned(output: str) -> list[tuple[int, str]]:
    """The (seq, hash) of each append a worker saw return (whole lines only)."""
    lines = output.split("\n")[:-1]  # a line cut by the kill has no newline: not returned
    return [(int(seq), digest) for seq, digest in (line.split() for line in lines)]


def stored(location: str) -> list[Entry]:
    """The journal as stored, checked to be one unbroken chain."""
    with Workspace.open(location) as workspace:
        entries = list(workspace.journal())
    report = check_chain(entries)
    assert report.ok, report
    return entries


def test_many_processes_append_one_chain(location: str, spawned: Workers) -> None:
    """8 processes appending 500 entries each at once make 4,000 entries in one chain:
    sequence 1..4,000 with no gap or repeat, each entry the one its process saw returned."""
    Workspace.init(location).close()
    actors = [f"clerk-{k}" for k in range(PROCESSES)]
    workers = start(spawned, location, actors, APPENDS)
    outputs = [worker.communicate(timeout=600)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * PROCESSES
    entries = stored(location)
    assert [e.seq for e in entries] == list(range(1, PROCESSES * APPENDS + 1))
    seen: set[int] = set()
    for actor, output in zip(actors, outputs, strict=True):
        mine = returned(output)
        assert len(mine) == APPENDS
        for seq, digest in mine:
            assert entries[seq - 1].hash == digest
            assert entries[seq - 1].actor == actor
        assert [entries[seq - 1].payload["entries"] for seq, _ in mine] == list(range(APPENDS))
        seen.update(seq for seq, _ in mine)
    assert seen == set(range(1, PROCESSES * APPENDS + 1))
    assert len({e.time for e in entries}) > 1


def test_killed_appenders_lose_nothing_that_returned(location: str, spawned: Workers) -> None:
    """Two appending processes killed (SIGKILL) at each of ten moments leave a chain that
    verifies and holds every entry whose append had returned; appends then go on."""
    Workspace.init(location).close()
    total_returned = 0
    for round_, delay in enumerate(KILL_DELAYS):
        actors = [f"round-{round_}-a", f"round-{round_}-b"]
        workers = start(spawned, location, actors, 0)
        time.sleep(delay)
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
        outputs = [worker.communicate(timeout=60)[0] for worker in workers]
        assert [worker.returncode for worker in workers] == [-signal.SIGKILL] * 2
        entries = stored(location)
        for actor, output in zip(actors, outputs, strict=True):
            for seq, digest in returned(output):
                total_returned += 1
                assert seq <= len(entries), f"entry {seq} returned to {actor} but is lost"
                assert (entries[seq - 1].hash, entries[seq - 1].actor) == (digest, actor)
    assert total_returned > 0, "no append returned before a kill: the test tested nothing"
    with Workspace.open(location) as workspace:
        last = workspace.head()[0]
        assert workspace.append("export", {"head": "after", "entries": 0}, actor="a").seq \
            == last + 1
    assert len(stored(location)) == last + 1

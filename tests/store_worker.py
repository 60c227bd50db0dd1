"""A process appending to a workspace's journal, for the concurrency and kill tests.

``python store_worker.py LOCATION ACTOR COUNT``: opens the workspace, prints ``ready``, waits
for a line on standard input, then appends COUNT entries (0: until killed), printing each
returned entry's ``seq hash`` on a line, flushed, only once its append has returned.
"""

from __future__ import annotations

import itertools
import sys

from random_inspection.store import Workspace


def main(location: str, actor: str, count: int) -> None:
    """Append and report, as the module docstring says."""
    with Workspace.open(location) as workspace:
        print("ready", flush=True)
        sys.stdin.readline()
        numbers = itertools.count() if count == 0 else range(count)
        for number in numbers:
            entry = workspace.append("export", {"head": actor, "entries": number}, actor=actor)
            print(entry.seq, entry.hash, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))

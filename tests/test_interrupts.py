"""SIGINT and SIGTERM at any moment leave the old state or the whole new output folder, never
a fragment under a final name: each writing command is interrupted at a fixed list of delays
spread over its whole run (so some land in every write phase)."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from random_inspection import AuditRecord
from random_inspection._runfolder import check_run_folder
from random_inspection.demo import demo_city, demo_plan
from random_inspection.planning import write_plan

SEED = "31415926535897932384"
#: Fractions of a command's uninterrupted run time at which it is interrupted.
FRACTIONS = (0.15, 0.35, 0.55, 0.7, 0.82, 0.9, 0.95, 1.0)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Registers of a 60,000-target city, a plan, and one draw to assign teams to."""
    root = tmp_path_factory.mktemp("interrupts")
    city = demo_city(n_targets=60_000, n_officers=80)
    city.targets.to_csv(root / "d.csv")
    city.inspectors.to_csv(root / "i.csv")
    city.check_items.to_csv(root / "items.csv")
    write_plan(demo_plan(), root / "plan.toml")
    done = subprocess.run(_command(root, "draw", root / "drawn"), capture_output=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return root


def _command(root: Path, name: str, out: Path) -> list[str]:
    base = [sys.executable, "-m", "random_inspection"]
    if name == "draw":
        return [*base, "draw", str(root / "d.csv"), "--seed", SEED, "--purpose", "2024/kill/1",
                "--preset", "henan-2021", "--unclassified", "1/20", "--out", str(out)]
    if name == "assign":
        return [*base, "assign", str(root / "drawn"), str(root / "d.csv"), "--inspectors",
                str(root / "i.csv"), "--check-date", "2024-06-03", "--mode", "by_region",
                "--out", str(out)]
    if name == "plan":
        return [*base, "plan", str(root / "plan.toml"), str(root / "d.csv"), "--seed", SEED,
                "--inspectors", str(root / "i.csv"), "--item-list", str(root / "items.csv"),
                "--out", str(out)]
    return [*base, "demo", "--targets", "40000", "--out", str(out)]


def _check_output(out: Path) -> None:
    """No fragment: the folder is absent, or whole (manifest, digests, files that parse)."""
    leftovers = [p.name for p in out.parent.iterdir()
                 if p.name.startswith(".") and p.name.endswith((".partial", ".old"))]
    assert leftovers == []
    if not out.exists():
        return
    run = check_run_folder(out)
    assert run.problems == ()
    for record in run.records:
        AuditRecord.read(record)
    for table in out.rglob("*.csv"):
        with table.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows
        assert all(len(row) == len(rows[0]) for row in rows)


@pytest.mark.parametrize("name", ["draw", "assign", "plan", "demo"])
def test_interrupted_commands_leave_no_fragment(inputs: Path, tmp_path: Path, name: str
                                                ) -> None:
    """For SIGINT and SIGTERM at each delay: exit 130 (or 0 if the run had finished), no
    traceback, and no partial output under the final name."""
    started = time.monotonic()
    done = subprocess.run(_command(inputs, name, tmp_path / "full"), capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    duration = time.monotonic() - started
    # Before the interpreter has imported the package, the command's handlers are not yet
    # installed and Python's own defaults act (a signal then simply ends a process that has
    # written nothing): the delays start once a bare start-up would be over, twice over.
    startup = 0.0
    for _ in range(2):
        begun = time.monotonic()
        subprocess.run([sys.executable, "-m", "random_inspection", "--version"],
                       capture_output=True, check=True)
        startup = max(startup, time.monotonic() - begun)
    startup = min(2 * startup, duration / 2)
    _check_output(tmp_path / "full")
    outcomes = set()
    for sig in (signal.SIGINT, signal.SIGTERM):
        for k, fraction in enumerate(FRACTIONS):
            out = tmp_path / f"{sig.name}-{k}"
            process = subprocess.Popen(_command(inputs, name, out), stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            time.sleep(startup + (duration - startup) * fraction)
            process.send_signal(sig)
            _, err = process.communicate(timeout=120)
            assert process.returncode in (0, 130), (sig.name, fraction, err)
            assert "Traceback" not in err
            _check_output(out)
            outcomes.add(process.returncode)
    assert 130 in outcomes  # the delays do interrupt runs

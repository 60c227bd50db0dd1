"""The README's examples run as written: each Python block on its own, in a fresh namespace,
and the command-line block against register files of the demo city."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from random_inspection.demo import demo_city

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON = re.findall(r"```python\n(.*?)```", README, re.DOTALL) + [
    block for guide in ("workspace.md", "results.md", "site.md")
    for block in re.findall(r"```python\n(.*?)```",
                            (ROOT / "docs" / guide).read_text(encoding="utf-8"), re.DOTALL)]
SHELL = [b for b in re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
         if "random-inspection draw" in b]


def test_the_readme_has_its_examples() -> None:
    """The blocks this test runs are there (a renamed fence would skip them silently)."""
    assert len(PYTHON) >= 4
    assert len(SHELL) == 1


@pytest.mark.parametrize("block", PYTHON, ids=[f"python-{k}" for k in range(len(PYTHON))])
def test_python_block_runs_on_its_own(block: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Each Python block runs in a fresh namespace (nothing from the blocks before it)."""
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    capsys.readouterr()


def test_command_line_block_runs(tmp_path: Path) -> None:
    """The command-line block runs line by line, every command exiting 0."""
    city = demo_city(n_targets=20_000)
    city.targets.to_csv(tmp_path / "targets.csv")
    city.inspectors.to_csv(tmp_path / "inspectors.csv")
    script = SHELL[0].replace("src/random_inspection/verifier.py",
                              str(ROOT / "src/random_inspection/verifier.py"))
    script = re.sub(r"^python ", f"{sys.executable} ", script, flags=re.MULTILINE)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.count("VERIFIED") == 2
    assert (tmp_path / "task-03-teams" / "manifest.json").is_file()

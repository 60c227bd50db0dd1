"""The example notebooks in docs/notebooks run from a fresh clone, and say what they should."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOKS = Path(__file__).parent.parent / "docs" / "notebooks"
#: A line each notebook must print: its key finding.
KEY_LINES = {
    "audit_published_draw": "audit verdict: no finding",
    "audit_procedure_replays": "no finding",
    "estimate_violation_rates": "pooled rates by class:",
}


def _maker():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  NOTEBOOKS / "make_notebooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notebooks_are_what_the_script_writes() -> None:
    """Each committed notebook is the script's output, without outputs or execution
    counts (so the repository holds reviewable cells, not stale results)."""
    maker = _maker()
    assert set(maker.NOTEBOOKS) == set(KEY_LINES)
    for name in maker.NOTEBOOKS:
        committed = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
        built = json.loads(nbformat.writes(maker.build(name)))
        assert committed == built, f"{name}.ipynb is stale: run make_notebooks.py"
        assert all(not c.get("outputs") for c in committed["cells"])


@pytest.mark.parametrize("name", sorted(KEY_LINES))
def test_a_notebook_runs_and_reports_its_finding(name: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Executed top to bottom in a fresh kernel (its own asserts must hold), it prints its
    key line and writes its figures."""
    monkeypatch.setenv("NOTEBOOK_FIGURES", str(tmp_path))
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    printed = "".join(output.get("text", "") for cell in notebook.cells
                      if cell.cell_type == "code" for output in cell.outputs
                      if output.get("output_type") == "stream")
    assert KEY_LINES[name] in printed
    assert list(tmp_path.glob("*.png")), "no figure written"
    assert os.environ["NOTEBOOK_FIGURES"] == str(tmp_path)

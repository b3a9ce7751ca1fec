"""The tutorial notebook (docs/tutorial.ipynb): committed without outputs, and every cell
runs without error in a fresh kernel of this environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(TUTORIAL, as_version=4)


def test_tutorial_is_committed_without_outputs(notebook):
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.fixture
def kernel(tmp_path, monkeypatch) -> str:
    """A kernel of this interpreter, whatever kernels the user has installed."""
    spec = tmp_path / "kernels" / "commonfuture-tests"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "commonfuture tests", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return spec.name


def test_tutorial_runs_every_cell(notebook, kernel):
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name=kernel,
        resources={"metadata": {"path": str(TUTORIAL.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as e:  # the failing cell and its traceback
        pytest.fail(str(e), pytrace=False)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    # the what-if and the pattern printed their tables; the dashboard cell displayed a widget
    shown = "\n".join(
        str(o.get("data", {}).get("text/plain", "")) + o.get("text", "")
        for c in code
        for o in c.outputs
    )
    assert "arbitration 0.2" in shown and "reproduced:" in shown
    assert any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in code[-1].outputs
    )

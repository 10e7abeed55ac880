"""The demo notebooks are committed executed and clean, and `pytest` runs every one of them."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import nbformat.v4 as v4
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = [
    "01-quickstart.ipynb",
    "02-answer-rates.ipynb",
    "03-machine-detection.ipynb",
    "04-disposition-funnel.ipynb",
    "05-team-report.ipynb",
    "06-contact-attempts.ipynb",
    "07-caller-id-health.ipynb",
]
MAX_BYTES = 1_500_000


def read(name):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def test_every_demo_notebook_is_there():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_is_committed_executed_without_errors(name):
    path = NOTEBOOKS / name
    nb = read(name)
    nbformat.validate(nb)
    assert path.stat().st_size < MAX_BYTES
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    # Run top to bottom in one go: execution counts 1, 2, 3, ... with nothing skipped.
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    outputs = [out for cell in code for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    stderr = [out.text for out in outputs if out.get("name") == "stderr"]
    assert not stderr, f"warnings were printed: {stderr}"
    assert any("image/png" in out.get("data", {}) for out in outputs), "no chart"
    # Volatile metadata is stripped so re-running does not churn the diff.
    assert "papermill" not in nb.metadata
    assert not [cell for cell in code if "execution" in cell.metadata]


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_tells_a_story_and_how_to_switch_to_real_data(name):
    nb = read(name)
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "SALESFINITY_API_KEY" in text
    assert re.search(r"demo\s*=\s*True", "\n".join(cell.source for cell in nb.cells))


def test_team_report_notebook_is_the_report_that_dialstats_report_runs():
    from dialstats.report import DEFAULT_NOTEBOOK

    shown, bundled = read("05-team-report.ipynb"), nbformat.read(DEFAULT_NOTEBOOK, as_version=4)

    def cells(nb):
        return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]

    assert cells(shown) == cells(bundled), "run `python notebooks/_execute.py 05` to copy it"
    parameters = [c for c in bundled.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    for name in ("start", "end", "tz", "demo", "snapshot", "filters"):
        assert f"\n{name} = " in "\n" + parameters[0].source
    # The bundled copy ships without outputs: the package stays small and nothing goes stale.
    assert all(not c.get("outputs") for c in bundled.cells if c.cell_type == "code")


def test_pytest_is_configured_to_execute_notebooks():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "notebooks" in config["testpaths"]
    assert "--nbmake" in config["addopts"].split()


def test_a_raising_notebook_fails_the_suite(tmp_path):
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for name, source in [("fine", "x = 1 + 1"), ("raising", "1 / 0")]:
        nb = v4.new_notebook(metadata={"kernelspec": kernelspec})
        nb.cells = [v4.new_code_cell(source)]
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
         "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed" in result.stdout
    assert "ZeroDivisionError" in result.stdout


def test_execute_script_drops_finished_progress_bars_but_refuses_warnings():
    spec = importlib.util.spec_from_file_location("execute", NOTEBOOKS / "_execute.py")
    execute = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(execute)
    bar = v4.new_output("stream", name="stderr", text="\rcalls:  50%|#   | 1/2\r          \r")
    assert not execute._kept(bar, "nb.ipynb")
    assert execute._kept(v4.new_output("stream", name="stdout", text="24,000 calls"), "nb.ipynb")
    warning = v4.new_output("stream", name="stderr", text="UserWarning: careful\n")
    with pytest.raises(SystemExit, match=r"nb\.ipynb wrote to stderr:\nUserWarning: careful"):
        execute._kept(warning, "nb.ipynb")

"""The demo notebooks are committed executed and clean, and `pytest` runs every one of them
again and checks that what is committed is what a fresh run shows."""

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
    "08-at-scale.ipynb",
]
MAX_BYTES = 1_500_000
# Outputs compared as text, after `normalized`; images by their presence and their text/plain
# ("<Figure size 640x480 with 2 Axes>"), not their bytes: see `summary`.
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")
VOLATILE = [
    (re.compile(r"\b0x[0-9a-fA-F]{4,}\b"), "0x..."),  # object reprs' memory addresses
    (re.compile(r"(?:/tmp|/var/folders|/private/var)/[^\s'\"<>]*"), "<tmp>"),  # temp paths
    # Timings a cell prints ("took 1.2 s", "Wall time: 3 ms"); numbers in the data stay.
    (
        re.compile(r"(\b(?:in|took|elapsed|Wall time:)\s*)[\d.]+\s?(?:s|ms|µs|us|ns)\b"),
        r"\1<time>",
    ),
]


def read(name):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def load_execute():
    spec = importlib.util.spec_from_file_location("execute", NOTEBOOKS / "_execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def normalized(text):
    text = "".join(text) if isinstance(text, list) else str(text)
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def summary(nb):
    """Per code cell, its outputs as (output type, stream name, {mime type: normalized text}).

    Images count by mime type only: PNG bytes depend on the matplotlib, FreeType and font
    versions of the machine that drew them, so equal bytes would fail on a machine that draws
    the same chart. A chart that broke shows anyway: its image goes (or an error comes), or its
    text/plain ("<Figure size 640x480 with 1 Axes>") changes, and the tables it was drawn from
    are compared as text.
    """
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.outputs:
            data = out.get("data", {})
            shown = {
                mime: normalized(data[mime]) if mime in TEXT_TYPES else "<image>"
                for mime in sorted(data)
            }
            if out.output_type == "stream":
                shown = {"text": normalized(out.text)}
            elif out.output_type == "error":
                shown = {"error": f"{out.ename}: {out.evalue}"}
            outputs.append((out.output_type, out.get("name"), shown))
        cells.append(outputs)
    return cells


def differences(committed, fresh):
    """What a fresh run shows that the committed notebook does not, one line per output."""
    found = []
    old, new = summary(committed), summary(fresh)
    if len(old) != len(new):
        return [f"{len(old)} code cells committed, {len(new)} run"]
    for number, (was, now) in enumerate(zip(old, new, strict=True), start=1):
        errors = [shown["error"] for kind, _, shown in now if kind == "error"]
        if errors:
            found.append(f"code cell {number} raised {errors}")
        kinds = [(kind, name, sorted(shown)) for kind, name, shown in was]
        fresh_kinds = [(kind, name, sorted(shown)) for kind, name, shown in now]
        if kinds != fresh_kinds:
            found.append(f"code cell {number}: outputs {kinds} committed, {fresh_kinds} run")
            continue
        for (kind, _, before), (_, _, after) in zip(was, now, strict=True):
            for mime in before:
                if before[mime] != after[mime]:
                    found.append(
                        f"code cell {number}: its {kind} {mime} differs from a fresh run's:\n"
                        + "\n".join(_diff(before[mime], after[mime]))
                    )
    return found


def _diff(before, after, lines=12):
    import difflib

    diff = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "committed", "fresh run", lineterm="", n=1
    )
    return list(diff)[:lines]


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


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_outputs_are_what_a_fresh_run_shows(name):
    """Each notebook runs again, top to bottom in a fresh kernel (as `_execute.py` runs it), and
    every code cell must show what is committed: the same outputs of the same types (an image
    where there was an image, no error), equal text and tables. So a committed notebook never
    shows a chart or a number the code no longer makes. After changing what a notebook shows:
    ``python notebooks/_execute.py``."""
    try:
        fresh = load_execute().run(NOTEBOOKS / name)
    except SystemExit as exc:  # a cell wrote to stderr (a warning)
        pytest.fail(str(exc))
    found = differences(read(name), fresh)
    assert not found, f"{name}: " + "\n".join(found) + "\nrun `python notebooks/_execute.py`"


def test_the_comparison_sees_a_broken_chart_and_ignores_volatile_text():
    def notebook(*outputs):
        nb = v4.new_notebook()
        nb.cells = [v4.new_markdown_cell("# t"), v4.new_code_cell("x", outputs=list(outputs))]
        return nb

    def chart(axes=1):
        text = f"<Figure size 640x480 with {axes} Axes>"
        return v4.new_output("display_data", data={"image/png": "iVBO", "text/plain": text})

    def text(value):
        return v4.new_output("execute_result", data={"text/plain": value}, execution_count=1)

    error = v4.new_output("error", ename="ValueError", evalue="no data", traceback=[])
    committed = notebook(chart())
    assert (
        differences(
            committed,
            notebook(
                v4.new_output(
                    "display_data",
                    data={"image/png": "x", "text/plain": "<Figure size 640x480 with 1 Axes>"},
                )
            ),
        )
        == []
    )
    assert differences(committed, notebook(error))
    assert differences(committed, notebook())
    assert differences(committed, notebook(chart(axes=2)))
    assert (
        differences(notebook(text("<Foo at 0x7f3a2b1c>")), notebook(text("<Foo at 0x55aa01ff>")))
        == []
    )
    assert (
        differences(
            notebook(text("/tmp/abc/r.html; took 1.5 s")), notebook(text("/tmp/x/r.html; took 2 s"))
        )
        == []
    )
    assert differences(notebook(text("connect rate 12.5%")), notebook(text("connect rate 12.6%")))


def test_pytest_is_configured_to_execute_notebooks():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    # tests/ runs every notebook (test_committed_outputs_are_what_a_fresh_run_shows), so nbmake
    # does not collect notebooks/ again; it still runs any notebook named on the command line.
    assert "tests" in config["testpaths"]
    assert not any(path.startswith("notebooks") for path in config["testpaths"])
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
    execute = load_execute()
    bar = v4.new_output("stream", name="stderr", text="\rcalls:  50%|#   | 1/2\r          \r")
    assert not execute._kept(bar, "nb.ipynb")
    assert execute._kept(v4.new_output("stream", name="stdout", text="24,000 calls"), "nb.ipynb")
    warning = v4.new_output("stream", name="stderr", text="UserWarning: careful\n")
    with pytest.raises(SystemExit, match=r"nb\.ipynb wrote to stderr:\nUserWarning: careful"):
        execute._kept(warning, "nb.ipynb")

"""Re-execute the demo notebooks in place, the way they are committed.

    python notebooks/_execute.py            # every notebook
    python notebooks/_execute.py 02 05      # those whose name contains 02 or 05

Each notebook runs top to bottom in a fresh kernel, in this directory. The outputs a reader of
the repository sees are kept; what would only churn the diff is dropped: execution timestamps,
the Python patch version, and the blank leftovers of finished progress bars (Jupyter shows
nothing for them either). A notebook that raises or writes anything else to stderr (a warning)
stops the run: fix it rather than commit it.

The team report's cells are then copied, without outputs, to the notebook that
``dialstats report`` ships (``src/dialstats/report/weekly.ipynb``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
REPORT = "05-team-report.ipynb"
BUNDLED = HERE.parent / "src" / "dialstats" / "report" / "weekly.ipynb"


def run(path: Path) -> nbformat.NotebookNode:
    """The notebook at `path` executed top to bottom in a fresh kernel and cleaned as it is
    committed, without writing it (tests/test_notebooks.py compares it with the committed one).

    Raises nbclient's `CellExecutionError` when a cell raises, and `SystemExit` when a cell
    writes to stderr.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [out for out in cell.outputs if _kept(out, path.name)]
    return nb


def execute(path: Path) -> None:
    nbformat.write(run(path), path)


def _kept(output: nbformat.NotebookNode, name: str) -> bool:
    if output.get("name") != "stderr":
        return True
    # What a terminal shows once every carriage return has done its work.
    shown = "\n".join(line.rsplit("\r", 1)[-1] for line in output["text"].split("\n"))
    if shown.strip():
        raise SystemExit(f"{name} wrote to stderr:\n{shown}")
    return False


def bundle(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, BUNDLED)


def main(patterns: list[str]) -> None:
    for path in sorted(HERE.glob("*.ipynb")):
        if patterns and not any(pattern in path.name for pattern in patterns):
            continue
        started = time.monotonic()
        execute(path)
        if path.name == REPORT:
            bundle(path)
        size = path.stat().st_size / 1e3
        print(f"{path.name}: {time.monotonic() - started:.1f} s, {size:.0f} kB")


if __name__ == "__main__":
    main(sys.argv[1:])

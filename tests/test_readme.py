"""The README's analyses table names every public analysis, with a line that calls it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import dialstats as ds

README = Path(__file__).resolve().parents[1] / "README.md"


def analyses_table() -> str:
    text = README.read_text()
    section = text[text.index("### Analyses") :]
    section = section[: section.index("\n### ")]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows and rows[0].startswith("| question |")
    return "\n".join(rows)


def public_analyses() -> list[str]:
    names = []
    for name in ds.__all__:
        value = getattr(ds, name)
        if inspect.isfunction(value) and value.__module__.startswith("dialstats.analysis"):
            names.append(name)
    return names


def test_every_public_analysis_is_in_the_analyses_table():
    table = analyses_table()
    names = public_analyses()
    assert len(names) > 20 and "talk_time" in names and "amd_audit" in names
    missing = [name for name in names if not re.search(rf"`[^`]*\b{name}\(", table)]
    assert not missing, f"not in the README's analyses table: {missing}"


def test_readme_states_the_set_up_and_the_notebooks():
    text = README.read_text()
    assert "Python >= 3.11" in text and "python3 -m venv .venv" in text
    assert 'pip install -e ".[dev]"' in text and "chromium" in text
    for notebook in sorted((README.parent / "notebooks").glob("*.ipynb")):
        assert notebook.stem in text, notebook.name

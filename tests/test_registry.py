"""One table of public names (`dialstats._registry`) makes ``dialstats.__all__``, its lazy
attributes, ``df.calls`` and ``df.calls.plot``; the literal lists for type checkers agree."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import dialstats as ds
from dialstats._registry import CHARTS, METHODS, PUBLIC

SOURCE = Path(ds.__file__).parent


def type_checking_block(path: Path, within: str | None = None) -> list[ast.stmt]:
    """The statements under ``if TYPE_CHECKING:`` in `path` (in class `within`, when given)."""
    tree = ast.parse(path.read_text())
    body = tree.body
    if within is not None:
        body = next(n for n in body if isinstance(n, ast.ClassDef) and n.name == within).body
    block = next(
        n for n in body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    )
    return block.body


def test_all_and_dir_are_the_registry():
    assert ds.__all__ == sorted(["__version__", *PUBLIC])
    assert dir(ds) == ds.__all__


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_each_public_name_is_its_home_modules(name):
    home = importlib.import_module(PUBLIC[name].home)
    expected = home if PUBLIC[name].home == f"dialstats.{name}" else getattr(home, name)
    assert getattr(ds, name) is expected


def test_the_type_checking_imports_are_the_registry():
    imported = {}
    for node in type_checking_block(SOURCE / "__init__.py"):
        assert isinstance(node, ast.ImportFrom), ast.unparse(node)
        for alias in node.names:
            assert alias.asname == alias.name, f"{alias.name} is not re-exported (name as name)"
            # `from dialstats import plot`: the subpackage is its own home.
            imported[alias.name] = (
                node.module if node.module != "dialstats" else f"dialstats.{alias.name}"
            )
    assert imported == {name: e.home for name, e in PUBLIC.items() if name != "errors"}
    assert "errors" in vars(ds)  # imported at run time, so not in the block


def test_the_accessors_annotations_are_the_registry():
    def annotated(cls: str) -> list[str]:
        block = type_checking_block(SOURCE / "accessor.py", within=cls)
        return [node.target.id for node in block if isinstance(node, ast.AnnAssign)]

    assert sorted(annotated("CallsAccessor")) == sorted(METHODS)
    assert annotated("CallsPlot") == list(CHARTS)


def test_plot_all_is_the_registrys_charts():
    assert ds.plot.__all__ == list(CHARTS)
    assert all(callable(getattr(ds.plot, chart)) for chart in CHARTS)


def test_df_calls_offers_the_registrys_methods_and_charts():
    frame = pd.DataFrame({"duration": [1]})
    for method, function in METHODS.items():
        bound = getattr(frame.calls, method)
        assert bound.__wrapped__ is getattr(ds, function), method
    for chart in CHARTS:
        assert getattr(frame.calls.plot, chart).__wrapped__ is getattr(ds.plot, chart)
    assert frame.calls.funnel.__wrapped__ is ds.disposition_funnel
    public = {name for name in dir(type(frame.calls)) if not name.startswith("_")}
    assert public == {*METHODS, "plot"}
    assert {n for n in dir(type(frame.calls.plot)) if not n.startswith("_")} == set(CHARTS)


def test_an_unknown_method_is_an_attribute_error():
    with pytest.raises(AttributeError, match="disposition_funnel"):
        pd.DataFrame().calls.disposition_funnel  # noqa: B018 (offered as funnel only)


def test_import_dialstats_loads_no_analysis_narwhals_or_matplotlib():
    code = (
        "import sys, dialstats\n"
        "heavy = ('dialstats.analysis', 'dialstats.plot', 'narwhals', 'matplotlib', 'scipy')\n"
        "print(*[m for m in heavy if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""

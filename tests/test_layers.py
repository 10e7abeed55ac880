"""Every import inside dialstats keeps to the layers of `dialstats._layers`."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from dialstats._layers import FACED, allowed, permits

SOURCE = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SOURCE / "dialstats"


def module_name(path: Path, source: Path = SOURCE) -> str:
    parts = list(path.relative_to(source).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported(path: Path, source: Path = SOURCE) -> list[tuple[int, str]]:
    """(line, module) of every dialstats import in `path`, in functions too, not under
    ``if TYPE_CHECKING:``; ``from x import y`` counts as x.y when x.y is a module."""
    name = module_name(path, source)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            for alias in node.names:
                target = f"{origin}.{alias.name}"
                found.append((node.lineno, target if _is_module(target, source) else origin))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), filename=str(path)))
    ours = [(line, target) for line, target in found if target.split(".")[0] == "dialstats"]
    return list(dict.fromkeys(ours))


def _is_module(name: str, source: Path) -> bool:
    path = source.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", [pytest.param(p, id=module_name(p)) for p in MODULES])
def test_every_import_keeps_to_the_layers(path):
    name = module_name(path)
    allowed(name)  # every module has a layer (KeyError otherwise)
    wrong = [
        f"line {line}: {target}" for line, target in imported(path) if not permits(name, target)
    ]
    assert not wrong, f"{name} imports across its layer: {', '.join(wrong)}"


def test_the_checker_finds_each_kind_of_import(tmp_path):
    # Absolute, relative and in-function imports count; a TYPE_CHECKING block does not.
    package = tmp_path / "dialstats" / "api"
    package.mkdir(parents=True)
    (tmp_path / "dialstats" / "__init__.py").write_text("")
    (tmp_path / "dialstats" / "frame.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "_x.py").write_text("")
    module = package / "_wire.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "import dialstats.frame\n"
        "from . import _x\n"
        "def f():\n    from ..frame import y\n"
        "if TYPE_CHECKING:\n    from dialstats import store\n"
    )
    found = imported(module, tmp_path)
    assert found == [(2, "dialstats.frame"), (3, "dialstats.api._x"), (5, "dialstats.frame")]
    assert [permits("dialstats.api._wire", target) for _, target in found] == [False, True, False]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles in `graph` (module -> the modules it imports), each a path from its
    smallest module back to it: at least one whenever the graph has any (a depth-first search
    finds a back edge then), not necessarily every one."""
    found: list[list[str]] = []
    done: set[str] = set()

    def walk(module: str, path: list[str]) -> None:
        for target in sorted(graph.get(module, ())):
            if target in path:
                loop = path[path.index(target) :]
                start = loop.index(min(loop))
                cycle = [*loop[start:], *loop[:start], min(loop)]
                if cycle not in found:
                    found.append(cycle)
            elif target not in done:
                walk(target, [*path, target])
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            walk(module, [module])
    return found


def test_no_module_imports_itself_round_a_cycle():
    # A deferred import inside a function hides a cycle from Python but not from this test: two
    # modules that need each other belong in one, or their shared part in a third.
    graph = {module_name(p): {t for _, t in imported(p)} - {module_name(p)} for p in MODULES}
    # Not vacuous: every module is read, and a deferred import counts as an edge.
    assert (
        len(graph) > 100 and "dialstats.analysis._definitions" in graph["dialstats.analysis._flags"]
    )
    assert "dialstats.analysis._engine" in graph["dialstats.analysis._activity"]
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


def test_the_cycle_finder_finds_a_deferred_cycle(tmp_path):
    # Two modules that import each other, one of them only inside a function.
    package = tmp_path / "dialstats" / "analysis"
    package.mkdir(parents=True)
    (tmp_path / "dialstats" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "_a.py").write_text("from dialstats.analysis import _b\n")
    (package / "_b.py").write_text("def f():\n    from dialstats.analysis._a import g\n")
    graph = {
        module_name(p, tmp_path): {t for _, t in imported(p, tmp_path)}
        for p in sorted(package.glob("_*.py"))
    }
    assert cycles(graph) == [
        ["dialstats.analysis._a", "dialstats.analysis._b", "dialstats.analysis._a"]
    ]
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"], ["e", "e"]]
    assert cycles({"x": {"b"}, "b": {"c"}, "c": {"b"}}) == [["b", "c", "b"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


@pytest.mark.parametrize("face", FACED)
def test_every_faced_package_exports_its_face(face):
    module = importlib.import_module(face)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert module.__all__ and not missing, f"{face}.__all__ names what it lacks: {missing}"


def test_the_sandbox_and_the_command_line_are_reached_through_their_faces():
    assert permits("dialstats.cli._sandbox", "dialstats.sandbox")
    assert not permits("dialstats.cli._sandbox", "dialstats.sandbox._faults")
    assert permits("dialstats.sandbox._serve", "dialstats.sandbox._app")  # inside: freely
    assert not permits("dialstats.report._data", "dialstats.cli._report")

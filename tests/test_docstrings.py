"""Every public function, class and method has a numpydoc docstring, as pandas' and statsmodels'.

The public surface: the names in ``dialstats.__all__`` (the registry, `dialstats._registry`)
that are functions or classes, the charts of `dialstats.plot`, and the public methods of
`Client` and `CallLogStore`. Each needs a one-line summary, then a ``Parameters`` section naming
every parameter (when it takes any), ``Returns`` (functions and methods that return something)
and ``Examples`` with at least one doctest. Sections are found as numpydoc writes them: a title
line underlined by dashes.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

import pytest

import dialstats as ds
import dialstats.plot
from dialstats._registry import CHARTS

_SECTION = re.compile(r"^(?P<title>[A-Z][A-Za-z ]+)\n-{3,}$", re.MULTILINE)
# A parameter's line in `Parameters`: names (``x, y`` or ``**filters``), then ``: type``.
_PARAMETER = re.compile(r"^(?P<names>\*{0,2}\w+(?:, \*{0,2}\w+)*)(?: : .+)?$")


def _surface() -> dict[str, Callable]:
    """Public name -> the function, class or method it documents."""
    out: dict[str, Callable] = {}
    for name in ds.__all__:
        value = getattr(ds, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            out[name] = value
    for chart in CHARTS:
        out[f"plot.{chart}"] = getattr(dialstats.plot, chart)
    for cls in (ds.Client, ds.CallLogStore):
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            if not name.startswith("_"):
                out[f"{cls.__name__}.{name}"] = member
    return out


SURFACE = _surface()


def sections(doc: str) -> dict[str, str]:
    """Section title -> its body, as numpydoc lays a docstring out (the summary is ``""``)."""
    out: dict[str, str] = {}
    title, start = "", 0
    for match in _SECTION.finditer(doc):
        out[title] = doc[start : match.start()].strip("\n")
        title, start = match["title"], match.end()
    out[title] = doc[start:].strip("\n")
    return out


def documented_parameters(body: str) -> set[str]:
    """The parameter names a ``Parameters`` section lists (stars kept off)."""
    names: set[str] = set()
    for line in body.splitlines():
        if line and not line[0].isspace():
            match = _PARAMETER.match(line)
            if match:
                names |= {name.lstrip("*") for name in match["names"].split(", ")}
    return names


def parameters(obj: Callable) -> list[str]:
    """The names the caller passes (no ``self``)."""
    signature = inspect.signature(obj)
    names = list(signature.parameters)
    if inspect.isfunction(obj) and names[:1] == ["self"]:
        names = names[1:]
    return names


def returns_something(obj: Callable) -> bool:
    if inspect.isclass(obj):
        return False
    annotation = inspect.signature(obj).return_annotation
    return annotation not in (None, "None")


def problems(obj: Callable) -> list[str]:
    """What the docstring of `obj` lacks, in words (empty: it is complete)."""
    doc = inspect.getdoc(obj) or ""
    if not doc:
        return ["no docstring"]
    found = sections(doc)
    out = []
    summary = found[""].split("\n\n")[0]
    if not summary or "\n" in summary:
        out.append("the summary is not one line")
    wanted = parameters(obj)
    if wanted:
        if "Parameters" not in found:
            out.append("no Parameters section")
        else:
            missing = set(wanted) - documented_parameters(found["Parameters"])
            if missing:
                out.append(f"Parameters does not list {sorted(missing)}")
    if returns_something(obj) and "Returns" not in found:
        out.append("no Returns section")
    if ">>>" not in found.get("Examples", ""):
        out.append("no Examples section with a doctest")
    return out


@pytest.mark.parametrize("name", list(SURFACE))
def test_public_docstring_is_numpydoc(name: str) -> None:
    assert not problems(SURFACE[name]), f"{name}: {'; '.join(problems(SURFACE[name]))}"


def test_the_surface_is_the_registry() -> None:
    # Every analysis, reader, class and chart: nothing public escapes the check.
    assert {"answer_rates", "read_call_logs", "Definitions", "Client.read_call_logs"} <= set(
        SURFACE
    )
    assert {"plot.funnel", "plot.durations", "CallLogStore.sync", "Metric"} <= set(SURFACE)
    assert "VENDOR" not in SURFACE  # an instance, documented by its class


def test_the_parser_reads_numpydoc() -> None:
    def good(df: object, by: str | None = None, **filters: object) -> int:
        """Count calls.

        Parameters
        ----------
        df : pandas.DataFrame
            The calls.
        by : str, optional
            A column.
        **filters
            Anything.

        Returns
        -------
        int

        Examples
        --------
        >>> good(None)
        1
        """
        return 1

    def bad(df: object, by: str | None = None) -> int:
        """Count calls
        over two lines.

        Parameters
        ----------
        df : pandas.DataFrame
        """
        return 1

    assert problems(good) == []
    assert problems(bad) == [
        "the summary is not one line",
        "Parameters does not list ['by']",
        "no Returns section",
        "no Examples section with a doctest",
    ]

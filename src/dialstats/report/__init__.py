"""The weekly team report: a parameterised notebook rendered to one self-contained HTML page.

>>> from dialstats.report import render_report
>>> render_report("out/week.html", parameters={"demo": True})  # doctest: +SKIP

The same from a shell: ``dialstats report --demo -o out/week.html``.
"""

from __future__ import annotations

from dialstats.report._data import load_calls
from dialstats.report._escape import escape_markdown
from dialstats.report._period import Period, last_full_week, resolve_period
from dialstats.report._render import (
    DEFAULT_NOTEBOOK,
    Report,
    ReportExecutionError,
    render_report,
    to_html,
)

__all__ = [
    "DEFAULT_NOTEBOOK",
    "Period",
    "Report",
    "ReportExecutionError",
    "escape_markdown",
    "last_full_week",
    "load_calls",
    "render_report",
    "resolve_period",
    "to_html",
]

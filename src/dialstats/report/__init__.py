"""The weekly team report: a parameterised notebook rendered to one self-contained HTML page.

>>> from dialstats.report import render_report
>>> render_report("out/week.html", parameters={"demo": True})  # doctest: +SKIP

The same from a shell: ``dialstats report --demo -o out/week.html``.
"""

from __future__ import annotations

from dialstats.report._changes import period_change
from dialstats.report._data import ReportData, known_rep, load_calls, load_report, team_zone
from dialstats.report._escape import escape_markdown
from dialstats.report._page import figure, note_for, show_chart, show_warnings_as_notes
from dialstats.report._period import Period, last_full_month, last_full_week, resolve_period
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
    "ReportData",
    "ReportExecutionError",
    "escape_markdown",
    "figure",
    "known_rep",
    "last_full_month",
    "last_full_week",
    "load_calls",
    "load_report",
    "note_for",
    "period_change",
    "render_report",
    "resolve_period",
    "show_chart",
    "show_warnings_as_notes",
    "team_zone",
    "to_html",
]

# Shown where they are exported from (dialstats.report.Report, not report._render.Report).
for _cls in (Period, Report, ReportData):
    _cls.__module__ = __name__
del _cls

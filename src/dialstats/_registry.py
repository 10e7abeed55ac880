"""Every public name of dialstats, where it lives, and whether it is a ``df.calls`` method and
has a ``df.calls.plot`` chart: the one table that ``dialstats.__all__``, its lazy attributes,
``dir(dialstats)``, ``df.calls`` and ``df.calls.plot`` are made from.

A new analysis is one line here (and one in the ``TYPE_CHECKING`` block of ``dialstats``, for
type checkers and editors; a test keeps the two in step).

>>> from dialstats._registry import PUBLIC
>>> PUBLIC["disposition_funnel"]
Entry(home='dialstats.analysis', method='funnel', chart='funnel')

This module imports nothing: ``import dialstats`` reads it, and must stay cheap.
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    """Where a public name lives and how ``df.calls`` offers it."""

    home: str
    """The module the name is imported from on first use; a subpackage's home is itself."""
    method: str | None = None
    """Its name as a ``df.calls`` method (None: not a method of the frame)."""
    chart: str | None = None
    """The ``dialstats.plot`` chart (also ``df.calls.plot``) that draws its result (None: none)."""


_ANALYSIS = "dialstats.analysis"
_READERS = "dialstats._readers"


def _analysis(method: str, chart: str | None = None) -> Entry:
    return Entry(_ANALYSIS, method, chart)


PUBLIC: dict[str, Entry] = {
    # Subpackages that are public names themselves. The sandbox brings a web server stack
    # (starlette, uvicorn), the charts matplotlib, on their first use.
    "errors": Entry("dialstats.errors"),
    "plot": Entry("dialstats.plot"),
    "sandbox": Entry("dialstats.sandbox"),
    # Reading calls: the readers, the API client, the local store.
    "read_analytics": Entry(_READERS),
    "read_call_logs": Entry(_READERS),
    "read_contact_lists": Entry(_READERS),
    "read_custom_fields": Entry(_READERS),
    "read_dispositions": Entry(_READERS),
    "read_follow_ups": Entry(_READERS),
    "read_scored_calls": Entry(_READERS),
    "read_sequences": Entry(_READERS),
    "read_snoozed_contacts": Entry(_READERS),
    "read_team": Entry(_READERS),
    "Client": Entry("dialstats._demo"),
    "CallLogStore": Entry("dialstats.store"),
    # The metric contract and the statistics that take no frame.
    "VENDOR": Entry(_ANALYSIS),
    "Definitions": Entry(_ANALYSIS),
    "Metric": Entry(_ANALYSIS),
    "MissingColumnError": Entry(_ANALYSIS),
    "metric": Entry(_ANALYSIS),
    "minimum_detectable_effect": Entry(_ANALYSIS),
    "sample_size": Entry(_ANALYSIS),
    "wilson_interval": Entry(_ANALYSIS),
    # The analyses of a call-log frame.
    "activity": _analysis("activity"),
    # The `activity` chart is the hours' heatmap.
    "activity_hours": _analysis("activity_hours", "activity"),
    "activity_sessions": _analysis("activity_sessions"),
    "amd_audit": _analysis("amd_audit"),
    "amd_evidence": _analysis("amd_evidence"),
    "answer_rates": _analysis("answer_rates", "answer_rates"),
    "attempt_curve": _analysis("attempt_curve", "attempt_curve"),
    "best_time_to_call": _analysis("best_time_to_call", "best_time_to_call"),
    "compare": _analysis("compare"),
    "contact_attempts": _analysis("contact_attempts"),
    "disposition_breakdown": _analysis("disposition_breakdown"),
    # One name in tab completion, as in the docs.
    "disposition_funnel": _analysis("funnel", "funnel"),
    "double_dial": _analysis("double_dial", "double_dial"),
    "flags": _analysis("flags"),
    # Spiegelhalter's funnel plot of the leaderboard (not the dial-to-meeting funnel).
    "leaderboard": _analysis("leaderboard", "rate_vs_volume"),
    "list_performance": _analysis("list_performance"),
    "local_presence": _analysis("local_presence", "local_presence"),
    "machine_detection": _analysis("machine_detection", "machine_detection"),
    "machine_detection_matrix": _analysis("machine_detection_matrix", "machine_detection"),
    "number_health": _analysis("number_health", "number_health"),
    "overview": _analysis("overview"),
    "sdr_performance": _analysis("sdr_performance"),
    "sequence_performance": _analysis("sequence_performance"),
    # The `talk_time` chart draws the survival curve, with talk_time's shares at the thresholds.
    "talk_time": _analysis("talk_time", "talk_time"),
    "talk_time_survival": _analysis("talk_time_survival", "talk_time"),
    "talk_time_thresholds": _analysis("talk_time_thresholds"),
    "trend": _analysis("trend", "trend"),
}

# The df.calls methods: method name -> the public function it applies to the frame.
METHODS: dict[str, str] = {
    entry.method: name for name, entry in PUBLIC.items() if entry.method is not None
}

# The charts of dialstats.plot and df.calls.plot. `durations` draws the call-log frame itself,
# no analysis's result.
CHARTS: tuple[str, ...] = tuple(
    sorted({entry.chart for entry in PUBLIC.values() if entry.chart} | {"durations"})
)

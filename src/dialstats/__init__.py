"""dialstats: sales call-log analytics in pandas.

>>> import dialstats as ds
>>> df = ds.read_call_logs(demo=True)
>>> df.calls.funnel()["stage"].tolist()
['dials', 'answered', 'connected', 'conversations', 'connected_meetings']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Importing accessor registers the df.calls accessor.
from dialstats import accessor, errors, plot  # noqa: F401
from dialstats._readers import (
    read_analytics,
    read_call_logs,
    read_contact_lists,
    read_custom_fields,
    read_dispositions,
    read_follow_ups,
    read_scored_calls,
    read_sequences,
    read_snoozed_contacts,
    read_team,
)
from dialstats.analysis import (
    VENDOR,
    Definitions,
    Metric,
    MissingColumnError,
    activity,
    amd_audit,
    amd_evidence,
    answer_rates,
    attempt_curve,
    best_time_to_call,
    compare,
    contact_attempts,
    disposition_breakdown,
    disposition_funnel,
    double_dial,
    flags,
    leaderboard,
    list_performance,
    local_presence,
    machine_detection,
    machine_detection_matrix,
    metric,
    minimum_detectable_effect,
    number_health,
    overview,
    sample_size,
    sdr_performance,
    sequence_performance,
    talk_time,
    trend,
    wilson_interval,
)
from dialstats.api._client import Client
from dialstats.store import CallLogStore

if TYPE_CHECKING:
    from dialstats import sandbox

__version__ = "0.1.0"

__all__ = [
    "VENDOR",
    "CallLogStore",
    "Client",
    "Definitions",
    "Metric",
    "MissingColumnError",
    "__version__",
    "activity",
    "amd_audit",
    "amd_evidence",
    "answer_rates",
    "attempt_curve",
    "best_time_to_call",
    "compare",
    "contact_attempts",
    "disposition_breakdown",
    "disposition_funnel",
    "double_dial",
    "errors",
    "flags",
    "leaderboard",
    "list_performance",
    "local_presence",
    "machine_detection",
    "machine_detection_matrix",
    "metric",
    "minimum_detectable_effect",
    "number_health",
    "overview",
    "plot",
    "read_analytics",
    "read_call_logs",
    "read_contact_lists",
    "read_custom_fields",
    "read_dispositions",
    "read_follow_ups",
    "read_scored_calls",
    "read_sequences",
    "read_snoozed_contacts",
    "read_team",
    "sample_size",
    "sandbox",
    "sdr_performance",
    "sequence_performance",
    "talk_time",
    "trend",
    "wilson_interval",
]


def __getattr__(name: str) -> object:
    # The sandbox brings a web server stack (starlette, uvicorn) that analyses never need:
    # imported on first use of `ds.sandbox`.
    if name == "sandbox":
        return importlib.import_module("dialstats.sandbox")
    raise AttributeError(f"module 'dialstats' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

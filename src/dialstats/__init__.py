"""dialstats: sales call-log analytics in pandas.

>>> import dialstats as ds
>>> df = ds.read_call_logs(demo=True)
>>> df.calls.funnel()["stage"].tolist()
['dials', 'answered', 'connected', 'conversations', 'connected_meetings']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Importing accessor registers the df.calls accessor; it loads the analyses on first use.
from dialstats import accessor, errors  # noqa: F401

if TYPE_CHECKING:  # what the names below are, for type checkers and editors
    from dialstats import plot, sandbox
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

# Each public name is imported from its module on first use: ``import dialstats`` costs little
# more than pandas, and a script that only reads pays for no analysis or chart. The readers
# come from `_readers`, these two from their modules, every other name from `analysis`.
_HOMES = {"Client": "dialstats.api._client", "CallLogStore": "dialstats.store"}
# Subpackages that are public names themselves. The sandbox brings a web server stack
# (starlette, uvicorn), the charts matplotlib, on their first use.
_MODULES = ("plot", "sandbox")


def __getattr__(name: str) -> object:
    if name in _MODULES:
        return importlib.import_module(f"dialstats.{name}")
    if name not in __all__:
        raise AttributeError(f"module 'dialstats' has no attribute {name!r}")
    default = "dialstats._readers" if name.startswith("read_") else "dialstats.analysis"
    home = _HOMES.get(name, default)
    value = globals()[name] = getattr(importlib.import_module(home), name)
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

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
from dialstats._registry import PUBLIC

if TYPE_CHECKING:
    # What the names below are, for type checkers and editors: `_registry.PUBLIC` again, as
    # literal imports (``name as name``: re-exported on purpose); a test keeps the two in step.
    from dialstats import plot as plot
    from dialstats import sandbox as sandbox
    from dialstats._demo import Client as Client
    from dialstats._readers import read_analytics as read_analytics
    from dialstats._readers import read_call_logs as read_call_logs
    from dialstats._readers import read_contact_lists as read_contact_lists
    from dialstats._readers import read_custom_fields as read_custom_fields
    from dialstats._readers import read_dispositions as read_dispositions
    from dialstats._readers import read_follow_ups as read_follow_ups
    from dialstats._readers import read_scored_calls as read_scored_calls
    from dialstats._readers import read_sequences as read_sequences
    from dialstats._readers import read_snoozed_contacts as read_snoozed_contacts
    from dialstats._readers import read_team as read_team
    from dialstats.analysis import VENDOR as VENDOR
    from dialstats.analysis import Definitions as Definitions
    from dialstats.analysis import Metric as Metric
    from dialstats.analysis import MissingColumnError as MissingColumnError
    from dialstats.analysis import activity as activity
    from dialstats.analysis import activity_hours as activity_hours
    from dialstats.analysis import activity_sessions as activity_sessions
    from dialstats.analysis import amd_audit as amd_audit
    from dialstats.analysis import amd_evidence as amd_evidence
    from dialstats.analysis import answer_rates as answer_rates
    from dialstats.analysis import attempt_curve as attempt_curve
    from dialstats.analysis import best_time_to_call as best_time_to_call
    from dialstats.analysis import compare as compare
    from dialstats.analysis import contact_attempts as contact_attempts
    from dialstats.analysis import disposition_breakdown as disposition_breakdown
    from dialstats.analysis import disposition_funnel as disposition_funnel
    from dialstats.analysis import double_dial as double_dial
    from dialstats.analysis import flags as flags
    from dialstats.analysis import leaderboard as leaderboard
    from dialstats.analysis import list_performance as list_performance
    from dialstats.analysis import local_presence as local_presence
    from dialstats.analysis import machine_detection as machine_detection
    from dialstats.analysis import machine_detection_matrix as machine_detection_matrix
    from dialstats.analysis import metric as metric
    from dialstats.analysis import minimum_detectable_effect as minimum_detectable_effect
    from dialstats.analysis import number_health as number_health
    from dialstats.analysis import overview as overview
    from dialstats.analysis import sample_size as sample_size
    from dialstats.analysis import sdr_performance as sdr_performance
    from dialstats.analysis import sequence_performance as sequence_performance
    from dialstats.analysis import talk_time as talk_time
    from dialstats.analysis import talk_time_survival as talk_time_survival
    from dialstats.analysis import talk_time_thresholds as talk_time_thresholds
    from dialstats.analysis import trend as trend
    from dialstats.analysis import wilson_interval as wilson_interval
    from dialstats.store import CallLogStore as CallLogStore

__version__ = "0.1.0"

# Every public name, from the one table of them (`_registry`): each is imported from its home
# on first use, so ``import dialstats`` costs little more than pandas, and a script that only
# reads pays for no analysis or chart.
__all__ = sorted(["__version__", *PUBLIC])


def __getattr__(name: str) -> object:
    entry = PUBLIC.get(name)
    if entry is None:
        raise AttributeError(f"module 'dialstats' has no attribute {name!r}")
    module = importlib.import_module(entry.home)
    value = module if entry.home == f"dialstats.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

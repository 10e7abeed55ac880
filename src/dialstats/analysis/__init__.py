"""Analyses of a call-log frame: pure functions, one tidy DataFrame each.

Every count and rate is named by the metric contract (`metric(name)`, docs/metrics.md); what
"reached", "conversation" and "meeting" mean is a `Definitions`, the vendor's (`VENDOR`: machine = any
"machine_*" answered_by, fax and unknown being neither; connected = human and disposition id < 10; conversation = connected and (meeting or duration >= 60 s);
meeting = disposition id 1) by default, so numbers match its dashboard. Every rate comes with
Wilson score bounds `<rate>_low` / `<rate>_high`, and is NA when its denominator is 0.

>>> import dialstats as ds
>>> df = ds.read_call_logs(demo=True)
>>> ds.answer_rates(df, by="user_name")  # doctest: +SKIP
"""

from __future__ import annotations

from dialstats.analysis._activity import activity
from dialstats.analysis._answer import answer_rates
from dialstats.analysis._attempts import attempt_curve, contact_attempts, double_dial
from dialstats.analysis._compare import compare
from dialstats.analysis._flags import flags
from dialstats.analysis._funnel import disposition_breakdown, disposition_funnel
from dialstats.analysis._intervals import wilson_interval
from dialstats.analysis._leaderboard import leaderboard
from dialstats.analysis._local import local_presence
from dialstats.analysis._machine import amd_audit, machine_detection, machine_detection_matrix
from dialstats.analysis._machine import evidence as amd_evidence
from dialstats.analysis._metrics import VENDOR, Definitions, Metric, metric
from dialstats.analysis._numbers import number_health
from dialstats.analysis._overview import overview
from dialstats.analysis._performance import (
    list_performance,
    sdr_performance,
    sequence_performance,
)
from dialstats.analysis._planning import minimum_detectable_effect, sample_size
from dialstats.analysis._talk import talk_time
from dialstats.analysis._timing import best_time_to_call
from dialstats.analysis._trend import trend
from dialstats.analysis._validate import MissingColumnError

__all__ = [
    "VENDOR",
    "Definitions",
    "Metric",
    "MissingColumnError",
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
    "sample_size",
    "sdr_performance",
    "sequence_performance",
    "talk_time",
    "trend",
    "wilson_interval",
]

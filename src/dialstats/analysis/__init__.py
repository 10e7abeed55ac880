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

from dialstats.analysis._activity import activity, activity_hours, activity_sessions
from dialstats.analysis._answer import answer_rates
from dialstats.analysis._attempts import attempt_curve, contact_attempts, double_dial
from dialstats.analysis._compare import compare
from dialstats.analysis._definitions import VENDOR, Definitions
from dialstats.analysis._flag_frame import flags
from dialstats.analysis._funnel import disposition_breakdown, disposition_funnel
from dialstats.analysis._intervals import wilson_interval
from dialstats.analysis._leaderboard import leaderboard
from dialstats.analysis._local import local_presence
from dialstats.analysis._machine import amd_audit, machine_detection, machine_detection_matrix
from dialstats.analysis._machine import evidence as amd_evidence
from dialstats.analysis._metrics import Metric, metric
from dialstats.analysis._numbers import number_health
from dialstats.analysis._overview import overview
from dialstats.analysis._performance import (
    list_performance,
    sdr_performance,
    sequence_performance,
)
from dialstats.analysis._planning import minimum_detectable_effect, sample_size
from dialstats.analysis._talk import talk_time, talk_time_survival, talk_time_thresholds
from dialstats.analysis._timing import best_time_to_call
from dialstats.analysis._trend import trend
from dialstats.analysis._validate import MissingColumnError

# isort: split
# For dialstats' other packages only (the charts, the report), not public and so not in __all__:
# what they share with the analyses, so that no module outside `analysis` imports its private
# modules. (`name as name` marks each as re-exported on purpose.)
from dialstats.analysis._choices import choose as choose
from dialstats.analysis._compare import two_rates as two_rates
from dialstats.analysis._flags import compute as compute_flags  # noqa: F401
from dialstats.analysis._flags import is_machine as is_machine
from dialstats.analysis._metrics import LABELS as LABELS
from dialstats.analysis._metrics import METRICS as METRICS
from dialstats.analysis._metrics import RATES as RATES
from dialstats.analysis._metrics import VENDOR_NAMES as VENDOR_NAMES
from dialstats.analysis._metrics import label as label
from dialstats.analysis._multiplicity import adjust_p as adjust_p
from dialstats.analysis._numbers import outbound as outbound
from dialstats.analysis._periods import check_freq as check_freq
from dialstats.analysis._periods import period_key as period_key
from dialstats.analysis._scipy import stats as stats
from dialstats.analysis._talk import THRESHOLDS as THRESHOLDS
from dialstats.analysis._talk import check_thresholds as check_thresholds
from dialstats.analysis._validate import check_choice as check_choice
from dialstats.analysis._validate import check_columns as check_columns
from dialstats.analysis._validate import check_confidence as check_confidence
from dialstats.analysis._validate import check_frame as check_frame
from dialstats.analysis._validate import group_keys as group_keys

__all__ = [
    "VENDOR",
    "Definitions",
    "Metric",
    "MissingColumnError",
    "activity",
    "activity_hours",
    "activity_sessions",
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
    "talk_time_survival",
    "talk_time_thresholds",
    "trend",
    "wilson_interval",
]

# Shown where they are exported from, as the api, store and report classes are, so a pickled
# Definitions names dialstats.analysis, not whichever private module holds it this release.
for _cls in (Definitions, Metric):
    _cls.__module__ = __name__
del _cls

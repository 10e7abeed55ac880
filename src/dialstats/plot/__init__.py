"""Charts a sales manager can read without explanation, drawn with matplotlib.

One module per question a chart answers: rates and funnels (`_rates`), time (`_time`: best
time, trend, activity), machine detection and durations (`_machine`), caller numbers
(`_numbers`), attempts (`_attempts`), talk time (`_talk`); `_common` holds what they share.

Each function takes the matching analysis result or the raw call-log frame (then runs the
analysis itself), draws on `ax` (a new figure when None) and returns the Axes. What a result
is (its metric, interval level, zone...) a chart reads from its own arguments, the result's
``.attrs`` (which a merge drops) only as their default; a level known to neither is labelled
as unrecorded, never as 95%.

>>> import dialstats as ds
>>> df = ds.read_call_logs(demo=True)
>>> ds.plot.funnel(df)  # doctest: +SKIP
>>> df.calls.plot.best_time_to_call(min_dials=10)  # doctest: +SKIP

matplotlib is imported on first use, so ``import dialstats`` stays quick.
"""

from __future__ import annotations

from dialstats.plot._attempts import attempt_curve, double_dial
from dialstats.plot._machine import durations, machine_detection
from dialstats.plot._numbers import local_presence, number_health
from dialstats.plot._rates import answer_rates, funnel, rate_vs_volume
from dialstats.plot._talk import talk_time
from dialstats.plot._time import activity, best_time_to_call, trend

__all__ = [
    "activity",
    "answer_rates",
    "attempt_curve",
    "best_time_to_call",
    "double_dial",
    "durations",
    "funnel",
    "local_presence",
    "machine_detection",
    "number_health",
    "rate_vs_volume",
    "talk_time",
    "trend",
]


def __dir__() -> list[str]:
    # The charts, not the modules they live in.
    return sorted(__all__)

"""``df.calls``: every analysis and chart as a method of any call-log frame.

Registered when ``dialstats`` is imported:

>>> import dialstats as ds
>>> df = ds.read_call_logs(demo=True)
>>> df.calls.answer_rates(by="user_name")  # doctest: +SKIP
>>> df.calls.funnel()  # doctest: +SKIP
>>> df.calls.plot.best_time_to_call()  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import pandas as pd

from dialstats import analysis, plot


def _method(function: Callable[..., object]) -> Callable[..., object]:
    """`function(df, ...)` as a method `self.function(...)` on the accessor's frame.

    The method keeps the function's docstring and signature (minus the frame), so ``help()``
    and tab completion show the real parameters.
    """

    @functools.wraps(function)
    def method(self: _Bound, *args: object, **kwargs: object) -> object:
        return function(self._df, *args, **kwargs)

    signature = inspect.signature(function)
    self_ = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    parameters = [self_, *list(signature.parameters.values())[1:]]
    method.__signature__ = signature.replace(parameters=parameters)
    return method


class _Bound:
    _name = "df.calls"
    _kind = "methods"

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    def __repr__(self) -> str:
        names = sorted(
            name
            for name, value in inspect.getmembers(type(self))
            if not name.startswith("_") and (callable(value) or isinstance(value, property))
        )
        return f"<{self._name}: {len(self._df):,} calls; {self._kind}: {', '.join(names)}>"


class CallsPlot(_Bound):
    """Charts of a call-log frame: ``df.calls.plot.funnel()``; each returns the Axes."""

    _name = "df.calls.plot"
    _kind = "charts"

    funnel = _method(plot.funnel)
    answer_rates = _method(plot.answer_rates)
    best_time_to_call = _method(plot.best_time_to_call)
    machine_detection = _method(plot.machine_detection)
    durations = _method(plot.durations)
    rate_vs_volume = _method(plot.rate_vs_volume)
    trend = _method(plot.trend)
    attempt_curve = _method(plot.attempt_curve)
    double_dial = _method(plot.double_dial)
    number_health = _method(plot.number_health)
    local_presence = _method(plot.local_presence)
    talk_time = _method(plot.talk_time)
    activity = _method(plot.activity)


@pd.api.extensions.register_dataframe_accessor("calls")
class CallsAccessor(_Bound):
    """Call-log analyses on any call-log frame: ``df.calls.answer_rates(by="user_name")``.

    Each method is the top-level function of the same name applied to this frame
    (``funnel`` is `disposition_funnel`); ``df.calls.plot`` holds the charts.

    >>> df.calls  # doctest: +SKIP
    <df.calls: 24,000 calls; methods: answer_rates, best_time_to_call, compare, ...>
    """

    flags = _method(analysis.flags)
    answer_rates = _method(analysis.answer_rates)
    machine_detection = _method(analysis.machine_detection)
    machine_detection_matrix = _method(analysis.machine_detection_matrix)
    funnel = _method(analysis.disposition_funnel)  # one name in tab completion, as in the docs
    disposition_breakdown = _method(analysis.disposition_breakdown)
    sdr_performance = _method(analysis.sdr_performance)
    list_performance = _method(analysis.list_performance)
    sequence_performance = _method(analysis.sequence_performance)
    best_time_to_call = _method(analysis.best_time_to_call)
    overview = _method(analysis.overview)
    leaderboard = _method(analysis.leaderboard)
    compare = _method(analysis.compare)
    trend = _method(analysis.trend)
    contact_attempts = _method(analysis.contact_attempts)
    attempt_curve = _method(analysis.attempt_curve)
    double_dial = _method(analysis.double_dial)
    number_health = _method(analysis.number_health)
    local_presence = _method(analysis.local_presence)
    amd_audit = _method(analysis.amd_audit)
    amd_evidence = _method(analysis.amd_evidence)
    talk_time = _method(analysis.talk_time)
    activity = _method(analysis.activity)

    @property
    def plot(self) -> CallsPlot:
        return CallsPlot(self._df)

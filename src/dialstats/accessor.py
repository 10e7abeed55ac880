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
import importlib
import inspect
from collections.abc import Callable
from typing import Any

import pandas as pd


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


class _Lazy:
    """An accessor method made from `module`'s `function` on first use, so that registering
    ``df.calls`` (on ``import dialstats``) imports no analysis and no chart."""

    def __init__(self, module: str, function: str | None = None) -> None:
        self._module, self._function = module, function
        self._made: Callable[..., object] | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self._function = self._function or name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if self._made is None:
            module = importlib.import_module(self._module)
            self._made = _method(getattr(module, self._function))
        return self._made if instance is None else self._made.__get__(instance, owner)


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

    funnel = _Lazy("dialstats.plot")
    answer_rates = _Lazy("dialstats.plot")
    best_time_to_call = _Lazy("dialstats.plot")
    machine_detection = _Lazy("dialstats.plot")
    durations = _Lazy("dialstats.plot")
    rate_vs_volume = _Lazy("dialstats.plot")
    trend = _Lazy("dialstats.plot")
    attempt_curve = _Lazy("dialstats.plot")
    double_dial = _Lazy("dialstats.plot")
    number_health = _Lazy("dialstats.plot")
    local_presence = _Lazy("dialstats.plot")
    talk_time = _Lazy("dialstats.plot")
    activity = _Lazy("dialstats.plot")


@pd.api.extensions.register_dataframe_accessor("calls")
class CallsAccessor(_Bound):
    """Call-log analyses on any call-log frame: ``df.calls.answer_rates(by="user_name")``.

    Each method is the top-level function of the same name applied to this frame
    (``funnel`` is `disposition_funnel`); ``df.calls.plot`` holds the charts.

    >>> df.calls  # doctest: +SKIP
    <df.calls: 24,000 calls; methods: answer_rates, best_time_to_call, compare, ...>
    """

    flags = _Lazy("dialstats.analysis")
    answer_rates = _Lazy("dialstats.analysis")
    machine_detection = _Lazy("dialstats.analysis")
    machine_detection_matrix = _Lazy("dialstats.analysis")
    funnel = _Lazy(
        "dialstats.analysis", "disposition_funnel"
    )  # one name in tab completion, as in the docs
    disposition_breakdown = _Lazy("dialstats.analysis")
    sdr_performance = _Lazy("dialstats.analysis")
    list_performance = _Lazy("dialstats.analysis")
    sequence_performance = _Lazy("dialstats.analysis")
    best_time_to_call = _Lazy("dialstats.analysis")
    overview = _Lazy("dialstats.analysis")
    leaderboard = _Lazy("dialstats.analysis")
    compare = _Lazy("dialstats.analysis")
    trend = _Lazy("dialstats.analysis")
    contact_attempts = _Lazy("dialstats.analysis")
    attempt_curve = _Lazy("dialstats.analysis")
    double_dial = _Lazy("dialstats.analysis")
    number_health = _Lazy("dialstats.analysis")
    local_presence = _Lazy("dialstats.analysis")
    amd_audit = _Lazy("dialstats.analysis")
    amd_evidence = _Lazy("dialstats.analysis")
    talk_time = _Lazy("dialstats.analysis")
    activity = _Lazy("dialstats.analysis")

    @property
    def plot(self) -> CallsPlot:
        return CallsPlot(self._df)

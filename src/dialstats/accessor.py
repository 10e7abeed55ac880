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
from typing import TYPE_CHECKING, Any

import pandas as pd

from dialstats._registry import CHARTS, METHODS, PUBLIC

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    _Analysis = Callable[..., pd.DataFrame]
    _Chart = Callable[..., Axes]


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

    def __init__(self, module: str, function: str) -> None:
        self._module, self._function = module, function
        self._made: Callable[..., object] | None = None

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

    if TYPE_CHECKING:  # the charts `_registry.CHARTS` names, for type checkers and editors
        activity: _Chart
        answer_rates: _Chart
        attempt_curve: _Chart
        best_time_to_call: _Chart
        double_dial: _Chart
        durations: _Chart
        funnel: _Chart
        local_presence: _Chart
        machine_detection: _Chart
        number_health: _Chart
        rate_vs_volume: _Chart
        talk_time: _Chart
        trend: _Chart


@pd.api.extensions.register_dataframe_accessor("calls")
class CallsAccessor(_Bound):
    """Call-log analyses on any call-log frame: ``df.calls.answer_rates(by="user_name")``.

    Each method is the top-level function of the same name applied to this frame
    (``funnel`` is `disposition_funnel`); ``df.calls.plot`` holds the charts.

    >>> df.calls  # doctest: +SKIP
    <df.calls: 24,000 calls; methods: answer_rates, best_time_to_call, compare, ...>
    """

    if TYPE_CHECKING:  # the methods `_registry.METHODS` names, for type checkers and editors
        activity: _Analysis
        activity_hours: _Analysis
        activity_sessions: _Analysis
        amd_audit: _Analysis
        amd_evidence: _Analysis
        answer_rates: _Analysis
        attempt_curve: _Analysis
        best_time_to_call: _Analysis
        compare: _Analysis
        contact_attempts: _Analysis
        disposition_breakdown: _Analysis
        double_dial: _Analysis
        flags: _Analysis
        funnel: _Analysis
        leaderboard: _Analysis
        list_performance: _Analysis
        local_presence: _Analysis
        machine_detection: _Analysis
        machine_detection_matrix: _Analysis
        number_health: _Analysis
        overview: _Analysis
        sdr_performance: _Analysis
        sequence_performance: _Analysis
        talk_time: _Analysis
        talk_time_survival: _Analysis
        talk_time_thresholds: _Analysis
        trend: _Analysis

    @property
    def plot(self) -> CallsPlot:
        return CallsPlot(self._df)


# The methods and charts, from the one table of public names.
for _name, _function in METHODS.items():
    setattr(CallsAccessor, _name, _Lazy(PUBLIC[_function].home, _function))
for _name in CHARTS:
    setattr(CallsPlot, _name, _Lazy("dialstats.plot", _name))
del _name, _function

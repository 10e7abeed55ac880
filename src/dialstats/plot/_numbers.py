"""Charts of caller numbers: their health and local presence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dialstats import analysis
from dialstats.analysis import METRICS as CONTRACT
from dialstats.analysis import choose
from dialstats.analysis import label as _label
from dialstats.errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from dialstats.plot._common import (
    CONFIDENCE,
    PALETTE,
    _axes,
    _column_list,
    _complete_periods,
    _confidence,
    _date_axis,
    _interval,
    _left_out,
    _literal_text,
    _lower,
    _names,
    _no_data,
    _not_drawn,
    _pct,
    _percent_axis,
    _rate_cols,
    _rate_of,
    _require,
    _tidy,
    _values,
)


@_literal_text
def number_health(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    health: pd.DataFrame | None = None,
    freq: str = "W",
    min_calls: int = 20,
) -> Axes:
    """Draw the answer rate of each flagged caller number against all the other numbers together.

    Weekly (``freq="W"``) or daily (``"D"``) rates, with each flag date marked by a dashed line.
    As in `trend`, a first or last period the calls do not cover (the first call after its first
    day, the last before its last day) is left out, and the title says so; a period of fewer
    than `min_calls` dials is no point of its line: a hollow marker shows it.

    Parameters
    ----------
    data : pandas.DataFrame
        A call-log frame.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    health : pandas.DataFrame, optional
        The `number_health` result of `data` (computed when None), whose flags and settings the
        rates follow.
    freq : {"W", "D"}, default "W"
        The period of the rates, which are ``number_health(data, freq=freq)``'s: weeks run
        Monday to Sunday and are drawn at their Sunday, as `answer_rates` labels them.
    min_calls : int, default 20
        A period of fewer dials is drawn as a hollow marker, not a point of its line.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    InvalidParameterError
        `freq` is not one of its choices, `min_calls` is not a whole number >= 0, `data` is a
        result rather than a call-log frame, or `health` lacks a column the chart draws.

    See Also
    --------
    dialstats.number_health : The flags and rates this chart draws.
    local_presence : Local against not-local caller numbers.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> health = ds.number_health(calls, min_dials=50)
    >>> ds.plot.number_health(calls, health=health, freq="D").get_title()
    'Answer rate by caller number: 0 of 124 flagged'
    """
    freq = choose("freq", freq, ("W", "D"))
    if isinstance(min_calls, bool) or not isinstance(min_calls, int | np.integer) or min_calls < 0:
        raise InvalidParameterError(
            "min_calls", f"min_calls must be a whole number >= 0; got {min_calls!r}"
        )
    columns = getattr(data, "columns", ())
    if "started_at" not in columns:
        takes = "a call-log frame (and, as health=, its number_health() result)"
        if "period" in columns and "from_e164" in columns:
            found = "this is a number_health(freq=...) result, which holds no flags"
            fix = "pass the call-log frame it came from"
        elif "flagged" in columns:
            found, fix = "this is a number_health() result", "pass it as health=, with the frame"
        else:
            found, fix = "this frame has no 'started_at' column", "pass the call-log frame"
        raise _not_drawn("number_health", takes, found, fix)
    result = analysis.number_health(data) if health is None else health
    _require(result, ["from_e164", "flagged", "flagged_since"], "number_health", "number_health")
    # The same test as `health`'s, so the numbers drawn are the ones it flagged.
    settings = {
        k: result.attrs[k] for k in ("confidence", "method", "min_dials") if k in result.attrs
    }
    rates = analysis.number_health(data, freq=freq, **settings)
    # A week the calls cover in part reads as a collapse (one dial, no answer: 0%): left out.
    _, partial = _complete_periods(data, freq)
    rates = rates[~rates["period"].isin(partial).to_numpy()]
    ax = _axes(ax)
    flagged = result[result["flagged"].fillna(False).to_numpy(dtype=bool)]
    title = f"Answer rate by caller number: {len(flagged)} of {len(result)} flagged"
    if rates.empty:
        return _no_data(ax, title)
    rest = rates[rates["from_e164"].isna().to_numpy()]
    lines = [("Other numbers", rest, PALETTE[6], {"lw": 2, "alpha": 0.5})] if len(rest) else []
    for i, row in enumerate(flagged.itertuples(index=False)):
        series = rates[(rates["from_e164"] == row.from_e164).fillna(False).to_numpy()]
        color = PALETTE[i % (len(PALETTE) - 2)]
        lines.append((row.from_e164, series, color, {"marker": "o", "ms": 3}))
        ax.axvline(row.flagged_since, color=color, ls="--", lw=1)
    thin_shown = False
    for name, series, color, style in lines:
        values = _values(series, "answer_rate")
        thin = _values(series, "dials") < min_calls
        when = series["period"]
        ax.plot(when, np.where(thin, np.nan, values), color=color, label=name, **style)
        thin &= ~np.isnan(values)
        if thin.any():
            thin_shown = True
            ax.scatter(when[thin], values[thin], facecolors="none", edgecolors=color, zorder=3)
    title += "" if flagged.empty else " (dashed: flagged since)"
    ax.set_title(title + (f"\n{_left_out(partial)}" if partial else ""))
    ax.set_ylabel("Answer rate" + (" per week" if freq == "W" else " per day"))
    ax.set_ylim(bottom=0)
    _percent_axis(ax.yaxis)
    _date_axis(ax, rates["period"])
    handles, texts = ax.get_legend_handles_labels()
    if thin_shown:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec=PALETTE[6]))
        texts.append(f"< {min_calls} dials: no point")
    ax.legend(handles, texts, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _tidy(ax, grid="y")
    return ax


# local_presence's default: the lists. A tuple of its own, so that the chart can tell a caller
# who names the strata of a result (even these) from one who leaves them to its attrs.
_LISTS = ("contact_list_name",)


@_literal_text
def local_presence(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    adjust_for: str | Sequence[str] | None = _LISTS,
    metric: str | None = None,
    confidence: float | None = None,
) -> Axes:
    """Draw the rate of local and not-local calls with their intervals.

    The title gives the ratio local / not local with its interval, adjusted for `adjust_for`
    when the analysis was; the x label gives the intervals' level.

    Parameters
    ----------
    data : pandas.DataFrame
        A `local_presence` result, or a call-log frame (then `adjust_for` and `metric` apply).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    adjust_for : str or sequence of str or None, default ("contact_list_name",)
        The strata the ratio is adjusted for: from a call-log frame, default the lists. Of a
        result, the ones it was computed with (default: what its attrs record; whether it was
        adjusted its adjusted ratio shows, and the title says when for what is not recorded).
    metric : str, optional
        The contract rate. From a call-log frame, default ``"answer_rate"``; of a result, the
        one it was computed with (default: what its attrs record, else its one contract rate
        column).
    confidence : float, optional
        From a call-log frame, the intervals' level (default 0.95); of a result, the level it
        was computed at (default: the one its attrs record, else the label says it is unknown).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    InvalidParameterError
        `metric` is not a contract rate, `confidence` is not in (0, 1), or a result lacks a
        column the chart draws.

    See Also
    --------
    dialstats.local_presence : The table this chart draws.
    number_health : Flagged caller numbers against the others.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> ax = ds.plot.local_presence(calls, adjust_for="contact_list_name")
    >>> ax.get_title().splitlines()[0]
    'Answer rate: local against not-local caller numbers'
    """
    given = adjust_for is not _LISTS
    if "adjusted_ratio" not in data.columns:
        metric = metric or "answer_rate"
        level = CONFIDENCE if confidence is None else confidence
        result = analysis.local_presence(
            data, adjust_for=adjust_for, metric=metric, confidence=level
        )
        strata: list[str] | None = result.attrs["adjust_for"]
    else:
        result, level = data, _confidence(confidence, data)
        metric = _rate_of(metric, result, "local_presence", "local_presence")
        strata = _column_list(adjust_for) if given else result.attrs.get("adjust_for")
    denominator = CONTRACT[metric].denominator
    ratios = [f"{r}{end}" for r in ("ratio", "adjusted_ratio") for end in ("", "_low", "_high")]
    columns = ["local", denominator, *_rate_cols(metric), *ratios]
    _require(result, columns, "local_presence", "local_presence")
    label = _label(metric)
    ax = _axes(ax, figsize=(8, 3))
    title = f"{label}: local against not-local caller numbers"
    shown = result[result[denominator] > 0]
    if shown.empty:
        return _no_data(ax, title)
    rate = _values(shown, metric)
    low, high = _values(shown, f"{metric}_low"), _values(shown, f"{metric}_high")
    names = ["Local number" if flag else "Not local" for flag in shown["local"]]
    colors = [PALETTE[2] if flag else PALETTE[6] for flag in shown["local"]]
    ax.barh(names, rate, xerr=[rate - low, high - rate], color=colors, capsize=4, alpha=0.8)
    for y, (value, count) in enumerate(zip(rate, _values(shown, denominator), strict=True)):
        ax.annotate(
            f"{_pct(value)} of {count:,.0f}", (value, y), xytext=(6, 8), textcoords="offset points"
        )
    effect = result.iloc[-1]
    # Whether the ratio is adjusted, its value says; for what, the argument or the attrs.
    adjusted = strata != [] and pd.notna(effect["adjusted_ratio"])
    key = "adjusted_ratio" if adjusted else "ratio"
    if pd.notna(effect[key]):
        title += (
            f"\nratio {effect[key]:.2f} [{effect[key + '_low']:.2f}, {effect[key + '_high']:.2f}]"
        )
        if not adjusted:
            title += ", unadjusted"
        elif strata is None:
            title += ", adjusted (for what is not recorded: pass adjust_for=)"
        else:
            title += f", adjusted for {_names(strata)}"
    ax.set_title(title)
    intervals = _interval(level, plural=True)
    ax.set_xlabel(f"Share of {_lower(denominator)} (bars and the ratio's bounds: {intervals})")
    ax.set_xlim(0, min(1.0, float(np.nanmax(high)) * 1.3))
    _percent_axis(ax.xaxis)
    _tidy(ax, grid="x")
    return ax

"""Charts of attempts: the rate per attempt, and redials after a no-answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dialstats import analysis
from dialstats.analysis import label as _label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from dialstats.plot._common import (
    CONFIDENCE,
    PALETTE,
    _axes,
    _confidence,
    _grouped_bars,
    _interval,
    _literal_text,
    _no_data,
    _percent_axis,
    _rate_cols,
    _rate_of,
    _recorded,
    _require,
    _tidy,
    _values,
)


@_literal_text
def attempt_curve(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    metric: str | None = None,
    max_attempt: int = 10,
    confidence: float | None = None,
) -> Axes:
    """Draw the rate per attempt number and the share of contacts reached by each attempt.

    The rate per attempt with its interval band is on the left axis; the share of contacts
    reached by each attempt (Kaplan-Meier, with its band) on the right axis.

    Parameters
    ----------
    data : pandas.DataFrame
        An `attempt_curve` result, or a call-log frame (then `metric`, `max_attempt` and
        `confidence` apply).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    metric : str, optional
        The contract rate. From a call-log frame, default ``"connect_rate"``; of a result, the
        one it was computed with (default: what its attrs record).
    max_attempt : int, default 10
        The last attempt number of a call-log frame's curve.
    confidence : float, optional
        From a call-log frame, the intervals' level (default 0.95); of a result, the level it
        was computed at (default: what its attrs record; the title says when the level is known
        to neither).

    Returns
    -------
    matplotlib.axes.Axes
        The left Axes (the right one is its twin, in ``ax.figure.axes``).

    Raises
    ------
    InvalidParameterError
        `metric` is not a contract rate, or a result lacks a column the chart draws.

    See Also
    --------
    dialstats.attempt_curve : The table this chart draws.
    double_dial : Redials after a no-answer, soon against later.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> ds.plot.attempt_curve(calls, confidence=0.9).get_title()
    'Connect rate by attempt, and contacts reached (90% intervals)'
    """
    if "reached_share" in data.columns:
        result, level = data, _confidence(confidence, data)
        metric = _rate_of(metric, result, "attempt_curve", "attempt_curve")
    else:
        metric = metric or "connect_rate"
        level = CONFIDENCE if confidence is None else confidence
        result = analysis.attempt_curve(
            data, metric=metric, confidence=level, max_attempt=max_attempt
        )
    columns = ["attempt", "label", *_rate_cols(metric), *_rate_cols("reached_share")]
    _require(result, columns, "attempt_curve", "attempt_curve")
    label = _label(metric)
    title = f"{label} by attempt, and contacts reached"
    ax = _axes(ax)
    # No dial at any attempt (an empty frame): every rate is missing.
    rated = np.isfinite(_values(result, metric)) | np.isfinite(_values(result, "reached_share"))
    if not rated.any():
        return _no_data(ax, title)
    x = result["attempt"].to_numpy(dtype=float)
    ax.fill_between(
        x,
        _values(result, metric + "_low"),
        _values(result, metric + "_high"),
        color=PALETTE[0],
        alpha=0.2,
        lw=0,
    )
    ax.plot(x, _values(result, metric), marker="o", color=PALETTE[0], label=f"{label} (per dial)")
    ax.set_xticks(x, result["label"].tolist())
    ax.set_xlabel("Attempt number (per contact)")
    ax.set_ylabel(f"{label} (per dial)", color=PALETTE[0])
    ax.set_ylim(bottom=0)
    _percent_axis(ax.yaxis)
    _tidy(ax, grid="y")
    reach = ax.twinx()
    reach.fill_between(
        x,
        _values(result, "reached_share_low"),
        _values(result, "reached_share_high"),
        color=PALETTE[1],
        alpha=0.2,
        lw=0,
    )
    reach.plot(
        x,
        _values(result, "reached_share"),
        marker="s",
        ls="--",
        color=PALETTE[1],
        label="Contacts reached by this attempt (cumulative)",
    )
    reach.set_ylim(0, 1)
    reach.set_ylabel("Contacts reached (cumulative)", color=PALETTE[1])
    _percent_axis(reach.yaxis)
    reach.spines["top"].set_visible(False)
    lines = ax.get_legend_handles_labels()
    more = reach.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], frameon=False, loc="upper left")
    shown = "intervals of unrecorded level" if level is None else f"{level:.0%} intervals"
    ax.set_title(f"{title} ({shown})")
    return ax


@_literal_text
def double_dial(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    within: str | None = None,
    confidence: float | None = None,
) -> Axes:
    """Draw the rates of redials within `within` of a no-answer against later redials.

    Each rate is drawn with its interval, the level in the x label; a rate with nothing to
    divide by has no bar but "n/a".

    Parameters
    ----------
    data : pandas.DataFrame
        A `double_dial` result, or a call-log frame (then `within` and `confidence` apply).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    within : str, optional
        The redial window. From a call-log frame, default ``"5min"``; of a result, the window
        it was computed with (default: what its attrs record; the chart says when neither
        does).
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
        `confidence` is not in (0, 1), or a result lacks a column the chart draws.

    See Also
    --------
    dialstats.double_dial : The table this chart draws.
    attempt_curve : The rate per attempt number.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> redials = ds.double_dial(calls, within="2D", confidence=0.8)
    >>> ax = ds.plot.double_dial(redials)
    >>> ax.get_title(), ax.get_xlabel()
    ('Redial after a no-answer: within 2D vs later', 'Share of redials (bars: 80% interval)')
    """
    if "double_dial_rate" in data.columns:
        result, within = data, _recorded(within, data, "within")
        level = _confidence(confidence, data)
    else:
        within = within or "5min"
        level = CONFIDENCE if confidence is None else confidence
        result = analysis.double_dial(data, within=within, confidence=level)
        within = result.attrs["within"]  # as the analysis spells it
    rates = [c for p in ("double_dial_rate", "later_rate") for c in _rate_cols(p)]
    _require(
        result, ["metric", "double_dials", "later_dials", *rates], "double_dial", "double_dial"
    )
    soon = "soon (window not recorded)" if within is None else f"within {within}"
    title = f"Redial after a no-answer: {soon} vs later"
    ax = _axes(ax)
    if (
        result.empty
        or int(result["double_dials"].iloc[0]) + int(result["later_dials"].iloc[0]) == 0
    ):
        return _no_data(ax, title)
    series = {
        f"{soon.capitalize()} ({int(result['double_dials'].iloc[0]):,} dials)": "double_dial_rate",
        f"Later ({int(result['later_dials'].iloc[0]):,} dials)": "later_rate",
    }
    labels = [_label(m) for m in result["metric"]]
    _grouped_bars(ax, result, series, [], labels, colors=(PALETTE[3], PALETTE[0]), outside=False)
    ax.set_xlabel(f"Share of redials (bars: {_interval(level)})")
    ax.set_title(title)
    return ax

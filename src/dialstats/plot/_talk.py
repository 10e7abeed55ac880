"""Charts of talk time: how long connects last."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dialstats import analysis
from dialstats.analysis import THRESHOLDS, check_frame, check_thresholds, group_keys

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from dialstats.plot._common import (
    PALETTE,
    _axes,
    _duration_axis,
    _labels,
    _legend,
    _literal_text,
    _names,
    _no_data,
    _percent_axis,
    _tidy,
    _values,
)


@_literal_text
def talk_time(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | Sequence[str] | None = None,
    thresholds: Sequence[float] = THRESHOLDS,
) -> Axes:
    """Draw how long connects last: per group, the share of connects lasting at least x seconds.

    The x axis is logarithmic; the thresholds are marked, with the share over each written at
    the line. The curves are ``talk_time_survival(data, by)``, the shares at the thresholds
    ``talk_time(data, thresholds=...)`` over every connect: durations as sent, so a 0.4 s connect
    is under a 1 s threshold. A log axis has no 0: talk times under 1 s are drawn at 1 s.

    Parameters
    ----------
    data : pandas.DataFrame
        A call-log frame.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    by : str or sequence of str, optional
        The columns that group the lines (at most eight shown).
    thresholds : sequence of float, default (30, 45, 60, 90, 120)
        The talk times, in seconds, marked with the share of connects lasting at least that
        long.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    InvalidParameterError
        `data` is not a pandas DataFrame, or `thresholds` or `by` is not valid.

    See Also
    --------
    dialstats.talk_time_survival : The curves this chart draws.
    dialstats.talk_time : The shares at the thresholds.
    durations : Call durations by who answered.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> ds.plot.talk_time(calls, by="user_name", thresholds=(30, 60)).get_title()
    'How long connects last, by rep'
    """
    check_frame(data, "plot.talk_time")
    thresholds = check_thresholds(thresholds)
    keys = group_keys(data, by, "plot.talk_time")
    survival = analysis.talk_time_survival(data, by)
    shares = analysis.talk_time(data, thresholds=thresholds)
    ax = _axes(ax)
    title = "How long connects last"
    if survival.empty:
        return _no_data(ax, title)
    labels = np.array(_labels(survival, keys))
    names = list(dict.fromkeys(sorted(labels)))[: len(PALETTE)]
    for position, name in enumerate(names):
        curve = survival[labels == name]
        seconds = np.maximum(curve["seconds"].to_numpy(dtype=float), 1.0)
        label = f"{name} ({int(curve['timed'].iloc[0]):,} connects)"
        # share(s) is the share lasting at least s: between two talk times it is the later one's.
        ax.step(seconds, _values(curve, "share"), where="pre", color=PALETTE[position], label=label)
    for threshold in thresholds:
        share = shares[f"at_least_{threshold:g}s_share"].iloc[0]
        ax.axvline(threshold, color="#666666", linewidth=0.8, linestyle=":")
        ax.annotate(
            f"{threshold:g} s: {share:.0%}",
            (threshold, 1.0),
            fontsize=8,
            rotation=90,
            va="top",
            ha="right",
        )
    ax.set_xscale("log")
    _duration_axis(ax.xaxis)
    ax.set_ylim(0, 1.02)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("Talk time (log scale; dotted: thresholds, share of all lines)")
    ax.set_ylabel("Share of connects lasting at least x")
    ax.set_title(title if not keys else f"{title}, by {_names(keys)}")
    _legend(ax, outside=True)
    _tidy(ax, grid="both")
    return ax

"""Charts of talk time: how long connects last."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dialstats import analysis
from dialstats.analysis import THRESHOLDS, check_frame, check_thresholds, group_keys
from dialstats.errors import InvalidParameterError

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
    _not_drawn,
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
    is under a 1 s threshold. A log axis has no 0: talk times under 1 s are drawn at 1 s. The
    eight groups with the most connects are drawn (one colour each); the title says how many
    others are left out.

    Parameters
    ----------
    data : pandas.DataFrame
        A call-log frame (then `by` applies), or a `talk_time_survival` result (its curves are
        drawn, the thresholds marked without shares, which it does not hold).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    by : str or sequence of str, optional
        The columns that group a call-log frame's lines; not for a result.
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
        `data` is neither a call-log frame nor a `talk_time_survival` result, `by` is given
        with a result, or `thresholds` or `by` is not valid.

    See Also
    --------
    dialstats.talk_time_survival : The curves this chart draws.
    dialstats.talk_time : The shares at the thresholds.
    durations : Call durations by who answered.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> print(ds.plot.talk_time(calls, by="user_name", thresholds=(30, 60)).get_title())
    How long connects last, by rep
    1 other rep (fewer connects) not shown
    """
    check_frame(data, "plot.talk_time")
    thresholds = check_thresholds(thresholds)
    shares = None
    if {"seconds", "share", "timed"} <= set(data.columns):
        if by is not None:
            raise InvalidParameterError(
                "by", "by= groups a call-log frame; this is already a result (drop by=)"
            )
        survival, keys = data, list(data.columns[: data.columns.get_loc("seconds")])
    elif "duration" in data.columns:
        keys = group_keys(data, by, "plot.talk_time")
        survival = analysis.talk_time_survival(data, by)
        shares = analysis.talk_time(data, thresholds=thresholds)
    else:
        takes = "a talk_time_survival() result or the call-log frame"
        if any(str(c).startswith("at_least_") for c in data.columns):
            found = "this is a talk_time() result, of shares at thresholds, not curves"
            fix = "pass talk_time_survival()'s result (or the call-log frame)"
            raise _not_drawn("talk_time", takes, found, fix)
        raise _not_drawn("talk_time", takes, "this frame has neither's columns")
    ax = _axes(ax)
    title = "How long connects last"
    if survival.empty:
        return _no_data(ax, title)
    labels = np.array(_labels(survival, keys))
    # Most connects first. Lines beyond the palette would share its colours: they are left out,
    # and the title counts them.
    timed = {name: int(survival["timed"][labels == name].iloc[0]) for name in set(labels)}
    ranked = sorted(timed, key=lambda name: (-timed[name], name))
    names, rest = ranked[: len(PALETTE)], ranked[len(PALETTE) :]
    for position, name in enumerate(names):
        curve = survival[labels == name]
        seconds = np.maximum(curve["seconds"].to_numpy(dtype=float), 1.0)
        label = f"{name} ({timed[name]:,} connects)"
        # share(s) is the share lasting at least s: between two talk times it is the later one's.
        ax.step(seconds, _values(curve, "share"), where="pre", color=PALETTE[position], label=label)
    for threshold in thresholds:
        note = f"{threshold:g} s"
        if shares is not None:
            note += f": {shares[f'at_least_{threshold:g}s_share'].iloc[0]:.0%}"
        ax.axvline(threshold, color="#666666", linewidth=0.8, linestyle=":")
        ax.annotate(note, (threshold, 1.0), fontsize=8, rotation=90, va="top", ha="right")
    ax.set_xscale("log")
    _duration_axis(ax.xaxis)
    ax.set_ylim(0, 1.02)
    _percent_axis(ax.yaxis)
    marks = "dotted: thresholds" + (", share of all lines" if shares is not None else "")
    ax.set_xlabel(f"Talk time (log scale; {marks})")
    ax.set_ylabel("Share of connects lasting at least x")
    if keys:
        title += f", by {_names(keys)}"
    if rest:
        plural = f"{_names(keys)}s" if len(keys) == 1 else "groups"
        plural = plural if len(rest) > 1 else plural.removesuffix("s")
        title += f"\n{len(rest)} other {plural} (fewer connects) not shown"
    ax.set_title(title)
    _legend(ax, outside=True)
    _tidy(ax, grid="both")
    return ax

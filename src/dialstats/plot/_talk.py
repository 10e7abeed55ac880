"""Charts of talk time: how long connects last."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dialstats import analysis
from dialstats.analysis import THRESHOLDS, check_columns, check_frame, check_thresholds, group_keys

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
)


@_literal_text
def talk_time(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | Sequence[str] | None = None,
    thresholds: Sequence[float] = THRESHOLDS,
) -> Axes:
    """How long connects last: per group, the share of connects lasting at least x seconds
    (log x axis), with the thresholds marked and the share over each written at the line.

    `data`: a call-log frame (then `by` groups the lines, at most eight shown).
    """
    check_frame(data, "plot.talk_time")
    thresholds = check_thresholds(thresholds)
    keys = group_keys(data, by, "plot.talk_time")
    check_columns(data, {"duration": "number"}, "plot.talk_time")
    connected = analysis.compute_flags(data, ["connected"], "plot.talk_time")["connected"]
    seconds = data["duration"].to_numpy(dtype=float, na_value=np.nan)
    timed = connected & ~np.isnan(seconds)
    ax = _axes(ax)
    title = "How long connects last"
    if not timed.any():
        return _no_data(ax, title)
    labels = np.array(_labels(data, keys))[timed]
    values = np.maximum(seconds[timed], 1.0)  # a log axis has no 0: 0-1 s sit at 1 s
    names = list(dict.fromkeys(sorted(labels)))[: len(PALETTE)]
    for position, name in enumerate(names):
        mine = np.sort(values[labels == name])
        survival = 1.0 - np.arange(len(mine)) / len(mine)
        label = f"{name} ({len(mine):,} connects)"
        ax.step(mine, survival, where="post", color=PALETTE[position], label=label)
    shares = (values[:, None] >= np.array(thresholds)[None, :]).mean(axis=0)
    for threshold, share in zip(thresholds, shares, strict=True):
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

"""Charts of caller numbers: their health and local presence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dialstats import analysis
from dialstats.analysis import choose, outbound
from dialstats.analysis import label as _label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from dialstats.plot._common import (
    PALETTE,
    _axes,
    _legend,
    _literal_text,
    _names,
    _no_data,
    _pct,
    _percent_axis,
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
) -> Axes:
    """Weekly (`freq="W"`) or daily (`"D"`) answer rate of each flagged caller number against
    all the other numbers together, with each flag date marked by a dashed line.

    `data`: a call-log frame; `health`: its `number_health` result (computed when None).
    """
    freq = choose("freq", freq, ("W", "D"))
    result = analysis.number_health(data) if health is None else health
    ax = _axes(ax)
    flagged = result[result["flagged"].fillna(False).to_numpy(dtype=bool)]
    title = f"Answer rate by caller number: {len(flagged)} of {len(result)} flagged"
    placed = outbound(data) & data["from_e164"].notna().to_numpy()
    if not placed.any():
        return _no_data(ax, title)
    day = data["started_at"][placed].dt.floor("D")
    if freq == "W":  # weeks starting on Monday
        day = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    numbers = data["from_e164"][placed]
    answered = data["outcome"][placed].eq("answered").to_numpy(dtype=bool, na_value=False)
    calls = pd.DataFrame({"number": numbers.to_numpy(), "period": day.to_numpy(), "a": answered})
    marked = set(flagged["from_e164"])
    rest = calls[~calls["number"].isin(marked)].groupby("period")["a"].mean()
    if len(rest):
        ax.plot(
            rest.index, rest.to_numpy(), color=PALETTE[6], lw=2, alpha=0.5, label="Other numbers"
        )
    for i, row in enumerate(flagged.itertuples(index=False)):
        color = PALETTE[i % (len(PALETTE) - 2)]
        series = calls[calls["number"] == row.from_e164].groupby("period")["a"].mean()
        ax.plot(series.index, series.to_numpy(), marker="o", ms=3, color=color, label=row.from_e164)
        ax.axvline(row.flagged_since, color=color, ls="--", lw=1)
    ax.set_title(title + ("" if flagged.empty else " (dashed: flagged since)"))
    ax.set_ylabel("Answer rate" + (" per week" if freq == "W" else " per day"))
    ax.set_ylim(bottom=0)
    _percent_axis(ax.yaxis)
    _legend(ax, outside=True)
    for label in ax.get_xticklabels():
        label.set(rotation=30, horizontalalignment="right")
    _tidy(ax, grid="y")
    return ax


@_literal_text
def local_presence(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    adjust_for: str | Sequence[str] | None = "contact_list_name",
    metric: str = "answer_rate",
) -> Axes:
    """The rate of local and not-local calls with their intervals; the title gives the ratio
    local / not local, adjusted for `adjust_for` when the analysis was.

    `data`: a `local_presence` result or a call-log frame (`adjust_for`, `metric` apply).
    """
    result = data
    if "adjusted_ratio" not in data.columns:
        result = analysis.local_presence(data, adjust_for=adjust_for, metric=metric)
    metric = result.attrs.get("metric", metric)
    denominator = result.attrs.get("denominator", "dials")
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
    strata = result.attrs.get("adjust_for", [])
    key = "adjusted_ratio" if strata and pd.notna(effect["adjusted_ratio"]) else "ratio"
    if pd.notna(effect[key]):
        title += (
            f"\nratio {effect[key]:.2f} [{effect[key + '_low']:.2f}, {effect[key + '_high']:.2f}]"
        )
        title += f", adjusted for {_names(strata)}" if key == "adjusted_ratio" else ", unadjusted"
    ax.set_title(title)
    ax.set_xlim(0, min(1.0, float(np.nanmax(high)) * 1.3))
    _percent_axis(ax.xaxis)
    _tidy(ax, grid="x")
    return ax

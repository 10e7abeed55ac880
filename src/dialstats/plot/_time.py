"""Charts of time: the best time to call, the trend of a rate, activity by hour of the day."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dialstats import analysis
from dialstats.analysis import METRICS as CONTRACT
from dialstats.analysis import check_frame, choose, group_keys
from dialstats.analysis import label as _label
from dialstats.errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from dialstats.plot._common import (
    _MAX_BANDS,
    _STYLES,
    MISSING,
    PALETTE,
    _annotate,
    _axes,
    _colorbar,
    _complete_periods,
    _date_axis,
    _heatmap,
    _labels,
    _left_out,
    _legend,
    _literal_text,
    _names,
    _no_data,
    _not_drawn,
    _percent_axis,
    _rate_of,
    _recorded,
    _require,
    _tidy,
    _values,
)


@_literal_text
def best_time_to_call(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    tz: str | None = None,
    metric: str | None = None,
    min_dials: int | None = None,
    view: str = "smoothed",
) -> Axes:
    """Draw a heatmap of a rate by weekday x local hour, each cell annotated.

    Hatched grey = no estimate. ``view="smoothed"`` (the default) shows each cell shrunk toward a
    weekday + hour model, which a second sample would largely repeat; ``"raw"`` shows the cells'
    own rates. Either way only cells of at least `min_dials` dials are painted (the rest are
    hatched grey, as the x label says), and the colour scale spans the painted cells alone. The
    grid spans the weekdays and hours anyone was dialled at (a wide table, which does not say,
    is drawn whole). The subtitle gives the split-half rank correlation of the view.

    Parameters
    ----------
    data : pandas.DataFrame
        A `best_time_to_call` table (wide: shown as it is; tidy: `view` applies) or a call-log
        frame (then `tz`, `metric` and `min_dials` apply).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    tz : str, optional
        The zone of the hours. From a call-log frame, default ``"contact"`` (the contact's
        local time); of a table, the one it was computed with (default: what its attrs record).
    metric : str, optional
        The contract rate. From a call-log frame, default ``"connect_rate"``; of a table, the
        one it was computed with (default: what its attrs record; a tidy table's one rate
        column names its metric).
    min_dials : int, optional
        Cells of fewer dials are hatched, not painted. From a call-log frame, default 30; of a
        table, the one it was computed with (default: what its attrs record; a tidy table that
        records no `min_dials` paints the cells its analysis estimated).
    view : {"smoothed", "raw"}, default "smoothed"
        The smoothed or the raw rates of a tidy table or a call-log frame.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    InvalidParameterError
        `view` or `metric` is not one of its choices, or a table lacks a column the chart
        draws.

    See Also
    --------
    dialstats.best_time_to_call : The table this chart draws.
    activity : Dials per active day by hour of the day.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> ax = ds.plot.best_time_to_call(calls, min_dials=10)
    >>> ax.get_title().splitlines()[0]
    'Connect rate by weekday and hour, smoothed toward weekday + hour'
    >>> print(ax.get_xlabel())
    Hour of day (the contact's local time)
    hatched grey: < 10 dials
    """
    view = choose("view", view, ("smoothed", "raw"))
    wide = data.index.name == "weekday"
    if wide or "weekday" in data.columns:
        tidy = data
        metric = _rate_of(metric, data, "best_time_to_call", "best_time_to_call")
        tz, min_dials = _recorded(tz, data, "tz"), _recorded(min_dials, data, "min_dials")
    else:
        tz, metric = tz or "contact", metric or "connect_rate"
        min_dials = 30 if min_dials is None else min_dials
        with warnings.catch_warnings():
            # The subtitle says how many calls had no known zone.
            warnings.filterwarnings("ignore", "best_time_to_call", UserWarning)
            tidy = analysis.best_time_to_call(
                data, tz=tz, metric=metric, min_dials=min_dials, wide=False
            )
    dialled = None  # the cells anyone dialled: the extent of the grid drawn
    if wide:
        table, view = data, "raw"
    else:
        column = metric if view == "raw" else f"{metric}_smoothed"
        needed = ["weekday", "hour", column, metric, *(["dials"] if min_dials else [])]
        _require(tidy, needed, "best_time_to_call", "best_time_to_call(wide=False)")
        table = tidy.pivot(index="weekday", columns="hour", values=column).astype("Float64")
        if "dials" in tidy.columns:
            dials = tidy.pivot(index="weekday", columns="hour", values="dials").fillna(0)
            dialled = (dials.astype(float) > 0).reindex_like(table).fillna(False)
            if not dialled.to_numpy(dtype=bool).any():
                return _no_data(_axes(ax), f"{_label(metric)} by weekday and hour")
        # Only cells of min_dials or more are painted: a smoothed cell of one dial is the
        # model's guess, not a finding, and would set the colour scale (and look hottest).
        if min_dials is None:  # the analysis left the rate of each cell under it out
            enough = tidy.pivot(index="weekday", columns="hour", values=metric).notna()
        else:
            enough = dials.astype(float) >= min_dials
        table = table.where(enough.reindex_like(table).fillna(False).to_numpy(dtype=bool))
    # The subtitle's notes hold for this table only when its attrs are of this metric.
    notes = tidy.attrs if tidy.attrs.get("metric") == metric else {}
    if dialled is not None:
        # Night hours and weekdays no one dialled (a team that rests at weekends) would be rows
        # and columns of grey; those dialled too thinly to paint stay, hatched. A wide table
        # does not say which cells anyone dialled, so it is drawn whole.
        dialled = dialled.to_numpy(dtype=bool)
        hours = np.flatnonzero(dialled.any(axis=0))
        table = table.iloc[dialled.any(axis=1), hours[0] : hours[-1] + 1]
    values = table.to_numpy(dtype=float, na_value=np.nan)
    ax = _axes(ax, figsize=(12, 0.75 * len(table) + 1.8))
    image = _heatmap(ax, values, cmap="viridis")
    if np.isfinite(values).any():  # the colours span the painted cells only
        image.set_clim(np.nanmin(values), np.nanmax(values))
    _annotate(ax, values, image)
    _hatch_missing(ax, values)
    ax.set_xticks(range(values.shape[1]), [str(h) for h in table.columns])
    ax.set_yticks(range(values.shape[0]), [str(d)[:3] for d in table.index])
    where = {"contact": "the contact's local time", None: "time zone not recorded"}.get(tz, tz)
    too_few = "too few dials" if min_dials is None else f"< {min_dials} dials"
    missing = "no estimate" if wide and min_dials is None else too_few
    ax.set_xlabel(f"Hour of day ({where})\nhatched grey: {missing}")
    ax.set_ylabel("")
    label = _label(metric)
    if view == "raw":
        title = f"{label} by weekday and hour (grey: {too_few})"
    else:
        title = f"{label} by weekday and hour, smoothed toward weekday + hour"
    reliability = notes.get("reliability")
    if reliability is not None and view in reliability:
        agreement = reliability[view]["rank_correlation"]
        title += f"\nsplit-half rank correlation {agreement:.2f}" if pd.notna(agreement) else ""
    unknown = notes.get("unknown_zone_calls", 0)
    if unknown:
        title += f"\n{unknown:,} calls left out: contact time zone unknown"
    ax.set_title(title)
    _colorbar(ax, image, label, percent=True)  # the title's words, not another name
    return ax


@_literal_text
def trend(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    metric: str | None = None,
    freq: str = "W",
    by: str | Sequence[str] | None = None,
    min_calls: int = 20,
    highlight: int = 2,
) -> Axes:
    """Draw a p-chart: the rate per period with its centre line and 3-sigma control limits.

    Points outside the limits are marked. With groups (`by=`, or a `trend(by=...)` result), one
    line per group, its points outside its own limits marked (the limits themselves are left
    out); beyond four groups, the `highlight` highest and as many lowest (by the group's rate
    over all periods shown) are drawn in colour and named, the others thin and grey, so the
    extremes read and the rest show the spread. A group's period of fewer than `min_calls` calls
    (the rate's denominator) is no point of its line: a hollow marker shows it.

    From a frame, a first or last period the calls do not cover (the first call after its first
    day, the last before its last day) is left out, as the report leaves out partial weeks; the
    title says so.

    Parameters
    ----------
    data : pandas.DataFrame
        A `trend` result, or a call-log frame (then `metric`, `freq` and `by` apply).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    metric : str, optional
        The contract rate. From a call-log frame, default ``"connect_rate"``; of a result, the
        rate it holds (default: the one its attrs record, else its one contract rate column).
    freq : str, default "W"
        The period of a call-log frame's trend (``"D"``, ``"W"``, ``"MS"``, ...).
    by : str or sequence of str, optional
        The columns to group a call-log frame by, one line per group; not for a result.
    min_calls : int, default 20
        A group's period of fewer calls is drawn as a hollow marker, not a point of its line.
    highlight : int, default 2
        Beyond four groups, how many of the highest and of the lowest are drawn in colour.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    InvalidParameterError
        `min_calls` or `highlight` is not a whole number >= 0, `by` is given with a result, or
        a result lacks a column the chart draws.

    See Also
    --------
    dialstats.trend : The table this chart draws.
    answer_rates : Rates per period with their interval bands.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> ds.plot.trend(calls, freq="D").get_title()
    'Connect rate per period (trend test p = 0.67)'
    >>> print(ds.plot.trend(calls, freq="D", by="user_name").get_title())
    Connect rate per period by rep: the 2 highest and 2 lowest in colour
    (dots: outside its 3-sigma limits)
    """
    for name, value in (("min_calls", min_calls), ("highlight", highlight)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise InvalidParameterError(name, f"{name} must be a whole number >= 0; got {value!r}")
    partial: list[pd.Timestamp] = []
    if "upper_limit" in data.columns:
        if by is not None:
            raise InvalidParameterError(
                "by", "by= groups a call-log frame; this is already a trend result (drop by=)"
            )
        result = data
        metric = _rate_of(metric, result, "trend", "trend")
    else:
        metric = metric or "connect_rate"
        data, partial = _complete_periods(data, freq)
        result = analysis.trend(data, by, metric=metric, freq=freq)
    columns = ["period", metric, "center", "lower_limit", "upper_limit", "outside"]
    _require(result, columns, "trend", "trend")
    label = _label(metric)
    ax = _axes(ax)
    if result.empty:
        return _no_data(ax, f"{label} per period")
    left_out = _left_out(partial)
    if result.columns[0] != "period":
        _trend_by_group(ax, result, metric, label, min_calls, highlight)
        ax.set_title(ax.get_title().removesuffix(")") + (f"; {left_out})" if left_out else ")"))
        _date_axis(ax, result["period"])
        return ax
    period = result["period"]
    ax.plot(period, _values(result, metric), marker="o", color=PALETTE[0], label=label)
    ax.plot(period, _values(result, "center"), color=PALETTE[6], lw=1, label="Centre")
    ax.step(period, _values(result, "upper_limit"), where="mid", ls="--", color=PALETTE[6], lw=1)
    ax.step(
        period,
        _values(result, "lower_limit"),
        where="mid",
        ls="--",
        color=PALETTE[6],
        lw=1,
        label="3-sigma limits",
    )
    outside = result["outside"].fillna(False).to_numpy(dtype=bool)
    ax.scatter(
        period[outside],
        _values(result, metric)[outside],
        color=PALETTE[3],
        zorder=3,
        label="Outside the limits",
    )
    # The trend test's record belongs to this table only when its attrs are of this metric.
    summary = result.attrs.get("trend") if result.attrs.get("metric") == metric else None
    summary = summary or []
    title = f"{label} per period"
    if len(summary) == 1 and summary[0]["p_value"] is not None:
        title += f" (trend test p = {summary[0]['p_value']:.2g})"
    ax.set_title(title + (f"\n{left_out}" if left_out else ""))
    _percent_axis(ax.yaxis)
    _date_axis(ax, period)
    _legend(ax, outside=True)
    _tidy(ax, grid="y")
    return ax


@_literal_text
def activity(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | Sequence[str] | None = "user_name",
    tz: str | None = None,
) -> Axes:
    """Draw pacing by hour of day: a heatmap of dials per active day.

    A row per group (rep), a column per local hour (night hours nobody dialled are trimmed).

    Parameters
    ----------
    data : pandas.DataFrame
        A call-log frame (then `by` and `tz` apply, as in `activity_hours`) or an
        `activity_hours` result.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    by : str or sequence of str or None, default "user_name"
        The columns to group a call-log frame by, one row per group.
    tz : str, optional
        From a call-log frame, the zone the hours are read in (default: the frame's). Of a
        result, the zone it was read in (default: what its attrs record; the label says when
        neither does).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    InvalidParameterError
        `data` is not a pandas DataFrame, is neither a call-log frame nor an `activity_hours`
        result (an `activity` result is of sessions), or a result lacks a column the chart draws.

    See Also
    --------
    dialstats.activity_hours : The table this chart draws.
    best_time_to_call : A rate by weekday and hour.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> hours = ds.activity_hours(calls, tz="America/New_York")
    >>> ax = ds.plot.activity(hours)
    >>> ax.get_title(), ax.get_xlabel()
    ('Dials per active day, by hour of the day', 'Hour of the day (America/New_York time)')
    """
    check_frame(data, "plot.activity")
    if {"hour", "dials_per_active_day"} <= set(data.columns):
        hours, zone = data, _recorded(tz, data, "tz")
        _require(hours, ["dials"], "activity", "activity_hours")
        keys = list(data.columns[: data.columns.get_loc("hour")])
    else:
        if "started_at" not in data.columns:
            takes = "an activity_hours() result or the call-log frame"
            if "first_dial" in data.columns:
                found = "this is an activity() result, of sessions, not hours"
                raise _not_drawn("activity", takes, found, "pass activity_hours()'s result")
            raise _not_drawn("activity", takes, "this frame has neither's columns")
        hours = analysis.activity_hours(data, by, tz=tz)
        zone = hours.attrs["tz"]  # the zone it read the calls in (the frame's when tz is None)
        keys = group_keys(data, by, "plot.activity")
    ax = _axes(ax)
    title = "Dials per active day, by hour of the day"
    if hours.empty or not hours["dials"].any():
        return _no_data(ax, title)
    labels = _labels(hours, keys)
    rows = list(dict.fromkeys(labels))
    table = pd.DataFrame(
        hours["dials_per_active_day"].to_numpy(dtype=float, na_value=np.nan).reshape(len(rows), 24),
        index=rows,
        columns=range(24),
    )
    table = table.where(hours["dials"].to_numpy().reshape(len(rows), 24) > 0)
    table = _trim_empty_hours(table)
    values = table.to_numpy()
    image = _heatmap(ax, values, cmap="Blues")
    ax.set_xticks(range(table.shape[1]), [f"{h:02d}" for h in table.columns])
    ax.set_yticks(range(len(rows)), rows)
    _colorbar(ax, image, "Dials per active day")
    ax.set_xlabel(
        f"Hour of the day ({zone} time)" if zone else "Hour of the day (zone not recorded)"
    )
    ax.set_title(title)
    return ax


def _trend_by_group(
    ax: Axes, result: pd.DataFrame, metric: str, label: str, min_calls: int, highlight: int
) -> Axes:
    from matplotlib.lines import Line2D

    groups = list(result.columns[: result.columns.get_loc("period")])
    entry = CONTRACT.get(metric)
    denominator = entry.denominator if entry is not None else None
    # Calls of no group (no list, say) are a line of their own, "(none)", as in the other charts.
    names = np.array(_labels(result, groups))
    parts = []
    for name in dict.fromkeys(names):
        part = result[names == name]
        parts.append((name, part, float(_values(part, "center")[0])))
    many = len(parts) > _MAX_BANDS
    ranked = sorted(parts, key=lambda item: -np.nan_to_num(item[2], nan=-1.0))
    named = ranked[:highlight] + ranked[len(ranked) - highlight :] if many else ranked
    named = list(dict.fromkeys(name for name, _, _ in named))
    few_shown = False
    for name, part, centre in [p for p in parts if p[0] not in named] + [
        p for name in named for p in parts if p[0] == name
    ]:
        values = _values(part, metric)
        calls = _values(part, denominator) if denominator in part else np.full(len(part), np.inf)
        few = calls < min_calls
        if name in named:
            i = named.index(name)
            color, style, width = PALETTE[i % len(PALETTE)], _STYLES[i // len(PALETTE) % 3], 1.8
            legend = f"{name} ({centre:.1%})" if many else name
        else:
            color, style, width, legend = "#BBBBBB", "-", 0.9, None
        when = part["period"]
        ax.plot(when, np.where(few, np.nan, values), ls=style, lw=width, color=color, label=legend)
        thin = few & (calls > 0)
        if thin.any():
            few_shown = True
            ax.scatter(when[thin], values[thin], facecolors="none", edgecolors=color, zorder=3)
        outside = part["outside"].fillna(False).to_numpy(dtype=bool) & ~few
        if name in named:
            ax.scatter(when[outside], values[outside], color=color, zorder=3)
    handles, texts = ax.get_legend_handles_labels()
    order = [texts.index(f"{name} ({c:.1%})" if many else name) for name, _, c in ranked
             if name in named]  # fmt: skip
    handles, texts = [handles[i] for i in order], [texts[i] for i in order]
    if many:
        rest = len(parts) - len(named)
        plural = f"{_names(groups)}s" if len(groups) == 1 else "groups"
        handles.append(Line2D([], [], color="#BBBBBB", lw=0.9))
        texts.append(f"{rest} other {plural}")
    if few_shown:
        handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec=PALETTE[6]))
        texts.append(f"< {min_calls} calls: no point")
    ax.legend(handles, texts, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    title = f"{label} per period by {_names(groups)}"
    if many:
        title += f": the {highlight} highest and {highlight} lowest in colour"
    ax.set_title(title + "\n(dots: outside its 3-sigma limits)")
    _percent_axis(ax.yaxis)
    _tidy(ax, grid="y")
    return ax


def _trim_empty_hours(table: pd.DataFrame) -> pd.DataFrame:
    """Drop the night hours no one was called at, at either end of the day."""
    called = np.flatnonzero(table.notna().any(axis=0).to_numpy())
    return table.iloc[:, called[0] : called[-1] + 1] if len(called) else table


def _hatch_missing(ax: Axes, values: np.ndarray) -> None:
    """Hatch the heatmap's cells without a value, so none reads as a colour of the scale."""
    from matplotlib.patches import Rectangle

    for row, column in np.argwhere(np.isnan(values)):
        ax.add_patch(
            Rectangle(
                (column - 0.5, row - 0.5),
                1,
                1,
                facecolor=MISSING,
                edgecolor="#A6A6A6",
                hatch="///",
                linewidth=0,
            )
        )

"""Charts of rates and funnels: the dial-to-meeting funnel, answer and connect rates, rate
against volume (the leaderboard's funnel plot)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dialstats import analysis
from dialstats.analysis import METRICS as CONTRACT
from dialstats.analysis import (
    RATES,
    VENDOR_NAMES,
    check_frame,
    choose,
    group_keys,
    stats,
)
from dialstats.analysis import label as _label
from dialstats.errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from dialstats.plot._common import (
    _MAX_BANDS,
    _STYLES,
    CONFIDENCE,
    PALETTE,
    _axes,
    _column_list,
    _confidence,
    _date_axis,
    _grouped_bars,
    _interval,
    _labels,
    _legend,
    _literal_text,
    _lower,
    _names,
    _no_data,
    _pct,
    _percent_axis,
    _rate_cols,
    _rate_of,
    _recorded,
    _require,
    _tidy,
    _values,
)


@_literal_text
def funnel(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | Sequence[str] | None = None,
    stages: object = None,
    confidence: float | None = None,
    sort: str | None = "volume",
) -> Axes:
    """Draw the dial-to-meeting funnel, or each group's conversion from stage to stage.

    Without groups: bars of calls per stage with the share kept at each step. By group: the
    conversion from each stage to the next, with intervals (`confidence`), one row per group
    labelled with its dials.

    Parameters
    ----------
    data : pandas.DataFrame
        A `disposition_funnel` result, or a call-log frame (then `by`, `stages` and
        `confidence` apply).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    by : str or sequence of str, optional
        The columns to group a call-log frame by.
    stages : mapping of str to Stage, optional
        The funnel's stages, as `disposition_funnel` takes them (default: its own).
    confidence : float, optional
        From a call-log frame, the intervals' level (default 0.95). Of a result, the level it
        was computed at (default: the one its attrs record; when neither says, the label says
        the level is unknown).
    sort : {"volume", "rate", "name"} or None, default "volume"
        How the groups are ordered: ``"volume"`` (most dials first), ``"rate"`` (the largest
        share of dials reaching the last stage first), ``"name"``, or None (as `data` lists
        them).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    InvalidParameterError
        `sort` is not one of its choices, or a result lacks a column the chart draws.

    See Also
    --------
    dialstats.disposition_funnel : The table this chart draws.
    answer_rates : The rates alone, with their intervals.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> ds.plot.funnel(calls).get_title()
    'Call funnel: from dial to meeting'
    >>> ds.plot.funnel(calls, by="user_name", sort="rate").get_title()
    'Stage conversion by rep, most reaching meetings (on connected calls) first'
    """
    sort = None if sort is None else choose("sort", sort, ("volume", "rate", "name"))
    if "stage" in data.columns:
        result, level = data, _confidence(confidence, data)
        _require(result, ["count", "rate_from_previous"], "funnel", "disposition_funnel")
    else:
        check_frame(data, "plot.funnel")
        level = CONFIDENCE if confidence is None else confidence
        result = analysis.disposition_funnel(data, by, confidence=level, stages=stages)
    groups = list(result.columns[: result.columns.get_loc("stage")])
    if groups:
        columns = [*_rate_cols("rate_from_previous"), "rate_from_top"]
        _require(result, columns, "funnel", "disposition_funnel")
    ax = _axes(ax)
    if groups:
        frame, series = _stage_columns(result, groups)
        frame, labels = _funnel_rows(frame, result, groups, sort)
        _grouped_bars(ax, frame, series, groups, labels)
        last = result["stage"].cat.categories[-1]
        orders = {"volume": ", most dials first", "rate": f", most reaching {_lower(last)} first"}
        ax.set_title(f"Stage conversion by {_names(groups)}{orders.get(sort or '', '')}")
        ax.set_xlabel(f"Share of the previous stage reached (bars: {_interval(level)})")
        return ax
    names = [_label(stage) for stage in result["stage"].astype(str)]
    counts = result["count"].to_numpy(dtype=float)
    ax.barh(names, counts, color=PALETTE[0])
    ax.invert_yaxis()
    kept = result["rate_from_previous"].to_numpy(dtype=float, na_value=np.nan)
    for position, (count, share) in enumerate(zip(counts, kept, strict=True)):
        note = f"{count:,.0f}" if position == 0 else f"{count:,.0f}  ({_pct(share)} of previous)"
        ax.annotate(note, (count, position), xytext=(4, 0), textcoords="offset points", va="center")
    ax.set_xlim(0, max(counts.max(initial=0), 1) * 1.35)
    ax.set_xlabel("Calls")
    ax.set_title("Call funnel: from dial to meeting")
    _tidy(ax, grid="x")
    return ax


@_literal_text
def answer_rates(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | Sequence[str] | None = None,
    freq: str | None = None,
    rate: str | None = None,
    confidence: float | None = None,
) -> Axes:
    """Draw answer, human-answer and connect rates with their intervals.

    A trend with an interval band when the result has periods (`freq`), else bars with error
    bars, one bar per group.

    Parameters
    ----------
    data : pandas.DataFrame
        A call-log frame (then `by`, `freq` and `confidence` apply) or the result of any
        analysis carrying one of the contract's rates: `answer_rates`,
        `best_time_to_call(wide=False)`, `disposition_funnel` (its stages read as rates of the
        first), `sdr_performance` and the other vendor tables (`connection_rate` is
        `connect_rate`).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    by : str or sequence of str, optional
        The columns to group a call-log frame by.
    freq : str, optional
        The period of a trend drawn from a call-log frame (``"D"``, ``"W"``, ...); None draws
        bars.
    rate : str, optional
        One rate of the contract to draw (default: those of answer_rate, human_rate,
        connect_rate the result has, or connect_rate for a trend by group).
    confidence : float, optional
        The interval level the labels give: from a frame, the level computed at (default
        0.95); of a result, the level it was computed at (default the one its attrs record,
        else words saying it is unknown).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    InvalidParameterError
        `rate` is not a contract rate or the result does not carry it; the result carries none
        of answer_rate, human_rate and connect_rate and `rate` is not given.

    See Also
    --------
    dialstats.answer_rates : The table this chart draws from a call-log frame.
    trend : One rate per period as a p-chart with control limits.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> ds.plot.answer_rates(calls, by="user_name").get_title()
    'Answer and connect rates by rep'
    >>> ds.plot.answer_rates(calls, freq="D", rate="connect_rate").get_title()
    'Connect rate over time'
    """
    if rate is not None:
        rate = choose("rate", rate, RATES)
    result = _rate_table(data)
    if result is None:
        check_frame(data, "plot.answer_rates")
        level = CONFIDENCE if confidence is None else confidence
        result = analysis.answer_rates(data, by, freq=freq, confidence=level)
    else:
        level = _confidence(confidence, result)
    shown = [r for r in _ANSWER_RATES if r in result.columns]
    if rate is not None and rate not in result.columns:
        raise InvalidParameterError(
            "rate", f"the result carries no {rate!r}; it has {', '.join(_carried(result))}"
        )
    if not shown and rate is None:
        raise InvalidParameterError(
            "data",
            f"the result carries none of {', '.join(_ANSWER_RATES)}; pass rate= one of "
            f"{', '.join(_carried(result)) or 'the rates'}",
        )
    for drawn in [rate] if rate else shown:
        _require(result, _rate_cols(drawn), "answer_rates", "answer_rates")
    groups = _group_columns(result)
    ax = _axes(ax)
    dials = result["dials"].sum() if "dials" in result.columns else None
    if result.empty or dials == 0:
        return _no_data(ax, "Answer and connect rates")
    if "period" in result.columns:
        _trend(ax, result, groups, rate, shown, level)
    else:
        rates = [rate] if rate else shown
        _grouped_bars(ax, result, {_label(r): r for r in rates}, groups)
        ax.set_xlabel(f"Share of dials (bars: {_interval(level)})")
        # One bar per group has no legend: then the title names the rate it draws.
        title = _label(rates[0]) if len(rates) == 1 else "Answer and connect rates"
        ax.set_title(title + (f" by {_names(groups)}" if groups else ""))
    return ax


@_literal_text
def rate_vs_volume(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | Sequence[str] | None = None,
    metric: str | None = None,
    adjust_for: str | Sequence[str] | None = None,
    dispersion_scale: float | None = None,
) -> Axes:
    """Draw Spiegelhalter's funnel plot: each group's rate against its dials, with control limits.

    The 95% and 99.8% control limits are drawn around the team's rate. Points outside the
    limits differ by more than chance; inside, a ranking is noise. Limits widen for
    overdispersion when the leaderboard found it. (Not the dial-to-meeting `funnel`.) With
    `adjust_for` each group's rate is its indirectly standardised one (`ratio_to_expected` x the
    team's rate): what it would be on the team's mix of lists.

    Parameters
    ----------
    data : pandas.DataFrame
        A `leaderboard` result, or a call-log frame (then `by`, `metric` and `adjust_for`
        apply).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    by : str or sequence of str, optional
        The groups: from a call-log frame, the columns to group by (default ``"user_name"``);
        of a result, the columns naming its groups (default: the columns before its dials).
    metric : str, optional
        The contract rate. From a call-log frame, default ``"connect_rate"``; of a result, the
        one it was computed with (default: what its attrs record).
    adjust_for : str or sequence of str, optional
        The strata each group's rate is standardised over. Of a result, the ones it was
        computed with (default: what its attrs record).
    dispersion_scale : float, optional
        Of a result, the overdispersion it was computed with (default: what its attrs record);
        a result that records none gets binomial limits, and the title says so.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    InvalidParameterError
        `metric` is not a contract rate, or a result lacks a column the chart draws.

    See Also
    --------
    dialstats.leaderboard : The table this chart draws.
    funnel : The dial-to-meeting funnel.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> board = ds.leaderboard(calls, metric="connect_rate")
    >>> ds.plot.rate_vs_volume(board).get_title()
    'Connect rate against dials by rep'
    """
    if "ratio_to_expected" not in data.columns:
        metric = metric or "connect_rate"
        by = "user_name" if by is None else by
        result = analysis.leaderboard(data, by=by, metric=metric, adjust_for=adjust_for)
        strata, scale = result.attrs["adjust_for"], result.attrs["dispersion_scale"]
    else:
        result = data
        metric = _rate_of(metric, result, "rate_vs_volume", "leaderboard")
        strata = _column_list(_recorded(adjust_for, result, "adjust_for"))
        scale = _recorded(dispersion_scale, result, "dispersion_scale")
    entry = CONTRACT[metric]
    numerator, denominator = entry.numerator, entry.denominator
    columns = [numerator, denominator, metric, "ratio_to_expected"]
    _require(result, columns, "rate_vs_volume", "leaderboard")
    groups = list(result.columns[: result.columns.get_loc(denominator)])
    if by is not None:
        groups = group_keys(result, by, "plot.rate_vs_volume")
    ax = _axes(ax)
    shown = result[result[denominator] > 0]
    title = f"{_label(metric)} against {_lower(denominator)}"
    if shown.empty:
        return _no_data(ax, title)
    n = _values(shown, denominator)
    centre = shown[numerator].sum() / n.sum()
    title += f" by {_names(groups)}" if groups else ""
    if strata:
        rate = _values(shown, "ratio_to_expected") * centre
        title += f", adjusted for {_names(strata)}"
    else:
        rate = _values(shown, metric)
    grid = np.linspace(max(n.min() * 0.8, 1), n.max() * 1.1, 200)
    for confidence, style in ((0.95, "--"), (0.998, ":")):
        z = float(stats.norm.isf((1 - confidence) / 2))
        error = z * np.sqrt((scale or 1.0) * centre * (1 - centre) / grid)
        label = f"{confidence:.1%} limits".replace(".0%", "%")
        ax.plot(grid, np.clip(centre + error, 0, 1), style, color=PALETTE[6], lw=1, label=label)
        ax.plot(grid, np.clip(centre - error, 0, 1), style, color=PALETTE[6], lw=1)
    ax.axhline(centre, color=PALETTE[6], lw=1, alpha=0.6, label=f"Team {_pct(centre)}")
    ax.scatter(n, rate, color=PALETTE[0], zorder=3)
    notes = [
        ax.annotate(label, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=8)
        for label, x, y in zip(_labels(shown, groups), n, rate, strict=True)
    ]
    _percent_axis(ax.yaxis)
    ax.set_xlabel(_label(denominator))
    ax.set_ylabel(_label(metric))
    if scale is None:  # binomial limits may be too narrow: say that they are only that
        title += "\nbinomial limits: the result records no dispersion_scale"
    elif scale > 1:  # say so: the limits are wider than binomial noise alone would draw them
        title += f"\nlimits widened x{np.sqrt(scale):.1f}: weeks vary more than chance"
    ax.set_title(title)
    _legend(ax, outside=True)  # beside the points, so it is never under their names
    _tidy(ax, grid="y")
    _spread_labels(ax, notes)
    return ax


_ANSWER_RATES = ("answer_rate", "human_rate", "connect_rate")
_BOUNDS = ("", "_low", "_high")


def _carried(result: pd.DataFrame) -> list[str]:
    return [r for r in RATES if r in result.columns]


def _rate_table(data: pd.DataFrame) -> pd.DataFrame | None:
    """An analysis result as a table of contract rates (None for a call-log frame): vendor
    names renamed to the contract's, a funnel's stages read as shares of its first stage."""
    if not isinstance(data, pd.DataFrame):
        return None
    if {"stage", "rate_from_top"} <= set(data.columns):
        return _funnel_rates(data)
    names = {
        f"{vendor}{end}": f"{name}{end}"
        for vendor, name in VENDOR_NAMES.items()
        for end in _BOUNDS
        if vendor != name and f"{vendor}{end}" in data.columns and f"{name}{end}" not in data
    }
    table = data.rename(columns=names)
    table.attrs = dict(data.attrs)
    return table if _carried(table) else None


def _funnel_rates(result: pd.DataFrame) -> pd.DataFrame:
    """One row per group; for each stage that is a contract count, the rate of it over the first
    stage (when that is every dial): connected -> connect_rate, with its bounds."""
    groups = list(result.columns[: result.columns.get_loc("stage")])
    top, *later = result["stage"].cat.categories
    position = np.flatnonzero(result["stage"].to_numpy() == top)
    table = result.iloc[position][groups].reset_index(drop=True)
    for rate in RATES:
        entry = CONTRACT[rate]
        if entry.denominator != top or entry.numerator not in later:
            continue
        rows = result[(result["stage"] == entry.numerator).to_numpy()]
        for end in _BOUNDS:
            table[f"{rate}{end}"] = rows[f"rate_from_top{end}"].to_numpy()
    table.attrs = dict(result.attrs)
    return table


def _group_columns(result: pd.DataFrame) -> list[str]:
    """The columns naming a row's group: those before its first count or rate, less the period;
    a rep or list named by `<x>_name` is not also labelled by its id and email."""
    known = {*CONTRACT, *VENDOR_NAMES, *(f"{r}{end}" for r in RATES for end in _BOUNDS)}
    groups = []
    for column in result.columns:
        if column in known:
            break
        if column != "period":
            groups.append(column)
    named = {c[: -len("_name")] for c in groups if c.endswith("_name")}
    return [
        c for c in groups if not (c.endswith(("_id", "_email")) and c.rsplit("_", 1)[0] in named)
    ]


def _stage_columns(result: pd.DataFrame, groups: list[str]) -> tuple[pd.DataFrame, dict]:
    """The funnel by group as one row per group, one rate column (and bounds) per later stage."""
    previous, *later = result["stage"].cat.categories
    wide = result.pivot_table(
        index=groups,
        columns="stage",
        values=_rate_cols("rate_from_previous"),
        observed=False,
        dropna=False,
        sort=False,
    )
    frame = wide.index.to_frame(index=False)
    series = {}
    for stage in later:
        column = f"stage {stage}"
        for suffix, value in zip(
            ("", "_low", "_high"), _rate_cols("rate_from_previous"), strict=True
        ):
            frame[column + suffix] = wide[(value, stage)].to_numpy(dtype=float, na_value=np.nan)
        series[f"{_label(stage)} (of {_lower(previous)})"] = column
        previous = stage
    return frame, series


def _funnel_rows(
    frame: pd.DataFrame, result: pd.DataFrame, groups: list[str], sort: str | None
) -> tuple[pd.DataFrame, list[str]]:
    """The funnel's groups (rows of `_stage_columns`) in `sort` order, and their labels with
    their dials ("Maya Patel (412)")."""
    stages = result["stage"].cat.categories
    keys = pd.MultiIndex.from_frame(frame[groups])

    def per_group(stage: str, column: str) -> np.ndarray:
        rows = result[result["stage"] == stage]
        values = pd.Series(rows[column].to_numpy(dtype=float, na_value=np.nan),
                           index=pd.MultiIndex.from_frame(rows[groups]))  # fmt: skip
        return values.reindex(keys).to_numpy(dtype=float)

    dials = per_group(stages[0], "count")
    if sort == "volume":
        order = np.argsort(-np.nan_to_num(dials, nan=-1), kind="stable")
    elif sort == "rate":
        reached = per_group(stages[-1], "rate_from_top")
        order = np.argsort(-np.nan_to_num(reached, nan=-1), kind="stable")
    elif sort == "name":
        order = np.argsort(np.array(_labels(frame, groups), dtype=object), kind="stable")
    else:
        order = np.arange(len(frame))
    frame = frame.iloc[order].reset_index(drop=True)
    labels = [f"{name} ({n:,.0f})" if not np.isnan(n) else name
              for name, n in zip(_labels(frame, groups), dials[order], strict=True)]  # fmt: skip
    return frame, labels


def _trend(
    ax: Axes,
    result: pd.DataFrame,
    groups: list[str],
    rate: str | None,
    shown: list[str],
    level: float | None,
) -> None:
    # Calls without a time have no place on the time axis: the title counts them instead.
    timeless = result["period"].isna().to_numpy()
    untimed = result[timeless]
    result = result[~timeless]
    if groups:
        rate = rate or ("connect_rate" if "connect_rate" in shown else shown[0])
        labels = np.array(_labels(result, groups))
        lines = [(key, result[labels == key], rate) for key in dict.fromkeys(labels)]
        title = f"{_label(rate)} by {_names(groups)}"
    else:
        rates = [rate] if rate else shown
        lines = [(_label(r), result, r) for r in rates]
        title = f"{_label(rates[0]) if len(rates) == 1 else 'Answer and connect rates'} over time"
    if len(untimed):
        calls = untimed["dials"].sum() if "dials" in untimed.columns else None
        count = "calls" if calls is None else f"{calls:,} call" + ("" if calls == 1 else "s")
        title += f"\n{count} without a time not shown"
    if result.empty:  # no call has a time: nothing for the time axis to show
        _no_data(ax, title)
        return
    # Bands of many lines hide each other: beyond a few, draw the lines alone.
    banded = len(lines) <= _MAX_BANDS
    for position, (name, rows, column) in enumerate(lines):
        color, style = PALETTE[position % len(PALETTE)], _STYLES[position // len(PALETTE) % 3]
        value, low, high = (_values(rows, c) for c in _rate_cols(column))
        when = rows["period"]
        ax.plot(when, value, marker="o", markersize=3, color=color, linestyle=style, label=name)
        if banded:
            ax.fill_between(when, low, high, color=color, alpha=0.18, linewidth=0)
    ax.set_ylim(0, None)
    _percent_axis(ax.yaxis)
    ax.set_ylabel("Share of dials" + (f" (band: {_interval(level)})" if banded else ""))
    ax.set_title(title)
    _legend(ax, outside=len(lines) > _MAX_BANDS)
    _date_axis(ax, result["period"])
    _tidy(ax, grid="y")


# Where a point's name may sit (points right of and above or below the point), nearest first.
_NOTE_OFFSETS = [
    (4, 3 + dy) for step in range(6) for dy in ((-12 * step, 12 * step) if step else (0,))
]
_NOTE_OFFSETS += [(-4, y) for _, y in _NOTE_OFFSETS]


def _spread_labels(ax: Axes, notes: list[Any]) -> None:
    """Move the names of points (annotations offset in points) apart so none overlaps another
    or leaves the axes: from the lowest point up, each takes the nearest offset at which it
    clears the names placed before it (left of its point when none on the right does)."""
    if len(notes) < 2:
        return
    figure = ax.figure
    figure.draw_without_rendering()  # the layout the names are placed in
    renderer = figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed = []
    for note in sorted(notes, key=lambda note: (note.xy[1], note.xy[0])):
        for dx, dy in [*_NOTE_OFFSETS, _NOTE_OFFSETS[0]]:
            note.set_position((dx, dy))
            note.set_horizontalalignment("left" if dx > 0 else "right")
            box = note.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0
            if inside and box.y1 <= frame.y1 and not any(box.overlaps(p) for p in placed):
                break
        placed.append(box)

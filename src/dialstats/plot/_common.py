"""Shared by the charts: colours, axes, percent, duration and date ticks, labels, bars, heatmaps."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dialstats.analysis import RATES, check_confidence, check_freq, choose, period_key
from dialstats.analysis import label as _label
from dialstats.errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _literal_text(chart: Callable[..., Axes]) -> Callable[..., Axes]:
    """`chart` with every text it shows taken literally: names come from the dialer, where a
    rep called "Bo $$" or "A $\\frac{$" would otherwise be read as mathtext (and the second
    would fail the drawing). The chart's axes (every axes of its figure, when it made the
    figure) keep that: a label set on them later takes ``parse_math=True`` to be mathtext."""

    @functools.wraps(chart)
    def draw(*args: Any, **kwargs: Any) -> Axes:
        given = kwargs.get("ax", args[1] if len(args) > 1 else None)
        # (A wrong `ax` is the chart's to refuse, with its own message.)
        before = set(getattr(getattr(given, "figure", None), "axes", ()))
        ax = chart(*args, **kwargs)
        from matplotlib.text import Text

        # The caller's figure: only the axes the chart drew on (a chart may split its `ax`).
        owners = [ax.figure] if given is None else [a for a in ax.figure.axes if a not in before]
        for owner in [*owners, ax]:
            for text in owner.findobj(Text):
                text.set_parse_math(False)
        return ax

    return draw


# Okabe-Ito: distinguishable with every common form of colour blindness.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
MISSING = "#D9D9D9"
_STYLES = ("-", "--", ":")
_MAX_BANDS = 4


def _axes(ax: Axes | None, figsize: tuple[float, float] = (8, 4.5)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


# Log axes of seconds: ticks at durations a manager reads at a glance, the coarse set when the
# axis spans enough of it (at least three ticks), else the finer one.
_DURATION_TICKS = (
    (1, 10, 60, 600, 3600, 36000),
    (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 18000, 36000),
)


def _duration(seconds: float) -> str:
    """A tick's duration in plain words: "30 s", "10 min", "2 h"."""
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def _duration_axis(axis: object) -> None:
    """A log axis of seconds ticked and labelled as durations ("1 s", "10 s", "1 min"): the
    log formatter's ticks are mathtext code, which literal chart text would print as such."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

    low, high = sorted(axis.get_view_interval())
    for candidates in _DURATION_TICKS:
        ticks = [t for t in candidates if low * 0.999 <= t <= high * 1.001]
        if len(ticks) >= 3:
            axis.set_major_locator(FixedLocator(ticks))
            break
    else:
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda seconds, _: _duration(seconds)))
    axis.set_minor_formatter(NullFormatter())


def _percent_axis(axis: object) -> None:
    """An axis of shares ticked at round percents (steps of 1, 2, 2.5 or 5 times a power of
    ten), each labelled with as many decimals as make every label its exact value."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(_exact_percent()())


@functools.cache
def _exact_percent() -> type:
    from matplotlib.ticker import PercentFormatter

    class ExactPercent(PercentFormatter):
        """Fractions as percents: "2.5%", "5.0%", "7.5%" rather than "2%", "5%", "8%"."""

        def __init__(self) -> None:
            super().__init__(xmax=1, decimals=0)

        def set_locs(self, locs: Sequence[float]) -> None:
            super().set_locs(locs)
            values = [value * 100 for value in locs]
            self.decimals = next(
                (
                    decimals
                    for decimals in range(7)
                    if all(abs(round(value, decimals) - value) < 1e-6 for value in values)
                ),
                6,
            )

        def __call__(self, x: float, pos: int | None = None) -> str:
            # + 0.0: a tick a hair below zero reads "0%", never "-0%".
            return f"{round(x * 100, self.decimals) + 0.0:.{self.decimals}f}%"

    return ExactPercent


def _pct(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.0%}" if value >= 0.1 else f"{value:.1%}"


def _lower(name: str) -> str:
    """`name`'s label as it reads mid-sentence: "Dials" -> "dials" (an acronym keeps its case)."""
    text = _label(name)
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _names(columns: Sequence[str]) -> str:
    return ", ".join(_label(c) for c in columns)


def _labels(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    if not columns:
        return ["All calls"] * len(frame)
    parts = frame[list(columns)].astype("string").fillna("(none)")
    return [" / ".join(row) for row in parts.itertuples(index=False, name=None)]


# -- what a result is: given by the caller, else recorded in its attrs, never guessed ---------
# pandas documents DataFrame.attrs as experimental: a merge, a concat of differing results or
# a hand-made table drops them, and a copy made from another result keeps that result's. So a
# chart reads its metadata from its arguments, takes attrs only as their default, checks the
# columns it draws up front, and says so when the interval level is known to neither.

# The analyses' own default interval level, for a chart that runs its analysis itself.
CONFIDENCE = 0.95


def _confidence(given: float | None, result: pd.DataFrame) -> float | None:
    """The level `result`'s intervals were computed at: `given`, else the one its attrs
    record; None when neither says."""
    if given is not None:
        return check_confidence(given)
    recorded = result.attrs.get("confidence")
    if isinstance(recorded, bool) or not isinstance(recorded, int | float):
        return None
    return float(recorded) if 0 < recorded < 1 else None


def _interval(confidence: float | None, *, plural: bool = False) -> str:
    """ "95% interval", or words saying the level is not known (never a default level)."""
    noun = "intervals" if plural else "interval"
    if confidence is None:
        return f"{noun} of unrecorded level (pass confidence=)"
    return f"{confidence * 100:g}% {noun}"


def _recorded(given: object, result: pd.DataFrame, key: str) -> Any:
    """`given` when not None, else `result.attrs[key]` (None when it has none)."""
    return given if given is not None else result.attrs.get(key)


def _column_list(names: str | Sequence[str] | None) -> list[str]:
    """Column names as a list: one name, several, or none (None)."""
    return [] if names is None else [names] if isinstance(names, str) else list(names)


def _rate_of(given: str | None, result: pd.DataFrame, chart: str, analysis: str) -> str:
    """The contract rate `result` holds: `given`, else its attrs' ``metric``, else the one
    contract rate among its columns; an error naming `metric=` when none of them says."""
    name = _recorded(given, result, "metric")
    if name is None:
        carried = [rate for rate in RATES if rate in result.columns]
        if len(carried) != 1:
            found = ", ".join(carried) if carried else "none"
            raise InvalidParameterError(
                "metric",
                f"plot.{chart}() cannot tell which rate this {analysis}() result holds (it "
                f"records no metric; contract rates among its columns: {found}); pass metric=",
            )
        name = carried[0]
    return choose("metric", name, RATES)


def _require(result: pd.DataFrame, columns: Iterable[str], chart: str, analysis: str) -> None:
    """Each of `columns` is in `result`: else an error naming the first missing one and the
    analysis whose result has it."""
    for column in columns:
        if column not in result.columns:
            raise InvalidParameterError(
                "data",
                f"plot.{chart}() needs column {column!r}, which a {analysis}() result has and "
                "this one lacks; pass the analysis result unchanged (or the call-log frame)",
            )


def _rate_cols(rate: str) -> list[str]:
    return [rate, f"{rate}_low", f"{rate}_high"]


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


def _grouped_bars(
    ax: Axes,
    frame: pd.DataFrame,
    series: dict[str, str],
    groups: list[str],
    labels: list[str] | None = None,
    *,
    colors: Sequence[str] = PALETTE,
    outside: bool = True,
) -> None:
    """Horizontal bars with Wilson error bars: a row per group, a bar per series (rate column),
    coloured in turn by `colors`, named by a legend (beside the axes when `outside`) when more
    than one.

    A missing rate (NA: nothing to divide by) has no bar but an "n/a" where it would start (one
    for a row's run of them), so it never reads as 0%. A series whose bounds are not among the
    columns has no error bars."""
    labels = _labels(frame, groups) if labels is None else labels
    y = np.arange(len(labels))
    height = 0.8 / max(len(series), 1)
    missing = np.zeros((len(labels), len(series)), dtype=bool)
    for position, (name, rate) in enumerate(series.items()):
        value = _values(frame, rate)
        missing[:, position] = np.isnan(value)
        error = None
        if {f"{rate}_low", f"{rate}_high"} <= set(frame.columns):
            low, high = _values(frame, f"{rate}_low"), _values(frame, f"{rate}_high")
            error = np.nan_to_num(np.vstack([value - low, high - value]))
        ax.barh(
            y + (position - (len(series) - 1) / 2) * height,
            np.where(missing[:, position], 0.0, value),
            height=height,
            xerr=error,
            color=colors[position % len(colors)],
            label=name,
            error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 0.8},
        )
    for row, gaps in enumerate(missing):
        # Each run of missing bars in a row gets one "n/a", at its middle: thin bars side by
        # side have no room for one label each.
        positions = np.flatnonzero(gaps)
        for run in np.split(positions, np.flatnonzero(np.diff(positions) > 1) + 1):
            if run.size:
                _not_available(ax, row + (run.mean() - (len(series) - 1) / 2) * height)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, None)
    _percent_axis(ax.xaxis)
    if len(series) > 1:
        _legend(ax, outside=outside)
    _tidy(ax, grid="x")


def _not_available(ax: Axes, y: float) -> None:
    """ "n/a" at the foot of a horizontal bar whose rate is missing (no bar is drawn)."""
    ax.annotate(
        "n/a",
        (0, y),
        xytext=(3, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=8,
        color="#555555",
    )


def _no_data(ax: Axes, title: str) -> Axes:
    """An empty chart that says so, rather than an error or a blank square."""
    ax.text(0.5, 0.5, "No calls to show", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _not_drawn(
    chart: str,
    takes: str,
    found: str,
    fix: str = "pass the analysis result unchanged (or the call-log frame)",
) -> InvalidParameterError:
    """The error for a frame `chart` does not draw: what it takes, what `data` is, what to do."""
    return InvalidParameterError("data", f"plot.{chart}() draws {takes}; {found}: {fix}")


# -- time axes ---------------------------------------------------------------------------------

# ConciseDateFormatter's levels (years, months, days, hours, minutes, seconds). Ticks at the
# periods need not fall on a month's first day, where the concise default names the month: so
# each day names its month ("09 Aug"), and the year (or the day of hours) is said once at the
# axis' end.
_DATE_FORMATS = {
    "formats": ["%Y", "%b", "%d %b", "%H:%M", "%H:%M", "%S.%f"],
    "zero_formats": ["", "%Y", "%d %b", "%d %b", "%H:%M", "%H:%M"],
    "offset_formats": ["", "%Y", "%Y", "%d %b %Y", "%d %b %Y", "%d %b %Y %H:%M"],
}
# The room a date label takes, in widths of its font size ("09 Aug" is about 3.5).
_DATE_LABEL_EMS = 4.5


def _date_axis(ax: Axes, periods: pd.Series) -> None:
    """Tick a time axis at its periods, at every one that fits (else every second, third...),
    each labelled as finely as the dates differ: hours "09:00", days "09 Aug", months "Aug",
    years "2026", read in the periods' own zone."""
    import matplotlib.dates as mdates

    when = pd.DatetimeIndex(periods.dropna().unique()).sort_values()
    if when.empty:
        return
    zone = when.tz
    locator = _period_locator()(mdates.date2num(when.to_pydatetime()))
    ax.xaxis.set_major_locator(locator)
    if len(when) == 1:
        # One tick gives the concise formatter no spacing to read a scale from (it would say
        # "00:00"): the date in full, and the time only when the period starts within a day.
        midnight = when[0] == when[0].normalize()
        formatter = mdates.DateFormatter("%d %b %Y" if midnight else "%d %b %Y %H:%M", tz=zone)
        ax.xaxis.set_major_formatter(formatter)
        return
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=zone, **_DATE_FORMATS))


@functools.cache
def _period_locator() -> type:
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import Locator

    class PeriodLocator(Locator):
        """Ticks at given periods: each of them when their labels fit the axis' length as it
        is drawn (in a grid too), else every k-th, k as small as fits."""

        def __init__(self, values: np.ndarray) -> None:
            self.values = np.asarray(values, dtype=float)

        def __call__(self) -> np.ndarray:
            size = FontProperties(size=mpl.rcParams["xtick.labelsize"]).get_size_in_points()
            axes = self.axis.axes
            length = axes.bbox.width * 72 / axes.figure.dpi
            fit = max(int(length // (size * _DATE_LABEL_EMS)), 1)
            return self.values[:: -(-len(self.values) // fit)]

        def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
            return self.values

    return PeriodLocator


def _complete_periods(data: pd.DataFrame, freq: object) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """The calls of `data` less those of a first or last period of `freq` the calls do not
    cover (the first call after the period's first day, the last call before its last day),
    and the labels of the periods left out. Periods shorter than a day, a frame of one period
    and other engines' frames are kept whole."""
    from pandas.tseries.offsets import Tick

    if not isinstance(data, pd.DataFrame) or "started_at" not in data.columns:
        return data, []
    offset = check_freq(freq)
    if isinstance(offset, Tick) or not pd.api.types.is_datetime64_any_dtype(data["started_at"]):
        return data, []
    periods = period_key(data["started_at"], freq)
    labels = periods.cat.categories
    if len(labels) < 2:
        return data, []
    day = pd.Timedelta(days=1)
    right = pd.Grouper(freq=offset).closed == "right"  # weeks, month ends: labelled by their end

    def first_day(label: pd.Timestamp) -> object:
        return ((label - offset) + day).date() if right else label.date()

    def last_day(label: pd.Timestamp) -> object:
        return label.date() if right else ((label + offset) - day).date()

    times = data["started_at"].dropna()
    partial = []
    if times.min().date() > first_day(labels[0]):
        partial.append(labels[0])
    if times.max().date() < last_day(labels[-1]):
        partial.append(labels[-1])
    if not partial:
        return data, []
    return data[~periods.isin(partial).to_numpy()], partial


def _left_out(partial: Sequence[pd.Timestamp]) -> str:
    """The title's note on the partial periods left out ("" when none was)."""
    return f"partial period left out: {', '.join(f'{p:%d %b}' for p in partial)}" if partial else ""


def _legend(ax: Axes, *, outside: bool, title: str | None = None) -> None:
    if outside:
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), title=title)
    else:
        ax.legend(frameon=False, title=title)


def _heatmap(ax: Axes, values: np.ndarray, cmap: str) -> object:
    import matplotlib as mpl

    colors = mpl.colormaps[cmap].with_extremes(bad=MISSING)
    return ax.imshow(np.ma.masked_invalid(values), cmap=colors, aspect="auto")


def _annotate(ax: Axes, values: np.ndarray, image: object, *, percent: bool = True) -> None:
    """Write each cell's value in it, dark on light cells and light on dark ones."""
    for (row, column), value in np.ndenumerate(values):
        if np.isnan(value):
            continue
        red, green, blue, _ = image.cmap(image.norm(value))
        light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
        text = f"{value:.0%}" if percent else f"{value:,.0f}"
        ax.text(
            column,
            row,
            text,
            ha="center",
            va="center",
            fontsize=9,
            color="black" if light else "white",
        )


def _colorbar(ax: Axes, image: object, label: str, *, percent: bool = False) -> None:
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.9)
    bar.set_label(label)
    if percent or label.startswith("Share"):
        _percent_axis(bar.ax.yaxis)


def _tidy(ax: Axes, grid: str) -> None:
    ax.grid(axis=grid, alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

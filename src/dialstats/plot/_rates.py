"""Charts a sales manager can read without explanation, drawn with matplotlib.

Each function takes the matching analysis result or the raw call-log frame (then runs the
analysis itself), draws on `ax` (a new figure when None) and returns the Axes.

>>> import dialstats as ds
>>> df = ds.read_call_logs(demo=True)
>>> ds.plot.funnel(df)  # doctest: +SKIP
>>> df.calls.plot.best_time_to_call(min_dials=10)  # doctest: +SKIP

matplotlib is imported on first use, so ``import dialstats`` stays quick.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dialstats import analysis
from dialstats.analysis import _flags as analysis_flags
from dialstats.analysis._choices import choose
from dialstats.analysis._metrics import METRICS as CONTRACT
from dialstats.analysis._metrics import RATES, VENDOR_NAMES
from dialstats.analysis._metrics import label as _label
from dialstats.analysis._numbers import outbound
from dialstats.analysis._periods import check_freq, period_key
from dialstats.analysis._scipy import stats
from dialstats.analysis._talk import THRESHOLDS, check_thresholds
from dialstats.analysis._validate import check_choice, check_columns, check_frame, group_keys
from dialstats.errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "activity",
    "answer_rates",
    "attempt_curve",
    "best_time_to_call",
    "double_dial",
    "durations",
    "funnel",
    "local_presence",
    "machine_detection",
    "number_health",
    "rate_vs_volume",
    "talk_time",
    "trend",
]


def __dir__() -> list[str]:
    # The charts, not the helpers and modules this one imports (np, pd, check_frame, ...).
    return sorted(__all__)


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
ANSWERED_BY_COLORS = {"human": "#0072B2", "machine": "#E69F00", "unknown": "#999999"}
CATEGORY_COLORS = {
    "positive": "#009E73",
    "negative": "#D55E00",
    "neutral": "#56B4E9",
    "not_answered": "#E69F00",
    "cancelled": "#999999",
    "unknown": MISSING,
}
# Who answered (answered_by values), as the machine-detection charts name them; every other
# name a chart shows (metrics, stages, group columns) is read through the contract's `label`.
ANSWERERS = {
    "human": "Person",
    "machine": "Machine",
    "machine_start": "Machine (start)",
    "machine_end_beep": "Machine (beep)",
    "machine_end_silence": "Machine (silence)",
    "machine_end_other": "Machine (other)",
    "fax": "Fax",
    "unknown": "Unknown (AMD)",
    "missing": "Not recorded",
}
_STYLES = ("-", "--", ":")
_MAX_PERIOD_TICKS = 16
_MAX_BANDS = 4
_MACHINE_RATES = (
    "machine_rate",
    "amd_false_positive_rate",
    "amd_false_negative_rate",
    "amd_suspected_false_positive_rate",
    "amd_suspected_false_negative_rate",
)


@_literal_text
def funnel(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | Sequence[str] | None = None,
    stages: object = None,
    confidence: float = 0.95,
    sort: str | None = "volume",
) -> Axes:
    """The dial-to-meeting funnel: bars of calls per stage with the share kept at each step;
    by group, the conversion from each stage to the next, with intervals (`confidence`), one
    row per group labelled with its dials.

    `data`: a `disposition_funnel` result or a call-log frame (`by`, `stages`, `confidence`
    then apply). `sort` orders the groups: ``"volume"`` (most dials first), ``"rate"`` (the
    largest share of dials reaching the last stage first), ``"name"``, or None (as `data`
    lists them).

    >>> ax = ds.plot.funnel(calls, by="user_name", sort="rate")  # doctest: +SKIP
    """
    sort = None if sort is None else choose("sort", sort, ("volume", "rate", "name"))
    if "stage" in data.columns:
        result = data
    else:
        check_frame(data, "plot.funnel")
        result = analysis.disposition_funnel(data, by, stages, confidence=confidence)
    groups = list(result.columns[: result.columns.get_loc("stage")])
    ax = _axes(ax)
    if groups:
        frame, series = _stage_columns(result, groups)
        frame, labels = _funnel_rows(frame, result, groups, sort)
        _grouped_bars(ax, frame, series, groups, labels)
        last = result["stage"].cat.categories[-1]
        orders = {"volume": ", most dials first", "rate": f", most reaching {_lower(last)} first"}
        ax.set_title(f"Stage conversion by {_names(groups)}{orders.get(sort or '', '')}")
        ax.set_xlabel(f"Share of the previous stage reached (bars: {_level(result)} interval)")
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
    confidence: float = 0.95,
) -> Axes:
    """Answer, human-answer and connect rates with their intervals: a trend with an interval
    band when the result has periods (`freq`), else bars with error bars, one bar per group.

    `data`: a call-log frame (`by`, `freq`, `confidence` then apply) or the result of any
    analysis carrying one of the contract's rates: `answer_rates`, `best_time_to_call(wide=False)`,
    `disposition_funnel` (its stages read as rates of the first), `sdr_performance` and the other
    vendor tables (`connection_rate` is `connect_rate`). `rate` picks one rate of the contract
    (default: those of answer_rate, human_rate, connect_rate the result has, or connect_rate for a
    trend by group). Labels give the result's interval level.
    """
    if rate is not None:
        check_choice("rate", rate, RATES)
    result = _rate_table(data)
    if result is None:
        check_frame(data, "plot.answer_rates")
        result = analysis.answer_rates(data, by, freq, confidence=confidence)
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
    groups = _group_columns(result)
    level = _level(result)
    ax = _axes(ax)
    if result.empty:
        return _no_data(ax, "Answer and connect rates")
    if "period" in result.columns:
        _trend(ax, result, groups, rate, shown, level)
    else:
        rates = [rate] if rate else shown
        _grouped_bars(ax, result, {_label(r): r for r in rates}, groups)
        ax.set_xlabel(f"Share of dials (bars: {level} interval)")
        # One bar per group has no legend: then the title names the rate it draws.
        title = _label(rates[0]) if len(rates) == 1 else "Answer and connect rates"
        ax.set_title(title + (f" by {_names(groups)}" if groups else ""))
    return ax


@_literal_text
def best_time_to_call(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    tz: str = "contact",
    metric: str = "connect_rate",
    min_dials: int = 30,
    view: str = "smoothed",
) -> Axes:
    """Heatmap of a rate by weekday x local hour, each cell annotated; hatched grey = no
    estimate.

    `view="smoothed"` (the default) shows each cell shrunk toward a weekday + hour model, which
    a second sample would largely repeat; `"raw"` shows the cells' own rates. Either way only
    cells of at least `min_dials` dials are painted (the rest are hatched grey, as the x label
    says), and the colour scale spans the painted cells alone. The subtitle gives the split-half rank correlation of the view.
    `data`: a `best_time_to_call` table (wide: shown as it is; tidy: `view` applies) or a
    call-log frame (`tz`, `metric`, `min_dials` apply).
    """
    view = choose("view", view, ("smoothed", "raw"))
    if data.index.name == "weekday":
        table, view = data, "raw"
    else:
        tidy = data
        if "weekday" not in data.columns:
            with warnings.catch_warnings():
                # The subtitle says how many calls had no known zone.
                warnings.filterwarnings("ignore", "best_time_to_call", UserWarning)
                tidy = analysis.best_time_to_call(
                    data, tz=tz, metric=metric, min_dials=min_dials, wide=False
                )
        metric = tidy.attrs.get("metric", metric)
        column = metric if view == "raw" else f"{metric}_smoothed"
        table = tidy.pivot(index="weekday", columns="hour", values=column).astype("Float64")
        if "dials" in tidy.columns:
            # Only cells of min_dials or more are painted: a smoothed cell of one dial is the
            # model's guess, not a finding, and would set the colour scale (and look hottest).
            dials = tidy.pivot(index="weekday", columns="hour", values="dials")
            enough = dials.reindex_like(table).fillna(0).to_numpy(dtype=float) >= (
                tidy.attrs.get("min_dials", min_dials)
            )
            table = table.where(enough)
        table.attrs = dict(tidy.attrs)
    metric = table.attrs.get("metric", metric)
    table = _trim_empty_hours(table)
    # Weekdays no one dialled (a team that rests at weekends) would be rows of grey.
    table = table[table.notna().any(axis=1).to_numpy()] if table.notna().any(axis=None) else table
    values = table.to_numpy(dtype=float, na_value=np.nan)
    ax = _axes(ax, figsize=(12, 0.75 * len(table) + 1.8))
    image = _heatmap(ax, values, cmap="viridis")
    if np.isfinite(values).any():  # the colours span the painted cells only
        image.set_clim(np.nanmin(values), np.nanmax(values))
    _annotate(ax, values, image)
    _hatch_missing(ax, values)
    ax.set_xticks(range(values.shape[1]), [str(h) for h in table.columns])
    ax.set_yticks(range(values.shape[0]), [str(d)[:3] for d in table.index])
    zone = table.attrs.get("tz", tz)
    where = "the contact's local time" if zone == "contact" else zone
    least = table.attrs.get("min_dials", min_dials)
    missing = "no estimate" if data.index.name == "weekday" else f"< {least} dials"
    ax.set_xlabel(f"Hour of day ({where})\nhatched grey: {missing}")
    ax.set_ylabel("")
    label = _label(metric)
    if view == "raw":
        title = f"{label} by weekday and hour (grey: < {least} dials)"
    else:
        title = f"{label} by weekday and hour, smoothed toward weekday + hour"
    reliability = table.attrs.get("reliability")
    if reliability is not None and view in reliability:
        agreement = reliability[view]["rank_correlation"]
        title += f"\nsplit-half rank correlation {agreement:.2f}" if pd.notna(agreement) else ""
    unknown = table.attrs.get("unknown_zone_calls", 0)
    if unknown:
        title += f"\n{unknown:,} calls left out: contact time zone unknown"
    ax.set_title(title)
    _colorbar(ax, image, label, percent=True)  # the title's words, not another name
    return ax


@_literal_text
def rate_vs_volume(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | Sequence[str] = "user_name",
    metric: str = "connect_rate",
    adjust_for: str | Sequence[str] | None = None,
) -> Axes:
    """Spiegelhalter's funnel plot: each group's rate against its dials, with the 95% and
    99.8% control limits around the team's rate. Points outside the limits differ by more
    than chance; inside, a ranking is noise. Limits widen for overdispersion when the
    leaderboard found it. (Not the dial-to-meeting `funnel`.) With `adjust_for` each group's
    rate is its indirectly standardised one (`ratio_to_expected` x the team's rate): what it
    would be on the team's mix of lists.

    `data`: a `leaderboard` result or a call-log frame (`by`, `metric`, `adjust_for` apply).
    """
    result = data
    if "ratio_to_expected" not in data.columns:
        result = analysis.leaderboard(data, by=by, metric=metric, adjust_for=adjust_for)
    metric = result.attrs.get("metric", metric)
    numerator = result.attrs.get("numerator", metric)
    denominator = result.attrs.get("denominator", "dials")
    groups = result.attrs.get("by", [by] if isinstance(by, str) else list(by))
    ax = _axes(ax)
    shown = result[result[denominator] > 0]
    title = f"{_label(metric)} against {_lower(denominator)}"
    if shown.empty:
        return _no_data(ax, title)
    n = _values(shown, denominator)
    centre = shown[numerator].sum() / n.sum()
    strata = result.attrs.get("adjust_for", [])
    title += f" by {_names(groups)}" if groups else ""
    if strata:
        rate = _values(shown, "ratio_to_expected") * centre
        title += f", adjusted for {_names(strata)}"
    else:
        rate = _values(shown, metric)
    scale = result.attrs.get("dispersion_scale", 1.0)
    grid = np.linspace(max(n.min() * 0.8, 1), n.max() * 1.1, 200)
    for confidence, style in ((0.95, "--"), (0.998, ":")):
        z = float(stats.norm.isf((1 - confidence) / 2))
        error = z * np.sqrt(scale * centre * (1 - centre) / grid)
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
    if scale > 1:  # say so: the limits are wider than binomial noise alone would draw them
        title += f"\nlimits widened x{np.sqrt(scale):.1f}: weeks vary more than chance"
    ax.set_title(title)
    _legend(ax, outside=True)  # beside the points, so it is never under their names
    _tidy(ax, grid="y")
    _spread_labels(ax, notes)
    return ax


@_literal_text
def trend(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    metric: str = "connect_rate",
    freq: str = "W",
    by: str | Sequence[str] | None = None,
    min_calls: int = 20,
    highlight: int = 2,
) -> Axes:
    """p-chart: the rate per period with its centre line and 3-sigma control limits; points
    outside the limits are marked. With groups (`by=`, or a `trend(by=...)` result), one line
    per group, its points outside its own limits marked (the limits themselves are left out);
    beyond four groups, the `highlight` highest and as many lowest (by the group's rate over
    all periods shown) are drawn in colour and named, the others thin and grey, so the
    extremes read and the rest show the spread. A group's period of fewer than `min_calls`
    calls (the rate's denominator) is no point of its line: a hollow marker shows it.

    `data`: a `trend` result or a call-log frame (`metric`, `freq`, `by` apply). From a frame,
    a first or last period the calls do not cover (the first call after its first day, the
    last before its last day) is left out, as the report leaves out partial weeks; the title
    says so.

    >>> ds.plot.trend(df, metric="connect_rate", by="user_name")  # doctest: +SKIP
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
    else:
        data, partial = _complete_periods(data, freq)
        result = analysis.trend(data, metric, freq, by)
    metric = result.attrs.get("metric", metric)
    label = _label(metric)
    ax = _axes(ax)
    if result.empty:
        return _no_data(ax, f"{label} per period")
    left_out = f"\npartial period left out: {', '.join(f'{p:%d %b}' for p in partial)}"
    left_out = left_out if partial else ""
    if result.columns[0] != "period":
        _trend_by_group(ax, result, metric, label, min_calls, highlight)
        ax.set_title(ax.get_title().removesuffix(")") + left_out.replace("\n", "; ") + ")")
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
    summary = result.attrs.get("trend") or []
    title = f"{label} per period"
    if len(summary) == 1 and summary[0]["p_value"] is not None:
        title += f" (trend test p = {summary[0]['p_value']:.2g})"
    ax.set_title(title + left_out)
    _percent_axis(ax.yaxis)
    _legend(ax, outside=True)
    _tidy(ax, grid="y")
    return ax


@_literal_text
def machine_detection(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    kind: str = "matrix",
    normalize: bool | str = "index",
    by: str | Sequence[str] | None = None,
) -> Axes:
    """Who answered vs how the call ended: a heatmap (`kind="matrix"`) or stacked bars
    (`kind="bars"`) of disposition categories per answerer. Given a `machine_detection` result,
    or `by=` with a call-log frame, two panels on their own scales: the machine rate per group
    (returned, titled), and beside it (``ax.figure.axes``) the AMD audit's error rates as lower
    bounds, with intervals, named by its legend; a single `ax` is split in two.

    `data`: a call-log frame, a `machine_detection_matrix` or a `machine_detection` result.

    >>> ds.plot.machine_detection(df, by="user_name")  # doctest: +SKIP
    """
    check_choice("kind", kind, ["matrix", "bars"])
    if by is not None:
        if "machine_rate" in data.columns or data.columns.name == "disposition_category":
            raise InvalidParameterError(
                "by", "by= groups a call-log frame; this is already a result (drop by=)"
            )
        data = analysis.machine_detection(data, by=by)
    if "machine_rate" in data.columns:
        groups = list(data.columns[: data.columns.get_loc("dials")])
        left, right = _two_panels(ax)
        _grouped_bars(left, data, {_label("machine_rate"): "machine_rate"}, groups)
        left.set_xlabel(f"Share of answered calls\n(bars: {_level(data)} interval)")
        left.set_title("Answered by a machine")
        errors = [r for r in _MACHINE_RATES[1:] if r in data.columns][:2]
        _grouped_bars(right, data, {_label(r): r for r in errors}, groups)
        right.tick_params(labelleft=False)
        right.set_xlabel("Share of calls, at least")
        # The panel is named by its legend, not a title: a title set on the returned Axes
        # (the left one) has the space above both panels to itself.
        if errors:
            title = "AMD errors: lower bounds\nfrom dispositions, durations\nand transcripts"
            _legend(right, outside=True, title=title)
        return left
    ax = _axes(ax)
    if data.columns.name == "disposition_category":
        matrix = data
    else:
        matrix = analysis.machine_detection_matrix(data, normalize=normalize)
    values = matrix.to_numpy(dtype=float, na_value=np.nan)
    shares = not pd.api.types.is_integer_dtype(matrix.dtypes.iloc[0])
    rows = [ANSWERERS.get(str(r), str(r)) for r in matrix.index]
    columns = [str(c).replace("_", " ") for c in matrix.columns]
    if kind == "matrix":
        image = _heatmap(ax, values, cmap="Blues")
        _annotate(ax, values, image, percent=shares)
        ax.set_xticks(range(len(columns)), columns)
        ax.set_yticks(range(len(rows)), rows)
        _colorbar(ax, image, "Share" if shares else "Calls")
    else:
        _stacked(ax, matrix, rows)
    ax.set_xlabel("Disposition category" if kind == "matrix" else "Share of answered calls")
    ax.set_title("How calls ended, by who answered")
    return ax


@_literal_text
def durations(data: pd.DataFrame, ax: Axes | None = None, *, bins: int = 40) -> Axes:
    """Distribution of call durations by who answered (person / machine), log scale, with the
    medians marked. Zero-length calls cannot sit on a log axis; the legend counts them.
    """
    check_frame(data, "plot.durations")
    check_columns(data, {"duration": "number", "answered_by": "text"}, "plot.durations")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise InvalidParameterError("bins", f"bins must be a whole number >= 1; got {bins!r}")
    seconds = data["duration"].to_numpy(dtype=float, na_value=np.nan)
    who = {
        "human": data["answered_by"].eq("human").to_numpy(dtype=bool, na_value=False),
        "machine": analysis_flags.is_machine(data["answered_by"]),
    }
    positive = seconds[seconds > 0]
    top = positive.max() if positive.size else 10.0
    edges = np.logspace(0, np.log10(max(top, 10.0)), bins + 1)
    ax = _axes(ax)
    for name, mask in who.items():
        mine = seconds[mask]
        mine = mine[~np.isnan(mine)]
        shown = mine[mine > 0]
        zeros = mine.size - shown.size
        label = (
            f"{ANSWERERS[name]} ({mine.size:,} calls"
            + (f", {zeros:,} at 0 s" if zeros else "")
            + ")"
        )
        color = ANSWERED_BY_COLORS[name]
        ax.hist(shown, bins=edges, histtype="stepfilled", alpha=0.35, color=color, label=label)
        ax.hist(shown, bins=edges, histtype="step", color=color, linewidth=1.2)
        if shown.size:
            median = float(np.median(mine))
            ax.axvline(
                median, color=color, linestyle="--", linewidth=1, label=f"median {median:.0f} s"
            )
    ax.set_xscale("log")
    _duration_axis(ax.xaxis)
    ax.set_xlabel("Call duration (log scale)")
    ax.set_ylabel("Calls")
    ax.set_title("How long calls last, by who answered")
    ax.legend(frameon=False)
    _tidy(ax, grid="y")
    return ax


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


# -- helpers -------------------------------------------------------------------------------


@_literal_text
def attempt_curve(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    metric: str = "connect_rate",
    max_attempt: int = 10,
) -> Axes:
    """The rate per attempt number with its interval band (left axis) and the share of contacts
    reached by each attempt (right axis, Kaplan-Meier with its band). `data`: an
    `attempt_curve` result or a call-log frame. Returns the left Axes.
    """
    if "reached_share" in data.columns:
        result = data
    else:
        result = analysis.attempt_curve(data, metric, max_attempt)
    metric = result.attrs.get("metric", metric)
    label = _label(metric)
    title = f"{label} by attempt, and contacts reached"
    ax = _axes(ax)
    if result.empty:
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
    level = result.attrs.get("confidence", 0.95)
    ax.set_title(f"{title} ({level:.0%} intervals)")
    return ax


@_literal_text
def double_dial(data: pd.DataFrame, ax: Axes | None = None, *, within: str = "5min") -> Axes:
    """Rates of redials within `within` of a no-answer against later redials, with intervals.
    `data`: a `double_dial` result or a call-log frame."""
    result = data if "double_dial_rate" in data.columns else analysis.double_dial(data, within)
    within = result.attrs.get("within", within)
    title = f"Redial after a no-answer: within {within} vs later"
    ax = _axes(ax)
    if (
        result.empty
        or int(result["double_dials"].iloc[0]) + int(result["later_dials"].iloc[0]) == 0
    ):
        return _no_data(ax, title)
    y = np.arange(len(result))
    height = 0.38
    for offset, prefix, count, name, color in (
        (-height / 2, "double_dial", "double_dials", f"Within {within}", PALETTE[3]),
        (height / 2, "later", "later_dials", "Later", PALETTE[0]),
    ):
        rate = _values(result, prefix + "_rate")
        errors = np.abs(
            np.vstack(
                [
                    rate - _values(result, prefix + "_rate_low"),
                    _values(result, prefix + "_rate_high") - rate,
                ]
            )
        )
        dials = int(result[count].iloc[0])
        ax.barh(
            y + offset, np.nan_to_num(rate), height, xerr=np.nan_to_num(errors), color=color,
            label=f"{name} ({dials:,} dials)", capsize=3,
        )  # fmt: skip
    ax.set_yticks(y, [_label(m) for m in result["metric"]])
    ax.invert_yaxis()
    _percent_axis(ax.xaxis)
    ax.set_xlabel("Share of redials")
    _legend(ax, outside=False)
    _tidy(ax, grid="x")
    ax.set_title(title)
    return ax


def _two_panels(ax: object) -> tuple[Axes, Axes]:
    """Two side-by-side Axes sharing the y axis: new ones, the pair given, or `ax` split."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True, layout="constrained")
        return left, right
    if isinstance(ax, Sequence) and len(ax) == 2:
        return ax[0], ax[1]
    spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
    if spec is None:
        raise InvalidParameterError(
            "ax", "ax must be None, a pair of Axes, or one subplot Axes (to split in two)"
        )
    figure = ax.figure
    ax.remove()
    cells = spec.subgridspec(1, 2)
    left = figure.add_subplot(cells[0])
    return left, figure.add_subplot(cells[1], sharey=left)


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
    connected = analysis_flags.compute(data, ["connected"], "plot.talk_time")["connected"]
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


@_literal_text
def activity(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | Sequence[str] | None = "user_name",
    idle: str = "30min",
    tz: str | None = None,
) -> Axes:
    """Pacing by hour of day: a heatmap of dials per active day, a row per group (rep), a
    column per local hour (night hours nobody dialled are trimmed).

    `data`: a call-log frame (`by`, `idle`, `tz` as in `activity`) or an
    `activity(..., table="hours")` result.
    """
    check_frame(data, "plot.activity")
    if {"hour", "dials_per_active_day"} <= set(data.columns):
        hours = data
        keys = list(data.columns[: data.columns.get_loc("hour")])
    else:
        hours = analysis.activity(data, by=by, idle=idle, tz=tz, table="hours")
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
    ax.set_xlabel(f"Hour of the day ({hours.attrs.get('tz', 'local')} time)")
    ax.set_title(title)
    return ax


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


def _trend_by_group(
    ax: Axes, result: pd.DataFrame, metric: str, label: str, min_calls: int, highlight: int
) -> Axes:
    from matplotlib.lines import Line2D

    groups = list(result.columns[: result.columns.get_loc("period")])
    entry = CONTRACT.get(metric)
    denominator = entry.denominator if entry is not None else None
    parts = []
    for key, part in result.groupby(groups, sort=False, observed=True):
        name = ", ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
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


_ANSWER_RATES = ("answer_rate", "human_rate", "connect_rate")
_BOUNDS = ("", "_low", "_high")


def _level(result: pd.DataFrame) -> str:
    """The interval level a result was computed at, as "95%"."""
    return f"{result.attrs.get('confidence', 0.95) * 100:g}%"


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


def _rate_cols(rate: str) -> list[str]:
    return [rate, f"{rate}_low", f"{rate}_high"]


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


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


def _grouped_bars(
    ax: Axes,
    frame: pd.DataFrame,
    series: dict[str, str],
    groups: list[str],
    labels: list[str] | None = None,
) -> None:
    """Horizontal bars with Wilson error bars: a row per group, a bar per series (rate column)."""
    labels = _labels(frame, groups) if labels is None else labels
    y = np.arange(len(labels))
    height = 0.8 / max(len(series), 1)
    for position, (name, rate) in enumerate(series.items()):
        value, low, high = (_values(frame, c) for c in _rate_cols(rate))
        ax.barh(
            y + (position - (len(series) - 1) / 2) * height,
            np.nan_to_num(value),
            height=height,
            xerr=np.nan_to_num(np.vstack([value - low, high - value])),
            color=PALETTE[position % len(PALETTE)],
            label=name,
            error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 0.8},
        )
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, None)
    _percent_axis(ax.xaxis)
    if len(series) > 1:
        _legend(ax, outside=True)
    _tidy(ax, grid="x")


def _trend(
    ax: Axes,
    result: pd.DataFrame,
    groups: list[str],
    rate: str | None,
    shown: list[str],
    level: str,
) -> None:
    if groups:
        rate = rate or ("connect_rate" if "connect_rate" in shown else shown[0])
        labels = np.array(_labels(result, groups))
        lines = [(key, result[labels == key], rate) for key in dict.fromkeys(labels)]
        title = f"{_label(rate)} by {_names(groups)}"
    else:
        rates = [rate] if rate else shown
        lines = [(_label(r), result, r) for r in rates]
        title = f"{_label(rates[0]) if len(rates) == 1 else 'Answer and connect rates'} over time"
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
    ax.set_ylabel("Share of dials" + (f" (band: {level} interval)" if banded else ""))
    ax.set_title(title)
    _legend(ax, outside=len(lines) > _MAX_BANDS)
    periods = pd.Index(result["period"].unique()).sort_values()
    if len(periods) <= _MAX_PERIOD_TICKS:  # one tick per point, so each reads as its period
        ax.set_xticks(periods, [f"{p:%d %b}" for p in periods])
    # Rotate this Axes' dates only: figure.autofmt_xdate would hide the labels of every Axes
    # above the bottom row when the chart is drawn into a grid.
    for label in ax.get_xticklabels():
        label.set(rotation=30, horizontalalignment="right")
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


def _no_data(ax: Axes, title: str) -> Axes:
    """An empty chart that says so, rather than an error or a blank square."""
    ax.text(0.5, 0.5, "No calls to show", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _trim_empty_hours(table: pd.DataFrame) -> pd.DataFrame:
    """Drop the night hours no one was called at, at either end of the day."""
    called = np.flatnonzero(table.notna().any(axis=0).to_numpy())
    return table.iloc[:, called[0] : called[-1] + 1] if len(called) else table


def _legend(ax: Axes, *, outside: bool, title: str | None = None) -> None:
    if outside:
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), title=title)
    else:
        ax.legend(frameon=False, title=title)


def _heatmap(ax: Axes, values: np.ndarray, cmap: str) -> object:
    import matplotlib as mpl

    colors = mpl.colormaps[cmap].with_extremes(bad=MISSING)
    return ax.imshow(np.ma.masked_invalid(values), cmap=colors, aspect="auto")


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


def _stacked(ax: Axes, matrix: pd.DataFrame, rows: list[str]) -> None:
    shares = matrix.astype(float).fillna(0.0)
    totals = shares.sum(axis=1).replace(0, np.nan)
    shares = shares.div(totals, axis=0).fillna(0.0)
    left = np.zeros(len(shares))
    for category in shares.columns:
        width = shares[category].to_numpy()
        color = CATEGORY_COLORS.get(str(category), MISSING)
        ax.barh(rows, width, left=left, color=color, label=str(category).replace("_", " "))
        left += width
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    _percent_axis(ax.xaxis)
    ax.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.15))


def _tidy(ax: Axes, grid: str) -> None:
    ax.grid(axis=grid, alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

"""Charts of machine detection and call durations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dialstats import analysis
from dialstats.analysis import check_columns, check_frame, choose
from dialstats.analysis import label as _label
from dialstats.errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from dialstats.plot._common import (
    CONFIDENCE,
    MISSING,
    _annotate,
    _axes,
    _colorbar,
    _confidence,
    _duration_axis,
    _grouped_bars,
    _heatmap,
    _interval,
    _legend,
    _literal_text,
    _no_data,
    _percent_axis,
    _rate_cols,
    _require,
    _tidy,
)

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
_MACHINE_RATES = (
    "machine_rate",
    "amd_false_positive_rate",
    "amd_false_negative_rate",
    "amd_suspected_false_positive_rate",
    "amd_suspected_false_negative_rate",
)


@_literal_text
def machine_detection(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    kind: str = "matrix",
    normalize: bool | str = "index",
    by: str | Sequence[str] | None = None,
    confidence: float | None = None,
) -> Axes:
    """Draw who answered against how the call ended, or the machine rate and AMD errors by group.

    A heatmap (``kind="matrix"``) or stacked bars (``kind="bars"``) of disposition categories per
    answerer. Given a `machine_detection` result, or `by=` with a call-log frame, two panels on
    their own scales: the machine rate per group (returned, titled), and beside it
    (``ax.figure.axes``) the AMD audit's error rates as lower bounds, with intervals, named by
    its legend; a single `ax` is split in two.

    Parameters
    ----------
    data : pandas.DataFrame
        A call-log frame, a `machine_detection_matrix` or a `machine_detection` result.
    ax : matplotlib.axes.Axes or pair of Axes, optional
        The Axes to draw on; a new figure when None. For the two panels, a pair of Axes, or one
        subplot Axes to split in two.
    kind : {"matrix", "bars"}, default "matrix"
        A heatmap or stacked bars of the categories per answerer.
    normalize : bool or str, default "index"
        How `machine_detection_matrix` normalises a call-log frame's counts, as in
        `pandas.crosstab` (``"index"``: shares per answerer; False: counts).
    by : str or sequence of str, optional
        The columns to group a call-log frame by, for the two panels; not for a result.
    confidence : float, optional
        The intervals' level: from a frame, default 0.95; of a result, the level it was
        computed at (default the one its attrs record, else the label says it is unknown).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on; with two panels, the left one.

    Raises
    ------
    InvalidParameterError
        `kind` is not one of its choices, `by` is given with a result, `ax` cannot be split, or
        a result lacks a column the chart draws.

    See Also
    --------
    dialstats.machine_detection : The machine rate and the AMD audit by group.
    dialstats.machine_detection_matrix : Answerers against disposition categories.
    durations : Call durations by who answered.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> ds.plot.machine_detection(calls, kind="bars").get_title()
    'How calls ended, by who answered'
    >>> ax = ds.plot.machine_detection(calls, by="user_name")
    >>> ax.get_title(), len(ax.figure.axes)
    ('Answered by a machine', 2)
    """
    kind = choose("kind", kind, ["matrix", "bars"])
    if by is not None:
        if "machine_rate" in data.columns or data.columns.name == "disposition_category":
            raise InvalidParameterError(
                "by", "by= groups a call-log frame; this is already a result (drop by=)"
            )
        confidence = CONFIDENCE if confidence is None else confidence
        data = analysis.machine_detection(data, by=by, confidence=confidence)
    if "machine_rate" in data.columns:
        _require(
            data, ["dials", *_rate_cols("machine_rate")], "machine_detection", "machine_detection"
        )
        level = _confidence(confidence, data)
        groups = list(data.columns[: data.columns.get_loc("dials")])
        left, right = _two_panels(ax)
        if data.empty or not data["dials"].sum():
            right.set_axis_off()
            return _no_data(left, "Answered by a machine")
        _grouped_bars(left, data, {_label("machine_rate"): "machine_rate"}, groups)
        left.set_xlabel(f"Share of answered calls\n(bars: {_interval(level)})")
        left.set_title("Answered by a machine")
        errors = [r for r in _MACHINE_RATES[1:] if set(_rate_cols(r)) <= set(data.columns)][:2]
        # columns="compact" keeps the audit's rates without their bounds: drawn bare, and said so.
        bare = [] if errors else [r for r in _MACHINE_RATES[1:] if r in data.columns][:2]
        _grouped_bars(right, data, {_label(r): r for r in errors or bare}, groups)
        right.tick_params(labelleft=False)
        # The panel is named by its legend, not a title: a title set on the returned Axes
        # (the left one) has the space above both panels to itself.
        title = "AMD errors: lower bounds\nfrom dispositions, durations\nand transcripts"
        if errors:
            right.set_xlabel(f"Share of calls, at least\n(bars: {_interval(level)})")
            _legend(right, outside=True, title=title)
        elif bare:
            right.set_xlabel("Share of calls, at least\n(no intervals: columns='all' has them)")
            _legend(right, outside=True, title=title)
        else:
            right.text(
                0.5,
                0.5,
                "No AMD error rates in this result:\nmachine_detection(columns='all') has them",
                ha="center",
                va="center",
                transform=right.transAxes,
            )
        return left
    ax = _axes(ax)
    if data.columns.name == "disposition_category":
        matrix = data
    else:
        matrix = analysis.machine_detection_matrix(data, normalize=normalize)
    values = matrix.to_numpy(dtype=float, na_value=np.nan)
    if not np.nan_to_num(values).any():  # no answered call: an empty grid, nonsense scales
        return _no_data(ax, "How calls ended, by who answered")
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
    """Draw the distribution of call durations by who answered (person / machine), log scale.

    The medians are marked. Zero-length calls cannot sit on a log axis; the legend counts them.

    Parameters
    ----------
    data : pandas.DataFrame
        A call-log frame, with ``duration`` and ``answered_by``.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; a new figure when None.
    bins : int, default 40
        The number of (log-spaced) bins.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    InvalidParameterError
        `data` is not a pandas DataFrame, or `bins` is not a whole number >= 1.
    MissingColumnError
        `data` has no ``duration`` or ``answered_by`` column.

    See Also
    --------
    machine_detection : Who answered against how the call ended.
    talk_time : How long connects last.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, max_records=3000)
    >>> ds.plot.durations(calls, bins=20).get_title()
    'How long calls last, by who answered'
    """
    check_frame(data, "plot.durations")
    check_columns(data, {"duration": "number", "answered_by": "text"}, "plot.durations")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise InvalidParameterError("bins", f"bins must be a whole number >= 1; got {bins!r}")
    seconds = data["duration"].to_numpy(dtype=float, na_value=np.nan)
    who = {
        "human": data["answered_by"].eq("human").to_numpy(dtype=bool, na_value=False),
        "machine": analysis.is_machine(data["answered_by"]),
    }
    positive = seconds[seconds > 0]
    top = positive.max() if positive.size else 10.0
    edges = np.logspace(0, np.log10(max(top, 10.0)), bins + 1)
    ax = _axes(ax)
    if not any(np.isfinite(seconds[mask]).any() for mask in who.values()):
        return _no_data(ax, "How long calls last, by who answered")
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

"""Charts read as drawn: the text a figure renders (tick labels, titles, legends, notes) is
plain words and numbers, no two texts overlap, and colours and lines show only what the data
supports."""

from __future__ import annotations

import itertools
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

import dialstats as ds
from dialstats.analysis import LABELS, METRICS

USER_TITLE = "A long user title for this chart"
CHARTS = [name for name in dir(ds.plot) if callable(getattr(ds.plot, name))]
# Charts drawn by group as well: their labels and layout differ from the ungrouped ones.
GROUPED = {
    "funnel": {"by": "user_name"},
    "answer_rates": {"by": "user_name"},
    "machine_detection": {"by": "user_name"},
    "trend": {"by": "user_name"},
    "talk_time": {"by": "user_name"},
    "rate_vs_volume": {"by": "contact_list_name"},
}
VARIANTS = [(name, {}) for name in CHARTS] + list(GROUPED.items())


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def draw(chart: str, demo: pd.DataFrame, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zone and missing-contact notes
        return getattr(ds.plot, chart)(demo, **kwargs)


def drawn_texts(figure) -> list[tuple[Text, object]]:
    """Every text the figure draws (visible and non-empty), with its box on the canvas."""
    drawn = []
    original = Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)

    Text.draw = record
    try:
        figure.canvas.draw()
    finally:
        Text.draw = original
    renderer = figure.canvas.get_renderer()
    return [(text, text.get_window_extent(renderer)) for text in dict.fromkeys(drawn)]


def overlaps(figure, tolerance: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap by more than `tolerance` pixels each way."""
    found = []
    for (a, box_a), (b, box_b) in itertools.combinations(drawn_texts(figure), 2):
        wide = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        high = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if wide > tolerance and high > tolerance:
            found.append((a.get_text(), b.get_text()))
    return found


def tick_texts(figure) -> list[str]:
    """The tick labels the figure draws, on every axes (colour bars and twins too)."""
    drawn = {text for text, _ in drawn_texts(figure)}
    return [
        label.get_text()
        for ax in figure.axes
        for axis in (ax.xaxis, ax.yaxis)
        for label in axis.get_ticklabels(which="both")
        if label in drawn
    ]


# -- log axes: ticks read as numbers, not mathtext code -----------------------------------------


@pytest.mark.parametrize("chart", ["durations", "talk_time"])
def test_log_axes_label_their_ticks_as_durations(demo, chart):
    ax = draw(chart, demo)
    ticks = tick_texts(ax.figure)
    assert not [t for t in ticks if "$" in t or "mathdefault" in t]
    shown = [t.get_text() for t in ax.get_xticklabels() if t in dict(drawn_texts(ax.figure))]
    assert {"10 s", "1 min"} <= set(shown), shown
    assert all(re.fullmatch(r"\d+(\.\d+)? (s|min|h)", t) for t in shown), shown


def test_data_text_on_a_log_chart_stays_literal(demo):
    name = "Bo $5 deal $$"
    named = demo.assign(user_name=demo["user_name"].replace("Maya Patel", name))
    ax = draw("talk_time", named, by="user_name")
    legend = [t for t in ax.get_legend().get_texts() if name in t.get_text()]
    assert legend and not any(t.get_parse_math() for t in legend)
    assert not [t for t in tick_texts(ax.figure) if "$" in t]


# -- labels: words a manager reads, not column names --------------------------------------------


def raw_names(frame: pd.DataFrame) -> set[str]:
    stages = ds.disposition_funnel(frame.head(50))["stage"].cat.categories
    return {n for n in [*frame.columns, *METRICS, *LABELS, *stages] if "_" in n}


@pytest.mark.parametrize(("chart", "kwargs"), VARIANTS, ids=[f"{n}{k}" for n, k in VARIANTS])
def test_no_chart_shows_a_column_name(demo, chart, kwargs):
    ax = draw(chart, demo, **kwargs)
    names = raw_names(demo)
    pattern = re.compile("|".join(rf"(?<![\w]){re.escape(n)}(?![\w])" for n in names))
    shown = [text.get_text() for text, _ in drawn_texts(ax.figure)]
    assert not [t for t in shown if pattern.search(t)]


def test_group_and_stage_names_read_as_words(demo):
    ax = draw("funnel", demo)
    assert ax.get_yticklabels()[-1].get_text() == "Meetings (on connected calls)"
    by_rep = draw("funnel", demo, by="user_name")
    assert "by rep" in by_rep.get_title()
    by_list = draw("rate_vs_volume", demo, by="contact_list_name")
    assert by_list.get_title().endswith("by list")


# -- percent axes: every label is the exact tick value ------------------------------------------


def percent_ticks(axis) -> list[tuple[float, str]]:
    axis.figure.canvas.draw()
    low, high = sorted(axis.get_view_interval())
    return [
        (value, label.get_text())
        for value, label in zip(axis.get_majorticklocs(), axis.get_ticklabels(), strict=True)
        if low - 1e-12 <= value <= high + 1e-12
    ]


@pytest.mark.parametrize(
    "limits", [(0, 0.08), (0, 0.1), (0, 0.3), (0.1, 0.13), (0, 0.025), (0, 1), (0.2, 0.7)]
)
def test_percent_ticks_read_exactly_their_value(demo, limits):
    ax = draw("trend", demo)
    ax.set_ylim(*limits)
    ticks = percent_ticks(ax.yaxis)
    assert len(ticks) >= 3
    for value, text in ticks:
        assert text.endswith("%"), text
        assert float(text.rstrip("%").replace(",", "")) / 100 == pytest.approx(value, abs=1e-12)
    steps = np.diff([value * 100 for value, _ in ticks])
    assert np.allclose(steps, steps[0])  # evenly spaced


def test_percent_colour_bar_ticks_read_exactly_their_value(demo):
    ax = draw("best_time_to_call", demo)
    bar = ax.figure.axes[-1]
    for value, text in percent_ticks(bar.yaxis):
        assert float(text.rstrip("%")) / 100 == pytest.approx(value, abs=1e-12)


# -- layout: no two texts overlap, with the chart's title or a user's ---------------------------


@pytest.mark.parametrize("title", [None, USER_TITLE], ids=["own title", "user title"])
@pytest.mark.parametrize(("chart", "kwargs"), VARIANTS, ids=[f"{n}{k}" for n, k in VARIANTS])
def test_every_chart_draws_plain_text_that_does_not_overlap(demo, chart, kwargs, title):
    ax = draw(chart, demo, **kwargs)
    if title is not None:
        ax.set_title(title)
    assert not overlaps(ax.figure)
    assert not [t for t in tick_texts(ax.figure) if "$" in t or "mathdefault" in t]


def test_machine_detection_panels_leave_the_title_space_to_the_returned_axes(demo):
    left = draw("machine_detection", demo, by="user_name")
    right = left.figure.axes[1]
    assert left.get_title() == "Answered by a machine" and not right.get_title()
    left.set_title("Machine detection in the September campaign: share answered by a machine")
    assert not overlaps(left.figure)
    # Beside a chart of its own, split from one subplot of the caller's grid.
    _, (ax, other) = plt.subplots(1, 2, figsize=(16, 5), layout="constrained")
    split = ds.plot.machine_detection(ds.machine_detection(demo, by="user_name"), ax=ax)
    ds.plot.durations(demo, ax=other)
    split.set_title(USER_TITLE)
    assert not overlaps(split.figure)


# -- a chart of one series says in its title what it draws ---------------------------------------


def test_the_sdr_table_chart_is_titled_for_the_rate_it_draws(demo):
    ax = ds.plot.answer_rates(ds.sdr_performance(demo))
    assert ax.get_legend() is None  # one bar per rep: no legend names it ...
    assert ax.get_title() == "Connect rate by rep"  # ... so the title does
    weekly = ds.plot.answer_rates(demo, freq="W", rate="human_rate")
    assert weekly.get_title() == "Person-answer rate over time"
    every = ds.plot.answer_rates(demo, by="user_name")
    assert every.get_title() == "Answer and connect rates by rep"
    assert len(every.get_legend().get_texts()) == 3


# -- the best-time heatmap paints only cells with enough dials ---------------------------------


@pytest.mark.parametrize("view", ["smoothed", "raw"])
def test_best_time_paints_only_cells_of_enough_dials(demo, view):
    least = 30
    ax = draw("best_time_to_call", demo, min_dials=least, view=view)
    ax.figure.canvas.draw()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # calls of no known zone are left out
        cells = ds.best_time_to_call(demo, min_dials=least, wide=False)
    column = "connect_rate" if view == "raw" else "connect_rate_smoothed"
    cells = cells.assign(day=cells["weekday"].astype(str).str[:3]).set_index(["day", "hour"])
    days = [t.get_text() for t in ax.get_yticklabels()]
    hours = [int(t.get_text()) for t in ax.get_xticklabels()]
    image = ax.images[0]
    shown = np.ma.getmaskarray(image.get_array())
    painted = [(d, h) for (i, d), (j, h) in itertools.product(enumerate(days), enumerate(hours))
               if not shown[i, j]]  # fmt: skip
    assert painted and all(cells.loc[cell, "dials"] >= least for cell in painted)
    rates = cells.loc[painted, column].astype(float)
    assert image.get_clim() == pytest.approx((rates.min(), rates.max()))  # eligible cells only
    hottest = cells[column].astype(float).loc[painted].idxmax()
    assert cells.loc[hottest, "dials"] >= least
    # The smoothed table's hottest cell of all holds one dial: it is not painted.
    unpainted = cells[cells["dials"] < least]
    assert unpainted.index.isin(painted).sum() == 0
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == shown.sum()
    assert f"< {least} dials" in ax.get_xlabel()


# -- trend by group: whole periods, real points, and a readable few lines ----------------------


def line_points(ax) -> list[tuple[object, pd.Series, np.ndarray]]:
    """(line, its periods, its drawn values) for each line of data (not legend proxies)."""
    return [
        (line, pd.to_datetime(pd.Series(line.get_xdata())), np.asarray(line.get_ydata(), float))
        for line in ax.get_lines()
        if len(line.get_xdata())
    ]


def test_trend_by_rep_leaves_out_partial_weeks_and_thin_points(demo):
    weekly = ds.trend(demo, by="user_name")
    last = weekly["period"].max()  # Oct 26 - Nov 1: the data ends on its Monday
    assert weekly.loc[weekly["period"] == last, "dials"].sum() < 20
    ax = draw("trend", demo, by="user_name")
    ax.figure.canvas.draw()
    for _, periods, values in line_points(ax):
        drawn = periods[np.isfinite(values)]
        assert drawn.max() < last and drawn.min() >= weekly["period"].min()
        assert not (values == 0).any()  # no week drops to 0% on a call or two
    assert "partial period left out: 01 Nov" in ax.get_title()
    # A rep's thin week is a hollow marker, not a point of the line.
    thin = demo[~((demo["user_name"] == "Maya Patel") & (demo["started_at"].dt.day_of_week > 0))]
    thin = thin[
        thin["started_at"].lt("2026-10-19") & thin["user_name"].isin(["Maya Patel", "Hannah Kim"])
    ]
    ax = draw("trend", thin, by="user_name", min_calls=100)
    counts = ds.trend(thin, by="user_name")
    maya = counts[counts["user_name"] == "Maya Patel"]
    assert (maya["dials"] < 100).all()
    lines = {line.get_label(): values for line, _, values in line_points(ax)}
    assert np.isnan(next(v for k, v in lines.items() if k.startswith("Maya Patel"))).all()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "< 100 calls: no point" in legend


def test_trend_of_many_reps_colours_the_extremes_and_greys_the_rest(demo):
    ax = draw("trend", demo, by="user_name")
    weekly = ds.trend(demo[demo["started_at"] < "2026-10-26"], by="user_name")
    rates = weekly.groupby("user_name", observed=True)["center"].first().sort_values()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    expected = [*rates.index[::-1][:2], *rates.index[::-1][-2:]]
    assert [t.rsplit(" (", 1)[0] for t in legend[:4]] == expected
    assert legend[4] == "6 other reps"
    coloured = [line for line, _, _ in line_points(ax) if line.get_color() != "#BBBBBB"]
    assert len(coloured) == 4 and "highest" in ax.get_title()
    few = demo[demo["user_name"].isin(rates.index[:3])]
    small = draw("trend", few, by="user_name")
    assert len(small.get_legend().get_texts()) == 3  # three reps: each in colour, each named
    assert "highest" not in small.get_title()

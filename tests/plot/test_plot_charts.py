"""Every chart renders to a real PNG, from the raw frame and from the analysis result."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError
from test_analysis_core import SAMPLE, calls

ZONES = ["America/New_York", "Europe/Berlin", "America/Los_Angeles", None]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """The sample calls 40 times over, spread over six weeks, three reps and four zones."""
    rng = np.random.default_rng(3)
    df = calls(*SAMPLE * 40)
    seconds = rng.integers(0, 42 * 86400, len(df))
    df["started_at"] = pd.Timestamp("2024-02-05", tz="UTC") + pd.to_timedelta(seconds, unit="s")
    df["created_at"] = df["started_at"]
    df["user_name"] = pd.array(rng.choice(["Ann Lee", "Bo Park", "Cy Diaz"], len(df)), "string")
    df["contact_timezone"] = pd.array(rng.choice(ZONES, len(df)), dtype="string")
    df["duration"] = pd.array(rng.integers(0, 600, len(df)), dtype="Int64")
    return df


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def render(ax, path) -> np.ndarray:
    """Save the chart as PNG and check it is a real, non-blank picture with a title."""
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_title()
    ax.figure.savefig(path, dpi=60)
    assert path.stat().st_size > 8_000
    pixels = matplotlib.image.imread(path)
    assert pixels.shape[0] > 150 and pixels.shape[1] > 300
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 20
    return pixels


def tick_texts(axis) -> list[str]:
    axis.figure.canvas.draw()
    return [tick.get_text() for tick in axis.get_ticklabels() if tick.get_text()]


def test_funnel(frame, tmp_path):
    ax = ds.plot.funnel(frame)
    render(ax, tmp_path / "funnel.png")
    assert ax.get_yticklabels()[0].get_text() == "Dials"
    assert ax.get_xlabel() == "Calls"
    assert any("of previous" in t.get_text() for t in ax.texts)


def test_funnel_by_group_from_the_result(frame, tmp_path):
    result = ds.disposition_funnel(frame, by="user_name")
    ax = ds.plot.funnel(result)
    render(ax, tmp_path / "funnel_by.png")
    assert "by rep" in ax.get_title()
    assert all(t.endswith("%") for t in tick_texts(ax.xaxis))
    dials = frame["user_name"].value_counts()  # most dials first, each with its dials
    assert "most dials first" in ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        f"{name} ({n:,})" for name, n in dials.items()
    ]
    assert len(ax.get_legend().get_texts()) == 4  # one series per later stage


def test_funnel_by_group_sorts_by_volume_rate_name_or_not_at_all(frame):
    lopsided = pd.concat([frame, frame[frame["user_name"] == "Cy Diaz"]], ignore_index=True)
    result = ds.disposition_funnel(lopsided, by="user_name")

    def names(sort):
        ax = ds.plot.funnel(result, sort=sort)
        return [t.get_text().rsplit(" (", 1)[0] for t in ax.get_yticklabels()]

    assert names("volume")[0] == "Cy Diaz"  # twice the calls
    last = result[result["stage"] == result["stage"].cat.categories[-1]]
    reached = last.set_index("user_name")["count"] / lopsided["user_name"].value_counts()
    assert names("rate") == list(reached.sort_values(ascending=False, kind="stable").index)
    assert names("name") == ["Ann Lee", "Bo Park", "Cy Diaz"]
    assert names(None) == list(dict.fromkeys(result["user_name"]))
    with pytest.raises(InvalidParameterError, match=r"sort.*'volume'.*did you mean 'rate'"):
        ds.plot.funnel(result, sort="rates")


def test_answer_rates_bars_and_trend(frame, tmp_path):
    bars = ds.plot.answer_rates(frame, by="user_name")
    render(bars, tmp_path / "bars.png")
    assert all(t.endswith("%") for t in tick_texts(bars.xaxis))
    assert bars.get_xlabel() == "Share of dials (bars: 95% interval)"
    trend = ds.plot.answer_rates(ds.answer_rates(frame, freq="W"))
    render(trend, tmp_path / "trend.png")
    assert all(t.endswith("%") for t in tick_texts(trend.yaxis))
    assert len(trend.collections) == 3  # an interval band per rate
    by_rep = ds.plot.answer_rates(frame, by="user_name", freq="W", rate="answer_rate")
    render(by_rep, tmp_path / "trend_by.png")
    assert by_rep.get_title() == "Answer rate by rep"


def test_charts_draw_on_the_given_axes(frame, tmp_path):
    _, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    assert ds.plot.answer_rates(frame, ax=left) is left
    assert ds.plot.durations(frame, ax=right) is right
    render(left, tmp_path / "both.png")


def test_best_time_heatmap(frame, tmp_path):
    ax = ds.plot.best_time_to_call(frame, min_dials=3)
    render(ax, tmp_path / "heatmap.png")
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    assert "local time" in ax.get_xlabel()
    assert any(t.get_text().endswith("%") for t in ax.texts)  # cells annotated
    table = ds.best_time_to_call(frame, tz="UTC", metric="answer_rate", min_dials=1)
    from_table = ds.plot.best_time_to_call(table)
    render(from_table, tmp_path / "heatmap_utc.png")
    assert from_table.get_title().startswith("Answer rate by weekday")
    assert "UTC" in from_table.get_xlabel()


def test_machine_detection_views(frame, tmp_path):
    matrix = ds.plot.machine_detection(frame)
    render(matrix, tmp_path / "matrix.png")
    assert [t.get_text() for t in matrix.get_yticklabels()][:2] == ["Person", "Machine (start)"]
    counts = ds.plot.machine_detection(ds.machine_detection_matrix(frame))
    render(counts, tmp_path / "counts.png")
    assert not any(t.get_text().endswith("%") for t in counts.texts)
    stacked = ds.plot.machine_detection(frame, kind="bars")
    render(stacked, tmp_path / "stacked.png")
    assert all(t.endswith("%") for t in tick_texts(stacked.xaxis))
    per_rep = ds.plot.machine_detection(ds.machine_detection(frame, by="user_name"))
    render(per_rep, tmp_path / "per_rep.png")
    with pytest.raises(InvalidParameterError, match="kind"):
        ds.plot.machine_detection(frame, kind="pie")


def test_durations(frame, tmp_path):
    ax = ds.plot.durations(frame)
    render(ax, tmp_path / "durations.png")
    assert ax.get_xscale() == "log"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(text.startswith("Person (") for text in legend)
    assert any(text.startswith("median") for text in legend)
    with pytest.raises(InvalidParameterError, match="bins"):
        ds.plot.durations(frame, bins=0)


def test_charts_of_an_empty_frame_do_not_fail(tmp_path):
    empty = calls()
    for chart in (
        ds.plot.funnel,
        ds.plot.answer_rates,
        ds.plot.durations,
        ds.plot.machine_detection,
    ):
        ax = chart(empty)
        assert ax.get_title()
        ax.figure.savefig(tmp_path / "empty.png")
    ax = ds.plot.best_time_to_call(empty)
    ax.figure.savefig(tmp_path / "empty_heatmap.png")
    trend = ds.plot.answer_rates(ds.answer_rates(empty, freq="W"))
    assert trend.texts[0].get_text() == "No calls to show"


def test_trend_in_a_grid_keeps_its_dates_one_tick_per_period(frame):
    _, (top, bottom) = plt.subplots(2, 1)
    weekly = ds.answer_rates(frame, freq="W")
    ds.plot.answer_rates(weekly, ax=top)
    ds.plot.durations(frame, ax=bottom)
    labels = tick_texts(top.xaxis)
    assert len(labels) == len(weekly)  # the upper chart's dates are not hidden by the lower one
    assert labels[0] == f"{weekly['period'].iloc[0]:%d %b}"


def test_heatmap_leaves_out_hours_nobody_was_called(frame):
    office_hours = frame[frame["started_at"].dt.hour.between(9, 17)]
    ax = ds.plot.best_time_to_call(office_hours, tz="UTC", min_dials=1)
    assert [int(t.get_text()) for t in ax.get_xticklabels()] == list(range(9, 18))


def test_heatmap_drops_weekdays_nobody_dialled_and_names_its_colours_as_its_title(frame):
    weekdays = frame[frame["started_at"].dt.day_of_week < 5]
    ax = ds.plot.best_time_to_call(weekdays, tz="UTC", min_dials=1)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    bar = ax.figure.axes[-1]
    assert bar.get_ylabel() == "Connect rate" and ax.get_title().startswith("Connect rate")
    assert {t.get_fontsize() for t in ax.texts} == {9}  # readable cell labels


# -- the metric contract: any result carrying a rate feeds the chart of that rate ---------------


def bar_widths(ax) -> list[float]:
    return [round(patch.get_width(), 12) for patch in ax.patches]


def test_answer_rates_chart_takes_any_result_carrying_connect_rate(frame):
    expected = ds.answer_rates(frame, by="user_name")["connect_rate"].tolist()
    reference = ds.plot.answer_rates(frame, by="user_name", rate="connect_rate")
    assert bar_widths(reference) == [round(v, 12) for v in expected]
    funnel = ds.disposition_funnel(frame, by="user_name")
    from_funnel = ds.plot.answer_rates(funnel, rate="connect_rate")
    assert bar_widths(from_funnel) == bar_widths(reference)
    assert [t.get_text() for t in from_funnel.get_yticklabels()] == [
        "Ann Lee",
        "Bo Park",
        "Cy Diaz",
    ]
    # The vendor's table names it connection_rate; the chart reads it as connect_rate.
    vendor = ds.sdr_performance(frame.assign(user_id=frame["user_name"]))
    vendor = vendor.sort_values("user_name")
    from_vendor = ds.plot.answer_rates(vendor)
    assert bar_widths(from_vendor) == bar_widths(reference)
    assert [t.get_text() for t in from_vendor.get_yticklabels()] == [
        "Ann Lee",
        "Bo Park",
        "Cy Diaz",
    ]
    cells = ds.best_time_to_call(frame, tz="UTC", min_dials=0, wide=False)
    from_cells = ds.plot.answer_rates(cells)
    assert len(from_cells.patches) == len(cells)
    assert "weekday, hour" in from_cells.get_title()


def test_a_rate_the_result_lacks_is_a_clear_error(frame):
    cells = ds.best_time_to_call(frame, tz="UTC", min_dials=0, wide=False)
    with pytest.raises(InvalidParameterError, match="carries no 'answer_rate'"):
        ds.plot.answer_rates(cells, rate="answer_rate")


def test_best_time_chart_takes_the_tidy_form(frame, tmp_path):
    cells = ds.best_time_to_call(frame, tz="UTC", min_dials=0, wide=False, metric="meeting_rate")
    ax = ds.plot.best_time_to_call(cells)
    render(ax, tmp_path / "tidy.png")
    assert ax.get_title().startswith("Meeting rate by weekday")


def test_chart_labels_follow_the_confidence_level(frame):
    bars = ds.plot.answer_rates(ds.answer_rates(frame, by="user_name", confidence=0.9))
    assert bars.get_xlabel() == "Share of dials (bars: 90% interval)"
    trend = ds.plot.answer_rates(frame, freq="W", confidence=0.99)
    assert trend.get_ylabel() == "Share of dials (band: 99% interval)"
    funnel = ds.plot.funnel(frame, by="user_name", confidence=0.8)
    assert "80% interval" in funnel.get_xlabel()
    machine = ds.plot.machine_detection(ds.machine_detection(frame, by="user_name", confidence=0.9))
    assert "90% interval" in machine.get_xlabel()


@pytest.mark.parametrize("chart", ["funnel", "answer_rates", "trend", "machine_detection"])
def test_names_with_dollar_signs_are_drawn_as_written_not_as_mathtext(frame, tmp_path, chart):
    name = r"Bo $\frac{$ $$"  # invalid mathtext: drawing it as such raises
    named = frame.assign(user_name=frame["user_name"].replace("Ann Lee", name))
    for given in (None, plt.subplots()[1]):  # the chart's own axes, and the caller's
        ax = getattr(ds.plot, chart)(named, ax=given, by="user_name")
        ax.figure.savefig(tmp_path / "named.png", dpi=40)
        texts = [t for t in ax.figure.findobj(matplotlib.text.Text) if name in t.get_text()]
        assert texts and not any(t.get_parse_math() for t in texts)

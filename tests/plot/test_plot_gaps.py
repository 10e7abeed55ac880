"""Charts show what is missing, thin or left out as such: a call without a time, a group of no
list, groups beyond the palette, a partial week, an empty frame, a missing rate, the bounds a
compact result lacks, thinly dialled cells; and they say which result they draw, at which
interval level, and which choice was meant."""

from __future__ import annotations

import itertools
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    """The first 3,000 demo calls: two weeks, nine reps."""
    return ds.read_call_logs(demo=True, max_records=3000)


@pytest.fixture(autouse=True)
def quiet_and_closed():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zone and missing-contact notes
        yield
    plt.close("all")


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def tick_texts(axis) -> list[str]:
    axis.figure.canvas.draw()
    return [tick.get_text() for tick in axis.get_ticklabels() if tick.get_text()]


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


# -- 1. a call without a time ------------------------------------------------------------------


@pytest.mark.parametrize("by", [None, "user_name"])
def test_answer_rates_leaves_calls_without_a_time_off_its_axis_and_counts_them(df, by):
    timeless = df.copy()
    timeless.loc[timeless.index[0], "started_at"] = pd.NaT
    ax = ds.plot.answer_rates(timeless, by=by, freq="W")
    ax.figure.canvas.draw()  # a NaT among the dates failed here
    assert ax.get_title().endswith("\n1 call without a time not shown")
    weeks = ds.answer_rates(df, freq="W")["period"]
    for line in ax.lines:
        assert pd.notna(pd.Series(line.get_xdata())).all()
        assert len(line.get_xdata()) <= len(weeks)


# -- 2. the calls of no list -------------------------------------------------------------------


def test_trend_by_list_draws_the_calls_of_no_list_and_counts_what_it_draws(demo):
    result = ds.trend(demo, "contact_list_name", freq="W")
    groups = result["contact_list_name"].astype("string").fillna("(none)").nunique()
    assert result["contact_list_name"].isna().any()
    ax = ds.plot.trend(result)
    assert len(ax.lines) == groups  # one line per group, the calls of no list too
    legend = legend_texts(ax)
    named = [t for t in legend if t.endswith("%)")]
    others = next(t for t in legend if t.endswith("other lists"))
    assert len(named) + int(others.split()[0]) == groups
    ranked = result.assign(name=result["contact_list_name"].astype("string").fillna("(none)"))
    centres = ranked.groupby("name")["center"].first().sort_values(ascending=False)
    # The extremes are ranked over every group drawn, the calls of no list among them.
    assert [t.rsplit(" (", 1)[0] for t in named] == [*centres.index[:2], *centres.index[-2:]]


# -- 3. more groups than colours ---------------------------------------------------------------


def test_talk_time_draws_the_groups_with_most_connects_and_counts_the_rest(df):
    survival = ds.talk_time_survival(df, "user_name")
    connects = survival.groupby("user_name")["timed"].first().sort_values(ascending=False)
    assert len(connects) == 9
    ax = ds.plot.talk_time(df, by="user_name")
    assert len(ax.lines) - len(ds.analysis.THRESHOLDS) == 8  # curves, less the threshold lines
    assert [t.split(" (")[0] for t in legend_texts(ax)] == connects.index[:8].tolist()
    assert (
        ax.get_title() == "How long connects last, by rep\n1 other rep (fewer connects) not shown"
    )


# -- 4. a partial week -------------------------------------------------------------------------


def test_number_health_leaves_out_the_partial_week_and_marks_thin_ones(demo):
    ax = ds.plot.number_health(demo)
    assert ax.get_title().endswith("\npartial period left out: 01 Nov")
    other = next(line for line in ax.lines if line.get_label() == "Other numbers")
    assert pd.Timestamp("2026-11-01", tz="UTC") not in pd.DatetimeIndex(other.get_xdata())
    assert np.nanmin(other.get_ydata()) > 0.3  # no plunge to 0% on a week of one dial
    thin = ds.plot.number_health(demo, min_calls=150)
    assert "< 150 dials: no point" in legend_texts(thin)
    hollow = [c for c in thin.collections if len(c.get_offsets())]
    assert hollow and all(c.get_facecolors().size == 0 for c in hollow)
    with pytest.raises(InvalidParameterError, match="min_calls"):
        ds.plot.number_health(demo, min_calls=-1)


# -- 5. date ticks at the periods' own scale ---------------------------------------------------


def test_date_ticks_read_at_the_scale_of_the_periods(df, demo):
    day = df[df["started_at"].dt.date == df["started_at"].dt.date.iloc[0]]
    hours = tick_texts(ds.plot.answer_rates(day, freq="h").xaxis)
    assert hours[0] == f"{day['started_at'].min():%H}:00" and len(set(hours)) == len(hours)
    years = demo.assign(started_at=demo["started_at"] - pd.to_timedelta(demo.index % 3 * 365, "D"))
    assert tick_texts(ds.plot.answer_rates(years, freq="YS").xaxis) == ["2024", "2025", "2026"]
    ax = ds.plot.trend(df, freq="D")
    days = tick_texts(ax.xaxis)
    assert days[0] == f"{df['started_at'].min():%d %b}" and len(set(days)) == len(days)
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    assert not any(a.overlaps(b) for a, b in itertools.pairwise(boxes))


def test_one_period_is_labelled_with_its_date_not_a_time_of_day(demo):
    week = demo[demo["started_at"].dt.isocalendar().week == 41]
    for freq, label in [("W", "11 Oct 2026"), ("MS", "01 Oct 2026")]:
        result = ds.answer_rates(week[week["started_at"].dt.month == 10], freq=freq)
        assert result["period"].nunique() == 1
        assert tick_texts(ds.plot.answer_rates(result).xaxis) == [label]
    hour = week[week["started_at"].dt.floor("h") == week["started_at"].dt.floor("h").iloc[0]]
    start = hour["started_at"].dt.floor("h").iloc[0]
    assert tick_texts(ds.plot.answer_rates(hour, freq="h").xaxis) == [f"{start:%d %b %Y %H:%M}"]


def test_no_call_with_a_time_is_no_calls_to_show_and_counts_them(df):
    timeless = df.head(300).assign(started_at=pd.Series(pd.NaT, index=df.index[:300]))
    timeless["started_at"] = timeless["started_at"].astype("datetime64[ns]").dt.tz_localize("UTC")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no artists with labels" legend warning either
        ax = ds.plot.answer_rates(timeless, by="user_name", freq="W")
    assert texts(ax) == ["No calls to show"]
    assert ax.get_title().endswith("300 calls without a time not shown")


# -- 6. no calls -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "chart",
    ["best_time_to_call", "machine_detection", "durations", "attempt_curve", "answer_rates"],
)
def test_a_chart_of_no_calls_says_so(df, chart):
    ax = getattr(ds.plot, chart)(df.head(0))
    assert texts(ax) == ["No calls to show"]
    assert not ax.get_xticks().size and not ax.get_yticks().size


# -- 7. the compact AMD result -----------------------------------------------------------------


def test_compact_machine_detection_draws_its_error_rates_without_bounds(df):
    compact = ds.machine_detection(df, by="user_name", columns="compact")
    right = ds.plot.machine_detection(compact).figure.axes[1]
    widths = [patch.get_width() for patch in right.patches]
    assert len(widths) == 2 * len(compact) and max(widths) > 0
    assert legend_texts(right) == [
        "People labelled machine (of people)",
        "Machines labelled person (of machines)",
    ]
    assert "columns='all'" in right.get_xlabel()
    assert not right.containers[0].errorbar  # no bounds in the compact columns


# -- 8. a missing rate -------------------------------------------------------------------------


def test_a_missing_rate_is_no_bar_and_reads_n_a_unlike_zero(df):
    unanswered = df[~((df["user_name"] == "Tyler Grant") & (df["outcome"] == "answered"))]
    result = ds.machine_detection(unanswered, by="user_name")
    left = ds.plot.machine_detection(result)
    row = result["user_name"].tolist().index("Tyler Grant")
    assert pd.isna(result["machine_rate"].iloc[row])
    assert left.patches[row].get_width() == 0
    assert [t.xy[1] for t in left.texts if t.get_text() == "n/a"] == [row]
    right = left.figure.axes[1]  # both error rates missing: one "n/a" for the pair
    assert [t.xy[1] for t in right.texts if t.get_text() == "n/a"] == [row]
    funnel = ds.plot.funnel(unanswered, by="user_name")
    labels = [t.get_text() for t in funnel.get_yticklabels()]
    tyler = next(i for i, label in enumerate(labels) if label.startswith("Tyler Grant"))
    # Answered of dials is 0% (a bar of no width, no "n/a"); the three later stages are NA.
    (spot,) = [t.xy[1] for t in funnel.texts if t.get_text() == "n/a"]
    assert tyler - 0.2 < spot < tyler + 0.4
    assert all(t.get_text() != "n/a" for t in ds.plot.funnel(df, by="user_name").texts)


# -- 9. results a chart does not draw ----------------------------------------------------------


@pytest.mark.parametrize(
    ("chart", "analysis", "kwargs", "message"),
    [
        ("number_health", "number_health", {"freq": "W"}, r"number_health\(freq=...\) result"),
        ("number_health", "number_health", {}, "pass it as health="),
        ("activity", "activity", {"tz": "UTC"}, r"draws an activity_hours\(\) result"),
        ("talk_time", "talk_time", {}, r"draws a talk_time_survival\(\) result"),
    ],
)
def test_a_result_the_chart_does_not_draw_is_named_with_the_one_it_does(
    df, chart, analysis, kwargs, message
):
    with pytest.raises(InvalidParameterError, match=message) as error:
        getattr(ds.plot, chart)(getattr(ds, analysis)(df, **kwargs))
    assert "did you mean" not in str(error.value)


def test_talk_time_draws_a_survival_result(df):
    survival = ds.talk_time_survival(df)
    ax = ds.plot.talk_time(survival, thresholds=(30, 60))
    (curve,) = [line for line in ax.lines if line.get_label().startswith("All calls")]
    assert len(curve.get_xdata()) == len(survival)
    assert texts(ax) == ["30 s", "60 s"]  # the shares are not in a survival result
    with pytest.raises(InvalidParameterError, match="by"):
        ds.plot.talk_time(survival, by="user_name")


# -- 10. interval levels -----------------------------------------------------------------------


def test_redials_and_local_presence_say_their_interval_level(df):
    redials = ds.plot.double_dial(ds.double_dial(df, confidence=0.8))
    assert redials.get_xlabel() == "Share of redials (bars: 80% interval)"
    assert "90% interval" in ds.plot.double_dial(df, confidence=0.9).get_xlabel()
    local = ds.plot.local_presence(ds.local_presence(df, confidence=0.8))
    assert local.get_xlabel().endswith("(bars and the ratio's bounds: 80% intervals)")
    assert "90% intervals" in ds.plot.local_presence(df, confidence=0.9).get_xlabel()
    right = ds.plot.machine_detection(df, by="user_name", confidence=0.9).figure.axes[1]
    assert "90% interval" in right.get_xlabel()


# -- 11. thinly dialled cells ------------------------------------------------------------------


def test_best_time_hatches_thin_weekdays_and_hours_instead_of_dropping_them(df):
    wide = ds.best_time_to_call(df)
    for ax in (ds.plot.best_time_to_call(wide), ds.plot.best_time_to_call(df)):
        rows = [t.get_text() for t in ax.get_yticklabels()]
        hours = [int(t.get_text()) for t in ax.get_xticklabels()]
        assert rows[-2:] == ["Sat", "Sun"] and {19, 20} <= set(hours)
        hatched = {(round(p.get_y() + 0.5), round(p.get_x() + 0.5)) for p in ax.patches}
        assert {(rows.index("Sat"), h) for h in range(len(hours))} <= hatched
        assert "hatched grey: < 30 dials" in ax.get_xlabel()
    office = ds.plot.best_time_to_call(df)  # hours no one dialled are still left out
    assert office.get_xticklabels()[0].get_text() == "8"


# -- choices -----------------------------------------------------------------------------------


def test_a_bad_choice_suggests_the_closest_one(df):
    with pytest.raises(InvalidParameterError, match=r"did you mean 'connect_rate'\?"):
        ds.plot.answer_rates(df, rate="connect")
    result = ds.machine_detection(df, by="user_name")
    with pytest.raises(InvalidParameterError, match=r"did you mean 'bars'\?"):
        ds.plot.machine_detection(result, kind="bar")
    with pytest.raises(InvalidParameterError, match=r"did you mean 'connect_rate'\?"):
        ds.plot.trend(ds.trend(df), metric="connect")

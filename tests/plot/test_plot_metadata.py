"""Charts take what a result is (its metric, interval level, zone, window, strata) from their
arguments, with the result's ``.attrs`` only as the default: a result whose attrs a merge
dropped, or another result's attrs, never draws a wrong label."""

from __future__ import annotations

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
from dialstats._registry import CHARTS
from dialstats.errors import InvalidParameterError

# (chart, analysis, its arguments, the chart's arguments saying the same, the words the chart
# shows for what a result without attrs does not say; None: its columns say it all).
CASES = [
    ("funnel", "disposition_funnel", {"by": "user_name", "confidence": 0.8},
     {"confidence": 0.8}, "unrecorded level"),
    ("answer_rates", "answer_rates", {"by": "user_name", "confidence": 0.8},
     {"confidence": 0.8}, "unrecorded level"),
    ("answer_rates", "answer_rates", {"freq": "W", "confidence": 0.8},
     {"confidence": 0.8}, "unrecorded level"),
    ("best_time_to_call", "best_time_to_call",
     {"tz": "UTC", "metric": "meeting_rate", "min_dials": 20, "wide": False},
     {"tz": "UTC", "metric": "meeting_rate", "min_dials": 20}, "time zone not recorded"),
    ("rate_vs_volume", "leaderboard",
     {"by": "user_name", "metric": "answer_rate", "adjust_for": "contact_list_name"},
     {"adjust_for": "contact_list_name", "dispersion_scale": "recorded"}, "binomial limits"),
    ("trend", "trend", {"metric": "answer_rate"}, {"metric": "answer_rate"}, None),
    ("trend", "trend", {"metric": "answer_rate", "by": "user_name"}, {"metric": "answer_rate"},
     None),
    ("machine_detection", "machine_detection", {"by": "user_name", "confidence": 0.8},
     {"confidence": 0.8}, "unrecorded level"),
    ("local_presence", "local_presence",
     {"metric": "human_rate", "adjust_for": "sequence_name", "confidence": 0.8},
     {"adjust_for": "sequence_name", "confidence": 0.8}, "for what is not recorded"),
    ("attempt_curve", "attempt_curve", {"metric": "answer_rate", "confidence": 0.8},
     {"confidence": 0.8}, "unrecorded level"),
    ("double_dial", "double_dial", {"within": "2D", "confidence": 0.8},
     {"within": "2D", "confidence": 0.8}, "window not recorded"),
    ("activity", "activity_hours", {"tz": "America/New_York"},
     {"tz": "America/New_York"}, "zone not recorded"),
]  # fmt: skip
# Charts of the call-log frame alone: no result, so no attrs to trust.
FRAME_ONLY = {"durations", "number_health", "talk_time"}
# Subtitle notes the analysis records and no argument restates (split-half reliability, calls
# of unknown zone, the trend test): left out without attrs, so only the title's first line, less
# the trend test's p-value, is compared.
NOTED = {"best_time_to_call", "trend"}


@pytest.fixture(scope="module")
def results(demo) -> dict[int, pd.DataFrame]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zone and missing-contact notes
        return {i: getattr(ds, case[1])(demo, **case[2]) for i, case in enumerate(CASES)}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax) -> list[str]:
    """Every text the figure of `ax` shows, after drawing it (ticks included), in order."""
    ax.figure.canvas.draw()
    return [t.get_text() for t in ax.figure.findobj(Text) if t.get_visible() and t.get_text()]


def without_notes(chart: str, shown: list[str], ax) -> list[str]:
    if chart not in NOTED:
        return shown
    title = ax.get_title()
    return [*(t for t in shown if t != title), re.split(r"\n| \(trend test", title)[0]]


def cleared(result: pd.DataFrame) -> pd.DataFrame:
    copy = result.copy()
    copy.attrs = {}
    return copy


def test_every_chart_of_a_result_is_covered():
    assert {case[0] for case in CASES} | FRAME_ONLY == set(CHARTS)


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{c[0]}{c[2]}" for c in CASES])
def test_explicit_arguments_draw_what_the_attrs_did(results, case):
    chart, _, _, given, _ = CASES[case]
    result = results[case]
    if given.get("dispersion_scale") == "recorded":
        given = {**given, "dispersion_scale": result.attrs["dispersion_scale"]}
    with_attrs = getattr(ds.plot, chart)(result)
    expected = without_notes(chart, texts(with_attrs), with_attrs)
    explicit = getattr(ds.plot, chart)(cleared(result), **given)
    assert without_notes(chart, texts(explicit), explicit) == expected


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{c[0]}{c[2]}" for c in CASES])
def test_without_attrs_a_chart_says_what_it_does_not_know(results, case):
    chart, _, _, _, unknown = CASES[case]
    ax = getattr(ds.plot, chart)(cleared(results[case]))
    shown = " ".join(texts(ax))
    if unknown is not None:
        assert unknown in shown
    # No interval level but the one the caller gave.
    assert not re.search(r"\d+(\.\d+)?% interval", shown)


LEVELLED = [i for i, case in enumerate(CASES) if "confidence" in case[3]]


@pytest.mark.parametrize("case", LEVELLED, ids=[f"{CASES[i][0]}{CASES[i][2]}" for i in LEVELLED])
def test_an_argument_wins_over_stale_attrs(results, case):
    chart = CASES[case][0]
    stale = results[case].copy()
    stale.attrs["confidence"] = 0.95  # another result's attrs, copied over
    shown = " ".join(texts(getattr(ds.plot, chart)(stale, confidence=0.8)))
    assert "80%" in shown and "95%" not in shown


def test_a_merged_answer_rates_result_is_not_labelled_95_percent(demo):
    """The reported fault: the merge drops the attrs; the label said 95% for an 80% result."""
    rates = ds.answer_rates(demo, by="user_name", confidence=0.8)
    teams = pd.DataFrame({"user_name": rates["user_name"], "team": "East"})
    merged = rates.merge(teams, on="user_name")
    assert "confidence" not in merged.attrs
    unknown = ds.plot.answer_rates(merged).get_xlabel()
    assert "95%" not in unknown and "unrecorded level" in unknown
    given = ds.plot.answer_rates(merged, confidence=0.8).get_xlabel()
    assert given == "Share of dials (bars: 80% interval)"


def test_best_time_without_attrs_draws_from_its_columns(demo):
    """The reported fault: with attrs cleared the chart raised KeyError."""
    cells = ds.best_time_to_call(demo, tz="UTC", metric="meeting_rate", min_dials=20, wide=False)
    ax = ds.plot.best_time_to_call(cleared(cells), view="raw")
    assert ax.get_title().startswith("Meeting rate by weekday and hour")
    assert "too few dials" in ax.get_xlabel() and "time zone not recorded" in ax.get_xlabel()
    # Painted: the cells the analysis estimated (those of 20 dials or more), no others.
    painted = ~np.ma.getmaskarray(ax.images[0].get_array())
    assert painted.sum() == int(cells["meeting_rate"].notna().sum())
    again = ds.plot.best_time_to_call(cleared(cells), view="raw", min_dials=20, tz="UTC")
    assert "< 20 dials" in again.get_xlabel() and "UTC" in again.get_xlabel()


def test_a_wide_best_time_table_without_attrs_asks_for_its_metric(demo):
    wide = cleared(ds.best_time_to_call(demo, tz="UTC", min_dials=20))
    with pytest.raises(InvalidParameterError, match="pass metric=") as error:
        ds.plot.best_time_to_call(wide)
    assert error.value.parameter == "metric"
    ax = ds.plot.best_time_to_call(wide, metric="connect_rate", tz="UTC", min_dials=20)
    assert ax.get_title().startswith("Connect rate by weekday and hour (grey: < 20 dials)")


@pytest.mark.parametrize(
    ("analysis", "chart", "column"),
    [
        ("trend", "trend", "center"),
        ("answer_rates", "answer_rates", "connect_rate_low"),
        ("attempt_curve", "attempt_curve", "reached_share_high"),
        ("double_dial", "double_dial", "later_rate_low"),
        ("leaderboard", "rate_vs_volume", "connected"),
        ("local_presence", "local_presence", "ratio_low"),
    ],
)
def test_a_result_missing_a_column_names_it_and_its_analysis(demo, analysis, chart, column):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = getattr(ds, analysis)(demo).drop(columns=column)
    with pytest.raises(InvalidParameterError, match=rf"needs column '{column}'.*{analysis}\(\)"):
        getattr(ds.plot, chart)(result)


def test_a_metric_the_result_lacks_is_named(demo):
    weekly = ds.trend(demo, metric="answer_rate")
    with pytest.raises(InvalidParameterError, match="needs column 'meeting_rate'"):
        ds.plot.trend(weekly, metric="meeting_rate")
    with pytest.raises(InvalidParameterError, match="metric") as error:
        ds.plot.trend(weekly, metric="answer-rate")
    assert error.value.parameter == "metric"


def test_a_bad_confidence_is_refused(demo):
    rates = ds.answer_rates(demo, by="user_name")
    for bad in (95, "0.9", True):
        with pytest.raises(InvalidParameterError) as error:
            ds.plot.answer_rates(rates, confidence=bad)
        assert error.value.parameter == "confidence"

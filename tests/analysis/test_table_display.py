"""Tables read as a manager reads them: clock times as clock times, and a compact view of the
wide tables."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import dialstats as ds
from test_analysis_core import B, call, calls

START = pd.Timestamp("2024-03-04T12:05:30Z")  # 07:05:30 in New York


def at(minutes: float, **rep) -> dict:
    return call("human", 3, 30, at=(START + pd.Timedelta(minutes=minutes)).isoformat(), **rep)


# -- activity: first and last dial as a time of day ------------------------------------------


def test_first_and_last_dial_are_times_of_day_with_minutes_beside_them():
    # Day one 07:05:30 .. 16:05:30, day two 08:05:30 .. 17:05:30 (New York): medians 07:35:30
    # and 16:35:30; rep B dials once, at 07:05:30.
    day = 24 * 60
    df = calls(at(0), at(9 * 60), at(day + 60), at(day + 10 * 60), at(0, **B))
    out = ds.activity(df, tz="America/New_York").set_index("user_name")
    a, b = out.iloc[0], out.iloc[1]
    assert a.first_dial == dt.time(7, 35, 30) and a.last_dial == dt.time(16, 35, 30)
    assert isinstance(a.first_dial, dt.time) and a.first_dial.tzinfo is None
    assert b.first_dial == b.last_dial == dt.time(7, 5, 30)
    assert a.first_dial_minutes == 7 * 60 + 35.5 and a.last_dial_minutes == 16 * 60 + 35.5
    assert str(out["first_dial_minutes"].dtype) == "Float64"
    assert (out["first_dial"] < dt.time(8)).all()  # compares as a clock reads
    assert out["first_dial"].astype(str).tolist() == ["07:35:30", "07:05:30"]


def test_activity_on_the_demo_keeps_its_columns_and_the_hours_table_for_the_chart(demo):
    summary = ds.activity(demo, tz="America/New_York")
    assert list(summary.columns[-4:]) == [
        "first_dial",
        "last_dial",
        "first_dial_minutes",
        "last_dial_minutes",
    ]
    assert all(isinstance(t, dt.time) for t in summary["first_dial"])
    assert (summary["first_dial"] <= summary["last_dial"]).all()
    # plot.activity draws activity_hours' table (what table="hours" gave), unchanged.
    hours = ds.activity_hours(demo, tz="America/New_York")
    assert list(hours.columns) == ["user_name", "hour", "dials", "days", "dials_per_active_day"]


# -- compact views of the wide tables ----------------------------------------------------------

MACHINE_COMPACT = [
    "user_name",
    "dials",
    "answered",
    "human",
    "machine",
    "machine_rate",
    "machine_rate_low",
    "machine_rate_high",
    "amd_false_positive_rate",
    "amd_false_negative_rate",
]
TALK_COMPACT = [
    "user_name",
    "connects",
    "median",
    "mean",
    "at_least_60s",
    "at_least_60s_share",
    "at_least_60s_share_low",
    "at_least_60s_share_high",
]


def test_machine_detection_compact_is_a_subset_of_the_default_with_the_same_values(demo):
    full = ds.machine_detection(demo, by="user_name")
    compact = ds.machine_detection(demo, by="user_name", columns="compact")
    assert list(compact.columns) == MACHINE_COMPACT
    pd.testing.assert_frame_equal(compact, full[MACHINE_COMPACT])
    assert demo.calls.machine_detection(columns="Compact").columns[0] == "dials"


def test_machine_detection_defaults_are_unchanged(demo):
    full = ds.machine_detection(demo)
    assert len(full.columns) == 39
    pd.testing.assert_frame_equal(full, ds.machine_detection(demo, columns="all"))
    assert full.columns[-1] == "median_duration_machine"


def test_talk_time_compact_keeps_the_conversation_threshold(demo):
    full = ds.talk_time(demo, by="user_name")
    compact = ds.talk_time(demo, by="user_name", columns="compact")
    assert list(compact.columns) == TALK_COMPACT
    pd.testing.assert_frame_equal(compact, full[TALK_COMPACT])
    # Without 60 s among the thresholds, the one nearest it.
    nearest = ds.talk_time(demo, thresholds=(30, 75, 120), columns="compact")
    assert nearest.columns[-4] == "at_least_75s"
    definitions = ds.Definitions(conversation_seconds=120)
    longer = ds.talk_time(demo, columns="compact", definitions=definitions)
    assert "at_least_120s_share" in longer.columns


def test_talk_time_defaults_are_unchanged(demo):
    full = ds.talk_time(demo)
    assert len(full.columns) == 28 and list(full.columns[:3]) == ["connects", "timed", "p10"]
    pd.testing.assert_frame_equal(full, ds.talk_time(demo, columns="all"))


@pytest.mark.parametrize("function", [ds.machine_detection, ds.talk_time])
def test_an_unknown_column_set_is_refused_with_a_suggestion(demo, function):
    with pytest.raises(ds.errors.InvalidParameterError, match="did you mean 'compact'"):
        function(demo, columns="compat")

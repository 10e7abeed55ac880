"""activity: sessions and pace against a naive loop, zones, and its checks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialstats as ds
from dialstats.errors import InvalidParameterError
from dialstats.frame._build import records_to_frame
from dialstats.sandbox._generate import KNOBS, generate
from test_analysis_core import B, call, calls

START = pd.Timestamp("2024-03-04T12:00:00Z")


def frame(offsets: list[tuple[int, bool]]) -> pd.DataFrame:
    """Calls `minutes` after START, by rep B when the flag is set (else rep A)."""
    rows = [
        call("human", 3, 30, at=(START + pd.Timedelta(minutes=m)).isoformat(), **(B if b else {}))
        for m, b in offsets
    ]
    return calls(*rows)


def naive_sessions(times: list[pd.Timestamp], idle: pd.Timedelta) -> list[list[pd.Timestamp]]:
    sessions: list[list[pd.Timestamp]] = []
    for time in sorted(times):
        if sessions and time - sessions[-1][-1] <= idle:
            sessions[-1].append(time)
        else:
            sessions.append([time])
    return sessions


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3 * 24 * 60), st.booleans()), max_size=50),
    st.integers(1, 240),
)
def test_sessions_match_a_naive_loop(offsets, idle_minutes):
    df = frame(offsets)
    idle = pd.Timedelta(minutes=idle_minutes)
    sessions = ds.activity_sessions(df, idle=idle, tz="America/New_York")
    summary = ds.activity(df, idle=idle, tz="America/New_York").set_index("user_name")
    for rep in df["user_name"].dropna().unique():
        times = list(df.loc[df["user_name"] == rep, "started_at"])
        expected = naive_sessions(times, idle)
        mine = sessions[sessions["user_name"] == rep]
        assert mine["session"].tolist() == list(range(1, len(expected) + 1))
        assert mine["dials"].tolist() == [len(s) for s in expected]
        assert mine["start"].tolist() == [s[0] for s in expected]
        minutes = [(s[-1] - s[0]) / pd.Timedelta(minutes=1) for s in expected]
        assert np.allclose(mine["minutes"], minutes)
        row = summary.loc[rep]
        assert row.sessions == len(expected) and row.dials == len(times)
        assert np.isclose(row.median_session_minutes, statistics.median(minutes))
        local = [t.tz_convert("America/New_York") for t in times]
        days = {t.date() for t in local}
        hours = {(t.date(), t.hour) for t in local}
        assert (row.active_days, row.active_hours) == (len(days), len(hours))
        assert np.isclose(row.dials_per_active_hour, len(times) / len(hours))
        firsts = [min(t for t in local if t.date() == d) for d in days]
        midnight = [t - t.normalize() for t in firsts]
        median = pd.Series(midnight).median().round("s")
        assert row.first_dial == (pd.Timestamp(0) + median).time()
        assert np.isclose(row.first_dial_minutes, median / pd.Timedelta(minutes=1))
        breaks = [
            (b[0] - a[-1]) / pd.Timedelta(minutes=1)
            for a, b in itertools.pairwise(expected)
            if a[-1].tz_convert("America/New_York").date()
            == b[0].tz_convert("America/New_York").date()
        ]
        if breaks:
            assert np.isclose(row.median_break_minutes, statistics.median(breaks))
        else:
            assert pd.isna(row.median_break_minutes)


def test_the_working_day_is_read_in_the_team_zone():
    df = frame([(0, False), (10, False), (9 * 60, False)])  # 07:00, 07:10, 16:00 in New York
    row = ds.activity(df, tz="America/New_York").iloc[0]
    assert row.first_dial == dt.time(7) and row.last_dial == dt.time(16)
    assert row.sessions == 2 and row.median_break_minutes == 9 * 60 - 10
    hours = ds.activity_hours(df, tz="America/New_York")
    assert hours.set_index("hour").loc[7, "dials"] == 2
    assert hours.attrs["tz"] == "America/New_York"
    with pytest.warns(UserWarning, match="tz="):
        utc = ds.activity(df).iloc[0]
    assert utc.first_dial == dt.time(12)
    zoned = df.assign(started_at=df["started_at"].dt.tz_convert("Europe/Berlin"))
    assert ds.activity(zoned).iloc[0].first_dial == dt.time(13)


def test_idle_parsing_and_bad_input():
    df = frame([(0, False), (40, False)])
    assert ds.activity(df, idle="30 minutes", tz="UTC").sessions.item() == 2
    assert ds.activity(df, idle=dt.timedelta(hours=1), tz="UTC").sessions.item() == 1
    for bad, hint in (
        ("30 mins", "'30min'"),
        (30, "'30min'"),
        ("30", "'30min'"),
        ("2 hrs", "'2h'"),
    ):
        with pytest.raises(InvalidParameterError, match=f"did you mean {hint}"):
            ds.activity(df, idle=bad, tz="UTC")
    with pytest.raises(InvalidParameterError, match="longer than 0"):
        ds.activity(df, idle="0s", tz="UTC")
    with pytest.raises(InvalidParameterError, match="tz"):
        ds.activity(df, tz="New York")
    with pytest.raises(ds.MissingColumnError, match="started_at"):
        ds.activity(df.drop(columns="started_at"), tz="UTC")


def test_empty_and_one_row():
    empty = ds.activity(calls(), tz="UTC")
    assert empty.empty and "sessions" in empty.columns
    assert ds.activity_sessions(calls(), tz="UTC").empty
    assert ds.activity_hours(calls(), tz="UTC").empty
    one = ds.activity(frame([(0, False)]), by=None, tz="UTC").iloc[0]
    assert (one.dials, one.sessions, one.median_session_minutes) == (1, 1, 0.0)
    assert pd.isna(one.median_break_minutes)
    undated = frame([(0, False), (5, False)])
    undated.loc[1, "started_at"] = pd.NaT
    assert ds.activity(undated, tz="UTC").dials.item() == 1


def generated(seed: int, gap: float) -> tuple[pd.DataFrame, dict]:
    knobs = dataclasses.replace(KNOBS, session_gap_minutes=gap)
    # Many dials a day, so dials inside a session are minutes apart and the idle gaps stand out.
    data = generate(seed=seed, n_calls=5000, days=7, knobs=knobs)
    return records_to_frame(data.calls, data.dispositions), data.truth


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("gap", [25.0, 45.0])
def test_planted_session_gaps_are_found(seed, gap):
    df, truth = generated(seed, gap)
    out = ds.activity(df, idle="15min", tz="UTC")
    planted = truth["session_gap_minutes"]
    assert planted == gap
    # A break is the planted gap plus the pace of dials on each side (about 5 minutes here),
    # and lunch and meeting breaks mix in; the median sits just above the planted gap.
    assert planted <= out.median_break_minutes.median() <= planted + 15


def test_no_planted_gaps_gives_few_sessions():
    none, truth = generated(3, 0.0)
    assert truth["session_gap_minutes"] == 0.0
    planted, _ = generated(3, 25.0)
    per_day = {
        name: (out.sessions.sum() / out.active_days.sum())
        for name, out in (
            ("none", ds.activity(none, idle="20min", tz="UTC")),
            ("planted", ds.activity(planted, idle="20min", tz="UTC")),
        )
    }
    # One session a working day (quiet days' sparse dials split now and then) against about
    # one per hour.
    assert per_day["none"] < 2 < 4 < per_day["planted"]

"""sdr/list/sequence performance, best_time_to_call and overview on hand-built frames."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError
from test_analysis_core import SAMPLE, call, calls

LIST_X = {"contact_list_id": "l-x", "contact_list_name": "Fintech CFOs"}
LIST_Y = {"contact_list_id": "l-y", "contact_list_name": "Retail"}


@pytest.fixture
def sample() -> pd.DataFrame:
    return calls(*SAMPLE)


def test_sdr_performance(sample):
    sample["created_at"] = pd.to_datetime(
        ["2024-03-04T10:00Z", "2024-03-04T23:30Z", "2024-03-05T00:30Z", "2024-03-05T03:00Z"]
        + ["2024-03-05T04:30Z"]
        + ["2024-03-06T09:00Z"] * 5
    )
    out = ds.sdr_performance(sample)
    assert out["user_id"].tolist() == ["u-a", "u-b"]  # Ann set a meeting
    ann = out.iloc[0]
    assert (ann.user_name, ann.total_calls, ann.connected_calls, ann.conversations) == (
        "Ann Lee",
        5,
        3,
        2,
    )
    assert (ann.meetings_set, ann.total_duration) == (1, 90 + 30 + 75 + 25 + 0)
    assert (ann.connection_rate, ann.conversation_rate, ann.meeting_rate) == (0.6, 0.4, 0.2)
    assert ann.active_days == 2 and ann.avg_dials_day == 2.5
    assert out.iloc[1].active_days == 1 and out.iloc[1].avg_dials_day == 5.0
    # in New York (UTC-5) all of Ann's calls fall on 4 March
    in_new_york = ds.sdr_performance(sample, tz="America/New_York").iloc[0]
    assert (in_new_york.active_days, in_new_york.avg_dials_day) == (1, 5.0)


def test_performance_sorts_by_meetings_then_connection_rate_then_id():
    rows = [
        call("human", 3, user_id="u-3"),  # 1 connected of 1
        call("human", 3, user_id="u-2"),  # 1 of 2
        call(None, 10, user_id="u-2"),
        call("human", 1, user_id="u-9"),  # a meeting beats any rate
        call(None, 10, user_id="u-9"),
        call(None, 10, user_id="u-9"),
        call("human", 3, user_id="u-1"),  # ties u-2: id order
        call(None, 10, user_id="u-1"),
    ]
    out = ds.sdr_performance(calls(*rows))
    assert out["user_id"].tolist() == ["u-9", "u-3", "u-1", "u-2"]


def test_list_and_sequence_performance(sample):
    lists = [LIST_X] * 3 + [LIST_Y] * 6 + [{}]
    sequences = [{"sequence_id": "s-1", "sequence_name": "Q1 push"}] * 4 + [{}] * 6
    for column in ("contact_list_id", "contact_list_name", "sequence_id", "sequence_name"):
        values = [extra.get(column) for extra in (lists if "list" in column else sequences)]
        sample[column] = pd.array(values, dtype="string")
    by_list = ds.list_performance(sample)
    assert by_list["contact_list_id"].tolist()[:2] == ["l-x", "l-y"]
    assert by_list["contact_list_name"].tolist()[:2] == ["Fintech CFOs", "Retail"]
    assert by_list["total_calls"].tolist() == [3, 6, 1]  # calls from no list: a row of their own
    assert by_list["connected_calls"].tolist() == [3, 0, 0]
    assert by_list["avg_dials_day"].tolist()[:2] == [3.0, 6.0]  # all on one day
    by_sequence = ds.sequence_performance(sample)
    assert by_sequence["sequence_id"].tolist()[0] == "s-1"
    assert pd.isna(by_sequence["sequence_id"].iloc[1])
    assert by_sequence["total_calls"].tolist() == [4, 6]


def test_performance_of_an_empty_frame_and_missing_columns(sample):
    assert ds.sdr_performance(calls()).empty
    assert "connection_rate_low" in ds.list_performance(calls()).columns
    with pytest.raises(
        ds.MissingColumnError, match=r"list_performance\(\) needs column 'contact_list_id'"
    ):
        ds.list_performance(sample.drop(columns="contact_list_id"))
    with pytest.raises(InvalidParameterError, match="tz"):
        ds.sdr_performance(sample, tz="Mars/Olympus_Mons")


# -- best_time_to_call -----------------------------------------------------------------------


def timed(*rows):
    """Calls at given UTC times (a Monday in winter) in given contact zones."""
    return calls(*(call("human", 3, at=at, contact_timezone=zone) for at, zone in rows))


def test_best_time_reads_each_call_in_its_contacts_zone():
    frame = timed(
        ("2024-03-04T15:00:00Z", "America/New_York"),  # Monday 10:00 in New York
        ("2024-03-04T15:00:00Z", "Europe/Berlin"),  # Monday 16:00 in Berlin
        ("2024-03-04T15:00:00Z", None),  # no zone, no number: left out, never read as UTC
        ("2024-03-10T23:30:00Z", "Asia/Tokyo"),  # Monday 08:30 in Tokyo
        (None, "Asia/Tokyo"),  # no start time: left out
    )
    with pytest.warns(UserWarning, match="1 of 5 calls have no known contact time zone"):
        table = ds.best_time_to_call(frame, min_dials=1)
    assert table.attrs["unknown_zone_calls"] == 1
    assert table.shape == (7, 24)
    assert table.index.tolist()[0] == "Monday" and table.columns.tolist() == list(range(24))
    filled = {(day, hour) for (day, hour), v in table.stack().items() if pd.notna(v)}
    assert filled == {("Monday", 10), ("Monday", 16), ("Monday", 8)}
    assert table.loc["Monday", 10] == 1.0
    assert (table.dtypes == "Float64").all()


def test_best_time_in_one_zone_and_the_min_dials_cut():
    frame = timed(*[("2024-03-05T14:10:00Z", "Europe/Berlin")] * 3, ("2024-03-05T14:50:00Z", None))
    frame.loc[0, "disposition_id"] = 10  # one not connected
    tidy = ds.best_time_to_call(frame, tz="America/Chicago", min_dials=2, wide=False)
    cell = tidy[(tidy["weekday"] == "Tuesday") & (tidy["hour"] == 8)].iloc[0]
    assert (cell.dials, cell.connected, cell.connect_rate) == (4, 3, 0.75)
    assert cell.connect_rate_low == pytest.approx(ds.wilson_interval(3, 4)[0])
    table = ds.best_time_to_call(frame, tz="UTC", min_dials=4)
    assert table.loc["Tuesday", 14] == 0.75
    assert ds.best_time_to_call(frame, tz="UTC", min_dials=5).isna().all().all()
    assert len(tidy) == 7 * 24 and tidy["dials"].sum() == 4


def test_best_time_other_metrics_and_unknown_zones():
    frame = timed(("2024-03-04T15:00:00Z", "Mars/Olympus_Mons"), ("2024-03-04T15:00:00Z", "UTC"))
    with pytest.warns(UserWarning, match="1 of 2 calls have no known contact time zone"):
        table = ds.best_time_to_call(frame, metric="meeting_rate", min_dials=1)
    assert table.loc["Monday", 15] == 0.0
    assert table.attrs["unknown_zone_calls"] == 1
    with pytest.warns(UserWarning, match="no known contact time zone"):
        tidy = ds.best_time_to_call(frame, min_dials=1, wide=False)
    assert tidy["dials"].sum() == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds.best_time_to_call(timed(("2024-03-04T15:00:00Z", "UTC")), min_dials=1)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"metric": "hit_rate"}, "metric"),
        ({"min_dials": -1}, "min_dials"),
        ({"min_dials": 2.5}, "min_dials"),
        ({"tz": "Nowhere/Land"}, "tz"),
    ],
)
def test_best_time_rejects_bad_arguments(sample, kwargs, parameter):
    with pytest.raises(InvalidParameterError) as caught:
        ds.best_time_to_call(sample, **kwargs)
    assert caught.value.parameter == parameter


def test_best_time_needs_the_contact_zone_only_for_contact_time(sample):
    without = sample.drop(columns=["contact_tz", "contact_timezone", "to", "contact_phone"])
    with pytest.raises(ds.MissingColumnError, match="contact_tz"):
        ds.best_time_to_call(without)
    assert ds.best_time_to_call(without, tz="UTC", min_dials=1).loc["Monday", 15] == 0.3
    assert ds.best_time_to_call(calls()).isna().all().all()


# -- overview ----------------------------------------------------------------------------------


def days(*pairs):
    """Calls created on given days: (ISO day, disposition id)."""
    return calls(*(call("human", d, 90, at=f"{day}T12:00:00Z") for day, d in pairs))


def test_overview_compares_with_the_period_before():
    frame = days(
        ("2024-03-01", 3),  # before the previous period
        ("2024-03-03", 3),  # previous: 3rd-4th
        ("2024-03-04", 10),
        ("2024-03-05", 1),  # current: 5th-6th
        ("2024-03-06", 3),
        ("2024-03-06", 11),
    )
    out = ds.overview(frame, start_date="2024-03-05", end_date="2024-03-06")
    assert out.index.tolist() == [
        *["total_calls", "connected_calls", "conversations", "meetings_set"],
        *["connect_rate", "conversation_rate", "meeting_rate"],
    ]
    assert out["value"].tolist()[:4] == [3, 2, 2, 1]
    assert out["previous"].tolist()[:4] == [2, 1, 1, 0]
    assert out["growth"].tolist()[:3] == [0.5, 1.0, 1.0]
    assert pd.isna(out.loc["meetings_set", "growth"])  # nothing to grow from
    assert out.loc["connect_rate", ["value", "previous"]].tolist() == [2 / 3, 1 / 2]
    assert out.loc["connect_rate", "growth"] == pytest.approx(1 / 3)
    assert out.attrs["start"] == pd.Timestamp("2024-03-05", tz="UTC")


def test_overview_bounds_are_inclusive_and_default_to_the_data():
    frame = days(("2024-03-05", 3), ("2024-03-06", 3))
    frame.loc[1, "created_at"] = pd.Timestamp("2024-03-06T23:59:59.999", tz="UTC")
    assert ds.overview(frame)["value"].iloc[0] == 2
    assert ds.overview(frame, end_date="2024-03-06T12:00:00Z")["value"].iloc[0] == 1
    assert ds.overview(frame, start_date=pd.Timestamp("2024-03-06").date())["value"].iloc[0] == 1
    with pytest.warns(UserWarning, match="no calls"):
        assert (
            ds.overview(calls(), start_date="2024-03-05", end_date="2024-03-06")["value"].tolist()[
                :4
            ]
            == [0] * 4
        )
    assert ds.overview(calls())["value"].tolist()[:4] == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"start_date": "someday"}, "start_date"),
        ({"start_date": "2024-03-06", "end_date": "2024-03-05"}, "end_date"),
        ({"tz": "Local"}, "tz"),
    ],
)
def test_overview_rejects_bad_arguments(sample, kwargs, parameter):
    with pytest.raises(InvalidParameterError) as caught:
        ds.overview(sample, **kwargs)
    assert caught.value.parameter == parameter


def test_contact_local_times_match_a_call_by_call_conversion():
    """Across DST changes, half- and quarter-hour zones and an odd 1937 transition."""
    rng = np.random.default_rng(0)
    zones = ["America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", None]
    n = 3000
    start = pd.Timestamp("2024-01-01", tz="UTC")
    times = start + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s")
    amsterdam = pd.Timestamp("1937-06-30T23:00:00Z")  # +00:19:32 -> +00:20 inside this hour
    times = times.append(amsterdam + pd.to_timedelta(rng.integers(0, 7200, 200), unit="s"))
    frame = calls(*(call("human", 3) for _ in range(n + 200)))
    frame["started_at"] = times
    names = [*rng.choice(np.array(zones, dtype=object), n), *["Europe/Amsterdam"] * 200]
    frame["contact_timezone"] = pd.array(names, dtype="string")
    with pytest.warns(UserWarning, match="no known contact time zone"):
        tidy = ds.best_time_to_call(frame, min_dials=1, wide=False)
    # calls without a zone are left out
    local = [t.tz_convert(z) for t, z in zip(times, names, strict=True) if z is not None]
    expected = pd.DataFrame(
        {"weekday": [t.day_name() for t in local], "hour": [t.hour for t in local]}
    )
    counts = expected.value_counts().to_dict()
    got = {
        (d, h): n for d, h, n in zip(tidy["weekday"], tidy["hour"], tidy["dials"], strict=True) if n
    }
    assert got == counts

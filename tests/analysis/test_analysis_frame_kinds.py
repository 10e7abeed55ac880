"""Exact on every frame: timestamp units, backends, zones, input kinds; each a bug once."""

from __future__ import annotations

import pandas as pd
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError
from dialstats.frame._build import records_to_frame
from test_analysis_core import SAMPLE, call, calls


def with_unit(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    out = df.copy()
    for column in ("started_at", "created_at"):
        out[column] = out[column].astype(f"datetime64[{unit}, UTC]")
    return out


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
@pytest.mark.parametrize("freq", ["W", "ME", "D", "MS", "h", "QE"])
def test_periods_are_the_same_for_every_timestamp_unit(demo, unit, freq):
    expected = ds.answer_rates(demo, freq=freq)
    got = ds.answer_rates(with_unit(demo, unit), freq=freq)
    assert got["dials"].tolist() == expected["dials"].tolist()
    assert got["period"].tolist() == expected["period"].tolist()
    if freq == "W":
        assert got["dials"].max() < len(demo)  # not every call in week one


def test_active_days_follow_tz_on_every_backend_and_naive_frames(demo, demo_arrow):
    naive = demo.assign(created_at=demo["created_at"].dt.tz_localize(None))
    expected = ds.sdr_performance(demo, tz="America/Los_Angeles")["active_days"].tolist()
    assert expected != ds.sdr_performance(demo)["active_days"].tolist()  # the zone matters
    for frame in (demo_arrow, naive, with_unit(demo, "s")):
        got = ds.sdr_performance(frame, tz="America/Los_Angeles")["active_days"].tolist()
        assert got == expected


def test_active_days_default_to_the_frames_zone(demo):
    local = demo.assign(created_at=demo["created_at"].dt.tz_convert("America/Los_Angeles"))
    expected = ds.sdr_performance(demo, tz="America/Los_Angeles")["active_days"].tolist()
    assert ds.sdr_performance(local)["active_days"].tolist() == expected
    utc = ds.sdr_performance(demo, tz="UTC")["active_days"].tolist()
    assert ds.sdr_performance(local, tz="UTC")["active_days"].tolist() == utc


@pytest.mark.parametrize(
    ("freq", "message"),
    [
        ("0D", "at least one period"),
        ("-1W", "at least one period"),
        ("1ns", "coarser"),
        ("weekly", "offset alias"),
        (7, "offset alias"),
        (pd.Timedelta(0), "at least one period"),
    ],
)
def test_bad_freq_is_a_clear_error_before_any_work(demo, freq, message):
    with pytest.raises(InvalidParameterError, match=message) as error:
        ds.answer_rates(demo, freq=freq)
    assert error.value.parameter == "freq"


def _analyses():
    return {
        "answer_rates": ds.answer_rates,
        "machine_detection": ds.machine_detection,
        "disposition_funnel": ds.disposition_funnel,
        "sdr_performance": ds.sdr_performance,
        "overview": ds.overview,
        "best_time_to_call": lambda df: ds.best_time_to_call(df, tz="UTC"),
    }


BAD_COLUMNS = {
    "duration as text": ("duration", lambda s: s.astype("string")),
    "disposition ids as text": ("disposition_id", lambda s: s.astype("string")),
    "outcome as numbers": ("outcome", lambda s: pd.Series(1, index=s.index)),
    "answered_by as numbers": ("answered_by", lambda s: pd.Series(0, index=s.index)),
    "start times as text": ("started_at", lambda s: s.astype("string")),
    "creation times as text": ("created_at", lambda s: s.astype("string")),
}


@pytest.mark.parametrize("name", list(_analyses()))
@pytest.mark.parametrize("bad", list(BAD_COLUMNS))
def test_wrong_column_kinds_are_a_clear_error(name, bad):
    column, make = BAD_COLUMNS[bad]
    frame = calls(*SAMPLE)
    frame[column] = make(frame[column])
    analysis = _analyses()[name]
    reads = {
        "answer_rates": {"outcome", "answered_by", "disposition_id"},
        "machine_detection": {"outcome", "answered_by", "disposition_id", "duration"},
        "disposition_funnel": {"outcome", "answered_by", "disposition_id", "duration"},
        "sdr_performance": {"answered_by", "disposition_id", "duration", "created_at"},
        "overview": {"answered_by", "disposition_id", "duration", "created_at"},
        "best_time_to_call": {"answered_by", "disposition_id", "started_at"},
    }[name]
    if column not in reads:
        analysis(frame)  # a column the analysis does not read may hold anything
        return
    with pytest.raises(InvalidParameterError, match=f"column '{column}' to hold"):
        analysis(frame)


def test_outcome_as_numbers_is_refused_not_counted_as_zero_answered():
    frame = calls(*SAMPLE)
    frame["outcome"] = 1
    with pytest.raises(InvalidParameterError, match="'outcome' to hold text"):
        ds.answer_rates(frame)


def test_object_text_columns_are_accepted():
    frame = calls(*SAMPLE)
    frame["outcome"] = frame["outcome"].astype(object)
    assert ds.answer_rates(frame)["answered"].item() == 8


@pytest.mark.parametrize("name", list(_analyses()))
def test_a_duplicated_column_is_a_clear_error(name):
    frame = calls(*SAMPLE)
    frame = pd.concat([frame, frame[["disposition_id"]]], axis=1)
    with pytest.raises(InvalidParameterError, match="more than once"):
        _analyses()[name](frame)


HAVANA = "America/Havana"  # springs forward at 00:00 (2024-03-10), falls back 01:00 -> 00:00


@pytest.mark.parametrize("start", ["2024-03-03", "2024-10-27"])
@pytest.mark.parametrize("freq", ["D", "W", "W-SAT", "ME"])
def test_havana_midnights(start, freq):
    times = pd.Series(pd.date_range(start, periods=60, freq="5h", tz=HAVANA))
    frame = calls(*[call("human", 3)] * len(times))
    frame["started_at"] = times.set_axis(frame.index)
    out = ds.answer_rates(frame, freq=freq)
    assert out["dials"].sum() == len(times)
    expected = pd.Series(1, index=pd.DatetimeIndex(times)).resample(freq).size()
    assert out["dials"].tolist() == expected.tolist()
    assert list(out["period"]) == list(expected.index)


def test_havana_active_days():
    times = pd.Series(pd.date_range("2024-03-08", periods=20, freq="5h", tz=HAVANA))
    frame = calls(*[call("human", 3)] * len(times))
    frame["created_at"] = times.set_axis(frame.index)
    expected = len({stamp.date() for stamp in times})
    assert ds.sdr_performance(frame)["active_days"].item() == expected


def test_zero_count_filler_rows_keep_their_names(demo):
    out = ds.disposition_breakdown(demo, by="outcome")
    filler = out[out["count"] == 0]
    assert len(filler)
    assert filler["disposition_name"].notna().all()
    assert filler["disposition_category"].notna().all()
    names = out.drop_duplicates("disposition_id").set_index("disposition_id")["disposition_name"]
    for row in filler.itertuples():
        assert row.disposition_name == names[row.disposition_id]


def test_one_meeting_count_and_the_funnel_names_what_it_counts(demo):
    meetings = int(demo["disposition_id"].eq(1).sum())
    assert ds.sdr_performance(demo)["meetings_set"].sum() == meetings
    assert ds.overview(demo).loc["meetings_set", "value"] == meetings
    cells = ds.best_time_to_call(demo, tz="UTC", metric="meeting_rate", wide=False)
    assert cells["meetings"].sum() == meetings
    funnel = ds.disposition_funnel(demo).set_index("stage")["count"]
    assert "meetings" not in funnel.index
    connected = ds.flags(demo)["is_connected"].to_numpy()
    assert funnel["connected_meetings"] == int((demo["disposition_id"].eq(1) & connected).sum())
    assert funnel["connected_meetings"] < meetings  # AMD labelled some meetings' calls machines


def test_custom_reached_dispositions_count_everywhere(demo):
    custom = ds.Definitions(reached={"Not a Decision Maker"})
    vendor = ds.answer_rates(demo)["connected"].item()
    more = ds.answer_rates(demo, definitions=custom)["connected"].item()
    extra = int(
        (demo["disposition_name"].eq("Not a Decision Maker") & demo["answered_by"].eq("human"))
        .fillna(False)
        .sum()
    )
    assert more == vendor + extra > vendor
    assert ds.sdr_performance(demo, definitions=custom)["connected_calls"].sum() == more
    assert ds.overview(demo, definitions=custom).loc["connected_calls", "value"] == more
    funnel = ds.disposition_funnel(demo, definitions=custom).set_index("stage")["count"]
    assert funnel["connected"] == more
    assert ds.flags(demo, definitions=custom)["is_connected"].sum() == more


def test_fractional_durations_are_summed_as_sent():
    frame = calls(*SAMPLE)
    frame["duration"] = frame["duration"].astype("Float64") + 0.25
    out = ds.sdr_performance(frame)
    assert out["total_duration"].sum() == pytest.approx(float(frame["duration"].sum()))


def test_a_59_5_second_call_read_from_the_api_is_not_a_conversation():
    record = {
        "_id": "a",
        "outcome": "answered",
        "answered_by": "human",
        "duration": 59.5,
        "disposition": {"internal_id": 3},
    }
    frame = records_to_frame([record], None)
    assert frame["duration"].item() == 59.5
    assert ds.answer_rates(frame)["connected"].item() == 1
    assert not ds.flags(frame)["is_conversation"].item()


@pytest.mark.parametrize("freq", ["D", "W", "MS"])
def test_a_day_before_an_ambiguous_havana_midnight(freq):
    # pandas' own resample raises here (the bin after 2024-11-02 starts at an ambiguous 00:00).
    frame = calls(call("human", 3))
    frame["started_at"] = pd.Series([pd.Timestamp("2024-11-02 00:00", tz=HAVANA)]).dt.as_unit("s")
    out = ds.answer_rates(frame, freq=freq)
    assert out["dials"].tolist() == [1]
    label = {"D": "2024-11-02", "W": "2024-11-03", "MS": "2024-11-01"}[freq]
    assert out["period"].tolist() == [pd.Timestamp(label).tz_localize(HAVANA, ambiguous=True)]


def test_overview_days_start_at_the_first_of_an_ambiguous_havana_midnight():
    # 2024-11-03 00:30 happens twice in Havana; the first (-04:00) is on that day too.
    frame = calls(call("human", 3))
    frame["created_at"] = pd.Series([pd.Timestamp("2024-11-03 04:30", tz="UTC")])
    with pytest.warns(UserWarning, match="does not cover both periods"):  # (no day before)
        out = ds.overview(frame, start_date="2024-11-03", end_date="2024-11-03", tz=HAVANA)
    assert out.loc["total_calls", "value"] == 1
    assert out.attrs["start"] == pd.Timestamp("2024-11-03 04:00", tz="UTC")


def test_overview_default_period_is_in_the_frames_zone(demo):
    local = demo.assign(created_at=demo["created_at"].dt.tz_convert("America/Los_Angeles"))
    out = ds.overview(local)
    assert out.attrs["start"] == pd.Timestamp("2026-08-03", tz="America/Los_Angeles")
    expected = ds.overview(demo, tz="America/Los_Angeles")
    assert out["value"].tolist() == expected["value"].tolist()


@pytest.mark.parametrize(
    ("function", "column", "value"),
    [
        (ds.machine_detection_matrix, "answered_by", 1),
        (lambda df: ds.disposition_breakdown(df, level="category"), "disposition_category", 2),
        (ds.disposition_breakdown, "disposition_id", "1"),
        (ds.plot.durations, "duration", "30"),
    ],
)
def test_other_readers_of_columns_check_their_kinds(function, column, value):
    frame = calls(*SAMPLE)
    frame[column] = value
    with pytest.raises(InvalidParameterError, match=f"'{column}' to hold"):
        function(frame)

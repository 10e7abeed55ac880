"""Property tests: each analysis against a plain loop over the rows, on random frames of every
timestamp unit, dtype backend, zone (naive = UTC) and pattern of missing values."""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from collections import Counter, defaultdict

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dialstats as ds
from dialstats.analysis import period_key
from dialstats.frame._schema import TIMESTAMP_COLUMNS, call_log_dtypes

EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNITS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
# Havana moves at midnight, Lord Howe by 30 minutes, Kolkata sits at +05:30; None: naive.
ZONES = [None, "UTC", "America/New_York", "America/Havana", "Asia/Kolkata", "Australia/Lord_Howe"]
DISPOSITIONS = {
    1: ("Answered - Meeting Set", "positive"),
    3: ("Answered - Not Interested", "negative"),
    6: ("Answered - Call back later", "positive"),
    9: ("Answered - Referral", "positive"),
    10: ("No Answer", "not_answered"),
    11: ("Left Voicemail", "not_answered"),
    14: ("Cancelled", "cancelled"),
    42: ("Not a Decision Maker", "neutral"),
    None: (None, None),
}
USERS = {"u1": "Ann Lee", "u2": "Bo Park", "u3": "Cy Diaz", None: None}
# The schema columns the analyses read (the others would only slow the examples down).
COLUMNS = [
    "started_at",
    "created_at",
    "outcome",
    "answered_by",
    "duration",
    "user_id",
    "user_name",
    "disposition_id",
    "disposition_name",
    "disposition_category",
]
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
START, END = pd.Timestamp("2024-01-01", tz="UTC").value, pd.Timestamp("2025-01-01", tz="UTC").value


def optional(strategy):
    return st.one_of(st.none(), strategy)


row = st.fixed_dictionaries(
    {
        "outcome": optional(st.sampled_from(["answered", "no-answer", "cancelled"])),
        "answered_by": optional(st.sampled_from(["human", "machine_start"])),
        "disposition_id": st.sampled_from(list(DISPOSITIONS)),
        "duration": optional(st.sampled_from([0, 1, 59, 59.5, 60, 61.25, 600])),
        "started_at": optional(st.integers(START, END)),
        "created_at": optional(st.integers(START, END)),
        "user_id": st.sampled_from(list(USERS)),
    }
)


@st.composite
def frames(draw):
    """(frame, rows, zone): a call-log frame and the plain rows it was built from."""
    rows = draw(st.lists(row, max_size=40))
    unit = draw(st.sampled_from(list(UNITS)))
    zone = draw(st.sampled_from(ZONES))
    backend = draw(st.sampled_from(["numpy_nullable", "pyarrow"]))
    fractional = draw(st.booleans())
    step = UNITS[unit]
    for item in rows:
        for column in ("started_at", "created_at"):
            if item[column] is not None:
                item[column] -= item[column] % step  # a time the unit can hold exactly
        if not fractional and isinstance(item["duration"], float):
            item["duration"] = round(item["duration"])
        item["disposition_name"], item["disposition_category"] = DISPOSITIONS[
            item["disposition_id"]
        ]
        item["user_name"] = USERS[item["user_id"]]
    dtypes = call_log_dtypes()
    columns = {}
    for name in COLUMNS:
        dtype = dtypes[name]
        values = [item.get(name) for item in rows]
        if name in TIMESTAMP_COLUMNS:
            stamps = pd.to_datetime(pd.Series(values, dtype="Int64"), unit="ns", utc=True)
            stamps = stamps.dt.as_unit(unit)
            stamps = stamps.dt.tz_convert(zone) if zone else stamps.dt.tz_localize(None)
            columns[name] = stamps
        elif name == "duration":
            columns[name] = pd.Series(values, dtype="Float64" if fractional else "Int64")
        else:
            columns[name] = pd.Series(values, dtype=object).astype(dtype)
    frame = pd.DataFrame(columns)
    if backend == "pyarrow":
        frame = pa.Table.from_pandas(frame, preserve_index=False).to_pandas(
            types_mapper=pd.ArrowDtype
        )
    return frame, rows, zone


# -- the reference: the vendor's definitions, one row at a time ---------------------------------


def flags(item: dict) -> dict[str, bool]:
    disposition, seconds = item["disposition_id"], item["duration"]
    human = item["answered_by"] == "human"
    connected = human and disposition is not None and disposition < 10
    meeting = disposition == 1
    return {
        "dials": True,
        "answered": item["outcome"] == "answered",
        "human": human,
        "machine": item["answered_by"] == "machine_start",
        "connected": connected,
        "conversations": connected and (meeting or (seconds is not None and seconds >= 60)),
        "meetings": meeting,
        "voicemails": disposition == 11,
        "positive": item["disposition_category"] == "positive",
        "reached": disposition is not None and disposition < 10,
    }


def local(ns: int, zone: str | None) -> dt.datetime:
    """The wall clock of an instant in `zone` (naive: UTC), exact to the microsecond."""
    utc = EPOCH + dt.timedelta(microseconds=ns // 1000)
    return utc.astimezone(zoneinfo.ZoneInfo(zone or "UTC"))


def label_day(day: dt.date, freq: str) -> dt.date:
    if freq == "D":
        return day
    if freq == "W":  # weeks end on Sunday, labelled by it
        return day + dt.timedelta(days=6 - day.weekday())
    if freq == "MS":
        return day.replace(day=1)
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])  # ME


def midnight(day: dt.date, zone: str | None) -> pd.Timestamp:
    wall = pd.Timestamp(day)
    if zone is None:
        return wall
    return wall.tz_localize(zone, ambiguous=True, nonexistent="shift_forward")


def key(value: object) -> object:
    return None if pd.isna(value) else value


def table(out: pd.DataFrame, keys: list[str], values: list[str]) -> dict:
    return {
        tuple(key(v) for v in record[: len(keys)]): tuple(int(v) for v in record[len(keys) :])
        for record in out[keys + values].itertuples(index=False, name=None)
    }


COUNTS = ["dials", "answered", "human", "machine", "connected"]


@EXAMPLES
@given(frames())
def test_answer_rates_by_rep(case):
    frame, rows, _ = case
    out = ds.answer_rates(frame, by="user_name")
    expected = defaultdict(lambda: [0] * len(COUNTS))
    for item in rows:
        hits = flags(item)
        for position, name in enumerate(COUNTS):
            expected[(item["user_name"],)][position] += hits[name]
    assert table(out, ["user_name"], COUNTS) == {k: tuple(v) for k, v in expected.items()}
    for record in out.itertuples():
        if record.dials:
            assert record.connect_rate == record.connected / record.dials
            assert record.connect_rate_low <= record.connect_rate <= record.connect_rate_high
        else:
            assert pd.isna(record.connect_rate)


@EXAMPLES
@given(frames(), st.sampled_from(["D", "W", "MS", "ME"]))
def test_answer_rates_per_period(case, freq):
    frame, rows, zone = case
    out = ds.answer_rates(frame, freq=freq)
    expected = Counter()
    for item in rows:
        if item["started_at"] is None:
            expected[None] += 1
        else:
            day = local(item["started_at"], zone).date()
            expected[midnight(label_day(day, freq), zone)] += 1
    got = {key(p): d for p, d in zip(out["period"], out["dials"], strict=True) if d}
    assert got == dict(expected)
    periods = [p for p in out["period"] if pd.notna(p)]
    assert periods == sorted(periods) and len(set(periods)) == len(periods)
    if periods:  # every period between the first and the last is a row
        days = {
            label_day(local(i["started_at"], zone).date(), freq) for i in rows if i["started_at"]
        }
        first, last = min(days), max(days)
        span = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        assert len(periods) == len({label_day(day, freq) for day in span})


@EXAMPLES
@given(frames(), st.sampled_from([None, "UTC", "America/Havana", "Asia/Kolkata"]))
def test_sdr_performance(case, tz):
    frame, rows, zone = case
    out = ds.sdr_performance(frame, tz=tz)
    per_rep = defaultdict(lambda: {"counts": [0, 0, 0, 0], "seconds": 0.0, "days": set()})
    for item in rows:
        rep, hits = per_rep[item["user_id"]], flags(item)
        for position, name in enumerate(["dials", "connected", "conversations", "meetings"]):
            rep["counts"][position] += hits[name]
        rep["seconds"] += item["duration"] or 0
        if item["created_at"] is not None:
            rep["days"].add(local(item["created_at"], tz or zone).date())
    columns = ["total_calls", "connected_calls", "conversations", "meetings_set"]
    assert table(out, ["user_id"], columns) == {
        (rep,): tuple(values["counts"]) for rep, values in per_rep.items()
    }
    for record in out.itertuples():
        values = per_rep[key(record.user_id)]
        assert record.active_days == len(values["days"])
        assert float(record.total_duration) == pytest.approx(values["seconds"])
        assert key(record.user_name) == USERS[key(record.user_id)]


STAGES = ["dials", "answered", "connected", "conversations", "meetings"]


@EXAMPLES
@given(frames())
def test_disposition_funnel(case):
    frame, rows, _ = case
    out = ds.disposition_funnel(frame)
    expected = [0] * len(STAGES)
    for item in rows:
        hits = flags(item)
        for position in range(len(STAGES)):
            if all(hits[name] for name in STAGES[: position + 1]):
                expected[position] += 1
    assert out["count"].tolist() == expected


@EXAMPLES
@given(frames())
def test_machine_detection(case):
    frame, rows, _ = case
    out = ds.machine_detection(frame)
    hits = [flags(item) for item in rows]
    assert out["voicemails"].item() == sum(h["voicemails"] for h in hits)
    assert out["amd_suspected_false_positive"].item() == sum(
        h["machine"] and h["reached"] for h in hits
    )
    assert out["amd_suspected_false_negative"].item() == sum(
        h["human"] and h["voicemails"] for h in hits
    )
    human = sorted(
        i["duration"]
        for i, h in zip(rows, hits, strict=False)
        if h["human"] and i["duration"] is not None
    )
    median = out["median_duration_human"].item()
    if human:
        middle = len(human) // 2
        exact = human[middle] if len(human) % 2 else (human[middle - 1] + human[middle]) / 2
        assert median == pytest.approx(exact)
    else:
        assert pd.isna(median)


@EXAMPLES
@given(frames(), st.sampled_from(["UTC", "America/Havana", "Asia/Kolkata", "Australia/Lord_Howe"]))
def test_best_time_to_call_in_a_zone(case, tz):
    frame, rows, _ = case
    out = ds.best_time_to_call(frame, tz=tz, min_dials=0, wide=False, metric="meeting_rate")
    expected = Counter()
    for item in rows:
        if item["started_at"] is not None:
            wall = local(item["started_at"], tz)
            expected[(calendar.day_name[wall.weekday()], wall.hour)] += 1
    got = {
        (str(w), int(h)): d
        for w, h, d in zip(out["weekday"], out["hour"], out["dials"], strict=False)
        if d
    }
    assert got == dict(expected)
    assert out["meetings"].sum() == sum(
        flags(i)["meetings"] for i in rows if i["started_at"] is not None
    )


HOUR = 3600 * 10**9


@EXAMPLES
@given(frames())
def test_answer_rates_per_hour(case):
    frame, rows, zone = case
    out = ds.answer_rates(frame, freq="h")
    times = [item["started_at"] for item in rows if item["started_at"] is not None]
    expected = Counter({None: len(rows) - len(times)} if len(times) < len(rows) else {})
    if times:
        # Hours are fixed lengths of time counted from the first call's local midnight.
        origin = midnight(local(min(times), zone).date(), zone)
        start = origin.value if zone else origin.tz_localize("UTC").value
        for ns in times:
            label = pd.Timestamp(start + (ns - start) // HOUR * HOUR, tz="UTC")
            expected[label.tz_convert(zone) if zone else label.tz_localize(None)] += 1
    got = {key(p): d for p, d in zip(out["period"], out["dials"], strict=True) if d}
    assert got == dict(expected)


def test_hours_start_at_the_first_instant_of_a_day_whose_midnight_is_skipped():
    # Havana springs forward at 00:00 on 2024-03-10: that day begins at 01:00 local time.
    zone = "America/Havana"
    started = pd.Series(
        pd.DatetimeIndex(["2024-03-10 01:00", "2024-03-10 03:30"]).tz_localize(zone)
    )
    hours = period_key(started, "h")
    assert [stamp.isoformat() for stamp in hours] == [
        "2024-03-10T01:00:00-04:00",
        "2024-03-10T03:00:00-04:00",
    ]
    assert list(period_key(started, "3h").unique()) == [pd.Timestamp("2024-03-10 01:00", tz=zone)]


definitions = st.builds(
    ds.Definitions,
    reached_below=st.sampled_from([None, 4, 10]),
    reached=st.sets(st.sampled_from([42, 11, "Not a Decision Maker", "Left Voicemail"])),
    conversation_seconds=st.sampled_from([0, 30, 59.5, 60]),
    meetings=st.sets(st.sampled_from([1, 6, "Answered - Referral"]), min_size=1),
    voicemails=st.sets(st.sampled_from([11, 10, "Left Voicemail"])),
)


def defined(item: dict, rules: ds.Definitions) -> dict[str, bool]:
    """The flags under `rules`, one row at a time."""
    disposition, name, seconds = item["disposition_id"], item["disposition_name"], item["duration"]

    def among(items):
        return disposition in items or (name is not None and name in items)

    below = rules.reached_below
    reached = among(rules.reached) or (
        below is not None and disposition is not None and disposition < below
    )
    connected = item["answered_by"] == "human" and reached
    meeting = among(rules.meetings)
    long = seconds is not None and seconds >= rules.conversation_seconds
    return {
        "connected": connected,
        "conversations": connected and (meeting or long),
        "meetings": meeting,
        "voicemails": among(rules.voicemails),
    }


@EXAMPLES
@given(frames(), definitions)
def test_definitions_change_every_count_the_same_way(case, rules):
    frame, rows, _ = case
    expected = Counter()
    for item in rows:
        expected.update(name for name, hit in defined(item, rules).items() if hit)
    assert ds.answer_rates(frame, definitions=rules)["connected"].item() == expected["connected"]
    vendor = ds.sdr_performance(frame, definitions=rules)
    assert vendor["connected_calls"].sum() == expected["connected"]
    assert vendor["conversations"].sum() == expected["conversations"]
    assert vendor["meetings_set"].sum() == expected["meetings"]
    machine = ds.machine_detection(frame, definitions=rules)
    assert machine["voicemails"].item() == expected["voicemails"]
    flags_ = ds.flags(frame, definitions=rules)
    assert flags_["is_connected"].sum() == expected["connected"]
    assert flags_["is_meeting"].sum() == expected["meetings"]

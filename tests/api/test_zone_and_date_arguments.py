"""The readers' zone and date arguments: ``tz=`` / ``timezone=`` refuse abbreviations with the
zone they mean (as the contacts' zones read them), and an end date given as a week or a numpy
day runs through the end of that week or day. Read through the demo client (the sandbox)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import dialstats as ds
from dialstats._checks import check_time_zone
from dialstats.api._filters import date_span, normalize_filters
from dialstats.errors import InvalidParameterError
from dialstats.frame import contact_zone
from dialstats.frame._zones import ABBREVIATIONS

UTC = dt.UTC

# -- tz= -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "meant"),
    [
        ("ET", "America/New_York"),
        ("EST", "America/New_York"),  # IANA's fixed UTC-05:00, not what "EST" means in August
        ("PST", "America/Los_Angeles"),
        ("CST", "America/Chicago"),
        ("MST", "America/Denver"),
        ("HST", "Pacific/Honolulu"),
        ("pdt", "America/Los_Angeles"),
        ("Eastern Time", "America/New_York"),
        ("Z", "UTC"),
    ],
)
def test_tz_refuses_an_abbreviation_suggesting_the_zone_it_means(tz, meant):
    with pytest.raises(InvalidParameterError) as info:
        ds.read_call_logs(demo=True, max_records=5, tz=tz)
    assert info.value.parameter == "tz"
    assert f"tz: {tz!r} is a " in str(info.value)
    assert f"did you mean {meant!r}?" in str(info.value)


def test_the_legacy_fixed_offset_names_say_how_to_ask_for_the_fixed_offset():
    with pytest.raises(InvalidParameterError) as info:
        ds.read_call_logs(demo=True, max_records=5, tz="EST")
    assert "'EST' is UTC-05:00 all year" in str(info.value)
    assert "'Etc/GMT+5'" in str(info.value)
    # ... which is a zone tz= takes, as written.
    fixed = ds.read_call_logs(demo=True, max_records=5, tz="Etc/GMT+5")
    assert {stamp.utcoffset() for stamp in fixed["created_at"]} == {dt.timedelta(hours=-5)}


def test_the_suggested_zone_keeps_daylight_time():
    calls = ds.read_call_logs(demo=True, max_records=5, tz="America/New_York")
    august = calls["created_at"].iloc[0]
    assert august.month == 8 and august.utcoffset() == dt.timedelta(hours=-4)


def test_tz_and_the_contact_zones_read_every_abbreviation_alike():
    """Whatever the contacts' zones read a name as, tz= refuses it suggesting that zone, or (UTC's
    IANA names) takes it as a name of UTC."""
    differ = {}
    for name in ABBREVIATIONS:
        meant = contact_zone(name)
        try:
            taken = check_time_zone("tz", name)
        except InvalidParameterError as exc:
            if f"did you mean {meant!r}?" not in str(exc):
                differ[name] = str(exc)
        else:
            if meant != "UTC" or taken.upper() != name.upper():
                differ[name] = taken
    assert not differ


@pytest.mark.parametrize("tz", ["utc", "Utc", "UTC"])
def test_utc_in_any_case_is_utc(tz):
    calls = ds.read_call_logs(demo=True, max_records=5, tz=tz)
    assert str(calls["created_at"].dt.tz) == "UTC"


@pytest.mark.parametrize(
    ("tz", "spelled"),
    [("america/new_york", "America/New_York"), ("europe/PARIS", "Europe/Paris"), ("gmt", "GMT")],
)
def test_an_iana_name_in_another_case_is_taken_as_iana_spells_it(tz, spelled):
    assert check_time_zone("tz", tz) == spelled


@pytest.mark.parametrize(
    "zone", ["EST5EDT", "PST8PDT", "CET", "GMT", "Zulu", "US/Eastern", "Etc/GMT+5", "Europe/Paris"]
)
def test_tz_takes_every_zone_a_contact_can_be_in_as_it_is(zone):
    """A contact whose timezone text is an IANA name keeps that name as contact_tz, and the
    report passes the commonest contact_tz back as tz=: each is taken unchanged."""
    assert contact_zone(zone) in (zone, "UTC")
    assert check_time_zone("tz", zone) == zone


def test_a_misspelt_zone_gets_the_closest_name():
    with pytest.raises(InvalidParameterError, match="did you mean 'America/New_York'"):
        ds.read_call_logs(demo=True, max_records=5, tz="America/New_Yrok")


def test_an_unknown_abbreviation_is_told_to_name_a_place():
    with pytest.raises(InvalidParameterError, match="name the zone of a place"):
        ds.read_call_logs(demo=True, max_records=5, tz="JST")


def test_read_analytics_timezone_refuses_abbreviations_alike():
    with pytest.raises(InvalidParameterError) as info:
        ds.read_analytics(
            "overview",
            demo=True,
            start_date="2026-10-01",
            end_date="2026-10-07",
            timezone="ET",
        )
    assert info.value.parameter == "timezone"
    assert "timezone: 'ET' is a time zone abbreviation" in str(info.value)
    assert "did you mean 'America/New_York'?" in str(info.value)


# -- end dates given as weeks and numpy days ---------------------------------------------------


def test_an_iso_week_end_date_runs_through_its_sunday():
    week = ds.read_call_logs(demo=True, start_date="2026-W43", end_date="2026-W43")
    days = ds.read_call_logs(demo=True, start_date="2026-10-19", end_date="2026-10-25")
    assert len(week) == len(days) > 0
    assert set(week["id"]) == set(days["id"])
    assert sorted(set(week["created_at"].dt.date)) == [
        dt.date(2026, 10, 19) + dt.timedelta(days=n) for n in range(7)
    ]


@pytest.mark.parametrize(
    ("end", "last"),
    [
        ("2026-W43", "2026-10-25 23:59:59.999"),
        ("2026W43", "2026-10-25 23:59:59.999"),
        ("2026-W43-3", "2026-10-21 23:59:59.999"),  # a week's day is that day
        ("2026-W43T12:00Z", "2026-10-19 12:00"),  # with a time: that instant
        (np.datetime64("2026-10-24"), "2026-10-24 23:59:59.999"),
        (np.datetime64("2026-10"), "2026-10-31 23:59:59.999"),
        (np.datetime64("2026"), "2026-12-31 23:59:59.999"),
        (np.datetime64("2026-10-24T00:00"), "2026-10-24 00:00"),  # minutes: an instant
        (np.datetime64("2026-10-24T08", "h"), "2026-10-24 08:00"),
        ("9999-W52", "9999-12-31 23:59:59.999"),  # runs into 10000: ends where the API's dates do
    ],
)
def test_an_end_date_covers_what_its_precision_names(end, last):
    assert normalize_filters({"end_date": end})["end_date"] == pd.Timestamp(last, tz=UTC)


def test_a_numpy_day_end_date_is_the_whole_day_as_a_date_is():
    as_text = ds.read_call_logs(demo=True, start_date="2026-10-24", end_date="2026-10-24")
    as_numpy = ds.read_call_logs(
        demo=True, start_date="2026-10-24", end_date=np.datetime64("2026-10-24")
    )
    as_date = ds.read_call_logs(demo=True, start_date="2026-10-24", end_date=dt.date(2026, 10, 24))
    assert len(as_text) > 0
    assert set(as_numpy["id"]) == set(as_text["id"]) == set(as_date["id"])


def test_a_start_date_given_as_a_week_or_a_numpy_day_starts_at_its_first_moment():
    assert normalize_filters({"start_date": "2026-W43"})["start_date"] == pd.Timestamp(
        "2026-10-19", tz=UTC
    )
    assert normalize_filters({"start_date": np.datetime64("2026-10")})["start_date"] == (
        pd.Timestamp("2026-10-01", tz=UTC)
    )


def test_date_span_gives_the_first_moment_after_the_days_named():
    assert date_span("end_date", dt.date(2026, 10, 24))[1] == pd.Timestamp("2026-10-25")
    assert date_span("end_date", np.datetime64("2026-02"))[1] == pd.Timestamp("2026-03-01")
    assert date_span("end_date", pd.Timestamp("2026-10-24"))[1] is None

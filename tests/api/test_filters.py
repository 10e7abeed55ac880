"""Filter validation and encoding: what reaches the API, and what is refused before it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dialstats._vocabulary import FILTER_NAMES
from dialstats.api import _filters
from dialstats.api._filters import (
    check_limit,
    check_max_records,
    check_sort,
    encode_filters,
    format_timestamp,
    normalize_analytics_params,
    normalize_filters,
)
from dialstats.errors import InvalidParameterError
from dialstats.frame._schema import check_tz

UTC = "UTC"


def test_filter_names_are_the_api_filters_in_order():
    assert FILTER_NAMES == (
        "start_date",
        "end_date",
        "outcome",
        "direction",
        "min_duration",
        "max_duration",
        "has_recording",
        "answered_by",
        "is_completed",
        "disposition_ids",
        "exclude_negative_dispositions",
        "user_ids",
        "contact_list_ids",
        "sequences",
        "from",
        "to",
        "search",
    )
    assert tuple(_filters._CALL_LOG) == FILTER_NAMES  # each filter checked, in that order


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-01",
        "2024-03-01T00:00:00Z",
        "2024-03-01T01:00:00+01:00",
        dt.date(2024, 3, 1),
        dt.datetime(2024, 3, 1),
        dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        pd.Timestamp("2024-03-01"),
        pd.Timestamp("2024-02-29 19:00", tz="America/New_York"),
        np.datetime64("2024-03-01T00:00"),
    ],
)
def test_start_date_accepts_every_date_kind_as_utc(value):
    assert normalize_filters({"start_date": value}) == {
        "start_date": pd.Timestamp("2024-03-01", tz=UTC)
    }


def test_bare_end_date_means_the_whole_day_but_a_datetime_does_not():
    end_of_day = pd.Timestamp("2024-03-31 23:59:59.999", tz=UTC)
    assert normalize_filters({"end_date": "2024-03-31"})["end_date"] == end_of_day
    assert normalize_filters({"end_date": dt.date(2024, 3, 31)})["end_date"] == end_of_day
    moment = normalize_filters({"end_date": "2024-03-31T12:00:00Z"})["end_date"]
    assert moment == pd.Timestamp("2024-03-31 12:00", tz=UTC)


def test_list_filters_take_a_single_value_or_any_iterable():
    out = normalize_filters(
        {
            "user_ids": "u1",
            "contact_list_ids": pd.Series(["l1", "l2", "l1"]),
            "sequences": {"s1"},
            "to": ("+1", "+2"),
            "disposition_ids": np.array([1, 10]),
            "from_": ["+3"],
        }
    )
    assert out == {
        "disposition_ids": (1, 10),
        "user_ids": ("u1",),
        "contact_list_ids": ("l1", "l2"),
        "sequences": ("s1",),
        "from": ("+3",),
        "to": ("+1", "+2"),
    }
    assert normalize_filters({"disposition_ids": 1}) == {"disposition_ids": (1,)}


def test_none_means_no_filter_and_booleans_stay_booleans():
    out = normalize_filters(
        {"outcome": None, "has_recording": np.bool_(False), "is_completed": True, "search": None}
    )
    assert out == {"has_recording": False, "is_completed": True}


@pytest.mark.parametrize(
    ("filters", "parameter", "fragment"),
    [
        ({"outcomes": "answered"}, "outcomes", "did you mean 'outcome'"),
        ({"user_id": ["u"]}, "user_id", "did you mean 'user_ids'"),
        ({"max_record": 5}, "max_record", "did you mean 'max_records'"),
        ({"outcome": "picked-up"}, "outcome", "'answered', 'no-answer', 'cancelled'"),
        ({"direction": ["inbound"]}, "direction", "'inbound', 'outbound'"),
        ({"answered_by": "machine"}, "answered_by", "'human', 'machine_start'"),
        ({"min_duration": -1}, "min_duration", ">= 0"),
        ({"max_duration": float("nan")}, "max_duration", ">= 0"),
        ({"min_duration": True}, "min_duration", "number"),
        ({"min_duration": 60, "max_duration": 30}, "min_duration", "greater than max_duration"),
        ({"start_date": "2024-03-05", "end_date": "2024-03-01"}, "start_date", "after end_date"),
        ({"start_date": "last week"}, "start_date", "ISO 8601"),
        ({"end_date": 20240301}, "end_date", "date"),
        ({"has_recording": "true"}, "has_recording", "True or False"),
        ({"disposition_ids": [1, "x"]}, "disposition_ids", "whole numbers"),
        ({"disposition_ids": [1.5]}, "disposition_ids", "whole numbers"),
        ({"user_ids": []}, "user_ids", "empty"),
        ({"user_ids": ["u1", None]}, "user_ids", "non-empty strings"),
        ({"search": ""}, "search", "non-empty"),
        ({"from": "+1", "from_": "+2"}, "from", "twice"),
    ],
)
def test_bad_filters_raise_a_value_error_naming_the_parameter(filters, parameter, fragment):
    with pytest.raises(InvalidParameterError) as caught:
        normalize_filters(filters)
    assert isinstance(caught.value, ValueError)
    assert caught.value.parameter == parameter
    assert fragment in str(caught.value)


def test_unknown_filter_lists_the_valid_ones():
    with pytest.raises(InvalidParameterError, match="Valid filters: start_date, end_date"):
        normalize_filters({"zzz": 1})


def test_encoding_follows_the_api_conventions():
    filters = normalize_filters(
        {
            "start_date": "2024-03-01",
            "end_date": "2024-03-31",
            "outcome": "answered",
            "min_duration": 30,
            "has_recording": True,
            "exclude_negative_dispositions": False,
            "user_ids": ["a", "b"],
            "disposition_ids": 1,
        }
    )
    assert encode_filters(filters) == [
        ("filters[start_date]", "2024-03-01T00:00:00.000Z"),
        ("filters[end_date]", "2024-03-31T23:59:59.999Z"),
        ("filters[outcome]", "answered"),
        ("filters[min_duration]", "30"),
        ("filters[has_recording]", "true"),
        ("filters[disposition_ids][]", "1"),
        ("filters[exclude_negative_dispositions]", "false"),
        ("filters[user_ids][]", "a"),
        ("filters[user_ids][]", "b"),
    ]


def test_timestamps_are_sent_in_utc_with_milliseconds():
    ts = pd.Timestamp("2024-03-01 09:30:00.123456", tz="Europe/Paris")
    assert format_timestamp(ts) == "2024-03-01T08:30:00.123Z"


def test_page_size_sort_and_output_options_are_checked():
    assert check_limit(100) == 100
    assert check_max_records(None) is None
    assert check_sort(" -duration , createdAt") == "-duration,createdAt"
    assert check_tz("America/New_York") == "America/New_York"
    for call, parameter in [
        (lambda: check_limit(0), "limit"),
        (lambda: check_limit(101), "limit"),
        (lambda: check_limit(2.5), "limit"),
        (lambda: check_max_records(0), "max_records"),
        (lambda: check_sort("duration; drop"), "sort"),
        (lambda: check_sort(""), "sort"),
        (lambda: check_tz("Mars/Olympus"), "tz"),
    ]:
        with pytest.raises(InvalidParameterError) as caught:
            call()
        assert caught.value.parameter == parameter


def test_analytics_parameters_have_their_own_names():
    out = normalize_analytics_params({"timezone": "Europe/Paris", "user_ids": "u1"})
    assert out == {"user_ids": ("u1",), "timezone": "Europe/Paris"}
    with pytest.raises(InvalidParameterError, match="did you mean 'timezone'"):
        normalize_analytics_params({"time_zone": "UTC"})
    with pytest.raises(InvalidParameterError) as caught:
        normalize_analytics_params({"outcome": "answered"})
    assert caught.value.parameter == "outcome"

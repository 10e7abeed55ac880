"""Input that would silently give the wrong answer is refused, or warned about.

Dates: every entry point that reads a user's date text reads it as the readers do (ISO 8601
only), so "10/01/2026" is refused everywhere instead of being read month-first in one place
and refused in another.

Names given to id filters: ``user_ids="Maya Patel"`` matches nothing, and a read that finds no
calls says why (it is a name; here is the id), but never when calls matched.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

import dialstats as ds
from dialstats import cli
from dialstats.api._filters import normalize_filters, parse_date
from dialstats.errors import InvalidParameterError

AMBIGUOUS = ["10/01/2026", "01/10/2026", "19/10/2026", "10.01.2026", "10-01-2026", "10/01/26"]


def reader_message(name: str, text: str) -> str:
    with pytest.raises(InvalidParameterError) as info:
        normalize_filters({"start_date": text})
    return str(info.value).replace("start_date", name, 1)


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_the_reader_refuses_day_month_dates(text):
    with pytest.raises(InvalidParameterError, match="not an ISO 8601 date") as info:
        ds.read_call_logs(demo=True, start_date=text)
    assert info.value.parameter == "start_date"


def test_an_ambiguous_date_says_both_readings():
    with pytest.raises(InvalidParameterError) as info:
        parse_date("start", "10/01/2026")
    assert "'2026-10-01' (1 October) or '2026-01-10' (10 January)" in str(info.value)
    with pytest.raises(InvalidParameterError) as info:
        parse_date("start", "19/10/2026")
    assert "'2026-10-19' (19 October)" in str(info.value)


@pytest.mark.parametrize("text", AMBIGUOUS)
@pytest.mark.parametrize("name", ["start", "end", "start_date", "end_date"])
def test_overview_refuses_day_month_dates_with_the_readers_message(demo, name, text):
    with pytest.raises(InvalidParameterError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # start= and end=, the old names
        ds.overview(demo, **{name: text})
    bound = name if name.endswith("_date") else f"{name}_date"  # start= is start_date= now
    assert info.value.parameter == bound
    assert str(info.value) == reader_message(bound, text)


def test_overview_refuses_them_positionally_and_through_the_accessor(demo):
    with pytest.raises(InvalidParameterError, match="not an ISO 8601 date"):
        ds.overview(demo, start_date="2026-10-01", end_date="10/31/2026")
    with pytest.raises(InvalidParameterError, match="not an ISO 8601 date"):
        demo.calls.overview(start_date="10/01/2026")


def test_overview_still_takes_iso_text_and_date_objects(demo):
    expected = ds.overview(demo, start_date="2026-10-01", end_date="2026-10-07", tz="UTC")
    for start, end in [
        (dt.date(2026, 10, 1), dt.date(2026, 10, 7)),
        (pd.Timestamp("2026-10-01"), "2026-10-07"),
        (dt.datetime(2026, 10, 1), "2026-10-07T23:59:59.999999999"),
        (np.datetime64("2026-10-01"), "20261007"),
        ("2026-10-01T00:00:00Z", "2026-10-07"),
    ]:
        out = ds.overview(demo, start_date=start, end_date=end, tz="UTC")
        assert out.attrs["start"] == expected.attrs["start"], start
        assert out.loc["total_calls", "value"] == expected.loc["total_calls", "value"], (start, end)


@pytest.mark.parametrize("value", ["next monday", 20261001, pd.NaT, ""])
def test_overview_refuses_what_is_not_a_date(demo, value):
    with pytest.raises(InvalidParameterError) as info:
        ds.overview(demo, start_date=value)
    assert info.value.parameter == "start_date"


def test_pull_refuses_day_month_dates_with_the_readers_message(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = cli.main(["pull", "--demo", "--no-progress", "--start", "10/01/2026", "-o", "x.parquet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--start: '10/01/2026' is not an ISO 8601 date" in err
    assert "ambiguous" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("flag", ["--start", "--end"])
def test_report_refuses_day_month_dates(tmp_path, capsys, flag):
    out = tmp_path / "r.html"
    code = cli.main(["report", "--demo", flag, "10/01/2026", "-o", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "10/01/2026" in err and "'2026-10-01' (1 October) or '2026-01-10' (10 January)" in err
    assert not out.exists()


def test_the_reports_period_refuses_them_with_the_readers_message():
    from dialstats.report._period import resolve_period

    with pytest.raises(InvalidParameterError, match=r"\(1 October\) or '2026-01-10'"):
        resolve_period("10/01/2026", None, through=dt.date(2026, 10, 25))


# -- names given where ids are wanted ----------------------------------------------------------

MAYA = "e31677c91b3eef04b6cd58d2"  # Maya Patel's id in the demo data


def test_a_user_name_as_user_ids_warns_with_the_users_id():
    with pytest.warns(UserWarning) as caught:
        calls = ds.read_call_logs(demo=True, user_ids="Maya Patel")
    assert calls.empty
    (warning,) = [str(w.message) for w in caught]
    assert warning.startswith("user_ids='Maya Patel' matched no calls; it looks like a name")
    assert f"user_ids={MAYA!r}" in warning
    assert "df[df.user_name == 'Maya Patel']" in warning
    assert len(ds.read_call_logs(demo=True, user_ids=MAYA, max_records=3)) == 3


def test_an_unknown_name_gets_an_example_id_and_the_name_filter():
    with pytest.warns(UserWarning, match="looks like a name") as caught:
        ds.read_call_logs(demo=True, user_ids=["nobody here"])
    (warning,) = [str(w.message) for w in caught]
    assert "user_ids takes ids such as '" in warning and "ds.read_team()" in warning
    assert "df[df.user_name == 'nobody here']" in warning


def test_a_name_matched_loosely_is_spelled_as_the_team_spells_it():
    with pytest.warns(UserWarning, match=MAYA) as caught:
        ds.read_call_logs(demo=True, user_ids="maya  PATEL")
    assert "df[df.user_name == 'Maya Patel']" in str(caught[0].message)


@pytest.mark.parametrize(
    ("name", "value", "column"),
    [
        ("contact_list_ids", "Inbound Demo Requests", "contact_list_name"),
        ("sequences", "Event Follow-up", "sequence_name"),
    ],
)
def test_list_and_sequence_names_warn_too(name, value, column):
    with pytest.warns(UserWarning, match="looks like a name") as caught:
        assert ds.read_call_logs(demo=True, **{name: value}).empty
    warning = str(caught[0].message)
    assert warning.startswith(f"{name}={value!r} matched no calls")
    assert f"df[df.{column} == {value!r}]" in warning
    assert f"{value!r} is {name}='" in warning


def test_no_warning_when_calls_matched_or_the_values_are_ids():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A name next to an id: the id's calls come back, so nothing to warn about.
        assert len(ds.read_call_logs(demo=True, user_ids=[MAYA, "Maya Patel"], max_records=5))
        # An id that matches nothing is not a name.
        assert ds.read_call_logs(demo=True, user_ids="0123456789abcdef01234567").empty
        assert ds.read_call_logs(demo=True, user_ids=MAYA, start_date="2030-01-01").empty
        assert ds.read_call_logs(demo=True, outcome="answered", search="zzzz-no-such-text").empty


def test_a_cached_read_warns_the_same(tmp_path):
    with pytest.warns(UserWarning, match="user_ids='Maya Patel' matched no calls"):
        assert ds.read_call_logs(demo=True, user_ids="Maya Patel", cache=tmp_path / "s").empty

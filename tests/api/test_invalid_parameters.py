"""Bad input to the readers and the CLI: a clear `InvalidParameterError` naming the parameter
(or the flag), before any request is sent or any file is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest

import dialstats as ds
from dialstats.api._filters import check_sort, encode_filters, normalize_filters
from dialstats.cli import main
from dialstats.errors import InvalidParameterError
from dialstats.sandbox import generate, serve

KEY = "sk-test-inputs-9e20"


@pytest.fixture(scope="module")
def server() -> Iterator:
    with serve(generate(seed=3, n_calls=300, days=14), api_key=KEY) as url:
        yield url


@pytest.fixture
def client(server) -> Iterator[ds.Client]:
    with ds.Client(KEY, base_url=server) as client:
        yield client


def refused(client: ds.Client, parameter: str, match: str, **kwargs) -> InvalidParameterError:
    """`read_call_logs(**kwargs)` raises naming `parameter`, and sends nothing."""
    with pytest.raises(InvalidParameterError, match=match) as info:
        client.read_call_logs(**kwargs)
    assert info.value.parameter == parameter
    assert client.request_count == 0
    return info.value


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        dt.date(999, 12, 31),
        dt.datetime(999, 12, 31, 23, 0),
        "0999-12-31",
        "1000-01-01T03:00:00+05:00",  # 0999-12-31T22:00Z
        dt.datetime.min,
    ],
)
@pytest.mark.parametrize("name", ["start_date", "end_date"])
def test_years_below_1000_are_refused_not_sent_as_three_digits(client, name, value):
    refused(client, name, "years 1000 to 9999", **{name: value})


def test_datetime_max_is_a_clear_error_as_a_start_and_the_last_instant_as_an_end(client):
    refused(client, "start_date", "years 1000 to 9999", start_date=dt.datetime.max)
    pairs = encode_filters(normalize_filters({"end_date": dt.datetime.max}))
    assert pairs == [("filters[end_date]", "9999-12-31T23:59:59.999Z")]
    last_day = normalize_filters({"end_date": dt.date.max})["end_date"]
    assert last_day == pd.Timestamp("9999-12-31 23:59:59.999", tz="UTC")
    # The first instant of year 1000 is fine, with four digits.
    assert encode_filters(normalize_filters({"start_date": "1000-01-01"})) == [
        ("filters[start_date]", "1000-01-01T00:00:00.000Z")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-01\n2024",
        "2024-01-01\t20:24",
        "2024-01-01x20:24",
        "2024-01-01  20:24",
        "2024-01-01T20:24\x00",
        "2024-01-01T20:24 junk",
        "\uff12\uff10\uff12\uff14-01-01",  # full-width digits
    ],
)
def test_date_text_with_embedded_whitespace_or_garbage_is_refused(client, text):
    refused(client, "start_date", "not an ISO 8601 date", start_date=text)


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("2024-01-01 20:24", "2024-01-01T20:24:00.000Z"),
        (" 2024-01-01T20:24:00Z ", "2024-01-01T20:24:00.000Z"),
        ("2024-01-01t20:24:00.5z", "2024-01-01T20:24:00.500Z"),
        ("2024-01-01T20:24:00+01:00", "2024-01-01T19:24:00.000Z"),
        ("20240101", "2024-01-01T00:00:00.000Z"),
    ],
)
def test_well_formed_date_text_still_parses(text, sent):
    assert encode_filters(normalize_filters({"start_date": text})) == [
        ("filters[start_date]", sent)
    ]


# -- ids, cache, sort ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["user_ids", "contact_list_ids", "sequences"])
def test_a_comma_inside_an_id_is_refused_with_the_list_to_pass_instead(client, name):
    error = refused(client, name, "comma", **{name: ["ok", "a,b"]})
    assert "['a', 'b']" in str(error)


def test_an_empty_cache_path_is_refused_and_nothing_lands_in_the_working_directory(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    for cache in ("", "  "):
        with pytest.raises(InvalidParameterError, match="empty path") as info:
            ds.read_call_logs(demo=True, cache=cache)
        assert info.value.parameter == "cache"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("sort", "suggestion"),
    [
        ("duration_desc", "'-duration'"),
        ("duration DESC", "'-duration'"),
        ("created_at", "'createdAt'"),
        ("-created_at", "'-createdAt'"),
        ("+duration", "'duration'"),
        ("-startedAt", "'-started_at'"),
        ("createdAt,updatedat", "'updatedAt'"),
    ],
)
def test_sort_is_checked_locally_with_the_closest_field(client, sort, suggestion):
    error = refused(client, "sort", "cannot sort on", sort=sort)
    assert f"did you mean {suggestion}?" in str(error)
    assert "http" not in str(error) and "Sortable fields: createdAt" in str(error)


def test_sort_errors_never_show_the_demo_url():
    with pytest.raises(InvalidParameterError) as info:
        ds.read_call_logs(demo=True, sort="duration_desc")
    assert "sandbox.invalid" not in str(info.value) and "http" not in str(info.value)
    with ds.Client(demo=True) as client, pytest.raises(InvalidParameterError, match="sort"):
        client.read_call_log_page(sort="nonsense")
    # Contact lists sort on their own fields, and only on those the server sent: the live listing
    # has no totals, so sorting on them is refused, not quietly left in the server's order.
    names = ds.read_contact_lists(demo=True, sort="-name")["name"].tolist()
    assert names == sorted(names, reverse=True) and len(names) > 1
    with pytest.raises(
        InvalidParameterError, match=r"sent no 'total_contacts' with.*sort by 'name' or '_id'"
    ):
        ds.read_contact_lists(demo=True, sort="name,-total_contacts")
    with pytest.raises(InvalidParameterError, match="did you mean 'name'"):
        ds.read_contact_lists(demo=True, sort="nmae")


def test_valid_sorts_pass_and_are_sent_as_given(client):
    assert check_sort(" -duration , createdAt") == "-duration,createdAt"
    calls = client.read_call_logs(sort="-duration", max_records=20)
    assert calls["duration"].is_monotonic_decreasing


# -- dialstats pull -o -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("x.csv", "a snapshot is a Parquet file"),
        ("x", "a snapshot is a Parquet file"),
        ("missing/dir/x.parquet", "does not exist"),
    ],
)
def test_pull_output_must_be_parquet_in_an_existing_folder(
    tmp_path, server, monkeypatch, capsys, target, message
):
    monkeypatch.setenv("SALESFINITY_API_KEY", KEY)
    monkeypatch.setenv("SALESFINITY_BASE_URL", server)
    monkeypatch.chdir(tmp_path)
    before = sum(server.sandbox.requests.values())
    code = main(["pull", "--no-progress", "-o", target])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("dialstats pull: error: -o/--output: ") and message in err
    assert sum(server.sandbox.requests.values()) == before  # refused before any fetch
    assert list(tmp_path.iterdir()) == []


def test_report_dates_below_year_1000_name_the_flag(tmp_path, capsys):
    code = main(["report", "--demo", "--start", "0999-12-01", "-o", str(tmp_path / "r.html")])
    assert code == 2
    assert "--start must be a date from 1000-01-01" in capsys.readouterr().err

"""`read_call_logs` over real loopback HTTP: the right rows, in the right order and dtypes."""

from __future__ import annotations

import io
import warnings
from contextlib import redirect_stderr

import pandas as pd
import pytest

import dialstats as ds
from dialstats.errors import BadRequestError, IncompleteReadWarning
from dialstats.frame._build import records_to_frame
from dialstats.frame._schema import CALL_LOG_COLUMNS, call_log_dtypes
from dialstats.sandbox import serve

KEY = "sk-test-7f3a9c0e5d1b42a8"


@pytest.fixture(scope="module")
def server(small_dataset):
    with serve(small_dataset, api_key=KEY) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    return ds.Client(KEY, base_url=server.url, max_concurrency=8)


@pytest.fixture(scope="module")
def everything(client):
    return client.read_call_logs()


@pytest.fixture(scope="module")
def expected(small_dataset):
    """The dataset's calls as a frame, built without the HTTP path (records_to_frame)."""
    frame = records_to_frame(small_dataset.calls, small_dataset.dispositions)
    return frame.sort_values(["created_at", "id"], ignore_index=True)


def test_every_call_arrives_once_with_the_schema(everything, small_dataset):
    assert len(everything) == len(small_dataset.calls)
    assert everything["id"].is_unique
    assert list(everything.columns[: len(CALL_LOG_COLUMNS)]) == list(CALL_LOG_COLUMNS)
    for name, dtype in call_log_dtypes().items():
        assert everything[name].dtype == dtype, name


def test_rows_are_oldest_first_ties_by_id(everything):
    order = everything.sort_values(["created_at", "id"], ignore_index=True)
    pd.testing.assert_frame_equal(everything, order)


def test_values_match_the_records_served(everything, expected):
    columns = [c for c in expected.columns if c in everything.columns]
    pd.testing.assert_frame_equal(everything[columns], expected[columns], check_like=False)


def test_dispositions_are_joined(everything, small_dataset):
    names = {d["id"]: d["name"] for d in small_dataset.dispositions}
    joined = everything.dropna(subset=["disposition_id"])
    assert (joined["disposition_name"] == joined["disposition_id"].map(names)).all()


def test_filters_are_applied_by_the_server(client, everything):
    users = everything["user_id"].dropna().unique()[:2].tolist()
    start = everything["created_at"].iloc[len(everything) // 3]
    frame = client.read_call_logs(
        outcome="answered",
        user_ids=users,
        start_date=start,
        end_date=start.date() + pd.Timedelta(days=10),
        min_duration=30,
    )
    last_day = pd.Timestamp(start.date() + pd.Timedelta(days=11), tz="UTC")
    mask = (
        (everything["outcome"] == "answered")
        & everything["user_id"].isin(users)
        & (everything["created_at"] >= start)
        & (everything["created_at"] < last_day)  # a bare end date covers its whole day
        & (everything["duration"] >= 30)
    )
    assert len(frame) > 0
    assert frame["id"].tolist() == everything.loc[mask, "id"].tolist()


def test_boolean_and_list_filters(client, everything):
    recorded = client.read_call_logs(has_recording=True, disposition_ids=[1, 3])
    mask = everything["has_recording"] & everything["disposition_id"].isin([1, 3])
    assert sorted(recorded["id"]) == sorted(everything.loc[mask.fillna(False), "id"])


def test_a_sort_is_followed_and_max_records_stops_early(client, server, everything):
    before = server.sandbox.requests["/v1/call-log"]
    newest = client.read_call_logs(sort="-createdAt", max_records=150, limit=100)
    assert server.sandbox.requests["/v1/call-log"] - before == 2  # not every page
    expected = everything.sort_values(["created_at", "id"], ascending=[False, True]).head(150)
    assert newest["id"].tolist() == expected["id"].tolist()
    longest = client.read_call_logs(sort="-duration", max_records=5)
    assert longest["duration"].tolist() == sorted(everything["duration"], reverse=True)[:5]


def test_max_records_without_sort_gives_the_oldest(client, everything):
    first = client.read_call_logs(max_records=7)
    assert first["id"].tolist() == everything["id"].head(7).tolist()


def test_no_match_is_an_empty_frame_with_the_schema(client):
    frame = client.read_call_logs(search="no contact is called this zzqx")
    assert len(frame) == 0
    assert frame.dtypes.to_dict() == call_log_dtypes()


def test_tz_and_pyarrow_backend(client, everything):
    local = client.read_call_logs(max_records=20, tz="America/Los_Angeles")
    assert str(local["started_at"].dtype) == "datetime64[ns, America/Los_Angeles]"
    assert local["started_at"].tolist() == everything["started_at"].head(20).tolist()
    arrow = client.read_call_logs(max_records=20, dtype_backend="pyarrow")
    assert all(isinstance(dtype, pd.ArrowDtype) for dtype in arrow.dtypes)
    assert arrow["id"].tolist() == everything["id"].head(20).tolist()


def test_module_level_reader_uses_the_environment(monkeypatch, server, everything):
    monkeypatch.setenv("SALESFINITY_API_KEY", KEY)
    monkeypatch.setenv("SALESFINITY_BASE_URL", server.url)
    frame = ds.read_call_logs(outcome="no-answer")
    assert (
        frame["id"].tolist() == everything.loc[everything["outcome"] == "no-answer", "id"].tolist()
    )


def test_progress_bar_on_demand_without_the_key(client):
    captured = io.StringIO()
    with redirect_stderr(captured):
        client.read_call_logs(progress=True, limit=50)
    output = captured.getvalue()
    assert "call logs" in output and "calls" in output
    assert KEY not in output
    quiet = io.StringIO()
    with redirect_stderr(quiet):
        client.read_call_logs(progress=False, max_records=120, limit=50)
    assert quiet.getvalue() == ""


def test_the_server_rejecting_a_sort_is_a_bad_request(client):
    # The reader checks sort fields itself (test_invalid_parameters.py); the server's 400 maps.
    with pytest.raises(BadRequestError, match="cannot sort"):
        client._run(lambda session: session.get("/v1/call-log", [("sort", "-mood")]))


def test_one_page_for_an_incremental_reader(client, everything):
    page = client.read_call_log_page(2, limit=40, outcome="answered")
    answered = everything[everything["outcome"] == "answered"]
    assert (page.total, page.page, page.limit) == (len(answered), 2, 40)
    assert page.pages == -(-len(answered) // 40)
    newest_first = answered.sort_values(["created_at", "id"], ascending=[False, True])
    assert page.frame["id"].tolist() == newest_first["id"].iloc[40:80].tolist()
    # Every disposition id is named (some demo calls, as live ones, carry no disposition).
    has_id = page.frame["disposition_id"].notna()
    assert has_id.sum() > 30 and page.frame.loc[has_id, "disposition_name"].notna().all()


def test_warn_mode_is_silent_when_the_read_is_complete(client):
    with warnings.catch_warnings():
        warnings.simplefilter("error", IncompleteReadWarning)
        assert len(client.read_call_logs(on_incomplete="warn", max_records=10)) == 10

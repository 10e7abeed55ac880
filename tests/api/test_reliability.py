"""Reads stay exact under faults and while data changes; bad input never reaches the server."""

from __future__ import annotations

import copy
import io
import warnings
from contextlib import redirect_stderr
from datetime import UTC, datetime

import pandas as pd
import pytest

import dialstats as ds
from dialstats.api._pages import pin_end
from dialstats.errors import IncompleteReadError, IncompleteReadWarning, InvalidParameterError
from dialstats.sandbox import Faults, generate, serve

KEY = "sk-reliability-5f0c2e7a9b"
HOSTILE = Faults(
    latency=0.005,
    jitter=0.03,
    fail_rate=0.10,
    throttle_rate=0.05,
    retry_after=1,
    drop_rate=0.05,
    mutate_every=2,  # every 2nd call-log request: 3 new calls (created now), 3 updated
    mutate_count=3,
)


@pytest.fixture(scope="module")
def calls_5000():
    return generate(seed=21, n_calls=5000)


def backdate_inserts(sandbox, at: datetime, rounds: int | None) -> list[dict]:
    """Make the sandbox's automatic inserts land inside the range being read (at `at`), for the
    first `rounds` mutations (None: all), as a late-arriving or back-filled call would.

    Returns the list the back-dated records will be added to.
    """
    insert, done, records = sandbox.insert, [], []

    def backdated(n: int = 1, **_: object) -> list:
        if rounds is None or len(done) < rounds:
            done.append(n)
            records.extend(insert(n, at=at))
            return records[-n:]
        return insert(n)

    sandbox.insert = backdated
    return records


def test_a_hostile_read_returns_each_record_that_existed_exactly_once(calls_5000):
    with serve(calls_5000, api_key=KEY, faults=HOSTILE, seed=3) as server:
        sandbox = server.sandbox
        before = {r["_id"]: copy.deepcopy(r) for r in sandbox.store.calls}
        client = ds.Client(KEY, base_url=server.url, max_concurrency=8, backoff=0.02)
        captured = io.StringIO()
        with redirect_stderr(captured):
            frame = client.read_call_logs(progress=True)
        after = {r["_id"]: r for r in sandbox.store.calls}
        injected = dict(sandbox.faults_injected)
        requests = sum(sandbox.requests.values())

    assert injected.get("error") and injected.get("throttled") and injected.get("dropped")
    assert sandbox.mutations > 0 and len(after) > len(before)  # calls were created mid-read
    ids = frame["id"].tolist()
    assert len(ids) == len(set(ids))  # no duplicates
    assert set(before) <= set(ids)  # no loss
    created_during = set(ids) - set(before)
    assert created_during <= set(after)
    # A record is whole: every field matches a version the server held.
    rows = frame.set_index("id")
    for record_id in [*list(before)[::250], *created_during]:
        versions = {before.get(record_id, {}).get("updatedAt"), after[record_id]["updatedAt"]}
        stamp = rows.loc[record_id, "updated_at"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        assert stamp in versions
        served = after[record_id] if stamp == after[record_id]["updatedAt"] else before[record_id]
        assert rows.loc[record_id, "notes"] == served["notes"]
        assert rows.loc[record_id, "duration"] == served["duration"]
    assert client.request_count == requests
    assert KEY not in captured.getvalue()


def test_back_dated_calls_shifting_pages_trigger_a_second_pass(calls_5000):
    faults = Faults(latency=0.01, jitter=0.01, mutate_every=3, mutate_count=4)
    with serve(calls_5000, api_key=KEY, faults=faults, seed=5) as server:
        sandbox = server.sandbox
        before = {r["_id"] for r in sandbox.store.calls}
        middle = datetime.fromisoformat(sandbox.store.calls[2500]["createdAt"])
        inserted = backdate_inserts(sandbox, middle.astimezone(UTC), rounds=2)
        client = ds.Client(KEY, base_url=server.url, max_concurrency=4, backoff=0.02)
        frame = client.read_call_logs(limit=100)
        call_log_requests = sandbox.requests["/v1/call-log"]
        backdated = {r["_id"] for r in inserted}

    assert len(backdated) == 8  # two rounds of four
    assert call_log_requests > 50  # pages were read again
    assert frame["id"].is_unique
    assert before <= set(frame["id"])
    assert backdated <= set(frame["id"])  # seen by the second, complete pass


def test_a_range_that_never_settles_is_reported_not_returned_short(calls_5000):
    faults = Faults(latency=0.01, mutate_every=2, mutate_count=1)
    with serve(calls_5000, api_key=KEY, faults=faults, seed=6) as server:
        middle = datetime.fromisoformat(server.sandbox.store.calls[100]["createdAt"])
        backdate_inserts(server.sandbox, middle, rounds=None)
        client = ds.Client(KEY, base_url=server.url, backoff=0.02)
        with pytest.raises(IncompleteReadError) as caught:
            client.read_call_logs(end_date="2026-10-01")
        assert caught.value.expected > 0
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            frame = client.read_call_logs(end_date="2026-10-01", on_incomplete="warn")
    assert [w.category for w in seen] == [IncompleteReadWarning]
    assert "on_incomplete" not in str(seen[0].message) and KEY not in str(seen[0].message)
    assert frame["id"].is_unique and len(frame) > 0


def test_the_range_is_pinned_to_the_start_of_the_read():
    now = pd.Timestamp("2026-11-01 12:00", tz="UTC")
    assert pin_end({}, now) == {"end_date": now}
    later = pd.Timestamp("2026-12-31", tz="UTC")
    assert pin_end({"end_date": later, "outcome": "answered"}, now)["end_date"] == now
    earlier = pd.Timestamp("2026-10-01", tz="UTC")
    assert pin_end({"end_date": earlier}, now)["end_date"] == earlier
    future = {"start_date": later}
    assert pin_end(future, now) == future  # nothing exists there yet: nothing to pin


BAD_CALL_LOG_ARGUMENTS = [
    {"outcome": "voicemail"},
    {"direction": "sideways"},
    {"answered_by": "robot"},
    {"outcomes": "answered"},
    {"min_duration": -5},
    {"min_duration": 90, "max_duration": 10},
    {"start_date": "2026-09-30", "end_date": "2026-09-01"},
    {"start_date": "not a date"},
    {"has_recording": "yes"},
    {"disposition_ids": ["one"]},
    {"user_ids": []},
    {"limit": 0},
    {"limit": 500},
    {"max_records": -1},
    {"sort": "duration desc"},
    {"tz": "Moon/Base"},
    {"dtype_backend": "numpy"},
    {"on_incomplete": "ignore"},
    {"progress": "yes"},
]


def test_bad_input_of_every_kind_fails_before_any_request(small_dataset):
    with serve(small_dataset, api_key=KEY) as server:
        client = ds.Client(KEY, base_url=server.url)
        for arguments in BAD_CALL_LOG_ARGUMENTS:
            with pytest.raises(InvalidParameterError):
                client.read_call_logs(**arguments)
        for call in [
            lambda: client.read_call_log_page(0),
            lambda: client.read_call_log_page(1, limit=101),
            lambda: client.read_dispositions(category="happy"),
            lambda: client.read_dispositions(is_custom="no"),
            lambda: client.read_contact_lists(sort="name;"),
            lambda: client.read_analytics("funnel"),
            lambda: client.read_analytics("overview", timezone="Nowhere/City"),
            lambda: client.read_analytics("overview", search="maya"),
            lambda: client.read_analytics("sdr-performance", user="u1"),
            lambda: client.read_team(tz="Not/AZone"),
            lambda: client.read_sequences(dtype_backend="arrow"),
        ]:
            with pytest.raises(InvalidParameterError):
                call()
        assert client.request_count == 0
        assert sum(server.sandbox.requests.values()) == 0

"""Syncing a store against the sandbox over real HTTP: first sync, incremental syncs within the
request budget, calls created and updated between and during syncs, filters, the key.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from dialstats.api._client import Client
from dialstats.errors import AuthenticationError
from dialstats.frame._build import records_to_frame
from dialstats.frame._schema import CALL_LOG_COLUMNS
from dialstats.sandbox import Dataset, Faults, generate, serve
from dialstats.store import CallLogStore, StoreFilterError
from dialstats.store._fetch import PageReader, read_changes

KEY = "sk-test-7f3a9c0e55d1b2a4"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate(seed=5, n_calls=1500)


@pytest.fixture
def server(dataset: Dataset) -> Iterator:
    with serve(dataset, api_key=KEY) as url:
        yield url


def client_for(url: str) -> Client:
    return Client(api_key=KEY, base_url=url)


def full_read(url: str, **filters) -> pd.DataFrame:
    with client_for(url) as client:
        return client.read_call_logs(**filters)


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("id", ignore_index=True)


def assert_same_calls(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same rows; schema columns in order with their exact dtypes; the other fields (whose Arrow
    types are inferred from the data, e.g. the order of a struct's fields) with equal values.
    """
    schema = list(CALL_LOG_COLUMNS)
    assert list(got.columns[: len(schema)]) == schema
    assert set(got.columns) == set(want.columns)
    got, want = by_id(got), by_id(want)
    pd.testing.assert_frame_equal(got[schema], want[schema])
    for name in set(got.columns) - set(schema):
        assert plain(got[name]) == plain(want[name]), name


def plain(column: pd.Series) -> list:
    """Values as Python objects, nested ones kept as JSON text parsed back, scalars inside them
    as text (a page types a nested number as text when another call has text there)."""

    def leaves(v):
        if isinstance(v, dict):
            return {k: leaves(x) for k, x in v.items()}
        if isinstance(v, list):
            return [leaves(x) for x in v]
        return None if v is None else str(v)

    values = pa.array(column).to_pylist()
    return [
        leaves(json.loads(v))
        if isinstance(v, str) and v.startswith(("[", "{"))
        else leaves(v)
        if isinstance(v, list | dict)
        else v
        for v in values
    ]


def api_frame(url, **filters) -> pd.DataFrame:
    """A full read right now: `read_call_logs` says which calls match and in which order; their
    rows are built from the server's records by the reader's own conversion.
    """
    ids = full_read(url, **filters)["id"]
    sandbox = url.sandbox
    with sandbox.lock:
        records = {r["_id"]: r for r in sandbox.store.calls}
        return records_to_frame([records[i] for i in ids], sandbox.dataset.dispositions)


def assert_store_equals_api(store: CallLogStore, url: str, **filters) -> pd.DataFrame:
    got, want = store.read(**filters), api_frame(url, **filters)
    assert_same_calls(got, want)
    assert got["id"].tolist() == want["id"].tolist()  # the reader's order too
    return got


def sync(store: CallLogStore, url: str, **filters):
    # A new client each time, so its one dispositions lookup counts against the budget.
    with client_for(url) as client:
        return store.sync(client, progress=False, **filters)


def state_of(url) -> dict[str, str]:
    """id -> updatedAt of every call on the server right now."""
    sandbox = url.sandbox
    with sandbox.lock:
        return {r["_id"]: r["updatedAt"] for r in sandbox.store.calls}


def test_first_sync_reads_everything_and_the_store_equals_a_full_read(tmp_path, server, dataset):
    store = CallLogStore(tmp_path / "store")
    result = sync(store, server)
    assert result.full and result.new == len(dataset.calls) == result.rows == len(store)
    assert result.updated == 0
    # Page 1 by newest change, the pages by creation, the dispositions.
    assert result.requests == 1 + math.ceil(len(dataset.calls) / 100) + 1
    assert store.watermark == pd.Timestamp(max(r["updatedAt"] for r in dataset.calls))
    assert_store_equals_api(store, server)


@pytest.mark.parametrize(
    ("inserted", "updated"),
    [(0, 0), (1, 0), (0, 1), (10, 5), (60, 39), (100, 0), (0, 100), (150, 101)],
)
def test_an_incremental_sync_reads_only_changes_within_the_request_budget(
    tmp_path, server, inserted, updated
):
    store = CallLogStore(tmp_path / "store")
    sync(store, server)
    new = {r["_id"] for r in server.sandbox.insert(inserted)}
    touched = {r["_id"] for r in server.sandbox.update(updated)} - new
    result = sync(store, server)
    changed = inserted + updated
    assert not result.full
    assert (result.new, result.updated) == (len(new), len(touched))
    assert result.requests <= math.ceil(changed / 100) + 2
    assert_store_equals_api(store, server)


def test_changes_between_syncs_are_all_caught(tmp_path, server):
    store = CallLogStore(tmp_path / "store")
    sync(store, server)
    for round_ in range(4):
        server.sandbox.insert(7 * round_ + 1)
        server.sandbox.update(13)
        server.sandbox.insert(2)  # inserted after the updates: several changes share a moment
        sync(store, server)
        assert_store_equals_api(store, server)


class Mutator:
    """Inserts and updates calls from another thread for as long as it runs."""

    def __init__(self, url, pause: float = 0.002) -> None:
        self.sandbox = url.sandbox
        self.pause = pause
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.rounds = 0

    def _run(self) -> None:
        while not self.stop.is_set():
            self.sandbox.insert(2)
            self.sandbox.update(3)
            self.rounds += 1
            time.sleep(self.pause)

    def __enter__(self) -> Mutator:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def assert_nothing_lost(store: CallLogStore, before: dict[str, str], url) -> None:
    """Every call that existed when the sync began is stored at least as new as it was then,
    unless it changed during the sync: then the next sync reads it (``updatedAt`` >= watermark).
    """
    got = store.read()
    assert got["id"].is_unique
    stored = got.set_index("id")["updated_at"]
    then = pd.to_datetime(pd.Series(before), utc=True, format="ISO8601")
    now = pd.to_datetime(pd.Series(state_of(url)), utc=True, format="ISO8601")
    kept = stored.reindex(then.index)
    behind = kept.isna() | (kept < then)
    assert (now[behind.index[behind]] >= store.watermark).all()
    assert behind.sum() < len(then) // 10


def test_changes_during_syncs_are_never_lost_or_counted_twice(tmp_path, dataset):
    faults = Faults(latency=0.003, jitter=0.004)  # responses finish out of order
    with serve(dataset, api_key=KEY, faults=faults) as url:
        store = CallLogStore(tmp_path / "store")
        for _ in range(4):
            before = state_of(url)
            with Mutator(url) as mutator:
                sync(store, url)
            assert mutator.rounds > 0
            assert_nothing_lost(store, before, url)
        sync(store, url)  # nothing changes now: the store must equal the API exactly
        assert_store_equals_api(store, url)


def test_changes_before_every_page_request_are_never_lost(tmp_path, dataset):
    # The server inserts and updates calls before answering each call-log request: the pages
    # read at once shift under the read, so the count check fails and the read is redone.
    with serve(dataset, api_key=KEY) as url:
        store = CallLogStore(tmp_path / "store")
        sync(store, url)
        url.sandbox.insert(250)
        url.sandbox.update(250)
        url.sandbox.faults = Faults(mutate_every=1, mutate_count=4)
        for _ in range(3):
            before = state_of(url)
            sync(store, url)
            assert_nothing_lost(store, before, url)
        url.sandbox.faults = Faults()
        sync(store, url)
        assert_store_equals_api(store, url)


def test_concurrent_pages_that_shifted_are_detected_and_read_again(tmp_path, dataset):
    with serve(dataset, api_key=KEY) as url:
        store = CallLogStore(tmp_path / "store")
        sync(store, url)
        since = store.watermark
        url.sandbox.insert(300)
        url.sandbox.update(50)
        stored = store.read()["id"]
        url.sandbox.faults = Faults(mutate_every=2, mutate_count=30)
        with client_for(url) as client:
            reader = PageReader(client.read_call_log_page, {}, limit=100, workers=4)
            try:
                known = pa.array(stored, pa.string())
                fetched = read_changes(reader, since, known=len(stored), known_ids=known)
            finally:
                reader.close()
        url.sandbox.faults = Faults()
        assert fetched.reread
        got = set(pd.concat(fetched.frames)["id"])
        changed = {i for i, at in state_of(url).items() if pd.Timestamp(at) >= since}
        # Every call changed since `since` is read, except ones changed after the read began.
        missed = {i for i in changed - got if pd.Timestamp(state_of(url)[i]) < fetched.watermark}
        assert not missed


def test_a_store_is_bound_to_the_filters_of_its_first_sync(tmp_path, server, dataset):
    users = sorted({r["user"]["_id"] for r in dataset.calls})[:3]
    filters = {"start_date": "2026-09-01", "user_ids": users, "outcome": "answered"}
    store = CallLogStore(tmp_path / "store")
    sync(store, server, **filters)
    assert set(store.filters) == {"start_date", "user_ids", "outcome"}
    assert_store_equals_api(store, server, **filters)
    server.sandbox.insert(20)
    server.sandbox.update(40)
    sync(store, server)  # no filters: the store's own
    sync(store, server, **filters)  # the same ones: fine
    assert_store_equals_api(store, server, **filters)
    assert_store_equals_api(store, server, **filters, direction="outbound", min_duration=30)
    with pytest.raises(StoreFilterError, match="start_date"):
        sync(store, server, start_date="2026-08-01")
    with pytest.raises(StoreFilterError, match="user_ids"):
        store.read(user_ids=[*users[:1], "someone-else"])
    with pytest.raises(StoreFilterError, match="outcome"):
        store.read(outcome="no-answer")


def test_local_filters_match_the_api(tmp_path, server, dataset):
    store = CallLogStore(tmp_path / "store")
    sync(store, server)
    some = dataset.calls[17]
    cases = [
        {"start_date": "2026-09-14", "end_date": "2026-09-20"},
        {"start_date": some["createdAt"], "end_date": some["createdAt"]},
        {"outcome": "no-answer"},
        {"answered_by": "machine_start", "direction": "outbound"},
        {"min_duration": 60, "max_duration": 120},
        {"has_recording": False},
        {"has_recording": True, "is_completed": True},
        {"disposition_ids": [1, 6, 12]},
        {"exclude_negative_dispositions": True},
        {"user_ids": [some["user"]["_id"]], "contact_list_ids": [some["contact_list"]["_id"]]},
        {"sequences": [some["sequence"]["_id"]]} if some.get("sequence") else {"sequences": ["x"]},
        {"from": [some["from"]], "to": [some["to"], "+10000000000"]},
        {"search": some["contact"]["last_name"].upper()},
        {"search": (some["contact"].get("company") or "co")[:4]},
    ]
    for filters in cases:
        assert len(assert_store_equals_api(store, server, **filters)) == len(
            full_read(server, **filters)
        )
    for sort in ("-duration", "updatedAt,-createdAt"):
        got, want = store.read(sort=sort), full_read(server, sort=sort)
        assert got["id"].tolist() == want["id"].tolist(), sort
    assert (
        store.read(max_records=7)["id"].tolist() == full_read(server, max_records=7)["id"].tolist()
    )


def test_a_first_sync_that_fails_binds_nothing(tmp_path, server):
    store = CallLogStore(tmp_path / "store")
    with Client("wrong-key", base_url=server) as client, pytest.raises(AuthenticationError):
        store.sync(client, progress=False, start_date="2026-09-01")
    assert store.filters == {"start_date": pd.Timestamp("2026-09-01", tz="UTC")}
    sync(store, server, start_date="2026-10-01")  # other filters: fine, nothing was stored
    assert_store_equals_api(store, server, start_date="2026-10-01")


def test_the_api_key_is_never_written_to_the_store(tmp_path, server):
    store = CallLogStore(tmp_path / "store")
    result = sync(store, server)
    server.sandbox.update(5)
    sync(store, server)
    for path in Path(store.path).rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in repr(store) + repr(result) + str(result)

"""A call stamped ``updatedAt`` in the future must not freeze the store's watermark.

Against the sandbox over loopback (uvicorn sends a ``Date`` header: the server's clock) and
in-process (no ``Date``: this machine's clock).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pandas as pd
import pytest

from dialstats.api._client import Client
from dialstats.sandbox import Dataset, create_app, generate, serve
from dialstats.sandbox._state import Sandbox
from dialstats.store import CallLogStore
from dialstats.store._fetch import CLOCK_MARGIN

KEY = "sk-test-clock-41c7"
FUTURE = datetime(2030, 1, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate(seed=21, n_calls=900)


@contextlib.contextmanager
def sandbox_client(dataset: Dataset, how: str) -> Iterator[tuple[Client, Sandbox]]:
    if how == "loopback":
        with serve(dataset, api_key=KEY) as url, Client(KEY, base_url=url) as client:
            yield client, url.sandbox
    else:
        app = create_app(dataset, api_key=KEY)
        transport = httpx.ASGITransport(app=app)
        with Client(KEY, base_url="http://sandbox.test", transport=transport) as client:
            yield client, app.state.sandbox


def server_state(sandbox: Sandbox) -> dict[str, pd.Timestamp]:
    with sandbox.lock:
        return {r["_id"]: pd.Timestamp(r["updatedAt"]) for r in sandbox.store.calls}


def assert_store_equals_server(store: CallLogStore, sandbox: Sandbox, client: Client) -> None:
    got = store.read()
    state = server_state(sandbox)
    stored = got.set_index("id")["updated_at"]
    assert got["id"].is_unique and set(stored.index) == set(state)
    assert all(stored[i] == state[i] for i in stored.index)
    # A full read pins end_date to its start, so it leaves out the call created in the
    # future (which the store keeps, as the API has it); all else is the same.
    full = client.read_call_logs(progress=False)
    assert (
        got.loc[got["created_at"] <= pd.Timestamp.now(tz="UTC"), "id"].tolist()
        == full["id"].tolist()
    )


@pytest.mark.parametrize("how", ["loopback", "in-process"])
@pytest.mark.parametrize("when", ["before-first-sync", "between-syncs"])
def test_a_call_updated_in_the_future_does_not_freeze_the_store(tmp_path, dataset, how, when):
    with sandbox_client(dataset, how) as (client, sandbox):
        store = CallLogStore(tmp_path / "store")
        if when == "between-syncs":
            store.sync(client, progress=False)
        sandbox.update(1, at=FUTURE)
        sandbox.insert(1, at=FUTURE)  # created in the future too
        store.sync(client, progress=False)
        assert store.watermark <= pd.Timestamp.now(tz="UTC") - CLOCK_MARGIN / 2
        for round_ in range(3):
            new = {r["_id"] for r in sandbox.insert(3 + round_)}
            touched = {r["_id"] for r in sandbox.update(7)} - new
            result = store.sync(client, progress=False)
            assert result.new == len(new)
            assert result.updated >= len(touched)
            assert store.watermark < pd.Timestamp.now(tz="UTC")
            assert_store_equals_server(store, sandbox, client)
        # Further edits of the future calls are seen too: they are re-read every sync.
        with sandbox.lock:
            future = [r for r in sandbox.store.calls if r["updatedAt"].startswith("2030")]
        assert len(future) == 2
        sandbox.update(len(sandbox.store), at=datetime(2030, 6, 1, tzinfo=UTC))
        store.sync(client, progress=False)
        assert_store_equals_server(store, sandbox, client)


def test_a_future_call_costs_an_incremental_sync_little(tmp_path, dataset):
    with sandbox_client(dataset, "loopback") as (client, sandbox):
        store = CallLogStore(tmp_path / "store")
        store.sync(client, progress=False)
        sandbox.update(1, at=FUTURE)
        store.sync(client, progress=False)
        sandbox.insert(150)
        before = client.request_count
        result = store.sync(client, progress=False)
        assert result.new == 150
        # The pages of the changes (2), the future call and the margin's re-reads (1).
        assert client.request_count - before <= 4

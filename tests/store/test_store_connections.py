"""A sync reuses pooled connections: TCP connections counted at a loopback server.

The sandbox app is wrapped in an ASGI layer that records each request's client address (host,
port): one address per TCP connection.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import uvicorn

from dialstats.api._client import Client
from dialstats.sandbox import Dataset, Faults, create_app, generate
from dialstats.sandbox._serve import base_url, bind
from dialstats.store import CallLogStore
from dialstats.store._sync import _pages_at_once

KEY = "sk-test-conn-5d21"


class Peers:
    """An ASGI app that notes the client address of every HTTP request, then serves `app`."""

    def __init__(self, app) -> None:
        self.app = app
        self.seen: set[tuple[str, int]] = set()
        self.now = self.peak = 0  # requests being answered at once

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        self.seen.add(tuple(scope["client"]))
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            await self.app(scope, receive, send)
        finally:
            self.now -= 1


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate(seed=31, n_calls=1500)


@contextlib.contextmanager
def counted(dataset: Dataset, faults: Faults | None = None) -> Iterator[tuple[str, Peers]]:
    app = create_app(dataset, api_key=KEY, faults=faults)
    peers = Peers(app)
    peers.sandbox = app.state.sandbox
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(peers, lifespan="off", log_level="warning", log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
            time.sleep(0.01)
        yield base_url(sock), peers
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_one_page_reads_outside_a_pool_open_a_connection_each(dataset):
    # The baseline the store used to have: what `pooled` is for.
    with counted(dataset) as (url, peers), Client(KEY, base_url=url) as client:
        for page in range(1, 6):
            client.read_call_log_page(page)
        assert len(peers.seen) == client.request_count == 6  # the dispositions too


def test_page_reads_from_many_threads_share_one_pool(dataset):
    with counted(dataset) as (url, peers), Client(KEY, base_url=url) as client:
        with client.pooled(), ThreadPoolExecutor(8) as threads:
            pages = [client.read_call_log_page(1)]  # (and the dispositions, once)
            with client.pooled():  # nested: the same pool
                pages += threads.map(client.read_call_log_page, range(2, 16))
        assert [p.page for p in pages] == list(range(1, 16))
        assert client.request_count == 16
        assert len(peers.seen) <= client.max_concurrency
        client.read_call_log_page(1)  # after the block: its own connection again
        assert client.request_count == 17


def test_a_sync_reuses_connections(tmp_path, dataset):
    with counted(dataset) as (url, peers):
        store = CallLogStore(tmp_path / "store")
        with Client(KEY, base_url=url, max_concurrency=4) as client:
            first = store.sync(client, progress=False)
        assert first.requests == 17
        assert len(peers.seen) <= 4
        peers.seen.clear()
        peers.sandbox.insert(250)
        peers.sandbox.update(120)
        with Client(KEY, base_url=url, max_concurrency=4) as client:
            again = store.sync(client, progress=False)
        assert again.new == 250 and again.requests >= 5
        assert len(peers.seen) <= 4


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_sync_takes_on_more_pages_than_requests_yet_never_sends_more_at_once(
    tmp_path, dataset, concurrency
):
    # Pages beyond max_concurrency wait for a free connection (so the next request leaves as
    # soon as an answer is in, while that page is parsed), never beside the others.
    with Client(KEY, base_url="http://127.0.0.1:9", max_concurrency=concurrency) as client:
        assert _pages_at_once(client) == 2 * concurrency
    with counted(dataset, Faults(latency=0.02)) as (url, peers):
        store = CallLogStore(tmp_path / "store")
        with Client(KEY, base_url=url, max_concurrency=concurrency) as client:
            store.sync(client, progress=False)
            assert peers.peak == concurrency and len(peers.seen) <= concurrency
            peers.seen.clear()
            peers.peak = 0
            peers.sandbox.insert(300)
            peers.sandbox.update(100)
            again = store.sync(client, progress=False)
        assert again.new == 300 and len(store) == len(dataset.calls) + 300
        assert peers.peak <= concurrency and len(peers.seen) <= concurrency

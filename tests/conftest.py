"""Shared fixtures: small generated datasets, and sandbox apps reached through plain httpx."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import httpx
import pytest

from dialstats.sandbox import Dataset, create_app, generate

DEMO_KEY = "demo"


class SyncASGITransport(httpx.BaseTransport):
    """httpx's ASGI transport for a synchronous ``httpx.Client`` (httpx ships only the async one).

    Each request runs to completion on a private event loop, in the calling thread.
    """

    def __init__(self, app: object) -> None:
        self._transport = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            response = await self._transport.handle_async_request(request)
            content = b"".join([chunk async for chunk in response.stream])
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self._loop.run_until_complete(send())

    def close(self) -> None:
        self._loop.close()


@pytest.fixture(scope="session")
def asgi_client() -> Iterator[Callable[..., httpx.Client]]:
    """Make a plain ``httpx.Client`` that talks to an ASGI app in-process (no sockets).

    ``asgi_client(app, api_key="demo")``; pass ``api_key=None`` to send no key. Clients are
    closed at the end of the session.
    """
    clients: list[httpx.Client] = []

    def make(app: object, api_key: str | None = DEMO_KEY) -> httpx.Client:
        headers = {"x-api-key": api_key} if api_key is not None else {}
        transport = SyncASGITransport(app)
        client = httpx.Client(transport=transport, base_url="http://sandbox.test", headers=headers)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def small_dataset() -> Dataset:
    """A generated dataset of 3,000 calls; treat it as read-only (apps copy what they change)."""
    return generate(seed=11, n_calls=3000)


@pytest.fixture(scope="session")
def sandbox_app(small_dataset: Dataset):
    """A fault-free sandbox app over `small_dataset`, shared: do not insert or update through it."""
    return create_app(small_dataset)


@pytest.fixture(scope="session")
def sandbox_http(sandbox_app, asgi_client) -> httpx.Client:
    """An httpx client for `sandbox_app` that sends the demo key."""
    return asgi_client(sandbox_app)


@pytest.fixture(scope="session")
def spark():
    """One local PySpark session (2 cores, UTC) for every test module that runs on Spark;
    skips without PySpark or a Java runtime."""
    import os
    import shutil

    pytest.importorskip(
        "pyspark", reason="PySpark is not installed (pip install 'dialstats[spark]')"
    )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs a Java runtime (apt-get install default-jre-headless)")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("dialstats-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        # Small inputs: no re-planning per query; the JVM in UTC with a serial collector.
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC -XX:+UseSerialGC")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

"""A sync killed mid-write (SIGKILL, at each step) and two processes syncing one store at once.

Writers run as real subprocesses against a sandbox served on loopback by the test process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from dialstats.api._client import Client
from dialstats.sandbox import Dataset, generate, serve
from dialstats.store import CallLogStore
from dialstats.store._fault import ENV
from dialstats.store._layout import partitions

KEY = "demo"
SYNC = textwrap.dedent(
    """
    import sys
    from dialstats.api._client import Client
    from dialstats.store import CallLogStore
    with Client(api_key="demo", base_url=sys.argv[2]) as client:
        print(CallLogStore(sys.argv[1]).sync(client, progress=False))
    """
)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate(seed=9, n_calls=1200)


@pytest.fixture
def server(dataset: Dataset) -> Iterator:
    with serve(dataset, api_key=KEY) as url:
        yield url


def start_sync(store: Path, url: str, fault: str | None = None) -> subprocess.Popen:
    env = {**os.environ, ENV: fault or ""}
    return subprocess.Popen(
        [sys.executable, "-c", SYNC, str(store), url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def full_read(url: str) -> pd.DataFrame:
    with Client(api_key=KEY, base_url=url) as client:
        return client.read_call_logs()


def sync_here(store: Path, url: str):
    with Client(api_key=KEY, base_url=url) as client:
        return CallLogStore(store).sync(client, progress=False)


def assert_equal_to_api(store: Path, url: str) -> None:
    """The store holds exactly the calls a full read returns, each in its current state."""
    got = CallLogStore(store).read()
    want = full_read(url)
    assert got["id"].tolist() == want["id"].tolist()
    sandbox = url.sandbox
    with sandbox.lock:
        current = {r["_id"]: r["updatedAt"] for r in sandbox.store.calls}
    expected = pd.to_datetime(
        pd.Series([current[i] for i in got["id"]]), utc=True, format="ISO8601"
    )
    assert got["updated_at"].reset_index(drop=True).equals(expected.astype(got["updated_at"].dtype))


@pytest.mark.parametrize(
    "point", ["fetched", "partition-temp", "partition-replaced", "before-meta"]
)
def test_a_sync_killed_at_any_step_leaves_a_readable_store_that_the_next_sync_completes(
    tmp_path, server, point
):
    store = tmp_path / "store"
    sync_here(store, server)
    before = CallLogStore(store).read()
    watermark = CallLogStore(store).watermark
    server.sandbox.insert(40)
    server.sandbox.update(60)
    proc = start_sync(store, server, f"crash:{point}")
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # Readable, one row per call, nothing lost, and the watermark not moved past what was written.
    during = CallLogStore(store).read()
    assert during["id"].is_unique
    assert set(before["id"]) <= set(during["id"])
    assert CallLogStore(store).watermark == watermark
    result = sync_here(store, server)
    assert result.new + result.updated <= 100
    assert_equal_to_api(store, server)
    assert not [p for p in store.rglob(".*.tmp")]


def test_a_first_sync_killed_mid_write_is_resumed(tmp_path, server):
    store = tmp_path / "store"
    proc = start_sync(store, server, "crash:partition-replaced")
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert len(partitions(store)) >= 1 and CallLogStore(store).watermark is None
    assert CallLogStore(store).read()["id"].is_unique
    assert sync_here(store, server).full
    assert_equal_to_api(store, server)


def test_a_writer_killed_from_outside_while_writing_a_partition(tmp_path, server):
    store = tmp_path / "store"
    sync_here(store, server)
    server.sandbox.update(80)
    proc = start_sync(store, server, "pause:partition-temp")
    line = proc.stderr.readline()
    assert "paused at partition-temp" in line
    # A reader meanwhile sees the old partitions whole; the half-done one is a hidden temp file.
    assert list(store.rglob(".*.tmp"))
    assert CallLogStore(store).read()["id"].is_unique
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    sync_here(store, server)
    assert_equal_to_api(store, server)


def test_two_processes_syncing_one_store_at_once(tmp_path, server):
    store = tmp_path / "store"
    sync_here(store, server)
    server.sandbox.update(90)
    server.sandbox.insert(120)
    procs = [start_sync(store, server) for _ in range(2)]
    outputs = [p.communicate(timeout=90) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    summaries = [out.strip() for out, _ in outputs]
    # One did the work; the other waited for the lock and then found nothing new.
    assert any("120 new, 90 updated" in s for s in summaries), summaries
    assert any("0 new, 0 updated" in s for s in summaries), summaries
    assert_equal_to_api(store, server)


def test_a_writer_waits_for_the_lock_holder_or_times_out(tmp_path, server):
    store = tmp_path / "store"
    sync_here(store, server)
    server.sandbox.insert(10)
    holder = start_sync(store, server, "pause:fetched")
    assert "paused at fetched" in holder.stderr.readline()
    try:
        waiting = subprocess.run(
            [
                sys.executable,
                "-m",
                "dialstats.cli",
                "pull",
                "--store",
                str(store),
                "--lock-timeout",
                "0.5",
            ],
            env={**os.environ, "SALESFINITY_API_KEY": KEY, "SALESFINITY_BASE_URL": server},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert waiting.returncode == 1
        assert "another process" in waiting.stderr and len(waiting.stderr.strip().splitlines()) == 1
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=30)
    result = sync_here(store, server)
    assert result.new == 10
    assert_equal_to_api(store, server)

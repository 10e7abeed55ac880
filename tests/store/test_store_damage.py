"""Damaged stores are named, never read silently, and repaired from the API; foreign
directories are not adopted; calls deleted upstream leave the store.

Each damage is made with real files on a store synced from the sandbox over loopback.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dialstats.api._client import Client
from dialstats.sandbox import Dataset, generate, serve
from dialstats.store import CallLogStore, StoreError
from dialstats.store._arrow import write_partition_temp
from dialstats.store._layout import LOCK_NAME, META_NAME, commit_file, partitions

KEY = "sk-test-damage-0b6e"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate(seed=17, n_calls=2400)


@pytest.fixture
def server(dataset: Dataset) -> Iterator:
    with serve(dataset, api_key=KEY) as url:
        yield url


def client_for(url: str) -> Client:
    return Client(api_key=KEY, base_url=url)


def sync(store: CallLogStore, url: str, **options):
    with client_for(url) as client:
        return store.sync(client, progress=False, **options)


def repair(store: CallLogStore, url: str):
    with client_for(url) as client:
        return store.repair(client, progress=False)


def assert_equals_api(store: CallLogStore, url: str) -> None:
    got = store.read()
    with client_for(url) as client:
        want = client.read_call_logs(progress=False)
    assert got["id"].tolist() == want["id"].tolist()
    sandbox = url.sandbox
    with sandbox.lock:
        state = {r["_id"]: pd.Timestamp(r["updatedAt"]) for r in sandbox.store.calls}
    assert (got["updated_at"] == got["id"].map(state)).all()
    assert store.verify() == len(store) == len(want)


@pytest.fixture
def synced(tmp_path, server) -> CallLogStore:
    store = CallLogStore(tmp_path / "store")
    sync(store, server)
    assert len(partitions(store.path)) >= 3
    return store


def month_file(store: CallLogStore, n: int) -> tuple[str, Path]:
    return list(partitions(store.path).items())[n]


def assert_named_and_refused(store: CallLogStore, server, month: str, what: str) -> None:
    """Every way in names the damage; a plain sync refuses (and points at repair)."""
    pattern = re.escape(f"created_month={month}: {what}")
    for attempt in (store.verify, store.read, lambda: len(store)):
        with pytest.raises(StoreError, match=pattern):
            attempt()
    with pytest.raises(StoreError, match="repair"):
        sync(store, server)


def test_a_deleted_partition_file(synced, server):
    month, path = month_file(synced, 1)
    rows = pq.read_metadata(path).num_rows
    path.unlink()
    assert_named_and_refused(synced, server, month, "its file is missing")
    result = repair(synced, server)
    assert result.reread == (month,) and result.new == rows
    # The month's pages, page 1 by newest change (and its own), the dispositions.
    assert result.requests <= math.ceil(rows / 100) + 4
    assert_equals_api(synced, server)


def test_a_partition_overwritten_with_another_months_file(synced, server):
    (month, path), (other, other_path) = month_file(synced, 0), month_file(synced, 2)
    shutil.copyfile(other_path, path)
    assert_named_and_refused(synced, server, month, f"holds calls created in {other}")
    with pytest.raises(StoreError, match="stored twice"):
        synced.verify()
    assert repair(synced, server).reread == (month,)
    assert_equals_api(synced, server)


def test_a_truncated_partition_file(synced, server):
    month, path = month_file(synced, 1)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_named_and_refused(synced, server, month, "unreadable: truncated or not Parquet")
    repair(synced, server)
    assert_equals_api(synced, server)


def test_corrupt_data_inside_a_file_is_an_error_on_read_and_repair_finds_it(synced, server):
    month, path = month_file(synced, 1)
    data = bytearray(path.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little") + 8
    for at in range(len(data) // 4, len(data) - footer - 64, 997):  # data pages, not the footer
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=f"{path}: damaged partition file"):
        synced.read()
    result = repair(synced, server)  # reads every file whole
    assert month in result.reread
    assert_equals_api(synced, server)


def test_a_partition_with_other_rows_than_recorded(synced, server):
    month, path = month_file(synced, 1)
    table = pq.read_table(path)
    tmp, _, _ = write_partition_temp(path, table.slice(0, 10), month)  # a consistent file...
    commit_file(tmp, path)  # ...but not the one the store committed
    assert_named_and_refused(
        synced, server, month, f"holds 10 rows where the store recorded {table.num_rows:,}"
    )
    repair(synced, server)
    assert_equals_api(synced, server)


def test_an_older_copy_of_a_partition(synced, server):
    month, path = month_file(synced, 1)
    backup = path.read_bytes()
    with server.sandbox.lock:
        in_month = [r["_id"] for r in server.sandbox.store.calls if r["createdAt"][:7] == month]
    records = server.sandbox.update(len(server.sandbox.store))  # every call changes
    assert any(r["_id"] in in_month for r in records)
    sync(synced, server)
    path.write_bytes(backup)  # restored from an old backup: same rows, stale data
    assert_named_and_refused(synced, server, month, "holds other calls than the store recorded")
    repair(synced, server)
    assert_equals_api(synced, server)


def test_sync_full_rereads_everything_and_mends_damage(synced, server):
    (_, path), (_, other), (kept, _) = (month_file(synced, n) for n in range(3))
    path.unlink()
    other.write_bytes(b"PAR1 not really")
    with server.sandbox.lock:
        victim = next(r["_id"] for r in server.sandbox.store.calls if r["createdAt"][:7] == kept)
    server.sandbox.delete([victim])
    server.sandbox.insert(2)
    result = sync(synced, server, full=True)
    assert result.full and result.rows == len(server.sandbox.store)
    # Calls of the two unreadable months count as new; the deleted call is removed.
    assert result.removed == 1 and result.new >= 2
    assert victim not in set(synced.read()["id"])
    assert_equals_api(synced, server)


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        '"a store"',
        json.dumps({"format": "dialstats-call-log-store", "version": "2"}),
        json.dumps({"format": "dialstats-call-log-store", "version": 2, "partitions": "x"}),
        json.dumps(
            {"format": "dialstats-call-log-store", "version": 2, "partitions": {"2026-09": {}}}
        ),
        json.dumps({"format": "dialstats-call-log-store", "version": 2, "rows": -3}),
        json.dumps({"format": "dialstats-call-log-store", "version": 2, "watermark": "soon"}),
        json.dumps({"format": "dialstats-call-log-store", "version": 2, "watermark": 12}),
        json.dumps({"format": "dialstats-call-log-store", "version": 2, "filters": {"outcome": 5}}),
        json.dumps({"format": "dialstats-call-log-store", "version": 2, "filters": ["x"]}),
        json.dumps({"format": "dialstats-call-log-store", "version": 2, "pending": [1]}),
    ],
)
def test_malformed_metadata_is_a_store_error(synced, server, body):
    (synced.path / META_NAME).write_text(body)
    before = server.sandbox.requests["/v1/call-log"]
    for attempt in (synced.verify, synced.read, lambda: len(synced), lambda: synced.watermark):
        with pytest.raises(StoreError, match=f"{META_NAME}: "):
            attempt()
    with pytest.raises(StoreError):
        sync(synced, server)
    assert server.sandbox.requests["/v1/call-log"] == before  # refused before any request


def foreign_hive_dataset(root: Path) -> None:
    table = pa.table({"id": ["a", "b"], "created_month": ["2026-09", "2026-10"], "x": [1, 2]})
    pq.write_to_dataset(table, root, partition_cols=["created_month"])


@pytest.mark.parametrize("kind", ["hive dataset", "other files"])
def test_a_directory_that_is_not_a_store_is_not_adopted(tmp_path, server, kind):
    root = tmp_path / "data"
    if kind == "hive dataset":
        foreign_hive_dataset(root)
    else:
        root.mkdir()
        (root / "notes.txt").write_text("mine")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    with pytest.raises(StoreError, match=r"not a dialstats call-log store .* not empty"):
        sync(CallLogStore(root), server)
    result = subprocess.run(
        [sys.executable, "-m", "dialstats.cli", "pull", "--store", str(root), "--no-progress"],
        env={**os.environ, "SALESFINITY_API_KEY": KEY, "SALESFINITY_BASE_URL": server},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "not a dialstats call-log store" in result.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # not even a lock
    assert not (root / LOCK_NAME).exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert sync(CallLogStore(empty), server).full  # an empty directory is fine


def test_calls_deleted_upstream_leave_the_store(synced, server):
    sandbox = server.sandbox
    with sandbox.lock:
        calls = list(sandbox.store.calls)
    months = sorted({r["createdAt"][:7] for r in calls})
    gone = [r["_id"] for r in calls if r["createdAt"][:7] == months[1]][:7]
    gone += [r["_id"] for r in calls if r["createdAt"][:7] == months[-1]][:3]
    assert sandbox.delete(gone) == 10
    sandbox.insert(4)
    sandbox.update(6)
    result = sync(synced, server)
    assert result.removed == 10 and result.new == 4
    assert set(result.reread) == {months[1], months[-1]}
    assert not set(gone) & set(synced.read()["id"])
    assert_equals_api(synced, server)
    # Without deletions the check costs nothing: the budget of an incremental sync holds.
    sandbox.insert(30)
    result = sync(synced, server)
    assert result.removed == 0 and result.reread == () and result.requests <= 3
    assert_equals_api(synced, server)


def test_deletions_masked_by_as_many_new_calls_are_caught(synced, server):
    sandbox = server.sandbox
    with sandbox.lock:
        victim = sandbox.store.calls[100]["_id"]
    sandbox.delete([victim])
    sandbox.insert(1)  # the API's count is what the store holds, yet one call is gone
    result = sync(synced, server)
    assert result.removed == 1
    assert victim not in set(synced.read()["id"])
    assert_equals_api(synced, server)


def test_a_version_1_store_reads_and_gets_partition_records_at_its_next_sync(synced, server):
    meta = json.loads((synced.path / META_NAME).read_text())
    meta["version"] = 1
    del meta["partitions"], meta["pending"]
    (synced.path / META_NAME).write_text(json.dumps(meta))
    for path in partitions(synced.path).values():  # files without the footer record
        pq.write_table(pq.read_table(path).replace_schema_metadata(None), path)
    assert synced.verify() == len(server.sandbox.store)
    sync(synced, server)
    meta = json.loads((synced.path / META_NAME).read_text())
    assert meta["version"] == 2 and set(meta["partitions"]) == set(partitions(synced.path))
    assert_equals_api(synced, server)


def test_verify_and_repair_need_a_store(tmp_path, server):
    store = CallLogStore(tmp_path / "nothing")
    with pytest.raises(StoreError, match="no call-log store here"):
        store.verify()
    with pytest.raises(StoreError, match="no call-log store here"):
        repair(store, server)
    assert not store.path.exists()

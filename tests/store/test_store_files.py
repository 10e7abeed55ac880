"""The store's files: partitions, dtypes, keyed merges, atomic writes, old schemas, locking.

These build stores straight from generated records (no HTTP); syncing is in test_store_sync.py.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

import dialstats as ds
from dialstats.frame._build import records_to_frame
from dialstats.frame._schema import CALL_LOG_COLUMNS, call_log_dtypes
from dialstats.sandbox import Dataset
from dialstats.store import CallLogStore, StoreError, StoreFilterError, StoreLockedError
from dialstats.store._arrow import to_table
from dialstats.store._layout import LOCK_NAME, META_NAME, partitions, replacing, sweep_temp_files
from dialstats.store._lock import write_lock
from dialstats.store._meta import StoreMeta, public_source, save_meta
from dialstats.store._sync import _Index, _write


def frame_of(dataset: Dataset, calls=None) -> pd.DataFrame:
    return records_to_frame(dataset.calls if calls is None else calls, dataset.dispositions)


def write_store(root: Path, frame: pd.DataFrame, filters: dict | None = None) -> tuple[int, int]:
    save_meta(root, StoreMeta(filters=filters or {}))
    return _write(root, _Index(root), to_table(frame))


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("id", ignore_index=True)


@pytest.fixture(scope="module")
def calls(small_dataset: Dataset) -> pd.DataFrame:
    return frame_of(small_dataset)


@pytest.fixture
def store(tmp_path: Path, calls: pd.DataFrame) -> CallLogStore:
    write_store(tmp_path / "store", calls)
    return CallLogStore(tmp_path / "store")


def test_read_returns_every_row_with_the_schema_dtypes(store, calls):
    got = store.read()
    assert list(got.columns[: len(CALL_LOG_COLUMNS)]) == list(CALL_LOG_COLUMNS)
    for name, dtype in call_log_dtypes().items():
        assert got[name].dtype == dtype, name
    pd.testing.assert_frame_equal(by_id(got), by_id(calls))
    # The reader's default order: oldest call first, ties by id.
    assert got["created_at"].is_monotonic_increasing


def test_partitions_are_months_of_created_at_in_utc(store, calls):
    months = sorted(calls["created_at"].dt.strftime("%Y-%m").unique())
    assert list(partitions(store.path)) == months
    for month, path in partitions(store.path).items():
        created = pq.read_table(path, columns=["created_at"])["created_at"].to_pandas()
        assert (created.dt.strftime("%Y-%m") == month).all()


def test_read_in_another_time_zone_and_with_the_pyarrow_backend(store, calls):
    local = store.read(tz="America/New_York")
    assert str(local["created_at"].dt.tz) == "America/New_York"
    assert local["created_at"].equals(store.read()["created_at"].dt.tz_convert("America/New_York"))
    arrow = store.read(dtype_backend="pyarrow")
    assert all(isinstance(t, pd.ArrowDtype) for t in arrow.dtypes)
    assert arrow["id"].tolist() == store.read()["id"].tolist()


def test_frames_of_either_dtype_backend_and_any_time_zone_store_the_same(small_dataset, calls):
    arrow = records_to_frame(
        small_dataset.calls, small_dataset.dispositions, dtype_backend="pyarrow"
    )
    local = calls.copy()
    for name in ("started_at", "ended_at", "created_at", "updated_at"):
        local[name] = local[name].dt.tz_convert("Asia/Tokyo")
    want = to_table(calls)
    # (The order of fields outside the schema is the reader's; compare by name.)
    assert to_table(arrow).select(want.column_names).equals(want)
    assert to_table(local).equals(want)


def test_duckdb_and_pyarrow_dataset_read_the_store_as_it_is(store, calls):
    glob = str(store.path / "*" / "*.parquet")
    rows = duckdb.sql(
        f"SELECT id, outcome, duration, created_at FROM read_parquet('{glob}', hive_partitioning=true)"
    ).df()
    assert sorted(rows["id"]) == sorted(calls["id"])
    expected = calls.set_index("id")
    rows = rows.set_index("id").loc[expected.index]
    assert (rows["outcome"] == expected["outcome"].astype(str)).all()
    assert (rows["duration"].astype("Int64").fillna(-1) == expected["duration"].fillna(-1)).all()
    assert (pd.to_datetime(rows["created_at"], utc=True) == expected["created_at"]).all()
    months = duckdb.sql(
        f"SELECT DISTINCT created_month FROM read_parquet('{glob}', hive_partitioning=true)"
    ).fetchall()
    assert sorted(str(m) for (m,) in months) == list(partitions(store.path))
    dataset = pads.dataset(store.path, format="parquet", partitioning="hive")
    assert dataset.count_rows() == len(calls)  # metadata, lock and temp files are ignored


def test_merge_keeps_one_row_per_id_and_the_newest_update(tmp_path, small_dataset, calls):
    root = tmp_path / "store"
    assert write_store(root, calls.iloc[:2000]) == (2000, 0)
    changed = calls.iloc[1500:2500].copy()
    newer = changed.index < 2000
    changed.loc[newer, "notes"] = "edited"
    changed.loc[newer, "updated_at"] += pd.Timedelta(seconds=5)
    stale = changed.iloc[:10].copy()  # an older version of a stored call never wins
    stale["updated_at"] -= pd.Timedelta(days=1)
    stale["notes"] = "stale"
    assert _write(root, _Index(root), to_table(changed)) == (500, 500)
    assert _write(root, _Index(root), to_table(stale)) == (0, 0)
    got = by_id(CallLogStore(root).read())
    assert got["id"].is_unique and len(got) == 2500
    notes = got.set_index("id")["notes"]
    assert (notes.loc[changed["id"][newer]] == "edited").all()
    assert "stale" not in set(notes.dropna())


def test_a_call_whose_created_at_moves_leaves_its_old_partition(tmp_path, calls):
    root = tmp_path / "store"
    write_store(root, calls)
    moved = calls.iloc[[0]].copy()
    moved["created_at"] += pd.Timedelta(days=40)
    moved["updated_at"] = moved["created_at"]
    assert _write(root, _Index(root), to_table(moved)) == (0, 1)
    got = CallLogStore(root).read()
    assert got["id"].is_unique and len(got) == len(calls)
    assert got.set_index("id").loc[moved["id"].iloc[0], "created_at"] == moved["created_at"].iloc[0]


def test_unchanged_partitions_are_not_rewritten(tmp_path, calls):
    root = tmp_path / "store"
    write_store(root, calls)
    before = {m: p.stat().st_mtime_ns for m, p in partitions(root).items()}
    again = calls[calls["created_at"].dt.strftime("%Y-%m") == min(before)]
    assert _write(root, _Index(root), to_table(again)) == (0, 0)
    assert {m: p.stat().st_mtime_ns for m, p in partitions(root).items()} == before


def test_an_older_store_missing_columns_still_reads(tmp_path, calls):
    root = tmp_path / "store"
    write_store(root, calls)
    _month, path = next(iter(partitions(root).items()))
    old = pq.read_table(path).drop_columns(["summary", "contact_timezone", "has_recording"])
    # Older versions also stored timestamps in ns and added a field this version does not know.
    old = old.set_column(
        old.column_names.index("created_at"),
        "created_at",
        old["created_at"].cast(pa.timestamp("ns", "UTC")),
    )
    old = old.append_column("legacy_score", pa.array(range(old.num_rows), pa.int32()))
    pq.write_table(old, path)
    got = CallLogStore(root).read()
    for name, dtype in call_log_dtypes().items():
        assert got[name].dtype == dtype, name
    in_old = got["id"].isin(old["id"].to_pylist())
    assert got.loc[in_old, "summary"].isna().all()
    assert got.loc[in_old, "has_recording"].isna().all()
    assert got.loc[~in_old, "contact_timezone"].notna().any()
    assert got["legacy_score"].dtype == "Int64"
    assert (
        got.loc[in_old, "legacy_score"].notna().all()
        and got.loc[~in_old, "legacy_score"].isna().all()
    )
    assert by_id(got)["created_at"].equals(by_id(calls)["created_at"])


def test_the_metadata_never_holds_the_key_or_credentials(tmp_path):
    key = "sk-live-0123456789abcdef"
    source = public_source(f"https://user:{key}@client-api.salesfinity.co/?api_key={key}#x")
    assert source == "https://client-api.salesfinity.co"
    save_meta(tmp_path, StoreMeta(filters={"outcome": "answered"}, source=source))
    text = (tmp_path / META_NAME).read_text()
    assert key not in text
    assert json.loads(text)["filters"] == {"outcome": "answered"}


def test_a_replaced_file_is_old_or_new_never_partial(tmp_path):
    dest = tmp_path / "part-0.parquet"
    dest.write_bytes(b"old")
    with pytest.raises(RuntimeError), replacing(dest) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash")
    assert dest.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [dest]
    with replacing(dest) as tmp:
        tmp.write_bytes(b"new")
    assert dest.read_bytes() == b"new"


def test_temporary_files_of_a_killed_writer_are_invisible_then_swept(store):
    month_dir = next(iter(partitions(store.path).values())).parent
    leftover = month_dir / ".part-0.parquet.0a1b2c.tmp"
    leftover.write_bytes(b"PAR1 half written")
    assert len(store.read()) == 3000
    glob = str(store.path / "*" / "*.parquet")
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}')").fetchall() == [(3000,)]
    assert sweep_temp_files(store.path) == 1 and not leftover.exists()


def test_filters_must_stay_within_the_stores_own(tmp_path, calls):
    root = tmp_path / "store"
    start = pd.Timestamp("2026-09-01", tz="UTC")
    kept = calls[(calls["created_at"] >= start) & (calls["direction"] == "outbound")]
    write_store(root, kept, {"start_date": "2026-09-01T00:00:00.000Z", "direction": "outbound"})
    store = CallLogStore(root)
    assert len(store.read()) == len(kept)
    assert len(store.read(start_date="2026-10-01")) == int(
        (kept["created_at"] >= "2026-10-01").sum()
    )
    with pytest.raises(StoreFilterError, match="start_date") as info:
        store.read(start_date="2026-08-15")
    assert info.value.parameter == "start_date" and isinstance(info.value, ValueError)
    with pytest.raises(StoreFilterError, match="direction"):
        store.read(direction="inbound")
    with pytest.raises(ds.errors.InvalidParameterError, match="outcome"):
        store.read(outcome="picked-up")


def test_a_store_written_by_a_newer_version_is_refused(tmp_path):
    (tmp_path / META_NAME).write_text(
        json.dumps({"format": "dialstats-call-log-store", "version": 99})
    )
    with pytest.raises(StoreError, match="newer dialstats"):
        CallLogStore(tmp_path).read()
    (tmp_path / META_NAME).write_text("{not json")
    with pytest.raises(StoreError, match="unreadable"):
        CallLogStore(tmp_path).read()


def test_an_empty_store_reads_as_an_empty_frame_and_a_missing_one_is_an_error(tmp_path):
    with pytest.raises(StoreError, match="no call-log store here"):
        CallLogStore(tmp_path / "typo").read()
    save_meta(tmp_path / "empty", StoreMeta())  # synced, but the API had no calls
    got = CallLogStore(tmp_path / "empty").read()
    assert got.empty and list(got.columns) == list(CALL_LOG_COLUMNS)
    for name, dtype in call_log_dtypes().items():
        assert got[name].dtype == dtype, name


def test_the_write_lock_excludes_other_writers(tmp_path):
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with write_lock(tmp_path, None):
            entered.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(10)
    try:
        with pytest.raises(StoreLockedError, match="another process"), write_lock(tmp_path, 0.2):
            pass
    finally:
        release.set()
        holder.join()
    with write_lock(tmp_path, 0.2):
        assert (tmp_path / LOCK_NAME).exists()

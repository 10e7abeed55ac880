"""CallLogStore.scan: the store's Parquet files as a DuckDB relation or a Polars LazyFrame,
which the engine analyses reduce to the same tables as `read` gives in pandas."""

from __future__ import annotations

import gc
import shutil
import sys
from pathlib import Path

import duckdb
import narwhals as nw
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError
from dialstats.store import CallLogStore, StoreError, StoreFilterError
from dialstats.store._arrow import to_table
from dialstats.store._layout import partitions
from dialstats.store._scan import scan_files
from dialstats.store._sync import _Index, _write
from test_engines import in_unit
from test_engines_more import check
from test_store_files import frame_of, write_store

SCANS = ["duckdb", "polars"]
ANALYSES = [
    (ds.answer_rates, {"by": "user_name", "freq": "W"}),
    (ds.answer_rates, {"by": ["outcome", "answered_by"], "freq": "h"}),
    (ds.disposition_funnel, {"by": "user_name"}),
    (ds.leaderboard, {}),
    (ds.leaderboard, {"adjust_for": "contact_list_name", "metric": "meeting_rate"}),
    (ds.trend, {"by": "user_name", "freq": "D"}),
    (ds.compare, {"by": "direction"}),
]


@pytest.fixture(scope="module")
def calls(small_dataset) -> pd.DataFrame:
    return frame_of(small_dataset)


@pytest.fixture
def store(tmp_path, calls) -> CallLogStore:
    write_store(tmp_path / "store", calls)
    return CallLogStore(tmp_path / "store")


# DuckDB's timestamp types other than microseconds (narwhals knows no TIMESTAMPTZ_NS).
DUCKDB_UNITS = {
    "TIMESTAMP_S": "s",
    "TIMESTAMP_MS": "ms",
    "TIMESTAMP_NS": "ns",
    "TIMESTAMPTZ_NS": "ns",
}


def read_as_scanned(store: CallLogStore, scan, **filters) -> pd.DataFrame:
    """`store.read()` with its times in the unit `scan` holds them in (the engines keep the unit
    of started_at, as pandas does)."""
    if isinstance(scan, duckdb.DuckDBPyRelation):
        kind = str(dict(zip(scan.columns, scan.types, strict=True))["started_at"])
        unit = DUCKDB_UNITS.get(kind, "us")
    else:
        unit = nw.from_native(scan).collect_schema()["started_at"].time_unit
    return in_unit(store.read(**filters), unit)


def same_tables(store: CallLogStore, engine: str, tz: str = "UTC", **filters) -> None:
    frame = read_as_scanned(store, store.scan(engine, tz=tz, **filters), tz=tz, **filters)
    for analysis, kwargs in ANALYSES:
        scan = store.scan(engine, tz=tz, **filters)
        check(analysis(scan, **kwargs), analysis(frame, **kwargs))


@pytest.mark.parametrize("engine", SCANS)
def test_a_scan_gives_the_tables_read_gives(store, engine):
    scan = store.scan(engine)
    assert isinstance(scan, duckdb.DuckDBPyRelation if engine == "duckdb" else pl.LazyFrame)
    same_tables(store, engine)


@pytest.mark.parametrize("engine", SCANS)
def test_a_scan_in_another_zone_and_with_filters(store, engine):
    same_tables(store, engine, tz="America/Los_Angeles", start_date="2026-09-01")
    same_tables(store, engine, outcome="answered", min_duration=10)
    name = store.read()["contact_first_name"].dropna().iloc[0]
    same_tables(store, engine, search=name[:3].upper())


@pytest.mark.parametrize("engine", SCANS)
def test_the_store_filters_apply_as_read_applies_them(tmp_path, calls, engine):
    # Bound to answered calls; one stored call is no longer answered (changed since): not read.
    write_store(tmp_path / "store", calls, filters={"outcome": "answered"})
    store = CallLogStore(tmp_path / "store")
    assert (store.read()["outcome"] == "answered").all() and len(store.read()) < len(calls)
    same_tables(store, engine)
    with pytest.raises(StoreFilterError, match="outcome"):
        store.scan(engine, outcome="no-answer")


def test_the_scan_reads_the_store_files_and_nothing_else(store):
    files = scan_files(store.path, {})
    assert files == list(partitions(store.path).values())
    assert all(path.is_relative_to(store.path) for path in files)
    assert all(path.name == "part-0.parquet" for path in files)
    # Parquet files a glob would pick up, beside and outside the store, are never read.
    first = files[0]
    shutil.copy(first, first.with_name("part-1.parquet"))
    shutil.copy(first, first.with_name(".part-0.parquet.0123456789ab.tmp"))
    shutil.copy(first, store.path.parent / "part-0.parquet")
    (store.path / "created_month=2026-09.old").mkdir()
    shutil.copy(first, store.path / "created_month=2026-09.old" / "part-0.parquet")
    assert scan_files(store.path, {}) == files
    rows = len(store.read())
    relation = store.scan("duckdb")
    assert relation.aggregate("count(*) AS n").fetchall() == [(rows,)]
    assert store.scan("polars").select(pl.len()).collect().item() == rows
    plan = store.scan("polars").explain()
    assert str(first) in plan and "part-1" not in plan and ".tmp" not in plan
    # Months outside a date range are not opened.
    months = list(partitions(store.path))
    later = pd.Timestamp(f"{months[-1]}-01", tz="UTC")
    assert scan_files(store.path, {"start_date": later}) == [files[-1]]


def test_a_scan_sees_the_files_the_store_has_now(tmp_path, calls):
    root = tmp_path / "store"
    write_store(root, calls.iloc[:1000])
    store = CallLogStore(root)
    before = store.scan("polars").select(pl.len()).collect().item()
    _write(root, _Index(root), to_table(calls.iloc[1000:]))
    assert before == 1000
    for engine in SCANS:
        want = ds.answer_rates(read_as_scanned(store, store.scan(engine)), by="user_name")
        check(ds.answer_rates(store.scan(engine), by="user_name"), want)
    assert sorted(p.name for p in root.rglob("*") if p.is_file() and p.suffix == ".tmp") == []


def test_a_relation_keeps_its_connection(store):
    relation = store.scan("duckdb")
    gc.collect()
    want = ds.answer_rates(read_as_scanned(store, relation), by="user_name", freq="W")
    check(ds.answer_rates(relation, by="user_name", freq="W"), want)


def write_older_store(root: Path, calls: pd.DataFrame) -> CallLogStore:
    """A store whose first month an older schema wrote: columns missing, nanosecond times, an
    extra column."""
    write_store(root, calls)
    path = next(iter(partitions(root).values()))
    old = pq.read_table(path).drop_columns(["summary", "has_recording", "answered_by"])
    old = old.set_column(
        old.column_names.index("started_at"),
        "started_at",
        old["started_at"].cast(pa.timestamp("ns", "UTC")),
    )
    old = old.append_column("legacy_score", pa.array(range(old.num_rows), pa.int32()))
    pq.write_table(old, path)
    return CallLogStore(root)


@pytest.mark.parametrize("engine", SCANS)
def test_an_older_store_scans_too(tmp_path, calls, engine):
    same_tables(write_older_store(tmp_path / "store", calls), engine)


def test_an_empty_store_scans(tmp_path, calls):
    write_store(tmp_path / "store", calls.iloc[:0])
    store = CallLogStore(tmp_path / "store")
    for engine in SCANS:
        check(ds.answer_rates(store.scan(engine)), ds.answer_rates(store.read()))
        check(ds.compare(store.scan(engine)), ds.compare(store.read()))


def test_an_unknown_engine_says_which_it_meant(store):
    with pytest.raises(InvalidParameterError, match=r"did you mean 'duckdb'\?"):
        store.scan("duckbd")
    with pytest.raises(InvalidParameterError, match=r"did you mean 'polars'\?"):
        store.scan("Polars")
    with pytest.raises(
        InvalidParameterError, match=r"'duckdb', 'polars', 'spark'.*did you mean 'spark'\?"
    ):
        store.scan("sparkk")
    with pytest.raises(InvalidParameterError, match="tz"):
        store.scan("duckdb", tz="Mars/Base")
    with pytest.raises(StoreError, match="no call-log store"):
        CallLogStore(store.path.parent / "nothing").scan()


@pytest.mark.parametrize("engine", SCANS)
def test_an_engine_not_installed_says_how_to_install_it(store, monkeypatch, engine):
    monkeypatch.setitem(sys.modules, engine, None)
    with pytest.raises(ImportError, match=rf"pip install 'dialstats\[{engine}\]'"):
        store.scan(engine)


def test_an_analysis_reads_only_the_columns_it_counts(store, monkeypatch):
    plans = []
    collect = pl.LazyFrame.collect

    def recording(self, *args, **kwargs):
        plans.append(self.explain())
        return collect(self, *args, **kwargs)

    monkeypatch.setattr(pl.LazyFrame, "collect", recording)
    ds.answer_rates(store.scan("polars"), by="user_name", freq="W")
    (plan,) = plans
    scan = plan[plan.index("Parquet SCAN") :]
    width = len(pq.read_schema(partitions(store.path)[min(partitions(store.path))]))
    # user_name, started_at, outcome, answered_by, disposition_id (and disposition_name)
    assert f"/{width} COLUMNS" in scan
    assert int(scan.split("PROJECT ")[1].split("/")[0]) <= 6

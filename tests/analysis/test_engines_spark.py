"""The engine analyses on a PySpark DataFrame (local mode) give the pandas tables; so does a
store scanned through Spark."""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

import narwhals as nw
import pandas as pd
import pyarrow as pa
import pytest

pyspark = pytest.importorskip(
    "pyspark", reason="PySpark is not installed (pip install 'dialstats[spark]')"
)
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip(
        "Spark needs a Java runtime: no java on PATH and no JAVA_HOME "
        "(apt-get install default-jre-headless)",
        allow_module_level=True,
    )

import dialstats as ds  # noqa: E402
from dialstats.errors import InvalidParameterError  # noqa: E402
from dialstats.store import CallLogStore  # noqa: E402
from dialstats.store._layout import partitions  # noqa: E402
from dialstats.store._scan import scan_store  # noqa: E402
from test_engines import ANSWER_CASES, CUSTOM, assert_same, in_unit  # noqa: E402
from test_engines_more import (  # noqa: E402
    COMPARE_CASES,
    LEADERBOARD_CASES,
    TREND_CASES,
    check,
)
from test_store_files import frame_of, write_store  # noqa: E402
from test_store_scan import write_older_store  # noqa: E402

ZONE = "spark.sql.session.timeZone"


@contextmanager
def session_zone(spark, zone: str):
    before = spark.conf.get(ZONE)
    spark.conf.set(ZONE, zone)
    try:
        yield
    finally:
        spark.conf.set(ZONE, before)


def to_spark(spark, df: pd.DataFrame):
    """`df` as a Spark DataFrame: its instants kept whatever the session zone (a naive time
    would read as the session's wall time)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    if int(pyspark.__version__.split(".")[0]) >= 4:
        return spark.createDataFrame(table)
    from pyspark.sql.pandas.types import from_arrow_schema

    plain = pa.Table.from_arrays(
        [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns],
        names=table.column_names,
    )
    return spark.createDataFrame(plain.to_pylist(), from_arrow_schema(plain.schema))


# The columns the analyses read (the store scan below reads every column).
COLUMNS = [
    "started_at",
    "direction",
    "outcome",
    "answered_by",
    "duration",
    "user_name",
    "disposition_id",
    "disposition_name",
    "disposition_category",
    "contact_list_name",
    "has_recording",
]


@pytest.fixture(scope="module")
def frame(spark, demo):
    cached = to_spark(spark, demo[COLUMNS]).coalesce(2).cache()
    assert cached.count() == len(demo)
    yield cached
    cached.unpersist()


def test_a_spark_frame_is_a_narwhals_lazy_frame(frame):
    wrapped = nw.from_native(frame)
    assert isinstance(wrapped, nw.LazyFrame)
    assert wrapped.collect_schema()["started_at"] == nw.Datetime("us", "UTC")


def held(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with its times in microseconds, as a Spark TIMESTAMP holds them: the frame whose
    tables Spark gives (the engines keep the unit of started_at, as pandas does)."""
    return in_unit(df, "us")


@pytest.mark.parametrize("kwargs", ANSWER_CASES, ids=repr)
def test_answer_rates(demo, frame, kwargs):
    assert_same(ds.answer_rates(frame, **kwargs), ds.answer_rates(held(demo), **kwargs))


@pytest.mark.parametrize(
    "kwargs", [{}, {"by": "user_name"}, {"by": ["user_name", "outcome"]}, {"definitions": CUSTOM}]
)
def test_disposition_funnel(demo, frame, kwargs):
    assert_same(ds.disposition_funnel(frame, **kwargs), ds.disposition_funnel(demo, **kwargs))


@pytest.mark.parametrize("kwargs", LEADERBOARD_CASES, ids=repr)
def test_leaderboard(demo, frame, kwargs):
    check(ds.leaderboard(frame, **kwargs), ds.leaderboard(demo, **kwargs))


@pytest.mark.parametrize("kwargs", TREND_CASES, ids=repr)
def test_trend(demo, frame, kwargs):
    check(ds.trend(frame, **kwargs), ds.trend(held(demo), **kwargs))


@pytest.mark.parametrize("kwargs", COMPARE_CASES, ids=repr)
def test_compare(demo, frame, kwargs):
    check(ds.compare(frame, **kwargs), ds.compare(demo, **kwargs))


def test_funnel_stages_as_narwhals_expressions(demo, frame):
    want = ds.disposition_funnel(
        demo, by="user_name", stages={"answered": "is_answered", "long": "duration >= 30"}
    )
    stages = {"answered": nw.col("outcome") == "answered", "long": nw.col("duration") >= 30}
    assert_same(ds.disposition_funnel(frame, by="user_name", stages=stages), want)


@pytest.mark.parametrize(
    ("zone", "freqs"), [("America/Los_Angeles", ("D", "W", "h")), ("Asia/Kolkata", ("h",))]
)
def test_a_session_zone_other_than_utc(spark, demo, frame, zone, freqs):
    # A TIMESTAMP reads in the session's zone, read when the frame is reduced; periods of a
    # day and longer are its local days, shorter ones come from epoch microseconds.
    local = held(demo.assign(started_at=demo["started_at"].dt.tz_convert(zone)))
    with session_zone(spark, zone):
        for freq in freqs:
            got = ds.answer_rates(frame, by="user_name", freq=freq)
            assert str(got["period"].dtype) == f"datetime64[us, {zone}]"
            assert_same(got, ds.answer_rates(local, by="user_name", freq=freq))
        if "W" in freqs:
            want = ds.trend(local, by="user_name", freq="W")
            check(ds.trend(frame, by="user_name", freq="W"), want)
    got = ds.answer_rates(frame, freq="D")
    assert str(got["period"].dtype) == "datetime64[us, UTC]"


def test_naive_times_and_nulls(spark, demo):
    # TIMESTAMP_NTZ is naive (UTC, as in pandas) whatever the session zone; null booleans,
    # null times and NaN durations count as the pandas path counts them.
    rows = held(demo.head(3000))
    rows.loc[rows.index[:40], "started_at"] = pd.NaT
    rows.loc[rows.index[40:80], "duration"] = float("nan")
    rows.loc[rows.index[80:120], ["outcome", "answered_by"]] = None
    rows.loc[rows.index[::7], "has_recording"] = pd.NA
    naive = rows.assign(started_at=rows["started_at"].dt.tz_localize(None))
    plain = to_spark(spark, rows).cache()
    # Cast in UTC: the wall times of the UTC instants.
    ntz = plain.withColumn("started_at", plain["started_at"].cast("timestamp_ntz")).cache()
    assert nw.from_native(ntz).collect_schema()["started_at"] == nw.Datetime("us")
    with session_zone(spark, "America/New_York"):
        for freq in ("D", "h"):
            got = ds.answer_rates(ntz, by="user_name", freq=freq)
            assert_same(got, ds.answer_rates(naive, by="user_name", freq=freq))
        check(ds.leaderboard(ntz), ds.leaderboard(naive))
    assert_same(
        ds.answer_rates(plain, by="has_recording"), ds.answer_rates(rows, by="has_recording")
    )
    assert_same(ds.disposition_funnel(plain), ds.disposition_funnel(rows))
    ntz.unpersist()
    plain.unpersist()


def test_an_object_that_is_no_frame_is_refused_by_name(frame):
    with pytest.raises(InvalidParameterError) as caught:
        ds.machine_detection(frame.rdd)
    message = str(caught.value)
    assert isinstance(caught.value, TypeError)
    assert "machine_detection() takes a call-log DataFrame" in message
    assert "pyspark" in message and "PySpark DataFrame" in message


def test_engine_errors_match_pandas(demo, frame):
    with pytest.raises(ds.MissingColumnError, match="user_name"):
        ds.answer_rates(frame, by="usr_name")
    with pytest.raises(ds.MissingColumnError, match="answered_by"):
        ds.answer_rates(frame.drop("answered_by"))
    with pytest.raises(InvalidParameterError, match="did you mean 'Not a Decision Maker'"):
        ds.answer_rates(frame, definitions=ds.Definitions(reached={"Not a Decision Makr"}))
    with pytest.warns(UserWarning, match="counts nothing"):
        ds.answer_rates(frame, definitions=ds.Definitions(reached={"Board Meeting"}))


# --- a store scanned through Spark ---------------------------------------------------------

SCANNED = [
    (ds.answer_rates, {"by": "user_name", "freq": "W"}),
    (ds.answer_rates, {"by": ["outcome", "answered_by"], "freq": "h"}),
    (ds.disposition_funnel, {"by": "user_name"}),
    (ds.leaderboard, {"adjust_for": "contact_list_name", "metric": "meeting_rate"}),
    (ds.trend, {"by": "user_name", "freq": "D"}),
    (ds.compare, {"by": "direction"}),
]


@pytest.fixture(scope="module")
def calls(small_dataset) -> pd.DataFrame:
    return frame_of(small_dataset)


@pytest.fixture(scope="module")
def store(tmp_path_factory, calls) -> CallLogStore:
    root = tmp_path_factory.mktemp("spark") / "store"
    write_store(root, calls)
    return CallLogStore(root)


def same_tables(store: CallLogStore, tz: str = "UTC", analyses=SCANNED, **filters) -> None:
    frame = held(store.read(tz=tz, **filters))
    for analysis, kwargs in analyses:
        check(analysis(store.scan("spark", tz=tz, **filters), **kwargs), analysis(frame, **kwargs))


def test_a_store_scan_gives_the_tables_read_gives(spark, store):
    scan = store.scan("spark")  # in the active session
    assert scan.sparkSession is spark
    assert store.scan("spark", spark=spark).sparkSession is spark  # or the one given
    assert scan.count() == len(store.read())
    files = {path.resolve() for path in partitions(store.path).values()}
    assert {Path(unquote(urlparse(uri).path)) for uri in scan.inputFiles()} == files
    assert scan.columns == store.read().columns.tolist()
    same_tables(store)
    name = store.read()["contact_first_name"].dropna().iloc[0]
    filters = {"outcome": "answered", "min_duration": 10, "search": name[:3].upper()}
    same_tables(store, analyses=SCANNED[:2], **filters)
    # A session given (the store's read filters are none here).
    given = scan_store(store.path, {}, "spark", "UTC", spark)
    want = ds.answer_rates(held(store.read()), by="user_name")
    check(ds.answer_rates(given, by="user_name"), want)


def test_a_store_scan_in_the_session_zone(spark, store):
    with pytest.raises(InvalidParameterError, match=r"spark\.sql\.session\.timeZone"):
        store.scan("spark", tz="America/Los_Angeles")
    with session_zone(spark, "America/Los_Angeles"):
        same_tables(store, "America/Los_Angeles", SCANNED[:2], start_date="2026-09-01")


def test_an_older_store_scans_through_spark(spark, tmp_path, calls):
    same_tables(write_older_store(tmp_path / "store", calls), analyses=SCANNED[:2])


def test_an_empty_store_scans_through_spark(spark, tmp_path, calls):
    write_store(tmp_path / "store", calls.iloc[:0])
    store = CallLogStore(tmp_path / "store")
    check(ds.answer_rates(store.scan("spark")), ds.answer_rates(store.read()))


def test_spark_not_installed_says_how_to_install_it(store, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(ImportError, match=r"pip install 'dialstats\[spark\]'"):
        store.scan("spark")

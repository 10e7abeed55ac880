"""answer_rates and disposition_funnel on Polars, DuckDB and pyarrow give the pandas tables."""

from __future__ import annotations

import warnings

import duckdb
import narwhals as nw
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dialstats as ds
from dialstats.errors import InvalidParameterError
from dialstats.frame._schema import ANSWERED_BY, OUTCOMES

COUNTS = ["dials", "answered", "human", "machine", "connected", "count"]
CUSTOM = ds.Definitions(reached={"Not a Decision Maker"})


def _duckdb(df: pd.DataFrame) -> duckdb.DuckDBPyRelation:
    """A relation on its own connection, in the frame's zone (DuckDB keeps it there)."""
    con = duckdb.connect()
    zone = getattr(df["started_at"].dtype, "tz", None)
    con.execute(f"SET TimeZone='{zone or 'UTC'}'")
    return con.from_arrow(pa.Table.from_pandas(df))


def _duckdb_sql(df: pd.DataFrame) -> duckdb.DuckDBPyRelation:
    frame = df  # noqa: F841 - read by name in the query
    return duckdb.sql("select * from frame")


# The unit an engine holds the demo's nanosecond times in, where it is not nanoseconds (DuckDB
# reads a pandas frame by name as microseconds): its periods come back in that unit, as the pandas
# path's do for a frame in it.
HELD_UNITS = {"duckdb-sql": "us"}


def in_unit(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    """`df` with its times in `unit` ("s", "ms", "us" or "ns")."""
    times = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]
    return df.assign(**{c: df[c].dt.as_unit(unit) for c in times})


def held(df: pd.DataFrame, engine: str) -> pd.DataFrame:
    """`df` with its times in the unit `engine` holds them in: the frame whose tables it gives."""
    unit = HELD_UNITS.get(engine)
    return df if unit is None else in_unit(df, unit)


ENGINES = {
    "pandas": lambda df: df.copy(),
    "pandas-pyarrow": lambda df: pa.Table.from_pandas(df).to_pandas(types_mapper=pd.ArrowDtype),
    "polars": pl.from_pandas,
    "polars-lazy": lambda df: pl.from_pandas(df).lazy(),
    "duckdb": _duckdb,
    "duckdb-sql": _duckdb_sql,
    "pyarrow": pa.Table.from_pandas,
}


def assert_same(got: pd.DataFrame, want: pd.DataFrame, engine: str = "") -> None:
    """Counts exactly, rates to 1e-9, same columns, dtypes and rows (a pyarrow-backed pandas
    frame keeps its own text dtype in its keys, as it always has)."""
    assert got.columns.tolist() == want.columns.tolist()
    if engine == "pandas-pyarrow":
        got = got.copy()
        for column in got.columns:
            if isinstance(got[column].dtype, pd.ArrowDtype):
                got[column] = got[column].astype(want[column].dtype)
    exact = [c for c in want.columns if c in COUNTS or not pd.api.types.is_float_dtype(want[c])]
    pd.testing.assert_frame_equal(got[exact], want[exact], check_exact=True)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-12)
    assert got.attrs == want.attrs


ANSWER_CASES = [
    {},
    {"by": "user_name"},
    {"by": ["user_name", "outcome"]},
    {"by": "answered_by", "freq": "W"},
    {"freq": "D"},
    {"by": "user_name", "freq": "MS"},
    {"by": "disposition_id", "definitions": CUSTOM},
    {"by": "user_name", "freq": "W", "definitions": CUSTOM},
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kwargs", ANSWER_CASES, ids=repr)
def test_answer_rates_on_every_engine(demo, engine, kwargs):
    want = ds.answer_rates(held(demo, engine), **kwargs)
    assert_same(ds.answer_rates(ENGINES[engine](demo), **kwargs), want, engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "kwargs", [{}, {"by": "user_name"}, {"by": ["user_name", "outcome"]}, {"definitions": CUSTOM}]
)
def test_disposition_funnel_on_every_engine(demo, engine, kwargs):
    want = ds.disposition_funnel(demo, **kwargs)
    assert_same(ds.disposition_funnel(ENGINES[engine](demo), **kwargs), want, engine)


@pytest.mark.parametrize("engine", ["polars-lazy", "duckdb", "pyarrow"])
@pytest.mark.parametrize("freq", ["D", "W", "MS", "h"])
def test_a_zone_other_than_utc(demo, engine, freq):
    local = demo.assign(started_at=demo["started_at"].dt.tz_convert("America/Los_Angeles"))
    want = ds.answer_rates(local, by="user_name", freq=freq)
    got = ds.answer_rates(ENGINES[engine](local), by="user_name", freq=freq)
    assert str(got["period"].dtype) == "datetime64[ns, America/Los_Angeles]"
    assert_same(got, want)


def test_funnel_stages_as_narwhals_expressions(demo):
    want = ds.disposition_funnel(
        demo, by="user_name", stages={"answered": "is_answered", "long": "duration >= 30"}
    )
    stages = {"answered": nw.col("outcome") == "answered", "long": nw.col("duration") >= 30}
    for engine in ("polars-lazy", "duckdb", "pyarrow"):
        frame = ENGINES[engine](demo)
        assert_same(ds.disposition_funnel(frame, by="user_name", stages=stages), want)
    with pytest.raises(InvalidParameterError, match="narwhals expression"):
        ds.disposition_funnel(pl.from_pandas(demo), stages={"answered": "is_answered"})


def test_a_lazy_frame_is_collected_once_as_the_small_table(demo, monkeypatch):
    collected = []
    collect = pl.LazyFrame.collect

    def counting(self, *args, **kwargs):
        out = collect(self, *args, **kwargs)
        collected.append(out.shape)
        return out

    monkeypatch.setattr(pl.LazyFrame, "collect", counting)
    lazy = pl.from_pandas(demo).lazy()
    out = ds.answer_rates(lazy, by="user_name", freq="W", definitions=CUSTOM)
    assert len(collected) == 1
    rows, _ = collected[0]
    # One row per rep and day that has calls: a few hundred, not 24,000 calls.
    assert rows <= demo["user_name"].nunique() * demo["started_at"].dt.date.nunique()
    assert rows < len(demo) / 20
    assert out["dials"].sum() == len(demo)


def test_a_duckdb_relation_is_reduced_in_duckdb(demo, monkeypatch):
    # The relation is never turned into a pandas or Arrow frame of calls.
    calls = []
    relation = _duckdb(demo)
    for name in ("df", "arrow", "fetch_arrow_table", "to_arrow_table", "pl"):
        if hasattr(duckdb.DuckDBPyRelation, name):
            monkeypatch.setattr(
                duckdb.DuckDBPyRelation,
                name,
                _recording(getattr(duckdb.DuckDBPyRelation, name), calls),
            )
    ds.answer_rates(relation, by="user_name", freq="W")
    assert calls and max(calls) < len(demo) / 20


def _recording(method, calls):
    def wrapped(self, *args, **kwargs):
        out = method(self, *args, **kwargs)
        calls.append(len(out) if not hasattr(out, "num_rows") else out.num_rows)
        return out

    return wrapped


def test_an_unsupported_input_names_its_type():
    with pytest.raises(InvalidParameterError) as caught:
        ds.answer_rates([{"outcome": "answered"}])
    assert isinstance(caught.value, TypeError)
    assert "got list" in str(caught.value)
    assert "DataFrame" in str(caught.value)
    series = pl.Series("outcome", ["answered"])
    with pytest.raises(InvalidParameterError, match=r"polars\.series\.series\.Series"):
        ds.disposition_funnel(series)


def test_an_object_that_is_no_frame_is_refused_by_name(demo):
    with pytest.raises(InvalidParameterError) as caught:
        ds.machine_detection(demo.to_dict("records"))
    message = str(caught.value)
    assert isinstance(caught.value, TypeError)
    assert "machine_detection() takes a call-log DataFrame" in message and "got list" in message
    with pytest.raises(TypeError, match="got dict"):
        ds.talk_time(demo.head(20).to_dict())


def test_engine_errors_match_pandas(demo):
    frame = pl.from_pandas(demo.head(50))
    with pytest.raises(ds.MissingColumnError, match="user_name"):
        ds.answer_rates(frame, by="usr_name")
    with pytest.raises(ds.MissingColumnError, match="answered_by"):
        ds.answer_rates(frame.drop("answered_by"))
    with pytest.raises(InvalidParameterError, match="freq"):
        ds.answer_rates(frame, freq="weekly")
    with pytest.raises(InvalidParameterError, match="duration"):
        ds.disposition_funnel(frame.with_columns(pl.col("duration").cast(pl.String)))
    with pytest.raises(InvalidParameterError, match="did you mean 'Not a Decision Maker'"):
        ds.answer_rates(
            pl.from_pandas(demo), definitions=ds.Definitions(reached={"Not a Decision Makr"})
        )
    with pytest.warns(UserWarning, match="counts nothing"):
        ds.answer_rates(frame.lazy(), definitions=ds.Definitions(reached={"Board Meeting"}))


# --- property: any small frame, any engine ------------------------------------------------

ZONES = [None, "UTC", "America/New_York", "Asia/Kolkata"]
REPS = ["Ann", "Bo", None]


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 30))
    zone = draw(st.sampled_from(ZONES))
    start = pd.Timestamp("2024-03-01", tz="UTC").value
    seconds = draw(st.lists(st.integers(0, 60 * 86400), min_size=n, max_size=n))
    missing_time = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    times = pd.to_datetime([start + s * 10**9 for s in seconds], utc=True)
    times = times.where(~np.array(missing_time, dtype=bool) | (n == 0))
    times = times.tz_convert(zone) if zone else times.tz_localize(None)

    def column(values):
        return draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))

    return pd.DataFrame(
        {
            # Nanoseconds, as a call-log frame's (an empty index would otherwise be seconds).
            "started_at": pd.Series(times, dtype=f"datetime64[ns, {zone}]" if zone else "M8[ns]"),
            "user_name": pd.array(column(REPS), dtype="string"),
            "outcome": pd.Categorical(column([*OUTCOMES, None]), categories=OUTCOMES),
            "answered_by": pd.Categorical(column([*ANSWERED_BY, None]), categories=ANSWERED_BY),
            "disposition_id": pd.array(column([1, 3, 10, 12, None]), dtype="Int64"),
            "disposition_name": pd.array(column(["Meeting", "Other", None]), dtype="string"),
            "duration": pd.array(column([0.0, 30.0, 60.0, 59.5, None]), dtype="Float64"),
        }
    )


PROPERTY_ENGINES = ["polars", "polars-lazy", "duckdb", "pyarrow"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    df=frames(),
    engine=st.sampled_from(PROPERTY_ENGINES),
    by=st.sampled_from([None, "user_name", ["outcome", "user_name"], "disposition_id"]),
    freq=st.sampled_from([None, "D", "W", "MS"]),
)
def test_any_frame_on_any_engine(df, engine, by, freq):
    definitions = ds.Definitions(reached={"Other"}, meetings={1, "Meeting"})
    frame = ENGINES[engine](df)
    for analysis, kwargs in (
        (ds.answer_rates, {"by": by, "freq": freq}),
        (ds.disposition_funnel, {"by": by}),
    ):
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            want = analysis(df, definitions=definitions, **kwargs)
            got = analysis(frame, definitions=definitions, **kwargs)
        assert_same(got, want)
        # The same warnings (a named disposition no call has), once per run, at this file.
        messages = [str(w.message) for w in said]
        assert messages[: len(messages) // 2] == messages[len(messages) // 2 :]
        assert all(w.filename == __file__ for w in said)

"""The AMD tables, talk time, number health, the vendor's tables, the breakdown, overview and
flags on every engine give the pandas results."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dialstats as ds
from dialstats.errors import InvalidParameterError
from dialstats.frame._schema import DISPOSITION_CATEGORIES
from test_engines import CUSTOM, ENGINES, _duckdb, frames
from test_engines_more import check

ENGINE_NAMES = ["polars", "polars-lazy", "duckdb", "pyarrow", "spark"]
RANGE = {"start_date": "2026-08-17", "end_date": "2026-08-23"}
CASES = [
    (ds.machine_detection, {}),
    (ds.machine_detection, {"by": ["user_name", "outcome"], "definitions": CUSTOM}),
    (ds.machine_detection, {"by": "user_name", "columns": "compact"}),
    (ds.machine_detection_matrix, {}),
    (ds.machine_detection_matrix, {"normalize": "index", "answered_only": False}),
    (ds.amd_audit, {"by": "user_name"}),
    (ds.talk_time, {}),
    (ds.talk_time, {"by": "user_name", "thresholds": (10, 45, 60)}),
    (ds.talk_time, {"by": "answered_by", "columns": "compact", "definitions": CUSTOM}),
    (ds.talk_time_thresholds, {"by": "user_name"}),
    (ds.talk_time_survival, {"by": "user_name"}),
    (ds.number_health, {}),
    (ds.number_health, {"min_dials": 50, "method": "bh"}),
    (ds.number_health, {"freq": "W"}),
    (ds.sdr_performance, {}),
    (ds.sdr_performance, {"tz": "Asia/Kolkata", "definitions": CUSTOM}),
    (ds.list_performance, {}),
    (ds.sequence_performance, {"tz": "America/New_York"}),
    (ds.disposition_breakdown, {}),
    (ds.disposition_breakdown, {"by": "user_name", "level": "category"}),
    (ds.overview, RANGE),
    (ds.overview, {**RANGE, "tz": "America/New_York", "definitions": CUSTOM}),
]


@pytest.fixture(scope="module")
def engines(request, demo):
    """The demo calls on each engine (Spark only when a test asks for it)."""
    made = {name: ENGINES[name](demo) for name in ENGINE_NAMES if name != "spark"}

    def get(name: str):
        if name == "spark" and name not in made:
            from test_engines_spark import to_spark

            spark = request.getfixturevalue("spark")
            made[name] = to_spark(spark, demo).cache()
        return made[name]

    return get


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("analysis,kwargs", CASES, ids=[f"{f.__name__}-{k}" for f, k in CASES])
def test_every_engine_gives_the_pandas_table(demo, engines, engine, analysis, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = analysis(demo, **kwargs)
        got = analysis(engines(engine), **kwargs)
    check(got, want)


def test_the_pyarrow_backend_gives_the_numpy_backend_tables(demo):
    arrow = ds.read_call_logs(demo=True, dtype_backend="pyarrow")
    for analysis, kwargs in CASES[::3]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want, got = analysis(demo, **kwargs), analysis(arrow, **kwargs)
        assert got.shape == want.shape
        assert got.columns.tolist() == want.columns.tolist()


@pytest.mark.parametrize("engine", ["polars", "duckdb", "pyarrow"])
def test_amd_evidence_per_call(demo, engines, engine):
    want = ds.amd_evidence(demo)
    pd.testing.assert_frame_equal(ds.amd_evidence(engines(engine)), want)


def test_flags_stay_in_the_engine(demo, engines):
    want = ds.flags(demo)
    lazy = ds.flags(engines("polars-lazy"))
    assert isinstance(lazy, pl.LazyFrame)
    relation = ds.flags(engines("duckdb"))
    assert type(relation).__module__.startswith("duckdb")
    for got in (
        lazy.collect().to_pandas(),
        relation.df(),
        ds.flags(engines("pyarrow")).to_pandas(),
    ):
        assert got.columns.tolist()[-len(want.columns) :] == want.columns.tolist()
        for column in want.columns:
            np.testing.assert_array_equal(got[column].to_numpy(bool), want[column].to_numpy(bool))


def test_a_zone_other_than_utc(demo):
    local = demo.assign(
        **{c: demo[c].dt.tz_convert("America/Los_Angeles") for c in ("started_at", "created_at")}
    )
    for analysis, kwargs in [
        (ds.number_health, {"freq": "D"}),
        (ds.sdr_performance, {}),
        (ds.overview, RANGE),
    ]:
        want = analysis(local, **kwargs)
        for engine in ("polars-lazy", "duckdb", "pyarrow"):
            check(analysis(ENGINES[engine](local), **kwargs), want)


# --- exact quantiles of weighted rows: ties and even counts ---------------------------------


@pytest.mark.parametrize(
    "seconds",
    [[60.0, 60.0, 60.0, 120.0], [5.0, 7.0], [30.0] * 5, [1.0, 2.0, 2.0, 3.0, 9.0, 9.0]],
)
def test_quantiles_and_medians_on_ties_and_even_counts(seconds):
    n = len(seconds)
    calls = pd.DataFrame(
        {
            "user_name": pd.array(["Ann"] * n, dtype="string"),
            "outcome": pd.Categorical(["answered"] * n),
            "answered_by": pd.Categorical(["human"] * (n - 1) + ["machine_start"]),
            "disposition_id": pd.array([3] * n, dtype="Int64"),
            "duration": pd.array(seconds, dtype="Float64"),
        }
    )
    for engine in ("polars", "pyarrow"):
        frame = ENGINES[engine](calls)
        check(ds.talk_time(frame), ds.talk_time(calls))
        check(ds.talk_time_survival(frame), ds.talk_time_survival(calls))
        check(ds.machine_detection(frame), ds.machine_detection(calls))
    # The connects are the human-answered calls: every one but the last.
    got = ds.talk_time(ENGINES["polars"](calls))
    assert got["median"].iloc[0] == np.median(seconds[:-1])
    assert got["p25"].iloc[0] == pytest.approx(np.quantile(seconds[:-1], 0.25), abs=1e-12)


# --- property: any small frame, any engine ------------------------------------------------


@st.composite
def calls(draw) -> pd.DataFrame:
    df = draw(frames())
    n = len(df)
    numbers = draw(
        st.lists(st.sampled_from(["+15550001", "+15550002", None]), min_size=n, max_size=n)
    )
    outbound = draw(
        st.lists(st.sampled_from(["outbound", "inbound", None]), min_size=n, max_size=n)
    )
    return df.assign(
        created_at=df["started_at"],
        from_e164=pd.array(numbers, dtype="string"),
        direction=pd.Categorical(outbound, categories=["outbound", "inbound"]),
        user_id=df["user_name"],
        # One name per disposition id, as the vendor's (the engines' tie rule needs no order).
        disposition_name=df["disposition_id"].map({1: "Meeting", 3: "Other"}).astype("string"),
        disposition_category=pd.Categorical(
            np.where(df["disposition_id"].eq(1).fillna(False), "positive", None),
            categories=DISPOSITION_CATEGORIES,
        ),
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    df=calls(),
    engine=st.sampled_from(["polars", "polars-lazy", "duckdb", "pyarrow"]),
    by=st.sampled_from([None, "user_name", ["outcome", "user_name"]]),
)
def test_any_frame_on_any_engine(df, engine, by):
    definitions = ds.Definitions(reached={"Other"}, meetings={1, "Meeting"})
    frame = ENGINES[engine](df)
    for analysis, kwargs in (
        (ds.machine_detection, {"by": by}),
        (ds.amd_audit, {"by": by}),
        (ds.talk_time, {"by": by, "thresholds": (30, 60)}),
        (ds.talk_time_survival, {"by": by}),
        (ds.disposition_breakdown, {"by": by}),
        (ds.sdr_performance, {}),
        (ds.number_health, {"min_dials": 2}),
    ):
        if analysis not in (ds.number_health, ds.disposition_breakdown):
            kwargs = {**kwargs, "definitions": definitions}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = analysis(df, **kwargs)
            got = analysis(frame, **kwargs)
        check(got, want)


def test_a_non_frame_is_refused(demo):
    with pytest.raises(InvalidParameterError, match="got list"):
        ds.machine_detection([{"outcome": "answered"}])
    with pytest.raises(ds.MissingColumnError, match="duration"):
        ds.talk_time(pl.from_pandas(demo.head(20)).drop("duration"))
    with pytest.raises(InvalidParameterError, match="columns"):
        ds.talk_time(_duckdb(demo.head(20)), columns="every")
    assert isinstance(ds.flags(pl.from_pandas(demo.head(5))), pl.DataFrame)

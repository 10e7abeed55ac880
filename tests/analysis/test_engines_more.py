"""leaderboard, trend and compare on Polars, DuckDB and pyarrow give the pandas tables."""

from __future__ import annotations

import math
import warnings

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dialstats as ds
from dialstats.errors import InvalidParameterError
from test_engines import (
    CUSTOM,
    ENGINES,
    PROPERTY_ENGINES,
    _duckdb,
    assert_same,
    frames,
    held,
)


def same_attrs(got: object, want: object) -> bool:
    """Equal, a NaN equal to a NaN (attrs hold the fitted prior, the dispersion, the tests)."""
    if isinstance(want, dict):
        return (
            isinstance(got, dict)
            and got.keys() == want.keys()
            and all(same_attrs(got[k], want[k]) for k in want)
        )
    if isinstance(want, list):
        return (
            isinstance(got, list)
            and len(got) == len(want)
            and all(same_attrs(g, w) for g, w in zip(got, want, strict=True))
        )
    if isinstance(want, float) and isinstance(got, float):
        return (math.isnan(got) and math.isnan(want)) or math.isclose(got, want, rel_tol=1e-9)
    return got == want


def check(got, want, engine: str = "") -> None:
    attrs, got.attrs = got.attrs, {}
    expected, want.attrs = want.attrs, {}
    try:
        assert_same(got, want, engine)
    finally:
        got.attrs, want.attrs = attrs, expected
    assert same_attrs(attrs, expected), (attrs, expected)


LEADERBOARD_CASES = [
    {},
    {"adjust_for": "contact_list_name"},
    {"by": ["user_name", "outcome"], "metric": "meeting_rate"},
    {"metric": "machine_rate", "adjust_for": ["contact_list_name", "answered_by"]},
    {"definitions": CUSTOM, "method": "bh"},
]
TREND_CASES = [
    {},
    {"by": "user_name"},
    {"metric": "answer_rate", "freq": "D"},
    {"by": "answered_by", "freq": "MS", "metric": "human_rate"},
    {"freq": "h", "metric": "conversation_rate"},
    {"by": "user_name", "definitions": CUSTOM},
]
COMPARE_CASES = [
    {},
    {"against": "pairs"},
    {"by": "outcome", "metric": "human_rate"},
    {"by": ["user_name", "answered_by"], "metric": "meeting_rate", "method": "bh"},
    {"definitions": CUSTOM},
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kwargs", LEADERBOARD_CASES, ids=repr)
def test_leaderboard_on_every_engine(demo, engine, kwargs):
    want = ds.leaderboard(demo, **kwargs)
    check(ds.leaderboard(ENGINES[engine](demo), **kwargs), want, engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kwargs", TREND_CASES, ids=repr)
def test_trend_on_every_engine(demo, engine, kwargs):
    want = ds.trend(held(demo, engine), **kwargs)
    check(ds.trend(ENGINES[engine](demo), **kwargs), want, engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kwargs", COMPARE_CASES, ids=repr)
def test_compare_on_every_engine(demo, engine, kwargs):
    want = ds.compare(demo, **kwargs)
    check(ds.compare(ENGINES[engine](demo), **kwargs), want, engine)


@pytest.mark.parametrize("engine", ["polars-lazy", "duckdb", "pyarrow"])
def test_trend_in_a_zone_other_than_utc(demo, engine):
    local = demo.assign(started_at=demo["started_at"].dt.tz_convert("America/Los_Angeles"))
    for freq in ("D", "W"):
        want = ds.trend(local, by="user_name", freq=freq)
        got = ds.trend(ENGINES[engine](local), by="user_name", freq=freq)
        assert str(got["period"].dtype) == "datetime64[ns, America/Los_Angeles]"
        check(got, want)
    # Hours too, DuckDB's included, in the frame's zone.
    check(ds.trend(ENGINES[engine](local), freq="h"), ds.trend(local, freq="h"))


def test_the_leaderboard_collects_only_small_tables(demo, monkeypatch):
    collected = []
    collect = pl.LazyFrame.collect

    def counting(self, *args, **kwargs):
        out = collect(self, *args, **kwargs)
        collected.append(out.shape[0])
        return out

    monkeypatch.setattr(pl.LazyFrame, "collect", counting)
    lazy = pl.from_pandas(demo).lazy()
    ds.leaderboard(lazy)
    assert len(collected) == 1  # per rep and day; the rep totals come from it
    ds.leaderboard(lazy, adjust_for="contact_list_name")
    assert len(collected) == 3  # and per rep and list
    assert max(collected) < len(demo) / 10
    collected.clear()
    ds.trend(lazy, by="user_name")
    ds.compare(lazy, against="pairs")
    assert len(collected) == 2 and max(collected) < len(demo) / 10


def test_engine_errors_match_pandas(demo):
    frame = pl.from_pandas(demo.head(50))
    with pytest.raises(ds.MissingColumnError, match="user_name"):
        ds.leaderboard(frame, by="usr_name")
    with pytest.raises(ds.MissingColumnError, match="contact_list_name"):
        ds.leaderboard(frame.drop("contact_list_name"), adjust_for="contact_list_name")
    with pytest.raises(InvalidParameterError, match="repeats a by column"):
        ds.leaderboard(frame, adjust_for="user_name")
    with pytest.raises(ds.MissingColumnError, match="started_at"):
        ds.trend(frame.drop("started_at").lazy())
    with pytest.raises(InvalidParameterError, match="freq"):
        ds.trend(frame, freq="weekly")
    with pytest.raises(InvalidParameterError, match="'period' names the period column"):
        ds.trend(frame.rename({"user_name": "period"}), by="period")
    with pytest.raises(InvalidParameterError, match="is a count"):
        ds.compare(_duckdb(demo.head(50)), metric="meetings")
    with pytest.raises(InvalidParameterError, match="did you mean 'connect_rate'"):
        ds.compare(frame, metric="conect_rate")
    with pytest.raises(InvalidParameterError, match="did you mean 'Not a Decision Maker'"):
        ds.compare(
            pl.from_pandas(demo), definitions=ds.Definitions(reached={"Not a Decision Makr"})
        )


def test_records_that_are_no_frame_are_a_type_error():
    # Every analysis takes an engine frame now; a list of records is still no frame.
    with pytest.raises(TypeError, match="got list"):
        ds.leaderboard([{"user_name": "Ann"}])


# --- property: any small frame, any engine ------------------------------------------------


def _outcome(analysis, frame, **kwargs):
    """The table, or the error's type and message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return analysis(frame, **kwargs)
        except (InvalidParameterError, ValueError) as error:
            return type(error), str(error)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    df=frames(),
    engine=st.sampled_from(PROPERTY_ENGINES),
    by=st.sampled_from(["user_name", ["outcome", "user_name"], "disposition_id"]),
    metric=st.sampled_from(["connect_rate", "meeting_rate", "machine_rate"]),
    freq=st.sampled_from(["D", "W", "MS"]),
)
def test_any_frame_on_any_engine(df, engine, by, metric, freq):
    definitions = ds.Definitions(reached={"Other"}, meetings={1, "Meeting"})
    frame = ENGINES[engine](df)
    common = {"metric": metric, "definitions": definitions}
    for analysis, kwargs in (
        (ds.leaderboard, {"by": by, **common}),
        (ds.leaderboard, {"by": "user_name", "adjust_for": "outcome", **common}),
        (ds.trend, {"by": by, "freq": freq, **common}),
        (ds.compare, {"by": by, **common}),
        (ds.compare, {"by": by, "against": "pairs", **common}),
    ):
        want = _outcome(analysis, df, **kwargs)
        got = _outcome(analysis, frame, **kwargs)
        if isinstance(want, tuple):
            assert got == want
        else:
            check(got, want)

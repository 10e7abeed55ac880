"""Calls per contact, clocks and numbers (best_time_to_call, attempt_curve, contact_attempts,
double_dial, activity, local_presence) on Polars, DuckDB, pyarrow and Spark give the pandas
tables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dialstats as ds
from dialstats.errors import InvalidParameterError
from dialstats.frame._schema import ANSWERED_BY, OUTCOMES
from test_engines import CUSTOM, ENGINES
from test_engines_more import check

CASES = [
    (ds.best_time_to_call, {}),
    (ds.best_time_to_call, {"wide": False, "metric": "meeting_rate", "min_dials": 5}),
    (ds.best_time_to_call, {"tz": "Asia/Kolkata", "wide": False, "definitions": CUSTOM}),
    (ds.attempt_curve, {}),
    (ds.attempt_curve, {"metric": "answer_rate", "max_attempt": 3}),
    (ds.contact_attempts, {"definitions": CUSTOM}),
    (ds.double_dial, {}),
    (ds.double_dial, {"within": "1h", "adjust_for": "contact_list_name"}),
    (ds.activity, {"tz": "America/New_York"}),
    (ds.activity, {"by": ["user_name", "outcome"], "idle": "10min", "tz": "Asia/Kolkata"}),
    (ds.activity_sessions, {"by": None, "tz": "America/Chicago"}),
    (ds.activity_hours, {"tz": "Asia/Kolkata"}),
    (ds.local_presence, {}),
    (
        ds.local_presence,
        {"adjust_for": ["contact_list_name", "user_name"], "metric": "meeting_rate"}
        | {"definitions": CUSTOM},
    ),
    (ds.local_presence, {"adjust_for": None, "metric": "machine_rate"}),
]
IDS = [f"{analysis.__name__}-{kwargs}" for analysis, kwargs in CASES]
NATIVE = ["polars", "polars-lazy", "duckdb", "pyarrow"]
# Numbers local_presence cannot read as "+1" and ten digits in the engine: none, unreadable,
# too short, twelve bytes that are not twelve characters, a trailing newline, a space.
ODD_NUMBERS = [
    None,
    "garbage",
    "+1212",
    "+1212\u00e9\u00e9\u00e95",
    "+12125550100\n",
    "+1242359 1234",
]


def with_odd_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with odd numbers in some calls' from_e164 and to_e164 (read by local_presence,
    and by double_dial's default strata)."""
    rows = df.index[::150]
    odd = np.resize(np.array(ODD_NUMBERS, dtype=object), len(rows))
    df.loc[rows, "from_e164"] = odd
    df.loc[rows[::2], "to_e164"] = np.roll(odd, 1)[::2]
    return df


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return with_odd_numbers(ds.read_call_logs(demo=True))


@pytest.fixture(scope="module")
def wanted(demo) -> dict[int, pd.DataFrame]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {i: analysis(demo, **kwargs) for i, (analysis, kwargs) in enumerate(CASES)}


def same(analysis, kwargs, frame, want, engine: str = "") -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = analysis(frame, **kwargs)
    check(got, want, engine)


@pytest.mark.parametrize("engine", NATIVE)
@pytest.mark.parametrize("case", range(len(CASES)), ids=IDS)
def test_on_every_engine(demo, wanted, engine, case):
    analysis, kwargs = CASES[case]
    same(analysis, kwargs, ENGINES[engine](demo), wanted[case], engine)


def test_a_pyarrow_backed_pandas_frame_keeps_the_pandas_path(wanted):
    frame = with_odd_numbers(ds.read_call_logs(demo=True, dtype_backend="pyarrow"))
    for case in (1, 3, 6, 8, 12):
        analysis, kwargs = CASES[case]
        same(analysis, kwargs, frame, wanted[case], "pandas-pyarrow")


def test_on_spark(spark, demo):
    from test_engines_spark import to_spark

    # A Spark query costs seconds and grows with the frame even at this size: the first calls
    # only, one case of each analysis.
    calls = demo.head(3000)
    frame = to_spark(spark, calls).coalesce(2).cache()
    # A Spark TIMESTAMP holds microseconds: the results' times are in them, as the pandas
    # path's are for such a frame.
    held = calls.astype({"started_at": "datetime64[us, UTC]"})
    try:
        for case in (2, 3, 5, 6, 10, 13):
            analysis, kwargs = CASES[case]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = analysis(held, **kwargs)
            same(analysis, kwargs, frame, want)
    finally:
        frame.unpersist()


def test_the_unknown_zones_are_counted_and_said(demo):
    lazy = ENGINES["polars-lazy"](demo)
    with pytest.warns(UserWarning, match="no known contact time zone") as said:
        got = ds.best_time_to_call(lazy, wide=False)
    assert said[0].filename == __file__
    want = ds.best_time_to_call(demo, wide=False)
    assert got.attrs["unknown_zone_calls"] == want.attrs["unknown_zone_calls"] > 0


def test_ties_need_an_id(demo):
    tied = demo.head(200).copy()
    placed = tied.index[tied["contact_id"].notna() & tied["direction"].eq("outbound")]
    tied.loc[placed[1], ["contact_id", "started_at"]] = tied.loc[
        placed[0], ["contact_id", "started_at"]
    ].to_numpy()
    frame = ENGINES["polars"](tied.drop(columns="id"))
    with pytest.raises(InvalidParameterError, match="'id' column"):
        ds.attempt_curve(frame)
    with pytest.raises(InvalidParameterError, match="needs an 'id' column"):
        ds.contact_attempts(frame)
    # With ids the tie is the frame's order (read_call_logs gives frames in id order).
    check(ds.attempt_curve(ENGINES["duckdb"](tied)), ds.attempt_curve(tied))


def test_odd_numbers_are_placed_as_pandas_places_them(wanted):
    local = [i for i, (analysis, _) in enumerate(CASES) if analysis is ds.local_presence]
    assert all(wanted[i].attrs["unknown_local"] > 0 for i in local)


def test_local_presence_checks_an_engine_frame_as_pandas_does(demo):
    calls = demo.head(50)
    with pytest.raises(ds.MissingColumnError) as error:
        ds.local_presence(ENGINES["duckdb"](calls.drop(columns="to_e164")))
    assert error.value.column == "to_e164"
    with pytest.raises(InvalidParameterError, match="'from_e164' to hold text"):
        ds.local_presence(ENGINES["polars-lazy"](calls.assign(from_e164=1)))
    with pytest.raises(ds.MissingColumnError) as error:
        ds.local_presence(ENGINES["pyarrow"](calls), adjust_for="list")
    assert error.value.column == "list"
    with pytest.raises(InvalidParameterError, match="count"):
        ds.local_presence(ENGINES["polars"](calls), metric="dials")


def test_a_quarter_hour_across_a_local_hour_is_refused():
    # Local mean time: Asia/Kolkata was +05:21:10 in 1900.
    old = pd.DataFrame(
        {
            "started_at": pd.to_datetime(["1900-01-01 10:30"], utc=True),
            "user_name": pd.array(["Ann"], dtype="string"),
        }
    )
    with pytest.raises(InvalidParameterError, match="quarter hour"):
        ds.activity(ENGINES["polars"](old), tz="Asia/Kolkata")


# --- property: any small frame, any engine ------------------------------------------------

ZONES = ["America/New_York", "Asia/Kolkata", "Europe/London", None]
NUMBERS = ["+12125550100", "+13125550143", "+442071234567", "+441614960000", "+1212", None]


@st.composite
def calls(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 25))
    # Around the US spring-forward (2024-03-10) and the UK's (2024-03-31).
    start = pd.Timestamp("2024-03-09", tz="UTC").value
    minutes = draw(st.lists(st.integers(0, 30 * 24 * 60), min_size=n, max_size=n))
    # Ties: some dials at the very start of another.
    copies = draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=n // 3))
    for i, j in enumerate(copies):
        minutes[i] = minutes[j]
    times = pd.to_datetime([start + m * 60 * 10**9 for m in minutes], utc=True)
    missing = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    times = times.where(~(missing & (np.arange(n) % 4 == 0)))

    def column(values):
        return draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))

    return pd.DataFrame(
        {
            "id": pd.array([f"{i:04d}" for i in range(n)], dtype="string"),
            "started_at": pd.Series(times, dtype="datetime64[ns, UTC]"),
            "contact_id": pd.array(column(["c1", "c2", "c3", None]), dtype="string"),
            "user_name": pd.array(column(["Ann", "Bo", None]), dtype="string"),
            "direction": pd.Categorical(
                column(["outbound", "outbound", "inbound", None]),
                categories=["inbound", "outbound"],
            ),
            "outcome": pd.Categorical(column([*OUTCOMES, None]), categories=OUTCOMES),
            "answered_by": pd.Categorical(column([*ANSWERED_BY, None]), categories=ANSWERED_BY),
            "disposition_id": pd.array(column([1, 3, 10, None]), dtype="Int64"),
            "disposition_name": pd.array(column(["Meeting", "Other", None]), dtype="string"),
            "duration": pd.array(column([0.0, 30.0, 90.0, None]), dtype="Float64"),
            "contact_tz": pd.array(column(ZONES), dtype="string"),
            "contact_timezone": pd.array(column(["ET", "Mars", None]), dtype="string"),
            "to": pd.array(column(["+13125550143", "+442071234567", None]), dtype="string"),
            "from_e164": pd.array(column(NUMBERS), dtype="string"),
            "to_e164": pd.array(column(NUMBERS), dtype="string"),
        }
    )


PROPERTY_CASES = [
    (ds.best_time_to_call, {"wide": False, "min_dials": 0}),
    (ds.attempt_curve, {"max_attempt": 2}),
    (ds.contact_attempts, {}),
    (ds.double_dial, {"within": "1h", "adjust_for": ["user_name", "hour"]}),
    (ds.activity, {"idle": "20min", "tz": "America/New_York"}),
    (ds.activity_sessions, {"by": None, "tz": "Asia/Kolkata"}),
    (ds.activity_hours, {"tz": "Europe/London"}),
    (ds.local_presence, {"adjust_for": "user_name", "metric": "connect_rate"}),
]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    df=calls(),
    engine=st.sampled_from(NATIVE),
    case=st.sampled_from(range(len(PROPERTY_CASES))),
)
def test_any_frame_on_any_engine(df, engine, case):
    analysis, kwargs = PROPERTY_CASES[case]
    activities = (ds.activity, ds.activity_sessions, ds.activity_hours)
    definitions = {} if analysis in activities else {"definitions": ds.Definitions()}
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        want = analysis(df, **kwargs, **definitions)
        got = analysis(ENGINES[engine](df), **kwargs, **definitions)
    check(got, want)
    messages = [str(w.message) for w in said]
    assert messages[: len(messages) // 2] == messages[len(messages) // 2 :]

"""Engine reductions against the pandas path on awkward inputs: NaN next to null, empty and
all-null frames, categorical and Enum keys, odd text, zones across DST (half-hour ones too),
a DuckDB connection in another zone, chunked Arrow, missing optional columns, named
dispositions, tied and duplicated calls, times in units other than nanoseconds; and the survival
curve and number health over time against a plain pandas count."""

from __future__ import annotations

import math
import warnings

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError
from dialstats.frame._schema import ANSWERED_BY, DISPOSITION_CATEGORIES, OUTCOMES
from test_engines import ENGINES, assert_same
from test_engines_more import check

NATIVE = ["polars", "polars-lazy", "duckdb", "pyarrow"]
# The two-sided 95% normal quantile, for Wilson bounds worked out by hand.
Z95 = 1.959963984540054


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return ds.read_call_logs(demo=True)


@pytest.fixture(scope="module")
def small(demo) -> pd.DataFrame:
    """Every tenth demo call (2,400): enough groups and days, quick on every engine."""
    return demo.iloc[::10].reset_index(drop=True)


def results(analysis, pdf: pd.DataFrame, frame: object, **kwargs):
    """The pandas path's result and the engine's; an old spelling (FutureWarning) fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", FutureWarning)
        return analysis(pdf, **kwargs), analysis(frame, **kwargs)


def same(analysis, pdf: pd.DataFrame, frame: object, **kwargs) -> None:
    want, got = results(analysis, pdf, frame, **kwargs)
    check(got, want)


def tiny(n: int = 6) -> pd.DataFrame:
    """A hand-built call log: two reps, human connects with whole and fractional durations."""
    times = pd.date_range("2024-03-09 20:00", periods=n, freq="3h", tz="UTC").as_unit("ns")
    return pd.DataFrame(
        {
            "id": pd.array([f"{i:03d}" for i in range(n)], dtype="string"),
            "started_at": times,
            "user_name": pd.array(["Ann", "Bo"] * (n // 2), dtype="string"),
            "outcome": pd.Categorical(["answered", "no-answer"] * (n // 2), categories=OUTCOMES),
            "answered_by": pd.Categorical(["human"] * n, categories=ANSWERED_BY),
            "disposition_id": pd.array([1, 3, 12, 1, 3, 12][:n], dtype="Int64"),
            "disposition_name": pd.array(["Meeting", "Other", "X"] * (n // 3), dtype="string"),
            "disposition_category": pd.Categorical(
                ["positive", "neutral", None] * (n // 3), categories=DISPOSITION_CATEGORIES
            ),
            "duration": pd.array([10.0, 60.0, 59.5, None, 0.4, 120.0][:n], dtype="Float64"),
        }
    )


def with_nan(df: pd.DataFrame, row: int) -> pl.DataFrame:
    """`df` on Polars with a NaN (not a null) duration at `row`: Polars keeps both apart."""
    frame = pl.from_pandas(df).with_row_index("__i")
    duration = pl.when(pl.col("__i") == row).then(float("nan")).otherwise(pl.col("duration"))
    return frame.with_columns(duration=duration).drop("__i")


# --- NaN, empty and all-null ---------------------------------------------------------------

TINY_CASES = [
    (ds.answer_rates, {"by": "user_name"}),
    (ds.disposition_funnel, {"by": "user_name"}),
    (ds.talk_time, {"by": "user_name", "thresholds": (0.4, 59.5, 60)}),
    (ds.talk_time_survival, {"by": "user_name"}),
    (ds.talk_time_thresholds, {"by": "user_name", "thresholds": (59.5, 60)}),
    (ds.machine_detection, {"by": "user_name"}),
]


@pytest.mark.parametrize("analysis,kwargs", TINY_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_a_polars_nan_duration_counts_as_missing(analysis, kwargs):
    # pandas has one missing value; Polars has NaN and null apart, and a NaN >= 60 is true
    # there (it sorts last), so a NaN must be no conversation and no timed connect.
    df = tiny()
    nan_row = 1  # 60.0 s, a conversation if read as a number
    want_frame = df.assign(duration=df["duration"].mask(df.index == nan_row))
    frame = with_nan(df, nan_row)
    same(analysis, want_frame, frame, **kwargs)
    same(analysis, want_frame, frame.lazy(), **kwargs)


def test_flags_read_a_polars_nan_as_missing():
    df = tiny()
    want = ds.flags(df.assign(duration=df["duration"].mask(df.index == 1)))
    got = ds.flags(with_nan(df, 1)).select(list(want.columns)).to_pandas()
    for column in want.columns:
        assert got[column].tolist() == want[column].fillna(False).tolist(), column


EMPTY_CASES = [
    *TINY_CASES,
    (ds.answer_rates, {"by": "user_name", "freq": "D"}),
    (ds.leaderboard, {}),
    (ds.trend, {"freq": "D"}),
]


@pytest.mark.parametrize("engine", NATIVE)
def test_an_empty_frame(engine):
    df = tiny().iloc[:0]
    for analysis, kwargs in EMPTY_CASES:
        same(analysis, df, ENGINES[engine](df), **kwargs)


@pytest.mark.parametrize("engine", ["polars-lazy", "duckdb"])
def test_a_frame_whose_every_row_is_filtered_out(engine):
    df = tiny()
    frame = ENGINES[engine](df)
    frame = (
        frame.filter(pl.col("user_name") == "Nobody")
        if engine == "polars-lazy"
        else (frame.filter("user_name = 'Nobody'"))
    )
    for analysis, kwargs in EMPTY_CASES:
        same(analysis, df.iloc[:0], frame, **kwargs)


@pytest.mark.parametrize("engine", NATIVE)
def test_a_group_key_that_is_all_null(engine):
    df = tiny().assign(user_name=pd.array([None] * 6, dtype="string"))
    for analysis, kwargs in EMPTY_CASES:
        same(analysis, df, ENGINES[engine](df), **kwargs)


# --- keys: categories, Enum, odd text ------------------------------------------------------


def test_a_polars_enum_keeps_its_categories_as_a_pandas_categorical_does(small):
    # An Enum's categories are fixed (unused and in their own order): the same groups and
    # row order as the pandas categorical with those categories.
    names = sorted(small["user_name"].dropna().unique(), reverse=True)
    categories = ["Zed Unused", *names]
    pdf = small.assign(user_name=pd.Categorical(small["user_name"], categories=categories))
    frame = pl.from_pandas(small).with_columns(pl.col("user_name").cast(pl.Enum(categories)))
    for analysis, kwargs in [*TINY_CASES[:4], (ds.answer_rates, {"by": "user_name", "freq": "W"})]:
        same(analysis, pdf, frame, **kwargs)


@pytest.mark.parametrize("engine", NATIVE)
def test_another_categorical_key_gets_the_values_seen_sorted(small, engine):
    # As `_engine` documents: an engine's categorical has no fixed categories, so unused
    # ones are dropped and the rest sorted; the pandas path on such a frame agrees.
    names = sorted(small["user_name"].dropna().unique())
    pdf = small.assign(
        user_name=pd.Categorical(small["user_name"], categories=["Zed Unused", *names[::-1]])
    )
    seen = pdf.assign(user_name=pd.Categorical(small["user_name"], categories=names))
    if engine == "duckdb":
        seen = small  # DuckDB reads an Arrow dictionary as VARCHAR: a text key then
    frame = ENGINES[engine](pdf)
    for analysis, kwargs in TINY_CASES[:4]:
        want, got = results(analysis, seen, frame, **kwargs)
        check(got, want)


ODD_NAMES = ["Zoë\x00", "émile\t", "Ångström\n", "zoe", "Zoe", "ß", "\u200b", "日本", "a'b\"c"]


@pytest.mark.parametrize("engine", NATIVE)
def test_unicode_and_control_characters_in_names(small, engine):
    names = [ODD_NAMES[i % len(ODD_NAMES)] for i in range(len(small))]
    pdf = small.assign(user_name=pd.array(names, dtype="string"))
    frame = ENGINES[engine](pdf)
    for analysis, kwargs in [
        *TINY_CASES[:4],
        (ds.leaderboard, {}),
        (ds.sdr_performance, {}),
        (ds.disposition_breakdown, {"by": "user_name"}),
    ]:
        same(analysis, pdf, frame, **kwargs)


def test_a_categorical_disposition_name_matches_named_dispositions(small):
    named = ds.Definitions(reached={"Not a Decision Maker"}, meetings={"Answered - Meeting Set"})
    frame = pl.from_pandas(small).with_columns(pl.col("disposition_name").cast(pl.Categorical))
    for analysis in (ds.answer_rates, ds.disposition_funnel, ds.talk_time_survival):
        same(analysis, small, frame, definitions=named)


# --- zones ---------------------------------------------------------------------------------

DST = [
    ("America/New_York", "2024-03-10"),
    ("America/New_York", "2024-11-03"),
    ("Asia/Kolkata", "2024-03-10"),
    ("Australia/Lord_Howe", "2024-04-07"),  # half-hour DST ends
    ("Australia/Lord_Howe", "2024-10-06"),  # and starts
]
ZONE_CASES = [
    (ds.answer_rates, {"freq": "D"}),
    (ds.answer_rates, {"by": "user_name", "freq": "W"}),
    (ds.answer_rates, {"freq": "h"}),
    (ds.answer_rates, {"freq": "30min"}),
    (ds.number_health, {"min_dials": 5}),
    (ds.number_health, {"min_dials": 5, "freq": "D"}),
    (ds.sdr_performance, {"tz": "Australia/Lord_Howe"}),
    (ds.best_time_to_call, {}),
    (ds.activity, {}),
    (ds.trend, {"freq": "D"}),
    (ds.overview, {}),
]


def around(small: pd.DataFrame, day: str, zone: str) -> pd.DataFrame:
    """`small` with its calls spread over the three days either side of `day` in `zone`."""
    rng = np.random.default_rng(7)
    base = pd.Timestamp(day, tz=zone)
    seconds = rng.integers(-3 * 86400, 3 * 86400, len(small))
    times = (base + pd.to_timedelta(seconds, unit="s")).tz_convert(zone).as_unit("ns")
    return small.assign(started_at=times, created_at=times + pd.Timedelta(seconds=30))


# Every transition on Polars and DuckDB (whose sub-day buckets come from its own epoch_us in
# the connection's zone); pyarrow on the fall-back and the half-hour one.
ZONE_RUNS = [(engine, zone, day) for engine in ("polars-lazy", "duckdb") for zone, day in DST] + [
    ("pyarrow", *DST[i]) for i in (1, 4)
]


@pytest.mark.parametrize(
    "engine,zone,day", ZONE_RUNS, ids=[f"{e}-{z}-{d}" for e, z, d in ZONE_RUNS]
)
def test_zones_across_daylight_saving(small, zone, day, engine):
    pdf = around(small.iloc[::4], day, zone)
    frame = ENGINES[engine](pdf)
    for analysis, kwargs in ZONE_CASES:
        same(analysis, pdf, frame, **kwargs)


def test_naive_times_are_utc(small):
    pdf = around(small.iloc[::4], "2024-03-10", "America/New_York")
    pdf = pdf.assign(started_at=pdf["started_at"].dt.tz_localize(None))
    for engine in ("polars", "duckdb", "pyarrow"):
        frame = ENGINES[engine](pdf)
        for analysis, kwargs in ZONE_CASES[:7]:
            same(analysis, pdf, frame, **kwargs)


def test_a_duckdb_connection_in_another_zone_reads_times_on_its_clock(small):
    # Documented: a TIMESTAMPTZ is in the connection's TimeZone, so the engine's tables are
    # the pandas ones of the same instants in that zone (not in the data's UTC).
    pdf = around(small.iloc[::4], "2024-03-10", "America/New_York")
    utc = pdf.assign(
        started_at=pdf["started_at"].dt.tz_convert("UTC"),
        created_at=pdf["created_at"].dt.tz_convert("UTC"),
    )
    con = duckdb.connect()
    con.execute("SET TimeZone='America/New_York'")
    relation = con.from_arrow(pa.Table.from_pandas(utc))
    for analysis, kwargs in [
        *ZONE_CASES,
        (ds.double_dial, {}),
        (ds.attempt_curve, {}),
        (ds.contact_attempts, {}),
    ]:
        same(analysis, pdf, relation, **kwargs)
    got = ds.answer_rates(relation, freq="D")
    assert str(got["period"].dtype) == "datetime64[ns, America/New_York]"


# --- Arrow layouts, missing columns, named dispositions -------------------------------------

ARROW_CASES = [
    (ds.answer_rates, {"by": "user_name", "freq": "D"}),
    (ds.talk_time, {"by": "user_name"}),
    (ds.number_health, {"min_dials": 5}),
    (ds.sdr_performance, {}),
    (ds.list_performance, {}),
    (ds.best_time_to_call, {}),
    (ds.double_dial, {}),
    (ds.attempt_curve, {}),
    (ds.contact_attempts, {}),
    (ds.amd_evidence, {}),
]


def test_a_chunked_pyarrow_table(small):
    table = pa.Table.from_pandas(small)
    third = len(small) // 3
    chunked = pa.concat_tables(
        [table.slice(0, third), table.slice(third, third), table[2 * third :]]
    )
    assert chunked.column("started_at").num_chunks == 3
    for analysis, kwargs in ARROW_CASES:
        same(analysis, small, chunked, **kwargs)


def test_dictionary_chunks_with_different_dictionaries(small):
    half = len(small) // 2
    names = sorted(small["user_name"].dropna().unique())
    parts = [
        pa.Table.from_pandas(part.assign(user_name=part["user_name"].astype("category")))
        for part in (small.iloc[:half], small.iloc[half:])
    ]
    table = pa.concat_tables(parts, promote_options="permissive")
    assert pa.types.is_dictionary(table.schema.field("user_name").type)
    pdf = small.assign(user_name=pd.Categorical(small["user_name"], categories=names))
    for analysis, kwargs in ARROW_CASES[:5]:
        same(analysis, pdf, table, **kwargs)


SUBSET_CASES = [
    (ds.answer_rates, {}),
    (ds.number_health, {"min_dials": 5}),
    (ds.best_time_to_call, {}),
    (ds.talk_time, {}),
    (ds.machine_detection, {}),
    (ds.amd_evidence, {}),
    (ds.overview, {}),
    (ds.sdr_performance, {}),
    (ds.double_dial, {}),
]


@pytest.mark.parametrize(
    "dropped",
    [["direction"], ["contact_tz"], ["contact_tz", "contact_timezone"], ["transcription"]],
    ids=repr,
)
def test_a_frame_missing_an_optional_column(small, dropped):
    pdf = small.iloc[::2].reset_index(drop=True).drop(columns=dropped)
    for engine in ("polars-lazy", "duckdb"):
        frame = ENGINES[engine](pdf)
        for analysis, kwargs in SUBSET_CASES:
            same(analysis, pdf, frame, **kwargs)


def test_a_missing_required_column_is_named_as_on_pandas(small):
    pdf = small.drop(columns=["from_e164"])
    for analysis in (ds.number_health, ds.double_dial):
        with pytest.raises(ds.MissingColumnError, match="from_e164"):
            analysis(pl.from_pandas(pdf).lazy())


NAMED = ds.Definitions(
    reached={"Not a Decision Maker", 12},
    meetings={"Answered - Meeting Set", 1},
    voicemails={"Left Voicemail"},
    reached_below=None,
)


@pytest.mark.parametrize("engine", NATIVE)
def test_definitions_with_named_dispositions(small, engine):
    frame = ENGINES[engine](small)
    for analysis, kwargs in [
        (ds.answer_rates, {"by": "user_name"}),
        (ds.disposition_funnel, {}),
        (ds.talk_time_survival, {}),
        (ds.talk_time_thresholds, {}),
        (ds.leaderboard, {}),
        (ds.attempt_curve, {}),
        (ds.sdr_performance, {}),
        (ds.overview, {}),
    ]:
        same(analysis, small, frame, definitions=NAMED, **kwargs)


# --- ties, duplicates, order ---------------------------------------------------------------


def tied(demo: pd.DataFrame) -> pd.DataFrame:
    """The first 3,000 calls (in read_call_logs' id order) where 200 second dials of a
    contact are moved onto its first dial's started_at."""
    df = demo.iloc[:3000].copy()
    times = df.sort_values(["started_at", "id"]).groupby("contact_id")
    attempt = times.cumcount()
    first = times["started_at"].transform("first")
    moved = attempt.index[attempt == 1][:200]
    df.loc[moved, "started_at"] = first[moved]
    return df


CONTACT_CASES = [
    (ds.attempt_curve, {}),
    (ds.contact_attempts, {}),
    (ds.double_dial, {}),
    (ds.activity, {}),
    (ds.activity_sessions, {}),
    (ds.best_time_to_call, {}),
]


@pytest.mark.parametrize("engine", NATIVE)
def test_ties_in_started_at_are_broken_by_id(demo, engine):
    pdf = tied(demo)
    frame = ENGINES[engine](pdf)
    for analysis, kwargs in CONTACT_CASES:
        same(analysis, pdf, frame, **kwargs)


def test_ties_without_an_id_column_are_refused(demo):
    pdf = tied(demo).drop(columns="id")
    frame = pl.from_pandas(pdf)
    for analysis in (ds.attempt_curve, ds.double_dial):
        with pytest.raises(InvalidParameterError, match="share their contact's started_at"):
            analysis(frame)
    with pytest.raises(InvalidParameterError, match="needs an 'id' column"):
        ds.contact_attempts(frame)


@pytest.mark.parametrize("engine", NATIVE)
def test_missing_created_at_on_some_calls(small, engine):
    pdf = small.copy()
    pdf.loc[pdf.index[:50], "created_at"] = pd.NaT
    rep = pdf["user_name"].iloc[0]
    pdf.loc[pdf["user_name"] == rep, "created_at"] = pd.NaT  # one rep has none at all
    frame = ENGINES[engine](pdf)
    for analysis in (ds.sdr_performance, ds.list_performance, ds.sequence_performance):
        same(analysis, pdf, frame)


def test_a_tie_in_created_at_takes_the_smallest_name(small):
    # Documented engine rule (`_engine_tables`): a rep's name is that of its earliest call by
    # created_at, the smallest such name on a tie; the pandas path takes the frame's first.
    pdf = small.copy()
    rows = pdf.index[pdf["user_id"] == pdf["user_id"].iloc[0]]
    first = pdf.loc[rows, "created_at"].idxmin()
    other = rows[rows != first][0]
    pdf.loc[[first, other], "created_at"] = pdf.loc[first, "created_at"]
    pdf.loc[first, "user_name"], pdf.loc[other, "user_name"] = "Zed New", "Aaa Old"
    pdf = pd.concat([pdf.loc[[first]], pdf.drop(index=first)], ignore_index=True)
    want, got = results(ds.sdr_performance, pdf, pl.from_pandas(pdf))
    uid = pdf["user_id"].iloc[0]
    assert want.loc[want["user_id"] == uid, "user_name"].tolist() == ["Zed New"]
    assert got.loc[got["user_id"] == uid, "user_name"].tolist() == ["Aaa Old"]


# --- survival and number health over time against a plain count ----------------------------


def connected(df: pd.DataFrame) -> pd.Series:
    """The vendor's connect, spelt out: a person answered and the disposition id is below 10."""
    human = df["answered_by"].astype("string").eq("human").fillna(False)
    return human & df["disposition_id"].lt(10).fillna(False)


def naive_survival(df: pd.DataFrame, by: str | None) -> pd.DataFrame:
    timed = df[connected(df) & df["duration"].notna()]
    keys = sorted(timed[by].dropna().unique()) if by else [None]
    rows = []
    for key in keys:
        part = timed["duration"] if by is None else timed.loc[timed[by] == key, "duration"]
        seconds = part.to_numpy(dtype=float)
        for s in sorted(set(seconds)):
            row = {by: key} if by else {}
            at_least = int((seconds >= s).sum())
            rows.append({**row, "seconds": s, "at_least": at_least, "timed": len(seconds)})
    columns = [by] if by else []
    out = pd.DataFrame(rows, columns=[*columns, "seconds", "at_least", "timed"])
    out["share"] = out["at_least"] / out["timed"]
    return out


def compare_survival(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got.columns.tolist() == want.columns.tolist()
    assert len(got) == len(want)
    for column in want.columns:
        if column == "share":
            np.testing.assert_allclose(got[column].to_numpy(float), want[column], rtol=1e-12)
        else:
            assert got[column].astype(object).tolist() == want[column].tolist(), column


@pytest.mark.parametrize("engine", ["pandas", *NATIVE])
@pytest.mark.parametrize("by", [None, "user_name"])
def test_survival_against_a_plain_count(demo, engine, by):
    want = naive_survival(demo, by)
    assert len(want) > 100 and (want["share"] <= 1).all()
    compare_survival(ds.talk_time_survival(ENGINES[engine](demo), by=by), want)


@pytest.mark.parametrize("engine", NATIVE)
def test_survival_of_fractional_durations_against_a_plain_count(engine):
    df = pd.concat([tiny()] * 3, ignore_index=True)
    df["duration"] = pd.array(
        [0.4, 59.5, 60.0, None, 59.5, 1e-3, 0.0, 60.0, 7200.25] * 2, dtype="Float64"
    )
    df["disposition_id"] = pd.array([3] * len(df), dtype="Int64")
    want = naive_survival(df, "user_name")
    compare_survival(ds.talk_time_survival(ENGINES[engine](df), by="user_name"), want)


def test_the_table_route_gives_the_survival_curve(small):
    with pytest.warns(FutureWarning, match="talk_time_survival"):
        routed = ds.talk_time(pl.from_pandas(small), by="user_name", table="survival")
    compare_survival(routed, naive_survival(small, "user_name"))


def wilson(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    centre = (x + Z95**2 / 2) / (n + Z95**2)
    half = Z95 / (n + Z95**2) * np.sqrt(x * (n - x) / n + Z95**2 / 4)
    return centre - half, centre + half


def naive_health_weekly(df: pd.DataFrame, flagged: set[str]) -> pd.DataFrame:
    """Per flagged number and Monday-to-Sunday week of the frame's local dates (labelled by
    the Sunday's midnight), then every other number together: dials and answers."""
    calls = df[
        df["direction"].eq("outbound").fillna(False)
        & df["from_e164"].notna()
        & df["started_at"].notna()
    ]
    zone = calls["started_at"].dt.tz
    local = calls["started_at"].dt.tz_localize(None) if zone else calls["started_at"]
    dates = local.dt.normalize()
    sunday = dates + pd.to_timedelta(6 - dates.dt.weekday, unit="D")
    labels = sunday.dt.tz_localize(zone) if zone else sunday
    number = calls["from_e164"].where(calls["from_e164"].isin(flagged))
    table = pd.DataFrame(
        {
            "from_e164": [None if pd.isna(v) else v for v in number],
            "period": labels,
            "answered": calls["outcome"].astype("string").eq("answered").fillna(False),
        }
    )
    grouped = table.groupby(["from_e164", "period"], dropna=False, sort=False)
    out = grouped["answered"].agg(dials="size", answered="sum").reset_index()
    out["__rest"] = out["from_e164"].isna()
    out = out.sort_values(["__rest", "from_e164", "period"]).drop(columns="__rest")
    out = out.reset_index(drop=True)
    x, n = out["answered"].to_numpy(float), out["dials"].to_numpy(float)
    out["answer_rate"] = x / n
    out["answer_rate_low"], out["answer_rate_high"] = wilson(x, n)
    return out


def compare_health(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got.columns.tolist() == want.columns.tolist()
    numbers = [None if pd.isna(v) else v for v in got["from_e164"]]
    assert numbers == [None if pd.isna(v) else v for v in want["from_e164"]]
    assert got["period"].tolist() == want["period"].tolist()
    assert str(got["period"].dtype) == str(want["period"].dtype)
    for column in ("dials", "answered"):
        assert got[column].tolist() == want[column].astype(int).tolist(), column
    for column in ("answer_rate", "answer_rate_low", "answer_rate_high"):
        np.testing.assert_allclose(got[column].to_numpy(float), want[column], rtol=1e-12)


@pytest.mark.parametrize("zone", [None, "America/New_York"])
def test_number_health_per_week_against_a_plain_count(demo, zone):
    df = demo if zone is None else demo.assign(started_at=demo["started_at"].dt.tz_convert(zone))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tested = ds.number_health(df)
    flagged = set(tested.loc[tested["flagged"].fillna(False), "from_e164"])
    assert flagged, "the demo plants numbers that go bad"
    want = naive_health_weekly(df, flagged)
    assert math.isclose(want["dials"].sum(), (df["direction"] == "outbound").sum())
    for engine in ("pandas", *NATIVE):
        compare_health(ds.number_health(ENGINES[engine](df), freq="W"), want)


# --- units, row order and duplicated calls --------------------------------------------------


# The unit an engine holds a pandas unit in: Polars has no seconds, DuckDB no zoned seconds
# or milliseconds.
HELD_UNITS = {"polars": {"s": "ms"}, "duckdb": {"s": "us", "ms": "us"}}


@pytest.mark.parametrize(
    "analysis,kwargs",
    [(ds.answer_rates, {"freq": "D"}), (ds.answer_rates, {"freq": "h"}), (ds.contact_attempts, {})],
    ids=["answer_rates-D", "answer_rates-h", "contact_attempts"],
)
@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_times_keep_their_unit(small, analysis, kwargs, unit):
    # Period labels (and contact_attempts' first_dial / last_dial) take the unit of
    # started_at, on an engine as on pandas: Polars writes Parquet in microseconds.
    pdf = small.assign(
        started_at=small["started_at"].astype(f"datetime64[{unit}, UTC]"),
        created_at=small["created_at"].astype(f"datetime64[{unit}, UTC]"),
    )
    for engine in ("polars", "pyarrow", "duckdb"):
        held = HELD_UNITS.get(engine, {}).get(unit, unit)
        want_frame = pdf.astype({"started_at": f"datetime64[{held}, UTC]"})
        want, got = results(analysis, want_frame, ENGINES[engine](pdf), **kwargs)
        column = "period" if "freq" in kwargs else "first_dial"
        assert str(got[column].dtype) == str(want[column].dtype), engine
        check(got, want)


def test_a_duckdb_nanosecond_timestamp_keeps_its_unit(small):
    want = ds.contact_attempts(small)
    relation = ENGINES["duckdb"](small)
    assert "TIMESTAMPTZ_NS" in [str(kind) for kind in relation.types]
    check(ds.contact_attempts(relation), want)
    assert str(ds.answer_rates(relation, freq="W")["period"].dtype) == "datetime64[ns, UTC]"


def test_contact_attempts_rows_on_a_frame_in_time_order(demo):
    # Rows follow each contact's first dial, then its least id, however the frame is sorted.
    pdf = demo.sort_values(["started_at", "id"]).iloc[:3000].reset_index(drop=True)
    assert not pdf["id"].is_monotonic_increasing
    same(ds.contact_attempts, pdf, pl.from_pandas(pdf))
    got = ds.contact_attempts(pdf)
    assert got["first_dial"].is_monotonic_increasing
    shuffled = pdf.sample(frac=1, random_state=3).reset_index(drop=True)
    check(ds.contact_attempts(shuffled), got)
    same(ds.contact_attempts, shuffled, pl.from_pandas(shuffled))


def test_contacts_first_dialled_at_once_are_ordered_by_least_id():
    df = tiny(6).assign(
        contact_id=pd.array(["b", "a", "b", "a", "c", "c"], dtype="string"),
        started_at=pd.to_datetime(
            ["2024-03-10 10:00"] * 2 + ["2024-03-10 11:00"] * 3 + ["2024-03-10 12:00"], utc=True
        ),
        id=pd.array(["9", "5", "1", "2", "4", "3"], dtype="string"),
    )
    got = ds.contact_attempts(df)
    # a and b first dialled at 10:00; b's least id "1" < a's "2"; c at 11:00 comes last.
    assert got["contact_id"].tolist() == ["b", "a", "c"]
    for engine in NATIVE:
        check(ds.contact_attempts(ENGINES[engine](df)), got)


def with_copies(demo: pd.DataFrame) -> pd.DataFrame:
    """3,000 demo calls and copies of 50 of them (same id, contact and start, the outcome
    flipped) placed after each original, as an export read twice would give."""
    pdf = demo.iloc[:3000]
    copies = pdf.iloc[:50].copy()
    answered = copies["outcome"].astype("string").eq("answered")
    copies["outcome"] = pd.Categorical(
        np.where(answered, "no-answer", "answered"), categories=pdf["outcome"].cat.categories
    )
    df = pd.concat([pdf, copies]).sort_values(["started_at", "id"], kind="stable")
    return df.reset_index(drop=True)


@pytest.mark.parametrize("engine", ["pandas", "polars", "duckdb", "pyarrow"])
@pytest.mark.parametrize("analysis", [ds.double_dial, ds.attempt_curve, ds.contact_attempts])
def test_calls_sharing_id_and_time_are_refused(demo, engine, analysis):
    # Which copy comes first decides what is a double dial and what is answered: there is no
    # order to pick, on pandas as on an engine, so both refuse and say how to fix it.
    df = with_copies(demo)
    dialled = df[df["contact_id"].notna() & df["direction"].ne("inbound")]
    copies = int(dialled.duplicated(["contact_id", "started_at", "id"]).sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(InvalidParameterError, match="drop_duplicates") as error:
            analysis(ENGINES[engine](df))
    assert error.value.parameter == "df"
    assert f"{copies:,} calls repeat" in str(error.value)
    dropped = df.drop_duplicates("id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        same(analysis, dropped, ENGINES[engine](dropped))


def test_the_pandas_pyarrow_backend_is_the_pandas_path(small):
    # A pyarrow-backed pandas frame is pandas: it never goes through the engine reduction.
    frame = pa.Table.from_pandas(small).to_pandas(types_mapper=pd.ArrowDtype)
    want = ds.answer_rates(small, by="user_name", freq="W")
    assert_same(ds.answer_rates(frame, by="user_name", freq="W"), want, "pandas-pyarrow")

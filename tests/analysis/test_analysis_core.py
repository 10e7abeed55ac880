"""Flags, Wilson intervals, group semantics and answer rates, on hand-built frames.

`calls()` and the `SAMPLE` rows below are shared by the other test_analysis_* files.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError
from dialstats.frame._schema import ANSWERED_BY, TIMESTAMP_COLUMNS, call_log_dtypes

DISPOSITIONS = {
    1: ("Answered - Meeting Set", "positive"),
    2: ("Answered - No Longer with Company", "neutral"),
    3: ("Answered - Not Interested", "negative"),
    6: ("Answered - Call back later", "positive"),
    10: ("No Answer", "not_answered"),
    11: ("Left Voicemail", "not_answered"),
    12: ("Gatekeeper", "not_answered"),
    14: ("Cancelled", "cancelled"),
}
OUTCOMES = {"human": "answered", "machine_start": "answered", None: "no-answer"}


def call(answered_by, disposition, duration=30, **fields):
    """One call-log row: who answered, the disposition id and duration, plus any other field."""
    name, category = DISPOSITIONS.get(disposition, (None, None))
    when = fields.pop("at", "2024-03-04T15:00:00Z")
    return {
        "outcome": OUTCOMES[answered_by],
        "answered_by": answered_by,
        "disposition_id": disposition,
        "disposition_name": name,
        "disposition_category": category,
        "duration": duration,
        "started_at": when,
        "created_at": when,
        "user_id": "u-a",
        "user_name": "Ann Lee",
        "contact_timezone": "America/New_York",
        **fields,
    }


def calls(*rows: dict) -> pd.DataFrame:
    """A frame with every schema column and dtype; fields a row lacks are NA."""
    columns = {}
    for name, dtype in call_log_dtypes().items():
        values = pd.Series([row.get(name) for row in rows], dtype=object)
        if name in TIMESTAMP_COLUMNS:
            values = pd.to_datetime(values, utc=True)
        columns[name] = values.astype(dtype)
    return pd.DataFrame(columns)


B = {"user_id": "u-b", "user_name": "Bo Park"}
# Ten calls with known answers (see each comment); rep A made 1-5, rep B 6-10.
SAMPLE = [
    call("human", 1, 90),  # 1 connected conversation meeting positive
    call("human", 3, 30),  # 2 connected
    call("human", 6, 75),  # 3 connected conversation positive
    call("machine_start", 11, 25),  # 4 voicemail
    call(None, 10, 0),  # 5 no answer
    call("human", 11, 40, **B),  # 6 person, yet a voicemail: AMD false negative
    call("machine_start", 3, 50, **B),  # 7 machine, yet "Answered": AMD false positive
    {**call(None, 12, 15, **B), "outcome": "answered"},  # 8 answered, answerer unknown
    {**call(None, 14, 0, **B), "outcome": "cancelled"},  # 9
    call("human", 42, 65, **B),  # 10 custom disposition id: not connected
]


@pytest.fixture
def sample() -> pd.DataFrame:
    return calls(*SAMPLE)


# -- flags -------------------------------------------------------------------------------


def test_flags_follow_the_vendor_definitions(sample):
    flags = ds.flags(sample)
    assert list(flags.columns) == [
        "is_answered",
        "is_human",
        "is_machine",
        "is_connected",
        "is_conversation",
        "is_meeting",
        "is_positive",
    ]
    assert all(dtype == "boolean" for dtype in flags.dtypes)
    assert flags.index.equals(sample.index)

    def rows(column):
        return [i + 1 for i in np.flatnonzero(flags[column].to_numpy())]

    assert rows("is_answered") == [1, 2, 3, 4, 6, 7, 8, 10]
    assert rows("is_human") == [1, 2, 3, 6, 10]
    assert rows("is_machine") == [4, 7]
    assert rows("is_connected") == [1, 2, 3]
    assert rows("is_conversation") == [1, 3]
    assert rows("is_meeting") == [1]
    assert rows("is_positive") == [1, 3]


def test_flags_never_count_a_missing_value_as_yes():
    frame = calls(call(None, None, None), {**call("human", None, None), "outcome": None})
    flags = ds.flags(frame)
    assert flags.notna().all().all()
    # answered_by alone makes a human; without a disposition nothing further holds
    assert flags.iloc[0].sum() == 0
    assert flags.iloc[1][flags.iloc[1]].index.tolist() == ["is_human"]


def test_conversation_needs_a_minute_unless_a_meeting_was_set():
    frame = calls(call("human", 3, 59), call("human", 3, 60), call("human", 1, 5))
    assert ds.flags(frame)["is_conversation"].tolist() == [False, True, True]


def test_flags_join_onto_the_frame_for_one_liners(sample):
    means = sample.join(ds.flags(sample)).groupby("user_name").is_meeting.mean()
    assert means.to_dict() == {"Ann Lee": 0.2, "Bo Park": 0.0}


# -- Wilson intervals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998), Table I, example (a)
        (15, 148, 0.0624, 0.1605),  # (b)
        (0, 20, 0.0, 0.1611),  # (c)
        (1, 29, 0.0061, 0.1718),  # (d)
        (0, 10, 0.0, 0.2775),
    ],
)
def test_wilson_matches_published_values(successes, trials, low, high):
    got = ds.wilson_interval(successes, trials)
    assert got == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_wilson_bounds_are_exact_at_the_edges_and_nan_without_trials():
    low, high = ds.wilson_interval([0, 7, 0], [10, 7, 0])
    assert low[0] == 0.0 and high[1] == 1.0
    assert math.isnan(low[2]) and math.isnan(high[2])


def test_wilson_takes_nullable_series():
    low, high = ds.wilson_interval(pd.Series([1, None], dtype="Int64"), pd.Series([10, 10]))
    assert low[0] == pytest.approx(ds.wilson_interval(1, 10)[0])
    assert math.isnan(low[1]) and math.isnan(high[1])


def test_wilson_widens_with_confidence():
    narrow = ds.wilson_interval(30, 100, confidence=0.8)
    wide = ds.wilson_interval(30, 100, confidence=0.99)
    assert wide[0] < narrow[0] < 0.3 < narrow[1] < wide[1]


@pytest.mark.parametrize(
    ("args", "parameter"),
    [((5, 3), "successes"), ((-1, 3), "successes"), ((1, 3, 1.0), "confidence")],
)
def test_wilson_rejects_impossible_input(args, parameter):
    with pytest.raises(InvalidParameterError) as caught:
        ds.wilson_interval(*args)
    assert caught.value.parameter == parameter


# -- answer_rates --------------------------------------------------------------------------


def test_answer_rates_of_the_whole_frame(sample):
    out = ds.answer_rates(sample)
    assert len(out) == 1
    row = out.iloc[0]
    assert (row.dials, row.answered, row.human, row.machine, row.connected) == (10, 8, 5, 2, 3)
    assert (row.answer_rate, row.human_rate, row.connect_rate) == (0.8, 0.5, 0.3)
    low, high = ds.wilson_interval(3, 10)
    assert row.connect_rate_low == pytest.approx(low)
    assert row.connect_rate_high == pytest.approx(high)
    for rate in ("answer_rate", "human_rate", "connect_rate"):
        for column in (rate, f"{rate}_low", f"{rate}_high"):
            assert out[column].dtype == "Float64"


def test_answer_rates_by_rep(sample):
    out = ds.answer_rates(sample, by="user_name").set_index("user_name")
    assert out.loc["Ann Lee", ["dials", "answered", "human", "connected"]].tolist() == [5, 4, 3, 3]
    assert out.loc["Bo Park", ["dials", "answered", "human", "connected"]].tolist() == [5, 4, 2, 0]
    assert out.loc["Bo Park", "connect_rate"] == 0.0
    assert out.loc["Bo Park", "connect_rate_low"] == 0.0


def test_unused_categories_are_rows_with_na_rates_and_missing_keys_a_group(sample):
    sample["user_name"] = sample["user_name"].astype(
        pd.CategoricalDtype(["Ann Lee", "Bo Park", "Cy Diaz"])
    )
    out = ds.answer_rates(sample, by="user_name")
    assert out["user_name"].tolist() == ["Ann Lee", "Bo Park", "Cy Diaz"]
    idle = out.iloc[2]
    assert idle.dials == 0
    assert pd.isna(idle.connect_rate) and pd.isna(idle.connect_rate_low)

    by_answerer = ds.answer_rates(sample, by="answered_by")
    # every Twilio AMD value is a category, used or not
    assert by_answerer["answered_by"].tolist()[:7] == list(ANSWERED_BY)
    assert pd.isna(by_answerer["answered_by"].iloc[7])  # nobody answered: its own group, last
    assert by_answerer["dials"].tolist() == [5, 2, 0, 0, 0, 0, 0, 3]


def test_categorical_keys_cross_only_the_observed_values_of_other_keys(sample):
    out = ds.answer_rates(sample, by=["user_name", "answered_by"])
    # each rep x the seven AMD values, plus the observed "nobody answered" rows
    pairs = list(zip(out["user_name"], out["answered_by"].astype(object), strict=True))
    assert pairs[:2] == [("Ann Lee", "human"), ("Ann Lee", "machine_start")]
    assert len(out) == 2 * len(ANSWERED_BY) + 2
    assert out["dials"].sum() == len(sample)


def test_answer_rates_per_period_includes_quiet_periods():
    frame = calls(
        call("human", 1, 90, at="2024-03-04T09:00:00Z"),
        call(None, 10, 0, at="2024-03-04T23:59:00Z"),
        call("human", 3, 20, at="2024-03-06T10:00:00Z"),
    )
    out = ds.answer_rates(frame, freq="D")
    assert out["period"].tolist() == list(pd.date_range("2024-03-04", periods=3, tz="UTC"))
    assert out["dials"].tolist() == [2, 0, 1]
    assert out["connect_rate"].iloc[0] == 0.5
    assert pd.isna(out["connect_rate"].iloc[1])


@pytest.mark.parametrize("freq", ["W", "ME", "MS", "D", "6h"])
@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
def test_answer_rates_periods_match_pandas_resample(sample, freq, tz):
    rng = np.random.default_rng(7)
    sample = pd.concat([sample] * 20, ignore_index=True)
    offsets = pd.to_timedelta(rng.integers(0, 120 * 86400, len(sample)), unit="s")
    sample["started_at"] = (pd.Timestamp("2024-01-01", tz="UTC") + offsets).tz_convert(tz)
    out = ds.answer_rates(sample, by="user_name", freq=freq)
    expected = sample.groupby(["user_name", pd.Grouper(key="started_at", freq=freq)]).size()
    got = out.set_index(["user_name", "period"])["dials"]
    assert got[got > 0].to_dict() == expected[expected > 0].to_dict()
    assert out["dials"].sum() == len(sample)


def test_calls_without_a_start_time_still_count_in_a_period_of_their_own(sample):
    sample.loc[0, "started_at"] = pd.NaT
    out = ds.answer_rates(sample, freq="D")
    assert out["dials"].sum() == len(sample)
    assert pd.isna(out["period"].iloc[-1]) and out["dials"].iloc[-1] == 1


def test_answer_rates_of_an_empty_frame():
    out = ds.answer_rates(calls())
    assert out["dials"].tolist() == [0]
    assert out["answer_rate"].isna().all()
    assert ds.answer_rates(calls(), by="user_name").empty
    assert len(ds.answer_rates(calls(), by="outcome")) == 3  # every category


# -- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"by": "nope"}, "df"),
        ({"by": ["user_name", "user_name"]}, "by"),
        ({"by": 3}, "by"),
        ({"freq": "fortnightly"}, "freq"),
        ({"confidence": 95}, "confidence"),
    ],
)
def test_answer_rates_rejects_bad_arguments(sample, kwargs, parameter):
    with pytest.raises(InvalidParameterError) as caught:
        ds.answer_rates(sample, **kwargs)
    assert caught.value.parameter == parameter
    assert isinstance(caught.value, ValueError)


def test_a_missing_column_is_named_with_the_function(sample):
    with pytest.raises(ds.MissingColumnError, match=r"answer_rates\(\) needs column 'answered_by'"):
        ds.answer_rates(sample.drop(columns="answered_by"))
    with pytest.raises(ds.MissingColumnError) as caught:
        ds.flags(sample.drop(columns="duration"))
    assert (caught.value.column, caught.value.function) == ("duration", "flags")


def test_a_frame_is_required():
    with pytest.raises(TypeError, match="DataFrame"):
        ds.answer_rates([{"outcome": "answered"}])


def test_a_pyarrow_backed_frame_gives_the_same_numbers(sample):
    import pyarrow as pa

    arrow = pa.Table.from_pandas(sample).to_pandas(types_mapper=pd.ArrowDtype)
    assert isinstance(arrow["answered_by"].dtype, pd.ArrowDtype)
    for analysis in (
        lambda df: ds.answer_rates(df, by="answered_by", freq="D"),
        lambda df: ds.machine_detection(df, by="user_name"),
        lambda df: ds.disposition_funnel(df, by="outcome"),
        lambda df: ds.disposition_breakdown(df, level="category"),
        lambda df: ds.sdr_performance(df),
        lambda df: ds.best_time_to_call(df, min_dials=1, wide=False),
        lambda df: ds.overview(df),
        ds.flags,
        ds.machine_detection_matrix,
    ):
        expected, got = analysis(sample), analysis(arrow)
        assert got.shape == expected.shape
        numbers = [c for c in expected if pd.api.types.is_numeric_dtype(expected[c])]
        assert numbers
        assert got[numbers].astype(float).equals(expected[numbers].astype(float))

"""talk_time against numpy on random durations (NA and fractions included), and its checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialstats as ds
from dialstats.errors import InvalidParameterError
from test_analysis_core import B, call, calls

QUANTILES = {"p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}


def frame(durations, dispositions, reps) -> pd.DataFrame:
    rows = []
    for seconds, disposition, rep in zip(durations, dispositions, reps, strict=True):
        who = "human" if disposition != 11 else "machine_start"
        rows.append(call(who, disposition, seconds, **(B if rep else {})))
    return calls(*rows)


durations = st.one_of(st.none(), st.floats(0, 3000, allow_nan=False), st.integers(0, 3000))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(durations, st.sampled_from([1, 3, 6, 11, 12]), st.booleans()), max_size=60),
    st.lists(st.floats(0, 500, allow_nan=False), min_size=1, max_size=4, unique=True),
)
def test_quantiles_and_shares_match_numpy(rows, thresholds):
    df = frame(*zip(*rows, strict=True)) if rows else calls()
    out = ds.talk_time(df, by="user_name", thresholds=thresholds)
    seconds = df["duration"].to_numpy(dtype=float, na_value=np.nan)
    connected = ds.flags(df)["is_connected"].to_numpy(dtype=bool)
    for _, row in out.iterrows():
        mine = connected & (df["user_name"] == row.user_name).to_numpy()
        values = seconds[mine & ~np.isnan(seconds)]
        assert row.connects == mine.sum() and row.timed == len(values)
        if not len(values):
            assert pd.isna(row["median"]) and pd.isna(row[f"at_least_{thresholds[0]:g}s_share"])
            continue
        for name, q in QUANTILES.items():
            assert np.isclose(row[name], np.quantile(values, q))
        assert np.isclose(row["mean"], values.mean())
        for t in thresholds:
            name = f"at_least_{t:g}s"
            assert row[name] == (values >= t).sum()
            assert np.isclose(row[f"{name}_share"], (values >= t).mean())
    sensitivity = ds.talk_time_thresholds(df, thresholds=thresholds)
    meeting = df["disposition_id"].eq(1).to_numpy(dtype=bool, na_value=False)
    baseline = (connected & (meeting | (seconds >= 60))).sum()
    for _, row in sensitivity.iterrows():
        count = (connected & (meeting | (seconds >= row.threshold))).sum()
        assert (row.conversations, row.baseline, row.change) == (count, baseline, count - baseline)


def test_sixty_seconds_is_the_contract_conversation_count():
    df = frame([59.5, 60, 61, 30, None, 200], [3, 3, 6, 1, 3, 11], [False] * 6)
    table = ds.talk_time_thresholds(df).set_index("threshold")
    assert table.loc[60.0, "conversations"] == 3  # 60, 61 and the meeting
    assert table.loc[60.0, "change"] == 0
    assert table.loc[30.0, "change"] == 1 and table.loc[30.0, "change_share"] == 1 / 3
    dist = ds.talk_time(df).iloc[0]
    assert (dist.connects, dist.timed) == (5, 4)
    assert dist.at_least_60s == 2 and dist.at_least_60s_share == 0.5


def test_empty_one_row_missing_columns_and_bad_thresholds():
    empty = ds.talk_time(calls())
    assert len(empty) == 1 and empty.connects.item() == 0 and empty["median"].isna().all()
    one = ds.talk_time(frame([42.5], [3], [False])).iloc[0]
    assert one["median"] == one.p10 == 42.5
    df = frame([10, 20], [3, 3], [False, True])
    with pytest.raises(ds.MissingColumnError, match="duration"):
        ds.talk_time(df.drop(columns="duration"))
    with pytest.raises(InvalidParameterError, match="did you mean 60"):
        ds.talk_time(df, thresholds="1min")
    with pytest.raises(InvalidParameterError, match="did you mean 90"):
        ds.talk_time(df, thresholds=(30, "90"))
    with pytest.raises(InvalidParameterError, match="twice"):
        ds.talk_time(df, thresholds=(30, 30))
    with pytest.raises(InvalidParameterError, match=">= 0"):
        ds.talk_time(df, thresholds=(-1,))
    assert list(ds.talk_time(df, thresholds=45).columns[-4:]) == [
        "at_least_45s",
        *("at_least_45s_share", "at_least_45s_share_low", "at_least_45s_share_high"),
    ]

"""disposition_funnel and disposition_breakdown on hand-built frames with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError
from test_analysis_core import SAMPLE, call, calls


@pytest.fixture
def sample() -> pd.DataFrame:
    return calls(*SAMPLE)


def test_default_funnel(sample):
    out = ds.disposition_funnel(sample)
    assert out.columns.tolist() == [
        "stage",
        "count",
        "rate_from_previous",
        "rate_from_previous_low",
        "rate_from_previous_high",
        "rate_from_top",
        "rate_from_top_low",
        "rate_from_top_high",
    ]
    assert out["stage"].tolist() == [
        "dials",
        "answered",
        "connected",
        "conversations",
        "connected_meetings",
    ]
    assert out["stage"].cat.ordered
    assert out["count"].tolist() == [10, 8, 3, 2, 1]
    assert out["rate_from_previous"].tolist() == [1.0, 0.8, 3 / 8, 2 / 3, 0.5]
    assert out["rate_from_top"].tolist() == [1.0, 0.8, 0.3, 0.2, 0.1]
    low, high = ds.wilson_interval(3, 8)
    assert out.loc[2, "rate_from_previous_low"] == pytest.approx(low)
    assert out.loc[2, "rate_from_previous_high"] == pytest.approx(high)


def test_funnel_by_group_with_an_empty_group(sample):
    sample["user_name"] = sample["user_name"].astype(
        pd.CategoricalDtype(["Ann Lee", "Bo Park", "Cy Diaz"])
    )
    out = ds.disposition_funnel(sample, by="user_name")
    counts = out.pivot(index="user_name", columns="stage", values="count")
    assert counts.loc["Ann Lee"].tolist() == [5, 4, 3, 2, 1]
    assert counts.loc["Bo Park"].tolist() == [5, 4, 0, 0, 0]
    assert counts.loc["Cy Diaz"].tolist() == [0, 0, 0, 0, 0]
    bo = out[out["user_name"] == "Bo Park"]
    assert pd.isna(bo["rate_from_previous"].iloc[3])  # 0 conversations of 0 connected
    assert bo["rate_from_top"].iloc[3] == 0.0
    assert out[out["user_name"] == "Cy Diaz"]["rate_from_top"].isna().all()


def test_custom_stages_count_only_calls_in_every_earlier_stage(sample):
    stages = {
        "dialled": np.ones(len(sample), dtype=bool),
        "machine": lambda df: df["answered_by"] == "machine_start",
        "a person was reached": "disposition_id < 10",
    }
    out = ds.disposition_funnel(sample, stages=stages)
    assert out["stage"].tolist() == list(stages)
    # disposition < 10 holds for calls 1, 2, 3 and 7, but only 7 was a machine
    assert out["count"].tolist() == [10, 2, 1]


def test_query_stages_can_use_the_flags(sample):
    out = ds.disposition_funnel(
        sample, stages={"people": "is_human", "long": "is_human and duration >= 60"}
    )
    assert out["count"].tolist() == [5, 3]  # calls 1, 3 and 10


def test_a_stage_given_as_a_series_with_missing_values(sample):
    mask = sample["duration"] >= 60  # nullable boolean
    mask.iloc[0] = pd.NA
    out = ds.disposition_funnel(sample, stages={"all": "duration >= 0", "long": mask})
    assert out["count"].tolist() == [10, 2]  # call 1 is NA -> not in the stage


@pytest.mark.parametrize(
    "stages",
    [
        {},
        ["dials"],
        {"short": np.ones(3, dtype=bool)},
        {"numbers": np.arange(10)},
        {"typo": "durration > 3"},
        {"other index": pd.Series(True, index=range(100, 110))},
        {"": "duration > 3"},
    ],
)
def test_bad_stages_are_rejected(sample, stages):
    with pytest.raises(InvalidParameterError) as caught:
        ds.disposition_funnel(sample, stages=stages)
    assert caught.value.parameter == "stages"


def test_funnel_of_an_empty_frame():
    out = ds.disposition_funnel(calls())
    assert out["count"].tolist() == [0] * 5
    assert out["rate_from_top"].isna().all()
    assert ds.disposition_funnel(calls(), by="user_name").empty


def test_breakdown_by_disposition_keeps_custom_and_missing_ids(sample):
    extra = calls(*SAMPLE, call(None, None, 0))
    out = ds.disposition_breakdown(extra)
    assert out.columns.tolist() == [
        "disposition_id",
        "disposition_name",
        "disposition_category",
        "count",
        "share",
        "share_low",
        "share_high",
    ]
    assert out["disposition_id"].tolist()[:-1] == [1, 3, 6, 10, 11, 12, 14, 42]
    assert pd.isna(out["disposition_id"].iloc[-1])
    assert out["count"].tolist() == [1, 2, 1, 1, 2, 1, 1, 1, 1]
    assert out["share"].sum() == pytest.approx(1.0)
    assert out.loc[1, "disposition_name"] == "Answered - Not Interested"
    assert pd.isna(out.loc[7, "disposition_name"])  # 42 is unknown to the frame


def test_breakdown_by_category_per_group(sample):
    out = ds.disposition_breakdown(sample, by="user_name", level="category")
    ann = out[out["user_name"] == "Ann Lee"].set_index("disposition_category")
    assert ann["count"].tolist()[:5] == [2, 1, 0, 2, 0]  # every category, even unused
    assert ann["share"].iloc[:5].tolist() == [0.4, 0.2, 0.0, 0.4, 0.0]
    bo = out[out["user_name"] == "Bo Park"]
    assert bo["count"].sum() == 5 and bo["share"].sum() == pytest.approx(1.0)


def test_breakdown_rejects_an_unknown_level(sample):
    with pytest.raises(InvalidParameterError, match="level"):
        ds.disposition_breakdown(sample, level="name")

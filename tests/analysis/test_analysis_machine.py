"""machine_detection and machine_detection_matrix on hand-built frames with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError
from test_analysis_core import SAMPLE, call, calls


@pytest.fixture
def sample() -> pd.DataFrame:
    return calls(*SAMPLE)


def test_machine_detection_counts_and_rates(sample):
    row = ds.machine_detection(sample).iloc[0]
    assert (row.dials, row.answered, row.human, row.machine) == (10, 8, 5, 2)
    assert row.machine_rate == 2 / 8
    assert (row.voicemails, row.voicemail_rate) == (2, 2 / 10)
    assert (row.amd_suspected_false_positive, row.amd_suspected_false_positive_rate) == (1, 0.5)
    assert (row.amd_suspected_false_negative, row.amd_suspected_false_negative_rate) == (1, 0.2)
    assert row.median_duration_human == 65.0  # 90, 30, 75, 40, 65
    assert row.median_duration_machine == 37.5  # 25, 50
    low, high = ds.wilson_interval(1, 2)
    assert (
        row.amd_suspected_false_positive_rate_low,
        row.amd_suspected_false_positive_rate_high,
    ) == (
        pytest.approx(low),
        pytest.approx(high),
    )


def test_machine_detection_by_rep_gives_na_where_nothing_to_divide(sample):
    out = ds.machine_detection(sample, by="user_name").set_index("user_name")
    ann = out.loc["Ann Lee"]
    assert (ann.machine, ann.amd_suspected_false_positive, ann.amd_suspected_false_negative) == (
        1,
        0,
        0,
    )
    assert ann.amd_suspected_false_positive_rate == 0.0
    no_machine = calls(call("human", 1, 100), call(None, 10, 0))
    row = ds.machine_detection(no_machine).iloc[0]
    assert pd.isna(row.amd_suspected_false_positive_rate)
    assert pd.isna(row.median_duration_machine)
    assert row.median_duration_human == 100.0


def test_machine_detection_of_an_empty_frame_and_unused_categories():
    out = ds.machine_detection(calls())
    assert out["dials"].tolist() == [0] and out["machine_rate"].isna().all()
    by_direction = ds.machine_detection(calls(call("human", 1)), by="direction")
    assert by_direction["direction"].isna().tolist() == [False, False, True]
    assert by_direction["answered"].tolist() == [0, 0, 1]
    assert by_direction["machine_rate"].isna().tolist() == [True, True, False]
    for column in out.columns:
        if column.endswith(("_rate", "_low", "_high")) or column.startswith("median"):
            assert out[column].dtype == "Float64", column


def test_matrix_counts_answered_calls_by_answerer_and_category(sample):
    matrix = ds.machine_detection_matrix(sample)
    assert matrix.index.tolist() == ["human", "machine_start", "missing"]
    assert matrix.columns.tolist() == [
        "positive",
        "negative",
        "neutral",
        "not_answered",
        "cancelled",
        "unknown",
    ]
    assert matrix.loc["human"].tolist() == [2, 1, 0, 1, 0, 1]  # 1/6, 3, 11, custom 42
    assert matrix.loc["machine_start"].tolist() == [0, 1, 0, 1, 0, 0]
    assert matrix.loc["missing"].tolist() == [0, 0, 0, 1, 0, 0]  # gatekeeper, answerer unknown
    assert int(matrix.to_numpy().sum()) == 8  # answered calls only
    assert int(ds.machine_detection_matrix(sample, answered_only=False).to_numpy().sum()) == 10


def test_matrix_normalised(sample):
    rows = ds.machine_detection_matrix(sample, normalize="index")
    assert rows.sum(axis=1).tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert rows.loc["human", "positive"] == pytest.approx(2 / 5)
    whole = ds.machine_detection_matrix(sample, normalize=True)
    assert float(whole.to_numpy().sum()) == pytest.approx(1.0)
    columns = ds.machine_detection_matrix(sample, normalize="columns")
    assert pd.isna(columns.loc["human", "neutral"])  # nobody in that column
    assert (rows.dtypes == "Float64").all()


def test_matrix_of_an_empty_frame_is_all_zero_with_fixed_shape():
    matrix = ds.machine_detection_matrix(calls())
    assert matrix.shape == (2, 5) and int(matrix.to_numpy().sum()) == 0
    assert ds.machine_detection_matrix(calls(), normalize="all").isna().all().all()


def test_bad_arguments(sample):
    with pytest.raises(InvalidParameterError, match="normalize"):
        ds.machine_detection_matrix(sample, normalize="rows")
    with pytest.raises(ds.MissingColumnError, match="'duration'"):
        ds.machine_detection(sample.drop(columns="duration"))
    with pytest.raises(ds.MissingColumnError, match="disposition_category"):
        ds.machine_detection_matrix(sample.drop(columns="disposition_category"))

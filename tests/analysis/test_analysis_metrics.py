"""The metric contract: names, definitions and grouped counts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dialstats.analysis._definitions import VENDOR, Definitions
from dialstats.analysis._metrics import (
    COUNTS,
    RATES,
    Metric,
    grouped_counts,
    metric,
)
from dialstats.errors import InvalidParameterError
from test_analysis_core import SAMPLE, call, calls


def test_the_contract_has_the_agreed_names():
    assert COUNTS == (
        "dials",
        "answered",
        "human",
        "machine",
        "connected",
        "conversations",
        "meetings",
        "positive",
        "voicemails",
    )
    assert set(RATES) == {
        "answer_rate",
        "human_rate",
        "machine_rate",
        "connect_rate",
        "conversation_rate",
        "meeting_rate",
        "positive_rate",
        "voicemail_rate",
    }
    assert metric("machine_rate") == Metric(
        "machine_rate", "machine", "answered", "Machine rate (of answered)", "machine / answered"
    )
    for name in RATES:
        rate = metric(name)
        assert rate.numerator in COUNTS and rate.denominator in COUNTS


def test_vendor_names_map_to_the_contract():
    assert metric("total_calls").name == "dials"
    assert metric("connected_calls").name == "connected"
    assert metric("connection_rate").name == "connect_rate"
    assert metric("meetings_set").name == "meetings"


def test_unknown_metric_suggests_the_closest():
    with pytest.raises(InvalidParameterError, match="did you mean 'connect_rate'") as error:
        metric("conect_rate")
    assert error.value.parameter == "metric"


def test_grouped_counts_one_row_without_keys_and_int64_columns():
    out = grouped_counts(calls(*SAMPLE), [], COUNTS, function="test")
    assert list(out.columns) == list(COUNTS)
    assert (out.dtypes == "int64").all()
    assert out.iloc[0].to_dict() == {
        "dials": 10,
        "answered": 8,
        "human": 5,
        "machine": 2,
        "connected": 3,
        "conversations": 2,
        "meetings": 1,
        "positive": 2,
        "voicemails": 2,
    }


def test_grouped_counts_by_keys_and_empty_frame():
    out = grouped_counts(calls(*SAMPLE), ["user_name"], ["dials", "connected"], function="t")
    assert out.to_dict("list") == {
        "user_name": ["Ann Lee", "Bo Park"],
        "dials": [5, 5],
        "connected": [3, 0],
    }
    empty = grouped_counts(calls(), [], ["dials", "meetings"], function="t")
    assert empty.to_dict("list") == {"dials": [0], "meetings": [0]}


def test_grouped_counts_rejects_rates_and_unknown_names():
    with pytest.raises(InvalidParameterError, match="is a rate"):
        grouped_counts(calls(*SAMPLE), [], ["connect_rate"], function="t")
    with pytest.raises(InvalidParameterError, match="did you mean 'meetings'"):
        grouped_counts(calls(*SAMPLE), [], ["meeting"], function="t")


def test_definitions_default_is_the_vendor_and_custom_reached_counts():
    assert Definitions() == VENDOR
    frame = calls(
        call("human", 3),
        {**call("human", 42), "disposition_name": "Not a Decision Maker"},
        call("human", 10),
    )
    vendor = grouped_counts(frame, [], ["connected"], function="t")
    assert vendor["connected"].item() == 1
    by_name = Definitions(reached={"Not a Decision Maker"})
    assert (
        grouped_counts(frame, [], ["connected"], function="t", definitions=by_name)[
            "connected"
        ].item()
        == 2
    )
    by_id_only = Definitions(reached=[42], reached_below=None)
    assert (
        grouped_counts(frame, [], ["connected"], function="t", definitions=by_id_only)[
            "connected"
        ].item()
        == 1
    )


def test_definitions_conversation_threshold_and_meetings():
    frame = calls(call("human", 3), call("human", 6), call("human", 2))
    # Durations as sent, fractions kept: 59.5 s is short of a conversation.
    frame["duration"] = pd.array([45, 59.5, 60], dtype="Float64")
    assert grouped_counts(frame, [], ["conversations"], function="t")["conversations"].item() == 1
    short = Definitions(conversation_seconds=30, meetings={1, 6})
    out = grouped_counts(frame, [], ["conversations", "meetings"], function="t", definitions=short)
    assert out.iloc[0].to_dict() == {"conversations": 3, "meetings": 1}


@pytest.mark.parametrize(
    ("fields", "parameter"),
    [
        ({"reached_below": "10"}, "reached_below"),
        ({"reached": [1.5]}, "reached"),
        ({"conversation_seconds": -1}, "conversation_seconds"),
        ({"conversation_seconds": float("nan")}, "conversation_seconds"),
        ({"meetings": None}, "meetings"),
    ],
)
def test_bad_definitions_name_the_field(fields, parameter):
    with pytest.raises(InvalidParameterError) as error:
        Definitions(**fields)
    assert error.value.parameter == parameter


def test_definitions_must_be_a_definitions():
    with pytest.raises(InvalidParameterError, match="Definitions") as error:
        grouped_counts(calls(*SAMPLE), [], ["dials"], function="t", definitions={"reached": 1})
    assert error.value.parameter == "definitions"


def test_grouped_counts_checks_column_kinds():
    frame = calls(*SAMPLE).astype({"duration": "string"})
    with pytest.raises(InvalidParameterError, match="'duration' to hold numbers"):
        grouped_counts(frame, [], ["conversations"], function="t")
    assert isinstance(frame, pd.DataFrame)


def test_the_docs_table_is_the_module():
    text = (Path(__file__).parents[2] / "docs" / "metrics.md").read_text()
    text = text.split("## Definitions")[0]  # the counts and rates tables
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        if line.startswith("| `") and cells[0] in COUNTS + RATES:
            rows[cells[0]] = cells
    assert set(rows) == set(COUNTS + RATES)
    for name, cells in rows.items():
        entry = metric(name)
        if entry.is_rate:
            assert cells[1:3] == [entry.numerator, entry.denominator], name
        assert (cells[-1] or None) == entry.vendor_name, name

"""answered_by carries Twilio's answering-machine detection values: every machine_* is a machine,
fax and unknown are neither, and values never seen before are kept."""

from __future__ import annotations

import pandas as pd
import pytest

import dialstats as ds
from dialstats.api._filters import normalize_filters
from dialstats.frame._build import records_to_frame
from dialstats.frame._schema import ANSWERED_BY

TWILIO = (
    "human",
    "machine_start",
    "machine_end_beep",
    "machine_end_silence",
    "machine_end_other",
    "fax",
    "unknown",
)
# who answered -> calls; one a value Twilio may add later
COUNTS = {
    "human": 4,
    "machine_start": 1,
    "machine_end_beep": 3,
    "machine_end_silence": 2,
    "machine_end_other": 1,
    "fax": 2,
    "unknown": 1,
    "machine_end_voicemail_v2": 1,
    None: 5,
}


def frame() -> pd.DataFrame:
    records = []
    for who, n in COUNTS.items():
        for _ in range(n):
            i = len(records)
            answered = who is not None
            records.append(
                {
                    "_id": f"{i:024x}",
                    "outcome": "answered" if answered else "no-answer",
                    "answered_by": who,
                    "duration": 40,
                    "disposition": {"internal_id": 11 if answered and who != "human" else 3},
                    "createdAt": f"2024-03-04T15:{i:02d}:00Z",
                    "started_at": f"2024-03-04T15:{i:02d}:00Z",
                }
            )
    dispositions = [
        {"id": 3, "name": "Answered - Not Interested", "category": "negative"},
        {"id": 11, "name": "Left Voicemail", "category": "not_answered"},
    ]
    return records_to_frame(records, dispositions)


def test_the_category_has_twilios_set_and_keeps_unseen_values():
    df = frame()
    assert ANSWERED_BY == TWILIO
    assert tuple(df["answered_by"].cat.categories[: len(TWILIO)]) == TWILIO
    assert "machine_end_voicemail_v2" in df["answered_by"].cat.categories
    counts = df["answered_by"].value_counts(dropna=False)
    for who, n in COUNTS.items():
        assert (counts[who] if who is not None else df["answered_by"].isna().sum()) == n


def test_machine_counts_include_every_machine_value():
    df = frame()
    flags = ds.flags(df)
    assert int(flags["is_machine"].sum()) == 1 + 3 + 2 + 1 + 1  # every machine_*
    assert int(flags["is_human"].sum()) == 4
    row = ds.machine_detection(df).iloc[0]
    assert (row.answered, row.human, row.machine, row.fax, row.unknown) == (15, 4, 8, 2, 1)
    assert row.machine_rate == pytest.approx(8 / 15)
    rates = ds.answer_rates(df).iloc[0]
    assert rates.human_rate == pytest.approx(4 / 20)


def test_matrix_shows_fax_unknown_and_new_values_as_their_own_rows(demo):
    matrix = ds.machine_detection_matrix(demo.head(0))
    assert matrix.index.tolist() == ["human", "machine_start"]  # fixed shape when empty
    matrix = ds.machine_detection_matrix(frame())
    assert matrix.index.tolist() == [*TWILIO, "machine_end_voicemail_v2"]
    assert matrix.loc["machine_end_beep", "not_answered"] == 3
    assert matrix.loc["fax", "not_answered"] == 2
    assert int(matrix.to_numpy().sum()) == 15


def test_the_funnel_and_grouped_rates_list_every_answerer():
    df = frame()
    funnel = ds.disposition_funnel(df, stages={"dials": lambda d: d["id"].notna().to_numpy(),
                                               "machine": "is_machine"})  # fmt: skip
    assert funnel["count"].tolist() == [20, 8]
    by = ds.answer_rates(df, by="answered_by")
    listed = by["answered_by"].tolist()
    assert listed[: len(TWILIO)] == list(TWILIO) and "machine_end_voicemail_v2" in listed


@pytest.mark.parametrize("value", TWILIO)
def test_the_reader_filter_accepts_every_twilio_value(value):
    assert normalize_filters({"answered_by": value})["answered_by"] == value


def test_the_reader_filter_rejects_others_naming_the_choices():
    with pytest.raises(ds.errors.InvalidParameterError, match="machine_end_beep") as caught:
        normalize_filters({"answered_by": "robot"})
    assert caught.value.parameter == "answered_by"

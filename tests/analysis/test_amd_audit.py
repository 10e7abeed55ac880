"""The AMD audit: error-rate lower bounds from the evidence, proven on data with known truth."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialstats as ds
from dialstats.frame._build import records_to_frame
from dialstats.sandbox import _generate
from test_analysis_core import SAMPLE, call, calls

RATES = [
    "false_positive_rate",
    "false_negative_rate",
    "false_discovery_rate",
    "false_omission_rate",
]


def answered(label, disposition, duration, **fields):
    """An answered call that AMD labelled `label`."""
    return {**call("human", disposition, duration, **fields), "answered_by": label}


def audit(df: pd.DataFrame, **kwargs) -> pd.DataFrame:
    return ds.amd_audit(df, **kwargs).set_index("rate")


def test_each_rule_on_hand_built_calls():
    df = calls(
        call("machine_start", 3, 50),  # person: reached disposition
        answered("machine_end_beep", None, 90),  # person: no disposition, long
        call("machine_start", None, 20),  # nothing known
        {**call("machine_start", 12, 80), "transcription": "Rep: Hi Sam\nProspect: Who is this?"},
        call("machine_start", 11, 40),  # a machine, rightly labelled
        call("human", 11, 40),  # machine: voicemail left
        call("human", 10, 12),  # machine: short No Answer
        call("human", 10, 300),  # a long No Answer: not evidence
        {**call("human", 12, 30), "transcription": "Please leave a message after the tone."},
        call("human", 3, 60),
        call("human", 6, 70),
        answered("fax", 3, 20),  # fax, yet a person
        answered("unknown", 11, 30),  # unknown, yet a voicemail
        {**call("machine_start", 3, 50), "transcription": "Leave a message after the beep."},
    )
    evidence = ds.amd_evidence(df)
    assert list(evidence.person.astype(object).fillna("-")) == [
        *("disposition", "duration", "-", "transcript", "-", "-", "-", "-", "-"),
        *("disposition", "disposition", "disposition", "-", "-"),
    ]
    assert list(evidence.machine.astype(object).fillna("-")) == [
        *("-", "-", "-", "-", "voicemail", "voicemail", "short_no_answer", "-", "transcript"),
        *("-", "-", "-", "voicemail", "-"),
    ]
    assert evidence.conflicting.tolist() == [False] * 13 + [True]
    out = audit(df)
    fp = out.loc["false_positive_rate"]
    # machine labels: 7 (the conflicting one counts as neither); 3 with evidence of a person;
    # human labels: 6, 3 with evidence of a machine -> persons at most 3 + 6 - 3.
    assert (fp.numerator, fp.denominator) == (3, 6)
    assert fp.evidence == "disposition 1, transcript 1, duration 1"
    fn = out.loc["false_negative_rate"]
    assert (fn.numerator, fn.denominator) == (3, 3 + 6 - 3)
    assert fn.evidence == "voicemail 1, transcript 1, short_no_answer 1"
    assert (
        out.loc["false_discovery_rate", "denominator"],
        out.loc["false_omission_rate", "denominator"],
    ) == (6, 6)
    assert out.loc["fax_person_share", "numerator"] == 1
    assert out.loc["unknown_machine_share", "numerator"] == 1
    assert set(out.bound) == {"lower"}
    low, high = ds.wilson_interval(3, 6)
    assert fp.value == 0.5 and np.isclose(fp.value_low, low) and np.isclose(fp.value_high, high)


def test_machine_detection_carries_the_audit_columns():
    df = calls(*SAMPLE)
    row = ds.machine_detection(df).iloc[0]
    tidy = audit(df)
    assert row.amd_false_positive == tidy.loc["false_positive_rate", "numerator"] == 1
    # The human-labelled voicemail of call 6 is found; No Answer ones now count too.
    assert row.amd_false_negative == tidy.loc["false_negative_rate", "numerator"] == 1
    for rate in RATES:
        assert row[f"amd_{rate}"] == tidy.loc[rate, "value"]
        assert row[f"amd_{rate}_low"] == tidy.loc[rate, "value_low"]
    # The old columns keep their meaning.
    assert row.amd_suspected_false_positive_rate == 0.5


def test_human_labelled_no_answer_is_no_longer_ignored():
    df = calls(call("human", 10, 20), call("human", 3, 50), call("machine_start", 11, 30))
    row = ds.machine_detection(df).iloc[0]
    assert row.amd_suspected_false_negative == 0  # the old count misses it
    assert row.amd_false_negative == 1
    assert row.amd_false_negative_rate == 1 / 2  # 1 / (1 + 1 machine label - 0)


def test_grouped_empty_one_row_and_missing_columns():
    df = calls(*SAMPLE)
    by_rep = ds.amd_audit(df, by="user_name")
    assert list(by_rep.columns[:2]) == ["user_name", "rate"]
    assert len(by_rep) == 2 * 8
    empty = ds.amd_audit(df.iloc[:0])
    assert len(empty) == 8 and (empty.numerator == 0).all() and empty.value.isna().all()
    one = ds.amd_audit(df.iloc[[6]]).set_index("rate")
    assert one.loc["false_discovery_rate", "value"] == 1.0
    with pytest.raises(ds.MissingColumnError, match="duration"):
        ds.amd_audit(df.drop(columns="duration"))
    assert ds.amd_audit(df.drop(columns="transcription")).shape == (8, 8)
    with pytest.raises(ds.MissingColumnError, match="'rep'"):
        ds.amd_audit(df, by="rep")


def simulated(rng: np.random.Generator, rows: int, fm: float, fh: float, complete: float):
    """Calls with a known truth: AMD labels machine/human, wrong at rates fm (a person labelled
    machine) and fh (a machine labelled human); each call's evidence recorded with probability
    `complete`, and never wrong."""
    machine_label = rng.random(rows) < 0.5
    person = np.where(machine_label, rng.random(rows) < fm, rng.random(rows) >= fh)
    shown = rng.random(rows) < complete
    disposition = np.where(
        person, np.where(shown, 3, 12), np.where(shown, rng.choice([10, 11], rows), 12)
    )
    duration = np.where(person, 40.0, 20.5)
    df = calls(
        *(
            call("machine_start" if m else "human", int(d), float(s))
            for m, d, s in zip(machine_label, disposition, duration, strict=True)
        )
    )
    fp = int((machine_label & person).sum())
    fn = int((~machine_label & ~person).sum())
    truth = {
        "false_positive_rate": fp / max(int(person.sum()), 1),
        "false_negative_rate": fn / max(int((~person).sum()), 1),
        "false_discovery_rate": fp / max(int(machine_label.sum()), 1),
        "false_omission_rate": fn / max(int((~machine_label).sum()), 1),
    }
    return df, truth


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 80),
    fm=st.floats(0, 1),
    fh=st.floats(0, 1),
    complete=st.floats(0, 1),
)
def test_estimates_are_lower_bounds_and_exact_with_complete_evidence(seed, rows, fm, fh, complete):
    df, truth = simulated(np.random.default_rng(seed), rows, fm, fh, complete)
    out = audit(df)
    for rate, true in truth.items():
        value = out.loc[rate, "value"]
        if pd.notna(value):
            assert value <= true + 1e-12
    full, truth = simulated(np.random.default_rng(seed), rows, fm, fh, 1.0)
    out = audit(full)
    for rate, true in truth.items():
        if out.loc[rate, "denominator"]:
            assert np.isclose(out.loc[rate, "value"], true)


def generated(seed: int, **knobs) -> tuple[pd.DataFrame, dict]:
    knobs = dataclasses.replace(_generate.KNOBS, **knobs)
    data = _generate.generate(seed=seed, n_calls=6000, days=28, knobs=knobs)
    return records_to_frame(data.calls, data.dispositions), data.truth


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_amd_error_rates_inside_the_intervals(seed):
    df, truth = generated(seed, amd_false_machine=0.12, amd_false_human=0.07)
    # The generator's rates: a machine label is a person with probability amd_false_machine,
    # a human label a machine with probability amd_false_human.
    fm, fh = truth["amd_false_machine"], truth["amd_false_human"]
    assert (fm, fh) == (0.12, 0.07)
    out = audit(df, confidence=0.99)
    machines = out.loc["false_discovery_rate", "denominator"]
    humans = out.loc["false_omission_rate", "denominator"]
    persons = fm * machines + (1 - fh) * humans
    expected = {
        "false_discovery_rate": fm,
        "false_omission_rate": fh,
        "false_positive_rate": fm * machines / persons,
        "false_negative_rate": fh * humans / (fh * humans + (1 - fm) * machines),
    }
    for rate, true in expected.items():
        row = out.loc[rate]
        assert row.value_low <= true <= row.value_high, (rate, true, row.to_dict())


def test_no_planted_errors_gives_bounds_near_zero():
    df, _ = generated(4, amd_false_machine=0.0, amd_false_human=0.0)
    out = audit(df)
    assert (out.loc[RATES, "value_low"] < 0.005).all()
    assert out.loc["false_omission_rate", "numerator"] == 0

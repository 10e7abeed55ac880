"""The contact-attempt analyses find what the demo generator plants (several seeds)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dialstats as ds
from dialstats.frame._build import records_to_frame
from dialstats.sandbox._generate import Knobs, generate

SEEDS = (1, 2, 3, 4)
# No fax lines and no "unknown" AMD verdicts on people: then a person picks up exactly when the
# call is labelled human, and the planted per-attempt pick-up chance is the human rate's truth.
DIRECT = {"fax_line": 0.0, "amd_unknown_human": 0.0}


def planted(seed: int, **knobs: object) -> tuple[object, object]:
    dataset = generate(seed=seed, n_calls=12_000, knobs=Knobs(**DIRECT, **knobs))
    df = records_to_frame(dataset.calls, dataset.dispositions)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds.attempt_curve(df.dropna(subset=["contact_id"]))  # only those calls are left out
    return df.dropna(subset=["contact_id"]), dataset.truth


@pytest.fixture(scope="module")
def datasets():
    return [planted(seed) for seed in SEEDS]


def test_attempt_curve_rates_cover_the_planted_pickup(datasets):
    inside, total = 0, 0
    for df, truth in datasets:
        curve = ds.attempt_curve(df, metric="human_rate", max_attempt=10)
        truth_p = np.array(truth["attempt_human_pickup"], dtype=float)
        # The attempt numbers are the generator's: the same dials at each.
        assert curve["dials"].iloc[:10].tolist() == truth["attempt_dials"][:10]
        low = curve["human_rate_low"].to_numpy(float)[:10]
        high = curve["human_rate_high"].to_numpy(float)[:10]
        inside += ((low <= truth_p) & (truth_p <= high)).sum()
        total += len(truth_p)
        # The planted rise over the first attempts shows.
        assert curve["human_rate"].iloc[3] > curve["human_rate"].iloc[0]
    # 95% intervals: about 2 of 40 may miss; more than 6 would be off (binomial p < 0.02).
    assert total - inside <= 6, f"{total - inside} of {total} intervals missed the planted rate"


def test_double_dial_lift_inside_the_interval(datasets):
    for df, truth in datasets:
        row = ds.double_dial(df).set_index("metric").loc["human_rate"]
        # Adjusted for the caller number and the hour (a no-answer is likelier from a labelled
        # number at a bad hour, and the immediate redial shares both).
        assert row["adjusted_ratio_low"] <= truth["double_dial_lift"] <= row["adjusted_ratio_high"]
        assert row["adjusted_p_value"] < 0.01


def test_no_double_dial_effect_when_none_is_planted():
    for seed in SEEDS[:3]:
        df, _ = planted(seed, double_dial_lift=1.0)
        row = ds.double_dial(df).set_index("metric").loc["human_rate"]
        assert row["adjusted_ratio_low"] <= 1.0 <= row["adjusted_ratio_high"]

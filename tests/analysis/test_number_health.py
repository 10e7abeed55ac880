"""Caller-ID health and local presence, proven on simulated calls with known truth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.ticker import PercentFormatter

import dialstats as ds
from dialstats.analysis._local import locality
from dialstats.errors import InvalidParameterError
from dialstats.frame._schema import call_log_dtypes

DTYPES = call_log_dtypes()
START = pd.Timestamp("2026-01-05", tz="UTC")


def calls(
    seed: int,
    numbers: int = 30,
    days: int = 90,
    per_day: int = 20,
    base: float = 0.35,
    burned: tuple[int, ...] = (),
    burn_day: int = 49,
    factor: float = 0.5,
    team_dip: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """`per_day` dials a day from each of `numbers` caller numbers; the `burned` ones answer
    `factor` times as often from `burn_day` on; `team_dip` days answer 0.6x for everyone."""
    rng = np.random.default_rng(seed)
    day = np.repeat(np.arange(days), per_day * numbers)
    number = np.tile(np.repeat(np.arange(numbers), per_day), days)
    p = np.full(len(day), base)
    if team_dip is not None:
        p = np.where((day >= team_dip[0]) & (day < team_dip[1]), p * 0.6, p)
    for b in burned:
        p = np.where((number == b) & (day >= burn_day), p * factor, p)
    answered = rng.random(len(day)) < p
    seconds = rng.integers(13 * 3600, 22 * 3600, len(day))
    started = START + pd.to_timedelta(day, "D") + pd.to_timedelta(seconds, "s")
    return pd.DataFrame(
        {
            "from_e164": pd.array(np.array(caller(np.arange(numbers)))[number], dtype="string"),
            "started_at": started,
            "outcome": pd.Categorical(
                np.where(answered, "answered", "no-answer"), dtype=DTYPES["outcome"]
            ),
            "duration": pd.array(np.where(answered, rng.exponential(60, len(day)), 0.0)),
            "direction": pd.Categorical(["outbound"] * len(day), dtype=DTYPES["direction"]),
        }
    )


def caller(index: np.ndarray) -> list[str]:
    return [f"+1212555{1000 + i:04d}" for i in index]


def local_calls(
    seed: int,
    rows: int = 20_000,
    lift: float = 1.3,
    base: tuple[float, ...] = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45),
    local_share: tuple[float, ...] = (0.1, 0.2, 0.4, 0.5, 0.7, 0.9),
    unknown: float = 0.01,
) -> pd.DataFrame:
    """Lists whose answer rates rise with the share of their dials placed from local numbers
    (the confounding), local dials answered `lift` times as often within every list."""
    rng = np.random.default_rng(seed)
    lists = rng.integers(0, len(base), rows)
    local = rng.random(rows) < np.asarray(local_share)[lists]
    answered = rng.random(rows) < np.asarray(base)[lists] * np.where(local, lift, 1.0)
    to_area = rng.choice(np.array(["212", "312", "415"]), rows)
    elsewhere = {"212": "646", "312": "773", "415": "510"}
    from_area = np.where(local, to_area, [elsewhere[a] for a in to_area])
    to = np.char.add(np.char.add("+1", to_area), "5550100")
    from_ = np.char.add(np.char.add("+1", from_area), "5550199").astype(object)
    from_[rng.random(rows) < unknown] = None
    return pd.DataFrame(
        {
            "from_e164": pd.array(from_, dtype="string"),
            "to_e164": pd.array(to, dtype="string"),
            "outcome": pd.Categorical(
                np.where(answered, "answered", "no-answer"), dtype=DTYPES["outcome"]
            ),
            "direction": pd.Categorical(["outbound"] * rows, dtype=DTYPES["direction"]),
            "contact_list_name": pd.array(np.char.add("List ", lists.astype(str)), dtype="string"),
        }
    )


# -- number_health -------------------------------------------------------------------------


def test_two_burned_numbers_are_flagged_from_the_planted_date():
    for seed in range(3):
        result = ds.number_health(calls(seed, burned=(3, 7)))
        flagged = result[result["flagged"].fillna(False)]
        assert sorted(flagged["from_e164"]) == caller([3, 7])
        burn = START + pd.Timedelta(days=49)
        assert (abs(flagged["flagged_since"] - burn) <= pd.Timedelta(days=5)).all()
        # Relative to the rest of the team, whose rate the other burned number pulls down.
        relative = 0.5 / ((28 + 0.5) / 29)
        assert (flagged["drop_low"] <= relative).all() and (flagged["drop_high"] >= relative).all()
        assert (flagged["answer_rate_after"] < flagged["answer_rate_before"]).all()


def test_clean_numbers_are_flagged_at_most_at_the_stated_rate():
    # Holm keeps the chance of any false flag among the numbers at alpha.
    runs = 60
    any_flag = sum(
        bool(ds.number_health(calls(100 + seed, per_day=8)).flagged.any()) for seed in range(runs)
    )
    assert any_flag / runs <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / runs)


def test_a_team_wide_dip_flags_no_number():
    for seed in range(3):
        result = ds.number_health(calls(200 + seed, team_dip=(40, 60)))
        assert not result["flagged"].any()
        assert result.attrs["dispersion"] < 1.3


def test_number_health_columns_and_counts():
    df = calls(1, numbers=3, days=10, per_day=10)
    df.loc[:9, "direction"] = "inbound"
    df.loc[10:14, "from_e164"] = pd.NA
    result = df.calls.number_health(min_dials=50)
    assert result.attrs["inbound"] == 10 and result.attrs["unknown_number"] == 5
    assert result["dials"].sum() == len(df) - 15
    assert list(result.columns[:6]) == [
        "from_e164",
        "dials",
        "answered",
        "answer_rate",
        "answer_rate_low",
        "answer_rate_high",
    ]
    assert (result["peak_calls_per_hour"] >= 1).all()
    row = result.iloc[0]
    assert row["answer_rate_low"] <= row["answer_rate"] <= row["answer_rate_high"]


def test_short_call_share_is_of_answered_calls():
    df = calls(2, numbers=1, days=2, per_day=4)
    df["outcome"] = pd.Categorical(["answered"] * 4 + ["no-answer"] * 4, dtype=DTYPES["outcome"])
    df["duration"] = pd.array([5.0, 9.99, 10.0, 30.0, 0, 0, 0, 0], dtype="Float64")
    result = ds.number_health(df)
    assert result.loc[0, "short_call_share"] == 0.5


def test_number_health_empty_one_row_and_untested_numbers():
    empty = ds.number_health(calls(0).iloc[:0])
    assert empty.empty and "flagged" in empty.columns
    one = ds.number_health(calls(0).iloc[:1])
    assert len(one) == 1 and pd.isna(one.loc[0, "p_value"]) and pd.isna(one.loc[0, "flagged"])


def test_number_health_bad_input():
    df = calls(0, numbers=2, days=3)
    with pytest.raises(ds.MissingColumnError) as error:
        ds.number_health(df.drop(columns="from_e164"))
    assert error.value.column == "from_e164"
    with pytest.raises(InvalidParameterError, match="did you mean 'holm'"):
        ds.number_health(df, method="hlm")
    with pytest.raises(InvalidParameterError, match="confidence"):
        ds.number_health(df, confidence=5)
    with pytest.raises(InvalidParameterError, match="min_dials"):
        ds.number_health(df, min_dials=0)


# -- local_presence ------------------------------------------------------------------------


def test_locality_area_codes_regions_and_unknown():
    frame = pd.DataFrame(
        {
            "from_e164": ["+12125550100", "+13125550100", "+442079460000", "+12125550100", None],
            "to_e164": ["+12125550199", "+12125550199", "+441614960000", "+442079460000", "+1212"],
        },
        dtype="string",
    )
    assert locality(frame).tolist() == [True, False, True, False, pd.NA]


def test_planted_local_lift_is_inside_the_adjusted_interval():
    result = ds.local_presence(local_calls(1))
    effect = result.iloc[1]
    assert effect["adjusted_ratio_low"] <= 1.3 <= effect["adjusted_ratio_high"]
    assert effect["adjusted_p_value"] < 0.001
    assert result.attrs["unknown_local"] > 0
    assert result["dials"].sum() + result.attrs["unknown_local"] == 20_000
    covered = 0
    for seed in range(40):
        effect = ds.local_presence(local_calls(10 + seed, rows=5_000)).iloc[1]
        covered += effect["adjusted_ratio_low"] <= 1.3 <= effect["adjusted_ratio_high"]
    assert covered / 40 >= 0.95 - 2 * np.sqrt(0.05 * 0.95 / 40)


def test_list_mix_does_not_fake_an_effect():
    # Lists dialled mostly locally answer more: the crude comparison sees a lift that is not there.
    rejected = 0
    runs = 40
    for seed in range(runs):
        effect = ds.local_presence(local_calls(500 + seed, rows=5_000, lift=1.0)).iloc[1]
        assert effect["ratio_low"] > 1  # the confounded crude ratio
        rejected += effect["adjusted_p_value"] < 0.05
    assert rejected / runs <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / runs)


def test_no_effect_reported_without_confounding_or_lift():
    runs, crude, adjusted = 40, 0, 0
    for seed in range(runs):
        df = local_calls(900 + seed, rows=5_000, lift=1.0, local_share=(0.5,) * 6)
        effect = ds.local_presence(df).iloc[1]
        crude += not effect["ratio_low"] <= 1 <= effect["ratio_high"]
        adjusted += not effect["adjusted_ratio_low"] <= 1 <= effect["adjusted_ratio_high"]
    limit = 0.05 + 2 * np.sqrt(0.05 * 0.95 / runs)
    assert crude / runs <= limit and adjusted / runs <= limit


def test_local_presence_without_adjustment_and_other_metric():
    df = local_calls(3, rows=2_000)
    unadjusted = df.calls.local_presence(adjust_for=None)
    assert pd.isna(unadjusted.loc[1, "adjusted_ratio"]) and pd.notna(unadjusted.loc[1, "ratio"])
    assert unadjusted["local"].tolist() == [False, True]


def test_local_presence_empty_one_row_and_bad_input():
    df = local_calls(0, rows=100)
    empty = ds.local_presence(df.iloc[:0])
    assert empty["dials"].tolist() == [0, 0] and pd.isna(empty.loc[1, "p_value"])
    one = ds.local_presence(df.iloc[:1])
    assert one["dials"].sum() == 1 - one.attrs["unknown_local"]
    with pytest.raises(ds.MissingColumnError):
        ds.local_presence(df.drop(columns="to_e164"))
    with pytest.raises(ds.MissingColumnError):
        ds.local_presence(df.drop(columns="contact_list_name"))
    with pytest.raises(InvalidParameterError, match="did you mean 'answer_rate'"):
        ds.local_presence(df, metric="answer_rat")
    with pytest.raises(InvalidParameterError, match="count"):
        ds.local_presence(df, metric="dials")


# -- charts --------------------------------------------------------------------------------


def test_number_health_chart_marks_the_flagged_numbers():
    df = calls(1, burned=(3, 7))
    ax = df.calls.plot.number_health()
    assert "2 of 30 flagged" in ax.get_title()
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    labels = [line.get_label() for line in ax.get_lines()]
    assert set(caller([3, 7])) <= set(labels) and "Other numbers" in labels
    empty = ds.plot.number_health(df.iloc[:0])
    assert empty.get_title()


def test_local_presence_chart():
    df = local_calls(1, rows=3_000)
    ax = ds.plot.local_presence(ds.local_presence(df))
    assert "adjusted for list" in ax.get_title()
    assert isinstance(ax.xaxis.get_major_formatter(), PercentFormatter)
    assert df.calls.plot.local_presence(adjust_for=None).get_title().endswith("unadjusted")
    assert "local" in ds.plot.local_presence(df.iloc[:0]).get_title()

"""Slips in the analyses' arguments are refused with the value that was meant."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError


@pytest.fixture(scope="module")
def calls(demo):
    return demo.head(400)


@pytest.mark.parametrize("level,meant", [(95, "0.95"), (99.5, "0.995"), (80, "0.8")])
def test_a_percentage_for_confidence_names_the_fraction(calls, level, meant):
    with pytest.raises(InvalidParameterError, match=rf"got {level} \(did you mean {meant}\?\)"):
        ds.answer_rates(calls, confidence=level)
    with pytest.raises(InvalidParameterError) as refused:
        ds.answer_rates(calls, confidence=1.5)
    assert "did you mean" not in str(refused.value)  # 1.5 is no percentage


@pytest.mark.parametrize(
    "freq,meant",
    [("M", "'ME' (month end) or 'MS' (month start)"), ("2Y", "'YE' or 'YS'"), ("H", "'h'")],
)
def test_an_alias_pandas_retired_names_its_successor(calls, freq, meant):
    with pytest.raises(InvalidParameterError, match="no longer takes") as refused:
        ds.answer_rates(calls, freq=freq)
    assert refused.value.parameter == "freq" and meant in str(refused.value)


@pytest.mark.parametrize("engine", ["pandas", "polars"])
@pytest.mark.parametrize("slip", ["hours", "Hour", ["from_e164", "HOURS"]])
def test_adjusting_for_hours_means_the_hour_of_day(calls, engine, slip):
    frame = calls if engine == "pandas" else pl.from_pandas(calls)
    with pytest.raises(InvalidParameterError, match=r"did you mean 'hour'\?") as refused:
        ds.double_dial(frame, adjust_for=slip)
    assert refused.value.parameter == "adjust_for"


@pytest.mark.parametrize(
    "analysis", [ds.activity, ds.sdr_performance, ds.overview, ds.best_time_to_call]
)
def test_an_abbreviated_zone_is_refused_with_the_zone_it_means(calls, analysis):
    # "EST" is also IANA's fixed UTC-05:00, which a team saying "9 am EST" in July never means.
    for slip, meant in [("EST", "America/New_York"), ("PT", "America/Los_Angeles")]:
        with pytest.raises(InvalidParameterError, match=f"did you mean '{meant}'") as refused:
            analysis(calls, tz=slip)
        assert refused.value.parameter == "tz"
    with pytest.raises(InvalidParameterError, match="did you mean 'America/New_York'"):
        analysis(calls, tz="America/New_Yrok")


def test_an_iana_name_in_another_case_is_that_zone(calls):
    assert ds.sdr_performance(calls, tz="utc").equals(ds.sdr_performance(calls, tz="UTC"))
    assert ds.overview(calls, tz="europe/paris").equals(ds.overview(calls, tz="Europe/Paris"))


@pytest.mark.parametrize("engine", ["pandas", "polars"])
def test_an_overview_ending_in_an_iso_week_runs_through_its_sunday(demo, engine):
    frame = demo if engine == "pandas" else pl.from_pandas(demo)
    week = ds.overview(frame, start_date="2026-10-19", end_date="2026-W43")
    days = ds.overview(frame, start_date="2026-10-19", end_date="2026-10-25")
    assert week.equals(days) and week.loc["total_calls", "value"] > 0
    day = ds.overview(frame, start_date="2026-10-19", end_date=np.datetime64("2026-10-25"))
    assert day.equals(days)


def test_best_time_to_call_names_its_own_choices(calls):
    with pytest.raises(InvalidParameterError, match=r"did you mean 'contact'\?"):
        ds.best_time_to_call(calls, tz="Contact")
    with pytest.raises(InvalidParameterError, match="wide must be True or False; got 'False'"):
        ds.best_time_to_call(calls, wide="False")
    tidy = ds.best_time_to_call(calls, tz="utc", wide=False)
    assert tidy.attrs["tz"] == "UTC" and "weekday" in tidy.columns

"""Slips in the analyses' arguments are refused with the value that was meant."""

from __future__ import annotations

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

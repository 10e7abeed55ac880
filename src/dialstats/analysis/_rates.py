"""Counts per group -> rates with Wilson intervals: the helper every rate table uses."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dialstats.analysis._intervals import rate_columns

# rate column -> (numerator column, denominator column)
RateSpec = Mapping[str, tuple[str, str]]


def with_rates(counts: pd.DataFrame, rates: RateSpec, confidence: float) -> pd.DataFrame:
    """`counts` plus, per rate, Float64 columns `<rate>`, `<rate>_low`, `<rate>_high`.

    A group whose denominator is 0 gets NA in all three: no calls, no rate. The result's
    `attrs["confidence"]` records the level, so charts label the intervals with it.
    """
    out = counts.copy()
    out.attrs["confidence"] = confidence
    for rate, (numerator, denominator) in rates.items():
        value, low, high = rate_columns(out[numerator], out[denominator], confidence)
        out[rate], out[f"{rate}_low"], out[f"{rate}_high"] = value, low, high
    return out

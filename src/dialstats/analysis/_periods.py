"""Time periods as a group key: every period in the range is a row, even with no calls."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from dialstats.errors import InvalidParameterError

PERIOD = "period"


def check_freq(freq: object) -> pd.DateOffset:
    try:
        return to_offset(freq)
    except (TypeError, ValueError) as error:
        raise InvalidParameterError(
            "freq",
            f"freq must be a pandas offset alias such as 'D', 'W', 'MS', 'ME' or 'h'; "
            f"got {freq!r} ({error})",
        ) from None


def period_key(times: pd.Series, freq: object) -> pd.Series:
    """The period of `freq` each time falls in, as a categorical of every period in the range.

    Periods are the bins `df.resample(freq)` would use (same anchors, closed side and labels);
    a missing time has a missing period.
    """
    offset = check_freq(freq)
    if not pd.api.types.is_datetime64_any_dtype(times.dtype):
        raise InvalidParameterError(
            "freq", f"freq needs {times.name!r} to hold datetimes, not {times.dtype}"
        )
    stamps = pd.DatetimeIndex(times)
    first, last = stamps.min(), stamps.max()
    if pd.isna(first):
        labels = pd.DatetimeIndex([], dtype=stamps.dtype)
    else:
        labels = pd.Series(0, index=pd.DatetimeIndex([first, last])).resample(offset).size().index
    labels = labels.as_unit(stamps.unit)
    if pd.Grouper(freq=offset).closed == "right":
        # Week/month/quarter/year-end bins run to the end of their label's day, as in pandas:
        # a time belongs to the first label whose next midnight is after it.
        midnights = (labels.tz_localize(None) + pd.Timedelta(days=1)).tz_localize(labels.tz)
        position = _edges_at_or_before(midnights.asi8, stamps.asi8)
    else:
        position = _edges_at_or_before(labels.asi8, stamps.asi8) - 1
    codes = np.where(stamps.isna(), -1, position)
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels), index=times.index)


def _edges_at_or_before(edges: np.ndarray, times: np.ndarray) -> np.ndarray:
    """How many of the sorted `edges` are <= each time (what `np.searchsorted(side="right")`
    gives), by arithmetic when the edges are evenly spaced (days, hours, weeks in UTC)."""
    steps = np.diff(edges)
    if len(steps) and (steps == steps[0]).all():
        with np.errstate(over="ignore"):  # NaT rows wrap around; the caller masks them
            return np.clip((times - edges[0]) // steps[0] + 1, 0, len(edges))
    return np.searchsorted(edges, times, side="right")

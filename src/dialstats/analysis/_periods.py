"""Time periods as a group key: every period in the range is a row, even with no calls.

Periods are those of the frame's own zone (naive times are UTC, like the API's), whatever the
unit of the timestamps (s, ms, us, ns) or the dtype backend. A local midnight that does not
exist (America/Havana springs forward at 00:00) starts its day at the first instant after the
gap; an ambiguous one (falling back at 01:00 to 00:00) at its first occurrence.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from dialstats.errors import InvalidParameterError

PERIOD = "period"
# A table of more periods than this is a mistake (freq="1ns" over a month is 2.6e15 rows).
MAX_PERIODS = 100_000
_EXAMPLES = "such as 'D', 'W', 'MS', 'ME' or 'h'"
# Spelled-out periods -> the pandas alias (months and quarters by their start).
_ALIASES = {
    "minute": "min",
    "min": "min",
    "hour": "h",
    "hr": "h",
    "day": "D",
    "week": "W",
    "wk": "W",
    "month": "MS",
    "mo": "MS",
    "quarter": "QS",
    "year": "YS",
    "annual": "YS",
    "yr": "YS",
}


def check_freq(freq: object) -> pd.DateOffset:
    """`freq` as a pandas offset of at least one period forwards."""
    if isinstance(freq, bool) or not isinstance(freq, str | pd.DateOffset | dt.timedelta):
        raise InvalidParameterError(
            "freq", f"freq must be a pandas offset alias {_EXAMPLES}; got {freq!r}"
        )
    try:
        offset = to_offset(freq)
    except (TypeError, ValueError):
        # pandas' own message repeats the value three times; one line says it all.
        raise InvalidParameterError(
            "freq",
            f"freq must be a pandas offset alias {_EXAMPLES}; got {freq!r}{_alias_hint(freq)}",
        ) from None
    if offset.n < 1:
        raise InvalidParameterError(
            "freq", f"freq must step forwards by at least one period (e.g. 'W', '2W'); got {freq!r}"
        )
    return offset


# Aliases older pandas took and pandas 3 refuses (with any multiple: "2M") -> the ones it takes.
_RETIRED = {
    "M": "'ME' (month end) or 'MS' (month start)",
    "BM": "'BME' or 'BMS'",
    "Q": "'QE' or 'QS'",
    "Y": "'YE' or 'YS'",
    "A": "'YE' or 'YS'",
    "H": "'h'",
    "BH": "'bh'",
    "T": "'min'",
    "S": "'s'",
    "L": "'ms'",
    "U": "'us'",
    "N": "'ns'",
}


def _alias_hint(freq: object) -> str:
    """`` (did you mean 'W'?)`` for a spelled-out period such as "week" or "Monthly", or an
    alias pandas has retired, such as "M"."""
    text = str(freq).strip()
    retired = _RETIRED.get(text.lstrip("0123456789"))
    if retired:
        return f" ({text!r} is an alias pandas no longer takes; did you mean {retired}?)"
    word = text.lower().removesuffix("ly").removesuffix("s")
    word = {"dai": "day"}.get(word, word)  # "daily"
    alias = _ALIASES.get(word)
    return f" (did you mean {alias!r}?)" if alias else ""


def check_span(
    first: pd.Timestamp, last: pd.Timestamp, offset: pd.DateOffset, freq: object
) -> None:
    """Refuse before any work a range that would take more than MAX_PERIODS periods."""
    # One period near the start, on the wall clock (months vary, so roughly; a wall clock has no
    # ambiguous midnights to trip on).
    first, last = first.tz_localize(None), last.tz_localize(None)
    step = (first + offset) - first
    if step <= pd.Timedelta(0):
        raise InvalidParameterError("freq", f"freq {freq!r} does not move time forwards")
    periods = (last - first) / step
    if periods > MAX_PERIODS:
        raise InvalidParameterError(
            "freq",
            f"freq={freq!r} cuts {first} .. {last} into about {periods:,.0f} periods (at most "
            f"{MAX_PERIODS:,}); use a coarser one {_EXAMPLES}",
        )


def period_key(times: pd.Series, freq: object) -> pd.Series:
    """The period of `freq` each time falls in, as a categorical of every period in the range.

    Periods are the bins `df.resample(freq)` would use (same anchors, closed side and labels).
    Calendar periods (days and longer) are cut on the local wall clock, so a day is a local date
    whatever its length; shorter ones (hours, minutes) are fixed lengths of time. A missing time
    has a missing period.
    """
    offset = check_freq(freq)
    if not pd.api.types.is_datetime64_any_dtype(times.dtype):
        raise InvalidParameterError(
            "freq", f"freq needs {times.name!r} to hold datetimes, not {times.dtype}"
        )
    stamps = pd.DatetimeIndex(times)
    calendar = not isinstance(offset, Tick)
    # Calendar bins on the wall clock (no DST gaps or repeats to trip on), then each label
    # back in the zone; fixed-length bins on the instants themselves.
    clock = stamps.tz_localize(None) if calendar and stamps.tz is not None else stamps
    first, last = clock.min(), clock.max()
    if pd.isna(first):
        labels = pd.DatetimeIndex([], dtype=clock.dtype)
    else:
        check_span(first, last, offset, freq)
        origin: object = "start_day"
        if not calendar and clock.tz is not None:
            # Fixed bins start at the first day's midnight, which some zones skip (Havana
            # springs forward at 00:00, and pandas then raises): start them at that day's
            # first instant instead, which is its midnight everywhere else.
            day = first.tz_localize(None).normalize()
            origin = day.tz_localize(clock.tz, nonexistent="shift_forward", ambiguous=True)
        span = pd.Series(0, index=pd.DatetimeIndex([first, last]))
        labels = span.resample(offset, origin=origin).size().index
    # Every edge in the stamps' own unit: integers of different units do not compare.
    labels = labels.as_unit(clock.unit)
    if pd.Grouper(freq=offset).closed == "right":
        # Week/month/quarter/year-end bins run to the end of their label's day, as in pandas:
        # a time belongs to the first label whose next midnight is after it.
        edges = _next_midnights(labels).as_unit(clock.unit).asi8
        position = _edges_at_or_before(edges, clock.asi8)
    else:
        position = _edges_at_or_before(labels.asi8, clock.asi8) - 1
    known = position[~stamps.isna()]
    if len(known):
        # resample may add an empty bin past the range (seconds-unit times at 23:59:59 on
        # a month's last day): the periods run from the first call's to the last call's.
        low, high = int(known.min()), int(known.max())
        labels, position = labels[low : high + 1], position - low
    if clock is not stamps:
        labels = _in_zone(labels, stamps.tz)
    codes = np.where(stamps.isna(), -1, position)
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels), index=times.index)


def _in_zone(walls: pd.DatetimeIndex, tz: object) -> pd.DatetimeIndex:
    """Wall-clock times in `tz`: a midnight lost to a DST gap is the first instant after the
    gap, a repeated one its first occurrence."""
    return walls.tz_localize(
        tz, ambiguous=np.ones(len(walls), dtype=bool), nonexistent="shift_forward"
    )


def _next_midnights(labels: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The midnight after each label's day, in its zone (a day is not always 24 h)."""
    walls = labels.tz_localize(None).normalize() + pd.Timedelta(days=1)
    return walls if labels.tz is None else _in_zone(walls, labels.tz)


def _edges_at_or_before(edges: np.ndarray, times: np.ndarray) -> np.ndarray:
    """How many of the sorted `edges` are <= each time (what `np.searchsorted(side="right")`
    gives), by arithmetic when the edges are evenly spaced (days, hours, weeks in UTC)."""
    steps = np.diff(edges)
    if len(steps) and (steps == steps[0]).all():
        with np.errstate(over="ignore"):  # NaT rows wrap around; the caller masks them
            return np.clip((times - edges[0]) // steps[0] + 1, 0, len(edges))
    return np.searchsorted(edges, times, side="right")

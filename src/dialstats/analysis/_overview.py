"""The headline numbers of a period, and their growth on the period before (the vendor's overview)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from dialstats.analysis import _flags
from dialstats.analysis._metrics import Definitions
from dialstats.analysis._validate import check_columns, check_frame, check_timezone
from dialstats.errors import InvalidParameterError

DateLike = str | dt.date | dt.datetime | pd.Timestamp
# The vendor's overview rows -> the contract count each is (None: every dial).
METRICS = {
    "total_calls": None,
    "connected_calls": "connected",
    "conversations": "conversations",
    "meetings_set": "meetings",
}
_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TICK = pd.Timedelta(1, "ns")


def overview(
    df: pd.DataFrame,
    start: DateLike | None = None,
    end: DateLike | None = None,
    *,
    tz: str | None = None,
    definitions: Definitions | None = None,
) -> pd.DataFrame:
    """Total calls, connected calls, conversations and meetings set in [start, end], with growth.

    As the vendor's overview: calls are placed by `created_at`; both bounds are inclusive and a
    bare date means its whole day (in `tz`, by default the frame's own zone; naive = UTC); the default period runs from the first to the last
    call's day. `previous` counts the period of equal length just before, and `growth` is
    (value - previous) / previous, NA when previous is 0.

    Returns one row per metric (index `metric`) with `value`, `previous` and `growth`; the period
    is in ``.attrs["start"]`` / ``.attrs["end"]``. Rows keep the vendor's names (total_calls =
    dials, connected_calls = connected, meetings_set = meetings: docs/metrics.md);
    `definitions` as in `answer_rates`.

    >>> import dialstats as ds
    >>> ds.overview(ds.read_call_logs(demo=True), "2024-03-01", "2024-03-31")  # doctest: +SKIP
    """
    check_frame(df, "overview")
    if tz is not None:
        check_timezone("tz", tz)
    check_columns(df, {"created_at": "datetime"}, "overview")
    flags = _flags.compute(df, [f for f in METRICS.values() if f], "overview", definitions)
    times = _as_zone(df["created_at"], tz)
    tz = times.tz
    first, last = _bounds(times, start, end, tz)
    length = last + _TICK - first
    nanoseconds = times.as_unit("ns").asi8
    current = _between(nanoseconds, first, last)
    previous = _between(nanoseconds, first - length, first - _TICK)
    every = np.ones(len(df), dtype=bool)
    masks = [every if flag is None else flags[flag] for flag in METRICS.values()]
    value = np.array([np.count_nonzero(current & mask) for mask in masks], dtype=np.int64)
    before = np.array([np.count_nonzero(previous & mask) for mask in masks], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(before > 0, (value - before) / before, np.nan)
    out = pd.DataFrame(
        {
            "value": value,
            "previous": before,
            "growth": pd.array(growth, dtype="Float64"),
        },
        index=pd.Index(list(METRICS), name="metric"),
    )
    out.attrs.update(start=first, end=last)
    return out


def _as_zone(times: pd.Series, tz: str | None) -> pd.DatetimeIndex:
    stamps = pd.DatetimeIndex(times)
    if stamps.tz is None:
        stamps = stamps.tz_localize("UTC")  # the API's timestamps are UTC
    return stamps if tz is None else stamps.tz_convert(tz)


def _between(nanoseconds: np.ndarray, first: pd.Timestamp, last: pd.Timestamp) -> np.ndarray:
    """first <= time <= last (NaT, the smallest int64, is never inside)."""
    return (nanoseconds >= first.as_unit("ns").value) & (nanoseconds <= last.as_unit("ns").value)


def _bounds(
    times: pd.DatetimeIndex, start: DateLike | None, end: DateLike | None, tz: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The inclusive [first, last] instants of the period."""
    earliest, latest = times.min(), times.max()
    if start is None:
        first = _midnight(earliest if pd.notna(earliest) else pd.Timestamp.now(tz))
    else:
        first, _ = _parse("start", start, tz)
    if end is None:
        last = _midnight(latest if pd.notna(latest) else first, days=1) - _TICK
    else:
        last, whole_day = _parse("end", end, tz)
        if whole_day:
            last = _midnight(last, days=1) - _TICK
    if last < first:
        raise InvalidParameterError("end", f"end ({last}) is before start ({first})")
    return first, last


def _midnight(stamp: pd.Timestamp, days: int = 0) -> pd.Timestamp:
    """Local midnight starting `stamp`'s day, `days` later (DST-safe: days are not 24 h)."""
    wall = stamp.tz_localize(None).normalize() + pd.Timedelta(days=days)
    # A repeated midnight starts the day at its first occurrence (DST), a missing one after the gap.
    return wall.tz_localize(stamp.tz, nonexistent="shift_forward", ambiguous=True)


def _parse(name: str, value: DateLike, tz: str) -> tuple[pd.Timestamp, bool]:
    """(instant in `tz`, whether `value` was a bare date)."""
    bare = (isinstance(value, dt.date) and not isinstance(value, dt.datetime)) or (
        isinstance(value, str) and bool(_BARE_DATE.match(value))
    )
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise InvalidParameterError(
            name, f"{name} must be a date or date-time such as '2024-03-01'; got {value!r}"
        )
    if stamp.tzinfo is None:
        # A wall time that happens twice is its first occurrence; one lost to a gap, after it.
        stamp = stamp.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    else:
        stamp = stamp.tz_convert(tz)
    return stamp, bare

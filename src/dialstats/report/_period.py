"""The reporting period: a run of whole days in a time zone, by default the last full Mon-Sun week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from dialstats.api import parse_date
from dialstats.errors import InvalidParameterError

_WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Period:
    """Whole days ``start`` .. ``end`` (both inclusive) in time zone ``tz``.

    >>> import datetime as dt
    >>> p = Period(dt.date(2026, 10, 19), dt.date(2026, 10, 25))
    >>> str(p), str(p.previous())
    ('19 Oct to 25 Oct 2026', '12 Oct to 18 Oct 2026')
    """

    start: dt.date
    end: dt.date
    tz: str = "UTC"
    # "month": a calendar month, whose predecessor is the month before (not 30 days back).
    kind: str = field(default="days", compare=False)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidParameterError("end", f"end {self.end} is before start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one (what growth compares with)."""
        if self.kind == "month":
            return last_full_month(self.start - dt.timedelta(days=1), self.tz)
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.end - length, self.tz)

    def bounds(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """``[first instant, first instant after)`` as tz-aware timestamps."""
        first = pd.Timestamp(self.start).tz_localize(self.tz)
        after = pd.Timestamp(self.end + dt.timedelta(days=1)).tz_localize(self.tz)
        return first, after

    def contains(self, stamps: pd.Series) -> pd.Series:
        """Boolean mask: which tz-aware ``stamps`` fall inside the period (NA counts as outside)."""
        first, after = self.bounds()
        return ((stamps >= first) & (stamps < after)).fillna(False).astype(bool)

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.start:%B %Y}"
        if self.start.year == self.end.year:
            return f"{self.start:%d %b} to {self.end:%d %b %Y}"
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"


def last_full_week(through: dt.date, tz: str = "UTC") -> Period:
    """The last Monday-Sunday week that ends on or before ``through``.

    >>> str(last_full_week(dt.date(2026, 10, 28)))  # a Wednesday
    '19 Oct to 25 Oct 2026'
    """
    sunday = through - dt.timedelta(days=(through.weekday() + 1) % 7)
    return Period(sunday - dt.timedelta(days=6), sunday, tz)


def last_full_month(through: dt.date, tz: str = "UTC") -> Period:
    """The last calendar month that ends on or before ``through``.

    >>> str(last_full_month(dt.date(2026, 10, 31))), str(last_full_month(dt.date(2026, 10, 28)))
    ('October 2026', 'September 2026')
    """
    after = through + dt.timedelta(days=1)
    end = after.replace(day=1) - dt.timedelta(days=1)
    return Period(end.replace(day=1), end, tz, kind="month")


PERIODS = ("week", "month")


def resolve_period(
    start: dt.date | str | None,
    end: dt.date | str | None,
    *,
    through: dt.date,
    tz: str = "UTC",
    period: str = "week",
) -> Period:
    """The period a report covers: both bounds given, one bound and a week (or month), or the
    last full week (or calendar month, ``period="month"``).

    ``through`` is the last complete day of data (used only when neither bound is given).
    """
    if period not in PERIODS:
        raise InvalidParameterError("period", f"period must be 'week' or 'month', got {period!r}")
    start, end = _as_date(start, "start"), _as_date(end, "end")
    if period == "month" and end is None:
        # A month named by any of its days: the calendar month holding it.
        if start is None:
            return last_full_month(through, tz)
        return last_full_month(_month_end(start), tz)
    if period == "month" and start is None:
        return last_full_month(_month_end(end), tz)
    if start is None and end is None:
        return last_full_week(through, tz)
    if end is None:
        end = start + _WEEK - dt.timedelta(days=1)
    elif start is None:
        start = end - _WEEK + dt.timedelta(days=1)
    return Period(start, end, tz)


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _as_date(value: dt.date | str | None, name: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        # Text that is no ISO date at all gets the readers' own refusal (which names both
        # readings of "10/01/2026"); an ISO date-time is refused here: a report covers days.
        parse_date(name, value)
        raise InvalidParameterError(
            name, f"{name} must be a day like 2026-10-19, not a time; got {value!r}"
        ) from None

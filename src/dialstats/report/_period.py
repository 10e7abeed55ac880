"""The reporting period: a run of whole days in a time zone, by default the last full Mon-Sun week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from dialstats.errors import InvalidParameterError

_WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Period:
    """Whole days ``start`` .. ``end`` (both inclusive) in time zone ``tz``.

    >>> p = Period(dt.date(2026, 10, 19), dt.date(2026, 10, 25))
    >>> str(p), str(p.previous())
    ('19 Oct to 25 Oct 2026', '12 Oct to 18 Oct 2026')
    """

    start: dt.date
    end: dt.date
    tz: str = "UTC"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidParameterError("end", f"end {self.end} is before start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one (what growth compares with)."""
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


def resolve_period(
    start: dt.date | str | None,
    end: dt.date | str | None,
    *,
    through: dt.date,
    tz: str = "UTC",
) -> Period:
    """The period a report covers: both bounds given, one bound and a week, or the last full week.

    ``through`` is the last complete day of data (used only when neither bound is given).
    """
    start, end = _as_date(start, "start"), _as_date(end, "end")
    if start is None and end is None:
        return last_full_week(through, tz)
    if end is None:
        end = start + _WEEK - dt.timedelta(days=1)
    elif start is None:
        start = end - _WEEK + dt.timedelta(days=1)
    return Period(start, end, tz)


def _as_date(value: dt.date | str | None, name: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidParameterError(
            name, f"{name} must be a date like 2026-10-19, got {value!r}"
        ) from None

"""The calls a report needs, from the demo data, a saved snapshot or store, or the live API."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from dialstats.errors import InvalidParameterError
from dialstats.frame._schema import check_tz
from dialstats.report._period import Period, resolve_period

_DAY = dt.timedelta(days=1)


def load_calls(
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    tz: str = "UTC",
    demo: bool = False,
    snapshot: str | os.PathLike[str] | None = None,
    filters: Mapping[str, Any] | None = None,
    weeks: int = 8,
) -> tuple[pd.DataFrame, Period]:
    """The report's calls and its period.

    The period is ``start`` .. ``end`` (see `resolve_period`; by default the last full Mon-Sun
    week the data reaches, or for the live API the last one before today). The calls cover the
    ``weeks`` weeks ending with the period, and at least the period before it, so trends and
    growth have their history. Calls are placed by ``created_at`` in ``tz``, as the vendor's
    analytics place them. ``snapshot`` is a ``dialstats pull -o FILE.parquet`` file or a
    `CallLogStore` directory; ``filters`` are `read_call_logs` filters.

    >>> calls, period = load_calls(demo=True)  # doctest: +SKIP
    >>> week = calls[period.contains(calls["created_at"])]  # doctest: +SKIP
    """
    tz = check_tz(tz)
    filters = _checked(filters, weeks, demo, snapshot)
    if demo or snapshot is not None:
        # A saved data set defines its own "latest": read it all, then cut the window.
        calls = _read_saved(demo, snapshot, tz, filters)
        latest = calls["created_at"].max()
        through = latest.date() if pd.notna(latest) else _today(tz)
        period = resolve_period(start, end, through=through, tz=tz)
    else:
        period = resolve_period(start, end, through=_today(tz) - _DAY, tz=tz)
        calls = _read_live(*_window(period, weeks), tz, filters)
    first, after = _window(period, weeks)
    window = Period(first, after - _DAY, tz).contains(calls["created_at"])
    return calls[window].reset_index(drop=True), period


def _checked(
    filters: Mapping[str, Any] | None, weeks: int, demo: bool, snapshot: object
) -> dict[str, Any]:
    filters = dict(filters or {})
    for name in ("start_date", "end_date"):
        if name in filters:
            raise InvalidParameterError(
                "filters", f"filters: give the period as start/end, not as {name}"
            )
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise InvalidParameterError("weeks", f"weeks must be a whole number >= 1, got {weeks!r}")
    if demo and snapshot is not None:
        raise InvalidParameterError("snapshot", "snapshot: use either demo=True or a snapshot")
    return filters


def _window(period: Period, weeks: int) -> tuple[dt.date, dt.date]:
    """[first day, day after) of the data a report reads."""
    first = min(period.previous().start, period.end - dt.timedelta(weeks=weeks) + _DAY)
    return first, period.end + _DAY


def _read_live(first: dt.date, after: dt.date, tz: str, filters: dict[str, Any]) -> pd.DataFrame:
    import dialstats as ds

    # The API's dates are UTC days: ask for a day more each side, then cut in `tz`.
    return ds.read_call_logs(
        start_date=(first - _DAY).isoformat(),
        end_date=after.isoformat(),
        tz=tz,
        progress=False,
        **filters,
    )


def _read_saved(
    demo: bool, snapshot: str | os.PathLike[str] | None, tz: str, filters: dict[str, Any]
) -> pd.DataFrame:
    if demo:
        import dialstats as ds

        return ds.read_call_logs(demo=True, tz=tz, progress=False, **filters)
    path = Path(snapshot).expanduser()
    if path.is_dir():
        from dialstats.store import CallLogStore

        return CallLogStore(path).read(tz=tz, **filters)
    if not path.is_file():
        raise InvalidParameterError("snapshot", f"snapshot: no such file or store: {snapshot}")
    from dialstats.store import read_snapshot

    return read_snapshot(path, tz=tz, **filters)


def _today(tz: str) -> dt.date:
    return pd.Timestamp.now(tz=tz).date()

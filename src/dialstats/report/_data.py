"""The calls a report needs, from the demo data, a saved snapshot or store, or the live API."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dialstats._readers import read_call_logs, read_team
from dialstats._suggest import closest_names, match_name
from dialstats.errors import InvalidParameterError
from dialstats.frame import check_tz
from dialstats.report._period import Period, resolve_period

_DAY = dt.timedelta(days=1)

# tz="auto": the report counts days and hours in the zone most of the team's contacts are in.
AUTO = "auto"
_STAMPS = ("started_at", "ended_at", "created_at", "updated_at")


@dataclass(frozen=True)
class ReportData:
    """What a report shows: the calls of its window, its period, and the facts it states.

    ``calls`` cover the trend window (``period`` and the weeks before it), ``tz`` is the zone
    they are placed in and ``tz_reason`` how it was chosen; ``latest`` is the last call in the
    data (NaT when none), ``team`` the dialer's team (None when the source has none: a snapshot).
    For one rep's report ``calls`` are that rep's and ``team_calls`` everyone's (the benchmark
    the page draws the rep against); otherwise the two are the same.
    """

    calls: pd.DataFrame
    period: Period
    tz: str
    tz_reason: str
    latest: pd.Timestamp
    team: pd.DataFrame | None
    rep: str | None = None
    team_calls: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.team_calls is None:
            object.__setattr__(self, "team_calls", self.calls)

    @property
    def current(self) -> pd.DataFrame:
        """The calls of the period."""
        return self.calls[self.period.contains(self.calls["created_at"])]

    @property
    def team_current(self) -> pd.DataFrame:
        """The whole team's calls of the period (the same as `current` unless one rep's)."""
        calls = self.team_calls
        return calls[self.period.contains(calls["created_at"])]

    @property
    def partial(self) -> bool:
        """The data ends inside the period: its last days hold no calls yet."""
        return pd.notna(self.latest) and self.latest.date() < self.period.end


def load_report(
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    tz: str = AUTO,
    period: str = "week",
    rep: str | None = None,
    demo: bool = False,
    snapshot: str | os.PathLike[str] | None = None,
    filters: Mapping[str, Any] | None = None,
    weeks: int = 8,
) -> ReportData:
    """`load_calls` plus what the page states: the zone, the latest data, the team, one rep.

    ``tz="auto"`` (the default) is `team_zone` of the calls. ``rep`` (a ``user_name``) keeps
    that rep's calls; an unknown name raises `InvalidParameterError` naming the closest ones.

    >>> data = load_report(demo=True, period="month")  # doctest: +SKIP
    >>> data.tz, str(data.period)  # doctest: +SKIP
    ('America/New_York', 'September 2026')
    """
    calls, chosen, tz, reason, latest = _load(
        start, end, tz, period, demo, snapshot, filters, weeks
    )
    team = _team(demo, snapshot, tz)
    everyone = calls
    if rep is not None:
        calls = calls[calls["user_name"] == _known_rep(rep, calls, team)].reset_index(drop=True)
    return ReportData(calls, chosen, tz, reason, latest, team, rep, everyone)


def team_zone(calls: pd.DataFrame) -> tuple[str, str]:
    """The zone a team's days are counted in, and why: the most common ``contact_tz``.

    A US team calls mostly its own region, so its contacts' commonest zone is its working day;
    UTC when no call has a known zone.

    >>> team_zone(calls)  # doctest: +SKIP
    ('America/New_York', 'most contacts called (31%) are in America/New_York')
    """
    zones = calls["contact_tz"].dropna() if "contact_tz" in calls else pd.Series([], dtype=object)
    if zones.empty:
        return "UTC", "no contact has a known time zone"
    counts = zones.value_counts()
    zone, share = str(counts.index[0]), counts.iloc[0] / len(zones)
    return zone, f"the most common zone of the contacts called ({share:.0%})"


def _team(demo: bool, snapshot: object, tz: str) -> pd.DataFrame | None:
    if snapshot is not None:
        return None  # a snapshot holds calls only
    return read_team(demo=demo, tz=tz)


def _known_rep(rep: str, calls: pd.DataFrame, team: pd.DataFrame | None) -> str:
    """The rep's name as the data spells it (case and whitespace aside), or an error naming the
    closest names."""
    names = set(calls["user_name"].dropna())
    if team is not None:
        names |= set(team["user_name"].dropna())
    return known_rep(rep, names)


def known_rep(rep: str, names: Iterable[str], *, flag: str = "rep") -> str:
    """``rep`` as ``names`` spell it, matched ignoring case and whitespace; an unknown name
    raises `InvalidParameterError` suggesting the closest names by edit distance.

    >>> known_rep("maya patel", ["Maya Patel"])
    'Maya Patel'
    """
    names = [str(name) for name in names]
    found = match_name(rep, names)
    if found is not None:
        return found
    close = closest_names(rep, names)
    hint = f"; did you mean {' or '.join(repr(name) for name in close)}?" if close else ""
    raise InvalidParameterError("rep", f"{flag} {rep!r}: no rep of that name{hint}")


def load_calls(
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    tz: str = "UTC",
    demo: bool = False,
    snapshot: str | os.PathLike[str] | None = None,
    filters: Mapping[str, Any] | None = None,
    weeks: int = 8,
    period: str = "week",
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
    calls, chosen, _, _, _ = _load(start, end, tz, period, demo, snapshot, filters, weeks)
    return calls, chosen


def _load(
    start: dt.date | str | None,
    end: dt.date | str | None,
    tz: str,
    period: str,
    demo: bool,
    snapshot: str | os.PathLike[str] | None,
    filters: Mapping[str, Any] | None,
    weeks: int,
) -> tuple[pd.DataFrame, Period, str, str, pd.Timestamp]:
    """(window's calls, period, zone, why that zone, latest call in the data)."""
    auto, reason = tz == AUTO, "as asked (--tz)"
    tz = "UTC" if auto else check_tz(tz)
    filters = _checked(filters, weeks, demo, snapshot)
    if demo or snapshot is not None:
        # A saved data set defines its own "latest": read it all, then cut the window.
        calls = _read_saved(demo, snapshot, tz, filters)
        if auto:
            tz, reason = team_zone(calls)
            _placed(calls, tz)
        latest = calls["created_at"].max()
        through = latest.date() if pd.notna(latest) else _today(tz)
        chosen = resolve_period(start, end, through=through, tz=tz, period=period)
    else:
        chosen = resolve_period(start, end, through=_today(tz) - _DAY, tz=tz, period=period)
        calls = _read_live(*_window(chosen, weeks), tz, filters)
        if auto:  # the UTC read has a day to spare each side: re-cut in the team's zone
            tz, reason = team_zone(calls)
            _placed(calls, tz)
            chosen = resolve_period(start, end, through=_today(tz) - _DAY, tz=tz, period=period)
        latest = calls["created_at"].max()
    first, after = _window(chosen, weeks)
    window = Period(first, after - _DAY, tz).contains(calls["created_at"])
    return calls[window].reset_index(drop=True), chosen, tz, reason, latest


def _placed(calls: pd.DataFrame, tz: str) -> None:
    """Convert the call-log timestamps of ``calls`` to ``tz`` in place."""
    for name in _STAMPS:
        if name in calls and isinstance(calls[name].dtype, pd.DatetimeTZDtype):
            calls[name] = calls[name].dt.tz_convert(tz)


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
    # The API's dates are UTC days: ask for a day more each side, then cut in `tz`.
    return read_call_logs(
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
        return read_call_logs(demo=True, tz=tz, progress=False, **filters)
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

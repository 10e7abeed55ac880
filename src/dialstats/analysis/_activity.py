"""Rep activity: how reps work the phones — pace, sessions and breaks, working day, hour by hour.

Times are dial starts (`started_at`). A session is a run of one group's dials with no gap longer
than `idle` between consecutive starts; its length is its last start minus its first. Clock
times (the working day, hours of the day, days) are read in one zone for every group: `tz=` (the
team's zone: pass it) or else the frame's own zone (``read_call_logs(tz=...)``). The call log does
not record where a rep sits, so no zone is inferred per rep; a frame in UTC used without `tz=`
gives a warning rather than a silent UTC working day. Calls without a start time are left out.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dialstats.analysis import _groups
from dialstats.analysis._choices import choose
from dialstats.analysis._validate import check_columns, check_frame, check_timezone, group_keys
from dialstats.errors import InvalidParameterError

TABLES = ("summary", "sessions", "hours")
_DAY = 86_400 * 10**9
_HOUR = 3_600 * 10**9
_MINUTE = 60 * 10**9
_WHOLE = "__all__"
# Spellings pandas does not read, and the ones it does.
_UNIT_FIXES = (
    (r"(?:mins?|minutes?)", "min"),
    (r"(?:hrs?|hours?)", "h"),
    (r"(?:secs?|seconds?)", "s"),
)


def activity(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = "user_name",
    idle: str | dt.timedelta = "30min",
    tz: str | None = None,
    *,
    table: str = "summary",
) -> pd.DataFrame:
    """How each group (by default each rep) dials: pace, sessions, working day, hours.

    `table="summary"`: the `by` columns, `dials`, `active_days` (local dates with a dial),
    `active_hours` (local clock hours with a dial), `dials_per_active_hour`, `sessions`,
    `median_session_minutes`, `median_session_dials`, `median_break_minutes` (gaps longer than
    `idle` between sessions of the same local day), `first_dial` / `last_dial` (median over
    active days of the local time of day of the day's first / last dial, to the second, as a
    `datetime.time` such as ``08:05:00``: what ``Series.dt.time`` gives, so
    ``summary.first_dial < datetime.time(9)`` reads as it says), `first_dial_minutes` /
    `last_dial_minutes` (the same as minutes since local midnight, Float64: for charts and
    arithmetic; 485.0 is 08:05). `table="sessions"`: one row per session: the `by` columns, `session` (1, 2, ...
    per group), `start`, `end` (zoned timestamps), `dials`, `minutes`.
    `table="hours"`: one row per group and local hour 0-23: `hour`, `dials`, `days` (active days
    with a dial in that hour), `dials_per_active_day` (dials / the group's active days).

    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True)
    >>> ds.activity(df, idle="20min", tz="America/New_York")  # doctest: +SKIP
    """
    check_frame(df, "activity")
    table = choose("table", table, TABLES)
    gap = check_idle(idle)
    keys = {name: df[name] for name in group_keys(df, by, "activity")}
    check_columns(df, {"started_at": "datetime"}, "activity")
    zone = _zone(df["started_at"], tz)
    starts = df["started_at"]
    if starts.dt.tz is None:  # naive times are UTC, like the API's
        starts = starts.dt.tz_localize("UTC")
    starts = starts.dt.tz_convert(zone)
    dated = starts.notna().to_numpy()
    groups = _groups._Groups(keys or _whole(df))
    instants = starts.dt.as_unit("ns").array.asi8  # NaT rows are dropped below
    wall = _wall_clock(starts)
    codes, instants, wall = groups.code[dated], instants[dated], wall[dated]
    order = np.lexsort((instants, codes))
    codes, instants, wall = codes[order], instants[order], wall[order]
    new_group = np.ones(len(codes), dtype=bool)
    new_group[1:] = codes[1:] != codes[:-1]
    gaps = np.diff(instants, prepend=instants[:1])
    breaks = ~new_group & (gaps > gap.value)
    session = np.cumsum(new_group | breaks) - 1  # session number per dial, 0-based overall
    if table == "sessions":
        out = _sessions(groups, keys, codes, instants, session, new_group | breaks, zone)
    elif table == "hours":
        out = _hours(groups, keys, codes, wall)
    else:
        out = _summary(groups, keys, codes, instants, wall, session, new_group, breaks, gaps)
    out.attrs["tz"], out.attrs["idle"] = zone, gap
    return out


def check_idle(idle: object) -> pd.Timedelta:
    """`idle` as a positive Timedelta: "30min", "1h", "90s" or a timedelta."""
    if isinstance(idle, bool) or not isinstance(idle, str | dt.timedelta | np.timedelta64):
        hint = f" (did you mean '{idle:g}min'?)" if isinstance(idle, int | float) else ""
        raise InvalidParameterError(
            "idle",
            f"idle must be a duration such as '30min', '1h' or a timedelta; got {idle!r}{hint}",
        )
    if isinstance(idle, str) and re.fullmatch(r"\s*[\d.]+\s*", idle):
        raise InvalidParameterError(
            "idle",
            f"idle needs a unit, such as '30min' or '1h'; got {idle!r} "
            f"(did you mean '{idle.strip()}min'?)",
        )
    try:
        value = pd.Timedelta(idle)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            "idle",
            f"idle must be a duration such as '30min', '1h' or a timedelta; got {idle!r}"
            + _idle_hint(idle),
        ) from None
    if pd.isna(value) or value <= pd.Timedelta(0):
        raise InvalidParameterError("idle", f"idle must be a duration longer than 0; got {idle!r}")
    return value


def _idle_hint(idle: object) -> str:
    if not isinstance(idle, str):
        return ""
    text = idle.strip().lower()
    for pattern, unit in _UNIT_FIXES:
        text = re.sub(rf"(\d)\s*{pattern}\b", rf"\g<1>{unit}", text)
    text = text.replace(" ", "")
    try:
        pd.Timedelta(text)
    except (TypeError, ValueError):
        return ""
    return f" (did you mean {text!r}?)"


def _zone(starts: pd.Series, tz: object) -> str:
    if tz is not None:
        return check_timezone("tz", tz)
    own = starts.dt.tz
    if own is None or str(own) == "UTC":
        warnings.warn(
            "activity(): the frame's times are UTC and no tz= was given, so working days and "
            "hours are UTC ones; pass tz= the team's zone (e.g. tz='America/New_York'), or "
            "tz='UTC' to keep UTC",
            UserWarning,
            stacklevel=3,
        )
        return "UTC"
    return str(own)


def _wall_clock(starts: pd.Series) -> np.ndarray:
    """Local wall-clock times as int64 nanoseconds since the local epoch."""
    return starts.dt.tz_localize(None).dt.as_unit("ns").array.asi8


def _whole(df: pd.DataFrame) -> dict[str, pd.Series]:
    codes = np.zeros(len(df), dtype=np.int8)
    return {_WHOLE: pd.Series(pd.Categorical.from_codes(codes, [_WHOLE]), index=df.index)}


def _finish(frame: pd.DataFrame, keys: dict, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Rows in the order of every grouped table (see _groups.aggregate)."""
    order = [*(list(keys) or [_WHOLE]), *extra]
    frame = frame.sort_values(order, na_position="last", kind="stable", ignore_index=True)
    return frame.drop(columns=[_WHOLE], errors="ignore")


def _per_cell(
    groups: _groups._Groups, codes: np.ndarray, values: np.ndarray, how: str
) -> np.ndarray:
    """Per kept group, the median (or count) of `values` grouped by `codes`; NaN when none."""
    series = pd.Series(values).groupby(codes)
    result = series.median() if how == "median" else series.size()
    return result.reindex(groups.kept).to_numpy(dtype=float)


def _summary(groups, keys, codes, instants, wall, session, new_group, breaks, gaps):
    out = groups.key_frame()
    out["dials"] = np.bincount(codes, minlength=groups.cells)[groups.kept]
    day = wall // _DAY
    hour = wall // _HOUR
    # Dials are sorted by group then time, so each (group, local day / hour) is one run.
    first_day_dial = _first_of_runs(codes, day)
    out["active_days"] = np.bincount(codes[first_day_dial], minlength=groups.cells)[groups.kept]
    first_hour_dial = _first_of_runs(codes, hour)
    active_hours = np.bincount(codes[first_hour_dial], minlength=groups.cells)[groups.kept]
    out["active_hours"] = active_hours
    with np.errstate(invalid="ignore", divide="ignore"):
        pace = np.where(active_hours > 0, out["dials"] / np.maximum(active_hours, 1), np.nan)
    out["dials_per_active_hour"] = pd.array(pace, dtype="Float64")
    starts = new_group | breaks
    session_code = codes[starts]
    session_dials = np.bincount(session)
    last = np.append(np.flatnonzero(starts)[1:] - 1, len(codes) - 1) if len(codes) else []
    minutes = (instants[last] - instants[starts]) / _MINUTE if len(codes) else np.array([])
    out["sessions"] = np.bincount(session_code, minlength=groups.cells)[groups.kept]
    out["median_session_minutes"] = pd.array(
        _per_cell(groups, session_code, minutes, "median"), dtype="Float64"
    )
    out["median_session_dials"] = pd.array(
        _per_cell(groups, session_code, session_dials.astype(float), "median"), dtype="Float64"
    )
    same_day = np.zeros(len(codes), dtype=bool)
    same_day[1:] = day[1:] == day[:-1]
    daily_breaks = breaks & same_day
    out["median_break_minutes"] = pd.array(
        _per_cell(groups, codes[daily_breaks], gaps[daily_breaks] / _MINUTE, "median"),
        dtype="Float64",
    )
    time_of_day = (wall - day * _DAY).astype(float)
    last_day_dial = np.append(np.flatnonzero(first_day_dial)[1:] - 1, len(codes) - 1)
    last_day_dial = last_day_dial[last_day_dial >= 0] if len(codes) else last_day_dial[:0]
    minutes = {}
    for name, rows in (("first_dial", first_day_dial), ("last_dial", last_day_dial)):
        median = _per_cell(groups, codes[rows], time_of_day[rows], "median")
        seconds = np.round(median / 1e9)  # to the second, as the clock is read
        out[name] = _clock_times(seconds)
        minutes[f"{name}_minutes"] = pd.array(seconds / 60, dtype="Float64")
    for name, values in minutes.items():
        out[name] = values
    return _finish(out, keys)


def _clock_times(seconds: np.ndarray) -> np.ndarray:
    """Seconds since local midnight as `datetime.time` values (None where NaN)."""
    times = [
        None if np.isnan(s) else dt.time(int(s) // 3600, int(s) // 60 % 60, int(s) % 60)
        for s in np.minimum(seconds, _DAY // 10**9 - 1)
    ]
    out = np.empty(len(times), dtype=object)
    out[:] = times
    return out


def _first_of_runs(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mask of the dials that start a run of equal (group, value) in sorted order."""
    first = np.ones(len(codes), dtype=bool)
    first[1:] = (codes[1:] != codes[:-1]) | (values[1:] != values[:-1])
    return first


def _sessions(groups, keys, codes, instants, session, starts, zone):
    first = np.flatnonzero(starts)
    last = np.append(first[1:] - 1, len(codes) - 1) if len(codes) else first
    cells = codes[first]
    frame = groups.key_frame()
    position = np.searchsorted(groups.kept, cells)  # each session's row of the key frame
    out = frame.iloc[position].reset_index(drop=True)
    new_cell = np.ones(len(cells), dtype=bool)
    new_cell[1:] = cells[1:] != cells[:-1]
    run_start = np.maximum.accumulate(np.where(new_cell, np.arange(len(cells)), 0))
    out["session"] = np.arange(len(cells)) - run_start + 1
    out["start"] = pd.to_datetime(instants[first], unit="ns", utc=True).tz_convert(zone)
    out["end"] = pd.to_datetime(instants[last], unit="ns", utc=True).tz_convert(zone)
    out["dials"] = np.bincount(session, minlength=len(first)).astype(np.int64)
    out["minutes"] = (instants[last] - instants[first]) / _MINUTE
    return _finish(out, keys, ["session"])[[*keys, "session", "start", "end", "dials", "minutes"]]


def _hours(groups, keys, codes, wall):
    day = wall // _DAY
    hour = (wall // _HOUR) % 24
    first_day = _first_of_runs(codes, day)
    active_days = np.bincount(codes[first_day], minlength=groups.cells)
    dials = np.bincount(codes * 24 + hour, minlength=groups.cells * 24).reshape(-1, 24)
    # Distinct (group, hour, day) triples, one integer each.
    span = day.max(initial=0) - day.min(initial=0) + 1
    pairs = pd.unique((codes * 24 + hour) * span + (day - day.min(initial=0)))
    days = np.bincount(pairs // span, minlength=groups.cells * 24).reshape(-1, 24)
    frame = groups.key_frame()
    out = frame.loc[frame.index.repeat(24)].reset_index(drop=True)
    out["hour"] = np.tile(np.arange(24), len(frame))
    out["dials"] = dials[groups.kept].ravel()
    out["days"] = days[groups.kept].ravel()
    per_day = np.repeat(active_days[groups.kept], 24).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(per_day > 0, out["dials"].to_numpy(dtype=float) / per_day, np.nan)
    out["dials_per_active_day"] = pd.array(share, dtype="Float64")
    return _finish(out, keys, ["hour"])[[*keys, "hour", "dials", "days", "dials_per_active_day"]]

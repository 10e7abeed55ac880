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

import narwhals as nw
import numpy as np
import pandas as pd
import pyarrow as pa

from dialstats.analysis import _engine, _engine_contacts, _frames, _groups
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._validate import (
    caller_stacklevel,
    check_columns,
    check_frame,
    check_timezone,
    group_keys,
)
from dialstats.errors import InvalidParameterError

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


@keyword_only(
    "by",
    "idle",
    "tz",
    routes={
        "table": {
            "summary": "activity",
            "sessions": "activity_sessions",
            "hours": "activity_hours",
        }
    },
)
def activity(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = "user_name",
    *,
    tz: str | None = None,
    idle: str | dt.timedelta = "30min",
) -> pd.DataFrame:
    """How each group (by default each rep) dials: pace, sessions, working day.

    Times are dial starts (`started_at`). A session is a run of one group's dials with no gap
    longer than `idle` between consecutive starts; its length is its last start minus its first.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`); calls without a start time are left out. It may also be
        a Polars DataFrame or LazyFrame, a DuckDB relation, a pyarrow.Table or a PySpark
        DataFrame: dials are counted there per group and UTC quarter hour and per session, and
        only those tables are collected (see `dialstats.analysis._engine_contacts`).
    by : str or sequence of str or None, default "user_name"
        The columns to group by (by default each rep); None is one group of every call.
    tz : str, optional
        The zone clock times are read in, one for every group (the team's zone: pass it). None
        (default): the frame's own zone (``read_call_logs(tz=...)``). The call log does not
        record where a rep sits, so no zone is inferred per rep; a frame in UTC used without
        `tz=` gives a warning rather than a silent UTC working day.
    idle : str or datetime.timedelta, default "30min"
        The longest gap between consecutive dial starts within one session ("20min", "1h", or a
        timedelta).

    Returns
    -------
    pandas.DataFrame
        One row per group: the `by` columns, `dials`, `active_days` (local dates with a dial),
        `active_hours` (local clock hours with a dial), `dials_per_active_hour`, `sessions`,
        `median_session_minutes`, `median_session_dials`, `median_break_minutes` (gaps longer
        than `idle` between sessions of the same local day), `first_dial` / `last_dial` (median
        over active days of the local time of day of the day's first / last dial, to the second,
        as a `datetime.time` such as ``08:05:00``: what ``Series.dt.time`` gives, so
        ``summary.first_dial < datetime.time(9)`` reads as it says), `first_dial_minutes` /
        `last_dial_minutes` (the same as minutes since local midnight, Float64: for charts and
        arithmetic; 485.0 is 08:05).

    Raises
    ------
    InvalidParameterError
        `idle` is not a duration longer than 0, or `tz` is not a time zone.
    MissingColumnError
        `df` lacks `started_at` or a `by` column.

    Warns
    -----
    UserWarning
        The frame's times are UTC (or naive) and no `tz` was given: days and hours are UTC ones.

    See Also
    --------
    activity_sessions : Each session.
    activity_hours : Each hour of the day.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> summary = ds.activity(df, tz="America/New_York", idle="20min")
    >>> summary[["user_name", "dials", "sessions", "first_dial"]].head(3)
          user_name  dials  sessions first_dial
    0  Ethan Brooks    195        22   08:22:48
    1    Hannah Kim    237        23   11:43:37
    2  Jordan Reyes    211        27   11:04:25
    """
    return _activity(df, by, tz, idle, "summary", "activity")


def activity_sessions(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = "user_name",
    *,
    tz: str | None = None,
    idle: str | dt.timedelta = "30min",
) -> pd.DataFrame:
    """Each session of each group (by default each rep): a run of dials without a long gap.

    Times are dial starts (`started_at`). A session is a run of one group's dials with no gap
    longer than `idle` between consecutive starts; its length is its last start minus its first.
    Times, zones and engines as in `activity`.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`); calls without a start time are left out. It may also be
        a Polars DataFrame or LazyFrame, a DuckDB relation, a pyarrow.Table or a PySpark
        DataFrame: dials are counted there per group and UTC quarter hour and per session, and
        only those tables are collected (see `dialstats.analysis._engine_contacts`).
    by : str or sequence of str or None, default "user_name"
        The columns to group by (by default each rep); None is one group of every call.
    tz : str, optional
        The zone clock times are read in, one for every group (the team's zone: pass it). None
        (default): the frame's own zone (``read_call_logs(tz=...)``). The call log does not
        record where a rep sits, so no zone is inferred per rep; a frame in UTC used without
        `tz=` gives a warning rather than a silent UTC working day.
    idle : str or datetime.timedelta, default "30min"
        The longest gap between consecutive dial starts within one session ("20min", "1h", or a
        timedelta).

    Returns
    -------
    pandas.DataFrame
        One row per session: the `by` columns, `session` (1, 2, ... per group), `start`, `end`
        (zoned timestamps: its first and last dial's start), `dials`, `minutes` (end - start).

    Raises
    ------
    InvalidParameterError
        `idle` is not a duration longer than 0, or `tz` is not a time zone.
    MissingColumnError
        `df` lacks `started_at` or a `by` column.

    Warns
    -----
    UserWarning
        The frame's times are UTC (or naive) and no `tz` was given: days and hours are UTC ones.

    See Also
    --------
    activity : Pace, sessions and working day per group.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> sessions = ds.activity_sessions(df, tz="America/New_York", idle="20min")
    >>> sessions.columns.tolist()
    ['user_name', 'session', 'start', 'end', 'dials', 'minutes']
    >>> sessions[["session", "dials"]].head(2)
       session  dials
    0        1      6
    1        2     10
    """
    return _activity(df, by, tz, idle, "sessions", "activity_sessions")


def activity_hours(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = "user_name",
    *,
    tz: str | None = None,
) -> pd.DataFrame:
    """When in the day each group (by default each rep) dials.

    Times are dial starts (`started_at`); zones and engines as in `activity`.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`); calls without a start time are left out. It may also be
        a Polars DataFrame or LazyFrame, a DuckDB relation, a pyarrow.Table or a PySpark
        DataFrame: dials are counted there per group and UTC quarter hour and per session, and
        only those tables are collected (see `dialstats.analysis._engine_contacts`).
    by : str or sequence of str or None, default "user_name"
        The columns to group by (by default each rep); None is one group of every call.
    tz : str, optional
        The zone clock times are read in, one for every group (the team's zone: pass it). None
        (default): the frame's own zone (``read_call_logs(tz=...)``). The call log does not
        record where a rep sits, so no zone is inferred per rep; a frame in UTC used without
        `tz=` gives a warning rather than a silent UTC working day.

    Returns
    -------
    pandas.DataFrame
        One row per group and local hour 0-23: the `by` columns, `hour`, `dials`, `days` (active
        days with a dial in that hour), `dials_per_active_day` (dials / the group's active
        days).

    Raises
    ------
    InvalidParameterError
        `tz` is not a time zone.
    MissingColumnError
        `df` lacks `started_at` or a `by` column.

    Warns
    -----
    UserWarning
        The frame's times are UTC (or naive) and no `tz` was given: days and hours are UTC ones.

    See Also
    --------
    activity : Pace, sessions and working day per group.
    dialstats.plot.activity : Draws this table as a heatmap.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> hours = ds.activity_hours(df, tz="America/New_York")
    >>> hours.columns.tolist()
    ['user_name', 'hour', 'dials', 'days', 'dials_per_active_day']
    >>> hours.shape  # 9 reps x 24 hours
    (216, 5)
    """
    return _activity(df, by, tz, "30min", "hours", "activity_hours")


def _activity(
    df: pd.DataFrame,
    by: str | Sequence[str] | None,
    tz: str | None,
    idle: str | dt.timedelta,
    table: str,
    function: str,
) -> pd.DataFrame:
    """`table` ("summary", "sessions" or "hours") of activity, errors naming `function`."""
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, function)
    gap = check_idle(idle)
    if frame is not None:
        out = _activity_on_engine(frame, by, gap, tz, table, function)
        if table != "hours":
            out.attrs["idle"] = gap
        return out
    keys = {name: df[name] for name in group_keys(df, by, function)}
    check_columns(df, {"started_at": "datetime"}, function)
    zone = _zone(df["started_at"].dt.tz, tz, function)
    starts = df["started_at"]
    if starts.dt.tz is None:  # naive times are UTC, like the API's
        starts = starts.dt.tz_localize("UTC")
    # numpy-backed times (a pyarrow-backed column has no int64 view).
    starts = starts.dt.tz_convert(zone).astype(pd.DatetimeTZDtype("ns", zone))
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
    out.attrs["tz"] = zone
    if table != "hours":  # hours are counted without sessions
        out.attrs["idle"] = gap
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


def _zone(own: object, tz: object, function: str) -> str:
    """`tz`, else the frame's zone `own` (None: naive, read as UTC, with a warning)."""
    if tz is not None:
        return check_timezone("tz", tz)
    if own is None or str(own) == "UTC":
        warnings.warn(
            f"{function}(): the frame's times are UTC and no tz= was given, so working days and "
            "hours are UTC ones; pass tz= the team's zone (e.g. tz='America/New_York'), or "
            "tz='UTC' to keep UTC",
            UserWarning,
            stacklevel=caller_stacklevel(),
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


# --- other engines: per UTC quarter hour and per session, counted there ---------------------


def _activity_on_engine(
    frame, by, gap: pd.Timedelta, tz, table: str, function: str
) -> pd.DataFrame:
    """`activity` of an engine frame from two small tables taken there: per group and UTC
    quarter hour (dials, first and last start), and per session (dials, first and last start);
    tied starts need no order (a gap of 0 is never a break)."""
    keys = group_keys(_engine.columns_of(frame), by, function)
    frame, schema = _engine_contacts.prepared(frame, function)
    zone = _zone(_engine_contacts.frame_zone(frame, schema), tz, function)
    names = keys or [_WHOLE]
    if not keys:
        frame = frame.with_columns(nw.lit(_WHOLE).alias(_WHOLE))
        schema = {**schema, _WHOLE: nw.String()}
    derived = {k: nw.col(k).cast(nw.String) for k in keys if _engine._is_categorical(schema[k])}
    frame = frame.with_columns(**derived, __dialstats_quarter=_engine_contacts.quarter())
    us = nw.col(_engine_contacts._US)
    spans = [nw.len().alias("n"), us.min().alias("first"), us.max().alias("last")]
    quarters = _engine_contacts.grouped(
        frame, schema, [*names, "__dialstats_quarter"], spans, function
    )
    dated = frame.filter(~us.is_null())
    dated = _engine_contacts.windows(
        dated, names, [_engine_contacts._US], {"before": ("shift", us)}
    )
    new = nw.col("before").is_null() | ((us - nw.col("before")) * 1000 > gap.value)
    dated = _engine_contacts.windows(
        dated.with_columns(__dialstats_new=new.cast(nw.Int64)),
        names,
        [_engine_contacts._US],
        {"__dialstats_session": ("cum_sum", nw.col("__dialstats_new"))},
    )
    runs = _engine_contacts.grouped(dated, schema, [*names, "__dialstats_session"], spans, function)
    both = pa.concat_tables(
        [quarters.select(names), runs.select(names)], promote_options="permissive"
    )
    key_series = _engine_contacts.keys_of(both, schema, names)
    if not keys:
        whole = np.zeros(both.num_rows, dtype=np.int8)
        key_series = {_WHOLE: pd.Series(pd.Categorical.from_codes(whole, [_WHOLE]))}
    groups = _groups._Groups(key_series)
    split = quarters.num_rows
    q_codes, s_codes = groups.code[:split], groups.code[split:]
    key_frame = {k: v for k, v in key_series.items() if k in keys}
    if table == "sessions":
        out = _engine_sessions(groups, key_frame, s_codes, runs, zone)
    elif table == "hours":
        out = _engine_hours(groups, key_frame, q_codes, quarters, zone)
    else:
        out = _engine_summary(groups, key_frame, q_codes, quarters, s_codes, runs, zone)
    out.attrs["tz"] = zone
    return out


def _numbers(table: pa.Table, column: str) -> np.ndarray:
    return table.column(column).to_numpy(zero_copy_only=False)


def _quarter_clock(quarters: pa.Table, zone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dated quarter hours: which rows, their local wall-clock start (ns) and offset."""
    starts = quarters.column("__dialstats_quarter")
    dated = ~starts.is_null().to_numpy(zero_copy_only=False)
    begin = starts.drop_null().to_numpy().astype(np.int64)
    wall, _ = _engine_contacts.local_quarters(begin, [zone] * len(begin), "activity")
    return dated, wall, wall - begin * 1000


def _wall_of(instants_us: np.ndarray, zone: str) -> np.ndarray:
    stamps = pd.to_datetime(instants_us.astype(np.int64) * 1000, unit="ns", utc=True)
    return _wall_clock(pd.Series(stamps).dt.tz_convert(zone))


def _sorted_runs(codes: np.ndarray, runs: pa.Table):
    """Sessions in group then time order: codes, first and last start (ns), dials, and
    which start a group."""
    first = _numbers(runs, "first").astype(np.int64) * 1000
    last = _numbers(runs, "last").astype(np.int64) * 1000
    order = np.lexsort((first, codes))
    codes, first, last = codes[order], first[order], last[order]
    dials = _numbers(runs, "n").astype(np.int64)[order]
    new = np.ones(len(codes), dtype=bool)
    new[1:] = codes[1:] != codes[:-1]
    return codes, first, last, dials, new


def _engine_sessions(groups, keys, codes, runs, zone):
    codes, first, last, dials, new = _sorted_runs(codes, runs)
    out = groups.key_frame().iloc[np.searchsorted(groups.kept, codes)].reset_index(drop=True)
    run_start = np.maximum.accumulate(np.where(new, np.arange(len(codes)), 0))
    out["session"] = np.arange(len(codes)) - run_start + 1
    out["start"] = pd.to_datetime(first, unit="ns", utc=True).tz_convert(zone)
    out["end"] = pd.to_datetime(last, unit="ns", utc=True).tz_convert(zone)
    out["dials"] = dials
    out["minutes"] = (last - first) / _MINUTE
    return _finish(out, keys, ["session"])[[*keys, "session", "start", "end", "dials", "minutes"]]


def _distinct_count(codes: np.ndarray, values: np.ndarray, cells: int) -> np.ndarray:
    """Per group code, how many distinct `values` it has."""
    pairs = pd.unique(pd.MultiIndex.from_arrays([codes, values]))
    return np.bincount(pairs.get_level_values(0).to_numpy(), minlength=cells)


def _engine_hours(groups, keys, codes, quarters, zone):
    dated, wall, _ = _quarter_clock(quarters, zone)
    codes, dials = codes[dated], _numbers(quarters, "n").astype(np.int64)[dated]
    day, hour = wall // _DAY, (wall // _HOUR) % 24
    active_days = _distinct_count(codes, day, groups.cells)
    cell = codes * 24 + hour
    per_hour = np.bincount(cell, weights=dials, minlength=groups.cells * 24).reshape(-1, 24)
    days = _distinct_count(cell, day, groups.cells * 24).reshape(-1, 24)
    frame = groups.key_frame()
    out = frame.loc[frame.index.repeat(24)].reset_index(drop=True)
    out["hour"] = np.tile(np.arange(24), len(frame))
    out["dials"] = per_hour[groups.kept].ravel().astype(np.int64)
    out["days"] = days[groups.kept].ravel()
    per_day = np.repeat(active_days[groups.kept], 24).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(per_day > 0, out["dials"].to_numpy(dtype=float) / per_day, np.nan)
    out["dials_per_active_day"] = pd.array(share, dtype="Float64")
    return _finish(out, keys, ["hour"])[[*keys, "hour", "dials", "days", "dials_per_active_day"]]


def _engine_summary(groups, keys, q_codes, quarters, s_codes, runs, zone):
    dated, wall, offset = _quarter_clock(quarters, zone)
    codes = q_codes[dated]
    dials = _numbers(quarters, "n").astype(np.int64)[dated]
    out = groups.key_frame()
    out["dials"] = np.bincount(codes, weights=dials, minlength=groups.cells)[groups.kept].astype(
        np.int64
    )
    day = wall // _DAY
    out["active_days"] = _distinct_count(codes, day, groups.cells)[groups.kept]
    active_hours = _distinct_count(codes, wall // _HOUR, groups.cells)[groups.kept]
    out["active_hours"] = active_hours
    with np.errstate(invalid="ignore", divide="ignore"):
        pace = np.where(active_hours > 0, out["dials"] / np.maximum(active_hours, 1), np.nan)
    out["dials_per_active_hour"] = pd.array(pace, dtype="Float64")
    s_codes, first, last, session_dials, new = _sorted_runs(s_codes, runs)
    out["sessions"] = np.bincount(s_codes, minlength=groups.cells)[groups.kept]
    out["median_session_minutes"] = pd.array(
        _per_cell(groups, s_codes, (last - first) / _MINUTE, "median"), dtype="Float64"
    )
    out["median_session_dials"] = pd.array(
        _per_cell(groups, s_codes, session_dials.astype(float), "median"), dtype="Float64"
    )
    # A break is the gap before each session but a group's first: the same local day when
    # the session starts on the day the one before it ended.
    brk = np.flatnonzero(~new)
    gaps = (first[brk] - last[brk - 1]) / _MINUTE
    same_day = (
        _wall_of(first[brk] // 1000, zone) // _DAY == _wall_of(last[brk - 1] // 1000, zone) // _DAY
    )
    out["median_break_minutes"] = pd.array(
        _per_cell(groups, s_codes[brk][same_day], gaps[same_day], "median"), dtype="Float64"
    )
    # Per group and local day, the first and last start on its local clock (each quarter
    # hour is at one offset).
    day_frame = pd.DataFrame(
        {
            "code": codes,
            "day": day,
            "first": _numbers(quarters, "first").astype(np.int64)[dated] * 1000 + offset,
            "last": _numbers(quarters, "last").astype(np.int64)[dated] * 1000 + offset,
        }
    )
    days = day_frame.groupby(["code", "day"], sort=False).agg(
        first=("first", "min"), last=("last", "max")
    )
    day_codes = days.index.get_level_values("code").to_numpy()
    day_start = days.index.get_level_values("day").to_numpy() * _DAY
    minutes = {}
    for name in ("first", "last"):
        time_of_day = (days[name].to_numpy() - day_start).astype(float)
        median = _per_cell(groups, day_codes, time_of_day, "median")
        seconds = np.round(median / 1e9)  # to the second, as the clock is read
        out[f"{name}_dial"] = _clock_times(seconds)
        minutes[f"{name}_dial_minutes"] = pd.array(seconds / 60, dtype="Float64")
    for name, values in minutes.items():
        out[name] = values
    return _finish(out, keys)

"""Per rep, per contact list and per sequence: the vendor's performance tables.

These reproduce vendor reports, so their columns keep the vendor's names (docs/metrics.md maps
them): total_calls = dials, connected_calls = connected, connection_rate = connect_rate,
meetings_set = meetings; conversations, conversation_rate and meeting_rate are the same names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dialstats.analysis import _engine_tables, _frames, _groups
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._metrics import count_columns
from dialstats.analysis._rates import with_rates
from dialstats.analysis._validate import (
    check_columns,
    check_confidence,
    check_frame,
    check_timezone,
    require_columns,
)

# Vendor column -> the contract count it is.
_COUNTS = {
    "total_calls": "dials",
    "connected_calls": "connected",
    "conversations": "conversations",
    "meetings_set": "meetings",
}
_RATES = {
    "connection_rate": ("connected_calls", "total_calls"),
    "conversation_rate": ("conversations", "total_calls"),
    "meeting_rate": ("meetings_set", "total_calls"),
}


def sdr_performance(
    df: pd.DataFrame,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """One row per rep (`user_id`), with the vendor's SDR-performance metrics.

    The columns keep the vendor's names (docs/metrics.md maps them): total_calls = dials,
    connected_calls = connected, connection_rate = connect_rate, meetings_set = meetings.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the counts, duration and active days are then counted in
        that engine.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    definitions : Definitions, optional
        What connected, conversation and meeting mean, as in `answer_rates`; None (default) is
        the vendor's (`VENDOR`).
    tz : str, optional
        The zone of the days counted in `active_days`; None (default): the frame's own zone,
        naive times being UTC.

    Returns
    -------
    pandas.DataFrame
        One row per rep: `user_id`, `user_name`, `user_email` (those the frame has),
        `total_calls`, `connected_calls`, `connection_rate`, `conversations`,
        `conversation_rate`, `meetings_set`, `meeting_rate` (rates over total calls, with `_low`
        / `_high` Wilson bounds), `total_duration` (seconds, as sent), `active_days` (days with
        at least one call; a call's day is that of its `created_at`, as in the vendor's
        analytics, in `tz`) and `avg_dials_day` (total calls / active days). Sorted by meetings
        set, then connection rate, both descending; ties by id. Calls without a rep are one
        row with NA id.

    Raises
    ------
    InvalidParameterError
        `tz` is not a time zone, or `confidence` is not in (0, 1).
    MissingColumnError
        `df` lacks `user_id`, `duration`, `created_at` or a column the counts read.

    See Also
    --------
    list_performance : The same metrics per contact list.
    sequence_performance : The same metrics per sequence.
    leaderboard : Reps ranked without ranking noise.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> reps = ds.sdr_performance(df)
    >>> reps[["user_name", "total_calls", "meetings_set", "connection_rate"]].head(3).round(3)
           user_name  total_calls  meetings_set  connection_rate
    0  Sofia Alvarez          195             6            0.169
    1     Hannah Kim          237             5            0.148
    2     Maya Patel          274             4            0.201
    """
    described = ["user_name", "user_email"]
    return _performance(df, "user_id", described, "sdr_performance", tz, confidence, definitions)


def list_performance(
    df: pd.DataFrame,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Per contact list, the metrics of `sdr_performance`: the vendor's list performance.

    The columns keep the vendor's names (docs/metrics.md maps them): total_calls = dials,
    connected_calls = connected, connection_rate = connect_rate, meetings_set = meetings.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the counts, duration and active days are then counted in
        that engine.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    definitions : Definitions, optional
        What connected, conversation and meeting mean, as in `answer_rates`; None (default) is
        the vendor's (`VENDOR`).
    tz : str, optional
        The zone of the days counted in `active_days`; None (default): the frame's own zone,
        naive times being UTC.

    Returns
    -------
    pandas.DataFrame
        One row per contact list: `contact_list_id`, `contact_list_name` (when the frame has
        it), `total_calls`, `connected_calls`, `connection_rate`, `conversations`,
        `conversation_rate`, `meetings_set`, `meeting_rate` (rates over total calls, with `_low`
        / `_high` Wilson bounds), `total_duration` (seconds, as sent), `active_days` (days with
        at least one call; a call's day is that of its `created_at`, as in the vendor's
        analytics, in `tz`) and `avg_dials_day` (total calls / active days). Sorted by meetings
        set, then connection rate, both descending; ties by id.

    Raises
    ------
    InvalidParameterError
        `tz` is not a time zone, or `confidence` is not in (0, 1).
    MissingColumnError
        `df` lacks `contact_list_id`, `duration`, `created_at` or a column the counts read.

    See Also
    --------
    sdr_performance : The same metrics per rep.
    sequence_performance : The same metrics per sequence.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> lists = ds.list_performance(df)
    >>> lists.columns.tolist()[:4]
    ['contact_list_id', 'contact_list_name', 'total_calls', 'connected_calls']
    >>> len(lists)
    11
    """
    names = ["contact_list_name"]
    function = "list_performance"
    return _performance(df, "contact_list_id", names, function, tz, confidence, definitions)


def sequence_performance(
    df: pd.DataFrame,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """One row per sequence, with the metrics of `sdr_performance`.

    The columns keep the vendor's names (docs/metrics.md maps them): total_calls = dials,
    connected_calls = connected, connection_rate = connect_rate, meetings_set = meetings.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the counts, duration and active days are then counted in
        that engine.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    definitions : Definitions, optional
        What connected, conversation and meeting mean, as in `answer_rates`; None (default) is
        the vendor's (`VENDOR`).
    tz : str, optional
        The zone of the days counted in `active_days`; None (default): the frame's own zone,
        naive times being UTC.

    Returns
    -------
    pandas.DataFrame
        One row per sequence: `sequence_id`, `sequence_name` (when the frame has it),
        `total_calls`, `connected_calls`, `connection_rate`, `conversations`,
        `conversation_rate`, `meetings_set`, `meeting_rate` (rates over total calls, with `_low`
        / `_high` Wilson bounds), `total_duration` (seconds, as sent), `active_days` (days with
        at least one call; a call's day is that of its `created_at`, as in the vendor's
        analytics, in `tz`) and `avg_dials_day` (total calls / active days). Sorted by meetings
        set, then connection rate, both descending; ties by id. Calls outside any sequence are
        one row with NA id.

    Raises
    ------
    InvalidParameterError
        `tz` is not a time zone, or `confidence` is not in (0, 1).
    MissingColumnError
        `df` lacks `sequence_id`, `duration`, `created_at` or a column the counts read.

    See Also
    --------
    sdr_performance : The same metrics per rep.
    list_performance : The same metrics per contact list.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> ds.sequence_performance(df)[["sequence_name", "total_calls"]]
                     sequence_name  total_calls
    0                         <NA>          880
    1  Inbound Lead Fast Follow-up          196
    2      Cold Outbound - 7 Touch          708
    3         Closed Lost Win-back          105
    4        EMEA Fintech Outreach          111
    """
    names = ["sequence_name"]
    function = "sequence_performance"
    return _performance(df, "sequence_id", names, function, tz, confidence, definitions)


def _performance(
    df: pd.DataFrame,
    key: str,
    described: list[str],
    function: str,
    tz: str | None,
    confidence: float,
    definitions: Definitions | None,
) -> pd.DataFrame:
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, function)
    if tz is not None:
        tz = check_timezone("tz", tz)
    confidence = check_confidence(confidence)
    definitions = check_definitions(definitions)
    if frame is not None:
        out = _on_engine(frame, key, described, function, tz, definitions)
        described = [name for name in described if name in out.columns]
        out = with_rates(out, _RATES, confidence)
    else:
        require_columns(df, [key], function)
        check_columns(df, {"duration": "number", "created_at": "datetime"}, function)
        counts = count_columns(df, list(_COUNTS.values()), function, definitions)
        described = [name for name in described if name in df.columns]
        columns: dict[str, _groups.Column] = {
            **{name: (df[name], _groups.FIRST) for name in described},
            **{vendor: counts[name] for vendor, name in _COUNTS.items()},
            "total_duration": (df["duration"], _groups.SUM),
            "active_days": (_local_days(df["created_at"], tz), _groups.NUNIQUE),
        }
        out = _groups.aggregate(df.index, {key: df[key]}, columns)
        out = with_rates(out, _RATES, confidence)
    days = out["active_days"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = out["total_calls"].to_numpy(dtype=float) / days
    out["avg_dials_day"] = pd.array(np.where(days > 0, average, np.nan), dtype="Float64")
    order = [key, *described, "total_calls"]
    for count, rate in zip(
        ("connected_calls", "conversations", "meetings_set"), _RATES, strict=True
    ):
        order += [count, rate, f"{rate}_low", f"{rate}_high"]
    order += ["total_duration", "active_days", "avg_dials_day"]
    # lexsort is stable: ties keep the key order `aggregate` gave (ascending id).
    return out[order].sort_values(
        ["meetings_set", "connection_rate"],
        ascending=False,
        na_position="last",
        kind="stable",
        ignore_index=True,
    )


def _on_engine(
    frame: object,
    key: str,
    described: list[str],
    function: str,
    tz: str | None,
    definitions: Definitions,
) -> pd.DataFrame:
    """The counts, duration and active days per `key` counted in the engine (distinct rows of
    key, local day and the columns the counts read); each described name that of the key's
    earliest call with one (see `_engine_tables`)."""
    kinds = {"duration": "number", "created_at": "datetime"}
    schema = _engine_tables.check(_engine_tables.readable(frame), kinds, function)
    _engine_tables.require(schema, [key], function)
    day = "__dialstats_day"
    reads = [key, day, "answered_by", "disposition_id", "disposition_name", "duration"]
    walls = _engine_tables.with_wall(frame, "created_at", "d", day, tz)
    rows, calls = _engine_tables.call_rows(walls, None, reads, function)
    counts = count_columns(rows, list(_COUNTS.values()), function, definitions)
    columns: dict[str, _groups.Column] = {
        **{vendor: counts[name] for vendor, name in _COUNTS.items()},
        "total_duration": (rows["duration"], _groups.SUM),
        "active_days": (_engine_tables.as_numbers(rows[day], "D"), _groups.NUNIQUE),
    }
    out = _engine_tables.aggregate(rows.index, {key: rows[key]}, columns, weights=calls)
    present = [name for name in described if name in schema]
    if present:
        readable = _engine_tables.readable(frame)
        names = _engine_tables.earliest(readable, key, present, "created_at", function)
        out = out.merge(names, on=key, how="left", sort=False)
    return out[[key, *present, *(c for c in out.columns if c not in (key, *present))]]


def _local_days(times: pd.Series, tz: str | None) -> np.ndarray:
    """The calendar day of each time as days since 1970-01-01 (NaN when unknown), in `tz` or
    the times' own zone; naive times are UTC, as the API's. Any unit, either dtype backend."""
    stamps = pd.DatetimeIndex(times)
    if tz is not None:
        stamps = (stamps if stamps.tz else stamps.tz_localize("UTC")).tz_convert(tz)
    wall = stamps.tz_localize(None).as_unit("s").asi8
    days = wall // 86_400
    return np.where(stamps.isna(), np.nan, days.astype(float))

"""Per rep, per contact list and per sequence: the vendor's performance tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dialstats.analysis import _flags, _groups
from dialstats.analysis._rates import with_rates
from dialstats.analysis._validate import (
    check_confidence,
    check_frame,
    check_timezone,
    require_columns,
)

_RATES = {
    "connection_rate": ("connected_calls", "total_calls"),
    "conversation_rate": ("conversations", "total_calls"),
    "meeting_rate": ("meetings_set", "total_calls"),
}


def sdr_performance(df: pd.DataFrame, *, tz: str = "UTC", confidence: float = 0.95) -> pd.DataFrame:
    """One row per rep (`user_id`), with the vendor's SDR-performance metrics.

    Columns: `user_id`, `user_name`, `user_email` (those the frame has), `total_calls`,
    `connected_calls`, `connection_rate`, `conversations`, `conversation_rate`, `meetings_set`,
    `meeting_rate` (rates over total calls, with `_low` / `_high` Wilson bounds),
    `total_duration` (seconds), `active_days` (days in `tz` with at least one call; a call's
    day is that of its `created_at`, as in the vendor's analytics) and `avg_dials_day`
    (total calls / active days). Calls without a rep are one row with NA id.
    Sorted by meetings set, then connection rate, both descending; ties by id.

    >>> import dialstats as ds
    >>> ds.sdr_performance(ds.read_call_logs(demo=True))  # doctest: +SKIP
    """
    return _performance(
        df, "user_id", ["user_name", "user_email"], "sdr_performance", tz, confidence
    )


def list_performance(
    df: pd.DataFrame, *, tz: str = "UTC", confidence: float = 0.95
) -> pd.DataFrame:
    """One row per contact list (`contact_list_id`, `contact_list_name`), with the metrics of
    `sdr_performance`, as the vendor's list performance.

    >>> import dialstats as ds
    >>> ds.list_performance(ds.read_call_logs(demo=True))  # doctest: +SKIP
    """
    names = ["contact_list_name"]
    return _performance(df, "contact_list_id", names, "list_performance", tz, confidence)


def sequence_performance(
    df: pd.DataFrame, *, tz: str = "UTC", confidence: float = 0.95
) -> pd.DataFrame:
    """One row per sequence (`sequence_id`, `sequence_name`), with the metrics of
    `sdr_performance`; calls outside any sequence are one row with NA id.

    >>> import dialstats as ds
    >>> ds.sequence_performance(ds.read_call_logs(demo=True))  # doctest: +SKIP
    """
    names = ["sequence_name"]
    return _performance(df, "sequence_id", names, "sequence_performance", tz, confidence)


def _performance(
    df: pd.DataFrame, key: str, described: list[str], function: str, tz: str, confidence: float
) -> pd.DataFrame:
    check_frame(df, function)
    check_timezone("tz", tz)
    confidence = check_confidence(confidence)
    require_columns(df, [key, "duration", "created_at"], function)
    flags = _flags.compute(df, ["connected", "conversation", "meeting"], function)
    described = [name for name in described if name in df.columns]
    columns: dict[str, _groups.Column] = {
        **{name: (df[name], _groups.FIRST) for name in described},
        "total_calls": (None, _groups.SIZE),
        "connected_calls": (flags["connected"], _groups.SUM),
        "conversations": (flags["conversation"], _groups.SUM),
        "meetings_set": (flags["meeting"], _groups.SUM),
        "total_duration": (df["duration"], _groups.SUM),
        "active_days": (_local_days(df["created_at"], tz), _groups.NUNIQUE),
    }
    out = with_rates(_groups.aggregate(df.index, {key: df[key]}, columns), _RATES, confidence)
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


def _local_days(times: pd.Series, tz: str) -> pd.Series:
    """The calendar day of each time, in `tz` (naive times are taken as already local)."""
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_convert(tz).dt.tz_localize(None)
    return times.dt.floor("D")

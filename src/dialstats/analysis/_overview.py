"""The headline numbers of a period, their growth on the period before (the vendor's overview),
the rates per dial, and whether each change is beyond noise."""

from __future__ import annotations

import datetime as dt
import warnings

import narwhals as nw
import numpy as np
import pandas as pd

from dialstats.analysis import _engine, _engine_tables, _frames, _metrics
from dialstats.analysis._compare import two_rates
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import Renamed, keyword_only
from dialstats.analysis._scipy import stats
from dialstats.analysis._validate import (
    caller_stacklevel,
    check_columns,
    check_confidence,
    check_frame,
    check_timezone,
)
from dialstats.api import date_span, parse_date
from dialstats.errors import InvalidParameterError

DateLike = str | dt.date | dt.datetime | pd.Timestamp
# The vendor's overview rows: vendor name -> contract count.
METRICS = {
    "total_calls": "dials",
    "connected_calls": "connected",
    "conversations": "conversations",
    "meetings_set": "meetings",
}
# Rates per dial (contract names), after the vendor's rows.
RATES = ("connect_rate", "conversation_rate", "meeting_rate")
_TICK = pd.Timedelta(1, "ns")
# How far the frame's first (last) call may lie inside the previous (current) period and the
# period still count as covered: quiet days (a weekend) at the edges are normal.
_MIN_SLACK = pd.Timedelta(days=3)


# `start` / `end` (positional or by name) were the first spelling of the readers' bounds.
@keyword_only("start", "end", renamed={"start": Renamed("start_date"), "end": Renamed("end_date")})
def overview(
    df: pd.DataFrame,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    tz: str | None = None,
    start_date: DateLike | None = None,
    end_date: DateLike | None = None,
) -> pd.DataFrame:
    """Headline counts and rates per dial of a period, and their change on the period before.

    As the vendor's overview: calls are placed by `created_at`; `previous` is the period of equal
    length just before, and `growth` is (value - previous) / previous. Like the vendor's
    endpoint, growth needs both bounds: with one or none it is NA. It is NA with a warning, too,
    when the frame does not cover both periods (it must reach into the previous period, start
    within max(3 days, a seventh of the period) of its start, and end as close to the current
    period's end), since counts from a frame that stops short are not a change. Counts are
    compared as events in equal times (the exact conditional binomial test; 14 meetings against
    15 gives p = 1), rates as two proportions (z-test, Katz interval).

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the two periods' counts are then taken in that engine.
    confidence : float, default 0.95
        The level of the ratio intervals; a change is `significant` when p_value < 1 -
        confidence.
    definitions : Definitions, optional
        What connected, conversation and meeting mean, as in `answer_rates`; None (default) is
        the vendor's (`VENDOR`).
    tz : str, optional
        The zone a bare date's day is read in; None (default): the frame's own zone (naive =
        UTC).
    start_date, end_date : str, datetime.date, datetime.datetime or pandas.Timestamp, optional
        The period's bounds, both inclusive; a bare date means its whole day. A missing bound
        is the first (last) call's day. (`start=` / `end=` were their first spelling.)

    Returns
    -------
    pandas.DataFrame
        Rows (index `metric`): the vendor's total_calls, connected_calls, conversations and
        meetings_set, then the contract's connect_rate, conversation_rate and meeting_rate (per
        dial). Rows keep the vendor's names (total_calls = dials, connected_calls = connected,
        meetings_set = meetings: docs/metrics.md). Columns: `value`, `previous`, `growth`;
        `ratio_low` / `ratio_high`, the `confidence` interval of value / previous; `p_value` for
        "no change" and `significant` (p_value < 1 - confidence). The period is in
        ``.attrs["start"]`` / ``.attrs["end"]``, whether it is comparable in
        ``.attrs["covered"]``.

    Raises
    ------
    InvalidParameterError
        `tz` is not a time zone, a bound is not a date, or `confidence` is not in (0, 1).
    MissingColumnError
        `df` lacks `created_at` or a column the counts read.

    Warns
    -----
    UserWarning
        The frame does not cover both periods: growth and its test are NA.

    See Also
    --------
    sdr_performance : The same counts per rep.
    answer_rates : Rates per group and period.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> summary = ds.overview(df, start_date="2026-08-05", end_date="2026-08-06")
    >>> summary[["value", "previous", "growth", "significant"]].round(3)
                       value  previous  growth  significant
    metric
    total_calls        981.0     890.0   0.102         True
    connected_calls    143.0     125.0   0.144        False
    conversations       74.0      66.0   0.121        False
    meetings_set        15.0      10.0     0.5        False
    connect_rate       0.146      0.14   0.038        False
    conversation_rate  0.075     0.074   0.017        False
    meeting_rate       0.015     0.011   0.361        False
    >>> summary.attrs["covered"]
    True
    """
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, "overview")
    start, end = start_date, end_date
    if tz is not None:
        tz = check_timezone("tz", tz)
    confidence = check_confidence(confidence)
    if frame is not None:
        times, counts = _on_engine(frame, start, end, tz, definitions)
        first, last = _bounds(times, start, end, times.tz)
        length = last + _TICK - first
    else:
        check_columns(df, {"created_at": "datetime"}, "overview")
        times = _as_zone(df["created_at"], tz)
        tz = times.tz
        first, last = _bounds(times, start, end, tz)
        length = last + _TICK - first
        nanoseconds = times.as_unit("ns").asi8
        period = np.full(len(df), "", dtype=object)
        period[_between(nanoseconds, first - length, first - _TICK)] = "previous"
        period[_between(nanoseconds, first, last)] = "current"
        counts = _metrics.grouped_counts(
            df.assign(__period__=period),
            ["__period__"],
            list(METRICS.values()),
            function="overview",
            definitions=definitions,
        ).set_index("__period__")
    counts = counts.reindex(["current", "previous"], fill_value=0)
    covered = start is not None and end is not None and _covers(times, first, last, length)
    value = counts.loc["current", list(METRICS.values())].to_numpy(dtype=float)
    before = counts.loc["previous", list(METRICS.values())].to_numpy(dtype=float)
    low, high, p_value = _count_change(value, before, confidence)
    rates = [_metrics.metric(name) for name in RATES]
    x1 = counts.loc["current", [m.numerator for m in rates]].to_numpy(dtype=float)
    x0 = counts.loc["previous", [m.numerator for m in rates]].to_numpy(dtype=float)
    n1 = np.full(len(rates), float(counts.loc["current", "dials"]))
    n0 = np.full(len(rates), float(counts.loc["previous", "dials"]))
    change = two_rates(x1, n1, x0, n0, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.concatenate([value, x1 / n1])
        before = np.concatenate([before, x0 / n0])
        growth = np.where(before > 0, value / before - 1, np.nan)
    low = np.concatenate([low, change.ratio_low])
    high = np.concatenate([high, change.ratio_high])
    p_value = np.concatenate([p_value, change.p_value])
    if not covered:
        growth[:] = low[:] = high[:] = p_value[:] = np.nan
    significant = np.where(np.isnan(p_value), None, p_value < 1 - confidence)
    out = pd.DataFrame(
        {
            "value": pd.array(value, dtype="Float64"),
            "previous": pd.array(before, dtype="Float64"),
            "growth": pd.array(growth, dtype="Float64"),
            "ratio_low": pd.array(low, dtype="Float64"),
            "ratio_high": pd.array(high, dtype="Float64"),
            "p_value": pd.array(p_value, dtype="Float64"),
            "significant": pd.array(significant, dtype="boolean"),
        },
        index=pd.Index([*METRICS, *RATES], name="metric"),
    )
    out.attrs.update(start=first, end=last, covered=covered, confidence=confidence)
    return out


def _on_engine(
    frame: object,
    start: DateLike | None,
    end: DateLike | None,
    tz: str | None,
    definitions: Definitions | None,
) -> tuple[pd.DatetimeIndex, pd.DataFrame]:
    """The first and last `created_at` (as the times `_bounds` and `_covers` read) and the
    counts per period, both from the engine: the period of each call is a comparison with
    the bounds there, then `_engine.grouped_counts`."""
    frame = _engine_tables.readable(frame)
    _engine_tables.check(frame, {"created_at": "datetime"}, "overview")
    zone = _engine_tables.zone_of(frame, "created_at")
    ends, _ = _engine_tables.distinct(
        frame,
        {},
        "overview",
        aggs={"first": nw.col("created_at").min(), "last": nw.col("created_at").max()},
    )
    stamps = pd.to_datetime(pd.concat([ends["first"], ends["last"]]), utc=zone is not None)
    if zone is not None:
        stamps = stamps.dt.tz_convert(zone)
    times = _as_zone(pd.Series(pd.DatetimeIndex(stamps).as_unit("ns")), tz)
    first, last = _bounds(times, start, end, times.tz)
    length = last + _TICK - first
    created = nw.col("created_at")
    at = {
        name: nw.lit(_engine_tables.literal(stamp, zone))
        for name, stamp in (("previous", first - length), ("first", first), ("after", last + _TICK))
    }
    period = (
        nw.when((created >= at["previous"]) & (created < at["first"]))
        .then(nw.lit("previous"))
        .otherwise(
            nw.when((created >= at["first"]) & (created < at["after"])).then(nw.lit("current"))
        )
    )
    counts = _engine.grouped_counts(
        frame.with_columns(__period__=period),
        ["__period__"],
        list(METRICS.values()),
        function="overview",
        definitions=check_definitions(definitions),
    )
    counts["__period__"] = counts["__period__"].astype(object)
    return times, counts.set_index("__period__")


def _count_change(
    value: np.ndarray, before: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts in two equal periods: the exact interval of their ratio and the test of "same
    rate of events" (given the total, the current count is binomial with p = 1/2)."""
    low, high, p_value = (np.full(len(value), np.nan) for _ in range(3))
    for i, (now, then) in enumerate(zip(value.astype(int), before.astype(int), strict=True)):
        if now + then == 0:
            continue
        test = stats.binomtest(now, now + then, 0.5)
        share = test.proportion_ci(confidence, method="exact")
        p_value[i] = test.pvalue
        with np.errstate(divide="ignore"):
            low[i] = share.low / (1 - share.low)
            high[i] = np.inf if share.high == 1 else share.high / (1 - share.high)
    return low, high, p_value


def _covers(
    times: pd.DatetimeIndex, first: pd.Timestamp, last: pd.Timestamp, length: pd.Timedelta
) -> bool:
    """Whether the frame spans the previous and the current period (see `overview`); warns
    when it does not."""
    earliest, latest = times.min(), times.max()
    slack = max(length / 7, _MIN_SLACK)
    previous = first - length
    if pd.isna(earliest):
        gap = "it has no calls"
    elif earliest >= first or earliest > previous + slack:
        gap = f"its first call ({earliest}) is after the previous period began ({previous})"
    elif latest < last - slack:
        gap = f"its last call ({latest}) is well before the period ends ({last})"
    else:
        return True
    warnings.warn(
        f"overview(): the frame does not cover both periods: {gap}; growth and the tests of "
        "change are NA. Read the frame over both periods to compare them.",
        UserWarning,
        stacklevel=caller_stacklevel(),
    )
    return False


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
        first, _ = _parse("start_date", start, tz)
    if end is None:
        last = _midnight(latest if pd.notna(latest) else first, days=1) - _TICK
    else:
        _, after = date_span("end_date", end)
        if after is None:  # an instant
            last, _ = _parse("end_date", end, tz)
        else:  # through the day, ISO week or month it names, in `tz`'s wall clock
            last = after.tz_localize(tz, ambiguous=True, nonexistent="shift_forward") - _TICK
    if last < first:
        raise InvalidParameterError("end_date", f"end_date ({last}) is before start_date ({first})")
    return first, last


def _midnight(stamp: pd.Timestamp, days: int = 0) -> pd.Timestamp:
    """Local midnight starting `stamp`'s day, `days` later (DST-safe: days are not 24 h)."""
    wall = stamp.tz_localize(None).normalize() + pd.Timedelta(days=days)
    # A repeated midnight starts the day at its first occurrence (DST), a missing one after the gap.
    return wall.tz_localize(stamp.tz, nonexistent="shift_forward", ambiguous=True)


def _parse(name: str, value: DateLike, tz: str) -> tuple[pd.Timestamp, bool]:
    """(instant in `tz`, whether `value` was a bare date), read as the readers read their dates
    (`parse_date`: ISO 8601 text only; "10/01/2026" is refused, its day/month order unknown)."""
    parsed, bare = parse_date(name, value)
    stamp = pd.Timestamp(parsed)
    if stamp.tzinfo is None:
        # A wall time that happens twice is its first occurrence; one lost to a gap, after it.
        stamp = stamp.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    else:
        stamp = stamp.tz_convert(tz)
    return stamp, bare

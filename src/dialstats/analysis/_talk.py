"""Talk time: how long connects last, and how many conversations each length threshold gives.

A connect is a connected call (a person reached, the metric contract's `connected`); its talk
time is its `duration` in seconds as sent (59.5 s stays 59.5). Connects without a duration are
counted (`connects`) but left out of the quantiles and shares (`timed` says how many have one).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dialstats.analysis import _engine_tables, _flags, _frames, _groups
from dialstats.analysis._choices import choose
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._intervals import rate_columns
from dialstats.analysis._validate import check_columns, check_confidence, check_frame, group_keys
from dialstats.errors import InvalidParameterError

THRESHOLDS = (30, 45, 60, 90, 120)
QUANTILES = {"p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}
# The columns talk time reads (on an engine frame, their distinct rows are counted there).
READS = ("answered_by", "disposition_id", "disposition_name", "duration")
COLUMN_SETS = ("all", "compact")
_WHOLE = "__all__"


@keyword_only(
    "by",
    "thresholds",
    routes={
        "table": {
            "distribution": "talk_time",
            "thresholds": "talk_time_thresholds",
            "survival": "talk_time_survival",
        }
    },
)
def talk_time(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    thresholds: Sequence[float] = THRESHOLDS,
    columns: str = "all",
) -> pd.DataFrame:
    """Duration of connects per group, and how many last at least each threshold.

    A connect is a connected call (the metric contract's `connected`); its talk time is its
    `duration` in seconds as sent (59.5 s stays 59.5). Connects without a duration are counted
    (`connects`) but left out of the quantiles and shares (`timed` says how many have one).

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the distinct rows of the columns talk time reads are then
        counted in that engine.
    by : str or sequence of str, optional
        The columns to group by; None (default) is one group of every call.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    definitions : Definitions, optional
        What connected means, and the conversation threshold `columns="compact"` keeps; None
        (default) is the vendor's (`VENDOR`).
    thresholds : sequence of float, default (30, 45, 60, 90, 120)
        Talk times in seconds (distinct, >= 0; one number alone is allowed).
    columns : {"all", "compact"}, default "all"
        ``"all"``: every column below. ``"compact"`` keeps the `by` columns, `connects`,
        `median`, `mean`, and for one threshold, the one the definitions call a conversation
        (60 s by default; else the threshold nearest it), `at_least_<t>s` and its share with
        `_low` / `_high`.

    Returns
    -------
    pandas.DataFrame
        One row per group: the `by` columns, `connects`, `timed` (connects with a duration),
        `p10`, `p25`, `median`, `p75`, `p90` (numpy's linear quantiles), `mean` (seconds), and
        per threshold t `at_least_<t>s` (timed connects lasting >= t s, their durations as sent:
        0.4 s is below a threshold of 1 s) with `at_least_<t>s_share` (over `timed`) and its
        Wilson `_low` / `_high`.

    Raises
    ------
    InvalidParameterError
        `thresholds` holds a value that is not a number of seconds >= 0, or repeats one;
        `columns` is unknown.
    MissingColumnError
        `df` lacks `duration` or a column the flags read.

    See Also
    --------
    talk_time_thresholds : The conversations each threshold would count.
    talk_time_survival : The whole curve of talk times.
    dialstats.plot.talk_time : Draws the survival curve, with these shares at the thresholds.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> ds.talk_time(df, thresholds=(45, 60, 90))[["connects", "timed", "median", "mean"]].round(1)
       connects  timed  median   mean
    0       280    280    78.0  129.0
    >>> ds.talk_time(df, columns="compact").columns.tolist()[3:5]
    ['at_least_60s', 'at_least_60s_share']
    """
    columns = choose("columns", columns, COLUMN_SETS)
    thresholds = check_thresholds(thresholds)
    confidence = check_confidence(confidence)
    definitions = check_definitions(definitions)
    df, keys, weights, flags, seconds = _connects(df, by, definitions, "talk_time")
    connected = flags["connected"]
    timed = connected & ~np.isnan(seconds)
    groups = _groups._Groups(keys or _whole(df))
    out = groups.key_frame()
    # One class per call, counted per group in one pass: 0 connected without a duration,
    # 1 + k timed and reaching k of the (ascending) thresholds, last: not a connect.
    reach = np.searchsorted(np.asarray(thresholds), seconds, side="right")
    width = len(thresholds) + 3
    kind = np.where(connected, np.where(timed, 1 + reach, 0), width - 1)
    # Per kept group, how many calls are in each class or a later one.
    if weights is None:
        classes = groups.class_counts(kind, width)
    else:
        classes = _engine_tables.class_counts(groups, kind, width, weights)
    at_least = np.cumsum(classes[:, ::-1], axis=1)[:, ::-1]
    out["connects"] = at_least[:, 0] - at_least[:, -1]
    out["timed"] = at_least[:, 1] - at_least[:, -1]
    for i, t in enumerate(thresholds):
        out[_name(t)] = at_least[:, 2 + i] - at_least[:, -1]
    for name, values in _quantiles(groups, timed, seconds, weights).items():
        out[name] = pd.array(values, dtype="Float64")
    # The row order of every grouped table (see _groups.aggregate).
    order = list(keys) or [_WHOLE]
    out = out.sort_values(order, na_position="last", kind="stable", ignore_index=True)
    out.attrs["confidence"] = confidence
    for t in thresholds:
        share = f"{_name(t)}_share"
        out[share], out[f"{share}_low"], out[f"{share}_high"] = rate_columns(
            out[_name(t)], out["timed"], confidence
        )
    share_columns = [
        f"{_name(t)}{end}"
        for t in thresholds
        for end in ("", "_share", "_share_low", "_share_high")
    ]
    if columns == "compact":
        main = _name(min(thresholds, key=lambda t: abs(t - definitions.conversation_seconds)))
        ends = ("", "_share", "_share_low", "_share_high")
        return out[[*keys, "connects", "median", "mean", *(main + end for end in ends)]]
    return out[[*keys, "connects", "timed", *QUANTILES, "mean", *share_columns]]


def talk_time_thresholds(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    definitions: Definitions | None = None,
    thresholds: Sequence[float] = THRESHOLDS,
) -> pd.DataFrame:
    """The conversations each length threshold would count, per group.

    A conversation is connected and (meeting or duration >= threshold): the contract's
    definition with the threshold swapped.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the distinct rows of the columns talk time reads are then
        counted in that engine.
    by : str or sequence of str, optional
        The columns to group by; None (default) is one group of every call.
    definitions : Definitions, optional
        What connected and meeting mean, and the baseline threshold; None (default) is the
        vendor's (`VENDOR`, 60 s).
    thresholds : sequence of float, default (30, 45, 60, 90, 120)
        Talk times in seconds (distinct, >= 0; one number alone is allowed).

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per group and threshold: the `by` columns, `threshold` (s),
        `conversations`, `baseline` (the count at the definitions' threshold, the vendor's 60 s,
        also in ``.attrs["baseline_seconds"]``), `change` (conversations - baseline) and
        `change_share` (change / baseline; NA when baseline is 0).

    Raises
    ------
    InvalidParameterError
        `thresholds` holds a value that is not a number of seconds >= 0, or repeats one.
    MissingColumnError
        `df` lacks `duration` or a column the flags read.

    See Also
    --------
    talk_time : Quantiles of talk time and the shares at each threshold.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> ds.talk_time_thresholds(df, thresholds=(45, 90)).round(3)
       threshold  conversations  baseline  change  change_share
    0       45.0            164       147      17         0.116
    1       90.0            134       147     -13        -0.088
    """
    function = "talk_time_thresholds"
    thresholds = check_thresholds(thresholds)
    definitions = check_definitions(definitions)
    df, keys, weights, flags, seconds = _connects(df, by, definitions, function)
    connected, meeting = flags["connected"], flags["meeting"]
    return _thresholds(df, keys, thresholds, connected, meeting, seconds, definitions, weights)


def talk_time_survival(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    definitions: Definitions | None = None,
) -> pd.DataFrame:
    """The curve of talk times: per group, the share of connects lasting at least each length.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the distinct rows of the columns talk time reads are then
        counted in that engine.
    by : str or sequence of str, optional
        The columns to group by; None (default) is one group of every call.
    definitions : Definitions, optional
        What connected means; None (default) is the vendor's (`VENDOR`).

    Returns
    -------
    pandas.DataFrame
        One row per group and distinct talk time of its timed connects (durations as sent),
        ascending: the `by` columns, `seconds`, `at_least` (timed connects lasting at least that
        long), `timed` (the group's timed connects) and `share` (at_least / timed); a group
        without timed connects has no rows.

    Raises
    ------
    MissingColumnError
        `df` lacks `duration` or a column the flags read.

    See Also
    --------
    talk_time : Quantiles of talk time and the shares at fixed thresholds.
    dialstats.plot.talk_time : Draws this curve.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> ds.talk_time_survival(df).head(3).round(3)
       seconds  at_least  timed  share
    0      5.0       280    280    1.0
    1      7.0       279    280  0.996
    2     10.0       278    280  0.993
    """
    definitions = check_definitions(definitions)
    df, keys, weights, flags, seconds = _connects(df, by, definitions, "talk_time_survival")
    timed = flags["connected"] & ~np.isnan(seconds)
    groups = _groups._Groups(keys or _whole(df))
    return _survival(groups, keys, timed, seconds, weights)


def _connects(
    df: pd.DataFrame,
    by: str | Sequence[str] | None,
    definitions: Definitions,
    function: str,
) -> tuple[pd.DataFrame, dict[str, pd.Series], np.ndarray | None, dict, np.ndarray]:
    """What every talk-time table reads: the frame's rows (an engine's distinct rows, with how
    many calls each stands for as `weights`), the group keys, the connected and meeting flags
    and the durations in seconds."""
    frame, weights = _frames.wrap(df), None
    if frame is None:
        check_frame(df, function)
    else:
        df, weights = _engine_tables.call_rows(frame, by, READS, function)
    keys = {name: df[name] for name in group_keys(df, by, function)}
    check_columns(df, {"duration": "number"}, function)
    flags = _flags.compute(df, ["connected", "meeting"], function, definitions)
    seconds = df["duration"].to_numpy(dtype=float, na_value=np.nan)
    return df, keys, weights, flags, seconds


def check_thresholds(thresholds: object) -> tuple[float, ...]:
    """Thresholds as an ascending tuple of distinct seconds >= 0 (one number is allowed)."""
    if isinstance(thresholds, int | float | np.number) and not isinstance(thresholds, bool):
        thresholds = (thresholds,)
    if isinstance(thresholds, str | dt.timedelta | pd.Timedelta) or not isinstance(
        thresholds, Sequence | np.ndarray | pd.Index | pd.Series
    ):
        hint = _seconds_hint(thresholds)
        raise InvalidParameterError(
            "thresholds",
            f"thresholds must be a sequence of seconds such as (30, 60, 90); got {thresholds!r}"
            + hint,
        )
    values = []
    for value in thresholds:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | np.number)
            or not math.isfinite(value)
            or value < 0
        ):
            raise InvalidParameterError(
                "thresholds",
                f"thresholds must be numbers of seconds >= 0; got {value!r} in {thresholds!r}"
                + _seconds_hint(value),
            )
        values.append(float(value))
    if not values:
        raise InvalidParameterError(
            "thresholds", f"thresholds needs at least one number of seconds, e.g. {THRESHOLDS}"
        )
    if len(set(values)) != len(values):
        raise InvalidParameterError("thresholds", f"thresholds names a value twice: {thresholds!r}")
    return tuple(sorted(values))


def _seconds_hint(value: object) -> str:
    """ " (did you mean 60?)" when `value` reads as a duration pandas understands."""
    try:
        seconds = float(value)  # "60" as text: already seconds (pandas would read nanoseconds)
    except (TypeError, ValueError):
        try:
            seconds = pd.Timedelta(value).total_seconds()
        except (TypeError, ValueError):
            return ""
    if not math.isfinite(seconds) or seconds < 0:
        return ""
    return f" (did you mean {seconds:g}, in seconds?)"


def _name(threshold: float) -> str:
    return f"at_least_{threshold:g}s"


def _whole(df: pd.DataFrame) -> dict[str, pd.Series]:
    codes = np.zeros(len(df), dtype=np.int8)
    return {_WHOLE: pd.Series(pd.Categorical.from_codes(codes, [_WHOLE]), index=df.index)}


def _quantiles(
    groups: _groups._Groups,
    timed: np.ndarray,
    seconds: np.ndarray,
    weights: np.ndarray | None = None,
) -> dict:
    """Per kept group (in `groups.kept` order), numpy's linear quantiles and the mean; with
    `weights`, each row stands for that many connects (an engine's distinct rows)."""
    rows = np.flatnonzero(timed)
    if weights is not None:
        return _weighted_quantiles(groups, rows, seconds, weights)
    values, sizes = _groups.sorted_within(groups, groups.code.take(rows), seconds.take(rows))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    kept_sizes, kept_starts = sizes[groups.kept], starts[groups.kept]
    out = {}
    empty = kept_sizes == 0
    top = np.maximum(kept_sizes - 1, 0)
    for name, q in QUANTILES.items():
        position = top * q
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, top)
        fraction = position - low
        if len(values):
            a = values[np.minimum(kept_starts + low, len(values) - 1)]
            b = values[np.minimum(kept_starts + high, len(values) - 1)]
            result = a + (b - a) * fraction
        else:
            result = np.full(len(kept_sizes), np.nan)
        out[name] = np.where(empty, np.nan, result)
    # Summed in sorted order, group by group.
    codes = np.repeat(np.arange(groups.cells), sizes)
    totals = np.bincount(codes, weights=values, minlength=groups.cells)[groups.kept]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean"] = np.where(empty, np.nan, totals / np.maximum(kept_sizes, 1))
    return out


def _weighted_quantiles(
    groups: _groups._Groups, rows: np.ndarray, seconds: np.ndarray, weights: np.ndarray
) -> dict:
    """`_quantiles` of rows standing for `weights` connects each: the same connects picked by
    position, with the same interpolation."""
    codes = groups.code.take(rows)
    values, counts, sizes = _engine_tables.sorted_within(
        groups, codes, seconds.take(rows), weights.take(rows)
    )
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    kept_sizes, kept_starts = sizes[groups.kept], starts[groups.kept]
    out = {}
    empty = kept_sizes == 0
    top = np.maximum(kept_sizes - 1, 0)
    for name, q in QUANTILES.items():
        position = top * q
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, top)
        fraction = position - low
        a = _engine_tables.at_positions(values, counts, kept_starts + low)
        b = _engine_tables.at_positions(values, counts, kept_starts + high)
        out[name] = np.where(empty, np.nan, a + (b - a) * fraction)
    totals = np.bincount(
        codes, weights=seconds.take(rows) * weights.take(rows), minlength=groups.cells
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        means = totals[groups.kept] / np.maximum(kept_sizes, 1)
    out["mean"] = np.where(empty, np.nan, means)
    return out


def _survival(
    groups: _groups._Groups,
    keys: dict[str, pd.Series],
    timed: np.ndarray,
    seconds: np.ndarray,
    weights: np.ndarray | None,
) -> pd.DataFrame:
    """Per group and distinct talk time of its timed connects: how many last at least that."""
    rows = np.flatnonzero(timed)
    codes, values = groups.code.take(rows), seconds.take(rows)
    calls = np.ones(len(rows)) if weights is None else weights.take(rows).astype(float)
    pairs, inverse = np.unique(np.stack([codes.astype(float), values]), axis=1, return_inverse=True)
    per_pair = np.rint(np.bincount(inverse.ravel(), weights=calls)).astype(np.int64)
    pair_codes = pairs[0].astype(np.int64)
    # Connects at least this long: the group's timed connects less those in its earlier pairs.
    totals = np.bincount(pair_codes, weights=per_pair, minlength=groups.cells).astype(np.int64)
    earlier_groups = (np.cumsum(totals) - totals)[pair_codes]
    timed_per_pair = totals[pair_codes]
    at_least = timed_per_pair - (np.cumsum(per_pair) - per_pair - earlier_groups)
    # Rows follow the groups' order (see _groups.aggregate), then the seconds.
    frame = groups.key_frame()
    order = list(keys) or [_WHOLE]
    ranked = frame.sort_values(order, na_position="last", kind="stable").index.to_numpy()
    rank = np.empty(groups.cells, dtype=np.int64)
    rank[groups.kept[ranked]] = np.arange(len(ranked))
    position = np.searchsorted(groups.kept, pair_codes)
    sort = np.lexsort((pairs[1], rank[pair_codes]))
    out = frame.iloc[position[sort]].reset_index(drop=True)[list(keys)]
    out["seconds"] = pd.array(pairs[1][sort], dtype="Float64")
    out["at_least"] = at_least[sort]
    out["timed"] = timed_per_pair[sort]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = pd.array(out["at_least"] / out["timed"], dtype="Float64")
    return out


def _thresholds(
    df: pd.DataFrame,
    keys: dict[str, pd.Series],
    thresholds: tuple[float, ...],
    connected: np.ndarray,
    meeting: np.ndarray,
    seconds: np.ndarray,
    definitions: Definitions,
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    base = definitions.conversation_seconds
    columns = {
        "baseline": (connected & (meeting | (seconds >= base)), _groups.SUM),
        **{_name(t): (connected & (meeting | (seconds >= t)), _groups.SUM) for t in thresholds},
    }
    if weights is None:
        counts = _groups.aggregate(df.index, keys, columns)
    else:
        counts = _engine_tables.aggregate(df.index, keys, columns, weights=weights)
    parts = []
    for t in thresholds:
        part = counts[list(keys)].copy()
        part["threshold"] = t
        part["conversations"] = counts[_name(t)]
        part["baseline"] = counts["baseline"]
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(
        [*keys, "threshold"], kind="stable", na_position="last", ignore_index=True
    )
    out["change"] = out["conversations"] - out["baseline"]
    baseline = out["baseline"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(baseline > 0, out["change"].to_numpy(dtype=float) / baseline, np.nan)
    out["change_share"] = pd.array(share, dtype="Float64")
    out.attrs["baseline_seconds"] = base
    return out[[*keys, "threshold", "conversations", "baseline", "change", "change_share"]]

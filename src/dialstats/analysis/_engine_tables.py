"""Distributions, caller numbers and the vendor's tables on any engine narwhals reads.

The same design as `_engine` (aggregate in the engine, infer in numpy), for analyses whose
per-call rules are more than a sum of flags:

- distinct rows with counts: the engine groups the calls by the few columns an analysis reads
  (its keys, answered_by, outcome, the disposition, the duration) and counts each combination;
  the pandas path's own per-call code then runs on those distinct rows and every sum, median
  or quantile weighs each row by its count (`tally`, `aggregate`, `quantile`). Exact: a
  weighted median is the median of the calls, picked by position, with the pandas path's
  arithmetic (durations are whole seconds or few distinct values, so the table stays small).
- transcripts (AMD evidence): the DIALOGUE rule needs a back-reference, which DuckDB's,
  Polars' and Arrow's regular expressions (RE2) lack, so the transcription of an *answered*
  call is one of those columns and the pandas path's regexes read each distinct text once.
- first per id (the vendor tables' names): an engine has no frame order, so a rep's (list's,
  sequence's) name is that of its earliest call by `created_at` that has one, the smallest
  such name on a tie (the pandas path takes the first in frame order: the same on a frame
  in time order, as `read_call_logs` gives); a disposition's name and category are the
  smallest its calls carry (one each in the vendor's data). Both from `group_by(...).agg(min)`.
- clocks: local hours and days are the wall time of `started_at` / `created_at` in the data's
  zone (or `tz`), truncated in the engine; on Spark in Spark SQL (`selectExpr`: narwhals'
  truncation goes back through the session zone there), as `_engine._spark_periods` does.
- per-call results: `amd_evidence` has a row per call, so it collects the few columns it reads
  and runs the pandas rules on them; `flags` stays in the engine (see `flags`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
import pyarrow as pa

from dialstats.analysis import _engine, _frames, _groups
from dialstats.analysis._validate import MissingColumnError, group_keys
from dialstats.errors import InvalidParameterError

_ROWS = "__dialstats_rows"
_WHOLE = "__all__"


def schema_of(frame: nw.DataFrame | nw.LazyFrame) -> dict[str, Any]:
    return dict(frame.collect_schema())


def check(
    frame: nw.DataFrame | nw.LazyFrame, kinds: Mapping[str, str], function: str
) -> dict[str, Any]:
    """The frame's schema, after checking it has each column with its kind of values."""
    schema = schema_of(frame)
    _engine._check_columns(schema, kinds, function, list(schema))
    return schema


def require(schema: Mapping[str, Any], columns: Sequence[str], function: str) -> None:
    for column in columns:
        if column not in schema:
            raise MissingColumnError(column, function, list(schema))


def readable(frame: nw.DataFrame | nw.LazyFrame) -> nw.DataFrame | nw.LazyFrame:
    """The frame with DuckDB nanosecond timestamps readable (see `_engine._readable_times`)."""
    return _engine._readable_times(frame)


def collect(small: nw.DataFrame | nw.LazyFrame, frame: object, function: str) -> pa.Table:
    """A small (reduced) frame as an Arrow table; an operation the engine lacks says how to
    convert the frame instead."""
    try:
        if isinstance(small, nw.LazyFrame):
            small = small.collect()
        return small.to_arrow()
    except NotImplementedError as error:
        native = frame.to_native() if hasattr(frame, "to_native") else frame
        raise InvalidParameterError(
            "df",
            f"{function}() cannot reduce this {_frames.full_name(type(native))} here "
            f"({error.args[0].splitlines()[0]}); convert it with {_frames.how_to_convert(native)}",
        ) from None


def distinct(
    frame: nw.DataFrame | nw.LazyFrame,
    columns: Mapping[str, nw.Expr | None],
    function: str,
    aggs: Mapping[str, nw.Expr] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct rows of `columns` (None: the column of that name as it is; an expression:
    derived in the engine) with how many calls each stands for, and any `aggs` per row.

    Columns come back as a call-log frame holds them (`_engine._to_pandas`: the schema's
    categories, nullable numbers, "string" text); `aggs` as numpy-backed pandas columns.
    """
    schema = schema_of(frame)
    derived, dtypes = {}, {}
    for name, expr in columns.items():
        dtype = schema.get(name) if expr is None else None
        if expr is None:
            expr = nw.col(name)
        if dtype is not None and _engine._is_categorical(dtype):
            expr = expr.cast(nw.String)  # grouped as text; categories are set in pandas
        derived[name], dtypes[name] = expr, dtype
    aggregations = [nw.len().alias(_ROWS)]
    aggregations += [expr.alias(name) for name, expr in (aggs or {}).items()]
    prepared = frame.with_columns(**derived) if derived else frame
    if derived:
        small = prepared.group_by(*derived, drop_null_keys=False).agg(*aggregations)
    else:
        small = prepared.select(*aggregations)
    table = collect(small, frame, function)
    small_schema = nw.from_native(table).schema
    out = {}
    for name in derived:
        dtype = dtypes[name] if dtypes[name] is not None else small_schema[name]
        out[name] = _engine._to_pandas(table.column(name), name, dtype)
    for name in aggs or {}:
        out[name] = pd.Series(table.column(name).to_pandas(), name=name)
    rows = table.column(_ROWS).to_numpy().astype(np.int64)
    index = pd.RangeIndex(len(rows))
    return pd.DataFrame({name: series.array for name, series in out.items()}, index=index), rows


# --- weighted aggregation: `_groups` with one weight (a count of calls) per row -------------


def _whole(index: pd.Index) -> dict[str, pd.Series]:
    whole = pd.Categorical.from_codes(np.zeros(len(index), dtype=np.int8), [_WHOLE])
    return {_WHOLE: pd.Series(whole, index=index)}


def _bincount(groups: _groups._Groups, codes: np.ndarray, weights: np.ndarray, size: int):
    return np.rint(np.bincount(codes, weights=weights, minlength=size)).astype(np.int64)


def class_counts(
    groups: _groups._Groups, codes: np.ndarray, width: int, weights: np.ndarray
) -> np.ndarray:
    """`_Groups.class_counts` where each row stands for `weights` calls."""
    cells = _bincount(groups, groups.code * width + codes, weights, groups.cells * width)
    return cells.reshape(groups.cells, width)[groups.kept]


def sizes(groups: _groups._Groups, weights: np.ndarray) -> np.ndarray:
    """Calls per kept group."""
    return _bincount(groups, groups.code, weights, groups.cells)[groups.kept]


def sorted_within(
    groups: _groups._Groups, codes: np.ndarray, values: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`_groups.sorted_within` for weighted rows: the values ordered by group then value, the
    calls each stands for, and the calls in each cell of `groups`."""
    order = np.lexsort((values, codes))
    return values[order], weights[order], _bincount(groups, codes, weights, groups.cells)


def at_positions(values: np.ndarray, weights: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The value at each 0-based position of the calls in `values` order (each value repeated
    its weight times), without repeating them."""
    ends = np.cumsum(weights)
    if not len(ends):
        return np.full(len(positions), np.nan)
    return values[np.minimum(np.searchsorted(ends, positions, side="right"), len(values) - 1)]


def medians(
    groups: _groups._Groups, numbers: np.ndarray, weights: np.ndarray
) -> pd.api.extensions.ExtensionArray:
    """`_groups._median` of weighted rows: the same middle calls and the same arithmetic."""
    known = np.flatnonzero(~np.isnan(numbers))
    ordered, counts, cells = sorted_within(
        groups, groups.code.take(known), numbers.take(known), weights.take(known)
    )
    first = (np.cumsum(cells) - cells)[groups.kept]
    size = cells[groups.kept]
    low = at_positions(ordered, counts, first + (size - 1) // 2)
    high = at_positions(ordered, counts, first + size // 2)
    middle = np.where(size % 2 == 1, low, (low + high) / 2)
    return pd.array(np.where(size == 0, np.nan, middle), dtype="Float64")


def _sum(groups: _groups._Groups, values: object, weights: np.ndarray) -> object:
    if isinstance(values, np.ndarray) and values.dtype == bool:
        return class_counts(groups, values.astype(np.int64), 2, weights)[:, 1]
    series = pd.Series(values)
    numbers = series.to_numpy(dtype=float, na_value=0.0) * weights
    totals = np.bincount(groups.code, weights=numbers, minlength=groups.cells)[groups.kept]
    nullable = isinstance(series.dtype, pd.api.extensions.ExtensionDtype)
    if pd.api.types.is_float_dtype(series.dtype):
        return pd.array(totals, dtype="Float64" if nullable else "float64")
    return pd.array(np.rint(totals).astype(np.int64), dtype="Int64" if nullable else "int64")


def _median(groups: _groups._Groups, values: object, weights: np.ndarray) -> object:
    numbers = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    return medians(groups, numbers, weights)


_AGGREGATE = {
    _groups.SIZE: lambda groups, values, weights: sizes(groups, weights),
    _groups.SUM: _sum,
    _groups.MEDIAN: _median,
    # Distinct values are the same however many calls each row stands for.
    _groups.NUNIQUE: lambda groups, values, weights: _groups._nunique(groups, values),
}


def tally(
    index: pd.Index,
    keys: Mapping[str, pd.Series],
    columns: Mapping[str, _groups.Column],
    codes: np.ndarray | None = None,
    width: int = 0,
    *,
    weights: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """`_groups.tally` of rows that stand for `weights` calls each (SIZE, SUM, MEDIAN and
    NUNIQUE columns), with the same groups, row order and dtypes."""
    if not keys:
        keys = _whole(index)
    groups = _groups._Groups(keys)
    out = groups.key_frame()
    for name, (values, how) in columns.items():
        out[name] = _AGGREGATE[how](groups, values, weights)
    if codes is None:
        counts = np.zeros((len(groups.kept), 0), dtype=np.int64)
    else:
        counts = class_counts(groups, np.asarray(codes, dtype=np.int64), width, weights)
    out = out.sort_values(list(keys), na_position="last", kind="stable")
    counts = counts[out.index.to_numpy()]
    out = out.reset_index(drop=True)
    return out.drop(columns=[_WHOLE], errors="ignore"), counts


def aggregate(
    index: pd.Index,
    keys: Mapping[str, pd.Series],
    columns: Mapping[str, _groups.Column],
    *,
    weights: np.ndarray,
) -> pd.DataFrame:
    """`_groups.aggregate` of weighted rows (see `tally`)."""
    return tally(index, keys, columns, weights=weights)[0]


# --- the calls an analysis reads, as distinct rows ------------------------------------------


def call_rows(
    frame: nw.DataFrame | nw.LazyFrame,
    by: str | Sequence[str] | None,
    reads: Sequence[str],
    function: str,
    derived: Mapping[str, nw.Expr] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct rows of the `by` columns and the columns in `reads` the frame has (the
    pandas checks then name any missing one), with the calls each stands for; `derived` adds
    columns computed in the engine. A transcription is kept for answered calls only (the only
    ones whose text the AMD rules read), so the other calls do not multiply the rows."""
    frame = readable(frame)
    schema = schema_of(frame)
    names = list(schema)
    keys = group_keys(pd.DataFrame(columns=names), by, function)
    columns: dict[str, nw.Expr | None] = dict.fromkeys(keys)
    columns |= {name: None for name in reads if name in schema}
    if "transcription" in columns and "outcome" in schema and "transcription" not in keys:
        answered = _engine._text(schema, "outcome") == "answered"
        columns["transcription"] = nw.when(answered).then(_engine._text(schema, "transcription"))
    columns |= dict(derived or {})
    return distinct(frame, columns, function)


def call_columns(
    frame: nw.DataFrame | nw.LazyFrame, reads: Sequence[str], function: str
) -> pd.DataFrame:
    """The columns in `reads` the frame has, one row per call in the order the engine gives
    them, as a call-log frame holds them: for a result with a row per call."""
    frame = readable(frame)
    schema = schema_of(frame)
    present = [name for name in reads if name in schema]
    if not present:
        return pd.DataFrame()  # the pandas checks name the missing columns
    table = collect(frame.select(*present), frame, function)
    return pd.DataFrame(
        {name: _engine._to_pandas(table.column(name), name, schema[name]).array for name in present}
    )


# --- clocks ---------------------------------------------------------------------------------


def _module(frame: nw.DataFrame | nw.LazyFrame) -> str:
    return type(frame.to_native()).__module__.split(".")[0]


def zone_of(frame: nw.DataFrame | nw.LazyFrame, column: str) -> str | None:
    """The zone `column`'s times are read in (a Spark TIMESTAMP: the session's; naive: None)."""
    dtype = schema_of(frame)[column]
    if dtype.time_zone is None:
        return None
    if _engine._is_spark(frame):
        return _engine._zone(_engine._spark_zone(frame))
    return _engine._zone(dtype.time_zone)


def with_wall(
    frame: nw.DataFrame | nw.LazyFrame, column: str, unit: str, name: str, tz: str | None = None
) -> nw.DataFrame | nw.LazyFrame:
    """`frame` with `name`: the wall time of `column` truncated to the hour ("h") or day ("d"),
    in `tz` or the times' own zone (naive times are UTC), as a naive datetime. Spark and, for
    another zone, DuckDB compute it in their own SQL (narwhals converts zones on neither)."""
    frame = readable(frame)
    own = zone_of(frame, column)
    quoted = f"`{column}`" if _engine._is_spark(frame) else f'"{column}"'
    if _engine._is_spark(frame):
        wall = f"CAST({quoted} AS TIMESTAMP_NTZ)" if own is not None else quoted
        if tz is not None:
            wall = f"convert_timezone('{own or 'UTC'}', '{tz}', {wall})"
        pattern = "yyyy-MM-dd HH:00:00" if unit == "h" else "yyyy-MM-dd 00:00:00"
        sql = f"CAST(date_format({wall}, '{pattern}') AS TIMESTAMP_NTZ)"
        return nw.from_native(frame.to_native().selectExpr("*", f"{sql} AS `{name}`"))
    if _module(frame) == "duckdb" and tz is not None and tz != own:
        instant = quoted if own is not None else f"timezone('UTC', {quoted})"
        sql = f"date_trunc('{'hour' if unit == 'h' else 'day'}', timezone('{tz}', {instant}))"
        return nw.from_native(frame.to_native().project(f'*, {sql} AS "{name}"'))
    times = nw.col(column)
    if tz is not None and tz != own:
        times = times if own is not None else times.dt.replace_time_zone("UTC")
        times = times.dt.convert_time_zone(tz)
    if own is not None or tz is not None:
        times = times.dt.replace_time_zone(None)
    return frame.with_columns(times.dt.truncate(f"1{unit}").alias(name))


def as_numbers(stamps: pd.Series, unit: str) -> np.ndarray:
    """Naive datetimes as whole hours ("h") or days ("D") since 1970 (float, NaN when unknown)."""
    values = pd.DatetimeIndex(stamps)
    whole = values.as_unit("s").asi8 // (3600 if unit == "h" else 86_400)
    return np.where(values.isna(), np.nan, whole.astype(float))


def literal(stamp: pd.Timestamp, zone: str | None) -> Any:
    """An instant as a literal the engine compares with times in `zone` (naive: UTC)."""
    stamp = stamp.tz_convert(zone or "UTC")
    return (stamp if zone else stamp.tz_localize(None)).to_pydatetime(warn=False)


# --- first per id ---------------------------------------------------------------------------


def smallest(rows: pd.DataFrame, key: str, columns: Sequence[str]) -> pd.DataFrame:
    """Per value of `key` (as `_groups.aggregate` orders them), the smallest non-missing value
    of each column among `rows` (distinct rows of an engine's calls): the engine's rule for
    the "first" value of an id, which has no frame order there."""
    out = None
    for column in columns:
        text = rows[column].astype("string")
        # Missing values last, the others ascending: the first non-missing is the smallest.
        order = np.lexsort((np.asarray(text.fillna(""), dtype=object), text.isna().to_numpy()))
        part = rows.iloc[order]
        first = {column: (part[column].reset_index(drop=True), _groups.FIRST)}
        keys = {key: part[key].reset_index(drop=True)}
        table = _groups.aggregate(pd.RangeIndex(len(part)), keys, first)
        out = table if out is None else out.merge(table, on=key, how="left", sort=False)
    return out


def earliest(
    frame: nw.DataFrame | nw.LazyFrame,
    key: str,
    columns: Sequence[str],
    time: str,
    function: str,
) -> pd.DataFrame:
    """Per value of `key` whose calls carry a value of the column, each column's value on its
    earliest call by `time` that has one (the smallest such value on a tie): from the
    engine's earliest time per (key, value), one small query per column; merge it onto the
    table of every key."""
    out = None
    for column in columns:
        rows, _ = distinct(
            frame.filter(~nw.col(column).is_null()),
            {key: None, column: None},
            function,
            aggs={"__first": nw.col(time).min()},
        )
        first = pd.to_datetime(rows["__first"], utc=True)
        ns = first.astype("int64").where(first.notna(), np.iinfo(np.int64).max)
        order = np.lexsort((np.asarray(rows[column].astype("string"), dtype=object), ns))
        part = rows.iloc[order].reset_index(drop=True)
        table = _groups.aggregate(
            part.index, {key: part[key]}, {column: (part[column], _groups.FIRST)}
        )
        out = table if out is None else out.merge(table, on=key, how="left", sort=False)
    return out

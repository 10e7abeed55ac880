"""Calls per contact, and clocks, on any engine narwhals reads (see `_engine` for the design:
aggregate in the engine, infer in numpy).

What these analyses need beyond a plain group-by, and how each is done in the engine:

- times: `started_at` becomes whole microseconds since the epoch in the engine (`_US`; DuckDB
  and Spark through their own SQL, `epoch_us` / `unix_micros`, as narwhals has no epoch there;
  a naive time is UTC, as in pandas). A time with a finer part than a microsecond (pandas
  nanoseconds) is read to the microsecond.
- clocks in a zone (each contact's or one given): `contact_tz` is taken as it is; where it is
  missing, the zone *keys* (`contact_timezone` / `to` / `contact_phone`) of those calls only
  are reduced in the engine to their distinct values, resolved in Python by the same
  functions `_timing.contact_zones` uses, and the key -> zone mapping goes back into the
  engine as a `when/then` chain of `is_in` (`lookup`, one branch per zone). Calls are then counted per (zone, UTC quarter hour); each quarter hour is
  read on its zone's clock in pandas. Modern zones are whole quarter hours off UTC, so a UTC
  quarter hour lies within one local hour: `local_quarters` checks it and refuses otherwise.
- order within a contact or a rep: narwhals `over(partition_by, order_by)` (`cum_count`,
  `shift`, `cum_sum`) on Polars, DuckDB and Spark; a pyarrow.Table takes no ordered window,
  so it is sorted and the windows are taken along the sorted rows (`_windows_eager`).
- ties: an engine has no row order. Dials of one contact at the same `started_at` are ordered
  by `id` (the order `read_call_logs` gives, so such a frame's tables match the pandas ones);
  without an `id` column, ties are refused (InvalidParameterError naming `df`), and so is
  `contact_attempts`, whose rows follow each contact's first dial, then its least `id`. Calls
  that repeat one contact's `started_at` and `id` (a missing id repeating a missing one) have
  no order either: `refuse_duplicates` refuses them, on pandas too. `activity` does not depend
  on the order of tied dials.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
import pyarrow as pa

from dialstats.analysis import _engine, _frames
from dialstats.analysis._clock import wall_clock_ns, zone_named
from dialstats.analysis._validate import MissingColumnError
from dialstats.errors import InvalidParameterError
from dialstats.frame import contact_zone, number_zones, to_e164

_US = "__dialstats_us"
_QUARTER = "__dialstats_quarter"
_ZONE = "__dialstats_zone"
QUARTER_US = 900 * 10**6
_QUARTER_NS = QUARTER_US * 1000
_HOUR_NS = 4 * _QUARTER_NS
_ZONE_SOURCES = ("contact_timezone", "to", "contact_phone")


def prepared(frame: nw.DataFrame | nw.LazyFrame, function: str) -> tuple[Any, dict[str, Any]]:
    """`frame` with `started_at` checked and as microseconds since the epoch (`_US`, null
    without a time), and its schema."""
    frame = _engine._readable_times(frame)
    schema = dict(frame.collect_schema())
    _engine._check_columns(schema, {"started_at": "datetime"}, function, list(schema))
    times = schema["started_at"]
    native = frame.to_native()
    if _engine._is_spark(frame):
        if times.time_zone is None:
            sql = "timestampdiff(MICROSECOND, TIMESTAMP_NTZ'1970-01-01 00:00:00', `started_at`)"
        else:
            sql = "unix_micros(`started_at`)"
        frame = nw.from_native(native.selectExpr("*", f"{sql} AS `{_US}`"))
    elif type(native).__module__.split(".")[0] == "duckdb":
        # epoch_us reads a TIMESTAMPTZ as its instant whatever the connection's zone.
        frame = nw.from_native(native.project(f'*, epoch_us("started_at")::BIGINT AS "{_US}"'))
    else:
        frame = frame.with_columns(nw.col("started_at").dt.timestamp("us").alias(_US))
    return frame, schema


def quarter() -> nw.Expr:
    """The start of each call's UTC quarter hour, in microseconds (a floor whether the engine's
    `%` truncates or floors)."""
    return nw.col(_US) - ((nw.col(_US) % QUARTER_US) + QUARTER_US) % QUARTER_US


def frame_zone(frame: nw.DataFrame | nw.LazyFrame, schema: Mapping[str, Any]) -> str | None:
    """The zone the frame's times read in (a Spark TIMESTAMP: the session's), None if naive."""
    zone = schema["started_at"].time_zone
    if zone is not None and _engine._is_spark(frame):
        zone = _engine._spark_zone(frame)
    return _engine._zone(zone)


def collect(frame: nw.DataFrame | nw.LazyFrame, function: str) -> pa.Table:
    """A small reduced frame brought back as Arrow; an engine without an operation here says
    how to convert the frame instead."""
    try:
        if isinstance(frame, nw.LazyFrame):
            frame = frame.collect()
        return frame.to_arrow()
    except NotImplementedError as error:
        native = frame.to_native()
        raise InvalidParameterError(
            "df",
            f"{function}() cannot reduce this {_frames.full_name(type(native))} here "
            f"({error.args[0].splitlines()[0]}); convert it with {_frames.how_to_convert(native)}",
        ) from None


def text(schema: Mapping[str, Any], column: str) -> nw.Expr:
    return _engine._text(schema, column)


# --- contact zones -------------------------------------------------------------------------


def contact_zone_expr(
    frame: nw.DataFrame | nw.LazyFrame, schema: Mapping[str, Any], function: str
) -> nw.Expr:
    """Each call's zone name (text, null when unknown) as `_timing.contact_zones` gives it:
    `contact_tz`, else derived from `contact_timezone`, else from the dialled number."""
    names = list(schema)
    has_given = "contact_tz" in schema
    if not any(name in schema for name in _ZONE_SOURCES):
        if not has_given:
            raise MissingColumnError("contact_tz", function, names)
        return text(schema, "contact_tz")
    given = text(schema, "contact_tz") if has_given else nw.lit(None, nw.String)
    missing = given.is_null()
    keys = {}
    if "contact_timezone" in schema:
        keys["text"] = nw.when(missing).then(text(schema, "contact_timezone"))
    numbers = [text(schema, name) for name in ("to", "contact_phone") if name in schema]
    if numbers:
        number = numbers[0] if len(numbers) == 1 else nw.coalesce(*numbers)
        keys["number"] = nw.when(missing).then(number)
    # Only the calls without a contact_tz: an engine skips the other columns (and a Parquet
    # file's row groups) where it has none, so a full column costs just its null check.
    wanted = frame.filter(missing) if has_given else frame
    rows = collect(wanted.select(**keys).unique(), function)
    if has_given and rows.num_rows == 0:
        return given  # the pandas path takes the column as it is, then
    by_text: dict[str, list[str]] = {}
    by_number: dict[str, list[str]] = {}
    unplaced = []
    texts = rows.column("text").to_pylist() if "text" in keys else [None] * rows.num_rows
    calls = rows.column("number").to_pylist() if "number" in keys else [None] * rows.num_rows
    for value, call in zip(texts, calls, strict=True):
        zone = None if value is None else contact_zone(str(value))
        if zone is not None:
            by_text.setdefault(zone, []).append(value)
        elif call is not None:
            unplaced.append(call)
    unplaced = sorted(set(unplaced))
    if unplaced:
        e164 = to_e164(pa.chunked_array([pa.array(unplaced, pa.string())])).to_pylist()
        for call, zone in zip(unplaced, number_zones(e164), strict=True):
            if zone is not None:
                by_number.setdefault(zone, []).append(call)
    branches = [(keys["text"], zone, sorted(set(v))) for zone, v in by_text.items()]
    branches += [(keys["number"], zone, v) for zone, v in by_number.items()]
    derived = lookup(branches, nw.String())
    return nw.coalesce(given, derived) if has_given else derived


def lookup(branches: Sequence[tuple[nw.Expr, Any, Sequence[Any]]], dtype: Any) -> nw.Expr:
    """A mapping resolved in Python, as an engine expression: per row the value of the first
    (key, value, keys) branch whose key is among its keys, else null (of `dtype`). One
    `is_in` per distinct value, so the chain stays as short as the values are few.

    >>> expr = lookup([(nw.col("tz"), "America/New_York", ["ET", "EST"])], nw.String())
    """
    chain: Any = None
    for key, value, keys in branches:
        hit = key.is_in(list(keys))
        chain = nw.when(hit) if chain is None else chain.when(hit)
        chain = chain.then(nw.lit(value, dtype))
    missing = nw.lit(None, dtype)
    return missing if chain is None else chain.otherwise(missing)


def local_quarters(
    starts_us: np.ndarray, zones: Sequence[str | None], function: str
) -> tuple[np.ndarray, np.ndarray]:
    """Each UTC quarter hour (start, microseconds) as local wall-clock ns in its zone, and
    whether the zone is known; InvalidParameterError when a quarter hour is not within one
    local hour at one offset (an odd transition, or a zone's old local mean time)."""
    starts = np.asarray(starts_us, dtype=np.int64) * 1000
    wall = np.zeros(len(starts), dtype=np.int64)
    known = np.zeros(len(starts), dtype=bool)
    names = pd.Series(list(zones), dtype=object)
    for name in pd.unique(names.dropna()):
        place = zone_named(name)
        if place is None:
            continue
        mine = np.flatnonzero((names == name).to_numpy())
        begin = wall_clock_ns(starts[mine], place)
        end = wall_clock_ns(starts[mine] + _QUARTER_NS - 1, place)
        bad = (end - begin != _QUARTER_NS - 1) | (begin // _HOUR_NS != end // _HOUR_NS)
        if bad.any():
            at = pd.Timestamp(int(starts[mine][bad][0]), tz="UTC")
            raise InvalidParameterError(
                "df",
                f"{function}() counts calls per UTC quarter hour in the engine, but in zone "
                f"{name} the quarter hour from {at} is not within one local hour; convert "
                "the frame to pandas for it",
            )
        wall[mine], known[mine] = begin, True
    return wall, known


# --- ordered windows -----------------------------------------------------------------------


def windows(
    frame: nw.DataFrame | nw.LazyFrame,
    partition: Sequence[str],
    order: Sequence[str],
    specs: Mapping[str, tuple[str, nw.Expr]],
) -> nw.DataFrame | nw.LazyFrame:
    """`frame` with one column per spec, within each partition in `order` (ascending, no
    nulls): ("count", _) the row's position from 1, ("shift", expr) the previous row's value
    (null on the first), ("cum_sum", expr) the running sum of a whole number >= 0 to here."""
    if frame.implementation.is_pyarrow():
        return _windows_eager(frame, partition, order, specs)
    columns = {}
    for name, (kind, expr) in specs.items():
        if kind == "count":
            value = nw.col(_US).cum_count()
        elif kind == "shift":
            value = expr.shift(1)
        else:
            value = expr.cum_sum()
        value = value.over(*partition, order_by=list(order))
        columns[name] = value.cast(nw.Int64) if kind != "shift" else value
    return frame.with_columns(**columns)


def _windows_eager(frame, partition, order, specs):
    """`windows` on a frame without ordered windows: sorted, each partition starts where a key
    differs from the row before (a null equal to a null), and the running values restart there."""
    frame = frame.sort(*partition, *order, nulls_last=True).with_row_index("__dialstats_i")
    index = nw.col("__dialstats_i")
    new = index == 0
    for key in partition:
        before = nw.col(key).shift(1)
        same = (nw.col(key) == before).fill_null(False) | (nw.col(key).is_null() & before.is_null())
        new = new | ~same
    frame = frame.with_columns(__dialstats_part=new)
    new = nw.col("__dialstats_part")
    columns = {}
    for name, (kind, expr) in specs.items():
        if kind == "count":
            first = nw.when(new).then(index).otherwise(0).cum_max()
            columns[name] = (index - first + 1).cast(nw.Int64)
        elif kind == "shift":
            columns[name] = nw.when(~new).then(expr.shift(1))
        else:
            running = expr.cast(nw.Int64).cum_sum()
            base = nw.when(new).then(running - expr.cast(nw.Int64)).otherwise(0).cum_max()
            columns[name] = (running - base).cast(nw.Int64)
    return frame.with_columns(**columns).drop("__dialstats_i", "__dialstats_part")


def tie_order(schema: Mapping[str, Any], function: str, *, need_id: bool = False) -> list[str]:
    """The order of one contact's dials: `started_at`, then `id` to break ties (see the
    module doc); `need_id`: refuse a frame without `id`."""
    if "id" in schema:
        return [_US, "id"]
    if need_id:
        raise InvalidParameterError(
            "df",
            f"{function}() on a {_frames.ENGINES} frame needs an 'id' column: an engine keeps no "
            "row order, and the calls' ids give it (as read_call_logs() orders them)",
        )
    return [_US]


def refuse_ties(ties: int, function: str) -> None:
    if ties:
        raise InvalidParameterError(
            "df",
            f"{function}(): {ties:,} dials share their contact's started_at with another, and "
            "without an 'id' column an engine frame has no order to break the tie; add the "
            "calls' id column",
        )


def refuse_duplicates(duplicates: int, function: str) -> None:
    """Refuse calls that repeat another's contact, `started_at` and `id`: a duplicated call (an
    export read twice) is no redial, and nothing says which copy comes first."""
    if duplicates:
        raise InvalidParameterError(
            "df",
            f"{function}(): {duplicates:,} calls repeat another call's contact_id, started_at "
            "and id, so they cannot be put in order (and a copy is no redial); drop the "
            'copies first, e.g. df.drop_duplicates("id")',
        )


def keys_of(table: pa.Table, schema: Mapping[str, Any], names: Sequence[str]) -> dict:
    """Key columns of a collected table as pandas, with the dtypes `_engine` gives them."""
    return {name: _engine._to_pandas(table.column(name), name, schema[name]) for name in names}


def grouped(
    frame: nw.DataFrame | nw.LazyFrame,
    schema: Mapping[str, Any],
    keys: Sequence[str],
    aggs: Sequence[nw.Expr],
    function: str,
) -> pa.Table:
    """`frame` grouped by `keys` (at least one; categoricals as text, nulls a group) with
    elementary aggregations, collected."""
    derived = {
        k: nw.col(k).cast(nw.String)
        for k in keys
        if k in schema and _engine._is_categorical(schema[k])
    }
    if derived:
        frame = frame.with_columns(**derived)
    return collect(frame.group_by(*keys, drop_null_keys=False).agg(*aggs), function)

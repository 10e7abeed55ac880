"""Count tables on any engine narwhals reads: aggregate in the engine, infer in numpy.

A pandas frame takes the analyses' own pandas path, unchanged. Any other frame narwhals wraps
(Polars eager or lazy, a DuckDB relation, a pyarrow.Table, a PySpark DataFrame) is reduced
where it lives: the flags are narwhals expressions built from the same `Definitions`, summed
per group (and per day or time bucket with `freq`), and only that small table is collected and
turned into pandas. There the pandas path's own `_groups.aggregate` and `period_key` finish it,
so group rows, their order and period labels follow the same rules:

- periods: calendar frequencies (days and longer: "D", "W", "MS", "ME", ...) are reduced per
  local day of `started_at` in the data's zone, then the days are re-binned to periods in pandas
  (exact: a day never straddles two such periods, which is checked); shorter ones ("h", "15min")
  per UTC bucket of gcd(freq, 15 min), re-binned the same way (checked too). A Polars or
  pyarrow timestamp carries its zone; a DuckDB TIMESTAMPTZ is in the connection's TimeZone; a
  Spark TIMESTAMP is in the session's `spark.sql.session.timeZone`, read when the frame is
  reduced (its local days are taken in Spark; its buckets come from epoch microseconds, so
  any session zone gives every period). Naive times (a Spark TIMESTAMP_NTZ too) are UTC, as in
  pandas. Period labels are in the unit of `started_at` as the engine holds it (`time_unit`),
  as the pandas path keeps the frame's: a microsecond Polars frame gives microsecond labels.
- categorical keys: an engine's categorical has no fixed categories (Spark has no categorical
  at all), so the schema's categoricals (`direction`, `outcome`, `answered_by`,
  `disposition_category`, whether the engine holds them as text or categories) get the
  schema's categories, then any other value seen, sorted, as the readers give them; an Enum's
  categories are its own; any other categorical column gets the values seen, sorted.
- text keys are pandas "string", whole numbers Int64, fractions Float64, booleans "boolean".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.tseries.offsets import Tick

from dialstats._vocabulary import MACHINE_PREFIX
from dialstats.analysis import _flags, _groups
from dialstats.analysis._frames import full_name, how_to_convert
from dialstats.analysis._periods import PERIOD, _in_zone, check_freq, period_key
from dialstats.analysis._validate import MissingColumnError, group_keys
from dialstats.errors import InvalidParameterError
from dialstats.frame import UTC, call_log_dtypes

_SCHEMA_CATEGORIES = {
    name: tuple(dtype.categories)
    for name, dtype in call_log_dtypes().items()
    if isinstance(dtype, pd.CategoricalDtype)
}
_DAY = "__dialstats_day"
_BUCKET = "__dialstats_bucket"
_EPOCH_US = "__dialstats_epoch_us"
_FLAG = "__dialstats_flag_"
_NAME = "__dialstats_name_"
# Modern zones are whole quarter hours off UTC, so a bucket of this many ns never straddles a
# local midnight; period_key's check says so when one does (a zone's old local mean time).
_QUARTER_HOUR = 15 * 60 * 10**9


# --- column checks on a schema -------------------------------------------------------------


def _is_text(dtype: Any) -> bool:
    return isinstance(dtype, nw.String | nw.Categorical | nw.Enum)


def _kind_ok(dtype: Any, kind: str) -> bool:
    if kind == "datetime":
        return isinstance(dtype, nw.Datetime)
    if kind == "number":
        return dtype.is_numeric()
    return _is_text(dtype)


_KIND_NAMES = {"text": "text (strings or categories)", "number": "numbers", "datetime": "datetimes"}


def _check_columns(
    schema: Mapping[str, Any], kinds: Mapping[str, str], function: str, names: list[str]
) -> None:
    for column, kind in kinds.items():
        if column not in schema:
            raise MissingColumnError(column, function, names)
        if not _kind_ok(schema[column], kind):
            raise InvalidParameterError(
                "df",
                f"{function}() needs column {column!r} to hold {_KIND_NAMES[kind]}, "
                f"not {schema[column]}; a frame from dialstats.read_call_logs() has the "
                "schema's dtypes",
            )


# --- flags as expressions ------------------------------------------------------------------


def _text(schema: Mapping[str, Any], column: str) -> nw.Expr:
    expr = nw.col(column)
    return expr if isinstance(schema[column], nw.String) else expr.cast(nw.String)


def _yes(expr: nw.Expr) -> nw.Expr:
    return expr.fill_null(False)


def _compare(schema: Mapping[str, Any], column: str, op: str, value: float) -> nw.Expr:
    expr = getattr(nw.col(column), op)(value)
    if schema[column].is_float():  # NaN is no number: never a yes (Polars orders it last)
        expr = expr & ~nw.col(column).is_nan()
    return _yes(expr)


def _among(schema: Mapping[str, Any], dispositions: frozenset[int | str]) -> nw.Expr:
    ids = sorted(item for item in dispositions if not isinstance(item, str))
    names = sorted(item for item in dispositions if isinstance(item, str))
    hit = _yes(nw.col("disposition_id").is_in(ids)) if ids else nw.lit(False)
    if names:
        hit = hit | _yes(_text(schema, "disposition_name").is_in(names))
    return hit


def flag_exprs(
    schema: Mapping[str, Any], names: Sequence[str], definitions: Any
) -> tuple[dict[str, nw.Expr], list[str]]:
    """The named flags (or contract counts) as boolean narwhals expressions, as
    `_flags.compute` defines them (a missing value is never a yes); and the `Definitions`
    fields of dispositions they read, in the order `_flags.compute` checks them."""
    built: dict[str, nw.Expr] = {}

    def get(name: str) -> nw.Expr:
        if name not in built:
            built[name] = _FLAG_EXPRS[name](schema, definitions, get)
        return built[name]

    exprs = {name: get(_flags.COUNTED.get(name, name)) for name in names}
    return exprs, [_flags._FIELDS[name] for name in built if name in _flags._FIELDS]


def _reached(schema, d, get):
    hit = _among(schema, d.reached)
    if d.reached_below is not None:
        hit = hit | _compare(schema, "disposition_id", "__lt__", d.reached_below)
    return hit


_FLAG_EXPRS = {
    "answered": lambda s, d, get: _yes(_text(s, "outcome") == "answered"),
    "human": lambda s, d, get: _yes(_text(s, "answered_by") == "human"),
    "machine": lambda s, d, get: _yes(_text(s, "answered_by").str.starts_with(MACHINE_PREFIX)),
    "reached": _reached,
    "connected": lambda s, d, get: get("human") & get("reached"),
    "conversation": lambda s, d, get: get("connected") & (get("meeting") | get("long")),
    "long": lambda s, d, get: _compare(s, "duration", "__ge__", d.conversation_seconds),
    "meeting": lambda s, d, get: _among(s, d.meetings),
    "voicemail": lambda s, d, get: _among(s, d.voicemails),
    "positive": lambda s, d, get: _yes(_text(s, "disposition_category") == "positive"),
}


# --- the reduction -------------------------------------------------------------------------


class Reduced:
    """A count table from an engine: pandas keys (the by columns, then the period) and int64
    counts, row-aligned, one row per group that occurs; `aggregate` finishes it."""

    def __init__(self, keys: dict[str, pd.Series], counts: dict[str, np.ndarray]) -> None:
        self.keys, self.counts = keys, counts

    def aggregate(self, by: Sequence[str] | None = None) -> pd.DataFrame:
        """The table as the pandas path's `_groups.aggregate` gives it, per group of all the
        keys, or of `by` (some of them, in any order; [] for one row)."""
        index = pd.RangeIndex(len(next(iter(self.counts.values()))))
        columns = {name: (values, _groups.SUM) for name, values in self.counts.items()}
        keys = self.keys if by is None else {name: self.keys[name] for name in by}
        out = _groups.aggregate(index, keys, columns)
        for name in self.counts:
            out[name] = out[name].to_numpy(dtype=np.int64)
        return out


def columns_of(frame: nw.DataFrame | nw.LazyFrame) -> pd.DataFrame:
    """An empty pandas frame with `frame`'s column names, for the checks that read names only
    (`group_keys`, `require_columns`); no rows are read."""
    return pd.DataFrame(columns=list(frame.collect_schema().names()))


def counted(names: Sequence[str]) -> dict[str, str | None]:
    """Contract count names (`_metrics.COUNTS`) as `reduce` takes them: "dials" counts every
    call, any other its flag."""
    return {name: None if name == "dials" else name for name in names}


def grouped_counts(
    frame: nw.DataFrame | nw.LazyFrame,
    by: Sequence[str],
    names: Sequence[str],
    *,
    function: str,
    definitions: Any,
    freq: object = None,
) -> pd.DataFrame:
    """`_metrics.grouped_counts` counted in the frame's engine: per group of `by` (and
    period of `freq`, as `PERIOD`), one int64 column per contract count in `names`."""
    return reduce(frame, by, counted(names), function, definitions, freq).aggregate()


def reduce(
    frame: nw.DataFrame | nw.LazyFrame,
    by: str | Sequence[str] | None,
    counts: Mapping[str, Sequence[str] | nw.Expr | None],
    function: str,
    definitions: Any,
    freq: object = None,
    *,
    cumulative: bool = False,
) -> Reduced:
    """Per group of `by` (and period of `freq`), the calls (None) or calls with each flag.

    `counts` maps an output column to None (every call), a flag / contract count name, or a
    boolean narwhals expression; `cumulative`: each column counts the calls in it and in every
    earlier one (the funnel's nested stages).
    """
    given, frame = frame, _readable_times(frame)
    schema = dict(frame.collect_schema())
    names = list(schema)
    keys = group_keys(pd.DataFrame(columns=names), by, function)
    wanted = [flag for flag in counts.values() if isinstance(flag, str)]
    needed = _flags.needs(wanted, definitions)
    _check_columns(schema, {c: _flags.KINDS[c] for c in needed}, function, names)
    if freq is not None:
        offset = check_freq(freq)
        _check_columns(schema, {"started_at": "datetime"}, function, names)
        if PERIOD in keys:
            raise InvalidParameterError(
                "by", f"with freq, {PERIOD!r} names the period column; rename the by column"
            )
    flags, fields = flag_exprs(schema, wanted, definitions)
    columns: dict[str, nw.Expr] = {}
    running: nw.Expr | None = None
    for position, flag in enumerate(counts.values()):
        expr = flags[flag] if isinstance(flag, str) else flag
        if cumulative:
            if expr is None:
                expr = running
            elif running is not None:
                expr = running & _yes(expr)
            running = expr
        if expr is not None:
            columns[f"{_FLAG}{position}"] = _yes(expr).cast(nw.Int64)
    # Named dispositions: whether any call has each, to refuse a slip without a second pass.
    named = sorted(
        dict.fromkeys(
            item
            for field in fields
            for item in getattr(definitions, field)
            if isinstance(item, str)
        )
    )
    for position, name in enumerate(named):
        columns[f"{_NAME}{position}"] = _yes(_text(schema, "disposition_name") == name).cast(
            nw.Int64
        )
    group = [*keys]
    derived = {k: nw.col(k).cast(nw.String) for k in keys if _is_categorical(schema[k])}
    tz = None
    if freq is not None:
        times = schema["started_at"]
        if _is_spark(frame) and times.time_zone is not None:
            times = nw.Datetime(times.time_unit, _spark_zone(frame))
        tz = _zone(times.time_zone)
        wall = nw.col("started_at")
        if times.time_zone is not None:
            wall = wall.dt.replace_time_zone(None)
        if isinstance(offset, Tick):
            step = math.gcd(int(offset.nanos), _QUARTER_HOUR)
            if _is_spark(frame):
                frame = _spark_periods(frame, times, _BUCKET, step)
            else:
                frame, nanoseconds = _nanoseconds(frame)
                derived[_BUCKET] = (nanoseconds // step) * step
            group.append(_BUCKET)
        else:
            if _is_spark(frame):
                frame = _spark_periods(frame, times, _DAY)
            else:
                derived[_DAY] = wall.dt.truncate("1d")
            group.append(_DAY)
    # Elementary aggregations only (pyarrow takes no other); the sums are int64 in numpy.
    aggs = [nw.len().alias("__dialstats_rows")]
    aggs += [nw.col(name).sum().alias(name) for name in columns]
    try:
        prepared = frame.with_columns(**derived, **columns)
        if group:
            small = prepared.group_by(*group, drop_null_keys=False).agg(*aggs)
        else:
            small = prepared.select(*aggs)
        if isinstance(small, nw.LazyFrame):
            small = small.collect()
        table = small.to_arrow()
    except NotImplementedError as error:
        raise InvalidParameterError(
            "freq" if freq is not None else "df",
            f"{function}() cannot reduce this {full_name(type(frame.to_native()))} "
            f"here ({error.args[0].splitlines()[0]}); convert it with "
            f"{how_to_convert(frame.to_native())}",
        ) from None
    rows = table.column("__dialstats_rows").to_numpy().astype(np.int64)
    if named and rows.sum() > 0:
        _check_named(frame, schema, table, named, fields, definitions, function)
    out_keys = {k: _to_pandas(table.column(k), k, schema[k]) for k in keys}
    if freq is not None:
        unit = time_unit(given)
        out_keys[PERIOD] = _periods(table, offset, freq, tz, _BUCKET in group, unit)
    out_counts = {}
    for position, name in enumerate(counts):
        column = f"{_FLAG}{position}"
        out_counts[name] = (
            table.column(column).to_numpy().astype(np.int64) if column in columns else rows
        )
    return Reduced(out_keys, out_counts)


def time_unit(frame: nw.DataFrame | nw.LazyFrame) -> str:
    """The unit of `started_at` as the engine holds it ("s" .. "ns"), which the results' times
    take, as the pandas path keeps the frame's; a DuckDB TIMESTAMP_NS or TIMESTAMPTZ_NS (which
    narwhals leaves Unknown, and `_readable_times` reads as microseconds) is "ns"."""
    kind = frame.collect_schema()["started_at"]
    return kind.time_unit if isinstance(kind, nw.Datetime) else "ns"


def _readable_times(frame: nw.DataFrame | nw.LazyFrame) -> nw.DataFrame | nw.LazyFrame:
    """DuckDB nanosecond timestamps (which narwhals leaves Unknown) as microsecond ones."""
    native = frame.to_native()
    if type(native).__module__.split(".")[0] != "duckdb":
        return frame
    casts, zone = {}, None
    schema = frame.collect_schema()
    for column, kind in zip(native.columns, native.types, strict=True):
        text = str(kind).upper()
        if text.startswith("TIMESTAMP") and isinstance(schema[column], nw.Unknown):
            zoned = "TIME ZONE" in text or "TZ" in text
            if zoned and zone is None:
                # A zoned timestamp is in the connection's zone (no rows are read for it).
                setting = "current_setting('TimeZone'), count(*)"
                zone = native.limit(0).aggregate(setting).fetchall()[0][0]
            casts[column] = nw.col(column).cast(nw.Datetime("us", zone if zoned else None))
    return frame.with_columns(**casts) if casts else frame


def _nanoseconds(
    frame: nw.DataFrame | nw.LazyFrame,
) -> tuple[nw.DataFrame | nw.LazyFrame, nw.Expr]:
    """`started_at` as nanoseconds since the epoch, and the frame that expression reads.

    DuckDB computes it with its own `epoch_us`, in a column of its own: narwhals has no epoch
    there, and a difference of DuckDB's zoned times is a calendar interval, which is an hour off
    across a DST change in any connection TimeZone but UTC."""
    native = frame.to_native()
    if type(native).__module__.split(".")[0] != "duckdb":
        return frame, nw.col("started_at").dt.timestamp("ns")
    native = native.project(f'*, epoch_us("started_at") AS "{_EPOCH_US}"')
    return nw.from_native(native), nw.col(_EPOCH_US) * 1000


def _is_spark(frame: nw.DataFrame | nw.LazyFrame) -> bool:
    implementation = frame.implementation
    return implementation.is_pyspark() or implementation.is_pyspark_connect()


def _spark_zone(frame: nw.LazyFrame) -> str:
    """The session's time zone now (narwhals keeps the first one it read per session, but
    `spark.conf.set` changes it, and with it how every TIMESTAMP reads)."""
    return frame.to_native().sparkSession.conf.get("spark.sql.session.timeZone")


def _spark_periods(
    frame: nw.LazyFrame, times: Any, column: str, step: int | None = None
) -> nw.LazyFrame:
    """A Spark frame with `column`: each call's local day (`_DAY`, a TIMESTAMP_NTZ midnight),
    or the start of its UTC bucket of `step` ns as ns since the epoch (`_BUCKET`), computed
    in Spark SQL: narwhals has no epoch there, and its day truncation goes back through the
    session zone, which moves a midnight that the zone skips."""
    started = "`started_at`"
    if column == _DAY:
        # to_date reads a TIMESTAMP in the session zone, a TIMESTAMP_NTZ as it is.
        sql = f"CAST(to_date({started}) AS TIMESTAMP_NTZ)"
    else:
        if times.time_zone is None:
            epoch = "TIMESTAMP_NTZ'1970-01-01 00:00:00'"
            micros = f"timestampdiff(MICROSECOND, {epoch}, {started})"
        else:
            micros = f"unix_micros({started})"
        # Whole-number arithmetic: a floor to the bucket, never through a double.
        sql = f"{micros} * 1000 - pmod({micros} * 1000, {step})"
    native = frame.to_native().selectExpr("*", f"{sql} AS `{column}`")
    return nw.from_native(native)


def _zone(zone: str | None) -> str | None:
    return UTC if zone in ("Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu") else zone


def _is_categorical(dtype: Any) -> bool:
    return isinstance(dtype, nw.Categorical | nw.Enum)


def _check_named(frame, schema, table, named, fields, definitions, function) -> None:
    """`_flags._check_names` for each definition naming a disposition no call has: only then
    are the frame's disposition names read (one more small query)."""
    hits = {n: table.column(f"{_NAME}{i}").to_numpy().sum() for i, n in enumerate(named)}
    if all(hits.values()):
        return
    names = frame.select(_text(schema, "disposition_name").alias("n")).unique()
    if isinstance(names, nw.LazyFrame):
        names = names.collect()
    known = pd.DataFrame({"disposition_name": names.to_arrow().column("n").to_pylist()})
    for field in fields:
        _flags._check_names(known, field, getattr(definitions, field), function)


_ARROW_DTYPES = {
    pa.string(): pd.StringDtype(),
    pa.large_string(): pd.StringDtype(),
    pa.string_view(): pd.StringDtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def _to_pandas(column: pa.ChunkedArray, name: str, dtype: Any) -> pd.Series:
    """A key column as the pandas dtype a call-log frame gives it (see the module doc)."""
    kind = column.type
    if _is_categorical(dtype) or (name in _SCHEMA_CATEGORIES and _is_text(dtype)):
        values = pd.array(column.cast(pa.string()).to_pylist(), dtype=pd.StringDtype())
        seen = sorted(set(values.dropna().tolist()))
        if isinstance(dtype, nw.Enum):
            categories = list(dtype.categories)
        elif name in _SCHEMA_CATEGORIES:
            known = _SCHEMA_CATEGORIES[name]
            categories = [*known, *(value for value in seen if value not in known)]
        else:
            categories = seen
        return pd.Series(pd.Categorical(values, categories=categories), name=name)
    if pa.types.is_integer(kind):
        return pd.Series(column.to_pandas(types_mapper={kind: pd.Int64Dtype()}.get), name=name)
    if pa.types.is_floating(kind):
        return pd.Series(column.to_pandas(types_mapper={kind: pd.Float64Dtype()}.get), name=name)
    if pa.types.is_timestamp(kind):
        stamps = pd.Series(column.to_pandas(), name=name)
        return stamps.dt.tz_convert(_zone(kind.tz)) if kind.tz else stamps
    return pd.Series(column.to_pandas(types_mapper=_ARROW_DTYPES.get), name=name)


def _periods(
    table: pa.Table,
    offset: pd.DateOffset,
    freq: object,
    tz: str | None,
    bucketed: bool,
    unit: str,
) -> pd.Series:
    """Each row's period, from its local day (or UTC bucket): the days (buckets) re-binned as
    `period_key` bins calls, after checking none straddles two periods; labels in `unit`."""
    if bucketed:
        ns = pd.array(table.column(_BUCKET).to_pylist(), dtype="Int64")
        step = math.gcd(int(offset.nanos), _QUARTER_HOUR)
        starts = pd.to_datetime(ns, unit="ns", utc=True)
        if tz is None:
            starts = starts.tz_localize(None)
        elif tz != UTC:
            starts = starts.tz_convert(tz)
        ends = starts + pd.Timedelta(step - 1, unit="ns")
    else:
        days = pd.DatetimeIndex(table.column(_DAY).to_pandas()).as_unit("ns")
        after = days + pd.Timedelta(days=1)
        if tz is None:
            starts, ends = days, after - pd.Timedelta(1, unit="ns")
        else:
            starts = _in_zone(days, tz)
            ends = _in_zone(after, tz) - pd.Timedelta(1, unit="ns")
    # Worked out in ns, then in the frame's unit: period_key gives its labels in that unit,
    # as it does for the pandas path's times.
    starts = pd.Series(pd.DatetimeIndex(starts).as_unit("ns").as_unit(unit))
    ends = pd.Series(pd.DatetimeIndex(ends).as_unit("ns").as_unit(unit))
    key = period_key(starts, freq)
    both = period_key(pd.concat([starts, ends], ignore_index=True), freq)
    codes = both.cat.codes.to_numpy()
    if not np.array_equal(codes[: len(starts)], codes[len(starts) :]):
        unit = "a UTC bucket" if bucketed else "a local day"
        raise InvalidParameterError(
            "freq",
            f"freq={freq!r} cuts {unit} in two, so it cannot be counted in the engine; "
            "convert the frame to pandas for it",
        )
    return key.rename(PERIOD)

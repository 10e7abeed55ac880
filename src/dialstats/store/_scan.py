"""A store's Parquet files as a lazy frame of another engine: a DuckDB relation, a Polars
LazyFrame or a PySpark DataFrame, which the analyses that run on engines reduce where the data
lives.

Nothing is read when the frame is made (each file's footer is, to learn its columns): the
engine reads the partition files the store has now (``created_month=YYYY-MM/part-0.parquet``,
never a temporary file, never a file outside the store), and only the columns and row groups a
query needs. Filters are the store's read-time ones and those asked for (`read`'s rules), as
engine expressions; months outside a date range are not opened.

Spark reads the files with the schema their footers give (a month written by an older schema
reads nulls for the newer columns), in the session given, else the active one, else a new
local one. Its TIMESTAMPs read in the session's `spark.sql.session.timeZone`, so that zone
must be the `tz` asked for (a new session is made in it). A file whose timestamps are stored in
nanoseconds (an older store's), which Spark's Parquet reader refuses, is read by pyarrow and
handed to Spark whole.
"""

from __future__ import annotations

import functools
import importlib
import operator
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from dialstats._suggest import did_you_mean
from dialstats.errors import InvalidParameterError
from dialstats.frame import CALL_LOG_COLUMNS, UTC
from dialstats.store._arrow import STORED_TYPES
from dialstats.store._layout import months_between, partitions
from dialstats.store._select import SearchParts, combined

if TYPE_CHECKING:
    import narwhals as nw

ENGINES = ("duckdb", "polars", "spark")
_MODULES = {"duckdb": "duckdb", "polars": "polars", "spark": "pyspark"}
_NAMES = {"duckdb": "DuckDB", "polars": "Polars", "spark": "PySpark"}
_UTC_NAMES = frozenset({UTC, "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu", "Z"})


def check_engine(engine: object) -> str:
    if isinstance(engine, str) and engine in ENGINES:
        return engine
    options = ", ".join(repr(name) for name in ENGINES)
    hint = did_you_mean(engine, ENGINES) if isinstance(engine, str) else ""
    raise InvalidParameterError("engine", f"engine must be one of {options}; got {engine!r}{hint}")


def _module(engine: str) -> Any:
    try:
        return importlib.import_module(_MODULES[engine])
    except ImportError:
        name = _NAMES[engine]
        raise ImportError(
            f"CallLogStore.scan(engine={engine!r}) needs {name}, which is not installed: "
            f"pip install 'dialstats[{engine}]'"
        ) from None


def scan_files(root: Path, filters: Mapping[str, Any]) -> list[Path]:
    """The partition files holding the calls `filters` can select, in month order."""
    files = partitions(root)
    months = months_between(filters.get("start_date"), filters.get("end_date"), list(files))
    return [files[month] for month in months]


def scan_store(
    root: Path, filters: Mapping[str, Any], engine: str, tz: str, spark: Any = None
) -> Any:
    """A lazy frame of `engine` over the store's files, `filters` (normalized) applied, its
    timestamps in `tz`; `spark`: the SparkSession for ``"spark"`` (None: the active one, else
    a new local one)."""
    import narwhals as nw  # with the engine, not with the store

    module = _module(engine)
    files = scan_files(root, filters)
    schema = _schema(files)
    sources = [str(path) for path in files]
    if engine == "duckdb":
        native = _duckdb(module, sources, schema, tz)
    elif engine == "spark":
        native = _spark(_session(spark, tz), files, schema)
    else:
        native = _polars(module, sources, schema)
    frame = nw.from_native(native)
    missing = {
        name: nw.lit(None, _narwhals_type(STORED_TYPES[name])).alias(name)
        for name in CALL_LOG_COLUMNS
        if name not in schema.names and engine != "spark"  # Spark reads them as nulls
    }
    if missing:
        frame = frame.with_columns(**missing)
    where = condition(filters, schema)
    if where is not None:
        frame = frame.filter(where)
    if engine == "polars" and tz != UTC:  # after the filters, which compare with UTC times
        zoned = [n for n, t in frame.collect_schema().items() if isinstance(t, nw.Datetime)]
        if zoned:
            frame = frame.with_columns(nw.col(*zoned).dt.convert_time_zone(tz))
    return frame.to_native()


def _schema(files: list[Path]) -> pa.Schema:
    """The files' columns (footers only): schema columns as stored now, then other columns as
    first found."""
    fields: dict[str, pa.DataType] = {}
    for path in files:
        for field in pq.read_schema(path):
            fields.setdefault(field.name, STORED_TYPES.get(field.name, field.type))
    return pa.schema(list(fields.items()))


def _duckdb(duckdb: Any, sources: list[str], schema: pa.Schema, tz: str) -> Any:
    # Its own connection, so TIMESTAMPTZ values are in `tz` whatever the machine's zone is
    # (the relation keeps the connection open).
    connection = duckdb.connect()
    connection.execute(f"SET TimeZone = '{tz.replace(chr(39), '')}'")
    if not sources:
        columns = ", ".join(
            f'CAST(NULL AS {_DUCKDB_TYPES.get(kind, "VARCHAR")}) AS "{name}"'
            for name, kind in zip(schema.names, schema.types, strict=True)
        )
        return connection.sql(f"SELECT {columns or '1 AS _'} LIMIT 0")
    # union_by_name: a month written by an older schema lacks newer columns (nulls there).
    return connection.read_parquet(sources, hive_partitioning=False, union_by_name=True)


def _polars(pl: Any, sources: list[str], schema: pa.Schema) -> Any:
    types = pl.from_arrow(schema.empty_table()).schema
    if not sources:
        return pl.LazyFrame(schema=types)
    return pl.scan_parquet(
        sources,
        hive_partitioning=False,
        schema=types,
        missing_columns="insert",
        cast_options=pl.ScanCastOptions(
            integer_cast="upcast",
            float_cast="upcast",
            datetime_cast=["nanosecond-downcast", "convert-timezone"],
        ),
    )


def _session(spark: Any, tz: str) -> Any:
    """`spark`, else the active session, else a new local one in `tz`; refused if its
    session zone is not `tz` (every TIMESTAMP reads in it)."""
    from pyspark.sql import SparkSession

    if spark is None:
        spark = SparkSession.getActiveSession()
    if spark is None:
        return (
            SparkSession.builder.master("local[1]")
            .appName("dialstats")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "1g")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", tz)
            .getOrCreate()
        )
    zone = spark.conf.get("spark.sql.session.timeZone")
    if zone != tz and not {zone, tz} <= _UTC_NAMES:
        raise InvalidParameterError(
            "tz",
            f"the Spark session reads timestamps in its spark.sql.session.timeZone, {zone!r}, "
            f"not tz={tz!r}: scan with tz={zone!r}, or set "
            f"spark.conf.set('spark.sql.session.timeZone', {tz!r}) first",
        )
    return spark


def _spark(spark: Any, files: list[Path], schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    # Schema columns an older store lacks are read as nulls, as every other engine reads them.
    fields = dict(zip(schema.names, schema.types, strict=True))
    for name in CALL_LOG_COLUMNS:
        fields.setdefault(name, STORED_TYPES[name])
    full = pa.schema(list(fields.items()))
    struct = from_arrow_schema(full, prefer_timestamp_ntz=True)
    nanos = [path for path in files if _has_nanoseconds(path)]
    readable = [str(path) for path in files if path not in nanos]
    frames = [spark.read.schema(struct).parquet(*readable)] if readable else []
    for path in nanos:
        frames.append(spark.createDataFrame(_conformed(pq.read_table(path), full), struct))
    if not frames:
        return spark.createDataFrame([], struct)
    native = frames[0]
    for other in frames[1:]:
        native = native.unionByName(other)
    return native


def _has_nanoseconds(path: Path) -> bool:
    return any(
        pa.types.is_timestamp(field.type) and field.type.unit == "ns"
        for field in pq.read_schema(path)
    )


def _conformed(table: pa.Table, schema: pa.Schema) -> Any:
    """`table` in `schema` (missing columns null, nanoseconds to microseconds), as Spark
    takes it: the Arrow table (PySpark 4), else its rows."""
    import pyspark

    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table[field.name].cast(field.type, safe=False))
        else:
            columns.append(pa.nulls(len(table), field.type))
    table = pa.Table.from_arrays(columns, schema=schema)
    return table if int(pyspark.__version__.split(".")[0]) >= 4 else table.to_pylist()


def _narwhals_type(kind: pa.DataType) -> nw.dtypes.DType:
    import narwhals as nw

    return {
        pa.string(): nw.String(),
        pa.int64(): nw.Int64(),
        pa.float64(): nw.Float64(),
        pa.bool_(): nw.Boolean(),
        pa.timestamp("us", tz=UTC): nw.Datetime("us", UTC),
    }[kind]


_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.timestamp("us", tz=UTC): "TIMESTAMPTZ",
}


def condition(filters: Mapping[str, Any], schema: pa.Schema) -> nw.Expr | None:
    """`_select.expression` as a narwhals expression over files of `schema`: rows where it is
    null are dropped, as `Table.filter` drops them."""
    import narwhals as nw

    return combined(
        filters,
        nw.col,
        at=lambda value: value.to_pydatetime(),
        is_in=lambda column, values: column.is_in(values),
        number_in=_number_in,
        search=_search,
        column_types=dict(zip(schema.names, schema.types, strict=True)),
    )


def _number_in(name: str, keys: list[str]) -> nw.Expr:
    import narwhals as nw

    text = nw.col(name)
    digits = text.str.replace_all("[^0-9]+", "", literal=False)
    bare = (digits.str.len_chars() == 10) & ~text.str.strip_chars().str.starts_with("+")
    key = nw.when(bare).then(nw.concat_str([nw.lit("1"), digits])).otherwise(digits)
    return key.is_in(keys)


def _search(parts: SearchParts) -> nw.Expr:
    import narwhals as nw

    def text(name: str) -> nw.Expr:
        return nw.col(name).fill_null("")

    first, last = text("contact_first_name"), text("contact_last_name")
    fields = [first, last, nw.concat_str([first, last], separator=" "), text("contact_company")]
    joined = nw.concat_str(fields, separator="\n").str.to_lowercase()
    found = [joined.str.contains(word, literal=True) for word in parts.words]
    numbers = nw.col(parts.column).str.contains(parts.pattern, literal=False)
    found.append(numbers.fill_null(False))
    return functools.reduce(operator.or_, found)

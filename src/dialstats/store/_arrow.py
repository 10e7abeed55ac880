"""Call-log frames <-> Arrow tables with one stable on-disk schema, and Parquet files.

On disk every schema column has a fixed, engine-neutral type: strings (categories too) as
``string``, timestamps as ``timestamp[us, UTC]``, integers as ``int64``, seconds as ``double``, flags as ``bool``.
DuckDB, Polars or Spark read that as-is; `to_frame` restores the exact pandas dtypes of
`dialstats.frame._schema`. Columns the API adds later are stored with their inferred Arrow type.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dialstats._flat import to_text
from dialstats.errors import StoreError
from dialstats.frame import CALL_LOG_COLUMNS, arrow_type, call_log_dtypes, call_log_frame
from dialstats.store._layout import replacing, temp_path

TIMESTAMP = pa.timestamp("us", tz="UTC")
# Key of a partition file's own record in its footer: {"month", "rows", "ids"} (see `_meta`).
PARTITION_INFO = b"dialstats.partition"


_NEARLY_UNIQUE = frozenset(
    {"id", "call_id", "started_at", "ended_at", "created_at", "updated_at", "recording_url", "to"}
    | {"contact_email", "contact_phone", "transcription", "summary"}
)
_PRUNED_ON = ("created_at", "updated_at", "started_at", "ended_at", "duration", "disposition_id")
STORED_TYPES: dict[str, pa.DataType] = {
    name: arrow_type(dtype, TIMESTAMP) for name, dtype in call_log_dtypes().items()
}


def _column(series: pd.Series, type_: pa.DataType) -> pa.Array:
    # Category codes, time zones and nanoseconds are presentation: store plain values, in UTC.
    array = pa.array(series, from_pandas=True)
    return array if array.type == type_ else pc.cast(array, type_, safe=False)


def _extra_column(series: pd.Series) -> pa.Array:
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        # Mixed or nested values Arrow cannot type as one column: keep them as JSON text.
        return pa.array(
            [None if _missing(v) else json.dumps(v, default=str) for v in series], pa.string()
        )
    # One text type whatever the backend: pandas' own strings come as large_string.
    return array.cast(pa.string()) if pa.types.is_large_string(array.type) else array


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def to_table(frame: pd.DataFrame) -> pa.Table:
    """A call-log frame (any tz, either dtype backend) as an Arrow table in the stored schema."""
    arrays, names = [], []
    for name in frame.columns:
        series = frame[name]
        if name in STORED_TYPES:
            arrays.append(_column(series, STORED_TYPES[name]))
        else:
            arrays.append(_extra_column(series))
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


def conform(table: pa.Table) -> pa.Table:
    """`table` with every schema column present and typed as stored, schema columns first.

    Stores written by an older schema lack newer columns (they come back as nulls) or typed a
    column differently (it is cast); extra columns are kept, after the schema's.
    """
    columns = []
    for name in CALL_LOG_COLUMNS:
        type_ = STORED_TYPES[name]
        if name in table.column_names:
            column = table[name]
            if column.type != type_:
                column = pc.cast(column, type_, safe=False)
        else:
            column = pa.nulls(len(table), type_)
        columns.append(column)
    extras = [n for n in table.column_names if n not in STORED_TYPES]
    return pa.Table.from_arrays(
        columns + [table[n] for n in extras], names=[*CALL_LOG_COLUMNS, *extras]
    )


def concat(tables: Iterable[pa.Table]) -> pa.Table:
    """Conformed tables stacked; extra columns missing from some become nulls there.

    An extra column that came with different types (say, a list in one page and text in
    another) is kept as text (JSON for lists and objects) rather than refused.
    """
    tables = [conform(t) for t in tables]
    if not tables:
        return conform(pa.table({}))
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        mixed = _mixed_columns(tables)
        return pa.concat_tables([_as_text(t, mixed) for t in tables], promote_options="permissive")


def _mixed_columns(tables: list[pa.Table]) -> set[str]:
    types: dict[str, set[pa.DataType]] = {}
    for table in tables:
        for f in table.schema:
            if not pa.types.is_null(f.type):
                types.setdefault(f.name, set()).add(f.type)
    return {name for name, seen in types.items() if len(seen) > 1}


def _as_text(table: pa.Table, names: set[str]) -> pa.Table:
    for name in names & set(table.column_names):
        table = table.set_column(table.column_names.index(name), name, to_text(table[name]))
    return table


def to_frame(
    table: pa.Table, *, tz: str = "UTC", dtype_backend: str = "numpy_nullable"
) -> pd.DataFrame:
    """Stored rows as a call-log frame, with exactly the dtypes `read_call_logs` gives."""
    return call_log_frame(conform(table), tz=tz, dtype_backend=dtype_backend)


def _write_table(table: pa.Table, where: Path) -> None:
    names = table.column_names
    pq.write_table(
        table,
        where,
        compression="zstd",
        # Dictionaries pay off for repeated values only; statistics for the columns
        # engines prune on (and `verify` checks months on). Both cost time on every rewrite.
        use_dictionary=[n for n in names if n not in _NEARLY_UNIQUE],
        write_statistics=[n for n in _PRUNED_ON if n in names],
        write_page_checksum=True,  # a flipped bit in the data is an error, not a value
    )


def write_parquet(
    path: Path, table: pa.Table, *, written: Callable[[], None] | None = None
) -> None:
    """Write `table` to `path` atomically (temporary file, fsync, rename).

    `written` is called once the temporary file is complete, just before the rename.
    """
    with replacing(path) as tmp:
        _write_table(table, tmp)
        if written is not None:
            written()


def rows_digest(table: pa.Table) -> str:
    """A digest of a partition's ids and ``updated_at`` in file order: what `verify` compares
    with the metadata (an older copy of a file has the same ids, not the same versions)."""
    updated = pc.cast(pc.cast(table["updated_at"], pa.int64()), pa.string())
    lines = pc.binary_join_element_wise(
        pc.cast(table["id"], pa.string()), updated, "\t", null_handling="replace"
    )
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    # The text and offsets of the joined array, whatever its slice offset (computed in Arrow,
    # without holding the GIL: partitions are written side by side).
    offsets = np.frombuffer(lines.buffers()[1], np.int32)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    digest = hashlib.blake2b(digest_size=16)
    if len(offsets):
        digest.update((offsets - offsets[0]).tobytes())
        digest.update(memoryview(lines.buffers()[2] or b"")[offsets[0] : offsets[-1]])
    return digest.hexdigest()


def write_partition_temp(path: Path, table: pa.Table, month: str) -> tuple[Path, int, str]:
    """Write a partition's rows to a hidden temporary file beside `path`, fsynced.

    Returns (temporary path, rows, `rows_digest`); the footer records the same, so `verify` can
    match the file to the metadata without reading its data. `commit_file` moves it in place.
    """
    digest = rows_digest(table)
    info = {"month": month, "rows": table.num_rows, "ids": digest}
    table = table.replace_schema_metadata({PARTITION_INFO: json.dumps(info).encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        _write_table(table, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, table.num_rows, digest


def read_parquet(path: Path, *, columns: list[str] | None = None) -> pa.Table:
    """A partition file's rows; a file that cannot be read whole raises `StoreError`."""
    try:
        table = pq.read_table(path, columns=columns, page_checksum_verification=True)
    except (OSError, pa.ArrowException) as exc:
        raise StoreError(
            f"{path}: damaged partition file ({type(exc).__name__}: {exc}); "
            "store.repair() reads that month again from the API"
        ) from None
    return table.replace_schema_metadata(None)

"""Reading a store: prune partitions by date, filter in Arrow, build the frame once."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from dialstats.errors import InvalidParameterError
from dialstats.frame import CALL_LOG_COLUMNS, sort_keys, sort_table
from dialstats.store._arrow import concat, conform, read_parquet, to_frame
from dialstats.store._layout import months_between, partitions
from dialstats.store._select import expression, narrowed


def read_table(root: Path, filters: Mapping[str, Any]) -> pa.Table:
    """The stored rows matching normalized `filters`, oldest call first."""
    files = partitions(root)
    months = months_between(filters.get("start_date"), filters.get("end_date"), list(files))
    tables = []
    for month in months:
        table = conform(read_parquet(files[month]))
        # Per month: a month written by an older schema may lack a column the filters read.
        where = expression(filters, table)
        tables.append(table if where is None else table.filter(where))
    return concat(tables)


def read_store(
    root: Path,
    bound: Mapping[str, Any],
    requested: Mapping[str, Any],
    *,
    tz: str,
    dtype_backend: str,
    sort: str | None,
    max_records: int | None,
) -> pd.DataFrame:
    table = read_table(root, narrowed(bound, requested))
    if sort is not None:
        unknown = [name for name, _ in sort_keys(sort) if name not in table.column_names]
        if unknown:
            raise InvalidParameterError(
                "sort", f"sort: the stored calls have no field {unknown[0]!r} to sort on"
            )
        table = sort_table(table, sort)
    if max_records is not None:
        table = table.slice(0, max_records)
    return to_frame(drop_empty_extras(table), tz=tz, dtype_backend=dtype_backend)


def drop_empty_extras(table: pa.Table) -> pa.Table:
    """Drop fields outside the schema that no selected call has, as `read_call_logs` would."""
    empty = [
        name
        for name in table.column_names[len(CALL_LOG_COLUMNS) :]
        if table[name].null_count == len(table[name])
    ]
    return table.drop_columns(empty)

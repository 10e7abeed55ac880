"""One-file snapshots (``dialstats pull -o FILE.parquet``): written atomically, read typed.

The file has the store's column types and records the filters it was pulled with in its
Parquet metadata (never the API key), so `read_snapshot` answers narrower filters locally and
refuses wider ones, like a store.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from dialstats.api import normalize_filters
from dialstats.frame import check_dtype_backend, check_tz
from dialstats.store._arrow import conform, to_frame, to_table, write_parquet
from dialstats.store._meta import encode_filters
from dialstats.store._select import expression, narrowed

_KEY = b"dialstats.filters"


def write_snapshot(path: Path, frame: pd.DataFrame, filters: Mapping[str, Any]) -> None:
    """Write `frame` (pulled with normalized `filters`) to `path` atomically."""
    table = conform(to_table(frame))
    metadata = {**(table.schema.metadata or {}), _KEY: json.dumps(encode_filters(filters)).encode()}
    write_parquet(Path(path), table.replace_schema_metadata(metadata))


def read_snapshot(
    path: str | os.PathLike[str],
    *,
    tz: str = "UTC",
    dtype_backend: str = "numpy_nullable",
    **filters: Any,
) -> pd.DataFrame:
    """The calls of a ``dialstats pull -o`` file that match `filters`, typed as `read_call_logs`.

    >>> read_snapshot("calls.parquet", outcome="answered")   # doctest: +SKIP
    """
    requested = normalize_filters(filters)
    tz, dtype_backend = check_tz(tz), check_dtype_backend(dtype_backend)
    table = pq.read_table(Path(path).expanduser())
    saved = (table.schema.metadata or {}).get(_KEY)
    bound = normalize_filters(json.loads(saved)) if saved else {}
    table = conform(table)
    where = expression(narrowed(bound, requested), table)
    return to_frame(
        table if where is None else table.filter(where), tz=tz, dtype_backend=dtype_backend
    )

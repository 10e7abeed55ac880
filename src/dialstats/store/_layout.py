"""Where a store keeps things on disk, and how files are replaced atomically.

::

    <root>/
      _dialstats_store.json                     metadata: filters, watermark, row count (no key)
      .dialstats_store.lock                     the writers' file lock
      created_month=2026-08/part-0.parquet      one file per month of ``created_at`` (UTC)
      created_month=2026-09/part-0.parquet

Names starting with ``_`` or ``.`` are skipped by pyarrow.dataset, Spark and Dask, and temporary
files end in ``.tmp`` so no ``*.parquet`` glob picks one up half-written.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

META_NAME = "_dialstats_store.json"
LOCK_NAME = ".dialstats_store.lock"
PARTITION_KEY = "created_month"
PART_NAME = "part-0.parquet"
# Hive's name for the partition of rows whose key is null (pyarrow, Spark and DuckDB know it).
NULL_MONTH = "__HIVE_DEFAULT_PARTITION__"
_PARTITION_DIR = re.compile(rf"^{PARTITION_KEY}=(\d{{4}}-\d{{2}}|{NULL_MONTH})$")
_TEMP_SUFFIX = ".tmp"


def month_of(ts: pd.Timestamp) -> str:
    """The partition a call created at `ts` belongs to: ``YYYY-MM`` in UTC."""
    return ts.tz_convert("UTC").strftime("%Y-%m")


def month_sort_key(month: str) -> tuple[bool, str]:
    return (month == NULL_MONTH, month)


def partition_path(root: Path, month: str) -> Path:
    return root / f"{PARTITION_KEY}={month}" / PART_NAME


def partitions(root: Path) -> dict[str, Path]:
    """Month -> data file of every partition present, in month order."""
    found = {}
    if root.is_dir():
        for child in root.iterdir():
            match = _PARTITION_DIR.match(child.name)
            if match and (child / PART_NAME).is_file():
                found[match[1]] = child / PART_NAME
    return dict(sorted(found.items(), key=lambda item: month_sort_key(item[0])))


def months_between(
    start: pd.Timestamp | None, end: pd.Timestamp | None, months: list[str]
) -> list[str]:
    """The months of `months` that overlap ``[start, end]`` (None: unbounded)."""
    low = month_of(start) if start is not None else None
    high = month_of(end) if end is not None else None
    if low is None and high is None:
        return list(months)
    return [
        m
        for m in months
        if m != NULL_MONTH and (low is None or m >= low) and (high is None or m <= high)
    ]


def temp_path(dest: Path) -> Path:
    # Hidden, unique, and not ending in .parquet: invisible to readers of the dataset.
    return dest.with_name(f".{dest.name}.{secrets.token_hex(6)}{_TEMP_SUFFIX}")


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable (no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def replacing(dest: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success fsync it and move it over `dest` atomically.

    A reader sees either the old file or the new one, never part of one; on error (or a crash)
    the old file is untouched and the temporary one is removed (or swept by the next writer).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(dest)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    fsync_dir(dest.parent)


def commit_file(tmp: Path, dest: Path) -> None:
    """Move a complete, fsynced temporary file over `dest` atomically, durably."""
    os.replace(tmp, dest)
    fsync_dir(dest.parent)


def write_bytes_atomic(dest: Path, data: bytes) -> None:
    with replacing(dest) as tmp:
        tmp.write_bytes(data)


def sweep_temp_files(root: Path) -> int:
    """Remove temporary files a killed writer left behind; call with the write lock held."""
    removed = 0
    for tmp in root.glob(f"**/.*{_TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
            removed += 1
    return removed

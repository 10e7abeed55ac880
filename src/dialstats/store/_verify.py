"""Checking a store's partition files against its metadata, cheaply: footers only.

Each partition file's footer carries its own record (month, rows, ids digest, written with the
file) and the ``created_at`` statistics; the metadata holds the record of every partition the
store committed (and of those a sync was about to replace). Comparing the two finds a missing
file, a file of another month (its calls are then stored twice), a truncated or foreign file
and a file with other rows than the store wrote, without reading any data. Damage inside data
pages is found when they are read (page checksums), and by `CallLogStore.repair`, which reads
every file whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dialstats.errors import StoreError
from dialstats.store._arrow import PARTITION_INFO, read_parquet
from dialstats.store._layout import NULL_MONTH, PARTITION_KEY, month_of, partitions
from dialstats.store._meta import PartitionRecord, StoreMeta


@dataclass
class Check:
    """What `check_store` found: rows in the partition files, and month -> what is wrong."""

    rows: int = 0
    damage: dict[str, str] = field(default_factory=dict)

    def raise_if_damaged(self, root: Path) -> None:
        if self.damage:
            raise damaged_error(root, self.damage)


def damaged_error(root: Path, damage: dict[str, str]) -> StoreError:
    what = "; ".join(f"{PARTITION_KEY}={m}: {problem}" for m, problem in sorted(damage.items()))
    return StoreError(
        f"{root}: the store is damaged: {what}. store.repair() reads the damaged months "
        "again from the API (sync(full=True) reads everything)"
    )


def check_store(root: Path, meta: StoreMeta, *, deep: bool = False) -> Check:
    """Compare every partition file's footer with the metadata (`deep`: read the files too)."""
    files = partitions(root)
    committed = meta.partitions
    check = Check()
    if committed is not None:
        for month in committed:
            if month not in files:
                check.damage[month] = "its file is missing"
    for month, path in files.items():
        problem, rows = _check_file(path, month, meta)
        if problem is None and deep:
            try:
                read_parquet(path)
            except StoreError as exc:
                problem = f"its data cannot be read ({exc})"
        if problem is not None:
            check.damage[month] = problem
        check.rows += rows
    return check


def settle_pending(root: Path, meta: StoreMeta) -> None:
    """Commit the pending records whose files were moved in place by a sync that then died
    (call with the write lock held); the others are dropped, as their files never landed."""
    if not meta.pending:
        return
    files = partitions(root)
    for month, record in meta.pending.items():
        path = files.get(month)
        if path is not None and meta.partitions is not None and _footer_info(path) == record:
            meta.partitions[month] = record
    meta.pending = {}


def _footer_info(path: Path) -> PartitionRecord | None:
    try:
        info = json.loads((pq.read_metadata(path).metadata or {}).get(PARTITION_INFO, b"null"))
        return PartitionRecord(int(info["rows"]), str(info["ids"]))
    except (OSError, pa.ArrowException, ValueError, TypeError, KeyError):
        return None


def _check_file(path: Path, month: str, meta: StoreMeta) -> tuple[str | None, int]:
    try:
        footer = pq.read_metadata(path)
    except (OSError, pa.ArrowException) as exc:
        return f"unreadable: truncated or not Parquet ({exc})", 0
    rows = footer.num_rows
    other = _other_month(footer, month)
    if other is not None:
        return (
            f"holds calls created in {other}, not {month} (a copy of another month's file? "
            "its calls are then stored twice)"
        ), rows
    if meta.partitions is None:
        return None, rows  # a version 1 store: no records to compare with (until its next sync)
    try:
        info = json.loads((footer.metadata or {}).get(PARTITION_INFO, b"null"))
    except ValueError:
        info = None
    records = [r for r in (meta.partitions.get(month), meta.pending.get(month)) if r]
    if not records:
        return "a partition this store never wrote", rows
    if not isinstance(info, dict) or info.get("month") != month:
        return "not a file this store wrote (no partition record in its footer)", rows
    if any(r.ids == info.get("ids") and r.rows == rows for r in records):
        return None, rows
    recorded = records[0].rows
    if rows != recorded:
        return f"holds {rows:,} rows where the store recorded {recorded:,}", rows
    return "holds other calls than the store recorded (replaced by an older copy?)", rows


def _other_month(footer: pq.FileMetaData, month: str) -> str | None:
    """A month of ``created_at`` in the file's statistics other than `month`, if any."""
    names = footer.schema.names
    if "created_at" not in names:
        return None
    column = names.index("created_at")
    for group in range(footer.num_row_groups):
        meta = footer.row_group(group).column(column)
        stats = meta.statistics
        if stats is None or meta.num_values == 0:
            continue
        if month == NULL_MONTH:
            if stats.null_count != meta.num_values:
                return "a known month"
            continue
        if not stats.has_min_max:
            continue
        for value in (stats.min, stats.max):
            ts = pd.Timestamp(value)
            seen = month_of(ts if ts.tzinfo else ts.tz_localize("UTC"))
            if seen != month:
                return seen
    return None

"""Keyed merges of a partition: one row per call id, the newest ``updated_at`` winning."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dialstats.store._arrow import concat

# `read_call_logs`' default order (oldest call first, ties by id): a plain read needs no sort.
ROW_ORDER = [("created_at", "ascending"), ("id", "ascending")]


def count_true(mask: pa.Array | pa.ChunkedArray) -> int:
    """How many values of a boolean array are true (0 for an empty one)."""
    return pc.sum(mask, min_count=0).as_py()


def sort_rows(table: pa.Table) -> pa.Table:
    return table.take(pc.sort_indices(table, ROW_ORDER)) if table.num_rows else table


@dataclass(frozen=True)
class Merged:
    """A partition after a merge, in `ROW_ORDER`."""

    table: pa.Table
    updated: int  # ids whose stored row was older
    changed: bool  # whether the partition must be rewritten


def merge_partition(old: pa.Table | None, incoming: pa.Table, drop_ids: pa.Array) -> Merged:
    """Merge `incoming` rows (one per id) into a partition; remove `drop_ids` (moved away).

    A stored row is replaced only by a strictly newer one, so re-reading a call (a sync reads
    the watermark's moment again) rewrites nothing.
    """
    if old is None:
        return Merged(sort_rows(incoming), 0, incoming.num_rows > 0)
    dropped = 0
    if len(drop_ids):
        keep = pc.invert(pc.is_in(old["id"], value_set=drop_ids))
        dropped = old.num_rows - count_true(keep)
        old = old.filter(keep)
    winners = _winners(incoming, old)
    updated = count_true(pc.is_in(winners, value_set=old["id"]))
    if not (len(winners) or dropped):
        return Merged(old, 0, False)
    arriving = incoming.filter(pc.is_in(incoming["id"], value_set=winners))
    # One copy of the partition: pick the surviving rows of old + arriving in order at once.
    both = concat([old, arriving])
    keep = np.concatenate(
        [
            ~pc.is_in(old["id"], value_set=winners).to_numpy(zero_copy_only=False),
            np.ones(arriving.num_rows, dtype=bool),
        ]
    )
    rows = pa.array(np.flatnonzero(keep))
    order = pc.sort_indices(both.select([k for k, _ in ROW_ORDER]).take(rows), ROW_ORDER)
    return Merged(both.take(pc.take(rows, order)), updated, True)


def _winners(incoming: pa.Table, old: pa.Table) -> pa.Array:
    """Ids of the `incoming` rows that are not stored yet, or newer than the stored row."""
    stored = old.select(["id", "updated_at"]).append_column(
        "stored", pa.array(np.ones(old.num_rows, dtype=bool))
    )
    pairs = incoming.select(["id", "updated_at"]).join(stored, keys="id", right_suffix="_old")
    is_new = pc.is_null(pairs["stored"])
    newer = pc.fill_null(pc.greater(pairs["updated_at"], pairs["updated_at_old"]), False)
    dated = pc.and_(pc.is_null(pairs["updated_at_old"]), pc.is_valid(pairs["updated_at"]))
    wins = pc.or_(is_new, pc.or_(newer, pc.and_(pc.invert(is_new), dated)))
    return pc.filter(pairs["id"], wins).combine_chunks()

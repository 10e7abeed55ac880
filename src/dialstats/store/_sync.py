"""One sync of a store: lock, read what changed, merge it into the partitions, commit."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dialstats.api._client import _progress_bar as progress_bar
from dialstats.frame._build import drop_duplicate_ids
from dialstats.store._arrow import concat, conform, read_parquet, to_table, write_parquet
from dialstats.store._errors import StoreFilterError
from dialstats.store._fault import checkpoint
from dialstats.store._fetch import Fetched, PageReader, read_all, read_changes
from dialstats.store._layout import NULL_MONTH, partition_path, partitions, sweep_temp_files
from dialstats.store._lock import write_lock
from dialstats.store._merge import count_true, merge_partition
from dialstats.store._meta import StoreMeta, encode_filters, load_meta, public_source, save_meta
from dialstats.store._select import RANGE_FILTERS

DEFAULT_CONCURRENCY = 4  # `Client`'s own default


@dataclass(frozen=True)
class SyncResult:
    """What one `CallLogStore.sync` did.

    ``new`` and ``updated`` count calls added to the store and calls whose stored row was
    replaced by a newer one; ``requests`` is the HTTP requests sent; ``rows`` the calls in the
    store afterwards; ``full`` whether this sync read everything (the first one does).
    """

    new: int
    updated: int
    requests: int
    rows: int
    full: bool
    watermark: pd.Timestamp | None
    seconds: float

    def __str__(self) -> str:
        kind = "full sync" if self.full else "sync"
        return (
            f"{kind}: {self.new:,} new, {self.updated:,} updated, {self.rows:,} calls in store "
            f"({self.requests:,} requests, {self.seconds:.1f} s)"
        )


def bind_filters(meta: StoreMeta | None, filters: Mapping[str, Any]) -> dict[str, Any]:
    """The filters to sync with: the store's own; `filters` must be empty or equal to them."""
    if meta is None:
        return dict(filters)
    if not filters or dict(filters) == meta.filters:
        return dict(meta.filters)
    name = next(n for n in [*filters, *meta.filters] if filters.get(n) != meta.filters.get(n))
    raise StoreFilterError(
        name,
        f"{name}: this store was synced with filters {encode_filters(meta.filters)}, "
        f"not {encode_filters(filters)}; sync it without filters, or use another store",
    )


class _Index:
    """The ids stored in each partition (read from the files' ``id`` column only)."""

    def __init__(self, root: Path) -> None:
        self.files = partitions(root)
        self.ids = {
            month: read_parquet(path, columns=["id"])["id"].cast(pa.string())
            for month, path in self.files.items()
        }
        self.rows = sum(len(ids) for ids in self.ids.values())

    @functools.cached_property
    def all_ids(self) -> pa.Array:
        chunks = [c for ids in self.ids.values() for c in ids.chunks]
        return pa.chunked_array(chunks, pa.string()).combine_chunks()


def sync_store(
    root: Path,
    client: Any,
    filters: Mapping[str, Any],
    *,
    limit: int,
    progress: bool | None,
    lock_timeout: float | None,
) -> SyncResult:
    started = time.monotonic()
    requests_before = client.request_count
    with write_lock(root, lock_timeout):
        sweep_temp_files(root)
        meta = load_meta(root)
        if meta is not None and meta.watermark is None and not partitions(root):
            meta = None  # a first sync that failed before any data landed binds nothing
        bound = bind_filters(meta, filters)
        if meta is None:
            # Bind the store before any data lands, so a crashed first sync cannot be resumed
            # with other filters.
            meta = StoreMeta(filters=bound, source=public_source(client.base_url))
            save_meta(root, meta)
        index = _Index(root)
        full = meta.watermark is None
        fetched = _fetch(client, meta, index, limit=limit, progress=progress)
        checkpoint("fetched")
        incoming = _incoming(fetched, meta.watermark)
        new, updated = _write(root, index, incoming)
        checkpoint("before-meta")
        meta.watermark = fetched.watermark or meta.watermark
        meta.rows = index.rows + new  # one row per id: moved calls are not new
        meta.synced_at = pd.Timestamp.now(tz="UTC")
        save_meta(root, meta)
    return SyncResult(
        new=new,
        updated=updated,
        requests=client.request_count - requests_before,
        rows=meta.rows,
        full=full,
        watermark=meta.watermark,
        seconds=time.monotonic() - started,
    )


def _fetch(
    client: Any, meta: StoreMeta, index: _Index, *, limit: int, progress: bool | None
) -> Fetched:
    server = {n: v for n, v in meta.filters.items() if n in RANGE_FILTERS}
    bar = progress_bar(progress, "syncing call logs")

    def tick(page: Any) -> None:
        if reader.expected and bar.total != reader.expected:
            bar.total = reader.expected
            bar.refresh()
        bar.update(len(page.frame))

    reader = PageReader(
        client.read_call_log_page,
        server,
        limit=limit,
        workers=_concurrency(client),
        on_page=tick,
    )
    try:
        if meta.watermark is None:
            return read_all(reader)
        return read_changes(reader, meta.watermark, known=index.rows, known_ids=index.all_ids)
    finally:
        reader.close()
        bar.close()


def _concurrency(client: Any) -> int:
    # Never more requests at once than the client itself would send.
    return getattr(client, "max_concurrency", DEFAULT_CONCURRENCY)


def _incoming(fetched: Fetched, since: pd.Timestamp | None) -> pa.Table:
    """The rows read, one per id (the newest); rows older than `since` are stored already."""
    # Page by page: a field the API adds may come typed differently on different pages.
    table = drop_duplicate_ids(concat(to_table(f) for f in fetched.frames if len(f)))
    if since is not None:
        table = table.filter(
            pc.fill_null(pc.greater_equal(table["updated_at"], pa.scalar(since)), False)
        )
    return table


def _months(table: pa.Table) -> pa.Array:
    return pc.fill_null(pc.strftime(table["created_at"], format="%Y-%m"), NULL_MONTH)


def _write(root: Path, index: _Index, incoming: pa.Table) -> tuple[int, int]:
    """Merge `incoming` into the partitions; (new calls, updated calls)."""
    if incoming.num_rows == 0:
        return 0, 0
    months = _months(incoming)
    new = count_true(pc.invert(pc.is_in(incoming["id"], value_set=index.all_ids)))
    # A call whose created_at changed lives in another month now: remove it from the old one
    # first (a crash in between loses it until the next sync re-reads it, never doubles it).
    moved: dict[str, pa.Array] = {}
    for month, ids in index.ids.items():
        there = pc.and_(pc.is_in(incoming["id"], value_set=ids), pc.not_equal(months, month))
        if pc.any(there).as_py():
            moved[month] = pc.filter(incoming["id"], there).combine_chunks()
    none = pa.array([], pa.string())

    def merge(month: str) -> int:
        path = partition_path(root, month)
        old = conform(read_parquet(path)) if month in index.files else None
        rows = incoming.filter(pc.equal(months, month))
        merged = merge_partition(old, rows, moved.get(month, none))
        if merged.changed:
            write_parquet(path, merged.table, written=lambda: checkpoint("partition-temp"))
            checkpoint("partition-replaced")
        return merged.updated

    targets = [m for m in pc.unique(months).to_pylist() if m not in moved]
    # Partitions are separate files: merge and write them side by side (Arrow frees the GIL).
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        updated = sum(pool.map(merge, sorted(moved)))
        updated += sum(pool.map(merge, targets))
    return new, updated + sum(len(ids) for ids in moved.values())

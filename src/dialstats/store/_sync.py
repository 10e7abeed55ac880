"""One sync of a store: lock, read what changed, merge it into the partitions, commit."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dialstats._vocabulary import RANGE_FILTERS
from dialstats.api import progress_bar
from dialstats.errors import StoreError, StoreFilterError
from dialstats.frame import drop_duplicate_ids
from dialstats.store._arrow import concat, conform, read_parquet, to_table, write_partition_temp
from dialstats.store._fault import checkpoint
from dialstats.store._fetch import NEWEST_CHANGE, Fetched, PageReader, read_all, read_changes
from dialstats.store._layout import (
    LOCK_NAME,
    META_NAME,
    NULL_MONTH,
    commit_file,
    month_sort_key,
    partition_path,
    partitions,
    sweep_temp_files,
)
from dialstats.store._lock import write_lock
from dialstats.store._merge import count_true, merge_partition
from dialstats.store._meta import (
    PartitionRecord,
    StoreMeta,
    encode_filters,
    load_meta,
    public_source,
    save_meta,
)
from dialstats.store._verify import check_store, damaged_error, settle_pending

DEFAULT_CONCURRENCY = 4  # `Client`'s own default


@dataclass(frozen=True)
class SyncResult:
    """What one `CallLogStore.sync` did.

    ``new`` and ``updated`` count calls added to the store and calls whose stored row was
    replaced by a newer one (calls of a re-read damaged month count as new); ``removed`` the
    calls dropped because the API no longer has them (or because the store had them twice);
    ``requests`` is the HTTP requests sent; ``rows`` the calls in the store afterwards;
    ``full`` whether this sync read everything (the first one does); ``reread`` the months
    read again whole (damaged, or with fewer calls upstream than stored).
    """

    new: int
    updated: int
    requests: int
    rows: int
    full: bool
    watermark: pd.Timestamp | None
    seconds: float
    removed: int = 0
    reread: tuple[str, ...] = ()

    def __str__(self) -> str:
        kind = "full sync" if self.full else "sync"
        removed = f", {self.removed:,} removed" if self.removed else ""
        months = f", re-read {', '.join(self.reread)}" if self.reread and not self.full else ""
        return (
            f"{kind}: {self.new:,} new, {self.updated:,} updated{removed}, {self.rows:,} calls "
            f"in store{months} ({self.requests:,} requests, {self.seconds:.1f} s)"
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


def refuse_foreign(root: Path) -> None:
    """Refuse to sync into a directory that holds anything but a store (empty is fine)."""
    if not root.is_dir() or (root / META_NAME).exists():
        return
    others = sorted(child.name for child in root.iterdir() if child.name != LOCK_NAME)
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise StoreError(
            f"{root}: not a dialstats call-log store (no {META_NAME}) and not empty "
            f"(holds {shown}); sync into a new or empty directory"
        )


def _stored_files(root: Path, skip: Iterable[str] = ()) -> dict[str, Path]:
    skipped = set(skip)
    return {m: p for m, p in partitions(root).items() if m not in skipped}


def read_stored(path: Path) -> pa.Table:
    """A stored partition's rows, conformed (what a merge starts from)."""
    return conform(read_parquet(path))


class _Index:
    """The ids stored in each partition (read from the files' ``id`` column only)."""

    def __init__(self, root: Path, skip: Iterable[str] = ()) -> None:
        self.files = _stored_files(root, skip)
        self.ids = {
            month: read_parquet(path, columns=["id"])["id"].cast(pa.string())
            for month, path in self.files.items()
        }
        self.rows = sum(len(ids) for ids in self.ids.values())

    def read(self, month: str) -> pa.Table:
        """A stored partition's rows, conformed (what a merge starts from)."""
        return read_stored(self.files[month])

    @functools.cached_property
    def all_ids(self) -> pa.Array:
        chunks = [c for ids in self.ids.values() for c in ids.chunks]
        return pa.chunked_array(chunks, pa.string()).combine_chunks()


class _Preload:
    """Stored partitions read in the background while later pages are still on their way.

    A page names the months its changed calls belong to; those partitions will be merged,
    so they are read as soon as the first such page arrives rather than after the last one.
    The files cannot change meanwhile (the sync holds the write lock and writes only after
    the read). A read that fails keeps its error for the merge that asks for the month.
    """

    def __init__(self, files: Mapping[str, Path]) -> None:
        self._files = files
        self._pool = ThreadPoolExecutor(max_workers=1)  # beside the page threads
        self._reads: dict[str, Future] = {}
        self._lock = threading.Lock()

    def want(self, months: Iterable[str]) -> None:
        with self._lock:
            for month in months:
                if month in self._files and month not in self._reads:
                    self._reads[month] = self._pool.submit(read_stored, self._files[month])

    def read(self, month: str) -> pa.Table:
        with self._lock:
            future = self._reads.get(month)
        return future.result() if future is not None else read_stored(self._files[month])

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def sync_store(
    root: Path,
    client: Any,
    filters: Mapping[str, Any],
    *,
    limit: int,
    progress: bool | None,
    lock_timeout: float | None,
    mode: str = "sync",
) -> SyncResult:
    """Sync the store at `root`; `mode`: "sync" (refused on a damaged store), "repair" (re-read
    the damaged months, then sync) or "full" (re-read everything)."""
    started = time.monotonic()
    requests_before = client.request_count
    refuse_foreign(root)  # before the lock file is made in it
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
        settle_pending(root, meta)
        damage = check_store(root, meta, deep=mode == "repair").damage
        if damage and mode == "sync":
            raise damaged_error(root, damage)
        full = mode == "full" or meta.watermark is None
        replace = set(partitions(root)) if full else set(damage)
        preload = None if full else _Preload(_stored_files(root, skip=damage))
        with _pooled(client):
            reader = _reader(client, meta, progress=progress, limit=limit, preload=preload)
            try:
                # The stored ids are read while page 1 is on its way (a page's tick needs only
                # the partition files, listed above).
                first = reader.start(1, NEWEST_CHANGE)
                index = _Index(root, skip=damage)
                fetched = _fetch(
                    reader, meta, index, full=full, months=sorted(replace), started=first
                )
                checkpoint("fetched")
                since = None if full else meta.watermark
                incoming = _incoming(fetched, since, replace, reader.tables)
                stored = preload.read if preload is not None else None
                new, updated = _write(
                    root, index, incoming, replace=replace, meta=meta, stored=stored
                )
                if full:
                    replace |= set(meta.partitions or {})
                removed = max(0, index.rows + new - meta.rows)
                gone = [] if full else _fewer_upstream(reader, meta, fetched.total)
                if gone:  # calls the API no longer has: read those months again whole
                    again = Fetched([f for m in gone for f in read_all(_month(reader, m)).frames])
                    before = meta.rows
                    _write(
                        root,
                        _Index(root),
                        _incoming(again, None, gone, reader.tables),
                        replace=gone,
                        meta=meta,
                    )
                    removed += max(0, before - meta.rows)
                    replace |= set(gone)
            finally:
                reader.close()
                if preload is not None:
                    preload.close()
        checkpoint("before-meta")
        meta.watermark = fetched.watermark or meta.watermark
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
        removed=removed,
        reread=tuple(sorted(replace, key=month_sort_key)),
    )


def _pooled(client: Any) -> contextlib.AbstractContextManager:
    # One pool of connections for all the pages of a sync (a `Client`; others as they are).
    pooled = getattr(client, "pooled", None)
    return pooled() if pooled is not None else contextlib.nullcontext()


def _reader(
    client: Any,
    meta: StoreMeta,
    *,
    progress: bool | None,
    limit: int,
    preload: _Preload | None = None,
) -> PageReader:
    server = {n: v for n, v in meta.filters.items() if n in RANGE_FILTERS}
    bar = progress_bar(progress, "syncing call logs")

    def tick(page: Any) -> None:
        # Each page's rows in the stored schema, made in the thread that read it while other
        # pages are still on their way (keyed by frame: the fetched frames stay alive).
        table = reader.tables[id(page.frame)] = to_table(page.frame)
        if preload is not None and table.num_rows:
            changed = table.filter(_changed_since(table, meta.watermark))
            preload.want(pc.unique(_months(changed)).to_pylist())
        if reader.expected and bar.total != reader.expected:
            bar.total = reader.expected
            bar.refresh()
        bar.update(len(page.frame))

    reader = PageReader(
        client.read_call_log_page,
        server,
        limit=limit,
        workers=_pages_at_once(client),
        on_page=tick,
    )
    close = reader.close

    def close_all() -> None:
        close()
        bar.close()

    reader.close = close_all  # type: ignore[method-assign]
    return reader


def _fetch(
    reader: PageReader,
    meta: StoreMeta,
    index: _Index,
    *,
    full: bool,
    months: list[str],
    started: Future | None = None,
) -> Fetched:
    """What changed (`started`: page 1 by newest change, already requested)."""
    if full:
        return read_all(reader, started=started)
    fetched = read_changes(
        reader, meta.watermark, known=index.rows, known_ids=index.all_ids, started=started
    )
    for month in months:  # damaged months, read again whole
        fetched.frames += read_all(_month(reader, month)).frames
    return fetched


def _month(reader: PageReader, month: str) -> PageReader:
    """`reader` narrowed to the calls created in `month` (within the store's own range)."""
    if month == NULL_MONTH:
        return reader  # calls without a creation time: no range selects them alone
    start = pd.Timestamp(f"{month}-01", tz="UTC")
    end = start + pd.offsets.MonthBegin(1) - pd.Timedelta(milliseconds=1)
    own_start, own_end = reader.filters.get("start_date"), reader.filters.get("end_date")
    return reader.narrowed(
        start_date=start if own_start is None else max(start, own_start),
        end_date=end if own_end is None else min(end, own_end),
    )


def _fewer_upstream(reader: PageReader, meta: StoreMeta, total: int | None) -> list[str]:
    """Months holding calls the API no longer has (deleted, or moved out of range).

    Free unless there is a sign of it: the store now holds every call the API counted when
    the sync began plus those created since, so holding more than that count means some
    stored calls are gone upstream (or were created during the sync). Only then is each month
    counted, one request per month, and a month whose count is below the stored one is named.
    """
    if total is None or meta.rows <= total or not meta.partitions:
        return []
    months = [m for m, r in meta.partitions.items() if r.rows and m != NULL_MONTH]
    ranges = [{k: _month(reader, m).filters[k] for k in ("start_date", "end_date")} for m in months]
    counts = reader.counts(ranges)
    return [m for m, n in zip(months, counts, strict=True) if n < meta.partitions[m].rows]


def _pages_at_once(client: Any) -> int:
    """Pages in progress at once: never more requests in flight than the client itself sends.

    A client that pools its connections (`Client.pooled`) holds requests beyond its
    ``max_concurrency`` until a connection is free, so there twice as many pages are taken on:
    a connection freed by an answer carries the next request at once, while that answer's page
    is still being parsed, instead of waiting for the parse.
    """
    concurrency = getattr(client, "max_concurrency", DEFAULT_CONCURRENCY)
    return 2 * concurrency if hasattr(client, "pooled") else concurrency


def _incoming(
    fetched: Fetched,
    since: pd.Timestamp | None,
    whole: Iterable[str] = (),
    tables: Mapping[int, pa.Table] | None = None,
) -> pa.Table:
    """The rows read, one per id (the newest); rows older than `since` are stored already,
    except in the months of `whole`, which are written anew. `tables`: frames already made
    Arrow tables, by ``id(frame)``."""
    made = tables or {}
    # Page by page: a field the API adds may come typed differently on different pages.
    pages = (made.get(id(f)) or to_table(f) for f in fetched.frames if len(f))
    table = drop_duplicate_ids(concat(pages))
    if since is not None:
        keep = _changed_since(table, since)
        whole = list(whole)
        if whole:
            keep = pc.or_(keep, pc.is_in(_months(table), value_set=pa.array(whole, pa.string())))
        table = table.filter(keep)
    return table


def _changed_since(table: pa.Table, since: pd.Timestamp | None) -> pa.Array:
    """Which rows changed at or after `since` (all when None; no ``updated_at``: no)."""
    if since is None:
        return pa.array([True] * table.num_rows)
    return pc.fill_null(pc.greater_equal(table["updated_at"], pa.scalar(since)), False)


def _months(table: pa.Table) -> pa.Array:
    return pc.fill_null(pc.strftime(table["created_at"], format="%Y-%m"), NULL_MONTH)


def _write(
    root: Path,
    index: _Index,
    incoming: pa.Table,
    *,
    replace: Iterable[str] = (),
    meta: StoreMeta | None = None,
    stored: Callable[[str], pa.Table] | None = None,
) -> tuple[int, int]:
    """Merge `incoming` into the partitions (those of `replace` are rewritten from `incoming`
    alone) and commit their records to the metadata; returns (new calls, updated calls).
    `stored` gives a month's stored rows (default: read from `index`'s file now).

    New files are written under temporary names first, then listed as pending in the
    metadata, then moved in place, then committed: whenever a writer dies, every partition file
    matches a record (see `_verify`).
    """
    meta = meta if meta is not None else load_meta(root) or StoreMeta()
    replace = set(replace)
    legacy = meta.partitions is None  # a version 1 store: every file gets a record now
    records = dict(meta.partitions or {})
    months = _months(incoming)
    kept = {m: ids for m, ids in index.ids.items() if m not in replace}
    new = count_true(pc.invert(pc.is_in(incoming["id"], value_set=index.all_ids)))
    # A call whose created_at changed lives in another month now: remove it from the old one
    # first (a crash in between loses it until the next sync re-reads it, never doubles it).
    moved: dict[str, pa.Array] = {}
    for month, ids in kept.items():
        there = pc.and_(pc.is_in(incoming["id"], value_set=ids), pc.not_equal(months, month))
        if pc.any(there).as_py():
            moved[month] = pc.filter(incoming["id"], there).combine_chunks()
    none = pa.array([], pa.string())
    forced = replace | (set(index.files) if legacy else set())
    stored = stored or index.read

    def merge(month: str) -> tuple[str, Path | None, PartitionRecord | None, int]:
        path = partition_path(root, month)
        stale = month in replace or month not in index.files
        old = None if stale else stored(month)
        rows = incoming.filter(pc.equal(months, month))
        merged = merge_partition(old, rows, moved.get(month, none))
        if not (merged.changed or month in forced or month not in records):
            return month, None, None, merged.updated
        tmp, count, digest = write_partition_temp(path, merged.table, month)
        checkpoint("partition-temp")
        return month, tmp, PartitionRecord(count, digest), merged.updated

    targets = set(pc.unique(months).to_pylist()) | forced
    order = sorted(moved) + sorted(targets - set(moved))
    written: dict[str, tuple[Path, PartitionRecord]] = {}
    updated = 0
    try:
        # Partitions are separate files: merge and write them side by side (Arrow frees the GIL).
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            for month, tmp, record, changed in pool.map(merge, order):
                updated += changed
                if tmp is not None and record is not None:
                    written[month] = (tmp, record)
        if written:
            meta.pending = {m: record for m, (_, record) in written.items()}
            save_meta(root, meta)
            for month in order:  # moved calls leave their old partition first
                if month in written:
                    commit_file(written.pop(month)[0], partition_path(root, month))
                    checkpoint("partition-replaced")
    finally:
        for tmp, _ in written.values():  # not moved in place: an error came first
            tmp.unlink(missing_ok=True)
    records.update(meta.pending)
    meta.pending = {}
    meta.partitions = records
    meta.rows = sum(r.rows for r in records.values())
    save_meta(root, meta)
    return new, updated + sum(len(ids) for ids in moved.values())

"""A local call-log store: Parquet on disk, synced incrementally from the API.

>>> import dialstats as ds
>>> store = ds.CallLogStore("calls")                       # a directory
>>> print(store.sync(demo=True))                           # doctest: +SKIP
full sync: 24,000 new, 0 updated, 24,000 calls in store (242 requests, 3.4 s)
>>> print(store.sync(demo=True))                           # doctest: +SKIP
sync: 0 new, 0 updated, 24,000 calls in store (2 requests, 0.1 s)
>>> df = store.read(start_date="2026-09-01", outcome="answered")  # doctest: +SKIP

Layout
    A hive-partitioned Parquet dataset, ``<root>/created_month=YYYY-MM/part-0.parquet``, one
    row per call id, plus ``_dialstats_store.json`` (the filters the store is bound to, the
    watermark, the row count; never the API key) and a lock file. pyarrow.dataset, DuckDB,
    Polars, Dask and Spark read the directory as it is (each file's footer also records its
    month, row count and a digest of its ids and versions). Columns are stored in engine-neutral
    types (categories as strings, timestamps as UTC microseconds); `CallLogStore.read` gives
    back exactly the dtypes of `read_call_logs`. A store written by an older schema reads too:
    missing columns come back as NA, unknown ones are kept.

Filters
    A store holds every call matching its *range* filters (dates, reps, lists, sequences,
    numbers, direction, search), which never change once a call is logged. Filters on what
    later updates can change (outcome, duration, disposition, recording, completion) are kept
    with the store and applied when reading, so a call that changes never lingers stale. A
    later `sync` with other filters raises `StoreFilterError`; so does a `read` that asks for
    calls outside the store (an earlier start date, another rep). Applied locally, phone
    numbers match as the API matches them, however either side writes them: ``to`` and
    ``from`` by their digits (``"(704) 231-6369"``, ``"+17042316369"`` and ``"7042316369"``
    are one number), and ``search`` finds any of the contact's numbers, by its digits too.

The first sync
    Page 1 sorted by ``-updatedAt`` gives the watermark W: the newest ``updatedAt`` on the
    *server's* clock when the sync begins, and the count. W never runs ahead of the server's
    clock (its ``Date`` header; this machine's clock for an in-process app, which sends none):
    a call stamped in the future (2030) would otherwise fix a W that no later change reaches.
    When the newest change is more than 5 s ahead of the clock, W is the clock minus a minute
    and the calls changed "in the future" are read again by every sync (the top page or so).
    (A call *created* in the future is kept, as the API has it, although `read_call_logs`,
    which pins ``end_date`` to the moment it starts, leaves it out.) Then all pages are read at once,
    sorted by ``createdAt`` and bounded by ``end_date <= W``. In that order an edit does not
    move a call and a new call falls outside the bound, so the pages tile the list exactly;
    every page reports the count, and if it changed (a call was back-dated into the range)
    the read is retried, finally page by page (always complete, see below).

Later syncs
    The API has no "updated since" filter but sorts on any field: pages sorted by
    ``-updatedAt`` are read from page 1 until one reaches a call older than the previous
    watermark (``updatedAt >= W`` is re-read: calls changed within W's millisecond are not
    lost; the merge makes re-reads harmless). Why nothing is lost while calls change during
    the read: a change moves a call to the top, which only shifts the calls not yet read
    *down*; read in page order, a call shifted down is met on a later page (duplicates are
    dropped by id), never skipped. A call that changed during the sync has ``updatedAt`` at or
    after the new W, so if this sync saw an older version, the next one reads it again.

    Speed: every changed call seen so far, and every new call not seen yet (the API's count
    minus the calls stored), lies above the first older call, so the pages holding them are
    surely needed: each is requested as soon as that is known, up to the client's
    ``max_concurrency`` at once (twice as many pages are taken on, the extra ones waiting for
    a free connection, so a request leaves as soon as an answer is in, while that page is
    parsed). Pages that hold only calls changed at the watermark's very
    moment (a bulk change: ties) are read one by one first. Pages read out of order are then
    checked: none may hold a call changed at or after the new watermark that those first
    pages did not, and the distinct calls read at or after W must be exactly as many as the
    stopping page says lie above it (calls never leave the range, so this count proves none
    was skipped). If the check fails the changes are read again strictly page by page. With
    nothing changing meanwhile, a sync after ``c`` changed calls sends at most
    ``ceil(c / 100) + 2`` requests: the pages, the page that reaches older calls, and the
    dispositions lookup. All go through one pool of connections (`Client.pooled`): a sync
    opens at most ``max_concurrency`` TCP connections, not one per page.

Calls deleted upstream
    After a sync the store holds every call the API counted when it began (page 1's
    ``total``) plus the calls created since; holding more than that count means stored calls
    are gone upstream (deleted, or moved out of the range). Only then is each month counted
    (one request of one call per month, at once), and each month with fewer calls upstream
    than stored is read again whole (about one request per 100 of its calls) and rewritten.
    So the check costs nothing while nothing is deleted, and a deletion costs a month.
    ``sync(full=True)`` reads everything again.

Safety
    Writers take a file lock (released by the OS if the writer dies). Each partition is
    written to a hidden temporary file and fsynced; the new files are listed as pending in the
    metadata, then renamed over the old ones, so readers see a whole partition, old or new;
    the records and then the watermark are committed last. A sync killed at any point leaves
    the previous state readable with one row per id, and the next sync, starting again from
    the old watermark, completes it.

Damage
    Every ``read``, ``len()`` and `CallLogStore.verify` compares each partition's Parquet
    footer with the metadata (no data is read: milliseconds) and raises `StoreError` naming
    each damaged month and how: its file missing, calls of another month in it (a copied
    file: its calls stored twice), truncated or not Parquet, a file the store did not write,
    other rows or versions than recorded (an old copy). Data pages carry checksums, so damage
    inside them is an error when read. A sync refuses a damaged store; `CallLogStore.repair`
    reads every file whole, then reads the damaged months again from the API and syncs;
    ``sync(full=True)`` reads everything again. A directory that is not empty and holds no
    store (say, another hive dataset) is never adopted, and malformed metadata is a
    `StoreError`.

Snapshots and the cache
    ``dialstats pull -o FILE.parquet`` writes one file (atomically) that `read_snapshot` reads
    back typed; ``read_call_logs(..., cache=True | path)`` runs `cached_read_call_logs`: sync a
    store (by default one per team and range in the user cache directory), then read it.
"""

from __future__ import annotations

from dialstats.errors import StoreError, StoreFilterError, StoreLockedError
from dialstats.store._cache import cache_root, cached_read_call_logs, default_store_path
from dialstats.store._layout import META_NAME
from dialstats.store._snapshot import read_snapshot, write_snapshot
from dialstats.store._store import CallLogStore
from dialstats.store._sync import SyncResult

__all__ = [
    "META_NAME",
    "CallLogStore",
    "StoreError",
    "StoreFilterError",
    "StoreLockedError",
    "SyncResult",
    "cache_root",
    "cached_read_call_logs",
    "default_store_path",
    "read_snapshot",
    "write_snapshot",
]

# Shown where they are exported from (dialstats.store.CallLogStore, not store._store).
for _cls in (CallLogStore, SyncResult):
    _cls.__module__ = __name__
del _cls

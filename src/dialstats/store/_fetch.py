"""Reading what changed from the API: a full snapshot, or only what changed since a watermark.

Both reads are concurrent where that is provably safe and say whether they are complete; the
reasoning is in the package docstring. Each returns the frames it read (duplicates included:
the caller keeps the newest row per id) and the new watermark.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dialstats.store._merge import count_true

NEWEST_CHANGE = "-updatedAt"
OLDEST_CREATED = "createdAt"
FULL_ATTEMPTS = 3
# A newest change later than the server's clock by more than this is in the future: a ``Date``
# header counts whole seconds and servers refresh it about once a second, so it trails the
# moment of the answer by up to ~2 s.
DATE_SLACK = pd.Timedelta(seconds=5)
# How far behind the clock the watermark then stays (covering a clock that stamps `updatedAt`
# a little behind the one dating responses, e.g. a proxy's).
CLOCK_MARGIN = pd.Timedelta(minutes=1)


@dataclass
class Fetched:
    """The pages a read brought (a call may be in several) and the watermark it fixed."""

    frames: list[pd.DataFrame] = field(default_factory=list)
    watermark: pd.Timestamp | None = None
    reread: bool = False  # a concurrent read failed its check and was done again
    total: int | None = None  # calls in range when the read began, as the API counted them


class PageReader:
    """Reads call-log pages with the store's filters, several at once, and counts them."""

    def __init__(
        self,
        read_page: Callable[..., Any],
        filters: dict[str, Any],
        *,
        limit: int,
        workers: int,
        on_page: Callable[[Any], None] | None = None,
    ) -> None:
        self._read_page = read_page
        self.filters = filters
        self.limit = limit
        self.workers = max(1, workers)
        self._pool = ThreadPoolExecutor(max_workers=self.workers)
        self._on_page = on_page or (lambda page: None)
        self.expected: int | None = None  # calls this read will bring, once known (progress)
        # Frames read, as Arrow tables by ``id(frame)``, where `on_page` makes them.
        self.tables: dict[int, pa.Table] = {}

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def narrowed(self, **filters: Any) -> PageReader:
        """A reader of the same pages with `filters` added (sharing this one's threads)."""
        reader = copy.copy(self)
        reader.filters = {**self.filters, **filters}
        return reader

    def counts(self, ranges: Sequence[dict[str, Any]]) -> list[int]:
        """The API's count of calls for each of `ranges` (extra filters): one small request each."""

        def count(extra: dict[str, Any]) -> int:
            filters = {**self.filters, **extra}
            return self._read_page(1, limit=1, sort=OLDEST_CREATED, **filters).total

        return list(self._pool.map(count, ranges))

    def one(self, page: int, sort: str, **overrides: Any) -> Any:
        """One `CallLogPage` (``frame``, ``total``, ...)."""
        result = self._read_page(page, limit=self.limit, sort=sort, **{**self.filters, **overrides})
        self._on_page(result)
        return result

    def start(self, page: int, sort: str) -> Future:
        """`one` page, requested now in a reader thread (its result: `Future.result`)."""
        return self._pool.submit(self.one, page, sort)

    def many(self, pages: Sequence[int], sort: str, **overrides: Any) -> list[Any]:
        """Pages in page order, read concurrently; the first error is raised."""
        futures = [self._pool.submit(self.one, p, sort, **overrides) for p in pages]
        return [f.result() for f in futures]

    def follow(self, scan: _Scan, *, at_once: int) -> None:
        """Read pages by newest change as `scan` asks for them, up to `at_once` in flight.

        Each answer can tell the scan that more pages are surely needed, so requests are
        sent as soon as they are known to be needed rather than in rounds.
        """
        in_flight: dict[Future, int] = {}
        following = scan.contiguous + 1
        while True:
            while not scan.done and len(in_flight) < at_once and following <= scan.wanted():
                future = self._pool.submit(self.one, following, NEWEST_CHANGE)
                in_flight[future] = following
                following += 1
            if not in_flight:
                return
            scan.concurrent |= len(in_flight) > 1
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                scan.receive(in_flight.pop(future), future.result())


def _is_change(updated: pd.Series, since: pd.Timestamp | None) -> np.ndarray:
    """Which calls changed at or after `since` (a call without ``updated_at``: no)."""
    if since is None:
        return np.ones(len(updated), dtype=bool)
    return (updated >= since).fillna(False).to_numpy(dtype=bool)


def _top(page: Any) -> pd.Timestamp | None:
    """The newest ``updated_at`` on a page sorted by it (None when the page is empty)."""
    column = page.frame["updated_at"].dropna()
    return None if column.empty else column.max().tz_convert("UTC")


def server_clock(page: Any) -> pd.Timestamp:
    """The server's clock when it answered `page`: its ``Date`` header, else this machine's
    (an in-process app, such as the demo, sends none and runs on this clock)."""
    date = getattr(page, "server_time", None)
    return pd.Timestamp.now(tz="UTC") if date is None else date


def marks(page: Any) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """(watermark to store, head threshold) from page 1 by newest change.

    Normally both are the newest ``updatedAt``: every later change is stamped at or after it.
    A call stamped in the future (a bad clock, an import) would make that a mark no later
    change reaches, and every sync until then would miss them; so when the newest change is
    ahead of the server's clock (`server_clock`, the ``Date`` header), the watermark is the
    clock minus `CLOCK_MARGIN` and the threshold (what this sync's own changes land at or
    above) the clock. The calls changed "in the future" stay above both, so each sync reads
    them again: they are the top of the list, a page or so.
    """
    top = _top(page)
    if top is None:
        return None, None
    now = server_clock(page)
    if top <= now + DATE_SLACK:
        return top, top
    return now - CLOCK_MARGIN, now


def read_all(reader: PageReader, *, started: Future | None = None) -> Fetched:
    """Every call matching the filters, as of the moment the read starts.

    Page 1 by newest change fixes the watermark W (the server's newest ``updatedAt``) and the
    count. The calls are then read oldest-created first and bounded by ``created <= W``: edits
    do not move a call in that order and new calls fall outside the bound, so concurrent pages
    tile the list exactly unless the count changed under us, which each page reports. Then the
    read is retried, and finally done page by page by newest change, which is always complete.
    `started`: page 1 by newest change, already requested (`PageReader.start`).
    """
    for attempt in range(FULL_ATTEMPTS):
        if attempt == 0 and started is not None:
            first = started.result()
        else:
            first = reader.one(1, NEWEST_CHANGE)
        watermark, threshold = marks(first)
        fetched = Fetched([first.frame], watermark, total=first.total)
        if first.total <= len(first.frame):
            return fetched  # one page held everything
        count = math.ceil(first.total / reader.limit)
        reader.expected = len(first.frame) + first.total
        pages = reader.many(range(1, count + 1), OLDEST_CREATED, **_bounded_end(reader, threshold))
        fetched.frames += [p.frame for p in pages]
        if all(p.total == first.total for p in pages):
            return fetched
    return read_changes(reader, None, known=0, known_ids=pa.array([], pa.string()))


def _bounded_end(reader: PageReader, watermark: pd.Timestamp) -> dict[str, Any]:
    end = reader.filters.get("end_date")
    return {"end_date": watermark if end is None else min(end, watermark)}


def read_changes(
    reader: PageReader,
    since: pd.Timestamp | None,
    *,
    known: int,
    known_ids: pa.Array,
    started: Future | None = None,
) -> Fetched:
    """Every call created or updated at or after `since` (None: every call), newest change first.

    `known` is how many calls the store holds (`known_ids` their ids): the API's count minus
    it is how many calls are new, all of them changed after `since`, so the pages holding them
    are surely needed and are read concurrently. Pages read out of order are checked by
    counting (see the package docstring); if the check fails, the changes are read once more
    strictly page by page, which is complete by construction. `started`: page 1 by newest
    change, already requested (`PageReader.start`).
    """
    first = started.result() if started is not None else reader.one(1, NEWEST_CHANGE)
    watermark, threshold = marks(first)
    scan = _Scan(reader.limit, since, threshold, first, known, known_ids)
    reader.follow(scan, at_once=reader.workers)
    fetched = Fetched(scan.frames(), watermark, total=first.total)
    if not scan.verified:
        fetched.reread = True
        again = reader.one(1, NEWEST_CHANGE)
        scan = _Scan(reader.limit, since, threshold, again, known, known_ids)
        reader.follow(scan, at_once=1)
        fetched.frames += scan.frames()
    return fetched


class _Scan:
    """Pages of the call log by newest change, as they arrive, and what they tell.

    ``done`` once every page up to the first one that reaches a call older than `since` (or
    the end of the list) is in. Pages are read one at a time while they hold only calls
    changed at the watermark's very moment (the head: a bulk change can fill pages with ties),
    then as many at once as are surely needed (`wanted`). ``verified`` when the pages are
    complete although some were read out of order: no page after the head holds a call
    changed at or after the watermark that the head did not, and the distinct calls changed
    at or after `since` are exactly as many as the stop page says lie above it.
    """

    def __init__(
        self,
        limit: int,
        since: pd.Timestamp | None,
        watermark: pd.Timestamp | None,
        first: Any,
        known: int,
        known_ids: pa.Array,
    ) -> None:
        self.limit = limit
        self.since = since
        self.watermark = watermark
        self.known_new = max(0, first.total - known)
        self.known_ids = known_ids
        self.pages: dict[int, Any] = {}
        self.contiguous = 0  # pages 1..contiguous are in
        self.head_ids: set[str] = set()
        self.in_head = watermark is not None
        self.ids: set[str] = set()  # distinct calls changed at or after `since`
        self.new_seen = 0
        self.suspicious = False
        self.concurrent = False
        self.stop: int | None = None
        self.expected: int | None = None  # calls changed at or after `since`, per the stop page
        self.receive(1, first)

    def frames(self) -> list[pd.DataFrame]:
        return [self.pages[n].frame for n in sorted(self.pages)]

    @property
    def done(self) -> bool:
        return self.stop is not None and self.contiguous >= self.stop

    @property
    def verified(self) -> bool:
        return not self.concurrent or (not self.suspicious and len(self.ids) == self.expected)

    def wanted(self) -> int:
        """The last page surely needed, by what is known now."""
        if self.in_head:
            return self.contiguous + 1
        # Every changed call seen and every new call not yet seen lie above the first older
        # call, so that many positions are surely to be read.
        unseen_new = max(0, self.known_new - self.new_seen)
        return max(self.contiguous + 1, (len(self.ids) + unseen_new) // self.limit + 1)

    def receive(self, number: int, page: Any) -> None:
        self.pages[number] = page
        while self.contiguous + 1 in self.pages:
            self.contiguous += 1
        ids = page.frame["id"].to_numpy(dtype=object, na_value=None)
        updated = page.frame["updated_at"]
        changed = _is_change(updated, self.since)
        if self.in_head:  # pages of the head arrive one at a time, in order
            self.head_ids.update(i for i in ids if i is not None)
            at_watermark = _is_change(updated, self.watermark)
            self.in_head = bool(at_watermark.all()) and len(ids) == self.limit
        elif self.watermark is not None:
            late = ids[changed & _is_change(updated, self.watermark)]
            self.suspicious |= not set(late).issubset(self.head_ids)
        fresh = {i for i in ids[changed] if i is not None} - self.ids
        self.ids |= fresh
        if fresh:
            # Look the stored ids up in the page's few (hashing those, not all stored ids).
            fresh_ids = pa.array(list(fresh), pa.string())
            stored = count_true(pc.is_in(self.known_ids, value_set=fresh_ids))
            self.new_seen += len(fresh) - stored
        reaches_older = not changed.all()
        if (reaches_older or len(ids) < self.limit) and (self.stop is None or number < self.stop):
            self.stop = number
            above = int(np.argmin(changed)) if reaches_older else len(ids)
            self.expected = (number - 1) * self.limit + above

"""Every page of GET /v1/call-log, fetched concurrently, with each record exactly once.

The rule that makes a read exact while calls are created and updated underneath it:

1. The caller pins the range: ``end_date`` is at most the moment the read started. Calls created
   during the read fall outside it, so they cannot shift pages; they are left for the next read.
2. Pages are read in a stable order: ``createdAt`` ascending, ties broken by ``_id`` (the server
   does that). An update changes ``updatedAt``, never ``createdAt``, so it cannot move a record.
3. Page 1 gives ``pagination.total``; the other pages are fetched at once (bounded by the
   client's ``max_concurrency``). The pass is complete when every page reported the same total
   and that many distinct ids arrived.
4. Otherwise the range itself changed (a record deleted, one created with a back-dated
   ``createdAt``, an update that moved a record in or out of a filter, or a custom ``sort`` on a
   field that changed): pages may have shifted, so the whole range is read again and the passes
   are merged. A record that moved is then seen at least once, and duplicates are dropped later
   by id, keeping the newest ``updatedAt``. After `MAX_PASSES` passes without a complete one,
   the read is reported incomplete (an error by default), never silently short.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from dialstats.api._filters import encode_filters
from dialstats.api._http import Session
from dialstats.errors import ApiError
from dialstats.frame._flatten import PageInfo, read_page_info

CALL_LOG_PATH = "/v1/call-log"
STABLE_SORT = "createdAt"
MAX_PASSES = 3


class Progress(Protocol):
    total: float | None

    def update(self, n: float = 1) -> Any: ...
    def refresh(self) -> Any: ...


Sink = Callable[[list[bytes]], Any]
GROUP = 16  # pages handed on together, in page order, as soon as all of them are in


@dataclass
class CallLogRead:
    """How a paged read went. The bodies went to the sink; a record may be in several."""

    expected: int = 0  # records in range, as the API last reported (capped by max_records)
    received: int = 0  # distinct records that arrived
    complete: bool = False
    passes: int = 0


Fetched = tuple[int, bytes, PageInfo]


def pin_end(filters: dict[str, Any], now: pd.Timestamp | None = None) -> dict[str, Any]:
    """Filters with ``end_date`` at most `now` (default: this moment, to the millisecond),
    so that calls created during the read fall outside the range read.

    The pin uses this machine's clock: calls the server created in the last moments before the
    read, by a clock running ahead of this one, are left for the next read.
    """
    now = pd.Timestamp.now(tz="UTC").floor("ms") if now is None else now
    start, end = filters.get("start_date"), filters.get("end_date")
    if start is not None and start > now:
        return filters  # a range in the future: nothing to pin against
    return {**filters, "end_date": now if end is None else min(end, now)}


def call_log_params(
    filters: dict[str, Any], *, sort: str | None, limit: int
) -> list[tuple[str, str]]:
    """Query pairs of a call-log request, without ``page``."""
    return [*encode_filters(filters), ("limit", str(limit)), ("sort", sort or STABLE_SORT)]


async def fetch_call_log_page(
    session: Session, params: Sequence[tuple[str, str]], page: int
) -> Fetched:
    """One page: (page number, body, its ids and pagination)."""
    body, info = await session.get(
        CALL_LOG_PATH, [*params, ("page", str(page))], parse=lambda b: (b, read_page_info(b))
    )
    return page, body, info


def page_count(info: PageInfo, limit: int) -> tuple[int, int, int]:
    """(total, pages, page size) of a response; raises `ApiError` if it has no usable total."""
    total = info.pagination.get("total")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise ApiError(f"the call-log response has no usable pagination.total: {info.pagination}")
    size = info.pagination.get("limit")
    size = size if isinstance(size, int) and size > 0 else limit
    return total, math.ceil(total / size), size


class _InOrder:
    """Passes bodies to `sink` in page order, `GROUP` at a time, as soon as a group is in
    (so the sink can start on them while later pages are still on their way).
    """

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._waiting: dict[int, bytes] = {}
        self._next = 1

    def add(self, page: int, body: bytes) -> None:
        self._waiting[page] = body
        group = range(self._next, self._next + GROUP)
        while all(p in self._waiting for p in group):
            self._sink([self._waiting.pop(p) for p in group])
            self._next += GROUP
            group = range(self._next, self._next + GROUP)

    def flush(self) -> None:
        if self._waiting:
            self._sink([self._waiting.pop(p) for p in sorted(self._waiting)])


async def _fetch_pages(
    session: Session,
    params: Sequence[tuple[str, str]],
    pages: range,
    progress: Progress,
    arrived: Callable[[Fetched], None],
) -> None:
    tasks = [asyncio.create_task(fetch_call_log_page(session, params, p)) for p in pages]
    try:
        for next_done in asyncio.as_completed(tasks):
            fetched = await next_done
            progress.update(len(fetched[2]))
            arrived(fetched)
    finally:  # one page failed for good (or the read was cancelled): stop the others
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _distinct(infos: Sequence[PageInfo]) -> int:
    ids: set[Any] = set()
    anonymous = 0
    for info in infos:
        for record_id in info.ids:
            if record_id is None:
                anonymous += 1
            else:
                ids.add(record_id)
    return len(ids) + anonymous


async def read_call_log_pages(
    session: Session,
    filters: dict[str, Any],
    *,
    sort: str | None,
    limit: int,
    max_records: int | None,
    progress: Progress,
    sink: Sink,
) -> CallLogRead:
    """Read every page of the (already pinned) range, handing the bodies to `sink` in page
    order (pass after pass); see the module docstring for the rule.
    """
    per_page = min(limit, max_records) if max_records else limit
    params = call_log_params(filters, sort=sort, limit=per_page)
    read = CallLogRead()
    seen: list[PageInfo] = []
    while read.passes < MAX_PASSES and not read.complete:
        read.passes += 1
        in_order = _InOrder(sink)
        infos: list[PageInfo] = []

        def arrived(fetched: Fetched, in_order: _InOrder = in_order, infos: list = infos) -> None:
            infos.append(fetched[2])
            in_order.add(fetched[0], fetched[1])

        first = await fetch_call_log_page(session, params, 1)
        progress.update(len(first[2]))
        arrived(first)
        total, pages, size = page_count(first[2], per_page)
        if max_records is not None:  # (the server's page size may be below the one asked for)
            pages = min(pages, math.ceil(max_records / size))
        expected = total if max_records is None else min(total, max_records)
        # A second pass reads everything again: the bar grows by as much.
        progress.total = expected if read.passes == 1 else (progress.total or 0) + expected
        progress.refresh()
        await _fetch_pages(session, params, range(2, pages + 1), progress, arrived)
        in_order.flush()
        seen.extend(infos)
        totals = {info.pagination.get("total") for info in infos}
        latest = max(t for t in totals if isinstance(t, int))
        read.expected = latest if max_records is None else min(latest, max_records)
        read.complete = len(totals) == 1 and _distinct(infos) >= expected
    read.received = _distinct(seen)
    return read

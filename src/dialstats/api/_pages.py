"""Every page of GET /v1/call-log, fetched concurrently, with each record exactly once.

What a read returns (its contract): the calls created up to the moment the read started
(``end_date`` is pinned to it) that match the filters, each once, as one pass over the pages
saw them, where that pass is *consistent*: every page reported the same total, no page held more
rows than its size or the total, no id came on two pages, exactly `total` distinct ids arrived,
and no page said more pages follow the last one. Such a pass is the state of the range at one
moment during the read, within what paged answers can show.

1. Calls created during the read fall outside the pinned range, so they cannot shift pages.
2. Pages are read in a stable order: ``createdAt`` ascending, ties broken by ``_id`` (the server
   does that). An update changes ``updatedAt``, never ``createdAt``, so it cannot move a record.
3. Page 1 gives the pagination; the other pages are fetched at once (bounded by the client's
   ``max_concurrency``), and their ids and pagination are read with their records, by the sink
   (one parse of each body; a body found to be no page then is fetched again, alone, and checked
   in full). Pagination comes in three shapes: ``{total, page, limit, pages}`` (the
   written spec), ``{total, page, next}`` (the live API: pages from `total` and the page size)
   and ``next`` alone (pages are then followed one after another, refusing a `next` that does not
   move forward).
4. A pass that is not consistent (a call deleted, back-dated, or moved in or out of a filter by
   an update, while the pages were read) is thrown away whole and the range read again: passes
   are never merged, so deleted calls and calls that left the filter do not come back. After
   `MAX_PASSES` passes without a consistent one the read is reported incomplete
   (`IncompleteReadError`, saying whether the data kept changing or the server's totals do not
   match its pages), never silently short or long.

Changes that leave every count unchanged at the same instant (one call deleted and another moved
in between two pages) cannot be seen in paged answers; the next read finds them.

Long id lists are split (see `split_filters`) so that no URL exceeds `MAX_URL_BYTES`; each part is
read as above and the parts' calls, being disjoint, together are the answer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import math
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from dialstats.api._filters import encode_filters
from dialstats.api._http import Session
from dialstats.api._wire import PageInfo, checked_body, read_page_info
from dialstats.errors import ApiError, InvalidParameterError

CALL_LOG_PATH = "/v1/call-log"
STABLE_SORT = "createdAt"
MAX_PASSES = 3


class Progress(Protocol):
    total: float | None

    def update(self, n: float = 1) -> Any: ...
    def refresh(self) -> Any: ...


class Sink(Protocol):
    """Takes groups of page bodies in page order and reads them (see `BackgroundParser`)."""

    def __call__(self, pages: list[int], bodies: list[bytes]) -> Any: ...
    def refused(self) -> list[int]: ...
    def settled(self) -> concurrent.futures.Future[dict[int, PageInfo | ValueError]]: ...
    def replace(self, page: int, body: bytes) -> PageInfo: ...
    def reset(self) -> Any: ...


GROUP = 16  # pages handed on together, in page order, as soon as all of them are in
MAX_URL_BYTES = 8192  # many servers and proxies refuse longer request lines
_PAGE_PARAM_BYTES = 32  # room for "&page=<n>" added to each request


@dataclass
class CallLogRead:
    """How a paged read went. The bodies of its last pass went to the sink."""

    expected: int = 0  # records in range, as the API last reported (capped by max_records)
    received: int = 0  # distinct records that arrived in the last pass
    complete: bool = False
    passes: int = 0
    problem: str = ""  # what made the last pass inconsistent
    changing: bool = True  # the problem came from data changing (else: the server's totals)


# A page: its number, its body, and its ids and pagination (None until the sink has read them).
Fetched = tuple[int, bytes, PageInfo | None]


@dataclass(frozen=True)
class Paging:
    """A page's pagination, whatever its shape: `total` and `pages` are None when the server
    does not give them (then `next` is followed); `next` is the server's, else the page after
    when this one is not the last of `pages`."""

    total: int | None
    pages: int | None
    size: int
    next: int | None


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


def url_bytes(base_url: str, params: Sequence[tuple[str, str]]) -> int:
    """Length of the request URL of a call-log page with these query pairs (``page`` aside),
    every reserved character counted percent-encoded (an upper bound of what is sent)."""
    query = urllib.parse.urlencode(list(params), quote_via=urllib.parse.quote)
    return len(f"{base_url}{CALL_LOG_PATH}?{query}".encode())


def split_filters(
    filters: dict[str, Any], base_url: str, *, sort: str | None, limit: int
) -> list[dict[str, Any]]:
    """`filters` as parts whose URLs stay under `MAX_URL_BYTES`: the longest id list is halved
    until each part fits. A call has one user, one disposition, one list ..., so the parts'
    calls are disjoint and together are the calls `filters` asks for (duplicate ids are sent
    once).

    >>> parts = split_filters({"user_ids": tuple(f"u{i:05}" for i in range(2000))}, "https://x.io", sort=None, limit=100)
    >>> len(parts), sum(len(p["user_ids"]) for p in parts)
    (9, 2000)
    """
    filters = {
        name: tuple(dict.fromkeys(value)) if isinstance(value, tuple | list) else value
        for name, value in filters.items()
    }

    def fits(part: dict[str, Any]) -> int:
        return url_bytes(base_url, call_log_params(part, sort=sort, limit=limit))

    def split(part: dict[str, Any]) -> list[dict[str, Any]]:
        size = fits(part)
        if size + _PAGE_PARAM_BYTES <= MAX_URL_BYTES:
            return [part]
        lists = [n for n, v in part.items() if isinstance(v, tuple) and len(v) > 1]
        if not lists:
            raise InvalidParameterError(
                next(iter(part), "filters"),
                f"the filters make a request URL of {size:,} bytes, above the "
                f"{MAX_URL_BYTES:,} a server accepts, and no id list is left to split: "
                "shorten the search text or the ids",
            )
        name = max(lists, key=lambda n: sum(len(str(v)) for v in part[n]))
        ids = part[name]
        # As few parts as the room left by the other parameters allows (one id at least each).
        room = MAX_URL_BYTES - _PAGE_PARAM_BYTES - fits({**part, name: ids[:1]})
        n = min(len(ids), max(2, math.ceil((size - fits({**part, name: ids[:1]})) / max(room, 1))))
        step = math.ceil(len(ids) / n)
        return [
            piece
            for start in range(0, len(ids), step)
            for piece in split({**part, name: ids[start : start + step]})
        ]

    return split(filters)


async def fetch_call_log_page(
    session: Session, params: Sequence[tuple[str, str]], page: int, *, again: bool = False
) -> Fetched:
    """One page: (page number, body, its ids and pagination); `again`: a page fetched before,
    whose request goes ahead of those waiting."""
    info = await session.get(
        CALL_LOG_PATH,
        [*params, ("page", str(page))],
        parse=read_page_info,
        label=f"page {page}",
        again=again,
    )
    # The body goes on to the parser alone: the info is kept for the whole read.
    return page, info.body, dataclasses.replace(info, body=b"")


async def fetch_call_log_body(
    session: Session, params: Sequence[tuple[str, str]], page: int
) -> Fetched:
    """One page whose pagination is not needed at once: its body is only checked to be a JSON
    object here (so Arrow may see it); the sink reads its ids and pagination with its records,
    saving a second parse of every body."""
    body = await session.get(
        CALL_LOG_PATH, [*params, ("page", str(page))], parse=checked_body, label=f"page {page}"
    )
    return page, body, None


def _count_field(pagination: dict[str, Any], name: str, page: int) -> int | None:
    value = pagination.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ApiError(
            f"GET {CALL_LOG_PATH} (page {page}): pagination.{name} is {value!r}, "
            f"not a count: {pagination}",
            status_code=200,
        )
    return value


def page_count(info: PageInfo, limit: int, page: int = 1) -> Paging:
    """The pagination of a response in any of its shapes (see the module docstring); raises
    `ApiError` naming the page if it has none that can be used.

    >>> page_count(PageInfo(["a"] * 100, {"total": 250, "page": 1, "next": 2}), 100)
    Paging(total=250, pages=3, size=100, next=2)
    >>> page_count(PageInfo(["a"] * 100, {"total": 250, "page": 2, "limit": 100, "pages": 3}), 100, 2)
    Paging(total=250, pages=3, size=100, next=3)
    """
    pagination = info.pagination
    total = _count_field(pagination, "total", page)
    pages = _count_field(pagination, "pages", page)
    size = _count_field(pagination, "limit", page) or limit
    following = _count_field(pagination, "next", page)
    if total is None and pages is None and "next" not in pagination:
        raise ApiError(
            f"GET {CALL_LOG_PATH} (page {page}): the response's pagination has neither total, "
            f"pages nor next: {pagination}",
            status_code=200,
        )
    if page == 1 and "limit" not in pagination and 0 < len(info) < size and following:
        size = len(info)  # a full first page below the size asked for: the server's own size
    if following is None and pages is not None and page < pages:
        following = page + 1  # the written spec's shape counts pages and says no next
    if pages is None and total is not None:
        pages = math.ceil(total / size)
    return Paging(total, pages, size, following)


class _InOrder:
    """Passes bodies to `sink` in page order, `GROUP` at a time, as soon as a group is in
    (so the sink can start on them while later pages are still on their way).
    """

    def __init__(self, sink: Sink, first: int = 1) -> None:
        self._sink = sink
        self._waiting: dict[int, bytes] = {}
        self._next = first

    def add(self, page: int, body: bytes) -> None:
        self._waiting[page] = body
        group = range(self._next, self._next + GROUP)
        while all(p in self._waiting for p in group):
            self._sink(list(group), [self._waiting.pop(p) for p in group])
            self._next += GROUP
            group = range(self._next, self._next + GROUP)

    def flush(self) -> None:
        if self._waiting:
            pages = sorted(self._waiting)
            self._sink(pages, [self._waiting.pop(p) for p in pages])


async def _fetch_pages(
    session: Session,
    params: Sequence[tuple[str, str]],
    pages: range,
    arrived: Callable[[Fetched], None],
    sink: Sink,
) -> None:
    tasks = [asyncio.create_task(fetch_call_log_body(session, params, p)) for p in pages]
    try:
        for next_done in asyncio.as_completed(tasks):
            arrived(await next_done)
            # A body the parser found to be no page is fetched again at once: a server sending
            # such bodies fails the read now, not after a whole pass.
            for page in sink.refused():
                await _fetch_again(session, params, page, sink)
    finally:  # one page failed for good (or the read was cancelled): stop the others
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _follow_next(
    session: Session,
    params: Sequence[tuple[str, str]],
    first: PageInfo,
    last: int | None,
    arrived: Callable[[Fetched], None],
) -> None:
    """Pages after page 1 (`first`) by their ``next``, one after another, up to page `last`."""
    page, following = 1, page_count(first, 1).next
    while following is not None and (last is None or following <= last):
        if following <= page:
            raise ApiError(
                f"GET {CALL_LOG_PATH} (page {page}): pagination.next is {following}, which "
                "does not move forward: the pages would loop",
                status_code=200,
            )
        fetched = await fetch_call_log_page(session, params, following)
        arrived(fetched)
        assert fetched[2] is not None
        page, following = following, page_count(fetched[2], 1, following).next


def _check_pass(
    fetched: dict[int, PageInfo], paging: Paging, last: int, expected: int | None
) -> tuple[str, bool]:
    """What is inconsistent about one pass (empty if nothing), and whether it looks like data
    that changed (else like totals that do not match the pages)."""
    totals = {info.pagination.get("total") for info in fetched.values()}
    if len(totals) > 1:
        shown = ", ".join(str(t) for t in sorted(totals, key=str))
        return f"the total changed between pages ({shown})", True
    seen: dict[Any, int] = {}
    rows = 0
    for page in sorted(fetched):
        info = fetched[page]
        rows += len(info)
        if len(info) > paging.size:
            return (
                f"page {page} held {len(info)} rows, more than the page size {paging.size}",
                False,
            )
        for record_id in info.ids:
            if record_id is not None and seen.setdefault(record_id, page) != page:
                return f"call {record_id} came on pages {seen[record_id]} and {page}", True
    total = paging.total
    if total is not None and len(fetched[1]) > total:
        return f"page 1 held {len(fetched[1])} rows but every page reported total={total}", False
    if total is not None and rows > total:
        return f"{rows:,} distinct calls arrived but every page reported total={total:,}", False
    if expected is not None and rows < expected:
        short = [p for p in sorted(fetched)[:-1] if len(fetched[p]) < paging.size]
        where = f" (short pages: {', '.join(map(str, short[:5]))})" if short else ""
        return (
            f"{rows:,} distinct calls arrived of the total={total:,} every page reported{where}",
            False,
        )
    if last == paging.pages and last in fetched and fetched[last].pagination.get("next"):
        return (
            f"page {last} is the last by total={total}, yet its pagination.next says "
            f"{fetched[last].pagination['next']} follows",
            False,
        )
    return "", True


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
    order, pass after pass (`sink.reset` drops a pass thrown away); see the module docstring.
    """
    per_page = min(limit, max_records) if max_records else limit
    params = call_log_params(filters, sort=sort, limit=per_page)
    read = CallLogRead()
    while read.passes < MAX_PASSES and not read.complete:
        read.passes += 1
        if read.passes > 1:
            sink.reset()
        pass_read = await _read_pass(session, params, per_page, max_records, progress, sink)
        read.problem, read.changing, read.received, read.expected = pass_read
        read.complete = not read.problem
    return read


async def _read_pass(
    session: Session,
    params: Sequence[tuple[str, str]],
    per_page: int,
    max_records: int | None,
    progress: Progress,
    sink: Sink,
) -> tuple[str, bool, int, int]:
    """One pass over the pages: (what is inconsistent about it, whether that looks like data
    that changed, distinct records received, records expected)."""
    in_order = _InOrder(sink)
    fetched: dict[int, PageInfo] = {}
    page_one = await fetch_call_log_page(session, params, 1)
    assert page_one[2] is not None
    paging = page_count(page_one[2], per_page)
    last = paging.pages
    if max_records is not None:  # (the server's page size may be below the one asked for)
        most = math.ceil(max_records / paging.size)
        last = most if last is None else min(last, most)
    total = paging.total
    cap = (lambda n: n) if max_records is None else (lambda n: min(n, max_records))
    if total is not None:
        # Another pass (or part) reads its calls again: the bar grows by as much.
        progress.total = (progress.total or 0) + cap(total)
        progress.refresh()

    guessed: dict[int, int] = {}  # rows the bar counted for a page before its body was read

    def arrived(page: Fetched) -> None:
        number, body, info = page
        if info is not None:
            fetched[number] = info
            progress.update(len(info))
        else:  # what the page holds if it agrees with page 1, until the sink has read it
            left = paging.size if total is None else cap(total) - (number - 1) * paging.size
            guessed[number] = max(0, min(paging.size, left))
            progress.update(guessed[number])
        in_order.add(number, body)

    arrived(page_one)
    if paging.pages is None:
        await _follow_next(session, params, page_one[2], last, arrived)
        last = max(fetched)
    else:
        await _fetch_pages(session, params, range(2, last + 1), arrived, sink)
    in_order.flush()
    # The sink read each body's ids and pagination along with its records. A body that looked
    # like a JSON object but is no page is fetched again and judged in full (retried like any
    # bad answer, then an ApiError naming the page), if that was not done while pages arrived.
    settled = await asyncio.wrap_future(sink.settled())
    for page in sorted(settled):
        info = settled[page]
        fetched[page] = (
            await _fetch_again(session, params, page, sink)
            if isinstance(info, ValueError)
            else info
        )
    counted = sum(len(fetched[page]) - rows for page, rows in guessed.items())
    if counted:
        progress.update(counted)
    expected = None if total is None else min(cap(total), last * paging.size)
    problem, changing = _check_pass(fetched, paging, last, expected)
    received = sum(len(info) for info in fetched.values())
    return problem, changing, received, received if expected is None else expected


async def _fetch_again(
    session: Session, params: Sequence[tuple[str, str]], page: int, sink: Sink
) -> PageInfo:
    """Page `page` fetched again and checked in full, its records in place of the first body's."""
    _, body, _ = await fetch_call_log_page(session, params, page, again=True)
    try:
        return sink.replace(page, body)
    except ValueError as exc:  # (its ids and pagination read, its records not)
        url = session.url(CALL_LOG_PATH)
        raise ApiError(
            session.auth.scrub(
                f"GET {url} (page {page}): unexpected response body, twice (its records "
                f"could not be read): {exc}"
            ),
            status_code=200,
            url=url,
        ) from None

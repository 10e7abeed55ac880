"""Call-log pages over real loopback HTTP: odd and lying bodies, pagination shapes, data that
changes mid-read, deadlines, Retry-After and long id lists.

`FakeLog` is a tiny Starlette app (served by uvicorn on 127.0.0.1) whose answers each test bends.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

import dialstats as ds
from dialstats.api._http import retry_after_seconds
from dialstats.api._pages import MAX_URL_BYTES, call_log_params, split_filters
from dialstats.errors import (
    ApiConnectionError,
    ApiError,
    IncompleteReadError,
    RateLimitedError,
)
from dialstats.sandbox import generate, serve
from dialstats.sandbox._serve import base_url, bind

KEY = "sk-pages-3c9d1e"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def record(i: int, disposition: int = 10, user: str | None = None) -> dict:
    stamp = (START + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")
    return {
        "_id": f"{i:024x}",
        "outcome": "no-answer",
        "duration": float(i % 90),
        "disposition": {"internal_id": disposition, "external_id": str(disposition)},
        "user": {"_id": user or f"u{i % 7}"},
        "transcription": f"call {i}",
        "createdAt": stamp,
        "updatedAt": stamp,
    }


class FakeLog:
    """GET /v1/call-log over `records` (sorted by createdAt), in the pagination `shape`
    ``"written"`` ({total, page, limit, pages}), ``"live"`` ({total, page, next}) or ``"next"``
    ({page, next}). `before(n)` runs before the n-th call-log request is answered; `body(page,
    document)` may return other bytes to send.
    """

    def __init__(self, records: list[dict], shape: str = "live") -> None:
        self.records = records
        self.shape = shape
        self.before: Callable[[int], None] = lambda n: None
        self.body: Callable[[int, dict], bytes | None] = lambda page, document: None
        self.total: Callable[[int, int], int] = lambda page, true_total: true_total
        self.status: Callable[[int], int] = lambda page: 200
        self.served: list[int] = []  # the page of each request, in the order answered
        self.requests = 0
        self.url_lengths: list[int] = []
        self.lock = threading.Lock()

    def select(self, request: Request) -> list[dict]:
        query = request.query_params
        dispositions = {int(v) for v in query.getlist("filters[disposition_ids][]")}
        users = set(query.getlist("filters[user_ids][]"))
        return [
            r
            for r in self.records
            if (not dispositions or r["disposition"]["internal_id"] in dispositions)
            and (not users or r["user"]["_id"] in users)
        ]

    async def call_log(self, request: Request) -> Response:
        with self.lock:
            self.requests += 1
            self.url_lengths.append(len(str(request.url).encode()))
            self.before(self.requests)
            page = int(request.query_params.get("page", 1))
            limit = int(request.query_params.get("limit", 10))
            rows = self.select(request)
            self.served.append(page)
            status = self.status(page)
        if status != 200:
            return Response(b'{"message": "busy"}', status_code=status)
        total = self.total(page, len(rows))
        data = rows[(page - 1) * limit : page * limit]
        more = page * limit < len(rows)
        pagination = {
            "written": {"total": total, "page": page, "limit": limit, "pages": -(-total // limit)},
            "live": {"total": total, "page": page, "next": page + 1 if more else None},
            "next": {"page": page, "next": page + 1 if more else None},
        }[self.shape]
        document = {"data": data, "pagination": pagination}
        body = self.body(page, document)
        if body is None:
            body = json.dumps(document, separators=(",", ":")).encode()
        return Response(body, media_type="application/json")

    async def dispositions(self, request: Request) -> Response:
        return Response(b'{"data": []}', media_type="application/json")

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/call-log", self.call_log),
                Route("/v1/dispositions", self.dispositions),
            ]
        )


@contextlib.contextmanager
def loopback(app: Starlette) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    sock = bind("127.0.0.1", 0)
    # Without it, a small answer's body waits for the client's delayed ACK (~40 ms a request).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    config = uvicorn.Config(app, lifespan="off", log_level="critical", log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.005)
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        sock.close()


def client(url: str, **options) -> ds.Client:
    return ds.Client(KEY, base_url=url, **{"backoff": 0.01, "max_retries": 1, **options})


def ids(frame) -> list[str]:
    return sorted(frame["id"].tolist())


# -- bodies that are not call-log pages ---------------------------------------------------------


def test_a_null_body_is_refused_before_arrow_which_would_crash_the_process():
    # Arrow's JSON reader dies with SIGSEGV on b"null": check in a child process.
    code = (
        "from dialstats.api._wire import read_page_info\n"
        "try:\n    read_page_info(b'null')\nexcept ValueError as e:\n    print(e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "JSON null" in done.stdout


BAD_BODIES = {
    "null": (b"null", "JSON null"),
    "array": (b"[]", "JSON array"),
    "string": (b'"busy"', "JSON string"),
    "empty object": (b"{}", "no 'data' key"),
    "data null": (b'{"data": null, "pagination": {"total": 5}}', "'data' is NoneType"),
    "no data": (b'{"pagination": {"total": 250, "page": 2}}', "no 'data' key"),
    "html": (b"<html><body>Service busy</body></html>", "HTML"),
    "truncated": (b'{"data": [{"_id": "a"}, {"_id"', "cut short"),
    "null record": (b'{"data": [null], "pagination": {"total": 250}}', "record 0"),
    "empty": (b"", "empty"),
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_a_body_that_is_not_a_page_is_a_clear_error_naming_the_page(name):
    raw, what = BAD_BODIES[name]
    log = FakeLog([record(i) for i in range(250)])
    log.body = lambda page, document: raw if page == 2 else None
    with loopback(log.app()) as url, pytest.raises(ApiError) as caught:
        client(url).read_call_logs(limit=100)
    message = str(caught.value)
    assert "(page 2)" in message and what in message
    assert not isinstance(caught.value, IncompleteReadError)
    assert KEY not in message


@pytest.mark.parametrize("name", ["empty object", "data null", "no data", "null record"])
@pytest.mark.parametrize("concurrency", [1, 8])
def test_a_body_that_is_no_page_once_is_fetched_again_and_every_call_read_once(name, concurrency):
    # Such a body passes the first look (it is a JSON object), so it is only found out when the
    # records are parsed, after every page arrived: that page alone is fetched again, and its
    # records take its place (page 7 sits amid a group of pages parsed together).
    raw, _ = BAD_BODIES[name]
    records = [record(i) for i in range(250)]
    log = FakeLog(records)
    served: list[int] = []

    def once(page: int, document: dict) -> bytes | None:
        served.append(page)
        return raw if page == 7 and served.count(7) == 1 else None

    log.body = once
    with loopback(log.app()) as url:
        frame = client(url, max_concurrency=concurrency).read_call_logs(limit=10)
    assert frame["id"].tolist() == [r["_id"] for r in records]  # each once, in order
    assert sorted(served) == [*range(1, 7), 7, 7, *range(8, 26)]  # one page more: page 7 again


def test_a_server_sending_no_pages_fails_the_read_while_pages_still_arrive():
    # Every page after the first is an empty object: found out when the first group of pages
    # is parsed, and page 2 fetched again then, not after all 600 pages were requested (the
    # server takes 4 ms a request, 2.4 s for them all).
    log = FakeLog([record(i) for i in range(600)])
    log.before = lambda n: time.sleep(0.004)
    log.body = lambda page, document: b"{}" if page > 1 else None
    with loopback(log.app()) as url, pytest.raises(ApiError, match=r"\(page 2\).*no 'data' key"):
        client(url, max_concurrency=2).read_call_logs(limit=1)
    assert log.requests < 300, log.requests


def test_a_retry_goes_ahead_of_the_pages_still_waiting():
    # Page 2 fails once while 300 pages wait for the two connections: its retry is sent next,
    # not after every page queued behind it (which would count against max_page_time).
    log = FakeLog([record(i) for i in range(300)])
    log.before = lambda n: time.sleep(0.001)
    log.status = lambda page: 503 if page == 2 and log.served.count(2) == 1 else 200
    with loopback(log.app()) as url:
        frame = client(url, max_concurrency=2).read_call_logs(limit=1)
    assert len(frame) == 300
    assert log.served.count(2) == 2 and log.served.index(2, log.served.index(2) + 1) < 20


def _two_documents(document: dict) -> bytes:
    # The page, then another document on the same line: Arrow's reader takes it for two rows.
    extra = {"data": [record(900)], "pagination": {**document["pagination"], "next": None}}
    return json.dumps(document).encode() + b" " + json.dumps(extra).encode()


def _not_utf8(document: dict) -> bytes:
    # A corrupted byte in an id (Arrow does not check UTF-8; reading the ids does).
    wrong = json.dumps(document).encode()
    first = document["data"][0]["_id"].encode()
    return wrong.replace(first, first[:-1] + b"\xff", 1)


ODD_PAGES = {"two documents": _two_documents, "not UTF-8": _not_utf8}


@pytest.mark.parametrize("name", list(ODD_PAGES))
@pytest.mark.parametrize("always", [False, True])
def test_a_page_body_holding_two_documents_or_bad_utf8_is_never_read_as_pages(name, always):
    records = [record(i) for i in range(250)]
    log = FakeLog(records)
    served: list[int] = []

    def odd(page: int, document: dict) -> bytes | None:
        served.append(page)
        if page == 7 and (always or served.count(7) == 1):
            return ODD_PAGES[name](document)
        return None

    log.body = odd
    with loopback(log.app()) as url:
        if always:
            with pytest.raises(ApiError) as caught:
                client(url).read_call_logs(limit=10)
            assert "(page 7)" in str(caught.value)
            assert not isinstance(caught.value, IncompleteReadError)
        else:
            frame = client(url).read_call_logs(limit=10)
            assert frame["id"].tolist() == [r["_id"] for r in records]


def test_the_progress_bar_counts_every_call_when_pagination_gives_pages_but_no_total(
    monkeypatch,
):
    from dialstats.api import _client

    class Bar:
        total, n = None, 0

        def update(self, n: float = 1) -> None:
            self.n += n

        def refresh(self) -> None: ...
        def close(self) -> None: ...

    bars: list[Bar] = []
    monkeypatch.setattr(_client, "_progress_bar", lambda *_: bars.append(Bar()) or bars[-1])
    records = [record(i) for i in range(245)]
    log = FakeLog(records, "written")
    log.body = lambda page, document: json.dumps(
        {**document, "pagination": {"page": page, "limit": 10, "pages": 25}}
    ).encode()
    with loopback(log.app()) as url:
        frame = client(url).read_call_logs(limit=10)
    assert len(frame) == 245 and bars[0].n == 245  # (the last page's 5 rows corrected)


def test_raw_control_characters_in_strings_are_kept_exactly():
    records = [record(i) for i in range(120)]
    text = 'line one\nline two\ttab\r\x00nul\x01\x1f end \\ "quoted"'
    records[3]["transcription"] = text
    records[110]["notes"] = "\x07bell"

    def raw(page: int, document: dict) -> bytes:
        body = json.dumps(document, separators=(",", ":"))
        for value in (text, "\x07bell"):  # json.dumps escaped them: put them back raw
            body = body.replace(
                json.dumps(value)[1:-1], value.replace("\\", "\\\\").replace('"', '\\"')
            )
        if page == 2:  # pretty-printed too: raw line breaks between tokens are whitespace
            body = body.replace(',"', ',\n  "')
        return body.encode()

    log = FakeLog(records)
    log.body = raw
    with loopback(log.app()) as url:
        frame = client(url).read_call_logs(limit=100)
        page = client(url).read_call_log_page(1, limit=100)
    assert len(frame) == 120
    by_id = frame.set_index("id")
    assert by_id.loc[records[3]["_id"], "transcription"] == text
    assert by_id.loc[records[110]["_id"], "notes"] == "\x07bell"
    assert page.frame.set_index("id").loc[records[3]["_id"], "transcription"] == text


# -- pagination shapes --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["written", "live", "next"])
@pytest.mark.parametrize("concurrency", [1, 8])
def test_every_pagination_shape_reads_every_call_once(shape, concurrency):
    records = [record(i) for i in range(250)]
    log = FakeLog(records, shape)
    with loopback(log.app()) as url:
        frame = client(url, max_concurrency=concurrency).read_call_logs(limit=100)
        first = client(url).read_call_log_page(1, limit=100)
        last = client(url).read_call_log_page(3, limit=100)
    assert ids(frame) == sorted(r["_id"] for r in records)
    assert (first.page, first.limit, len(first.frame)) == (1, 100, 100)
    if shape == "next":  # no total: what the pages show
        assert first.next == 2 and first.total >= 200
        assert (last.total, last.pages, last.next) == (250, 3, None)
    else:
        assert (first.total, first.pages) == (250, 3)


def test_a_next_that_goes_back_is_refused_not_followed_for_ever():
    log = FakeLog([record(i) for i in range(250)], "next")
    log.body = lambda page, document: (
        json.dumps({**document, "pagination": {"page": 2, "next": 1}}).encode()
        if page == 2
        else None
    )
    with loopback(log.app()) as url, pytest.raises(ApiError, match="does not move forward"):
        client(url).read_call_logs(limit=100)


# -- totals that lie, short pages, duplicates ---------------------------------------------------


def lying(total: Callable[[int, int], int] | None = None, body=None) -> FakeLog:
    log = FakeLog([record(i) for i in range(250)])
    if total is not None:
        log.total = total
    if body is not None:
        log.body = body
    return log


LIES = {
    "total high": (lying(total=lambda page, n: 400), "distinct calls arrived of the total=400"),
    "total low": (lying(total=lambda page, n: 150), "every page reported total=150"),
    "total zero": (
        lying(total=lambda page, n: 0),
        "page 1 held 100 rows but every page reported total=0",
    ),
    "short page": (
        lying(
            body=lambda page, doc: (
                json.dumps({**doc, "data": doc["data"][:-1]}).encode() if page == 2 else None
            )
        ),
        "short pages: 2",
    ),
    "duplicate": (
        lying(
            body=lambda page, doc: (
                json.dumps({**doc, "data": [*doc["data"][:-1], record(0)]}).encode()
                if page == 3
                else None
            )
        ),
        "came on pages 1 and 3",
    ),
    "next after the last": (
        lying(
            body=lambda page, doc: (
                json.dumps({**doc, "pagination": {**doc["pagination"], "next": 4}}).encode()
                if page == 3
                else None
            )
        ),
        "next says 4 follows",
    ),
}


@pytest.mark.parametrize("name", list(LIES))
def test_pagination_that_does_not_match_the_pages_raises_saying_so(name):
    log, what = LIES[name]
    with loopback(log.app()) as url:
        with pytest.raises(IncompleteReadError) as caught:
            client(url, max_concurrency=4).read_call_logs(limit=100)
        with pytest.warns(ds.errors.IncompleteReadWarning):
            client(url).read_call_logs(limit=100, on_incomplete="warn")
    message = str(caught.value)
    assert what in message
    duplicate = name == "duplicate"  # a call on two pages looks like pages that shifted
    assert ("kept changing" in message) == duplicate
    assert ("does not match its pages" in message) == (not duplicate)


def test_a_total_that_changes_between_pages_is_called_changing():
    log = lying(total=lambda page, n: n + (page == 2))
    with loopback(log.app()) as url, pytest.raises(IncompleteReadError, match="kept changing"):
        client(url).read_call_logs(limit=100)


# -- data that changes during the read ----------------------------------------------------------


def delete_at(log: FakeLog, request: int, how_many: int, where: int) -> list[str]:
    """Delete `how_many` records from position `where` just before the `request`-th request."""
    gone: list[str] = []

    def before(n: int) -> None:
        if n == request:
            removed = log.records[where : where + how_many]
            del log.records[where : where + how_many]
            gone.extend(r["_id"] for r in removed)

    log.before = before
    return gone


@pytest.mark.parametrize("concurrency", [1, 8, 32])
@pytest.mark.parametrize("request_no,where", [(2, 5), (6, 40), (12, 0), (20, 10)])
def test_calls_deleted_during_the_read_do_not_come_back(concurrency, request_no, where):
    # (The deleted calls are on page 1, read first: the read has seen them before they go.)
    log = FakeLog([record(i) for i in range(1000)])
    gone = delete_at(log, request_no, 3, where)
    with loopback(log.app()) as url:
        frame = client(url, max_concurrency=concurrency).read_call_logs(limit=50)
    assert len(gone) == 3
    assert ids(frame) == sorted(r["_id"] for r in log.records)  # the state after the delete


@pytest.mark.parametrize("concurrency", [1, 8, 32])
@pytest.mark.parametrize("request_no,where", [(2, 0), (6, 20), (12, 0), (14, 30)])
def test_calls_that_leave_the_filter_during_the_read_are_not_returned(
    concurrency, request_no, where
):
    records = [record(i, disposition=10 if i % 3 else 11) for i in range(1000)]
    log = FakeLog(records)
    moved: list[str] = []

    def before(n: int) -> None:
        if n == request_no:  # re-dispositioned: no longer "No Answer"
            for r in [r for r in log.records[where:] if r["disposition"]["internal_id"] == 10][:4]:
                r["disposition"] = {"internal_id": 12, "external_id": "12"}
                moved.append(r["_id"])

    log.before = before
    with loopback(log.app()) as url:
        frame = client(url, max_concurrency=concurrency).read_call_logs(
            limit=50, disposition_ids=[10]
        )
    assert len(moved) == 4
    expected = sorted(r["_id"] for r in log.records if r["disposition"]["internal_id"] == 10)
    assert ids(frame) == expected
    assert set(frame["disposition_id"].tolist()) == {10}


def test_data_that_never_settles_says_it_kept_changing():
    log = FakeLog([record(i) for i in range(1000)])

    def before(n: int) -> None:
        if n % 4 == 0:
            del log.records[10]

    log.before = before
    with loopback(log.app()) as url, pytest.raises(IncompleteReadError, match="kept changing"):
        client(url, max_concurrency=4).read_call_logs(limit=50)


def disposition(call: dict) -> int | None:
    return (call.get("disposition") or {}).get("internal_id")


def test_updates_that_move_calls_out_of_a_filter_in_the_sandbox_are_not_returned():
    dataset = generate(seed=4, n_calls=1500)
    with serve(dataset, api_key=KEY) as server:
        sandbox = server.sandbox
        count, moved = sandbox.count_call_log_request, []

        def count_and_move() -> None:
            count()
            if sandbox._call_log_requests == 3:
                for call in [c for c in sandbox.store.calls if disposition(c) == 10][:5]:
                    changed = copy.deepcopy(call)
                    changed["disposition"] = {**call["disposition"], "internal_id": 11}
                    changed["updatedAt"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
                    sandbox.store.replace(changed)
                    moved.append(call["_id"])

        sandbox.count_call_log_request = count_and_move
        frame = client(server.url, max_concurrency=8).read_call_logs(limit=20, disposition_ids=[10])
        truth = {c["_id"] for c in sandbox.store.calls if disposition(c) == 10}
    assert len(moved) == 5 and not set(moved) & set(frame["id"])
    assert set(frame["id"]) == truth and frame["id"].is_unique


# -- deadlines and Retry-After ------------------------------------------------------------------


def test_a_server_trickling_bytes_times_out_on_the_whole_request():
    async def trickle(request: Request) -> Response:
        async def chunks():
            for _ in range(100):
                yield b" " * 64
                await asyncio.sleep(0.5)

        return StreamingResponse(chunks(), media_type="application/json")

    app = Starlette(routes=[Route("/v1/call-log", trickle), Route("/v1/dispositions", trickle)])
    with loopback(app) as url:
        started = time.monotonic()
        with pytest.raises(ApiConnectionError, match="no complete answer within 1 s") as caught:
            client(url, timeout=1.0, max_retries=1).read_call_log_page(1)
        took = time.monotonic() - started
    assert took < 6  # two attempts of a second each, not 50 s of trickle
    assert "gave up after 2 tries" in str(caught.value)


def test_a_page_gives_up_after_max_page_time_saying_how_often_it_tried():
    async def failing(request: Request) -> Response:
        return Response(b'{"message": "down"}', status_code=503)

    app = Starlette(routes=[Route("/v1/call-log", failing), Route("/v1/dispositions", failing)])
    with loopback(app) as url:
        started = time.monotonic()
        with pytest.raises(ApiError, match=r"gave up after \d+ tries over") as caught:
            client(url, max_retries=1000, backoff=0.05, max_page_time=1.0).read_call_log_page(1)
        took = time.monotonic() - started
    assert took < 3
    assert "max_page_time=1 s" in str(caught.value) and "503" in str(caught.value)


def test_a_refused_connection_fails_at_once_and_says_so():
    sock = bind("127.0.0.1", 0)
    url = base_url(sock)
    sock.close()  # nothing listens there now
    reader = client(url, max_retries=5, backoff=1.0)
    started = time.monotonic()
    with pytest.raises(ApiConnectionError, match="connection refused"):
        reader.read_call_log_page(1)
    assert time.monotonic() - started < 1.5
    assert reader.request_count <= 2  # the page and the dispositions, no retries


def throttled_once(retry_after: str) -> tuple[Starlette, list[float]]:
    stamps: list[float] = []
    log = FakeLog([record(i) for i in range(30)])

    async def call_log(request: Request) -> Response:
        stamps.append(time.monotonic())
        if len(stamps) == 1:
            return Response(b"{}", status_code=429, headers={"retry-after": retry_after})
        return await log.call_log(request)

    app = Starlette(
        routes=[Route("/v1/call-log", call_log), Route("/v1/dispositions", log.dispositions)]
    )
    return app, stamps


@pytest.mark.parametrize(
    "value,least,most",
    [("0", 0.0, 1.0), ("soon, please", 0.0, 1.0), ("1", 0.9, 3.0), ("date", 0.5, 4.0)],
)
def test_retry_after_zero_garbage_seconds_and_dates_are_honoured(value, least, most):
    if value == "date":  # two seconds from now, as an HTTP date (whole seconds)
        value = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    app, stamps = throttled_once(value)
    with loopback(app) as url:
        page = client(url, max_retries=2, backoff=0.05).read_call_log_page(1, limit=10)
    assert len(page.frame) == 10 and len(stamps) == 2
    assert least <= stamps[1] - stamps[0] <= most


def test_a_huge_retry_after_fails_at_once_saying_why():
    app, stamps = throttled_once("86400")
    match = "Retry-After: 86400 s, longer than"
    with loopback(app) as url, pytest.raises(RateLimitedError, match=match):
        client(url, max_retries=3).read_call_log_page(1)
    assert len(stamps) == 1


def test_retry_after_on_every_answer_is_bounded_by_max_page_time():
    async def always(request: Request) -> Response:
        return Response(b"{}", status_code=429, headers={"retry-after": "1"})

    app = Starlette(routes=[Route("/v1/call-log", always), Route("/v1/dispositions", always)])
    with loopback(app) as url:
        started = time.monotonic()
        with pytest.raises(ApiConnectionError) as caught:
            client(url, max_retries=20, max_page_time=2.5).read_call_log_page(1)
    assert time.monotonic() - started < 4.5
    message = str(caught.value)
    assert "gave up after" in message and "max_page_time=2.5 s" in message and "429" in message


def test_retry_after_values_are_read_tolerantly():
    assert retry_after_seconds("0") == 0.0
    assert retry_after_seconds("nan") is None and retry_after_seconds("garbage") is None
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


# -- long id lists ------------------------------------------------------------------------------


def test_long_id_lists_are_split_into_reads_under_the_url_bound():
    records = [record(i, user=f"user-{i % 3000:05d}-{'x' * 12}") for i in range(3000)]
    log = FakeLog(records)
    wanted = [f"user-{i:05d}-{'x' * 12}" for i in range(0, 3000, 2)] * 2  # each id twice
    wanted += [f"nobody-{i}" for i in range(500)]
    with loopback(log.app()) as url:
        frame = client(url, max_concurrency=8).read_call_logs(limit=100, user_ids=wanted)
        with pytest.raises(ds.errors.InvalidParameterError, match="splits long id lists"):
            client(url).read_call_log_page(1, user_ids=wanted)
    assert ids(frame) == sorted(r["_id"] for r in records[::2])
    assert max(log.url_lengths) <= MAX_URL_BYTES
    assert len(log.url_lengths) > 3  # several reads


def test_split_filters_keeps_each_id_once_and_every_part_under_the_bound():
    users = tuple(f"{i:024x}" for i in range(600))
    dispositions = tuple(range(1, 400))
    parts = split_filters(
        {"user_ids": users + users[:10], "disposition_ids": dispositions, "outcome": "answered"},
        "https://client-api.salesfinity.co",
        sort=None,
        limit=100,
    )
    pairs = {(u, d) for p in parts for u in p["user_ids"] for d in p["disposition_ids"]}
    assert len(pairs) == len(users) * len(dispositions)  # every combination, once
    assert sum(len(p["user_ids"]) * len(p["disposition_ids"]) for p in parts) == len(pairs)
    assert all(p["outcome"] == "answered" for p in parts)
    url = "https://client-api.salesfinity.co/v1/call-log"
    assert len(parts) > 4
    for p in parts:
        request = httpx.URL(
            url, params=[*call_log_params(p, sort=None, limit=100), ("page", "9999")]
        )
        assert len(str(request).encode()) <= MAX_URL_BYTES

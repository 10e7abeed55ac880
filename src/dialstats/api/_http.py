"""One API request, done properly: the key header, retries with backoff, 429 handling, a bound
on requests in flight, and errors mapped to `dialstats.errors`.

A `Session` lives for one read (one event loop). Retries cover 5xx answers, timeouts, dropped
connections and bodies cut short; 429 waits for ``Retry-After`` and lowers the number of requests
in flight (raised back slowly as requests succeed). Other 4xx answers fail at once.

Deadlines: each attempt must be answered in full (headers and the whole body) within the
client's ``timeout``, so a server trickling bytes cannot hold a read for ever; one request gives
up once ``max_page_time`` has passed since its first attempt, waits and retries included. A
refused connection is not retried. Every error says what happened, after how many tries.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import email.utils
import functools
import html
import importlib.util
import json
import logging
import math
import random
import re
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import httpx

from dialstats.api._config import Settings
from dialstats.errors import (
    ApiConnectionError,
    ApiError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)

if importlib.util.find_spec("sniffio") is None:
    # httpcore runs ``import sniffio`` several times per request; when it is not installed,
    # each failed import searches the whole path again (~0.2 ms). Caching the miss the way
    # Python does for a blocked module makes it instant; nothing else changes.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

T = TypeVar("T")
Params = Sequence[tuple[str, str]]
USER_AGENT = "dialstats (python-httpx)"
# Failures worth another try: the request may well succeed a moment later.
_RETRYABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def _char_forms(char: str) -> str:
    """A regex for one character of a key as servers and logs echo it: itself, percent-encoded
    (once or twice), JSON-, Python- or HTML-escaped; hex digits in any case."""
    code, utf8 = ord(char), char.encode()
    literal = {char, json.dumps(char)[1:-1], repr(char)[1:-1], html.escape(char)}
    literal |= {"+"} if char == " " else {"\\/"} if char == "/" else set()
    hexed = [
        "".join(f"%{b:02x}" for b in utf8),
        "".join(f"%25{b:02x}" for b in utf8),
        f"\\u{code:04x}",
    ]
    forms = [re.escape(form) for form in sorted(literal)]
    forms += [f"(?i:{re.escape(form)})" for form in hexed]
    forms += [f"&#0*{code};", f"(?i:&#x0*{code:x};)"]
    return f"(?:{'|'.join(forms)})"


def _secret_pattern(secret: str) -> re.Pattern[str]:
    """Every echo of `secret` worth masking: each character in any of its echoed forms (so a
    half-encoded echo is caught too), or the whole of it base64-encoded."""
    whole = secret.encode()
    encoded = {base64.b64encode(whole), base64.urlsafe_b64encode(whole)}
    encoded |= {form.rstrip(b"=") for form in encoded}
    forms = ["".join(map(_char_forms, secret)), *(re.escape(e.decode()) for e in encoded)]
    return re.compile("|".join(sorted(forms, key=len, reverse=True)))


class ApiKeyAuth(httpx.Auth):
    """Sends the key as ``x-api-key``; its repr never shows it, and neither do the log records
    of httpx and httpcore (which print response headers, where a server may echo it)."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key
        _LOG_SCRUBBER.watch(self)

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers["x-api-key"] = self._api_key
        yield request

    def scrub(self, text: str) -> str:
        """`text` with the key masked, as sent or URL-, JSON-, HTML- or base64-encoded (servers
        sometimes echo what they were sent)."""
        return self._pattern.sub("***", text) if self._api_key else text

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str]:
        # Built on first use (an error, a log record): compiling it takes milliseconds.
        return _secret_pattern(self._api_key)

    def __repr__(self) -> str:
        return "ApiKeyAuth(***)"


class _LogScrubber(logging.Filter):
    """Masks the key of every live `ApiKeyAuth` in the records of the HTTP libraries' loggers.

    httpcore's DEBUG records print each response's headers verbatim; a logger's filter sees
    its records before any handler (the user's, pytest's caplog) formats them.
    """

    LOGGERS = (
        "httpx",
        "httpcore.connection",
        "httpcore.http11",
        "httpcore.http2",
        "httpcore.proxy",
        "httpcore.socks",
    )

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._auths: weakref.WeakSet[ApiKeyAuth] = weakref.WeakSet()
        self._installed = False

    def watch(self, auth: ApiKeyAuth) -> None:
        with self._lock:
            self._auths.add(auth)
            if not self._installed:
                for name in self.LOGGERS:
                    logging.getLogger(name).addFilter(self)
                self._installed = True

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            auths = list(self._auths)
        if auths:
            message = record.getMessage()
            scrubbed = functools.reduce(lambda text, auth: auth.scrub(text), auths, message)
            if scrubbed != message:
                record.msg, record.args = scrubbed, ()
        return True


_LOG_SCRUBBER = _LogScrubber()


class RequestCounter:
    """A thread-safe count of HTTP requests sent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1


class Limiter:
    """At most `limit` requests in flight, halved on each 429 and regrown by one after `limit`
    successes in a row; a ``Retry-After`` pauses every request until it has passed.

    Waiters queue in order and a released slot wakes exactly one of them: with thousands of
    pages queued, waking them all on every release would cost the square of the page count.
    A retry goes to the front (else it would wait behind every page queued since its first try).
    """

    def __init__(self, limit: int) -> None:
        self.ceiling = limit
        self.limit = limit
        self._active = 0
        self._successes = 0
        self._resume_at = 0.0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None

    def _paused(self) -> float:
        return self._resume_at - time.monotonic()

    async def acquire(self, *, first: bool = False) -> None:
        """Wait for a slot; `first`: ahead of every request waiting."""
        if not self._waiters and self._active < self.limit and self._paused() <= 0:
            self._active += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        if first:
            self._waiters.appendleft(waiter)
        else:
            self._waiters.append(waiter)
        self._wake()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed a slot just before: give it back
                self._active -= 1
                self._wake()
            raise

    def _wake(self) -> None:
        """Hand free slots to the first waiters (each slot to one), unless paused."""
        pause = self._paused()
        if pause > 0:
            if self._timer is None and self._waiters:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(pause, self._resume)
            return
        while self._waiters and self._active < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():  # (a cancelled waiter stays queued until it comes up)
                self._active += 1
                waiter.set_result(None)

    def _resume(self) -> None:
        self._timer = None
        self._wake()

    async def release(self, *, throttled: bool = False, retry_after: float | None = None) -> None:
        self._active -= 1
        if throttled:
            self.limit = max(1, self.limit // 2)
            self._successes = 0
            if retry_after:
                self._resume_at = max(self._resume_at, time.monotonic() + retry_after)
        else:
            self._successes += 1
            if self.limit < self.ceiling and self._successes >= self.limit:
                self.limit += 1
                self._successes = 0
        self._wake()


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date; None when absent or garbled
    (the client then backs off as after any failure).

    >>> retry_after_seconds("3"), retry_after_seconds("soon"), retry_after_seconds("-1")
    (3.0, None, 0.0)
    """
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(0.0, seconds)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _refused(exc: BaseException) -> bool:
    """Whether a connection error comes from a refusal (nothing listening), along its causes."""
    seen: BaseException | None = exc
    for _ in range(8):  # (httpx -> httpcore -> OSError -> ConnectionRefusedError)
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reason(failure: Exception) -> str:
    return str(failure).split(": ", 1)[-1] if ": " in str(failure) else str(failure)


_MESSAGE_CHARS = 200  # of a body that is not JSON, quoted in an error
_MAX_ECHO_CHARS = 4096


def _server_message(response: httpx.Response, scrub: Callable[[str], str]) -> str:
    """The server's own words, with the key masked before they are cut to length (a cut
    through an echoed key would leave its first characters unmasked)."""
    try:
        body = response.json()
    except ValueError:
        # Enough past the cut for the longest echo (a key percent-encoded twice), not a whole
        # multi-megabyte error page.
        head = response.text[: _MESSAGE_CHARS + _MAX_ECHO_CHARS]
        return scrub(head)[:_MESSAGE_CHARS].strip() or response.reason_phrase
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, list):
        message = "; ".join(map(str, message))
    return scrub(str(message or response.reason_phrase))


class Session:
    """Requests for one read, on one event loop, through one pooled `httpx.AsyncClient`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: Settings,
        auth: ApiKeyAuth,
        counter: RequestCounter,
    ) -> None:
        self.http = http
        self.settings = settings
        self.auth = auth
        self.counter = counter
        self.limiter = Limiter(settings.max_concurrency)
        self._random = random.Random()

    def _backoff(self, attempt: int) -> float:
        # Full jitter: clients that failed together do not retry together.
        cap = min(self.settings.max_backoff, self.settings.backoff * 2**attempt)
        return self._random.uniform(0, cap)

    async def get(
        self,
        path: str,
        params: Params = (),
        parse: Callable[[bytes], T] = json.loads,
        *,
        label: str = "",
        again: bool = False,
    ) -> T:
        """GET `path` and return ``parse(body)``; a body that fails to parse is retried too.

        Each attempt must be answered in full within ``timeout`` seconds, and the request as a
        whole (retries and waits included, from its first attempt) gives up after
        ``max_page_time``. `label` (e.g. ``"page 3"``) names the request in errors. Retries, and
        every attempt of a request made `again`, go ahead of the requests waiting for a slot.
        """
        settings = self.settings
        tries = settings.max_retries + 1
        where = f"GET {self.url(path)}" + (f" ({label})" if label else "")
        started: float | None = None
        previous: Exception | None = None
        for attempt in range(1, tries + 1):
            await self.limiter.acquire(first=again or attempt > 1)
            now = time.monotonic()
            started = now if started is None else started
            left = settings.max_page_time - (now - started)
            retry_after: float | None = None
            failure: Exception | None = None
            try:
                if left <= 0:  # (the wait for a slot, e.g. another request's Retry-After)
                    failure = self._out_of_time(where, attempt - 1, now - started, previous)
                    break
                self.counter.add()
                response = await asyncio.wait_for(
                    self.http.get(path, params=list(params)), min(settings.timeout, left)
                )
                if response.status_code == 200:
                    return parse(response.content)
                if response.status_code == 429:
                    retry_after = retry_after_seconds(response.headers.get("retry-after"))
                failure = self._error(response, retry_after, attempt, label)
            except TimeoutError as exc:  # the whole attempt, not one socket read, took too long
                failure = ApiConnectionError(
                    f"{where}: Timeout: no complete answer within {min(settings.timeout, left):g} s",
                    url=self.url(path),
                )
                failure.__cause__ = exc
            except _RETRYABLE as exc:
                failure = self._connection_error(where, path, exc)
            except ValueError as exc:  # a 200 whose body is not what the API sends
                failure = ApiError(
                    self.auth.scrub(f"{where}: unexpected response body: {exc}"),
                    status_code=200,
                    url=self.url(path),
                )
            finally:
                await self.limiter.release(
                    throttled=getattr(failure, "status_code", None) == 429, retry_after=retry_after
                )
            assert failure is not None
            if attempt == tries or not self._retryable(failure):
                raise self._after(failure, attempt, time.monotonic() - started)
            # After a 429 with Retry-After the limiter holds every request back; else back off.
            wait = retry_after if retry_after else self._backoff(attempt - 1)
            spent = time.monotonic() - started
            if spent + wait >= settings.max_page_time:
                raise self._out_of_time(where, attempt, spent, failure) from failure
            if not retry_after:
                await asyncio.sleep(wait)
            previous = failure
        assert started is not None and failure is not None
        raise failure

    def _out_of_time(
        self, where: str, tries: int, spent: float, last: Exception | None
    ) -> ApiConnectionError:
        cause = f"; last: {_reason(last)}" if last is not None else ""
        return ApiConnectionError(
            f"{where}: gave up after {tries} {'try' if tries == 1 else 'tries'} over {spent:.1f} s "
            f"(max_page_time={self.settings.max_page_time:g} s){cause}",
            url=getattr(last, "url", ""),
        )

    def _connection_error(self, where: str, path: str, exc: Exception) -> ApiConnectionError:
        refused = isinstance(exc, httpx.ConnectError) and _refused(exc)
        what = (
            "connection refused: nothing is listening there (is the server up, is base_url right?)"
            if refused
            else f"{type(exc).__name__}: {exc}"
        )
        failure = ApiConnectionError(self.auth.scrub(f"{where}: {what}"), url=self.url(path))
        failure.refused = refused  # type: ignore[attr-defined]
        failure.__cause__ = exc
        return failure

    def _after(self, failure: Exception, tries: int, spent: float) -> Exception:
        """`failure`, its message saying how many tries it took over how long."""
        if tries == 1 or not isinstance(failure, ApiError) or "tries over" in str(failure):
            return failure
        failure.args = (f"{failure} (gave up after {tries} tries over {spent:.1f} s)",)
        return failure

    def _retryable(self, failure: Exception) -> bool:
        if isinstance(failure, RateLimitedError):
            return failure.retry_after is None or (
                failure.retry_after <= self.settings.max_retry_after
            )
        if getattr(failure, "refused", False):
            return False  # nothing listens there: a retry would be refused the same way
        # ServerError, connection trouble, and a 200 with a body cut short or garbled.
        return isinstance(failure, ServerError | ApiConnectionError) or (
            type(failure) is ApiError and failure.status_code == 200
        )

    def url(self, path: str) -> str:
        """The full URL of `path`, the key masked (for messages)."""
        return self.auth.scrub(f"{self.settings.base_url}{path}")

    def _error(
        self, response: httpx.Response, retry_after: float | None, tries: int, label: str = ""
    ) -> ApiError:
        status = response.status_code
        message = _server_message(response, self.auth.scrub)
        url = self.auth.scrub(str(response.request.url))
        where = f"GET {url.split('?')[0]}" + (f" ({label})" if label else "")
        if status == 400:
            return BadRequestError(
                f"{where}: the API rejected the request: {message}", status_code=400, url=url
            )
        if status in (401, 403):
            return AuthenticationError(
                f"{where}: the API rejected the key ({status}: {message}); check the key given "
                "as api_key= or in SALESFINITY_API_KEY",
                status_code=status,
                url=url,
            )
        if status == 404:
            return NotFoundError(f"{where}: not found (404): {message}", status_code=404, url=url)
        if status == 429:
            wait = "" if retry_after is None else f"; Retry-After: {retry_after:g} s"
            if retry_after is not None and retry_after > self.settings.max_retry_after:
                wait += f", longer than the {self.settings.max_retry_after:g} s the client waits"
            return RateLimitedError(
                f"{where}: rate limited (429){wait}", retry_after=retry_after, url=url
            )
        if status >= 500:
            # `_after` adds the tries and the time: a 5xx that outlasts them is for the vendor.
            return ServerError(
                f"{where}: server error {status}: {message}", status_code=status, url=url
            )
        return ApiError(
            f"{where}: unexpected status {status}: {message}", status_code=status, url=url
        )

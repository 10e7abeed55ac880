"""One API request, done properly: the key header, retries with backoff, 429 handling, a bound
on requests in flight, and errors mapped to `dialstats.errors`.

A `Session` lives for one read (one event loop). Retries cover 5xx answers, timeouts, dropped
connections and bodies cut short; 429 waits for ``Retry-After`` and lowers the number of requests
in flight (raised back slowly as requests succeed). Other 4xx answers fail at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.utils
import functools
import html
import json
import logging
import random
import re
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
    """

    def __init__(self, limit: int) -> None:
        self.ceiling = limit
        self.limit = limit
        self._active = 0
        self._successes = 0
        self._resume_at = 0.0
        self._changed = asyncio.Condition()

    async def acquire(self) -> None:
        async with self._changed:
            while True:
                pause = self._resume_at - time.monotonic()
                if pause > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), pause)
                elif self._active < self.limit:
                    break
                else:
                    await self._changed.wait()
            self._active += 1

    async def release(self, *, throttled: bool = False, retry_after: float | None = None) -> None:
        async with self._changed:
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
            self._changed.notify_all()


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


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
        self, path: str, params: Params = (), parse: Callable[[bytes], T] = json.loads
    ) -> T:
        """GET `path` and return ``parse(body)``; a body that fails to parse is retried too."""
        tries = self.settings.max_retries + 1
        for attempt in range(1, tries + 1):
            await self.limiter.acquire()
            retry_after: float | None = None
            failure: Exception | None = None
            try:
                self.counter.add()
                response = await self.http.get(path, params=list(params))
                if response.status_code == 200:
                    return parse(response.content)
                if response.status_code == 429:
                    retry_after = retry_after_seconds(response.headers.get("retry-after"))
                failure = self._error(response, retry_after, attempt)
            except _RETRYABLE as exc:
                failure = ApiConnectionError(
                    self.auth.scrub(f"GET {self._url(path)}: {type(exc).__name__}: {exc}"),
                    url=self._url(path),
                )
                failure.__cause__ = exc
            except ValueError as exc:  # a 200 whose body is not what the API sends
                failure = ApiError(
                    self.auth.scrub(f"GET {self._url(path)}: unexpected response body: {exc}"),
                    status_code=200,
                    url=self._url(path),
                )
            finally:
                await self.limiter.release(
                    throttled=getattr(failure, "status_code", None) == 429, retry_after=retry_after
                )
            assert failure is not None
            if attempt == tries or not self._retryable(failure):
                raise failure
            # After a 429 with Retry-After the limiter holds every request back; else back off.
            if retry_after is None:
                await asyncio.sleep(self._backoff(attempt - 1))
        raise AssertionError("unreachable")

    def _retryable(self, failure: Exception) -> bool:
        if isinstance(failure, RateLimitedError):
            return failure.retry_after is None or (
                failure.retry_after <= self.settings.max_retry_after
            )
        # ServerError, connection trouble, and a 200 with a body cut short or garbled.
        return isinstance(failure, ServerError | ApiConnectionError) or (
            type(failure) is ApiError and failure.status_code == 200
        )

    def _url(self, path: str) -> str:
        return self.auth.scrub(f"{self.settings.base_url}{path}")

    def _error(self, response: httpx.Response, retry_after: float | None, tries: int) -> ApiError:
        status = response.status_code
        message = _server_message(response, self.auth.scrub)
        url = self.auth.scrub(str(response.request.url))
        where = f"GET {url.split('?')[0]}"
        after = f" (after {tries} attempts)" if tries > 1 else ""
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
                f"{where}: rate limited (429){after}{wait}", retry_after=retry_after, url=url
            )
        if status >= 500:
            # The endpoint and the tries: a 5xx that outlasts every retry is for the vendor to fix.
            tried = f"{tries} {'try' if tries == 1 else 'tries'}"
            return ServerError(
                f"{where} failed after {tried}; the last answer was server error {status}: "
                f"{message}",
                status_code=status,
                url=url,
            )
        return ApiError(
            f"{where}: unexpected status {status}: {message}", status_code=status, url=url
        )

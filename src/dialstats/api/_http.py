"""One API request, done properly: the key header, retries with backoff, 429 handling, a bound
on requests in flight, and errors mapped to `dialstats.errors`.

A `Session` lives for one read (one event loop). Retries cover 5xx answers, timeouts, dropped
connections and bodies cut short; 429 waits for ``Retry-After`` and lowers the number of requests
in flight (raised back slowly as requests succeed). Other 4xx answers fail at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import random
import threading
import time
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


class ApiKeyAuth(httpx.Auth):
    """Sends the key as ``x-api-key``; its repr never shows it."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers["x-api-key"] = self._api_key
        yield request

    def scrub(self, text: str) -> str:
        """`text` with the key masked (servers sometimes echo what they were sent)."""
        return text.replace(self._api_key, "***") if self._api_key else text

    def __repr__(self) -> str:
        return "ApiKeyAuth(***)"


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


def _server_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason_phrase
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, list):
        message = "; ".join(map(str, message))
    return str(message or response.reason_phrase)


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
        message = self.auth.scrub(_server_message(response))
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

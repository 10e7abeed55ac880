"""Fault injection: the ways a real API misbehaves, on demand and reproducibly.

`Faults` is the (validated, immutable) configuration; `FaultInjector` makes the per-request
decisions from seeded random generators, so a given seed and request sequence always meets the
same faults.
"""

from __future__ import annotations

import contextvars
import logging
import math
import random
import threading
import time
from dataclasses import dataclass, fields
from typing import Any

from dialstats.errors import InvalidParameterError

_CUTTING = contextvars.ContextVar("dialstats_sandbox_cutting", default=False)


class FaultsError(InvalidParameterError):
    """A `Faults` setting is out of range; ``parameter`` (and the message) name the setting."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(parameter, f"{parameter} {message}")


@dataclass(frozen=True)
class Faults:
    """Faults a sandbox injects; everything is off by default.

    Attributes:
        latency: seconds added to every response.
        jitter: up to this many more seconds, uniformly at random.
        fail_rate: fraction of requests answered ``500``.
        throttle_rate: fraction of requests answered ``429`` with ``Retry-After: retry_after``.
        retry_after: seconds the random 429s ask the client to wait (an integer, as HTTP wants).
        rate_limit: requests per second allowed per API key (a token bucket); beyond it, ``429``
            with ``Retry-After`` = seconds until a request would be allowed (rounded up).
        burst: the bucket's size, i.e. requests allowed at once (default: ``ceil(rate_limit)``).
        drop_rate: fraction of responses cut mid-body: the client gets the headers and part of
            the body, then the connection closes (a transport error, not an HTTP status).
        mutate_every: every this many call-log requests, insert ``mutate_count`` new calls
            (created now) and update ``mutate_count`` existing ones (updated now); 0 = never.
        mutate_count: records inserted and updated each time.
        overview_down: GET /v1/analytics/overview answers ``500`` to every request, as the live
            endpoint has been seen doing for days at a time (the other endpoints work).

    The three rates are fractions of requests drawn from one number, so they must sum to <= 1.

    >>> Faults(latency=0.05, jitter=0.02, fail_rate=0.1, rate_limit=20)
    Faults(latency=0.05, jitter=0.02, fail_rate=0.1, rate_limit=20)
    """

    latency: float = 0.0
    jitter: float = 0.0
    fail_rate: float = 0.0
    throttle_rate: float = 0.0
    retry_after: int = 1
    rate_limit: float | None = None
    burst: int | None = None
    drop_rate: float = 0.0
    mutate_every: int = 0
    mutate_count: int = 1
    overview_down: bool = False

    def __post_init__(self) -> None:
        for name in ("latency", "jitter"):
            _check_number(name, getattr(self, name), minimum=0.0)
        for name in ("fail_rate", "throttle_rate", "drop_rate"):
            _check_number(name, getattr(self, name), minimum=0.0, maximum=1.0)
        if self.fail_rate + self.throttle_rate + self.drop_rate > 1.0:
            raise FaultsError("fail_rate + throttle_rate + drop_rate", "must be <= 1")
        _check_int("retry_after", self.retry_after, minimum=0)
        if self.rate_limit is not None:
            _check_number("rate_limit", self.rate_limit, minimum=0.0)
            if self.rate_limit == 0:
                raise FaultsError("rate_limit", "must be > 0 requests per second, or None for none")
        if self.burst is not None:
            _check_int("burst", self.burst, minimum=1)
            if self.rate_limit is None:
                raise FaultsError("burst", "needs rate_limit")
        _check_int("mutate_every", self.mutate_every, minimum=0)
        _check_int("mutate_count", self.mutate_count, minimum=1)
        if not isinstance(self.overview_down, bool):
            raise FaultsError("overview_down", f"must be True or False, got {self.overview_down!r}")

    def __repr__(self) -> str:
        # Only what differs from the defaults: the interesting part of a fault setting.
        changed = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if getattr(self, f.name) != f.default
        ]
        return f"Faults({', '.join(changed)})"


def _check_number(name: str, value: Any, *, minimum: float, maximum: float | None = None) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < minimum or (maximum is not None and value > maximum):
        allowed = f"a number >= {minimum:g}" + (
            f" and <= {maximum:g}" if maximum is not None else ""
        )
        raise FaultsError(name, f"must be {allowed}, got {value!r}")


def _check_int(name: str, value: Any, *, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise FaultsError(name, f"must be an integer >= {minimum}, got {value!r}")


@dataclass(frozen=True)
class Fault:
    """What to do to one request instead of answering it normally."""

    kind: str  # "error" (500), "throttled" (random 429), "rate_limited" (429), "dropped"
    status: int = 0
    retry_after: int | None = None


class _TokenBucket:
    def __init__(self, rate: float, capacity: int) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = float(capacity)
        self.stamp = time.monotonic()

    def take(self) -> float:
        """Take a token; 0 when one was available, else seconds until one will be."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class FaultInjector:
    """Per-app fault decisions (seeded, thread-safe) and counts of what was injected."""

    def __init__(self, faults: Faults, seed: int) -> None:
        self.faults = faults
        # Separate streams: the fault pattern does not depend on how much jitter was drawn.
        self._decisions = random.Random(f"{seed}:faults")
        self._jitter = random.Random(f"{seed}:jitter")
        self._buckets: dict[str, _TokenBucket] = {}
        self._lock = threading.Lock()
        if faults.drop_rate:
            _quiet_cut_connections()

    def delay(self) -> float:
        """Seconds to wait before answering this request."""
        if not self.faults.jitter:
            return self.faults.latency
        with self._lock:
            return self.faults.latency + self._jitter.uniform(0, self.faults.jitter)

    def decide(self, client: str) -> Fault | None:
        """The fault for this request of `client` (its API key), or None to answer normally."""
        f = self.faults
        with self._lock:
            if f.rate_limit is not None:
                bucket = self._buckets.get(client)
                if bucket is None:
                    capacity = f.burst or max(1, math.ceil(f.rate_limit))
                    bucket = self._buckets[client] = _TokenBucket(f.rate_limit, capacity)
                wait = bucket.take()
                if wait:
                    return Fault("rate_limited", 429, max(1, math.ceil(wait)))
            if not (f.fail_rate or f.throttle_rate or f.drop_rate):
                return None
            draw = self._decisions.random()
        if draw < f.fail_rate:
            return Fault("error", 500)
        if draw < f.fail_rate + f.throttle_rate:
            return Fault("throttled", 429, f.retry_after)
        if draw < f.fail_rate + f.throttle_rate + f.drop_rate:
            return Fault("dropped")
        return None


async def cut_response(app: Any, scope: dict, receive: Any, send: Any) -> None:
    """Run `app`, then send its headers and half its body, and stop: the server closes the
    connection, so the client sees an incomplete body (a transport error), not an HTTP error.
    """
    start: dict = {}
    body = bytearray()

    async def capture(message: dict) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, capture)
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send(
        {"type": "http.response.body", "body": bytes(body[: len(body) // 2]), "more_body": True}
    )
    _CUTTING.set(True)


class _CutConnectionFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # The server logs an error when a response is left incomplete; here that is the point.
        return not _CUTTING.get()


_FILTER = _CutConnectionFilter()


def _quiet_cut_connections() -> None:
    logger = logging.getLogger("uvicorn.error")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)

"""The sandbox ASGI app: the call-log API of the reference, served from a `Dataset`.

>>> import asyncio, httpx
>>> from dialstats.sandbox import generate
>>> app = create_app(generate(n_calls=50), api_key="demo")
>>> async def first_page() -> dict:
...     transport = httpx.ASGITransport(app)
...     async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
...         params, key = {"limit": 5}, {"x-api-key": "demo"}
...         return (await http.get("/v1/call-log", params=params, headers=key)).json()
>>> page = asyncio.run(first_page())
>>> len(page["data"]), page["pagination"]
(5, {'total': 50, 'page': 1, 'next': 2})

Over real HTTP, use `dialstats.sandbox.serve`.
"""

from __future__ import annotations

import asyncio
import copy
import difflib
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse

from dialstats.errors import InvalidParameterError
from dialstats.sandbox._dataset import Dataset
from dialstats.sandbox._endpoints import NotFound, Outage, routes
from dialstats.sandbox._faults import Faults, cut_response
from dialstats.sandbox._query import ParameterError
from dialstats.sandbox._state import DIALECTS, Dialect, Sandbox


def create_app(
    dataset: Dataset | None = None,
    *,
    api_key: str = "demo",
    faults: Faults | None = None,
    seed: int = 0,
    dialect: Dialect = "live",
) -> Starlette:
    """An ASGI app serving the call-log API over `dataset` (default: the bundled demo data).

    The app works on its own copy of the dataset's lists, so inserted and updated calls never
    reach the caller's `dataset` (or the cached demo). `seed` makes faults and mutations
    reproducible. Requests need header ``x-api-key: <api_key>``.

    `dialect` is ``"live"`` (the default: what the real API has been recorded sending --
    ``{total, page, next}`` pagination, raw control characters in transcripts, a wrapped team,
    contact lists at /v1/contact-lists/csv, required analytics dates) or ``"spec"`` (the
    written reference); see `dialstats.sandbox._endpoints` for the full table.

    >>> app = create_app(dialect="spec")
    """
    if not isinstance(api_key, str) or not api_key:
        raise InvalidParameterError("api_key", "api_key must be a non-empty string")
    check_dialect(dialect)
    if faults is not None and not isinstance(faults, Faults):
        raise TypeError(f"faults must be a Faults, got {type(faults).__name__}")
    if dataset is None:
        from dialstats.sandbox._data import demo_dataset

        dataset = demo_dataset()
    own = Dataset(
        calls=list(dataset.calls),
        dispositions=copy.deepcopy(dataset.dispositions),
        sequences=copy.deepcopy(dataset.sequences),
        contact_lists=copy.deepcopy(dataset.contact_lists),
        team=copy.deepcopy(dataset.team),
    )
    sandbox = Sandbox(own, api_key=api_key, faults=faults or Faults(), seed=seed, dialect=dialect)
    app = Starlette(
        routes=routes(dialect),
        middleware=[Middleware(_Gate, sandbox=sandbox)],
        exception_handlers={
            ParameterError: _parameter_error,
            NotFound: _not_found,
            Outage: _outage,
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    app.state.sandbox = sandbox
    return app


def check_dialect(dialect: object) -> None:
    """Raise `InvalidParameterError` naming `dialect` unless it is "live" or "spec"."""
    if dialect in DIALECTS:
        return
    close = difflib.get_close_matches(str(dialect).lower(), DIALECTS, n=1, cutoff=0.4)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InvalidParameterError(
        "dialect", f"dialect must be 'live' or 'spec', got {dialect!r}{hint}"
    )


# -- plumbing: errors, auth and faults -----------------------------------------------------------


def _error_response(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = {"Retry-After": str(extra.pop("retry_after"))} if "retry_after" in extra else None
    body = {"message": message, "statusCode": status, **extra}
    return JSONResponse(body, status_code=status, headers=headers)


async def _parameter_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ParameterError)
    return _error_response(400, str(exc), error="Bad Request", parameter=exc.parameter)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return _error_response(404, str(exc))


async def _outage(request: Request, exc: Exception) -> JSONResponse:
    return _error_response(500, "Internal server error")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    # Raised by the router: an unknown path (404) or a method other than GET (405).
    assert isinstance(exc, HTTPException)
    message = exc.detail if exc.status_code != 404 else f"no such endpoint: {request.url.path}"
    response = _error_response(exc.status_code, message)
    response.headers.update(exc.headers or {})
    return response


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    return _error_response(500, f"internal error: {type(exc).__name__}")


class _Gate:
    """Counts each request, then applies latency, the API-key check and injected faults."""

    def __init__(self, app: Any, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sandbox = self.sandbox
        with sandbox.lock:
            sandbox.requests[scope["path"]] += 1
        delay = sandbox.injector.delay()
        if delay:
            await asyncio.sleep(delay)
        key = Headers(scope=scope).get("x-api-key")
        if not sandbox.accepts(key):
            message = "missing API key" if key is None else "invalid API key"
            await _error_response(401, f"{message}: send header x-api-key")(scope, receive, send)
            return
        fault = sandbox.injector.decide(key)
        if fault is None:
            await self.app(scope, receive, send)
            return
        with sandbox.lock:
            sandbox.faults_injected[fault.kind] += 1
        if fault.kind == "dropped":
            await cut_response(self.app, scope, receive, send)
        elif fault.status == 429:
            message = "rate limit exceeded" if fault.kind == "rate_limited" else "too many requests"
            response = _error_response(429, message, retry_after=fault.retry_after)
            await response(scope, receive, send)
        else:
            await _error_response(fault.status, "injected server error")(scope, receive, send)

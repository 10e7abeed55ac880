"""`ds.Client`: configuration, key safety, retries and error mapping, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import inspect
import logging
import pydoc
import subprocess
import sys
import time
from inspect import Parameter

import httpx
import pandas as pd
import pytest

import dialstats as ds
from dialstats import api
from dialstats.api._http import ApiKeyAuth, Limiter, retry_after_seconds
from dialstats.errors import (
    ApiConnectionError,
    AuthenticationError,
    BadRequestError,
    DialstatsError,
    InvalidParameterError,
    MissingApiKeyError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from dialstats.sandbox import Faults, generate, serve

SECRET = "sk-live-2b7e151628aed2a6abf7158809cf4f3c"


@pytest.fixture(scope="module")
def tiny():
    return generate(seed=2, n_calls=250)


@pytest.fixture(scope="module")
def server(tiny):
    with serve(tiny, api_key=SECRET) as url:
        yield url


def fast(url, **options) -> ds.Client:
    """A client that retries quickly (the backoff is what these tests wait for)."""
    return ds.Client(SECRET, base_url=url, backoff=0.01, **options)


# -- configuration ---------------------------------------------------------------------------


def test_key_and_base_url_come_from_the_environment(monkeypatch, server):
    monkeypatch.setenv("SALESFINITY_API_KEY", SECRET)
    monkeypatch.setenv("SALESFINITY_BASE_URL", server.url)
    client = ds.Client()
    assert client.base_url == server.url
    assert len(client.read_team()) > 0


def test_the_default_base_url_is_the_vendors(monkeypatch):
    monkeypatch.delenv("SALESFINITY_BASE_URL", raising=False)
    assert ds.Client("k").base_url == "https://client-api.salesfinity.co"


def test_a_missing_key_says_how_to_set_one(monkeypatch):
    monkeypatch.delenv("SALESFINITY_API_KEY", raising=False)
    with pytest.raises(MissingApiKeyError) as caught:
        ds.Client()
    message = str(caught.value)
    for hint in ("SALESFINITY_API_KEY", "api_key=", "demo=True"):
        assert hint in message
    with pytest.raises(MissingApiKeyError):
        ds.read_call_logs()


@pytest.mark.parametrize(
    "url", ["http://client-api.salesfinity.co", "http://10.0.0.5:8000", "http://example.com"]
)
def test_the_key_is_never_sent_over_plain_http_to_another_host(url):
    with pytest.raises(InvalidParameterError) as caught:
        ds.Client(SECRET, base_url=url)
    assert caught.value.parameter == "base_url"
    assert "https" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["https://api.example.com", "http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:8080"],
)
def test_https_and_loopback_are_allowed(url):
    assert ds.Client(SECRET, base_url=url).base_url == url


@pytest.mark.parametrize(
    ("options", "parameter"),
    [
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_retries": -1}, "max_retries"),
        ({"timeout": 0}, "timeout"),
        ({"base_url": "ftp://files.example.com"}, "base_url"),
        ({"demo": "yes"}, "demo"),
    ],
)
def test_bad_settings_are_refused(options, parameter):
    with pytest.raises(InvalidParameterError) as caught:
        ds.Client(SECRET, **options)
    assert caught.value.parameter == parameter


def test_demo_does_not_mix_with_a_key_or_url():
    with pytest.raises(InvalidParameterError, match="demo"):
        ds.Client("k", demo=True)
    with pytest.raises(InvalidParameterError, match="demo"):
        ds.Client(demo=True, transport=httpx.MockTransport(lambda request: httpx.Response(200)))


def test_the_public_client_is_the_api_client_plus_demo():
    # The API client takes a transport and knows no sandbox; dialstats.Client builds the demo
    # one. Same settings, in the same order, with the same defaults, plus `demo`.
    public = inspect.signature(ds.Client).parameters
    wire = inspect.signature(api.Client).parameters
    assert [p for name, p in public.items() if name != "demo"] == list(wire.values())
    assert public["demo"].default is False and public["demo"].kind is Parameter.KEYWORD_ONLY
    assert "demo" not in wire
    assert (ds.Client.__module__, ds.Client.__qualname__) == ("dialstats", "Client")
    assert issubclass(ds.Client, api.Client)
    # `help(ds.Client)` documents `demo` among the parameters (numpydoc).
    shown = pydoc.render_doc(ds.Client)
    assert "demo : bool, default False" in shown and "Read the bundled demo data" in shown
    with ds.Client(demo=True) as client:
        assert isinstance(client, ds.Client) and isinstance(client, api.Client)
        assert repr(client) == "<dialstats.Client demo max_concurrency=4>"
        assert client.read_team()["team_name"].nunique() == 1
    shown = repr(api.Client(SECRET, base_url="https://api.example.com", max_concurrency=2))
    assert shown == "<dialstats.api.Client 'https://api.example.com' max_concurrency=2>"


def test_only_a_demo_client_loads_the_sandbox():
    code = (
        "import sys, dialstats as ds\n"
        "ds.Client('k', base_url='https://api.example.com')\n"
        "print('dialstats.sandbox' in sys.modules)\n"
        "ds.Client(demo=True)\n"
        "print('dialstats.sandbox' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_the_key_never_shows_in_repr_or_str():
    client = ds.Client(SECRET, base_url="https://api.example.com")
    for text in (repr(client), str(client), repr(vars(client)), repr(client._auth)):
        assert SECRET not in text
    assert "api.example.com" in repr(client)
    assert ApiKeyAuth(SECRET).scrub(f"bad key {SECRET}!") == "bad key ***!"


def test_the_key_never_reaches_the_logs(server, caplog):
    with caplog.at_level(logging.DEBUG):
        fast(server.url).read_call_logs(max_records=5)
        with pytest.raises(AuthenticationError):
            ds.Client(SECRET + "x", base_url=server.url).read_team()
    assert any(r.name.startswith("httpx") for r in caplog.records)  # httpx did log
    assert SECRET not in caplog.text


def test_a_closed_client_refuses_to_read(server):
    with fast(server.url) as client:
        client.read_team()
    with pytest.raises(RuntimeError, match="closed"):
        client.read_team()


# -- errors ------------------------------------------------------------------------------------


def test_a_wrong_key_is_an_authentication_error_without_the_key(server):
    wrong = "sk-wrong-0123456789abcdef"
    client = ds.Client(wrong, base_url=server.url)
    with pytest.raises(AuthenticationError) as caught:
        client.read_call_logs()
    assert caught.value.status_code == 401
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)
    assert "SALESFINITY_API_KEY" in str(caught.value)
    assert client.request_count == 2  # page 1 and the dispositions, neither retried


def test_a_bad_request_carries_the_servers_message(server):
    # Sort fields are checked before sending (test_invalid_parameters.py): ask the server.
    client = fast(server.url)
    with pytest.raises(BadRequestError, match="cannot sort on 'colour'") as caught:
        client._run(lambda session: session.get("/v1/call-log", [("sort", "colour")]))
    assert caught.value.status_code == 400


def test_an_unknown_resource_is_not_found(server):
    client = fast(server.url)
    with pytest.raises(NotFoundError) as caught:
        client._run(lambda session: session.get("/v1/sequences/does-not-exist"))
    assert caught.value.status_code == 404
    assert isinstance(caught.value, DialstatsError)


def test_server_errors_are_retried_then_raised(tiny):
    with serve(tiny, api_key=SECRET, faults=Faults(fail_rate=1.0)) as url:
        client = fast(url, max_retries=3)
        with pytest.raises(ServerError, match="500") as caught:
            client.read_team()
        assert caught.value.status_code == 500
        assert client.request_count == 4 == url.sandbox.requests["/v1/team"]


def test_dropped_connections_are_retried_then_raised(tiny):
    with serve(tiny, api_key=SECRET, faults=Faults(drop_rate=1.0)) as url:
        client = fast(url, max_retries=2)
        with pytest.raises(ApiConnectionError):
            client.read_sequences()
        assert client.request_count == 3


def test_timeouts_are_retried_then_raised(tiny):
    with serve(tiny, api_key=SECRET, faults=Faults(latency=1.0)) as url:
        client = fast(url, max_retries=1, timeout=0.1)
        with pytest.raises(ApiConnectionError, match="Timeout"):
            client.read_team()
        assert client.request_count == 2


def test_retry_after_is_honoured(tiny):
    with serve(tiny, api_key=SECRET, faults=Faults(throttle_rate=1.0, retry_after=1)) as url:
        client = fast(url, max_retries=2)
        started = time.monotonic()
        with pytest.raises(RateLimitedError) as caught:
            client.read_team()
        assert time.monotonic() - started >= 2.0  # two waits of Retry-After: 1
        assert caught.value.retry_after == 1
        assert client.request_count == 3


def test_a_retry_after_longer_than_the_client_waits_fails_at_once(tiny):
    with serve(tiny, api_key=SECRET, faults=Faults(throttle_rate=1.0, retry_after=3600)) as url:
        client = fast(url)
        with pytest.raises(RateLimitedError, match="3600") as caught:
            client.read_team()
        assert caught.value.retry_after == 3600
        assert client.request_count == 1


def test_a_flaky_server_still_gives_the_whole_answer(tiny):
    faults = Faults(fail_rate=0.3, throttle_rate=0.1, retry_after=0, drop_rate=0.1)
    with serve(tiny, api_key=SECRET, faults=faults, seed=4) as url:
        client = fast(url, max_retries=10)
        frame = client.read_call_logs()
        assert len(frame) == len(tiny.calls) and frame["id"].is_unique
        assert client.request_count == sum(url.sandbox.requests.values())
        assert sum(url.sandbox.faults_injected.values()) > 0


def test_retry_after_parses_seconds_and_http_dates():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    later = pd.Timestamp.now(tz="UTC") + pd.Timedelta(seconds=30)
    assert 25 < retry_after_seconds(later.strftime("%a, %d %b %Y %H:%M:%S GMT")) <= 31


# -- concurrency -------------------------------------------------------------------------------


def test_the_limiter_bounds_requests_in_flight_and_backs_off_on_429():
    async def scenario() -> tuple[int, int, int]:
        limiter = Limiter(4)
        active = peak = 0

        async def request() -> None:
            nonlocal active, peak
            await limiter.acquire()
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.001)
            active -= 1
            await limiter.release()

        await asyncio.gather(*(request() for _ in range(40)))
        await limiter.acquire()
        await limiter.release(throttled=True)
        halved = limiter.limit
        for _ in range(10):
            await limiter.acquire()
            await limiter.release()
        return peak, halved, limiter.limit

    peak, halved, regrown = asyncio.run(scenario())
    assert peak == 4
    assert halved == 2
    assert regrown == 4


def test_a_429_pauses_every_request_for_retry_after():
    async def scenario() -> float:
        limiter = Limiter(4)
        await limiter.acquire()
        await limiter.release(throttled=True, retry_after=0.2)
        started = time.monotonic()
        await limiter.acquire()
        return time.monotonic() - started

    assert asyncio.run(scenario()) >= 0.19


def test_max_concurrency_bounds_the_pages_in_flight(tiny):
    with serve(tiny, api_key=SECRET, faults=Faults(latency=0.1)) as url:
        started = time.monotonic()
        fast(url, max_concurrency=2).read_call_logs(limit=25)  # 10 pages, 2 at a time
        assert time.monotonic() - started >= 0.5


# -- where it runs -----------------------------------------------------------------------------


def test_readers_work_inside_a_running_event_loop():
    async def notebook_cell() -> pd.DataFrame:
        return ds.read_call_logs(demo=True, max_records=30, outcome="answered")

    frame = asyncio.run(notebook_cell())
    assert len(frame) == 30 and set(frame["outcome"]) == {"answered"}


def test_a_custom_transport_is_borrowed_not_closed(tiny):
    from dialstats.sandbox import create_app

    transport = httpx.ASGITransport(app=create_app(tiny, api_key=SECRET))
    client = ds.Client(SECRET, base_url="http://in-process", transport=transport)
    assert len(client.read_team()) == len(client.read_team())

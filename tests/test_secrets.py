"""The API key never shows: not echoed back by a server (encoded or not), not in httpx/httpcore
DEBUG logs, not in the error for a malformed key; no password in a base URL; plain http only to
this machine by address."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

import dialstats as ds
from dialstats.errors import ApiError, InvalidParameterError
from dialstats.sandbox import serve
from dialstats.sandbox._serve import base_url, bind

# Characters that every encoding changes: percent-, JSON-, HTML- and Python-escaping all differ.
KEY = "sk-live/Zq7+w9 x=Rt~8'Kp\\M"


def encodings(key: str) -> dict[str, str]:
    return {
        "raw": key,
        "percent": urllib.parse.quote(key, safe=""),
        "percent-lower": urllib.parse.quote(key, safe="").replace("%2F", "%2f"),
        "form": urllib.parse.quote_plus(key),
        "double-percent": urllib.parse.quote(urllib.parse.quote(key, safe=""), safe=""),
        "json": json.dumps(key)[1:-1],
        "json-slash": json.dumps(key)[1:-1].replace("/", "\\/"),
        "json-unicode": "".join(f"\\u{ord(c):04x}" for c in key),
        "html": "".join(f"&#{ord(c)};" for c in key),
        "base64": base64.b64encode(key.encode()).decode(),
        "python-bytes": repr(key.encode())[2:-1],
    }


def assert_hidden(text: str, key: str = KEY) -> None:
    for name, form in encodings(key).items():
        assert form not in text, f"the key shows {name}-encoded: {text}"
    assert "Zq7" not in text and "Rt~8" not in text  # nor a piece of it


@contextlib.contextmanager
def serve_app(app: Starlette) -> Iterator[str]:
    """`app` over real HTTP on 127.0.0.1 (a free port), in a background thread."""
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.005)
    try:
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def echoing_app() -> Starlette:
    """Answers every request with the key it was sent, in one encoding per path."""

    def echo(request: Request) -> Response:
        key = request.headers["x-api-key"]
        form = request.path_params["form"]
        if form == "header":
            return JSONResponse({"data": []}, headers={"x-echo-key": key, "x-note": "echoed"})
        if form == "long":  # the key straddles where a message is cut
            return PlainTextResponse("x" * 190 + key + " rejected", status_code=400)
        if form.startswith("text-"):
            return PlainTextResponse(f"bad key {encodings(key)[form[5:]]}", status_code=401)
        # A JSON body: json.dumps escapes it once more; the message holds the encoded key.
        message = f"invalid api key: {encodings(key)[form]}"
        return JSONResponse({"message": message, "statusCode": 400}, status_code=400)

    return Starlette(routes=[Route("/v1/{form}", echo)])


@pytest.fixture(scope="module")
def echo_server() -> Iterator[str]:
    with serve_app(echoing_app()) as url:
        yield url


def fetch(url: str, path: str) -> ApiError:
    client = ds.Client(KEY, base_url=url, max_retries=0)
    with pytest.raises(ApiError) as info:
        client._run(lambda session: session.get(path))
    return info.value


@pytest.mark.parametrize("form", list(encodings(KEY)))
def test_an_echo_of_the_key_in_any_encoding_is_scrubbed_from_errors(echo_server, form):
    for path in (f"/v1/{form}", f"/v1/text-{form}"):
        error = fetch(echo_server, path)
        assert "***" in str(error)
        assert_hidden(str(error))
        assert_hidden(error.url)
        assert_hidden(repr(error))


def test_an_echo_cut_short_by_the_message_limit_is_scrubbed_whole(echo_server):
    error = fetch(echo_server, "/v1/long")
    assert "***" in str(error)
    assert_hidden(str(error))
    assert "sk-live" not in str(error)


def test_a_key_echoed_in_a_response_header_stays_out_of_debug_logs(echo_server, caplog):
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        with ds.Client(KEY, base_url=echo_server) as client:
            client._run(lambda session: session.get("/v1/header"))
    finally:
        root.removeHandler(handler)
    logged = "\n".join(record.getMessage() for record in records)
    # The headers were logged (so the test means something), the key was not.
    assert "receive_response_headers" in logged and "x-echo-key" in logged
    assert "echoed" in logged
    assert_hidden(logged)
    assert_hidden(caplog.text)


@pytest.mark.parametrize("bad", ["\r\n", "\n", "\x00", "\x07", "\x7f", "\u00e9", "\u2028"])
def test_a_key_with_control_or_non_ascii_characters_is_refused_without_showing_it(
    echo_server, monkeypatch, bad
):
    key = f"sk-live-Zq7{bad}Rt~8"
    with pytest.raises(InvalidParameterError) as info:
        ds.Client(key, base_url=echo_server)
    assert info.value.parameter == "api_key" and "printable ASCII" in str(info.value)
    assert "Zq7" not in str(info.value) and "Rt~8" not in str(info.value)
    if bad == "\x00":
        return  # an environment variable cannot hold a NUL
    monkeypatch.setenv("SALESFINITY_API_KEY", key)
    with pytest.raises(InvalidParameterError, match="SALESFINITY_API_KEY") as info:
        ds.read_call_logs(base_url=echo_server)
    assert "Zq7" not in str(info.value)


def test_a_key_is_trimmed_but_inner_spaces_and_punctuation_are_kept(echo_server):
    with ds.Client(f"  {KEY}\n", base_url=echo_server) as client:
        assert client._auth._api_key == KEY


@pytest.mark.parametrize(
    "url",
    [
        "https://alice:s3cr3t-pw@api.example.com",
        "https://s3cr3t-pw@api.example.com/",
        "http://alice:s3cr3t-pw@127.0.0.1:8000",
        "ftp://alice:s3cr3t-pw@example.com",
    ],
)
def test_a_password_in_the_base_url_is_refused_and_never_shown(url, monkeypatch):
    with pytest.raises(InvalidParameterError, match="user name or password") as info:
        ds.Client("k", base_url=url)
    assert info.value.parameter == "base_url"
    assert "s3cr3t" not in str(info.value) and "alice" not in str(info.value)
    monkeypatch.setenv("SALESFINITY_BASE_URL", url)
    with pytest.raises(InvalidParameterError) as info:
        ds.Client("k")
    assert "s3cr3t" not in str(info.value)


def test_an_at_sign_in_the_path_is_not_a_password():
    client = ds.Client("k", base_url="https://api.example.com/team@x")
    assert "team@x" in repr(client)


@pytest.mark.parametrize(
    "url",
    [
        "http://anything.localhost:8000",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://localhost.evil:80",
    ],
)
def test_plain_http_to_a_name_that_only_looks_local_is_refused(url):
    with pytest.raises(InvalidParameterError, match="plain http"):
        ds.Client("k", base_url=url)


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8000", "http://LOCALHOST:1", "http://127.0.0.1:8000", "http://127.8.9.1",
     "http://[::1]:8000"],
)  # fmt: skip
def test_plain_http_to_localhost_or_a_loopback_address_is_allowed(url):
    assert ds.Client("k", base_url=url).base_url == url.lower().rstrip("/")


def test_the_sandbox_over_loopback_still_reads_with_a_key_full_of_punctuation():
    with serve(api_key=KEY) as url:
        assert len(ds.read_call_logs(api_key=KEY, base_url=url, max_records=5)) == 5

"""Running the sandbox over real HTTP: in a background thread (`serve`) or in the foreground."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette

from dialstats.sandbox._app import create_app
from dialstats.sandbox._dataset import Dataset
from dialstats.sandbox._faults import Faults
from dialstats.sandbox._state import Dialect, Sandbox

LOOPBACK = "127.0.0.1"


class SandboxServer(str):
    """The base URL of a running sandbox (a ``str``: pass it wherever a base URL goes), with the
    app behind it for tests: ``.app`` and ``.sandbox`` (counters, ``insert``, ``update``).
    """

    app: Starlette

    def __new__(cls, url: str, app: Starlette) -> SandboxServer:
        server = super().__new__(cls, url)
        server.app = app
        return server

    @property
    def url(self) -> str:
        return str(self)

    @property
    def sandbox(self) -> Sandbox:
        return self.app.state.sandbox


@contextlib.contextmanager
def serve(
    dataset: Dataset | None = None,
    *,
    api_key: str = "demo",
    faults: Faults | None = None,
    seed: int = 0,
    dialect: Dialect = "live",
    host: str = LOOPBACK,
    port: int = 0,
    startup_timeout: float = 10.0,
) -> Iterator[SandboxServer]:
    """Serve a sandbox on `host`:`port` (0: a free port) in a background thread.

    Yields the base URL once the server accepts connections; stops it and waits for its thread
    on exit. `dialect` is "live" (default) or "spec", as in `create_app`.

    >>> import httpx
    >>> from dialstats.sandbox import generate
    >>> with serve(generate(n_calls=50), dialect="spec") as base_url:
    ...     team = httpx.get(f"{base_url}/v1/team", headers={"x-api-key": "demo"}).json()
    >>> team["name"], len(team["users"])
    ('Brightwave - Sales Development', 11)
    """
    app = create_app(dataset, api_key=api_key, faults=faults, seed=seed, dialect=dialect)
    sock = bind(host, port)
    server = uvicorn.Server(_config(app, log_level="warning", log_config=None))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="dialstats-sandbox", daemon=True
    )
    thread.start()
    try:
        _wait_started(server, thread, startup_timeout)
        yield SandboxServer(base_url(sock), app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():  # a request still hanging: cut it short
            server.force_exit = True
            thread.join(timeout=5)
        sock.close()


def run_foreground(app: Starlette, sock: socket.socket, *, access_log: bool = True) -> None:
    """Serve `app` on the bound `sock` until Ctrl-C (uvicorn's own logging and signals);
    `access_log=False` drops the line per request."""
    uvicorn.Server(_config(app, log_level="info", access_log=access_log)).run(sockets=[sock])


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host`:`port` (0 picks a free port), ready for the server."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Small answers must not wait ~40 ms for the client's delayed ACK (Nagle): accepted sockets
    # inherit TCP_NODELAY from the listener (asyncio also sets it on each transport it makes).
    with contextlib.suppress(OSError, AttributeError):  # platforms without the option
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _config(app: Starlette, **logging: Any) -> uvicorn.Config:
    return uvicorn.Config(app, lifespan="off", timeout_graceful_shutdown=5, **logging)


def _wait_started(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the sandbox server stopped while starting")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the sandbox server did not start within {timeout:g} s")
        time.sleep(0.005)

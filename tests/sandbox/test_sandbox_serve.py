"""`serve()` over real loopback HTTP, and the ``dialstats sandbox`` command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from urllib.parse import urlsplit

import httpx
import pytest

import dialstats as ds
from dialstats.cli import main
from dialstats.sandbox import SandboxServer, serve
from dialstats.sandbox._serve import bind

KEY = {"x-api-key": "demo"}


def _port_open(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((parts.hostname, parts.port)) == 0


def test_serve_yields_a_base_url_string_with_the_app_behind_it(small_dataset):
    with ds.sandbox.serve(small_dataset) as base_url:
        assert isinstance(base_url, str) and isinstance(base_url, SandboxServer)
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.url == str(base_url)
        with httpx.Client(base_url=base_url, headers=KEY) as client:
            body = client.get("/v1/call-log", params={"limit": 3}).json(strict=False)
            assert body["pagination"]["total"] == len(small_dataset.calls)
            assert client.get("/v1/team").json() == {"data": small_dataset.team}
            assert client.get("/v1/team", headers={"x-api-key": "nope"}).status_code == 401
        assert base_url.sandbox is base_url.app.state.sandbox
        assert base_url.sandbox.requests == {"/v1/call-log": 1, "/v1/team": 2}


def test_serve_shuts_down_cleanly_many_times(small_dataset):
    threads = threading.active_count()
    urls = []
    for _ in range(4):
        with serve(small_dataset) as url:
            assert httpx.get(f"{url}/v1/team", headers=KEY).status_code == 200
            urls.append(url)
        assert not _port_open(url)
    assert len(set(urls)) >= 1
    assert threading.active_count() == threads


def test_serve_stops_even_with_a_keep_alive_client_open(small_dataset):
    threads = threading.active_count()
    client = httpx.Client(headers=KEY)
    with serve(small_dataset) as url:
        assert client.get(f"{url}/v1/team").status_code == 200
    client.close()
    assert threading.active_count() == threads


def test_serve_on_a_chosen_port_and_a_busy_port(small_dataset):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with serve(small_dataset, port=port) as url:
        assert url == f"http://127.0.0.1:{port}"
        with pytest.raises(OSError), serve(small_dataset, port=port):
            pass  # pragma: no cover
        assert httpx.get(f"{url}/v1/team", headers=KEY).status_code == 200


def test_accepted_connections_do_not_wait_for_delayed_acks():
    # Nagle + delayed ACK hold small answers ~40 ms; TCP_NODELAY on the listener is inherited.
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        sock.listen()
        with socket.create_connection(sock.getsockname()[:2]):
            accepted, _ = sock.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        sock.close()


def test_serve_with_a_custom_key_and_the_demo_data():
    with serve(api_key="k-123") as url:
        response = httpx.get(f"{url}/v1/call-log", headers={"x-api-key": "k-123"})
        assert response.json(strict=False)["pagination"]["total"] == len(
            ds.sandbox.demo_dataset().calls
        )
        assert httpx.get(f"{url}/v1/call-log", headers=KEY).status_code == 401


# -- the command ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--port", "70000"], "--port"),
        (["--latency", "-1"], "--latency"),
        (["--jitter", "soon"], "--jitter"),
        (["--fail-rate", "1.5"], "--fail-rate"),
        (["--throttle-rate", "nan"], "--throttle-rate"),
        (["--rate-limit", "0"], "--rate-limit"),
        (["--drop-rate", "2"], "--drop-rate"),
        (["--mutate-every", "-2"], "--mutate-every"),
        (["--calls", "0"], "--calls"),
        (["--fail-rate", "0.6", "--drop-rate", "0.6"], "--drop-rate"),
        (["--burst", "5"], "--rate-limit"),
        (["--dialect", "json"], "--dialect"),
    ],
)
def test_bad_flags_are_usage_errors_naming_the_flag(argv, flag, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["sandbox", *argv])
    assert exit_.value.code == 2
    assert flag in capsys.readouterr().err


def test_a_busy_port_is_a_usage_error(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as exit_:
            main(["sandbox", "--port", str(port), "--calls", "50"])
    assert exit_.value.code == 2
    assert "--port" in capsys.readouterr().err


def test_the_command_serves_until_interrupted():
    command = [
        sys.executable,
        "-m",
        "dialstats.cli",
        "sandbox",
        "--port",
        "0",
        "--calls",
        "400",
        "--seed",
        "3",
        "--latency",
        "0.01",
        "--api-key",
        "cli-key-42",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        output = "".join(lines)
        url = next(word for word in output.split() if word.startswith("http://127.0.0.1:"))
        assert "cli-key-42" not in output  # a custom key is never printed
        response = httpx.get(f"{url}/v1/call-log", headers={"x-api-key": "cli-key-42"}, timeout=10)
        assert response.json(strict=False)["pagination"]["total"] == 400
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_the_command_prints_the_demo_key_hint():
    process = subprocess.Popen(
        [sys.executable, "-m", "dialstats.cli", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        header = "".join(process.stdout.readline() for _ in range(3))
        assert "API key: demo" in header
        calls = len(ds.sandbox.demo_dataset().calls)
        assert f"{calls:,} calls" in header
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
        process.stdout.close()


def test_the_command_speaks_the_spec_dialect_and_takes_the_overview_down():
    command = [sys.executable, "-m", "dialstats.cli", "sandbox", "--port", "0", "--calls", "300"]
    command += ["--dialect", "spec", "--overview-down"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        header = ""
        for line in process.stdout:
            header += line
            if "Ctrl-C" in line:
                break
        assert "spec dialect" in header and "overview_down=True" in header
        url = next(word for word in header.split() if word.startswith("http://127.0.0.1:"))
        body = httpx.get(f"{url}/v1/call-log", headers=KEY, timeout=10).json()
        assert set(body["pagination"]) == {"total", "page", "limit", "pages"}
        overview = httpx.get(f"{url}/v1/analytics/overview", headers=KEY, timeout=10)
        assert overview.status_code == 500
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()

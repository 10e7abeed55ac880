"""``dialstats sandbox``: bad settings are usage errors naming the flag that is wrong."""

from __future__ import annotations

import socket

import pytest

from dialstats.cli import main


def sandbox(capsys, *args: str) -> tuple[int, str]:
    """Exit status and the last line of stderr of a sandbox that refuses to start."""
    with pytest.raises(SystemExit) as stopped:
        main(["sandbox", *args])
    err = capsys.readouterr().err
    return stopped.value.code, err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0", "--api-key", ""], "--api-key must be a non-empty string"),
        (["--port", "0", "--host", "999.1.1.1"], "argument --host: cannot listen on '999.1.1.1'"),
        (["--port", "0", "--host", "not a host"], "argument --host: cannot listen on 'not a host'"),
        (["--port", "0", "--burst", "5"], "argument --burst: needs --rate-limit"),
        (
            ["--port", "0", "--fail-rate", "0.6", "--drop-rate", "0.6"],
            "--fail-rate + --throttle-rate + --drop-rate must be <= 1",
        ),
    ],
)
def test_bad_settings_name_their_flag(capsys, args, message):
    code, last = sandbox(capsys, *args)
    assert code == 2
    assert last.startswith(f"dialstats sandbox: error: {message}"), last
    assert "--port" not in last


def test_a_port_in_use_names_the_port(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # The empty key stops the command should the port ever be bound after all.
        code, last = sandbox(capsys, "--port", str(port), "--api-key", "")
    assert code == 2
    assert last.startswith(
        f"dialstats sandbox: error: argument --port: cannot listen on 127.0.0.1:{port} ("
    )

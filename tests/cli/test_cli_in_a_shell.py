"""The command line as a user meets it: run in a subprocess, as typed in a shell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import nbformat
import pytest

import dialstats as ds

COMMAND = [sys.executable, "-m", "dialstats.cli"]


def dialstats(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [*COMMAND, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def without_key() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SALESFINITY_")}


def small_notebook(path: Path, *, kernelspec: bool, parameters: bool = True) -> Path:
    nb = nbformat.v4.new_notebook()
    setup = nbformat.v4.new_code_cell(
        "start = end = snapshot = None\ntz = 'UTC'\ndemo = False\nfilters = {}"
    )
    if parameters:
        setup.metadata["tags"] = ["parameters"]
    nb.cells = [setup, nbformat.v4.new_code_cell("print('demo is', demo)")]
    if kernelspec:
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


def test_version():
    result = dialstats("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"dialstats {ds.__version__}"


@pytest.mark.parametrize("command", [[], ["sandbox"], ["pull"], ["report"]])
def test_help_has_no_markup(command):
    result = dialstats(*command, "--help")
    assert result.returncode == 0
    assert "``" not in result.stdout


def test_report_is_quiet_and_names_both_files(tmp_path):
    # A notebook saved without kernel metadata runs on the default kernel.
    notebook = small_notebook(tmp_path / "mine.ipynb", kernelspec=False)
    result = dialstats(
        "report", "--demo", "--notebook", str(notebook), "-o", "out/week.html", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "IPKernelApp" not in result.stderr
    assert "Kernel is running over TCP" not in result.stderr
    assert "cell/s" not in result.stderr and "Executing" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "dialstats report: wrote out/week.html and out/week.ipynb"
    )
    assert (tmp_path / "out/week.html").is_file() and (tmp_path / "out/week.ipynb").is_file()
    executed = nbformat.read(tmp_path / "out/week.ipynb", as_version=4)
    assert any("demo is True" in str(cell.get("outputs")) for cell in executed.cells)


def test_report_verbose_shows_the_cells(tmp_path):
    notebook = small_notebook(tmp_path / "mine.ipynb", kernelspec=True)
    result = dialstats(
        "report", "--demo", "--verbose", "--notebook", str(notebook), "-o", str(tmp_path / "w.html")
    )
    assert result.returncode == 0, result.stderr
    assert "Executing" in result.stderr


def test_report_notebook_without_parameters_cell(tmp_path):
    notebook = small_notebook(tmp_path / "mine.ipynb", kernelspec=True, parameters=False)
    result = dialstats(
        "report", "--demo", "--notebook", str(notebook), "-o", str(tmp_path / "w.html")
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--notebook" in lines[0] and "tagged 'parameters'" in lines[0]
    assert "start, end, tz, period, rep, demo, snapshot, filters" in lines[0]
    assert not (tmp_path / "w.html").exists()


def test_pull_without_a_key_names_the_variable_and_demo(tmp_path):
    result = dialstats("pull", "-o", str(tmp_path / "c.parquet"), env=without_key())
    assert result.returncode == 2
    assert "SALESFINITY_API_KEY" in result.stderr and "--demo" in result.stderr
    assert "api_key=" not in result.stderr


@pytest.mark.parametrize(
    ("args", "flag", "keyword"),
    [
        (["--start", "someday"], "--start", "start_date"),
        (["--start", "2026-10-10", "--end", "2026-10-01"], "--end", "end_date"),
        (["--min-duration", "9", "--max-duration", "2"], "--max-duration", "max_duration"),
    ],
)
def test_pull_errors_name_flags(tmp_path, args, flag, keyword):
    result = dialstats("pull", "--demo", *args, "-o", str(tmp_path / "c.parquet"))
    assert result.returncode == 2
    assert flag in result.stderr and keyword not in result.stderr, result.stderr


@pytest.mark.parametrize("quiet", [False, True])
def test_sandbox_quiet_drops_request_lines(quiet):
    process = subprocess.Popen(
        [*COMMAND, "sandbox", "--port", "0", *(["--quiet"] if quiet else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        url = banner.split(" at ", 1)[1].split(" ", 1)[0]
        response = httpx.get(f"{url}/v1/team", headers={"x-api-key": "demo"}, timeout=10)
        assert response.status_code == 200
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    logged = "GET /v1/team" in out + err
    assert logged is not quiet, out + err


def test_report_rep_is_checked_before_the_notebook_and_names_the_flag(tmp_path):
    out = tmp_path / "r.html"
    result = dialstats("report", "--demo", "--rep", "maya patle", "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "dialstats report: error: --rep 'maya patle': no rep of that name; "
        "did you mean 'Maya Patel'?"
    ]
    assert "running" not in result.stderr and "cell" not in result.stderr  # no kernel started
    assert not out.exists()


@pytest.mark.parametrize("rep", [[], ["--rep", "Maya Patel"]], ids=["report", "rep"])
def test_report_names_the_url_it_could_not_reach_and_never_the_key(tmp_path, rep):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    key = "sk-live-UNREACHABLE-41d9"
    env = {**without_key(), "SALESFINITY_API_KEY": key,
           "SALESFINITY_BASE_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    result = dialstats("report", *rep, "-o", str(tmp_path / "r.html"), env=env)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"dialstats report: error: could not connect to http://127.0.0.1:{port}: "
    )
    assert "connection refused" in last
    assert "cell" not in last and "ApiConnectionError" not in last
    assert key not in result.stderr + result.stdout
    assert not (tmp_path / "r.html").exists()


def test_a_bad_parameter_raised_in_the_kernel_is_said_as_the_flag(tmp_path):
    # A store holds no team list, so --rep is checked where the notebook reads the calls.
    store = ds.CallLogStore(tmp_path / "calls")
    store.sync(demo=True, progress=False)
    result = dialstats("report", "--from", str(store.path), "--rep", "Tyler Grnat",
                       "-o", str(tmp_path / "r.html"))  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "dialstats report: error: --rep 'Tyler Grnat': no rep of that name; "
        "did you mean 'Tyler Grant'?"
    )


def test_a_filter_a_store_cannot_answer_is_said_as_the_flag_not_a_cell(tmp_path):
    store = ds.CallLogStore(tmp_path / "answered")
    store.sync(demo=True, outcome="answered", progress=False)
    out = tmp_path / "r.html"
    result = dialstats(
        "report", "--from", str(store.path), "--outcome", "no-answer", "-o", str(out)
    )
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("dialstats report: error: --outcome: "), last
    assert "'no-answer'" in last
    assert "cell" not in last and "StoreFilterError" not in last
    assert not out.exists()


def test_report_checks_the_base_url_before_a_kernel_starts(tmp_path):
    env = {**without_key(), "SALESFINITY_API_KEY": "sk-live-PLAIN-HTTP-7c2e",
           "SALESFINITY_BASE_URL": "http://example.com"}  # fmt: skip
    result = dialstats("report", "-o", str(tmp_path / "r.html"), env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "dialstats report: error: SALESFINITY_BASE_URL: refusing to send the API key over plain "
        "http to example.com: use https:// (plain http is allowed only to this machine, for a "
        "local sandbox: localhost or a loopback address such as 127.0.0.1)"
    ]
    assert "PLAIN-HTTP" not in result.stderr


@pytest.mark.parametrize(
    ("args", "flag"),
    [(["--api-key", ""], "--api-key"), (["--host", "999.1.1.1"], "argument --host")],
)
def test_sandbox_bad_settings_are_usage_errors_not_tracebacks(args, flag):
    result = dialstats("sandbox", "--port", "0", *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"dialstats sandbox: error: {flag}")
    assert result.stdout == ""


def test_rep_names_match_without_case_or_spacing_and_suggest_by_edit_distance():
    from dialstats._suggest import closest_names, edit_distance, match_name

    names = ["Maya Patel", "Tyler Grant", "Dana Whitfield"]
    assert match_name("  MAYA   patel ", names) == "Maya Patel"
    assert match_name("Maya Pate", names) is None
    assert closest_names("Tylr Grnt", names) == ["Tyler Grant"]
    assert closest_names("Zed", names) == []
    assert edit_distance("kitten", "sitting") == 3

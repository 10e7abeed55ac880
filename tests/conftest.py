"""Shared fixtures: small generated datasets, and sandbox apps reached through plain httpx."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator

import httpx
import pytest

from dialstats.sandbox import Dataset, create_app, generate

DEMO_KEY = "demo"


class SyncASGITransport(httpx.BaseTransport):
    """httpx's ASGI transport for a synchronous ``httpx.Client`` (httpx ships only the async one).

    Each request runs to completion on a private event loop, in the calling thread.
    """

    def __init__(self, app: object) -> None:
        self._transport = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            response = await self._transport.handle_async_request(request)
            content = b"".join([chunk async for chunk in response.stream])
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self._loop.run_until_complete(send())

    def close(self) -> None:
        self._loop.close()


@pytest.fixture(scope="session")
def asgi_client() -> Iterator[Callable[..., httpx.Client]]:
    """Make a plain ``httpx.Client`` that talks to an ASGI app in-process (no sockets).

    ``asgi_client(app, api_key="demo")``; pass ``api_key=None`` to send no key. Clients are
    closed at the end of the session.
    """
    clients: list[httpx.Client] = []

    def make(app: object, api_key: str | None = DEMO_KEY) -> httpx.Client:
        headers = {"x-api-key": api_key} if api_key is not None else {}
        transport = SyncASGITransport(app)
        client = httpx.Client(transport=transport, base_url="http://sandbox.test", headers=headers)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def small_dataset() -> Dataset:
    """A generated dataset of 3,000 calls; treat it as read-only (apps copy what they change)."""
    return generate(seed=11, n_calls=3000)


@pytest.fixture(scope="session")
def sandbox_app(small_dataset: Dataset):
    """A fault-free sandbox app over `small_dataset`, shared: do not insert or update through it."""
    return create_app(small_dataset)


@pytest.fixture(scope="session")
def sandbox_http(sandbox_app, asgi_client) -> httpx.Client:
    """An httpx client for `sandbox_app` that sends the demo key."""
    return asgi_client(sandbox_app)


@pytest.fixture(scope="session")
def spark():
    """One local PySpark session (2 cores, UTC) for every test module that runs on Spark;
    skips without PySpark or a Java runtime."""
    import os
    import shutil

    pytest.importorskip(
        "pyspark", reason="PySpark is not installed (pip install 'dialstats[spark]')"
    )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs a Java runtime (apt-get install default-jre-headless)")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("dialstats-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        # Small inputs: no re-planning per query; the JVM in UTC with a serial collector.
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC -XX:+UseSerialGC")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# The quick loop is `pytest -m "not slow"`. What it leaves out is chosen here, not in the test
# files, from `pytest --durations=0` on the whole suite: keys are a test module
# ("test_x.py"), one test or class in it ("test_x.py::test_name", all its parameters) or a
# doctest by its dotted name ("dialstats.sandbox._serve.serve"). Browser and notebook tests are slow
# too; so is, wherever it lives, any test that uses a fixture in SLOW_FIXTURES and any
# hypothesis test.
BROWSER: dict[str, str] = {
    "test_report_browser.py": "renders the demo report, then loads it in headless Chromium",
}
_KERNEL = "renders the report notebook in a Jupyter kernel"
NOTEBOOK: dict[str, str] = {
    "test_notebooks.py": "runs every demo notebook again in a kernel",
    "test_report_weekly.py": _KERNEL + " for each period, rep and data source",
    "test_report_wording.py": _KERNEL + " for every page variant (one module fixture, ~30 s)",
    "test_report_escaping.py": _KERNEL + " over data full of markup",
    "test_report_render.py::test_every_chart_is_embedded_whatever_mplbackend_says": _KERNEL,
    "test_report_render.py::test_report_runs_the_notebook_with_parameters_and_writes_html_and_ipynb": (
        _KERNEL
    ),
    "test_report_render.py::test_show_code_keeps_the_code": _KERNEL,
    "test_cli_in_a_shell.py::test_a_bad_parameter_raised_in_the_kernel_is_said_as_the_flag": _KERNEL,
    "test_cli_in_a_shell.py::test_report_is_quiet_and_names_both_files": _KERNEL,
    "test_cli_in_a_shell.py::test_report_verbose_shows_the_cells": _KERNEL,
}
_SUBPROCESS = "runs the command in a fresh interpreter"
_PLANTED = "generates datasets of thousands of calls to check effects planted in them"
_COVERAGE = "repeats an analysis over many simulated datasets to measure its error rate"
_SERVER = "serves the sandbox over loopback HTTP and waits on real time (retries, timeouts)"
SLOW: dict[str, str] = {
    # whole modules
    "test_cli_in_a_shell.py": "every test runs the `dialstats` command in a subprocess",
    "test_demo_data.py": "generates the 24,000-call demo data again to compare with the file",
    "test_generate.py": "generates full datasets per seed and checks what was planted",
    "test_number_health_planted.py": _PLANTED,
    "test_attempts_planted.py": _PLANTED,
    "test_plot_legibility.py": "draws every chart variant and measures where its text lands",
    "test_reliability.py": "reads from hostile servers until a pass is consistent",
    "test_store_cache.py": "syncs stores from the demo data (24,000 calls)",
    "test_store_future_updates.py": "syncs stores over loopback HTTP with the clock moved",
    "test_store_crash.py": "kills syncing subprocesses at every step",
    "test_store_damage.py": "syncs a fresh store per test, then damages it",
    "test_store_scan.py": "scans stores with DuckDB and Polars",
    "test_store_sync.py": "syncs stores while the sandbox changes under them",
    # single tests (every parameter)
    "test_activity.py::test_planted_session_gaps_are_found": _PLANTED,
    "test_amd_audit.py::test_planted_amd_error_rates_inside_the_intervals": _PLANTED,
    "test_analysis_frame_kinds.py::test_periods_are_the_same_for_every_timestamp_unit": (
        "18 analyses of the demo data, each in three timestamp units"
    ),
    "test_analysis_stats.py::test_intervals_widened_for_overdispersion_cover_the_long_run_rate": (
        _COVERAGE
    ),
    "test_analysis_stats.py::test_no_rep_is_called_different_when_only_the_list_mix_differs": (
        _COVERAGE
    ),
    "test_analysis_stats.py::test_smoothed_best_time_is_closer_to_the_truth_and_more_reliable": (
        _COVERAGE
    ),
    "test_analysis_stats.py::test_ratio_to_expected_intervals_cover_the_truth": _COVERAGE,
    "test_analysis_stats.py::test_compare_under_a_true_null_calls_few_groups_different": _COVERAGE,
    "test_attempts.py::test_rates_and_reach_cover_the_truth_at_nominal_level": _COVERAGE,
    "test_client.py::test_retry_after_is_honoured": _SERVER,
    "test_imports.py::test_demo_read_and_statistics_work_after_a_light_import": _SUBPROCESS,
    "test_imports.py::test_the_analyses_reader_and_store_load_on_first_use": _SUBPROCESS,
    "test_pages.py::test_split_filters_keeps_each_id_once_and_every_part_under_the_bound": (
        "splits 600 x 400 ids and checks every pair"
    ),
    "test_pages.py::test_calls_deleted_during_the_read_do_not_come_back": (
        "reads the sandbox again and again while calls are deleted"
    ),
    "test_pages.py::test_calls_that_leave_the_filter_during_the_read_are_not_returned": (
        "reads the sandbox again and again while calls change"
    ),
    "test_pages.py::test_retry_after_zero_garbage_seconds_and_dates_are_honoured": _SERVER,
    "test_pages.py::test_retry_after_on_every_answer_is_bounded_by_max_page_time": _SERVER,
    "test_pages.py::test_updates_that_move_calls_out_of_a_filter_in_the_sandbox_are_not_returned": (
        _SERVER
    ),
    "test_pages.py::test_a_server_trickling_bytes_times_out_on_the_whole_request": _SERVER,
    "test_plot_charts.py::test_best_time_heatmap": "draws heatmaps of the whole demo data",
    "test_sandbox_call_log.py::test_every_filter_matches_the_reference": (
        "pages through the sandbox for every filter case"
    ),
    "test_sandbox_call_log.py::test_sort_on_any_field_with_id_tie_break": (
        "pages through the sandbox for every sort field"
    ),
    "test_sandbox_serve.py::test_the_command_prints_the_demo_key_hint": _SUBPROCESS,
    "test_sandbox_serve.py::test_the_command_speaks_the_spec_dialect_and_takes_the_overview_down": (
        _SUBPROCESS
    ),
    "test_sandbox_serve.py::test_the_command_serves_until_interrupted": _SUBPROCESS,
    "test_zones.py::test_sandbox_zones_resolve": _SERVER,
    "test_activity.py::test_no_planted_gaps_gives_few_sessions": _PLANTED,
    "test_attempts.py::test_double_dial_no_effect_under_no_effect": _PLANTED,
    "test_attempts.py::test_double_dial_lift_recovered": _PLANTED,
    "test_analysis_stats.py::test_shrunken_rates_have_lower_error_and_cover": _COVERAGE,
    "test_plot_charts.py::test_machine_detection_views": "draws every view of the whole demo data",
    # doctests that read the whole demo data through the in-process sandbox (~1.5 s each)
    **dict.fromkeys(
        [
            "dialstats",
            "dialstats.accessor",
            "dialstats.analysis",
            "dialstats.analysis._activity.activity",
            "dialstats.analysis._attempts",
            "dialstats.analysis._flags.flags",
            "dialstats.analysis._leaderboard.leaderboard",
            "dialstats.analysis._metrics.grouped_counts",
            "dialstats.plot",
        ],
        "reads the whole demo data (240 pages through the in-process sandbox)",
    ),
}
SLOW_FIXTURES: dict[str, str] = {
    "spark": "starts a local Spark (a JVM, ~10 s) and runs Spark jobs",
}
# Doctests whose example no longer matches the code, in files being changed by others: skipped
# by name until their docstrings are fixed, so the suite stays green meanwhile.
STALE_DOCTESTS: dict[str, str] = {
    "dialstats.report.Period": "uses `dt` without importing datetime (it now runs in report's "
    "namespace, where Period is exported)",
    "dialstats.sandbox._app": "uses httpx without importing it, and `async with` / `await`, "
    "which a doctest cannot run",
    "dialstats.sandbox._serve.serve": "uses httpx without importing it; the dict .json() prints "
    "is not shown",
    "dialstats.sandbox._state.Sandbox": "uses an `app` it never makes; insert/update and the "
    "request count print results that are not shown",
    "dialstats.sandbox._store.CallStore": "uses a `dataset` it never makes",
}


def _keys(item: pytest.Item) -> set[str]:
    """The table keys that name `item`: its module, each class and the test, or a doctest's name."""
    if isinstance(item, pytest.DoctestItem):
        return {item.name}
    key = item.path.name
    keys = {key}
    for part in item.nodeid.split("[", 1)[0].split("::")[1:]:
        key = f"{key}::{part}"
        keys.add(key)
    return keys


def _is_hypothesis_test(item: pytest.Item) -> bool:
    # hypothesis marks the functions @given wraps; a doctest or notebook has no `obj`.
    return getattr(getattr(item, "obj", None), "is_hypothesis_test", False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow, browser and notebook tests from the tables above; skip stale doctests."""
    for item in items:
        keys = _keys(item)
        if isinstance(item, pytest.DoctestItem) and item.name in STALE_DOCTESTS:
            # Skipped when run, not by a skip mark: a mark reports the item's line, which a
            # doctest found through a re-exported class (dialstats.report.Period) lacks; and
            # this file's runtest hooks do not reach items outside tests/.
            item.runtest = functools.partial(pytest.skip, f"stale: {STALE_DOCTESTS[item.name]}")
        browser = bool(keys & BROWSER.keys())
        # nbmake's items: a notebook named on the command line.
        notebook = bool(keys & NOTEBOOK.keys()) or item.path.suffix == ".ipynb"
        # A parameter may name the fixture too: an engine test asks for "spark" with
        # request.getfixturevalue only in its "spark" case.
        callspec = getattr(item, "callspec", None)
        params = {v for v in callspec.params.values() if isinstance(v, str)} if callspec else set()
        used = set(getattr(item, "fixturenames", ())) | params
        slow_fixture = bool(SLOW_FIXTURES.keys() & used)
        # A property test runs hypothesis' 100 generated examples, many over whole frames.
        hypothesis = _is_hypothesis_test(item)
        if browser:
            item.add_marker(pytest.mark.browser)
        if notebook:
            item.add_marker(pytest.mark.notebook)
        if browser or notebook or slow_fixture or hypothesis or keys & SLOW.keys():
            item.add_marker(pytest.mark.slow)

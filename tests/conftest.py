"""Shared fixtures: the demo call log, small generated datasets, and sandbox apps reached through
plain httpx."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import httpx
import pandas as pd
import pytest

import dialstats as ds
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
def demo() -> pd.DataFrame:
    """The demo call log (24,000 calls), read once per run on first use, so collecting a module
    costs nothing. Shared: copy it before changing it (``demo.copy()`` takes milliseconds)."""
    return ds.read_call_logs(demo=True)


@pytest.fixture(scope="session")
def demo_arrow() -> pd.DataFrame:
    """`demo` with pyarrow dtypes, read once per run; shared like `demo`."""
    return ds.read_call_logs(demo=True, dtype_backend="pyarrow")


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


# The quick loop is `pytest -m "not slow"` (under 60 s on two cores); CI runs everything. What it
# leaves out is chosen here, not in the test files, from `pytest --durations=0`: keys are a test
# module's file name ("test_x.py", unique across tests/), one test or class in it
# ("test_x.py::test_name", all its parameters) or a doctest by its dotted name
# ("dialstats.sandbox._serve.serve"). Browser and notebook tests are slow too; so is, wherever it
# lives, any test that uses a fixture in SLOW_FIXTURES, any hypothesis test and any doctest that
# reads the demo data. Each folder of tests/ keeps its cheap tests in the quick loop (hand-built
# frames, in-process sandboxes), so every package is still checked there.
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
    "test_report_render.py::test_a_failing_cell_exits_1_with_its_error_and_leaves_the_old_report": (
        _KERNEL
    ),
    "test_cli_in_a_shell.py::test_a_bad_parameter_raised_in_the_kernel_is_said_as_the_flag": _KERNEL,
    "test_cli_in_a_shell.py::test_report_is_quiet_and_names_both_files": _KERNEL,
    "test_cli_in_a_shell.py::test_report_verbose_shows_the_cells": _KERNEL,
}
_SUBPROCESS = "runs the command in a fresh interpreter"
_PLANTED = "generates datasets of thousands of calls to check effects planted in them"
_COVERAGE = "repeats an analysis over many simulated datasets to measure its error rate"
_SERVER = "serves the sandbox over loopback HTTP and waits on real time (retries, timeouts)"
_LOOPBACK = "starts a server on loopback HTTP for each case"
_ENGINES = "runs each analysis on every engine (Polars, DuckDB, pyarrow) over the demo data"
_DEMO = "reads the whole demo data (240 pages through the in-process sandbox)"
SLOW: dict[str, str] = {
    # tests/ (whole package)
    "test_attempts.py": "simulates dials with known truth; test_attempts_planted.py generates them",
    "test_public_surface.py::test_base_url_with_the_version_is_not_doubled": _LOOPBACK,
    "test_signatures.py": "calls every analysis and chart twice on the demo data it reads itself",
    # tests/api
    "test_page_next.py::test_a_loop_over_next_reads_every_call_once": (
        _LOOPBACK + " and reads 3,000 calls in each dialect"
    ),
    "test_client.py::test_only_a_demo_client_loads_the_sandbox": _SUBPROCESS,
    "test_client.py::test_retry_after_is_honoured": _SERVER,
    "test_client.py::test_timeouts_are_retried_then_raised": _SERVER,
    "test_client.py::test_max_concurrency_bounds_the_pages_in_flight": _SERVER,
    "test_reference_readers.py": "reads each endpoint of the demo and of loopback sandboxes",
    "test_pages.py": _LOOPBACK + " (~15 s in all); test_read_call_logs.py pages in the quick loop",
    "test_reliability.py": "reads from hostile servers until a pass is consistent",
    # tests/analysis
    "test_engines.py::test_answer_rates_on_every_engine": _ENGINES,
    "test_engines.py::test_disposition_funnel_on_every_engine": _ENGINES,
    "test_engines.py::test_a_zone_other_than_utc": _ENGINES,
    "test_engines.py::test_an_object_that_is_no_frame_is_refused_by_name": (
        "calls every analysis on a frame of each refused type"
    ),
    "test_engines_more.py": _ENGINES + " (leaderboard, trend and compare, ~30 s)",
    "test_engines_tables.py": _ENGINES + " (every other table, ~25 s)",
    "test_engines_adversarial.py": _ENGINES + " on awkward inputs (~60 s)",
    "test_engines_contacts.py": _ENGINES + " (the analyses per contact, ~25 s)",
    "test_engines_spark.py": "imports PySpark; its other tests run on Spark",
    "test_number_health_planted.py": _PLANTED,
    "test_attempts_planted.py": _PLANTED,
    "test_activity.py::test_planted_session_gaps_are_found": _PLANTED,
    "test_activity.py::test_no_planted_gaps_gives_few_sessions": _PLANTED,
    "test_amd_audit.py::test_planted_amd_error_rates_inside_the_intervals": _PLANTED,
    "test_amd_audit.py::test_no_planted_errors_gives_bounds_near_zero": _PLANTED,
    "test_analysis_frame_kinds.py::test_periods_are_the_same_for_every_timestamp_unit": (
        "18 analyses of the demo data, each in three timestamp units"
    ),
    "test_analysis_frame_kinds.py::test_active_days_follow_tz_on_every_backend_and_naive_frames": (
        "activity of the demo data on each backend and zone"
    ),
    "test_analysis_stats.py": "simulates calls with known rates, many datasets for some tests",
    "test_number_health.py": "simulates calls with known truth for each effect and its absence",
    "test_contact_zones.py::test_sandbox_zones_resolve": _SERVER,
    # tests/cli
    "test_cli_in_a_shell.py": "every test runs the `dialstats` command in a subprocess",
    "test_cli_pull.py::test_a_snapshot_file_holds_the_full_read_typed_and_filtered": _DEMO,
    "test_cli_pull.py::test_a_store_is_synced_then_brought_up_to_date": _DEMO,
    "test_cli_pull.py::test_demo_snapshot": _DEMO,
    # tests/plot
    "test_plot_gaps.py::test_trend_by_list_draws_the_calls_of_no_list_and_counts_what_it_draws": (
        "draws a trend of the whole demo data per list"
    ),
    "test_plot_gaps.py::test_number_health_leaves_out_the_partial_week_and_marks_thin_ones": (
        "draws the whole demo data's weekly number health"
    ),
    "test_plot_gaps.py::test_date_ticks_read_at_the_scale_of_the_periods": (
        "draws the whole demo data over three years"
    ),
    "test_plot_charts.py": (
        "draws every chart to a PNG (~5 s); test_plot_amd_talk_activity.py draws in the quick loop"
    ),
    "test_plot_metadata.py": "draws each chart from results with and without attrs (~12 s)",
    "test_plot_legibility.py": "draws every chart variant and measures where its text lands",
    # tests/sandbox
    "test_demo_data.py": "generates the 24,000-call demo data again to compare with the file",
    "test_generate.py": "generates full datasets per seed and checks what was planted",
    "test_generate_stages.py": "generates datasets to compare with pinned fingerprints",
    "test_sandbox_call_log.py::test_every_filter_matches_the_reference": (
        "pages through the sandbox for every filter case"
    ),
    "test_sandbox_call_log.py::test_sort_on_any_field_with_id_tie_break": (
        "pages through the sandbox for every sort field"
    ),
    "test_sandbox_faults.py": "pages through faulty sandboxes, from many threads or with delays",
    "test_sandbox_serve.py": _LOOPBACK + " (or the command, in a subprocess)",
    # tests/store
    "test_store_phone_filters.py::test_a_search_finds_every_number_of_the_contact_as_the_api_does": (
        "reads the API and a synced store for each search term"
    ),
    "test_store_cache.py": "syncs stores from the demo data (24,000 calls)",
    "test_store_connections.py": "syncs over loopback servers that count TCP connections",
    "test_store_future_updates.py": "syncs stores over loopback HTTP with the clock moved",
    "test_store_crash.py": "kills syncing subprocesses at every step",
    "test_store_damage.py": "syncs a fresh store per test, then damages it",
    "test_store_scan.py": "scans stores with DuckDB and Polars",
    "test_store_sync.py": "syncs stores while the sandbox changes under them",
    # tests/ (whole package)
    "test_imports.py::test_demo_read_and_statistics_work_after_a_light_import": _SUBPROCESS,
    "test_imports.py::test_the_analyses_reader_and_store_load_on_first_use": _SUBPROCESS,
    # doctests (those that read the demo data are slow wherever they are, see _reads_demo)
    **dict.fromkeys(
        [
            "dialstats.sandbox._app",
            "dialstats.sandbox._generate",
            "dialstats.sandbox._generate._assemble",
            "dialstats.sandbox._generate._assemble.generate",
            "dialstats.sandbox._generate._cast",
            "dialstats.sandbox._generate._live",
            "dialstats.sandbox._generate._live.new_call",
            "dialstats.sandbox._serve.serve",
            "dialstats.sandbox._state.Sandbox",
            "dialstats.sandbox._store.CallStore",
        ],
        "generates a dataset of hundreds or thousands of calls first",
    ),
}
SLOW_FIXTURES: dict[str, str] = {
    "spark": "starts a local Spark (a JVM, ~10 s) and runs Spark jobs",
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


def _reads_demo(item: pytest.Item) -> bool:
    # A docstring example that reads the demo data pages through the in-process sandbox
    # (0.3-1.5 s each); nearly every analysis and chart shows one.
    test = getattr(item, "dtest", None)
    return test is not None and any("demo=True" in example.source for example in test.examples)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow, browser and notebook tests from the tables above."""
    for item in items:
        keys = _keys(item)
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
        demo_doctest = _reads_demo(item)
        if browser or notebook or slow_fixture or hypothesis or demo_doctest or keys & SLOW.keys():
            item.add_marker(pytest.mark.slow)

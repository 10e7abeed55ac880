"""The Python surface's rough edges: did-you-mean hints, period spellings, plots' by=, clean
namespaces, the accessor's repr, the base URL's version suffix, a refused connection."""

from __future__ import annotations

import importlib
import inspect
import pickle
import socket
import time

import matplotlib
import pytest

import dialstats as ds
from dialstats.errors import ApiConnectionError, InvalidParameterError
from dialstats.sandbox import generate, serve

matplotlib.use("Agg")

KEY = "polish-key"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# --- did you mean ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "closest"),
    [("rep", "user_name"), ("user_nme", "user_name"), ("list", "contact_list_name")],
)
def test_missing_column_suggests_the_closest(demo, by, closest):
    with pytest.raises(ds.MissingColumnError, match=rf"did you mean '{closest}'\?"):
        ds.answer_rates(demo, by=by)


def test_missing_column_without_a_close_one_has_no_hint(demo):
    with pytest.raises(ds.MissingColumnError) as caught:
        ds.answer_rates(demo, by="zzzz")
    assert "did you mean" not in str(caught.value)


def test_enum_filter_suggests_the_case_insensitive_match():
    with pytest.raises(InvalidParameterError, match=r"did you mean 'answered'\?") as caught:
        ds.read_call_logs(demo=True, outcome="Answered")
    assert caught.value.parameter == "outcome"


@pytest.mark.parametrize(
    ("freq", "alias"), [("week", "W"), ("Weekly", "W"), ("day", "D"), ("month", "MS")]
)
def test_spelled_out_freq_suggests_the_alias_once(demo, freq, alias):
    with pytest.raises(InvalidParameterError) as caught:
        ds.trend(demo, freq=freq)
    message = str(caught.value)
    assert f"(did you mean '{alias}'?)" in message
    assert message.count(repr(freq)) == 1, message  # pandas' own text repeated it


# --- periods -----------------------------------------------------------------------------


def test_overview_refuses_both_spellings(demo):
    with pytest.raises(TypeError, match="multiple values"):
        ds.overview(demo, "2026-10-05", start="2026-10-05")


# --- plots take by= where their analysis does --------------------------------------------


def test_machine_detection_plot_takes_by(demo):
    ax = demo.calls.plot.machine_detection(by="user_name")
    assert ax.get_title() == "Answered by a machine"  # beside it, the AMD error bounds
    # The AMD panel is named by its legend, leaving the title space to the returned Axes.
    assert ax.figure.axes[1].get_legend().get_title().get_text().startswith("AMD errors")
    same = ds.plot.machine_detection(ds.machine_detection(demo, by="user_name"))
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        t.get_text() for t in same.get_yticklabels()
    ]


def test_machine_detection_plot_refuses_by_on_a_result(demo):
    with pytest.raises(InvalidParameterError, match="already a result"):
        ds.plot.machine_detection(ds.machine_detection(demo, by="user_name"), by="user_name")


def test_trend_plot_takes_by_and_its_result(demo):
    ax = ds.plot.trend(demo, metric="connect_rate", by="user_name")
    reps = demo["user_name"].dropna().unique()
    assert len(ax.get_lines()) == len(reps)
    again = ds.plot.trend(ds.trend(demo, "user_name", metric="connect_rate"))
    assert len(again.get_lines()) == len(reps)


# --- namespaces and the accessor ---------------------------------------------------------


def test_dir_of_plot_is_the_charts():
    assert dir(ds.plot) == sorted(ds.plot.__all__)
    assert not {"np", "pd", "check_frame", "stats", "warnings"} & set(dir(ds.plot))


def test_dir_of_the_package_is_its_public_names():
    names = set(dir(ds))
    assert names == set(ds.__all__)
    assert not {"annotations", "accessor", "api", "frame", "analysis"} & names


FACES = ("errors", "api", "frame", "analysis", "plot", "store", "report", "sandbox")


def test_public_classes_name_a_public_module():
    # Pickles and reprs name where a class is exported from, so moving its code between private
    # modules never breaks a pickled Definitions or a documented path.
    packages = [ds, *(importlib.import_module(f"dialstats.{name}") for name in FACES)]
    classes = {
        f"{package.__name__}.{name}": getattr(package, name)
        for package in packages
        for name in package.__all__
        if inspect.isclass(getattr(package, name))
    }
    assert {"dialstats.Definitions", "dialstats.Client", "dialstats.errors.FrameTypeError"} <= set(
        classes
    )
    private = {
        name: cls.__module__
        for name, cls in classes.items()
        if any(part.startswith("_") for part in cls.__module__.split("."))
    }
    assert not private, f"classes shown from private modules: {private}"
    definitions = ds.Definitions(reached={"Not a Decision Maker"}, conversation_seconds=30)
    assert pickle.loads(pickle.dumps(definitions)) == definitions
    assert b"dialstats.analysis" in pickle.dumps(definitions)


def test_accessor_repr_lists_its_methods(demo):
    text = repr(demo.calls)
    assert text.startswith(f"<df.calls: {len(demo):,} calls; methods: activity, activity_hours, ")
    assert "answer_rates" in text
    assert "funnel" in text and "0x" not in text
    assert repr(demo.calls.plot).startswith("<df.calls.plot: ")


def test_one_funnel_name_on_the_accessor(demo):
    assert "funnel" in dir(demo.calls)
    assert "disposition_funnel" not in dir(demo.calls)


# --- the client ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["/v1", "/v1/"])
def test_base_url_with_the_version_is_not_doubled(suffix):
    with serve(generate(seed=5, n_calls=150), api_key=KEY) as url:
        frame = ds.read_call_logs(api_key=KEY, base_url=url + suffix, progress=False)
    assert len(frame) == 150


def test_refused_connection_fails_fast_and_says_so():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ApiConnectionError, match="connection refused") as caught:
        ds.read_call_logs(api_key=KEY, base_url=f"http://127.0.0.1:{port}", progress=False)
    assert time.monotonic() - started < 1.0
    assert "nothing is listening" in str(caught.value)
    assert KEY not in str(caught.value)

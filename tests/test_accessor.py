"""`df.calls`: each analysis and chart as a method of any call-log frame."""

from __future__ import annotations

import inspect
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import dialstats as ds
from test_analysis_core import SAMPLE, calls


@pytest.fixture
def sample() -> pd.DataFrame:
    return calls(*SAMPLE)


@pytest.mark.parametrize(
    ("method", "function", "kwargs"),
    [
        ("flags", ds.flags, {}),
        ("answer_rates", ds.answer_rates, {"by": "user_name"}),
        ("machine_detection", ds.machine_detection, {"by": "answered_by"}),
        ("machine_detection_matrix", ds.machine_detection_matrix, {"normalize": "index"}),
        ("funnel", ds.disposition_funnel, {"by": "user_name"}),
        ("disposition_breakdown", ds.disposition_breakdown, {"level": "category"}),
        ("sdr_performance", ds.sdr_performance, {}),
        ("list_performance", ds.list_performance, {}),
        ("sequence_performance", ds.sequence_performance, {}),
        ("best_time_to_call", ds.best_time_to_call, {"min_dials": 1}),
        ("overview", ds.overview, {"start_date": "2024-03-04"}),
    ],
)
def test_each_method_is_the_function_on_the_frame(sample, method, function, kwargs):
    assert_frame_equal(getattr(sample.calls, method)(**kwargs), function(sample, **kwargs))


def test_methods_show_the_real_parameters_and_docs(sample):
    signature = inspect.signature(sample.calls.answer_rates)
    assert list(signature.parameters) == ["by", "freq", "confidence", "definitions"]
    assert "Wilson" in sample.calls.answer_rates.__doc__
    assert list(inspect.signature(sample.calls.plot.funnel).parameters)[:2] == ["ax", "by"]


def test_positional_arguments_pass_through(sample):
    assert_frame_equal(
        sample.calls.answer_rates("user_name", freq="D"),
        ds.answer_rates(sample, "user_name", freq="D"),
    )


def test_a_frame_without_a_needed_column_names_it(sample):
    with pytest.raises(
        ds.MissingColumnError, match=r"disposition_funnel\(\) needs column 'outcome'"
    ):
        sample.drop(columns="outcome").calls.funnel()
    with pytest.raises(ds.MissingColumnError, match="'user_id'"):
        pd.DataFrame({"duration": [1]}).calls.sdr_performance()


def test_plots_through_the_accessor(sample, tmp_path):
    for chart in ("funnel", "answer_rates", "machine_detection", "durations"):
        ax = getattr(sample.calls.plot, chart)()
        assert isinstance(ax, matplotlib.axes.Axes) and ax.get_title()
    ax = sample.calls.plot.best_time_to_call(min_dials=1)
    ax.figure.savefig(tmp_path / "heatmap.png")
    assert (tmp_path / "heatmap.png").stat().st_size > 5_000
    plt.close("all")


def test_importing_dialstats_registers_the_accessor_without_matplotlib():
    code = (
        "import sys, pandas as pd, dialstats\n"
        "assert hasattr(pd.DataFrame(), 'calls')\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

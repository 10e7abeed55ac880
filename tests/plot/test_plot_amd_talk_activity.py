"""Charts of the AMD audit, talk time and activity render, and say what they show."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError
from test_analysis_core import SAMPLE, calls


@pytest.fixture
def frame():
    return calls(*SAMPLE)


def test_machine_rates_and_amd_errors_on_their_own_axes(frame, tmp_path):
    left = ds.plot.machine_detection(ds.machine_detection(frame, by="user_name"))
    right = left.figure.axes[1]
    assert left.get_title() == "Answered by a machine"
    assert right.get_legend().get_title().get_text().startswith("AMD errors: lower bounds")
    assert not right.get_title()  # the space above both panels is the returned Axes' title's
    assert left.get_xlim() != right.get_xlim()  # 70% bars no longer squash 5% error bars
    legend = [t.get_text() for t in right.get_legend().get_texts()]
    assert legend == [
        "People labelled machine (of people)",
        "Machines labelled person (of machines)",
    ]
    left.figure.savefig(tmp_path / "amd.png")
    figure, ax = plt.subplots()
    split = ds.plot.machine_detection(ds.machine_detection(frame), ax=ax)
    assert len(figure.axes) == 2 and split in figure.axes
    with pytest.raises(InvalidParameterError, match="ax"):
        ds.plot.machine_detection(ds.machine_detection(frame), ax="left")


def test_talk_time_and_activity_charts(frame, tmp_path):
    ax = frame.calls.plot.talk_time(by="user_name", thresholds=(30, 60))
    assert ax.get_xscale() == "log"
    assert {t.get_text() for t in ax.texts} >= {
        "30 s: 100%",
        "60 s: 67%",
    }  # connects of 90, 30 and 75 s
    ax.figure.savefig(tmp_path / "talk.png")
    heat = frame.calls.plot.activity(tz="America/New_York")
    assert "America/New_York" in heat.get_xlabel()
    hours = ds.activity_hours(frame, tz="America/New_York")
    assert ds.plot.activity(hours).get_title() == heat.get_title()
    heat.figure.savefig(tmp_path / "activity.png")
    empty = calls()
    assert ds.plot.talk_time(empty).texts[0].get_text() == "No calls to show"
    assert ds.plot.activity(empty, tz="UTC").texts[0].get_text() == "No calls to show"

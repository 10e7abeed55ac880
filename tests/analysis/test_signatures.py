"""One signature pattern for the analyses: the new spellings raise no warning, each old one
warns naming the new call and gives the identical result; the charts draw the analyses'
results."""

from __future__ import annotations

import inspect
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import polars as pl
import pytest

import dialstats as ds
from dialstats._registry import METHODS
from dialstats.errors import InvalidParameterError

TZ = "America/New_York"
# Each analysis called the new way.
NEW = {
    "activity": {"tz": TZ, "idle": "20min"},
    "activity_hours": {"tz": TZ},
    "activity_sessions": {"tz": TZ},
    "amd_audit": {},
    "amd_evidence": {},
    "answer_rates": {"freq": "W"},
    "attempt_curve": {"metric": "answer_rate", "max_attempt": 3},
    "best_time_to_call": {"metric": "answer_rate", "tz": TZ, "min_dials": 10},
    "compare": {"metric": "answer_rate"},
    "contact_attempts": {},
    "disposition_breakdown": {"level": "category"},
    "disposition_funnel": {},
    "double_dial": {"within": "10min"},
    "flags": {},
    "leaderboard": {"metric": "answer_rate"},
    "list_performance": {"tz": TZ},
    "local_presence": {"metric": "connect_rate", "adjust_for": None},
    "machine_detection": {},
    "machine_detection_matrix": {"normalize": True},
    "number_health": {"freq": "W"},
    "overview": {"start_date": "2026-10-05", "end_date": "2026-10-11", "tz": "UTC"},
    "sdr_performance": {"tz": TZ},
    "sequence_performance": {"tz": TZ},
    "talk_time": {"thresholds": (30, 60)},
    "talk_time_survival": {},
    "talk_time_thresholds": {"thresholds": (30, 60)},
    "trend": {"metric": "answer_rate", "freq": "W"},
}
# Old spelling -> the new one and the words the warning suggests.
OLD = [
    (lambda df: ds.trend(df, "connect_rate", "W"),
     lambda df: ds.trend(df, metric="connect_rate", freq="W"),
     'write trend(df, metric="connect_rate", freq="W")'),
    (lambda df: ds.trend(df, "answer_rate", "W", "user_name"),
     lambda df: ds.trend(df, "user_name", metric="answer_rate", freq="W"),
     'write trend(df, "user_name", metric="answer_rate", freq="W")'),
    (lambda df: ds.answer_rates(df, "user_name", "W"),
     lambda df: ds.answer_rates(df, "user_name", freq="W"),
     'write answer_rates(df, "user_name", freq="W")'),
    (lambda df: ds.compare(df, "user_name", "answer_rate"),
     lambda df: ds.compare(df, "user_name", metric="answer_rate"),
     'write compare(df, "user_name", metric="answer_rate")'),
    (lambda df: ds.leaderboard(df, "user_name", "connect_rate", None, "bh", 0.9),
     lambda df: ds.leaderboard(df, "user_name", metric="connect_rate", confidence=0.9,
                               method="bh"),
     "confidence=0.9"),
    (lambda df: ds.attempt_curve(df, "answer_rate", 3),
     lambda df: ds.attempt_curve(df, metric="answer_rate", max_attempt=3),
     'write attempt_curve(df, metric="answer_rate", max_attempt=3)'),
    (lambda df: ds.double_dial(df, "10min"), lambda df: ds.double_dial(df, within="10min"),
     'write double_dial(df, within="10min")'),
    (lambda df: ds.best_time_to_call(df, "UTC", "answer_rate", 10),
     lambda df: ds.best_time_to_call(df, metric="answer_rate", tz="UTC", min_dials=10),
     'write best_time_to_call(df, metric="answer_rate", tz="UTC", min_dials=10)'),
    (lambda df: ds.best_time_to_call(df, "UTC", wide=False),
     lambda df: ds.best_time_to_call(df, tz="UTC", wide=False),
     'write best_time_to_call(df, tz="UTC", wide=False)'),
    (lambda df: ds.local_presence(df, None, "connect_rate"),
     lambda df: ds.local_presence(df, metric="connect_rate", adjust_for=None),
     'write local_presence(df, metric="connect_rate", adjust_for=None)'),
    (lambda df: ds.local_presence(df, "user_name", confidence=0.9),
     lambda df: ds.local_presence(df, confidence=0.9, adjust_for="user_name"),
     'write local_presence(df, confidence=0.9, adjust_for="user_name")'),
    (lambda df: ds.disposition_funnel(df, None, None),
     lambda df: ds.disposition_funnel(df), "write disposition_funnel(df, None, stages=None)"),
    (lambda df: ds.amd_evidence(df, ds.VENDOR), lambda df: ds.amd_evidence(df, definitions=ds.VENDOR),
     "write amd_evidence(df, definitions="),
    (lambda df: ds.machine_detection_matrix(df, True),
     lambda df: ds.machine_detection_matrix(df, normalize=True),
     "write machine_detection_matrix(df, normalize=True)"),
    (lambda df: ds.number_health(df, 0.05, "bh", 50),
     lambda df: ds.number_health(df, confidence=0.95, method="bh", min_dials=50),
     'write number_health(df, confidence=0.95, method="bh", min_dials=50)'),
    (lambda df: ds.number_health(df, alpha=0.01),
     lambda df: ds.number_health(df, confidence=0.99), "one level now sets the flags"),
    (lambda df: ds.overview(df, "2026-10-05", "2026-10-11", tz="UTC"),
     lambda df: ds.overview(df, start_date="2026-10-05", end_date="2026-10-11", tz="UTC"),
     'write overview(df, tz="UTC", start_date="2026-10-05", end_date="2026-10-11")'),
    (lambda df: ds.overview(df, start="2026-10-05", tz="UTC"),
     lambda df: ds.overview(df, start_date="2026-10-05", tz="UTC"),
     'write overview(df, tz="UTC", start_date="2026-10-05")'),
    (lambda df: ds.activity(df, "user_name", "20min", TZ),
     lambda df: ds.activity(df, "user_name", tz=TZ, idle="20min"),
     'write activity(df, "user_name", tz="America/New_York", idle="20min")'),
    (lambda df: ds.activity(df, tz=TZ, table="summary"), lambda df: ds.activity(df, tz=TZ),
     'write activity(df, tz="America/New_York")'),
    (lambda df: ds.activity(df, idle="20min", tz=TZ, table="sessions"),
     lambda df: ds.activity_sessions(df, tz=TZ, idle="20min"),
     'write activity_sessions(df, tz="America/New_York", idle="20min")'),
    (lambda df: ds.activity(df, tz=TZ, table="hours"), lambda df: ds.activity_hours(df, tz=TZ),
     'write activity_hours(df, tz="America/New_York")'),
    (lambda df: ds.talk_time(df, "user_name", (30, 60)),
     lambda df: ds.talk_time(df, "user_name", thresholds=(30, 60)),
     'write talk_time(df, "user_name", thresholds=(30, 60))'),
    (lambda df: ds.talk_time(df, table="distribution"), lambda df: ds.talk_time(df),
     "write talk_time(df)"),
    (lambda df: ds.talk_time(df, thresholds=(45,), table="thresholds"),
     lambda df: ds.talk_time_thresholds(df, thresholds=(45,)),
     "write talk_time_thresholds(df, thresholds=(45,))"),
    (lambda df: ds.talk_time(df, by="user_name", table="survival"),
     lambda df: ds.talk_time_survival(df, "user_name"),
     'write talk_time_survival(df, "user_name")'),
    (lambda df: df.calls.answer_rates("user_name", "D"),
     lambda df: df.calls.answer_rates("user_name", freq="D"), 'freq="D"'),
]  # fmt: skip


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return ds.read_call_logs(demo=True)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def future(call, df):
    """The result of `call(df)` and the FutureWarnings it raised (other warnings ignored)."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        result = call(df)
    return result, [w for w in said if issubclass(w.category, FutureWarning)]


def same(a, b) -> None:
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs.keys() == b.attrs.keys()


def test_every_public_analysis_is_covered():
    assert set(NEW) == set(METHODS.values())


@pytest.mark.parametrize("name", sorted(NEW))
def test_the_new_spelling_raises_no_future_warning(demo, name):
    _, said = future(lambda df: getattr(ds, name)(df, **NEW[name]), demo)
    assert said == []


@pytest.mark.parametrize("name", sorted(NEW))
def test_only_df_and_by_are_positional(name):
    parameters = inspect.signature(getattr(ds, name)).parameters.values()
    positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional in (["df"], ["df", "by"])
    order = ["metric", "freq", "confidence", "definitions", "tz"]
    keywords = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.name in order]
    assert keywords == [name for name in order if name in keywords]


@pytest.mark.parametrize("case", range(len(OLD)))
def test_each_old_spelling_warns_and_gives_the_same_result(demo, case):
    old, new, suggestion = OLD[case]
    got, said = future(old, demo)
    assert len(said) == 1 and suggestion in str(said[0].message)
    assert "deprecated" in str(said[0].message)
    assert said[0].filename == __file__  # it points at the caller's line
    expected, none = future(new, demo)
    assert none == []
    same(got, expected)


# Analyses that warn on (part of) the demo data, with the words of the warning.
WARNS = [
    ("best_time_to_call", lambda df: df, {}, "no known contact time zone"),
    ("attempt_curve", lambda df: df, {}, "no contact_id or started_at"),
    ("contact_attempts", lambda df: df, {}, "no contact_id or started_at"),
    ("double_dial", lambda df: df, {}, "no contact_id or started_at"),
    ("activity", lambda df: df, {}, "no tz= was given"),
    ("overview", lambda df: df.iloc[:3000], {"start_date": "2026-08-01", "end_date": "2026-08-10"},
     "does not cover both periods"),
]  # fmt: skip


@pytest.mark.parametrize("how", ["ds.name(df)", "ds.name(polars)", "df.calls.name()"])
@pytest.mark.parametrize("name,part,kwargs,words", WARNS, ids=[case[0] for case in WARNS])
def test_a_warning_points_at_the_callers_line(demo, name, part, kwargs, words, how):
    # However deep an analysis warns, and through the keyword-only wrapper and the accessor,
    # the warning is reported at this file's line, not inside dialstats.
    df = part(demo)
    if how == "df.calls.name()":
        call = lambda: getattr(df.calls, name)(**kwargs)  # noqa: E731
    else:
        frame = pl.from_pandas(df) if how == "ds.name(polars)" else df
        call = lambda: getattr(ds, name)(frame, **kwargs)  # noqa: E731
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        call()
    mine = [w for w in said if words in str(w.message)]
    assert mine, [str(w.message) for w in said]
    assert all(w.filename == __file__ for w in mine), [(w.filename, w.lineno) for w in mine]


def test_trend_reads_its_second_argument_by_value(demo):
    # A metric name that is no column: the old order (metric first).
    _, said = future(lambda df: ds.trend(df, "connect_rate"), demo)
    assert 'write trend(df, metric="connect_rate")' in str(said[0].message)
    # A column: the new order, even when it is named like a metric.
    named = demo.assign(connect_rate=demo["user_name"])
    got, said = future(lambda df: ds.trend(df, "connect_rate"), named)
    assert said == []
    assert "connect_rate" in got.columns and got["connect_rate"].dtype != float
    same(got, ds.trend(named, by="connect_rate"))
    # A column that is no metric, and a list: `by`.
    assert future(lambda df: ds.trend(df, "user_name"), demo)[1] == []
    assert future(lambda df: ds.trend(df, ["user_name"]), demo)[1] == []
    # Neither a metric nor a column: `by`, refused as the missing column it names.
    with pytest.raises(ds.MissingColumnError, match="connect_rat"):
        ds.trend(demo, "connect_rat")
    # After `by`, nothing more is positional.
    with pytest.raises(TypeError, match="2 positional arguments"):
        ds.trend(demo, "user_name", "W")


def test_a_renamed_argument_that_disagrees_is_refused(demo):
    with pytest.raises(InvalidParameterError, match="give confidence only") as caught:
        ds.number_health(demo, alpha=0.01, confidence=0.95)
    assert caught.value.parameter == "alpha"
    with pytest.raises(InvalidParameterError, match="alpha"):
        ds.number_health(demo, alpha=5)
    with pytest.raises(InvalidParameterError, match="give start_date only"):
        ds.overview(demo, start="2026-10-05", start_date="2026-10-06")
    with pytest.raises(TypeError, match="multiple values"):
        ds.answer_rates(demo, "user_name", "W", freq="D")
    with pytest.raises(InvalidParameterError, match="did you mean 'hours'"):
        ds.activity(demo, tz=TZ, table="hour")
    with pytest.raises(InvalidParameterError, match="did you mean 'survival'"):
        ds.talk_time(demo, table="survivals")


def test_number_health_flags_below_one_minus_confidence(demo):
    health = ds.number_health(demo, min_dials=50)
    tested = health[health["p_adjusted"].notna()]
    expected = (tested["p_adjusted"] < 0.05) & (tested["drop"] < 1)
    assert tested["flagged"].tolist() == expected.tolist()
    assert health["flagged"].sum() > 0
    loose = ds.number_health(demo, min_dials=50, confidence=0.5)
    assert loose["flagged"].sum() >= health["flagged"].sum()


def test_the_number_health_chart_draws_the_analysis_rates(demo):
    ax = ds.plot.number_health(demo, freq="W")
    rates = ds.number_health(demo, freq="W")
    health = ds.number_health(demo)
    flagged = health.loc[health["flagged"].fillna(False), "from_e164"].tolist()
    lines = {
        line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")
    }
    assert set(lines) == {"Other numbers", *flagged}
    # The last week holds one dial: left out as partial, and the title says so.
    partial = rates["period"].max()
    assert ax.get_title().endswith(f"partial period left out: {partial:%d %b}")
    drawn_rates = rates[rates["period"] != partial]
    for label, line in lines.items():
        mine = (
            drawn_rates[drawn_rates["from_e164"].isna()]
            if label == "Other numbers"
            else drawn_rates[drawn_rates["from_e164"] == label]
        )
        np.testing.assert_array_equal(line.get_ydata(), mine["answer_rate"].to_numpy(float))
        drawn = pd.DatetimeIndex(matplotlib.dates.num2date(line.get_xdata(orig=False)))
        assert drawn.tz_convert("UTC").tolist() == mine["period"].dt.tz_convert("UTC").tolist()
    # Weeks are drawn at their Sunday, as answer_rates labels them.
    assert (rates["period"].dt.day_of_week == 6).all()


def test_the_talk_time_chart_draws_the_survival_and_the_shares(demo):
    ax = ds.plot.talk_time(demo, by="user_name", thresholds=(30, 60))
    survival = ds.talk_time_survival(demo, "user_name")
    shares = ds.talk_time(demo, thresholds=(30, 60))
    curves = [line for line in ax.get_lines() if "connects" in line.get_label()]
    assert len(curves) == min(8, survival["user_name"].nunique())
    for line in curves:
        name = line.get_label().rsplit(" (", 1)[0]
        mine = survival[survival["user_name"] == name]
        np.testing.assert_array_equal(line.get_ydata(), mine["share"].to_numpy(float))
        np.testing.assert_array_equal(
            line.get_xdata(), np.maximum(mine["seconds"].to_numpy(float), 1.0)
        )
    texts = [t.get_text() for t in ax.texts]
    for t in (30, 60):
        share = shares[f"at_least_{t}s_share"].iloc[0]
        assert f"{t} s: {share:.0%}" in texts


def test_talk_time_compares_durations_as_sent():
    # A 0.4 s connect is under a 1 s threshold (the chart once drew it at 1 s and counted it).
    calls = pd.DataFrame(
        {
            "answered_by": ["human", "human"],
            "disposition_id": [5, 5],
            "disposition_name": ["Not interested", "Not interested"],
            "duration": [0.4, 30.0],
        }
    )
    assert ds.talk_time(calls, thresholds=(1,))["at_least_1s_share"].iloc[0] == 0.5
    assert "1 s: 50%" in [t.get_text() for t in ds.plot.talk_time(calls, thresholds=(1,)).texts]
    assert ds.talk_time_survival(calls)["seconds"].tolist() == [0.4, 30.0]

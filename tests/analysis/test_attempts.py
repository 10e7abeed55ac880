"""Contact attempts, the attempt curve and double dials: proven on simulated dials with known truth."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialstats as ds
from dialstats.errors import InvalidParameterError
from dialstats.frame._schema import ANSWERED_BY, OUTCOMES

P = np.array([0.10, 0.12, 0.14, 0.16, 0.17, 0.18, 0.18, 0.17, 0.16, 0.15])
START = pd.Timestamp("2026-01-05 14:00", tz="UTC")


def frame(contact, started, human, meeting=None) -> pd.DataFrame:
    """A call-log frame: a person picks up (and is connected) where `human`, else no answer."""
    human = np.asarray(human, dtype=bool)
    meeting = np.zeros(len(human), bool) if meeting is None else np.asarray(meeting, bool)
    return pd.DataFrame(
        {
            "contact_id": pd.array(contact, dtype="string"),
            "started_at": pd.to_datetime(started, utc=True),
            "outcome": pd.Categorical(np.where(human, "answered", "no-answer"), OUTCOMES),
            "answered_by": pd.Categorical(np.where(human, "human", None), ANSWERED_BY),
            "disposition_id": pd.array(np.where(human, np.where(meeting, 1, 2), 10), dtype="Int64"),
            "from_e164": pd.array(["+12125550100"] * len(human), dtype="string"),
        }
    )


def simulate(
    rng: np.random.Generator,
    contacts: int,
    p: np.ndarray = P,
    *,
    quick_share: float = 0.0,
    lift: float = 1.0,
) -> pd.DataFrame:
    """Each contact gets 1..len(p) attempts (uniformly: censoring independent of pick-up); attempt
    k is picked up with p[k-1], whatever happened before. After a no-answer, `quick_share` of the
    redials come 1-3 minutes later with pick-up multiplied by `lift`; the rest 1-3 days later."""
    n_attempts = rng.integers(1, len(p) + 1, contacts)
    contact = np.repeat(np.arange(contacts), n_attempts)
    starts = np.cumsum(n_attempts) - n_attempts
    attempt = np.arange(len(contact)) - np.repeat(starts, n_attempts)
    quick = rng.random(len(contact)) < quick_share
    human = np.zeros(len(contact), dtype=bool)
    gap = np.zeros(len(contact))
    for k in range(len(p)):  # sequential per attempt: quick redials depend on the last outcome
        at = np.flatnonzero(attempt == k)
        fast = quick[at] & (k > 0)
        if k > 0:
            fast &= ~human[at - 1]
        prob = np.where(fast, p[k] * lift, p[k])
        human[at] = rng.random(len(at)) < prob
        gap[at] = np.where(
            fast, rng.uniform(60, 180, len(at)), rng.uniform(86400, 3 * 86400, len(at))
        )
    seconds = np.cumsum(gap) - np.repeat(np.cumsum(gap)[starts] - gap[starts], n_attempts)
    started = START + pd.to_timedelta(seconds + contact * 7.0, unit="s")
    order = rng.permutation(len(contact))  # the frame's order must not matter
    df = frame(np.char.add("c", contact.astype(str)), started, human)
    return df.iloc[order].reset_index(drop=True)


def reach_truth(p: np.ndarray) -> np.ndarray:
    return 1 - np.cumprod(1 - p)


# --- known truth --------------------------------------------------------------------------


def test_rates_and_reach_cover_the_truth_at_nominal_level():
    rng = np.random.default_rng(1)
    rate_hits, reach_hits, per100_hits, runs = 0, 0, 0, 150
    for _ in range(runs):
        curve = ds.attempt_curve(simulate(rng, 1500), max_attempt=len(P))
        low, high = (
            curve["connect_rate_low"].to_numpy(float),
            curve["connect_rate_high"].to_numpy(float),
        )
        rate_hits += ((low <= P) & (high >= P)).sum()
        low = curve["reached_share_low"].to_numpy(float)
        high = curve["reached_share_high"].to_numpy(float)
        truth = reach_truth(P)
        reach_hits += ((low <= truth) & (truth <= high)).sum()
        low = curve["reach_per_100_dials_low"].to_numpy(float)
        high = curve["reach_per_100_dials_high"].to_numpy(float)
        per100_hits += ((low <= 100 * P) & (high >= 100 * P)).sum()
    trials = runs * len(P)
    slack = 3 * np.sqrt(0.95 * 0.05 / trials)
    for hits in (rate_hits, reach_hits, per100_hits):
        assert abs(hits / trials - 0.95) < slack + 0.01, hits / trials


def test_reach_is_not_the_naive_share_under_censoring():
    curve = ds.attempt_curve(simulate(np.random.default_rng(2), 20_000), max_attempt=len(P))
    truth = reach_truth(P)
    estimate = curve["reached_share"].to_numpy(float)
    assert np.abs(estimate - truth).max() < 0.02
    # The naive share (reached by k / all contacts) undercounts: many stopped before k.
    naive = np.cumsum(curve["first_reached"].to_numpy(float)) / curve["dials"].iloc[0]
    assert naive[-1] < truth[-1] - 0.1


def test_double_dial_lift_recovered():
    rng = np.random.default_rng(3)
    hits, runs = 0, 60
    for _ in range(runs):
        df = simulate(rng, 3000, np.full(10, 0.15), quick_share=0.3, lift=1.6)
        human = ds.double_dial(df, within="5min").set_index("metric").loc["human_rate"]
        assert human["double_dials"] > 1000
        hits += human["ratio_low"] <= 1.6 <= human["ratio_high"]
        # One caller number, hours spread evenly: the adjusted ratio agrees with the raw one.
        assert abs(np.log(human["adjusted_ratio"] / human["ratio"])) < 0.1
    assert hits / runs > 0.95 - 3 * np.sqrt(0.95 * 0.05 / runs)


def test_double_dial_no_effect_under_no_effect():
    rng = np.random.default_rng(4)
    p_values = []
    for _ in range(100):
        df = simulate(rng, 1500, np.full(10, 0.15), quick_share=0.3, lift=1.0)
        result = ds.double_dial(df).set_index("metric")
        p_values.append(result.loc["human_rate", "p_value"])
        assert result.loc["human_rate", "p_adjusted"] >= result.loc["human_rate", "p_value"]
    false = np.mean(np.asarray(p_values) < 0.05)
    assert false < 0.05 + 3 * np.sqrt(0.05 * 0.95 / 100)


# --- per contact ----------------------------------------------------------------------------


def test_adjusted_ratio_removes_a_caller_number_confounder():
    # Number A is answered at 5%, B at 30%; double dials go out mostly from A (where no-answers
    # pile up), later redials mostly from B. No lift: the raw ratio says double dials hurt.
    rng = np.random.default_rng(5)
    rows = 40_000
    quick = rng.random(rows) < 0.5
    number_a = rng.random(rows) < np.where(quick, 0.8, 0.2)
    human = rng.random(rows) < np.where(number_a, 0.05, 0.3)
    contact = np.repeat(np.arange(rows), 2)
    gap = np.where(quick, 120, 86400)
    started = START + pd.to_timedelta(np.column_stack([np.zeros(rows), gap]).ravel(), unit="s")
    df = frame(np.char.add("c", contact.astype(str)), started, np.column_stack(
        [np.zeros(rows, bool), human]).ravel())  # fmt: skip
    df["from_e164"] = pd.array(
        np.repeat(np.where(number_a, "+12125550100", "+12125550199"), 2), dtype="string"
    )
    row = ds.double_dial(df).set_index("metric").loc["human_rate"]
    assert row["ratio_high"] < 0.6  # confounded
    assert row["adjusted_ratio_low"] <= 1 <= row["adjusted_ratio_high"]
    assert ds.double_dial(df, adjust_for=None)["adjusted_ratio"].equals(
        ds.double_dial(df, adjust_for=None)["ratio"]
    )


def test_contact_attempts_one_row_per_contact():
    started = START + pd.to_timedelta([0, 60, 3600, 10, 20], unit="s")
    df = frame(["a", "a", "a", "b", "b"], started, [False, True, True, False, False])
    df.loc[2, "disposition_id"] = 1  # the second connect set a meeting
    out = ds.contact_attempts(df).set_index("contact_id")
    assert out.loc["a", "attempts"] == 3
    assert out.loc["a", "first_connect_attempt"] == 2
    assert out.loc["a", "time_to_first_connect"] == pd.Timedelta(60, "s")
    assert out.loc["a", "connected"] == 2
    assert out.loc["a", "meetings"] == 1
    assert out.loc["a", "last_disposition_id"] == 1
    assert out.loc["a", "last_dial"] == started[2]
    assert pd.isna(out.loc["b", "first_connect_attempt"])
    assert pd.isna(out.loc["b", "time_to_first_connect"])
    assert out.loc["b", "last_outcome"] == "no-answer"


def test_reach_stays_full_once_everyone_is_reached():
    df = frame(["a", "a", "a"], START + pd.to_timedelta([0, 1, 2], unit="h"), [True, False, True])
    curve = ds.attempt_curve(df, max_attempt=3)
    assert curve["at_risk"].tolist() == [1, 0, 0]
    assert curve["reached_share"].tolist() == [1.0, 1.0, 1.0]
    assert curve["reached_share_low"].tolist() == [1.0, 1.0, 1.0]
    assert curve["reach_per_100_dials"].iloc[1:].isna().all()  # no dials to unreached contacts


def test_calls_without_contact_are_counted_and_warned():
    df = frame(["a", None, "a"], [START, START, START + pd.Timedelta(1, "h")], [False] * 3)
    with pytest.warns(UserWarning, match="1 of 3 calls have no contact_id"):
        out = ds.contact_attempts(df)
    assert out.attrs["calls_without_contact"] == 1
    assert out["attempts"].tolist() == [2]
    with pytest.warns(UserWarning):
        assert ds.attempt_curve(df).attrs["calls_without_contact"] == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 50), st.booleans(), st.booleans()),
        min_size=0,
        max_size=40,
    ),
    st.integers(1, 4),
)
def test_matches_a_naive_loop_per_contact(calls, max_attempt):
    contact = [f"c{c}" for c, _, _, _ in calls]
    started = [START + pd.Timedelta(minutes=t) for _, t, _, _ in calls]
    human = [h for _, _, h, _ in calls]
    meeting = [h and m for _, _, h, m in calls]
    df = frame(contact, started, human, meeting)
    out = ds.contact_attempts(df).set_index("contact_id")
    curve = ds.attempt_curve(df, max_attempt=max_attempt)
    dials = np.zeros(max_attempt + 1, int)
    connected = np.zeros(max_attempt + 1, int)
    at_risk = np.zeros(max_attempt, int)
    first_reached = np.zeros(max_attempt, int)
    assert len(out) == len(set(contact))
    for name in set(contact):
        # Time order; ties in the frame's order (a stable sort).
        mine = sorted(
            (i for i in range(len(calls)) if contact[i] == name), key=lambda i: started[i]
        )
        row = out.loc[name]
        assert row["attempts"] == len(mine)
        hits = [k + 1 for k, i in enumerate(mine) if human[i]]
        first = hits[0] if hits else None
        assert (pd.isna(row["first_connect_attempt"]) and first is None) or (
            row["first_connect_attempt"] == first
        )
        assert row["meetings"] == sum(meeting[i] for i in mine)
        assert row["last_outcome"] == ("answered" if human[mine[-1]] else "no-answer")
        for k, i in enumerate(mine):
            slot = min(k, max_attempt)
            dials[slot] += 1
            connected[slot] += human[i]
            if k < max_attempt and (first is None or first >= k + 1):
                at_risk[k] += 1
                first_reached[k] += first == k + 1
    pooled = dials[max_attempt] > 0
    size = max_attempt + pooled
    assert len(curve) == size
    assert curve["dials"].tolist() == dials[:size].tolist()
    assert curve["connected"].tolist() == connected[:size].tolist()
    assert curve["at_risk"].iloc[:max_attempt].tolist() == at_risk.tolist()
    assert curve["first_reached"].iloc[:max_attempt].tolist() == first_reached.tolist()


# --- edges and errors -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ds.read_call_logs(demo=True).dropna(subset=["contact_id"])


def test_empty_and_one_row(demo):
    for piece in (demo.iloc[:0], demo.iloc[:1]):
        assert len(ds.contact_attempts(piece)) == len(piece)
        curve = ds.attempt_curve(piece)
        assert len(curve) == 10
        assert curve["dials"].sum() == len(piece)
        result = ds.double_dial(piece)
        assert result["double_dials"].sum() == 0 and result["p_value"].isna().all()


def test_metrics_and_accessor(demo):
    human = demo.calls.attempt_curve(metric="human_rate", max_attempt=3)
    assert human.columns[:4].tolist() == ["attempt", "label", "dials", "human"]
    assert human["label"].tolist() == ["1", "2", "3", "4+"]
    assert human["reached_share"].iloc[:3].is_monotonic_increasing
    machine = demo.calls.attempt_curve(metric="machine_rate")
    assert (machine["answered"] <= machine["dials"]).all()
    attempts = demo.calls.contact_attempts()
    assert attempts["attempts"].sum() + attempts.attrs["inbound_calls"] == len(demo)
    assert attempts.attrs["inbound_calls"] == demo["direction"].eq("inbound").sum()
    assert demo.calls.double_dial(within="1h")["later_dials"].iloc[0] > 0


@pytest.mark.parametrize(
    ("function", "column"),
    [
        (ds.contact_attempts, "contact_id"),
        (ds.attempt_curve, "started_at"),
        (ds.double_dial, "contact_id"),
    ],
)
def test_missing_columns(demo, function, column):
    with pytest.raises(ds.MissingColumnError) as error:
        function(demo.drop(columns=[column]))
    assert error.value.column == column


def test_bad_parameters(demo):
    with pytest.raises(InvalidParameterError, match="did you mean 'connect_rate'"):
        ds.attempt_curve(demo, metric="conect_rate")
    with pytest.raises(InvalidParameterError, match="is a count"):
        ds.attempt_curve(demo, metric="meetings")
    for bad in (0, 2.5, True, "10"):
        with pytest.raises(InvalidParameterError, match="max_attempt"):
            ds.attempt_curve(demo, max_attempt=bad)
    for bad in ("5 minutes please", "-5min", 0, None):
        with pytest.raises(InvalidParameterError, match="within"):
            ds.double_dial(demo, within=bad)
    with pytest.raises(InvalidParameterError, match="confidence"):
        ds.double_dial(demo, confidence=95)
    with pytest.raises(ds.MissingColumnError, match="from_e16"):
        ds.double_dial(demo, adjust_for="from_e16")
    with pytest.raises(InvalidParameterError, match="adjust_for"):
        ds.double_dial(demo, adjust_for=3)


def test_charts(demo):
    import matplotlib

    matplotlib.use("Agg")
    ax = demo.calls.plot.attempt_curve(max_attempt=6)
    assert ax.get_title().startswith("Connect rate by attempt")
    assert "%" in ax.get_yticklabels()[1].get_text()
    ax = ds.plot.double_dial(ds.double_dial(demo, within="2D"))
    assert "within 2D" in ax.get_title()
    assert ds.plot.attempt_curve(demo.iloc[:0]).get_title()
    assert ds.plot.double_dial(demo.iloc[:0]).texts[0].get_text() == "No calls to show"

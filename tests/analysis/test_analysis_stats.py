"""Leaderboard, compare, trend, overview's tests of change, planning and best-time smoothing,
proven on simulated calls whose true rates are known (fixed seeds, modest sizes)."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import dialstats as ds
from dialstats.analysis._compare import two_rates
from dialstats.analysis._multiplicity import adjust_p
from dialstats.errors import InvalidParameterError
from dialstats.frame._schema import call_log_dtypes

START = pd.Timestamp("2024-02-05", tz="UTC")  # a Monday


def simulate(cells, rng, *, start=START, days=42, meetings=False):
    """Calls from (user, list, dials, true rate) cells: each call connects (or, with
    `meetings`, sets a meeting) with the cell's rate; times uniform over `days`."""
    users, lists, hits = [], [], []
    for user, contact_list, dials, rate in cells:
        users += [user] * dials
        lists += [contact_list] * dials
        hits.append(rng.random(dials) < rate)
    hit = np.concatenate(hits) if hits else np.array([], dtype=bool)
    size = len(hit)
    seconds = rng.integers(0, days * 86400, size)
    when = start + pd.to_timedelta(seconds, unit="s")
    columns = {
        "user_name": users,
        "contact_list_name": lists,
        "outcome": np.where(hit, "answered", "no-answer"),
        "answered_by": np.where(hit, "human", None),
        "disposition_id": np.where(hit, 1 if meetings else 3, 10),
        "duration": np.where(hit, 90, 0),
        "started_at": when,
        "created_at": when,
    }
    frame = {}
    for name, dtype in call_log_dtypes().items():
        values = columns.get(name, [None] * size)
        frame[name] = pd.Series(values).astype(dtype)
    return pd.DataFrame(frame)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# -- leaderboard: shrinkage --------------------------------------------------------------------


def spread_reps(rng, groups=30):
    """Reps with true rates from Beta(12, 88) (mean 12%) and very unequal dials."""
    truth = rng.beta(12, 88, groups)
    dials = rng.integers(15, 600, groups)
    return truth, [
        (f"rep {i:02d}", "list", int(n), p)
        for i, (n, p) in enumerate(zip(dials, truth, strict=True))
    ]


def test_shrunken_rates_have_lower_error_and_cover():
    rng = np.random.default_rng(11)
    raw_error, shrunk_error, covered, raw_covered, total = 0.0, 0.0, 0, 0, 0
    for _ in range(12):
        truth, cells = spread_reps(rng)
        board = ds.leaderboard(simulate(cells, rng), by="user_name")
        true = pd.Series(truth, index=[c[0] for c in cells])[board["user_name"]].to_numpy()
        raw = board["connect_rate"].to_numpy(dtype=float)
        shrunk = board["connect_rate_shrunk"].to_numpy(dtype=float)
        raw_error += np.sum((raw - true) ** 2)
        shrunk_error += np.sum((shrunk - true) ** 2)
        low, high = (
            board[f"connect_rate_shrunk_{s}"].to_numpy(dtype=float) for s in ("low", "high")
        )
        covered += np.sum((low <= true) & (true <= high))
        low, high = (board[f"connect_rate_{s}"].to_numpy(dtype=float) for s in ("low", "high"))
        raw_covered += np.sum((low <= true) & (true <= high))
        total += len(true)
    assert shrunk_error < 0.75 * raw_error
    # 360 intervals: 95% coverage within about 3 standard errors (3 x 1.15%).
    assert abs(covered / total - 0.95) < 0.035
    assert abs(raw_covered / total - 0.95) < 0.035


def test_leaderboard_columns_ranks_and_attrs():
    rng = np.random.default_rng(5)
    cells = [("Ann", "x", 2000, 0.20), ("Bo", "x", 2000, 0.10), ("Cy", "x", 30, 0.30)]
    board = ds.leaderboard(simulate(cells, rng))
    assert board.columns[:3].tolist() == ["user_name", "dials", "connected"]
    for column in ("connect_rate_shrunk", "rank", "rank_low", "rank_high", "ratio_to_expected"):
        assert column in board.columns
    assert board["rank"].tolist() == [1, 2, 3]  # rows best first
    ann = board.set_index("user_name").loc["Ann"]
    assert ann["rank_low"] == 1 and board.set_index("user_name").loc["Bo", "rank_low"] == 3
    cy = board.set_index("user_name").loc["Cy"]
    assert cy["rank_high"] - cy["rank_low"] >= 1  # 30 dials: its place is uncertain
    # Cy's 30 dials are pulled toward the team; Ann's 2,000 barely move.
    assert abs(cy["connect_rate_shrunk"] - cy["connect_rate"]) > abs(
        ann["connect_rate_shrunk"] - ann["connect_rate"]
    )
    assert board.attrs["metric"] == "connect_rate" and board.attrs["dispersion_df"] > 0
    assert 0 < board.attrs["prior_mean"] < 1
    assert board["p_adjusted"].ge(board["p_value"]).all()


def test_overdispersion_is_measured_and_widens_the_intervals():
    rng = np.random.default_rng(8)
    weekly = []
    for week in range(8):  # each rep's rate swings week to week far beyond binomial noise
        for rep in range(6):
            rate = float(np.clip(0.12 + rng.normal(0, 0.05), 0.01, 0.5))
            frame = simulate(
                [(f"rep {rep}", "x", 300, rate)],
                rng,
                days=7,
                start=START + pd.Timedelta(weeks=week),
            )
            weekly.append(frame)
    df = pd.concat(weekly, ignore_index=True)
    board = ds.leaderboard(df)
    assert board.attrs["dispersion"] > 2 and board.attrs["dispersion_p_value"] < 0.001
    assert board.attrs["dispersion_scale"] == board.attrs["dispersion"]
    plain = ds.wilson_interval(board["connected"].to_numpy(), board["dials"].to_numpy())
    assert (board["connect_rate_high"] - board["connect_rate_low"] > plain[1] - plain[0]).all()
    assert "limits widened" in ds.plot.rate_vs_volume(board).get_title()
    calm = ds.leaderboard(simulate([(f"rep {r}", "x", 2400, 0.12) for r in range(6)], rng))
    assert calm.attrs["dispersion_scale"] == 1.0 and calm.attrs["dispersion"] < 1.5


def test_intervals_widened_for_overdispersion_cover_the_long_run_rate():
    """Each rep's weekly rate swings around its long-run rate: the quasi-binomial intervals
    cover the long-run rate at about their level, binomial ones would not."""
    rng = np.random.default_rng(9)
    base = np.array([0.08, 0.10, 0.12, 0.14, 0.16, 0.18])
    scaled = plain = total = 0
    for _ in range(30):
        cells = [
            (f"rep {r}", f"week {w}", 250, float(np.clip(rate + rng.normal(0, 0.035), 0.01, 0.6)))
            for r, rate in enumerate(base)
            for w in range(8)
        ]
        df = simulate(cells, rng)
        week = df["contact_list_name"].str.slice(5).astype(int).to_numpy()
        df["started_at"] = START + pd.to_timedelta(week * 7 * 86400 + 3600, unit="s")
        board = ds.leaderboard(df)
        truth = base[board["user_name"].str.slice(4).astype(int).to_numpy()]
        low, high = (board[f"connect_rate_{s}"].to_numpy(dtype=float) for s in ("low", "high"))
        scaled += np.sum((low <= truth) & (truth <= high))
        low, high = ds.wilson_interval(board["connected"], board["dials"])
        plain += np.sum((low <= truth) & (truth <= high))
        total += len(truth)
    assert abs(scaled / total - 0.95) < 0.05  # 180 intervals: 3 standard errors is 4.9%
    assert plain / total < 0.85


# -- leaderboard: indirect standardisation (Simpson's paradox) ---------------------------------


def confounded(rng):
    """Ann is the better rep (x1.3 on every list) but was given the hard list; Bob (x0.8) the
    easy one; four average reps call both evenly."""
    base = {"easy": 0.30, "hard": 0.06}
    mix = {"Ann": (300, 2700, 1.3), "Bob": (2700, 300, 0.8)}
    mix |= {f"rep {i}": (1500, 1500, 1.0) for i in range(4)}
    cells = []
    for user, (easy, hard, skill) in mix.items():
        cells += [
            (user, "easy", easy, base["easy"] * skill),
            (user, "hard", hard, base["hard"] * skill),
        ]
    return cells


def true_ratios(cells):
    """Observed / expected with true rates: what ratio_to_expected estimates."""
    frame = pd.DataFrame(cells, columns=["user", "list", "n", "p"])
    frame["x"] = frame.n * frame.p
    stratum = frame.groupby("list").x.sum() / frame.groupby("list").n.sum()
    frame["e"] = frame.n * frame["list"].map(stratum)
    sums = frame.groupby("user")[["x", "e"]].sum()
    return sums.x / sums.e


def test_ratio_to_expected_recovers_a_rep_effect_hidden_by_list_mix():
    rng = np.random.default_rng(21)
    cells = confounded(rng)
    truth = true_ratios(cells)
    board = ds.leaderboard(simulate(cells, rng), adjust_for="contact_list_name").set_index(
        "user_name"
    )
    ann, bob = board.loc["Ann"], board.loc["Bob"]
    assert bob["connect_rate"] > ann["connect_rate"]  # the raw rate ranks them the wrong way round
    assert ann["ratio_to_expected"] > 1 > bob["ratio_to_expected"]
    assert ann["ratio_to_expected_low"] > 1 and bob["ratio_to_expected_high"] < 1
    assert ann["p_adjusted"] < 0.01 and bob["p_adjusted"] < 0.01
    for user in ("Ann", "Bob"):
        row = board.loc[user]
        assert row["ratio_to_expected_low"] <= truth[user] <= row["ratio_to_expected_high"]
    assert board.attrs["adjust_for"] == ["contact_list_name"]


def test_ratio_to_expected_intervals_cover_the_truth():
    rng = np.random.default_rng(22)
    hits = total = 0
    for _ in range(25):
        cells = confounded(rng)
        truth = true_ratios(cells)
        board = ds.leaderboard(simulate(cells, rng), adjust_for="contact_list_name")
        true = truth[board["user_name"]].to_numpy()
        low = board["ratio_to_expected_low"].to_numpy(dtype=float)
        high = board["ratio_to_expected_high"].to_numpy(dtype=float)
        hits += np.sum((low <= true) & (true <= high))
        total += len(true)
    assert abs(hits / total - 0.95) < 0.045  # 150 intervals: 3 standard errors is 5.3%


def test_no_rep_is_called_different_when_only_the_list_mix_differs():
    """Equal skill, very unequal lists: raw rates differ hugely, ratio_to_expected should not."""
    rng = np.random.default_rng(23)
    mixes = [(100, 900), (900, 100), (500, 500), (300, 700), (700, 300), (200, 800)]
    runs, false_alarms, raw_alarms = 40, 0, 0
    for _ in range(runs):
        cells = []
        for i, (easy, hard) in enumerate(mixes):
            cells += [(f"rep {i}", "easy", easy, 0.30), (f"rep {i}", "hard", hard, 0.06)]
        df = simulate(cells, rng)
        board = ds.leaderboard(df, adjust_for="contact_list_name")
        false_alarms += bool(board["p_adjusted"].lt(0.05).any())
        raw_alarms += bool(ds.compare(df)["significant"].any())
    assert false_alarms / runs <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / runs)
    assert raw_alarms == runs  # unadjusted for the mix, every run "finds" a difference


# -- multiplicity ------------------------------------------------------------------------------


def test_holm_holds_the_family_wise_error_rate_under_a_true_null():
    rng = np.random.default_rng(31)
    p = rng.random((4000, 20))
    any_false = np.mean([np.any(adjust_p(row, "holm") < 0.05) for row in p])
    unadjusted = np.mean(np.any(p < 0.05, axis=1))
    assert any_false <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 4000)
    assert unadjusted > 0.5  # what the correction saves a manager from


def test_bh_holds_the_false_discovery_rate():
    rng = np.random.default_rng(32)
    shares = []
    for _ in range(2000):
        null = rng.random(16)
        effect = stats.norm.sf(rng.normal(3, 1, 4))
        found = adjust_p(np.concatenate([null, effect]), "bh") < 0.1
        shares.append(found[:16].sum() / max(found.sum(), 1))
    assert np.mean(shares) <= 0.1 * 16 / 20 + 3 * np.std(shares) / np.sqrt(2000)


def test_compare_under_a_true_null_calls_few_groups_different():
    rng = np.random.default_rng(33)
    wrong = {"holm": 0, "bh": 0}
    runs = 80
    for _ in range(runs):
        df = simulate([(f"rep {i}", "x", 400, 0.1) for i in range(8)], rng)
        for method in wrong:
            out = ds.compare(df, by="user_name", method=method)
            wrong[method] += bool(out["significant"].any())
    # Under the complete null both promise at most 5% runs with any false "different".
    for method, count in wrong.items():
        assert count / runs <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / runs), method


def test_holm_and_bh_match_their_definitions():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    np.testing.assert_allclose(adjust_p(p, "holm")[:4], [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(adjust_p(p, "bh")[:4], [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(adjust_p(p, "holm")[4])


# -- compare -----------------------------------------------------------------------------------


def test_compare_rest_and_pairs():
    rng = np.random.default_rng(41)
    df = simulate([("Ann", "x", 3000, 0.2), ("Bo", "x", 3000, 0.1), ("Cy", "x", 3000, 0.1)], rng)
    rest = ds.compare(df, by="user_name").set_index("user_name")
    ann = rest.loc["Ann"]
    assert ann["other_dials"] == 6000
    assert ann["difference_low"] < ann["difference"] < ann["difference_high"]
    assert (
        ann["difference_low"] < 0.1 < ann["difference_high"] or abs(ann["difference"] - 0.1) < 0.03
    )
    assert ann["ratio_low"] < ann["ratio"] < ann["ratio_high"] and ann["significant"]
    pairs = ds.compare(df, by="user_name", against="pairs")
    assert len(pairs) == 3 and "other_user_name" in pairs.columns
    bo_cy = pairs[(pairs.user_name == "Bo") & (pairs.other_user_name == "Cy")].iloc[0]
    assert not bo_cy["significant"]


def test_difference_and_ratio_intervals_cover():
    rng = np.random.default_rng(42)
    n1, n2, p1, p2 = 500, 700, 0.12, 0.08
    x1, x2 = rng.binomial(n1, p1, 4000), rng.binomial(n2, p2, 4000)
    result = two_rates(x1, np.full(4000, n1), x2, np.full(4000, n2), 0.95)
    diff = np.mean((result.difference_low <= p1 - p2) & (p1 - p2 <= result.difference_high))
    ratio = np.mean((result.ratio_low <= p1 / p2) & (p1 / p2 <= result.ratio_high))
    for coverage in (diff, ratio):
        assert abs(coverage - 0.95) < 3 * np.sqrt(0.05 * 0.95 / 4000) + 0.005


# -- overview ----------------------------------------------------------------------------------


def two_weeks(before, now, dials=1000, seed=0):
    """Meetings set in two consecutive weeks: `before` in week one, `now` in week two."""
    rng = np.random.default_rng(seed)
    frames = []
    for week, meetings in enumerate((before, now)):
        frame = simulate(
            [("Ann", "x", dials, 0.0)], rng, start=START + pd.Timedelta(weeks=week), days=7
        )
        frame.loc[frame.index[:meetings], ["disposition_id", "answered_by", "outcome"]] = (
            1,
            "human",
            "answered",
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_overview_calls_14_against_15_noise_and_300_against_150_a_change():
    week = ("2024-02-12", "2024-02-18")
    small = ds.overview(two_weeks(15, 14), start_date=week[0], end_date=week[1])
    row = small.loc["meetings_set"]
    assert (row["value"], row["previous"]) == (14, 15)
    assert row["p_value"] == pytest.approx(1.0) and not row["significant"]
    assert row["ratio_low"] < 1 < row["ratio_high"]
    assert not small.loc["meeting_rate", "significant"]
    big = ds.overview(two_weeks(150, 300), start_date=week[0], end_date=week[1])
    row = big.loc["meetings_set"]
    assert row["growth"] == 1.0 and row["significant"] and row["p_value"] < 1e-9
    assert row["ratio_low"] > 1.5
    assert big.loc["meeting_rate", "significant"]
    assert big.loc["meeting_rate", "value"] == pytest.approx(0.3)


def test_overview_needs_a_frame_that_covers_both_periods():
    calls = two_weeks(15, 14)
    second_week = calls[calls["created_at"] >= START + pd.Timedelta(weeks=1)]
    with pytest.warns(UserWarning, match="does not cover both periods"):
        out = ds.overview(second_week, start_date="2024-02-12", end_date="2024-02-18")
    assert out["growth"].isna().all() and out["p_value"].isna().all()
    assert not out.attrs["covered"] and out.loc["total_calls", "value"] == 1000
    with pytest.warns(UserWarning, match="last call"):
        ds.overview(
            calls, start_date="2024-02-15", end_date="2024-02-24"
        )  # the frame stops five days short
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # One-sided or no range: as the vendor's endpoint, a value and no growth.
        for kwargs in ({}, {"start_date": "2024-02-12"}, {"end_date": "2024-02-11"}):
            out = ds.overview(calls, **kwargs)
            assert out["growth"].isna().all() and not out.attrs["covered"]
        assert ds.overview(calls, start_date="2024-02-12").loc["total_calls", "value"] == 1000


# -- trend -------------------------------------------------------------------------------------


def test_trend_finds_a_drift_and_flags_a_spike():
    rng = np.random.default_rng(51)
    weeks = []
    for week in range(10):
        rate = 0.20 - 0.008 * week
        weeks.append(
            simulate([("Ann", "x", 800, rate)], rng, start=START + pd.Timedelta(weeks=week), days=7)
        )
    drift = ds.trend(pd.concat(weeks, ignore_index=True), metric="connect_rate", freq="W-SUN")
    (summary,) = drift.attrs["trend"]
    assert summary["p_value"] < 0.001
    assert summary["slope"] == pytest.approx(-0.008, abs=0.003)
    flat = [
        simulate([("Ann", "x", 800, 0.15)], rng, start=START + pd.Timedelta(weeks=w), days=7)
        for w in range(10)
    ]
    flat.append(
        simulate([("Ann", "x", 800, 0.30)], rng, start=START + pd.Timedelta(weeks=10), days=7)
    )
    spiked = ds.trend(pd.concat(flat, ignore_index=True), freq="W-SUN")
    assert spiked["outside"].tolist() == [False] * 10 + [True]
    assert (spiked["lower_limit"] < spiked["center"]).all()
    assert spiked.columns[:3].tolist() == ["period", "dials", "connected"]


def test_trend_by_group_and_false_alarm_rate():
    rng = np.random.default_rng(52)
    df = simulate([(f"rep {i}", "x", 4000, 0.12) for i in range(5)], rng, days=70)
    out = ds.trend(df, by="user_name", freq="W")
    summary = pd.DataFrame(out.attrs["trend"])
    assert summary.columns.tolist() == ["user_name", "slope", "z", "p_value"] and len(summary) == 5
    # Three-sigma limits: about 0.3% of in-control points fall outside.
    assert out["outside"].mean() < 0.05


# -- planning ----------------------------------------------------------------------------------


def test_sample_size_matches_the_documented_figure_and_its_power():
    assert ds.sample_size(0.05, 0.5) == 1471
    assert ds.minimum_detectable_effect(1471, 0.05) == pytest.approx(0.5, abs=1e-3)
    assert ds.sample_size(0.05, 0.5, power=0.9) > 1471
    rng = np.random.default_rng(61)
    n = 1471
    x1, x2 = rng.binomial(n, 0.05, 4000), rng.binomial(n, 0.075, 4000)
    power = np.mean(two_rates(x2, np.full(4000, n), x1, np.full(4000, n), 0.95).p_value < 0.05)
    assert abs(power - 0.8) < 0.025


# -- best time to call ------------------------------------------------------------------------


def additive_week(rng, dials_per_cell=40):
    """Calls on weekdays 8-18 local (UTC here) with a true rate = weekday effect x hour effect."""
    day_effect = np.array([1.0, 1.2, 1.1, 1.15, 0.8])
    hour_effect = 1 + 0.6 * np.sin(np.linspace(0, np.pi, 11))
    truth = {}
    frames = []
    for day in range(5):
        for i, hour in enumerate(range(8, 19)):
            rate = 0.06 * day_effect[day] * hour_effect[i]
            truth[(day, hour)] = rate
            start = START + pd.Timedelta(days=day, hours=hour)
            frame = simulate([("Ann", "x", dials_per_cell, rate)], rng, start=start, days=1)
            frame["started_at"] = start + pd.to_timedelta(
                rng.integers(0, 3600, len(frame)), unit="s"
            )
            frames.append(frame)
    return pd.concat(frames, ignore_index=True), truth


def test_smoothed_best_time_is_closer_to_the_truth_and_more_reliable():
    rng = np.random.default_rng(71)
    raw_error = smooth_error = 0.0
    for _ in range(4):
        df, truth = additive_week(rng)
        cells = ds.best_time_to_call(df, tz="UTC", min_dials=0, wide=False)
        cells = cells[cells["dials"] > 0]
        true = np.array(
            [
                truth[(w, h)]
                for w, h in zip(cells.weekday.cat.codes, cells.hour.astype(int), strict=True)
            ]
        )
        raw_error += np.sum((cells["connect_rate"].to_numpy(dtype=float) - true) ** 2)
        smooth_error += np.sum((cells["connect_rate_smoothed"].to_numpy(dtype=float) - true) ** 2)
        low, high = cells["connect_rate_smoothed_low"], cells["connect_rate_smoothed_high"]
        assert (
            (low <= cells["connect_rate_smoothed"]) & (cells["connect_rate_smoothed"] <= high)
        ).all()
        reliability = cells.attrs["reliability"]
        assert reliability["smoothed"]["rank_correlation"] > reliability["raw"]["rank_correlation"]
    assert smooth_error < 0.6 * raw_error
    wide = ds.best_time_to_call(df, tz="UTC", min_dials=0)
    assert wide.shape == (7, 24) and "reliability" in wide.attrs


# -- charts ------------------------------------------------------------------------------------


def test_charts_render_with_titles_and_percent_axes(tmp_path):
    rng = np.random.default_rng(81)
    df = simulate(confounded(rng), rng)
    ax = ds.plot.rate_vs_volume(df, adjust_for="contact_list_name")
    assert "against dials" in ax.get_title() and "adjusted for list" in ax.get_title()
    assert ax.get_ylim()[1] <= 1
    board = ds.leaderboard(df, adjust_for="contact_list_name").set_index("user_name")
    points = dict(
        zip(
            board.index,
            board["ratio_to_expected"] * board["connected"].sum() / board["dials"].sum(),
            strict=True,
        )
    )
    (scatter,) = ax.collections
    assert sorted(scatter.get_offsets()[:, 1]) == pytest.approx(sorted(points.values()))
    from matplotlib.ticker import PercentFormatter

    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    ax = df.calls.plot.trend(freq="W")
    assert "per period" in ax.get_title()
    week, _ = additive_week(rng, 10)
    ax = ds.plot.best_time_to_call(week, tz="UTC")
    assert "smoothed" in ax.get_title() and "split-half" in ax.get_title()
    ax = ds.plot.best_time_to_call(week, tz="UTC", view="raw", min_dials=5)
    assert "grey" in ax.get_title()
    ax.figure.savefig(tmp_path / "chart.png")
    assert (tmp_path / "chart.png").stat().st_size > 0


def test_methods_are_the_functions():
    rng = np.random.default_rng(82)
    df = simulate(confounded(rng), rng)
    pd.testing.assert_frame_equal(df.calls.leaderboard(), ds.leaderboard(df))
    pd.testing.assert_frame_equal(df.calls.compare(), ds.compare(df))
    pd.testing.assert_frame_equal(df.calls.trend(), ds.trend(df))


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "parameter", "hint"),
    [
        (lambda df: ds.leaderboard(df, method="hlom"), "method", "'holm'"),
        (lambda df: ds.leaderboard(df, metric="conect_rate"), "metric", "'connect_rate'"),
        (lambda df: ds.leaderboard(df, metric="meetings"), "metric", "a count"),
        (lambda df: ds.leaderboard(df, by="user_nme"), "df", "user_nme"),
        (lambda df: ds.leaderboard(df, adjust_for="user_name"), "adjust_for", "user_name"),
        (lambda df: ds.compare(df, against="rset"), "against", "'rest'"),
        (lambda df: ds.compare(df, method="BH_"), "method", "'bh'"),
        (lambda df: ds.trend(df, metric="meeting_rat"), "metric", "'meeting_rate'"),
        (lambda df: ds.leaderboard(df, confidence=1.5), "confidence", "between"),
        (lambda df: ds.plot.best_time_to_call(df, view="smooth"), "view", "'smoothed'"),
        (lambda df: ds.sample_size(0.05, 0), "lift", "non-zero"),
        (lambda df: ds.sample_size(1.5, 0.1), "baseline", "between 0 and 1"),
        (lambda df: ds.sample_size(0.6, 1.0), "lift", "between 0 and 1"),
        (lambda df: ds.sample_size(0.05, 0.5, alpha=0), "alpha", "between 0 and 1"),
        (lambda df: ds.minimum_detectable_effect(1.5, 0.05), "dials", "whole number"),
        (lambda df: ds.minimum_detectable_effect(2, 0.05), "dials", "cannot detect"),
    ],
)
def test_bad_input_names_the_parameter(call, parameter, hint):
    df = simulate([("Ann", "x", 50, 0.1), ("Bo", "x", 50, 0.2)], np.random.default_rng(0))
    with pytest.raises(InvalidParameterError) as caught:
        call(df)
    assert caught.value.parameter == parameter
    assert hint in str(caught.value)


def test_empty_and_single_group_frames():
    empty = simulate([], np.random.default_rng(0))
    assert ds.leaderboard(empty).empty
    assert ds.compare(empty).empty
    assert ds.trend(empty).empty
    one = simulate([("Ann", "x", 100, 0.1)], np.random.default_rng(0))
    board = ds.leaderboard(one)
    assert board["rank"].tolist() == [1] and pd.isna(board.attrs["prior_mean"])

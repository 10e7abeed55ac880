"""Caller-ID health: which of our caller numbers stopped being answered, and since when.

Carriers' analytics label a number "Spam Likely" after high velocity or many short calls; its
answer rate then collapses. `number_health` finds that drop per number with a change-point test
on the number's daily answer rate *relative to the team's* that day, so a team-wide dip (a
holiday, a bad list) flags nobody, and corrects for testing every number at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dialstats.analysis._choices import choose
from dialstats.analysis._intervals import rate_columns, z_score
from dialstats.analysis._multiplicity import METHODS, adjust_p
from dialstats.analysis._scipy import stats
from dialstats.analysis._validate import check_columns, check_confidence, check_frame
from dialstats.errors import InvalidParameterError

FUNCTION = "number_health"
SHORT_SECONDS = 10
_COLUMNS = {
    "from_e164": "text",
    "started_at": "datetime",
    "outcome": "text",
    "duration": "number",
}


def outbound(df: pd.DataFrame) -> np.ndarray:
    """Which calls we placed: direction "outbound", or every call when the frame has no direction."""
    if "direction" not in df.columns:
        return np.ones(len(df), dtype=bool)
    return df["direction"].eq("outbound").to_numpy(dtype=bool, na_value=False)


def check_fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise InvalidParameterError(name, f"{name} must be a number between 0 and 1; got {value!r}")
    return float(value)


def check_count(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InvalidParameterError(
            name, f"{name} must be a whole number >= {minimum}; got {value!r}"
        )
    return int(value)


def number_health(
    df: pd.DataFrame,
    alpha: float = 0.05,
    method: str = "holm",
    min_dials: int = 100,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per caller number (`from_e164`, outbound calls), most dials first.

    Columns: `dials`, `answered`, `answer_rate` (+`_low`/`_high`, Wilson), `peak_calls_per_hour`
    (the most calls placed from it in one clock hour), `short_call_share` (+`_low`/`_high`):
    answered calls shorter than 10 s among its answered calls (people hanging up on sight),
    `days` (days it dialled), `p_value` of the change-point test, `p_adjusted` (Holm or
    Benjamini-Hochberg across the tested numbers, `method=`), `flagged` (p_adjusted <= alpha
    and the change is a drop), `flagged_since` (the first day after the change, flagged numbers
    only), `answer_rate_before` / `answer_rate_after` the change and `drop` (+`_low`/`_high`):
    the after / before ratio of its answer rate relative to the team's.

    The test: on day d the number answered x_d of n_d dials; the rest of the team answered p_d
    of theirs. Under "no change" x_d ~ Binomial(n_d, r p_d) for one ratio r. For every split of
    the number's days into before / after, a score statistic compares the answers before the
    split with their expectation; the largest over the D - 1 splits is referred to chi-square(1)
    with a Bonferroni factor D - 1 (a max-type correction: valid, a little conservative).
    Day-to-day variation beyond binomial is measured (the median Pearson dispersion across the
    numbers, at least 1) and widens the test. Numbers with fewer than `min_dials` dials or
    two days are not tested (`p_value` and `flagged` NA). Days are those of `started_at`.

    >>> import dialstats as ds
    >>> ds.number_health(ds.read_call_logs(demo=True))  # doctest: +SKIP
    """
    check_frame(df, FUNCTION)
    alpha = check_fraction("alpha", alpha)
    method = choose("method", method, METHODS)
    min_dials = check_count("min_dials", min_dials)
    confidence = check_confidence(confidence)
    check_columns(df, _COLUMNS, FUNCTION)
    placed = outbound(df)
    codes, uniques = pd.factorize(df["from_e164"], sort=True)
    started = df["started_at"]
    timed = started.notna().to_numpy()
    known = placed & (codes >= 0) & timed
    codes = codes[known]
    answered = df["outcome"].eq("answered").to_numpy(dtype=bool, na_value=False)[known]
    short = df["duration"].lt(SHORT_SECONDS).to_numpy(dtype=bool, na_value=False)[known]
    # Days and hours on the frame's own clock (its time zone's wall time).
    wall = (started.dt.tz_localize(None) if started.dt.tz is not None else started).to_numpy()
    wall = wall[known]
    day = wall.astype("datetime64[D]").view(np.int64)
    hour = wall.astype("datetime64[h]").view(np.int64)
    out, daily = _per_number(codes, uniques, answered, answered & short, day, hour, confidence)
    test = _change_points(*daily, min_dials, confidence)
    out = out.join(test)
    tz = started.dt.tz
    change = pd.to_datetime(out["change_day"].to_numpy(float, na_value=np.nan), unit="D")
    out["change_day"] = change.tz_localize(tz) if tz is not None else change
    out["p_adjusted"] = pd.array(adjust_p(out["p_value"].to_numpy(float, na_value=np.nan), method))
    tested = out["p_value"].notna().to_numpy()
    flagged = (out["p_adjusted"].to_numpy(float, na_value=np.nan) <= alpha) & (
        out["drop"].to_numpy(float, na_value=np.nan) < 1
    )
    out["flagged"] = pd.array(np.where(tested, flagged, None), dtype="boolean")
    out["flagged_since"] = out["change_day"].where(out["flagged"].fillna(False))
    out = out.drop(columns="change_day").rename(columns={"number": "from_e164"})
    order = ["from_e164", "dials", "answered", "answer_rate", "answer_rate_low", "answer_rate_high"]
    rest = [
        "peak_calls_per_hour",
        "short_call_share",
        "short_call_share_low",
        "short_call_share_high",
        "days",
        "flagged",
        "flagged_since",
        "answer_rate_before",
        "answer_rate_after",
        "drop",
        "drop_low",
        "drop_high",
        "p_value",
        "p_adjusted",
    ]
    out = out[order + rest].sort_values(["dials", "from_e164"], ascending=[False, True])
    out = out.reset_index(drop=True)
    out.attrs.update(
        alpha=alpha,
        method=method,
        min_dials=min_dials,
        confidence=confidence,
        dispersion=test.attrs.get("dispersion", 1.0),
        unknown_number=int((placed & timed & ~known).sum()),
        unknown_time=int((placed & ~timed).sum()),
        inbound=int((~placed).sum()),
    )
    return out


def _pairs(first: np.ndarray, second: np.ndarray, *weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """The distinct (first, second) pairs sorted, the calls in each and each weight's sum."""
    low = int(second.min())
    span = int(second.max()) - low + 1
    key = first.astype(np.int64) * span + (second - low)
    size = (int(first.max()) + 1) * span
    if size <= max(4 * len(key), 1 << 20):  # a dense count is cheaper than sorting
        calls = np.bincount(key, minlength=size)
        present = np.flatnonzero(calls)
        sums = [np.bincount(key, weights=w, minlength=size)[present] for w in weights]
        calls = calls[present]
    else:
        present, inverse = np.unique(key, return_inverse=True)
        calls = np.bincount(inverse)
        sums = [np.bincount(inverse, weights=w) for w in weights]
    return (present // span, present % span + low, calls, *sums)


def _per_number(
    codes: np.ndarray,
    uniques: pd.Index,
    answered: np.ndarray,
    short: np.ndarray,
    day: np.ndarray,
    hour: np.ndarray,
    confidence: float,
) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    """Per number counts, rates and peak hour; and the (number, day, dials, answered) series."""
    m = len(uniques)
    dials = np.bincount(codes, minlength=m)
    answers = np.bincount(codes, weights=answered, minlength=m)
    shorts = np.bincount(codes, weights=short, minlength=m)
    peak = np.zeros(m, dtype=np.int64)
    days = np.zeros(m, dtype=np.int64)
    daily: tuple[np.ndarray, ...] = tuple(np.zeros(0) for _ in range(4))
    if len(codes):
        number, _, per_hour = _pairs(codes, hour)
        np.maximum.at(peak, number, per_hour)
        daily = _pairs(codes, day, answered)
        days = np.bincount(daily[0], minlength=m)
    out = pd.DataFrame(
        {
            "number": pd.array(np.asarray(uniques, dtype=object), dtype="string"),
            "dials": dials.astype(np.int64),
            "answered": answers.astype(np.int64),
            "peak_calls_per_hour": peak,
            "days": days,
        }
    )
    for name, x, n in (("answer_rate", answers, dials), ("short_call_share", shorts, answers)):
        rate, low, high = rate_columns(x, n, confidence)
        out[name], out[f"{name}_low"], out[f"{name}_high"] = rate, low, high
    return out[out["dials"] > 0], daily


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x log y, 0 where x is 0."""
    return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def _segments(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Cumulative sums restarting at each group start (values sorted by group)."""
    total = np.cumsum(values)
    before = np.concatenate([[0.0], total])[starts]
    sizes = np.diff(np.append(starts, len(values)))
    return total - np.repeat(before, sizes)


def _change_points(
    number_codes: np.ndarray,
    day: np.ndarray,
    n: np.ndarray,
    x: np.ndarray,
    min_dials: int,
    confidence: float,
) -> pd.DataFrame:
    """Per tested number (indexed by its code): p_value, change_day (days since 1970),
    answer_rate_before/after and drop (+bounds); the series is sorted by number, then day."""
    columns = ["p_value", "answer_rate_before", "answer_rate_after", "drop", "drop_low"]
    columns += ["drop_high", "change_day"]
    empty = pd.DataFrame({c: pd.array([], dtype="Float64") for c in columns})
    empty.index.name = "number_code"
    if not len(n):
        return empty
    n, x = n.astype(float), x.astype(float)
    day_codes = day - day.min()
    team_x = np.bincount(day_codes, weights=x)
    team_n = np.bincount(day_codes, weights=n)
    # The rest of the team's rate that day (leave this number out, so its own drop does not
    # move its baseline); a day no one else dialled falls back to the rest's overall rate.
    rest_x, rest_n = team_x[day_codes] - x, team_n[day_codes] - n
    totals_x = np.bincount(number_codes, weights=x)[number_codes]
    totals_n = np.bincount(number_codes, weights=n)[number_codes]
    with np.errstate(divide="ignore", invalid="ignore"):
        fallback = (team_x.sum() - totals_x) / (team_n.sum() - totals_n)
        p = np.where(rest_n > 0, rest_x / rest_n, fallback)
    p = np.clip(np.nan_to_num(p, nan=0.5), 1e-6, 1 - 1e-6)
    e = n * p
    dials = np.bincount(number_codes, weights=n)
    days = np.bincount(number_codes)
    testable = (dials >= min_dials) & (days >= 2)
    keep = testable[number_codes]
    if not keep.any():
        return empty
    x, n, p, e = x[keep], n[keep], p[keep], e[keep]
    codes = number_codes[keep]
    day_values = day[keep]
    starts = np.flatnonzero(np.diff(codes, prepend=-1))
    sizes = np.diff(np.append(starts, len(codes)))
    group = np.repeat(np.arange(len(starts)), sizes)
    big_x = np.add.reduceat(x, starts)
    big_e = np.add.reduceat(e, starts)
    ratio = np.where(big_e > 0, big_x / big_e, 0.0)
    q = np.clip(ratio[group] * p, 1e-6, 1 - 1e-6)
    v = n * q * (1 - q)
    big_v = np.add.reduceat(v, starts)
    # Overdispersion: Pearson chi-square per number under "no change"; the median across
    # numbers is robust to the few that did change.
    pearson = np.add.reduceat((x - n * q) ** 2 / v, starts) / np.maximum(sizes - 1, 1)
    dispersion = max(1.0, float(np.median(pearson)))
    cum_x, cum_e, cum_v = (_segments(a, starts) for a in (x, e, v))
    w = cum_e / big_e[group]
    score = cum_x - w * big_x[group]
    variance = dispersion * ((1 - w) ** 2 * cum_v + w**2 * (big_v[group] - cum_v))
    last = np.zeros(len(codes), dtype=bool)
    last[starts + sizes - 1] = True  # a split leaves at least one day after it
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = np.where(~last & (variance > 0), score**2 / variance, -1.0)
    statistic = np.maximum(np.maximum.reduceat(chi, starts), 0.0)
    # The split itself: the one maximising the two-segment likelihood (the score statistic
    # above tests; far from "no change" the likelihood locates the change more sharply).
    with np.errstate(divide="ignore", invalid="ignore"):
        after_x, after_e = big_x[group] - cum_x, big_e[group] - cum_e
        fit = _xlogy(cum_x, cum_x / cum_e) + _xlogy(after_x, after_x / after_e)
    fit = np.where(last | ~np.isfinite(fit), -np.inf, fit)
    best = np.array(
        [s + int(np.argmax(fit[s : s + k])) for s, k in zip(starts, sizes, strict=True)]
    )
    p_value = np.minimum(1.0, (sizes - 1) * stats.chi2.sf(statistic, 1))
    before_x, before_e = cum_x[best], cum_e[best]
    before_n = _segments(n, starts)[best]
    after_x, after_e = big_x - before_x, big_e - before_e
    after_n = np.add.reduceat(n, starts) - before_n
    before_v = cum_v[best]
    after_v = big_v - before_v
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = (after_x / after_e) / (before_x / before_e)
        spread = z_score(confidence) * np.sqrt(
            dispersion * (after_v / after_x**2 + before_v / before_x**2)
        )
    drop = np.where((after_x > 0) & (before_x > 0), drop, np.nan)
    out = pd.DataFrame(
        {
            "p_value": pd.array(p_value, dtype="Float64"),
            "answer_rate_before": rate_columns(before_x, before_n, confidence)[0],
            "answer_rate_after": rate_columns(after_x, after_n, confidence)[0],
            "drop": pd.array(drop, dtype="Float64"),
            "drop_low": pd.array(drop * np.exp(-spread), dtype="Float64"),
            "drop_high": pd.array(drop * np.exp(spread), dtype="Float64"),
            "change_day": pd.array(day_values[best + 1], dtype="Float64"),
        },
        index=pd.Index(np.flatnonzero(testable), name="number_code"),
    )
    out.attrs["dispersion"] = dispersion
    return out

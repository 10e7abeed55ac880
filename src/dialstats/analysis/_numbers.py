"""Caller-ID health: which of our caller numbers stopped being answered, and since when.

Carriers' analytics label a number "Spam Likely" after high velocity or many short calls; its
answer rate then collapses. `number_health` finds that drop per number with a change-point test
on the number's daily answer rate *relative to the team's* that day, so a team-wide dip (a
holiday, a bad list) flags nobody, and corrects for testing every number at once.
"""

from __future__ import annotations

import narwhals as nw
import numpy as np
import pandas as pd
from pandas.tseries.offsets import Tick

from dialstats.analysis import _engine, _engine_tables, _frames
from dialstats.analysis._choices import choose
from dialstats.analysis._deprecate import Renamed, keyword_only
from dialstats.analysis._intervals import rate_columns, z_score
from dialstats.analysis._multiplicity import METHODS, adjust_p
from dialstats.analysis._periods import _in_zone, check_freq, period_key
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


def _alpha_as_confidence(alpha: object) -> float:
    """The old flagging level `alpha` as the one `confidence` level (alpha=0.05 -> 0.95)."""
    return 1 - check_fraction("alpha", alpha)


# Before this release `alpha` set the flags and `confidence` the intervals; one level, as in
# `compare` and `leaderboard`, sets both now.
@keyword_only(
    "alpha",
    "method",
    "min_dials",
    renamed={
        "alpha": Renamed(
            "confidence", _alpha_as_confidence, "one level now sets the flags and the intervals"
        )
    },
)
def number_health(
    df: pd.DataFrame,
    *,
    freq: str | None = None,
    confidence: float = 0.95,
    method: str = "holm",
    min_dials: int = 100,
) -> pd.DataFrame:
    """Caller-ID health: one row per caller number (`from_e164`, outbound calls), most dials first.

    The test: on day d the number answered x_d of n_d dials; the rest of the team answered p_d
    of theirs. Under "no change" x_d ~ Binomial(n_d, r p_d) for one ratio r. For every split of
    the number's days into before / after, a score statistic compares the answers before the
    split with their expectation; the largest over the D - 1 splits is referred to chi-square(1)
    with a Bonferroni factor D - 1 (a max-type correction: valid, a little conservative).
    Day-to-day variation beyond binomial is measured (the median Pearson dispersion across the
    numbers, at least 1) and widens the test. Days are those of `started_at`.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`); calls whose `direction` is not "outbound" are left out
        (every call counts when the frame has no `direction`). It may also be a Polars
        DataFrame or LazyFrame, a DuckDB relation or a pyarrow.Table: the calls are then counted
        in that engine.
    freq : str, optional
        A calendar frequency ("D", "W", "MS", ...: whole local days): the answer rate over time
        instead of one row per number (see Returns). None (default): one row per number.
    confidence : float, default 0.95
        The one level of the result, as in `compare` and `leaderboard`: a number is flagged
        when its adjusted p-value is below 1 - confidence (0.05 by default), and every interval
        (`_low` / `_high`) is at that level. (`alpha=` was the flagging level before this
        release: `alpha=0.05` is `confidence=0.95`.)
    method : {"holm", "bh"}, default "holm"
        The multiplicity correction across the tested numbers: Holm or Benjamini-Hochberg.
    min_dials : int, default 100
        Numbers with fewer dials (or fewer than two days) are not tested (`p_value` and
        `flagged` NA).

    Returns
    -------
    pandas.DataFrame
        Without `freq`, one row per number: `from_e164`, `dials`, `answered`, `answer_rate`
        (+`_low`/`_high`, Wilson), `peak_calls_per_hour` (the most calls placed from it in one
        clock hour), `short_call_share` (+`_low`/`_high`): answered calls shorter than 10 s among
        its answered calls (people hanging up on sight), `days` (days it dialled), `flagged`
        (p_adjusted < 1 - confidence and the change is a drop), `flagged_since` (the first day
        after the change, flagged numbers only), `answer_rate_before` / `answer_rate_after` the
        change and `drop` (+`_low`/`_high`): the after / before ratio of its answer rate relative
        to the team's, `p_value` of the change-point test and `p_adjusted` (across the tested
        numbers, `method=`).

        With `freq`: one row per flagged number and period it dialled in, then per period the
        other numbers together (`from_e164` NA): `from_e164`, `period` (labelled as
        `answer_rates` labels it: "W" weeks run Monday to Sunday and are labelled by their
        Sunday), `dials`, `answered`, `answer_rate` (+`_low`/`_high`).

        The test's settings are in ``.attrs`` either way (`method`, `min_dials`, `confidence`,
        `dispersion`), with the calls left out: `unknown_number`, `unknown_time`, `inbound`.

    Raises
    ------
    InvalidParameterError
        `freq` is not a calendar frequency of whole days, `method` is unknown, or `min_dials`
        is not a whole number >= 1.
    MissingColumnError
        `df` lacks `from_e164`, `started_at`, `outcome` or `duration`.

    See Also
    --------
    answer_rates : Answer rates per group and period.
    dialstats.plot.number_health : Draws the answer rate of each flagged number against the rest.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True)
    >>> health = ds.number_health(df)
    >>> health.loc[health["flagged"].fillna(False), ["from_e164", "dials", "flagged_since"]]
          from_e164  dials             flagged_since
    0  +16156534618   2645 2026-09-22 00:00:00+00:00
    1  +17046430900   2009 2026-09-22 00:00:00+00:00
    >>> ds.number_health(df, freq="W").columns.tolist()[:4]
    ['from_e164', 'period', 'dials', 'answered']
    """
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, FUNCTION)
    method = choose("method", method, METHODS)
    min_dials = check_count("min_dials", min_dials)
    confidence = check_confidence(confidence)
    if freq is not None and isinstance(check_freq(freq), Tick):
        raise InvalidParameterError(
            "freq", f"freq must be a calendar frequency of whole days (D, W, MS, ...); got {freq!r}"
        )
    if frame is not None:
        calls = _calls_on_engine(frame)
    else:
        check_columns(df, _COLUMNS, FUNCTION)
        calls = _calls(df)
    placed, numbers, timed, answered, short, hour, calls_per_row, tz = calls
    codes, uniques = pd.factorize(numbers, sort=True)
    known = placed & (codes >= 0) & timed
    codes = codes[known]
    answered, short, hour = answered[known], short[known], hour[known]
    weights = None if calls_per_row is None else calls_per_row[known]
    # Days from the hours of the frame's own clock (its time zone's wall time).
    day = hour // 24
    out, daily = _per_number(
        codes, uniques, answered, answered & short, day, hour, confidence, weights
    )
    test = _change_points(*daily, min_dials, confidence)
    out = out.join(test)
    change = pd.to_datetime(out["change_day"].to_numpy(float, na_value=np.nan), unit="D")
    out["change_day"] = change.tz_localize(tz) if tz is not None else change
    out["p_adjusted"] = pd.array(adjust_p(out["p_value"].to_numpy(float, na_value=np.nan), method))
    tested = out["p_value"].notna().to_numpy()
    flagged = (out["p_adjusted"].to_numpy(float, na_value=np.nan) < 1 - confidence) & (
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
    if freq is not None:
        chosen = out["flagged"].fillna(False).to_numpy(dtype=bool)
        flagged_codes = np.searchsorted(np.asarray(uniques, dtype=object), out["from_e164"][chosen])
        out = _over_time(daily, uniques, flagged_codes, freq, tz, confidence)
    out.attrs.update(
        method=method,
        min_dials=min_dials,
        confidence=confidence,
        dispersion=test.attrs.get("dispersion", 1.0),
        unknown_number=_total(placed & timed & ~known, calls_per_row),
        unknown_time=_total(placed & ~timed, calls_per_row),
        inbound=_total(~placed, calls_per_row),
    )
    return out


def _over_time(
    daily: tuple[np.ndarray, ...],
    uniques: pd.Index,
    flagged: np.ndarray,
    freq: str,
    tz: object,
    confidence: float,
) -> pd.DataFrame:
    """Per flagged number (by code) and period, then the other numbers together per period:
    dials, answers and the answer rate, from the (number, day, dials, answered) series."""
    numbers, day, n, x = daily
    walls = pd.DatetimeIndex(pd.to_datetime(np.asarray(day, dtype=np.int64), unit="D"))
    starts = walls.as_unit("ns") if tz is None else _in_zone(walls.as_unit("ns"), tz)
    periods = period_key(pd.Series(starts), freq)
    codes = periods.cat.codes.to_numpy().astype(np.int64)
    # One series per flagged number, and the last one for every other number.
    series = np.full(len(uniques) + 1, len(flagged), dtype=np.int64)
    series[flagged] = np.arange(len(flagged))
    which = series[np.asarray(numbers, dtype=np.int64)]
    width = len(periods.cat.categories)
    key = which * width + codes
    size = (len(flagged) + 1) * width
    dials = np.bincount(key, weights=n, minlength=size)
    answers = np.bincount(key, weights=x, minlength=size)
    present = np.flatnonzero(dials)
    labels = np.asarray(uniques, dtype=object).take(np.asarray(flagged, dtype=np.int64))
    names = pd.array([*labels, None], dtype="string")
    out = pd.DataFrame(
        {
            "from_e164": names.take(present // width),
            "period": periods.cat.categories.take(present % width),
            "dials": np.rint(dials[present]).astype(np.int64),
            "answered": np.rint(answers[present]).astype(np.int64),
        }
    )
    out = out.sort_values(["from_e164", "period"], na_position="last", kind="stable")
    out = out.reset_index(drop=True)
    rate, low, high = rate_columns(out["answered"], out["dials"], confidence)
    out["answer_rate"], out["answer_rate_low"], out["answer_rate_high"] = rate, low, high
    return out


def _total(mask: np.ndarray, calls: np.ndarray | None) -> int:
    return int(mask.sum() if calls is None else calls[mask].sum())


def _calls(df: pd.DataFrame) -> tuple:
    """Per call: placed by us, its number, whether its time is known, answered, short, its
    wall-clock hour (hours since 1970), no weights, and the frame's zone."""
    started = df["started_at"]
    timed = started.notna().to_numpy()
    answered = df["outcome"].eq("answered").to_numpy(dtype=bool, na_value=False)
    short = df["duration"].lt(SHORT_SECONDS).to_numpy(dtype=bool, na_value=False)
    wall = (started.dt.tz_localize(None) if started.dt.tz is not None else started).to_numpy()
    hour = np.where(timed, wall.astype("datetime64[h]").view(np.int64), 0)
    return outbound(df), df["from_e164"], timed, answered, short, hour, None, started.dt.tz


def _calls_on_engine(frame: object) -> tuple:
    """`_calls` from an engine: its calls counted per number, wall-clock hour and the flags
    there (one row per combination, weighted by its calls), the numbers read in pandas."""
    schema = _engine_tables.check(_engine_tables.readable(frame), _COLUMNS, FUNCTION)
    hour = "__dialstats_hour"
    derived = {
        "placed": (
            _engine._yes(_engine._text(schema, "direction") == "outbound")
            if "direction" in schema
            else nw.lit(True)
        ),
        "answered": _engine._yes(_engine._text(schema, "outcome") == "answered"),
        "short": _engine._compare(schema, "duration", "__lt__", SHORT_SECONDS),
    }
    walls = _engine_tables.with_wall(frame, "started_at", "h", hour)
    rows, calls = _engine_tables.call_rows(walls, None, ["from_e164", hour], FUNCTION, derived)
    hours = _engine_tables.as_numbers(rows[hour], "h")
    timed = ~np.isnan(hours)
    flags = [rows[name].to_numpy(dtype=bool, na_value=False) for name in derived]
    zone = _engine_tables.zone_of(_engine_tables.readable(frame), "started_at")
    numbers = rows["from_e164"].astype("string")
    hours = np.where(timed, hours, 0).astype(np.int64)
    return flags[0], numbers, timed, flags[1], flags[2], hours, calls, zone


def _pairs(
    first: np.ndarray, second: np.ndarray, *weights: np.ndarray, calls: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """The distinct (first, second) pairs sorted, the calls in each and each weight's sum;
    `calls`: how many calls each row stands for (one each when None)."""
    low = int(second.min())
    span = int(second.max()) - low + 1
    key = first.astype(np.int64) * span + (second - low)
    size = (int(first.max()) + 1) * span
    if calls is not None:
        weights = tuple(w * calls for w in weights)
    if size <= max(4 * len(key), 1 << 20):  # a dense count is cheaper than sorting
        counts = np.bincount(key, weights=calls, minlength=size)
        present = np.flatnonzero(counts)
        sums = [np.bincount(key, weights=w, minlength=size)[present] for w in weights]
        counts = counts[present]
    else:
        present, inverse = np.unique(key, return_inverse=True)
        counts = np.bincount(inverse, weights=calls)
        sums = [np.bincount(inverse, weights=w) for w in weights]
    if calls is not None:
        counts = np.rint(counts).astype(np.int64)
    return (present // span, present % span + low, counts, *sums)


def _per_number(
    codes: np.ndarray,
    uniques: pd.Index,
    answered: np.ndarray,
    short: np.ndarray,
    day: np.ndarray,
    hour: np.ndarray,
    confidence: float,
    calls: np.ndarray | None = None,
) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    """Per number counts, rates and peak hour; and the (number, day, dials, answered) series.
    `calls`: how many calls each row stands for (one each when None)."""
    m = len(uniques)
    if calls is None:
        dials = np.bincount(codes, minlength=m)
        answers = np.bincount(codes, weights=answered, minlength=m)
        shorts = np.bincount(codes, weights=short, minlength=m)
    else:
        dials = np.rint(np.bincount(codes, weights=calls, minlength=m)).astype(np.int64)
        answers = np.bincount(codes, weights=answered * calls, minlength=m)
        shorts = np.bincount(codes, weights=short * calls, minlength=m)
    peak = np.zeros(m, dtype=np.int64)
    days = np.zeros(m, dtype=np.int64)
    daily: tuple[np.ndarray, ...] = tuple(np.zeros(0) for _ in range(4))
    if len(codes):
        number, _, per_hour = _pairs(codes, hour, calls=calls)
        np.maximum.at(peak, number, per_hour)
        daily = _pairs(codes, day, answered, calls=calls)
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

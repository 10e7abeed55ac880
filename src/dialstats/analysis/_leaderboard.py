"""A leaderboard that does not rank noise: shrunken rates, rank intervals, mix-adjusted ratios.

A raw-rate ranking puts a rep with 40 dials beside one with 4,000, and a rep whose lists are
easy above one whose lists are hard. Here each group's rate is shrunk toward the team's by
how much groups really differ (empirical Bayes, beta-binomial), ranks carry intervals, and
`ratio_to_expected` compares each group with what its own mix of lists (or any `adjust_for`
columns) predicts (indirect standardisation), with multiplicity-corrected p-values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from dialstats.analysis import _engine, _frames, _metrics, _shrink
from dialstats.analysis._choices import choose
from dialstats.analysis._compare import rate_metric
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._intervals import rate_columns
from dialstats.analysis._multiplicity import METHODS, adjust_p
from dialstats.analysis._periods import PERIOD, period_key
from dialstats.analysis._scipy import stats
from dialstats.analysis._validate import (
    check_confidence,
    check_frame,
    group_keys,
    require_columns,
)
from dialstats.errors import InvalidParameterError

_WEEK = "__week__"
# counts(columns, weekly=False): the metric's denominator and numerator per group of
# `columns` (weekly: and week of `started_at`, as the last key)
Counter = Callable[..., pd.DataFrame]


@keyword_only("by", "metric", "adjust_for", "method", "confidence", "definitions")
def leaderboard(
    df: pd.DataFrame,
    by: str | Sequence[str] = "user_name",
    *,
    metric: str = "connect_rate",
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    adjust_for: str | Sequence[str] | None = None,
    method: str = "holm",
) -> pd.DataFrame:
    """Groups ranked by their shrunken `metric`, with the evidence to read the ranking.

    A raw-rate ranking puts a group with 40 dials beside one with 4,000; here each group's rate is
    shrunk toward the team's (empirical Bayes), ranks carry intervals, and `ratio_to_expected`
    compares each group with what its own mix of `adjust_for` values predicts.

    Overdispersion: the group-weeks (by `started_at`) are tested for varying more than binomial
    sampling allows (Pearson X^2 / df, in ``attrs["dispersion"]`` with its
    ``dispersion_p_value``); when they do (p < 1 - confidence) every interval and test is widened
    by that factor (quasi-binomial, ``attrs["dispersion_scale"]``). The fitted prior is in
    ``attrs["prior_mean"]`` / ``attrs["prior_precision"]`` (in dials).

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the two counts are then taken in that engine per group and
        week (and, with `adjust_for`, per group and stratum: a second query), and only those
        small tables are collected (see `dialstats.analysis._engine`); shrinkage, ranks,
        dispersion and the ratios are computed in numpy from them as for a pandas frame, and the
        result is the same pandas frame.
    by : str or sequence of str, default "user_name"
        The columns whose groups are ranked (at least one).
    metric : str, default "connect_rate"
        A rate of the metric contract (`metric`); a count has no denominator to rank over.
    confidence : float, default 0.95
        The level of every interval, and of the dispersion test.
    definitions : Definitions, optional
        What the counts mean; None (default) is the vendor's (`VENDOR`).
    adjust_for : str or sequence of str, optional
        The columns (e.g. ``"contact_list_name"``) whose mix each group's expected count is
        standardised on: the frame's rate within each value, weighted by the group's dials
        there. None (default): all groups one mix. It may not repeat a `by` column.
    method : {"holm", "bh"}, default "holm"
        The multiplicity correction of `p_adjusted`: Holm (family-wise error) or
        Benjamini-Hochberg (false discovery rate).

    Returns
    -------
    pandas.DataFrame
        One row per group, best first (groups without dials stay as rows with NA rates and
        ranks, last):

        - the `by` columns, the metric's denominator and numerator counts;
        - the raw rate with its Wilson interval (`<metric>_low` / `_high`);
        - `<metric>_shrunk`, the empirical-Bayes posterior mean under a beta prior fitted to all
          groups by marginal likelihood, with its equal-tailed credible interval
          (`_shrunk_low` / `_shrunk_high`);
        - `rank` (1 = best, by the shrunken rate) and `rank_low` / `rank_high` (its interval over
          posterior draws, seeded);
        - `expected_<numerator>`, the count the group's mix of `adjust_for` values predicts at
          the frame's rate within each value, `ratio_to_expected` (observed / expected) with its
          score interval (`_low` / `_high`), and `p_value` / `p_adjusted` for "different from
          expected".

    Raises
    ------
    InvalidParameterError
        `by` is empty, `adjust_for` repeats a `by` column, `metric` is not a rate, or `method` is
        unknown.
    MissingColumnError
        `df` lacks `started_at` or a column the counts read.

    See Also
    --------
    compare : Each group against the rest, or against each other group.
    trend : A rate over time, with control limits.
    dialstats.plot.rate_vs_volume : Spiegelhalter's funnel plot of this table.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True)
    >>> board = ds.leaderboard(df, adjust_for="contact_list_name")
    >>> board[["user_name", "dials", "rank"]].head(3)
          user_name  dials  rank
    0    Maya Patel   3103     1
    1  Jordan Reyes   2756     2
    2   Olivia Chen   1783     3
    """
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, "leaderboard")
    columns = df if frame is None else _engine.columns_of(frame)
    keys = group_keys(columns, by, "leaderboard")
    if not keys:
        raise InvalidParameterError("by", "leaderboard needs a column to rank by, e.g. 'user_name'")
    strata = group_keys(columns, adjust_for, "leaderboard")
    if set(strata) & set(keys):
        raise InvalidParameterError(
            "adjust_for", f"adjust_for repeats a by column: {sorted(set(strata) & set(keys))}"
        )
    spec = rate_metric(metric)
    method = choose("method", method, METHODS)
    confidence = check_confidence(confidence)
    require_columns(columns, ["started_at"], "leaderboard")
    names = [spec.denominator, spec.numerator]
    if frame is None:
        counts = _pandas_counter(df, names, definitions)
    else:
        counts = _engine_counter(frame, keys, strata, names, definitions)
    out = counts(keys)
    x = out[spec.numerator].to_numpy(dtype=float)
    n = out[spec.denominator].to_numpy(dtype=float)
    spread = _dispersion(keys, counts)
    scale = spread.scale(1 - confidence)
    # Quasi-binomial: scaled counts carry the evidence the overdispersed data really holds.
    xs, ns = x / scale, n / scale
    raw, low, high = rate_columns(xs, ns, confidence)
    out[spec.name], out[f"{spec.name}_low"], out[f"{spec.name}_high"] = raw, low, high
    out = _shrunk(out, spec.name, xs, ns, confidence)
    out = _expected(out, keys, strata, spec, counts, scale, confidence, method)
    out = out.sort_values("rank", na_position="last", kind="stable", ignore_index=True)
    out.attrs.update(
        metric=spec.name,
        numerator=spec.numerator,
        denominator=spec.denominator,
        by=keys,
        adjust_for=strata,
        method=method,
        confidence=confidence,
        dispersion=spread.statistic,
        dispersion_df=spread.df,
        dispersion_p_value=spread.p_value,
        dispersion_scale=scale,
    )
    return out


def _pandas_counter(df: pd.DataFrame, names: list[str], definitions: Definitions | None) -> Counter:
    def counts(columns: list[str], weekly: bool = False) -> pd.DataFrame:
        """The metric's two counts per group of `columns` (and week)."""
        frame = df
        if weekly:
            frame = df.assign(**{_WEEK: period_key(df["started_at"], "W")})
            columns = [*columns, _WEEK]
        return _metrics.grouped_counts(
            frame, columns, names, function="leaderboard", definitions=definitions
        )

    return counts


def _engine_counter(
    frame: object,
    keys: list[str],
    strata: list[str],
    names: list[str],
    definitions: Definitions | None,
) -> Counter:
    """The counts taken in the frame's engine: per group and week, and per group and stratum
    (with strata); each table asked for is summed from one of those small ones in pandas."""
    definitions = check_definitions(definitions)
    wanted = _engine.counted(names)
    weeks = _engine.reduce(frame, keys, wanted, "leaderboard", definitions, "W")
    cells = weeks
    if strata:
        cells = _engine.reduce(frame, [*keys, *strata], wanted, "leaderboard", definitions)

    def counts(columns: list[str], weekly: bool = False) -> pd.DataFrame:
        if weekly:
            return weeks.aggregate([*columns, PERIOD])
        return (weeks if set(columns) <= set(keys) else cells).aggregate(columns)

    return counts


def _dispersion(keys: list[str], counts: Counter) -> _shrink.Dispersion:
    """How much each group's weeks vary around the group's rate, beyond binomial noise."""
    weeks = counts(keys, weekly=True)
    group = weeks.groupby(keys, dropna=False, observed=True, sort=False).ngroup().to_numpy()
    numerator, denominator = weeks.columns[-1], weeks.columns[-2]
    return _shrink.dispersion(
        weeks[numerator].to_numpy(dtype=float), weeks[denominator].to_numpy(dtype=float), group
    )


def _shrunk(
    out: pd.DataFrame, name: str, x: np.ndarray, n: np.ndarray, confidence: float
) -> pd.DataFrame:
    prior = _shrink.fit_prior(x, n)
    a, b, mean, low, high = _shrink.posterior(prior, x, n, confidence)
    dialled = n > 0
    for suffix, values in (("_shrunk", mean), ("_shrunk_low", low), ("_shrunk_high", high)):
        out[name + suffix] = pd.array(np.where(dialled, values, np.nan), dtype="Float64")
    rank = np.full(len(out), np.nan)
    rank_low, rank_high = rank.copy(), rank.copy()
    rank[dialled] = stats.rankdata(-mean[dialled], method="min")
    rank_low[dialled], rank_high[dialled] = _shrink.rank_intervals(
        a[dialled], b[dialled], confidence
    )
    for column, values in (("rank", rank), ("rank_low", rank_low), ("rank_high", rank_high)):
        out[column] = pd.array(values, dtype="Float64").astype("Int64")
    out.attrs.update(
        prior_mean=np.nan if prior is None else prior.mean,
        prior_precision=np.nan if prior is None else prior.precision,
    )
    return out


def _expected(
    out: pd.DataFrame,
    keys: list[str],
    strata: list[str],
    spec: _metrics.Metric,
    counts: Counter,
    scale: float,
    confidence: float,
    method: str,
) -> pd.DataFrame:
    """Indirect standardisation: the count each group's mix predicts, and observed / expected."""
    cells = counts([*keys, *strata])
    if strata:
        overall = counts(strata)
        with np.errstate(divide="ignore", invalid="ignore"):
            overall["__rate__"] = overall[spec.numerator] / overall[spec.denominator]
        cells = cells.merge(overall[[*strata, "__rate__"]], on=strata, how="left")
        rate = cells["__rate__"].to_numpy(dtype=float)
    else:
        total = out[spec.denominator].sum()
        rate = np.full(len(cells), out[spec.numerator].sum() / total if total else np.nan)
    n = cells[spec.denominator].to_numpy(dtype=float)
    rate = np.where(n > 0, rate, 0.0)
    cells["__expected__"] = n * rate
    cells["__square__"] = n * rate**2
    sums = cells.groupby(keys, dropna=False, observed=True, sort=False)[
        ["__expected__", "__square__"]
    ].sum()
    sums = out[keys].merge(sums.reset_index(), on=keys, how="left")
    expected = sums["__expected__"].to_numpy(dtype=float)
    square = sums["__square__"].to_numpy(dtype=float)
    observed = out[spec.numerator].to_numpy(dtype=float)
    ratio, low, high, p_value = _ratio_to_expected(observed, expected, square, scale, confidence)
    out[f"expected_{spec.numerator}"] = pd.array(expected, dtype="Float64")
    out["ratio_to_expected"] = pd.array(ratio, dtype="Float64")
    out["ratio_to_expected_low"] = pd.array(low, dtype="Float64")
    out["ratio_to_expected_high"] = pd.array(high, dtype="Float64")
    out["p_value"] = pd.array(p_value, dtype="Float64")
    out["p_adjusted"] = pd.array(adjust_p(p_value, method), dtype="Float64")
    return out


def _ratio_to_expected(
    observed: np.ndarray,
    expected: np.ndarray,
    square: np.ndarray,
    scale: float,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """observed / expected with the score interval and test.

    Under ratio t the observed count has mean t E and variance scale * (t E - t^2 S), with
    S = sum n r^2 over the group's cells (binomial within each cell). The test of t = 1 is the
    score z; the interval is every t the same test does not reject, the roots of
    (O - t E)^2 = z^2 scale (t E - t^2 S), so interval and test always agree.
    """
    z = float(stats.norm.isf((1 - confidence) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
        variance = scale * (expected - square)
        p_value = np.where(
            variance > 0, 2 * stats.norm.sf(np.abs(observed - expected) / np.sqrt(variance)), np.nan
        )
        k = z * z * scale
        qa = expected**2 + k * square
        qb = -(2 * observed * expected + k * expected)
        qc = observed**2
        root = np.sqrt(np.maximum(qb * qb - 4 * qa * qc, 0.0))
        low = (-qb - root) / (2 * qa)
        high = (-qb + root) / (2 * qa)
    defined = expected > 0
    return ratio, np.where(defined, low, np.nan), np.where(defined, high, np.nan), p_value

"""Two rates side by side: their difference and ratio with intervals, and a test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dialstats.analysis import _engine, _frames, _metrics
from dialstats.analysis._choices import choose
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._intervals import rate_columns, wilson_interval
from dialstats.analysis._multiplicity import METHODS, adjust_p
from dialstats.analysis._scipy import stats
from dialstats.analysis._validate import check_confidence, check_frame, group_keys
from dialstats.errors import InvalidParameterError

AGAINST = ("rest", "pairs")
OTHER = "other_"


@dataclass(frozen=True)
class TwoRates:
    """Group 1 against group 2, one entry per comparison (float arrays, NaN when undefined)."""

    difference: np.ndarray
    difference_low: np.ndarray
    difference_high: np.ndarray
    ratio: np.ndarray
    ratio_low: np.ndarray
    ratio_high: np.ndarray
    p_value: np.ndarray


def two_rates(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, confidence: float
) -> TwoRates:
    """Rate x1/n1 against x2/n2.

    Difference: Newcombe's hybrid score interval (1998, method 10, from the two Wilson
    intervals). Ratio: Katz's log interval (NaN with a zero count). p-value: the two-sided
    two-proportion z-test with the pooled variance (Pearson's chi-square without correction).
    """
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    z = float(stats.norm.isf((1 - confidence) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        low1, high1 = wilson_interval(x1, n1, confidence)
        low2, high2 = wilson_interval(x2, n2, confidence)
        difference = p1 - p2
        difference_low = difference - np.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
        difference_high = difference + np.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
        ratio = np.where((x1 > 0) & (x2 > 0), p1 / p2, np.nan)
        spread = z * np.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
        ratio_low, ratio_high = ratio * np.exp(-spread), ratio * np.exp(spread)
        pooled = (x1 + x2) / (n1 + n2)
        score = difference / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        p_value = 2 * stats.norm.sf(np.abs(score))
    return TwoRates(
        difference, difference_low, difference_high, ratio, ratio_low, ratio_high, p_value
    )


@keyword_only("by", "metric", "against", "method")
def compare(
    df: pd.DataFrame,
    by: str | Sequence[str] = "user_name",
    *,
    metric: str = "connect_rate",
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    against: str = "rest",
    method: str = "holm",
) -> pd.DataFrame:
    """Each group's `metric` against the rest of the frame, or against each other group.

    Difference and ratio come with intervals, and a test with `p_value` and `p_adjusted` (Holm or
    Benjamini-Hochberg over all the comparisons, `method=`). The difference's interval is
    Newcombe's hybrid score interval (from the two Wilson intervals), the ratio's Katz's log
    interval (NA with a zero count), and the test the two-sided two-proportion z-test with the
    pooled variance.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the two counts per group are then taken in that engine and
        only that small table is collected (see `dialstats.analysis._engine`); the comparisons
        are made in numpy as for a pandas frame, and the result is the same pandas frame.
    by : str or sequence of str, default "user_name"
        The columns whose groups are compared (at least one).
    metric : str, default "connect_rate"
        A rate of the metric contract (`metric`); a count has no denominator to compare over.
    confidence : float, default 0.95
        The level of the intervals; a comparison is `significant` when p_adjusted < 1 -
        confidence.
    definitions : Definitions, optional
        What the counts mean; None (default) is the vendor's (`VENDOR`).
    against : {"rest", "pairs"}, default "rest"
        ``"rest"``: each group against all the other calls together; ``"pairs"``: each pair of
        groups once.
    method : {"holm", "bh"}, default "holm"
        The multiplicity correction of `p_adjusted`: Holm (family-wise error) or
        Benjamini-Hochberg (false discovery rate).

    Returns
    -------
    pandas.DataFrame
        One row per group (per pair with ``"pairs"``): the `by` columns (with ``"pairs"`` also
        `other_<by>`), the group's denominator, numerator and rate, the same prefixed `other_`
        for the rest (or the other group), `difference` (group - other) and `ratio` (group /
        other) with `_low` / `_high`, `p_value`, `p_adjusted` and `significant` (p_adjusted <
        1 - confidence). Groups without dials are left out.

    Raises
    ------
    InvalidParameterError
        `by` is empty, `metric` is not a rate, or `against` or `method` is unknown.
    MissingColumnError
        `df` lacks a column the counts read.

    See Also
    --------
    leaderboard : Groups ranked by shrunken rates, with rank intervals.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> versus = ds.compare(df, by="user_name")
    >>> versus[["user_name", "connect_rate", "other_connect_rate", "significant"]].head(3).round(3)
          user_name  connect_rate  other_connect_rate  significant
    0  Ethan Brooks         0.108               0.143        False
    1    Hannah Kim         0.148               0.139        False
    2  Jordan Reyes         0.147               0.139        False
    >>> ds.compare(df, by="user_name", against="pairs").shape  # 9 reps: 36 pairs
    (36, 17)
    """
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, "compare")
    keys = group_keys(df if frame is None else _engine.columns_of(frame), by, "compare")
    if not keys:
        raise InvalidParameterError("by", "compare needs at least one column to group by")
    spec = rate_metric(metric)
    against = choose("against", against, AGAINST)
    method = choose("method", method, METHODS)
    confidence = check_confidence(confidence)
    names = [spec.numerator, spec.denominator]
    if frame is None:
        counts = _metrics.grouped_counts(
            df, keys, names, function="compare", definitions=definitions
        )
    else:
        definitions = check_definitions(definitions)
        counts = _engine.grouped_counts(
            frame, keys, names, function="compare", definitions=definitions
        )
    counts = counts[counts[spec.denominator] > 0].reset_index(drop=True)
    x = counts[spec.numerator].to_numpy(dtype=float)
    n = counts[spec.denominator].to_numpy(dtype=float)
    if against == "rest":
        first, second = np.arange(len(counts)), None
        x2, n2 = x.sum() - x, n.sum() - n
    else:
        first, second = np.triu_indices(len(counts), k=1)
        x2, n2 = x[second], n[second]
    left = counts.iloc[first].reset_index(drop=True)
    out = left[keys].copy()
    if second is not None:
        right = counts.iloc[second].reset_index(drop=True)
        for key in keys:
            out[OTHER + key] = right[key]
    out[spec.denominator] = n[first].astype(np.int64)
    out[spec.numerator] = x[first].astype(np.int64)
    out[spec.name] = rate_columns(x[first], n[first], confidence)[0]
    out[OTHER + spec.denominator] = n2.astype(np.int64)
    out[OTHER + spec.numerator] = x2.astype(np.int64)
    out[OTHER + spec.name] = rate_columns(x2, n2, confidence)[0]
    result = two_rates(x[first], n[first], x2, n2, confidence)
    for name in ("difference", "ratio"):
        for suffix in ("", "_low", "_high"):
            out[name + suffix] = pd.array(getattr(result, name + suffix), dtype="Float64")
    out["p_value"] = pd.array(result.p_value, dtype="Float64")
    adjusted = adjust_p(result.p_value, method)
    out["p_adjusted"] = pd.array(adjusted, dtype="Float64")
    out["significant"] = pd.array(
        np.where(np.isnan(adjusted), None, adjusted < 1 - confidence), dtype="boolean"
    )
    out.attrs.update(metric=spec.name, against=against, method=method, confidence=confidence)
    return out


def rate_metric(name: str) -> _metrics.Metric:
    """The contract's rate `name` (a count has no denominator to compare over)."""
    spec = _metrics.metric(name)
    if spec.denominator is None:
        raise InvalidParameterError(
            "metric", f"metric must be a rate such as 'connect_rate'; {name!r} is a count"
        )
    return spec

"""A rate over time: is it trending, and which periods are outside the noise (p-chart)?"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dialstats.analysis import _engine, _frames, _metrics
from dialstats.analysis._compare import rate_metric
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._intervals import rate_columns
from dialstats.analysis._periods import PERIOD, period_key
from dialstats.analysis._scipy import stats
from dialstats.analysis._validate import (
    check_confidence,
    check_frame,
    group_keys,
    require_columns,
)
from dialstats.errors import InvalidParameterError

SIGMAS = 3  # Shewhart's control limits


def _metric_first(df: object, second: object) -> bool:
    """Whether `trend(df, second, ...)` is the old order (metric first): `second` names a metric
    of the contract and no column of `df` (a column by that name is the new order's `by`)."""
    if not isinstance(second, str) or second not in _metrics.METRICS:
        return False
    frame = _frames.wrap(df)
    if frame is None and not isinstance(df, pd.DataFrame):
        return False  # trend's own check says what a frame must be
    columns = df.columns if frame is None else _engine.columns_of(frame).columns
    return second not in columns


# Before this release the order was trend(df, metric, freq, by); `by` is second now, as in
# every other analysis, so a second argument that is a metric name is the old order.
@keyword_only("metric", "freq", "by", old_order=_metric_first)
def trend(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    metric: str = "connect_rate",
    freq: str = "W",
    confidence: float = 0.95,
    definitions: Definitions | None = None,
) -> pd.DataFrame:
    """`metric` per period of `started_at`, with p-chart control limits and a trend test.

    The trend test is Cochran-Armitage's (the rate against the period's number), per group in
    ``attrs["trend"]`` (a list of records, ``pd.DataFrame(result.attrs["trend"])`` tabulates it):
    the `by` values, `slope` (change in rate per period, weighted least squares), `z`, `p_value`.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the counts per group and period are then taken in that
        engine and only that small table is collected (see `dialstats.analysis._engine`, which
        says how periods are counted there); limits and the test are computed in numpy as for a
        pandas frame, and the result is the same pandas frame.
    by : str or sequence of str, optional
        The columns to group by; None (default) is one group of every call.
    metric : str, default "connect_rate"
        A rate of the metric contract (`metric`).
    freq : str, default "W"
        A pandas frequency ("D", "W", "MS", ...): the periods, as `answer_rates(freq=...)` cuts
        them.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    definitions : Definitions, optional
        What the counts mean; None (default) is the vendor's (`VENDOR`).

    Returns
    -------
    pandas.DataFrame
        One row per group and period: the `by` columns, `period` (as `answer_rates(freq=...)`
        labels it), the denominator and numerator counts, the rate with its Wilson interval,
        `center` (the group's rate over all periods), `lower_limit` / `upper_limit` (center -/+
        3 standard errors at that period's dials, within [0, 1]) and `outside` (the rate is
        beyond them: more than noise; NA without dials).

    Raises
    ------
    InvalidParameterError
        `metric` is not a rate, `freq` is not a frequency, or a `by` column is named ``period``.
    MissingColumnError
        `df` lacks `started_at` or a column the counts read.

    See Also
    --------
    answer_rates : Every count and rate per period (with `freq`).
    dialstats.plot.trend : Draws this table.

    Examples
    --------
    >>> import dialstats as ds
    >>> import pandas as pd
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> daily = ds.trend(df, freq="D")
    >>> daily[["period", "dials", "outside"]]
                         period  dials  outside
    0 2026-08-03 00:00:00+00:00    421    False
    1 2026-08-04 00:00:00+00:00    469    False
    2 2026-08-05 00:00:00+00:00    497    False
    3 2026-08-06 00:00:00+00:00    484    False
    4 2026-08-07 00:00:00+00:00    129    False
    >>> pd.DataFrame(daily.attrs["trend"]).round(2)
       slope     z  p_value
    0   -0.0 -0.44     0.66
    """
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, "trend")
    columns = df if frame is None else _engine.columns_of(frame)
    keys = group_keys(columns, by, "trend")
    if PERIOD in keys:
        raise InvalidParameterError(
            "by", f"{PERIOD!r} names the period column; rename the by column"
        )
    spec = rate_metric(metric)
    confidence = check_confidence(confidence)
    require_columns(columns, ["started_at"], "trend")
    names = [spec.denominator, spec.numerator]
    if frame is None:
        periods = period_key(df["started_at"], freq)
        out = _metrics.grouped_counts(
            df.assign(**{PERIOD: periods}),
            [*keys, PERIOD],
            names,
            function="trend",
            definitions=definitions,
        )
    else:
        definitions = check_definitions(definitions)
        out = _engine.grouped_counts(
            frame, keys, names, function="trend", definitions=definitions, freq=freq
        )
    labels = out[PERIOD].cat.categories.dtype
    out = out[out[PERIOD].notna()].reset_index(drop=True)
    out[PERIOD] = out[PERIOD].astype(labels)
    x = out[spec.numerator].to_numpy(dtype=float)
    n = out[spec.denominator].to_numpy(dtype=float)
    raw, low, high = rate_columns(x, n, confidence)
    out[spec.name], out[f"{spec.name}_low"], out[f"{spec.name}_high"] = raw, low, high
    group = (
        out.groupby(keys, dropna=False, observed=True, sort=False).ngroup().to_numpy()
        if keys
        else np.zeros(len(out), dtype=np.int64)
    )
    groups = int(group.max()) + 1 if len(group) else 0
    total_x = np.bincount(group, weights=x, minlength=groups)
    total_n = np.bincount(group, weights=n, minlength=groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        center = (total_x / total_n)[group]
        error = SIGMAS * np.sqrt(center * (1 - center) / n)
        rate = x / n
    lower, upper = np.clip(center - error, 0, 1), np.clip(center + error, 0, 1)
    out["center"] = pd.array(center, dtype="Float64")
    out["lower_limit"] = pd.array(np.where(n > 0, lower, np.nan), dtype="Float64")
    out["upper_limit"] = pd.array(np.where(n > 0, upper, np.nan), dtype="Float64")
    outside = np.where(n > 0, (rate < lower) | (rate > upper), None)
    out["outside"] = pd.array(outside, dtype="boolean")
    index = out[PERIOD].rank(method="dense").to_numpy(dtype=float) - 1
    summary = out[keys].iloc[np.unique(group, return_index=True)[1]].reset_index(drop=True)
    slopes, scores, p_values = (
        zip(
            *(_armitage(x[group == g], n[group == g], index[group == g]) for g in range(groups)),
            strict=True,
        )
        if groups
        else ((), (), ())
    )
    summary["slope"] = np.array(slopes, dtype=float)
    summary["z"] = np.array(scores, dtype=float)
    summary["p_value"] = np.array(p_values, dtype=float)
    # Records, not a frame: attrs travel with every copy of the result and must compare cheaply.
    trend = summary.astype(object).where(summary.notna(), None).to_dict("records")
    out.attrs.update(metric=spec.name, freq=freq, confidence=confidence, trend=trend)
    return out


def _armitage(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> tuple[float, float, float]:
    """Cochran-Armitage test for a linear trend in x/n over scores t: (slope, z, p)."""
    total = n.sum()
    if total == 0:
        return np.nan, np.nan, np.nan
    p = x.sum() / total
    centred = t - np.average(t, weights=n)
    spread = np.sum(n * centred**2)
    if spread == 0 or p in (0.0, 1.0):
        return np.nan, np.nan, np.nan
    statistic = np.sum(x * centred)
    z = statistic / np.sqrt(p * (1 - p) * spread)
    return float(statistic / spread), float(z), float(2 * stats.norm.sf(abs(z)))

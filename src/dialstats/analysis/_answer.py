"""Answer, human-answer and connect rates per group and period."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dialstats.analysis import _engine, _frames, _groups
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._metrics import count_columns, rates
from dialstats.analysis._periods import PERIOD, check_freq, period_key
from dialstats.analysis._rates import with_rates
from dialstats.analysis._validate import check_columns, check_confidence, check_frame, group_keys
from dialstats.errors import InvalidParameterError

COUNTS = ("dials", "answered", "human", "machine", "connected")
RATES = ("answer_rate", "human_rate", "connect_rate")


@keyword_only("by", "freq")
def answer_rates(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    freq: str | None = None,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
) -> pd.DataFrame:
    """Dials, answers and connects per group (and per period of `started_at` with `freq`).

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the counts are then taken in that engine and only the count
        table is collected (see `dialstats.analysis._engine`); the result is the same pandas
        frame.
    by : str or sequence of str, optional
        The columns to group by; None (default) is one group of every call.
    freq : str, optional
        A pandas frequency ("D", "W", "MS", ...): one row per group and period of `started_at`,
        binned as `df.resample(freq)` bins. None (default): no periods.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    definitions : Definitions, optional
        What connected means; None (default) is the vendor's rule (`VENDOR`).

    Returns
    -------
    pandas.DataFrame
        One row per group (and period), with columns:

        - the `by` columns;
        - `period` (with `freq`): the start or end label of each bin, as `df.resample(freq)`
          labels it, in the frame's zone, naive = UTC; every period in the range is a row;
        - `dials`, `answered`, `human`, `machine`, `connected`;
        - `answer_rate`, `human_rate`, `connect_rate` (each over dials) with `<rate>_low` /
          `<rate>_high` Wilson bounds. No dials -> NA rates.

    Raises
    ------
    InvalidParameterError
        A parameter outside what it allows, such as an unknown `freq`, or a `by` column named
        ``period`` together with `freq`.
    MissingColumnError
        `df` lacks a column the counts read.

    See Also
    --------
    trend : One rate per period, with control limits and a trend test.
    disposition_funnel : The stages from dials to meetings.
    dialstats.plot.answer_rates : Draws this table.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> ds.answer_rates(df)[["dials", "answered", "connected", "connect_rate"]]
       dials  answered  connected  connect_rate
    0   2000       738        280          0.14
    >>> daily = ds.answer_rates(df, by="user_name", freq="D")
    >>> daily.columns.tolist()[:7]
    ['user_name', 'period', 'dials', 'answered', 'human', 'machine', 'connected']
    """
    frame = _frames.wrap(df)
    if frame is not None:
        return _answer_rates_on_engine(frame, by, freq, confidence, definitions)
    check_frame(df, "answer_rates")
    keys = {name: df[name] for name in group_keys(df, by, "answer_rates")}
    confidence = check_confidence(confidence)
    definitions = check_definitions(definitions)
    if freq is not None:
        check_freq(freq)
        check_columns(df, {"started_at": "datetime"}, "answer_rates")
        if PERIOD in keys:
            raise InvalidParameterError(
                "by", f"with freq, {PERIOD!r} names the period column; rename the by column"
            )
    columns = count_columns(df, COUNTS, "answer_rates", definitions)
    if freq is not None:
        keys[PERIOD] = period_key(df["started_at"], freq)
    counts = _groups.aggregate(df.index, keys, columns)
    if freq is not None:
        counts[PERIOD] = counts[PERIOD].astype(keys[PERIOD].cat.categories.dtype)
    return with_rates(counts, rates(RATES), confidence)


def _answer_rates_on_engine(
    frame: object,
    by: str | Sequence[str] | None,
    freq: str | None,
    confidence: float,
    definitions: Definitions | None,
) -> pd.DataFrame:
    confidence = check_confidence(confidence)
    definitions = check_definitions(definitions)
    if freq is not None:
        check_freq(freq)
    counts = {name: None if name == "dials" else name for name in COUNTS}
    reduced = _engine.reduce(frame, by, counts, "answer_rates", definitions, freq)
    out = reduced.aggregate()
    if freq is not None:
        out[PERIOD] = out[PERIOD].astype(reduced.keys[PERIOD].cat.categories.dtype)
    return with_rates(out, rates(RATES), confidence)

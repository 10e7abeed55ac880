"""Answer, human-answer and connect rates per group and period."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dialstats.analysis import _engine, _groups
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._metrics import Definitions, check_definitions, count_columns, rates
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

    Columns: the `by` columns, `period` (with `freq`: the start or end label of each bin, as
    `df.resample(freq)` labels it, in the frame's zone, naive = UTC; every period in the range is
    a row), `dials`, `answered`, `human`, `machine`, `connected`, and `answer_rate`,
    `human_rate`, `connect_rate` (each over dials) with `<rate>_low` / `<rate>_high` Wilson
    bounds. No dials -> NA rates. `definitions` says what connected means (the vendor's rule
    by default).

    `df` may also be a Polars DataFrame or LazyFrame, a DuckDB relation or a pyarrow.Table:
    the counts are then taken in that engine and only the count table is collected (see
    `dialstats.analysis._engine`); the result is the same pandas frame.

    >>> import dialstats as ds
    >>> ds.answer_rates(ds.read_call_logs(demo=True), by="user_name", freq="W")  # doctest: +SKIP
    """
    frame = _engine.wrap(df)
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

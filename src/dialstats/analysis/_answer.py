"""Answer, human-answer and connect rates per group and period."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dialstats.analysis import _flags, _groups
from dialstats.analysis._periods import PERIOD, period_key
from dialstats.analysis._rates import with_rates
from dialstats.analysis._validate import check_confidence, check_frame, group_keys, require_columns
from dialstats.errors import InvalidParameterError

_COUNTS = ("answered", "human", "machine", "connected")
_RATES = {
    "answer_rate": ("answered", "dials"),
    "human_rate": ("human", "dials"),
    "connect_rate": ("connected", "dials"),
}


def answer_rates(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    freq: str | None = None,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Dials, answers and connects per group (and per period of `started_at` with `freq`).

    Columns: the `by` columns, `period` (with `freq`: the start or end label of each bin, as
    `df.resample(freq)` labels it; every period in the range is a row), `dials`, `answered`,
    `human`, `machine`, `connected`, and `answer_rate`, `human_rate`, `connect_rate` (each over
    dials) with `<rate>_low` / `<rate>_high` Wilson bounds. No dials -> NA rates.

    >>> import dialstats as ds
    >>> ds.answer_rates(ds.read_call_logs(demo=True), by="user_name", freq="W")  # doctest: +SKIP
    """
    check_frame(df, "answer_rates")
    keys = {name: df[name] for name in group_keys(df, by, "answer_rates")}
    confidence = check_confidence(confidence)
    flags = _flags.compute(df, _COUNTS, "answer_rates")
    if freq is not None:
        require_columns(df, ["started_at"], "answer_rates")
        if PERIOD in keys:
            raise InvalidParameterError(
                "by", f"with freq, {PERIOD!r} names the period column; rename the by column"
            )
        keys[PERIOD] = period_key(df["started_at"], freq)
    columns = {"dials": (None, _groups.SIZE)}
    columns |= {name: (flags[name], _groups.SUM) for name in _COUNTS}
    counts = _groups.aggregate(df.index, keys, columns)
    if freq is not None:
        counts[PERIOD] = counts[PERIOD].astype(keys[PERIOD].cat.categories.dtype)
    return with_rates(counts, _RATES, confidence)

"""Each group's change against the period before: what a manager reads first in a report."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dialstats.analysis import adjust_p, answer_rates, two_rates
from dialstats.analysis import metric as metric_named


def period_change(
    now: pd.DataFrame,
    before: pd.DataFrame,
    by: str,
    *,
    metric: str = "connect_rate",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per value of ``by``: dials and ``metric`` in both periods, the change in points with its
    interval, and ``p_adjusted`` (Holm over the groups): ``significant`` when below 1 - confidence.

    Groups in either period appear (a rep back from leave, a new list); a rate over no dials is NA.

    >>> period_change(week, last_week, "user_name")  # doctest: +SKIP
    """
    spec = metric_named(metric)
    rows = {}
    for name, frame in (("now", now), ("before", before)):
        counts = answer_rates(frame, by=by) if not frame.empty else None
        if counts is None or spec.numerator not in counts:
            counts = pd.DataFrame(columns=[by, spec.numerator, spec.denominator])
        rows[name] = counts.set_index(by)[[spec.numerator, spec.denominator]]
    table = rows["now"].join(rows["before"].add_suffix("_before"), how="outer")
    table = table.fillna(0).astype("int64")
    x1, n1 = table[spec.numerator], table[spec.denominator]
    x2, n2 = table[f"{spec.numerator}_before"], table[f"{spec.denominator}_before"]
    with np.errstate(divide="ignore", invalid="ignore"):
        result = two_rates(x1, n1, x2, n2, confidence)
    out = pd.DataFrame(index=table.index)
    out["dials"], out["dials_before"] = n1, n2
    out[metric] = (x1 / n1.where(n1 > 0)).astype("Float64")
    out[f"{metric}_before"] = (x2 / n2.where(n2 > 0)).astype("Float64")
    out["change"] = pd.array(result.difference, dtype="Float64")
    out["change_low"] = pd.array(result.difference_low, dtype="Float64")
    out["change_high"] = pd.array(result.difference_high, dtype="Float64")
    p = pd.Series(result.p_value, index=table.index)
    tested = p.notna()
    adjusted = pd.Series(np.nan, index=table.index)
    if tested.any():
        adjusted[tested] = adjust_p(p[tested].to_numpy(), "holm")
    out["p_adjusted"] = adjusted.astype("Float64")
    out["significant"] = (out["p_adjusted"] < 1 - confidence).fillna(False).astype(bool)
    return out.reset_index().rename(columns={"index": by})

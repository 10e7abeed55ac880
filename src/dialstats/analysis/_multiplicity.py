"""Multiplicity correction: p-values adjusted for testing many groups at once."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dialstats.analysis._choices import choose
from dialstats.analysis._scipy import stats

METHODS = ("holm", "bh")


def adjust_p(p_values: npt.ArrayLike, method: str = "holm") -> np.ndarray:
    """p-values adjusted for multiplicity; NaN (no test) stays NaN and is not counted.

    `method="holm"` (Holm 1979) keeps the chance of any false "different" at the nominal
    level (family-wise error rate); `"bh"` (Benjamini-Hochberg 1995) keeps the expected share
    of false "different" among those called different (false discovery rate) and finds more.

    >>> adjust_p([0.01, 0.04, 0.03], "holm").round(2).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_p([0.01, 0.04, 0.03], "bh").round(2).tolist()
    [0.03, 0.04, 0.04]
    """
    method = choose("method", method, METHODS)
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    if not tested.any():
        return out
    if method == "bh":
        out[tested] = stats.false_discovery_control(p[tested], method="bh")
        return out
    values = p[tested]
    order = np.argsort(values, kind="stable")
    m = len(values)
    stepped = np.maximum.accumulate((m - np.arange(m)) * values[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    out[tested] = adjusted
    return out

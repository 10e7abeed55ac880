"""Wilson score intervals for proportions: honest error bars for small groups."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import numpy.typing as npt
import pandas as pd

from dialstats.analysis._validate import check_confidence
from dialstats.errors import InvalidParameterError

ArrayLike = npt.ArrayLike


def z_score(confidence: float) -> float:
    """The two-sided standard-normal quantile for `confidence` (1.959964 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + check_confidence(confidence) / 2)


def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95
) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of the proportion successes / trials.

    Unlike the normal approximation it stays inside [0, 1] and is sensible for 0 or all
    successes and small samples.

    Parameters
    ----------
    successes : int, float or array_like
        The counts of successes (Series, arrays and pandas' nullable arrays are read too; a
        missing count is NaN).
    trials : int, float or array_like
        The counts of trials, the same shape as `successes`.
    confidence : float, default 0.95
        The level of the interval, strictly between 0 and 1.

    Returns
    -------
    low, high : float or numpy.ndarray
        The bounds. Scalars give floats, arrays (or Series) give float arrays; zero trials or a
        missing count give NaN (no denominator, no proportion).

    Raises
    ------
    InvalidParameterError
        A count is below 0, successes exceed trials, or `confidence` is not in (0, 1).

    See Also
    --------
    sample_size : Dials per arm to detect a lift.

    Examples
    --------
    >>> low, high = wilson_interval(81, 263)  # Newcombe (1998), example (a)
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    >>> round(wilson_interval(0, 10)[1], 4)
    0.2775
    >>> import numpy as np
    >>> low, high = wilson_interval(np.array([0, 5, 0]), np.array([10, 10, 0]))
    >>> low.round(3), high.round(3)
    (array([0.   , 0.237,   nan]), array([0.278, 0.763,   nan]))
    """
    z = z_score(confidence)
    x, n = _floats(successes), _floats(trials)
    if np.any(x < 0) or np.any(n < 0):
        raise InvalidParameterError("successes", "successes and trials must be >= 0")
    if np.any(x > n):
        raise InvalidParameterError("successes", "successes must be <= trials")
    low, high = _wilson(x, n, z)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def _floats(values: ArrayLike) -> np.ndarray:
    """Numbers as floats, missing values (pd.NA too) as NaN."""
    if isinstance(values, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def _wilson(x: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        z2n = z * z / n
        centre = (p + z2n / 2) / (1 + z2n)
        half = z * np.sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n)
    empty = n == 0
    # Pin the exact bounds: rounding would otherwise leave 1e-17 at 0 successes.
    low = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def rate_columns(
    successes: ArrayLike, trials: ArrayLike, confidence: float
) -> tuple[pd.arrays.FloatingArray, pd.arrays.FloatingArray, pd.arrays.FloatingArray]:
    """(rate, low, high) as Float64 arrays; NA where trials is 0."""
    x, n = _floats(successes), _floats(trials)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, x / n, np.nan)
    low, high = _wilson(x, n, z_score(confidence))
    return tuple(pd.array(values, dtype="Float64") for values in (rate, low, high))

"""Planning a test: how many dials per arm, or what lift a given number of dials can show.

Both use the standard two-sided test of two proportions with the variance pooled under the
null (Fleiss, Levin & Paik, *Statistical Methods for Rates and Proportions*, 3rd ed., eq. 4.14,
without continuity correction):

    n = (z_(1-alpha/2) * sqrt(2 * pbar * (1 - pbar)) + z_power * sqrt(p1 q1 + p2 q2))^2 / (p2 - p1)^2

with pbar = (p1 + p2) / 2. For 5% -> 7.5% at alpha 0.05 and power 0.8 it gives 1,471 dials per
arm; the continuity-corrected form gives 1,549 and Cohen's arcsine form 1,458.
"""

from __future__ import annotations

import math

import numpy as np

from dialstats.analysis._scipy import optimize, stats
from dialstats.errors import InvalidParameterError


def sample_size(baseline: float, lift: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Dials per arm to detect a relative `lift` on a `baseline` rate (two-sided test).

    The standard two-sided test of two proportions with the variance pooled under the null
    (Fleiss, Levin & Paik, eq. 4.14, without continuity correction; see the module's note).

    Parameters
    ----------
    baseline : float
        The rate today, strictly between 0 and 1 (a connect rate of 5% is 0.05).
    lift : float
        The relative change to detect, non-zero: 0.5 means the rate goes from `baseline` to
        1.5 x `baseline`; a negative lift is a fall. baseline x (1 + lift) must stay strictly
        between 0 and 1.
    alpha : float, default 0.05
        The test's two-sided significance level.
    power : float, default 0.8
        The chance of detecting the lift when it is real.

    Returns
    -------
    int
        Dials per arm, rounded up.

    Raises
    ------
    InvalidParameterError
        `baseline`, `alpha` or `power` is not strictly between 0 and 1, `lift` is 0 or not a
        number, or the lifted rate leaves (0, 1).

    See Also
    --------
    minimum_detectable_effect : The inverse: the lift a number of dials can detect.

    Examples
    --------
    >>> sample_size(0.05, 0.5)  # connect rate 5% -> 7.5%
    1471
    >>> sample_size(0.05, -0.2)  # 5% -> 4%
    6745
    """
    p1 = _probability("baseline", baseline)
    if isinstance(lift, bool) or not isinstance(lift, int | float) or lift == 0:
        raise InvalidParameterError("lift", f"lift must be a non-zero number; got {lift!r}")
    p2 = p1 * (1 + lift)
    if not 0 < p2 < 1:
        raise InvalidParameterError(
            "lift", f"baseline x (1 + lift) must be strictly between 0 and 1; got {p2!r}"
        )
    return math.ceil(_dials(p1, p2, *_quantiles(alpha, power)))


def minimum_detectable_effect(
    dials: int, baseline: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """The smallest relative lift on `baseline` that `dials` per arm detect (two-sided test).

    The inverse of `sample_size`: an upward lift, relative (0.5 = +50%).

    Parameters
    ----------
    dials : int
        Dials per arm, a whole number >= 2.
    baseline : float
        The rate today, strictly between 0 and 1.
    alpha : float, default 0.05
        The test's two-sided significance level.
    power : float, default 0.8
        The chance of detecting the lift when it is real.

    Returns
    -------
    float
        The relative lift (0.5 = +50%).

    Raises
    ------
    InvalidParameterError
        `dials` is not a whole number >= 2 or too few to detect any rise from `baseline`, or
        `baseline`, `alpha` or `power` is not strictly between 0 and 1.

    See Also
    --------
    sample_size : The dials per arm a given lift needs.

    Examples
    --------
    >>> round(minimum_detectable_effect(1471, 0.05), 3)
    0.5
    >>> round(minimum_detectable_effect(5000, 0.05, power=0.9), 3)
    0.302
    """
    if isinstance(dials, bool) or not isinstance(dials, int | np.integer) or dials < 2:
        raise InvalidParameterError("dials", f"dials must be a whole number >= 2; got {dials!r}")
    p1 = _probability("baseline", baseline)
    z = _quantiles(alpha, power)
    top = 1 - 1e-12
    if _dials(p1, top, *z) > dials:
        raise InvalidParameterError(
            "dials", f"{dials} dials per arm cannot detect any rise from {p1:.2%}"
        )
    p2 = optimize.brentq(lambda p: _dials(p1, p, *z) - dials, p1 + 1e-12, top, xtol=1e-12)
    return float(p2 / p1 - 1)


def _dials(p1: float, p2: float, z_alpha: float, z_power: float) -> float:
    mean = (p1 + p2) / 2
    spread = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_power * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return spread**2 / (p2 - p1) ** 2


def _quantiles(alpha: float, power: float) -> tuple[float, float]:
    alpha = _probability("alpha", alpha)
    power = _probability("power", power)
    return float(stats.norm.isf(alpha / 2)), float(stats.norm.ppf(power))


def _probability(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise InvalidParameterError(
            name, f"{name} must be a number strictly between 0 and 1; got {value!r}"
        )
    return float(value)

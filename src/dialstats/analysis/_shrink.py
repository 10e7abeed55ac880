"""Empirical-Bayes shrinkage of group rates (beta-binomial), and overdispersion.

A rep with 40 dials and 8 connects has a raw rate of 20%, but most of that is luck. The
beta-binomial model says each group's true rate is drawn from a Beta(a, b) spread across
groups; fitting (a, b) to every group at once (maximum marginal likelihood) says how much
groups really differ, and each group's posterior Beta(a + x, b + n - x) pulls small groups
toward the team's rate and leaves big ones where they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dialstats.analysis._scipy import optimize, special, stats

# The prior never counts for more dials than the data behind it: with no spread between groups
# the marginal likelihood grows without bound as the prior tightens.
_MIN_PRECISION = 1e-3
RANK_DRAWS = 4000
RANK_SEED = 20240301


@dataclass(frozen=True)
class BetaPrior:
    """The fitted spread of true rates across groups: Beta(a, b)."""

    a: float
    b: float

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    @property
    def precision(self) -> float:
        """a + b: how many dials of evidence the prior is worth."""
        return self.a + self.b


def fit_prior(successes: np.ndarray, trials: np.ndarray) -> BetaPrior | None:
    """The Beta(a, b) maximising the beta-binomial marginal likelihood of the groups.

    Groups without trials carry no information and are ignored; None when fewer than two
    groups have trials or none has a success or a failure (nothing to fit).

    >>> prior = fit_prior(np.array([5, 50, 12, 30]), np.array([100, 400, 150, 300]))
    >>> round(prior.mean, 3)
    0.098
    """
    x, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    keep = n > 0
    x, n = x[keep], n[keep]
    if len(n) < 2 or x.sum() == 0 or x.sum() == n.sum():
        return None
    pooled = x.sum() / n.sum()
    cap = n.sum()

    def negative_log_likelihood(theta: np.ndarray) -> float:
        mean = special.expit(theta[0])
        precision = np.exp(theta[1])
        a, b = mean * precision, (1 - mean) * precision
        # The beta-binomial log likelihood less its binomial coefficient, which does not
        # depend on (a, b); betaln also takes the non-integer counts quasi-binomial scaling gives.
        return -float(np.sum(special.betaln(x + a, n - x + b) - special.betaln(a, b)))

    start = np.array([special.logit(pooled), np.log(_moments_precision(x, n, cap))])
    bounds = [(None, None), (np.log(_MIN_PRECISION), np.log(cap))]
    best = optimize.minimize(negative_log_likelihood, start, method="L-BFGS-B", bounds=bounds)
    mean, precision = special.expit(best.x[0]), float(np.exp(best.x[1]))
    return BetaPrior(float(mean * precision), float((1 - mean) * precision))


def _moments_precision(x: np.ndarray, n: np.ndarray, cap: float) -> float:
    """Method-of-moments a + b (a start for the optimiser), within (0, cap]."""
    p = x / n
    mean = x.sum() / n.sum()
    between = np.average((p - mean) ** 2, weights=n) - mean * (1 - mean) * len(n) / n.sum()
    if between <= 0:
        return cap
    return float(np.clip(mean * (1 - mean) / between - 1, _MIN_PRECISION * 10, cap))


def posterior(
    prior: BetaPrior | None, successes: np.ndarray, trials: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per group: (posterior a, posterior b, mean, equal-tailed credible low, high).

    Without a prior (nothing to fit) the posterior is the flat Beta(1, 1) one.
    """
    x, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    a0, b0 = (1.0, 1.0) if prior is None else (prior.a, prior.b)
    a, b = a0 + x, b0 + n - x
    tail = (1 - confidence) / 2
    low, high = stats.beta.ppf(tail, a, b), stats.beta.ppf(1 - tail, a, b)
    return a, b, a / (a + b), low, high


def rank_intervals(
    a: np.ndarray, b: np.ndarray, confidence: float, *, seed: int = RANK_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the `confidence` interval of its rank (1 = highest rate) over posterior draws.

    Draws are seeded, so the same data gives the same intervals.
    """
    if len(a) == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    rng = np.random.default_rng(seed)
    draws = rng.beta(a, b, size=(RANK_DRAWS, len(a)))
    ranks = stats.rankdata(-draws, axis=1, method="min")
    tail = (1 - confidence) / 2
    low = np.quantile(ranks, tail, axis=0, method="lower")
    high = np.quantile(ranks, 1 - tail, axis=0, method="higher")
    return low.astype(np.int64), high.astype(np.int64)


@dataclass(frozen=True)
class Dispersion:
    """Pearson's dispersion of units (e.g. group-weeks) around their group's rate.

    `statistic` is X^2 / df: about 1 when units vary as binomial sampling says, above 1 when
    they vary more (overdispersion). `p_value` tests "no more than binomial" (chi-square).
    """

    statistic: float
    chi_square: float
    df: int
    p_value: float

    def scale(self, alpha: float = 0.05) -> float:
        """The variance factor to apply: the statistic when overdispersion is detected, else 1."""
        detected = self.df > 0 and self.p_value < alpha and self.statistic > 1
        return float(self.statistic) if detected else 1.0


def dispersion(successes: np.ndarray, trials: np.ndarray, group: np.ndarray) -> Dispersion:
    """How much units vary around their group's pooled rate, beyond binomial noise.

    `group` holds each unit's group code; units without trials are ignored, and so are
    groups whose rate is 0 or 1 (no variance to compare with).
    """
    x, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    group = np.asarray(group)
    keep = n > 0
    x, n, group = x[keep], n[keep], group[keep]
    codes, group = np.unique(group, return_inverse=True)
    totals_x = np.bincount(group, weights=x, minlength=len(codes))
    totals_n = np.bincount(group, weights=n, minlength=len(codes))
    rate = (totals_x / totals_n)[group]
    varied = (rate > 0) & (rate < 1)
    expected = n[varied] * rate[varied]
    chi_square = float(np.sum((x[varied] - expected) ** 2 / (expected * (1 - rate[varied]))))
    df = int(varied.sum() - len(np.unique(group[varied])))
    if df <= 0:
        return Dispersion(np.nan, chi_square, 0, np.nan)
    return Dispersion(chi_square / df, chi_square, df, float(stats.chi2.sf(chi_square, df)))

"""Best time to call, smoothed: each weekday x hour cell shrunk toward a weekday + hour model.

A cell with 30 dials has an interval like [5%, 30%]; ranking raw cells ranks noise. An
additive logistic model (a weekday effect plus an hour effect) pools every call into 31
numbers; each cell is then shrunk toward that model's value by how much cells really depart
from it (a beta-binomial whose precision is fitted by marginal likelihood): well-dialled
cells keep their own rate, thin ones borrow from their weekday and hour.

How far to trust the ranking is measured, not assumed: the calls are split at random into two
halves many times (seeded) and the halves' cell rankings compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dialstats.analysis._scipy import optimize, special, stats

SPLITS = 20
SPLIT_SEED = 20240302
TOP = 5
# A weak ridge on the model's effects: a weekday or hour never dialled gets the average
# effect instead of minus infinity.
_RIDGE = 1.0
_DAYS, _HOURS = 7, 24


def smooth_cells(
    cells: pd.DataFrame, metric: str, numerator: str, confidence: float
) -> pd.DataFrame:
    """Add `<metric>_smoothed` with its credible interval `_smoothed_low` / `_smoothed_high`
    (NA for cells without dials) to the tidy weekday x hour `cells`, and the split-half
    reliability of raw and smoothed rankings in ``attrs["reliability"]`` (see `split_half`).

    `cells` has `weekday`, `hour` (categoricals), `dials` and the `numerator` count.
    """
    day = cells["weekday"].cat.codes.to_numpy()
    hour = cells["hour"].cat.codes.to_numpy()
    n = cells["dials"].to_numpy(dtype=float)
    x = cells[numerator].to_numpy(dtype=float)
    mean, a, b = _smoothed(day, hour, x, n)
    tail = (1 - confidence) / 2
    dialled = n > 0
    columns = {
        "_smoothed": mean,
        "_smoothed_low": stats.beta.ppf(tail, a, b),
        "_smoothed_high": stats.beta.ppf(1 - tail, a, b),
    }
    out = cells.copy()
    for suffix, values in columns.items():
        out[metric + suffix] = pd.array(np.where(dialled, values, np.nan), dtype="Float64")
    out.attrs["reliability"] = split_half(day, hour, x, n)
    return out


def _smoothed(
    day: np.ndarray, hour: np.ndarray, x: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: the posterior mean and Beta(a, b) of its rate."""
    model = _additive(day, hour, x, n)
    precision = _precision(model, x, n)
    a, b = precision * model + x, precision * (1 - model) + n - x
    return a / (a + b), a, b


def _additive(day: np.ndarray, hour: np.ndarray, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The weekday + hour logistic model's rate per cell (penalised maximum likelihood)."""
    total = n.sum()
    if total == 0:
        return np.full(len(n), np.nan)
    pooled = np.clip(x.sum() / total, 0.5 / total, 1 - 0.5 / total)
    design = np.zeros((len(n), 1 + _DAYS + _HOURS))
    design[:, 0] = 1
    design[np.arange(len(n)), 1 + day] = 1
    design[np.arange(len(n)), 1 + _DAYS + hour] = 1
    penalty = np.full(design.shape[1], _RIDGE)
    penalty[0] = 0  # the intercept carries the overall rate, unpenalised

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = design @ theta
        # Binomial log likelihood: x * eta - n * log(1 + e^eta), stably.
        value = -np.sum(x * eta - n * np.logaddexp(0, eta)) + 0.5 * np.sum(penalty * theta**2)
        gradient = -design.T @ (x - n * special.expit(eta)) + penalty * theta
        return value, gradient

    def hessian(theta: np.ndarray) -> np.ndarray:
        rate = special.expit(design @ theta)
        return (design.T * (n * rate * (1 - rate))) @ design + np.diag(penalty)

    start = np.zeros(design.shape[1])
    start[0] = special.logit(pooled)
    # A convex problem with 32 parameters: Newton steps converge in a handful of iterations.
    fit = optimize.minimize(objective, start, jac=True, hess=hessian, method="trust-exact")
    return special.expit(design @ fit.x)


def _precision(model: np.ndarray, x: np.ndarray, n: np.ndarray) -> float:
    """The beta-binomial precision (in dials) of cells around the model, by marginal likelihood."""
    keep = n > 0
    if keep.sum() < 2:
        return 1.0
    m, x, n = np.clip(model[keep], 1e-9, 1 - 1e-9), x[keep], n[keep]

    def negative(log_precision: float) -> float:
        k = np.exp(log_precision)
        return -float(
            np.sum(
                special.betaln(x + k * m, n - x + k * (1 - m)) - special.betaln(k * m, k * (1 - m))
            )
        )

    # With cells exactly additive the likelihood keeps rising as the precision grows; the
    # model's value for a cell is itself estimated from about total / effects dials, so the
    # prior is never worth more than that.
    ceiling = max(n.sum() / (1 + _DAYS + _HOURS), 1.0)
    fit = optimize.minimize_scalar(
        negative, bounds=(np.log(0.1), np.log(ceiling)), method="bounded"
    )
    return float(np.exp(fit.x))


def split_half(
    day: np.ndarray,
    hour: np.ndarray,
    x: np.ndarray,
    n: np.ndarray,
    *,
    splits: int = SPLITS,
    seed: int = SPLIT_SEED,
) -> dict[str, dict[str, float]]:
    """How well two random halves of the calls agree on the ranking of cells, raw and smoothed.

    Each call goes to one half by a fair coin, which per cell makes a half's dials binomial
    and its successes hypergeometric, so the halves are drawn from the cell counts. Per view:
    `rank_correlation` (median Spearman correlation of the halves' cell rates, over cells
    dialled in both), `top_cell_agreement` (share of splits whose halves pick the same best
    cell) and `top_overlap` (mean share of the top 5 cells the halves share), as
    ``{"raw": {...}, "smoothed": {...}}`` (``pd.DataFrame(result).T`` tabulates it).
    """
    rng = np.random.default_rng(seed)
    count = n.astype(np.int64)
    hits = x.astype(np.int64)
    scores = {"raw": [], "smoothed": []}
    for _ in range(splits):
        first_n = rng.binomial(count, 0.5)
        first_x = rng.hypergeometric(hits, count - hits, first_n)
        halves = [(first_x, first_n), (hits - first_x, count - first_n)]
        both = (first_n > 0) & (count - first_n > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = [h_x / h_n for h_x, h_n in halves]
        smooth = [
            _smoothed(day, hour, h_x.astype(float), h_n.astype(float))[0] for h_x, h_n in halves
        ]
        for view, (one, two) in (("raw", raw), ("smoothed", smooth)):
            scores[view].append(_agreement(one[both], two[both]))
    rows = {}
    for view, values in scores.items():
        table = np.array(values, dtype=float).reshape(-1, 3)
        # The correlation is a median over splits, the agreement shares are means.
        rows[view] = [
            _summary(table[:, 0], np.median),
            *(_summary(c, np.mean) for c in table.T[1:]),
        ]
    names = ("rank_correlation", "top_cell_agreement", "top_overlap")
    # Plain dicts: attrs travel with every copy of the frame and must compare cheaply.
    return {view: dict(zip(names, values, strict=True)) for view, values in rows.items()}


def _summary(values: np.ndarray, how: object) -> float:
    """`how` of the defined values; NaN when no split gave one."""
    values = values[~np.isnan(values)]
    return float(how(values)) if len(values) else np.nan


def _agreement(one: np.ndarray, two: np.ndarray) -> tuple[float, float, float]:
    if len(one) < 2:
        return np.nan, np.nan, np.nan
    # A constant half (every cell 0%) has no ranking to correlate.
    constant = np.ptp(one) == 0 or np.ptp(two) == 0
    correlation = np.nan if constant else stats.spearmanr(one, two).statistic
    top = min(TOP, len(one))
    best_one, best_two = np.argsort(-one, kind="stable"), np.argsort(-two, kind="stable")
    same = float(best_one[0] == best_two[0])
    overlap = len(set(best_one[:top]) & set(best_two[:top])) / top
    return float(correlation), same, overlap

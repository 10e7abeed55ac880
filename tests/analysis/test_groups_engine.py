"""The grouping engine's fast paths against plain pandas: one-pass class counts (`tally`),
per-group sorts and medians, and the first-rule lookup of the AMD evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dialstats.analysis import _groups
from dialstats.analysis._machine import _first_rule


def _keys(rng: np.random.Generator, rows: int, groups: int) -> dict[str, pd.Series]:
    # Two unused categories: groups without rows must still be rows of the table.
    names = [f"g{i}" for i in range(groups + 2)]
    codes = rng.integers(-1, groups, rows)  # -1: a missing key, its own group
    return {"key": pd.Series(pd.Categorical.from_codes(codes, names))}


@pytest.mark.parametrize("groups", [1, 7, 2_000])
def test_tally_counts_each_class_per_group_like_a_crosstab(groups: int) -> None:
    rng = np.random.default_rng(groups)
    keys = _keys(rng, 5_000, groups)
    codes = rng.integers(0, 6, 5_000)
    out, counts = _groups.tally(keys["key"].index, keys, {"dials": (None, _groups.SIZE)}, codes, 6)
    expected = pd.crosstab(keys["key"], codes, dropna=False).reindex(columns=range(6), fill_value=0)
    expected = expected.reindex(out["key"]).fillna(0).to_numpy(dtype=np.int64)
    assert np.array_equal(counts, expected)
    assert np.array_equal(counts.sum(axis=1), out["dials"].to_numpy())
    plain = _groups.aggregate(keys["key"].index, keys, {"dials": (None, _groups.SIZE)})
    pd.testing.assert_frame_equal(out, plain)


@pytest.mark.parametrize("groups", [1, 12, 3_000])  # few groups: sorted one by one; many: lexsort
def test_medians_equal_pandas_groupby_median_bit_for_bit(groups: int) -> None:
    rng = np.random.default_rng(groups)
    keys = _keys(rng, 8_000, groups)
    values = np.round(rng.normal(60, 40, 8_000), 1)
    values[rng.random(8_000) < 0.3] = np.nan
    out = _groups.aggregate(keys["key"].index, keys, {"median": (values, _groups.MEDIAN)})
    frame = pd.DataFrame({"key": keys["key"], "value": values})
    expected = frame.groupby("key", observed=False, dropna=False)["value"].median()
    expected = expected.reindex(pd.CategoricalIndex(out["key"], dtype=keys["key"].dtype))
    assert np.array_equal(
        out["median"].to_numpy(dtype=float, na_value=np.nan), expected.to_numpy(), equal_nan=True
    )


def test_sorted_within_orders_by_group_then_value() -> None:
    rng = np.random.default_rng(3)
    keys = _keys(rng, 4_000, 9)
    groups = _groups._Groups(keys)
    values = rng.normal(size=4_000)
    ordered, sizes = _groups.sorted_within(groups, groups.code, values)
    assert np.array_equal(ordered, values[np.lexsort((values, groups.code))])
    assert np.array_equal(sizes, np.bincount(groups.code, minlength=groups.cells))


def test_first_rule_is_the_lowest_rule_that_holds() -> None:
    rng = np.random.default_rng(4)
    rules = [rng.random(1_000) < share for share in (0.2, 0.5, 0.1, 0.7)]
    expected = [next((i for i, rule in enumerate(rules) if rule[row]), -1) for row in range(1_000)]
    assert _first_rule(rules).tolist() == expected

"""Group calls and aggregate per group: the one engine behind every table.

Group semantics, shared by every analysis:

- every category of a categorical key is a row, even with no calls (counts 0, rates NA), crossed
  with the combinations of the other keys that occur; other keys give only the groups that occur;
- a missing key value (no sequence, nobody answered, ...) is a group of its own, so the groups
  always add up to the whole frame;
- rows are sorted by the keys in order: categories in category order, other values ascending,
  missing values last.

Rows are factorised once into one integer group code; sums are then `np.bincount`s, so a table
costs about one `groupby().size()` however many columns it has.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

SIZE = "size"  # rows per group (the values are ignored)
SUM = "sum"
MEDIAN = "median"
NUNIQUE = "nunique"
FIRST = "first"

# (values row-aligned with the frame, how to aggregate them)
Column = tuple[object, str]

_WHOLE_FRAME = "__all__"
# Beyond this many conceivable key combinations, one int64 code per row could overflow.
_MAX_CODE = 2**62
# Up to this many non-empty groups, `sorted_within` sorts each group on its own.
_FEW_GROUPS = 1000


def aggregate(
    index: pd.Index, keys: Mapping[str, pd.Series], columns: Mapping[str, Column]
) -> pd.DataFrame:
    """One row per group of `keys`: the key columns, then each column aggregated.

    `index` is the frame's index, which `keys` and the column values are aligned with.
    No keys -> one row for the whole frame (even an empty one).
    """
    return tally(index, keys, columns)[0]


def tally(
    index: pd.Index,
    keys: Mapping[str, pd.Series],
    columns: Mapping[str, Column],
    codes: np.ndarray | None = None,
    width: int = 0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """`aggregate`, and per group (in its rows' order) how many rows have each of `codes`
    (integers in [0, width); None: an empty count table): one pass, so counts of many
    exclusive classes cost one `bincount`.
    """
    if not keys:
        whole = pd.Categorical.from_codes(np.zeros(len(index), dtype=np.int8), [_WHOLE_FRAME])
        keys = {_WHOLE_FRAME: pd.Series(whole, index=index)}
    groups = _Groups(keys)
    out = groups.key_frame()
    for name, (values, how) in columns.items():
        out[name] = _AGGREGATE[how](groups, values)
    if codes is None:
        counts = np.zeros((len(groups.kept), 0), dtype=np.int64)
    else:
        counts = groups.class_counts(codes, width)
    out = out.sort_values(list(keys), na_position="last", kind="stable")
    counts = counts[out.index.to_numpy()]
    out = out.reset_index(drop=True)
    return out.drop(columns=[_WHOLE_FRAME], errors="ignore"), counts


class _Groups:
    """The group code of every row, and which cells of the key grid become rows.

    The grid has an axis per categorical key (its categories, then "missing") and one axis for
    the combinations of the other keys that occur.
    """

    def __init__(self, keys: Mapping[str, pd.Series]) -> None:
        keys = {name: _as_key(key) for name, key in keys.items()}
        self.keys = keys
        self.rows = len(next(iter(keys.values())))
        categorical = {n: k for n, k in keys.items() if isinstance(k.dtype, pd.CategoricalDtype)}
        self.categorical = list(categorical)
        others = [name for name in keys if name not in categorical]
        self.others = others
        axes, sizes = [], []
        for key in categorical.values():
            codes = key.cat.codes.to_numpy().astype(np.int64)
            missing = len(key.cat.categories)
            codes[codes < 0] = missing
            axes.append(codes)
            sizes.append(missing + 1)
        if others:
            self.combos, self.values = _combine([keys[name] for name in others])
            axes.append(self.combos)
            sizes.append(len(self.values[0]))
        self.shape = tuple(sizes)
        code = axes[0].copy()
        for axis, size in zip(axes[1:], sizes[1:], strict=True):
            code *= size
            code += axis
        self.code = code
        self.cells = int(np.prod(sizes))
        self.counts = np.bincount(code, minlength=self.cells)
        # Every category of every categorical key (not their "missing" slot) is a row.
        full = np.ones(self.shape, dtype=bool)
        for axis, size in enumerate(sizes[: len(categorical)]):
            slot = [slice(None)] * len(sizes)
            slot[axis] = size - 1
            full[tuple(slot)] = False
        self.kept = np.flatnonzero((self.counts > 0) | full.ravel())

    def key_frame(self) -> pd.DataFrame:
        position = np.unravel_index(self.kept, self.shape)
        columns = {}
        for axis, name in enumerate(self.categorical):
            dtype = self.keys[name].dtype
            codes = np.where(position[axis] == len(dtype.categories), -1, position[axis])
            columns[name] = pd.Categorical.from_codes(codes, dtype=dtype)
        if self.others:
            for name, values in zip(self.others, self.values, strict=True):
                columns[name] = pd.array(values.take(position[-1]), dtype=self.keys[name].dtype)
        frame = pd.DataFrame(columns, index=pd.RangeIndex(len(self.kept)))
        return frame[list(self.keys)]

    def class_counts(self, codes: np.ndarray, width: int) -> np.ndarray:
        """Per kept group (rows) how many of its rows have each class (columns) of `codes`,
        integers in [0, width): one `bincount` for all of them."""
        cells = np.bincount(self.code * width + codes, minlength=self.cells * width)
        return cells.reshape(self.cells, width)[self.kept]

    def counts_where(self, mask: np.ndarray) -> np.ndarray:
        """Per group, how many of its rows `mask` holds for."""
        return np.bincount(self.code.take(np.flatnonzero(mask)), minlength=self.cells)[self.kept]


def _as_key(key: pd.Series) -> pd.Series:
    """Arrow dictionary columns (the pyarrow backend's categories) as pandas categoricals."""
    dtype = key.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype):
        return pd.Series(pa.array(key.array).to_pandas().array, index=key.index, name=key.name)
    return key


def _combine(keys: list[pd.Series]) -> tuple[np.ndarray, list[pd.Index]]:
    """Per row, the number of its combination of key values (missing included); and per key,
    its value in each combination, in that numbering."""
    codes, levels = zip(*(pd.factorize(key, use_na_sentinel=False) for key in keys), strict=True)
    if len(keys) == 1:
        return codes[0].astype(np.int64, copy=False), [levels[0]]
    sizes = [len(level) for level in levels]
    if np.prod(sizes, dtype=float) > _MAX_CODE:
        # Too many conceivable combinations for one integer: let pandas number those seen.
        combined, seen = pd.factorize(pd.MultiIndex.from_arrays(list(codes)))
        positions = [seen.get_level_values(axis) for axis in range(len(keys))]
    else:
        combined = np.zeros(len(keys[0]), dtype=np.int64)
        for axis, size in zip(codes, sizes, strict=True):
            combined = combined * size + axis
        combined, seen = renumber(combined, int(np.prod(sizes)))
        positions = np.unravel_index(seen, sizes)
    values = [level.take(position) for level, position in zip(levels, positions, strict=True)]
    return combined.astype(np.int64, copy=False), values


def renumber(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Integers in [0, size) renumbered 0..k-1 in order of value, and the k values that occur.

    Like `pd.factorize(values, sort=True)`, but a table lookup (no hashing) when `size` is
    small next to the number of values.
    """
    if size > 4 * len(values) + 1_000_000:
        codes, seen = pd.factorize(values, sort=True)
        return codes.astype(np.int64, copy=False), np.asarray(seen)
    present = np.zeros(size, dtype=bool)
    present[values] = True
    seen = np.flatnonzero(present)
    number = np.cumsum(present, dtype=np.int64) - 1
    return number[values], seen


def _size(groups: _Groups, values: object) -> np.ndarray:
    return groups.counts[groups.kept]


def _sum(groups: _Groups, values: object) -> pd.array:
    if isinstance(values, np.ndarray) and values.dtype == bool:  # a flag: count it
        return groups.counts_where(values)
    series = pd.Series(values)
    weights = series.to_numpy(dtype=float, na_value=0.0)
    totals = np.bincount(groups.code, weights=weights, minlength=groups.cells)[groups.kept]
    nullable = isinstance(series.dtype, pd.api.extensions.ExtensionDtype)
    if pd.api.types.is_float_dtype(series.dtype):  # fractions as sent: never rounded
        return pd.array(totals, dtype="Float64" if nullable else "float64")
    return pd.array(np.rint(totals).astype(np.int64), dtype="Int64" if nullable else "int64")


def _median(groups: _Groups, values: object) -> pd.array:
    if isinstance(values, np.ndarray) and values.dtype == float:
        numbers = values
    else:
        numbers = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    # Row numbers then `take`: several times faster than a boolean mask over a mostly-NaN column.
    known = np.flatnonzero(~np.isnan(numbers))
    ordered, sizes = sorted_within(groups, groups.code.take(known), numbers.take(known))
    first = (np.cumsum(sizes) - sizes)[groups.kept]
    sizes = sizes[groups.kept]
    if len(ordered):
        low = ordered[np.minimum(first + (sizes - 1) // 2, len(ordered) - 1)]
        high = ordered[np.minimum(first + sizes // 2, len(ordered) - 1)]
        # The mean of the middle two as pandas computes it; the middle one for an odd count.
        medians = np.where(sizes % 2 == 1, low, (low + high) / 2)
    else:
        medians = np.full(len(sizes), np.nan)
    return pd.array(np.where(sizes == 0, np.nan, medians), dtype="Float64")


def sorted_within(
    groups: _Groups, codes: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`values` (no NaN) ordered by group code, then ascending within each group; and the
    number of values in each cell of `groups` (codes are those of `groups`)."""
    sizes = np.bincount(codes, minlength=groups.cells)
    if np.count_nonzero(sizes) > _FEW_GROUPS:
        return values[np.lexsort((values, codes))], sizes
    # A few groups: a stable sort by group (a radix sort on small integers), then each
    # group's values sorted in place, several times faster than one lexsort.
    small = codes.astype(np.int16) if groups.cells <= np.iinfo(np.int16).max else codes
    values = values[np.argsort(small, kind="stable")]
    ends = np.cumsum(sizes)
    for end, size in zip(ends[sizes > 0], sizes[sizes > 0], strict=True):
        values[end - size : end].sort()
    return values, sizes


def _nunique(groups: _Groups, values: object) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(values))
    known = codes >= 0
    pairs = pd.unique(groups.code[known] * max(len(uniques), 1) + codes[known])
    per_cell = np.bincount(pairs // max(len(uniques), 1), minlength=groups.cells)
    return per_cell[groups.kept].astype(np.int64)


def _first(groups: _Groups, values: object) -> pd.api.extensions.ExtensionArray:
    """Per group, its first non-missing value."""
    series = pd.Series(values)
    rows = np.flatnonzero(series.notna().to_numpy())
    first = np.full(groups.cells, groups.rows, dtype=np.int64)
    np.minimum.at(first, groups.code[rows], rows)
    first = first[groups.kept]
    return series.array.take(np.where(first == groups.rows, -1, first), allow_fill=True)


_AGGREGATE = {SIZE: _size, SUM: _sum, MEDIAN: _median, NUNIQUE: _nunique, FIRST: _first}

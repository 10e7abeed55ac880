"""Local presence: are calls from a number that looks local to the contact answered more often?

A call is *local* when the caller number (`from_e164`) shares the called number's (`to_e164`)
area code: for NANP numbers (+1) the three digits after the country code; outside NANP there is
no area code a contact reads the same way, so local there means the same country or region
(libphonenumber's region code, e.g. "GB"). A NANP number and a non-NANP one are never local.
Calls with a missing or unreadable number on either side are left out and counted.

On an engine frame (Polars, DuckDB, pyarrow, Spark; see `_engine`) a NANP number ("+1" and
ten digits) is read there as its area code, any other kept as it is; calls are counted per
(stratum, outbound, caller's area or number, called's area or number), the other numbers are
placed in Python by `_places` (once each, as in pandas) and the pandas statistics finish the
table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from dialstats.analysis import _engine, _engine_contacts, _flags, _frames, _metrics
from dialstats.analysis._compare import rate_metric, two_rates
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._intervals import rate_columns, z_score
from dialstats.analysis._numbers import outbound
from dialstats.analysis._scipy import stats
from dialstats.analysis._validate import check_columns, check_confidence, check_frame, group_keys

FUNCTION = "local_presence"


def _region(number: str) -> str | None:
    """A non-NANP number's region code ("GB"), or None when libphonenumber cannot place it."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    return region if region and region != "ZZ" else None


def _places(series: pd.Series, regions: dict[str, int]) -> np.ndarray:
    """Per number, a place code: its NANP area code (0..999), a region's code from `regions`
    (1000 and up, added as met), or -1 when it cannot be placed.

    NANP numbers ("+1" and ten digits, 98% of a US team's calls) are read straight from the
    Arrow string buffers; only the other distinct numbers go through libphonenumber.
    """
    text = pa.array(series, type=pa.large_string(), from_pandas=True)
    if isinstance(text, pa.ChunkedArray):  # an Arrow-backed series of several chunks
        text = text.combine_chunks()
    size = len(text)
    places = np.full(size, -1, dtype=np.int64)
    if size == 0:
        return places
    _, offset_buffer, data_buffer = text.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[text.offset : text.offset + size + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else None
    valid = ~text.is_null().to_numpy(zero_copy_only=False)
    start = offsets[:-1]
    nanp = valid & (np.diff(offsets) == 12)
    if data is not None and nanp.any():
        at = start[nanp]
        # "+1", then the area code's three digits (the frame's E.164 columns are normalised,
        # so the seven digits after them need no second look).
        area = np.zeros(len(at), dtype=np.int64)
        good = (data[at] == ord("+")) & (data[at + 1] == ord("1"))
        for position in (2, 3, 4):
            digit = data[at + position].astype(np.int64) - ord("0")
            good &= (digit >= 0) & (digit <= 9)
            area = area * 10 + digit
        nanp[np.flatnonzero(nanp)[~good]] = False
        places[nanp] = area[good]
    others = valid & ~nanp
    if others.any():
        subset = text.filter(pa.array(others))
        distinct = pc.unique(subset)
        codes = []
        for number in distinct.to_pylist():
            region = _region(number)
            codes.append(-1 if region is None else regions.setdefault(region, 1000 + len(regions)))
        index = pc.index_in(subset, value_set=distinct).to_numpy(zero_copy_only=False)
        places[others] = np.asarray(codes, dtype=np.int64)[index]
    return places


def locality(df: pd.DataFrame, function: str = FUNCTION) -> pd.array:
    """Per call, whether the caller number is local to the called one (NA: cannot be known).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"from_e164": ["+12125550100", "+13125550100", None],
    ...                       "to_e164": ["+12125550199", "+12125550199", "+12125550199"]})
    >>> locality(frame).tolist()
    [True, False, <NA>]
    """
    check_columns(df, {"from_e164": "text", "to_e164": "text"}, function)
    regions: dict[str, int] = {}  # one coding of regions for both columns
    caller = _places(df["from_e164"], regions)
    called = _places(df["to_e164"], regions)
    known = (caller >= 0) & (called >= 0)
    return pd.arrays.BooleanArray(caller == called, ~known)


@keyword_only("adjust_for", "metric")
def local_presence(
    df: pd.DataFrame,
    *,
    metric: str = "answer_rate",
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    adjust_for: str | Sequence[str] | None = "contact_list_name",
) -> pd.DataFrame:
    """Local against not-local caller numbers, on outbound calls: one row per value of `local`.

    A call is local when its caller number shares the called number's area code (NANP), or
    its country or region elsewhere; calls with a missing or unreadable number are left out.
    Stratifying by `adjust_for` compares local and not-local calls within each list, so a
    list dialled mostly from local numbers cannot fake an effect; strata with only one kind
    of call carry no information.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`), with `from_e164` and `to_e164`. It may also be a
        Polars DataFrame or LazyFrame, a DuckDB relation, a pyarrow.Table or a PySpark
        DataFrame: calls are counted there per stratum and caller and called area code (or
        non-NANP number), and only that table is collected (see the module doc).
    metric : str, default "answer_rate"
        A rate of the metric contract (`answer_rate`, `connect_rate`, ...).
    confidence : float, default 0.95
        The level of every interval.
    definitions : Definitions, optional
        What connected, conversation and meeting mean, as in `answer_rates`.
    adjust_for : str, list of str or None, default "contact_list_name"
        The columns whose strata the adjusted comparison is within; None: one stratum.

    Returns
    -------
    pandas.DataFrame
        Rows `local` False and True: the metric's denominator and numerator and rate
        (+`_low` / `_high`, Wilson); on the True row the comparison with the False one:
        `difference` (Newcombe interval), `ratio` (Katz interval), `p_value` (two-proportion
        z-test), and the same within strata: `adjusted_difference` and `adjusted_ratio`
        (Mantel-Haenszel, large-strata and Greenland-Robins variances), `adjusted_p_value`
        (Cochran-Mantel-Haenszel). ``attrs["unknown_local"]`` counts the calls left out for a
        missing or unreadable number, ``attrs["uninformative"]`` the dials in one-sided strata.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> effect = ds.local_presence(df)
    >>> effect[["local", "dials", "answer_rate", "ratio", "adjusted_ratio"]].round(3)
       local  dials  answer_rate  ratio  adjusted_ratio
    0  False   1443         0.35   <NA>            <NA>
    1   True    538        0.407  1.163           1.166
    """
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, FUNCTION)
    spec = rate_metric(metric)
    confidence = check_confidence(confidence)
    if frame is not None:
        strata = group_keys(_engine.columns_of(frame), adjust_for, FUNCTION)
        cells = _cells_on_engine(frame, strata, spec, definitions)
        return _table(*cells, spec, strata, confidence)
    strata = group_keys(df, adjust_for, FUNCTION)
    counted = [name for name in (spec.numerator, spec.denominator) if name != "dials"]
    flags = _flags.compute(df, counted, FUNCTION, definitions)
    local = locality(df)
    placed = outbound(df)
    known = placed & ~local.isna()
    is_local = local.to_numpy(dtype=bool, na_value=False)[known]
    den = flags[spec.denominator][known] if spec.denominator in flags else np.ones(known.sum())
    num = flags[spec.numerator][known] & (den > 0)
    if strata:
        stratum = _stratum_codes(df, strata, known)
    else:
        stratum = np.zeros(int(known.sum()), dtype=np.int64)
    size = int(stratum.max()) + 1 if len(stratum) else 0
    cell = stratum * 2 + is_local
    n_cells = np.bincount(cell, weights=den, minlength=2 * size).reshape(size, 2)
    x_cells = np.bincount(cell, weights=num, minlength=2 * size).reshape(size, 2)
    unknown = int((placed & local.isna()).sum())
    return _table(n_cells, x_cells, unknown, int((~placed).sum()), spec, strata, confidence)


def _table(
    n_cells: np.ndarray,
    x_cells: np.ndarray,
    unknown: int,
    inbound: int,
    spec: _metrics.Metric,
    strata: list[str],
    confidence: float,
) -> pd.DataFrame:
    """The result from the denominator and numerator per stratum (rows) and not local / local
    (columns), and the calls left out (`unknown` number, `inbound`)."""
    size = len(n_cells)
    n0, n1 = n_cells.sum(axis=0)
    x0, x1 = x_cells.sum(axis=0)
    out = pd.DataFrame({"local": pd.array([False, True], dtype="boolean")})
    out[spec.denominator] = np.array([n0, n1], dtype=np.int64)
    out[spec.numerator] = np.array([x0, x1], dtype=np.int64)
    rate, low, high = rate_columns(out[spec.numerator], out[spec.denominator], confidence)
    out[spec.name], out[f"{spec.name}_low"], out[f"{spec.name}_high"] = rate, low, high
    crude = two_rates(x1, n1, x0, n0, confidence)
    effect = {
        "difference": crude.difference,
        "difference_low": crude.difference_low,
        "difference_high": crude.difference_high,
        "ratio": crude.ratio,
        "ratio_low": crude.ratio_low,
        "ratio_high": crude.ratio_high,
        "p_value": crude.p_value,
    }
    adjusted = _mantel_haenszel(x_cells, n_cells, confidence) if strata else {}
    for name in (
        "adjusted_difference",
        "adjusted_difference_low",
        "adjusted_difference_high",
        "adjusted_ratio",
        "adjusted_ratio_low",
        "adjusted_ratio_high",
        "adjusted_p_value",
    ):
        effect[name] = adjusted.get(name, np.nan)
    for name, value in effect.items():
        out[name] = pd.array([np.nan, float(value)], dtype="Float64")
    informative = (n_cells > 0).all(axis=1) if size else np.zeros(0, bool)
    out.attrs.update(
        metric=spec.name,
        numerator=spec.numerator,
        denominator=spec.denominator,
        adjust_for=strata,
        confidence=confidence,
        unknown_local=unknown,
        inbound=inbound,
        strata=int(size),
        uninformative=int(n_cells[~informative].sum()) if size else 0,
    )
    return out


# --- on an engine frame ----------------------------------------------------------------------

_NUMBERS = ("from_e164", "to_e164")
_OUTBOUND = "__dialstats_outbound"
_AREA = "__dialstats_area_"
_OTHER = "__dialstats_other_"


def _cells_on_engine(
    frame: Any, strata: list[str], spec: _metrics.Metric, definitions: object
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """`_table`'s cells and left-out calls of an engine frame, counted there per (stratum,
    outbound, caller place, called place); the checks in the pandas path's order."""
    definitions = check_definitions(definitions)
    schema = dict(frame.collect_schema())
    names = list(schema)
    counted = [name for name in (spec.numerator, spec.denominator) if name != "dials"]
    kinds = {column: _flags.KINDS[column] for column in _flags.needs(counted, definitions)}
    _engine._check_columns(schema, kinds, FUNCTION, names)
    _engine._check_columns(schema, dict.fromkeys(_NUMBERS, "text"), FUNCTION, names)
    if "direction" in schema:
        placed = _engine._yes(_engine_contacts.text(schema, "direction") == "outbound")
    else:
        placed = nw.lit(True)
    derived = {_OUTBOUND: placed}
    for side, column in enumerate(_NUMBERS):
        text = _engine_contacts.text(schema, column)
        # "+1" and ten digits, twelve characters: `_places` reads the area code of these from
        # their bytes, and so does the engine; any other number is placed by `_places` itself.
        nanp = _engine._yes((text.str.len_chars() == 12) & text.str.contains(r"^\+1[0-9]{10}$"))
        derived[f"{_AREA}{side}"] = nw.when(nanp).then(text.str.slice(2, 3)).cast(nw.Int64)
        derived[f"{_OTHER}{side}"] = nw.when(~nanp).then(text)
    frame = frame.with_columns(**derived)
    # Cumulative: the numerator counts only calls the denominator counts, as in pandas.
    counts = {
        "dials": None,
        "denominator": None if spec.denominator == "dials" else spec.denominator,
        "numerator": spec.numerator,
    }
    # The places are counted, not mapped in the engine: a team abroad dials as many distinct
    # numbers as contacts, too many for a mapping expression, while the count table stays
    # near the NANP areas and other numbers dialled.
    by = [*strata, _OUTBOUND, *(f"{prefix}{side}" for side in (0, 1) for prefix in (_AREA, _OTHER))]
    reduced = _engine.reduce(frame, by, counts, FUNCTION, definitions, cumulative=True)
    regions: dict[str, int] = {}  # one coding of regions for both columns
    caller, called = (
        np.where(
            reduced.keys[f"{_AREA}{side}"].notna().to_numpy(),
            reduced.keys[f"{_AREA}{side}"].to_numpy(dtype=np.int64, na_value=-1),
            _places(reduced.keys[f"{_OTHER}{side}"], regions),
        )
        for side in (0, 1)
    )
    dials = reduced.counts["dials"]
    out = reduced.keys[_OUTBOUND].to_numpy(dtype=bool, na_value=False)
    readable = (caller >= 0) & (called >= 0)
    known = out & readable
    unknown = int(dials[out & ~readable].sum())
    inbound = int(dials[~out].sum())
    is_local = (caller == called)[known]
    if strata:
        keys = pd.DataFrame({name: reduced.keys[name] for name in strata})
        stratum = _stratum_codes(keys, strata, known)
    else:
        stratum = np.zeros(int(known.sum()), dtype=np.int64)
    size = int(stratum.max()) + 1 if len(stratum) else 0
    cell = stratum * 2 + is_local
    cells = []
    for name in ("denominator", "numerator"):
        weights = reduced.counts[name][known].astype(np.float64)
        cells.append(np.bincount(cell, weights=weights, minlength=2 * size).reshape(size, 2))
    return cells[0], cells[1], unknown, inbound


def _stratum_codes(df: pd.DataFrame, strata: list[str], known: np.ndarray) -> np.ndarray:
    """One integer per call for its combination of `strata` values (a missing value is a
    stratum of its own), over the calls in `known`."""
    codes = np.zeros(int(known.sum()), dtype=np.int64)
    for column in strata:
        values, uniques = pd.factorize(df[column], use_na_sentinel=False)
        codes = codes * (len(uniques) or 1) + values[known]
    return pd.factorize(codes)[0].astype(np.int64)


def _mantel_haenszel(x: np.ndarray, n: np.ndarray, confidence: float) -> dict[str, float]:
    """Mantel-Haenszel risk difference and ratio of column 1 (local) over column 0 across
    strata (rows), with intervals and the CMH test (no continuity correction)."""
    z = z_score(confidence)
    x0, x1, n0, n1 = x[:, 0], x[:, 1], n[:, 0], n[:, 1]
    total = n0 + n1
    use = (n0 > 0) & (n1 > 0)
    x0, x1, n0, n1, total = (a[use] for a in (x0, x1, n0, n1, total))
    out: dict[str, float] = {}
    if not use.any():
        return out
    p0, p1 = x0 / n0, x1 / n1
    weight = n1 * n0 / total
    difference = float((weight * (p1 - p0)).sum() / weight.sum())
    variance = float(
        (weight**2 * (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)).sum() / weight.sum() ** 2
    )
    out["adjusted_difference"] = difference
    out["adjusted_difference_low"] = difference - z * np.sqrt(variance)
    out["adjusted_difference_high"] = difference + z * np.sqrt(variance)
    r, s = (x1 * n0 / total).sum(), (x0 * n1 / total).sum()
    if r > 0 and s > 0:
        ratio = float(r / s)
        # Greenland & Robins (1985) variance of log(RR_MH).
        log_var = ((n1 * n0 * (x1 + x0) - x1 * x0 * total) / total**2).sum() / (r * s)
        out["adjusted_ratio"] = ratio
        out["adjusted_ratio_low"] = ratio * float(np.exp(-z * np.sqrt(log_var)))
        out["adjusted_ratio_high"] = ratio * float(np.exp(z * np.sqrt(log_var)))
    answered = x0 + x1
    expected = n1 * answered / total
    with np.errstate(divide="ignore", invalid="ignore"):
        v = n1 * n0 * answered * (total - answered) / (total**2 * (total - 1))
    v = np.nan_to_num(v)
    if v.sum() > 0:
        chi = float((x1 - expected).sum() ** 2 / v.sum())
        out["adjusted_p_value"] = float(stats.chi2.sf(chi, 1))
    return out

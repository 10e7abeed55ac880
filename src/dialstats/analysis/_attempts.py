"""Contact attempts: how many times a contact is dialled, and what one more dial is worth.

A contact's attempt number is its dials' order by `started_at` (ties keep the frame's order).
Calls without a `contact_id` or `started_at` cannot be placed in a sequence: they are left out,
counted in ``result.attrs["calls_without_contact"]`` and a warning says so. Inbound calls (a
contact calling back, `direction` "inbound") are not attempts: they are left out too and counted
in ``result.attrs["inbound_calls"]``.

See `contact_attempts`, `attempt_curve` and `double_dial` for examples.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import narwhals as nw
import numpy as np
import pandas as pd

from dialstats.analysis import _engine, _engine_contacts, _flags, _frames, _metrics
from dialstats.analysis._compare import rate_metric, two_rates
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._intervals import rate_columns, z_score
from dialstats.analysis._multiplicity import adjust_p
from dialstats.analysis._scipy import stats
from dialstats.analysis._validate import (
    caller_stacklevel,
    check_columns,
    check_confidence,
    check_frame,
    group_keys,
)
from dialstats.errors import InvalidParameterError

# The rates double_dial compares (all per dial).
DOUBLE_DIAL_RATES = ("answer_rate", "human_rate", "connect_rate")
# double_dial's strata: "hour" is the redial's hour in the contact's zone, the rest are columns.
HOUR = "hour"


@dataclass(frozen=True)
class _Sequences:
    """The frame's dials in contact order: `rows` (positions in the frame, sorted by contact then
    time), `starts` (where each contact's run begins in `rows`), `attempt` (1-based, per row)."""

    rows: np.ndarray
    starts: np.ndarray
    attempt: np.ndarray
    contacts: pd.Index
    left_out: int
    inbound: int


def _sequences(df: pd.DataFrame, function: str) -> _Sequences:
    check_columns(df, {"contact_id": "text", "started_at": "datetime"}, function)
    codes, uniques = pd.factorize(df["contact_id"], sort=False)
    started = df["started_at"]
    # Only the order matters; NaT (the int64 minimum) is masked below.
    ticks = started.to_numpy(dtype="datetime64[ns]").view(np.int64)
    keep = (codes >= 0) & started.notna().to_numpy(dtype=bool)
    left_out = int(len(df) - keep.sum())
    inbound = np.zeros(len(df), dtype=bool)
    if "direction" in df.columns:
        inbound = df["direction"].eq("inbound").to_numpy(dtype=bool, na_value=False)
    inbound_calls = int((keep & inbound).sum())  # the rest are counted as without contact
    keep &= ~inbound
    if left_out:
        warnings.warn(
            f"{function}: {left_out:,} of {len(df):,} calls have no contact_id or started_at "
            "and are left out (result.attrs['calls_without_contact'])",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
    kept = np.flatnonzero(keep)
    order = np.lexsort((ticks[kept], codes[kept]))  # stable: ties keep the frame's order
    rows = kept[order]
    sorted_codes = codes[rows]
    if "id" in df.columns:
        _refuse_duplicates(df, rows, sorted_codes, ticks[rows], function)
    new = np.empty(len(rows), dtype=bool)
    new[:1] = True
    new[1:] = sorted_codes[1:] != sorted_codes[:-1]
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, len(rows)))
    attempt = np.arange(len(rows)) - np.repeat(starts, lengths) + 1
    return _Sequences(rows, starts, attempt, uniques[sorted_codes[starts]], left_out, inbound_calls)


def _refuse_duplicates(
    df: pd.DataFrame, rows: np.ndarray, codes: np.ndarray, ticks: np.ndarray, function: str
) -> None:
    """Refuse dials that repeat one contact's started_at and id, as an engine does (there they
    have no order; here they would count a copy of a call as a redial)."""
    tied = np.zeros(len(rows), dtype=bool)
    tied[1:] = (codes[1:] == codes[:-1]) & (ticks[1:] == ticks[:-1])
    if not tied.any():
        return  # the usual case: only the few tied dials' ids are compared
    tied[:-1] |= tied[1:]
    ties = pd.DataFrame(
        {"code": codes[tied], "tick": ticks[tied], "id": df["id"].iloc[rows[tied]].to_numpy()}
    )
    _engine_contacts.refuse_duplicates(int(ties.duplicated().sum()), function)


def _finish(out: pd.DataFrame, seq: _Sequences, **attrs: object) -> pd.DataFrame:
    out.attrs.update(calls_without_contact=seq.left_out, inbound_calls=seq.inbound, **attrs)
    return out


def contact_attempts(df: pd.DataFrame, *, definitions: Definitions | None = None) -> pd.DataFrame:
    """One row per contact: its dials, first and last dial, connects and last outcome.

    Rows are in the order of each contact's first dial (`started_at`), then its least `id`
    among its dials (without an `id` column, a pandas frame's tied first dials keep the
    frame's order), on pandas and on every engine alike. Before this release the pandas rows
    followed each contact's first appearance in the frame instead.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`), with `contact_id`, `started_at` and `outcome`. It may
        also be a Polars DataFrame or LazyFrame, a DuckDB relation, a pyarrow.Table or a
        PySpark DataFrame (with an `id` column, which orders tied dials there).
    definitions : Definitions, optional
        What connected and meeting mean, as in `answer_rates`; None (default) is the vendor's.

    Returns
    -------
    pandas.DataFrame
        `contact_id`, `attempts`, `first_dial`, `last_dial` (in the unit and zone of
        `started_at`), `connected` (count), `first_connect_attempt` (NA if never connected),
        `time_to_first_connect` (from the first dial; NaT if never), `meetings`,
        `last_outcome`, `last_disposition_id` and, when the frame has it,
        `last_disposition_name`. Calls without a contact or a time, and inbound calls, are
        left out and counted in ``attrs["calls_without_contact"]`` / ``attrs["inbound_calls"]``.

    Examples
    --------
    >>> import warnings
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> with warnings.catch_warnings():  # 13 calls have no contact
    ...     warnings.simplefilter("ignore")
    ...     attempts = ds.contact_attempts(df)
    >>> attempts[["attempts", "connected", "first_connect_attempt"]].head(3)
       attempts  connected  first_connect_attempt
    0         1          1                      1
    1         3          0                   <NA>
    2         3          0                   <NA>
    """
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, "contact_attempts")
    definitions = check_definitions(definitions)
    if frame is not None:
        return _contact_attempts_on_engine(frame, definitions)
    check_columns(df, {"outcome": "text"}, "contact_attempts")
    flags = _flags.compute(df, ["connected", "meeting"], "contact_attempts", definitions)
    seq = _sequences(df, "contact_attempts")
    rows, starts = seq.rows, seq.starts
    ends = np.append(starts[1:], len(rows))[: len(starts)] - 1  # [] for an empty frame
    connected = flags["connected"][rows]
    out = pd.DataFrame({"contact_id": pd.array(seq.contacts, dtype=df["contact_id"].dtype)})
    out["attempts"] = (ends - starts + 1).astype(np.int64)
    started = df["started_at"].iloc[rows].reset_index(drop=True)
    out["first_dial"] = started.iloc[starts].reset_index(drop=True)
    out["last_dial"] = started.iloc[ends].reset_index(drop=True)
    out["connected"] = _per_contact(connected, starts).astype(np.int64)
    big = np.iinfo(np.int64).max
    first = _reduce(np.minimum, np.where(connected, seq.attempt, big), starts)
    never = first == big
    out["first_connect_attempt"] = pd.array(np.where(never, 0, first), dtype="Int64")
    out.loc[never, "first_connect_attempt"] = pd.NA
    position = starts + np.where(never, 0, first - 1)
    connect_time = started.iloc[position].reset_index(drop=True).mask(never)
    out["time_to_first_connect"] = connect_time - out["first_dial"]
    out["meetings"] = _per_contact(flags["meeting"][rows], starts).astype(np.int64)
    last_rows = rows[ends]
    out["last_outcome"] = df["outcome"].iloc[last_rows].reset_index(drop=True)
    for column in ("disposition_id", "disposition_name"):
        if column in df.columns:
            out["last_" + column] = df[column].iloc[last_rows].reset_index(drop=True)
    return _finish(_in_first_dial_order(out, df, seq), seq)


def _in_first_dial_order(out: pd.DataFrame, df: pd.DataFrame, seq: _Sequences) -> pd.DataFrame:
    """`out` (one row per contact, in `seq`'s order) by each contact's first dial, then its
    least `id` among its dials (without an `id` column: its first appearance in the frame), as
    an engine orders them."""
    keys = pd.DataFrame({"first": out["first_dial"]})
    if "id" in df.columns:
        contact = np.repeat(
            np.arange(len(seq.starts)), np.diff(np.append(seq.starts, len(seq.rows)))
        )
        ids = df["id"].iloc[seq.rows].reset_index(drop=True)
        keys["id"] = ids.groupby(contact).min().reindex(keys.index)
    order = keys.sort_values(list(keys.columns), kind="stable", na_position="last").index
    return out.iloc[order].reset_index(drop=True)


def _reduce(ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return np.zeros(0, dtype=values.dtype)
    return ufunc.reduceat(values, starts)


def _per_contact(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return _reduce(np.add, values.astype(np.int64), starts)


def _check_max_attempt(max_attempt: object) -> int:
    if (
        isinstance(max_attempt, bool)
        or not isinstance(max_attempt, int | np.integer)
        or max_attempt < 1
    ):
        raise InvalidParameterError(
            "max_attempt", f"max_attempt must be a whole number >= 1 (e.g. 10); got {max_attempt!r}"
        )
    return int(max_attempt)


@keyword_only("metric", "max_attempt")
def attempt_curve(
    df: pd.DataFrame,
    *,
    metric: str = "connect_rate",
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    max_attempt: int = 10,
) -> pd.DataFrame:
    """Per attempt number, the metric over its dials and the share of contacts reached by then.

    A contact's attempt number is its dials' order by `started_at`. "Reached" means the
    metric's numerator happened (a connect for `connect_rate`). Contacts still being worked
    (or given up on) have had fewer attempts, so the share reached by attempt k is not
    "reached / contacts": `reached_share` is the Kaplan-Meier estimate over the contacts at
    risk, 1 - prod_{j<=k} (1 - first_reached_j / at_risk_j), with Greenwood's variance on the
    log-log scale. It reads "the share reached within k attempts if every contact were dialled
    k times", assuming stopping does not depend on the contact's chance to pick up.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`), with `contact_id` and `started_at`. It may also be a
        Polars DataFrame or LazyFrame, a DuckDB relation, a pyarrow.Table or a PySpark
        DataFrame: each contact's dials are numbered there.
    metric : str, default "connect_rate"
        A rate per dial of the metric contract (`answer_rate`, `connect_rate`, ...).
    confidence : float, default 0.95
        The level of the Wilson and Kaplan-Meier intervals.
    definitions : Definitions, optional
        What connected, conversation and meeting mean, as in `answer_rates`.
    max_attempt : int, default 10
        The last attempt with a row of its own; later dials are pooled in one more row.

    Returns
    -------
    pandas.DataFrame
        One row per attempt 1..`max_attempt`: `attempt`, `label`, `dials`, the metric's
        denominator (if not dials) and numerator and rate with `_low` / `_high` (Wilson); then
        `at_risk` (contacts dialled this attempt and not reached before), `first_reached` (of
        them, reached now), `reached_share` with bounds and `reach_per_100_dials` with bounds
        (contacts newly reached per 100 dials to contacts not yet reached: what one more
        attempt is worth). A last row (label "11+" for the default) pools the later dials,
        with their rate only. Calls left out are counted in ``attrs`` as in
        `contact_attempts`.

    Examples
    --------
    >>> import warnings
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> with warnings.catch_warnings():  # 13 calls have no contact
    ...     warnings.simplefilter("ignore")
    ...     curve = ds.attempt_curve(df, max_attempt=3)
    >>> curve[["label", "dials", "connect_rate", "reached_share"]].round(3)
      label  dials  connect_rate  reached_share
    0     1   1211         0.122          0.122
    1     2    561         0.155          0.257
    2     3    160         0.162           0.37
    3    4+     40         0.175           <NA>
    """
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, "attempt_curve")
    spec = rate_metric(metric)
    max_attempt = _check_max_attempt(max_attempt)
    confidence = check_confidence(confidence)
    definitions = check_definitions(definitions)
    if frame is not None:
        return _attempt_curve_on_engine(frame, spec, max_attempt, definitions, confidence)
    names = [n for n in (spec.numerator, spec.denominator) if n != "dials"]
    flags = _flags.compute(df, names, "attempt_curve", definitions)
    seq = _sequences(df, "attempt_curve")
    slot = np.minimum(seq.attempt, max_attempt + 1) - 1
    size = max_attempt + 1
    success = flags[spec.numerator][seq.rows]
    denominator = (
        np.ones(len(seq.rows), dtype=bool)
        if spec.denominator == "dials"
        else flags[spec.denominator][seq.rows]
    )
    n = np.bincount(slot, weights=denominator, minlength=size)
    x = np.bincount(slot, weights=success & denominator, minlength=size)
    out = _curve(spec, np.bincount(slot, minlength=size), n, x, confidence)
    _reach(out, seq, success, max_attempt, confidence)
    if not (seq.attempt > max_attempt).any():
        out = out.iloc[:-1]  # nothing to pool
    return _finish(
        out.reset_index(drop=True),
        seq,
        metric=spec.name,
        max_attempt=max_attempt,
        confidence=confidence,
    )


def _curve(spec, dials: np.ndarray, n: np.ndarray, x: np.ndarray, confidence: float):
    """The per-attempt rows (the last one pooled) up to the reach columns."""
    size = len(dials)
    out = pd.DataFrame({"attempt": np.arange(1, size + 1, dtype=np.int64)})
    out["label"] = [str(k) for k in range(1, size)] + [f"{size}+"]
    out["dials"] = dials.astype(np.int64)
    out[spec.denominator] = n.astype(np.int64)  # the same column for per-dial rates
    out[spec.numerator] = x.astype(np.int64)
    rate, low, high = rate_columns(x, n, confidence)
    out[spec.name], out[spec.name + "_low"], out[spec.name + "_high"] = rate, low, high
    return out


def _reach(
    out: pd.DataFrame, seq: _Sequences, success: np.ndarray, max_attempt: int, confidence: float
) -> None:
    """Kaplan-Meier reach columns for attempts 1..max_attempt (NA on the pooled row)."""
    # A dial is at risk while no earlier dial of its contact succeeded.
    earlier = np.cumsum(success) - success  # successes before this row, whole frame
    before = earlier - np.repeat(earlier[seq.starts], np.diff(np.append(seq.starts, len(success))))
    at_risk_row = before == 0
    inside = seq.attempt <= max_attempt
    slot = seq.attempt[inside & at_risk_row] - 1
    at_risk = np.bincount(slot, minlength=max_attempt)
    first = np.bincount(slot, weights=success[inside & at_risk_row], minlength=max_attempt)
    _reach_columns(out, at_risk, first, confidence)


def _reach_columns(
    out: pd.DataFrame, at_risk: np.ndarray, first: np.ndarray, confidence: float
) -> None:
    """The reach columns from the contacts at risk and first reached per attempt."""
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, first / at_risk, np.nan)
        # With nobody at risk at an attempt the estimate stops there (NA), unless everyone was
        # already reached: then it stays at full reach.
        survival = np.cumprod(np.where(at_risk > 0, 1 - hazard, np.nan))
        survival[np.logical_or.accumulate(survival == 0)] = 0.0
        greenwood = np.cumsum(np.where(at_risk > first, first / (at_risk * (at_risk - first)), 0))
        z = z_score(confidence)
        log_s = np.log(survival)
        spread = z * np.sqrt(greenwood) / np.abs(log_s)
        s_low = survival ** np.exp(spread)  # log-log interval of survival
        s_high = survival ** np.exp(-spread)
    # Survival 1 (nobody reached yet) has no spread on this scale: its reach bound is [0, 0];
    # survival 0 (everyone at risk reached) likewise [1, 1].
    s_low = np.where(survival == 1, 1.0, np.where(survival == 0, 0.0, s_low))
    s_high = np.where(survival == 1, 1.0, np.where(survival == 0, 0.0, s_high))

    def column(values: np.ndarray, dtype: str = "Float64") -> pd.api.extensions.ExtensionArray:
        # The pooled last row has no reach figures.
        return pd.array([*values.tolist(), None], dtype="Float64").astype(dtype)

    out["at_risk"] = column(at_risk.astype(float), "Int64")
    out["first_reached"] = column(first, "Int64")
    out["reached_share"] = column(1 - survival)
    out["reached_share_low"] = column(1 - s_high)
    out["reached_share_high"] = column(1 - s_low)
    per, per_low, per_high = rate_columns(first, at_risk, confidence)
    for name, values in (("", per), ("_low", per_low), ("_high", per_high)):
        out["reach_per_100_dials" + name] = column(100 * values.to_numpy(float, na_value=np.nan))


def _check_within(within: object) -> pd.Timedelta:
    try:
        value = pd.Timedelta(within)
    except (TypeError, ValueError):
        value = None
    if value is None or pd.isna(value) or value <= pd.Timedelta(0):
        raise InvalidParameterError(
            "within",
            f"within must be a positive duration such as '5min' or '90s'; got {within!r}",
        )
    return value


@keyword_only("within")
def double_dial(
    df: pd.DataFrame,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    within: str | pd.Timedelta = "5min",
    adjust_for: str | Sequence[str] | None = ("from_e164", HOUR),
) -> pd.DataFrame:
    """Redials after a no-answer placed within `within` of it ("double dials") against later ones.

    Only dials whose previous dial to the same contact ended with `outcome` "no-answer" count;
    the gap is between the two dials' `started_at`. The two groups differ in more than the
    gap: an immediate redial goes out from the same caller number at the same hour, and a
    no-answer is likelier from a spam-labelled number or at a bad hour, so the raw ratio
    understates a lift; the adjusted ratio compares them within strata of `adjust_for`.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`), with `contact_id`, `started_at` and `outcome`. It may
        also be a Polars DataFrame or LazyFrame, a DuckDB relation, a pyarrow.Table or a
        PySpark DataFrame. Calls repeating another's contact, `started_at` and `id` are
        refused (drop the copies, e.g. ``df.drop_duplicates("id")``).
    confidence : float, default 0.95
        The level of every interval.
    definitions : Definitions, optional
        What connected means, as in `answer_rates`.
    within : str or pandas.Timedelta, default "5min"
        The longest gap of a double dial, a positive duration ("90s", "10min").
    adjust_for : str, list of str or None, default ("from_e164", "hour")
        The strata: column names and/or "hour" (the redial's hour in `contact_tz`, else in
        the frame's zone); None: one stratum (the raw ratio).

    Returns
    -------
    pandas.DataFrame
        One row per rate (`answer_rate`, `human_rate`, `connect_rate`): `double_dials` and
        `later_dials`, each group's count and rate with `_low` / `_high`, `difference` (double
        - later) and `ratio` with intervals (Newcombe, Katz), `p_value` (two-proportion
        z-test), `p_adjusted` (Holm over the rows), `adjusted_ratio` with bounds (the
        Mantel-Haenszel ratio, Greenland-Robins interval) and `adjusted_p_value` (the
        Cochran-Mantel-Haenszel test).

    Examples
    --------
    >>> import warnings
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> with warnings.catch_warnings():  # 13 calls have no contact
    ...     warnings.simplefilter("ignore")
    ...     redials = ds.double_dial(df, within="5min")
    >>> redials[["metric", "double_dials", "later_dials", "ratio", "adjusted_ratio"]].round(2)
             metric  double_dials  later_dials  ratio  adjusted_ratio
    0   answer_rate           113          434   1.17            1.15
    1    human_rate           113          434   1.45            1.49
    2  connect_rate           113          434   1.49            1.86
    """
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, "double_dial")
    label = within if isinstance(within, str) else str(within)
    within = _check_within(within)
    confidence = check_confidence(confidence)
    definitions = check_definitions(definitions)
    if frame is not None:
        return _double_dial_on_engine(frame, label, within, adjust_for, definitions, confidence)
    check_columns(df, {"outcome": "text"}, "double_dial")
    strata = group_keys(df, [k for k in _strata(adjust_for) if k != HOUR], "double_dial")
    by_hour = HOUR in _strata(adjust_for)
    counts = [_metrics.metric(name).numerator for name in DOUBLE_DIAL_RATES]
    flags = _flags.compute(df, counts, "double_dial", definitions)
    seq = _sequences(df, "double_dial")
    rows = seq.rows
    no_answer = df["outcome"].eq("no-answer").to_numpy(dtype=bool, na_value=False)[rows]
    started = df["started_at"].iloc[rows].to_numpy(dtype="datetime64[ns]")
    redial = np.zeros(len(rows), dtype=bool)
    redial[1:] = (seq.attempt[1:] > 1) & no_answer[:-1]
    gap = np.zeros(len(rows), dtype="timedelta64[ns]")
    gap[1:] = started[1:] - started[:-1]
    quick = redial & (gap <= within.to_timedelta64())
    later = redial & ~quick
    n1, n2 = float(quick.sum()), float(later.sum())
    x1 = np.array([flags[c][rows][quick].sum() for c in counts], dtype=float)
    x2 = np.array([flags[c][rows][later].sum() for c in counts], dtype=float)
    out = _double_dial_table(n1, n2, x1, x2, confidence)
    redials = rows[quick | later]
    key = _stratum(df, redials, strata, by_hour)
    group = quick[quick | later]
    adjusted = [_mantel_haenszel(key, group, flags[c][redials], confidence) for c in counts]
    _adjusted_columns(out, adjusted)
    return _finish(
        out, seq, within=label, confidence=confidence, adjust_for=[*strata] + [HOUR] * by_hour
    )


def _double_dial_table(
    n1: float, n2: float, x1: np.ndarray, x2: np.ndarray, confidence: float
) -> pd.DataFrame:
    """double_dial's rows up to the adjusted columns, from the two groups' counts."""
    out = pd.DataFrame({"metric": list(DOUBLE_DIAL_RATES)})
    out["double_dials"] = np.full(len(out), int(n1), dtype=np.int64)
    out["double_dial_count"] = x1.astype(np.int64)
    rate, low, high = rate_columns(x1, np.full(len(out), n1), confidence)
    out["double_dial_rate"], out["double_dial_rate_low"], out["double_dial_rate_high"] = (
        rate,
        low,
        high,
    )
    out["later_dials"] = np.full(len(out), int(n2), dtype=np.int64)
    out["later_count"] = x2.astype(np.int64)
    rate, low, high = rate_columns(x2, np.full(len(out), n2), confidence)
    out["later_rate"], out["later_rate_low"], out["later_rate_high"] = rate, low, high
    result = two_rates(x1, np.full(len(out), n1), x2, np.full(len(out), n2), confidence)
    for name in ("difference", "ratio"):
        for suffix in ("", "_low", "_high"):
            out[name + suffix] = pd.array(getattr(result, name + suffix), dtype="Float64")
    out["p_value"] = pd.array(result.p_value, dtype="Float64")
    out["p_adjusted"] = pd.array(adjust_p(result.p_value, "holm"), dtype="Float64")
    return out


def _adjusted_columns(out: pd.DataFrame, adjusted: list[tuple[float, ...]]) -> None:
    for i, name in enumerate(("adjusted_ratio", "adjusted_ratio_low", "adjusted_ratio_high")):
        out[name] = pd.array([a[i] for a in adjusted], dtype="Float64")
    out["adjusted_p_value"] = pd.array([a[3] for a in adjusted], dtype="Float64")


def _strata(adjust_for: object) -> list[str]:
    if adjust_for is None:
        return []
    if isinstance(adjust_for, str):
        adjust_for = [adjust_for]
    if isinstance(adjust_for, list | tuple):
        for item in adjust_for:
            # "hours", "Hour": the hour of day was meant, not a column of that name.
            if isinstance(item, str) and item != HOUR and item.strip().lower() in ("hour", "hours"):
                raise InvalidParameterError(
                    "adjust_for",
                    f"adjust_for names columns and/or 'hour' (the hour of day); got {item!r} "
                    f"(did you mean {HOUR!r}?)",
                )
        return list(adjust_for)
    raise InvalidParameterError(
        "adjust_for",
        f"adjust_for must be column names and/or 'hour', or None; got {adjust_for!r}",
    )


def _stratum(df: pd.DataFrame, rows: np.ndarray, columns: list[str], by_hour: bool) -> np.ndarray:
    """One stratum code per row of `rows`: the combination of the columns' values (missing is
    a value of its own) and, with `by_hour`, the hour of the call in the contact's zone."""
    keys = [pd.factorize(df[c].iloc[rows], use_na_sentinel=False)[0] for c in columns]
    if by_hour:
        started = df["started_at"].iloc[rows]
        # A copy: a pyarrow-backed column gives a read-only view.
        hour = np.array(started.dt.hour, dtype=np.int64)
        if "contact_tz" in df.columns and started.dt.tz is not None:
            zones = df["contact_tz"].iloc[rows].to_numpy(dtype=object, na_value=None)
            for zone in pd.unique(zones[pd.notna(zones)]):
                hit = zones == zone
                hour[hit] = started[hit].dt.tz_convert(zone).dt.hour.to_numpy(dtype=np.int64)
        keys.append(hour)
    if not keys:
        return np.zeros(len(rows), dtype=np.int64)
    frame = pd.DataFrame({i: key for i, key in enumerate(keys)})
    return frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()


def _mantel_haenszel(
    stratum: np.ndarray,
    first: np.ndarray,
    success: np.ndarray,
    confidence: float,
    weight: np.ndarray | None = None,
) -> tuple[float, float, float, float]:
    """(ratio, low, high, p_value) of the success rate of `first` rows over the others, pooled
    over strata: Mantel-Haenszel ratio, Greenland-Robins log interval, CMH test. `weight`:
    rows that stand for this many dials each, `success` then counting the successes."""
    size = int(stratum.max()) + 1 if len(stratum) else 0
    if weight is None:
        n1 = np.bincount(stratum, weights=first, minlength=size)
        n2 = np.bincount(stratum, weights=~first, minlength=size)
        a = np.bincount(stratum, weights=first & success, minlength=size)
        c = np.bincount(stratum, weights=~first & success, minlength=size)
    else:
        n1 = np.bincount(stratum, weights=np.where(first, weight, 0), minlength=size)
        n2 = np.bincount(stratum, weights=np.where(first, 0, weight), minlength=size)
        a = np.bincount(stratum, weights=np.where(first, success, 0), minlength=size)
        c = np.bincount(stratum, weights=np.where(first, 0, success), minlength=size)
    total = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.nansum(a * n2 / total)
        s = np.nansum(c * n1 / total)
        ratio = r / s if r > 0 and s > 0 else np.nan
        variance = np.nansum((n1 * n2 * (a + c) - a * c * total) / total**2) / (r * s)
        spread = z_score(confidence) * np.sqrt(variance)
        hits = a + c
        expected = np.nansum(n1 * hits / total)
        v = np.nansum(n1 * n2 * hits * (total - hits) / (total**2 * (total - 1)))
        p_value = float(stats.chi2.sf((a.sum() - expected) ** 2 / v, 1)) if v > 0 else np.nan
    return float(ratio), float(ratio * np.exp(-spread)), float(ratio * np.exp(spread)), p_value


# --- other engines: each contact's dials numbered there (see _engine_contacts) --------------

_SEQUENCE = "__dialstats_attempt"


@dataclass(frozen=True)
class _Left:
    """The calls an engine frame's sequences leave out, as `_Sequences` counts them."""

    left_out: int
    inbound: int


def _engine_sequences(
    frame: object,
    function: str,
    definitions: Definitions,
    flags: Sequence[str],
    *,
    need_id: bool = False,
    columns: Sequence[str] = (),
) -> tuple[object, dict, _Left, dict]:
    """The kept dials of an engine frame (a contact, a start time, not inbound) with each
    contact's attempt number (`_SEQUENCE`) and the flags as 0/1 columns; the frame's schema,
    the calls left out, and the flags' total counts (the named dispositions checked, as
    `_flags.compute` checks them)."""
    frame, schema = _engine_contacts.prepared(frame, function)
    names = list(schema)
    _engine._check_columns(
        schema, {"contact_id": "text", **dict.fromkeys(columns, "text")}, function, names
    )
    us = nw.col(_engine_contacts._US)
    undated = nw.col("contact_id").is_null() | us.is_null()
    inbound = nw.lit(False)
    if "direction" in schema:
        inbound = _engine._yes(_engine_contacts.text(schema, "direction") == "inbound")
    counts = {"calls": None, "left_out": undated, "inbound": ~undated & inbound}
    counts.update({name: name for name in flags})
    totals = _engine.reduce(frame, None, counts, function, definitions).aggregate()
    calls = int(totals["calls"].iloc[0])
    left = _Left(int(totals["left_out"].iloc[0]), int(totals["inbound"].iloc[0]))
    if left.left_out:
        warnings.warn(
            f"{function}: {left.left_out:,} of {calls:,} calls have no contact_id or "
            "started_at and are left out (result.attrs['calls_without_contact'])",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
    exprs, _ = _engine.flag_exprs(schema, flags, definitions)
    order = _engine_contacts.tie_order(schema, function, need_id=need_id)
    kept = frame.filter(~undated & ~inbound).with_columns(
        **{name: _engine._yes(expr).cast(nw.Int64) for name, expr in exprs.items()}
    )
    specs = {_SEQUENCE: ("count", None), "__dialstats_before": ("shift", us)}
    with_id = "id" in order
    if with_id:
        specs["__dialstats_before_id"] = ("shift", nw.col("id"))
    kept = _engine_contacts.windows(kept, ["contact_id"], order, specs)
    # A dial at its contact's previous dial's time is a tie; with ids, one with that id too is
    # a duplicate: either leaves the engine no order to number them by.
    tied = _engine._yes(nw.col("__dialstats_before") == us)
    if with_id:
        before = nw.col("__dialstats_before_id")
        same = _engine._yes(before == nw.col("id")) | (before.is_null() & nw.col("id").is_null())
        tied = tied & same
    found = _engine_contacts.collect(kept.select(tied.cast(nw.Int64).sum().alias("n")), function)
    count = int(found.column("n")[0].as_py() or 0)
    if with_id:
        _engine_contacts.refuse_duplicates(count, function)
    else:
        _engine_contacts.refuse_ties(count, function)
    return kept, schema, left, totals


def _attempt_curve_on_engine(frame, spec, max_attempt, definitions, confidence) -> pd.DataFrame:
    function = "attempt_curve"
    names = [n for n in (spec.numerator, spec.denominator) if n != "dials"]
    kept, schema, left, _ = _engine_sequences(frame, function, definitions, names)
    success = nw.col(spec.numerator)
    denominator = nw.lit(1) if spec.denominator == "dials" else nw.col(spec.denominator)
    kept = _engine_contacts.windows(
        kept,
        ["contact_id"],
        _engine_contacts.tie_order(schema, function),
        {"__dialstats_reached": ("cum_sum", success)},
    )
    attempt = nw.col(_SEQUENCE)
    kept = kept.with_columns(
        __dialstats_slot=nw.when(attempt > max_attempt).then(max_attempt + 1).otherwise(attempt),
        __dialstats_at_risk=(nw.col("__dialstats_reached") - success == 0).cast(nw.Int64),
        __dialstats_den=denominator.cast(nw.Int64),
        __dialstats_hit=(success * denominator).cast(nw.Int64),
    )
    aggs = [
        nw.len().alias("dials"),
        nw.col("__dialstats_den").sum().alias("n"),
        nw.col("__dialstats_hit").sum().alias("x"),
        nw.col(spec.numerator).sum().alias("success"),
    ]
    table = _engine_contacts.grouped(
        kept, schema, ["__dialstats_slot", "__dialstats_at_risk"], aggs, function
    ).to_pandas()
    size = max_attempt + 1
    slot = table["__dialstats_slot"].to_numpy(dtype=np.int64) - 1
    per = {
        name: np.bincount(slot, weights=table[name].to_numpy(float), minlength=size)
        for name in ("dials", "n", "x")
    }
    out = _curve(spec, per["dials"], per["n"], per["x"], confidence)
    risk = (table["__dialstats_at_risk"].to_numpy() == 1) & (slot < max_attempt)
    at_risk = np.bincount(slot[risk], weights=table["dials"][risk], minlength=max_attempt)
    first = np.bincount(slot[risk], weights=table["success"][risk], minlength=max_attempt)
    _reach_columns(out, at_risk.astype(np.int64), first, confidence)
    if per["dials"][-1] == 0:
        out = out.iloc[:-1]  # nothing to pool
    return _finish(
        out.reset_index(drop=True),
        left,
        metric=spec.name,
        max_attempt=max_attempt,
        confidence=confidence,
    )


def _contact_attempts_on_engine(frame, definitions) -> pd.DataFrame:
    function = "contact_attempts"
    kept, schema, left, _ = _engine_sequences(
        frame,
        function,
        definitions,
        ["connected", "meeting"],
        need_id=True,
        columns=["outcome"],
    )
    us = nw.col(_engine_contacts._US)
    connected = nw.col("connected") == 1
    last = [c for c in ("outcome", "disposition_id", "disposition_name") if c in schema]
    kept = kept.with_columns(
        __dialstats_attempts=nw.len().over("contact_id"),
        __dialstats_first=us.min().over("contact_id"),
        __dialstats_last=us.max().over("contact_id"),
        __dialstats_connected=nw.col("connected").sum().over("contact_id"),
        __dialstats_meetings=nw.col("meeting").sum().over("contact_id"),
        __dialstats_least_id=nw.col("id").min().over("contact_id"),
        __dialstats_connect_attempt=nw.when(connected).then(nw.col(_SEQUENCE)),
        __dialstats_connect_us=nw.when(connected).then(us),
    ).with_columns(
        __dialstats_connect_attempt=nw.col("__dialstats_connect_attempt").min().over("contact_id"),
        __dialstats_connect_us=nw.col("__dialstats_connect_us").min().over("contact_id"),
    )
    ends = kept.filter(nw.col(_SEQUENCE) == nw.col("__dialstats_attempts"))
    wanted = [c for c in ends.collect_schema().names() if c.startswith("__dialstats_")]
    table = _engine_contacts.collect(ends.select("contact_id", *last, *wanted), function)
    # As on pandas: each contact's first dial, then its least id (pyarrow's sort is stable).
    order = [("__dialstats_first", "ascending"), ("__dialstats_least_id", "ascending")]
    table = table.sort_by(order)
    zone = _engine_contacts.frame_zone(frame, schema)
    unit = _engine.time_unit(frame)

    def stamps(column: str) -> pd.Series:
        us = pd.array(table.column(column).to_pylist(), dtype="Int64")
        times = pd.Series(pd.to_datetime(us, unit="us", utc=True)).dt.as_unit(unit)
        return times.dt.tz_convert(zone) if zone else times.dt.tz_localize(None)

    out = pd.DataFrame(
        {"contact_id": _engine_contacts.keys_of(table, schema, ["contact_id"])["contact_id"]}
    )
    out["contact_id"] = out["contact_id"].astype("string")
    out["attempts"] = table.column("__dialstats_attempts").to_numpy().astype(np.int64)
    out["first_dial"] = stamps("__dialstats_first")
    out["last_dial"] = stamps("__dialstats_last")
    out["connected"] = table.column("__dialstats_connected").to_numpy().astype(np.int64)
    out["first_connect_attempt"] = pd.array(
        table.column("__dialstats_connect_attempt").to_pylist(), dtype="Int64"
    )
    out["time_to_first_connect"] = stamps("__dialstats_connect_us") - out["first_dial"]
    out["meetings"] = table.column("__dialstats_meetings").to_numpy().astype(np.int64)
    for column in last:
        value = _engine_contacts.keys_of(table, schema, [column])[column]
        out["last_" + column] = value.array
    return _finish(out, left)


def _double_dial_on_engine(frame, label, within, adjust_for, definitions, confidence):
    function = "double_dial"
    counts = [_metrics.metric(name).numerator for name in DOUBLE_DIAL_RATES]
    strata_asked = _strata(adjust_for)
    columns = _engine.columns_of(frame)
    strata = group_keys(columns, [k for k in strata_asked if k != HOUR], function)
    by_hour = HOUR in strata_asked
    kept, schema, left, _ = _engine_sequences(
        frame, function, definitions, counts, columns=["outcome"]
    )
    us = nw.col(_engine_contacts._US)
    no_answer = _engine._yes(_engine_contacts.text(schema, "outcome") == "no-answer")
    kept = kept.with_columns(__dialstats_no_answer=no_answer.cast(nw.Int64))
    kept = _engine_contacts.windows(
        kept,
        ["contact_id"],
        _engine_contacts.tie_order(schema, function),
        {
            "__dialstats_after_no_answer": ("shift", nw.col("__dialstats_no_answer")),
            "__dialstats_previous": ("shift", us),
        },
    )
    redial = (nw.col(_SEQUENCE) > 1) & _engine._yes(nw.col("__dialstats_after_no_answer") == 1)
    quick = (us - nw.col("__dialstats_previous")) * 1000 <= within.value
    keys = ["__dialstats_quick", *strata]
    derived = {"__dialstats_quick": quick.cast(nw.Int64)}
    zone = _engine_contacts.frame_zone(frame, schema)
    if by_hour:
        place = nw.lit(zone or "UTC")
        if "contact_tz" in schema and zone is not None:
            place = nw.coalesce(_engine_contacts.text(schema, "contact_tz"), place)
        derived["__dialstats_zone"] = place
        derived["__dialstats_quarter"] = _engine_contacts.quarter()
        keys += ["__dialstats_zone", "__dialstats_quarter"]
    aggs = [nw.len().alias("__dialstats_n")] + [nw.col(c).sum().alias(c) for c in counts]
    redials = kept.filter(redial).with_columns(**derived)
    table = _engine_contacts.grouped(redials, schema, keys, aggs, function)
    first = table.column("__dialstats_quick").to_numpy(zero_copy_only=False) == 1
    dials = table.column("__dialstats_n").to_numpy().astype(float)
    hits = {c: table.column(c).to_numpy(zero_copy_only=False).astype(float) for c in counts}
    n1, n2 = float(dials[first].sum()), float(dials[~first].sum())
    x1 = np.array([hits[c][first].sum() for c in counts], dtype=float)
    x2 = np.array([hits[c][~first].sum() for c in counts], dtype=float)
    out = _double_dial_table(n1, n2, x1, x2, confidence)
    stratum_keys = {c: table.column(c).to_pandas() for c in strata}
    if by_hour:
        zones = table.column("__dialstats_zone").to_pylist()
        starts = table.column("__dialstats_quarter").to_numpy(zero_copy_only=False)
        wall, known = _engine_contacts.local_quarters(starts, zones, function)
        if not known.all():
            bad = next(z for z, k in zip(zones, known, strict=True) if not k)
            raise InvalidParameterError(
                "df", f"{function}(): contact_tz {bad!r} is not an IANA time zone name"
            )
        stratum_keys[HOUR] = (wall // (3600 * 10**9)) % 24
    if stratum_keys:
        key_frame = pd.DataFrame(stratum_keys)
        key = key_frame.groupby(list(key_frame.columns), sort=False, dropna=False).ngroup()
        key = key.to_numpy()
    else:
        key = np.zeros(len(first), dtype=np.int64)
    adjusted = [_mantel_haenszel(key, first, hits[c], confidence, dials) for c in counts]
    _adjusted_columns(out, adjusted)
    return _finish(
        out, left, within=label, confidence=confidence, adjust_for=[*strata] + [HOUR] * by_hour
    )

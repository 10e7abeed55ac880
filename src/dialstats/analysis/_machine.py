"""Answering machines and answering-machine detection (AMD): how often, and how wrong."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dialstats.analysis import _flags, _groups
from dialstats.analysis._metrics import Definitions
from dialstats.analysis._rates import with_rates
from dialstats.analysis._validate import (
    check_choice,
    check_columns,
    check_confidence,
    check_frame,
    group_keys,
)
from dialstats.frame._schema import ANSWERED_BY, DISPOSITION_CATEGORIES

_RATES = {
    "machine_rate": ("machine", "answered"),
    "voicemail_rate": ("voicemails", "dials"),
    "amd_suspected_false_positive_rate": ("amd_suspected_false_positive", "machine"),
    "amd_suspected_false_negative_rate": ("amd_suspected_false_negative", "human"),
}
_COLUMNS = [
    "dials",
    "answered",
    "human",
    "machine",
    "fax",
    "unknown",
    *("machine_rate", "machine_rate_low", "machine_rate_high"),
    "voicemails",
    *("voicemail_rate", "voicemail_rate_low", "voicemail_rate_high"),
    "amd_suspected_false_positive",
    *(f"amd_suspected_false_positive_rate{end}" for end in ("", "_low", "_high")),
    "amd_suspected_false_negative",
    *(f"amd_suspected_false_negative_rate{end}" for end in ("", "_low", "_high")),
    "median_duration_human",
    "median_duration_machine",
]
FAX, UNKNOWN = "fax", "unknown"
# Matrix labels for an answered call without answered_by, and without a disposition category.
MISSING = "missing"
NO_CATEGORY = "unknown"
ALWAYS = ("human", "machine_start")


def machine_detection(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
) -> pd.DataFrame:
    """How often a machine answers, and the calls where AMD looks wrong, per group.

    Columns: the `by` columns, `dials`, `answered`, `human`, `machine` (any ``machine_*`` value
    of answered_by), `fax` and `unknown` (AMD's other answers: neither human nor machine),
    `machine_rate` (machine / answered), `voicemails` (disposition 11) with `voicemail_rate`
    (over dials), `amd_suspected_false_positive` (machine, yet a reached disposition, by default
    an "Answered - ..." one, 1-9) with its rate over machine, `amd_suspected_false_negative` (human, yet Left
    Voicemail) with its rate over human, `median_duration_human`, `median_duration_machine`
    (seconds). Every rate has `_low` / `_high` Wilson bounds; no denominator -> NA.
    `definitions` (a `Definitions`) says which dispositions are reached and voicemails.

    >>> import dialstats as ds
    >>> ds.machine_detection(ds.read_call_logs(demo=True), by="user_name")  # doctest: +SKIP
    """
    check_frame(df, "machine_detection")
    keys = {name: df[name] for name in group_keys(df, by, "machine_detection")}
    confidence = check_confidence(confidence)
    check_columns(df, {"duration": "number"}, "machine_detection")
    names = ["answered", "human", "machine", "voicemails", "reached"]
    flags = _flags.compute(df, names, "machine_detection", definitions)
    human, machine = flags["human"], flags["machine"]
    voicemail, reached = flags["voicemails"], flags["reached"]
    seconds = df["duration"].to_numpy(dtype=float, na_value=np.nan)
    columns = {
        "dials": (None, _groups.SIZE),
        "answered": (flags["answered"], _groups.SUM),
        "human": (human, _groups.SUM),
        "machine": (machine, _groups.SUM),
        FAX: (_answered_by_is(df, FAX), _groups.SUM),
        UNKNOWN: (_answered_by_is(df, UNKNOWN), _groups.SUM),
        "voicemails": (voicemail, _groups.SUM),
        "amd_suspected_false_positive": (machine & reached, _groups.SUM),
        "amd_suspected_false_negative": (human & voicemail, _groups.SUM),
        "median_duration_human": (np.where(human, seconds, np.nan), _groups.MEDIAN),
        "median_duration_machine": (np.where(machine, seconds, np.nan), _groups.MEDIAN),
    }
    counts = _groups.aggregate(df.index, keys, columns)
    out = with_rates(counts, _RATES, confidence)
    return out[[*keys, *_COLUMNS]]


def machine_detection_matrix(
    df: pd.DataFrame, normalize: bool | str = False, *, answered_only: bool = True
) -> pd.DataFrame:
    """Answered calls counted by who answered (rows) x disposition category (columns).

    Rows are `human` and `machine_start`, then the other answered_by values the counted calls
    carry, each its own row (Twilio's `machine_end_beep`, `machine_end_silence`,
    `machine_end_other`, `fax`, `unknown`, in that order, then any other value), then `missing`
    when some call lacks one; columns are the five
    disposition categories and `unknown` when some call lacks one. `normalize` as in
    `pd.crosstab`: False (counts), True or "all" (share of all), "index" (share of each row),
    "columns" (share of each column). `answered_only=False` keeps unanswered calls too.

    >>> import dialstats as ds
    >>> ds.machine_detection_matrix(ds.read_call_logs(demo=True), normalize="index")  # doctest: +SKIP
    """
    check_frame(df, "machine_detection_matrix")
    check_choice("normalize", normalize, [False, True, "all", "index", "columns"])
    kinds = dict.fromkeys(["outcome", "answered_by", "disposition_category"], "text")
    check_columns(df, kinds, "machine_detection_matrix")
    answerers = _answerers(df["answered_by"])
    rows = _codes(df["answered_by"], answerers)
    columns = _codes(df["disposition_category"], DISPOSITION_CATEGORIES)
    if answered_only:
        answered = _flags.compute(df, ["answered"], "machine_detection_matrix")["answered"]
        rows, columns = rows[answered], columns[answered]
    width = len(DISPOSITION_CATEGORIES) + 1
    cells = np.bincount(rows * width + columns, minlength=(len(answerers) + 1) * width)
    counts = pd.DataFrame(
        cells.reshape(-1, width),
        index=pd.Index([*answerers, MISSING], name="answered_by"),
        columns=pd.Index([*DISPOSITION_CATEGORIES, NO_CATEGORY], name="disposition_category"),
    )
    # human and machine_start always (a fixed shape); other values and missing ones only when
    # some counted call has them.
    shown = [name for name in [*answerers, MISSING] if name in ALWAYS or counts.loc[name].any()]
    counts = counts.loc[
        shown,
        [*DISPOSITION_CATEGORIES, *([NO_CATEGORY] if counts[NO_CATEGORY].any() else [])],
    ]
    if normalize is False:
        return counts
    shares = counts.astype(float)
    if normalize in (True, "all"):
        shares = shares / (shares.to_numpy().sum() or np.nan)
    elif normalize == "index":
        shares = shares.div(shares.sum(axis=1).replace(0, np.nan), axis=0)
    else:
        shares = shares.div(shares.sum(axis=0).replace(0, np.nan), axis=1)
    return shares.astype("Float64")


def _answered_by_is(df: pd.DataFrame, value: str) -> np.ndarray:
    return df["answered_by"].eq(value).to_numpy(dtype=bool, na_value=False)


def _answerers(values: pd.Series) -> list[str]:
    """Twilio's answered_by values, then any other value in `values`, sorted."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        seen = values.cat.categories.astype(str)
    else:
        seen = values.dropna().astype(str).unique()
    return [*ANSWERED_BY, *sorted(set(seen) - set(ANSWERED_BY))]


def _codes(values: pd.Series, known: Sequence[str]) -> np.ndarray:
    """Position of each value in `known`; len(known) for a missing or unexpected value."""
    codes = values.astype(pd.CategoricalDtype(list(known))).cat.codes.to_numpy(dtype=np.int64)
    return np.where(codes < 0, len(known), codes)

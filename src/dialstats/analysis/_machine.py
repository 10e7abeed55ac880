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
    require_columns,
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
UNKNOWN = "unknown"


def machine_detection(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
) -> pd.DataFrame:
    """How often a machine answers, and the calls where AMD looks wrong, per group.

    Columns: the `by` columns, `dials`, `answered`, `human`, `machine`, `machine_rate`
    (machine / answered), `voicemails` (disposition 11) with `voicemail_rate` (over dials),
    `amd_suspected_false_positive` (machine, yet a reached disposition, by default an
    "Answered - ..." one, 1-9) with its rate over machine, `amd_suspected_false_negative` (human, yet Left
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

    Rows are `human`, `machine_start` and, when some answered call lacks it, `unknown`; columns
    are the five categories and `unknown` when some call lacks one. `normalize` as in
    `pd.crosstab`: False (counts), True or "all" (share of all), "index" (share of each row),
    "columns" (share of each column). `answered_only=False` keeps unanswered calls too.

    >>> import dialstats as ds
    >>> ds.machine_detection_matrix(ds.read_call_logs(demo=True), normalize="index")  # doctest: +SKIP
    """
    check_frame(df, "machine_detection_matrix")
    check_choice("normalize", normalize, [False, True, "all", "index", "columns"])
    require_columns(
        df, ["outcome", "answered_by", "disposition_category"], "machine_detection_matrix"
    )
    rows = _codes(df["answered_by"], ANSWERED_BY)
    columns = _codes(df["disposition_category"], DISPOSITION_CATEGORIES)
    if answered_only:
        answered = _flags.compute(df, ["answered"], "machine_detection_matrix")["answered"]
        rows, columns = rows[answered], columns[answered]
    width = len(DISPOSITION_CATEGORIES) + 1
    cells = np.bincount(rows * width + columns, minlength=(len(ANSWERED_BY) + 1) * width)
    counts = pd.DataFrame(
        cells.reshape(-1, width),
        index=pd.Index([*ANSWERED_BY, UNKNOWN], name="answered_by"),
        columns=pd.Index([*DISPOSITION_CATEGORIES, UNKNOWN], name="disposition_category"),
    )
    # "unknown" (missing or unexpected values) only when some call has it.
    counts = counts.loc[
        [*ANSWERED_BY, *([UNKNOWN] if counts.loc[UNKNOWN].any() else [])],
        [*DISPOSITION_CATEGORIES, *([UNKNOWN] if counts[UNKNOWN].any() else [])],
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


def _codes(values: pd.Series, known: Sequence[str]) -> np.ndarray:
    """Position of each value in `known`; len(known) for a missing or unexpected value."""
    codes = values.astype(pd.CategoricalDtype(list(known))).cat.codes.to_numpy(dtype=np.int64)
    return np.where(codes < 0, len(known), codes)

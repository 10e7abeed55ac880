"""The per-call flags every analysis counts, computed once, vectorised.

Definitions (the vendor's own, so figures match its dashboard):
answered = outcome "answered"; human = answered_by "human"; machine = any "machine_*" value of
answered_by (Twilio's machine_start, machine_end_beep, machine_end_silence, machine_end_other;
"fax" and "unknown" are neither human nor machine);
connected = human and disposition_id < 10; conversation = connected and (meeting or
duration >= 60 s); meeting = disposition_id 1; positive = disposition_category "positive".
A missing value never counts as a yes.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from dialstats.analysis._validate import check_frame, require_columns
from dialstats.frame._schema import MACHINE_PREFIX

MEETING_SET = 1
LEFT_VOICEMAIL = 11
# Dispositions 1..9 are the "Answered - ..." ones: a person was reached.
FIRST_UNANSWERED_DISPOSITION = 10
CONVERSATION_SECONDS = 60

FLAGS = ("answered", "human", "machine", "connected", "conversation", "meeting", "positive")

# The columns each flag reads, directly or through the flags it builds on.
NEEDS: dict[str, tuple[str, ...]] = {
    "answered": ("outcome",),
    "human": ("answered_by",),
    "machine": ("answered_by",),
    "connected": ("answered_by", "disposition_id"),
    "conversation": ("answered_by", "disposition_id", "duration"),
    "meeting": ("disposition_id",),
    "positive": ("disposition_category",),
}


def _equals(series: pd.Series, value: object) -> np.ndarray:
    return series.eq(value).to_numpy(dtype=bool, na_value=False)


def is_machine(series: pd.Series) -> np.ndarray:
    """Whether each value is an answering machine (``machine_*``); NA is not."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        # One test per category, not per call.
        machine = series.cat.categories.astype(str).str.startswith(MACHINE_PREFIX)
        codes = series.cat.codes.to_numpy()
        return np.append(np.asarray(machine, dtype=bool), False)[codes]
    text = series.astype("string")
    return text.str.startswith(MACHINE_PREFIX).to_numpy(dtype=bool, na_value=False)


def _compare(series: pd.Series, op: str, value: int) -> np.ndarray:
    return getattr(series, op)(value).to_numpy(dtype=bool, na_value=False)


def compute(df: pd.DataFrame, names: Iterable[str], function: str) -> dict[str, np.ndarray]:
    """The named flags as numpy bool arrays (row-aligned with `df`), checking columns first."""
    names = list(names)
    require_columns(df, dict.fromkeys(c for name in names for c in NEEDS[name]), function)
    out: dict[str, np.ndarray] = {}

    def get(name: str) -> np.ndarray:
        if name not in out:
            out[name] = _FORMULAS[name](df, get)
        return out[name]

    return {name: get(name) for name in names}


_FORMULAS = {
    "answered": lambda df, get: _equals(df["outcome"], "answered"),
    "human": lambda df, get: _equals(df["answered_by"], "human"),
    "machine": lambda df, get: is_machine(df["answered_by"]),
    "connected": lambda df, get: (
        get("human") & _compare(df["disposition_id"], "lt", FIRST_UNANSWERED_DISPOSITION)
    ),
    "conversation": lambda df, get: (
        get("connected") & (get("meeting") | _compare(df["duration"], "ge", CONVERSATION_SECONDS))
    ),
    "meeting": lambda df, get: _equals(df["disposition_id"], MEETING_SET),
    "positive": lambda df, get: _equals(df["disposition_category"], "positive"),
}


def available(df: pd.DataFrame) -> list[str]:
    """The flags whose columns `df` has."""
    return [name for name in FLAGS if all(c in df.columns for c in NEEDS[name])]


def flags(df: pd.DataFrame) -> pd.DataFrame:
    """Boolean columns is_answered, is_human, ... is_positive, one row per call.

    Indexed like `df`, so it joins straight onto it; a missing value is never a yes.

    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True)
    >>> df.join(ds.flags(df)).groupby("user_name").is_meeting.mean()  # doctest: +SKIP
    """
    check_frame(df, "flags")
    values = compute(df, FLAGS, "flags")
    return pd.DataFrame(
        {f"is_{name}": pd.array(values[name], dtype="boolean") for name in FLAGS}, index=df.index
    )

"""The per-call flags every analysis counts, computed once, vectorised.

Definitions (the vendor's own by default, so figures match its dashboard; see `Definitions`):
answered = outcome "answered"; human = answered_by "human"; machine = any "machine_*" value of
answered_by (Twilio's machine_start, machine_end_beep, machine_end_silence, machine_end_other;
"fax" and "unknown" are neither human nor machine);
reached = a disposition meaning a person was reached (id < 10); connected = human and reached;
conversation = connected and (meeting or duration >= 60 s); meeting = disposition_id 1;
voicemail = disposition_id 11; positive = disposition_category "positive".
A missing value never counts as a yes.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from dialstats._vocabulary import MACHINE_PREFIX
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._validate import caller_stacklevel, check_columns
from dialstats.errors import InvalidParameterError

FLAGS = ("answered", "human", "machine", "connected", "conversation", "meeting", "positive")
# Contract count name -> the flag it counts.
COUNTED = {"conversations": "conversation", "meetings": "meeting", "voicemails": "voicemail"}

# The columns each flag reads, directly or through the flags it builds on (a definition that
# names dispositions reads disposition_name too), and the kind of values each must hold.
NEEDS: dict[str, tuple[str, ...]] = {
    "answered": ("outcome",),
    "human": ("answered_by",),
    "machine": ("answered_by",),
    "reached": ("disposition_id",),
    "connected": ("answered_by", "disposition_id"),
    "conversation": ("answered_by", "disposition_id", "duration"),
    "meeting": ("disposition_id",),
    "voicemail": ("disposition_id",),
    "positive": ("disposition_category",),
}
KINDS = {
    "outcome": "text",
    "answered_by": "text",
    "disposition_category": "text",
    "disposition_name": "text",
    "disposition_id": "number",
    "duration": "number",
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


def needs(names: Iterable[str], definitions: Definitions) -> list[str]:
    """The columns the named flags read under `definitions`."""
    names = [COUNTED.get(name, name) for name in names]
    columns = dict.fromkeys(c for name in names for c in NEEDS[name])
    if definitions.uses_names() and "disposition_id" in columns:
        columns["disposition_name"] = None
    return list(columns)


def compute(
    df: pd.DataFrame,
    names: Iterable[str],
    function: str,
    definitions: Definitions | None = None,
) -> dict[str, np.ndarray]:
    """The named flags (or contract counts) as numpy bool arrays row-aligned with `df`, checking
    the columns and their kinds of values first."""
    definitions = check_definitions(definitions)
    names = list(names)
    check_columns(df, {c: KINDS[c] for c in needs(names, definitions)}, function)
    out: dict[str, np.ndarray] = {}

    def get(name: str) -> np.ndarray:
        if name not in out:
            if name in _DEFINED:
                field = _FIELDS.get(name)
                if field is not None:
                    _check_names(df, field, getattr(definitions, field), function)
                out[name] = _DEFINED[name](df, definitions)
            else:
                out[name] = _FORMULAS[name](df, get)
        return out[name]

    return {name: get(COUNTED.get(name, name)) for name in names}


_FORMULAS = {
    "answered": lambda df, get: _equals(df["outcome"], "answered"),
    "human": lambda df, get: _equals(df["answered_by"], "human"),
    "machine": lambda df, get: is_machine(df["answered_by"]),
    "connected": lambda df, get: get("human") & get("reached"),
    "conversation": lambda df, get: get("connected") & (get("meeting") | get("long")),
    "positive": lambda df, get: _equals(df["disposition_category"], "positive"),
}


def _among(df: pd.DataFrame, dispositions: frozenset[int | str]) -> np.ndarray:
    """Calls whose disposition id or name is one of `dispositions`."""
    ids = [item for item in dispositions if not isinstance(item, str)]
    names = [item for item in dispositions if isinstance(item, str)]
    hit = df["disposition_id"].isin(ids).to_numpy(dtype=bool, na_value=False)
    if names:
        hit = hit | df["disposition_name"].isin(names).to_numpy(dtype=bool, na_value=False)
    return hit


def _check_names(
    df: pd.DataFrame, field: str, dispositions: frozenset[int | str], function: str
) -> None:
    """Refuse a disposition name that is a misspelling of one in `df`; warn of one no call has.

    A name close to one the data holds ("Not a Decision Makr") is a typo that would silently
    count nothing. A name unlike any may be a real disposition this slice of calls lacks (a week
    with no referral), so it is said, not refused.
    """
    names = [item for item in dispositions if isinstance(item, str)]
    if not names or df.empty:
        return
    known = {str(k).casefold(): k for k in df["disposition_name"].dropna().unique().tolist()}
    for name in sorted(set(names) - set(known.values())):
        # Close: the same letters but for case or a slip of a key or two, not a related name
        # ("Board Meeting Booked" is not "Answered - Meeting Set").
        close = difflib.get_close_matches(name.casefold(), known, n=1, cutoff=0.85)
        if close:
            hint = f" (did you mean {known[close[0]]!r}?)"
            raise InvalidParameterError(
                f"definitions.{field}",
                f"{function}(): Definitions({field}=...) names disposition {name!r}, which no "
                f"call has{hint}; names must match disposition_name exactly "
                "(ds.read_dispositions() lists them)",
            )
        warnings.warn(
            f"{function}(): Definitions({field}=...) names disposition {name!r}, which no call "
            "in this frame has, so it counts nothing here (ds.read_dispositions() lists the "
            "account's dispositions)",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )


def _reached(df: pd.DataFrame, definitions: Definitions) -> np.ndarray:
    hit = _among(df, definitions.reached)
    if definitions.reached_below is not None:
        hit = hit | _compare(df["disposition_id"], "lt", definitions.reached_below)
    return hit


# The `Definitions` field of dispositions each defined flag reads.
_FIELDS = {"reached": "reached", "meeting": "meetings", "voicemail": "voicemails"}
# Flags whose meaning is a `Definitions` field.
_DEFINED = {
    "reached": _reached,
    "long": lambda df, d: _compare(df["duration"], "ge", d.conversation_seconds),
    "meeting": lambda df, d: _among(df, d.meetings),
    "voicemail": lambda df, d: _among(df, d.voicemails),
}


def available(df: pd.DataFrame, definitions: Definitions | None = None) -> list[str]:
    """The flags whose columns `df` has."""
    definitions = check_definitions(definitions)
    return [name for name in FLAGS if all(c in df.columns for c in needs([name], definitions))]

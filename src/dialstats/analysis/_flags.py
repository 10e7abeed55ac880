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
from dialstats.analysis._validate import caller_stacklevel, check_columns, check_frame
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


def flags(df: pd.DataFrame, *, definitions: Definitions | None = None) -> pd.DataFrame:
    """Boolean flags per call: is_answered, is_human, ... is_positive, as the analyses count them.

    The flags (the vendor's definitions by default; see `Definitions`): answered = outcome
    "answered"; human = answered_by "human"; machine = any "machine_*" value of answered_by;
    connected = human and a reached disposition (id < 10); conversation = connected and (meeting
    or duration >= 60 s); meeting = disposition_id 1; positive = disposition_category "positive".
    A missing value is never a yes.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation, a pyarrow.Table or a PySpark DataFrame: the flags are then row-level columns
        computed in that engine (see Returns).
    definitions : Definitions, optional
        What reached, conversation and meeting mean; None (default) is the vendor's (`VENDOR`).

    Returns
    -------
    pandas.DataFrame or the input's kind of frame
        For a pandas frame: the boolean columns `is_answered`, `is_human`, `is_machine`,
        `is_connected`, `is_conversation`, `is_meeting`, `is_positive`, one row per call,
        indexed like `df`, so it joins straight onto it. For an engine's frame: the same kind of
        frame (lazy stays lazy, nothing is collected), the input's columns followed by the is_*
        columns, since an engine frame has no index to join on.

    Raises
    ------
    InvalidParameterError
        `definitions` names a disposition no call has that is close to one that some call has
        (a likely misspelling; a name no call has otherwise gives a warning).
    MissingColumnError
        `df` lacks a column a flag reads.

    See Also
    --------
    metric : What each count and rate of the contract means.
    Definitions : Change what the flags mean.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> flagged = ds.flags(df)
    >>> flagged.columns.tolist()[:4]
    ['is_answered', 'is_human', 'is_machine', 'is_connected']
    >>> flagged["is_connected"].sum()
    np.int64(280)
    >>> df.join(flagged).groupby("user_name")["is_meeting"].mean().round(3).head(3)
    user_name
    Ethan Brooks    0.021
    Hannah Kim      0.021
    Jordan Reyes    0.005
    Name: is_meeting, dtype: Float64
    """
    from dialstats.analysis import _engine  # narwhals only when needed

    frame = _engine.wrap(df)
    if frame is not None:
        return _on_engine(frame, definitions)
    check_frame(df, "flags")
    values = compute(df, FLAGS, "flags", definitions)
    return pd.DataFrame(
        {f"is_{name}": pd.array(values[name], dtype="boolean") for name in FLAGS}, index=df.index
    )


def _on_engine(frame: object, definitions: Definitions | None) -> object:
    """`flags` as narwhals expressions added to the engine's frame (see `flags`)."""
    from dialstats.analysis import _engine

    definitions = check_definitions(definitions)
    # The schema read with DuckDB's nanosecond times readable; the frame itself is unchanged.
    schema = dict(_engine._readable_times(frame).collect_schema())
    _engine._check_columns(
        schema, {c: KINDS[c] for c in needs(FLAGS, definitions)}, "flags", list(schema)
    )
    exprs, fields = _engine.flag_exprs(schema, FLAGS, definitions)
    named = [item for field in fields for item in getattr(definitions, field)]
    if any(isinstance(item, str) for item in named):
        # A misspelt disposition name is refused, as on pandas: one small query of the names.
        names = frame.select(_engine._text(schema, "disposition_name").alias("n")).unique()
        names = names.collect() if hasattr(names, "collect") else names
        known = pd.DataFrame({"disposition_name": names.to_arrow().column("n").to_pylist()})
        for field in fields:
            _check_names(known, field, getattr(definitions, field), "flags")
    columns = {f"is_{name}": _engine._yes(exprs[name]) for name in FLAGS}
    return frame.with_columns(**columns).to_native()

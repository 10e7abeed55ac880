"""`flags(df)`: the per-call flags as columns, on pandas or in any engine's own frame.

The flags' rules are `_flags`; this is the public face over them, which builds on the engine's
expressions (`_engine`) as `_engine` builds on the rules.
"""

from __future__ import annotations

import pandas as pd

from dialstats.analysis import _engine, _flags, _frames
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._validate import check_frame


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
    frame = _frames.wrap(df)
    if frame is not None:
        return _on_engine(frame, definitions)
    check_frame(df, "flags")
    values = _flags.compute(df, _flags.FLAGS, "flags", definitions)
    return pd.DataFrame(
        {f"is_{name}": pd.array(values[name], dtype="boolean") for name in _flags.FLAGS},
        index=df.index,
    )


def _on_engine(frame: object, definitions: Definitions | None) -> object:
    """`flags` as narwhals expressions added to the engine's frame (see `flags`)."""
    definitions = check_definitions(definitions)
    # The schema read with DuckDB's nanosecond times readable; the frame itself is unchanged.
    schema = dict(_engine._readable_times(frame).collect_schema())
    _engine._check_columns(
        schema,
        {c: _flags.KINDS[c] for c in _flags.needs(_flags.FLAGS, definitions)},
        "flags",
        list(schema),
    )
    exprs, fields = _engine.flag_exprs(schema, _flags.FLAGS, definitions)
    named = [item for field in fields for item in getattr(definitions, field)]
    if any(isinstance(item, str) for item in named):
        # A misspelt disposition name is refused, as on pandas: one small query of the names.
        names = frame.select(_engine._text(schema, "disposition_name").alias("n")).unique()
        names = names.collect() if hasattr(names, "collect") else names
        known = pd.DataFrame({"disposition_name": names.to_arrow().column("n").to_pylist()})
        for field in fields:
            _flags._check_names(known, field, getattr(definitions, field), "flags")
    columns = {f"is_{name}": _engine._yes(exprs[name]) for name in _flags.FLAGS}
    return frame.with_columns(**columns).to_native()

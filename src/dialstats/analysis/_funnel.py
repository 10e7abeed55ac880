"""Where dials leak: the stage funnel and the disposition breakdown."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import narwhals as nw
import numpy as np
import pandas as pd

from dialstats.analysis import _engine, _engine_tables, _flags, _frames, _groups
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._intervals import rate_columns
from dialstats.analysis._rates import with_rates
from dialstats.analysis._validate import (
    check_choice,
    check_columns,
    check_confidence,
    check_frame,
    group_keys,
    require_columns,
)
from dialstats.errors import InvalidParameterError

Stage = str | Callable[[pd.DataFrame], object] | pd.Series | np.ndarray | Sequence[bool]

# Default stages: stage name -> the contract count it narrows to (None: every dial). Stages are
# nested, so the last one counts the meetings set on connected calls: a meeting whose call AMD
# labelled a machine (or with no answerer) is a meeting, but not a connected one.
DEFAULT_STAGES: dict[str, str | None] = {
    "dials": None,
    "answered": "answered",
    "connected": "connected",
    "conversations": "conversations",
    "connected_meetings": "meetings",
}


@keyword_only("by", "stages")
def disposition_funnel(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    stages: Mapping[str, Stage] | None = None,
) -> pd.DataFrame:
    """How many dials reach each stage, and what share of the previous stage and the top.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the stages are then counted in that engine (default stages,
        or stages given as narwhals expressions such as ``nw.col("duration") >= 30``).
    by : str or sequence of str, optional
        The columns to group by; None (default) is one group of every call.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    definitions : Definitions, optional
        What connected, conversation and meeting mean; None (default) is the vendor's (`VENDOR`).
    stages : mapping of str to mask, callable or str, optional
        An ordered mapping of stage name -> a boolean mask (Series aligned with `df`, or array),
        a callable `df -> mask`, or a query string evaluated on `df` plus its flags
        (``"is_human and duration >= 30"``). A call counts in a stage only if it is in every
        earlier stage too. None (default): dials -> answered -> connected -> conversations ->
        connected_meetings (the meetings set on connected calls: fewer than the `meetings` count
        when AMD labelled a meeting's call a machine; see docs/metrics.md).

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per group and stage: the `by` columns, `stage` (ordered categorical),
        `count`, `rate_from_previous` and `rate_from_top` with `_low` / `_high` Wilson bounds. The
        first stage is its own previous stage and top, so both its rates are 1 (NA when it is
        empty).

    Raises
    ------
    InvalidParameterError
        `stages` is not a non-empty mapping, a stage name is not a non-empty string, or a stage
        does not give one boolean per call (or its query cannot be evaluated).

    See Also
    --------
    disposition_breakdown : How calls end, disposition by disposition.
    answer_rates : The same counts as rates over dials.
    dialstats.plot.funnel : Draws this table.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> ds.disposition_funnel(df)[["stage", "count", "rate_from_previous"]].round(3)
                    stage  count  rate_from_previous
    0               dials   2000                 1.0
    1            answered    738               0.369
    2           connected    280               0.379
    3       conversations    147               0.525
    4  connected_meetings     22                0.15

    Stages of your own, each within the ones before it:

    >>> stages = {"dials": lambda d: d["duration"].notna(), "long": "is_human and duration >= 30"}
    >>> ds.disposition_funnel(df, stages=stages)[["stage", "count"]]
       stage  count
    0  dials   2000
    1   long    247
    """
    frame = _frames.wrap(df)
    if frame is not None:
        return _funnel_on_engine(frame, by, stages, confidence, definitions)
    check_frame(df, "disposition_funnel")
    keys = {name: df[name] for name in group_keys(df, by, "disposition_funnel")}
    confidence = check_confidence(confidence)
    definitions = check_definitions(definitions)
    masks = _stage_masks(df, stages, definitions)
    names = list(masks)
    reached = np.ones(len(df), dtype=bool)
    columns = {}
    for position, mask in enumerate(masks.values()):
        reached = reached & mask
        columns[f"stage_{position}"] = (reached, _groups.SUM)
    wide = _groups.aggregate(df.index, keys, columns)
    return _long(wide, list(keys), list(columns), names, confidence)


def _funnel_on_engine(
    frame: object,
    by: str | Sequence[str] | None,
    stages: Mapping[str, object] | None,
    confidence: float,
    definitions: Definitions | None,
) -> pd.DataFrame:
    """The funnel counted in the frame's own engine: default stages, or stages given as
    narwhals expressions (``nw.col("duration") >= 30``)."""
    confidence = check_confidence(confidence)
    definitions = check_definitions(definitions)
    if stages is None:
        stages = DEFAULT_STAGES
    elif not isinstance(stages, Mapping) or not stages:
        _stage_masks(None, stages, definitions)  # the pandas path's error
    else:
        for name, stage in stages.items():
            if not isinstance(stage, nw.Expr):
                raise InvalidParameterError(
                    "stages",
                    f"stages[{_stage_name(name)!r}]: on a {_frames.full_name(type(frame.to_native()))} "
                    "a stage is a narwhals expression (narwhals.col('duration') >= 30); masks, "
                    "callables and query strings need a pandas frame",
                )
    names = [_stage_name(name) for name in stages]
    columns = {f"stage_{position}": stage for position, stage in enumerate(stages.values())}
    reduced = _engine.reduce(frame, by, columns, "disposition_funnel", definitions, cumulative=True)
    wide = reduced.aggregate()
    return _long(wide, list(reduced.keys), list(columns), names, confidence)


def _long(
    wide: pd.DataFrame, keys: list[str], columns: list[str], names: list[str], confidence: float
) -> pd.DataFrame:
    """Per group, per stage: the count and its rates from the previous stage and the top."""
    counts = wide[columns].to_numpy(dtype=np.int64)
    groups, depth = counts.shape
    previous = np.concatenate([counts[:, :1], counts[:, :-1]], axis=1)
    top = np.repeat(counts[:, :1], depth, axis=1)
    out = wide[keys].iloc[np.repeat(np.arange(groups), depth)].reset_index(drop=True)
    codes = np.tile(np.arange(depth), groups)
    out["stage"] = pd.Categorical.from_codes(codes, categories=names, ordered=True)
    out["count"] = counts.ravel()
    for rate, denominator in (("rate_from_previous", previous), ("rate_from_top", top)):
        value, low, high = rate_columns(counts.ravel(), denominator.ravel(), confidence)
        out[rate], out[f"{rate}_low"], out[f"{rate}_high"] = value, low, high
    out.attrs["confidence"] = confidence
    return out


def _stage_masks(
    df: pd.DataFrame, stages: Mapping[str, Stage] | None, definitions: Definitions
) -> dict[str, np.ndarray]:
    if stages is None:
        counted = [f for f in DEFAULT_STAGES.values() if f]
        flags = _flags.compute(df, counted, "disposition_funnel", definitions)
        every = np.ones(len(df), dtype=bool)
        return {
            name: every if flag is None else flags[flag] for name, flag in DEFAULT_STAGES.items()
        }
    if not isinstance(stages, Mapping) or not stages:
        raise InvalidParameterError(
            "stages",
            "stages must be a non-empty ordered mapping of stage name -> mask, callable or "
            f"query string; got {stages!r}",
        )
    return {
        _stage_name(name): _stage_mask(df, name, stage, definitions)
        for name, stage in stages.items()
    }


def _stage_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidParameterError(
            "stages", f"stage names must be non-empty strings; got {name!r}"
        )
    return name


def _stage_mask(df: pd.DataFrame, name: str, stage: Stage, definitions: Definitions) -> np.ndarray:
    where = f"stages[{name!r}]"
    if isinstance(stage, str):
        known = _flags.available(df, definitions)
        flags = _flags.compute(df, known, "disposition_funnel", definitions)
        resolvers = ({f"is_{flag}": values for flag, values in flags.items()},)
        try:
            stage = df.eval(stage, resolvers=resolvers)
        except Exception as error:
            raise InvalidParameterError(
                "stages", f"{where}: cannot evaluate query {stage!r}: {error}"
            ) from error
    elif callable(stage):
        stage = stage(df)
    if isinstance(stage, pd.Series):
        if not stage.index.equals(df.index):
            raise InvalidParameterError("stages", f"{where} must be a mask with the frame's index")
        if pd.api.types.is_bool_dtype(stage.dtype):
            stage = stage.to_numpy(dtype=bool, na_value=False)
    mask = np.asarray(stage)
    if mask.dtype != bool or mask.shape != (len(df),):
        raise InvalidParameterError(
            "stages",
            f"{where} must give one boolean per call ({len(df)}); got {type(stage).__name__} "
            f"of dtype {getattr(stage, 'dtype', None)} and shape {mask.shape}",
        )
    return mask


_DISPOSITION = ["disposition_id", "disposition_name", "disposition_category"]


def disposition_breakdown(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    confidence: float = 0.95,
    level: str = "disposition",
) -> pd.DataFrame:
    """How calls end: count and share of each disposition (or category) per group.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the calls are then counted in that engine.
    by : str or sequence of str, optional
        The columns to group by; None (default) is one group of every call.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    level : {"disposition", "category"}, default "disposition"
        ``"disposition"``: one row per `disposition_id`; ``"category"``: one row per disposition
        category.

    Returns
    -------
    pandas.DataFrame
        Per group, with `level="disposition"`: one row per `disposition_id` with its
        `disposition_name` and `disposition_category`, ordered by id (calls without a disposition
        last); custom or unknown ids are kept, with NA name/category when the frame has none.
        With `level="category"`: one row per disposition category (every category, even unused;
        calls without one are a row with NA category). Then `count`, and `share` (count over the
        group's calls) with `share_low` / `share_high` Wilson bounds.

    Raises
    ------
    InvalidParameterError
        `level` is neither ``"disposition"`` nor ``"category"``.
    MissingColumnError
        `df` lacks a disposition column the level reads.

    See Also
    --------
    disposition_funnel : The stages from dials to meetings.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> ds.disposition_breakdown(df, level="category")[["disposition_category", "count"]]
      disposition_category  count
    0             positive    175
    1             negative    123
    2              neutral     28
    3         not_answered   1597
    4            cancelled     52
    5                  NaN     25
    >>> ds.disposition_breakdown(df).columns.tolist()[:4]
    ['disposition_id', 'disposition_name', 'disposition_category', 'count']
    """
    frame, weights = _frames.wrap(df), None
    if frame is None:
        check_frame(df, "disposition_breakdown")
    else:
        check_confidence(confidence), check_choice("level", level, ["disposition", "category"])
        reads = ["disposition_category"] if level == "category" else _DISPOSITION
        df, weights = _engine_tables.call_rows(frame, by, reads, "disposition_breakdown")
    outer = group_keys(df, by, "disposition_breakdown")
    keys = {name: df[name] for name in outer}
    confidence = check_confidence(confidence)
    check_choice("level", level, ["disposition", "category"])
    columns: dict[str, _groups.Column] = {"count": (None, _groups.SIZE)}
    if level == "category":
        check_columns(df, {"disposition_category": "text"}, "disposition_breakdown")
        keys["disposition_category"] = df["disposition_category"]
    else:
        require_columns(df, _DISPOSITION, "disposition_breakdown")
        check_columns(df, {"disposition_id": "number"}, "disposition_breakdown")
        keys["disposition_id"] = df["disposition_id"]
    if weights is None:
        out = _groups.aggregate(df.index, keys, columns)
    else:
        out = _engine_tables.aggregate(df.index, keys, columns, weights=weights)
    if level == "disposition":
        # Names per disposition over the whole frame, so that a group's zero-count row for a
        # disposition others used still says which disposition it is (on an engine, the
        # smallest of each its calls carry: an engine has no first call).
        first = {name: (df[name], _groups.FIRST) for name in _DISPOSITION[1:]}
        if weights is None:
            ids = {"disposition_id": df["disposition_id"]}
            described = _groups.aggregate(df.index, ids, first)
        else:
            described = _engine_tables.smallest(df, "disposition_id", _DISPOSITION[1:])
        out = out.merge(described, on="disposition_id", how="left", sort=False)
        columns |= first
    if outer:
        grouped = out.groupby(outer, observed=True, dropna=False, sort=False)["count"]
        out["calls"] = grouped.transform("sum")
    else:
        out["calls"] = out["count"].sum()
    out = with_rates(out, {"share": ("count", "calls")}, confidence)
    described = [name for name in columns if name != "count"]
    return out[[*keys, *described, "count", "share", "share_low", "share_high"]]

"""Which frames the analyses read: pandas, or any other engine's frame narwhals wraps.

>>> import pandas as pd
>>> wrap(pd.DataFrame()) is None  # pandas takes the analyses' own path
True
>>> full_name(list)
'list'
"""

from __future__ import annotations

import narwhals as nw
import pandas as pd

from dialstats.errors import FrameTypeError, InvalidParameterError

# The analyses that run on every engine; the others take a pandas frame for now.
ENGINE_ANALYSES = (
    "answer_rates",
    "disposition_funnel",
    "leaderboard",
    "trend",
    "compare",
    # calls per contact, and clocks
    "best_time_to_call",
    "local_presence",
    "attempt_curve",
    "contact_attempts",
    "double_dial",
    "activity",
    # distributions, numbers and the vendor's tables
    "machine_detection",
    "machine_detection_matrix",
    "amd_audit",
    "amd_evidence",
    "talk_time",
    "number_health",
    "sdr_performance",
    "list_performance",
    "sequence_performance",
    "disposition_breakdown",
    "overview",
    "flags",
)
ENGINES = "pandas, Polars (eager or lazy), DuckDB, pyarrow and PySpark"


def full_name(kind: type) -> str:
    """`list`, `polars.dataframe.frame.DataFrame`: a type as its module and name."""
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def wrap(df: object) -> nw.DataFrame | nw.LazyFrame | None:
    """`df` as a narwhals frame if it is a non-pandas frame narwhals reads, else None."""
    if isinstance(df, pd.DataFrame):
        return None
    try:
        return nw.from_native(df, allow_series=False)
    except TypeError:
        return None


def how_to_convert(df: object) -> str:
    module = type(df).__module__.split(".")[0]
    if module == "polars":
        lazy = type(df).__name__ == "LazyFrame"
        return ".collect().to_pandas()" if lazy else ".to_pandas()"
    if module == "duckdb":
        return ".df()"
    if module == "pyspark":
        return ".toPandas()"
    return ".to_pandas()"


def frame_error(df: object, function: str) -> InvalidParameterError:
    """The error for `df` that `function` cannot read, naming its type and what is accepted."""
    got = full_name(type(df))
    *rest, last = (f"{name}()" for name in ENGINE_ANALYSES)
    supported = f"{', '.join(rest)} and {last}"
    if wrap(df) is not None:
        message = (
            f"{function}() takes a pandas DataFrame for now ({supported} run on {ENGINES} "
            f"inputs): got {got}; convert with {how_to_convert(df)}"
        )
    elif function in ENGINE_ANALYSES:
        message = (
            f"{function}() takes a call-log DataFrame: a pandas or Polars DataFrame or "
            f"LazyFrame, a DuckDB relation, a pyarrow.Table or a PySpark DataFrame; got {got}"
        )
    else:
        message = f"{function}() takes a call-log pandas DataFrame; got {got}"
    return FrameTypeError("df", message)

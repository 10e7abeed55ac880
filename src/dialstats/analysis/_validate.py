"""Argument checks shared by the analyses: fail early, name the parameter and what is allowed."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from dialstats._checks import check_time_zone
from dialstats.analysis._frames import frame_error
from dialstats.errors import InvalidParameterError, MissingColumnError

_PACKAGE = str(Path(__file__).resolve().parents[1])


def caller_stacklevel() -> int:
    """The `warnings.warn` stacklevel of the first frame outside dialstats: a warning raised
    however deep in an analysis points at the user's line."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def check_frame(df: object, function: str) -> pd.DataFrame:
    """`df` if it is a pandas DataFrame; else an `InvalidParameterError` (a TypeError too)
    naming its type in full, what `function` reads, and how to convert a frame of another
    engine."""
    if not isinstance(df, pd.DataFrame):
        raise frame_error(df, function)
    return df


def require_columns(df: pd.DataFrame, columns: Iterable[str], function: str) -> None:
    for column in columns:
        if column not in df.columns:
            raise MissingColumnError(column, function, df.columns)
        if isinstance(df[column], pd.DataFrame):
            raise InvalidParameterError(
                "df",
                f"{function}() reads column {column!r}, which the frame has more than once; "
                "drop or rename the copies",
            )


_KIND_NAMES = {
    "text": "text (strings or categories)",
    "number": "numbers",
    "datetime": "datetimes",
}


def check_columns(df: pd.DataFrame, kinds: Mapping[str, str], function: str) -> None:
    """Each column exists once and holds its kind of values: "text", "number" or "datetime".

    A call-log frame always passes; this turns a hand-made frame with, say, durations as strings
    into a clear error instead of a raw TypeError deep inside an analysis (or a silent 0).
    """
    require_columns(df, kinds, function)
    for column, kind in kinds.items():
        if not _is_kind(df[column], kind):
            raise InvalidParameterError(
                "df",
                f"{function}() needs column {column!r} to hold {_KIND_NAMES[kind]}, "
                f"not {df[column].dtype}; a frame from dialstats.read_call_logs() has the "
                "schema's dtypes",
            )


def _is_kind(series: pd.Series, kind: str) -> bool:
    dtype = series.dtype
    types = pd.api.types
    if kind == "datetime":
        return types.is_datetime64_any_dtype(dtype)
    if kind == "number":
        return types.is_numeric_dtype(dtype) and not types.is_bool_dtype(dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        return types.infer_dtype(dtype.categories, skipna=True) in ("string", "empty")
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype):
        return pa.types.is_string(dtype.pyarrow_dtype.value_type) or pa.types.is_large_string(
            dtype.pyarrow_dtype.value_type
        )
    if types.is_string_dtype(dtype):
        # object columns may hold anything: look at the values.
        return dtype.kind != "O" or types.infer_dtype(series, skipna=True) in ("string", "empty")
    return False


def group_keys(df: pd.DataFrame, by: str | Sequence[str] | None, function: str) -> list[str]:
    """`by` as a list of column names (None -> []), each checked to exist."""
    if by is None:
        return []
    keys = [by] if isinstance(by, str) else list(by) if isinstance(by, list | tuple) else [by]
    if not all(isinstance(key, str) for key in keys):
        raise InvalidParameterError(
            "by", f"by must be a column name or a list of column names; got {by!r}"
        )
    if len(set(keys)) != len(keys):
        raise InvalidParameterError("by", f"by names a column twice: {by!r}")
    require_columns(df, keys, function)
    return keys


def check_confidence(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise InvalidParameterError(
            "confidence", f"confidence must be a number between 0 and 1; got {confidence!r}"
        )
    if not 0 < confidence < 1:
        # 95 for 95% is the usual slip (a level below 50% is no interval anyone asks for).
        hint = f" (did you mean {confidence / 100:g}?)" if 50 <= confidence < 100 else ""
        raise InvalidParameterError(
            "confidence",
            f"confidence must be strictly between 0 and 1; got {confidence!r}{hint}",
        )
    return float(confidence)


def check_choice(name: str, value: object, allowed: Iterable[object]) -> None:
    allowed = list(allowed)
    if value not in allowed:
        options = ", ".join(repr(option) for option in allowed)
        raise InvalidParameterError(name, f"{name} must be one of {options}; got {value!r}")


def check_timezone(name: str, value: object) -> str:
    """An IANA time zone name such as "UTC" or "America/New_York", as the readers' `tz=` takes
    it: an abbreviation ("ET", "EST") is refused with the zone it means, never read as a fixed
    offset."""
    return check_time_zone(name, value)

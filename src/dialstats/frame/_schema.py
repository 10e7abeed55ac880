"""The column schema of a call-log frame: names and dtypes, in order.

Every reader (API, store, demo) returns at least these columns with these dtypes, even when empty,
so analyses and user code can rely on them. Fields the API adds later are appended after them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dialstats._checks import check_time_zone
from dialstats._vocabulary import ANSWERED_BY, DIRECTIONS, DISPOSITION_CATEGORIES, OUTCOMES
from dialstats._vocabulary import MACHINE_PREFIX as MACHINE_PREFIX
from dialstats.errors import InvalidParameterError

UTC = "UTC"
DTYPE_BACKENDS = ("numpy_nullable", "pyarrow")
TIMESTAMP_COLUMNS = ("started_at", "ended_at", "created_at", "updated_at")
# Contact fields every frame carries, whether or not any record has them.
CONTACT_FIELDS = ("first_name", "last_name", "email", "company", "title", "timezone", "phone")


def call_log_dtypes(tz: str = UTC) -> dict[str, object]:
    """Column -> dtype of a call-log frame (numpy-nullable backend), in schema order."""
    ts = pd.DatetimeTZDtype("ns", tz)
    string = pd.StringDtype()
    return {
        "id": string,
        "call_id": string,
        "started_at": ts,
        "ended_at": ts,
        "created_at": ts,
        "updated_at": ts,
        "direction": pd.CategoricalDtype(DIRECTIONS),
        "outcome": pd.CategoricalDtype(OUTCOMES),
        "answered_by": pd.CategoricalDtype(ANSWERED_BY),
        "duration": pd.Float64Dtype(),  # seconds as sent: 59.5 s stays 59.5
        "from": string,
        "to": string,
        "user_id": string,
        "user_email": string,
        "user_first_name": string,
        "user_last_name": string,
        "user_name": string,
        "disposition_id": pd.Int64Dtype(),
        "disposition_name": string,
        "disposition_category": pd.CategoricalDtype(DISPOSITION_CATEGORIES),
        "disposition_external_id": string,
        "disposition_external_name": string,
        **{f"contact_{field}": string for field in CONTACT_FIELDS},
        "contact_id": string,
        "contact_tz": string,
        "to_e164": string,
        "from_e164": string,
        "contact_phone_do_not_call": pd.BooleanDtype(),
        "contact_phone_is_wrong_number": pd.BooleanDtype(),
        "contact_phone_call_classification": string,
        "contact_list_id": string,
        "contact_list_name": string,
        "sequence_id": string,
        "sequence_name": string,
        "recording_url": string,
        "notes": string,
        "transcription": string,
        "summary": string,
        "has_recording": pd.BooleanDtype(),
        "is_completed": pd.BooleanDtype(),
    }


CALL_LOG_COLUMNS: tuple[str, ...] = tuple(call_log_dtypes())


def empty_call_log_frame(tz: str = UTC) -> pd.DataFrame:
    """An empty call-log frame with every schema column and dtype."""
    return pd.DataFrame(
        {name: pd.Series(dtype=dtype) for name, dtype in call_log_dtypes(tz).items()}
    )


def check_tz(tz: Any) -> str:
    """The ``tz=`` option of the readers: an IANA zone name."""
    return check_time_zone("tz", tz)


def check_dtype_backend(dtype_backend: Any) -> str:
    """The ``dtype_backend=`` option of the readers, as pandas' own readers take it."""
    if dtype_backend not in DTYPE_BACKENDS:
        raise InvalidParameterError(
            "dtype_backend",
            f"dtype_backend: expected one of {', '.join(map(repr, DTYPE_BACKENDS))}, "
            f"got {dtype_backend!r}",
        )
    return dtype_backend

"""The column schema of a call-log frame: names and dtypes, in order.

Every reader (API, store, demo) returns at least these columns with these dtypes, even when empty,
so analyses and user code can rely on them. Fields the API adds later are appended after them.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

import pandas as pd

from dialstats.errors import InvalidParameterError

DIRECTIONS = ("inbound", "outbound")
OUTCOMES = ("answered", "no-answer", "cancelled")
# Twilio's answering-machine detection values; values outside these are kept as extra categories.
ANSWERED_BY = (
    "human",
    "machine_start",
    "machine_end_beep",
    "machine_end_silence",
    "machine_end_other",
    "fax",
    "unknown",
)
MACHINE_PREFIX = "machine_"  # every machine_* value is an answering machine
DISPOSITION_CATEGORIES = ("positive", "negative", "neutral", "not_answered", "cancelled")

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


def check_time_zone(name: str, value: Any) -> str:
    """`value` if it is an IANA time zone name, else `InvalidParameterError` naming `name`."""
    if not isinstance(value, str):
        raise InvalidParameterError(
            name,
            f"{name}: expected an IANA time zone name such as 'America/New_York', got {value!r}",
        )
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidParameterError(
            name, f"{name}: {value!r} is not an IANA time zone name (e.g. 'Europe/Paris')"
        ) from None
    return value


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

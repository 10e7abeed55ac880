"""Records to a typed frame: the column schema, flattening and the derived columns.

>>> from dialstats.frame import CALL_LOG_COLUMNS
>>> CALL_LOG_COLUMNS[:3]
('id', 'call_id', 'started_at')
"""

from __future__ import annotations

from dialstats.frame._build import (
    arrow_type,
    call_log_frame,
    drop_duplicate_ids,
    flat_to_frame,
    parse_timestamps,
    records_to_frame,
    sort_keys,
    sort_table,
    table_to_frame,
)
from dialstats.frame._phones import to_e164
from dialstats.frame._schema import (
    CALL_LOG_COLUMNS,
    UTC,
    call_log_dtypes,
    check_dtype_backend,
    check_tz,
    empty_call_log_frame,
)
from dialstats.frame._zones import contact_zone, number_zones

__all__ = [
    "CALL_LOG_COLUMNS",
    "UTC",
    "arrow_type",
    "call_log_dtypes",
    "call_log_frame",
    "check_dtype_backend",
    "check_tz",
    "contact_zone",
    "drop_duplicate_ids",
    "empty_call_log_frame",
    "flat_to_frame",
    "number_zones",
    "parse_timestamps",
    "records_to_frame",
    "sort_keys",
    "sort_table",
    "table_to_frame",
    "to_e164",
]

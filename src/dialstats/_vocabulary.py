"""The API's vocabulary: the values its fields take and the names its parameters have.

One copy for every part of dialstats that needs them (the frame's categories, the filters'
checks, the store's local filters, the command line's choices), so they cannot drift apart.
The sandbox keeps its own copy on purpose: it is the spec's independent check of this one.

>>> from dialstats._vocabulary import OUTCOMES
>>> OUTCOMES
('answered', 'no-answer', 'cancelled')
"""

from __future__ import annotations

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

# The call-log filters of GET /v1/call-log, by the readers' names (``from_`` is spelt ``from``).
FILTER_NAMES = (
    "start_date",
    "end_date",
    "outcome",
    "direction",
    "min_duration",
    "max_duration",
    "has_recording",
    "answered_by",
    "is_completed",
    "disposition_ids",
    "exclude_negative_dispositions",
    "user_ids",
    "contact_list_ids",
    "sequences",
    "from",
    "to",
    "search",
)
# The filters a call never leaves once logged (a store is bound to these, see dialstats.store).
RANGE_FILTERS = frozenset(
    {
        "start_date",
        "end_date",
        "direction",
        "user_ids",
        "contact_list_ids",
        "sequences",
        "from",
        "to",
        "search",
    }
)
# The scalar top-level fields of a call-log record (API reference): what the server sorts on.
CALL_LOG_SORT_FIELDS = (
    "createdAt",
    "updatedAt",
    "started_at",
    "ended_at",
    "duration",
    "outcome",
    "direction",
    "answered_by",
    "is_completed",
    "to",
    "from",
    "call_id",
    "_id",
    "recording_url",
    "notes",
    "transcription",
    "summary",
)
CONTACT_LIST_SORT_FIELDS = ("createdAt", "updatedAt", "name", "source", "total_contacts", "_id")
ANALYTICS = ("overview", "sdr-performance", "list-performance")
ON_INCOMPLETE = ("raise", "warn")

# What people call the call log's columns: by="rep" means the rep's name.
COLUMN_SYNONYMS = {
    "rep": "user_name",
    "sdr": "user_name",
    "user": "user_name",
    "agent": "user_name",
    "caller": "user_name",
    "list": "contact_list_name",
    "contact_list": "contact_list_name",
    "sequence": "sequence_name",
    "disposition": "disposition_name",
}

"""Talking to the call-log API: settings, HTTP, filters, paging, the wire format and `Client`.

>>> from dialstats.api import Client
>>> Client.__module__
'dialstats.api'
"""

from __future__ import annotations

from dialstats.api._client import CallLogPage, Client, bodies_to_frame
from dialstats.api._client import _progress_bar as progress_bar
from dialstats.api._config import API_KEY_ENV, resolve_base_url
from dialstats.api._filters import (
    ID_FILTERS,
    check_limit,
    check_max_records,
    check_on_incomplete,
    check_sort,
    date_span,
    format_timestamp,
    name_like_ids,
    normalize_filters,
    parse_date,
)

__all__ = [
    "API_KEY_ENV",
    "ID_FILTERS",
    "CallLogPage",
    "Client",
    "bodies_to_frame",
    "check_limit",
    "check_max_records",
    "check_on_incomplete",
    "check_sort",
    "date_span",
    "format_timestamp",
    "name_like_ids",
    "normalize_filters",
    "parse_date",
    "progress_bar",
    "resolve_base_url",
]

# Shown where they are exported from, as httpx does: dialstats.api.Client, not api._client.
for _cls in (Client, CallLogPage):
    _cls.__module__ = __name__
del _cls

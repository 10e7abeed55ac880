"""The endpoints of the sandbox API: query parameters in, JSON bodies out.

Each handler is a plain function of the app's `Sandbox` and the request's `Params`, run under
the sandbox's lock; `ROUTES` maps them to paths.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from dialstats.frame._schema import ANSWERED_BY, DIRECTIONS, DISPOSITION_CATEGORIES, OUTCOMES
from dialstats.sandbox import _analytics
from dialstats.sandbox._dataset import Record
from dialstats.sandbox._query import UTC_ZONE, CallFilters, ParameterError, Params
from dialstats.sandbox._state import Sandbox
from dialstats.sandbox._store import DATE_FIELDS, MISSING_TIME, CallStore

MAX_LIMIT = 100
_CALL_FILTERS = (
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
_CALL_LOG_PARAMS = ("limit", "page", "sort", *(f"filters[{name}]" for name in _CALL_FILTERS))
_OVERVIEW_PARAMS = ("start_date", "end_date", "user_ids", "disposition_ids", "timezone")
_PERFORMANCE_PARAMS = (*_OVERVIEW_PARAMS, "page", "limit", "search")
_HIDDEN_LIST_FIELDS = ("good_quality_contacts",)  # list-performance only, not GET /contact-lists


class NotFound(LookupError):
    """An unknown id in the path (answered with 404)."""


Handler = Callable[[Sandbox, Params, Request], Any]


def _endpoint(handler: Handler) -> Callable[[Request], Any]:
    # Async, and no await inside: a request reads (or changes) the data in one uninterrupted
    # step on the event loop, under the lock that guards against other threads.
    async def endpoint(request: Request) -> JSONResponse:
        sandbox: Sandbox = request.app.state.sandbox
        params = Params(request.query_params.multi_items())
        with sandbox.lock:
            return JSONResponse(handler(sandbox, params, request))

    endpoint.__name__ = handler.__name__.lstrip("_")
    return endpoint


# -- GET /v1/call-log ----------------------------------------------------------------------------


def _call_log(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(_CALL_LOG_PARAMS)
    limit = params.integer("limit", default=10, minimum=1, maximum=MAX_LIMIT)
    page = params.integer("page", default=1, minimum=1)
    filters = _call_filters(params)
    store = sandbox.store
    sort = params.sort("sort", default="-createdAt", fields=store.sortable_fields)
    sandbox.count_call_log_request()  # a valid request; it may change the data before the read
    rows = store.select(filters, sort)
    total = len(rows)
    return {
        "data": store.records(rows[_window(page, limit)]),
        "pagination": {"total": total, "page": page, "limit": limit, "pages": -(-total // limit)},
    }


def _window(page: int, limit: int) -> slice:
    """The rows of 1-based `page` (an empty slice past the end)."""
    return slice((page - 1) * limit, page * limit)


def _call_filters(params: Params) -> CallFilters:
    def name(filter_name: str) -> str:
        return f"filters[{filter_name}]"

    created_from, created_to = params.date_range(name("start_date"), name("end_date"), UTC_ZONE)
    min_duration = params.number(name("min_duration"), minimum=0)
    max_duration = params.number(name("max_duration"), minimum=0)
    if min_duration is not None and max_duration is not None and max_duration < min_duration:
        raise ParameterError(name("max_duration"), "must be >= filters[min_duration]")
    search = params.scalar(name("search"))
    return CallFilters(
        created_from=created_from,
        created_to=created_to,
        outcome=params.choice(name("outcome"), OUTCOMES),
        direction=params.choice(name("direction"), DIRECTIONS),
        answered_by=params.choice(name("answered_by"), ANSWERED_BY),
        min_duration=min_duration,
        max_duration=max_duration,
        has_recording=params.boolean(name("has_recording")),
        is_completed=params.boolean(name("is_completed")),
        disposition_ids=params.integers(name("disposition_ids")),
        positive_only=bool(params.boolean(name("exclude_negative_dispositions"))),
        user_ids=params.strings(name("user_ids")),
        contact_list_ids=params.strings(name("contact_list_ids")),
        sequences=params.strings(name("sequences")),
        from_numbers=params.strings(name("from")),
        to_numbers=params.strings(name("to")),
        search=search.lower() if search else None,
    )


# -- reference data ------------------------------------------------------------------------------


def _dispositions(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(("is_custom", "category"))
    is_custom = params.boolean("is_custom")
    category = params.choice("category", DISPOSITION_CATEGORIES)
    return {
        "data": [
            d
            for d in sandbox.dataset.dispositions
            if (is_custom is None or bool(d.get("is_custom")) == is_custom)
            and (category is None or d.get("category") == category)
        ]
    }


def _sequences(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(())
    usage = _sequence_usage(sandbox.store)
    return {"data": [_with_usage(s, usage) for s in sandbox.dataset.sequences]}


def _sequence(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(())
    sequence_id = request.path_params["sequence_id"]
    for sequence in sandbox.dataset.sequences:
        if sequence.get("id") == sequence_id:
            return {"data": _with_usage(sequence, _sequence_usage(sandbox.store))}
    raise NotFound(f"sequence {sequence_id!r} not found")


def _sequence_usage(store: CallStore) -> dict[str, tuple[int, str | None, str | None]]:
    """Sequence id -> (calls, first and last createdAt as the records spell them)."""
    codes, sequences = store.codes("sequence._id")
    times = store.times("createdAt")
    counts = np.bincount(codes[codes >= 0], minlength=len(sequences.lookup))
    usage = {}
    for sequence_id, code in sequences.lookup.items():
        rows = np.flatnonzero((codes == code) & (times != MISSING_TIME))
        first = last = None
        if len(rows):
            first = store.calls[rows[np.argmin(times[rows])]].get("createdAt")
            last = store.calls[rows[np.argmax(times[rows])]].get("createdAt")
        usage[sequence_id] = (int(counts[code]), first, last)
    return usage


def _with_usage(sequence: Record, usage: dict) -> Record:
    calls, first, last = usage.get(sequence.get("id"), (0, None, None))
    return {**sequence, "total_calls": calls, "first_used_at": first, "last_used_at": last}


def _contact_lists(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(("page", "limit", "sort"))
    limit = params.integer("limit", default=10, minimum=1, maximum=MAX_LIMIT)
    page = params.integer("page", default=1, minimum=1)
    lists = [
        {k: v for k, v in item.items() if k not in _HIDDEN_LIST_FIELDS}
        for item in sandbox.dataset.contact_lists
    ]
    fields = {k for item in lists for k, v in item.items() if not isinstance(v, dict | list)}
    sort = params.sort("sort", default="-createdAt", fields=fields | {"createdAt", "_id"})
    ordered = _sort_records(lists, sort)
    return {
        "data": ordered[_window(page, limit)],
        "total": len(lists),
        "page": page,
        "next": page + 1 if page * limit < len(lists) else None,
    }


def _sort_records(records: list[Record], sort: tuple) -> list[Record]:
    """Records sorted by each key in turn (missing values first when ascending), then ``_id``.

    Stable sorts from the last key to the first; the same order the call log uses.
    """
    ordered = sorted(records, key=lambda r: str(r.get("_id")))
    for key in reversed(sort):
        present = [r for r in ordered if r.get(key.field) is not None]
        missing = [r for r in ordered if r.get(key.field) is None]
        present.sort(key=lambda r, f=key.field: _sort_value(f, r[f]), reverse=key.descending)
        ordered = present + missing if key.descending else missing + present
    return ordered


def _sort_value(field: str, value: Any) -> tuple:
    if field in DATE_FIELDS and isinstance(value, str):
        try:
            return ("date", datetime.fromisoformat(value))
        except ValueError:
            pass
    # Group by type so that mixed columns still sort instead of raising TypeError.
    return (type(value).__name__, value)


def _team(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(())
    return sandbox.dataset.team


# -- analytics -----------------------------------------------------------------------------------


def _analytics_filters(params: Params) -> tuple[CallFilters, ZoneInfo]:
    zone = params.timezone("timezone")
    created_from, created_to = params.date_range("start_date", "end_date", zone)
    filters = CallFilters(
        created_from=created_from,
        created_to=created_to,
        user_ids=params.strings("user_ids"),
        disposition_ids=params.integers("disposition_ids"),
    )
    return filters, zone


def _overview(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(_OVERVIEW_PARAMS)
    filters, zone = _analytics_filters(params)
    return _analytics.overview(sandbox.dataset, sandbox.store, filters, zone)


def _sdr_performance(sandbox: Sandbox, params: Params, request: Request) -> dict:
    return _performance(sandbox, params, _analytics.sdr_rows, ("first_name", "last_name", "email"))


def _list_performance(sandbox: Sandbox, params: Params, request: Request) -> dict:
    return _performance(sandbox, params, _analytics.list_rows, ("name",))


def _performance(sandbox: Sandbox, params: Params, rows_of: Callable, searched: tuple) -> dict:
    params.reject_unknown(_PERFORMANCE_PARAMS)
    filters, zone = _analytics_filters(params)
    limit = params.integer("limit", default=10, minimum=1, maximum=MAX_LIMIT)
    page = params.integer("page", default=1, minimum=1)
    search = (params.scalar("search") or "").lower()
    rows = rows_of(sandbox.dataset, sandbox.store, filters, zone)
    if search:
        rows = [r for r in rows if search in _searchable(r, searched)]
    return {
        "totalCount": len(rows),
        "data": rows[_window(page, limit)],
        "page": page,
        "limit": limit,
        "next": page + 1 if page * limit < len(rows) else None,
        "prev": page - 1 if page > 1 else None,
    }


def _searchable(row: dict, fields: tuple) -> str:
    parts = [str(row.get(f) or "") for f in fields]
    if "first_name" in fields:
        parts.append(f"{row.get('first_name') or ''} {row.get('last_name') or ''}")
    return "\n".join(parts).lower()


ROUTES = [
    Route("/v1/call-log", _endpoint(_call_log)),
    Route("/v1/dispositions", _endpoint(_dispositions)),
    Route("/v1/sequences", _endpoint(_sequences)),
    Route("/v1/sequences/{sequence_id}", _endpoint(_sequence)),
    Route("/v1/contact-lists", _endpoint(_contact_lists)),
    Route("/v1/team", _endpoint(_team)),
    Route("/v1/analytics/overview", _endpoint(_overview)),
    Route("/v1/analytics/sdr-performance", _endpoint(_sdr_performance)),
    Route("/v1/analytics/list-performance", _endpoint(_list_performance)),
]

"""The endpoints of the sandbox API: query parameters in, JSON bodies out.

Each handler is a plain function of the app's `Sandbox` and the request's `Params`, run under
the sandbox's lock; `routes(dialect)` maps them to paths.

The two dialects differ where the live API differs from its written spec:

=======================  ==========================================  ============================
                         live (default)                              spec
=======================  ==========================================  ============================
call-log ``pagination``  ``{total, page, next}``                     ``{total, page, limit, pages}``
control characters       raw inside ``transcription`` strings        escaped (strict JSON)
GET /v1/team             ``{"data": {...}}``                         the team object itself
contact lists            GET /v1/contact-lists/csv[/{id}]            GET /v1/contact-lists
analytics dates          ``start_date`` and ``end_date`` required    optional
=======================  ==========================================  ============================

Both serve GET /v1/call-log/{id}, /v1/scored-calls[/{id}], /v1/follow-up, /v1/custom-fields and
/v1/snoozed-contacts (paged ``{data, pagination: {total, page, next}}``, the only shape users
have recorded for them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dialstats.sandbox import _analytics, _derived
from dialstats.sandbox._dataset import Record
from dialstats.sandbox._query import UTC_ZONE, CallFilters, ParameterError, Params, SortKey
from dialstats.sandbox._render import render
from dialstats.sandbox._state import Sandbox
from dialstats.sandbox._store import DATE_FIELDS, MISSING_TIME, CallStore, number_needle, phone_key

MAX_LIMIT = 100
OUTCOMES = ("answered", "no-answer", "cancelled")
DIRECTIONS = ("inbound", "outbound")
# Twilio's answering-machine detection values, which live records carry.
ANSWERED_BY = (
    "human",
    "machine_start",
    "machine_end_beep",
    "machine_end_silence",
    "machine_end_other",
    "fax",
    "unknown",
)
DISPOSITION_CATEGORIES = ("positive", "negative", "neutral", "not_answered", "cancelled")
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
_NEWEST = SortKey("createdAt", descending=True)
_PAGED_PARAMS = ("page", "limit")
_SCORED_PARAMS = ("start_date", "end_date", "min_score", "max_score", "user_id", *_PAGED_PARAMS)


class NotFound(LookupError):
    """An unknown id in the path (answered with 404)."""


class Outage(RuntimeError):
    """An endpoint that is down (`Faults.overview_down`): answered with 500."""


Handler = Callable[[Sandbox, Params, Request], Any]


def _endpoint(handler: Handler) -> Callable[[Request], Any]:
    # Async, and no await inside: a request reads (or changes) the data in one uninterrupted
    # step on the event loop, under the lock that guards against other threads.
    async def endpoint(request: Request) -> Response:
        sandbox: Sandbox = request.app.state.sandbox
        params = Params(request.query_params.multi_items())
        with sandbox.lock:
            body = handler(sandbox, params, request)
            return Response(render(body, sandbox.dialect), media_type="application/json")

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
    if sandbox.dialect == "spec":
        pagination = {"total": total, "page": page, "limit": limit, "pages": -(-total // limit)}
    else:
        pagination = _live_pagination(total, page, limit)
    return {"data": store.records(rows[_window(page, limit)]), "pagination": pagination}


def _call_log_record(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(())
    call_id = request.path_params["call_id"]
    record = sandbox.store.find(call_id)
    if record is None:
        raise NotFound(f"call log {call_id!r} not found")
    return {"data": record}


def _window(page: int, limit: int) -> slice:
    """The rows of 1-based `page` (an empty slice past the end)."""
    return slice((page - 1) * limit, page * limit)


def _live_pagination(total: int, page: int, limit: int) -> dict:
    """The live API's pagination: ``next`` is the next page number, or None on the last page."""
    return {"total": total, "page": page, "next": page + 1 if page * limit < total else None}


def _paging(params: Params) -> tuple[int, int]:
    limit = params.integer("limit", default=10, minimum=1, maximum=MAX_LIMIT)
    page = params.integer("page", default=1, minimum=1)
    return page, limit


def _paged(records: list, page: int, limit: int) -> dict:
    return {
        "data": records[_window(page, limit)],
        "pagination": _live_pagination(len(records), page, limit),
    }


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


def _csv_lists(sandbox: Sandbox, params: Params, request: Request) -> dict:
    """The live listing: ``{_id, name, user: <user id>}`` per list, newest first."""
    params.reject_unknown(("page", "limit", "search"))
    page, limit = _paging(params)
    search = (params.scalar("search") or "").lower()
    ordered = _sort_records(list(sandbox.dataset.contact_lists), (_NEWEST,))
    lists = [
        {"_id": item.get("_id"), "name": item.get("name"), "user": _id_of(item.get("user"))}
        for item in ordered
        if search in str(item.get("name") or "").lower()
    ]
    return _paged(lists, page, limit)


def _csv_list(sandbox: Sandbox, params: Params, request: Request) -> dict:
    """One list and a page of its contacts (those dialled from it), searchable."""
    params.reject_unknown(("page", "limit", "search"))
    page, limit = _paging(params)
    list_id = request.path_params["list_id"]
    item = next((x for x in sandbox.dataset.contact_lists if x.get("_id") == list_id), None)
    if item is None:
        raise NotFound(f"contact list {list_id!r} not found")
    contacts = sandbox.derived("list_contacts", _derived.list_contacts).get(list_id, [])
    search = (params.scalar("search") or "").lower()
    if search:
        contacts = [c for c in contacts if _contact_matches(c, search)]
    body = _paged(contacts, page, limit)
    body["data"] = {
        "_id": item.get("_id"),
        "name": item.get("name"),
        "user": _id_of(item.get("user")),
        "contacts": body["data"],
    }
    return body


def _contact_matches(contact: Record, search: str) -> bool:
    first, last = contact.get("first_name") or "", contact.get("last_name") or ""
    texts = [first, last, f"{first} {last}", contact.get("company"), contact.get("email")]
    if any(search in str(t or "").lower() for t in texts):
        return True
    digits = number_needle(search)
    phones = contact.get("phone_numbers") if isinstance(contact.get("phone_numbers"), list) else []
    keys = [phone_key(p.get("number")) or "" for p in phones if isinstance(p, dict)]
    return digits is not None and any(digits in key for key in keys)


def _id_of(value: Any) -> Any:
    return value.get("_id") if isinstance(value, dict) else value


def _team(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(())
    team = sandbox.dataset.team
    return {"data": team} if sandbox.dialect == "live" else team


# -- endpoints users document: scored calls, follow-ups, custom fields, snoozed contacts ---------


def _scored_calls(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(_SCORED_PARAMS)
    page, limit = _paging(params)
    low, high = params.date_range("start_date", "end_date", UTC_ZONE)
    min_score = params.integer("min_score", default=0, minimum=0, maximum=100)
    max_score = params.integer("max_score", default=100, minimum=0, maximum=100)
    if max_score < min_score:
        raise ParameterError("max_score", f"must be >= min_score ({min_score}), got {max_score}")
    user_id = params.scalar("user_id") or None
    records = sandbox.derived("scored_calls", _derived.scored_calls)
    chosen = [
        r
        for r in records
        if min_score <= r["score"] <= max_score
        and (user_id is None or _id_of(r.get("user")) == user_id)
        and _within(r["createdAt"], low, high)
    ]
    return _paged(chosen, page, limit)


def _within(text: str, low: int | None, high: int | None) -> bool:
    if low is None and high is None:
        return True
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    ns = int(moment.timestamp()) * 10**9 + moment.microsecond * 1000
    return (low is None or ns >= low) and (high is None or ns <= high)


def _scored_call(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(())
    scored_id = request.path_params["scored_id"]
    for record in sandbox.derived("scored_calls", _derived.scored_calls):
        if record["_id"] == scored_id:
            return {"data": record}
    raise NotFound(f"scored call {scored_id!r} not found")


def _follow_ups(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(_PAGED_PARAMS)
    page, limit = _paging(params)
    return _paged(sandbox.derived("follow_ups", _derived.follow_ups), page, limit)


def _snoozed_contacts(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(_PAGED_PARAMS)
    page, limit = _paging(params)
    return _paged(sandbox.derived("snoozed", _derived.snoozed_contacts), page, limit)


def _custom_fields(sandbox: Sandbox, params: Params, request: Request) -> dict:
    params.reject_unknown(())
    return {"data": sandbox.derived("custom_fields", _derived.custom_fields)}


# -- analytics -----------------------------------------------------------------------------------


def _analytics_filters(params: Params, dialect: str) -> tuple[CallFilters, ZoneInfo]:
    if dialect == "live":
        for name in ("start_date", "end_date"):
            if not params.scalar(name):
                raise ParameterError(name, "is required (an ISO 8601 date, e.g. 2026-08-03)")
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
    if sandbox.faults.overview_down:
        sandbox.faults_injected["overview_down"] += 1
        raise Outage("GET /v1/analytics/overview is down")
    params.reject_unknown(_OVERVIEW_PARAMS)
    filters, zone = _analytics_filters(params, sandbox.dialect)
    return _analytics.overview(sandbox.dataset, sandbox.store, filters, zone)


def _sdr_performance(sandbox: Sandbox, params: Params, request: Request) -> dict:
    return _performance(sandbox, params, _analytics.sdr_rows, ("first_name", "last_name", "email"))


def _list_performance(sandbox: Sandbox, params: Params, request: Request) -> dict:
    return _performance(sandbox, params, _analytics.list_rows, ("name",))


def _performance(sandbox: Sandbox, params: Params, rows_of: Callable, searched: tuple) -> dict:
    params.reject_unknown(_PERFORMANCE_PARAMS)
    filters, zone = _analytics_filters(params, sandbox.dialect)
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


_SHARED = {
    "/v1/call-log": _call_log,
    "/v1/call-log/{call_id}": _call_log_record,
    "/v1/dispositions": _dispositions,
    "/v1/sequences": _sequences,
    "/v1/sequences/{sequence_id}": _sequence,
    "/v1/team": _team,
    "/v1/analytics/overview": _overview,
    "/v1/analytics/sdr-performance": _sdr_performance,
    "/v1/analytics/list-performance": _list_performance,
    "/v1/scored-calls": _scored_calls,
    "/v1/scored-calls/{scored_id}": _scored_call,
    "/v1/follow-up": _follow_ups,
    "/v1/custom-fields": _custom_fields,
    "/v1/snoozed-contacts": _snoozed_contacts,
}
_LIVE_ONLY = {"/v1/contact-lists/csv": _csv_lists, "/v1/contact-lists/csv/{list_id}": _csv_list}
_SPEC_ONLY = {"/v1/contact-lists": _contact_lists}


def routes(dialect: str) -> list[Route]:
    """The app's routes in `dialect` ("live" or "spec")."""
    handlers = {**_SHARED, **(_LIVE_ONLY if dialect == "live" else _SPEC_ONLY)}
    return [Route(path, _endpoint(handler)) for path, handler in handlers.items()]

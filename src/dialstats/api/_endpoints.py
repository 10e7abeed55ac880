"""The endpoints other than the call-log listing, as frames.

Each ``fetch_*`` takes a `Session` and returns the API's items (or one object); each ``*_frame``
turns them into a tidy frame by the same flattening rule as the call log (``_id`` -> ``id``,
nested objects -> ``<parent>_<field>`` in snake_case, timestamps parsed). Every frame starts
with the columns we know, typed, even when the API leaves a field out, then keeps every other
field the API sends:

=====================  ==========================================================================
reader                 known columns
=====================  ==========================================================================
contact lists          id, name, source, total_contacts, created_at, user_id/email/first/last/name
team                   team_id, team_name, user_id/email/first_name/last_name/name, status, license
scored calls           id, score, user_id/email/first_name/last_name/name, created_at, updated_at
follow-ups             id, user_id/email/first_name/last_name/name, created_at, updated_at
custom fields          id, label, type, created_at, updated_at
snoozed contacts       id, user_id/email/first_name/last_name/name, created_at, updated_at
=====================  ==========================================================================

A ``user`` sent as a plain id string (as live contact lists do) is read as ``{"_id": ...}``.
Paged endpoints are read by `fetch_paged`, whatever their pagination looks like.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dialstats._flat import flatten_records, to_text
from dialstats._vocabulary import DISPOSITION_CATEGORIES
from dialstats.api._filters import MAX_PAGE_SIZE, encode_params
from dialstats.api._http import Session
from dialstats.errors import ApiError, IncompleteReadWarning, NotFoundError, ServerError
from dialstats.frame import parse_timestamps, table_to_frame

OVERVIEW_METRICS = (
    "total_calls",
    "connected_calls",
    "conversations",
    "meetings_set",
    "total_follow_up_tasks",
)
CONTACT_LISTS_PATHS = ("/v1/contact-lists/csv", "/v1/contact-lists")
# A server whose `next` keeps naming new pages is stopped here (1,000,000 items at 100 a page).
MAX_PAGES = 10_000
# Live bodies can hold raw control characters inside strings, which strict JSON refuses; the
# text is kept exactly as sent.
parse_body = functools.partial(json.loads, strict=False)

Item = dict[str, Any]


def _failure(session: Session, path: str, message: str) -> ApiError:
    url = session.auth.scrub(f"{session.settings.base_url}{path}")
    return ApiError(f"GET {path}: {message}", status_code=200, url=url)


def _shape(body: Any) -> str:
    """A short description of an unexpected body, for error messages (never its values)."""
    if isinstance(body, dict):
        keys = list(body)
        shown = ", ".join(map(repr, keys[:8])) + (", ..." if len(keys) > 8 else "")
        return f"an object with keys {shown}" if keys else "an empty object"
    return f"a JSON {type(body).__name__}"


def _items(session: Session, body: Any, path: str) -> list[Item]:
    items = body.get("data") if isinstance(body, dict) else body
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _failure(session, path, f"expected a list of items under 'data', got {_shape(body)}")
    return items


async def fetch_dispositions(session: Session, params: dict[str, Any]) -> list[Item]:
    path = "/v1/dispositions"
    return _items(session, await session.get(path, encode_params(params), parse_body), path)


async def fetch_sequences(session: Session) -> list[Item]:
    path = "/v1/sequences"
    return _items(session, await session.get(path, parse=parse_body), path)


async def fetch_custom_fields(session: Session) -> list[Item]:
    path = "/v1/custom-fields"
    return _items(session, await session.get(path, parse=parse_body), path)


async def fetch_team(session: Session) -> Item:
    """The team object, from the live ``{"data": {...}}`` or the written bare form."""
    path = "/v1/team"
    body = await session.get(path, parse=parse_body)
    team = body.get("data") if isinstance(body, dict) and "data" in body else body
    users = team.get("users") if isinstance(team, dict) else None
    if not isinstance(users, list) or not all(isinstance(member, dict) for member in users):
        raise _failure(
            session,
            path,
            "expected a team object with a list of 'users' (bare, or under 'data'), "
            f"got {_shape(body)}",
        )
    return team


async def _fetch_one(session: Session, path: str, what: str, key: str) -> Item:
    """One object at `path`: the body itself, or under ``data``; a 404 names the id."""
    try:
        body = await session.get(path, parse=parse_body)
    except NotFoundError as exc:
        raise NotFoundError(
            f"no {what} with id {key!r} (GET {path} answered 404)",
            status_code=404,
            url=exc.url,
        ) from exc
    record = body.get("data") if isinstance(body, dict) and "data" in body else body
    if not isinstance(record, dict) or not record:
        raise _failure(session, path, f"expected one {what} object, got {_shape(body)}")
    return record


async def fetch_call_log(session: Session, call_log_id: str) -> Item:
    path = f"/v1/call-log/{quote(call_log_id, safe='')}"
    return await _fetch_one(session, path, "call log", call_log_id)


async def fetch_scored_call(session: Session, scored_call_id: str) -> Item:
    path = f"/v1/scored-calls/{quote(scored_call_id, safe='')}"
    return await _fetch_one(session, path, "scored call", scored_call_id)


# -- paged endpoints ----------------------------------------------------------------------------


def _paging(body: Any, key: str) -> tuple[bool, Any]:
    """(whether the body says `key`, its value): inside ``pagination``, else at the top level."""
    for source in (body.get("pagination"), body) if isinstance(body, dict) else ():
        if isinstance(source, dict) and key in source:
            return True, source[key]
    return False, None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _item_key(item: Item) -> Any:
    key = item.get("_id", item.get("id"))
    return key if isinstance(key, str | int) else json.dumps(item, sort_keys=True, default=str)


class _Pages:
    """The items of one paged read, each once (by id), in page order."""

    def __init__(self, session: Session, path: str) -> None:
        self.session, self.path = session, path
        self.items: list[Item] = []
        self._keys: set[Any] = set()

    def add(self, items: list[Item]) -> int:
        """Keep the items not seen before; return how many were new."""
        new = 0
        for item in items:
            key = _item_key(item)
            if key not in self._keys:
                self._keys.add(key)
                self.items.append(item)
                new += 1
        return new

    def fail(self, message: str) -> ApiError:
        return _failure(self.session, self.path, message)


def _next_page(pages: _Pages, body: Any, page: int, received: int, limit: int) -> int | None:
    """The page after `page`: the body's ``next``; without one, the next number after a full
    page (a server that says nothing about paging ends with a short page)."""
    said, value = _paging(body, "next")
    if not said:
        return page + 1 if received >= limit else None
    if value is None or value is False:
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if _count(value) is None or value < 1:
        raise pages.fail(f"page {page} says the next page is {value!r}, not a page number")
    return value


async def fetch_paged(
    session: Session,
    paths: str | Sequence[str],
    params: Sequence[tuple[str, str]] = (),
    *,
    limit: int = MAX_PAGE_SIZE,
) -> list[Item]:
    """Every item of a ``page``/``limit`` endpoint, each once, in page order.

    The pagination may be nested (``{"pagination": {total, page, next}}``) or at the top level
    (``total``/``totalCount``, ``pages``, ``limit``, ``next``). With ``pages``, or ``total`` (pages =
    ceil(total / page size)), pages 2.. are fetched at once; without either, ``next`` is followed
    one page at a time. A server whose ``next`` repeats a page or never ends stops the read with
    `ApiError`, never a silent loop. `paths` may name alternatives: the first one that does not
    answer 404 is read.
    """
    paths = (paths,) if isinstance(paths, str) else tuple(paths)

    async def get(path: str, number: int) -> tuple[list[Item], Any]:
        query = [*params, ("page", str(number)), ("limit", str(limit))]
        body = await session.get(path, query, parse_body)
        return _items(session, body, path), body

    for position, path in enumerate(paths):
        try:
            first, body = await get(path, 1)
            break
        except NotFoundError as exc:
            if position + 1 == len(paths):
                if len(paths) == 1:
                    raise
                tried = " nor ".join(f"GET {p}" for p in paths)
                raise NotFoundError(
                    f"neither {tried} exists on {session.settings.base_url} (404)",
                    status_code=404,
                    url=exc.url,
                ) from exc
    pages = _Pages(session, path)
    pages.add(first)
    total = next(
        (n for key in ("total", "totalCount") if (n := _count(_paging(body, key)[1])) is not None),
        None,
    )
    count = _count(_paging(body, "pages")[1])
    if count is None and total is not None:
        size = _count(_paging(body, "limit")[1])
        if not size:  # a server may page by fewer than asked for without saying so
            size = len(first) if 0 < len(first) < min(limit, total) else limit
        count = math.ceil(total / size)
    if count is not None:
        if count > MAX_PAGES:
            raise pages.fail(f"the response claims {count:,} pages, more than {MAX_PAGES:,}")
        rest = await asyncio.gather(*(get(path, n) for n in range(2, count + 1)))
        for items, _ in rest:
            pages.add(items)
        if total is not None and len(pages.items) != total:
            warnings.warn(
                f"GET {path}: read {len(pages.items):,} distinct items but the API reports "
                f"{total:,} (the data may have changed during the read)",
                IncompleteReadWarning,
                stacklevel=2,
            )
        return pages.items
    await _follow_next(pages, get, body, len(first), limit)
    return pages.items


Fetch = Callable[[str, int], Awaitable[tuple[list[Item], Any]]]


async def _follow_next(pages: _Pages, get: Fetch, body: Any, received: int, limit: int) -> None:
    page, read = 1, {1}
    while (following := _next_page(pages, body, page, received, limit)) is not None:
        if following in read:
            raise pages.fail(
                f"page {page} says the next page is {following}, which was already read: "
                "the server's paging does not advance"
            )
        if len(read) >= MAX_PAGES:
            raise pages.fail(f"the pages did not end after {MAX_PAGES:,} pages")
        items, body = await get(pages.path, following)
        page, received = following, len(items)
        read.add(page)
        if not items and _paging(body, "next")[1] is not None:
            raise pages.fail(f"page {page} is empty but names a next page: paging never ends")
        if items and not pages.add(items):
            raise pages.fail(f"page {page} repeats items already read: paging does not advance")


async def fetch_contact_lists(session: Session, params: Sequence[tuple[str, str]]) -> list[Item]:
    """Live servers list contact lists at ``/v1/contact-lists/csv``, the written spec at
    ``/v1/contact-lists``: the second is read when the first answers 404."""
    return await fetch_paged(session, CONTACT_LISTS_PATHS, params)


async def fetch_analytics(session: Session, name: str, params: dict[str, Any]) -> Any:
    path = f"/v1/analytics/{name}"
    query = encode_params(params)
    if name != "overview":
        return await fetch_paged(session, path, query)
    try:
        body = await session.get(path, query, parse_body)
    except ServerError as exc:
        raise ServerError(
            f"{exc}. The vendor's {path} has been seen failing like this for days: "
            "ds.overview(calls) computes the same figures from the call log",
            status_code=exc.status_code,
            url=exc.url,
        ) from exc
    wrapped = isinstance(body, dict) and isinstance(body.get("data"), dict)
    if wrapped and not any(metric in body for metric in OVERVIEW_METRICS):
        body = body["data"]
    if not isinstance(body, dict):
        raise _failure(session, path, f"expected an object of metrics, got {_shape(body)}")
    return body


# -- frames ------------------------------------------------------------------------------------


def _with_user_name(table: pa.Table, prefix: str) -> pa.Table:
    first, last = f"{prefix}first_name", f"{prefix}last_name"
    if first not in table.column_names or last not in table.column_names:
        return table
    joined = pc.binary_join_element_wise(
        table[first].cast(pa.string()).fill_null(""),
        table[last].cast(pa.string()).fill_null(""),
        " ",
    )
    joined = pc.utf8_trim_whitespace(joined)
    name = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
    return table.add_column(table.column_names.index(last) + 1, f"{prefix}name", name)


_TIME_SUFFIXES = ("_at", "_date", "_until")


def _timestamps(table: pa.Table) -> pa.Table:
    """Columns named like times (``*_at``, ``*_date``, ``*_until``) whose every value is an ISO
    8601 timestamp, parsed; others are left as sent."""
    for i, name in enumerate(table.column_names):
        if name.endswith(_TIME_SUFFIXES) or name == "date":
            parsed = parse_timestamps(table[name], name, strict=False)
            if parsed is not None:
                table = table.set_column(i, name, parsed)
    return table


def _conform(column: pa.ChunkedArray, name: str, kind: pa.DataType) -> pa.ChunkedArray:
    """A known column in its documented type; values that do not fit become NA, with a warning."""
    if column.type == kind:
        return column
    if pa.types.is_string(kind):
        return to_text(column)
    if pa.types.is_timestamp(kind):
        return parse_timestamps(column, name, strict=True)
    try:
        return column.cast(kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        pass
    values = column.to_pylist()
    converted = [_coerce(value, kind) for value in values]
    lost = sum(v is not None and c is None for v, c in zip(values, converted, strict=True))
    if lost:
        warnings.warn(f"{name}: {lost} value(s) that are not {kind} were read as NA", stacklevel=5)
    return pa.chunked_array([pa.array(converted, kind)])


def _coerce(value: Any, kind: pa.DataType) -> Any:
    """One value as a boolean or a number (whole numbers rounded), else None."""
    if pa.types.is_boolean(kind):
        if isinstance(value, bool):
            return value
        return {"true": True, "false": False}.get(value) if isinstance(value, str) else None
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return round(number) if pa.types.is_integer(kind) else number


_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.bool_()
_T = pa.timestamp("ns", "UTC")
_USER = {"user_id": _S, "user_email": _S, "user_first_name": _S, "user_last_name": _S}
_STAMPS = {"created_at": _T, "updated_at": _T}


def _user_objects(items: Sequence[Item], key: str = "user") -> list[Item]:
    """Items whose `key` is a bare id string get ``{"_id": id}`` instead (flattened the same)."""
    return [
        {**item, key: {"_id": item[key]}} if isinstance(item.get(key), str) else item
        for item in items
    ]


def items_frame(
    items: Sequence[Item],
    *,
    columns: dict[str, pa.DataType],
    categories: dict[str, Sequence[str]] | None = None,
    user_prefix: str | None = None,
    tz: str,
    dtype_backend: str,
) -> pd.DataFrame:
    """API items -> a flat frame; `columns` come first, with these types, even when empty."""
    table = _timestamps(flatten_records(items))
    for name, kind in columns.items():
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, kind))
        else:
            position = table.column_names.index(name)
            table = table.set_column(position, name, _conform(table[name], name, kind))
    if user_prefix is not None:
        table = _with_user_name(table, user_prefix)
    first = [n for n in table.column_names if n in columns or n == f"{user_prefix}name"]
    first.sort(key=lambda n: list(columns).index(n) if n in columns else _after(n, columns))
    order = [*first, *(n for n in table.column_names if n not in first)]
    return table_to_frame(
        table.select(order), tz=tz, dtype_backend=dtype_backend, categories=categories
    )


def _after(name: str, columns: dict[str, pa.DataType]) -> float:
    """Sort position of a derived ``<prefix>name``: right after ``<prefix>last_name``."""
    last = name.removesuffix("name") + "last_name"
    return list(columns).index(last) + 0.5 if last in columns else len(columns)


def dispositions_frame(items: Sequence[Item], **options: Any) -> pd.DataFrame:
    # A disposition has both ``_id`` (the database id) and ``id`` (the number call logs use):
    # ``id`` keeps the number, the database id becomes ``object_id``.
    renamed = [{("object_id" if k == "_id" else k): v for k, v in d.items()} for d in items]
    columns = {"id": _I, "name": _S, "category": _S, "is_custom": _B, "is_required": _B}
    return items_frame(
        renamed,
        columns={**columns, "object_id": _S},
        categories={"category": DISPOSITION_CATEGORIES},
        **options,
    )


def sequences_frame(items: Sequence[Item], **options: Any) -> pd.DataFrame:
    columns = {"id": _S, "name": _S, "total_calls": _I, "first_used_at": _T, "last_used_at": _T}
    return items_frame(items, columns=columns, **options)


def contact_lists_frame(items: Sequence[Item], **options: Any) -> pd.DataFrame:
    columns = {"id": _S, "name": _S, "source": _S, "total_contacts": _I, "created_at": _T}
    return items_frame(
        _user_objects(items), columns={**columns, **_USER}, user_prefix="user_", **options
    )


def team_frame(team: Item, **options: Any) -> pd.DataFrame:
    """One row per member, with the team's id and name on each."""
    header = {"_id": team.get("_id"), "name": team.get("name")}
    members = [{"team": header, **member} for member in _user_objects(team["users"])]
    columns = {"team_id": _S, "team_name": _S, **_USER, "status": _S, "license": _S}
    return items_frame(members, columns=columns, user_prefix="user_", **options)


def scored_calls_frame(items: Sequence[Item], **options: Any) -> pd.DataFrame:
    columns = {"id": _S, "score": _F, **_USER, **_STAMPS}
    return items_frame(_user_objects(items), columns=columns, user_prefix="user_", **options)


def follow_ups_frame(items: Sequence[Item], **options: Any) -> pd.DataFrame:
    columns = {"id": _S, **_USER, **_STAMPS}
    return items_frame(_user_objects(items), columns=columns, user_prefix="user_", **options)


def custom_fields_frame(items: Sequence[Item], **options: Any) -> pd.DataFrame:
    return items_frame(items, columns={"id": _S, "label": _S, "type": _S, **_STAMPS}, **options)


def snoozed_contacts_frame(items: Sequence[Item], **options: Any) -> pd.DataFrame:
    columns = {"id": _S, **_USER, **_STAMPS}
    return items_frame(_user_objects(items), columns=columns, user_prefix="user_", **options)


def overview_frame(body: Item, **options: Any) -> pd.DataFrame:
    """One row per metric: ``metric``, ``value``, ``growth`` (NA when there is no comparison)."""
    names = [
        *(m for m in OVERVIEW_METRICS if m in body),
        *(k for k in body if k not in OVERVIEW_METRICS),
    ]
    entries = [body[n] if isinstance(body[n], dict) else {"value": body[n]} for n in names]
    rows = [
        {"metric": n, "value": _number(e.get("value")), "growth": _number(e.get("growth"))}
        for n, e in zip(names, entries, strict=True)
    ]
    return items_frame(rows, columns={"metric": _S, "value": _F, "growth": _F}, **options)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def performance_frame(name: str, items: Sequence[Item], **options: Any) -> pd.DataFrame:
    counts = {"total_calls": _I, "connected_calls": _I, "conversations": _I, "meetings_set": _I}
    if name == "sdr-performance":
        person = {"id": _S, "first_name": _S, "last_name": _S, "email": _S}
        return items_frame(items, columns={**person, **counts}, user_prefix="", **options)
    columns = {"id": _S, "name": _S, "source": _S, **counts}
    return items_frame(items, columns=columns, **options)

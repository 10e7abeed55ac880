"""The reference endpoints (dispositions, sequences, contact lists, team, analytics) as frames.

Each ``fetch_*`` takes a `Session` and returns the API's items; each ``*_frame`` turns items into
a tidy frame by the same flattening rule as the call log (``_id`` -> ``id``, nested objects ->
``<parent>_<field>``, ``*_at`` fields as timestamps).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dialstats.api._filters import MAX_PAGE_SIZE, encode_params
from dialstats.api._http import Session
from dialstats.errors import ApiError
from dialstats.frame._build import parse_timestamps, table_to_frame
from dialstats.frame._flatten import flatten_records
from dialstats.frame._schema import DISPOSITION_CATEGORIES

ANALYTICS = ("overview", "sdr-performance", "list-performance")
OVERVIEW_METRICS = (
    "total_calls",
    "connected_calls",
    "conversations",
    "meetings_set",
    "total_follow_up_tasks",
)


def _items(body: Any, path: str) -> list[dict[str, Any]]:
    items = body.get("data") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError(f"GET {path}: the response has no list of items under 'data'")
    return items


async def fetch_dispositions(session: Session, params: dict[str, Any]) -> list[dict[str, Any]]:
    path = "/v1/dispositions"
    return _items(await session.get(path, encode_params(params)), path)


async def fetch_sequences(session: Session) -> list[dict[str, Any]]:
    path = "/v1/sequences"
    return _items(await session.get(path), path)


async def fetch_team(session: Session) -> dict[str, Any]:
    body = await session.get("/v1/team")
    if not isinstance(body, dict) or not isinstance(body.get("users", []), list):
        raise ApiError("GET /v1/team: the response is not a team object with a list of users")
    return body


async def _all_pages(
    session: Session,
    path: str,
    params: Sequence[tuple[str, str]],
    total_key: str,
) -> list[dict[str, Any]]:
    """Items of every page of a ``page``/``limit`` endpoint: page 1, then the rest at once."""

    async def page(number: int) -> tuple[list[dict[str, Any]], Any]:
        query = [*params, ("page", str(number)), ("limit", str(MAX_PAGE_SIZE))]
        body = await session.get(path, query)
        return _items(body, path), body.get(total_key)

    first, total = await page(1)
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise ApiError(f"GET {path}: the response has no usable {total_key!r}")
    rest = await asyncio.gather(*(page(n) for n in range(2, math.ceil(total / MAX_PAGE_SIZE) + 1)))
    return [*first, *(item for items, _ in rest for item in items)]


async def fetch_contact_lists(session: Session, sort: str | None) -> list[dict[str, Any]]:
    params = [("sort", sort)] if sort else []
    return await _all_pages(session, "/v1/contact-lists", params, "total")


async def fetch_analytics(session: Session, name: str, params: dict[str, Any]) -> Any:
    path = f"/v1/analytics/{name}"
    query = encode_params(params)
    if name == "overview":
        body = await session.get(path, query)
        if not isinstance(body, dict):
            raise ApiError(f"GET {path}: the response is not an object")
        return body
    return await _all_pages(session, path, query, "totalCount")


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


def _timestamps(table: pa.Table) -> pa.Table:
    for i, name in enumerate(table.column_names):
        if name.endswith("_at"):
            parsed = parse_timestamps(table[name], name, strict=False)
            if parsed is not None:
                table = table.set_column(i, name, parsed)
    return table


_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.bool_()
_T = pa.timestamp("ns", "UTC")
_USER = {"user_id": _S, "user_email": _S, "user_first_name": _S, "user_last_name": _S}


def items_frame(
    items: Sequence[dict[str, Any]],
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
        elif pa.types.is_null(table[name].type):
            table = table.set_column(table.column_names.index(name), name, table[name].cast(kind))
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


def dispositions_frame(items: Sequence[dict[str, Any]], **options: Any) -> pd.DataFrame:
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


def sequences_frame(items: Sequence[dict[str, Any]], **options: Any) -> pd.DataFrame:
    columns = {"id": _S, "name": _S, "total_calls": _I, "first_used_at": _T, "last_used_at": _T}
    return items_frame(items, columns=columns, **options)


def contact_lists_frame(items: Sequence[dict[str, Any]], **options: Any) -> pd.DataFrame:
    columns = {"id": _S, "name": _S, "source": _S, "total_contacts": _I, "created_at": _T}
    return items_frame(items, columns={**columns, **_USER}, user_prefix="user_", **options)


def team_frame(team: dict[str, Any], **options: Any) -> pd.DataFrame:
    """One row per member, with the team's id and name on each."""
    header = {"_id": team.get("_id"), "name": team.get("name")}
    members = [{"team": header, **member} for member in team.get("users") or []]
    columns = {"team_id": _S, "team_name": _S, **_USER, "status": _S, "license": _S}
    return items_frame(members, columns=columns, user_prefix="user_", **options)


def overview_frame(body: dict[str, Any], **options: Any) -> pd.DataFrame:
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


def performance_frame(name: str, items: Sequence[dict[str, Any]], **options: Any) -> pd.DataFrame:
    counts = {"total_calls": _I, "connected_calls": _I, "conversations": _I, "meetings_set": _I}
    if name == "sdr-performance":
        person = {"id": _S, "first_name": _S, "last_name": _S, "email": _S}
        return items_frame(items, columns={**person, **counts}, user_prefix="", **options)
    columns = {"id": _S, "name": _S, "source": _S, **counts}
    return items_frame(items, columns=columns, **options)

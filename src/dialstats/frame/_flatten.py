"""API JSON -> flat Arrow tables, by the flattening rule of the column schema.

Nested objects become ``<parent>_<field>``, ``_id`` becomes ``id`` and camelCase becomes
snake_case; lists (e.g. ``contact.phone_numbers``) stay list columns. Unknown fields are kept.

Call-log pages are parsed by Arrow's JSON reader straight from the response bytes (no Python
objects per record), with the known fields' types pinned so every page agrees. Anything that reader
refuses (a field whose type changes between records, pretty-printed JSON) goes through a one-pass
Python flattener instead, so no input is lost, only slower.

>>> flatten_records([{"_id": "a", "createdAt": "2024-01-01T00:00:00Z", "user": {"first_name": "Ann"}}]).column_names
['id', 'created_at', 'user_first_name']
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

_STRING = pa.string()
_USER = pa.struct([(name, _STRING) for name in ("_id", "email", "first_name", "last_name")])
_REF = pa.struct([("_id", _STRING), ("name", _STRING)])
# A custom field's value is text, a number or a date as its ``type`` says: always read as text.
_CUSTOM_FIELD = pa.struct([("type", _STRING), ("label", _STRING), ("value", _STRING)])
# One of a contact's numbers, as live records carry it (``validation``'s shape is not known: inferred).
_PHONE_NUMBER = pa.struct(
    [
        *[(name, _STRING) for name in ("type", "number", "country_code", "extension")],
        ("do_not_call", pa.bool_()),
        ("is_wrong_number", pa.bool_()),
        ("total_calls", pa.int64()),
        ("call_classification", _STRING),
        ("_id", _STRING),
    ]
)
_BARE_VALUE = re.compile(rb'"value"(\s*):(\s*)(-?[0-9][0-9.eE+-]*|true|false)')
# Types of the documented call-log fields, pinned so that pages agree with each other and
# timestamps stay text until they are parsed tolerantly. Other fields are inferred.
CALL_LOG_TYPE = pa.struct(
    [
        *[(name, _STRING) for name in ("_id", "call_id", "outcome", "direction", "answered_by")],
        ("duration", pa.float64()),
        ("to", _STRING),
        ("from", _STRING),
        (
            "disposition",
            pa.struct(
                [("internal_id", pa.int64()), ("external_id", _STRING), ("external_name", _STRING)]
            ),
        ),
        (
            "contact",
            pa.struct(
                [
                    *[
                        (name, _STRING)
                        for name in ("first_name", "last_name", "email", "company", "title")
                    ],
                    ("timezone", _STRING),
                    ("_id", _STRING),
                    ("phone_numbers", pa.list_(_PHONE_NUMBER)),
                    ("custom_fields", pa.list_(_CUSTOM_FIELD)),
                ]
            ),
        ),
        ("contact_list", _REF),
        ("sequence", _REF),
        ("user", _USER),
        *[(name, _STRING) for name in ("recording_url", "notes", "transcription", "summary")],
        ("is_completed", pa.bool_()),
        *[(name, _STRING) for name in ("started_at", "ended_at", "createdAt", "updatedAt")],
    ]
)
# Flat columns of CALL_LOG_TYPE outside the frame's schema: present only when a record has them.
PINNED_EXTRAS = frozenset({"contact_phone_numbers", "contact_custom_fields"})
_PAGINATION_TYPE = pa.struct([(name, pa.int64()) for name in ("total", "page", "limit", "pages")])
_PAGE_SCHEMA = pa.schema([("data", pa.list_(CALL_LOG_TYPE)), ("pagination", _PAGINATION_TYPE)])
_PARSE_OPTIONS = pa_json.ParseOptions(
    explicit_schema=_PAGE_SCHEMA, unexpected_field_behavior="infer"
)


@functools.lru_cache(maxsize=4096)
def column_name(key: str) -> str:
    """The snake_case column name of one JSON key: ``_id`` -> ``id``, ``createdAt`` -> ``created_at``."""
    if key == "_id":
        return "id"
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", key)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower() or "field"


def _join(prefix: str, key: str) -> str:
    name = column_name(key)
    return f"{prefix}_{name}" if prefix else name


# -- one flat table -----------------------------------------------------------------------------


def to_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column as text: numbers and dates cast, lists and objects as JSON."""
    try:
        return pc.cast(column, _STRING)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = [None if v is None else json.dumps(v, default=str) for v in column.to_pylist()]
        return pa.chunked_array([pa.array(values, _STRING)])


def _put(out: dict[str, pa.ChunkedArray], name: str, column: pa.ChunkedArray) -> None:
    """Add a column; a second field with the same flat name fills the first one's gaps."""
    if name not in out:
        out[name] = column
        return
    first = out[name]
    if first.type != column.type:
        first, column = to_text(first), to_text(column)
    out[name] = pc.coalesce(first, column)


def _flatten_column(column: pa.ChunkedArray, prefix: str, out: dict[str, pa.ChunkedArray]) -> None:
    if pa.types.is_struct(column.type):
        # ChunkedArray.flatten merges the parent's nulls into each child: null objects give NA.
        for field, child in zip(column.type, column.flatten(), strict=True):
            _flatten_column(child, _join(prefix, field.name), out)
    else:
        _put(out, prefix, column)


def flatten_struct(records: pa.ChunkedArray) -> pa.Table:
    """A struct column of records -> one flat column per leaf field."""
    out: dict[str, pa.ChunkedArray] = {}
    if pa.types.is_struct(records.type):
        for field, child in zip(records.type, records.flatten(), strict=True):
            _flatten_column(child, column_name(field.name), out)
    return pa.table(out) if out else _empty_rows(len(records))


def _text_value(item: Any) -> Any:
    """A list item with its ``value`` as text, as `_quote_values` makes it for page bodies."""
    if isinstance(item, dict) and not isinstance(item.get("value"), str | None):
        return {**item, "value": json.dumps(item["value"])}
    return item


def _flat_items(obj: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in obj.items():
        name = _join(prefix, key)
        if isinstance(value, Mapping):
            _flat_items(value, name, out)
        elif isinstance(value, list):
            out.setdefault(name, [_text_value(item) for item in value])
        elif value is not None:
            out.setdefault(name, value)  # first field wins a name clash, as in _put


def _column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        # Mixed types in one field: keep every value, as text.
        return pa.array(
            [
                None if v is None else v if isinstance(v, str) else json.dumps(v, default=str)
                for v in values
            ],
            _STRING,
        )


def flatten_records(records: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Records (dicts, as the API sends them) -> flat table, in one pass over the records."""
    columns: dict[str, list[Any]] = {}
    n = 0
    for n, record in enumerate(records, start=1):
        flat: dict[str, Any] = {}
        _flat_items(record, "", flat)
        for name, value in flat.items():
            column = columns.setdefault(name, [])
            if len(column) < n - 1:
                column.extend([None] * (n - 1 - len(column)))
            column.append(value)
    for column in columns.values():
        column.extend([None] * (n - len(column)))
    if not columns:
        return _empty_rows(n)
    return pa.table({name: _column(values) for name, values in columns.items()})


def _empty_rows(n: int) -> pa.Table:
    """A table of n rows and no columns."""
    return pa.table({"_": pa.nulls(n)}).drop_columns(["_"])


def concat_flat(tables: Sequence[pa.Table]) -> pa.Table:
    """Stack flat tables, unifying their columns; a column whose types clash becomes text."""
    if not tables:
        return _empty_rows(0)
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    types: dict[str, set[pa.DataType]] = {}
    for table in tables:
        for field in table.schema:
            types.setdefault(field.name, set()).add(field.type)
    clashing = {name for name, kinds in types.items() if len(kinds - {pa.null()}) > 1}
    fixed = []
    for table in tables:
        for name in clashing.intersection(table.column_names):
            table = table.set_column(table.column_names.index(name), name, to_text(table[name]))
        fixed.append(table)
    return pa.concat_tables(fixed, promote_options="permissive")


# -- call-log pages -----------------------------------------------------------------------------

_INFO_OPTIONS = pa_json.ParseOptions(
    explicit_schema=pa.schema(
        [("data", pa.list_(pa.struct([("_id", _STRING)]))), ("pagination", _PAGINATION_TYPE)]
    ),
    unexpected_field_behavior="ignore",
)
_BLOCK = 4 << 20  # Arrow parses blocks in parallel; a block must hold a whole page body.


@dataclass(frozen=True)
class PageInfo:
    """What paging needs from one GET /v1/call-log body: its record ids and its pagination."""

    ids: list[Any]
    pagination: dict[str, Any]

    def __len__(self) -> int:
        return len(self.ids)


def read_page_info(body: bytes) -> PageInfo:
    """Check a call-log body is the expected JSON and read its ids and pagination.

    Reads only ``_id`` and ``pagination`` (the records are built later, all pages at once).
    Raises ValueError when the body is not a call-log page.
    """
    try:
        raw = pa_json.read_json(
            io.BytesIO(body),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=len(body) + 64),
            parse_options=_INFO_OPTIONS,
        )
        if raw.num_rows == 1:
            ids = pc.struct_field(pc.list_flatten(raw["data"]), "_id").to_pylist()
            return PageInfo(ids, raw["pagination"][0].as_py() or {})
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass  # not one compact JSON document, or odd types: let the JSON module judge
    records, pagination = _load_page(body)
    return PageInfo([r.get("_id") for r in records], pagination)


def _load_page(body: bytes) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    document = json.loads(_quote_values(body))
    records = document.get("data") if isinstance(document, dict) else None
    pagination = document.get("pagination") if isinstance(document, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError("the response has no list of records under 'data'")
    if not isinstance(pagination, dict | None):
        raise ValueError("the response's 'pagination' is not an object")
    return records, pagination or {}


def _quote_values(body: bytes) -> bytes:
    """Values of keys named ``value`` (custom fields') as JSON strings (``"value":3`` ->
    ``"value":"3"``), so that Arrow reads them as one column of text instead of refusing a
    column of mixed types.

    An unescaped ``"value"`` followed by ``:`` can only be a key, never text inside a string.
    """
    return _BARE_VALUE.sub(rb'"value"\1:\2"\3"', body) if b'"value"' in body else body


def _groups(bodies: Sequence[bytes], size: int) -> Iterable[list[bytes]]:
    group: list[bytes] = []
    total = 0
    for body in bodies:
        group.append(_quote_values(body))
        total += len(body)
        if total >= size:
            yield group
            group, total = [], 0
    if group:
        yield group


def _parse_bodies(bodies: Sequence[bytes]) -> pa.Table:
    # Bodies are joined newline-delimited a group at a time: Arrow parses a group's blocks in
    # parallel, and only one group is ever copied.
    block = max(_BLOCK, max(len(body) for body in bodies) + 64)
    options = pa_json.ReadOptions(block_size=block)
    raw = pa.concat_tables(
        [
            pa_json.read_json(
                pa.BufferReader(b"\n".join(group)),
                read_options=options,
                parse_options=_PARSE_OPTIONS,
            )
            for group in _groups(bodies, 4 * block)
        ],
        promote_options="permissive",
    )
    return flatten_struct(pc.list_flatten(raw["data"]))


def flatten_bodies(bodies: Sequence[bytes]) -> pa.Table:
    """GET /v1/call-log response bodies -> one flat table of their records, in order.

    All bodies are parsed in one go by Arrow (in parallel blocks). If that fails (a body spread
    over several lines, a field whose type changes), each body is parsed on its own, the odd
    ones by the JSON module, and their columns unified.
    """
    if not bodies:
        return _empty_rows(0)
    if not any(b"\n" in body for body in bodies):
        try:
            return _parse_bodies(bodies)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            pass
    return concat_flat([_flatten_body(body) for body in bodies])


def _flatten_body(body: bytes) -> pa.Table:
    if b"\n" not in body:
        try:
            return _parse_bodies([body])
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            pass
    return flatten_records(_load_page(body)[0])


class BackgroundParser:
    """Parses groups of page bodies on a worker thread while later pages are still fetched
    (Arrow's JSON reader releases the GIL), so little is left to do when the last one lands.

    Call it with each group, in order; `table` returns all their records, in that order.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="dialstats-parse")
        self._parts: list[Future[pa.Table]] = []

    def __call__(self, bodies: list[bytes]) -> None:
        self._parts.append(self._executor.submit(flatten_bodies, bodies))

    def table(self) -> pa.Table:
        return concat_flat([part.result() for part in self._parts])

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._parts = []

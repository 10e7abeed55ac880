"""API JSON -> flat Arrow tables, by the flattening rule of the column schema.

Nested objects become ``<parent>_<field>``, ``_id`` becomes ``id`` and camelCase becomes
snake_case; lists (e.g. ``contact.phone_numbers``) stay list columns here (the frame holds them as
JSON text, see `dialstats.frame`). Unknown fields are kept. Call-log JSON is read by Arrow's JSON
reader with the known fields' types pinned (`read_groups`), so every page and every record agrees.

Both sides of the fetching code need this rule: the wire format (`dialstats.api._wire`) parses
page bodies with it, the frame builder (`dialstats.frame`) reads records with it; so it sits
below both, and neither imports the other.

>>> flatten_records([{"_id": "a", "createdAt": "2024-01-01T00:00:00Z", "user": {"first_name": "Ann"}}]).column_names
['id', 'created_at', 'user_first_name']
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from dialstats._json import json_text

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
# A ``custom_fields`` array of objects, to the first closing bracket: its end, unless a custom
# field's text holds a bracket. Then the rest of that array keeps its bare values, and Arrow,
# refusing them, leaves the body to the JSON module (`flatten_records` quotes every custom
# field): slower, never wrong. Skipping text whole would cost a quarter more on every body.
_CUSTOM_FIELDS = re.compile(rb'("custom_fields"\s*:\s*\[\s*\{[^\]]*+\])')
_BARE_VALUE = re.compile(rb'("value"\s*:\s*)(-?[0-9][0-9.eE+-]*|true|false)')
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
PAGINATION_TYPE = pa.struct(
    [(name, pa.int64()) for name in ("total", "page", "limit", "pages", "next")]
)
_PAGE_SCHEMA = pa.schema([("data", pa.list_(CALL_LOG_TYPE)), ("pagination", PAGINATION_TYPE)])
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


def to_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column as text: numbers and dates cast, lists and objects as JSON."""
    if pa.types.is_nested(column.type):
        return json_text(column)
    try:
        return pc.cast(column, _STRING)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return json_text(column)


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
    return pa.table(out) if out else empty_rows(len(records))


def _text_value(item: Any) -> Any:
    """A custom field with its ``value`` as text, as `quote_values` makes it for page bodies."""
    if isinstance(item, dict) and not isinstance(item.get("value"), str | None):
        return {**item, "value": json.dumps(item["value"])}
    return item


def _flat_items(obj: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in obj.items():
        name = _join(prefix, key)
        if isinstance(value, Mapping):
            _flat_items(value, name, out)
        elif isinstance(value, list):
            if key == "custom_fields":
                value = [_text_value(item) for item in value]
            out.setdefault(name, value)
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
        return empty_rows(n)
    return pa.table({name: _column(values) for name, values in columns.items()})


def empty_rows(n: int) -> pa.Table:
    """A table of n rows and no columns."""
    return pa.table({"_": pa.nulls(n)}).drop_columns(["_"])


def concat_flat(tables: Sequence[pa.Table]) -> pa.Table:
    """Stack flat tables, unifying their columns; a column whose types clash becomes text."""
    if not tables:
        return empty_rows(0)
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    types: dict[str, set[pa.DataType]] = {}
    for table in tables:
        for column in table.schema:
            types.setdefault(column.name, set()).add(column.type)
    clashing = {name for name, kinds in types.items() if len(kinds - {pa.null()}) > 1}
    fixed = []
    for table in tables:
        for name in clashing.intersection(table.column_names):
            table = table.set_column(table.column_names.index(name), name, to_text(table[name]))
        fixed.append(table)
    return pa.concat_tables(fixed, promote_options="permissive")


def _quote_bare(text: bytes) -> bytes:
    """`text` with the bare values of its ``value`` keys quoted: ``"value":3`` -> ``"value":"3"``.

    An unescaped ``"value"`` followed by ``:`` can only be a key, never text inside a string.
    (A regex split, a third quicker than a substitution, whose template is expanded in Python
    for every match.)
    """
    pieces = _BARE_VALUE.split(text)  # [text, key and colon, value, text, ...]
    pieces[2::3] = [b'"' + value + b'"' for value in pieces[2::3]]
    return b"".join(pieces)


def _quoted_pieces(body: bytes) -> list[bytes]:
    """`body` in pieces whose join has its custom fields' values as JSON strings
    (``"custom_fields":[{"value":3}]`` -> ``"custom_fields":[{"value":"3"}]``), so that Arrow
    reads them as one column of text instead of refusing a column of mixed types. A field named
    ``value`` anywhere else keeps its type.

    (Pieces, so that a group of bodies is copied once, joined. A body's custom fields are quoted
    in one pass, joined by NUL, which JSON writes only escaped: a third quicker than a pass per
    array.)
    """
    parts = _CUSTOM_FIELDS.split(body)  # [text, custom fields, text, ...]
    if len(parts) == 1:
        return parts
    fields = parts[1::2]
    joined = b"\0".join(fields)
    if joined.count(b"\0") == len(fields) - 1:
        parts[1::2] = _quote_bare(joined).split(b"\0")
    else:  # a raw NUL inside one (a lenient body's): each on its own
        parts[1::2] = [_quote_bare(text) for text in fields]
    return parts


def quote_values(body: bytes) -> bytes:
    """`body` with its custom fields' values as JSON strings (see `_quoted_pieces`)."""
    return b"".join(_quoted_pieces(body))


def _groups(bodies: Sequence[bytes], size: int) -> Iterable[bytes]:
    """The bodies (each on one line) as newline-delimited JSON, about `size` bytes a group,
    their values quoted (see `_quoted_pieces`)."""
    pieces: list[bytes] = []
    total = 0
    for body in bodies:
        pieces += _quoted_pieces(body)
        pieces.append(b"\n")
        total += len(body)
        if total >= size:
            yield b"".join(pieces)
            pieces, total = [], 0
    if pieces:
        yield b"".join(pieces)


ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)
BLOCK = 4 << 20  # Arrow parses blocks in parallel; a block must hold a whole page body.


def read_groups(
    bodies: Sequence[bytes], *, use_threads: bool = True
) -> Iterator[tuple[pa.Table, pa.ChunkedArray]]:
    """Call-log JSON bodies (each on one line) read by Arrow with the pinned types, a group at
    a time: each group's raw table (``data``, ``pagination``) and its records.

    Bodies are joined newline-delimited a group at a time: Arrow parses a group's blocks in
    parallel, and only one group is ever copied. Raises Arrow's errors (and UnicodeDecodeError)
    for JSON it refuses.
    """
    block = max(BLOCK, max(len(body) for body in bodies) + 64)
    options = pa_json.ReadOptions(use_threads=use_threads, block_size=block)
    for group in _groups(bodies, 4 * block):
        raw = pa_json.read_json(
            pa.BufferReader(group), read_options=options, parse_options=_PARSE_OPTIONS
        )
        yield raw, pc.list_flatten(raw["data"])


def flatten_groups(tables: list[pa.Table]) -> pa.Table:
    """The flat tables of a read's groups as one. Each group is flattened before the groups are
    stacked: stacking nested tables whose inferred fields differ between groups (a contact
    field one group never has) can give an invalid table in pyarrow; flat columns are unified
    safely by `concat_flat`."""
    return tables[0] if len(tables) == 1 else concat_flat(tables)


def flatten_record_bodies(bodies: Sequence[bytes]) -> pa.Table:
    """Bodies ``{"data": [records]}`` as `json.dumps` writes them (compact, ASCII) -> one flat
    table of their records, in order, read exactly as call-log pages are: all at once by Arrow,
    else body by body, a body Arrow refuses (a field whose type changes) by `flatten_records`.
    """
    if not bodies:
        return empty_rows(0)
    try:
        return flatten_groups([flatten_struct(r) for _, r in read_groups(bodies)])
    except ARROW_ERRORS:
        pass
    tables = []
    for body in bodies:
        try:
            tables.append(flatten_groups([flatten_struct(r) for _, r in read_groups([body])]))
        except ARROW_ERRORS:
            tables.append(flatten_records(json.loads(quote_values(body))["data"]))
    return concat_flat(tables)

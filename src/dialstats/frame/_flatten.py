"""API JSON -> flat Arrow tables, by the flattening rule of the column schema.

Nested objects become ``<parent>_<field>``, ``_id`` becomes ``id`` and camelCase becomes
snake_case; lists (e.g. ``contact.phone_numbers``) stay list columns here (the frame holds them as
JSON text, see `table_to_frame`). Unknown fields are kept.

Call-log pages are parsed by Arrow's JSON reader straight from the response bytes (no Python
objects per record), many bodies at once, with the known fields' types pinned so every page agrees;
the same parse gives each body's ids and pagination (`parse_pages`), which paging checks. Anything
that reader refuses (a field whose type changes between records, pretty-printed JSON, a body that
is no page) goes through a one-pass Python flattener instead, so no input is lost, only slower.
Raw control characters inside strings (live transcripts have them; strict parsers refuse them)
are escaped first and read back exactly as sent. A body that is not a JSON object is refused by
its first and last bytes before Arrow sees it (Arrow's reader crashes the process on ``null``).

>>> flatten_records([{"_id": "a", "createdAt": "2024-01-01T00:00:00Z", "user": {"first_name": "Ann"}}]).column_names
['id', 'created_at', 'user_first_name']
"""

from __future__ import annotations

import bisect
import functools
import io
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from dialstats.frame._json import json_text

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
_PAGINATION_TYPE = pa.struct(
    [(name, pa.int64()) for name in ("total", "page", "limit", "pages", "next")]
)
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
        for column in table.schema:
            types.setdefault(column.name, set()).add(column.type)
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
    # The body to parse the records from: the same JSON, its raw control characters escaped
    # when that was done here already (so it is not done again).
    body: bytes = field(default=b"", repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)


def read_page_info(body: bytes) -> PageInfo:
    """Check a call-log body is the expected JSON and read its ids and pagination.

    Reads only ``_id`` and ``pagination`` (the records are built later, all pages at once).
    Raises ValueError, saying what is wrong, when the body is not a call-log page; the shape is
    checked before Arrow sees the bytes (Arrow's JSON reader crashes the process on ``null``).
    """
    body = checked_body(body)  # (escaped, a trailing line break would be an error)
    # Raw control characters (live transcripts) would make Arrow refuse the body as sent.
    quick = escape_all_controls(body)
    try:
        if quick is not None:
            raw = pa_json.read_json(
                io.BytesIO(quick),
                read_options=pa_json.ReadOptions(use_threads=False, block_size=len(quick) + 64),
                parse_options=_INFO_OPTIONS,
            )
            if raw.num_rows == 1 and raw["data"].null_count == 0:
                records = pc.list_flatten(raw["data"])
                pagination = raw["pagination"][0].as_py() or {}
                # Arrow gives every pagination field, None where the body has none: a
                # pagination without any count is left to the JSON module, which tells
                # absent (an error) from null (the last page).
                counted = any(pagination.get(k) is not None for k in ("total", "pages", "next"))
                if records.null_count == 0 and counted:
                    ids = pc.struct_field(records, "_id").to_pylist()
                    return PageInfo(ids, pagination, quick)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass  # not one compact JSON document, or odd types: let the JSON module judge
    records, pagination = _load_page(body)
    return PageInfo([r.get("_id") for r in records], pagination, body)


_WHITESPACE = b" \t\r\n"


def check_body(body: bytes) -> None:
    """Raise ValueError unless `body` looks like one JSON object: ``{`` ... ``}``.

    A cheap look at its first and last bytes, so that ``null``, arrays, strings, HTML and
    bodies cut short are refused by name before any parser sees them.
    """
    if body[:64].lstrip(_WHITESPACE)[:1] == b"{" and body[-64:].rstrip(_WHITESPACE)[-1:] == b"}":
        return
    text = body.strip(_WHITESPACE)
    if text[:1] == b"{" and text[-1:] == b"}":
        return  # (more than 64 bytes of whitespace around it)
    if not text:
        raise ValueError("the body is empty")
    first = text[:1]
    kinds = {b"[": "a JSON array", b'"': "a JSON string", b"<": "HTML or XML"}
    if text in (b"null", b"true", b"false"):
        kind = f"JSON {text.decode()}"
    elif first in kinds:
        kind = kinds[first]
    elif first.isdigit() or first == b"-":
        kind = "a JSON number"
    elif first == b"{":
        raise ValueError(f"the body is cut short or not JSON: it ends with {text[-20:]!r}")
    else:
        kind = "not JSON"
    raise ValueError(f"the body is {kind}, not a JSON object: {text[:40]!r}")


def _load_page(body: bytes) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    check_body(body)
    try:
        # strict=False: raw control characters inside strings (as some live transcripts
        # have) are kept as sent instead of refused.
        document = json.loads(_quote_values(body), strict=False)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ValueError("the body is not a JSON object")
    records = document.get("data")
    pagination = document.get("pagination")
    if "data" not in document:
        keys = ", ".join(map(repr, list(document)[:8])) or "none"
        raise ValueError(f"the body has no 'data' key (its keys: {keys})")
    if not isinstance(records, list):
        raise ValueError(f"the body's 'data' is {type(records).__name__}, not a list of records")
    bad = next((i for i, r in enumerate(records) if not isinstance(r, dict)), None)
    if bad is not None:
        raise ValueError(
            f"record {bad} under 'data' is {type(records[bad]).__name__}, not an object"
        )
    if not isinstance(pagination, dict | None):
        raise ValueError("the body's 'pagination' is not an object")
    return records, pagination or {}


_STRING_LITERAL = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_CONTROL = re.compile(rb"[\x00-\x1f]")
_NOT_CONTROL = bytes(range(32, 256))  # (deleted by translate: the control bytes are left)
_AFTER_BACKSLASH = re.compile(rb"\\[\x00-\x1f]")
_PAIR_OR_CONTROL = re.compile(rb"\\[\x00-\xff]|[\x00-\x1f]")


def _escape_control(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % match.group()[0]


def _escape_unless_pair(match: re.Match[bytes]) -> bytes:
    # A backslash and the byte after it are left as sent: a raw control character after a
    # backslash is an invalid escape, for the parser to refuse rather than to read as another.
    text = match.group()
    return text if text[:1] == b"\\" else _escape_control(match)


def _escape_string(match: re.Match[bytes]) -> bytes:
    text = match.group()
    return _PAIR_OR_CONTROL.sub(_escape_unless_pair, text) if _CONTROL.search(text) else text


def has_controls(body: bytes) -> bool:
    """Whether `body` holds a raw control character (a C-speed scan: the regex module would
    take ten times as long over a large body)."""
    return bool(body.translate(None, _NOT_CONTROL))


def escape_all_controls(body: bytes) -> bytes | None:
    """`body` with every raw control character escaped (``\\u000a``) (`body` itself if it has
    none), or None if that could change its value.

    The quick way for a compact body: a raw control character can stand outside a string only
    as whitespace between tokens, where an escape is a syntax error (a backslash outside a
    string), never another value; so whatever parses afterwards means what `body` meant. Only
    a control character right after a backslash could join it into a different escape: then
    None (see `escape_controls`).

    >>> escape_all_controls(b'{"a": "x\\ny"}')
    b'{"a": "x\\\\u000ay"}'
    """
    codes = set(body.translate(None, _NOT_CONTROL))  # (none: `body` itself, at once)
    if codes and _AFTER_BACKSLASH.search(body):
        return None
    # One replace per distinct character present (a few): C speed, no call per match.
    for code in codes:
        body = body.replace(bytes([code]), b"\\u%04x" % code)
    return body


def escape_controls(body: bytes) -> bytes:
    """`body` with raw control characters inside its string literals escaped (``\\u000a``),
    and line breaks between tokens made spaces: the same JSON value, as one compact line that
    strict parsers (and Arrow's newline-delimited reader) accept. (Each string literal is
    looked at from Python: `escape_all_controls` is far quicker where it applies.)

    >>> escape_controls(b'{"a": "x\\ny",\\n"b": 1}')
    b'{"a": "x\\\\u000ay", "b": 1}'
    """
    if not has_controls(body):
        return body
    escaped = _STRING_LITERAL.sub(_escape_string, body)
    # What is left is outside strings: whitespace between tokens (or invalid anyway).
    return escaped.replace(b"\n", b" ").replace(b"\r", b" ").replace(b"\t", b" ")


def _quoted_pieces(body: bytes) -> list[bytes]:
    """`body` in pieces whose join has the values of keys named ``value`` (custom fields') as
    JSON strings (``"value":3`` -> ``"value":"3"``), so that Arrow reads them as one column of
    text instead of refusing a column of mixed types.

    An unescaped ``"value"`` followed by ``:`` can only be a key, never text inside a string.
    (Pieces, so that a group of bodies is copied once, joined; a regex split is a third quicker
    than a substitution, whose template is expanded in Python for every match.)
    """
    pieces = _BARE_VALUE.split(body)  # [text, key and colon, value, text, ...]
    pieces[2::3] = [b'"' + value + b'"' for value in pieces[2::3]]
    return pieces


def _quote_values(body: bytes) -> bytes:
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


_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


@dataclass(frozen=True)
class ParsedPages:
    """Call-log bodies parsed together: all their records in order, and for each body what it
    held (`PageInfo`) or why it is not a call-log page (a ValueError; no records of it kept)."""

    table: pa.Table
    infos: list[PageInfo | ValueError]

    def error(self) -> ValueError | None:
        """The first body's error, if any body is not a call-log page."""
        return next((info for info in self.infos if isinstance(info, ValueError)), None)


def checked_body(body: bytes) -> bytes:
    """`body` without surrounding whitespace, once `check_body` has found it a JSON object."""
    check_body(body)
    return body.strip(_WHITESPACE) if body[:1].isspace() or body[-1:].isspace() else body


def _quickest(body: bytes) -> bytes:
    """The form of a checked body Arrow is tried on first: as sent, or with its raw control
    characters escaped the quick way where that is safe (see `escape_all_controls`)."""
    quick = escape_all_controls(body)
    return escape_controls(body) if quick is None else quick


def _page_infos(
    data: pa.ChunkedArray, records: pa.ChunkedArray, pagination: pa.ChunkedArray
) -> list[PageInfo | None]:
    """Each body's ids and pagination from Arrow's reading of a group of them; None for a body
    that is plainly not a page to Arrow (no list under ``data``, a record that is null), for the
    JSON module to judge."""
    rows = pc.list_value_length(data).to_pylist()
    ids = pc.struct_field(records, "_id").to_pylist()  # (UnicodeDecodeError: not UTF-8)
    odd: set[int] = set()
    if records.null_count:  # (rare: find which bodies hold the null records)
        ends = list(itertools.accumulate(n or 0 for n in rows))
        nulls = records.is_null().to_pylist()
        odd = {bisect.bisect_right(ends, i) for i, null in enumerate(nulls) if null}
    infos: list[PageInfo | None] = []
    start = 0
    for i, (n, paging) in enumerate(zip(rows, pagination.to_pylist(), strict=True)):
        infos.append(
            None if n is None or i in odd else PageInfo(ids[start : start + n], paging or {})
        )
        start += n or 0
    return infos


def _parse_bodies(
    bodies: Sequence[bytes], *, use_threads: bool = True
) -> tuple[pa.Table, list[PageInfo | None]]:
    # Bodies are joined newline-delimited a group at a time: Arrow parses a group's blocks in
    # parallel, and only one group is ever copied. Each group is flattened before the groups are
    # stacked: stacking nested tables whose inferred fields differ between groups (a contact
    # field one group never has) can give an invalid table in pyarrow, which would send every
    # body down the slow one-by-one path; flat columns are unified safely by `concat_flat`.
    block = max(_BLOCK, max(len(body) for body in bodies) + 64)
    options = pa_json.ReadOptions(use_threads=use_threads, block_size=block)
    tables, infos = [], []
    for group in _groups(bodies, 4 * block):
        raw = pa_json.read_json(
            pa.BufferReader(group), read_options=options, parse_options=_PARSE_OPTIONS
        )
        records = pc.list_flatten(raw["data"])
        tables.append(flatten_struct(records))
        infos += _page_infos(raw["data"], records, raw["pagination"])
    return (tables[0] if len(tables) == 1 else concat_flat(tables)), infos


def _read_together(
    forms: Sequence[bytes], *, use_threads: bool
) -> tuple[pa.Table, list[PageInfo]] | None:
    """Arrow's reading of bodies (each on one line), if it took each of them for one page."""
    try:
        table, infos = _parse_bodies(forms, use_threads=use_threads)
    except (*_ARROW_ERRORS, UnicodeDecodeError):  # (Arrow leaves UTF-8 to Python's decoding)
        return None
    # A body holding two documents (``{...} {...}``) is two rows to Arrow: the JSON module
    # refuses it.
    if len(infos) != len(forms) or any(info is None for info in infos):
        return None
    return table, infos  # type: ignore[return-value]


def parse_pages(bodies: Sequence[bytes], *, use_threads: bool = True) -> ParsedPages:
    """GET /v1/call-log response bodies -> their records (one flat table, in order) and each
    body's ids and pagination, or why it is not a page.

    All bodies are parsed in one go by Arrow (in parallel blocks unless `use_threads` is
    False), their raw control characters escaped the quick way, then, failing that, the careful
    way. If that fails too (a field whose type changes, a body that is not a page), each body
    is parsed on its own, the odd ones by the JSON module, and their columns unified. Arrow
    never sees a body that is not a JSON object.
    """
    checked: list[bytes | ValueError] = []  # each body stripped, or why it is no JSON object
    for body in bodies:
        try:
            checked.append(checked_body(body))
        except ValueError as exc:
            checked.append(exc)
    good = [body for body in checked if isinstance(body, bytes)]
    firsts = [_quickest(body) for body in good]
    careful: list[bytes] | None = None
    together = _read_together(firsts, use_threads=use_threads) if good else None
    if together is None and any(f is not b for f, b in zip(firsts, good, strict=True)):
        # Raw control characters, perhaps line breaks between tokens (pretty-printed).
        careful = [escape_controls(body) for body in good]
        together = _read_together(careful, use_threads=use_threads)
    if together is not None:
        table, found = together
        known = iter(found)
        infos = [body if isinstance(body, ValueError) else next(known) for body in checked]
        return ParsedPages(table, infos)  # type: ignore[arg-type]
    tables: list[pa.Table] = []
    infos = []
    forms = iter(zip(firsts, careful or [None] * len(good), strict=True))
    for body in checked:
        try:
            if isinstance(body, ValueError):
                raise body
            table, info = _parse_one(body, *next(forms), use_threads=use_threads)
        except ValueError as exc:
            infos.append(exc)
        else:
            tables.append(table)
            infos.append(info)
    return ParsedPages(concat_flat(tables), infos)


def _parse_one(
    body: bytes, first: bytes, careful: bytes | None, *, use_threads: bool
) -> tuple[pa.Table, PageInfo]:
    """One checked body: by Arrow if it takes it (as first tried, then escaped the careful way,
    on one line), else by the JSON module, which raises ValueError saying what is wrong."""
    careful = escape_controls(body) if careful is None else careful
    for form in dict.fromkeys([first, careful]):
        if b"\n" not in form:
            together = _read_together([form], use_threads=use_threads)
            if together is not None:
                table, (info,) = together
                return table, info
    records, pagination = _load_page(careful)
    return flatten_records(records), PageInfo([r.get("_id") for r in records], pagination)


def flatten_bodies(bodies: Sequence[bytes]) -> pa.Table:
    """GET /v1/call-log response bodies -> one flat table of their records, in order (see
    `parse_pages`); raises ValueError, saying what is wrong, if a body is not a page."""
    parsed = parse_pages(bodies)
    error = parsed.error()
    if error is not None:
        raise error
    return parsed.table


class BackgroundParser:
    """Parses groups of page bodies on a worker thread while later pages are still fetched
    (Arrow's JSON reader releases the GIL), so little is left to do when the last one lands.

    Call it with each group (page numbers and bodies), in order; `refused` tells (without
    waiting) which pages parsed so far are no pages, `settled` what each page held, `replace`
    puts a page fetched again in place of its first body, and `table` returns all their
    records, in page order. Arrow's own threads are not used: the parsing already
    runs beside the fetching, and on a small machine they cost more CPU than they save.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="dialstats-parse")
        self._groups: list[tuple[list[int], Future[ParsedPages]]] = []
        self._replaced: dict[int, ParsedPages] = {}
        self._looked = 0  # groups `refused` has looked at (each once: the worker keeps order)

    def __call__(self, pages: list[int], bodies: list[bytes]) -> None:
        self._groups.append((pages, self._executor.submit(parse_pages, bodies, use_threads=False)))

    def refused(self) -> list[int]:
        """Pages whose body turned out to be no page, among the groups parsed since the last
        look (it does not wait for the others)."""
        found: list[int] = []
        while self._looked < len(self._groups) and self._groups[self._looked][1].done():
            pages, future = self._groups[self._looked]
            self._looked += 1
            if not future.cancelled() and future.exception() is None:  # (else: at `settled`)
                infos = future.result().infos
                found += [p for p, i in zip(pages, infos, strict=True) if isinstance(i, ValueError)]
        return found

    def settled(self) -> Future[dict[int, PageInfo | ValueError]]:
        """Each page given so far -> its ids and pagination (a page fetched again: its new
        body's), or why it is not a page; done once every group is parsed (the worker takes
        jobs in order, so this one comes last)."""
        groups = list(self._groups)
        replaced = {page: parsed.infos[0] for page, parsed in self._replaced.items()}

        def collect() -> dict[int, PageInfo | ValueError]:
            return {
                page: replaced.get(page, info)
                for pages, parsed in groups
                for page, info in zip(pages, parsed.result().infos, strict=True)
            }

        return self._executor.submit(collect)

    def replace(self, page: int, body: bytes) -> PageInfo:
        """Take `body` (page `page`, fetched again) in place of the body given before; returns
        its info, or raises ValueError if it is not a page either."""
        parsed = parse_pages([body])
        error = parsed.error()
        if error is not None:
            raise error
        self._replaced[page] = parsed
        return parsed.infos[0]  # type: ignore[return-value]

    def table(self) -> pa.Table:
        parts = []
        for pages, future in self._groups:
            parsed = future.result()
            if self._replaced.keys().isdisjoint(pages):
                parts.append(parsed.table)
                continue
            start = 0
            for page, info in zip(pages, parsed.infos, strict=True):
                rows = len(info) if isinstance(info, PageInfo) else 0
                replaced = self._replaced.get(page)
                parts.append(
                    parsed.table.slice(start, rows) if replaced is None else replaced.table
                )
                start += rows
        return concat_flat(parts)

    def reset(self) -> None:
        """Forget every group given so far (a pass over the pages that was thrown away)."""
        for _, part in self._groups:
            part.cancel()
        self._groups = []
        self._replaced = {}
        self._looked = 0

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._groups = []
        self._replaced = {}

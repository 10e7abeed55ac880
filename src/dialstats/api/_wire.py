"""The call-log API's wire format: what a GET /v1/call-log body must look like, and parsing
page bodies into their records and pagination.

Call-log pages are parsed by Arrow's JSON reader straight from the response bytes (no Python
objects per record), many bodies at once, with the known fields' types pinned so every page agrees;
the same parse gives each body's ids and pagination (`parse_pages`), which paging checks. Anything
that reader refuses (a field whose type changes between records, pretty-printed JSON, a body that
is no page) goes through a one-pass Python flattener instead, so no input is lost, only slower.
Raw control characters inside strings (live transcripts have them; strict parsers refuse them)
are escaped first and read back exactly as sent. A body that is not a JSON object is refused by
its first and last bytes before Arrow sees it (Arrow's reader crashes the process on ``null``).

>>> read_page_info(b'{"data": [{"_id": "a"}], "pagination": {"total": 1}}').ids
['a']
"""

from __future__ import annotations

import bisect
import io
import itertools
import json
import re
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from dialstats._flat import (
    ARROW_ERRORS,
    PAGINATION_TYPE,
    concat_flat,
    flatten_groups,
    flatten_records,
    flatten_struct,
    quote_values,
    read_groups,
)

_STRING = pa.string()
_INFO_OPTIONS = pa_json.ParseOptions(
    explicit_schema=pa.schema(
        [("data", pa.list_(pa.struct([("_id", _STRING)]))), ("pagination", PAGINATION_TYPE)]
    ),
    unexpected_field_behavior="ignore",
)


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
        document = json.loads(quote_values(body), strict=False)
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
    tables, infos = [], []
    for raw, records in read_groups(bodies, use_threads=use_threads):
        tables.append(flatten_struct(records))
        infos += _page_infos(raw["data"], records, raw["pagination"])
    return flatten_groups(tables), infos


def _read_together(
    forms: Sequence[bytes], *, use_threads: bool
) -> tuple[pa.Table, list[PageInfo]] | None:
    """Arrow's reading of bodies (each on one line), if it took each of them for one page."""
    try:
        table, infos = _parse_bodies(forms, use_threads=use_threads)
    except (*ARROW_ERRORS, UnicodeDecodeError):  # (Arrow leaves UTF-8 to Python's decoding)
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

"""The sandbox's call records, indexed for fast filtering and sorting.

Columns (parsed timestamps, category codes, numbers, search text) are built from the records on
first use and then kept in step with each insert or update -- only the changed records are
read again. Sort orders and the rows of each (filters, sort) pair are cached until the data
changes, so paging through a large result costs a slice per page, not a scan.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dialstats.sandbox._dataset import Record
from dialstats.sandbox._query import CallFilters, SortKey

MISSING_TIME = np.iinfo(np.int64).min  # what NaT is as int64: sorts before every real time
DATE_FIELDS = frozenset({"createdAt", "updatedAt", "started_at", "ended_at"})
# Scalar top-level fields of a call-log record (API reference); other scalar fields sort too.
CALL_FIELDS = frozenset(
    {
        "_id",
        "call_id",
        "outcome",
        "direction",
        "answered_by",
        "duration",
        "to",
        "from",
        "recording_url",
        "notes",
        "transcription",
        "summary",
        "is_completed",
        "started_at",
        "ended_at",
        "createdAt",
        "updatedAt",
    }
)
_RESULT_CACHE_SIZE = 64
# A search that is only digits and the punctuation numbers are written with is (also) a search
# for a number: it matches the digits of the contact's numbers whatever their formatting.
_NUMBER_LIKE = re.compile(r"^[\d\s().+-]*\d[\d\s().+-]*$")


def phone_key(value: Any) -> str | None:
    """The digits of a phone number, a bare 10-digit (NANP) number with its leading 1, so that
    ``(212) 555-0143``, ``12125550143``, ``+1 212-555-0143`` and ``212.555.0143`` are one key.

    >>> phone_key("(212) 555-0143") == phone_key("+1 212-555-0143") == "12125550143"
    True
    """
    if not isinstance(value, str):
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    if not digits:
        return None
    return f"1{digits}" if len(digits) == 10 and not value.lstrip().startswith("+") else digits


def number_needle(search: str) -> str | None:
    """The digits to look for when `search` looks like (part of) a phone number, else None."""
    if not _NUMBER_LIKE.match(search):
        return None
    return "".join(ch for ch in search if ch.isdigit())


def getter(path: str) -> Callable[[Record], Any]:
    """``record[a][b]`` for ``path="a.b"``; None where a level is missing or not an object."""
    outer, _, inner = path.partition(".")
    if not inner:
        return lambda record: record.get(outer)
    nested = getter(inner)

    def get(record: Record) -> Any:
        value = record.get(outer)
        return nested(value) if isinstance(value, dict) else None

    return get


def parse_times(values: Sequence[Any]) -> np.ndarray:
    """ISO 8601 strings (``Z``, offsets, with or without fractions) -> int64 ns; bad/None -> MISSING."""
    parsed = pd.to_datetime(
        pd.Series(values, dtype=object), utc=True, format="ISO8601", errors="coerce"
    )
    return pd.DatetimeIndex(parsed).as_unit("ns").asi8.copy()


class Codes:
    """Strings as integer codes (-1 = missing) for fast ``isin`` filters and grouping."""

    def __init__(self) -> None:
        self.lookup: dict[Any, int] = {}

    def encode(self, values: Iterable[Any]) -> np.ndarray:
        lookup = self.lookup
        codes = [-1 if v is None else lookup.setdefault(v, len(lookup)) for v in values]
        return np.array(codes, dtype=np.int64)

    def isin(self, codes: np.ndarray, values: Iterable[Any]) -> np.ndarray:
        return np.isin(codes, [self.lookup[v] for v in values if v in self.lookup])


class _Column:
    """An array derived record by record, so an insert or update re-reads only those records."""

    def __init__(self, derive: Callable[[list[Record]], Any], records: list[Record]) -> None:
        self.derive = derive
        self.data = derive(records)

    def append(self, records: list[Record]) -> None:
        new = self.derive(records)
        if isinstance(self.data, list):
            self.data.extend(new)
        else:
            self.data = np.concatenate([self.data, new])

    def replace(self, row: int, record: Record) -> None:
        self.data[row] = self.derive([record])[0]


class CallStore:
    """Call-log records plus their columns; all reads and writes go through it.

    >>> from dialstats.sandbox import generate
    >>> dataset = generate(n_calls=200)
    >>> store = CallStore(dataset.calls, dataset.dispositions)
    >>> rows = store.select(CallFilters(outcome="answered"), (SortKey("createdAt", True),))
    >>> page = store.records(rows[:5])
    >>> len(page), {call["outcome"] for call in page}
    (5, {'answered'})
    """

    def __init__(self, calls: list[Record], dispositions: list[Record]) -> None:
        self._calls = calls
        self._positive_ids = [
            d["id"]
            for d in dispositions
            if d.get("category") == "positive" and d.get("id") is not None
        ]
        self._rows: dict[Any, int] | None = None  # _id -> row, built on the first update
        self._columns: dict[tuple, _Column] = {}
        self._codes: dict[str, Codes] = {}
        self._derived: dict[tuple, Any] = {}  # sort ranks and orders: rebuilt after a change
        self._results: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self.sortable_fields = SortableFields(self)
        self.version = 0  # bumped on every change: derived views cache on it

    def __len__(self) -> int:
        return len(self._calls)

    @property
    def calls(self) -> list[Record]:
        return self._calls

    # -- changes -------------------------------------------------------------------------------

    def append(self, records: Iterable[Record]) -> None:
        new = list(records)
        if self._rows is not None:
            self._rows.update((r.get("_id"), len(self._calls) + i) for i, r in enumerate(new))
        self._calls.extend(new)
        for column in self._columns.values():
            column.append(new)
        self._changed(ids_changed=True)

    def find(self, call_id: Any) -> Record | None:
        """The stored call with this ``_id``, or None."""
        row = self._row_index().get(call_id)
        return None if row is None else self._calls[row]

    def _row_index(self) -> dict[Any, int]:
        if self._rows is None:
            self._rows = {r.get("_id"): i for i, r in enumerate(self._calls)}
        return self._rows

    def replace(self, record: Record) -> int:
        """Put `record` in place of the stored call with its ``_id``; returns its row."""
        row = self._row_index().get(record.get("_id"))
        if row is None:
            raise KeyError(f"no call with _id {record.get('_id')!r}")
        self._calls[row] = record
        for column in self._columns.values():
            column.replace(row, record)
        self._changed(ids_changed=False)
        return row

    def remove(self, ids: Iterable[Any]) -> int:
        """Delete the calls with these ``_id`` values; returns how many there were."""
        gone = set(ids)
        kept = [r for r in self._calls if r.get("_id") not in gone]
        removed = len(self._calls) - len(kept)
        if removed:
            self._calls[:] = kept
            self._rows = None
            self._columns.clear()  # rebuilt on next use: deletes are rare
            self._changed(ids_changed=True)
        return removed

    def _changed(self, *, ids_changed: bool) -> None:
        self.version += 1
        id_rank = None if ids_changed else self._derived.get(("rank", "_id"))
        self._derived.clear()
        if id_rank is not None:
            self._derived["rank", "_id"] = id_rank
        self._results.clear()

    # -- columns -------------------------------------------------------------------------------

    def _column(self, key: tuple, derive: Callable[[list[Record]], Any]) -> Any:
        column = self._columns.get(key)
        if column is None:
            column = self._columns[key] = _Column(derive, self._calls)
        return column.data

    def times(self, field: str) -> np.ndarray:
        return self._column(("times", field), lambda rs: parse_times([r.get(field) for r in rs]))

    def codes(self, path: str) -> tuple[np.ndarray, Codes]:
        """Integer codes of a string field (-1 = missing), and the `Codes` that maps them."""
        codes = self._codes.setdefault(path, Codes())
        get = getter(path)
        return self._column(("codes", path), lambda rs: codes.encode(map(get, rs))), codes

    def isin(self, path: str, values: Iterable[Any]) -> np.ndarray:
        codes, lookup = self.codes(path)
        return lookup.isin(codes, values)

    def number_isin(self, path: str, values: Iterable[str]) -> np.ndarray:
        """Rows whose phone number at `path` is one of `values`, compared by `phone_key`."""
        key = f"phone:{path}"
        codes = self._codes.setdefault(key, Codes())
        get = getter(path)
        data = self._column(("codes", key), lambda rs: codes.encode(phone_key(get(r)) for r in rs))
        return codes.isin(data, (phone_key(v) for v in values))

    def numbers(self, path: str) -> np.ndarray:
        """A numeric field as float64, NaN where missing or not a number."""
        get = getter(path)
        return self._column(
            ("numbers", path),
            lambda rs: np.array([_number(get(r)) for r in rs], dtype=np.float64),
        )

    def flags(self, path: str) -> np.ndarray:
        """1 where the field is true, 0 where false, -1 where missing or not a boolean."""
        get = getter(path)
        return self._column(
            ("flags", path),
            lambda rs: np.array([v if isinstance(v := get(r), bool) else -1 for r in rs], np.int8),
        )

    def has_recording(self) -> np.ndarray:
        return self._column(
            ("has_recording",),
            lambda rs: np.array([_non_empty(r.get("recording_url")) for r in rs], dtype=bool),
        )

    def search_text(self) -> list[str]:
        return self._column(("search",), lambda rs: [_search_text(r) for r in rs])

    # -- reads ---------------------------------------------------------------------------------

    def records(self, rows: Iterable[int]) -> list[Record]:
        return [self._calls[i] for i in rows]

    def select(self, filters: CallFilters, sort: tuple[SortKey, ...]) -> np.ndarray:
        """Row numbers of the calls matching `filters`, in `sort` order (ties: ``_id`` ascending)."""
        key = (filters, sort)
        rows = self._results.get(key)
        if rows is None:
            order = self.order(sort)
            mask = self.mask(filters)
            rows = order if mask is None else order[mask[order]]
            self._results[key] = rows
            if len(self._results) > _RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        else:
            self._results.move_to_end(key)
        return rows

    def order(self, sort: tuple[SortKey, ...]) -> np.ndarray:
        key = ("order", sort)
        if key not in self._derived:
            keys = [self._sort_key("_id", descending=False)]  # lexsort: the last key is primary
            keys += [self._sort_key(k.field, k.descending) for k in reversed(sort)]
            self._derived[key] = np.lexsort(keys)
        return self._derived[key]

    def _sort_key(self, field: str, descending: bool) -> np.ndarray:
        if field == "_id":  # the tie-break of every order: kept across updates (same ids)
            if ("rank", "_id") not in self._derived:
                ids = self._column(("bytes", "_id"), lambda rs: _utf8([r.get("_id") for r in rs]))
                self._derived["rank", "_id"] = _rank_bytes(ids, np.zeros(len(ids), dtype=bool))
            return -self._derived["rank", "_id"] if descending else self._derived["rank", "_id"]
        if field in DATE_FIELDS:
            times = self.times(field)
            # ~t reverses the order exactly (no overflow), and puts MISSING last.
            return ~times if descending else times
        key = ("rank", field)
        if key not in self._derived:
            self._derived[key] = dense_rank([r.get(field) for r in self._calls])
        return -self._derived[key] if descending else self._derived[key]

    def mask(self, f: CallFilters) -> np.ndarray | None:
        """Rows matching every filter (None: no filter given, every row matches)."""
        masks: list[np.ndarray] = []
        if f.created_from is not None or f.created_to is not None:
            created = self.times("createdAt")
            lowest = MISSING_TIME + 1 if f.created_from is None else f.created_from
            masks.append(created >= lowest)
            if f.created_to is not None:
                masks.append(created <= f.created_to)
        for path, value in (
            ("outcome", f.outcome),
            ("direction", f.direction),
            ("answered_by", f.answered_by),
        ):
            if value is not None:
                masks.append(self.isin(path, [value]))
        if f.min_duration is not None:
            masks.append(self.numbers("duration") >= f.min_duration)
        if f.max_duration is not None:
            masks.append(self.numbers("duration") <= f.max_duration)
        if f.has_recording is not None:
            has = self.has_recording()
            masks.append(has if f.has_recording else ~has)
        if f.is_completed is not None:
            masks.append(self.flags("is_completed") == int(f.is_completed))
        if f.disposition_ids is not None:
            masks.append(np.isin(self.numbers("disposition.internal_id"), f.disposition_ids))
        if f.positive_only:
            masks.append(np.isin(self.numbers("disposition.internal_id"), self._positive_ids))
        for path, values in (
            ("user._id", f.user_ids),
            ("contact_list._id", f.contact_list_ids),
            ("sequence._id", f.sequences),
        ):
            if values is not None:
                masks.append(self.isin(path, values))
        for path, values in (("from", f.from_numbers), ("to", f.to_numbers)):
            if values is not None:
                masks.append(self.number_isin(path, values))
        if f.search:
            needle = f.search.lower()
            digits = number_needle(needle)
            text = self.search_text()
            found = (needle in t or (digits is not None and digits in t) for t in text)
            masks.append(np.fromiter(found, dtype=bool, count=len(text)))
        if not masks:
            return None
        return np.logical_and.reduce(masks)


class SortableFields:
    """The fields a call-log request may sort on: the reference's scalar fields, plus any other
    top-level field whose values are scalars. Membership is a set lookup for the usual fields;
    only an unusual one costs a look at the records.
    """

    def __init__(self, store: CallStore) -> None:
        self._store = store

    def __contains__(self, field: object) -> bool:
        if field in CALL_FIELDS:
            return True
        calls = self._store.calls
        values = [r[field] for r in calls if isinstance(field, str) and field in r]
        return bool(values) and not any(isinstance(v, dict | list) for v in values)

    def __iter__(self) -> Iterator[str]:
        seen = {key for record in self._store.calls for key in record}
        return iter(sorted(CALL_FIELDS | {f for f in seen if f in self}))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def dense_rank(values: Sequence[Any]) -> np.ndarray:
    """Dense ascending ranks of JSON scalars (None -> -1), computed in C for uniform columns."""
    kinds = {_kind(v) for v in values if v is not None}
    if kinds == {"str"}:
        return _rank_strings(values)
    if kinds <= {"number"} or kinds == {"bool"}:
        numbers = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
        ranks = np.unique(numbers, return_inverse=True)[1].astype(np.int64).reshape(-1)
        return np.where(np.isnan(numbers), -1, ranks)
    # Mixed types (rare): order by kind first, then by value within a kind.
    keys = [
        None if v is None else (_kind(v), v if _kind(v) != "other" else repr(v)) for v in values
    ]
    ordered = {key: i for i, key in enumerate(sorted({k for k in keys if k is not None}))}
    return np.array([-1 if k is None else ordered[k] for k in keys], dtype=np.int64)


def _utf8(values: Sequence[Any]) -> np.ndarray:
    return np.array([b"" if v is None else str(v).encode() for v in values], dtype=bytes)


def _rank_strings(values: Sequence[str | None]) -> np.ndarray:
    return _rank_bytes(_utf8(values), np.array([v is None for v in values], dtype=bool))


def _rank_bytes(raw: np.ndarray, missing: np.ndarray) -> np.ndarray:
    # UTF-8 bytes sort like code points; read as big-endian 8-byte words they sort like the
    # bytes, so one C lexsort orders the whole column (far faster than comparing str objects).
    if len(raw) == 0:
        return np.zeros(0, dtype=np.int64)
    width = max(8, -(-raw.dtype.itemsize // 8) * 8)
    words = np.frombuffer(raw.astype(f"S{width}").tobytes(), dtype=">u8").reshape(len(raw), -1)
    order = np.lexsort([*words.T[::-1], ~missing])
    ordered, absent = words[order], missing[order]
    step = np.zeros(len(order), dtype=np.int64)
    step[1:] = (ordered[1:] != ordered[:-1]).any(axis=1) | (absent[1:] != absent[:-1])
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.cumsum(step) - int(missing.any())
    return ranks


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "str"
    return "other"


def _number(value: Any) -> float:
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else np.nan
    )


def _non_empty(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _search_text(record: Record) -> str:
    contact = record.get("contact")
    contact = contact if isinstance(contact, dict) else {}
    first = contact.get("first_name") or ""
    last = contact.get("last_name") or ""
    parts = [first, last, f"{first} {last}", contact.get("company") or ""]
    phones = contact.get("phone_numbers")
    if isinstance(phones, list):
        numbers = [p.get("number") or "" for p in phones if isinstance(p, dict)]
        # Each number as written and as its digits, so a search finds it however it is written.
        parts += numbers + [phone_key(n) or "" for n in numbers]
    # Newlines keep a search from matching across two fields.
    return "\n".join(str(p) for p in parts).lower()

"""Validate and encode request parameters: the call-log filters, paging and output options.

Everything here runs before any request, so bad input fails fast with an `InvalidParameterError`
that names the parameter and says what is allowed.

>>> normalize_filters({"outcome": "answered", "user_ids": "u1", "end_date": "2024-03-31"})
{'end_date': Timestamp('2024-03-31 23:59:59.999000+0000', tz='UTC'), 'outcome': 'answered', 'user_ids': ('u1',)}
>>> encode_filters({"user_ids": ("a", "b"), "has_recording": True})
[('filters[user_ids][]', 'a'), ('filters[user_ids][]', 'b'), ('filters[has_recording]', 'true')]
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from dialstats._checks import check_time_zone
from dialstats._suggest import did_you_mean
from dialstats._vocabulary import (
    ANSWERED_BY,
    CALL_LOG_SORT_FIELDS,
    DIRECTIONS,
    DISPOSITION_CATEGORIES,
    ON_INCOMPLETE,
    OUTCOMES,
)
from dialstats.errors import InvalidParameterError

MAX_PAGE_SIZE = 100
# Keyword options of the readers: offered as suggestions when a filter name is misspelt.
OPTION_NAMES = ("sort", "limit", "max_records", "tz", "dtype_backend", "progress", "on_incomplete")
_ALIASES = {"from_": "from"}
_SORT_DIRECTION = re.compile(
    r"(?P<field>.*?)[\s_:.-]*(?P<word>desc|descending|asc|ascending)", re.I
)
# ISO 8601 as the API writes it: a date (extended, basic or week form), then optionally `T` or one
# space and a time with an optional zone. Python's own parser takes any character between date
# and time ("2024-01-01\n2024" would be 20:24): only this shape goes on to it.
_ISO_TEXT = re.compile(
    r"(\d{4}-\d{2}-\d{2}|\d{8}|\d{4}-?W\d{2}(-?\d)?)"
    r"([T ]\d{2}(:?\d{2}(:?\d{2}([.,]\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?",
    re.ASCII | re.IGNORECASE,
)
# An ISO week without its day ("2026-W43", "2026W43"): all seven days of it.
_ISO_WEEK = re.compile(r"\d{4}-?W\d{2}", re.ASCII | re.IGNORECASE)
# numpy datetime64 units of a day or longer: a value in one of them names whole days.
_CALENDAR_UNITS = frozenset({"Y", "M", "W", "D"})
# A date in digits with its day and month in an order the text does not say: 10/01/2026.
_NUMERIC_DATE = re.compile(r"(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<year>\d{4}|\d{2})", re.ASCII)
# The four-digit years ISO 8601 and the API write (the last instant with milliseconds).
_FIRST_INSTANT = pd.Timestamp("1000-01-01", tz="UTC")
_LAST_INSTANT = pd.Timestamp("9999-12-31 23:59:59.999", tz="UTC")


def _fail(name: str, message: str) -> InvalidParameterError:
    return InvalidParameterError(name, f"{name}: {message}")


def parse_date(name: str, value: Any) -> tuple[dt.date | np.datetime64, bool]:
    """A user's date or date-time: (the value, whether it names whole days rather than an instant).

    Every date a user gives (the readers' ``start_date``/``end_date``, the analyses'
    ``start``/``end``) is read here, so all of them accept and refuse the same things: a date,
    datetime, Timestamp or numpy datetime64 as it is, and text only in ISO 8601
    (``"2026-10-01"``, ``"2026-W43"``, ``"2026-10-01T08:00:00Z"``). Other text is refused, above
    all ``"10/01/2026"``: 1 October or 10 January depends on who wrote it. Whole days are a
    ``datetime.date``, a date in text (a day, or an ISO week: its Monday) and a numpy datetime64
    in days or a longer unit; `date_span` says how many.

    >>> parse_date("start", "2026-10-01")
    (datetime.date(2026, 10, 1), True)
    >>> parse_date("start", "10/01/2026")
    Traceback (most recent call last):
    ...
    dialstats.errors.InvalidParameterError: start: '10/01/2026' is not an ISO 8601 date or date-time (e.g. '2024-03-01'); day and month order is ambiguous: write '2026-10-01' (1 October) or '2026-01-10' (10 January)
    """
    bare = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if isinstance(value, str):
        text = value.strip()
        not_iso = _fail(
            name,
            f"{value!r} is not an ISO 8601 date or date-time (e.g. '2024-03-01')"
            + _day_month_hint(text),
        )
        if not _ISO_TEXT.fullmatch(text):
            raise not_iso
        try:
            parsed: dt.date = dt.date.fromisoformat(text)
            bare = True
        except ValueError:
            try:
                parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
            except ValueError:
                raise not_iso from None
        value = parsed
    if not isinstance(value, dt.date | np.datetime64):
        raise _fail(name, f"expected a date, datetime, Timestamp or ISO 8601 string, got {value!r}")
    if pd.isna(value):
        raise _fail(name, "must not be NaT")
    if isinstance(value, np.datetime64):
        bare = np.datetime_data(value.dtype)[0] in _CALENDAR_UNITS
    return value, bare


def date_span(name: str, value: Any) -> tuple[dt.date | np.datetime64, pd.Timestamp | None]:
    """A user's date or date-time (read by `parse_date`) and the end of the days it names.

    The end is the first moment after them, naive like the value (a wall time): the next day
    for a day, the next Monday for an ISO week given without its day (``"2026-W43"``), one unit
    on for a numpy datetime64 in days, weeks, months or years (``np.datetime64("2026-10")`` is
    all of October; numpy's weeks start on Thursdays). None for an instant: a datetime,
    Timestamp, text with a time, a numpy datetime64 in hours or a shorter unit.

    >>> date_span("end", "2026-W43")
    (datetime.date(2026, 10, 19), Timestamp('2026-10-26 00:00:00'))
    >>> date_span("end", np.datetime64("2026-10"))
    (np.datetime64('2026-10'), Timestamp('2026-11-01 00:00:00'))
    >>> date_span("end", "2026-10-24T08:00Z")[1] is None
    True
    """
    week = isinstance(value, str) and _ISO_WEEK.fullmatch(value.strip()) is not None
    value, bare = parse_date(name, value)
    if not bare:
        return value, None
    if isinstance(value, np.datetime64):
        # One step of the value's own unit: months and years as long as the calendar has them.
        return value, pd.Timestamp(value + 1)
    return value, pd.Timestamp(value) + pd.Timedelta(days=7 if week else 1)


def _day_month_hint(text: str) -> str:
    """The ISO spellings of a date written with its day and month in either order."""
    found = _NUMERIC_DATE.fullmatch(text)
    if not found:
        return ""
    first, second, year = int(found["a"]), int(found["b"]), int(found["year"])
    if len(found["year"]) == 2:
        return "; write the date in ISO 8601, year first with four digits (YYYY-MM-DD)"
    readings = []
    for day, month in ((second, first), (first, second)):
        try:
            readings.append(dt.date(year, month, day))
        except ValueError:
            continue
    readings = list(dict.fromkeys(readings))
    spelled = [f"'{day.isoformat()}' ({day.day} {day:%B})" for day in readings]
    if len(spelled) == 2:
        return f"; day and month order is ambiguous: write {spelled[0]} or {spelled[1]}"
    if spelled:
        return f"; write it year first: {spelled[0]}"
    return ""


def _utc(value: dt.date | np.datetime64 | pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    # Naive values are taken as UTC, the API's own time zone.
    return ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")


def _in_range(name: str, value: Any, ts: pd.Timestamp) -> pd.Timestamp:
    """`ts` if the API can be sent it: ISO 8601 writes four-digit years."""
    if not _FIRST_INSTANT <= ts <= _LAST_INSTANT:
        raise _fail(
            name,
            f"{value!r} is outside the years 1000 to 9999 that ISO 8601 dates can be sent in "
            "(in UTC); leave the bound out to not limit the range",
        )
    return ts


def _start_date(name: str, value: Any) -> pd.Timestamp:
    # The API keeps milliseconds: round the start up so the range never grows.
    ts = _utc(parse_date(name, value)[0])
    return _in_range(name, value, ts if ts > _LAST_INSTANT else ts.ceil("ms"))


def _end_date(name: str, value: Any) -> pd.Timestamp:
    parsed, after = date_span(name, value)
    if after is None:
        return _in_range(name, value, _utc(parsed).floor("ms"))
    # An end given as days (a date, an ISO week, a numpy datetime64 in days, months...) means
    # the whole of them, inclusive: up to their last millisecond, the API's precision. A span
    # running past the year 9999 ends where the API's dates do.
    _in_range(name, value, _utc(parsed))
    return min(_utc(after) - pd.Timedelta(milliseconds=1), _LAST_INSTANT)


def _choice(allowed: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        if not isinstance(value, str) or value not in allowed:
            message = f"{value!r} is not one of {', '.join(map(repr, allowed))}"
            raise _fail(name, message + did_you_mean(value, allowed))
        return value

    return check


def _duration(name: str, value: Any) -> int | float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise _fail(name, f"expected a number of seconds >= 0, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise _fail(name, f"must be a finite number of seconds >= 0, got {value!r}")
    return int(value) if float(value).is_integer() else float(value)


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise _fail(name, f"expected True or False, got {value!r}")
    return bool(value)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(name, f"expected a non-empty string, got {value!r}")
    return value


def _values(name: str, value: Any) -> list[Any]:
    """A single value or any iterable (list, tuple, set, Series, array) -> list, non-empty."""
    if isinstance(value, str | bytes | numbers.Number) or not isinstance(value, Iterable):
        values = [value]
    elif isinstance(value, Mapping):
        raise _fail(name, f"expected a value or a list of values, got a mapping {value!r}")
    else:
        values = list(value)
    if not values:
        raise _fail(name, "is empty; pass None (or leave it out) to not filter on it")
    return values


def _strings(name: str, value: Any) -> tuple[str, ...]:
    out = []
    for item in _values(name, value):
        if not isinstance(item, str) or not item:
            raise _fail(name, f"expected non-empty strings, got {item!r}")
        if "," in item:
            # The server splits a value at commas: "a,b" would filter on the ids a and b.
            parts = [part.strip() for part in item.split(",") if part.strip()]
            raise _fail(
                name,
                f"{item!r} contains a comma, which the API reads as a separator; "
                f"pass several values as a list, e.g. {name}={parts!r}",
            )
        out.append(str(item))
    return tuple(dict.fromkeys(out))


def _integers(name: str, value: Any) -> tuple[int, ...]:
    out = []
    for item in _values(name, value):
        ok = isinstance(item, numbers.Real) and not isinstance(item, bool | np.bool_)
        if not ok or not math.isfinite(item) or not float(item).is_integer():
            raise _fail(name, f"expected whole numbers, got {item!r}")
        out.append(int(item))
    return tuple(dict.fromkeys(out))


_timezone = check_time_zone


# The check of each filter, in FILTER_NAMES order (a test holds them to it).
_CALL_LOG: dict[str, Callable[[str, Any], Any]] = {
    "start_date": _start_date,
    "end_date": _end_date,
    "outcome": _choice(OUTCOMES),
    "direction": _choice(DIRECTIONS),
    "min_duration": _duration,
    "max_duration": _duration,
    "has_recording": _boolean,
    "answered_by": _choice(ANSWERED_BY),
    "is_completed": _boolean,
    "disposition_ids": _integers,
    "exclude_negative_dispositions": _boolean,
    "user_ids": _strings,
    "contact_list_ids": _strings,
    "sequences": _strings,
    "from": _strings,
    "to": _strings,
    "search": _text,
}

_ANALYTICS: dict[str, Callable[[str, Any], Any]] = {
    "start_date": _start_date,
    "end_date": _end_date,
    "user_ids": _strings,
    "disposition_ids": _integers,
    "timezone": _timezone,
    "search": _text,
}
ANALYTICS_PARAM_NAMES: tuple[str, ...] = tuple(_ANALYTICS)

_DISPOSITIONS: dict[str, Callable[[str, Any], Any]] = {
    "is_custom": _boolean,
    "category": _choice(DISPOSITION_CATEGORIES),
}


def _score(name: str, value: Any) -> int | float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise _fail(name, f"expected a number from 0 to 100, got {value!r}")
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise _fail(name, f"must be a number from 0 to 100, got {value!r}")
    return int(value) if float(value).is_integer() else float(value)


_SCORED_CALLS: dict[str, Callable[[str, Any], Any]] = {
    "start_date": _start_date,
    "end_date": _end_date,
    "min_score": _score,
    "max_score": _score,
    "user_id": _text,
}
SCORED_CALL_PARAM_NAMES: tuple[str, ...] = tuple(_SCORED_CALLS)


def _unknown(
    name: str, kind: str, valid: tuple[str, ...], options: tuple[str, ...]
) -> InvalidParameterError:
    if name == "cache":
        return InvalidParameterError(
            name,
            "cache= is an option of ds.read_call_logs(...); with a Client, keep a store "
            "yourself: ds.CallLogStore(path).sync(client), then .read(...).",
        )
    close = difflib.get_close_matches(name, valid + options, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    return InvalidParameterError(
        name, f"unknown {kind} {name!r}{hint} Valid {kind}s: {', '.join(valid)}."
    )


def _normalize(
    params: Mapping[str, Any],
    validators: Mapping[str, Callable[[str, Any], Any]],
    kind: str,
    suggestions: tuple[str, ...],
) -> dict[str, Any]:
    given = {}
    for raw_name, value in params.items():
        name = _ALIASES.get(raw_name, raw_name)
        if name not in validators:
            raise _unknown(raw_name, kind, tuple(validators), suggestions)
        if name in given:
            raise InvalidParameterError(name, f"{name} given twice (as {raw_name!r} too)")
        given[name] = value
    out = {
        name: check(name, given[name])
        for name, check in validators.items()
        if given.get(name) is not None
    }
    _check_ranges(out)
    return out


def _check_ranges(params: Mapping[str, Any]) -> None:
    start, end = params.get("start_date"), params.get("end_date")
    if start is not None and end is not None and start > end:
        raise InvalidParameterError(
            "start_date", f"start_date ({start.isoformat()}) is after end_date ({end.isoformat()})"
        )
    low, high = params.get("min_duration"), params.get("max_duration")
    if low is not None and high is not None and low > high:
        raise InvalidParameterError(
            "min_duration", f"min_duration ({low}) is greater than max_duration ({high})"
        )


def normalize_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Validated call-log filters, in `FILTER_NAMES` order, with ``None`` values dropped.

    Dates become tz-aware UTC Timestamps (a bare-date ``end_date`` means the end of that day),
    list filters tuples of str (int for ``disposition_ids``), booleans bool. ``from_`` is
    accepted for ``from``, which is a Python keyword.
    """
    return _normalize(filters, _CALL_LOG, "filter", OPTION_NAMES)


# The filters that take ids, the frame column holding the names of what they name, and where
# the ids are listed.
ID_FILTERS = {
    "user_ids": ("user_name", "read_team"),
    "contact_list_ids": ("contact_list_name", "read_contact_lists"),
    "sequences": ("sequence_name", "read_sequences"),
}
# What an id looks like: one word of letters, digits, '_' or '-' with a digit in it (the API's
# are 24 hex digits). "Maya Patel" or "maya" is not one.
_ID_TEXT = re.compile(r"[0-9A-Za-z_-]*[0-9][0-9A-Za-z_-]*", re.ASCII)


def looks_like_name(value: str) -> bool:
    """Whether an id filter's `value` reads as a name rather than an id.

    >>> looks_like_name("Maya Patel"), looks_like_name("e31677c91b3eef04b6cd58d2")
    (True, False)
    """
    return not _ID_TEXT.fullmatch(value.strip())


def name_like_ids(filters: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(filter, value) for each value of an id filter in `filters` that looks like a name."""
    normalized = normalize_filters(filters)
    return [
        (name, value)
        for name in ID_FILTERS
        for value in normalized.get(name, ())
        if looks_like_name(value)
    ]


def normalize_analytics_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Validated query parameters of the analytics endpoints (`ANALYTICS_PARAM_NAMES`)."""
    return _normalize(params, _ANALYTICS, "parameter", ("tz", "dtype_backend", "progress"))


def normalize_disposition_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Validated query parameters of GET /v1/dispositions (``is_custom``, ``category``)."""
    return _normalize(params, _DISPOSITIONS, "parameter", ("tz", "dtype_backend"))


def normalize_scored_call_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Validated query parameters of GET /v1/scored-calls (`SCORED_CALL_PARAM_NAMES`)."""
    out = _normalize(params, _SCORED_CALLS, "parameter", ("tz", "dtype_backend"))
    low, high = out.get("min_score"), out.get("max_score")
    if low is not None and high is not None and low > high:
        raise InvalidParameterError(
            "min_score", f"min_score ({low}) is greater than max_score ({high})"
        )
    return out


def format_timestamp(ts: pd.Timestamp) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as the API writes them."""
    utc = ts.tz_convert("UTC")
    # Built from the fields: strftime pads years below 1000 to fewer than four digits.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
    )


def _encode_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp):
        return format_timestamp(value)
    return str(value)


def encode_params(params: Mapping[str, Any], *, prefix: str | None = None) -> list[tuple[str, str]]:
    """Query pairs: ``name`` (or ``prefix[name]``), arrays as repeated ``name[]``."""
    pairs = []
    for name, value in params.items():
        key = f"{prefix}[{name}]" if prefix else name
        if isinstance(value, tuple):
            pairs.extend((f"{key}[]", _encode_value(item)) for item in value)
        else:
            pairs.append((key, _encode_value(value)))
    return pairs


def encode_filters(filters: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query pairs for normalized filters: ``filters[name]=v``, ``filters[name][]=a`` ..."""
    return encode_params(filters, prefix="filters")


# -- output and paging options -------------------------------------------------------------


def check_limit(limit: Any) -> int:
    """Page size: a whole number in 1..100."""
    if isinstance(limit, bool) or not isinstance(limit, numbers.Integral):
        raise _fail("limit", f"expected a whole number from 1 to {MAX_PAGE_SIZE}, got {limit!r}")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise _fail("limit", f"page size must be from 1 to {MAX_PAGE_SIZE}, got {limit}")
    return int(limit)


def check_page(page: Any) -> int:
    if isinstance(page, bool) or not isinstance(page, numbers.Integral) or page < 1:
        raise _fail("page", f"expected a whole number >= 1, got {page!r}")
    return int(page)


def check_max_records(max_records: Any) -> int | None:
    if max_records is None:
        return None
    if isinstance(max_records, bool) or not isinstance(max_records, numbers.Integral):
        raise _fail("max_records", f"expected None or a whole number >= 1, got {max_records!r}")
    if max_records < 1:
        raise _fail("max_records", f"must be >= 1, got {max_records}")
    return int(max_records)


def check_sort(sort: Any, *, fields: tuple[str, ...] = CALL_LOG_SORT_FIELDS) -> str | None:
    """A field of `fields`, optionally ``-``-prefixed (descending); several separated by commas.

    Checked here rather than by the server, whose 400 would arrive after a request; an unknown
    key gets the closest valid one as a suggestion.

    >>> check_sort("-duration, createdAt")
    '-duration,createdAt'
    """
    if sort is None:
        return None
    if not isinstance(sort, str) or not sort.strip():
        raise _fail(
            "sort", f"expected a field name such as 'createdAt' or '-duration', got {sort!r}"
        )
    keys = [key.strip() for key in sort.split(",")]
    for key in keys:
        if key.removeprefix("-") not in fields:
            hint = _sort_hint(key, fields)
            raise _fail(
                "sort",
                f"cannot sort on {key!r}{hint} Sortable fields: {', '.join(fields)} "
                "(a leading '-' sorts descending; separate several keys with commas).",
            )
    return ",".join(keys)


def _sort_hint(key: str, fields: tuple[str, ...]) -> str:
    """ "; did you mean '-duration'?" for ``duration_desc``, ``created_at``, ``+duration``..."""
    descending = key.startswith("-")
    name = key.lstrip("+-").strip()
    worded = _SORT_DIRECTION.fullmatch(name)
    if worded and worded["field"]:
        name, descending = worded["field"], worded["word"].lower().startswith("desc")

    def folded(text: str) -> str:
        return text.replace("_", "").replace("-", "").lower()

    same = [field for field in fields if folded(field) == folded(name)]
    close = same or difflib.get_close_matches(name, fields, n=1, cutoff=0.6)
    if not close:
        return "."
    return f"; did you mean {('-' if descending else '') + close[0]!r}?"


def check_search(search: Any) -> str | None:
    """Full-text ``search``: None (no search) or a non-empty string."""
    return None if search is None else _text("search", search)


def check_on_incomplete(on_incomplete: Any) -> str:
    return _choice(ON_INCOMPLETE)("on_incomplete", on_incomplete)

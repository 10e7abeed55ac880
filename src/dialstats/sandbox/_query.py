"""Query strings of the sandbox API: typed values, every array encoding, and 400s that name the
parameter.

Array parameters arrive in any of the encodings the API reference lists, all equivalent::

    filters[user_ids][]=a&filters[user_ids][]=b     # bracketed (what Node-style clients send)
    filters[user_ids]=a&filters[user_ids]=b         # repeated plain key
    filters[user_ids][0]=a&filters[user_ids][1]=b   # indexed
    filters[user_ids]=a,b                           # comma-separated
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_ZONE = ZoneInfo("UTC")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC_ZONE)
# `filters[name]`, `filters[name][]`, `filters[name][3]`; `name`, `name[]`, `name[3]`.
_KEY = re.compile(r"^(?P<name>filters\[[^\[\]]+\]|[^\[\]]+)(?:\[\d*\])?$")
# An offset's "+" that arrived unencoded was decoded to a space: put it back.
_SPACED_OFFSET = re.compile(r"^(.+T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)$")


class ParameterError(ValueError):
    """A request parameter is malformed or out of range (answered with 400).

    ``parameter`` names it exactly as the client sent it, e.g. ``filters[outcome]``.
    """

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class CallFilters:
    """The call-log filters of one request, parsed; hashable so results can be cached by it.

    Date bounds are inclusive, in nanoseconds since the epoch (UTC); ``None`` means "no filter".
    """

    created_from: int | None = None
    created_to: int | None = None
    outcome: str | None = None
    direction: str | None = None
    answered_by: str | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    has_recording: bool | None = None
    is_completed: bool | None = None
    disposition_ids: tuple[int, ...] | None = None
    positive_only: bool = False
    user_ids: tuple[str, ...] | None = None
    contact_list_ids: tuple[str, ...] | None = None
    sequences: tuple[str, ...] | None = None
    from_numbers: tuple[str, ...] | None = None
    to_numbers: tuple[str, ...] | None = None
    search: str | None = None


class Params:
    """The query parameters of one request, grouped by name across array encodings.

    Read each parameter with a typed getter, then call `reject_unknown` so that a misspelt name
    is a 400 rather than a silently ignored filter.

    >>> p = Params([("limit", "5"), ("filters[user_ids][]", "a"), ("filters[user_ids][]", "b")])
    >>> p.integer("limit", default=10, minimum=1, maximum=100), p.strings("filters[user_ids]")
    (5, ('a', 'b'))
    """

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in items:
            match = _KEY.match(key)
            if match is None:
                raise ParameterError(key, "malformed parameter name")
            self._values.setdefault(match["name"], []).append(value)

    def reject_unknown(self, allowed: Sequence[str]) -> None:
        for name in self._values:
            if name in allowed:
                continue
            if name.startswith("filters["):
                known = ", ".join(a[8:-1] for a in allowed if a.startswith("filters["))
                raise ParameterError(name, f"unknown filter {name[8:-1]!r}; known filters: {known}")
            raise ParameterError(name, f"unknown parameter; allowed: {', '.join(allowed)}")

    def scalar(self, name: str) -> str | None:
        values = self._values.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise ParameterError(name, "expects a single value, got several")
        return values[0].strip()

    def strings(self, name: str) -> tuple[str, ...] | None:
        """An array parameter; None when absent or empty (an empty list restricts nothing)."""
        items = tuple(
            part.strip() for value in self._values.get(name, ()) for part in value.split(",")
        )
        return tuple(item for item in items if item) or None

    def integers(self, name: str) -> tuple[int, ...] | None:
        items = self.strings(name)
        if items is None:
            return None
        return tuple(_to_int(name, item, "a list of integers") for item in items)

    def integer(self, name: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
        text = self.scalar(name)
        if text is None or text == "":
            return default
        allowed = f"an integer >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
        value = _to_int(name, text, allowed)
        if value < minimum or (maximum is not None and value > maximum):
            raise ParameterError(name, f"must be {allowed}, got {value}")
        return value

    def number(self, name: str, *, minimum: float) -> float | None:
        text = self.scalar(name)
        if text is None or text == "":
            return None
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < minimum:
            raise ParameterError(name, f"must be a number >= {minimum:g}, got {text!r}")
        return value

    def boolean(self, name: str) -> bool | None:
        text = self.scalar(name)
        if text is None or text == "":
            return None
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise ParameterError(name, f"must be true or false, got {text!r}")
        return lowered == "true"

    def choice(self, name: str, allowed: Sequence[str]) -> str | None:
        text = self.scalar(name)
        if text is None or text == "":
            return None
        if text not in allowed:
            raise ParameterError(name, f"must be one of {', '.join(allowed)}; got {text!r}")
        return text

    def timezone(self, name: str) -> ZoneInfo:
        text = self.scalar(name)
        if not text:
            return UTC_ZONE
        try:
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise ParameterError(
                name, f"unknown time zone {text!r}; use an IANA name like America/New_York"
            ) from None

    def sort(self, name: str, *, default: str, fields: Collection[str]) -> tuple[SortKey, ...]:
        """Comma-separated sort keys, ``-`` for descending, each checked against `fields`."""
        text = self.scalar(name) or default
        keys = []
        for part in text.split(","):
            spec = part.strip()
            field = spec.lstrip("+-").strip()
            if field not in fields:
                known = ", ".join(sorted(fields))
                raise ParameterError(name, f"cannot sort on {field!r}; sortable fields: {known}")
            keys.append(SortKey(field, spec.startswith("-")))
        return tuple(keys)

    def date_range(self, start: str, end: str, zone: tzinfo) -> tuple[int | None, int | None]:
        """Inclusive ``(from, to)`` bounds in ns; a bare date as the end means that whole day.

        Bare dates and date-times without an offset are read in `zone`.
        """
        low = self.scalar(start)
        high = self.scalar(end)
        low_ns = _parse_bound(start, low, zone, end=False) if low else None
        high_ns = _parse_bound(end, high, zone, end=True) if high else None
        if low_ns is not None and high_ns is not None and high_ns < low_ns:
            raise ParameterError(end, f"{high!r} is before {start} {low!r}")
        return low_ns, high_ns


def _to_int(name: str, text: str, allowed: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ParameterError(name, f"must be {allowed}, got {text!r}") from None


def _to_ns(moment: datetime) -> int:
    """Nanoseconds since the epoch of an aware datetime (exact, unlike ``timestamp()``)."""
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def _parse_bound(name: str, text: str, zone: tzinfo, *, end: bool) -> int:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None:
        if end:
            # The whole day: up to the last nanosecond before the next local midnight.
            return _to_ns(datetime.combine(day + timedelta(days=1), time(), zone)) - 1
        return _to_ns(datetime.combine(day, time(), zone))
    try:
        moment = datetime.fromisoformat(_SPACED_OFFSET.sub(r"\1+\2", text))
    except ValueError:
        raise ParameterError(
            name,
            f"{text!r} is not an ISO 8601 date or date-time "
            "(e.g. 2026-08-03, 2026-08-03T14:00:00Z, 2026-08-03T14:00:00+02:00)",
        ) from None
    return _to_ns(moment if moment.tzinfo else moment.replace(tzinfo=zone))

"""Call-log filters applied to stored rows, exactly as the API applies them.

Filters split in two. *Range* filters select calls by what never changes once a call is logged
(when it was created, who made it, from which list, sequence and numbers, the contact it
reached): a store is synced with them and holds every call they match. Filters on what later
updates can change (outcome, duration, disposition, recording, completion) are applied when
reading only, so a call that changes is updated in place rather than left behind stale.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from dialstats._vocabulary import RANGE_FILTERS
from dialstats.errors import StoreFilterError

_EQUAL = ("outcome", "direction", "answered_by", "has_recording", "is_completed")
_MEMBER = {
    "disposition_ids": "disposition_id",
    "user_ids": "user_id",
    "contact_list_ids": "contact_list_id",
    "sequences": "sequence_id",
    "from": "from",
    "to": "to",
}


def range_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """The filters a store is synced with (see the module docstring)."""
    return {name: value for name, value in filters.items() if name in RANGE_FILTERS}


def combined(
    filters: Mapping[str, Any],
    col: Callable[[str], Any],
    *,
    at: Callable[[Any], Any],
    is_in: Callable[[Any, list], Any],
    search: Callable[[str], Any],
) -> Any:
    """Normalized filters as one expression of an engine's own (None when there are none):
    `col` names a column, `at` makes a timestamp, `is_in` tests membership, `search` builds
    the API's contact search. Arrow's (`expression`) and narwhals' share these rules."""
    terms = []
    for name, value in filters.items():
        if name == "start_date":
            terms.append(col("created_at") >= at(value))
        elif name == "end_date":
            terms.append(col("created_at") <= at(value))
        elif name == "min_duration":
            terms.append(col("duration") >= value)
        elif name == "max_duration":
            terms.append(col("duration") <= value)
        elif name == "exclude_negative_dispositions":
            if value:  # the API keeps only calls with a positive disposition
                terms.append(col("disposition_category") == "positive")
        elif name == "search":
            terms.append(search(value))
        elif name in _EQUAL:
            terms.append(col(name) == value)
        else:
            terms.append(is_in(col(_MEMBER[name]), list(value)))
    return functools.reduce(operator.and_, terms) if terms else None


def expression(filters: Mapping[str, Any]) -> pads.Expression | None:
    """One Arrow expression for normalized filters; None when there are none."""
    # A comparison with a missing value is null, which Table.filter drops: same as the API.
    return combined(
        filters,
        pc.field,
        at=lambda value: pa.scalar(value, pa.timestamp("us", "UTC")),
        is_in=lambda column, values: column.isin(values),
        search=_search,
    )


def _search(needle: str) -> pads.Expression:
    # The API searches contact first name, last name, "first last", company and phone numbers;
    # a stored call keeps the contact's first phone number only.
    first = pc.coalesce(pc.field("contact_first_name"), pc.scalar(""))
    last = pc.coalesce(pc.field("contact_last_name"), pc.scalar(""))
    parts = [
        first,
        last,
        pc.binary_join_element_wise(first, last, " "),
        pc.coalesce(pc.field("contact_company"), pc.scalar("")),
        pc.coalesce(pc.field("contact_phone"), pc.scalar("")),
    ]
    text = pc.utf8_lower(pc.binary_join_element_wise(*parts, "\n"))
    return pc.match_substring(text, needle.lower())


def narrowed(bound: Mapping[str, Any], requested: Mapping[str, Any]) -> dict[str, Any]:
    """The filters to apply when reading `requested` from a store bound to `bound`.

    `requested` must ask for no call outside the store (raises `StoreFilterError` naming the
    filter); bound filters it leaves out still apply. Range filters already enforced by the
    store's contents are not re-applied.
    """
    for name, have in bound.items():
        if name in requested and not _within(name, requested[name], have):
            raise StoreFilterError(
                name,
                f"{name}: the store holds only calls with {name}={_show(have)}, "
                f"so it cannot answer {name}={_show(requested[name])}",
            )
    applied = {n: v for n, v in bound.items() if n not in RANGE_FILTERS and n not in requested}
    applied.update(
        {n: v for n, v in requested.items() if bound.get(n) != v or n not in RANGE_FILTERS}
    )
    return applied


def _within(name: str, want: Any, have: Any) -> bool:
    if name == "exclude_negative_dispositions":
        return want or not have  # False restricts nothing
    if name in ("start_date", "min_duration"):
        return want >= have
    if name in ("end_date", "max_duration"):
        return want <= have
    if isinstance(have, tuple):
        return set(want) <= set(have)
    return want == have


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return repr(list(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return repr(value)

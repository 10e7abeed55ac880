"""The analytics endpoints' numbers, computed from the calls with the vendor's metric definitions.

- connected: answered by a human and disposition id < 10 (an "Answered - ..." disposition)
- conversation: connected, and a meeting was set or the call lasted >= 60 s
- meeting set: disposition id 1
- follow-up task: a disposition that schedules one -- 6 (Call back later), 7 (Reach out in
  6 months), 8 (Send an email), and any disposition whose name mentions "follow"
- rates are fractions (0..1) of total_calls; null when there are no calls
- avg_dials_day: calls / active days (days with at least one call, in the request's time zone)
- sdr data_quality: share of the rep's calls that hit no data problem (dispositions 2 No Longer
  with Company, 5 Wrong Contact, 13 Bad Number); list data_quality: good / total contacts
- growth: ``(current - previous) / previous`` where previous is the same filters over the period
  of equal length just before ``[start_date, end_date]``; null when previous is 0 or when either
  date is missing (no bounded period to compare with)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from dialstats.sandbox._dataset import Dataset, Record
from dialstats.sandbox._query import UTC_ZONE, CallFilters
from dialstats.sandbox._store import CallStore

NS_PER_DAY = 86_400 * 10**9
MEETING_ID = 1
CONNECTED_BELOW = 10
CONVERSATION_SECONDS = 60
_FOLLOW_UP_IDS = (6, 7, 8)
_DATA_PROBLEM_IDS = (2, 5, 13)
_OVERVIEW_METRICS = (
    "total_calls",
    "connected_calls",
    "conversations",
    "meetings_set",
    "total_follow_up_tasks",
)


@dataclass
class _Totals:
    """Per-group sums over the selected calls (arrays of length n_groups)."""

    total_calls: np.ndarray
    connected_calls: np.ndarray
    conversations: np.ndarray
    meetings_set: np.ndarray
    total_follow_up_tasks: np.ndarray
    data_problems: np.ndarray
    total_duration: np.ndarray
    active_days: np.ndarray


def _follow_up_ids(dispositions: list[Record]) -> list[int]:
    named = [d["id"] for d in dispositions if "follow" in str(d.get("name", "")).lower()]
    return sorted({*_FOLLOW_UP_IDS, *named})


def _totals(
    store: CallStore,
    filters: CallFilters,
    groups: np.ndarray,
    n_groups: int,
    zone: ZoneInfo,
    follow_ups: list[int],
) -> _Totals:
    mask = store.mask(filters)
    selected = (groups >= 0) if mask is None else (mask & (groups >= 0))
    g = groups[selected]
    disposition = store.numbers("disposition.internal_id")[selected]
    duration = store.numbers("duration")[selected]
    human = store.isin("answered_by", ["human"])[selected]
    connected = human & (disposition < CONNECTED_BELOW)
    meeting = disposition == MEETING_ID
    conversation = connected & (meeting | (duration >= CONVERSATION_SECONDS))

    def count(flags: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=flags, minlength=n_groups).astype(np.int64)

    days = _local_days(store.times("createdAt")[selected], zone)
    span = int(days.max() - days.min() + 1) if len(days) else 1
    group_days = np.unique(g * span + (days - (days.min() if len(days) else 0)))
    return _Totals(
        total_calls=np.bincount(g, minlength=n_groups).astype(np.int64),
        connected_calls=count(connected),
        conversations=count(conversation),
        meetings_set=count(meeting),
        total_follow_up_tasks=count(np.isin(disposition, follow_ups)),
        data_problems=count(np.isin(disposition, _DATA_PROBLEM_IDS)),
        total_duration=np.bincount(g, weights=np.nan_to_num(duration), minlength=n_groups),
        active_days=np.bincount(group_days // span, minlength=n_groups).astype(np.int64),
    )


def _local_days(times: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """Day numbers of ns timestamps in `zone` (so "active days" follow the team's calendar)."""
    if zone == UTC_ZONE or len(times) == 0:
        return times // NS_PER_DAY
    local = pd.DatetimeIndex(times.astype("datetime64[ns]")).tz_localize("UTC").tz_convert(zone)
    return local.tz_localize(None).asi8 // NS_PER_DAY


def overview(dataset: Dataset, store: CallStore, filters: CallFilters, zone: ZoneInfo) -> dict:
    """The body of GET /v1/analytics/overview: each metric as ``{value, growth}``."""
    follow_ups = _follow_up_ids(dataset.dispositions)
    everyone = np.zeros(len(store), dtype=np.int64)
    current = _totals(store, filters, everyone, 1, zone, follow_ups)
    previous = None
    if filters.created_from is not None and filters.created_to is not None:
        length = filters.created_to + 1 - filters.created_from
        before = dataclasses.replace(
            filters, created_from=filters.created_from - length, created_to=filters.created_from - 1
        )
        previous = _totals(store, before, everyone, 1, zone, follow_ups)
    body = {}
    for name in _OVERVIEW_METRICS:
        value = int(getattr(current, name)[0])
        base = None if previous is None else int(getattr(previous, name)[0])
        body[name] = {"value": value, "growth": (value - base) / base if base else None}
    return body


def sdr_rows(
    dataset: Dataset, store: CallStore, filters: CallFilters, zone: ZoneInfo
) -> list[dict]:
    """One row per rep with calls in range, best first (see `_ordered`)."""
    codes, users = store.codes("user._id")
    totals = _totals(
        store, filters, codes, len(users.lookup), zone, _follow_up_ids(dataset.dispositions)
    )
    profiles = {
        member["user"].get("_id"): member
        for member in dataset.team.get("users", [])
        if isinstance(member.get("user"), dict)
    }
    rows = []
    for user_id, code in users.lookup.items():
        if totals.total_calls[code] == 0:
            continue
        member = profiles.get(user_id, {})
        user = member.get("user") or _first_user(store, codes, code)
        rows.append(
            {
                "_id": user_id,
                "first_name": user.get("first_name"),
                "last_name": user.get("last_name"),
                "email": user.get("email"),
                "image": member.get("image", user.get("image")),
                **_metrics(totals, code),
                "data_quality": 1 - int(totals.data_problems[code]) / int(totals.total_calls[code]),
            }
        )
    return _ordered(rows)


def _first_user(store: CallStore, codes: np.ndarray, code: int) -> Record:
    row = int(np.argmax(codes == code))
    user = store.calls[row].get("user")
    return user if isinstance(user, dict) else {}


def list_rows(
    dataset: Dataset, store: CallStore, filters: CallFilters, zone: ZoneInfo
) -> list[dict]:
    """One row per contact list (every known list, plus any unknown list that has calls)."""
    codes, lists = store.codes("contact_list._id")
    totals = _totals(
        store, filters, codes, len(lists.lookup), zone, _follow_up_ids(dataset.dispositions)
    )
    known = {c.get("_id"): c for c in dataset.contact_lists}
    called = [i for i, code in lists.lookup.items() if totals.total_calls[code] > 0]
    rows = []
    for list_id in [*known, *(i for i in called if i not in known)]:
        info = known.get(list_id) or _first_list(store, codes, lists.lookup[list_id])
        code = lists.lookup.get(list_id)
        total_contacts = info.get("total_contacts")
        good = info.get("good_quality_contacts")
        rows.append(
            {
                "_id": list_id,
                "name": info.get("name"),
                "source": info.get("source"),
                **_metrics(totals, code),
                "total_contacts": total_contacts,
                "good_quality_contacts": good,
                "data_quality": good / total_contacts
                if good is not None and total_contacts
                else None,
                "owner": info.get("user"),
            }
        )
    return _ordered(rows)


def _first_list(store: CallStore, codes: np.ndarray, code: int) -> Record:
    row = int(np.argmax(codes == code))
    contact_list = store.calls[row].get("contact_list")
    return contact_list if isinstance(contact_list, dict) else {}


def _metrics(totals: _Totals, code: int | None) -> dict[str, Any]:
    def value(name: str) -> int:
        return 0 if code is None else int(getattr(totals, name)[code])

    calls = value("total_calls")
    days = value("active_days")
    return {
        "total_calls": calls,
        "connected_calls": value("connected_calls"),
        "connection_rate": value("connected_calls") / calls if calls else None,
        "conversations": value("conversations"),
        "conversation_rate": value("conversations") / calls if calls else None,
        "meetings_set": value("meetings_set"),
        "avg_dials_day": calls / days if days else None,
        "total_duration": 0 if code is None else _whole(float(totals.total_duration[code])),
    }


def _whole(seconds: float) -> int | float:
    return int(seconds) if seconds.is_integer() else seconds


def _ordered(rows: list[dict]) -> list[dict]:
    """Most meetings first, then highest connection rate (none last), then ``_id``."""
    return sorted(
        rows,
        key=lambda r: (
            -r["meetings_set"],
            -(r["connection_rate"] if r["connection_rate"] is not None else -1.0),
            str(r["_id"]),
        ),
    )

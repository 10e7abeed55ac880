"""Records of the endpoints users document beyond the call log, derived from the calls.

The vendor publishes no fields for these, so the shapes are plausible inventions (a client must
keep every field it gets). Each view is a pure function of the calls: deterministic (seeded by
the call ids), consistent with the call log (a scored call exists for each transcribed call, a
follow-up task for each call whose disposition schedules one), and it follows inserted and
updated calls.

- scored call: ``{_id, call_log_id, call_id, user{...}, contact{_id, first_name, last_name,
  company}, score (0-100), criteria[{name, score, max_score, feedback}], summary, duration,
  disposition{...}, createdAt, updatedAt}`` -- one per call with a transcript, scored minutes
  after the call.
- follow-up task: ``{_id, call_log_id, type (call|email), status (open|done), due_date,
  contact{...}, user (id), notes, createdAt}`` -- one per call dispositioned 6, 7, 8 or 15.
- snoozed contact: ``{_id, contact{...}, user (id), reason, snoozed_until, createdAt}`` -- a
  contact whose latest call asked to be called later, while the snooze lasts.
- custom field: ``{_id, label, type}`` -- the labels of the contacts' ``custom_fields``.
- list contact: the latest copy of each contact dialled from a list.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

from dialstats.sandbox._dataset import Record

CRITERIA = ("Opening", "Discovery", "Value proposition", "Objection handling", "Next steps")
_CRITERION_MAX = 20  # five criteria of 20 points: a 0-100 score
# Disposition -> the mean share of points a call earns (meetings score best).
_SCORE_MEAN = {1: 0.82, 6: 0.66, 7: 0.6, 8: 0.62, 4: 0.6, 15: 0.6, 3: 0.45, 9: 0.35}
_FEEDBACK = {
    "Opening": ("Clear, permission-based opener.", "Rushed the introduction."),
    "Discovery": ("Asked open questions about the team.", "Pitched before understanding needs."),
    "Value proposition": ("Tied the product to the stated pain.", "Feature list, no outcome."),
    "Objection handling": ("Acknowledged and reframed the concern.", "Argued with the objection."),
    "Next steps": ("Agreed a concrete next step.", "Ended without a next step."),
}
# Dispositions that schedule a task: (type, days until due).
FOLLOW_UP_TASKS = {6: ("call", 2), 7: ("call", 182), 8: ("email", 1), 15: ("call", 3)}
# Dispositions that snooze the contact: days of quiet asked for.
SNOOZES = {6: 3, 7: 182}


def derived_id(*parts: object) -> str:
    """A stable 24-hex id for a derived record (the same inputs, the same id)."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:24]


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _iso_ms(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _disposition(call: Record) -> int | None:
    value = call.get("disposition")
    did = value.get("internal_id") if isinstance(value, dict) else None
    return did if isinstance(did, int) else None


def _contact_ref(call: Record) -> Record:
    contact = call.get("contact") if isinstance(call.get("contact"), dict) else {}
    return {k: contact.get(k) for k in ("_id", "first_name", "last_name", "company")}


def _user_id(call: Record) -> Any:
    user = call.get("user")
    return user.get("_id") if isinstance(user, dict) else None


def scored_calls(calls: list[Record]) -> list[Record]:
    """One scored call per call with a transcript, newest first."""
    scored = []
    for call in calls:
        created = _time(call.get("createdAt"))
        if not call.get("transcription") or created is None:
            continue
        rng = random.Random(f"scored:{call.get('_id')}")
        mean = _SCORE_MEAN.get(_disposition(call) or 0, 0.5)
        criteria = []
        for name in CRITERIA:
            share = min(1.0, max(0.0, rng.gauss(mean, 0.15)))
            points = round(share * _CRITERION_MAX)
            good, weak = _FEEDBACK[name]
            criteria.append(
                {
                    "name": name,
                    "score": points,
                    "max_score": _CRITERION_MAX,
                    "feedback": good if share >= 0.6 else weak,
                }
            )
        at = _iso_ms(created + timedelta(seconds=rng.uniform(60, 900)))
        scored.append(
            {
                "_id": derived_id("scored", call.get("_id")),
                "call_log_id": call.get("_id"),
                "call_id": call.get("call_id"),
                "user": call.get("user"),
                "contact": _contact_ref(call),
                "score": sum(c["score"] for c in criteria),
                "criteria": criteria,
                "summary": call.get("summary") or "",
                "duration": call.get("duration"),
                "disposition": call.get("disposition"),
                "createdAt": at,
                "updatedAt": at,
            }
        )
    scored.sort(key=lambda r: (r["createdAt"], r["_id"]), reverse=True)
    return scored


def follow_ups(calls: list[Record]) -> list[Record]:
    """One task per call whose disposition schedules one, newest first; tasks due before the
    latest call are mostly done."""
    latest = max((t for c in calls if (t := _time(c.get("createdAt"))) is not None), default=None)
    tasks = []
    for call in calls:
        did = _disposition(call)
        created = _time(call.get("createdAt"))
        if did not in FOLLOW_UP_TASKS or created is None:
            continue
        kind, days = FOLLOW_UP_TASKS[did]
        due = created + timedelta(days=days)
        rng = random.Random(f"task:{call.get('_id')}")
        done = latest is not None and due < latest and rng.random() < 0.8
        tasks.append(
            {
                "_id": derived_id("task", call.get("_id")),
                "call_log_id": call.get("_id"),
                "type": kind,
                "status": "done" if done else "open",
                "due_date": _iso_ms(due),
                "contact": _contact_ref(call),
                "user": _user_id(call),
                "notes": call.get("notes") or "",
                "createdAt": call.get("createdAt"),
            }
        )
    tasks.sort(key=lambda r: (r["createdAt"], r["_id"]), reverse=True)
    return tasks


def snoozed_contacts(calls: list[Record]) -> list[Record]:
    """Contacts whose latest call snoozed them, still snoozed at the latest call; newest first."""
    latest_call: dict[Any, Record] = {}
    latest = None
    for call in calls:
        created = _time(call.get("createdAt"))
        if created is None:
            continue
        latest = created if latest is None else max(latest, created)
        contact_id = _contact_ref(call)["_id"]
        known = latest_call.get(contact_id)
        if contact_id is not None and (known is None or created >= _time(known["createdAt"])):
            latest_call[contact_id] = call
    snoozed = []
    for contact_id, call in latest_call.items():
        did = _disposition(call)
        created = _time(call["createdAt"])
        if did not in SNOOZES or created is None or latest is None:
            continue
        until = created + timedelta(days=SNOOZES[did])
        if until <= latest:
            continue
        snoozed.append(
            {
                "_id": derived_id("snooze", contact_id),
                "contact": call.get("contact"),
                "user": _user_id(call),
                "reason": (call.get("disposition") or {}).get("external_name"),
                "snoozed_until": _iso_ms(until),
                "createdAt": call["createdAt"],
            }
        )
    snoozed.sort(key=lambda r: (r["createdAt"], r["_id"]), reverse=True)
    return snoozed


def custom_fields(calls: list[Record]) -> list[Record]:
    """The team's custom contact fields: each label (and its type) the contacts carry."""
    seen: dict[str, Any] = {}
    for call in calls:
        contact = call.get("contact")
        fields = contact.get("custom_fields") if isinstance(contact, dict) else None
        for item in fields if isinstance(fields, list) else ():
            if isinstance(item, dict) and isinstance(item.get("label"), str):
                seen.setdefault(item["label"], item.get("type"))
    return [
        {"_id": derived_id("field", label), "label": label, "type": kind}
        for label, kind in sorted(seen.items())
    ]


def list_contacts(calls: list[Record]) -> dict[Any, list[Record]]:
    """List id -> the latest copy of each contact dialled from it, by contact ``_id``."""
    newest: dict[Any, dict[Any, tuple[str, Record]]] = {}
    for call in calls:
        ref = call.get("contact_list")
        contact = call.get("contact")
        if not isinstance(ref, dict) or not isinstance(contact, dict) or "_id" not in contact:
            continue
        created = str(call.get("createdAt") or "")
        contacts = newest.setdefault(ref.get("_id"), {})
        known = contacts.get(contact["_id"])
        if known is None or created >= known[0]:
            contacts[contact["_id"]] = (created, contact)
    return {
        list_id: [contacts[k][1] for k in sorted(contacts, key=str)]
        for list_id, contacts in newest.items()
    }

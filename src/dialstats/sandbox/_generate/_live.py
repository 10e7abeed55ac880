"""Live calls for the sandbox: new calls placed at a given time, and later updates of a record.

Produces `new_call` (a new attempt at a contact of an earlier call, by an active rep, with the
outcome, disposition and content of the same model as `generate`) and `touch_call` (notes
added, a disposition set or corrected, a summary). Reads a `Dataset` and the stages it follows:
contacts and numbers (2), the `Dial` (4), AMD's values (5), the result (6), content (7) and the
call record (8).

>>> from datetime import datetime, UTC
>>> from dialstats.sandbox import generate
>>> ds = generate(n_calls=200, days=7)
>>> at = datetime(2026, 8, 10, 15, tzinfo=UTC)
>>> touch_call(new_call(ds, random.Random(1), at), random.Random(2), at)["createdAt"]
'2026-08-10T15:00:00.000Z'
"""

from __future__ import annotations

import copy
import math
import random
from datetime import UTC, datetime, timedelta

from dialstats.sandbox._dataset import Dataset, Record
from dialstats.sandbox._generate._assemble import call_record
from dialstats.sandbox._generate._common import iso_millis, iso_seconds, object_id, parse_iso
from dialstats.sandbox._generate._contacts import Contact, e164_of, timezone_of, us_number
from dialstats.sandbox._generate._content import PAINS
from dialstats.sandbox._generate._dispositions import simulate
from dialstats.sandbox._generate._knobs import KNOBS
from dialstats.sandbox._generate._outcomes import is_machine
from dialstats.sandbox._generate._schedule import Dial
from dialstats.sandbox._generate._team import MEETING, disposition_ref


def new_call(dataset: Dataset, rng: random.Random, at: datetime) -> Record:
    """A new realistic call record created at `at`: a rep of the team dials one of its contacts.

    The contact, list and sequence come from an earlier call of `dataset` (a new attempt), the rep
    is an active team member; the outcome follows the same model as `generate`.
    createdAt == updatedAt == `at`; the call started and ended just before.

    >>> from datetime import datetime, UTC
    >>> from dialstats.sandbox import generate
    >>> ds = generate(n_calls=200, days=7)
    >>> new_call(ds, random.Random(1), datetime(2026, 8, 10, 15, tzinfo=UTC))["createdAt"]
    '2026-08-10T15:00:00.000Z'
    """
    at = _check_at(at)
    users = _dialling_users(dataset)
    if not users:
        raise ValueError("dataset has no team users to place a call")
    earlier = [rng.choice(dataset.calls) for _ in range(20)] if dataset.calls else []
    base = next((c for c in earlier if c.get("contact") and c.get("direction") == "outbound"), None)
    user = rng.choice(users)
    caller_id = us_number(rng, "America/New_York")
    contact, list_ref, sequence = None, {}, None
    if base is not None:
        contact = _live_contact(rng, dataset, copy.deepcopy(base["contact"]))
        list_ref, sequence = dict(base.get("contact_list") or {}), base.get("sequence")
        # Usually the rep who dialled the contact before tries again, from the same caller id.
        if (base.get("user") or {}).get("_id") in {u.get("_id") for u in users}:
            user, caller_id = base["user"], e164_of(base.get("from") or "") or caller_id
    dial = Dial(
        user=user,
        caller_id=caller_id,
        contact=contact,
        contact_record=contact.record if contact else {},
        list_ref=list_ref,
        sequence=dict(sequence) if sequence else None,
        started=at - timedelta(seconds=60),
    )
    result = simulate(rng, dial, KNOBS)
    ended = at.replace(microsecond=0) - timedelta(seconds=rng.randrange(1, 8))
    dial.started = ended - timedelta(seconds=result.duration)
    rec, _ = call_record(rng, dial, result, KNOBS)
    rec["started_at"], rec["ended_at"] = iso_seconds(dial.started), iso_seconds(ended)
    rec["createdAt"] = rec["updatedAt"] = iso_millis(at)
    rec["_id"] = object_id(rng, at)
    return rec


def touch_call(record: Record, rng: random.Random, at: datetime) -> Record:
    """A copy of `record` updated at `at`: notes added, a disposition set or corrected, a summary.

    `_id`, `call_id` and `createdAt` are unchanged; `updatedAt` becomes `at`, which must not be
    earlier than the record's createdAt.
    """
    at = _check_at(at)
    created = record.get("createdAt")
    if isinstance(created, str) and parse_iso(created) > at:
        raise ValueError(
            f"at ({iso_millis(at)}) is earlier than the record's createdAt ({created})"
        )
    out = copy.deepcopy(record)
    disposition = out.get("disposition") or {}
    did = disposition.get("internal_id")
    first = (out.get("contact") or {}).get("first_name") or "Contact"
    if not disposition:
        # The rep finally wraps up a call left without a disposition.
        fallback = 11 if is_machine(out.get("answered_by")) else 10
        did = 6 if out.get("answered_by") == "human" else fallback
        out["disposition"] = disposition_ref(did)
        out["is_completed"] = True
    elif did == 6 and rng.random() < 0.5:  # the call-back turned into a booked meeting
        out["disposition"] = disposition_ref(MEETING)
        out["notes"] = _append(out.get("notes"), "Booked on follow-up")
    elif (
        out.get("answered_by") == "human"
        and not out.get("summary")
        and did is not None
        and did < 10
    ):
        out["summary"] = f"{first} discussed next steps; {rng.choice(PAINS)}."
    else:
        out["notes"] = _append(out.get("notes"), rng.choice(("Logged in CRM", "Added to nurture",
                                                             "Updated contact details", "Checked recording")))  # fmt: skip
    out["updatedAt"] = iso_millis(at)
    return out


def _append(notes: object, text: str) -> str:
    return f"{notes}; {text}" if isinstance(notes, str) and notes else text


def _check_at(at: datetime) -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at must be a timezone-aware datetime, got {at!r}")
    return at.astimezone(UTC)


def _dialling_users(dataset: Dataset) -> list[Record]:
    users = dataset.team.get("users") or []
    active = [
        u["user"] for u in users if u.get("status") == "active" and u.get("license") != "viewer"
    ]
    return active or [u["user"] for u in users]


def _live_contact(rng: random.Random, dataset: Dataset, record: Record) -> Contact:
    quality = 0.7
    ref = record.get("contact_list") or {}
    for lst in dataset.contact_lists:
        if lst.get("_id") == ref.get("_id") and lst.get("total_contacts"):
            quality = lst.get("good_quality_contacts", 0) / lst["total_contacts"]
    phones = record.get("phone_numbers") or [{}]
    return Contact(
        record=record,
        timezone=timezone_of(record),
        phone_type=phones[0].get("type")
        if phones[0].get("type") in ("mobile", "direct", "office")
        else "direct",
        number=e164_of(phones[0].get("number") or "") or us_number(rng, "America/New_York"),
        bad=rng.random() < 0.01 + 0.3 * (1 - quality) ** 1.5,
        stale=rng.random() < 0.02 + 0.22 * (1 - quality),
        propensity=math.exp(rng.gauss(-0.125, 0.5)),
    )

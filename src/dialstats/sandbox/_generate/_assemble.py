"""Stage 8, assembly and writing: the stages run day by day, each call written as a call log.

`generate` builds the cast (stage 3), draws the volume of every (rep, day) and the dials'
times (stage 4), runs each day's dials in start order through outcome (5), disposition (6) and
content (7), counting attempts, queueing redials and redialling some ring-outs at once, and
writes every call as the API serves it: ``to`` and ``from`` in two of the mixed formats, the
disposition object, the contact's ``total_calls`` so far, ObjectIds in creation order and
``updatedAt`` for records changed later. `call_record` is shared with the live calls of the
sandbox. Reads every earlier stage.

>>> ds = generate(seed=7, n_calls=2_000, days=28)
>>> len(ds.calls), len(ds.dispositions)
(2000, 17)
"""

from __future__ import annotations

import bisect
import copy
import random
from collections import Counter
from datetime import date, timedelta

from dialstats.errors import InvalidParameterError
from dialstats.sandbox._dataset import Dataset, Record
from dialstats.sandbox._generate._cast import Cast, build_cast
from dialstats.sandbox._generate._common import (
    calls_stream,
    iso_millis,
    iso_seconds,
    parse_iso,
    random_hex,
)
from dialstats.sandbox._generate._contacts import ContactList, format_number, us_number
from dialstats.sandbox._generate._content import add_content
from dialstats.sandbox._generate._dispositions import Result, closes_contact, simulate
from dialstats.sandbox._generate._knobs import KNOBS, Knobs
from dialstats.sandbox._generate._schedule import (
    Dial,
    Plan,
    burned_numbers,
    outbound_dial,
    requeue,
    session_times,
    slot_weights,
)
from dialstats.sandbox._generate._team import LISTS, REPS, disposition_ref


def generate(
    seed: int = 7,
    *,
    n_calls: int = 24_000,
    start: str = "2026-08-03",
    days: int = 84,
    knobs: Knobs | None = None,
) -> Dataset:
    """Generate a realistic team's call logs: `n_calls` calls over `days` days from `start`.

    Deterministic: the same arguments give the same dataset on every machine. The team, its
    lists and contacts do not depend on `n_calls`: datasets of different sizes share them.
    `knobs` (default `KNOBS`) sets the behaviour, including the planted effects that
    `Dataset.truth` reports.

    >>> ds = generate(seed=1, n_calls=500, days=14)
    >>> sorted({c["outcome"] for c in ds.calls})
    ['answered', 'cancelled', 'no-answer']
    >>> generate(seed=1, n_calls=500, days=14, knobs=Knobs(burned_numbers=0)).truth["burned_numbers"]
    []
    """
    first = _check_args(seed, n_calls, start, days)
    knobs = _check_knobs(knobs)
    cast = build_cast(seed, first, days)
    plan = Plan(knobs, burned_numbers(cast, knobs), first + timedelta(days=knobs.burn_start_day))
    rng = calls_stream(seed)
    day_list = [first + timedelta(days=i) for i in range(days)]
    weights = slot_weights(rng, day_list, knobs)
    per_slot = Counter(rng.choices(range(len(weights)), weights, k=n_calls) if n_calls else [])
    records: list[tuple[Record, float]] = []
    for index, day in enumerate(day_list):
        planned = [
            outbound_dial(rng, cast, rep, index, at, plan)
            for r, rep in enumerate(cast.reps)
            for at in session_times(rng, rep, day, per_slot[r * days + index], knobs)
        ]
        records += _dial_day(rng, cast, planned, index, plan)
    return Dataset(
        calls=_finish(rng, records),
        dispositions=list(cast.dispositions.values()),
        sequences=cast.sequences,
        contact_lists=[lst.record for lst in cast.lists],
        team=cast.team,
        truth=_truth(cast, knobs, plan),
    )


def _finish(rng: random.Random, records: list[tuple[Record, float]]) -> list[Record]:
    """Order by creation, assign ObjectIds, and stamp updates (never after the snapshot)."""
    records.sort(key=lambda r: (r[0]["createdAt"], r[0]["call_id"]))
    snapshot = parse_iso(records[-1][0]["createdAt"]) if records else None
    machine, counter = random_hex(rng, 10), rng.getrandbits(24)
    calls = []
    dialled: dict[str, int] = {}  # contact _id -> outbound calls so far
    for rec, update in records:
        _count_dial(rec, dialled)
        created = parse_iso(rec["createdAt"])
        counter = (counter + 1) % (1 << 24)
        rec["_id"] = f"{int(created.timestamp()):08x}{machine}{counter:06x}"
        if update and snapshot is not None:
            rec["updatedAt"] = iso_millis(
                max(created, min(snapshot, created + timedelta(seconds=update)))
            )
        calls.append(rec)
    return calls


def _count_dial(rec: Record, dialled: dict[str, int]) -> None:
    """Set the dialled number's `total_calls` to the contact's earlier outbound calls."""
    contact = rec.get("contact") or {}
    if rec.get("direction") != "outbound" or "_id" not in contact:
        return
    done = dialled.get(contact["_id"], 0)
    contact["phone_numbers"][0]["total_calls"] = done
    dialled[contact["_id"]] = done + 1


def call_record(
    rng: random.Random, dial: Dial, result: Result, knobs: Knobs
) -> tuple[Record, float]:
    """The call-log record of a simulated dial, and seconds until its last update."""
    ended = dial.started + timedelta(seconds=result.duration)
    created = ended + timedelta(milliseconds=rng.randrange(1000, 8000))
    contact_number = dial.contact.number if dial.contact else us_number(rng, "America/Chicago")
    rec: Record = {
        "_id": "",  # assigned once the calls are in creation order
        "call_id": f"CA{random_hex(rng, 32)}",
        "outcome": result.outcome,
        "direction": "inbound" if dial.inbound else "outbound",
        "duration": result.duration,
        # As live records write them: `from` as bare digits, `to` in the national format.
        "from": format_number(contact_number if dial.inbound else dial.caller_id, "digits"),
        "to": format_number(dial.caller_id if dial.inbound else contact_number, "paren"),
        "disposition": disposition_ref(result.disposition),
        "contact": dial.contact_record,
        "contact_list": dial.list_ref,
        "user": dict(dial.user),
        "notes": "",
        "is_completed": True,
        "started_at": iso_seconds(dial.started),
        "ended_at": iso_seconds(ended),
        "createdAt": iso_millis(created),
        "updatedAt": iso_millis(created),
    }
    if result.answered_by is not None:
        rec["answered_by"] = result.answered_by
    elif rng.random() < knobs.answered_by_null:
        rec["answered_by"] = None
    if dial.sequence is not None:
        rec["sequence"] = dict(dial.sequence)
    if result.disposition is None or (
        not dial.inbound and rng.random() < knobs.missing_disposition
    ):
        rec["disposition"] = {} if rng.random() < 0.5 else None
        rec["is_completed"] = False
    update = add_content(rng, dial, result, knobs, rec)
    if rec["disposition"] and rng.random() < knobs.corrected_disposition:
        update = max(update, rng.uniform(3600, 2 * 86400))
    return rec, update


def _dial_day(
    rng: random.Random, cast: Cast, planned: list[tuple[Dial, ContactList]], day: int, plan: Plan
) -> list[tuple[Record, float]]:
    """Simulate one day's dials in start order: attempts counted, redials queued, and some
    ring-outs redialled at once (the double dial, which replaces the rep's last dial of the day).
    """
    knobs, records = plan.knobs, []
    reps = {id(rep.user): rep for rep in cast.reps}
    pending = sorted(planned, key=lambda p: p[0].started)
    i = 0
    while i < len(pending):
        dial, lst = pending[i]
        i += 1
        outbound = dial.contact is not None and not dial.inbound
        if outbound:
            dial.contact.attempts += 1
            dial.attempt = dial.contact.attempts
        result = simulate(rng, dial, knobs)
        plan.tally(dial)
        records.append(call_record(rng, dial, result, knobs))
        if not outbound:
            continue
        rep = reps[id(dial.user)]
        requeue(rng, rep, dial.contact, lst, day, finished=closes_contact(result))
        if result.outcome != "no-answer" or rng.random() >= knobs.double_dial_share:
            continue
        last = next(
            (j for j in range(len(pending) - 1, i - 1, -1)
             if pending[j][0].user is dial.user and not pending[j][0].double),
            None,
        )  # fmt: skip
        if last is None:
            continue
        del pending[last]
        ended = dial.started + timedelta(seconds=result.duration)
        again = copy.copy(dial)
        again.started = ended + timedelta(seconds=rng.randrange(60, 181))
        again.contact_record = dial.contact.snapshot()
        again.double = True
        again.labelled = dial.burner and again.started.date() >= plan.burn_day
        dial.contact.done = False  # still to be reached
        bisect.insort(pending, (again, lst), lo=i, key=lambda p: p[0].started)
    return records


def _check_args(seed: int, n_calls: int, start: str, days: int) -> date:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    if isinstance(n_calls, bool) or not isinstance(n_calls, int) or n_calls < 0:
        raise ValueError(f"n_calls must be an int >= 0, got {n_calls!r}")
    if isinstance(days, bool) or not isinstance(days, int) or days < 7:
        raise ValueError(f"days must be an int >= 7 (a full week), got {days!r}")
    try:
        return date.fromisoformat(start)
    except (TypeError, ValueError):
        raise ValueError(f"start must be an ISO date like '2026-08-03', got {start!r}") from None


def _check_knobs(knobs: Knobs | None) -> Knobs:
    if knobs is None:
        return KNOBS
    if not isinstance(knobs, Knobs):
        raise InvalidParameterError("knobs", f"knobs must be a Knobs instance, got {knobs!r}")

    def bad(name: str, allowed: str) -> InvalidParameterError:
        value = getattr(knobs, name)
        return InvalidParameterError(
            f"knobs.{name}", f"knobs.{name} must be {allowed}, got {value!r}"
        )

    if not 0 <= knobs.burned_numbers <= len(REPS):
        raise bad("burned_numbers", f"an int from 0 to {len(REPS)}")
    if knobs.burn_start_day < 0:
        raise bad("burn_start_day", "an int >= 0")
    for name in ("burn_answer_factor", "local_presence_lift", "double_dial_lift"):
        if not getattr(knobs, name) > 0:
            raise bad(name, "a number > 0")
    for name in ("local_share", "double_dial_share"):
        if not 0 <= getattr(knobs, name) <= 1:
            raise bad(name, "a share from 0 to 1")
    if not set(knobs.local_presence_lists) <= set(range(len(LISTS))):
        raise bad("local_presence_lists", f"indices of lists, 0 to {len(LISTS) - 1}")
    if not knobs.attempt_effect or not all(m > 0 for m in knobs.attempt_effect):
        raise bad("attempt_effect", "a non-empty tuple of multipliers > 0")
    if not knobs.session_gap_minutes >= 0:
        raise bad("session_gap_minutes", "a number of minutes >= 0")
    return knobs


def _truth(cast: Cast, knobs: Knobs, plan: Plan) -> dict:
    """What `generate` planted, as JSON-able values (see `Dataset.truth`)."""
    return {
        "burned_numbers": sorted(plan.burned),
        "burn_start": plan.burn_day.isoformat(),
        "burn_answer_factor": float(knobs.burn_answer_factor),
        "local_presence_lift": float(knobs.local_presence_lift),
        "local_presence_lists": [
            cast.lists[i].record["_id"] for i in sorted(knobs.local_presence_lists)
        ],
        "local_share": float(knobs.local_share),
        "attempt_effect": [float(m) for m in knobs.attempt_effect],
        "attempt_human_pickup": [
            round(p / n, 6) if n else None for p, n in zip(plan.human_p, plan.dials, strict=True)
        ],
        "attempt_dials": list(plan.dials),
        "double_dial_share": float(knobs.double_dial_share),
        "double_dial_lift": float(knobs.double_dial_lift),
        "amd_false_machine": float(knobs.amd_false_machine),
        "amd_false_human": float(knobs.amd_false_human),
        "confounded_skill": bool(knobs.confounded_skill),
        "rep_skill": {rep.user["_id"]: float(rep.spec.pickup) for rep in cast.reps},
        "session_gap_minutes": float(knobs.session_gap_minutes),
    }

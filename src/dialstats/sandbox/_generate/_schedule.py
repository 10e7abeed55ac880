"""Stage 4, the dialing schedule: which rep dials whom, when, from which caller id.

Produces `Plan` (what a generation plants: the spam-labelled caller ids, from which day, and
the tallies `Dataset.truth` reports), the volume of every (rep, day) slot (`slot_weights`), the
start times of a rep's dials in their sessions (`session_times`) and each planned `Dial`
(`outbound_dial`): rep, caller id, contact and list (due redials first), sequence, the
multipliers of the pick-up model and the planted effects, and the odd manual or inbound call.
The redial queue is kept here too (`requeue` after each attempt). Reads the cast (stage 3),
contacts and numbers (stage 2), the specifications (stage 1), the knobs and the shared helpers.

>>> weights = slot_weights(random.Random(1), [date(2026, 8, 3), date(2026, 8, 4)], Knobs())
>>> len(weights) == 2 * len(REPS)  # one weight per rep and day
True
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from dialstats.sandbox._dataset import Record
from dialstats.sandbox._generate._cast import Cast, Rep
from dialstats.sandbox._generate._common import pick_weighted, utc_offset
from dialstats.sandbox._generate._contacts import Contact, ContactList, area_key
from dialstats.sandbox._generate._knobs import Knobs
from dialstats.sandbox._generate._team import REPS, SEQUENCES, RepSpec, SequenceSpec

# Contact-local hours the dialer prefers (8:00-21:00 is legal; evenings and 8:00 less so).
_CONTACT_WINDOW = ((8, 0.8), (9, 1.0), (10, 1.0), (11, 1.0), (12, 0.9), (13, 0.9), (14, 1.0),
                   (15, 1.0), (16, 1.0), (17, 0.8), (18, 0.45), (19, 0.25), (20, 0.12))  # fmt: skip
_REP_DAY_END = 18.75  # the latest a rep dials, rep-local hours
_LEGAL_WINDOW = (8.0, 21.0)  # calling hours in the contact's local time
# Share of dials that go to a contact due for another attempt (when one is due), and the days
# until a contact not reached is due again.
_REDIAL_SHARE = 0.6
_REDIAL_DAYS = ((1, 30), (2, 30), (3, 20), (4, 12), (7, 8))
# Attempts before the team gives up on a contact.
_TOUCHES = ((4, 2), (6, 3), (8, 3), (10, 3), (12, 2))
_QUEUE_ORDER = itertools.count()  # tie-break of queue entries due the same day: first in first


# Attempts that `Dataset.truth` reports the planted pick-up chance of.
_TRUTH_ATTEMPTS = 10


@dataclass
class Plan:
    """What one generation plants, and the tallies its `truth` reports."""

    knobs: Knobs
    burned: frozenset[str]  # E.164 caller ids that get spam-labelled
    burn_day: date  # from this (UTC) day on
    human_p: list[float] = field(default_factory=list)  # by attempt - 1: sum of planted P(person)
    dials: list[int] = field(default_factory=list)  # by attempt - 1: outbound dials

    def tally(self, dial: Dial) -> None:
        """Count an outbound attempt (the first ten) and its planted chance of a person."""
        if dial.inbound or dial.contact is None or dial.attempt > _TRUTH_ATTEMPTS:
            return
        while len(self.dials) < dial.attempt:
            self.human_p.append(0.0)
            self.dials.append(0)
        self.human_p[dial.attempt - 1] += dial.human_p
        self.dials[dial.attempt - 1] += 1


def burned_numbers(cast: Cast, knobs: Knobs) -> frozenset[str]:
    """The busiest reps' home numbers: the ones carriers see dialling most."""
    busiest = sorted(cast.reps, key=lambda rep: -rep.spec.volume)[: knobs.burned_numbers]
    return frozenset(rep.numbers[0] for rep in busiest)


@dataclass
class Dial:
    """Everything that shapes one call's outcome."""

    user: Record
    caller_id: str
    contact: Contact | None  # None: manual dial or unknown inbound caller
    contact_record: Record  # what the call log carries ({} when unknown)
    list_ref: Record  # {_id, name} or {}
    sequence: Record | None  # {_id, name} or None
    started: datetime  # UTC
    inbound: bool = False
    pickup: float = 1.0  # rep x list x sequence human pick-up multiplier
    close: float = 1.0  # rep x sequence meeting multiplier
    recording: float = 1.0
    attempt: int = 1  # outbound dials to this contact so far, this one included
    # The caller id shares the called number's area code (`area_key`) on a list where local
    # presence works.
    local_effect: bool = False
    double: bool = False  # a redial within minutes of a ring-out
    burner: bool = False  # from a number that gets spam-labelled
    labelled: bool = False  # ... and the label is on
    human_p: float = 0.0  # the planted chance that a person picks up (for `Dataset.truth`)

    @property
    def zone(self) -> str:
        """Where the called person is (New York when nobody is known)."""
        return self.contact.timezone if self.contact is not None else "America/New_York"

    @property
    def phone_type(self) -> str:
        """The type of the number dialled (a direct line when no contact is known)."""
        return self.contact.phone_type if self.contact is not None else "direct"

    def local_time(self) -> datetime:
        """When the dial starts, in the called person's zone (naive)."""
        return self.started + utc_offset(self.zone, self.started.date())


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (0 = Monday) of a month; n = -1 for the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _us_holidays(years: Sequence[int]) -> set[date]:
    days: set[date] = set()
    for y in years:
        thanksgiving = _nth_weekday(y, 11, 3, 4)
        days |= {date(y, 1, 1), _nth_weekday(y, 5, 0, -1), date(y, 7, 4), _nth_weekday(y, 9, 0, 1)}
        days |= {thanksgiving, thanksgiving + timedelta(days=1), date(y, 12, 24), date(y, 12, 25)}
    return days


def _ramp(spec: RepSpec, day: int) -> float:
    """0.4..1: how far a late joiner has ramped (three weeks to full speed)."""
    if spec.joined is None:
        return 1.0
    return min(1.0, 0.4 + 0.6 * (day - spec.joined) / 21)


def slot_weights(rng: random.Random, days: list[date], knobs: Knobs) -> list[float]:
    """Relative dial volume of every (rep, day) slot, rep-major."""
    holidays = _us_holidays(sorted({d.year for d in days}))
    weights = []
    for spec in REPS:
        for i, day in enumerate(days):
            working = (spec.joined is None or i >= spec.joined) and (
                spec.left is None or i < spec.left
            )
            weekday = day.weekday()
            w = spec.volume * knobs.weekday_volume[weekday] * _ramp(spec, i) if working else 0.0
            if day in holidays and not spec.timezone.startswith("Europe/"):
                w *= knobs.holiday_volume
            if weekday < 5 and rng.random() < knobs.rep_day_off:
                w = 0.0
            weights.append(w * rng.uniform(0.7, 1.3))
    return weights


def _sessions(rng: random.Random, rep: Rep, knobs: Knobs) -> list[tuple[float, float]]:
    """A rep's dialling sessions of one day, (start, end) in rep-local hours: blocks of about
    50 minutes separated by idle gaps of about `session_gap_minutes`, a lunch break and now and
    then a longer break (a meeting), from the rep's usual start for about nine hours.
    """
    start = rep.start + rng.uniform(0.0, 0.4)
    end = min(_REP_DAY_END, start + rng.uniform(8.5, 9.75))
    if knobs.session_gap_minutes <= 0:
        return [(start, end)]
    sessions, t, lunch = [], start, False
    while t < end:
        length = 0.8 * rng.lognormvariate(0.0, 0.35)
        sessions.append((t, min(end, t + length)))
        t += length
        if not lunch and t >= 12.0:
            t, lunch = t + rng.uniform(0.6, 1.0), True
        elif rng.random() < 0.12:
            t += rng.uniform(0.75, 1.5)
        else:
            t += knobs.session_gap_minutes / 60 * rng.lognormvariate(0.0, 0.3)
    return sessions


def session_times(rng: random.Random, rep: Rep, day: date, k: int, knobs: Knobs) -> list[datetime]:
    """UTC start times of a rep's `k` dials of `day`, paced evenly (with jitter) in sessions."""
    if not k:
        return []
    sessions = _sessions(rng, rep, knobs)
    total = sum(b - a for a, b in sessions)
    gaps = [rng.lognormvariate(0.0, 0.45) for _ in range(k + 1)]
    scale, mark = total / sum(gaps), 0.0
    hours, index, before = [], 0, 0.0
    for gap in gaps[:-1]:
        mark += gap * scale
        while index < len(sessions) - 1 and mark > before + sessions[index][1] - sessions[index][0]:
            before += sessions[index][1] - sessions[index][0]
            index += 1
        hours.append(sessions[index][0] + mark - before)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    offset = utc_offset(rep.spec.timezone, day)
    return [midnight + timedelta(seconds=int(h * 3600)) - offset for h in hours]


def _callable(rng: random.Random, contact: Contact, at: datetime, knobs: Knobs) -> bool:
    """Whether the dialer calls `contact` at `at`: inside their legal window, and (for a share
    `local_time_dialing` of dials) preferring their good hours.
    """
    local = at + utc_offset(contact.timezone, at.date())
    hour = local.hour + local.minute / 60
    if not _LEGAL_WINDOW[0] <= hour < _LEGAL_WINDOW[1]:
        return False
    return (
        rng.random() >= knobs.local_time_dialing or rng.random() < dict(_CONTACT_WINDOW)[local.hour]
    )


def _rep_lists(
    rep: Rep, lists: list[ContactList], day: int, knobs: Knobs
) -> tuple[list[ContactList], list[float]]:
    if knobs.confounded_skill:
        chosen = [(lists[i], w) for i, w in rep.spec.lists if lists[i].spec.created <= day]
    else:  # every rep works the same mix: skill and list quality are independent
        chosen = [(lst, float(lst.spec.size)) for lst in lists if lst.spec.created <= day]
    if not chosen:  # a list not imported yet: fall back to whatever the team has
        chosen = [(lst, 1.0) for lst in lists if lst.spec.created <= day]
    return [c[0] for c in chosen], [c[1] for c in chosen]


def _due_contact(
    rng: random.Random, rep: Rep, day: int, at: datetime, knobs: Knobs
) -> tuple[Contact, ContactList] | None:
    """A contact of the rep's redial queue due today and callable at `at`, taken off the queue."""
    queue = rep.queue
    while queue and (queue[0][2].done or queue[0][2].due != queue[0][0]):
        heapq.heappop(queue)  # reached since, or queued again later
    if not queue or queue[0][0] > day or rng.random() >= _REDIAL_SHARE:
        return None
    due, n, contact, lst = heapq.heappop(queue)
    if _callable(rng, contact, at, knobs):
        contact.due = -1
        return contact, lst
    heapq.heappush(queue, (due, n, contact, lst))
    return None


def requeue(
    rng: random.Random, rep: Rep, contact: Contact, lst: ContactList, day: int, *, finished: bool
) -> None:
    """After an attempt: the contact is done (`finished`: reached, dead, do-not-call; or out of
    touches) or due again in a few days on the rep's queue.
    """
    if finished or contact.attempts >= contact.touches:
        contact.done = True
        return
    contact.due = day + pick_weighted(rng, _REDIAL_DAYS)
    heapq.heappush(rep.queue, (contact.due, next(_QUEUE_ORDER), contact, lst))


def _caller_id(
    rng: random.Random, rep: Rep, contact: Contact, knobs: Knobs, burned: frozenset[str]
) -> str:
    local = rep.local.get(area_key(contact.number))
    if local is not None and rng.random() < knobs.local_share:
        return local
    if rep.numbers[0] in burned and rng.random() < 0.8:  # the rep's workhorse number
        return rep.numbers[0]
    return rep.numbers[rng.randrange(2)]


def outbound_dial(
    rng: random.Random, cast: Cast, rep: Rep, index: int, at: datetime, plan: Plan
) -> tuple[Dial, ContactList]:
    knobs = plan.knobs
    lists, weights = _rep_lists(rep, cast.lists, index, knobs)
    ramp = _ramp(rep.spec, index)
    for tries in range(400):
        if tries and tries % 40 == 0:  # nobody callable now (early for the West Coast): later
            at += timedelta(minutes=10)
        due = _due_contact(rng, rep, index, at, knobs)
        if due is not None:
            contact, lst = due
            break
        lst = rng.choices(lists, weights)[0]
        contact = rng.choice(lst.contacts)
        if _callable(rng, contact, at, knobs):
            break
    else:  # pragma: no cover - every rep's lists hold contacts reachable in their working day
        raise RuntimeError(f"no contact of {rep.spec.first_name}'s lists can be called at {at}")
    if contact.attempts == 0:
        contact.touches = pick_weighted(rng, _TOUCHES)
    sequence, seq_spec = None, SequenceSpec("", 1.0, 1.0)
    if lst.spec.sequences and rng.random() < knobs.sequence_share:
        k = rng.choice(lst.spec.sequences)
        sequence = {"_id": cast.sequences[k]["id"], "name": cast.sequences[k]["name"]}
        seq_spec = SEQUENCES[k]
    caller_id = _caller_id(rng, rep, contact, knobs, plan.burned)
    local = area_key(caller_id) == area_key(contact.number)
    dial = Dial(
        user=rep.user,
        caller_id=caller_id,
        contact=contact,
        contact_record=contact.snapshot(),
        list_ref=dict(lst.ref),
        sequence=sequence,
        started=at,
        pickup=rep.spec.pickup * lst.spec.warmth * seq_spec.pickup,
        close=rep.spec.close * seq_spec.meeting * ramp,
        recording=rep.spec.recording,
        local_effect=local and cast.lists.index(lst) in knobs.local_presence_lists,
        burner=caller_id in plan.burned,
        labelled=caller_id in plan.burned and at.date() >= plan.burn_day,
    )
    if rng.random() < knobs.manual_dial:
        dial.contact, dial.contact_record, dial.list_ref, dial.sequence = None, {}, {}, None
        dial.local_effect = False
    elif rng.random() < knobs.inbound_share:
        dial.inbound, dial.sequence, dial.local_effect = True, None, False
        if rng.random() < knobs.unknown_inbound:
            dial.contact, dial.contact_record, dial.list_ref = None, {}, {}
    return dial, lst

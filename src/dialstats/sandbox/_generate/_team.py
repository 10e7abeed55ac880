"""Stage 1, the team and its lists: who dials, from which lists, in which sequences, and the
dispositions they set.

Produces the specifications every later stage reads (`REPS`, `LISTS`, `SEQUENCES`,
`DISPOSITIONS` with the disposition ids by name) and the team's own records: users, the
dispositions and sequences bodies, and the `disposition` object a call log carries. Reads only
the shared helpers.

>>> len(REPS), len(LISTS), disposition_ref(MEETING)["external_name"]
(10, 12, 'Connected')
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from dialstats.sandbox._dataset import Record
from dialstats.sandbox._generate._common import random_hex

TEAM_NAME = "Brightwave - Sales Development"
_DOMAIN = "brightwave.io"


@dataclass(frozen=True)
class RepSpec:
    """A rep: where they work, how much and how well they dial, from which lists."""

    first_name: str
    last_name: str
    timezone: str  # where the rep works: their working day is 8:00-18:30 there
    volume: float  # dials per day relative to an average rep
    pickup: float  # human pick-up multiplier: the rep's skill (`truth["rep_skill"]`)
    close: float  # meeting multiplier (talk track); conversion from pick-up to conversation too
    lists: tuple[tuple[int, float], ...]  # (list index, weight) the rep dials from
    joined: int | None = None  # first day (offset from start) for a late joiner; ramps up
    left: int | None = None  # first day the rep is gone; status becomes inactive
    recording: float = 1.0  # recording multiplier (two-party consent states record less)
    email: bool = True  # False: the account was made without one (SSO); the API omits `email`


REPS: tuple[RepSpec, ...] = (
    RepSpec("Maya", "Patel", "America/New_York", 1.15, 1.15, 1.35, ((0, 3), (9, 2), (5, 1), (1, 1))),
    RepSpec("Jordan", "Reyes", "America/Chicago", 1.0, 1.0, 1.0, ((1, 2), (3, 2), (10, 1))),
    RepSpec("Ethan", "Brooks", "America/New_York", 1.1, 0.92, 0.85, ((3, 2), (4, 1), (0, 1))),
    RepSpec("Priya", "Nair", "America/Los_Angeles", 1.0, 1.1, 1.1, ((8, 3), (5, 1), (10, 1)), recording=0.55),
    RepSpec("Lucas", "Meyer", "Europe/London", 0.8, 1.0, 1.05, ((6, 5), (10, 1))),
    RepSpec("Sofia", "Alvarez", "America/Denver", 0.9, 0.8, 1.2, ((7, 1), (1, 2), (8, 2))),
    # Tyler is a strong rep on the weakest lists, Sofia a weak one on the warmest: raw rates rank
    # them the wrong way round (`Knobs.confounded_skill`).
    RepSpec("Tyler", "Grant", "America/Chicago", 1.35, 1.25, 0.6, ((4, 4), (2, 2), (3, 1))),
    RepSpec("Hannah", "Kim", "America/Los_Angeles", 0.9, 1.0, 0.95, ((8, 2), (2, 1), (5, 1))),
    RepSpec("Marcus", "Webb", "America/New_York", 0.9, 0.85, 0.75, ((11, 2), (2, 1), (3, 2)), joined=21, email=False),
    RepSpec("Olivia", "Chen", "America/New_York", 1.0, 1.05, 1.0, ((10, 2), (0, 1), (1, 1)), left=56),
)  # fmt: skip
# A team member who never dials (a manager): present in the team body, absent from call logs.
MANAGER = ("Dana", "Whitfield")

_US_EAST_HEAVY = (
    ("America/New_York", 0.38), ("America/Chicago", 0.25), ("America/Denver", 0.08),
    ("America/Phoenix", 0.04), ("America/Los_Angeles", 0.25),
)  # fmt: skip
_US_WEST_HEAVY = (
    ("America/Los_Angeles", 0.55), ("America/Phoenix", 0.1), ("America/Denver", 0.15),
    ("America/Chicago", 0.1), ("America/New_York", 0.1),
)  # fmt: skip
EUROPE = (
    ("Europe/London", 0.45), ("Europe/Berlin", 0.25), ("Europe/Amsterdam", 0.2),
    ("Europe/Dublin", 0.1),
)  # fmt: skip
_US_AND_EUROPE = (*_US_EAST_HEAVY[:-1], ("America/Los_Angeles", 0.17), ("Europe/London", 0.08))


@dataclass(frozen=True)
class ListSpec:
    """A contact list: where it came from, how good and warm it is, who is on it."""

    name: str
    source: str  # csv, hubspot, salesforce, manual
    quality: float  # 0..1: drives missing emails/titles/time zones, dead numbers, stale contacts
    size: int  # total_contacts
    regions: tuple[tuple[str, float], ...]  # (IANA time zone, weight) of the contacts
    phones: tuple[float, float, float]  # share of mobile, direct, office numbers
    warmth: float  # human pick-up multiplier: inbound leads answer, scraped lists don't
    created: int  # day the list was imported, relative to the start (negative: before)
    owner: int  # rep index
    persona: str  # titles to draw from
    sequences: tuple[int, ...]  # sequence indices its dials run in


LISTS: tuple[ListSpec, ...] = (
    ListSpec("Enterprise VPs of Sales - Q3", "salesforce", 0.9, 1600, _US_EAST_HEAVY, (0.35, 0.45, 0.2), 1.0, -20, 0, "sales", (0,)),
    ListSpec("Inbound Demo Requests", "hubspot", 0.95, 700, _US_EAST_HEAVY, (0.6, 0.3, 0.1), 1.6, -10, 1, "sales", (1,)),
    ListSpec("Fall Expo Badge Scans", "csv", 0.6, 1500, _US_EAST_HEAVY, (0.3, 0.3, 0.4), 1.0, 35, 6, "mixed", (2,)),
    ListSpec("Mid-Market IT Directors (export)", "csv", 0.55, 2200, _US_EAST_HEAVY, (0.2, 0.4, 0.4), 0.9, -5, 2, "it", (0,)),
    ListSpec("SMB Founders - Scraped", "csv", 0.35, 2500, _US_EAST_HEAVY, (0.4, 0.1, 0.5), 0.75, -30, 6, "founder", ()),
    ListSpec("Closed Lost - Re-engage", "salesforce", 0.85, 900, _US_EAST_HEAVY, (0.3, 0.5, 0.2), 1.15, -60, 3, "sales", (3,)),
    ListSpec("EMEA Fintech Leaders", "hubspot", 0.8, 1100, EUROPE, (0.5, 0.35, 0.15), 1.0, -15, 4, "finance", (4,)),
    ListSpec("Partner Referrals", "manual", 0.9, 250, _US_EAST_HEAVY, (0.5, 0.4, 0.1), 1.5, -40, 5, "mixed", (1,)),
    ListSpec("West Coast Healthcare Ops", "salesforce", 0.75, 1300, _US_WEST_HEAVY, (0.25, 0.45, 0.3), 0.95, -25, 7, "ops", (0,)),
    ListSpec("Strategic Accounts - Manual Research", "manual", 0.7, 400, _US_EAST_HEAVY, (0.3, 0.5, 0.2), 1.1, -50, 0, "sales", ()),
    ListSpec("Newsletter Signups", "hubspot", 0.6, 1800, _US_AND_EUROPE, (0.45, 0.15, 0.4), 0.85, -35, 9, "mixed", (0,)),
    ListSpec("Webinar Attendees - September", "hubspot", 0.8, 800, _US_EAST_HEAVY, (0.5, 0.3, 0.2), 1.25, 42, 8, "mixed", (2, 1)),
)  # fmt: skip


@dataclass(frozen=True)
class SequenceSpec:
    """A sequence and how it changes pick-up and meetings."""

    name: str
    pickup: float  # human pick-up multiplier
    meeting: float  # meeting multiplier


SEQUENCES: tuple[SequenceSpec, ...] = (
    SequenceSpec("Cold Outbound - 7 Touch", 1.0, 1.0),
    SequenceSpec("Inbound Lead Fast Follow-up", 1.35, 1.6),
    SequenceSpec("Event Follow-up", 1.1, 1.15),
    SequenceSpec("Closed Lost Win-back", 1.0, 0.9),
    SequenceSpec("EMEA Fintech Outreach", 1.0, 1.0),
)

# (id, name, category, CRM outcome label): the 14 defaults of the API, then the team's own.
# The team syncs to a CRM whose call-outcome labels are coarser, hence `external_name`.
DISPOSITIONS: tuple[tuple[int, str, str, str], ...] = (
    (1, "Answered - Meeting Set", "positive", "Connected"),
    (2, "Answered - No Longer with Company", "neutral", "Connected"),
    (3, "Answered - Not Interested", "negative", "Connected"),
    (4, "Answered - Referral", "positive", "Connected"),
    (5, "Answered - Wrong Contact", "neutral", "Wrong number"),
    (6, "Answered - Call back later", "positive", "Connected"),
    (7, "Answered - Reach out in 6 months", "positive", "Connected"),
    (8, "Answered - Send an email", "positive", "Connected"),
    (9, "Answered - Do not call again", "negative", "Connected"),
    (10, "No Answer", "not_answered", "No answer"),
    (11, "Left Voicemail", "not_answered", "Left voicemail"),
    (12, "Gatekeeper", "not_answered", "Left live message"),
    (13, "Bad Number", "not_answered", "Wrong number"),
    (14, "Cancelled", "cancelled", "Busy"),
    (15, "Follow-up Task Created", "neutral", "Connected"),
    (16, "Not a Decision Maker", "negative", "Connected"),
    (20, "Connected", "neutral", "Connected"),
)
_N_DEFAULT_DISPOSITIONS = 14
# The CRM's ids for its call-outcome labels (fixed: they belong to the CRM, not to this team).
_CRM_OUTCOME_IDS = {
    "Busy": "9d9162e7-6cf3-4944-bf63-4dff82258764",
    "Connected": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "Left live message": "a4c4c377-d246-4b32-a13b-75a56a4cd0ff",
    "Left voicemail": "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "No answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
    "Wrong number": "17b47fee-58de-441e-a44c-c6300d46f273",
}
MEETING, NO_ANSWER, VOICEMAIL, GATEKEEPER, BAD_NUMBER, CANCELLED = 1, 10, 11, 12, 13, 14
FOLLOW_UP, NOT_DECISION_MAKER, CUSTOM_CONNECTED = 15, 16, 20

_CRM_LABELS = {did: label for did, _, _, label in DISPOSITIONS}


def user_record(rng: random.Random, first: str, last: str, *, email: bool = True) -> Record:
    """A team member as call logs and the team body carry them (`email` False: no email key)."""
    user = {
        "_id": random_hex(rng, 24),
        "email": f"{first.lower()}.{last.lower()}@{_DOMAIN}",
        "first_name": first,
        "last_name": last,
    }
    if not email:
        del user["email"]
    return user


def disposition_records(rng: random.Random) -> dict[int, Record]:
    """The GET /v1/dispositions items by disposition id."""
    return {
        did: {"_id": random_hex(rng, 24), "id": did, "name": name, "category": category,
              "is_custom": did > _N_DEFAULT_DISPOSITIONS,
              "is_required": did <= _N_DEFAULT_DISPOSITIONS}
        for did, name, category, _ in DISPOSITIONS
    }  # fmt: skip


def sequence_records(rng: random.Random) -> list[Record]:
    """``{id, name}`` of every sequence, in `SEQUENCES` order."""
    return [{"id": random_hex(rng, 24), "name": s.name} for s in SEQUENCES]


def disposition_ref(disposition: int | None) -> Record | None:
    """The `disposition` object of a call log: our id, and the CRM outcome it syncs to."""
    if disposition is None:
        return None
    label = _CRM_LABELS.get(disposition, "Connected")
    return {
        "internal_id": disposition,
        "external_id": _CRM_OUTCOME_IDS[label],
        "external_name": label,
    }

"""The seeded generator of the sandbox's demo data: a realistic sales team's call logs.

>>> from dialstats.sandbox import generate
>>> ds = generate(seed=7, n_calls=2_000, days=28)
>>> len(ds.calls), len(ds.dispositions)
(2000, 16)

How one dial is made up (the numbers are the fields of `Knobs`, the cast is `_REPS`, `_LISTS`,
`_SEQUENCES`):

1. *Volume*: every rep dials on business days (fewer on Fridays, almost none at weekends or on US
   holidays), in proportion to their `volume`; reps take days off, one joins late, one leaves.
2. *Contact and time*: the rep dials a contact from one of their lists, at a time inside both the
   rep's working day and the contact's legal calling window (8:00-21:00 local). Most dials are
   scheduled by the contact's local time, the rest follow the rep's own day.
3. *Outcome*: a person picks up with a probability driven by the contact's local hour (morning and
   late-afternoon peaks), the weekday, the rep, the list, the sequence, the phone type and the
   contact's own propensity; otherwise a machine answers, nobody does, or the dial is cancelled.
   Answering-machine detection (AMD) is sometimes wrong, both ways.
4. *Disposition*: consistent with the vendor's definitions (connected = human and id < 10):
   gatekeepers on office lines, wrong contacts on stale lists, quick rejections, conversations,
   meetings; voicemails on machines; Bad Number on dead numbers.
5. *Duration* by what happened: fast busy < ring-out < voicemail drop < rejection < conversation.
6. *Content*: recordings on most answered calls, transcripts and summaries on conversations, rep
   notes; some records are updated after creation (summary arriving, notes added, a disposition
   corrected).
7. *How live records write it*: zones as abbreviations (``ET``, ``CST``, ``Pacific``; IANA names
   for Arizona and Europe; blank or absent for ~15%), numbers in mixed formats (``to`` as
   ``(212) 555-0143``, ``from`` as ``12125550143``, each contact's numbers in one of five styles)
   with area codes of the contact's zone, Twilio's AMD values (``machine_end_beep``, ...,
   ``fax``, ``unknown``), a custom "Connected" disposition (id 20), ``""`` for some missing
   recordings and transcripts, stray control characters in some transcripts.

Everything is drawn from `random.Random` streams seeded from `seed`, so the same arguments give
the same dataset on every machine.
"""

from __future__ import annotations

import bisect
import copy
import heapq
import itertools
import json
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from dialstats.errors import InvalidParameterError
from dialstats.sandbox._dataset import Dataset, Record

_T = TypeVar("_T")

# --------------------------------------------------------------------------------------------
# Knobs: what each probability means. Multipliers are relative to 1.0 = an average dial.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Knobs:
    """The behavioural parameters of the generated team, with their meaning."""

    # Chance that a person picks up an average dial (before the multipliers below).
    human_pickup: float = 0.14
    # Chance that a voicemail / answering machine picks up an average dial.
    machine_pickup: float = 0.185
    # Chance that the rep or dialer cancels a dial before anyone answers.
    cancel_rate: float = 0.025
    # Human pick-up multiplier by the contact's local hour (8..20; the dialer never calls outside).
    hour_effect: tuple[tuple[int, float], ...] = (
        (8, 0.95), (9, 1.3), (10, 1.15), (11, 0.95), (12, 0.68), (13, 0.78), (14, 0.95),
        (15, 1.05), (16, 1.3), (17, 1.1), (18, 0.72), (19, 0.55), (20, 0.45),
    )  # fmt: skip
    # Human pick-up multiplier by weekday (Monday first).
    weekday_effect: tuple[float, ...] = (0.92, 1.1, 1.08, 1.02, 0.8, 0.6, 0.5)
    # Dial volume by weekday (Monday first): quiet Fridays, almost nothing at weekends.
    weekday_volume: tuple[float, ...] = (1.0, 1.05, 1.05, 1.0, 0.8, 0.03, 0.02)
    # Dial volume on US holidays, relative to a normal day.
    holiday_volume: float = 0.06
    # Chance that a rep does not dial at all on a working day (meetings, PTO, sick days).
    rep_day_off: float = 0.07
    # Share of dials the dialer schedules by the contact's local time (the rest: rep's own day).
    local_time_dialing: float = 0.65
    # Human pick-up multiplier and gatekeeper chance by the type of number dialled.
    phone_pickup: tuple[tuple[str, float], ...] = (
        ("mobile", 1.2),
        ("direct", 1.0),
        ("office", 0.75),
    )
    gatekeeper: tuple[tuple[str, float], ...] = (
        ("mobile", 0.02),
        ("direct", 0.08),
        ("office", 0.35),
    )
    # Spread of the contacts' own propensity to pick up (sigma of a mean-1 log-normal).
    contact_spread: float = 0.5
    # AMD errors: machine_start detections that were a person (the rep talks, human disposition),
    # and human detections that were a machine (the rep leaves a voicemail).
    amd_false_machine: float = 0.06
    amd_false_human: float = 0.04
    # Share of machine answers where the rep drops a voicemail (Left Voicemail; else No Answer).
    voicemail_left: float = 0.68
    # Share of decision-maker pick-ups that become a real conversation, not a quick brush-off.
    conversation_share: float = 0.55
    # Share of conversations that end with a meeting (before rep and sequence multipliers).
    meeting_share: float = 0.11
    # Share of calls that are inbound callbacks; of those, share from unknown numbers.
    inbound_share: float = 0.008
    unknown_inbound: float = 0.25
    # Share of a list's dials that run inside one of its sequences (lists that have some).
    sequence_share: float = 0.7
    # Share of outbound dials typed in by hand, with no contact or list attached.
    manual_dial: float = 0.004
    # Share of calls the rep never dispositioned (disposition {} or null, is_completed false).
    missing_disposition: float = 0.012
    # Share of answered calls with a recording; of recorded conversations, share transcribed; of
    # transcribed calls, share with an AI summary.
    recording_share: float = 0.94
    transcript_share: float = 0.9
    summary_share: float = 0.92
    # Share of rep notes added after the call (updates the record), of dispositions corrected
    # later, and of records touched by a CRM sync.
    late_notes: float = 0.35
    corrected_disposition: float = 0.01
    crm_touch: float = 0.02
    # Share of unanswered calls that carry "answered_by": null rather than no key at all.
    answered_by_null: float = 0.3
    # How Twilio's answering-machine detection labels a machine: "machine_start" when it decides
    # at the greeting, else "machine_end_*" once the greeting ends (beep, silence, other).
    machine_labels: tuple[tuple[str, float], ...] = (
        ("machine_end_beep", 0.5),
        ("machine_start", 0.25),
        ("machine_end_other", 0.15),
        ("machine_end_silence", 0.1),
    )
    # Share of people and of machines that AMD cannot classify ("unknown").
    amd_unknown_human: float = 0.01
    amd_unknown_machine: float = 0.025
    # Share of dials to office lines that reach a fax machine (AMD says "fax").
    fax_line: float = 0.006
    # Share of calls with a custom "Connected" disposition (id 20) instead of "Gatekeeper" when a
    # gatekeeper answers: reps use it for "spoke to someone", and it does not count as connected.
    custom_connected: float = 0.12
    # Share of records that carry "" rather than no key for a missing recording / transcript.
    empty_content: float = 0.4
    # Share of transcripts with stray control characters from the speech-to-text service.
    transcript_glitch: float = 0.15
    # Share of a contact's numbers flagged do-not-call by the team, or as a wrong number.
    do_not_call: float = 0.01
    wrong_number: float = 0.02

    # --- Planted effects (each has a "no effect" value, for tests that plant nothing) ---------
    # Caller numbers spam-labelled by carriers partway through (0 = none): the home numbers of
    # the busiest reps, used for most of their non-local dials (high velocity) with many short
    # ring-outs (the dialer hangs up early) -- what carriers' analytics react to.
    burned_numbers: int = 2
    # Days after the first day of data when the label starts (dials started on or after it).
    burn_start_day: int = 49
    # The burned numbers' answer rate (people and machines) is multiplied by this from then on.
    burn_answer_factor: float = 0.5
    # Human pick-up multiplier when the caller number shares the called number's area code (or,
    # outside NANP, its country), on the lists below (1 = none).
    local_presence_lift: float = 1.3
    # Indices of the lists (in `_LISTS`) where local presence has that effect.
    local_presence_lists: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    # Share of dials placed from a local number, where the rep's pool has one for the area code.
    local_share: float = 0.45
    # Human pick-up multiplier by attempt number (outbound dials to the same contact, in
    # started_at order; attempts past the end use the last value). (1.0,) = none.
    attempt_effect: tuple[float, ...] = (1.0, 1.12, 1.24, 1.33, 1.4, 1.42, 1.42, 1.4, 1.35, 1.3)
    # Share of ring-outs (no-answer) followed by a redial of the same contact 1-3 minutes later,
    # and that redial's human pick-up multiplier (1 = none).
    double_dial_share: float = 0.1
    double_dial_lift: float = 1.6
    # True: reps' skill is confounded with the lists they get (a strong rep works the weakest
    # lists, a weak one the warmest); False: every rep dials the same mix of lists.
    confounded_skill: bool = True
    # Reps dial in sessions separated by idle gaps of about this many minutes (lognormal around
    # it, plus a lunch break and the odd longer break); 0 = one session over the working day.
    session_gap_minutes: float = 25.0


KNOBS = Knobs()

# --------------------------------------------------------------------------------------------
# The cast: reps, contact lists, sequences, dispositions.
# --------------------------------------------------------------------------------------------

TEAM_NAME = "Brightwave - Sales Development"
_DOMAIN = "brightwave.io"
RECORDING_BASE = "https://recordings.example.com/calls/"


@dataclass(frozen=True)
class _RepSpec:
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


_REPS: tuple[_RepSpec, ...] = (
    _RepSpec("Maya", "Patel", "America/New_York", 1.15, 1.15, 1.35, ((0, 3), (9, 2), (5, 1), (1, 1))),
    _RepSpec("Jordan", "Reyes", "America/Chicago", 1.0, 1.0, 1.0, ((1, 2), (3, 2), (10, 1))),
    _RepSpec("Ethan", "Brooks", "America/New_York", 1.1, 0.92, 0.85, ((3, 2), (4, 1), (0, 1))),
    _RepSpec("Priya", "Nair", "America/Los_Angeles", 1.0, 1.1, 1.1, ((8, 3), (5, 1), (10, 1)), recording=0.55),
    _RepSpec("Lucas", "Meyer", "Europe/London", 0.8, 1.0, 1.05, ((6, 5), (10, 1))),
    _RepSpec("Sofia", "Alvarez", "America/Denver", 0.9, 0.8, 1.2, ((7, 1), (1, 2), (8, 2))),
    # Tyler is a strong rep on the weakest lists, Sofia a weak one on the warmest: raw rates rank
    # them the wrong way round (`Knobs.confounded_skill`).
    _RepSpec("Tyler", "Grant", "America/Chicago", 1.35, 1.25, 0.6, ((4, 4), (2, 2), (3, 1))),
    _RepSpec("Hannah", "Kim", "America/Los_Angeles", 0.9, 1.0, 0.95, ((8, 2), (2, 1), (5, 1))),
    _RepSpec("Marcus", "Webb", "America/New_York", 0.9, 0.85, 0.75, ((11, 2), (2, 1), (3, 2)), joined=21, email=False),
    _RepSpec("Olivia", "Chen", "America/New_York", 1.0, 1.05, 1.0, ((10, 2), (0, 1), (1, 1)), left=56),
)  # fmt: skip
# A team member who never dials (a manager): present in the team body, absent from call logs.
_MANAGER = ("Dana", "Whitfield")

_US_EAST_HEAVY = (
    ("America/New_York", 0.38), ("America/Chicago", 0.25), ("America/Denver", 0.08),
    ("America/Phoenix", 0.04), ("America/Los_Angeles", 0.25),
)  # fmt: skip
_US_WEST_HEAVY = (
    ("America/Los_Angeles", 0.55), ("America/Phoenix", 0.1), ("America/Denver", 0.15),
    ("America/Chicago", 0.1), ("America/New_York", 0.1),
)  # fmt: skip
_EUROPE = (
    ("Europe/London", 0.45), ("Europe/Berlin", 0.25), ("Europe/Amsterdam", 0.2),
    ("Europe/Dublin", 0.1),
)  # fmt: skip
_US_AND_EUROPE = (*_US_EAST_HEAVY[:-1], ("America/Los_Angeles", 0.17), ("Europe/London", 0.08))


@dataclass(frozen=True)
class _ListSpec:
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


_LISTS: tuple[_ListSpec, ...] = (
    _ListSpec("Enterprise VPs of Sales - Q3", "salesforce", 0.9, 1600, _US_EAST_HEAVY, (0.35, 0.45, 0.2), 1.0, -20, 0, "sales", (0,)),
    _ListSpec("Inbound Demo Requests", "hubspot", 0.95, 700, _US_EAST_HEAVY, (0.6, 0.3, 0.1), 1.6, -10, 1, "sales", (1,)),
    _ListSpec("Fall Expo Badge Scans", "csv", 0.6, 1500, _US_EAST_HEAVY, (0.3, 0.3, 0.4), 1.0, 35, 6, "mixed", (2,)),
    _ListSpec("Mid-Market IT Directors (export)", "csv", 0.55, 2200, _US_EAST_HEAVY, (0.2, 0.4, 0.4), 0.9, -5, 2, "it", (0,)),
    _ListSpec("SMB Founders - Scraped", "csv", 0.35, 2500, _US_EAST_HEAVY, (0.4, 0.1, 0.5), 0.75, -30, 6, "founder", ()),
    _ListSpec("Closed Lost - Re-engage", "salesforce", 0.85, 900, _US_EAST_HEAVY, (0.3, 0.5, 0.2), 1.15, -60, 3, "sales", (3,)),
    _ListSpec("EMEA Fintech Leaders", "hubspot", 0.8, 1100, _EUROPE, (0.5, 0.35, 0.15), 1.0, -15, 4, "finance", (4,)),
    _ListSpec("Partner Referrals", "manual", 0.9, 250, _US_EAST_HEAVY, (0.5, 0.4, 0.1), 1.5, -40, 5, "mixed", (1,)),
    _ListSpec("West Coast Healthcare Ops", "salesforce", 0.75, 1300, _US_WEST_HEAVY, (0.25, 0.45, 0.3), 0.95, -25, 7, "ops", (0,)),
    _ListSpec("Strategic Accounts - Manual Research", "manual", 0.7, 400, _US_EAST_HEAVY, (0.3, 0.5, 0.2), 1.1, -50, 0, "sales", ()),
    _ListSpec("Newsletter Signups", "hubspot", 0.6, 1800, _US_AND_EUROPE, (0.45, 0.15, 0.4), 0.85, -35, 9, "mixed", (0,)),
    _ListSpec("Webinar Attendees - September", "hubspot", 0.8, 800, _US_EAST_HEAVY, (0.5, 0.3, 0.2), 1.25, 42, 8, "mixed", (2, 1)),
)  # fmt: skip


@dataclass(frozen=True)
class _SequenceSpec:
    name: str
    pickup: float  # human pick-up multiplier
    meeting: float  # meeting multiplier


_SEQUENCES: tuple[_SequenceSpec, ...] = (
    _SequenceSpec("Cold Outbound - 7 Touch", 1.0, 1.0),
    _SequenceSpec("Inbound Lead Fast Follow-up", 1.35, 1.6),
    _SequenceSpec("Event Follow-up", 1.1, 1.15),
    _SequenceSpec("Closed Lost Win-back", 1.0, 0.9),
    _SequenceSpec("EMEA Fintech Outreach", 1.0, 1.0),
)

# (id, name, category, CRM outcome label): the 14 defaults of the API, then the team's own.
# The team syncs to a CRM whose call-outcome labels are coarser, hence `external_name`.
_DISPOSITIONS: tuple[tuple[int, str, str, str], ...] = (
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

# --------------------------------------------------------------------------------------------
# Vocabulary for contacts and call content.
# --------------------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_US_FIRST = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Chris Karen Daniel Lisa Matthew Nancy Anthony Betty Mark "
    "Sandra Steven Ashley Andrew Kimberly Joshua Emily Kevin Donna Brian Michelle Ryan Carol Jacob "
    "Amanda Nicholas Melissa Eric Stephanie Jonathan Rebecca Justin Laura Brandon Rachel Samuel "
    "Megan Gregory Lauren Alexander Olivia Derek Priyanka Wei Carlos Ana Luis Mei Andre Aisha"
)
_US_LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Shah Kapoor Chen "
    "Wang Kowalski Okafor Sullivan Murphy Bennett Hughes Foster Price Brooks Sanders Ross Morales"
)
_EU_FIRST = _words(
    "Oliver Amelia Harry Isla George Ava Noah Emily Jack Sophie Lukas Hannah Felix Lena Jonas Mia "
    "Maximilian Lea Daan Emma Sem Julia Lucas Saoirse Conor Aoife Sean Niamh Thomas Charlotte "
    "Henrik Ingrid Matteo Giulia Pierre Camille"
)
_EU_LAST = _words(
    "Smith Jones Taylor Brown Williams Wilson Evans Thomas Roberts Walsh Byrne Murphy Kelly Mueller "
    "Schmidt Schneider Fischer Weber Wagner Becker Hoffmann Janssen Jansen Dekker Meijer Smit "
    "Bakker Visser Dubois Rossi Lindqvist Hansen"
)
_COMPANY_A = _words(
    "Blue Peak North Summit Iron Bright Clear Silver Red Oak Granite Harbor Cedar Falcon Atlas Nova "
    "Pioneer Vector Crescent Maple Quantum Sterling Horizon Apex Evergreen Beacon Cobalt Meridian "
    "Lumen Keystone Orbit Prairie Tidal Copper Juniper Vertex"
)
_COMPANY_B = _words(
    "Logistics Health Systems Labs Analytics Software Capital Payments Networks Robotics Foods "
    "Energy Security Cloud Media Bio Devices Insurance Partners Data Freight Learning Retail Works"
)
_LEGAL = ("Inc.", "LLC", "Corp.", "Group", "Holdings")
_EU_LEGAL = ("Ltd", "GmbH", "B.V.", "plc", "AG")
_INDUSTRIES = ("Logistics", "Healthcare", "Fintech", "SaaS", "Manufacturing", "Retail", "Insurance")
_TITLES = {
    "sales": ("VP of Sales", "Head of Sales Development", "Director of Sales", "CRO",
              "Sales Operations Manager", "VP Revenue Operations", "Director of Inside Sales"),
    "it": ("IT Director", "Director of Infrastructure", "Head of IT", "CIO", "IT Manager",
           "VP of Engineering"),
    "founder": ("Founder", "Co-Founder & CEO", "CEO", "Owner", "Managing Partner", "COO"),
    "finance": ("CFO", "Head of Finance", "Finance Director", "Head of Payments",
                "VP Finance Operations", "Chief Risk Officer"),
    "ops": ("Director of Operations", "VP Operations", "Practice Manager", "COO",
            "Revenue Cycle Director", "Head of Patient Access"),
}  # fmt: skip
_TITLES["mixed"] = tuple(t for key in ("sales", "it", "ops", "founder") for t in _TITLES[key][:3])

# Area codes by time zone (US), and E.164 prefixes for Europe, for realistic-looking numbers.
_AREA_CODES = {
    "America/New_York": ("212", "646", "617", "404", "305", "215", "704", "202"),
    "America/Chicago": ("312", "773", "214", "713", "512", "612", "615"),
    "America/Denver": ("303", "720", "801", "505"),
    "America/Phoenix": ("602", "480", "520"),
    "America/Los_Angeles": ("213", "310", "415", "408", "206", "503", "619"),
}
# (calling code, area codes, the last two for mobiles, national significant number length).
_EUROPE_PHONE = {
    "Europe/London": ("+44", ("20", "161", "131", "7700", "7911"), 10),
    "Europe/Berlin": ("+49", ("30", "89", "40", "151", "170"), 11),
    "Europe/Amsterdam": ("+31", ("20", "10", "6", "6"), 9),
    "Europe/Dublin": ("+353", ("1", "87", "86"), 9),
}

# What a contact record says for its zone, as CRMs and CSV imports spell it: mostly the US
# abbreviation, sometimes the standard or daylight form or the long name. Arizona keeps its IANA
# name (it has no daylight time, so "MT" would be wrong half the year); Europe uses IANA names.
_TZ_LABELS: dict[str, tuple[tuple[str, float], ...]] = {
    "America/New_York": (("ET", 0.7), ("EST", 0.12), ("EDT", 0.06), ("Eastern", 0.12)),
    "America/Chicago": (("CT", 0.7), ("CST", 0.12), ("CDT", 0.06), ("Central", 0.12)),
    "America/Denver": (("MT", 0.7), ("MST", 0.12), ("MDT", 0.06), ("Mountain", 0.12)),
    "America/Los_Angeles": (("PT", 0.7), ("PST", 0.12), ("PDT", 0.06), ("Pacific", 0.12)),
}
_LABEL_ZONES = {label: zone for zone, labels in _TZ_LABELS.items() for label, _ in labels}
# How a contact's numbers are written (one style per contact): not normalised, as imported.
_PHONE_STYLES = (("e164", 0.6), ("paren", 0.15), ("dots", 0.1), ("intl", 0.1), ("digits", 0.05))
_GLITCHES = ("\x01", "\x0b", "\t", "\x0c", "\x1f", "\r")

_PAINS = (
    "pipeline reporting still lives in spreadsheets",
    "connect rates on cold lists have dropped this year",
    "forecast calls take a full day every week",
    "reps spend too long on manual CRM updates",
    "no visibility into which lists actually convert",
    "new hires take four months to ramp",
    "the team is switching dialers next quarter",
    "leadership wants call coaching at scale",
)
_WHEN = ("Tuesday at 10am", "Thursday afternoon", "next Monday at 2pm", "Wednesday at 11:30",
         "Friday morning", "early next week")  # fmt: skip


# --------------------------------------------------------------------------------------------
# Small helpers: ids, timestamps, time zones.
# --------------------------------------------------------------------------------------------


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _iso_s(t: datetime) -> str:
    """ISO 8601 UTC without milliseconds, as the API writes started_at / ended_at."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_ms(t: datetime) -> str:
    """ISO 8601 UTC with milliseconds, as the API writes createdAt / updatedAt."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _object_id(rng: random.Random, at: datetime) -> str:
    """A MongoDB-style ObjectId: 8 hex of epoch seconds, then 16 random hex."""
    return f"{int(at.timestamp()):08x}{_hex(rng, 16)}"


@cache
def _utc_offset(tz: str, day: date) -> timedelta:
    # Offsets at local noon: dials happen 7:00-21:00, far from the 1:00-3:00 DST switches.
    offset = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(tz)).utcoffset()
    assert offset is not None
    return offset


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


def _lognormal(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    return max(low, min(high, round(median * math.exp(rng.gauss(0.0, sigma)))))


def _pick(rng: random.Random, weighted: Sequence[tuple[_T, float]]) -> _T:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


# --------------------------------------------------------------------------------------------
# The cast, built: users, lists with their contacts, sequences, dispositions.
# --------------------------------------------------------------------------------------------


@dataclass
class _Contact:
    record: Record  # the contact object as call logs carry it
    timezone: str  # where the person really is (the record may not say)
    phone_type: str  # type of the number the dialer calls
    number: str  # the number the dialer calls (E.164)
    bad: bool  # dead / disconnected number
    stale: bool  # moved on, or the wrong person
    propensity: float  # the person's own pick-up multiplier (mean 1)
    attempts: int = 0  # outbound dials so far
    touches: int = 10  # attempts before the team gives up on the contact
    done: bool = False  # reached, dead or asked not to be called: out of the redial queue
    due: int = -1  # the day it is due again on a redial queue (-1: not queued)
    _json: str = ""

    def snapshot(self) -> Record:
        # Each call carries its own copy: JSON round-trip is the fastest deep copy of plain data.
        if not self._json:
            self._json = json.dumps(self.record)
        return json.loads(self._json)


@dataclass
class _List:
    spec: _ListSpec
    record: Record
    ref: Record  # {_id, name}, as a call log carries it
    contacts: list[_Contact] = field(default_factory=list)


@dataclass
class _Rep:
    spec: _RepSpec
    user: Record
    numbers: tuple[str, ...]  # home caller ids (the rep's own area)
    local: dict[str, str]  # area key (`_area_key`) -> the rep's caller id with that area code
    start: float  # usual first dial of the day, rep-local hours
    queue: list[tuple[int, int, _Contact]] = field(default_factory=list)  # (due day, n, contact)


@dataclass
class _Cast:
    reps: list[_Rep]
    lists: list[_List]
    sequences: list[Record]
    dispositions: dict[int, Record]
    team: Record


def format_number(e164: str, style: str) -> str:
    """A NANP number in E.164 written in `style` (other numbers stay E.164).

    >>> format_number("+12125550143", "paren"), format_number("+12125550143", "digits")
    ('(212) 555-0143', '12125550143')
    """
    if not e164.startswith("+1") or len(e164) != 12:
        return e164
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return {
        "e164": e164,
        "paren": f"({area}) {exchange}-{line}",
        "dots": f"{area}.{exchange}.{line}",
        "intl": f"+1 {area}-{exchange}-{line}",
        "digits": f"1{area}{exchange}{line}",
    }[style]


def e164_of(text: str) -> str:
    """The E.164 form of a number written by `format_number` (a bare 10-digit number is NANP)."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return ""
    if not text.lstrip().startswith("+") and len(digits) == 10:
        return f"+1{digits}"
    return f"+{digits}"


def _zone_label(rng: random.Random, tz: str) -> str:
    labels = _TZ_LABELS.get(tz)
    return _pick(rng, labels) if labels else tz


def _us_number(rng: random.Random, tz: str, area: str | None = None) -> str:
    area = area or rng.choice(_AREA_CODES[tz])
    return f"+1{area}{rng.randrange(2, 10)}{rng.randrange(10, 100)}{rng.randrange(10000):04d}"


def _area_key(e164: str) -> str:
    """What makes two numbers "local" to each other: the NANP area code, else the country."""
    if e164.startswith("+1"):
        return e164[:5]
    return next((cc for cc, _, _ in _EUROPE_PHONE.values() if e164.startswith(cc)), e164[:3])


def _local_pool(rng: random.Random, home: str) -> dict[str, str]:
    """A rep's local-presence caller ids: one number for about half the area codes of the
    region the rep calls (US reps: every US zone; the London rep: one per European country), so
    a local number exists for many contacts but not all.
    """
    if home.startswith("Europe/"):
        numbers = [_phone_number(rng, tz, "direct")[0] for tz in _EUROPE_PHONE]
    else:
        areas = [a for codes in _AREA_CODES.values() for a in codes if rng.random() < 0.5]
        numbers = [_us_number(rng, "", area) for area in areas]
    return {_area_key(n): n for n in numbers}


def _phone_number(rng: random.Random, tz: str, phone_type: str) -> tuple[str, str]:
    """(E.164 number, calling code such as "+1") for a contact in `tz`."""
    if tz in _AREA_CODES:
        return _us_number(rng, tz), "+1"
    prefix, areas, length = _EUROPE_PHONE[tz]
    area = areas[-2:][rng.randrange(2)] if phone_type == "mobile" else rng.choice(areas[:-2])
    rest = length - len(area) - (area == "1")  # Dublin's 01 numbers are one digit shorter
    # A leading 1 after the area code is an allocated range in each of these plans.
    return f"{prefix}{area}1{rng.randrange(10 ** (rest - 1)):0{rest - 1}d}", prefix


def _user(rng: random.Random, first: str, last: str, *, email: bool = True) -> Record:
    user = {
        "_id": _hex(rng, 24),
        "email": f"{first.lower()}.{last.lower()}@{_DOMAIN}",
        "first_name": first,
        "last_name": last,
    }
    if not email:
        del user["email"]
    return user


def _company(rng: random.Random, european: bool) -> tuple[str, str, str]:
    """(company, account, domain)."""
    name = f"{rng.choice(_COMPANY_A)}{rng.choice(_COMPANY_B).lower()}"
    name = name if rng.random() < 0.5 else f"{rng.choice(_COMPANY_A)} {rng.choice(_COMPANY_B)}"
    legal = rng.choice(_EU_LEGAL if european else _LEGAL)
    tld = {"Ltd": ".co.uk", "plc": ".co.uk", "GmbH": ".de", "AG": ".de", "B.V.": ".nl"}.get(
        legal, ".com"
    )
    return name, f"{name} {legal}", name.lower().replace(" ", "") + tld


def _missing(record: Record, key: str, source: str) -> None:
    # How a missing value looks depends on where the list came from: CSV imports carry empty
    # strings, CRM syncs carry nulls, hand-made lists leave the field out.
    if source == "csv":
        record[key] = ""
    elif source in ("hubspot", "salesforce"):
        record[key] = None
    else:
        record.pop(key, None)


class _ObjectIds:
    """MongoDB ObjectIds made by one import: the same time and machine, a counter."""

    def __init__(self, rng: random.Random, at: datetime) -> None:
        self.prefix = f"{int(at.timestamp()):08x}{_hex(rng, 10)}"
        self.counter = rng.getrandbits(24)

    def __call__(self) -> str:
        self.counter = (self.counter + 1) % (1 << 24)
        return f"{self.prefix}{self.counter:06x}"


def _make_contact(
    rng: random.Random,
    spec: _ListSpec,
    companies: list[tuple[str, str, str]],
    new_id: Callable[[], str],
) -> _Contact:
    q = spec.quality
    tz = _pick(rng, spec.regions)
    european = tz.startswith("Europe/")
    first = rng.choice(_EU_FIRST if european else _US_FIRST)
    last = rng.choice(_EU_LAST if european else _US_LAST)
    company, account, domain = rng.choice(companies)
    phone_type = str(
        _pick(rng, tuple(zip(("mobile", "direct", "office"), spec.phones, strict=True)))
    )
    number, country_code = _phone_number(rng, tz, phone_type)
    style = _pick(rng, _PHONE_STYLES)
    phones = [_phone_entry(rng, new_id(), phone_type, number, country_code, style)]
    if phone_type == "office" and rng.random() < 0.3:
        phones[0]["extension"] = str(rng.randrange(100, 9999))
    if rng.random() < 0.35:
        other = "office" if phone_type != "office" else "mobile"
        phones.append(
            _phone_entry(
                rng, new_id(), other, _phone_number(rng, tz, other)[0], country_code, style
            )
        )
    slug = f"{first}-{last}".lower().replace(" ", "")
    record: Record = {
        "_id": new_id(),
        "source": spec.source,
        "first_name": first,
        "last_name": last,
        "email": f"{first[0].lower()}{last.lower().replace(' ', '')}@{domain}",
        "company": company,
        "title": rng.choice(_TITLES[spec.persona]),
        "account": account,
        "linkedin": f"https://www.linkedin.com/in/{slug}-{_hex(rng, 6)}",
        "website": f"https://www.{domain}",
        "priority": rng.choices((1, 2, 3, 4, 5), (1, 2, 4, 2, 1))[0],
        "timezone": _zone_label(rng, tz),
        "phone_numbers": phones,
        "external_relations": _external_relations(rng, spec.source),
        "custom_fields": _custom_fields(rng),
    }
    if rng.random() < 0.05:
        record["notes"] = rng.choice(("Met at conference", "Prefers email first", "Ex-customer",
                                      "Champion at previous company"))  # fmt: skip
    # Poorer lists lack more fields; the phone number is always there (the dialer needs it).
    for key, base, slope in (("email", 0.03, 0.55), ("title", 0.05, 0.6), ("timezone", 0.02, 0.45),
                             ("linkedin", 0.1, 0.8), ("website", 0.05, 0.4)):  # fmt: skip
        if rng.random() < base + slope * (1 - q):
            if key == "timezone":  # live records: a blank zone, or none at all
                if spec.source in ("csv", "salesforce"):
                    record[key] = ""
                else:
                    del record[key]
            else:
                _missing(record, key, spec.source)
    bad = rng.random() < 0.01 + 0.3 * (1 - q) ** 1.5
    stale = rng.random() < 0.02 + 0.22 * (1 - q)
    propensity = math.exp(rng.gauss(-0.125, 0.5))
    return _Contact(record, tz, phone_type, number, bad, stale, propensity)


def _phone_entry(
    rng: random.Random, entry_id: str, phone_type: str, e164: str, country_code: str, style: str
) -> Record:
    """One `contact.phone_numbers[]` item as live records carry it."""
    return {
        "_id": entry_id,
        "type": phone_type,
        "number": format_number(e164, style),
        "country_code": country_code,
        "extension": "",
        "do_not_call": rng.random() < KNOBS.do_not_call,
        "is_wrong_number": rng.random() < KNOBS.wrong_number,
        "total_calls": 0,  # counted from the calls once they are made (`_finish`)
        "validation": None,
        "call_classification": None,
    }


def _external_relations(rng: random.Random, source: str) -> Record:
    if source == "hubspot":
        return {"hubspot_contact_id": str(rng.randrange(10**9, 10**11))}
    if source == "salesforce":
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        return {"salesforce_id": "003" + "".join(rng.choice(alphabet) for _ in range(15))}
    return {}


def _custom_fields(rng: random.Random) -> list[Record]:
    fields: list[Record] = []
    if rng.random() < 0.6:
        fields.append({"type": "text", "label": "Industry", "value": rng.choice(_INDUSTRIES)})
    if rng.random() < 0.4:
        fields.append({"type": "number", "label": "Employees",
                       "value": rng.choice((25, 60, 120, 250, 480, 900, 2200, 5000))})  # fmt: skip
    return fields


def _is_good_quality(contact: _Contact) -> bool:
    r = contact.record
    return not contact.bad and bool(r.get("email")) and bool(r.get("timezone"))


def _build_cast(seed: int, start: date, days: int) -> _Cast:
    rng = random.Random(f"dialstats-demo-cast:{seed}")
    reps = []
    for spec in _REPS:
        home = spec.timezone if spec.timezone in _AREA_CODES else "Europe/London"
        numbers = tuple(_phone_number(rng, home, "direct")[0] for _ in range(2))
        user = _user(rng, spec.first_name, spec.last_name, email=spec.email)
        # Reps start their day at different times (8:00-9:45 in their own zone).
        start_hour = 8.0 + rng.randrange(8) * 0.25
        reps.append(_Rep(spec, user, numbers, _local_pool(rng, home), start_hour))
    manager = _user(rng, *_MANAGER, email=False)
    team_users = [
        {"user": rep.user, "license": "parallel_dialer",
         "status": "inactive" if rep.spec.left is not None and rep.spec.left < days else "active"}
        for rep in reps
    ]  # fmt: skip
    team_users.append({"user": manager, "status": "active", "license": "viewer"})
    team = {"_id": _hex(rng, 24), "name": TEAM_NAME, "users": team_users}

    dispositions = {
        did: {"_id": _hex(rng, 24), "id": did, "name": name, "category": category,
              "is_custom": did > _N_DEFAULT_DISPOSITIONS,
              "is_required": did <= _N_DEFAULT_DISPOSITIONS}
        for did, name, category, _ in _DISPOSITIONS
    }  # fmt: skip
    sequences = [{"id": _hex(rng, 24), "name": s.name} for s in _SEQUENCES]
    lists = []
    for spec in _LISTS:
        # Imported the working day before its first possible dial.
        created = datetime(start.year, start.month, start.day, 15, tzinfo=UTC) + timedelta(
            days=spec.created - 1, seconds=rng.randrange(4 * 3600), milliseconds=rng.randrange(1000)
        )
        european = spec.regions is _EUROPE
        companies = [_company(rng, european) for _ in range(max(20, spec.size // 4))]
        new_id = _ObjectIds(rng, created)
        contacts = [_make_contact(rng, spec, companies, new_id) for _ in range(spec.size)]
        record = {
            "_id": _object_id(rng, created),
            "name": spec.name,
            "source": spec.source,
            "user": reps[spec.owner].user,
            "total_contacts": spec.size,
            "good_quality_contacts": sum(map(_is_good_quality, contacts)),
            "createdAt": _iso_ms(created),
        }
        lists.append(_List(spec, record, {"_id": record["_id"], "name": spec.name}, contacts))
    return _Cast(reps, lists, sequences, dispositions, team)


# --------------------------------------------------------------------------------------------
# One call: outcome, disposition, duration, content.
# --------------------------------------------------------------------------------------------


@dataclass
class _Dial:
    """Everything that shapes one call's outcome."""

    user: Record
    caller_id: str
    contact: _Contact | None  # None: manual dial or unknown inbound caller
    contact_record: Record  # what the call log carries ({} when unknown)
    list_ref: Record  # {_id, name} or {}
    sequence: Record | None  # {_id, name} or None
    started: datetime  # UTC
    inbound: bool = False
    pickup: float = 1.0  # rep x list x sequence human pick-up multiplier
    close: float = 1.0  # rep x sequence meeting multiplier
    recording: float = 1.0
    attempt: int = 1  # outbound dials to this contact so far, this one included
    local: bool = False  # caller id shares the called number's area code (`_area_key`)
    local_effect: bool = False  # ... on a list where local presence works
    double: bool = False  # a redial within minutes of a ring-out
    burner: bool = False  # from a number that gets spam-labelled
    labelled: bool = False  # ... and the label is on
    human_p: float = 0.0  # the planted chance that a person picks up (for `Dataset.truth`)


@dataclass
class _Result:
    outcome: str
    answered_by: str | None
    disposition: int | None
    duration: int


def _local_hour(dial: _Dial, tz: str) -> int:
    return (dial.started + _utc_offset(tz, dial.started.date())).hour


def _simulate(rng: random.Random, dial: _Dial, knobs: Knobs) -> _Result:
    if dial.inbound:
        return _inbound(rng, dial, knobs)
    contact = dial.contact
    dial.human_p = 0.0
    if contact is not None and contact.bad:
        return _dead_number(rng)
    tz = contact.timezone if contact is not None else "America/New_York"
    phone_type = contact.phone_type if contact is not None else "direct"
    hour = _local_hour(dial, tz)
    weekday = (dial.started + _utc_offset(tz, dial.started.date())).weekday()
    hour_effect = dict(knobs.hour_effect).get(hour, 0.3)
    human = (
        knobs.human_pickup * hour_effect * knobs.weekday_effect[weekday] * dial.pickup
        * dict(knobs.phone_pickup)[phone_type] * (contact.propensity if contact else 1.0)
    )  # fmt: skip
    human = min(human * _planted(dial, knobs), 0.75)
    machine = knobs.machine_pickup * (1.15 - 0.15 * hour_effect)
    if dial.labelled:  # "Spam Likely" on the screen, or blocked: people and machines answer less
        human, machine = human * knobs.burn_answer_factor, machine * knobs.burn_answer_factor
    machine = min(machine, 0.95 - human)
    dial.human_p = human
    if phone_type == "office" and rng.random() < knobs.fax_line:
        return _Result("answered", "fax", BAD_NUMBER, rng.randrange(3, 16))
    u = rng.random()
    if u < knobs.cancel_rate:
        return _Result("cancelled", None, CANCELLED, rng.randrange(0, 6))
    u -= knobs.cancel_rate
    if u < human:
        return _unclassified(
            rng, _human_answer(rng, dial, knobs, phone_type), knobs.amd_unknown_human
        )
    if u < human + machine:
        return _unclassified(rng, _machine_answer(rng, dial, knobs), knobs.amd_unknown_machine)
    disposition = rng.choices((NO_ANSWER, GATEKEEPER, BAD_NUMBER), (97, 1.5, 1.5))[0]
    if dial.burner and rng.random() < 0.7:  # the dialer drops unanswered lines after a few rings
        return _Result("no-answer", None, disposition, rng.randrange(3, 10))
    return _Result("no-answer", None, disposition, _ring_out(rng))


def _planted(dial: _Dial, knobs: Knobs) -> float:
    """The human pick-up multiplier of the planted effects: attempt, double dial, local."""
    effect = knobs.attempt_effect[min(dial.attempt, len(knobs.attempt_effect)) - 1]
    if dial.double:
        effect *= knobs.double_dial_lift
    if dial.local_effect:
        effect *= knobs.local_presence_lift
    return effect


def _unclassified(rng: random.Random, result: _Result, share: float) -> _Result:
    """AMD gives up ("unknown") on a share of answers; the call itself goes on the same."""
    if rng.random() < share:
        result.answered_by = "unknown"
    return result


def _ring_out(rng: random.Random) -> int:
    return _lognormal(rng, 26, 0.25, 8, 60)


def _dead_number(rng: random.Random) -> _Result:
    u = rng.random()
    if u < 0.6:  # fast busy / SIT tones
        return _Result("no-answer", None, BAD_NUMBER, rng.randrange(1, 7))
    if u < 0.85:  # "the number you have dialled is not in service": AMD hears a machine
        return _Result("answered", "machine_start", BAD_NUMBER, rng.randrange(4, 13))
    if u < 0.95:
        return _Result("cancelled", None, CANCELLED, rng.randrange(0, 4))
    return _Result("no-answer", None, NO_ANSWER, _ring_out(rng))


def _voicemail(rng: random.Random, knobs: Knobs) -> tuple[int, int]:
    """(disposition, duration) when a machine takes the call."""
    if rng.random() < knobs.voicemail_left:
        # ring, greeting, beep, the rep's pre-recorded drop
        return VOICEMAIL, _lognormal(rng, 46, 0.2, 22, 120)
    return NO_ANSWER, _lognormal(rng, 17, 0.35, 5, 45)


def _human_answer(rng: random.Random, dial: _Dial, knobs: Knobs, phone_type: str) -> _Result:
    if rng.random() < knobs.amd_false_human:  # a machine the detector took for a person
        disposition, duration = _voicemail(rng, knobs)
        return _Result("answered", "human", disposition, duration)
    if rng.random() < dict(knobs.gatekeeper)[phone_type]:
        disposition = rng.choices((GATEKEEPER, 4, 6), (85, 8, 7))[0]
        if disposition == GATEKEEPER and rng.random() < knobs.custom_connected:
            disposition = CUSTOM_CONNECTED
        return _Result("answered", "human", disposition, _lognormal(rng, 38, 0.45, 10, 180))
    contact = dial.contact
    if (contact is not None and contact.stale) or rng.random() < 0.03:
        disposition = rng.choices((2, 5, NOT_DECISION_MAKER, 4), (40, 35, 18, 7))[0]
        return _Result("answered", "human", disposition, _lognormal(rng, 28, 0.5, 6, 150))
    return _decision_maker(rng, dial, knobs, "human")


def _decision_maker(rng: random.Random, dial: _Dial, knobs: Knobs, answered_by: str) -> _Result:
    conversation = knobs.conversation_share * math.sqrt(dial.close)
    if rng.random() >= conversation:  # brush-off
        disposition = rng.choices((3, 6, 9, 8), (50, 25, 10, 15))[0]
        return _Result("answered", answered_by, disposition, _lognormal(rng, 24, 0.45, 4, 90))
    if rng.random() < knobs.meeting_share * dial.close:
        return _Result("answered", answered_by, MEETING, _lognormal(rng, 370, 0.45, 90, 2400))
    disposition = rng.choices((3, 6, 7, 8, 4, 9, FOLLOW_UP), (28, 20, 14, 20, 6, 5, 7))[0]
    return _Result("answered", answered_by, disposition, _lognormal(rng, 150, 0.6, 20, 1800))


def _machine_answer(rng: random.Random, dial: _Dial, knobs: Knobs) -> _Result:
    label = _pick(rng, knobs.machine_labels)
    if rng.random() < knobs.amd_false_machine:  # a person the detector took for a machine
        return _decision_maker(rng, dial, knobs, label)
    disposition, duration = _voicemail(rng, knobs)
    return _Result("answered", label, disposition, duration)


def _inbound(rng: random.Random, dial: _Dial, knobs: Knobs) -> _Result:
    if rng.random() < 0.28:  # the rep missed the callback
        return _Result("no-answer", None, NO_ANSWER, _lognormal(rng, 22, 0.3, 6, 60))
    if dial.contact is None:  # unknown numbers: wrong numbers, vendors, robocalls
        disposition = rng.choices((5, 3, 6, None), (35, 20, 15, 30))[0]
        return _Result("answered", "human", disposition, _lognormal(rng, 45, 0.7, 5, 600))
    # A prospect calling back is warm.
    disposition = rng.choices((MEETING, 6, 8, 3, 4, 7, FOLLOW_UP), (18, 25, 20, 12, 5, 10, 10))[0]
    return _Result("answered", "human", disposition, _lognormal(rng, 200, 0.6, 20, 1800))


def _is_conversation(result: _Result) -> bool:
    d = result.disposition
    connected = result.answered_by == "human" and d is not None and d < 10
    return connected and (d == MEETING or result.duration >= 60)


# --- call content ---------------------------------------------------------------------------

_OPENERS = (
    "Hi {first}, it's {rep} from Brightwave. I know I'm calling out of the blue - do you have 30 seconds?",
    "Hey {first}, {rep} with Brightwave here. Did I catch you at a bad time?",
    "Good {daypart} {first}, this is {rep} at Brightwave. I'll be quick, promise.",
)
_REP_LINES = (
    "How are you handling call reporting for the team today?",
    "When you look at last quarter, where did pipeline fall short?",
    "Who else at {company} weighs in on tooling for the sales floor?",
    "What does your team use to see which lists actually convert?",
    "If you could fix one thing about how your reps spend their day, what would it be?",
    "We help teams like yours see connect rates by rep, list and hour of day.",
    "Most teams we talk to find their best hours are early morning and late afternoon.",
    "Would it help to see how other {industry} teams set this up?",
)
_PROSPECT_LINES = (
    "Honestly, {pain}.",
    "We looked at something like this last year but it stalled.",
    "It's mostly exports and a lot of manual work, to be fair.",
    "I'd need to loop in our ops lead on that.",
    "Budget is tight this quarter, but I'm listening.",
    "That's actually been a topic in our last two leadership meetings.",
    "We have about {reps} reps on the phones right now.",
    "Send me something I can forward, and keep it short.",
)
_CLOSINGS = {
    MEETING: ("Rep: Would {when} work for a 30-minute walkthrough?", "Prospect: That works. Send the invite."),
    3: ("Rep: Fair enough - mind if I ask what you're using today?", "Prospect: We're all set, thanks. Not interested."),
    4: ("Prospect: You really want to talk to our head of RevOps, not me.", "Rep: Appreciate it - I'll reach out and mention you."),
    6: ("Prospect: I'm between meetings - can you try me later this week?", "Rep: Sure, I'll call back {when}."),
    7: ("Prospect: We're locked in a contract until spring. Try me in six months.", "Rep: Will do, I'll note that."),
    8: ("Prospect: Just send me an email with the details.", "Rep: Sending it over right after this call."),
    9: ("Prospect: Please take me off your list.", "Rep: Understood, I'll remove you. Sorry for the interruption."),
    FOLLOW_UP: ("Prospect: Let me check with my team and get back to you.", "Rep: I'll set a follow-up for Friday."),
}  # fmt: skip
_SUMMARIES = {
    MEETING: "{who} agreed to a 30-minute demo {when}. Key pain: {pain}. Calendar invite sent.",
    3: "{first} at {company} is not interested right now; the team is happy with its current setup.",
    4: "{first} referred us to their head of RevOps at {company}; reach out mentioning {first}.",
    6: "{who} asked for a call back {when}. Mentioned that {pain}.",
    7: "{first} at {company} is under contract; re-engage in six months. Pain noted: {pain}.",
    8: "{first} asked for an email with pricing and a customer story from {industry}.",
    9: "{first} asked not to be called again. Contact marked do-not-call.",
    FOLLOW_UP: "{first} will review internally; follow-up task created for Friday.",
}  # fmt: skip
_NOTES = {
    MEETING: ("Demo booked {when}", "Meeting set - wants to see list analytics", "Booked! Send prep deck"),
    2: ("Left the company", "No longer there - find replacement"),
    3: ("Not interested", "NI - happy with current vendor", "Hung up quickly"),
    4: ("Referred to head of RevOps", "Referral - reach out to ops lead"),
    5: ("Wrong person", "Wrong contact - update CRM"),
    6: ("Call back {when}", "Busy, call back later this week"),
    7: ("Contract renews in spring - 6 months", "Revisit next half"),
    8: ("Send email w/ pricing", "Wants one-pager by email"),
    9: ("DNC", "Asked to be removed"),
    VOICEMAIL: ("VM left", "Left VM #2", "VM - mentioned webinar"),
    GATEKEEPER: ("Gatekeeper - try direct line", "EA took message, try mornings"),
    BAD_NUMBER: ("Number disconnected", "Bad number - fix in CRM"),
    FOLLOW_UP: ("Follow up Friday", "Task created - check in w/ team"),
    NOT_DECISION_MAKER: ("Not the DM - ask for VP", "Intern answered, not DM"),
}  # fmt: skip


def _fill(rng: random.Random, text: str, dial: _Dial, hour: int) -> str:
    contact = dial.contact_record
    first = contact.get("first_name") or "The caller"
    company = contact.get("company") or "their company"
    title = contact.get("title")
    return text.format(
        first=first,
        who=f"{first} ({title}, {company})" if title else f"{first} ({company})",
        company=company,
        rep=dial.user.get("first_name", ""),
        when=rng.choice(_WHEN),
        pain=rng.choice(_PAINS),
        industry=rng.choice(_INDUSTRIES),
        reps=rng.choice((6, 12, 20, 35, 60)),
        daypart="morning" if hour < 12 else "afternoon",
    )


def _transcript(rng: random.Random, dial: _Dial, result: _Result, hour: int) -> str:
    if dial.inbound:
        caller = "it's {first} - returning your call" if dial.contact_record else "I missed a call"
        lines = ["Rep: Brightwave, this is {rep}.", f"Prospect: Hi, {caller}."]
    else:
        lines = [f"Rep: {rng.choice(_OPENERS)}", "Prospect: Sure, go ahead."]
    # Longer calls cover more ground; no line twice in one call.
    exchanges = max(1, min(len(_PROSPECT_LINES), result.duration // 40))
    for rep_line, prospect_line in zip(
        rng.sample(_REP_LINES, exchanges), rng.sample(_PROSPECT_LINES, exchanges), strict=True
    ):
        lines += [f"Rep: {rep_line}", f"Prospect: {prospect_line}"]
    lines.extend(_CLOSINGS.get(result.disposition or 0, ("Rep: Thanks for your time.",)))
    return _fill(rng, "\n".join(lines), dial, hour)


def _glitch(rng: random.Random, text: str) -> str:
    """`text` with one to three spaces turned into stray control characters."""
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    chars = list(text)
    for i in rng.sample(spaces, min(len(spaces), rng.randint(1, 3))):
        chars[i] = rng.choice(_GLITCHES)
    return "".join(chars)


def is_machine(answered_by: object) -> bool:
    """Whether an `answered_by` value means a machine (Twilio's ``machine_*`` values)."""
    return isinstance(answered_by, str) and answered_by.startswith("machine_")


def _content(rng: random.Random, dial: _Dial, result: _Result, knobs: Knobs, rec: Record) -> float:
    """Add recording, notes, transcript and summary; return seconds until the last update."""
    hour = _local_hour(dial, dial.contact.timezone if dial.contact else "America/New_York")
    answered = result.outcome == "answered"
    voicemail_drop = is_machine(result.answered_by) and result.disposition == VOICEMAIL
    recorded = (
        answered and result.duration >= 5 and rng.random() < knobs.recording_share * dial.recording
    )
    if recorded or (voicemail_drop and rng.random() < 0.9):
        rec["recording_url"] = f"{RECORDING_BASE}{rec['call_id']}.mp3"
    elif rng.random() < knobs.empty_content:
        rec["recording_url"] = ""
    update = 0.0
    if recorded and _is_conversation(result) and rng.random() < knobs.transcript_share:
        rec["transcription"] = _transcript(rng, dial, result, hour)
        if rng.random() < knobs.transcript_glitch:
            rec["transcription"] = _glitch(rng, rec["transcription"])
        known = bool(dial.contact_record)  # summaries name the contact
        if known and rng.random() < knobs.summary_share and result.disposition in _SUMMARIES:
            rec["summary"] = _fill(rng, _SUMMARIES[result.disposition], dial, hour)
            update = rng.uniform(20, 240)  # the AI summary lands after the record is created
    elif recorded and rng.random() < knobs.empty_content:
        rec["transcription"] = ""
    note_chance = 0.65 if result.answered_by == "human" else 0.1 if answered else 0.02
    pool = _NOTES.get(result.disposition or 0)
    if pool and rng.random() < note_chance:
        rec["notes"] = _fill(rng, rng.choice(pool), dial, hour)
        if rng.random() < knobs.late_notes:
            update = max(update, rng.uniform(120, 6 * 3600))
    if rng.random() < knobs.crm_touch:
        update = max(update, rng.uniform(60, 1800))
    return update


def _call_record(
    rng: random.Random, dial: _Dial, result: _Result, knobs: Knobs
) -> tuple[Record, float]:
    """The call-log record of a simulated dial, and seconds until its last update."""
    ended = dial.started + timedelta(seconds=result.duration)
    created = ended + timedelta(milliseconds=rng.randrange(1000, 8000))
    contact_number = dial.contact.number if dial.contact else _us_number(rng, "America/Chicago")
    rec: Record = {
        "_id": "",  # assigned once the calls are in creation order
        "call_id": f"CA{_hex(rng, 32)}",
        "outcome": result.outcome,
        "direction": "inbound" if dial.inbound else "outbound",
        "duration": result.duration,
        # As live records write them: `from` as bare digits, `to` in the national format.
        "from": format_number(contact_number if dial.inbound else dial.caller_id, "digits"),
        "to": format_number(dial.caller_id if dial.inbound else contact_number, "paren"),
        "disposition": _disposition_ref(result.disposition),
        "contact": dial.contact_record,
        "contact_list": dial.list_ref,
        "user": dict(dial.user),
        "notes": "",
        "is_completed": True,
        "started_at": _iso_s(dial.started),
        "ended_at": _iso_s(ended),
        "createdAt": _iso_ms(created),
        "updatedAt": _iso_ms(created),
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
    update = _content(rng, dial, result, knobs, rec)
    if rec["disposition"] and rng.random() < knobs.corrected_disposition:
        update = max(update, rng.uniform(3600, 2 * 86400))
    return rec, update


_CRM_LABELS = {did: label for did, _, _, label in _DISPOSITIONS}


def _disposition_ref(disposition: int | None) -> Record | None:
    """The `disposition` object of a call log: our id, and the CRM outcome it syncs to."""
    if disposition is None:
        return None
    label = _CRM_LABELS.get(disposition, "Connected")
    return {
        "internal_id": disposition,
        "external_id": _CRM_OUTCOME_IDS[label],
        "external_name": label,
    }


# --------------------------------------------------------------------------------------------
# Scheduling: which rep dials whom, when.
# --------------------------------------------------------------------------------------------

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


def _ramp(spec: _RepSpec, day: int) -> float:
    """0.4..1: how far a late joiner has ramped (three weeks to full speed)."""
    if spec.joined is None:
        return 1.0
    return min(1.0, 0.4 + 0.6 * (day - spec.joined) / 21)


def _slot_weights(rng: random.Random, days: list[date], knobs: Knobs) -> list[float]:
    """Relative dial volume of every (rep, day) slot, rep-major."""
    holidays = _us_holidays(sorted({d.year for d in days}))
    weights = []
    for spec in _REPS:
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


def _sessions(rng: random.Random, rep: _Rep, knobs: Knobs) -> list[tuple[float, float]]:
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


def _session_times(
    rng: random.Random, rep: _Rep, day: date, k: int, knobs: Knobs
) -> list[datetime]:
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
    offset = _utc_offset(rep.spec.timezone, day)
    return [midnight + timedelta(seconds=int(h * 3600)) - offset for h in hours]


def _callable(rng: random.Random, contact: _Contact, at: datetime, knobs: Knobs) -> bool:
    """Whether the dialer calls `contact` at `at`: inside their legal window, and (for a share
    `local_time_dialing` of dials) preferring their good hours.
    """
    local = at + _utc_offset(contact.timezone, at.date())
    hour = local.hour + local.minute / 60
    if not _LEGAL_WINDOW[0] <= hour < _LEGAL_WINDOW[1]:
        return False
    return (
        rng.random() >= knobs.local_time_dialing or rng.random() < dict(_CONTACT_WINDOW)[local.hour]
    )


def _rep_lists(
    rep: _Rep, lists: list[_List], day: int, knobs: Knobs
) -> tuple[list[_List], list[float]]:
    if knobs.confounded_skill:
        chosen = [(lists[i], w) for i, w in rep.spec.lists if lists[i].spec.created <= day]
    else:  # every rep works the same mix: skill and list quality are independent
        chosen = [(lst, float(lst.spec.size)) for lst in lists if lst.spec.created <= day]
    if not chosen:  # a list not imported yet: fall back to whatever the team has
        chosen = [(lst, 1.0) for lst in lists if lst.spec.created <= day]
    return [c[0] for c in chosen], [c[1] for c in chosen]


def _due_contact(
    rng: random.Random, rep: _Rep, day: int, at: datetime, knobs: Knobs
) -> tuple[_Contact, _List] | None:
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


def _requeue(
    rng: random.Random, rep: _Rep, dial: _Dial, result: _Result, day: int, lst: _List
) -> None:
    """After an attempt: the contact is done (reached, dead, do-not-call, out of touches) or due
    again in a few days on the rep's queue.
    """
    contact = dial.contact
    assert contact is not None
    d = result.disposition
    reached = result.answered_by == "human" and d is not None and d < 10
    if reached or d in (BAD_NUMBER, 9) or contact.attempts >= contact.touches:
        contact.done = True
        return
    contact.due = day + _pick(rng, _REDIAL_DAYS)
    heapq.heappush(rep.queue, (contact.due, next(_QUEUE_ORDER), contact, lst))


def _caller_id(
    rng: random.Random, rep: _Rep, contact: _Contact, knobs: Knobs, burned: frozenset[str]
) -> str:
    local = rep.local.get(_area_key(contact.number))
    if local is not None and rng.random() < knobs.local_share:
        return local
    if rep.numbers[0] in burned and rng.random() < 0.8:  # the rep's workhorse number
        return rep.numbers[0]
    return rep.numbers[rng.randrange(2)]


def _outbound_dial(
    rng: random.Random, cast: _Cast, rep: _Rep, index: int, at: datetime, plan: _Plan
) -> tuple[_Dial, _List]:
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
        contact.touches = _pick(rng, _TOUCHES)
    sequence, seq_spec = None, _SequenceSpec("", 1.0, 1.0)
    if lst.spec.sequences and rng.random() < knobs.sequence_share:
        k = rng.choice(lst.spec.sequences)
        sequence = {"_id": cast.sequences[k]["id"], "name": cast.sequences[k]["name"]}
        seq_spec = _SEQUENCES[k]
    caller_id = _caller_id(rng, rep, contact, knobs, plan.burned)
    local = _area_key(caller_id) == _area_key(contact.number)
    dial = _Dial(
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
        local=local,
        local_effect=local and cast.lists.index(lst) in knobs.local_presence_lists,
        burner=caller_id in plan.burned,
        labelled=caller_id in plan.burned and at.date() >= plan.burn_day,
    )
    if rng.random() < knobs.manual_dial:
        dial.contact, dial.contact_record, dial.list_ref, dial.sequence = None, {}, {}, None
        dial.local = dial.local_effect = False
    elif rng.random() < knobs.inbound_share:
        dial.inbound, dial.sequence, dial.local = True, None, False
        dial.local_effect = False
        if rng.random() < knobs.unknown_inbound:
            dial.contact, dial.contact_record, dial.list_ref = None, {}, {}
    return dial, lst


# --------------------------------------------------------------------------------------------
# The public functions.
# --------------------------------------------------------------------------------------------


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

    if not 0 <= knobs.burned_numbers <= len(_REPS):
        raise bad("burned_numbers", f"an int from 0 to {len(_REPS)}")
    if knobs.burn_start_day < 0:
        raise bad("burn_start_day", "an int >= 0")
    for name in ("burn_answer_factor", "local_presence_lift", "double_dial_lift"):
        if not getattr(knobs, name) > 0:
            raise bad(name, "a number > 0")
    for name in ("local_share", "double_dial_share"):
        if not 0 <= getattr(knobs, name) <= 1:
            raise bad(name, "a share from 0 to 1")
    if not set(knobs.local_presence_lists) <= set(range(len(_LISTS))):
        raise bad("local_presence_lists", f"indices of lists, 0 to {len(_LISTS) - 1}")
    if not knobs.attempt_effect or not all(m > 0 for m in knobs.attempt_effect):
        raise bad("attempt_effect", "a non-empty tuple of multipliers > 0")
    if not knobs.session_gap_minutes >= 0:
        raise bad("session_gap_minutes", "a number of minutes >= 0")
    return knobs


@dataclass
class _Plan:
    """What one generation plants, and the tallies its `truth` reports."""

    knobs: Knobs
    burned: frozenset[str]  # E.164 caller ids that get spam-labelled
    burn_day: date  # from this (UTC) day on
    human_p: list[float] = field(default_factory=list)  # by attempt - 1: sum of planted P(person)
    dials: list[int] = field(default_factory=list)  # by attempt - 1: outbound dials

    def tally(self, dial: _Dial) -> None:
        if dial.inbound or dial.contact is None or dial.attempt > _TRUTH_ATTEMPTS:
            return
        while len(self.dials) < dial.attempt:
            self.human_p.append(0.0)
            self.dials.append(0)
        self.human_p[dial.attempt - 1] += dial.human_p
        self.dials[dial.attempt - 1] += 1


_TRUTH_ATTEMPTS = 10


def _burned(cast: _Cast, knobs: Knobs) -> frozenset[str]:
    """The busiest reps' home numbers: the ones carriers see dialling most."""
    busiest = sorted(cast.reps, key=lambda rep: -rep.spec.volume)[: knobs.burned_numbers]
    return frozenset(rep.numbers[0] for rep in busiest)


def _dial_day(
    rng: random.Random, cast: _Cast, planned: list[tuple[_Dial, _List]], day: int, plan: _Plan
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
        result = _simulate(rng, dial, knobs)
        plan.tally(dial)
        records.append(_call_record(rng, dial, result, knobs))
        if not outbound:
            continue
        rep = reps[id(dial.user)]
        _requeue(rng, rep, dial, result, day, lst)
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


def _truth(cast: _Cast, first: date, knobs: Knobs, plan: _Plan) -> dict:
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
    cast = _build_cast(seed, first, days)
    plan = _Plan(knobs, _burned(cast, knobs), first + timedelta(days=knobs.burn_start_day))
    rng = random.Random(f"dialstats-demo-calls:{seed}")
    day_list = [first + timedelta(days=i) for i in range(days)]
    weights = _slot_weights(rng, day_list, knobs)
    per_slot = Counter(rng.choices(range(len(weights)), weights, k=n_calls) if n_calls else [])
    records: list[tuple[Record, float]] = []
    for index, day in enumerate(day_list):
        planned = [
            _outbound_dial(rng, cast, rep, index, at, plan)
            for r, rep in enumerate(cast.reps)
            for at in _session_times(rng, rep, day, per_slot[r * days + index], knobs)
        ]
        records += _dial_day(rng, cast, planned, index, plan)
    return Dataset(
        calls=_finish(rng, records),
        dispositions=list(cast.dispositions.values()),
        sequences=cast.sequences,
        contact_lists=[lst.record for lst in cast.lists],
        team=cast.team,
        truth=_truth(cast, first, knobs, plan),
    )


def _finish(rng: random.Random, records: list[tuple[Record, float]]) -> list[Record]:
    """Order by creation, assign ObjectIds, and stamp updates (never after the snapshot)."""
    records.sort(key=lambda r: (r[0]["createdAt"], r[0]["call_id"]))
    snapshot = _parse_iso(records[-1][0]["createdAt"]) if records else None
    machine, counter = _hex(rng, 10), rng.getrandbits(24)
    calls = []
    dialled: dict[str, int] = {}  # contact _id -> outbound calls so far
    for rec, update in records:
        _count_dial(rec, dialled)
        created = _parse_iso(rec["createdAt"])
        counter = (counter + 1) % (1 << 24)
        rec["_id"] = f"{int(created.timestamp()):08x}{machine}{counter:06x}"
        if update and snapshot is not None:
            rec["updatedAt"] = _iso_ms(
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


# --- live calls for the sandbox ------------------------------------------------------------


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


def _timezone_of(contact: Record) -> str:
    tz = contact.get("timezone")
    if tz in _LABEL_ZONES:
        return _LABEL_ZONES[tz]
    if isinstance(tz, str) and tz:
        try:
            ZoneInfo(tz)
            return tz
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            pass
    return "America/New_York"


def _live_contact(rng: random.Random, dataset: Dataset, record: Record) -> _Contact:
    quality = 0.7
    ref = record.get("contact_list") or {}
    for lst in dataset.contact_lists:
        if lst.get("_id") == ref.get("_id") and lst.get("total_contacts"):
            quality = lst.get("good_quality_contacts", 0) / lst["total_contacts"]
    phones = record.get("phone_numbers") or [{}]
    return _Contact(
        record=record,
        timezone=_timezone_of(record),
        phone_type=phones[0].get("type")
        if phones[0].get("type") in ("mobile", "direct", "office")
        else "direct",
        number=e164_of(phones[0].get("number") or "") or _us_number(rng, "America/New_York"),
        bad=rng.random() < 0.01 + 0.3 * (1 - quality) ** 1.5,
        stale=rng.random() < 0.02 + 0.22 * (1 - quality),
        propensity=math.exp(rng.gauss(-0.125, 0.5)),
    )


def new_call(dataset: Dataset, rng: random.Random, at: datetime) -> Record:
    """A new realistic call record created at `at`: a rep of the team dials one of its contacts.

    The contact, list and sequence come from an earlier call of `dataset` (a new attempt), the rep
    is an active team member; the outcome follows the same model as `generate`.
    createdAt == updatedAt == `at`; the call started and ended just before.

    >>> from datetime import datetime, UTC
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
    caller_id = _us_number(rng, "America/New_York")
    contact, list_ref, sequence = None, {}, None
    if base is not None:
        contact = _live_contact(rng, dataset, copy.deepcopy(base["contact"]))
        list_ref, sequence = dict(base.get("contact_list") or {}), base.get("sequence")
        # Usually the rep who dialled the contact before tries again, from the same caller id.
        if (base.get("user") or {}).get("_id") in {u.get("_id") for u in users}:
            user, caller_id = base["user"], e164_of(base.get("from") or "") or caller_id
    dial = _Dial(
        user=user,
        caller_id=caller_id,
        contact=contact,
        contact_record=contact.record if contact else {},
        list_ref=list_ref,
        sequence=dict(sequence) if sequence else None,
        started=at - timedelta(seconds=60),
    )
    result = _simulate(rng, dial, KNOBS)
    ended = at.replace(microsecond=0) - timedelta(seconds=rng.randrange(1, 8))
    dial.started = ended - timedelta(seconds=result.duration)
    rec, _ = _call_record(rng, dial, result, KNOBS)
    rec["started_at"], rec["ended_at"] = _iso_s(dial.started), _iso_s(ended)
    rec["createdAt"] = rec["updatedAt"] = _iso_ms(at)
    rec["_id"] = _object_id(rng, at)
    return rec


def touch_call(record: Record, rng: random.Random, at: datetime) -> Record:
    """A copy of `record` updated at `at`: notes added, a disposition set or corrected, a summary.

    `_id`, `call_id` and `createdAt` are unchanged; `updatedAt` becomes `at`, which must not be
    earlier than the record's createdAt.
    """
    at = _check_at(at)
    created = record.get("createdAt")
    if isinstance(created, str) and _parse_iso(created) > at:
        raise ValueError(f"at ({_iso_ms(at)}) is earlier than the record's createdAt ({created})")
    out = copy.deepcopy(record)
    disposition = out.get("disposition") or {}
    did = disposition.get("internal_id")
    first = (out.get("contact") or {}).get("first_name") or "Contact"
    if not disposition:
        # The rep finally wraps up a call left without a disposition.
        fallback = 11 if is_machine(out.get("answered_by")) else 10
        did = 6 if out.get("answered_by") == "human" else fallback
        out["disposition"] = _disposition_ref(did)
        out["is_completed"] = True
    elif did == 6 and rng.random() < 0.5:  # the call-back turned into a booked meeting
        out["disposition"] = _disposition_ref(MEETING)
        out["notes"] = _append(out.get("notes"), "Booked on follow-up")
    elif (
        out.get("answered_by") == "human"
        and not out.get("summary")
        and did is not None
        and did < 10
    ):
        out["summary"] = f"{first} discussed next steps; {rng.choice(_PAINS)}."
    else:
        out["notes"] = _append(out.get("notes"), rng.choice(("Logged in CRM", "Added to nurture",
                                                             "Updated contact details", "Checked recording")))  # fmt: skip
    out["updatedAt"] = _iso_ms(at)
    return out


def _append(notes: object, text: str) -> str:
    return f"{notes}; {text}" if isinstance(notes, str) and notes else text

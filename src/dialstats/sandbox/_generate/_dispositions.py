"""Stage 6, dispositions and talk time: what each answered line leads to, and how long it
lasts.

Produces the `Result` of a dial (outcome, ``answered_by``, disposition id, duration), consistent
with the vendor's definitions (connected = a person and an id below 10): gatekeepers on office
lines, wrong contacts on stale lists, quick brush-offs, conversations, meetings; voicemails on
machines; Bad Number on dead lines. Durations follow what happened: fast busy < ring-out <
voicemail drop < brush-off < conversation. Reads the `Answer` of stage 5, the `Dial` of stage
4, the disposition ids of stage 1, the knobs and the shared helpers.

>>> is_conversation(Result("answered", "human", MEETING, 30))
True
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from dialstats.sandbox._generate._common import clipped_lognormal
from dialstats.sandbox._generate._knobs import Knobs
from dialstats.sandbox._generate._outcomes import Answer, answer_dial, reported_answered_by
from dialstats.sandbox._generate._schedule import Dial
from dialstats.sandbox._generate._team import (
    BAD_NUMBER,
    CANCELLED,
    CUSTOM_CONNECTED,
    FOLLOW_UP,
    GATEKEEPER,
    MEETING,
    NO_ANSWER,
    NOT_DECISION_MAKER,
    VOICEMAIL,
)

# Lines that end a call at once: (disposition, shortest duration, longest duration + 1) seconds.
_SHORT_LINES = {
    "fax": (BAD_NUMBER, 3, 16),
    "cancelled": (CANCELLED, 0, 6),
    "dead_busy": (BAD_NUMBER, 1, 7),
    "dead_intercept": (BAD_NUMBER, 4, 13),
    "dead_cancelled": (CANCELLED, 0, 4),
}


@dataclass
class Result:
    """How a dial ended, as its call log says."""

    outcome: str
    answered_by: str | None
    disposition: int | None
    duration: int


def simulate(rng: random.Random, dial: Dial, knobs: Knobs) -> Result:
    """The call `dial` makes: who answers, what it leads to, how long it lasts."""
    answer = answer_dial(rng, dial, knobs)
    disposition, duration = _talk(rng, dial, knobs, answer)
    return Result(answer.outcome, reported_answered_by(rng, answer), disposition, duration)


def is_conversation(result: Result) -> bool:
    """Whether the rep really talked with the contact: connected, and a meeting or a minute."""
    d = result.disposition
    connected = result.answered_by == "human" and d is not None and d < 10
    return connected and (d == MEETING or result.duration >= 60)


def closes_contact(result: Result) -> bool:
    """Whether the team stops dialling the contact: reached, a bad number, or do-not-call (9)."""
    d = result.disposition
    reached = result.answered_by == "human" and d is not None and d < 10
    return reached or d in (BAD_NUMBER, 9)


def _talk(rng: random.Random, dial: Dial, knobs: Knobs, answer: Answer) -> tuple[int | None, int]:
    """(disposition, duration) of what `answer` leads to."""
    line = answer.line
    if line in _SHORT_LINES:
        disposition, shortest, end = _SHORT_LINES[line]
        return disposition, rng.randrange(shortest, end)
    if line == "person":
        return _person(rng, dial, knobs)
    if line == "person_as_machine":  # the rep talks all the same
        return _decision_maker(rng, dial, knobs)
    if line == "machine":
        return _voicemail(rng, knobs)
    if line == "nobody":
        disposition = rng.choices((NO_ANSWER, GATEKEEPER, BAD_NUMBER), (97, 1.5, 1.5))[0]
        if (
            dial.burner and rng.random() < 0.7
        ):  # the dialer drops unanswered lines after a few rings
            return disposition, rng.randrange(3, 10)
        return disposition, _ring_out(rng)
    if line == "dead_ringing":
        return NO_ANSWER, _ring_out(rng)
    if line == "callback_missed":
        return NO_ANSWER, clipped_lognormal(rng, 22, 0.3, 6, 60)
    return _callback(rng, dial)


def _ring_out(rng: random.Random) -> int:
    return clipped_lognormal(rng, 26, 0.25, 8, 60)


def _voicemail(rng: random.Random, knobs: Knobs) -> tuple[int, int]:
    """(disposition, duration) when a machine takes the call."""
    if rng.random() < knobs.voicemail_left:
        # ring, greeting, beep, the rep's pre-recorded drop
        return VOICEMAIL, clipped_lognormal(rng, 46, 0.2, 22, 120)
    return NO_ANSWER, clipped_lognormal(rng, 17, 0.35, 5, 45)


def _person(rng: random.Random, dial: Dial, knobs: Knobs) -> tuple[int, int]:
    """A person picks up: a gatekeeper, someone who is not the contact, or the contact."""
    if rng.random() < dict(knobs.gatekeeper)[dial.phone_type]:
        disposition = rng.choices((GATEKEEPER, 4, 6), (85, 8, 7))[0]
        if disposition == GATEKEEPER and rng.random() < knobs.custom_connected:
            disposition = CUSTOM_CONNECTED
        return disposition, clipped_lognormal(rng, 38, 0.45, 10, 180)
    contact = dial.contact
    if (contact is not None and contact.stale) or rng.random() < 0.03:
        disposition = rng.choices((2, 5, NOT_DECISION_MAKER, 4), (40, 35, 18, 7))[0]
        return disposition, clipped_lognormal(rng, 28, 0.5, 6, 150)
    return _decision_maker(rng, dial, knobs)


def _decision_maker(rng: random.Random, dial: Dial, knobs: Knobs) -> tuple[int, int]:
    conversation = knobs.conversation_share * math.sqrt(dial.close)
    if rng.random() >= conversation:  # brush-off
        disposition = rng.choices((3, 6, 9, 8), (50, 25, 10, 15))[0]
        return disposition, clipped_lognormal(rng, 24, 0.45, 4, 90)
    if rng.random() < knobs.meeting_share * dial.close:
        return MEETING, clipped_lognormal(rng, 370, 0.45, 90, 2400)
    disposition = rng.choices((3, 6, 7, 8, 4, 9, FOLLOW_UP), (28, 20, 14, 20, 6, 5, 7))[0]
    return disposition, clipped_lognormal(rng, 150, 0.6, 20, 1800)


def _callback(rng: random.Random, dial: Dial) -> tuple[int | None, int]:
    """An inbound callback the rep takes."""
    if dial.contact is None:  # unknown numbers: wrong numbers, vendors, robocalls
        disposition = rng.choices((5, 3, 6, None), (35, 20, 15, 30))[0]
        return disposition, clipped_lognormal(rng, 45, 0.7, 5, 600)
    # A prospect calling back is warm.
    disposition = rng.choices((MEETING, 6, 8, 3, 4, 7, FOLLOW_UP), (18, 25, 20, 12, 5, 10, 10))[0]
    return disposition, clipped_lognormal(rng, 200, 0.6, 20, 1800)

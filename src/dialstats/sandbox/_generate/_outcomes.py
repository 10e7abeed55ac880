"""Stage 5, outcomes and machine detection: who or what takes each dial, and what
answering-machine detection (AMD) says about it.

Produces an `Answer` per dial: the call's outcome (answered, no-answer, cancelled), AMD's
``answered_by`` (Twilio's values; sometimes wrong both ways), who or what was really on the
line (`Line`), and the share of such answers AMD finally gives up on (`reported_answered_by`).
A person picks up with a probability driven by the contact's local hour, the weekday, the rep,
list and sequence, the phone type, the contact's own propensity and the planted effects
(attempt, double dial, local presence, spam label); the dial's `human_p` records it. Reads the
planned `Dial` (stage 4), the knobs and the shared helpers.

>>> is_machine("machine_end_beep"), is_machine("human"), is_machine(None)
(True, False, False)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from dialstats.sandbox._generate._common import pick_weighted
from dialstats.sandbox._generate._knobs import Knobs
from dialstats.sandbox._generate._schedule import Dial

# Who or what was on the line: a person (AMD right, or wrong: "person_as_machine"), a machine
# (AMD right or wrong), nobody, a fax, a dial cancelled before anyone answered, a dead number
# (fast busy, "not in service" intercept, cancelled, or ringing out), an inbound callback the rep
# missed or took.
Line = Literal[
    "person", "person_as_machine", "machine", "nobody", "fax", "cancelled", "dead_busy",
    "dead_intercept", "dead_cancelled", "dead_ringing", "callback_missed", "callback",
]  # fmt: skip


@dataclass
class Answer:
    """Who or what took a dial, before anyone speaks."""

    outcome: str  # answered, no-answer, cancelled
    answered_by: str | None  # what AMD says (None: nothing answered, or AMD did not run)
    line: Line  # who or what was really there
    # Share of such answers that AMD ends up labelling "unknown" (None: it never does).
    unknown_share: float | None = None


def is_machine(answered_by: object) -> bool:
    """Whether an `answered_by` value means a machine (Twilio's ``machine_*`` values)."""
    return isinstance(answered_by, str) and answered_by.startswith("machine_")


def answer_dial(rng: random.Random, dial: Dial, knobs: Knobs) -> Answer:
    """Who or what takes `dial`; an outbound dial's `human_p` is set to its chance of a person."""
    if dial.inbound:
        if rng.random() < 0.28:  # the rep missed the callback
            return Answer("no-answer", None, "callback_missed")
        return Answer("answered", "human", "callback")
    contact = dial.contact
    dial.human_p = 0.0
    if contact is not None and contact.bad:
        return _dead_number(rng)
    local = dial.local_time()
    hour_effect = dict(knobs.hour_effect).get(local.hour, 0.3)
    human = (
        knobs.human_pickup * hour_effect * knobs.weekday_effect[local.weekday()] * dial.pickup
        * dict(knobs.phone_pickup)[dial.phone_type] * (contact.propensity if contact else 1.0)
    )  # fmt: skip
    human = min(human * _planted(dial, knobs), 0.75)
    machine = knobs.machine_pickup * (1.15 - 0.15 * hour_effect)
    if dial.labelled:  # "Spam Likely" on the screen, or blocked: people and machines answer less
        human, machine = human * knobs.burn_answer_factor, machine * knobs.burn_answer_factor
    machine = min(machine, 0.95 - human)
    dial.human_p = human
    if dial.phone_type == "office" and rng.random() < knobs.fax_line:
        return Answer("answered", "fax", "fax")
    u = rng.random()
    if u < knobs.cancel_rate:
        return Answer("cancelled", None, "cancelled")
    u -= knobs.cancel_rate
    if u < human:
        if rng.random() < knobs.amd_false_human:  # a machine the detector took for a person
            return Answer("answered", "human", "machine", knobs.amd_unknown_human)
        return Answer("answered", "human", "person", knobs.amd_unknown_human)
    if u < human + machine:
        label = pick_weighted(rng, knobs.machine_labels)
        if rng.random() < knobs.amd_false_machine:  # a person the detector took for a machine
            return Answer("answered", label, "person_as_machine", knobs.amd_unknown_machine)
        return Answer("answered", label, "machine", knobs.amd_unknown_machine)
    return Answer("no-answer", None, "nobody")


def reported_answered_by(rng: random.Random, answer: Answer) -> str | None:
    """What AMD finally reports: its answer, or "unknown" for a share of people and machines.

    Drawn once the call is over, after the draws of what was said: that order is part of every
    seed's data.
    """
    if answer.unknown_share is not None and rng.random() < answer.unknown_share:
        return "unknown"
    return answer.answered_by


def _planted(dial: Dial, knobs: Knobs) -> float:
    """The human pick-up multiplier of the planted effects: attempt, double dial, local."""
    effect = knobs.attempt_effect[min(dial.attempt, len(knobs.attempt_effect)) - 1]
    if dial.double:
        effect *= knobs.double_dial_lift
    if dial.local_effect:
        effect *= knobs.local_presence_lift
    return effect


def _dead_number(rng: random.Random) -> Answer:
    u = rng.random()
    if u < 0.6:  # fast busy / SIT tones
        return Answer("no-answer", None, "dead_busy")
    if u < 0.85:  # "the number you have dialled is not in service": AMD hears a machine
        return Answer("answered", "machine_start", "dead_intercept")
    if u < 0.95:
        return Answer("cancelled", None, "dead_cancelled")
    return Answer("no-answer", None, "dead_ringing")

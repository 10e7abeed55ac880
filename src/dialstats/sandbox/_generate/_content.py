"""Stage 7, call content and free text: recordings, transcripts, AI summaries and rep notes.

Adds to a call record what its conversation left behind: a recording on most answered calls
(fewer in two-party consent states), a transcript on most recorded conversations (some with
stray control characters from the speech-to-text service), a summary on most transcripts,
notes by disposition; ``""`` rather than no key for some missing recordings and transcripts.
Returns how long after creation the record is last updated (a summary arriving, notes added
later, a CRM sync). Reads the `Dial` (stage 4), the `Result` (stage 6), AMD's values (stage 5),
the disposition ids (stage 1), the contacts' industries (stage 2), the knobs and the shared
helpers.

>>> _glitch(random.Random(1), "a b") != "a b"
True
"""

from __future__ import annotations

import random

from dialstats.sandbox._dataset import Record
from dialstats.sandbox._generate._contacts import INDUSTRIES
from dialstats.sandbox._generate._dispositions import Result, is_conversation
from dialstats.sandbox._generate._knobs import Knobs
from dialstats.sandbox._generate._outcomes import is_machine
from dialstats.sandbox._generate._schedule import Dial
from dialstats.sandbox._generate._team import (
    BAD_NUMBER,
    FOLLOW_UP,
    GATEKEEPER,
    MEETING,
    NOT_DECISION_MAKER,
    VOICEMAIL,
)

RECORDING_BASE = "https://recordings.example.com/calls/"
_GLITCHES = ("\x01", "\x0b", "\t", "\x0c", "\x1f", "\r")

PAINS = (
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


def _fill(rng: random.Random, text: str, dial: Dial, hour: int) -> str:
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
        pain=rng.choice(PAINS),
        industry=rng.choice(INDUSTRIES),
        reps=rng.choice((6, 12, 20, 35, 60)),
        daypart="morning" if hour < 12 else "afternoon",
    )


def _transcript(rng: random.Random, dial: Dial, result: Result, hour: int) -> str:
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


def add_content(rng: random.Random, dial: Dial, result: Result, knobs: Knobs, rec: Record) -> float:
    """Add recording, notes, transcript and summary; return seconds until the last update."""
    hour = dial.local_time().hour
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
    if recorded and is_conversation(result) and rng.random() < knobs.transcript_share:
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

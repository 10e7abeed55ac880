"""The generator's knobs: what each probability means. Multipliers are relative to 1.0 = an
average dial. Every stage reads them; `KNOBS` is the default the demo dataset is made with.

>>> Knobs(burned_numbers=0).burned_numbers, KNOBS.human_pickup
(0, 0.14)
"""

from __future__ import annotations

from dataclasses import dataclass


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
    # Indices of the lists (in `_team.LISTS`) where local presence has that effect.
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

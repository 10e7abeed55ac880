"""The seeded generator of the sandbox's demo data: a realistic sales team's call logs.

>>> from dialstats.sandbox import generate
>>> ds = generate(seed=7, n_calls=2_000, days=28)
>>> len(ds.calls), len(ds.dispositions)
(2000, 17)

One module per stage; each reads only the stages before it (the numbers are the fields of
`Knobs`, in `_knobs`):

1. `_team`: the cast as specified: ten reps (one joins late, one leaves), a manager who never
   dials, twelve contact lists, five sequences, the dispositions (the API's 14, then the team's
   own, with the CRM outcome each syncs to).
2. `_contacts`: each list's contacts and how live records write them: zones as abbreviations
   (``ET``, ``CST``, ``Pacific``; IANA names for Arizona and Europe; blank or absent for ~15%),
   each contact's numbers in one of five styles with area codes of the contact's zone.
3. `_cast`: the cast built from the cast's own random stream (so datasets of different sizes
   share it): reps with their caller ids, the team body, the lists with their contacts.
4. `_schedule`: *volume* and *time*. Every rep dials on business days (fewer on Fridays, almost
   none at weekends or on US holidays) in proportion to their `volume`, in sessions over their
   working day, a contact of one of their lists (due redials first) inside the contact's legal
   calling window (8:00-21:00 local); most dials are scheduled by the contact's local time.
5. `_outcomes`: a person picks up with a probability driven by the contact's local hour
   (morning and late-afternoon peaks), the weekday, the rep, the list, the sequence, the phone
   type, the contact's propensity and the planted effects; otherwise a machine answers, nobody
   does, or the dial is cancelled. Answering-machine detection (AMD) is sometimes wrong, both
   ways, and reports Twilio's values (``machine_end_beep``, ..., ``fax``, ``unknown``).
6. `_dispositions`: *disposition* and *duration*, consistent with the vendor's definitions
   (connected = human and id < 10): gatekeepers on office lines (or the custom "Connected", id
   20), wrong contacts on stale lists, quick rejections, conversations, meetings; voicemails on
   machines; Bad Number on dead numbers. Fast busy < ring-out < voicemail drop < rejection <
   conversation.
7. `_content`: recordings on most answered calls, transcripts and summaries on conversations,
   rep notes, ``""`` for some missing recordings and transcripts, stray control characters in
   some transcripts; some records are updated after creation.
8. `_assemble`: `generate` runs the stages day by day and writes each call as the API serves
   it (``to`` as ``(212) 555-0143``, ``from`` as ``12125550143``).

`_live` makes the sandbox's live calls (`new_call`, `touch_call`) with the same model, and
`_common` holds the random streams and helpers every stage shares. Everything is drawn from
`random.Random` streams seeded from `seed`, so the same arguments give the same dataset on
every machine.
"""

from dialstats.sandbox._generate._assemble import generate
from dialstats.sandbox._generate._knobs import KNOBS, Knobs
from dialstats.sandbox._generate._live import new_call, touch_call

__all__ = ["KNOBS", "Knobs", "generate", "new_call", "touch_call"]

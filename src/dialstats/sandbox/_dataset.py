"""The sandbox's data: raw API records, exactly as the call-log API would serve them.

A `Dataset` is what the generator makes, what `data/` ships and what the sandbox app serves.
Records are plain JSON-able dicts in the API's own shapes, as live responses carry them (see the
API reference, "Observed in live responses"): numbers written in mixed ways, zone abbreviations,
Twilio's answering-machine values, ``contact._id`` and full ``phone_numbers[]`` entries:

- ``calls``: call-log records as GET /v1/call-log returns them (``_id``, ``call_id``, ``outcome``,
  ``direction``, ``answered_by``, ``duration``, ``to``, ``from``, ``disposition{internal_id,
  external_id, external_name}``, ``contact{...}``, ``contact_list{_id, name}``, ``sequence{_id,
  name}`` (absent when the call was not part of a sequence), ``user{_id, email, first_name,
  last_name}`` (``email`` absent for some users), ``recording_url``, ``notes``, ``transcription``
  (raw control characters in some), ``summary``, ``is_completed``,
  ``started_at``, ``ended_at``, ``createdAt``, ``updatedAt``), ISO 8601 UTC timestamps.
- ``dispositions``: GET /v1/dispositions items (``_id``, ``id``, ``name``, ``is_custom``,
  ``is_required``, ``category``).
- ``sequences``: ``{id, name}`` per sequence; the app derives ``total_calls``,
  ``first_used_at`` and ``last_used_at`` from the calls.
- ``contact_lists``: GET /v1/contact-lists items (``_id``, ``name``, ``source``, ``user{...}``,
  ``total_contacts``, ``createdAt``) plus ``good_quality_contacts`` for list-performance.
- ``team``: the GET /v1/team body (``_id``, ``name``, ``users[{user{...}, status, license}]``).
- ``truth``: what the generator planted (never served, never inside a call): ``burned_numbers``
  (E.164 caller ids spam-labelled from ``burn_start``, ``YYYY-MM-DD``, whose answer rate is
  multiplied by ``burn_answer_factor`` from then on), ``local_presence_lift`` (human pick-up
  multiplier of a caller id sharing the called number's area code) on ``local_presence_lists``
  (list ``_id``s), ``local_share``, ``attempt_effect`` (the multipliers by attempt),
  ``attempt_human_pickup`` (planted chance that a person picks up, averaged over the outbound
  dials of each attempt 1..10; ``answered_by`` says "human" for all but ``amd_unknown_human`` of
  those, see `Knobs`) with ``attempt_dials``, ``double_dial_share``, ``double_dial_lift``,
  ``amd_false_machine``, ``amd_false_human``, ``confounded_skill``, ``rep_skill`` (user ``_id`` ->
  human pick-up multiplier) and ``session_gap_minutes``. Empty for datasets not generated here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]


@dataclass
class Dataset:
    calls: list[Record] = field(default_factory=list)
    dispositions: list[Record] = field(default_factory=list)
    sequences: list[Record] = field(default_factory=list)
    contact_lists: list[Record] = field(default_factory=list)
    team: Record = field(default_factory=dict)
    truth: Record = field(default_factory=dict)

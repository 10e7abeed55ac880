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

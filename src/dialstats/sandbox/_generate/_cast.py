"""Stage 3, the cast, built: the reps with their caller ids and working day, the team body, the
dispositions, the sequences and the lists with their contacts, all from the cast's stream.

Produces `Cast` (and its `Rep`s, whose redial queue the schedule fills). Reads the team and list
specifications (stage 1), contacts and numbers (stage 2) and the shared helpers. The draws run
in one fixed order (reps, manager, team, dispositions, sequences, lists), so the cast depends on
the seed and `days` only.

>>> cast = build_cast(7, date(2026, 8, 3), 28)
>>> len(cast.reps), len(cast.lists), cast.team["name"]
(10, 12, 'Brightwave - Sales Development')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dialstats.sandbox._dataset import Record
from dialstats.sandbox._generate._common import cast_stream, random_hex
from dialstats.sandbox._generate._contacts import (
    AREA_CODES,
    Contact,
    ContactList,
    build_list,
    local_pool,
    phone_number,
)
from dialstats.sandbox._generate._team import (
    LISTS,
    MANAGER,
    REPS,
    TEAM_NAME,
    RepSpec,
    disposition_records,
    sequence_records,
    user_record,
)


@dataclass
class Rep:
    """A rep as the dialer sees them: who they are, their caller ids, their day, their queue."""

    spec: RepSpec
    user: Record
    numbers: tuple[str, ...]  # home caller ids (the rep's own area)
    local: dict[str, str]  # area key (`area_key`) -> the rep's caller id with that area code
    start: float  # usual first dial of the day, rep-local hours
    # The redial queue, a heap of (due day, first-in-first-out tie-break, contact, its list).
    queue: list[tuple[int, int, Contact, ContactList]] = field(default_factory=list)


@dataclass
class Cast:
    """Everyone and everything the calls are made by, to and with."""

    reps: list[Rep]
    lists: list[ContactList]
    sequences: list[Record]
    dispositions: dict[int, Record]
    team: Record


def build_cast(seed: int, start: date, days: int) -> Cast:
    """The cast of `seed`, for a dataset of `days` days from `start`."""
    rng = cast_stream(seed)
    reps = []
    for spec in REPS:
        home = spec.timezone if spec.timezone in AREA_CODES else "Europe/London"
        numbers = tuple(phone_number(rng, home, "direct")[0] for _ in range(2))
        user = user_record(rng, spec.first_name, spec.last_name, email=spec.email)
        # Reps start their day at different times (8:00-9:45 in their own zone).
        start_hour = 8.0 + rng.randrange(8) * 0.25
        reps.append(Rep(spec, user, numbers, local_pool(rng, home), start_hour))
    manager = user_record(rng, *MANAGER, email=False)
    team_users = [
        {"user": rep.user, "license": "parallel_dialer",
         "status": "inactive" if rep.spec.left is not None and rep.spec.left < days else "active"}
        for rep in reps
    ]  # fmt: skip
    team_users.append({"user": manager, "status": "active", "license": "viewer"})
    team = {"_id": random_hex(rng, 24), "name": TEAM_NAME, "users": team_users}
    dispositions = disposition_records(rng)
    sequences = sequence_records(rng)
    lists = [build_list(rng, spec, start, reps[spec.owner].user) for spec in LISTS]
    return Cast(reps, lists, sequences, dispositions, team)

"""What every stage of the generator shares: its random streams, ids, timestamps, time zones.

Two streams are drawn from one seed: the cast's (team, lists, contacts; independent of
``n_calls``, so datasets of different sizes share their people) and the calls' (everything a
dial needs, in the order the stages run). A stage that draws in a different order changes the
data: ``tests/test_generate_stages.py`` pins it.

>>> random_hex(cast_stream(7), 8) == random_hex(cast_stream(7), 8)
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo

_T = TypeVar("_T")


def cast_stream(seed: int) -> random.Random:
    """The stream the team, its lists and their contacts are drawn from."""
    return random.Random(f"dialstats-demo-cast:{seed}")


def calls_stream(seed: int) -> random.Random:
    """The stream the dial volume, the schedule and every call are drawn from."""
    return random.Random(f"dialstats-demo-calls:{seed}")


def random_hex(rng: random.Random, n: int) -> str:
    """`n` random hex digits."""
    return f"{rng.getrandbits(4 * n):0{n}x}"


def pick_weighted(rng: random.Random, weighted: Sequence[tuple[_T, float]]) -> _T:
    """One value of `(value, weight)` pairs, with probability proportional to its weight."""
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def clipped_lognormal(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    """A log-normal draw around `median`, rounded and clipped to `low`..`high`."""
    return max(low, min(high, round(median * math.exp(rng.gauss(0.0, sigma)))))


def iso_seconds(t: datetime) -> str:
    """ISO 8601 UTC without milliseconds, as the API writes started_at / ended_at."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(t: datetime) -> str:
    """ISO 8601 UTC with milliseconds, as the API writes createdAt / updatedAt."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """The aware datetime of an ISO 8601 timestamp written with a ``Z``."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def object_id(rng: random.Random, at: datetime) -> str:
    """A MongoDB-style ObjectId: 8 hex of epoch seconds, then 16 random hex."""
    return f"{int(at.timestamp()):08x}{random_hex(rng, 16)}"


class ObjectIds:
    """MongoDB ObjectIds made by one import: the same time and machine, a counter."""

    def __init__(self, rng: random.Random, at: datetime) -> None:
        self.prefix = f"{int(at.timestamp()):08x}{random_hex(rng, 10)}"
        self.counter = rng.getrandbits(24)

    def __call__(self) -> str:
        self.counter = (self.counter + 1) % (1 << 24)
        return f"{self.prefix}{self.counter:06x}"


@cache
def utc_offset(tz: str, day: date) -> timedelta:
    """The UTC offset of `tz` on `day`."""
    # Offsets at local noon: dials happen 7:00-21:00, far from the 1:00-3:00 DST switches.
    offset = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(tz)).utcoffset()
    assert offset is not None
    return offset

"""The seeded generator of the sandbox's demo data (being split into one module per stage)."""

from dialstats.sandbox._generate._contacts import (
    _DISPOSITIONS,
    KNOBS,
    Knobs,
    generate,
    new_call,
    touch_call,
)

__all__ = ["KNOBS", "_DISPOSITIONS", "Knobs", "generate", "new_call", "touch_call"]

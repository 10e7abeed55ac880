"""Argument checks that both the API's filters and the frame's options make.

>>> check_time_zone("tz", "Europe/Paris")
'Europe/Paris'
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from dialstats.errors import InvalidParameterError


def check_time_zone(name: str, value: Any) -> str:
    """`value` if it is an IANA time zone name, else `InvalidParameterError` naming `name`."""
    if not isinstance(value, str):
        raise InvalidParameterError(
            name,
            f"{name}: expected an IANA time zone name such as 'America/New_York', got {value!r}",
        )
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidParameterError(
            name, f"{name}: {value!r} is not an IANA time zone name (e.g. 'Europe/Paris')"
        ) from None
    return value

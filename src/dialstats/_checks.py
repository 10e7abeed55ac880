"""Argument checks that both the API's filters and the frame's options make, and the table of
time-zone abbreviations both the ``tz=`` check and the contacts' zones (`dialstats.frame`) read.

>>> check_time_zone("tz", "Europe/Paris")
'Europe/Paris'
>>> check_time_zone("tz", "ET")
Traceback (most recent call last):
...
dialstats.errors.InvalidParameterError: tz: 'ET' is a time zone abbreviation, not an IANA zone name; did you mean 'America/New_York'?
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import zoneinfo
from typing import Any

from dialstats.errors import InvalidParameterError

# The US and Canadian abbreviations and long names, and UTC's, by the IANA zone they mean (the
# region's zone *with* its daylight time, as a sales team means "9 am EST" in July);
# docs/contact-zones.md lists them.
ZONE_NAMES: dict[str, tuple[str, ...]] = {
    "America/New_York": ("ET", "EST", "EDT", "Eastern", "Eastern Time", "Eastern Standard Time",
                         "Eastern Daylight Time", "US Eastern"),
    "America/Chicago": ("CT", "CST", "CDT", "Central", "Central Time", "Central Standard Time",
                        "Central Daylight Time", "US Central"),
    "America/Denver": ("MT", "MST", "MDT", "Mountain", "Mountain Time", "Mountain Standard Time",
                       "Mountain Daylight Time", "US Mountain"),
    "America/Phoenix": ("Arizona", "Arizona Time"),
    "America/Los_Angeles": ("PT", "PST", "PDT", "Pacific", "Pacific Time",
                            "Pacific Standard Time", "Pacific Daylight Time", "US Pacific"),
    "America/Anchorage": ("AKT", "AKST", "AKDT", "Alaska", "Alaska Time",
                          "Alaska Standard Time", "Alaska Daylight Time"),
    "Pacific/Honolulu": ("HT", "HST", "HAST", "Hawaii", "Hawaii Time", "Hawaii Standard Time",
                         "Hawaii-Aleutian Standard Time"),
    "America/Halifax": ("AT", "AST", "ADT", "Atlantic", "Atlantic Time",
                        "Atlantic Standard Time", "Atlantic Daylight Time"),
    "America/St_Johns": ("NT", "NST", "NDT", "Newfoundland", "Newfoundland Time",
                         "Newfoundland Standard Time", "Newfoundland Daylight Time"),
    "UTC": ("UTC", "GMT", "Z", "Zulu", "Coordinated Universal Time", "Greenwich Mean Time"),
}  # fmt: skip


def zone_name_key(text: str) -> str:
    """`text` as `ZONE_ABBREVIATIONS` is keyed: upper case, ``_`` as a space, single spaces."""
    return " ".join(text.replace("_", " ").split()).upper()


# Abbreviation or long name (as `zone_name_key` spells it) -> the IANA zone it means.
ZONE_ABBREVIATIONS: dict[str, str] = {
    zone_name_key(name): zone for zone, names in ZONE_NAMES.items() for name in names
}
_UTC = "UTC"


@functools.cache
def _iana_names() -> dict[str, str]:
    """Upper-cased IANA name -> its spelling (no two differ only in case)."""
    return {name.upper(): name for name in zoneinfo.available_timezones()}


def _is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_time_zone(name: str, value: Any) -> str:
    """`value` as an IANA time zone name, else `InvalidParameterError` naming `name`.

    An IANA name is taken in any case, returned as IANA spells it (``"utc"`` is ``"UTC"``).
    A zone abbreviation or long name is refused, with the zone it means as the suggestion
    (``"ET"``, ``"PST"``, ``"Eastern Time"``): never read as some zone silently. That includes
    ``EST``, ``MST`` and ``HST``, which are also IANA names, but of fixed offsets without daylight
    time, where the contacts' zones (and a sales team) read them as New York's, Denver's and
    Honolulu's. UTC's other names that are IANA names (``GMT``, ``Zulu``) mean UTC to both and are
    taken as they are; so are IANA's other legacy names (``EST5EDT``, ``CET``, ...), which keep
    their region's daylight time and can be a contact's zone.

    Parameters
    ----------
    name : str
        The parameter's name, for the error (``"tz"``, ``"timezone"``).
    value : Any
        What was given.

    Returns
    -------
    str
        The IANA zone name.

    Raises
    ------
    InvalidParameterError
        `value` is not an IANA zone name; the message suggests the closest one.
    """
    if not isinstance(value, str):
        raise InvalidParameterError(
            name,
            f"{name}: expected an IANA time zone name such as 'America/New_York', got {value!r}",
        )
    meant = ZONE_ABBREVIATIONS.get(zone_name_key(value))
    spelled = _iana_names().get(value.upper()) if not _is_zone(value) else value
    if meant == _UTC and spelled is not None:
        return spelled  # "UTC", "GMT", "Zulu" in any case: UTC to everyone
    if meant is not None:
        text = value.strip()
        kind = "a time zone abbreviation" if len(text) <= 5 else "a common name of a time zone"
        message = f"{value!r} is {kind}, not an IANA zone name; did you mean {meant!r}?"
        if spelled is not None:
            message += _fixed_offset_note(spelled)
        raise InvalidParameterError(name, f"{name}: {message}")
    if spelled is not None:
        return spelled
    close = difflib.get_close_matches(value.upper(), list(_iana_names()), n=1, cutoff=0.8)
    hint = (
        f"; did you mean {_iana_names()[close[0]]!r}?"
        if close
        else " (e.g. 'Europe/Paris', 'America/New_York'; name the zone of a place, "
        "not an abbreviation)"
    )
    raise InvalidParameterError(name, f"{name}: {value!r} is not an IANA time zone name{hint}")


def _fixed_offset_note(iana: str) -> str:
    """What the IANA zone of an abbreviation's spelling (``EST``) is, and how to ask for it."""
    offset = zoneinfo.ZoneInfo(iana).utcoffset(dt.datetime(2000, 7, 1))
    hours = -int(offset.total_seconds()) // 3600 if offset is not None else 0
    return (
        f" (IANA's {iana!r} is UTC{-hours:+03d}:00 all year, without daylight time; "
        f"for that, write 'Etc/GMT{hours:+d}')"
    )

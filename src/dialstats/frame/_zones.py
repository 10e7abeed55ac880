"""Each call's contact time zone (``contact_tz``, an IANA name) from what the record gives.

In order:

1. the contact's ``timezone`` when it names a zone: an IANA name (``America/Chicago``, any case),
   a US/Canada abbreviation or long name from `ABBREVIATIONS` (``ET``, ``PDT``, ``Eastern``,
   ``Pacific Time``, ...; case and spacing do not matter), ``UTC`` / ``GMT`` or a whole-hour UTC
   offset (``UTC-5``, ``GMT+1``, ``-05:00`` -> ``Etc/GMT+5``, ``Etc/GMT-1``, ``Etc/GMT+5``);
2. otherwise the zone of the contact's end of the call (``from`` on an inbound call, ``to`` on an
   outbound one; see `dialstats.frame._phones.contact_numbers`), else of the contact's first
   phone number, from libphonenumber's time-zone data: ``+1 212 ...`` -> ``America/New_York``.
   Never the rep's own line;
3. otherwise NA: a number whose prefix spans several zones, an unreadable number, no number.
   Never a guess.

``EST``, ``CST``, ``MST``, ``PST`` (and their daylight forms) mean the region's zone *with* its
daylight time, as a sales team means them, although ``EST`` and ``MST`` are also fixed-offset
IANA names. A zone written as an offset is fixed (no daylight time), as written.

>>> contact_zone("Eastern"), contact_zone("pdt"), contact_zone("UTC-5"), contact_zone("Mars")
('America/New_York', 'America/Los_Angeles', 'Etc/GMT+5', None)
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable

import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import timezone as phone_zones
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from dialstats._checks import ZONE_ABBREVIATIONS, zone_name_key
from dialstats._flat import to_text

# Abbreviation or long name (upper case, single spaces) -> IANA zone: the table `tz=` refuses
# them by, so a contact's "EST" and a user's tz="EST" mean the same zone (docs/contact-zones.md).
ABBREVIATIONS: dict[str, str] = ZONE_ABBREVIATIONS
_key = zone_name_key
_IANA = {name.upper(): name for name in zoneinfo.available_timezones()}
_OFFSET = re.compile(r"^(?:UTC|GMT|Z)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_UNKNOWN_ZONE = "Etc/Unknown"  # libphonenumber's answer for a number it cannot place


@functools.lru_cache(maxsize=1024)
def contact_zone(text: str | None) -> str | None:
    """The IANA zone a contact's ``timezone`` text names, or None (see the module's rules).

    >>> contact_zone(" et "), contact_zone("America/Chicago"), contact_zone("-05:00")
    ('America/New_York', 'America/Chicago', 'Etc/GMT+5')
    """
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    key = _key(text)
    if key in ABBREVIATIONS:
        return ABBREVIATIONS[key]
    if text.upper() in _IANA:
        return _IANA[text.upper()]
    return _offset_zone(text)


def _contact_zones(texts: list[str | None]) -> list[str | None]:
    return [contact_zone(text) for text in texts]


def _offset_zone(text: str) -> str | None:
    """``UTC-5`` / ``GMT+1`` / ``-05:00`` -> ``Etc/GMT+5`` / ``Etc/GMT-1`` / ``Etc/GMT+5``.

    The Etc zones' signs are POSIX's, the reverse of ISO's: UTC-5 is ``Etc/GMT+5``. An offset
    that is not whole hours has no IANA name: None.
    """
    match = _OFFSET.match(text.strip())
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if minutes:
        return None
    if hours == 0:
        return "UTC"
    name = f"Etc/GMT{'+' if sign == '-' else '-'}{hours}"
    return name if name.upper() in _IANA else None


def number_zone(number: str | None) -> str | None:
    """The one time zone libphonenumber places an E.164 number's prefix in; None if several or none.

    The prefix (country and area code) is what places a number, so an unassigned line in a known
    area code is placed too.

    >>> number_zone("+13125550143"), number_zone("+15551234567")
    ('America/Chicago', None)
    """
    if number is None:
        return None
    if len(number) == 12 and number.startswith("+1") and number[2] != "0":
        # NANP: country code 1, ten national digits, no leading zero; no need to parse.
        parsed = phonenumbers.PhoneNumber(country_code=1, national_number=int(number[2:]))
    else:
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            return None
    zones = phone_zones.time_zones_for_geographical_number(parsed)
    if len(zones) != 1 or zones[0] == _UNKNOWN_ZONE:
        return None
    return zones[0]


@functools.cache
def _prefix_lengths() -> dict[str, int]:
    """First four digits of a number -> how many leading digits place it in the time-zone data.

    libphonenumber places a number by its longest prefix in that data, so numbers that agree on
    that many digits are in the same zones: one lookup serves them all.
    """
    lengths: dict[str, int] = {}
    for key in TIMEZONE_DATA:
        head = key[:4]
        lengths[head] = max(lengths.get(head, 4), len(key))
    return lengths


def number_zones(numbers: list[str | None]) -> list[str | None]:
    """`number_zone` of each of `numbers` (E.164), looking each placing prefix up once."""
    lengths = _prefix_lengths()
    seen: dict[tuple[str, int], str | None] = {}
    out = []
    for number in numbers:
        if number is None:
            out.append(None)
            continue
        digits = number[1:]
        # With its length: a number too short to parse ("+5936") has no zone, though a longer one
        # of the same prefix has.
        key = (digits[: lengths.get(digits[:4], TIMEZONE_LONGEST_PREFIX)], len(digits))
        if key not in seen:
            seen[key] = number_zone(number)
        out.append(seen[key])
    return out


def _map_distinct(column: pa.Array, function: Callable[[list], list]) -> pa.Array:
    """`function` (a list of values -> a list of zones) applied to the distinct values, once."""
    encoded = pc.dictionary_encode(column)
    names = function(encoded.dictionary.to_pylist())
    return pc.take(pa.array(names, pa.string()), encoded.indices)


def contact_zones(timezone: pa.ChunkedArray, *numbers: pa.ChunkedArray) -> pa.ChunkedArray:
    """``contact_tz`` per call: `timezone` (the contact's, as sent) resolved, else the zone of the
    first of `numbers` (E.164 columns: the contact's end of the call, then its first phone) that
    a call has.
    """
    n = len(timezone)
    if n == 0:
        return pa.chunked_array([], pa.string())
    zone = _map_distinct(to_text(timezone).combine_chunks(), _contact_zones)
    if zone.null_count == 0 or not numbers:
        return pa.chunked_array([zone])
    number = pc.coalesce(*(column.combine_chunks() for column in numbers))
    # Only calls still without a zone need their number placed.
    number = pc.if_else(pc.is_null(zone), number, pa.scalar(None, pa.string()))
    return pa.chunked_array([pc.coalesce(zone, _map_distinct(number, number_zones))])

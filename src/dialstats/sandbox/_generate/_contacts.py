"""Stage 2, contacts and their numbers and zones: the people on each list, as CRMs and CSV
imports write them.

Produces each list's `ContactList` (its GET /v1/contact-lists record and its `Contact`s: name,
company, title, numbers in one of five styles with area codes of the person's zone, the zone as
a label or blank, fields missing as the list's source leaves them out), and the number and zone
vocabulary later stages read: `format_number`, `e164_of`, `us_number`, `phone_number`,
`area_key`, `local_pool`, `timezone_of`. Reads the list specifications of stage 1 (`ListSpec`,
`EUROPE`), `KNOBS` and the shared helpers.

>>> format_number("+12125550143", "dots"), e164_of("(212) 555-0143"), area_key("+12125550143")
('212.555.0143', '+12125550143', '+1212')
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dialstats.sandbox._dataset import Record
from dialstats.sandbox._generate._common import (
    ObjectIds,
    iso_millis,
    object_id,
    pick_weighted,
    random_hex,
)
from dialstats.sandbox._generate._knobs import KNOBS
from dialstats.sandbox._generate._team import EUROPE, ListSpec


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_US_FIRST = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Chris Karen Daniel Lisa Matthew Nancy Anthony Betty Mark "
    "Sandra Steven Ashley Andrew Kimberly Joshua Emily Kevin Donna Brian Michelle Ryan Carol Jacob "
    "Amanda Nicholas Melissa Eric Stephanie Jonathan Rebecca Justin Laura Brandon Rachel Samuel "
    "Megan Gregory Lauren Alexander Olivia Derek Priyanka Wei Carlos Ana Luis Mei Andre Aisha"
)
_US_LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Shah Kapoor Chen "
    "Wang Kowalski Okafor Sullivan Murphy Bennett Hughes Foster Price Brooks Sanders Ross Morales"
)
_EU_FIRST = _words(
    "Oliver Amelia Harry Isla George Ava Noah Emily Jack Sophie Lukas Hannah Felix Lena Jonas Mia "
    "Maximilian Lea Daan Emma Sem Julia Lucas Saoirse Conor Aoife Sean Niamh Thomas Charlotte "
    "Henrik Ingrid Matteo Giulia Pierre Camille"
)
_EU_LAST = _words(
    "Smith Jones Taylor Brown Williams Wilson Evans Thomas Roberts Walsh Byrne Murphy Kelly Mueller "
    "Schmidt Schneider Fischer Weber Wagner Becker Hoffmann Janssen Jansen Dekker Meijer Smit "
    "Bakker Visser Dubois Rossi Lindqvist Hansen"
)
_COMPANY_A = _words(
    "Blue Peak North Summit Iron Bright Clear Silver Red Oak Granite Harbor Cedar Falcon Atlas Nova "
    "Pioneer Vector Crescent Maple Quantum Sterling Horizon Apex Evergreen Beacon Cobalt Meridian "
    "Lumen Keystone Orbit Prairie Tidal Copper Juniper Vertex"
)
_COMPANY_B = _words(
    "Logistics Health Systems Labs Analytics Software Capital Payments Networks Robotics Foods "
    "Energy Security Cloud Media Bio Devices Insurance Partners Data Freight Learning Retail Works"
)
_LEGAL = ("Inc.", "LLC", "Corp.", "Group", "Holdings")
_EU_LEGAL = ("Ltd", "GmbH", "B.V.", "plc", "AG")
INDUSTRIES = ("Logistics", "Healthcare", "Fintech", "SaaS", "Manufacturing", "Retail", "Insurance")
_TITLES = {
    "sales": ("VP of Sales", "Head of Sales Development", "Director of Sales", "CRO",
              "Sales Operations Manager", "VP Revenue Operations", "Director of Inside Sales"),
    "it": ("IT Director", "Director of Infrastructure", "Head of IT", "CIO", "IT Manager",
           "VP of Engineering"),
    "founder": ("Founder", "Co-Founder & CEO", "CEO", "Owner", "Managing Partner", "COO"),
    "finance": ("CFO", "Head of Finance", "Finance Director", "Head of Payments",
                "VP Finance Operations", "Chief Risk Officer"),
    "ops": ("Director of Operations", "VP Operations", "Practice Manager", "COO",
            "Revenue Cycle Director", "Head of Patient Access"),
}  # fmt: skip
_TITLES["mixed"] = tuple(t for key in ("sales", "it", "ops", "founder") for t in _TITLES[key][:3])

# Area codes by time zone (US), and E.164 prefixes for Europe, for realistic-looking numbers.
AREA_CODES = {
    "America/New_York": ("212", "646", "617", "404", "305", "215", "704", "202"),
    "America/Chicago": ("312", "773", "214", "713", "512", "612", "615"),
    "America/Denver": ("303", "720", "801", "505"),
    "America/Phoenix": ("602", "480", "520"),
    "America/Los_Angeles": ("213", "310", "415", "408", "206", "503", "619"),
}
# (calling code, area codes, the last two for mobiles, national significant number length).
_EUROPE_PHONE = {
    "Europe/London": ("+44", ("20", "161", "131", "7700", "7911"), 10),
    "Europe/Berlin": ("+49", ("30", "89", "40", "151", "170"), 11),
    "Europe/Amsterdam": ("+31", ("20", "10", "6", "6"), 9),
    "Europe/Dublin": ("+353", ("1", "87", "86"), 9),
}


# What a contact record says for its zone, as CRMs and CSV imports spell it: mostly the US
# abbreviation, sometimes the standard or daylight form or the long name. Arizona keeps its IANA
# name (it has no daylight time, so "MT" would be wrong half the year); Europe uses IANA names.
_TZ_LABELS: dict[str, tuple[tuple[str, float], ...]] = {
    "America/New_York": (("ET", 0.7), ("EST", 0.12), ("EDT", 0.06), ("Eastern", 0.12)),
    "America/Chicago": (("CT", 0.7), ("CST", 0.12), ("CDT", 0.06), ("Central", 0.12)),
    "America/Denver": (("MT", 0.7), ("MST", 0.12), ("MDT", 0.06), ("Mountain", 0.12)),
    "America/Los_Angeles": (("PT", 0.7), ("PST", 0.12), ("PDT", 0.06), ("Pacific", 0.12)),
}
_LABEL_ZONES = {label: zone for zone, labels in _TZ_LABELS.items() for label, _ in labels}
# How a contact's numbers are written (one style per contact): not normalised, as imported.
_PHONE_STYLES = (("e164", 0.6), ("paren", 0.15), ("dots", 0.1), ("intl", 0.1), ("digits", 0.05))


@dataclass
class Contact:
    """A person on a list: their record, and what the model knows about them."""

    record: Record  # the contact object as call logs carry it
    timezone: str  # where the person really is (the record may not say)
    phone_type: str  # type of the number the dialer calls
    number: str  # the number the dialer calls (E.164)
    bad: bool  # dead / disconnected number
    stale: bool  # moved on, or the wrong person
    propensity: float  # the person's own pick-up multiplier (mean 1)
    attempts: int = 0  # outbound dials so far
    touches: int = 10  # attempts before the team gives up on the contact
    done: bool = False  # reached, dead or asked not to be called: out of the redial queue
    due: int = -1  # the day it is due again on a redial queue (-1: not queued)
    _json: str = ""

    def snapshot(self) -> Record:
        # Each call carries its own copy: JSON round-trip is the fastest deep copy of plain data.
        if not self._json:
            self._json = json.dumps(self.record)
        return json.loads(self._json)


@dataclass
class ContactList:
    """A contact list: its specification, its record, and its contacts."""

    spec: ListSpec
    record: Record
    ref: Record  # {_id, name}, as a call log carries it
    contacts: list[Contact] = field(default_factory=list)


def format_number(e164: str, style: str) -> str:
    """A NANP number in E.164 written in `style` (other numbers stay E.164).

    >>> format_number("+12125550143", "paren"), format_number("+12125550143", "digits")
    ('(212) 555-0143', '12125550143')
    """
    if not e164.startswith("+1") or len(e164) != 12:
        return e164
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return {
        "e164": e164,
        "paren": f"({area}) {exchange}-{line}",
        "dots": f"{area}.{exchange}.{line}",
        "intl": f"+1 {area}-{exchange}-{line}",
        "digits": f"1{area}{exchange}{line}",
    }[style]


def e164_of(text: str) -> str:
    """The E.164 form of a number written by `format_number` (a bare 10-digit number is NANP)."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return ""
    if not text.lstrip().startswith("+") and len(digits) == 10:
        return f"+1{digits}"
    return f"+{digits}"


def _zone_label(rng: random.Random, tz: str) -> str:
    labels = _TZ_LABELS.get(tz)
    return pick_weighted(rng, labels) if labels else tz


def us_number(rng: random.Random, tz: str, area: str | None = None) -> str:
    area = area or rng.choice(AREA_CODES[tz])
    return f"+1{area}{rng.randrange(2, 10)}{rng.randrange(10, 100)}{rng.randrange(10000):04d}"


def area_key(e164: str) -> str:
    """What makes two numbers "local" to each other: the NANP area code, else the country."""
    if e164.startswith("+1"):
        return e164[:5]
    return next((cc for cc, _, _ in _EUROPE_PHONE.values() if e164.startswith(cc)), e164[:3])


def local_pool(rng: random.Random, home: str) -> dict[str, str]:
    """A rep's local-presence caller ids: one number for about half the area codes of the
    region the rep calls (US reps: every US zone; the London rep: one per European country), so
    a local number exists for many contacts but not all.
    """
    if home.startswith("Europe/"):
        numbers = [phone_number(rng, tz, "direct")[0] for tz in _EUROPE_PHONE]
    else:
        areas = [a for codes in AREA_CODES.values() for a in codes if rng.random() < 0.5]
        numbers = [us_number(rng, "", area) for area in areas]
    return {area_key(n): n for n in numbers}


def phone_number(rng: random.Random, tz: str, phone_type: str) -> tuple[str, str]:
    """(E.164 number, calling code such as "+1") for a contact in `tz`."""
    if tz in AREA_CODES:
        return us_number(rng, tz), "+1"
    prefix, areas, length = _EUROPE_PHONE[tz]
    area = areas[-2:][rng.randrange(2)] if phone_type == "mobile" else rng.choice(areas[:-2])
    rest = length - len(area) - (area == "1")  # Dublin's 01 numbers are one digit shorter
    # A leading 1 after the area code is an allocated range in each of these plans.
    return f"{prefix}{area}1{rng.randrange(10 ** (rest - 1)):0{rest - 1}d}", prefix


def _company(rng: random.Random, european: bool) -> tuple[str, str, str]:
    """(company, account, domain)."""
    name = f"{rng.choice(_COMPANY_A)}{rng.choice(_COMPANY_B).lower()}"
    name = name if rng.random() < 0.5 else f"{rng.choice(_COMPANY_A)} {rng.choice(_COMPANY_B)}"
    legal = rng.choice(_EU_LEGAL if european else _LEGAL)
    tld = {"Ltd": ".co.uk", "plc": ".co.uk", "GmbH": ".de", "AG": ".de", "B.V.": ".nl"}.get(
        legal, ".com"
    )
    return name, f"{name} {legal}", name.lower().replace(" ", "") + tld


def _missing(record: Record, key: str, source: str) -> None:
    # How a missing value looks depends on where the list came from: CSV imports carry empty
    # strings, CRM syncs carry nulls, hand-made lists leave the field out.
    if source == "csv":
        record[key] = ""
    elif source in ("hubspot", "salesforce"):
        record[key] = None
    else:
        record.pop(key, None)


def _make_contact(
    rng: random.Random,
    spec: ListSpec,
    companies: list[tuple[str, str, str]],
    new_id: Callable[[], str],
) -> Contact:
    q = spec.quality
    tz = pick_weighted(rng, spec.regions)
    european = tz.startswith("Europe/")
    first = rng.choice(_EU_FIRST if european else _US_FIRST)
    last = rng.choice(_EU_LAST if european else _US_LAST)
    company, account, domain = rng.choice(companies)
    phone_type = str(
        pick_weighted(rng, tuple(zip(("mobile", "direct", "office"), spec.phones, strict=True)))
    )
    number, country_code = phone_number(rng, tz, phone_type)
    style = pick_weighted(rng, _PHONE_STYLES)
    phones = [_phone_entry(rng, new_id(), phone_type, number, country_code, style)]
    if phone_type == "office" and rng.random() < 0.3:
        phones[0]["extension"] = str(rng.randrange(100, 9999))
    if rng.random() < 0.35:
        other = "office" if phone_type != "office" else "mobile"
        phones.append(
            _phone_entry(rng, new_id(), other, phone_number(rng, tz, other)[0], country_code, style)
        )
    slug = f"{first}-{last}".lower().replace(" ", "")
    record: Record = {
        "_id": new_id(),
        "source": spec.source,
        "first_name": first,
        "last_name": last,
        "email": f"{first[0].lower()}{last.lower().replace(' ', '')}@{domain}",
        "company": company,
        "title": rng.choice(_TITLES[spec.persona]),
        "account": account,
        "linkedin": f"https://www.linkedin.com/in/{slug}-{random_hex(rng, 6)}",
        "website": f"https://www.{domain}",
        "priority": rng.choices((1, 2, 3, 4, 5), (1, 2, 4, 2, 1))[0],
        "timezone": _zone_label(rng, tz),
        "phone_numbers": phones,
        "external_relations": _external_relations(rng, spec.source),
        "custom_fields": _custom_fields(rng),
    }
    if rng.random() < 0.05:
        record["notes"] = rng.choice(("Met at conference", "Prefers email first", "Ex-customer",
                                      "Champion at previous company"))  # fmt: skip
    # Poorer lists lack more fields; the phone number is always there (the dialer needs it).
    for key, base, slope in (("email", 0.03, 0.55), ("title", 0.05, 0.6), ("timezone", 0.02, 0.45),
                             ("linkedin", 0.1, 0.8), ("website", 0.05, 0.4)):  # fmt: skip
        if rng.random() < base + slope * (1 - q):
            if key == "timezone":  # live records: a blank zone, or none at all
                if spec.source in ("csv", "salesforce"):
                    record[key] = ""
                else:
                    del record[key]
            else:
                _missing(record, key, spec.source)
    bad = rng.random() < 0.01 + 0.3 * (1 - q) ** 1.5
    stale = rng.random() < 0.02 + 0.22 * (1 - q)
    propensity = math.exp(rng.gauss(-0.125, 0.5))
    return Contact(record, tz, phone_type, number, bad, stale, propensity)


def _phone_entry(
    rng: random.Random, entry_id: str, phone_type: str, e164: str, country_code: str, style: str
) -> Record:
    """One `contact.phone_numbers[]` item as live records carry it."""
    return {
        "_id": entry_id,
        "type": phone_type,
        "number": format_number(e164, style),
        "country_code": country_code,
        "extension": "",
        "do_not_call": rng.random() < KNOBS.do_not_call,
        "is_wrong_number": rng.random() < KNOBS.wrong_number,
        "total_calls": 0,  # counted from the calls once they are made (at assembly)
        "validation": None,
        "call_classification": None,
    }


def _external_relations(rng: random.Random, source: str) -> Record:
    if source == "hubspot":
        return {"hubspot_contact_id": str(rng.randrange(10**9, 10**11))}
    if source == "salesforce":
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        return {"salesforce_id": "003" + "".join(rng.choice(alphabet) for _ in range(15))}
    return {}


def _custom_fields(rng: random.Random) -> list[Record]:
    fields: list[Record] = []
    if rng.random() < 0.6:
        fields.append({"type": "text", "label": "Industry", "value": rng.choice(INDUSTRIES)})
    if rng.random() < 0.4:
        fields.append({"type": "number", "label": "Employees",
                       "value": rng.choice((25, 60, 120, 250, 480, 900, 2200, 5000))})  # fmt: skip
    return fields


def _is_good_quality(contact: Contact) -> bool:
    r = contact.record
    return not contact.bad and bool(r.get("email")) and bool(r.get("timezone"))


def build_list(rng: random.Random, spec: ListSpec, start: date, owner: Record) -> ContactList:
    """The list `spec` with its contacts, imported by `owner` (a user record)."""
    # Imported the working day before its first possible dial.
    created = datetime(start.year, start.month, start.day, 15, tzinfo=UTC) + timedelta(
        days=spec.created - 1, seconds=rng.randrange(4 * 3600), milliseconds=rng.randrange(1000)
    )
    european = spec.regions is EUROPE
    companies = [_company(rng, european) for _ in range(max(20, spec.size // 4))]
    new_id = ObjectIds(rng, created)
    contacts = [_make_contact(rng, spec, companies, new_id) for _ in range(spec.size)]
    record = {
        "_id": object_id(rng, created),
        "name": spec.name,
        "source": spec.source,
        "user": owner,
        "total_contacts": spec.size,
        "good_quality_contacts": sum(map(_is_good_quality, contacts)),
        "createdAt": iso_millis(created),
    }
    return ContactList(spec, record, {"_id": record["_id"], "name": spec.name}, contacts)


def timezone_of(contact: Record) -> str:
    """The IANA zone a contact record's `timezone` names (New York when it names none).

    >>> timezone_of({"timezone": "PT"}), timezone_of({"timezone": ""})
    ('America/Los_Angeles', 'America/New_York')
    """
    tz = contact.get("timezone")
    if tz in _LABEL_ZONES:
        return _LABEL_ZONES[tz]
    if isinstance(tz, str) and tz:
        try:
            ZoneInfo(tz)
            return tz
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            pass
    return "America/New_York"

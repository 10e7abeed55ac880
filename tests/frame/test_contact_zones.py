"""contact_tz: the contact's zone from its timezone text or its number, and best_time_to_call in it.

Live records carry abbreviations ("ET"), long names ("Eastern"), IANA names, blanks or nothing;
the hand-written bodies below copy the live shapes of the API doc and are served over loopback.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import uvicorn
from hypothesis import example, given, settings
from hypothesis import strategies as st
from phonenumbers.tzdata import TIMEZONE_DATA
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import dialstats as ds
from dialstats.frame._build import records_to_frame
from dialstats.frame._zones import ABBREVIATIONS, contact_zone, number_zone, number_zones
from dialstats.sandbox import serve

KEY = "sk-test-zones-0123456789"


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("ET", "America/New_York"),
        ("Eastern", "America/New_York"),
        ("  eastern  time ", "America/New_York"),
        ("EST", "America/New_York"),  # the region's zone, with its daylight time
        ("EDT", "America/New_York"),
        ("CT", "America/Chicago"),
        ("cdt", "America/Chicago"),
        ("Central", "America/Chicago"),
        ("MST", "America/Denver"),
        ("Mountain", "America/Denver"),
        ("PDT", "America/Los_Angeles"),
        ("Pacific", "America/Los_Angeles"),
        ("AKT", "America/Anchorage"),
        ("akdt", "America/Anchorage"),
        ("HT", "Pacific/Honolulu"),
        ("HAST", "Pacific/Honolulu"),
        ("AT", "America/Halifax"),
        ("ADT", "America/Halifax"),
        ("NT", "America/St_Johns"),
        ("Newfoundland", "America/St_Johns"),
        ("America/Chicago", "America/Chicago"),
        ("america/chicago", "America/Chicago"),
        ("Europe/Paris", "Europe/Paris"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("UTC-5", "Etc/GMT+5"),  # Etc/GMT signs are POSIX's: inverted
        ("GMT+1", "Etc/GMT-1"),
        ("-05:00", "Etc/GMT+5"),
        ("+0100", "Etc/GMT-1"),
        ("UTC+0", "UTC"),
        ("UTC+05:30", None),  # no IANA name for a fixed half-hour offset: unknown, not a guess
        ("Mars/Olympus_Mons", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_contact_zone(text, zone):
    assert contact_zone(text) == zone


def test_every_abbreviation_names_a_real_zone():
    import zoneinfo

    for name, zone in ABBREVIATIONS.items():
        assert zoneinfo.ZoneInfo(zone), name


def test_the_documented_table_is_the_one_in_use():
    doc = (Path(__file__).parents[2] / "docs" / "contact-zones.md").read_text()
    documented = {}
    for zone, names in re.findall(r"^\| `([^`]+)` \| (.+) \|$", doc, flags=re.MULTILINE):
        for name in re.findall(r"`([^`]+)`", names):
            documented[name.upper()] = zone
    assert documented == ABBREVIATIONS


@pytest.mark.parametrize(
    ("number", "zone"),
    [
        ("+12125550143", "America/New_York"),
        ("+13125550143", "America/Chicago"),
        ("+14155550143", "America/Los_Angeles"),
        ("+15551234567", None),  # 555 is no area code
        ("+19075550143", None),  # Alaska's area code spans several zones: never a guess
        (None, None),
    ],
)
def test_number_zone(number, zone):
    assert number_zone(number) == zone


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(sorted(TIMEZONE_DATA)), st.text("0123456789", max_size=8)))
)
@example([("5936", ""), ("5936", "0")])  # too short to parse, then placed: not one answer
def test_numbers_sharing_a_placing_prefix_are_looked_up_once_with_the_same_answer(parts):
    numbers = ["+" + key + rest for key, rest in parts]
    assert number_zones(numbers) == [number_zone(n) for n in numbers]


def record(i, *, at, timezone=..., to=..., phones=None, direction="outbound"):
    """One live-shaped call-log record (see "Observed in live responses"), with the written
    spec's ``direction`` (``...``: none)."""
    contact = {"_id": f"c{i}", "first_name": "Ann", "source": "csv"}
    if timezone is not ...:
        contact["timezone"] = timezone
    if phones is not None:
        contact["phone_numbers"] = [
            {"type": "mobile", "number": p, "country_code": "+1", "extension": "",
             "do_not_call": False, "is_wrong_number": False, "total_calls": 0,
             "validation": None, "call_classification": None, "_id": f"p{i}"}
            for p in phones
        ]  # fmt: skip
    out = {
        "_id": f"{i:024x}",
        "outcome": "answered",
        "answered_by": "human",
        "disposition": {"internal_id": 3, "external_id": "3", "external_name": "Not Interested"},
        "contact": contact,
        "from": "15551234567",
        "started_at": at,
        "createdAt": at,
        "updatedAt": at,
    }
    if to is not ...:
        out["to"] = to
    if direction is not ...:
        out["direction"] = direction
    return out


# US daylight time began on Sunday 2024-03-10: the same UTC hour is an hour later locally after.
BEFORE, AFTER = "2024-03-08T14:30:00.000Z", "2024-03-11T14:30:00.000Z"  # Friday, Monday
RECORDS = [
    record(1, at=BEFORE, timezone="ET", to="(212) 555-0143"),  # EST: 09:30
    record(2, at=AFTER, timezone="ET", to="(212) 555-0143"),  # EDT: 10:30
    record(3, at=BEFORE, timezone="Eastern", to="12125550143"),
    record(4, at=BEFORE, timezone="PDT", to="+1 415-555-0143"),  # PST in March 8: 06:30
    record(5, at=AFTER, timezone="PDT", to="415.555.0143"),  # PDT: 07:30
    record(6, at=BEFORE, timezone="America/Chicago", to="+12125550143"),  # the text wins: 08:30
    record(7, at=BEFORE, timezone="", to="(312) 555-0143"),  # blank: Chicago by area code, 08:30
    record(8, at=AFTER, to="(312) 555-0143"),  # absent: Chicago, CDT 09:30
    record(9, at=AFTER, phones=["212.555.0143"]),  # no `to`: the contact's phone, EDT 10:30
    record(10, at=BEFORE, timezone="", to="(555) 123-4567"),  # unknowable: left out
    record(11, at=AFTER, timezone="Mars"),  # unknowable: left out
]
ZONES = [
    "America/New_York",
    "America/New_York",
    "America/New_York",
    "America/Los_Angeles",
    "America/Los_Angeles",
    "America/Chicago",
    "America/Chicago",
    "America/Chicago",
    "America/New_York",
    None,
    None,
]
# (weekday, hour) -> dials, in each contact's local time
LOCAL = {
    ("Friday", 9): 2,
    ("Monday", 10): 2,
    ("Friday", 6): 1,
    ("Monday", 7): 1,
    ("Friday", 8): 2,
    ("Monday", 9): 1,
}


def check(frame: pd.DataFrame) -> None:
    assert (
        frame["contact_tz"].astype(object).where(frame["contact_tz"].notna(), None).tolist()
        == ZONES
    )
    # contact_timezone stays as sent
    assert frame["contact_timezone"].tolist()[:2] == ["ET", "ET"]
    assert frame["contact_timezone"].iloc[6] == "" and pd.isna(frame["contact_timezone"].iloc[7])
    with pytest.warns(UserWarning, match="2 of 11 calls have no known contact time zone"):
        tidy = ds.best_time_to_call(frame, min_dials=1, wide=False)
    got = {
        (str(d), int(h)): int(n) for d, h, n in tidy[["weekday", "hour", "dials"]].to_numpy() if n
    }
    assert got == LOCAL
    assert tidy.attrs["unknown_zone_calls"] == 2


def test_records_resolve_and_land_in_the_local_hour_across_dst():
    frame = records_to_frame(RECORDS, None)
    check(frame)


@contextlib.contextmanager
def serve_bodies(records: list[dict]) -> Iterator[str]:
    """A tiny API on 127.0.0.1 answering GET /v1/call-log with `records` (written-spec
    pagination) and GET /v1/dispositions with none."""

    async def call_log(request: Request) -> Response:
        page, limit = int(request.query_params.get("page", 1)), int(request.query_params["limit"])
        chunk = records[(page - 1) * limit : page * limit]
        pages = max(1, -(-len(records) // limit))
        body = {"data": chunk, "pagination": {"total": len(records), "page": page,
                                              "limit": limit, "pages": pages}}  # fmt: skip
        return Response(json.dumps(body), media_type="application/json")

    async def dispositions(request: Request) -> Response:
        return Response('{"data": []}', media_type="application/json")

    app = Starlette(
        routes=[Route("/v1/call-log", call_log), Route("/v1/dispositions", dispositions)]
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "test server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_live_bodies_over_http_resolve_and_land_in_the_local_hour_across_dst():
    with serve_bodies(RECORDS) as url:
        frame = ds.Client(KEY, base_url=url).read_call_logs()
    check(frame.sort_values("id", ignore_index=True))


def test_plot_subtitle_counts_the_calls_left_out():
    frame = records_to_frame(RECORDS, None)
    ax = ds.plot.best_time_to_call(frame, min_dials=1)
    assert "2 calls left out: contact time zone unknown" in ax.get_title()
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_a_frame_without_contact_tz_gets_it_derived():
    frame = records_to_frame(RECORDS, None).drop(columns=["contact_tz", "to_e164"])
    check(frame.assign(contact_tz=records_to_frame(RECORDS, None)["contact_tz"]))
    with pytest.warns(UserWarning, match="2 of 11 calls"):
        tidy = ds.best_time_to_call(frame, min_dials=1, wide=False)
    assert tidy["dials"].sum() == 9
    bare = frame.drop(columns=["contact_timezone", "to", "contact_phone"])
    with pytest.raises(ds.MissingColumnError, match="contact_tz"):
        ds.best_time_to_call(bare)


def test_sandbox_zones_resolve(small_dataset):
    with serve(small_dataset, api_key=KEY) as server:
        frame = ds.Client(KEY, base_url=server.url).read_call_logs()
    resolved = (
        frame["contact_timezone"]
        .astype(object)
        .map(lambda text: None if pd.isna(text) else contact_zone(text))
    )
    named = resolved.notna()
    assert (frame.loc[named, "contact_tz"] == resolved[named]).all()
    # a contact without a (known) zone gets its number's, where it places it in one zone: the
    # caller's on an inbound call, the called number's on an outbound one
    blank = frame[~named]
    inbound = blank["direction"] == "inbound"
    assert inbound.any() and not blank["direction"].isna().any()
    call = blank["from_e164"].where(inbound, blank["to_e164"])
    number = call.fillna(blank["contact_phone"]).astype(object)
    from_number = number.map(lambda n: None if pd.isna(n) else number_zone(n))
    assert (blank["contact_tz"].fillna("") == from_number.fillna("")).all()
    assert blank["contact_tz"].notna().any()


# Who is at which end: the rep's line (Chicago, 773) and the contact's numbers (Miami, 305; and
# Boston, 617), none of whose contacts gives a time zone.
REP, MIAMI, BOSTON = "(773) 795-7418", "13056407379", "+1 617 555 0143"
SIDES = [
    # inbound: the contact called from Miami, the rep's line answered
    record(21, at=AFTER, to=REP, phones=[MIAMI], direction="inbound") | {"from": MIAMI},
    # inbound without a `from`: the contact's own number, never the rep's line
    record(22, at=AFTER, to=REP, phones=[BOSTON], direction="inbound") | {"from": None},
    # outbound: the rep called Miami from the Chicago line
    record(23, at=AFTER, to=MIAMI, phones=[BOSTON, MIAMI]) | {"from": REP},
    # no direction: the end that is one of the contact's numbers
    record(24, at=AFTER, to=REP, phones=[MIAMI], direction=...) | {"from": MIAMI},
    record(25, at=AFTER, to=MIAMI, phones=[MIAMI], direction=...) | {"from": REP},
    # an unknown direction is no direction
    record(26, at=AFTER, to=REP, phones=[MIAMI], direction="sideways") | {"from": MIAMI},
    # neither end is one of the contact's numbers: its first number, not a guess at an end
    record(27, at=AFTER, to=REP, phones=[BOSTON], direction=...) | {"from": MIAMI},
    # nothing says which end is the contact's: unknown, though the rep's line would place
    record(28, at=AFTER, to=REP, direction=...) | {"from": MIAMI},
]
SIDE_ZONES = ["America/New_York"] * 7 + [None]


def zones_of(frame: pd.DataFrame) -> list[str | None]:
    return frame["contact_tz"].astype(object).where(frame["contact_tz"].notna(), None).tolist()


def test_the_contacts_end_of_the_call_places_it_never_the_reps_line():
    frame = records_to_frame(SIDES, None)
    assert zones_of(frame) == SIDE_ZONES
    # the flags are those of the contact's number on the call, the inbound caller's too; none
    # where the call has no number of the contact's
    flagged = frame["contact_phone_do_not_call"].notna().tolist()
    assert flagged == [True, False, True, True, True, True, False, False]
    assert not frame["contact_phone_do_not_call"].any()


def test_the_contacts_end_over_http_and_in_the_demo(demo):
    with serve_bodies(SIDES) as url:
        frame = ds.Client(KEY, base_url=url).read_call_logs()
    assert zones_of(frame.sort_values("id", ignore_index=True)) == SIDE_ZONES
    # the demo's inbound call from Miami, on a rep's Chicago line
    call = demo[demo["from"] == MIAMI].iloc[0]
    assert (call["direction"], call["to"], call["contact_phone"]) == ("inbound", REP, "+" + MIAMI)
    assert call["contact_tz"] == "America/New_York"
    inbound = demo[demo["direction"] == "inbound"]
    listed = inbound["from_e164"] == inbound["contact_phone"]
    assert listed.sum() > 10 and inbound.loc[listed, "contact_phone_do_not_call"].notna().all()

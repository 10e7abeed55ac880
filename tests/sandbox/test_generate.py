"""The demo-data generator: record shapes, realism of the bundled data, live calls and updates.

Everything is computed from the raw records with plain Python and pandas.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import phonenumbers
import pytest
from phonenumbers import timezone as phone_zones

from dialstats.errors import InvalidParameterError
from dialstats.sandbox import Dataset, demo_dataset, generate, new_call, touch_call
from dialstats.sandbox._generate import Knobs

HEX24 = re.compile(r"^[0-9a-f]{24}$")
TS_S = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TS_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
# How live records write numbers: `to` in the national format, `from` as 11 digits (NANP).
NATIONAL = re.compile(r"^\(\d{3}\) \d{3}-\d{4}$")
DIGITS_11 = re.compile(r"^1\d{10}$")
AMD = ("human", "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other")
AMD += ("fax", "unknown")
# The zone each label the demo data uses stands for (a sales team's reading: "EST" is Eastern).
LABELS = {
    **dict.fromkeys(("ET", "EST", "EDT", "Eastern"), "America/New_York"),
    **dict.fromkeys(("CT", "CST", "CDT", "Central"), "America/Chicago"),
    **dict.fromkeys(("MT", "MST", "MDT", "Mountain"), "America/Denver"),
    **dict.fromkeys(("PT", "PST", "PDT", "Pacific"), "America/Los_Angeles"),
}
PHONE_KEYS = {
    "_id", "type", "number", "country_code", "extension", "do_not_call", "is_wrong_number",
    "total_calls", "validation", "call_classification",
}  # fmt: skip
DEFAULT_DISPOSITIONS = {
    1: ("Answered - Meeting Set", "positive"),
    2: ("Answered - No Longer with Company", "neutral"),
    3: ("Answered - Not Interested", "negative"),
    4: ("Answered - Referral", "positive"),
    5: ("Answered - Wrong Contact", "neutral"),
    6: ("Answered - Call back later", "positive"),
    7: ("Answered - Reach out in 6 months", "positive"),
    8: ("Answered - Send an email", "positive"),
    9: ("Answered - Do not call again", "negative"),
    10: ("No Answer", "not_answered"),
    11: ("Left Voicemail", "not_answered"),
    12: ("Gatekeeper", "not_answered"),
    13: ("Bad Number", "not_answered"),
    14: ("Cancelled", "cancelled"),
}
CONTACT_KEYS = {
    "_id", "source", "first_name", "last_name", "email", "company", "title", "account", "linkedin", "website",
    "notes", "priority", "timezone", "phone_numbers", "external_relations", "custom_fields",
}  # fmt: skip


def zone_of(label: str | None) -> str | None:
    """The IANA zone a contact's `timezone` stands for (None when blank or absent)."""
    return LABELS.get(label, label) if label else None


def e164(number: str) -> str:
    parsed = phonenumbers.parse(number, "US")
    assert phonenumbers.is_valid_number(parsed), number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_record(rec: dict) -> None:
    """Assert that `rec` is a call-log record shaped as the API reference says."""
    assert HEX24.match(rec["_id"]), rec["_id"]
    assert isinstance(rec["call_id"], str) and rec["call_id"]
    assert rec["outcome"] in ("answered", "no-answer", "cancelled")
    assert rec["direction"] in ("inbound", "outbound")
    if rec["outcome"] == "answered":
        assert rec["answered_by"] in AMD
    else:
        assert rec.get("answered_by") is None
    assert isinstance(rec["duration"], int) and rec["duration"] >= 0
    to, sender = e164(rec["to"]), e164(rec["from"])
    assert NATIONAL.match(rec["to"]) if to.startswith("+1") else rec["to"] == to
    assert DIGITS_11.match(rec["from"]) if sender.startswith("+1") else rec["from"] == sender
    disposition = rec["disposition"]
    if disposition:
        assert set(disposition) == {"internal_id", "external_id", "external_name"}
        assert isinstance(disposition["internal_id"], int)
    else:
        assert disposition in ({}, None)
        assert rec["is_completed"] is False
    assert isinstance(rec["contact"], dict) and isinstance(rec["contact_list"], dict)
    assert set(rec["contact"]) <= CONTACT_KEYS
    if rec["contact"]:
        assert HEX24.match(rec["contact"]["_id"])
        for phone in rec["contact"]["phone_numbers"]:
            assert set(phone) == PHONE_KEYS and HEX24.match(phone["_id"])
            assert phone["type"] in ("mobile", "direct", "office")
            assert e164(phone["number"]).startswith(phone["country_code"])
            assert isinstance(phone["do_not_call"], bool) and isinstance(phone["total_calls"], int)
            assert phone["validation"] is None and phone["call_classification"] is None
        assert isinstance(rec["contact"]["priority"], int)
    if rec["contact_list"]:
        assert set(rec["contact_list"]) == {"_id", "name"}
    if "sequence" in rec:
        assert set(rec["sequence"]) == {"_id", "name"} and HEX24.match(rec["sequence"]["_id"])
    assert (
        {"_id", "first_name", "last_name"}
        <= set(rec["user"])
        <= {"_id", "email", "first_name", "last_name"}
    )
    assert isinstance(rec["is_completed"], bool)
    for key in ("recording_url", "transcription", "summary", "notes"):
        assert isinstance(rec.get(key, ""), str)
    assert TS_S.match(rec["started_at"]) and TS_S.match(rec["ended_at"])
    assert TS_MS.match(rec["createdAt"]) and TS_MS.match(rec["updatedAt"])
    started, ended = ts(rec["started_at"]), ts(rec["ended_at"])
    assert ended - started == timedelta(seconds=rec["duration"])
    assert timedelta(0) < ts(rec["createdAt"]) - ended < timedelta(seconds=10)
    assert rec["updatedAt"] >= rec["createdAt"]


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return demo_dataset()


@pytest.fixture(scope="module")
def calls(ds) -> pd.DataFrame:
    """One row per call with the quantities the checks below need."""
    rows = []
    for c in ds.calls:
        disposition = c.get("disposition") or {}
        contact = c.get("contact") or {}
        started = ts(c["started_at"])
        tz = zone_of(contact.get("timezone"))
        rows.append(
            {
                "outcome": c["outcome"],
                "answered_by": c.get("answered_by"),
                "direction": c["direction"],
                "duration": c["duration"],
                "disposition": disposition.get("internal_id"),
                "rep": c["user"]["_id"],
                "list": (c.get("contact_list") or {}).get("_id"),
                "timezone": tz or None,
                "local_hour": started.astimezone(ZoneInfo(tz)).hour if tz else None,
                "weekday": started.astimezone(ZoneInfo("America/New_York")).weekday(),
                "day": started.date(),
                "recorded": bool(c.get("recording_url")),
                "transcribed": bool(c.get("transcription")),
                "summarized": bool(c.get("summary")),
                "updated": c["updatedAt"] > c["createdAt"],
                "known_contact": bool(contact),
                "label": contact.get("timezone", "absent") if contact else None,
            }
        )
    df = pd.DataFrame(rows)
    d = df["disposition"].astype("Float64")
    df["answered"] = df["outcome"] == "answered"
    # The vendor's definitions.
    df["connected"] = ((df["answered_by"] == "human") & (d < 10)).fillna(False).astype(bool)
    df["machine"] = df["answered_by"].fillna("").str.startswith("machine_")
    df["conversation"] = df["connected"] & ((d == 1).fillna(False) | (df["duration"] >= 60))
    df["meeting"] = (d == 1).fillna(False).astype(bool)
    return df


# --- shape ----------------------------------------------------------------------------------


def test_every_record_has_the_api_shape(ds):
    for rec in ds.calls:
        check_record(rec)


def test_ids_are_unique_object_ids_stamped_with_creation_time(ds):
    ids = [c["_id"] for c in ds.calls]
    assert len(set(ids)) == len(ids)
    assert len({c["call_id"] for c in ds.calls}) == len(ds.calls)
    for c in ds.calls[::97]:
        assert int(c["_id"][:8], 16) == int(ts(c["createdAt"]).timestamp())


def test_missing_values_come_in_every_form_a_client_must_tolerate(ds):
    unanswered = [c for c in ds.calls if c["outcome"] != "answered"]
    assert any("answered_by" not in c for c in unanswered)
    assert any("answered_by" in c and c["answered_by"] is None for c in unanswered)
    assert any(c["disposition"] == {} for c in ds.calls)
    assert any(c["disposition"] is None for c in ds.calls)
    assert any(c["contact"] == {} for c in ds.calls)
    assert any(c["contact_list"] == {} for c in ds.calls)
    assert any("sequence" in c for c in ds.calls) and any("sequence" not in c for c in ds.calls)
    emails = [c["contact"].get("email", "absent") for c in ds.calls if c["contact"]]
    assert {"", None, "absent"} <= set(emails)


def test_disposition_and_sequence_refs_resolve(ds):
    ids = {d["id"] for d in ds.dispositions}
    sequence_ids = {s["id"]: s["name"] for s in ds.sequences}
    list_ids = {lst["_id"]: lst["name"] for lst in ds.contact_lists}
    user_ids = {u["user"]["_id"] for u in ds.team["users"]}
    for c in ds.calls:
        if c["disposition"]:
            assert c["disposition"]["internal_id"] in ids
        if "sequence" in c:
            assert sequence_ids[c["sequence"]["_id"]] == c["sequence"]["name"]
        if c["contact_list"]:
            assert list_ids[c["contact_list"]["_id"]] == c["contact_list"]["name"]
        assert c["user"]["_id"] in user_ids


# --- the cast -------------------------------------------------------------------------------


def test_team_reps_lists_sequences(ds, calls):
    assert len(ds.calls) >= 20_000
    assert calls["rep"].nunique() >= 8
    statuses = {u["status"] for u in ds.team["users"]}
    assert statuses == {"active", "inactive"}
    assert ds.team["_id"] and ds.team["name"]
    assert len(ds.contact_lists) == 12
    assert {lst["source"] for lst in ds.contact_lists} == {"csv", "hubspot", "salesforce", "manual"}
    assert len(ds.sequences) == 5 and all(HEX24.match(s["id"]) for s in ds.sequences)
    assert (calls["day"].max() - calls["day"].min()).days >= 60


def test_contact_lists_have_owners_counts_and_creation_before_use(ds, calls):
    users = {u["user"]["_id"] for u in ds.team["users"]}
    first_use = calls.assign(created=[c["createdAt"] for c in ds.calls]).groupby("list")["created"]
    first_use = first_use.min()
    for lst in ds.contact_lists:
        assert HEX24.match(lst["_id"]) and lst["user"]["_id"] in users
        assert 0 < lst["good_quality_contacts"] < lst["total_contacts"]
        assert TS_MS.match(lst["createdAt"]) and lst["createdAt"] < first_use[lst["_id"]]
    ratios = [lst["good_quality_contacts"] / lst["total_contacts"] for lst in ds.contact_lists]
    assert max(ratios) - min(ratios) > 0.3  # lists differ in data quality


def test_contacts_span_us_and_european_time_zones(calls):
    zones = set(calls["timezone"].dropna())
    assert len({z for z in zones if z.startswith("America/")}) >= 3
    assert any(z.startswith("Europe/") for z in zones)
    for zone in zones:
        ZoneInfo(zone)  # every label stands for a valid IANA zone


def test_time_zones_are_written_as_live_records_write_them(calls):
    labels = calls["label"].dropna()
    share = labels.value_counts(normalize=True)
    assert {"ET", "CT", "MT", "PT", "EST", "PDT", "Eastern"} <= set(share.index)
    assert share["ET"] > share["EST"] > share["EDT"]  # the short form dominates
    europe = {label for label in share.index if label.startswith("Europe/")}
    assert len(europe) >= 3  # European contacts carry IANA names
    missing = labels.isin(["", "absent"])
    assert 0.1 < missing.mean() < 0.2
    assert share[""] > 0.03 and share["absent"] > 0.03


def test_area_codes_belong_to_the_contacts_zone(ds):
    checked = 0
    for c in ds.calls:
        zone = zone_of((c["contact"] or {}).get("timezone"))
        if c["direction"] != "outbound" or not zone or not zone.startswith("America/"):
            continue
        number = phonenumbers.parse(c["to"], "US")
        assert phone_zones.time_zones_for_number(number) == (zone,), (c["to"], zone)
        checked += 1
    assert checked > 15_000


def test_numbers_are_written_in_mixed_ways_consistently_per_field(ds):
    styles = set()
    for c in ds.calls:
        for phone in (c["contact"] or {}).get("phone_numbers", []):
            number = phone["number"]
            styles.add(
                "e164" if E164.match(number)
                else "national" if NATIONAL.match(number)
                else "dots" if re.match(r"^\d{3}\.\d{3}\.\d{4}$", number)
                else "intl" if re.match(r"^\+1 \d{3}-\d{3}-\d{4}$", number)
                else "digits" if DIGITS_11.match(number)
                else number
            )  # fmt: skip
    assert styles == {"e164", "national", "dots", "intl", "digits"}
    # The dialled number is the contact's first number, however each one is written.
    for c in ds.calls[::50]:
        if c["direction"] == "outbound" and c["contact"]:
            assert e164(c["to"]) == e164(c["contact"]["phone_numbers"][0]["number"])


def test_phone_entries_count_earlier_calls_and_carry_flags(ds):
    seen: dict[str, int] = {}
    for c in ds.calls:  # in creation order
        if c["direction"] != "outbound" or not c["contact"]:
            continue
        contact_id = c["contact"]["_id"]
        assert c["contact"]["phone_numbers"][0]["total_calls"] == seen.get(contact_id, 0)
        seen[contact_id] = seen.get(contact_id, 0) + 1
    assert max(seen.values()) >= 5  # contacts are dialled again and again
    phones = [p for c in ds.calls for p in (c["contact"] or {}).get("phone_numbers", [])]
    assert 0.002 < sum(p["do_not_call"] for p in phones) / len(phones) < 0.05
    assert 0.005 < sum(p["is_wrong_number"] for p in phones) / len(phones) < 0.05
    assert {p["country_code"] for p in phones} >= {"+1", "+44", "+49"}


def test_a_contact_keeps_its_id_across_calls(ds):
    names: dict[str, set] = {}
    for c in ds.calls:
        if c["contact"]:
            names.setdefault(c["contact"]["_id"], set()).add(c["contact"]["last_name"])
    assert all(len(v) == 1 for v in names.values())
    assert len(names) > 3_000


def test_answering_machine_values_are_twilios(calls):
    answered = calls[calls["answered"]]
    share = answered["answered_by"].value_counts(normalize=True)
    assert set(share.index) == set(AMD)
    machine_end = share[[v for v in AMD if v.startswith("machine_end_")]].sum()
    assert machine_end > share["machine_start"] > share["unknown"] > share["fax"] > 0
    assert 0.005 < share["unknown"] < 0.04 and share["fax"] < 0.01


def test_some_users_have_no_email(ds):
    users = [m["user"] for m in ds.team["users"]]
    assert 1 <= sum("email" not in u for u in users) < len(users) / 2
    assert any("email" not in c["user"] for c in ds.calls)


def test_empty_strings_for_missing_recordings_and_transcripts(ds):
    assert any(c.get("recording_url") == "" for c in ds.calls)
    assert any("recording_url" not in c for c in ds.calls)
    assert any(c.get("transcription") == "" for c in ds.calls)


def test_some_transcripts_hold_control_characters(ds):
    transcripts = [c["transcription"] for c in ds.calls if c.get("transcription")]
    odd = [t for t in transcripts if re.search(r"[\x00-\x08\x0b-\x1f]", t)]
    assert 0.05 < len(odd) / len(transcripts) < 0.3
    assert any("\x01" in t for t in odd) and any("\x0b" in t for t in odd)
    assert all("\n" in t for t in transcripts)  # line breaks between speakers


def test_dispositions_are_the_defaults_plus_custom_ones(ds, calls):
    by_id = {d["id"]: d for d in ds.dispositions}
    for did, (name, category) in DEFAULT_DISPOSITIONS.items():
        assert (by_id[did]["name"], by_id[did]["category"]) == (name, category)
        assert by_id[did]["is_custom"] is False and isinstance(by_id[did]["is_required"], bool)
    custom = [d for d in ds.dispositions if d["is_custom"]]
    assert len(custom) >= 2 and all(d["id"] > 14 for d in custom)
    assert (by_id[20]["name"], by_id[20]["is_custom"]) == ("Connected", True)
    assert all(HEX24.match(d["_id"]) for d in ds.dispositions)
    used = set(calls["disposition"].dropna().astype(int))
    assert set(by_id) <= used  # every disposition occurs
    assert calls["disposition"].isin([d["id"] for d in custom]).mean() < 0.03


# --- realism --------------------------------------------------------------------------------


def test_overall_rates_are_plausible(calls):
    assert 0.25 < calls["answered"].mean() < 0.5
    assert 0.07 < calls["connected"].mean() < 0.2
    assert 0.03 < calls["conversation"].mean() < calls["connected"].mean()
    assert 0.005 <= calls["meeting"].mean() <= 0.02


def _spread(calls: pd.DataFrame, by: str) -> float:
    groups = calls.groupby(by)["connected"].agg(["mean", "size"])
    rates = groups.loc[groups["size"] >= 300, "mean"]
    assert len(rates) >= 8
    return rates.max() / rates.min()


def test_connect_rate_differs_by_rep_and_by_list(calls):
    assert _spread(calls, "rep") > 1.5
    assert _spread(calls, "list") > 1.5


def test_contact_local_hour_drives_pickup(calls):
    rate = calls.groupby("local_hour")["connected"].mean()
    size = calls.groupby("local_hour").size()
    peaks = [rate[9], rate[10], rate[16], rate[17]]
    assert min(peaks) > rate[12] * 1.2 and min(peaks) > rate[13]
    evening = calls.loc[calls["local_hour"] >= 18, "connected"].mean()
    assert min(peaks) > evening * 1.2
    assert size.loc[18:].sum() >= 300  # evenings are dialled, just less
    # The dialer respects calling hours in the contact's time zone.
    assert calls["local_hour"].dropna().between(8, 20).all()


def test_weekday_effect_and_quiet_weekends(calls):
    rate = calls.groupby("weekday")["connected"].mean()
    assert min(rate[1], rate[2], rate[3]) > rate[4] * 1.15  # Tue-Thu beat Friday
    weekend = calls["weekday"] >= 5
    assert 0 < weekend.mean() < 0.03


def test_machines_answer_a_share_and_detection_errs_both_ways(calls):
    answered = calls[calls["answered"]]
    assert 0.3 < answered["machine"].mean() < 0.65
    machine = calls[calls["machine"]]
    assert machine["disposition"].isin([10, 11]).mean() > 0.8
    false_machine = (machine["disposition"] < 10).sum()
    false_human = ((calls["answered_by"] == "human") & (calls["disposition"] == 11)).sum()
    assert false_machine > 50 and false_human > 50
    assert false_machine < 0.15 * len(machine)


def test_dispositions_follow_the_outcome(calls):
    no_answer = calls[calls["outcome"] == "no-answer"]
    assert no_answer["disposition"].dropna().isin([10, 12, 13]).all()
    assert (no_answer["disposition"] == 10).mean() > 0.8
    cancelled = calls[calls["outcome"] == "cancelled"]
    assert (cancelled["disposition"].dropna() == 14).all()
    assert calls.loc[calls["answered"], "disposition"].ne(14).all()


def test_durations_differ_by_outcome(calls):
    def median(mask):
        return calls.loc[mask, "duration"].median()

    conversation = median(calls["conversation"])
    voicemail = median(calls["machine"] & (calls["disposition"] == 11))
    ring_out = median((calls["outcome"] == "no-answer") & (calls["disposition"] == 10))
    dead = median((calls["outcome"] == "no-answer") & (calls["disposition"] == 13))
    cancelled = median(calls["outcome"] == "cancelled")
    brush_off = median(calls["connected"] & ~calls["conversation"])
    assert conversation > 120 > voicemail > ring_out > dead
    assert ring_out > cancelled and conversation > 3 * brush_off
    assert median(calls["meeting"]) > conversation


def test_lower_quality_lists_miss_fields_and_have_more_bad_numbers(ds, calls):
    quality = {
        lst["_id"]: lst["good_quality_contacts"] / lst["total_contacts"] for lst in ds.contact_lists
    }
    listed = calls.dropna(subset=["list"])
    bad = listed.groupby("list")["disposition"].apply(lambda d: (d == 13).mean())
    missing_tz = listed.groupby("list")["timezone"].apply(lambda t: t.isna().mean())
    q = pd.Series(quality)
    # Spearman's rank correlation, as Pearson's on the ranks (pandas' own needs scipy).
    assert q.rank().corr(bad.rank()) < -0.5
    assert q.rank().corr(missing_tz.rank()) < -0.5


def test_a_few_inbound_callbacks(ds, calls):
    inbound = calls[calls["direction"] == "inbound"]
    assert 0.002 < len(inbound) / len(calls) < 0.03
    assert (~inbound["known_contact"]).any() and inbound["known_contact"].any()
    rep_numbers = {e164(c["from"]) for c in ds.calls if c["direction"] == "outbound"}
    assert all(e164(c["to"]) in rep_numbers for c in ds.calls if c["direction"] == "inbound")
    assert not any("sequence" in c for c in ds.calls if c["direction"] == "inbound")


def test_recordings_transcripts_and_summaries(ds, calls):
    human = calls["answered_by"] == "human"
    assert calls.loc[human, "recorded"].mean() > 0.8
    assert not calls.loc[calls["outcome"] != "answered", "recorded"].any()
    assert calls.loc[calls["conversation"], "transcribed"].mean() > 0.6
    assert calls.loc[calls["conversation"], "summarized"].mean() > 0.5
    assert calls.loc[calls["transcribed"], "recorded"].all()
    assert calls.loc[calls["summarized"], "transcribed"].all()
    assert calls.loc[~calls["answered"], "transcribed"].sum() == 0
    recorded = calls.groupby("rep")["recorded"].mean()
    assert recorded.max() - recorded.min() > 0.05  # one rep records less (two-party consent)


def test_some_records_are_updated_after_creation(calls):
    assert 0.02 < calls["updated"].mean() < 0.3


# --- generate(): determinism, arguments -----------------------------------------------------


def test_generation_is_deterministic_and_seeded():
    a = generate(seed=11, n_calls=400, days=14)
    assert a == generate(seed=11, n_calls=400, days=14)
    b = generate(seed=12, n_calls=400, days=14)
    assert [c["call_id"] for c in a.calls] != [c["call_id"] for c in b.calls]


def test_generate_honours_its_arguments():
    small = generate(seed=2, n_calls=500, start="2027-01-04", days=21)
    assert len(small.calls) == 500
    days = {ts(c["started_at"]).date() for c in small.calls}
    assert min(days) >= datetime(2027, 1, 4).date() - timedelta(days=1)
    assert max(days) <= datetime(2027, 1, 25).date()
    assert [c["createdAt"] for c in small.calls] == sorted(c["createdAt"] for c in small.calls)
    for rec in small.calls:
        check_record(rec)
    assert generate(n_calls=0, days=7).calls == []


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"seed": "7"}, "seed"),
        ({"n_calls": -1}, "n_calls"),
        ({"n_calls": 1.5}, "n_calls"),
        ({"start": "03/08/2026"}, "start"),
        ({"days": 3}, "days"),
    ],
)
def test_generate_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        generate(**kwargs)


# --- live calls -----------------------------------------------------------------------------


def test_new_call_is_a_valid_fresh_record(ds):
    rng = random.Random(4)
    at = datetime(2026, 10, 27, 15, 30, 12, 345000, tzinfo=UTC)
    existing_ids = {c["_id"] for c in ds.calls}
    made = [new_call(ds, rng, at + timedelta(seconds=i)) for i in range(300)]
    users = {u["user"]["_id"]: u for u in ds.team["users"]}
    list_ids = {lst["_id"] for lst in ds.contact_lists}
    for i, rec in enumerate(made):
        check_record(rec)
        assert (
            rec["createdAt"]
            == rec["updatedAt"]
            == (at + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.345Z")
        )
        assert ts(rec["ended_at"]) <= at + timedelta(seconds=i)
        assert users[rec["user"]["_id"]]["status"] == "active"
        assert not rec["contact_list"] or rec["contact_list"]["_id"] in list_ids
        assert rec["_id"] not in existing_ids
    assert len({r["_id"] for r in made}) == len({r["call_id"] for r in made}) == 300
    assert {r["outcome"] for r in made} == {"answered", "no-answer", "cancelled"}
    assert len({r["contact"].get("last_name") for r in made}) > 50
    # Same stream, same call.
    assert new_call(ds, random.Random(9), at) == new_call(ds, random.Random(9), at)


def test_new_call_accepts_other_time_zones_and_an_empty_dataset(ds):
    at = datetime(2026, 10, 27, 11, 0, tzinfo=ZoneInfo("America/New_York"))
    rec = new_call(ds, random.Random(1), at)
    assert rec["createdAt"] == "2026-10-27T15:00:00.000Z"
    bare = Dataset(team=ds.team, dispositions=ds.dispositions)
    rec = new_call(bare, random.Random(1), at)
    check_record(rec)
    assert rec["contact"] == {} and rec["contact_list"] == {}


def test_new_call_rejects_naive_times_and_teams_without_users(ds):
    with pytest.raises(ValueError, match="at must be a timezone-aware datetime"):
        new_call(ds, random.Random(1), datetime(2026, 10, 27, 15))
    with pytest.raises(ValueError, match="no team users"):
        new_call(Dataset(), random.Random(1), datetime(2026, 10, 27, 15, tzinfo=UTC))


def test_touch_call_updates_a_copy(ds):
    rng = random.Random(3)
    changed = 0
    for original in ds.calls[:: len(ds.calls) // 200]:
        before = copy.deepcopy(original)
        at = ts(original["createdAt"]) + timedelta(hours=2, milliseconds=7)
        touched = touch_call(original, rng, at)
        assert original == before  # the input is untouched
        check_record(touched)
        for key in ("_id", "call_id", "createdAt", "started_at", "outcome", "user"):
            assert touched[key] == original[key]
        assert ts(touched["updatedAt"]) == at.replace(microsecond=at.microsecond // 1000 * 1000)
        rest = {k: v for k, v in touched.items() if k != "updatedAt"}
        changed += rest != {k: v for k, v in original.items() if k != "updatedAt"}
    assert changed >= 190  # nearly every touch changes content, not only the timestamp


def test_touch_call_completes_calls_left_without_disposition(ds):
    open_call = next(c for c in ds.calls if not c["disposition"])
    touched = touch_call(
        open_call, random.Random(1), ts(open_call["createdAt"]) + timedelta(days=1)
    )
    assert touched["disposition"]["internal_id"] in DEFAULT_DISPOSITIONS
    assert touched["is_completed"] is True


def test_touch_call_rejects_times_before_creation(ds):
    rec = ds.calls[0]
    with pytest.raises(ValueError, match="earlier than the record's createdAt"):
        touch_call(rec, random.Random(1), ts(rec["createdAt"]) - timedelta(seconds=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        touch_call(rec, random.Random(1), datetime(2030, 1, 1))


# --- planted effects (Knobs) ----------------------------------------------------------------

# Strong versions of the planted effects, so small datasets show them clearly; and the same team
# with every effect at its "no effect" value (burned numbers still chosen, so their rates can be
# compared; double dials still happen, without a lift).
STRONG = Knobs(
    burn_start_day=42,
    burn_answer_factor=0.4,
    local_presence_lift=1.6,
    local_share=0.9,
    attempt_effect=(1.0, 1.3, 1.6, 1.8),
    double_dial_share=0.3,
    double_dial_lift=2.0,
)
NONE = Knobs(
    burn_start_day=42,
    burn_answer_factor=1.0,
    local_presence_lift=1.0,
    local_share=0.9,
    attempt_effect=(1.0,),
    double_dial_share=0.3,
    double_dial_lift=1.0,
    confounded_skill=False,
    session_gap_minutes=0.0,
)
SEEDS = (1, 2)


def planted_frame(dataset: Dataset) -> pd.DataFrame:
    """One row per call, in started_at order, with each outbound contact dial's attempt number,
    whether the caller id is local, and the previous attempt's outcome and end.
    """
    rows = []
    for c in dataset.calls:
        d = (c.get("disposition") or {}).get("internal_id")
        rows.append(
            {
                "contact": (c.get("contact") or {}).get("_id"),
                "outbound": c["direction"] == "outbound",
                "started": ts(c["started_at"]),
                "duration": c["duration"],
                "caller": e164(c["from"]) if c["direction"] == "outbound" else None,
                "called": e164(c["to"]),
                "rep": c["user"]["_id"],
                "list": (c.get("contact_list") or {}).get("_id"),
                "answered": c["outcome"] == "answered",
                "ring_out": c["outcome"] == "no-answer",
                "human": c.get("answered_by") == "human",
                "connected": c.get("answered_by") == "human" and d is not None and d < 10,
                "bad_number": d == 13,
            }
        )
    df = pd.DataFrame(rows).sort_values("started", kind="stable").reset_index(drop=True)
    df["local"] = [
        isinstance(a, str) and a.startswith("+1") and a[:5] == b[:5]
        for a, b in zip(df["caller"], df["called"], strict=True)
    ]
    dials = df["outbound"] & df["contact"].notna()
    by = df[dials].groupby("contact")
    df.loc[dials, "attempt"] = by.cumcount() + 1
    df.loc[dials, "prev_ring_out"] = by["ring_out"].shift()
    prev_end = by["started"].shift() + pd.to_timedelta(by["duration"].shift(), unit="s")
    df.loc[dials, "gap"] = (df.loc[dials, "started"] - prev_end).dt.total_seconds()
    return df


@pytest.fixture(scope="module", params=SEEDS)
def pair(request) -> tuple[Dataset, pd.DataFrame, Dataset, pd.DataFrame]:
    strong = generate(seed=request.param, n_calls=12_000, knobs=STRONG)
    none = generate(seed=request.param, n_calls=12_000, knobs=NONE)
    return strong, planted_frame(strong), none, planted_frame(none)


def ratio_and_se(hits_a: float, n_a: float, hits_b: float, n_b: float) -> tuple[float, float]:
    """Rate ratio a/b and the standard error of its log."""
    ratio = (hits_a / n_a) / (hits_b / n_b)
    return ratio, math.sqrt(1 / hits_a - 1 / n_a + 1 / hits_b - 1 / n_b)


def near(ratio: float, se: float, planted: float, z: float = 3.5) -> bool:
    return abs(math.log(ratio) - math.log(planted)) < z * se


def test_truth_records_what_was_planted_and_is_json(pair):
    strong, _, none, _ = pair
    for dataset, knobs in ((strong, STRONG), (none, NONE)):
        truth = dataset.truth
        assert json.loads(json.dumps(truth)) == truth
        assert len(truth["burned_numbers"]) == knobs.burned_numbers
        assert all(re.fullmatch(r"\+1\d{10}", n) for n in truth["burned_numbers"])
        assert truth["burn_start"] == "2026-09-14"  # 42 days after 2026-08-03
        assert truth["burn_answer_factor"] == knobs.burn_answer_factor
        assert truth["local_presence_lift"] == knobs.local_presence_lift
        ids = [lst["_id"] for lst in dataset.contact_lists]
        assert truth["local_presence_lists"] == [ids[i] for i in knobs.local_presence_lists]
        assert len(truth["attempt_human_pickup"]) == 10
        assert truth["double_dial_lift"] == knobs.double_dial_lift
        assert (truth["amd_false_machine"], truth["amd_false_human"]) == (0.06, 0.04)
        assert set(truth["rep_skill"]) == {u["user"]["_id"] for u in dataset.team["users"][:-1]}
        assert truth["session_gap_minutes"] == knobs.session_gap_minutes
    # Never inside a call.
    assert not any("truth" in c or "attempt" in c for c in strong.calls)
    assert (
        generate(seed=3, n_calls=100, days=7, knobs=Knobs(burned_numbers=0)).truth["burned_numbers"]
        == []
    )


def test_burned_numbers_lose_answers_from_the_label_date(pair):
    for dataset, df, planted in ((pair[0], pair[1], 0.4), (pair[2], pair[3], 1.0)):
        truth = dataset.truth
        calls = df[df["outbound"] & ~df["bad_number"]]  # dead numbers answer the same anyway
        after = calls["started"] >= datetime.fromisoformat(truth["burn_start"]).replace(tzinfo=UTC)
        burned = calls["caller"].isin(truth["burned_numbers"])
        # Against the other numbers over the same days (rates drift with the attempt mix).
        a = calls[burned & after]["answered"], calls[burned & ~after]["answered"]
        b = calls[~burned & after]["answered"], calls[~burned & ~after]["answered"]
        burned_ratio, se_a = ratio_and_se(a[0].sum(), len(a[0]), a[1].sum(), len(a[1]))
        other_ratio, se_b = ratio_and_se(b[0].sum(), len(b[0]), b[1].sum(), len(b[1]))
        assert near(burned_ratio / other_ratio, math.hypot(se_a, se_b), planted)
        # Busy numbers with many short calls: what carriers' analytics react to.
        volume = calls.groupby("caller").size().sort_values()
        assert set(volume.index[-2:]) == set(truth["burned_numbers"])
        short = calls["duration"] < 10
        assert short[burned].mean() > 3 * short[~burned].mean()


def _stratified_ratio(calls: pd.DataFrame, outcome: str) -> tuple[float, float]:
    """Observed / expected `outcome` count of local dials, expected from non-local dials of the
    same list and rep (indirect standardisation), and the SE of its log."""
    cells = calls.groupby(["list", "rep", "local"])[outcome].agg(["sum", "size"]).unstack("local")
    cells = cells.dropna()
    expected = (cells[("size", True)] * cells[("sum", False)] / cells[("size", False)]).sum()
    observed = cells[("sum", True)].sum()
    return observed / expected, math.sqrt(1 / observed + 1 / cells[("sum", False)].sum())


def _first_attempts(dataset: Dataset, df: pd.DataFrame) -> pd.DataFrame:
    # First attempts only: later ones go to contacts not reached before, fewer of them among
    # the contacts local numbers reach better (selection dilutes the per-dial lift).
    burned = df["caller"].isin(dataset.truth["burned_numbers"])
    return df[(df["attempt"] == 1) & df["list"].notna() & ~burned]


def test_local_presence_lifts_pickup_on_its_lists_only(pair):
    for dataset, df, planted in ((pair[0], pair[1], 1.6), (pair[2], pair[3], 1.0)):
        calls = _first_attempts(dataset, df)
        on = calls["list"].isin(dataset.truth["local_presence_lists"])
        assert near(*_stratified_ratio(calls[on], "human"), planted)
        assert near(*_stratified_ratio(calls[~on], "human"), 1.0)
        # Local is common but not universal: reps have local numbers for some area codes.
        assert 0.25 < df.loc[df["outbound"], "local"].mean() < 0.75
        assert df.groupby("rep")["caller"].nunique().min() >= 6


def test_attempts_follow_the_planted_curve(pair):
    for dataset, df, knobs in ((pair[0], pair[1], STRONG), (pair[2], pair[3], NONE)):
        dials = df[df["attempt"].notna()]
        # Each contact is redialled over days, up to ten times and more.
        assert dials["attempt"].max() >= 10
        assert (dials.loc[dials["attempt"] == 2, "gap"] > 12 * 3600).mean() > 0.6
        planted = dataset.truth["attempt_human_pickup"]
        observed = dials.groupby("attempt")["human"].agg(["sum", "size"])
        for attempt in range(1, 6):
            hits, n = observed.loc[attempt]
            p = planted[attempt - 1] * (1 - knobs.amd_unknown_human)
            assert abs(hits / n - p) < 3.5 * math.sqrt(p * (1 - p) / n), attempt
        rise = planted[2] / planted[0]
        assert rise > 1.3 if knobs is STRONG else rise < 1.05


def test_double_dials_follow_ring_outs_with_their_lift(pair):
    for df, planted in ((pair[1], 2.0), (pair[3], 1.0)):
        dials = df[df["attempt"].notna() & df["prev_ring_out"].notna()]
        after_ring_out = dials[dials["prev_ring_out"].astype(bool)]
        double = after_ring_out["gap"].between(60, 180)
        later = after_ring_out["gap"] > 12 * 3600
        ring_outs = df[df["attempt"].notna()]["ring_out"].sum()
        assert 0.2 < double.sum() / ring_outs <= 0.3
        # Against later redials after a ring-out, attempt by attempt (attempts change pick-up).
        cells = after_ring_out.assign(double=double)[double | later]
        cells = cells.groupby(["attempt", "double"])["human"].agg(["sum", "size"]).unstack()
        cells = cells.dropna()
        expected = (cells[("size", True)] * cells[("sum", False)] / cells[("size", False)]).sum()
        observed = cells[("sum", True)].sum()
        se = math.sqrt(1 / observed + 1 / cells[("sum", False)].sum())
        assert near(observed / expected, se, planted)


def test_rep_skill_is_confounded_with_lists_only_when_asked(pair):
    for dataset, df, confounded in ((pair[0], pair[1], True), (pair[2], pair[3], False)):
        skill = pd.Series(dataset.truth["rep_skill"])
        # Skill is the rep's human pick-up multiplier: compare it with their raw pick-up rate.
        raw = df[df["outbound"]].groupby("rep")["human"].mean()
        correlation = skill.corr(raw.reindex(skill.index), method="spearman")
        best = raw.rank()[skill.idxmax()]
        if confounded:  # the most skilled rep ranks in the bottom half on raw rates
            assert best <= len(raw) / 2
            assert correlation < 0.4
        else:  # raw rates follow skill (rep zones and hours still add noise)
            assert best >= len(raw) - 1
            assert correlation > 0.5


def _gaps(dataset: Dataset) -> pd.DataFrame:
    """Minutes between a rep's consecutive dials of the same rep-local day."""
    zones = {
        rep["user"]["_id"]: tz
        for rep, tz in zip(dataset.team["users"][:-1], REP_ZONES, strict=True)
    }
    df = pd.DataFrame(
        {"rep": c["user"]["_id"], "started": ts(c["started_at"])} for c in dataset.calls
    )
    df["local"] = [
        t.astimezone(ZoneInfo(zones[r])) for r, t in zip(df["rep"], df["started"], strict=True)
    ]
    df["day"] = [t.date() for t in df["local"]]
    df["hour"] = [t.hour + t.minute / 60 for t in df["local"]]
    df = df.sort_values(["rep", "started"])
    df["gap"] = df.groupby(["rep", "day"])["started"].diff().dt.total_seconds() / 60
    return df


REP_ZONES = ("America/New_York", "America/Chicago", "America/New_York", "America/Los_Angeles",
             "Europe/London", "America/Denver", "America/Chicago", "America/Los_Angeles",
             "America/New_York", "America/New_York")  # fmt: skip


@pytest.mark.parametrize("seed", SEEDS)
def test_reps_dial_in_sessions_from_their_own_start_times(seed):
    busy, flat = (
        _gaps(generate(seed=seed, n_calls=6_000, days=14, knobs=Knobs(session_gap_minutes=g)))
        for g in (25.0, 0.0)
    )
    days = busy.groupby(["rep", "day"]).ngroups
    idle, no_idle = (
        frame["gap"] > 3 * frame.groupby(["rep", "day"])["gap"].transform("median")
        for frame in (busy, flat)
    )
    assert idle.sum() / days >= 3  # several idle gaps a day, much longer than the pacing
    assert 22 < busy.loc[idle & (busy["gap"] < 45), "gap"].median() < 34
    assert no_idle.sum() / days < 1
    first = busy.groupby(["rep", "day"])["hour"].min().groupby("rep").median()
    assert first.max() - first.min() >= 1.0  # reps start at different times
    assert first.min() >= 8.0


def test_demo_data_plants_the_default_effects(ds):
    truth = ds.truth
    assert truth["burn_answer_factor"] == 0.5 and truth["local_presence_lift"] == 1.3
    assert len(truth["burned_numbers"]) == 2 and truth["double_dial_lift"] == 1.6
    df = planted_frame(ds)
    calls = _first_attempts(ds, df)
    on = calls["list"].isin(truth["local_presence_lists"])
    assert near(*_stratified_ratio(calls[on], "human"), 1.3)
    assert 0.15 < df.loc[df["outbound"], "local"].mean() < 0.5


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"burned_numbers": 11}, "burned_numbers"),
        ({"burn_answer_factor": 0}, "burn_answer_factor"),
        ({"local_share": 1.5}, "local_share"),
        ({"local_presence_lists": (99,)}, "local_presence_lists"),
        ({"attempt_effect": ()}, "attempt_effect"),
        ({"session_gap_minutes": -1}, "session_gap_minutes"),
    ],
)
def test_bad_knobs_are_rejected_by_name(change, name):
    with pytest.raises(InvalidParameterError, match=name) as info:
        generate(n_calls=10, days=7, knobs=Knobs(**change))
    assert info.value.parameter == f"knobs.{name}"
    with pytest.raises(InvalidParameterError, match="knobs"):
        generate(n_calls=10, days=7, knobs={"burned_numbers": 0})

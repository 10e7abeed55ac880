"""The demo-data generator: record shapes, realism of the bundled data, live calls and updates.

Everything is computed from the raw records with plain Python and pandas.
"""

from __future__ import annotations

import copy
import random
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import phonenumbers
import pytest
from phonenumbers import timezone as phone_zones

from dialstats.sandbox import Dataset, demo_dataset, generate, new_call, touch_call

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

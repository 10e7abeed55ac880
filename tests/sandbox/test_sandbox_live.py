"""The sandbox's two dialects over real loopback HTTP: the live API's recorded shapes (default)
and the written spec's, the endpoints users document, and the overview outage."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from dialstats.errors import InvalidParameterError
from dialstats.sandbox import Dataset, Faults, FaultsError, create_app, serve

KEY = {"x-api-key": "demo"}
CONTROL = re.compile(rb"[\x00-\x1f]")
FOLLOW_UP_IDS = {6, 7, 8, 15}


@pytest.fixture(scope="module")
def live(small_dataset: Dataset) -> Iterator[httpx.Client]:
    with serve(small_dataset) as url, httpx.Client(base_url=url, headers=KEY) as client:
        yield client


@pytest.fixture(scope="module")
def spec(small_dataset: Dataset) -> Iterator[httpx.Client]:
    with (
        serve(small_dataset, dialect="spec") as url,
        httpx.Client(base_url=url, headers=KEY) as client,
    ):
        yield client


def get(client: httpx.Client, path: str, params=None, status: int = 200) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    return response.json(strict=False)


def walk(client: httpx.Client, path: str, params=None, limit: int = 100) -> list[dict]:
    """Every record of a live-paged endpoint, following ``pagination.next``."""
    records, page = [], 1
    while True:
        body = get(client, path, {**(params or {}), "limit": limit, "page": page})
        records += body["data"]
        pagination = body["pagination"]
        assert set(pagination) == {"total", "page", "next"} and pagination["page"] == page
        if pagination["next"] is None:
            assert len(records) == pagination["total"]
            return records
        assert pagination["next"] == page + 1
        page += 1


def _created(call: dict) -> datetime:
    return datetime.fromisoformat(call["createdAt"])


def _disposition(call: dict) -> int | None:
    return (call.get("disposition") or {}).get("internal_id")


# -- the call log in both dialects ------------------------------------------------------------


def test_live_call_log_pages_by_next_and_spec_by_pages(live, spec, small_dataset):
    live_records = walk(live, "/v1/call-log")
    spec_records, page = [], 1
    while True:
        body = get(spec, "/v1/call-log", {"limit": 100, "page": page})
        assert set(body["pagination"]) == {"total", "page", "limit", "pages"}
        spec_records += body["data"]
        if page >= body["pagination"]["pages"]:
            break
        page += 1
    stored = {c["_id"]: c for c in small_dataset.calls}
    assert live_records == spec_records
    newest_first = sorted(sorted(stored), key=lambda i: _created(stored[i]), reverse=True)
    assert [r["_id"] for r in live_records] == newest_first  # ties: _id ascending
    assert all(r == stored[r["_id"]] for r in live_records)  # read exactly as stored


def test_live_bodies_hold_raw_control_characters_in_transcripts(live, spec, small_dataset):
    glitched = next(c for c in small_dataset.calls if "\x0b" in c.get("transcription", ""))
    raw = live.get(f"/v1/call-log/{glitched['_id']}").content
    assert b"\x0b" in raw and b"\n" in raw  # written raw, as the live API does
    with pytest.raises(json.JSONDecodeError, match="Invalid control character"):
        json.loads(raw)
    assert json.loads(raw, strict=False) == {"data": glitched}  # the text exactly as sent
    escaped = spec.get(f"/v1/call-log/{glitched['_id']}").content
    assert not CONTROL.search(escaped) and json.loads(escaped) == {"data": glitched}


def test_control_characters_are_raw_only_inside_transcripts(live, spec):
    params = {"limit": 100, "page": 2}
    raw = live.get("/v1/call-log", params=params).content
    assert CONTROL.search(raw)  # a page of 100 calls has transcripts with line breaks
    body = json.loads(raw, strict=False)
    assert body["data"] == json.loads(spec.get("/v1/call-log", params=params).content)["data"]
    # Blank out the transcripts: what is left is strict JSON.
    for record in body["data"]:
        if record.get("transcription"):
            escaped = json.dumps(record["transcription"], ensure_ascii=False)
            unescaped = re.sub(
                r"\\(u00[01][0-9a-f]|[bfnrt])",
                lambda m: json.loads(f'"\\{m.group(1)}"'),
                escaped,
            )
            raw = raw.replace(unescaped.encode(), b'""')
    assert not CONTROL.search(raw)


def test_one_call_log_by_id(live, small_dataset):
    call = small_dataset.calls[123]
    assert get(live, f"/v1/call-log/{call['_id']}") == {"data": call}
    body = get(live, "/v1/call-log/" + "0" * 24, status=404)
    assert body["statusCode"] == 404 and "0" * 24 in body["message"]
    assert get(live, f"/v1/call-log/{call['_id']}", {"x": 1}, 400)["parameter"] == "x"


# -- team and contact lists -------------------------------------------------------------------


def test_team_is_wrapped_in_live_and_bare_in_spec(live, spec, small_dataset):
    assert get(live, "/v1/team") == {"data": small_dataset.team}
    assert get(spec, "/v1/team") == small_dataset.team
    assert any("email" not in m["user"] for m in small_dataset.team["users"])


def test_live_lists_contact_lists_at_csv(live, spec, small_dataset):
    lists = walk(live, "/v1/contact-lists/csv", limit=5)
    newest_first = sorted(small_dataset.contact_lists, key=lambda c: c["createdAt"], reverse=True)
    assert lists == [
        {"_id": c["_id"], "name": c["name"], "user": c["user"]["_id"]} for c in newest_first
    ]
    found = get(live, "/v1/contact-lists/csv", {"search": "webinar"})
    assert [x["name"] for x in found["data"]] == ["Webinar Attendees - September"]
    assert found["pagination"] == {"total": 1, "page": 1, "next": None}
    # Each dialect serves only its own path: a client must find the one the server has.
    assert get(live, "/v1/contact-lists", status=404)["statusCode"] == 404
    assert get(spec, "/v1/contact-lists/csv", status=404)["statusCode"] == 404
    assert len(get(spec, "/v1/contact-lists", {"limit": 100})["data"]) == len(lists)


def test_one_contact_list_with_its_contacts(live, small_dataset):
    item = small_dataset.contact_lists[0]
    dialled = {
        c["contact"]["_id"]
        for c in small_dataset.calls
        if (c.get("contact_list") or {}).get("_id") == item["_id"] and c["contact"]
    }
    contacts, page = [], 1
    while True:
        body = get(live, f"/v1/contact-lists/csv/{item['_id']}", {"limit": 100, "page": page})
        assert {k: body["data"][k] for k in ("_id", "name", "user")} == {
            "_id": item["_id"],
            "name": item["name"],
            "user": item["user"]["_id"],
        }
        contacts += body["data"]["contacts"]
        if body["pagination"]["next"] is None:
            break
        page += 1
    assert {c["_id"] for c in contacts} == dialled and len(contacts) == len(dialled)
    # Search by name, and by number whatever way it is written.
    someone = contacts[0]
    by_name = get(live, f"/v1/contact-lists/csv/{item['_id']}", {"search": someone["last_name"]})
    assert someone["_id"] in {c["_id"] for c in by_name["data"]["contacts"]}
    digits = re.sub(r"\D", "", someone["phone_numbers"][0]["number"])[-10:]
    dashed = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    by_number = get(live, f"/v1/contact-lists/csv/{item['_id']}", {"search": dashed})
    assert someone["_id"] in {c["_id"] for c in by_number["data"]["contacts"]}


@pytest.mark.parametrize(
    ("path", "params", "status", "parameter"),
    [
        ("/v1/contact-lists/csv", {"limit": "101"}, 400, "limit"),
        ("/v1/contact-lists/csv", {"sort": "name"}, 400, "sort"),
        ("/v1/contact-lists/csv/" + "f" * 24, {}, 404, None),
    ],
)
def test_contact_list_errors(live, path, params, status, parameter):
    body = get(live, path, params, status)
    assert body["statusCode"] == status and body.get("parameter") == parameter


# -- scored calls, follow-ups, custom fields, snoozed contacts ---------------------------------


def test_scored_calls_are_the_transcribed_calls(live, small_dataset):
    scored = walk(live, "/v1/scored-calls")
    transcribed = {c["_id"]: c for c in small_dataset.calls if c.get("transcription")}
    assert {s["call_log_id"] for s in scored} == set(transcribed) and len(scored) == len(
        transcribed
    )
    for s in scored:
        assert 0 <= s["score"] <= 100 and s["score"] == sum(c["score"] for c in s["criteria"])
        assert s["user"] == transcribed[s["call_log_id"]]["user"]
        assert s["createdAt"] > transcribed[s["call_log_id"]]["createdAt"]
    assert [s["createdAt"] for s in scored] == sorted(
        (s["createdAt"] for s in scored), reverse=True
    )
    meetings = [s["score"] for s in scored if _disposition(s) == 1]
    others = [s["score"] for s in scored if _disposition(s) == 3]
    assert sum(meetings) / len(meetings) > sum(others) / len(others)  # scores mean something
    one = scored[7]
    assert get(live, f"/v1/scored-calls/{one['_id']}") == {"data": one}
    assert get(live, "/v1/scored-calls/nope", status=404)["statusCode"] == 404


def test_scored_calls_filters(live):
    everything = walk(live, "/v1/scored-calls")
    user = everything[0]["user"]["_id"]
    start, end = "2026-09-01", "2026-09-30T12:00:00Z"
    params = {
        "min_score": 60,
        "max_score": 80,
        "user_id": user,
        "start_date": start,
        "end_date": end,
    }
    chosen = walk(live, "/v1/scored-calls", params)
    expected = [
        s
        for s in everything
        if 60 <= s["score"] <= 80
        and s["user"]["_id"] == user
        and "2026-09-01" <= s["createdAt"] <= "2026-09-30T12:00:00.000Z"
    ]
    assert chosen == expected and chosen


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"min_score": "-1"}, "min_score"),
        ({"max_score": "101"}, "max_score"),
        ({"max_score": "high"}, "max_score"),
        ({"min_score": "70", "max_score": "40"}, "max_score"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": "2026-09-02", "end_date": "2026-09-01"}, "end_date"),
        ({"limit": "101"}, "limit"),
        ({"page": "0"}, "page"),
        ({"score": "50"}, "score"),
    ],
)
def test_scored_calls_bad_parameters(live, params, parameter):
    body = get(live, "/v1/scored-calls", params, 400)
    assert body["parameter"] == parameter and parameter in body["message"]


def test_follow_up_tasks(live, small_dataset):
    tasks = walk(live, "/v1/follow-up", limit=50)
    scheduling = {c["_id"]: c for c in small_dataset.calls if _disposition(c) in FOLLOW_UP_IDS}
    assert {t["call_log_id"] for t in tasks} == set(scheduling) and len(tasks) == len(scheduling)
    assert {t["status"] for t in tasks} == {"open", "done"}
    assert {t["type"] for t in tasks} == {"call", "email"}
    for t in tasks[::25]:
        call = scheduling[t["call_log_id"]]
        assert t["due_date"] > call["createdAt"] and t["user"] == call["user"]["_id"]
    assert get(live, "/v1/follow-up", {"status": "open"}, 400)["parameter"] == "status"


def test_custom_fields(live):
    fields = get(live, "/v1/custom-fields")["data"]
    assert {(f["label"], f["type"]) for f in fields} == {
        ("Employees", "number"),
        ("Industry", "text"),
    }
    assert all(re.fullmatch(r"[0-9a-f]{24}", f["_id"]) for f in fields)


def test_snoozed_contacts(live, small_dataset):
    snoozed = walk(live, "/v1/snoozed-contacts", limit=20)
    latest = max(c["createdAt"] for c in small_dataset.calls)
    assert snoozed and all(s["snoozed_until"] > latest for s in snoozed)
    assert len({s["contact"]["_id"] for s in snoozed}) == len(snoozed)
    assert get(live, "/v1/snoozed-contacts", {"limit": "0"}, 400)["parameter"] == "limit"


def test_new_endpoints_follow_inserted_calls(small_dataset, asgi_client):
    app = create_app(small_dataset)
    client = asgi_client(app)
    before = client.get("/v1/follow-up").json()["pagination"]["total"]
    added = app.state.sandbox.insert(200)
    new = sum(_disposition(c) in FOLLOW_UP_IDS for c in added)
    assert new > 0
    assert client.get("/v1/follow-up").json()["pagination"]["total"] == before + new


# -- analytics: required dates, and the overview outage ----------------------------------------

ANALYTICS = [
    "/v1/analytics/overview",
    "/v1/analytics/sdr-performance",
    "/v1/analytics/list-performance",
]


@pytest.mark.parametrize("path", ANALYTICS)
def test_live_analytics_require_both_dates(live, spec, path):
    for params, missing in (
        ({}, "start_date"),
        ({"end_date": "2026-09-30"}, "start_date"),
        ({"start_date": "2026-09-01"}, "end_date"),
        ({"start_date": "2026-09-01", "end_date": ""}, "end_date"),
    ):
        body = get(live, path, params, 400)
        assert body["parameter"] == missing and "required" in body["message"]
    dates = {"start_date": "2026-09-01", "end_date": "2026-09-30"}
    assert get(live, path, dates) == get(spec, path, dates)
    get(spec, path)  # optional in the written spec


def test_overview_down_answers_500_every_time(small_dataset):
    dates = {"start_date": "2026-09-01", "end_date": "2026-09-30"}
    with serve(small_dataset, faults=Faults(overview_down=True)) as url:
        with httpx.Client(base_url=url, headers=KEY) as client:
            for _ in range(5):
                response = client.get("/v1/analytics/overview", params=dates)
                assert response.status_code == 500
                assert response.json()["statusCode"] == 500
            assert client.get("/v1/analytics/sdr-performance", params=dates).status_code == 200
            assert client.get("/v1/call-log").status_code == 200
        assert url.sandbox.faults_injected["overview_down"] == 5
    assert repr(Faults(overview_down=True)) == "Faults(overview_down=True)"
    with pytest.raises(FaultsError, match="overview_down"):
        Faults(overview_down="yes")


# -- choosing the dialect -----------------------------------------------------------------------


@pytest.mark.parametrize(("dialect", "hint"), [("Spec", "'spec'"), ("lvie", "'live'"), ("xml", "")])
def test_an_unknown_dialect_is_a_clear_error(small_dataset, dialect, hint):
    with pytest.raises(InvalidParameterError, match="dialect must be 'live' or 'spec'") as info:
        create_app(small_dataset, dialect=dialect)
    assert info.value.parameter == "dialect"
    assert (f"did you mean {hint}" in str(info.value)) == bool(hint)
    with pytest.raises(InvalidParameterError), serve(small_dataset, dialect=dialect):
        pass

"""The sandbox's reference-data and analytics endpoints against brute-force computations.

These check the endpoints as the written spec defines them (the "spec" dialect: bare team, GET
/v1/contact-lists, optional analytics dates); test_sandbox_live.py checks the live dialect.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dialstats.sandbox import Dataset, create_app


@pytest.fixture(scope="module")
def sandbox_http(small_dataset, asgi_client):
    """A sandbox in the written-spec dialect (overrides the conftest's live one here)."""
    return asgi_client(create_app(small_dataset, dialect="spec"))


# -- the reference: the vendor's metric definitions, in plain Python -----------------------------


def _disposition(call: dict) -> int | None:
    value = call.get("disposition")
    return value.get("internal_id") if isinstance(value, dict) else None


def _instant(text: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """Start of the period, or the first instant after it (bare dates are days in `zone`)."""
    if len(text) == 10:
        day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
        return datetime(day.year, day.month, day.day, tzinfo=zone)
    moment = datetime.fromisoformat(text)
    return moment + timedelta(microseconds=1) if end else moment


def brute_calls(
    dataset: Dataset,
    start: datetime | None = None,
    stop: datetime | None = None,
    users: list[str] | None = None,
    dispositions: list[int] | None = None,
) -> list[dict]:
    """Calls created in ``[start, stop)`` by `users` with `dispositions` (None: any)."""
    chosen = []
    for call in dataset.calls:
        created = datetime.fromisoformat(call["createdAt"])
        if start is not None and created < start:
            continue
        if stop is not None and created >= stop:
            continue
        if users is not None and call["user"]["_id"] not in users:
            continue
        if dispositions is not None and _disposition(call) not in dispositions:
            continue
        chosen.append(call)
    return chosen


def brute_metrics(dataset: Dataset, calls: list[dict], zone: ZoneInfo) -> dict[str, Any]:
    follow_ups = {6, 7, 8} | {
        d["id"] for d in dataset.dispositions if "follow" in d["name"].lower()
    }
    connected = [
        c
        for c in calls
        if c.get("answered_by") == "human" and _disposition(c) is not None and _disposition(c) < 10
    ]
    conversations = [c for c in connected if _disposition(c) == 1 or (c.get("duration") or 0) >= 60]
    days = {datetime.fromisoformat(c["createdAt"]).astimezone(zone).date() for c in calls}
    total = len(calls)
    return {
        "total_calls": total,
        "connected_calls": len(connected),
        "conversations": len(conversations),
        "meetings_set": sum(_disposition(c) == 1 for c in calls),
        "total_follow_up_tasks": sum(_disposition(c) in follow_ups for c in calls),
        "connection_rate": len(connected) / total if total else None,
        "conversation_rate": len(conversations) / total if total else None,
        "avg_dials_day": total / len(days) if days else None,
        "total_duration": sum(c.get("duration") or 0 for c in calls),
        "data_problems": sum(_disposition(c) in (2, 5, 13) for c in calls),
    }


def brute_order(rows: list[dict]) -> list[dict]:
    def rate(row: dict) -> float:
        return row["connection_rate"] if row["connection_rate"] is not None else -1.0

    return sorted(rows, key=lambda r: (-r["meetings_set"], -rate(r), r["_id"]))


METRIC_FIELDS = (
    "total_calls",
    "connected_calls",
    "connection_rate",
    "conversations",
    "conversation_rate",
    "meetings_set",
    "avg_dials_day",
    "total_duration",
)


def brute_sdr_rows(dataset: Dataset, calls: list[dict], zone: ZoneInfo) -> list[dict]:
    by_user: dict[str, list[dict]] = defaultdict(list)
    for call in calls:
        by_user[call["user"]["_id"]].append(call)
    team = {m["user"]["_id"]: m["user"] for m in dataset.team["users"]}
    rows = []
    for user_id, mine in by_user.items():
        metrics = brute_metrics(dataset, mine, zone)
        user = team.get(user_id, mine[0]["user"])
        rows.append(
            {
                "_id": user_id,
                "first_name": user["first_name"],
                "last_name": user["last_name"],
                "email": user.get("email"),  # some users have none
                "image": None,
                **{k: metrics[k] for k in METRIC_FIELDS},
                "data_quality": 1 - metrics["data_problems"] / metrics["total_calls"],
            }
        )
    return brute_order(rows)


def brute_list_rows(dataset: Dataset, calls: list[dict], zone: ZoneInfo) -> list[dict]:
    by_list: dict[str, list[dict]] = defaultdict(list)
    for call in calls:
        if call.get("contact_list"):
            by_list[call["contact_list"]["_id"]].append(call)
    rows = []
    for item in dataset.contact_lists:
        metrics = brute_metrics(dataset, by_list.get(item["_id"], []), zone)
        rows.append(
            {
                "_id": item["_id"],
                "name": item["name"],
                "source": item["source"],
                **{k: metrics[k] for k in METRIC_FIELDS},
                "total_contacts": item["total_contacts"],
                "good_quality_contacts": item["good_quality_contacts"],
                "data_quality": item["good_quality_contacts"] / item["total_contacts"],
                "owner": item["user"],
            }
        )
    return brute_order(rows)


def get_json(client, path: str, params: Any = None, status: int = 200) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    return response.json()


# -- reference data ------------------------------------------------------------------------------


def test_dispositions_all_and_filtered(sandbox_http, small_dataset):
    all_ = get_json(sandbox_http, "/v1/dispositions")["data"]
    assert all_ == small_dataset.dispositions
    custom = get_json(sandbox_http, "/v1/dispositions", {"is_custom": "true"})["data"]
    assert custom == [d for d in small_dataset.dispositions if d["is_custom"]]
    assert custom, "the generated data has custom dispositions"
    built_in = get_json(sandbox_http, "/v1/dispositions", {"is_custom": "false"})["data"]
    assert [d["id"] for d in built_in] == list(range(1, 15))
    positive = get_json(sandbox_http, "/v1/dispositions", {"category": "positive"})["data"]
    assert [d["id"] for d in positive] == [
        d["id"] for d in small_dataset.dispositions if d["category"] == "positive"
    ]
    both = get_json(
        sandbox_http, "/v1/dispositions", {"category": "negative", "is_custom": "true"}
    )["data"]
    assert both == [
        d for d in small_dataset.dispositions if d["category"] == "negative" and d["is_custom"]
    ]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"category": "great"}, "category"), ({"is_custom": "yes"}, "is_custom"), ({"x": "1"}, "x")],
)
def test_dispositions_bad_parameters(sandbox_http, params, parameter):
    assert get_json(sandbox_http, "/v1/dispositions", params, 400)["parameter"] == parameter


def _brute_sequence(dataset: Dataset, sequence: dict) -> dict:
    mine = [c for c in dataset.calls if (c.get("sequence") or {}).get("_id") == sequence["id"]]
    times = sorted(mine, key=lambda c: datetime.fromisoformat(c["createdAt"]))
    return {
        "id": sequence["id"],
        "name": sequence["name"],
        "total_calls": len(mine),
        "first_used_at": times[0]["createdAt"] if times else None,
        "last_used_at": times[-1]["createdAt"] if times else None,
    }


def test_sequences_derive_usage_from_the_calls(sandbox_http, small_dataset):
    body = get_json(sandbox_http, "/v1/sequences")
    expected = [_brute_sequence(small_dataset, s) for s in small_dataset.sequences]
    assert body == {"data": expected}
    assert all(s["total_calls"] > 0 for s in expected)
    for sequence in expected:
        one = get_json(sandbox_http, f"/v1/sequences/{sequence['id']}")
        assert one == {"data": sequence}


def test_sequence_usage_follows_new_calls(small_dataset, asgi_client):
    app = create_app(small_dataset)
    client = asgi_client(app)
    before = {s["id"]: s for s in get_json(client, "/v1/sequences")["data"]}
    added = [c for c in app.state.sandbox.insert(40) if c.get("sequence")]
    after = {s["id"]: s for s in get_json(client, "/v1/sequences")["data"]}
    for sequence_id, sequence in after.items():
        new = [c for c in added if c["sequence"]["_id"] == sequence_id]
        assert sequence["total_calls"] == before[sequence_id]["total_calls"] + len(new)
        if new:
            assert sequence["last_used_at"] == new[-1]["createdAt"]


def test_unknown_sequence_is_404(sandbox_http):
    body = get_json(sandbox_http, "/v1/sequences/000000000000000000000000", status=404)
    assert body["statusCode"] == 404
    assert "000000000000000000000000" in body["message"]


def test_unknown_endpoint_is_404_and_other_methods_405(sandbox_http):
    assert get_json(sandbox_http, "/v1/calls", status=404)["statusCode"] == 404
    response = sandbox_http.post("/v1/call-log")
    assert response.status_code == 405
    assert response.json()["statusCode"] == 405
    assert "GET" in response.headers["allow"]


def _brute_lists(dataset: Dataset, keys: list[tuple[str, bool]]) -> list[dict]:
    items = sorted(dataset.contact_lists, key=lambda c: c["_id"])
    for field, descending in reversed(keys):
        items.sort(key=lambda c, f=field: c[f], reverse=descending)
    return [{k: v for k, v in c.items() if k != "good_quality_contacts"} for c in items]


@pytest.mark.parametrize(
    ("sort", "keys"),
    [
        (None, [("createdAt", True)]),
        ("name", [("name", False)]),
        ("-total_contacts,name", [("total_contacts", True), ("name", False)]),
        ("source,-createdAt", [("source", False), ("createdAt", True)]),
    ],
)
def test_contact_lists_sort_and_page(sandbox_http, small_dataset, sort, keys):
    expected = _brute_lists(small_dataset, keys)
    seen, page = [], 1
    while True:
        params = {"limit": 5, "page": page, **({"sort": sort} if sort else {})}
        body = get_json(sandbox_http, "/v1/contact-lists", params)
        assert body["total"] == len(expected)
        assert body["page"] == page
        seen += body["data"]
        if body["next"] is None:
            break
        assert body["next"] == page + 1
        page = body["next"]
    assert seen == expected
    assert page == -(-len(expected) // 5)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"limit": "101"}, "limit"), ({"page": "0"}, "page"), ({"sort": "-owner"}, "sort")],
)
def test_contact_lists_bad_parameters(sandbox_http, params, parameter):
    assert get_json(sandbox_http, "/v1/contact-lists", params, 400)["parameter"] == parameter


def test_team(sandbox_http, small_dataset):
    assert get_json(sandbox_http, "/v1/team") == small_dataset.team


# -- analytics -----------------------------------------------------------------------------------

UTC_ZONE = ZoneInfo("UTC")
OVERVIEW = (
    "total_calls",
    "connected_calls",
    "conversations",
    "meetings_set",
    "total_follow_up_tasks",
)


def test_overview_without_dates_covers_everything_without_growth(sandbox_http, small_dataset):
    body = get_json(sandbox_http, "/v1/analytics/overview")
    metrics = brute_metrics(small_dataset, small_dataset.calls, UTC_ZONE)
    assert body == {name: {"value": metrics[name], "growth": None} for name in OVERVIEW}
    assert metrics["meetings_set"] > 0 and metrics["total_follow_up_tasks"] > 0


@pytest.mark.parametrize(
    ("params", "zone"),
    [
        ({"start_date": "2026-09-01", "end_date": "2026-09-30"}, "UTC"),
        (
            {"start_date": "2026-09-07", "end_date": "2026-09-13", "timezone": "America/New_York"},
            None,
        ),
        ({"start_date": "2026-09-10T12:00:00Z", "end_date": "2026-09-20T11:59:59.999Z"}, "UTC"),
    ],
)
def test_overview_values_and_growth(sandbox_http, small_dataset, params, zone):
    zone = ZoneInfo(zone or params["timezone"])
    start = _instant(params["start_date"], zone, end=False)
    stop = _instant(params["end_date"], zone, end=True)
    current = brute_metrics(small_dataset, brute_calls(small_dataset, start, stop), zone)
    before = brute_calls(small_dataset, start - (stop - start), start)
    previous = brute_metrics(small_dataset, before, zone)
    body = get_json(sandbox_http, "/v1/analytics/overview", params)
    for name in OVERVIEW:
        assert body[name]["value"] == current[name]
        growth = (current[name] - previous[name]) / previous[name] if previous[name] else None
        assert body[name]["growth"] == growth, name
    assert body["total_calls"]["growth"] is not None


def test_growth_is_null_when_the_previous_period_is_empty(sandbox_http):
    params = {"start_date": "2026-08-03", "end_date": "2026-08-09"}  # the data's first week
    body = get_json(sandbox_http, "/v1/analytics/overview", params)
    assert body["total_calls"]["value"] > 0
    assert all(body[name]["growth"] is None for name in OVERVIEW)


@pytest.mark.parametrize("encoding", ["bracketed", "repeated", "indexed", "comma"])
def test_overview_filters_by_users_and_dispositions(sandbox_http, small_dataset, encoding):
    users = sorted({c["user"]["_id"] for c in small_dataset.calls})[:3]
    dispositions = ["1", "3", "6", "10"]

    def encode(name: str, values: list[str]) -> list[tuple[str, str]]:
        return {
            "bracketed": [(f"{name}[]", v) for v in values],
            "repeated": [(name, v) for v in values],
            "indexed": [(f"{name}[{i}]", v) for i, v in enumerate(values)],
            "comma": [(name, ",".join(values))],
        }[encoding]

    params = encode("user_ids", users) + encode("disposition_ids", dispositions)
    body = get_json(sandbox_http, "/v1/analytics/overview", params)
    chosen = brute_calls(small_dataset, users=users, dispositions=[int(d) for d in dispositions])
    metrics = brute_metrics(small_dataset, chosen, UTC_ZONE)
    assert {name: body[name]["value"] for name in OVERVIEW} == {n: metrics[n] for n in OVERVIEW}


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
def test_sdr_performance_matches_the_reference(sandbox_http, small_dataset, zone):
    params = {"start_date": "2026-08-15", "end_date": "2026-09-15", "timezone": zone, "limit": 100}
    tz = ZoneInfo(zone)
    calls = brute_calls(
        small_dataset, _instant("2026-08-15", tz, end=False), _instant("2026-09-15", tz, end=True)
    )
    expected = brute_sdr_rows(small_dataset, calls, tz)
    body = get_json(sandbox_http, "/v1/analytics/sdr-performance", params)
    assert body == {
        "totalCount": len(expected),
        "data": expected,
        "page": 1,
        "limit": 100,
        "next": None,
        "prev": None,
    }
    assert len(expected) > 3


def test_sdr_performance_only_lists_reps_with_calls(sandbox_http, small_dataset):
    user = small_dataset.calls[0]["user"]["_id"]
    body = get_json(sandbox_http, "/v1/analytics/sdr-performance", {"user_ids[]": user})
    assert [row["_id"] for row in body["data"]] == [user]


def test_sdr_performance_pages_and_search(sandbox_http, small_dataset):
    expected = brute_sdr_rows(small_dataset, small_dataset.calls, UTC_ZONE)
    body = get_json(sandbox_http, "/v1/analytics/sdr-performance", {"limit": 3, "page": 2})
    assert body["data"] == expected[3:6]
    assert (body["totalCount"], body["page"], body["limit"]) == (len(expected), 2, 3)
    assert (body["prev"], body["next"]) == (1, 3 if len(expected) > 6 else None)
    past = get_json(sandbox_http, "/v1/analytics/sdr-performance", {"limit": 3, "page": 99})
    assert (past["data"], past["totalCount"], past["next"]) == ([], len(expected), None)

    someone = expected[-1]
    query = someone["last_name"][1:].upper()
    found = get_json(sandbox_http, "/v1/analytics/sdr-performance", {"search": query})
    wanted = [
        r
        for r in expected
        if query.lower() in f"{r['first_name']} {r['last_name']} {r['email']}".lower()
    ]
    assert found["data"] == wanted and found["totalCount"] == len(wanted)
    full_name = f"{someone['first_name']} {someone['last_name']}"
    by_name = get_json(sandbox_http, "/v1/analytics/sdr-performance", {"search": full_name})
    assert someone in by_name["data"]


def test_list_performance_matches_the_reference(sandbox_http, small_dataset):
    params = {"start_date": "2026-09-01", "end_date": "2026-10-15", "limit": 100}
    calls = brute_calls(
        small_dataset,
        _instant("2026-09-01", UTC_ZONE, end=False),
        _instant("2026-10-15", UTC_ZONE, end=True),
    )
    expected = brute_list_rows(small_dataset, calls, UTC_ZONE)
    body = get_json(sandbox_http, "/v1/analytics/list-performance", params)
    assert body["data"] == expected
    assert body["totalCount"] == len(small_dataset.contact_lists)
    name = expected[0]["name"]
    found = get_json(sandbox_http, "/v1/analytics/list-performance", {"search": name.upper()})
    assert [r["_id"] for r in found["data"]] == [
        r["_id"]
        for r in brute_list_rows(small_dataset, small_dataset.calls, UTC_ZONE)
        if name.lower() in r["name"].lower()
    ]


@pytest.mark.parametrize(
    "path",
    ["/v1/analytics/overview", "/v1/analytics/sdr-performance", "/v1/analytics/list-performance"],
)
@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"end_date": "soon"}, "end_date"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"disposition_ids[]": "meeting"}, "disposition_ids"),
        ({"filters[outcome]": "answered"}, "filters[outcome]"),
    ],
)
def test_analytics_bad_parameters(sandbox_http, path, params, parameter):
    assert get_json(sandbox_http, path, params, 400)["parameter"] == parameter


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"limit": "101"}, "limit"), ({"limit": "0"}, "limit"), ({"page": "0"}, "page")],
)
def test_performance_paging_limits(sandbox_http, params, parameter):
    for path in ("/v1/analytics/sdr-performance", "/v1/analytics/list-performance"):
        assert get_json(sandbox_http, path, params, 400)["parameter"] == parameter
    # overview does not page
    assert get_json(sandbox_http, "/v1/analytics/overview", params, 400)["parameter"] == parameter


def test_analytics_see_inserted_calls(small_dataset, asgi_client):
    app = create_app(small_dataset, dialect="spec")
    client = asgi_client(app)
    before = get_json(client, "/v1/analytics/overview")["total_calls"]["value"]
    app.state.sandbox.insert(25, at=datetime(2026, 9, 1, 15, tzinfo=UTC))
    after = get_json(client, "/v1/analytics/overview")["total_calls"]["value"]
    assert after == before + 25

"""The endpoint readers against hand-written responses in the live API's shapes (and the written
spec's), served by a tiny Starlette app over real loopback HTTP and read through `ds.Client`."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import dialstats as ds
from dialstats.api import _endpoints
from dialstats.errors import (
    ApiError,
    IncompleteReadWarning,
    InvalidParameterError,
    NotFoundError,
    ServerError,
)
from dialstats.frame._schema import call_log_dtypes
from dialstats.sandbox._serve import base_url, bind

KEY = "sk-live-endpoints-9f8e7d"
Handler = Callable[[Request], Any]

# -- the server ---------------------------------------------------------------------------------


class HandWritten:
    """Routes of hand-written responses (path -> handler returning a body or a Response); every
    request is logged as (path, query pairs); unknown paths answer 404 as the API does."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.log: list[tuple[str, list[tuple[str, str]]]] = []

    def count(self, path: str) -> int:
        return sum(1 for logged, _ in self.log if logged == path)

    def queries(self, path: str) -> list[dict[str, str]]:
        return [dict(query) for logged, query in self.log if logged == path]

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        self.log.append((path, request.query_params.multi_items()))
        if request.headers.get("x-api-key") != KEY:
            return JSONResponse({"message": "Unauthorized", "statusCode": 401}, 401)
        handler = self.routes.get(path)
        if handler is None:
            return JSONResponse({"message": f"Cannot GET {path}", "statusCode": 404}, 404)
        answer = handler(request)
        return answer if isinstance(answer, Response) else JSONResponse(answer)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, HandWritten]]:
    api = HandWritten()
    app = Starlette(routes=[Route("/{path:path}", api.handle)])
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(app, lifespan="off", log_level="warning", log_config=None)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.005)
    try:
        yield base_url(sock), api
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def api(server) -> HandWritten:
    """The server's routes, fresh for each test."""
    _, routes = server
    routes.routes.clear()
    routes.log.clear()
    return routes


@pytest.fixture
def client(server) -> ds.Client:
    return ds.Client(KEY, base_url=server[0], backoff=0.001, max_retries=2)


def paged(items: list[dict], style: str, page_size: int | None = None) -> Handler:
    """A paged endpoint over `items`: ``page_size`` None honours the requested ``limit``.

    Styles: ``live`` ``{"data", "pagination": {total, page, next}}``; ``top`` ``{"data", total,
    page, next}`` (GET /v1/contact-lists as written); ``next`` ``{"data", "pagination": {page,
    next}}`` (no total).
    """

    def handle(request: Request) -> dict:
        page = int(request.query_params.get("page", 1))
        size = page_size or int(request.query_params.get("limit", 10))
        chunk = items[(page - 1) * size : page * size]
        following = page + 1 if page * size < len(items) else None
        if style == "top":
            return {"data": chunk, "total": len(items), "page": page, "next": following}
        pagination = {"page": page, "next": following}
        if style == "live":
            pagination["total"] = len(items)
        return {"data": chunk, "pagination": pagination}

    return handle


# -- team ---------------------------------------------------------------------------------------

TEAM = {
    "_id": "6650a1f0c2e4b0a1b2c3d4e5",
    "name": "Acme Outbound",
    "users": [
        {
            "user": {
                "_id": "u1",
                "email": "ann@acme.test",
                "first_name": "Ann",
                "last_name": "Lee",
            },
            "status": "active",
            "license": "pro",
        },
        # Live members can lack an email.
        {"user": {"_id": "u2", "first_name": "Bob", "last_name": "Ray"}, "status": "invited"},
    ],
}


@pytest.mark.parametrize("body", [{"data": TEAM}, TEAM], ids=["wrapped", "bare"])
def test_team_reads_the_wrapped_and_the_bare_form(api, client, body):
    api.routes["/v1/team"] = lambda request: body
    team = client.read_team()
    assert team["team_id"].tolist() == [TEAM["_id"]] * 2
    assert team["team_name"].tolist() == ["Acme Outbound"] * 2
    assert team["user_id"].tolist() == ["u1", "u2"]
    assert team["user_name"].tolist() == ["Ann Lee", "Bob Ray"]
    assert team["user_email"].iloc[0] == "ann@acme.test" and pd.isna(team["user_email"].iloc[1])
    assert team["status"].tolist() == ["active", "invited"]
    assert team["user_email"].dtype == pd.StringDtype()


@pytest.mark.parametrize(
    "body",
    [{}, {"data": {}}, {"data": []}, [], {"data": {"_id": "t", "name": "x"}}, {"users": "all"}],
)
def test_a_team_body_of_another_shape_is_an_error_not_an_empty_frame(api, client, body):
    api.routes["/v1/team"] = lambda request: body
    with pytest.raises(ApiError, match=r"GET /v1/team: expected a team object .*'users'"):
        client.read_team()
    assert api.count("/v1/team") == 1  # a wrong shape is not retried


# -- contact lists ------------------------------------------------------------------------------


def lists(n: int, user: Callable[[int], Any]) -> list[dict]:
    return [{"_id": f"{i:024x}", "name": f"List {i}", "user": user(i)} for i in range(n)]


def owner(i: int) -> Any:
    """Half the lists name their owner by id (as live), half by object (as written)."""
    if i % 2:
        return f"u{i}"
    return {"_id": f"u{i}", "email": f"rep{i}@acme.test", "first_name": "Rep", "last_name": str(i)}


def test_contact_lists_from_csv_with_the_user_as_an_id_or_an_object(api, client):
    items = lists(230, owner)
    api.routes["/v1/contact-lists/csv"] = paged(items, "live")
    frame = client.read_contact_lists(search="List")
    assert api.count("/v1/contact-lists/csv") == 3 and api.count("/v1/contact-lists") == 0
    assert [q["page"] for q in api.queries("/v1/contact-lists/csv")] == ["1", "2", "3"]
    csv_queries = api.queries("/v1/contact-lists/csv")
    assert all(q["search"] == "List" and q["limit"] == "100" for q in csv_queries)
    assert frame["id"].tolist() == [item["_id"] for item in items]
    assert frame["user_id"].tolist() == [f"u{i}" for i in range(230)]
    assert frame["user_name"].iloc[0] == "Rep 0" and pd.isna(frame["user_name"].iloc[1])
    assert pd.isna(frame["user_email"].iloc[1])
    assert "user" not in frame.columns
    assert list(frame.columns[:5]) == ["id", "name", "source", "total_contacts", "created_at"]
    assert str(frame["created_at"].dtype) == "datetime64[ns, UTC]"


def test_contact_lists_paged_by_total_when_the_server_pages_by_fewer(api, client):
    # pagination {total, page, next} with 7 items a page whatever the limit asked, unsaid.
    items = lists(20, lambda i: f"u{i}")
    api.routes["/v1/contact-lists/csv"] = paged(items, "live", page_size=7)
    frame = client.read_contact_lists()
    assert frame["id"].tolist() == [item["_id"] for item in items]
    assert api.count("/v1/contact-lists/csv") == math.ceil(20 / 7)


def test_contact_lists_follow_next_when_there_is_no_total(api, client):
    items = lists(45, lambda i: f"u{i}")
    api.routes["/v1/contact-lists/csv"] = paged(items, "next", page_size=10)
    frame = client.read_contact_lists()
    assert frame["id"].tolist() == [item["_id"] for item in items]
    assert [q["page"] for q in api.queries("/v1/contact-lists/csv")] == ["1", "2", "3", "4", "5"]


def test_contact_lists_fall_back_to_the_written_path_on_404(api, client):
    items = lists(150, owner)
    api.routes["/v1/contact-lists"] = paged(items, "top")
    frame = client.read_contact_lists(sort="name")
    assert api.count("/v1/contact-lists/csv") == 1  # its 404 is not retried
    assert [q["page"] for q in api.queries("/v1/contact-lists")] == ["1", "2"]
    # Sorted locally after every page is in, whichever path answered.
    assert all("sort" not in q for q in api.queries("/v1/contact-lists"))
    assert frame["name"].tolist() == sorted(frame["name"])
    assert len(frame) == 150 and frame["user_id"].notna().all()


def test_contact_lists_sort_on_totals_only_where_the_server_sent_them(api, client):
    # The written path carries total_contacts: sorted on it, a list without one goes last.
    items = [
        {**item, "total_contacts": [5, None, 12, 7][i]} for i, item in enumerate(lists(4, owner))
    ]
    api.routes["/v1/contact-lists"] = paged(items, "top")
    frame = client.read_contact_lists(sort="-total_contacts")
    assert frame["total_contacts"].tolist()[:3] == [12, 7, 5]
    assert frame["total_contacts"].isna().tolist() == [False, False, False, True]
    # The live listing carries none: the sort is refused, naming what it can sort by.
    api.routes.pop("/v1/contact-lists")
    api.routes["/v1/contact-lists/csv"] = paged(lists(4, owner), "live")
    with pytest.raises(InvalidParameterError, match=r"no 'total_contacts'.*'name' or '_id'"):
        client.read_contact_lists(sort="-total_contacts")
    # A field no item carries on either path is refused as such, named as it was given.
    with pytest.raises(InvalidParameterError, match=r"no 'updatedAt' or 'source' with the lists"):
        client.read_contact_lists(sort="name,-updatedAt,source")
    assert client.read_contact_lists(sort="-name")["name"].tolist() == [
        f"List {i}" for i in (3, 2, 1, 0)
    ]
    # No lists at all: nothing to put in order, whatever the field.
    api.routes["/v1/contact-lists/csv"] = paged([], "live")
    assert client.read_contact_lists(sort="-total_contacts").empty


def test_no_contact_lists_path_at_all_says_so(api, client):
    with pytest.raises(NotFoundError, match="neither GET /v1/contact-lists/csv nor"):
        client.read_contact_lists()


def test_a_next_that_repeats_a_page_stops_the_read(api, client):
    api.routes["/v1/contact-lists/csv"] = lambda request: {
        "data": lists(3, str),
        "pagination": {"page": 1, "next": 1},
    }
    with pytest.raises(ApiError, match="already read"):
        client.read_contact_lists()
    assert api.count("/v1/contact-lists/csv") == 1


def test_a_server_that_ignores_the_page_stops_the_read(api, client):
    api.routes["/v1/contact-lists/csv"] = lambda request: {
        "data": lists(3, str),
        "pagination": {"page": int(request.query_params["page"]), "next": 99},
    }
    with pytest.raises(ApiError, match="page 99 repeats items already read"):
        client.read_contact_lists()


def test_a_next_that_never_ends_stops_the_read(api, client, monkeypatch):
    monkeypatch.setattr(_endpoints, "MAX_PAGES", 5)

    def endless(request: Request) -> dict:
        page = int(request.query_params["page"])
        return {"data": [{"_id": f"l{page}"}], "pagination": {"page": page, "next": page + 1}}

    api.routes["/v1/contact-lists/csv"] = endless
    with pytest.raises(ApiError, match="did not end after 5 pages"):
        client.read_contact_lists()
    assert api.count("/v1/contact-lists/csv") == 5

    api.routes["/v1/contact-lists/csv"] = lambda request: {"data": [], "pagination": {"next": 7}}
    with pytest.raises(ApiError, match="empty but names a next page"):
        client.read_contact_lists()


def test_fewer_items_than_the_total_says_is_a_warning(api, client):
    api.routes["/v1/contact-lists/csv"] = lambda request: {
        "data": lists(4, str),
        "pagination": {"total": 5, "page": 1, "next": None},
    }
    with pytest.warns(IncompleteReadWarning, match="read 4 distinct items but the API reports 5"):
        assert len(client.read_contact_lists()) == 4


# -- one call log -------------------------------------------------------------------------------

RECORD = {
    "_id": "65a1f0c2e4b0a1b2c3d4e5f6",
    "to": "(555) 123-4567",
    "from": "15551234567",
    "outcome": "answered",
    "answered_by": "human",
    "duration": 31,
    "disposition": {"internal_id": 20, "external_id": "20", "external_name": "Connected"},
    "contact": {
        "_id": "c1",
        "first_name": "Dana",
        "last_name": "Fox",
        "email": "dana@example.test",
        "source": "csv",
        "linkedin": "linkedin.com/in/dana",
        "title": "CFO",
        "timezone": "ET",
        "website": "example.test",
        "company": "Example Co",
        "phone_numbers": [
            {
                "type": "mobile",
                "number": "(555) 123-4567",
                "country_code": "+1",
                "extension": "",
                "do_not_call": False,
                "is_wrong_number": False,
                "total_calls": 0,
                "validation": None,
                "call_classification": None,
                "_id": "p1",
            }
        ],
    },
    "contact_list": {"_id": "l1", "name": "Q1 leads"},
    "user": {"_id": "u1", "first_name": "Ann", "last_name": "Lee", "email": "ann@acme.test"},
    "createdAt": "2024-01-15T10:30:00.000Z",
    "updatedAt": "2024-01-15T11:00:00.000Z",
    "recording_url": "",
    "transcription": "Hello?",
}
OTHER = {**RECORD, "_id": "65a1f0c2e4b0a1b2c3d4e5f7", "createdAt": "2024-01-16T09:00:00.000Z"}
DISPOSITIONS = {
    "data": [
        {"_id": "d10", "id": 10, "name": "No Answer", "category": "not_answered"},
        {"_id": "d20", "id": 20, "name": "Connected", "category": "positive", "is_custom": True},
    ]
}


def serve_call_logs(api: HandWritten) -> None:
    api.routes["/v1/dispositions"] = lambda request: DISPOSITIONS
    api.routes["/v1/call-log"] = lambda request: {
        "data": [RECORD, OTHER],
        "pagination": {"total": 2, "page": 1, "next": None},
    }
    api.routes[f"/v1/call-log/{RECORD['_id']}"] = lambda request: RECORD
    api.routes[f"/v1/call-log/{OTHER['_id']}"] = lambda request: {"data": OTHER}


@pytest.mark.parametrize("record", [RECORD, OTHER], ids=["bare", "wrapped"])
def test_one_call_log_has_the_columns_and_dtypes_of_the_listing(api, client, record):
    serve_call_logs(api)
    one = client.read_call_log(record["_id"], tz="America/Chicago")
    listed = client.read_call_logs(tz="America/Chicago")
    expected = listed[listed["id"] == record["_id"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(one, expected)
    assert one.dtypes[: len(call_log_dtypes())].to_dict() == call_log_dtypes("America/Chicago")
    assert one.loc[0, "disposition_name"] == "Connected"


def test_one_call_log_keeps_raw_control_characters_as_sent(api, client):
    serve_call_logs(api)
    text = "Rep: hi\x01 there\x1f\ttab"
    body = json.dumps({**RECORD, "transcription": "@@"}).replace("@@", text).encode()
    api.routes[f"/v1/call-log/{RECORD['_id']}"] = lambda request: Response(
        body, media_type="application/json"
    )
    assert client.read_call_log(RECORD["_id"]).loc[0, "transcription"] == text


def test_an_unknown_call_log_is_not_found_by_its_id(api, client):
    serve_call_logs(api)
    with pytest.raises(NotFoundError, match="no call log with id 'nope-42'") as caught:
        client.read_call_log("nope-42")
    assert caught.value.status_code == 404
    assert api.count("/v1/call-log/nope-42") == 1


@pytest.mark.parametrize("bad", ["", " 65a1", None, 42])
def test_a_bad_call_log_id_is_refused_before_any_request(api, client, bad):
    with pytest.raises(InvalidParameterError) as caught:
        client.read_call_log(bad)
    assert caught.value.parameter == "call_log_id"
    assert api.log == []


# -- scored calls -------------------------------------------------------------------------------

SCORED = [
    {
        "_id": f"s{i}",
        "call_log": {"_id": f"c{i}", "duration": 60 + i},
        "score": 50 + i,
        "user": "u1" if i % 2 else {"_id": "u2", "first_name": "Bob", "last_name": "Ray"},
        "scoreBreakdown": {"opening": 7, "discoveryQuestions": i},
        "createdAt": f"2026-09-{i + 1:02d}T12:00:00Z",
        "reviewed_at": "2026-10-01T08:00:00.5+02:00",
    }
    for i in range(25)
]


def test_scored_calls_send_their_filters_as_the_api_expects(api, client):
    api.routes["/v1/scored-calls"] = paged(SCORED, "live", page_size=10)
    frame = client.read_scored_calls(
        start_date="2026-09-01",
        end_date="2026-09-30",
        min_score=70,
        max_score=95.5,
        user_id="u1",
        tz="Europe/Paris",
    )
    queries = api.queries("/v1/scored-calls")
    assert queries[0] == {
        "start_date": "2026-09-01T00:00:00.000Z",
        "end_date": "2026-09-30T23:59:59.999Z",
        "min_score": "70",
        "max_score": "95.5",
        "user_id": "u1",
        "page": "1",
        "limit": "100",
    }
    assert len(queries) == 3 and len(frame) == 25
    assert list(frame.columns[:7]) == [
        "id",
        "score",
        "user_id",
        "user_email",
        "user_first_name",
        "user_last_name",
        "user_name",
    ]
    assert frame["score"].dtype == pd.Float64Dtype()
    assert frame["user_id"].tolist() == ["u2" if i % 2 == 0 else "u1" for i in range(25)]
    # Every unknown field is kept, flattened by the call log's rule.
    assert {"call_log_id", "call_log_duration", "score_breakdown_discovery_questions"} <= set(
        frame.columns
    )
    assert str(frame["created_at"].dtype) == "datetime64[ns, Europe/Paris]"
    assert frame.loc[0, "reviewed_at"] == pd.Timestamp("2026-10-01T06:00:00.5Z")


@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        ({"min_score": 101}, "min_score", "from 0 to 100"),
        ({"max_score": -1}, "max_score", "from 0 to 100"),
        ({"min_score": "high"}, "min_score", "number"),
        ({"min_score": True}, "min_score", "number"),
        ({"min_score": 80, "max_score": 60}, "min_score", "greater than max_score"),
        ({"min_scor": 80}, "min_scor", "did you mean 'min_score'"),
        ({"user_ids": ["u1"]}, "user_ids", "did you mean 'user_id'"),
        ({"start_date": "last week"}, "start_date", "ISO 8601"),
    ],
)
def test_bad_scored_call_filters_are_refused_before_any_request(
    api, client, params, parameter, message
):
    api.routes["/v1/scored-calls"] = paged(SCORED, "live")
    with pytest.raises(InvalidParameterError, match=message) as caught:
        client.read_scored_calls(**params)
    assert caught.value.parameter == parameter
    assert api.log == [] and client.request_count == 0


def test_one_scored_call_and_an_unknown_one(api, client):
    api.routes["/v1/scored-calls/s3"] = lambda request: {"data": SCORED[3]}
    one = client.read_scored_call("s3")
    assert one["id"].tolist() == ["s3"] and one.loc[0, "score"] == 53.0
    assert one.loc[0, "user_id"] == "u1"
    with pytest.raises(NotFoundError, match="no scored call with id 's4'"):
        client.read_scored_call("s4")


# -- follow-ups, custom fields, snoozed contacts --------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "path", "columns"),
    [
        (ds.read_follow_ups, "/v1/follow-up", ["id", "user_id", "user_email"]),
        (ds.read_custom_fields, "/v1/custom-fields", ["id", "label", "type", "created_at"]),
        (ds.read_snoozed_contacts, "/v1/snoozed-contacts", ["id", "user_id", "user_email"]),
    ],
)
def test_new_readers_have_a_stable_schema_even_when_empty(api, server, reader, path, columns):
    api.routes[path] = lambda request: {"data": [], "pagination": {"total": 0, "page": 1}}
    frame = reader(api_key=KEY, base_url=server[0], tz="America/New_York")
    assert len(frame) == 0 and list(frame.columns[: len(columns)]) == columns
    assert frame["id"].dtype == pd.StringDtype()
    assert str(frame["created_at"].dtype) == "datetime64[ns, America/New_York]"
    arrow = reader(api_key=KEY, base_url=server[0], dtype_backend="pyarrow")
    assert all(isinstance(dtype, pd.ArrowDtype) for dtype in arrow.dtypes)


def test_follow_ups_and_snoozed_contacts_read_every_page_and_keep_every_field(api, client):
    tasks = [
        {
            "_id": f"f{i}",
            "user": {"_id": "u1", "first_name": "Ann", "last_name": "Lee"},
            "contact": {"_id": f"c{i}", "firstName": "Dana"},
            "dueDate": "2026-11-02T15:00:00Z",
            "completed": i % 2 == 0,
        }
        for i in range(120)
    ]
    api.routes["/v1/follow-up"] = paged(tasks, "top")
    follow_ups = client.read_follow_ups()
    assert len(follow_ups) == 120 and follow_ups["user_name"].eq("Ann Lee").all()
    assert {"contact_id", "contact_first_name", "completed"} <= set(follow_ups.columns)
    assert str(follow_ups["due_date"].dtype) == "datetime64[ns, UTC]"
    assert follow_ups["completed"].dtype == pd.BooleanDtype()

    snoozed = [
        {"_id": f"z{i}", "linkedin": f"in/p{i}", "snoozedUntil": "2026-12-01", "user": "u9"}
        for i in range(3)
    ]
    api.routes["/v1/snoozed-contacts"] = paged(snoozed, "next")
    frame = client.read_snoozed_contacts()
    assert frame["user_id"].tolist() == ["u9"] * 3 and frame["linkedin"].notna().all()
    assert frame.loc[0, "snoozed_until"] == pd.Timestamp("2026-12-01", tz="UTC")


def test_custom_fields_are_read_in_one_request(api, client):
    fields = [
        {"_id": "cf1", "label": "Industry", "type": "text", "options": ["a", "b"]},
        {"_id": "cf2", "label": "ARR", "type": "number", "createdAt": "2025-02-01T00:00:00Z"},
    ]
    api.routes["/v1/custom-fields"] = lambda request: {"data": fields}
    frame = client.read_custom_fields()
    assert frame["label"].tolist() == ["Industry", "ARR"] and "options" in frame.columns
    assert api.queries("/v1/custom-fields") == [{}]


# -- analytics ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "missing"),
    [
        ("overview", {}, "start_date"),
        ("overview", {"start_date": "2026-09-01"}, "end_date"),
        ("sdr-performance", {"end_date": "2026-09-30"}, "start_date"),
        ("list-performance", {"user_ids": ["u1"]}, "start_date"),
    ],
)
def test_analytics_without_both_dates_are_refused_before_any_request(
    api, client, name, params, missing
):
    api.routes[f"/v1/analytics/{name}"] = lambda request: {"total_calls": {"value": 1}}
    with pytest.raises(InvalidParameterError, match="require both start_date and end_date") as e:
        client.read_analytics(name, **params)
    assert e.value.parameter == missing
    assert api.log == [] and client.request_count == 0


def test_a_persistent_500_says_which_endpoint_failed_after_how_many_tries(api, client):
    api.routes["/v1/analytics/overview"] = lambda request: JSONResponse(
        {"message": "Internal server error", "statusCode": 500}, 500
    )
    with pytest.raises(ServerError) as caught:
        client.read_analytics("overview", start_date="2026-09-01", end_date="2026-09-30")
    message = str(caught.value)
    assert "GET " in message and "/v1/analytics/overview: server error 500" in message
    assert "gave up after 3 tries" in message
    assert "server error 500: Internal server error" in message
    assert "ds.overview" in message  # and what to do instead
    assert caught.value.status_code == 500
    assert api.count("/v1/analytics/overview") == 3
    assert KEY not in message


def test_a_wrapped_overview_is_read_too(api, client):
    metrics = {"total_calls": {"value": 12, "growth": 0.5}, "meetings_set": {"value": 1}}
    api.routes["/v1/analytics/overview"] = lambda request: {"data": metrics}
    frame = client.read_analytics("overview", start_date="2026-09-01", end_date="2026-09-30")
    assert frame["metric"].tolist() == ["total_calls", "meetings_set"]
    assert frame["value"].tolist() == [12.0, 1.0]
    query = api.queries("/v1/analytics/overview")[0]
    assert query == {
        "start_date": "2026-09-01T00:00:00.000Z",
        "end_date": "2026-09-30T23:59:59.999Z",
    }


def test_known_columns_keep_their_type_whatever_the_api_sends(api, client):
    api.routes["/v1/scored-calls"] = lambda request: {
        "data": [{"_id": 7, "score": "88.5"}, {"_id": "s2", "score": 90}, {"_id": "s3"}],
        "pagination": {"total": 3, "page": 1, "next": None},
    }
    frame = client.read_scored_calls()
    assert frame["id"].tolist() == ["7", "s2", "s3"] and frame["id"].dtype == pd.StringDtype()
    assert frame["score"].tolist()[:2] == [88.5, 90.0] and pd.isna(frame["score"].iloc[2])
    assert frame["score"].dtype == pd.Float64Dtype()

    api.routes["/v1/scored-calls"] = lambda request: {"data": [{"_id": "s1", "score": "great"}]}
    with pytest.warns(UserWarning, match="score: 1 value"):
        assert pd.isna(client.read_scored_calls()["score"].iloc[0])

"""GET /v1/call-log of the sandbox (live dialect) against a brute-force reading of the raw records.

Phone numbers in live records are written in mixed ways, so the reference compares them by their
digits (a bare 10-digit number taken as NANP, with its leading 1).
"""

from __future__ import annotations

import copy
import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from dialstats.sandbox import Dataset, create_app

DATE_FIELDS = {"createdAt", "updatedAt", "started_at", "ended_at"}


# -- the reference: plain Python over the records ------------------------------------------------


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _bound(text: str, *, end: bool) -> tuple[datetime, bool]:
    """(instant, inclusive) of a date filter, read the way the API reference says."""
    if len(text) == 10:
        day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
        return datetime(day.year, day.month, day.day, tzinfo=UTC), not end
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), True


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else str(value).split(",")


def _nested(record: dict, outer: str, inner: str) -> Any:
    value = record.get(outer)
    return value.get(inner) if isinstance(value, dict) else None


def digits_key(number: str | None) -> str:
    digits = re.sub(r"\D", "", number or "")
    bare_nanp = len(digits) == 10 and not (number or "").strip().startswith("+")
    return "1" + digits if bare_nanp else digits


def _haystack(record: dict) -> list[str]:
    contact = record.get("contact") or {}
    first, last = contact.get("first_name") or "", contact.get("last_name") or ""
    phones = [p.get("number") or "" for p in contact.get("phone_numbers") or []]
    return [first, last, f"{first} {last}", contact.get("company") or "", *phones]


def _search_matches(record: dict, needle: str) -> bool:
    if any(needle.lower() in text.lower() for text in _haystack(record)):
        return True
    if not re.fullmatch(r"[\d\s().+-]*\d[\d\s().+-]*", needle):
        return False
    digits = re.sub(r"\D", "", needle)
    phones = (record.get("contact") or {}).get("phone_numbers") or []
    return any(digits in digits_key(p.get("number")) for p in phones)


def brute_matches(record: dict, filters: dict[str, Any], dispositions: list[dict]) -> bool:
    created = _time(record.get("createdAt"))
    for name, value in filters.items():
        if name in ("start_date", "end_date"):
            instant, inclusive = _bound(value, end=name == "end_date")
            if created is None:
                return False
            if name == "start_date" and created < instant:
                return False
            if name == "end_date" and (created > instant or (created == instant and not inclusive)):
                return False
        elif name in ("outcome", "direction", "answered_by"):
            if record.get(name) != value:
                return False
        elif name in ("min_duration", "max_duration"):
            duration = record.get("duration")
            if duration is None:
                return False
            if name == "min_duration" and duration < float(value):
                return False
            if name == "max_duration" and duration > float(value):
                return False
        elif name == "has_recording":
            if bool(record.get("recording_url")) != (value == "true"):
                return False
        elif name == "is_completed":
            if record.get("is_completed") is not (value == "true"):
                return False
        elif name == "disposition_ids":
            if _nested(record, "disposition", "internal_id") not in [
                int(v) for v in _as_list(value)
            ]:
                return False
        elif name == "exclude_negative_dispositions":
            positive = {d["id"] for d in dispositions if d["category"] == "positive"}
            if value == "true" and _nested(record, "disposition", "internal_id") not in positive:
                return False
        elif name in ("user_ids", "contact_list_ids", "sequences"):
            outer = {"user_ids": "user", "contact_list_ids": "contact_list"}.get(name, "sequence")
            if _nested(record, outer, "_id") not in _as_list(value):
                return False
        elif name in ("from", "to"):
            if digits_key(record.get(name)) not in [digits_key(v) for v in _as_list(value)]:
                return False
        elif name == "search":
            if not _search_matches(record, value):
                return False
        else:
            raise AssertionError(f"the reference does not know filter {name}")
    return True


def _sort_value(record: dict, field: str) -> Any:
    value = record.get(field)
    return _time(value) if field in DATE_FIELDS and value else value


def brute_sorted(records: list[dict], field: str, descending: bool) -> list[dict]:
    """Sorted on `field`, missing values first ascending (last descending), ties by ``_id``."""
    by_id = sorted(records, key=lambda r: r["_id"])
    present = [r for r in by_id if _sort_value(r, field) is not None]
    missing = [r for r in by_id if _sort_value(r, field) is None]
    present.sort(key=lambda r: _sort_value(r, field), reverse=descending)  # stable: ids stay asc
    return present + missing if descending else missing + present


def brute_ids(dataset: Dataset, filters: dict[str, Any], sort: str = "-createdAt") -> list[str]:
    kept = [r for r in dataset.calls if brute_matches(r, filters, dataset.dispositions)]
    return [r["_id"] for r in brute_sorted(kept, sort.lstrip("-"), sort.startswith("-"))]


# -- helpers -------------------------------------------------------------------------------------


def filter_params(filters: dict[str, Any]) -> list[tuple[str, str]]:
    """Filters as the Node-style client sends them: arrays as ``filters[x][]``."""
    params = []
    for name, value in filters.items():
        if isinstance(value, list):
            params += [(f"filters[{name}][]", str(v)) for v in value]
        else:
            params.append((f"filters[{name}]", str(value)))
    return params


def fetch_all(client, params: list[tuple[str, str]], limit: int = 100) -> list[dict]:
    records, page = [], 1
    while True:
        response = client.get("/v1/call-log", params=[*params, ("limit", limit), ("page", page)])
        assert response.status_code == 200, response.text
        body = response.json(strict=False)  # live transcripts hold raw control characters
        records += body["data"]
        pagination = body["pagination"]
        if "pages" in pagination:
            if page >= pagination["pages"]:
                return records
        elif pagination["next"] is None:
            return records
        else:
            assert pagination["next"] == page + 1
        page += 1


@pytest.fixture(scope="module")
def sample(small_dataset: Dataset) -> dict[str, Any]:
    """Values to filter on, taken from the data so every filter selects something."""
    calls = small_dataset.calls
    users = sorted({r["user"]["_id"] for r in calls})
    lists = sorted({r["contact_list"]["_id"] for r in calls if r.get("contact_list")})
    sequences = sorted({r["sequence"]["_id"] for r in calls if r.get("sequence")})
    with_phone = next(r for r in calls if (r.get("contact") or {}).get("phone_numbers"))
    with_company = next(r for r in calls if (r.get("contact") or {}).get("company"))
    return {
        "users": users,
        "lists": lists,
        "sequences": sequences,
        "from": sorted({r["from"] for r in calls})[:2],
        "to": [calls[10]["to"], calls[20]["to"]],
        "phone": with_phone["contact"]["phone_numbers"][0]["number"][-6:],
        # The same numbers written another way: E.164, and "(212) 555-0143" for a `from`.
        "to_e164": ["+" + digits_key(calls[10]["to"]), "+" + digits_key(calls[20]["to"])],
        "from_national": [_national(n) for n in sorted({r["from"] for r in calls})[:2]],
        "phone_national": _national(with_phone["contact"]["phone_numbers"][0]["number"])[:9],
        "company": with_company["contact"]["company"],
        "contact": with_company["contact"],
        "created": calls[100]["createdAt"],
    }


def _national(number: str) -> str:
    """A NANP number as "(212) 555-0143" (other numbers as they are)."""
    key = digits_key(number)
    if len(key) != 11 or not key.startswith("1"):
        return number
    return f"({key[1:4]}) {key[4:7]}-{key[7:]}"


def _cases(sample: dict[str, Any]) -> list[dict[str, Any]]:
    company = sample["company"]
    contact = sample["contact"]
    created = datetime.fromisoformat(sample["created"])
    return [
        {"outcome": "answered"},
        {"outcome": "no-answer"},
        {"outcome": "cancelled"},
        {"direction": "inbound"},
        {"answered_by": "human"},
        {"answered_by": "machine_start"},
        {"answered_by": "machine_end_beep"},
        {"answered_by": "machine_end_silence"},
        {"answered_by": "machine_end_other"},
        {"answered_by": "fax"},
        {"answered_by": "unknown"},
        {"min_duration": 60},
        {"max_duration": 10},
        {"min_duration": 30, "max_duration": 90.5},
        {"has_recording": "true"},
        {"has_recording": "false"},
        {"is_completed": "true"},
        {"is_completed": "false"},
        {"disposition_ids": [1, 6]},
        {"exclude_negative_dispositions": "true"},
        {"exclude_negative_dispositions": "false", "outcome": "cancelled"},
        {"user_ids": sample["users"][:2]},
        {"contact_list_ids": sample["lists"][:1]},
        {"sequences": sample["sequences"][:2]},
        {"from": sample["from"]},
        {"to": sample["to"]},
        {"to": sample["to_e164"]},
        {"from": sample["from_national"]},
        {"search": sample["phone_national"]},
        {"search": company[:1].lower() + company[1:4].upper()},
        {"search": sample["phone"]},
        {"search": f"{contact['first_name']} {contact['last_name']}".upper()},
        {"start_date": "2026-09-01"},
        {"end_date": "2026-08-20"},
        {"start_date": "2026-08-10", "end_date": "2026-08-10"},
        {"start_date": sample["created"], "end_date": sample["created"]},  # inclusive both ends
        {"start_date": "2026-09-01T12:00:00Z", "end_date": "2026-09-02T15:30:00.500Z"},
        {"start_date": (created + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00")},
        {"end_date": "2026-08-31T21:00:00-04:00", "outcome": "answered"},
        {
            "start_date": "2026-08-15",
            "end_date": "2026-09-15",
            "user_ids": sample["users"][:3],
            "answered_by": "human",
            "min_duration": 20,
        },
    ]


CASE_COUNT = 40


@pytest.mark.parametrize("case", range(CASE_COUNT))
def test_every_filter_matches_the_reference(sandbox_http, small_dataset, sample, case):
    cases = _cases(sample)
    assert len(cases) == CASE_COUNT
    filters = cases[case]
    expected = brute_ids(small_dataset, filters)
    records = fetch_all(sandbox_http, filter_params(filters))
    assert [r["_id"] for r in records] == expected
    assert expected or filters.get("direction"), f"case selects nothing: {filters}"


def test_date_filters_count_a_bare_end_date_as_the_whole_day(sandbox_http, small_dataset):
    last = max(small_dataset.calls, key=lambda r: r["createdAt"])
    day = last["createdAt"][:10]
    ids = [r["_id"] for r in fetch_all(sandbox_http, [("filters[end_date]", day)])]
    assert last["_id"] in ids
    assert len(ids) == len(small_dataset.calls)


@pytest.mark.parametrize(
    "encoding",
    ["bracketed", "repeated", "indexed", "comma", "mixed"],
)
def test_array_filters_accept_every_encoding(sandbox_http, small_dataset, sample, encoding):
    users = sample["users"][:2]
    ids = ["1", "6", "11"]

    def encode(name: str, values: list[str]) -> list[tuple[str, str]]:
        key = f"filters[{name}]"
        if encoding == "bracketed":
            return [(f"{key}[]", v) for v in values]
        if encoding == "repeated":
            return [(key, v) for v in values]
        if encoding == "indexed":
            return [(f"{key}[{i}]", v) for i, v in enumerate(values)]
        if encoding == "comma":
            return [(key, ",".join(values))]
        return [(f"{key}[]", values[0]), (key, ",".join(values[1:]))]

    params = encode("user_ids", users) + encode("disposition_ids", ids)
    expected = brute_ids(small_dataset, {"user_ids": users, "disposition_ids": ids})
    assert expected
    assert [r["_id"] for r in fetch_all(sandbox_http, params)] == expected


def test_single_element_bracketed_array(sandbox_http, small_dataset, sample):
    expected = brute_ids(small_dataset, {"sequences": sample["sequences"][:1]})
    params = [("filters[sequences][]", sample["sequences"][0])]
    assert [r["_id"] for r in fetch_all(sandbox_http, params)] == expected


@pytest.mark.parametrize(
    "sort",
    [
        "createdAt",
        "-createdAt",
        "duration",
        "-duration",
        "outcome",
        "-outcome",
        "answered_by",
        "-answered_by",
        "call_id",
        "-started_at",
        "is_completed",
        "-_id",
    ],
)
def test_sort_on_any_field_with_id_tie_break(sandbox_http, small_dataset, sort):
    filters = {"start_date": "2026-09-01", "end_date": "2026-09-30"}
    expected = brute_ids(small_dataset, filters, sort)
    records = fetch_all(sandbox_http, [*filter_params(filters), ("sort", sort)])
    assert [r["_id"] for r in records] == expected


@pytest.fixture(scope="module")
def spec_http(small_dataset, asgi_client):
    return asgi_client(create_app(small_dataset, dialect="spec"))


def test_default_sort_is_newest_first(sandbox_http, spec_http, small_dataset):
    total = len(small_dataset.calls)
    body = sandbox_http.get("/v1/call-log", params={"limit": 100}).json(strict=False)
    assert [r["_id"] for r in body["data"]] == brute_ids(small_dataset, {})[:100]
    assert body["pagination"] == {"total": total, "page": 1, "next": 2}
    spec = spec_http.get("/v1/call-log", params={"limit": 100}).json()
    assert spec["data"] == body["data"]
    assert spec["pagination"] == {
        "total": total,
        "page": 1,
        "limit": 100,
        "pages": math.ceil(total / 100),
    }


def test_default_limit_is_ten(sandbox_http, spec_http):
    body = sandbox_http.get("/v1/call-log").json(strict=False)
    assert len(body["data"]) == 10
    assert body["pagination"]["next"] == 2 and "limit" not in body["pagination"]
    assert spec_http.get("/v1/call-log").json()["pagination"]["limit"] == 10


def test_spec_dialect_pages_through_the_same_records(sandbox_http, spec_http, small_dataset):
    live = fetch_all(sandbox_http, [("sort", "duration")], limit=97)
    spec = fetch_all(spec_http, [("sort", "duration")], limit=97)
    assert live == spec and len(spec) == len(small_dataset.calls)


def test_last_page_has_no_next(sandbox_http, small_dataset):
    total = len(small_dataset.calls)
    last = math.ceil(total / 100)
    body = sandbox_http.get("/v1/call-log", params={"limit": 100, "page": last}).json(strict=False)
    assert body["pagination"] == {"total": total, "page": last, "next": None}
    assert len(body["data"]) == total - (last - 1) * 100


def test_paging_yields_every_record_once(sandbox_http, small_dataset):
    records = fetch_all(sandbox_http, [("sort", "duration")], limit=37)
    ids = [r["_id"] for r in records]
    assert len(ids) == len(set(ids)) == len(small_dataset.calls)
    stored = {c["_id"]: c for c in small_dataset.calls}
    assert all(r == stored[r["_id"]] for r in records)  # served exactly as stored


def test_page_past_the_end_is_empty_with_right_pagination(sandbox_http, spec_http, small_dataset):
    total = len(small_dataset.calls)
    params = {"limit": 100, "page": 999}
    body = sandbox_http.get("/v1/call-log", params=params).json()
    assert body == {"data": [], "pagination": {"total": total, "page": 999, "next": None}}
    assert spec_http.get("/v1/call-log", params=params).json() == {
        "data": [],
        "pagination": {"total": total, "page": 999, "limit": 100, "pages": math.ceil(total / 100)},
    }


def test_no_match_is_an_empty_page(sandbox_http, spec_http):
    params = {"filters[search]": "no such contact zzz"}
    body = sandbox_http.get("/v1/call-log", params=params).json()
    assert body == {"data": [], "pagination": {"total": 0, "page": 1, "next": None}}
    assert spec_http.get("/v1/call-log", params=params).json() == {
        "data": [],
        "pagination": {"total": 0, "page": 1, "limit": 10, "pages": 0},
    }


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"page": "0"}, "page"),
        ({"page": "-3"}, "page"),
        ({"sort": "nonsense"}, "sort"),
        ({"sort": "contact"}, "sort"),
        ({"sort": "createdAt,"}, "sort"),
        ({"filters[outcome]": "maybe"}, "filters[outcome]"),
        ({"filters[direction]": "sideways"}, "filters[direction]"),
        ({"filters[answered_by]": "robot"}, "filters[answered_by]"),
        ({"filters[min_duration]": "-1"}, "filters[min_duration]"),
        ({"filters[max_duration]": "long"}, "filters[max_duration]"),
        ({"filters[min_duration]": "inf"}, "filters[min_duration]"),
        ({"filters[min_duration]": "90", "filters[max_duration]": "30"}, "filters[max_duration]"),
        ({"filters[start_date]": "2026-13-45"}, "filters[start_date]"),
        ({"filters[end_date]": "yesterday"}, "filters[end_date]"),
        (
            {"filters[start_date]": "2026-09-02", "filters[end_date]": "2026-09-01"},
            "filters[end_date]",
        ),
        ({"filters[has_recording]": "yes"}, "filters[has_recording]"),
        ({"filters[is_completed]": "1"}, "filters[is_completed]"),
        (
            {"filters[exclude_negative_dispositions]": "maybe"},
            "filters[exclude_negative_dispositions]",
        ),
        ({"filters[disposition_ids][]": "one"}, "filters[disposition_ids]"),
        ({"filters[colour]": "red"}, "filters[colour]"),
        ({"colour": "red"}, "colour"),
        ({"filters[user_ids": "x"}, "filters[user_ids"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(sandbox_http, params, parameter):
    response = sandbox_http.get("/v1/call-log", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400
    assert body["parameter"] == parameter
    assert parameter in body["message"]


def test_a_scalar_filter_given_twice_is_400(sandbox_http):
    params = [("filters[outcome]", "answered"), ("filters[outcome]", "no-answer")]
    response = sandbox_http.get("/v1/call-log", params=params)
    assert response.status_code == 400
    assert response.json()["parameter"] == "filters[outcome]"


def test_unknown_sort_field_lists_the_sortable_ones(sandbox_http):
    message = sandbox_http.get("/v1/call-log", params={"sort": "colour"}).json()["message"]
    assert "createdAt" in message and "duration" in message


def test_booleans_are_case_insensitive(sandbox_http, small_dataset):
    expected = brute_ids(small_dataset, {"has_recording": "true"})
    records = fetch_all(sandbox_http, [("filters[has_recording]", "TRUE")])
    assert [r["_id"] for r in records] == expected


@pytest.mark.parametrize("key", [None, "wrong-key-7f3a9", "DEMO", ""])
def test_requests_without_the_right_key_are_401(sandbox_app, asgi_client, key):
    client = asgi_client(sandbox_app, api_key=key)
    for path in ("/v1/call-log", "/v1/team", "/v1/analytics/overview", "/v1/unknown"):
        response = client.get(path)
        assert response.status_code == 401
        body = response.json()
        assert body["statusCode"] == 401
        assert "x-api-key" in body["message"]
        if key:
            assert key not in response.text


def test_a_custom_key_replaces_the_demo_key(small_dataset, asgi_client):
    app = create_app(small_dataset, api_key="s3cret-key")
    assert asgi_client(app, api_key="s3cret-key").get("/v1/team").status_code == 200
    assert asgi_client(app).get("/v1/team").status_code == 401
    assert "s3cret-key" not in repr(app.state.sandbox)


@pytest.fixture(scope="module")
def odd_dataset(small_dataset: Dataset) -> Dataset:
    """Records in every shape the reference allows: offsets, no milliseconds, empty objects,
    null or missing fields -- and one call in the last millisecond of a day."""
    calls = copy.deepcopy(small_dataset.calls[:300])
    for i, record in enumerate(calls):
        created = datetime.fromisoformat(record["createdAt"])
        if i % 5 == 0:
            record["createdAt"] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif i % 5 == 1:
            shifted = created.astimezone(UTC) + timedelta(hours=2)
            record["createdAt"] = shifted.strftime("%Y-%m-%dT%H:%M:%S.%f+02:00")
        if i % 7 == 0:
            record["contact"] = None
        if i % 11 == 0:
            record["disposition"] = {}
        if i % 13 == 0:
            record.pop("answered_by", None)
            record.pop("duration", None)
        if i % 17 == 0:
            record["is_completed"] = None
        if i % 3 == 0:
            record["rating"] = i % 4  # a field the reference does not list yet
    late = copy.deepcopy(calls[1])
    late.update(_id="f" * 24, createdAt="2026-08-10T23:59:59.999Z")
    calls.append(late)
    return Dataset(
        calls,
        small_dataset.dispositions,
        small_dataset.sequences,
        small_dataset.contact_lists,
        small_dataset.team,
    )


@pytest.fixture(scope="module")
def odd_http(odd_dataset: Dataset, asgi_client):
    return asgi_client(create_app(odd_dataset))


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"end_date": "2026-08-10"},
        {"start_date": "2026-08-10T23:59:59.999Z"},
        {"start_date": "2026-08-04T09:00:00+02:00", "end_date": "2026-08-30"},
        {"min_duration": 0},
        {"is_completed": "false"},
        {"exclude_negative_dispositions": "true"},
        {"search": "a"},
    ],
)
@pytest.mark.parametrize("sort", ["-createdAt", "createdAt", "-duration", "answered_by", "-rating"])
def test_records_of_every_shape(odd_http, odd_dataset, filters, sort):
    records = fetch_all(odd_http, [*filter_params(filters), ("sort", sort)])
    assert [r["_id"] for r in records] == brute_ids(odd_dataset, filters, sort)


def test_new_scalar_fields_sort_but_objects_do_not(odd_http):
    assert odd_http.get("/v1/call-log", params={"sort": "rating"}).status_code == 200
    response = odd_http.get("/v1/call-log", params={"sort": "contact"})
    assert response.status_code == 400
    assert "rating" in response.json()["message"]  # listed among the sortable fields


def test_an_unencoded_plus_in_an_offset_still_parses(sandbox_http, small_dataset):
    # "+" in a query string decodes to a space; the offset is still understood.
    raw = sandbox_http.get("/v1/call-log?filters[start_date]=2026-09-01T09:00:00+02:00&limit=100")
    encoded = sandbox_http.get(
        "/v1/call-log", params={"filters[start_date]": "2026-09-01T09:00:00+02:00", "limit": 100}
    )
    assert raw.status_code == 200
    assert raw.json(strict=False) == encoded.json(strict=False)
    expected = brute_ids(small_dataset, {"start_date": "2026-09-01T09:00:00+02:00"})
    assert encoded.json(strict=False)["pagination"]["total"] == len(expected)

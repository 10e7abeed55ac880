"""Records and page bodies -> the typed call-log frame."""

from __future__ import annotations

import copy
import json
import re

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialstats as ds
from dialstats._flat import column_name, quote_values
from dialstats.api import bodies_to_frame
from dialstats.api._wire import flatten_bodies, read_page_info
from dialstats.frame._build import records_to_frame
from dialstats.frame._schema import CALL_LOG_COLUMNS, call_log_dtypes
from dialstats.sandbox import serve

KEY = "sk-test-sort-0123456789"

DISPOSITIONS = [
    {"_id": "d1", "id": 1, "name": "Answered - Meeting Set", "category": "positive"},
    {"_id": "d10", "id": 10, "name": "No Answer", "category": "not_answered"},
]


def record(n: int = 1, **changes) -> dict:
    base = {
        "_id": f"{n:024x}",
        "call_id": f"CA{n:032x}",
        "outcome": "answered",
        "direction": "outbound",
        "answered_by": "human",
        "duration": 95,
        "to": "+12125550100",
        "from": "+16465550100",
        "disposition": {"internal_id": 1, "external_id": "x1", "external_name": "Meeting"},
        "contact": {
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "ann@acme.com",
            "company": "Acme",
            "title": "VP Sales",
            "priority": 2,
            "timezone": "America/Chicago",
            "phone_numbers": [
                {"type": "mobile", "number": "+13125550101", "country_code": "US"},
                {"type": "office", "number": "+13125550102", "country_code": "US"},
            ],
            "custom_fields": [{"type": "number", "label": "Seats", "value": 40}],
        },
        "contact_list": {"_id": "l1", "name": "Q1 Targets"},
        "sequence": {"_id": "s1", "name": "Cold Outbound"},
        "user": {"_id": "u1", "email": "rep@team.com", "first_name": "Maya", "last_name": "Patel"},
        "recording_url": "https://rec.example.com/1.mp3",
        "notes": "Booked a demo",
        "transcription": "Hello, this is Maya...",
        "summary": "Meeting set",
        "is_completed": True,
        "started_at": "2024-03-01T15:00:00Z",
        "ended_at": "2024-03-01T15:01:35Z",
        "createdAt": f"2024-03-01T15:01:{35 + n % 20:02d}.000Z",
        "updatedAt": "2024-03-01T15:02:00.000Z",
    }
    base.update(changes)
    return base


def body(records: list[dict], total: int | None = None, **dumps) -> bytes:
    pagination = {"total": len(records) if total is None else total, "page": 1, "pages": 1}
    return json.dumps({"data": records, "pagination": pagination}, **dumps).encode()


def test_a_record_becomes_one_typed_row():
    frame = records_to_frame([record()], DISPOSITIONS)
    assert list(frame.columns[: len(CALL_LOG_COLUMNS)]) == list(CALL_LOG_COLUMNS)
    for name, dtype in call_log_dtypes().items():
        assert frame[name].dtype == dtype, name
    row = frame.iloc[0]
    assert row["id"] == f"{1:024x}"
    assert row["created_at"] == pd.Timestamp("2024-03-01 15:01:36", tz="UTC")
    assert row["user_id"] == "u1"
    assert row["user_name"] == "Maya Patel"
    assert row["disposition_id"] == 1
    assert row["disposition_name"] == "Answered - Meeting Set"
    assert row["disposition_category"] == "positive"
    assert row["contact_phone"] == "+13125550101"  # the first number
    assert row["contact_timezone"] == "America/Chicago"
    assert row["contact_list_name"] == "Q1 Targets"
    assert row["sequence_id"] == "s1"
    assert bool(row["has_recording"]) and bool(row["is_completed"])
    assert row["duration"] == 95


def test_an_empty_result_has_every_column_and_dtype():
    frame = records_to_frame([], DISPOSITIONS)
    assert len(frame) == 0
    assert frame.dtypes.to_dict() == call_log_dtypes()
    assert bodies_to_frame([], None).dtypes.to_dict() == call_log_dtypes()
    arrow = records_to_frame([], None, dtype_backend="pyarrow")
    assert list(arrow.columns) == list(CALL_LOG_COLUMNS)
    assert all(isinstance(d, pd.ArrowDtype) for d in arrow.dtypes)


@pytest.mark.parametrize("empty", [{}, None])
def test_empty_or_null_nested_objects_give_na(empty):
    raw = record(contact=empty, disposition=empty, contact_list=empty)
    del raw["sequence"]
    row = records_to_frame([raw, record(2)], DISPOSITIONS).iloc[0]
    for name in [
        "contact_first_name",
        "contact_phone",
        "disposition_id",
        "disposition_name",
        "disposition_category",
        "contact_list_id",
        "sequence_id",
        "sequence_name",
    ]:
        assert pd.isna(row[name]), name


def test_fields_the_api_adds_are_kept_after_the_schema():
    raw = record(
        callQuality={"mosScore": 4.2, "carrier": "acme"},
        dialerMode="parallel",
        contact={**record()["contact"], "linkedinURL": "https://linkedin.com/in/ann"},
    )
    frame = records_to_frame([raw, record(2)], None)
    extras = list(frame.columns[len(CALL_LOG_COLUMNS) :])
    for name in ["call_quality_mos_score", "call_quality_carrier", "dialer_mode"]:
        assert name in extras
    assert "contact_linkedin_url" in extras
    assert frame.loc[0, "call_quality_mos_score"] == 4.2
    assert pd.isna(frame.loc[1, "dialer_mode"])
    assert frame["contact_priority"].dtype == pd.Int64Dtype()  # numbers stay numbers


def test_column_names_follow_the_flattening_rule():
    assert column_name("_id") == "id"
    assert column_name("createdAt") == "created_at"
    assert column_name("recordingURLPath") == "recording_url_path"
    assert column_name("first_name") == "first_name"
    assert column_name("__v") == "v"


def test_timestamps_with_or_without_milliseconds_or_offsets_agree():
    variants = ["2024-03-01T15:00:00Z", "2024-03-01T15:00:00.000Z", "2024-03-01T17:00:00+02:00"]
    records = [record(i, started_at=v) for i, v in enumerate(variants)]
    records.append(record(9, started_at="2024-03-01T15:00:00"))  # no zone: UTC
    frame = records_to_frame(records, None)
    assert frame["started_at"].nunique() == 1
    assert frame.loc[0, "started_at"] == pd.Timestamp("2024-03-01 15:00", tz="UTC")


def test_tz_converts_every_timestamp_column():
    frame = records_to_frame([record()], None, tz="America/New_York")
    for name in ["started_at", "ended_at", "created_at", "updated_at"]:
        assert str(frame[name].dtype) == "datetime64[ns, America/New_York]"
    assert frame.loc[0, "started_at"].hour == 10  # 15:00 UTC


def test_pyarrow_backend_gives_arrow_dtypes_with_the_same_values():
    nullable = records_to_frame([record(), record(2, answered_by=None)], DISPOSITIONS)
    arrow = records_to_frame(
        [record(), record(2, answered_by=None)], DISPOSITIONS, dtype_backend="pyarrow"
    )
    assert all(isinstance(dtype, pd.ArrowDtype) for dtype in arrow.dtypes)
    assert arrow["duration"].dtype == pd.ArrowDtype(pa.float64())
    assert arrow["started_at"].dtype == pd.ArrowDtype(pa.timestamp("ns", "UTC"))
    assert arrow["outcome"].astype(str).tolist() == nullable["outcome"].astype(str).tolist()
    assert arrow["answered_by"].isna().tolist() == [False, True]


def test_derived_columns_handle_missing_parts():
    records = [
        record(1, user={"_id": "u2", "first_name": "Cher", "last_name": None}),
        record(2, recording_url=""),
        record(3, contact={**record()["contact"], "phone_numbers": []}),
        record(4, disposition={"internal_id": 99}),
    ]
    del records[0]["recording_url"]
    frame = records_to_frame(records, DISPOSITIONS)
    assert frame["user_name"].tolist()[:2] == ["Cher", "Maya Patel"]
    assert frame["has_recording"].tolist() == [False, False, True, True]
    assert pd.isna(frame.loc[2, "contact_phone"])
    assert frame.loc[3, "disposition_id"] == 99
    assert pd.isna(frame.loc[3, "disposition_name"])  # unknown to /v1/dispositions


def test_unknown_category_values_are_kept_not_turned_into_na():
    frame = records_to_frame([record(outcome="failed"), record(2)], None)
    assert frame["outcome"].tolist() == ["failed", "answered"]
    assert list(frame["outcome"].cat.categories[:3]) == ["answered", "no-answer", "cancelled"]


def test_fractional_durations_are_kept_as_sent():
    frame = records_to_frame(
        [record(duration=12.6), record(2, duration=None), record(3, duration=59.5)], None
    )
    assert frame["duration"].dtype == "Float64"
    assert frame["duration"].tolist()[0] == 12.6 and frame["duration"].tolist()[2] == 59.5
    assert pd.isna(frame["duration"].tolist()[1])


def test_bodies_keep_one_row_per_id_the_newest_and_sort_by_creation():
    old = record(1, notes="first draft", updatedAt="2024-03-01T15:02:00Z")
    new = copy.deepcopy(old) | {"notes": "final", "updatedAt": "2024-03-02T09:00:00Z"}
    later = record(5)
    frame = bodies_to_frame([body([later, new]), body([old, record(3)])], None)
    assert frame["id"].is_unique and len(frame) == 3
    assert frame.set_index("id").loc[old["_id"], "notes"] == "final"
    assert frame["created_at"].is_monotonic_increasing


def test_bodies_follow_a_requested_sort():
    records = [record(i, duration=d) for i, d in enumerate([30, 90, 60])]
    frame = bodies_to_frame([body(records)], None, sort="-duration")
    assert frame["duration"].tolist() == [90, 60, 30]
    kept = bodies_to_frame([body(records)], None, reorder=False)
    assert kept["duration"].tolist() == [30, 90, 60]


def test_a_sort_puts_na_lowest_as_the_api_does():
    # The API's database sorts a null or missing field below every value: first ascending,
    # last descending. Ties go by id, ascending either way.
    answered = [None, "human", "machine_start", None, "human", None]
    ended = [
        "2024-03-01T15:01:00Z",
        None,
        "2024-03-01T15:00:00Z",
        None,
        None,
        "2024-03-01T15:02:00Z",
    ]
    records = [
        record(i, answered_by=a, duration=10 * i, ended_at=e)
        for i, (a, e) in enumerate(zip(answered, ended, strict=True), start=1)
    ]
    for n, r in enumerate(records, start=1):
        if r["answered_by"] is None and n % 2:
            del r["answered_by"]  # missing sorts as null does
    pages = [body(records[3:]), body(records[:3])]

    def ids(sort: str) -> list[int]:
        frame = bodies_to_frame(pages, None, sort=sort)
        return [int(i, 16) for i in frame["id"]]

    assert ids("answered_by") == [1, 4, 6, 2, 5, 3]
    assert ids("-answered_by") == [3, 2, 5, 1, 4, 6]
    assert ids("answered_by,-duration") == [6, 4, 1, 5, 2, 3]
    assert ids("-answered_by,duration") == [3, 2, 5, 1, 4, 6]
    assert ids("ended_at") == [2, 4, 5, 3, 1, 6]
    assert ids("-ended_at,-answered_by") == [6, 1, 3, 2, 5, 4]


@pytest.mark.parametrize("sort", ["answered_by", "-answered_by", "answered_by,-duration"])
def test_max_records_are_the_first_rows_of_the_full_read_in_the_servers_order(small_dataset, sort):
    with serve(small_dataset, api_key=KEY) as server, ds.Client(KEY, base_url=server.url) as c:
        full = c.read_call_logs(sort=sort)
        assert full["answered_by"].isna().sum() > 10  # nulls to place
        pages = [c.read_call_log_page(p, limit=100, sort=sort) for p in range(1, 6)]
        served = pd.concat([page.frame for page in pages])["id"].tolist()
        assert full["id"].tolist()[: len(served)] == served
        for n in (1, 5, 250):
            head = c.read_call_logs(sort=sort, max_records=n)
            assert head["id"].tolist() == full["id"].tolist()[:n]


def test_custom_field_values_of_any_type_are_read_as_text():
    text = record(2, contact={"custom_fields": [{"type": "text", "label": "Tier", "value": "A"}]})
    frame = bodies_to_frame([body([record(1), text])], None)
    fields = frame["contact_custom_fields"].map(json.loads)  # lists come as JSON text
    values = [[f["value"] for f in each] for each in fields]
    assert values == [["40"], ["A"]]


def test_only_custom_field_values_are_read_as_text():
    # A field the API adds whose object has a `value`, a list of such objects, and custom
    # fields whose label looks like JSON: only the custom fields' values become text.
    tricky = {"type": "number", "label": 'a] "value": 9 [', "value": 7}
    records = [
        record(1, sentiment={"value": 0.25}, tags=[{"value": 2, "ok": True}]),
        record(2, sentiment={"value": 1}, contact={"custom_fields": [tricky, {"value": True}]}),
    ]
    fields = [["40"], ["7", "true"]]
    for frame in (
        bodies_to_frame([body(records)], None),
        bodies_to_frame([body(records, indent=1)], None),  # read by the JSON module
        records_to_frame(records, None),
    ):
        assert frame["sentiment_value"].dtype == "Float64"
        assert frame["sentiment_value"].tolist() == [0.25, 1.0]
        assert json.loads(frame["tags"].iloc[0]) == [{"value": 2, "ok": True}]
        custom = frame["contact_custom_fields"].map(json.loads)
        assert [[f["value"] for f in each] for each in custom] == fields
        assert custom.iloc[1][0]["label"] == tricky["label"]


def test_custom_fields_holding_a_raw_nul_are_quoted_each_on_its_own():
    raw = (
        b'{"data":[{"_id":"a","contact":{"custom_fields":[{"label":"x\x00y","value":1}]},'
        b'"score":{"value":2}},{"_id":"b","contact":{"custom_fields" : [ {"value" : -1.5e3} ]}}]}'
    )
    assert quote_values(raw) == raw.replace(b":1}", b':"1"}').replace(b"-1.5e3", b'"-1.5e3"')


def test_pretty_printed_bodies_and_fields_that_change_type_lose_nothing():
    odd = record(2, dialerMode=3, contact={"priority": "high"})
    pages = [body([record(1, dialerMode="parallel")]), body([odd], indent=2)]
    flat = flatten_bodies(pages)
    assert flat.num_rows == 2
    frame = bodies_to_frame(pages, None)
    assert frame["dialer_mode"].tolist() == ["parallel", "3"]
    assert frame["contact_priority"].tolist() == ["2", "high"]


def test_page_info_reads_ids_and_pagination_and_rejects_garbage():
    info = read_page_info(body([record(1), record(2)], total=7))
    assert info.ids == [record(1)["_id"], record(2)["_id"]]
    assert info.pagination["total"] == 7
    pretty = read_page_info(body([record(1)], indent=1))
    assert len(pretty) == 1
    for garbage in [b'{"data": [{"_id": "a"}', b"[]", b'{"data": 3}', b"<html>busy</html>"]:
        with pytest.raises(ValueError):
            read_page_info(garbage)


def test_groups_whose_inferred_fields_differ_stay_on_the_fast_path(monkeypatch):
    # Groups of bodies are parsed apart; a contact field only a later group has must not
    # break stacking them (pyarrow refuses nested tables like that: every body then went
    # down the slow one-by-one path, 4x slower on 100,000 calls).
    from dialstats import _flat
    from dialstats.api import _wire

    monkeypatch.setattr(_flat, "BLOCK", 512)
    plain = [record(i, contact={"_id": f"c{i}", "first_name": "Ann"}) for i in range(1, 30)]
    more = [
        record(i, contact={"_id": f"c{i}", "first_name": "Bo", "priority": i, "source": "csv"})
        for i in range(30, 60)
    ]
    bodies = [
        json.dumps({"data": chunk, "pagination": {"total": 59, "page": 1}}).encode()
        for chunk in (plain[:15], plain[15:], more[:15], more[15:])
    ]
    flat, _ = _wire._parse_bodies(bodies)  # raised ArrowInvalid before
    assert flat.num_rows == 59
    priority = flat["contact_priority"].to_pylist()
    assert priority[:29] == [None] * 29 and priority[29:] == list(range(30, 60))


# Text with the characters that make JSON hard: controls, quotes, backslashes, non-ASCII.
_HARD_TEXT = st.text(
    st.sampled_from(list('ab \\"/é\u2028') + [chr(c) for c in range(32)]), max_size=12
)


def _raw_controls(document: dict, *, pretty: bool) -> bytes:
    """`document` as JSON whose strings hold their control characters raw, as live bodies do;
    `pretty`: with line breaks and tabs between tokens too."""
    text = json.dumps(document, ensure_ascii=False, indent="\t" if pretty else None)
    # json.dumps escapes a control character as \uXXXX or \n, \t...; put each back raw, unless
    # the backslash is itself escaped (an even run of backslashes before it).
    unescape = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}

    def raw(match: re.Match[str]) -> str:
        run, code = match.group(1), match.group(2)
        if len(run) % 2 == 0:
            return match.group()
        char = unescape.get(code) or chr(int(code[1:], 16))
        return run[:-1] + char

    return re.sub(r"(\\+)(u00[01][0-9a-f]|[ntrbf])", raw, text).encode()


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(_HARD_TEXT, min_size=1, max_size=6),
    pretty=st.booleans(),
)
def test_raw_control_characters_read_exactly_as_the_json_module_reads_them(texts, pretty):
    records = [
        record(i, transcription=text, notes=text[::-1]) for i, text in enumerate(texts, start=1)
    ]
    raw = _raw_controls({"data": records, "pagination": {"total": len(records)}}, pretty=pretty)
    expected = json.loads(raw, strict=False)["data"]
    flat = flatten_bodies([raw])
    assert flat["transcription"].to_pylist() == [r["transcription"] for r in expected]
    assert flat["notes"].to_pylist() == [r["notes"] for r in expected]
    assert read_page_info(raw).ids == [r["_id"] for r in expected]


@settings(max_examples=150, deadline=None)
@given(
    fields=st.lists(
        st.lists(
            st.tuples(
                st.text(st.sampled_from(list('[]{}:,"value \\\x00\n')), max_size=8),
                st.integers()
                | st.floats(allow_nan=False, allow_infinity=False)
                | st.booleans()
                | _HARD_TEXT,
            ),
            max_size=3,
        ),
        min_size=1,
        max_size=4,
    ),
    other=st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False),
    pretty=st.booleans(),
)
def test_custom_field_values_are_text_as_sent_and_nothing_else_is(fields, other, pretty):
    records = [
        record(
            i,
            contact={"custom_fields": [{"label": k, "value": v} for k, v in each]},
            extra={"value": other},
        )
        for i, each in enumerate(fields, start=1)
    ]
    raw = _raw_controls({"data": records, "pagination": {"total": len(records)}}, pretty=pretty)
    flat = flatten_bodies([raw])
    sent = [[v if isinstance(v, str) else json.dumps(v) for _, v in each] for each in fields]
    got = [[f["value"] for f in each] for each in flat["contact_custom_fields"].to_pylist()]
    assert got == sent
    assert flat["extra_value"].to_pylist() == [other] * len(records)


def test_a_control_character_after_a_backslash_is_not_taken_for_an_escape():
    # An escaped backslash, then a raw newline: the text is a backslash and a newline.
    raw = b'{"data": [{"_id": "a", "notes": "x\\\\\ny"}], "pagination": {"total": 1}}'
    assert flatten_bodies([raw])["notes"].to_pylist() == ["x\\\ny"]
    # A lone backslash before a raw newline is no escape at all: refused, not read as the
    # text "\\u000a" (which escaping the newline after it would have made).
    with pytest.raises(ValueError, match="not valid JSON"):
        flatten_bodies([raw.replace(b"\\\\", b"\\")])


def test_page_info_with_raw_controls_keeps_the_escaped_body_and_needs_a_count():
    from dialstats.api._pages import page_count
    from dialstats.errors import ApiError

    raw = b'{"data": [{"_id": "a", "notes": "x\ny"}], "pagination": {"total": 1}}\n'
    info = read_page_info(raw)
    assert info.ids == ["a"] and info.pagination["total"] == 1
    # Escaped (the trailing line break dropped, not escaped): what the records are read from.
    assert b"\n" not in info.body and flatten_bodies([info.body])["notes"].to_pylist() == ["x\ny"]
    assert "notes" not in repr(info) and info == read_page_info(raw.strip())
    # A pagination with no count at all is refused, as it is for a body without controls.
    for body in (raw, raw.replace(b"\n", b" ")):
        uncounted = read_page_info(body.replace(b'"total": 1', b'"page": 1'))
        with pytest.raises(ApiError, match="neither total, pages nor next"):
            page_count(uncounted, 100)


# Bodies that look like JSON objects but are not all pages: what a lying server may send.
_ODD_BODIES = [
    b"{}",
    b'{"data": null, "pagination": {"total": 5}}',
    b'{"data": [null], "pagination": {"total": 5}}',
    b'{"data": 3, "pagination": {"total": 5}}',
    b'{"data": [{"_id": 7}], "pagination": {"total": 1}}',
    b'{"data": [{"_id": "a"}, 4], "pagination": {"total": 2}}',
    b'{"data": [], "pagination": {"total": 0, "next": null}}',
    b'{"data": [{"_id": "z"}]}',
    b'{"pagination": {"total": 2}}',
    b'{"data": [{"_id": "a"}], "pagination": {"total": "2"}}',
    b'{"data": [{"_id": "a"}], "pagination": {"total": 2}} trailing',
    b'{"data": [{"_id": "a", "notes": "x\\\ny"}], "pagination": {"total": 1}}',
    b'{"data": [{"_id": "a"}], "pagination": {"total": 2}} {"data": [{"_id": "b"}]}',
    b'{"data": [{"_id": "a\xff"}], "pagination": {"total": 1}}',
    b'{"data": [{"id": "a"}, {"_id": null, "ID": "b"}], "pagination": {"total": 2}}',
]


@st.composite
def _page_bodies(draw) -> bytes:
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(_ODD_BODIES))
    start = draw(st.integers(1, 50))
    texts = draw(st.lists(_HARD_TEXT, max_size=4))
    records = [record(start + i, transcription=t) for i, t in enumerate(texts)]
    pagination = draw(
        st.sampled_from([{"total": 9}, {"total": 9, "page": 2, "next": 3}, {"next": None}, None])
    )
    document = (
        {"data": records} if pagination is None else {"data": records, "pagination": pagination}
    )
    return _raw_controls(document, pretty=draw(st.booleans()))


@settings(max_examples=120, deadline=None)
@given(bodies=st.lists(_page_bodies(), min_size=1, max_size=6))
def test_pages_parsed_together_say_what_each_body_held_as_read_alone(bodies):
    # The records and the ids/pagination of many bodies read at once, against each body read
    # on its own by the page-info reader and the JSON module.
    from dialstats.api._wire import parse_pages

    parsed = parse_pages(bodies)
    assert len(parsed.infos) == len(bodies)
    expected_notes = []
    for raw, info in zip(bodies, parsed.infos, strict=True):
        try:
            alone = read_page_info(raw)
            records = json.loads(raw, strict=False)["data"]
        except ValueError:
            assert isinstance(info, ValueError), raw
            continue
        assert not isinstance(info, ValueError), (raw, info)
        assert info.ids == alone.ids == [r.get("_id") for r in records]
        for key in ("total", "next"):
            assert info.pagination.get(key) == alone.pagination.get(key)
        expected_notes += [r.get("transcription") for r in records]
    table = parsed.table
    got = table["transcription"].to_pylist() if "transcription" in table.column_names else None
    assert got == expected_notes or (got is None and set(expected_notes) <= {None})
    assert table.num_rows == len(expected_notes)


def test_a_page_fetched_again_takes_the_place_of_its_first_body():
    from dialstats.api._wire import BackgroundParser, PageInfo

    pages = {n: body([record(10 * n + i) for i in range(3)], total=12) for n in range(1, 5)}
    parser = BackgroundParser()
    try:
        # Page 2, amid its group, held a null record: the pages around it keep their places.
        parser([1, 2, 3], [pages[1], b'{"data": [null], "pagination": {"total": 12}}', pages[3]])
        parser([4], [pages[4]])
        settled = parser.settled().result()
        assert isinstance(settled[2], ValueError) and "record 0" in str(settled[2])
        assert [len(settled[n]) for n in (1, 3, 4)] == [3, 3, 3]
        info = parser.replace(2, pages[2])
        assert isinstance(info, PageInfo) and info.ids == [record(20 + i)["_id"] for i in range(3)]
        ids = parser.table()["id"].to_pylist()
        assert ids == [record(10 * n + i)["_id"] for n in range(1, 5) for i in range(3)]
        with pytest.raises(ValueError, match="no 'data' key"):
            parser.replace(3, b"{}")
        parser.reset()
        assert parser.table().num_rows == 0
    finally:
        parser.close()

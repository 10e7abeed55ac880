"""to_e164 / from_e164, contact_id and the contact_phone_* flags of the contact's number on each call."""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialstats.frame import _phones
from dialstats.frame._build import records_to_frame
from dialstats.frame._schema import CALL_LOG_COLUMNS, call_log_dtypes, empty_call_log_frame

FORMATS = ["(212) 555-0143", "12125550143", "+1 212-555-0143", "212.555.0143", "2125550143"]


def e164(values):
    return _phones.to_e164(pa.chunked_array([pa.array(values, pa.string())])).to_pylist()


@pytest.mark.parametrize("text", FORMATS)
def test_the_formats_of_one_number_give_its_e164(text):
    assert e164([text]) == ["+12125550143"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+12125550143", "+12125550143"),
        ("+44 20 7946 0000", "+442079460000"),
        ("+353 1 348 9426", "+35313489426"),
        ("  212 555 0143 ", "+12125550143"),
        ("1-212-555-0143", "+12125550143"),
        ("555-0143", None),  # too short for any NANP number
        ("not a number", None),
        ("", None),
        (None, None),
    ],
)
def test_other_numbers(text, expected):
    assert e164([text]) == [expected]


NANP = st.tuples(
    st.integers(2, 9), st.integers(0, 99), st.integers(2, 9), st.integers(0, 99),
    st.integers(0, 9999),
).map(lambda p: f"{p[0]}{p[1]:02d}{p[2]}{p[3]:02d}{p[4]:04d}")  # fmt: skip


def formatted(digits: str, style: int) -> str:
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return [
        f"({area}) {exchange}-{line}",
        f"1{digits}",
        f"+1 {area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        digits,
        f"+1{digits}",
        f"1 ({area}) {exchange} {line}",
        f"  {area}-{exchange}-{line}\t",
    ][style]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NANP, st.integers(0, 7)), min_size=1, max_size=20))
def test_any_formatting_of_a_valid_nanp_number_is_its_e164(numbers):
    texts = [formatted(digits, style) for digits, style in numbers]
    assert e164(texts) == [f"+1{digits}" for digits, _ in numbers]


def test_each_distinct_number_is_parsed_once(monkeypatch):
    seen = []
    parse = _phones.e164
    monkeypatch.setattr(_phones, "e164", lambda text: seen.append(text) or parse(text))
    values = ["212-555-0143 ext. 12", "+13125550100", "(212) 555-0143", "+44 20 7946 0000"] * 1000
    got = e164(values)
    assert got[:4] == ["+12125550143", "+13125550100", "+12125550143", "+442079460000"]
    # E.164 and the plain NANP shapes skip the parser; each other distinct string is parsed once
    assert sorted(seen) == ["+44 20 7946 0000", "212-555-0143 ext. 12"]


PIECES = st.sampled_from(["", " ", "-", ".", "(", ")", "+", "1", "0", "x", "  "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text("0123456789", min_size=1, max_size=12), PIECES), max_size=8))
def test_the_vectorised_path_agrees_with_libphonenumber(parts):
    """Whatever the string, the Arrow fast path gives what libphonenumber gives, except that a
    string already in E.164 is kept as sent (libphonenumber drops zeros after some country codes
    that no real E.164 number has)."""
    text = "".join(parts)
    got = e164([text, "x"])[0]
    if re.fullmatch(r"\+[2-9][0-9]{6,14}", text):
        assert got == text
    else:
        assert got == (_phones.e164(text.strip()) if text.strip() else None)


def live_record(i, to, phones, **fields):
    return {
        "_id": f"r{i}",
        "to": to,
        "from": "15551234567",
        "contact": {
            "_id": f"contact-{i}",
            "timezone": "ET",
            "phone_numbers": [
                {
                    "type": "mobile",
                    "number": number,
                    "country_code": "+1",
                    "extension": "",
                    "do_not_call": dnc,
                    "is_wrong_number": wrong,
                    "total_calls": 3,
                    "validation": None,
                    "call_classification": classification,
                    "_id": f"p{i}-{k}",
                }
                for k, (number, dnc, wrong, classification) in enumerate(phones)
            ],
        },
        **fields,
    }


def test_numbers_ids_and_the_dialled_numbers_flags():
    frame = records_to_frame(
        [
            # the dialled number is the second entry, written differently
            live_record(
                1,
                "(212) 555-0143",
                [
                    ("+1 312 555 0100", True, False, "mobile"),
                    ("12125550143", False, True, "office"),
                ],
            ),
            # no entry is the dialled number: flags NA
            live_record(2, "+14155550143", [("(312) 555-0100", True, True, "x")]),
            # an entry without the flags (the written spec's shape)
            {
                "_id": "r3",
                "to": "212.555.0143",
                "contact": {"phone_numbers": [{"number": "2125550143"}]},
            },
            {"_id": "r4", "from": "garbage"},
        ],
        None,
    )
    assert frame["to_e164"].tolist()[:3] == ["+12125550143", "+14155550143", "+12125550143"]
    assert pd.isna(frame["to_e164"].iloc[3])
    assert frame["from_e164"].tolist()[:2] == ["+15551234567", "+15551234567"]
    assert pd.isna(frame["from_e164"].iloc[3])
    assert frame["to"].iloc[0] == "(212) 555-0143"  # as sent
    assert frame["contact_id"].tolist()[:2] == ["contact-1", "contact-2"]
    assert frame["contact_phone_do_not_call"].tolist() == [False, pd.NA, pd.NA, pd.NA]
    assert frame["contact_phone_is_wrong_number"].tolist() == [True, pd.NA, pd.NA, pd.NA]
    assert frame["contact_phone_call_classification"].tolist() == ["office", pd.NA, pd.NA, pd.NA]
    # the phone_numbers list keeps every live field
    entry = json.loads(frame["contact_phone_numbers"].iloc[0])[1]
    assert {"type", "number", "country_code", "extension", "do_not_call", "is_wrong_number",
            "total_calls", "validation", "call_classification", "_id"} <= set(entry)  # fmt: skip
    assert entry["country_code"] == "+1" and entry["total_calls"] == 3


def test_schema_order_and_dtypes_of_the_new_columns():
    order = [
        "contact_phone",
        "contact_id",
        "contact_tz",
        "to_e164",
        "from_e164",
        "contact_phone_do_not_call",
        "contact_phone_is_wrong_number",
        "contact_phone_call_classification",
        "contact_list_id",
    ]
    start = CALL_LOG_COLUMNS.index("contact_phone")
    assert list(CALL_LOG_COLUMNS[start : start + len(order)]) == order
    dtypes = call_log_dtypes()
    empty = empty_call_log_frame()
    for name in order:
        assert empty[name].dtype == dtypes[name]
    assert dtypes["contact_phone_do_not_call"] == "boolean"
    assert dtypes["contact_tz"] == "string" and dtypes["to_e164"] == "string"
    built = records_to_frame([], None)
    assert list(built.columns) == list(CALL_LOG_COLUMNS)
    assert (built.dtypes == empty.dtypes).all()

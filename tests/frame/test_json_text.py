"""Arrow values as JSON text: every value reads back as itself with the JSON module."""

from __future__ import annotations

import json
import math

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialstats._json import json_text

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**62), 2**62),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)


def _records(value_strategy):
    keys = st.sampled_from(["type", "number", 'a"b', "é", "x\ny"])
    return st.dictionaries(keys, value_strategy, max_size=4)


# One Arrow type per column, as a page of call logs has: lists of objects of scalars, lists of
# scalars, objects holding lists.
columns = st.one_of(
    st.lists(st.one_of(st.none(), st.lists(_records(text), max_size=3)), max_size=6),
    st.lists(st.one_of(st.none(), st.lists(st.one_of(st.none(), text), max_size=3)), max_size=6),
    st.lists(st.one_of(st.none(), st.lists(st.integers(-5, 5), max_size=3)), max_size=6),
    st.lists(st.one_of(st.none(), _records(st.lists(st.booleans(), max_size=2))), max_size=6),
    st.lists(scalars.filter(lambda v: not isinstance(v, bool)), max_size=6),
)


def _same(decoded, expected):
    if isinstance(expected, float):
        return isinstance(decoded, int | float) and (
            decoded == expected or math.isclose(decoded, expected, rel_tol=1e-15)
        )
    if isinstance(expected, dict):
        return decoded.keys() == expected.keys() and all(
            _same(decoded[k], expected[k]) for k in expected
        )
    if isinstance(expected, list):
        return len(decoded) == len(expected) and all(map(_same, decoded, expected))
    return decoded == expected and type(decoded) is type(expected)


@settings(max_examples=300, deadline=None)
@given(values=columns, start=st.integers(0, 3))
def test_every_value_reads_back_with_the_json_module(values, start):
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return  # mixed types Arrow will not put in one column: never a column of a frame
    array = array.slice(min(start, len(array)))  # offsets of a slice, as pages' chunks have
    expected = array.to_pylist()
    encoded = json_text(array).to_pylist()
    assert len(encoded) == len(expected)
    for got, want in zip(encoded, expected, strict=True):
        if want is None:
            assert got is None
        else:
            assert _same(json.loads(got), want), (got, want)


def test_chunked_columns_keep_their_nulls_and_separators_match_json_dumps():
    column = pa.chunked_array([[[{"a": 1, "b": "x"}]], [None, [], [{"a": None, "b": "\t"}]]])
    assert json_text(column).to_pylist() == [
        json.dumps([{"a": 1, "b": "x"}]),
        None,
        "[]",
        json.dumps([{"a": None, "b": "\t"}]),
    ]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pa.array([float("nan"), float("inf"), 2.5]), ["null", "null", "2.5"]),
        (pa.array([[None]], pa.list_(pa.null())), ["[null]"]),
        (pa.array([{}], pa.struct([])), ["{}"]),
        (pa.array([["a"]], pa.large_list(pa.string())), ['["a"]']),
        (pa.array([b"\x00"], pa.binary()), [json.dumps(str(b"\x00"))]),
    ],
)
def test_odd_types(values, expected):
    assert json_text(values).to_pylist() == expected

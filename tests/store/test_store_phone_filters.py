"""Phone-number filters (``to``, ``from``, ``search``) read from a store, a snapshot and the
cache give what the API gives, whichever way the filter or the stored call spells a number.

The API is the sandbox over real HTTP; a few calls are given unusual spellings first (spaces,
dots, no country code, a quote and an accent inside a number, a number with a plus and ten
digits), so every form a stored number can take is met.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialstats.api._client import Client
from dialstats.sandbox import Dataset, generate, serve
from dialstats.store import (
    CallLogStore,
    StoreFilterError,
    cached_read_call_logs,
    read_snapshot,
    write_snapshot,
)
from dialstats.store._select import number_key

KEY = "sk-test-phones-41c7"
# (call index, field, spelling): numbers as a server may hold them.
PLANTED = [
    (3, "to", " +1 (704) 231-6369"),
    (4, "to", "704.231.6369"),
    (5, "to", "17042316369"),
    (6, "to", "+7042316369"),  # a plus and ten digits: not the NANP number above
    (7, "from", "1-704-231-6369"),
    (8, "to", "+44 20 7946 0958"),
    (9, "to", "442079460958"),
    (10, "contact", 'tél 704 231 6369 "office"'),
    (11, "contact", "(773) 624-7176"),
    (12, "contact", "7736247176 x12"),
]


def planted() -> Dataset:
    dataset = generate(seed=7, n_calls=1200)
    for index, field, number in PLANTED:
        call = dataset.calls[index]
        if field == "contact":
            call["contact"] = contact = copy.deepcopy(call["contact"])
            entry = {**contact["phone_numbers"][0], "number": number}
            contact["phone_numbers"] = [*contact["phone_numbers"], entry]  # a second number
        else:
            call[field] = number
    return dataset


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return planted()


@pytest.fixture(scope="module")
def client(dataset: Dataset) -> Iterator[Client]:
    with serve(dataset, api_key=KEY) as url, Client(KEY, base_url=url) as c:
        yield c


@pytest.fixture(scope="module")
def store(tmp_path_factory, client: Client) -> CallLogStore:
    store = CallLogStore(tmp_path_factory.mktemp("phones") / "store")
    store.sync(client, progress=False)
    return store


@pytest.fixture(scope="module")
def snapshot(store: CallLogStore) -> Path:
    path = store.path.parent / "calls.parquet"
    write_snapshot(path, store.read(), {})
    return path


def ids(frame) -> set[str]:
    return set(frame["id"])


def api_ids(client: Client, **filters) -> set[str]:
    return ids(client.read_call_logs(progress=False, **filters))


@pytest.fixture(scope="module")
def all_numbers(dataset: Dataset) -> list[str]:
    """Every number the calls hold: dialled, calling and the contacts' own."""
    found = []
    for call in dataset.calls:
        found += [call["to"], call["from"]]
        contact = call.get("contact") or {}
        found += [entry["number"] for entry in contact.get("phone_numbers") or []]
    return sorted(set(found))


# Ways of writing a number's digits: between two digits, nothing or a separator; before them,
# a plus or not.
SEPARATORS = st.sampled_from(["", "", "", " ", "-", ".", "(", ") ", " (", "/"])


@st.composite
def spelled(draw, number: str) -> str:
    """`number`'s digits written another way, the country code 1 kept or left out."""
    digits = re.sub(r"[^0-9]", "", number)
    if len(digits) == 11 and digits[0] == "1" and draw(st.booleans()):
        digits = digits[1:]
    gaps = draw(st.lists(SEPARATORS, min_size=len(digits), max_size=len(digits)))
    lead = draw(st.sampled_from(["", "+", " +", "+ ", " "]))
    body = "".join(gap + digit for gap, digit in zip(gaps, digits, strict=True))
    return (lead + body).strip() or body


@st.composite
def needles(draw, number: str) -> str:
    """A search for (part of) `number`: as stored, re-spelled, or a run of its digits."""
    kind = draw(st.sampled_from(["as stored", "spelled", "digits", "part"]))
    if kind == "as stored":
        return number
    text = draw(spelled(number))
    if kind == "spelled":
        return text
    if kind == "digits":
        text = re.sub(r"[^0-9]", "", text)
    start = draw(st.integers(0, max(len(text) - 1, 0)))
    end = draw(st.integers(start + 1, len(text)))
    return text[start:end].strip() or text


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(data=st.data(), name=st.sampled_from(["to", "from"]))
def test_to_and_from_read_from_a_store_match_the_api_however_spelled(
    data, name, all_numbers, client, store, snapshot
):
    value = data.draw(spelled(data.draw(st.sampled_from(all_numbers))), label=name)
    want = api_ids(client, **{name: value})
    assert ids(store.read(**{name: value})) == want
    assert ids(read_snapshot(snapshot, **{name: value})) == want


def same_search(needle: str, client: Client, store: CallLogStore, snapshot: Path) -> set[str]:
    want = api_ids(client, search=needle)
    assert ids(store.read(search=needle)) == want, needle
    assert ids(read_snapshot(snapshot, search=needle)) == want, needle
    return want


@PROPERTY
@given(data=st.data())
def test_a_search_read_from_a_store_matches_the_api(data, all_numbers, client, store, snapshot):
    number = data.draw(st.sampled_from(all_numbers))
    same_search(data.draw(needles(number), label="search"), client, store, snapshot)


@pytest.mark.parametrize(
    "needle", ["7736247176", "(773) 624", "+1 773", "17736247176", "TÉL", '"office', "x12", "1"]
)
def test_a_search_finds_every_number_of_the_contact_as_the_api_does(
    needle, client, store, snapshot
):
    # The contacts' second numbers: spelled with a quote, an accent, an extension.
    assert same_search(needle, client, store, snapshot)


def test_a_number_stored_formatted_is_found_by_its_e164_and_its_digits(client, store):
    # The server holds "(704) 231-6369" and other spellings of one number.
    for value in ("+17042316369", "7042316369", "(704) 231-6369"):
        want = api_ids(client, to=value)
        assert len(want) >= 3
        assert ids(store.read(to=value)) == want
    assert ids(store.read(to="+7042316369")) == api_ids(client, to="+7042316369")
    assert ids(store.read(to=["+442079460958"])) == api_ids(client, to="+442079460958")
    assert len(api_ids(client, to="+442079460958")) >= 2
    # A contact's second number, found by its digits alone.
    found = store.read(search="7736247176")
    assert ids(found) == api_ids(client, search="7736247176") and len(found) >= 2


def test_a_cached_read_and_a_store_bound_to_a_number_accept_any_spelling_of_it(tmp_path, client):
    path = tmp_path / "cache"
    first = cached_read_call_logs(path, client, to="+17042316369", progress=False)
    assert ids(first) == api_ids(client, to="+17042316369") and len(first) >= 3
    # The store is bound to that number; the same number spelled otherwise is within it.
    again = cached_read_call_logs(path, client, to="(704) 231-6369", progress=False)
    assert ids(again) == ids(first)
    store = CallLogStore(path)
    assert ids(store.read(to=["704.231.6369", "no number"])) == ids(first)
    with pytest.raises(StoreFilterError, match="to"):
        store.read(to="+17735913177")


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_a_scan_filters_numbers_as_the_api_does(client, store, engine):
    for filters in (
        {"to": "704-231-6369"},
        {"from": "+1 704 231 6369"},
        {"to": ["442079460958", "+7042316369"]},
        {"search": "773.624.7176"},
        {"search": "TÉL"},
    ):
        scan = store.scan(engine, **filters)
        got = scan.fetchdf() if engine == "duckdb" else scan.collect().to_pandas()
        want = api_ids(client, **filters)
        assert want and ids(got) == want == ids(store.read(**filters)), filters


def test_number_key_is_the_key_the_api_compares():
    assert number_key("(704) 231-6369") == number_key(" 1 704 231 6369") == "17042316369"
    assert number_key("+7042316369") == "7042316369"
    assert number_key("+44 20 7946 0958") == number_key("442079460958") == "442079460958"
    assert number_key("ext.") is None

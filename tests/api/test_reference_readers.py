"""The other readers (dispositions, sequences, contact lists, team, analytics) and demo=True."""

from __future__ import annotations

import inspect
import typing
from inspect import Parameter

import pandas as pd
import pytest

import dialstats as ds
from dialstats.frame._schema import call_log_dtypes
from dialstats.sandbox import demo_dataset, serve

KEY = "sk-reference-1d2e3f"


@pytest.fixture(scope="module")
def demo():
    with ds.Client(demo=True) as client:
        yield client


@pytest.fixture(scope="module")
def demo_calls(demo):
    return demo.read_call_logs()


def test_demo_reads_the_bundled_data_through_the_same_path(demo, demo_calls):
    assert len(demo_calls) == len(demo_dataset().calls)
    assert demo_calls.dtypes[: len(call_log_dtypes())].to_dict() == call_log_dtypes()
    assert demo.request_count > 1  # real requests, to the in-process sandbox
    assert "demo" in repr(demo)


@pytest.mark.parametrize(
    ("reader", "columns"),
    [
        (ds.read_dispositions, ["id", "name", "category", "is_custom", "is_required"]),
        (ds.read_sequences, ["id", "name", "total_calls", "first_used_at", "last_used_at"]),
        (ds.read_contact_lists, ["id", "name", "source", "total_contacts", "created_at"]),
        (ds.read_team, ["team_id", "team_name", "user_id", "user_email", "user_first_name"]),
    ],
)
def test_every_module_level_reader_takes_demo(reader, columns):
    frame = reader(demo=True)
    assert len(frame) > 0
    assert list(frame.columns[: len(columns)]) == columns


def test_module_level_call_logs_take_demo(demo_calls):
    frame = ds.read_call_logs(demo=True, outcome="cancelled")
    expected = demo_calls.loc[demo_calls["outcome"] == "cancelled", "id"]
    assert frame["id"].tolist() == expected.tolist()


def test_dispositions_keep_the_number_call_logs_use(demo):
    frame = demo.read_dispositions()
    assert frame["id"].dtype == pd.Int64Dtype()
    assert frame.set_index("id").loc[1, "name"] == "Answered - Meeting Set"
    assert frame["category"].dtype == call_log_dtypes()["disposition_category"]
    positive = demo.read_dispositions(category="positive", is_custom=False)
    assert set(positive["category"]) == {"positive"} and not positive["is_custom"].any()


def test_sequences_agree_with_the_call_log(demo, demo_calls):
    sequences = demo.read_sequences().set_index("id")
    counts = demo_calls["sequence_id"].value_counts()
    assert (sequences["total_calls"] == counts.reindex(sequences.index, fill_value=0)).all()
    assert str(sequences["first_used_at"].dtype) == "datetime64[ns, UTC]"


def test_contact_lists_are_read_across_pages(small_dataset):
    lists = [
        {**small_dataset.contact_lists[0], "_id": f"{i:024x}", "name": f"List {i}"}
        for i in range(230)
    ]
    dataset = type(small_dataset)(
        calls=[], dispositions=small_dataset.dispositions, contact_lists=lists, team={}
    )
    with serve(dataset, api_key=KEY) as server:
        client = ds.Client(KEY, base_url=server.url)
        frame = client.read_contact_lists(sort="name")
        # The live listing path, three pages of 100; sorted here, since /csv takes no sort.
        assert server.sandbox.requests["/v1/contact-lists/csv"] == 3
    assert len(frame) == 230 and frame["id"].is_unique
    assert frame["name"].tolist() == sorted(frame["name"])
    assert frame["user_id"].notna().all()  # the live listing names the owner by id only


def test_team_is_one_row_per_member(demo):
    team = demo.read_team(tz="Europe/Paris")
    members = demo_dataset().team["users"]
    assert len(team) == len(members)
    assert team["team_name"].nunique() == 1
    first = members[0]["user"]
    assert team.loc[0, "user_name"] == f"{first['first_name']} {first['last_name']}"


EVERYTHING = {"start_date": "2000-01-01", "end_date": "2099-12-31"}


def test_overview_matches_the_call_log(demo, demo_calls):
    overview = demo.read_analytics("overview", **EVERYTHING).set_index("metric")
    assert list(overview.columns) == ["value", "growth"]
    assert overview.loc["total_calls", "value"] == len(demo_calls)
    connected = (demo_calls["answered_by"] == "human") & (demo_calls["disposition_id"] < 10)
    assert overview.loc["connected_calls", "value"] == connected.sum()
    meetings = demo.read_analytics("overview", disposition_ids=[1], **EVERYTHING)
    meetings = meetings.set_index("metric")
    assert meetings.loc["total_calls", "value"] == (demo_calls["disposition_id"] == 1).sum()


def test_sdr_performance_is_one_row_per_rep_over_all_pages(demo, demo_calls):
    reps = demo.read_analytics(
        "sdr_performance", start_date="2026-09-01", end_date="2099-12-31", timezone="UTC"
    )
    september_on = demo_calls[demo_calls["created_at"] >= pd.Timestamp("2026-09-01", tz="UTC")]
    per_user = september_on["user_id"].value_counts()
    assert reps["id"].is_unique
    assert (reps.set_index("id")["total_calls"] == per_user.reindex(reps["id"]).values).all()
    assert reps["name"].notna().all()


def test_list_performance_flattens_the_owner(demo):
    lists = demo.read_analytics("list-performance", dtype_backend="pyarrow", **EVERYTHING)
    assert {"owner_id", "owner_email"} <= set(lists.columns)
    assert all(isinstance(dtype, pd.ArrowDtype) for dtype in lists.dtypes)
    searched = demo.read_analytics(
        "list-performance", search=lists["name"].iloc[0][:8], **EVERYTHING
    )
    assert 0 < len(searched) <= len(lists)


THIN_READERS = (
    "read_analytics",
    "read_contact_lists",
    "read_custom_fields",
    "read_dispositions",
    "read_follow_ups",
    "read_scored_calls",
    "read_sequences",
    "read_snoozed_contacts",
    "read_team",
)


@pytest.mark.parametrize("name", THIN_READERS)
def test_each_reader_is_its_client_method_plus_the_connection_keywords(name):
    reader = getattr(ds, name)
    method = list(inspect.signature(getattr(ds.Client, name)).parameters.values())[1:]
    given = list(inspect.signature(reader).parameters.values())
    positional = [p for p in method if p.kind is Parameter.POSITIONAL_OR_KEYWORD]
    connection = given[len(positional) : len(positional) + 3]
    assert [(p.name, p.default, p.kind) for p in connection] == [
        ("api_key", None, Parameter.KEYWORD_ONLY),
        ("base_url", None, Parameter.KEYWORD_ONLY),
        ("demo", False, Parameter.KEYWORD_ONLY),
    ]
    assert [p for p in given if p not in connection] == method
    assert (reader.__module__, reader.__qualname__, reader.__name__) == (
        "dialstats._readers",
        name,
        name,
    )
    assert ">>> import dialstats as ds" in reader.__doc__
    assert typing.get_type_hints(reader)["return"] is pd.DataFrame


def test_a_reader_checks_its_arguments_before_it_reads():
    with pytest.raises(TypeError, match=r"^read_team\(\) got an unexpected keyword .*'user'"):
        ds.read_team(demo=True, user="maya")
    with pytest.raises(TypeError, match=r"^read_analytics\(\) missing .* 'name'"):
        ds.read_analytics(demo=True, start_date="2026-09-01", end_date="2026-09-30")
    with pytest.raises(TypeError, match=r"^read_sequences\(\) too many positional"):
        ds.read_sequences("demo")


def test_a_reader_passes_its_arguments_to_the_method(demo):
    for name in ("overview", "list-performance"):
        by_name = ds.read_analytics(
            demo=True, name=name, dtype_backend="pyarrow", tz="Europe/Paris", **EVERYTHING
        )
        expected = demo.read_analytics(
            name, dtype_backend="pyarrow", tz="Europe/Paris", **EVERYTHING
        )
        pd.testing.assert_frame_equal(by_name, expected)
    searched = ds.read_contact_lists(demo=True, search="a", sort="-name")
    pd.testing.assert_frame_equal(searched, demo.read_contact_lists(search="a", sort="-name"))
    assert searched["name"].is_monotonic_decreasing

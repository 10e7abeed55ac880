"""``cached_read_call_logs``: what ``read_call_logs(..., cache=True | path)`` runs."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from dialstats.api._client import Client
from dialstats.errors import InvalidParameterError
from dialstats.sandbox import generate, serve
from dialstats.store import CallLogStore, cache_root, cached_read_call_logs

KEY = "sk-test-cache-9e2f"


@pytest.fixture
def client() -> Iterator[Client]:
    with serve(generate(seed=3, n_calls=700), api_key=KEY) as url, Client(KEY, base_url=url) as c:
        c.server = url
        yield c


def test_a_cached_read_equals_a_live_read_and_the_next_one_fetches_only_changes(tmp_path, client):
    path = tmp_path / "cache"
    filters = {"start_date": "2026-09-01", "outcome": "answered"}
    first = cached_read_call_logs(path, client, **filters)
    pd.testing.assert_frame_equal(
        first.sort_values("id", ignore_index=True),
        client.read_call_logs(**filters).sort_values("id", ignore_index=True),
        check_like=True,
    )
    client.server.sandbox.insert(5)
    before = client.request_count
    again = cached_read_call_logs(path, client, **filters, tz="Europe/Berlin", sort="-duration")
    assert client.request_count - before == 1  # one page; the dispositions are cached
    live = client.read_call_logs(**filters, sort="-duration")
    assert again["id"].tolist() == live["id"].tolist()
    assert str(again["created_at"].dt.tz) == "Europe/Berlin"
    # The store holds every outcome in range: the outcome is applied when reading.
    assert CallLogStore(path).filters == {"start_date": pd.Timestamp("2026-09-01", tz="UTC")}


def test_cache_true_uses_one_store_per_team_and_range(tmp_path, client, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root().is_relative_to(tmp_path)
    answered = cached_read_call_logs(True, client, start_date="2026-10-01", outcome="answered")
    missed = cached_read_call_logs(True, client, start_date="2026-10-01", outcome="no-answer")
    cached_read_call_logs(True, client, start_date="2026-10-15")
    stores = sorted(p.parent for p in cache_root().rglob("_dialstats_store.json"))
    assert len(stores) == 2 and stores[0].parent == stores[1].parent  # same team, two ranges
    team = client.read_team()["team_id"].iloc[0]
    assert team in stores[0].parent.name
    assert set(answered["outcome"]) == {"answered"} and set(missed["outcome"]) == {"no-answer"}
    for path in cache_root().rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes()


@pytest.mark.parametrize("cache", [False, 1, ["dir"]])
def test_a_bad_cache_value_is_refused(cache):
    with pytest.raises(InvalidParameterError, match="cache"):
        cached_read_call_logs(cache, None)  # refused before the client is used


def test_cached_read_syncs_only_changes(tmp_path, client):
    path = tmp_path / "cache"
    first = cached_read_call_logs(path, client, start_date="2026-09-01")
    assert CallLogStore(path).filters == {"start_date": pd.Timestamp("2026-09-01", tz="UTC")}
    client.server.sandbox.insert(3)
    before = client.request_count
    again = cached_read_call_logs(path, client, start_date="2026-09-01")
    assert client.request_count - before == 1
    assert len(again) == len(first) + 3
    assert set(first["id"]) < set(again["id"])


def test_a_client_points_cache_to_the_module_reader_or_the_store(client):
    with pytest.raises(InvalidParameterError, match="CallLogStore"):
        client.read_call_logs(cache=True)


def test_module_level_reader_passes_cache_through(tmp_path):
    import dialstats as ds

    path = tmp_path / "demo-cache"
    cached = ds.read_call_logs(demo=True, cache=path, outcome="answered")
    live = ds.read_call_logs(demo=True, outcome="answered")
    assert cached["id"].tolist() == live["id"].tolist()
    assert (path / "_dialstats_store.json").is_file()
    with pytest.raises(InvalidParameterError, match="cache"):
        ds.read_call_logs(demo=True, cache=None)


@pytest.mark.parametrize("on_incomplete", ["sometimes", None, True])
def test_a_cached_read_refuses_a_bad_on_incomplete_before_making_a_store(tmp_path, on_incomplete):
    import dialstats as ds

    path = tmp_path / "demo-cache"
    with pytest.raises(InvalidParameterError, match="on_incomplete") as info:
        ds.read_call_logs(demo=True, cache=path, on_incomplete=on_incomplete)
    assert info.value.parameter == "on_incomplete"
    assert not path.exists()


def test_a_cached_read_takes_on_incomplete_warn_as_the_live_read_does(tmp_path):
    import dialstats as ds

    path = tmp_path / "demo-cache"
    cached = ds.read_call_logs(demo=True, cache=path, on_incomplete="warn", outcome="answered")
    assert cached["id"].tolist() == ds.read_call_logs(demo=True, outcome="answered")["id"].tolist()

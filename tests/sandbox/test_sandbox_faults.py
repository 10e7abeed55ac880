"""Fault injection: each knob, its reproducibility, and data changing under a paging client."""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

import dialstats as ds
from dialstats.sandbox import Dataset, Faults, FaultsError, create_app, demo_dataset, serve
from dialstats.sandbox._faults import FaultInjector

KEY = {"x-api-key": "demo"}


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"latency": -0.1}, "latency"),
        ({"jitter": math.nan}, "jitter"),
        ({"latency": "1"}, "latency"),
        ({"fail_rate": 1.5}, "fail_rate"),
        ({"throttle_rate": -0.01}, "throttle_rate"),
        ({"drop_rate": True}, "drop_rate"),
        ({"fail_rate": 0.5, "throttle_rate": 0.3, "drop_rate": 0.3}, "drop_rate"),
        ({"retry_after": 1.5}, "retry_after"),
        ({"retry_after": -1}, "retry_after"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"rate_limit": math.inf}, "rate_limit"),
        ({"burst": 0, "rate_limit": 5}, "burst"),
        ({"burst": 3}, "rate_limit"),
        ({"mutate_every": -1}, "mutate_every"),
        ({"mutate_count": 0}, "mutate_count"),
    ],
)
def test_bad_fault_settings_raise_naming_the_setting(settings, named):
    with pytest.raises(FaultsError, match=named) as error:
        Faults(**settings)
    assert error.value.parameter in str(error.value)
    assert isinstance(error.value, ValueError)
    assert isinstance(error.value, ds.errors.DialstatsError)


def test_faults_are_off_by_default_and_show_what_is_on():
    assert repr(Faults()) == "Faults()"
    assert repr(Faults(latency=0.05, rate_limit=20)) == "Faults(latency=0.05, rate_limit=20)"
    injector = FaultInjector(Faults(), seed=0)
    assert injector.delay() == 0
    assert all(injector.decide("k") is None for _ in range(1000))


def test_create_app_rejects_a_non_faults_value(small_dataset):
    with pytest.raises(TypeError, match="Faults"):
        create_app(small_dataset, faults={"latency": 1})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="api_key"):
        create_app(small_dataset, api_key="")


def test_jitter_stays_in_range_and_is_seeded():
    def delays(seed: int) -> list[float]:
        injector = FaultInjector(Faults(latency=0.1, jitter=0.05), seed)
        return [injector.delay() for _ in range(200)]

    first = delays(1)
    assert all(0.1 <= d <= 0.15 for d in first)
    assert max(first) - min(first) > 0.04  # really spread over the range
    assert delays(1) == first
    assert delays(2) != first


def _statuses(app, asgi_client, n: int) -> list[int]:
    client = asgi_client(app)
    return [client.get("/v1/team").status_code for _ in range(n)]


def test_fail_rate_answers_500s_reproducibly(small_dataset, asgi_client):
    faults = Faults(fail_rate=0.3)
    app = create_app(small_dataset, faults=faults, seed=5)
    statuses = _statuses(app, asgi_client, 300)
    failures = statuses.count(500)
    assert set(statuses) == {200, 500}
    assert 60 <= failures <= 120  # 0.3 of 300, seeded: not flaky
    assert app.state.sandbox.faults_injected["error"] == failures
    again = create_app(small_dataset, faults=faults, seed=5)
    assert _statuses(again, asgi_client, 300) == statuses
    other = create_app(small_dataset, faults=faults, seed=6)
    assert _statuses(other, asgi_client, 300) != statuses
    body = asgi_client(app).get("/v1/team")
    while body.status_code != 500:
        body = asgi_client(app).get("/v1/team")
    assert body.json()["statusCode"] == 500


def test_throttle_rate_answers_429_with_retry_after(small_dataset, asgi_client):
    app = create_app(small_dataset, faults=Faults(throttle_rate=0.5, retry_after=3), seed=1)
    client = asgi_client(app)
    responses = [client.get("/v1/call-log") for _ in range(100)]
    throttled = [r for r in responses if r.status_code == 429]
    assert 25 <= len(throttled) <= 75
    assert all(r.headers["retry-after"] == "3" for r in throttled)
    assert all(r.json()["statusCode"] == 429 for r in throttled)
    assert {r.status_code for r in responses} == {200, 429}


def test_rate_limit_is_a_token_bucket_per_key(small_dataset, asgi_client):
    app = create_app(small_dataset, faults=Faults(rate_limit=4, burst=3))
    client = asgi_client(app)
    statuses = [client.get("/v1/team").status_code for _ in range(6)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429, 429]
    limited = client.get("/v1/team")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert app.state.sandbox.faults_injected["rate_limited"] == 4
    time.sleep(0.3)  # 4 tokens a second: one is back after 0.25 s
    assert client.get("/v1/team").status_code == 200
    # a request without the key is refused before it can use up the bucket
    assert asgi_client(app, api_key=None).get("/v1/team").status_code == 401


def test_latency_delays_each_request_but_requests_run_concurrently(small_dataset):
    async def timed(client: httpx.AsyncClient) -> float:
        start = time.perf_counter()
        response = await client.get("/v1/team")
        assert response.status_code == 200
        return time.perf_counter() - start

    async def burst(url: str) -> tuple[list[float], float]:
        async with httpx.AsyncClient(base_url=url, headers=KEY) as client:
            start = time.perf_counter()
            each = await asyncio.gather(*(timed(client) for _ in range(8)))
            return each, time.perf_counter() - start

    with serve(small_dataset, faults=Faults(latency=0.3)) as url:
        each, total = asyncio.run(burst(url))
    assert min(each) >= 0.3
    assert total < 8 * 0.3 / 2  # one after another would take 2.4 s


def test_dropped_connections_surface_as_transport_errors(small_dataset, caplog):
    with serve(small_dataset, faults=Faults(drop_rate=1.0)) as url:
        with caplog.at_level(logging.INFO), httpx.Client(base_url=url, headers=KEY) as client:
            with pytest.raises(httpx.RemoteProtocolError, match=r"incomplete|complete message"):
                client.get("/v1/call-log", params={"limit": 100})
            with pytest.raises(httpx.TransportError):
                client.get("/v1/team")
        assert url.sandbox.faults_injected["dropped"] == 2
    # cutting connections is the point: the server does not log it as an application error
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_some_drops_and_the_server_keeps_serving(small_dataset):
    with serve(small_dataset, faults=Faults(drop_rate=0.4), seed=3) as url:
        ok = dropped = 0
        with httpx.Client(base_url=url, headers=KEY) as client:
            for _ in range(30):
                try:
                    response = client.get("/v1/call-log", params={"limit": 50})
                except httpx.TransportError:
                    dropped += 1
                else:
                    assert response.status_code == 200
                    assert len(response.json(strict=False)["data"]) == 50
                    ok += 1
        assert ok and dropped
        assert url.sandbox.faults_injected["dropped"] == dropped
        assert url.sandbox.requests["/v1/call-log"] == 30


def test_faults_combine_into_one_reproducible_pattern():
    faults = Faults(fail_rate=0.2, throttle_rate=0.2, drop_rate=0.2, retry_after=2)

    def pattern(seed: int) -> list[str]:
        injector = FaultInjector(faults, seed)
        return [getattr(injector.decide("key"), "kind", "ok") for _ in range(1000)]

    kinds = pattern(9)
    assert {k: kinds.count(k) for k in set(kinds)} == pytest.approx(
        {"ok": 400, "error": 200, "throttled": 200, "dropped": 200}, abs=50
    )
    assert pattern(9) == kinds
    assert pattern(10) != kinds
    injector = FaultInjector(faults, 9)
    throttles = [f for f in (injector.decide("key") for _ in range(100)) if f and f.status == 429]
    assert throttles and all(f.retry_after == 2 for f in throttles)


def test_mutations_insert_and_update_every_n_call_log_requests(small_dataset, asgi_client):
    app = create_app(small_dataset, faults=Faults(mutate_every=3, mutate_count=2), seed=4)
    sandbox = app.state.sandbox
    client = asgi_client(app)
    before = {c["_id"]: c for c in sandbox.dataset.calls}
    totals = []
    for _ in range(6):
        totals.append(client.get("/v1/call-log").json(strict=False)["pagination"]["total"])
        client.get("/v1/team")  # other endpoints do not count
    n = len(small_dataset.calls)
    assert totals == [n, n, n + 2, n + 2, n + 2, n + 4]
    assert sandbox.mutations == 2
    after = {c["_id"]: c for c in sandbox.dataset.calls}
    inserted = [i for i in after if i not in before]
    updated = [i for i in before if after[i] != before[i]]
    assert len(inserted) == 4 and len(updated) == 4
    now = datetime.now(UTC)
    for record_id in inserted:
        assert now - datetime.fromisoformat(after[record_id]["createdAt"]) < timedelta(minutes=1)
    for record_id in updated:
        assert now - datetime.fromisoformat(after[record_id]["updatedAt"]) < timedelta(minutes=1)
        assert after[record_id]["createdAt"] == before[record_id]["createdAt"]
    # new calls are the newest: the default sort shows them first
    newest = client.get("/v1/call-log", params={"limit": 4}).json(strict=False)["data"]
    assert {r["_id"] for r in newest} == set(inserted)
    assert len(small_dataset.calls) == n  # the caller's dataset is untouched


def test_paging_while_calls_are_inserted_never_skips_a_record(small_dataset, asgi_client):
    app = create_app(small_dataset, faults=Faults(mutate_every=2, mutate_count=5))
    client = asgi_client(app)
    seen: list[str] = []
    page = 1
    while True:
        body = client.get("/v1/call-log", params={"limit": 100, "page": page}).json(strict=False)
        seen += [r["_id"] for r in body["data"]]
        if body["pagination"]["next"] is None:
            break
        page += 1
    original = {c["_id"] for c in small_dataset.calls}
    assert original <= set(seen)  # newest-first: inserts push rows down, so a reader re-sees some
    assert len(seen) > len(set(seen))  # ... which a client must de-duplicate


def test_insert_and_update_from_a_test(small_dataset, asgi_client):
    app = create_app(small_dataset)
    sandbox = app.state.sandbox
    client = asgi_client(app)
    at = datetime(2026, 9, 3, 10, 30, tzinfo=UTC)
    added = sandbox.insert(3, at=at)
    assert [datetime.fromisoformat(r["createdAt"]) for r in added] == [at] * 3
    found = client.get(
        "/v1/call-log",
        params={
            "filters[start_date]": "2026-09-03T10:30:00Z",
            "filters[end_date]": "2026-09-03T10:30:00Z",
        },
    )
    assert {r["_id"] for r in added} <= {r["_id"] for r in found.json(strict=False)["data"]}
    later = datetime(2030, 1, 1, tzinfo=UTC)
    changed = sandbox.update(5, at=later)
    assert len({r["_id"] for r in changed}) == 5
    latest = client.get("/v1/call-log", params={"sort": "-updatedAt", "limit": 5}).json(
        strict=False
    )["data"]
    assert latest == sorted(changed, key=lambda r: r["_id"])
    with pytest.raises(ValueError, match="n must be"):
        sandbox.insert(-1)


def test_the_cached_demo_dataset_is_never_changed():
    demo = demo_dataset()
    before = list(demo.calls)
    stamps = {c["_id"]: c["updatedAt"] for c in before}
    sandbox = create_app().state.sandbox
    sandbox.insert(10)
    updated = sandbox.update(300)
    assert len(demo.calls) == len(before)
    assert all(now is then for now, then in zip(demo.calls, before, strict=True))
    originals = {c["_id"]: c for c in demo.calls}
    for record in updated:
        assert record["updatedAt"] != stamps[record["_id"]]
        assert originals[record["_id"]]["updatedAt"] == stamps[record["_id"]]
    assert demo_dataset() is demo


def test_concurrent_readers_and_writers_stay_consistent(small_dataset):
    dataset = Dataset(
        small_dataset.calls[:800],
        small_dataset.dispositions,
        small_dataset.sequences,
        small_dataset.contact_lists,
        small_dataset.team,
    )
    errors: list[BaseException] = []
    with serve(dataset, faults=Faults(mutate_every=1, mutate_count=1)) as url:

        def writer() -> None:
            try:
                for _ in range(50):
                    url.sandbox.insert(1)
                    url.sandbox.update(1)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        async def readers() -> list[int]:
            async with httpx.AsyncClient(base_url=url, headers=KEY) as client:
                responses = await asyncio.gather(
                    *(
                        client.get("/v1/call-log", params={"limit": 100, "page": p % 9 + 1})
                        for p in range(60)
                    )
                )
            return [r.status_code for r in responses]

        thread = threading.Thread(target=writer)
        thread.start()
        statuses = asyncio.run(readers())
        thread.join()
        total = httpx.get(f"{url}/v1/call-log", headers=KEY).json(strict=False)["pagination"][
            "total"
        ]
    assert not errors
    assert statuses == [200] * 60
    # every call-log request inserted one, and so did the writer
    assert total == 800 + 50 + 61
    assert url.sandbox.requests["/v1/call-log"] == 61

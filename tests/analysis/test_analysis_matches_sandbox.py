"""The analyses agree with the sandbox's own analytics endpoints on the demo data.

The sandbox implements the vendor's dashboard numbers; `sdr_performance`, `list_performance`
and `overview` must give the same figures from the call-log frame.
"""

from __future__ import annotations

import asyncio

import httpx
import pandas as pd
import pytest

import dialstats as ds
from dialstats.sandbox import create_app

SHARED = [
    "total_calls",
    "connected_calls",
    "connection_rate",
    "conversations",
    "conversation_rate",
    "meetings_set",
    "total_duration",
    "avg_dials_day",
]


# The live API requires both dates on its analytics; these cover every demo call.
EVERYTHING = {"start_date": "2000-01-01", "end_date": "2099-12-31"}


def fetch(path: str, *, paged: bool = True, **params: object) -> dict | list[dict]:
    """GET an analytics endpoint (every page of it) from an in-process sandbox."""
    params = {**EVERYTHING, **params}

    async def run() -> dict | list[dict]:
        transport = httpx.ASGITransport(app=create_app())
        headers = {"x-api-key": "demo"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox", headers=headers
        ) as client:
            if not paged:
                response = await client.get(path, params=params)
                response.raise_for_status()
                return response.json()
            rows, page = [], 1
            while page:
                response = await client.get(path, params={**params, "page": page, "limit": 100})
                response.raise_for_status()
                rows += response.json()["data"]
                page = response.json().get("next")
            return rows

    return asyncio.run(run())


def vendor_table(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows).set_index("_id")
    return table[table["total_calls"] > 0][SHARED]


def ours(table: pd.DataFrame, key: str) -> pd.DataFrame:
    return table.dropna(subset=[key]).set_index(key)[SHARED]


def assert_same(mine: pd.DataFrame, vendor: pd.DataFrame) -> None:
    assert mine.index.tolist() == vendor.index.tolist()  # same rows, same order
    for column in SHARED:
        expected = vendor[column].astype(float).tolist()
        assert mine[column].astype(float).tolist() == pytest.approx(expected, rel=1e-12), column


@pytest.mark.parametrize("tz", ["UTC", "America/Los_Angeles"])
def test_sdr_performance_equals_the_sandbox(demo, tz):
    vendor = vendor_table(fetch("/v1/analytics/sdr-performance", timezone=tz))
    assert len(vendor) >= 5
    assert_same(ours(ds.sdr_performance(demo, tz=tz), "user_id"), vendor)


def test_list_performance_equals_the_sandbox(demo):
    vendor_rows = fetch("/v1/analytics/list-performance")
    vendor = vendor_table(vendor_rows)
    mine = ds.list_performance(demo)
    assert len(vendor) >= 3
    assert_same(ours(mine, "contact_list_id"), vendor)
    idle = {row["_id"] for row in vendor_rows if row["total_calls"] == 0}
    assert idle.isdisjoint(mine["contact_list_id"].dropna())


@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata"])
def test_overview_equals_the_sandbox(demo, tz):
    last = demo["created_at"].max().normalize()
    start, end = str((last - pd.Timedelta(days=29)).date()), str(last.date())  # the last 30 days
    query = {"start_date": start, "end_date": end, "timezone": tz}
    vendor = fetch("/v1/analytics/overview", paged=False, **query)
    mine = ds.overview(demo, start_date=start, end_date=end, tz=tz)
    assert mine.loc["total_calls", "value"] > 0
    assert mine.loc["total_calls", "previous"] > 0
    assert mine.attrs["covered"]
    for metric, row in mine.loc[[m for m in mine.index if m in vendor]].iterrows():
        assert row["value"] == vendor[metric]["value"], metric
        assert row["growth"] == pytest.approx(vendor[metric]["growth"], rel=1e-12), metric

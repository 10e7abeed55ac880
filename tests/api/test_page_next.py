"""`CallLogPage.next` in both pagination shapes: the live API's ``{total, page, next}`` and the
written spec's ``{total, page, limit, pages}``, which has no ``next``. A ``while page.next:`` loop
reads every page in either, over real loopback HTTP to the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import dialstats as ds
from dialstats.sandbox import Dataset, serve

KEY = "sk-test-page-next-5a4b3c"
LIMIT = 84  # 3,000 calls: 36 pages, the last one short


@pytest.fixture(scope="module", params=["live", "spec"])
def client(request, small_dataset: Dataset) -> Iterator[ds.Client]:
    with (
        serve(small_dataset, api_key=KEY, dialect=request.param) as url,
        ds.Client(KEY, base_url=url) as client,
    ):
        yield client


def test_next_is_the_page_after_until_the_last(client):
    third = client.read_call_log_page(3, limit=LIMIT)
    assert (third.page, third.pages, third.next) == (3, 36, 4)
    last = client.read_call_log_page(36, limit=LIMIT)
    assert (last.pages, last.next) == (36, None)
    assert len(last.frame) == 3000 - 35 * LIMIT


def test_a_loop_over_next_reads_every_call_once(client):
    page = client.read_call_log_page(1, limit=LIMIT)
    ids, visited = list(page.frame["id"]), [page.page]
    while page.next:
        page = client.read_call_log_page(page.next, limit=LIMIT)
        ids += list(page.frame["id"])
        visited.append(page.page)
    assert visited == list(range(1, 37))
    assert len(ids) == len(set(ids)) == page.total == 3000
    assert set(ids) == set(client.read_call_logs(progress=False)["id"])

"""``dialstats pull``: a snapshot file or a store sync, a one-line summary, one-line errors."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd
import pyarrow.parquet as pq
import pytest

import dialstats as ds
from dialstats.cli import main
from dialstats.frame._schema import CALL_LOG_COLUMNS
from dialstats.sandbox import Dataset, generate, serve
from dialstats.store import CallLogStore, read_snapshot

KEY = "sk-test-pull-4b1d"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate(seed=21, n_calls=900)


@pytest.fixture
def server(dataset, monkeypatch) -> Iterator:
    with serve(dataset, api_key=KEY) as url:
        monkeypatch.setenv("SALESFINITY_API_KEY", KEY)
        monkeypatch.setenv("SALESFINITY_BASE_URL", url)
        yield url


def pull(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(["pull", "--no-progress", *args])
    except SystemExit as exc:  # argparse's own checks
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


SUMMARY = re.compile(r"wrote ([\d,]+) calls to (.+) \((\d+) requests, [\d.]+ s\)\n")


def test_a_snapshot_file_holds_the_full_read_typed_and_filtered(tmp_path, server, capsys):
    target = tmp_path / "calls.parquet"
    code, out, err = pull(
        capsys, "--start", "2026-09-01", "--outcome", "answered", "-o", str(target)
    )
    assert code == 0, err
    want = ds.read_call_logs(start_date="2026-09-01", outcome="answered")
    summary = SUMMARY.fullmatch(out)
    assert summary and summary[1] == f"{len(want):,}" and summary[2] == str(target)
    got = read_snapshot(target)
    assert got["id"].tolist() == want["id"].tolist()
    pd.testing.assert_frame_equal(got[list(CALL_LOG_COLUMNS)], want[list(CALL_LOG_COLUMNS)])
    # Narrower filters are answered from the file, wider ones refused.
    assert len(read_snapshot(target, min_duration=60)) == len(want[want["duration"] >= 60])
    with pytest.raises(ds.store.StoreFilterError, match="start_date"):
        read_snapshot(target, start_date="2026-08-01")
    assert KEY.encode() not in target.read_bytes()
    assert pq.read_schema(target).field("created_at").type.tz == "UTC"


def test_a_store_is_synced_then_brought_up_to_date(tmp_path, server, capsys):
    store = tmp_path / "store"
    code, out, err = pull(capsys, "--start", "2026-08-15", "--store", str(store))
    assert code == 0, err
    assert out.startswith(f"{store}: full sync: ") and out.count("\n") == 1
    updated = server.sandbox.update(20)
    in_range = sum(r["createdAt"] >= "2026-08-15" for r in updated)
    server.sandbox.insert(3)
    code, out, _ = pull(capsys, "--store", str(store))
    assert code == 0 and f": sync: 3 new, {in_range} updated," in out
    assert CallLogStore(store).filters["start_date"] == pd.Timestamp("2026-08-15", tz="UTC")
    assert len(CallLogStore(store)) == len(ds.read_call_logs(start_date="2026-08-15"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outcome", "picked-up", "-o", "x.parquet"], "invalid choice: 'picked-up'"),
        (["--start", "last week", "-o", "x.parquet"], "--start: 'last week' is not an ISO 8601"),
        (["--start", "2026-10-01", "--end", "2026-09-01", "-o", "x.parquet"], "is after --end"),
        (["--store", "a", "-o", "x.parquet"], "not allowed with argument"),
        (["--demo"], "one of the arguments --store -o/--output is required"),
        (["--store", "s", "--lock-timeout", "-1"], "lock_timeout"),
        (["--min-duration", "ten", "--store", "s"], "not a number of seconds"),
    ],
)
def test_bad_arguments_exit_2_with_a_one_line_error(
    tmp_path, server, monkeypatch, capsys, args, message
):
    monkeypatch.chdir(tmp_path)
    code, out, err = pull(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and err.startswith("dialstats pull: error: ")
    assert err.count("\n") == 1
    assert not list(tmp_path.iterdir())  # nothing written


def test_no_key_and_other_filters_for_a_bound_store_are_refused(
    tmp_path, server, monkeypatch, capsys
):
    store = tmp_path / "store"
    assert pull(capsys, "--start", "2026-09-01", "--store", str(store))[0] == 0
    code, _, err = pull(capsys, "--start", "2026-08-01", "--store", str(store))
    assert code == 2 and "--start" in err and err.count("\n") == 1, err
    monkeypatch.delenv("SALESFINITY_API_KEY")
    code, _, err = pull(capsys, "-o", str(tmp_path / "x.parquet"))
    assert code == 2 and "SALESFINITY_API_KEY" in err and err.count("\n") == 1


def test_a_failed_pull_leaves_the_previous_snapshot_untouched(
    tmp_path, server, monkeypatch, capsys
):
    target = tmp_path / "calls.parquet"
    assert pull(capsys, "-o", str(target))[0] == 0
    before = target.read_bytes()
    monkeypatch.setenv("SALESFINITY_API_KEY", "wrong-key")
    code, out, err = pull(capsys, "-o", str(target))
    assert code == 1 and out == "" and err.count("\n") == 1 and "rejected the key" in err
    assert "wrong-key" not in err
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["calls.parquet"]


def test_demo_snapshot(tmp_path, capsys):
    target = tmp_path / "demo.parquet"
    code, _out, err = pull(capsys, "--demo", "--start", "2026-10-19", "-o", str(target))
    assert code == 0, err
    assert len(read_snapshot(target)) == len(ds.read_call_logs(demo=True, start_date="2026-10-19"))

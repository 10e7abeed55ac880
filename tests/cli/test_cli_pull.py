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
        (
            ["--start", "2026-10-01", "--end", "2026-09-01", "-o", "x.parquet"],
            "--end 2026-09-01 is before --start 2026-10-01",
        ),
        (
            ["--min-duration", "9", "--max-duration", "2", "-o", "x.parquet"],
            "--max-duration 2 is below --min-duration 9",
        ),
        (["--store", "a", "-o", "x.parquet"], "not allowed with argument"),
        (["--demo"], "one of the arguments --store -o/--output is required"),
        (["--store", "s", "--lock-timeout", "-1"], "argument --lock-timeout: must be >= 0"),
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


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["-o", "x.parquet"],
            {"SALESFINITY_BASE_URL": "http://example.com"},
            "SALESFINITY_BASE_URL: refusing to send the API key over plain http to example.com: "
            "use https:// (plain http is allowed only to this machine, ",
        ),
        (
            ["--demo", "--start", "0999-01-01", "-o", "x.parquet"],
            {},
            "--start: '0999-01-01' is outside the years 1000 to 9999 that ISO 8601 dates can be "
            "sent in (in UTC); leave the bound out to not limit the range",
        ),
        (["--demo", "--search", "", "-o", "x.parquet"], {}, "--search: expected a non-empty"),
    ],
)
def test_an_error_names_the_flag_of_its_parameter_and_leaves_its_words_alone(
    tmp_path, monkeypatch, capsys, args, env, message
):
    # "to" and "from" are filters (--to-numbers, --from-numbers) and words of every message.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SALESFINITY_API_KEY", KEY)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = pull(capsys, *args)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"dialstats pull: error: {message}"), err
    assert "--to-numbers" not in err and "--from-numbers" not in err
    assert not list(tmp_path.iterdir())


def test_a_store_that_is_a_file_is_named_as_the_store_flag(tmp_path, capsys):
    not_a_store = tmp_path / "passwd"
    not_a_store.write_text("root:x:0:0\n")
    code, out, err = pull(capsys, "--demo", "--store", str(not_a_store))
    assert code == 2 and out == ""
    assert (
        err == f"dialstats pull: error: --store: {not_a_store} is a file, not a store directory\n"
    )
    assert not_a_store.read_text() == "root:x:0:0\n"


def test_a_name_given_for_ids_is_warned_of_with_its_id(tmp_path, capsys):
    team = ds.read_team(demo=True)
    maya = team.loc[team["user_name"] == "Maya Patel", "user_id"].item()
    warning = (
        "dialstats pull: warning: --user-ids 'Maya Patel' matched no calls; it looks like a "
        f"name, and --user-ids takes ids: 'Maya Patel' is --user-ids {maya}\n"
    )
    target = tmp_path / "maya.parquet"
    code, out, err = pull(capsys, "--demo", "--user-ids", "Maya Patel", "-o", str(target))
    assert code == 0 and err == warning
    assert out.startswith(f"wrote 0 calls to {target} ")
    assert len(read_snapshot(target)) == 0
    # A store says so too, while it holds nothing.
    code, out, err = pull(
        capsys, "--demo", "--user-ids", "Maya Patel", "--store", str(tmp_path / "s")
    )
    assert code == 0 and err == warning and ": full sync: 0 new" in out
    # An id that matches nothing is not a name.
    code, _, err = pull(capsys, "--demo", "--user-ids", "64f1c0", "-o", str(target))
    assert code == 0 and err == ""
    assert len(ds.read_call_logs(demo=True, user_ids=maya, max_records=1)) == 1

"""Benchmarks of the call-log store, as ratios against a baseline measured in the same run.

1. An incremental ``CallLogStore.sync`` after 1% new and 0.5% updated calls, against a full
   ``read_call_logs`` of the same sandbox (100,000 calls, 100 ms latency per request, loopback).
   Target: >= 25x faster. Also checks the request budget, ceil(changed / 100) + 2, and counts
   the TCP connections the sync opened (its pages share one pool: at most max_concurrency).
2. ``CallLogStore.read()`` of 1,000,000 calls against ``pd.read_csv`` of the same calls.

Runs alternate (baseline, candidate, baseline, ...) and the medians are compared.

    python benchmarks/store.py            # the sizes above (several minutes)
    python benchmarks/store.py --quick    # 10,000 calls and 100,000 rows (well under a minute)
"""

from __future__ import annotations

import argparse
import contextlib
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from dialstats.api import Client
from dialstats.frame._build import records_to_frame
from dialstats.sandbox import generate
from dialstats.store import CallLogStore
from dialstats.store._arrow import to_table
from dialstats.store._meta import StoreMeta, save_meta
from dialstats.store._sync import _Index, _write

TARGET = 25


def timed(job: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = job()
    return time.perf_counter() - started, result


# The sandbox runs in its own process, as `dialstats sandbox` would: its work does not compete
# with the client's for the interpreter. It prints its URL, then on each "change" line from
# stdin makes 1% of the calls new and updates 0.5% (interleaved, each at its own moment).
SERVER = """
import sys, threading, time
import uvicorn
from dialstats.sandbox import Faults, base_url, bind, create_app, generate

class Peers:  # counts TCP connections: one client address per connection
    def __init__(self, app):
        self.app, self.seen = app, set()
    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.seen.add(tuple(scope["client"]))
        await self.app(scope, receive, send)

calls, latency = int(sys.argv[1]), float(sys.argv[2])
app = create_app(generate(seed=7, n_calls=calls), faults=Faults(latency=latency))
sandbox, peers, sock = app.state.sandbox, Peers(app), bind("127.0.0.1", 0)
config = uvicorn.Config(peers, lifespan="off", log_level="warning", log_config=None)
server = uvicorn.Server(config)
threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
while not server.started:
    time.sleep(0.01)
print(base_url(sock), flush=True)
for line in sys.stdin:
    if line.strip() == "connections":
        print(len(peers.seen), flush=True)
        peers.seen.clear()
        continue
    new = calls // 100
    for i in range(new):
        sandbox.insert(1)
        if i % 2:
            sandbox.update(1)
    print(new, flush=True)
server.should_exit = True
"""


@contextlib.contextmanager
def sandbox_process(
    calls: int, latency: float
) -> Iterator[tuple[str, Callable[[], int], Callable[[], int]]]:
    """(base URL, change, connections) of a sandbox served by a child process: `change` makes
    the changes and returns the new calls, `connections` the TCP connections since last asked."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(calls), str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def ask(line: str) -> int:
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        return int(proc.stdout.readline())

    try:
        yield proc.stdout.readline().strip(), lambda: ask("change"), lambda: ask("connections")
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def bench_sync(calls: int, latency: float, rounds: int) -> None:
    print(f"== sync: {calls:,} calls, {latency * 1000:.0f} ms per request, {rounds} rounds")
    with (
        sandbox_process(calls, latency) as (url, change, connections),
        tempfile.TemporaryDirectory() as tmp,
    ):
        store = CallLogStore(Path(tmp) / "store")
        with Client("demo", base_url=url) as client:
            seconds, result = timed(lambda: store.sync(client, progress=False))
        print(f"first sync: {seconds:.1f} s, {result.requests} requests")
        full, incremental = [], []
        for _ in range(rounds):
            with Client("demo", base_url=url) as client:
                seconds, frame = timed(lambda: client.read_call_logs(progress=False))
                full.append(seconds)
                print(f"  full read_call_logs: {seconds:6.2f} s, {client.request_count} requests")
            new = change()
            connections()
            with Client("demo", base_url=url) as client:
                seconds, result = timed(lambda: store.sync(client, progress=False))
            incremental.append(seconds)
            budget = math.ceil((result.new + result.updated) / 100) + 2
            print(
                f"  incremental sync:   {seconds:6.2f} s, {result.requests} requests "
                f"(budget {budget}), {connections()} TCP connections, {result.new:,} new, "
                f"{result.updated:,} updated"
            )
            assert result.requests <= budget, "over the request budget"
            assert result.new == new and len(store) == len(frame) + new, "store and API disagree"
        ratio = statistics.median(full) / statistics.median(incremental)
        if calls >= 100_000:
            verdict = "meets" if ratio >= TARGET else "MISSES"
            note = f"{verdict} the {TARGET}x target"
        else:
            note = f"the {TARGET}x target is for 100,000 calls"
        print(f"incremental sync vs full read: {ratio:.1f}x faster ({note})")


def bench_read(rows: int, rounds: int) -> None:
    print(f"== read: {rows:,} calls, {rounds} rounds")
    # 100,000 generated calls, repeated under new ids a quarter of a year apart.
    seed = generate(seed=8, n_calls=min(rows, 100_000))
    one = records_to_frame(seed.calls, seed.dispositions)
    copies = []
    for k in range(math.ceil(rows / len(one))):
        part = one.copy()
        part["id"] = part["id"] + f"-{k}"
        for column in ("created_at", "updated_at", "started_at", "ended_at"):
            part[column] = part[column] + pd.Timedelta(days=91 * k)
        copies.append(part)
    frame = pd.concat(copies, ignore_index=True).head(rows)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        save_meta(root, StoreMeta())
        _write(root, _Index(root), to_table(frame))
        csv = Path(tmp) / "calls.csv"
        frame.to_csv(csv, index=False)
        store = CallLogStore(root)
        del frame, copies
        from_csv, from_store = [], []
        for _ in range(rounds):
            seconds, got = timed(lambda: pd.read_csv(csv))
            from_csv.append(seconds)
            print(f"  pd.read_csv:       {seconds:6.2f} s ({len(got):,} rows)")
            del got
            seconds, got = timed(store.read)
            from_store.append(seconds)
            print(f"  CallLogStore.read: {seconds:6.2f} s ({len(got):,} rows, typed)")
            del got
        ratio = statistics.median(from_csv) / statistics.median(from_store)
        print(f"store.read vs pd.read_csv: {ratio:.1f}x faster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args()
    bench_sync(10_000 if args.quick else 100_000, 0.1, args.rounds)
    bench_read(100_000 if args.quick else 1_000_000, args.rounds)


if __name__ == "__main__":
    main()

"""Reading 20,000 calls from a server that takes 100 ms per request: dialstats against the loop
an analyst writes.

The server is the sandbox, started as a subprocess (``dialstats sandbox``) so that it does not
share the client's interpreter lock, on loopback, with ``--latency 0.1``. The baseline fetches
pages of 100 one after the other with httpx, then ``pd.json_normalize`` and ``pd.to_datetime``.
dialstats is ``Client.read_call_logs`` at ``max_concurrency=8``. The floor is what no client can
beat: ``pages x latency / concurrency``. Runs alternate between the two; medians are compared.

    python benchmarks/fetch.py            # 20,000 calls, 3 runs each
    python benchmarks/fetch.py --quick    # 2,000 calls, 1 run each
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pandas as pd

import dialstats as ds

KEY = "demo"
LATENCY = 0.1
CONCURRENCY = 8
TIMESTAMPS = ["started_at", "ended_at", "createdAt", "updatedAt"]


@contextlib.contextmanager
def sandbox(calls: int, latency: float) -> Iterator[str]:
    """``dialstats sandbox`` in a subprocess on a free loopback port; yields its base URL."""
    command = [sys.executable, "-m", "dialstats.cli", "sandbox", "--port", "0"]
    command += ["--calls", str(calls), "--seed", "7", "--latency", str(latency)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            found = re.search(r"at (http://\S+)", line)
            if found:
                break
        else:
            raise RuntimeError("the sandbox exited before it printed its URL")
        # Keep reading its log, or the server blocks once the pipe is full.
        threading.Thread(target=server.stdout.read, daemon=True).start()
        yield found.group(1)
    finally:
        server.terminate()
        server.wait(timeout=10)


def baseline(base_url: str) -> pd.DataFrame:
    """Sequential pages with httpx, then json_normalize and to_datetime."""
    records: list[dict] = []
    with httpx.Client(base_url=base_url, headers={"x-api-key": KEY}, timeout=30) as http:
        page, pages = 1, 1
        while page <= pages:
            response = http.get("/v1/call-log", params={"page": page, "limit": 100})
            response.raise_for_status()
            # strict=False: live transcripts hold raw control characters, which json refuses.
            body = json.loads(response.content, strict=False)
            records.extend(body["data"])
            pagination = body["pagination"]  # written {.., pages} or live {total, page, next}
            pages = pagination.get("pages") or math.ceil(pagination["total"] / 100)
            page += 1
    frame = pd.json_normalize(records, sep="_")
    for column in TIMESTAMPS:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def dialstats(base_url: str) -> pd.DataFrame:
    client = ds.Client(KEY, base_url=base_url, max_concurrency=CONCURRENCY)
    return client.read_call_logs(progress=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 calls, 1 run each")
    parser.add_argument("--calls", type=int, help="calls served (default 20,000)")
    parser.add_argument("--runs", type=int, help="runs of each method (default 3)")
    args = parser.parse_args()
    calls = args.calls or (2_000 if args.quick else 20_000)
    runs = args.runs or (1 if args.quick else 3)
    pages = math.ceil(calls / 100)
    floor = pages * LATENCY / CONCURRENCY

    print(f"Starting the sandbox: {calls:,} calls, {LATENCY * 1000:.0f} ms per request ...")
    with sandbox(calls, LATENCY) as url:
        print(f"Serving at {url}\n", flush=True)
        methods = {"baseline": baseline, "dialstats": dialstats}
        times: dict[str, list[float]] = {name: [] for name in methods}
        for _ in range(runs):
            for name, method in methods.items():  # alternate, so drift hits both alike
                started = time.perf_counter()
                frame = method(url)
                times[name].append(time.perf_counter() - started)
                assert len(frame) == calls, (name, len(frame))

    medians = {name: statistics.median(values) for name, values in times.items()}
    speedup = medians["baseline"] / medians["dialstats"]
    over_floor = medians["dialstats"] / floor
    print(f"{'method':<12}{'median s':>10}{'min s':>9}{'requests':>10}")
    print(f"{'baseline':<12}{medians['baseline']:>10.2f}{min(times['baseline']):>9.2f}{pages:>10}")
    print(
        f"{'dialstats':<12}{medians['dialstats']:>10.2f}{min(times['dialstats']):>9.2f}"
        f"{pages + 1:>10}"
    )
    print(
        f"{'floor':<12}{floor:>10.2f}{'':>9}{'':>10}   ({pages} pages x {LATENCY:g} s / {CONCURRENCY})"
    )
    if args.quick:
        print("\n(quick run: a smoke test; the targets apply to the full 20,000 calls)")
    print(
        f"\nspeed-up: {speedup:.1f}x (target >= 5x: {'met' if speedup >= 5 else 'NOT met'}); "
        f"{over_floor:.2f}x the floor (target <= 1.3x: {'met' if over_floor <= 1.3 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()

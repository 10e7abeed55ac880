"""Client cost per page: the same calls read in 1,000, 2,000 and 4,000 pages, and a large read
against a raw httpx loop over the same pages.

The server is the sandbox in a subprocess (its own interpreter, so it does not share the client's
lock), on loopback, at zero latency, with TCP_NODELAY on its socket (else every small answer
waits ~40 ms for the client's delayed ACK and the run measures that instead). Part 1 reads
`--calls` calls (default 20,000) with ``Client.read_call_logs`` at page sizes giving 1,000 /
2,000 / 4,000 pages; the time per page (wall clock, and the client's own CPU) must stay within
1.2x across the three. For reference it also fetches the same pages with a bare
``httpx.AsyncClient`` at the same concurrency (bodies only): the server's own cost per row makes
larger pages dearer whatever the client does, and that column shows how much. Part 2 reads `--large` calls (default 200,000) in pages of 100 with
dialstats and with a plain sequential ``httpx.Client`` loop that only fetches the bodies; dialstats
(which also builds the typed frame) must stay within 1.5x of that loop. Runs alternate; medians.

    python benchmarks/scaling.py            # 20,000 calls, 3 runs; 200,000 calls, 3 runs
    python benchmarks/scaling.py --quick    # 4,000 calls, 1 run; 20,000 calls, 1 run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx

import dialstats as ds

KEY = "demo"
PAGES = (1_000, 2_000, 4_000)
CONCURRENCY = 8
PER_PAGE_TARGET = 1.2
RAW_TARGET = 1.5


def serve_forever(calls: int) -> None:
    """The server side (run in the subprocess): the sandbox over `calls` generated calls."""
    import uvicorn

    from dialstats.sandbox import create_app, generate
    from dialstats.sandbox._serve import base_url, bind

    app = create_app(generate(7, n_calls=calls), api_key=KEY)
    sock = bind("127.0.0.1", 0)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by each connection
    sock.listen(2048)  # connections wait in the backlog until uvicorn serves them
    print(f"serving at {base_url(sock)}", flush=True)
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


@contextlib.contextmanager
def sandbox(calls: int) -> Iterator[str]:
    command = [sys.executable, __file__, "--serve", str(calls)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line.startswith("serving at "):
            raise RuntimeError("the sandbox exited before it printed its URL")
        threading.Thread(target=server.stdout.read, daemon=True).start()
        yield line.split()[-1]
    finally:
        server.terminate()
        server.wait(timeout=10)


def read(url: str, limit: int) -> tuple[float, float, int]:
    """(wall s, client CPU s, rows) of one ``read_call_logs`` in pages of `limit`."""
    client = ds.Client(KEY, base_url=url, max_concurrency=CONCURRENCY)
    wall, cpu = time.perf_counter(), time.process_time()
    frame = client.read_call_logs(limit=limit, progress=False)
    return time.perf_counter() - wall, time.process_time() - cpu, len(frame)


def raw_loop(url: str, limit: int, pages: int) -> tuple[float, float, int]:
    """(wall s, CPU s, bytes): the same pages fetched one after another, bodies only."""
    wall, cpu, size = time.perf_counter(), time.process_time(), 0
    with httpx.Client(base_url=url, headers={"x-api-key": KEY}, timeout=30) as http:
        for page in range(1, pages + 1):
            params = {"page": page, "limit": limit, "sort": "createdAt"}
            response = http.get("/v1/call-log", params=params)
            response.raise_for_status()
            size += len(response.content)
    return time.perf_counter() - wall, time.process_time() - cpu, size


def bare_fetch(url: str, limit: int, pages: int) -> float:
    """Wall s of the same pages fetched by a bare ``httpx.AsyncClient``, `CONCURRENCY` at once."""

    async def fetch_all() -> None:
        limits = httpx.Limits(max_connections=CONCURRENCY)
        async with httpx.AsyncClient(
            base_url=url, headers={"x-api-key": KEY}, timeout=30, limits=limits
        ) as http:
            slots = asyncio.Semaphore(CONCURRENCY)

            async def one(page: int) -> None:
                async with slots:
                    params = {"page": page, "limit": limit, "sort": "createdAt"}
                    (await http.get("/v1/call-log", params=params)).raise_for_status()

            await asyncio.gather(*(one(page) for page in range(1, pages + 1)))

    wall = time.perf_counter()
    asyncio.run(fetch_all())
    return time.perf_counter() - wall


def part_one(calls: int, runs: int) -> bool:
    print(f"Part 1: {calls:,} calls in {' / '.join(f'{p:,}' for p in PAGES)} pages")
    walls: dict[int, list[float]] = {p: [] for p in PAGES}
    cpus: dict[int, list[float]] = {p: [] for p in PAGES}
    bares: dict[int, list[float]] = {p: [] for p in PAGES}
    with sandbox(calls) as url:
        read(url, 100)  # warm up the server's caches
        for _ in range(runs):
            for pages in PAGES:  # alternate, so drift hits all alike
                wall, cpu, rows = read(url, math.ceil(calls / pages))
                assert rows == calls, (pages, rows)
                walls[pages].append(wall)
                cpus[pages].append(cpu)
                bares[pages].append(bare_fetch(url, math.ceil(calls / pages), pages))
    print(
        f"{'pages':>7}{'limit':>7}{'median s':>10}{'ms/page':>9}{'CPU ms/page':>13}"
        f"{'bare ms/page':>14}"
    )
    per_page, cpu_per_page, bare_per_page = {}, {}, {}
    for pages in PAGES:
        per_page[pages] = statistics.median(walls[pages]) / pages
        cpu_per_page[pages] = statistics.median(cpus[pages]) / pages
        bare_per_page[pages] = statistics.median(bares[pages]) / pages
        print(
            f"{pages:>7,}{math.ceil(calls / pages):>7}{statistics.median(walls[pages]):>10.2f}"
            f"{per_page[pages] * 1000:>9.2f}{cpu_per_page[pages] * 1000:>13.2f}"
            f"{bare_per_page[pages] * 1000:>14.2f}"
        )

    def spread_of(values: dict[int, float]) -> float:
        return max(values.values()) / min(values.values())

    spread = spread_of(per_page)
    met = spread <= PER_PAGE_TARGET
    print(
        f"time per page, largest / smallest: {spread:.2f}x wall, "
        f"{spread_of(cpu_per_page):.2f}x client CPU, {spread_of(bare_per_page):.2f}x bare fetch "
        f"(target <= {PER_PAGE_TARGET}x: {'met' if met else 'NOT met'})\n"
    )
    return met


def part_two(calls: int, runs: int) -> bool:
    pages = math.ceil(calls / 100)
    print(f"Part 2: {calls:,} calls in {pages:,} pages of 100: dialstats against a raw httpx loop")
    times: dict[str, list[float]] = {"raw httpx": [], "dialstats": []}
    cpu: dict[str, list[float]] = {"raw httpx": [], "dialstats": []}
    with sandbox(calls) as url:
        raw_loop(url, 100, min(pages, 50))  # warm up
        for _ in range(runs):
            wall, used, _ = raw_loop(url, 100, pages)
            times["raw httpx"].append(wall)
            cpu["raw httpx"].append(used)
            wall, used, rows = read(url, 100)
            assert rows == calls, rows
            times["dialstats"].append(wall)
            cpu["dialstats"].append(used)
    print(f"{'method':<12}{'median s':>10}{'min s':>9}{'CPU s':>8}")
    for name in times:
        print(
            f"{name:<12}{statistics.median(times[name]):>10.2f}{min(times[name]):>9.2f}"
            f"{statistics.median(cpu[name]):>8.2f}"
        )
    ratio = statistics.median(times["dialstats"]) / statistics.median(times["raw httpx"])
    met = ratio <= RAW_TARGET
    print(
        f"dialstats / raw loop: {ratio:.2f}x (target <= {RAW_TARGET}x: {'met' if met else 'NOT met'})"
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller reads, 1 run each")
    parser.add_argument("--calls", type=int, help="calls of part 1 (default 20,000)")
    parser.add_argument("--large", type=int, help="calls of part 2 (default 200,000)")
    parser.add_argument("--runs", type=int, help="runs of each (default 3)")
    parser.add_argument("--part", type=int, choices=(1, 2), help="run only part 1 or part 2")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_forever(args.serve)
        return
    calls = args.calls or (4_000 if args.quick else 20_000)
    large = args.large or (20_000 if args.quick else 200_000)
    runs = args.runs or (1 if args.quick else 3)
    first = args.part == 2 or part_one(calls, runs)
    second = args.part == 1 or part_two(large, runs)
    if args.quick:
        print("\n(quick run: a smoke test; the targets apply to the full run)")
    sys.exit(0 if first and second else 1)


if __name__ == "__main__":
    main()

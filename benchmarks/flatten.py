"""Page bodies already in memory -> call-log DataFrame: dialstats against the usual recipe.

The data: 100,000 calls from the sandbox generator (contacts with phone numbers and custom
fields, transcripts and summaries on conversations), served as the API would, in page bodies of
100 records. The baseline is what an analyst writes: ``json.loads`` each body,
``pd.json_normalize`` the records, ``pd.to_datetime`` the four timestamp columns.
dialstats is ``bodies_to_frame``, the step `read_call_logs` runs after the last page arrives
(Arrow's JSON reader, dispositions joined, typed columns, duplicates dropped).

Runs alternate between the two and the medians are compared. Peak memory is measured in a fresh
subprocess per method, as resident memory (RSS) above what the loaded bodies already take, so
that Arrow's own allocations count too.

    python benchmarks/flatten.py            # 100,000 records, 5 runs each
    python benchmarks/flatten.py --quick    # 10,000 records, 3 runs each
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from dialstats.api import bodies_to_frame
from dialstats.sandbox import generate

TIMESTAMPS = ["started_at", "ended_at", "createdAt", "updatedAt"]
TARGET = 5.0


def make_bodies(n_calls: int, seed: int = 7) -> tuple[list[bytes], list[dict]]:
    dataset = generate(seed, n_calls=n_calls)
    calls = dataset.calls
    bodies = [
        json.dumps(
            {
                "data": calls[i : i + 100],
                "pagination": {"total": len(calls), "page": i // 100 + 1, "limit": 100},
            },
            separators=(",", ":"),
        ).encode()
        for i in range(0, len(calls), 100)
    ]
    return bodies, dataset.dispositions


def baseline(bodies: list[bytes], dispositions: list[dict]) -> pd.DataFrame:
    records = [record for body in bodies for record in json.loads(body)["data"]]
    frame = pd.json_normalize(records, sep="_")
    for column in TIMESTAMPS:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def dialstats(bodies: list[bytes], dispositions: list[dict]) -> pd.DataFrame:
    return bodies_to_frame(bodies, dispositions)


METHODS = {"baseline": baseline, "dialstats": dialstats}


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def reset_peak() -> None:
    """Restart the kernel's high-water mark of this process's RSS (Linux)."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


def peak_bytes() -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def measure_memory(path: Path, method: str) -> int:
    """Peak RSS (bytes) of `method` above the loaded input, in a fresh process."""
    code = (
        "import pickle, sys; sys.path.insert(0, sys.argv[3]);"
        "import flatten as bench;"
        "bodies, dispositions = pickle.load(open(sys.argv[1], 'rb'));"
        "before = bench.rss_bytes(); bench.reset_peak();"
        "frame = bench.METHODS[sys.argv[2]](bodies, dispositions);"
        "print(bench.peak_bytes() - before)"
    )
    here = str(Path(__file__).resolve().parent)
    result = subprocess.run(
        [sys.executable, "-c", code, str(path), method, here],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 records, 3 runs")
    parser.add_argument("--records", type=int, help="number of records (default 100,000)")
    parser.add_argument("--runs", type=int, help="runs of each method (default 5)")
    args = parser.parse_args()
    n = args.records or (10_000 if args.quick else 100_000)
    runs = args.runs or (3 if args.quick else 5)

    print(f"Generating {n:,} calls ...", flush=True)
    bodies, dispositions = make_bodies(n)
    size = sum(map(len, bodies))
    print(f"{len(bodies)} page bodies, {size / 1e6:.1f} MB of JSON\n", flush=True)

    # Same rows, same timestamps: the comparison is fair.
    ours, theirs = dialstats(bodies, dispositions), baseline(bodies, dispositions)
    assert len(ours) == len(theirs) == n
    assert ours["created_at"].sort_values().tolist() == theirs["createdAt"].sort_values().tolist()

    times: dict[str, list[float]] = {name: [] for name in METHODS}
    for _ in range(runs):
        for name, method in METHODS.items():  # alternate, so drift hits both alike
            started = time.perf_counter()
            method(bodies, dispositions)
            times[name].append(time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bodies.pickle"
        path.write_bytes(pickle.dumps((bodies, dispositions)))
        memory = {name: measure_memory(path, name) for name in METHODS}

    medians = {name: statistics.median(values) for name, values in times.items()}
    speedup = medians["baseline"] / medians["dialstats"]
    print(f"{'method':<12}{'median s':>10}{'min s':>9}{'peak MB':>10}{'records/s':>12}")
    for name in METHODS:
        print(
            f"{name:<12}{medians[name]:>10.3f}{min(times[name]):>9.3f}"
            f"{memory[name] / 1e6:>10.0f}{n / medians[name]:>12,.0f}"
        )
    if args.quick:
        print("\n(quick run: a smoke test; the targets apply to the full 100,000 records)")
    print(
        f"\nspeed-up: {speedup:.1f}x (target >= {TARGET:g}x: "
        f"{'met' if speedup >= TARGET else 'NOT met'}); "
        f"peak memory: {memory['dialstats'] / max(memory['baseline'], 1):.2f}x the baseline's"
    )


if __name__ == "__main__":
    main()

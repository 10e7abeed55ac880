"""``import dialstats`` against importing the libraries it is built on.

The baseline is ``import pandas, pyarrow, httpx``: what any pandas-over-HTTP code pays. Each
run is a fresh interpreter with ``-X importtime``; the time is the sum of the top-level imports'
cumulative times (interpreter start-up excluded). Runs alternate and the medians are compared.
Also checks that the sandbox's web stack, the report's notebook stack, matplotlib and SciPy
stay out until used.

    python benchmarks/imports.py            # 15 runs each
    python benchmarks/imports.py --quick    # 3 runs each
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

TARGET = 1.3
BASELINE = "import pandas, pyarrow, httpx"
DIALSTATS = "import dialstats"
LAZY = ("starlette", "uvicorn", "papermill", "nbconvert", "nbformat", "matplotlib", "scipy")


def import_seconds(code: str) -> float:
    """Seconds the top-level imports of `code` take in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in result.stderr.splitlines():
        # "import time: self [us] | cumulative | name": top level = no indent before the name.
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit() and not name.startswith("  "):
                total += int(cumulative)
    return total / 1e6


def loaded_eagerly() -> list[str]:
    code = f"import sys, dialstats; print(*[m for m in {LAZY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs each")
    parser.add_argument("--runs", type=int, help="runs of each (default 15, --quick 3)")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 15)
    times: dict[str, list[float]] = {BASELINE: [], DIALSTATS: []}
    import_seconds(DIALSTATS)  # warm the file cache and bytecode
    for _ in range(runs):
        for code in times:
            times[code].append(import_seconds(code))
    base, ours = (statistics.median(times[code]) for code in (BASELINE, DIALSTATS))
    print(f"{BASELINE:32s} {base * 1000:7.0f} ms (median of {runs})")
    print(f"{DIALSTATS:32s} {ours * 1000:7.0f} ms  = {ours / base:.2f}x (target <= {TARGET}x)")
    eager = loaded_eagerly()
    print("imported eagerly:", ", ".join(eager) if eager else f"none of {', '.join(LAZY)}")
    if args.quick:
        print("\n(quick run: a smoke test; the target applies to the full run)")


if __name__ == "__main__":
    main()

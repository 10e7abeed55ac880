"""How fast each analysis runs on 1,000,000 calls, against one ``df.groupby(by).size()``.

Usage: python benchmarks/analyses.py [--rows N] [--repeat R] [--quick] [--only NAME]
    (--quick: 50,000 calls, 1 run each: a smoke test, not figures)

Per-contact analyses (contact_attempts, attempt_curve, double_dial) are timed against one
``df.sort_values(["contact_id", "started_at"])`` instead, the cheapest pandas operation that puts
each contact's dials in order.

The frame is generated with numpy in a second or two (schema dtypes, 20 reps, 30 lists, eight
contact zones, 90 days). Each analysis and the baseline run alternately R times; the script
prints the median of each and their ratio. Target: every ratio <= 5.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import dialstats as ds
from dialstats.frame._schema import ANSWERED_BY, DISPOSITION_CATEGORIES, OUTCOMES, call_log_dtypes

TARGET = 5.0
BY = "user_name"
ZONES = np.array(
    [
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
        "Europe/London",
        "Europe/Berlin",
        "Asia/Singapore",
        "Australia/Sydney",
        "UTC",
    ]
)
CATEGORY_OF = {
    1: 0,
    2: 2,
    3: 1,
    4: 0,
    5: 2,
    6: 0,
    7: 0,
    8: 0,
    9: 1,
    10: 3,
    11: 3,
    12: 3,
    13: 3,
    14: 4,
}


def synthetic_calls(rows: int, seed: int = 0) -> pd.DataFrame:
    """`rows` calls with the call-log schema's dtypes and realistic proportions."""
    rng = np.random.default_rng(seed)
    dtypes = call_log_dtypes()
    outcome = rng.choice(3, rows, p=[0.35, 0.6, 0.05])
    answered = outcome == 0
    answered_by = np.where(answered, rng.choice(2, rows, p=[0.45, 0.55]), -1)
    human, machine = answered_by == 0, answered_by == 1
    disposition = np.select(
        [human, machine, outcome == 2],
        [rng.choice(9, rows) + 1, np.where(rng.random(rows) < 0.8, 11, 10), 14],
        default=rng.choice([10, 12, 13], rows, p=[0.9, 0.05, 0.05]),
    )
    duration = np.where(human, rng.lognormal(4, 1, rows), np.where(machine, 30, 0)).astype(int)
    started = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 90 * 86400, rows), unit="s"
    )
    category = np.vectorize(CATEGORY_OF.get)(np.arange(1, 15))[disposition - 1]

    def strings(prefix: str, n: int, missing: float = 0.0) -> pd.Series:
        values = np.char.add(prefix, np.arange(n).astype(str))[rng.integers(0, n, rows)]
        series = pd.Series(values, dtype=dtypes["id"])
        return series.mask(rng.random(rows) < missing) if missing else series

    frame = pd.DataFrame(
        {
            "outcome": pd.Categorical.from_codes(outcome, dtype=dtypes["outcome"]),
            "answered_by": pd.Categorical.from_codes(answered_by, dtype=dtypes["answered_by"]),
            "duration": pd.array(duration, dtype="Int64"),
            "disposition_id": pd.array(disposition, dtype="Int64"),
            "disposition_category": pd.Categorical.from_codes(
                category, dtype=dtypes["disposition_category"]
            ),
            "started_at": started,
            "created_at": started + pd.to_timedelta(duration, unit="s"),
            "user_id": strings("u", 20),
            "contact_list_id": strings("l", 30),
            "sequence_id": strings("s", 10, missing=0.3),
            "contact_timezone": pd.Series(ZONES[rng.integers(0, len(ZONES), rows)], dtype="string"),
        }
    )
    frame["user_name"] = "Rep " + frame["user_id"]
    frame["disposition_name"] = "Disposition " + frame["disposition_id"].astype("string")
    frame["contact_timezone"] = frame["contact_timezone"].mask(rng.random(rows) < 0.1)
    # About 2.5 dials per contact, as on the demo data.
    frame["contact_id"] = strings("c", max(rows * 2 // 5, 1))
    frame["from_e164"] = strings("+1212555", 60)  # caller numbers, for double_dial's strata
    assert tuple(frame["outcome"].cat.categories) == OUTCOMES
    assert tuple(frame["answered_by"].cat.categories) == ANSWERED_BY
    assert tuple(frame["disposition_category"].cat.categories) == DISPOSITION_CATEGORIES
    return frame


def with_phone_numbers(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """`df` with outbound calls from 60 caller numbers in 6 area codes to contacts in 20 area
    codes (E.164), so caller-ID analyses have numbers to read."""
    rng = np.random.default_rng(seed)
    rows = len(df)
    areas = np.array([str(code) for code in range(201, 221)])
    callers = np.char.add(np.char.add("+1", np.repeat(areas[:6], 10)), "5550100")
    to_area = areas[rng.integers(0, len(areas), rows)]
    to = np.char.add(
        np.char.add(np.char.add("+1", to_area), "555"), rng.integers(1000, 9999, rows).astype(str)
    )
    return df.assign(
        direction=pd.Categorical.from_codes(
            np.ones(rows, dtype=np.int8), categories=["inbound", "outbound"]
        ),
        from_e164=pd.Series(callers[rng.integers(0, len(callers), rows)], dtype="string"),
        to_e164=pd.Series(to, dtype="string"),
    )


def analyses(df: pd.DataFrame) -> dict[str, Callable[[], object]]:
    numbered = with_phone_numbers(df)
    return {
        "flags": lambda: ds.flags(df),
        "answer_rates": lambda: ds.answer_rates(df),
        "answer_rates by rep": lambda: ds.answer_rates(df, by=BY),
        "answer_rates by rep, weekly": lambda: ds.answer_rates(df, by=BY, freq="W"),
        "machine_detection by rep": lambda: ds.machine_detection(df, by=BY),
        "machine_detection_matrix": lambda: ds.machine_detection_matrix(df),
        "disposition_funnel by rep": lambda: ds.disposition_funnel(df, by=BY),
        "disposition_breakdown": lambda: ds.disposition_breakdown(df),
        "sdr_performance": lambda: ds.sdr_performance(df),
        "list_performance": lambda: ds.list_performance(df),
        "sequence_performance": lambda: ds.sequence_performance(df),
        "best_time_to_call (contact zones)": lambda: ds.best_time_to_call(df),
        "best_time_to_call (one zone)": lambda: ds.best_time_to_call(df, tz="America/New_York"),
        "overview": lambda: ds.overview(df),
        "number_health": lambda: ds.number_health(numbered),
        "local_presence (by list)": lambda: ds.local_presence(
            numbered, adjust_for="contact_list_id"
        ),
        "amd_audit by rep": lambda: ds.amd_audit(df, by=BY),
        "talk_time by rep": lambda: ds.talk_time(df, by=BY),
        "talk_time thresholds by rep": lambda: ds.talk_time_thresholds(df, by=BY),
        "activity by rep (vs sort)": lambda: ds.activity(df, by=BY, tz="America/New_York"),
        "activity sessions (vs sort)": lambda: ds.activity_sessions(
            df, by=BY, tz="America/New_York"
        ),
    }


def per_contact(df: pd.DataFrame) -> dict[str, Callable[[], object]]:
    return {
        "contact_attempts": lambda: ds.contact_attempts(df),
        "attempt_curve": lambda: ds.attempt_curve(df),
        "double_dial": lambda: ds.double_dial(df),
    }


# Analyses of per-rep time sequences: measured against one sort by rep and time.
SORT_BASELINE = ("(vs sort)",)


def seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="calls in the frame (default 1,000,000)")
    parser.add_argument("--repeat", type=int, help="runs of each (default 5)")
    parser.add_argument("--quick", action="store_true", help="50,000 calls, 1 run each")
    parser.add_argument("--only", default="", help="run the analyses whose name contains this")
    args = parser.parse_args()
    args.rows = args.rows or (50_000 if args.quick else 1_000_000)
    args.repeat = args.repeat or (1 if args.quick else 5)
    started = time.perf_counter()
    df = synthetic_calls(args.rows)
    print(f"{args.rows:,} calls generated in {time.perf_counter() - started:.1f} s")

    def grouped() -> object:
        return df.groupby(BY).size()

    def sorted_by_contact() -> object:
        return df.sort_values(["contact_id", "started_at"])

    def sort() -> object:
        return df.sort_values([BY, "started_at"])

    print(f"{'analysis':36} {'median s':>9} {'baseline s':>11} {'ratio':>7}")
    worst = 0.0
    runs = [
        (name, run, sort if name.endswith(SORT_BASELINE) else grouped)
        for name, run in analyses(df).items()
    ]
    runs += [(name, run, sorted_by_contact) for name, run in per_contact(df).items()]
    runs = [entry for entry in runs if args.only in entry[0]]
    for name, run, base_run in runs:
        run()  # warm up caches and lazy imports
        timings = [(seconds(base_run), seconds(run)) for _ in range(args.repeat)]
        base = statistics.median(b for b, _ in timings)
        mine = statistics.median(m for _, m in timings)
        ratio = mine / base
        worst = max(worst, ratio)
        flag = "" if ratio <= TARGET else f"  > {TARGET:g}x"
        print(f"{name:36} {mine:9.3f} {base:11.3f} {ratio:6.1f}x{flag}")
    print(f"worst ratio {worst:.1f}x (target <= {TARGET:g}x)")
    if args.quick:
        # Fixed costs dominate a small frame: the target is for the full size.
        print("\n(quick run: a smoke test; the target applies to 1,000,000 calls)")
        return 0
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())

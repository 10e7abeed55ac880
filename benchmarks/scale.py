"""The engine analyses on 10M and 50M calls: DuckDB and Polars over a store's Parquet files,
each against one GROUP BY in the same engine over the same columns.

Usage: python benchmarks/scale.py [--sizes 10M 50M] [--repeat 3] [--dir DIR] [--keep]
    [--engines duckdb polars pandas] [--analyses NAME ...]
    python benchmarks/scale.py --sizes 1M --repeat 1     # a smoke test, not figures

For each size a store is written in a temporary directory (or under --dir): one
``created_month=YYYY-MM/part-0.parquet`` per month of 2025, generated in chunks of at most
1,000,000 calls (one row group each; never the whole set in memory), with the footers' partition
records and ``_dialstats_store.json`` the store writes, so ``CallLogStore(path).scan(engine)``
reads it as it reads a synced store. The calls: 30 reps, 40 lists of contacts (~2.5 dials per
contact) in US and European zones, answered ~35%, human ~45% of answered, vendor dispositions,
weekday business hours.

Each measured case runs in a fresh interpreter (imports done before the clock starts): the
analysis on ``CallLogStore(path).scan(engine)``, and its baseline, one GROUP BY over the
columns and keys the analysis counts (DuckDB SQL on ``read_parquet``, Polars
``scan_parquet(...).group_by(...).agg(...).collect()``). Cases alternate, R runs each; the
median time and the peak RSS (the child's VmHWM) are reported. The pandas path (the
columns needed read with pyarrow into a frame of the schema's dtypes, then the analysis) is
measured at 10M (or the smallest size) for comparison.

Targets: each analysis within 3x of its engine's GROUP BY; peak RSS under 4 GB at the largest
size; time per call from the smallest to the largest size within 1.2x (cost linear).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import dialstats as ds
from dialstats.frame._schema import call_log_dtypes
from dialstats.store._arrow import (
    _NEARLY_UNIQUE,
    _PRUNED_ON,
    PARTITION_INFO,
    STORED_TYPES,
    rows_digest,
)
from dialstats.store._layout import partition_path
from dialstats.store._meta import PartitionRecord, StoreMeta, save_meta

RATIO_TARGET = 3.0
RSS_TARGET_MB = 4096
LINEAR_TARGET = 1.2
CHUNK = 1_000_000
YEAR = 2025
BY = "user_name"
ENGINES = ("duckdb", "polars")
ANALYSES = ("answer_rates", "disposition_funnel", "leaderboard", "best_time_to_call")
LABELS = {
    "answer_rates": 'answer_rates(by="user_name", freq="W")',
    "disposition_funnel": 'disposition_funnel(by="user_name")',
    "leaderboard": 'leaderboard(by="user_name")',
    "best_time_to_call": "best_time_to_call()",
}
# The columns each analysis reads (the pandas path reads just these).
NEEDED = {
    "answer_rates": ["user_name", "started_at", "outcome", "answered_by", "disposition_id"],
    "disposition_funnel": ["user_name", "outcome", "answered_by", "disposition_id", "duration"],
    "leaderboard": ["user_name", "started_at", "answered_by", "disposition_id"],
    "best_time_to_call": ["started_at", "answered_by", "disposition_id", "contact_tz"],
}

# --- the calls -----------------------------------------------------------------------------

FIRST = (
    "Maya",
    "Lucas",
    "Aisha",
    "Noah",
    "Sofia",
    "Liam",
    "Emma",
    "Omar",
    "Chloe",
    "Mateo",
    "Hannah",
    "Ethan",
    "Priya",
    "Jonas",
    "Zoe",
    "Daniel",
    "Lena",
    "Marcus",
    "Ines",
    "Felix",
    "Grace",
    "Tariq",
    "Olivia",
    "Henrik",
    "Nina",
    "Samuel",
    "Clara",
    "Diego",
    "Mia",
    "Arjun",
)
LAST = (
    "Patel",
    "Meyer",
    "Khan",
    "Smith",
    "Rossi",
    "Nguyen",
    "Garcia",
    "Hassan",
    "Dubois",
    "Lopez",
    "Schmidt",
    "Brown",
    "Iyer",
    "Berg",
    "Walker",
    "Cohen",
    "Novak",
    "Reyes",
    "Silva",
    "Weber",
    "Kim",
    "Aziz",
    "Clarke",
    "Larsen",
    "Moreau",
    "Okafor",
    "Fischer",
    "Torres",
    "Jansen",
    "Rao",
)
REPS = [f"{first} {last}" for first, last in zip(FIRST, LAST, strict=True)]
REGIONS = ("NA", "EMEA", "US East", "US West", "DACH", "UKI", "Nordics", "LATAM")
SEGMENTS = ("SaaS Founders", "Fintech Leaders", "Healthcare IT", "Retail Ops", "CFOs")
LISTS = [f"{region} {segment}" for region in REGIONS for segment in SEGMENTS]
ZONES = (
    ("America/New_York", 0.33, "+1"),
    ("America/Chicago", 0.23, "+1"),
    ("America/Los_Angeles", 0.23, "+1"),
    ("America/Denver", 0.08, "+1"),
    ("America/Phoenix", 0.04, "+1"),
    ("Europe/London", 0.04, "+44"),
    ("Europe/Berlin", 0.025, "+49"),
    ("Europe/Amsterdam", 0.015, "+31"),
    ("Europe/Dublin", 0.01, "+353"),
)
ANSWERED_BY = (
    ("human", 0.45),
    ("machine_end_beep", 0.22),
    ("machine_start", 0.13),
    ("machine_end_other", 0.08),
    ("machine_end_silence", 0.05),
    ("unknown", 0.05),
    ("fax", 0.02),
)


# (id, name, category) as the vendor's dispositions: the demo dataset's own table.
@functools.cache
def dispositions() -> dict[int, tuple[str, str]]:
    """id -> (name, category) of the demo data's dispositions, the vendor's and the custom ones
    (read when a store is written, not in each timed process)."""
    table = ds.read_dispositions(demo=True)
    return {int(r.id): (r.name, r.category) for r in table.itertuples(index=False)}


# A human answer's disposition, weighted as on the demo data (0: none set).
HUMAN_DISPOSITIONS = (
    (1, 0.06),
    (2, 0.035),
    (3, 0.27),
    (4, 0.035),
    (5, 0.03),
    (6, 0.17),
    (7, 0.05),
    (8, 0.12),
    (9, 0.055),
    (12, 0.08),
    (15, 0.03),
    (16, 0.013),
    (20, 0.01),
    (0, 0.042),
)
HOURS_UTC = np.arange(12, 23)  # 7 am (New York) to 3 pm (Los Angeles) starts, same UTC day
HOUR_WEIGHTS = np.array([2, 6, 9, 8, 5, 4, 7, 8, 7, 4, 2], dtype=float)


def _splitmix(values: np.ndarray) -> np.ndarray:
    """A fixed mix of uint64 values: distinct inputs give distinct, random-looking outputs."""
    z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


def _fixed_strings(chars: np.ndarray) -> pa.Array:
    """An (n, width) uint8 matrix of characters as an Arrow string array, built from buffers."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars).tobytes()
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _hex(values: np.ndarray, digits: int) -> np.ndarray:
    shifts = np.arange(4 * (digits - 1), -1, -4, dtype=np.uint64)
    return _HEX[(values.astype(np.uint64)[:, None] >> shifts) & np.uint64(0xF)]


def _decimal(values: np.ndarray, digits: int) -> np.ndarray:
    powers = 10 ** np.arange(digits - 1, -1, -1, dtype=np.uint64)
    return ((values.astype(np.uint64)[:, None] // powers) % np.uint64(10)).astype(np.uint8) + 48


def _object_ids(seconds: np.ndarray, salt: np.ndarray) -> pa.Array:
    """Mongo-style ids: 8 hex digits of epoch seconds, 16 of a mix of `salt` (unique)."""
    return _fixed_strings(np.hstack([_hex(seconds, 8), _hex(_splitmix(salt), 16)]))


def _pick(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(len(weights), n, p=weights / weights.sum())


def _fraction(hashed: np.ndarray, shift: int) -> np.ndarray:
    return ((hashed >> np.uint64(shift)) & np.uint64(0xFFFF)).astype(np.float64) / 65536.0


def _weighted_index(fraction: np.ndarray, weights: np.ndarray) -> np.ndarray:
    edges = np.cumsum(weights / weights.sum())
    return np.minimum(np.searchsorted(edges, fraction, side="right"), len(weights) - 1)


def month_days(month: int) -> np.ndarray:
    """The weekdays of `month` of `YEAR`, as datetime64[D]."""
    start = np.datetime64(f"{YEAR}-{month:02d}-01")
    end = np.datetime64(f"{YEAR + month // 12}-{month % 12 + 1:02d}-01")
    days = np.arange(start, end, dtype="datetime64[D]")
    return days[np.is_busday(days)]


def chunk_table(rng: np.random.Generator, n: int, first_row: int, days: np.ndarray, contacts: int):
    """`n` calls on `days` (rows `first_row` ...) in the stored schema's types."""
    rep_weights = np.linspace(0.6, 1.4, len(REPS))
    rep = _pick(rng, rep_weights, n).astype(np.int32)
    contact = rng.integers(0, contacts, n).astype(np.uint64)
    mixed = _splitmix(contact ^ np.uint64(0xC0FFEE))
    lst = (mixed % np.uint64(len(LISTS))).astype(np.int32)
    zone_weights = np.array([w for _, w, _ in ZONES])
    zone = _weighted_index(_fraction(mixed, 8), zone_weights).astype(np.int32)
    # Answer rates by list (0.25 to 0.45: ~35% over all) and a rep's touch on human answers.
    list_answer = 0.25 + 0.2 * ((np.arange(len(LISTS)) * 7) % len(LISTS)) / (len(LISTS) - 1)
    rep_human = 0.85 + 0.3 * ((np.arange(len(REPS)) * 11) % len(REPS)) / (len(REPS) - 1)
    draw = rng.random(n)
    answered = draw < list_answer[lst]
    cancelled = ~answered & (draw > 0.95)
    by_weights = np.array([w for _, w in ANSWERED_BY])
    by = _pick(rng, by_weights, n)
    flip = rng.random(n) < (rep_human[rep] - 1) * by_weights[0] / (1 - by_weights[0])
    by = np.where((by > 0) & flip, 0, by)  # better reps turn some machines into people
    by = np.where((by == 0) & (rng.random(n) < 1 - rep_human[rep]), 1, by)
    by = np.where(answered, by, -1).astype(np.int32)
    human, machine = by == 0, (by >= 1) & (by <= 4)
    ids, probs = zip(*HUMAN_DISPOSITIONS, strict=True)
    human_disposition = np.array(ids)[_pick(rng, np.array(probs), n)]
    machine_disposition = np.where(rng.random(n) < 0.8, 11, 10)
    unanswered = rng.choice([10, 12, 13, 0], n, p=[0.9, 0.02, 0.05, 0.03])
    other_answer = rng.choice([10, 13, 11], n, p=[0.5, 0.3, 0.2])
    disposition = np.select(
        [human, machine, answered, cancelled],
        [human_disposition, machine_disposition, other_answer, 14],
        default=unanswered,
    )
    talk = np.minimum(rng.lognormal(3.9, 1.0, n), 2900)
    duration = np.select(
        [human, machine, answered, cancelled],
        [talk, rng.normal(38, 8, n).clip(5, 120), rng.uniform(2, 40, n), rng.uniform(0, 8, n)],
        default=rng.uniform(12, 35, n),
    ).round()
    day = days[rng.integers(0, len(days), n)].astype("datetime64[us]")
    hour = HOURS_UTC[_pick(rng, HOUR_WEIGHTS, n)].astype("timedelta64[h]")
    second = rng.integers(0, 3600 * 10**6, n).astype("timedelta64[us]")
    started = (day + hour + second).astype(np.int64)
    ended = started + (duration * 1e6).astype(np.int64)
    created = ended + rng.integers(1_000_000, 8_000_000, n)
    rows = np.arange(first_row, first_row + n, dtype=np.uint64)

    def stamps(micros: np.ndarray) -> pa.Array:
        return pa.array(micros, pa.int64()).view(pa.timestamp("us", tz="UTC"))

    def names(values, index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
        taken = pc.take(pa.array(values, pa.string()), pa.array(index, pa.int32()))
        if valid is not None:
            taken = pc.if_else(pa.array(valid), taken, pa.scalar(None, pa.string()))
        return taken

    rep_ids = [f"65{i:022x}" for i in range(len(REPS))]
    list_ids = [f"66{i:022x}" for i in range(len(LISTS))]
    known = dispositions()
    disposition_names = [known.get(i, (None, None))[0] for i in range(21)]
    disposition_categories = [known.get(i, (None, None))[1] for i in range(21)]
    has_disposition = disposition > 0
    callers = [f"+1{212 + i // 2}555{1000 + i:04d}" for i in range(2 * len(REPS))]
    caller = rep * 2 + rng.integers(0, 2, n)
    prefixes = pa.array([code for _, _, code in ZONES])
    to_e164 = pc.binary_join_element_wise(
        pc.take(prefixes, pa.array(zone)),
        _fixed_strings(_decimal(2_000_000_000 + mixed % np.uint64(7_999_999_999), 10)),
        "",
    )
    columns = {
        "id": _object_ids(created // 10**6, rows),
        "started_at": stamps(started),
        "ended_at": stamps(ended),
        "created_at": stamps(created),
        "updated_at": stamps(created),
        "direction": names(["outbound", "inbound"], (rng.random(n) < 0.01).astype(np.int32)),
        "outcome": names(
            ["answered", "no-answer", "cancelled"],
            np.select([answered, cancelled], [0, 2], default=1).astype(np.int32),
        ),
        "answered_by": names([b for b, _ in ANSWERED_BY], np.maximum(by, 0), by >= 0),
        "duration": pa.array(duration, pa.float64()),
        "user_id": names(rep_ids, rep),
        "user_name": names(REPS, rep),
        "disposition_id": pa.array(disposition, pa.int64(), mask=~has_disposition),
        "disposition_name": names(disposition_names, disposition, has_disposition),
        "disposition_category": names(disposition_categories, disposition, has_disposition),
        "contact_id": _object_ids(np.full(n, 0x6A5BB686), contact),
        "contact_tz": names([z for z, _, _ in ZONES], zone),
        "to_e164": to_e164,
        "from_e164": names(callers, caller),
        "contact_list_id": names(list_ids, lst),
        "contact_list_name": names(LISTS, lst),
    }
    return pa.table({k: v.cast(STORED_TYPES[k]) for k, v in columns.items()})


def build_store(root: Path, calls: int, seed: int = 0) -> None:
    """A store of `calls` calls over the weekdays of `YEAR`, month by month, chunk by chunk."""
    rng = np.random.default_rng(seed)
    months = {m: month_days(m) for m in range(1, 13)}
    weekdays = sum(len(d) for d in months.values())
    contacts = max(calls * 2 // 5, 1)
    records, done = {}, 0
    for number, days in months.items():
        month = f"{YEAR}-{number:02d}"
        rows = calls * (sum(len(months[m]) for m in range(1, number + 1))) // weekdays - done
        path = partition_path(root, month)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer, digests = None, []
        for start in range(0, rows, CHUNK):
            table = chunk_table(rng, min(CHUNK, rows - start), done + start, days, contacts)
            if writer is None:
                names = table.column_names
                writer = pq.ParquetWriter(
                    path,
                    table.schema,
                    compression="zstd",
                    use_dictionary=[c for c in names if c not in _NEARLY_UNIQUE],
                    write_statistics=[c for c in _PRUNED_ON if c in names],
                    write_page_checksum=True,
                )
            writer.write_table(table, row_group_size=CHUNK)
            digests.append(table.select(["id", "updated_at"]))
        assert writer is not None
        digest = rows_digest(pa.concat_tables(digests))
        info = {"month": month, "rows": rows, "ids": digest}
        writer.add_key_value_metadata({PARTITION_INFO: json.dumps(info).encode()})
        writer.close()
        records[month] = PartitionRecord(rows, digest)
        done += rows
    now = pd.Timestamp.now(tz="UTC")
    meta = StoreMeta(
        filters={}, watermark=now, rows=done, synced_at=now, source=None, partitions=records
    )
    save_meta(root, meta)


# --- the cases, each run in a fresh interpreter -------------------------------------------

# Weeks of the UTC wall time: a plain TIMESTAMP, as the engine path counts local days (DuckDB's
# date_trunc on a TIMESTAMPTZ goes through ICU's calendar, several times slower).
DUCKDB_SQL = {
    "answer_rates": """
        select user_name, date_trunc('week', started_at at time zone 'UTC') as week, count(*) as dials,
            sum((outcome = 'answered')::int) as answered,
            sum((answered_by = 'human')::int) as human,
            sum((answered_by like 'machine\\_%' escape '\\')::int) as machine,
            sum((answered_by = 'human' and disposition_id < 10)::int) as connected
        from read_parquet({files}) group by 1, 2""",
    "disposition_funnel": """
        select user_name, count(*) as dials,
            sum((outcome = 'answered')::int) as answered,
            sum((outcome = 'answered' and answered_by = 'human' and disposition_id < 10)::int)
                as connected,
            sum((outcome = 'answered' and answered_by = 'human' and disposition_id < 10
                and (disposition_id = 1 or duration >= 60))::int) as conversations,
            sum((outcome = 'answered' and answered_by = 'human' and disposition_id < 10
                and disposition_id = 1)::int) as meetings
        from read_parquet({files}) group by 1""",
    "leaderboard": """
        select user_name, date_trunc('week', started_at at time zone 'UTC') as week, count(*) as dials,
            sum((answered_by = 'human' and disposition_id < 10)::int) as connected
        from read_parquet({files}) group by 1, 2""",
    # The contact's zone and the UTC quarter hour: the table best_time_to_call counts.
    "best_time_to_call": """
        select contact_tz, epoch_us(started_at) // 900000000 as quarter, count(*) as dials,
            sum((answered_by = 'human' and disposition_id < 10)::int) as connected
        from read_parquet({files}) group by 1, 2""",
}


def _polars_query(pl, name: str, files: list[str]):
    frame = pl.scan_parquet(files)
    answered = pl.col("outcome") == "answered"
    human = pl.col("answered_by") == "human"
    connected = human & (pl.col("disposition_id") < 10)
    week = pl.col("started_at").dt.truncate("1w").alias("week")

    def total(expr, alias: str):
        return expr.fill_null(False).cast(pl.Int64).sum().alias(alias)

    if name == "answer_rates":
        machine = pl.col("answered_by").str.starts_with("machine_")
        return frame.group_by(BY, week).agg(
            pl.len().alias("dials"),
            total(answered, "answered"),
            total(human, "human"),
            total(machine, "machine"),
            total(connected, "connected"),
        )
    if name == "disposition_funnel":
        funnel = answered & connected
        conversation = funnel & ((pl.col("disposition_id") == 1) | (pl.col("duration") >= 60))
        return frame.group_by(BY).agg(
            pl.len().alias("dials"),
            total(answered, "answered"),
            total(funnel, "connected"),
            total(conversation, "conversations"),
            total(funnel & (pl.col("disposition_id") == 1), "meetings"),
        )
    if name == "best_time_to_call":
        quarter = (pl.col("started_at").dt.epoch("us") // 900_000_000).alias("quarter")
        return frame.group_by("contact_tz", quarter).agg(
            pl.len().alias("dials"), total(connected, "connected")
        )
    return frame.group_by(BY, week).agg(pl.len().alias("dials"), total(connected, "connected"))


def _analysis(ds, name: str, frame):
    if name == "answer_rates":
        return ds.answer_rates(frame, by=BY, freq="W")
    if name == "disposition_funnel":
        return ds.disposition_funnel(frame, by=BY)
    if name == "leaderboard":
        return ds.leaderboard(frame, by=BY)
    return ds.best_time_to_call(frame)


def _pandas_frame(files: list[str], columns: list[str]) -> pd.DataFrame:
    """The columns read with pyarrow, as a frame of the call-log schema's dtypes."""
    table = pq.read_table(files, columns=columns)
    dtypes = call_log_dtypes()
    out = {}
    for name in columns:
        column, dtype = table.column(name), dtypes[name]
        if isinstance(dtype, pd.CategoricalDtype):
            encoded = pc.dictionary_encode(column).combine_chunks()
            mapping = dtype.categories.get_indexer(encoded.dictionary.to_pylist())
            codes = np.append(mapping, -1)[encoded.indices.fill_null(-1).to_numpy()]
            out[name] = pd.Categorical.from_codes(codes, dtype=dtype)
        elif name == "started_at":
            out[name] = column.to_pandas().dt.as_unit("ns")
        else:
            mapper = {column.type: dtype}.get
            out[name] = column.to_pandas(types_mapper=mapper)
    return pd.DataFrame(out)


def run_case(case: dict) -> dict:
    """One measured case (in its own interpreter): {"seconds", "rss_mb"} or {"error"}."""
    import narwhals  # noqa: F401  (imported before the clock, as a user's session has it)

    import dialstats as ds
    from dialstats.store import CallLogStore
    from dialstats.store._layout import partitions

    root, engine, name, kind = case["root"], case["engine"], case["name"], case["kind"]
    files = [str(p) for p in partitions(Path(root)).values()]
    job: Callable[[], object]
    if engine == "duckdb":
        import duckdb

        if kind == "baseline":

            def job():
                connection = duckdb.connect()
                connection.execute("SET TimeZone = 'UTC'")
                return connection.sql(DUCKDB_SQL[name].format(files=files)).to_arrow_table()

    elif engine == "polars":
        import polars as pl

        if kind == "baseline":

            def job():
                return _polars_query(pl, name, files).collect()

    if kind == "analysis":

        def job():
            return _analysis(ds, name, CallLogStore(root).scan(engine))

    elif kind == "pandas":

        def job():
            return _analysis(ds, name, _pandas_frame(files, NEEDED[name]))

    # Loaded before the clock, as in a session that has run an analysis before: the first use
    # of an analysis imports its modules, SciPy and phonenumbers (about 1 s), once per process.
    getattr(ds, name)
    import phonenumbers  # noqa: F401
    import scipy.optimize
    import scipy.stats  # noqa: F401

    started = time.perf_counter()
    try:
        result = job()
    except Exception as error:  # reported, not raised: one failing case keeps the others
        return {"error": f"{type(error).__name__}: {error}"}
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_mb": peak_rss_kb() / 1024, "rows": len(result)}


def peak_rss_kb() -> int:
    """This process's peak RSS: VmHWM (ru_maxrss on Linux keeps the high-water mark of the
    process before exec, here the parent's forked copy, holding the generator's memory)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(case: dict) -> dict:
    command = [sys.executable, __file__, "--case", json.dumps(case)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"case {case} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the run -------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    text = text.strip().upper().replace("_", "").replace(",", "")
    scale = {"K": 10**3, "M": 10**6}.get(text[-1:], 1)
    return int(float(text.rstrip("KM")) * scale)


def label_of(calls: int) -> str:
    return f"{calls // 10**6}M" if calls % 10**6 == 0 else f"{calls:,}"


def machine_line() -> str:
    import duckdb
    import polars

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GB RAM, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, Polars {polars.__version__}, pandas {pd.__version__}, "
        f"pyarrow {pa.__version__}, {dt.date.today().isoformat()}"
    )


def median_runs(cases: list[dict], repeat: int) -> list[dict]:
    """Each case `repeat` times, alternating; per case the median time and the peak RSS."""
    runs: list[list[dict]] = [[] for _ in cases]
    for _ in range(repeat):
        for index, case in enumerate(cases):
            runs[index].append(measure(case))
    return [
        {
            "seconds": statistics.median(r["seconds"] for r in found),
            "rss_mb": max(r["rss_mb"] for r in found),
        }
        for found in runs
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["10M", "50M"], help="e.g. 10M 50M, or 1M")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case (default 3)")
    parser.add_argument("--dir", help="where to write the stores (default: a temporary dir)")
    parser.add_argument("--keep", action="store_true", help="keep the stores afterwards")
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=(*ENGINES, "pandas"),
        default=[*ENGINES, "pandas"],
        help="engines to run (default all; pandas runs at the smallest size only)",
    )
    parser.add_argument(
        "--analyses", nargs="+", choices=ANALYSES, default=list(ANALYSES), help="default all"
    )
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(json.loads(args.case))))
        return 0
    sizes = sorted(parse_size(s) for s in args.sizes)
    base = Path(tempfile.mkdtemp(prefix="dialstats-scale-", dir=args.dir))
    rows: list[dict] = []
    try:
        for calls in sizes:
            root = base / f"calls-{label_of(calls)}"
            started = time.perf_counter()
            build_store(root, calls)
            size = sum(f.stat().st_size for f in root.rglob("*.parquet")) / 2**30
            print(
                f"{calls:,} calls written in {time.perf_counter() - started:.0f} s "
                f"({size:.2f} GB, {len(list(root.glob('created_month=*')))} partitions)",
                flush=True,
            )
            for engine in [e for e in ENGINES if e in args.engines]:
                common = {"root": str(root), "engine": engine}
                # The files into the page cache.
                measure({**common, "name": "answer_rates", "kind": "baseline"})
                for name in args.analyses:
                    pair = [{**common, "name": name, "kind": k} for k in ("baseline", "analysis")]
                    base_run, mine = median_runs(pair, args.repeat)
                    row = {"calls": calls, "engine": engine, "name": name}
                    row.update(seconds=mine["seconds"], rss_mb=mine["rss_mb"])
                    row.update(base_seconds=base_run["seconds"], base_rss_mb=base_run["rss_mb"])
                    rows.append(row)
                    print(
                        f"  {label_of(calls):>4} {engine:7} {name:19} {mine['seconds']:7.2f} s "
                        f"(GROUP BY {base_run['seconds']:6.2f} s) {mine['rss_mb']:6.0f} MB",
                        flush=True,
                    )
            if calls == sizes[0] and "pandas" in args.engines:
                for name in args.analyses:
                    case = {"root": str(root), "engine": "pandas", "name": name, "kind": "pandas"}
                    (mine,) = median_runs([case], args.repeat)
                    rows.append({"calls": calls, "engine": "pandas", "name": name, **mine})
                    print(
                        f"  {label_of(calls):>4} pandas  {name:19} {mine['seconds']:7.2f} s "
                        f"{mine['rss_mb']:6.0f} MB",
                        flush=True,
                    )
            if not args.keep:
                shutil.rmtree(root)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return report(rows, sizes)


def report(rows: list[dict], sizes: list[int]) -> int:
    largest, smallest = sizes[-1], sizes[0]
    print(f"\n{machine_line()}\n")
    print(
        "| calls | engine | analysis | median s | GROUP BY s | ratio | s per 1M calls "
        "| peak RSS MB | GROUP BY RSS MB |"
    )
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        per_million = row["seconds"] / row["calls"] * 10**6
        if row["engine"] == "pandas":
            base = ratio = base_rss = "-"
        else:
            base = f"{row['base_seconds']:.2f}"
            ratio = f"{row['seconds'] / row['base_seconds']:.2f}x"
            base_rss = f"{row['base_rss_mb']:.0f}"
        print(
            f"| {label_of(row['calls'])} | {row['engine']} | {LABELS[row['name']]} "
            f"| {row['seconds']:.2f} | {base} | {ratio} | {per_million:.3f} "
            f"| {row['rss_mb']:.0f} | {base_rss} |"
        )
    print()
    ok = True

    def verdict(passed: bool, text: str) -> None:
        nonlocal ok
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'}  {text}")

    engine_rows = [r for r in rows if r["engine"] != "pandas"]
    for row in engine_rows:
        ratio = row["seconds"] / row["base_seconds"]
        verdict(
            ratio <= RATIO_TARGET,
            f"{label_of(row['calls'])} {row['engine']} {row['name']}: {ratio:.2f}x its "
            f"GROUP BY (target <= {RATIO_TARGET:g}x)",
        )
    for row in engine_rows:
        if row["calls"] == largest:
            verdict(
                row["rss_mb"] < RSS_TARGET_MB,
                f"{label_of(largest)} {row['engine']} {row['name']}: peak RSS "
                f"{row['rss_mb']:.0f} MB (target < {RSS_TARGET_MB} MB)",
            )
    if largest > smallest:
        for row in engine_rows:
            if row["calls"] != largest:
                continue
            small = next(
                r
                for r in engine_rows
                if r["calls"] == smallest
                and (r["engine"], r["name"]) == (row["engine"], row["name"])
            )
            growth = (row["seconds"] / row["calls"]) / (small["seconds"] / small["calls"])
            verdict(
                growth <= LINEAR_TARGET,
                f"{row['engine']} {row['name']}: time per call {label_of(smallest)} -> "
                f"{label_of(largest)} x{growth:.2f} (target <= {LINEAR_TARGET}x)",
            )
    if len(sizes) == 1 and largest < 10**7:
        print("\n(a small run: a smoke test; the targets are for 10M and 50M calls)")
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

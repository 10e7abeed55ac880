"""The store's metadata file: what it holds and how far it is synced.

It records the filters the store is bound to, the watermark (the newest ``updatedAt`` the
server had when the last complete sync started, never past its clock), the row count, where the
data came from, and for each partition its row count and a digest of its ids and their
``updatedAt`` (which the file's own footer repeats, so `verify` compares the two without reading
the data). Partitions a sync is about to replace are listed under ``pending`` first: a sync
killed between replacing files and committing leaves files that match either record, which is
not damage.
It never records an API key: `source` is the base URL without user info, query or fragment.
The file is replaced atomically; the watermark is committed last, after the data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from dialstats.api import format_timestamp, normalize_filters
from dialstats.errors import StoreError
from dialstats.store._layout import META_NAME, PARTITION_KEY, write_bytes_atomic

FORMAT = "dialstats-call-log-store"
VERSION = 2  # 2: per-partition records (version 1 stores read, and get them at their next sync)


@dataclass(frozen=True)
class PartitionRecord:
    """What a partition file holds: its row count and the `rows_digest` of its ids and versions."""

    rows: int
    ids: str


@dataclass
class StoreMeta:
    filters: dict[str, Any] = field(
        default_factory=dict
    )  # normalized, as `normalize_filters` gives
    watermark: pd.Timestamp | None = None
    rows: int = 0
    synced_at: pd.Timestamp | None = None
    source: str | None = None
    # month -> record; None for a version 1 store, which kept none.
    partitions: dict[str, PartitionRecord] | None = field(default_factory=dict)
    pending: dict[str, PartitionRecord] = field(default_factory=dict)


def encode_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Normalized filters as JSON values (timestamps as ISO 8601, tuples as lists)."""

    def encode(value: Any) -> Any:
        if isinstance(value, pd.Timestamp):
            return format_timestamp(value)
        if isinstance(value, tuple):
            return list(value)
        return value

    return {name: encode(value) for name, value in filters.items()}


def public_source(base_url: str | None) -> str | None:
    """`base_url` without credentials: scheme, host, port and path only."""
    if not base_url:
        return None
    parts = urlsplit(str(base_url))
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _iso(ts: pd.Timestamp | None) -> str | None:
    return None if ts is None else ts.tz_convert("UTC").isoformat()


def _timestamp(value: Any) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value).tz_convert("UTC")


def save_meta(root: Path, meta: StoreMeta) -> None:
    body = asdict(meta)
    body.update(
        format=FORMAT,
        version=VERSION,
        partitioning=PARTITION_KEY,
        filters=encode_filters(meta.filters),
        watermark=_iso(meta.watermark),
        synced_at=_iso(meta.synced_at),
        partitions=_records_json(meta.partitions or {}),
        pending=_records_json(meta.pending),
    )
    text = json.dumps(body, indent=2, sort_keys=True) + "\n"
    write_bytes_atomic(root / META_NAME, text.encode())


def _records_json(records: Mapping[str, PartitionRecord]) -> dict[str, Any]:
    return {month: asdict(record) for month, record in sorted(records.items())}


def _records(value: Any) -> dict[str, PartitionRecord]:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object of partitions, got {type(value).__name__}")
    records = {}
    for month, record in value.items():
        rows, ids = record["rows"], record["ids"]
        if not (isinstance(rows, int) and rows >= 0 and isinstance(ids, str)):
            raise ValueError(f"bad record for partition {month!r}: {record!r}")
        records[month] = PartitionRecord(rows, ids)
    return records


def load_meta(root: Path) -> StoreMeta | None:
    """The metadata of the store at `root`, or None when nothing was ever committed there.

    Anything but a well-formed store's metadata raises `StoreError` saying what is wrong.
    """
    path = root / META_NAME
    try:
        body = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: unreadable store metadata ({exc})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise StoreError(f"{path}: not a dialstats call-log store")
    version = body.get("version")
    if not isinstance(version, int):
        raise StoreError(f"{path}: corrupt store metadata (version {version!r})")
    if version > VERSION:
        raise StoreError(
            f"{path}: written by a newer dialstats (store version {version}); "
            "upgrade dialstats to read it"
        )
    try:
        rows = body.get("rows") or 0
        if not isinstance(rows, int) or rows < 0:
            raise ValueError(f"rows: {rows!r}")
        legacy = version < 2 and "partitions" not in body
        return StoreMeta(
            filters=normalize_filters(body.get("filters") or {}),
            watermark=_timestamp(body.get("watermark")),
            rows=rows,
            synced_at=_timestamp(body.get("synced_at")),
            source=body.get("source"),
            partitions=None if legacy else _records(body.get("partitions", {})),
            pending=_records(body.get("pending") or {}),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # InvalidParameterError too
        raise StoreError(
            f"{path}: corrupt store metadata ({type(exc).__name__}: {exc}); "
            "move the directory aside and sync into a new one to rebuild the store"
        ) from None

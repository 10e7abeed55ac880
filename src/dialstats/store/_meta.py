"""The store's metadata file: what it holds and how far it is synced.

It records the filters the store is bound to, the watermark (the newest ``updatedAt`` the
server had when the last complete sync started), the row count and where the data came from.
It never records an API key: `source` is the base URL without user info, query or fragment.
The file is replaced atomically and written last in a sync, so it never runs ahead of the data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from dialstats.api._filters import format_timestamp, normalize_filters
from dialstats.store._errors import StoreError
from dialstats.store._layout import META_NAME, PARTITION_KEY, write_bytes_atomic

FORMAT = "dialstats-call-log-store"
VERSION = 1


@dataclass
class StoreMeta:
    filters: dict[str, Any] = field(
        default_factory=dict
    )  # normalized, as `normalize_filters` gives
    watermark: pd.Timestamp | None = None
    rows: int = 0
    synced_at: pd.Timestamp | None = None
    source: str | None = None


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
    )
    text = json.dumps(body, indent=2, sort_keys=True) + "\n"
    write_bytes_atomic(root / META_NAME, text.encode())


def load_meta(root: Path) -> StoreMeta | None:
    """The metadata of the store at `root`, or None when nothing was ever committed there."""
    path = root / META_NAME
    try:
        body = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: unreadable store metadata ({exc})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise StoreError(f"{path}: not a dialstats call-log store")
    if body.get("version", 0) > VERSION:
        raise StoreError(
            f"{path}: written by a newer dialstats (store version {body['version']}); "
            "upgrade dialstats to read it"
        )
    return StoreMeta(
        filters=normalize_filters(body.get("filters") or {}),
        watermark=_timestamp(body.get("watermark")),
        rows=int(body.get("rows") or 0),
        synced_at=_timestamp(body.get("synced_at")),
        source=body.get("source"),
    )

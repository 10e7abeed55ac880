"""``read_call_logs(..., cache=True | path)``: sync a store, then read from it.

With ``cache=True`` the store lives in the user's cache directory, one per API host, team and
set of range filters (see `dialstats.store._select`); read-time filters (outcome, duration...)
share it. A path names a store of the caller's choosing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import platformdirs

from dialstats.api import check_on_incomplete, normalize_filters
from dialstats.errors import InvalidParameterError
from dialstats.store._meta import encode_filters, load_meta
from dialstats.store._select import range_filters
from dialstats.store._store import CallLogStore


def cache_root() -> Path:
    """Where ``cache=True`` stores live: the platform's user cache directory."""
    return Path(platformdirs.user_cache_dir("dialstats")) / "call-logs"


def default_store_path(client: Any, filters: dict[str, Any]) -> Path:
    """The ``cache=True`` store for `client`'s team and the range part of `filters`.

    The team is asked for by id (one request), so two keys of one team share a store and
    nothing derived from a key is written anywhere.
    """
    host = urlsplit(client.base_url).netloc or "api"
    team = client.read_team()
    team_id = str(team["team_id"].iloc[0]) if len(team) and "team_id" in team else "unknown-team"
    account = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{host}-{team_id}")
    ranged = encode_filters(range_filters(filters))
    key = (
        hashlib.sha256(json.dumps(ranged, sort_keys=True).encode()).hexdigest()[:16]
        if ranged
        else "all"
    )
    return cache_root() / account / key


def cached_read_call_logs(
    cache: bool | str | os.PathLike[str],
    client: Any,
    *,
    sort: str | None = None,
    max_records: int | None = None,
    tz: str = "UTC",
    dtype_backend: str = "numpy_nullable",
    progress: bool | None = None,
    limit: int = 100,
    on_incomplete: str = "raise",
    **filters: Any,
) -> pd.DataFrame:
    """Sync the store `cache` names (True: the default one) with `client`, then read `filters`.

    A new store is bound to the range part of `filters`; an existing one keeps its own filters
    and must cover the ones asked for (else `StoreFilterError`). `on_incomplete` is checked as
    `Client.read_call_logs` checks it, so a bad value is refused on both paths; a sync has no
    incomplete result to report (it reads an inconsistent pass again page by page).
    """
    check_on_incomplete(on_incomplete)
    normalized = normalize_filters(filters)
    if cache is True:
        path = default_store_path(client, normalized)
    elif isinstance(cache, str | os.PathLike) and not isinstance(cache, bool):
        # An empty path is the working directory: a store would land among the user's files.
        if not os.fspath(cache).strip():
            raise InvalidParameterError(
                "cache", f"cache: {cache!r} is an empty path; pass True or a store directory path"
            )
        path = Path(cache).expanduser()
    else:
        raise InvalidParameterError(
            "cache", f"cache: expected True or a store directory path, got {cache!r}"
        )
    store = CallLogStore(path)
    bound = {} if load_meta(store.path) is not None else range_filters(normalized)
    store.sync(client, progress=progress, limit=limit, **bound)
    return store.read(
        tz=tz, dtype_backend=dtype_backend, sort=sort, max_records=max_records, **normalized
    )

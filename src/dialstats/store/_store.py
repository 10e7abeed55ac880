"""`CallLogStore`: a local, incrementally synced copy of the call log."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from dialstats._demo import Client
from dialstats.api import check_limit, check_max_records, check_sort, normalize_filters
from dialstats.errors import InvalidParameterError, StoreError
from dialstats.frame import check_dtype_backend, check_tz
from dialstats.store._meta import StoreMeta, load_meta
from dialstats.store._read import read_store
from dialstats.store._scan import check_engine, scan_store
from dialstats.store._select import narrowed
from dialstats.store._sync import SyncResult, sync_store
from dialstats.store._verify import check_store


class CallLogStore:
    """Call logs kept on disk as a Parquet dataset, synced incrementally from the API.

    The store at `path` is a hive-partitioned Parquet dataset (``created_month=YYYY-MM``), one
    row per call id, that DuckDB, Polars, Spark or ``pyarrow.dataset`` read as-is. The first
    `sync` reads every call matching its filters; later ones read only what was created or
    updated since. `read` answers the same filters as `read_call_logs`, from disk.

    >>> store = CallLogStore("calls")
    >>> print(store.sync(demo=True))                            # doctest: +SKIP
    full sync: 24,000 new, 0 updated, 24,000 calls in store (242 requests, 3.4 s)
    >>> store.read(start_date="2026-09-01", outcome="answered").shape  # doctest: +SKIP
    (5266, 48)

    `lock_timeout`: seconds a `sync` waits for another process syncing the same store
    (None: as long as it takes).
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float | None = None) -> None:
        if lock_timeout is not None and not (
            isinstance(lock_timeout, int | float)
            and not isinstance(lock_timeout, bool)
            and lock_timeout >= 0
        ):
            raise InvalidParameterError(
                "lock_timeout", f"lock_timeout: expected None or seconds >= 0, got {lock_timeout!r}"
            )
        if not isinstance(path, str | os.PathLike) or not str(path):
            raise InvalidParameterError("path", f"path: expected a directory path, got {path!r}")
        self.path = Path(path).expanduser()
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"CallLogStore({str(self.path)!r})"

    # -- state ---------------------------------------------------------------------------------

    def _meta(self) -> StoreMeta | None:
        if self.path.exists() and not self.path.is_dir():
            raise InvalidParameterError(
                "path", f"path: {self.path} is a file, not a store directory"
            )
        return load_meta(self.path)

    @property
    def filters(self) -> dict[str, Any]:
        """The filters the store is synced with (empty until the first sync)."""
        meta = self._meta()
        return dict(meta.filters) if meta else {}

    @property
    def watermark(self) -> pd.Timestamp | None:
        """The newest ``updatedAt`` the API had when the last complete sync began."""
        meta = self._meta()
        return meta.watermark if meta else None

    @property
    def synced_at(self) -> pd.Timestamp | None:
        meta = self._meta()
        return meta.synced_at if meta else None

    def __len__(self) -> int:
        """The calls in the store (checked: a damaged store raises `StoreError`)."""
        meta = self._meta()
        return self._check(meta) if meta else 0

    def _check(self, meta: StoreMeta) -> int:
        for _ in range(3):
            check = check_store(self.path, meta)
            if not check.damage:
                break
            # A sync may have listed and moved in new files since `meta` was read: look again.
            fresh = load_meta(self.path)
            if fresh is None or fresh == meta:
                break
            meta = fresh
        check.raise_if_damaged(self.path)
        return check.rows

    def verify(self) -> int:
        """Check every partition file against the store's metadata; returns the row count.

        Reads the metadata and each file's Parquet footer only (milliseconds), as every `read`
        and ``len()`` do. Raises `StoreError` naming each damaged month and what is wrong: a
        missing file, a file of another month (its calls stored twice), a truncated or foreign
        file, a row count or ids other than the store wrote. `repair` mends it.

        >>> CallLogStore("calls").verify()                  # doctest: +SKIP
        24000
        """
        meta = self._meta()
        if meta is None:
            raise self._missing()
        return self._check(meta)

    def _missing(self) -> StoreError:
        return StoreError(
            f"{self.path}: no call-log store here yet; create it with "
            "CallLogStore(path).sync(...) or `dialstats pull --store PATH`"
        )

    # -- sync and read -------------------------------------------------------------------------

    def sync(
        self,
        client: Any = None,
        *,
        demo: bool = False,
        progress: bool | None = None,
        limit: int = 100,
        full: bool = False,
        **filters: Any,
    ) -> SyncResult:
        """Bring the store up to date with the API; returns what changed.

        The first sync reads every call matching `filters` and binds the store to them; later
        syncs take no filters (or the same ones) and read only calls created or updated since
        the previous sync. `client` is a `dialstats.Client` (default: one from
        ``SALESFINITY_API_KEY``, or the demo data with ``demo=True``). ``full=True`` reads
        every call again and rewrites every partition (it also mends any damage). A damaged
        store raises `StoreError` (see `verify`, `repair`); so does a directory that is not
        empty and not a store.

        >>> CallLogStore("calls").sync(demo=True)        # doctest: +SKIP
        SyncResult(new=24000, updated=0, requests=242, rows=24000, full=True, ...)
        """
        if not isinstance(full, bool):
            raise InvalidParameterError("full", f"full: expected True or False, got {full!r}")
        return self._sync(client, demo, progress, limit, filters, "full" if full else "sync")

    def repair(
        self, client: Any = None, *, demo: bool = False, progress: bool | None = None
    ) -> SyncResult:
        """Read the damaged months again from the API, then sync; returns what changed.

        Unlike `verify`, it reads every partition file whole, so damage inside the data is
        found too. Each damaged month costs its own pages (about one request per 100 calls).

        >>> print(CallLogStore("calls").repair(demo=True))   # doctest: +SKIP
        sync: 3,512 new, 0 updated, 24,000 calls in store, re-read 2026-09 (38 requests, 0.9 s)
        """
        if self._meta() is None:
            raise self._missing()
        return self._sync(client, demo, progress, 100, {}, "repair")

    def _sync(
        self,
        client: Any,
        demo: bool,
        progress: bool | None,
        limit: int,
        filters: dict[str, Any],
        mode: str,
    ) -> SyncResult:
        normalized = normalize_filters(filters)
        limit = check_limit(limit)
        if not isinstance(demo, bool):
            raise InvalidParameterError("demo", f"demo: expected True or False, got {demo!r}")
        if client is not None and demo:
            raise InvalidParameterError("demo", "demo: pass either client= or demo=True, not both")
        if progress is not None and not isinstance(progress, bool):
            raise InvalidParameterError(
                "progress", f"progress: expected True, False or None, got {progress!r}"
            )
        self._meta()  # a clear error before any request when `path` is not a store
        owned = client is None
        if owned:
            client = Client(demo=demo)
        try:
            return sync_store(
                self.path,
                client,
                normalized,
                limit=limit,
                progress=progress,
                lock_timeout=self.lock_timeout,
                mode=mode,
            )
        finally:
            if owned:
                client.close()

    def read(
        self,
        *,
        tz: str = "UTC",
        dtype_backend: str = "numpy_nullable",
        sort: str | None = None,
        max_records: int | None = None,
        **filters: Any,
    ) -> pd.DataFrame:
        """The stored calls matching `filters`, as `read_call_logs` would return them.

        Same filter keywords, same columns and dtypes, same order (oldest call first unless
        `sort` says otherwise); nothing is sent over the network. Filters must stay within
        the ones the store was synced with (a `StoreFilterError` says which one does not).

        >>> CallLogStore("calls").read(start_date="2026-09-01", outcome="answered")  # doctest: +SKIP
        """
        requested = normalize_filters(filters)
        tz, dtype_backend = check_tz(tz), check_dtype_backend(dtype_backend)
        sort, max_records = check_sort(sort), check_max_records(max_records)
        meta = self._meta()
        if meta is None:
            raise self._missing()
        self._check(meta)
        return read_store(
            self.path,
            meta.filters,
            requested,
            tz=tz,
            dtype_backend=dtype_backend,
            sort=sort,
            max_records=max_records,
        )

    def scan(
        self, engine: str = "duckdb", *, tz: str = "UTC", spark: Any = None, **filters: Any
    ) -> Any:
        """The stored calls as a lazy frame of `engine`: a DuckDB relation (``"duckdb"``), a
        Polars LazyFrame (``"polars"``) or a PySpark DataFrame (``"spark"``) over the store's
        Parquet files, read by the engine only as a query needs them.

        The analyses that run on engines (`answer_rates`, `disposition_funnel`,
        `leaderboard`, `trend`, `compare`) reduce it in the engine, reading only the columns
        they count: the same tables as from `read`. `filters` are `read`'s, with its rules
        (months outside a date range are not opened); timestamps are in `tz` (on DuckDB the
        relation's own connection has that TimeZone, so on DuckDB a period shorter than a
        day needs ``tz="UTC"``, the default). Columns are as stored: text and
        categories as strings, timestamps in microseconds. The files are those the store has
        when `scan` is called (checked first, as `read` checks them); a later `sync` that
        replaces one leaves the frame reading the old one if the engine has it open already.
        For Spark, `spark` is the SparkSession to read with (None: the active one, else a new
        local one); its ``spark.sql.session.timeZone`` must be `tz`.
        The engine is imported here: ``pip install 'dialstats[duckdb]'`` (or ``[polars]``,
        ``[spark]``).

        >>> import dialstats as ds
        >>> calls = CallLogStore("calls").scan("duckdb")  # doctest: +SKIP
        >>> ds.answer_rates(calls, by="user_name", freq="W")  # doctest: +SKIP
        """
        engine = check_engine(engine)
        requested = normalize_filters(filters)
        tz = check_tz(tz)
        meta = self._meta()
        if meta is None:
            raise self._missing()
        self._check(meta)
        return scan_store(self.path, narrowed(meta.filters, requested), engine, tz, spark)

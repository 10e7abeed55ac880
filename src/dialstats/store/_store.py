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

    Parameters
    ----------
    path : str or os.PathLike
        The store's directory (``~`` is expanded); made by the first `sync`.
    lock_timeout : float, optional
        Seconds a `sync` waits for another process syncing the same store (None: as long as
        it takes).

    Attributes
    ----------
    filters : dict
        The filters the store is synced with (empty until the first sync).
    watermark : pandas.Timestamp or None
        The newest ``updatedAt`` the API had when the last complete sync began.
    synced_at : pandas.Timestamp or None
        When the store was last synced (None before the first sync).

    Raises
    ------
    InvalidParameterError
        `path` is not a directory path, or `lock_timeout` is not None or seconds >= 0.

    See Also
    --------
    read_call_logs : ``cache=True`` keeps such a store in the user cache directory.
    Client : The client a store syncs with.

    Examples
    --------
    >>> import tempfile
    >>> import dialstats as ds
    >>> tmp = tempfile.TemporaryDirectory()
    >>> store = ds.CallLogStore(f"{tmp.name}/calls")
    >>> store.sync(demo=True, start_date="2026-10-22").new
    616
    >>> len(store), store.filters
    (616, {'start_date': Timestamp('2026-10-22 00:00:00+0000', tz='UTC')})
    >>> store.read(outcome="answered").shape
    (209, 56)
    >>> tmp.cleanup()
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

        Reads the metadata and each file's Parquet footer only (milliseconds), as every `read` and
        ``len()`` do.

        Returns
        -------
        int
            The calls in the store.

        Raises
        ------
        StoreError
            The store is damaged, naming each damaged month and what is wrong: a missing file, a
            file of another month (its calls stored twice), a truncated or foreign file, a row
            count or ids other than the store wrote; or there is no store at `path` yet.

        See Also
        --------
        repair : Mends a damaged store.

        Examples
        --------
        >>> import tempfile
        >>> import dialstats as ds
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = ds.CallLogStore(f"{tmp.name}/calls")
        >>> _ = store.sync(demo=True, start_date="2026-10-22")
        >>> store.verify()
        616
        >>> tmp.cleanup()
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

        The first sync reads every call matching `filters` and binds the store to them; later syncs
        take no filters (or the same ones) and read only calls created or updated since the previous
        sync.

        Parameters
        ----------
        client : dialstats.Client, optional
            The client to read with (default: one from ``SALESFINITY_API_KEY``, or the demo data
            with ``demo=True``).
        demo : bool, default False
            Read the bundled demo data (not with `client`).
        progress : bool, optional
            A progress bar; None (default) shows it when stderr is a terminal or in Jupyter.
        limit : int, default 100
            Page size, 1 to 100.
        full : bool, default False
            Read every call again and rewrite every partition (it also mends any damage).
        **filters
            The first sync's filters, as `read_call_logs` takes them; later syncs take none or the
            same ones.

        Returns
        -------
        SyncResult
            ``new``, ``updated``, ``removed``, ``rows`` (calls in the store), ``requests``,
            ``full``, ``watermark``, ``seconds`` and ``reread`` (the months read again); printed,
            a one-line summary.

        Raises
        ------
        StoreError
            The store is damaged (see `verify`, `repair`), or `path` is a directory that is not
            empty and not a store.
        StoreLockedError
            Another process kept the store locked for longer than `lock_timeout`.
        StoreFilterError
            A later sync's filters are not the ones the store was synced with.
        InvalidParameterError
            A filter or setting is not valid, or `client` and ``demo=True`` are both given.

        See Also
        --------
        repair : Reads the damaged months again, then syncs.
        read : The stored calls.

        Examples
        --------
        >>> import tempfile
        >>> import dialstats as ds
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = ds.CallLogStore(f"{tmp.name}/calls")
        >>> first = store.sync(demo=True, start_date="2026-10-22")
        >>> first.new, first.rows, first.full
        (616, 616, True)
        >>> again = store.sync(demo=True)
        >>> again.new, again.updated, again.full
        (0, 0, False)
        >>> tmp.cleanup()
        """
        if not isinstance(full, bool):
            raise InvalidParameterError("full", f"full: expected True or False, got {full!r}")
        return self._sync(client, demo, progress, limit, filters, "full" if full else "sync")

    def repair(
        self, client: Any = None, *, demo: bool = False, progress: bool | None = None
    ) -> SyncResult:
        """Read the damaged months again from the API, then sync; returns what changed.

        Unlike `verify`, it reads every partition file whole, so damage inside the data is found
        too. Each damaged month costs its own pages (about one request per 100 calls).

        Parameters
        ----------
        client : dialstats.Client, optional
            The client to read with (default: one from ``SALESFINITY_API_KEY``, or the demo data
            with ``demo=True``).
        demo : bool, default False
            Read the bundled demo data (not with `client`).
        progress : bool, optional
            A progress bar; None (default) shows it when stderr is a terminal or in Jupyter.

        Returns
        -------
        SyncResult
            What changed, as `sync` returns it; ``reread`` names the months read again.

        Raises
        ------
        StoreError
            There is no store at `path` yet.

        See Also
        --------
        verify : Checks the files against the metadata.
        sync : ``full=True`` rewrites every partition.

        Examples
        --------
        >>> import tempfile
        >>> import dialstats as ds
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = ds.CallLogStore(f"{tmp.name}/calls")
        >>> _ = store.sync(demo=True, start_date="2026-10-22")
        >>> store.repair(demo=True).reread  # nothing was damaged
        ()
        >>> tmp.cleanup()
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
        """Read the stored calls matching `filters`, as `read_call_logs` would return them.

        Same filter keywords, same columns and dtypes, same order (oldest call first unless `sort`
        says otherwise); nothing is sent over the network.

        Parameters
        ----------
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.
        sort : str, optional
            The API's sort (``"-duration"``, ``"createdAt"``; ``-`` = descending).
        max_records : int, optional
            Stop after this many rows (the first ones in `sort` order).
        **filters
            The filters of `read_call_logs`; they must stay within the ones the store was synced
            with.

        Returns
        -------
        pandas.DataFrame
            The columns and dtypes of `read_call_logs`, one row per call.

        Raises
        ------
        StoreFilterError
            A filter is outside the ones the store was synced with (it says which).
        StoreError
            The store is damaged, or there is no store at `path` yet.

        See Also
        --------
        scan : The stored calls as a lazy frame of DuckDB, Polars or Spark.
        read_call_logs : The same read from the API.

        Examples
        --------
        >>> import tempfile
        >>> import dialstats as ds
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = ds.CallLogStore(f"{tmp.name}/calls")
        >>> _ = store.sync(demo=True, start_date="2026-10-22")
        >>> longest = store.read(outcome="answered", sort="-duration", max_records=3)
        >>> len(longest), longest["duration"].is_monotonic_decreasing
        (3, True)
        >>> tmp.cleanup()
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
        """Open the stored calls as a lazy frame of `engine`, read only as a query needs them.

        A DuckDB relation (``"duckdb"``), a Polars LazyFrame (``"polars"``) or a PySpark DataFrame
        (``"spark"``) over the store's Parquet files. The analyses that run on engines
        (`answer_rates`, `disposition_funnel`, `leaderboard`, `trend`, `compare`) reduce it in the
        engine, reading only the columns they count: the same tables as from `read`. Columns are as
        stored: text and categories as strings, timestamps in microseconds. The files are those the
        store has when `scan` is called (checked first, as `read` checks them); a later `sync` that
        replaces one leaves the frame reading the old one if the engine has it open already. The
        engine is imported here: ``pip install 'dialstats[duckdb]'`` (or ``[polars]``,
        ``[spark]``).

        Parameters
        ----------
        engine : {"duckdb", "polars", "spark"}, default "duckdb"
            The engine of the lazy frame.
        tz : str, default "UTC"
            The timestamps' zone (on DuckDB the relation's own connection has that TimeZone).
        spark : pyspark.sql.SparkSession, optional
            For Spark, the session to read with (None: the active one, else a new local one); its
            ``spark.sql.session.timeZone`` must be `tz`.
        **filters
            `read`'s filters, with its rules (months outside a date range are not opened).

        Returns
        -------
        duckdb.DuckDBPyRelation or polars.LazyFrame or pyspark.sql.DataFrame
            The stored calls matching `filters`, unread.

        Raises
        ------
        InvalidParameterError
            `engine` is not one of its choices, or a filter is not valid.
        StoreError
            The store is damaged, or there is no store at `path` yet.

        See Also
        --------
        read : The stored calls as a pandas frame.

        Examples
        --------
        >>> import tempfile
        >>> import dialstats as ds
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = ds.CallLogStore(f"{tmp.name}/calls")
        >>> _ = store.sync(demo=True, start_date="2026-10-22")
        >>> calls = store.scan("duckdb")
        >>> ds.answer_rates(calls, by="user_name").shape
        (9, 15)
        >>> tmp.cleanup()
        """
        engine = check_engine(engine)
        requested = normalize_filters(filters)
        tz = check_tz(tz)
        meta = self._meta()
        if meta is None:
            raise self._missing()
        self._check(meta)
        return scan_store(self.path, narrowed(meta.filters, requested), engine, tz, spark)


# `CallLogStore` says it is from dialstats.store, where doctest finds its docstring but not its
# methods' (they are this module's functions): point it here for those.
__test__ = {"CallLogStore": CallLogStore}

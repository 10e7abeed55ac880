"""`Client`: one configured connection to the call-log API, and every reader as a method."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import email.utils
import functools
import importlib.util
import ssl
import sys
import threading
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Self, TypeVar

import httpx
import pandas as pd

from dialstats._flat import column_name, concat_flat
from dialstats._vocabulary import ANALYTICS, CONTACT_LIST_SORT_FIELDS
from dialstats.api import _endpoints
from dialstats.api._config import make_settings, resolve_api_key, resolve_base_url
from dialstats.api._filters import (
    check_limit,
    check_max_records,
    check_on_incomplete,
    check_page,
    check_search,
    check_sort,
    encode_params,
    normalize_analytics_params,
    normalize_disposition_params,
    normalize_filters,
    normalize_scored_call_params,
)
from dialstats.api._http import USER_AGENT, ApiKeyAuth, RequestCounter, Session
from dialstats.api._pages import (
    MAX_URL_BYTES,
    CallLogRead,
    call_log_params,
    fetch_call_log_page,
    page_count,
    pin_end,
    read_call_log_pages,
    split_filters,
    url_bytes,
)
from dialstats.api._runner import run_sync
from dialstats.api._wire import BackgroundParser, flatten_bodies
from dialstats.errors import (
    IncompleteReadError,
    IncompleteReadWarning,
    InvalidParameterError,
)
from dialstats.frame import check_dtype_backend, check_tz, flat_to_frame, records_to_frame

T = TypeVar("T")


@dataclass(frozen=True)
class CallLogPage:
    """One page of GET /v1/call-log as a frame, with the API's pagination in any of its shapes.

    `total` and `pages` are the server's, or worked out from ``total`` and the page size when it
    sends no ``pages`` (the live API); when it sends only ``next``, they are what this page shows
    (a lower bound while `next` is not None). `limit` is the page size the server used.
    """

    frame: pd.DataFrame
    total: int
    page: int
    limit: int
    pages: int
    next: int | None = None
    server_time: pd.Timestamp | None = None  # the response's ``Date``: the server's clock


# The ``Date`` of the latest response in the running task: the response hook runs in the task
# that awaited the request, so a page read sees its own response's header, not a neighbour's.
_RESPONSE_DATE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "dialstats_response_date", default=None
)


async def _note_date(response: httpx.Response) -> None:
    _RESPONSE_DATE.set(response.headers.get("date"))


def _http_date(value: str | None) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(email.utils.parsedate_to_datetime(value)).tz_convert("UTC")
    except (TypeError, ValueError):
        return None  # absent (an in-process app sends none) or not an HTTP date


class _Borrowed(httpx.AsyncBaseTransport):
    """A transport the client uses but does not own: closing a read does not close it."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        pass


def _in_jupyter() -> bool:
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _tqdm_class() -> Any:
    """The notebook widget bar in Jupyter when ipywidgets is there, else the text bar."""
    if _in_jupyter() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm


def _interactive() -> bool:
    """A person is watching a bar that renders: a terminal, or Jupyter with its widget bar.

    Jupyter without ipywidgets gets no bar by default: a text bar there is left behind as
    stderr noise in every saved notebook.
    """
    if _in_jupyter():
        return importlib.util.find_spec("ipywidgets") is not None
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def _progress_bar(progress: bool | None, desc: str) -> Any:
    if progress is not None and not isinstance(progress, bool):
        raise InvalidParameterError(
            "progress", f"progress must be True, False or None, got {progress!r}"
        )
    tqdm = _tqdm_class()
    enabled = _interactive() if progress is None else progress
    return tqdm(desc=desc, unit=" calls", disable=not enabled, leave=False, dynamic_ncols=True)


class Client:
    """A client of the call-log API, over the network or any httpx transport.

    `dialstats.Client` is this class plus ``demo=True`` (the in-process sandbox); its docstring
    describes the settings, which are the same here.

    Parameters
    ----------
    api_key, base_url : str, optional
        The key and the API's address (default: ``SALESFINITY_API_KEY``,
        ``SALESFINITY_BASE_URL``, the vendor's URL).
    timeout, max_retries, backoff, max_concurrency, max_page_time
        The request settings, as `dialstats.Client` describes them.
    transport : httpx.AsyncBaseTransport, optional
        An httpx async transport to send requests through; borrowed, never closed.

    See Also
    --------
    dialstats.Client : This client plus ``demo=True``.

    Examples
    --------
    >>> import dialstats as ds
    >>> with ds.Client(demo=True) as client:
    ...     calls = client.read_call_logs(outcome="answered", max_records=50)
    >>> len(calls)
    50
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff: float = 0.5,
        max_concurrency: int = 4,
        max_page_time: float = 300.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        # In-process apps are reached without a network: the http:// rule does not apply.
        in_process = isinstance(transport, httpx.ASGITransport)
        self._settings = make_settings(
            resolve_base_url(base_url, check_scheme=not in_process),
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            max_concurrency=max_concurrency,
            max_page_time=max_page_time,
        )
        self._auth = ApiKeyAuth(resolve_api_key(api_key))
        self._transport = None if transport is None else _Borrowed(transport)
        self._counter = RequestCounter()
        self._dispositions: list[dict[str, Any]] | None = None
        self._ssl: ssl.SSLContext | None = None
        self._pool: tuple[asyncio.AbstractEventLoop, Session] | None = None
        self._closed = False

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def max_concurrency(self) -> int:
        """The most requests this client has in flight at once."""
        return self._settings.max_concurrency

    @property
    def request_count(self) -> int:
        """HTTP requests this client has sent (every endpoint, retries included)."""
        return self._counter.value

    def __repr__(self) -> str:
        name = f"{type(self).__module__}.{type(self).__qualname__}"
        return f"<{name} {self._where()} max_concurrency={self._settings.max_concurrency}>"

    def _where(self) -> str:
        """Where the requests go, as `repr` shows it."""
        return repr(self.base_url)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Forget cached reference data; the client cannot be used afterwards.

        Connections are pooled per read and closed when each read returns (see `pooled`). Leaving a
        ``with`` block closes the client.

        See Also
        --------
        pooled : One pool of connections for many reads.

        Examples
        --------
        >>> import dialstats as ds
        >>> client = ds.Client(demo=True)
        >>> client.close()
        >>> client.read_team()
        Traceback (most recent call last):
        ...
        RuntimeError: this Client is closed
        """
        self._closed = True
        self._dispositions = None

    @contextlib.contextmanager
    def pooled(self) -> Iterator[Client]:
        """Keep one pool of connections open for every request made inside the block.

        Outside it each read opens connections and closes them when it returns, so many one-page
        reads open a connection each. Inside it every read, from any thread, goes through one
        `httpx.AsyncClient` on one background event loop: connections are reused and at most
        `max_concurrency` requests are in flight in all. Nested blocks share the outer one's pool.

        Returns
        -------
        contextlib.AbstractContextManager of Client
            A context manager that yields this client.

        Raises
        ------
        RuntimeError
            The client is closed.

        See Also
        --------
        close : Forget cached reference data.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client, client.pooled():
        ...     pages = [client.read_call_log_page(p, limit=10) for p in (1, 2, 3)]
        >>> [len(page.frame) for page in pages]
        [10, 10, 10]
        """
        if self._pool is not None:
            yield self
            return
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="dialstats-pool", daemon=True)
        thread.start()
        opened = self._session()
        entered = False
        try:
            session = asyncio.run_coroutine_threadsafe(opened.__aenter__(), loop).result()
            entered = True
            self._pool = (loop, session)
            yield self
        finally:
            self._pool = None
            if entered:
                asyncio.run_coroutine_threadsafe(opened.__aexit__(None, None, None), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[Session]:
        if self._closed:
            raise RuntimeError("this Client is closed")
        if self._transport is None and self._ssl is None:
            self._ssl = _ssl_context()
        size = self._settings.max_concurrency
        async with httpx.AsyncClient(
            base_url=self.base_url,
            auth=self._auth,
            timeout=self._settings.timeout,
            transport=self._transport,
            verify=self._ssl or True,
            headers={"user-agent": USER_AGENT, "accept": "application/json"},
            limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
            event_hooks={"response": [_note_date]},
        ) as http:
            yield Session(http, self._settings, self._auth, self._counter)

    def _run(self, job: Callable[[Session], Coroutine[Any, Any, T]]) -> T:
        pool = self._pool
        if pool is not None:
            loop, session = pool
            future = asyncio.run_coroutine_threadsafe(job(session), loop)
            try:
                return future.result()
            except KeyboardInterrupt:
                future.cancel()
                raise

        async def main() -> T:
            async with self._session() as session:
                return await job(session)

        return run_sync(main())

    async def _cached_dispositions(self, session: Session) -> list[dict[str, Any]]:
        if self._dispositions is None:
            self._dispositions = await _endpoints.fetch_dispositions(session, {})
        return self._dispositions

    async def _with_dispositions(
        self, session: Session, work: Coroutine[Any, Any, T]
    ) -> tuple[T, list[dict[str, Any]]]:
        """`work`'s result and the dispositions, fetched (once per client) alongside it, not
        after it: a one-page read is a single round trip."""
        dispositions = asyncio.ensure_future(self._cached_dispositions(session))
        try:
            result = await work
        except BaseException:
            dispositions.cancel()
            await asyncio.gather(dispositions, return_exceptions=True)
            raise
        return result, await dispositions

    # -- the call log --------------------------------------------------------------------------

    def read_call_logs(
        self,
        *,
        sort: str | None = None,
        limit: int = 100,
        max_records: int | None = None,
        tz: str = "UTC",
        dtype_backend: str = "numpy_nullable",
        progress: bool | None = None,
        on_incomplete: str = "raise",
        **filters: Any,
    ) -> pd.DataFrame:
        """Read every call log matching `filters` into one typed frame.

        The module-level `dialstats.read_call_logs` is this method on a client made for one read;
        its ``cache=`` is the module-level reader's (or use `dialstats.CallLogStore` directly).

        What it returns: the calls created up to the moment the read started (``end_date`` is
        pinned there) that match `filters`, each once, as one *consistent* pass over the pages saw
        them: every page reported the same total, no page held more rows than its size or that
        total, no id came on two pages, exactly that many distinct ids arrived, and no page said
        more follow the last. An inconsistent pass (calls deleted, back-dated or moved across a
        filter while it ran) is thrown away and the range read again; after three,
        `IncompleteReadError` says whether the data kept changing or the server's totals do not
        match its pages. Changes that leave every count the same at one instant cannot be seen in
        paged answers. Id lists whose URL would pass 8 KB are read in several parts.

        Parameters
        ----------
        sort : str, optional
            The API's sort (``"-duration"``, ``"createdAt"``; ``-`` = descending). Default: oldest
            ``created_at`` first, ties by ``id``; the frame's rows follow this order.
        limit : int, default 100
            Page size, 1 to 100.
        max_records : int, optional
            Stop after this many rows (the first ones in `sort` order).
        tz : str, default "UTC"
            Time zone of the timestamp columns (they are tz-aware).
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.
        progress : bool, optional
            A progress bar for reads of more than one page; None (default) shows it when stderr
            is a terminal or in Jupyter.
        on_incomplete : {"raise", "warn"}, default "raise"
            What to do if no pass over the pages was consistent: raise `IncompleteReadError`, or
            warn and return what the last pass read.
        **filters
            The API's filters, as `dialstats.read_call_logs` lists them (``start_date``,
            ``outcome``, ``user_ids``, ...).

        Returns
        -------
        pandas.DataFrame
            Every column of the call-log schema, even when empty, then any other field the API
            sends; one row per call.

        Raises
        ------
        InvalidParameterError
            A filter or setting is not valid (before any request is sent).
        IncompleteReadError
            No pass over the pages was consistent and ``on_incomplete="raise"``.

        See Also
        --------
        read_call_log_page : One page, one request.
        read_call_log : One call log by its id.
        dialstats.CallLogStore.read : The same read from a local copy.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     len(client.read_call_logs(disposition_ids=[1], max_records=5))
        5
        """
        normalized = normalize_filters(filters)
        sort, limit = check_sort(sort), check_limit(limit)
        max_records, tz = check_max_records(max_records), check_tz(tz)
        dtype_backend = check_dtype_backend(dtype_backend)
        on_incomplete = check_on_incomplete(on_incomplete)
        bar = _progress_bar(progress, "call logs")
        pinned = pin_end(normalized)
        parts = split_filters(pinned, self.base_url, sort=sort, limit=limit)
        parsers = [BackgroundParser() for _ in parts]

        async def job(session: Session) -> tuple[list[CallLogRead], list[dict[str, Any]]]:
            async def every_part() -> list[CallLogRead]:
                return [
                    await read_call_log_pages(
                        session,
                        part,
                        sort=sort,
                        limit=limit,
                        max_records=max_records,
                        progress=bar,
                        sink=parser,
                    )
                    for part, parser in zip(parts, parsers, strict=True)
                ]

            return await self._with_dispositions(session, every_part())

        try:
            reads, dispositions = self._run(job)
            for read in reads:
                if not read.complete:
                    _incomplete(read, on_incomplete)
            flat = concat_flat([parser.table() for parser in parsers])
        finally:
            bar.close()
            for parser in parsers:
                parser.close()
        frame = flat_to_frame(flat, dispositions, tz=tz, dtype_backend=dtype_backend, sort=sort)
        return frame if max_records is None else frame.head(max_records)

    def read_call_log_page(
        self,
        page: int = 1,
        *,
        limit: int = 100,
        sort: str = "-createdAt",
        tz: str = "UTC",
        dtype_backend: str = "numpy_nullable",
        **filters: Any,
    ) -> CallLogPage:
        """Read one page of the call log (one request, with retries), rows in the API's order.

        Parameters
        ----------
        page : int, default 1
            The page number, from 1.
        limit : int, default 100
            Page size, 1 to 100.
        sort : str, default "-createdAt"
            The API's sort (``-`` = descending).
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.
        **filters
            The API's filters, as for `read_call_logs`.

        Returns
        -------
        CallLogPage
            The page's ``frame`` (the columns and dtypes of `read_call_logs`), with ``total``,
            ``page``, ``limit``, ``pages``, ``next`` and ``server_time`` (the response's ``Date``).

        Raises
        ------
        InvalidParameterError
            A filter or setting is not valid, or the filters make a request URL too long for one
            page (`read_call_logs` splits long id lists into several reads).

        See Also
        --------
        read_call_logs : Every page, as one consistent read.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     first = client.read_call_log_page(1, limit=10, sort="createdAt")
        >>> len(first.frame), first.page, first.limit
        (10, 1, 10)
        """
        normalized = normalize_filters(filters)
        page, limit, sort = check_page(page), check_limit(limit), check_sort(sort)
        tz, dtype_backend = check_tz(tz), check_dtype_backend(dtype_backend)
        params = call_log_params(normalized, sort=sort, limit=limit)
        size = url_bytes(self.base_url, params)
        if size > MAX_URL_BYTES:
            raise InvalidParameterError(
                "filters",
                f"these filters make a request URL of {size:,} bytes, above {MAX_URL_BYTES:,}: "
                "read_call_logs splits long id lists into several reads, one page cannot",
            )

        async def job(session: Session) -> tuple[Any, list[dict[str, Any]], str | None]:
            fetched, dispositions = await self._with_dispositions(
                session, fetch_call_log_page(session, params, page)
            )
            return fetched, dispositions, _RESPONSE_DATE.get()

        (_, body, info), dispositions, date = self._run(job)
        paging = page_count(info, limit, page)
        total, pages = paging.total, paging.pages
        if total is None:  # only `next` given: what this page shows
            total = (page - 1) * paging.size + len(info) + (paging.size if paging.next else 0)
            pages = page + (1 if paging.next else 0)
        frame = bodies_to_frame(
            [body], dispositions, tz=tz, dtype_backend=dtype_backend, sort=sort, reorder=False
        )
        return CallLogPage(
            frame, total, page, paging.size, pages or 0, paging.next, _http_date(date)
        )

    def read_call_log(
        self,
        call_log_id: str,
        *,
        tz: str = "UTC",
        dtype_backend: str = "numpy_nullable",
    ) -> pd.DataFrame:
        """Read one call log by its id (GET /v1/call-log/{id}).

        Parameters
        ----------
        call_log_id : str
            The call's id.
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

        Returns
        -------
        pandas.DataFrame
            A one-row frame with the columns and dtypes of `read_call_logs`.

        Raises
        ------
        NotFoundError
            No call log has that id (the error names it).
        InvalidParameterError
            `call_log_id` is not a non-empty string without surrounding blanks.

        See Also
        --------
        read_call_logs : Every call log matching filters.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     first = client.read_call_logs(max_records=1)
        ...     one = client.read_call_log(first["id"].iloc[0])
        >>> one["id"].tolist() == first["id"].tolist()
        True
        """
        call_log_id = _record_id("call_log_id", call_log_id)
        options = _options(tz, dtype_backend)

        async def job(session: Session) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            record = _endpoints.fetch_call_log(session, call_log_id)
            return await self._with_dispositions(session, record)

        record, dispositions = self._run(job)
        return records_to_frame([record], dispositions, **options)

    # -- reference data and analytics ----------------------------------------------------------

    def read_dispositions(
        self,
        *,
        tz: str = "UTC",
        dtype_backend: str = "numpy_nullable",
        **params: Any,
    ) -> pd.DataFrame:
        """Read the team's dispositions.

        ``is_custom=`` (bool) and ``category=`` filter them.

        Parameters
        ----------
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.
        **params
            ``is_custom`` (bool) and ``category`` filter the dispositions.

        Returns
        -------
        pandas.DataFrame
            ``id`` (as call logs use it), ``name``, ``category``, ...

        Raises
        ------
        InvalidParameterError
            A filter is not one the endpoint takes, or its value is not valid.

        See Also
        --------
        dialstats.read_dispositions : The same read with a client made for it.
        read_call_logs : Call logs, whose ``disposition_id`` is this ``id``.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     client.read_dispositions(category="positive")["name"].iloc[0]
        'Answered - Meeting Set'
        """
        options = _options(tz, dtype_backend)
        query = normalize_disposition_params(params)
        items = self._run(lambda s: _endpoints.fetch_dispositions(s, query))
        return _endpoints.dispositions_frame(items, **options)

    def read_sequences(
        self, *, tz: str = "UTC", dtype_backend: str = "numpy_nullable"
    ) -> pd.DataFrame:
        """Read the team's sequences, with their call counts and first and last use.

        Parameters
        ----------
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

        Returns
        -------
        pandas.DataFrame
            ``id``, ``name``, ``total_calls``, ``first_used_at``, ``last_used_at``.

        See Also
        --------
        dialstats.read_sequences : The same read with a client made for it.
        read_contact_lists : The team's contact lists.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     client.read_sequences().columns.tolist()[:3]
        ['id', 'name', 'total_calls']
        """
        options = _options(tz, dtype_backend)
        return _endpoints.sequences_frame(self._run(_endpoints.fetch_sequences), **options)

    def read_contact_lists(
        self,
        *,
        search: str | None = None,
        sort: str | None = None,
        tz: str = "UTC",
        dtype_backend: str = "numpy_nullable",
    ) -> pd.DataFrame:
        """Read every contact list (all pages).

        Read from GET /v1/contact-lists/csv, as the live API lists them, or GET /v1/contact-lists on
        a server that has only that. The lists come as the server orders them unless `sort` says
        otherwise.

        Parameters
        ----------
        search : str, optional
            Matches the lists' names.
        sort : str, optional
            Fields to order by (``"name"``, ``"-_id"``, several comma-separated; ``-`` =
            descending), applied here, after every page has arrived: the live listing
            (``/v1/contact-lists/csv``) takes no ``sort`` parameter, and sorting locally gives one
            order whichever path answered. Only fields the server sent can order the lists: the
            live listing sends ``_id`` and ``name`` (and the owner), the documented one
            ``total_contacts``, ``source`` and ``createdAt`` too.
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

        Returns
        -------
        pandas.DataFrame
            ``id``, ``name``, ``source``, ``total_contacts``, ``created_at``, the owner's
            ``user_id``/``user_email``/``user_first_name``/``user_last_name``/``user_name`` (NA when
            the API sends only the owner's id), then every other field.

        Raises
        ------
        InvalidParameterError
            `search` or `sort` is not valid, or the server sent no field that `sort` names (the
            live listing has no ``total_contacts``, ``source``, ``createdAt`` or ``updatedAt``).

        See Also
        --------
        dialstats.read_contact_lists : The same read with a client made for it.
        read_sequences : The team's sequences.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     client.read_contact_lists(sort="name")["name"].iloc[0]
        'Closed Lost - Re-engage'
        """
        options, search = _options(tz, dtype_backend), check_search(search)
        sort = check_sort(sort, fields=CONTACT_LIST_SORT_FIELDS)
        query = encode_params({} if search is None else {"search": search})
        items = self._run(lambda s: _endpoints.fetch_contact_lists(s, query))
        frame = _endpoints.contact_lists_frame(items, **options)
        return frame if sort is None else _sorted(frame, sort, _sent_fields(items))

    def read_team(self, *, tz: str = "UTC", dtype_backend: str = "numpy_nullable") -> pd.DataFrame:
        """Read the team: one row per member, with the team's id and name.

        Parameters
        ----------
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

        Returns
        -------
        pandas.DataFrame
            ``team_id``, ``team_name``, ``user_*``, ``status``, ``license``.

        See Also
        --------
        dialstats.read_team : The same read with a client made for it.
        read_call_logs : Call logs, whose ``user_id`` is a member's.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     client.read_team()["team_name"].nunique()
        1
        """
        options = _options(tz, dtype_backend)
        return _endpoints.team_frame(self._run(_endpoints.fetch_team), **options)

    def read_analytics(
        self,
        name: str,
        *,
        tz: str = "UTC",
        dtype_backend: str = "numpy_nullable",
        **params: Any,
    ) -> pd.DataFrame:
        """Read the vendor's own analytics as a tidy frame (all pages).

        Parameters
        ----------
        name : {"overview", "sdr-performance", "list-performance"}
            The report: ``"overview"`` (one row per metric), ``"sdr-performance"`` (one row per rep)
            or ``"list-performance"`` (one row per contact list); underscores for dashes and any
            case are read the same.
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.
        **params
            ``start_date`` and ``end_date`` (both required, as the API requires them), ``user_ids``,
            ``disposition_ids``, ``timezone`` (IANA name the days are counted in), and ``search``
            for the two performance reports.

        Returns
        -------
        pandas.DataFrame
            The overview: ``metric``, ``value``, ``growth``; a performance report: a row per rep or
            per contact list.

        Raises
        ------
        InvalidParameterError
            `name` is unknown, ``start_date`` or ``end_date`` is left out, ``search`` is given for
            the overview, or a value is not valid: before any request.

        See Also
        --------
        dialstats.read_analytics : The same read with a client made for it.
        dialstats.overview : The same figures computed from the call logs.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     overview = client.read_analytics(
        ...         "overview", start_date="2026-09-01", end_date="2026-09-30"
        ...     )
        >>> overview["metric"].iloc[0]
        'total_calls'
        """
        options = _options(tz, dtype_backend)
        name = _analytics_name(name)
        query = normalize_analytics_params(params)
        if name == "overview" and "search" in query:
            raise InvalidParameterError("search", "search applies to the performance reports only")
        for required in ("start_date", "end_date"):
            if required not in query:
                raise InvalidParameterError(
                    required,
                    f"{required}: the analytics endpoints require both start_date and end_date "
                    "(e.g. start_date='2026-09-01', end_date='2026-09-30')",
                )
        body = self._run(lambda s: _endpoints.fetch_analytics(s, name, query))
        if name == "overview":
            return _endpoints.overview_frame(body, **options)
        return _endpoints.performance_frame(name, body, **options)

    # -- scored calls, follow-ups, custom fields, snoozed contacts -----------------------------

    def read_scored_calls(
        self,
        *,
        tz: str = "UTC",
        dtype_backend: str = "numpy_nullable",
        **params: Any,
    ) -> pd.DataFrame:
        """Read the AI-scored calls (GET /v1/scored-calls, all pages).

        Parameters
        ----------
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.
        **params
            All optional: ``start_date``, ``end_date`` (as for `read_call_logs`), ``min_score`` and
            ``max_score`` (numbers from 0 to 100, min <= max), ``user_id`` (one rep).

        Returns
        -------
        pandas.DataFrame
            ``id``, ``score``, the rep's
            ``user_id``/``user_email``/``user_first_name``/``user_last_name``/``user_name``,
            ``created_at``, ``updated_at``, then every other field the API sends.

        Raises
        ------
        InvalidParameterError
            A value is not valid: before any request.

        See Also
        --------
        dialstats.read_scored_calls : The same read with a client made for it.
        read_call_logs : The calls themselves.
        read_scored_call : One scored call by its id.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     client.read_scored_calls(start_date="2026-09-01", min_score=80).columns.tolist()[:2]
        ['id', 'score']
        """
        options = _options(tz, dtype_backend)
        query = encode_params(normalize_scored_call_params(params))
        items = self._run(lambda s: _endpoints.fetch_paged(s, "/v1/scored-calls", query))
        return _endpoints.scored_calls_frame(items, **options)

    def read_scored_call(
        self,
        scored_call_id: str,
        *,
        tz: str = "UTC",
        dtype_backend: str = "numpy_nullable",
    ) -> pd.DataFrame:
        """Read one scored call by its id (GET /v1/scored-calls/{id}).

        Parameters
        ----------
        scored_call_id : str
            The scored call's id.
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

        Returns
        -------
        pandas.DataFrame
            A one-row frame with the columns of `read_scored_calls`.

        Raises
        ------
        NotFoundError
            No scored call has that id (the error names it).
        InvalidParameterError
            `scored_call_id` is not a non-empty string without surrounding blanks.

        See Also
        --------
        read_scored_calls : Every scored call, all pages.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     best = client.read_scored_calls(min_score=80)
        ...     one = client.read_scored_call(best["id"].iloc[0])
        >>> one["id"].tolist() == best["id"].tolist()[:1]
        True
        """
        scored_call_id = _record_id("scored_call_id", scored_call_id)
        options = _options(tz, dtype_backend)
        item = self._run(lambda s: _endpoints.fetch_scored_call(s, scored_call_id))
        return _endpoints.scored_calls_frame([item], **options)

    def read_follow_ups(
        self, *, tz: str = "UTC", dtype_backend: str = "numpy_nullable"
    ) -> pd.DataFrame:
        """Read the follow-up tasks (GET /v1/follow-up, all pages).

        Parameters
        ----------
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

        Returns
        -------
        pandas.DataFrame
            ``id``, the rep's ``user_*`` columns, ``created_at``, ``updated_at``, then every other
            field the API sends.

        See Also
        --------
        dialstats.read_follow_ups : The same read with a client made for it.
        read_snoozed_contacts : Snoozed contacts.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     client.read_follow_ups().columns.tolist()[:2]
        ['id', 'user_id']
        """
        options = _options(tz, dtype_backend)
        items = self._run(lambda s: _endpoints.fetch_paged(s, "/v1/follow-up"))
        return _endpoints.follow_ups_frame(items, **options)

    def read_custom_fields(
        self, *, tz: str = "UTC", dtype_backend: str = "numpy_nullable"
    ) -> pd.DataFrame:
        """Read the team's custom contact fields (GET /v1/custom-fields).

        Parameters
        ----------
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

        Returns
        -------
        pandas.DataFrame
            ``id``, ``label``, ``type``, ``created_at``, ``updated_at``, then every other field the
            API sends.

        See Also
        --------
        dialstats.read_custom_fields : The same read with a client made for it.
        read_contact_lists : The contact lists.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     client.read_custom_fields().columns.tolist()[:3]
        ['id', 'label', 'type']
        """
        options = _options(tz, dtype_backend)
        items = self._run(_endpoints.fetch_custom_fields)
        return _endpoints.custom_fields_frame(items, **options)

    def read_snoozed_contacts(
        self, *, tz: str = "UTC", dtype_backend: str = "numpy_nullable"
    ) -> pd.DataFrame:
        """Read the snoozed contacts (GET /v1/snoozed-contacts, all pages).

        Parameters
        ----------
        tz : str, default "UTC"
            Time zone of the timestamp columns.
        dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
            Pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

        Returns
        -------
        pandas.DataFrame
            ``id``, the ``user_*`` columns, ``created_at``, ``updated_at``, then every other field
            the API sends.

        See Also
        --------
        dialstats.read_snoozed_contacts : The same read with a client made for it.
        read_follow_ups : Follow-up tasks.

        Examples
        --------
        >>> import dialstats as ds
        >>> with ds.Client(demo=True) as client:
        ...     client.read_snoozed_contacts().columns.tolist()[:2]
        ['id', 'user_id']
        """
        options = _options(tz, dtype_backend)
        items = self._run(lambda s: _endpoints.fetch_paged(s, "/v1/snoozed-contacts"))
        return _endpoints.snoozed_contacts_frame(items, **options)


def bodies_to_frame(
    bodies: Sequence[bytes],
    dispositions: Any,
    *,
    tz: str = "UTC",
    dtype_backend: str = "numpy_nullable",
    sort: str | None = None,
    reorder: bool = True,
) -> pd.DataFrame:
    """GET /v1/call-log response bodies -> frame: the wire's records (`flatten_bodies`) as
    `~dialstats.frame.flat_to_frame` types them, de-duplicated and sorted (see there)."""
    return flat_to_frame(
        flatten_bodies(bodies),
        dispositions,
        tz=tz,
        dtype_backend=dtype_backend,
        sort=sort,
        reorder=reorder,
    )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for the process: loading the CA certificates takes ~25 ms, and a context
    holds no per-connection state, so every Client can share it."""
    return httpx.create_ssl_context()


def _sent_fields(items: list) -> set[str]:
    """The fields (API names) that at least one of the server's items carries."""
    return {key for item in items if isinstance(item, dict) for key in item}


def _sorted(frame: pd.DataFrame, sort: str, sent: set[str]) -> pd.DataFrame:
    """`frame` in the API's `sort` order (fields by their API names, ``-`` = descending); a
    field no item carried is refused, since its column (kept by the schema) is all NA and the
    frame would come back in the server's order as if sorted. No lists: nothing to sort."""
    if not len(frame):
        return frame
    fields = [key.lstrip("-") for key in sort.split(",")]
    missing = [field for field in fields if field not in sent]
    if missing:
        usable = [field for field in CONTACT_LIST_SORT_FIELDS if field in sent]
        raise InvalidParameterError(
            "sort",
            f"sort: the server sent no {' or '.join(repr(f) for f in missing)} with the lists "
            "to sort them by (the live listing, GET /v1/contact-lists/csv, sends only their "
            f"ids, names and owners); sort by {' or '.join(repr(f) for f in usable) or 'none'}",
        )
    keys = [
        (column_name(field), not key.startswith("-"))
        for field, key in zip(fields, sort.split(","), strict=True)
    ]
    columns, ascending = zip(*keys, strict=True)
    ordered = frame.sort_values(list(columns), ascending=list(ascending), kind="stable")
    return ordered.reset_index(drop=True)


def _options(tz: Any, dtype_backend: Any) -> dict[str, str]:
    return {"tz": check_tz(tz), "dtype_backend": check_dtype_backend(dtype_backend)}


def _record_id(name: str, value: Any) -> str:
    """A record id for a path: a non-empty string without surrounding blanks."""
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise InvalidParameterError(
            name, f"{name}: expected a record id such as '65a1f0c2e4b0a1b2c3d4e5f6', got {value!r}"
        )
    return value


def _analytics_name(name: Any) -> str:
    key = name.replace("_", "-").lower() if isinstance(name, str) else name
    if key not in ANALYTICS:
        raise InvalidParameterError(
            "name",
            f"unknown analytics {name!r}; one of {', '.join(map(repr, ANALYTICS))}",
        )
    return key


def _incomplete(read: CallLogRead, on_incomplete: str) -> None:
    if read.changing:
        why = (
            f"the matching calls kept changing during {read.passes} passes over the pages "
            f"(last: {read.problem}). Read again, or narrow the range (e.g. an end_date in "
            "the past)"
        )
    else:
        why = (
            f"the server's pagination does not match its pages ({read.problem}, on "
            f"{read.passes} passes): its totals cannot be trusted for this range"
        )
    message = f"read {read.received:,} call logs but the API reports {read.expected:,}: {why}"
    if on_incomplete == "raise":
        raise IncompleteReadError(
            message + "; on_incomplete='warn' returns what the last pass read.",
            expected=read.expected,
            received=read.received,
        )
    warnings.warn(message + ".", IncompleteReadWarning, stacklevel=3)


# `Client` says it is from dialstats.api, where doctest finds its docstring but not its
# methods' (they are this module's functions): point it here for those.
__test__ = {"Client": Client}

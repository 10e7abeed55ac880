"""The module-level readers: ``ds.read_call_logs(...)`` and friends.

Each makes a `Client` for one call (``api_key``/``base_url`` or the environment, or
``demo=True``) and returns its method's result; use a `Client` to read several times with one
configuration and one cached copy of the dispositions. They sit above both the API client and
the local store: ``read_call_logs(cache=...)`` syncs a store with the client and reads from it,
so neither of those needs to know about the other's caller.

`read_call_logs` is written out (its cache and its hints about names); the other readers are
each one `Client` method, made by `_reader` with that method's own keywords.
"""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from dialstats._demo import Client
from dialstats.api import ID_FILTERS, name_like_ids
from dialstats.errors import DialstatsError
from dialstats.store import cached_read_call_logs


def read_call_logs(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    demo: bool = False,
    sort: str | None = None,
    limit: int = 100,
    max_records: int | None = None,
    tz: str = "UTC",
    dtype_backend: str = "numpy_nullable",
    progress: bool | None = None,
    on_incomplete: str = "raise",
    cache: bool | str | os.PathLike[str] = False,
    **filters: Any,
) -> pd.DataFrame:
    """Read every call log matching `filters` into one typed DataFrame.

    What a read returns: the calls created up to the moment it started (``end_date`` is capped
    there; later calls are left for the next read) that match the filters, each once, as one
    consistent pass over the pages saw them (every page the same total, that many distinct ids,
    no id on two pages). A pass that is not consistent (calls deleted or moved across a filter
    while it ran) is read again, never merged with others, so deleted calls do not come back;
    after three such passes the read raises `~dialstats.errors.IncompleteReadError` saying what
    was inconsistent. Pages are fetched concurrently, with retries; long id lists are split.

    Makes a `dialstats.Client` for this one call; use a client to read several times with one
    configuration and one cached copy of the dispositions.

    Parameters
    ----------
    api_key, base_url : str, optional
        The key and API address (default: ``SALESFINITY_API_KEY``, ``SALESFINITY_BASE_URL``,
        the vendor's URL).
    demo : bool, default False
        Read the bundled demo data from the in-process sandbox (no key, no network).
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
        ``"numpy_nullable"`` (pandas nullable dtypes) or ``"pyarrow"`` (``pd.ArrowDtype``
        columns).
    progress : bool, optional
        A progress bar for reads of more than one page; None (default) shows it when stderr is
        a terminal or in Jupyter.
    on_incomplete : {"raise", "warn"}, default "raise"
        What to do if no pass over the pages was consistent (the data kept changing, or the
        server's totals do not match its pages): ``"raise"``
        `~dialstats.errors.IncompleteReadError` or ``"warn"`` and return what the last pass
        read.
    cache : bool or path-like, default False
        True keeps a local store (`dialstats.CallLogStore`) in the user cache directory, syncs
        only what changed since the last read, and reads from it; a path names the store
        instead. False reads from the API every time.
    **filters
        All optional, the API's own names: ``start_date``, ``end_date`` (str, date, datetime or
        Timestamp; naive means UTC; a bare-date ``end_date`` covers that whole day; they filter
        on ``createdAt``), ``outcome`` ("answered", "no-answer", "cancelled"), ``direction``
        ("inbound", "outbound"), ``answered_by`` (Twilio's: "human", "machine_start",
        "machine_end_beep", "machine_end_silence", "machine_end_other", "fax", "unknown"),
        ``min_duration`` and ``max_duration`` (seconds), ``has_recording``, ``is_completed`` and
        ``exclude_negative_dispositions`` (bools), ``disposition_ids``, ``user_ids``,
        ``contact_list_ids``, ``sequences``, ``from`` (spell it ``from_``) and ``to`` (a value
        or any iterable of values), ``search`` (text). ``user_ids``, ``contact_list_ids`` and
        ``sequences`` take ids, not names: when a read matches no calls and one of their values
        looks like a name (``user_ids="Maya Patel"``), a `UserWarning` says so, with the id of
        that name when the team, list or sequence endpoint knows it.

    Returns
    -------
    pandas.DataFrame
        Every column of the call-log schema (``dialstats.frame._schema``), even when empty,
        then any other field the API sends (list fields such as ``contact_phone_numbers`` as
        Arrow-backed list columns).

    Raises
    ------
    InvalidParameterError
        A bad filter or setting, before any request is sent.
    IncompleteReadError
        No pass over the pages was consistent and ``on_incomplete="raise"``.

    Warns
    -----
    UserWarning
        The read matched no calls and an id filter's value looks like a name.

    See Also
    --------
    Client.read_call_logs : The same read on a client.
    CallLogStore.read : The same read from a local store.
    Client.read_call_log_page : One page, one request.

    Examples
    --------
    >>> import dialstats as ds
    >>> calls = ds.read_call_logs(demo=True, outcome="answered", start_date="2026-09-01")
    >>> calls["outcome"].unique().tolist()
    ['answered']
    >>> calls.columns.tolist()[:4]
    ['id', 'call_id', 'started_at', 'ended_at']
    """
    with Client(api_key, base_url=base_url, demo=demo) as client:
        if cache is not False:
            frame = cached_read_call_logs(
                cache,
                client,
                sort=sort,
                limit=limit,
                max_records=max_records,
                tz=tz,
                dtype_backend=dtype_backend,
                progress=progress,
                on_incomplete=on_incomplete,
                **filters,
            )
        else:
            frame = client.read_call_logs(
                sort=sort,
                limit=limit,
                max_records=max_records,
                tz=tz,
                dtype_backend=dtype_backend,
                progress=progress,
                on_incomplete=on_incomplete,
                **filters,
            )
        if frame.empty:
            _warn_of_names(client, filters)
        return frame


def _warn_of_names(client: Client, filters: dict[str, Any]) -> None:
    """Warn about each value of an id filter that looks like a name, after a read found nothing."""
    for name, value in name_like_ids(filters):
        warnings.warn(_name_hint(client, name, value), UserWarning, stacklevel=3)


def _name_hint(client: Client, name: str, value: str) -> str:
    column, lister = ID_FILTERS[name]
    ids, found, spelled = _ids_named(client, name, value)
    text = f"{name}={value!r} matched no calls; it looks like a name \u2014 {name} takes ids"
    if found:
        shown = found[0] if len(found) == 1 else found
        text += f"; {value!r} is {name}={shown!r}"
    elif ids:
        text += f" such as {ids[0]!r} (ds.{lister}() lists them)"
    else:
        text += f" (ds.{lister}() lists them)"
    return text + f"; to filter by name use df[df.{column} == {spelled or repr(value)}]"


def _ids_named(client: Client, name: str, value: str) -> tuple[list[str], list[str], str | None]:
    """(an id of the filter's kind, the ids of what is called `value`, its name as the endpoint
    spells it), from the endpoint that lists them; nothing if it cannot be read."""
    try:
        if name == "user_ids":
            table = client.read_team()
            ids, names = table["user_id"], [table["user_name"], table["user_email"]]
        elif name == "contact_list_ids":
            table = client.read_contact_lists()
            ids, names = table["id"], [table["name"]]
        else:
            table = client.read_sequences()
            ids, names = table["id"], [table["name"]]
    except (DialstatsError, KeyError):
        return [], [], None
    wanted = " ".join(value.split()).casefold()
    matched = pd.Series(False, index=table.index)
    for column in names:
        folded = column.astype("string").str.split().str.join(" ").str.casefold()
        matched |= (folded == wanted).fillna(False).astype(bool)
    known = ids.dropna().astype(str)
    hits = matched.reindex(known.index)
    found = list(dict.fromkeys(known[hits].tolist()))
    spelled = names[0][hits.reindex(table.index, fill_value=False)].dropna()
    return known.tolist()[:1], found, repr(str(spelled.iloc[0])) if len(spelled) else None


# -- the thin readers: one Client method each ---------------------------------------------------

_CONNECTION = tuple(
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
    for name, default, annotation in (
        ("api_key", None, "str | None"),
        ("base_url", None, "str | None"),
        ("demo", False, "bool"),
    )
)
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _reader(method: str, doc: str) -> Callable[..., pd.DataFrame]:
    """The module-level reader `method`: ``Client.<method>`` on a client made for one call.

    Its signature is the method's with the connection keywords (`_CONNECTION`) after the
    positional arguments, so `help()` and `inspect.signature` show every keyword; arguments
    are checked against it before a client is made.
    """
    own = list(inspect.signature(getattr(Client, method)).parameters.values())[1:]  # no self
    positional = [p for p in own if p.kind in _POSITIONAL]
    signature = inspect.Signature(
        [*positional, *_CONNECTION, *own[len(positional) :]], return_annotation="pd.DataFrame"
    )

    def reader(*args: Any, **kwargs: Any) -> pd.DataFrame:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:  # named as the reader, not as the Client method
            raise TypeError(f"{method}() {exc}") from None
        api_key, base_url, demo = (bound.arguments.pop(p.name, p.default) for p in _CONNECTION)
        with Client(api_key, base_url=base_url, demo=demo) as client:
            return getattr(client, method)(*bound.args, **bound.kwargs)

    reader.__name__ = reader.__qualname__ = method
    reader.__doc__ = doc
    reader.__signature__ = signature  # type: ignore[attr-defined]
    reader.__annotations__ = {
        **{p.name: p.annotation for p in signature.parameters.values()},
        "return": signature.return_annotation,
    }
    return reader


read_dispositions = _reader(
    "read_dispositions",
    """Read the team's dispositions.

    ``is_custom=`` (bool) and ``category=`` filter them.

    Makes a `dialstats.Client` for this one call; use a client to read several times with one
    configuration.

    Parameters
    ----------
    api_key : str, optional
        The API key (default: ``SALESFINITY_API_KEY``).
    base_url : str, optional
        The API's address (default: ``SALESFINITY_BASE_URL``, else the vendor's URL).
    demo : bool, default False
        Read the bundled demo data from the in-process sandbox (no key, no network).
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
    dialstats.Client.read_dispositions : The same read on a client.
    read_call_logs : Call logs, whose ``disposition_id`` is this ``id``.

    Examples
    --------
    >>> import dialstats as ds
    >>> ds.read_dispositions(demo=True, category="positive")["name"].iloc[0]
    'Answered - Meeting Set'
    """,
)

read_sequences = _reader(
    "read_sequences",
    """Read the team's sequences, with their call counts and first and last use.

    Makes a `dialstats.Client` for this one call; use a client to read several times with one
    configuration.

    Parameters
    ----------
    api_key : str, optional
        The API key (default: ``SALESFINITY_API_KEY``).
    base_url : str, optional
        The API's address (default: ``SALESFINITY_BASE_URL``, else the vendor's URL).
    demo : bool, default False
        Read the bundled demo data from the in-process sandbox (no key, no network).
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
    dialstats.Client.read_sequences : The same read on a client.
    read_contact_lists : The team's contact lists.

    Examples
    --------
    >>> import dialstats as ds
    >>> ds.read_sequences(demo=True).columns.tolist()[:3]
    ['id', 'name', 'total_calls']
    """,
)

read_contact_lists = _reader(
    "read_contact_lists",
    """Read every contact list (all pages).

    Read from GET /v1/contact-lists/csv, as the live API lists them, or GET /v1/contact-lists on
    a server that has only that. The lists come as the server orders them unless `sort` says
    otherwise.

    Makes a `dialstats.Client` for this one call; use a client to read several times with one
    configuration.

    Parameters
    ----------
    api_key : str, optional
        The API key (default: ``SALESFINITY_API_KEY``).
    base_url : str, optional
        The API's address (default: ``SALESFINITY_BASE_URL``, else the vendor's URL).
    demo : bool, default False
        Read the bundled demo data from the in-process sandbox (no key, no network).
    search : str, optional
        Matches the lists' names.
    sort : str, optional
        Fields to order by (``"name"``, ``"-total_contacts"``, several comma-separated; ``-`` =
        descending), applied here, after every page has arrived: the live listing
        (``/v1/contact-lists/csv``) takes no ``sort`` parameter, and sorting locally gives one
        order whichever path answered.
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
        `search` or `sort` is not valid, or the server sent no field `sort` names.

    See Also
    --------
    dialstats.Client.read_contact_lists : The same read on a client.
    read_sequences : The team's sequences.

    Examples
    --------
    >>> import dialstats as ds
    >>> ds.read_contact_lists(demo=True, sort="-total_contacts")["name"].iloc[0]
    'Webinar Attendees - September'
    """,
)

read_team = _reader(
    "read_team",
    """Read the team: one row per member, with the team's id and name.

    Makes a `dialstats.Client` for this one call; use a client to read several times with one
    configuration.

    Parameters
    ----------
    api_key : str, optional
        The API key (default: ``SALESFINITY_API_KEY``).
    base_url : str, optional
        The API's address (default: ``SALESFINITY_BASE_URL``, else the vendor's URL).
    demo : bool, default False
        Read the bundled demo data from the in-process sandbox (no key, no network).
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
    dialstats.Client.read_team : The same read on a client.
    read_call_logs : Call logs, whose ``user_id`` is a member's.

    Examples
    --------
    >>> import dialstats as ds
    >>> ds.read_team(demo=True)["team_name"].nunique()
    1
    """,
)

read_analytics = _reader(
    "read_analytics",
    """Read the vendor's own analytics as a tidy frame (all pages).

    Makes a `dialstats.Client` for this one call; use a client to read several times with one
    configuration.

    Parameters
    ----------
    name : {"overview", "sdr-performance", "list-performance"}
        The report: ``"overview"`` (one row per metric), ``"sdr-performance"`` (one row per rep)
        or ``"list-performance"`` (one row per contact list); underscores for dashes and any
        case are read the same.
    api_key : str, optional
        The API key (default: ``SALESFINITY_API_KEY``).
    base_url : str, optional
        The API's address (default: ``SALESFINITY_BASE_URL``, else the vendor's URL).
    demo : bool, default False
        Read the bundled demo data from the in-process sandbox (no key, no network).
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
    dialstats.Client.read_analytics : The same read on a client.
    dialstats.overview : The same figures computed from the call logs.

    Examples
    --------
    >>> import dialstats as ds
    >>> overview = ds.read_analytics(
    ...     "overview", demo=True, start_date="2026-09-01", end_date="2026-09-30"
    ... )
    >>> overview["metric"].iloc[0]
    'total_calls'
    """,
)

read_scored_calls = _reader(
    "read_scored_calls",
    """Read the AI-scored calls (GET /v1/scored-calls, all pages).

    Makes a `dialstats.Client` for this one call; use a client to read several times with one
    configuration.

    Parameters
    ----------
    api_key : str, optional
        The API key (default: ``SALESFINITY_API_KEY``).
    base_url : str, optional
        The API's address (default: ``SALESFINITY_BASE_URL``, else the vendor's URL).
    demo : bool, default False
        Read the bundled demo data from the in-process sandbox (no key, no network).
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
    dialstats.Client.read_scored_calls : The same read on a client.
    read_call_logs : The calls themselves.

    Examples
    --------
    >>> import dialstats as ds
    >>> ds.read_scored_calls(
    ...     demo=True, start_date="2026-09-01", min_score=80).columns.tolist(
    ... )[:2]
    ['id', 'score']
    """,
)

read_follow_ups = _reader(
    "read_follow_ups",
    """Read the follow-up tasks (GET /v1/follow-up, all pages).

    Makes a `dialstats.Client` for this one call; use a client to read several times with one
    configuration.

    Parameters
    ----------
    api_key : str, optional
        The API key (default: ``SALESFINITY_API_KEY``).
    base_url : str, optional
        The API's address (default: ``SALESFINITY_BASE_URL``, else the vendor's URL).
    demo : bool, default False
        Read the bundled demo data from the in-process sandbox (no key, no network).
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
    dialstats.Client.read_follow_ups : The same read on a client.
    read_snoozed_contacts : Snoozed contacts.

    Examples
    --------
    >>> import dialstats as ds
    >>> ds.read_follow_ups(demo=True).columns.tolist()[:2]
    ['id', 'user_id']
    """,
)

read_custom_fields = _reader(
    "read_custom_fields",
    """Read the team's custom contact fields (GET /v1/custom-fields).

    Makes a `dialstats.Client` for this one call; use a client to read several times with one
    configuration.

    Parameters
    ----------
    api_key : str, optional
        The API key (default: ``SALESFINITY_API_KEY``).
    base_url : str, optional
        The API's address (default: ``SALESFINITY_BASE_URL``, else the vendor's URL).
    demo : bool, default False
        Read the bundled demo data from the in-process sandbox (no key, no network).
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
    dialstats.Client.read_custom_fields : The same read on a client.
    read_contact_lists : The contact lists.

    Examples
    --------
    >>> import dialstats as ds
    >>> ds.read_custom_fields(demo=True).columns.tolist()[:3]
    ['id', 'label', 'type']
    """,
)

read_snoozed_contacts = _reader(
    "read_snoozed_contacts",
    """Read the snoozed contacts (GET /v1/snoozed-contacts, all pages).

    Makes a `dialstats.Client` for this one call; use a client to read several times with one
    configuration.

    Parameters
    ----------
    api_key : str, optional
        The API key (default: ``SALESFINITY_API_KEY``).
    base_url : str, optional
        The API's address (default: ``SALESFINITY_BASE_URL``, else the vendor's URL).
    demo : bool, default False
        Read the bundled demo data from the in-process sandbox (no key, no network).
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
    dialstats.Client.read_snoozed_contacts : The same read on a client.
    read_follow_ups : Follow-up tasks.

    Examples
    --------
    >>> import dialstats as ds
    >>> ds.read_snoozed_contacts(demo=True).columns.tolist()[:2]
    ['id', 'user_id']
    """,
)

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
import re
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


_MAKES = (
    "Makes a `dialstats.Client` for this one call; use a client to read several times with one\n"
    "configuration."
)
_CONNECTION_DOC = """api_key : str, optional
    The API key (default: ``SALESFINITY_API_KEY``).
base_url : str, optional
    The API's address (default: ``SALESFINITY_BASE_URL``, else the vendor's URL).
demo : bool, default False
    Read the bundled demo data from the in-process sandbox (no key, no network).
"""


def _reader_doc(method: str, positional: list[str], example: str) -> str:
    """The reader's docstring from ``Client.<method>``'s: one text for both, so they never
    drift apart. The parameters follow the reader's signature (positional ones, then the
    connection keywords, then the method's keywords)."""
    doc = inspect.cleandoc(getattr(Client, method).__doc__ or "")
    head, rest = doc.split("\nParameters\n----------\n", 1)
    parameters, tail = rest.split("\nReturns\n-------\n", 1)
    tail = tail.split("\nExamples\n--------\n", 1)[0]
    tail = tail.replace(
        f"dialstats.{method} : The same read with a client made for it.",
        f"dialstats.Client.{method} : The same read on a client.",
    )
    entries = re.split(r"\n(?=\S)", parameters.strip("\n"))
    first = [e for e in entries if e.split(" :")[0] in positional]
    others = [e for e in entries if e not in first]
    listed = "\n".join([*first, _CONNECTION_DOC.rstrip("\n"), *others])
    return (
        f"{head.rstrip()}\n\n{_MAKES}\n\nParameters\n----------\n{listed}\n\nReturns\n-------\n"
        f"{tail}\nExamples\n--------\n{inspect.cleandoc(example)}\n"
    )


def _reader(method: str, example: str) -> Callable[..., pd.DataFrame]:
    """The module-level reader `method`: ``Client.<method>`` on a client made for one call.

    Its signature is the method's with the connection keywords (`_CONNECTION`) after the
    positional arguments, so `help()` and `inspect.signature` show every keyword; arguments
    are checked against it before a client is made. Its docstring is the method's, with the
    connection keywords among the parameters and `example` (the reader's own) as Examples.
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
    reader.__doc__ = _reader_doc(method, [p.name for p in positional], example)
    reader.__signature__ = signature  # type: ignore[attr-defined]
    reader.__annotations__ = {
        **{p.name: p.annotation for p in signature.parameters.values()},
        "return": signature.return_annotation,
    }
    return reader


read_dispositions = _reader(
    "read_dispositions",
    """
    >>> import dialstats as ds
    >>> ds.read_dispositions(demo=True, category="positive")["name"].iloc[0]
    'Answered - Meeting Set'
    """,
)

read_sequences = _reader(
    "read_sequences",
    """
    >>> import dialstats as ds
    >>> ds.read_sequences(demo=True).columns.tolist()[:3]
    ['id', 'name', 'total_calls']
    """,
)

read_contact_lists = _reader(
    "read_contact_lists",
    """
    >>> import dialstats as ds
    >>> ds.read_contact_lists(demo=True, sort="name")["name"].iloc[0]
    'Closed Lost - Re-engage'
    """,
)

read_team = _reader(
    "read_team",
    """
    >>> import dialstats as ds
    >>> ds.read_team(demo=True)["team_name"].nunique()
    1
    """,
)

read_analytics = _reader(
    "read_analytics",
    """
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
    """
    >>> import dialstats as ds
    >>> ds.read_scored_calls(
    ...     demo=True, start_date="2026-09-01", min_score=80).columns.tolist(
    ... )[:2]
    ['id', 'score']
    """,
)

read_follow_ups = _reader(
    "read_follow_ups",
    """
    >>> import dialstats as ds
    >>> ds.read_follow_ups(demo=True).columns.tolist()[:2]
    ['id', 'user_id']
    """,
)

read_custom_fields = _reader(
    "read_custom_fields",
    """
    >>> import dialstats as ds
    >>> ds.read_custom_fields(demo=True).columns.tolist()[:3]
    ['id', 'label', 'type']
    """,
)

read_snoozed_contacts = _reader(
    "read_snoozed_contacts",
    """
    >>> import dialstats as ds
    >>> ds.read_snoozed_contacts(demo=True).columns.tolist()[:2]
    ['id', 'user_id']
    """,
)

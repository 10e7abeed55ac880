"""The exceptions and warnings dialstats raises.

Everything derives from `DialstatsError`, so ``except ds.errors.DialstatsError`` catches them all.
Bad arguments raise `InvalidParameterError`, which is also a `ValueError`, before any request is
sent. Errors never carry the API key: server-provided text is scrubbed before it is stored.

>>> import dialstats as ds
>>> try:
...     ds.read_call_logs(demo=True, outcome="picked-up")
... except ds.errors.InvalidParameterError as exc:
...     exc.parameter
'outcome'
"""

from __future__ import annotations

from collections.abc import Iterable

from dialstats._suggest import did_you_mean
from dialstats._vocabulary import COLUMN_SYNONYMS

__all__ = [
    "ApiConnectionError",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "BrowserMissingError",
    "DialstatsError",
    "FrameTypeError",
    "IncompleteReadError",
    "IncompleteReadWarning",
    "InvalidParameterError",
    "MissingApiKeyError",
    "MissingColumnError",
    "NotFoundError",
    "RateLimitedError",
    "ReportExecutionError",
    "ServerError",
    "StoreError",
    "StoreFilterError",
    "StoreLockedError",
]


class DialstatsError(Exception):
    """Base class of every dialstats error."""


class InvalidParameterError(DialstatsError, ValueError):
    """An argument is invalid; ``parameter`` names it. Raised before any request is sent."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class MissingApiKeyError(InvalidParameterError):
    """No API key was given and ``SALESFINITY_API_KEY`` is not set."""

    def __init__(self) -> None:
        super().__init__(
            "api_key",
            "no API key: pass api_key=... or set the SALESFINITY_API_KEY environment variable "
            "(or use demo=True to read the bundled demo data without a key)",
        )


class ApiError(DialstatsError):
    """The API answered with an error status. ``status_code`` and ``url`` say where."""

    def __init__(self, message: str, *, status_code: int | None = None, url: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.url = url


class BadRequestError(ApiError):
    """The API rejected a parameter (400); the message is the server's."""


class AuthenticationError(ApiError):
    """The API rejected the key (401 or 403)."""


class NotFoundError(ApiError):
    """The requested resource does not exist (404)."""


class RateLimitedError(ApiError):
    """Still rate limited (429) after every retry. ``retry_after`` is the server's last hint."""

    def __init__(self, message: str, *, retry_after: float | None = None, url: str = "") -> None:
        super().__init__(message, status_code=429, url=url)
        self.retry_after = retry_after


class ServerError(ApiError):
    """The server kept failing (5xx) after every retry."""


class ApiConnectionError(ApiError):
    """The server could not be reached, or kept dropping the connection or timing out."""


class IncompleteReadError(DialstatsError):
    """A paged read could not be completed consistently: rows are missing.

    ``expected`` is the number of records the API reported, ``received`` how many distinct
    records arrived.
    """

    def __init__(self, message: str, *, expected: int, received: int) -> None:
        super().__init__(message)
        self.expected = expected
        self.received = received


class MissingColumnError(InvalidParameterError):
    """The frame lacks a column the analysis needs.

    Raised before any work is done; the message suggests the closest column the frame has
    (or the call-log name of a common synonym, such as ``rep`` for ``user_name``).

    Parameters
    ----------
    column : str
        The column that is missing (also the ``column`` attribute).
    function : str
        The analysis that needs it (also the ``function`` attribute).
    columns : iterable, optional
        The frame's columns, to suggest the closest.

    Returns
    -------
    MissingColumnError
        An ``InvalidParameterError`` on ``df`` (so a ``ValueError`` too).

    Examples
    --------
    >>> import pandas as pd, dialstats as ds
    >>> try:
    ...     ds.answer_rates(pd.DataFrame({"outcome": []}))
    ... except ds.MissingColumnError as error:
    ...     error.column
    'answered_by'
    """

    def __init__(self, column: str, function: str, columns: Iterable[object] = ()) -> None:
        names = [name for name in columns if isinstance(name, str)]
        super().__init__(
            "df",
            f"{function}() needs column {column!r}, which the frame lacks"
            f"{did_you_mean(column, names, synonyms=COLUMN_SYNONYMS)}; "
            "a frame from dialstats.read_call_logs() has every call-log column",
        )
        self.column = column
        self.function = function


class FrameTypeError(InvalidParameterError, TypeError):
    """`df` is not a frame the analysis reads; a ``TypeError`` too.

    The message names the frame's type in full and how to convert it, for example a Polars
    frame given to an analysis that takes pandas only.

    Examples
    --------
    >>> import dialstats as ds
    >>> try:
    ...     ds.answer_rates([1, 2, 3])
    ... except ds.errors.FrameTypeError as error:
    ...     error.parameter, isinstance(error, TypeError)
    ('df', True)
    """


class StoreError(DialstatsError):
    """The store on disk cannot be used as asked (not a store, written by a newer version...)."""


class StoreFilterError(InvalidParameterError):
    """Filters that a store cannot answer: they differ from, or reach beyond, the store's own."""


class StoreLockedError(StoreError, TimeoutError):
    """Another process kept the store locked for longer than the timeout."""


class ReportExecutionError(DialstatsError, RuntimeError):
    """The report notebook failed to run; nothing was written.

    ``cell`` is the 1-based position of the failing cell in the notebook as the user wrote it,
    ``ename``/``evalue`` the exception's name and message.
    """

    def __init__(self, ename: str, evalue: str, *, cell: int | None = None, code: str = "") -> None:
        self.cell, self.ename, self.evalue = cell, ename, evalue
        first_line = next((line.strip() for line in code.splitlines() if line.strip()), "")
        if len(first_line) > 60:
            first_line = first_line[:57] + "..."
        where = f"cell {cell}" if cell is not None else "the notebook"
        if first_line:
            where += f" ({first_line})"
        super().__init__(f"{where} raised {ename}: {evalue}")


class BrowserMissingError(DialstatsError, RuntimeError):
    """No Chromium binary was found (the report's browser checks need one)."""


class IncompleteReadWarning(UserWarning):
    """Issued instead of `IncompleteReadError` when a reader is called with ``on_incomplete="warn"``."""

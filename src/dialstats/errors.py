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

__all__ = [
    "ApiConnectionError",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "DialstatsError",
    "IncompleteReadError",
    "IncompleteReadWarning",
    "InvalidParameterError",
    "MissingApiKeyError",
    "NotFoundError",
    "RateLimitedError",
    "ServerError",
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


class IncompleteReadWarning(UserWarning):
    """Issued instead of `IncompleteReadError` when a reader is called with ``on_incomplete="warn"``."""

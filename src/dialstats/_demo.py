"""`dialstats.Client`: the API client plus ``demo=True``, which reads the bundled sandbox.

The API client (`dialstats.api.Client`) sends requests through whatever transport it is given
and knows nothing of the sandbox; this subclass builds the in-process transport over the demo
data and hands it over. So the sandbox (and its web server stack) is imported here, in the
readers layer, and only when a demo client is made.

>>> import dialstats as ds
>>> ds.Client(demo=True)
<dialstats.Client demo max_concurrency=4>
"""

from __future__ import annotations

import httpx

from dialstats import api
from dialstats.errors import InvalidParameterError

DEMO_API_KEY = "demo"
DEMO_BASE_URL = "http://sandbox.invalid"  # never resolved: demo requests stay in the process


def demo_transport() -> httpx.ASGITransport:
    """An in-process transport to a fresh sandbox over the bundled demo data (key: ``demo``)."""
    from dialstats.sandbox import create_app

    return httpx.ASGITransport(app=create_app(api_key=DEMO_API_KEY))


class Client(api.Client):
    """A client of the call-log API.

    The key comes from `api_key`, else the ``SALESFINITY_API_KEY`` environment variable; the
    base URL from `base_url`, else ``SALESFINITY_BASE_URL``, else the vendor's. ``demo=True``
    reads the bundled demo data from the sandbox, in-process, with no key and no network.

    Parameters
    ----------
    api_key : str, optional
        The API key (sent only as the ``x-api-key`` header, never shown).
    base_url : str, optional
        The API's address; plain ``http://`` is refused except to this machine (``localhost``
        or a loopback address), and so is a user name or password in it.
    timeout : float, default 30.0
        Seconds each attempt of a request may take, answer and whole body included.
    max_retries : int, default 5
        Retries of a request that fails with a 5xx, a timeout, a dropped connection or a 429,
        with exponential backoff (from `backoff` seconds, doubling) and full jitter; a 429
        waits for its ``Retry-After`` instead.
    backoff : float, default 0.5
        Seconds of the first backoff between retries (doubling after each).
    max_concurrency : int, default 4
        Requests in flight at once; halved while the server answers 429, then grown back.
    max_page_time : float, default 300.0
        Seconds one request (e.g. one page) may take in all, every retry, backoff and
        ``Retry-After`` wait included; then it fails with an `ApiConnectionError` saying how
        many tries were made over how long.
    demo : bool, default False
        Read the bundled demo data from the sandbox, in-process.
    transport : httpx.AsyncBaseTransport, optional
        An httpx async transport to send requests through (e.g. ``httpx.ASGITransport(app)``);
        the client borrows it and never closes it.

    Raises
    ------
    MissingApiKeyError
        No `api_key` is given and ``SALESFINITY_API_KEY`` is not set (nor ``demo=True``).
    InvalidParameterError
        `demo` is not a bool, or ``demo=True`` comes with `api_key`, `base_url` or
        `transport`; `base_url` is refused; a setting is out of range.

    See Also
    --------
    read_call_logs : One read with a client made for it.
    CallLogStore : A local copy of the call log, synced with a client.

    Examples
    --------
    >>> import dialstats as ds
    >>> with ds.Client(demo=True) as client:
    ...     calls = client.read_call_logs(outcome="answered", max_records=50)
    >>> len(calls)
    50
    """

    # The settings are spelled out, not passed as **kwargs, so that `help()`, signatures and
    # type checkers show them; tests/test_client.py keeps them equal to the API client's.
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
        demo: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not isinstance(demo, bool):
            raise InvalidParameterError("demo", f"demo must be True or False, got {demo!r}")
        if demo and (api_key is not None or base_url is not None or transport is not None):
            raise InvalidParameterError(
                "demo",
                "demo=True reads the bundled sandbox: leave api_key, base_url and transport out",
            )
        if demo:
            api_key, base_url, transport = DEMO_API_KEY, DEMO_BASE_URL, demo_transport()
        super().__init__(
            api_key,
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            max_concurrency=max_concurrency,
            max_page_time=max_page_time,
            transport=transport,
        )
        self._demo = demo

    def _where(self) -> str:
        return "demo" if self._demo else super()._where()


# Shown where it is exported from, as the API client is (dialstats.Client, not _demo.Client).
Client.__module__ = "dialstats"
# doctest looks for a class's examples in the module it says it is from; point it here.
__test__ = {"Client": Client}

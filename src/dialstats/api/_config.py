"""Client settings: where the API is, which key to send, and how hard to try.

The key comes from the argument or ``SALESFINITY_API_KEY``; the base URL from the argument,
``SALESFINITY_BASE_URL`` or the vendor's default. A key is never sent over plain ``http://``
except to this machine (``localhost`` or a literal loopback address), where the local sandbox
runs. A base URL with a user name or password in it is refused: the key is the only credential.
"""

from __future__ import annotations

import ipaddress
import math
import numbers
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import httpx

from dialstats.errors import InvalidParameterError, MissingApiKeyError

DEFAULT_BASE_URL = "https://client-api.salesfinity.co"
API_KEY_ENV = "SALESFINITY_API_KEY"
BASE_URL_ENV = "SALESFINITY_BASE_URL"
# `scheme://user[:password]@`: the authority's userinfo, up to the first / ? or #.
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


@dataclass(frozen=True)
class Settings:
    """How a client talks to the API (everything but the key)."""

    base_url: str
    timeout: float = 30.0
    max_retries: int = 5
    backoff: float = 0.5  # seconds; the n-th retry waits up to backoff * 2**n (full jitter)
    max_backoff: float = 30.0
    max_concurrency: int = 4
    max_retry_after: float = 120.0  # a longer Retry-After fails the request at once
    max_page_time: float = 300.0  # seconds one request may take, every retry and wait included


def resolve_api_key(api_key: Any) -> str:
    """The key to send: the argument, else ``SALESFINITY_API_KEY``.

    A key is printable ASCII, as an HTTP header value must be. Anything else (a line break or
    NUL pasted with it) is refused here, with a message that never shows the key: httpx's own
    error would print the header, key and all.
    """
    source = "api_key"
    if api_key is None:
        api_key = os.environ.get(API_KEY_ENV, "").strip() or None
        source = API_KEY_ENV
    if api_key is None:
        raise MissingApiKeyError()
    if not isinstance(api_key, str) or not api_key.strip():
        raise InvalidParameterError("api_key", "api_key must be a non-empty string")
    key = api_key.strip()
    bad = next((i for i, char in enumerate(key) if not " " <= char <= "~"), None)
    if bad is not None:
        raise InvalidParameterError(
            "api_key",
            f"{source}: the key holds a {_char_kind(key[bad])} (U+{ord(key[bad]):04X}) at "
            f"position {bad + 1} of {len(key)}; an API key is printable ASCII (was a line "
            "break or a stray character copied with it?)",
        )
    return key


def _char_kind(char: str) -> str:
    return "control character" if unicodedata.category(char) == "Cc" else "non-ASCII character"


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine: ``localhost`` or a literal loopback address
    (127.0.0.0/8, ``::1``).

    Other names, even ``*.localhost``, are not trusted with a key over plain http: whether
    they resolve to this machine is up to the resolver, not to the name.
    """
    host = host.strip("[]").lower().removesuffix(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: Any, *, check_scheme: bool = True) -> str:
    """The API's base URL: the argument, else ``SALESFINITY_BASE_URL``, else the vendor's.

    Refuses plain ``http://`` to anything but loopback, so the key never travels unencrypted.
    """
    if base_url is None:
        base_url = os.environ.get(BASE_URL_ENV, "").strip() or DEFAULT_BASE_URL
    if not isinstance(base_url, str | httpx.URL):
        raise InvalidParameterError("base_url", f"base_url must be a URL string, got {base_url!r}")
    text = str(base_url).strip()
    # Refused rather than stripped: the API takes only the key, and a password in the URL
    # would be shown by every repr and error that names the URL.
    if _USERINFO.match(text):
        shown = _USERINFO.sub(r"\1***@", text)
        raise InvalidParameterError(
            "base_url",
            f"base_url must not hold a user name or password (got {shown}); the API is "
            "authenticated by the key alone (api_key= or SALESFINITY_API_KEY)",
        )
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise InvalidParameterError("base_url", f"base_url is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidParameterError(
            "base_url", f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL}, got {url}"
        )
    if check_scheme and url.scheme == "http" and not is_loopback(url.host):
        raise InvalidParameterError(
            "base_url",
            f"refusing to send the API key over plain http to {url.host}: use https:// "
            "(plain http is allowed only to this machine, for a local sandbox: localhost or a "
            "loopback address such as 127.0.0.1)",
        )
    if url.query or url.fragment:
        raise InvalidParameterError("base_url", "base_url must not have a query or fragment")
    # The client adds the version to every path: a base URL copied with it ("…/v1", as the
    # vendor's docs print endpoints) would ask for /v1/v1/call-log and get a 404.
    return re.sub(r"/v1/*$", "", str(url).rstrip("/"))


def _positive(name: str, value: Any, *, integer: bool, minimum: float) -> Any:
    kinds = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kinds) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < minimum:
        what = "a whole number" if integer else "a number"
        raise InvalidParameterError(name, f"{name} must be {what} >= {minimum:g}, got {value!r}")
    return int(value) if integer else float(value)


def make_settings(
    base_url: str,
    *,
    timeout: Any = 30.0,
    max_retries: Any = 5,
    backoff: Any = 0.5,
    max_concurrency: Any = 4,
    max_page_time: Any = 300.0,
) -> Settings:
    """Validated settings; each bad value raises `InvalidParameterError` naming it."""
    return Settings(
        base_url=base_url,
        timeout=_positive("timeout", timeout, integer=False, minimum=0.001),
        max_retries=_positive("max_retries", max_retries, integer=True, minimum=0),
        backoff=_positive("backoff", backoff, integer=False, minimum=0),
        max_concurrency=_positive("max_concurrency", max_concurrency, integer=True, minimum=1),
        max_page_time=_positive("max_page_time", max_page_time, integer=False, minimum=0.001),
    )

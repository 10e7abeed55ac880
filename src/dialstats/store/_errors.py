"""The errors a store raises (all `DialstatsError`; bad arguments are also `ValueError`)."""

from __future__ import annotations

from dialstats.errors import DialstatsError, InvalidParameterError


class StoreError(DialstatsError):
    """The store on disk cannot be used as asked (not a store, written by a newer version...)."""


class StoreFilterError(InvalidParameterError):
    """Filters that a store cannot answer: they differ from, or reach beyond, the store's own."""


class StoreLockedError(StoreError, TimeoutError):
    """Another process kept the store locked for longer than the timeout."""

"""A local, faithful implementation of the call-log API over a realistic demo dataset."""

from __future__ import annotations

from dialstats.sandbox._dataset import Dataset

__all__ = ["Dataset"]

"""The writers' lock: one sync at a time per store, across processes.

An OS file lock (``flock``/``LockFileEx`` via filelock) is released by the kernel when its
holder dies, so a killed writer never leaves the store locked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import filelock

from dialstats.errors import StoreLockedError
from dialstats.store._layout import LOCK_NAME


@contextlib.contextmanager
def write_lock(root: Path, timeout: float | None) -> Iterator[None]:
    """Hold the store's write lock; wait at most `timeout` seconds (None: forever)."""
    root.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(root / LOCK_NAME, timeout=-1 if timeout is None else timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise StoreLockedError(
            f"{root}: another process has been syncing this store for over {timeout:g} s"
        ) from None
    try:
        yield
    finally:
        lock.release()

"""Crash points of a sync, for testing that a store survives a writer killed at any of them.

Set ``DIALSTATS_STORE_FAULT=crash:<point>`` to have the syncing process SIGKILL itself at
`point`, or ``pause:<point>`` to have it print ``dialstats-store paused at <point>`` on stderr
and wait (holding the lock) until something kills it. Points, in the order a sync meets them:
``fetched`` (pages read, nothing written), ``partition-temp`` (a partition's new file fully
written under its temporary name), ``partition-replaced`` (the first partition replaced),
``before-meta`` (every partition written, the metadata not yet).
"""

from __future__ import annotations

import os
import signal
import sys
import time

ENV = "DIALSTATS_STORE_FAULT"


def checkpoint(point: str) -> None:
    action, _, where = os.environ.get(ENV, "").partition(":")
    if where != point:
        return
    if action == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    if action == "pause":
        print(f"dialstats-store paused at {point}", file=sys.stderr, flush=True)
        while True:
            time.sleep(60)

"""Run a coroutine to completion from synchronous code, even inside a running event loop.

Jupyter runs an event loop in the main thread, where ``asyncio.run`` refuses to start another;
there the coroutine runs in a worker thread with its own loop (no patching of asyncio), and
Ctrl-C (KeyboardInterrupt) cancels it.

>>> async def answer():
...     return 42
>>> run_sync(answer())
42
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, or the same in a worker thread when a loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    return _run_in_thread(coro)


def _run_in_thread(coro: Coroutine[Any, Any, T]) -> T:
    outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
    started = threading.Event()
    handle: dict[str, Any] = {}

    async def main() -> T:
        handle["loop"], handle["task"] = asyncio.get_running_loop(), asyncio.current_task()
        started.set()
        return await coro

    def target() -> None:
        try:
            outcome.set_result(asyncio.run(main()))
        except BaseException as exc:  # handed to the caller's thread, re-raised there
            outcome.set_exception(exc)
        finally:
            started.set()

    thread = threading.Thread(target=target, name="dialstats-read", daemon=True)
    thread.start()
    try:
        return outcome.result()
    except KeyboardInterrupt:
        started.wait()
        if "task" in handle:
            handle["loop"].call_soon_threadsafe(handle["task"].cancel)
        thread.join()
        raise

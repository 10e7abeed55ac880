"""The live state behind a sandbox app: its data, counters, and the changes tests make."""

from __future__ import annotations

import hmac
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from dialstats.errors import InvalidParameterError
from dialstats.sandbox._dataset import Dataset, Record
from dialstats.sandbox._faults import FaultInjector, Faults
from dialstats.sandbox._generate import new_call, touch_call
from dialstats.sandbox._store import CallStore

Dialect = Literal["live", "spec"]
DIALECTS: tuple[str, ...] = ("live", "spec")


class Sandbox:
    """The live state behind a sandbox app (``app.state.sandbox``).

    It counts requests by path (``requests``) and injected faults by kind (``faults_injected``),
    and lets a test change the data the way the real service would while a client reads it.
    ``dialect`` is the one the app speaks (``"live"`` or ``"spec"``, see `create_app`).

    >>> from dialstats.sandbox import create_app, generate
    >>> sandbox = create_app(generate(n_calls=50)).state.sandbox
    >>> len(sandbox.insert(3))  # three new calls, created now
    3
    >>> len(sandbox.update(2))  # two existing calls, updated now
    2
    >>> len(sandbox.store), sandbox.requests["/v1/call-log"]
    (53, 0)
    """

    def __init__(
        self,
        dataset: Dataset,
        *,
        api_key: str,
        faults: Faults,
        seed: int,
        dialect: Dialect = "live",
    ) -> None:
        self.dataset = dataset
        self.faults = faults
        self.dialect = dialect
        self.requests: Counter[str] = Counter()
        self.faults_injected: Counter[str] = Counter()
        self.mutations = 0  # automatic insert/update rounds done (Faults.mutate_every)
        self.store = CallStore(dataset.calls, dataset.dispositions)
        self.injector = FaultInjector(faults, seed)
        self.lock = threading.RLock()  # requests run on the server's loop; tests call from others
        self._api_key = api_key
        self._rng = random.Random(f"{seed}:mutations")
        self._call_log_requests = 0
        self._derived: dict[str, tuple[int, Any]] = {}

    def __repr__(self) -> str:
        return f"<Sandbox calls={len(self.store)} faults={self.faults!r}>"

    def accepts(self, key: str | None) -> bool:
        return key is not None and hmac.compare_digest(key.encode(), self._api_key.encode())

    def insert(self, n: int = 1, *, at: datetime | None = None) -> list[Record]:
        """Add `n` new calls created at `at` (default: now); returns them."""
        moment = at or datetime.now(UTC)
        with self.lock:
            records = [new_call(self.dataset, self._rng, moment) for _ in range(_count(n))]
            self.store.append(records)
        return records

    def update(self, n: int = 1, *, at: datetime | None = None) -> list[Record]:
        """Update `n` distinct existing calls (``updatedAt`` = `at`, default now); returns them."""
        moment = at or datetime.now(UTC)
        with self.lock:
            rows = self._rng.sample(range(len(self.store)), min(_count(n), len(self.store)))
            records = [touch_call(self.store.calls[row], self._rng, moment) for row in rows]
            for record in records:
                self.store.replace(record)
        return records

    def derived(self, name: str, make: Callable[[list[Record]], Any]) -> Any:
        """``make(calls)``, computed once per state of the data (call under the lock)."""
        cached = self._derived.get(name)
        if cached is None or cached[0] != self.store.version:
            cached = self._derived[name] = (self.store.version, make(self.store.calls))
        return cached[1]

    def delete(self, ids: Iterable[str]) -> int:
        """Delete the calls with these ids, as if removed upstream; returns how many existed."""
        with self.lock:
            return self.store.remove(ids)

    def count_call_log_request(self) -> None:
        """Count a call-log request; every `mutate_every`-th one changes the data first."""
        every = self.faults.mutate_every
        self._call_log_requests += 1
        if every and self._call_log_requests % every == 0:
            self.insert(self.faults.mutate_count)
            self.update(self.faults.mutate_count)
            self.mutations += 1


def _count(n: int) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise InvalidParameterError("n", f"n must be an integer >= 0, got {n!r}")
    return n

"""A local, faithful implementation of the call-log API over a realistic demo dataset.

`serve` runs one in a background thread; `bind`, `base_url` and `run_foreground` serve an app
in the foreground, as ``dialstats sandbox`` does.

>>> from dialstats.sandbox import Faults
>>> Faults(fail_rate=0.1).fail_rate
0.1
"""

from __future__ import annotations

from dialstats.sandbox._app import create_app
from dialstats.sandbox._data import demo_dataset, load_dataset, save_dataset
from dialstats.sandbox._dataset import Dataset
from dialstats.sandbox._faults import Faults, FaultsError
from dialstats.sandbox._generate import generate, new_call, touch_call
from dialstats.sandbox._serve import SandboxServer, base_url, bind, run_foreground, serve
from dialstats.sandbox._state import Sandbox

__all__ = [
    "Dataset",
    "Faults",
    "FaultsError",
    "Sandbox",
    "SandboxServer",
    "base_url",
    "bind",
    "create_app",
    "demo_dataset",
    "generate",
    "load_dataset",
    "new_call",
    "run_foreground",
    "save_dataset",
    "serve",
    "touch_call",
]

# Shown where they are exported from, as the other packages' classes are.
for _cls in (Dataset, Faults, FaultsError, Sandbox, SandboxServer):
    _cls.__module__ = __name__
del _cls

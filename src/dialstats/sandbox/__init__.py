"""A local, faithful implementation of the call-log API over a realistic demo dataset."""

from __future__ import annotations

from dialstats.sandbox._app import create_app
from dialstats.sandbox._data import demo_dataset, load_dataset, save_dataset
from dialstats.sandbox._dataset import Dataset
from dialstats.sandbox._faults import Faults, FaultsError
from dialstats.sandbox._generate import generate, new_call, touch_call
from dialstats.sandbox._serve import SandboxServer, serve
from dialstats.sandbox._state import Sandbox

__all__ = [
    "Dataset",
    "Faults",
    "FaultsError",
    "Sandbox",
    "SandboxServer",
    "create_app",
    "demo_dataset",
    "generate",
    "load_dataset",
    "new_call",
    "save_dataset",
    "serve",
    "touch_call",
]

"""SciPy's modules, imported on first use: ``scipy.stats`` alone takes longer to import than
pandas, and ``import dialstats`` (or reading calls) needs none of it.

>>> from dialstats.analysis._scipy import stats
>>> round(float(stats.norm.ppf(0.975)), 2)
1.96
"""

from __future__ import annotations

import importlib
from types import ModuleType


class _OnFirstUse:
    """Stands for a module; the first attribute read imports it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> object:
        module: ModuleType = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<{self._name}, imported on first use>"


stats = _OnFirstUse("scipy.stats")
optimize = _OnFirstUse("scipy.optimize")
special = _OnFirstUse("scipy.special")

"""dialstats: sales call-log analytics in pandas.

>>> import dialstats as ds
>>> df = ds.read_call_logs(demo=True)
>>> df.calls.funnel()
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

"""Wall clocks: an instant in UTC as the time on a clock in an IANA zone.

>>> import numpy as np
>>> utc = np.array([0], dtype=np.int64)  # 1970-01-01 00:00 UTC, in ns
>>> int(wall_clock_ns(utc, zone_named("America/New_York"))[0]) // 3_600_000_000_000
-5
>>> zone_named("ET") is None  # an abbreviation is not an IANA name
True
"""

from __future__ import annotations

import zoneinfo

import numpy as np
import pandas as pd


def zone_named(name: object) -> zoneinfo.ZoneInfo | None:
    """The zone named `name`, or None when it is not an IANA name."""
    try:
        return zoneinfo.ZoneInfo(str(name).strip())
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


def wall_clock_ns(utc: np.ndarray, zone: zoneinfo.ZoneInfo) -> np.ndarray:
    """UTC nanoseconds (int64) as nanoseconds of the wall clock in `zone`."""
    stamps = pd.DatetimeIndex(utc.astype("datetime64[ns]")).tz_localize("UTC")
    return stamps.tz_convert(zone).tz_localize(None).asi8

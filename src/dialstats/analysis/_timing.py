"""When to call: a rate by weekday and hour, in the contact's own local time."""

from __future__ import annotations

import warnings
import zoneinfo

import numpy as np
import pandas as pd

from dialstats.analysis import _flags, _groups
from dialstats.analysis._groups import renumber
from dialstats.analysis._metrics import METRICS as CONTRACT
from dialstats.analysis._metrics import Definitions, check_definitions
from dialstats.analysis._rates import with_rates
from dialstats.analysis._smoothing import smooth_cells
from dialstats.analysis._validate import (
    check_choice,
    check_columns,
    check_confidence,
    check_frame,
    check_timezone,
    require_columns,
)
from dialstats.errors import InvalidParameterError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS = tuple(range(24))
CONTACT = "contact"
NAT = np.iinfo(np.int64).min  # how int64 nanoseconds spell NaT
_QUARTER = 900 * 10**9  # nanoseconds
_HOUR = 4 * _QUARTER
_WEEK = 7 * 24  # hours
# The contract's rates over dials a cell can show -> the count each counts per dial.
METRICS = {
    name: CONTRACT[name].numerator
    for name in (
        "answer_rate",
        "human_rate",
        "connect_rate",
        "conversation_rate",
        "meeting_rate",
        "positive_rate",
        "voicemail_rate",
    )
}


def best_time_to_call(
    df: pd.DataFrame,
    tz: str = CONTACT,
    metric: str = "connect_rate",
    min_dials: int = 30,
    *,
    wide: bool = True,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
) -> pd.DataFrame:
    """`metric` per weekday x hour of the call's start, in local time.

    `tz="contact"` reads each call in its contact's own zone (`contact_timezone`; missing,
    blank or unknown zones count as UTC, unknown ones with a warning); any IANA name reads
    every call in that zone. `metric`: answer_rate, human_rate, connect_rate,
    conversation_rate, meeting_rate, positive_rate or voicemail_rate (each over dials, as the
    metric contract defines them; `definitions` as in `answer_rates`). Cells with fewer than
    `min_dials` dials are NA: too few calls to tell. Calls without a start time are left out.

    Returns a 7 x 24 table (index `weekday` Monday..Sunday, columns `hour` 0..23), or with
    `wide=False` the tidy form: `weekday`, `hour`, `dials`, the metric's count (`connected`
    for connect_rate, `meetings` for meeting_rate, ...), the metric and
    its `_low` / `_high` Wilson bounds, one row per cell, then `<metric>_smoothed` with its
    credible interval (`_smoothed_low` / `_smoothed_high`): each cell shrunk toward a weekday +
    hour model, defined even for cells under `min_dials`. ``attrs["reliability"]`` says how
    well two random halves of the calls agree on the ranking of cells, raw and smoothed.

    >>> import dialstats as ds
    >>> ds.best_time_to_call(ds.read_call_logs(demo=True), min_dials=10)  # doctest: +SKIP
    """
    check_frame(df, "best_time_to_call")
    check_choice("metric", metric, METRICS)
    if isinstance(min_dials, bool) or not isinstance(min_dials, int | np.integer) or min_dials < 0:
        raise InvalidParameterError(
            "min_dials", f"min_dials must be a whole number >= 0; got {min_dials!r}"
        )
    if tz != CONTACT:
        check_timezone("tz", tz)
    confidence = check_confidence(confidence)
    require_columns(
        df, ["started_at", *(["contact_timezone"] if tz == CONTACT else [])], "best_time_to_call"
    )
    check_columns(df, {"started_at": "datetime"}, "best_time_to_call")
    flag = METRICS[metric]
    hits = _flags.compute(df, [flag], "best_time_to_call", check_definitions(definitions))[flag]
    wall = _wall_clock(df, tz)
    # Hour of the week, Monday 00:00 = 0 (the epoch, 1970-01-01 00:00, was a Thursday).
    slot = np.where(wall != NAT, (wall // _HOUR + 72) % _WEEK, -1)
    keys = {"slot": pd.Series(pd.Categorical.from_codes(slot, range(_WEEK)), index=df.index)}
    columns = {"dials": (None, _groups.SIZE), flag: (hits, _groups.SUM)}
    cells = _groups.aggregate(df.index, keys, columns).dropna(subset=["slot"])
    slot = cells.pop("slot").to_numpy(dtype=np.int64)
    cells.insert(0, "weekday", pd.Categorical.from_codes(slot // 24, WEEKDAYS, ordered=True))
    cells.insert(1, "hour", pd.Categorical.from_codes(slot % 24, HOURS, ordered=True))
    cells = with_rates(cells.reset_index(drop=True), {metric: (flag, "dials")}, confidence)
    cells = smooth_cells(cells, metric, flag, confidence)
    too_few = cells["dials"] < min_dials
    for column in (metric, f"{metric}_low", f"{metric}_high"):
        cells[column] = cells[column].mask(too_few)
    reliability = cells.attrs["reliability"]
    if wide:
        cells = cells.pivot(index="weekday", columns="hour", values=metric).astype("Float64")
        cells.columns = pd.Index(HOURS, name="hour")
    # The chart reads these to title itself.
    cells.attrs.update(
        metric=metric, tz=tz, min_dials=min_dials, confidence=confidence, reliability=reliability
    )
    return cells


def _wall_clock(df: pd.DataFrame, tz: str) -> np.ndarray:
    """Local wall-clock start times as int64 ns (NAT when unknown), in `tz` or each contact's."""
    stamps = pd.DatetimeIndex(df["started_at"])
    if stamps.tz is None:
        stamps = stamps.tz_localize("UTC")  # the API's timestamps are UTC
    stamps = stamps.as_unit("ns").tz_convert("UTC")
    if tz != CONTACT:
        return stamps.tz_convert(tz).tz_localize(None).asi8
    codes, names = pd.factorize(df["contact_timezone"])
    zones = [_zone(name) for name in names]
    unknown = sorted({str(n).strip() for n, z in zip(names, zones, strict=True) if z is False})
    if unknown:
        warnings.warn(
            f"best_time_to_call(): unknown contact time zones {unknown} read as UTC",
            UserWarning,
            stacklevel=3,
        )
    return stamps.asi8 + _offsets(stamps.asi8, codes, zones)


def _zone(name: object) -> zoneinfo.ZoneInfo | bool | None:
    """The zone named `name`; None for a blank name, False for an unknown one."""
    name = str(name).strip()
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return False


def _offsets(utc: np.ndarray, codes: np.ndarray, zones: list) -> np.ndarray:
    """Per row, its zone's UTC offset (ns) at its time; 0 without a zone or a time.

    Offsets change only at transitions, which fall on quarter hours, so one conversion per
    distinct (zone, quarter hour) serves every call in it -- far fewer than the calls. A quarter
    hour with a transition inside it is converted call by call.
    """
    known = utc != NAT
    quarter = utc // _QUARTER
    key = codes + 1  # 0: no zone, so offset 0
    if not known.all():  # no time: no zone either, and any quarter
        key[~known] = 0
        quarter[~known] = quarter[known].min() if known.any() else 0
    first = int(quarter.min()) if len(quarter) else 0
    quarter -= first
    span = int(quarter.max()) + 1 if len(quarter) else 1
    key *= span
    key += quarter
    pairs, seen = renumber(key, (len(zones) + 1) * span)
    seen_zone, seen_start = seen // span - 1, (seen % span + first) * _QUARTER
    offset = np.zeros(len(seen), dtype=np.int64)
    exact = np.zeros(len(seen), dtype=bool)
    for position, place in enumerate(zones):
        if not place:
            continue
        mine = np.flatnonzero(seen_zone == position)
        start, end = _local(seen_start[mine], place), _local(seen_start[mine] + _QUARTER - 1, place)
        offset[mine] = start - seen_start[mine]
        exact[mine] = end - start != _QUARTER - 1
    result = offset[pairs]
    for cell in np.flatnonzero(exact):  # rare: only around an odd transition
        rows = np.flatnonzero(pairs == cell)
        result[rows] = _local(utc[rows], zones[seen_zone[cell]]) - utc[rows]
    return result


def _local(utc: np.ndarray, zone: zoneinfo.ZoneInfo) -> np.ndarray:
    stamps = pd.DatetimeIndex(utc.astype("datetime64[ns]")).tz_localize("UTC")
    return stamps.tz_convert(zone).tz_localize(None).asi8

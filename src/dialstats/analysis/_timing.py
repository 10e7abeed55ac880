"""When to call: a rate by weekday and hour, in the contact's own local time."""

from __future__ import annotations

import warnings

import narwhals as nw
import numpy as np
import pandas as pd
import pyarrow as pa

from dialstats.analysis import _engine, _engine_contacts, _flags, _frames, _groups
from dialstats.analysis._clock import wall_clock_ns, zone_named
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._groups import renumber
from dialstats.analysis._metrics import METRICS as CONTRACT
from dialstats.analysis._rates import with_rates
from dialstats.analysis._smoothing import smooth_cells
from dialstats.analysis._validate import (
    caller_stacklevel,
    check_choice,
    check_columns,
    check_confidence,
    check_frame,
    check_timezone,
    require_columns,
)
from dialstats.errors import InvalidParameterError
from dialstats.frame import contact_zone, number_zones, to_e164

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


@keyword_only("tz", "metric", "min_dials")
def best_time_to_call(
    df: pd.DataFrame,
    *,
    metric: str = "connect_rate",
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    tz: str = CONTACT,
    min_dials: int = 30,
    wide: bool = True,
) -> pd.DataFrame:
    """`metric` per weekday x hour of the call's start, in local time.

    Calls whose zone is unknown are left out, never read as UTC: a warning says how many, and
    so does ``result.attrs["unknown_zone_calls"]``; so are calls without a start time.
    ``attrs["reliability"]`` says how well two random halves of the calls agree on the
    ranking of cells, raw and smoothed.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`), with `started_at`. It may also be a Polars DataFrame
        or LazyFrame, a DuckDB relation, a pyarrow.Table or a PySpark DataFrame: calls are
        counted there per zone and UTC quarter hour, and only that table is collected (see
        `dialstats.analysis._engine_contacts`).
    metric : str, default "connect_rate"
        answer_rate, human_rate, connect_rate, conversation_rate, meeting_rate, positive_rate
        or voicemail_rate (each over dials, as the metric contract defines them).
    confidence : float, default 0.95
        The level of the Wilson bounds and the smoothed credible interval.
    definitions : Definitions, optional
        What connected, conversation and meeting mean, as in `answer_rates`.
    tz : str, default "contact"
        "contact" reads each call in its contact's own zone, `contact_tz` (where a frame
        lacks it or has NA, derived from `contact_timezone` / `to` / `contact_phone` the
        same way); any IANA name reads every call in that zone.
    min_dials : int, default 30
        Cells with fewer dials are NA: too few calls to tell.
    wide : bool, default True
        The 7 x 24 table; False: the tidy form.

    Returns
    -------
    pandas.DataFrame
        A 7 x 24 table (index `weekday` Monday..Sunday, columns `hour` 0..23), or with
        `wide=False` one row per cell: `weekday`, `hour`, `dials`, the metric's count
        (`connected` for connect_rate, ...), the metric and its `_low` / `_high` Wilson
        bounds, then `<metric>_smoothed` with its credible interval (`_smoothed_low` /
        `_smoothed_high`): each cell shrunk toward a weekday + hour model, defined even for
        cells under `min_dials`.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> cells = ds.best_time_to_call(df, tz="America/New_York", min_dials=10)
    >>> cells.loc[["Monday", "Tuesday"], [9, 10, 11, 12]].round(3)
    hour         9      10     11     12
    weekday
    Monday   0.143    0.0  0.143  0.146
    Tuesday    0.3  0.226  0.176  0.109
    """
    frame = _frames.wrap(df)
    if frame is None:
        check_frame(df, "best_time_to_call")
    check_choice("metric", metric, METRICS)
    if isinstance(min_dials, bool) or not isinstance(min_dials, int | np.integer) or min_dials < 0:
        raise InvalidParameterError(
            "min_dials", f"min_dials must be a whole number >= 0; got {min_dials!r}"
        )
    if isinstance(tz, str) and tz != CONTACT and tz.strip().lower() == CONTACT:
        raise InvalidParameterError(
            "tz",
            f"tz is {CONTACT!r} (each contact's own zone) or an IANA zone name; got {tz!r} "
            f"(did you mean {CONTACT!r}?)",
        )
    if tz != CONTACT:
        tz = check_timezone("tz", tz)
    if not isinstance(wide, bool | np.bool_):
        # "False" is a true string: it would give the wide table asked against.
        raise InvalidParameterError("wide", f"wide must be True or False; got {wide!r}")
    confidence = check_confidence(confidence)
    flag = METRICS[metric]
    definitions = check_definitions(definitions)
    if frame is not None:
        cells, unknown, calls = _engine_contacts_cells(frame, tz, flag, definitions)
    else:
        require_columns(df, ["started_at"], "best_time_to_call")
        check_columns(df, {"started_at": "datetime"}, "best_time_to_call")
        zones = contact_zones(df, "best_time_to_call") if tz == CONTACT else None
        hits = _flags.compute(df, [flag], "best_time_to_call", definitions)[flag]
        wall, unknown = _wall_clock(df, tz, zones)
        # Hour of the week, Monday 00:00 = 0 (the epoch, 1970-01-01 00:00, was a Thursday).
        slot = np.where(wall != NAT, (wall // _HOUR + 72) % _WEEK, -1)
        keys = {"slot": pd.Series(pd.Categorical.from_codes(slot, range(_WEEK)), index=df.index)}
        columns = {"dials": (None, _groups.SIZE), flag: (hits, _groups.SUM)}
        cells, calls = _groups.aggregate(df.index, keys, columns), len(df)
    if unknown:
        warnings.warn(
            f"best_time_to_call(): {unknown:,} of {calls:,} calls have no known contact time "
            "zone (contact_tz is NA) and are left out",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
    cells = cells.dropna(subset=["slot"])
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
        metric=metric,
        tz=tz,
        min_dials=min_dials,
        confidence=confidence,
        unknown_zone_calls=unknown,
        reliability=reliability,
    )
    return cells


def _engine_contacts_cells(
    frame: object, tz: str, flag: str, definitions: Definitions
) -> tuple[pd.DataFrame, int, int]:
    """The hour-of-the-week cells (`slot`, `dials`, the flag's count) of an engine frame,
    counted there per (zone, UTC quarter hour); the calls with a time and no known zone; the
    calls. See `_engine_contacts`."""
    function = "best_time_to_call"
    frame, schema = _engine_contacts.prepared(frame, function)
    if tz == CONTACT:
        zone = _engine_contacts.contact_zone_expr(frame, schema, function)
    else:
        zone = nw.lit(tz)
    frame = frame.with_columns(**{_ZONE_KEY: zone, _QUARTER_KEY: _engine_contacts.quarter()})
    counts = {"dials": None, flag: flag}
    reduced = _engine.reduce(frame, [_ZONE_KEY, _QUARTER_KEY], counts, function, definitions)
    starts = reduced.keys[_QUARTER_KEY]
    dated = starts.notna().to_numpy()
    zones = reduced.keys[_ZONE_KEY].to_numpy(dtype=object, na_value=None)
    wall, known = _engine_contacts.local_quarters(
        starts.to_numpy(dtype=np.int64, na_value=0), zones, function
    )
    dials = reduced.counts["dials"]
    unknown = int(dials[dated & ~known].sum())
    slot = np.where(dated & known, (wall // _HOUR + 72) % _WEEK, -1)
    index = pd.RangeIndex(len(slot))
    keys = {"slot": pd.Series(pd.Categorical.from_codes(slot, range(_WEEK)), index=index)}
    columns = {name: (reduced.counts[name], _groups.SUM) for name in counts}
    cells = _groups.aggregate(index, keys, columns)
    for name in counts:
        cells[name] = cells[name].to_numpy(dtype=np.int64)
    return cells, unknown, int(dials.sum())


_ZONE_KEY = "__dialstats_zone"
_QUARTER_KEY = "__dialstats_quarter"
_ZONE_SOURCES = ("contact_timezone", "to", "contact_phone")


def contact_zones(df: pd.DataFrame, function: str) -> pd.Series | pd.Categorical:
    """Each call's `contact_tz`. Where it is NA or the frame lacks it (a frame built by hand, or
    stored before the column existed) it is derived from `contact_timezone` / `to` /
    `contact_phone`; `MissingColumnError` naming `contact_tz` when the frame has none of them."""
    given = df["contact_tz"] if "contact_tz" in df.columns else None
    if not any(name in df.columns for name in _ZONE_SOURCES):
        if given is None:
            require_columns(df, ["contact_tz"], function)
        return given
    if given is not None and not given.isna().any():
        return given
    # Work on codes: each distinct zone text and number is resolved once, not once per call.
    names: dict[str, int] = {}

    def codes_of(zones: list[str | None]) -> np.ndarray:
        # One code per zone, and -1 (no zone) at the end for the NA code -1 to pick.
        out = [-1 if z is None else names.setdefault(z, len(names)) for z in zones]
        return np.array([*out, -1], dtype=np.int64)

    codes = np.full(len(df), -1, dtype=np.int64)
    if given is not None:
        given_codes, given_names = pd.factorize(given)
        codes = codes_of([str(name) for name in given_names])[given_codes]
    if "contact_timezone" in df.columns:
        text_codes, texts = pd.factorize(df["contact_timezone"])
        from_text = codes_of([contact_zone(str(text)) for text in texts])[text_codes]
        codes = np.where(codes < 0, from_text, codes)
    need = codes < 0
    numbers = [df[name][need] for name in ("to", "contact_phone") if name in df.columns]
    if numbers and need.any():
        number = numbers[0] if len(numbers) == 1 else numbers[0].fillna(numbers[1])
        number_codes, distinct = pd.factorize(number)
        e164 = to_e164(pa.chunked_array([pa.array(distinct.astype(str), pa.string())]))
        codes[need] = codes_of(number_zones(e164.to_pylist()))[number_codes]
    return pd.Categorical.from_codes(codes, categories=list(names))


def _wall_clock(df: pd.DataFrame, tz: str, contact: pd.Series | None) -> tuple[np.ndarray, int]:
    """Local wall-clock start times as int64 ns (NAT when unknown), in `tz` or each contact's
    zone (`contact`), and how many calls with a start time have no known zone."""
    stamps = pd.DatetimeIndex(df["started_at"])
    if stamps.tz is None:
        stamps = stamps.tz_localize("UTC")  # the API's timestamps are UTC
    stamps = stamps.as_unit("ns").tz_convert("UTC")
    if contact is None:
        return stamps.tz_convert(tz).tz_localize(None).asi8, 0
    codes, names = pd.factorize(contact)
    zones = [zone_named(name) for name in names]
    utc = stamps.asi8
    placed = np.append(np.array([z is not None for z in zones], dtype=bool), False)[codes]
    unknown = int((~placed & (utc != NAT)).sum())
    wall = utc + _offsets(utc, np.where(placed, codes, -1), zones)
    return np.where(placed, wall, NAT), unknown


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
        start, end = (
            wall_clock_ns(seen_start[mine], place),
            wall_clock_ns(seen_start[mine] + _QUARTER - 1, place),
        )
        offset[mine] = start - seen_start[mine]
        exact[mine] = end - start != _QUARTER - 1
    result = offset[pairs]
    for cell in np.flatnonzero(exact):  # rare: only around an odd transition
        rows = np.flatnonzero(pairs == cell)
        result[rows] = wall_clock_ns(utc[rows], zones[seen_zone[cell]]) - utc[rows]
    return result

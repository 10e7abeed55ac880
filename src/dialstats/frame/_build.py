"""Flat Arrow tables -> typed pandas frames with the call-log column schema.

Work happens in Arrow (casts, derived columns, the dispositions join, de-duplication, sorting)
and pandas is built once at the end, so memory stays near one copy of the data.

>>> frame = records_to_frame([{"_id": "a", "outcome": "answered", "duration": 42}], None)
>>> frame[["id", "outcome", "duration"]].to_dict("records")
[{'id': 'a', 'outcome': 'answered', 'duration': 42.0}]
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dialstats._flat import PINNED_EXTRAS, column_name, flatten_record_bodies, to_text
from dialstats.frame._phones import (
    PHONE_FLAG_COLUMNS,
    contact_numbers,
    entry_numbers,
    phone_flags,
    to_e164,
)
from dialstats.frame._schema import UTC, call_log_dtypes, check_dtype_backend, check_tz
from dialstats.frame._zones import contact_zones

_TS = pa.timestamp("ns", UTC)


@dataclass(frozen=True)
class Dispositions:
    """The id -> (name, category) table that call logs are joined with."""

    ids: pa.Array
    names: pa.Array
    categories: pa.Array

    @classmethod
    def from_any(cls, value: Any) -> Dispositions | None:
        """From API items (dicts with id/name/category), a frame of them, or None."""
        if value is None or isinstance(value, Dispositions):
            return value
        if isinstance(value, pd.DataFrame):
            value = value.to_dict("records")
        rows = [r for r in value if r.get("id") is not None and not pd.isna(r.get("id"))]
        return cls(
            pa.array([int(r["id"]) for r in rows], pa.int64()),
            pa.array([_scalar(r.get("name")) for r in rows], pa.string()),
            pa.array([_scalar(r.get("category")) for r in rows], pa.string()),
        )


def _scalar(value: Any) -> Any:
    return None if value is None or value is pd.NA else str(value)


def arrow_type(dtype: Any, timestamp: pa.DataType = _TS) -> pa.DataType:
    """The Arrow type a schema column is computed in (categories stay text until pandas);
    timestamps in `timestamp` (the store keeps microseconds)."""
    if isinstance(dtype, pd.DatetimeTZDtype):
        return timestamp
    if isinstance(dtype, pd.Int64Dtype):
        return pa.int64()
    if isinstance(dtype, pd.Float64Dtype):
        return pa.float64()
    if isinstance(dtype, pd.BooleanDtype):
        return pa.bool_()
    return pa.string()


_SCHEMA = call_log_dtypes()
_ARROW_SCHEMA = {name: arrow_type(dtype) for name, dtype in _SCHEMA.items()}
CATEGORY_COLUMNS = tuple(n for n, d in _SCHEMA.items() if isinstance(d, pd.CategoricalDtype))
# Columns computed here from others; an API field of the same name only fills their gaps.
_DERIVED = (
    "user_name",
    "contact_phone",
    "has_recording",
    "disposition_name",
    "disposition_category",
    "to_e164",
    "from_e164",
    "contact_tz",
    *PHONE_FLAG_COLUMNS,
)


# -- casting -----------------------------------------------------------------------------------


def parse_timestamps(column: pa.ChunkedArray, name: str, *, strict: bool) -> pa.ChunkedArray | None:
    """Text or timestamps -> UTC nanosecond timestamps.

    ISO 8601 with or without fractional seconds, ``Z`` or an offset; text without a zone is UTC.
    With ``strict``, values that are not timestamps become NA with a warning; otherwise the
    column is left alone (None is returned).
    """
    if pa.types.is_timestamp(column.type):
        return column.cast(_TS) if column.type.tz else pc.assume_timezone(column, UTC).cast(_TS)
    if pa.types.is_null(column.type):
        return column.cast(_TS)
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        if not strict:
            return None
        column = to_text(column)
    try:
        return column.cast(_TS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = column.to_pandas(types_mapper=pd.ArrowDtype)
    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    bad = int((parsed.isna() & text.notna()).sum())
    if bad and not strict:
        return None
    if bad:
        warnings.warn(
            f"{name}: {bad} value(s) are not ISO 8601 timestamps and were read as NaT",
            stacklevel=4,
        )
    return pa.chunked_array([pa.array(parsed.dt.as_unit("ns"), _TS)])


def _numbers(column: pa.ChunkedArray, name: str, target: pa.DataType) -> pa.ChunkedArray:
    """Numbers as `target`: seconds (float64) kept as sent; ids (int64) are whole numbers, so a
    fractional one is rounded, not truncated. Text that is not a number is NA, with a warning."""
    whole = pa.types.is_integer(target)
    if pa.types.is_integer(column.type) or pa.types.is_null(column.type):
        return column.cast(target)
    if pa.types.is_floating(column.type):
        return pc.round(column).cast(target, safe=False) if whole else column.cast(target)
    numeric = pd.to_numeric(column.to_pandas(types_mapper=pd.ArrowDtype), errors="coerce")
    if int((numeric.isna() & column.is_valid().to_pandas()).sum()):
        warnings.warn(f"{name}: values that are not numbers were read as NA", stacklevel=4)
    values = numeric.round().astype("Int64") if whole else numeric.astype("Float64")
    return pa.chunked_array([pa.array(values, target)])


def _booleans(column: pa.ChunkedArray, name: str) -> pa.ChunkedArray:
    try:
        return column.cast(pa.bool_())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        warnings.warn(f"{name}: values that are not true/false were read as NA", stacklevel=4)
        return pa.chunked_array([pa.nulls(len(column), pa.bool_())])


def _cast(column: pa.ChunkedArray, name: str, target: pa.DataType) -> pa.ChunkedArray:
    if column.type == target:
        return column
    if target == _TS:
        return parse_timestamps(column, name, strict=True)
    if target in (pa.int64(), pa.float64()):
        return _numbers(column, name, target)
    if target == pa.bool_():
        return _booleans(column, name)
    return to_text(column)


# -- derived columns ---------------------------------------------------------------------------


def _full_name(first: pa.ChunkedArray, last: pa.ChunkedArray) -> pa.ChunkedArray:
    # Joined with NA as "" (the join's own null_handling="skip" loses rows in some versions).
    joined = pc.binary_join_element_wise(first.fill_null(""), last.fill_null(""), " ")
    joined = pc.utf8_trim_whitespace(joined)
    return pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)


def _first_phone(numbers: pa.ChunkedArray) -> pa.ChunkedArray:
    """The first number of each contact's ``phone_numbers`` list (NA when there is none)."""
    item = numbers.type.value_type if pa.types.is_list(numbers.type) else None
    if item is None or (pa.types.is_struct(item) and item.get_field_index("number") < 0):
        return pa.chunked_array([pa.nulls(len(numbers), pa.string())])
    chunks = []
    for chunk in [numbers.combine_chunks()] if numbers.num_chunks > 1 else numbers.chunks:
        # list_element refuses empty lists: make them null first.
        non_empty = pc.greater(pc.list_value_length(chunk).fill_null(0), 0)
        first = pc.list_element(pc.if_else(non_empty, chunk, pa.scalar(None, chunk.type)), 0)
        if pa.types.is_struct(item):
            first = pc.struct_field(first, "number")
        chunks.append(to_text(pa.chunked_array([first])).combine_chunks())
    return pa.chunked_array(chunks, pa.string())


def _number_columns(
    to: pa.ChunkedArray,
    from_: pa.ChunkedArray,
    first_phone: pa.ChunkedArray,
    phones: pa.ChunkedArray | None,
    direction: pa.ChunkedArray,
) -> dict[str, pa.ChunkedArray]:
    """``to_e164``, ``from_e164``, the first phone's E.164, the contact's end of each call (see
    `contact_numbers`) and that number's flags.

    The three number columns are normalised together, so a number in several of them (or on
    many calls) is parsed once.
    """
    n = len(to)
    entries = entry_numbers(phones)
    parts = [
        *to.chunks,
        *from_.chunks,
        *first_phone.chunks,
        *([] if entries is None else [entries]),
    ]
    every = to_e164(pa.chunked_array(parts, pa.string())).combine_chunks()
    to_number, from_number = every[:n], every[n : 2 * n]
    entry_e164 = None if entries is None else every[3 * n :]
    contact = contact_numbers(
        direction.combine_chunks(), to_number, from_number, phones, entry_e164
    )
    return {
        "to_e164": pa.chunked_array([to_number]),
        "from_e164": pa.chunked_array([from_number]),
        "contact_phone_e164": pa.chunked_array([every[2 * n : 3 * n]]),
        "contact_number": pa.chunked_array([contact]),
        **phone_flags(phones, entry_e164, contact),
    }


def _has_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    present = pc.greater(pc.utf8_length(column.cast(pa.string())), 0)
    return present.fill_null(False)


def _join_dispositions(
    ids: pa.ChunkedArray, dispositions: Dispositions | None
) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    if dispositions is None or len(dispositions.ids) == 0:
        empty = pa.chunked_array([pa.nulls(len(ids), pa.string())])
        return empty, empty
    position = pc.index_in(ids, value_set=dispositions.ids)
    return pc.take(dispositions.names, position), pc.take(dispositions.categories, position)


# -- the call-log table ------------------------------------------------------------------------


def call_log_table(flat: pa.Table, dispositions: Dispositions | None = None) -> pa.Table:
    """A flat table -> schema columns (typed, derived, joined) then every other field."""
    columns = {name: flat[name] for name in flat.column_names}
    n = flat.num_rows
    if "disposition_internal_id" in columns:
        internal = columns.pop("disposition_internal_id")
        given = columns.pop("disposition_id", None)
        columns["disposition_id"] = internal if given is None else pc.coalesce(internal, given)

    def take(name: str) -> pa.ChunkedArray:
        target = _ARROW_SCHEMA[name]
        column = columns.pop(name, None)
        if column is None:
            return pa.chunked_array([pa.nulls(n, target)])
        return _cast(column, name, target)

    given = {name: columns.pop(name, None) for name in _DERIVED}
    out = {name: take(name) for name in _SCHEMA if name not in _DERIVED}
    phones = columns.get("contact_phone_numbers")
    no_text = pa.chunked_array([pa.nulls(n, pa.string())])
    first_phone = no_text if phones is None else _first_phone(phones)
    derived = {
        "user_name": _full_name(out["user_first_name"], out["user_last_name"]),
        "contact_phone": first_phone,
        "has_recording": _has_text(out["recording_url"]),
        **_number_columns(out["to"], out["from"], first_phone, phones, out["direction"]),
    }
    derived["contact_tz"] = contact_zones(
        out["contact_timezone"], derived.pop("contact_number"), derived.pop("contact_phone_e164")
    )
    derived["disposition_name"], derived["disposition_category"] = _join_dispositions(
        out["disposition_id"], dispositions
    )
    for name, column in derived.items():
        also = given[name]
        out[name] = column if also is None else pc.coalesce(column, _cast(also, name, column.type))
    schema_part = {name: out[name] for name in _SCHEMA}
    return pa.table({**schema_part, **_extra_columns(columns)})


def _extra_columns(columns: Mapping[str, pa.ChunkedArray]) -> dict[str, pa.ChunkedArray]:
    """Fields outside the schema, kept; ``*_at`` text that is all timestamps becomes timestamps."""
    out = {}
    for name, column in columns.items():
        if name in PINNED_EXTRAS and column.null_count == len(column):
            continue  # typed in advance for the parser, but no record has it
        if name.endswith("_at") or pa.types.is_timestamp(column.type):
            column = parse_timestamps(column, name, strict=False) or column
        out[name] = column
    return out


def drop_duplicate_ids(table: pa.Table) -> pa.Table:
    """Keep one row per ``id``: the newest ``updated_at``, the later row on a tie.

    Rows keep their order; rows without an id are all kept.
    """
    ids = table["id"]
    if pa.types.is_dictionary(ids.type):
        ids = ids.cast(ids.type.value_type)
    if pc.count_distinct(ids, mode="only_valid").as_py() == len(ids) - ids.null_count:
        return table
    rows = pa.array(range(table.num_rows), pa.int64())
    keyed = pa.table({"id": ids, "updated_at": table["updated_at"], "row": rows})
    order = pc.sort_indices(
        keyed, sort_keys=[("id", "ascending"), ("updated_at", "descending"), ("row", "descending")]
    )
    sorted_ids = pc.take(ids, order).combine_chunks()
    previous = pa.concat_arrays([pa.nulls(1, sorted_ids.type), sorted_ids.slice(0, len(ids) - 1)])
    first = pc.or_kleene(pc.is_null(sorted_ids), pc.not_equal(sorted_ids, previous).fill_null(True))
    kept = pc.filter(order, first)
    return table.take(pc.take(kept, pc.sort_indices(kept)))


def sort_keys(sort: str | None) -> list[tuple[str, str]]:
    """API sort (``"-duration,createdAt"``) -> Arrow sort keys on frame columns, ties by id."""
    if not sort:
        return [("created_at", "ascending"), ("id", "ascending")]
    keys = []
    for key in sort.split(","):
        order = "descending" if key.startswith("-") else "ascending"
        parts = key.lstrip("-").split(".")
        keys.append(("_".join(column_name(p) for p in parts), order))
    if "id" not in {name for name, _ in keys}:
        keys.append(("id", "ascending"))
    return keys


def sort_table(table: pa.Table, sort: str | None) -> pa.Table:
    """Rows in the API's order for ``sort`` (default: oldest ``created_at`` first).

    NA sorts below every value, as the API's database sorts a null or missing field: first in
    an ascending key, last in a descending one. So the first rows of a read are the rows a read
    of fewer records (``max_records``) keeps. Unknown sort fields leave the rows in the order
    they arrived.
    """
    keys = sort_keys(sort)
    if table.num_rows < 2 or not all(name in table.column_names for name, _ in keys):
        return table
    # Arrow puts every key's nulls at the same end: a key with nulls is preceded by whether
    # each row has a value, ordered as the key is, so that its nulls come first ascending.
    columns, arrow_keys = {}, []
    for i, (name, order) in enumerate(keys):
        column = table[name]
        if column.null_count:
            columns[f"{i}:present"] = pc.is_valid(column)
            arrow_keys.append((f"{i}:present", order))
        columns[str(i)] = column
        arrow_keys.append((str(i), order))
    order = pc.sort_indices(pa.table(columns), sort_keys=arrow_keys)
    # Pages usually arrive in order already: skip the copy then.
    in_place = pc.all(pc.equal(order, pa.array(range(table.num_rows), order.type))).as_py()
    return table if in_place else table.take(order)


# -- pandas ------------------------------------------------------------------------------------


def _nullable_dtype(arrow_type: pa.DataType) -> Any:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype()
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    if pa.types.is_floating(arrow_type):
        return pd.Float64Dtype()
    return None


def _categories(column: pa.ChunkedArray, known: Sequence[str]) -> list[str]:
    """The schema's categories, then any value the API sends that is not one of them, sorted."""
    seen = pc.unique(column.cast(pa.string())).drop_null().to_pylist()
    return [*known, *sorted(set(seen) - set(known))]


def table_to_frame(
    table: pa.Table,
    *,
    tz: str = UTC,
    dtype_backend: str = "numpy_nullable",
    categories: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Arrow -> pandas with nullable dtypes (or ArrowDtype), timestamps in ``tz``."""
    categories = dict(categories or {})
    columns = {}
    for name in table.column_names:
        column = table[name]
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp("ns", tz))
        elif pa.types.is_nested(column.type):
            # Lists as JSON text: pandas cannot read a nested Arrow dtype back from the Parquet
            # it writes (pandas-dev/pandas#57411), so `df.to_parquet(p); pd.read_parquet(p)`
            # would fail. `json.loads` gives the values back.
            column = to_text(column)
        if name in categories:
            cats = pa.array(_categories(column, categories[name]), pa.string())
            indices = pc.index_in(column.cast(pa.string()), value_set=cats).cast(pa.int32())
            column = pa.chunked_array(
                [pa.DictionaryArray.from_arrays(indices.combine_chunks(), cats)]
            )
        columns[name] = column
    table = pa.table(columns)
    if dtype_backend == "pyarrow":
        return table.to_pandas(types_mapper=pd.ArrowDtype, split_blocks=True)
    # Dictionary columns become pandas categoricals with the whole dictionary as categories.
    return table.to_pandas(types_mapper=_nullable_dtype, split_blocks=True)


def call_log_frame(
    table: pa.Table, *, tz: str = UTC, dtype_backend: str = "numpy_nullable"
) -> pd.DataFrame:
    """A table from `call_log_table` -> the call-log frame."""
    cats = {name: tuple(_SCHEMA[name].categories) for name in CATEGORY_COLUMNS}
    return table_to_frame(table, tz=tz, dtype_backend=dtype_backend, categories=cats)


def flat_to_frame(
    flat: pa.Table,
    dispositions: Any,
    *,
    tz: str = UTC,
    dtype_backend: str = "numpy_nullable",
    sort: str | None = None,
    reorder: bool = True,
) -> pd.DataFrame:
    """Flat records -> frame, de-duplicated by id, sorted as ``sort`` orders (default: oldest
    ``created_at`` first); ``reorder=False`` keeps the order of the records.

    A record that appears more than once (it moved between pages while they were read) is kept
    once, in its newest version (``updated_at``).
    """
    table = drop_duplicate_ids(call_log_table(flat, Dispositions.from_any(dispositions)))
    if reorder:
        table = sort_table(table, sort)
    return call_log_frame(table, tz=tz, dtype_backend=dtype_backend)


_RECORDS_PER_BODY = 1000  # bodies are parsed in parallel blocks


def records_to_frame(
    records: Iterable[Mapping[str, Any]],
    dispositions: Any,
    *,
    tz: str = UTC,
    dtype_backend: str = "numpy_nullable",
) -> pd.DataFrame:
    """Call-log records (API dicts) -> the call-log frame, one row per record, in input order.

    ``dispositions`` is the GET /v1/dispositions items (or a frame of them, or None) to join
    ``disposition_name`` and ``disposition_category`` from. Records are read exactly as page
    bodies are (they are serialized to JSON first), so both give identical frames.

    >>> records_to_frame([], None).shape[0]
    0
    """
    tz, dtype_backend = check_tz(tz), check_dtype_backend(dtype_backend)
    records = list(records)
    bodies = [
        json.dumps({"data": records[i : i + _RECORDS_PER_BODY]}, default=str).encode()
        for i in range(0, len(records), _RECORDS_PER_BODY)
    ]
    table = call_log_table(flatten_record_bodies(bodies), Dispositions.from_any(dispositions))
    return call_log_frame(table, tz=tz, dtype_backend=dtype_backend)

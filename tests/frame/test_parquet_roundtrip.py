"""A call-log frame written with `to_parquet` reads back as itself, in pandas and in Polars.

Nested columns (``contact_phone_numbers``, ``contact_custom_fields``) are JSON text: pandas cannot
read a nested Arrow dtype back from the Parquet it writes (pandas-dev/pandas#57411).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from dialstats.frame._build import records_to_frame
from dialstats.sandbox import Dataset
from dialstats.store import CallLogStore
from dialstats.store._arrow import to_table
from dialstats.store._meta import StoreMeta, save_meta
from dialstats.store._sync import _Index, _write

NESTED = ("contact_phone_numbers", "contact_custom_fields")


@pytest.fixture(scope="module", params=["numpy_nullable", "pyarrow"])
def frame(request, small_dataset: Dataset) -> pd.DataFrame:
    return records_to_frame(
        small_dataset.calls, small_dataset.dispositions, dtype_backend=request.param
    )


def test_nested_columns_are_json_text_holding_every_value(frame, small_dataset):
    for name in NESTED:
        assert pd.api.types.is_string_dtype(frame[name].dtype), name
    first = small_dataset.calls[0]["contact"]
    assert json.loads(frame["contact_phone_numbers"].iloc[0]) == first["phone_numbers"]


def test_pandas_reads_back_what_it_wrote(frame, tmp_path: Path):
    path = tmp_path / "calls.parquet"
    frame.to_parquet(path)
    if isinstance(frame["id"].dtype, pd.ArrowDtype):
        # pandas' default read cannot rebuild dictionary-typed categoricals of ArrowDtype (the
        # same upstream bug); asked for the backend the frame has, it gives the frame back.
        got = pd.read_parquet(path, dtype_backend="pyarrow")
    else:
        got = pd.read_parquet(path)
    pd.testing.assert_frame_equal(got, frame)


def test_polars_reads_the_same_values(frame, tmp_path: Path):
    pl = pytest.importorskip("polars")
    path = tmp_path / "calls.parquet"
    frame.to_parquet(path)
    got = pl.read_parquet(path)
    assert got.height == len(frame) and got.columns == list(frame.columns)
    for name in (*NESTED, "id", "user_name", "duration"):
        expected = [None if pd.isna(v) else v for v in frame[name].tolist()]
        assert got[name].to_list() == expected, name
    assert got["started_at"].dtype.time_zone == "UTC"
    assert got["started_at"].to_list() == frame["started_at"].dt.to_pydatetime().tolist()


def test_a_store_with_list_typed_partitions_reads_nested_values_as_json(
    frame, small_dataset, tmp_path: Path
):
    # Stores written before nested columns became text hold them as Arrow lists; a store that
    # has both kinds of partition reads one text column.
    root = tmp_path / "store"
    save_meta(root, StoreMeta(filters={}))
    index = _Index(root)
    old = pa.Table.from_pylist(
        [
            {"id": c["_id"], "contact_phone_numbers": c["contact"].get("phone_numbers")}
            for c in small_dataset.calls
        ]
    )
    assert pa.types.is_list(old["contact_phone_numbers"].type)
    table = to_table(frame)
    month = frame["created_at"].dt.strftime("%Y-%m")
    mask = pa.array((month == month.iloc[0]).to_numpy(bool))
    old_rows = table.filter(mask).drop_columns(["contact_phone_numbers"])
    lists = dict(zip(old["id"].to_pylist(), old["contact_phone_numbers"].to_pylist(), strict=True))
    old_rows = old_rows.append_column(
        pa.field("contact_phone_numbers", old["contact_phone_numbers"].type),
        pa.array([lists[i] for i in old_rows["id"].to_pylist()], old["contact_phone_numbers"].type),
    )
    _write(root, index, old_rows)
    _write(root, _Index(root), table.filter(pc.invert(mask)))
    kinds = {
        str(pq.read_schema(f).field("contact_phone_numbers").type).split("<")[0]
        for f in root.rglob("*.parquet")
    }
    assert kinds == {"list", "string"}
    got = CallLogStore(root).read().sort_values("id", ignore_index=True)
    want = frame.sort_values("id", ignore_index=True)
    assert pd.api.types.is_string_dtype(got["contact_phone_numbers"].dtype)
    assert _decoded(got["contact_phone_numbers"]) == _decoded(want["contact_phone_numbers"])


def _decoded(column: pd.Series) -> list:
    return [None if pd.isna(v) else json.loads(v) for v in column]

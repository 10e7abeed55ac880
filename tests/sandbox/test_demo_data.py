"""The bundled demo data: reproducible from the generator, small, found from any install."""

from __future__ import annotations

import gzip
import json
import os
import tomllib
from pathlib import Path

import pytest

from dialstats.sandbox import _data, demo_dataset, generate, load_dataset, save_dataset

ROOT = Path(__file__).resolve().parents[2]
REPO_FILE = ROOT / "data" / "demo-calls.json.gz"


@pytest.fixture(scope="module")
def regenerated():
    return generate()


def test_bundled_file_is_exactly_the_default_generation(regenerated):
    bundled = load_dataset(REPO_FILE)
    assert len(bundled.calls) == len(regenerated.calls) == 24_000
    assert bundled == regenerated
    # Byte for byte too (uncompressed: gzip bytes may vary with the zlib build).
    assert gzip.decompress(REPO_FILE.read_bytes()) == _data.dataset_bytes(regenerated)


def test_bundled_file_is_small():
    size = REPO_FILE.stat().st_size
    assert size < 10_000_000
    assert size < 5_000_000, f"demo data grew to {size:,} bytes"


def test_save_is_deterministic_and_round_trips(tmp_path):
    ds = generate(seed=3, n_calls=300, days=14)
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    save_dataset(ds, first)
    save_dataset(ds, second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime 0
    assert load_dataset(first) == ds
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json.gz", "b.json.gz"]  # no leftovers


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_saved_file_gets_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        save_dataset(generate(seed=3, n_calls=10, days=7), tmp_path / "d.json.gz")
    finally:
        os.umask(old)
    assert (tmp_path / "d.json.gz").stat().st_mode & 0o777 == 0o644


def test_saved_json_has_sorted_keys_and_a_format_marker(tmp_path):
    path = tmp_path / "d.json.gz"
    save_dataset(generate(seed=3, n_calls=50, days=7), path)
    body = json.loads(gzip.decompress(path.read_bytes()))
    assert body["format"] == "dialstats-sandbox-dataset" and body["version"] == 1
    assert list(body) == sorted(body)
    assert list(body["calls"][0]) == sorted(body["calls"][0])


def test_load_accepts_plain_json(tmp_path):
    ds = generate(seed=3, n_calls=50, days=7)
    path = tmp_path / "d.json"
    path.write_bytes(_data.dataset_bytes(ds))
    assert load_dataset(path) == ds


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json at all", "is not a dialstats dataset file"),
        (gzip.compress(b"[1, 2]"), "is not a dialstats dataset file"),
        (gzip.compress(b"\xff\xfe garbage"), "is not a dialstats dataset file"),
        (b"\x1f\x8b truncated gzip", "is not a dialstats dataset file"),
        (json.dumps({"format": "dialstats-sandbox-dataset", "version": 99}).encode(), "version 99"),
    ],
)
def test_load_rejects_other_files_clearly(tmp_path, content, message):
    path = tmp_path / "bad.json.gz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        load_dataset(path)
    assert "bad.json.gz" in str(info.value)


def test_load_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_dataset(tmp_path / "nope.json.gz")


def test_demo_dataset_is_the_bundled_file_and_cached(regenerated):
    ds = demo_dataset()
    assert ds is demo_dataset()
    assert ds == regenerated


def test_demo_path_points_at_an_existing_file():
    assert _data.DEMO_PATH.is_file()
    assert _data.DEMO_PATH.name == "demo-calls.json.gz"


def test_demo_dataset_prefers_the_copy_inside_the_package(tmp_path, monkeypatch):
    small = generate(seed=5, n_calls=40, days=7)
    packaged = tmp_path / "_bundled" / "demo-calls.json.gz"
    packaged.parent.mkdir()
    save_dataset(small, packaged)
    monkeypatch.setattr(_data, "_PACKAGE_PATH", packaged)
    assert demo_dataset.__wrapped__() == small


def test_demo_dataset_regenerates_when_no_file_is_found(tmp_path, monkeypatch, regenerated):
    monkeypatch.setattr(_data, "_PACKAGE_PATH", tmp_path / "missing-1.json.gz")
    monkeypatch.setattr(_data, "_REPO_PATH", tmp_path / "missing-2.json.gz")
    assert demo_dataset.__wrapped__() == regenerated


def test_wheel_build_ships_the_file_where_the_loader_looks():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["data/demo-calls.json.gz"] == "dialstats/sandbox/_bundled/demo-calls.json.gz"
    in_package = _data._PACKAGE_PATH.relative_to(Path(_data.__file__).parents[2])
    assert in_package.as_posix() == include["data/demo-calls.json.gz"]
    assert (ROOT / "data/demo-calls.json.gz").is_file()

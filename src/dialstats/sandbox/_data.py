"""The bundled demo dataset: where it lives, and how datasets are saved and loaded.

The demo data is ``generate()`` with its default arguments, saved once to
``data/demo-calls.json.gz`` at the repository root. Wheels carry the same file inside the
package, at ``dialstats/sandbox/_bundled/demo-calls.json.gz`` (pyproject's hatch
``force-include``). `demo_dataset` looks for the package copy first (installed wheel), then the
repository copy (editable install, source checkout), and as a last resort regenerates it: the
generator is deterministic, so every route gives the same data.

The file format is gzip (mtime 0, no file name) of UTF-8 JSON with sorted keys::

    {"format": "dialstats-sandbox-dataset", "version": 1,
     "calls": [...], "contact_lists": [...], "dispositions": [...], "sequences": [...], "team": {...}}

Regenerate the bundled file with ``python data/make_demo_data.py``.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import uuid
from dataclasses import fields
from pathlib import Path

from dialstats.sandbox._dataset import Dataset
from dialstats.sandbox._generate import generate

_FORMAT = "dialstats-sandbox-dataset"
_VERSION = 1
_FILENAME = "demo-calls.json.gz"
_PACKAGE_PATH = Path(__file__).parent / "_bundled" / _FILENAME
_REPO_PATH = Path(__file__).resolve().parents[3] / "data" / _FILENAME
_FIELDS = tuple(f.name for f in fields(Dataset))

#: The bundled demo file: the copy inside the package when installed from a wheel, else the
#: repository's ``data/demo-calls.json.gz``.
DEMO_PATH = _PACKAGE_PATH if _PACKAGE_PATH.is_file() else _REPO_PATH


def dataset_bytes(dataset: Dataset) -> bytes:
    """The canonical, uncompressed JSON of a dataset (sorted keys, no whitespace, UTF-8)."""
    body = {"format": _FORMAT, "version": _VERSION}
    body.update({name: getattr(dataset, name) for name in _FIELDS})
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def save_dataset(dataset: Dataset, path: str | os.PathLike[str]) -> None:
    """Write `dataset` to `path` as gzipped JSON; the same dataset always gives the same bytes.

    The file is written next to its destination and moved into place, so a reader never sees
    half a file.

    >>> save_dataset(generate(n_calls=100, days=7), "calls.json.gz")  # doctest: +SKIP
    """
    target = Path(path)
    # mtime=0 and no file name in the header: the bytes depend on the data only.
    payload = gzip.compress(dataset_bytes(dataset), compresslevel=9, mtime=0)
    # A plain open (not mkstemp) so the file gets the usual permissions under the umask.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "xb") as out:
            out.write(payload)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_dataset(path: str | os.PathLike[str]) -> Dataset:
    """Read a dataset written by `save_dataset` (gzipped or plain JSON).

    >>> ds = load_dataset(DEMO_PATH)  # doctest: +SKIP
    >>> len(ds.calls)  # doctest: +SKIP
    24000
    """
    raw = Path(path).read_bytes()
    try:
        body = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"path {os.fspath(path)!r} is not a dialstats dataset file: {exc}"
        ) from None
    if not isinstance(body, dict) or body.get("format") != _FORMAT:
        raise ValueError(f"path {os.fspath(path)!r} is not a dialstats dataset file")
    if body.get("version") != _VERSION:
        raise ValueError(
            f"dataset file {os.fspath(path)!r} has format version {body.get('version')!r}; "
            f"this dialstats reads version {_VERSION}"
        )
    return Dataset(**{name: body[name] for name in _FIELDS if name in body})


@functools.cache
def demo_dataset() -> Dataset:
    """The bundled demo dataset (24,000 calls of a 10-rep team over 12 weeks).

    Loaded once and shared: treat it as read-only (copy a record before changing it).

    >>> ds = demo_dataset()
    >>> len(ds.calls) >= 20_000
    True
    """
    for path in (_PACKAGE_PATH, _REPO_PATH):
        if path.is_file():
            return load_dataset(path)
    return generate()

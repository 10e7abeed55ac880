"""Regenerate the bundled demo dataset: ``python data/make_demo_data.py``.

Writes ``data/demo-calls.json.gz`` from ``generate()`` with its default arguments. The generator is
deterministic, so the file only changes when the generator does (tests/test_demo_data.py checks).
"""

from __future__ import annotations

from pathlib import Path

from dialstats.sandbox import generate, save_dataset

if __name__ == "__main__":
    target = Path(__file__).resolve().parent / "demo-calls.json.gz"
    save_dataset(generate(), target)
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")

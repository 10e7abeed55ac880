"""The generator's output is pinned, and its stages import in order.

The fingerprints below were computed from the generator as it was when it was split into one
module per stage (they are the same before and after the split). They say nothing about whether
the data is realistic (test_generate.py does that): their point is to catch any change to
the data, such as a stage drawing from its random stream in another order. If a change to the
data is intended, regenerate the demo dataset (``python data/make_demo_data.py``) and replace
the pins with the new values.
"""

from __future__ import annotations

import ast
import hashlib
import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dialstats.sandbox import generate, new_call, touch_call
from dialstats.sandbox._data import dataset_bytes
from dialstats.sandbox._generate import Knobs

SANDBOX = Path(__file__).resolve().parents[2] / "src" / "dialstats" / "sandbox"
# The generator's modules, each allowed to import only those before it.
STAGES = (
    "_common", "_knobs", "_team", "_contacts", "_cast", "_schedule", "_outcomes",
    "_dispositions", "_content", "_assemble", "_live", "__init__",
)  # fmt: skip
# What the sandbox must not depend on: it serves the API spec, not the library's own views of it.
LIBRARY = ("frame", "analysis", "plot", "store", "report", "cli")


def fingerprint(value: object) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.fixture(scope="module")
def seed_11():
    return generate(seed=11, n_calls=3000)


def test_a_default_generation_is_pinned_byte_for_byte(seed_11):
    digest = hashlib.sha256(dataset_bytes(seed_11)).hexdigest()
    assert digest == "87a2bb30e2a38380c9fe75f51e5b97ca7a6770e560a285be9d1c94ecc91a858d"


@pytest.mark.parametrize(
    ("part", "pinned"),
    [
        ("team", "2530c8cd1c6fb7bf"),
        ("contact_lists", "1e0c547a2d710da6"),
        ("dispositions", "6c6ddc83d82e9190"),
        ("sequences", "2e4f2ff0ecb1ecb5"),
        ("calls", "547ab212209739b9"),
        ("truth", "6108b64e831e63bc"),
    ],
)
def test_each_part_of_the_dataset_is_pinned(seed_11, part, pinned):
    # One pin per part, so a failure names what changed (the cast, or the calls).
    assert fingerprint(getattr(seed_11, part)) == pinned


def test_a_generation_with_other_knobs_is_pinned():
    knobs = Knobs(
        burned_numbers=0, confounded_skill=False, session_gap_minutes=0, double_dial_share=0.3
    )
    ds = generate(seed=5, n_calls=400, days=14, start="2025-11-17", knobs=knobs)
    assert len(ds.calls) == 400
    assert (fingerprint(ds.calls), fingerprint(ds.truth)) == (
        "f4d48de7a37c07b8",
        "300838a560e5e8b6",
    )


def test_live_calls_and_updates_are_pinned(seed_11):
    rng, at = random.Random(3), datetime(2026, 8, 20, 15, tzinfo=UTC)
    live = [new_call(seed_11, rng, at) for _ in range(20)]
    live += [touch_call(call, rng, at) for call in live + seed_11.calls[:20]]
    assert fingerprint(live) == "6c4b837bd2f839df"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_every_generator_module_is_a_stage():
    on_disk = {path.stem for path in (SANDBOX / "_generate").glob("*.py")}
    assert on_disk == set(STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_a_later_one(stage):
    prefix = "dialstats.sandbox._generate."
    imported = imported_modules(SANDBOX / "_generate" / f"{stage}.py")
    later = {m.removeprefix(prefix) for m in imported if m.startswith(prefix)} - set(
        STAGES[: STAGES.index(stage)]
    )
    assert not later, f"{stage} imports {sorted(later)}, which come after it"


def test_the_sandbox_imports_nothing_of_the_library():
    offending = {
        f"{path.relative_to(SANDBOX)}: {module}"
        for path in SANDBOX.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[:2] in (["dialstats", name] for name in LIBRARY)
    }
    assert not offending

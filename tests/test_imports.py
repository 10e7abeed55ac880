"""``import dialstats`` stays light: the sandbox's web server, the report's notebook stack,
matplotlib and SciPy load on first use (benchmarks/imports.py times it)."""

from __future__ import annotations

import subprocess
import sys

LAZY = ("starlette", "uvicorn", "papermill", "nbconvert", "nbformat", "matplotlib", "scipy")


def run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_loads_no_heavy_stack():
    loaded = run(f"import sys, dialstats; print(*[m for m in {LAZY!r} if m in sys.modules])")
    assert loaded == ""


def test_sandbox_attribute_still_works():
    out = run(
        "import sys, dialstats as ds; print(ds.sandbox.serve.__name__, 'uvicorn' in sys.modules)"
    )
    assert out == "serve True"


def test_unknown_attribute_is_an_attribute_error():
    out = run(
        "import dialstats as ds\ntry:\n    ds.nope\nexcept AttributeError as e:\n    print(e)"
    )
    assert out == "module 'dialstats' has no attribute 'nope'"


def test_demo_read_and_statistics_work_after_a_light_import():
    out = run(
        "import dialstats as ds\n"
        "df = ds.read_call_logs(demo=True)\n"
        "print(len(df) > 0, ds.wilson_interval(5, 10)[0] < 0.5)"
    )
    assert out == "True True"

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


def test_the_analyses_reader_and_store_load_on_first_use():
    out = run(
        "import sys, pandas as pd, dialstats as ds\n"
        "mods = ('dialstats.analysis', 'dialstats.api._client', 'dialstats.store', 'dialstats.plot')\n"
        "print('loaded:', *[m for m in mods if m in sys.modules])\n"
        "print(hasattr(pd.DataFrame(), 'calls'))\n"  # the accessor is registered all the same
        "from dialstats import answer_rates, read_call_logs\n"
        "print(answer_rates is ds.answer_rates, 'dialstats.analysis' in sys.modules)\n"
        "df = read_call_logs(demo=True, max_records=300)\n"
        "print(df.calls.funnel()['stage'].iloc[0], type(ds.Client).__name__, ds.plot.__name__)"
    )
    assert out.splitlines() == ["loaded:", "True", "True True", "dials type dialstats.plot"]

"""The demo report in a real browser (headless Chromium) at desktop and phone widths."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dialstats.report._browser import BrowserMissingError, check_page, chromium

try:
    chromium()
except BrowserMissingError as exc:
    pytest.skip(f"{exc}; .ci/run installs it", allow_module_level=True)

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The report as CI's main job makes it, on a headless machine that exports MPLBACKEND=Agg."""
    out = tmp_path_factory.mktemp("browser") / "report.html"
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run(
        [sys.executable, "-m", "dialstats.cli", "report", "--demo", "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_report_loads_cleanly_with_every_chart_and_no_sideways_scroll(report, width):
    seen = check_page(report, width=width)
    assert seen["width"] == width
    assert seen["errors"] == []
    assert seen["images"] >= 5 and seen["broken_images"] == []  # every chart, decoded
    assert seen["scroll_width"] <= seen["width"]  # wide tables scroll inside their box


def test_the_probe_sees_errors_broken_images_and_overflow(tmp_path):
    # The checks above pass only if they can fail: a page with each fault, under the report's policy.
    page = tmp_path / "faulty.html"
    page.write_text(
        "<!DOCTYPE html><html><head>"
        "<meta content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\" http-equiv=\"Content-Security-Policy\"/>"
        "</head><body>"
        '<img src="data:image/png;base64,bm90IGEgcG5n" alt="bad">'
        '<img src="https://example.invalid/x.png" alt="remote">'
        '<div style="width:2000px">wide</div>'
        "</body></html>"
    )
    seen = check_page(page, width=390)
    assert seen["scroll_width"] > seen["width"] == 390
    assert len(seen["broken_images"]) == 2
    assert any("example.invalid" in error for error in seen["errors"])

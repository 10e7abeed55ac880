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


def chosen_png(page_text, tail):
    """The PNG (decoded) of the page's data URI that ends with ``tail``, and its width in inches."""
    import base64
    import io
    import re

    from PIL import Image

    (data,) = {m for m in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page_text)
               if m.endswith(tail)}  # fmt: skip
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    return image.size[0] / image.info["dpi"][0]


def test_on_a_phone_charts_fill_the_width_readably_and_sort_columns_show(report):
    seen = check_page(report, width=390)
    page = report.read_text(encoding="utf-8")
    assert len(seen["charts"]) == 6
    for chart in seen["charts"]:
        # Full width (the page's 10 px margins aside), from the variant drawn ~4 inches wide:
        # its 10-point text is ~12 CSS px, not the desktop figure's 10 inches squeezed to 370 px.
        assert chart["width"] >= 360 and chart["right"] <= 390, chart
        assert chart["width"] <= chart["natural_width"] <= 2.5 * chart["width"], chart
        assert 3.8 <= chosen_png(page, chart["src_tail"]) <= 4.8
    # The boards' sort column (next to the name) is on screen without scrolling sideways.
    assert len(seen["sorted_columns"]) == 4  # machines, reps, lists, sequences
    for column in seen["sorted_columns"]:
        assert column["left"] >= 0 and column["right"] <= 390, column


def test_on_a_desktop_charts_are_the_desktop_variants(report):
    seen = check_page(report, width=1280)
    page = report.read_text(encoding="utf-8")
    assert len(seen["charts"]) == 6
    for chart in seen["charts"]:
        assert chosen_png(page, chart["src_tail"]) >= 8
        assert chart["width"] <= chart["natural_width"]  # never blown up past its pixels


def test_a_phone_screenshot_is_the_phone_width_and_the_whole_page(report, tmp_path):
    from PIL import Image

    from dialstats.report._browser import screenshot

    png = screenshot(report, tmp_path / "phone.png", width=390)
    with Image.open(png) as shot:
        assert shot.size == (390, check_page(report, width=390)["height"])
        # The page itself, not the blank right of a 500 px window: the right edge has content.
        assert shot.crop((300, 0, 390, shot.height)).getextrema() != ((255, 255),) * 3

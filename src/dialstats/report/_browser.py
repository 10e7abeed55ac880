"""A rendered report as a browser sees it: headless Chromium's checks and full-page screenshots.

Used by the browser test and by ``docs/make_screenshot.py``; needs Debian's ``chromium`` package
(or any Chromium/Chrome binary named by ``$CHROMIUM``). No DevTools client is needed: the page is
copied with a small script that measures it in a frame of the asked width and hands the results
to the outer page, whose DOM ``--dump-dom`` returns.

>>> check_page("out/report.html", width=390)  # doctest: +SKIP
{'width': 390, 'scroll_width': 390, 'images': 7, 'broken_images': [], 'errors': []}
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from dialstats.errors import BrowserMissingError

# Quiet, offline and reproducible: no sync, updates, first-run pages or network chatter.
_FLAGS = (
    "--headless",
    "--no-sandbox",  # containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)

# Runs first in the copy of the page: records errors as they happen (console.error, uncaught
# exceptions, resources that failed to load, content-policy violations), then, once everything
# has loaded, measures the page and writes the results into the DOM for --dump-dom to return.
_PROBE = """
(function () {
  var errors = [];
  var log = console.error;
  console.error = function () {
    errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    log.apply(console, arguments);
  };
  window.addEventListener("error", function (e) {
    var t = e.target;
    errors.push(t && t !== window ? "failed to load " + (t.src || t.href || t.tagName)
                                  : "uncaught: " + e.message);
  }, true);
  window.addEventListener("unhandledrejection", function (e) {
    errors.push("unhandled rejection: " + e.reason);
  });
  document.addEventListener("securitypolicyviolation", function (e) {
    errors.push("content policy blocked " + e.blockedURI + " (" + e.violatedDirective + ")");
  });
  window.addEventListener("load", function () {
    var images = Array.prototype.slice.call(document.images);
    var broken = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
    var box = function (e) {
      var r = e.getBoundingClientRect();
      return {left: r.left, right: r.right, top: r.top, width: r.width};
    };
    var charts = Array.prototype.slice.call(document.querySelectorAll("picture img"));
    var sorted = Array.prototype.slice.call(document.querySelectorAll("th[aria-sort]"));
    var results = JSON.stringify({
      width: window.innerWidth,
      scroll_width: document.documentElement.scrollWidth,
      height: document.documentElement.scrollHeight,
      images: images.length,
      broken_images: broken.map(function (i) { return (i.alt || "") + " " + i.src.slice(0, 40); }),
      errors: errors,
      charts: charts.map(function (i) {
        var b = box(i);
        b.natural_width = i.naturalWidth;
        b.src_tail = (i.currentSrc || i.src).slice(-64);
        return b;
      }),
      sorted_columns: sorted.map(function (th) {
        var b = box(th);
        b.text = th.textContent.trim();
        return b;
      })
    });
    window.parent.postMessage(results, "*");
  });
})();
"""


# The page under test runs in a frame of the exact width: a headless window is at least 500 px
# wide, wider than a phone. The frame reports to this page, which --dump-dom returns.
_FRAME = """<!DOCTYPE html><html><head><style>body{{margin:0}}iframe{{border:0}}</style></head>
<body><iframe src="probed.html" style="width:{width}px;height:{height}px"></iframe>
<script>
window.addEventListener("message", function (e) {{
  var out = document.createElement("pre");
  out.id = "browser-probe";
  out.textContent = e.data;
  document.body.appendChild(out);
}});
</script></body></html>
"""


_LEAST_WIDTH = 500  # CSS px: a headless window is never narrower


def chromium() -> str:
    """The Chromium binary: ``$CHROMIUM``, else ``chromium`` / ``chromium-browser`` on the PATH."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (found := shutil.which(name)):
            return found
    raise BrowserMissingError("no chromium on the PATH (Debian: apt-get install chromium)")


def check_page(page: str | os.PathLike[str], *, width: int, height: int = 900) -> dict[str, Any]:
    """Load ``page`` at ``width`` x ``height`` CSS pixels; what the browser saw.

    Returns ``width`` (the window's inner width), ``scroll_width`` and ``height`` of the document,
    ``images`` (how many), ``broken_images`` (not decoded) and ``errors`` (console errors,
    exceptions, failed loads, content-policy violations). ``charts`` gives each ``<picture>``
    image's box in CSS px (``left``, ``right``, ``top``, ``width``), its ``natural_width`` in
    pixels and the last characters of the source the browser chose (``src_tail``);
    ``sorted_columns`` the box and ``text`` of each column header marked ``aria-sort``, as laid
    out before any scrolling.

    >>> check_page("out/report.html", width=1280)["errors"]  # doctest: +SKIP
    []
    """
    source = Path(page).read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="dialstats-browser-") as tmp:
        probed = Path(tmp) / "probed.html"
        probed.write_text(_with_probe(source), encoding="utf-8")
        frame = Path(tmp) / "frame.html"
        frame.write_text(_FRAME.format(width=width, height=height), encoding="utf-8")
        window = f"--window-size={max(width, 500) + 40},{height + 40}"
        dom = _run(tmp, window, "--dump-dom", frame.as_uri())
    found = re.search(r'<pre id="browser-probe">(.*?)</pre>', dom, re.S)
    if found is None:
        raise RuntimeError(f"the page never finished loading in Chromium: {dom[-300:]!r}")
    return json.loads(html.unescape(found.group(1)))


def screenshot(
    page: str | os.PathLike[str], png: str | os.PathLike[str], *, width: int = 1280
) -> Path:
    """A full-page PNG of ``page`` at ``width`` CSS pixels (the window is as tall as the page).

    Below a headless window's least width (500 px, wider than a phone) the page is shown in a
    frame of ``width`` and the shot is cropped to it.

    >>> screenshot("out/report.html", "docs/report.png")  # doctest: +SKIP
    >>> screenshot("out/report.html", "docs/report-phone.png", width=390)  # doctest: +SKIP
    """
    height = check_page(page, width=width)["height"]
    png = Path(png).resolve()
    with tempfile.TemporaryDirectory(prefix="dialstats-browser-") as tmp:
        target = Path(page).resolve().as_uri()
        if width < _LEAST_WIDTH:
            shutil.copy(page, Path(tmp) / "probed.html")
            frame = Path(tmp) / "frame.html"
            frame.write_text(_FRAME.format(width=width, height=height), encoding="utf-8")
            target = frame.as_uri()
        window = max(width, _LEAST_WIDTH)
        _run(tmp, f"--window-size={window},{height}", f"--screenshot={png}", target)
    if width < _LEAST_WIDTH:
        from PIL import Image

        with Image.open(png) as shot:
            shot.crop((0, 0, width, height)).save(png)
    return png


def _with_probe(source: str) -> str:
    """The page with the probe as its first script, allowed by hash in its content policy.

    The rest of the policy stays as shipped, so anything it would block is still reported.
    """
    digest = base64.b64encode(hashlib.sha256(_PROBE.encode()).digest()).decode()
    meta = re.search(r"<meta[^>]*Content-Security-Policy[^>]*>", source)
    if meta is not None:
        allow = f"; script-src 'sha256-{digest}'"
        tag = re.sub(r'content="([^"]*)"', lambda m: f'content="{m[1]}{allow}"', meta[0])
        source = source[: meta.start()] + tag + source[meta.end() :]
        at = meta.start() + len(tag)  # after the policy: a script before it would run unchecked
    elif (head := re.search(r"<head[^>]*>", source)) is not None:
        at = head.end()
    else:
        raise ValueError("not an HTML page: no <head>")
    return source[:at] + f"<script>{_PROBE}</script>" + source[at:]


def _run(profile_parent: str, *args: str) -> str:
    profile = Path(profile_parent) / "profile"  # fresh: no state from an earlier run
    command = [chromium(), *_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000"]
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout

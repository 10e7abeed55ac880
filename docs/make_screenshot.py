"""Re-make docs/report.png: the demo report, full page, as headless Chromium shows it at 1280 px.

    python docs/make_screenshot.py

Needs Debian's `chromium` (or $CHROMIUM naming a Chromium/Chrome binary).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from dialstats.report._browser import screenshot

HERE = Path(__file__).resolve().parent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        command = [sys.executable, "-m", "dialstats.cli", "report", "--demo", "-o", str(page)]
        subprocess.run(command, check=True)
        png = screenshot(page, HERE / "report.png", width=1280)
    print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

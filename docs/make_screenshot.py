"""Re-make docs/report.png and docs/report-phone.png: the demo report, full page, as headless
Chromium shows it at 1280 px (a desktop) and at 390 px (a phone).

    python docs/make_screenshot.py          # into docs/
    python docs/make_screenshot.py /tmp     # elsewhere, to look before replacing them

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
    here = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        command = [sys.executable, "-m", "dialstats.cli", "report", "--demo", "-o", str(page)]
        subprocess.run(command, check=True)
        for name, width in (("report.png", 1280), ("report-phone.png", 390)):
            png = screenshot(page, here / name, width=width)
            print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

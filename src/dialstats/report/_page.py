"""What the report notebook puts on its page besides tables: charts sized for desktop and phone,
and warnings turned into notes a manager can read.

>>> show_warnings_as_notes()  # doctest: +SKIP
>>> show_chart(lambda size: ds.plot.funnel(week, ax=figure(size)), size=(10, 4), phone=(4, 4))
... # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import io
import re
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

# The page shows the phone variant of a chart below this width (CSS px); report/_render.py's
# stylesheet uses the same breakpoint.
PHONE_MEDIA = "(max-width: 600px)"
# Desktop charts as Jupyter draws them (100 dpi: a 10-inch figure is 1000 px, shown 1:1). Phone
# charts are drawn about 4 inches wide at twice the density of a CSS pixel (96 per inch), so on
# a 390 px screen they fill the width with their text at its designed size, sharp on a 2x screen.
DESKTOP_DPI = 100
PHONE_DPI = 192


def figure(size: tuple[float, float]) -> Any:
    """A new axes on a figure of ``size`` inches that lays itself out (labels never clip)."""
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def show_chart(
    draw: Callable[[tuple[float, float]], Any],
    *,
    size: tuple[float, float],
    phone: tuple[float, float],
    alt: str | None = None,
) -> None:
    """Display a chart drawn twice by ``draw(figsize)`` (which returns an axes or a figure): at
    ``size`` for desktops and at ``phone`` for narrow screens, which the page picks between
    with ``<picture>``. The desktop PNG is the output's image too (Jupyter, GitHub). ``alt``
    (by default the chart's titles) is the text read out in place of the image."""
    from IPython.display import display

    desktop = _figure_of(draw(size))
    alt = _titles(desktop) if alt is None else alt
    wide = _png(desktop, DESKTOP_DPI)
    narrow = _png(_fit_phone(_figure_of(draw(phone)), phone[0]), PHONE_DPI)
    alt = html.escape(alt, quote=True)
    page = (
        f'<picture class="chart"><source media="{PHONE_MEDIA}" '
        f'srcset="data:image/png;base64,{narrow}">'
        f'<img src="data:image/png;base64,{wide}" alt="{alt}"></picture>'
    )
    display({"text/html": page, "image/png": wide, "text/plain": f"<chart: {alt}>"}, raw=True)


def _figure_of(drawn: Any) -> Any:
    """The top-level figure of an axes or a figure."""
    fig = getattr(drawn, "figure", drawn)
    while getattr(fig, "figure", fig) is not fig:  # a subfigure's parent
        fig = fig.figure
    return fig


def _titles(fig: Any) -> str:
    """The figure's title and its axes' titles, as one line of text."""
    found = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    found += [ax.get_title() for ax in fig.get_axes()]
    return "; ".join(" ".join(text.split()) for text in found if text.strip())


def _fit_phone(fig: Any, width: float) -> Any:
    """``fig`` made to keep within ``width`` inches: long titles and labels wrap, legends go below the
    chart (beside it they would widen the figure, inside they cover the points)."""
    import textwrap

    def wrap(text: Any) -> None:
        content = text.get_text()
        if not content:
            return
        per_line = max(int(width * 72 / (text.get_fontsize() * 0.52)), 20)
        lines = [textwrap.fill(line, per_line) for line in content.split("\n")]
        text.set_text("\n".join(lines))

    handles, labels = [], []
    for ax in fig.get_axes():
        wrap(ax.title)
        wrap(ax.xaxis.label)
        legend = ax.get_legend()
        if legend is not None:
            handles += legend.legend_handles
            labels += [label.get_text() for label in legend.get_texts()]
            legend.remove()
    if fig._suptitle is not None:
        wrap(fig._suptitle)
    if handles:
        fig.legend(handles, labels, loc="outside lower center", frameon=False)
    return fig


def _png(drawn: Any, dpi: int) -> str:
    """A PNG of the figure, quantised to 256 colours: charts have few, and a page holds two
    images of each."""
    import matplotlib.pyplot as plt
    from PIL import Image

    fig = _figure_of(drawn)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    small = io.BytesIO()
    image.quantize(colors=256).save(small, format="PNG", optimize=True, dpi=(dpi, dpi))
    return base64.b64encode(small.getvalue()).decode("ascii")


# -- warnings as notes --------------------------------------------------------------------------

_STAMP = r"(\d{4}-\d{2}-\d{2})[^)]*"
_NOT_COVERED = re.compile(r"overview\(\): the frame does not cover both periods: (?P<gap>.*?);")


def note_for(message: str) -> str:
    """A warning's message as a sentence for the page: what it means for the figures shown.

    >>> note_for("overview(): the frame does not cover both periods: it has no calls; ...")
    'No change against the period before is shown: there are no calls to compare.'
    """
    found = _NOT_COVERED.search(message)
    if found is not None:
        gap = found["gap"]
        if (
            ends := re.search(rf"last call \({_STAMP}\) is well before the period ends", gap)
        ) is not None:
            return (
                "No change against the period before is shown: the data ends "
                f"{_day(ends[1])}, before this period does."
            )
        if (starts := re.search(rf"first call \({_STAMP}\) is after", gap)) is not None:
            return (
                "No change against the period before is shown: the data starts "
                f"{_day(starts[1])}, after the period before began."
            )
        return "No change against the period before is shown: there are no calls to compare."
    text = str(message).strip()
    text = re.sub(r"^[\w.]+\(\):\s*", "", text)  # "overview(): ..." -> "..."
    text = re.sub(r"\b(\w*Warning)\b", "notice", text)
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _day(iso: str) -> str:
    return f"{pd.Timestamp(iso):%d %b %Y}"


def show_warnings_as_notes() -> None:
    """From now on in this kernel, a warning is displayed where it happens as a short note in the
    page's text (see `note_for`), not as the stderr block with a file path Jupyter shows."""
    from IPython.display import Markdown, display

    from dialstats.report._escape import escape_markdown

    def show(message, category, filename, lineno, file=None, line=None):
        display(Markdown(f"_Note: {escape_markdown(note_for(str(message)))}_"))

    warnings.showwarning = show

"""The weekly report as a manager reads it: the words on the page follow the figures, warnings
read as notes, and a rep's page is about the rep. Each page is rendered once, in parallel."""

from __future__ import annotations

import base64
import html
import io
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

import dialstats as ds
from dialstats.report import load_report, note_for

PAGES = {
    "default": [],
    "past-the-data": ["--start", "2026-12-01"],
    "partial": ["--start", "2026-10-20", "--end", "2026-10-28"],
    "rep": ["--rep", " maya  PATEL"],  # any case and spacing finds "Maya Patel"
}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Each parameter set's page (the HTML text), rendered by the command in parallel."""
    folder = tmp_path_factory.mktemp("pages")
    running = {
        name: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dialstats.cli",
                "report",
                "--demo",
                *argv,
                "-o",
                str(folder / f"{name}.html"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, argv in PAGES.items()
    }
    out = {}
    for name, process in running.items():
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        out[name] = (folder / f"{name}.html").read_text(encoding="utf-8")
    return out


class Charts(HTMLParser):
    """Each <picture>'s phone source (media, srcset) and its desktop <img> (src, alt)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.charts: list[dict[str, str]] = []
        self._in = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "picture":
            self._in = True
            self.charts.append({})
        elif self._in and tag == "source":
            self.charts[-1].update(media=attrs["media"], phone=attrs["srcset"])
        elif self._in and tag == "img":
            self.charts[-1].update(desktop=attrs["src"], alt=attrs.get("alt", ""))

    def handle_endtag(self, tag):
        if tag == "picture":
            self._in = False


def charts(page):
    return Charts(page).charts


def visible(page):
    """The page's text as a reader sees it: no styles, no tags, entities decoded."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html.unescape(body).split())


@pytest.mark.parametrize("name", PAGES)
def test_no_traceback_warning_or_kernel_text_on_any_page(pages, name):
    page = pages[name]
    text = visible(page)
    assert "Traceback" not in text
    assert not re.search(r"\w*Warning\b", text), re.search(r".{80}\w*Warning\b.{80}", text)
    assert "ipykernel" not in page and "/tmp/" not in text
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page


@pytest.mark.parametrize("name", ["past-the-data", "partial"])
def test_a_warning_is_a_note_in_plain_words(pages, name):
    text = visible(pages[name])
    assert (
        "Note: No change against the period before is shown: the data ends 25 Oct 2026, "
        "before this period does." in text
    )
    assert "overview()" not in text and "frame" not in text


def test_note_for_known_and_unknown_warnings():
    assert note_for(
        "overview(): the frame does not cover both periods: its first call (2026-10-01 "
        "09:00:00+00:00) is after the previous period began (2026-09-24 00:00:00+00:00); "
        "growth and the tests of change are NA."
    ) == (
        "No change against the period before is shown: the data starts 01 Oct 2026, after "
        "the period before began."
    )
    assert note_for("trend(): a FutureWarning said so") == "A notice said so."


# -- a rep's page -----------------------------------------------------------------------------


def cards(page):
    """{label: the card's text} of the headline cards."""
    found = re.findall(r'<div class="kpi"><div>([^<]+)</div>(.*?)</div>', page, re.S)
    return {label: visible(rest) for label, rest in found}


def test_a_zero_the_period_before_is_a_value_not_a_missing_period(pages):
    shown = cards(pages["rep"])
    data = load_report(demo=True, rep="Maya Patel")
    kpis = ds.overview(
        data.calls, start_date=data.period.start, end_date=data.period.end, tz=data.tz
    )
    assert kpis.loc["meetings_set", "previous"] == 0  # the demo's week before: no meetings
    meetings = int(kpis.loc["meetings_set", "value"])
    assert shown["Meetings set"] == f"{meetings} +{meetings} (noise) vs 0"
    assert shown["Meeting rate"].startswith(f"{kpis.loc['meeting_rate', 'value']:.1%} +0.4 pts")
    assert not [label for label, text in shown.items() if "no comparable period" in text]


def test_the_rep_page_intro_and_heatmap_are_the_reps(pages):
    text = visible(pages["rep"])
    assert "Maya Patel's period on the phones, against the whole team's" in text
    assert "The team's period on the phones" not in text
    heatmap = [c["alt"] for c in charts(pages["rep"]) if "weekday and hour" in c["alt"]]
    assert len(heatmap) == 1 and heatmap[0].startswith("Maya Patel's calls: Connect rate")
    team = [c["alt"] for c in charts(pages["default"]) if "weekday and hour" in c["alt"]]
    assert team[0].startswith("Connect rate by weekday and hour")


# -- words computed from the figures ----------------------------------------------------------


def test_the_noise_sentence_gives_the_pages_own_figures_and_its_test(pages):
    text = visible(pages["default"])
    data = load_report(demo=True)
    kpis = ds.overview(
        data.calls, start_date=data.period.start, end_date=data.period.end, tz=data.tz
    )
    now, then = int(kpis.loc["meetings_set", "value"]), int(kpis.loc["meetings_set", "previous"])
    p = kpis.loc["meetings_set", "p_value"]
    assert (now, then) == (18, 13)
    assert "14 meetings against 15" not in text
    assert (
        f"{now} meetings set against {then} the period before is within noise, not a trend: "
        f"the exact binomial test of two counts in periods of equal length gives p = {p:.2f}, "
        "and a change needs p < 0.05" in text
    )
    assert f"Meetings set {now} +{now / then - 1:.0%} (noise) vs {then}" in text


def alerts_section(page):
    text = visible(page)
    return text[text.index("Alerts ¶") : text.index("From dial to meeting")]


def test_the_alerts_intro_names_only_the_alerts_shown(pages):
    section = alerts_section(pages["default"])
    intro, shown = section.split("Caller ID", 1)
    assert intro.startswith(
        "Alerts ¶ What needs a look this period: caller IDs whose answer rate fell beyond noise"
    )
    assert "reps whose" not in intro and "lists whose" not in intro  # none of those shown
    assert "Checked too, and within noise: each rep's connect rate" in intro
    assert "Rep " not in shown and "List " not in shown
    rep = alerts_section(pages["rep"])
    assert rep.startswith(
        "Alerts ¶ Nothing beyond noise this period. Checked: Maya Patel's connect rate"
    )
    assert "caller ID" not in rep  # not checked on a rep's page


def test_a_rep_outside_the_funnel_limits_is_told_why_there_is_no_alert(pages):
    text = visible(pages["default"])
    data = load_report(demo=True)
    chart = ds.trend(data.calls.dropna(subset=["user_name"]), freq="W-SUN", by="user_name")
    own = chart[chart["period"] == chart["period"].max()].set_index("user_name")
    jordan = own.loc["Jordan Reyes"]
    assert not jordan["outside"]  # inside their own limits: the p-chart raises no alert
    assert (
        f"Jordan Reyes is above the funnel's 99.8% limits ({jordan['connect_rate']:.1%} on "
        f"{jordan['dials']} dials, against the team's 12.9%), yet is no alert." in text
    )
    assert (
        f"is inside the control limits of their own recent weeks ({jordan['lower_limit']:.1%} "
        f"to {jordan['upper_limit']:.1%})" in text
    )
    assert "within noise after Holm's correction (p = 0.98)" in text


# -- phone and desktop variants of each chart -------------------------------------------------


def png_inches(data_uri):
    from PIL import Image

    data = base64.b64decode(data_uri.removeprefix("data:image/png;base64,"))
    image = Image.open(io.BytesIO(data))
    return image.size[0] / image.info["dpi"][0]


def test_each_chart_has_a_phone_variant_about_four_inches_wide(pages):
    shown = charts(pages["default"])
    assert len(shown) == 6  # funnel, funnel by rep, trend, trend per rep, heatmap, spread
    for chart in shown:
        assert chart["media"] == "(max-width: 600px)"
        assert 3.8 <= png_inches(chart["phone"]) <= 4.8, chart["alt"]
        assert png_inches(chart["desktop"]) >= 8, chart["alt"]

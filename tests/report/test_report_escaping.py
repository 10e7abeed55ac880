"""The HTML report never runs script from the data or the command line: names and filters are
escaped in tables, Markdown and headings, and the escaped text is still there to read."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from nbconvert.filters.markdown import markdown2html

from dialstats import cli
from dialstats.report import escape_markdown
from dialstats.sandbox import generate, serve

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MATH = r"Bo $\frac{$ $$"  # mathtext to matplotlib, and an invalid one: a chart would fail
KEY = "sk-test-escaping-51c2"


class Page(HTMLParser):
    """Every start tag with its attributes, the text of every <script>, and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def assert_inert(page: Page) -> None:
    handlers = [(tag, name) for tag, attrs in page.tags for name in attrs if name.startswith("on")]
    assert not handlers, f"event handler attributes: {handlers}"
    assert not [attrs for tag, attrs in page.tags if tag == "img" and attrs.get("src") == "x"]
    assert not [s for s in page.scripts if "alert(1)" in s], "a script from the data runs"


def hostile_dataset():
    """A small team whose rep, list, sequence and disposition names are markup."""
    data = copy.deepcopy(generate(seed=5, n_calls=1200, days=28))
    names = {}
    for i, call in enumerate(data.calls):
        user = call["user"]
        user["first_name"], user["last_name"] = (SCRIPT, "") if i % 2 else (IMG, "")
        if user["_id"] == data.calls[0]["user"]["_id"]:
            user["first_name"] = MATH
        if call.get("contact_list"):
            call["contact_list"]["name"] = IMG if i % 2 else SCRIPT
        if call.get("sequence"):
            call["sequence"]["name"] = SCRIPT
        if call.get("disposition"):
            call["disposition"]["external_name"] = IMG
        names[user["_id"]] = user["first_name"]
    for item in data.contact_lists:
        item["name"] = IMG
    for item in data.sequences:
        item["name"] = SCRIPT
    for item in data.dispositions:
        item["name"] = f"{IMG} {item['name']}"
    for member in data.team.get("users", []):
        member["user"]["first_name"], member["user"]["last_name"] = SCRIPT, ""
    return data


def report(*args: str, output: Path, capsys) -> Page:
    code = cli.main(["report", *args, "-o", str(output)])
    assert code == 0, capsys.readouterr().err
    return parse(output)


def test_a_snapshot_with_markup_in_every_name_renders_as_inert_text(tmp_path, capsys, monkeypatch):
    with serve(hostile_dataset(), api_key=KEY) as url:
        monkeypatch.setenv("SALESFINITY_API_KEY", KEY)
        monkeypatch.setenv("SALESFINITY_BASE_URL", url)
        snapshot = tmp_path / "calls.parquet"
        assert cli.main(["pull", "--no-progress", "-o", str(snapshot)]) == 0
    monkeypatch.delenv("SALESFINITY_API_KEY")
    page = report("--from", str(snapshot), output=tmp_path / "r.html", capsys=capsys)
    assert_inert(page)
    # And should anything slip through, the page's content policy runs no script.
    policies = [
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policies and "default-src 'none'" in policies[0] and "script-src" not in policies[0]
    text = "".join(page.text)
    # The names are shown as text in the leaderboards, as they are spelt, and the charts
    # that name them are drawn.
    assert SCRIPT in text and IMG in text and MATH in text
    assert sum(t == "img" for t, _ in page.tags) >= 5
    assert "Traceback" not in text
    one = report("--from", str(snapshot), "--rep", MATH, output=tmp_path / "one.html",
                 capsys=capsys)  # fmt: skip
    assert_inert(one)
    assert f"rep {MATH}" in "".join(one.text)


def test_search_text_with_markup_is_shown_not_run(tmp_path, capsys):
    page = report(
        "--demo", "--search", IMG, "--title", SCRIPT, output=tmp_path / "s.html", capsys=capsys
    )
    assert_inert(page)
    assert f"search={IMG}" in "".join(page.text)
    assert SCRIPT in "".join(page.text)  # the page title, as text


def test_markdown_links_and_emphasis_from_data_stay_literal(tmp_path, capsys):
    hostile = "[click](javascript:alert(1)) *x* `y` <u>z</u>"
    page = report("--demo", "--search", hostile, output=tmp_path / "m.html", capsys=capsys)
    assert_inert(page)
    assert not [a for tag, a in page.tags if tag == "a" and "javascript" in (a.get("href") or "")]
    assert not [tag for tag, _ in page.tags if tag == "u"]
    assert hostile in "".join(page.text)


@pytest.mark.parametrize(
    "text",
    [SCRIPT, IMG, "a_b*c*", "[x](y)", "&amp; &lt;", "line\nbreak", "\\", "# heading", "1. item"],
)
def test_escape_markdown_keeps_the_text_and_removes_the_markup(text):
    # What nbconvert does with a Markdown output when it writes the page.
    html = markdown2html(escape_markdown(text))
    page = Page()
    page.feed(html)
    assert [tag for tag, _ in page.tags if tag not in ("p", "br")] == []
    assert " ".join("".join(page.text).split()) == " ".join(text.split())

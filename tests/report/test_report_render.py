"""`dialstats report` machinery: parameter checks, execution, HTML output, failure handling.

These run small notebooks written into a temp dir; the bundled weekly report on the demo data is
exercised in test_report_weekly.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import nbformat
import nbformat.v4 as v4
import pytest

from dialstats import cli
from dialstats.errors import InvalidParameterError
from dialstats.report import Period, last_full_week, render_report, resolve_period, to_html

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_notebook(path, *sources, parameters="demo = False\nfilters = {}"):
    nb = v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    cell = v4.new_code_cell(parameters, metadata={"tags": ["parameters"]})
    nb.cells = [v4.new_markdown_cell("# Tiny report"), cell]
    nb.cells += [v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


PLOT = """\
import json
import os
import matplotlib.pyplot as plt
print("PARAMS", json.dumps({"demo": demo, "start": start, "tz": tz, "filters": filters}))
fig, ax = plt.subplots()
ax.bar(["a", "b"], [3, 4])
ax.set_title("chart title")
plt.show()
"""


@pytest.fixture
def tiny(tmp_path):
    return write_notebook(tmp_path / "tiny.ipynb", PLOT)


@pytest.fixture
def failing(tmp_path):
    return write_notebook(tmp_path / "failing.ipynb", "x = 1", "raise KeyError('no such rep')")


def run(argv, capsys):
    code = cli.main(argv)
    return code, capsys.readouterr().err


# -- the period ---------------------------------------------------------------------------------


def test_last_full_week_ends_on_the_last_sunday_on_or_before_the_day():
    assert last_full_week(dt.date(2026, 10, 25)) == Period(
        dt.date(2026, 10, 19), dt.date(2026, 10, 25)
    )
    assert last_full_week(dt.date(2026, 10, 24)) == Period(
        dt.date(2026, 10, 12), dt.date(2026, 10, 18)
    )
    assert last_full_week(dt.date(2026, 10, 26)).end == dt.date(2026, 10, 25)


def test_resolve_period_fills_a_missing_bound_with_a_week():
    through = dt.date(2026, 10, 25)
    assert resolve_period("2026-10-01", None, through=through) == Period(
        dt.date(2026, 10, 1), dt.date(2026, 10, 7)
    )
    assert resolve_period(None, "2026-10-07", through=through).start == dt.date(2026, 10, 1)
    assert resolve_period(None, None, through=through, tz="Europe/Berlin").tz == "Europe/Berlin"
    with pytest.raises(InvalidParameterError, match="end 2026-10-01 is before start"):
        resolve_period("2026-10-05", "2026-10-01", through=through)
    with pytest.raises(
        InvalidParameterError, match=r"start: .last monday. is not an ISO 8601 date"
    ) as info:
        resolve_period("last monday", None, through=through)
    assert info.value.parameter == "start"


def test_period_selects_whole_local_days_and_knows_its_predecessor():
    import pandas as pd

    period = Period(dt.date(2026, 10, 19), dt.date(2026, 10, 25), "America/New_York")
    stamps = pd.Series(
        pd.to_datetime(
            ["2026-10-19 03:59", "2026-10-19 04:00", "2026-10-26 03:59", "2026-10-26 04:00", None],
            utc=True,
        )
    )
    assert period.contains(stamps).tolist() == [False, True, True, False, False]
    assert period.previous() == Period(dt.date(2026, 10, 12), dt.date(2026, 10, 18), period.tz)
    assert str(period) == "19 Oct to 25 Oct 2026"


# -- bad parameters: one line, exit 2, nothing written, no kernel started ------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--start", "2026-10-10", "--end", "2026-10-01"], "--end 2026-10-01 is before --start"),
        (["--start", "10/01/2026"], "--start '10/01/2026' is not an ISO 8601 date"),
        (["--tz", "Mars/Olympus"], "--tz: 'Mars/Olympus' is not an IANA time zone"),
        (
            ["--tz", "ET"],
            "--tz: 'ET' is a time zone abbreviation, not an IANA zone name; did you "
            "mean 'America/New_York'?",
        ),
        (["--tz", "EST"], "did you mean 'America/New_York'?"),
        (["--tz", "Europe/Pari"], "did you mean 'Europe/Paris'?"),
        (["--notebook", "missing.ipynb"], "--notebook missing.ipynb: no such file"),
        (["--min-duration", "60", "--max-duration", "30"], "--max-duration 30 is below"),
        (["--period", "quarter"], "--period must be week or month"),
        (["--search", "  "], "--search: expected a non-empty string"),
    ],
)
def test_bad_parameter_is_one_line_exit_2_and_no_output(tmp_path, capsys, extra, message):
    out = tmp_path / "out" / "r.html"
    code, err = run(["report", "--demo", *extra, "-o", str(out)], capsys)
    assert code == 2
    assert err.splitlines() == [err.strip()]
    assert err.startswith("dialstats report: error: ")
    assert message in err
    assert not out.parent.exists()


def test_from_must_be_an_existing_parquet_file(tmp_path, capsys):
    out = tmp_path / "r.html"
    code, err = run(["report", "--from", str(tmp_path / "nope.parquet"), "-o", str(out)], capsys)
    assert (code, err.count("\n")) == (2, 1)
    assert "no such file" in err
    csv = tmp_path / "calls.csv"
    csv.write_text("id,duration\n1,30\n")
    code, err = run(["report", "--from", str(csv), "-o", str(out)], capsys)
    assert (code, err.count("\n")) == (2, 1)
    assert "not a Parquet file" in err
    assert list(tmp_path.iterdir()) == [csv]


def test_from_a_directory_must_be_a_store(tmp_path, capsys):
    folder = tmp_path / "exports"
    folder.mkdir()
    code, err = run(["report", "--from", str(folder), "-o", str(tmp_path / "r.html")], capsys)
    assert (code, err.count("\n")) == (2, 1)
    assert "not a call-log store" in err


def test_notebook_must_be_a_notebook(tmp_path, capsys):
    junk = tmp_path / "junk.ipynb"
    junk.write_text("{not json")
    code, err = run(
        ["report", "--demo", "--notebook", str(junk), "-o", str(tmp_path / "r.html")], capsys
    )
    assert (code, err.count("\n")) == (2, 1)
    assert "not a Jupyter notebook" in err


def test_output_must_be_html(tmp_path, capsys):
    code, err = run(["report", "--demo", "-o", str(tmp_path / "report.pdf")], capsys)
    assert code == 2
    assert "-o" in err and ".html" in err


def test_live_api_without_a_key_is_refused_before_running(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SALESFINITY_API_KEY", raising=False)
    code, err = run(["report", "-o", str(tmp_path / "r.html")], capsys)
    assert code == 2
    assert "SALESFINITY_API_KEY" in err and "--demo" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--demo", "--bogus-filter", "x"],
        ["--demo", "--outcome", "picked-up"],
        ["--demo", "--min-duration", "-5"],
        ["--demo", "--disposition-ids", "one"],
        ["--demo", "--from", "calls.parquet"],
    ],
)
def test_unknown_or_malformed_flags_are_argparse_errors(tmp_path, capsys, argv):
    out = tmp_path / "r.html"
    with pytest.raises(SystemExit) as info:
        cli.main(["report", *argv, "-o", str(out)])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "error:" in err.splitlines()[-1]
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_filters_are_collected_flat_typed_and_named_as_the_reader_names_them(tmp_path):
    from dialstats.cli._report import parameters_from_args

    args = cli.build_parser().parse_args(
        [
            "report", "--demo", "--user-ids", "u1,u2", "u3", "--user-ids", "u4",
            "--disposition-ids", "1", "6,8", "--no-has-recording", "--min-duration", "60",
            "--from-numbers", "+15550001", "--exclude-negative-dispositions",
            "--start", "2026-10-01", "-o", str(tmp_path / "r.html"),
        ]
    )  # fmt: skip
    parameters, notebook, output = parameters_from_args(args)
    assert parameters == {
        "start": "2026-10-01",
        "end": None,
        "tz": "auto",  # the page says which zone that resolved to
        "period": "week",
        "rep": None,
        "demo": True,
        "snapshot": None,
        "filters": {
            "user_ids": ["u1", "u2", "u3", "u4"],
            "disposition_ids": [1, 6, 8],
            "has_recording": False,
            "min_duration": 60,
            "from": ["+15550001"],
            "exclude_negative_dispositions": True,
        },
    }
    assert notebook is None
    assert output == tmp_path / "r.html"


# -- running a notebook -------------------------------------------------------------------------


def test_report_runs_the_notebook_with_parameters_and_writes_html_and_ipynb(tmp_path, tiny, capsys):
    out = tmp_path / "site" / "week.html"
    code, err = run(
        ["report", "--demo", "--notebook", str(tiny), "--tz", "Europe/Berlin",
         "--start", "2026-10-05", "--outcome", "answered", "-o", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "running tiny.ipynb" in err and "wrote" in err  # progress on stderr
    executed = nbformat.read(out.with_suffix(".ipynb"), as_version=4)
    printed = [
        o["text"]
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("name") == "stdout"
    ]
    params = json.loads(printed[0].split("PARAMS ", 1)[1])
    assert params == {
        "demo": True,
        "start": "2026-10-05",
        "tz": "Europe/Berlin",
        "filters": {"outcome": "answered"},
    }
    page = out.read_text()
    assert "<title>tiny</title>" in page
    assert page.count("data:image/png;base64,") >= 1
    assert "Tiny report" in page  # markdown is kept
    assert "chart title" not in page  # code is hidden by default
    assert "<script src=" not in page  # nothing is fetched from the network
    assert sorted(p.name for p in out.parent.iterdir()) == ["week.html", "week.ipynb"]


def test_show_code_keeps_the_code(tmp_path, tiny, capsys):
    out = tmp_path / "week.html"
    code, err = run(
        [
            "report",
            "--demo",
            "--notebook",
            str(tiny),
            "--show-code",
            "--title",
            "Team week",
            "-o",
            str(out),
        ],
        capsys,
    )
    assert code == 0, err
    page = out.read_text()
    assert "chart title" in page
    assert "<title>Team week</title>" in page


def test_a_failing_cell_exits_1_with_its_error_and_leaves_the_old_report(tmp_path, failing, capsys):
    out = tmp_path / "week.html"
    out.write_text("last week's report")
    code, err = run(["report", "--demo", "--notebook", str(failing), "-o", str(out)], capsys)
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert (
        last
        == "dialstats report: error: cell 4 (raise KeyError('no such rep')) raised KeyError: 'no such rep'"
    )
    assert out.read_text() == "last week's report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["failing.ipynb", "week.html"]


def test_render_report_api(tmp_path, failing):
    from dialstats.report import ReportExecutionError

    with pytest.raises(ReportExecutionError) as info:
        render_report(tmp_path / "new" / "x.html", notebook=failing, progress=False)
    assert (info.value.cell, info.value.ename) == (4, "KeyError")
    assert not (tmp_path / "new").exists()


def test_to_html_embeds_images_of_an_executed_notebook():
    nb = v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    cell = v4.new_code_cell(
        "draw_weekly_chart()",
        outputs=[v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})],
    )
    nb.cells = [cell]
    page = to_html(nb, title="One pixel")
    assert f"data:image/png;base64,{png}" in page
    assert "draw_weekly_chart" not in page
    assert "draw_weekly_chart" in to_html(nb, show_code=True)


TWO_CHARTS = """\
import matplotlib.pyplot as plt
for title in ("first", "second"):
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [3, 4])
    ax.set_title(title)
    plt.show()
"""


@pytest.mark.parametrize("backend", ["Agg", "agg", "pdf"])
def test_every_chart_is_embedded_whatever_mplbackend_says(tmp_path, monkeypatch, backend):
    # Headless machines and cron often export MPLBACKEND=Agg, under which plt.show() draws nothing.
    monkeypatch.setenv("MPLBACKEND", backend)
    nb = write_notebook(tmp_path / "two.ipynb", TWO_CHARTS)
    report = render_report(tmp_path / "two.html", notebook=nb, progress=False)
    images = re.findall(r"<img [^>]*src=\"data:image/png;base64,", report.html.read_text())
    assert len(images) == 2
    assert os.environ["MPLBACKEND"] == backend  # the caller's environment is left as it was

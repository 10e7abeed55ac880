"""The bundled weekly report, end to end: demo data, a saved snapshot, and the API over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

import dialstats as ds
from dialstats import cli
from dialstats.errors import InvalidParameterError
from dialstats.report import Period, load_calls, load_report, period_change, team_zone

SECTIONS = [
    "Call report",
    "Headline numbers",
    "Alerts",
    "From dial to meeting",
    "Trend",
    "When people pick up",
    "Answering machines",
    "Rep leaderboard",
    "List leaderboard",
    "Sequence leaderboard",
]
DEMO_WEEK = Period(dt.date(2026, 10, 19), dt.date(2026, 10, 25))


def headings(page):
    return [
        re.sub(r"<[^>]+>|¶", "", h).strip()
        for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", page, re.S)
    ]


def assert_complete_report(page):
    assert headings(page) == SECTIONS
    assert page.count("data:image/png;base64,") >= 3  # funnel, trend, heatmap
    assert "Traceback" not in page and "jp-OutputArea-output jp-mod-error" not in page
    assert not re.search(r'(src|href)="https?://', page)  # self-contained: nothing to fetch
    assert (
        "TqdmWarning" not in page and 'data-mime-type="application/vnd.jupyter.stderr"' not in page
    )


# -- load_calls: the period and the window of data a report reads -------------------------------


def test_demo_report_defaults_to_the_last_full_week_and_keeps_history():
    calls, period = load_calls(demo=True, weeks=4)
    assert period == DEMO_WEEK
    created = calls["created_at"]
    assert created.min() >= pd_ts("2026-09-28") and created.max() < pd_ts("2026-10-26")
    assert created.min() < pd_ts("2026-09-29")  # four whole weeks, not a day less
    assert str(created.dt.tz) == "UTC"


def test_load_calls_applies_filters_tz_and_an_explicit_period():
    team = ds.read_team(demo=True)
    maya = team.loc[team["user_name"] == "Maya Patel", "user_id"].tolist()
    calls, period = load_calls(
        demo=True, start="2026-09-01", end="2026-09-30", tz="America/New_York",
        filters={"user_ids": maya, "outcome": "answered"}, weeks=1,
    )  # fmt: skip
    assert period == Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30), "America/New_York")
    assert set(calls["user_name"]) == {"Maya Patel"}
    assert set(calls["outcome"]) == {"answered"}
    local = calls["created_at"].dt.tz_convert("America/New_York")
    # A 30-day period reads the 30 days before it too, for growth.
    assert local.min().date() >= dt.date(2026, 8, 2) and local.max().date() <= dt.date(2026, 9, 30)
    assert local.min().date() <= dt.date(2026, 8, 4)


def test_load_calls_rejects_what_it_cannot_honour(tmp_path):
    with pytest.raises(InvalidParameterError, match="start/end") as info:
        load_calls(demo=True, filters={"start_date": "2026-10-01"})
    assert info.value.parameter == "filters"
    with pytest.raises(InvalidParameterError, match="outcome"):
        load_calls(demo=True, filters={"outcome": "picked-up"})
    with pytest.raises(InvalidParameterError, match="no such file"):
        load_calls(snapshot=tmp_path / "missing.parquet")
    with pytest.raises(InvalidParameterError, match="weeks"):
        load_calls(demo=True, weeks=0)
    with pytest.raises(InvalidParameterError, match="Mars/Olympus"):
        load_calls(tz="Mars/Olympus")  # checked before the live API is asked anything


def test_load_calls_reads_a_store_directory(tmp_path):
    store = ds.CallLogStore(tmp_path / "calls")
    store.sync(demo=True, progress=False)
    calls, period = load_calls(snapshot=store.path, weeks=2)
    assert period == DEMO_WEEK
    expected = ds.read_call_logs(demo=True, start_date="2026-10-12", end_date="2026-10-25")
    assert sorted(calls["id"]) == sorted(expected["id"])


def pd_ts(day):
    import pandas as pd

    return pd.Timestamp(day, tz="UTC")


# -- dialstats report on the bundled notebook ---------------------------------------------------


def test_demo_report_has_every_section_with_charts_and_no_code(tmp_path, capsys):
    out = tmp_path / "out" / "r.html"
    assert cli.main(["report", "--demo", "-o", str(out)]) == 0, capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    assert_complete_report(page)
    assert "<title>Call report</title>" in page
    assert "19 Oct to 25 Oct 2026" in page
    # The team's zone, not UTC, and the page says so and why.
    assert "Times and days in <strong>America/New_York</strong>" in page
    assert "most common zone of the contacts called" in page
    # Cards give counts and rates; a change within noise is not coloured as news.
    for label in ("Meetings set", "Connect rate", "Meeting rate"):
        assert f"<div>{label}</div>" in page
    assert "(noise)" in page
    # Every active member, with no calls too; the inactive one named.
    assert "Dana Whitfield" in page and "Inactive on the team: Olivia Chen." in page
    assert "Team total" in page and "pts (noise)" in page  # totals and change vs before
    # The two planted burned caller IDs are alerts, with their dates.
    assert page.count("Caller ID <strong>") == 2 and "beyond noise across" in page
    assert "load_report" not in page  # code hidden
    executed = nbformat.read(out.with_suffix(".ipynb"), as_version=4)
    # The funnel by rep, reps sorted by their dials, is drawn.
    (by_rep,) = [c for c in executed.cells if 'sort="volume"' in c.source]
    assert [o for o in by_rep.outputs if "image/png" in o.get("data", {})]
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "demo = True" in injected[0].source
    assert sorted(p.name for p in out.parent.iterdir()) == ["r.html", "r.ipynb"]


def test_report_command_in_a_subprocess_with_period_tz_filters_and_code(tmp_path):
    team = ds.read_team(demo=True)
    ids = team.loc[team["user_name"].isin(["Maya Patel", "Tyler Grant"]), "user_id"].tolist()
    out = tmp_path / "maya-tyler.html"
    result = subprocess.run(
        [sys.executable, "-m", "dialstats.cli", "report", "--demo", "--start", "2026-10-05",
         "--end", "2026-10-11", "--tz", "America/New_York", "--user-ids", ",".join(ids),
         "--show-code", "--title", "Maya and Tyler", "-o", str(out)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "running the weekly report on the demo data" in result.stderr
    assert "Executing" not in result.stderr and "IPKernelApp" not in result.stderr  # quiet
    assert result.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert_complete_report(page)
    assert "05 Oct to 11 Oct 2026" in page and "America/New_York" in page
    assert "2 reps calling" in page
    assert "load_report" in page  # --show-code
    assert "<title>Maya and Tyler</title>" in page


def test_report_from_a_pulled_snapshot(tmp_path, capsys):
    snapshot = tmp_path / "calls.parquet"
    assert cli.main(["pull", "--demo", "--no-progress", "-o", str(snapshot)]) == 0
    out = tmp_path / "from-file.html"
    code = cli.main(["report", "--from", str(snapshot), "--direction", "outbound", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    assert_complete_report(page)
    assert "19 Oct to 25 Oct 2026" in page and "direction=outbound" in page
    assert f"snapshot {snapshot}" in page


def test_report_reads_the_live_api_over_http_and_never_shows_the_key(tmp_path, capsys, monkeypatch):
    key = "sk-live-REPORT-TEST-7f3a9c"
    with ds.sandbox.serve(api_key=key) as base_url:
        monkeypatch.setenv("SALESFINITY_API_KEY", key)
        monkeypatch.setenv("SALESFINITY_BASE_URL", str(base_url))
        out = tmp_path / "live.html"
        code = cli.main(
            [
                "report",
                "--start",
                "2026-10-12",
                "--end",
                "2026-10-18",
                "--tz",
                "UTC",
                "-o",
                str(out),
            ]
        )
    err = capsys.readouterr().err
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert_complete_report(page)
    assert "12 Oct to 18 Oct 2026" in page and "live API" in page
    calls = ds.read_call_logs(demo=True, start_date="2026-10-12", end_date="2026-10-18")
    assert f"{len(calls):,} calls ·" in page  # the same calls as the demo read
    assert "Dana Whitfield" in page  # the team, read from the API too
    for text in (page, out.with_suffix(".ipynb").read_text(encoding="utf-8"), err):
        assert key not in text


def test_a_selection_without_calls_still_renders(tmp_path, capsys):
    out = tmp_path / "empty.html"
    code = cli.main(["report", "--demo", "--search", "no-such-contact-anywhere", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    assert "0 calls · 0 reps calling" in page
    assert "No calls match" in page


def test_a_period_past_the_data_says_so_instead_of_showing_zeros(tmp_path, capsys):
    out = tmp_path / "late.html"
    code = cli.main(["report", "--demo", "--start", "2026-11-23", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    assert "No calls 23 Nov to 29 Nov 2026; latest data 25 Oct 2026" in page
    assert "0.0%" not in page and "against 0.0" not in page
    assert "No calls this period" in page  # each section, instead of empty tables and axes


def test_monthly_coaching_report_for_one_rep(tmp_path, capsys):
    out = tmp_path / "maya.html"
    code = cli.main(
        ["report", "--demo", "--period", "month", "--rep", "Maya Patel", "-o", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    assert "September 2026" in page and "rep Maya Patel" in page
    assert "Dana Whitfield" not in page  # one rep's page
    executed = nbformat.read(out.with_suffix(".ipynb"), as_version=4)
    assert "Traceback" not in json.dumps(executed.cells[3:], default=str)
    # Drawn against the team: the team's rate under each of the rep's, as the team's calls
    # give it, and the funnel and trend charts of the rep beside the team.
    data = load_report(demo=True, period="month")
    team = ds.overview(
        data.team_calls, start_date=data.period.start, end_date=data.period.end, tz=data.tz
    )
    for rate in ("connect_rate", "conversation_rate", "meeting_rate"):
        assert f"<small>team {team.loc[rate, 'value']:.1%}</small>" in page
    against = [c for c in executed.cells if 'who="Team"' in c.source or 'label="Team"' in c.source]
    assert len(against) == 2 and all(
        [o for o in c.outputs if "image/png" in o.get("data", {})] for c in against
    )


def test_an_unknown_rep_names_the_closest(tmp_path, capsys):
    code = cli.main(["report", "--demo", "--rep", "maya patle", "-o", str(tmp_path / "r.html")])
    assert code == 2  # checked before the notebook runs
    assert "--rep 'maya patle': no rep of that name; did you mean 'Maya Patel'?" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "r.html").exists()


# -- load_report: what the page states ---------------------------------------------------------


def test_load_report_places_days_in_the_team_zone_and_knows_the_latest_data():
    data = load_report(demo=True, weeks=2)
    assert data.tz == "America/New_York" and str(data.calls["created_at"].dt.tz) == data.tz
    assert data.period == Period(dt.date(2026, 10, 19), dt.date(2026, 10, 25), data.tz)
    assert data.latest.date() == dt.date(2026, 10, 25) and not data.partial
    assert set(data.team["status"]) == {"active", "inactive"}
    partial = load_report(demo=True, start="2026-10-20", end="2026-10-28", tz="UTC", weeks=2)
    assert partial.partial and partial.tz_reason == "as asked (--tz)"
    month = load_report(demo=True, period="month", weeks=2)
    assert str(month.period) == "September 2026" and str(month.period.previous()) == "August 2026"
    assert month.current["created_at"].min().month == 9


def test_team_zone_is_the_commonest_contact_zone_else_utc():
    import pandas as pd

    calls = pd.DataFrame({"contact_tz": ["America/Chicago"] * 3 + ["Europe/Berlin", None]})
    assert team_zone(calls)[0] == "America/Chicago"
    assert team_zone(calls.iloc[4:]) == ("UTC", "no contact has a known time zone")


def test_period_change_finds_a_planted_change_and_not_noise():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)

    def calls(rates):
        rows = []
        for name, rate in rates.items():
            connected = rng.random(2000) < rate
            rows.append(pd.DataFrame({"user_name": name, "connected": connected}))
        frame = pd.concat(rows, ignore_index=True)
        return frame

    before = {"steady": 0.10, "better": 0.10}
    now = {"steady": 0.10, "better": 0.16}  # +6 points planted
    change = period_change(_as_calls(calls(now)), _as_calls(calls(before)), "user_name")
    change = change.set_index("user_name")
    assert change.loc["better", "significant"] and not change.loc["steady", "significant"]
    better = change.loc["better"]
    assert better["change_low"] <= 0.06 <= better["change_high"]
    assert better["dials"] == better["dials_before"] == 2000


def _as_calls(frame):
    """A call log whose connected calls are answered by a person with an "Answered" disposition."""
    frame = frame.copy()
    frame["outcome"] = "answered"
    frame["answered_by"] = "human"
    frame["disposition_id"] = frame["connected"].map({True: 2, False: 12}).astype("Int64")
    frame["disposition_name"] = frame["connected"].map({True: "Answered", False: "No Answer"})
    frame["duration"] = 30.0
    return frame.drop(columns="connected")


def test_report_key_comes_from_the_environment_only(monkeypatch, tmp_path, capsys):
    # The key is never a parameter of the notebook: papermill would write it into OUT.ipynb.
    from dialstats.cli._report import parameters_from_args

    monkeypatch.setenv("SALESFINITY_API_KEY", "sk-should-not-travel")
    args = cli.build_parser().parse_args(["report", "-o", str(tmp_path / "r.html")])
    parameters, _, _ = parameters_from_args(args)
    assert "sk-should-not-travel" not in repr(parameters)
    assert os.environ["SALESFINITY_API_KEY"] == "sk-should-not-travel"

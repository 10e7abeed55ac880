"""``dialstats report``: render the weekly report notebook to a self-contained HTML page.

Every parameter is checked before the notebook runs, so a typo costs a one-line error (exit 2)
rather than a kernel start-up; a cell that raises costs its error (exit 1). Either way nothing is
written at the output path.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dialstats._checks import check_time_zone
from dialstats._readers import read_team
from dialstats.api import parse_date
from dialstats.cli._filters import BASE_URL_ENV, FILTERS, add_filter_arguments, flag_for, in_flags
from dialstats.errors import ApiError, InvalidParameterError
from dialstats.store import META_NAME as STORE_META

PROG = "dialstats report"
# The names the report sets in the notebook's `parameters` cell (docs/report-notebooks.md).
PARAMETERS = ("start", "end", "tz", "period", "rep", "demo", "snapshot", "filters")
API_KEY_ENV = "SALESFINITY_API_KEY"

USAGE = (
    "dialstats report [--demo | --from FILE.parquet] [--start DATE] [--end DATE] [--tz ZONE]\n"
    "                        [--period week|month] [--rep NAME] [filters ...]\n"
    "                        [--notebook PATH] [--show-code] [--verbose] -o OUT.html"
)

DESCRIPTION = """\
Run the report notebook with the given parameters and write OUT.html (code hidden, charts
embedded: one file to mail or open offline) and the executed OUT.ipynb next to it.

Without --start/--end the report covers the last full Monday-Sunday week in the data: for --demo
and --from, the last full week the data reaches; for the live API, the last full week before today.
With only one of them, the report covers the week that starts (or ends) on it. --period month
makes it the last full calendar month (or the month holding --start/--end). --rep NAME makes it
one rep's coaching report.

Days and hours are counted in --tz; by default (auto) in the zone most contacts called are in
(their contact_tz), a US team's working day rather than UTC's. The page states the zone used.
"""

EPILOG = """\
examples:
  dialstats report --demo -o out/report.html
  dialstats report --demo --period month --rep "Maya Patel" -o maya.html
  dialstats report --start 2026-10-12 --end 2026-10-18 --tz America/New_York -o week42.html
  dialstats report --from calls.parquet --user-ids 64f1c0 64f1c1 --outcome answered -o team.html
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="render the weekly team report to a self-contained HTML page",
        usage=USAGE,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--demo", action="store_true", help="use the bundled demo data (no API key)"
    )
    source.add_argument(
        "--from",
        dest="snapshot",
        metavar="FILE.parquet",
        help="use a snapshot saved by `dialstats pull -o` (or a `--store` directory)",
    )
    parser.add_argument("--start", metavar="DATE", help="first day of the report, YYYY-MM-DD")
    parser.add_argument("--end", metavar="DATE", help="last day of the report (inclusive)")
    parser.add_argument(
        "--tz",
        default="auto",
        metavar="ZONE",
        help="IANA time zone (default auto: the commonest zone of the contacts called)",
    )
    parser.add_argument(
        "--period",
        default="week",
        metavar="week|month",
        help="the last full Mon-Sun week (default) or calendar month",
    )
    parser.add_argument("--rep", metavar="NAME", help="one rep's coaching report (a user name)")
    parser.add_argument(
        "--notebook", metavar="PATH", help="your own report notebook (default: the bundled one)"
    )
    parser.add_argument(
        "--show-code", action="store_true", help="keep the code cells in the HTML page"
    )
    parser.add_argument("--title", help="page title (default: the notebook's)")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show the kernel's log and a bar of the cells as they run",
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUT.html", help="where to write the page"
    )
    add_filter_arguments(parser.add_argument_group("filters (as in read_call_logs)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        parameters, notebook, output = parameters_from_args(args)
    except InvalidParameterError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2

    from dialstats.report import ReportExecutionError, render_report

    if args.rep is not None:
        try:
            parameters["rep"] = _rep(args.rep, demo=args.demo, snapshot=parameters["snapshot"])
        except InvalidParameterError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 2
        except ApiError as exc:
            print(f"{PROG}: error: {_api_failure(type(exc).__name__, str(exc))}", file=sys.stderr)
            return 1
    data = "the demo data" if args.demo else (parameters["snapshot"] or "the live API")
    _say(f"running {notebook.name if notebook else 'the weekly report'} on {data}")
    try:
        with _quiet_kernel(verbose=args.verbose):
            report = render_report(
                output,
                notebook=notebook,
                parameters=parameters,
                show_code=args.show_code,
                title=args.title,
                progress=args.verbose,
            )
    except ReportExecutionError as exc:
        print(f"{PROG}: error: {_explain(exc)}", file=sys.stderr)
        return 2 if _raised(exc, InvalidParameterError) else 1
    except OSError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    _say(f"wrote {report.html} and {report.notebook}")
    return 0


# The report's parameters -> this command's flags, for errors raised in the kernel: those carry
# only the exception's name and message, which starts with the parameter (``outcome: ...``).
_FLAGS = {
    **{name: flag_for(name) for name in FILTERS.values()},
    "start": "--start",
    "end": "--end",
    "tz": "--tz",
    "period": "--period",
    "rep": "--rep",
    "snapshot": "--from",
}
_REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) \S+( \([^)]*\))?: ")


def _raised(exc: Any, kind: type[Exception]) -> bool:
    """Whether the kernel raised a `kind` (or a subclass: `StoreFilterError` is an
    `InvalidParameterError`). The kernel sends the exception's class by name only; every
    dialstats exception is in `dialstats.errors`, so the name finds the class."""
    from dialstats import errors

    raised = getattr(errors, exc.ename, None) if exc.ename in errors.__all__ else None
    return isinstance(raised, type) and issubclass(raised, kind)


def _explain(exc: Any) -> str:
    """A failed run in the terms of the command line: a bad parameter or an unreachable API is
    the user's to fix, and is said as such; any other error names the cell that raised it."""
    if _raised(exc, InvalidParameterError):
        message = exc.evalue
        parameter = re.match(r"\w+", message)
        if parameter and parameter[0] in _FLAGS:  # only the parameter, never the prose after it
            message = _FLAGS[parameter[0]] + message[parameter.end() :]
        return _scrubbed(message)
    if _raised(exc, ApiError):
        return _api_failure(exc.ename, exc.evalue)
    return _scrubbed(str(exc))


def _api_failure(ename: str, evalue: str) -> str:
    from dialstats.api import resolve_base_url

    try:
        url = resolve_base_url(None, check_scheme=False)
    except InvalidParameterError:
        url = os.environ.get(BASE_URL_ENV, "the API")
    reason = _REQUEST.sub("", evalue).replace(
        "is base_url right?", "is SALESFINITY_BASE_URL right?"
    )
    if ename == "ApiConnectionError":
        return _scrubbed(f"could not connect to {url}: {reason}")
    if ename == "AuthenticationError":
        return _scrubbed(f"{url} refused the API key in {API_KEY_ENV}: {reason}")
    return _scrubbed(f"the API at {url} failed: {reason}")


def _scrubbed(message: str) -> str:
    """``message`` without the API key, should any text ever carry it."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    return message.replace(key, "***") if len(key) >= 4 else message


def _rep(name: str, *, demo: bool, snapshot: str | None) -> str:
    """``--rep`` as the data spells it, checked before a kernel starts where the names are
    cheap to read: the demo team, a snapshot file's column, the live API's team list."""
    from dialstats.report import known_rep

    name = name.strip()
    if not name:
        raise _bad("--rep", "must name a rep, got an empty string")
    if demo:
        names = read_team(demo=True)["user_name"].dropna()
    elif snapshot is not None:
        if Path(snapshot).is_dir():
            return name  # a store: the notebook checks the name against what it reads
        import pyarrow.parquet as pq

        try:
            names = pq.read_table(snapshot, columns=["user_name"]).column(0).to_pylist()
        except (KeyError, ValueError):
            return name
    else:
        names = read_team()["user_name"].dropna()
    return known_rep(name, [n for n in names if n is not None], flag="--rep")


# Start-up and shutdown chatter of a local kernel, not news to someone who asked for a report.
_KERNEL_NOISE = re.compile(
    r"^\[IPKernelApp\] |^\d+\.\d+s - |^(Passed unknown parameter|Input notebook does not)"
)


@contextlib.contextmanager
def _quiet_kernel(*, verbose: bool) -> Iterator[None]:
    """Hold back what the kernel (a child process writing to our stderr) and papermill log,
    except lines that are not known noise; ``--verbose`` lets everything through."""
    if verbose:
        yield
        return
    papermill_log = logging.getLogger("papermill")
    level = papermill_log.level
    papermill_log.setLevel(logging.ERROR)
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            papermill_log.setLevel(level)
            held.seek(0)
            lines = held.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.writelines(line for line in lines if not _KERNEL_NOISE.match(line))
            sys.stderr.flush()


def parameters_from_args(args: argparse.Namespace) -> tuple[dict[str, Any], Path | None, Path]:
    """Validate the command line: (notebook parameters, notebook or None, output path)."""
    start, end = _date(args.start, "--start"), _date(args.end, "--end")
    if start and end and end < start:
        raise _bad("--end", f"{end} is before --start {start}")
    # The zone as the analyses will read it: an abbreviation is refused with the zone it means.
    tz = args.tz if args.tz == "auto" else check_time_zone("--tz", args.tz)
    if args.period not in ("week", "month"):
        raise _bad("--period", f"must be week or month, got {args.period!r}")
    filters = {name: getattr(args, dest) for dest, name in FILTERS.items()}
    filters = {name: value for name, value in filters.items() if value is not None}
    lo, hi = filters.get("min_duration"), filters.get("max_duration")
    if lo is not None and hi is not None and hi < lo:
        raise _bad("--max-duration", f"{hi} is below --min-duration {lo}")
    _check_filters(filters)
    snapshot = _snapshot(args.snapshot) if args.snapshot else None
    if not args.demo and snapshot is None:
        if not os.environ.get(API_KEY_ENV):
            raise InvalidParameterError(
                "api_key", f"no API key: set {API_KEY_ENV}, or use --demo or --from FILE.parquet"
            )
        _check_base_url()
    notebook = _notebook(args.notebook) if args.notebook else None
    parameters = {
        "start": start and start.isoformat(),
        "end": end and end.isoformat(),
        "tz": tz,
        "period": args.period,
        "rep": args.rep,
        "demo": bool(args.demo),
        "snapshot": snapshot,
        "filters": filters,
    }
    return parameters, notebook, _output(args.output)


def _check_filters(filters: dict[str, Any]) -> None:
    """The reader's own checks, before a kernel starts; errors name the flag, not the keyword."""
    from dialstats.api import normalize_filters

    try:
        normalize_filters(filters)
    except InvalidParameterError as exc:
        raise InvalidParameterError(exc.parameter, in_flags(exc, _FLAGS)) from None


def _check_base_url() -> None:
    """The live API's address, as the client will check it, before a kernel starts."""
    from dialstats.api import resolve_base_url

    try:
        resolve_base_url(None)
    except InvalidParameterError as exc:
        message = in_flags(exc, {"base_url": BASE_URL_ENV})
        raise InvalidParameterError(exc.parameter, message) from None


def _date(text: str | None, flag: str) -> dt.date | None:
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        try:  # the readers' refusal, which names both readings of "10/01/2026"
            parse_date(flag, text)
        except InvalidParameterError as exc:
            raise _bad(flag, str(exc).removeprefix(f"{flag}: ")) from None
        raise _bad(flag, f"must be a day like 2026-10-19, not a time; got {text!r}") from None
    # Four-digit years, with room for the day after the period (its end, exclusive).
    if not dt.date(1000, 1, 1) <= day < dt.date.max:
        raise _bad(flag, f"must be a date from 1000-01-01 to 9999-12-30, got {text!r}")
    return day


def _snapshot(text: str) -> str:
    """A ``dialstats pull -o`` Parquet file, or a `CallLogStore` directory."""
    path = Path(text).expanduser()
    if path.is_dir():
        if not (path / STORE_META).is_file():
            raise _bad(
                "--from", f"{text}: not a call-log store (`dialstats pull --store` makes one)"
            )
    elif not path.is_file():
        raise _bad("--from", f"{text}: no such file")
    else:
        with path.open("rb") as fh:
            if fh.read(4) != b"PAR1":
                raise _bad("--from", f"{text}: not a Parquet file (`dialstats pull -o` saves one)")
    return str(path.resolve())  # the notebook runs in its own directory


def _notebook(text: str) -> Path:
    import nbformat

    path = Path(text).expanduser()
    if not path.is_file():
        raise _bad("--notebook", f"{text}: no such file")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for a bad file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _bad("--notebook", f"{text}: not a Jupyter notebook ({reason})") from None
    if not any("parameters" in cell.get("metadata", {}).get("tags", []) for cell in nb.cells):
        # Without it the values are injected at the top and the notebook's own assignments
        # would silently override them.
        raise _bad(
            "--notebook",
            f"{text}: no cell is tagged 'parameters'; tag the cell that sets "
            f"{', '.join(PARAMETERS)} (docs/report-notebooks.md)",
        )
    return path


def _output(text: str) -> Path:
    path = Path(text).expanduser()
    if path.suffix.lower() not in (".html", ".htm"):
        raise _bad("-o", f"{text}: the output must be an .html file (OUT.ipynb goes beside it)")
    if path.is_dir():
        raise _bad("-o", f"{text}: is a directory")
    existing = next(p for p in path.absolute().parents if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise _bad("-o", f"{text}: cannot write in {existing}")
    return path


def _bad(flag: str, message: str) -> InvalidParameterError:
    return InvalidParameterError(flag, f"{flag} {message}")


def _say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)

"""``dialstats pull``: save the call log for a report, or bring a local store up to date.

dialstats pull --demo -o calls.parquet                       # a snapshot file
dialstats pull --start 2026-08-01 --store calls/             # first pull: everything in range
dialstats pull --store calls/                                # later: only what changed
dialstats pull --start 2026-10-01 --outcome answered --user-ids 64f1c0 -o answered.parquet

The API key comes from SALESFINITY_API_KEY (and SALESFINITY_BASE_URL, if set, says where the
API is). A progress bar goes to stderr, one summary line to stdout. Exit status: 0 done,
2 bad arguments, 1 the API or the store failed.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from dialstats.api import API_KEY_ENV
from dialstats.cli._filters import FILTERS, add_filter_arguments, flag_for
from dialstats.errors import DialstatsError, InvalidParameterError, MissingApiKeyError

PROG = "dialstats pull"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "pull",
        help="save call logs to a Parquet file, or sync a local store",
        usage=f"{PROG} (--store DIR | -o FILE.parquet) [--demo] [--start DATE] [--end DATE] [filters ...]",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--store", metavar="DIR", help="sync the store in DIR (created on first use)"
    )
    target.add_argument(
        "-o", "--output", metavar="FILE.parquet", help="write a snapshot of the call log to FILE"
    )
    parser.add_argument(
        "--demo", action="store_true", help="use the bundled demo data (no API key)"
    )
    parser.add_argument("--start", metavar="DATE", help="calls created on or after DATE (ISO 8601)")
    parser.add_argument(
        "--end", metavar="DATE", help="calls created on or before DATE (a bare date: all of it)"
    )
    parser.add_argument(
        "--lock-timeout",
        type=float,
        metavar="SECONDS",
        help="with --store: give up if another pull holds the store this long (default: wait)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_filter_arguments(parser.add_argument_group("filters (as in read_call_logs)"))
    parser.set_defaults(func=run)
    parser.error = _error  # one line, like every other error of this command


def _error(message: str) -> NoReturn:
    print(f"{PROG}: error: {message} (see {PROG} --help)", file=sys.stderr)
    raise SystemExit(2)


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    filters = {name: getattr(args, dest) for dest, name in FILTERS.items()}
    filters.update(start_date=args.start, end_date=args.end)
    return {name: value for name, value in filters.items() if value is not None}


# The reader's keywords -> this command's flags (``start_date: ...`` -> ``--start: ...``).
_FLAGS = {
    "start_date": "--start",
    "end_date": "--end",
    **{name: flag_for(name) for name in FILTERS.values()},
}


def _in_flags(exc: InvalidParameterError) -> str:
    """The error's message, naming flags where it names the reader's keywords."""
    message = str(exc)
    for name, flag in _FLAGS.items():
        if flag not in message:
            # Not inside quotes: a repr of the filters ({'start_date': ...}) shows keywords.
            message = re.sub(rf"(?<![\w'-]){re.escape(name)}\b(?!')", flag, message)
    return message


def run(args: argparse.Namespace) -> int:
    progress = False if args.no_progress else None
    try:
        line = _sync(args, progress) if args.store is not None else _snapshot(args, progress)
    except MissingApiKeyError:
        print(
            f"{PROG}: error: no API key: set {API_KEY_ENV} (or use --demo for the bundled data)",
            file=sys.stderr,
        )
        return 2
    except InvalidParameterError as exc:
        print(f"{PROG}: error: {_in_flags(exc)}", file=sys.stderr)
        return 2
    except (DialstatsError, OSError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    print(line)
    return 0


def _sync(args: argparse.Namespace, progress: bool | None) -> str:
    from dialstats.store import CallLogStore

    store = CallLogStore(args.store, lock_timeout=args.lock_timeout)
    result = store.sync(demo=args.demo, progress=progress, **_filters(args))
    return f"{args.store}: {result}"


def _snapshot(args: argparse.Namespace, progress: bool | None) -> str:
    from dialstats._demo import Client
    from dialstats.api import normalize_filters
    from dialstats.store import write_snapshot

    path = _output(args.output)
    filters = normalize_filters(_filters(args))
    started = time.monotonic()
    with Client(demo=args.demo) as client:
        frame = client.read_call_logs(progress=progress, **filters)
        requests = client.request_count
    write_snapshot(path, frame, filters)
    seconds = time.monotonic() - started
    return f"wrote {len(frame):,} calls to {args.output} ({requests:,} requests, {seconds:.1f} s)"


def _output(text: str) -> Path:
    """The snapshot file ``-o`` names, checked before anything is read: a reader of snapshots
    expects Parquet, and a mistyped folder should not be made (or the read wasted)."""
    path = Path(text).expanduser()
    flag = "-o/--output"
    if path.is_dir():
        raise InvalidParameterError("output", f"{flag}: {text} is a directory")
    if path.suffix.lower() != ".parquet":
        raise InvalidParameterError(
            "output",
            f"{flag}: {text}: a snapshot is a Parquet file, name it FILE.parquet "
            "(read it with dialstats.store.read_snapshot or `dialstats report --from`)",
        )
    folder = path.absolute().parent
    if not folder.is_dir():
        raise InvalidParameterError(
            "output", f"{flag}: {text}: the folder {folder} does not exist (create it first)"
        )
    return path

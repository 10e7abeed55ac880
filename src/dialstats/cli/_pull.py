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
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from dialstats.api import API_KEY_ENV
from dialstats.cli._filters import (
    BASE_URL_ENV,
    FILTERS,
    add_filter_arguments,
    flag_for,
    in_flags,
    seconds,
)
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
        type=seconds,
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
    """The reader's filters from the flags, checked as the reader checks them."""
    from dialstats.api import normalize_filters

    filters = {name: getattr(args, dest) for dest, name in FILTERS.items()}
    filters.update(start_date=args.start, end_date=args.end)
    filters = {name: value for name, value in filters.items() if value is not None}
    # A range the wrong way round is refused here, naming both flags: the reader's own refusal
    # names the second bound only in its text, which is not rewritten.
    for low, high, word in _RANGES:
        if low in filters and high in filters:
            lo, hi = (normalize_filters({name: filters[name]})[name] for name in (low, high))
            if hi < lo:
                raise InvalidParameterError(
                    high,
                    f"{_FLAGS[high]} {filters[high]} is {word} {_FLAGS[low]} {filters[low]}",
                )
    normalize_filters(filters)
    return filters


_RANGES = (("start_date", "end_date", "before"), ("min_duration", "max_duration", "below"))

# What sets each parameter the reader and the store name in their errors: this command's flags
# and the environment (``start_date`` -> ``--start``).
_FLAGS = {
    "start_date": "--start",
    "end_date": "--end",
    **{name: flag_for(name) for name in FILTERS.values()},
    "path": "--store",
    "lock_timeout": "--lock-timeout",
    "api_key": API_KEY_ENV,
    "base_url": BASE_URL_ENV,
}


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
        print(f"{PROG}: error: {in_flags(exc, _FLAGS)}", file=sys.stderr)
        return 2
    except (DialstatsError, OSError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    print(line)
    return 0


def _sync(args: argparse.Namespace, progress: bool | None) -> str:
    from dialstats._demo import Client
    from dialstats.api import name_like_ids
    from dialstats.store import CallLogStore

    store = CallLogStore(args.store, lock_timeout=args.lock_timeout)
    result = store.sync(demo=args.demo, progress=progress, **_filters(args))
    if not result.rows and name_like_ids(store.filters):
        with Client(demo=args.demo) as client:
            _warn_of_names(client, store.filters)
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
        if frame.empty:
            _warn_of_names(client, filters)
    write_snapshot(path, frame, filters)
    elapsed = time.monotonic() - started
    return f"wrote {len(frame):,} calls to {args.output} ({requests:,} requests, {elapsed:.1f} s)"


def _warn_of_names(client: Any, filters: dict[str, Any]) -> None:
    """Say so on stderr, as the readers warn, when a pull found nothing and an id flag's value
    looks like a name (``--user-ids "Maya Patel"``): with the id of that name where the team,
    list or sequence endpoint knows it."""
    # The readers' own look-up of a name's ids, so the CLI and ds.read_call_logs agree.
    from dialstats._readers import _ids_named
    from dialstats.api import name_like_ids

    for name, value in name_like_ids(filters):
        flag = flag_for(name)
        some, found, _ = _ids_named(client, name, value)
        text = f"{flag} {value!r} matched no calls; it looks like a name, and {flag} takes ids"
        if found:
            text += f": {value!r} is {flag} {' '.join(found)}"
        elif some:
            text += f" such as {some[0]}"
        print(f"{PROG}: warning: {text}", file=sys.stderr)


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

"""``dialstats sandbox``: serve the call-log API locally, in the foreground, until Ctrl-C.

dialstats sandbox --port 8000
dialstats sandbox --port 0 --latency 0.05 --jitter 0.02 --fail-rate 0.05 --rate-limit 20
dialstats sandbox --calls 100000 --seed 3      # a generated dataset instead of the demo
dialstats sandbox --dialect spec               # the written spec's shapes, not the live API's
dialstats sandbox --quiet                      # no line per request
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import math
import signal
import socket
from collections.abc import Callable

from dialstats.errors import InvalidParameterError

DEFAULT_PORT = 8000
DEFAULT_KEY = "demo"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sandbox",
        help="serve the call-log API locally over the demo data",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port",
        metavar="N",
        type=_integer(0, 65535),
        default=DEFAULT_PORT,
        help="0 = any free port (default: %(default)s)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDR",
        help="interface to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--api-key",
        default=DEFAULT_KEY,
        metavar="KEY",
        help="the key clients must send (default: demo)",
    )
    parser.add_argument(
        "--dialect",
        choices=("live", "spec"),
        default="live",
        help="speak the live API's recorded shapes or the written spec's (default: %(default)s)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="do not log every request (errors still show)"
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--calls",
        type=_integer(1),
        metavar="N",
        help="generate a dataset of N calls instead of the bundled demo",
    )
    data.add_argument(
        "--seed", type=_integer(0), metavar="S", help="seed for the generated data and the faults"
    )
    faults = parser.add_argument_group("faults (all off by default)")
    faults.add_argument(
        "--latency",
        type=_number(0),
        default=0.0,
        metavar="S",
        help="seconds added to every response",
    )
    faults.add_argument(
        "--jitter",
        type=_number(0),
        default=0.0,
        metavar="S",
        help="up to S more seconds, at random",
    )
    faults.add_argument(
        "--fail-rate", type=_number(0, 1), default=0.0, metavar="R", help="fraction answered 500"
    )
    faults.add_argument(
        "--throttle-rate",
        type=_number(0, 1),
        default=0.0,
        metavar="R",
        help="fraction answered 429 + Retry-After",
    )
    faults.add_argument(
        "--retry-after",
        type=_integer(0),
        default=1,
        metavar="S",
        help="Retry-After of those 429s (default: %(default)s)",
    )
    faults.add_argument(
        "--rate-limit",
        type=_number(0, exclusive=True),
        metavar="RPS",
        help="requests per second per API key; beyond it 429 + Retry-After",
    )
    faults.add_argument(
        "--burst", type=_integer(1), metavar="N", help="requests allowed at once under --rate-limit"
    )
    faults.add_argument(
        "--drop-rate",
        type=_number(0, 1),
        default=0.0,
        metavar="R",
        help="fraction of responses cut mid-body",
    )
    faults.add_argument(
        "--mutate-every",
        type=_integer(0),
        default=0,
        metavar="N",
        help="every N call-log requests, insert and update calls",
    )
    faults.add_argument(
        "--mutate-count",
        type=_integer(1),
        default=1,
        metavar="K",
        help="calls inserted and updated each time (default: %(default)s)",
    )
    faults.add_argument(
        "--overview-down",
        action="store_true",
        help="GET /v1/analytics/overview answers 500 to every request",
    )
    parser.set_defaults(func=lambda args: _run(parser, args))


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    # Here, not at the top: the sandbox brings its web server stack, which `dialstats --help`
    # and the other commands do without.
    from dialstats.sandbox import (
        Faults,
        FaultsError,
        base_url,
        create_app,
        generate,
        run_foreground,
    )

    if args.burst is not None and args.rate_limit is None:
        parser.error("argument --burst: needs --rate-limit")
    try:
        faults = Faults(
            latency=args.latency,
            jitter=args.jitter,
            fail_rate=args.fail_rate,
            throttle_rate=args.throttle_rate,
            retry_after=args.retry_after,
            rate_limit=args.rate_limit,
            burst=args.burst,
            drop_rate=args.drop_rate,
            mutate_every=args.mutate_every,
            mutate_count=args.mutate_count,
            overview_down=args.overview_down,
        )
    except FaultsError as exc:
        parser.error(_in_flags(exc))
    # Bound first: a taken port or a mistyped host fails at once, before any data is made.
    sock = _listen(parser, args.host, args.port)
    dataset = None
    if args.calls is not None or args.seed is not None:
        print("Generating the dataset ...", flush=True)
        seed = 7 if args.seed is None else args.seed
        dataset = generate(seed, **({} if args.calls is None else {"n_calls": args.calls}))
    try:
        app = create_app(
            dataset, api_key=args.api_key, faults=faults, seed=args.seed or 0, dialect=args.dialect
        )
    except InvalidParameterError as exc:
        sock.close()
        parser.error(_in_flags(exc))
    url = base_url(sock)
    # The server stops gracefully on SIGINT/SIGTERM, then re-raises the signal: end quietly
    # (installed before the URL is printed, so a client that reads it may stop us at once).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    key = "demo" if args.api_key == DEFAULT_KEY else "the one given with --api-key"
    injected = "no faults" if faults == Faults() else repr(faults)
    calls = len(app.state.sandbox.store)
    print(f"Sandbox call-log API at {url} ({calls:,} calls, {args.dialect} dialect, {injected})")
    print(f"API key: {key}  ->  ds.Client(api_key=..., base_url={url!r})")
    print("Press Ctrl-C to stop.", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        run_foreground(app, sock, access_log=not args.quiet)
    print("Sandbox stopped.")
    return 0


def _in_flags(exc: InvalidParameterError) -> str:
    """The error's message, naming the flags of the setting it is about (``fail_rate +
    drop_rate`` -> ``--fail-rate + --drop-rate``). Only the setting, where the message starts
    with it, is translated: the rest is prose."""
    message = str(exc)
    if not message.startswith(exc.parameter):
        return message
    flags = " + ".join("--" + name.replace("_", "-") for name in exc.parameter.split(" + "))
    return flags + message.removeprefix(exc.parameter)


# What a failed bind says about the host rather than the port: no such name or address, not an
# address of this machine, or a kind of address it does not speak.
_HOST_ERRORS = (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT)


def _listen(parser: argparse.ArgumentParser, host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port`, or the usage error naming the flag that is wrong."""
    from dialstats.sandbox import bind

    try:
        return bind(host, port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, socket.gaierror) or exc.errno in _HOST_ERRORS:
            parser.error(f"argument --host: cannot listen on {host!r} ({reason})")
        parser.error(f"argument --port: cannot listen on {host}:{port} ({reason})")


def _integer(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            upper = f" and <= {maximum}" if maximum is not None else ""
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}{upper}, got {text!r}"
            )
        return value

    return parse


def _number(
    minimum: float, maximum: float | None = None, *, exclusive: bool = False
) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        low_ok = value > minimum if exclusive else value >= minimum
        if not (math.isfinite(value) and low_ok and (maximum is None or value <= maximum)):
            low = f"> {minimum:g}" if exclusive else f">= {minimum:g}"
            upper = f" and <= {maximum:g}" if maximum is not None else ""
            raise argparse.ArgumentTypeError(f"expected a number {low}{upper}, got {text!r}")
        return value

    return parse

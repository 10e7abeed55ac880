"""``dialstats sandbox``: serve the API locally."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sandbox", help="serve the call-log API locally over the demo data")
    parser.set_defaults(func=lambda args: 0)

"""The ``dialstats`` command: one sub-command per job (sandbox, pull, report)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from dialstats.cli import _pull as pull_cli
from dialstats.cli import _report as report_cli
from dialstats.cli import _sandbox as sandbox_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialstats", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Each sub-command module registers its parser and sets `func` (args -> exit code).
    sandbox_cli.add_parser(sub)
    pull_cli.add_parser(sub)
    report_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)

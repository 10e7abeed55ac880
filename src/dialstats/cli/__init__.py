"""The ``dialstats`` command: one sub-command per job (sandbox, pull, report)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from dialstats import __version__
from dialstats.cli import _pull as pull_cli
from dialstats.cli import _report as report_cli
from dialstats.cli import _sandbox as sandbox_cli

# `main` is the console script (pyproject.toml); `build_parser` lets tests parse a command line.
__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialstats", description=plain(__doc__))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Each sub-command module registers its parser and sets `func` (args -> exit code).
    sandbox_cli.add_parser(sub)
    pull_cli.add_parser(sub)
    report_cli.add_parser(sub)
    for command in sub.choices.values():
        command.description = plain(command.description)
        command.epilog = plain(command.epilog)
    return parser


def plain(text: str | None) -> str | None:
    """Help text from a docstring, without its reStructuredText markup (``name`` -> name)."""
    return None if text is None else re.sub(r"``([^`]+)``", r"\1", text)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)

"""The reader's filters as command-line flags, shared by ``dialstats pull`` and ``dialstats report``."""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from typing import Any

from dialstats._vocabulary import ANSWERED_BY, DIRECTIONS, OUTCOMES
from dialstats.errors import InvalidParameterError

BASE_URL_ENV = "SALESFINITY_BASE_URL"


def add_filter_arguments(group: argparse._ArgumentGroup) -> None:
    """The `read_call_logs` filters as flags, the same for every command that reads calls."""
    group.add_argument("--outcome", choices=OUTCOMES)
    group.add_argument("--direction", choices=DIRECTIONS)
    group.add_argument("--answered-by", choices=ANSWERED_BY)
    group.add_argument("--min-duration", type=seconds, metavar="SECONDS")
    group.add_argument("--max-duration", type=seconds, metavar="SECONDS")
    group.add_argument("--has-recording", action=argparse.BooleanOptionalAction)
    group.add_argument("--is-completed", action=argparse.BooleanOptionalAction)
    group.add_argument(
        "--exclude-negative-dispositions",
        action="store_const",
        const=True,
        help="only calls with a positive disposition",
    )
    group.add_argument("--disposition-ids", **_many(int, "ID"))
    group.add_argument("--user-ids", **_many(str, "ID"))
    group.add_argument("--contact-list-ids", **_many(str, "ID"))
    group.add_argument("--sequences", **_many(str, "ID"), help="sequence ids")
    # `--from` names the snapshot file, so the phone-number filters spell out what they match.
    group.add_argument("--from-numbers", dest="from_", **_many(str, "E164"), help="caller numbers")
    group.add_argument("--to-numbers", dest="to", **_many(str, "E164"), help="called numbers")
    group.add_argument("--search", metavar="TEXT", help="contact name, company or phone number")


FILTERS = {
    "outcome": "outcome",
    "direction": "direction",
    "answered_by": "answered_by",
    "min_duration": "min_duration",
    "max_duration": "max_duration",
    "has_recording": "has_recording",
    "is_completed": "is_completed",
    "exclude_negative_dispositions": "exclude_negative_dispositions",
    "disposition_ids": "disposition_ids",
    "user_ids": "user_ids",
    "contact_list_ids": "contact_list_ids",
    "sequences": "sequences",
    "from_": "from",
    "to": "to",
    "search": "search",
}  # argparse dest -> read_call_logs filter name
_PHONE_FLAGS = {"from": "--from-numbers", "to": "--to-numbers"}


def flag_for(name: str) -> str:
    """The flag that sets the filter `name` (``user_ids`` -> ``--user-ids``)."""
    return _PHONE_FLAGS.get(name, "--" + name.replace("_", "-"))


def in_flags(exc: InvalidParameterError, flags: Mapping[str, str]) -> str:
    """`exc`'s message, naming what sets its parameter here (``flags``: parameter -> a flag or
    an environment variable) rather than the parameter itself.

    Only the parameter the error carries is translated, where the message starts with it as
    the readers' messages do; otherwise the flag is put in front. The rest is prose, in which
    filter names such as ``to`` and ``from`` are words.
    """
    message = str(exc)
    flag = flags.get(exc.parameter)
    if flag is None or flag in message:
        return message
    named, found = re.subn(rf"^{re.escape(exc.parameter)}\b", flag, message)
    return named if found else f"{flag}: {message}"


def _many(kind: type, metavar: str) -> dict[str, Any]:
    """A list option: space- or comma-separated, repeatable (``--user-ids a b --user-ids c,d``)."""

    def parse(text: str) -> list[Any]:
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not parts:
            raise argparse.ArgumentTypeError(f"expected {metavar}s, got {text!r}")
        try:
            return [kind(part) for part in parts]
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a list of {kind.__name__}: {text!r}") from None

    return {"type": parse, "nargs": "+", "action": _Extend, "metavar": metavar}


class _Extend(argparse.Action):
    """Append every item of every (comma-split) argument to one flat list."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        items = list(getattr(namespace, self.dest) or [])
        items.extend(item for chunk in values for item in chunk)
        setattr(namespace, self.dest, items)


def seconds(text: str) -> float:
    """A flag's number of seconds (>= 0; whole numbers as int), or argparse's usage error."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0:  # also rejects NaN
        raise argparse.ArgumentTypeError(f"must be >= 0 seconds, got {text}")
    return int(value) if value.is_integer() else value

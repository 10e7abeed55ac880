"""Choosing from a fixed set of values, with a suggestion when the value is close to one."""

from __future__ import annotations

from collections.abc import Iterable

from dialstats._suggest import did_you_mean
from dialstats.errors import InvalidParameterError


def choose(name: str, value: object, allowed: Iterable[str]) -> str:
    """`value` if it is one of `allowed` (case-insensitively), else an InvalidParameterError
    naming `name`, the allowed values and the closest one.

    >>> choose("method", "Holm", ["holm", "bh"])
    'holm'
    """
    allowed = list(allowed)
    if isinstance(value, str):
        for option in allowed:
            if value.lower() == option.lower():
                return option
    options = ", ".join(repr(option) for option in allowed)
    message = f"{name} must be one of {options}; got {value!r}"
    raise InvalidParameterError(name, message + did_you_mean(value, allowed))

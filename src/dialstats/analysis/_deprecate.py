"""Old spellings of the analyses' arguments, kept for one release with a `FutureWarning`.

Every analysis has the one pattern ``fn(df, by=None, *, metric=..., freq=None, confidence=0.95,
definitions=None, tz=None, ...)``: only the frame and the grouping are positional. `keyword_only`
wraps a function whose real signature is that new one (what `inspect.signature` and ``help()``
show) and maps the calls written against its old one: arguments that used to be positional,
parameters that were renamed, and ``table=`` switches that are separate functions now. Each
such call still gives the same result and warns, naming exactly what to write instead::

    @keyword_only("metric", "freq", "by")
    def trend(df, by=None, *, metric="connect_rate", freq="W", ...): ...

    trend(df, "connect_rate", "W")
    # FutureWarning: trend(df, "connect_rate", "W") is deprecated and stops working in the
    # next release: write trend(df, metric="connect_rate", freq="W")
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from dialstats.analysis._choices import choose
from dialstats.analysis._validate import caller_stacklevel
from dialstats.errors import InvalidParameterError

F = TypeVar("F", bound=Callable[..., Any])
_LONGEST = 40  # a value whose repr is longer is written "..." in the message


class Renamed(NamedTuple):
    """A parameter's new name, and how an old value maps to the new one (None: as it is)."""

    name: str
    convert: Callable[[Any], Any] | None = None
    note: str = ""
    """Said after the suggestion, when the new parameter means more than the old one did."""


def keyword_only(
    *old: str,
    renamed: Mapping[str, Renamed] | None = None,
    routes: Mapping[str, Mapping[str, str]] | None = None,
    old_order: Callable[[Any, Any], bool] | None = None,
    public: str | None = None,
) -> Callable[[F], F]:
    """Map the calls of a function's old signature onto its new one, with a `FutureWarning`.

    `old`: the parameters after the frame, in the order they used to be positional (the first
    ones are the new positional ones, e.g. ``("by", "freq")``). `renamed`: old keyword name ->
    `Renamed`. `routes`: a switch that became separate functions, e.g. ``{"table": {"summary":
    "activity", "sessions": "activity_sessions"}}`` (names in the function's module; arguments
    the target does not take, it never used). `old_order(df, second)`: for a function whose
    positional order changed, whether the call's second argument is the old order's (then
    `old` need not start with the new positional parameters). `public`: the name the
    messages give the function, when it is exported under another one.

    >>> @keyword_only("by", "freq")
    ... def rates(df, by=None, *, freq=None):
    ...     return by, freq
    >>> rates("df", "user_name", freq="W")
    ('user_name', 'W')
    """
    renamed = dict(renamed or {})
    routes = {switch: dict(targets) for switch, targets in (routes or {}).items()}

    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        positional = [
            p.name for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD
        ][1:]
        prefix_kept = list(old[: len(positional)]) == positional
        if old_order is None and not prefix_kept:
            raise TypeError(
                f"{function.__name__}: old order {old} does not start with {positional}"
            )
        # Past the new positional parameters, extra arguments take the old order's names.
        extras = list(old) if prefix_kept else positional
        name = public or function.__name__

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            rest = args[1:]
            reordered = old_order is not None and bool(rest) and old_order(args[0], rest[0])
            if (
                len(rest) <= len(positional)
                and not reordered
                and not (kwargs.keys() & renamed.keys())
                and not (kwargs.keys() & routes.keys())
            ):
                return function(*args, **kwargs)
            names = list(old) if reordered else extras
            if len(rest) > len(names):
                raise TypeError(
                    f"{name}() takes {len(positional) + 1} positional arguments (df and "
                    f"{', '.join(positional) or 'no other'}); {len(args)} were given"
                )
            moved = dict(zip(names, rest, strict=False))
            clash = sorted(moved.keys() & kwargs.keys())
            if clash:
                raise TypeError(f"{name}() got multiple values for argument {clash[0]!r}")
            new_kwargs = {**moved, **kwargs}
            new_args = [args[0], *(new_kwargs.pop(p) for p in positional if p in new_kwargs)]
            notes = []
            for before, after in renamed.items():
                if before not in new_kwargs:
                    continue
                value = new_kwargs.pop(before)
                value = after.convert(value) if after.convert else value
                if after.name in new_kwargs and new_kwargs[after.name] != value:
                    raise InvalidParameterError(
                        before,
                        f"{name}(): {before}={_show(moved.get(before, kwargs.get(before)))} "
                        f"means {after.name}={_show(value)}, but {after.name}="
                        f"{_show(new_kwargs[after.name])} was given too: give {after.name} only",
                    )
                new_kwargs[after.name] = value
                notes += [after.note] if after.note else []
            target, target_name = function, name
            for switch, targets in routes.items():
                if switch not in new_kwargs:
                    continue
                target_name = choose(switch, new_kwargs.pop(switch), targets)
                target_name = targets[target_name]
                target = function.__globals__[target_name]
                taken = inspect.signature(target).parameters
                new_kwargs = {k: v for k, v in new_kwargs.items() if k in taken}
            old_call = _call(name, args, kwargs)
            new_call = _call(target_name, new_args, _ordered(new_kwargs, target))
            warnings.warn(
                f"{old_call} is deprecated and stops working in the next release: write "
                f"{new_call}" + "".join(f" ({note})" for note in notes),
                FutureWarning,
                stacklevel=caller_stacklevel(),
            )
            return target(*new_args, **new_kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _ordered(kwargs: dict[str, Any], function: Callable[..., Any]) -> dict[str, Any]:
    """`kwargs` in the order of `function`'s parameters (the order a reader expects)."""
    order = list(inspect.signature(function).parameters)
    return dict(sorted(kwargs.items(), key=lambda item: order.index(item[0])))


def _call(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
    """A call as it would be written: ``trend(df, metric="connect_rate")``."""
    parts = ["df", *(_show(a) for a in args[1:]), *(f"{k}={_show(v)}" for k, v in kwargs.items())]
    return f"{name}({', '.join(parts)})"


def _show(value: object) -> str:
    if isinstance(value, str) and '"' not in value and "\\" not in value:
        return f'"{value}"'
    if isinstance(value, list | tuple) and all(
        isinstance(v, str | int | float | bool) for v in value
    ):
        inner = ", ".join(_show(v) for v in value)
        text = (
            f"[{inner}]"
            if isinstance(value, list)
            else f"({inner}{',' if len(value) == 1 else ''})"
        )
    else:
        text = repr(value)
    return text if len(text) <= _LONGEST else "..."

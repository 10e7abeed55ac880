"""What the counts mean: `Definitions`, the vendor's (`VENDOR`) by default.

Which dispositions mean a person was reached, how long a connected call must last to be a
conversation, and which dispositions are meetings and voicemails. The flags (`_flags`) apply a
`Definitions`; the metric contract (`_metrics`) names the counts it defines.

>>> VENDOR.conversation_seconds
60
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from dialstats.errors import InvalidParameterError


def _dispositions(parameter: str, value: object) -> frozenset[int | str]:
    """A set of disposition ids (ints) and names (strings); one id or name alone is accepted."""
    if isinstance(value, str | int | np.integer):
        value = [value]
    if not isinstance(value, Collection):
        raise InvalidParameterError(
            parameter, f"{parameter} must be disposition ids and/or names; got {value!r}"
        )
    items = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int | np.integer):
            raise InvalidParameterError(
                parameter,
                f"{parameter} must hold disposition ids (whole numbers) or names (text); "
                f"got {item!r}",
            )
        items.add(item if isinstance(item, str) else int(item))
    return frozenset(items)


@dataclass(frozen=True)
class Definitions:
    """What the counts mean; the vendor's (`VENDOR`) unless you say otherwise.

    Every analysis takes one as `definitions=`; ids are disposition ids (whole numbers), names
    their `disposition_name` exactly. One id or name alone is accepted where a set is.

    Parameters
    ----------
    reached_below : int or None, default 10
        A disposition id below it means a person was reached (the vendor's "Answered - ..."
        dispositions 1-9: `10`); None turns the id rule off.
    reached : set of int or str, default empty
        Further dispositions (ids or names) that mean a person was reached, e.g. a custom "Not a
        Decision Maker", which the vendor's id rule leaves out.
    conversation_seconds : float, default 60
        A connected call at least this long is a conversation.
    meetings : set of int or str, default {1}
        The dispositions (ids or names) that count as meetings.
    voicemails : set of int or str, default {11}
        The dispositions (ids or names) that count as voicemails.

    Raises
    ------
    InvalidParameterError
        `reached_below` is not a whole number or None, `conversation_seconds` is not a number
        of seconds >= 0, or a disposition set holds something other than ids and names.

    See Also
    --------
    flags : The per-call flags these definitions decide.
    metric : The counts and rates they define.

    Examples
    --------
    >>> custom = Definitions(reached={"Not a Decision Maker"})
    >>> custom.reached, custom.reached_below
    (frozenset({'Not a Decision Maker'}), 10)

    A shorter conversation threshold counts more conversations:

    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> short = Definitions(conversation_seconds=30)
    >>> counted = [ds.flags(df, definitions=d)["is_conversation"].sum() for d in (None, short)]
    >>> [int(n) for n in counted]
    [147, 196]
    """

    reached_below: int | None = 10
    reached: frozenset[int | str] = field(default_factory=frozenset)
    conversation_seconds: float = 60
    meetings: frozenset[int | str] = frozenset({1})
    voicemails: frozenset[int | str] = frozenset({11})

    def __post_init__(self) -> None:
        below = self.reached_below
        if below is not None and (
            isinstance(below, bool) or not isinstance(below, int | np.integer)
        ):
            raise InvalidParameterError(
                "reached_below", f"reached_below must be a whole number or None; got {below!r}"
            )
        seconds = self.conversation_seconds
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float | np.number)
            or not np.isfinite(seconds)
            or seconds < 0
        ):
            raise InvalidParameterError(
                "conversation_seconds",
                f"conversation_seconds must be a number of seconds >= 0; got {seconds!r}",
            )
        for name in ("reached", "meetings", "voicemails"):
            # Frozen: normalise through object.__setattr__ so lists and single ids work too.
            object.__setattr__(self, name, _dispositions(name, getattr(self, name)))

    def uses_names(self) -> bool:
        """Whether a definition names dispositions (then `disposition_name` is needed)."""
        return any(
            isinstance(item, str)
            for items in (self.reached, self.meetings, self.voicemails)
            for item in items
        )


VENDOR = Definitions()


def check_definitions(definitions: object) -> Definitions:
    if definitions is None:
        return VENDOR
    if not isinstance(definitions, Definitions):
        raise InvalidParameterError(
            "definitions",
            f"definitions must be a dialstats Definitions (e.g. Definitions(reached=...)) or "
            f"None for the vendor's; got {type(definitions).__name__}",
        )
    return definitions

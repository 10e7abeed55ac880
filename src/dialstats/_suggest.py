""" "Did you mean ...?" hints for error messages, shared by the readers' filters and the analyses."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping


def did_you_mean(
    value: object, allowed: Iterable[str], *, synonyms: Mapping[str, str] | None = None
) -> str:
    """`` (did you mean 'x'?)`` naming the allowed value closest to `value`, or "" if none is.

    A case-insensitive match wins, then a known synonym, then the closest spelling.

    >>> did_you_mean("Answered", ["answered", "no-answer"])
    " (did you mean 'answered'?)"
    >>> did_you_mean("rep", ["user_name", "outcome"], synonyms={"rep": "user_name"})
    " (did you mean 'user_name'?)"
    """
    allowed = [str(option) for option in allowed]
    text = str(value)
    folded = {option.lower(): option for option in allowed}
    close = folded.get(text.lower())
    if close is None and synonyms:
        close = synonyms.get(text.lower())
        close = close if close in allowed else None
    if close is None:
        match = difflib.get_close_matches(text.lower(), list(folded), n=1, cutoff=0.6)
        close = folded[match[0]] if match else None
    return f" (did you mean {close!r}?)" if close is not None else ""

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


def folded(name: object) -> str:
    """``name`` as names are matched: case and whitespace do not count ("maya  Patel" = "Maya
    Patel")."""
    return "".join(str(name).split()).casefold()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions from a to b.

    >>> edit_distance("maya patle", "maya patel")
    2
    """
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, 1):
        current = [i]
        for j, right in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right))
            )
        previous = current
    return previous[-1]


def match_name(value: object, names: Iterable[str]) -> str | None:
    """The one name of ``names`` that ``value`` spells, ignoring case and whitespace, else None.

    >>> match_name(" maya  PATEL", ["Maya Patel", "Tyler Grant"])
    'Maya Patel'
    """
    key = folded(value)
    found = sorted({name for name in names if folded(name) == key})
    return found[0] if len(found) == 1 else None


def closest_names(value: object, names: Iterable[str], *, n: int = 3) -> list[str]:
    """Up to ``n`` of ``names`` nearest ``value`` by edit distance (case and whitespace aside),
    nearest first; only those within about a third of the name's length.

    >>> closest_names("maya patle", ["Maya Patel", "Dana Whitfield", "Tyler Grant"])
    ['Maya Patel']
    """
    key = folded(value)
    scored = []
    for name in set(names):
        other = folded(name)
        distance = edit_distance(key, other)
        if distance <= max(2, len(max(key, other, key=len)) // 3):
            scored.append((distance, name))
    return [name for _, name in sorted(scored)[:n]]

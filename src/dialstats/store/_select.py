"""Call-log filters applied to stored rows, exactly as the API applies them.

Filters split in two. *Range* filters select calls by what never changes once a call is logged
(when it was created, who made it, from which list, sequence and numbers, the contact it
reached): a store is synced with them and holds every call they match. Filters on what later
updates can change (outcome, duration, disposition, recording, completion) are applied when
reading only, so a call that changes is updated in place rather than left behind stale.

Phone numbers match as the API matches them, however either side spells them: ``to`` and
``from`` compare `number_key`s, and a `search` finds a number among all of the contact's
``phone_numbers`` by its digits too (`search_parts`). Both are built from regular expressions
and string functions every engine has, so a store's rows are never read into Python to filter.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from dialstats._vocabulary import RANGE_FILTERS
from dialstats.errors import StoreFilterError

_EQUAL = ("outcome", "direction", "answered_by", "has_recording", "is_completed")
_MEMBER = {
    "disposition_ids": "disposition_id",
    "user_ids": "user_id",
    "contact_list_ids": "contact_list_id",
    "sequences": "sequence_id",
}
_NUMBERS = ("from", "to")
# The API's rule: a search made only of digits and the punctuation numbers are written with is
# (also) a search for a number, found by its digits whatever the stored number's formatting.
_NUMBER_LIKE = re.compile(r"^[\d\s().+-]*\d[\d\s().+-]*$", re.ASCII)
# Where a search finds the contact's numbers: every entry of ``contact_phone_numbers`` (JSON
# text, as the frame holds it), else the first number alone.
_PHONE_ENTRIES, _FIRST_PHONE = "contact_phone_numbers", "contact_phone"


def range_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """The filters a store is synced with (see the module docstring)."""
    return {name: value for name, value in filters.items() if name in RANGE_FILTERS}


def number_key(number: str) -> str | None:
    """A phone number as the API compares it: its digits, a bare ten-digit (NANP) number with
    the country code 1 before them; None when it has no digit (it matches nothing).

    The engines compute the same key from a column's text (`_spellings`, and
    ``dialstats.store._scan``); only ASCII digits count.

    >>> number_key("(704) 231-6369") == number_key("+1 704.231.6369") == "17042316369"
    True
    """
    digits = re.sub(r"[^0-9]", "", number)
    if not digits:
        return None
    bare = len(digits) == 10 and not number.lstrip().startswith("+")
    return "1" + digits if bare else digits


def number_keys(numbers: Iterable[str]) -> list[str]:
    """The distinct `number_key`s of `numbers`, in order (numbers without digits left out)."""
    return list(dict.fromkeys(key for n in numbers if (key := number_key(n)) is not None))


@dataclass(frozen=True)
class SearchParts:
    """A `search` as tests any engine can run: it matches a call whose contact's first name,
    last name, "first last" and company, lower-cased and joined by line breaks, contain one
    of `words`, or whose `column` (the contact's numbers) matches the regular expression
    `pattern`."""

    words: tuple[str, ...]
    column: str
    pattern: str


def search_parts(needle: str, column_types: Mapping[str, Any]) -> SearchParts:
    """How the API's `search` for `needle` is found in stored calls of these column types
    (name -> Arrow type).

    The API looks in the contact's first name, last name, "first last" and company, and in
    each of its phone numbers both as written and as its `number_key`, all lower-cased; a
    number-like needle is also looked for as its digits alone. A needle holding a line break,
    which the API could match across two of these, is looked for within one.
    """
    needle = needle.lower()
    digits = "".join(c for c in needle if c.isdigit()) if _NUMBER_LIKE.match(needle) else None
    words = (needle,) if digits in (None, needle) else (needle, digits)
    entries = _PHONE_ENTRIES in column_types and pa.types.is_string(column_types[_PHONE_ENTRIES])
    form = _ENTRY if entries else _PLAIN
    options = [form.start + form.any + "*" + "".join(_literal(c, entries) for c in needle)]
    if digits:
        options.append(form.start + form.any + "*" + _spread(list(digits), form))
        if digits[0] == "1" and len(digits) <= 11:
            # The key of a bare ten-digit number starts with the 1 it lacks.
            rest = [*digits[1:]] + ["[0-9]"] * (11 - len(digits))
            lead = f"{form.space}*(?:{form.first}{form.other}*)?"
            options.append(form.start + lead + _spread(rest, form) + form.other + "*" + form.end)
    column = _PHONE_ENTRIES if entries else _FIRST_PHONE
    return SearchParts(words, column, "|".join(f"(?:{o})" for o in options))


@dataclass(frozen=True)
class _Form:
    """Regular-expression pieces for one number as a column holds it: where it starts and
    ends, any one character of it, one that is no digit, the spaces before it and its first
    character after them when that is neither a digit nor a plus."""

    start: str
    end: str
    any: str
    other: str
    space: str
    first: str


# JSON text (``[{"number": "+1 704-231-6369", ...}]``): a character of a string is any but a
# quote or backslash, or an escape (``\u`` and four hex digits, or a backslash and one more).
_ESCAPE = r"\\u[0-9A-Fa-f]{4}|\\[^u]"
_ENTRY = _Form(
    start=r'"number"\s*:\s*"',
    end='"',
    any=r'(?:[^"\\]|\\.)',
    other=rf'(?:[^0-9"\\]|{_ESCAPE})',
    space=" ",
    first=rf'(?:[^0-9+ "\\]|{_ESCAPE})',
)
_SPACES = r"\x{20}\x{09}-\x{0D}"
_PLAIN = _Form(
    start="^",
    end="$",
    any=r"[\s\S]",
    other="[^0-9]",
    space=f"[{_SPACES}]",
    first=f"[^0-9+{_SPACES}]",
)


def _spread(digits: list[str], form: _Form) -> str:
    """`digits` (each a digit or a class of them) in a row, any non-digits between them."""
    return f"{form.other}*".join(digits)


def _literal(char: str, entries: bool) -> str:
    """A pattern for one lower-cased character of a needle: any character that lower-cases to
    it, written as JSON writes it (`json.dumps` escapes what is not ASCII, the frame's JSON
    text does not) when `entries`."""
    cases = [char, char.upper()] if len(char.upper()) == 1 else [char]
    if entries:
        cases = [
            json.dumps(case, ensure_ascii=escaped)[1:-1]
            for case in cases
            for escaped in (False, True)
        ]
    spellings = dict.fromkeys(cases)
    # Every character but a letter or a digit as an escape, which all the engines' regular
    # expressions read alike.
    written = [
        "".join(c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):X}}}" for c in s)
        for s in spellings
    ]
    return written[0] if len(written) == 1 else f"(?:{'|'.join(written)})"


def combined(
    filters: Mapping[str, Any],
    col: Callable[[str], Any],
    *,
    at: Callable[[Any], Any],
    is_in: Callable[[Any, list], Any],
    number_in: Callable[[str, list[str]], Any],
    search: Callable[[SearchParts], Any],
    column_types: Mapping[str, Any],
) -> Any:
    """Normalized filters as one expression of an engine's own (None when there are none):
    `col` names a column, `at` makes a timestamp, `is_in` tests membership, `number_in` tests
    whether a column's `number_key` is one of some keys, `search` builds the API's contact
    search from its `SearchParts` for these `column_types` (name -> Arrow type). Arrow's
    (`expression`) and narwhals' share these rules."""
    terms = []
    for name, value in filters.items():
        if name == "start_date":
            terms.append(col("created_at") >= at(value))
        elif name == "end_date":
            terms.append(col("created_at") <= at(value))
        elif name == "min_duration":
            terms.append(col("duration") >= value)
        elif name == "max_duration":
            terms.append(col("duration") <= value)
        elif name == "exclude_negative_dispositions":
            if value:  # the API keeps only calls with a positive disposition
                terms.append(col("disposition_category") == "positive")
        elif name == "search":
            terms.append(search(search_parts(value, column_types)))
        elif name in _NUMBERS:
            terms.append(number_in(name, number_keys(value)))
        elif name in _EQUAL:
            terms.append(col(name) == value)
        else:
            terms.append(is_in(col(_MEMBER[name]), list(value)))
    return functools.reduce(operator.and_, terms) if terms else None


def expression(filters: Mapping[str, Any], table: pa.Table) -> pads.Expression | None:
    """One Arrow expression for normalized filters over `table`; None when there are none."""
    # A comparison with a missing value is null, which Table.filter drops: same as the API.
    return combined(
        filters,
        pc.field,
        at=lambda value: pa.scalar(value, pa.timestamp("us", "UTC")),
        is_in=lambda column, values: column.isin(values),
        number_in=lambda name, keys: pc.field(name).isin(_spellings(table[name], keys)),
        search=_search,
        column_types=dict(zip(table.schema.names, table.schema.types, strict=True)),
    )


def _spellings(column: pa.ChunkedArray, keys: list[str]) -> pa.Array:
    """The distinct values of `column` whose `number_key` is one of `keys`.

    A number is written the same way on many calls: the keys of the distinct values, computed
    in Arrow, cost a fraction of keying every row, and the row test is a plain ``isin``.
    """
    values = pc.unique(column.cast(pa.string())).drop_null()
    digits = pc.replace_substring_regex(values, pattern="[^0-9]+", replacement="")
    plus = pc.starts_with(pc.utf8_ltrim_whitespace(values), "+")
    bare = pc.and_kleene(pc.equal(pc.utf8_length(digits), 10), pc.invert(plus))
    key = pc.if_else(bare, pc.binary_join_element_wise("1", digits, ""), digits)
    return values.filter(pc.is_in(key, value_set=pa.array(keys, pa.string())))


def _search(parts: SearchParts) -> pads.Expression:
    first = pc.coalesce(pc.field("contact_first_name"), pc.scalar(""))
    last = pc.coalesce(pc.field("contact_last_name"), pc.scalar(""))
    fields = [
        first,
        last,
        pc.binary_join_element_wise(first, last, " "),
        pc.coalesce(pc.field("contact_company"), pc.scalar("")),
    ]
    # Line breaks between the fields, as the API joins them, so a needle matches within one.
    text = pc.utf8_lower(pc.binary_join_element_wise(*fields, "\n"))
    found = [pc.match_substring(text, word) for word in parts.words]
    numbers = pc.match_substring_regex(pc.field(parts.column), pattern=parts.pattern)
    found.append(pc.coalesce(numbers, pc.scalar(False)))
    return functools.reduce(operator.or_, found)


def narrowed(bound: Mapping[str, Any], requested: Mapping[str, Any]) -> dict[str, Any]:
    """The filters to apply when reading `requested` from a store bound to `bound`.

    `requested` must ask for no call outside the store (raises `StoreFilterError` naming the
    filter); bound filters it leaves out still apply. Range filters already enforced by the
    store's contents are not re-applied.
    """
    for name, have in bound.items():
        if name in requested and not _within(name, requested[name], have):
            raise StoreFilterError(
                name,
                f"{name}: the store holds only calls with {name}={_show(have)}, "
                f"so it cannot answer {name}={_show(requested[name])}",
            )
    applied = {n: v for n, v in bound.items() if n not in RANGE_FILTERS and n not in requested}
    applied.update(
        {n: v for n, v in requested.items() if bound.get(n) != v or n not in RANGE_FILTERS}
    )
    return applied


def _within(name: str, want: Any, have: Any) -> bool:
    if name in _NUMBERS:  # however each spells them
        return set(number_keys(want)) <= set(number_keys(have))
    if name == "exclude_negative_dispositions":
        return want or not have  # False restricts nothing
    if name in ("start_date", "min_duration"):
        return want >= have
    if name in ("end_date", "max_duration"):
        return want <= have
    if isinstance(have, tuple):
        return set(want) <= set(have)
    return want == have


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return repr(list(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return repr(value)

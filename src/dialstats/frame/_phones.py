"""Phone numbers as sent (``"(212) 555-0143"``, ``"12125550143"``, ...) -> E.164, the contact's
end of each call, and that number's entry of ``contact.phone_numbers``.

Numbers are read by Google's libphonenumber (the ``phonenumbers`` package) with the US as the
default region, so a bare 10- or 11-digit NANP number is +1; a number it cannot read, or whose
length is impossible for its country, is NA. Each distinct number is parsed once per frame;
strings already in E.164 skip the parser.

>>> to_e164(pa.chunked_array([["(212) 555-0143", "12125550143", "+1 212-555-0143", "no"]])).to_pylist()
['+12125550143', '+12125550143', '+12125550143', None]
"""

from __future__ import annotations

import warnings

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from dialstats._flat import to_text

DEFAULT_REGION = "US"
# Already E.164: "+1" and ten digits, or another country code and 7..15 digits in all.
_E164 = r"^\+(?:1[0-9]{10}|[2-9][0-9]{6,14})$"
# Spaces, brackets, dots and dashes: how NANP numbers are written ("(212) 555-0143").
_PUNCTUATION = r"[\s().\-]"
# Once those are gone, the NANP shapes whose E.164 libphonenumber is known to give (a test holds
# the two to agree): "+1" and ten digits as is; "1" and ten digits gets "+"; ten digits, "+1".
_NANP_FAST = (
    (r"^\+1[0-9]{10}$", ""),
    (r"^1[2-9][0-9]{9}$", "+"),
    (r"^[2-9][0-9]{9}$", "+1"),
)
_FLAGS = (
    ("do_not_call", pa.bool_()),
    ("is_wrong_number", pa.bool_()),
    ("call_classification", pa.string()),
)
PHONE_FLAG_COLUMNS = tuple(f"contact_phone_{name}" for name, _ in _FLAGS)


def e164(text: str) -> str | None:
    """One number as E.164, or None when libphonenumber cannot read it as a possible number.

    >>> e164("212.555.0143")
    '+12125550143'
    """
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    # A local-only length (seven NANP digits, no area code) is no dialable number either.
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _unique_e164(values: pa.Array) -> pa.Array:
    """`e164` of each of `values` (distinct strings, no nulls).

    E.164 strings and the common NANP shapes are normalised in Arrow, all at once; only the
    rest go through libphonenumber one by one.
    """
    out = pc.if_else(pc.match_substring_regex(values, _E164), values, pa.scalar(None, pa.string()))
    if out.null_count == 0:
        return out
    bare = pc.replace_substring_regex(values, _PUNCTUATION, "")
    for shape, prefix in _NANP_FAST:
        fits = pc.and_(pc.is_null(out), pc.match_substring_regex(bare, shape))
        out = pc.if_else(fits, pc.binary_join_element_wise(prefix, bare, ""), out)
    rest = np.flatnonzero(pc.is_null(out).to_numpy(zero_copy_only=False))
    if len(rest) == 0:
        return out
    parsed = pa.array([e164(text) for text in pc.take(values, rest).to_pylist()], pa.string())
    return _put(out, rest, parsed)


def _put(values: pa.Array, positions: np.ndarray, replacements: pa.Array) -> pa.Array:
    """`values` with `replacements` at `positions`."""
    index = np.arange(len(values), dtype=np.int64)
    index[positions] = len(values) + np.arange(len(positions))
    return pc.take(pa.concat_arrays([values, replacements]), pa.array(index))


def to_e164(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column of numbers as sent -> E.164 text (NA when unreadable), each distinct one parsed once."""
    if len(column) == 0:
        return pa.chunked_array([], pa.string())
    text = pc.utf8_trim_whitespace(to_text(column).combine_chunks())
    encoded = pc.dictionary_encode(text)
    dictionary = encoded.dictionary
    if len(dictionary) == 0:
        return pa.chunked_array([pa.nulls(len(column), pa.string())])
    return pa.chunked_array([pc.take(_unique_e164(dictionary), encoded.indices)])


def entry_numbers(numbers: pa.ChunkedArray | None) -> pa.Array | None:
    """The ``number`` of every ``phone_numbers`` entry, all calls' in row order (None if the
    column is not a list of objects with a number)."""
    if numbers is None or not pa.types.is_list(numbers.type):
        return None
    item = numbers.type.value_type
    if not pa.types.is_struct(item) or item.get_field_index("number") < 0:
        return None
    return to_text(pc.struct_field(pc.list_flatten(numbers), "number")).combine_chunks()


def _first_entries(
    numbers: pa.ChunkedArray | None, entry_e164: pa.Array | None, number: pa.Array
) -> np.ndarray:
    """Per call, the position (in `entry_e164`) of the first ``phone_numbers`` entry whose
    number is the call's `number` (E.164); -1 where none is."""
    n = len(number)
    filled = np.full(n, -1, dtype=np.int64)
    if numbers is None or entry_e164 is None or len(entry_e164) == 0:
        return filled
    parent = pc.list_parent_indices(numbers.combine_chunks())
    matches = pc.equal(entry_e164, pc.take(number, parent)).fill_null(False)
    matched = np.flatnonzero(matches.to_numpy(zero_copy_only=False))
    # The first matching entry of each call: entries come in row order.
    rows, first = np.unique(parent.to_numpy()[matched], return_index=True)
    filled[rows] = matched[first]
    return filled


def contact_numbers(
    direction: pa.Array,
    to: pa.Array,
    from_: pa.Array,
    numbers: pa.ChunkedArray | None,
    entry_e164: pa.Array | None,
) -> pa.Array:
    """The contact's end of each call (E.164): `from_` (the caller) on an inbound call, `to`
    (the called number) on an outbound one. A call whose `direction` is missing or another
    value has the one of the two that is among its contact's ``phone_numbers`` (`entry_e164`,
    as `entry_numbers` lists them, normalised), `to` first; NA when neither is, as either could
    be the rep's own line.
    """
    inbound = pc.equal(direction, "inbound").fill_null(False)
    outbound = pc.equal(direction, "outbound").fill_null(False)
    known = pc.if_else(inbound, from_, to)
    unknown = pc.invert(pc.or_(inbound, outbound))
    if len(direction) == 0 or not pc.any(unknown).as_py():
        return known
    none = pa.scalar(None, pa.string())
    listed = pc.if_else(
        pa.array(_first_entries(numbers, entry_e164, to) >= 0),
        to,
        pc.if_else(pa.array(_first_entries(numbers, entry_e164, from_) >= 0), from_, none),
    )
    return pc.if_else(unknown, listed, known)


def phone_flags(
    numbers: pa.ChunkedArray | None, entry_e164: pa.Array | None, contact: pa.Array
) -> dict[str, pa.ChunkedArray]:
    """``contact_phone_do_not_call``, ``_is_wrong_number``, ``_call_classification``: the fields
    of the first ``phone_numbers`` entry whose number (`entry_e164`, as `entry_numbers` lists
    them, normalised) is the contact's end of the call (`contact`, E.164, as `contact_numbers`
    gives it). NA when no entry matches or the entry lacks the field.
    """
    n = len(contact)
    out = {
        f"contact_phone_{name}": pa.chunked_array([pa.nulls(n, type_)]) for name, type_ in _FLAGS
    }
    filled = _first_entries(numbers, entry_e164, contact)
    if not (filled >= 0).any():
        return out
    entries = pc.list_flatten(numbers.combine_chunks())
    position = pa.array(filled, mask=filled < 0)
    for name, type_ in _FLAGS:
        if entries.type.get_field_index(name) < 0:
            continue
        values = pa.chunked_array([pc.take(pc.struct_field(entries, name), position)])
        column = f"contact_phone_{name}"
        if type_ == pa.string():
            out[column] = to_text(values)
            continue
        try:
            out[column] = values.cast(type_)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            warnings.warn(f"{column}: values that are not true/false were read as NA", stacklevel=5)
    return out

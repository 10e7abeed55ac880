"""Response bodies as bytes, in the dialect the app speaks.

The written spec promises JSON; the live API writes the control characters of ``transcription``
strings (U+0000..U+001F: line feeds, tabs, stray \\x01 or \\x0b from speech-to-text) raw, which a
strict JSON parser rejects. A plain `json.dumps` would escape them, so the live dialect
serialises as usual and then puts each transcript back with its control characters unescaped.

>>> render({"data": [{"transcription": "Rep: hi\\nProspect: hello"}]}, "live")
b'{"data":[{"transcription":"Rep: hi\\nProspect: hello"}]}'
"""

from __future__ import annotations

import json
import re
from typing import Any

# Inside a JSON string written by json.dumps(ensure_ascii=False) a backslash starts an escape:
# an escaped backslash, a quote, or a control character (\n, \t, ..., \u00XX).
_ESCAPE = re.compile(r"\\(\\|\"|u00[01][0-9a-f]|[bfnrt])")
_SHORT = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def render(body: Any, dialect: str) -> bytes:
    """`body` as JSON bytes (UTF-8, compact); in the live dialect, transcripts carry raw
    control characters."""
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if dialect == "live":
        for transcript in _transcripts(body):
            escaped = json.dumps(transcript, ensure_ascii=False)
            text = text.replace(escaped, _ESCAPE.sub(_unescape_control, escaped))
    return text.encode()


def _unescape_control(match: re.Match[str]) -> str:
    code = match.group(1)
    if code in ("\\", '"'):
        return match.group(0)  # JSON syntax, not a control character: stays escaped
    if code in _SHORT:
        return _SHORT[code]
    return chr(int(code[1:], 16))


def _transcripts(body: Any) -> set[str]:
    """The transcription strings holding control characters in a body's ``data``."""
    data = body.get("data") if isinstance(body, dict) else None
    records = data if isinstance(data, list) else [data]
    found = set()
    for record in records:
        text = record.get("transcription") if isinstance(record, dict) else None
        if isinstance(text, str) and any(ch < " " for ch in text):
            found.add(text)
    return found

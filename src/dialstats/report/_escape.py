"""Text from data or arguments, made safe to show in the report's Markdown and HTML.

Names (reps, lists, sequences, dispositions) and filters come from whoever can edit them in the
dialer or type a command line; in the report they must read as text, never run as markup.

>>> print(escape_markdown("<img src=x onerror=alert(1)> *bold*"))
\\<img src\\=x onerror\\=alert\\(1\\)\\> \\*bold\\*
"""

from __future__ import annotations

import re
import string

# CommonMark lets every ASCII punctuation character be backslash-escaped, and then shows it as
# itself: escaping them all leaves no emphasis, link, raw HTML, entity or heading to parse.
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
# Line breaks could start a block (a heading, a list, a code block): one line of text it stays.
_BREAKS = re.compile(r"\s*[\r\n\f\v\x00-\x08\x0e-\x1f\x7f]+\s*")


def escape_markdown(value: object) -> str:
    """``str(value)`` as Markdown that renders as exactly that text, on one line."""
    return _PUNCTUATION.sub(r"\\\1", _BREAKS.sub(" ", str(value)))

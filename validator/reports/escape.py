"""One rule for showing text from a spec or a database in a human format.

Titles, ids, values and messages come from files and databases the user may
not have written. Raw, an ANSI escape sequence could turn a FAIL line into
PASS on a terminal (or in a CI log, which renders colours), a newline could
start a line of its own (a forged ``::error`` workflow command, a forged
PASS line), and a bidi override could reorder what a reviewer reads. So every
reporter and the command line pass such text through :func:`visible`, which
writes these characters as escapes (``\\t``, ``\\n``, ``\\r``, else ``\\x1b``,
``\\u202e``):

- C0 controls (U+0000-U+001F, tab and newline included), DEL and C1
  controls (U+007F-U+009F);
- the line and paragraph separators U+2028 and U+2029;
- the bidi embeddings and overrides U+202A-U+202E and isolates U+2066-U+2069;
- lone surrogates and U+FFFE/U+FFFF, which no UTF-8 encoder or XML parser takes.

A format that shows line breaks on its own terms (Markdown's ``<br>``,
GitHub's ``%0A``, the body of a JUnit failure) may ``keep`` ``\\n`` and ``\\r``
and deal with them itself; nothing else is ever kept. The result contains
none of these characters, so applying it twice changes nothing.
"""

from __future__ import annotations

import re
from functools import cache

_HIDDEN = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
"""The characters :func:`visible` escapes, as a regular-expression class body."""

_BREAKS = frozenset("\r\n")


@cache
def _pattern(keep: frozenset[str]) -> re.Pattern[str]:
    body = _HIDDEN
    if keep:
        # A class of the hidden characters minus the kept ones: (?![kept])[hidden].
        kept = "".join(re.escape(char) for char in sorted(keep))
        return re.compile(f"(?![{kept}])[{body}]")
    return re.compile(f"[{body}]")


_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep: str = "") -> str:
    """``text`` with every control, separator and bidi character written as an escape;
    ``keep`` may name ``"\\n"`` and ``"\\r"`` for a format that handles line breaks."""
    kept = frozenset(keep)
    if not kept <= _BREAKS:
        raise ValueError(f"only line breaks can be kept, not {sorted(kept - _BREAKS)!r}")
    return _pattern(kept).sub(_escape, text)

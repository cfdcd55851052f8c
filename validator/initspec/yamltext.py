"""YAML as a person writes it: comments, stable order, short mappings on one line.

PyYAML's emitter cannot keep comments, so specs written by ``validator init``
are emitted here from a small tree: :class:`Map` (entries in order, each with
comment lines above it and a note after it), :class:`Seq`, :class:`Sql` (one
line, or a ``|`` block) and scalars. A mapping or sequence of scalars is
written in flow style (``{type: TEXT, not_null: true}``) when it fits on its
line, else in block style. An entry can be *commented out*: its lines are
written behind ``# ``, ready to be uncommented.

Every scalar reads back as itself through the project's strict YAML 1.2
loader, and means the same to a YAML 1.1 reader (an editor): a string is
written plain only when it is a word-like text that no YAML version reads as
anything else (not ``on``, ``no``, ``0755``, ``12:30``, ``null``, ...), and
double-quoted otherwise, with every character YAML does not allow raw (and
every control, separator or bidi character) escaped. Comment text goes
through :func:`validator.reports.escape.visible`, so a name from the schema
cannot end a comment line and start YAML of its own.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..loader import resolve_plain
from ..reports.escape import visible

WIDTH = 99
"""Lines are kept to this many characters where the content allows."""

PROSE = 88
"""Comment text is wrapped to lines of this many characters."""

INDENT = "  "

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Verbatim:
    """A comment line kept as it is (YAML to uncomment), never wrapped."""

    text: str


Line = str | Verbatim
"""A comment line: prose (wrapped to the width) or :class:`Verbatim`."""


@dataclass(frozen=True)
class Sql:
    """SQL text: one double-quoted line when it has no line break, else a ``|`` block."""

    text: str


@dataclass(frozen=True)
class Entry:
    """``key: value``, with ``comments`` (lines above it) and a ``note`` after it.
    A ``commented`` entry is written behind ``# ``; a ``blank`` one has an empty
    line before it."""

    key: str
    value: Node
    comments: tuple[Line, ...] = ()
    note: str = ""
    commented: bool = False
    blank: bool = False


@dataclass(frozen=True)
class Map:
    """A mapping; ``flow`` None lets it go on one line when it fits, False never.
    ``trailing`` comment lines follow its entries, at their indentation."""

    entries: tuple[Entry, ...]
    flow: bool | None = None
    trailing: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]
    flow: bool | None = None


Node = Scalar | Sql | Map | Seq


@dataclass(frozen=True)
class Document:
    """The top-level mapping, with comment lines before it (the header) and
    after it (the commented-out examples)."""

    header: tuple[Line, ...]
    body: Map
    footer: tuple[Line, ...] = ()


# -- scalars --------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z_./][A-Za-z0-9_./ -]*")
_YAML11_WORDS = frozenset(
    ("y", "yes", "n", "no", "on", "off", "true", "false", "null", "nan", "inf")
)
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\0": "\\0",
}
_RAW = re.compile(
    "[\x20-\x7e\xa0-\u2027\u202f-\u2065\u206a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
    "\U00010000-\U0010ffff]"
)
"""Characters a double-quoted scalar holds as they are (everything else is escaped:
controls, DEL, C1, the separators and bidi controls, BOM, lone surrogates)."""


def plain_ok(text: str) -> bool:
    """Whether ``text`` can be written as a plain scalar (in block and flow style)
    and read back as the same string by any YAML reader."""
    return (
        bool(_PLAIN.fullmatch(text))
        and not text.endswith((" ", "-", "."))
        and "  " not in text
        and " -" not in text
        and text.casefold() not in _YAML11_WORDS
        and resolve_plain(text) == text
    )


def quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _RAW.match(char):
            out.append(char)
        else:
            code = ord(char)
            if code <= 0xFF:
                out.append(f"\\x{code:02x}")
            elif code <= 0xFFFF:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def scalar(value: Scalar) -> str:
    """The YAML text of one scalar."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "e" in text and "." not in text:  # YAML 1.1 reads 1e+300 as a string
            text = text.replace("e", ".0e", 1)
        return text
    return value if plain_ok(value) else quoted(value)


def comment(text: str) -> str:
    """One comment line's text (without ``# ``): nothing in it can end the line."""
    return visible(text)


# -- nodes ----------------------------------------------------------------------


def _flow(node: Node) -> str | None:
    """``node`` on one line, or None when it cannot be (a block, a comment)."""
    if isinstance(node, Sql):
        return None if _block_style(node.text) else quoted(node.text)
    if isinstance(node, Map):
        if not node.entries and not node.trailing:
            return "{}"
        if node.flow is False or node.trailing:
            return None
        if any(e.comments or e.note or e.commented for e in node.entries):
            return None
        parts = []
        for entry in node.entries:
            value = _flow(entry.value)
            if value is None:
                return None
            parts.append(f"{scalar(entry.key)}: {value}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(node, Seq):
        if not node.items:
            return "[]"
        if node.flow is False:
            return None
        items = [_flow(item) for item in node.items]
        if any(item is None for item in items):
            return None
        return "[" + ", ".join(str(item) for item in items) + "]"
    return scalar(node)


def _block_style(text: str) -> bool:
    """Whether SQL ``text`` is written as a ``|`` block: it has several lines, each
    of characters a block holds as they are, none blank but for spacing, the first
    not indented, and at most one line break at the end."""
    lines = text.split("\n")
    if len(lines) < 2 or text.endswith("\n\n") or not lines[0] or lines[0][0] in " \t":
        return False
    body = lines[:-1] if text.endswith("\n") else lines
    return all(
        (line == "" or line.strip()) and all(_RAW.match(char) for char in line) for line in body
    )


def _fits(prefix: str, text: str, note: str) -> bool:
    tail = f"  # {note}" if note else ""
    return len(prefix) + len(text) + len(tail) <= WIDTH


def _comments(lines: Sequence[Line], depth: int) -> Iterator[str]:
    indent = INDENT * depth
    room = max(PROSE - len(indent) - 2, 40)
    for line in lines:
        if isinstance(line, Verbatim):
            yield f"{indent}# {comment(line.text)}".rstrip()
        elif not line:
            yield f"{indent}#"
        else:
            for piece in textwrap.wrap(
                comment(line), room, break_long_words=False, break_on_hyphens=False
            ):
                yield f"{indent}# {piece}"


def _entry_lines(entry: Entry, depth: int) -> Iterator[str]:
    indent = INDENT * depth
    if entry.blank:
        yield ""
    yield from _comments(entry.comments, depth)
    lines = list(_pair(entry, depth))
    if entry.commented:
        lines = [f"{indent}# {line[len(indent) :]}" for line in lines]
    yield from lines


def _pair(entry: Entry, depth: int) -> Iterator[str]:
    indent = INDENT * depth
    prefix = f"{indent}{scalar(entry.key)}:"
    note = f"  # {comment(entry.note)}" if entry.note else ""
    value = entry.value
    flat = _flow(value)
    empty = flat in ("{}", "[]")
    forced_block = isinstance(value, Map | Seq) and value.flow is False and not empty
    if flat is not None and not forced_block and _fits(prefix + " ", flat, entry.note):
        yield f"{prefix} {flat}{note}"
        return
    if isinstance(value, Sql) and _block_style(value.text):
        chomp = "" if value.text.endswith("\n") else "-"
        yield f"{prefix} |{chomp}{note}"
        for line in value.text.splitlines():
            yield f"{indent}{INDENT}{line}" if line else ""
        return
    if isinstance(value, Map):
        yield f"{prefix}{note}"
        for child in value.entries:
            yield from _entry_lines(child, depth + 1)
        yield from _comments(value.trailing, depth + 1)
        return
    if isinstance(value, Seq):
        wrapped = _wrapped(value, len(prefix) + 2, len(indent) + len(INDENT))
        if wrapped is not None:
            yield f"{prefix} {wrapped[0]}{note}"
            yield from wrapped[1:]
            return
        yield f"{prefix}{note}"
        yield from _items(value.items, depth + 1)
        return
    yield f"{prefix} {flat}{note}"  # a scalar too long for the line: it stays whole


def _wrapped(value: Seq, first: int, indent: int) -> list[str] | None:
    """A flow sequence of scalars over several lines (the first starting at column
    ``first``, the others indented by ``indent``), or None when it holds more
    than scalars or is not to be in flow style."""
    if value.flow is False or not value.items:
        return None
    if any(isinstance(item, Map | Seq | Sql) for item in value.items):
        return None
    items = [scalar(item) for item in value.items]  # type: ignore[arg-type]
    lines: list[str] = []
    current = "["
    start = first
    for index, item in enumerate(items):
        piece = item + ("," if index + 1 < len(items) else "]")
        if current != "[" and start + len(current) + 1 + len(piece) > WIDTH:
            lines.append(current)
            current, start = " " * indent + piece, 0
            continue
        current += ("" if current == "[" else " ") + piece
    lines.append(current)
    return lines


def _items(items: Sequence[Node], depth: int) -> Iterator[str]:
    indent = INDENT * depth
    for item in items:
        flat = _flow(item)
        if flat is not None and _fits(f"{indent}- ", flat, ""):
            yield f"{indent}- {flat}"
        elif isinstance(item, Map) and item.entries:
            first, *rest = item.entries
            yield from _comments(first.comments, depth + 1)
            lines = list(_pair(first, depth + 1))
            yield f"{indent}- {lines[0][len(indent) + len(INDENT) :]}"
            yield from lines[1:]
            for entry in rest:
                yield from _entry_lines(entry, depth + 1)
        elif isinstance(item, Seq):
            yield f"{indent}-"
            yield from _items(item.items, depth + 1)
        else:
            yield f"{indent}- {flat}"


def render(document: Document) -> str:
    """The text of ``document``: header comments, the mapping, footer comments."""
    lines = list(_comments(document.header, 0))
    for entry in document.body.entries:
        lines.extend(_entry_lines(entry, 0))
    if document.footer:
        lines.append("")
        lines.extend(_comments(document.footer, 0))
    return "\n".join(lines) + "\n"


def block(node: Map) -> list[str]:
    """The lines of ``node`` in block style at the top level, to be written as
    comments that can be uncommented."""
    return [line for entry in node.entries for line in _entry_lines(entry, 0)]

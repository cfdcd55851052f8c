"""SQL text: split into statements with their lines, find named parameters.

Statements are run one at a time (never ``executescript``, which commits on
its own), so a script is split here: a ``;`` outside strings and comments ends
a statement once SQLite agrees the text is complete, which keeps ``CREATE
TRIGGER ... BEGIN ...; END;`` whole.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Container, Iterator
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
      (?P<string>'(?:[^']|'')*'?)
    | (?P<quoted>"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?)
    | (?P<line_comment>--[^\n]*)
    | (?P<block_comment>/\*(?:.|\n)*?(?:\*/|\Z))
    | (?P<param>[:@$][A-Za-z_][A-Za-z0-9_]*)
    | (?P<positional>\?[0-9]*)
    | (?P<end>;)
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE,
)


_PIECE = re.compile(
    r"""
      (?P<string>'(?:[^']|'')*'?)
    | (?P<quoted>"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?)
    | (?P<line_comment>--[^\n]*)
    | (?P<block_comment>/\*(?:.|\n)*?(?:\*/|\Z))
    | (?P<end>;)
    | (?P<code>[^'"`\[;/-]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)
"""What splitting into statements needs of :data:`_TOKEN`: strings, quoted names,
comments and ``;`` start where they do there, and the code and spacing between
them are read in runs instead of token by token (a run stops before anything
that can start one of those)."""


@dataclass(frozen=True)
class Statement:
    """One SQL statement and the 0-based line and column, within its text, where
    it starts (the column counts characters from the start of that line)."""

    sql: str
    line: int
    column: int = 0


def _tokens(text: str) -> Iterator[re.Match[str]]:
    return _TOKEN.finditer(text)


def split(text: str) -> list[Statement]:
    """Split ``text`` into statements, dropping blank and comment-only pieces."""
    return [
        Statement(text[s.start : s.end], s.line, s.start - (text.rfind("\n", 0, s.start) + 1))
        for s in statement_spans(text)
    ]


@dataclass(frozen=True)
class StatementSpan:
    """Where one statement of a text is: ``text[start:end]`` is the statement as
    :func:`split` gives it (from its first code character to its ``;``), ``line``
    the 0-based line of ``start``."""

    start: int
    end: int
    line: int


_IN_TRIGGER = "CREATE TRIGGER;"
"""A prefix that leaves :func:`sqlite3.complete_statement` where it is after a
``;`` inside a trigger body, so that each piece of a body is read once."""


def statement_spans(text: str) -> list[StatementSpan]:
    """The statements of ``text`` with their offsets, in linear time.

    A ``;`` ends a statement when SQLite says the text so far is complete. After
    a ``;`` that does not (only inside ``CREATE TRIGGER ... BEGIN``), SQLite's
    completeness state is "after a semicolon in a trigger", whatever came
    before; so the next piece is asked about behind :data:`_IN_TRIGGER` instead
    of with the whole statement again, which would be quadratic in a long body.
    """
    spans: list[StatementSpan] = []
    start = 0
    first_code: int | None = None
    resume: int | None = None  # after the last ';' of an unfinished trigger
    lines = _LineCounter(text)
    for token in _PIECE.finditer(text):
        kind = token.lastgroup
        if kind in ("line_comment", "block_comment"):
            continue
        if kind != "end":
            if first_code is None:
                piece = token.group()
                code = piece.lstrip()  # as _TOKEN's \s: Unicode spacing too
                if code:
                    first_code = token.start() + len(piece) - len(code)
            continue
        if first_code is None:
            start = token.end()  # a lone ';'
            continue
        piece = (
            text[start : token.end()]
            if resume is None
            else _IN_TRIGGER + text[resume : token.end()]
        )
        if sqlite3.complete_statement(piece):
            spans.append(StatementSpan(first_code, token.end(), lines.line_of(first_code)))
            start, first_code, resume = token.end(), None, None
        else:
            resume = token.end()
    if first_code is not None:
        end = first_code + len(text[first_code:].rstrip())
        spans.append(StatementSpan(first_code, end, lines.line_of(first_code)))
    return spans


class _LineCounter:
    """0-based line numbers of increasing offsets, counting each newline once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 0

    def line_of(self, offset: int) -> int:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def tokens(sql: str) -> Iterator[tuple[str, str]]:
    """``(kind, text)`` of every token but spacing and comments."""
    for token in _tokens(sql):
        kind = token.lastgroup or "other"
        if kind not in ("space", "line_comment", "block_comment"):
            yield kind, token.group()


@dataclass(frozen=True)
class Token:
    """A token other than spacing or a comment, with its 0-based offset in the text.

    ``kind`` is one of ``string``, ``quoted`` (an identifier in ``"..."``,
    ``[...]`` or backquotes), ``param``, ``positional``, ``end`` (``;``),
    ``word``, ``number``, ``other`` (one character of punctuation).
    """

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def located_tokens(text: str, start: int = 0, end: int | None = None) -> Iterator[Token]:
    """The tokens of ``text[start:end]`` but spacing and comments, with absolute
    offsets into ``text``."""
    scan = _TOKEN.finditer(text, start) if end is None else _TOKEN.finditer(text, start, end)
    for token in scan:
        kind = token.lastgroup or "other"
        if kind not in ("space", "line_comment", "block_comment"):
            yield Token(kind, token.group(), token.start())


def unquote(text: str) -> str:
    """The name a token spells: ``"a""b"`` is ``a"b``, ``[a]`` is ``a``, ``'a''b'``
    is ``a'b`` (SQLite accepts a string where it expects a name); any other
    text is returned as it is."""
    if len(text) >= 2 and text[0] == "[" and text[-1] == "]":
        return text[1:-1]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"`'":
        quote = text[0]
        return text[1:-1].replace(quote * 2, quote)
    return text


def parameters(sql: str) -> list[str]:
    """Named parameters (``:name``, ``@name``, ``$name``) in order of first use."""
    seen: dict[str, None] = {}
    for token in _tokens(sql):
        if token.lastgroup == "param":
            seen.setdefault(token.group()[1:], None)
    return list(seen)


def has_positional(sql: str) -> bool:
    """Whether ``sql`` uses ``?`` placeholders, which specs cannot bind."""
    return any(token.lastgroup == "positional" for token in _tokens(sql))


def normalize_expression(sql: str) -> str:
    """``sql`` without comments, spacing, letter case (outside quotes) or outer
    parentheses, so that two spellings of one default compare equal."""
    parts: list[str] = []
    previous = None
    for token in _tokens(sql):
        kind = token.lastgroup
        if kind in ("space", "line_comment", "block_comment"):
            continue
        if kind in ("word", "number") and previous in ("word", "number"):
            parts.append(" ")
        text = token.group()
        parts.append(text if kind in ("string", "quoted") else text.casefold())
        previous = kind
    text = "".join(parts)
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for token in _tokens(text):
        if token.group() == "(":
            depth += 1
        elif token.group() == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


_NUMBER = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")


def string(text: str) -> str:
    """``text`` as an SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def literal(sql: str) -> tuple[bool, str | int | float | None]:
    """``(True, value)`` when ``sql`` is a literal (string, number, NULL,
    TRUE/FALSE), else ``(False, None)``."""
    text = normalize_expression(sql)
    if text == "null":
        return True, None
    if text in ("true", "false"):
        return True, int(text == "true")
    if _NUMBER.match(text):
        number = float(text)
        return True, int(number) if number.is_integer() and "." not in text else number
    if len(text) >= 2 and text[0] == text[-1] == "'" and "'" not in text[1:-1].replace("''", ""):
        return True, text[1:-1].replace("''", "'")
    return False, None


@dataclass(frozen=True)
class Fragment:
    """An optional piece ``{{ ... }}`` of an operation's SQL: ``text[start:end]``
    is the whole piece with its braces, ``inner`` what is kept when every
    parameter in it was given."""

    start: int
    end: int
    inner: str
    parameters: tuple[str, ...]


class FragmentError(ValueError):
    """Braces that do not make fragments: the message says which, ``offset`` where."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def fragments(sql: str) -> list[Fragment]:
    """The ``{{ ... }}`` pieces of ``sql`` (outside strings and comments), in order;
    :class:`FragmentError` for unbalanced or nested braces, or a ``;`` inside one."""
    found: list[Fragment] = []
    tokens = list(located_tokens(sql))
    opened: int | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        pair = after is not None and after.start == token.end and after.text == token.text
        if token.text == "{" and pair:
            if opened is not None:
                raise FragmentError(
                    "'{{' inside an optional fragment; they do not nest", token.start
                )
            opened, index = token.start, index + 2
            continue
        if token.text == "}" and pair:
            if opened is None:
                raise FragmentError("'}}' without its '{{'", token.start)
            inner = sql[opened + 2 : token.start]
            names = tuple(parameters(inner))
            found.append(Fragment(opened, token.end + 1, inner, names))
            opened, index = None, index + 2
            continue
        if token.kind == "end" and opened is not None:
            raise FragmentError("a ';' inside an optional fragment", token.start)
        index += 1
    if opened is not None:
        raise FragmentError("'{{' without its '}}'", opened)
    return found


def render(sql: str, given: Container[str] | None = None) -> str:
    """``sql`` with each ``{{ ... }}`` fragment kept (without its braces) when every
    parameter in it is in ``given``, dropped otherwise; ``given`` None keeps them all."""
    if "{{" not in sql:
        return sql
    pieces, last = [], 0
    for fragment in fragments(sql):
        pieces.append(sql[last : fragment.start])
        if given is None or all(name in given for name in fragment.parameters):
            pieces.append(fragment.inner)
        last = fragment.end
    pieces.append(sql[last:])
    return "".join(pieces)


def affinity(declared: str) -> str:
    """SQLite's type affinity of a declared column type (section 3.1 of
    https://sqlite.org/datatype3.html)."""
    upper = declared.upper()
    if "INT" in upper:
        return "INTEGER"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in upper or not upper:
        return "BLOB"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"

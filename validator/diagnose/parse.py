"""What a statement's tokens say: names, positions, the head of a CREATE.

Shared by the rest of :mod:`validator.diagnose`: the names a token spells and
how SQLite compares them, positions in a text, and a reading of ``CREATE``
statements (kind, name, table, column definitions) that is enough to find
things in them, not a parser of SQL.
"""

from __future__ import annotations

import re
import string
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..sqltext import Statement, Token, unquote

# -- names and positions ---------------------------------------------------

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def fold(name: str) -> str:
    """``name`` as SQLite compares names: ASCII letters without case, nothing
    else folded (``"Ä"`` and ``"ä"`` are two names to SQLite)."""
    return name.translate(_ASCII_LOWER)


class Position(NamedTuple):
    """A 0-based line and column (in characters) in a text."""

    line: int
    column: int


class Lines:
    """Offsets in one text to positions, each in logarithmic time."""

    def __init__(self, text: str) -> None:
        self._starts = [0, *(match.end() for match in re.finditer("\n", text))]

    def position(self, offset: int) -> Position:
        line = bisect_right(self._starts, offset) - 1
        return Position(line, offset - self._starts[line])


def in_file(statement: Statement, position: Position) -> Position:
    """``position`` within ``statement.sql`` as a position in the text the
    statement was split from (see :func:`validator.sqltext.split`)."""
    column = position.column + (statement.column if position.line == 0 else 0)
    return Position(statement.line + position.line, column)


NAME_KINDS = frozenset({"word", "quoted"})
OBJECT_NAME_KINDS = frozenset({"word", "quoted", "string"})
"""SQLite also takes a string literal where it expects the name of an object."""


def name_of(token: Token) -> str:
    """The name a word, quoted identifier or string token spells."""
    return token.text if token.kind == "word" else unquote(token.text)


def is_word(tokens: Sequence[Token], index: int, *words: str) -> bool:
    """Whether ``tokens[index]`` exists and is one of the (upper-case) keywords ``words``."""
    return (
        0 <= index < len(tokens)
        and tokens[index].kind == "word"
        and tokens[index].text.upper() in words
    )


def is_text(tokens: Sequence[Token], index: int, text: str) -> bool:
    """Whether ``tokens[index]`` exists and is exactly ``text``."""
    return 0 <= index < len(tokens) and tokens[index].text == text


def quote(name: str) -> str:
    """``name`` as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


# -- CREATE statements -----------------------------------------------------


class QualifiedName(NamedTuple):
    """``[schema.]name`` and where it is among the tokens."""

    schema: str | None
    name: str
    at: int  # index of the name's token (after any schema)
    next: int  # index of the token after the name


def qualified_name(tokens: Sequence[Token], index: int) -> QualifiedName | None:
    """``[schema.]name`` starting at ``tokens[index]``."""
    if index >= len(tokens) or tokens[index].kind not in OBJECT_NAME_KINDS:
        return None
    first = name_of(tokens[index])
    if is_text(tokens, index + 1, ".") and index + 2 < len(tokens):
        second = tokens[index + 2]
        if second.kind in OBJECT_NAME_KINDS:
            return QualifiedName(first, name_of(second), index + 2, index + 3)
    return QualifiedName(None, first, index, index + 1)


@dataclass(frozen=True)
class Head:
    """What the start of a ``CREATE`` statement says."""

    kind: str  # table, index, trigger, view
    schema: str | None
    name: str
    name_index: int
    on: tuple[str | None, str] | None  # the table of an index or trigger
    instead_of: bool


KINDS = ("TABLE", "INDEX", "TRIGGER", "VIEW")


def create_head(tokens: Sequence[Token]) -> Head | None:
    """What a ``CREATE [TEMP] [UNIQUE|VIRTUAL] TABLE|INDEX|TRIGGER|VIEW [IF NOT
    EXISTS] [schema.]name ... [ON table]`` statement creates; None for any
    other statement."""
    if not is_word(tokens, 0, "CREATE"):
        return None
    index = 1 + is_word(tokens, 1, "TEMP", "TEMPORARY")
    index += is_word(tokens, index, "UNIQUE", "VIRTUAL")
    if not is_word(tokens, index, *KINDS):
        return None
    kind = tokens[index].text.lower()
    index += 1
    if (
        is_word(tokens, index, "IF")
        and is_word(tokens, index + 1, "NOT")
        and is_word(tokens, index + 2, "EXISTS")
    ):
        index += 3
    name = qualified_name(tokens, index)
    if name is None:
        return None
    on, instead_of = None, False
    if kind in ("index", "trigger"):
        # Before ON come only keywords and (UPDATE OF) column names, no "ON".
        at = next((i for i in range(name.next, len(tokens)) if is_word(tokens, i, "ON")), None)
        table = None if at is None else qualified_name(tokens, at + 1)
        on = None if table is None else (table.schema, table.name)
        instead_of = at is not None and any(
            is_word(tokens, i, "INSTEAD") for i in range(name.next, at)
        )
    return Head(kind, name.schema, name.name, name.at, on, instead_of)


class Definition(NamedTuple):
    """One column definition of a ``CREATE TABLE``."""

    name: str
    name_index: int
    collation: str | None  # the last COLLATE of the definition, as SQLite keeps it


_TABLE_CONSTRAINTS = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN")


def column_definitions(tokens: Sequence[Token], head: Head) -> list[Definition]:
    """The column definitions of a ``CREATE TABLE`` (none for ``AS SELECT``)."""
    index = head.name_index + 1
    if not is_text(tokens, index, "("):
        return []
    definitions: list[Definition] = []
    depth, start = 0, index + 1
    for at in range(index, len(tokens)):
        text = tokens[at].text
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        if depth == 0 or (depth == 1 and text == ","):
            definition = _definition(tokens, start, at)
            if definition is not None:
                definitions.append(definition)
            start = at + 1
        if depth == 0:
            break
    return definitions


def _definition(tokens: Sequence[Token], start: int, end: int) -> Definition | None:
    if start >= end or tokens[start].kind not in OBJECT_NAME_KINDS:
        return None
    if is_word(tokens, start, *_TABLE_CONSTRAINTS):
        return None
    collation, depth = None, 0
    for at in range(start + 1, end):
        text = tokens[at].text
        depth += (text == "(") - (text == ")")
        if depth == 0 and is_word(tokens, at, "COLLATE") and at + 1 < end:
            collation = name_of(tokens[at + 1])
    return Definition(name_of(tokens[start]), start, collation)

"""SQL text: split into statements with their lines, find named parameters.

Statements are run one at a time (never ``executescript``, which commits on
its own), so a script is split here: a ``;`` outside strings and comments ends
a statement once SQLite agrees the text is complete, which keeps ``CREATE
TRIGGER ... BEGIN ...; END;`` whole.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
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


@dataclass(frozen=True)
class Statement:
    """One SQL statement and the 0-based line, within its text, where it starts."""

    sql: str
    line: int


def _tokens(text: str) -> Iterator[re.Match[str]]:
    return _TOKEN.finditer(text)


def split(text: str) -> list[Statement]:
    """Split ``text`` into statements, dropping blank and comment-only pieces.

    Linear in the text: lines are counted on from the previous statement, and
    SQLite is asked whether a trigger is complete only at ``; END ;``, the one
    place it can be (asking at every ``;`` of a long trigger body was quadratic).
    """
    statements: list[Statement] = []
    start = 0
    first_code: int | None = None
    lines = _LineCounter(text)
    words: list[str] = []  # the statement's first words, to know a trigger
    last_two: tuple[str, str] = ("", "")  # the last two code tokens, upper-cased
    in_trigger_body = False
    for token in _tokens(text):
        kind = token.lastgroup
        if kind in ("space", "line_comment", "block_comment"):
            continue
        code = token.group().upper()
        previous, last_two = last_two, (last_two[1], code)
        if kind != "end":
            if first_code is None:
                first_code = token.start()
            if kind == "word" and len(words) < 6:  # EXPLAIN QUERY PLAN CREATE TEMP TRIGGER
                words.append(code)
            continue
        if first_code is None:
            start = token.end()  # a lone ';'
            continue
        if in_trigger_body and previous != (";", "END"):
            continue
        if sqlite3.complete_statement(text[start : token.end()]):
            statements.append(_statement(text, first_code, token.end(), lines))
            start, first_code, words, in_trigger_body = token.end(), None, [], False
        else:
            in_trigger_body = "TRIGGER" in words
    if first_code is not None:
        statements.append(_statement(text, first_code, len(text), lines))
    return statements


class _LineCounter:
    """0-based line numbers of increasing offsets in a text, counted once."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0
        self._line = 0

    def at(self, offset: int) -> int:
        self._line += self._text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line


def _statement(text: str, begin: int, end: int, lines: _LineCounter) -> Statement:
    return Statement(text[begin:end].strip(), lines.at(begin))


def tokens(sql: str) -> Iterator[tuple[str, str]]:
    """``(kind, text)`` of every token but spacing and comments."""
    for token in _tokens(sql):
        kind = token.lastgroup or "other"
        if kind not in ("space", "line_comment", "block_comment"):
            yield kind, token.group()


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

"""``-k EXPR``: choose checks the way pytest's ``-k`` chooses tests.

An expression is made of words joined with ``and``, ``or``, ``not`` and
parentheses. A word matches a check when it is a case-insensitive substring
of the check's id or of its title; ``"quoted words"`` match a phrase. So
``-k "criterion and not 10"``, ``-k "paused"`` or ``-k "'FK constraints'"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .results import Planned

Matcher = Callable[[Planned], bool]

_TOKEN = re.compile(
    r"""\s*(?:(?P<paren>[()])|"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<word>[^\s()'"]+))"""
)
_KEYWORDS = frozenset(("and", "or", "not"))


class SelectionError(ValueError):
    """A ``-k`` expression that does not parse; the message says where."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "and", "or", "not", "text", "end"
    text: str
    position: int


def _tokens(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(expression):
        if expression[position:].strip() == "":
            break
        match = _TOKEN.match(expression, position)
        if match is None or match.end() == position:
            raise SelectionError(f"unexpected character at column {position + 1}")
        start = match.start(match.lastgroup or 0)
        if match.group("paren"):
            tokens.append(_Token(match.group("paren"), match.group("paren"), start))
        elif match.group("word") is not None and match.group("word").lower() in _KEYWORDS:
            tokens.append(_Token(match.group("word").lower(), match.group("word"), start))
        else:
            text = match.group("word") or match.group("dq") or match.group("sq") or ""
            tokens.append(_Token("text", text, start))
        position = match.end()
    tokens.append(_Token("end", "", len(expression)))
    return tokens


class _Parser:
    """expr := or ; or := and ('or' and)* ; and := not ('and' not)* ;
    not := 'not' not | '(' expr ')' | text"""

    def __init__(self, expression: str) -> None:
        self.tokens = _tokens(expression)
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self, kind: str) -> _Token:
        token = self.peek()
        if token.kind != kind:
            shown = "end of expression" if token.kind == "end" else repr(token.text)
            raise SelectionError(f"expected {kind!r} at column {token.position + 1}, found {shown}")
        self.index += 1
        return token

    def parse(self) -> Matcher:
        matcher = self.either()
        self.take("end")
        return matcher

    def either(self) -> Matcher:
        options = [self.both()]
        while self.peek().kind == "or":
            self.index += 1
            options.append(self.both())
        return options[0] if len(options) == 1 else lambda c: any(m(c) for m in options)

    def both(self) -> Matcher:
        parts = [self.negation()]
        while self.peek().kind == "and":
            self.index += 1
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else lambda c: all(m(c) for m in parts)

    def negation(self) -> Matcher:
        token = self.peek()
        if token.kind == "not":
            self.index += 1
            inner = self.negation()
            return lambda c: not inner(c)
        if token.kind == "(":
            self.index += 1
            inner = self.either()
            self.take(")")
            return inner
        text = self.take("text").text.casefold()
        return lambda c: text in c.id.casefold() or text in c.title.casefold()


def compile_expression(expression: str) -> Matcher:
    """A predicate for ``expression``; raises :class:`SelectionError` if it does not parse."""
    if not expression.strip():
        return lambda _: True
    return _Parser(expression).parse()

"""Choosing checks: ``-k EXPR`` the way pytest's ``-k`` chooses tests, and exact ids.

An expression is made of words joined with ``and``, ``or``, ``not`` and
parentheses. A word matches a check when it is a case-insensitive substring
of the check's id or of its title; ``"quoted words"`` match a phrase. So
``-k "criterion and not 10"``, ``-k "paused"`` or ``-k "'FK constraints'"``.

Check ids contain parentheses, commas and arrows (``table-t.unique(a,b)``,
``machine-m.a->b``), and an id copied from a report must work as a word. So
a ``(`` that directly follows a character of a word (no space between, and
the word is not ``and``/``or``/``not``) belongs to the word, up to its
matching ``)``; the word then goes on. A ``(`` at the start, after a space,
after another parenthesis or after a keyword groups. ``-k "unique(a,b) or
a->b"`` is two words; ``-k "not(a or b)"`` and ``-k "x and (a or b)"`` group.

Parentheses and ``not`` nest at most :data:`MAX_NESTING` levels deep (the
parser and the matcher it builds recurse once per level). Tokenizing is one
pass over the text.

``--id ID`` selects exactly: :func:`near` suggests ids for one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Protocol


class Named(Protocol):
    """What an expression matches: an id and a title (a planned check, a mutant)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...


Matcher = Callable[[Named], bool]

MAX_NESTING = 64
"""How deep parentheses and ``not`` may nest in one expression."""

_KEYWORDS = frozenset(("and", "or", "not"))
_QUOTES = "'\""


class SelectionError(ValueError):
    """A ``-k`` expression that does not parse; the message says where."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "and", "or", "not", "text", "end"
    text: str
    position: int


def _word_end(expression: str, start: int) -> int:
    """Where the word starting at ``start`` ends: at a space, a quote, or a
    parenthesis outside the word's own ``name(...)`` parts."""
    index, length = start, len(expression)
    while index < length:
        char = expression[index]
        if char.isspace() or char in _QUOTES or char == ")":
            break
        if char == "(":
            if expression[start:index].lower() in _KEYWORDS:
                break
            index = _matching(expression, index)
        index += 1
    return index


def _matching(expression: str, opening: int) -> int:
    """The index of the ``)`` that closes the ``(`` at ``opening`` (counting, no recursion)."""
    depth = 0
    for index in range(opening, len(expression)):
        char = expression[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    raise SelectionError(f"'(' at column {opening + 1} has no matching ')'")


def _tokens(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    index, length = 0, len(expression)
    while True:
        while index < length and expression[index].isspace():
            index += 1
        if index == length:
            break
        char = expression[index]
        if char in "()":
            tokens.append(_Token(char, char, index))
            index += 1
        elif char in _QUOTES:
            close = expression.find(char, index + 1)
            if close < 0:
                raise SelectionError(f"the {char} quote at column {index + 1} is never closed")
            tokens.append(_Token("text", expression[index + 1 : close], index))
            index = close + 1
        else:
            end = _word_end(expression, index)
            word = expression[index:end]
            kind = word.lower() if word.lower() in _KEYWORDS else "text"
            tokens.append(_Token(kind, word, index))
            index = end
    tokens.append(_Token("end", "", length))
    return tokens


class _Parser:
    """expr := or ; or := and ('or' and)* ; and := not ('and' not)* ;
    not := 'not' not | '(' expr ')' | text"""

    def __init__(self, expression: str) -> None:
        self.tokens = _tokens(expression)
        self.index = 0
        self.depth = 0

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
        if token.kind not in ("not", "("):
            text = self.take("text").text.casefold()
            return lambda c: text in c.id.casefold() or text in c.title.casefold()
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise SelectionError(
                f"nested deeper than {MAX_NESTING} levels at column {token.position + 1}"
            )
        self.index += 1
        if token.kind == "not":
            matcher = _negated(self.negation())
        else:
            matcher = self.either()
            self.take(")")
        self.depth -= 1
        return matcher


def _negated(inner: Matcher) -> Matcher:
    return lambda c: not inner(c)


def compile_expression(expression: str) -> Matcher:
    """A predicate for ``expression``; raises :class:`SelectionError` if it does not parse."""
    if not expression.strip():
        return lambda _: True
    return _Parser(expression).parse()


def near(check_id: str, known: Collection[str], count: int = 5) -> list[str]:
    """The ids in ``known`` most like ``check_id``, best first (for "did you mean")."""
    import difflib  # only for an unknown id

    return difflib.get_close_matches(check_id, known, n=count, cutoff=0.6)

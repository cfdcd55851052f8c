"""Comparisons between fields of results: ``that: ["stored.finished_at >= stored.started_at"]``.

A comparison is ``OPERAND OP OPERAND`` with OP one of ``== != < <= > >=``. An
operand is a reference to a bound result (``stored.line_count``,
``rows.0.id``), ``len(REFERENCE)`` (the length of a list, a mapping or a
string), or a literal: a number, a quoted string (``'done'`` or ``"done"``),
``true``, ``false`` or ``null``. Equality is JSON's (``1 == 1.0``, ``true`` is
not ``1``); ``<`` and friends compare two numbers or two strings, anything
else makes the comparison fail with the values it found. There is no other
syntax: no arithmetic, no calls but ``len``, so a comparison never runs code.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from .templates import Scope, TemplateError

OPERATORS = ("==", "!=", "<=", ">=", "<", ">")

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<op>==|!=|<=|>=|<|>)
    | (?P<number>-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
    | (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
    | (?P<len>len\s*\()
    | (?P<ref>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
    | (?P<close>\))
    )""",
    re.VERBOSE,
)
_LITERALS = {"true": True, "false": False, "null": None}


class CompareError(ValueError):
    """A comparison that does not parse; ``column`` (1-based) is where."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Operand:
    """A reference (``path``), its length (``length``), or a literal ``value``."""

    text: str
    path: tuple[str, ...] = ()
    length: bool = False
    value: Any = None

    @property
    def reference(self) -> bool:
        return bool(self.path)


@dataclass(frozen=True)
class Comparison:
    text: str
    left: Operand
    operator: str
    right: Operand

    @property
    def names(self) -> list[str]:
        """The bound names the comparison reads."""
        return [operand.path[0] for operand in (self.left, self.right) if operand.reference]


def parse(text: str) -> Comparison:
    """Parse ``OPERAND OP OPERAND``; :class:`CompareError` says where it is wrong."""
    position = 0

    def operand() -> Operand:
        nonlocal position
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup in (None, "op", "close"):
            raise CompareError("expected a reference, len(...) or a literal", position + 1)
        position = match.end()
        kind, word = match.lastgroup, match.group(match.lastgroup)
        if kind == "number":
            number = float(word)
            integral = number.is_integer() and not any(c in word for c in ".eE")
            return Operand(word, value=int(word) if integral else number)
        if kind == "string":
            quote = word[0]
            return Operand(word, value=word[1:-1].replace(quote * 2, quote))
        if kind == "len":
            inner = _TOKEN.match(text, position)
            if inner is None or inner.lastgroup != "ref":
                raise CompareError("len(...) takes a reference", position + 1)
            closing = _TOKEN.match(text, inner.end())
            if closing is None or closing.lastgroup != "close":
                raise CompareError("expected ')' after len(...", inner.end() + 1)
            position = closing.end()
            return Operand(
                text[match.start() : position].strip(), tuple(inner["ref"].split(".")), True
            )
        if word in _LITERALS:
            return Operand(word, value=_LITERALS[word])
        return Operand(word, tuple(word.split(".")))

    left = operand()
    match = _TOKEN.match(text, position)
    if match is None or match.lastgroup != "op":
        raise CompareError(f"expected one of {', '.join(OPERATORS)}", position + 1)
    operator = match["op"]
    position = match.end()
    right = operand()
    if text[position:].strip():
        raise CompareError("unexpected text after the comparison", position + 1)
    return Comparison(text.strip(), left, operator, right)


def _value(operand: Operand, scope: Scope) -> Any:
    if not operand.reference:
        return operand.value
    value = scope.lookup(".".join(operand.path))
    if not operand.length:
        return value
    if isinstance(value, list | dict | str):
        return len(value)
    found = "null" if value is None else type(value).__name__
    raise TemplateError(f"len({'.'.join(operand.path)}): {found} has no length")


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1; lists and mappings by content."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and not (isinstance(value, float) and math.isnan(value))
    )


def evaluate(comparison: Comparison, scope: Scope) -> tuple[bool, str]:
    """Whether the comparison holds, and what was found (for a finding)."""
    left, right = _value(comparison.left, scope), _value(comparison.right, scope)
    shown = f"{_show(left)} {comparison.operator} {_show(right)}"
    operator = comparison.operator
    if operator in ("==", "!="):
        return _same(left, right) == (operator == "=="), shown
    comparable = (_number(left) and _number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )
    if not comparable:
        return False, f"{shown}, which cannot be ordered"
    holds = {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[operator]
    return holds, shown


def _show(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."

"""Regular expressions of expectations (``pattern``, ``patternProperties``),
matched in bounded time.

Python's ``re`` backtracks: ``^(a|aa)+$`` against sixty a's and a ``!`` takes
longer than a lifetime, and while it runs it holds the GIL, so no watchdog
thread and no signal handler can stop it. So:

* what is a valid pattern stays what it was: Python's ``re`` syntax (what
  jsonschema's meta-schema checks through ``format: regex``);
* matching is done by the ``regex`` module, which reads every pattern ``re``
  accepts with the same meaning (its version 0 is ``re``-compatible) and takes
  a ``timeout``: an expectation's patterns get :data:`BUDGET` seconds in all
  (:func:`budget`), and a search still running then raises
  :class:`PatternTimeout`;
* ``regex`` writes counted repeats out when it compiles (``(a{1000}){1000}``
  took seconds and hundreds of megabytes, one more level never ended) and its
  compiler costs some 25 microseconds per element, so a pattern is refused
  before it is compiled when it would have more than :data:`MAX_ELEMENTS`
  elements written out, is longer than :data:`MAX_LENGTH` characters, or
  nests groups more than :data:`MAX_GROUP_DEPTH` deep (``re``'s own parser
  recursed past Python's limit on 1,000).

``google-re2`` (linear time) was measured too and not chosen: it refuses
lookarounds and backreferences, and reads ``$``, ``\\d``, ``\\w`` differently
from ``re``, which would silently change what existing patterns accept.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import regex

BUDGET = 1.0
"""Seconds of pattern matching one expectation may use, in all."""
MAX_ELEMENTS = 10_000
"""Elements a pattern may have once its counted repeats are written out."""
MAX_GROUP_DEPTH = 100
"""How deep a pattern may nest its groups."""
MAX_LENGTH = 10_000
"""Characters a pattern may have (``regex`` parses patterns in Python, at some
30 microseconds a character)."""

_parser: Any = importlib.import_module("re._parser")
"""``re``'s own parser (private, but the one ``re.compile`` uses): the
structure of a pattern, to count its elements before ``regex`` compiles it."""

_deadline: ContextVar[float | None] = ContextVar("pattern_deadline", default=None)


class PatternError(Exception):
    """A pattern that cannot be matched: refused, invalid, or out of time."""

    def __init__(self, pattern: str, message: str) -> None:
        super().__init__(message)
        self.pattern = pattern
        self.message = message


class PatternTimeout(PatternError):
    """A search that did not finish within the budget."""


def shown(pattern: str, limit: int = 60) -> str:
    """``pattern`` quoted for a message, cut to ``limit`` characters."""
    text = pattern if len(pattern) <= limit else pattern[: limit - 3] + "..."
    return repr(text)


@contextmanager
def budget(seconds: float | None = None) -> Iterator[None]:
    """Within this block, every :func:`search` together gets ``seconds``
    (default :data:`BUDGET`). Outside one, each search gets :data:`BUDGET`."""
    token = _deadline.set(time.monotonic() + (BUDGET if seconds is None else seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text`` (as ``re.search``).

    Raises :class:`PatternError` for a pattern that cannot be used and
    :class:`PatternTimeout` when the budget runs out.
    """
    compiled_pattern = compiled(pattern)
    deadline = _deadline.get()
    seconds = BUDGET if deadline is None else deadline - time.monotonic()
    if seconds <= 0:  # regex reads a timeout of 0 as "at once", a negative one as "never"
        raise _timeout(pattern, text)
    try:
        found = compiled_pattern.search(text, timeout=seconds, concurrent=True)
    except TimeoutError:
        raise _timeout(pattern, text) from None
    return found is not None


def _timeout(pattern: str, text: str) -> PatternTimeout:
    return PatternTimeout(
        pattern,
        f"the pattern {shown(pattern)} took longer than {BUDGET:g} s "
        f"on a value of {len(text)} characters",
    )


@lru_cache(maxsize=512)
def compiled(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled for bounded matching; :class:`PatternError` when it
    is beyond the limits or not a valid ``re`` pattern."""
    refused = limits(pattern)
    if refused is not None:
        raise PatternError(pattern, refused)
    try:
        re.compile(pattern)  # the syntax jsonschema accepts, and no other
        return regex.compile(pattern)
    except (re.error, regex.error, RecursionError) as exc:
        message = f"pattern {shown(pattern)} is not a valid regular expression: {exc}"
        raise PatternError(pattern, message) from None


@lru_cache(maxsize=512)
def limits(pattern: str) -> str | None:
    """Why ``pattern`` is beyond what can be compiled and matched in bounded
    time and memory, or None. A pattern with a syntax error is left to the
    schema check, which says so."""
    if len(pattern) > MAX_LENGTH:
        return f"pattern {shown(pattern)} is {len(pattern)} characters long (at most {MAX_LENGTH})"
    depth = _group_depth(pattern)
    if depth > MAX_GROUP_DEPTH:
        return f"pattern {shown(pattern)} nests groups {depth} deep (at most {MAX_GROUP_DEPTH})"
    try:
        parsed = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    if _elements(parsed) > MAX_ELEMENTS:
        return (
            f"pattern {shown(pattern)} is too large: more than {MAX_ELEMENTS} elements "
            "once its counted repeats are written out"
        )
    return None


def _group_depth(pattern: str) -> int:
    """How deep ``pattern``'s parentheses nest (escapes and sets skipped): at
    least the depth ``re``'s recursive parser would reach."""
    depth = deepest = 0
    index, end = 0, len(pattern)
    while index < end:
        char = pattern[index]
        if char == "\\":
            index += 1
        elif char == "[":
            index = _set_end(pattern, index)
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(depth - 1, 0)
        index += 1
    return deepest


def _set_end(pattern: str, start: int) -> int:
    """The index of the ``]`` closing the set that opens at ``start`` (as ``re``
    reads it: a ``]`` right after ``[`` or ``[^`` is a member)."""
    index = start + 1
    if index < len(pattern) and pattern[index] == "^":
        index += 1
    if index < len(pattern) and pattern[index] == "]":
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index


_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})


def _elements(items: Any) -> int:
    """An upper bound on the elements ``regex`` writes out for parsed
    ``items``: a repeat ``{m,n}`` counts its body m + 1 times (``regex`` writes
    out the m required copies and keeps one for the rest)."""
    total = 0
    for op, argument in items:
        name = getattr(op, "name", "")
        if name in _REPEATS:
            low, _, body = argument
            total += (low + 1) * _elements(body)
        elif name == "SUBPATTERN":
            total += _elements(argument[3])
        elif name == "BRANCH":
            total += sum(_elements(branch) for branch in argument[1])
        elif name in ("ASSERT", "ASSERT_NOT"):
            total += _elements(argument[1])
        elif name == "ATOMIC_GROUP":
            total += _elements(argument)
        elif name == "GROUPREF_EXISTS":
            total += _elements(argument[1]) + (_elements(argument[2]) if argument[2] else 0)
        else:
            total += 1
        if total > MAX_ELEMENTS:
            break  # enough to refuse; the rest could only be larger
    return total

"""The moves of a status column that its triggers allow, read from their text.

A trigger *guards* a column when it fires on an ``UPDATE`` of its table (``OF``
that column, or of any column) and its body refuses the update with
``RAISE(ABORT|FAIL|ROLLBACK, ...)``. A guard is *recognised* when what makes
it refuse is a condition on ``OLD.column`` and ``NEW.column`` alone, written
as its ``WHEN`` clause and/or in a body of statements of these shapes:

    SELECT RAISE(ABORT, '...');
    SELECT RAISE(ABORT, '...') WHERE condition;
    SELECT CASE WHEN condition THEN RAISE(ABORT, '...') ... END;

for example ``WHEN OLD.s IS NOT NEW.s AND NOT ((OLD.s = 'a' AND NEW.s IN
('b', 'c')) OR ...)``. The condition is not interpreted here: SQLite itself
evaluates it for every pair of states (one query, the pair bound where
``OLD.column`` and ``NEW.column`` were), so whatever SQL the condition uses
means what it means to SQLite. A condition that names another column, a
subquery or anything it cannot evaluate makes the guard unrecognised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import schema_text, sqltext
from ..errors import Location
from ..model import Sql
from ..session import CallError, Session
from .naming import sql_name

_RAISING = frozenset(("ABORT", "FAIL", "ROLLBACK"))
_OLD, _NEW = "validator_old.v", "validator_new.v"


@dataclass(frozen=True)
class Moves:
    """What the guards of a column allow: ``allowed`` (source, target) pairs of
    distinct states, read from the recognised guards ``read_from``; ``unread``
    names guards that could not be read (then ``allowed`` says nothing)."""

    allowed: frozenset[tuple[str, str]]
    read_from: tuple[schema_text.Trigger, ...]
    unread: tuple[tuple[schema_text.Trigger, str], ...]


@dataclass(frozen=True)
class _Tokens:
    """The tokens of one trigger and its schema text."""

    text: str
    tokens: tuple[sqltext.Token, ...]

    def word(self, i: int) -> str:
        if 0 <= i < len(self.tokens) and self.tokens[i].kind == "word":
            return self.tokens[i].text.upper()
        return ""

    def is_(self, i: int, text: str) -> bool:
        return 0 <= i < len(self.tokens) and self.tokens[i].text == text

    def name(self, i: int) -> str | None:
        if 0 <= i < len(self.tokens) and self.tokens[i].kind in ("word", "quoted", "string"):
            return sqltext.unquote(self.tokens[i].text)
        return None


def moves(
    session: Session,
    schema: schema_text.Schema,
    table: str,
    column: str,
    states: Sequence[str],
    collation: str | None,
    where: Location,
) -> Moves:
    """The moves between ``states`` that the guards of ``table.column`` allow."""
    conditions: list[str] = []
    read: list[schema_text.Trigger] = []
    unread: list[tuple[schema_text.Trigger, str]] = []
    for trigger in schema.triggers:
        if trigger.table.casefold() != table.casefold() or trigger.event != "UPDATE":
            continue
        if trigger.timing not in ("BEFORE", "AFTER", ""):
            continue
        found = _guard(schema.text, trigger, column, collation)
        if isinstance(found, _Unread):
            unread.append((trigger, found.reason))
        elif found is not None:
            read.append(trigger)
            conditions.append(found)
    if unread or not conditions:
        return Moves(frozenset(), tuple(read), tuple(unread))
    pairs = _evaluate(session, conditions, states, where)
    if pairs is None:
        reason = "SQLite could not evaluate its condition for the states"
        return Moves(frozenset(), (), tuple((t, reason) for t in read))
    return Moves(pairs, tuple(read), ())


def _guard(
    text: str, trigger: schema_text.Trigger, column: str, collation: str | None
) -> str | _Unread | None:
    """The condition under which ``trigger`` refuses a move of ``column`` (OLD and
    NEW of the column replaced by the pair), why it cannot be read, or None
    when it does not guard the column."""
    span = trigger.span
    tokens = list(sqltext.located_tokens(text, span.start, span.end))
    while tokens and tokens[-1].kind == "end":
        tokens.pop()
    toks = _Tokens(text, tuple(tokens))
    begin = _begin(toks)
    if begin is None:
        return None
    named_column = _fires_on(toks, begin, column)
    if named_column is None:
        return None
    body = _body(toks, begin)
    if body is None:
        if _raises(toks, begin):
            shapes = "SELECT RAISE(...) [WHERE ...] or SELECT CASE WHEN ... THEN RAISE(...)"
            return _Unread(f"its body is not {shapes}", True)
        return None  # it refuses nothing: not a guard
    parts = []
    if trigger.when is not None:
        parts.append(trigger.when.expression.of(text))
    if body != "1":
        parts.append(body)
    condition = " AND ".join(f"({part})" for part in parts) if parts else "1"
    replaced = _replace(condition, column, collation)
    if isinstance(replaced, _Unread) and not (replaced.ours or named_column):
        return None  # a rule about other columns: it does not decide moves of this one
    return replaced


def _begin(toks: _Tokens) -> int | None:
    depth = 0
    for i, token in enumerate(toks.tokens):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and toks.word(i) == "BEGIN" and not toks.is_(i - 1, "."):
            return i
    return None


def _fires_on(toks: _Tokens, begin: int, column: str) -> bool | None:
    """None if the trigger does not fire on an UPDATE that sets ``column``; else
    whether it names the column (``UPDATE OF column``) rather than any update."""
    for i in range(begin):
        if toks.word(i) == "UPDATE":
            if toks.word(i + 1) != "OF":
                return False
            j = i + 2
            while j < begin and toks.word(j) != "ON":
                name = toks.name(j)
                if name is not None and name.casefold() == column.casefold():
                    return True
                j += 1
            return None
    return None


def _raises(toks: _Tokens, begin: int) -> bool:
    return any(
        toks.word(i) == "RAISE" and toks.is_(i + 1, "(") and toks.word(i + 2) in _RAISING
        for i in range(begin, len(toks.tokens))
    )


def _body(toks: _Tokens, begin: int) -> str | None:
    """The condition under which the body refuses (``"1"``: always), or None when
    the body is not made of the recognised statements."""
    end = len(toks.tokens) - (toks.word(len(toks.tokens) - 1) == "END")
    statements: list[tuple[int, int]] = []
    start = begin + 1
    for i in range(begin + 1, end + 1):
        if i == end or toks.tokens[i].kind == "end":
            if i > start:
                statements.append((start, i))
            start = i + 1
    if not statements:
        return None
    found = []
    for first, stop in statements:
        condition = _statement(toks, first, stop)
        if condition is None:
            return None
        found.append(condition)
    if "1" in found:
        return "1"
    return " OR ".join(f"({c})" for c in found)


def _raise_end(toks: _Tokens, i: int) -> int | None:
    """The index after ``RAISE(kind, ...)`` at ``i``, if it refuses."""
    if toks.word(i) != "RAISE" or not toks.is_(i + 1, "(") or toks.word(i + 2) not in _RAISING:
        return None
    depth = 0
    for j in range(i + 1, len(toks.tokens)):
        if toks.is_(j, "("):
            depth += 1
        elif toks.is_(j, ")"):
            depth -= 1
            if depth == 0:
                return j + 1
    return None


def _slice(toks: _Tokens, first: int, stop: int) -> str:
    return toks.text[toks.tokens[first].start : toks.tokens[stop - 1].end]


def _statement(toks: _Tokens, first: int, stop: int) -> str | None:
    if toks.word(first) != "SELECT":
        return None
    after = _raise_end(toks, first + 1)
    if after is not None:
        if after == stop:
            return "1"
        if toks.word(after) == "WHERE" and after + 1 < stop:
            return _slice(toks, after + 1, stop)
        return None
    if toks.word(first + 1) == "CASE" and toks.word(first + 2) == "WHEN":
        return _case(toks, first + 2, stop)
    return None


def _case(toks: _Tokens, i: int, stop: int) -> str | None:
    """``WHEN c THEN RAISE(...) ... [ELSE NULL] END`` from ``i``: c1 OR c2 ..."""
    found = []
    while toks.word(i) == "WHEN":
        then = i + 1
        depth = 0
        while then < stop and not (depth == 0 and toks.word(then) == "THEN"):
            depth += toks.is_(then, "(") - toks.is_(then, ")")
            then += 1
        after = _raise_end(toks, then + 1)
        if then >= stop or then == i + 1 or after is None:
            return None
        found.append(_slice(toks, i + 1, then))
        i = after
    if toks.word(i) == "ELSE" and toks.word(i + 1) == "NULL":
        i += 2
    if toks.word(i) != "END" or i + 1 != stop or not found:
        return None
    return " OR ".join(f"({c})" for c in found)


@dataclass(frozen=True)
class _Unread:
    """A condition that is not about OLD and NEW of the column alone: why, and
    whether it names the column at all."""

    reason: str
    ours: bool


def _replace(condition: str, column: str, collation: str | None) -> str | _Unread:
    """``condition`` with ``OLD.column`` and ``NEW.column`` replaced by the pair
    being evaluated, or why that cannot be done (it names another column of the
    row, or reads a table)."""
    tokens = list(sqltext.located_tokens(condition))
    collate = f" COLLATE {sql_name(collation)}" if collation else ""
    out: list[str] = []
    last = 0
    ours = False
    problem = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = token.text.upper() if token.kind == "word" else ""
        if word in ("OLD", "NEW") and i + 2 < len(tokens) and tokens[i + 1].text == ".":
            name = tokens[i + 2]
            if name.kind in ("word", "quoted", "string") and (
                sqltext.unquote(name.text).casefold() == column.casefold()
            ):
                out.append(condition[last : token.start])
                out.append(f"({_OLD if word == 'OLD' else _NEW}{collate})")
                last = name.end
                ours = True
                i += 3
                continue
            problem = problem or f"its condition names {word}.{sqltext.unquote(name.text)} too"
        elif word in ("SELECT", "RAISE", "OLD", "NEW"):
            problem = problem or f"its condition has {word}"
        i += 1
    if problem:
        return _Unread(problem, ours)
    out.append(condition[last:])
    return "".join(out)


def _evaluate(
    session: Session, conditions: Sequence[str], states: Sequence[str], where: Location
) -> frozenset[tuple[str, str]] | None:
    """The pairs of distinct states for which no condition holds (the moves no
    guard refuses), as SQLite evaluates the conditions; None if it cannot."""
    values = ", ".join(f"({sqltext.string(state)})" for state in states)
    refused = " OR ".join(f"coalesce(({c}), 0)" for c in conditions)
    query = (
        f"WITH validator_states(v) AS (VALUES {values}) "
        f"SELECT validator_old.v, validator_new.v, ({refused}) "
        "FROM validator_states AS validator_old, validator_states AS validator_new "
        "WHERE validator_old.v IS NOT validator_new.v"
    )
    allowed = set()
    try:
        rows = session.stream(Sql(query, where))
        next(rows)
        for old, new, refuses in rows:
            if not refuses:
                allowed.add((str(old), str(new)))
    except CallError:
        return None
    return frozenset(allowed)

"""Where in a statement the token an SQLite error is about is written."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import NamedTuple

from ..sqltext import Token, located_tokens
from .parse import (
    NAME_KINDS,
    OBJECT_NAME_KINDS,
    Lines,
    Position,
    column_definitions,
    create_head,
    fold,
    is_text,
    is_word,
    name_of,
    qualified_name,
    quote,
)


def locate_error(sql: str, message: str) -> Position | None:
    """Where in the statement ``sql`` the token SQLite's error ``message`` is
    about starts, or None when the message names no token of ``sql``.

    ``near "X": syntax error`` and ``unrecognized token: "X"`` are located
    exactly: SQLite stops at the first token that cannot continue the
    statement, so among the occurrences of ``X`` (outside strings and
    comments) the right one is the first whose prefix of ``sql``, compiled
    with ``EXPLAIN`` on a private connection, fails with the same message.
    Bisection finds it in 1 + log2(occurrences) compilations (19 for a
    statement of 1 MiB, at most 31 for any text SQLite accepts). Errors that
    name a table, column, function, collation or object (``no such table:
    X``, ``duplicate column name: X``, ...) are located by the name's place
    in the statement; errors naming no token (``incomplete input``,
    constraint failures) give None.
    """
    tokens = list(located_tokens(sql))
    offset = _error_offset(sql, tokens, message)
    return None if offset is None else Lines(sql).position(offset)


_SYNTAX = (
    re.compile(r'near "(?P<token>.+)": syntax error', re.DOTALL),
    re.compile(r'unrecognized token: "(?P<token>.+)"', re.DOTALL),
)


def _error_offset(sql: str, tokens: list[Token], message: str) -> int | None:
    for pattern in _SYNTAX:
        match = pattern.fullmatch(message)
        if match:
            return _syntax_offset(sql, tokens, match["token"], message)
    for pattern, find in _NAMED:
        match = pattern.fullmatch(message)
        if match:
            index = find(tokens, match["name"])
            return None if index is None else tokens[index].start
    return None


def _syntax_offset(sql: str, tokens: list[Token], token: str, message: str) -> int | None:
    ends = {t.end for t in tokens}
    starts = [t.start for t in tokens if _occurs(sql, token, t.start, ends)]
    if len(starts) <= 1:
        return starts[0] if starts else None
    with _scratch(tokens) as compile_error:

        def reproduces(start: int) -> bool:
            return compile_error(sql[: start + len(token)]) == message

        low, high = 0, len(starts) - 1
        if not reproduces(starts[high]):
            return None
        while low < high:  # the first occurrence whose prefix fails as the statement did
            middle = (low + high) // 2
            if reproduces(starts[middle]):
                high = middle
            else:
                low = middle + 1
        return starts[low]


def _occurs(sql: str, token: str, start: int, ends: set[int]) -> bool:
    """Whether SQLite's token ``token`` can be the one starting at ``start``.

    It must end where a token ends: the first 4 characters of ``'abcd'`` are
    no occurrence of ``'abc``, even if a prefix cut there fails the same way.
    """
    end = start + len(token)
    if end not in ends or not sql.startswith(token, start):
        return False
    return end == len(sql) or not (_name_char(token[-1]) and _name_char(sql[end]))


def _name_char(char: str) -> bool:
    return char.isalnum() or char in "_$" or ord(char) >= 0x80


_SCRATCH_DENIED = frozenset({sqlite3.SQLITE_PRAGMA, sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH})


def _scratch_authorizer(action: int, *_: str | None) -> int:
    # EXPLAIN stops execution, not compilation, and a few pragmas act while
    # they are compiled, some on the whole process (temp_store_directory,
    # hard_heap_limit); SQLite compiles a PRAGMA before it reads the token
    # after it, so even a prefix that ends in a syntax error could run one.
    return sqlite3.SQLITE_DENY if action in _SCRATCH_DENIED else sqlite3.SQLITE_OK


@contextmanager
def _scratch(tokens: Sequence[Token]) -> Iterator[Callable[[str], str | None]]:
    """A function compiling SQL (never running it) on a private, empty database
    and returning SQLite's error message, or None if it compiled."""
    # No statement cache: every probe is a different text, possibly of megabytes.
    connection = sqlite3.connect(":memory:", isolation_level=None, cached_statements=0)
    try:
        connection.set_authorizer(_scratch_authorizer)
        for stub in _stubs(tokens):
            with suppress(sqlite3.Error):  # then the probes fail, and nothing is located
                connection.execute(stub).close()
        prefix = "" if is_word(tokens, 0, "EXPLAIN") else "EXPLAIN "

        def compile_error(sql: str) -> str | None:
            try:
                connection.execute(prefix + sql).close()
            except sqlite3.Error as exc:  # with "You can only execute one statement" too
                return str(exc)
            return None

        yield compile_error
    finally:
        connection.close()


def _stubs(tokens: Sequence[Token]) -> list[str]:
    """Tables (or a view) a statement must find while it is still being parsed.

    SQLite checks the table of ``CREATE TRIGGER ... ON t`` before it parses the
    trigger's body, and that of ``ALTER TABLE t ADD`` before the new column: on
    an empty database every prefix would fail with ``no such table`` instead of
    the syntax error.
    """
    target: tuple[str | None, str] | None = None
    view = False
    head = create_head(tokens)
    if head is not None and head.kind == "trigger" and head.on is not None:
        target, view = head.on, head.instead_of
    elif is_word(tokens, 0, "ALTER") and is_word(tokens, 1, "TABLE"):
        name = qualified_name(tokens, 2)
        if name is not None and is_word(tokens, name.next, "ADD"):
            target = (name.schema, name.name)
    if target is None:
        return []
    schema, table = target
    if schema is not None and fold(schema) not in ("main", "temp"):
        return []
    qualified = quote(table) if schema is None else f"{quote(schema)}.{quote(table)}"
    # The stub's one column must not be a column the statement adds or names.
    names = {fold(name_of(token)) for token in tokens if token.kind in NAME_KINDS}
    column = "stub"
    while column in names:
        column += "_"
    if view:
        return [f"CREATE VIEW {qualified} AS SELECT 1 AS {column}"]
    return [f"CREATE TABLE {qualified} ({column})"]


# A finder of the token a message naming something is about: its index in tokens.
_Finder = Callable[[list[Token], str], int | None]


class _Match(NamedTuple):
    first: int  # index of the first token of the (possibly qualified) name
    last: int  # index of its last token


def _matches(tokens: list[Token], name: str, kinds: frozenset[str]) -> list[_Match]:
    """Every place ``name`` (possibly ``a.b`` or ``a.b.c``) is spelled in tokens.

    Most messages give a name unquoted; some (``table "t" already exists``)
    give it as written, quotes and all.
    """
    return _spelled(tokens, name, kinds, name_of) or _spelled(tokens, name, kinds, _as_written)


def _as_written(token: Token) -> str:
    return token.text


def _spelled(
    tokens: list[Token], name: str, kinds: frozenset[str], spell: Callable[[Token], str]
) -> list[_Match]:
    found: list[_Match] = []
    for index, token in enumerate(tokens):
        if token.kind not in kinds or not name.startswith(spelled := spell(token)):
            continue
        last = index
        # schema.table.column at most: two more parts, so the scan stays linear.
        while spelled != name and last < index + 4 and is_text(tokens, last + 1, "."):
            if last + 2 >= len(tokens) or tokens[last + 2].kind not in kinds:
                break
            spelled, last = f"{spelled}.{spell(tokens[last + 2])}", last + 2
            if not name.startswith(spelled):
                break
        if spelled == name:
            found.append(_Match(index, last))
    return found


def _dotted(tokens: list[Token], match: _Match) -> bool:
    """Whether the name qualifies (``x.``) or is qualified by (``.x``) another."""
    return is_text(tokens, match.first - 1, ".") or is_text(tokens, match.last + 1, ".")


_TABLE_CONTEXT = frozenset({"FROM", "JOIN", "INTO", "UPDATE", "TABLE", "ON", "REFERENCES"})


def _table_reference(tokens: list[Token], name: str) -> int | None:
    found = _table_in(tokens, name, anywhere=True)
    if found is None and "." in name:
        # SQLite names the schema it looked in ("no such table: main.t") even where
        # the statement does not; then only a place where a table is expected counts.
        found = _table_in(tokens, name.partition(".")[2], anywhere=False)
    return found


def _table_in(tokens: list[Token], name: str, *, anywhere: bool) -> int | None:
    matches = _matches(tokens, name, OBJECT_NAME_KINDS)
    references = [m for m in matches if not _dotted(tokens, m)]
    in_context = [m for m in references if is_word(tokens, m.first - 1, *_TABLE_CONTEXT)]
    groups = (in_context, references, matches) if anywhere else (in_context,)
    return next((group[0].first for group in groups if group), None)


def _column_reference(tokens: list[Token], name: str) -> int | None:
    # ALTER TABLE ... RENAME COLUMN quotes the name as written: "zz", ""zz"", "[zz]".
    quoted = len(name) >= 2 and name[0] == name[-1] == '"'
    matches = _matches(tokens, name, NAME_KINDS) or (
        _matches(tokens, name[1:-1], NAME_KINDS) if quoted else []
    )
    references = [
        m for m in matches if not _dotted(tokens, m) and not is_text(tokens, m.last + 1, "(")
    ]
    return (references or matches)[0].first if matches else None


def _calls(tokens: list[Token], name: str) -> list[int]:
    return [
        m.first
        for m in _matches(tokens, name, NAME_KINDS)
        if m.first == m.last and is_text(tokens, m.last + 1, "(")
    ]


def _function_call(tokens: list[Token], name: str) -> int | None:
    calls = _calls(tokens, name)
    return calls[0] if calls else None


def _only_call(tokens: list[Token], name: str) -> int | None:
    # Which call has the wrong number of arguments is not known: answer only
    # when there is a single one.
    calls = _calls(tokens, name)
    return calls[0] if len(calls) == 1 else None


def _collation(tokens: list[Token], name: str) -> int | None:
    for match in _matches(tokens, name, OBJECT_NAME_KINDS):
        if is_word(tokens, match.first - 1, "COLLATE"):
            return match.first
    return None


def _created_name(tokens: list[Token], name: str) -> int | None:
    head = create_head(tokens)
    # The message gives the name as written, quotes and all (table "t" already exists).
    if head is not None and fold(name) in (fold(head.name), fold(tokens[head.name_index].text)):
        return head.name_index
    return _first_name(tokens, name)


def _duplicate_column(tokens: list[Token], name: str) -> int | None:
    head = create_head(tokens)
    if head is not None and head.kind == "table":
        same = [
            d.name_index for d in column_definitions(tokens, head) if fold(d.name) == fold(name)
        ]
        return same[1] if len(same) > 1 else None
    if is_word(tokens, 0, "ALTER"):  # ALTER TABLE t ADD [COLUMN] name
        for match in _matches(tokens, name, NAME_KINDS):
            if is_word(tokens, match.first - 1, "ADD", "COLUMN"):
                return match.first
    return None


def _defined_column(tokens: list[Token], name: str) -> int | None:
    head = create_head(tokens)
    if head is None or head.kind != "table":
        return None
    same = [d.name_index for d in column_definitions(tokens, head) if d.name == name]
    return same[0] if same else None


def _qualifier(tokens: list[Token], name: str) -> int | None:
    for match in _matches(tokens, name, OBJECT_NAME_KINDS):
        if is_text(tokens, match.last + 1, "."):
            return match.first
    return None


def _first_name(tokens: list[Token], name: str) -> int | None:
    matches = _matches(tokens, name, OBJECT_NAME_KINDS)
    return matches[0].first if matches else None


def _message(text: str) -> re.Pattern[str]:
    return re.compile(text, re.DOTALL)


_NAMED: tuple[tuple[re.Pattern[str], _Finder], ...] = (
    (_message(r"no such table: (?P<name>.+)"), _table_reference),
    (_message(r"no such column: (?P<name>.+)"), _column_reference),
    (_message(r"table .+ has no column named (?P<name>.+)"), _column_reference),
    (_message(r"ambiguous column name: (?P<name>.+)"), _column_reference),
    (_message(r"no such function: (?P<name>.+)"), _function_call),
    (_message(r"wrong number of arguments to function (?P<name>.+)\(\)"), _only_call),
    (_message(r"no such collation sequence: (?P<name>.+)"), _collation),
    (_message(r"(?:table|view|index|trigger) (?P<name>.+) already exists"), _created_name),
    (_message(r"duplicate column name: (?P<name>.+)"), _duplicate_column),
    (_message(r"default value of column \[(?P<name>.+)\] is not constant"), _defined_column),
    (_message(r"no such (?:index|view|trigger|module): (?P<name>.+)"), _first_name),
    (_message(r"unknown database (?P<name>.+)"), _qualifier),
)

"""Which integrity check a private copy of a database must pass before a run.

``PRAGMA quick_check`` of the whole file, or, when the run says what it will
read (:class:`Reads`), of the schema and of just the tables it reads or writes
(found by preparing its SQL), with their indexes, closed over foreign keys.
SQLite limits ``quick_check(TABLE)`` to that table and its indexes (since
3.33): damage elsewhere in the file, and pages used twice or never, are then
not looked for. Rows breaking a CHECK or NOT NULL constraint are not damage:
the audit reports them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .. import sqltext
from ..errors import Location, SchemaError
from .guard import TABLE_ACCESS


@dataclass(frozen=True)
class Reads:
    """What a run will read of a database: the tables it names, and the SQL it
    may run (what those statements read and write, their triggers' and
    foreign-key actions' tables included, is found by preparing them)."""

    tables: tuple[str, ...] = ()
    sql: tuple[str, ...] = ()


@dataclass(frozen=True)
class Integrity:
    """Which ``PRAGMA quick_check`` a copy passed: of the whole file (``tables``
    None), or of these tables, their indexes and the schema."""

    tables: tuple[str, ...] | None = None
    of: int = 0
    """How many tables the database has."""

    def describe(self) -> str:
        if self.tables is None:
            return "PRAGMA quick_check of the whole file"
        listed = ", ".join(self.tables) if self.tables else "none"
        return (
            f"PRAGMA quick_check of the schema and the {len(self.tables)} of {self.of} tables "
            f"the spec reads or writes ({listed}), with their indexes; "
            "--full-check checks the whole file"
        )


def check(connection: sqlite3.Connection, where: Location, reads: Reads | None) -> Integrity:
    """``PRAGMA quick_check`` of the whole file, or (``reads``) of the schema first,
    then of every table the run reads or writes, with their indexes. Damage is a
    :class:`SchemaError`; so is a ``sqlite3.DatabaseError`` the caller turns into one."""
    integrity = Integrity()
    if reads is not None:
        _quick_check(connection, where, "sqlite_schema")
        integrity = _scope(connection, reads)
    if integrity.tables is None:
        _quick_check(connection, where, None)
    else:
        for table in integrity.tables:
            _quick_check(connection, where, table)
    return integrity


def _quick_check(connection: sqlite3.Connection, where: Location, table: str | None) -> None:
    pragma = "PRAGMA quick_check"
    if table is not None:
        pragma += f"({sqltext.string(table)})"
    damage = [
        line
        for (line,) in connection.execute(pragma).fetchmany(100)
        if line != "ok" and not _data_finding(line)
    ]
    if damage:
        reason = "; ".join(" ".join(str(problem).split()) for problem in damage[:3])
        raise SchemaError.at(where, f"the database is corrupt: {reason}")


_HARMLESS = TABLE_ACCESS | {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
    sqlite3.SQLITE_TRANSACTION,
    sqlite3.SQLITE_SAVEPOINT,
}
"""What preparing a statement may be asked about while its footprint is found;
anything else (a pragma, which may act while it is prepared; ATTACH; a schema
change) is denied, and the whole file is checked instead."""


class _Unknown(Exception):
    """A statement whose footprint cannot be known without running it."""


def _scope(connection: sqlite3.Connection, reads: Reads) -> Integrity:
    """The tables of the database ``reads`` names or touches, closed over foreign
    keys both ways (a write checks its parents; a delete reaches its children);
    the whole file (``tables`` None) when a statement's footprint is unknown, or
    when that is every table anyway."""
    names = {
        name.casefold(): name
        for (name,) in connection.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
    }
    try:
        wanted = {name.casefold() for name in reads.tables} | _footprint(connection, reads.sql)
    except _Unknown:
        return Integrity(None, len(names))
    related = _foreign_keys(connection, list(names.values()))
    pending = [name for name in wanted if name in names]
    found: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(related.get(name, ()))
    if len(found) == len(names):  # every table: the whole file costs no more and sees more
        return Integrity(None, len(names))
    return Integrity(tuple(sorted(names[name] for name in found)), len(names))


def _footprint(connection: sqlite3.Connection, statements: tuple[str, ...]) -> set[str]:
    seen: set[str] = set()
    allowed = True

    def note(action: int, first: str | None, *_: str | None) -> int:
        nonlocal allowed
        if action not in _HARMLESS:
            allowed = False
            return sqlite3.SQLITE_DENY
        if action in TABLE_ACCESS and first is not None:
            seen.add(first.casefold())
        return sqlite3.SQLITE_OK

    connection.set_authorizer(note)
    try:
        for sql in statements:
            unbound = dict.fromkeys(sqltext.parameters(sql))  # bound as NULL: nothing runs
            try:
                connection.execute(f"EXPLAIN {sql}", unbound).fetchall()
            except sqlite3.Error:  # refused, or not valid here: the whole file is checked
                raise _Unknown(sql) from None
            if not allowed:
                raise _Unknown(sql)
    finally:
        connection.set_authorizer(None)
    return seen


def _foreign_keys(connection: sqlite3.Connection, tables: list[str]) -> dict[str, set[str]]:
    """Each table (folded) -> the tables its foreign keys join it to, both ways."""
    related: dict[str, set[str]] = {}
    for table in tables:
        for row in connection.execute('SELECT "table" FROM pragma_foreign_key_list(?)', (table,)):
            child, parent = table.casefold(), str(row[0]).casefold()
            related.setdefault(child, set()).add(parent)
            related.setdefault(parent, set()).add(child)
    return related


def _data_finding(line: str) -> bool:
    """Whether a ``quick_check`` line is about rows breaking a constraint (which the
    audit reports as findings) rather than damage to the file."""
    return line.startswith(("CHECK constraint failed", "NULL value in"))

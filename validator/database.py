"""SQLite: open with foreign keys on, apply a schema, copy, introspect, classify.

Connections are opened with ``isolation_level=None`` so the ``sqlite3``
module never begins or commits a transaction behind our back; the engine
manages savepoints itself.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from . import sqltext
from .errors import Location, SchemaError


def connect(target: str = ":memory:") -> sqlite3.Connection:
    """A connection with foreign keys enforced and no implicit transactions."""
    connection = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA foreign_keys = ON")
    if connection.execute("PRAGMA foreign_keys").fetchone()[0] != 1:  # pragma: no cover
        raise SchemaError.at(Location(target), "this SQLite cannot enforce foreign keys")
    return connection


def apply_schema(connection: sqlite3.Connection, text: str, name: str) -> None:
    """Run ``text`` statement by statement; an error names ``name:LINE``."""
    for statement in sqltext.split(text):
        try:
            connection.execute(statement.sql)
        except sqlite3.Error as exc:
            line = statement.line + 1
            raise SchemaError.at(Location(name, line, 1), f"{exc}") from None
        except sqlite3.Warning as exc:  # e.g. two statements where one was expected
            raise SchemaError.at(Location(name, statement.line + 1, 1), f"{exc}") from None


def load_schema(text: str, name: str) -> sqlite3.Connection:
    """A fresh in-memory database with the schema ``text`` (read from ``name``) applied."""
    connection = connect()
    try:
        apply_schema(connection, text, name)
    except BaseException:
        connection.close()
        raise
    return connection


def copy(template: sqlite3.Connection) -> sqlite3.Connection:
    """A fresh in-memory copy of ``template``, foreign keys on."""
    connection = connect()
    template.backup(connection)
    return connection


# -- introspection --------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column as ``PRAGMA table_xinfo`` reports it."""

    name: str
    type: str
    not_null: bool
    default: str | None
    primary_key: int
    hidden: int


@dataclass(frozen=True)
class ForeignKey:
    """One column of a foreign key as ``PRAGMA foreign_key_list`` reports it."""

    id: int
    column: str
    table: str
    target: str | None
    on_update: str
    on_delete: str


@dataclass(frozen=True)
class Index:
    name: str
    unique: bool
    origin: str
    partial: bool
    columns: tuple[str | None, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...]
    indexes: tuple[Index, ...]

    def column(self, name: str) -> Column | None:
        folded = name.casefold()
        return next((c for c in self.columns if c.name.casefold() == folded), None)

    @property
    def primary_key(self) -> tuple[str, ...]:
        keyed = sorted((c for c in self.columns if c.primary_key), key=lambda c: c.primary_key)
        return tuple(c.name for c in keyed)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def table_names(connection: sqlite3.Connection) -> dict[str, str]:
    """Casefolded name -> real name of every table (not views)."""
    rows = connection.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {name.casefold(): name for (name,) in rows}


def introspect(connection: sqlite3.Connection, name: str) -> Table | None:
    """The structure of table ``name`` (case-insensitive), or None if absent."""
    real = table_names(connection).get(name.casefold())
    if real is None:
        return None
    quoted = quote(real)
    columns = tuple(
        Column(row[1], row[2] or "", bool(row[3]), row[4], row[5], row[6])
        for row in connection.execute(f"PRAGMA table_xinfo({quoted})")
    )
    foreign_keys = tuple(
        ForeignKey(row[0], row[3], row[2], row[4], row[5], row[6])
        for row in connection.execute(f"PRAGMA foreign_key_list({quoted})")
    )
    indexes = []
    for row in connection.execute(f"PRAGMA index_list({quoted})").fetchall():
        index_columns = tuple(
            info[2] for info in connection.execute(f"PRAGMA index_info({quote(row[1])})")
        )
        indexes.append(Index(row[1], bool(row[2]), row[3], bool(row[4]), index_columns))
    return Table(real, columns, foreign_keys, tuple(indexes))


# -- errors ---------------------------------------------------------------

_FK_FAILED = "FOREIGN KEY constraint failed"
_KINDS = {
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "primary_key",
    "SQLITE_CONSTRAINT_ROWID": "primary_key",
    "SQLITE_CONSTRAINT_CHECK": "check",
    "SQLITE_CONSTRAINT_NOTNULL": "not_null",
    "SQLITE_CONSTRAINT_TRIGGER": "trigger",
}


def error_kind(error: sqlite3.Error) -> str | None:
    """The constraint kind of a refusal (``foreign_key``, ``unique``, ...).

    Classified from SQLite's extended result code, not from the message text;
    ``constraint`` for other constraint failures, None when the error is not
    a constraint refusal at all (syntax, missing table, ...).
    """
    name = getattr(error, "sqlite_errorname", "") or ""
    if name == "SQLITE_CONSTRAINT_TRIGGER" and str(error) == _FK_FAILED:
        # SQLite enforces ON DELETE/UPDATE RESTRICT with its trigger machinery and
        # reports the trigger code, with the foreign key's own message.
        return "foreign_key"
    if name in _KINDS:
        return _KINDS[name]
    if name.startswith("SQLITE_CONSTRAINT"):
        return "constraint"
    return None


def matches(expected: str, found: str | None) -> bool:
    """Whether a refusal of kind ``found`` satisfies ``raises: expected``.

    A primary key is a unique key, so ``unique`` accepts both; ``constraint``
    accepts any constraint refusal.
    """
    if found is None:
        return False
    if expected == "constraint" or expected == found:
        return True
    return expected == "unique" and found == "primary_key"

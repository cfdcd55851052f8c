"""Which tables and columns exist, as SQLite resolves their names."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from .parse import fold


def schema_names(connection: sqlite3.Connection) -> list[str]:
    """Schema names in the order SQLite searches an unqualified name: temp,
    main, then attached databases."""
    rows = connection.execute("SELECT seq, name FROM pragma_database_list").fetchall()
    order = {1: -1}  # temp (seq 1) is searched before main (seq 0)
    return [name for seq, name in sorted(rows, key=lambda row: order.get(row[0], row[0]))]


def tables_of(connection: sqlite3.Connection, schema: str) -> dict[str, tuple[str, str]]:
    """Folded name -> (name, type) of every table and view of ``schema``."""
    rows = connection.execute(
        "SELECT name, type FROM pragma_table_list WHERE schema = ?", (schema,)
    ).fetchall()
    return {fold(name): (name, kind) for name, kind in rows}


class TableName(NamedTuple):
    """A table (or view) and its schema, as the database spells them."""

    schema: str
    name: str


def resolve_table(
    connection: sqlite3.Connection, name: str, schema: str | None = None
) -> TableName | None:
    """The schema and name, as the database spells them, of the table, view or
    virtual table that SQLite finds for ``name`` (in ``schema``, or searching
    temp, main and attached databases in SQLite's order), or None.

    Names compare as SQLite compares them, ignoring the case of ASCII letters
    only.
    """
    for candidate in schema_names(connection):
        if schema is not None and fold(candidate) != fold(schema):
            continue
        # NOCASE folds ASCII letters only, as SQLite does for names.
        row = connection.execute(
            "SELECT name FROM pragma_table_list WHERE schema = ? AND name = ? COLLATE NOCASE",
            (candidate, name),
        ).fetchone()
        if row is not None:
            return TableName(candidate, row[0])
    return None


def resolve_column(
    connection: sqlite3.Connection, table: str, column: str, schema: str | None = None
) -> str | None:
    """The spelling of ``column`` of table or view ``table`` as declared, or None
    when either does not exist.

    Checking a name here first is what keeps engine SQL from SQLite's
    fallback: ``SELECT "no_such_column" FROM t`` is not an error, it selects
    the string ``'no_such_column'``. Generated and hidden columns count; the
    implicit ``rowid`` is not a declared column and does not. A view whose
    definition no longer compiles raises :class:`sqlite3.Error`.
    """
    found = resolve_table(connection, table, schema)
    if found is None:
        return None
    row = connection.execute(
        "SELECT name FROM pragma_table_xinfo(?, ?) WHERE name = ? COLLATE NOCASE",
        (found.name, found.schema, column),
    ).fetchone()
    return None if row is None else str(row[0])

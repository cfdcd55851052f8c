"""SQLite introspection: tables, views, columns, keys, indexes, foreign keys.

Everything comes from ``sqlite_schema`` and the table-valued pragmas; names are
matched case-insensitively, as SQLite resolves them, and always returned in
their real spelling so that engine SQL never leans on SQLite's fallback of
reading an unknown double-quoted name as a string.
"""

from __future__ import annotations

import re
import sqlite3

from ..session import Column, ForeignKey, Index, Table


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def names(connection: sqlite3.Connection, *, views: bool = False) -> dict[str, str]:
    """Casefolded name -> real name of every table (and view, if asked)."""
    kinds = "('table', 'view')" if views else "('table')"
    rows = connection.execute(
        f"SELECT name FROM sqlite_schema WHERE type IN {kinds} AND name NOT LIKE 'sqlite_%'"
    )
    return {name.casefold(): name for (name,) in rows}


def table_names(connection: sqlite3.Connection) -> tuple[str, ...]:
    """The tables a schema declares, in ``sqlite_schema`` order: ordinary and
    virtual ones, not the shadow tables that hold a virtual table's data."""
    rows = connection.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite^_%' ESCAPE '^'"
    ).fetchall()
    try:
        shadow = {
            name.casefold()
            for name, kind in connection.execute(
                "SELECT name, type FROM pragma_table_list WHERE schema = 'main'"
            )
            if kind == "shadow"
        }
    except sqlite3.OperationalError:  # pragma: no cover - SQLite before 3.37
        shadow = set()
    return tuple(name for (name,) in rows if name.casefold() not in shadow)


def introspect(connection: sqlite3.Connection, name: str) -> Table | None:
    """The structure of table or view ``name`` (case-insensitive), or None if absent."""
    row = connection.execute(
        "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') "
        "AND name = ? COLLATE NOCASE",
        (name,),
    ).fetchone()
    if row is None:
        return None
    real, kind = row
    quoted = quote(real)
    try:
        columns = tuple(
            Column(row[1], row[2] or "", bool(row[3]), row[4], row[5], row[6])
            for row in connection.execute(f"PRAGMA table_xinfo({quoted})")
        )
    except sqlite3.OperationalError as exc:
        # A virtual table whose module this SQLite does not have (or a view over a
        # table that is gone): it is there, but no column of it can be read. An
        # interrupted or limited read is not that: it stops the caller as before.
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_ERROR":
            raise
        columns = ()
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
    return Table(real, columns, foreign_keys, tuple(indexes), view=kind == "view")


_DEFERRED = re.compile(r"\bDEFERRABLE\s+INITIALLY\s+DEFERRED\b", re.IGNORECASE)


def deferred_tables(connection: sqlite3.Connection) -> tuple[str, ...]:
    """Tables with a foreign key checked only at commit (``DEFERRABLE INITIALLY DEFERRED``)."""
    rows = connection.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table'")
    return tuple(name for name, sql in rows if sql and _DEFERRED.search(sql))


def foreign_key_violations(connection: sqlite3.Connection, tables: tuple[str, ...]) -> int:
    """How many rows of ``tables`` break a foreign key right now."""
    return sum(
        len(connection.execute(f"PRAGMA foreign_key_check({quote(table)})").fetchall())
        for table in tables
    )

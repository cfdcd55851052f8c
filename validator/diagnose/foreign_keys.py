"""Foreign keys SQLite cannot enforce, and the causes of "foreign key mismatch"."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from ..sqltext import located_tokens
from .names import schema_names, tables_of
from .parse import column_definitions, create_head, fold, quote

# -- foreign keys ----------------------------------------------------------


@dataclass(frozen=True)
class BrokenForeignKey:
    """A foreign key SQLite refuses to enforce.

    ``parent_columns`` are as the foreign key names them, empty when it names
    only the parent table (then it means the parent's PRIMARY KEY). ``error``
    is what SQLite answers to every write of the child table (and, for a
    mismatch, to deletes and key updates of the parent).
    """

    schema: str
    child: str
    child_columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    reason: str
    error: str


@dataclass(frozen=True)
class _Index:
    name: str
    unique: bool
    origin: str  # c (CREATE INDEX), u (UNIQUE), pk (PRIMARY KEY)
    partial: bool
    columns: tuple[int, ...]  # table column numbers; -1 the rowid, -2 an expression
    collations: tuple[str, ...]


@dataclass(frozen=True)
class _Parent:
    """What SQLite looks at to find the parent key of a foreign key."""

    name: str
    type: str  # table, view, virtual, shadow
    columns: tuple[str, ...]
    collations: tuple[str, ...]  # each column's own collation
    rowid_alias: str | None  # the INTEGER PRIMARY KEY column, which is the rowid
    primary_key: tuple[str, ...]
    indexes: tuple[_Index, ...]


def unenforceable_foreign_keys(connection: sqlite3.Connection) -> list[BrokenForeignKey]:
    """Every foreign key of every table that SQLite cannot enforce, with why.

    SQLite's rule (``sqlite3FkLocateIndex``): the parent table must exist, and
    its parent key must be its INTEGER PRIMARY KEY or exactly the columns of a
    UNIQUE index (a PRIMARY KEY is one) that is not partial, indexes no
    expression and uses each column's own collation; a foreign key naming no
    parent column means the parent's PRIMARY KEY, with as many columns as
    the foreign key. Otherwise every write to the child fails, with
    ``foreign key mismatch``, or ``no such table`` when the parent is missing.
    """
    broken: list[BrokenForeignKey] = []
    for schema in schema_names(connection):
        tables = tables_of(connection, schema)
        parents: dict[str, _Parent | None] = {}
        for name, kind in tables.values():
            if kind != "table" or fold(name).startswith("sqlite_"):
                continue
            for key in _foreign_keys(connection, schema, name):
                folded = fold(key.parent)
                if folded not in parents:
                    parents[folded] = _parent(connection, schema, tables.get(folded))
                reason = _unenforceable(schema, key, parents[folded])
                if reason is not None:
                    broken.append(_broken(schema, key, parents[folded], reason))
    return broken


def foreign_key_mismatch(message: str) -> tuple[str, str] | None:
    """``(child, parent)`` of SQLite's ``foreign key mismatch - "child"
    referencing "parent"``, or None for any other message."""
    match = _MISMATCH.fullmatch(message)
    if match is None:
        return None
    return match["child"].replace('""', '"'), match["parent"].replace('""', '"')


_MISMATCH = re.compile(
    r'foreign key mismatch - "(?P<child>(?:[^"]|"")*)" referencing "(?P<parent>(?:[^"]|"")*)"',
    re.DOTALL,
)


def mismatch_causes(connection: sqlite3.Connection, message: str) -> list[BrokenForeignKey]:
    """The broken foreign keys behind a ``foreign key mismatch`` ``message``."""
    names = foreign_key_mismatch(message)
    if names is None:
        return []
    child, parent = (fold(name) for name in names)
    return [
        key
        for key in unenforceable_foreign_keys(connection)
        if fold(key.child) == child and fold(key.parent) == parent
    ]


@dataclass(frozen=True)
class _ForeignKey:
    child: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]  # empty: the parent's PRIMARY KEY


def _foreign_keys(connection: sqlite3.Connection, schema: str, table: str) -> list[_ForeignKey]:
    rows = connection.execute(
        'SELECT id, seq, "table", "from", "to" FROM pragma_foreign_key_list(?, ?) ORDER BY id, seq',
        (table, schema),
    ).fetchall()
    grouped: dict[int, list[tuple[str, str, str | None]]] = {}
    for key_id, _, parent, column, parent_column in rows:
        grouped.setdefault(key_id, []).append((parent, column, parent_column))
    return [_foreign_key(table, parts) for parts in grouped.values()]


def _foreign_key(table: str, parts: list[tuple[str, str, str | None]]) -> _ForeignKey:
    # "REFERENCES parent" with no column lists a NULL parent column for each column.
    named = tuple(column for _, _, column in parts if column is not None)
    return _ForeignKey(
        child=table,
        columns=tuple(column for _, column, _ in parts),
        parent=parts[0][0],
        parent_columns=named if len(named) == len(parts) else (),
    )


def _parent(
    connection: sqlite3.Connection, schema: str, found: tuple[str, str] | None
) -> _Parent | None:
    if found is None:
        return None
    name, kind = found
    if kind in ("view", "virtual"):  # no key SQLite can use
        return _Parent(name, kind, (), (), None, (), ())
    info = connection.execute(
        "SELECT cid, name, pk FROM pragma_table_xinfo(?, ?) ORDER BY cid", (name, schema)
    ).fetchall()
    columns = tuple(column for _, column, _ in info)
    declared = _declared_collations(connection, schema, name)
    collations = tuple(declared.get(fold(column), "BINARY") for column in columns)
    primary_key = tuple(column for _, column, pk in sorted(info, key=lambda r: r[2]) if pk)
    indexes = _indexes(connection, schema, name)
    has_pk_index = any(index.origin == "pk" for index in indexes)
    # A lone PRIMARY KEY column with no index behind it is the rowid itself.
    alias = primary_key[0] if len(primary_key) == 1 and not has_pk_index else None
    return _Parent(name, kind, columns, collations, alias, primary_key, indexes)


def _indexes(connection: sqlite3.Connection, schema: str, table: str) -> tuple[_Index, ...]:
    indexes = []
    for _, name, unique, origin, partial in connection.execute(
        'SELECT seq, name, "unique", origin, partial FROM pragma_index_list(?, ?)', (table, schema)
    ).fetchall():
        keys = connection.execute(
            "SELECT cid, coll FROM pragma_index_xinfo(?, ?) WHERE key ORDER BY seqno",
            (name, schema),
        ).fetchall()
        columns = tuple(cid for cid, _ in keys)
        indexes.append(
            _Index(name, bool(unique), origin, bool(partial), columns, tuple(c for _, c in keys))
        )
    return tuple(indexes)


def _declared_collations(connection: sqlite3.Connection, schema: str, table: str) -> dict[str, str]:
    """Folded column name -> the collation its definition declares.

    No pragma reports a column's collation, so it is read from the table's
    ``CREATE TABLE`` text, which SQLite keeps as written (with added and
    renamed columns edited in). A table made by ``CREATE TABLE ... AS
    SELECT`` keeps no collation in that text; SQLite forgets it too when it
    next opens the database.
    """
    master = "sqlite_temp_schema" if schema == "temp" else "sqlite_schema"
    row = connection.execute(
        f"SELECT sql FROM {quote(schema)}.{master} WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if row is None or row[0] is None:
        return {}
    tokens = list(located_tokens(row[0]))
    head = create_head(tokens)
    if head is None:
        return {}
    return {
        fold(d.name): d.collation
        for d in column_definitions(tokens, head)
        if d.collation is not None
    }


def _unenforceable(schema: str, key: _ForeignKey, parent: _Parent | None) -> str | None:
    """Why SQLite cannot find the parent key of ``key``, or None if it can."""
    if parent is None:
        # The parent is looked for in the child's schema only.
        return f"no such table: {key.parent}" + (f" in schema {schema}" if schema != "main" else "")
    if parent.type in ("view", "virtual"):
        kind = "a view" if parent.type == "view" else "a virtual table"
        return f"parent {parent.name} is {kind}, which has no PRIMARY KEY or UNIQUE index"
    if len(key.columns) == 1 and _is_rowid(key, parent):
        return None
    if any(_usable(index, key, parent) for index in parent.indexes):
        return None
    return _why_not(key, parent)


def _is_rowid(key: _ForeignKey, parent: _Parent) -> bool:
    """Whether ``key`` names the parent's INTEGER PRIMARY KEY (or no column, meaning it)."""
    alias = parent.rowid_alias
    return alias is not None and (
        not key.parent_columns or fold(key.parent_columns[0]) == fold(alias)
    )


def _usable(index: _Index, key: _ForeignKey, parent: _Parent) -> bool:
    if not index.unique or index.partial or len(index.columns) != len(key.columns):
        return False
    if not key.parent_columns:
        return index.origin == "pk"
    wanted = {fold(column) for column in key.parent_columns}
    for column, collation in zip(index.columns, index.collations, strict=True):
        if column < 0 or fold(collation) != fold(parent.collations[column]):
            return False
        if fold(parent.columns[column]) not in wanted:
            return False
    return True


def _why_not(key: _ForeignKey, parent: _Parent) -> str:
    count = len(key.columns)
    if not key.parent_columns:
        if not parent.primary_key:
            return f"parent table {parent.name} has no PRIMARY KEY"
        return (
            f"the PRIMARY KEY of {parent.name} is ({', '.join(parent.primary_key)}),"
            f" {len(parent.primary_key)} column(s), the foreign key has {count}"
        )
    known = {fold(column) for column in parent.columns}
    missing = [c for c in key.parent_columns if fold(c) not in known]
    if missing:
        return f"parent table {parent.name} has no column {missing[0]}"
    columns = ", ".join(key.parent_columns)
    reason = f"parent table {parent.name} has no PRIMARY KEY or UNIQUE index on ({columns})"
    hints = [hint for index in parent.indexes if (hint := _near_miss(index, key, parent))]
    return "; ".join([reason, *hints])


def _near_miss(index: _Index, key: _ForeignKey, parent: _Parent) -> str | None:
    """Why an index on the foreign key's columns does not count, if one is."""
    if len(index.columns) != len(key.columns):
        return None
    if any(column == -2 for column in index.columns):
        return f"index {index.name} is on an expression, not on the columns"
    if any(column < 0 for column in index.columns):
        return None
    names = {fold(parent.columns[column]) for column in index.columns}
    if names != {fold(column) for column in key.parent_columns}:
        return None
    if not index.unique:
        return f"index {index.name} is not UNIQUE"
    if index.partial:
        return f"index {index.name} is partial (it has a WHERE clause)"
    for column, collation in zip(index.columns, index.collations, strict=True):
        own = parent.collations[column]
        if fold(collation) != fold(own):
            name = parent.columns[column]
            return (
                f"index {index.name} uses COLLATE {collation} on {name}, whose collation is {own}"
            )
    return None  # pragma: no cover - such an index is usable


def _broken(schema: str, key: _ForeignKey, parent: _Parent | None, reason: str) -> BrokenForeignKey:
    if parent is None:
        error = f"no such table: {schema}.{key.parent}"
    else:
        child, parent_name = (name.replace('"', '""') for name in (key.child, key.parent))
        error = f'foreign key mismatch - "{child}" referencing "{parent_name}"'
    return BrokenForeignKey(
        schema, key.child, key.columns, key.parent, key.parent_columns, reason, error
    )

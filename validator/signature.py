"""The behaviour of a database's schema as one comparable value.

:func:`signature` reads a schema back from SQLite (``PRAGMA table_xinfo``,
``foreign_key_list``, ``index_list``, ``index_xinfo`` and the stored
``CREATE`` texts) and normalises what does not change behaviour, so that two
schemas with equal signatures accept and refuse the same statements with the
same results and the same kinds of refusal (SQLite's extended result codes, as
checks see them; a refusal's message names a constraint as written). A mutant
whose schema has the original's signature cannot be killed by any check: it
is *equivalent*.

Sound before complete: whatever might change behaviour is kept, even when
the pragmas do not report it (collations, ON CONFLICT clauses, deferred
foreign keys, AUTOINCREMENT, WITHOUT ROWID, STRICT, generated columns, CHECK
texts and names; read from the stored ``CREATE TABLE`` text with
:mod:`validator.schema_text`). What is normalised away, each checked against
SQLite in the tests:

- ``NOT NULL`` on a rowid alias (``INTEGER PRIMARY KEY``): the rowid is never
  NULL, with or without it (a NULL inserted becomes a new rowid);
- ``DEFAULT NULL`` and no default; the spelling of a default, a CHECK, a
  trigger or a view (spacing, letter case outside strings, outer parentheses);
- a UNIQUE constraint or non-partial unique index on columns that another one
  (or the primary key) already makes unique with the same collations, when it
  has no ON CONFLICT clause of its own; the column order of such a key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import schema_text
from .sqltext import normalize_expression

Key = frozenset[tuple[str, str]]
"""A set of columns that is unique: (casefolded column name, collation) pairs."""


@dataclass(frozen=True)
class ColumnSignature:
    name: str
    type: str
    not_null: bool
    default: str | None
    primary_key: int
    hidden: int
    collation: str
    generated: str | None


@dataclass(frozen=True)
class ForeignKeySignature:
    table: str
    columns: tuple[str, ...]
    targets: tuple[str, ...]
    on_update: str
    on_delete: str


@dataclass(frozen=True)
class TableSignature:
    """One table. ``keys`` are the column sets that are unique; ``checks`` the
    (name, normalised expression) of each CHECK; ``conflicts`` the (kind,
    columns, clause) of each constraint with an ON CONFLICT clause;
    ``deferred`` the (columns, table) of each foreign key checked at commit."""

    schema: str
    name: str
    columns: tuple[ColumnSignature, ...]
    foreign_keys: frozenset[ForeignKeySignature]
    keys: frozenset[Key]
    checks: frozenset[tuple[str, str]]
    conflicts: frozenset[tuple[str, tuple[str, ...], str]]
    deferred: frozenset[tuple[tuple[str, ...], str]]
    options: frozenset[str]


@dataclass(frozen=True)
class Signature:
    """A schema's behaviour: its tables, and the normalised ``CREATE`` text of
    its other indexes (plain, partial or on expressions), triggers, views and
    of the tables it cannot read (virtual ones)."""

    tables: tuple[TableSignature, ...]
    indexes: frozenset[str]
    triggers: frozenset[str]
    views: frozenset[str]
    others: frozenset[str]


TableKey = tuple[str, str, str, tuple[tuple[str, str], ...]]
"""A table as its signature depends on it: schema, name, CREATE text, and the
(name, CREATE text) of its named indexes."""


@dataclass
class Cache:
    """What signatures already read, for a caller comparing many schemas that
    differ in one statement (mutants): SQLite reads the same CREATE texts back
    the same way, so each table (with the texts of its other indexes) is read
    once, and each trigger or view text normalised once."""

    tables: dict[TableKey, tuple[TableSignature | None, frozenset[str]]] = field(
        default_factory=dict
    )
    texts: dict[str, str] = field(default_factory=dict)

    def normal(self, sql: str) -> str:
        found = self.texts.get(sql)
        if found is None:
            found = self.texts[sql] = normalize_expression(sql)
        return found


def signature(connection: sqlite3.Connection, cache: Cache | None = None) -> Signature:
    """The signature of the schema of ``connection`` (its main and temp databases);
    ``cache`` keeps what was read, for the next call."""
    normal = normalize_expression if cache is None else cache.normal
    tables: list[TableSignature] = []
    texts: dict[str, set[str]] = {"index": set(), "trigger": set(), "view": set(), "other": set()}
    for schema in ("main", "temp"):
        rows = connection.execute(
            f"SELECT type, name, tbl_name, sql FROM {schema}.sqlite_schema "
            "WHERE name NOT LIKE 'sqlite^_%' ESCAPE '^' ORDER BY name"
        ).fetchall()
        index_sql = {name: sql or "" for kind, name, _, sql in rows if kind == "index"}
        owned: dict[str, list[tuple[str, str]]] = {}
        for kind, name, table_name, sql in rows:
            if kind == "index":
                owned.setdefault(str(table_name).casefold(), []).append((name, sql or ""))
        for kind, name, _, sql in rows:
            if kind == "table":
                key = (schema, name, sql or "", tuple(sorted(owned.get(name.casefold(), ()))))
                found, indexes = _table(connection, key, index_sql, cache)
                texts["index"] |= indexes
                if found is None:
                    texts["other"].add(f"{schema}:{normal(sql or '')}")
                else:
                    tables.append(found)
            elif kind in ("trigger", "view"):
                texts[kind].add(f"{schema}:{normal(sql or '')}")
    return Signature(
        tuple(tables),
        frozenset(texts["index"]),
        frozenset(texts["trigger"]),
        frozenset(texts["view"]),
        frozenset(texts["other"]),
    )


def _table(
    connection: sqlite3.Connection,
    key: TableKey,
    index_sql: dict[str, str],
    cache: Cache | None,
) -> tuple[TableSignature | None, frozenset[str]]:
    """One table's signature and the texts of its other indexes, from ``cache``
    when it holds them."""
    if cache is not None and key in cache.tables:
        return cache.tables[key]
    schema, name, sql, _ = key
    indexes: set[str] = set()
    found = _Table(connection, schema, name, sql).signature(index_sql, indexes)
    if cache is not None:
        cache.tables[key] = (found, frozenset(indexes))
    return found, frozenset(indexes)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class _Table:
    """One table as SQLite reports it and as its stored CREATE text declares it."""

    def __init__(self, connection: sqlite3.Connection, schema: str, name: str, sql: str) -> None:
        self.connection = connection
        self.schema = schema
        self.name = name
        self.sql = sql
        parsed = schema_text.parse(sql).tables
        self.declared = parsed[0] if parsed else None

    def pragma(self, name: str, argument: str) -> list[tuple[object, ...]]:
        sql = f"PRAGMA {_quote(self.schema)}.{name}({_quote(argument)})"
        return self.connection.execute(sql).fetchall()

    def signature(self, index_sql: dict[str, str], indexes: set[str]) -> TableSignature | None:
        """The table's signature, adding its other indexes' texts (from
        ``index_sql``, name -> CREATE INDEX) to ``indexes``; None for a table
        whose CREATE text is not a plain CREATE TABLE."""
        declared = self.declared
        if declared is None:
            return None
        rows = self.pragma("table_xinfo", self.name)
        keys, has_pk_index = self.keys(index_sql, indexes)
        primary = [str(row[1]) for row in rows if row[5]]
        alias = primary[0] if len(primary) == 1 and not has_pk_index else None
        if alias is not None:
            keys.add(frozenset({(alias.casefold(), "BINARY")}))
        return TableSignature(
            schema=self.schema,
            name=self.name,
            columns=tuple(self.column(row, alias) for row in rows),
            foreign_keys=self.foreign_keys(),
            keys=frozenset(keys),
            checks=frozenset(
                (check.name or "", normalize_expression(check.expression.of(self.sql)))
                for check in declared.checks
            ),
            conflicts=_conflicts(declared),
            deferred=frozenset(
                (_folded(key.columns), key.table.casefold())
                for key in declared.foreign_keys
                if _deferred(key.deferrable)
            ),
            options=_options(declared),
        )

    def column(self, row: tuple[object, ...], alias: str | None) -> ColumnSignature:
        _, name, declared_type, not_null, default, primary_key, hidden = row
        name = str(name)
        column = self.declared.column(name) if self.declared else None
        generated = None
        for constraint in column.constraints if column else ():
            if isinstance(constraint, schema_text.Generated):
                text = normalize_expression(constraint.expression.of(self.sql))
                generated = f"{text} {'STORED' if constraint.stored else 'VIRTUAL'}"
        normal = None if default is None else normalize_expression(str(default))
        return ColumnSignature(
            name=name,
            type=" ".join(str(declared_type or "").upper().split()),
            not_null=bool(not_null) or name == alias,
            default=None if normal == "null" else normal,
            primary_key=int(str(primary_key)),
            hidden=int(str(hidden)),
            collation=((column.collation if column else None) or "BINARY").upper(),
            generated=generated,
        )

    def keys(self, index_sql: dict[str, str], indexes: set[str]) -> tuple[set[Key], bool]:
        """The unique column sets of the table's indexes, and whether the
        primary key has an index (if not, it is the rowid alias). Indexes that
        are no plain key (not unique, partial, on expressions) go to ``indexes``
        as text."""
        keys: set[Key] = set()
        has_pk_index = False
        for _, index, unique, origin, partial in self.pragma("index_list", self.name):
            has_pk_index = has_pk_index or origin == "pk"
            info = [row for row in self.pragma("index_xinfo", str(index)) if row[5]]
            if unique and not partial and all(row[1] != -2 for row in info):
                keys.add(frozenset((str(row[2]).casefold(), str(row[4]).upper()) for row in info))
            else:
                sql = index_sql.get(str(index), "")
                indexes.add(f"{self.schema}:{normalize_expression(sql)}")
        return keys, has_pk_index

    def foreign_keys(self) -> frozenset[ForeignKeySignature]:
        grouped: dict[object, list[tuple[object, ...]]] = {}
        for row in self.pragma("foreign_key_list", self.name):
            grouped.setdefault(row[0], []).append(row)
        return frozenset(
            ForeignKeySignature(
                table=str(rows[0][2]).casefold(),
                columns=_folded(str(row[3]) for row in rows),
                targets=_folded(str(row[4]) for row in rows if row[4] is not None),
                on_update=str(rows[0][5]),
                on_delete=str(rows[0][6]),
            )
            for rows in grouped.values()
        )


def _folded(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(name.casefold() for name in names)


def _deferred(deferrable: str | None) -> bool:
    # NOT DEFERRABLE is immediate whatever INITIALLY says; so is DEFERRABLE alone.
    return deferrable == "DEFERRABLE INITIALLY DEFERRED"


_Keyed = schema_text.PrimaryKey | schema_text.Unique | schema_text.NotNull


def _conflicts(table: schema_text.Table) -> frozenset[tuple[str, tuple[str, ...], str]]:
    """(kind, columns, clause) of each constraint with an ON CONFLICT clause."""
    found: set[tuple[str, tuple[str, ...], str]] = set()
    owned: list[tuple[tuple[str, ...], schema_text.Constraint]] = [
        ((c.name,), constraint) for c in table.columns for constraint in c.constraints
    ]
    owned += [((), constraint) for constraint in table.constraints]
    for own, constraint in owned:
        if isinstance(constraint, _Keyed) and constraint.conflict:
            columns = own or getattr(constraint, "columns", ())
            found.add((type(constraint).__name__, _folded(columns), constraint.conflict))
    return frozenset(found)


def _options(table: schema_text.Table) -> frozenset[str]:
    options = {"WITHOUT ROWID"} if table.without_rowid else set()
    if table.strict:
        options.add("STRICT")
    primary = [c.primary_key for c in table.columns if c.primary_key]
    primary += [c for c in table.constraints if isinstance(c, schema_text.PrimaryKey)]
    if any(key.autoincrement for key in primary if key):
        options.add("AUTOINCREMENT")
    return frozenset(options)

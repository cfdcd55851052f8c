"""What a schema declares, as ``validator init`` needs to know it.

Two sources answer: the database, through the engine's own session
(:meth:`~validator.session.Session.table_names` and
:meth:`~validator.session.Session.table`: columns, keys, foreign keys, indexes
as SQLite reads them back), and the schema's text, through
:func:`validator.schema_text.parse` for what introspection cannot tell: the
values of a ``CHECK (x IN (...))`` list, whether a table is ``WITHOUT ROWID``
or ``STRICT``, and the triggers. With ``--db`` the text is the database's own
(``sqlite_schema``); rows are read only by :func:`value_counts` (how often each
value of a lifecycle column occurs).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import schema_text, sqltext
from ..errors import Location, UsageError
from ..model import Sql
from ..session import CallError, Column, ForeignKey, Session, Table
from .naming import sql_name

Literal_ = str | int | float
"""A value of a CHECK's IN list."""


@dataclass(frozen=True)
class ColumnFacts:
    """One column as SQLite reads it back, with what the schema text adds."""

    name: str
    type: str
    not_null: bool
    default: str | None
    """The DEFAULT as SQL text (as ``PRAGMA table_xinfo`` gives it), None for none."""
    primary_key: int
    generated: bool
    in_list: tuple[Literal_, ...] | None
    """The values of a ``CHECK (column IN (...))`` that is the whole CHECK."""


@dataclass(frozen=True)
class ForeignKeyFacts:
    columns: tuple[str, ...]
    parent: str
    targets: tuple[str, ...]
    """The parent's columns (its primary key when the REFERENCES names none)."""
    on_delete: str
    on_update: str
    broken: str | None
    """Why SQLite cannot enforce it (every write to the table then fails), or None."""


@dataclass(frozen=True)
class TableFacts:
    name: str
    columns: tuple[ColumnFacts, ...]
    primary_key: tuple[str, ...]
    rowid_alias: str | None
    """The ``INTEGER PRIMARY KEY`` column that is the rowid (SQLite assigns it)."""
    strict: bool
    unique: tuple[tuple[str, ...], ...]
    """Column sets of UNIQUE constraints and unique indexes, the primary key's aside."""
    unchecked_unique: tuple[str, ...]
    """Unique indexes a spec cannot state (partial, or on expressions), by name."""
    foreign_keys: tuple[ForeignKeyFacts, ...]
    virtual: bool

    def column(self, name: str) -> ColumnFacts | None:
        folded = name.casefold()
        return next((c for c in self.columns if c.name.casefold() == folded), None)


@dataclass(frozen=True)
class Survey:
    """The schema's tables (in the order they were made) and its text, parsed."""

    tables: tuple[TableFacts, ...]
    schema: schema_text.Schema
    source: str
    """The schema file or database, as the user named it."""
    from_database: bool

    def table(self, name: str) -> TableFacts | None:
        folded = name.casefold()
        return next((t for t in self.tables if t.name.casefold() == folded), None)


def schema_of(session: Session, where: Location) -> str:
    """The ``CREATE`` statements a database holds, as one script (``--db``)."""
    query = Sql("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid", where)
    try:
        rows = session.stream(query)
        next(rows)
        return "".join(f"{sql};\n\n" for (sql,) in rows)
    except CallError as exc:
        raise UsageError.at(where, f"cannot read the schema: {exc}") from None


def survey(session: Session, text: str, source: str, *, from_database: bool) -> Survey:
    """The facts of every table of ``session``; ``text`` is its schema."""
    schema = schema_text.parse(text)
    tables = []
    for name in session.table_names():
        found = _table(session, schema, name)
        if found is not None:
            tables.append(found)
    return Survey(tuple(tables), schema, source, from_database)


def _table(session: Session, schema: schema_text.Schema, name: str) -> TableFacts | None:
    table = session.table(name)
    if table is None or table.view:
        return None
    ddl = schema.table(name)
    columns = tuple(
        ColumnFacts(
            name=c.name,
            type=c.type,
            not_null=c.not_null,
            default=c.default,
            primary_key=c.primary_key,
            generated=c.hidden in (2, 3),
            in_list=_in_list(ddl, c.name),
        )
        for c in table.columns
        if c.hidden != 1
    )
    key = table.primary_key
    rowid = not (ddl is not None and ddl.without_rowid)
    alias = key[0] if rowid and len(key) == 1 and _is_integer(table.column(key[0])) else None
    unique, unchecked = _unique(table)
    return TableFacts(
        name=table.name,
        columns=columns,
        primary_key=key,
        rowid_alias=alias,
        strict=ddl is not None and ddl.strict,
        unique=unique,
        unchecked_unique=unchecked,
        foreign_keys=_foreign_keys(session, table),
        virtual=ddl is None and _is_virtual(schema, name),
    )


def _unique(table: Table) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """The column sets of the table's unique indexes (in the order they were made,
    each set once, the primary key's aside), and the unique indexes a spec
    cannot state (partial, or on expressions)."""
    key = table.primary_key
    seen = {frozenset(c.casefold() for c in key)} if key else set()
    unique: list[tuple[str, ...]] = []
    unchecked: list[str] = []
    for index in reversed(table.indexes):  # index_list lists the last made first
        if not index.unique:
            continue
        if index.partial or None in index.columns:
            unchecked.append(index.name)
            continue
        columns = tuple(str(c) for c in index.columns)
        folded = frozenset(c.casefold() for c in columns)
        if folded not in seen:
            seen.add(folded)
            unique.append(columns)
    return tuple(unique), tuple(unchecked)


def _foreign_keys(session: Session, table: Table) -> tuple[ForeignKeyFacts, ...]:
    """Each foreign key of ``table`` (its columns together), in column order."""
    broken = {
        tuple(c.casefold() for c in b.columns): b.reason
        for b in session.broken_foreign_keys()
        if b.table.casefold() == table.name.casefold()
    }
    grouped: dict[int, list[ForeignKey]] = {}
    for fk in table.foreign_keys:
        grouped.setdefault(fk.id, []).append(fk)
    order = {c.name.casefold(): i for i, c in enumerate(table.columns)}
    found = []
    for parts in sorted(grouped.values(), key=lambda p: order.get(p[0].column.casefold(), 0)):
        first = parts[0]
        columns = tuple(p.column for p in parts)
        parent = session.table(first.table)
        targets = tuple(p.target for p in parts)
        if None in targets:  # REFERENCES parent: its primary key
            parent_key = parent.primary_key if parent is not None else ()
            resolved = parent_key if len(parent_key) == len(columns) else ()
        else:
            resolved = tuple(str(t) for t in targets)
        reason = broken.get(tuple(c.casefold() for c in columns))
        if reason is None and not resolved:
            reason = f"table {first.table} has no primary key to reference"
        found.append(
            ForeignKeyFacts(
                columns,
                parent.name if parent is not None else first.table,
                resolved,
                first.on_delete.upper(),
                first.on_update.upper(),
                reason,
            )
        )
    return tuple(found)


def _is_integer(column: Column | None) -> bool:
    return column is not None and column.type.upper() == "INTEGER"


def _is_virtual(schema: schema_text.Schema, name: str) -> bool:
    """Whether ``name`` is made by a ``CREATE VIRTUAL TABLE`` of the schema."""
    folded = name.casefold()
    for statement in schema.statements:
        tokens = list(sqltext.located_tokens(schema.text, statement.start, statement.end))
        words = [t.text.upper() for t in tokens[:6]]
        if words[:3] != ["CREATE", "VIRTUAL", "TABLE"]:
            continue
        at = 6 if words[3:6] == ["IF", "NOT", "EXISTS"] else 3
        if at + 2 < len(tokens) and tokens[at + 1].text == ".":
            at += 2  # schema.name
        if at < len(tokens) and sqltext.unquote(tokens[at].text).casefold() == folded:
            return True
    return False


def _in_list(ddl: schema_text.Table | None, column: str) -> tuple[Literal_, ...] | None:
    """The values of the ``CHECK (column IN (...))`` of ``column`` (several: the
    values all of them allow), when every value is a literal."""
    if ddl is None:
        return None
    folded = column.casefold()
    found: list[Literal_] | None = None
    for check in ddl.checks:
        in_list = check.in_list
        if in_list is None or in_list.negated or in_list.column is None:
            continue
        if in_list.column.casefold() != folded:
            continue
        values = [_literal(value.text) for value in in_list.values]
        allowed = [v for v in values if v is not None]
        if len(allowed) != len(values) or not values:
            return None
        found = allowed if found is None else [v for v in found if v in allowed]
    return tuple(dict.fromkeys(found)) if found is not None else None


def _literal(text: str) -> Literal_ | None:
    is_literal, value = sqltext.literal(text)
    return value if is_literal and value is not None else None


def value_counts(
    session: Session, table: str, column: str, where: Location, limit: int = 50
) -> list[tuple[object, int]] | None:
    """How many rows hold each value of ``column`` (the most common first, at most
    ``limit`` values), or None when they cannot be read."""
    query = Sql(
        f"SELECT {sql_name(column)}, count(*) FROM {sql_name(table)} "
        f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {limit + 1}",
        where,
    )
    try:
        rows = session.stream(query)
        next(rows)
        return [(value, int(count)) for value, count in rows]
    except CallError:
        return None

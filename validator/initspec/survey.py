"""What a schema declares, as ``validator init`` needs to know it.

Two sources answer: the database, through the engine's own session
(:meth:`~validator.session.Session.table_names` and
:meth:`~validator.session.Session.table`: columns, keys, foreign keys, indexes
as SQLite reads them back), and the schema's text, through
:func:`validator.schema_text.parse` for what introspection cannot tell: the
values of a ``CHECK (x IN (...))`` list, whether a table is ``WITHOUT ROWID``
or ``STRICT``, and the triggers. With ``--db`` the text is the database's own
(``sqlite_schema``), and the rows are read for one thing only: how often each
value of a lifecycle-looking column occurs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import schema_text, sqltext
from ..errors import Location, UsageError
from ..model import Sql
from ..session import CallError, Session
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
    checked: bool
    """Whether any CHECK constraint of the table names this column."""


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
    rowid: bool
    """Whether rows have a rowid (not ``WITHOUT ROWID``)."""
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
    """The schema's tables (in the order they were made), its text parsed, and
    for ``--db`` the value counts of the columns asked about."""

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


def survey(
    session: Session, text: str, source: str, *, from_database: bool, wanted: Sequence[str] = ()
) -> Survey:
    """The facts of every table of ``session`` (``wanted`` only, when given)."""
    schema = schema_text.parse(text)
    names = session.table_names()
    if wanted:
        names = tuple(_chosen(names, wanted))
    tables = []
    for name in names:
        found = _table(session, schema, name)
        if found is not None:
            tables.append(found)
    return Survey(tuple(tables), schema, source, from_database)


def _chosen(names: Sequence[str], wanted: Sequence[str]) -> list[str]:
    by_name = {name.casefold(): name for name in names}
    unknown = [name for name in wanted if name.casefold() not in by_name]
    if unknown:
        listed = ", ".join(sorted(names)) or "none"
        raise UsageError.at(
            Location("--tables"), f"no table {', '.join(unknown)} in the schema (tables: {listed})"
        )
    chosen = {by_name[name.casefold()] for name in wanted}
    return [name for name in names if name in chosen]


def _table(session: Session, schema: schema_text.Schema, name: str) -> TableFacts | None:
    table = session.table(name)
    if table is None or table.view:
        return None
    ddl = schema.table(name)
    broken = {
        tuple(c.casefold() for c in b.columns): b.reason
        for b in session.broken_foreign_keys()
        if b.table.casefold() == name.casefold()
    }
    columns = tuple(
        ColumnFacts(
            name=c.name,
            type=c.type,
            not_null=c.not_null,
            default=c.default,
            primary_key=c.primary_key,
            generated=c.hidden in (2, 3),
            in_list=_in_list(ddl, c.name),
            checked=_checked(schema, ddl, c.name),
        )
        for c in table.columns
        if c.hidden != 1
    )
    key = table.primary_key
    rowid = not (ddl is not None and ddl.without_rowid)
    alias = key[0] if rowid and len(key) == 1 and _is_integer(table.column(key[0])) else None
    unique: list[tuple[str, ...]] = []
    unchecked: list[str] = []
    seen = {frozenset(c.casefold() for c in key)} if key else set()
    for index in table.indexes:
        if not index.unique:
            continue
        if index.partial or None in index.columns:
            unchecked.append(index.name)
            continue
        columns_of = tuple(str(c) for c in index.columns)
        folded = frozenset(c.casefold() for c in columns_of)
        if folded not in seen:
            seen.add(folded)
            unique.append(columns_of)
    unique.reverse()  # index_list lists the last made first
    grouped: dict[int, list[tuple[str, str, str | None, str, str]]] = {}
    for fk in table.foreign_keys:
        grouped.setdefault(fk.id, []).append(
            (fk.column, fk.table, fk.target, fk.on_delete, fk.on_update)
        )
    foreign_keys = []
    for parts in sorted(grouped.values(), key=lambda p: _position(table.columns, p[0][0])):
        fk_columns = tuple(p[0] for p in parts)
        parent = session.table(parts[0][1])
        targets = tuple(p[2] for p in parts)
        if None in targets:
            parent_key = parent.primary_key if parent is not None else ()
            resolved = parent_key if len(parent_key) == len(fk_columns) else ()
        else:
            resolved = tuple(str(t) for t in targets)
        reason = broken.get(tuple(c.casefold() for c in fk_columns))
        if reason is None and not resolved:
            reason = f"table {parts[0][1]} has no primary key to reference"
        foreign_keys.append(
            ForeignKeyFacts(
                fk_columns,
                parent.name if parent is not None else parts[0][1],
                resolved,
                parts[0][3].upper(),
                parts[0][4].upper(),
                reason,
            )
        )
    return TableFacts(
        name=table.name,
        columns=columns,
        primary_key=key,
        rowid_alias=alias,
        rowid=rowid,
        strict=ddl is not None and ddl.strict,
        unique=tuple(unique),
        unchecked_unique=tuple(unchecked),
        foreign_keys=tuple(foreign_keys),
        virtual=ddl is None and _is_virtual(schema, name),
    )


def _position(columns: Sequence[object], name: str) -> int:
    for index, column in enumerate(columns):
        if getattr(column, "name", "").casefold() == name.casefold():
            return index
    return len(columns)


def _is_integer(column: object) -> bool:
    declared = getattr(column, "type", "")
    return isinstance(declared, str) and declared.upper() == "INTEGER"


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


def _checked(schema: schema_text.Schema, ddl: schema_text.Table | None, column: str) -> bool:
    """Whether a CHECK constraint of ``ddl`` names ``column``."""
    if ddl is None:
        return False
    folded = column.casefold()
    return any(
        token.kind in ("word", "quoted") and sqltext.unquote(token.text).casefold() == folded
        for check in ddl.checks
        for token in sqltext.located_tokens(
            schema.text, check.expression.start, check.expression.end
        )
    )


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

"""The SQL of the audit: for each rule over existing rows, the query that finds
the rows breaking it, each row starting with its key (primary key, or rowid).

Names are resolved against the database first (a name that does not exist is
:class:`~validator.session.UnknownName`, never a string by SQLite's fallback);
values the spec gives (states) are written as SQL string literals.
"""

from __future__ import annotations

from .. import sqltext
from ..session import (
    ChecksHold,
    InStates,
    NoDuplicates,
    NoNulls,
    NoOrphans,
    NotBefore,
    Rule,
    SetExactlyIn,
    Table,
    UnknownName,
)
from .introspect import quote


def column(table: Table, name: str) -> str:
    """The quoted real name of ``name`` in ``table``."""
    found = table.column(name)
    if found is None:
        raise UnknownName(f"no such column {name} in table {table.name}")
    return quote(found.name)


def key(table: Table) -> list[str]:
    """The columns that name a row: the primary key, else the rowid."""
    if table.primary_key:
        return [quote(name) for name in table.primary_key]
    return ["rowid"]


def queries(
    rule: Rule, table: Table, parent: Table | None, create_sql: str
) -> list[tuple[str, str]]:
    """``(label, sql)`` of each query finding the rows that break ``rule`` on
    ``table`` (``parent``: the referenced table of :class:`NoOrphans`;
    ``create_sql``: the table's CREATE statement, for :class:`ChecksHold`)."""
    name = quote(table.name)
    keys = key(table)

    def shown(*columns: str) -> str:
        return ", ".join([*keys, *(c for c in columns if c not in keys)])

    match rule:
        case InStates():
            value = column(table, rule.column)
            states = ", ".join(sqltext.string(state) for state in rule.states)
            where = f"{value} IS NULL OR {value} NOT IN ({states})"
            return [("", f"SELECT {shown(value)} FROM {name} WHERE {where}")]
        case SetExactlyIn():
            state, value = column(table, rule.state_column), column(table, rule.column)
            states = ", ".join(sqltext.string(s) for s in rule.states)
            where = f"coalesce({state} IN ({states}), 0) <> ({value} IS NOT NULL)"
            return [("", f"SELECT {shown(state, value)} FROM {name} WHERE {where}")]
        case NotBefore():
            value, other = column(table, rule.column), column(table, rule.other)
            return [("", f"SELECT {shown(other, value)} FROM {name} WHERE {value} < {other}")]
        case NoNulls():
            value = column(table, rule.column)
            return [("", f"SELECT {shown(value)} FROM {name} WHERE {value} IS NULL")]
        case NoDuplicates():
            values = [column(table, c) for c in rule.columns]
            together = ", ".join(values)
            present = " AND ".join(f"{v} IS NOT NULL" for v in values)
            counted = (
                f"SELECT {shown(*values)}, count(*) OVER (PARTITION BY {together}) AS copies "
                f"FROM {name} WHERE {present}"
            )
            return [("", f"SELECT * FROM ({counted}) WHERE copies > 1 ORDER BY {together}")]
        case NoOrphans():
            assert parent is not None
            value = column(table, rule.column)
            target = column(parent, rule.parent_column)
            missing = (
                f"NOT EXISTS (SELECT 1 FROM {quote(parent.name)} AS parent "
                f"WHERE parent.{target} = {name}.{value})"
            )
            where = f"{value} IS NOT NULL AND {missing}"
            return [("", f"SELECT {shown(value)} FROM {name} WHERE {where}")]
        case ChecksHold():
            found = []
            for expression in check_expressions(create_sql):
                used = [quote(c.name) for c in table.columns if _mentions(expression, c.name)]
                query = f"SELECT {shown(*used)} FROM {name} WHERE NOT ({expression})"
                found.append((expression, query))
            return found
    raise AssertionError(rule)  # pragma: no cover - every rule is matched above


def _mentions(expression: str, name: str) -> bool:
    folded = name.casefold()
    return any(
        text.strip('"`[]').casefold() == folded
        for kind, text in sqltext.tokens(expression)
        if kind in ("word", "quoted")
    )


def check_expressions(create_sql: str) -> list[str]:
    """The expression of every ``CHECK (...)`` in a CREATE TABLE statement, as written."""
    tokens = list(sqltext.located_tokens(create_sql))
    found: list[str] = []
    for index, token in enumerate(tokens[:-1]):
        opening = tokens[index + 1]
        if token.kind != "word" or token.text.lower() != "check" or opening.text != "(":
            continue
        depth = 0
        for part in tokens[index + 1 :]:
            depth += (part.text == "(") - (part.text == ")")
            if depth == 0:
                found.append(create_sql[opening.start + 1 : part.start].strip())
                break
    return found

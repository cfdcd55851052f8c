"""What of a schema no check exercises (``validator mutate --coverage``).

:func:`unexercised` lists the tables, columns, constraints, indexes and
triggers declared in a schema text that no check of a run reaches, each at
its place in that text. What the checks reached comes from the run's
:class:`~validator.session.Access` (the authorizer, as their statements are
prepared) and from the spec's table rules (what they introspect). An item
counts as exercised when a check:

- table: reads or writes it, or introspects it (a table rule);
- column: reads it or updates it, or a table rule states a rule for it;
- PRIMARY KEY, UNIQUE, NOT NULL, CHECK, FOREIGN KEY, UNIQUE INDEX: inserts
  into the table or updates one of its columns (where SQLite enforces it), or
  a table rule states that rule (nothing states a CHECK);
- DEFAULT: inserts into the table and reads the column, or a table rule
  states the default;
- ON DELETE / ON UPDATE of a foreign key (written or not: NO ACTION):
  deletes from the parent table / updates its key, or a table rule states
  the action;
- a plain INDEX: reads the table (it can only change the order of rows);
- a trigger: runs a statement whose program includes it.

It is a structural view, cheaper and coarser than the mutants: an item
listed here cannot kill a mutant of it, while an item not listed may still
let one survive (the check touches it but does not look at the outcome).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .errors import Location
from .model import ColumnRule, Spec, TableRule
from .mutants import Lines, Subject
from .schema_text import (
    Check,
    Column,
    Constraint,
    Default,
    ForeignKey,
    Index,
    NotNull,
    PrimaryKey,
    Schema,
    Table,
    Trigger,
    Unique,
    parse,
)
from .session import Access

Kind = Literal["table", "column", "constraint", "index", "trigger"]


@dataclass(frozen=True)
class Unexercised:
    """An item of the schema that no check exercises, where it is declared."""

    kind: Kind
    name: str
    location: Location


def unexercised(text: str, file: str, access: Access, spec: Spec) -> list[Unexercised]:
    """What of the schema ``text`` (read from ``file``) no check exercised, in text order."""
    schema = parse(text)
    reach = _Reach(access, spec, schema)
    lines = Lines(text)
    found: list[tuple[int, Kind, str]] = []
    for table in schema.tables:
        found.extend(reach.table(table))
    for index in schema.indexes:
        if not reach.index(index):
            rule = "UNIQUE INDEX" if index.unique else "INDEX"
            name = str(Subject(index.table, index.columns, rule, index.name))
            found.append((index.span.start, "index", name))
    for trigger in schema.triggers:
        if trigger.name.casefold() not in access.triggers:
            found.append((trigger.span.start, "trigger", _trigger_name(trigger)))
    found.sort(key=lambda item: item[0])
    return [
        Unexercised(kind, name, Location(file, *lines.position(offset)))
        for offset, kind, name in found
    ]


def _trigger_name(trigger: Trigger) -> str:
    return str(Subject(trigger.table, (), "TRIGGER", trigger.name))


def _fold(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(name.casefold() for name in names)


class _Reach:
    """What the checks reached, asked item by item."""

    def __init__(self, access: Access, spec: Spec, schema: Schema) -> None:
        self.access = access
        self.schema = schema
        self.rules: dict[str, TableRule] = {rule.name.casefold(): rule for rule in spec.tables}
        self.touched = access.tables() | access.introspected

    def column_rule(self, table: str, column: str) -> ColumnRule | None:
        rule = self.rules.get(table.casefold())
        if rule is None:
            return None
        folded = column.casefold()
        return next((c for c in rule.columns if c.name.casefold() == folded), None)

    def stated(self, table: str, columns: tuple[str, ...], attribute: str) -> bool:
        """Whether a table rule states ``attribute`` for one of ``columns``."""
        for column in columns:
            rule = self.column_rule(table, column)
            if rule is not None and getattr(rule, attribute) is not None:
                return True
        return False

    def keyed(self, table: str, columns: tuple[str, ...], *, primary: bool) -> bool:
        """Whether a table rule states exactly ``columns`` as a (primary or unique) key."""
        rule = self.rules.get(table.casefold())
        if rule is None:
            return False
        wanted = _fold(columns)
        if primary and rule.primary_key is not None and _fold(rule.primary_key.columns) == wanted:
            return True
        if not primary and any(_fold(key.columns) == wanted for key in rule.unique):
            return True
        attribute = "primary_key" if primary else "unique"
        return len(columns) == 1 and self.stated(table, columns, attribute)

    def written(self, table: str, columns: tuple[str, ...]) -> bool:
        """Whether a check inserts into ``table`` or updates one of ``columns``
        (any column, when none is named)."""
        folded = table.casefold()
        if folded in self.access.inserts:
            return True
        wanted = _fold(columns)
        return any(t == folded and (not wanted or c in wanted) for t, c in self.access.updates)

    def read(self, table: str, column: str) -> bool:
        return (table.casefold(), column.casefold()) in self.access.reads

    def table(self, table: Table) -> Iterator[tuple[int, Kind, str]]:
        name = table.name
        if name.casefold() not in self.touched:
            yield table.span.start, "table", name
        for column in table.columns:
            key = (name.casefold(), column.name.casefold())
            used = key in self.access.reads or key in self.access.updates
            if not used and self.column_rule(name, column.name) is None:
                yield column.span.start, "column", f"{name}.{column.name}"
            for constraint in column.constraints:
                yield from self.constraint(table, column, constraint)
        for constraint in table.constraints:
            yield from self.constraint(table, None, constraint)

    def constraint(
        self, table: Table, column: Column | None, constraint: Constraint
    ) -> Iterator[tuple[int, Kind, str]]:
        name = table.name
        own = (column.name,) if column else ()
        start = constraint.span.start
        if isinstance(constraint, ForeignKey):
            yield from self.foreign_key(table, constraint)
            return
        if isinstance(constraint, PrimaryKey | Unique):
            columns = own or constraint.columns
            primary = isinstance(constraint, PrimaryKey)
            if not (self.keyed(name, columns, primary=primary) or self.written(name, columns)):
                rule = "PRIMARY KEY" if primary else "UNIQUE"
                yield start, "constraint", str(Subject(name, columns, rule))
        elif isinstance(constraint, NotNull):
            if not (self.stated(name, own, "not_null") or self.written(name, own)):
                yield start, "constraint", str(Subject(name, own, "NOT NULL"))
        elif isinstance(constraint, Check):
            whole = constraint.in_list
            columns = own or ((whole.column,) if whole and whole.column else ())
            if not self.written(name, columns):
                yield start, "constraint", str(Subject(name, columns, "CHECK"))
        elif isinstance(constraint, Default) and column is not None:
            observed = name.casefold() in self.access.inserts and self.read(name, column.name)
            if not (observed or self.stated(name, own, "default")):
                yield start, "constraint", str(Subject(name, own, "DEFAULT"))

    def foreign_key(self, table: Table, key: ForeignKey) -> Iterator[tuple[int, Kind, str]]:
        name, columns = table.name, key.columns
        target = f"{key.table}({','.join(key.target_columns)})" if key.target_columns else key.table
        if not (self.stated(name, columns, "references") or self.written(name, columns)):
            subject = Subject(name, columns, "FOREIGN KEY", target=target)
            yield key.span.start, "constraint", str(subject)
        parent = key.table.casefold()
        parent_key = key.target_columns or self.primary_key(key.table)
        exercised = {
            "DELETE": parent in self.access.deletes,
            "UPDATE": self.written_columns(key.table, parent_key),
        }
        for event, used in exercised.items():
            attribute = f"on_{event.lower()}"
            if used or self.stated(name, columns, attribute):
                continue
            written = key.action(event)
            action = written.action if written else "NO ACTION"
            subject = Subject(name, columns, f"ON {event}", target=target)
            start = written.span.start if written else key.span.start
            yield start, "constraint", f"{subject} {action}"

    def written_columns(self, table: str, columns: tuple[str, ...]) -> bool:
        """Whether a check updates one of ``columns`` of ``table`` (any, when unknown)."""
        folded, wanted = table.casefold(), _fold(columns)
        return any(t == folded and (not wanted or c in wanted) for t, c in self.access.updates)

    def primary_key(self, table: str) -> tuple[str, ...]:
        declared = self.schema.table(table)
        return declared.primary_key if declared else ()

    def index(self, index: Index) -> bool:
        if index.unique:
            columns = index.columns
            return self.keyed(index.table, columns, primary=False) or self.written(
                index.table, columns
            )
        folded = index.table.casefold()
        return any(table == folded for table, _ in self.access.reads)

"""The ``tables`` section ``validator init`` writes: each table exactly as SQLite
reads it back.

Each column states its declared type and the constraints it has (PRIMARY KEY,
NOT NULL, UNIQUE, DEFAULT, a foreign key with both of its actions); composite
primary and unique keys are stated on the table. What a spec cannot state, or
what the engine would fail (a foreign key SQLite cannot enforce, a partial
unique index), is said in a comment instead, so the section holds only
claims the schema keeps.
"""

from __future__ import annotations

from .. import sqltext
from .draft import ColumnDraft, ColumnValue, Expr, TableDraft
from .survey import ColumnFacts, ForeignKeyFacts, TableFacts

ACTIONS = {
    "CASCADE": "cascade",
    "SET NULL": "set_null",
    "SET DEFAULT": "set_default",
    "RESTRICT": "restrict",
    "NO ACTION": "no_action",
}


def table(facts: TableFacts) -> TableDraft:
    composite = len(facts.primary_key) > 1
    single = {key[0].casefold() for key in facts.unique if len(key) == 1}
    foreign: dict[str, tuple[ForeignKeyFacts, int]] = {}
    comments: list[str] = []
    for fk in facts.foreign_keys:
        for position, column in enumerate(fk.columns):
            foreign.setdefault(column.casefold(), (fk, position))
        if fk.broken is not None:
            comments.append(
                f"Not stated: FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES {fk.parent}, "
                f"which SQLite cannot enforce ({fk.broken}): every write to {facts.name} fails."
            )
    for name in facts.unchecked_unique:
        comments.append(
            f"Not stated: unique index {name} is partial or on expressions, "
            "which a spec cannot state."
        )
    if facts.virtual and not facts.columns:
        comments.append(
            "A virtual table whose columns cannot be read: this SQLite lacks its module."
        )
    elif facts.virtual:
        comments.append("A virtual table: its module decides its columns' behaviour.")
    columns = tuple(
        _column(c, composite, c.name.casefold() in single, foreign.get(c.name.casefold()))
        for c in facts.columns
    )
    return TableDraft(
        facts.name,
        columns,
        primary_key=facts.primary_key if composite else (),
        unique=tuple(key for key in facts.unique if len(key) > 1),
        comments=tuple(comments),
    )


def _column(
    facts: ColumnFacts,
    composite: bool,
    unique: bool,
    foreign: tuple[ForeignKeyFacts, int] | None,
) -> ColumnDraft:
    rules: list[tuple[str, ColumnValue]] = [("type", facts.type)]
    if facts.primary_key and not composite:
        rules.append(("primary_key", True))
    if facts.not_null:
        rules.append(("not_null", True))
    if unique:
        rules.append(("unique", True))
    if facts.default is not None:
        rules.append(("default", default(facts.default)))
    note = ""
    if foreign is not None:
        fk, position = foreign
        target = fk.targets[position] if position < len(fk.targets) else ""
        if fk.broken is None and _nameable(fk.parent) and _nameable(target):
            rules.append(("references", f"{fk.parent}.{target}"))
            rules.append(("on_delete", ACTIONS.get(fk.on_delete, "no_action")))
            rules.append(("on_update", ACTIONS.get(fk.on_update, "no_action")))
            if len(fk.columns) > 1:
                note = f"part of FOREIGN KEY ({', '.join(fk.columns)})"
        elif fk.broken is None:
            note = f"REFERENCES {fk.parent}({target}): a name with a dot cannot be stated"
    if facts.generated:
        note = note or "a generated column"
    return ColumnDraft(facts.name, tuple(rules), note)


def _nameable(name: str) -> bool:
    """Whether ``name`` fits in a spec's ``references: table.column``."""
    return bool(name) and "." not in name


def default(text: str) -> ColumnValue:
    """A DEFAULT's SQL text as a spec states it: the literal's value, else ``{expr: SQL}``."""
    is_literal, value = sqltext.literal(text)
    if is_literal:
        return value
    return Expr(text)

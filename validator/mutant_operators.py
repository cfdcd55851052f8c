"""The names of the mutation operators of :mod:`validator.mutants`, and what each does.

Kept apart from the operators themselves, which need the schema reader
(:mod:`validator.schema_text`): checking a spec's ``ignored_mutants`` ids only
needs the names, and a plain run must not pay for importing the reader.
"""

from __future__ import annotations

OPERATORS: dict[str, str] = {
    "drop-foreign-key": "remove a column's REFERENCES clause or a table's FOREIGN KEY constraint",
    "change-on-delete": (
        "set a foreign key's ON DELETE to each other action (an absent clause is NO ACTION: "
        "ON DELETE CASCADE, SET NULL, SET DEFAULT and RESTRICT are added in turn)"
    ),
    "change-on-update": "the same for ON UPDATE",
    "drop-primary-key": "remove a column's or a table's PRIMARY KEY",
    "drop-unique": "remove a column's or a table's UNIQUE constraint",
    "drop-not-null": "remove a column's NOT NULL",
    "drop-check": "remove a column's or a table's CHECK constraint",
    "drop-check-value": "remove one value from a CHECK's IN (...) list of two values or more",
    "change-default": (
        "replace a DEFAULT: by another value of the column's CHECK IN list if it has one, "
        "else a string by another string, a number by itself + 1, TRUE and FALSE by each "
        "other, NULL by '' (text columns) or 0, an expression or blob by NULL"
    ),
    "drop-default": "remove a column's DEFAULT",
    "drop-index": "remove a CREATE INDEX or CREATE UNIQUE INDEX statement",
    "drop-trigger": "remove a CREATE TRIGGER statement",
    "drop-trigger-when": "remove a trigger's WHEN clause (it then fires on every row)",
    "drop-trigger-branch": (
        "remove one operand of an OR/AND chain in a trigger's WHEN, or in a WHERE or "
        "CASE WHEN of its body (also inside parentheses and NOT (...))"
    ),
}
"""Every operator, in the order mutants at the same place are listed, and what it does."""

"""SQLite errors by kind: a refusal of the contract, or something else.

Kinds come from SQLite's extended result code, never from message text (the
one exception is documented where it is made).
"""

from __future__ import annotations

import sqlite3

_FK_FAILED = "FOREIGN KEY constraint failed"
_KINDS = {
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "primary_key",
    "SQLITE_CONSTRAINT_ROWID": "primary_key",
    "SQLITE_CONSTRAINT_CHECK": "check",
    "SQLITE_CONSTRAINT_NOTNULL": "not_null",
    "SQLITE_CONSTRAINT_TRIGGER": "trigger",
}

CORRUPT = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_CORRUPT_INDEX"})
"""Result codes of a damaged file (as opposed to data that breaks a constraint)."""


def error_kind(error: sqlite3.Error) -> str | None:
    """The constraint kind of a refusal (``foreign_key``, ``unique``, ...).

    ``constraint`` for other constraint failures, None when the error is not a
    constraint refusal at all (syntax, missing table, ...).
    """
    name = getattr(error, "sqlite_errorname", "") or ""
    if name == "SQLITE_CONSTRAINT_TRIGGER" and str(error) == _FK_FAILED:
        # SQLite enforces ON DELETE/UPDATE RESTRICT with its trigger machinery and
        # reports the trigger code, with the foreign key's own message.
        return "foreign_key"
    if name in _KINDS:
        return _KINDS[name]
    if name.startswith("SQLITE_CONSTRAINT"):
        return "constraint"
    return None


def one_line(error: BaseException) -> str:
    """SQLite's message on one line (it quotes multi-line CHECKs as written)."""
    return " ".join(str(error).split())

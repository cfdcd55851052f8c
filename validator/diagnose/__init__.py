"""Explain SQLite's errors at their cause: which token, which object, why.

Pure functions for the engine to turn SQLite's terse messages into located ones:

* :func:`locate_error`: the token of a statement an error message is about
  (``near "X": syntax error``, ``no such column: X``, ...), so that a schema
  error points at line 30 and not at the first line of its statement;
* :func:`schema_objects`: where each table, index, view and trigger of a schema
  file is created, and where each trigger writes its ``RAISE`` messages;
  :func:`raising_trigger`: which trigger's ``RAISE`` a refusal came from;
* :func:`unenforceable_foreign_keys`: the foreign keys SQLite refuses to
  enforce (every write to the child fails), each with its reason;
  :func:`mismatch_causes` for a ``foreign key mismatch`` message;
* :func:`resolve_table`, :func:`resolve_column`: whether a name exists as SQLite
  resolves it, so the engine never meets SQLite's fallback of reading an
  unknown ``"name"`` as the string ``'name'``.

Positions are 0-based ``(line, column)`` pairs, columns counted in characters
(:func:`in_file` turns one within a statement into one within its file).
Nothing here changes a connection it is given: it reads the catalogue only.
Syntax errors are located on a private in-memory connection with ``EXPLAIN``,
which compiles a statement and never runs it.
"""

from .foreign_keys import (
    BrokenForeignKey,
    foreign_key_mismatch,
    mismatch_causes,
    unenforceable_foreign_keys,
)
from .locate import locate_error
from .names import TableName, resolve_column, resolve_table
from .objects import Raise, SchemaObject, find, raising_trigger, schema_objects, triggers_in
from .parse import Position, fold, in_file

__all__ = [
    "BrokenForeignKey",
    "Position",
    "Raise",
    "SchemaObject",
    "TableName",
    "find",
    "fold",
    "foreign_key_mismatch",
    "in_file",
    "locate_error",
    "mismatch_causes",
    "raising_trigger",
    "resolve_column",
    "resolve_table",
    "schema_objects",
    "triggers_in",
    "unenforceable_foreign_keys",
]

"""Run the spec's operations: bind arguments, execute statements, shape results.

Values are always bound as SQL parameters, never pasted into SQL text. The
statements of one call run inside a savepoint, so a call that fails halfway
leaves nothing behind, as the data layer's own transaction would.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from . import database
from .errors import Location
from .guard import Guard
from .model import Call, Operation, Returns, Spec, Sql
from .templates import Scope

Row = dict[str, Any]


class CallError(Exception):
    """A call the database refused or could not run.

    ``kind`` is the constraint kind (``foreign_key``, ...) or None when the
    error is not a constraint refusal; ``blocked`` is true when the guard
    stopped the statement (time limit, refused SQL): the check could not run.
    """

    def __init__(
        self, message: str, location: Location, kind: str | None, *, blocked: bool = False
    ) -> None:
        super().__init__(message)
        self.location = location
        self.kind = kind
        self.blocked = blocked


class Executor:
    """Runs calls of ``spec``'s operations on one connection."""

    def __init__(self, spec: Spec, guard: Guard) -> None:
        self.spec = spec
        self.guard = guard
        self.connection = guard.connection
        self.deferred = guard.deferred_tables

    def arguments(self, operation: Operation, call: Call, scope: Scope) -> dict[str, Any]:
        """The parameter values of ``call``: its arguments, then the defaults."""
        given = scope.resolve(dict(call.args))
        values: dict[str, Any] = {}
        for name in operation.accepted:
            value = given[name] if name in given else scope.resolve(operation.defaults[name])
            values[name] = _bindable(value)
        return values

    def call(self, call: Call, scope: Scope) -> Any:
        """Run ``call`` and return its result (a row, a list of rows, or None)."""
        operation = self.spec.operations[call.operation]
        values = self.arguments(operation, call, scope)
        connection = self.connection
        deferred = self.deferred
        statements = operation.statements
        if not deferred and len(statements) <= 1:
            # A lone statement is atomic by itself, and the query after it only reads:
            # no savepoint needed (the check's own savepoint still undoes it all).
            for statement in statements:
                self._execute(statement, values)
            return self._returns(operation.returns, values) if operation.returns else None
        connection.execute("SAVEPOINT validator_call")
        try:
            before = database.foreign_key_violations(connection, deferred) if deferred else 0
            for statement in operation.statements:
                self._execute(statement, values)
            result = self._returns(operation.returns, values) if operation.returns else None
            # The call is the data layer's transaction: a deferred foreign key must
            # hold when it ends, even though the check's own savepoint is still open.
            if deferred and database.foreign_key_violations(connection, deferred) > before:
                message = "FOREIGN KEY constraint failed (deferred, checked when the call ends)"
                raise CallError(message, operation.location, "foreign_key")
            # Releasing the outermost savepoint commits, which is when SQLite checks
            # deferred foreign keys: a refusal there belongs to this call too.
            self._release(operation.location)
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK TO validator_call")
                connection.execute("RELEASE validator_call")
            raise
        return result

    def _execute(self, statement: Sql, values: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
        """The column names and all rows of ``statement`` (stepped to the end, so
        a RETURNING clause takes effect), run as user SQL."""
        guard = self.guard
        try:
            with guard.user("operation"):
                cursor = self.connection.execute(statement.text, values)
                names = [column[0] for column in cursor.description or ()]
                return names, cursor.fetchall()
        except sqlite3.Error as exc:
            blocked = guard.blocked(exc)
            kind = None if blocked else database.error_kind(exc)
            raise CallError(guard.explain(exc), statement.location, kind, blocked=blocked) from None
        except sqlite3.Warning as exc:
            raise CallError(" ".join(str(exc).split()), statement.location, None) from None

    def _release(self, where: Location) -> None:
        try:
            self.connection.execute("RELEASE validator_call")
        except sqlite3.Error as exc:
            message = " ".join(str(exc).split())
            raise CallError(message, where, database.error_kind(exc)) from None

    def _returns(self, returns: Returns, values: Mapping[str, Any]) -> Any:
        names, rows = self._execute(returns.query, values)
        if returns.kind == "many":
            return [_row(names, row) for row in rows]
        if len(rows) > 1:
            raise CallError(
                "'returns: one' query gave more than one row", returns.query.location, None
            )
        if not rows:
            return None
        row = _row(names, rows[0])
        for name, nested in returns.nest:
            row[name] = self._returns(nested, values)
        return row


def _row(names: list[str], values: tuple[Any, ...]) -> Row:
    row = dict(zip(names, values, strict=True))
    if bytes in map(type, values):  # rare: JSON Schema sees JSON types only
        row = {name: _plain(value) for name, value in row.items()}
    return row


def _plain(value: Any) -> Any:
    # A BLOB is shown as hex text.
    return value.hex() if isinstance(value, bytes) else value


def _bindable(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)
    return value

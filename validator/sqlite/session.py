"""The SQLite session: one guarded connection, and everything done through it.

Connections are opened with ``isolation_level=None`` so the ``sqlite3``
module never begins or commits a transaction behind our back; isolation is
made of savepoints the session names and tracks itself.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from .. import diagnose, sqltext
from ..errors import Location, SchemaError
from ..model import Operation, Returns, Sql
from ..results import SAMPLE_ROWS, Rows
from ..session import (
    Access,
    BrokenForeignKey,
    CallError,
    Footprint,
    MigrationFailure,
    NoDuplicates,
    NoOrphans,
    Row,
    Rule,
    Session,
    Table,
    UnknownName,
)
from . import audit, introspect
from .classify import error_kind, one_line
from .guard import Guard, Mode
from .integrity import Integrity

_READ = sqlite3.SQLITE_READ
_UNIQUE_FAILED = re.compile(r"UNIQUE constraint failed: (.+)$")
_SELF_CONTROL = frozenset({"begin", "commit", "end", "rollback", "savepoint", "release", "pragma"})


def _at_token(statement: sqltext.Statement, message: str, name: str) -> Location | None:
    """Where in the file the token SQLite's ``message`` is about starts, if it says."""
    position = diagnose.locate_error(statement.sql, message)
    if position is None:
        return None
    line, column = diagnose.in_file(statement, position)
    return Location(name, line + 1, column + 1)


def _controls_itself(text: str) -> bool:
    """Whether a script has transaction control or pragmas of its own."""
    for statement in sqltext.split(text):
        first = next(sqltext.tokens(statement.sql), ("", ""))[1].lower()
        if first in _SELF_CONTROL:
            return True
    return False


MAX_RESULT_BYTES = 64 * 1024 * 1024
"""One call's (or read's) result may hold this much; a bigger one stops the call."""

_ROW_OVERHEAD = 64
"""Bytes counted per value besides its text or blob, so many small values count too."""


class SqliteSession(Session):
    """A guarded SQLite connection under test. Open one with
    :func:`validator.sqlite.open_schema` or :func:`validator.sqlite.open_copy`."""

    def __init__(self, connection: sqlite3.Connection, guard: Guard, name: str) -> None:
        self.connection = connection
        self.guard = guard
        self.name = name
        self.deferred = introspect.deferred_tables(connection)
        self.current: Location | None = None
        """Where the user statement running now comes from (for a watchdog)."""
        self._scopes: list[str] = []
        """The savepoints of the open isolated scopes, outermost first."""
        self._open = 0
        """How many of them still exist (the database may roll them all back)."""
        self._tables: dict[str, Table | None] = {}
        self._schema_version = -1
        self._settled: int | None = None
        """The guard's count of schema-changing statements at the first look."""
        self._broken: list[BrokenForeignKey] | None = None
        self._footprints: dict[str, Footprint] = {}
        self.objects: dict[tuple[str, str], diagnose.SchemaObject] = {}
        """What the applied scripts created, and where (to point at causes)."""
        self.script_files: dict[tuple[str, str], str] = {}
        """Which script (its name) created each of :attr:`objects`."""
        self.owns_temp_directory = False
        self.integrity: Integrity | None = None
        """Which integrity check the database passed when it was copied (``--db``)."""
        """Whether this session pointed SQLite's (process-wide) temporary folder
        at its private folder, which must be undone before that folder goes."""

    # -- isolation --------------------------------------------------------

    def _sync(self) -> None:
        if not self.connection.in_transaction:
            self._open = 0  # the database ended the transaction: every savepoint is gone

    @contextmanager
    def isolated(self) -> Iterator[None]:
        self._sync()
        self._reopen()
        name = f"validator_{len(self._scopes)}"
        self.connection.execute(f"SAVEPOINT {name}")
        self._scopes.append(name)
        self._open += 1
        try:
            yield
        finally:
            self._sync()
            depth = len(self._scopes)
            if self._open == depth:
                self.connection.execute(f"ROLLBACK TO {name}")
                self.connection.execute(f"RELEASE {name}")
                self._open -= 1
            self._scopes.pop()

    def _reopen(self) -> None:
        """Open again the savepoints the database rolled back, so that what the
        next call does is still undone when its scope ends."""
        while self._open < len(self._scopes):
            self.connection.execute(f"SAVEPOINT {self._scopes[self._open]}")
            self._open += 1

    @property
    def intact(self) -> bool:
        self._sync()
        return self._open == len(self._scopes)

    # -- calls ------------------------------------------------------------

    def call(self, operation: Operation, values: Mapping[str, Any]) -> Any:
        self._sync()
        self._reopen()
        connection = self.connection
        deferred = self.deferred
        statements = operation.statements
        if not deferred and len(statements) <= 1:
            # A lone statement is atomic by itself, and the query after it only reads:
            # no savepoint needed (the check's own scope still undoes it all).
            for statement in statements:
                self._user(statement, values, "operation")
            return self._returns(operation.returns, values) if operation.returns else None
        connection.execute("SAVEPOINT validator_call")
        try:
            before = self._violations() if deferred else 0
            for statement in statements:
                self._user(statement, values, "operation")
            result = self._returns(operation.returns, values) if operation.returns else None
            # The call is the data layer's transaction: a deferred foreign key must
            # hold when it ends, even though the check's own scope is still open.
            if deferred and self._violations() > before:
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

    def _violations(self) -> int:
        with self.guard.user("engine"):
            return introspect.foreign_key_violations(self.connection, self.deferred)

    def _user(
        self, statement: Sql, values: Mapping[str, Any], mode: Mode
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The column names and all rows of ``statement`` (stepped to the end, so
        a RETURNING clause takes effect), run as SQL of kind ``mode``."""
        guard = self.guard
        self.current = statement.location
        try:
            with guard.user(mode):
                cursor = self.connection.execute(sqltext.render(statement.text, values), values)
                names = [column[0] for column in cursor.description or ()]
                return names, _fetch(cursor)
        except sqlite3.Error as exc:
            blocked = guard.blocked(exc)
            kind = None if blocked else error_kind(exc)
            message = guard.explain(exc) + ("" if blocked else self.cause(str(exc)))
            raise CallError(message, statement.location, kind, blocked=blocked) from None
        except sqlite3.Warning as exc:
            raise CallError(one_line(exc), statement.location, None) from None
        except _TooBig as exc:
            raise CallError(str(exc), statement.location, None, blocked=True) from None

    def _release(self, where: Location) -> None:
        try:
            self.connection.execute("RELEASE validator_call")
        except sqlite3.Error as exc:
            raise CallError(one_line(exc), where, error_kind(exc)) from None

    def _returns(self, returns: Returns, values: Mapping[str, Any]) -> Any:
        names, rows = self._user(returns.query, values, "operation")
        if returns.kind == "one" and len(rows) > 1:
            raise CallError(
                "'returns: one' query gave more than one row", returns.query.location, None
            )
        found = [self._nested(returns, _row(names, row), values) for row in rows]
        if returns.kind == "many":
            return found
        return found[0] if found else None

    def _nested(self, returns: Returns, row: Row, values: Mapping[str, Any]) -> Row:
        """``row`` with each nested query's result added under its name; a nested
        query is bound with the call's values and, for a name the call does not
        have, the row's column of that name."""
        if returns.nest:
            bound = {**row, **values}
            for name, nested in returns.nest:
                row[name] = self._returns(nested, bound)
        return row

    # -- the engine's own questions -----------------------------------------

    def _fresh(self) -> None:
        """Forget what introspection knew if the schema has changed since.

        The schema's version is read at the first look, and again only once a
        statement that can change a schema has been prepared since then (the
        guard counts them); from then on at every look, since rolling back can
        undo such a change without preparing anything. Until then nothing can
        have changed it: a statement prepared before the first look (the
        schema's own) is prepared again, and so counted, before it runs on a
        later schema. A run whose checks never touch the schema reads the
        version once, not once per look (535 statements of the shipped spec's
        1,326)."""
        changes = self.guard.schema_changes
        if changes == self._settled:
            return
        version = self.connection.execute("PRAGMA schema_version").fetchone()[0]
        if version != self._schema_version:
            self._tables.clear()
            self._footprints.clear()
            self._broken = None
            self._schema_version = version
        if self._settled is None:
            self._settled = changes

    def table(self, name: str) -> Table | None:
        self._fresh()
        folded = name.casefold()
        if self.guard.access is not None:
            self.guard.access.introspected.add(folded)
        if folded not in self._tables:
            self._tables[folded] = introspect.introspect(self.connection, name)
        return self._tables[folded]

    def table_names(self) -> tuple[str, ...]:
        return introspect.table_names(self.connection)

    def read(
        self, table: str, key: str, value: Any, columns: Sequence[str], where: Location
    ) -> list[Row]:
        found = self.table(table)
        if found is None:
            raise UnknownName(f"no such table {table}")
        real = []
        for name in (key, *columns):
            column = found.column(name)
            if column is None:
                raise UnknownName(f"no such column {name} in table {found.name}")
            real.append(column.name)
        sql = "SELECT {} FROM {} WHERE {} = ?".format(
            ", ".join(introspect.quote(c) for c in real[1:]),
            introspect.quote(found.name),
            introspect.quote(real[0]),
        )
        guard = self.guard
        try:
            with guard.user("engine"):
                cursor = self.connection.execute(sql, (value,))
                rows = _fetch(cursor)
        except sqlite3.Error as exc:
            raise CallError(guard.explain(exc), where, None, blocked=guard.blocked(exc)) from None
        except _TooBig as exc:
            raise CallError(str(exc), where, None, blocked=True) from None
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def footprint(self, sql: str) -> Footprint:
        self._fresh()
        found = self._footprints.get(sql)
        if found is None:
            found = self._footprints[sql] = self._measure(sql)
        return found

    def _measure(self, sql: str) -> Footprint:
        """Prepare ``sql`` under ``EXPLAIN`` (nothing runs) and note every table the
        authorizer is asked about: the statement's, its triggers' and its
        foreign-key actions'. A statement that does not prepare touches nothing."""
        guard = self.guard
        seen: list[tuple[int, str]] = []
        guard.footprint = seen
        # Nothing runs: what it would touch is not what a check touched.
        recording, guard.access = guard.access, None
        unbound = dict.fromkeys(sqltext.parameters(sql))  # bound as NULL: nothing runs
        try:
            with guard.user("engine"):
                self.connection.execute(f"EXPLAIN {sql}", unbound).fetchall()
        except sqlite3.Error:
            return Footprint(frozenset(), frozenset())
        finally:
            guard.footprint = None
            guard.access = recording
        reads = frozenset(table.casefold() for action, table in seen if action == _READ)
        writes = frozenset(table.casefold() for action, table in seen if action != _READ)
        return Footprint(reads, writes)

    def violations(self, query: Sql, timeout: float | None = None) -> Rows:
        count, sample = 0, list[tuple[Any, ...]]()
        rows = self.stream(query, timeout)
        columns = next(rows)
        for row in rows:
            if count < SAMPLE_ROWS:
                sample.append(row)
            count += 1
        return Rows(count, columns, tuple(sample))

    def stream(self, query: Sql, timeout: float | None = None) -> Iterator[tuple[Any, ...]]:
        guard = self.guard
        self.current = query.location
        try:
            with guard.user("query", timeout):
                cursor = self.connection.execute(query.text)
                yield tuple(column[0] for column in cursor.description or ())
                yield from cursor
        except sqlite3.Error as exc:  # refused (it tried to write), stopped, or broken
            raise CallError(guard.explain(exc), query.location, None, blocked=True) from None

    def audit_queries(self, rule: Rule, where: Location) -> list[tuple[str, Sql]]:
        table = self.table(rule.table)
        if table is None or table.view:
            raise UnknownName(f"no such table {rule.table}")
        parent = None
        if isinstance(rule, NoOrphans):
            parent = self.table(rule.parent)
            if parent is None:
                raise UnknownName(f"no such table {rule.parent}")
        create = self.connection.execute(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table.name,)
        ).fetchone()[0]
        found = audit.queries(rule, table, parent, create or "")
        return [(label, Sql(sql, where)) for label, sql in found]

    def broken_foreign_keys(self) -> list[BrokenForeignKey]:
        self._fresh()
        if self._broken is None:
            with self.guard.user("engine"):
                found = diagnose.unenforceable_foreign_keys(self.connection)
            self._broken = [
                BrokenForeignKey(
                    key.child,
                    key.child_columns,
                    key.parent,
                    key.parent_columns,
                    self._broken_reason(key),
                )
                for key in found
            ]
        return self._broken

    def record(self, access: Access | None) -> None:
        self.guard.access = access

    def dump(self) -> str:
        return "\n".join(self.connection.iterdump()) + "\n"

    def close(self) -> None:
        if self.owns_temp_directory:
            self.connection.execute("PRAGMA temp_store_directory = ''")
        self.connection.close()

    def interrupt(self) -> None:
        self.guard.stop()

    def overdue(self, grace: float) -> bool:
        return self.guard.overdue(grace)

    def apply(self, text: str, name: str) -> None:
        """Run the SQL script ``text`` (a schema, read from ``name``) statement by
        statement under the guard's schema rules; an error is a
        :class:`~validator.errors.SchemaError` at ``name:LINE:COL``. What the
        engine needs afterwards (foreign keys on, a journal that can roll back,
        the size caps) is restored whatever the script said."""
        opened = self._script(text, name)
        self._commit_left_open(opened)
        self.restore(Location(name))

    def _script(self, text: str, name: str) -> Location:
        """Run each statement of ``text``; return where the transaction left open
        (if any) was begun."""
        connection = self.connection
        guard = self.guard
        opened = Location(name)
        statements = sqltext.split(text)
        for index, statement in enumerate(statements):
            where = Location(name, statement.line + 1, statement.column + 1)
            self.current = where
            was_open = connection.in_transaction
            try:
                with guard.user("schema"):
                    connection.execute(statement.sql).fetchall()
            except sqlite3.Error as exc:
                message = guard.explain(exc)
                if not guard.blocked(exc):
                    where = _at_token(statement, str(exc), name) or where
                    self._remember(statements[: index + 1], name)
                    message += self.cause(str(exc))
                raise SchemaError.at(where, message) from None
            except sqlite3.Warning as exc:  # e.g. two statements where one was expected
                raise SchemaError.at(where, one_line(exc)) from None
            if connection.in_transaction and not was_open:
                opened = where
        self.current = None
        self._remember(statements, name)
        return opened

    def _remember(self, statements: list[sqltext.Statement], name: str) -> None:
        created = diagnose.schema_objects(statements)
        self.objects.update(created)
        self.script_files.update(dict.fromkeys(created, name))

    def cause(self, message: str) -> str:
        """What to add to SQLite's ``message`` so that it names its cause: the
        foreign key behind a "foreign key mismatch", the trigger behind a RAISE
        refusal; empty when there is nothing to add."""
        if diagnose.foreign_key_mismatch(message) is not None:
            with self.guard.user("engine"):
                causes = diagnose.mismatch_causes(self.connection, message)
            return "".join(f" (cause: {self._broken_reason(key)})" for key in causes[:1])
        raised = diagnose.raising_trigger(message, self._triggers())
        if raised:
            trigger, call = raised[0]
            return f" (raised by trigger {trigger.name}{self._place(trigger, call.position)})"
        return ""

    def _broken_reason(self, key: diagnose.BrokenForeignKey) -> str:
        found = diagnose.find(self.objects, key.parent)
        where = self._place(found, found.position) if found is not None else ""
        return f"{key.reason}{where}"

    def _triggers(self) -> list[diagnose.SchemaObject]:
        known = [o for o in self.objects.values() if o.kind == "trigger"]
        if known:
            return known
        with self.guard.user("engine"):
            return diagnose.triggers_in(self.connection)

    def _place(self, found: diagnose.SchemaObject, position: diagnose.Position) -> str:
        """`` at FILE:LINE:COL`` of ``position`` in the script that made ``found``."""
        file = self.script_files.get((found.kind, diagnose.fold(found.name)))
        if file is None:
            return " (in the database)"
        return f" at {Location(file, position.line + 1, position.column + 1)}"

    def _commit_left_open(self, opened: Location) -> None:
        connection = self.connection
        if connection.in_transaction:  # a script that opened a transaction and left it open
            try:
                connection.execute("COMMIT")
            except sqlite3.Error as exc:
                connection.execute("ROLLBACK")
                reason = one_line(exc)
                message = f"the transaction begun here is never committed, and cannot be: {reason}"
                raise SchemaError.at(opened, message) from None

    def migrate(self, text: str, name: str) -> MigrationFailure | None:
        """Apply the migration ``text`` (from ``name``) as a deployment would.

        A script with no transaction control and no pragma runs inside a
        savepoint, so that one that fails halfway leaves nothing behind; one
        that controls its own transactions (or switches foreign keys off for a
        table rebuild, which only works outside a transaction) runs as written,
        and a transaction it leaves open when it fails is rolled back."""
        connection = self.connection
        wrap = not _controls_itself(text)
        if wrap:
            connection.execute("SAVEPOINT validator_migration")
        try:
            opened = self._script(text, name)
            if wrap:
                connection.execute("RELEASE validator_migration")
            self._commit_left_open(opened)
        except SchemaError as exc:
            problem = exc.problems[0]
            rows = self._breaking(problem.message)
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            self.restore(Location(name))
            return MigrationFailure(problem.location, problem.message, rows)
        self.restore(Location(name))
        return None

    def _breaking(self, message: str) -> Rows | None:
        """The rows that made a statement fail, where SQLite's message tells them."""
        unique = _UNIQUE_FAILED.match(message)
        try:
            if unique:
                columns = [part.strip() for part in unique.group(1).split(",")]
                table = columns[0].split(".")[0]
                names = tuple(column.split(".", 1)[-1] for column in columns)
                ((_, query),) = self.audit_queries(NoDuplicates(table, names), Location(""))
                return self.violations(query)
            if message.startswith("FOREIGN KEY constraint failed"):
                check = "SELECT * FROM pragma_foreign_key_check"
                return self.violations(Sql(check, Location("")))
        except (UnknownName, CallError):
            return None
        return None

    def restore(self, where: Location) -> None:
        """Foreign keys on, a journal that can roll back, the size caps: what user
        SQL may have changed and the engine needs back."""
        connection = self.connection
        connection.execute("PRAGMA foreign_keys = ON")
        if connection.execute("PRAGMA foreign_keys").fetchone()[0] != 1:  # pragma: no cover
            raise SchemaError.at(where, "foreign keys cannot be switched on")
        memory = connection.execute("PRAGMA database_list").fetchone()[2] == ""
        mode = str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        if mode in ("off", "wal") or (memory and mode != "memory"):
            # OFF would make every rollback a no-op, so checks could see each other's rows.
            connection.execute("PRAGMA journal_mode = MEMORY")
        self.guard.cap_growth()
        self.deferred = introspect.deferred_tables(connection)


class _TooBig(Exception):
    """A result over :data:`MAX_RESULT_BYTES`."""


def _fetch(cursor: sqlite3.Cursor) -> list[tuple[Any, ...]]:
    """Every row of ``cursor``, stopping as soon as they would hold too much memory."""
    rows: list[tuple[Any, ...]] = []
    size = 0
    for row in cursor:
        for value in row:
            size += _ROW_OVERHEAD + (len(value) if isinstance(value, str | bytes) else 0)
        if size > MAX_RESULT_BYTES:
            limit = MAX_RESULT_BYTES // (1024 * 1024)
            raise _TooBig(f"stopped by a size limit: the result holds more than {limit} MiB")
        rows.append(row)
    return rows


def _row(names: list[str], values: tuple[Any, ...]) -> Row:
    row = dict(zip(names, values, strict=True))
    if bytes in map(type, values):  # rare: JSON Schema sees JSON types only
        row = {name: _plain(value) for name, value in row.items()}
    return row


def _plain(value: Any) -> Any:
    # A BLOB is shown as hex text.
    return value.hex() if isinstance(value, bytes) else value

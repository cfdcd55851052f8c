"""What SQL run on the user's behalf may do, for how long, and how much.

Three kinds of SQL reach the database: the schema (``schema.sql``, and
migrations), the spec's operations, and the engine's own read-backs and
introspection. All run under a :class:`Guard`:

* an authorizer refuses ``ATTACH``/``DETACH``, ``load_extension`` and the
  like, ``writable_schema``, and every pragma outside an allow-list; in
  operations also transaction control (each call is already a transaction)
  and any pragma that changes a setting, so spec SQL can never switch
  ``foreign_keys`` off and a foreign-key criterion cannot pass by accident;
* a progress handler stops a statement that runs past its time limit, so a
  runaway query (an unbounded recursive CTE, also behind a view the engine
  reads) costs one check, not the run;
* size limits (``setlimit``, ``max_page_count`` of the main and the temporary
  database) keep one step from exhausting memory or disk.

The engine's own statements run in mode ``engine``: bounded in time, not
restricted by the authorizer. Savepoints run outside any mode.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from typing import Literal

from .. import sqltext
from ..session import Access

Mode = Literal["schema", "operation", "query", "engine"]
"""``schema``: schema files and migrations; ``operation``: the spec's calls;
``query``: read-only user SQL (invariants); ``engine``: the engine's own reads."""

QUERY_PRAGMAS = frozenset(
    {
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
        "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
        "collation_list", "function_list", "module_list", "pragma_list", "database_list",
        "compile_options",
    }
)  # fmt: skip
"""Pragmas that only read, whatever their argument (a table or index name)."""

READABLE_SETTINGS = frozenset(
    {
        "foreign_keys", "user_version", "application_id", "schema_version", "page_size",
        "page_count", "freelist_count", "encoding", "journal_mode", "data_version",
        "recursive_triggers", "defer_foreign_keys", "auto_vacuum", "max_page_count",
    }
)  # fmt: skip
"""Settings that operations may read (``PRAGMA user_version``) but never change."""

SCHEMA_SETTINGS = frozenset(
    {
        "foreign_keys", "journal_mode", "user_version", "application_id", "encoding",
        "page_size", "auto_vacuum", "recursive_triggers", "synchronous", "cache_size",
    }
)  # fmt: skip
"""Settings a schema file may set, as schema files commonly do. ``foreign_keys``
is switched back on after the schema whatever the schema says."""

REFUSED_FUNCTIONS = frozenset({"load_extension", "readfile", "writefile", "fts3_tokenizer"})

_LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: 16 * 1024 * 1024,  # one string or blob
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 1024 * 1024,  # one statement's text
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
    sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH: 100,
}
_LIMIT_ERRORS = frozenset({"SQLITE_TOOBIG", "SQLITE_FULL", "SQLITE_NOMEM"})
GROWTH_BYTES = 256 * 1024 * 1024
"""How much the main database may grow beyond its size when the guard is
installed, whatever page size a schema picks; the temporary database
(``CREATE TEMP TABLE``) may hold as much."""


class Guard:
    """Installed on a connection; restricts the SQL run inside :meth:`user`."""

    def __init__(self, connection: sqlite3.Connection, step_timeout: float) -> None:
        self.connection = connection
        self.step_timeout = step_timeout
        self.mode: Mode | None = None
        self.denied: str | None = None
        self.timed_out = False
        self.stopping = False
        """Set from another thread (:meth:`stop`): every statement stops at once."""
        self.pending: BaseException | None = None
        """An exception raised inside a callback, where sqlite3 would swallow it;
        it is raised again once the statement has stopped."""
        self.deadline = 0.0
        """When the statement running now must stop (``time.monotonic()``)."""
        self.limit = step_timeout
        """The time limit of the statement running now."""
        self.footprint: list[tuple[int, str]] | None = None
        """While set, every table read or written by statements being prepared."""
        self.access: Access | None = None
        """While set, what the user's and the engine's statements touch (``--coverage``).
        Statements are recorded as they are prepared: a statement the connection's
        cache prepared before recording began is not seen again."""
        self.schema_changes = 0
        """How many times the authorizer was asked about an action that can change a
        schema (CREATE, DROP, ALTER, ANALYZE, ATTACH, DETACH), in any mode. It is
        asked whenever a statement is prepared, and SQLite prepares a cached
        statement again before running it on a schema changed since."""
        for limit, value in _LIMITS.items():
            connection.setlimit(limit, value)
        self.base_bytes = _size(connection, "main")
        self.cap_growth()
        connection.set_authorizer(self._authorize)
        connection.set_progress_handler(self._progress, 10_000)

    def cap_growth(self) -> None:
        """(Re)apply the size caps in pages of the current page size: a schema may
        change the page size, which must not lift the cap."""
        connection = self.connection
        for schema, allowed in (("main", self.base_bytes + GROWTH_BYTES), ("temp", GROWTH_BYTES)):
            page_size = connection.execute(f"PRAGMA {schema}.page_size").fetchone()[0]
            pages = max(allowed // page_size, 1)
            connection.execute(f"PRAGMA {schema}.max_page_count = {pages}")

    def user(self, mode: Mode, timeout: float | None = None) -> Guard:
        """``with guard.user(mode):`` runs the enclosed statements as SQL of kind
        ``mode`` (a plain context manager: this runs for every statement), for at
        most ``timeout`` seconds (default: the step timeout)."""
        self.mode, self.denied, self.timed_out = mode, None, False
        self.limit = self.step_timeout if timeout is None else timeout
        self.deadline = time.monotonic() + self.limit
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        self.mode = None
        self.raise_pending()

    def raise_pending(self) -> None:
        """Raise the exception a callback caught."""
        pending, self.pending = self.pending, None
        if pending is not None:
            raise pending

    def stop(self) -> None:
        """From another thread: stop the statement running now and every later one."""
        self.stopping = True
        self.connection.interrupt()

    def overdue(self, grace: float) -> bool:
        """From another thread: whether the statement running now is ``grace``
        seconds past its deadline, which the progress handler would have
        prevented: it is stuck inside one call of an SQL function."""
        return self.mode is not None and time.monotonic() > self.deadline + grace

    def blocked(self, error: sqlite3.Error) -> bool:
        """Whether the guard, not the schema, stopped the statement: a time or
        size limit, or refused SQL. The check then could not run."""
        name = getattr(error, "sqlite_errorname", "")
        return self.timed_out or self.denied is not None or name in _LIMIT_ERRORS

    def explain(self, error: sqlite3.Error) -> str:
        """The message for an error raised inside :meth:`user`: why the guard
        stopped the statement, or SQLite's own message."""
        message = " ".join(str(error).split())  # SQLite quotes multi-line CHECKs
        if self.timed_out:
            option = "--step-timeout" if self.limit == self.step_timeout else "--audit-timeout"
            return f"timed out after {round(self.limit * 1000)} ms ({option})"
        if self.denied is not None:
            return f"refused: {self.denied}"
        if getattr(error, "sqlite_errorname", "") in _LIMIT_ERRORS:
            return f"stopped by a size limit: {message}"
        return message

    def _progress(self) -> int:
        # A signal handler runs at the next Python bytecode, which is often this
        # callback; sqlite3 would swallow its exception, so keep it and stop.
        try:
            if self.stopping:
                return 1
            if self.mode is not None and time.monotonic() > self.deadline:
                self.timed_out = True
                return 1
        except BaseException as exc:
            self.pending = exc
            return 1
        return 0

    def _authorize(
        self, action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None
    ) -> int:
        try:
            if action in _SCHEMA_CHANGES:
                self.schema_changes += 1
            if self.footprint is not None and arg1 and action in TABLE_ACCESS:
                self.footprint.append((action, arg1))
            if self.access is not None and self.mode not in (None, "schema"):
                _record(self.access, action, arg1, arg2, _trigger)
            if self.mode is None or self.mode == "engine":
                return sqlite3.SQLITE_OK
            reason = refusal(self.mode, action, arg1, arg2)
        except BaseException as exc:  # see _progress
            self.pending = exc
            return sqlite3.SQLITE_DENY
        if reason is None:
            return sqlite3.SQLITE_OK
        self.denied = reason
        return sqlite3.SQLITE_DENY


def _record(
    access: Access, action: int, arg1: str | None, arg2: str | None, trigger: str | None
) -> None:
    """Add one authorizer question to ``access``."""
    if trigger:
        access.triggers.add(trigger.casefold())
    if not arg1 or arg1.startswith("sqlite_"):
        return
    table = arg1.casefold()
    if action == sqlite3.SQLITE_READ and arg2:
        access.reads.add((table, arg2.casefold()))
    elif action == sqlite3.SQLITE_UPDATE and arg2:
        access.updates.add((table, arg2.casefold()))
    elif action == sqlite3.SQLITE_INSERT:
        access.inserts.add(table)
    elif action == sqlite3.SQLITE_DELETE:
        access.deletes.add(table)


def _size(connection: sqlite3.Connection, schema: str) -> int:
    page_size = connection.execute(f"PRAGMA {schema}.page_size").fetchone()[0]
    pages = connection.execute(f"PRAGMA {schema}.page_count").fetchone()[0]
    return int(page_size) * int(pages)


def refusal(mode: Mode, action: int, arg1: str | None, arg2: str | None) -> str | None:
    """Why user SQL of kind ``mode`` may not do ``action``, or None if it may."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return "ATTACH and DETACH are not allowed: a spec works on its own database only"
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return f"the function {arg2}() is not allowed"
    if action == sqlite3.SQLITE_PRAGMA:
        return pragma_refusal(mode, (arg1 or "").lower(), arg2)
    if mode == "query" and action not in _READ_ACTIONS:
        return "a query may only read: it must not write, create, drop or change settings"
    if mode != "schema" and action in (sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT):
        return (
            "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) is not allowed "
            "in operations: every call already runs in its own transaction"
        )
    return None


TABLE_ACCESS = frozenset(
    {sqlite3.SQLITE_READ, sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
)

_SCHEMA_CHANGES = frozenset(
    {
        sqlite3.SQLITE_CREATE_INDEX, sqlite3.SQLITE_CREATE_TABLE, sqlite3.SQLITE_CREATE_TEMP_INDEX,
        sqlite3.SQLITE_CREATE_TEMP_TABLE, sqlite3.SQLITE_CREATE_TEMP_TRIGGER,
        sqlite3.SQLITE_CREATE_TEMP_VIEW, sqlite3.SQLITE_CREATE_TRIGGER, sqlite3.SQLITE_CREATE_VIEW,
        sqlite3.SQLITE_CREATE_VTABLE, sqlite3.SQLITE_DROP_INDEX, sqlite3.SQLITE_DROP_TABLE,
        sqlite3.SQLITE_DROP_TEMP_INDEX, sqlite3.SQLITE_DROP_TEMP_TABLE,
        sqlite3.SQLITE_DROP_TEMP_TRIGGER, sqlite3.SQLITE_DROP_TEMP_VIEW,
        sqlite3.SQLITE_DROP_TRIGGER,
        sqlite3.SQLITE_DROP_VIEW, sqlite3.SQLITE_DROP_VTABLE, sqlite3.SQLITE_ALTER_TABLE,
        sqlite3.SQLITE_ANALYZE, sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH,
    }
)  # fmt: skip
"""Authorizer actions of statements that can change a schema."""

_READ_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)
"""What read-only user SQL (mode ``query``) may do, besides reading pragmas."""


def pragma_refusal(mode: Mode, name: str, value: str | None) -> str | None:
    """Why ``PRAGMA name [= value]`` is refused in ``mode``, or None."""
    if name == "writable_schema":
        return "PRAGMA writable_schema is not allowed"
    if name in QUERY_PRAGMAS or (value is None and name in READABLE_SETTINGS):
        return None
    if mode == "schema" and name in SCHEMA_SETTINGS:
        return None
    if mode != "schema" and name in READABLE_SETTINGS:
        return f"PRAGMA {name} may be read but not changed in {_PLACES[mode]}"
    return f"PRAGMA {name} is not on the allow-list"


_PLACES = {"operation": "operations", "query": "read-only queries", "engine": "the engine"}

_TRANSACTION_WORDS = frozenset({"begin", "commit", "end", "rollback", "savepoint", "release"})


def static_refusal(sql: str, mode: Mode) -> str | None:
    """Why ``sql`` would be refused, told before anything runs (the authorizer
    still guards what this reading of the text misses)."""
    words = [(kind, text) for kind, text in sqltext.tokens(sql)]
    if not words:
        return None
    first = words[0][1].lower()
    if first in ("attach", "detach"):
        return refusal(mode, sqlite3.SQLITE_ATTACH, None, None)
    if first in _TRANSACTION_WORDS:
        return refusal(mode, sqlite3.SQLITE_TRANSACTION, None, None)
    if first == "pragma":
        name, value = _pragma(words[1:])
        return pragma_refusal(mode, name.lower(), value)
    if mode == "query" and first not in ("select", "with", "values"):
        return refusal(mode, sqlite3.SQLITE_INSERT, None, None)
    for (_, word), (_, after) in itertools.pairwise(words):
        if after == "(" and word.lower() in REFUSED_FUNCTIONS:
            return refusal(mode, sqlite3.SQLITE_FUNCTION, None, word)
    return None


def _pragma(words: list[tuple[str, str]]) -> tuple[str, str | None]:
    """The name and argument of ``PRAGMA [schema.]name [= value | (value)]``."""
    texts = [text for _, text in words]
    if len(texts) >= 2 and texts[1] == ".":
        texts = texts[2:]
    if not texts:
        return "", None
    name, rest = texts[0], texts[1:]
    if rest and rest[0] in ("=", "("):
        value = rest[1] if len(rest) > 1 else ""
        return name, value.strip("'\"")
    return name, None

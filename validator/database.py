"""SQLite: open with foreign keys on, apply a schema, copy, introspect, classify.

Connections are opened with ``isolation_level=None`` so the ``sqlite3``
module never begins or commits a transaction behind our back; the engine
manages savepoints itself.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from . import sqltext
from .errors import Location, SchemaError
from .guard import DEFAULT_STEP_TIMEOUT, Guard


def connect(target: str = ":memory:") -> sqlite3.Connection:
    """A connection with foreign keys enforced and no implicit transactions."""
    connection = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA foreign_keys = ON")
    if connection.execute("PRAGMA foreign_keys").fetchone()[0] != 1:  # pragma: no cover
        raise SchemaError.at(Location(target), "this SQLite cannot enforce foreign keys")
    return connection


def apply_schema(guard: Guard, text: str, name: str) -> None:
    """Run ``text`` statement by statement under the guard's schema rules; an
    error names ``name:LINE``. Foreign keys are on afterwards, whatever the
    schema said."""
    connection = guard.connection
    for statement in sqltext.split(text):
        where = Location(name, statement.line + 1, 1)
        try:
            with guard.user("schema"):
                connection.execute(statement.sql).fetchall()
        except sqlite3.Error as exc:
            raise SchemaError.at(where, guard.explain(exc)) from None
        except sqlite3.Warning as exc:  # e.g. two statements where one was expected
            raise SchemaError.at(where, f"{exc}") from None
    if connection.in_transaction:  # a schema that opened a transaction and left it open
        connection.execute("COMMIT")
    _foreign_keys_on(connection, Location(name))
    guard.deferred_tables = deferred_tables(connection)


def _foreign_keys_on(connection: sqlite3.Connection, where: Location) -> None:
    connection.execute("PRAGMA foreign_keys = ON")
    if connection.execute("PRAGMA foreign_keys").fetchone()[0] != 1:  # pragma: no cover
        raise SchemaError.at(where, "foreign keys cannot be switched on")


def load_schema(text: str, name: str, step_timeout: float = DEFAULT_STEP_TIMEOUT) -> Guard:
    """A fresh in-memory database with the schema ``text`` (read from ``name``)
    applied, guarded for user SQL."""
    connection = connect()
    try:
        guard = Guard(connection, step_timeout)
        apply_schema(guard, text, name)
    except BaseException:
        connection.close()
        raise
    return guard


SQLITE_HEADER = b"SQLite format 3\x00"
IN_MEMORY_LIMIT = 64 * 1024 * 1024
"""Databases up to this size are worked on in memory; larger ones in a temporary file."""

_COMPANIONS = ("-wal", "-journal")
"""Files SQLite keeps beside a database that hold committed (or to-be-undone) pages."""


def _stamps(path: Path) -> list[tuple[int, int] | None]:
    stamps: list[tuple[int, int] | None] = []
    for suffix in ("", *_COMPANIONS):
        try:
            status = Path(f"{path}{suffix}").stat()
        except FileNotFoundError:
            stamps.append(None)
        else:
            stamps.append((status.st_size, status.st_mtime_ns))
    return stamps


def open_copy(
    path: Path,
    name: str,
    workdir: Path,
    step_timeout: float = DEFAULT_STEP_TIMEOUT,
    attempts: int = 5,
) -> Guard:
    """A private working copy of the database at ``path``, foreign keys on.

    The original is only ever read, byte by byte, and never opened with
    SQLite: even a read-only SQLite connection writes its read marks into a
    WAL database's ``-shm`` file. The database and its ``-wal``/``-journal``
    are copied into ``workdir`` (again if they changed meanwhile), SQLite
    recovers the copy there, and ``PRAGMA quick_check`` must pass. Small
    databases are then moved into memory with the backup API.
    """
    where = Location(name)
    if not path.exists():
        raise SchemaError.at(where, "no such database file")
    if path.is_dir():
        raise SchemaError.at(where, "is a directory, expected an SQLite database file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise SchemaError.at(where, f"cannot read: {exc.strerror or exc}") from None
    if header != SQLITE_HEADER:
        found = "an empty file" if not header else "no SQLite header"
        raise SchemaError.at(where, f"not an SQLite database ({found})")
    import shutil  # only --db needs it

    copy = workdir / "database.sqlite"
    for _ in range(attempts):
        before = _stamps(path)
        for suffix in ("", *_COMPANIONS):
            source = Path(f"{path}{suffix}")
            if source.exists():
                shutil.copyfile(source, f"{copy}{suffix}")
        if _stamps(path) == before:
            break
    else:
        raise SchemaError.at(where, "the database kept changing while it was copied; try again")
    connection = connect(str(copy))
    try:
        problems = [row[0] for row in connection.execute("PRAGMA quick_check").fetchmany(3)]
        if problems != ["ok"]:
            reason = "; ".join(" ".join(str(problem).split()) for problem in problems)
            raise SchemaError.at(where, f"the database is corrupt: {reason}")
        if copy.stat().st_size <= IN_MEMORY_LIMIT:
            memory = connect()
            connection.backup(memory)
            connection.close()
            connection = memory
        else:
            # Rollback journal in memory: the copy is private and thrown away.
            connection.execute("PRAGMA journal_mode = MEMORY")
            connection.execute("PRAGMA synchronous = OFF")
        guard = Guard(connection, step_timeout)
        guard.deferred_tables = deferred_tables(connection)
        return guard
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise SchemaError.at(where, f"the database is corrupt or unreadable: {exc}") from None
    except BaseException:
        connection.close()
        raise


# -- introspection --------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column as ``PRAGMA table_xinfo`` reports it."""

    name: str
    type: str
    not_null: bool
    default: str | None
    primary_key: int
    hidden: int


@dataclass(frozen=True)
class ForeignKey:
    """One column of a foreign key as ``PRAGMA foreign_key_list`` reports it."""

    id: int
    column: str
    table: str
    target: str | None
    on_update: str
    on_delete: str


@dataclass(frozen=True)
class Index:
    name: str
    unique: bool
    origin: str
    partial: bool
    columns: tuple[str | None, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...]
    indexes: tuple[Index, ...]

    def column(self, name: str) -> Column | None:
        folded = name.casefold()
        return next((c for c in self.columns if c.name.casefold() == folded), None)

    @property
    def primary_key(self) -> tuple[str, ...]:
        keyed = sorted((c for c in self.columns if c.primary_key), key=lambda c: c.primary_key)
        return tuple(c.name for c in keyed)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def table_names(connection: sqlite3.Connection) -> dict[str, str]:
    """Casefolded name -> real name of every table (not views)."""
    rows = connection.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {name.casefold(): name for (name,) in rows}


def introspect(connection: sqlite3.Connection, name: str) -> Table | None:
    """The structure of table ``name`` (case-insensitive), or None if absent."""
    real = table_names(connection).get(name.casefold())
    if real is None:
        return None
    quoted = quote(real)
    columns = tuple(
        Column(row[1], row[2] or "", bool(row[3]), row[4], row[5], row[6])
        for row in connection.execute(f"PRAGMA table_xinfo({quoted})")
    )
    foreign_keys = tuple(
        ForeignKey(row[0], row[3], row[2], row[4], row[5], row[6])
        for row in connection.execute(f"PRAGMA foreign_key_list({quoted})")
    )
    indexes = []
    for row in connection.execute(f"PRAGMA index_list({quoted})").fetchall():
        index_columns = tuple(
            info[2] for info in connection.execute(f"PRAGMA index_info({quote(row[1])})")
        )
        indexes.append(Index(row[1], bool(row[2]), row[3], bool(row[4]), index_columns))
    return Table(real, columns, foreign_keys, tuple(indexes))


_DEFERRED = re.compile(r"\bDEFERRABLE\s+INITIALLY\s+DEFERRED\b", re.IGNORECASE)


def deferred_tables(connection: sqlite3.Connection) -> tuple[str, ...]:
    """Tables with a foreign key checked only at commit (``DEFERRABLE INITIALLY DEFERRED``)."""
    rows = connection.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table'")
    return tuple(name for name, sql in rows if sql and _DEFERRED.search(sql))


def foreign_key_violations(connection: sqlite3.Connection, tables: tuple[str, ...]) -> int:
    """How many rows of ``tables`` break a foreign key right now."""
    return sum(
        len(connection.execute(f"PRAGMA foreign_key_check({quote(table)})").fetchall())
        for table in tables
    )


# -- errors ---------------------------------------------------------------

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


def error_kind(error: sqlite3.Error) -> str | None:
    """The constraint kind of a refusal (``foreign_key``, ``unique``, ...).

    Classified from SQLite's extended result code, not from the message text;
    ``constraint`` for other constraint failures, None when the error is not
    a constraint refusal at all (syntax, missing table, ...).
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


def matches(expected: str, found: str | None) -> bool:
    """Whether a refusal of kind ``found`` satisfies ``raises: expected``.

    A primary key is a unique key, so ``unique`` accepts both; ``constraint``
    accepts any constraint refusal.
    """
    if found is None:
        return False
    if expected == "constraint" or expected == found:
        return True
    return expected == "unique" and found == "primary_key"

"""The SQLite backend: open a :class:`~validator.sqlite.session.SqliteSession` on a
fresh database built from a schema, or on a private copy of an existing one.

Foreign keys are on while the schema is applied (a schema may switch them off
for its own statements, e.g. to rebuild a table) and on again afterwards,
whatever the schema said; so are isolation (a rollback journal) and the size
caps, whatever page size or journal mode the schema chose.
"""

from __future__ import annotations

import errno
import functools
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .. import files, sqltext
from ..errors import Location, SchemaError
from ..session import DEFAULT_STEP_TIMEOUT, Watched
from .classify import CORRUPT
from .guard import Guard
from .integrity import Integrity, Reads, check
from .session import SqliteSession

__all__ = ["Integrity", "Reads", "SqliteSession", "open_copy", "open_schema"]


def connect(target: str = ":memory:") -> sqlite3.Connection:
    """A connection with foreign keys enforced and no implicit transactions.

    TEXT that is not valid UTF-8 (SQLite stores what it is given) is read with
    U+FFFD for the bytes that cannot be decoded, instead of stopping the read.
    """
    connection = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    connection.text_factory = _text
    _no_string_fallback(connection)
    _foreign_keys_on(connection, Location(target))
    return connection


def _no_string_fallback(connection: sqlite3.Connection) -> None:
    """Where Python and SQLite allow it (Python 3.12+), switch off SQLite's
    reading of an unknown double-quoted name as a string in statements that
    read or write data (``SELECT "no_such_column"`` is then an error, not the
    text 'no_such_column'). Schemas keep it: old schemas write string
    literals in double quotes. On older Pythons the engine's own SQL never
    depends on it: every name is resolved against the database first."""
    setconfig = getattr(connection, "setconfig", None)
    option = getattr(sqlite3, "SQLITE_DBCONFIG_DQS_DML", None)
    if setconfig is not None and option is not None:
        setconfig(option, False)


_text = functools.partial(str, encoding="utf-8", errors="replace")
"""``raw.decode("utf-8", "replace")`` called from C: this runs for every text
value read, which a Python function made a few percent of a run."""


def _foreign_keys_on(connection: sqlite3.Connection, where: Location) -> None:
    connection.execute("PRAGMA foreign_keys = ON")
    if connection.execute("PRAGMA foreign_keys").fetchone()[0] != 1:  # pragma: no cover
        raise SchemaError.at(where, "this SQLite cannot enforce foreign keys")


Watch = Callable[[Watched], None]
"""Told of a session as soon as it exists, before anything runs on it (a watchdog)."""


class _Checking:
    """A connection being checked before its session exists: it can be stopped,
    and is never overdue (checking a big file takes as long as it takes)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.current: Location | None = None

    def interrupt(self) -> None:
        self.connection.interrupt()

    def overdue(self, _grace: float) -> bool:
        return False


def open_schema(
    text: str,
    name: str,
    step_timeout: float = DEFAULT_STEP_TIMEOUT,
    watch: Watch | None = None,
) -> SqliteSession:
    """A fresh in-memory database with the schema ``text`` (read from ``name``)
    applied, guarded for user SQL."""
    connection = connect()
    try:
        connection.execute("PRAGMA temp_store = MEMORY")  # TEMP tables too stay in memory
        session = SqliteSession(connection, Guard(connection, step_timeout), name)
        if watch is not None:
            watch(session)
        session.apply(text, name)
        return session
    except BaseException:
        connection.close()
        raise


SQLITE_HEADER = b"SQLite format 3\x00"
DESERIALIZE_LIMIT = 32 * 1024 * 1024
"""A copy up to this size with no ``-wal`` or ``-journal`` is read into memory in one
piece (``deserialize``: one read of its bytes instead of a file SQLite opens, checks
and then backs up into memory); Python copies the bytes once more, so memory briefly
holds two copies, hence half the in-memory limit."""
IN_MEMORY_LIMIT = 64 * 1024 * 1024
"""Databases up to this size are worked on in memory; larger ones in a temporary file."""

COMPANIONS = ("-wal", "-journal")
"""Files SQLite keeps beside a database that hold committed (or to-be-undone) pages."""

_CHUNK = 1024 * 1024
_KERNEL_CHUNK = 64 * 1024 * 1024
_NO_KERNEL_COPY = frozenset(
    {errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM}
)
"""Errors of ``copy_file_range`` that mean "not here" (another file system, an old kernel)."""


def _copy(source: Path, shown: str, target: Path) -> None:
    """Copy ``source`` (a regular file, else refused at ``shown``) to ``target``."""
    with files.open_regular(source, shown, SchemaError, "an SQLite file") as handle:
        try:
            with target.open("wb") as sink:
                if not _copy_in_kernel(handle, sink):
                    while chunk := handle.read(_CHUNK):
                        sink.write(chunk)
        except OSError as exc:
            raise SchemaError.at(Location(shown), f"cannot copy: {exc.strerror or exc}") from None


def _copy_in_kernel(source: BinaryIO, target: BinaryIO) -> bool:
    """Copy with ``copy_file_range`` where the system has it: the kernel reads the
    bytes (the original is still only read, never opened with SQLite) without
    passing them through this process, 2-3x faster than a read/write loop at
    1 GiB. False, with nothing written, where it is not available (the caller
    then copies by chunks); an error after some bytes were copied is raised."""
    copy_range = getattr(os, "copy_file_range", None)
    if copy_range is None:
        return False
    copied = 0
    while True:
        try:
            count = copy_range(source.fileno(), target.fileno(), _KERNEL_CHUNK)
        except OSError as exc:
            if copied == 0 and exc.errno in _NO_KERNEL_COPY:
                return False
            raise
        if count == 0:
            return True
        copied += count


def _stamps(path: Path) -> list[tuple[int, int] | None]:
    stamps: list[tuple[int, int] | None] = []
    for suffix in ("", *COMPANIONS):
        try:
            status = Path(f"{path}{suffix}").stat()
        except FileNotFoundError:
            stamps.append(None)
        else:
            stamps.append((status.st_size, status.st_mtime_ns))
    return stamps


def _header(path: Path, where: Location) -> None:
    with files.open_regular(path, where.file, SchemaError, "an SQLite database file") as handle:
        try:
            header = handle.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise SchemaError.at(where, f"cannot read: {exc.strerror or exc}") from None
    if header != SQLITE_HEADER:
        found = "an empty file" if not header else "no SQLite header"
        raise SchemaError.at(where, f"not an SQLite database ({found})")


def copy_files(path: Path, name: str, workdir: Path, attempts: int = 5) -> Path:
    """Copy the database at ``path`` (through any symlink: its real file) and its
    ``-wal``/``-journal`` into ``workdir``, again if they change meanwhile; the
    original is only read. Returns the copy's path."""
    where = Location(name)
    if not path.exists() and not path.is_symlink():
        raise SchemaError.at(where, "no such database file")
    try:
        real = path.resolve(strict=True)  # companions sit beside the real file, not the link
    except (OSError, RuntimeError) as exc:
        raise SchemaError.at(where, f"cannot resolve the path: {exc}") from None
    if real.is_dir():
        raise SchemaError.at(where, "is a directory, expected an SQLite database file")
    _header(real, where)
    copy = workdir / "database.sqlite"
    for _ in range(attempts):
        before = _stamps(real)
        for suffix in ("", *COMPANIONS):
            source = Path(f"{real}{suffix}")
            if os.path.lexists(source):
                _copy(source, f"{name}{suffix}", Path(f"{copy}{suffix}"))
            else:
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
        if _stamps(real) == before:
            return copy
    raise SchemaError.at(where, "the database kept changing while it was copied; try again")


def open_copy(
    path: Path,
    name: str,
    workdir: Path,
    step_timeout: float = DEFAULT_STEP_TIMEOUT,
    watch: Watch | None = None,
    reads: Reads | None = None,
) -> SqliteSession:
    """A private working copy of the database at ``path``, foreign keys on.

    The original is only ever read, byte by byte, and never opened with
    SQLite: even a read-only SQLite connection writes its read marks into a
    WAL database's ``-shm`` file. SQLite recovers the copy in ``workdir``,
    ``PRAGMA quick_check`` must find no damage (of the whole file, or with
    ``reads`` of the tables the run reads and writes), and small databases
    are then moved into memory with the backup API.
    """
    copy = copy_files(path, name, workdir)
    return open_copied(copy, Location(name), workdir, step_timeout, watch, reads)


def open_copied(
    copy: Path,
    where: Location,
    workdir: Path,
    step_timeout: float = DEFAULT_STEP_TIMEOUT,
    watch: Watch | None = None,
    reads: Reads | None = None,
) -> SqliteSession:
    """A session on the private copy ``copy`` made by :func:`copy_files` (again
    after a run had to give up a connection); its :attr:`~SqliteSession.integrity`
    says which check it passed."""
    in_memory = _deserializable(copy)
    connection = connect() if in_memory else connect(str(copy))
    try:
        if in_memory:
            connection.execute("PRAGMA temp_store = MEMORY")
        else:
            connection.execute(f"PRAGMA temp_store_directory = {sqltext.string(str(workdir))}")
        if watch is not None:
            watch(_Checking(connection))  # a long check of a big file can still be stopped
        if in_memory:
            connection.deserialize(_read_without_wal_mode(copy))
        integrity = check(connection, where, reads)
        if not in_memory and copy.stat().st_size > IN_MEMORY_LIMIT:
            # Rollback journal in memory: the copy is private and thrown away.
            connection.execute("PRAGMA journal_mode = MEMORY")
            connection.execute("PRAGMA synchronous = OFF")
            session = _session(connection, step_timeout, where, watch)
            session.owns_temp_directory = True
            session.integrity = integrity
            return session
        if not in_memory:
            memory = connect()
            connection.backup(memory)
            connection.execute("PRAGMA temp_store_directory = ''")
            connection.close()
            connection = memory
            connection.execute("PRAGMA temp_store = MEMORY")
        session = _session(connection, step_timeout, where, watch)
        session.integrity = integrity
        return session
    except sqlite3.DatabaseError as exc:
        connection.close()
        name = getattr(exc, "sqlite_errorname", "")
        what = "corrupt" if name in CORRUPT else "corrupt or unreadable"
        raise SchemaError.at(where, f"the database is {what}: {exc}") from None
    except BaseException:
        connection.close()
        raise


def _deserializable(copy: Path) -> bool:
    if not hasattr(sqlite3.Connection, "deserialize"):  # pragma: no cover - SQLite < 3.23
        return False
    if any(os.path.lexists(f"{copy}{suffix}") for suffix in COMPANIONS):
        return False  # SQLite must recover it from its companion, on disk
    return copy.stat().st_size <= DESERIALIZE_LIMIT


def _read_without_wal_mode(copy: Path) -> bytearray:
    """The bytes of ``copy``; a WAL database's marked for a rollback journal
    (header bytes 18-19): with no ``-wal`` (there is none here) all its pages are
    in the file, and a database in memory has no shared memory for a WAL."""
    with copy.open("rb") as handle:
        data = bytearray(os.fstat(handle.fileno()).st_size)
        handle.readinto(data)
    if data[18:20] == b"\x02\x02":
        data[18:20] = b"\x01\x01"
    return data


def _session(
    connection: sqlite3.Connection, step_timeout: float, where: Location, watch: Watch | None
) -> SqliteSession:
    session = SqliteSession(connection, Guard(connection, step_timeout), where.file)
    if watch is not None:
        watch(session)
    return session

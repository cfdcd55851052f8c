"""The seam between the checks and a database: what a check may ask of one.

A :class:`Session` is the only object that talks to the database under test.
It owns the connection, the guard on user SQL (what it may do, for how long,
how much), isolation (scopes that are always rolled back), calls of the
spec's operations, the engine's own read-backs, introspection, dumps and the
classification of errors. Nothing under :mod:`validator.checks` writes SQL
text or imports a database driver: it asks a session.

SQLite is the one backend (:mod:`validator.sqlite`); a second one (PostgreSQL)
would be one more module implementing this class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import Location
from .results import Rows

DEFAULT_STEP_TIMEOUT = 5.0
"""Seconds one statement may run (``--step-timeout``), user SQL and the engine's own."""

Row = dict[str, Any]


class CallError(Exception):
    """A call (or a read) the database refused or could not run.

    ``kind`` is the constraint kind (``foreign_key``, ...) or None when the
    error is not a constraint refusal; ``blocked`` is true when the guard
    stopped the statement (time or size limit, refused SQL): the check could
    not run, which is not the same as the contract not holding.
    """

    def __init__(
        self, message: str, location: Location, kind: str | None, *, blocked: bool = False
    ) -> None:
        super().__init__(message)
        self.location = location
        self.kind = kind
        self.blocked = blocked


@dataclass(frozen=True)
class Footprint:
    """The tables a statement reads and writes (triggers and foreign-key actions
    included), casefolded."""

    reads: frozenset[str]
    writes: frozenset[str]


@dataclass
class Access:
    """What the checks of a run touched, recorded as their statements are prepared
    (``--coverage``). Names are casefolded. ``reads`` and ``updates`` are (table,
    column) pairs; ``inserts`` and ``deletes`` tables; ``triggers`` the triggers
    whose programs a statement runs (when its WHEN holds); ``introspected`` the
    tables whose structure a check asked for."""

    reads: set[tuple[str, str]] = field(default_factory=set)
    updates: set[tuple[str, str]] = field(default_factory=set)
    inserts: set[str] = field(default_factory=set)
    deletes: set[str] = field(default_factory=set)
    triggers: set[str] = field(default_factory=set)
    introspected: set[str] = field(default_factory=set)

    def tables(self) -> set[str]:
        """Every table read or written."""
        touched = {table for table, _ in self.reads | self.updates}
        return touched | self.inserts | self.deletes


# -- rules over existing rows (the audit) ------------------------------------


@dataclass(frozen=True)
class InStates:
    """Every value of ``column`` is one of ``states`` (NULL is not a state)."""

    table: str
    column: str
    states: tuple[str, ...]


@dataclass(frozen=True)
class SetExactlyIn:
    """``column`` is non-null exactly in the rows whose ``state_column`` is in ``states``."""

    table: str
    state_column: str
    column: str
    states: tuple[str, ...]


@dataclass(frozen=True)
class NotBefore:
    """Where both are set, ``column`` is not earlier than ``other``."""

    table: str
    column: str
    other: str


@dataclass(frozen=True)
class NoNulls:
    table: str
    column: str


@dataclass(frozen=True)
class NoDuplicates:
    """No two rows share the values of ``columns`` (rows with a NULL among them aside)."""

    table: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class NoOrphans:
    """Every non-null ``column`` value is a ``parent_column`` value of ``parent``."""

    table: str
    column: str
    parent: str
    parent_column: str


@dataclass(frozen=True)
class ChecksHold:
    """Every CHECK constraint of ``table`` holds on every row."""

    table: str


Rule = InStates | SetExactlyIn | NotBefore | NoNulls | NoDuplicates | NoOrphans | ChecksHold


@dataclass(frozen=True)
class MigrationFailure:
    """Why a migration did not apply: where, SQLite's reason, and the rows that
    break it when they can be told."""

    location: Location
    message: str
    rows: Rows | None


class UnknownName(Exception):
    """A table or column the spec names does not exist in the database under test."""


# -- introspection --------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a table or view."""

    name: str
    type: str
    not_null: bool
    default: str | None
    primary_key: int
    """Position in the primary key (1-based), 0 when not part of it."""
    hidden: int


@dataclass(frozen=True)
class ForeignKey:
    """One column of a foreign key. ``target`` None: the parent's primary key."""

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
    view: bool = False

    def column(self, name: str) -> Column | None:
        folded = name.casefold()
        return next((c for c in self.columns if c.name.casefold() == folded), None)

    @property
    def primary_key(self) -> tuple[str, ...]:
        keyed = sorted((c for c in self.columns if c.primary_key), key=lambda c: c.primary_key)
        return tuple(c.name for c in keyed)

    def unique(self, columns: Sequence[str]) -> bool:
        """Whether exactly ``columns`` are a primary key or a (non-partial) unique index."""
        wanted = {c.casefold() for c in columns}
        if {c.casefold() for c in self.primary_key} == wanted:
            return True
        return any(
            index.unique
            and not index.partial
            and None not in index.columns
            and {str(c).casefold() for c in index.columns} == wanted
            for index in self.indexes
        )


@dataclass(frozen=True)
class BrokenForeignKey:
    """A foreign key the database cannot enforce: every write to ``table`` fails."""

    table: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    reason: str


class Watched(Protocol):
    """What a watchdog in another thread may do with a database being worked on."""

    current: Location | None
    """Where the statement running now comes from, when it is user SQL."""

    def interrupt(self) -> None:
        """Stop the statement running now, and every later one."""

    def overdue(self, grace: float) -> bool:
        """Whether the statement running now is ``grace`` seconds past its time
        limit: stuck inside one call of an SQL function, which cannot be stopped."""


class Session(ABC):
    """A database under test, as the checks see it."""

    name: str
    """What is checked, as reports show it (a schema file or a database)."""

    current: Location | None = None
    """Where the user statement running now comes from (for a watchdog)."""

    # -- isolation --------------------------------------------------------

    @abstractmethod
    def isolated(self) -> AbstractContextManager[None]:
        """A scope whose changes are always undone when it ends. Scopes nest."""

    @property
    @abstractmethod
    def intact(self) -> bool:
        """Whether every open scope still holds what was done in it (the database
        itself can end the transaction, e.g. ``RAISE(ROLLBACK)`` in a trigger)."""

    # -- user SQL ---------------------------------------------------------

    @abstractmethod
    def call(self, operation: Any, values: Mapping[str, Any]) -> Any:
        """Run one call of ``operation`` (a :class:`validator.model.Operation`)
        with bound ``values`` as the data layer's transaction; return its result
        (a row, a list of rows, or None). Raises :class:`CallError`."""

    # -- the engine's own questions ----------------------------------------

    @abstractmethod
    def table(self, name: str) -> Table | None:
        """The structure of table (or view) ``name``, case-insensitive, or None."""

    @abstractmethod
    def table_names(self) -> tuple[str, ...]:
        """The tables of the database, in the order they were made: ordinary and
        virtual ones, without views, the shadow tables of virtual ones, or the
        database's own (``sqlite_sequence``, ...)."""

    @abstractmethod
    def read(
        self, table: str, key: str, value: Any, columns: Sequence[str], where: Location
    ) -> list[Row]:
        """The rows of ``table`` whose ``key`` is ``value``, with ``columns`` only.
        Every name must exist (else :class:`UnknownName`); the read is bounded
        like a user statement (else :class:`CallError`, blocked)."""

    @abstractmethod
    def footprint(self, sql: str) -> Footprint:
        """What ``sql`` would read and write, found without running it."""

    @abstractmethod
    def violations(self, query: Any, timeout: float | None = None) -> Rows:
        """Run the read-only ``query`` (a :class:`validator.model.Sql`) and return
        the rows it finds: how many, and the first of them. Raises
        :class:`CallError` when it cannot run or tries to write. ``timeout``
        replaces the step timeout (a query over a whole database may need more)."""

    @abstractmethod
    def stream(self, query: Any, timeout: float | None = None) -> Iterator[tuple[Any, ...]]:
        """Every row ``query`` finds, one at a time (its first item: the column names)."""

    @abstractmethod
    def audit_queries(self, rule: Rule, where: Location) -> list[tuple[str, Any]]:
        """The queries that find the rows breaking ``rule`` (one per CHECK
        constraint for :class:`ChecksHold`, else one), each with a label, as
        :class:`validator.model.Sql` located at ``where``. Every name must
        exist, else :class:`UnknownName`. The rows found start with the key of
        each row (its primary key, or its rowid)."""

    @abstractmethod
    def broken_foreign_keys(self) -> list[BrokenForeignKey]:
        """Foreign keys whose parent key the database cannot enforce."""

    @abstractmethod
    def record(self, access: Access | None) -> None:
        """From now on, add what the user's and the engine's statements touch to
        ``access`` (None: stop recording). Applying a schema is never recorded."""

    @abstractmethod
    def dump(self) -> str:
        """The database as it is now, as a script that rebuilds it."""

    @abstractmethod
    def close(self) -> None:
        """Release the database (a session is not used after this)."""

    @abstractmethod
    def interrupt(self) -> None:
        """From another thread: stop the statement running now, and every later one."""

    @abstractmethod
    def overdue(self, grace: float) -> bool:
        """From another thread: whether the statement running now is ``grace``
        seconds past its time limit (stuck inside one call of an SQL function)."""

    @abstractmethod
    def migrate(self, text: str, name: str) -> MigrationFailure | None:
        """Apply the migration script ``text`` (from ``name``); None when it applied.
        A migration that fails is undone as far as its own transactions allow."""

    @abstractmethod
    def apply(self, text: str, name: str) -> None:
        """Run the SQL script ``text`` (a schema or a migration, from ``name``) under
        the guard; an error is a :class:`~validator.errors.SchemaError` located in it."""


def raises_matches(expected: str | Sequence[str], found: str | None) -> bool:
    """Whether a refusal of kind ``found`` (None: an error that is not a
    constraint refusal) satisfies ``raises: expected`` (one kind or several).

    A primary key is a unique key, so ``unique`` accepts both; ``constraint``
    accepts any constraint refusal; ``any`` accepts any error the database gives.
    """
    kinds = (expected,) if isinstance(expected, str) else expected
    return any(_kind_matches(kind, found) for kind in kinds)


def _kind_matches(expected: str, found: str | None) -> bool:
    if expected == "any":
        return True
    if found is None:
        return False
    if expected == "constraint" or expected == found:
        return True
    return expected == "unique" and found == "primary_key"


def describe_raises(kinds: Sequence[str]) -> str:
    """``raises`` as a finding says it: "a unique error", "a check or trigger error"."""
    if "any" in kinds:
        return "any database error"
    return f"a {' or '.join(kinds)} error"

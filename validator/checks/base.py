"""The contract every check kind keeps, and what a kind gets to run its checks.

A kind is a module with a ``SECTION``, a ``plan(spec, target)`` that lists its
checks without touching a database (``target`` says what the run checks), a
``units(planned)`` that groups the selected checks into units that run
together (one table, one source state, one criterion), and a
``check(spec, unit, context)`` that yields one result per planned check of the
unit, in order. The runner loops over the registry
(:data:`validator.checks.KINDS`) and knows no kind by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..model import Spec
from ..results import CheckResult, Finding, Planned, Section
from ..session import Session
from ..templates import Clock

Dump = Callable[[str, str], None]
"""Receives ``(check_id, sql)``: a check's final database state."""

Store = Callable[[str, Iterator[tuple[Any, ...]]], None]
"""Receives ``(check_id, rows)``: every row breaking a rule (the first item of
``rows`` is the column names), for ``--store-failures``."""


@dataclass(frozen=True)
class Migration:
    """An SQL script applied, in order, to the database before the checks run."""

    name: str
    """Its file name, as check ids and reports show it."""
    shown: str
    """Its path, as locations show it."""
    text: str


@dataclass(frozen=True)
class Target:
    """What a run checks, as far as planning needs to know it: whether existing
    rows are audited, and which migrations are rehearsed first."""

    audit: bool = False
    migrations: tuple[Migration, ...] = ()


@dataclass
class Context:
    """What a kind runs its checks with: the session, the run's clock, and where
    final states go when they are kept (``--dump``)."""

    session: Session
    clock: Clock
    dump: Dump | None = None
    store: Store | None = None
    audit_timeout: float | None = None
    """The time limit of a query over a whole database (invariants, audit)."""
    migrated: dict[str, list[Finding]] = field(default_factory=dict)
    """What applying each migration found (by check id): nothing when it applied."""


class Kind(Protocol):
    """A check kind (a module of :mod:`validator.checks`)."""

    SECTION: Section

    def plan(self, spec: Spec, target: Target) -> list[Planned]: ...

    def units(self, planned: Sequence[Planned]) -> list[list[Planned]]: ...

    def check(
        self, spec: Spec, unit: Sequence[Planned], context: Context
    ) -> Iterator[CheckResult]: ...


def one_each(planned: Sequence[Planned]) -> list[list[Planned]]:
    """Units of one check each (the default for kinds whose checks stand alone)."""
    return [[item] for item in planned]

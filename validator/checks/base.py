"""The contract every check kind keeps, and what a kind gets to run its checks.

A kind is a module with a ``SECTION``, a ``plan(spec)`` that lists its checks
without touching a database, a ``units(planned)`` that groups the selected
checks into units that run together (one table, one source state, one
criterion), and a ``check(spec, unit, context)`` that yields one result per
planned check of the unit, in order. The runner loops over the registry
(:data:`validator.checks.KINDS`) and knows no kind by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..model import Spec
from ..results import CheckResult, Planned, Section
from ..session import Session
from ..templates import Clock

Dump = Callable[[str, str], None]
"""Receives ``(check_id, sql)``: a check's final database state."""


@dataclass
class Context:
    """What a kind runs its checks with: the session, the run's clock, and where
    final states go when they are kept (``--dump``)."""

    session: Session
    clock: Clock
    dump: Dump | None = None


class Kind(Protocol):
    """A check kind (a module of :mod:`validator.checks`)."""

    SECTION: Section

    def plan(self, spec: Spec) -> list[Planned]: ...

    def units(self, planned: Sequence[Planned]) -> list[list[Planned]]: ...

    def check(
        self, spec: Spec, unit: Sequence[Planned], context: Context
    ) -> Iterator[CheckResult]: ...


def one_each(planned: Sequence[Planned]) -> list[list[Planned]]:
    """Units of one check each (the default for kinds whose checks stand alone)."""
    return [[item] for item in planned]

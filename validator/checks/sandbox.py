"""A fresh, isolated database for one check, with its fixtures built.

Every check that writes runs in its own copy of the schema database, so the
order of checks never changes a verdict and one check can run alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from .. import database
from ..model import Call, Spec
from ..operations import CallError, Executor
from ..results import Finding
from ..semantics import fixture_closure
from ..templates import Clock, Scope, TemplateError


class SetupError(Exception):
    """A fixture could not be built: the check could not run."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(str(finding))
        self.finding = finding


class Sandbox:
    """One fresh database copy, an executor on it and a scope of bindings."""

    def __init__(self, spec: Spec, template: sqlite3.Connection, clock: Clock) -> None:
        self.spec = spec
        self.connection = database.copy(template)
        self.executor = Executor(spec, self.connection)
        self.scope = Scope(clock)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.connection.close()

    def setup(self, names: Iterable[str]) -> None:
        """Build ``names`` and the fixtures they need, binding each result."""
        for name in fixture_closure(self.spec, names):
            fixture = self.spec.fixtures[name]
            try:
                self.scope.bindings[name] = self.executor.call(fixture.call, self.scope)
            except (CallError, TemplateError) as exc:
                where = exc.location if isinstance(exc, CallError) else fixture.call.location
                raise SetupError(
                    Finding(where, f"fixture {name!r} to build", f"{_kind(exc)}{exc}")
                ) from None

    def call(self, call: Call, **extra: Any) -> Any:
        """Run ``call`` with ``extra`` bound on top of the scope for this call only."""
        scope = self.scope.with_bindings(extra) if extra else self.scope
        return self.executor.call(call, scope)


def _kind(error: Exception) -> str:
    kind = getattr(error, "kind", None)
    return f"{kind} error: " if kind else "error: "

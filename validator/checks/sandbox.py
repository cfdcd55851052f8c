"""An isolated view of the working database for one check, with its fixtures built.

Every check runs inside a savepoint that is rolled back when it ends, so the
order of checks never changes a verdict and one check can run alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any

from ..guard import Guard
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
    """One check's view of the working database: a savepoint that is always
    rolled back, an executor on it and a scope of bindings.

    A database can end the transaction itself (``RAISE(ROLLBACK)`` in a trigger,
    ``ON CONFLICT ROLLBACK``); everything since the savepoint is then undone,
    and the next call opens a new one, so nothing ever outlives the check.
    """

    SAVEPOINT = "validator_check"

    def __init__(self, spec: Spec, guard: Guard, clock: Clock) -> None:
        self.spec = spec
        self.connection = connection = guard.connection
        self.executor = Executor(spec, guard)
        self.scope = Scope(clock)
        connection.execute(f"SAVEPOINT {self.SAVEPOINT}")

    @property
    def intact(self) -> bool:
        """Whether the savepoint (and so all this check did) is still there."""
        return self.connection.in_transaction

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.connection.in_transaction:
            self.connection.execute(f"ROLLBACK TO {self.SAVEPOINT}")
            self.connection.execute(f"RELEASE {self.SAVEPOINT}")

    def dump(self) -> str:
        """The database as this check leaves it, as SQL."""
        return "\n".join(self.connection.iterdump()) + "\n"

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
        if not self.intact:
            self.connection.execute(f"SAVEPOINT {self.SAVEPOINT}")
        scope = self.scope.with_bindings(extra) if extra else self.scope
        return self.executor.call(call, scope)


def _kind(error: Exception) -> str:
    kind = getattr(error, "kind", None)
    return f"{kind} error: " if kind else "error: "

"""An isolated view of the database under test for one check, with its fixtures built.

Every check runs inside a scope of the session that is rolled back when it
ends, so the order of checks never changes a verdict and one check can run alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

from . import sqltext
from .model import Call, Operation, Spec
from .operations import arguments
from .results import Finding
from .semantics import fixture_closure
from .session import CallError, Session
from .templates import Clock, Scope, TemplateError


class SetupError(Exception):
    """A fixture could not be built: the check could not run."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(str(finding))
        self.finding = finding


class Sandbox:
    """One check's view of the database: an isolated scope of the session that is
    always rolled back, and a scope of bindings.

    A database can end the transaction itself (``RAISE(ROLLBACK)`` in a trigger,
    ``ON CONFLICT ROLLBACK``); everything since the scope began is then undone,
    and the session opens it again for the next call, so nothing ever outlives
    the check.

    After every call that succeeded, the spec's invariants that read a table the
    call could have written are checked again; what they find waits in
    :meth:`broken` for the check to report.
    """

    def __init__(self, spec: Spec, session: Session, clock: Clock) -> None:
        self.spec = spec
        self.session = session
        self.scope = Scope(clock)
        self._isolation = session.isolated()
        self._broken: list[Finding] = []

    @property
    def intact(self) -> bool:
        """Whether everything this check did is still there."""
        return self.session.intact

    def __enter__(self) -> Sandbox:
        self._isolation.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._isolation.__exit__(kind, error, traceback)

    def setup(self, names: Iterable[str]) -> None:
        """Build ``names`` and the fixtures they need, binding each result."""
        for name in fixture_closure(self.spec, names):
            fixture = self.spec.fixtures[name]
            try:
                self.scope.bindings[name] = self.call(fixture.call, step=f"fixture {name}")
            except (CallError, TemplateError) as exc:
                where = exc.location if isinstance(exc, CallError) else fixture.call.location
                raise SetupError(
                    Finding(
                        where, f"fixture {name!r} to build", f"{_kind(exc)}{exc}", blocking=True
                    )
                ) from None

    def call(self, call: Call, extra: Mapping[str, Any] | None = None, step: str = "") -> Any:
        """Run ``call`` with ``extra`` bound on top of the scope for this call only;
        ``step`` names the call in what the invariants find after it."""
        scope = self.scope.with_bindings(extra) if extra else self.scope
        operation = self.spec.operations[call.operation]
        result = self.session.call(operation, arguments(operation, call, scope))
        if self.spec.invariants:
            self._recheck(operation, call, step)
        return result

    def broken(self) -> list[Finding]:
        """What the invariants found after the calls since the last time asked."""
        found = self._broken
        self._broken = []
        return found

    def _recheck(self, operation: Operation, call: Call, step: str) -> None:
        session = self.session
        writes: set[str] = set()
        for statement in operation.statements:
            writes |= session.footprint(sqltext.render(statement.text)).writes
        if not writes:
            return
        for invariant in self.spec.invariants:
            if not session.footprint(invariant.query.text).reads & writes:
                continue
            try:
                rows = session.violations(invariant.query)
            except CallError:
                continue  # the invariant's own check says why it cannot run
            if rows.count:
                self._broken.append(
                    Finding(
                        call.location,
                        f"invariant {invariant.key} ({invariant.title}) to hold after the call",
                        f"{rows} breaking it",
                        step,
                        warning=invariant.severity == "warn",
                        rows=rows,
                    )
                )


def _kind(error: Exception) -> str:
    kind = getattr(error, "kind", None)
    return f"{kind} error: " if kind else "error: "

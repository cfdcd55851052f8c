"""An isolated view of the database under test for one check, with its fixtures built.

Every check runs inside a scope of the session that is rolled back when it
ends, so the order of checks never changes a verdict and one check can run alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from weakref import WeakKeyDictionary

from . import sqltext
from .model import Call, Operation, Spec
from .operations import arguments
from .results import SAMPLE_ROWS, Finding, Rows
from .semantics import fixture_closure
from .session import CallError, Session
from .templates import Clock, Scope, TemplateError

KNOWN_ROWS = 10_000
"""How many rows breaking an invariant before any check are remembered one by one;
past that, a call is blamed when it leaves more of them than there were."""


@dataclass(frozen=True)
class _Known:
    """What an invariant finds on the database under test before a check writes:
    rows an existing database (``--db``) already holds, which no call is to blame for."""

    count: int
    rows: frozenset[tuple[Any, ...]] | None  # None: more than KNOWN_ROWS of them


_known: WeakKeyDictionary[Session, dict[str, _Known | None]] = WeakKeyDictionary()


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
        if self.spec.invariants:
            self._remember()
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

    def _remember(self) -> None:
        """Read, once per session, what each invariant finds before any call."""
        known = _known.setdefault(self.session, {})
        for invariant in self.spec.invariants:
            if invariant.key in known:
                continue
            try:
                rows = self.session.stream(invariant.query)
                next(rows)
                count, seen = 0, set[tuple[Any, ...]]()
                for row in rows:
                    count += 1
                    if count <= KNOWN_ROWS:
                        seen.add(row)
                known[invariant.key] = _Known(
                    count, frozenset(seen) if count <= KNOWN_ROWS else None
                )
            except CallError:
                known[invariant.key] = None  # the invariant's own check says why

    def _recheck(self, operation: Operation, call: Call, step: str) -> None:
        session = self.session
        writes: set[str] = set()
        for statement in operation.statements:
            writes |= session.footprint(sqltext.render(statement.text)).writes
        if not writes:
            return
        known = _known.get(session, {})
        for invariant in self.spec.invariants:
            if not session.footprint(invariant.query.text).reads & writes:
                continue
            before = known.get(invariant.key)
            held = before is None or not before.count  # nothing broke it before the check
            try:
                if before is not None and before.count:
                    rows = _new(session.stream(invariant.query), before)
                else:
                    rows = session.violations(invariant.query)
            except CallError:
                continue  # the invariant's own check says why it cannot run
            if rows.count:
                self._broken.append(
                    Finding(
                        call.location,
                        f"invariant {invariant.key} ({invariant.title}) to hold after the call",
                        f"{rows} breaking it" + ("" if held else " that did not before the check"),
                        step,
                        warning=invariant.severity == "warn",
                        rows=rows,
                    )
                )


def _new(stream: Iterator[tuple[Any, ...]], before: _Known) -> Rows:
    """The rows of ``stream`` that were not there before (all of them, when there
    are more than before but too many were there to remember one by one)."""
    columns = next(stream)
    count, sample = 0, list[tuple[Any, ...]]()
    for row in stream:
        if before.rows is not None and row in before.rows:
            continue
        if count < SAMPLE_ROWS:
            sample.append(row)
        count += 1
    if before.rows is None and count <= before.count:
        return Rows(0, columns, ())
    return Rows(count, columns, tuple(sample))


def _kind(error: Exception) -> str:
    kind = getattr(error, "kind", None)
    return f"{kind} error: " if kind else "error: "

"""State machine checks, model-based.

For each state the engine reaches it from ``initial`` by a shortest path of
allowed transitions, then tries from there every allowed transition (it must
succeed, land in the target state and keep the timestamp rules) and, with
``reject_others``, every unlisted one (the database must refuse it). A
source state is reached once, in the check's savepoint; each attempt from it
runs in a nested savepoint that is rolled back, so one walk serves all the
attempts from that state. A value outside ``states`` must be refused too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from ..errors import Location
from ..model import Call, Spec, StateMachine, TimestampRule
from ..results import CheckResult, Finding, MachineSummary, Planned, Probe, Section
from ..sandbox import Sandbox, SetupError
from ..session import CallError, Session, UnknownName
from ..templates import TemplateError
from .base import Context, Target

SECTION: Section = "state_machines"


@dataclass(frozen=True)
class _Probe:
    """One check of a machine: a transition ``source -> target`` (or the start)."""

    machine: StateMachine
    source: str | None
    target: str
    allowed: bool
    unmet: bool = False
    """A guarded transition tried while its guard does not hold: must be refused."""


def plan(spec: Spec, _target: Target) -> list[Planned]:
    """Every state machine check, machine by machine, in a stable order."""
    return [planned for machine in spec.machines for planned in probes(spec, machine)]


def _probe(planned: Planned) -> _Probe:
    assert isinstance(planned.detail, _Probe)
    return planned.detail


def units(planned: Sequence[Planned]) -> list[list[Planned]]:
    """One unit per machine and source state: the state is reached once and every
    move from it is tried there."""
    groups: dict[tuple[str, str | None], list[Planned]] = {}
    for item in planned:
        probe = _probe(item)
        groups.setdefault((probe.machine.name, probe.source), []).append(item)
    return list(groups.values())


def check(spec: Spec, unit: Sequence[Planned], context: Context) -> Iterator[CheckResult]:
    """Run the checks of one machine from one source state."""
    machine = _probe(unit[0]).machine
    checker = _MachineChecker(spec, machine, context)
    findings = dict(checker.run_group(_probe(unit[0]).source, list(unit)))
    for planned in unit:
        yield planned.judge(findings[planned.id])


def summary(machine: StateMachine) -> MachineSummary:
    return MachineSummary(
        name=machine.name,
        states=machine.states,
        initial=machine.initial,
        terminal=machine.terminal,
        transitions=tuple((t.source, t.target) for t in machine.transitions),
    )


def outside_value(states: tuple[str, ...]) -> str:
    """A value that is not one of ``states``."""
    value = "not-a-state"
    while value in states:
        value += "-"
    return value


def paths(machine: StateMachine) -> dict[str, list[str]]:
    """The shortest path of allowed moves from ``initial`` to each reachable state."""
    found = {machine.initial: [machine.initial]}
    queue = deque([machine.initial])
    while queue:
        state = queue.popleft()
        for target in machine.allowed(state):
            if target not in found:
                found[target] = [*found[state], target]
                queue.append(target)
    return found


def probes(spec: Spec, machine: StateMachine) -> list[Planned]:
    """The checks of ``machine``: its start, each allowed transition (and, for a
    guarded one, the same move while its guard does not hold), unless
    ``reject_others`` is false each unlisted one, and a value outside the states."""
    name = machine.name
    at = spec.source.at

    def probe(
        kind: Probe, suffix: str, title: str, where: Location, source: str | None, target: str
    ) -> Planned:
        return Planned(
            "state_machines",
            f"machine-{name}.{suffix}",
            f"{name}: {title}",
            where,
            machine=name,
            transition=(source, target) if source is not None else None,
            probe=kind,
            detail=_Probe(machine, source, target, kind in ("initial", "allowed"), kind == "guard"),
        )

    found = [
        probe(
            "initial",
            "initial",
            f"a new row starts in {machine.initial!r}",
            at((*machine.path, "initial")),
            None,
            machine.initial,
        )
    ]
    for t in machine.transitions:
        title = f"{t.source} -> {t.target} is allowed"
        if t.guard is not None:
            title += f" when {t.guard.title or 'its guard holds'}"
        found.append(
            probe("allowed", f"{t.source}->{t.target}", title, t.location, t.source, t.target)
        )
        if t.guard is not None:
            title = (
                f"{t.source} -> {t.target} is refused unless {t.guard.title or 'its guard holds'}"
            )
            suffix = f"{t.source}->{t.target}.unmet"
            found.append(probe("guard", suffix, title, t.guard.location, t.source, t.target))
    if machine.reject_others:
        explicit = at((*machine.path, "reject_others"))
        for source in machine.states:
            allowed = set(machine.allowed(source))
            where = explicit
            if explicit == machine.location:  # left out: true by default; point at the list
                where = at((*machine.path, "transitions", source), key=True)
            for target in machine.states:
                if target != source and target not in allowed:
                    title = f"{source} -> {target} is refused"
                    found.append(
                        probe("refused", f"{source}->{target}", title, where, source, target)
                    )
    outside = outside_value(machine.states)
    found.append(
        probe(
            "outside",
            "outside-states",
            f"a value outside the states ({outside!r}) is refused",
            at((*machine.path, "states")),
            machine.initial,
            outside,
        )
    )
    return found


class _MachineChecker:
    def __init__(self, spec: Spec, machine: StateMachine, context: Context) -> None:
        self.spec = spec
        self.machine = machine
        self.session: Session = context.session
        self.context = context
        self.key: str | None = machine.key

    def run_group(
        self, source: str | None, group: list[Planned]
    ) -> Iterator[tuple[str, list[Finding]]]:
        """Reach ``source`` once, then try each probe of ``group`` from there."""
        pending = list(group)
        while pending:
            with Sandbox(self.spec, self.session, self.context.clock) as sandbox:
                try:
                    sandbox.setup(self.machine.given)
                    row = self.start(sandbox, source)
                except SetupError as exc:
                    for planned in pending:
                        yield planned.id, [exc.finding]
                    return
                except _Failed as failed:
                    for planned in pending:
                        yield planned.id, [failed.finding]
                    return
                # What the invariants found on the way belongs to the initial check
                # (the create call) or to the transitions' own checks.
                on_the_way = sandbox.broken()
                while pending:
                    planned = pending.pop(0)
                    if _probe(planned).source is None:
                        yield planned.id, on_the_way
                        continue
                    yield planned.id, self.attempt(sandbox, row, planned)
                    if not sandbox.intact:
                        break  # the database rolled everything back: reach the state anew

    def start(self, sandbox: Sandbox, source: str | None) -> dict[str, Any]:
        """Create a row and walk it to ``source``; the initial check is made here.

        A failure on the way to ``source`` means the checks from it could not
        run (the transition on the way has its own failing check), except for
        the initial check itself, which fails."""
        machine = self.machine
        initial = source is None
        self.resolve_names()
        step = "create"
        try:
            row = sandbox.call(machine.create, step=step)
        except (CallError, TemplateError) as exc:
            blocked = not initial or (isinstance(exc, CallError) and exc.blocked)
            where = machine.create.location
            finding = _error_finding(where, step, "the create call to succeed", exc, blocked)
            raise _Failed(finding) from None
        if not isinstance(row, dict):
            raise _Failed(
                Finding(
                    machine.create.location,
                    f"the create call {machine.create.operation!r} to return the new row",
                    "null" if row is None else "a list",
                    step,
                    blocking=True,
                )
            )
        self.key = self.key or self.primary_key()
        state = self.read(row, machine.create.location, step)
        problem = self.verify(
            state, machine.initial, machine.create.location, step, timestamps=initial
        )
        if problem:
            raise _Failed(_blocking(problem, not initial))
        for previous, target in pairwise(paths(machine).get(source or machine.initial, [])):
            step = f"reaching {source!r}: {previous} -> {target}"
            call = self.edge_call(previous, target)
            try:
                self.prepare(sandbox, row, previous, target, step, met=True)
                sandbox.call(call, {"row": row, "to": target}, step)
            except (CallError, TemplateError) as exc:
                raise _Failed(
                    _error_finding(call.location, step, "the move to succeed", exc, True)
                ) from None
            # Only the state matters on the way; timestamp rules are the business
            # of the transition's own check, so a broken rule fails just that one.
            state = self.read(row, machine.move.location, step)
            problem = self.verify(state, target, machine.move.location, step, timestamps=False)
            if problem:
                raise _Failed(_blocking(problem, True))
        return row

    def resolve_names(self) -> None:
        """Every name the machine gives must exist in the database under test, or
        every check of the machine fails at the line of the name (never read as a
        string by SQLite's fallback for unknown double-quoted names)."""
        machine = self.machine
        at = self.spec.source.at
        table = self.session.table(machine.table)
        if table is None:
            where = at((*machine.path, "table"))
            raise _Failed(Finding(where, f"table {machine.table}", "no such table"))
        named = [(machine.column, at((*machine.path, "column")))]
        if machine.key is not None:
            named.append((machine.key, at((*machine.path, "key"))))
        named += [(rule.column, rule.location) for rule in machine.timestamps]
        named += [
            (rule.not_before, rule.not_before_location or rule.location)
            for rule in machine.timestamps
            if rule.not_before is not None
        ]
        for column, where in named:
            if table.column(column) is None:
                found = f"no such column {column} in table {table.name}"
                raise _Failed(Finding(where, f"column {column}", found))

    def attempt(self, sandbox: Sandbox, row: dict[str, Any], planned: Planned) -> list[Finding]:
        """Try ``planned``'s move inside a scope that is always undone."""
        machine = self.machine
        probe = _probe(planned)
        where = planned.location  # the rule: the transition, reject_others or states
        step = f"{probe.source} -> {probe.target}"
        with self.session.isolated():
            before = None
            if any(rule.kept for rule in machine.timestamps):
                try:
                    before = self.read(row, where, step)
                except _Failed as failed:
                    return [failed.finding]
            assert probe.source is not None
            call = self.edge_call(probe.source, probe.target)  # unlisted: the default move
            try:
                self.prepare(sandbox, row, probe.source, probe.target, step, met=not probe.unmet)
            except (CallError, TemplateError) as exc:
                return [_error_finding(where, step, "the guard's calls to succeed", exc, True)]
            try:
                sandbox.call(call, {"row": row, "to": probe.target}, step)
            except CallError as exc:
                if exc.blocked:
                    return [_error_finding(where, step, "the move to run", exc, True)]
                if probe.allowed:
                    return [_error_finding(where, step, "the move to succeed", exc, False)]
                if exc.kind is None:
                    return [_error_finding(where, step, "a constraint refusal", exc, True)]
                return []
            except TemplateError as exc:
                return [_error_finding(where, step, "a resolvable reference", exc, True)]
            broken = sandbox.broken()  # invariants the move left broken
            try:
                state = self.read(row, where, step)
            except _Failed as failed:
                return [*broken, failed.finding]
            if not probe.allowed:
                shown = state.get(machine.column)
                found = f"it was accepted (state now {shown!r})"
                return [*broken, Finding(where, "the database to refuse the move", found, step)]
            problem = self.verify(
                state, probe.target, where, step, source=probe.source, before=before
            )
            return [*broken, problem] if problem else broken

    def edge_call(self, source: str, target: str) -> Call:
        """The call that moves ``source -> target``: the transition's own, or the
        machine's ``move`` (always for an unlisted move)."""
        edge = self.machine.edge(source, target)
        return edge.move if edge is not None and edge.move is not None else self.machine.move

    def prepare(
        self,
        sandbox: Sandbox,
        row: dict[str, Any],
        source: str,
        target: str,
        step: str,
        *,
        met: bool,
    ) -> None:
        """Before a guarded move: the calls that make its guard hold (``met``) or fail."""
        edge = self.machine.edge(source, target)
        if edge is None or edge.guard is None:
            return
        calls = edge.guard.met if met else edge.guard.unmet
        label = f"{step} (guard {'met' if met else 'unmet'})"
        for call in calls:
            sandbox.call(call, {"row": row, "to": target}, label)

    def primary_key(self) -> str | None:
        table = self.session.table(self.machine.table)
        key = table.primary_key if table else ()
        return key[0] if len(key) == 1 else None

    def read(self, row: dict[str, Any], where: Location, step: str) -> dict[str, Any]:
        """The state column and timestamp columns of ``row``, read back from the table."""
        machine = self.machine
        key = self.key
        if key is None:
            expected = f"table {machine.table} to have a single-column primary key (or set 'key')"
            raise _Failed(Finding(where, expected, "none", step, blocking=True))
        if key not in row:
            expected = f"the created row to have a {key!r} field"
            raise _Failed(Finding(where, expected, f"fields {', '.join(sorted(row))}", step, True))
        columns = list(dict.fromkeys(_columns(machine)))
        try:
            found = self.session.read(machine.table, key, row[key], columns, where)
        except UnknownName as exc:
            raise _Failed(Finding(where, "the row to be readable", str(exc), step)) from None
        except CallError as exc:
            finding = Finding(where, "the row to be readable", str(exc), step, blocking=True)
            raise _Failed(finding) from None
        if len(found) != 1:
            expected = f"one row with {key} = {row[key]!r}"
            raise _Failed(Finding(where, expected, f"{len(found)} rows", step))
        return found[0]

    def verify(
        self,
        state: dict[str, Any],
        expected: str,
        where: Location,
        step: str,
        *,
        timestamps: bool = True,
        source: str | None = None,
        before: dict[str, Any] | None = None,
    ) -> Finding | None:
        """Whether the row is in ``expected`` and, with ``timestamps``, keeps every
        timestamp rule after a move from ``source`` (None: the row was just
        created) whose row was ``before`` (when a rule needs the old values)."""
        machine = self.machine
        found = state[machine.column]
        if found != expected:
            return Finding(where, f"{machine.column} = {expected!r}", f"{found!r}", step)
        for rule in machine.timestamps if timestamps else ():
            problem = _broken_rule(rule, state, expected, source, before)
            if problem is not None:
                wanted, seen = problem
                return Finding(rule.location, wanted, seen, step)
        return None


def _columns(machine: StateMachine) -> Iterator[str]:
    """The columns read back after a move: the state, each timestamp, and the
    columns timestamps must not be earlier than."""
    yield machine.column
    for rule in machine.timestamps:
        yield rule.column
        if rule.not_before is not None:
            yield rule.not_before


def _broken_rule(
    rule: TimestampRule,
    state: dict[str, Any],
    target: str,
    source: str | None,
    before: dict[str, Any] | None,
) -> tuple[str, str] | None:
    """``(expected, found)`` for the first way ``state`` breaks ``rule`` after a
    move from ``source`` to ``target``, or None."""
    column, value = rule.column, state[rule.column]
    moved = source != target
    if rule.states is not None:
        if target in rule.states and value is None:
            return f"{column} set in {target!r}", "null"
        if target not in rule.states and value is not None:
            return f"{column} null in {target!r}", repr(value)
    if moved and target in rule.entering and value is None:
        return f"{column} set on entering {target!r}", "null"
    if moved and source in rule.leaving and value is not None:
        return f"{column} cleared on leaving {source!r}", repr(value)
    old = None if before is None else before.get(column)
    if rule.kept and old is not None and value != old:
        return f"{column} kept once set ({old!r})", "null" if value is None else repr(value)
    other = state.get(rule.not_before) if rule.not_before is not None else None
    if value is not None and other is not None and value < other:
        return f"{column} not earlier than {rule.not_before} ({other!r})", repr(value)
    return None


class _Failed(Exception):
    """The row could not be made, reached or read: every check waiting on it gets
    ``finding``."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(str(finding))
        self.finding = finding


def _blocking(finding: Finding, blocking: bool) -> Finding:
    return Finding(finding.location, finding.expected, finding.found, finding.step, blocking)


def _error_finding(
    where: Location, step: str, expected: str, error: Exception, blocking: bool
) -> Finding:
    if isinstance(error, CallError):
        kind = f"{error.kind} error" if error.kind else "error"
        found = f"{kind}: {error} (SQL at {error.location})"
        return Finding(where, expected, found, step, blocking)
    return Finding(where, expected, str(error), step, blocking)

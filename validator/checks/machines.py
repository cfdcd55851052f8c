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

import sqlite3
from collections import deque
from collections.abc import Container, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from .. import database
from ..errors import Location
from ..guard import Guard
from ..model import Spec, StateMachine
from ..operations import CallError
from ..results import CheckResult, Finding, MachineSummary, Outcome, Planned, Probe
from ..templates import Clock, TemplateError
from .sandbox import Sandbox, SetupError


@dataclass(frozen=True)
class _Probe:
    """One check of a machine: a transition ``source -> target`` (or the start)."""

    planned: Planned
    source: str | None
    target: str
    allowed: bool

    @property
    def location(self) -> Location:
        return self.planned.location


def plan(spec: Spec) -> list[Planned]:
    """Every state machine check, machine by machine, in a stable order."""
    return [probe.planned for machine in spec.machines for probe in probes(spec, machine)]


def check(
    spec: Spec,
    guard: Guard,
    clock: Clock,
    selected: Container[str] | None = None,
) -> Iterator[CheckResult]:
    """Run the state machine checks (those in ``selected``, or all)."""
    for machine in spec.machines:
        chosen = [
            probe
            for probe in probes(spec, machine)
            if selected is None or probe.planned.id in selected
        ]
        if chosen:
            yield from _MachineChecker(spec, machine, guard, clock).run(chosen)


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


def probes(spec: Spec, machine: StateMachine) -> list[_Probe]:
    """The checks of ``machine``: its start, each allowed transition, with
    ``reject_others`` each unlisted one, and a value outside the states."""
    name = machine.name
    at = spec.source.at

    def probe(
        kind: Probe, suffix: str, title: str, where: Location, source: str | None, target: str
    ) -> _Probe:
        transition = (source, target) if source is not None else None
        planned = Planned(
            "state_machines",
            f"machine-{name}.{suffix}",
            f"{name}: {title}",
            where,
            machine=name,
            transition=transition,
            probe=kind,
        )
        return _Probe(planned, source, target, kind in ("initial", "allowed"))

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
        found.append(
            probe("allowed", f"{t.source}->{t.target}", title, t.location, t.source, t.target)
        )
    if machine.reject_others:
        where = at((*machine.path, "reject_others"))
        for source in machine.states:
            allowed = set(machine.allowed(source))
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
    def __init__(self, spec: Spec, machine: StateMachine, guard: Guard, clock: Clock) -> None:
        self.spec = spec
        self.machine = machine
        self.guard = guard
        self.connection = guard.connection
        self.clock = clock
        self.key: str | None = machine.key

    def run(self, chosen: list[_Probe]) -> Iterator[CheckResult]:
        results: dict[str, CheckResult] = {}
        by_source: dict[str | None, list[_Probe]] = {}
        for probe in chosen:
            by_source.setdefault(probe.source, []).append(probe)
        for source, group in by_source.items():
            for probe, outcome, findings in self.run_group(source, group):
                results[probe.planned.id] = probe.planned.result(outcome, tuple(findings))
        for probe in chosen:
            yield results[probe.planned.id]

    def run_group(
        self, source: str | None, group: list[_Probe]
    ) -> Iterator[tuple[_Probe, Outcome, list[Finding]]]:
        """Reach ``source`` once, then try each probe of ``group`` from there."""
        pending = list(group)
        while pending:
            with Sandbox(self.spec, self.guard, self.clock) as sandbox:
                try:
                    sandbox.setup(self.machine.given)
                    row = self.start(sandbox, source)
                except SetupError as exc:
                    for probe in pending:
                        yield probe, "error", [exc.finding]
                    return
                except _Failed as failed:
                    for probe in pending:
                        yield probe, failed.outcome, [failed.finding]
                    return
                while pending:
                    probe = pending.pop(0)
                    if probe.source is None:
                        yield probe, "pass", []
                        continue
                    yield (probe, *self.attempt(sandbox, row, probe))
                    if not sandbox.intact:
                        break  # the database rolled everything back: reach the state anew

    def start(self, sandbox: Sandbox, source: str | None) -> dict[str, Any]:
        """Create a row and walk it to ``source``; the initial check is made here."""
        machine = self.machine
        step = "create"
        try:
            row = sandbox.call(machine.create)
        except (CallError, TemplateError) as exc:
            blocked = isinstance(exc, CallError) and exc.blocked
            outcome: Outcome = "fail" if source is None and not blocked else "error"
            finding = _error_finding(
                machine.create.location, step, "the create call to succeed", exc
            )
            raise _Failed(outcome, finding) from None
        if not isinstance(row, dict):
            raise _Failed(
                "error",
                Finding(
                    machine.create.location,
                    f"the create call {machine.create.operation!r} to return the new row",
                    "null" if row is None else "a list",
                    step,
                ),
            )
        self.key = self.key or self.primary_key()
        state = self.read(sandbox, row, machine.create.location, step)
        problem = self.verify(
            state, machine.initial, machine.create.location, step, timestamps=source is None
        )
        if problem:
            raise _Failed("fail" if source is None else "error", problem)
        for previous, target in _pairs(paths(machine).get(source or machine.initial, [])):
            step = f"reaching {source!r}: {previous} -> {target}"
            try:
                sandbox.call(machine.move, row=row, to=target)
            except (CallError, TemplateError) as exc:
                finding = _error_finding(machine.move.location, step, "the move to succeed", exc)
                raise _Failed("error", finding) from None
            # Only the state matters on the way; timestamp rules are the business
            # of the transition's own check, so a broken rule fails just that one.
            state = self.read(sandbox, row, machine.move.location, step)
            problem = self.verify(state, target, machine.move.location, step, timestamps=False)
            if problem:
                raise _Failed("error", problem)
        return row

    def attempt(
        self, sandbox: Sandbox, row: dict[str, Any], probe: _Probe
    ) -> tuple[Outcome, list[Finding]]:
        """Try ``probe``'s move inside a savepoint that is always undone."""
        machine = self.machine
        connection = sandbox.connection
        where = probe.location  # the rule: the transition, reject_others or states
        step = f"{probe.source} -> {probe.target}"
        connection.execute("SAVEPOINT validator_probe")
        try:
            try:
                sandbox.call(machine.move, row=row, to=probe.target)
            except CallError as exc:
                if exc.blocked:
                    return "error", [_error_finding(where, step, "the move to run", exc)]
                if probe.allowed:
                    return "fail", [_error_finding(where, step, "the move to succeed", exc)]
                if exc.kind is None:
                    expected = "a constraint refusal"
                    return "error", [_error_finding(where, step, expected, exc)]
                return "pass", []
            except TemplateError as exc:
                return "error", [_error_finding(where, step, "a resolvable reference", exc)]
            state = self.read(sandbox, row, where, step)
            if not probe.allowed:
                shown = state.get(machine.column)
                return "fail", [
                    Finding(
                        where,
                        "the database to refuse the move",
                        f"it was accepted (state now {shown!r})",
                        step,
                    )
                ]
            problem = self.verify(state, probe.target, where, step)
            return ("fail", [problem]) if problem else ("pass", [])
        except _Failed as failed:
            return failed.outcome, [failed.finding]
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK TO validator_probe")
                connection.execute("RELEASE validator_probe")

    def primary_key(self) -> str | None:
        table = database.introspect(self.connection, self.machine.table)
        key = table.primary_key if table else ()
        return key[0] if len(key) == 1 else None

    def read(
        self, sandbox: Sandbox, row: dict[str, Any], where: Location, step: str
    ) -> dict[str, Any]:
        """The state column and timestamp columns of ``row``, read back from the table."""
        machine = self.machine
        key = self.key
        if key is None:
            raise _Failed(
                "error",
                Finding(
                    where,
                    f"table {machine.table} to have a single-column primary key (or set 'key')",
                    "none",
                    step,
                ),
            )
        if key not in row:
            raise _Failed(
                "error",
                Finding(
                    where,
                    f"the created row to have a {key!r} field",
                    f"fields {', '.join(sorted(row))}",
                    step,
                ),
            )
        columns = [machine.column, *(rule.column for rule in machine.timestamps)]
        sql = "SELECT {} FROM {} WHERE {} = ?".format(
            ", ".join(database.quote(c) for c in columns),
            database.quote(machine.table),
            database.quote(key),
        )
        try:
            found = sandbox.connection.execute(sql, (row[key],)).fetchall()
        except sqlite3.Error as exc:
            raise _Failed(
                "error", Finding(where, "the row to be readable", str(exc), step)
            ) from None
        if len(found) != 1:
            raise _Failed(
                "fail",
                Finding(where, f"one row with {key} = {row[key]!r}", f"{len(found)} rows", step),
            )
        return dict(zip(columns, found[0], strict=True))

    def verify(
        self,
        state: dict[str, Any],
        expected: str,
        where: Location,
        step: str,
        *,
        timestamps: bool = True,
    ) -> Finding | None:
        machine = self.machine
        found = state[machine.column]
        if found != expected:
            return Finding(where, f"{machine.column} = {expected!r}", f"{found!r}", step)
        for rule in machine.timestamps if timestamps else ():
            value = state[rule.column]
            if expected in rule.states and value is None:
                return Finding(rule.location, f"{rule.column} set in {expected!r}", "null", step)
            if expected not in rule.states and value is not None:
                return Finding(
                    rule.location, f"{rule.column} null in {expected!r}", f"{value!r}", step
                )
        return None


class _Failed(Exception):
    def __init__(self, outcome: Outcome, finding: Finding) -> None:
        super().__init__(str(finding))
        self.outcome = outcome
        self.finding = finding


def _pairs(path: list[str]) -> list[tuple[str, str]]:
    return list(pairwise(path))


def _error_finding(where: Location, step: str, expected: str, error: Exception) -> Finding:
    if isinstance(error, CallError):
        kind = f"{error.kind} error" if error.kind else "error"
        return Finding(where, expected, f"{kind}: {error} (SQL at {error.location})", step)
    return Finding(where, expected, str(error), step)

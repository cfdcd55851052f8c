"""What the proposed machines do on the schema: timestamps observed, claims checked.

:func:`observe` runs each machine as its checks will (create a row, reach each
source state by the shortest path of allowed moves, make each move) and notes,
for every ``*_at`` column of the table, in which states it is set. A column
set in some states and null in the others, the same way on every path, is
proposed as a timestamp rule; one the schema never sets is suggested in a
comment (the data layer may set it).

:func:`settle` then runs the whole spec with the engine, and turns every
proposal the run does not bear out into a comment saying what the run found:
moves the database lets through (``reject_others`` off), a machine whose
checks fail (commented out), a rule the rows of ``--db`` break. Structure
checks are never weakened: their failing would be a bug, reported as such.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..checks.machines import paths
from ..errors import Location
from ..model import Spec, StateMachine
from ..results import CheckResult, Report
from ..sandbox import Sandbox, SetupError
from ..session import CallError, Session, UnknownName
from ..templates import Clock, TemplateError
from .draft import Draft, MachineDraft, Stamp
from .yamltext import Line, Verbatim

ROUNDS = 4
"""How many times the spec is run and its unborne proposals withdrawn, at most."""

_FAILING = ("fail", "error")


def observe(draft: Draft, spec: Spec, session: Session) -> Draft:
    """``draft`` with timestamp rules for its machines, from what the schema does."""
    machines = []
    for machine in draft.machines:
        model = next((m for m in spec.machines if m.name == machine.name), None)
        if machine.commented or model is None or not machine.stamp_candidates:
            machines.append(machine)
            continue
        seen = _Observer(spec, model, session, machine.stamp_candidates).run()
        machines.append(_stamped(machine, seen))
    return replace(draft, machines=tuple(machines))


Seen = dict[str, dict[str, set[bool]]]
"""Column -> state -> whether it was found set (True) or null (False) there."""


class _Observer:
    def __init__(
        self, spec: Spec, machine: StateMachine, session: Session, columns: Sequence[str]
    ) -> None:
        self.spec = spec
        self.machine = machine
        self.session = session
        self.columns = tuple(columns)
        self.seen: Seen = {column: {} for column in columns}
        self.clock = Clock()

    def run(self) -> Seen:
        machine = self.machine
        self.walk([], [])
        routes = paths(machine)
        for source in dict.fromkeys(t.source for t in machine.transitions):
            self.walk(routes.get(source, [])[1:], machine.allowed(source))
        return self.seen

    def walk(self, route: Sequence[str], targets: Sequence[str]) -> None:
        """Create a row and move it along ``route``; then try each move to one of
        ``targets`` in a scope that is undone, noting the columns where the row
        ends (with no targets: where it is). An error ends a try; the checks
        report it."""
        machine = self.machine
        pending = list(targets)
        try:
            with Sandbox(self.spec, self.session, self.clock) as sandbox:
                sandbox.setup(machine.given)
                row = sandbox.call(machine.create)
                if not isinstance(row, dict):
                    return
                for step in route:
                    sandbox.call(machine.move, {"row": row, "to": step})
                if not targets:
                    self.note(row)
                while pending:
                    with self.session.isolated():
                        try:
                            sandbox.call(machine.move, {"row": row, "to": pending.pop(0)})
                            self.note(row)
                        except (CallError, TemplateError, UnknownName):
                            pass
                    if not sandbox.intact:
                        break  # the database rolled everything back: walk again
        except (CallError, SetupError, TemplateError, UnknownName):
            return
        if pending:
            self.walk(route, pending)

    def note(self, row: dict[str, Any]) -> None:
        machine = self.machine
        table = self.session.table(machine.table)
        key = machine.key or (table.primary_key[0] if table and table.primary_key else None)
        if key is None or key not in row:
            return
        columns = [machine.column, *self.columns]
        found = self.session.read(machine.table, key, row[key], columns, Location(""))
        if len(found) != 1:
            return
        state = found[0][machine.column]
        for column in self.columns:
            self.seen[column].setdefault(str(state), set()).add(found[0][column] is not None)


def _stamped(machine: MachineDraft, seen: Seen) -> MachineDraft:
    rules: list[tuple[str, Stamp]] = []
    never: list[str] = []
    for column in machine.stamp_candidates:
        by_state = seen.get(column, {})
        if not by_state or any(len(found) > 1 for found in by_state.values()):
            continue  # not seen, or set on one path and null on another
        states = tuple(s for s in machine.states if by_state.get(s) == {True})
        if len(states) == len(machine.states) or set(by_state) != set(machine.states):
            continue  # always set (a DEFAULT), or not seen in every state
        if not states:
            never.append(column)
            continue
        terminal = set(machine.terminal)
        rules.append((column, "terminal" if terminal and set(states) == terminal else states))
    suggestions = list(machine.suggestions)
    if never:
        suggestions += _never_set(machine, never)
    return replace(machine, timestamps=tuple(rules), suggestions=tuple(suggestions))


def _never_set(machine: MachineDraft, columns: Sequence[str]) -> list[Line]:
    """A comment on timestamp columns the schema never sets, with a rule to
    consider where the column's name points at states (``completed_at``)."""
    lines: list[Line] = [
        f"Never set by the schema on these moves: {', '.join(columns)}. If the data layer "
        "sets them, say in which states."
    ]
    states = {s.casefold(): s for s in machine.states}
    rules: list[str] = []
    for column in columns:
        stem = column[: -len("_at")].casefold()
        if stem in states:
            rules.append(f"  {column}: [{states[stem]}]")
        elif stem in _ENDED and machine.terminal:
            rules.append(f"  {column}: terminal")
    if rules:
        lines += ["For instance:", Verbatim("timestamps:"), *(Verbatim(r) for r in rules)]
    return lines


_ENDED = frozenset(("completed", "finished", "ended", "closed", "done", "resolved", "terminated"))
"""Names of ``*_at`` columns that usually stamp the end of a lifecycle."""


# -- the run -------------------------------------------------------------------


def settle(
    draft: Draft, load: Callable[[Draft], Spec], run: Callable[[Spec], Report]
) -> tuple[Draft, list[CheckResult]]:
    """Run ``draft`` and withdraw what the run does not bear out, until it passes;
    also return the checks that still fail (none, unless something is wrong)."""
    failing: list[CheckResult] = []
    for _ in range(ROUNDS):
        report = run(load(draft))
        failing = [c for c in report.checks if c.outcome in _FAILING]
        if not failing:
            return draft, []
        settled = withdraw(draft, failing)
        if settled == draft:
            break
        draft = settled
    return draft, failing


def withdraw(draft: Draft, failing: Sequence[CheckResult]) -> Draft:
    """``draft`` without the machine claims that ``failing`` checks contradict."""
    machines = {m.name: m for m in draft.machines}
    accepted: dict[str, list[str]] = {}
    for check in failing:
        name, part = _machine_of(check)
        machine = machines.get(name or "")
        if machine is None or machine.commented:
            continue
        if check.probe == "refused" and check.transition is not None:
            accepted.setdefault(machine.name, []).append(" -> ".join(check.transition))
        elif check.section == "audit" and part != "states":
            machines[machine.name] = _without_stamp(machine, part, check)
        else:
            machines[machine.name] = replace(machine, commented=_found(check))
    for name, moves in accepted.items():
        machine = machines[name]
        if machine.commented:
            continue
        note = (f"reject_others is off: the database also lets through {', '.join(moves)}.",)
        machines[name] = replace(machine, reject_others=False, comments=machine.comments + note)
    return replace(draft, machines=tuple(machines[m.name] for m in draft.machines))


def _machine_of(check: CheckResult) -> tuple[str | None, str]:
    """The machine a check is about and what part of it (audit checks: ``states``
    or a timestamp column)."""
    if check.machine is not None:
        return check.machine, ""
    prefix = "audit-machine-"
    if check.id.startswith(prefix):
        name, _, part = check.id[len(prefix) :].partition(".")
        return name, part
    return None, ""


def _without_stamp(machine: MachineDraft, column: str, check: CheckResult) -> MachineDraft:
    kept = tuple((c, s) for c, s in machine.timestamps if c != column)
    note = f"No timestamp rule for {column}: the rows of the database break it ({check.message})."
    return replace(machine, timestamps=kept, comments=(*machine.comments, note))


def _found(check: CheckResult) -> str:
    return f"its run found {check.id}: {check.message}"

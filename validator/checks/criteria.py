"""Criteria: numbered pass criteria and further named checks.

Each criterion runs in its own rolled-back savepoint: its fixtures are built, its
steps are called in order (each may bind its result, must raise a typed
error, or must match a schema), then its expectations are matched. A call
that fails unexpectedly stops that criterion only.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator

from .. import database
from ..guard import Guard
from ..model import Criterion, Spec, Step
from ..operations import CallError
from ..results import CheckResult, Finding, Outcome, Planned
from ..templates import Clock, TemplateError
from .expect import match, show
from .sandbox import Sandbox, SetupError


def check_id(criterion: Criterion) -> str:
    return f"criterion-{criterion.key}"


def _planned(criterion: Criterion) -> Planned:
    return Planned(
        "criteria", check_id(criterion), criterion.title, criterion.location, criterion.number
    )


def plan(spec: Spec) -> list[Planned]:
    """Every criterion, in spec order."""
    return [_planned(criterion) for criterion in spec.criteria]


def check(
    spec: Spec,
    guard: Guard,
    clock: Clock,
    selected: Container[str] | None = None,
    dump: Callable[[str, str], None] | None = None,
) -> Iterator[CheckResult]:
    """Run the criteria (those in ``selected``, or all), in spec order.

    ``dump(check_id, sql)``, when given, receives each criterion's final
    database state as SQL before it is rolled back.
    """
    for criterion in spec.criteria:
        planned = _planned(criterion)
        if selected is None or planned.id in selected:
            with Sandbox(spec, guard, clock) as sandbox:
                outcome, findings = _run(sandbox, criterion)
                if dump is not None:
                    dump(planned.id, sandbox.dump())
            yield planned.result(outcome, tuple(findings))


def _label(step: Step) -> str:
    return f"step {step.index} ({step.call.operation})"


def _run(sandbox: Sandbox, criterion: Criterion) -> tuple[Outcome, list[Finding]]:
    try:
        sandbox.setup(criterion.given)
    except SetupError as exc:
        return "error", [exc.finding]
    findings: list[Finding] = []
    for step in criterion.steps:
        try:
            step_findings, go_on = _step(sandbox, criterion, step)
        except _Blocked as blocked:
            return "error", [*findings, blocked.finding]
        findings.extend(step_findings)
        if not go_on:
            break
    else:
        source = sandbox.spec.source
        for expectation in criterion.expect:
            value = sandbox.scope.bindings.get(expectation.name)
            findings.extend(match(expectation, value, sandbox.scope, source))
    return ("fail" if findings else "pass"), findings


class _Blocked(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(str(finding))
        self.finding = finding


def _step(sandbox: Sandbox, criterion: Criterion, step: Step) -> tuple[list[Finding], bool]:
    """Run one step: its findings, and whether the criterion can go on."""
    label = _label(step)
    try:
        result = sandbox.call(step.call)
    except CallError as exc:
        if exc.blocked:  # stopped by the guard: the check could not run
            found = f"{exc} (SQL at {exc.location})"
            raise _Blocked(Finding(step.location, "the call to run", found, label)) from None
        if step.raises and database.matches(step.raises, exc.kind):
            return [], True
        expected = f"a {step.raises} error" if step.raises else "the call to succeed"
        kind = f"{exc.kind} error" if exc.kind else "error"
        found = f"{kind}: {exc} (SQL at {exc.location})"
        # A call that should have worked leaves a state later steps did not expect.
        return [Finding(step.location, expected, found, label)], step.raises is not None
    except TemplateError as exc:
        return [Finding(step.location, "a resolvable reference", str(exc), label)], False
    source = sandbox.spec.source
    if step.raises:
        where = source.at((*criterion.path, "steps", step.index - 1, "raises"))
        found = f"success, result {show(result)}"
        return [Finding(where, f"a {step.raises} error", found, label)], True
    if step.bind:
        sandbox.scope.bindings[step.bind] = result
    if step.expect is None:
        return [], True
    scope = sandbox.scope.with_bindings({step.expect.name: result})
    return match(step.expect, result, scope, source, label), True

"""Criteria: numbered pass criteria and further named checks.

Each criterion runs in its own rolled-back savepoint: its fixtures are built, its
steps are called in order (each may bind its result, must raise a typed
error, or must match a schema), then its expectations are matched. A call
that fails unexpectedly stops that criterion only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..expect import match, show
from ..model import Criterion, Spec, Step
from ..results import CheckResult, Finding, Planned, Section
from ..sandbox import Sandbox, SetupError
from ..session import CallError, raises_matches
from ..templates import TemplateError
from .base import Context, Target, one_each

SECTION: Section = "criteria"
units = one_each


def check_id(criterion: Criterion) -> str:
    return f"criterion-{criterion.key}"


def _planned(criterion: Criterion) -> Planned:
    return Planned(
        "criteria",
        check_id(criterion),
        criterion.title,
        criterion.location,
        criterion.number,
        detail=criterion,
    )


def plan(spec: Spec, _target: Target) -> list[Planned]:
    """Every criterion, in spec order."""
    return [_planned(criterion) for criterion in spec.criteria]


def check(spec: Spec, unit: Sequence[Planned], context: Context) -> Iterator[CheckResult]:
    """Run one criterion in its own isolated scope. ``context.dump``, when given,
    receives its final database state before it is rolled back."""
    for planned in unit:
        criterion = planned.detail
        assert isinstance(criterion, Criterion)
        with Sandbox(spec, context.session, context.clock) as sandbox:
            findings = _run(sandbox, criterion)
            if context.dump is not None:
                context.dump(planned.id, context.session.dump())
        yield planned.judge(findings)


def _label(step: Step) -> str:
    return f"step {step.index} ({step.call.operation})"


def _run(sandbox: Sandbox, criterion: Criterion) -> list[Finding]:
    try:
        sandbox.setup(criterion.given)
    except SetupError as exc:
        return [*sandbox.broken(), exc.finding]
    findings: list[Finding] = sandbox.broken()
    for step in criterion.steps:
        step_findings, go_on = _step(sandbox, criterion, step)
        findings.extend(sandbox.broken())
        findings.extend(step_findings)
        if not go_on:
            break
    else:
        source = sandbox.spec.source
        for expectation in criterion.expect:
            value = sandbox.scope.bindings.get(expectation.name)
            findings.extend(match(expectation, value, sandbox.scope, source))
    return findings


def _step(sandbox: Sandbox, criterion: Criterion, step: Step) -> tuple[list[Finding], bool]:
    """Run one step: its findings, and whether the criterion can go on."""
    label = _label(step)
    try:
        result = sandbox.call(step.call, step=label)
    except CallError as exc:
        if exc.blocked:  # stopped by the guard: the check could not run
            found = f"{exc} (SQL at {exc.location})"
            return [Finding(step.location, "the call to run", found, label, blocking=True)], False
        if step.raises and raises_matches(step.raises, exc.kind):
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

"""Criteria: numbered pass criteria and further named checks.

Each criterion runs in its own rolled-back savepoint: its fixtures are built, its
steps run in order (a step binds values with ``let``, or makes a call, once or
repeated, that may bind its result, must raise a typed error, must match a
schema or must keep comparisons of its fields), then its expectations and
comparisons are checked. A call that fails unexpectedly stops that criterion only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .. import compare
from ..expect import match, show
from ..model import Check, Criterion, Spec, Step
from ..results import CheckResult, Finding, Planned, Section
from ..sandbox import Sandbox, SetupError
from ..session import CallError, describe_raises, raises_matches
from ..templates import Scope, TemplateError
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
    what = step.call.operation if step.call is not None else "let"
    return f"step {step.index} ({what})"


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
        findings.extend(_compare(criterion.that, sandbox.scope, ""))
    return findings


def _step(sandbox: Sandbox, criterion: Criterion, step: Step) -> tuple[list[Finding], bool]:
    """Run one step: its findings, and whether the criterion can go on."""
    label = _label(step)
    if step.call is None:  # let: bind each value, resolved once, here
        for name, value in step.let:
            try:
                sandbox.scope.bindings[name] = sandbox.scope.resolve(value)
            except TemplateError as exc:
                return [Finding(step.location, "a resolvable reference", str(exc), label)], False
        return [], True
    try:
        items = _items(sandbox, step)
    except TemplateError as exc:
        return [Finding(step.location, "a resolvable reference", str(exc), label)], False
    results: list[Any] = []
    findings: list[Finding] = []
    for index, item in enumerate(items):
        extra = {"item": item, "index": index} if step.repeated else None
        shown = label if not step.repeated else f"{label}, call {index + 1} of {len(items)}"
        outcome, go_on = _call(sandbox, criterion, step, extra, shown)
        if isinstance(outcome, list):
            findings.extend(outcome)
            if not go_on:
                return findings, False
        else:
            results.append(outcome.value)
    if step.raises:
        return findings, True
    result = results if step.repeated else results[0]
    if step.bind:
        sandbox.scope.bindings[step.bind] = result
    name = step.expect.name if step.expect is not None else step.bind or "result"
    scope = sandbox.scope.with_bindings({name: result})
    if step.expect is not None:
        findings.extend(match(step.expect, result, scope, sandbox.spec.source, label))
    findings.extend(_compare(step.that, scope, label))
    return findings, True


def _items(sandbox: Sandbox, step: Step) -> list[Any]:
    """What the step's call runs for: once, ``repeat`` times, or each ``for_each`` item."""
    if step.repeat is not None:
        return list(range(step.repeat))
    if step.for_each is None:
        return [None]
    items = sandbox.scope.resolve(step.for_each)
    if not isinstance(items, list):
        found = "null" if items is None else type(items).__name__
        raise TemplateError(f"for_each: expected a list, found {found}")
    return items


class _Result:
    """A call's result (as opposed to findings about the call)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _call(
    sandbox: Sandbox,
    criterion: Criterion,
    step: Step,
    extra: dict[str, Any] | None,
    label: str,
) -> tuple[list[Finding] | _Result, bool]:
    """Run one call of ``step``: its result, or findings and whether to go on."""
    assert step.call is not None
    try:
        result = sandbox.call(step.call, extra, step=label)
    except CallError as exc:
        if exc.blocked:  # stopped by the guard: the check could not run
            found = f"{exc} (SQL at {exc.location})"
            return [Finding(step.location, "the call to run", found, label, blocking=True)], False
        if step.raises and raises_matches(step.raises, exc.kind):
            return [], True
        expected = describe_raises(step.raises) if step.raises else "the call to succeed"
        kind = f"{exc.kind} error" if exc.kind else "error"
        found = f"{kind}: {exc} (SQL at {exc.location})"
        # A call that should have worked leaves a state later steps did not expect;
        # one refused with another kind than expected left none: go on.
        return [Finding(step.location, expected, found, label)], bool(step.raises)
    except TemplateError as exc:
        return [Finding(step.location, "a resolvable reference", str(exc), label)], False
    if step.raises:
        # The call succeeded where it had to be refused: later steps still run, on
        # the state it made (the finding says what it returned).
        where = sandbox.spec.source.at((*criterion.path, "steps", step.index - 1, "raises"))
        found = f"success, result {show(result)}"
        return [Finding(where, describe_raises(step.raises), found, label)], True
    return _Result(result), True


def _compare(checks: tuple[Check, ...], scope: Scope, label: str) -> list[Finding]:
    findings = []
    for check in checks:
        assert check.comparison is not None  # refused at load otherwise
        try:
            holds, found = compare.evaluate(check.comparison, scope)
        except TemplateError as exc:
            holds, found = False, str(exc)
        if not holds:
            findings.append(Finding(check.location, check.text, found, label))
    return findings

"""Criteria: numbered pass criteria and further named checks.

Each criterion runs in its own fresh database: its fixtures are built, its
steps are called in order (each may bind its result, must raise a typed
error, or must match a schema), then its expectations are matched. A call
that fails unexpectedly stops that criterion only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from .. import database
from ..model import Criterion, Spec, Step
from ..operations import CallError
from ..results import CheckResult, Finding, Outcome
from ..templates import Clock, TemplateError
from .expect import match, show
from .sandbox import Sandbox, SetupError


def check_id(criterion: Criterion) -> str:
    return f"criterion-{criterion.key}"


def check(spec: Spec, template: sqlite3.Connection, clock: Clock) -> Iterator[CheckResult]:
    """Every criterion of ``spec``, in spec order."""
    for criterion in spec.criteria:
        outcome, findings = _run(spec, criterion, template, clock)
        yield CheckResult(
            section="criteria",
            id=check_id(criterion),
            title=criterion.title,
            outcome=outcome,
            location=criterion.location,
            findings=tuple(findings),
            number=criterion.number,
        )


def _label(step: Step) -> str:
    return f"step {step.index} ({step.call.operation})"


def _run(
    spec: Spec, criterion: Criterion, template: sqlite3.Connection, clock: Clock
) -> tuple[Outcome, list[Finding]]:
    findings: list[Finding] = []
    with Sandbox(spec, template, clock) as sandbox:
        try:
            sandbox.setup(criterion.given)
        except SetupError as exc:
            return "error", [exc.finding]
        for step in criterion.steps:
            label = _label(step)
            try:
                result = sandbox.call(step.call)
            except CallError as exc:
                if step.raises and database.matches(step.raises, exc.kind):
                    continue
                expected = f"a {step.raises} error" if step.raises else "the call to succeed"
                kind = f"{exc.kind} error" if exc.kind else "error"
                found = f"{kind}: {exc} (SQL at {exc.location})"
                findings.append(Finding(step.location, expected, found, label))
                if not step.raises:
                    break  # later steps would run on a state this one did not make
                continue
            except TemplateError as exc:
                findings.append(Finding(step.location, "a resolvable reference", str(exc), label))
                break
            if step.raises:
                where = sandbox.spec.source.at((*criterion.path, "steps", step.index - 1, "raises"))
                findings.append(
                    Finding(
                        where, f"a {step.raises} error", f"success, result {show(result)}", label
                    )
                )
                continue
            if step.bind:
                sandbox.scope.bindings[step.bind] = result
            if step.expect is not None:
                scope = sandbox.scope.with_bindings({step.expect.name: result})
                findings.extend(match(step.expect, result, scope, spec.source, label))
        else:
            for expectation in criterion.expect:
                value = sandbox.scope.bindings.get(expectation.name)
                findings.extend(match(expectation, value, sandbox.scope, spec.source))
    return ("fail" if findings else "pass"), findings

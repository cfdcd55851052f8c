"""Invariants: rules over the data, each a read-only query returning the rows
that break it.

Each invariant is a check of its own on the database under test as it is
(with ``--db``, the rows the application wrote); the criteria and state
machines also check them again after every call (see
:class:`validator.sandbox.Sandbox`). A rule of severity ``warn`` is reported
but does not fail the gate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..model import Invariant, Spec
from ..results import CheckResult, Finding, Planned, Section
from ..session import CallError
from .base import Context, Target, one_each

SECTION: Section = "invariants"
units = one_each


def check_id(invariant: Invariant) -> str:
    return f"invariant-{invariant.key}"


def plan(spec: Spec, _target: Target) -> list[Planned]:
    """Every invariant, in spec order."""
    return [
        Planned(SECTION, check_id(invariant), invariant.title, invariant.location, detail=invariant)
        for invariant in spec.invariants
    ]


def check(_spec: Spec, unit: Sequence[Planned], context: Context) -> Iterator[CheckResult]:
    """Run each invariant's query on the database as it is."""
    for planned in unit:
        invariant = planned.detail
        assert isinstance(invariant, Invariant)
        yield planned.judge(_findings(invariant, context))


def _findings(invariant: Invariant, context: Context) -> list[Finding]:
    where = invariant.query.location
    try:
        rows = context.session.violations(invariant.query)
    except CallError as exc:
        return [Finding(where, "the query to run", str(exc), blocking=True)]
    if not rows.count:
        return []
    return [
        Finding(
            where,
            "no rows breaking the rule",
            f"{rows} breaking it",
            warning=invariant.severity == "warn",
            rows=rows,
        )
    ]

"""The audit: rules the spec already implies, checked on the rows that exist.

With ``--db`` (or migrations, or ``--audit``), every state machine says its
column holds only its states and its timestamp rules hold row by row, and
every ``tables:`` entry says its declared NOT NULL, UNIQUE and foreign keys
hold on the existing rows, even where the database does not enforce them
(rows written with foreign keys off), and that its CHECK constraints do.
Each rule is a check with a stable id; a finding names the rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..errors import Location
from ..model import Spec
from ..results import CheckResult, Finding, Planned, Section
from ..session import (
    CallError,
    ChecksHold,
    InStates,
    NoDuplicates,
    NoNulls,
    NoOrphans,
    NotBefore,
    Rule,
    SetExactlyIn,
    UnknownName,
)
from .base import Context, Target, one_each

SECTION: Section = "audit"
units = one_each


@dataclass(frozen=True)
class _Audit:
    rule: Rule
    expected: str


def plan(spec: Spec, target: Target) -> list[Planned]:
    """Every rule the spec implies, when the run audits existing rows."""
    if not target.audit:
        return []
    found: list[Planned] = []

    def add(check_id: str, title: str, where: Location, rule: Rule, expected: str) -> None:
        detail = _Audit(rule, expected)
        found.append(Planned(SECTION, f"audit-{check_id}", title, where, detail=detail))

    at = spec.source.at
    for machine in spec.machines:
        base, table, column = f"machine-{machine.name}", machine.table, machine.column
        add(
            f"{base}.states",
            f"rows of {table}: {column} is one of the states of {machine.name}",
            at((*machine.path, "states")),
            InStates(table, column, machine.states),
            f"every {column} of {table} one of {', '.join(machine.states)}",
        )
        for stamp in machine.timestamps:
            if stamp.states is not None:
                states = tuple(sorted(stamp.states))
                add(
                    f"{base}.{stamp.column}",
                    f"rows of {table}: {stamp.column} is set exactly in {', '.join(states)}",
                    stamp.location,
                    SetExactlyIn(table, column, stamp.column, states),
                    f"{stamp.column} set exactly where {column} is one of {', '.join(states)}",
                )
            if stamp.not_before is not None:
                add(
                    f"{base}.{stamp.column}.not_before",
                    f"rows of {table}: {stamp.column} is not earlier than {stamp.not_before}",
                    stamp.not_before_location or stamp.location,
                    NotBefore(table, stamp.column, stamp.not_before),
                    f"{stamp.column} not earlier than {stamp.not_before} where both are set",
                )
    for rule in spec.tables:
        name = rule.name
        for col in rule.columns:
            if col.not_null:
                add(
                    f"table-{name}.{col.name}.not_null",
                    f"rows of {name}: {col.name} is never NULL",
                    at(("tables", name, "columns", col.name, "not_null")),
                    NoNulls(name, col.name),
                    f"no NULL in {name}.{col.name}",
                )
            if col.unique:
                add(
                    f"table-{name}.{col.name}.unique",
                    f"rows of {name}: {col.name} is unique",
                    at(("tables", name, "columns", col.name, "unique")),
                    NoDuplicates(name, (col.name,)),
                    f"no two rows of {name} with the same {col.name}",
                )
            if col.references is not None:
                parent = col.references
                add(
                    f"table-{name}.{col.name}.references",
                    f"rows of {name}: {col.name} names a row of {parent.table}",
                    at(("tables", name, "columns", col.name, "references")),
                    NoOrphans(name, col.name, parent.table, parent.column),
                    f"every {name}.{col.name} to name a row of {parent.table}.{parent.column}",
                )
        for key in rule.unique:
            columns = ", ".join(key.columns)
            add(
                f"table-{name}.unique({','.join(key.columns)})",
                f"rows of {name}: ({columns}) is unique",
                key.location,
                NoDuplicates(name, key.columns),
                f"no two rows of {name} with the same ({columns})",
            )
        add(
            f"table-{name}.checks",
            f"rows of {name}: every CHECK constraint holds",
            rule.location,
            ChecksHold(name),
            f"every CHECK constraint of {name} to hold",
        )
    return found


def check(_spec: Spec, unit: Sequence[Planned], context: Context) -> Iterator[CheckResult]:
    """Run each rule's queries on the rows as they are."""
    for planned in unit:
        audit = planned.detail
        assert isinstance(audit, _Audit)
        yield planned.judge(_findings(planned, audit, context))


def _findings(planned: Planned, audit: _Audit, context: Context) -> list[Finding]:
    session, where = context.session, planned.location
    try:
        queries = session.audit_queries(audit.rule, where)
    except UnknownName as exc:
        return [Finding(where, audit.expected, str(exc))]
    findings: list[Finding] = []
    for index, (label, query) in enumerate(queries):
        expected = f"CHECK ({label}) to hold on every row" if label else audit.expected
        try:
            rows = session.violations(query, context.audit_timeout)
        except CallError as exc:
            findings.append(Finding(where, expected, str(exc), blocking=True))
            continue
        if rows.count:
            findings.append(Finding(where, expected, f"{rows} breaking it", rows=rows))
            if context.store is not None:
                name = planned.id if len(queries) == 1 else f"{planned.id}.{index + 1}"
                context.store(name, session.stream(query, context.audit_timeout))
    return findings

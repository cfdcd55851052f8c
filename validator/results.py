"""Check results and the report of a run: plain values, the input of every reporter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import Location

Section = Literal["migrations", "tables", "state_machines", "criteria", "invariants", "audit"]
Outcome = Literal["pass", "fail", "error", "warn"]
"""``warn``: only rules of severity ``warn`` were broken; shown, but the gate passes."""
Probe = Literal["initial", "allowed", "refused", "outside", "guard"]
"""What a state machine check tries: the start state, a listed transition, an
unlisted one (``reject_others``), a value outside the states, or a guarded
transition while its guard does not hold."""
SECTIONS: tuple[Section, ...] = (
    "migrations",
    "tables",
    "state_machines",
    "criteria",
    "invariants",
    "audit",
)

SAMPLE_ROWS = 20
"""How many offending rows a finding carries (the count says how many there are)."""


@dataclass(frozen=True)
class Rows:
    """Rows that break a rule: how many there are, and the first few of them."""

    count: int
    columns: tuple[str, ...]
    sample: tuple[tuple[Any, ...], ...]

    def records(self) -> list[dict[str, Any]]:
        """The sample as mappings of column -> value."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.sample]

    def __str__(self) -> str:
        noun = "row" if self.count == 1 else "rows"
        return f"{self.count} {noun}"


@dataclass(frozen=True)
class Finding:
    """Why a check did not pass: where, what was expected, what was found.

    A ``blocking`` finding says the check could not run (a fixture that could
    not be built, a statement stopped by the guard, a state that could not be
    reached): the check is then an ``error``, not a ``fail``. A ``warning``
    comes from a rule of severity ``warn``. ``rows`` are the rows that break a
    rule over the data, when the finding is about rows.
    """

    location: Location
    expected: str
    found: str
    step: str = ""
    blocking: bool = False
    warning: bool = False
    rows: Rows | None = None

    def __str__(self) -> str:
        where = f"{self.step}: " if self.step else ""
        return f"{where}expected {self.expected}, found {self.found}"


@dataclass(frozen=True)
class Planned:
    """A check before it runs: what ``--list`` shows and ``-k`` selects from."""

    section: Section
    id: str
    title: str
    location: Location
    number: int | None = None
    machine: str | None = None
    transition: tuple[str, str] | None = None
    probe: Probe | None = None
    detail: object = field(default=None, compare=False, repr=False)
    """What the check kind that planned this check needs to run it."""

    def judge(self, findings: Sequence[Finding]) -> CheckResult:
        """The one place that decides an outcome: ``error`` when a finding says
        the check could not run, else ``fail`` when there are findings, else ``pass``."""
        if any(finding.blocking for finding in findings):
            outcome: Outcome = "error"
        elif any(not finding.warning for finding in findings):
            outcome = "fail"
        else:
            outcome = "warn" if findings else "pass"
        return CheckResult(
            section=self.section,
            id=self.id,
            title=self.title,
            outcome=outcome,
            location=self.location,
            findings=tuple(findings),
            number=self.number,
            machine=self.machine,
            transition=self.transition,
            probe=self.probe,
        )


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check. ``id`` is stable across runs and schemas.

    State machine checks name their ``machine``, what they ``probe`` and, for
    a move, the ``(source, target)`` pair tried (for ``outside``, the target
    is the value outside the states).
    """

    section: Section
    id: str
    title: str
    outcome: Outcome
    location: Location
    findings: tuple[Finding, ...] = ()
    number: int | None = None
    machine: str | None = None
    transition: tuple[str, str] | None = None
    probe: Probe | None = None

    @property
    def display_title(self) -> str:
        """The title as reports show it: criteria with their seed number first."""
        return f"{self.number}. {self.title}" if self.number is not None else self.title

    @property
    def message(self) -> str:
        """One line: the first finding, and how many more there are."""
        if not self.findings:
            return ""
        more = len(self.findings) - 1
        return str(self.findings[0]) + (f" (and {more} more)" if more else "")


@dataclass(frozen=True)
class Summary:
    passed: int
    failed: int
    errors: int
    warnings: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.warnings


@dataclass(frozen=True)
class MachineSummary:
    """A state machine as declared, for reporters that draw it."""

    name: str
    states: tuple[str, ...]
    initial: str
    terminal: tuple[str, ...]
    transitions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Report:
    """Everything a run found for one spec. ``schema`` names what the checks ran
    against: the SQL schema applied, or the database copied."""

    spec: str
    title: str
    schema: str
    checks: tuple[CheckResult, ...] = field(default_factory=tuple)
    machines: tuple[MachineSummary, ...] = ()
    integrity: str = ""
    """Which integrity check a copied database (``--db``) passed; empty otherwise."""

    @property
    def summary(self) -> Summary:
        count = {"pass": 0, "fail": 0, "error": 0, "warn": 0}
        for check in self.checks:
            count[check.outcome] += 1
        return Summary(count["pass"], count["fail"], count["error"], count["warn"])

    @property
    def verdict(self) -> Literal["PASS", "FAIL"]:
        """PASS only when every check ran and held, warnings aside (and there was one)."""
        summary = self.summary
        ok = summary.total > 0 and summary.failed == 0 and summary.errors == 0
        return "PASS" if ok else "FAIL"


@dataclass(frozen=True)
class Overall:
    """The verdict of a run of several specs: PASS only if every spec passed."""

    verdict: Literal["PASS", "FAIL"]
    specs: int
    passed: int

    @property
    def failed(self) -> int:
        return self.specs - self.passed

    @classmethod
    def of(cls, reports: Sequence[Report]) -> Overall:
        passed = sum(report.verdict == "PASS" for report in reports)
        ok = bool(reports) and passed == len(reports)
        return cls("PASS" if ok else "FAIL", len(reports), passed)

    def __str__(self) -> str:
        return f"{self.specs} specs, {self.passed} passed, {self.failed} failed"

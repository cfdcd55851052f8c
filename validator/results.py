"""Check results and the report of a run: plain values, the input of every reporter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .errors import Location

Section = Literal["tables", "state_machines", "criteria"]
Outcome = Literal["pass", "fail", "error"]
SECTIONS: tuple[Section, ...] = ("tables", "state_machines", "criteria")


@dataclass(frozen=True)
class Finding:
    """Why a check did not pass: where, what was expected, what was found."""

    location: Location
    expected: str
    found: str
    step: str = ""

    def __str__(self) -> str:
        where = f"{self.step}: " if self.step else ""
        return f"{where}expected {self.expected}, found {self.found}"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check. ``id`` is stable across runs and schemas."""

    section: Section
    id: str
    title: str
    outcome: Outcome
    location: Location
    findings: tuple[Finding, ...] = ()
    number: int | None = None

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

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors


@dataclass(frozen=True)
class Report:
    """Everything a run found for one spec."""

    spec: str
    title: str
    schema: str
    checks: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def summary(self) -> Summary:
        count = {"pass": 0, "fail": 0, "error": 0}
        for check in self.checks:
            count[check.outcome] += 1
        return Summary(count["pass"], count["fail"], count["error"])

    @property
    def verdict(self) -> Literal["PASS", "FAIL"]:
        """PASS only when every check ran and held (and there was one)."""
        summary = self.summary
        ok = summary.total > 0 and summary.failed == 0 and summary.errors == 0
        return "PASS" if ok else "FAIL"

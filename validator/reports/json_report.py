"""The JSON report: a public contract, described by ``report.schema.json``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..errors import Location
from ..results import CheckResult, Finding, Overall, Report
from . import RenderOptions
from .rows import records

FORMAT_VERSION = 1


def _location(location: Location) -> dict[str, Any]:
    return {"file": location.file, "line": location.line, "column": location.column}


def _finding(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "step": finding.step,
        "expected": finding.expected,
        "found": finding.found,
        "location": _location(finding.location),
    }
    if finding.rows is not None:
        data["count"] = finding.rows.count
        data["rows"] = records(finding.rows)
    return data


def _check(check: CheckResult) -> dict[str, Any]:
    data: dict[str, Any] = {"section": check.section, "id": check.id}
    if check.section == "criteria":
        data["number"] = check.number
    data.update(
        title=check.title,
        outcome=check.outcome,
        message=check.message,
        location=_location(check.location),
        findings=[_finding(f) for f in check.findings],
    )
    return data


def document(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data."""
    summary = report.summary
    checked = {"integrity": report.integrity} if report.integrity else {}
    return {
        "version": FORMAT_VERSION,
        "spec": report.spec,
        "title": report.title,
        "schema": report.schema,
        **checked,
        "verdict": report.verdict,
        "summary": {
            "total": summary.total,
            "passed": summary.passed,
            "failed": summary.failed,
            "errors": summary.errors,
            "warnings": summary.warnings,
        },
        "checks": [_check(check) for check in report.checks],
    }


def combined(reports: Sequence[Report]) -> dict[str, Any]:
    """Several specs in one document: an overall verdict and each report."""
    return {
        "version": FORMAT_VERSION,
        "verdict": Overall.of(reports).verdict,
        "reports": [document(report) for report in reports],
    }


def render(reports: Sequence[Report], _: RenderOptions) -> str:
    """One spec: its report document; several: :func:`combined`."""
    data = document(reports[0]) if len(reports) == 1 else combined(reports)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

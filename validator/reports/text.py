"""The human report: one line per check, failures explained, a verdict line."""

from __future__ import annotations

from ..results import SECTIONS, CheckResult, Report

_LABEL = {"pass": "PASS ", "fail": "FAIL ", "error": "ERROR"}


def _title(check: CheckResult) -> str:
    return f"{check.number}. {check.title}" if check.number is not None else check.title


def render(report: Report) -> str:
    lines = [f"{report.title} ({report.spec}, schema {report.schema})"]
    for section in SECTIONS:
        checks = [check for check in report.checks if check.section == section]
        if not checks:
            continue
        lines.append("")
        lines.append(section)
        for check in checks:
            lines.append(f"  {_LABEL[check.outcome]} {_title(check)}  [{check.id}]")
            for finding in check.findings:
                lines.append(f"         {finding.location}: {finding}")
    summary = report.summary
    lines.append("")
    lines.append(
        f"{report.verdict}: {summary.total} checks, {summary.passed} passed, "
        f"{summary.failed} failed, {summary.errors} errors ({report.spec})"
    )
    return "\n".join(lines) + "\n"

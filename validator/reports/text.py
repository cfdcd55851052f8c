"""The human report: one line per check, failures explained, a verdict line.

Every piece of text from the spec or the database goes through
:func:`~validator.reports.escape.visible`, before colours are added, so a
title cannot carry a colour, a cursor movement or a line of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..results import SECTIONS, Overall, Report
from . import RenderOptions
from .escape import visible
from .rows import row_lines

_LABEL = {"pass": "PASS ", "fail": "FAIL ", "error": "ERROR", "warn": "WARN "}
_COLOR = {"pass": "\033[32m", "fail": "\033[31m", "error": "\033[33m", "warn": "\033[35m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *codes: str) -> str:
        return "".join(codes) + text + _RESET if self.enabled and codes else text


def _render_one(report: Report, paint: _Paint, quiet: bool) -> list[str]:
    lines = [paint(visible(f"{report.title} ({report.spec}, schema {report.schema})"), _BOLD)]
    if report.integrity:
        lines.append(f"database checked: {report.integrity}")
    if quiet and all(check.outcome == "pass" for check in report.checks):
        lines = []  # -q: the summary line alone
    for section in SECTIONS:
        checks = [
            check
            for check in report.checks
            if check.section == section and not (quiet and check.outcome == "pass")
        ]
        if not checks:
            continue
        lines.append("")
        lines.append(section)
        for check in checks:
            label = paint(_LABEL[check.outcome], _COLOR[check.outcome])
            title, check_id = visible(check.display_title), visible(check.id)
            lines.append(f"  {label} {title}  {paint(f'[{check_id}]', _DIM)}")
            for finding in check.findings:
                lines.append(visible(f"         {finding.location}: {finding}"))
                if finding.rows is not None:
                    lines.extend(visible(f"           {line}") for line in row_lines(finding.rows))
    summary = report.summary
    verdict = paint(report.verdict, _BOLD, _COLOR["pass" if report.verdict == "PASS" else "fail"])
    if lines:
        lines.append("")
    warnings = f", {summary.warnings} warnings" if summary.warnings else ""
    lines.append(
        f"{verdict}: {summary.total} checks, {summary.passed} passed, "
        f"{summary.failed} failed, {summary.errors} errors{warnings} ({visible(report.spec)})"
    )
    return lines


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    paint = _Paint(options.color)
    blocks = ["\n".join(_render_one(report, paint, options.quiet)) for report in reports]
    if len(reports) > 1:
        overall = Overall.of(reports)
        colour = _COLOR["pass" if overall.verdict == "PASS" else "fail"]
        blocks.append(f"{paint(overall.verdict, _BOLD, colour)}: {overall}")
    return "\n\n".join(blocks) + "\n"

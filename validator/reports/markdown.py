"""The Markdown report: a summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment.

This module owns the GitHub-flavoured Markdown rendering of reports. One spec gives:

- a ``##`` heading with the verdict (✅/❌) and the spec title, then one line of
  counts naming the spec and the schema;
- ``### Checks``: a plain table of every check (outcome, section, id in a code
  span, title with the criterion number). It stands on its own where Mermaid
  does not render. With more than :data:`DETAILS_OVER` checks it is folded into
  a ``<details>`` block, so that the failures below stay in view;
- ``### Failures`` (only when something did not pass): each failing or error
  check with every finding as ``file:line`` and "step: expected X, found Y";
- ``### State machines``: per machine a Mermaid ``stateDiagram-v2`` block with
  its states and allowed transitions, ``[*] --> initial`` and ``terminal -->
  [*]``, and what failed marked on it.

The diagrams are drawn by :mod:`~validator.reports.mermaid`: allowed transitions
as edges, failing ones labelled, accepted moves that had to be refused as one
note per source state, so a diagram stays readable however many checks fail.

Several specs: an overall verdict line first, then one ``##`` section per spec.
Text from the spec or the database is escaped: control and bidi characters
become visible escapes (:mod:`~validator.reports.escape`), Markdown punctuation
gets a backslash, ``|`` in table cells becomes ``\\|`` and newlines ``<br>``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import Location
from ..results import CheckResult, Finding, Overall, Report
from . import RenderOptions
from .escape import visible
from .mermaid import diagram
from .rows import row_lines

DETAILS_OVER = 50
"""Fold the table of checks into ``<details>`` when there are more checks than this."""

_ICON = {"pass": "✅", "fail": "❌", "error": "⚠️", "warn": "🔶"}
_VERDICT_ICON = {"PASS": "✅", "FAIL": "❌"}

# ASCII punctuation that can start inline Markdown (emphasis, code, links, HTML,
# strikethrough, math, entities, table cells); ``_`` is handled apart because it is
# inert between two letters or digits (``created_at`` stays readable).
_ESCAPED = set("\\`*[]<~&|$#")


# --- Markdown text ------------------------------------------------------------------


def _shown(text: str) -> str:
    """``text`` with its line breaks as ``\\n`` and every other control character escaped."""
    return visible(text.replace("\r\n", "\n").replace("\r", "\n"), keep="\n")


def _inline(text: str) -> str:
    """``text`` as literal inline Markdown; newlines become ``<br>``."""
    text = _shown(text)
    out: list[str] = []
    for index, char in enumerate(text):
        if char == "_":
            before = text[index - 1] if index else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            out.append("_" if before.isalnum() and after.isalnum() else "\\_")
        elif char in _ESCAPED:
            out.append("\\" + char)
        elif char == "\n":
            out.append("<br>")
        else:
            out.append(char)
    return "".join(out)


def _code(text: str, *, cell: bool = False) -> str:
    """``text`` in a code span, fenced with more backticks than it contains; in a
    table ``cell``, ``|`` is escaped (GitHub removes that backslash there only)."""
    text = " ".join(_shown(text).split("\n"))
    if cell:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _where(location: Location) -> str:
    """``file:line`` (the column is left to the text and JSON reports)."""
    return f"{location.file}:{location.line}" if location.line else location.file


# --- one report ---------------------------------------------------------------------


def _counts(report: Report) -> str:
    summary = report.summary
    warnings = f", {summary.warnings} warnings" if summary.warnings else ""
    return (
        f"{summary.total} checks: {summary.passed} passed, "
        f"{summary.failed} failed, {summary.errors} errors{warnings}"
    )


def _head(report: Report) -> list[str]:
    icon = _VERDICT_ICON[report.verdict]
    return [
        f"## {icon} {report.verdict}: {_inline(report.title)}",
        "",
        f"{_counts(report)} (spec {_code(report.spec)}, schema {_code(report.schema)})",
    ]


def _table(checks: Sequence[CheckResult]) -> list[str]:
    lines = ["| outcome | section | check | title |", "| --- | --- | --- | --- |"]
    for check in checks:
        cells = (
            f"{_ICON[check.outcome]} {check.outcome}",
            check.section,
            _code(check.id, cell=True),
            _inline(check.display_title),
        )
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def _checks(report: Report) -> list[str]:
    table = _table(report.checks)
    if len(report.checks) <= DETAILS_OVER:
        return ["### Checks", "", *table]
    summary = f"All {_counts(report)}"
    return ["### Checks", "", "<details>", f"<summary>{summary}</summary>", "", *table, "",
            "</details>"]  # fmt: skip


def _finding(finding: Finding) -> list[str]:
    lines = [f"  - {_code(_where(finding.location))}: {_inline(str(finding))}"]
    if finding.rows is not None:
        lines.extend(f"    - {_code(line)}" for line in row_lines(finding.rows))
    return lines


def _failure(check: CheckResult) -> list[str]:
    head = f"- {_ICON[check.outcome]} **{_inline(check.display_title)}** {_code(check.id)}"
    if check.outcome == "error":
        head += " (could not run)"
    elif check.outcome == "warn":
        head += " (warning: the gate still passes)"
    if not check.findings:
        return [head, f"  - {_code(_where(check.location))}: {check.outcome}"]
    return [head, *(line for finding in check.findings for line in _finding(finding))]


def _failures(report: Report) -> list[str]:
    failing = [check for check in report.checks if check.outcome != "pass"]
    if not failing:
        return []
    heading = "Failures" if any(c.outcome != "warn" for c in failing) else "Warnings"
    lines = [f"### {heading} ({len(failing)})", ""]
    for check in failing:
        lines.extend(_failure(check))
    return lines


# --- state machines -----------------------------------------------------------------


def _machines(report: Report) -> list[str]:
    if not report.machines:
        return []
    lines = ["### State machines"]
    for machine in report.machines:
        lines.extend(["", f"#### {_code(machine.name)}", "", *diagram(machine, report.checks)])
    return lines


# --- the document -------------------------------------------------------------------


def _section(report: Report) -> str:
    parts = [_head(report), _checks(report), _failures(report), _machines(report)]
    return "\n\n".join("\n".join(part) for part in parts if part)


def _overall(reports: Sequence[Report]) -> str:
    overall = Overall.of(reports)
    return f"**{_VERDICT_ICON[overall.verdict]} {overall.verdict}**: {overall}"


def render(reports: Sequence[Report], _: RenderOptions) -> str:
    """The whole Markdown document for the reports of one run."""
    blocks = [_section(report) for report in reports]
    if len(reports) > 1:
        blocks.insert(0, _overall(reports))
    return "\n\n".join(blocks) + "\n"

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
  [*]``.

Mermaid cannot style a single edge of a state diagram (``classDef`` applies to
states) and has no dashed edges there, so outcomes are written as edge labels,
which GitHub renders:

- an allowed transition whose check failed: ``running --> completed: ❌ failed``
  (the start check marks ``[*] --> initial`` the same way);
- an unlisted transition that had to be refused but was accepted (a failing
  ``reject_others`` or ``outside-states`` check) is added as an extra edge:
  ``completed --> running: ❌ accepted, should be refused``; an outside value
  becomes an extra state;
- a check that could not run: ``⚠️ not checked (error)`` on its edge.

Passing refusals are not drawn (they would turn every diagram into a complete
graph). State names Mermaid cannot take raw (anything but ASCII letters, digits
and ``_``, and keywords such as ``end``, ``state``, ``note`` or names starting
with ``default``) are declared with an alias: ``state "on-hold" as s1``.

Several specs: an overall verdict line first, then one ``##`` section per spec.
Text from the spec or the database is escaped: control and bidi characters
become visible escapes (:mod:`~validator.reports.escape`), Markdown punctuation
gets a backslash, ``|`` in table cells becomes ``\\|`` and newlines ``<br>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..errors import Location
from ..results import CheckResult, Finding, MachineSummary, Outcome, Overall, Report
from . import RenderOptions
from .escape import visible
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


# --- Mermaid ------------------------------------------------------------------------

_MERMAID_WORDS = frozenset(
    {
        "accdescr", "acctitle", "as", "choice", "class", "classdef", "click", "direction",
        "end", "fork", "graph", "hide", "join", "left", "linkstyle", "note", "of", "right",
        "scale", "state", "statediagram", "style", "subgraph",
    }
)  # fmt: skip
_RAW_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _raw_ok(name: str) -> bool:
    """Whether Mermaid takes ``name`` as a state id as it is."""
    lowered = name.lower()
    return (
        _RAW_ID.fullmatch(name) is not None
        and lowered not in _MERMAID_WORDS
        and not lowered.startswith("default")
    )


def _ids(names: Sequence[str]) -> dict[str, str]:
    """A Mermaid id for every state name: itself, or an alias ``sN`` unused by any name."""
    taken = {name.lower() for name in names if _raw_ok(name)}
    ids: dict[str, str] = {}
    counter = 0
    for name in names:
        if _raw_ok(name):
            ids[name] = name
            continue
        counter += 1
        while f"s{counter}" in taken:
            counter += 1
        ids[name] = f"s{counter}"
    return ids


def _label(outcome: Outcome, allowed: bool) -> str:
    if outcome == "fail":
        return ": ❌ failed" if allowed else ": ❌ accepted, should be refused"
    return ": ⚠️ not checked (error)"


def _not_passed(
    machine: MachineSummary, checks: Iterable[CheckResult]
) -> dict[tuple[str, str] | None, tuple[Outcome, bool]]:
    """Every machine check that did not pass, by its transition (``None`` for
    the start check), in report order: its outcome and whether the move is a
    listed one (else it had to be refused)."""
    found: dict[tuple[str, str] | None, tuple[Outcome, bool]] = {}
    for check in checks:
        mine = check.section == "state_machines" and check.machine == machine.name
        if mine and check.outcome != "pass":
            listed = check.probe in ("initial", "allowed")
            found.setdefault(check.transition, (check.outcome, listed))
    return found


def _diagram(machine: MachineSummary, checks: Iterable[CheckResult]) -> list[str]:
    bad = _not_passed(machine, checks)
    extra = [pair for pair, (_, listed) in bad.items() if pair is not None and not listed]
    names = list(machine.states)
    for pair in extra:
        names.extend(state for state in pair if state not in names)
    ids = _ids(names)
    lines = ["```mermaid", "stateDiagram-v2"]
    for name in names:
        if ids[name] != name:
            description = " ".join(_shown(name).split("\n")).replace('"', "#quot;")
            lines.append(f'    state "{description}" as {ids[name]}')
    start = _label(bad[None][0], True) if None in bad else ""
    lines.append(f"    [*] --> {ids[machine.initial]}{start}")
    for source, target in machine.transitions:
        outcome = bad.get((source, target))
        label = _label(outcome[0], True) if outcome else ""
        lines.append(f"    {ids[source]} --> {ids[target]}{label}")
    for source, target in extra:
        lines.append(
            f"    {ids[source]} --> {ids[target]}{_label(bad[(source, target)][0], False)}"
        )
    lines.extend(f"    {ids[state]} --> [*]" for state in machine.terminal)
    lines.append("```")
    return lines


def _machines(report: Report) -> list[str]:
    if not report.machines:
        return []
    lines = ["### State machines"]
    for machine in report.machines:
        lines.extend(["", f"#### {_code(machine.name)}", "", *_diagram(machine, report.checks)])
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

"""Reports of ``validator mutate``: ``render(format, report) -> str`` over one
:class:`~validator.mutation.MutationReport`, in text, json, markdown or junit.

- ``text``: the survivors, each at its schema ``file:line:col`` with its id, the
  edit as a one-line before/after and the rule no check exercises; then the
  ignored ones with the spec's reason, the mutants that no longer apply or could
  not run, what no check exercises (``--coverage``), the ignore entries that are
  not needed, and a last line with the score;
- ``json``: every mutant (``mutation.schema.json`` describes it);
- ``markdown``: the score, the survivors in a table, the rest folded;
- ``junit``: one ``<testcase>`` per mutant: a survivor is a ``<failure>``, an
  error an ``<error>``, equivalent and ignored mutants are ``<skipped>``.

Text from the spec and the schema goes through the same escaping as the run
reports (:mod:`~validator.reports.escape`, the markdown and junit helpers).
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from ..errors import Location, Problem
from ..mutation import OUTCOMES, MutantResult, MutationReport
from .escape import visible
from .junit import one_line, xml_safe
from .markdown import _code, _inline

FORMAT_VERSION = 1


def percent(score: float) -> str:
    """The score as a percentage, rounded down: 99.96% never reads as 100.0%."""
    return f"{math.floor(score * 1000) / 10:.1f}%"


def counts(report: MutationReport) -> str:
    """The outcomes, counted, on one line."""
    return (
        f"{report.count('killed')} killed, {report.count('survived')} survived "
        f"({report.count('ignored')} ignored, {report.count('equivalent')} equivalent, "
        f"{report.count('error')} errors; {len(report.results)} of {report.generated} "
        f"mutants, {report.checks} checks)"
    )


def summary(report: MutationReport) -> str:
    """One line: the score and the counts."""
    return f"score {percent(report.score)}: {counts(report)}"


def _not_applied(result: MutantResult) -> bool:
    return result.outcome == "killed" and not result.killed_by


# -- text -----------------------------------------------------------------------


def _text_mutant(result: MutantResult, note: str) -> list[str]:
    mutant = result.mutant
    lines = [visible(f"  {mutant.location}: {mutant.id}")]
    lines += [visible(f"      - {mutant.before}"), visible(f"      + {mutant.after}")]
    lines.append(visible(f"      {note}"))
    return lines


def text(report: MutationReport) -> str:
    lines = [visible(f"Mutants of {report.schema} against {report.title} ({report.spec})")]
    sections: list[tuple[str, list[str]]] = []
    survived = [
        line
        for result in report.survivors
        for line in _text_mutant(result, f"no check exercises {result.mutant.title}")
    ]
    sections.append(("survived: no check notices these edits", survived))
    ignored = [
        line
        for result in report.results
        if result.outcome == "ignored"
        for line in _text_mutant(result, f"ignored: {result.reason}")
    ]
    sections.append(("ignored (mutations.ignore in the spec)", ignored))
    sections.append(("killed: the mutated schema does not apply", _reasons(report, _not_applied)))
    errors = _reasons(report, lambda result: result.outcome == "error")
    sections.append(("errors: could not be run", errors))
    if report.coverage is not None:
        items = [visible(f"  {item.location}: {item.kind} {item.name}") for item in report.coverage]
        sections.append(("not exercised by any check", items or ["  (everything is)"]))
    sections.append(("warnings", [visible(f"  {problem}") for problem in report.warnings]))
    for title, body in sections:
        if body:
            lines += ["", title, *body]
    lines += ["", summary(report)]
    return "\n".join(lines) + "\n"


def _reasons(report: MutationReport, chosen: Callable[[MutantResult], bool]) -> list[str]:
    return [
        visible(f"  {result.mutant.location}: {result.mutant.id}: {result.reason}")
        for result in report.results
        if chosen(result)
    ]


# -- json -----------------------------------------------------------------------


def _location(location: Location) -> dict[str, Any]:
    return {"file": location.file, "line": location.line, "column": location.column}


def _problem(problem: Problem) -> dict[str, Any]:
    return {"location": _location(problem.location), "message": problem.message}


def _mutant(result: MutantResult) -> dict[str, Any]:
    mutant = result.mutant
    edit = mutant.edit
    return {
        "id": mutant.id,
        "operator": mutant.operator,
        "location": _location(mutant.location),
        "edit": {
            "before": mutant.before,
            "after": mutant.after,
            "offset": edit.start,
            "length": edit.end - edit.start,
            "replacement": edit.replacement,
        },
        "subject": mutant.title,
        "outcome": result.outcome,
        "killed_by": list(result.killed_by),
        "reason": result.reason,
    }


def document(report: MutationReport) -> dict[str, Any]:
    """The report as JSON-ready data."""
    coverage = None
    if report.coverage is not None:
        coverage = [
            {"kind": item.kind, "name": item.name, "location": _location(item.location)}
            for item in report.coverage
        ]
    return {
        "version": FORMAT_VERSION,
        "spec": report.spec,
        "title": report.title,
        "schema": report.schema,
        "checks": report.checks,
        "score": report.score,
        "summary": {
            "generated": report.generated,
            "selected": len(report.results),
            **{outcome: report.count(outcome) for outcome in OUTCOMES},
        },
        "killed_by_complete": report.every_killer,
        "mutants": [_mutant(result) for result in report.results],
        "warnings": [_problem(problem) for problem in report.warnings],
        "coverage": coverage,
    }


def json_text(report: MutationReport) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"


# -- markdown -------------------------------------------------------------------


def markdown(report: MutationReport) -> str:
    icon = "✅" if not report.survivors and report.complete else "❌"
    lines = [
        f"## {icon} Mutation score {percent(report.score)}: {_inline(report.title)}",
        "",
        f"{_inline(counts(report))}: spec {_code(report.spec)}, schema {_code(report.schema)}",
    ]
    if report.survivors:
        lines += ["", "### Survivors", ""]
        lines += ["| where | mutant | edit | not exercised |", "| --- | --- | --- | --- |"]
        for result in report.survivors:
            mutant = result.mutant
            edit = f"{_code(mutant.before, cell=True)} → {_code(mutant.after, cell=True)}"
            cells = (
                _code(str(mutant.location), cell=True),
                _code(mutant.id, cell=True),
                edit,
                _inline(mutant.title),
            )
            lines.append(f"| {' | '.join(cells)} |")
    lines += _markdown_list("Could not be run", report, lambda r: r.outcome == "error")
    lines += _markdown_list("Killed: the mutated schema does not apply", report, _not_applied)
    if report.coverage:
        lines += ["", "### Not exercised by any check", ""]
        lines += [
            f"- {_code(str(item.location))} {item.kind} {_inline(item.name)}"
            for item in report.coverage
        ]
    if report.warnings:
        lines += ["", "### Warnings", ""]
        lines += [f"- {_code(str(p.location))} {_inline(p.message)}" for p in report.warnings]
    lines += ["", f"<details><summary>All {len(report.results)} mutants</summary>", ""]
    lines += ["| outcome | where | mutant | killed by / reason |", "| --- | --- | --- | --- |"]
    for result in report.results:
        why = ", ".join(result.killed_by) or result.reason
        cells = (
            result.outcome,
            _code(str(result.mutant.location), cell=True),
            _code(result.mutant.id, cell=True),
            _inline(why),
        )
        lines.append(f"| {' | '.join(cells)} |")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _markdown_list(
    title: str, report: MutationReport, chosen: Callable[[MutantResult], bool]
) -> list[str]:
    items = [
        f"- {_code(str(r.mutant.location))} {_code(r.mutant.id)}: {_inline(r.reason)}"
        for r in report.results
        if chosen(r)
    ]
    return ["", f"### {title}", "", *items] if items else []


# -- junit ----------------------------------------------------------------------


def junit(report: MutationReport) -> str:
    failures, errors = report.count("survived"), report.count("error")
    skipped = report.count("equivalent") + report.count("ignored")
    counts = {"tests": str(len(report.results)), "failures": str(failures), "errors": str(errors)}
    root = ET.Element("testsuites", {"name": "validator mutate", **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": one_line(f"mutants of {report.schema}: {report.title}"),
            **counts,
            "skipped": str(skipped),
            "file": one_line(report.schema),
        },
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("spec", report.spec),
        ("schema", report.schema),
        ("score", f"{report.score:.6f}"),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": one_line(value)})
    for result in report.results:
        _junit_case(suite, result)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _junit_case(suite: ET.Element, result: MutantResult) -> None:
    mutant = result.mutant
    case = ET.SubElement(
        suite,
        "testcase",
        {"name": one_line(f"{mutant.title} [{mutant.id}]"), "classname": mutant.operator},
    )
    body = xml_safe(f"  {mutant.location}: {mutant.id}\n  - {mutant.before}\n  + {mutant.after}")
    if result.outcome == "survived":
        message = one_line(f"survived: no check exercises {mutant.title}")
        ET.SubElement(case, "failure", {"message": message}).text = body
    elif result.outcome == "error":
        ET.SubElement(case, "error", {"message": one_line(result.reason)}).text = body
    elif result.outcome in ("equivalent", "ignored"):
        why = result.reason or "equivalent: the schema reads back the same"
        ET.SubElement(case, "skipped", {"message": one_line(f"{result.outcome}: {why}")})


RENDERERS: dict[str, Callable[[MutationReport], str]] = {
    "text": text,
    "json": json_text,
    "markdown": markdown,
    "junit": junit,
}
FORMATS = tuple(RENDERERS)


def render(name: str, report: MutationReport) -> str:
    """``report`` in format ``name`` (one of :data:`FORMATS`)."""
    return RENDERERS[name](report)

"""The JUnit XML report: one ``<testsuite>`` per spec, one ``<testcase>`` per check.

This module owns how a run maps onto JUnit XML for CI test-report views
(GitLab, GitHub JUnit actions, Jenkins): names, counts, where the spec file
and line go, and keeping the text legal XML 1.0. The output is deterministic
(no time, timestamp or host) so that it can be golden-tested.

Layout, per spec (``report``) and check:

- ``<testsuites name="validator" tests failures errors>``: the totals
  (Jenkins' ``junit-10.xsd`` allows no ``skipped`` here; nothing is ever
  skipped, so each suite carries ``skipped="0"`` instead);
- ``<testsuite name=TITLE tests failures errors skipped file=SPEC>`` with
  properties ``spec``, ``schema`` and ``verdict``;
- ``<testcase name="N. TITLE [ID]" classname="SPEC_STEM.SECTION">``:
  criteria are named by number and title, other checks by title, and the
  stable check id stays visible at the end of the name;
- a check of outcome ``warn`` passes, with its findings in ``<system-out>``;
- ``<failure message=ONE_LINE>`` (outcome ``fail``) or ``<error ...>``
  (outcome ``error``), whose body is one ``  file:line:col: step: expected
  ..., found ...`` line per finding: the lines the text report prints.

Where the spec file and line go. By default the document is valid against
Jenkins' ``junit-10.xsd``, which allows ``file`` on ``<testsuite>`` but
nothing of the kind on ``<testcase>``: the spec path is the suite's ``file``,
and each body line names ``file:line``. The GitHub JUnit action
(mikepenz/action-junit-report) reads the suite's ``file`` and then takes the
line from the last `` PATH:LINE`` in the body, so its annotations land on the
spec line. GitLab reads only ``<testcase file>``: with
``RenderOptions.junit_testcase_location`` (``--junit-testcase-location``)
each test case also gets ``file`` and ``line``, at the price of junit-10
validity.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import PurePath

from ..results import CheckResult, Report
from . import RenderOptions
from .escape import visible
from .rows import row_lines

ROOT_NAME = "validator"
"""The ``name`` of the ``<testsuites>`` root."""

_RESULT_TAG = {"fail": "failure", "error": "error"}
_FALLBACK_MESSAGE = {"fail": "check failed", "error": "check could not run"}


def xml_safe(text: str) -> str:
    """``text`` with every control and bidi character but ``\\n`` written as a
    visible escape (:mod:`~validator.reports.escape`). That covers every character
    XML 1.0 forbids (C0 controls but tab, LF and CR; lone surrogates; U+FFFE and
    U+FFFF), and keeps CI pages that show the report from being steered."""
    return visible(text, keep="\n")


def one_line(text: str) -> str:
    """``text`` (made XML-safe) with its line breaks turned into spaces."""
    return " ".join(part.strip() for part in xml_safe(text).splitlines() if part.strip())


def case_name(check: CheckResult) -> str:
    """``"N. title [id]"`` for a numbered criterion, ``"title [id]"`` otherwise."""
    return f"{check.display_title} [{check.id}]"


def class_name(report: Report, check: CheckResult) -> str:
    """``"spec_stem.section"``: Jenkins shows it as package ``spec_stem``, class ``section``."""
    stem = PurePath(report.spec).stem.replace(".", "_") or "spec"
    return f"{stem}.{check.section}"


def _explanation(check: CheckResult) -> str:
    # Indented: the GitHub JUnit action finds the line as " PATH:LINE".
    lines = []
    for finding in check.findings:
        lines.append(f"  {finding.location}: {finding}")
        if finding.rows is not None:
            lines.extend(f"    {line}" for line in row_lines(finding.rows))
    return xml_safe("\n".join(lines) or _FALLBACK_MESSAGE[check.outcome])


def _testcase(
    parent: ET.Element, report: Report, check: CheckResult, options: RenderOptions
) -> None:
    location = check.location
    attrib = {
        "name": one_line(case_name(check)),
        "classname": one_line(class_name(report, check)),
    }
    if options.junit_testcase_location:
        attrib["file"] = one_line(location.file)
        if location.line > 0:
            attrib["line"] = str(location.line)
    case = ET.SubElement(parent, "testcase", attrib)
    if check.outcome == "warn":  # passes the gate; the warning goes to the case's output
        ET.SubElement(case, "system-out").text = "warning:\n" + _explanation(check)
        return
    tag = _RESULT_TAG.get(check.outcome)
    if tag is None:
        return
    message = one_line(check.message) or _FALLBACK_MESSAGE[check.outcome]
    result = ET.SubElement(case, tag, {"message": message})
    result.text = _explanation(check)


def _properties(parent: ET.Element, report: Report) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in (("spec", report.spec), ("schema", report.schema)):
        ET.SubElement(properties, "property", {"name": name, "value": one_line(value)})
    ET.SubElement(properties, "property", {"name": "verdict", "value": report.verdict})


def _testsuite(parent: ET.Element, report: Report, options: RenderOptions) -> None:
    summary = report.summary
    suite = ET.SubElement(
        parent,
        "testsuite",
        {
            "name": one_line(report.title),
            "tests": str(summary.total),
            "failures": str(summary.failed),
            "errors": str(summary.errors),
            "skipped": "0",
            "file": one_line(report.spec),
        },
    )
    _properties(suite, report)
    for check in report.checks:
        _testcase(suite, report, check, options)


def _root(reports: Sequence[Report]) -> ET.Element:
    summaries = [report.summary for report in reports]
    return ET.Element(
        "testsuites",
        {
            "name": ROOT_NAME,
            "tests": str(sum(summary.total for summary in summaries)),
            "failures": str(sum(summary.failed for summary in summaries)),
            "errors": str(sum(summary.errors for summary in summaries)),
        },
    )


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    """The whole JUnit XML document (UTF-8 declared) for the reports of one run."""
    root = _root(reports)
    for report in reports:
        _testsuite(root, report, options)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'

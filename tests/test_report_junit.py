"""The JUnit XML report: golden outputs, the junit-10 schema, junitparser, edge cases.

Set ``UPDATE_GOLDEN=1`` to rewrite the golden files after an intended change,
then review the diff.

``tests/schemas/junit-10.xsd`` states the published rules of the Jenkins xUnit
plugin's schema faithfully: they allow ``file`` on ``<testsuite>`` but no
``file`` or ``line`` on ``<testcase>``. The default document is valid against
it and places the spec line where the GitHub JUnit action finds it (the
suite's ``file`` and `` PATH:LINE`` in the failure body); the opt-in
``junit_testcase_location`` adds ``testcase/@file`` and ``@line`` for GitLab,
and those two attributes are then the only thing the schema refuses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ROOT, assert_golden, shipped_report
from junitparser import Attr, Error, Failure, IntAttr, JUnitXml, TestCase, TestSuite
from lxml import etree

from validator.errors import Location
from validator.reports import RenderOptions, render
from validator.results import CheckResult, Finding, Report

LOCATED = RenderOptions(junit_testcase_location=True)

XSD = ROOT / "tests" / "schemas" / "junit-10.xsd"
NOT_XML_1_0 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
NASTY = 'a <b> & "c" ]]> d\x01e'


class LocatedCase(TestCase):
    """A junitparser test case that also reads the ``file`` and ``line`` attributes."""

    file = Attr()
    line = IntAttr()


# -- synthetic reports ------------------------------------------------------------


def _check(
    check_id: str,
    outcome: str,
    *,
    number: int | None = None,
    title: str | None = None,
    findings: tuple[Finding, ...] = (),
    section: str = "criteria",
    line: int = 3,
) -> CheckResult:
    return CheckResult(
        section=section,  # type: ignore[arg-type]
        id=check_id,
        title=title or f"check {check_id}",
        outcome=outcome,  # type: ignore[arg-type]
        location=Location("specs/synthetic.yaml", line, 5),
        findings=findings,
        number=number,
    )


def _finding(expected: str, found: str, step: str = "step", line: int = 7) -> Finding:
    return Finding(Location("specs/synthetic.yaml", line, 9), expected, found, step)


def _synthetic() -> Report:
    """One check of each outcome; the error one could not run."""
    checks = (
        _check("criterion-1", "pass", number=1, title="Task created"),
        _check("table-t", "fail", section="tables", findings=(_finding("a table", "none"),)),
        _check(
            "criterion-boom",
            "error",
            title="Boom",
            findings=(_finding("the operation to run", "sqlite3 error: no such table: x"),),
        ),
    )
    return Report(spec="specs/synthetic.yaml", title="Synthetic", schema="s.sql", checks=checks)


def _parse(rendered: str) -> ET.Element:
    return ET.fromstring(rendered.encode("utf-8"))


def _cases(root: ET.Element) -> list[ET.Element]:
    return root.findall("./testsuite/testcase")


# -- golden -----------------------------------------------------------------------


def test_golden(outcome_report: tuple[str, Report]) -> None:
    name, report = outcome_report
    rendered = render("junit", [report])
    assert_golden(f"{name}.junit.xml", rendered)


def test_rendering_is_deterministic(outcome_report: tuple[str, Report]) -> None:
    report = outcome_report[1]
    rendered = render("junit", [report])
    assert rendered == render("junit", [report])
    root = _parse(rendered)
    for element in root.iter():
        assert not {"time", "timestamp", "hostname"} & set(element.attrib)


# -- the junit-10 schema ----------------------------------------------------------


@pytest.fixture(scope="module")
def junit10() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def test_valid_against_junit10(
    junit10: etree.XMLSchema, outcome_report: tuple[str, Report]
) -> None:
    document = etree.fromstring(render("junit", [outcome_report[1]]).encode("utf-8"))
    assert junit10.validate(document), junit10.error_log


def test_testcase_location_is_the_only_departure_from_junit10(
    junit10: etree.XMLSchema, outcome_report: tuple[str, Report]
) -> None:
    rendered = render("junit", [outcome_report[1]], LOCATED)
    document = etree.fromstring(rendered.encode("utf-8"))
    assert not junit10.validate(document)
    refused = re.compile(r"Element 'testcase', attribute '(file|line)': .*not allowed")
    errors = [error.message for error in junit10.error_log]
    assert errors
    assert all(refused.match(message) for message in errors), errors


def test_synthetic_reports_are_valid_too(junit10: etree.XMLSchema) -> None:
    rendered = render("junit", [_synthetic(), _nasty(), Report("e.yaml", "Empty", "s.sql")])
    document = etree.fromstring(rendered.encode("utf-8"))
    assert junit10.validate(document), junit10.error_log


def _github_action_position(suite: ET.Element, case: ET.Element) -> tuple[str, int]:
    """Where mikepenz/action-junit-report puts a failing case's annotation: the
    ``file`` of the case, else of the suite; the line from the last
    `` ...FILE...:LINE`` in the failure body (its resolveFileAndLine)."""
    file = case.get("file") or suite.get("file") or ""
    body = "".join(case.itertext())
    matches = re.findall(rf" [^ ]*{re.escape(file)}.*?:\d+", body)
    return file, int(matches[-1].split(":")[-1]) if matches else 1


def test_github_junit_action_finds_the_spec_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = shipped_report(tmp_path, trigger=False)
    root = _parse(render("junit", [report]))
    suite = root.find("testsuite")
    assert suite is not None
    failing = [check for check in report.checks if check.outcome != "pass"]
    cases = [case for case in _cases(root) if case.find("failure") is not None]
    assert len(cases) == len(failing) == 15
    for case, check in zip(cases, failing, strict=True):
        finding = check.findings[-1].location
        assert _github_action_position(suite, case) == (finding.file, finding.line)


@pytest.mark.parametrize(
    "document",
    [
        '<testsuites skipped="0"/>',
        '<testsuites><testsuite name="s" tests="1" failures="0"/></testsuites>',
        '<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
        "<testcase/></testsuite></testsuites>",
        '<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
        '<testcase name="c" file="f"/></testsuite></testsuites>',
    ],
    ids=["root-skipped", "suite-without-errors", "case-without-name", "case-file"],
)
def test_the_schema_refuses_what_junit10_refuses(junit10: etree.XMLSchema, document: str) -> None:
    assert not junit10.validate(etree.fromstring(document))


# -- read back with junitparser ---------------------------------------------------


def test_junitparser_reads_counts_names_and_failures(outcome_report: tuple[str, Report]) -> None:
    _, report = outcome_report
    xml = JUnitXml.fromstring(render("junit", [report]).encode("utf-8"))
    suites = list(xml)
    assert len(suites) == 1
    suite = suites[0]
    assert isinstance(suite, TestSuite)
    summary = report.summary
    assert (xml.tests, xml.failures, xml.errors) == (summary.total, summary.failed, 0)
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (
        summary.total,
        summary.failed,
        0,
        0,
    )
    cases = list(suite)
    assert len(cases) == len(report.checks) == summary.total
    for case, check in zip(cases, report.checks, strict=True):
        assert f"[{check.id}]" in case.name
        if check.number is not None:
            assert case.name == f"{check.number}. {check.title} [{check.id}]"
        else:
            assert case.name == f"{check.title} [{check.id}]"
        assert case.classname == f"test_task_session.{check.section}"
        if check.outcome == "pass":
            assert case.is_passed
            assert case.result == []
            continue
        assert check.outcome == "fail"
        [failure] = case.result
        assert isinstance(failure, Failure)
        assert failure.message == check.message
        assert "\n" not in failure.message
        expected_body = [f"  {finding.location}: {finding}" for finding in check.findings]
        assert failure.text.splitlines() == expected_body


def test_failing_run_has_fifteen_failing_machine_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = _parse(render("junit", [shipped_report(tmp_path, trigger=False)]))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("103", "15", "0")
    failing = [case for case in _cases(root) if case.find("failure") is not None]
    assert len(failing) == 15
    assert {case.get("classname") for case in failing} == {"test_task_session.state_machines"}
    assert all(case.get("file") is None for case in failing)  # junit-10 has no testcase@file
    names = [case.get("name", "") for case in _cases(root)]
    assert "1. Task created with test_task_session_* display_id [criterion-1]" in names
    assert "Task is retrievable by id [criterion-task-by-id]" in names


# -- several specs, errors, escaping ----------------------------------------------


def test_two_specs_give_two_suites_and_the_totals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    failing = shipped_report(tmp_path, trigger=False)
    synthetic = _synthetic()
    rendered = render("junit", [failing, synthetic])
    root = _parse(rendered)
    suites = root.findall("testsuite")
    assert [suite.get("name") for suite in suites] == ["Test Task for Session", "Synthetic"]
    assert [suite.get("file") for suite in suites] == [failing.spec, synthetic.spec]
    assert [(s.get("tests"), s.get("failures"), s.get("errors")) for s in suites] == [
        ("103", "15", "0"),
        ("3", "1", "1"),
    ]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("106", "16", "1")
    xml = JUnitXml.fromstring(rendered.encode("utf-8"))
    assert [len(list(suite)) for suite in xml] == [103, 3]


def test_an_error_outcome_is_an_error_element() -> None:
    report = _synthetic()
    root = _parse(render("junit", [report]))
    passed, failed, errored = _cases(root)
    assert list(passed) == []
    assert [child.tag for child in failed] == ["failure"]
    assert [child.tag for child in errored] == ["error"]
    error = errored[0]
    check = report.checks[2]
    assert error.get("message") == check.message
    assert error.text == f"  specs/synthetic.yaml:7:9: {check.findings[0]}"
    assert errored.get("name") == "Boom [criterion-boom]"
    assert (errored.get("file"), errored.get("line")) == (None, None)
    [suite] = JUnitXml.fromstring(render("junit", [report]).encode("utf-8"))
    results = [case.result for case in suite]
    assert results[0] == []
    assert isinstance(results[1][0], Failure)
    assert isinstance(results[2][0], Error)
    assert results[2][0].message == check.message


def test_findingless_outcomes_and_unknown_lines_still_say_something() -> None:
    checks = (
        _check("a", "fail", line=0),
        _check("b", "error", line=0),
    )
    root = _parse(render("junit", [Report("x.yaml", "X", "s.sql", checks)], LOCATED))
    failed, errored = _cases(root)
    assert failed.get("file") == errored.get("file") == "specs/synthetic.yaml"
    assert failed.get("line") is None and errored.get("line") is None
    assert failed[0].get("message") == failed[0].text == "check failed"
    assert errored[0].get("message") == errored[0].text == "check could not run"


def _nasty() -> Report:
    findings = (
        _finding(NASTY, f"two\nlines {NASTY}", step=NASTY),
        _finding("\ud800 lone surrogate", "\ufffe", step=""),
    )
    checks = (
        _check("nasty", "fail", number=2, title=NASTY, findings=findings),
        _check("nasty-error", "error", title=NASTY, findings=findings[:1]),
    )
    return Report(spec=f"specs/{NASTY}.yaml", title=NASTY, schema=NASTY, checks=checks)


def test_markup_and_forbidden_characters_are_escaped() -> None:
    rendered = render("junit", [_nasty()])
    assert not NOT_XML_1_0.search(rendered)
    assert "]]>" not in rendered
    rendered.encode("utf-8")  # no lone surrogate survives
    root = _parse(rendered)
    etree.fromstring(rendered.encode("utf-8"))  # a strict parser agrees
    shown = NASTY.replace("\x01", "\\x01")
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("name") == shown
    failed, errored = _cases(root)
    assert failed.get("name") == f"2. {shown} [nasty]"
    message = failed[0].get("message")
    assert message == f"{shown}: expected {shown}, found two lines {shown} (and 1 more)"
    assert failed[0].text == (
        f"  specs/synthetic.yaml:7:9: {shown}: expected {shown}, found two\nlines {shown}\n"
        "  specs/synthetic.yaml:7:9: expected \\ud800 lone surrogate, found \\ufffe"
    )
    assert errored[0].get("message") == f"{shown}: expected {shown}, found two lines {shown}"
    xml = JUnitXml.fromstring(rendered.encode("utf-8"))
    [case, _] = next(iter(xml))
    assert case.result[0].message == message


def test_gitlab_location_is_read_back_by_junitparser(outcome_report: tuple[str, Report]) -> None:
    report = outcome_report[1]
    xml = JUnitXml.fromstring(render("junit", [report], LOCATED).encode("utf-8"))
    [suite] = list(xml)
    for case, check in zip(suite, report.checks, strict=True):
        located = LocatedCase.fromelem(case)
        assert (located.file, located.line) == (check.location.file, check.location.line)

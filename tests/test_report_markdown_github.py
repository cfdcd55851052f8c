"""The markdown and github reporters: golden outputs on a passing and a failing run,
escaping, the annotation limit and the Mermaid diagrams.

Set ``UPDATE_GOLDEN=1`` to rewrite the golden files after an intended change,
then review the diff.
"""

from __future__ import annotations

import re

import pytest
from conftest import assert_golden

from validator.errors import Location
from validator.reports import render
from validator.results import CheckResult, Finding, MachineSummary, Outcome, Probe, Report

SUFFIX = {"markdown": "md", "github": "github.txt"}


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
def test_golden(fmt: str, outcome_report: tuple[str, Report]) -> None:
    name, report = outcome_report
    rendered = render(fmt, [report])
    assert_golden(f"{name}.{SUFFIX[fmt]}", rendered)


# --- synthetic reports ------------------------------------------------------------


def _check(
    index: int,
    outcome: Outcome = "fail",
    *,
    title: str | None = None,
    findings: tuple[Finding, ...] | None = None,
    location: Location | None = None,
) -> CheckResult:
    where = location or Location("spec/s.yaml", index + 1, 3)
    if findings is None:
        findings = (Finding(where, f"value {index}", f"other {index}", "step"),)
    return CheckResult(
        section="criteria",
        id=f"criterion-c{index}",
        title=title or f"check {index}",
        outcome=outcome,
        location=where,
        findings=findings if outcome != "pass" else (),
    )


def _report(*checks: CheckResult, machines: tuple[MachineSummary, ...] = ()) -> Report:
    return Report(spec="spec/s.yaml", title="Synthetic", schema="s.sql", checks=checks,
                  machines=machines)  # fmt: skip


# --- github -----------------------------------------------------------------------

_UNESCAPE = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}


def _unescape(text: str) -> str:
    """The inverse of escapeData/escapeProperty, in one pass."""
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: _UNESCAPE[m.group(0)], text)


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command line -> (name, decoded properties, decoded message)."""
    match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    assert match, line
    properties = {}
    for item in (match.group(2) or "").split(","):
        key, _, value = item.partition("=")
        properties[key] = _unescape(value)
    return match.group(1), properties, _unescape(match.group(3))


def test_github_escapes_data_and_properties() -> None:
    where = Location("dir,with: comma/spec 100%.yaml", 7, 9)
    findings = (
        Finding(where, "50% of rows\nto match", "a: b, c", "step, one"),
        Finding(Location(where.file, 12, 1), "x\r\ny", "%0A literally", ""),
    )
    check = _check(1, title="Title: with, punctuation 100%", findings=findings, location=where)
    rendered = render("github", [_report(check)])
    errors = [line for line in rendered.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    raw_properties = errors[0].split("::")[1]
    assert raw_properties.count(",") == 3  # file, line, col, title: separators only
    name, properties, message = _parse(errors[0])
    assert name == "error"
    assert properties == {
        "file": "dir,with: comma/spec 100%.yaml",
        "line": "7",
        "col": "9",
        "title": "Title: with, punctuation 100% [criterion-c1]",
    }
    assert message == (
        "step, one: expected 50% of rows\nto match, found a: b, c\n"
        "dir,with: comma/spec 100%.yaml:12:1: expected x\r\ny, found %0A literally"
    )
    # every line of output is one line: nothing from the spec starts a command
    assert all(line.startswith(("::", "validator: ")) for line in rendered.splitlines())


def test_github_annotates_ten_checks_then_warns() -> None:
    rendered = render("github", [_report(*(_check(i) for i in range(12)))])
    lines = rendered.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 10
    assert [_parse(line)[1]["line"] for line in errors] == [str(i + 1) for i in range(10)]
    warnings = [line for line in lines if line.startswith("::warning")]
    assert len(warnings) == 1
    assert "2 more failing checks not annotated" in _parse(warnings[0])[2]
    assert sum(line.startswith("validator: FAIL spec/s.yaml") for line in lines) == 2
    assert lines[-1] == "validator: FAIL: 12 checks, 0 passed, 12 failed, 0 errors (spec/s.yaml)"


def test_github_limit_spans_all_reports() -> None:
    first = _report(*(_check(i) for i in range(6)))
    second = _report(*(_check(i, "error") for i in range(6, 11)), _check(11, "pass"))
    lines = render("github", [first, second]).splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert "1 more failing check not annotated" in next(
        _parse(line)[2] for line in lines if line.startswith("::warning")
    )
    assert lines[-1] == "validator: FAIL: 2 specs, 0 passed, 2 failed"


def test_github_error_check_says_it_could_not_run() -> None:
    (line, *_) = render("github", [_report(_check(0, "error"))]).splitlines()
    assert _parse(line)[2] == "could not run\nstep: expected value 0, found other 0"


def test_github_passing_run_has_no_errors() -> None:
    lines = render("github", [_report(_check(0, "pass"))]).splitlines()
    assert not any(line.startswith(("::error", "::warning")) for line in lines)
    assert lines[0].startswith("::notice ")
    assert lines[-1] == "validator: PASS: 1 checks, 1 passed, 0 failed, 0 errors (spec/s.yaml)"


def test_github_unknown_line_leaves_out_line_and_column() -> None:
    check = _check(0, location=Location("spec/s.yaml"))
    (line, *_) = render("github", [_report(check)]).splitlines()
    assert set(_parse(line)[1]) == {"file", "title"}


# --- markdown ---------------------------------------------------------------------


def _cells(row: str) -> list[str]:
    """The cells of a table row, split on unescaped pipes."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_markdown_escapes_table_cells() -> None:
    check = _check(0, "pass", title="a | b *c*\nsecond <line>")
    rendered = render("markdown", [_report(check)])
    (row,) = [line for line in rendered.splitlines() if "criterion-c0" in line]
    assert _cells(row) == [
        "✅ pass",
        "criteria",
        "`criterion-c0`",
        r"a \| b \*c\*<br>second \<line>",
    ]


def test_markdown_keeps_the_table_plain_when_short() -> None:
    rendered = render("markdown", [_report(*(_check(i, "pass") for i in range(50)))])
    assert "<details>" not in rendered
    rendered = render("markdown", [_report(*(_check(i, "pass") for i in range(51)))])
    assert "<details>" in rendered


def test_markdown_failures_show_findings_with_location() -> None:
    rendered = render("markdown", [_report(_check(0), _check(1, "pass"), _check(2, "error"))])
    failures = rendered.split("### Failures (2)", 1)[1]
    assert "- ❌ **check 0** `criterion-c0`" in failures
    assert "  - `spec/s.yaml:1`: step: expected value 0, found other 0" in failures
    assert "- ⚠️ **check 2** `criterion-c2` (could not run)" in failures
    assert "criterion-c1" not in failures


def test_markdown_several_reports_start_with_the_overall_verdict() -> None:
    rendered = render("markdown", [_report(_check(0, "pass")), _report(_check(1))])
    assert rendered.startswith("**❌ FAIL**: 2 specs, 1 passed, 1 failed\n")
    assert rendered.count("\n## ") == 2


def _mermaid(rendered: str) -> list[str]:
    blocks = re.findall(r"```mermaid\n(.*?)```", rendered, flags=re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines()]


def _machine_check(
    transition: tuple[str, str] | None, outcome: Outcome, probe: Probe = "allowed"
) -> CheckResult:
    where = Location("spec/m.yaml", 5, 5)
    return CheckResult(
        section="state_machines",
        id=f"machine-m.{'->'.join(transition) if transition else 'initial'}",
        title="m",
        outcome=outcome,
        location=where,
        findings=(Finding(where, "x", "y"),) if outcome != "pass" else (),
        machine="m",
        transition=transition,
        probe="initial" if transition is None else probe,
    )


def test_mermaid_aliases_names_it_cannot_take() -> None:
    machine = MachineSummary(
        name="m",
        states=("open", "on-hold", "end", "s1"),
        initial="open",
        terminal=("end",),
        transitions=(("open", "on-hold"), ("on-hold", "open"), ("open", "end"), ("open", "s1")),
    )
    checks = (
        _machine_check(None, "pass"),
        _machine_check(("open", "on-hold"), "fail"),
        _machine_check(("end", "open"), "fail", "refused"),
        _machine_check(("open", "not-a-state"), "fail", "outside"),
        _machine_check(("s1", "open"), "error", "refused"),
    )
    lines = _mermaid(render("markdown", [_report(*checks, machines=(machine,))]))
    assert lines == [
        "stateDiagram-v2",
        'state "on-hold" as s2',
        'state "end" as s3',
        "[*] --> open",
        "open --> s2: ❌ failed",
        "s2 --> open",
        "open --> s3",
        "open --> s1",
        "s3 --> [*]",
        "note right of open",
        "❌ accepts 'not-a-state', outside the states",
        "end note",
        "note right of s3",
        "❌ accepts 1 move it should refuse",
        "to open",
        "end note",
        "note right of s1",
        "⚠️ 1 refusal not checked",
        "end note",
        "classDef failed fill:#ffebe9,stroke:#cf222e,color:#1f2328",
        "class open, s3 failed",
        "classDef unchecked fill:#fff8c5,stroke:#9a6700,color:#1f2328",
        "class s1 unchecked",
    ]


def test_mermaid_marks_the_failing_start() -> None:
    machine = MachineSummary("m", ("a", "b"), "a", ("b",), (("a", "b"),))
    checks = (_machine_check(None, "fail"),)
    lines = _mermaid(render("markdown", [_report(*checks, machines=(machine,))]))
    assert "[*] --> a: ❌ failed" in lines


def test_markdown_marks_exactly_the_failing_transitions(
    outcome_report: tuple[str, Report],
) -> None:
    name, report = outcome_report
    lines = _mermaid(render("markdown", [report]))
    failing = [check.transition for check in report.checks if check.outcome == "fail"]
    assert len(failing) == (15 if name == "fail" else 0)
    assert not any(" --> " in line and "❌" in line for line in lines)  # no edge of its own
    noted: list[tuple[str, str]] = []
    for index, line in enumerate(lines):
        if line.startswith("note right of "):
            source = line.removeprefix("note right of ")
            targets = lines[index + 2].removeprefix("to ").split(", ")
            assert lines[index + 1] == f"❌ accepts {len(targets)} moves it should refuse"
            noted += [(source, target) for target in targets]
    assert sorted(noted) == sorted(pair for pair in failing if pair is not None)

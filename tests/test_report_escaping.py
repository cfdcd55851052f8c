"""Text from a spec or a database cannot steer a terminal or a CI log: every human
format shows control characters (C0, DEL, C1), line separators and the Unicode
bidi overrides and isolates as visible escapes, through one shared function."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import RunCli

from validator.errors import Location
from validator.reports import render
from validator.reports.escape import visible
from validator.results import CheckResult, Finding, MachineSummary, Report

# What must never reach a terminal or a log raw (newlines are checked per format).
DANGEROUS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FORGED = "evil\x1b[2K\rPASS\n::error file=x::forged \u202eoops\x85\x7f\u2066\t"


def _report() -> Report:
    where = Location(f"specs/{FORGED}.yaml", 4, 2)
    check = CheckResult(
        section="criteria",
        id=f"criterion-{FORGED}",
        title=FORGED,
        outcome="fail",
        location=where,
        findings=(Finding(where, FORGED, FORGED, FORGED),),
    )
    machine_check = CheckResult(
        section="state_machines",
        id="machine-m.a->b",
        title="a to b",
        outcome="fail",
        location=where,
        findings=(Finding(where, "x", "y"),),
        machine="m",
        transition=("a", FORGED),
        probe="refused",
    )
    machine = MachineSummary(
        name=FORGED, states=("a", FORGED), initial="a", terminal=(), transitions=()
    )
    return Report(
        spec=f"specs/{FORGED}.yaml",
        title=FORGED,
        schema=FORGED,
        checks=(check, machine_check),
        machines=(machine,),
    )


def test_visible_escapes_each_class() -> None:
    assert visible("a\x1bb\x00\x7f\x85\x9f") == "a\\x1bb\\x00\\x7f\\x85\\x9f"
    assert visible("\u202a\u202e\u2066\u2069\u2028\u2029") == (
        "\\u202a\\u202e\\u2066\\u2069\\u2028\\u2029"
    )
    assert visible("tab\there\r\n") == "tab\\there\\r\\n"
    assert visible("a\r\nb", keep="\r\n") == "a\r\nb"
    assert visible("\ud800\ufffe") == "\\ud800\\ufffe"
    unchanged = "plain ünïcödé ✅ -> (a,b) \\ ' \" % :: `x`"
    assert visible(unchanged) == unchanged


@pytest.mark.parametrize("fmt", ["text", "markdown", "github", "junit"])
def test_no_control_character_reaches_a_human_format(fmt: str) -> None:
    rendered = render(fmt, [_report()])
    assert not DANGEROUS.search(rendered), repr(DANGEROUS.search(rendered))


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_a_newline_in_spec_text_cannot_start_a_line(fmt: str) -> None:
    rendered = render(fmt, [_report()])
    assert not any(line.startswith("::error file=x") for line in rendered.splitlines())
    assert "::error file=x::forged" not in rendered.replace("%3A", ":").split("\n")


def test_text_report_shows_the_escapes() -> None:
    rendered = render("text", [_report()])
    shown = "evil\\x1b[2K\\rPASS\\n::error file=x::forged \\u202eoops\\x85\\x7f\\u2066\\t"
    assert f"  FAIL  {shown}  [criterion-{shown}]" in rendered.splitlines()


def test_github_commands_stay_one_line_each() -> None:
    rendered = render("github", [_report()])
    assert all(line.startswith(("::", "validator: ")) for line in rendered.splitlines())


def test_junit_is_legal_xml_with_the_escapes() -> None:
    from xml.etree import ElementTree

    rendered = render("junit", [_report()])
    root = ElementTree.fromstring(rendered.encode("utf-8"))
    case = root.find("./testsuite/testcase")
    assert case is not None
    assert "\\x1b[2K" in (case.get("name") or "")


def test_cli_output_and_list_are_escaped(run_cli: RunCli, tmp_path: Path) -> None:
    spec = tmp_path / "nasty.yaml"
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id TEXT);\n", "utf-8")
    spec.write_text(
        "version: 1\nname: nasty\nschema: schema.sql\n"
        "operations:\n  get:\n    sql: SELECT 1\n"
        "    returns: {one: \"SELECT char(27) || '[32mPASS' AS v\"}\n"
        "criteria:\n  - id: forged\n"
        '    title: "evil\\e[2K\\rPASS\\n::error file=x::forged \\u202Eoops"\n'
        "    steps: [{call: get, as: row}]\n"
        "    expect: {row: {type: object, properties: {v: {const: x}}}}\n",
        "utf-8",
    )
    for args in ([], ["--list"], ["--format", "github"], ["--format", "markdown"]):
        result = run_cli(spec, *args)
        assert result.status in (0, 1), result.err
        assert not DANGEROUS.search(result.out), (args, result.out)
        assert not any(line.startswith("::error file=x") for line in result.out.splitlines())


def test_problems_on_stderr_are_escaped(run_cli: RunCli, tmp_path: Path) -> None:
    missing = tmp_path / "evil\x1b[2K\u202e.yaml"
    result = run_cli(missing)
    assert result.status == 2
    assert not DANGEROUS.search(result.err), result.err
    assert result.err == f"{tmp_path}/evil\\x1b[2K\\u202e.yaml: no such file\n"

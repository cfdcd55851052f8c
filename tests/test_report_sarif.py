"""The SARIF 2.1.0 report, validated against the official JSON Schema
(``tests/schemas/sarif-2.1.0-rtm.5.json``, see ``tests/schemas/README.md``)
and held to what GitHub code scanning needs from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, RunCli

from validator.errors import Location
from validator.reports import RenderOptions, render
from validator.results import CheckResult, Finding, Outcome, Report, Rows

SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0-rtm.5.json").read_text("utf-8"))


def _valid(text: str) -> dict[str, Any]:
    from jsonschema import Draft4Validator, FormatChecker

    data: dict[str, Any] = json.loads(text)
    errors = sorted(
        Draft4Validator(SCHEMA, format_checker=FormatChecker()).iter_errors(data), key=str
    )
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return data


def _check(
    index: int, outcome: Outcome, *, title: str = "", file: str = "spec/s.yaml"
) -> CheckResult:
    where = Location(file, index + 1, 3)
    findings = () if outcome == "pass" else (Finding(where, f"value {index}", "other", "step"),)
    return CheckResult(
        "criteria", f"criterion-c{index}", title or f"check {index}", outcome, where, findings
    )


def _report(*checks: CheckResult, spec: str = "spec/s.yaml") -> Report:
    return Report(spec=spec, title="Synthetic", schema="s.sql", checks=checks)


def test_shipped_runs_are_valid_sarif(outcome_report: tuple[str, Report]) -> None:
    name, report = outcome_report
    data = _valid(render("sarif", [report]))
    (run,) = data["runs"]
    results = run["results"]
    assert len(results) == (15 if name == "fail" else 0)
    assert {result["level"] for result in results} <= {"error"}
    rules = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert {result["ruleId"] for result in results} == rules
    for result in results:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location == {"uri": "spec/test_task_session.yaml", "uriBaseId": "%SRCROOT%"}


def test_levels_follow_outcomes() -> None:
    report = _report(_check(0, "pass"), _check(1, "fail"), _check(2, "error"), _check(3, "warn"))
    results = _valid(render("sarif", [report]))["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("criterion-c1", "error"),
        ("criterion-c2", "error"),
        ("criterion-c3", "warning"),
    ]
    assert results[1]["message"]["text"].splitlines()[1] == "could not run:"
    assert "spec/s.yaml:2:3: step: expected value 1, found other" in results[0]["message"]["text"]


def test_one_run_for_several_specs_with_fingerprints() -> None:
    first = _report(_check(1, "fail"), spec="a.yaml")
    second = _report(_check(1, "fail", file="b.yaml"), spec="b.yaml")
    data = _valid(render("sarif", [first, second]))
    (run,) = data["runs"]
    prints = [r["partialFingerprints"]["validatorCheck/v1"] for r in run["results"]]
    assert prints == ["a.yaml:criterion-c1", "b.yaml:criterion-c1"]
    assert len(run["tool"]["driver"]["rules"]) == 1  # one rule per id


def test_uris_are_percent_encoded_and_rooted() -> None:
    report = _report(_check(1, "fail", file="dir/spec 100%#.yaml"), spec="dir/spec 100%#.yaml")
    options = RenderOptions(root="/repo", cwd="/repo/sub")
    (result,) = _valid(render("sarif", [report], options))["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "sub/dir/spec%20100%25%23.yaml", "uriBaseId": "%SRCROOT%"}


def test_a_file_outside_the_root_is_a_file_uri() -> None:
    report = _report(_check(1, "fail", file="/elsewhere/s.yaml"), spec="/elsewhere/s.yaml")
    options = RenderOptions(root="/repo", cwd="/repo")
    (result,) = _valid(render("sarif", [report], options))["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "file:///elsewhere/s.yaml"}


def test_unknown_line_leaves_out_the_region() -> None:
    check = _check(1, "fail")
    check = CheckResult(
        check.section, check.id, check.title, "fail", Location("spec/s.yaml"),
        (Finding(Location("spec/s.yaml"), "a", "b"),),
    )  # fmt: skip
    (result,) = _valid(render("sarif", [_report(check)]))["runs"][0]["results"]
    assert "region" not in result["locations"][0]["physicalLocation"]


def test_text_from_specs_is_escaped_and_rows_are_shown() -> None:
    rows = Rows(3, ("id", "state"), (("a\x1b[2K", "x"),))
    where = Location("spec/s.yaml", 4, 1)
    check = CheckResult(
        "invariants", "invariant-x", "evil \u202e title", "fail", where,
        (Finding(where, "no rows", "3 rows", rows=rows),),
    )  # fmt: skip
    data = _valid(render("sarif", [_report(check)]))
    text = data["runs"][0]["results"][0]["message"]["text"]
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\u202e" in text and '"id": "a\\u001b[2K"' in text
    assert "... and 2 more rows" in text
    assert data["runs"][0]["tool"]["driver"]["rules"][0]["shortDescription"]["text"] == (
        "evil \\u202e title"
    )


def test_baseline_state() -> None:
    report = _report(_check(1, "fail"), _check(2, "warn"))
    options = RenderOptions(baseline=frozenset({("spec/s.yaml", "criterion-c2")}))
    results = _valid(render("sarif", [report], options))["runs"][0]["results"]
    assert [r["baselineState"] for r in results] == ["new", "unchanged"]


def test_cli_writes_sarif(run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "validator.sarif"
    result = run_cli("spec/test_task_session.yaml", "--format", "sarif", "--report", f"sarif:{out}")
    assert result.status == 0
    assert _valid(result.out) == _valid(out.read_text("utf-8"))

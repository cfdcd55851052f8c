"""Reporters: golden outputs on a passing and a failing run; the JSON contract.

Set ``UPDATE_GOLDEN=1`` to rewrite the golden files after an intended change,
then review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, assert_golden, shipped_report
from jsonschema import Draft202012Validator

from validator.reports import render
from validator.results import Report

SUFFIX = {"text": "txt", "json": "json"}


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
def test_golden(fmt: str, outcome_report: tuple[str, Report]) -> None:
    name, report = outcome_report
    rendered = render(fmt, [report])
    assert_golden(f"{name}.{SUFFIX[fmt]}", rendered)


def test_json_report_follows_its_schema(outcome_report: tuple[str, Report]) -> None:
    schema = json.loads((ROOT / "validator" / "report.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    document = json.loads(render("json", [outcome_report[1]]))
    errors = [error.message for error in Draft202012Validator(schema).iter_errors(document)]
    assert errors == []


def test_json_report_schema_refuses_a_broken_report() -> None:
    schema = json.loads((ROOT / "validator" / "report.schema.json").read_text("utf-8"))
    broken = {"version": 1, "spec": "x", "title": "x", "schema": "s", "verdict": "MAYBE"}
    assert list(Draft202012Validator(schema).iter_errors(broken))


def test_failing_report_counts_and_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = shipped_report(tmp_path, trigger=False)
    document = json.loads(render("json", [report]))
    assert document["verdict"] == "FAIL"
    assert document["summary"] == {"total": 103, "passed": 88, "failed": 15, "errors": 0}
    failed = [check for check in document["checks"] if check["outcome"] == "fail"]
    assert all(check["section"] == "state_machines" for check in failed)
    first = failed[0]
    assert first["findings"][0]["expected"] == "the database to refuse the move"
    assert first["location"]["file"] == "spec/test_task_session.yaml"
    criteria = [check for check in document["checks"] if check["section"] == "criteria"]
    assert [check["number"] for check in criteria[:10]] == list(range(1, 11))
    assert all(check["number"] is None for check in criteria[10:])
    others = [check for check in document["checks"] if check["section"] != "criteria"]
    assert all("number" not in check for check in others)


def test_empty_report_is_not_a_pass() -> None:
    report = Report(spec="x.yaml", title="x", schema="s.sql", checks=())
    assert report.verdict == "FAIL"

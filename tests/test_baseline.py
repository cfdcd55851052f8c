"""``--baseline FILE`` / ``--write-baseline``: only new failures fail the gate;
fixed and vanished entries are reported; the file is an input no report may
replace, and it is written by the rules of report files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REFUSALS, SCHEMA, SHIPPED, SPEC, TRIGGER, RunCli

REFUSED = "machine-session_status.completed->running"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped spec in ``tmp_path`` (cwd), with ``full.sql`` (the trigger) and
    ``loose.sql`` (no trigger: the 15 refusals fail)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec").mkdir()
    text = SCHEMA.read_text("utf-8")
    (tmp_path / "full.sql").write_text(text, "utf-8")
    (tmp_path / "loose.sql").write_text(text[: text.index(TRIGGER)], "utf-8")
    (tmp_path / "schema.sql").write_text(text, "utf-8")
    (tmp_path / "spec" / SPEC.name).write_text(SPEC.read_text("utf-8"), "utf-8")
    return tmp_path


def _entries(path: Path) -> list[dict[str, str]]:
    data = json.loads(path.read_text("utf-8"))
    assert data["version"] == 1
    entries: list[dict[str, str]] = data["known"]
    return entries


def test_write_then_only_new_failures_fail(run_cli: RunCli, here: Path) -> None:
    spec = f"spec/{SPEC.name}"
    written = run_cli(spec, "--schema", "loose.sql", "--baseline", "b.json", "--write-baseline")
    assert written.status == 0
    assert "validator: wrote b.json: 15 known failures" in written.err
    entries = _entries(here / "b.json")
    assert len(entries) == 15
    assert {"spec": spec, "check": REFUSED, "outcome": "fail"} in entries
    lines = (here / "b.json").read_text("utf-8").splitlines()
    assert len(lines) == 15 + 2  # one entry per line

    again = run_cli(spec, "--schema", "loose.sql", "--baseline", "b.json")
    assert again.status == 0
    summary = f"PASS: {SHIPPED} checks, {SHIPPED - REFUSALS} passed, 0 failed, 0 errors"
    assert f"{summary}, {REFUSALS} warnings" in again.out
    assert "b.json:" in again.out and "known failure, listed in the baseline" in again.out
    assert "15 known failures in b.json shown as warnings" in again.err


def test_a_new_failure_fails(run_cli: RunCli, here: Path) -> None:
    spec = f"spec/{SPEC.name}"
    run_cli(spec, "--schema", "loose.sql", "--baseline", "b.json", "--write-baseline")
    entries = _entries(here / "b.json")
    kept = [entry for entry in entries if entry["check"] != REFUSED]
    (here / "b.json").write_text(json.dumps({"version": 1, "known": kept}), "utf-8")
    result = run_cli(spec, "--schema", "loose.sql", "--baseline", "b.json", "--format", "github")
    assert result.status == 1
    errors = [line for line in result.out.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1 and "completed -> running" in errors[0]


def test_fixed_and_gone_checks_are_reported(run_cli: RunCli, here: Path) -> None:
    spec = f"spec/{SPEC.name}"
    entries = [
        {"spec": spec, "check": REFUSED, "outcome": "fail"},
        {"spec": spec, "check": "criterion-404", "outcome": "fail"},
        {"spec": "spec/other.yaml", "check": "criterion-1", "outcome": "fail"},
    ]
    (here / "b.json").write_text(json.dumps({"version": 1, "known": entries}), "utf-8")
    result = run_cli(spec, "--baseline", "b.json")
    assert result.status == 0
    assert (
        f"validator: 1 checks of b.json now pass: {spec}::{REFUSED}; "
        "drop them with --write-baseline"
    ) in result.err
    assert f"1 checks of b.json no longer exist: {spec}::criterion-404" in result.err
    assert "other.yaml" not in result.err  # a spec this run did not check

    rewritten = run_cli(spec, "--baseline", "b.json", "--write-baseline")
    assert rewritten.status == 0
    assert _entries(here / "b.json") == [entries[2]]  # kept: not this run's business


def test_a_selection_keeps_the_entries_it_did_not_run(run_cli: RunCli, here: Path) -> None:
    spec = f"spec/{SPEC.name}"
    run_cli(spec, "--schema", "loose.sql", "--baseline", "b.json", "--write-baseline")
    result = run_cli(spec, "--id", "criterion-1", "--baseline", "b.json", "--write-baseline")
    assert result.status == 0
    assert "no longer exist" not in result.err
    assert len(_entries(here / "b.json")) == 15


def test_the_baseline_works_from_another_folder(
    run_cli: RunCli, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_cli(f"spec/{SPEC.name}", "--schema", "loose.sql", "--baseline", "b.json",
            "--write-baseline")  # fmt: skip
    monkeypatch.chdir(here / "spec")
    result = run_cli(SPEC.name, "--schema", "../loose.sql", "--baseline", "../b.json")
    assert result.status == 0, result.err


def test_sarif_marks_new_and_unchanged(run_cli: RunCli, here: Path) -> None:
    spec = f"spec/{SPEC.name}"
    known = [{"spec": spec, "check": REFUSED, "outcome": "fail"}]
    (here / "b.json").write_text(json.dumps({"version": 1, "known": known}), "utf-8")
    result = run_cli(spec, "--schema", "loose.sql", "--baseline", "b.json", "--format", "sarif")
    results = json.loads(result.out)["runs"][0]["results"]
    states = {r["ruleId"]: r["baselineState"] for r in results}
    assert states[REFUSED] == "unchanged"
    assert list(states.values()).count("new") == 14


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{", "b.json:1:2: Expecting property name enclosed in double quotes"),
        ('{"version": 2, "known": []}', "b.json:1:1: expected a baseline {"),
        (
            '{"version": 1, "known": [\n{"spec": "s.yaml", "check": 3, "outcome": "fail"}\n]}',
            'b.json:2:1: expected {"spec": ..., "check": ..., "outcome": ...}, found',
        ),
    ],
)
def test_a_broken_baseline_is_located(run_cli: RunCli, here: Path, text: str, error: str) -> None:
    (here / "b.json").write_text(text, "utf-8")
    result = run_cli(f"spec/{SPEC.name}", "--baseline", "b.json")
    assert result.status == 2
    assert result.out == ""
    assert result.err.startswith(error)


def test_missing_baseline_and_missing_path(run_cli: RunCli, here: Path) -> None:
    missing = run_cli(f"spec/{SPEC.name}", "--baseline", "b.json")
    assert missing.status == 2
    assert missing.err == "--baseline b.json: no such file; write it first with --write-baseline\n"
    nowhere = run_cli(f"spec/{SPEC.name}", "--write-baseline")
    assert nowhere.status == 2
    assert nowhere.err.startswith("--write-baseline: expected --baseline FILE")
    assert not (here / "b.json").exists()


def test_no_report_may_replace_the_baseline(run_cli: RunCli, here: Path) -> None:
    (here / "b.json").write_text('{"version": 1, "known": []}', "utf-8")
    result = run_cli(f"spec/{SPEC.name}", "--baseline", "b.json", "--report", "json:b.json")
    assert result.status == 2
    assert "b.json is the baseline of this run" in result.err
    assert (here / "b.json").read_text("utf-8") == '{"version": 1, "known": []}'


def test_a_baseline_that_is_a_directory_is_refused_before_any_work(
    run_cli: RunCli, here: Path
) -> None:
    (here / "b.json").mkdir()
    result = run_cli(f"spec/{SPEC.name}", "--baseline", "b.json", "--write-baseline")
    assert result.status == 2
    assert result.err == "--baseline b.json: b.json is a directory, expected a regular file\n"

"""The command line end to end: exit statuses 0/1/2/3 and where output goes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, SCHEMA, SHIPPED, SPEC, RunCli

import validator.cli


def test_pass_exits_0(run_cli: RunCli) -> None:
    result = run_cli(SPEC)
    assert (result.status, result.err) == (0, "")
    assert f"PASS: {SHIPPED} checks, {SHIPPED} passed, 0 failed, 0 errors" in result.out


def test_failed_check_exits_1(run_cli: RunCli, tmp_path: Path) -> None:
    broken = tmp_path / "schema.sql"
    broken.write_text(
        SCHEMA.read_text("utf-8").replace("display_id TEXT UNIQUE,", "display_id TEXT,"), "utf-8"
    )
    result = run_cli(SPEC, "--schema", broken)
    assert result.status == 1
    assert "FAIL  column tasks.display_id: TEXT UNIQUE  [table-tasks.display_id]" in result.out
    assert "expected UNIQUE, found not UNIQUE" in result.out
    assert result.out.splitlines()[-1].startswith(
        f"FAIL: {SHIPPED} checks, {SHIPPED - 1} passed, 1 failed"
    )


def test_json_format(run_cli: RunCli) -> None:
    result = run_cli(SPEC, "--format", "json")
    assert result.status == 0
    document = json.loads(result.out)
    assert document["verdict"] == "PASS"
    assert document["summary"]["total"] == len(document["checks"]) == SHIPPED


def test_bad_spec_exits_2_with_located_problems(run_cli: RunCli, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("version: 1\nname: x\ntables:\n  t:\n    colums: {}\n", "utf-8")
    result = run_cli(spec)
    assert result.status == 2
    assert result.out == ""
    assert result.err == (
        f"{spec}:5:5: $.tables.t.colums: unknown key 'colums'; "
        "expected one of: columns, description, primary_key, unique\n"
    )


def test_schema_that_does_not_apply_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE a (id TEXT);\n\nCREATE TABLEE b (id TEXT);\n", "utf-8")
    result = run_cli(SPEC, "--schema", schema)
    assert result.status == 2
    assert result.out == ""
    assert result.err == f'{schema}:3:8: near "TABLEE": syntax error\n'


def test_missing_schema_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(SPEC, "--schema", tmp_path / "nope.sql")
    assert result.status == 2
    assert result.err == f"{tmp_path / 'nope.sql'}: no such file\n"


def test_missing_spec_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(tmp_path / "nope.yaml")
    assert (result.status, result.out) == (2, "")
    assert result.err == f"{tmp_path / 'nope.yaml'}: no such file\n"


@pytest.mark.parametrize("args", [[], ["--format", "xml", str(SPEC)], ["--bogus", str(SPEC)]])
def test_usage_errors_exit_2(run_cli: RunCli, args: list[str]) -> None:
    result = run_cli(*args)
    assert result.status == 2
    assert "usage: validator" in result.err


def test_internal_error_exits_3_with_traceback(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(validator.cli, "run", explode)
    result = run_cli(SPEC)
    assert result.status == 3
    assert "internal error" in result.err
    assert "RuntimeError: boom" in result.err


def test_python_dash_m_entry_point(python: str) -> None:
    done = subprocess.run(
        [python, "-m", "validator", "spec/test_task_session.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "Test Task for Session (spec/test_task_session.yaml, schema schema.sql)"
    )


def test_schema_subcommand_prints_the_shipped_schemas(run_cli: RunCli) -> None:
    from validator.validate import spec_schema, strict

    spec = run_cli("schema")
    assert spec.out == (ROOT / "validator" / "spec.schema.json").read_text("utf-8")
    assert spec.status == 0 and strict(json.loads(spec.out)) == spec_schema()
    report = run_cli("schema", "report")
    assert report.status == 0 and json.loads(report.out)["$id"].endswith(":report:1")
    assert run_cli("schema", "nope").status == 2


def test_a_spec_named_like_a_subcommand_is_given_with_a_path(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema").write_text("version: 1\nname: x\ntables: {t: {}}\n", "utf-8")
    (tmp_path / "empty.sql").write_text("", "utf-8")
    result = run_cli("./schema", "--schema", "empty.sql")
    assert result.status == 1, result.out + result.err  # a spec, run: table t is missing
    assert "no such table" in result.out

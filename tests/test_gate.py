"""The CI gate: several specs, report files, --list and -k, colour, --db, --dump."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SCHEMA, SHIPPED, SPEC, RunCli

DOMAIN_SPEC = ROOT / "tests" / "domains" / "deployments" / "spec.yaml"


# -- several specs ---------------------------------------------------------------


def test_directories_expand_to_their_specs(run_cli: RunCli) -> None:
    result = run_cli(ROOT / "spec", DOMAIN_SPEC.parent, "--format", "json")
    assert result.status == 0, result.err
    document = json.loads(result.out)
    assert document["verdict"] == "PASS"
    specs = [report["spec"] for report in document["reports"]]
    assert specs == ["spec/test_task_session.yaml", "tests/domains/deployments/spec.yaml"]


def test_exit_status_is_the_worst_of_all(run_cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: bad\ncriteria: 5\n", "utf-8")
    assert run_cli(SPEC, DOMAIN_SPEC).status == 0
    result = run_cli(SPEC, bad)
    assert result.status == 2
    assert result.out == ""  # nothing is reported while an input is unusable
    assert f"{bad}:3:11: $.criteria: expected a list, found number 5" in result.err


def test_one_failing_spec_fails_the_run(run_cli: RunCli, tmp_path: Path) -> None:
    failing = tmp_path / "failing.yaml"
    failing.write_text("version: 1\nname: failing\nschema: s.sql\ntables: {missing: {}}\n", "utf-8")
    (tmp_path / "s.sql").write_text("CREATE TABLE present (id TEXT);\n", "utf-8")
    result = run_cli(SPEC, failing, "--format", "json")
    assert result.status == 1
    document = json.loads(result.out)
    assert document["verdict"] == "FAIL"
    assert [report["verdict"] for report in document["reports"]] == ["PASS", "FAIL"]


def test_empty_directory_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text("just: yaml\n", "utf-8")
    result = run_cli(tmp_path)
    assert result.status == 2
    assert result.err == f"{tmp_path}: no spec files in this directory\n"


def test_only_specs_skips_other_yaml(run_cli: RunCli, tmp_path: Path) -> None:
    other = tmp_path / "ci.yml"
    other.write_text("on: push\n", "utf-8")
    assert run_cli("--only-specs", other).status == 0
    result = run_cli("--only-specs", other, SPEC)
    assert result.status == 0
    assert f"PASS: {SHIPPED} checks" in result.out
    assert run_cli(other).status == 2  # named without the flag, it must be a spec


# -- report files ------------------------------------------------------------------


def test_report_files_are_written_after_the_run(run_cli: RunCli, tmp_path: Path) -> None:
    formats = ("text", "json", "junit", "markdown", "github")
    args: list[str | Path] = [SPEC]
    for name in formats:
        args += ["--report", f"{name}:{tmp_path / ('report.' + name)}"]
    result = run_cli(*args, "--format", "json")
    assert result.status == 0
    assert (tmp_path / "report.json").read_text("utf-8") == result.out
    for name in formats:
        assert (tmp_path / f"report.{name}").stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"report.{n}" for n in formats)
    assert "\033[" not in (tmp_path / "report.text").read_text("utf-8")


def test_report_target_is_checked_before_any_work(run_cli: RunCli, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    result = run_cli(
        SPEC, "--report", f"json:{good}", "--report", f"junit:{tmp_path / 'no' / 'x.xml'}"
    )
    assert result.status == 2
    assert result.out == ""
    assert f"directory {tmp_path / 'no'} does not exist" in result.err
    assert not good.exists()


@pytest.mark.parametrize(
    ("argument", "message"),
    [("xml:out.xml", "unknown format 'xml'"), ("json", "expected FORMAT:PATH")],
)
def test_report_argument_errors(run_cli: RunCli, argument: str, message: str) -> None:
    result = run_cli(SPEC, "--report", argument)
    assert result.status == 2
    assert message in result.err


def test_failed_run_still_writes_reports(run_cli: RunCli, tmp_path: Path, no_trigger: Path) -> None:
    target = tmp_path / "out.json"
    result = run_cli(SPEC, "--schema", no_trigger, "--report", f"json:{target}")
    assert result.status == 1
    assert json.loads(target.read_text("utf-8"))["summary"]["failed"] == 15


def test_no_report_file_on_unusable_input(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = run_cli(tmp_path / "missing.yaml", "--report", f"json:{target}")
    assert result.status == 2
    assert list(tmp_path.iterdir()) == []


# -- --list and -k -----------------------------------------------------------------


def test_list_names_checks_without_running(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(SPEC, "--list", "--schema", tmp_path / "never-read.sql")
    assert result.status == 0
    lines = result.out.splitlines()
    assert len(lines) == SHIPPED
    assert lines[0].split() == ["table-task_lists", "table", "task_lists", "exists"]
    assert any(line.split()[:2] == ["criterion-10", "FK"] for line in lines)


@pytest.mark.parametrize(
    ("expression", "count"),
    [
        ("criterion", 29),
        ("criterion and not 1", 27),  # criterion-1 and criterion-10 contain "1"
        ("paused and refused", 6),
        ("'FK constraints'", 1),
        ("table- and (status or STATUS)", 5),
        ("(allowed or initial) and session_status", 6),
    ],
)
def test_keyword_selects_like_pytest(run_cli: RunCli, expression: str, count: int) -> None:
    listed = run_cli(SPEC, "--list", "-k", expression)
    assert len(listed.out.splitlines()) == count
    ran = run_cli(SPEC, "-k", expression)
    assert ran.status == 0
    assert f"PASS: {count} checks, {count} passed" in ran.out


def test_keyword_matching_nothing_is_an_error(run_cli: RunCli) -> None:
    result = run_cli(SPEC, "-k", "no-such-check")
    assert result.status == 2
    assert "no check matches -k 'no-such-check'" in result.err


def test_bad_keyword_expression(run_cli: RunCli) -> None:
    result = run_cli(SPEC, "-k", "criterion and (1")
    assert result.status == 2
    assert "-k criterion and (1: expected ')' at column 17" in result.err


def test_selected_failure_alone(run_cli: RunCli, no_trigger: Path) -> None:
    result = run_cli(SPEC, "--schema", no_trigger, "-k", "completed->running")
    assert result.status == 1
    assert "FAIL: 1 checks, 0 passed, 1 failed" in result.out


# -- colour ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "args", "coloured"),
    [
        ({}, [], False),  # captured output is not a terminal
        ({"FORCE_COLOR": "1"}, [], True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, [], False),
        ({"NO_COLOR": "1"}, ["--color", "always"], True),
        ({"FORCE_COLOR": "1"}, ["--color", "never"], False),
        ({"NO_COLOR": ""}, [], False),
    ],
)
def test_colour_only_when_asked_or_on_a_terminal(
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: list[str],
    coloured: bool,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = run_cli(SPEC, *args)
    assert ("\033[" in result.out) is coloured
    if coloured:
        assert "\033[32mPASS \033[0m" in result.out


def test_colour_never_reaches_json(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\033[" not in run_cli(SPEC, "--format", "json").out


# -- --db --------------------------------------------------------------------------


def _fingerprint(directory: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
    }


def _database(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript(SCHEMA.read_text("utf-8"))
    return connection


@pytest.fixture
def rollback_db(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    path = directory / "harness.db"
    connection = _database(path)
    connection.execute("INSERT INTO agents (id, name, type, model) VALUES ('a', 'n', 't', 'm')")
    connection.close()
    return path


@pytest.fixture
def wal_db_with_writer(tmp_path: Path) -> Iterator[Path]:
    """A WAL database whose writer is still open: committed pages only in the -wal,
    and a write transaction in progress."""
    directory = tmp_path / "data"
    directory.mkdir()
    path = directory / "harness.db"
    writer = _database(path)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("INSERT INTO agents (id, name, type, model) VALUES ('a', 'n', 't', 'm')")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO agents (id, name, type, model) VALUES ('b', 'n', 't', 'm')")
    names = {p.name for p in directory.iterdir()}
    assert names == {"harness.db", "harness.db-wal", "harness.db-shm"}
    yield path
    writer.execute("ROLLBACK")
    writer.close()


def test_db_copy_leaves_the_file_untouched(run_cli: RunCli, rollback_db: Path) -> None:
    before = _fingerprint(rollback_db.parent)
    result = run_cli(SPEC, "--db", rollback_db)
    assert result.status == 0, result.out + result.err
    assert f"schema {rollback_db}" in result.out.splitlines()[0]
    assert _fingerprint(rollback_db.parent) == before


def test_db_in_wal_mode_with_open_writer_is_untouched(
    run_cli: RunCli, wal_db_with_writer: Path
) -> None:
    directory = wal_db_with_writer.parent
    before = _fingerprint(directory)
    result = run_cli(SPEC, "--db", wal_db_with_writer, "--format", "json")
    assert result.status == 0, result.out + result.err
    assert _fingerprint(directory) == before  # database, -wal and -shm, byte for byte


def test_db_copy_sees_committed_wal_content(wal_db_with_writer: Path, tmp_path: Path) -> None:
    from validator.sqlite import open_copy

    work = tmp_path / "work"
    work.mkdir()
    copy = open_copy(wal_db_with_writer, "harness.db", work).connection
    try:
        rows = copy.execute("SELECT id FROM agents ORDER BY id").fetchall()
    finally:
        copy.close()
    assert rows == [("a",)]  # committed in the -wal; the open transaction is not


def test_db_missing_is_never_created(run_cli: RunCli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    result = run_cli(SPEC, "--db", missing)
    assert result.status == 2
    assert result.err == f"{missing}: no such database file\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not an SQLite database (an empty file)"),
        (b"id,name\n1,a\n", "not an SQLite database (no SQLite header)"),
    ],
)
def test_db_that_is_not_sqlite(
    run_cli: RunCli, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "data.db"
    path.write_bytes(content)
    result = run_cli(SPEC, "--db", path)
    assert (result.status, result.err) == (2, f"{path}: {message}\n")
    assert path.read_bytes() == content


def test_db_that_is_corrupt(run_cli: RunCli, rollback_db: Path, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.db"
    data = bytearray(rollback_db.read_bytes())
    data[4096 : 4096 + 512] = b"\xff" * 512  # garble the second page
    corrupt.write_bytes(bytes(data))
    result = run_cli(SPEC, "--db", corrupt)
    assert result.status == 2
    assert result.err.startswith(f"{corrupt}: the database is corrupt")


def test_schema_and_db_are_exclusive(run_cli: RunCli, rollback_db: Path) -> None:
    result = run_cli(SPEC, "--db", rollback_db, "--schema", SCHEMA)
    assert result.status == 2
    assert "not allowed with argument" in result.err


# -- --dump ------------------------------------------------------------------------


def test_dump_keeps_each_criterion_database(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(SPEC, "--dump", tmp_path / "dumps", "-k", "criterion-9 or criterion-7")
    assert result.status == 0
    folder = tmp_path / "dumps" / "test_task_session"
    assert sorted(p.name for p in folder.iterdir()) == ["criterion-7.sql", "criterion-9.sql"]
    restored = sqlite3.connect(":memory:")
    restored.executescript((folder / "criterion-9.sql").read_text("utf-8"))
    status = restored.execute("SELECT status, completed_at IS NOT NULL FROM agent_sessions")
    assert status.fetchall() == [("completed", 1)]


def test_no_dump_by_default(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli(SPEC).status == 0
    assert list(tmp_path.iterdir()) == []


# -- console script and pre-commit hook ---------------------------------------------


def test_console_script() -> None:
    script = Path(sys.executable).parent / "validator"
    assert script.exists(), "install the package: the console script is missing"
    done = subprocess.run(
        [str(script), str(SPEC), "--format", "json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "PASS"


def test_pre_commit_hook_definition() -> None:
    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "validator"
    assert hook["entry"].split()[0] == "validator"
    assert "--only-specs" in hook["entry"]
    assert hook["language"] == "python"


def test_schema_line_points_editors_at_the_format() -> None:
    first = SPEC.read_text("utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../validator/spec.schema.json"
    assert (SPEC.parent / "../validator/spec.schema.json").resolve().is_file()


def test_report_file_permissions(run_cli: RunCli, tmp_path: Path) -> None:
    fresh, kept = tmp_path / "fresh.json", tmp_path / "kept.json"
    kept.write_text("{}", "utf-8")
    kept.chmod(0o640)
    old = os.umask(0o022)
    try:
        assert run_cli(SPEC, "--report", f"json:{fresh}", "--report", f"json:{kept}").status == 0
    finally:
        os.umask(old)
    assert fresh.stat().st_mode & 0o777 == 0o644  # as a new file under this umask
    assert kept.stat().st_mode & 0o777 == 0o640  # the replaced file keeps its mode


def test_why_db_is_never_opened_with_sqlite(run_cli: RunCli, tmp_path: Path) -> None:
    """The reason --db copies bytes instead of opening the original read-only: even
    a read-only SQLite connection writes its read mark into a WAL database's -shm.
    --db itself leaves the same files untouched."""
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("CREATE TABLE t (x)")
        writer.execute("INSERT INTO t VALUES (1)")  # committed, still only in the -wal
        shm = Path(f"{path}-shm")
        before = hashlib.sha256(shm.read_bytes()).hexdigest()
        reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
        finally:
            reader.close()
        after_reader = _fingerprint(tmp_path)
        assert hashlib.sha256(shm.read_bytes()).hexdigest() != before
        assert run_cli(SPEC, "--db", path).status == 1  # not the harness's tables
        assert _fingerprint(tmp_path) == after_reader
    finally:
        writer.close()

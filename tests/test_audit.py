"""The audit of existing rows names exactly the rows planted to break each rule,
and stays silent on clean data; migrations are rehearsed on the private copy.

The databases here are "legacy" ones: the shipped tables as an older release
made them, without the constraints the spec now states (rows written before a
constraint existed, or with foreign keys off, are what the audit is for).
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import SCHEMA, SPEC, RunCli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator import load_spec, run
from validator.checks.base import Migration
from validator.runner import read_migrations

TRIGGER = "CREATE TRIGGER agent_sessions_status_transition"


def legacy_schema() -> str:
    """The shipped tables without CHECK, UNIQUE, NOT NULL and the trigger."""
    text = SCHEMA.read_text("utf-8")
    text = text[: text.index(TRIGGER)]
    text = re.sub(r"CHECK \((?:[^()]|\([^()]*\))*\)", "", text)
    text = re.sub(r",\s*UNIQUE \([^)]*\)", "", text)
    return text.replace(" NOT NULL", "").replace(" UNIQUE", "")


CLEAN = """\
INSERT INTO task_lists (id, name) VALUES ('list', 'List');
INSERT INTO tasks (id, display_id, title, task_list_id) VALUES ('t0', 'd0', 'T', 'list');
INSERT INTO agents (id, name, type, model) VALUES ('a0', 'Agent', 't', 'm');
INSERT INTO agent_sessions
    (id, agent_id, task_id, status, started_at, completed_at, total_iterations)
VALUES ('s-run', 'a0', 't0', 'running', '2026-01-01', NULL, 1),
       ('s-done', 'a0', 't0', 'completed', '2026-01-01', '2026-01-02', 0);
INSERT INTO iteration_logs (id, session_id, iteration_number, status)
VALUES ('l0', 's-run', 1, 'running');
"""

# Each kind of planted row: the audit check it breaks, and the SQL that plants row N
# (whose key, in that check's rows, is the text KEY).
PLANTS: dict[str, tuple[str, str]] = {
    "bad-state": (
        "audit-machine-session_status.states",
        "INSERT INTO agent_sessions (id, agent_id, task_id, status)"
        " VALUES ('KEY', 'a0', 't0', 'zombie')",
    ),
    "no-state": (
        "audit-machine-session_status.states",
        "INSERT INTO agent_sessions (id, agent_id, task_id, status)"
        " VALUES ('KEY', 'a0', 't0', NULL)",
    ),
    "stamp-missing": (
        "audit-machine-session_status.completed_at",
        "INSERT INTO agent_sessions (id, agent_id, status) VALUES ('KEY', 'a0', 'failed')",
    ),
    "stamp-early": (
        "audit-machine-session_status.completed_at",
        "INSERT INTO agent_sessions (id, agent_id, status, completed_at)"
        " VALUES ('KEY', 'a0', 'paused', '2026-01-02')",
    ),
    "untitled": (
        "audit-table-tasks.title.not_null",
        "INSERT INTO tasks (id, display_id, title) VALUES ('KEY', 'KEY', NULL)",
    ),
    "orphan-list": (
        "audit-table-tasks.task_list_id.references",
        "INSERT INTO tasks (id, display_id, title, task_list_id)"
        " VALUES ('KEY', 'KEY', 'T', 'gone')",
    ),
    "nameless-agent": (
        "audit-table-agents.name.not_null",
        "INSERT INTO agents (id, name, type, model) VALUES ('KEY', NULL, 't', 'm')",
    ),
    "orphan-agent": (
        "audit-table-agent_sessions.agent_id.references",
        "INSERT INTO agent_sessions (id, agent_id, status) VALUES ('KEY', 'ghost', 'running')",
    ),
    "orphan-log": (
        "audit-table-iteration_logs.session_id.references",
        "INSERT INTO iteration_logs (id, session_id, iteration_number)"
        " VALUES ('KEY', 'gone', NUMBER)",
    ),
    "log-twice": (
        "audit-table-iteration_logs.unique(session_id,iteration_number)",
        "INSERT INTO iteration_logs (id, session_id, iteration_number) VALUES ('KEY', 's-run', 1)",
    ),
}
AUDIT_IDS = {check for check, _ in PLANTS.values()}


def build(path: Path, plants: list[str]) -> dict[str, set[str]]:
    """A legacy database with the clean rows and ``plants`` (kinds, in order);
    the keys that each audit check must name."""
    connection = sqlite3.connect(path)
    connection.executescript(legacy_schema() + CLEAN)
    expected: dict[str, set[str]] = defaultdict(set)
    for number, kind in enumerate(plants):
        check, sql = PLANTS[kind]
        key = f"{kind}-{number}"
        connection.execute(sql.replace("KEY", key).replace("NUMBER", str(100 + number)))
        expected[check].add(key)
    connection.commit()
    connection.close()
    if "audit-table-iteration_logs.unique(session_id,iteration_number)" in expected:
        expected["audit-table-iteration_logs.unique(session_id,iteration_number)"].add("l0")
    return expected


def named(path: Path) -> dict[str, set[str]]:
    """The keys every failing audit check names (all of them: the sample holds 20)."""
    report = run(load_spec(SPEC), database_path=path, select=lambda p: p.id in AUDIT_IDS)
    found: dict[str, set[str]] = {}
    for check in report.checks:
        assert check.outcome in ("pass", "fail"), check
        keys: set[str] = set()
        for finding in check.findings:
            assert finding.rows is not None
            assert finding.rows.count == len(finding.rows.sample) <= 20
            keys |= {str(record["id"]) for record in finding.rows.records()}
        if keys:
            found[check.id] = keys
    return found


def test_clean_rows_pass_every_audit_check(tmp_path: Path) -> None:
    path = tmp_path / "clean.db"
    build(path, [])
    report = run(load_spec(SPEC), database_path=path, select=lambda p: p.section == "audit")
    assert report.checks and all(c.outcome == "pass" for c in report.checks), [
        c.message for c in report.checks if c.outcome != "pass"
    ]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(sorted(PLANTS)), max_size=12))
def test_the_audit_names_exactly_the_planted_rows(tmp_path: Path, plants: list[str]) -> None:
    path = tmp_path / f"planted-{abs(hash(tuple(plants)))}.db"
    expected = build(path, plants)
    try:
        assert named(path) == dict(expected)
    finally:
        path.unlink()


def test_a_check_constraint_broken_by_existing_rows_is_a_finding_not_corruption(
    tmp_path: Path,
) -> None:
    """quick_check reports CHECK failures too; only damage to the file is exit 2."""
    path = tmp_path / "checked.db"
    connection = sqlite3.connect(path)
    connection.executescript(
        SCHEMA.read_text("utf-8")
        + "PRAGMA ignore_check_constraints = ON;"
        + "INSERT INTO agents (id, name, type, model, status)"
        + " VALUES ('a', 'n', 't', 'm', 'asleep');"
    )
    connection.close()
    report = run(load_spec(SPEC), database_path=path, select=lambda p: p.section == "audit")
    failed = {c.id: c for c in report.checks if c.outcome != "pass"}
    assert set(failed) == {"audit-table-agents.checks"}
    (finding,) = failed["audit-table-agents.checks"].findings
    assert "status IN ('idle', 'working', 'error', 'stuck', 'stopped')" in finding.expected
    assert finding.rows is not None and finding.rows.records() == [{"id": "a", "status": "asleep"}]


def test_store_failures_writes_every_offending_row(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "many.db"
    build(path, ["orphan-agent"] * 30)
    out = tmp_path / "failures"
    result = run_cli(SPEC, "--db", path, "--store-failures", out, "-k", "audit")
    assert result.status == 1
    stored = out / "test_task_session" / "audit-table-agent_sessions.agent_id.references.csv"
    lines = stored.read_text("utf-8").splitlines()
    assert lines[0] == "id,agent_id" and len(lines) == 31  # the header and all 30, not 20
    assert "... and 10 more rows" in result.out


# -- migrations ----------------------------------------------------------------------


def migration(tmp_path: Path, name: str, text: str) -> Migration:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    (found,) = read_migrations([path])
    return found


def test_migrations_apply_in_order_and_the_checks_see_the_result(tmp_path: Path) -> None:
    first = migration(tmp_path, "001_add.sql", "ALTER TABLE tasks ADD COLUMN owner TEXT;\n")
    second = migration(tmp_path, "002_index.sql", "CREATE INDEX tasks_by_owner ON tasks (owner);\n")
    report = run(load_spec(SPEC), migrations=[first, second])
    outcomes = {c.id: c.outcome for c in report.checks}
    assert outcomes["migration-001_add.sql"] == outcomes["migration-002_index.sql"] == "pass"
    assert report.verdict == "PASS"
    assert [c.section for c in report.checks][:2] == ["migrations", "migrations"]


def test_a_migration_that_existing_rows_break_fails_with_those_rows(tmp_path: Path) -> None:
    path = tmp_path / "legacy.db"
    build(path, ["log-twice"])
    unique = migration(
        tmp_path,
        "003_unique.sql",
        "-- one log per iteration\n"
        "CREATE UNIQUE INDEX one_log_per_iteration\n"
        "    ON iteration_logs (session_id, iteration_number);\n",
    )
    after = migration(tmp_path, "004_more.sql", "CREATE TABLE later (id TEXT);\n")
    before = path.read_bytes()
    report = run(load_spec(SPEC), database_path=path, migrations=[unique, after])
    checks = {c.id: c for c in report.checks}
    failed = checks["migration-003_unique.sql"]
    assert failed.outcome == "fail"
    (finding,) = failed.findings
    assert (finding.location.file, finding.location.line) == (unique.shown, 2)
    assert "UNIQUE constraint failed" in finding.found
    assert finding.rows is not None
    assert {r["id"] for r in finding.rows.records()} == {"l0", "log-twice-0"}
    assert checks["migration-004_more.sql"].outcome == "error"
    assert "not applied" in checks["migration-004_more.sql"].message
    assert path.read_bytes() == before  # the original never changes


def test_a_migration_with_a_syntax_error_fails_at_its_token(tmp_path: Path) -> None:
    broken = migration(tmp_path, "005_typo.sql", "\n\nALTER TABEL tasks ADD COLUMN x TEXT;\n")
    report = run(load_spec(SPEC), migrations=[broken])
    (check,) = [c for c in report.checks if c.section == "migrations"]
    assert check.outcome == "fail"
    location = check.findings[0].location
    assert (location.line, location.column) == (3, 7)
    assert 'near "TABEL": syntax error' in check.message


def test_a_failed_wrapped_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    half = migration(
        tmp_path,
        "006_half.sql",
        "CREATE TABLE half (id TEXT);\nINSERT INTO nowhere VALUES (1);\n",
    )
    spec = load_spec(SPEC)
    report = run(spec, migrations=[half], select=lambda p: p.section == "migrations")
    assert report.checks[0].outcome == "fail"
    # The checks after it run on the database without the half-applied table.
    seen = run(spec, migrations=[half], select=lambda p: p.id == "table-tasks")
    assert seen.checks[0].outcome == "pass"


def test_the_cli_rehearses_migrations(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "legacy.db"
    build(path, ["log-twice"])
    script = tmp_path / "unique.sql"
    script.write_text(
        "CREATE UNIQUE INDEX u ON iteration_logs (session_id, iteration_number);\n", "utf-8"
    )
    result = run_cli(SPEC, "--db", path, "--migrate", script, "-k", "migration")
    assert result.status == 1
    assert "FAIL  migration unique.sql applies  [migration-unique.sql]" in result.out
    assert '{"id": "l0", "session_id": "s-run", "iteration_number": 1' in result.out
    refused = run_cli(SPEC, "--db", path, "--migrate", script, "--report", f"json:{script}")
    assert refused.status == 2 and "migration" in refused.err


@pytest.mark.parametrize("missing", ["no-such.sql"])
def test_a_missing_migration_is_refused_before_any_work(
    run_cli: RunCli, tmp_path: Path, missing: str
) -> None:
    result = run_cli(SPEC, "--migrate", tmp_path / missing)
    assert result.status == 2
    assert "no such file" in result.err

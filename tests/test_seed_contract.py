"""Every check of the shipped spec can fail: one broken variant per rule.

Each variant edits the shipped schema.sql or the operations of the shipped
spec (each edit must match exactly once, so a variant cannot silently stop
applying) and names exactly the checks that must then fail. Everything else
must still pass, so a variant also shows that checks do not bleed into each
other.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SCHEMA, SPEC, RunCli

from validator import load_spec, run

MACHINE = "machine-session_status"
STATES = ("running", "completed", "failed", "paused", "terminated")
ALLOWED = {
    ("running", "completed"),
    ("running", "failed"),
    ("running", "paused"),
    ("running", "terminated"),
    ("paused", "running"),
}
REFUSED = frozenset(
    f"{MACHINE}.{a}->{b}" for a in STATES for b in STATES if a != b and (a, b) not in ALLOWED
)
ALL_MACHINE = frozenset(
    {f"{MACHINE}.initial", f"{MACHINE}.outside-states"}
    | {f"{MACHINE}.{a}->{b}" for a, b in ALLOWED}
    | REFUSED
)

TRIGGER_START = "CREATE TRIGGER agent_sessions_status_transition"

SESSION_CRITERIA = tuple(
    f"criterion-{key}"
    for key in (
        4, 5, 6, 7, 8, 9, "iteration-counters", "iteration-number-unique", "iteration-statuses",
        "session-agent", "session-delete-cascades", "session-started-at",
        "session-with-iterations", "sessions-newest-first", "iteration-qa-results",
        "session-same-status", "session-status-values",
    )
)  # fmt: skip
"""The criteria that create a session (directly or through a fixture)."""

INVARIANTS = frozenset(
    {"invariant-session-iterations-counted", "invariant-session-completed-after-start"}
)

BROKEN_ROWS = """\
INSERT INTO agents (id, name, type, model) VALUES ('a', 'Agent', 't', 'm');
INSERT INTO agent_sessions (id, agent_id, status, started_at, completed_at, total_iterations)
VALUES ('counted-wrong', 'a', 'running', '2026-01-02 00:00:00', NULL, 2),
       ('ends-first', 'a', 'completed', '2026-01-02 00:00:00', '2026-01-01 00:00:00', 0),
       ('fine', 'a', 'completed', '2026-01-02 00:00:00', '2026-01-03 00:00:00', 1);
INSERT INTO iteration_logs (id, session_id, iteration_number) VALUES ('l1', 'fine', 1);
"""
"""Rows that break each invariant of the shipped spec once, next to a row that keeps both."""


@dataclass(frozen=True)
class Variant:
    """Edits to the schema and spec, and the check ids that must then not pass."""

    fails: frozenset[str]
    schema: tuple[tuple[str, str], ...] = ()
    spec: tuple[tuple[str, str], ...] = ()
    drop_trigger: bool = False
    notes: str = field(default="", compare=False)


def _ids(*names: str) -> frozenset[str]:
    return frozenset(names)


VARIANTS: dict[str, Variant] = {
    # -- the ten pass criteria -------------------------------------------------
    "c1-lookup-by-display-id-misses": Variant(
        _ids("criterion-1"),
        spec=(
            (
                "WHERE display_id = :display_id",
                "WHERE display_id = :display_id || '-other'",
            ),
        ),
    ),
    "c2-title-not-stored-as-given": Variant(
        _ids("criterion-2"),
        spec=((":display_id, :title, :description", ":display_id, upper(:title), :description"),),
    ),
    "c3-category-ignored": Variant(
        _ids("criterion-3", "criterion-task-categories"),
        spec=((":description, :category, :priority", ":description, 'task', :priority"),),
    ),
    "c4-session-not-linked-to-task": Variant(
        # With no task stored, an unknown task id no longer trips the foreign key.
        _ids("criterion-4", "criterion-6", "criterion-sessions-newest-first", "criterion-10"),
        spec=(
            (
                "VALUES (:id, :agent_id, :task_id, 'running')",
                "VALUES (:id, :agent_id, NULL, 'running')",
            ),
        ),
    ),
    "c5-session-starts-paused": Variant(
        # The state machine starts from the initial state, so all of it goes;
        # criterion 9 completes a session, which the trigger refuses from paused.
        _ids("criterion-5", "criterion-9") | ALL_MACHINE,
        spec=(
            (
                "VALUES (:id, :agent_id, :task_id, 'running')",
                "VALUES (:id, :agent_id, :task_id, 'paused')",
            ),
        ),
    ),
    "c6-sessions-by-task-empty": Variant(
        _ids("criterion-6", "criterion-sessions-newest-first"),
        spec=(("WHERE task_id = :task_id", "WHERE task_id = :task_id AND 0"),),
    ),
    "c7-iteration-returned-under-other-session": Variant(
        _ids("criterion-7"),
        spec=(
            (
                'WHERE id = :session_id\n    returns: {one: "SELECT * FROM iteration_logs WHERE '
                'id = :id"}',
                "WHERE id = :session_id\n    returns: {one: \"SELECT *, 'other' AS session_id "
                'FROM iteration_logs WHERE id = :id"}',
            ),
        ),
    ),
    "c8-iteration-count-not-updated": Variant(
        # Every criterion that logs an iteration leaves the counting invariant broken.
        _ids(
            "criterion-8",
            "criterion-iteration-counters",
            "criterion-7",
            "criterion-iteration-number-unique",
            "criterion-iteration-statuses",
            "criterion-session-delete-cascades",
            "criterion-session-with-iterations",
            "criterion-iteration-qa-results",
        ),
        spec=(
            (
                "SET total_iterations = total_iterations + 1,",
                "SET total_iterations = total_iterations,",
            ),
        ),
    ),
    "c9-completed-at-never-set": Variant(
        _ids(
            "criterion-9",
            f"{MACHINE}.running->completed",
            f"{MACHINE}.running->failed",
            f"{MACHINE}.running->terminated",
        ),
        spec=(("THEN datetime('now') ELSE NULL END", "THEN NULL ELSE NULL END"),),
    ),
    "c10-no-agent-foreign-key": Variant(
        _ids("criterion-10", "table-agent_sessions.agent_id"),
        schema=(
            (
                "agent_id TEXT NOT NULL REFERENCES agents(id),",
                "agent_id TEXT NOT NULL,",
            ),
        ),
    ),
    "c10-no-task-foreign-key": Variant(
        _ids("criterion-10", "table-agent_sessions.task_id"),
        schema=(("task_id TEXT REFERENCES tasks(id),", "task_id TEXT,"),),
    ),
    # -- table rules -----------------------------------------------------------
    "task-by-id-misreported": Variant(
        _ids("criterion-task-by-id"),
        spec=(
            (
                'getTask:\n    params: [id]\n    returns: {one: "SELECT * FROM tasks',
                'getTask:\n    params: [id]\n    returns: {one: "SELECT *, upper(display_id) AS '
                "display_id FROM tasks",
            ),
        ),
    ),
    "session-agent-misreported": Variant(
        _ids("criterion-session-agent"),
        spec=(
            (
                "VALUES (:id, :agent_id, :task_id, 'running')\n"
                '    returns: {one: "SELECT * FROM agent_sessions WHERE id = :id"}',
                "VALUES (:id, :agent_id, :task_id, 'running')\n"
                "    returns: {one: \"SELECT *, 'x' AS agent_id FROM agent_sessions "
                'WHERE id = :id"}',
            ),
        ),
    ),
    "column-missing": Variant(
        _ids("table-tasks.parent_task_id"),
        schema=(
            (
                "    parent_task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL,\n",
                "",
            ),
        ),
    ),
    "column-type": Variant(
        _ids("table-agents.name"),
        schema=(
            (
                "CREATE TABLE agents (\n    id TEXT PRIMARY KEY,\n    name TEXT NOT NULL,",
                "CREATE TABLE agents (\n    id TEXT PRIMARY KEY,\n    name VARCHAR(80) NOT NULL,",
            ),
        ),
    ),
    "column-not-null-dropped": Variant(
        _ids("table-tasks.title"),
        schema=(("    title TEXT NOT NULL,\n", "    title TEXT,\n"),),
    ),
    "column-not-null-added": Variant(
        _ids("table-agent_sessions.task_id"),
        schema=(
            ("task_id TEXT REFERENCES tasks(id),", "task_id TEXT NOT NULL REFERENCES tasks(id),"),
        ),
    ),
    "column-default-literal": Variant(
        _ids("table-tasks.status", "criterion-task-defaults"),
        schema=(("status TEXT DEFAULT 'pending'", "status TEXT DEFAULT 'draft'"),),
    ),
    "column-default-expression": Variant(
        _ids("table-agent_sessions.started_at"),
        schema=(
            (
                "    started_at TEXT DEFAULT (datetime('now')),\n    completed_at TEXT,\n"
                "    current_iteration",
                "    started_at TEXT DEFAULT CURRENT_TIMESTAMP,\n    completed_at TEXT,\n"
                "    current_iteration",
            ),
        ),
    ),
    "column-default-none-expected": Variant(
        # A new session has completed_at '' instead of null: the initial rule breaks,
        # and '' is earlier than started_at, so every new session breaks an invariant.
        _ids("table-agent_sessions.completed_at", f"{MACHINE}.initial", *SESSION_CRITERIA),
        schema=(
            (
                "    completed_at TEXT,\n    current_iteration",
                "    completed_at TEXT DEFAULT '',\n    current_iteration",
            ),
        ),
    ),
    "column-primary-key": Variant(
        _ids("table-agents.id"),
        schema=(
            (
                "CREATE TABLE agents (\n    id TEXT PRIMARY KEY,",
                "CREATE TABLE agents (\n    id TEXT NOT NULL UNIQUE,",
            ),
        ),
    ),
    "column-unique": Variant(
        _ids("table-tasks.display_id"),
        schema=(("display_id TEXT UNIQUE,", "display_id TEXT,"),),
    ),
    "column-references-other-table": Variant(
        _ids("table-tasks.parent_task_id"),
        schema=(
            (
                "parent_task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL",
                "parent_task_id TEXT REFERENCES task_lists(id) ON DELETE SET NULL",
            ),
        ),
    ),
    "column-on-delete": Variant(
        _ids("table-tasks.task_list_id"),
        schema=(
            (
                "task_list_id TEXT REFERENCES task_lists(id) ON DELETE SET NULL",
                "task_list_id TEXT REFERENCES task_lists(id)",
            ),
        ),
    ),
    "cascade-dropped": Variant(
        _ids("table-iteration_logs.session_id", "criterion-session-delete-cascades"),
        schema=(
            (
                "REFERENCES agent_sessions(id) ON DELETE CASCADE",
                "REFERENCES agent_sessions(id)",
            ),
        ),
    ),
    "composite-unique-dropped": Variant(
        _ids(
            "table-iteration_logs.unique(session_id,iteration_number)",
            "criterion-iteration-number-unique",
        ),
        schema=(
            (
                "    created_at TEXT DEFAULT (datetime('now')),\n    UNIQUE (session_id, "
                "iteration_number)\n",
                "    created_at TEXT DEFAULT (datetime('now'))\n",
            ),
        ),
    ),
    "iteration-status-check-narrowed": Variant(
        _ids("criterion-iteration-statuses"),
        schema=(("'qa_passed',\n                                  'qa_failed'", "'qa_passed'"),),
    ),
    "iteration-status-check-dropped": Variant(
        _ids("criterion-iteration-statuses"),
        schema=(
            (
                "    status TEXT CHECK (status IN ('running', 'completed', 'failed', 'qa_pending', "
                "'qa_passed',\n                                  'qa_failed')),\n",
                "    status TEXT,\n",
            ),
        ),
    ),
    "sessions-oldest-first": Variant(
        _ids("criterion-sessions-newest-first"),
        spec=(("ORDER BY started_at DESC, rowid DESC", "ORDER BY started_at, rowid"),),
    ),
    "iterations-unordered": Variant(
        _ids("criterion-session-with-iterations"),
        spec=(
            (
                "SELECT * FROM iteration_logs WHERE session_id = :id\n            "
                "ORDER BY iteration_number",
                "SELECT * FROM iteration_logs WHERE session_id = :id\n            ORDER BY rowid",
            ),
        ),
    ),
    "started-at-not-filled": Variant(
        # Criterion 9 compares completed_at with started_at: a null cannot be ordered.
        _ids("table-agent_sessions.started_at", "criterion-session-started-at", "criterion-9"),
        schema=(
            (
                "    started_at TEXT DEFAULT (datetime('now')),\n    completed_at TEXT,\n"
                "    current_iteration",
                "    started_at TEXT,\n    completed_at TEXT,\n    current_iteration",
            ),
        ),
    ),
    "task-priority-default": Variant(
        _ids("table-tasks.priority", "criterion-task-defaults"),
        schema=(("priority TEXT DEFAULT 'P2'", "priority TEXT DEFAULT 'P3'"),),
        spec=(("category: task, priority: P2,", "category: task, priority: P3,"),),
    ),
    # -- state machine rules ---------------------------------------------------
    "allowed-transition-refused": Variant(
        _ids(f"{MACHINE}.paused->running"),
        schema=(("OR (OLD.status = 'paused' AND NEW.status = 'running')", "OR 0"),),
    ),
    "unlisted-transition-accepted": Variant(
        _ids(f"{MACHINE}.completed->running"),
        schema=(
            (
                "OR (OLD.status = 'paused' AND NEW.status = 'running')",
                "OR (OLD.status = 'paused' AND NEW.status = 'running')\n"
                "   OR (OLD.status = 'completed' AND NEW.status = 'running')",
            ),
        ),
    ),
    "no-trigger": Variant(REFUSED, drop_trigger=True),
    "no-trigger-no-check": Variant(
        REFUSED | {f"{MACHINE}.outside-states", "criterion-session-status-values"},
        drop_trigger=True,
        schema=(
            (
                "    status TEXT CHECK (status IN ('running', 'completed', 'failed', 'paused', "
                "'terminated')),\n",
                "    status TEXT,\n",
            ),
        ),
    ),
    "timestamp-set-when-paused": Variant(
        _ids(f"{MACHINE}.running->paused"),
        spec=(
            (
                "CASE WHEN :status IN ('completed', 'failed', 'terminated')",
                "CASE WHEN :status IN ('completed', 'failed', 'terminated', 'paused')",
            ),
        ),
    ),
    "timestamp-missing-on-terminated": Variant(
        _ids(f"{MACHINE}.running->terminated"),
        spec=(
            (
                "CASE WHEN :status IN ('completed', 'failed', 'terminated')",
                "CASE WHEN :status IN ('completed', 'failed')",
            ),
        ),
    ),
    "same-status-refused": Variant(
        _ids("criterion-session-same-status"),
        schema=(("WHEN OLD.status IS NOT NEW.status\n AND NOT (", "WHEN NOT ("),),
    ),
    # -- every value of each CHECK list is accepted, and only those -------------
    "task-list-status-narrowed": Variant(
        _ids("criterion-task-list-statuses"),
        schema=(("'completed', 'archived'", "'completed'"),),
    ),
    "task-category-narrowed": Variant(
        _ids("criterion-task-categories"),
        schema=(("'epic', 'spike', 'improvement'", "'epic', 'improvement'"),),
    ),
    "task-status-narrowed": Variant(
        _ids("criterion-task-statuses"),
        schema=(("'blocked', 'skipped'", "'skipped'"),),
    ),
    "task-priority-narrowed": Variant(
        _ids("criterion-task-priorities"),
        schema=(("IN ('P0', 'P1',", "IN ('P1',"),),
    ),
    "task-effort-unchecked": Variant(
        _ids("criterion-task-efforts"),
        schema=(
            (
                " CHECK (effort IN ('trivial', 'small', 'medium', 'large', 'epic'))",
                "",
            ),
        ),
    ),
    "agent-status-narrowed": Variant(
        _ids("criterion-agent-statuses"),
        schema=(("'error', 'stuck', 'stopped'", "'error', 'stopped'"),),
    ),
    "session-status-unchecked": Variant(
        # The trigger still refuses moves to an unknown status; a new session is not moved.
        _ids("criterion-session-status-values"),
        schema=(
            (
                "    status TEXT CHECK (status IN ('running', 'completed', 'failed', 'paused', "
                "'terminated')),\n",
                "    status TEXT,\n",
            ),
        ),
    ),
    "qa-result-narrowed": Variant(
        _ids("criterion-iteration-qa-results"),
        schema=(("'failed', 'skipped')),\n    created_at", "'failed')),\n    created_at"),),
    ),
    "move-does-not-move": Variant(
        # Every move is silently a no-op: only the creation still holds.
        _ids("criterion-9") | (ALL_MACHINE - {f"{MACHINE}.initial"}),
        spec=(("SET status = :status,", "SET status = status,"),),
    ),
}


def _edit(text: str, edits: tuple[tuple[str, str], ...], what: str) -> str:
    for old, new in edits:
        assert text.count(old) == 1, f"{what}: {old!r} must occur exactly once"
        text = text.replace(old, new)
    return text


def materialise(variant: Variant, root: Path) -> Path:
    """Write the variant's schema.sql and spec under ``root``; return the spec path."""
    schema = _edit(SCHEMA.read_text("utf-8"), variant.schema, "schema.sql")
    if variant.drop_trigger:
        assert TRIGGER_START in schema
        schema = schema[: schema.index(TRIGGER_START)]
    (root / "spec").mkdir()
    (root / "schema.sql").write_text(schema, "utf-8")
    spec = root / "spec" / "test_task_session.yaml"
    spec.write_text(_edit(SPEC.read_text("utf-8"), variant.spec, "spec"), "utf-8")
    return spec


def not_passing(spec: Path) -> frozenset[str]:
    report = run(load_spec(spec))
    return frozenset(check.id for check in report.checks if check.outcome != "pass")


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_fails_exactly_its_checks(name: str, tmp_path: Path) -> None:
    variant = VARIANTS[name]
    spec = materialise(variant, tmp_path)
    assert not_passing(spec) == variant.fails


# -- every table is required to exist ------------------------------------------

SPEC_DATA: dict[str, Any] = yaml.safe_load(SPEC.read_text("utf-8"))
TABLES: dict[str, Any] = SPEC_DATA["tables"]


def table_checks(table: str) -> frozenset[str]:
    """The ids of every check the spec declares on ``table`` itself."""
    rule = TABLES[table]
    ids = {f"table-{table}"} | {f"table-{table}.{column}" for column in rule.get("columns", {})}
    ids |= {f"table-{table}.unique({','.join(key)})" for key in rule.get("unique", [])}
    return frozenset(ids)


def referencing(table: str) -> frozenset[str]:
    """Column checks of other tables whose 'references' points into ``table``."""
    return frozenset(
        f"table-{owner}.{column}"
        for owner, rule in TABLES.items()
        for column, attributes in rule.get("columns", {}).items()
        if str(attributes.get("references", "")).split(".")[0] == table and owner != table
    )


@pytest.mark.parametrize("table", sorted(TABLES))
def test_renamed_table_fails_its_checks(table: str, tmp_path: Path) -> None:
    """The table is renamed everywhere (schema, operations, state machine) except in
    the spec's ``tables`` section: only the structure checks on it (and columns of
    other tables that reference it) may fail, while every behaviour still holds."""
    word = re.compile(rf"\b{table}\b")
    renamed = f"{table}_renamed"
    (tmp_path / "spec").mkdir()
    (tmp_path / "schema.sql").write_text(word.sub(renamed, SCHEMA.read_text("utf-8")), "utf-8")
    text = SPEC.read_text("utf-8")
    head, tail = text.split("\noperations:", 1)
    spec = tmp_path / "spec" / "test_task_session.yaml"
    spec.write_text(head + "\noperations:" + word.sub(renamed, tail), "utf-8")
    assert not_passing(spec) == table_checks(table) | referencing(table)


# -- every declared column rule compares what it says -----------------------------

FLIPS: dict[str, Any] = {
    "type": lambda value: "BLOB" if value != "BLOB" else "TEXT",
    "not_null": lambda value: not value,
    "primary_key": lambda value: not value,
    "unique": lambda value: not value,
    "default": lambda value: {"expr": "random()"} if not isinstance(value, dict) else "x",
    "references": lambda _: "task_lists.name",
    "on_delete": lambda value: "restrict" if value != "restrict" else "cascade",
    "on_update": lambda value: "restrict" if value != "restrict" else "cascade",
}


def columns_with(attribute: str) -> frozenset[str]:
    return frozenset(
        f"table-{table}.{column}"
        for table, rule in TABLES.items()
        for column, attributes in rule.get("columns", {}).items()
        if attribute in attributes
    )


@pytest.mark.parametrize("attribute", sorted(FLIPS))
def test_spec_that_contradicts_the_schema_fails_each_column(attribute: str, tmp_path: Path) -> None:
    """Flip one attribute of every column rule in the spec: exactly those fail."""
    data = yaml.safe_load(SPEC.read_text("utf-8"))
    for rule in data["tables"].values():
        for attributes in rule.get("columns", {}).values():
            if attribute in attributes:
                attributes[attribute] = FLIPS[attribute](attributes[attribute])
    spec = tmp_path / "spec" / "flipped.yaml"
    spec.parent.mkdir()
    spec.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    (tmp_path / "schema.sql").write_text(SCHEMA.read_text("utf-8"), "utf-8")
    expected = columns_with(attribute)
    assert expected, f"no column declares {attribute}"
    assert not_passing(spec) == expected


def test_invariants_fail_on_a_database_whose_rows_break_them(tmp_path: Path) -> None:
    database = tmp_path / "harness.db"
    connection = sqlite3.connect(database)
    connection.executescript(SCHEMA.read_text("utf-8") + BROKEN_ROWS)
    connection.close()
    report = run(load_spec(SPEC), database_path=database, select=lambda p: p.id in INVARIANTS)
    found = {check.id: check for check in report.checks}
    assert set(found) == INVARIANTS and all(c.outcome == "fail" for c in found.values())
    counted = found["invariant-session-iterations-counted"].findings[0].rows
    assert counted is not None and counted.records() == [
        {"id": "counted-wrong", "total_iterations": 2, "logged": 0}
    ]
    ordered = found["invariant-session-completed-after-start"].findings[0].rows
    assert ordered is not None and [row["id"] for row in ordered.records()] == ["ends-first"]


def test_every_shipped_check_is_shown_able_to_fail() -> None:
    report = run(load_spec(SPEC))
    ids = {check.id for check in report.checks}
    covered = frozenset().union(
        INVARIANTS,
        *(variant.fails for variant in VARIANTS.values()),
        *(table_checks(table) for table in TABLES),
        *(columns_with(attribute) for attribute in FLIPS),
    )
    assert ids - covered == set()


def test_shipped_spec_passes_every_check() -> None:
    report = run(load_spec(SPEC))
    assert [check.id for check in report.checks if check.outcome != "pass"] == []
    assert report.verdict == "PASS"


def test_schema_without_trigger_fails_only_the_refusals(run_cli: RunCli, tmp_path: Path) -> None:
    schema = SCHEMA.read_text("utf-8")
    trimmed = tmp_path / "no_trigger.sql"
    trimmed.write_text(schema[: schema.index(TRIGGER_START)], "utf-8")
    result = run_cli(SPEC, "--schema", trimmed)
    assert result.status == 1
    failed = {
        line.split("[")[-1].rstrip("]") for line in result.out.splitlines() if "FAIL " in line
    }
    assert failed == REFUSED

"""The ten pass criteria of spec/test_task_session.yaml, written by hand.

The baseline of the ``handwritten`` benchmark (``benchmarks/run.py``): what a
team would write without validator, plain pytest and sqlite3. Each test makes
a fresh in-memory database from the shipped ``schema.sql`` (foreign keys on),
inserts the agent, task and session it needs as the spec's operations and
fixtures do, and asserts what the criterion of the same number says.

    python -m pytest -q -p no:cacheprovider benchmarks/test_handwritten_criteria.py
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCHEMA = (Path(__file__).resolve().parent.parent / "schema.sql").read_text(encoding="utf-8")

Row = dict[str, Any]


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.executescript(SCHEMA)
    connection.execute("PRAGMA foreign_keys = ON")
    yield connection
    connection.close()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def one(db: sqlite3.Connection, sql: str, **params: Any) -> Row | None:
    row = db.execute(sql, params).fetchone()
    return None if row is None else dict(row)


def create_agent(db: sqlite3.Connection) -> Row:
    agent_id = str(uuid.uuid4())
    db.execute(
        "INSERT INTO agents (id, name, type, model) VALUES (?, ?, 'test', 'test-model')",
        (agent_id, f"Test Agent {now_ms()}"),
    )
    return one(db, "SELECT * FROM agents WHERE id = :id", id=agent_id) or {}


def create_task(db: sqlite3.Connection) -> Row:
    task_id = str(uuid.uuid4())
    db.execute(
        "INSERT INTO tasks (id, display_id, title, category) VALUES (?, ?, ?, 'test')",
        (task_id, f"test_task_session_{now_ms()}", "Test Task for Session"),
    )
    return one(db, "SELECT * FROM tasks WHERE id = :id", id=task_id) or {}


def create_session(db: sqlite3.Connection, agent_id: str, task_id: str) -> Row:
    session_id = str(uuid.uuid4())
    db.execute(
        "INSERT INTO agent_sessions (id, agent_id, task_id, status) VALUES (?, ?, ?, 'running')",
        (session_id, agent_id, task_id),
    )
    return get_session(db, session_id)


def get_session(db: sqlite3.Connection, session_id: str) -> Row:
    return one(db, "SELECT * FROM agent_sessions WHERE id = :id", id=session_id) or {}


def get_task(db: sqlite3.Connection, task_id: str) -> Row:
    return one(db, "SELECT * FROM tasks WHERE id = :id", id=task_id) or {}


def new_session(db: sqlite3.Connection) -> tuple[Row, Row]:
    """A task and a running session for it (the spec's ``session`` fixture)."""
    task = create_task(db)
    return task, create_session(db, create_agent(db)["id"], task["id"])


def log_iteration(db: sqlite3.Connection, session_id: str, number: int) -> Row:
    iteration_id = str(uuid.uuid4())
    db.execute("BEGIN")
    db.execute(
        "INSERT INTO iteration_logs (id, session_id, iteration_number, status)"
        " VALUES (?, ?, ?, 'running')",
        (iteration_id, session_id, number),
    )
    db.execute(
        "UPDATE agent_sessions SET total_iterations = total_iterations + 1,"
        " current_iteration = ? WHERE id = ?",
        (number, session_id),
    )
    db.execute("COMMIT")
    return one(db, "SELECT * FROM iteration_logs WHERE id = :id", id=iteration_id) or {}


def update_status(db: sqlite3.Connection, session_id: str, status: str) -> None:
    """Sets ``completed_at`` on entering a terminal state, as the data layer does."""
    completed_at = "datetime('now')" if status in ("completed", "failed", "terminated") else "NULL"
    db.execute(
        f"UPDATE agent_sessions SET status = ?, completed_at = {completed_at} WHERE id = ?",
        (status, session_id),
    )


def test_1_task_created_with_display_id(db: sqlite3.Connection) -> None:
    task = create_task(db)
    found = one(db, "SELECT * FROM tasks WHERE display_id = :d", d=task["display_id"])
    assert found is not None
    assert found["id"] == task["id"]
    assert re.fullmatch(r"test_task_session_[0-9]+", found["display_id"])


def test_2_task_title(db: sqlite3.Connection) -> None:
    task = create_task(db)
    assert get_task(db, task["id"])["title"] == "Test Task for Session"


def test_3_task_category(db: sqlite3.Connection) -> None:
    task = create_task(db)
    assert get_task(db, task["id"])["category"] == "test"


def test_4_session_linked_to_task(db: sqlite3.Connection) -> None:
    task = create_task(db)
    session = create_session(db, create_agent(db)["id"], task["id"])
    assert session["id"]
    assert session["task_id"] == task["id"]


def test_5_session_initial_status_running(db: sqlite3.Connection) -> None:
    task = create_task(db)
    session = create_session(db, create_agent(db)["id"], task["id"])
    assert session["status"] == "running"


def test_6_sessions_by_task(db: sqlite3.Connection) -> None:
    task, session = new_session(db)
    rows = db.execute(
        "SELECT * FROM agent_sessions WHERE task_id = ? ORDER BY started_at DESC, rowid DESC",
        (task["id"],),
    ).fetchall()
    assert session["id"] in [row["id"] for row in rows]


def test_7_iteration_logged_under_session(db: sqlite3.Connection) -> None:
    _, session = new_session(db)
    iteration = log_iteration(db, session["id"], 1)
    assert iteration["id"]
    assert iteration["session_id"] == session["id"]
    assert iteration["iteration_number"] == 1


def test_8_session_iteration_count_updates(db: sqlite3.Connection) -> None:
    _, session = new_session(db)
    log_iteration(db, session["id"], 1)
    total = get_session(db, session["id"])["total_iterations"]
    assert isinstance(total, int)
    assert total >= 1


def test_9_session_completes_with_timestamp(db: sqlite3.Connection) -> None:
    _, session = new_session(db)
    update_status(db, session["id"], "completed")
    stored = get_session(db, session["id"])
    assert stored["status"] == "completed"
    assert isinstance(stored["completed_at"], str)
    assert stored["completed_at"]


def test_10_foreign_keys_enforced(db: sqlite3.Connection) -> None:
    agent, task = create_agent(db), create_task(db)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        create_session(db, "no-such-agent", task["id"])
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        create_session(db, agent["id"], "no-such-task")

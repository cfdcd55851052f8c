"""Timestamp rules beyond "set exactly in these states": set on entering, kept once
set, cleared on leaving, not earlier than another column. Each is shown to hold
on a data layer that keeps it and to fail, at its line, on one that does not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from validator import SpecError, load_spec, run

SCHEMA = """\
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'paused', 'done')),
    started_at TEXT,
    paused_at TEXT,
    finished_at TEXT
);
CREATE TRIGGER jobs_moves BEFORE UPDATE OF status ON jobs
WHEN OLD.status IS NOT NEW.status AND NOT (
     (OLD.status = 'queued' AND NEW.status = 'running')
  OR (OLD.status = 'running' AND NEW.status IN ('paused', 'done'))
  OR (OLD.status = 'paused' AND NEW.status = 'running'))
BEGIN SELECT RAISE(ABORT, 'not allowed'); END;
"""

MOVE = """\
UPDATE jobs SET
  status = :to,
  started_at = CASE WHEN :to = 'running' AND started_at IS NULL
                    THEN '2026-01-01 10:00' ELSE started_at END,
  paused_at = CASE WHEN :to = 'paused' THEN '2026-01-01 11:00' ELSE NULL END,
  finished_at = CASE WHEN :to = 'done' THEN '2026-01-01 12:00' ELSE NULL END
WHERE id = :id
"""

SPEC = """\
version: 1
name: jobs
schema: schema.sql
operations:
  create:
    sql: INSERT INTO jobs (id) VALUES ('j')
    returns: {one: "SELECT * FROM jobs WHERE id = 'j'"}
  move:
    params: [id, to]
    sql: |
MOVE
state_machines:
  job_status:
    table: jobs
    column: status
    states: [queued, running, paused, done]
    initial: queued
    transitions:
      queued: [running]
      running: [paused, done]
      paused: [running]
    terminal: [done]
    timestamps:
      started_at: {set_on_entering: [running], kept: true}
      paused_at: {set_on_entering: [paused], cleared_on_leaving: [paused]}
      finished_at: {set_in: terminal, not_before: started_at}
    create: {call: create}
    move: {call: move, with: {id: "${row.id}", to: "${to}"}}
"""


def write(tmp_path: Path, move: str = MOVE) -> Path:
    (tmp_path / "schema.sql").write_text(SCHEMA, "utf-8")
    body = "\n".join("      " + line for line in move.strip().splitlines())
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace("MOVE", body), "utf-8")
    return path


def failing(spec: Path) -> dict[str, str]:
    """check id -> its first finding, of every check that did not pass."""
    report = run(load_spec(spec))
    return {c.id: c.message for c in report.checks if c.outcome != "pass"}


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def test_a_data_layer_that_keeps_every_rule_passes(tmp_path: Path) -> None:
    assert failing(write(tmp_path)) == {}


@pytest.mark.parametrize(
    ("broken", "fails", "message"),
    [
        (  # never stamps the start
            ("'2026-01-01 10:00' ELSE started_at", "NULL ELSE started_at"),
            {"queued->running", "paused->running"},
            "started_at set on entering 'running', found null",
        ),
        (  # clears the start when the job finishes
            ("ELSE started_at END", "ELSE NULL END"),
            {"running->paused", "running->done"},
            "started_at kept once set ('2026-01-01 10:00'), found null",
        ),
        (  # keeps paused_at after leaving paused
            (
                "WHEN :to = 'paused' THEN '2026-01-01 11:00' ELSE NULL END",
                "WHEN :to = 'paused' THEN '2026-01-01 11:00' ELSE paused_at END",
            ),
            {"paused->running"},
            "paused_at cleared on leaving 'paused', found '2026-01-01 11:00'",
        ),
        (  # finishes before it started
            ("'2026-01-01 12:00'", "'2026-01-01 09:00'"),
            {"running->done"},
            "finished_at not earlier than started_at ('2026-01-01 10:00'), "
            "found '2026-01-01 09:00'",
        ),
    ],
    ids=[
        "not-set-on-entering",
        "not-kept",
        "not-cleared",
        "ordering",
    ],
)
def test_each_rule_fails_on_a_data_layer_that_breaks_it(
    tmp_path: Path, broken: tuple[str, str], fails: set[str], message: str
) -> None:
    old, new = broken
    assert MOVE.count(old) == 1, old
    spec = write(tmp_path, MOVE.replace(old, new))
    found = failing(spec)
    assert set(found) == {f"machine-job_status.{suffix}" for suffix in fails}
    for text in found.values():
        assert message in text


def test_restamping_on_a_later_entering_breaks_kept(tmp_path: Path) -> None:
    """Kept: once set, a later move into the state must not stamp it again."""
    stamp = (
        "AND started_at IS NULL\n                    THEN '2026-01-01 10:00' ELSE started_at END"
    )
    assert MOVE.count(stamp) == 1
    again = (
        "THEN CASE WHEN started_at IS NULL THEN '2026-01-01 10:00' "
        "ELSE '2026-01-02 10:00' END ELSE started_at END"
    )
    move = MOVE.replace(stamp, again)
    found = failing(write(tmp_path, move))
    assert set(found) == {"machine-job_status.paused->running"}
    assert (
        "started_at kept once set ('2026-01-01 10:00'), found '2026-01-02 10:00'"
        in (found["machine-job_status.paused->running"])
    )


def test_a_rule_fails_at_its_own_line(tmp_path: Path) -> None:
    spec = write(tmp_path, MOVE.replace("'2026-01-01 12:00'", "'2026-01-01 09:00'"))
    report = run(load_spec(spec))
    (check,) = [c for c in report.checks if c.outcome != "pass"]
    assert check.findings[0].location.line == line_of(spec, "finished_at: {set_in")


def test_kept_and_cleared_together_are_refused(tmp_path: Path) -> None:
    spec = write(tmp_path)
    text = spec.read_text("utf-8").replace(
        "paused_at: {set_on_entering: [paused], cleared_on_leaving: [paused]}",
        "paused_at: {kept: true, cleared_on_leaving: [paused]}",
    )
    spec.write_text(text, "utf-8")
    with pytest.raises(SpecError, match="both kept and cleared"):
        load_spec(spec)


def test_unknown_states_in_a_rule_are_refused(tmp_path: Path) -> None:
    spec = write(tmp_path)
    text = spec.read_text("utf-8").replace(
        "set_on_entering: [running]", "set_on_entering: [runing]"
    )
    spec.write_text(text, "utf-8")
    with pytest.raises(SpecError, match="'runing' is not one of the states"):
        load_spec(spec)


def test_the_audit_checks_the_ordering_on_existing_rows(tmp_path: Path) -> None:
    spec = write(tmp_path)
    database = tmp_path / "jobs.db"
    connection = sqlite3.connect(database)
    connection.executescript(
        SCHEMA + "INSERT INTO jobs VALUES ('ok', 'done', '2026-01-01', NULL, '2026-01-02'),"
        "('early', 'done', '2026-01-03', NULL, '2026-01-02');"
    )
    connection.close()
    report = run(load_spec(spec), database_path=database, select=lambda p: "audit" in p.id)
    found = {c.id: c for c in report.checks}
    ordering = found["audit-machine-job_status.finished_at.not_before"]
    assert ordering.outcome == "fail"
    assert ordering.findings[0].rows is not None
    assert [r["id"] for r in ordering.findings[0].rows.records()] == ["early"]
    assert found["audit-machine-job_status.finished_at"].outcome == "pass"
    assert "audit-machine-job_status.started_at" not in found  # no set_in rule: moves only

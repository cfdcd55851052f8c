"""State machines as real data layers have them: one operation per edge, guards
checked on both sides, and every unlisted move tried unless said otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator import SpecError, load_spec, run

SCHEMA = """\
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'failed', 'done')),
    assignee TEXT,
    retries INTEGER NOT NULL DEFAULT 0,
    max_retries INTEGER NOT NULL DEFAULT 2
);
CREATE TRIGGER jobs_moves BEFORE UPDATE OF status ON jobs
WHEN OLD.status IS NOT NEW.status AND NOT (
     (OLD.status = 'queued' AND NEW.status = 'running' AND NEW.assignee IS NOT NULL)
  OR (OLD.status = 'running' AND NEW.status IN ('failed', 'done'))
  OR (OLD.status = 'failed' AND NEW.status = 'queued' AND OLD.retries < OLD.max_retries))
BEGIN SELECT RAISE(ABORT, 'jobs: move not allowed'); END;
"""

SPEC = """\
version: 1
name: jobs
schema: schema.sql
operations:
  enqueue:
    sql: INSERT INTO jobs (id) VALUES ('j')
    returns: {one: "SELECT * FROM jobs WHERE id = 'j'"}
  setStatus: {params: [id, to], sql: "UPDATE jobs SET status = :to WHERE id = :id"}
  assign: {params: [id], sql: "UPDATE jobs SET assignee = 'ann' WHERE id = :id"}
  unassign: {params: [id], sql: "UPDATE jobs SET assignee = NULL WHERE id = :id"}
  start: {params: [id], sql: "UPDATE jobs SET status = 'running' WHERE id = :id"}
  complete: {params: [id], sql: "UPDATE jobs SET status = 'done' WHERE id = :id"}
  fail: {params: [id], sql: "UPDATE jobs SET status = 'failed' WHERE id = :id"}
  setRetries: {params: [id, n], sql: "UPDATE jobs SET retries = :n WHERE id = :id"}
  retry:
    params: [id]
    sql: UPDATE jobs SET status = 'queued', retries = retries + 1 WHERE id = :id
state_machines:
  job_status:
    table: jobs
    column: status
    states: [queued, running, failed, done]
    initial: queued
    transitions:
      queued:
        - to: running
          call: start
          with: {id: "${row.id}"}
          guard:
            title: the job has an assignee
            met: [{call: assign, with: {id: "${row.id}"}}]
            unmet: [{call: unassign, with: {id: "${row.id}"}}]
      running:
        - {to: done, call: complete, with: {id: "${row.id}"}}
        - {to: failed, call: fail, with: {id: "${row.id}"}}
      failed:
        - to: queued
          call: retry
          with: {id: "${row.id}"}
          guard:
            title: retries < max_retries
            met: [{call: setRetries, with: {id: "${row.id}", n: 0}}]
            unmet: [{call: setRetries, with: {id: "${row.id}", n: 2}}]
    terminal: [done]
    create: {call: enqueue}
    move: {call: setStatus, with: {id: "${row.id}", to: "${to}"}}
REJECT"""


def write(tmp_path: Path, schema: str = SCHEMA, spec: str = SPEC, reject: str = "") -> Path:
    (tmp_path / "schema.sql").write_text(schema, "utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text(spec.replace("REJECT", reject), "utf-8")
    return path


def outcomes(spec: Path) -> dict[str, str]:
    return {check.id: check.outcome for check in run(load_spec(spec)).checks}


M = "machine-job_status."


def test_edges_with_their_own_operations_and_guards_pass(tmp_path: Path) -> None:
    found = outcomes(write(tmp_path))
    assert found[f"{M}queued->running"] == found[f"{M}queued->running.unmet"] == "pass"
    assert found[f"{M}failed->queued"] == found[f"{M}failed->queued.unmet"] == "pass"
    assert found[f"{M}running->done"] == "pass"
    assert all(outcome == "pass" for outcome in found.values()), found
    # Unlisted moves are tried by default (no reject_others in the spec).
    assert found[f"{M}done->queued"] == found[f"{M}queued->done"] == "pass"


def test_titles_say_the_guard(tmp_path: Path) -> None:
    report = run(load_spec(write(tmp_path)))
    titles = {check.id: check.title for check in report.checks}
    assert titles[f"{M}failed->queued"] == (
        "job_status: failed -> queued is allowed when retries < max_retries"
    )
    assert titles[f"{M}failed->queued.unmet"] == (
        "job_status: failed -> queued is refused unless retries < max_retries"
    )


def test_a_guard_the_database_does_not_enforce_fails_its_unmet_check(tmp_path: Path) -> None:
    loose = SCHEMA.replace(" AND OLD.retries < OLD.max_retries", "")
    found = outcomes(write(tmp_path, loose))
    assert {check for check, outcome in found.items() if outcome != "pass"} == {
        f"{M}failed->queued.unmet"
    }


def test_a_guard_that_is_never_met_fails_the_allowed_move(tmp_path: Path) -> None:
    strict = SCHEMA.replace("OLD.retries < OLD.max_retries", "OLD.retries < 0")
    found = outcomes(write(tmp_path, strict))
    assert {check for check, outcome in found.items() if outcome != "pass"} == {
        f"{M}failed->queued"
    }


def test_an_edge_operation_that_does_not_move_fails_its_transition(tmp_path: Path) -> None:
    lazy = SPEC.replace(
        "complete: {params: [id], sql: \"UPDATE jobs SET status = 'done' WHERE id = :id\"}",
        "complete: {params: [id], sql: \"UPDATE jobs SET assignee = 'x' WHERE id = :id\"}",
    )
    report = run(load_spec(write(tmp_path, spec=lazy)))
    failed = {c.id: c.message for c in report.checks if c.outcome == "fail"}
    assert set(failed) == {f"{M}running->done"}
    assert "status = 'done'" in failed[f"{M}running->done"]
    # 'done' cannot be reached any more: the moves from it could not run.
    errors = {c.id for c in report.checks if c.outcome == "error"}
    assert errors == {f"{M}done->{state}" for state in ("queued", "running", "failed")}


def test_states_reached_only_through_guarded_edges_are_reached(tmp_path: Path) -> None:
    """'running', 'failed' and 'done' lie behind the guarded queued -> running:
    the engine meets the guard on the way, so their checks run (and pass)."""
    found = outcomes(write(tmp_path))
    assert found[f"{M}done->running"] == "pass"  # reached: queued -> running -> done


def test_without_the_trigger_every_unlisted_move_fails(tmp_path: Path) -> None:
    bare = SCHEMA[: SCHEMA.index("CREATE TRIGGER")]
    found = outcomes(write(tmp_path, bare))
    refused = {c for c, o in found.items() if o != "pass"}
    assert f"{M}done->queued" in refused and f"{M}queued->done" in refused
    assert f"{M}failed->queued.unmet" in refused


def test_reject_others_false_leaves_unlisted_moves_unchecked(tmp_path: Path) -> None:
    bare = SCHEMA[: SCHEMA.index("CREATE TRIGGER")]
    found = outcomes(write(tmp_path, bare, reject="    reject_others: false\n"))
    assert f"{M}done->queued" not in found
    assert f"{M}queued->running.unmet" in found  # guards are checked all the same


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("call: retry", "call: retryy"), "unknown operation 'retryy'"),
        (("- {to: done, call: complete", "- {to: failed, call: complete"), "listed twice"),
        (("n: 0}", "n: 0, m: 1}"), "takes no parameter 'm'"),
        (("- {to: done, call", "- {to: finished, call"), "'finished' is not one of the states"),
        (
            (
                "unmet: [{call: unassign",
                "unmet: [{call: unassign, with: {id: '${rowz.id}'}}, {call: unassign",
            ),
            "'rowz' is not bound",
        ),
    ],
)
def test_bad_edges_are_refused_at_their_place(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    old, new = edit
    assert SPEC.count(old) == 1, old
    spec = write(tmp_path, spec=SPEC.replace(old, new))
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert any(message in problem.message for problem in caught.value.problems), caught.value
    text = spec.read_text("utf-8").splitlines()
    for problem in caught.value.problems:
        assert problem.location.line > 1, problem
        assert text[problem.location.line - 1].strip(), problem

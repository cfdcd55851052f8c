"""What real test suites say, said directly: bind a value once (let), expected
errors of several kinds or any, repeat and gather, comparisons of fields,
nested results per row, optional parameters, compact JSON arguments, and a
column that must have no foreign key. Each form passes where the contract
holds and fails, located, where it does not."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from validator import SpecError, load_spec, run
from validator.results import CheckResult

SCHEMA = """\
CREATE TABLE projects (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'done')),
    options TEXT,
    queued_at TEXT NOT NULL DEFAULT '2026-01-01 10:00',
    done_at TEXT,
    external_ref TEXT
);
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    n INTEGER NOT NULL
);
"""

HEAD = """\
version: 1
name: forms
schema: schema.sql
tables:
  jobs:
    columns:
      external_ref: {references: null}
operations:
  addProject:
    params: [id, name]
    sql: INSERT INTO projects (id, name) VALUES (:id, :name)
    returns: {one: "SELECT * FROM projects WHERE id = :id"}
  addJob:
    params: [project_id, name]
    defaults: {options: null}
    sql: INSERT INTO jobs (project_id, name, options) VALUES (:project_id, :name, :options)
    returns: {one: "SELECT * FROM jobs WHERE rowid = last_insert_rowid()"}
  finish:
    params: [id]
    sql: UPDATE jobs SET status = 'done', done_at = '2026-01-01 11:00' WHERE id = :id
    returns: {one: "SELECT * FROM jobs WHERE id = :id"}
  attempt:
    params: [job_id, n]
    sql: INSERT INTO attempts (job_id, n) VALUES (:job_id, :n)
  listJobs:
    params: [project_id]
    optional: [status, limit]
    returns:
      many: |
        SELECT * FROM jobs WHERE project_id = :project_id {{AND status = :status}}
        ORDER BY id {{LIMIT :limit}}
      nest:
        attempts: {many: "SELECT n FROM attempts WHERE job_id = :id ORDER BY n"}
criteria:
"""


def write(tmp_path: Path, criteria: str, head: str = HEAD, schema: str = SCHEMA) -> Path:
    (tmp_path / "schema.sql").write_text(schema, "utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text(head + textwrap.indent(textwrap.dedent(criteria), "  "), "utf-8")
    return path


def checks(spec: Path) -> dict[str, CheckResult]:
    return {check.id: check for check in run(load_spec(spec)).checks}


def outcome(tmp_path: Path, criterion: str, **kwargs: str) -> CheckResult:
    found = checks(write(tmp_path, criterion, **kwargs))
    return next(check for check in found.values() if check.section == "criteria")


LET = """\
- id: let
  title: a value bound once, used many times
  steps:
    - let: {projectId: "p-${now_ms}", names: [build, test, ship]}
    - {call: addProject, with: {id: "${projectId}", name: "Project ${projectId}"}, as: project}
    - {call: addJob, with: {project_id: "${projectId}", name: "${names.0}"}, as: job}
  that:
    - project.id == job.project_id
    - job.name == 'build'
    - project.name != job.name
"""


def test_let_binds_a_value_once(tmp_path: Path) -> None:
    check = outcome(tmp_path, LET)
    assert check.outcome == "pass", check.message


def test_a_comparison_that_does_not_hold_fails_at_its_line(tmp_path: Path) -> None:
    check = outcome(tmp_path, LET.replace("job.name == 'build'", "job.name == 'test'"))
    assert check.outcome == "fail"
    (finding,) = check.findings
    assert finding.expected == "job.name == 'test'"
    assert finding.found == '"build" == "test"'
    spec = (tmp_path / "spec.yaml").read_text("utf-8").splitlines()
    assert "job.name == 'test'" in spec[finding.location.line - 1]


@pytest.mark.parametrize(
    ("comparison", "holds"),
    [
        ("job.id >= 1", True),
        ("job.done_at >= job.queued_at", False),  # null cannot be ordered
        ("job.queued_at < '2026-02-01'", True),
        ("job.status == 1", False),
        ("len(job.name) == 5", True),
        ("job.options == null", True),
        ("job.id == 1.0", True),
        ("len(job.id) == 1", False),  # a number has no length
    ],
)
def test_comparisons(tmp_path: Path, comparison: str, holds: bool) -> None:
    criterion = f"""\
        - id: compare
          title: compare fields
          steps:
            - {{call: addProject, with: {{id: p, name: P}}}}
            - call: addJob
              with: {{project_id: p, name: build}}
              as: job
              that: ["{comparison}"]
        """
    check = outcome(tmp_path, criterion)
    assert (check.outcome == "pass") is holds, check.message


@pytest.mark.parametrize(
    ("comparison", "message"),
    [
        ("job.id >> 1", "expected a reference"),
        ("job.id", "expected one of =="),
        ("len(1) == 1", "len(...) takes a reference"),
        ("nobody.id == 1", "'nobody' is not bound here"),
    ],
)
def test_bad_comparisons_are_refused_at_load(tmp_path: Path, comparison: str, message: str) -> None:
    criterion = f"""\
        - id: compare
          title: compare fields
          steps:
            - {{call: addProject, with: {{id: p, name: P}}}}
            - {{call: addJob, with: {{project_id: p, name: build}}, as: job}}
          that: ["{comparison}"]
        """
    with pytest.raises(SpecError) as caught:
        load_spec(write(tmp_path, criterion))
    (problem,) = caught.value.problems
    assert message in problem.message
    line = (tmp_path / "spec.yaml").read_text("utf-8").splitlines()[problem.location.line - 1]
    assert comparison in line


REPEAT = """\
- id: gather
  title: five jobs created, all with ids
  steps:
    - {call: addProject, with: {id: p, name: P}}
    - call: addJob
      for_each: [a, b, c, d, e]
      with: {project_id: p, name: "job-${item}-${index}"}
      as: jobs
      expect: {type: array, minItems: 5, maxItems: 5, items: {required: [id]}}
      that: ["len(jobs) == 5", "jobs.4.name == 'job-e-4'"]
    - {call: attempt, repeat: 3, with: {job_id: "${jobs.0.id}", n: "${index}"}}
    - {call: listJobs, with: {project_id: p}, as: listed}
  that: ["len(listed.0.attempts) == 3", "listed.0.attempts.2.n == 2"]
"""


def test_repeat_and_for_each_gather_the_results(tmp_path: Path) -> None:
    check = outcome(tmp_path, REPEAT)
    assert check.outcome == "pass", check.message


def test_a_gathered_result_that_misses_fails(tmp_path: Path) -> None:
    check = outcome(tmp_path, REPEAT.replace("[a, b, c, d, e]", "[a, b, c, d]"))
    assert check.outcome == "fail"
    assert "to have at least 5 item(s)" in check.message


def test_each_repeated_call_is_checked(tmp_path: Path) -> None:
    criterion = """\
        - id: each
          title: each repeated call must be refused
          steps:
            - {call: addProject, with: {id: p, name: P}}
            - call: addProject
              for_each: [p, q]
              with: {id: "${item}", name: "N-${item}"}
              raises: unique
        """
    check = outcome(tmp_path, criterion)
    assert check.outcome == "fail"  # q is new: only the first call is refused
    (finding,) = check.findings
    assert finding.step == "step 2 (addProject), call 2 of 2"


@pytest.mark.parametrize(
    ("raises", "passes"),
    [
        ("unique", True),
        ("[check, unique]", True),
        ("[check, not_null]", False),
        ("constraint", True),
        ("any", True),
    ],
)
def test_raises_one_kind_several_or_any(tmp_path: Path, raises: str, passes: bool) -> None:
    criterion = f"""\
        - id: raises
          title: a duplicate name
          steps:
            - {{call: addProject, with: {{id: p, name: P}}}}
            - {{call: addProject, with: {{id: q, name: P}}, raises: {raises}}}
        """
    check = outcome(tmp_path, criterion)
    assert (check.outcome == "pass") is passes, check.message
    if not passes:
        assert "expected a check or not_null error" in check.message


def test_any_accepts_an_error_that_is_not_a_constraint(tmp_path: Path) -> None:
    head = HEAD.replace("operations:\n", 'operations:\n  broken: {sql: "SELECT * FROM nowhere"}\n')
    criterion = """\
        - id: any
          title: any database error
          steps: [{call: broken, raises: any}]
        """
    assert outcome(tmp_path, criterion, head=head).outcome == "pass"
    refused = criterion.replace("raises: any", "raises: constraint")
    assert outcome(tmp_path, refused, head=head).outcome == "fail"


def test_optional_parameters_drop_their_fragments(tmp_path: Path) -> None:
    criterion = """\
        - id: optional
          title: filters and limits only when given
          steps:
            - {call: addProject, with: {id: p, name: P}}
            - {call: addJob, for_each: [a, b, c], with: {project_id: p, name: "${item}"}, as: jobs}
            - {call: finish, with: {id: "${jobs.0.id}"}}
            - {call: listJobs, with: {project_id: p}, as: all}
            - {call: listJobs, with: {project_id: p, status: queued}, as: queued}
            - {call: listJobs, with: {project_id: p, limit: 1}, as: first}
          that: ["len(all) == 3", "len(queued) == 2", "len(first) == 1", "first.0.name == 'a'"]
        """
    check = outcome(tmp_path, criterion)
    assert check.outcome == "pass", check.message


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM jobs WHERE status = :status", "used outside a {{ ... }} fragment"),
        ("SELECT * FROM jobs {{WHERE status = :status", "'{{' without its '}}'"),
        ("SELECT * FROM jobs {{WHERE {{status = :status}}}}", "do not nest"),
    ],
)
def test_bad_fragments_are_refused_at_load(tmp_path: Path, sql: str, message: str) -> None:
    head = HEAD.replace(
        "operations:\n",
        f'operations:\n  filtered: {{optional: [status], returns: {{many: "{sql}"}}}}\n',
    )
    criterion = """\
        - id: x
          title: x
          steps: [{call: filtered, expect: {type: array}}]
        """
    with pytest.raises(SpecError) as caught:
        load_spec(write(tmp_path, criterion, head=head))
    assert any(message in problem.message for problem in caught.value.problems), caught.value


def test_mapping_arguments_are_bound_as_compact_json(tmp_path: Path) -> None:
    criterion = """\
        - id: json
          title: options stored as JSON.stringify writes them
          steps:
            - {call: addProject, with: {id: p, name: P}}
            - call: addJob
              with: {project_id: p, name: j, options: {retries: 3, tags: [a, b], label: "é"}}
              as: job
          that:
            - job.options == '{"retries":3,"tags":["a","b"],"label":"é"}'
        """
    check = outcome(tmp_path, criterion)
    assert check.outcome == "pass", check.message
    assert json.loads('{"retries":3,"tags":["a","b"],"label":"é"}')["label"] == "é"


def test_a_column_that_must_have_no_foreign_key(tmp_path: Path) -> None:
    criterion = """\
        - id: none
          title: x
          steps: [{call: addProject, with: {id: p, name: P}, expect: {type: object}}]
        """
    found = checks(write(tmp_path, criterion))
    assert found["table-jobs.external_ref"].outcome == "pass"
    referencing = SCHEMA.replace("external_ref TEXT", "external_ref TEXT REFERENCES projects(id)")
    found = checks(write(tmp_path, criterion, schema=referencing))
    assert found["table-jobs.external_ref"].outcome == "fail"
    assert "expected no foreign key, found REFERENCES projects(id)" in (
        found["table-jobs.external_ref"].message
    )


def test_a_let_name_already_bound_is_refused(tmp_path: Path) -> None:
    criterion = """\
        - id: twice
          title: x
          steps:
            - let: {a: 1}
            - let: {a: 2}
          that: ["a == 2"]
        """
    with pytest.raises(SpecError, match="'a' is already bound"):
        load_spec(write(tmp_path, criterion))

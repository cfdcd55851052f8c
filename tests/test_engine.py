"""Engine behaviour on small specs written for the purpose."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

import pytest
from conftest import SPEC

from validator import Location, SpecError, load_spec, run
from validator.errors import SchemaError, UsageError
from validator.results import Report
from validator.session import Access
from validator.session import raises_matches as matches
from validator.sqlite import open_schema
from validator.sqlite.classify import error_kind

SCHEMA = """
CREATE TABLE parent (id TEXT PRIMARY KEY, name TEXT NOT NULL, n INTEGER CHECK (n >= 0));
CREATE TABLE child (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES parent(id) ON DELETE RESTRICT,
    later_id TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TRIGGER no_bob BEFORE INSERT ON parent WHEN NEW.name = 'bob'
BEGIN SELECT RAISE(ABORT, 'no bob'); END;
"""

OPERATIONS = """
operations:
  addParent:
    params: [id]
    defaults: {name: p, n: 0}
    sql: INSERT INTO parent (id, name, n) VALUES (:id, :name, :n)
    returns: {one: "SELECT * FROM parent WHERE id = :id"}
  removeParent: {params: [id], sql: "DELETE FROM parent WHERE id = :id"}
  removeAll: {sql: "DELETE FROM child; DELETE FROM parent"}
  addChild:
    params: [id]
    defaults: {parent_id: null, later_id: null}
    sql: INSERT INTO child (id, parent_id, later_id) VALUES (:id, :parent_id, :later_id)
  countParents: {returns: {one: "SELECT count(*) AS n FROM parent"}}
  twoThenFail:
    params: [id]
    sql:
      - INSERT INTO parent (id, name) VALUES (:id, 'first')
      - INSERT INTO parent (id, name) VALUES (:id, 'again')
"""


def write(tmp_path: Path, body: str, schema: str = SCHEMA) -> Path:
    (tmp_path / "schema.sql").write_text(schema, "utf-8")
    spec = tmp_path / "spec.yaml"
    header = "version: 1\nname: small\nschema: schema.sql\n"
    spec.write_text(header + OPERATIONS + textwrap.dedent(body), "utf-8")
    return spec


def where(spec: Path, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the only occurrence of ``needle`` in ``spec``."""
    text = spec.read_text("utf-8")
    assert text.count(needle) == 1, needle
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def outcomes(spec: Path) -> dict[str, str]:
    report: Report = run(load_spec(spec))
    return {check.id: check.outcome for check in report.checks}


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("INSERT INTO parent (id, name) VALUES ('a', 'x')", "primary_key"),
        ("INSERT INTO parent (id) VALUES ('b')", "not_null"),
        ("INSERT INTO parent (id, name, n) VALUES ('c', 'x', -1)", "check"),
        ("INSERT INTO child (id, parent_id) VALUES ('d', 'nope')", "foreign_key"),
        ("INSERT INTO parent (id, name) VALUES ('e', 'bob')", "trigger"),
        ("DELETE FROM parent WHERE id = 'a'", "foreign_key"),  # RESTRICT
        ("SELECT * FROM nowhere", None),
    ],
)
def test_error_kinds_come_from_sqlite_result_codes(sql: str, kind: str | None) -> None:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    for statement in SCHEMA.split(";\n")[:2]:
        connection.execute(statement)
    connection.execute("CREATE UNIQUE INDEX parent_name ON parent (name) WHERE name = 'u'")
    connection.execute(
        "CREATE TRIGGER no_bob BEFORE INSERT ON parent WHEN NEW.name = 'bob' "
        "BEGIN SELECT RAISE(ABORT, 'no bob'); END"
    )
    connection.execute("INSERT INTO parent (id, name) VALUES ('a', 'x')")
    connection.execute("INSERT INTO child (id, parent_id) VALUES ('c1', 'a')")
    with pytest.raises(sqlite3.Error) as caught:
        connection.execute(sql)
    assert error_kind(caught.value) == kind


def test_unique_accepts_a_primary_key_refusal_but_not_the_reverse() -> None:
    assert matches("unique", "primary_key")
    assert not matches("primary_key", "unique")
    assert matches("constraint", "check")
    assert not matches("constraint", None)


def test_each_raises_kind_holds_and_fails(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        """
        criteria:
          - id: fk
            title: unknown parent refused
            steps: [{call: addChild, with: {id: c, parent_id: nope}, raises: foreign_key}]
          - id: restrict
            title: a parent with children cannot go
            steps:
              - {call: addParent, with: {id: a}}
              - {call: addChild, with: {id: c, parent_id: a}}
              - {call: removeParent, with: {id: a}, raises: foreign_key}
          - id: deferred
            title: a deferred foreign key is refused when the call ends
            steps: [{call: addChild, with: {id: c, later_id: nope}, raises: foreign_key}]
          - id: trigger
            title: bob refused by trigger
            steps: [{call: addParent, with: {id: b, name: bob}, raises: trigger}]
          - id: check
            title: negative refused
            steps: [{call: addParent, with: {id: b, n: -1}, raises: check}]
          - id: wrong-kind
            title: a check refusal is not a unique one
            steps: [{call: addParent, with: {id: b, n: -1}, raises: unique}]
          - id: not-refused
            title: a call that succeeds fails a raises step
            steps: [{call: addParent, with: {id: b}, raises: constraint}]
        """,
    )
    assert outcomes(spec) == {
        "criterion-fk": "pass",
        "criterion-restrict": "pass",
        "criterion-deferred": "pass",
        "criterion-trigger": "pass",
        "criterion-check": "pass",
        "criterion-wrong-kind": "fail",
        "criterion-not-refused": "fail",
    }


def test_failed_call_leaves_nothing_behind(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        """
        criteria:
          - id: atomic
            title: the first insert of a failing call is undone
            steps:
              - {call: twoThenFail, with: {id: x}, raises: unique}
              - {call: countParents, as: count}
            expect:
              count: {properties: {n: {const: 0}}}
        """,
    )
    assert outcomes(spec) == {"criterion-atomic": "pass"}


def test_destructive_criterion_does_not_change_what_others_see(tmp_path: Path) -> None:
    body = """
        fixtures:
          parent: {call: addParent, with: {id: p1}}
        criteria:
          - id: wipe
            title: deletes everything
            given: [parent]
            steps: [{call: removeAll}, {call: countParents, as: count}]
            expect: {count: {properties: {n: {const: 0}}}}
          - id: sees-one
            title: sees exactly its own fixture
            given: [parent]
            steps: [{call: countParents, as: count}]
            expect: {count: {properties: {n: {const: 1}}}}
        """
    forward = outcomes(write(tmp_path, body))
    assert forward == {"criterion-wipe": "pass", "criterion-sees-one": "pass"}


def test_order_of_criteria_never_changes_a_verdict(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(SPEC.read_text("utf-8"))
    data["criteria"].reverse()
    data["schema"] = str(SPEC.parent.parent / "schema.sql")
    reversed_spec = tmp_path / "reversed.yaml"
    reversed_spec.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    assert outcomes(reversed_spec) == outcomes(SPEC)


def test_failing_step_stops_only_its_criterion(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        """
        criteria:
          - id: 1
            title: breaks at step 1
            steps:
              - {call: addParent, with: {id: a, n: -5}}
              - {call: countParents, as: count}
            expect: {count: {properties: {n: {const: 1}}}}
          - id: 2
            title: still runs
            steps: [{call: addParent, with: {id: a}, as: made}]
            expect: {made: {required: [id]}}
        """,
    )
    report = run(load_spec(spec))
    first, second = report.checks
    assert (first.outcome, second.outcome) == ("fail", "pass")
    assert len(first.findings) == 1
    finding = first.findings[0]
    assert finding.step == "step 1 (addParent)"
    assert finding.expected == "the call to succeed"
    assert finding.found.startswith("check error: CHECK constraint failed")
    # The step, in spec.yaml; the SQL statement's own line is named in the text.
    assert finding.location.line == where(spec, "{call: addParent, with: {id: a, n: -5}}")[0]
    assert f"(SQL at {spec}:{where(spec, 'INSERT INTO parent (id, name, n)')[0]}:" in finding.found


def test_fixture_that_cannot_be_built_is_an_error(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        """
        fixtures:
          bad: {call: addParent, with: {id: a, name: bob}}
        criteria:
          - id: 1
            title: needs bad
            given: [bad]
            steps: [{call: countParents, as: count}]
            expect: {count: {properties: {n: {const: 1}}}}
        """,
    )
    report = run(load_spec(spec))
    (check,) = report.checks
    assert check.outcome == "error"
    assert "fixture 'bad'" in check.findings[0].expected
    assert report.verdict == "FAIL"


def test_expectation_failure_points_at_the_keyword(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        """
        criteria:
          - id: 1
            title: wrong name
            steps: [{call: addParent, with: {id: a, name: alice}, as: made}]
            expect:
              made:
                properties:
                  name: {const: bob}
                  n: {minimum: 1}
        """,
    )
    (check,) = run(load_spec(spec)).checks
    assert check.outcome == "fail"
    shown = [(f.location, f.expected, f.found) for f in check.findings]
    assert shown == [
        (Location(str(spec), *where(spec, "1}")), "made.n >= 1", "0"),
        (Location(str(spec), *where(spec, "bob}")), 'made.name = "bob"', '"alice"'),
    ]


def test_unresolvable_field_reference_fails_the_criterion(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        """
        criteria:
          - id: 1
            title: refers to a missing field
            steps:
              - {call: addParent, with: {id: a}, as: made}
              - {call: addChild, with: {id: c, parent_id: "${made.nonexistent}"}}
            expect: {made: {required: [id]}}
        """,
    )
    (check,) = run(load_spec(spec)).checks
    assert check.outcome == "fail"
    assert "made has no field 'nonexistent'" in check.findings[0].found


def test_spec_with_unreachable_state_is_refused(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        """
        state_machines:
          m:
            table: parent
            column: name
            states: [a, b, c]
            initial: a
            transitions: {a: [b]}
            create: {call: addParent, with: {id: x, name: a}}
            move: {call: addParent, with: {id: "${row.id}", name: "${to}"}}
        """,
    )
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    (problem,) = caught.value.problems
    assert "state 'c' cannot be reached from 'a'" in problem.message
    assert (problem.location.line, problem.location.column) == where(spec, "c]")


def test_blobs_are_shown_as_hex_and_json_arguments_as_text(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        """
        criteria:
          - id: 1
            title: a blob comes back as hex text, a list argument as compact JSON text
            steps:
              - call: echo
                with: {value: [1, "a"]}
                as: echoed
            expect:
              echoed:
                properties:
                  blob: {const: "01ff"}
                  value: {const: '[1,"a"]'}
                  flag: {const: 1}
        """,
    ).read_text("utf-8")
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(
        spec.replace(
            "  countParents:",
            "  echo:\n    params: [value]\n    defaults: {flag: true}\n"
            "    returns: {one: \"SELECT x'01ff' AS blob, :value AS value, :flag AS flag\"}\n"
            "  countParents:",
        ),
        "utf-8",
    )
    assert outcomes(spec_path) == {"criterion-1": "pass"}


# -- run(): a schema given as text, stopping early, what the checks touch ----------

THREE = """
criteria:
  - id: 1
    title: passes
    steps: [{call: addParent, with: {id: a}, as: made}]
    expect: {made: {required: [id]}}
  - id: 2
    title: fails
    steps: [{call: addParent, with: {id: b, n: -1}, as: made}]
    expect: {made: {required: [id]}}
  - id: 3
    title: would pass
    steps: [{call: addParent, with: {id: c}, as: made}]
    expect: {made: {required: [id]}}
"""


def test_a_schema_given_as_text_is_applied_and_named(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, THREE))
    text = SCHEMA.replace("CHECK (n >= 0)", "")
    report = run(spec, schema_text=text, schema_name="mutant.sql")
    assert report.schema == "mutant.sql"
    assert [check.outcome for check in report.checks] == ["pass", "pass", "pass"]


def test_a_schema_text_that_does_not_apply_is_located_in_its_name(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, THREE))
    with pytest.raises(SchemaError) as caught:
        run(spec, schema_text="CREATE TABLE t (a);\nCREATE TABLE t (b);\n", schema_name="m.sql")
    assert str(caught.value) == "m.sql:2:14: table t already exists"
    with pytest.raises(UsageError):
        run(spec, schema_text="", schema=tmp_path / "schema.sql")


def test_stop_ends_the_run_after_the_first_unit_it_names(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, THREE))
    report = run(spec, stop=lambda result: result.outcome == "fail")
    assert [(check.id, check.outcome) for check in report.checks] == [
        ("criterion-1", "pass"),
        ("criterion-2", "fail"),
    ]


def test_access_records_what_the_checks_touch_and_not_the_schema(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, THREE))
    seeded = SCHEMA + "CREATE TABLE other (x TEXT);\nINSERT INTO other VALUES ('seed');\n"
    access = Access()
    run(spec, schema_text=seeded, schema_name="seeded.sql", access=access)
    assert access.inserts == {"parent"}
    assert {("parent", "id"), ("parent", "name"), ("parent", "n")} <= access.reads
    assert "no_bob" in access.triggers  # its program is part of every INSERT into parent
    assert "other" not in access.tables()  # written by the schema only
    assert access.updates == set() and access.deletes == set()


def test_an_opened_session_is_taken_over_by_the_run(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, THREE))
    session = open_schema(SCHEMA, "mine.sql")
    session.connection.execute("INSERT INTO parent (id, name) VALUES ('a', 'already')")
    report = run(spec, schema_text=SCHEMA, schema_name="mine.sql", opened=session)
    # criterion-1 adds parent 'a': it fails only on the database given, not on a fresh one.
    assert [check.outcome for check in report.checks] == ["fail", "fail", "pass"]
    with pytest.raises(sqlite3.ProgrammingError):  # closed by the run
        session.connection.execute("SELECT 1")
    with pytest.raises(UsageError):
        run(spec, opened=open_schema(SCHEMA, "x.sql"))


def test_introspection_sees_every_change_of_the_schema_and_its_rollback() -> None:
    """The schema's version is read again only once a statement that can change
    it was prepared: a table made, rolled back, and made again by the same
    (cached) statement is seen each time."""
    session = open_schema("CREATE TABLE parent (id TEXT PRIMARY KEY);", "s.sql")
    try:
        assert session.table("parent") is not None
        assert session.table("extra") is None
        for _ in range(2):  # the second CREATE comes from sqlite3's statement cache
            with session.isolated():
                with session.guard.user("engine"):
                    session.connection.execute("CREATE TABLE extra (id INTEGER)")
                found = session.table("extra")
                assert found is not None and [c.name for c in found.columns] == ["id"]
            assert session.table("extra") is None  # rolled back: no longer there
    finally:
        session.close()

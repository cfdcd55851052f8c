"""``structure: {exact_tables, exact_columns}``: tables and columns the spec does not
declare fail the run (pgTAP's ``tables_are`` / ``columns_are``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import RunCli

from validator import load_spec, run
from validator.errors import SpecError
from validator.runner import plan

SCHEMA = """
CREATE TABLE parent (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id TEXT REFERENCES parent(id), note TEXT);
CREATE VIEW parent_names AS SELECT name FROM parent;
CREATE INDEX child_parent ON child(parent_id);
"""

TABLES = """
tables:
  parent:
    columns:
      id: {type: TEXT, primary_key: true}
      name: {type: TEXT, not_null: true}
  child:
    columns:
      id: {type: INTEGER}
      parent_id: {type: TEXT}
      note: {type: TEXT}
"""


def write(tmp_path: Path, structure: str, tables: str = TABLES, schema: str = SCHEMA) -> Path:
    (tmp_path / "schema.sql").write_text(schema, "utf-8")
    path = tmp_path / "spec.yaml"
    body = f"version: 1\nname: exact\nschema: schema.sql\n{structure}\n{tables}"
    path.write_text(body, "utf-8")
    return path


def outcomes(path: Path) -> dict[str, tuple[str, str]]:
    """Check id -> (outcome, ``LINE:COL: message`` of its first finding or "")."""
    report = run(load_spec(path))
    found = {}
    for check in report.checks:
        where = check.findings[0].location if check.findings else None
        shown = f"{where.line}:{where.column}: " if where else ""
        found[check.id] = (check.outcome, shown + check.message if check.message else "")
    return found


def test_exact_structure_passes_when_everything_is_declared(tmp_path: Path) -> None:
    found = outcomes(write(tmp_path, "structure: {exact_tables: true, exact_columns: true}"))
    assert found["tables-exact"][0] == "pass"
    assert found["table-parent.columns-exact"][0] == "pass"
    assert found["table-child.columns-exact"][0] == "pass"
    assert all(outcome == "pass" for outcome, _ in found.values())


def test_an_undeclared_table_fails_exact_tables(tmp_path: Path) -> None:
    schema = SCHEMA + "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, entry TEXT);\n"
    path = write(tmp_path, "structure:\n  exact_tables: true\n", schema=schema)
    found = outcomes(path)
    outcome, message = found["tables-exact"]
    assert outcome == "fail"
    assert message == (
        "5:17: expected only the tables the spec declares (child, parent), found also audit_log"
    )
    assert "table-parent.columns-exact" not in found  # exact_columns is off


def test_an_undeclared_column_fails_exact_columns_at_the_table(tmp_path: Path) -> None:
    schema = SCHEMA.replace("note TEXT)", "note TEXT, extra INTEGER NOT NULL DEFAULT 0)")
    path = write(tmp_path, "structure: {exact_columns: true}", schema=schema)
    found = outcomes(path)
    outcome, message = found["table-child.columns-exact"]
    assert outcome == "fail"
    assert message == (
        "11:3: expected only the columns the spec declares (id, parent_id, note), "
        "found also extra INTEGER"
    )
    assert found["table-parent.columns-exact"][0] == "pass"
    assert "tables-exact" not in found


def test_exact_columns_of_a_missing_table_fail(tmp_path: Path) -> None:
    schema = SCHEMA.replace("TABLE child", "TABLE kid").replace("ON child", "ON kid")
    found = outcomes(write(tmp_path, "structure: {exact_columns: true}", schema=schema))
    assert found["table-child.columns-exact"] == (
        "fail",
        "11:3: expected table child, found no such table",
    )


def test_views_and_internal_tables_are_not_tables_to_declare(tmp_path: Path) -> None:
    schema = SCHEMA + "CREATE TABLE counter (id INTEGER PRIMARY KEY AUTOINCREMENT);\n"
    tables = TABLES + "  counter:\n    columns: {id: {type: INTEGER}}\n"
    path = write(tmp_path, "structure: {exact_tables: true}", tables=tables, schema=schema)
    assert outcomes(path)["tables-exact"][0] == "pass"  # sqlite_sequence is SQLite's own


def test_a_virtual_table_counts_but_not_its_shadow_tables(tmp_path: Path) -> None:
    schema = SCHEMA + "CREATE VIRTUAL TABLE docs USING fts5(title, body);\n"
    declared = TABLES + "  docs:\n    columns: {title: {}, body: {}}\n"
    structure = "structure: {exact_tables: true, exact_columns: true}"
    found = outcomes(write(tmp_path, structure, tables=declared, schema=schema))
    assert found["tables-exact"] == ("pass", "")  # docs_data, docs_idx, ... are fts5's own
    assert found["table-docs.columns-exact"] == ("pass", "")  # so are its hidden columns
    found = outcomes(write(tmp_path, structure, schema=schema))
    assert found["tables-exact"][1].endswith("found also docs")


def test_a_table_named_like_an_internal_one_counts(tmp_path: Path) -> None:
    schema = SCHEMA + "CREATE TABLE sqlitex (id INTEGER PRIMARY KEY);\n"
    found = outcomes(write(tmp_path, "structure: {exact_tables: true}", schema=schema))
    assert found["tables-exact"][1].endswith("found also sqlitex")


def test_table_names_compare_as_sqlite_resolves_them(tmp_path: Path) -> None:
    tables = TABLES.replace("  parent:", "  PARENT:").replace("  child:", "  Child:")
    path = write(tmp_path, "structure: {exact_tables: true, exact_columns: true}", tables)
    assert all(outcome == "pass" for outcome, _ in outcomes(path).values())


def test_exact_false_plans_nothing(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, "structure: {exact_tables: false, exact_columns: false}"))
    assert not [p.id for p in plan(spec) if "exact" in p.id]


def test_exact_tables_alone_is_a_check(tmp_path: Path) -> None:
    path = write(tmp_path, "structure: {exact_tables: true}", tables="")
    found = outcomes(path)
    assert found["tables-exact"][0] == "fail"
    assert found["tables-exact"][1].endswith("found also child, parent")


@pytest.mark.parametrize(
    ("structure", "message"),
    [
        ("structure: {exact: true}", "unknown key 'exact'"),
        ("structure: {exact_tables: yes}", "exact_tables"),
    ],
)
def test_structure_keys_are_checked(tmp_path: Path, structure: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(write(tmp_path, structure))
    assert message in str(caught.value)


def test_exact_checks_are_listed_and_selectable(tmp_path: Path, run_cli: RunCli) -> None:
    path = write(tmp_path, "structure: {exact_tables: true, exact_columns: true}")
    listed = run_cli(str(path), "--list", "-k", "exact")
    assert listed.status == 0
    assert [line.split(None, 1) for line in listed.out.splitlines()] == [
        ["tables-exact", "the database has no table the spec does not declare"],
        ["table-parent.columns-exact", "table parent has no column the spec does not declare"],
        ["table-child.columns-exact", "table child has no column the spec does not declare"],
    ]


def unknown_module_db(tmp_path: Path) -> Path:
    """A database holding a virtual table whose module this SQLite does not have."""
    import sqlite3

    path = tmp_path / "app.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE parent (id TEXT PRIMARY KEY, name TEXT NOT NULL)")
    connection.execute("PRAGMA writable_schema = ON")
    connection.execute(
        "INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) VALUES "
        "('table', 'geo', 'geo', 0, 'CREATE VIRTUAL TABLE geo USING nosuchmodule(x, y)')"
    )
    connection.commit()
    connection.close()
    return path


def test_a_table_whose_columns_cannot_be_read_fails_its_checks(
    tmp_path: Path, run_cli: RunCli
) -> None:
    db = unknown_module_db(tmp_path)
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "version: 1\nname: vt\nstructure: {exact_tables: true, exact_columns: true}\n"
        "tables:\n  parent: {columns: {id: {primary_key: true}, name: {}}}\n"
        "  geo:\n    columns:\n      x: {type: ''}\n",
        "utf-8",
    )
    checked = run_cli(spec, "--db", db, "--format", "json")
    assert checked.status == 1, checked.err
    outcome = {c["id"]: (c["outcome"], c["message"]) for c in json.loads(checked.out)["checks"]}
    assert outcome["table-geo.x"] == ("fail", "expected column x, found none (columns: )")
    assert outcome["table-geo"][0] == outcome["tables-exact"][0] == "pass"
    assert outcome["table-parent.id"][0] == "pass"


def test_an_interrupted_read_of_columns_still_stops_the_caller() -> None:
    """Columns that cannot be read are none; a read stopped by the guard (a signal,
    a time limit) is not that, and must still end the run."""
    import sqlite3

    from validator.sqlite.introspect import introspect

    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (a TEXT)")

    class Interrupted:
        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
            if sql.startswith("PRAGMA table_xinfo"):
                error = sqlite3.OperationalError("interrupted")
                error.sqlite_errorname = "SQLITE_INTERRUPT"  # type: ignore[attr-defined]
                raise error
            return connection.execute(sql, *args)  # type: ignore[arg-type]

    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        introspect(Interrupted(), "t")  # type: ignore[arg-type]

"""Which integrity check a ``--db`` copy must pass: ``PRAGMA quick_check`` of the
tables the spec reads or writes (and their foreign-key neighbours), or of the
whole file with ``--full-check``; the report says which ran.

Each database is built the same way every time and damaged by overwriting the
root page of one table (found in ``sqlite_schema``), so which table is broken
is known exactly.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import RunCli

from validator import load_spec, run
from validator.runner import read_migrations

PAGE = 4096
SCHEMA = """\
CREATE TABLE owners (id TEXT PRIMARY KEY, name TEXT);
CREATE TABLE items (id TEXT PRIMARY KEY, owner TEXT REFERENCES owners(id), body TEXT);
CREATE TABLE unrelated (id INTEGER PRIMARY KEY, body TEXT);
"""
SPEC = """\
version: 1
name: items
tables:
  items:
    columns:
      id: {type: TEXT, primary_key: true}
operations:
  count: {returns: {one: "SELECT count(*) AS n FROM items"}}
criteria:
  - id: counted
    title: the items can be counted
    steps:
      - {call: count, as: counted}
    expect:
      counted: {required: [n]}
"""


def build(folder: Path, damaged: str | None) -> tuple[Path, Path]:
    """A spec reading ``items`` (whose foreign key reaches ``owners``), and a
    database of three multi-page tables with the root page of ``damaged`` garbled."""
    spec = folder / "items.yaml"
    spec.write_text(SPEC, "utf-8")
    path = folder / f"damaged-{damaged}.db"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA page_size = {PAGE}")
    connection.executescript(SCHEMA)
    body = "x" * 600
    with connection:
        connection.executemany(
            "INSERT INTO owners VALUES (?, ?)", [(f"o{i}", body) for i in range(60)]
        )
        connection.executemany(
            "INSERT INTO items VALUES (?, ?, ?)", [(f"i{i}", f"o{i % 60}", body) for i in range(60)]
        )
        connection.executemany("INSERT INTO unrelated (body) VALUES (?)", [(body,)] * 60)
    roots = dict(connection.execute("SELECT name, rootpage FROM sqlite_schema"))
    connection.close()
    if damaged is not None:
        data = bytearray(path.read_bytes())
        start = (roots[damaged] - 1) * PAGE
        data[start + 8 : start + PAGE] = b"\xff" * (PAGE - 8)  # an interior page, garbled
        path.write_bytes(bytes(data))
    return spec, path


@pytest.mark.parametrize("damaged", ["items", "owners"])
def test_damage_in_a_table_the_spec_reads_is_caught(
    run_cli: RunCli, tmp_path: Path, damaged: str
) -> None:
    """``items`` is read by the spec; ``owners`` is reached through its foreign key."""
    spec, database = build(tmp_path, damaged)
    result = run_cli(spec, "--db", database)
    assert result.status == 2
    assert result.err.startswith(f"{database}: the database is corrupt")


def test_damage_elsewhere_is_left_to_the_full_check_and_the_report_says_so(
    run_cli: RunCli, tmp_path: Path
) -> None:
    spec, database = build(tmp_path, "unrelated")
    result = run_cli(spec, "--db", database)
    assert result.status == 0, result.err
    assert (
        "database checked: PRAGMA quick_check of the schema and the 2 of 3 tables the spec "
        "reads or writes (items, owners), with their indexes; --full-check checks the whole file"
    ) in result.out
    full = run_cli(spec, "--db", database, "--full-check")
    assert full.status == 2
    assert full.err.startswith(f"{database}: the database is corrupt")


def test_the_report_names_the_check_that_ran(run_cli: RunCli, tmp_path: Path) -> None:
    spec, database = build(tmp_path, None)
    narrowed = json.loads(run_cli(spec, "--db", database, "--format", "json").out)
    assert narrowed["integrity"].startswith("PRAGMA quick_check of the schema and the 2 of 3")
    whole = run_cli(spec, "--db", database, "--format", "json", "--full-check")
    assert json.loads(whole.out)["integrity"] == "PRAGMA quick_check of the whole file"
    fresh = json.loads(run_cli(spec, "--schema", _schema(tmp_path), "--format", "json").out)
    assert "integrity" not in fresh


def test_full_check_is_a_configuration_key_too(run_cli: RunCli, tmp_path: Path) -> None:
    spec, database = build(tmp_path, "unrelated")
    (tmp_path / "pyproject.toml").write_text("[tool.validator]\nfull-check = true\n", "utf-8")
    (tmp_path / ".git").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        result = run_cli(spec.name, "--db", database.name)
    assert result.status == 2
    assert "the database is corrupt" in result.err


def test_a_dump_or_a_migration_checks_the_whole_file(tmp_path: Path) -> None:
    """Both may read any table, so the narrowed check does not cover them."""
    spec, database = build(tmp_path, None)
    report = run(load_spec(spec), database_path=database, full_check=False)
    assert report.integrity.startswith("PRAGMA quick_check of the schema and the 2 of 3")
    migration = tmp_path / "0001.sql"
    migration.write_text("SELECT 1;", "utf-8")
    migrated = run(load_spec(spec), database_path=database, migrations=read_migrations([migration]))
    assert migrated.integrity == "PRAGMA quick_check of the whole file"


def _schema(folder: Path) -> Path:
    path = folder / "schema.sql"
    path.write_text(SCHEMA, "utf-8")
    return path


def test_a_statement_that_cannot_be_prepared_means_the_whole_file(tmp_path: Path) -> None:
    """What it would touch is unknown, so nothing is left out."""
    spec, database = build(tmp_path, None)
    text = spec.read_text("utf-8").replace("FROM items", "FROM no_such_table")
    spec.write_text(text, "utf-8")
    report = run(load_spec(spec), database_path=database)
    assert report.integrity == "PRAGMA quick_check of the whole file"


def test_a_wal_database_without_its_wal_is_read_in_memory(tmp_path: Path) -> None:
    """Its pages are all in the file; read in one piece, its header says rollback
    journal (an in-memory database has no shared memory for a WAL)."""
    spec, _ = build(tmp_path, None)
    path = tmp_path / "wal.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.executescript(SCHEMA + "INSERT INTO items (id) VALUES ('a'), ('b');")
    connection.close()  # the last connection checkpoints and removes the -wal
    assert not Path(f"{path}-wal").exists() and path.read_bytes()[18:20] == b"\x02\x02"
    report = run(load_spec(spec), database_path=path)
    assert report.verdict == "PASS", [c.findings for c in report.checks]
    assert path.read_bytes()[18:20] == b"\x02\x02"  # the original is untouched


def test_the_parent_a_spec_references_is_checked_without_a_foreign_key(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """The audit reads ``unrelated`` for the reference the spec declares, although
    the database has no foreign key to it."""
    spec, database = build(tmp_path, "unrelated")
    text = spec.read_text("utf-8").replace(
        "      id: {type: TEXT, primary_key: true}\n",
        "      id: {type: TEXT, primary_key: true}\n      owner: {references: unrelated.id}\n",
    )
    spec.write_text(text, "utf-8")
    result = run_cli(spec, "--db", database)
    assert result.status == 2
    assert "the database is corrupt" in result.err


def test_a_spec_that_touches_every_table_gets_the_whole_file_check(tmp_path: Path) -> None:
    """It costs no more than every table one by one, and also finds pages used twice or never."""
    spec, database = build(tmp_path, None)
    text = spec.read_text("utf-8").replace(
        "tables:\n", "tables:\n  unrelated:\n    columns:\n      id: {type: INTEGER}\n"
    )
    spec.write_text(text, "utf-8")
    report = run(load_spec(spec), database_path=database)
    assert report.integrity == "PRAGMA quick_check of the whole file"

"""``validator init``: a first spec that passes where it was made, and fails where
the schema breaks."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SCHEMA, RunCli

from validator import load_spec, run
from validator.initspec import Request, generate
from validator.loader import load_text
from validator.model import ForeignKey
from validator.mutants import generate as mutants
from validator.runner import display_path

DEPLOYMENTS = ROOT / "tests" / "domains" / "deployments" / "schema.sql"
SWITCH = ROOT / "tests" / "domains" / "switch" / "schema.sql"
SCHEMAS = {"harness": SCHEMA, "deployments": DEPLOYMENTS, "switch": SWITCH}


def init(tmp_path: Path, schema: Path | str, name: str = "spec.yaml") -> Path:
    """Write the spec ``validator init`` makes for ``schema`` (a path or SQL text)."""
    if isinstance(schema, str):
        path = tmp_path / "schema.sql"
        path.write_text(schema, "utf-8")
        schema = path
    output = tmp_path / name
    result = generate(Request(schema=schema, output=output))
    assert result.failing == ()
    output.write_text(result.text, "utf-8")
    return output


def prose(text: str) -> str:
    """``text`` with its wrapped comment lines joined, so a sentence reads whole."""
    return re.sub(r"\n[ #]*# (?=\S)", " ", text)


def outcomes(spec: Path, **options: object) -> dict[str, str]:
    report = run(load_spec(spec), **options)  # type: ignore[arg-type]
    return {check.id: check.outcome for check in report.checks}


def failed(found: dict[str, str]) -> set[str]:
    return {check_id for check_id, outcome in found.items() if outcome != "pass"}


# -- the round trip ------------------------------------------------------------------


@pytest.mark.parametrize("domain", sorted(SCHEMAS))
def test_the_spec_passes_on_the_schema_it_was_made_from(
    tmp_path: Path, run_cli: RunCli, domain: str
) -> None:
    spec = tmp_path / "spec.yaml"
    made = run_cli("init", "--schema", SCHEMAS[domain], "-o", spec)
    assert (made.status, made.out, made.err) == (0, "", "")
    checked = run_cli(spec)
    assert checked.status == 0, checked.out
    assert checked.out.rstrip().splitlines()[-1].startswith("PASS: ")


def test_the_harness_spec_states_every_table_and_its_lifecycle(tmp_path: Path) -> None:
    spec = load_spec(init(tmp_path, SCHEMA))
    assert [t.name for t in spec.tables] == [
        "task_lists",
        "tasks",
        "agents",
        "agent_sessions",
        "iteration_logs",
    ]
    machine = next(m for m in spec.machines if m.table == "agent_sessions")
    assert machine.reject_others
    assert {(t.source, t.target) for t in machine.transitions} == {
        ("running", "completed"),
        ("running", "failed"),
        ("running", "paused"),
        ("running", "terminated"),
        ("paused", "running"),
    }
    assert machine.terminal == ("completed", "failed", "terminated")
    logs = next(t for t in spec.tables if t.name == "iteration_logs")
    assert [key.columns for key in logs.unique] == [("session_id", "iteration_number")]
    session_id = next(c for c in logs.columns if c.name == "session_id")
    assert (session_id.references, session_id.on_delete, session_id.on_update) == (
        ForeignKey("agent_sessions", "id"),
        "cascade",
        "no_action",
    )
    assert spec.structure.exact_tables and spec.structure.exact_columns


def test_the_deployment_spec_reads_its_trigger_and_timestamps(tmp_path: Path) -> None:
    spec = load_spec(init(tmp_path, DEPLOYMENTS))
    (machine,) = spec.machines
    assert machine.initial == "queued"
    assert machine.reject_others
    assert machine.terminal == ("live", "failed", "rolled_back")
    stamps = {rule.column: rule.states for rule in machine.timestamps}
    assert stamps == {
        "started_at": frozenset({"building", "deploying", "live", "failed", "rolled_back"}),
        "finished_at": frozenset({"live", "failed", "rolled_back"}),
    }
    text = (tmp_path / "spec.yaml").read_text("utf-8")
    assert "finished_at: terminal" in text
    assert "Read from trigger deployments_status_transition" in prose(text)


def test_a_status_no_trigger_guards_is_entered_from_its_default_only(tmp_path: Path) -> None:
    spec = load_spec(init(tmp_path, SCHEMA))
    machine = next(m for m in spec.machines if m.table == "tasks")
    assert machine.initial == "pending"
    assert not machine.reject_others
    assert {t.source for t in machine.transitions} == {"pending"}
    assert {t.target for t in machine.transitions} == set(machine.states) - {"pending"}
    text = (tmp_path / "spec.yaml").read_text("utf-8")
    assert "Nothing in the schema refuses a move of tasks.status" in prose(text)


def test_the_output_is_stable(tmp_path: Path) -> None:
    first = generate(Request(schema=DEPLOYMENTS, output=tmp_path / "a.yaml")).text
    second = generate(Request(schema=DEPLOYMENTS, output=tmp_path / "a.yaml")).text
    assert first == second


# -- mutants ---------------------------------------------------------------------------


@pytest.mark.parametrize("domain", ["harness", "deployments"])
def test_the_spec_fails_on_mutants_of_its_schema(tmp_path: Path, domain: str) -> None:
    spec = init(tmp_path, SCHEMAS[domain])
    text = SCHEMAS[domain].read_text("utf-8")
    found = mutants(text, "schema.sql", {"drop-foreign-key", "change-default", "drop-unique"})
    assert {m.operator for m in found} == {"drop-foreign-key", "change-default", "drop-unique"}
    survivors = []
    for mutant in found:
        path = tmp_path / "mutant.sql"
        path.write_text(mutant.text, "utf-8")
        if not failed(outcomes(spec, schema=path)):
            survivors.append(mutant.id)
    assert survivors == []


# -- databases ---------------------------------------------------------------------------


def database(tmp_path: Path, schema: Path, rows: str = "") -> Path:
    path = tmp_path / "app.db"
    connection = sqlite3.connect(path)
    connection.executescript(schema.read_text("utf-8") + rows)
    connection.commit()
    connection.close()
    return path


DEPLOYMENT_ROWS = """
INSERT INTO services (id, slug, name) VALUES ('s1', 'billing', 'Billing');
INSERT INTO environments (id, name) VALUES ('e1', 'staging');
INSERT INTO deployments (id, service_id, environment_id, version, requested_by)
VALUES ('d1', 's1', 'e1', '1.0', 'ci'), ('d2', 's1', 'e1', '1.1', 'ci');
UPDATE deployments SET status = 'building' WHERE id = 'd2';
UPDATE deployments SET status = 'deploying' WHERE id = 'd2';
UPDATE deployments SET status = 'live' WHERE id = 'd2';
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("domain", "rows"), [("harness", ""), ("deployments", DEPLOYMENT_ROWS), ("switch", "")]
)
def test_the_spec_passes_on_the_database_it_was_made_from(
    tmp_path: Path, run_cli: RunCli, domain: str, rows: str
) -> None:
    db = database(tmp_path, SCHEMAS[domain], rows)
    before = digest(db)
    spec = tmp_path / "spec.yaml"
    made = run_cli("init", "--db", db, "-o", spec)
    assert (made.status, made.err) == (0, "")
    assert digest(db) == before
    assert not Path(f"{db}-shm").exists() and not Path(f"{db}-wal").exists()
    text = spec.read_text("utf-8")
    assert "\nschema:" not in text  # the database is the schema: --db at every run
    checked = run_cli(spec, "--db", db)
    assert checked.status == 0, checked.out
    assert digest(db) == before


def test_a_database_tells_the_values_its_rows_hold(tmp_path: Path) -> None:
    db = database(tmp_path, DEPLOYMENTS, DEPLOYMENT_ROWS)
    text = generate(Request(database=db, output=tmp_path / "spec.yaml")).text
    assert "In the database: queued 1, live 1 (rows per value)." in prose(text)


def test_a_timestamp_rule_the_rows_break_is_not_proposed(tmp_path: Path) -> None:
    rows = DEPLOYMENT_ROWS + "UPDATE deployments SET finished_at = NULL WHERE id = 'd2';"
    db = database(tmp_path, DEPLOYMENTS, rows)
    result = generate(Request(database=db, output=tmp_path / "spec.yaml"))
    assert result.failing == ()
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(result.text, "utf-8")
    (machine,) = load_spec(spec_path).machines
    assert [rule.column for rule in machine.timestamps] == ["started_at"]
    found = prose(result.text)
    assert "No timestamp rule for finished_at: the rows of the database break it" in found
    assert not failed(outcomes(spec_path, database_path=db))


# -- the YAML --------------------------------------------------------------------------


def test_every_scalar_reads_back_the_same_in_yaml_1_2_and_1_1(tmp_path: Path) -> None:
    spec = init(tmp_path, SWITCH)
    text = spec.read_text("utf-8")
    assert 'states: ["off", "on", "y", "n", "0755", "12:30", "2024-01-02", "true"]' in text
    strict = load_text(text, "spec.yaml").data
    loose = yaml.safe_load(text)  # YAML 1.1, as many editors read it
    assert strict == loose
    assert strict["state_machines"]["switch_state"]["initial"] == "off"


# -- bad input, and outputs that must not be written -----------------------------------


def test_a_schema_that_does_not_apply_is_located_and_nothing_is_written(
    tmp_path: Path, run_cli: RunCli
) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE a (id TEXT PRIMARY KEY);\n\nCREATE TABLEE b (x);\n", "utf-8")
    out = tmp_path / "spec.yaml"
    made = run_cli("init", "--schema", schema, "-o", out)
    assert made.status == 2
    assert made.err.endswith('schema.sql:3:8: near "TABLEE": syntax error\n')
    assert made.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schema.sql"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not an SQLite database (an empty file)"),
        (b"hello, world\n" * 10, "not an SQLite database (no SQLite header)"),
    ],
)
def test_a_file_that_is_not_sqlite_is_refused(
    tmp_path: Path, run_cli: RunCli, content: bytes, message: str
) -> None:
    db = tmp_path / "app.db"
    db.write_bytes(content)
    made = run_cli("init", "--db", db)
    assert (made.status, made.out) == (2, "")
    assert made.err == f"{db}: {message}\n"
    assert db.read_bytes() == content


def test_missing_inputs_are_refused(tmp_path: Path, run_cli: RunCli) -> None:
    made = run_cli("init", "--schema", tmp_path / "nope.sql")
    assert (made.status, made.err) == (2, f"{tmp_path / 'nope.sql'}: no such file\n")
    made = run_cli("init", "--db", tmp_path / "nope.db")
    assert (made.status, made.err) == (2, f"{tmp_path / 'nope.db'}: no such database file\n")
    made = run_cli("init", "--schema", tmp_path)
    assert (made.status, made.err) == (2, f"{tmp_path}: is a directory, expected an SQL file\n")


def test_a_fifo_as_schema_is_refused_without_blocking(tmp_path: Path, run_cli: RunCli) -> None:
    fifo = tmp_path / "schema.sql"
    os.mkfifo(fifo)
    made = run_cli("init", "--schema", fifo)
    assert (made.status, made.err) == (2, f"{fifo}: is not a regular file, expected an SQL file\n")


@pytest.mark.parametrize(
    "arguments",
    [
        (),
        ("--schema", "a.sql", "--db", "a.db"),
        ("--schema", "a.sql", "--tables", ""),
    ],
)
def test_bad_options_are_usage_errors(run_cli: RunCli, arguments: tuple[str, ...]) -> None:
    made = run_cli("init", *arguments)
    assert made.status == 2
    assert made.out == ""


def test_an_unknown_table_is_named_with_the_tables_there(run_cli: RunCli) -> None:
    made = run_cli("init", "--schema", DEPLOYMENTS, "--tables", "deployments,nope")
    assert made.status == 2
    assert made.err == (
        f"--tables deployments,nope: no table nope in {display_path(DEPLOYMENTS)} "
        "(tables: services, environments, deployments, deploy_logs)\n"
    )


def test_an_existing_output_is_left_alone_without_force(tmp_path: Path, run_cli: RunCli) -> None:
    out = tmp_path / "spec.yaml"
    out.write_text("mine\n", "utf-8")
    made = run_cli("init", "--schema", SWITCH, "-o", out)
    assert made.status == 2
    assert made.err == f"-o {out}: {out} exists; it is left alone (--force replaces it)\n"
    assert out.read_text("utf-8") == "mine\n"
    link = tmp_path / "link.yaml"
    link.symlink_to(out)
    assert run_cli("init", "--schema", SWITCH, "-o", link).status == 2
    assert out.read_text("utf-8") == "mine\n"


def test_force_replaces_the_file_whole_and_keeps_its_mode(tmp_path: Path, run_cli: RunCli) -> None:
    out = tmp_path / "spec.yaml"
    out.write_text("mine\n", "utf-8")
    out.chmod(0o640)
    made = run_cli("init", "--schema", SWITCH, "-o", out, "--force")
    assert made.status == 0
    assert out.read_text("utf-8").startswith("# yaml-language-server: $schema=")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]  # no temporary left


@pytest.mark.parametrize("which", ["schema", "database", "wal"])
def test_an_input_is_never_the_output_even_with_force(
    tmp_path: Path, run_cli: RunCli, which: str
) -> None:
    if which == "schema":
        schema = tmp_path / "schema.sql"
        schema.write_text(SWITCH.read_text("utf-8"), "utf-8")
        before = schema.read_bytes()
        made = run_cli("init", "--schema", schema, "-o", tmp_path / "." / "schema.sql", "--force")
        assert made.status == 2
        assert "is the schema this run reads (--schema" in made.err
        assert schema.read_bytes() == before
        return
    db = database(tmp_path, SWITCH)
    target = db if which == "database" else Path(f"{db}-wal")
    before = digest(db)
    made = run_cli("init", "--db", db, "-o", target, "--force")
    assert made.status == 2
    assert "the database this run reads" in made.err or "-wal file of the database" in made.err
    assert digest(db) == before
    assert not Path(f"{db}-wal").exists()


@pytest.mark.parametrize("where", ["missing/spec.yaml", "dir/"])
def test_an_output_that_cannot_be_written_is_refused_first(
    tmp_path: Path, run_cli: RunCli, where: str
) -> None:
    (tmp_path / "dir").mkdir()
    made = run_cli("init", "--schema", SWITCH, "-o", f"{tmp_path}/{where}")
    assert made.status == 2
    assert made.err.startswith(f"-o {tmp_path}/{where}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir"]
    assert list((tmp_path / "dir").iterdir()) == []


def test_a_directory_as_output_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    made = run_cli("init", "--schema", SWITCH, "-o", tmp_path, "--force")
    assert made.status == 2
    assert made.err == f"-o {tmp_path}: {tmp_path} is a directory, expected a regular file\n"


def test_without_output_the_spec_goes_to_stdout(run_cli: RunCli) -> None:
    made = run_cli("init", "--schema", SWITCH)
    assert made.status == 0
    assert made.out.startswith("# yaml-language-server: $schema=")
    assert "relative to the folder `validator init` ran in" in prose(made.out)


def test_create_file_never_replaces_a_file_made_meanwhile(tmp_path: Path) -> None:
    from validator.errors import Location, UsageError
    from validator.outputs import create_file

    out = tmp_path / "spec.yaml"
    create_file(out, "first\n", Location("-o"))
    with pytest.raises(UsageError, match="exists; it is left alone"):
        create_file(out, "second\n", Location("-o"))
    assert out.read_text("utf-8") == "first\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


# -- what the spec says, and what it leaves to comments ----------------------------------


def uncommented_examples(text: str) -> str:
    """``text`` with its commented-out criteria uncommented."""
    lines = text.splitlines()
    start = lines.index("# criteria:")
    return "\n".join([*lines[:start], *(line[2:] for line in lines[start:])]) + "\n"


@pytest.mark.parametrize("domain", sorted(SCHEMAS))
def test_the_criterion_examples_pass_once_uncommented(tmp_path: Path, domain: str) -> None:
    spec = init(tmp_path, SCHEMAS[domain])
    spec.write_text(uncommented_examples(spec.read_text("utf-8")), "utf-8")
    loaded = load_spec(spec)
    assert loaded.criteria
    assert not failed(outcomes(spec))


def test_the_deployment_examples_cover_defaults_parents_and_unique_values(tmp_path: Path) -> None:
    spec = init(tmp_path, DEPLOYMENTS)
    spec.write_text(uncommented_examples(spec.read_text("utf-8")), "utf-8")
    titles = [c.title for c in load_spec(spec).criteria]
    assert titles == [
        "A new service gets its defaults",
        "A deployment needs its service",
        "Two rows of services cannot share a slug",
    ]


def test_tables_picks_some_tables_and_the_parents_they_need(tmp_path: Path) -> None:
    output = tmp_path / "spec.yaml"
    result = generate(Request(schema=DEPLOYMENTS, output=output, tables=("deployments",)))
    output.write_text(result.text, "utf-8")
    spec = load_spec(output)
    assert [t.name for t in spec.tables] == ["services", "environments", "deployments"]
    assert not spec.structure.exact_tables and spec.structure.exact_columns
    assert not failed(outcomes(output))


def test_the_spec_tells_when_the_schema_grows(tmp_path: Path) -> None:
    spec = init(tmp_path, DEPLOYMENTS)
    grown = tmp_path / "grown.sql"
    text = DEPLOYMENTS.read_text("utf-8")
    grown.write_text(text.replace("team TEXT,", "team TEXT,\n    owner TEXT,"), "utf-8")
    assert failed(outcomes(spec, schema=grown)) == {"table-services.columns-exact"}
    grown.write_text(text + "\nCREATE TABLE audit (id INTEGER PRIMARY KEY);\n", "utf-8")
    assert failed(outcomes(spec, schema=grown)) == {"tables-exact"}


WEIRD = """
CREATE TABLE "order" (
    "key" TEXT PRIMARY KEY,
    "group" TEXT NOT NULL DEFAULT 'yes',
    "select" INTEGER NOT NULL DEFAULT '0',
    "two words" TEXT DEFAULT '${not.a.reference}',
    "quote""d" TEXT DEFAULT 'it''s',
    "café" REAL DEFAULT -1.5,
    [bracketed] BLOB DEFAULT x'00ff',
    "null" TEXT DEFAULT NULL,
    state TEXT NOT NULL DEFAULT 'on' CHECK (state IN ('on', 'off', 'null', '#x', 'a: b')),
    "status code" TEXT CHECK ("status code" IN ('new', 'done'))
);
CREATE TABLE "line items" (
    id INTEGER PRIMARY KEY,
    "order key" TEXT NOT NULL REFERENCES "order"("key") ON DELETE CASCADE ON UPDATE CASCADE,
    "n" INTEGER NOT NULL CHECK (n > 0),
    UNIQUE ("order key", "n")
);
CREATE TABLE plain (a INTEGER, b TEXT, UNIQUE (a, b));
CREATE TABLE pairs (x TEXT, y TEXT, label TEXT NOT NULL, PRIMARY KEY (x, y)) WITHOUT ROWID;
"""


def test_names_and_values_of_any_spelling_round_trip(tmp_path: Path) -> None:
    spec = init(tmp_path, WEIRD)
    text = spec.read_text("utf-8")
    assert load_text(text, "spec.yaml").data == yaml.safe_load(text)
    loaded = load_spec(spec)
    assert [t.name for t in loaded.tables] == ["order", "line items", "plain", "pairs"]
    columns = {c.name: c for c in loaded.tables[0].columns}
    assert columns["group"].default is not None
    assert not failed(outcomes(spec))
    assert {m.column for m in loaded.machines} == {"state", "status code"}
    spec.write_text(uncommented_examples(text), "utf-8")
    assert not failed(outcomes(spec))


def test_a_foreign_key_sqlite_cannot_enforce_is_not_claimed(tmp_path: Path) -> None:
    schema = """
    CREATE TABLE parent (id TEXT PRIMARY KEY, code TEXT);
    CREATE TABLE child (id TEXT PRIMARY KEY, code TEXT NOT NULL REFERENCES parent(code),
                        status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done')));
    """
    spec = init(tmp_path, schema)
    text = spec.read_text("utf-8")
    assert "references: parent.code" not in text
    assert "which SQLite cannot enforce" in prose(text)
    assert "No fixture for child: its foreign key to parent cannot be enforced" in prose(text)
    assert "#   child_status:" in text  # the machine is a suggestion only
    assert not failed(outcomes(spec))


# -- guards: the moves a trigger lets through ----------------------------------------------

TICKETS = """
CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'working', 'closed')),
    closed_at TEXT,
    note TEXT
);
"""

GUARDS = {
    "when-not-in": """
        CREATE TRIGGER guard BEFORE UPDATE OF status ON tickets
        WHEN OLD.status <> NEW.status AND NOT (
            (OLD.status = 'open' AND NEW.status = 'working')
            OR (OLD.status IN ('open', 'working') AND NEW.status == 'closed'))
        BEGIN SELECT RAISE(ABORT, 'no'); END;
    """,
    "body-where": """
        CREATE TRIGGER guard BEFORE UPDATE ON tickets FOR EACH ROW BEGIN
            SELECT RAISE(FAIL, 'no') WHERE NEW.status != OLD.status
              AND (OLD.status, NEW.status) NOT IN
                  (VALUES ('open', 'working'), ('open', 'closed'), ('working', 'closed'));
        END;
    """,
    "body-case": """
        CREATE TRIGGER "guard" AFTER UPDATE OF "status", note ON "tickets" BEGIN
            SELECT CASE
                WHEN OLD."status" = 'closed' AND NEW."status" IS NOT 'closed'
                    THEN RAISE(ROLLBACK, 'closed is final')
                WHEN OLD.status = 'working' AND NEW.status = 'open' THEN RAISE(ABORT, 'no')
            END;
        END;
    """,
}


@pytest.mark.parametrize("shape", sorted(GUARDS))
def test_a_guard_trigger_is_read_in_each_shape(tmp_path: Path, shape: str) -> None:
    spec = init(tmp_path, TICKETS + GUARDS[shape])
    (machine,) = load_spec(spec).machines
    assert {(t.source, t.target) for t in machine.transitions} == {
        ("open", "working"),
        ("open", "closed"),
        ("working", "closed"),
    }
    assert machine.reject_others
    assert machine.terminal == ("closed",)
    assert not failed(outcomes(spec))


def test_a_guard_that_also_reads_other_columns_leaves_a_suggestion(tmp_path: Path) -> None:
    guard = """
        CREATE TRIGGER guard BEFORE UPDATE OF status ON tickets
        WHEN NEW.status = 'closed' AND NEW.note IS NULL
        BEGIN SELECT RAISE(ABORT, 'a closed ticket needs a note'); END;
    """
    spec = init(tmp_path, TICKETS + guard)
    text = spec.read_text("utf-8")
    found = prose(text)
    assert "guards this column, but cannot be read (its condition names NEW.note too)" in found
    assert "#   ticket_status:" in text
    assert load_spec(spec).machines == ()
    assert not failed(outcomes(spec))


def test_a_rule_about_other_columns_is_not_a_guard_of_the_status(tmp_path: Path) -> None:
    guard = """
        CREATE TRIGGER notes BEFORE UPDATE ON tickets WHEN length(NEW.note) > 100
        BEGIN SELECT RAISE(ABORT, 'note too long'); END;
        CREATE TRIGGER stamp AFTER UPDATE OF status ON tickets WHEN NEW.status = 'closed'
        BEGIN UPDATE tickets SET closed_at = datetime('now') WHERE id = NEW.id; END;
    """
    spec = init(tmp_path, TICKETS + guard)
    (machine,) = load_spec(spec).machines
    assert not machine.reject_others  # nothing refuses a move of status
    assert {rule.column: rule.states for rule in machine.timestamps} == {
        "closed_at": frozenset({"closed"})
    }
    assert not failed(outcomes(spec))


def test_a_guard_refusing_one_move_lets_every_other_through(tmp_path: Path) -> None:
    guard = """
        CREATE TRIGGER guard BEFORE UPDATE OF status ON tickets
        WHEN OLD.status = 'open' AND NEW.status = 'closed'
        BEGIN SELECT RAISE(ABORT, 'work on it first'); END;
    """
    spec = init(tmp_path, TICKETS + guard)
    (machine,) = load_spec(spec).machines
    assert machine.reject_others
    assert ("open", "closed") not in {(t.source, t.target) for t in machine.transitions}
    assert not failed(outcomes(spec))


def test_a_collation_is_kept_when_a_guard_is_read(tmp_path: Path) -> None:
    schema = TICKETS.replace("status TEXT NOT NULL", "status TEXT COLLATE NOCASE NOT NULL")
    guard = """
        CREATE TRIGGER guard BEFORE UPDATE OF status ON tickets
        WHEN OLD.status = 'CLOSED' AND NEW.status <> OLD.status
        BEGIN SELECT RAISE(ABORT, 'closed is final'); END;
    """
    spec = init(tmp_path, schema + guard)
    (machine,) = load_spec(spec).machines
    assert machine.terminal == ("closed",)
    assert not failed(outcomes(spec))


def test_a_status_without_a_default_starts_where_every_state_is_reached(tmp_path: Path) -> None:
    schema = TICKETS.replace("NOT NULL DEFAULT 'open' ", "")
    guard = """
        CREATE TRIGGER guard BEFORE UPDATE OF status ON tickets
        WHEN OLD.status IS NOT NEW.status AND NOT (
            (OLD.status = 'working' AND NEW.status = 'closed')
            OR (OLD.status = 'open' AND NEW.status = 'working'))
        BEGIN SELECT RAISE(ABORT, 'no'); END;
    """
    spec = init(tmp_path, schema + guard)
    (machine,) = load_spec(spec).machines
    assert machine.initial == "open"
    assert "no DEFAULT: createTicket sets it" in prose(spec.read_text("utf-8"))
    assert not failed(outcomes(spec))


def test_a_machine_the_run_does_not_bear_out_becomes_a_comment(tmp_path: Path) -> None:
    # This trigger is about the note, not the status, so the status is read as
    # free; but every update of a row without a note is refused.
    guard = """
        CREATE TRIGGER notes BEFORE UPDATE ON tickets WHEN NEW.note IS NULL
        BEGIN SELECT RAISE(ABORT, 'write a note first'); END;
    """
    spec = init(tmp_path, TICKETS + guard)
    text = spec.read_text("utf-8")
    assert "Commented out: its run found machine-ticket_status.open->working:" in prose(text)
    assert "write a note first" in prose(text)
    assert load_spec(spec).machines == ()
    assert not failed(outcomes(spec))


def test_moves_the_database_lets_through_turn_reject_others_off() -> None:
    from validator.errors import Location
    from validator.initspec import verify
    from validator.initspec.draft import CallDraft, Draft, MachineDraft
    from validator.results import CheckResult

    machine = MachineDraft(
        "m", "t", "s", ("a", "b"), "a", (("a", ("b",)),), (), CallDraft("c", ()),
        CallDraft("m", ()), terminal=("b",), reject_others=True,
    )  # fmt: skip
    draft = Draft("n", "N", None, (), True, (), (), (), (machine,))
    refused = CheckResult(
        "state_machines", "machine-m.b->a", "t", "fail", Location("spec.yaml"),
        machine="m", transition=("b", "a"), probe="refused",
    )  # fmt: skip
    (settled,) = verify.withdraw(draft, [refused]).machines
    assert not settled.reject_others and not settled.commented
    assert settled.comments[-1] == ("reject_others is off: the database also lets through b -> a.")


def test_an_empty_schema_gives_a_spec_that_says_so(tmp_path: Path) -> None:
    spec = init(tmp_path, "CREATE VIEW v AS SELECT 1 AS one;\n")
    loaded = load_spec(spec)
    assert (loaded.tables, loaded.operations, loaded.machines) == ((), {}, ())
    assert outcomes(spec) == {"tables-exact": "pass"}


def test_virtual_tables_are_declared_without_operations(tmp_path: Path) -> None:
    schema = "CREATE VIRTUAL TABLE docs USING fts5(title, body);\n" + TICKETS
    spec = init(tmp_path, schema)
    loaded = load_spec(spec)
    assert [t.name for t in loaded.tables] == ["docs", "tickets"]
    assert [c.name for c in loaded.tables[0].columns] == ["title", "body"]
    assert not [name for name in loaded.operations if "Doc" in name]
    assert "No fixture for docs: a virtual table." in prose(spec.read_text("utf-8"))
    assert not failed(outcomes(spec))


def test_a_virtual_table_of_a_module_sqlite_lacks_is_noted(tmp_path: Path) -> None:
    from test_structure_exact import unknown_module_db

    db = unknown_module_db(tmp_path)
    spec = tmp_path / "spec.yaml"
    result = generate(Request(database=db, output=spec))
    assert result.failing == ()
    spec.write_text(result.text, "utf-8")
    assert "this SQLite lacks its module" in prose(result.text)
    assert not failed(outcomes(spec, database_path=db))


def test_a_spec_too_big_to_load_is_refused_before_any_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    from validator import loader

    monkeypatch.setattr(loader, "MAX_BYTES", 2000)
    out = tmp_path / "spec.yaml"
    made = run_cli("init", "--schema", DEPLOYMENTS, "-o", out)
    assert made.status == 2
    assert made.err == (
        "validator init: the spec would be larger than 2000 bytes, the most a spec may be; "
        "choose some tables with --tables\n"
    )
    assert not out.exists()


def test_a_guard_condition_that_reads_a_table_is_never_run(tmp_path: Path) -> None:
    guard = """
        CREATE TABLE rules (source TEXT, target TEXT);
        CREATE TRIGGER guard BEFORE UPDATE OF status ON tickets
        WHEN NOT EXISTS (SELECT 1 FROM rules WHERE source = OLD.status AND target = NEW.status)
        BEGIN SELECT RAISE(ABORT, 'not in rules'); END;
    """
    spec = init(tmp_path, TICKETS + guard)
    assert "cannot be read (its condition has SELECT)" in prose(spec.read_text("utf-8"))
    assert load_spec(spec).machines == ()


def test_fixtures_make_parents_first_and_say_why_a_cycle_has_none(tmp_path: Path) -> None:
    schema = """
    CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES parent(id));
    CREATE TABLE parent (id TEXT PRIMARY KEY, uncle_id TEXT REFERENCES uncle(id));
    CREATE TABLE uncle (id TEXT PRIMARY KEY);
    CREATE TABLE chicken (id TEXT PRIMARY KEY, egg_id TEXT NOT NULL REFERENCES egg(id));
    CREATE TABLE egg (id TEXT PRIMARY KEY, chicken_id TEXT NOT NULL REFERENCES chicken(id));
    """
    spec = init(tmp_path, schema)
    loaded = load_spec(spec)
    assert list(loaded.fixtures) == ["parent", "child", "uncle"]
    assert loaded.fixtures["child"].given == ("parent",)
    assert loaded.fixtures["parent"].given == ()  # a nullable parent is left NULL
    text = prose(spec.read_text("utf-8"))
    assert "No fixture for chicken: its parent egg has no fixture." in text
    assert "No fixture for egg: its parent chicken has no fixture." in text
    assert not failed(outcomes(spec))

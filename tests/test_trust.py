"""No false PASS, nothing harmed, nothing hangs: the engine's side of issue 8.

Each test builds the case that broke a promise (a name that does not resolve,
a foreign key SQLite cannot enforce, an expectation that accepts "no row", a
schema that switches isolation off, ...) and shows the check now fails, or
the input is refused at its place.
"""

from __future__ import annotations

import os
import sqlite3
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, SPEC, RunCli

from validator import SchemaError, load_spec, run, sqlite
from validator.results import Report
from validator.sqlite import guard as sqlite_guard
from validator.sqlite import session as sqlite_session
from validator.sqlite.guard import GROWTH_BYTES

ORDERS = """\
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done')),
    finished_at TEXT
);
CREATE TRIGGER orders_done_is_final BEFORE UPDATE OF status ON orders
WHEN OLD.status = 'done' AND NEW.status IS NOT 'done'
BEGIN SELECT RAISE(ABORT, 'orders: a done order stays done'); END;
"""

MACHINE_SPEC = """\
version: 1
name: orders
schema: schema.sql
operations:
  create:
    params: [id]
    sql: INSERT INTO orders (id) VALUES (:id)
    returns: {one: "SELECT * FROM orders WHERE id = :id"}
  move:
    params: [id, status]
    sql: |
      UPDATE orders SET status = :status,
        finished_at = CASE WHEN :status = 'done' THEN 'now' END
      WHERE id = :id
state_machines:
  order_status:
    table: TABLE
    column: COLUMN
    KEY
    states: [new, done]
    initial: new
    transitions: {new: [done]}
    timestamps: {STAMP: [done]}
    create: {call: create, with: {id: x}}
    move: {call: move, with: {id: "${row.id}", status: "${to}"}}
"""


def write(tmp_path: Path, spec: str, schema: str) -> Path:
    (tmp_path / "schema.sql").write_text(schema, "utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text(spec, "utf-8")
    return path


def machine_spec(
    table: str = "orders", column: str = "status", key: str = "", stamp: str = "finished_at"
) -> str:
    return (
        MACHINE_SPEC.replace("TABLE", table)
        .replace("COLUMN", column)
        .replace("KEY", f"key: {key}" if key else "")
        .replace("STAMP", stamp)
    )


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# -- 1. names resolve against the database under test ----------------------------


def test_machine_passes_with_names_that_exist(tmp_path: Path) -> None:
    """The control: the same machine with real names passes."""
    report = run(load_spec(write(tmp_path, machine_spec(), ORDERS)))
    assert report.verdict == "PASS", [c.message for c in report.checks]


@pytest.mark.parametrize(
    ("fields", "needle", "message"),
    [
        ({"stamp": "finshed_at"}, "finshed_at", "no such column finshed_at in table orders"),
        ({"column": "statuz"}, "column: statuz", "no such column statuz in table orders"),
        ({"key": "idd"}, "key: idd", "no such column idd in table orders"),
        ({"table": "orderz"}, "table: orderz", "no such table"),
    ],
    ids=["timestamp", "column", "key", "table"],
)
def test_a_name_that_does_not_resolve_fails_every_check_at_its_line(
    tmp_path: Path, fields: dict[str, str], needle: str, message: str
) -> None:
    spec = write(tmp_path, machine_spec(**fields), ORDERS)
    report = run(load_spec(spec))
    assert report.checks, "the machine plans checks"
    for check in report.checks:
        assert check.outcome == "fail", check
        assert message in check.message
        assert check.findings[0].location.line == line_of(spec, needle)
    # Never the string SQLite's fallback would have read instead.
    assert all(f"found '{needle}'" not in check.message for check in report.checks)


# -- 2. a declared foreign key must be one SQLite can enforce --------------------

PARENT_WITHOUT_KEY = """\
CREATE TABLE parent (id TEXT, name TEXT);
CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parent(id));
"""

REFERENCE_SPEC = """\
version: 1
name: refs
schema: schema.sql
tables:
  child:
    columns:
      parent_id: {references: parent.id}
"""


@pytest.mark.parametrize(
    ("parent", "outcome"),
    [
        ("CREATE TABLE parent (id TEXT PRIMARY KEY)", "pass"),
        ("CREATE TABLE parent (id TEXT UNIQUE)", "pass"),
        ("CREATE TABLE parent (id TEXT); CREATE UNIQUE INDEX parent_id ON parent (id)", "pass"),
        ("CREATE TABLE parent (id TEXT)", "fail"),
        ("CREATE TABLE parent (id TEXT); CREATE INDEX parent_id ON parent (id)", "fail"),
        (
            "CREATE TABLE parent (id TEXT);"
            " CREATE UNIQUE INDEX parent_id ON parent (id) WHERE id > 'a'",
            "fail",
        ),
    ],
    ids=["primary-key", "unique", "unique-index", "plain", "plain-index", "partial-unique"],
)
def test_a_reference_holds_only_if_sqlite_can_enforce_it(
    tmp_path: Path, parent: str, outcome: str
) -> None:
    schema = (
        parent
        + ";\nCREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parent(id));\n"
    )
    report = run(load_spec(write(tmp_path, REFERENCE_SPEC, schema)))
    (column,) = [c for c in report.checks if c.id == "table-child.parent_id"]
    assert column.outcome == outcome, column.message
    if outcome == "fail":
        assert "cannot enforce" in column.message
    # What the check claims is what SQLite does: a write to the child works or not.
    connection = sqlite3.connect(":memory:")
    connection.executescript(schema)
    connection.execute("PRAGMA foreign_keys = ON")
    try:
        connection.execute("INSERT INTO child (id) VALUES ('c')")
    except sqlite3.OperationalError as exc:
        assert outcome == "fail" and "foreign key mismatch" in str(exc)
    else:
        assert outcome == "pass"


# -- 3. an expectation about a row needs a row ------------------------------------

ROW_SPEC = """\
version: 1
name: rows
schema: schema.sql
operations:
  get: {params: [id], returns: {one: "SELECT * FROM orders WHERE id = :id"}}
criteria:
  - id: vacuous
    title: no row is not a row
    steps:
      - {call: get, with: {id: nobody}, as: found}
    expect:
      found: EXPECTATION
"""


@pytest.mark.parametrize(
    ("expectation", "outcome"),
    [
        ("{required: [id]}", "fail"),
        ("{properties: {id: {const: x}}}", "fail"),
        ("{type: object, required: [id]}", "fail"),
        ('{type: [object, "null"], required: [id]}', "pass"),
        ('{type: "null"}', "pass"),
        ("{not: {type: object}}", "pass"),
    ],
)
def test_no_row_fails_an_expectation_about_a_row(
    tmp_path: Path, expectation: str, outcome: str
) -> None:
    spec = write(tmp_path, ROW_SPEC.replace("EXPECTATION", expectation), ORDERS)
    (check,) = run(load_spec(spec)).checks
    assert check.outcome == outcome, check.message
    if outcome == "fail":
        assert "of type object" in check.message and "found null" in check.message


def test_a_nested_item_about_a_row_needs_a_row(tmp_path: Path) -> None:
    spec = ROW_SPEC.replace(
        '"SELECT * FROM orders WHERE id = :id"', '"SELECT NULL AS a, 1 AS b"'
    ).replace("EXPECTATION", "{properties: {a: {properties: {x: {const: 1}}}}}")
    (check,) = run(load_spec(write(tmp_path, spec, ORDERS))).checks
    assert check.outcome == "fail" and "found.a of type object" in check.message


# -- 4. isolation cannot be switched off -------------------------------------------

ISOLATION_SPEC = """\
version: 1
name: isolation
schema: schema.sql
operations:
  add: {params: [id], sql: "INSERT INTO orders (id) VALUES (:id)"}
  count: {returns: {one: "SELECT count(*) AS n FROM orders"}}
criteria:
  - id: writes
    title: a criterion that writes
    steps:
      - {call: add, with: {id: a}}
      - {call: count, expect: {type: object, properties: {n: {const: 1}}}}
  - id: empty
    title: sees an empty table
    steps:
      - {call: count, expect: {type: object, properties: {n: {const: 0}}}}
"""


@pytest.mark.parametrize("pragma", ["PRAGMA journal_mode = OFF;", "PRAGMA journal_mode = WAL;", ""])
def test_a_schema_cannot_switch_isolation_off(tmp_path: Path, pragma: str) -> None:
    spec = load_spec(write(tmp_path, ISOLATION_SPEC, pragma + "\n" + ORDERS))
    together = {check.id: check.outcome for check in run(spec).checks}
    assert together == {"criterion-writes": "pass", "criterion-empty": "pass"}


def _alone_and_together(spec_path: Path) -> tuple[Report, dict[str, str]]:
    spec = load_spec(spec_path)
    report = run(spec)
    alone = {}
    for check in report.checks:
        (single,) = run(spec, select=lambda planned, wanted=check.id: planned.id == wanted).checks
        alone[single.id] = single.outcome
    return report, alone


@pytest.mark.parametrize(
    "spec",
    [SPEC, ROOT / "tests" / "domains" / "deployments" / "spec.yaml"],
    ids=["shipped", "deployments"],
)
def test_each_check_alone_gives_the_outcome_of_the_full_run(spec: Path) -> None:
    """Order and company never change a verdict: every check, run alone, has the
    outcome it has in the full run (over every check of both passing specs)."""
    report, alone = _alone_and_together(spec)
    assert {check.id: check.outcome for check in report.checks} == alone


def test_each_check_alone_on_a_failing_schema(no_trigger: Path) -> None:
    """The same on a schema where checks fail: failures do not leak either."""
    spec = load_spec(SPEC)
    report = run(spec, schema=no_trigger)
    assert report.verdict == "FAIL"
    for check in report.checks:
        (single,) = run(
            spec, schema=no_trigger, select=lambda p, wanted=check.id: p.id == wanted
        ).checks
        assert single.outcome == check.outcome, check.id


# -- 5. limits a schema cannot lift ------------------------------------------------


@pytest.mark.parametrize("page_size", [512, 4096, 65536])
def test_page_size_does_not_lift_the_growth_cap(page_size: int) -> None:
    session = sqlite.open_schema(f"PRAGMA page_size = {page_size};\n{ORDERS}", "schema.sql")
    try:
        connection = session.connection
        for schema in ("main", "temp"):
            size = connection.execute(f"PRAGMA {schema}.page_size").fetchone()[0]
            pages = connection.execute(f"PRAGMA {schema}.max_page_count").fetchone()[0]
            assert size * pages <= GROWTH_BYTES + 64 * 1024, (schema, size, pages)
    finally:
        session.close()


TEMP_SPEC = """\
version: 1
name: temp
schema: schema.sql
operations:
  fill:
    sql:
      - CREATE TEMP TABLE IF NOT EXISTS junk (b BLOB)
      - |
        INSERT INTO junk
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300)
        SELECT zeroblob(100000) FROM c
criteria:
  - id: temp
    title: TEMP tables are capped too
    steps:
      - {call: fill}
      - {call: fill, expect: {type: "null"}}
"""


SMALL_CAP = 16 * 1024 * 1024
"""The growth cap (and the result cap) the two tests below fill: a tenth of the
product's, so that they write 30 MB rather than 300 MB (which took more than the
step timeout on a loaded machine: the test ended by time, not by the cap)."""

UNHURRIED = 600.0
"""A step timeout the tests below never reach: only the cap may end their steps."""


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> int:
    """The growth and result caps at :data:`SMALL_CAP` (read where they are applied)."""
    monkeypatch.setattr(sqlite_guard, "GROWTH_BYTES", SMALL_CAP)
    monkeypatch.setattr(sqlite_session, "MAX_RESULT_BYTES", SMALL_CAP)
    return SMALL_CAP


@pytest.mark.usefixtures("small_caps")
def test_temp_tables_are_capped(tmp_path: Path) -> None:
    (check,) = run(load_spec(write(tmp_path, TEMP_SPEC, ORDERS)), step_timeout=UNHURRIED).checks
    assert check.outcome == "error", check.message
    assert "size limit" in check.message


def test_a_huge_result_stops_at_the_memory_cap(tmp_path: Path, small_caps: int) -> None:
    spec = TEMP_SPEC.replace(
        '      - {call: fill}\n      - {call: fill, expect: {type: "null"}}',
        "      - {call: big, as: rows}",
    ).replace(
        "operations:\n",
        "operations:\n  big:\n    returns:\n      many: |\n"
        "        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200)\n"
        "        SELECT zeroblob(100000) AS b FROM c\n",
    )
    spec = spec.replace(
        "    title: TEMP tables are capped too\n",
        "    title: big\n    expect: {rows: {type: array}}\n",
    )
    (check,) = run(load_spec(write(tmp_path, spec, ORDERS)), step_timeout=UNHURRIED).checks
    assert check.outcome == "error", check.message
    assert f"more than {small_caps // (1024 * 1024)} MiB" in check.message


# -- 6. nothing the engine reads on the user's behalf hangs ---------------------------

VIEW_SCHEMA = ORDERS + (
    "CREATE VIEW endless AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)\n"
    "SELECT x AS id, 'new' AS status, NULL AS finished_at FROM c;\n"
)


def test_a_read_back_through_an_endless_view_times_out(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, machine_spec(table="endless", key="id"), VIEW_SCHEMA))
    report = run(spec, step_timeout=0.2)
    assert report.checks
    for check in report.checks:
        assert check.outcome == "error", check
        assert "timed out after 200 ms" in check.message


EXPENSIVE_SPEC = """\
version: 1
name: expensive
schema: schema.sql
operations:
  search:
    returns:
      one: SELECT instr(printf('%.*c', 700000, 'a'), printf('%.*c', 350000, 'a') || 'b') AS n
  count: {returns: {one: "SELECT count(*) AS n FROM orders"}}
criteria:
  - id: expensive
    title: one SQL function call that takes minutes
    steps:
      - {call: search, expect: {type: object}}
  - id: after
    title: the checks after it still run
    steps:
      - {call: count, expect: {type: object, properties: {n: {const: 0}}}}
"""


@pytest.mark.usefixtures("short_grace")
def test_one_expensive_function_call_costs_only_its_check(tmp_path: Path) -> None:
    """instr over 700 kB runs for seconds inside one SQLite call (minutes at a
    few megabytes), where no progress handler runs; the watchdog gives up on it
    after the step timeout and its grace (some ten times less than the call
    takes), and the next check runs on the database set up again. (Sized to end
    by itself a few seconds later: the abandoned thread burns a core until then.)"""
    report = run(load_spec(write(tmp_path, EXPENSIVE_SPEC, ORDERS)), step_timeout=0.3)
    outcomes = {check.id: check.outcome for check in report.checks}
    assert outcomes == {"criterion-expensive": "error", "criterion-after": "pass"}
    assert "cannot interrupt" in report.checks[0].message


@pytest.mark.usefixtures("short_grace")
def test_an_expensive_function_in_the_schema_is_a_located_error(tmp_path: Path) -> None:
    schema = ORDERS + (
        "CREATE TABLE t AS SELECT instr(printf('%.*c', 700000, 'a'),"
        " printf('%.*c', 350000, 'a') || 'b') AS n;\n"
    )
    spec = load_spec(write(tmp_path, ISOLATION_SPEC, schema))
    with pytest.raises(SchemaError) as caught:
        run(spec, step_timeout=0.3)
    (problem,) = caught.value.problems
    assert problem.location.line == ORDERS.count("\n") + 1, problem
    assert "cannot interrupt" in problem.message


# -- 7. the schema file and the database copy ------------------------------------------


def test_a_transaction_left_open_that_cannot_commit() -> None:
    schema = textwrap.dedent("""\
        CREATE TABLE p (id TEXT PRIMARY KEY);
        CREATE TABLE c (id TEXT PRIMARY KEY,
                        p_id TEXT REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED);
        BEGIN;
        INSERT INTO c VALUES ('x', 'nope');
        """)
    with pytest.raises(SchemaError) as caught:
        sqlite.open_schema(schema, "schema.sql")
    (problem,) = caught.value.problems
    assert (problem.location.line, problem.location.column) == (4, 1)
    assert "never committed" in problem.message and "FOREIGN KEY" in problem.message


def test_a_failing_commit_in_the_schema_is_located() -> None:
    schema = textwrap.dedent("""\
        CREATE TABLE p (id TEXT PRIMARY KEY);
        CREATE TABLE c (id TEXT PRIMARY KEY,
                        p_id TEXT REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED);
        BEGIN;
        INSERT INTO c VALUES ('x', 'nope');
        COMMIT;
        """)
    with pytest.raises(SchemaError) as caught:
        sqlite.open_schema(schema, "schema.sql")
    assert caught.value.problems[0].location.line == 6


DUMP_SPEC = """\
version: 1
name: dumped
operations:
  get: {params: [id], returns: {one: "SELECT * FROM t WHERE id = :id"}}
criteria:
  - id: read
    title: reads a row whose text is not UTF-8
    steps:
      - {call: get, with: {id: a}, as: row}
    expect: {row: {type: object, required: [v]}}
"""


def test_text_that_is_not_utf8_is_read_and_dumped(run_cli: RunCli, tmp_path: Path) -> None:
    database = tmp_path / "bad.db"
    connection = sqlite3.connect(database)
    connection.executescript(
        "CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT);"
        "INSERT INTO t VALUES ('a', CAST(x'ff61' AS TEXT));"
    )
    connection.close()
    spec = tmp_path / "spec.yaml"
    spec.write_text(DUMP_SPEC, "utf-8")
    result = run_cli(spec, "--db", database, "--dump", tmp_path / "dumps")
    assert result.status == 0, result.out + result.err
    dumped = (tmp_path / "dumps" / "dumped" / "criterion-read.sql").read_text("utf-8")
    assert "INSERT INTO \"t\" VALUES('a','\ufffda');" in dumped


def _wal_database(directory: Path) -> tuple[Path, sqlite3.Connection]:
    """A WAL database whose one committed row lives only in its -wal file."""
    path = directory / "real.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    connection.execute("CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT)")
    connection.execute("INSERT INTO t VALUES ('a', 'committed')")
    return path, connection


def test_db_through_a_symlink_reads_the_targets_wal(run_cli: RunCli, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path, writer = _wal_database(data)
    link = tmp_path / "link.db"
    link.symlink_to(path)
    spec = tmp_path / "spec.yaml"
    spec.write_text(DUMP_SPEC, "utf-8")
    try:
        result = run_cli(spec, "--db", link)
    finally:
        writer.close()
    assert result.status == 0, result.out + result.err  # the row is in the target's -wal


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_companion_that_is_not_a_file_is_refused(
    run_cli: RunCli, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "app.db"
    connection = sqlite3.connect(path)
    connection.executescript("CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT);")
    connection.close()
    companion = tmp_path / "app.db-wal"
    if kind == "directory":
        companion.mkdir()
    else:
        os.mkfifo(companion)
    spec = tmp_path / "spec.yaml"
    spec.write_text(DUMP_SPEC, "utf-8")
    result = run_cli(spec, "--db", path)
    assert result.status == 2, result.out + result.err
    assert "Traceback" not in result.err
    expected = "a directory" if kind == "directory" else "a FIFO"
    assert f"app.db-wal: is {expected}, expected an SQLite file" in result.err


# -- 8. messages point at the cause ----------------------------------------------------


def test_a_schema_syntax_error_is_reported_at_its_token() -> None:
    lines = [f"CREATE TABLE a{n} (id TEXT PRIMARY KEY);" for n in range(16)]
    lines += ["CREATE TABLE b (", *(f"    c{n} TEXT," for n in range(12))]
    lines += ["    d TEXTT NOT NULL DEFALT 3", ");"]
    with pytest.raises(SchemaError) as caught:
        sqlite.open_schema("\n".join(lines) + "\n", "schema.sql")
    (problem,) = caught.value.problems
    assert (problem.location.line, problem.location.column) == (30, 22)
    assert 'near "DEFALT": syntax error' in problem.message


MISMATCH = """\
CREATE TABLE parent (id TEXT, name TEXT);
CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parent(id));
"""


def test_a_foreign_key_mismatch_in_the_schema_names_the_table_that_lost_its_key() -> None:
    with pytest.raises(SchemaError) as caught:
        sqlite.open_schema(MISMATCH + "INSERT INTO child VALUES ('c', NULL);\n", "schema.sql")
    (problem,) = caught.value.problems
    assert problem.location.line == 3
    assert "(cause: parent table parent has no PRIMARY KEY or UNIQUE index on (id)" in (
        problem.message
    )
    assert "at schema.sql:1:1" in problem.message


def test_a_foreign_key_mismatch_in_a_call_names_its_cause(tmp_path: Path) -> None:
    spec = """\
version: 1
name: mismatch
schema: schema.sql
operations:
  add: {sql: "INSERT INTO child (id) VALUES ('c')"}
criteria:
  - id: add
    title: writes to the child
    steps: [{call: add, expect: {type: "null"}}]
"""
    (check,) = run(load_spec(write(tmp_path, spec, MISMATCH))).checks
    assert check.outcome == "fail"
    assert "foreign key mismatch" in check.message
    assert "cause: parent table parent has no PRIMARY KEY" in check.message
    assert "schema.sql:1:1)" in check.message


def test_a_refusal_by_a_trigger_names_the_trigger_and_its_line(tmp_path: Path) -> None:
    schema = ORDERS + textwrap.dedent("""\
        CREATE TRIGGER no_undo
        BEFORE UPDATE OF status ON orders
        WHEN OLD.status = 'done'
        BEGIN
            SELECT RAISE(ABORT, 'orders: done is final');
        END;
        """)
    spec = """\
version: 1
name: final
schema: schema.sql
operations:
  add: {sql: "INSERT INTO orders (id, status) VALUES ('o', 'done')"}
  undo: {sql: "UPDATE orders SET status = 'new' WHERE id = 'o'"}
criteria:
  - id: undo
    title: an order that is done is moved back
    steps: [{call: add}, {call: undo, expect: {type: "null"}}]
"""
    (check,) = run(load_spec(write(tmp_path, spec, schema))).checks
    assert check.outcome == "fail"
    assert "trigger error: orders: done is final" in check.message
    assert "(raised by trigger no_undo at " in check.message
    line = ORDERS.count("\n") + 5  # the RAISE's line in the trigger appended to ORDERS
    assert f"schema.sql:{line}:25)" in check.message  # the message of its RAISE


@pytest.mark.skipif(
    not hasattr(sqlite3.Connection, "setconfig"),
    reason="Python 3.12+ can switch SQLite's double-quoted string fallback off",
)
def test_user_sql_cannot_read_an_unknown_double_quoted_name_as_a_string(tmp_path: Path) -> None:
    spec = """\
version: 1
name: quoted
schema: schema.sql
operations:
  get: {returns: {one: 'SELECT "no_such_column" AS value FROM orders'}}
criteria:
  - id: quoted
    title: an unknown quoted name
    steps: [{call: get, expect: {type: "null"}}]
"""
    (check,) = run(load_spec(write(tmp_path, spec, ORDERS))).checks
    assert check.outcome == "fail" and "no such column: no_such_column" in check.message


def test_a_schema_named_by_the_spec_that_is_a_fifo_is_refused_at_the_spec_line(
    tmp_path: Path,
) -> None:
    os.mkfifo(tmp_path / "schema.sql")
    spec = tmp_path / "spec.yaml"
    spec.write_text(ISOLATION_SPEC, "utf-8")
    with pytest.raises(SchemaError) as caught:
        run(load_spec(spec))
    (problem,) = caught.value.problems
    assert problem.location.line == line_of(spec, "schema: schema.sql")
    assert "schema.sql: is a FIFO, expected an SQL file" in problem.message

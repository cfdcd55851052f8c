"""validator.diagnose on real SQLite: each explanation is checked against what
SQLite itself does with the same SQL.

Positions in the SQL of a case are marked with ``⟨`` (removed before the SQL is
run): the expected place is where the mark stands.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from validator import diagnose
from validator.diagnose import (
    BrokenForeignKey,
    Position,
    find,
    foreign_key_mismatch,
    in_file,
    locate_error,
    mismatch_causes,
    raising_trigger,
    resolve_column,
    resolve_table,
    schema_objects,
    triggers_in,
    unenforceable_foreign_keys,
)
from validator.diagnose import locate as locate_module
from validator.sqltext import Statement, Token, located_tokens, split, unquote

MARK = "⟨"


def unmark(text: str) -> tuple[str, list[Position]]:
    """``text`` without its marks, and the position of each mark in it."""
    sql, positions = "", []
    for index, piece in enumerate(text.split(MARK)):
        if index:
            line = sql.count("\n")
            positions.append(Position(line, len(sql) - (sql.rfind("\n") + 1)))
        sql += piece
    return sql, positions


def connect(*statements: str) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    for statement in statements:
        connection.execute(statement)
    return connection


def refusal(connection: sqlite3.Connection, sql: str) -> str:
    """SQLite's message for ``sql``, which must fail."""
    with pytest.raises(sqlite3.Error) as caught:
        connection.execute(sql).fetchall()
    return str(caught.value)


# -- sqltext helpers --------------------------------------------------------


def test_split_gives_the_column_where_each_statement_starts() -> None:
    statements = split("CREATE TABLE a (x);  CREATE TABLE b (y);\n  -- c\n  SELECT 1;")
    assert [(s.line, s.column) for s in statements] == [(0, 0), (0, 21), (2, 2)]


def test_located_tokens_skip_comments_and_keep_offsets() -> None:
    sql = 'SELECT \'a -- b\' /* c */, "d""e" -- f\nFROM [g]'
    found = [(t.kind, t.text, sql[t.start : t.end]) for t in located_tokens(sql)]
    assert [(kind, text) for kind, text, _ in found] == [
        ("word", "SELECT"),
        ("string", "'a -- b'"),
        ("other", ","),
        ("quoted", '"d""e"'),
        ("word", "FROM"),
        ("quoted", "[g]"),
    ]
    assert all(text == spelled for _, text, spelled in found)


@pytest.mark.parametrize(
    ("text", "name"),
    [('"a""b"', 'a"b'), ("[a b]", "a b"), ("`a``b`", "a`b"), ("'it''s'", "it's"), ("abc", "abc")],
)
def test_unquote_gives_the_name_a_token_spells(text: str, name: str) -> None:
    assert unquote(text) == name


def test_in_file_adds_the_statement_column_on_its_first_line_only() -> None:
    statement = split("SELECT 1;\n   SELECT 2\n  FROM t;")[1]
    assert (statement.line, statement.column) == (1, 3)
    assert in_file(statement, Position(0, 7)) == Position(1, 10)
    assert in_file(statement, Position(1, 2)) == Position(2, 2)


# -- locate_error -------------------------------------------------------------

T = "CREATE TABLE t (a, b)"
LONG_TABLE = "CREATE TABLE wide (\n" + "".join(f"  c{i} INT,\n" for i in range(28))

LOCATED = [
    # A syntax error deep in a statement whose bad token occurs many times before.
    ([], LONG_TABLE + "  last INT,⟨,\n  other INT\n)", 'near ",": syntax error'),
    ([], "CREATE TABLE t (a INT\n  NOT NULL NOT ⟨TEXT)", 'near "TEXT": syntax error'),
    # Occurrences in strings and comments are not tokens.
    ([T], "SELECT 'FROM', a /* FROM */ -- FROM\nFROM t ⟨FROM", 'near "FROM": syntax error'),
    ([], 'SELECT 1 FROM t WHERE "a""b" ⟨"c"', 'near ""c"": syntax error'),
    ([], "SELECT a || b FROM t WHERE a = ⟨|| b", 'near "||": syntax error'),
    # Inside a trigger's body: SQLite checks the trigger's table before the body.
    (
        [T],
        "CREATE TRIGGER tr AFTER INSERT ON t\nBEGIN\n  INSERT INTO t VALUES (1, 2);\n"
        "  INSERT INTO t VALUES (1, 2) ⟨(3, 4);\nEND",
        'near "(": syntax error',
    ),
    (
        [T, "CREATE VIEW v AS SELECT a FROM t"],
        "CREATE TRIGGER tr INSTEAD OF INSERT ON main.v BEGIN SELECT 1; SELECT 2 ⟨2; END",
        'near "2": syntax error',
    ),
    # ALTER TABLE ... ADD checks its table before the column, too.
    (
        [T],
        "ALTER TABLE t ADD COLUMN c TEXT CHECK (c IN ('a', 'b')) DEFAULT ⟨,",
        'near ",": syntax error',
    ),
    ([], "EXPLAIN SELECT 1, 1 ⟨1", 'near "1": syntax error'),
    ([], "SELECT 'abc', 2\n  FROM t WHERE a = ⟨'abc", 'unrecognized token: "\'abc"'),
    ([T], "SELECT 1 FROM t ⟨#", 'unrecognized token: "#"'),
    # Names.
    ([T], "SELECT a, 'zz' FROM t WHERE\n  a = 1 AND ⟨zz = 2", "no such column: zz"),
    ([T], "SELECT t.a FROM t WHERE ⟨t.zz = 1 AND zz = 1", "no such column: t.zz"),
    ([T], "SELECT a /* zz */ FROM t -- zz\n  WHERE ⟨zz = 1", "no such column: zz"),
    ([T], 'SELECT a FROM t WHERE ⟨"x"."y" = 1', "no such column: x.y"),
    ([T], "INSERT INTO t (a, ⟨zz) VALUES (1, 2)", "table t has no column named zz"),
    ([T], 'ALTER TABLE t RENAME COLUMN ⟨"zz" TO y', 'no such column: ""zz""'),
    ([T], "ALTER TABLE t RENAME COLUMN ⟨zz TO y", 'no such column: "zz"'),
    ([T, "CREATE TABLE u (a)"], "SELECT ⟨a FROM t, u WHERE t.a = u.a", "ambiguous column name: a"),
    ([T], "SELECT * FROM t JOIN ⟨nosuch ON nosuch.a = t.a", "no such table: nosuch"),
    ([T], "SELECT * FROM ⟨main.nosuch", "no such table: main.nosuch"),
    ([T], "CREATE INDEX nosuch ON ⟨nosuch (a)", "no such table: main.nosuch"),
    (["CREATE TABLE nofn (nofn)"], "SELECT nofn, ⟨nofn(1) FROM nofn", "no such function: nofn"),
    ([T], "SELECT abs(a), ⟨abs(1, 2) FROM t", None),  # two calls: which one is unknown
    ([T], "SELECT ⟨abs(1, 2) FROM t", "wrong number of arguments to function abs()"),
    ([T], "SELECT a FROM t ORDER BY a COLLATE ⟨bogus", "no such collation sequence: bogus"),
    ([T], 'CREATE TABLE IF NOT EXISTS x (a); CREATE TABLE ⟨"T" (a)', None),  # two statements
    ([T], 'CREATE TABLE ⟨"T" (t)', 'table "T" already exists'),
    ([T], "CREATE TABLE main.⟨T (a)", "table T already exists"),
    ([T, "CREATE VIEW v AS SELECT 1"], "CREATE VIEW ⟨v AS SELECT 2", "view v already exists"),
    ([T, "CREATE INDEX i ON t (a)"], "CREATE INDEX ⟨i ON t (b)", "index i already exists"),
    (
        [T, "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"],
        "CREATE TRIGGER ⟨tr AFTER INSERT ON t BEGIN SELECT 1; END",
        "trigger tr already exists",
    ),
    ([], "CREATE TABLE u (a INT CHECK (a > 0), b,\n  ⟨A TEXT)", "duplicate column name: A"),
    ([T], 'ALTER TABLE t ADD COLUMN ⟨"A" TEXT', "duplicate column name: A"),
    ([], "CREATE TABLE x (b, ⟨a DEFAULT (b))", "default value of column [a] is not constant"),
    ([], "CREATE TABLE ⟨nosuch.x (a)", "unknown database nosuch"),
    ([T], "DROP INDEX ⟨nosuch", "no such index: nosuch"),
]


@pytest.mark.parametrize(("setup", "marked", "message"), LOCATED)
def test_locate_error_points_at_the_token_sqlite_names(
    setup: list[str], marked: str, message: str | None
) -> None:
    sql, (expected,) = unmark(marked)
    connection = connect(*setup)
    try:
        found = refusal(connection, sql)
    finally:
        connection.close()
    if message is None:  # the case shows where locating must give up
        assert locate_error(sql, found) is None
        return
    assert found == message
    assert locate_error(sql, found) == expected


@pytest.mark.parametrize(
    ("setup", "sql"),
    [
        ([], "SELECT 1 +"),  # incomplete input: no token
        (["CREATE TABLE t (a UNIQUE)", "INSERT INTO t VALUES (1)"], "INSERT INTO t VALUES (1)"),
        # The missing parent of a foreign key is named in no token of the INSERT.
        (["CREATE TABLE c (x REFERENCES p (a))"], "INSERT INTO c VALUES (NULL)"),
    ],
)
def test_locate_error_gives_none_for_a_message_naming_no_token(setup: list[str], sql: str) -> None:
    message = refusal(connect(*setup), sql)
    assert locate_error(sql, message) is None


def test_a_schema_syntax_error_is_reported_at_its_token_line_not_the_statement_line() -> None:
    # The case of issue 8: the statement starts on line 17, the bad token is on line 30.
    columns = "".join(f"  c{i} INT,\n" for i in range(12))
    schema = "CREATE TABLE a (x);\n" * 16 + f"CREATE TABLE t (\n{columns}  oops INT NOT ⟨INT\n);\n"
    text, (expected,) = unmark(schema)
    statement = split(text)[-1]
    assert statement.line + 1 == 17
    message = refusal(connect(), statement.sql)
    assert message == 'near "INT": syntax error'
    found = locate_error(statement.sql, message)
    assert found is not None
    assert in_file(statement, found) == expected
    assert (expected.line + 1, expected.column + 1) == (30, 16)


@contextmanager
def counting_probes() -> Iterator[list[int]]:
    """Count the compilations locate_error makes, and the characters compiled."""
    sizes: list[int] = []
    original = locate_module._scratch

    @contextmanager
    def scratch(tokens: Sequence[Token]) -> Iterator[Callable[[str], str | None]]:
        with original(tokens) as compile_error:

            def counted(sql: str) -> str | None:
                sizes.append(len(sql))
                return compile_error(sql)

            yield counted

    locate_module._scratch = scratch
    try:
        yield sizes
    finally:
        locate_module._scratch = original


def test_a_big_statement_costs_a_logarithmic_number_of_compilations() -> None:
    # 256 KiB of "(1),(1),..." with the syntax error at the end, after 65,000
    # occurrences of its token: bisection compiles 17 prefixes, never one per
    # occurrence. (1 MiB, the guard's limit for one statement, takes 19.)
    rows = ",".join(["(1)"] * 65_000)
    sql, (expected,) = unmark(f"INSERT INTO t VALUES {rows},(1) ⟨(2)")
    assert len(sql) > 256 * 1024 - 10_000
    message = refusal(connect("CREATE TABLE t (a)"), sql)
    assert message == 'near "(": syntax error'
    with counting_probes() as sizes:
        assert locate_error(sql, message) == expected
    assert 0 < len(sizes) <= 18  # 1 + log2 of 65,002 occurrences, rounded up
    assert sum(sizes) <= 18 * len(sql)


def test_a_single_occurrence_needs_no_compilation() -> None:
    sql, (expected,) = unmark("CREATE TABLE t (a INT,\n  b VARCHAR NOT NULL NOT ⟨TEXT)")
    with counting_probes() as sizes:
        assert locate_error(sql, 'near "TEXT": syntax error') == expected
    assert sizes == []


def test_probes_never_run_the_statement(tmp_path: Path) -> None:
    # The first occurrence of the token ends a complete VACUUM INTO, which would
    # write a file if it ran; EXPLAIN compiles it only.
    target = str(tmp_path / "copy.db").replace("'", "''")
    sql = f"VACUUM INTO '{target}' '{target}'"
    message = refusal(connect(), sql)
    assert message == f"near \"'{target}'\": syntax error"
    with counting_probes() as sizes:
        position = locate_error(sql, message)
    assert position == Position(0, len(f"VACUUM INTO '{target}' "))
    assert len(sizes) == 2
    assert list(tmp_path.iterdir()) == []


def test_probes_refuse_pragmas_that_act_while_compiled(tmp_path: Path) -> None:
    # PRAGMA temp_store_directory acts when it is compiled, on the whole process:
    # EXPLAIN alone would not stop it, the scratch connection's authorizer does.
    directory = str(tmp_path).replace("'", "''")
    setting = f"PRAGMA temp_store_directory = '{directory}'"
    try:
        connect().execute(setting)  # this build has the pragma: the test can fail
        assert connect().execute("PRAGMA temp_store_directory").fetchone() == (str(tmp_path),)
        sql = f"{setting} '{directory}'"
        # Run, the statement itself sets the directory: SQLite acts on the PRAGMA
        # before it reads the token after it.
        message = refusal(connect(), sql)
        connect().execute("PRAGMA temp_store_directory = ''")
        assert locate_error(sql, message) == Position(0, len(setting) + 1)
        after = connect().execute("PRAGMA temp_store_directory").fetchone()
    finally:
        connect().execute("PRAGMA temp_store_directory = ''")
    assert after in (None, ("",))


# -- schema_objects and raising_trigger -------------------------------------

SCHEMA = """\
-- A schema with every kind of object.
⟨CREATE TABLE IF NOT EXISTS "Order Items" (id INTEGER PRIMARY KEY, qty INT);
⟨CREATE TEMP TABLE scratch (x);  ⟨CREATE TABLE main.customers (id TEXT PRIMARY KEY);
/* CREATE TABLE commented (x); */
⟨CREATE UNIQUE INDEX IF NOT EXISTS items_qty ON "order items" (qty);
⟨CREATE VIEW big_orders AS SELECT * FROM "Order Items" WHERE qty > 'RAISE(ABORT, ''no'')';
⟨CREATE TRIGGER items_positive BEFORE INSERT ON "Order Items"
BEGIN
  SELECT RAISE(ABORT, ⟨'quantity must be positive') WHERE NEW.qty <= 0;
  SELECT CASE WHEN NEW.qty > 100 THEN RAISE(FAIL,
      ⟨'it''s too many') END;
  SELECT RAISE(IGNORE) WHERE NEW.qty IS NULL;
END;
⟨CREATE TRIGGER customers_guard BEFORE DELETE ON customers BEGIN
  SELECT RAISE(ROLLBACK, ⟨"customers are kept"); END;
⟨CREATE TRIGGER also_positive BEFORE UPDATE OF qty ON "Order Items"
BEGIN SELECT RAISE(ABORT, ⟨'quantity must be positive') WHERE NEW.qty <= 0; END;
⟨CREATE TABLE dropped (x);
CREATE INDEX dropped_x ON dropped (x);
CREATE TRIGGER dropped_t AFTER INSERT ON dropped BEGIN SELECT RAISE(ABORT, 'gone'); END;
DROP TABLE dropped;
CREATE INDEX gone ON customers (id);
DROP INDEX IF EXISTS main.gone;
⟨CREATE TABLE old_name (x);
⟨CREATE INDEX old_name_x ON old_name (x);
ALTER TABLE old_name RENAME TO new_name;
"""


@pytest.fixture(scope="module")
def schema() -> tuple[str, list[Position]]:
    return unmark(SCHEMA)


def test_schema_objects_are_found_where_they_are_created(
    schema: tuple[str, list[Position]],
) -> None:
    text, marks = schema
    objects = schema_objects(split(text))
    found = {key: (found.kind, found.name, found.position) for key, found in objects.items()}
    assert found == {
        ("table", "order items"): ("table", "Order Items", marks[0]),
        ("table", "scratch"): ("table", "scratch", marks[1]),
        ("table", "customers"): ("table", "customers", marks[2]),
        ("index", "items_qty"): ("index", "items_qty", marks[3]),
        ("view", "big_orders"): ("view", "big_orders", marks[4]),
        ("trigger", "items_positive"): ("trigger", "items_positive", marks[5]),
        ("trigger", "customers_guard"): ("trigger", "customers_guard", marks[8]),
        ("trigger", "also_positive"): ("trigger", "also_positive", marks[10]),
        ("table", "new_name"): ("table", "new_name", marks[13]),
        ("index", "old_name_x"): ("index", "old_name_x", marks[14]),
    }
    assert objects[("index", "old_name_x")].table == "new_name"
    assert objects[("trigger", "items_positive")].table == "Order Items"
    customers = objects[("table", "customers")]
    assert customers.schema == "main"
    assert customers.name_position == (marks[2].line, marks[2].column + len("CREATE TABLE main."))
    assert find(objects, "ORDER ITEMS") is objects[("table", "order items")]
    assert find(objects, "items_positive") is None  # tables and views only by default
    assert find(objects, "items_positive", ["trigger"]) is not None


def test_schema_objects_agree_with_sqlite(schema: tuple[str, list[Position]]) -> None:
    text, _ = schema
    connection = connect()
    for statement in split(text):
        connection.execute(statement.sql)
    rows = connection.execute(
        "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'"
        " UNION ALL SELECT type, name FROM sqlite_temp_schema"
    ).fetchall()
    assert {(kind, diagnose.fold(name)) for kind, name in rows} == set(schema_objects(split(text)))


def test_trigger_raises_are_found_with_their_messages(schema: tuple[str, list[Position]]) -> None:
    text, marks = schema
    objects = schema_objects(split(text))
    raises = {
        name: [(r.action, r.message, r.position) for r in objects[("trigger", name)].raises]
        for name in ("items_positive", "customers_guard", "also_positive")
    }
    assert raises == {
        "items_positive": [
            ("ABORT", "quantity must be positive", marks[6]),
            ("FAIL", "it's too many", marks[7]),
        ],
        "customers_guard": [("ROLLBACK", "customers are kept", marks[9])],
        "also_positive": [("ABORT", "quantity must be positive", marks[11])],
    }
    assert objects[("view", "big_orders")].raises == ()  # a RAISE in a string is no RAISE


@pytest.mark.parametrize(
    ("operation", "raisers"),
    [
        ('INSERT INTO "Order Items" (qty) VALUES (0)', ["items_positive", "also_positive"]),
        ('INSERT INTO "Order Items" (qty) VALUES (101)', ["items_positive"]),
        ("DELETE FROM customers", ["customers_guard"]),
    ],
)
def test_raising_trigger_names_the_triggers_that_can_give_the_message(
    schema: tuple[str, list[Position]], operation: str, raisers: list[str]
) -> None:
    text, _ = schema
    connection = connect()
    for statement in split(text):
        connection.execute(statement.sql)
    connection.execute("INSERT INTO customers VALUES ('c1')")
    with pytest.raises(sqlite3.IntegrityError) as caught:
        connection.execute(operation)
    assert caught.value.sqlite_errorname == "SQLITE_CONSTRAINT_TRIGGER"
    message = str(caught.value)
    from_file = raising_trigger(message, schema_objects(split(text)).values())
    assert [trigger.name for trigger, _ in from_file] == raisers
    assert all(call.message == message for _, call in from_file)
    # The same from the database alone, positions within each trigger's own SQL.
    from_database = raising_trigger(message, triggers_in(connection))
    assert sorted(trigger.name for trigger, _ in from_database) == sorted(raisers)
    for trigger, call in from_database:
        (sql,) = connection.execute(
            "SELECT sql FROM sqlite_schema WHERE name = ?", (trigger.name,)
        ).fetchone()
        line = sql.splitlines()[call.position.line]
        assert line[call.position.column :].startswith(("'", '"'))


def test_a_raise_message_is_a_literal_in_this_sqlite() -> None:
    # SQLite before 3.47 takes only a literal (or a name) as RAISE's message, so a
    # refusal's text names its RAISE exactly; 3.47 allows any expression.
    trigger = (
        "CREATE TRIGGER t_check BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, 'bad: ' || NEW.a); END"
    )
    connection = connect("CREATE TABLE t (a)")
    if sqlite3.sqlite_version_info < (3, 47):
        assert refusal(connection, trigger) == 'near "||": syntax error'
    (found,) = schema_objects([Statement(trigger, 0)]).values()
    (call,) = found.raises
    assert call.message is None  # unknown until it runs
    literal = schema_objects(
        [Statement("CREATE TRIGGER k AFTER INSERT ON t BEGIN SELECT RAISE(FAIL, oops); END", 0)]
    )[("trigger", "k")]
    assert literal.raises[0].message == "oops"
    # An expression may have built any text, but only when no literal matches.
    assert raising_trigger("bad: 1", [found, literal]) == [(found, call)]
    assert raising_trigger("oops", [found, literal]) == [(literal, literal.raises[0])]


# -- foreign keys -------------------------------------------------------------

# (schema, broken?, what the reason says)
FOREIGN_KEYS = [
    (
        "CREATE TABLE p (a); CREATE TABLE c (x REFERENCES p (a))",
        "no PRIMARY KEY or UNIQUE index on (a)",
    ),
    ("CREATE TABLE p (a PRIMARY KEY); CREATE TABLE c (x REFERENCES p (a))", None),
    ("CREATE TABLE p (a INTEGER PRIMARY KEY); CREATE TABLE c (x REFERENCES p)", None),
    ("CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (x REFERENCES P (ID))", None),
    ("CREATE TABLE p (a INTEGER PRIMARY KEY DESC); CREATE TABLE c (x REFERENCES p)", None),
    (
        "CREATE TABLE p (a INTEGER PRIMARY KEY); CREATE TABLE c (x REFERENCES p (rowid))",
        "no column rowid",
    ),
    ("CREATE TABLE p (a UNIQUE); CREATE TABLE c (x REFERENCES p)", "p has no PRIMARY KEY"),
    (
        "CREATE TABLE p (a, b, PRIMARY KEY (a, b)); CREATE TABLE c (x REFERENCES p)",
        "the PRIMARY KEY of p is (a, b), 2 column(s), the foreign key has 1",
    ),
    (
        "CREATE TABLE p (a INTEGER PRIMARY KEY);"
        " CREATE TABLE c (x, y, FOREIGN KEY (x, y) REFERENCES p)",
        "the PRIMARY KEY of p is (a)",
    ),
    (
        "CREATE TABLE p (a, b, PRIMARY KEY (a, b));"
        " CREATE TABLE c (x, y, FOREIGN KEY (y, x) REFERENCES p (b, a))",
        None,
    ),
    (
        "CREATE TABLE p (a, b, PRIMARY KEY (a, b)); CREATE TABLE c (x REFERENCES p (a))",
        "no PRIMARY KEY or UNIQUE index on (a)",
    ),
    (
        "CREATE TABLE p (a, b); CREATE UNIQUE INDEX p_ba ON p (b, a);"
        " CREATE TABLE c (x, y, FOREIGN KEY (x, y) REFERENCES p (a, b))",
        None,
    ),
    (
        "CREATE TABLE p (a, b); CREATE UNIQUE INDEX p_ab ON p (a, b);"
        " CREATE TABLE c (x, y, FOREIGN KEY (x, y) REFERENCES p (a, a))",
        "no PRIMARY KEY or UNIQUE index on (a, a)",
    ),
    # SQLite only checks that each indexed column is one of the foreign key's.
    (
        "CREATE TABLE p (a, b); CREATE UNIQUE INDEX p_aa ON p (a, a);"
        " CREATE TABLE c (x, y, FOREIGN KEY (x, y) REFERENCES p (a, b))",
        None,
    ),
    ("CREATE TABLE p (a TEXT COLLATE NOCASE UNIQUE); CREATE TABLE c (x REFERENCES p (a))", None),
    (
        "CREATE TABLE p (a TEXT COLLATE NOCASE); CREATE UNIQUE INDEX p_a ON p (a);"
        " CREATE TABLE c (x REFERENCES p (a))",
        None,
    ),
    (
        "CREATE TABLE p (a TEXT, PRIMARY KEY (a COLLATE NOCASE));"
        " CREATE TABLE c (x REFERENCES p (a))",
        "uses COLLATE NOCASE on a, whose collation is BINARY",
    ),
    # Naming no column skips the collation check.
    (
        "CREATE TABLE p (a TEXT, PRIMARY KEY (a COLLATE NOCASE)); CREATE TABLE c (x REFERENCES p)",
        None,
    ),
    (
        "CREATE TABLE p (a TEXT COLLATE NOCASE); CREATE UNIQUE INDEX p_a ON p (a COLLATE BINARY);"
        " CREATE TABLE c (x REFERENCES p (a))",
        "index p_a uses COLLATE BINARY on a, whose collation is NOCASE",
    ),
    (
        "CREATE TABLE p (a TEXT COLLATE NOCASE COLLATE RTRIM);"
        " CREATE UNIQUE INDEX p_a ON p (a COLLATE rtrim); CREATE TABLE c (x REFERENCES p (a))",
        None,
    ),
    (
        "CREATE TABLE p (a TEXT COLLATE NOCASE COLLATE RTRIM);"
        " CREATE UNIQUE INDEX p_a ON p (a COLLATE NOCASE); CREATE TABLE c (x REFERENCES p (a))",
        "whose collation is RTRIM",
    ),
    (
        "CREATE TABLE p (a TEXT CHECK (a COLLATE NOCASE <> 'x')); CREATE UNIQUE INDEX p_a ON p (a);"
        " CREATE TABLE c (x REFERENCES p (a))",
        None,
    ),
    (
        "CREATE TABLE p (a TEXT, UNIQUE (a COLLATE NOCASE)); CREATE TABLE c (x REFERENCES p (a))",
        "index sqlite_autoindex_p_1 uses COLLATE NOCASE",
    ),
    (
        "CREATE TABLE p (a); ALTER TABLE p ADD COLUMN b TEXT COLLATE NOCASE;"
        " CREATE UNIQUE INDEX p_b ON p (b COLLATE nocase); CREATE TABLE c (x REFERENCES p (b))",
        None,
    ),
    (
        "CREATE TABLE p (a, b); CREATE UNIQUE INDEX p_a ON p (a) WHERE b IS NOT NULL;"
        " CREATE TABLE c (x REFERENCES p (a))",
        "index p_a is partial",
    ),
    (
        "CREATE TABLE p (a); CREATE UNIQUE INDEX p_a ON p (a + 0);"
        " CREATE TABLE c (x REFERENCES p (a))",
        "index p_a is on an expression",
    ),
    (
        "CREATE TABLE p (a); CREATE INDEX p_a ON p (a); CREATE TABLE c (x REFERENCES p (a))",
        "index p_a is not UNIQUE",
    ),
    (
        "CREATE TABLE p (a TEXT, b, PRIMARY KEY (a)) WITHOUT ROWID;"
        " CREATE TABLE c (x REFERENCES p (a))",
        None,
    ),
    ("CREATE TABLE p (a TEXT PRIMARY KEY) WITHOUT ROWID; CREATE TABLE c (x REFERENCES p)", None),
    (
        "CREATE TABLE p (a INTEGER PRIMARY KEY) WITHOUT ROWID;"
        " CREATE TABLE c (x REFERENCES p (rowid))",
        "no column rowid",
    ),
    ("CREATE TABLE c (x REFERENCES p (a))", "no such table: p"),
    ("CREATE TABLE c (x REFERENCES p)", "no such table: p"),
    (
        "CREATE TABLE p (a UNIQUE); CREATE TEMP TABLE c (x REFERENCES p (a))",
        "no such table: p in schema temp",
    ),
    ("CREATE VIEW p AS SELECT 1 AS a; CREATE TABLE c (x REFERENCES p (a))", "parent p is a view"),
    ("CREATE VIRTUAL TABLE p USING fts5(a); CREATE TABLE c (x REFERENCES p (a))", "virtual table"),
    ("CREATE TABLE Parent (Key TEXT UNIQUE); CREATE TABLE c (x REFERENCES PARENT (key))", None),
    ("CREATE TABLE p (a UNIQUE); CREATE TABLE c (x REFERENCES p (nosuch))", "no column nosuch"),
    ("CREATE TABLE p (a, b AS (a + 1) UNIQUE); CREATE TABLE c (x REFERENCES p (b))", None),
    (
        'CREATE TABLE "p""q" (a); CREATE TABLE "c""d" (x REFERENCES "p""q" (a))',
        'parent table p"q has no PRIMARY KEY',
    ),
    (
        'CREATE TABLE p ("unique" TEXT COLLATE NOCASE, "check" UNIQUE);'
        ' CREATE UNIQUE INDEX p_u ON p ("unique" COLLATE NOCASE);'
        ' CREATE TABLE c (x REFERENCES p ("unique"), y REFERENCES p ("check"))',
        None,
    ),
]


def child_write_error(connection: sqlite3.Connection, child: str) -> str | None:
    """What SQLite answers to a row of NULLs in ``child`` (which satisfies any
    foreign key SQLite can enforce), None when the row is accepted."""
    quoted = '"' + child.replace('"', '""') + '"'
    try:
        connection.execute("SAVEPOINT probe")
        connection.execute(f"INSERT INTO {quoted} DEFAULT VALUES")
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        connection.execute("ROLLBACK TO probe")
        connection.execute("RELEASE probe")
    return None


def child_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT DISTINCT m.name FROM pragma_table_list AS m, pragma_foreign_key_list(m.name) AS f"
        " WHERE m.type = 'table'"
    ).fetchall()
    return [name for (name,) in rows]


@pytest.mark.parametrize(("schema", "reason"), FOREIGN_KEYS)
def test_unenforceable_foreign_keys_are_exactly_those_sqlite_refuses(
    schema: str, reason: str | None
) -> None:
    connection = connect(*schema.split(";"))
    broken = unenforceable_foreign_keys(connection)
    errors = {child: child_write_error(connection, child) for child in child_tables(connection)}
    assert errors, "the case has no foreign key"
    assert {key.child: key.error for key in broken} == {
        child: error for child, error in errors.items() if error is not None
    }
    if reason is None:
        assert broken == []
    else:
        (key,) = broken
        assert reason in key.reason


def test_a_broken_foreign_key_names_both_ends() -> None:
    connection = connect(
        "CREATE TABLE p (a, b)",
        "CREATE TABLE c (x, y, z REFERENCES p (a), FOREIGN KEY (x, y) REFERENCES p (a, b))",
    )
    assert sorted(unenforceable_foreign_keys(connection), key=lambda k: k.child_columns) == [
        BrokenForeignKey(
            "main", "c", ("x", "y"), "p", ("a", "b"),
            "parent table p has no PRIMARY KEY or UNIQUE index on (a, b)",
            'foreign key mismatch - "c" referencing "p"',
        ),
        BrokenForeignKey(
            "main", "c", ("z",), "p", ("a",),
            "parent table p has no PRIMARY KEY or UNIQUE index on (a)",
            'foreign key mismatch - "c" referencing "p"',
        ),
    ]  # fmt: skip


def test_the_cause_of_a_foreign_key_mismatch_is_found_from_the_message() -> None:
    connection = connect(
        'CREATE TABLE "p""q" (id INTEGER PRIMARY KEY, a)',
        'CREATE TABLE "c""d" (x REFERENCES "p""q" (a))',
        'CREATE TABLE fine (y REFERENCES "p""q")',
    )
    message = refusal(connection, """INSERT INTO "c""d" VALUES (1)""")
    assert message == 'foreign key mismatch - "c""d" referencing "p""q"'
    assert foreign_key_mismatch(message) == ('c"d', 'p"q')
    assert foreign_key_mismatch("FOREIGN KEY constraint failed") is None
    (cause,) = mismatch_causes(connection, message)
    assert (cause.child, cause.child_columns, cause.parent_columns) == ('c"d', ("x",), ("a",))
    assert mismatch_causes(connection, "no such table: t") == []


COLLATIONS = st.sampled_from([None, "BINARY", "NOCASE", "RTRIM"])


@st.composite
def foreign_key_schemas(draw: st.DrawFn) -> list[str]:
    """A parent of three columns with random collations, keys and indexes, and a
    child whose foreign key names random columns (or none)."""
    columns = ["a", "b", "c"]
    types = [draw(st.sampled_from(["TEXT", "INTEGER"])) for _ in columns]  # INTEGER: the rowid
    collations = [draw(COLLATIONS) for _ in columns]
    definitions = [
        f"{name} {kind}" + (f" COLLATE {coll}" if coll else "")
        for name, kind, coll in zip(columns, types, collations, strict=True)
    ]
    key = draw(st.lists(st.sampled_from(columns), min_size=0, max_size=2, unique=True))
    if key:
        keyed = [f"{k} COLLATE {c}" if (c := draw(COLLATIONS)) else k for k in key]
        definitions.append(f"PRIMARY KEY ({', '.join(keyed)})")
    without_rowid = bool(key) and draw(st.booleans())
    statements = [f"CREATE TABLE p ({', '.join(definitions)})" + " WITHOUT ROWID" * without_rowid]
    for number in range(draw(st.integers(0, 2))):
        indexed = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=2))
        parts = [f"{i} COLLATE {c}" if (c := draw(COLLATIONS)) else i for i in indexed]
        unique = "UNIQUE " if draw(st.booleans()) else ""
        where = " WHERE a IS NOT NULL" if draw(st.integers(0, 3)) == 0 else ""
        statements.append(f"CREATE {unique}INDEX i{number} ON p ({', '.join(parts)}){where}")
    width = draw(st.integers(1, 2))
    named = st.lists(st.sampled_from([*columns, "A"]), min_size=width, max_size=width)
    names = draw(st.one_of(st.none(), named))  # "A" is a, as SQLite compares names
    child = ", ".join(f"x{i}" for i in range(width))
    parent = "" if names is None else f" ({', '.join(names)})"
    statements.append(f"CREATE TABLE c ({child}, FOREIGN KEY ({child}) REFERENCES p{parent})")
    return statements


@settings(max_examples=300, deadline=None)
@given(foreign_key_schemas())
def test_unenforceable_foreign_keys_agree_with_sqlite_on_random_schemas(
    statements: list[str],
) -> None:
    try:
        connection = connect(*statements)
    except sqlite3.Error:  # e.g. INTEGER PRIMARY KEY ... WITHOUT ROWID with no key
        assume(False)
    try:
        broken = unenforceable_foreign_keys(connection)
        error = child_write_error(connection, "c")
    finally:
        connection.close()
    assert [key.error for key in broken] == ([] if error is None else [error])


# -- names --------------------------------------------------------------------


@pytest.fixture
def names() -> Iterator[sqlite3.Connection]:
    connection = connect(
        "CREATE TABLE Orders (ID INTEGER PRIMARY KEY, Status TEXT, total AS (ID * 2))",
        'CREATE VIEW "Open Orders" AS SELECT ID AS "Order Id", Status FROM Orders',
        'CREATE TABLE "Ä" (x)',
        "CREATE TABLE shadowed (in_main)",
        "CREATE TEMP TABLE shadowed (in_temp)",
    )
    connection.execute("INSERT INTO Orders (Status) VALUES ('open')")
    yield connection
    connection.close()


def test_sqlite_reads_an_unknown_double_quoted_name_as_a_string(
    names: sqlite3.Connection,
) -> None:
    # Why names must be resolved first: this is no error, it selects the string.
    assert names.execute('SELECT "finshed_at" FROM Orders').fetchall() == [("finshed_at",)]
    assert resolve_column(names, "orders", "finshed_at") is None


@pytest.mark.parametrize(
    ("table", "column", "spelling"),
    [
        ("orders", "status", "Status"),
        ("ORDERS", "id", "ID"),
        ("orders", "TOTAL", "total"),  # a generated column
        ("open orders", "ORDER ID", "Order Id"),  # a view's column
        ("open orders", "total", None),
        ("orders", "rowid", None),  # not a declared column
        ("no_such_table", "id", None),
        ("Ä", "X", "x"),
        ("ä", "x", None),  # SQLite folds ASCII letters only
    ],
)
def test_resolve_column_gives_the_declared_spelling(
    names: sqlite3.Connection, table: str, column: str, spelling: str | None
) -> None:
    assert resolve_column(names, table, column) == spelling


def test_resolve_table_searches_as_sqlite_does(names: sqlite3.Connection) -> None:
    assert resolve_table(names, "open ORDERS") == ("main", "Open Orders")
    assert resolve_table(names, "SHADOWED") == ("temp", "shadowed")
    assert resolve_table(names, "shadowed", "MAIN") == ("main", "shadowed")
    assert resolve_column(names, "shadowed", "in_temp") == "in_temp"
    assert resolve_column(names, "shadowed", "in_main", schema="main") == "in_main"
    assert resolve_table(names, "ä") is None
    assert resolve_table(names, "orders", "temp") is None


def test_resolve_column_raises_for_a_view_that_no_longer_compiles() -> None:
    connection = connect("CREATE TABLE t (a)", "CREATE VIEW v AS SELECT a FROM t", "DROP TABLE t")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        resolve_column(connection, "v", "a")

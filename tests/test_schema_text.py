"""validator.schema_text: the model of a schema's DDL text, with spans.

Every span is checked against the text it claims (``span.of(text)``); every
``drop`` span is checked to leave SQL that SQLite accepts; whatever text it is
given, ``parse`` returns a model and never raises.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from conftest import ROOT, SCHEMA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator import schema_text, sqltext
from validator.schema_text import (
    Branch,
    Check,
    Collate,
    Default,
    ForeignKey,
    Generated,
    NotNull,
    PrimaryKey,
    Span,
    Unique,
    parse,
)

DEPLOYMENTS = ROOT / "tests" / "domains" / "deployments" / "schema.sql"

RICH = """-- every clause the parser models
CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT UNIQUE);
CREATE TEMP TABLE IF NOT EXISTS "Odd ""Name"" x" (
    [my col] TEXT CONSTRAINT nn NOT NULL ON CONFLICT REPLACE /* why */ COLLATE NOCASE,
    `b` INT DEFAULT -1 CHECK (`b` BETWEEN -1 AND 10),
    c VARCHAR(10, 2) DEFAULT 'it''s' CHECK (c IN ('it''s', 'b,c', (1 + 2))),
    d REAL DEFAULT +1.5 NULL,
    e DEFAULT 0x1F,
    f BLOB DEFAULT x'00ff',
    g DEFAULT (datetime('now', '+1 day')),
    h DEFAULT CURRENT_TIMESTAMP,
    i DEFAULT TRUE,
    j DEFAULT NULL,
    k TEXT REFERENCES parent (code) ON UPDATE SET NULL MATCH SIMPLE ON DELETE NO ACTION
        DEFERRABLE INITIALLY DEFERRED,
    l GENERATED ALWAYS AS (b * 2) STORED,
    m AS (upper(c)),
    n TEXT NOT NULL CHECK (n NOT IN ('x', 'y') AND length(n) > 0 OR n IN ('z', 'w')),
    CONSTRAINT pk PRIMARY KEY (c COLLATE NOCASE DESC, d) ON CONFLICT ABORT,
    UNIQUE (d, e) UNIQUE (e),
    CHECK (b > 0),
    FOREIGN KEY (b, e) REFERENCES parent ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE copy AS SELECT * FROM parent;
CREATE UNIQUE INDEX IF NOT EXISTS main.parent_code ON parent (code COLLATE NOCASE, lower(code))
    WHERE code IS NOT NULL;
CREATE INDEX parent_id ON parent (id);
CREATE VIEW IF NOT EXISTS v (x) AS SELECT code FROM parent;
CREATE TRIGGER IF NOT EXISTS t1 BEFORE UPDATE OF code, id ON parent FOR EACH ROW
WHEN NEW.code BETWEEN 'a' AND 'z' AND (OLD.code IS NULL OR NOT (OLD.id = 1 AND NEW.id = 2))
  AND CASE WHEN NEW.id > 1 OR NEW.id < 0 THEN 1 ELSE 0 END
BEGIN
    SELECT RAISE(ABORT, 'no; never') WHERE NEW.id = 3 OR NEW.id = 4 ORDER BY 1;
    UPDATE parent SET code = CASE WHEN NEW.id = 1 AND x.begin THEN 'a' END WHERE id = 1;
END;
CREATE TRIGGER t2 INSTEAD OF INSERT ON v BEGIN SELECT 1; END;
"""


@pytest.fixture(scope="module")
def rich() -> schema_text.Schema:
    return parse(RICH)


def text_of(span: Span) -> str:
    return span.of(RICH)


def test_the_rich_schema_applies_to_sqlite() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE x (begin)")  # for the trigger's x.begin
    for statement in sqltext.split(RICH):
        connection.execute(statement.sql)


def test_statements_tables_indexes_triggers_views_are_found(rich: schema_text.Schema) -> None:
    assert len(rich.statements) == 8
    assert [t.name for t in rich.tables] == ["parent", 'Odd "Name" x', "copy"]
    assert [(i.name, i.schema, i.table, i.unique) for i in rich.indexes] == [
        ("parent_code", "main", "parent", True),
        ("parent_id", None, "parent", False),
    ]
    assert [(t.name, t.table, t.timing, t.event) for t in rich.triggers] == [
        ("t1", "parent", "BEFORE", "UPDATE"),
        ("t2", "v", "INSTEAD OF", "INSERT"),
    ]
    assert [v.name for v in rich.views] == ["v"]
    assert rich.table('ODD "NAME" X') is rich.tables[1]
    for found in (*rich.tables, *rich.indexes, *rich.triggers, *rich.views):
        assert text_of(found.span).startswith("CREATE")


def test_table_options(rich: schema_text.Schema) -> None:
    odd = rich.tables[1]
    assert (odd.temporary, odd.without_rowid, odd.strict, odd.select) == (True, True, False, False)
    (strict,) = parse("CREATE TABLE s (a INT) STRICT, WITHOUT ROWID").tables
    assert strict.strict and strict.without_rowid
    assert rich.tables[2].select and rich.tables[2].columns == ()


def test_columns_with_quoted_names_and_types(rich: schema_text.Schema) -> None:
    odd = rich.tables[1]
    assert [c.name for c in odd.columns] == [
        "my col", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"
    ]  # fmt: skip
    assert [c.type for c in odd.columns[:4]] == ["TEXT", "INT", "VARCHAR(10, 2)", "REAL"]
    assert odd.column("e") is not None and odd.column("e").type == ""  # type: ignore[union-attr]
    assert text_of(odd.columns[0].span).startswith("[my col] TEXT CONSTRAINT nn")


def test_named_not_null_with_conflict_clause_and_collation(rich: schema_text.Schema) -> None:
    column = rich.tables[1].columns[0]
    not_null, collate = column.constraints
    assert isinstance(not_null, NotNull) and isinstance(collate, Collate)
    assert (not_null.name, not_null.conflict) == ("nn", "REPLACE")
    assert text_of(not_null.span) == "CONSTRAINT nn NOT NULL ON CONFLICT REPLACE"
    assert text_of(not_null.drop) == " CONSTRAINT nn NOT NULL ON CONFLICT REPLACE"
    assert column.not_null and column.collation == "NOCASE"


@pytest.mark.parametrize(
    ("column", "text", "kind"),
    [
        ("b", "-1", "number"),
        ("c", "'it''s'", "string"),
        ("d", "+1.5", "number"),
        ("e", "0x1F", "number"),
        ("f", "x'00ff'", "blob"),
        ("g", "(datetime('now', '+1 day'))", "expression"),
        ("h", "CURRENT_TIMESTAMP", "expression"),
        ("i", "TRUE", "boolean"),
        ("j", "NULL", "null"),
    ],
)
def test_defaults(rich: schema_text.Schema, column: str, text: str, kind: str) -> None:
    found = rich.tables[1].column(column)
    assert found is not None and found.default is not None
    default: Default = found.default
    assert (default.text, default.kind, text_of(default.value)) == (text, kind, text)
    assert text_of(default.span) == f"DEFAULT {text}"
    assert text_of(default.drop) == f" DEFAULT {text}"


def test_check_between_is_one_operand_and_has_no_in_list(rich: schema_text.Schema) -> None:
    (check,) = rich.tables[1].columns[1].checks
    assert text_of(check.expression) == "`b` BETWEEN -1 AND 10"
    assert check.in_lists == () and check.in_list is None


def test_check_in_list_values_with_quotes_commas_and_parentheses(
    rich: schema_text.Schema,
) -> None:
    (check,) = rich.tables[1].columns[2].checks
    assert check.in_list is not None and check.in_list.column == "c"
    values = check.in_list.values
    assert [v.text for v in values] == ["'it''s'", "'b,c'", "(1 + 2)"]
    assert [text_of(v.span) for v in values] == ["'it''s'", "'b,c'", "(1 + 2)"]
    assert [text_of(v.drop) for v in values] == ["'it''s', ", ", 'b,c'", ", (1 + 2)"]


def test_check_in_lists_in_a_chain(rich: schema_text.Schema) -> None:
    (check,) = rich.tables[1].columns[13].checks
    assert check.in_list is None  # not the whole expression
    assert [(i.column, i.negated, [v.text for v in i.values]) for i in check.in_lists] == [
        ("n", False, ["'z'", "'w'"])
    ]  # the NOT IN list is inside the first OR operand's AND chain: not top level


def test_an_in_list_inside_a_call_is_not_the_checks_list() -> None:
    (table,) = parse("CREATE TABLE t (a CHECK (f(a IN (1)) IN (2, 3)), b CHECK ())").tables
    (check,) = table.columns[0].checks
    assert check.in_list is not None and check.in_list.column is None
    assert [v.text for v in check.in_list.values] == ["2", "3"]
    (empty,) = table.columns[1].checks
    assert empty.expression.start == empty.expression.end and empty.in_lists == ()


def test_foreign_key_of_a_column(rich: schema_text.Schema) -> None:
    column = rich.tables[1].column("k")
    assert column is not None
    key = column.references
    assert isinstance(key, ForeignKey)
    assert (key.columns, key.table, key.target_columns) == (("k",), "parent", ("code",))
    assert (key.on_delete, key.on_update, key.match) == ("NO ACTION", "SET NULL", "SIMPLE")
    assert key.deferrable == "DEFERRABLE INITIALLY DEFERRED"
    assert [(a.event, a.action, text_of(a.span), text_of(a.words)) for a in key.actions] == [
        ("UPDATE", "SET NULL", "ON UPDATE SET NULL", "SET NULL"),
        ("DELETE", "NO ACTION", "ON DELETE NO ACTION", "NO ACTION"),
    ]
    assert RICH[: key.target_end].endswith("REFERENCES parent (code)")
    assert text_of(key.span).startswith("REFERENCES parent (code) ON UPDATE")
    assert text_of(key.span).endswith("DEFERRABLE INITIALLY DEFERRED")


def test_generated_columns(rich: schema_text.Schema) -> None:
    odd = rich.tables[1]
    generated = [c for col in odd.columns for c in col.constraints if isinstance(c, Generated)]
    assert [(text_of(g.expression), g.stored) for g in generated] == [
        ("b * 2", True),
        ("upper(c)", False),
    ]


def test_table_constraints_and_their_drop_spans(rich: schema_text.Schema) -> None:
    primary, unique_de, unique_e, check, key = rich.tables[1].constraints
    assert isinstance(primary, PrimaryKey)
    assert (primary.name, primary.columns, primary.conflict) == ("pk", ("c", "d"), "ABORT")
    assert isinstance(unique_de, Unique) and unique_de.columns == ("d", "e")
    assert isinstance(unique_e, Unique) and unique_e.columns == ("e",)
    assert isinstance(check, Check) and text_of(check.expression) == "b > 0"
    assert isinstance(key, ForeignKey)
    assert (key.columns, key.table, key.target_columns, key.on_delete) == (
        ("b", "e"),
        "parent",
        (),
        "CASCADE",
    )
    # The first of two constraints written without a comma keeps the comma.
    assert text_of(unique_de.drop) == "UNIQUE (d, e) "
    assert text_of(unique_e.drop) == " UNIQUE (e)"
    assert text_of(check.drop) == ",\n    CHECK (b > 0)"
    assert rich.tables[1].primary_key == ("c", "d")
    assert rich.tables[1].unique_keys == (("d", "e"), ("e",))


def test_column_primary_key_with_autoincrement(rich: schema_text.Schema) -> None:
    parent = rich.tables[0]
    key = parent.columns[0].primary_key
    assert key is not None and key.autoincrement and key.columns == ("id",)
    assert text_of(key.drop) == " PRIMARY KEY AUTOINCREMENT"
    assert parent.primary_key == ("id",) and parent.unique_keys == (("code",),)


def test_index_columns_and_where(rich: schema_text.Schema) -> None:
    index = rich.indexes[0]
    assert index.columns == ("code", "lower(code)")
    assert index.where is not None and text_of(index.where) == "code IS NOT NULL"
    assert rich.indexes[1].where is None


def branch_texts(branches: tuple[Branch, ...]) -> list[object]:
    return [
        (text_of(b.span), branch_texts(b.branches)) if b.branches else text_of(b.span)
        for b in branches
    ]


def test_trigger_when_and_its_branches(rich: schema_text.Schema) -> None:
    when = rich.triggers[0].when
    assert when is not None
    assert text_of(when.clause).startswith("WHEN NEW.code BETWEEN")
    assert text_of(when.clause).endswith("ELSE 0 END")
    assert text_of(when.drop).startswith("\nWHEN")
    assert branch_texts(when.branches) == [
        "NEW.code BETWEEN 'a' AND 'z'",  # BETWEEN's AND does not split
        (
            "(OLD.code IS NULL OR NOT (OLD.id = 1 AND NEW.id = 2))",
            [
                "OLD.code IS NULL",
                ("NOT (OLD.id = 1 AND NEW.id = 2)", ["OLD.id = 1", "NEW.id = 2"]),
            ],
        ),
        "CASE WHEN NEW.id > 1 OR NEW.id < 0 THEN 1 ELSE 0 END",  # CASE is one operand
    ]
    first, second, _ = when.branches
    assert text_of(first.drop) == "NEW.code BETWEEN 'a' AND 'z' AND "
    assert text_of(second.drop).startswith(" AND (OLD.code")


def test_trigger_body_conditions(rich: schema_text.Schema) -> None:
    conditions = rich.triggers[0].conditions
    assert [(c.label, text_of(c.expression)) for c in conditions] == [
        ("s1.where1", "NEW.id = 3 OR NEW.id = 4"),
        ("s2.where1", "id = 1"),
        ("s2.case1.when1", "NEW.id = 1 AND x.begin"),
    ]
    assert branch_texts(conditions[0].branches) == ["NEW.id = 3", "NEW.id = 4"]
    assert branch_texts(conditions[1].branches) == []
    assert branch_texts(conditions[2].branches) == ["NEW.id = 1", "x.begin"]
    assert [c.drop is None for c in conditions] == [False, False, True]
    assert rich.triggers[1].when is None and rich.triggers[1].conditions == ()


def test_the_shipped_schema_as_init_needs_it() -> None:
    """What `validator init` reads: per column, type, NOT NULL, DEFAULT text,
    PRIMARY KEY, UNIQUE, CHECK IN values and REFERENCES with actions."""
    schema = parse(SCHEMA.read_text("utf-8"))
    tables = {t.name: t for t in schema.tables}
    assert len(tables) == 5 and len(schema.triggers) == 1
    status = tables["task_lists"].column("status")
    assert status is not None and status.type == "TEXT" and not status.not_null
    assert status.default is not None and status.default.text == "'draft'"
    (check,) = status.checks
    assert check.in_list is not None
    assert [sqltext.literal(v.text)[1] for v in check.in_list.values] == [
        "draft", "ready", "in_progress", "paused", "completed", "archived"
    ]  # fmt: skip
    logs = tables["iteration_logs"]
    session = logs.column("session_id")
    assert session is not None and session.not_null and session.references is not None
    assert (session.references.table, session.references.target_columns) == (
        "agent_sessions",
        ("id",),
    )
    assert (session.references.on_delete, session.references.on_update) == (
        "CASCADE",
        "NO ACTION",
    )
    assert logs.primary_key == ("id",)
    assert logs.unique_keys == (("session_id", "iteration_number"),)
    display = tables["tasks"].column("display_id")
    assert display is not None and display.unique


def all_drops(schema: schema_text.Schema) -> Iterator[Span]:
    """Every drop span the model offers."""
    for table in schema.tables:
        constraints = [c for col in table.columns for c in col.constraints]
        for constraint in (*constraints, *table.constraints):
            yield constraint.drop
            if isinstance(constraint, Check):
                yield from (v.drop for in_list in constraint.in_lists for v in in_list.values)
    for trigger in schema.triggers:
        for condition in (trigger.when, *trigger.conditions):
            if condition is None:
                continue
            if condition.drop is not None:
                yield condition.drop
            pending = list(condition.branches)
            while pending:
                branch = pending.pop()
                yield branch.drop
                pending.extend(branch.branches)


@pytest.mark.parametrize("path", [None, SCHEMA, DEPLOYMENTS], ids=["rich", "shipped", "second"])
def test_every_drop_leaves_sql_that_sqlite_accepts(path: object) -> None:
    text = RICH if path is None else path.read_text("utf-8")  # type: ignore[attr-defined]
    drops = list(all_drops(parse(text)))
    assert len(drops) > 20
    for span in drops:
        connection = sqlite3.connect(":memory:")
        connection.execute("CREATE TABLE x (begin)")
        mutated = text[: span.start] + text[span.end :]
        for statement in sqltext.split(mutated):
            try:
                connection.execute(statement.sql)
            except sqlite3.Error as exc:
                # A WITHOUT ROWID table needs its PRIMARY KEY: that drop cannot apply.
                assert "PRIMARY KEY missing" in str(exc), (text[span.start : span.end], exc)


def test_nesting_deeper_than_the_branch_limit_is_cut_not_a_recursion_error() -> None:
    depth = 5000
    text = (
        "CREATE TRIGGER g AFTER INSERT ON t WHEN "
        + "(NEW.a = 1 OR " * depth
        + "1"
        + ")" * depth
        + " BEGIN SELECT 1; END;"
    )
    (trigger,) = parse(text).triggers
    assert trigger.when is not None
    level, depth_seen = trigger.when.branches, 0
    while level:
        depth_seen += 1
        level = level[-1].branches
    assert depth_seen == schema_text.MAX_BRANCH_DEPTH // 2


def test_every_prefix_of_the_rich_schema_parses() -> None:
    for cut in range(len(RICH)):
        assert parse(RICH[:cut]).text == RICH[:cut]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "CREATE", "TABLE", "TRIGGER", "INDEX", "UNIQUE", "VIEW", "TEMP", "t", "(", ")",
                ",", ";", "PRIMARY", "KEY", "NOT", "NULL", "CHECK", "IN", "DEFAULT", "-", "1",
                "'s'", "x", "REFERENCES", "ON", "DELETE", "SET", "CASCADE", "CONSTRAINT",
                "FOREIGN", "WHEN", "AND", "OR", "BETWEEN", "CASE", "END", "BEGIN", "WHERE",
                "THEN", "AS", "GENERATED", "COLLATE", "DEFERRABLE", "MATCH", "\"q\"", ".",
            ]
        ),
        max_size=40,
    ).map(" ".join)
)  # fmt: skip
def test_any_token_soup_parses(text: str) -> None:
    parse(text)


def test_unquote() -> None:
    assert [schema_text.unquote(t) for t in ['"a""b"', "`a``b`", "[a b]", "'a''b'", "ab"]] == [
        'a"b',
        "a`b",
        "a b",
        "a'b",
        "ab",
    ]

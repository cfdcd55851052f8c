"""validator.mutants: each operator makes exactly the edit it claims, located
in the original text; the shipped schemas give dozens of mutants with unique,
stable ids, each at its edited token, each applying to SQLite.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter

import pytest
from conftest import ROOT, SCHEMA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator import mutants, sqltext
from validator.errors import UsageError
from validator.mutants import OPERATORS, Mutant, generate

DEPLOYMENTS = ROOT / "tests" / "domains" / "deployments" / "schema.sql"

SMALL = """\
CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
CREATE TABLE c (
    id TEXT PRIMARY KEY,
    p_id INTEGER REFERENCES p(id) ON DELETE CASCADE,
    kind TEXT DEFAULT 'a' CHECK (kind IN ('a', 'b')),
    n INTEGER DEFAULT 7,
    FOREIGN KEY (n) REFERENCES p,
    UNIQUE (p_id, n)
);
CREATE UNIQUE INDEX c_n ON c (n) WHERE n > 0;
CREATE INDEX c_kind_n ON c (kind, n);
CREATE TRIGGER c_kind BEFORE UPDATE OF kind ON c
WHEN OLD.kind = 'b' AND NEW.kind = 'a'
BEGIN SELECT RAISE(ABORT, 'no'); END;
"""

TRIGGER = """\
CREATE TRIGGER c_kind BEFORE UPDATE OF kind ON c
WHEN OLD.kind = 'b' AND NEW.kind = 'a'
BEGIN SELECT RAISE(ABORT, 'no'); END;
"""

# (id, the original text, what replaces it, line, column of the location)
EDITS = [
    ("drop-foreign-key:c.p_id", " REFERENCES p(id) ON DELETE CASCADE", "", 4, 18),
    ("drop-foreign-key:c.n", ",\n    FOREIGN KEY (n) REFERENCES p", "", 7, 5),
    ("change-on-delete:c.p_id:set_null", "ON DELETE CASCADE", "ON DELETE SET NULL", 4, 45),
    ("change-on-delete:c.p_id:no_action", "ON DELETE CASCADE", "ON DELETE NO ACTION", 4, 45),
    ("change-on-delete:c.n:cascade", "REFERENCES p,", "REFERENCES p ON DELETE CASCADE,", 7, 5),
    (
        "change-on-update:c.p_id:restrict",
        "REFERENCES p(id) ON",
        "REFERENCES p(id) ON UPDATE RESTRICT ON",
        4,
        18,
    ),
    ("drop-primary-key:p.id", "id INTEGER PRIMARY KEY,", "id INTEGER,", 1, 28),
    ("drop-primary-key:c.id", "id TEXT PRIMARY KEY,", "id TEXT,", 3, 13),
    ("drop-unique:p.code", "NOT NULL UNIQUE)", "NOT NULL)", 1, 60),
    ("drop-unique:c(p_id,n)", ",\n    UNIQUE (p_id, n)", "", 8, 5),
    ("drop-not-null:p.code", "code TEXT NOT NULL", "code TEXT", 1, 51),
    ("drop-check:c.kind", " CHECK (kind IN ('a', 'b'))", "", 5, 27),
    ("drop-check-value:c.kind:'a'", "IN ('a', 'b')", "IN ('b')", 5, 43),
    ("drop-check-value:c.kind:'b'", "IN ('a', 'b')", "IN ('a')", 5, 48),
    ("change-default:c.kind", "DEFAULT 'a'", "DEFAULT 'b'", 5, 23),  # the CHECK's other value
    ("change-default:c.n", "DEFAULT 7", "DEFAULT 8", 6, 23),
    ("drop-default:c.kind", " DEFAULT 'a'", "", 5, 15),
    ("drop-default:c.n", " DEFAULT 7", "", 6, 15),
    ("drop-index:c_n", "CREATE UNIQUE INDEX c_n ON c (n) WHERE n > 0;", "", 10, 1),
    ("drop-index:c_kind_n", "CREATE INDEX c_kind_n ON c (kind, n);", "", 11, 1),
    ("drop-trigger:c_kind", TRIGGER.rstrip("\n"), "", 12, 1),
    ("drop-trigger-when:c_kind", "\nWHEN OLD.kind = 'b' AND NEW.kind = 'a'", "", 13, 1),
    ("drop-trigger-branch:c_kind:when:1", "OLD.kind = 'b' AND ", "", 13, 6),
    ("drop-trigger-branch:c_kind:when:2", " AND NEW.kind = 'a'", "", 13, 25),
]


@pytest.fixture(scope="module")
def small() -> dict[str, Mutant]:
    return {m.id: m for m in generate(SMALL, "small.sql")}


@pytest.mark.parametrize(("mutant_id", "before", "after", "line", "column"), EDITS)
def test_each_operator_makes_the_edit_it_claims(
    small: dict[str, Mutant], mutant_id: str, before: str, after: str, line: int, column: int
) -> None:
    assert SMALL.count(before) == 1
    mutant = small[mutant_id]
    assert mutant.text == SMALL.replace(before, after)
    assert (mutant.location.file, mutant.location.line, mutant.location.column) == (
        "small.sql",
        line,
        column,
    )
    assert mutant.operator == mutant_id.split(":")[0]


def test_every_operator_is_exercised_by_the_small_schema(small: dict[str, Mutant]) -> None:
    assert {m.operator for m in small.values()} == set(OPERATORS)
    assert {edit[0].split(":")[0] for edit in EDITS} == set(OPERATORS)


def test_the_small_schema_gives_exactly_these_mutants(small: dict[str, Mutant]) -> None:
    by_operator = Counter(m.operator for m in small.values())
    assert by_operator == {
        "drop-foreign-key": 2,
        "change-on-delete": 8,  # 4 from CASCADE, 4 added where none is written
        "change-on-update": 8,  # 4 added to each foreign key
        "drop-primary-key": 2,
        "drop-unique": 2,
        "drop-not-null": 1,
        "drop-check": 1,
        "drop-check-value": 2,
        "change-default": 2,
        "drop-default": 2,
        "drop-index": 2,
        "drop-trigger": 1,
        "drop-trigger-when": 1,
        "drop-trigger-branch": 2,
    }


def test_the_readme_catalogue_lists_every_operator_in_order() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    catalogue = readme.split("### The mutation catalogue", 1)[1].split("\n\n**", 1)[0]
    rows = re.findall(r"^\| `([a-z-]+)` \|", catalogue, re.MULTILINE)
    assert rows == list(OPERATORS)


def test_diff_and_subject(small: dict[str, Mutant]) -> None:
    mutant = small["drop-unique:p.code"]
    assert mutant.diff == (
        "- CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);\n"
        "+ CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT NOT NULL);"
    )
    assert str(mutant.subject) == "p.code UNIQUE"
    assert str(small["drop-unique:c(p_id,n)"].subject) == "c(p_id, n) UNIQUE"
    assert str(small["drop-foreign-key:c.p_id"].subject) == "c.p_id REFERENCES p(id)"
    assert str(small["change-on-delete:c.n:cascade"].subject) == "c.n REFERENCES p ON DELETE"
    assert str(small["drop-index:c_n"].subject) == "unique index c_n on c"
    assert str(small["drop-trigger-branch:c_kind:when:1"].subject) == "trigger c_kind on c"
    assert small["drop-check-value:c.kind:'a'"].detail == "'a'"
    assert small["drop-trigger-when:c_kind"].diff == (
        "- CREATE TRIGGER c_kind BEFORE UPDATE OF kind ON c WHEN OLD.kind = 'b' AND NEW.kind = 'a'"
        "\n+ CREATE TRIGGER c_kind BEFORE UPDATE OF kind ON c"
    )


def test_the_mutated_text_is_built_on_demand_from_the_shared_original(
    small: dict[str, Mutant],
) -> None:
    assert all(m.source is SMALL for m in small.values())  # one text, not one per mutant
    assert "source" not in repr(next(iter(small.values())))


@pytest.mark.parametrize(
    ("column", "written", "changed"),
    [
        ("TEXT", "'x'", "'x_mutant'"),
        ("TEXT", "'it''s'", "'it''s_mutant'"),
        ("INTEGER", "-1", "0"),
        ("REAL", "1.5", "2.5"),
        ("REAL", "- 2.5e1", "-24.0"),
        ("INTEGER", "0x1F", "32"),
        ("TEXT", "NULL", "''"),
        ("INTEGER", "NULL", "0"),
        ("", "NULL", "0"),
        ("INTEGER", "TRUE", "FALSE"),
        ("INTEGER", "false", "TRUE"),
        ("TEXT", "(datetime('now'))", "NULL"),
        ("TEXT", "CURRENT_TIMESTAMP", "NULL"),
        ("BLOB", "x'00'", "NULL"),
    ],
)
def test_change_default_values(column: str, written: str, changed: str) -> None:
    text = f"CREATE TABLE t (a {column} DEFAULT {written});"
    (mutant,) = generate(text, "t.sql", ["change-default"])
    assert mutant.text == f"CREATE TABLE t (a {column} DEFAULT {changed});"


def test_change_default_prefers_another_value_the_check_allows() -> None:
    text = "CREATE TABLE t (a INTEGER DEFAULT NULL CHECK (a IN (NULL, 3, 5)));"
    (mutant,) = generate(text, "t.sql", ["change-default"])
    assert "DEFAULT 3 CHECK" in mutant.text


def test_repeated_subjects_get_numbered_ids() -> None:
    text = "CREATE TABLE t (a CHECK (a > 0) CHECK (a < 9), CHECK (a <> 5), CHECK (a <> 6));"
    ids = [m.id for m in generate(text, "t.sql", ["drop-check"])]
    assert ids == ["drop-check:t.a", "drop-check:t.a#2", "drop-check:t", "drop-check:t#2"]


def test_ids_do_not_depend_on_positions_or_the_file_name() -> None:
    text = SCHEMA.read_text("utf-8")
    first = generate(text, "schema.sql")
    moved = generate("-- a new first line\n\n" + text, "migrations/next.sql")
    assert [m.id for m in moved] == [m.id for m in first]
    assert [m.location.line for m in moved] == [m.location.line + 2 for m in first]
    assert [m.id for m in generate(text, "schema.sql")] == [m.id for m in first]


def test_operators_select_and_unknown_operators_are_refused() -> None:
    only = generate(SMALL, "small.sql", ["drop-index", "drop-trigger"])
    assert [m.id for m in only] == ["drop-index:c_n", "drop-index:c_kind_n", "drop-trigger:c_kind"]
    with pytest.raises(UsageError) as caught:
        generate(SMALL, "small.sql", ["drop-index", "drop-tabel"])
    assert str(caught.value).startswith("operators: unknown mutation operator drop-tabel;")
    assert "expected one of: drop-foreign-key, change-on-delete" in str(caught.value)


def test_a_long_line_is_cut_around_the_edit() -> None:
    columns = ", ".join(f"c{i} TEXT" for i in range(200))
    text = f"CREATE TABLE t ({columns}, z TEXT NOT NULL, {columns.replace('c', 'd')});"
    (mutant,) = generate(text, "t.sql", ["drop-not-null"])
    assert mutant.before.startswith("…") and mutant.before.endswith("…")
    assert "z TEXT NOT NULL, d0" in mutant.before and "z TEXT, d0" in mutant.after
    assert len(mutant.before) < 2 * mutants.CONTEXT + 20


HEADS = [
    "",
    "CREATE TABLE t (a TEXT ",
    "CREATE TABLE t (a, b, c, ",
    "CREATE TRIGGER g BEFORE UPDATE ON t WHEN a = 1 ",
    "CREATE TRIGGER g AFTER INSERT ON t BEGIN UPDATE t SET a = 1 WHERE a ",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "CREATE", "TABLE", "TRIGGER", "INDEX", "UNIQUE", "t", "(", ")", ",", ";",
                "PRIMARY", "KEY", "NOT", "NULL", "CHECK", "a", "IN", "DEFAULT", "-", "1", "'s'",
                "REFERENCES", "ON", "DELETE", "UPDATE", "SET", "CASCADE", "CONSTRAINT", "FOREIGN",
                "WHEN", "AND", "OR", "BEGIN", "END", "WHERE", "CASE", "THEN", "\n", "x'0'",
            ]
        ),
        max_size=40,
    ).map(" ".join),
    st.sampled_from(HEADS),
)  # fmt: skip
def test_any_token_soup_gives_mutants_located_in_the_text(soup: str, head: str) -> None:
    text = head + soup
    for mutant in generate(text, "soup.sql"):
        assert 0 <= mutant.edit.start <= mutant.edit.end <= len(text)
        assert 1 <= mutant.location.line <= text.count("\n") + 1
        assert offset_of(text, mutant.location.line, mutant.location.column) <= len(text)


def test_a_primary_key_drop_of_a_without_rowid_table_does_not_apply() -> None:
    """The one edit that inherently breaks a schema: the caller reports it."""
    text = "CREATE TABLE t (a TEXT PRIMARY KEY, b) WITHOUT ROWID;"
    (mutant,) = generate(text, "t.sql", ["drop-primary-key"])
    with pytest.raises(sqlite3.OperationalError, match="PRIMARY KEY missing on table t"):
        apply(mutant.text)


# -- the shipped schemas ------------------------------------------------------


def apply(text: str) -> None:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    try:
        for statement in sqltext.split(text):
            connection.execute(statement.sql)
    finally:
        connection.close()


def offset_of(text: str, line: int, column: int) -> int:
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    return starts[line - 1] + column - 1


# What the edited token at a mutant's location starts with, per operator.
STARTS = {
    "drop-foreign-key": ("REFERENCES", "FOREIGN", "CONSTRAINT"),
    "change-on-delete": ("REFERENCES", "FOREIGN", "CONSTRAINT"),
    "change-on-update": ("REFERENCES", "FOREIGN", "CONSTRAINT"),
    "drop-primary-key": ("PRIMARY", "CONSTRAINT"),
    "drop-unique": ("UNIQUE", "CONSTRAINT"),
    "drop-not-null": ("NOT NULL", "CONSTRAINT"),
    "drop-check": ("CHECK", "CONSTRAINT"),
    "drop-default": ("DEFAULT", "CONSTRAINT"),
    "drop-index": ("CREATE",),
    "drop-trigger": ("CREATE",),
    "drop-trigger-when": ("WHEN",),
}
ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")


def check_location(text: str, mutant: Mutant) -> None:
    """The location is the edited token: what the operator removes or
    replaces starts there (or, for an added ON clause, the clause it extends)."""
    offset = offset_of(text, mutant.location.line, mutant.location.column)
    here = text[offset:]
    edit = mutant.edit
    if mutant.operator in ("change-on-delete", "change-on-update") and edit.start == edit.end:
        assert here.upper().startswith(STARTS[mutant.operator]), mutant.id
        assert offset < edit.start and text[offset : edit.start].upper().count("REFERENCES") == 1
        return
    assert edit.start <= offset < edit.end, mutant.id
    if mutant.operator in ("change-on-delete", "change-on-update"):
        assert here.upper().startswith(ACTIONS) and offset == edit.start
    elif mutant.operator == "drop-check-value":
        assert here.startswith(mutant.detail)
    elif mutant.operator == "change-default":
        assert offset == edit.start and text[edit.start : edit.end] == here[: edit.end - offset]
        assert re.search(r"DEFAULT\s*$", text[:offset], re.IGNORECASE)
    elif mutant.operator == "drop-trigger-branch":
        # The branch starts there, after the spacing and operator removed with it.
        joint = re.match(r"\s*(?:(?:AND|OR)\s+)?", text[edit.start : edit.end], re.IGNORECASE)
        assert joint is not None and offset == edit.start + joint.end(), mutant.id
        assert not here[0].isspace()
    else:
        assert here.upper().startswith(STARTS[mutant.operator]), mutant.id


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            SCHEMA,
            {
                "drop-foreign-key": 6,  # six REFERENCES clauses
                "change-on-delete": 24,  # 4 other actions each: 3 written, 3 absent
                "change-on-update": 24,  # none written: 4 added to each
                "drop-primary-key": 5,
                "drop-unique": 2,  # tasks.display_id, iteration_logs (session, number)
                "drop-not-null": 8,
                "drop-check": 9,
                "drop-check-value": 61,  # the values of nine IN lists
                "change-default": 25,
                "drop-default": 25,
                "drop-trigger": 1,
                "drop-trigger-when": 1,
                "drop-trigger-branch": 8,  # 2 top level, 2 in NOT (...), 2 + 2 within those
            },
        ),
        (
            DEPLOYMENTS,
            {
                "drop-foreign-key": 3,
                "change-on-delete": 12,
                "change-on-update": 12,
                "drop-primary-key": 4,
                "drop-unique": 4,
                "drop-not-null": 17,
                "drop-check": 6,
                "drop-check-value": 14,
                "change-default": 7,
                "drop-default": 7,
                "drop-trigger": 3,
                "drop-trigger-when": 3,
                "drop-trigger-branch": 15,  # 2 + 3 in NOT (...) + 2 in each; 2; 2
            },
        ),
    ],
    ids=["shipped", "second-domain"],
)
def test_the_shipped_schemas_give_dozens_of_located_mutants_that_apply(
    path: object, expected: dict[str, int]
) -> None:
    text = path.read_text("utf-8")  # type: ignore[attr-defined]
    apply(text)
    found = generate(text, "schema.sql")
    assert Counter(m.operator for m in found) == expected
    assert len({m.id for m in found}) == len(found)
    for mutant in found:
        check_location(text, mutant)
        assert mutant.edit.apply(text) == mutant.text != text
        apply(mutant.text)  # none of these needs the one documented exception

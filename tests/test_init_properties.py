"""``validator init`` on generated schemas: whatever the names, types, defaults, keys,
value lists and guard triggers, the spec it writes loads, reads the same in YAML 1.1,
and passes on the schema it was made from."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator import load_spec, run
from validator.initspec import Request, generate
from validator.loader import load_text

EXAMPLES = int(os.environ.get("INIT_EXAMPLES", "25"))

NAMES = [
    "a", "b", "status", "state", "order", "group", "key", "two words", 'quo"te', "café",
    "Select", "x.y", "n", "on", "0755", "created_at", "done_at", "${x}", "it's", "id",
]  # fmt: skip
VALUES = [
    "pending", "running", "done", "failed", "on", "off", "0755", "12:30", "it's", "${v}",
    "a: b", "#c", "null", "", " ", "Draft", "yes", "é",
]  # fmt: skip
TYPES = ["TEXT", "INTEGER", "REAL", "BLOB", "NUMERIC", "", "VARCHAR(20)", "BOOLEAN"]
ACTIONS = ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"]
STRICT = frozenset(("TEXT", "INTEGER", "REAL", "BLOB"))


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    unique: bool
    values: tuple[str, ...]


@st.composite
def columns(draw: st.DrawFn, taken: set[str]) -> Column:
    name = draw(st.sampled_from([n for n in NAMES if n.casefold() not in taken] or ["zz"]))
    taken.add(name.casefold())
    values: tuple[str, ...] = ()
    kind = draw(st.sampled_from(TYPES))
    if draw(st.booleans()):
        values = tuple(draw(st.lists(st.sampled_from(VALUES), min_size=2, max_size=5, unique=True)))
        kind = "TEXT"
    default = None
    choice = draw(st.integers(0, 4))
    if values and choice < 3:
        default = string(draw(st.sampled_from(values)))
    elif choice == 1:
        default = draw(st.sampled_from(["0", "-1", "1.5", "'x'", "NULL", "TRUE", "''"]))
    elif choice == 2:
        default = draw(st.sampled_from(["(datetime('now'))", "CURRENT_TIMESTAMP", "(1 + 1)"]))
    return Column(name, kind, draw(st.booleans()), default, draw(st.booleans()), values)


@st.composite
def schemas(draw: st.DrawFn) -> str:
    statements = []
    tables: list[tuple[str, str | None]] = []  # (name, primary key column)
    for index in range(draw(st.integers(1, 3))):
        table = f"t{index} {draw(st.sampled_from(['items', 'order', 'x']))}"
        taken = {"id"}
        body = []
        key_kind = draw(st.sampled_from(["TEXT", "INTEGER", "composite", "none"]))
        key: str | None = None
        if key_kind in ("TEXT", "INTEGER"):
            body.append(f"id {key_kind} PRIMARY KEY")
            key = "id"
        cols = draw(st.lists(columns(taken), min_size=1, max_size=4))
        for column in cols:
            parts = [ident(column.name), column.type]
            if column.not_null:
                parts.append("NOT NULL")
            if column.default is not None:
                parts.append(f"DEFAULT {column.default}")
            if column.unique:
                parts.append("UNIQUE")
            if column.values:
                listed = ", ".join(string(v) for v in column.values)
                parts.append(f"CHECK ({ident(column.name)} IN ({listed}))")
            body.append(" ".join(p for p in parts if p))
        if tables and draw(st.booleans()):
            parent, parent_key = draw(st.sampled_from(tables))
            if parent_key is not None:
                action = draw(st.sampled_from(ACTIONS))
                null = "NOT NULL " if draw(st.booleans()) else ""
                body.append(
                    f"parent_id TEXT {null}REFERENCES {ident(parent)}({parent_key}) "
                    f"ON DELETE {action}"
                )
        if draw(st.booleans()):
            null = "NOT NULL " if draw(st.booleans()) else ""
            target = key or "rowid"
            if key is not None and draw(st.booleans()):
                body.append(f"self_id {key_kind} {null}REFERENCES {ident(table)}({target})")
        if draw(st.integers(0, 3)) == 0:
            body.append(f"shout TEXT GENERATED ALWAYS AS (upper({ident(cols[0].name)})) VIRTUAL")
        if key_kind == "composite":
            body.append(f"PRIMARY KEY ({ident(cols[0].name)}, {ident(cols[-1].name)})")
            if len(cols) == 1:
                body[-1] = f"PRIMARY KEY ({ident(cols[0].name)})"
        options = []
        if key_kind != "none" and draw(st.booleans()):
            options.append("WITHOUT ROWID")
        if all(c.type in STRICT for c in cols) and draw(st.booleans()):
            options.append("STRICT")
        statements.append(
            f"CREATE TABLE {ident(table)} (\n  "
            + ",\n  ".join(body)
            + ") "
            + ", ".join(options)
            + ";"
        )
        index = draw(st.sampled_from(["", "partial", "expression", "plain"]))
        first = ident(cols[0].name)
        if index == "partial":
            where = f"WHERE {first} IS NOT NULL"
            statements.append(
                f"CREATE UNIQUE INDEX {ident(table + ' p')} ON {ident(table)} ({first}) {where};"
            )
        elif index == "expression":
            statements.append(
                f"CREATE UNIQUE INDEX {ident(table + ' e')} ON {ident(table)} (lower({first}));"
            )
        elif index == "plain":
            statements.append(f"CREATE INDEX {ident(table + ' i')} ON {ident(table)} ({first});")
        if draw(st.integers(0, 4)) == 0:
            statements.append(f"CREATE VIEW {ident(table + ' v')} AS SELECT * FROM {ident(table)};")
        tables.append((table, key))
        statuses = [c for c in cols if c.values and key == "id"]
        if statuses and draw(st.booleans()):
            statements.append(guard(draw, table, statuses[0]))
    return "\n".join(statements) + "\n"


def guard(draw: st.DrawFn, table: str, column: Column) -> str:
    pairs = [(a, b) for a in column.values for b in column.values if a != b]
    allowed = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    col = ident(column.name)
    terms = (
        " OR ".join(f"(OLD.{col} = {string(a)} AND NEW.{col} = {string(b)})" for a, b in allowed)
        or "0"
    )
    return (
        f"CREATE TRIGGER {ident(table + ' guard')} BEFORE UPDATE OF {col} ON {ident(table)}\n"
        f"WHEN OLD.{col} IS NOT NEW.{col} AND NOT ({terms})\n"
        "BEGIN SELECT RAISE(ABORT, 'refused'); END;"
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(schemas())
def test_init_passes_on_any_schema_it_reads(schema: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "schema.sql"
        path.write_text(schema, "utf-8")
        spec = root / "spec.yaml"
        try:
            result = generate(Request(schema=path, output=spec))
        except Exception as exc:
            if "SchemaError" in type(exc).__name__:
                return  # a generated schema SQLite refuses: nothing to read
            raise
        assert result.failing == (), [c.message for c in result.failing]
        text = result.text
        assert load_text(text, "spec.yaml").data == yaml.safe_load(text)
        spec.write_text(text, "utf-8")
        report = run(load_spec(spec))
        failing = [f"{c.id}: {c.message}" for c in report.checks if c.outcome != "pass"]
        assert failing == [], schema

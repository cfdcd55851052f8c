"""Fuzz target for the spec loader: whatever a spec file holds, loading it must
give a spec or a located ``SpecError``, and the CLI must exit 0, 1 or 2.

Run from the repository root, with the package installed (``pip install -e '.[test]'``)::

    python fuzz/fuzz_spec_loader.py --seconds 600            # Hypothesis-driven (default)
    python fuzz/fuzz_spec_loader.py --examples 100000 --seed 1 --target spec --target cli
    python fuzz/fuzz_spec_loader.py --atheris --seconds 600  # raw bytes, coverage-guided

Without ``--examples`` or ``--seconds`` it runs 10,000 inputs. By default
Hypothesis generates five kinds of input (``--target`` picks some):

``text``
    YAML-like text: arbitrary characters (control characters and lone
    surrogates included) spliced with YAML syntax (indicators, anchors, tags,
    directives, quotes, indentation), and dumped specs with splices;
    ``loader.load_text`` must return a document or raise a located ``SpecError``.
``bytes``
    The same text in several encodings, cut short, or any bytes, in a file;
    ``load_spec`` must return a spec or raise a located ``ValidatorError``.
``json``
    JSON-like documents (mappings, lists, numbers including NaN and infinities,
    strings), dumped with ``yaml.safe_dump`` and loaded with ``load_spec``.
``spec``
    Spec-shaped documents: a valid spec for a small schema, with sections
    dropped or regenerated (random state machines and criteria) and then
    mutated (wrong types, unknown keys, dangling references, weird names, odd
    SQL), so that the format check, the model and the cross-reference checks
    are reached, not only the YAML parser.
``cli``
    Spec-shaped documents run through ``validator.cli.main`` with a random
    report format and options: the exit status must be 0, 1 or 2, nothing may
    print a traceback; status 2 prints nothing on standard output, 0 and 1
    nothing on standard error.

Every problem of a ``SpecError`` must be at a real place in the file (line and
column >= 1, the line at most one past the last). Any other exception is a
crash: it is raised after Hypothesis has shrunk the input (printed as
``Falsifying example``, exit status 1) and the input is kept in Hypothesis'
example database (``.hypothesis/fuzz_spec_loader`` in the working directory),
which the next run replays first. At the end the outcomes are counted (which
layer refused how many specs, which exit statuses the CLI gave).

With ``--atheris`` (``pip install atheris``) libFuzzer drives the loader with
raw bytes instead: each input is decoded and given to ``load_text``, and
written to a file for ``load_spec``; the corpus is kept in
``.hypothesis/fuzz_spec_loader_corpus_raw`` (seeded with the shipped spec and
the test corpora) and a crashing input is written by libFuzzer as
``crash-<sha1>`` in the working directory. ``--structured`` feeds libFuzzer's
bytes to the Hypothesis strategies instead (coverage-guided and
structure-aware). Arguments after ``--`` go to libFuzzer (e.g. ``-- -max_len=4096``).

Engine bugs that are already known (:data:`KNOWN_BUGS`, each pinned by an
``xfail(strict=True)`` test in ``tests/test_properties.py``) are counted, not
raised, so that a run looks for new ones; ``--strict`` raises them too.

``tests/test_properties.py`` imports this file for its strategies and checks
(the property tests and the long runs generate the same inputs) and runs it
for a few dozen inputs as CI's bounded fuzz run.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import copy
import inspect
import io
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

import validator
from validator import SpecError, ValidatorError
from validator import validate as spec_format
from validator.cli import main as cli_main
from validator.errors import Problem
from validator.loader import load_text
from validator.runner import display_path, load_spec

PACKAGE_DIR = Path(validator.__file__).resolve().parent
SPEC_NAME = "spec.yaml"
FORMATS = ("text", "json", "junit", "markdown", "github")

# --- the small world spec-shaped documents live in ---------------------------

SCHEMA_SQL = """\
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    parent_id TEXT REFERENCES items(id) ON DELETE SET NULL,
    done_at TEXT
);
CREATE TABLE tags (
    item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    UNIQUE (item_id, tag)
);
CREATE TRIGGER items_status BEFORE UPDATE OF status ON items
WHEN NOT ((OLD.status = 'draft' AND NEW.status = 'active')
       OR (OLD.status = 'active' AND NEW.status IN ('done', 'draft')))
BEGIN
    SELECT RAISE(ABORT, 'illegal status transition');
END;
"""
"""Applied by every spec-shaped document (``schema: schema.sql``, next to the spec)."""


def base_spec() -> dict[str, Any]:
    """A valid spec for :data:`SCHEMA_SQL` that passes (every section used);
    a fresh copy each call, so that mutating it is safe."""
    return {
        "version": 1,
        "name": "fuzz_items",
        "title": "Items, fuzzed",
        "schema": "schema.sql",
        "tables": {
            "items": {
                "columns": {
                    "id": {"type": "TEXT", "primary_key": True},
                    "name": {"type": "TEXT", "not_null": True},
                    "status": {"type": "TEXT", "not_null": True, "default": "draft"},
                    "parent_id": {"references": "items.id", "on_delete": "set_null"},
                    "done_at": {"type": "TEXT", "default": None},
                }
            },
            "tags": {
                "columns": {
                    "item_id": {"not_null": True, "references": "items.id", "on_delete": "cascade"}
                },
                "unique": [["item_id", "tag"]],
            },
        },
        "operations": {
            "createItem": {
                "params": ["name"],
                "defaults": {"id": "${uuid}"},
                "sql": "INSERT INTO items (id, name) VALUES (:id, :name)",
                "returns": {"one": "SELECT * FROM items WHERE id = :id"},
            },
            "getItem": {
                "params": ["id"],
                "returns": {
                    "one": "SELECT * FROM items WHERE id = :id",
                    "nest": {"tags": {"many": "SELECT tag FROM tags WHERE item_id = :id"}},
                },
            },
            "setStatus": {
                "params": ["id", "status"],
                "sql": [
                    "UPDATE items SET status = :status WHERE id = :id",
                    "UPDATE items SET done_at = CASE WHEN :status = 'done' "
                    "THEN datetime('now') END WHERE id = :id",
                ],
                "returns": {"one": "SELECT * FROM items WHERE id = :id"},
            },
            "addTag": {
                "params": ["item_id"],
                "defaults": {"tag": "red"},
                "sql": "INSERT INTO tags (item_id, tag) VALUES (:item_id, :tag)",
            },
            "listTags": {
                "params": ["item_id"],
                "returns": {"many": "SELECT * FROM tags WHERE item_id = :item_id ORDER BY tag"},
            },
        },
        "fixtures": {
            "item": {"call": "createItem", "with": {"name": "Item ${now_ms}"}},
            "tagged": {"given": ["item"], "call": "addTag", "with": {"item_id": "${item.id}"}},
        },
        "state_machines": {
            "item_status": {
                "table": "items",
                "column": "status",
                "states": ["draft", "active", "done"],
                "initial": "draft",
                "transitions": {"draft": ["active"], "active": ["done", "draft"]},
                "terminal": ["done"],
                "timestamps": {"done_at": "terminal"},
                "create": {"call": "createItem", "with": {"name": "machine"}},
                "move": {"call": "setStatus", "with": {"id": "${row.id}", "status": "${to}"}},
                "reject_others": True,
            }
        },
        "criteria": [
            {
                "id": 1,
                "title": "A new item is a draft",
                "given": ["item"],
                "steps": [{"call": "getItem", "with": {"id": "${item.id}"}, "as": "found"}],
                "expect": {
                    "found": {
                        "type": "object",
                        "required": ["id", "status"],
                        "properties": {
                            "id": {"const": "${item.id}"},
                            "status": {"const": "draft"},
                            "tags": {"maxItems": 0},
                        },
                    }
                },
            },
            {
                "id": "duplicate-tag",
                "title": "A tag is given once",
                "given": ["tagged"],
                "steps": [
                    {"call": "addTag", "with": {"item_id": "${item.id}"}, "raises": "unique"}
                ],
            },
            {
                "id": 2,
                "title": "A tag needs an item",
                "steps": [{"call": "addTag", "with": {"item_id": "nope"}, "raises": "foreign_key"}],
            },
            {
                "id": "tags.listed",
                "title": "Tags are listed",
                "given": ["tagged"],
                "steps": [
                    {
                        "call": "listTags",
                        "with": {"item_id": "${item.id}"},
                        "expect": {"type": "array", "minItems": 1, "items": {"type": "object"}},
                    }
                ],
            },
        ],
    }


# --- building blocks ----------------------------------------------------------

YAML_FRAGMENTS = (
    ": ", ":", "- ", "-", "? ", ",", "{", "}", "[", "]", "{}", "[]", "#", " # c",
    "&a ", "*a", "&a", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!map ",
    "!!seq ", "!!binary ", "!!set ", "!!omap ", "!!python/object:os.system ", "!local ",
    "!<tag:yaml.org,2002:str> ", "!<!> ", "<<: ", "---", "--- ", "...", "%YAML 1.2\n",
    "%YAML 1.1\n", "%TAG ! tag:example.com,2000:\n", "%FOO bar\n", '"', "'", '"\\', "\\",
    '"\\0"', '"\\x07"', '"\\uD800"', '"\\U0010FFFF"', '"\\N"', "|", "|-", "|+", "|2", ">",
    ">-", "\n", "\r\n", "\r", "\t", "  ", "    ", "\n  ", "\n- ", "\n    - ", "~", "null",
    "true", "yes", "on", "0o17", "0x1F", "0b1", "1_000", "1e3", ".inf", "-.inf", ".nan",
    "2024-01-02", "12:30", "=", "@", "`", "%", "version: 1\n", "name: x\n", "version",
    "name", "schema", "tables", "criteria", "operations", "fixtures", "state_machines",
    "\ufeff", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\xa0", "\u2028", "\u2029", "\ufffe",
    "\U0001f600", "\u0301",
)  # fmt: skip
"""Pieces of YAML syntax spliced into generated text."""

WEIRD_STRINGS = (
    "", " ", "\t", "\n", "a b", "-", "${", "${}", "${uuid}", "${uuid.x}", "${now_ms}",
    "${item.id}", "${item}", "${row.id}", "${to}", "${found.tags.0.tag}", "${nope.x}",
    "$${x}", "${a..b}", "${ item . id }", "${1x}", "x ${item.id} y", "\x00", "\ud800",
    "\udfff", "\u2028", "\ufeff", "\x1b[31m", "é", "\U0001f600", "'", '"', "\\", "%", ":",
    "#", "*", "&", "!", "?", "|", ">", "0", "1", "-1", "1.5", "1e400", ".inf", ".nan",
    "null", "true", "yes", "on", "0o17", "0x1F", "2024-01-02", "12:30", "a" * 200, "items",
    "items.id", "items.", ".id", "a.b.c", "tags.item_id", "status", "done_at", "draft",
    "active", "done", "createItem", "setStatus", "item", "tagged", "schema.sql",
    "missing.sql", ".", "..", SPEC_NAME, "unique", "foreign_key", "terminal", "^[",
    "(?P<", "#", "#/", "#/properties", "#/nope", "http://example.invalid/x", "<b>&amp;</b>",
    "]]>", "::error::", "%0A", "`code`", "| pipe |",
)  # fmt: skip
"""Strings that tend to break something: references, escapes, names, paths."""

NAMES = (
    "createItem", "getItem", "setStatus", "addTag", "listTags", "item", "tagged", "found",
    "ghost", "x", "_", "a1", "1a", "a-b", "", "uuid", "now_ms", "now", "row", "to",
    "result", "items", "tags", "status", "é", "a b", "A" * 80,
)  # fmt: skip
"""Names of operations, fixtures, bindings, tables and columns, defined or not."""

WEIRD_SQL = (
    "SELECT 1", "SELECT 1 AS x", "SELECT ?", "SELECT ?1", "SELECT :nope", "SELECT @id, $id",
    "SELECT 1; SELECT 2", ";", ";;", " ", "-- only a comment", "/* open comment",
    "SELECT 'unterminated", 'SELECT "x', "SELECT [x", "COMMIT", "ROLLBACK", "BEGIN", "END",
    "SAVEPOINT x", "RELEASE x", "RELEASE validator_check", "RELEASE validator_call",
    "ROLLBACK TO validator_check", "PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys",
    "PRAGMA recursive_triggers = 1", "DROP TABLE items", "DELETE FROM items",
    "DELETE FROM items WHERE id = :id", "CREATE TABLE t (x)", "ATTACH ':memory:' AS aux",
    "DETACH aux", "SELECT RAISE(ABORT, 'x')", "SELECT RAISE(ROLLBACK, 'x')",
    "INSERT INTO items (id, name) VALUES (:id, :name) RETURNING *",
    "INSERT INTO items (id, name) VALUES ('fixed', 'n') ON CONFLICT DO NOTHING",
    "INSERT OR ROLLBACK INTO items (id, name) VALUES (:id, NULL)",
    "UPDATE items SET status = 'zzz'", "UPDATE items SET status = :status WHERE id = :id",
    "SELECT * FROM items", "SELECT * FROM items WHERE id = :id", "SELECT * FROM nope",
    "SELECT x'00ff' AS b", "SELECT zeroblob(4) AS b", "SELECT 1e999 AS inf",
    "SELECT -1e999 AS ninf", "SELECT 9223372036854775807 + 1 AS big", "SELECT char(0) AS nul",
    "SELECT char(55296) AS sur", "SELECT json('[1,{\"a\":null}]') AS j", "SELECT 1 AS a, 2 AS a",
    "SELECT :id AS id UNION ALL SELECT :id", "VALUES (1), (2)", "SELECT 1\x00", "SELECT '\ud800'",
    "CREATE TRIGGER t AFTER INSERT ON items BEGIN SELECT RAISE(ROLLBACK, 'no'); END",
    "CREATE TRIGGER t2 AFTER INSERT ON items BEGIN SELECT 1;",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5) SELECT * FROM c",
    "EXPLAIN SELECT 1", "ANALYZE", "REINDEX", "SELECT sqlite_version()",
)  # fmt: skip
"""SQL for operations: fine, refused before the run, failing at run time, or
trying to get out of the check's savepoint. Nothing unbounded, nothing that
writes outside the in-memory database."""

EXPECTATIONS: tuple[Any, ...] = (
    True, False, {}, {"type": "object"}, {"type": "array"}, {"type": "null"},
    {"const": "${item.id}"}, {"const": "${nope}"}, {"type": 5}, {"type": "nonsense"},
    {"pattern": "["}, {"pattern": "${item.id}"}, {"$ref": "#/$defs/x", "$defs": {"x": {}}},
    {"$ref": "#/nope"}, {"$ref": "http://example.invalid/s.json"}, {"$ref": "#"},
    {"required": ["id", "nope"]}, {"properties": {"status": {"enum": ["draft", "done"]}}},
    {"minItems": 1, "items": {"required": ["tag"]}}, {"not": {}}, {"anyOf": []},
    {"format": "date-time"}, {"maximum": "${now_ms}"}, {"minimum": 1e308},
    {"multipleOf": 0}, {"multipleOf": 1e-300}, {"dependentRequired": {"a": ["b"]}},
    {"unevaluatedProperties": False}, {"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
    {"contains": {"const": 1}, "minContains": 0},
)  # fmt: skip
"""Expectation fragments, valid or not."""

ERROR_KINDS = (
    "foreign_key", "unique", "primary_key", "check", "not_null", "trigger", "constraint",
    "syntax", "",
)  # fmt: skip

SPEC_KEYS = (
    "version", "name", "title", "description", "schema", "tables", "operations", "fixtures",
    "state_machines", "criteria", "columns", "primary_key", "unique", "type", "not_null",
    "default", "references", "on_delete", "on_update", "params", "defaults", "sql", "returns",
    "one", "many", "nest", "call", "with", "given", "table", "column", "key", "states",
    "initial", "transitions", "terminal", "timestamps", "create", "move", "reject_others",
    "id", "steps", "as", "raises", "expect", "expr",
)  # fmt: skip
"""Every key the spec format knows, for documents and mutations."""


def rarely(draw: st.DrawFn, odds: int) -> bool:
    """True about once in ``odds`` draws. Every choice in this module shrinks to
    "leave it as it is", so a failing input shrinks towards the valid spec."""
    return bool(draw(st.integers(0, odds - 1)) == odds - 1)


def constants(values: Sequence[Any]) -> st.SearchStrategy[Any]:
    """One of ``values``, copied: mutations must never change the module's constants
    (Hypothesis replays draws and needs them to give the same data)."""
    return st.sampled_from(values).map(copy.deepcopy)


def scalars() -> st.SearchStrategy[Any]:
    """JSON scalars, NaN and the infinities included, and troublesome strings."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
        st.sampled_from(WEIRD_STRINGS),
    )


def keys() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(SPEC_KEYS), st.sampled_from(NAMES), st.text(max_size=8))


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """JSON-like data: mappings with text keys, lists, numbers, booleans, null, text."""
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(keys(), inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def json_documents() -> st.SearchStrategy[Any]:
    """Whole documents: mostly top-level mappings whose keys are the spec's, some anything."""
    mapping = st.dictionaries(keys(), json_values(), max_size=8)
    with_version = st.builds(
        lambda rest, version: {"version": version, "name": "doc", **rest},
        mapping,
        st.sampled_from([1, 1.0, "1", 2, True, None]),
    )
    return st.one_of(mapping, with_version, json_values())


def yaml_texts(max_pieces: int = 40) -> st.SearchStrategy[str]:
    """YAML-like text: any characters mixed with pieces of YAML syntax."""
    piece = st.one_of(
        st.sampled_from(YAML_FRAGMENTS),
        st.sampled_from(YAML_FRAGMENTS),
        st.text(max_size=6),
        st.characters(),
        st.characters(codec=None, categories=["Cs"]),  # lone surrogates, as a str may hold
        st.sampled_from(SPEC_KEYS).map(lambda key: key + ": "),
        st.integers(4295, 4305).map(lambda digits: "9" * digits),  # int() has a digit limit
    )
    return st.lists(piece, max_size=max_pieces).map("".join)


# --- spec-shaped documents ----------------------------------------------------


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into ``data`` (mapping keys and list indexes), parents first."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


def nasty_values() -> st.SearchStrategy[Any]:
    """Replacement values: wrong types, dangling names, references, SQL, expectations."""
    return st.one_of(
        scalars(),
        st.sampled_from(NAMES),
        st.sampled_from(WEIRD_SQL),
        constants(EXPECTATIONS),
        st.sampled_from(ERROR_KINDS),
        st.lists(st.sampled_from(NAMES), max_size=3),
        json_values(max_leaves=4),
    )


MUTATIONS = ("replace", "replace", "delete", "add_key", "rename", "wrap", "duplicate", "swap")


@st.composite
def mutate(draw: st.DrawFn, document: Any, most: int = 3) -> Any:
    """``document`` with up to ``most`` random mutations, anywhere in it."""
    for _ in range(draw(st.integers(0, most))):
        paths = list(_paths(document))
        if not paths or rarely(draw, 31):
            document = draw(nasty_values())
            continue
        path = draw(st.sampled_from(paths))
        parent = _parent(document, path)
        last = path[-1]
        kind = draw(st.sampled_from(MUTATIONS))
        if kind == "replace":
            parent[last] = draw(nasty_values())
        elif kind == "delete":
            del parent[last]
        elif kind == "add_key" and isinstance(parent, dict):
            parent[draw(keys())] = draw(nasty_values())
        elif kind == "add_key":
            parent.insert(last, draw(nasty_values()))
        elif kind == "rename" and isinstance(parent, dict):
            parent[draw(keys())] = parent.pop(last)
        elif kind == "wrap" and draw(st.booleans()):
            parent[last] = [parent[last]]
        elif kind == "wrap":
            parent[last] = {draw(keys()): parent[last]}
        elif kind == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        elif kind == "swap":
            other = draw(st.sampled_from(paths))
            with contextlib.suppress(KeyError, IndexError, TypeError):
                parent[last] = copy.deepcopy(_parent(document, other)[other[-1]])
    return document


STATES = ("draft", "active", "done", "archived")
"""Machine states; the schema's trigger allows draft -> active -> done|draft only."""


@st.composite
def machines(draw: st.DrawFn) -> dict[str, Any]:
    """A state machine over ``items.status``: usually consistent (every state reachable
    from the initial one, terminal states without moves out) with random transitions,
    which the schema's trigger enforces or not; sometimes broken on purpose (unknown
    states, wrong table or column, unreachable states)."""
    states = draw(st.lists(st.sampled_from(STATES), min_size=1, max_size=4, unique=True))
    moves: dict[str, list[str]] = {}
    for index, state in enumerate(states[1:], start=1):  # a tree: all states reachable
        moves.setdefault(states[draw(st.integers(0, index - 1))], []).append(state)
    for source, target in draw(st.lists(st.tuples(*[st.sampled_from(states)] * 2), max_size=3)):
        if source != target and target not in moves.get(source, []):
            moves.setdefault(source, []).append(target)
    sinks = [state for state in states if state not in moves]
    machine: dict[str, Any] = {
        "table": "items",
        "column": "status",
        "states": states,
        "initial": states[0],
        "transitions": moves,
        "create": {"call": "createItem", "with": {"name": draw(st.sampled_from(WEIRD_STRINGS))}},
        "move": {"call": "setStatus", "with": {"id": "${row.id}", "status": "${to}"}},
        "reject_others": draw(st.booleans()),
    }
    if draw(st.booleans()) and sinks:
        machine["terminal"] = draw(st.lists(st.sampled_from(sinks), min_size=1, unique=True))
    if draw(st.booleans()):
        stamped = st.lists(st.sampled_from(states), unique=True)
        rule = st.just("terminal") if "terminal" in machine else stamped
        machine["timestamps"] = {"done_at": draw(rule)}
    if rarely(draw, 4):
        machine["key"] = draw(st.sampled_from(["id", "name", "rowid", "nope"]))
    if rarely(draw, 4):
        machine["given"] = draw(st.lists(st.sampled_from(["item", "row", "ghost"]), max_size=2))
    if rarely(draw, 3):  # break it
        anything = st.sampled_from([*states, "ghost", "", "DRAFT"])
        part = draw(st.sampled_from(["initial", "transitions", "terminal", "table", "column"]))
        machine[part] = draw(
            {
                "initial": anything,
                "transitions": st.dictionaries(anything, st.lists(anything, max_size=3)),
                "terminal": st.lists(anything, max_size=2),
                "table": st.sampled_from(["tags", "nope", "items.status", ""]),
                "column": st.sampled_from(["name", "nope", "id", ""]),
            }[part]
        )
    return machine


VALID_EXPECTATIONS: tuple[Any, ...] = (
    False, {"type": "object"}, {"type": ["object", "null"]}, {"type": "array"},
    {"const": "${item.id}"}, {"required": ["id"]}, {"maximum": "${now_ms}"},
    {"properties": {"status": {"enum": ["draft", "done"]}}}, {"minItems": 1}, {"not": {}},
    {"$ref": "#/$defs/x", "$defs": {"x": {"type": "object"}}}, {"pattern": "^[0-9]{4}-"},
    {"$defs": {"a": {"properties": {"b": {"$ref": "#/$defs/a"}}}}, "$ref": "#/$defs/a"},
    {"items": {"properties": {"tag": {"pattern": "^r"}}}},
)  # fmt: skip
"""Expectation fragments that pass the checks before the run (and may fail in it)."""

_CALLS: dict[str, tuple[dict[str, Any], ...]] = {
    "createItem": ({"name": "n ${now_ms}"}, {"name": "${item.name}", "id": "fixed"}),
    "getItem": ({"id": "${item.id}"}, {"id": "nope"}, {"id": None}),
    "setStatus": ({"id": "${item.id}", "status": "active"}, {"id": "x", "status": "done"}),
    "addTag": ({"item_id": "${item.id}"}, {"item_id": "nope", "tag": "x"}, {"item_id": 1}),
    "listTags": ({"item_id": "${item.id}"}, {"item_id": ["a", {"b": None}]}),
}
"""Arguments each operation is called with in generated steps (all with ``given: [item]``)."""


@st.composite
def steps(draw: st.DrawFn, names: list[str]) -> dict[str, Any]:
    """A step calling an operation of :func:`base_spec`; binds a fresh name from ``names``."""
    operation = draw(st.sampled_from(sorted(_CALLS)))
    step: dict[str, Any] = {
        "call": operation,
        "with": draw(constants(_CALLS[operation])),
    }
    if rarely(draw, 4):
        step["raises"] = draw(st.sampled_from(ERROR_KINDS[:-2]))
    else:
        if draw(st.booleans()) and names:
            step["as"] = names.pop()
        if draw(st.booleans()):
            step["expect"] = draw(constants(VALID_EXPECTATIONS))
    return step


@st.composite
def criteria(draw: st.DrawFn) -> dict[str, Any]:
    """A criterion that passes the checks before the run (fixtures ``item``, a fresh
    binding per step, something that can fail); sometimes broken on purpose."""
    names = ["r3", "r2", "r1", "found"]
    criterion: dict[str, Any] = {
        "id": draw(
            st.one_of(st.integers(1, 99), st.from_regex(r"[a-z][a-z0-9_.-]{0,6}", fullmatch=True))
        ),
        "title": draw(
            st.one_of(st.sampled_from(WEIRD_STRINGS[1:]), st.text(min_size=1, max_size=12))
        ),
        "given": [draw(st.sampled_from(["item", "tagged"]))],
        "steps": draw(st.lists(steps(names), min_size=1, max_size=3)),
    }
    bound = [step["as"] for step in criterion["steps"] if "as" in step]
    if draw(st.booleans()) and bound:
        criterion["expect"] = {draw(st.sampled_from(bound)): draw(constants(VALID_EXPECTATIONS))}
    elif not any("raises" in step or "expect" in step for step in criterion["steps"]):
        criterion["steps"][-1]["expect"] = {"type": ["object", "array", "null"]}
    if rarely(draw, 3):  # break it
        part = draw(st.sampled_from(["given", "expect", "step"]))
        if part == "given":
            criterion["given"] = draw(
                st.lists(st.sampled_from(["ghost", "item", "uuid"]), max_size=2)
            )
        elif part == "expect":
            criterion["expect"] = draw(
                st.dictionaries(
                    st.sampled_from(["found", "item", "ghost", "result", "now"]),
                    constants(EXPECTATIONS),
                    max_size=2,
                )
            )
        else:
            step = draw(st.sampled_from(criterion["steps"]))
            key = draw(st.sampled_from(["call", "as", "raises", "expect", "with"]))
            step[key] = draw(nasty_values())
    return criterion


@st.composite
def spec_documents(draw: st.DrawFn, mutations: int = 3) -> Any:
    """Mostly-valid specs: :func:`base_spec` with sections dropped, machines and criteria
    regenerated, then up to ``mutations`` random mutations (see :func:`mutate`). With
    nothing changed the spec passes; about a fifth of them load."""
    spec = base_spec()
    for section in ("title", "tables", "operations", "fixtures", "state_machines", "criteria"):
        if rarely(draw, 8):
            del spec[section]
    if "state_machines" in spec and draw(st.booleans()):
        names = st.sampled_from(["m", "item_status", "other"])
        spec["state_machines"] = draw(st.dictionaries(names, machines(), min_size=1, max_size=2))
    if "criteria" in spec and draw(st.booleans()):
        spec["criteria"] = draw(st.lists(criteria(), max_size=4, unique_by=lambda c: str(c["id"])))
    return draw(mutate(spec, mutations))


@dataclass(frozen=True)
class DumpStyle:
    """How a document is written as YAML (all of them load back the same)."""

    flow: bool | None
    unicode: bool
    width: int
    line_break: str

    def dump(self, document: Any) -> str:
        text: str = yaml.safe_dump(
            document,
            default_flow_style=self.flow,
            allow_unicode=self.unicode,
            width=self.width,
            line_break=self.line_break,
            sort_keys=False,
        )
        return text


dump_styles = st.builds(
    DumpStyle,
    st.sampled_from([False, None, True]),
    st.booleans(),
    st.sampled_from([80, 20, 1000]),
    st.sampled_from(["\n", "\n", "\r\n"]),
)


def dumped(documents: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    """``documents`` written with ``yaml.safe_dump`` in a random style."""
    return st.builds(lambda style, document: style.dump(document), dump_styles, documents)


@st.composite
def spliced(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """A text with a few pieces of YAML syntax inserted, lines deleted or repeated."""
    text = draw(texts)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "repeat"]))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(YAML_FRAGMENTS)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        else:
            lines = text.splitlines(keepends=True) or [""]
            index = at % len(lines)
            text = "".join([*lines[: index + 1], *lines[index:]])
    return text


def texts() -> st.SearchStrategy[str]:
    """Any text for ``load_text``: YAML-like soup, or dumped specs with splices."""
    return st.one_of(
        yaml_texts(),
        yaml_texts(),
        spliced(dumped(spec_documents())),
        spliced(dumped(json_documents())),
    )


ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252")


def _encode(text: str, encoding: str) -> bytes:
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    return codecs.encode(text, encoding, errors)


def raw_bytes() -> st.SearchStrategy[bytes]:
    """Spec file contents: any bytes, or YAML-like text in some encoding, maybe cut short."""
    encoded = st.builds(_encode, texts(), st.sampled_from(ENCODINGS))
    cut = st.builds(lambda data, at: data[: max(at, 0)], encoded, st.integers(-1, 200))
    return st.one_of(st.binary(max_size=200), encoded, encoded, cut)


@dataclass(frozen=True)
class CliCase:
    """A spec-shaped document and the options the CLI is run with."""

    text: str
    options: tuple[str, ...]


@st.composite
def cli_cases(draw: st.DrawFn) -> CliCase:
    options = ["--format", draw(st.sampled_from(FORMATS))]
    if rarely(draw, 6):
        options.append("--list")
    if rarely(draw, 6):
        keyword = ["criterion", "not table", "machine and (", "'refused", "tags or 1", "x y"]
        options += ["-k", draw(st.sampled_from(keyword))]
    if rarely(draw, 5):
        options += ["--report", f"{draw(st.sampled_from(FORMATS))}:{{work}}/report.out"]
    if rarely(draw, 7):
        options += ["--dump", "{work}/dump"]
    if rarely(draw, 7):
        options.append("--junit-testcase-location")
    # Few mutations, so that most runs get past loading and into the engine.
    specs = dumped(spec_documents(mutations=1))
    text = draw(spliced(specs) if rarely(draw, 8) else specs)
    return CliCase(text, tuple(options))


# --- known engine bugs --------------------------------------------------------


@dataclass(frozen=True)
class KnownBug:
    """An engine bug already reported, recognised by the first line of what it raises
    (``Type: message``, the type without its module) and the innermost frame of the
    ``validator`` package it is raised from (``module.function``; empty when a
    property check of this module raised it)."""

    name: str
    exception: re.Pattern[str]
    frame: re.Pattern[str]
    description: str


KNOWN_BUGS: tuple[KnownBug, ...] = ()
"""Bugs found by this target and pinned by ``xfail(strict=True)`` tests in
``tests/test_properties.py``; tolerated (counted) unless ``strict``, so that runs
look for new ones. Remove an entry with its xfail mark once it is fixed. The four
found so far (control characters, huge integers, lone surrogates, long fixture
chains) are fixed; their tests now pin the fix."""


def _where(filename: str, function: str) -> str | None:
    """``module.function`` when ``filename`` is in the validator package."""
    path = Path(filename)
    if PACKAGE_DIR not in path.resolve().parents:
        return None
    return f"{path.stem}.{function}"


def _innermost(frames: Sequence[tuple[str, str]]) -> str:
    found = [where for where in (_where(*frame) for frame in frames) if where]
    return found[-1] if found else ""


_QUALIFIED = re.compile(r"^[A-Za-z_][\w.]*\.(?=\w+(?::|$))")


def known_bug(head: str, frame: str) -> KnownBug | None:
    """The known bug an exception is, from its first line (``module.Type: message``)
    and its innermost validator frame (``module.function``)."""
    head = _QUALIFIED.sub("", head)
    for bug in KNOWN_BUGS:
        if bug.exception.search(head) and bug.frame.search(frame):
            return bug
    return None


def exception_head(exc: BaseException) -> str:
    """The first line Python prints for ``exc`` (``module.Type: message``)."""
    lines = "".join(traceback.format_exception_only(type(exc), exc)).splitlines()
    return lines[0] if lines else type(exc).__name__


def known(exc: BaseException) -> KnownBug | None:
    """The known bug ``exc`` is (a crash, or a :class:`PropertyFailure`), if any."""
    frames = [(frame.filename, frame.name) for frame in traceback.extract_tb(exc.__traceback__)]
    return known_bug(exception_head(exc), _innermost(frames))


_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line \d+, in (?P<function>.+)$')


def parse_traceback(text: str) -> tuple[str, str]:
    """The exception line and innermost validator frame of the last traceback in ``text``."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts:
        return "", ""
    frames: list[tuple[str, str]] = []
    head = ""
    for line in lines[starts[-1] + 1 :]:
        found = _FRAME.match(line)
        if found:
            frames.append((found["file"], found["function"]))
        elif not line.startswith("    "):  # past the frames and their source lines
            head = line
            break
    return head, _innermost(frames)


# --- the properties -----------------------------------------------------------


class PropertyFailure(AssertionError):
    """The engine broke a property without crashing (a crash is raised as itself)."""


def check_problems(error: ValidatorError, text: str, name: str) -> None:
    """Every problem of ``error`` is in ``name``, at a real position of ``text``
    (line 1 to one past the last line, column from 1), with a message."""
    last_line = len(text.splitlines()) + 1
    if not error.problems:
        raise PropertyFailure(f"{type(error).__name__} without problems")
    for problem in error.problems:
        where = problem.location
        if where.file != name:
            raise PropertyFailure(f"problem located in {where.file!r}, not {name!r}: {problem}")
        if not (1 <= where.line <= last_line and where.column >= 1):
            raise PropertyFailure(
                f"problem not at a real place (lines 1..{last_line}): {_show(problem)}"
            )
        if not problem.message.strip():
            raise PropertyFailure(f"problem without a message: {_show(problem)}")


def _show(problem: Problem) -> str:
    where = problem.location
    return f"{where.file}:{where.line}:{where.column}: {problem.message!r}"


def check_text(text: str, *, strict: bool = False, name: str = SPEC_NAME) -> str:
    """Property 1: ``load_text`` returns a document or raises a located SpecError.

    Returns the outcome: ``document``, ``refused`` or ``known bug: NAME``.
    """
    try:
        try:
            load_text(text, name)
        except SpecError as exc:
            check_problems(exc, text, name)
            return "refused"
    except Exception as exc:
        bug = None if strict else known(exc)
        if bug is None:
            raise
        return f"known bug: {bug.name}"
    return "document"


def _stage(text: str) -> str:
    """Which layer refused a spec: ``yaml``, ``format`` or ``semantics`` (the model
    and the cross-reference checks)."""
    try:
        document = load_text(text, SPEC_NAME)
    except SpecError:
        return "yaml"
    return "format" if spec_format.format_problems(document) else "semantics"


def check_file(workdir: Path, data: bytes, *, strict: bool = False, stage: bool = False) -> str:
    """Properties 2 and 3: ``load_spec`` on a file holding ``data`` returns a spec or
    raises a ValidatorError whose problems are located in that file.

    Returns the outcome: ``spec``, ``refused`` (with the layer that refused it
    when ``stage``) or ``known bug: NAME``.
    """
    path = workdir / SPEC_NAME
    path.write_bytes(data)
    text = data.decode("utf-8", "replace")
    try:
        try:
            load_spec(path)
        except ValidatorError as exc:
            check_problems(exc, text, display_path(path))
            return f"refused ({_stage(text)})" if stage else "refused"
    except Exception as exc:
        bug = None if strict else known(exc)
        if bug is None:
            raise
        return f"known bug: {bug.name}"
    return "spec"


def prepare(workdir: Path) -> Path:
    """Put :data:`SCHEMA_SQL` in ``workdir`` (specs name ``schema.sql``)."""
    (workdir / "schema.sql").write_text(SCHEMA_SQL, "utf-8")
    return workdir


@dataclass(frozen=True)
class CliRun:
    status: int
    out: str
    err: str


def run_cli(argv: Sequence[str]) -> CliRun:
    """``validator.cli.main(argv)`` with standard streams like a real process's under a
    UTF-8 locale: standard output strict, standard error backslash-escaping."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(
        err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True
    )
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli_main(list(argv))
    out.flush()
    err.flush()
    return CliRun(status, out_bytes.getvalue().decode("utf-8"), err_bytes.getvalue().decode())


def check_cli(workdir: Path, case: CliCase, *, strict: bool = False) -> str:
    """Property 4: the CLI exits 0, 1 or 2 and prints no traceback; with status 2
    nothing goes to standard output, with 0 or 1 nothing to standard error.
    Returns ``exit N`` or ``known bug: NAME``."""
    path = workdir / SPEC_NAME
    path.write_text(case.text, "utf-8", "surrogatepass", newline="")
    options = [option.replace("{work}", str(workdir)) for option in case.options]
    result = run_cli([str(path), *options])
    if result.status == 3 and not strict:
        bug = known_bug(*parse_traceback(result.err))
        if bug is not None:
            return f"known bug: {bug.name}"
    if result.status not in (0, 1, 2):
        raise PropertyFailure(f"exit status {result.status}\n{result.err}")
    if "Traceback" in result.out + result.err:
        raise PropertyFailure(f"a traceback was printed\n{result.err}")
    if result.status == 2 and result.out:
        raise PropertyFailure(f"status 2 with output on stdout:\n{result.out}")
    if result.status != 2 and result.err:
        raise PropertyFailure(f"status {result.status} with output on stderr:\n{result.err}")
    return f"exit {result.status}"


# --- running ------------------------------------------------------------------


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes invalid UTF-8


Check = Callable[[Any, Path, bool], str]

TARGETS: dict[str, tuple[Callable[[], st.SearchStrategy[Any]], Check]] = {
    "text": (texts, lambda text, _work, strict: check_text(text, strict=strict)),
    "bytes": (raw_bytes, lambda data, work, strict: check_file(work, data, strict=strict)),
    "json": (
        lambda: dumped(json_documents()),
        lambda text, work, strict: check_file(work, _utf8(text), strict=strict, stage=True),
    ),
    "spec": (
        lambda: dumped(spec_documents()),
        lambda text, work, strict: check_file(work, _utf8(text), strict=strict, stage=True),
    ),
    "cli": (cli_cases, lambda case, work, strict: check_cli(work, case, strict=strict)),
}
"""Each target: the strategy of its inputs and the check of one input."""


def cases(targets: Sequence[str]) -> st.SearchStrategy[tuple[str, Any]]:
    """Inputs of ``targets``, each tagged with its target's name."""
    return st.one_of(*(TARGETS[name][0]().map(partial(_tagged, name)) for name in targets))


def _tagged(name: str, value: Any) -> tuple[str, Any]:
    return name, value


def check_case(case: tuple[str, Any], workdir: Path, *, strict: bool = False) -> str:
    name, value = case
    return f"{name}: {TARGETS[name][1](value, workdir, strict)}"


def run_hypothesis(options: argparse.Namespace) -> int:
    """Run batches of Hypothesis examples until the example or time budget is spent.

    A time budget is kept by sizing each batch from the rate of the previous
    one, so a run overshoots it by a few inputs, not by a batch.
    """
    outcomes: Counter[str] = Counter()
    begin = time.monotonic()
    stop = begin + options.seconds if options.seconds else None
    database = None if options.no_database else DirectoryBasedExampleDatabase(options.database)
    with tempfile.TemporaryDirectory(prefix="fuzz-spec-loader-") as tmp:
        workdir = prepare(Path(tmp))
        targets = list(options.target)

        def one(case: tuple[str, Any]) -> None:
            outcomes[check_case(case, workdir, strict=options.strict)] += 1

        batch, rate, shown = 0, 0.0, begin
        while True:
            size = options.batch
            if options.examples:
                # Batches take the targets in turn, so a short run exercises every one.
                share = max(options.examples // len(targets), 1)
                size = min(size, share, options.examples - outcomes.total())
            strategy = cases([targets[batch % len(targets)]])
            if stop is not None:
                left = stop - time.monotonic()
                # Half of what the last rate says fits: inputs tend to grow during a run.
                size = min(size, max(int(rate * left / 2), 1) if rate else 20) if left > 0 else 0
            if size <= 0:
                break
            test = settings(
                max_examples=size,
                deadline=None,
                database=database,
                derandomize=False,
                phases=tuple(Phase) if batch == 0 else (Phase.generate, Phase.shrink),
                suppress_health_check=list(HealthCheck),
            )(given(strategy)(one))
            if options.seed is not None:
                test = seed(options.seed + batch)(test)
            before, started = outcomes.total(), time.monotonic()
            test()
            if outcomes.total() == before:  # pragma: no cover - Hypothesis ran nothing
                break
            rate = (outcomes.total() - before) / max(time.monotonic() - started, 1e-3)
            batch += 1
            if time.monotonic() - shown > 30:
                shown = time.monotonic()
                print(f"... {outcomes.total()} inputs, {shown - begin:.0f}s", file=sys.stderr)
    elapsed = time.monotonic() - begin
    print(f"fuzz_spec_loader: {outcomes.total()} inputs in {elapsed:.1f}s, no new crash")
    for outcome, count in sorted(outcomes.items()):
        print(f"  {count:8d}  {outcome}")
    return 0


def _instrument_validator(atheris: Any) -> None:  # pragma: no cover - needs atheris
    """Add coverage feedback to the validator package's functions (and what they nest),
    not to everything loaded: ``atheris.instrument_all`` takes minutes on Hypothesis."""
    for name, module in list(sys.modules.items()):
        if name != "validator" and not name.startswith("validator."):
            continue
        for value in list(vars(module).values()):
            members = list(vars(value).values()) if inspect.isclass(value) else []
            for candidate in [value, *members]:
                function = getattr(candidate, "__func__", candidate)  # class/static methods
                if inspect.isfunction(function) and function.__module__ == name:
                    atheris.instrument_func(function)


def run_atheris(options: argparse.Namespace) -> int:  # pragma: no cover - needs atheris
    """Coverage-guided: libFuzzer's bytes go to the loader (or to the strategies).

    libFuzzer ends the process itself (no clean-up runs), so the working folder
    is a fixed one in the temporary directory, and the corpus is kept (by default
    in ``.hypothesis/``) to start the next run from.
    """
    import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]

    workdir = Path(tempfile.gettempdir()) / "fuzz-spec-loader-atheris"
    workdir.mkdir(exist_ok=True)
    prepare(workdir)
    if options.structured:
        strategy = cases(options.target)

        @settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
        @given(strategy)
        def structured(case: tuple[str, Any]) -> None:
            check_case(case, workdir, strict=options.strict)

        fuzz_one_input = structured.hypothesis.fuzz_one_input  # type: ignore[attr-defined]

        def test_one_input(data: bytes) -> None:
            fuzz_one_input(data)

    else:

        def test_one_input(data: bytes) -> None:
            check_text(data.decode("utf-8", "replace"), strict=options.strict)
            check_file(workdir, data, strict=options.strict)

    libfuzzer = [sys.argv[0], *options.libfuzzer]
    if options.seconds:
        libfuzzer.append(f"-max_total_time={max(int(options.seconds), 1)}")
    if options.examples:
        libfuzzer.append(f"-runs={options.examples}")
    kind = "structured" if options.structured else "raw"
    corpus = options.corpus or Path(".hypothesis") / f"fuzz_spec_loader_corpus_{kind}"
    corpus.mkdir(parents=True, exist_ok=True)
    print(f"fuzz_spec_loader: corpus in {corpus}", file=sys.stderr)
    libfuzzer.append(str(corpus))  # new inputs go to the first folder given
    if not options.structured:  # seeds: the shipped spec, the bad inputs, the second domain
        root = Path(__file__).resolve().parent.parent
        seeds = [root / "spec", root / "tests" / "corpus" / "bad", root / "tests" / "domains"]
        libfuzzer += [str(seed) for seed in seeds if seed.is_dir()]
    _instrument_validator(atheris)
    atheris.Setup(libfuzzer, test_one_input)
    atheris.Fuzz()
    return 0


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Fuzz the validator's spec loader (and CLI) for crashes.",
        epilog="Exit status 0: no crash in the budget; 1: a crash (traceback printed, the "
        "shrunk input shown as 'Falsifying example').",
    )
    parser.add_argument("--examples", type=int, default=0, help="stop after N inputs")
    parser.add_argument("--seconds", type=float, default=0, help="stop after about S seconds")
    parser.add_argument(
        "--target",
        action="append",
        choices=sorted(TARGETS),
        help="what to generate (repeatable; default: all)",
    )
    parser.add_argument("--seed", type=int, help="seed the first batch (later ones: seed + i)")
    parser.add_argument(
        "--batch", type=int, default=500, help="Hypothesis examples per batch (default 500)"
    )
    parser.add_argument(
        "--database",
        default=".hypothesis/fuzz_spec_loader",
        help="Hypothesis example database (failing inputs, replayed first)",
    )
    parser.add_argument("--no-database", action="store_true", help="keep no example database")
    parser.add_argument(
        "--strict", action="store_true", help="treat the known engine bugs as crashes too"
    )
    parser.add_argument(
        "--atheris", action="store_true", help="coverage-guided with atheris (raw bytes)"
    )
    parser.add_argument(
        "--structured",
        action="store_true",
        help="with --atheris: libFuzzer drives the Hypothesis strategies",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        help="with --atheris: libFuzzer's corpus, kept between runs "
        "(default: .hypothesis/fuzz_spec_loader_corpus_raw or _structured)",
    )
    parser.add_argument("libfuzzer", nargs="*", help="after --: options for libFuzzer")
    options = parser.parse_args(argv)
    if options.libfuzzer and not options.atheris:
        parser.error("options after -- are for libFuzzer: give --atheris too")
    options.target = options.target or sorted(TARGETS)
    if not (options.examples or options.seconds or options.atheris):
        options.examples = 10_000
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = arguments(argv)
    if options.atheris:
        return run_atheris(options)
    return run_hypothesis(options)


if __name__ == "__main__":
    sys.exit(main())

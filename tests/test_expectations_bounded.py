"""Expectations are bounded and never vacuous.

* a regular expression (``pattern``, ``patternProperties``) that backtracks
  without end makes its check an error, on either path (quickschema's quick
  answer or jsonschema's explanation), never a hang and never a PASS;
* ``uniqueItems`` and ``enum`` over thousands of rows cost work in proportion
  to the rows (counted in executed Python lines, so no timing assertion);
* a keyword JSON Schema would ignore (``requried``) is refused at load, at the
  key, with the keyword meant;
* ``$ref`` cycles that never descend into the value, chains and expansions
  beyond the documented bounds are refused at load, located.

The load-time messages for ordinary typos live in the corpus
(``tests/corpus/bad/expectation_*.yaml``); this file covers what needs a run or
a generated spec.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from validator import load_spec, run, vocabulary
from validator.errors import SpecError
from validator.expect import MAX_FINDINGS, match, validator_class
from validator.results import CheckResult
from validator.templates import Clock, Scope

SCHEMA_SQL = "CREATE TABLE items (id TEXT PRIMARY KEY, name TEXT);\n"

HEAD = """\
version: 1
name: bounded
schema: schema.sql
operations:
  echo:
    params: [v]
    returns: {one: "SELECT :v AS v"}
  named:
    params: [v]
    returns: {one: "SELECT :v AS \\"%s\\""}
  rows:
    params: [count, distinct]
    returns:
      many: >-
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)
        SELECT i %% :distinct AS k, 'row' AS kind FROM n
"""

EVIL = "^(a|aa)+$"
"""Backtracks exponentially (in Python's re and in the regex module) on a run of a's
that ends in another character."""
EVIL_VALUE = "a" * 60 + "!"


def _write(tmp_path: Path, criteria: str, key: str = "k") -> Path:
    (tmp_path / "schema.sql").write_text(SCHEMA_SQL, "utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text(HEAD % key + "criteria:\n" + criteria, "utf-8")
    return path


def _only_check(path: Path) -> CheckResult:
    report = run(load_spec(path))
    (check,) = report.checks
    return check


def _criterion(call: str, expect: str) -> str:
    return (
        "  - id: 1\n    title: t\n"
        f"    steps: [{{call: {call}, with: {{v: '{EVIL_VALUE}'}}, as: r}}]\n"
        f"    expect:\n      r: {expect}\n"
    )


# -- 1. patterns are matched in bounded time --------------------------------------

CATASTROPHIC = {
    # the quick path (quickschema interprets every keyword here)
    "pattern": ("echo", f"{{type: object, properties: {{v: {{pattern: '{EVIL}'}}}}}}"),
    "patternProperties": ("named", f"{{type: object, patternProperties: {{'{EVIL}': true}}}}"),
    # the jsonschema path (quickschema leaves dependentRequired to jsonschema)
    "pattern-jsonschema": (
        "echo",
        f"{{type: object, dependentRequired: {{}}, properties: {{v: {{pattern: '{EVIL}'}}}}}}",
    ),
    "additionalProperties-jsonschema": (
        "named",
        "{type: object, dependentRequired: {}, additionalProperties: false, "
        f"patternProperties: {{'{EVIL}': true}}}}",
    ),
}


@pytest.mark.parametrize("shape", CATASTROPHIC)
@pytest.mark.usefixtures("short_pattern_budget")
def test_a_pattern_that_backtracks_without_end_is_an_error(shape: str, tmp_path: Path) -> None:
    """Python's re would search for about 1.6**60 steps holding the GIL: nothing
    could stop it. The check must end as an error that says why."""
    call, expect = CATASTROPHIC[shape]
    check = _only_check(_write(tmp_path, _criterion(call, expect), key=EVIL_VALUE))
    assert check.outcome == "error", check
    (finding,) = check.findings
    assert finding.blocking
    assert f"the pattern '{EVIL}' took longer than" in finding.found
    assert f"on a value of {len(EVIL_VALUE)} characters" in finding.found
    assert finding.location.line == 22  # the line of the criterion's expectation


def test_patterns_keep_python_meaning(tmp_path: Path) -> None:
    """Bounded matching changes no answer: '$' still matches before a final
    newline, '\\d' still matches any Unicode digit, as in Python's re."""
    criteria = (
        "  - id: 1\n    title: t\n"
        '    steps: [{call: echo, with: {v: "x_\\u0663\\n"}, as: r}]\n'
        "    expect:\n      r: {type: object, properties: {v: {pattern: '^x_\\d$'}}}\n"
    )
    assert _only_check(_write(tmp_path, criteria)).outcome == "pass"


# -- 2. large arrays: near-linear on both paths --------------------------------------


def _work(function: Any) -> int:
    """How many Python lines (and calls) ``function()`` executes: a measure of
    work that does not depend on the machine, unlike time."""
    events = 0

    def count(*_: Any) -> Any:
        nonlocal events
        events += 1
        return count

    sys.settrace(count)
    try:
        function()
    finally:
        sys.settrace(None)
    return events


def _growth(tmp_path: Path, expect: Callable[[int], str], value: Callable[[int], Any]) -> float:
    """How the work of matching ``value(n)`` against ``expect(n)`` grows when n doubles."""
    work = []
    for n in (150, 150, 300, 600):  # the first run only warms the caches
        folder = tmp_path / f"run{len(work)}"
        folder.mkdir()
        path = _write(
            folder,
            f"  - id: 1\n    title: t\n    steps: [{{call: echo, with: {{v: 1}}, as: r}}]\n"
            f"    expect:\n      r: {expect(n)}\n",
        )
        spec = load_spec(path)
        (expectation,) = spec.criteria[0].expect
        rows = value(n)

        def once(expectation: Any = expectation, rows: Any = rows, spec: Any = spec) -> None:
            findings = match(expectation, rows, Scope(Clock()), spec.source)
            assert findings, "the value was built to miss the expectation"

        work.append(_work(once))
    return (work[3] - work[2]) / (work[2] - work[1])


def _rows(n: int) -> list[dict[str, Any]]:
    """n distinct rows, then the first one again."""
    rows: list[dict[str, Any]] = [{"k": i, "kind": "row"} for i in range(n)]
    return [*rows, {"kind": "row", "k": 0.0}]  # key order and 0 == 0.0 do not matter


def test_unique_items_over_many_rows_is_near_linear(tmp_path: Path) -> None:
    """jsonschema compared unhashable items pairwise: 20,000 rows took minutes."""
    growth = _growth(tmp_path, lambda _: "{type: array, uniqueItems: true}", _rows)
    assert growth < 2.5, f"doubling the rows multiplied the added work by {growth:.2f}"


def test_enum_over_many_rows_is_near_linear(tmp_path: Path) -> None:
    """Each item was compared with each option: rows times options."""

    def expect(n: int) -> str:
        options = ", ".join(f"{{k: {i}, kind: row}}" for i in range(n))
        return f"{{type: array, items: {{enum: [{options}]}}}}"

    def rows(n: int) -> list[dict[str, Any]]:
        return [*({"k": i, "kind": "row"} for i in range(n)), {"k": -1, "kind": "row"}]

    growth = _growth(tmp_path, expect, rows)
    assert growth < 2.5, f"doubling the rows multiplied the added work by {growth:.2f}"


def test_a_repeated_row_is_named(tmp_path: Path) -> None:
    criteria = (
        "  - id: 1\n    title: t\n"
        "    steps: [{call: rows, with: {count: 5000, distinct: 4999}, as: r}]\n"
        "    expect:\n      r: {type: array, uniqueItems: true}\n"
    )
    check = _only_check(_write(tmp_path, criteria))
    assert check.outcome == "fail"
    (finding,) = check.findings
    assert finding.expected == "r to have no repeated items"
    assert finding.found == 'r[4999] repeats r[0]: {"k": 0, "kind": "row"}'


def test_unique_items_keeps_json_equality(tmp_path: Path) -> None:
    """1 and 1.0 are one value, true and 1 are two, key order is irrelevant."""
    path = _write(
        tmp_path,
        "  - id: 1\n    title: t\n    steps: [{call: echo, with: {v: 1}, as: r}]\n"
        "    expect:\n      r: {type: array, uniqueItems: true}\n",
    )
    spec = load_spec(path)
    (expectation,) = spec.criteria[0].expect
    scope = Scope(Clock())
    distinct: list[Any] = [
        [1, True, "1", None, [1], {"a": 1}],
        [{"a": 1, "b": 2}, {"a": 2, "b": 1}],
    ]
    repeated: list[Any] = [[1, 1.0], [True, True], [{"a": 1, "b": [1]}, {"b": [1.0], "a": 1}]]
    for value in distinct:
        assert match(expectation, value, scope, spec.source) == [], value
    for value in repeated:
        assert match(expectation, value, scope, spec.source), value


# -- 4. $ref: cycles, chains and expansions are refused at load ---------------------


def _refused(tmp_path: Path, expect: str) -> list[str]:
    path = _write(
        tmp_path,
        "  - id: 1\n    title: t\n    steps: [{call: echo, with: {v: 1}, as: r}]\n"
        f"    expect:\n      r: {expect}\n",
    )
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    return [str(problem) for problem in raised.value.problems]


def test_a_long_ref_chain_is_refused_at_load(tmp_path: Path) -> None:
    """Each link is a level of Python recursion in both evaluators."""
    links = ", ".join(f"d{i}: {{$ref: '#/$defs/d{i + 1}'}}" for i in range(200))
    (problem,) = _refused(tmp_path, f"{{$ref: '#/$defs/d0', $defs: {{{links}, d200: true}}}}")
    assert problem.endswith("schemas deep through '$ref' (at most 64)"), problem
    assert ":22:10: " in problem


def test_an_expanding_ref_graph_is_refused_at_load(tmp_path: Path) -> None:
    """Twenty-five definitions that each use the next one twice: 2**25 schemas
    to visit for every value, from a few lines of YAML."""
    defs = ", ".join(
        f"a{i}: {{anyOf: [{{$ref: '#/$defs/a{i + 1}'}}, {{$ref: '#/$defs/a{i + 1}'}}]}}"
        for i in range(25)
    )
    (problem,) = _refused(tmp_path, f"{{$ref: '#/$defs/a0', $defs: {{{defs}, a25: false}}}}")
    assert "through '$ref' it expands to more than" in problem, problem


def test_a_recursive_schema_that_descends_is_accepted(tmp_path: Path) -> None:
    """Recursion that goes one level into the value at each turn ends with the value."""
    criteria = (
        "  - id: 1\n    title: t\n    steps: [{call: echo, with: {v: 1}, as: r}]\n"
        "    expect:\n      r: {type: object, properties: {v: {type: integer}, "
        "parent: {anyOf: [{type: 'null'}, {$ref: '#'}]}}}\n"
    )
    assert _only_check(_write(tmp_path, criteria)).outcome == "pass"


def test_nested_expectations_as_deep_as_yaml_allows_run_on_both_paths(tmp_path: Path) -> None:
    """YAML nesting is bounded at 64 levels; the deepest expectation it allows
    is evaluated by both paths without exhausting Python's stack."""
    depth = 56  # even; with criteria/0/expect/r around it and one more 'not': the deepest
    nested = "{type: object}"
    for _ in range(depth):
        nested = f"{{not: {nested}}}"
    criteria = (
        "  - id: 1\n    title: t\n    steps: [{call: echo, with: {v: 1}, as: r}]\n"
        f"    expect:\n      r: {nested}\n"
    )
    check = _only_check(_write(tmp_path, criteria))
    assert check.outcome == "pass"  # an even number of 'not': an object
    with_odd = criteria.replace("{type: object}", "{not: {type: object}}")
    check = _only_check(_write(tmp_path, with_odd))
    assert check.outcome == "fail"
    assert "not matching" in check.findings[0].expected


# -- references resolved at run time are checked as the spec's own ------------------

RESOLVED = """\
  - id: 1
    title: t
    steps:
      - {call: echo, with: {v: 1}, as: r}
      - {call: echo, with: {v: %s}, as: s}
    expect:
      r: %s
"""


def test_a_resolved_reference_cannot_bring_an_unknown_keyword(tmp_path: Path) -> None:
    path = _write(tmp_path, RESOLVED % ("'#'", "{type: object, allOf: [{$ref: '${s.v}'}]}"))
    check = _only_check(path)
    assert check.outcome == "fail"
    (finding,) = check.findings
    assert finding.expected == "a valid expectation"
    assert finding.found.startswith("$ref '#' makes a cycle that never goes into the value")


def test_a_resolved_pattern_beyond_the_limits_is_an_error(tmp_path: Path) -> None:
    expect = "{type: object, properties: {v: {type: integer}, k: {pattern: '${s.v}'}}}"
    path = _write(tmp_path, RESOLVED % ("'(a{1000}){1000}'", expect))
    (finding,) = _only_check(path).findings
    assert "is too large: more than 10000 elements" in finding.found


def test_a_resolved_timeout_pattern_is_located_at_its_reference(
    tmp_path: Path, short_pattern_budget: float
) -> None:
    expect = "{type: object, properties: {v: {pattern: '${s.v}'}}}"
    criteria = RESOLVED % (f"'{EVIL}'", expect)
    criteria = criteria.replace("{v: 1}, as: r", f"{{v: '{EVIL_VALUE}'}}, as: r")
    check = _only_check(_write(tmp_path, criteria))
    assert check.outcome == "error"
    (finding,) = check.findings
    assert (finding.location.line, finding.location.column) == (24, 51)
    took = f"the pattern '{EVIL}' took longer than {short_pattern_budget:g} s"
    assert finding.found.startswith(took)


# -- what jsonschema says is bounded too ---------------------------------------------


def test_messages_do_not_repeat_the_whole_expected_value() -> None:
    """jsonschema wrote the whole const, enum or schema into the message of
    every item that misses it: rows times its size."""
    big = list(range(10_000))
    rows = [[-1, *big] for _ in range(50)]
    kind = validator_class()
    for schema in (
        {"items": {"const": big}},
        {"items": {"enum": [big, [1]]}},
        {"items": {"not": {"const": [-1, *big]}}},
        {"items": {"oneOf": [{"type": "array"}, {"minItems": 2, "title": "x" * 10_000}]}},
    ):
        errors = list(kind(schema).iter_errors(rows))
        assert len(errors) == len(rows), schema
        assert max(len(error.message) for error in errors) < 300, schema


def test_format_is_never_checked_by_the_validator() -> None:
    """jsonschema checks 'format' only when given a format checker; expectations
    get none (and the spec refuses 'format', which would check nothing)."""
    kind = validator_class()
    assert kind({"format": "email"}).format_checker is None
    assert kind({"format": "email"}).is_valid("not an address")


def test_findings_are_bounded_per_expectation(tmp_path: Path) -> None:
    criteria = (
        "  - id: 1\n    title: t\n"
        "    steps: [{call: rows, with: {count: 500, distinct: 500}, as: r}]\n"
        "    expect:\n      r: {type: array, items: {type: object, required: [missing]}}\n"
    )
    findings = _only_check(_write(tmp_path, criteria)).findings
    assert len(findings) == MAX_FINDINGS + 1
    assert str(findings[-1]) == "expected 20 differences at most, found 480 more (not listed)"


def test_a_deep_pattern_holding_a_reference_is_refused_at_load(tmp_path: Path) -> None:
    """The meta-schema check compiles the text as written, ${...} and all:
    1,000 nested groups crashed it (RecursionError, exit 3)."""
    deep = "(" * 1000 + "${r.v}" + ")" * 1000
    (problem,) = _refused(tmp_path, f"{{type: object, properties: {{v: {{pattern: '{deep}'}}}}}}")
    assert problem.endswith("nests groups 1000 deep (at most 100)"), problem


# -- the vocabulary, unit by unit ------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "path", "message"),
    [
        ({"type": "object", "propertys": {}}, ("propertys",), "did you mean 'properties'?"),
        ({"type": "array", "additionalItems": False}, ("additionalItems",), "after 'prefixItems'"),
        ({"type": "string", "contentMediaType": "a/b"}, ("contentMediaType",), "only annotates"),
        ({"type": "array", "unevaluatedItems": False}, ("unevaluatedItems",), "use 'items'"),
        ({"type": "object", "$dynamicRef": "#m"}, ("$dynamicRef",), "'$dynamicRef' is not supp"),
        (
            {"type": "object", "properties": {"a": {"$id": "https://e.org/a"}}},
            ("properties", "a", "$id"),
            "'$id' may only be given at the top of an expectation",
        ),
        (
            {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
            ("$schema",),
            "'$schema' may only be 'https://json-schema.org/draft/2020-12/schema'",
        ),
        ({"$defs": {"a": {"type": "object"}}, "title": "t"}, (), "accepts any value"),
    ],
)
def test_what_an_expectation_may_not_say(schema: Any, path: Any, message: str) -> None:
    (issue,) = vocabulary.problems(schema)
    assert issue.path == path
    assert message in issue.message, issue.message


def test_names_and_values_are_not_keywords() -> None:
    """Only schema positions are read: a property may be called 'requried',
    and const, enum, examples and default hold plain values."""
    schema = {
        "$schema": vocabulary.DRAFT,
        "$id": "https://example.org/row",
        "type": "object",
        "title": "a row",
        "examples": [{"requried": 1}],
        "default": {"minLenght": 2},
        "properties": {
            "requried": {"const": {"format": "email"}},
            "minLenght": {"enum": [{"$dynamicRef": "#x"}]},
        },
        "patternProperties": {"^x-": {"type": "string"}},
        "dependentRequired": {"nullable": ["definitions"]},
    }
    assert vocabulary.problems(schema) == []

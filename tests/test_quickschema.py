"""The quick schema answers never say "yes" where jsonschema says "no".

Generated schemas (the keywords quickschema reads, with well- and ill-shaped
arguments, and some it does not read) and generated JSON values are given to
both; when quickschema answers, it must answer as jsonschema does.

The keyword functions that bound jsonschema's own work (``expect.validator_class``:
patterns with a timeout, hashed ``uniqueItems`` and ``enum``, short messages)
must find exactly the errors jsonschema's find, and bounded pattern matching
must answer as Python's ``re`` does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from validator import patterns
from validator.expect import validator_class
from validator.quickschema import equal, first_repeat, holds, one_of, unique, well_formed
from validator.validate import spec_schema

KEYS = st.sampled_from(["a", "b", "id", "name", "x-y", ""])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 2.5, -1.5]),
    st.text(alphabet="ab1-_", max_size=4),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)
TYPES = st.sampled_from(["null", "boolean", "object", "array", "string", "number", "integer"])
COUNTS = st.one_of(st.integers(0, 3), st.just(1.0), st.just(-1), st.just("2"))
NUMBERS = st.one_of(st.integers(-2, 2), st.just(0.5), st.just(True), st.just("1"))
PATTERNS = st.sampled_from(["^a", "b$", "[0-9]", "", "(", "a|b"])


def schemas() -> st.SearchStrategy[Any]:
    def keywords(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        entries = st.one_of(
            st.tuples(st.just("type"), st.one_of(TYPES, st.lists(TYPES, max_size=3))),
            st.tuples(st.just("const"), VALUES),
            st.tuples(st.just("enum"), st.lists(VALUES, max_size=3)),
            st.tuples(st.just("required"), st.lists(KEYS, max_size=3)),
            st.tuples(st.just("properties"), st.dictionaries(KEYS, inner, max_size=3)),
            st.tuples(st.just("patternProperties"), st.dictionaries(PATTERNS, inner, max_size=2)),
            st.tuples(st.just("additionalProperties"), inner),
            st.tuples(st.just("propertyNames"), inner),
            st.tuples(st.just("prefixItems"), st.lists(inner, max_size=3)),
            st.tuples(st.just("items"), inner),
            st.tuples(st.just("contains"), inner),
            st.tuples(st.sampled_from(["minContains", "maxContains"]), COUNTS),
            st.tuples(st.just("uniqueItems"), st.booleans()),
            st.tuples(
                st.sampled_from(
                    ["minItems", "maxItems", "minLength", "maxLength", "minProperties"]
                ),
                COUNTS,
            ),
            st.tuples(
                st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
                NUMBERS,
            ),
            st.tuples(st.just("pattern"), PATTERNS),
            st.tuples(st.just("not"), inner),
            st.tuples(st.sampled_from(["allOf", "anyOf", "oneOf"]), st.lists(inner, max_size=3)),
            st.tuples(st.sampled_from(["title", "description", "format"]), st.text(max_size=3)),
            st.tuples(st.sampled_from(["if", "dependentRequired", "$anchor"]), inner),
        )
        return st.lists(entries, max_size=4).map(dict)

    return st.recursive(st.one_of(st.booleans(), st.just({})), keywords, max_leaves=8)


def _jsonschema_valid(schema: Any) -> bool:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError:
        return False
    return True


SCALE = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1
"""``HYPOTHESIS_PROFILE=thorough`` runs 20 times as many examples (as in
test_properties.py); a default run draws fresh ones each time."""

FAST = settings(
    max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
LIGHT = settings(
    max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
"""For properties of one function over simple inputs."""


@FAST
@given(schemas(), VALUES)
def test_holds_agrees_with_jsonschema(schema: Any, value: Any) -> None:
    answer = holds(schema, value)
    if answer is None or not _jsonschema_valid(schema):
        # Unsupported: jsonschema decides. An invalid schema with a quick "yes"
        # is caught by the load-time schema check before it is ever matched.
        return
    assert answer == Draft202012Validator(schema).is_valid(value), (schema, value)


def _errors(kind: Any, schema: Any, value: Any) -> set[tuple[Any, ...]]:
    return {
        (error.validator, tuple(error.absolute_path), tuple(error.absolute_schema_path))
        for error in kind(schema).iter_errors(value)
    }


@FAST
@given(schemas(), VALUES)
def test_bounded_keywords_find_what_jsonschema_finds(schema: Any, value: Any) -> None:
    """The replaced keyword functions (patterns, uniqueItems, enum, const, not,
    oneOf, additionalProperties) change the work and the wording, never the
    errors: same keywords, at the same places of the value and the schema."""
    if not _jsonschema_valid(schema):
        return
    bounded = validator_class()
    assert bounded(schema).is_valid(value) == Draft202012Validator(schema).is_valid(value)
    assert _errors(bounded, schema, value) == _errors(Draft202012Validator, schema, value)


@LIGHT
@given(st.lists(VALUES, max_size=6))
def test_unique_and_first_repeat_are_json_equality(values: list[Any]) -> None:
    expected = Draft202012Validator({"uniqueItems": True}).is_valid(values)
    assert unique(values) == expected
    repeat = first_repeat(values)
    if repeat is not None:
        later, earlier = repeat
        assert earlier < later
        assert equal(values[later], values[earlier])
        assert unique(values[:later])


@LIGHT
@given(st.lists(VALUES, max_size=6), VALUES)
def test_one_of_is_enum(options: list[Any], value: Any) -> None:
    assert one_of(options)(value) == Draft202012Validator({"enum": options}).is_valid(value)


ATOMS = st.sampled_from(
    ["a", "b", ".", "[ab]", "[^a]", "\\d", "\\w", "\\s", "\\b", "^", "$", "\\Z", "(a|bb)",
     "(?:ab)", "(a)\\1", "(?=a)", "(?!b)", "(?<=a)", "(?i:A)", "\\u0663", "\\n"]
)  # fmt: skip
QUANTIFIERS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,3}", "*?", "++", "{,2}"])
REGEXES = st.tuples(
    st.sampled_from(["", "(?i)", "(?m)", "(?s)", "(?x)"]),
    st.lists(st.tuples(ATOMS, QUANTIFIERS).map("".join), min_size=1, max_size=4).map("".join),
).map("".join)


@LIGHT
@given(REGEXES, st.text(alphabet="abAB1 \n\u0663_", max_size=8))
def test_bounded_search_answers_as_re(pattern: str, text: str) -> None:
    """The regex module reads every pattern re accepts as re does."""
    try:
        expected = re.search(pattern, text) is not None
    except re.error:
        with pytest.raises(patterns.PatternError):
            patterns.search(pattern, text)
        return
    assert patterns.search(pattern, text) == expected, (pattern, text)


@FAST
@given(schemas())
def test_well_formed_is_never_wrong(schema: Any) -> None:
    if well_formed(schema):
        assert _jsonschema_valid(schema), schema


@pytest.mark.parametrize("names", [[[]], [{}], "objekt", [], ["string", "string"]])
def test_a_type_that_names_no_json_type_is_left_to_jsonschema(names: Any) -> None:
    """Found by the spec-shaped property: ``type: [[]]`` raised TypeError (a list
    is unhashable) where it must only be left to jsonschema."""
    assert well_formed({"type": names}) is None
    assert not _jsonschema_valid({"type": names})


@FAST
@given(VALUES, VALUES)
def test_equal_is_json_equality(one: Any, other: Any) -> None:
    assert equal(one, other) == Draft202012Validator({"const": one}).is_valid(other)


def _readable(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return _UNREADABLE


_UNREADABLE = object()


def _documents() -> list[tuple[str, Any]]:
    """Every shipped, domain and corpus spec that PyYAML reads (the corpus also
    holds files that are not YAML at all: they never reach the format check)."""
    found = [ROOT / "spec" / "test_task_session.yaml"]
    found += sorted((ROOT / "tests" / "domains").rglob("spec.yaml"))
    found += sorted((ROOT / "tests" / "corpus" / "bad").glob("*.yaml"))
    return [(path.stem, data) for path in found if (data := _readable(path)) is not _UNREADABLE]


@pytest.mark.parametrize(("name", "data"), _documents(), ids=[n for n, _ in _documents()])
def test_spec_format_quick_check_agrees(name: str, data: Any) -> None:
    answer = holds(spec_schema(), data)
    assert answer is not None, name
    assert answer == Draft202012Validator(spec_schema()).is_valid(data)

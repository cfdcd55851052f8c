"""The quick schema answers never say "yes" where jsonschema says "no".

Generated schemas (the keywords quickschema reads, with well- and ill-shaped
arguments, and some it does not read) and generated JSON values are given to
both; when quickschema answers, it must answer as jsonschema does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from validator.quickschema import equal, holds, well_formed
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


FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(schemas(), VALUES)
def test_holds_agrees_with_jsonschema(schema: Any, value: Any) -> None:
    answer = holds(schema, value)
    if answer is None or not _jsonschema_valid(schema):
        # Unsupported: jsonschema decides. An invalid schema with a quick "yes"
        # is caught by the load-time schema check before it is ever matched.
        return
    assert answer == Draft202012Validator(schema).is_valid(value), (schema, value)


@FAST
@given(schemas())
def test_well_formed_is_never_wrong(schema: Any) -> None:
    if well_formed(schema):
        assert _jsonschema_valid(schema), schema


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

"""Check loaded spec data against the spec format (``spec.schema.json``).

Every violation becomes a :class:`~validator.errors.Problem` at the line and
column of the offending node, with its JSON path, what the format expects and
what the spec has. All problems are reported at once, in file order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import loader, quickschema
from .errors import Problem
from .loader import Document, Path_

if TYPE_CHECKING:  # jsonschema's validators are imported only when a spec needs them
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_RESOURCE = "spec.schema.json"


TEXT = "x-text"
"""Marks a ``type`` such as ``["string", "boolean"]`` in the published schema as a
string whose YAML scalar may read as a number or boolean (see :func:`strict`)."""


@cache
def spec_schema() -> dict[str, Any]:
    """The JSON Schema of the spec format as the engine checks it: the shipped one,
    with every place marked ``x-text`` a plain string (:func:`strict`)."""
    text = Path(__file__).with_name(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = strict(json.loads(text))
    return schema


def strict(node: Any) -> Any:
    """``node`` with each ``{"type": [...], "x-text": true}`` read as ``{"type": "string"}``.

    The shipped schema is the one editors and check-jsonschema use: they see a
    plain ``0755`` or ``true`` as a number or boolean, so where the format wants
    a string it allows those too. The loader gives such a scalar its text back
    there (:func:`coerce_strings`), and the engine checks that text as a string.
    """
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    narrowed = {key: strict(value) for key, value in node.items() if key != TEXT}
    if node.get(TEXT) is True:
        narrowed["type"] = "string"
    return narrowed


@cache
def _quick_check() -> quickschema.Check | None:
    return quickschema.compiled(spec_schema(), trusted=True)


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(spec_schema())


def json_path(path: Path_) -> str:
    """Render a data path as ``$.a.b[0]``."""
    parts = ["$"]
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif part.isidentifier():
            parts.append(f".{part}")
        else:
            parts.append(f"[{json.dumps(part)}]")
    return "".join(parts)


def describe(value: Any) -> str:
    """A short, human description of a found value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {json.dumps(shown)}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__  # pragma: no cover - YAML gives no other types


def coerce_strings(document: Document) -> list[ValidationError]:
    """Give back their text to plain scalars that YAML resolved to a number or
    boolean where the format expects a string (``states: [on, 0755]``,
    ``title: 2024``), so that only values the format leaves open keep a type.
    A null (``title:`` with nothing, ``~``) is no string and stays an error, as
    it is for editors using the published schema.

    Returns the format errors that remain (usually found in a single pass).
    """
    data = document.data
    quick = _quick_check()
    if quick is not None and quick(data):
        return []  # the common case, without building the validator's errors
    plain = document.source.plain
    for _ in range(8):  # each pass fixes what it sees; a fix may reveal more below
        errors = list(_validator().iter_errors(data))
        coercible = [error for error in errors if _wants_text(error, plain)]
        if not coercible:
            return errors
        # One scalar may break several subschemas (if/then/else): give it its text once.
        for path in dict.fromkeys(tuple(error.absolute_path) for error in coercible):
            _set(data, path, plain.pop(path))
    return list(_validator().iter_errors(data))


def _wants_text(error: ValidationError, plain: dict[Path_, str]) -> bool:
    expected = error.validator_value
    wants = expected == "string" or (isinstance(expected, list) and "string" in expected)
    path = tuple(error.absolute_path)
    text = error.validator == "type" and error.instance is not None
    return text and wants and bool(path) and path in plain


def _set(data: Any, path: Path_, value: str) -> None:
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value


def format_problems(document: Document) -> list[Problem]:
    """All violations of the spec format in ``document``, in file order, once
    :func:`coerce_strings` has given strings back where the format wants them."""
    if document.data is None:
        return [Problem(document.source.at(()), "the spec is empty; expected a mapping")]
    problems = {
        problem for error in coerce_strings(document) for problem in _explain(error, document)
    }
    problems.update(_overflows(document))
    return sorted(problems)


def _overflows(document: Document) -> Iterator[Problem]:
    """Numbers written too large for a float (``1e400``) that are still numbers
    once strings have their text back: they would silently be infinity."""
    source = document.source
    for path, text in source.plain.items():
        if loader.overflows(text):
            yield Problem(source.at(path), loader.too_large_for_a_float(text))


def _explain(error: ValidationError, document: Document) -> list[Problem]:
    path: Path_ = tuple(error.absolute_path)
    source = document.source
    where = json_path(path)
    validator = error.validator
    instance: Any = error.instance
    value: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = [key for key in instance if key not in allowed]
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return [
            Problem(
                source.at((*path, key), key=True),
                f"{json_path((*path, key))}: unknown key {key!r}{hint}",
            )
            for key in extra
        ]
    if validator == "required":
        missing = [key for key in value if key not in instance]
        return [
            Problem(source.at(path, key=True), f"{where}: missing required key {key!r}")
            for key in missing
        ]
    if validator == "pattern" and _is_key_error(error):
        key = str(instance)
        return [
            Problem(
                source.at((*path, key), key=True),
                f"{json_path((*path, key))}: name {key!r} must match {value}",
            )
        ]
    if validator in ("anyOf", "oneOf"):
        return [_explain_choice(error, document)]
    if "x-message" in schema:
        found = describe(instance)
        return [Problem(source.at(path), f"{where}: {schema['x-message']}, found {found}")]
    return [Problem(source.at(path), f"{where}: {_expected(error)}")]


def _is_key_error(error: ValidationError) -> bool:
    return "propertyNames" in error.schema_path


def _explain_choice(error: ValidationError, document: Document) -> Problem:
    path: Path_ = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    message = schema.get("x-message")
    if message is None and error.context:
        from jsonschema.exceptions import best_match

        best = best_match(error.context)
        deeper = _explain(best, document)
        if deeper:
            return deeper[0]
    found = describe(error.instance)
    return Problem(
        document.source.at(path),
        f"{json_path(path)}: {message or 'does not match any allowed form'}, found {found}",
    )


def _expected(error: ValidationError) -> str:
    found = describe(error.instance)
    value: Any = error.validator_value
    match error.validator:
        case "type":
            kinds = value if isinstance(value, list) else [value]
            names = " or ".join(_TYPE_NAMES.get(str(k), str(k)) for k in kinds)
            return f"expected {names}, found {found}"
        case "const":
            return f"expected {json.dumps(value)}, found {found}"
        case "enum":
            return f"expected one of {', '.join(json.dumps(v) for v in value)}, found {found}"
        case "pattern":
            return f"expected a value matching {value}, found {found}"
        case "minItems":
            return f"expected at least {value} item(s), found {found}"
        case "minLength":
            return f"expected a non-empty string, found {found}"
        case "uniqueItems":
            return f"expected no repeated items, found {json.dumps(error.instance)}"
        case "minProperties":
            return f"expected at least {value} key(s), found an empty mapping"
        case "minimum":
            return f"expected a number >= {value}, found {found}"
        case _:
            return f"{error.message}"


_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


# -- expectations: JSON Schema fragments ------------------------------------------

_SCHEMA = "a schema (a mapping, or true/false)"
_SCHEMA_VALUED = frozenset(
    {
        "not",
        "items",
        "contains",
        "additionalProperties",
        "propertyNames",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
_KEYWORD_EXPECTS: dict[str, str] = {
    **dict.fromkeys(_SCHEMA_VALUED, _SCHEMA),
    **dict.fromkeys(_SCHEMA_LISTS, "a non-empty list of schemas"),
    "properties": "a mapping of property names to schemas",
    "dependentSchemas": "a mapping of property names to schemas",
    "patternProperties": "a mapping of regular expressions to schemas",
    "$defs": "a mapping of names to schemas",
    "required": "a list of property names (strings)",
    "dependentRequired": "a mapping of property names to lists of property names",
    "enum": "a list of values",
    "examples": "a list of values",
    **dict.fromkeys(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"), "a number"),
    "multipleOf": "a number greater than 0",
    **dict.fromkeys(
        (
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "minProperties",
            "maxProperties",
            "minContains",
            "maxContains",
        ),
        "a non-negative integer",
    ),
    **dict.fromkeys(("uniqueItems", "deprecated", "readOnly", "writeOnly"), "true or false"),
    "pattern": "a regular expression (a string)",
    **dict.fromkeys(
        (
            "format",
            "title",
            "description",
            "$comment",
            "$ref",
            "$dynamicRef",
            "$anchor",
            "$dynamicAnchor",
            "$id",
            "$schema",
            "contentEncoding",
            "contentMediaType",
        ),
        "a string",
    ),
}
JSON_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")


def schema_problems(schema: Any) -> list[tuple[Path_, str]]:
    """Why ``schema`` (an expectation) is not a valid draft 2020-12 JSON Schema:
    (path inside it, message) for each problem, saying what the keyword there
    accepts instead of the meta-schema's wording (``'objekt' is not valid under
    any of the given schemas``). A value holding a ``${...}`` is left to be
    checked once the reference is resolved."""
    found: dict[tuple[Path_, str], None] = {}
    for error in _meta_validator().iter_errors(schema):
        if isinstance(error.instance, str) and "${" in error.instance:
            continue
        found.setdefault(_explain_meta(error), None)
    return list(found)


@cache
def _meta_validator() -> Draft202012Validator:
    """Checks expectations against the draft 2020-12 meta-schema, as
    ``check_schema`` does, but built once."""
    from jsonschema import Draft202012Validator

    meta = Draft202012Validator.META_SCHEMA
    return Draft202012Validator(meta, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _keyword_at(path: Path_) -> tuple[str | None, int]:
    """The keyword whose value ``path`` (inside a schema) is at or within, and
    how deep within it (0: the value itself); ``(None, 0)`` when ``path`` is a
    schema position (the root, a property's schema, an ``allOf`` item, ...)."""
    keyword: str | None = None
    depth = 0
    inside = "schema"  # what the next part of the path is a step in
    for part in path:
        if inside == "schema":
            keyword, depth = str(part), 0
            if part in _SCHEMA_VALUED:
                inside = "schema"
            elif part in _SCHEMA_LISTS or part in _SCHEMA_MAPS:
                inside = "container"
            else:
                inside = "value"
        elif inside == "container":  # an item or a name: a schema follows
            keyword, inside = None, "schema"
        else:
            depth += 1
    return keyword, depth


def _explain_meta(error: ValidationError) -> tuple[Path_, str]:
    path: Path_ = tuple(error.absolute_path)
    keyword, depth = _keyword_at(path)
    found = describe(error.instance)
    if keyword is None:
        if error.validator == "type":
            return path, f"a schema must be a mapping (or true/false), found {found}"
        return path, error.message
    if keyword == "type" and depth == 0:
        return _explain_type(path, error.instance)
    if error.validator == "uniqueItems" and isinstance(error.instance, list):
        repeated = _repeated(error.instance)
        return path, f"{keyword!r} lists {repeated!r} more than once"
    if error.validator == "format" or keyword not in _KEYWORD_EXPECTS:
        return path, error.message
    expected = f"{keyword!r} must be {_KEYWORD_EXPECTS[keyword]}"
    return path, f"{expected}, found {found}" + (" in it" if depth else "")


def _repeated(items: list[Any]) -> Any:
    """The first item of ``items`` that an earlier one equals (JSON equality)."""
    seen: set[str] = set()
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key in seen:
            return item
        seen.add(key)
    return None  # pragma: no cover - only called on a list with a repeated item


def _explain_type(path: Path_, value: Any) -> tuple[Path_, str]:
    known = ", ".join(JSON_TYPES)
    if isinstance(value, str):
        return path, f"unknown type {value!r}; expected one of: {known}"
    if isinstance(value, list):
        for index, item in enumerate(value):
            if item not in JSON_TYPES:
                return (*path, index), f"unknown type {item!r}; expected one of: {known}"
        for index, item in enumerate(value):
            if value.index(item) != index:
                return path, f"'type' lists {item!r} more than once"
        if not value:
            return path, "'type' must list at least one type"
    return path, f"'type' must be a type name or a list of them ({known}), found {describe(value)}"

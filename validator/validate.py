"""Check loaded spec data against the spec format (``spec.schema.json``).

Every violation becomes a :class:`~validator.errors.Problem` at the line and
column of the offending node, with its JSON path, what the format expects and
what the spec has. All problems are reported at once, in file order.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import quickschema
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
    return quickschema.compiled(spec_schema())


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
        for error in coercible:
            path = tuple(error.absolute_path)
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
    return sorted(problems)


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

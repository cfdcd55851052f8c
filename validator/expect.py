"""Expectations: JSON Schema fragments matched against bound results.

References in the fragment are resolved first; every way the value misses
the schema becomes a finding at the line of the failing keyword.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import quickschema
from .loader import SourceMap
from .model import Expectation
from .results import Finding
from .templates import Scope, TemplateError

if TYPE_CHECKING:  # jsonschema's validators are imported only when an expectation fails
    from jsonschema.exceptions import ValidationError


def match(
    expectation: Expectation, value: Any, scope: Scope, source: SourceMap, step: str = ""
) -> list[Finding]:
    """Findings for each way ``value`` misses ``expectation`` (none: it matches)."""
    try:
        schema = scope.resolve(expectation.schema)
    except TemplateError as exc:
        return [Finding(expectation.location, "a resolvable reference", str(exc), step)]
    if quickschema.holds(schema, value):
        return []  # the common case, answered without building a validator
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        if schema != expectation.schema:  # a resolved reference may have made it invalid
            Draft202012Validator.check_schema(schema)
        errors = sorted(Draft202012Validator(schema).iter_errors(value), key=_order)
    except SchemaError as exc:
        return [Finding(expectation.location, "a valid JSON Schema", exc.message, step)]
    except Exception as exc:  # jsonschema raises many kinds for a schema it cannot apply
        found = f"{type(exc).__name__}: {exc}"
        return [Finding(expectation.location, "a JSON Schema that can be applied", found, step)]
    return [_finding(expectation, error, source, step) for error in errors]


def _order(error: ValidationError) -> tuple[str, ...]:
    return tuple(str(part) for part in error.absolute_schema_path)


def show(value: Any, limit: int = 120) -> str:
    """A value as compact JSON, cut to ``limit`` characters."""
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(name: str, error: ValidationError) -> str:
    path = name
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _finding(
    expectation: Expectation, error: ValidationError, source: SourceMap, step: str
) -> Finding:
    where = _where(expectation.name, error)
    schema_path = tuple(error.absolute_schema_path)
    location = source.at((*expectation.path, *schema_path))
    value: Any = error.validator_value
    instance: Any = error.instance
    found = show(instance)
    match error.validator:
        case "const":
            expected = f"{where} = {show(value)}"
        case "enum":
            expected = f"{where} one of {show(value)}"
        case "type":
            expected = f"{where} of type {' or '.join(value) if isinstance(value, list) else value}"
        case "required":
            missing = [key for key in value if key not in instance]
            expected = f"{where} to have {', '.join(repr(k) for k in missing)}"
            found = f"fields {', '.join(sorted(instance)) or '(none)'}"
        case "pattern":
            expected = f"{where} matching {value}"
        case "minimum" | "exclusiveMinimum" | "maximum" | "exclusiveMaximum":
            sign = {
                "minimum": ">=",
                "exclusiveMinimum": ">",
                "maximum": "<=",
                "exclusiveMaximum": "<",
            }[str(error.validator)]
            expected = f"{where} {sign} {value}"
        case "minItems" | "maxItems":
            bound = "at least" if error.validator == "minItems" else "at most"
            expected = f"{where} to have {bound} {value} item(s)"
            found = f"{len(instance)} item(s): {found}"
        case "contains":
            expected = f"{where} to contain an item matching {show(value)}"
        case "not":
            expected = f"{where} not matching {show(value)}"
        case _:
            expected = f"{where}: {error.message}"
    return Finding(location, expected, found, step)

"""Expectations: JSON Schema fragments matched against bound results.

References in the fragment are resolved first; every way the value misses
the schema becomes a finding at the line of the failing keyword.

Matching is bounded: patterns get :data:`validator.patterns.BUDGET` seconds
per expectation (a pattern that needs longer makes the check an error, located
at the pattern); ``jsonschema``, which explains what the quick answer of
:mod:`validator.quickschema` rejects, is extended with keyword functions that
match patterns in bounded time and compare ``uniqueItems`` and ``enum`` by
hashing (its own compare unhashable items pairwise: 20,000 rows took minutes);
at most :data:`MAX_FINDINGS` findings are kept per expectation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from . import patterns, quickschema, vocabulary
from .loader import Path_, SourceMap
from .model import Expectation
from .results import Finding
from .templates import Scope, TemplateError

if TYPE_CHECKING:  # jsonschema's validators are imported only when an expectation fails
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

MAX_FINDINGS = 20
"""Findings kept per expectation: 20,000 rows that each miss it say no more
than the first twenty do, and the rest are counted."""


def match(
    expectation: Expectation, value: Any, scope: Scope, source: SourceMap, step: str = ""
) -> list[Finding]:
    """Findings for each way ``value`` misses ``expectation`` (none: it matches)."""
    try:
        schema = scope.resolve(expectation.schema)
    except TemplateError as exc:
        return [Finding(expectation.location, "a resolvable reference", str(exc), step)]
    changed = schema != expectation.schema  # a resolved reference may have made it invalid
    if changed:
        refused = vocabulary.problems(schema)
        if refused:
            return [_refusal(expectation, issue, source, step) for issue in refused]
    try:
        with patterns.budget():
            if quickschema.holds(schema, value):
                return []  # the common case, answered without building a validator
            return _explain(expectation, schema, value, source, step, check=changed)
    except patterns.PatternError as exc:
        return [_pattern_finding(expectation, schema, exc, source, step)]


def _explain(
    expectation: Expectation,
    schema: Any,
    value: Any,
    source: SourceMap,
    step: str,
    *,
    check: bool,
) -> list[Finding]:
    """What ``jsonschema`` says about ``value``, as findings."""
    from jsonschema.exceptions import SchemaError

    kind = validator_class()
    try:
        if check:
            kind.check_schema(schema)
        errors = sorted(kind(schema).iter_errors(value), key=_order)
    except SchemaError as exc:
        return [Finding(expectation.location, "a valid JSON Schema", exc.message, step)]
    except patterns.PatternError:
        raise
    except Exception as exc:  # jsonschema raises many kinds for a schema it cannot apply
        found = f"{type(exc).__name__}: {exc}"
        return [Finding(expectation.location, "a JSON Schema that can be applied", found, step)]
    findings = [_finding(expectation, error, source, step) for error in errors[:MAX_FINDINGS]]
    if len(errors) > MAX_FINDINGS:
        more = len(errors) - MAX_FINDINGS
        expected = f"{MAX_FINDINGS} differences at most"
        findings.append(Finding(expectation.location, expected, f"{more} more (not listed)", step))
    return findings


def _refusal(
    expectation: Expectation, issue: vocabulary.Issue, source: SourceMap, step: str
) -> Finding:
    location = source.at((*expectation.path, *issue.path), key=issue.key)
    return Finding(location, "a valid expectation", issue.message, step)


def _pattern_finding(
    expectation: Expectation,
    schema: Any,
    error: patterns.PatternError,
    source: SourceMap,
    step: str,
) -> Finding:
    """The check could not run: a pattern was refused or ran out of time."""
    where, key = _pattern_path(schema, error.pattern)
    location = source.at((*expectation.path, *where), key=key)
    if isinstance(error, patterns.PatternTimeout):
        expected = f"patterns that can be matched within {patterns.BUDGET:g} s"
    else:
        expected = "a pattern that can be matched in bounded time"
    return Finding(location, expected, error.message, step, blocking=True)


def _pattern_path(schema: Any, pattern: str) -> tuple[Path_, bool]:
    """Where ``pattern`` is given in ``schema`` (and whether as a key), or its root."""
    for path, node in vocabulary.positions(schema).items():
        if not isinstance(node, dict):
            continue
        if node.get("pattern") == pattern:
            return (*path, "pattern"), False
        named = node.get("patternProperties")
        if isinstance(named, dict) and pattern in named:
            return (*path, "patternProperties", pattern), True
    return (), False


# -- jsonschema, bounded ------------------------------------------------------------


@cache
def validator_class() -> type[Validator]:
    """Draft 2020-12 with the keywords that used ``re`` or compared pairwise
    replaced, and those whose message held the whole expected value or schema
    (once per failing item: rows times its size) made short. No format
    checker: ``format`` is an annotation (and refused in expectations)."""
    from jsonschema import Draft202012Validator, validators

    keywords = {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
        "uniqueItems": _unique_items,
        "enum": _enum,
        "const": _const,
        "not": _not,
        "oneOf": _one_of,
    }
    extend: Any = validators.extend  # untyped in types-jsonschema
    kind: type[Validator] = extend(Draft202012Validator, keywords)
    return kind


def _error(message: str) -> ValidationError:
    from jsonschema.exceptions import ValidationError

    return ValidationError(message)


def _pattern(validator: Any, pattern: str, instance: Any, _: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not patterns.search(pattern, instance):
        yield _error(f"{show(instance)} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, named: dict[str, Any], instance: Any, _: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in named.items():
        for key, item in instance.items():
            if patterns.search(pattern, key):
                yield from validator.descend(item, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, other: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    known = schema.get("properties", {})
    named = schema.get("patternProperties", {})
    extras = [
        key
        for key in instance
        if key not in known and not any(patterns.search(pattern, key) for pattern in named)
    ]
    if validator.is_type(other, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], other, path=extra)
    elif not other and extras:
        listed = ", ".join(repr(extra) for extra in sorted(extras))
        if named:
            verb = "does" if len(extras) == 1 else "do"
            regexes = ", ".join(repr(pattern) for pattern in sorted(named))
            yield _error(f"{listed} {verb} not match any of the regexes: {regexes}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield _error(f"Additional properties are not allowed ({listed} {verb} unexpected)")


def _unique_items(validator: Any, wanted: Any, instance: Any, _: Any) -> Iterator[ValidationError]:
    if wanted and validator.is_type(instance, "array") and not quickschema.unique(instance):
        yield _error("has non-unique elements")


def _enum(_validator: Any, options: Any, instance: Any, _: Any) -> Iterator[ValidationError]:
    if not _options(options)(instance):
        yield _error(f"{show(instance)} is not one of {show(options)}")


def _const(_validator: Any, expected: Any, instance: Any, _: Any) -> Iterator[ValidationError]:
    if not quickschema.equal(instance, expected):
        yield _error(f"{show(expected)} was expected")


def _not(validator: Any, schema: Any, instance: Any, _: Any) -> Iterator[ValidationError]:
    if validator.evolve(schema=schema).is_valid(instance):
        yield _error(f"{show(instance)} should not be valid under {show(schema)}")


def _one_of(validator: Any, schemas: Any, instance: Any, _: Any) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    failures: list[ValidationError] = []
    valid: list[int] = []
    for index, schema in enumerate(schemas):
        if valid:  # one matches already: is there a second?
            if validator.evolve(schema=schema).is_valid(instance):
                valid.append(index)
            continue
        errors = list(validator.descend(instance, schema, schema_path=index))
        if errors:
            failures.extend(errors)
        else:
            valid.append(index)
    if not valid:
        message = f"{show(instance)} is not valid under any of the given schemas"
        yield ValidationError(message, context=failures)
    elif len(valid) > 1:
        listed = ", ".join(f"oneOf[{index}]" for index in valid)
        yield _error(f"{show(instance)} is valid under each of {listed}")


_OPTIONS: dict[int, tuple[Any, Any]] = {}
"""``enum`` lists seen lately (by identity) and their hashed options: the keyword
function is called once per item, with the same list."""


def _options(options: Any) -> Any:
    if not isinstance(options, list):
        return lambda value: any(quickschema.equal(value, option) for option in options)
    cached = _OPTIONS.get(id(options))
    if cached is None or cached[0] is not options:
        if len(_OPTIONS) >= 64:
            _OPTIONS.clear()
        cached = _OPTIONS[id(options)] = (options, quickschema.one_of(options))
    return cached[1]


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
        case "uniqueItems":
            expected = f"{where} to have no repeated items"
            repeat = quickschema.first_repeat(instance)
            if repeat is not None:
                later, earlier = repeat
                found = f"{where}[{later}] repeats {where}[{earlier}]: {show(instance[later])}"
        case "contains":
            expected = f"{where} to contain an item matching {show(value)}"
        case "not":
            expected = f"{where} not matching {show(value)}"
        case _:
            expected = f"{where}: {error.message}"
    return Finding(location, expected, found, step)

"""A quick "yes" from JSON Schema's common keywords, interpreted directly.

``jsonschema`` stays the authority: it explains every failure and handles
every keyword. But building a validator and descending into each subschema
costs about half a millisecond per expectation, and checking an expectation
against the draft 2020-12 meta-schema about two, which dominate a run of many
criteria. So two quick answers come first:

* :func:`holds` says whether a value matches a schema made of the keywords
  below, with their draft 2020-12 meaning, and ``None`` for anything else (an
  unknown keyword, a malformed argument, a reference it cannot follow);
* :func:`well_formed` says that a schema made of those keywords, with
  arguments of the right shape, is a valid schema, and ``None`` otherwise.

Only their "yes" is used: a "no" or a ``None`` goes to ``jsonschema``, which
then says why. ``tests/test_quickschema.py`` checks on generated schemas and
values that neither ever says yes where ``jsonschema`` says no.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_ANNOTATIONS = frozenset(
    {"title", "description", "$comment", "examples", "default", "format", "deprecated", "$defs"}
)
"""Keywords that never change the outcome (``format`` is an annotation unless a
format checker is given, and the engine gives none; ``$defs`` only holds
targets of ``$ref``)."""

_TYPES: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
}


class _Unsupported(Exception):
    """The schema uses something this module does not interpret."""


def holds(schema: Any, value: Any) -> bool | None:
    """Whether ``value`` matches ``schema``, or None when only ``jsonschema`` can tell.

    ``$ref`` is followed when it points inside ``schema`` itself (``#/...``).
    """
    try:
        return _Matcher(schema).holds(schema, value)
    except (_Unsupported, RecursionError):
        return None


def equal(one: Any, other: Any) -> bool:
    """JSON equality: ``1 == 1.0``, but ``true`` is not ``1``."""
    if one is other:
        return True
    if isinstance(one, bool) or isinstance(other, bool):
        return isinstance(one, bool) and isinstance(other, bool) and one == other
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(map(equal, one, other))
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(equal(one[k], other[k]) for k in one)
    if isinstance(one, list | dict) or isinstance(other, list | dict):
        return False
    return bool(one == other)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(argument: Any) -> int:
    """A non-negative integer argument (``1.0`` counts, as in JSON Schema)."""
    if _is_number(argument) and float(argument).is_integer() and argument >= 0:
        return int(argument)
    raise _Unsupported


def _number(argument: Any) -> float | int:
    if not _is_number(argument):
        raise _Unsupported
    number: float | int = argument
    return number


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error:
        raise _Unsupported from None


def _subschemas(argument: Any) -> list[Any]:
    if not isinstance(argument, list) or not argument:
        raise _Unsupported
    return argument


def _unique(values: list[Any]) -> bool:
    return all(not equal(a, b) for i, a in enumerate(values) for b in values[i + 1 :])


class _Matcher:
    """Interprets one schema document (its ``$ref`` targets are inside it)."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def holds(self, schema: Any, value: Any) -> bool:
        if schema is True or schema is False:
            return schema
        if not isinstance(schema, dict):
            raise _Unsupported
        for keyword, argument in schema.items():
            if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                continue
            if keyword in ("$schema", "$id") and schema is self.root:
                continue
            if keyword in _SIZES:
                ok = self._size(argument, value, keyword)
            elif keyword in _BOUNDS:
                ok = self._bound(argument, value, keyword)
            elif keyword in _METHODS:
                ok = getattr(self, _METHODS[keyword])(argument, value, schema)
            else:
                raise _Unsupported
            if not ok:
                return False
        return True

    def _ref(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        return self.holds(self.target(argument), value)

    def target(self, reference: Any) -> Any:
        if not isinstance(reference, str) or not reference.startswith("#"):
            raise _Unsupported
        found = self.root
        for raw in reference[1:].split("/")[1:] if reference != "#" else []:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(found, dict) and part in found:
                found = found[part]
            elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
                found = found[int(part)]
            else:
                raise _Unsupported
        return found

    def _type(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        names = [argument] if isinstance(argument, str) else argument
        if not isinstance(names, list) or not all(name in _TYPES for name in names):
            raise _Unsupported
        return any(_TYPES[name](value) for name in names)

    def _const(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        return equal(value, argument)

    def _enum(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        if not isinstance(argument, list):
            raise _Unsupported
        return any(equal(value, option) for option in argument)

    def _required(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        if not isinstance(argument, list) or not all(isinstance(key, str) for key in argument):
            raise _Unsupported
        return not isinstance(value, dict) or all(key in value for key in argument)

    def _properties(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        if not isinstance(argument, dict):
            raise _Unsupported
        if not isinstance(value, dict):
            return True
        return all(self.holds(sub, value[key]) for key, sub in argument.items() if key in value)

    def _pattern_properties(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        if not isinstance(argument, dict):
            raise _Unsupported
        if not isinstance(value, dict):
            return True
        return all(
            self.holds(sub, item)
            for pattern, sub in argument.items()
            for key, item in value.items()
            if _regex(pattern).search(key)
        )

    def _additional(self, argument: Any, value: Any, schema: dict[str, Any]) -> bool:
        if not isinstance(value, dict):
            return True
        known = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        if not isinstance(known, dict) or not isinstance(patterns, dict):
            raise _Unsupported
        return all(
            self.holds(argument, item)
            for key, item in value.items()
            if key not in known and not any(_regex(p).search(key) for p in patterns)
        )

    def _property_names(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        return not isinstance(value, dict) or all(self.holds(argument, key) for key in value)

    def _prefix_items(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        if not isinstance(argument, list):
            raise _Unsupported
        if not isinstance(value, list):
            return True
        return all(self.holds(sub, item) for sub, item in zip(argument, value, strict=False))

    def _items(self, argument: Any, value: Any, schema: dict[str, Any]) -> bool:
        if not isinstance(value, list):
            return True
        prefix = schema.get("prefixItems", [])
        if not isinstance(prefix, list):
            raise _Unsupported
        return all(self.holds(argument, item) for item in value[len(prefix) :])

    def _contains(self, argument: Any, value: Any, schema: dict[str, Any]) -> bool:
        if "minContains" in schema or "maxContains" in schema:
            raise _Unsupported
        return not isinstance(value, list) or any(self.holds(argument, item) for item in value)

    def _unique_items(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        if not isinstance(argument, bool):
            raise _Unsupported
        return not (argument and isinstance(value, list)) or _unique(value)

    def _size(self, argument: Any, value: Any, keyword: str) -> bool:
        limit = _count(argument)
        kind, at_least = _SIZES[keyword]
        if not isinstance(value, kind):
            return True
        size = len(value)
        return size >= limit if at_least else size <= limit

    def _bound(self, argument: Any, value: Any, keyword: str) -> bool:
        limit = _number(argument)
        if not _is_number(value):
            return True
        if keyword == "minimum":
            return bool(value >= limit)
        if keyword == "maximum":
            return bool(value <= limit)
        if keyword == "exclusiveMinimum":
            return bool(value > limit)
        return bool(value < limit)

    def _pattern(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        if not isinstance(argument, str):
            raise _Unsupported
        return not isinstance(value, str) or _regex(argument).search(value) is not None

    def _not(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        return not self.holds(argument, value)

    def _all_of(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        return all(self.holds(sub, value) for sub in _subschemas(argument))

    def _any_of(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        return any(self.holds(sub, value) for sub in _subschemas(argument))

    def _one_of(self, argument: Any, value: Any, _: dict[str, Any]) -> bool:
        return sum(self.holds(sub, value) for sub in _subschemas(argument)) == 1


_SIZES: dict[str, tuple[type[Any], bool]] = {
    "minItems": (list, True),
    "maxItems": (list, False),
    "minLength": (str, True),
    "maxLength": (str, False),
    "minProperties": (dict, True),
    "maxProperties": (dict, False),
}
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")

_METHODS = {
    "$ref": "_ref",
    "type": "_type",
    "const": "_const",
    "enum": "_enum",
    "required": "_required",
    "properties": "_properties",
    "patternProperties": "_pattern_properties",
    "additionalProperties": "_additional",
    "propertyNames": "_property_names",
    "prefixItems": "_prefix_items",
    "items": "_items",
    "contains": "_contains",
    "uniqueItems": "_unique_items",
    "pattern": "_pattern",
    "not": "_not",
    "allOf": "_all_of",
    "anyOf": "_any_of",
    "oneOf": "_one_of",
}


# -- is a schema well formed? -----------------------------------------------------

_SCHEMA_VALUED = frozenset({"not", "items", "contains", "additionalProperties", "propertyNames"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs"})
_COUNTS = frozenset(_SIZES)
_NUMBERS = frozenset(_BOUNDS)


def well_formed(schema: Any) -> bool | None:
    """True when ``schema`` is certainly a valid draft 2020-12 schema (made only
    of the keywords above, with arguments of the right shape), else None."""
    try:
        _check(schema)
    except (_Unsupported, RecursionError):
        return None
    return True


def _check(schema: Any) -> None:
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise _Unsupported
    for keyword, argument in schema.items():
        _check_keyword(keyword, argument)


def _check_keyword(keyword: str, argument: Any) -> None:
    if keyword in _SCHEMA_VALUED:
        _check(argument)
    elif keyword in _SCHEMA_LISTS:
        for sub in _subschemas(argument):
            _check(sub)
    elif keyword in _SCHEMA_MAPS:
        if not isinstance(argument, dict):
            raise _Unsupported
        for key, sub in argument.items():
            if keyword == "patternProperties":
                _regex(key)
            _check(sub)
    elif keyword in _COUNTS:
        _count(argument)
    elif keyword in _NUMBERS:
        _number(argument)
    elif keyword == "type":
        names = [argument] if isinstance(argument, str) else argument
        if not isinstance(names, list) or not names or not all(n in _TYPES for n in names):
            raise _Unsupported
        if len(set(names)) != len(names):
            raise _Unsupported
    elif keyword == "enum":
        if not isinstance(argument, list):
            raise _Unsupported
    elif keyword == "required":
        if not isinstance(argument, list) or not all(isinstance(k, str) for k in argument):
            raise _Unsupported
        if len(set(argument)) != len(argument):
            raise _Unsupported
    elif keyword == "pattern":
        if not isinstance(argument, str):
            raise _Unsupported
        _regex(argument)
    elif keyword in ("title", "description", "$comment", "format"):
        if not isinstance(argument, str):
            raise _Unsupported
    elif keyword == "examples":
        if not isinstance(argument, list):
            raise _Unsupported
    elif keyword in ("uniqueItems", "deprecated"):
        if not isinstance(argument, bool):
            raise _Unsupported
    elif keyword not in ("const", "default"):
        raise _Unsupported

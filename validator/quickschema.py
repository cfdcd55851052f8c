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
from collections.abc import Callable, Iterable
from typing import Any

from . import patterns

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


Check = Callable[[Any], bool]


def holds(schema: Any, value: Any) -> bool | None:
    """Whether ``value`` matches ``schema``, or None when only ``jsonschema`` can tell.

    ``$ref`` is followed when it points inside ``schema`` itself (``#/...``).
    Patterns are matched in bounded time: :class:`~validator.patterns.PatternError`
    is raised (not turned into None) when one cannot be, so that the budget is
    not spent a second time on the same pattern by ``jsonschema``.
    """
    check = compiled(schema)
    try:
        return None if check is None else check(value)
    except RecursionError:
        return None


def compiled(schema: Any, *, trusted: bool = False) -> Check | None:
    """``schema`` turned into a predicate (None: not interpretable here).

    Compiling once and calling often is what makes the spec format's check
    cheap; a schema seen once (an expectation) costs about the same either way.
    A ``trusted`` schema's patterns (the spec format's own: fixed, and linear
    in the text) are matched by ``re``, as ``jsonschema`` matches them, without
    the bounded matcher's cost (4 microseconds a search, a third of checking
    a spec's format).
    """
    try:
        return _Compiler(schema, trusted).compile(schema)
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


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The part of ``document`` the JSON Pointer ``pointer`` (RFC 6901) names;
    LookupError when there is none."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        raise LookupError(pointer)
    found = document
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(found, dict) and part in found:
            found = found[part]
        elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
            found = found[int(part)]
        else:
            raise LookupError(pointer)
    return found


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


def _regex(pattern: str) -> str:
    """``pattern``, once it is known to compile within the limits."""
    try:
        patterns.compiled(pattern)
    except patterns.PatternError:
        raise _Unsupported from None
    return pattern


def _subschemas(argument: Any) -> list[Any]:
    if not isinstance(argument, list) or not argument:
        raise _Unsupported
    return argument


def unique(values: list[Any]) -> bool:
    """No two of ``values`` are :func:`equal`: by hashing, where comparing every
    pair was quadratic (a spec's list of 20,000 names took minutes to load)."""
    return first_repeat(values) is None


def first_repeat(values: list[Any]) -> tuple[int, int] | None:
    """The index of the first item :func:`equal` to an earlier one, and the
    index of that one; None when all differ. Linear: each item is hashed once."""
    seen: dict[Any, int] = {}
    for index, value in enumerate(values):
        earlier = seen.setdefault(hashable(value), index)
        if earlier != index:
            return index, earlier
    return None


def one_of(options: Iterable[Any]) -> Callable[[Any], bool]:
    """Whether a value is :func:`equal` to one of ``options`` (``enum``), in
    time proportional to the value, not to the number of options."""
    keys = frozenset(map(hashable, options))
    return lambda value: hashable(value) in keys


def hashable(value: Any) -> Any:
    """A key equal for two values exactly when :func:`equal` says they are."""
    if isinstance(value, bool):
        return (bool, value)  # true is not 1
    if isinstance(value, list):
        return (list, tuple(map(hashable, value)))
    if isinstance(value, dict):
        return (dict, frozenset((key, hashable(item)) for key, item in value.items()))
    return value  # strings, numbers (1 == 1.0, as in JSON) and null


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)


class _Compiler:
    """Compiles one schema document (its ``$ref`` targets are inside it)."""

    def __init__(self, root: Any, trusted: bool = False) -> None:
        self.root = root
        self.targets: dict[str, Check] = {}
        self.trusted = trusted

    def matcher(self, pattern: str) -> Callable[[str], bool]:
        """Whether ``pattern`` (checked by :func:`_regex`) matches somewhere in a text."""
        if self.trusted:
            search = re.compile(pattern).search
            return lambda text: search(text) is not None
        return lambda text: patterns.search(pattern, text)

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda _: True
        if schema is False:
            return lambda _: False
        if not isinstance(schema, dict):
            raise _Unsupported
        checks: list[Check] = []
        for keyword, argument in schema.items():
            if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                continue
            if keyword in ("$schema", "$id") and schema is self.root:
                continue
            make = _KEYWORDS.get(keyword)
            if make is None:
                raise _Unsupported
            checks.append(make(self, argument, schema))
        return _all(checks) if checks else (lambda _: True)

    def ref(self, argument: Any, _: dict[str, Any]) -> Check:
        if not isinstance(argument, str) or not argument.startswith("#"):
            raise _Unsupported
        if argument not in self.targets:
            # A stand-in first, so that a recursive reference compiles.
            self.targets[argument] = lambda value: self.targets[argument](value)
            self.targets[argument] = self.compile(self.target(argument))
        return self.targets[argument]

    def target(self, reference: str) -> Any:
        try:
            return resolve_pointer(self.root, reference[1:])
        except LookupError:
            raise _Unsupported from None

    def type(self, argument: Any, _: dict[str, Any]) -> Check:
        names = [argument] if isinstance(argument, str) else argument
        if not isinstance(names, list) or not all(_type_name(name) for name in names):
            raise _Unsupported
        tests = [_TYPES[name] for name in names]
        return tests[0] if len(tests) == 1 else lambda v: any(test(v) for test in tests)

    def const(self, argument: Any, _: dict[str, Any]) -> Check:
        return lambda value: equal(value, argument)

    def enum(self, argument: Any, _: dict[str, Any]) -> Check:
        if not isinstance(argument, list):
            raise _Unsupported
        return one_of(argument)

    def required(self, argument: Any, _: dict[str, Any]) -> Check:
        if not isinstance(argument, list) or not all(isinstance(key, str) for key in argument):
            raise _Unsupported
        return lambda value: not isinstance(value, dict) or all(k in value for k in argument)

    def properties(self, argument: Any, _: dict[str, Any]) -> Check:
        if not isinstance(argument, dict):
            raise _Unsupported
        checks = [(key, self.compile(sub)) for key, sub in argument.items()]
        return lambda value: (
            not isinstance(value, dict)
            or all(check(value[key]) for key, check in checks if key in value)
        )

    def pattern_properties(self, argument: Any, _: dict[str, Any]) -> Check:
        if not isinstance(argument, dict):
            raise _Unsupported
        checks = [
            (self.matcher(_regex(pattern)), self.compile(sub)) for pattern, sub in argument.items()
        ]
        return lambda value: (
            not isinstance(value, dict)
            or all(
                check(item) for matches, check in checks for k, item in value.items() if matches(k)
            )
        )

    def additional(self, argument: Any, schema: dict[str, Any]) -> Check:
        known = schema.get("properties", {})
        named = schema.get("patternProperties", {})
        if not isinstance(known, dict) or not isinstance(named, dict):
            raise _Unsupported
        regexes = [self.matcher(_regex(pattern)) for pattern in named]
        check = self.compile(argument)

        def other(key: str) -> bool:
            return key not in known and not any(matches(key) for matches in regexes)

        return lambda value: (
            not isinstance(value, dict)
            or all(check(item) for key, item in value.items() if other(key))
        )

    def property_names(self, argument: Any, _: dict[str, Any]) -> Check:
        check = self.compile(argument)
        return lambda value: not isinstance(value, dict) or all(map(check, value))

    def prefix_items(self, argument: Any, _: dict[str, Any]) -> Check:
        if not isinstance(argument, list):
            raise _Unsupported
        checks = [self.compile(sub) for sub in argument]
        return lambda value: (
            not isinstance(value, list)
            or all(check(item) for check, item in zip(checks, value, strict=False))
        )

    def items(self, argument: Any, schema: dict[str, Any]) -> Check:
        prefix = schema.get("prefixItems", [])
        if not isinstance(prefix, list):
            raise _Unsupported
        start, check = len(prefix), self.compile(argument)
        return lambda value: not isinstance(value, list) or all(map(check, value[start:]))

    def contains(self, argument: Any, schema: dict[str, Any]) -> Check:
        low = _count(schema.get("minContains", 1))
        high = _count(schema["maxContains"]) if "maxContains" in schema else None
        check = self.compile(argument)
        if low == 1 and high is None:
            return lambda value: not isinstance(value, list) or any(map(check, value))

        def counted(value: Any) -> bool:
            if not isinstance(value, list):
                return True
            found = sum(1 for item in value if check(item))
            return found >= low and (high is None or found <= high)

        return counted

    def contains_bound(self, argument: Any, _: dict[str, Any]) -> Check:
        """``minContains`` and ``maxContains`` alone say nothing (with
        ``contains``, :meth:`contains` reads them)."""
        _count(argument)
        return lambda _: True

    def unique_items(self, argument: Any, _: dict[str, Any]) -> Check:
        if not isinstance(argument, bool):
            raise _Unsupported
        return lambda value: not (argument and isinstance(value, list)) or unique(value)

    def pattern(self, argument: Any, _: dict[str, Any]) -> Check:
        if not isinstance(argument, str):
            raise _Unsupported
        matches = self.matcher(_regex(argument))
        return lambda value: not isinstance(value, str) or matches(value)

    def negation(self, argument: Any, _: dict[str, Any]) -> Check:
        check = self.compile(argument)
        return lambda value: not check(value)

    def all_of(self, argument: Any, _: dict[str, Any]) -> Check:
        return _all([self.compile(sub) for sub in _subschemas(argument)])

    def any_of(self, argument: Any, _: dict[str, Any]) -> Check:
        checks = [self.compile(sub) for sub in _subschemas(argument)]
        return lambda value: any(check(value) for check in checks)

    def condition(self, argument: Any, schema: dict[str, Any]) -> Check:
        """``if``/``then``/``else`` (``then`` and ``else`` alone do nothing)."""
        test = self.compile(argument)
        then = self.compile(schema.get("then", True))
        otherwise = self.compile(schema.get("else", True))
        return lambda value: then(value) if test(value) else otherwise(value)

    def one_of(self, argument: Any, _: dict[str, Any]) -> Check:
        checks = [self.compile(sub) for sub in _subschemas(argument)]
        return lambda value: sum(check(value) for check in checks) == 1


def _size(kind: type[Any], at_least: bool) -> Callable[[_Compiler, Any, dict[str, Any]], Check]:
    def make(_: _Compiler, argument: Any, __: dict[str, Any]) -> Check:
        limit = _count(argument)
        if at_least:
            return lambda value: not isinstance(value, kind) or len(value) >= limit
        return lambda value: not isinstance(value, kind) or len(value) <= limit

    return make


def _bound(
    compare: Callable[[Any, Any], bool],
) -> Callable[[_Compiler, Any, dict[str, Any]], Check]:
    def make(_: _Compiler, argument: Any, __: dict[str, Any]) -> Check:
        limit = _number(argument)
        return lambda value: not _is_number(value) or compare(value, limit)

    return make


_SIZES = ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties")
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")

_KEYWORDS: dict[str, Callable[[_Compiler, Any, dict[str, Any]], Check]] = {
    "$ref": _Compiler.ref,
    "type": _Compiler.type,
    "const": _Compiler.const,
    "enum": _Compiler.enum,
    "required": _Compiler.required,
    "properties": _Compiler.properties,
    "patternProperties": _Compiler.pattern_properties,
    "additionalProperties": _Compiler.additional,
    "propertyNames": _Compiler.property_names,
    "prefixItems": _Compiler.prefix_items,
    "items": _Compiler.items,
    "contains": _Compiler.contains,
    "minContains": _Compiler.contains_bound,
    "maxContains": _Compiler.contains_bound,
    "uniqueItems": _Compiler.unique_items,
    "pattern": _Compiler.pattern,
    "not": _Compiler.negation,
    "allOf": _Compiler.all_of,
    "anyOf": _Compiler.any_of,
    "oneOf": _Compiler.one_of,
    "if": _Compiler.condition,
    "then": lambda _compiler, _argument, _schema: lambda _: True,
    "else": lambda _compiler, _argument, _schema: lambda _: True,
    "minItems": _size(list, True),
    "maxItems": _size(list, False),
    "minLength": _size(str, True),
    "maxLength": _size(str, False),
    "minProperties": _size(dict, True),
    "maxProperties": _size(dict, False),
    "minimum": _bound(lambda value, limit: value >= limit),
    "maximum": _bound(lambda value, limit: value <= limit),
    "exclusiveMinimum": _bound(lambda value, limit: value > limit),
    "exclusiveMaximum": _bound(lambda value, limit: value < limit),
}


# -- is a schema well formed? -----------------------------------------------------

_SCHEMA_VALUED = frozenset(
    {"not", "items", "contains", "additionalProperties", "propertyNames", "if", "then", "else"}
)
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs"})
_COUNTS = frozenset(_SIZES)
_NUMBERS = frozenset(_BOUNDS)


def _type_name(name: Any) -> bool:
    """Whether ``name`` names a JSON type (a list or mapping there is unhashable)."""
    return isinstance(name, str) and name in _TYPES


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
        if not isinstance(names, list) or not names or not all(map(_type_name, names)):
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

"""What an expectation may say, and how much work it may ask for.

JSON Schema ignores keywords it does not know, so ``requried: [id]`` or
``minLenght: 1`` in an expectation would check nothing and the criterion
would pass: every keyword at a schema position must be one of draft 2020-12's
that checks something, or an annotation (``title``, ``description``, ...).
Keywords that look like checks but are annotations in 2020-12 (``format``,
``content*``), and those whose evaluation is not bounded
(``unevaluated*``) or that the engine does not resolve (``$dynamicRef``,
``$anchor``), are refused with the reason.

The work of matching is bounded before anything runs:

* a ``$ref`` cycle that never goes into the value (``$ref: '#'``) would never
  end;
* evaluation nests one level per subschema and per ``$ref``: more than
  :data:`MAX_DEPTH` would exhaust Python's stack;
* ``$ref`` makes a schema a graph, and a small graph can expand to billions of
  subschemas to visit for every value (twenty definitions that each use the
  next one twice): more than :data:`MAX_EXPANSION` beyond what is written is
  refused;
* every pattern is within the limits of :mod:`validator.patterns`.

An expectation that is ``true``, ``{}`` or only annotations checks nothing
and is refused too.

Only schema positions are read: nothing inside ``const``, ``enum``,
``examples`` or ``default``, and property names are names, not keywords.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from . import patterns, quickschema
from .loader import Path_

MAX_DEPTH = 64
"""Subschemas and ``$ref`` hops one evaluation may nest."""
MAX_EXPANSION = 10_000
"""Subschemas ``$ref`` may add, per value, to those written out."""

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# Keywords whose value is a schema, a list or a map of schemas: "in place"
# ones apply to the same value, the others to its items, properties or keys.
_IN_PLACE_ONE = frozenset({"not", "if", "then", "else"})
_IN_PLACE_LIST = frozenset({"allOf", "anyOf", "oneOf"})
_IN_PLACE_MAP = frozenset({"dependentSchemas"})
_INTO_ONE = frozenset({"items", "contains", "additionalProperties", "propertyNames"})
_INTO_LIST = frozenset({"prefixItems"})
_INTO_MAP = frozenset({"properties", "patternProperties"})
_LISTS = _IN_PLACE_LIST | _INTO_LIST
_MAPS = _IN_PLACE_MAP | _INTO_MAP | {"$defs"}

_VALUES = frozenset(
    {
        "type", "const", "enum", "required", "dependentRequired", "multipleOf",
        "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
        "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains",
        "minContains", "maxProperties", "minProperties", "$ref",
    }
)  # fmt: skip
ANNOTATIONS = frozenset(
    {"title", "description", "$comment", "default", "deprecated", "readOnly", "writeOnly",
     "examples"}
)  # fmt: skip
KEYWORDS = (
    _IN_PLACE_ONE | _IN_PLACE_LIST | _IN_PLACE_MAP | _INTO_ONE | _INTO_LIST | _INTO_MAP
    | _VALUES | ANNOTATIONS | {"$defs"}
)  # fmt: skip
"""Every keyword an expectation may use anywhere (``$schema`` and ``$id`` only
at its top)."""

_ROOT_ONLY = frozenset({"$schema", "$id"})

_REFUSED: dict[str, str] = {
    "format": (
        "'format' only annotates in JSON Schema 2020-12 and checks nothing; "
        "write a 'pattern' for the shape the text must have"
    ),
    **{
        keyword: f"{keyword!r} only annotates in JSON Schema 2020-12 and checks nothing"
        for keyword in ("contentEncoding", "contentMediaType", "contentSchema")
    },
    "unevaluatedProperties": (
        "'unevaluatedProperties' is not supported in expectations (jsonschema takes "
        "exponential time on it); use 'additionalProperties'"
    ),
    "unevaluatedItems": (
        "'unevaluatedItems' is not supported in expectations (jsonschema takes "
        "exponential time on it); use 'items' (after 'prefixItems')"
    ),
    **{
        keyword: (
            f"{keyword!r} is not supported in expectations; "
            "a '$ref' to a JSON Pointer inside the expectation ('#/$defs/name') is"
        )
        for keyword in ("$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary")
    },
}

_HINTS: dict[str, str] = {
    "definitions": "did you mean '$defs'?",
    "dependencies": "did you mean 'dependentRequired' or 'dependentSchemas'?",
    "additionalItems": "in JSON Schema 2020-12, 'items' checks the items after 'prefixItems'",
    "nullable": "to allow null, list it in 'type' (type: [string, \"null\"])",
}
_BY_CASE = {keyword.lower(): keyword for keyword in KEYWORDS}


@dataclass(frozen=True)
class Issue:
    """Why an expectation is refused, at ``path`` inside it (at the key when
    ``key``)."""

    path: Path_
    message: str
    key: bool = False
    pattern: bool = False
    """A pattern beyond the limits: the meta-schema check must not compile it."""


def problems(schema: Any) -> list[Issue]:
    """Everything an expectation says that would check nothing, or ask for
    unbounded work; none for a usable expectation. Any shape is accepted (the
    meta-schema check says what is malformed)."""
    walk = _Walk()
    walk.run(schema)
    if () not in walk.positions:
        return walk.issues  # not a schema at all: the meta-schema check says so
    vacuous = [Issue((), VACUOUS)] if checks_nothing(schema) else []
    if not walk.refs:  # a tree as written: no cycle, and as deep and large as its text
        return [*vacuous, *walk.issues]
    return [*vacuous, *walk.issues, *_Graph(schema, walk).issues()]


VACUOUS = (
    "this expectation accepts any value, so it checks nothing; say what the value must be "
    "(type: object for a row, type: array for rows)"
)


def checks_nothing(schema: Any) -> bool:
    """Whether ``schema`` is ``true``, ``{}`` or only annotations: it accepts
    anything, null too, so a criterion that relies on it would always pass."""
    if isinstance(schema, dict):
        return not schema.keys() - ANNOTATIONS - _ROOT_ONLY - {"$defs"}
    return schema is True


def positions(schema: Any) -> dict[Path_, Any]:
    """Every schema position in ``schema`` (the path to it) and the schema there."""
    walk = _Walk()
    walk.run(schema)
    return walk.positions


def pattern_problems(issues: list[Issue]) -> bool:
    """Whether ``issues`` hold a pattern beyond the limits: the meta-schema
    check compiles patterns with ``re`` and must not be given those."""
    return any(issue.pattern for issue in issues)


def unknown(keyword: str) -> str:
    """The message for a keyword JSON Schema would ignore, with the one meant."""
    message = f"unknown keyword {keyword!r}: JSON Schema ignores it, so it would check nothing"
    hint = _HINTS.get(keyword)
    if hint is None:
        meant = _BY_CASE.get(keyword.lower())
        if meant is None:
            import difflib  # only for an unknown keyword

            close = difflib.get_close_matches(keyword, sorted(KEYWORDS), n=1, cutoff=0.75)
            meant = close[0] if close else None
        if meant is not None:
            hint = f"did you mean {meant!r}?"
        elif keyword.startswith("x-"):
            hint = "to annotate, write a 'description' or a '$comment'"
        else:
            hint = "expected a keyword of JSON Schema 2020-12"
    return f"{message}; {hint}"


class _Walk:
    """One pass over the schema positions: keyword problems, patterns, and the
    edges of the evaluation graph (subschemas, and ``$ref`` to resolve)."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.positions: dict[Path_, Any] = {}
        self.edges: dict[Path_, list[tuple[Path_, bool]]] = {}
        """For each schema, its subschemas and whether each applies in place."""
        self.refs: list[tuple[Path_, str]] = []

    def run(self, root: Any) -> None:
        stack: list[tuple[Any, Path_]] = [(root, ())]
        while stack:
            node, path = stack.pop()
            if not isinstance(node, dict | bool):
                continue  # the meta-schema check says what a schema must be
            self.positions[path] = node
            self.edges[path] = []
            if isinstance(node, dict):
                for keyword, argument in node.items():
                    for child in self.keyword(path, str(keyword), argument):
                        stack.append((_argument_at(node, child, path), child))

    def keyword(self, path: Path_, keyword: str, argument: Any) -> list[Path_]:
        """Check one keyword; the paths of the subschemas it holds."""
        at = (*path, keyword)
        children: list[Path_] = []
        if keyword in _IN_PLACE_ONE or keyword in _INTO_ONE:
            children = [at]
        elif keyword in _LISTS and isinstance(argument, list):
            children = [(*at, index) for index in range(len(argument))]
        elif keyword in _MAPS and isinstance(argument, dict):
            children = [(*at, name) for name in argument]
            if keyword == "patternProperties":
                for name in argument:
                    self.pattern((*at, name), str(name), key=True)
        elif keyword == "pattern" and isinstance(argument, str):
            self.pattern(at, argument, key=False)
        elif keyword == "$ref" and isinstance(argument, str):
            self.refs.append((path, argument))
        elif keyword in _ROOT_ONLY:
            self.root_only(path, keyword, argument)
        elif keyword in _REFUSED:
            self.issues.append(Issue(at, _REFUSED[keyword], key=True))
        elif keyword not in KEYWORDS:
            self.issues.append(Issue(at, unknown(keyword), key=True))
        in_place = keyword in _IN_PLACE_ONE or keyword in _IN_PLACE_LIST or keyword in _IN_PLACE_MAP
        if keyword != "$defs":  # definitions apply only where a $ref leads
            self.edges[path].extend((child, in_place) for child in children)
        return children

    def pattern(self, at: Path_, pattern: str, *, key: bool) -> None:
        # Also with a ${...} in it: the meta-schema check compiles the text as
        # written (and the resolved text is checked again at run time).
        refused = patterns.limits(pattern)
        if refused is not None:
            self.issues.append(Issue(at, refused, key=key, pattern=True))

    def root_only(self, path: Path_, keyword: str, argument: Any) -> None:
        if path:
            message = f"{keyword!r} may only be given at the top of an expectation"
            self.issues.append(Issue((*path, keyword), message, key=True))
        elif keyword == "$schema" and isinstance(argument, str) and argument.rstrip("#") != DRAFT:
            message = f"expectations are JSON Schema 2020-12: '$schema' may only be {DRAFT!r}"
            self.issues.append(Issue((keyword,), message))


def _argument_at(node: dict[str, Any], child: Path_, path: Path_) -> Any:
    """The subschema of ``node`` (at ``path``) at ``child``, one or two steps below."""
    value: Any = node
    for part in child[len(path) :]:
        value = value[part]
    return value


class _Graph:
    """The evaluation graph of a schema whose keywords are all known: ``$ref``
    cycles, depth and expansion."""

    def __init__(self, root: Any, walk: _Walk) -> None:
        self.root = root
        self.walk = walk
        self.found: list[Issue] = []
        self.ref_edges: set[tuple[Path_, Path_]] = set()
        """(holder, target) of each ``$ref`` edge, to locate a cycle at one."""

    def issues(self) -> list[Issue]:
        edges = self.walk.edges
        for node, children in edges.items():  # a malformed subschema is no node
            edges[node] = [(child, in_place) for child, in_place in children if child in edges]
        for holder, ref in self.walk.refs:
            target = self.resolve(holder, ref)
            if target is not None:
                self.walk.edges[holder].append((target, True))
                self.ref_edges.add((holder, target))
        if self.found:
            return self.found
        self.cycles()
        if not self.found:
            self.bounds()
        return self.found

    def resolve(self, holder: Path_, ref: str) -> Path_ | None:
        """The schema position ``ref`` names, or None (with the problem noted)."""
        where = (*holder, "$ref")
        if "${" in ref:
            return None  # checked once the reference is resolved
        if not ref.startswith("#"):
            message = (
                f"$ref {ref!r}: only references inside the expectation ('#/...') are supported"
            )
            self.found.append(Issue(where, message))
            return None
        target = _pointer_path(self.root, ref[1:])
        if target is None:
            self.found.append(Issue(where, f"$ref {ref!r} points nowhere in this expectation"))
            return None
        if target not in self.walk.positions:
            self.found.append(Issue(where, f"$ref {ref!r} {self.not_a_schema(target)}"))
            return None
        return target

    def not_a_schema(self, target: Path_) -> str:
        """What a path that is not a schema position points at."""
        depth = max(i for i in range(len(target)) if target[:i] in self.walk.positions)
        keyword = str(target[depth])
        if len(target) == depth + 1 and (keyword in _LISTS or keyword in _MAPS):
            return f"points at {keyword!r}, which holds schemas but is not one"
        return f"points at the value of {keyword!r}, not at a schema"

    def cycles(self) -> None:
        """Cycles of in-place edges (they never reach the end of the value),
        located at a ``$ref`` on each (iterative depth-first search)."""
        edges = self.walk.edges
        state: dict[Path_, int] = {}  # 1: on the path, 2: done
        path: list[Path_] = [()]
        iterators = [iter(edges[()])]
        state[()] = 1
        reported: set[Path_] = set()
        while iterators:
            step = next(iterators[-1], None)
            if step is None:
                state[path.pop()] = 2
                iterators.pop()
                continue
            child, in_place = step
            if not in_place or state.get(child) == 2:
                continue
            if state.get(child) == 1:
                holder = self.cycle_ref([*path[path.index(child) :], child])
                if holder not in reported:
                    reported.add(holder)
                    ref = self.walk.positions[holder]["$ref"]
                    message = (
                        f"$ref {ref!r} makes a cycle that never goes into the value: "
                        "matching would never end"
                    )
                    self.found.append(Issue((*holder, "$ref"), message))
                continue
            state[child] = 1
            path.append(child)
            iterators.append(iter(edges[child]))

    def cycle_ref(self, cycle: list[Path_]) -> Path_:
        """The holder of the last ``$ref`` on ``cycle`` (every cycle has one:
        without ``$ref`` a schema is a tree)."""
        for holder, target in reversed(list(itertools.pairwise(cycle))):
            if (holder, target) in self.ref_edges:
                return holder
        return cycle[-2]  # pragma: no cover - a tree has no cycle

    def bounds(self) -> None:
        """Depth and expanded size of the graph from the root (edges back to a
        schema being evaluated, which go into the value, count once)."""
        edges = self.walk.edges
        depth: dict[Path_, int] = {}
        size: dict[Path_, int] = {}
        on_path: set[Path_] = {()}
        path: list[Path_] = [()]
        iterators = [iter(edges[()])]
        cap = len(self.walk.positions) + MAX_EXPANSION + 1
        while iterators:
            step = next(iterators[-1], None)
            if step is None:
                node = path.pop()
                iterators.pop()
                on_path.discard(node)
                children = [child for child, _ in edges[node]]
                depth[node] = 1 + max((depth.get(child, 0) for child in children), default=0)
                size[node] = min(cap, 1 + sum(size.get(child, 1) for child in children))
                continue
            child = step[0]
            if child in depth or child in on_path:
                continue
            on_path.add(child)
            path.append(child)
            iterators.append(iter(edges[child]))
        if depth[()] > MAX_DEPTH:
            message = (
                f"this expectation nests {depth[()]} schemas deep through '$ref' "
                f"(at most {MAX_DEPTH})"
            )
            self.found.append(Issue((), message))
        if size[()] >= cap:
            message = (
                f"this expectation is too large: through '$ref' it expands to more than "
                f"{MAX_EXPANSION} schemas to check on each value"
            )
            self.found.append(Issue((), message))


def _pointer_path(document: Any, pointer: str) -> Path_ | None:
    """The path (list indexes as numbers) that JSON Pointer ``pointer`` names
    in ``document``, or None when it names nothing."""
    try:
        quickschema.resolve_pointer(document, pointer)
    except LookupError:
        return None
    if pointer == "":
        return ()
    found: Any = document
    parts: list[str | int] = []
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(found, list):
            parts.append(int(part))
            found = found[int(part)]
        else:
            parts.append(part)
            found = found[part]
    return tuple(parts)

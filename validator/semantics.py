"""Cross-reference checks on a built spec: what the JSON Schema cannot say.

Unknown operations and fixtures, arguments an operation does not take,
fixture cycles, references to names that are not bound at that point,
inconsistent state machines, criteria that could never fail. Every problem is
located at the spec node it concerns.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from . import quickschema, sqltext, templates
from .errors import Location, Problem
from .loader import Path_
from .model import Call, Criterion, Operation, Spec, StateMachine
from .sqlite import guard

if TYPE_CHECKING:  # jsonschema's validators are imported only when a spec needs them
    from jsonschema import Draft202012Validator

MACHINE_NAMES = ("row", "to")
"""Names a state machine's ``move`` call sees besides its fixtures."""


def problems(spec: Spec) -> list[Problem]:
    """Everything inconsistent in ``spec``, in file order."""
    return sorted(set(_Checker(spec).run()))


def fixture_closure(spec: Spec, names: Iterable[str]) -> list[str]:
    """``names`` and every fixture they need, dependencies first.

    Unknown names are left out (:func:`problems` reports them). Iterative, so a
    long chain of ``given`` costs no Python stack.
    """
    fixtures = spec.fixtures
    ordered: list[str] = []
    seen: set[str] = set()
    for name in names:
        if name in seen or name not in fixtures:
            continue
        seen.add(name)
        stack = [(name, iter(fixtures[name].given))]
        while stack:
            current, dependencies = stack[-1]
            for dependency in dependencies:
                if dependency not in seen and dependency in fixtures:
                    seen.add(dependency)
                    stack.append((dependency, iter(fixtures[dependency].given)))
                    break
            else:
                stack.pop()
                ordered.append(current)
    return ordered


class _Checker:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.source = spec.source

    def run(self) -> Iterator[Problem]:
        spec = self.spec
        exact = spec.structure.exact_tables
        if not (spec.tables or spec.machines or spec.criteria or spec.invariants or exact):
            yield Problem(
                self.source.at(()),
                "the spec declares no checks: add tables, state_machines, criteria or invariants",
            )
        for operation in spec.operations.values():
            yield from self.operation(operation)
        yield from self.fixtures()
        for machine in spec.machines:
            yield from self.machine(machine)
        yield from self.criteria()
        yield from self.invariants()

    # -- operations -------------------------------------------------------

    def operation(self, operation: Operation) -> Iterator[Problem]:
        base = ("operations", operation.name)
        for name in operation.params:
            if name in operation.defaults:
                yield Problem(
                    self.source.at((*base, "defaults", name), key=True),
                    f"parameter {name!r} is both required (params) and has a default",
                )
        for name, value in operation.defaults.items():
            where = self.source.at((*base, "defaults", name))
            yield from self.references(value, where, set())
        accepted = set(operation.accepted)
        for query in operation.queries():
            count = len(sqltext.split(query.text))
            if count != 1:
                yield Problem(
                    query.location,
                    f"a 'returns' query must be exactly one statement, found {count}",
                )
        for sql in operation.all_sql():
            refused = guard.static_refusal(sql.text, "operation")
            if refused is not None:
                yield Problem(sql.location, f"refused: {refused}")
            if sqltext.has_positional(sql.text):
                yield Problem(sql.location, "use named parameters (:name), not '?' placeholders")
            for name in sqltext.parameters(sql.text):
                if name not in accepted:
                    yield Problem(
                        sql.location,
                        f"operation {operation.name!r} uses :{name}, which is not declared "
                        f"in params or defaults (declared: {_names(accepted)})",
                    )

    def call(self, call: Call, bound: set[str]) -> Iterator[Problem]:
        operation = self.spec.operations.get(call.operation)
        if operation is None:
            yield Problem(
                call.location,
                f"unknown operation {call.operation!r} (defined: {_names(self.spec.operations)})",
            )
            return
        accepted = set(operation.accepted)
        for name, value in call.args.items():
            where = self.source.at((*call.path, "with", name), key=True)
            if name not in accepted:
                yield Problem(
                    where,
                    f"operation {call.operation!r} takes no parameter {name!r} "
                    f"(it takes: {_names(operation.accepted)})",
                )
            yield from self.references(value, self.source.at((*call.path, "with", name)), bound)
        for name in operation.params:
            if name not in call.args:
                yield Problem(
                    call.location,
                    f"call of {call.operation!r} misses required parameter {name!r}",
                )

    def references(self, value: Any, where: Location, bound: set[str]) -> Iterator[Problem]:
        try:
            found = list(templates.references(value))
        except templates.TemplateError as exc:
            yield Problem(where, str(exc))
            return
        for text, parts in found:
            head = parts[0]
            if head in templates.GENERATORS:
                if len(parts) > 1:
                    yield Problem(
                        where, f"${{{text}}}: {head!r} is a generated value, it has no fields"
                    )
                continue
            if head not in bound:
                known = _names(sorted(bound | templates.GENERATORS))
                yield Problem(where, f"${{{text}}}: {head!r} is not bound here (bound: {known})")

    # -- fixtures ---------------------------------------------------------

    def given(self, names: Iterable[str], path: Path_) -> Iterator[Problem]:
        for i, name in enumerate(names):
            if name not in self.spec.fixtures:
                yield Problem(
                    self.source.at((*path, "given", i)),
                    f"unknown fixture {name!r} (defined: {_names(self.spec.fixtures)})",
                )

    def fixtures(self) -> Iterator[Problem]:
        fixtures = self.spec.fixtures
        for fixture in fixtures.values():
            yield from self.given(fixture.given, ("fixtures", fixture.name))
            if fixture.name in templates.GENERATORS:
                yield Problem(
                    fixture.location, f"name {fixture.name!r} is reserved for a generated value"
                )
        cyclic = _cyclic(
            {name: [d for d in fx.given if d in fixtures] for name, fx in fixtures.items()}
        )
        for name in cyclic:
            yield Problem(
                fixtures[name].location, f"fixture {name!r} depends on itself through 'given'"
            )
        for fixture in fixtures.values():
            if fixture.name in cyclic:
                continue
            bound = set(self.closure(fixture.given)) - {fixture.name}
            yield from self.call(fixture.call, bound)

    def closure(self, names: Iterable[str]) -> list[str]:
        return fixture_closure(self.spec, names)

    # -- state machines ---------------------------------------------------

    def machine(self, machine: StateMachine) -> Iterator[Problem]:
        path = machine.path
        states = set(machine.states)

        def unknown(state: str, where: Location, role: str) -> Iterator[Problem]:
            if state not in states:
                yield Problem(
                    where,
                    f"{role} {state!r} is not one of the states ({', '.join(machine.states)})",
                )

        yield from unknown(machine.initial, self.source.at((*path, "initial")), "initial state")
        for source in machine.sources:
            yield from unknown(
                source, self.source.at((*path, "transitions", source), key=True), "state"
            )
        for transition in machine.transitions:
            yield from unknown(transition.target, transition.location, "target state")
        for i, state in enumerate(machine.terminal):
            where = self.source.at((*path, "terminal", i))
            yield from unknown(state, where, "terminal state")
            if machine.allowed(state):
                yield Problem(where, f"terminal state {state!r} has outgoing transitions")
        for rule in machine.timestamps:
            for state in sorted(rule.states - states):
                yield from unknown(state, rule.location, "timestamp state")
        if machine.initial in states:
            reachable = _reachable(machine)
            for i, state in enumerate(machine.states):
                if state not in reachable:
                    yield Problem(
                        self.source.at((*path, "states", i)),
                        f"state {state!r} cannot be reached from {machine.initial!r} "
                        "by the allowed transitions",
                    )
        yield from self.given(machine.given, path)
        bound = set(self.closure(machine.given))
        for name in MACHINE_NAMES:
            if name in bound:
                yield Problem(
                    self.source.at((*path, "given")),
                    f"fixture {name!r} would hide the state machine's ${{{name}}}",
                )
        yield from self.call(machine.create, bound)
        yield from self.call(machine.move, bound | set(MACHINE_NAMES))

    # -- invariants -------------------------------------------------------

    def invariants(self) -> Iterator[Problem]:
        seen: dict[str, Location] = {}
        for invariant in self.spec.invariants:
            if invariant.key in seen:
                yield Problem(
                    invariant.location,
                    f"invariant id {invariant.key!r} is already used at line "
                    f"{seen[invariant.key].line}",
                )
            seen.setdefault(invariant.key, invariant.location)
            query = invariant.query
            count = len(sqltext.split(query.text))
            if count != 1:
                yield Problem(
                    query.location, f"an invariant is one query, found {count} statements"
                )
                continue
            refused = guard.static_refusal(query.text, "query") or _writes(query.text)
            if refused is not None:
                yield Problem(query.location, f"refused: {refused}")
            if sqltext.has_positional(query.text) or sqltext.parameters(query.text):
                yield Problem(query.location, "an invariant takes no parameters")

    # -- criteria ---------------------------------------------------------

    def criteria(self) -> Iterator[Problem]:
        seen: dict[str, Location] = {}
        for criterion in self.spec.criteria:
            key = str(criterion.key)  # 1 and "1" would share the check id criterion-1
            if key in seen:
                yield Problem(
                    criterion.location,
                    f"criterion id {criterion.key!r} is already used at line {seen[key].line}",
                )
            seen.setdefault(key, criterion.location)
            yield from self.criterion(criterion)

    def criterion(self, criterion: Criterion) -> Iterator[Problem]:
        yield from self.given(criterion.given, criterion.path)
        bound = set(self.closure(criterion.given))
        # With invariants, every call is checked against them after it runs.
        can_fail = bool(criterion.expect) or bool(self.spec.invariants and criterion.steps)
        for step in criterion.steps:
            yield from self.call(step.call, bound)
            if step.raises and step.bind:
                yield Problem(
                    self.source.at((*criterion.path, "steps", step.index - 1, "as"), key=True),
                    "a step that must raise has no result to bind with 'as'",
                )
            if step.bind in bound:
                yield Problem(
                    self.source.at((*criterion.path, "steps", step.index - 1, "as")),
                    f"name {step.bind!r} is already bound in this criterion",
                )
            if step.bind in templates.GENERATORS:
                yield Problem(
                    self.source.at((*criterion.path, "steps", step.index - 1, "as")),
                    f"name {step.bind!r} is reserved for a generated value",
                )
            if step.expect is not None:
                inner = bound | {step.expect.name}
                yield from self.expectation(step.expect.schema, step.expect.path, inner)
            if step.bind:
                bound.add(step.bind)
            can_fail = can_fail or step.raises is not None or step.expect is not None
        for expectation in criterion.expect:
            if expectation.name not in bound:
                yield Problem(
                    self.source.at(expectation.path, key=True),
                    f"expectation on {expectation.name!r}, which is not bound "
                    f"(bound: {_names(sorted(bound))})",
                )
            yield from self.expectation(expectation.schema, expectation.path, bound)
        if not can_fail:
            yield Problem(
                criterion.location,
                f"criterion {criterion.key!r} checks nothing: give it 'expect' or a step "
                "with 'raises' or 'expect'",
            )

    def expectation(self, schema: Any, path: Path_, bound: set[str]) -> Iterator[Problem]:
        yield from self.references(schema, self.source.at(path), bound)
        if quickschema.well_formed(schema):
            invalid = None  # the common case, without the meta-schema's cost
        else:
            from jsonschema.exceptions import best_match

            invalid = best_match(_meta_validator().iter_errors(schema))
        if invalid is not None:
            if isinstance(invalid.instance, str) and "${" in invalid.instance:
                return  # checked again once the reference is resolved
            where = self.source.at((*path, *invalid.absolute_path))
            yield Problem(where, f"not a valid JSON Schema: {invalid.message}")
            return
        for inner, ref in _refs(schema, ()):
            where = self.source.at((*path, *inner, "$ref"))
            if not ref.startswith("#"):
                yield Problem(
                    where,
                    f"$ref {ref!r}: only references inside the expectation ('#/...') are supported",
                )
            elif not _pointer_resolves(schema, ref[1:]):
                yield Problem(where, f"$ref {ref!r} points nowhere in this expectation")


@cache
def _meta_validator() -> Draft202012Validator:
    """Checks expectations against the draft 2020-12 meta-schema, as
    ``check_schema`` does, but built once."""
    from jsonschema import Draft202012Validator

    meta = Draft202012Validator.META_SCHEMA
    return Draft202012Validator(meta, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _refs(schema: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    """Every ``$ref`` in a schema, with the path of the object holding it."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            elif key not in ("const", "enum", "default", "examples"):
                yield from _refs(value, (*path, key))
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _refs(item, (*path, index))


def _pointer_resolves(document: Any, pointer: str) -> bool:
    try:
        quickschema.resolve_pointer(document, pointer)
    except LookupError:
        return False
    return True


_WRITING = frozenset(
    {
        "insert", "update", "delete", "create", "drop", "alter", "vacuum", "reindex",
        "analyze", "attach", "detach", "pragma", "begin", "commit", "rollback", "savepoint",
        "release",
    }
)  # fmt: skip


def _writes(sql: str) -> str | None:
    """Why a query that must only read (``WITH ... DELETE``, say) would write."""
    words = [(kind, text.lower()) for kind, text in sqltext.tokens(sql)]
    for index, (kind, word) in enumerate(words):
        after = words[index + 1][1] if index + 1 < len(words) else ""
        if kind == "word" and (word in _WRITING or (word == "replace" and after != "(")):
            return f"a query may only read, and this one has {word.upper()}"
    return None


def _names(names: Iterable[str]) -> str:
    listed = ", ".join(sorted(names))
    return listed or "none"


def _reachable(machine: StateMachine) -> set[str]:
    seen = {machine.initial}
    queue = deque([machine.initial])
    while queue:
        for target in machine.allowed(queue.popleft()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _cyclic(graph: dict[str, list[str]]) -> set[str]:
    """Nodes that lie on a cycle or depend on one (iterative depth-first search)."""
    done: dict[str, bool] = {}  # node -> whether it reaches a cycle
    for root in graph:
        if root in done:
            continue
        path: list[str] = [root]
        on_path = {root}
        iterators = [iter(graph[root])]
        bad = [False]
        while iterators:
            child = next(iterators[-1], None)
            if child is None:
                node = path.pop()
                on_path.discard(node)
                iterators.pop()
                finished = bad.pop()
                done[node] = finished
                if bad:
                    bad[-1] = bad[-1] or finished
            elif child in on_path:
                bad[-1] = True
            elif child in done:
                bad[-1] = bad[-1] or done[child]
            else:
                path.append(child)
                on_path.add(child)
                iterators.append(iter(graph[child]))
                bad.append(False)
    return {node for node, reaches in done.items() if reaches}

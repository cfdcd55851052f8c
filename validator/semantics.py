"""Cross-reference checks on a built spec: what the JSON Schema cannot say.

Unknown operations and fixtures, arguments an operation does not take,
fixture cycles, references to names that are not bound at that point,
inconsistent state machines, criteria that could never fail. Every problem is
located at the spec node it concerns.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from . import quickschema, sqltext, templates, validate, vocabulary
from .errors import Location, Problem
from .loader import Path_
from .model import Call, Check, Criterion, Fixture, Operation, Spec, Sql, StateMachine, Step
from .mutant_operators import OPERATORS
from .sqlite import guard

ITEM_NAMES = ("item", "index")
"""Names a repeated step's call sees: the item of ``for_each`` and its index."""

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
        self.reach = _Reach(spec.fixtures)
        self.operation_names = _names(spec.operations)
        self.fixture_names = _names(spec.fixtures)
        self.listed: dict[str, str] = {}

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
        yield from self.ignored_mutants()

    # -- operations -------------------------------------------------------

    def operation(self, operation: Operation) -> Iterator[Problem]:
        base = ("operations", operation.name)
        for name in operation.params:
            if name in operation.defaults:
                yield Problem(
                    self.source.at((*base, "defaults", name), key=True),
                    f"parameter {name!r} is both required (params) and has a default",
                )
        for index, name in enumerate(operation.optional):
            if name in operation.params or name in operation.defaults:
                yield Problem(
                    self.source.at((*base, "optional", index)),
                    f"parameter {name!r} is optional and also in params or defaults",
                )
        nothing = self.reach.bound(())
        for name, value in operation.defaults.items():
            yield from self.argument(value, (*base, "defaults", name), nothing)
        accepted = operation.accepts
        for query in operation.queries():
            count = len(sqltext.split(query.text))
            if count != 1:
                yield Problem(
                    query.location,
                    f"a 'returns' query must be exactly one statement, found {count}",
                )
        nested = {id(sql) for sql in operation.nested_queries()}
        for sql in operation.all_sql():
            refused = guard.static_refusal(sql.text, "operation")
            if refused is not None:
                yield Problem(sql.location, f"refused: {refused}")
            if sqltext.has_positional(sql.text):
                yield Problem(sql.location, "use named parameters (:name), not '?' placeholders")
            yield from self.fragments(operation, sql)
            if id(sql) in nested:
                continue  # a nested query may also use the columns of its row
            for name in sqltext.parameters(sql.text):
                if name not in accepted:
                    yield Problem(
                        sql.location,
                        f"operation {operation.name!r} uses :{name}, which is not declared "
                        f"in params, defaults or optional (declared: "
                        f"{self.parameters(operation)})",
                    )

    def fragments(self, operation: Operation, sql: Sql) -> Iterator[Problem]:
        """``{{ ... }}`` fragments are well formed, and an optional parameter is used
        only inside them (left out, it has no value to bind)."""
        try:
            found = sqltext.fragments(sql.text)
        except sqltext.FragmentError as exc:
            yield Problem(sql.location, f"{exc} (at character {exc.offset + 1} of the SQL)")
            return
        outside = sql.text
        for fragment in reversed(found):
            outside = outside[: fragment.start] + outside[fragment.end :]
        for name in sqltext.parameters(outside):
            if name in operation.optional:
                yield Problem(
                    sql.location,
                    f"optional parameter :{name} is used outside a {{{{ ... }}}} fragment: "
                    "a call that leaves it out would have nothing to bind",
                )

    def call(self, call: Call, bound: _Bound) -> Iterator[Problem]:
        operation = self.spec.operations.get(call.operation)
        if operation is None:
            yield Problem(
                call.location,
                f"unknown operation {call.operation!r} (defined: {self.operation_names})",
            )
            return
        accepted = operation.accepts
        for name, value in call.args.items():
            if name not in accepted:
                yield Problem(
                    self.source.at((*call.path, "with", name), key=True),
                    f"operation {call.operation!r} takes no parameter {name!r} "
                    f"(it takes: {self.parameters(operation)})",
                )
            yield from self.argument(value, (*call.path, "with", name), bound)
        for name in operation.params:
            if name not in call.args:
                yield Problem(
                    call.location,
                    f"call of {call.operation!r} misses required parameter {name!r}",
                )

    def parameters(self, operation: Operation) -> str:
        """The parameters ``operation`` takes, for messages (listed once per operation)."""
        listed = self.listed.get(operation.name)
        if listed is None:
            listed = self.listed[operation.name] = _names(operation.accepted)
        return listed

    def argument(self, value: Any, path: Path_, bound: _Bound) -> Iterator[Problem]:
        """Problems of an argument (in ``with`` or ``defaults``): its references,
        and values SQLite cannot be given as they are."""
        yield from self.references(value, path, bound)
        for inner, message in _unstorable(value):
            yield Problem(self.source.at((*path, *inner)), message)

    def references(self, value: Any, path: Path_, bound: _Bound) -> Iterator[Problem]:
        """Every reference in ``value`` (at ``path``) that is malformed or names
        nothing bound, located at the string that holds it (located only when it
        has a problem: most references are fine)."""
        for inner, text in templates.references(value):
            for message in _reference_problems(text, bound):
                yield Problem(self.source.at((*path, *inner)), message)

    # -- fixtures ---------------------------------------------------------

    def given(self, names: Iterable[str], path: Path_) -> Iterator[Problem]:
        for i, name in enumerate(names):
            if name not in self.spec.fixtures:
                yield Problem(
                    self.source.at((*path, "given", i)),
                    f"unknown fixture {name!r} (defined: {self.fixture_names})",
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
            bound = self.reach.bound(fixture.given, without=fixture.name)
            yield from self.call(fixture.call, bound)

    # -- state machines ---------------------------------------------------

    def machine(self, machine: StateMachine) -> Iterator[Problem]:
        path = machine.path
        states = set(machine.states)
        states_listed = _listing(machine.states, sort=False)

        def unknown(state: str, where: Location, role: str) -> Iterator[Problem]:
            if state not in states:
                yield Problem(
                    where,
                    f"{role} {state!r} is not one of the states ({states_listed})",
                )

        yield from unknown(machine.initial, self.source.at((*path, "initial")), "initial state")
        for source in machine.sources:
            yield from unknown(
                source, self.source.at((*path, "transitions", source), key=True), "state"
            )
        seen_edges: set[tuple[str, str]] = set()
        for transition in machine.transitions:
            yield from unknown(transition.target, transition.location, "target state")
            pair = (transition.source, transition.target)
            if pair in seen_edges:
                yield Problem(
                    transition.location,
                    f"transition {transition.source} -> {transition.target} is listed twice",
                )
            seen_edges.add(pair)
        for i, state in enumerate(machine.terminal):
            where = self.source.at((*path, "terminal", i))
            yield from unknown(state, where, "terminal state")
            if machine.allowed(state):
                yield Problem(where, f"terminal state {state!r} has outgoing transitions")
        for rule in machine.timestamps:
            for state in sorted(rule.named_states - states):
                yield from unknown(state, rule.location, "timestamp state")
            if rule.kept and rule.leaving:
                yield Problem(
                    rule.location,
                    f"timestamp {rule.column!r} cannot be both kept and cleared on leaving",
                )
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
        bound = self.reach.bound(machine.given)
        for name in MACHINE_NAMES:
            if name in bound:
                yield Problem(
                    self.source.at((*path, "given")),
                    f"fixture {name!r} would hide the state machine's ${{{name}}}",
                )
        yield from self.call(machine.create, bound)
        moving = bound.adding(MACHINE_NAMES)
        yield from self.call(machine.move, moving)
        for transition in machine.transitions:
            if transition.move is not None:
                yield from self.call(transition.move, moving)
            if transition.guard is not None:
                for call in (*transition.guard.met, *transition.guard.unmet):
                    yield from self.call(call, moving)

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

    # -- mutations --------------------------------------------------------

    def ignored_mutants(self) -> Iterator[Problem]:
        """Each acknowledged mutant once, of a known operator. (Whether the schema
        has such a mutant is known only to ``validator mutate``, which says so.)"""
        if not self.spec.ignored_mutants:
            return

        seen: dict[str, Location] = {}
        for ignored in self.spec.ignored_mutants:
            operator = ignored.id.split(":", 1)[0]
            if operator not in OPERATORS:
                yield Problem(
                    ignored.location,
                    f"unknown mutation operator {operator!r} in mutant id {ignored.id!r}; "
                    f"expected one of: {', '.join(OPERATORS)}",
                )
            if ignored.id in seen:
                yield Problem(
                    ignored.location,
                    f"mutant {ignored.id!r} is already ignored at line {seen[ignored.id].line}",
                )
            seen.setdefault(ignored.id, ignored.location)

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
        bound = self.reach.bound(criterion.given)
        # With invariants, every call is checked against them after it runs.
        can_fail = bool(criterion.expect or criterion.that) or bool(
            self.spec.invariants and any(step.call for step in criterion.steps)
        )
        for step in criterion.steps:
            yield from self.step(criterion, step, bound)
            can_fail = can_fail or bool(step.raises or step.expect or step.that)
        for expectation in criterion.expect:
            if expectation.name not in bound:
                yield Problem(
                    self.source.at(expectation.path, key=True),
                    f"expectation on {expectation.name!r}, which is not bound "
                    f"(bound: {bound.listing(generators=False)})",
                )
            yield from self.expectation(expectation.schema, expectation.path, bound)
        yield from self.comparisons(criterion.that, bound)
        if not can_fail:
            yield Problem(
                criterion.location,
                f"criterion {criterion.key!r} checks nothing: give it 'expect' or 'that', or a "
                "step with 'raises', 'expect' or 'that'",
            )

    def step(self, criterion: Criterion, step: Step, bound: _Bound) -> Iterator[Problem]:
        path = (*criterion.path, "steps", step.index - 1)
        for name, value in step.let:
            yield from self.argument(value, (*path, "let", name), bound)
            yield from self.binding(name, self.source.at((*path, "let", name), key=True), bound)
            bound.add(name)
        if step.call is None:
            return
        inner = bound
        if step.repeated:
            if isinstance(step.for_each, str):
                yield from self.argument(step.for_each, (*path, "for_each"), bound)
            inner = bound.adding(ITEM_NAMES)
        yield from self.call(step.call, inner)
        if step.raises and step.bind:
            yield Problem(
                self.source.at((*path, "as"), key=True),
                "a step that must raise has no result to bind with 'as'",
            )
        if step.bind:
            yield from self.binding(step.bind, self.source.at((*path, "as")), bound)
        result = step.expect.name if step.expect is not None else step.bind or "result"
        if step.expect is not None:
            yield from self.expectation(
                step.expect.schema, step.expect.path, bound.adding((step.expect.name,))
            )
        yield from self.comparisons(step.that, bound.adding((result,)))
        if step.bind:
            bound.add(step.bind)

    def binding(self, name: str, where: Location, bound: _Bound) -> Iterator[Problem]:
        """A name a step binds must be new, and not a generated value's."""
        if name in bound:
            yield Problem(where, f"name {name!r} is already bound in this criterion")
        if name in templates.GENERATORS:
            yield Problem(where, f"name {name!r} is reserved for a generated value")

    def comparisons(self, checks: tuple[Check, ...], bound: _Bound) -> Iterator[Problem]:
        """Every ``that:`` entry parses and reads only names bound at its place."""
        for check in checks:
            if check.comparison is None:
                assert check.problem is not None
                at = check.location
                where = Location(at.file, at.line, at.column + check.problem.column)
                yield Problem(where, f"{check.problem} in {check.text!r}")
                continue
            for name in check.comparison.names:
                if name not in bound:
                    yield Problem(
                        check.location,
                        f"{name!r} is not bound here (bound: {bound.listing(generators=False)})",
                    )

    def expectation(self, schema: Any, path: Path_, bound: _Bound) -> Iterator[Problem]:
        """Problems of an expectation: its references, keywords that would check
        nothing, unbounded work (``$ref`` cycles, patterns), invalid JSON Schema."""
        yield from self.references(schema, path, bound)
        issues = vocabulary.problems(schema)
        for issue in issues:
            yield Problem(self.source.at((*path, *issue.path), key=issue.key), issue.message)
        if vocabulary.pattern_problems(issues):
            return  # the meta-schema check compiles patterns with re: not these
        # A well-formed schema is the common case: no meta-schema's cost for it.
        invalid = [] if quickschema.well_formed(schema) else validate.schema_problems(schema)
        for inner, message in invalid:
            yield Problem(self.source.at((*path, *inner)), f"not a valid JSON Schema: {message}")


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


LISTED = 20
"""Names listed in one message at most: a spec with thousands of fixtures and a
typo in each of thousands of references must not print millions of names."""


def _names(names: Iterable[str]) -> str:
    """``names`` sorted, as one phrase (``a, b, c``, or ``none``)."""
    return _listing(names)


def _listing(names: Iterable[str], *, sort: bool = True, more: int = 0) -> str:
    """The first :data:`LISTED` of ``names`` (sorted if asked) and how many more."""
    items = list(names)
    if sort:
        items.sort()
    extra = max(len(items) - LISTED, 0) + more
    shown = ", ".join(items[:LISTED]) or "none"
    return f"{shown} and {extra} more" if extra else shown


# -- fixtures a check can use -----------------------------------------------------


class _Reach:
    """For each fixture, the fixtures it needs (itself and, through ``given``,
    everything below it), as a bit mask over the spec's fixtures.

    Each mask is built once from the masks below it, so the names bound in a
    check are known without listing its closure again for every check (which
    was quadratic in a long chain of fixtures); a cycle shares one mask.
    """

    def __init__(self, fixtures: Mapping[str, Fixture]) -> None:
        self.index = {name: i for i, name in enumerate(fixtures)}
        self.names = list(fixtures)
        graph = {name: [d for d in fx.given if d in fixtures] for name, fx in fixtures.items()}
        self.masks = _closure_masks(graph, self.index)

    def bound(self, given: Iterable[str], *, without: str | None = None) -> _Bound:
        """The names bound in a check that is given the fixtures ``given``."""
        mask = 0
        for name in given:
            mask |= self.masks.get(name, 0)
        if without is not None and without in self.index:
            mask &= ~(1 << self.index[without])
        return _Bound(self, mask)

    def has(self, mask: int, name: str) -> bool:
        index = self.index.get(name)
        return index is not None and bool(mask >> index & 1)

    def first(self, mask: int, count: int) -> list[str]:
        """Up to ``count`` names in ``mask``, in the spec's order."""
        found: list[str] = []
        while mask and len(found) < count:
            lowest = mask & -mask
            found.append(self.names[lowest.bit_length() - 1])
            mask ^= lowest
        return found


class _Bound:
    """The names bound at one point of a check: its fixtures (a shared mask), the
    names its steps bound so far, and those of the view it extends."""

    __slots__ = ("_local", "_mask", "_parent", "_reach")

    def __init__(
        self, reach: _Reach, mask: int, local: Iterable[str] = (), parent: _Bound | None = None
    ) -> None:
        self._reach = reach
        self._mask = mask
        self._local = set(local)
        self._parent = parent

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if name in self._local or (self._parent is not None and name in self._parent):
            return True
        return self._reach.has(self._mask, name)

    def add(self, name: str) -> None:
        """Bind ``name`` from here on (a step's ``as``)."""
        self._local.add(name)

    def adding(self, names: Iterable[str]) -> _Bound:
        """These names and all of this, for immediate use, without copying."""
        return _Bound(self._reach, self._mask, names, self)

    def _locals(self) -> set[str]:
        found = set(self._local)
        if self._parent is not None:
            found |= self._parent._locals()
        return found

    def listing(self, *, generators: bool = True) -> str:
        """The bound names for a message, sorted; at most :data:`LISTED` of them."""
        fixtures = self._reach.first(self._mask, LISTED + 1)
        names = self._locals() | set(fixtures)
        if generators:
            names |= templates.GENERATORS
        if len(fixtures) <= LISTED:
            return _names(names)
        return _listing(names, more=self._mask.bit_count() - len(fixtures))


def _closure_masks(graph: dict[str, list[str]], index: dict[str, int]) -> dict[str, int]:
    """Each node's mask of the nodes it reaches (itself included).

    Tarjan's strongly connected components, iterative: a component is complete
    only after every component it reaches, so its mask is its members' bits
    and the masks of the edges leaving it, each computed once.
    """
    masks: dict[str, int] = {}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def enter(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        on_stack.add(node)

    for root in graph:
        if root in order:
            continue
        enter(root)
        work = [(root, iter(graph[root]))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in order:
                    enter(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], order[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == order[node]:
                members: list[str] = []
                while not members or members[-1] != node:
                    members.append(stack.pop())
                    on_stack.discard(members[-1])
                mask = 0
                for member in members:
                    mask |= 1 << index[member]
                for member in members:
                    for child in graph[member]:
                        mask |= masks.get(child, 0)  # members themselves are not in masks yet
                for member in members:
                    masks[member] = mask
    return masks


# -- values SQLite is given ---------------------------------------------------------

SQLITE_INTEGERS = range(-(2**63), 2**63)
"""The integers SQLite's INTEGER holds (signed 64-bit)."""


def _unstorable(value: Any) -> Iterator[tuple[Path_, str]]:
    """Values of an argument that SQLite cannot be given as written: an
    integer out of its 64-bit range or NaN (bound as NULL) at the top, or a
    non-finite number inside a list or mapping (bound as JSON text, which has
    no infinity or NaN)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int) and value not in SQLITE_INTEGERS:
        yield (
            (),
            (
                f"integer {templates.shorten(str(value))} does not fit SQLite's INTEGER "
                f"({SQLITE_INTEGERS.start} to {SQLITE_INTEGERS.stop - 1})"
            ),
        )
    elif isinstance(value, float) and math.isnan(value):
        yield (), "NaN cannot be stored in SQLite (it would become NULL)"
    elif isinstance(value, list | dict):
        yield from _not_json(value, ())


def _not_json(value: list[Any] | dict[str, Any], path: Path_) -> Iterator[tuple[Path_, str]]:
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, float) and not math.isfinite(item):
            what = "NaN" if math.isnan(item) else "infinity"
            yield (
                (*path, key),
                (
                    f"{what} cannot be written as JSON "
                    "(a list or mapping argument is bound as JSON text)"
                ),
            )
        elif isinstance(item, list | dict):
            yield from _not_json(item, (*path, key))


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


def _reference_problems(text: str, bound: _Bound) -> Iterator[str]:
    """What is wrong with the reference ``${text}`` where ``bound`` names are bound."""
    shown = f"${{{templates.shorten(text, 80)}}}"
    try:
        parts = templates.split_reference(text)
    except templates.TemplateError:
        yield f"malformed reference {shown}"
        return
    for part in parts[1:]:
        problem = templates.index_problem(part)
        if problem is not None:
            yield f"{shown}: {problem}"
    head = parts[0]
    if head in templates.GENERATORS:
        if len(parts) > 1:
            yield f"{shown}: {head!r} is a generated value, it has no fields"
    elif head not in bound:
        yield f"{shown}: {head!r} is not bound here (bound: {bound.listing()})"

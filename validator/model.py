"""The spec as frozen dataclasses: the only place raw dicts become types.

:func:`build` expects data that already satisfies the spec format (see
:mod:`validator.validate`); cross-references are checked afterwards by
:mod:`validator.semantics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from . import compare, sqltext
from .compare import CompareError, Comparison
from .errors import Location
from .loader import Document, Path_, SourceMap

ErrorKind = Literal[
    "foreign_key", "unique", "primary_key", "check", "not_null", "trigger", "constraint", "any"
]
"""What ``raises`` accepts: a constraint kind, ``constraint`` (any constraint
refusal) or ``any`` (any error the database gives)."""
FkAction = Literal["cascade", "set_null", "set_default", "restrict", "no_action"]


@dataclass(frozen=True)
class LiteralDefault:
    """An expected literal column default (``None``: no default)."""

    value: str | int | float | bool | None


@dataclass(frozen=True)
class ExpressionDefault:
    """An expected column default given as SQL, compared as normalised text."""

    sql: str


@dataclass(frozen=True)
class ForeignKey:
    table: str
    column: str


@dataclass(frozen=True)
class ColumnRule:
    """What the spec requires of one column; ``None`` fields are not checked."""

    name: str
    location: Location
    type: str | None = None
    not_null: bool | None = None
    primary_key: bool | None = None
    unique: bool | None = None
    default: LiteralDefault | ExpressionDefault | None = None
    references: ForeignKey | None = None
    on_delete: FkAction | None = None
    on_update: FkAction | None = None
    no_references: bool = False
    """``references: null``: the column must have no foreign key."""


@dataclass(frozen=True)
class KeyRule:
    """A composite primary or unique key: a set of columns."""

    columns: tuple[str, ...]
    location: Location


@dataclass(frozen=True)
class TableRule:
    name: str
    location: Location
    columns: tuple[ColumnRule, ...]
    primary_key: KeyRule | None
    unique: tuple[KeyRule, ...]


_NOWHERE = Location("")


@dataclass(frozen=True)
class Structure:
    """How exactly ``tables`` describes the database (``structure:``): with
    ``exact_tables`` no other table may exist, with ``exact_columns`` no declared
    table may have another column. Each location is where the flag is set."""

    exact_tables: bool = False
    exact_columns: bool = False
    tables_location: Location = _NOWHERE
    columns_location: Location = _NOWHERE


@dataclass(frozen=True)
class Sql:
    """One SQL statement from the spec and where it starts."""

    text: str
    location: Location


@dataclass(frozen=True)
class Returns:
    kind: Literal["one", "many"]
    query: Sql
    nest: tuple[tuple[str, Returns], ...] = ()


@dataclass(frozen=True)
class Operation:
    name: str
    location: Location
    params: tuple[str, ...]
    defaults: Mapping[str, Any]
    statements: tuple[Sql, ...]
    returns: Returns | None
    optional: tuple[str, ...] = ()
    """Parameters a call may leave out: the SQL fragments ``{{ ... }}`` that use
    one that was left out are dropped."""

    @cached_property
    def accepted(self) -> tuple[str, ...]:
        """Every parameter a call may give: ``params``, then the other defaults,
        then the optional ones. Computed once (each call is checked against it)."""
        return tuple(dict.fromkeys((*self.params, *self.defaults, *self.optional)))

    @cached_property
    def accepts(self) -> frozenset[str]:
        """:attr:`accepted` as a set, for membership tests."""
        return frozenset(self.accepted)

    def queries(self) -> list[Sql]:
        """The ``returns`` query and every nested one."""
        found = []
        pending = [self.returns] if self.returns else []
        while pending:
            current = pending.pop()
            found.append(current.query)
            pending.extend(nested for _, nested in current.nest)
        return found

    def nested_queries(self) -> list[Sql]:
        """The queries under ``nest`` (bound with their row's columns too)."""
        top = self.returns.query if self.returns is not None else None
        return [query for query in self.queries() if query is not top]

    def all_sql(self) -> list[Sql]:
        return [*self.statements, *self.queries()]


@dataclass(frozen=True)
class Call:
    """A call of an operation with (unresolved) arguments."""

    operation: str
    args: Mapping[str, Any]
    location: Location
    path: Path_


@dataclass(frozen=True)
class Fixture:
    name: str
    location: Location
    given: tuple[str, ...]
    call: Call


@dataclass(frozen=True)
class TimestampRule:
    """The rules of one timestamp column of a state machine.

    ``states`` (None: no such rule): non-null exactly in these states.
    ``entering``: set (non-null) after a move into one of these states (the
    create call enters the initial state). ``kept``: once set, never changed
    or cleared by a move. ``leaving``: null after a move out of one of these
    states. ``not_before``: where both are set, not earlier than that column.
    """

    column: str
    states: frozenset[str] | None
    location: Location
    entering: frozenset[str] = frozenset()
    kept: bool = False
    leaving: frozenset[str] = frozenset()
    not_before: str | None = None
    not_before_location: Location | None = None

    @property
    def named_states(self) -> frozenset[str]:
        """Every state the rule names."""
        return (self.states or frozenset()) | self.entering | self.leaving


@dataclass(frozen=True)
class Guard:
    """A condition an allowed transition needs: ``met`` calls make it hold before
    the move (which must then succeed), ``unmet`` calls make it fail (the move
    must then be refused)."""

    title: str
    met: tuple[Call, ...]
    unmet: tuple[Call, ...]
    location: Location


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    location: Location
    move: Call | None = None
    """The call that makes this move, when it is not the machine's ``move``."""
    guard: Guard | None = None


@dataclass(frozen=True)
class StateMachine:
    name: str
    location: Location
    table: str
    column: str
    key: str | None
    states: tuple[str, ...]
    initial: str
    sources: tuple[str, ...]
    """The states the spec lists transitions from (even an empty list)."""
    transitions: tuple[Transition, ...]
    terminal: tuple[str, ...]
    timestamps: tuple[TimestampRule, ...]
    given: tuple[str, ...]
    create: Call
    move: Call
    reject_others: bool
    path: Path_

    def allowed(self, source: str) -> list[str]:
        """The states ``source`` may move to, in the spec's order."""
        return list(self._targets.get(source, ()))

    def edge(self, source: str, target: str) -> Transition | None:
        """The listed transition ``source -> target``, if there is one."""
        return self._edges.get((source, target))

    @cached_property
    def _edges(self) -> dict[tuple[str, str], Transition]:
        edges: dict[tuple[str, str], Transition] = {}
        for transition in self.transitions:
            edges.setdefault((transition.source, transition.target), transition)
        return edges

    @cached_property
    def _targets(self) -> dict[str, tuple[str, ...]]:
        """Targets by source state, built once: looking them up by scanning every
        transition made a machine's checks quadratic in its size."""
        targets: dict[str, list[str]] = {}
        for transition in self.transitions:
            targets.setdefault(transition.source, []).append(transition.target)
        return {source: tuple(found) for source, found in targets.items()}


@dataclass(frozen=True)
class Expectation:
    """A JSON Schema the value bound to ``name`` must match."""

    name: str
    schema: Any
    location: Location
    path: Path_


@dataclass(frozen=True)
class Step:
    """One step of a criterion: a call (``call``), or bindings of values (``let``).

    A call may be repeated (``repeat`` times, or once ``for_each`` item, with
    ``${item}`` and ``${index}`` bound for it); its results are then bound as a
    list. ``raises`` lists the error kinds one of which each call must raise
    (empty: it must succeed); ``that`` compares fields of the result.
    """

    index: int
    call: Call | None
    bind: str | None
    raises: tuple[ErrorKind, ...]
    expect: Expectation | None
    location: Location
    let: tuple[tuple[str, Any], ...] = ()
    repeat: int | None = None
    for_each: Any = None
    that: tuple[Check, ...] = ()

    @property
    def repeated(self) -> bool:
        return self.repeat is not None or self.for_each is not None


@dataclass(frozen=True)
class Check:
    """A comparison of fields (``that:``) and where it is written; ``comparison``
    is None when the text does not parse (``problem`` says why, and
    :mod:`validator.semantics` reports it at its place)."""

    text: str
    comparison: Comparison | None
    location: Location
    path: Path_
    problem: CompareError | None = None


@dataclass(frozen=True)
class Criterion:
    key: int | str
    title: str
    location: Location
    given: tuple[str, ...]
    steps: tuple[Step, ...]
    expect: tuple[Expectation, ...]
    path: Path_
    that: tuple[Check, ...] = ()

    @property
    def number(self) -> int | None:
        return self.key if isinstance(self.key, int) else None


Severity = Literal["error", "warn"]


@dataclass(frozen=True)
class Invariant:
    """A rule over the data: ``query`` returns the rows that break it (none: it holds)."""

    key: str
    title: str
    description: str
    query: Sql
    severity: Severity
    location: Location
    path: Path_


@dataclass(frozen=True)
class IgnoredMutant:
    """A mutant of the schema the spec knowingly lets survive (``mutations.ignore``)."""

    id: str
    reason: str
    location: Location
    """Where its id is written."""


@dataclass(frozen=True)
class Spec:
    file: str
    path: Path
    name: str
    title: str
    schema: Path | None
    schema_location: Location
    tables: tuple[TableRule, ...]
    operations: Mapping[str, Operation]
    fixtures: Mapping[str, Fixture]
    machines: tuple[StateMachine, ...]
    criteria: tuple[Criterion, ...]
    source: SourceMap
    invariants: tuple[Invariant, ...] = ()
    ignored_mutants: tuple[IgnoredMutant, ...] = ()
    structure: Structure = Structure()


_ROW_KEYWORDS = frozenset(
    {
        "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
        "minProperties", "maxProperties", "dependentRequired", "dependentSchemas",
        "unevaluatedProperties",
    }
)  # fmt: skip
_SUBSCHEMA = frozenset({"additionalProperties", "items", "contains"})
_SUBSCHEMA_LISTS = frozenset({"prefixItems", "allOf", "anyOf", "oneOf"})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs"})


def rows_required(schema: Any) -> Any:
    """``schema`` where every part that describes a row (``properties``,
    ``required``, ...) without a ``type`` also says ``type: object``.

    In JSON Schema such keywords ignore anything that is not an object, so
    ``{required: [id]}`` would accept ``null``: a ``one:`` query that found no
    row would pass. A part that allows null says so (``type: [object, "null"]``).
    ``not``, ``if``/``then``/``else`` are left as written: there the implied
    type would turn the meaning around.
    """
    if not isinstance(schema, dict):
        return schema
    result = {}
    for keyword, value in schema.items():
        if keyword in _SUBSCHEMA:
            value = rows_required(value)
        elif keyword in _SUBSCHEMA_LISTS and isinstance(value, list):
            value = [rows_required(item) for item in value]
        elif keyword in _SUBSCHEMA_MAPS and isinstance(value, dict):
            value = {key: rows_required(item) for key, item in value.items()}
        result[keyword] = value
    if "type" not in result and "$ref" not in result and _ROW_KEYWORDS.intersection(result):
        result["type"] = "object"
    return result


def build(document: Document, path: Path) -> Spec:
    """Turn format-valid ``document`` (read from ``path``) into a :class:`Spec`."""
    return _Builder(document.source).spec(document.data, path)


class _Builder:
    def __init__(self, source: SourceMap) -> None:
        self.source = source

    def at(self, *path: str | int) -> Location:
        return self.source.at(path)

    def key_at(self, *path: str | int) -> Location:
        return self.source.at(path, key=True)

    def spec(self, data: dict[str, Any], path: Path) -> Spec:
        schema = data.get("schema")
        return Spec(
            file=self.source.file,
            path=path,
            name=data["name"],
            title=data.get("title", data["name"]),
            schema=(path.parent / schema) if schema is not None else None,
            schema_location=self.at("schema"),
            tables=tuple(self.table(name, rule) for name, rule in data.get("tables", {}).items()),
            operations={
                name: self.operation(name, op) for name, op in data.get("operations", {}).items()
            },
            fixtures={
                name: self.fixture(name, fx) for name, fx in data.get("fixtures", {}).items()
            },
            machines=tuple(
                self.machine(name, sm) for name, sm in data.get("state_machines", {}).items()
            ),
            criteria=tuple(
                self.criterion(i, item) for i, item in enumerate(data.get("criteria", []))
            ),
            source=self.source,
            invariants=tuple(
                self.invariant(i, item) for i, item in enumerate(data.get("invariants", []))
            ),
            ignored_mutants=tuple(
                IgnoredMutant(item["id"], item["reason"], self.at("mutations", "ignore", i, "id"))
                for i, item in enumerate(data.get("mutations", {}).get("ignore", []))
            ),
            structure=self.structure(data.get("structure", {})),
        )

    def structure(self, data: dict[str, Any]) -> Structure:
        return Structure(
            exact_tables=bool(data.get("exact_tables", False)),
            exact_columns=bool(data.get("exact_columns", False)),
            tables_location=self.at("structure", "exact_tables"),
            columns_location=self.at("structure", "exact_columns"),
        )

    def invariant(self, index: int, data: dict[str, Any]) -> Invariant:
        path: Path_ = ("invariants", index)
        return Invariant(
            key=str(data["id"]),
            title=data["title"],
            description=data.get("description", ""),
            query=Sql(data["sql"].strip(), self.source.text_line((*path, "sql"), 0)),
            severity=data.get("severity", "error"),
            location=self.at(*path, "id"),
            path=path,
        )

    def table(self, name: str, data: dict[str, Any]) -> TableRule:
        base = ("tables", name)
        primary = data.get("primary_key")
        return TableRule(
            name=name,
            location=self.key_at(*base),
            columns=tuple(
                self.column((*base, "columns", column), column, rule)
                for column, rule in data.get("columns", {}).items()
            ),
            primary_key=(
                KeyRule(tuple(primary), self.at(*base, "primary_key")) if primary else None
            ),
            unique=tuple(
                KeyRule(tuple(columns), self.at(*base, "unique", i))
                for i, columns in enumerate(data.get("unique", []))
            ),
        )

    def column(self, path: Path_, name: str, data: dict[str, Any]) -> ColumnRule:
        default: LiteralDefault | ExpressionDefault | None = None
        if "default" in data:
            raw = data["default"]
            default = (
                ExpressionDefault(raw["expr"]) if isinstance(raw, dict) else LiteralDefault(raw)
            )
        references = None
        if data.get("references") is not None:
            table, column = data["references"].split(".", 1)
            references = ForeignKey(table, column)
        return ColumnRule(
            name=name,
            location=self.source.at(path, key=True),
            type=data.get("type"),
            not_null=data.get("not_null"),
            primary_key=data.get("primary_key"),
            unique=data.get("unique"),
            default=default,
            references=references,
            on_delete=data.get("on_delete"),
            on_update=data.get("on_update"),
            no_references="references" in data and data["references"] is None,
        )

    def sql(self, path: Path_, text: str) -> list[Sql]:
        # The first statement is located at its YAML node; later ones within it.
        statements = [(statement.line, statement.sql) for statement in sqltext.split(text)]
        locations = self.source.statement_locations(path, statements)
        return [Sql(sql, where) for (_, sql), where in zip(statements, locations, strict=True)]

    def operation(self, name: str, data: dict[str, Any]) -> Operation:
        base = ("operations", name)
        raw_sql = data.get("sql", [])
        texts = [raw_sql] if isinstance(raw_sql, str) else raw_sql
        statements: list[Sql] = []
        for i, text in enumerate(texts):
            where = (*base, "sql") if isinstance(raw_sql, str) else (*base, "sql", i)
            statements.extend(self.sql(where, text))
        returns = data.get("returns")
        return Operation(
            name=name,
            location=self.key_at(*base),
            params=tuple(data.get("params", [])),
            defaults=dict(data.get("defaults", {})),
            statements=tuple(statements),
            returns=self.returns((*base, "returns"), returns) if returns else None,
            optional=tuple(data.get("optional", [])),
        )

    def returns(self, path: Path_, data: dict[str, Any]) -> Returns:
        kind: Literal["one", "many"] = "one" if "one" in data else "many"
        return Returns(
            kind=kind,
            query=Sql(data[kind].strip(), self.source.text_line((*path, kind), 0)),
            nest=tuple(
                (name, self.returns((*path, "nest", name), nested))
                for name, nested in data.get("nest", {}).items()
            ),
        )

    def call(self, path: Path_, data: dict[str, Any]) -> Call:
        return Call(
            operation=data["call"],
            args=dict(data.get("with", {})),
            location=self.source.at((*path, "call")),
            path=path,
        )

    def fixture(self, name: str, data: dict[str, Any]) -> Fixture:
        path = ("fixtures", name)
        return Fixture(
            name=name,
            location=self.key_at(*path),
            given=tuple(data.get("given", [])),
            call=self.call(path, data),
        )

    def machine(self, name: str, data: dict[str, Any]) -> StateMachine:
        path = ("state_machines", name)
        terminal = tuple(data.get("terminal", []))
        timestamps = tuple(
            self.timestamp((*path, "timestamps", column), column, rule, terminal)
            for column, rule in data.get("timestamps", {}).items()
        )
        transitions = tuple(
            self.transition((*path, "transitions", source, i), source, target)
            for source, targets in data["transitions"].items()
            for i, target in enumerate(targets)
        )
        return StateMachine(
            name=name,
            location=self.key_at(*path),
            table=data["table"],
            column=data["column"],
            key=data.get("key"),
            states=tuple(data["states"]),
            initial=data["initial"],
            sources=tuple(data["transitions"]),
            transitions=transitions,
            terminal=terminal,
            timestamps=timestamps,
            given=tuple(data.get("given", [])),
            create=self.call((*path, "create"), data["create"]),
            move=self.call((*path, "move"), data["move"]),
            reject_others=bool(data.get("reject_others", True)),
            path=path,
        )

    def transition(self, path: Path_, source: str, target: Any) -> Transition:
        """A listed transition: a target state, or ``{to, call?, with?, guard?}``."""
        where = self.source.at(path)
        if not isinstance(target, dict):
            return Transition(source, target, where)
        move = self.call(path, target) if "call" in target else None
        guard = target.get("guard")
        return Transition(
            source,
            target["to"],
            where,
            move=move,
            guard=self.guard((*path, "guard"), guard) if guard is not None else None,
        )

    def guard(self, path: Path_, data: dict[str, Any]) -> Guard:
        def calls(side: str) -> tuple[Call, ...]:
            return tuple(
                self.call((*path, side, i), step) for i, step in enumerate(data.get(side, []))
            )

        return Guard(
            title=data.get("title", ""),
            met=calls("met"),
            unmet=calls("unmet"),
            location=self.source.at(path, key=True),
        )

    def timestamp(
        self, path: Path_, column: str, rule: Any, terminal: tuple[str, ...]
    ) -> TimestampRule:
        def states(value: Any) -> frozenset[str]:
            return frozenset(terminal if value == "terminal" else value)

        where = self.source.at(path, key=True)
        if not isinstance(rule, dict):  # 'terminal' or a list: set exactly in those states
            return TimestampRule(column, states(rule), where)
        return TimestampRule(
            column,
            states(rule["set_in"]) if "set_in" in rule else None,
            where,
            entering=states(rule.get("set_on_entering", [])),
            kept=bool(rule.get("kept", False)),
            leaving=states(rule.get("cleared_on_leaving", [])),
            not_before=rule.get("not_before"),
            not_before_location=self.at(*path, "not_before") if "not_before" in rule else None,
        )

    def expectation(self, path: Path_, name: str, schema: Any) -> Expectation:
        return Expectation(
            name=name, schema=rows_required(schema), location=self.source.at(path), path=path
        )

    def checks(self, path: Path_, texts: list[str]) -> tuple[Check, ...]:
        """The comparisons of a ``that:`` list, parsed."""
        found = []
        for i, text in enumerate(texts):
            where = self.at(*path, i)
            try:
                found.append(Check(text, compare.parse(text), where, (*path, i)))
            except compare.CompareError as exc:
                found.append(Check(text, None, where, (*path, i), exc))
        return tuple(found)

    def step(self, path: Path_, index: int, step: dict[str, Any]) -> Step:
        bind = step.get("as")
        raises = step.get("raises", [])
        return Step(
            index=index,
            call=self.call(path, step) if "call" in step else None,
            bind=bind,
            raises=tuple(raises if isinstance(raises, list) else [raises]),
            expect=(
                self.expectation((*path, "expect"), bind or "result", step["expect"])
                if "expect" in step
                else None
            ),
            location=self.source.at(path),
            let=tuple(step.get("let", {}).items()),
            repeat=step.get("repeat"),
            for_each=step.get("for_each"),
            that=self.checks((*path, "that"), step.get("that", [])),
        )

    def criterion(self, index: int, data: dict[str, Any]) -> Criterion:
        path: Path_ = ("criteria", index)
        return Criterion(
            key=data["id"],
            title=data["title"],
            location=self.source.at((*path, "id")),
            given=tuple(data.get("given", [])),
            steps=tuple(
                self.step((*path, "steps", i), i + 1, step)
                for i, step in enumerate(data.get("steps", []))
            ),
            expect=tuple(
                self.expectation((*path, "expect", name), name, schema)
                for name, schema in data.get("expect", {}).items()
            ),
            path=path,
            that=self.checks((*path, "that"), data.get("that", [])),
        )

"""The spec ``validator init`` proposes, as values, and how it is written out.

A :class:`Draft` holds each part of the spec with the comments that explain
it. A state machine can be *commented out* (kept as a suggestion, with the
reason); the rest of the spec states only what the schema does. :func:`text`
writes a draft as YAML through :mod:`.yamltext`, in a stable order: header,
top-level keys, ``structure``, ``tables``, ``operations``, ``fixtures``,
``state_machines``, then the commented-out criterion examples.
"""

from __future__ import annotations

from dataclasses import dataclass

from .yamltext import Document, Entry, Line, Map, Node, Scalar, Seq, Sql, block, render

Arg = tuple[str, Scalar]


@dataclass(frozen=True)
class Expr:
    """An expression default: ``{expr: SQL}``."""

    sql: str


@dataclass(frozen=True)
class CallDraft:
    operation: str
    args: tuple[Arg, ...]

    def node(self) -> Map:
        entries = [Entry("call", self.operation)]
        if self.args:
            entries.append(Entry("with", Map(tuple(Entry(k, v) for k, v in self.args))))
        return Map(tuple(entries))


@dataclass(frozen=True)
class OperationDraft:
    name: str
    params: tuple[str, ...]
    defaults: tuple[Arg, ...]
    sql: str | None
    returns: tuple[str, str]
    """(``one`` or ``many``, the query)."""
    comments: tuple[str, ...] = ()

    def node(self) -> Map:
        entries = []
        if self.params:
            entries.append(Entry("params", Seq(self.params)))
        if self.defaults:
            entries.append(Entry("defaults", Map(tuple(Entry(k, v) for k, v in self.defaults))))
        if self.sql is not None:
            entries.append(Entry("sql", Sql(self.sql)))
        kind, query = self.returns
        entries.append(Entry("returns", Map((Entry(kind, Sql(query)),))))
        return Map(tuple(entries), flow=False)


@dataclass(frozen=True)
class FixtureDraft:
    name: str
    table: str
    given: tuple[str, ...]
    call: CallDraft

    def node(self) -> Map:
        entries = [Entry("given", Seq(self.given))] if self.given else []
        entries.extend(self.call.node().entries)
        return Map(tuple(entries))


ColumnValue = Scalar | Expr


@dataclass(frozen=True)
class ColumnDraft:
    name: str
    rules: tuple[tuple[str, ColumnValue], ...]
    note: str = ""

    def node(self) -> Map:
        entries = []
        for key, value in self.rules:
            shown: Node = Map((Entry("expr", value.sql),)) if isinstance(value, Expr) else value
            entries.append(Entry(key, shown))
        return Map(tuple(entries))


@dataclass(frozen=True)
class TableDraft:
    name: str
    columns: tuple[ColumnDraft, ...]
    primary_key: tuple[str, ...] = ()
    """The columns of a composite primary key (a single one is a column's rule)."""
    unique: tuple[tuple[str, ...], ...] = ()
    """Composite unique keys (a single column's is its rule)."""
    comments: tuple[str, ...] = ()

    def node(self) -> Map:
        columns = tuple(Entry(c.name, c.node(), note=c.note) for c in self.columns)
        entries = [Entry("columns", Map(columns, flow=False))]
        if self.primary_key:
            entries.append(Entry("primary_key", Seq(self.primary_key)))
        if self.unique:
            keys = tuple(Seq(key) for key in self.unique)
            entries.append(Entry("unique", Seq(keys, flow=False)))
        return Map(tuple(entries), flow=False)


Stamp = tuple[str, ...] | str
"""A timestamp rule's states: a list, or ``terminal``."""


@dataclass(frozen=True)
class MachineDraft:
    name: str
    table: str
    column: str
    states: tuple[str, ...]
    initial: str
    transitions: tuple[tuple[str, tuple[str, ...]], ...]
    given: tuple[str, ...]
    create: CallDraft
    move: CallDraft
    terminal: tuple[str, ...] = ()
    timestamps: tuple[tuple[str, Stamp], ...] = ()
    reject_others: bool = False
    comments: tuple[str, ...] = ()
    """Lines above the machine: where its transitions come from."""
    initial_note: str = ""
    suggestions: tuple[Line, ...] = ()
    """Comment lines after the machine (YAML to uncomment, and its explanation)."""
    commented: str = ""
    """Why the whole machine is a suggestion (written commented out), or ""."""
    stamp_candidates: tuple[str, ...] = ()
    """Columns (``*_at``) whose values are observed to propose timestamp rules."""

    def node(self) -> Map:
        entries = [
            Entry("table", self.table),
            Entry("column", self.column),
            Entry("states", Seq(self.states)),
            Entry("initial", self.initial, note=self.initial_note),
            Entry("transitions", Map(tuple(Entry(s, Seq(t)) for s, t in self.transitions))),
        ]
        if self.terminal:
            entries.append(Entry("terminal", Seq(self.terminal)))
        if self.timestamps:
            stamps = tuple(
                Entry(c, s if isinstance(s, str) else Seq(s)) for c, s in self.timestamps
            )
            entries.append(Entry("timestamps", Map(stamps)))
        if self.given:
            entries.append(Entry("given", Seq(self.given)))
        entries.append(Entry("create", self.create.node()))
        entries.append(Entry("move", self.move.node()))
        entries.append(Entry("reject_others", self.reject_others))
        return Map(tuple(entries), flow=False, trailing=self.suggestions)


@dataclass(frozen=True)
class Draft:
    name: str
    title: str
    schema: str | None
    header: tuple[Line, ...]
    exact_tables: bool
    tables: tuple[TableDraft, ...]
    operations: tuple[OperationDraft, ...]
    fixtures: tuple[FixtureDraft, ...]
    machines: tuple[MachineDraft, ...]
    fixture_notes: tuple[str, ...] = ()
    examples: tuple[Line, ...] = ()
    """The commented-out criteria at the end (lines of YAML and explanation)."""

    def machine(self, name: str) -> MachineDraft | None:
        return next((m for m in self.machines if m.name == name), None)


def text(draft: Draft) -> str:
    """The spec ``draft`` describes, as YAML."""
    body: list[Entry] = [
        Entry("version", 1),
        Entry("name", draft.name),
        Entry("title", draft.title),
    ]
    if draft.schema is not None:
        body.append(Entry("schema", draft.schema))
    body.append(
        Entry(
            "structure",
            Map((Entry("exact_tables", draft.exact_tables), Entry("exact_columns", True))),
            comments=_structure_comments(draft.exact_tables),
            blank=True,
        )
    )
    body.append(
        Entry(
            "tables",
            Map(tuple(_table_entry(t, i) for i, t in enumerate(draft.tables)), flow=False),
            comments=(
                "Every table and column as SQLite reads it back: type, PRIMARY KEY, NOT NULL,",
                "UNIQUE, DEFAULT and foreign keys with their actions.",
            ),
            blank=True,
        )
    )
    if draft.operations:
        ops = tuple(
            Entry(o.name, o.node(), comments=o.comments, blank=i > 0)
            for i, o in enumerate(draft.operations)
        )
        body.append(
            Entry(
                "operations",
                Map(ops, flow=False),
                comments=("Create and fetch each table's rows; move each state machine's column.",),
                blank=True,
            )
        )
    if draft.fixtures or draft.fixture_notes:
        fixtures = tuple(Entry(f.name, f.node()) for f in draft.fixtures)
        about = "One row of each table, its NOT NULL parents first (a fixture's `given`)."
        if fixtures:
            entry = Entry(
                "fixtures",
                Map(fixtures, flow=False, trailing=draft.fixture_notes),
                comments=(about,),
                blank=True,
            )
        else:  # comments alone would leave the key without a mapping
            entry = Entry("fixtures", Map(()), comments=(about, *draft.fixture_notes), blank=True)
        body.append(entry)
    active = [m for m in draft.machines if not m.commented]
    if draft.machines:
        # All commented out: the section is, and the machines inside it are not again.
        machines = tuple(
            _machine_entry(m, i, inside_comment=not active) for i, m in enumerate(draft.machines)
        )
        body.append(
            Entry(
                "state_machines",
                Map(machines, flow=False),
                comments=_machine_comments(bool(active)),
                blank=True,
                commented=not active,
            )
        )
    return render(Document(draft.header, Map(tuple(body), flow=False), draft.examples))


def _structure_comments(exact_tables: bool) -> tuple[str, ...]:
    if exact_tables:
        return (
            "A table, or a column of a declared table, that this spec does not declare",
            "fails the run: the contract grows with the schema.",
        )
    return (
        "A column of a declared table that this spec does not declare fails the run.",
        "Tables left out by --tables are not checked (exact_tables: false).",
    )


def _machine_comments(active: bool) -> tuple[str, ...]:
    lines = (
        "Columns whose CHECK (x IN (...)) lists a lifecycle. Each machine is tried",
        "on a fresh row: every listed move must succeed, and with reject_others every",
        "other move must be refused by the database.",
    )
    if active:
        return lines
    return (*lines, "None can be stated as the schema stands; suggestions follow.")


def _table_entry(table: TableDraft, index: int) -> Entry:
    return Entry(table.name, table.node(), comments=table.comments, blank=index > 0)


def _machine_entry(machine: MachineDraft, index: int, *, inside_comment: bool) -> Entry:
    comments = machine.comments
    if machine.commented:
        comments = (*comments, f"Commented out: {machine.commented}")
    return Entry(
        machine.name,
        machine.node(),
        comments=comments,
        blank=index > 0,
        commented=bool(machine.commented) and not inside_comment,
    )


def lines_of(node: Map) -> list[str]:
    """``node`` as YAML lines, for comments that can be uncommented."""
    return block(node)

"""SQLite DDL text: what a schema script declares, with where each clause is.

:func:`parse` reads a schema script (the ``CREATE TABLE``, ``CREATE INDEX``,
``CREATE TRIGGER`` and ``CREATE VIEW`` statements of SQLite's grammar) into
frozen dataclasses that keep the character span of every clause: each
column's constraints, each table constraint, the values of a ``CHECK``'s
``x IN (...)`` list, the actions of a foreign key, a trigger's ``WHEN`` and
the ``OR``/``AND`` branches of its conditions. Spans are offsets into the
whole text, so an edit of one clause is a slice replacement, and each span
that can be removed comes with the ``drop`` span that removes it and the
separator it needs (a comma, ``AND``, spacing) while leaving valid SQL.

It is not a SQL parser: expressions are kept as text, and what it does not
recognise it skips (it never raises), so that it can read any script SQLite
accepts. Every pass is linear in the text: parentheses are matched once per
statement and a nested group is jumped over, never re-read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from . import sqltext
from .sqltext import StatementSpan

MAX_BRANCH_DEPTH = 16
"""How many levels of parentheses and OR/AND nesting condition branches are read to."""


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` of the schema text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start : self.end]


# -- constraints ----------------------------------------------------------


@dataclass(frozen=True)
class PrimaryKey:
    """``PRIMARY KEY`` of a column (``columns`` is that column) or of the table."""

    span: Span
    drop: Span
    name: str | None
    columns: tuple[str, ...]
    conflict: str | None = None
    autoincrement: bool = False


@dataclass(frozen=True)
class Unique:
    """``UNIQUE`` of a column or of the table."""

    span: Span
    drop: Span
    name: str | None
    columns: tuple[str, ...]
    conflict: str | None = None


@dataclass(frozen=True)
class NotNull:
    span: Span
    drop: Span
    name: str | None
    conflict: str | None = None


@dataclass(frozen=True)
class Value:
    """One value of an ``IN (...)`` list as written; ``drop`` removes it and one comma."""

    text: str
    span: Span
    drop: Span


@dataclass(frozen=True)
class InList:
    """``column [NOT] IN (values)``; ``column`` is None when the left side is not
    a plain (or table-qualified) column name."""

    column: str | None
    negated: bool
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Check:
    """``CHECK (expression)``; ``in_lists`` are the ``IN`` lists that are the
    whole expression or one operand of its top-level ``OR``/``AND`` chain."""

    span: Span
    drop: Span
    name: str | None
    expression: Span
    in_lists: tuple[InList, ...] = ()
    whole_in_list: bool = False

    @property
    def in_list(self) -> InList | None:
        """The ``IN`` list when it is the whole expression (``CHECK (x IN (...))``)."""
        return self.in_lists[0] if self.whole_in_list else None


@dataclass(frozen=True)
class Default:
    """``DEFAULT value``; ``kind`` is ``string``, ``number`` (signed),
    ``null``, ``boolean``, ``blob`` or ``expression`` (parenthesised, or a
    bare word such as ``CURRENT_TIMESTAMP``)."""

    span: Span
    drop: Span
    name: str | None
    value: Span
    text: str
    kind: str


ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")
"""The foreign key actions, in the order mutants use them."""


@dataclass(frozen=True)
class Action:
    """``ON DELETE|UPDATE action``; ``words`` is where the action itself is."""

    event: str
    action: str
    span: Span
    words: Span


@dataclass(frozen=True)
class ForeignKey:
    """``REFERENCES table [(columns)] ...`` of a column (``columns`` is that
    column) or ``FOREIGN KEY (columns) REFERENCES ...`` of the table.
    ``target_end`` is the offset just after ``table [(columns)]``."""

    span: Span
    drop: Span
    name: str | None
    columns: tuple[str, ...]
    table: str
    target_columns: tuple[str, ...]
    actions: tuple[Action, ...]
    target_end: int
    match: str | None = None
    deferrable: str | None = None

    def action(self, event: str) -> Action | None:
        """The written ``ON <event>`` clause (the last one, as SQLite keeps)."""
        written = [a for a in self.actions if a.event == event]
        return written[-1] if written else None

    @property
    def on_delete(self) -> str:
        action = self.action("DELETE")
        return action.action if action else "NO ACTION"

    @property
    def on_update(self) -> str:
        action = self.action("UPDATE")
        return action.action if action else "NO ACTION"


@dataclass(frozen=True)
class Collate:
    span: Span
    drop: Span
    name: str | None
    collation: str


@dataclass(frozen=True)
class Generated:
    span: Span
    drop: Span
    name: str | None
    expression: Span
    stored: bool


Constraint = PrimaryKey | Unique | NotNull | Check | Default | ForeignKey | Collate | Generated

_Make = Callable[[Span, Span], Constraint]
"""A constraint's constructor, waiting for its span and drop span."""


# -- statements -----------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    span: Span
    constraints: tuple[Constraint, ...]

    @property
    def not_null(self) -> bool:
        return any(isinstance(c, NotNull) for c in self.constraints)

    @property
    def primary_key(self) -> PrimaryKey | None:
        return next((c for c in self.constraints if isinstance(c, PrimaryKey)), None)

    @property
    def unique(self) -> bool:
        return any(isinstance(c, Unique) for c in self.constraints)

    @property
    def default(self) -> Default | None:
        # SQLite keeps the last DEFAULT written.
        defaults = [c for c in self.constraints if isinstance(c, Default)]
        return defaults[-1] if defaults else None

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.constraints if isinstance(c, Check))

    @property
    def references(self) -> ForeignKey | None:
        return next((c for c in self.constraints if isinstance(c, ForeignKey)), None)

    @property
    def collation(self) -> str | None:
        collations = [c.collation for c in self.constraints if isinstance(c, Collate)]
        return collations[-1] if collations else None


@dataclass(frozen=True)
class Table:
    """``CREATE TABLE``; ``constraints`` are the table constraints (after the
    columns). ``select`` is true for ``CREATE TABLE ... AS SELECT``."""

    name: str
    schema: str | None
    span: Span
    columns: tuple[Column, ...]
    constraints: tuple[Constraint, ...]
    temporary: bool = False
    without_rowid: bool = False
    strict: bool = False
    select: bool = False

    def column(self, name: str) -> Column | None:
        folded = name.casefold()
        return next((c for c in self.columns if c.name.casefold() == folded), None)

    @property
    def primary_key(self) -> tuple[str, ...]:
        for column in self.columns:
            if column.primary_key:
                return (column.name,)
        keys = [c.columns for c in self.constraints if isinstance(c, PrimaryKey)]
        return keys[0] if keys else ()

    @property
    def unique_keys(self) -> tuple[tuple[str, ...], ...]:
        """The columns of each UNIQUE constraint, of a column or of the table."""
        own = [(c.name,) for c in self.columns if c.unique]
        return (*own, *(c.columns for c in self.constraints if isinstance(c, Unique)))

    @property
    def foreign_keys(self) -> tuple[ForeignKey, ...]:
        own = [c.references for c in self.columns if c.references]
        return (*own, *(c for c in self.constraints if isinstance(c, ForeignKey)))

    @property
    def checks(self) -> tuple[Check, ...]:
        own = [check for column in self.columns for check in column.checks]
        return (*own, *(c for c in self.constraints if isinstance(c, Check)))


@dataclass(frozen=True)
class Index:
    """``CREATE [UNIQUE] INDEX``; ``columns`` are the indexed terms (a column
    name, or an expression's text)."""

    name: str
    schema: str | None
    table: str
    unique: bool
    columns: tuple[str, ...]
    where: Span | None
    span: Span


@dataclass(frozen=True)
class Branch:
    """One operand of an ``OR``/``AND`` chain; ``drop`` removes it with the
    operator that joins it to its neighbour. ``branches`` are the operands of
    the chain inside it (its own ``AND`` chain, or the one in its parentheses)."""

    span: Span
    drop: Span
    operator: str
    branches: tuple[Branch, ...] = ()


@dataclass(frozen=True)
class Condition:
    """A condition of a trigger: its ``WHEN`` (label ``when``), or in body
    statement N a ``WHERE`` (``sN.whereM``) or the ``WHEN`` of a
    ``CASE WHEN ... THEN`` (``sN.caseM.whenK``). ``clause`` runs from the
    keyword to the end of the condition; ``drop`` removes the clause (None for
    a CASE WHEN, whose WHEN cannot go alone)."""

    label: str
    clause: Span
    drop: Span | None
    expression: Span
    branches: tuple[Branch, ...]


@dataclass(frozen=True)
class Trigger:
    name: str
    schema: str | None
    table: str
    timing: str
    event: str
    span: Span
    when: Condition | None
    conditions: tuple[Condition, ...] = ()
    temporary: bool = False


@dataclass(frozen=True)
class View:
    name: str
    schema: str | None
    span: Span


@dataclass(frozen=True)
class Schema:
    """What a schema script declares, in text order. ``statements`` are all of
    its statements, recognised or not."""

    text: str = field(repr=False)
    statements: tuple[StatementSpan, ...]
    tables: tuple[Table, ...]
    indexes: tuple[Index, ...]
    triggers: tuple[Trigger, ...]
    views: tuple[View, ...]

    def table(self, name: str) -> Table | None:
        folded = name.casefold()
        return next((t for t in self.tables if t.name.casefold() == folded), None)


def parse(text: str) -> Schema:
    """The tables, indexes, triggers and views ``text`` declares."""
    spans = sqltext.statement_spans(text)
    tables: list[Table] = []
    indexes: list[Index] = []
    triggers: list[Trigger] = []
    views: list[View] = []
    for span in spans:
        found = _Statement(text, span).parse()
        if isinstance(found, Table):
            tables.append(found)
        elif isinstance(found, Index):
            indexes.append(found)
        elif isinstance(found, Trigger):
            triggers.append(found)
        elif isinstance(found, View):
            views.append(found)
    return Schema(text, tuple(spans), tuple(tables), tuple(indexes), tuple(triggers), tuple(views))


def unquote(token: str) -> str:
    """An identifier as SQLite reads it: ``"a""b"``, `` `a` ``, ``[a]``, ``'a'`` -> the name."""
    if len(token) >= 2 and token[0] == "[" and token[-1] == "]":
        return token[1:-1]
    if len(token) >= 2 and token[0] in "\"'`" and token[-1] == token[0]:
        return token[1:-1].replace(token[0] * 2, token[0])
    return token


_NAME_KINDS = ("word", "quoted", "string")
_COLUMN_CONSTRAINT = frozenset(
    {
        "CONSTRAINT",
        "PRIMARY",
        "NOT",
        "NULL",
        "UNIQUE",
        "CHECK",
        "DEFAULT",
        "COLLATE",
        "REFERENCES",
        "GENERATED",
        "AS",
    }
)
_TABLE_CONSTRAINT = frozenset(("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"))
_WHERE_ENDS = frozenset(
    ("GROUP", "ORDER", "LIMIT", "RETURNING", "WINDOW", "UNION", "EXCEPT", "INTERSECT", "ON", "DO")
)


class _Statement:
    """The tokens of one statement, its matched parentheses and CASE ... END
    pairs, and the parsing of what it declares."""

    def __init__(self, text: str, span: StatementSpan) -> None:
        self.text = text
        self.span = Span(span.start, span.end)
        self.toks = list(sqltext.located_tokens(text, span.start, span.end))
        if self.toks and self.toks[-1].kind == "end":
            self.toks.pop()
        self.words = [t.text.upper() if t.kind == "word" else "" for t in self.toks]
        self.close = _pairs([t.text for t in self.toks], "(", ")")
        self.case_end = _pairs(self.words, "CASE", "END")

    # -- token helpers

    def word(self, i: int) -> str:
        """The keyword at ``i`` in upper case, or "" (quoted names are never keywords)."""
        return self.words[i] if 0 <= i < len(self.words) else ""

    def punct(self, i: int, char: str) -> bool:
        return 0 <= i < len(self.toks) and self.toks[i].text == char

    def is_name(self, i: int) -> bool:
        return i < len(self.toks) and self.toks[i].kind in _NAME_KINDS

    def name(self, i: int) -> str:
        return unquote(self.toks[i].text)

    def qualified(self, i: int) -> tuple[str | None, str, int]:
        """``[schema.]name`` at ``i``: (schema, name, index after it)."""
        if self.punct(i + 1, ".") and self.is_name(i + 2):
            return self.name(i), self.name(i + 2), i + 3
        return None, self.name(i), i + 1

    def after_group(self, i: int) -> int:
        """The index after the parenthesised group opening at ``i``."""
        return self.close.get(i, len(self.toks) - 1) + 1

    def span_of(self, first: int, last: int) -> Span:
        """From the start of token ``first`` to the end of token ``last`` (inclusive)."""
        return Span(self.toks[first].start, self.toks[last].end)

    def inside(self, opening: int, after: int) -> Span:
        """What is between the parenthesis at ``opening`` and its closing one
        (``after`` is the index after it); empty at the opening when nothing is."""
        if after - 2 > opening:
            return self.span_of(opening + 1, after - 2)
        return Span(self.toks[opening].end, self.toks[opening].end)

    def text_of(self, first: int, last: int) -> str:
        return " ".join(self.span_of(first, last).of(self.text).split())

    def back_over_space(self, offset: int, i: int) -> int:
        """``offset`` moved back over the spacing before token ``i`` (never over a comment)."""
        floor = self.toks[i - 1].end if i > 0 else self.span.start
        while offset > floor and self.text[offset - 1].isspace():
            offset -= 1
        return offset

    def commas(self, first: int, stop: int) -> list[tuple[int, int]]:
        """The top-level comma-separated ranges ``[a, b)`` of tokens first..stop."""
        ranges: list[tuple[int, int]] = []
        start = i = first
        while i < stop:
            if self.punct(i, "("):
                i = self.after_group(i)
                continue
            if self.punct(i, ","):
                ranges.append((start, i))
                start = i + 1
            i += 1
        if start < stop or ranges:
            ranges.append((start, stop))
        return ranges

    # -- statements

    def parse(self) -> Table | Index | Trigger | View | None:
        if self.word(0) != "CREATE":
            return None
        i = 1
        temporary = self.word(i) in ("TEMP", "TEMPORARY")
        i += temporary
        unique = self.word(i) == "UNIQUE"
        i += unique
        kind = self.word(i)
        i += 1
        if self.word(i) == "IF" and self.word(i + 1) == "NOT" and self.word(i + 2) == "EXISTS":
            i += 3
        if not self.is_name(i):
            return None
        if kind == "TABLE" and not unique:
            return self.table(i, temporary)
        if kind == "INDEX" and not temporary:
            return self.index(i, unique)
        if kind == "TRIGGER" and not unique:
            return self.trigger(i, temporary)
        if kind == "VIEW" and not unique:
            schema, name, _ = self.qualified(i)
            return View(name, schema, self.span)
        return None

    def table(self, i: int, temporary: bool) -> Table | None:
        schema, name, i = self.qualified(i)
        if self.word(i) == "AS":
            return Table(name, schema, self.span, (), (), temporary, select=True)
        if not self.punct(i, "("):
            return None
        end = self.after_group(i) - 1
        columns: list[Column] = []
        constraints: list[Constraint] = []
        for first, stop in self.commas(i + 1, end):
            if constraints or self.word(first) in _TABLE_CONSTRAINT:
                constraints.extend(self.table_constraints(first, stop))
            elif self.is_name(first):
                columns.append(self.column(first, stop))
        options = {self.word(j) for j in range(end + 1, len(self.toks))}
        return Table(
            name,
            schema,
            self.span,
            tuple(columns),
            tuple(constraints),
            temporary,
            without_rowid="ROWID" in options,
            strict="STRICT" in options,
        )

    def column(self, first: int, stop: int) -> Column:
        name = self.name(first)
        i = first + 1
        while i < stop and self.word(i) not in _COLUMN_CONSTRAINT:
            i = self.after_group(i) if self.punct(i, "(") else i + 1
        declared = self.text_of(first + 1, i - 1) if i > first + 1 else ""
        constraints = tuple(self.constraints(i, stop, (name,), table=False))
        return Column(name, declared, self.span_of(first, stop - 1), constraints)

    def constraints(
        self, i: int, stop: int, columns: tuple[str, ...], *, table: bool
    ) -> Iterator[Constraint]:
        """The constraints in tokens i..stop, of a column (``columns`` is that
        column) or, with ``table``, table constraints (without their comma)."""
        named: tuple[str | None, int] = (None, -1)
        while i < stop:
            if self.word(i) == "CONSTRAINT" and self.is_name(i + 1):
                named = (self.name(i + 1), i)
                i += 2
                continue
            name, first = named if named[1] >= 0 else (None, i)
            if self.word(i) == "NULL" and not table:  # a no-op constraint: nothing to model
                named = (None, -1)
                i = self.conflict(i + 1)[1]
                continue
            found = self.constraint(i, stop, name, columns, table=table)
            named = (None, -1)
            if found is None:
                i += 1
                continue
            make, i = found
            whole = self.span_of(first, i - 1)
            yield make(whole, Span(self.back_over_space(whole.start, first), whole.end))

    def constraint(
        self, i: int, stop: int, name: str | None, columns: tuple[str, ...], *, table: bool
    ) -> tuple[_Make, int] | None:
        """The constraint starting at token ``i`` (a maker awaiting its spans)
        and the index after it, or None when ``i`` starts none."""
        keyword = self.word(i)
        if keyword == "PRIMARY" and self.word(i + 1) == "KEY":
            return self.primary_key(i + 2, name, columns)
        if keyword == "UNIQUE":
            return self.unique(i + 1, name, columns)
        if keyword == "NOT" and self.word(i + 1) == "NULL" and not table:
            conflict, j = self.conflict(i + 2)
            return (lambda s, d: NotNull(s, d, name, conflict)), j
        if keyword == "CHECK" and self.punct(i + 1, "("):
            return self.check(i + 1, name)
        if keyword == "DEFAULT" and not table and i + 1 < stop:
            return self.default(i + 1, name)
        if keyword == "COLLATE" and self.is_name(i + 1) and not table:
            collation = self.name(i + 1)
            return (lambda s, d: Collate(s, d, name, collation)), i + 2
        if keyword == "REFERENCES" and not table:
            return self.references(i, name, columns)
        if keyword == "FOREIGN" and self.word(i + 1) == "KEY" and self.punct(i + 2, "(") and table:
            close = self.after_group(i + 2)
            own = tuple(self.indexed(i + 3, close - 1))
            if self.word(close) == "REFERENCES":
                return self.references(close, name, own)
        if keyword in ("GENERATED", "AS") and not table:
            return self.generated(i, name)
        return None

    def conflict(self, i: int) -> tuple[str | None, int]:
        if self.word(i) == "ON" and self.word(i + 1) == "CONFLICT" and self.word(i + 2):
            return self.word(i + 2), i + 3
        return None, i

    def primary_key(self, i: int, name: str | None, columns: tuple[str, ...]) -> tuple[_Make, int]:
        if self.punct(i, "("):
            close = self.after_group(i)
            columns, i = tuple(self.indexed(i + 1, close - 1)), close
        i += self.word(i) in ("ASC", "DESC")
        conflict, i = self.conflict(i)
        autoincrement = self.word(i) == "AUTOINCREMENT"
        i += autoincrement
        return (lambda s, d: PrimaryKey(s, d, name, columns, conflict, autoincrement)), i

    def unique(self, i: int, name: str | None, columns: tuple[str, ...]) -> tuple[_Make, int]:
        if self.punct(i, "("):
            close = self.after_group(i)
            columns, i = tuple(self.indexed(i + 1, close - 1)), close
        conflict, i = self.conflict(i)
        return (lambda s, d: Unique(s, d, name, columns, conflict)), i

    def indexed(self, first: int, stop: int) -> Iterator[str]:
        """The column names (or expression texts) of an indexed-column list."""
        for a, b in self.commas(first, stop):
            if a >= b:
                continue
            j = a + 1
            if self.word(j) == "COLLATE":
                j += 2
            j += self.word(j) in ("ASC", "DESC", "AUTOINCREMENT")
            simple = self.is_name(a) and j >= b
            yield self.name(a) if simple else self.text_of(a, b - 1)

    def check(self, i: int, name: str | None) -> tuple[_Make, int]:
        close = self.after_group(i)
        expression = self.inside(i, close)
        lists, whole = self.in_lists(i + 1, close - 1)
        _, j = self.conflict(close)
        return (lambda s, d: Check(s, d, name, expression, lists, whole)), j

    def in_lists(self, first: int, stop: int) -> tuple[tuple[InList, ...], bool]:
        """The IN lists of a CHECK expression (tokens first..stop), and whether
        one is the whole expression."""
        whole = self.in_list(first, stop)
        if whole is not None:
            return (whole,), True
        _, parts = self.chain(first, stop)
        if len(parts) < 2:
            return (), False
        found = (self.in_list(a, b) for a, b in parts)
        return tuple(f for f in found if f is not None), False

    def in_list(self, first: int, stop: int) -> InList | None:
        """``lhs [NOT] IN (values)`` spanning exactly tokens first..stop."""
        at = first
        while at < stop and not (self.word(at) == "IN" and self.punct(at + 1, "(")):
            at = self.after_group(at) if self.punct(at, "(") else at + 1
        if at == first or at >= stop or self.after_group(at + 1) != stop:
            return None
        negated = self.word(at - 1) == "NOT"
        left = at - 1 - negated
        if left < first or self.word(at + 2) in ("SELECT", "WITH", "VALUES"):
            return None
        simple = left == first or (left == first + 2 and self.punct(first + 1, "."))
        column = self.name(left) if simple and self.is_name(left) else None
        ranges = [(a, b) for a, b in self.commas(at + 2, stop - 1) if a < b]
        values = tuple(
            Value(self.text_of(a, b - 1), self.span_of(a, b - 1), self.drop(ranges, k))
            for k, (a, b) in enumerate(ranges)
        )
        return InList(column, negated, values)

    def drop(self, ranges: list[tuple[int, int]], k: int) -> Span:
        """What removes operand ``k`` of ``ranges`` with one separator: the
        separator before it, or for the first operand the one after it."""
        a, b = ranges[k]
        if k > 0:
            return Span(self.toks[ranges[k - 1][1] - 1].end, self.toks[b - 1].end)
        if len(ranges) > 1:
            return Span(self.toks[a].start, self.toks[ranges[1][0]].start)
        return self.span_of(a, b - 1)

    def default(self, i: int, name: str | None) -> tuple[_Make, int] | None:
        first, kind = i, ""
        if self.punct(i, "("):
            i, kind = self.after_group(i), "expression"
        elif self.toks[i].text in ("-", "+") and self.toks[i + 1 : i + 2]:
            i, kind = self.literal_end(i + 1), "number"
        else:
            word = self.word(i)
            kind = {"NULL": "null", "TRUE": "boolean", "FALSE": "boolean"}.get(word, "")
            if not kind:
                kind = {"string": "string", "number": "number"}.get(self.toks[i].kind, "")
            if not kind and word == "X" and self.toks[i + 1 : i + 2]:
                nxt = self.toks[i + 1]
                kind = "blob" if nxt.kind == "string" and nxt.start == self.toks[i].end else ""
            if not kind:
                kind = "expression"
            i = self.literal_end(i) if kind != "blob" else i + 2
        value = self.span_of(first, i - 1)
        text = value.of(self.text)
        return (lambda s, d: Default(s, d, name, value, text, kind)), i

    def literal_end(self, i: int) -> int:
        """The index after the literal at ``i``, joining a number's glued
        suffix (``0x1F``) that the tokenizer reads as a word."""
        i += 1
        while i < len(self.toks) and self.toks[i].start == self.toks[i - 1].end:
            if self.toks[i].kind not in ("word", "number"):
                break
            i += 1
        return i

    def references(
        self, i: int, name: str | None, columns: tuple[str, ...]
    ) -> tuple[_Make, int] | None:
        if not self.is_name(i + 1):
            return None
        target, j = self.name(i + 1), i + 2
        targets: tuple[str, ...] = ()
        if self.punct(j, "("):
            close = self.after_group(j)
            targets, j = tuple(self.indexed(j + 1, close - 1)), close
        target_end = self.toks[j - 1].end
        actions: list[Action] = []
        match = deferrable = None
        while j < len(self.toks):
            if self.word(j) == "ON" and self.word(j + 1) in ("DELETE", "UPDATE"):
                found = self.action(j)
                if found is None:
                    break
                actions.append(found[0])
                j = found[1]
            elif self.word(j) == "MATCH" and self.is_name(j + 1):
                match, j = self.name(j + 1), j + 2
            elif self.word(j) == "DEFERRABLE" or (
                self.word(j) == "NOT" and self.word(j + 1) == "DEFERRABLE"
            ):
                k = j + 1 + (self.word(j) == "NOT")
                if self.word(k) == "INITIALLY" and self.word(k + 1):
                    k += 2
                deferrable, j = self.text_of(j, k - 1).upper(), k
            else:
                break
        found_actions = tuple(actions)
        return (
            lambda s, d: ForeignKey(
                s, d, name, columns, target, targets, found_actions, target_end, match, deferrable
            )
        ), j

    def action(self, i: int) -> tuple[Action, int] | None:
        """``ON DELETE|UPDATE action`` at ``i``."""
        first = self.word(i + 2)
        second = self.word(i + 3)
        if first in ("SET", "NO") and f"{first} {second}" in ACTIONS:
            words, end = f"{first} {second}", i + 4
        elif first in ACTIONS:
            words, end = first, i + 3
        else:
            return None
        clause = Action(
            self.word(i + 1), words, self.span_of(i, end - 1), self.span_of(i + 2, end - 1)
        )
        return clause, end

    def generated(self, i: int, name: str | None) -> tuple[_Make, int] | None:
        j = i + 2 if self.word(i) == "GENERATED" and self.word(i + 1) == "ALWAYS" else i
        if self.word(j) != "AS" or not self.punct(j + 1, "("):
            return None
        close = self.after_group(j + 1)
        expression = self.inside(j + 1, close)
        stored = self.word(close) == "STORED"
        close += self.word(close) in ("STORED", "VIRTUAL")
        return (lambda s, d: Generated(s, d, name, expression, stored)), close

    def table_constraints(self, first: int, stop: int) -> Iterator[Constraint]:
        """The table constraints of one comma-separated element (SQLite lets
        several follow each other without a comma), each with a ``drop`` that
        keeps the commas right."""
        found = list(self.constraints(first, stop, (), table=True))
        comma = first - 1
        for k, constraint in enumerate(found):
            if k + 1 < len(found):  # remove it and the spacing up to the next one
                drop = Span(constraint.span.start, found[k + 1].span.start)
            elif k > 0 or not self.punct(comma, ","):
                drop = constraint.drop
            else:  # the only one after its comma: the comma goes too
                drop = Span(
                    self.back_over_space(self.toks[comma].start, comma), constraint.span.end
                )
            yield _with_drop(constraint, drop)

    def index(self, i: int, unique: bool) -> Index | None:
        schema, name, i = self.qualified(i)
        if self.word(i) != "ON" or not self.is_name(i + 1) or not self.punct(i + 2, "("):
            return None
        table = self.name(i + 1)
        close = self.after_group(i + 2)
        columns = tuple(self.indexed(i + 3, close - 1))
        where = None
        if self.word(close) == "WHERE" and close + 1 < len(self.toks):
            where = self.span_of(close + 1, len(self.toks) - 1)
        return Index(name, schema, table, unique, columns, where, self.span)

    def trigger(self, i: int, temporary: bool) -> Trigger | None:
        schema, name, i = self.qualified(i)
        timing = ""
        if self.word(i) in ("BEFORE", "AFTER"):
            timing, i = self.word(i), i + 1
        elif self.word(i) == "INSTEAD" and self.word(i + 1) == "OF":
            timing, i = "INSTEAD OF", i + 2
        event = self.word(i)
        while i < len(self.toks) and self.word(i) != "ON":
            i += 1
        if not self.is_name(i + 1):
            return None
        table_schema, table, i = self.qualified(i + 1)
        del table_schema
        if self.word(i) == "FOR" and self.word(i + 1) == "EACH" and self.word(i + 2) == "ROW":
            i += 3
        begin = self.begin(i)
        when = None
        if self.word(i) == "WHEN" and begin > i + 1:
            when = self.condition("when", i, begin)
        end = len(self.toks) - 1 if self.word(len(self.toks) - 1) == "END" else len(self.toks)
        conditions = tuple(self.body_conditions(begin + 1, end))
        return Trigger(name, schema, table, timing, event, self.span, when, conditions, temporary)

    def begin(self, i: int) -> int:
        """The index of the trigger's BEGIN (a keyword, not ``x.begin``) from ``i``."""
        while i < len(self.toks):
            if self.punct(i, "("):
                i = self.after_group(i)
                continue
            if self.word(i) == "BEGIN" and not self.punct(i - 1, "."):
                return i
            i += 1
        return i

    def condition(self, label: str, keyword: int, stop: int) -> Condition:
        """The condition in tokens keyword+1..stop, introduced by token ``keyword``."""
        clause = self.span_of(keyword, stop - 1)
        drop = None
        if self.word(keyword) != "WHEN" or label == "when":
            drop = Span(self.back_over_space(clause.start, keyword), clause.end)
        expression = self.span_of(keyword + 1, stop - 1)
        return Condition(label, clause, drop, expression, self.branches(keyword + 1, stop, 0))

    def body_conditions(self, first: int, stop: int) -> Iterator[Condition]:
        """The WHERE and CASE WHEN conditions of each statement of a trigger body."""
        statement = 0
        start = first
        for i in range(first, stop + 1):
            if i < stop and self.toks[i].kind != "end":
                continue
            if i > start:
                statement += 1
                yield from self.wheres(f"s{statement}", start, i)
                yield from self.cases(f"s{statement}", start, i)
            start = i + 1

    def wheres(self, label: str, first: int, stop: int) -> Iterator[Condition]:
        """Each top-level ``WHERE`` condition of one body statement."""
        count = 0
        i = first
        while i < stop:
            if self.word(i) != "WHERE":
                i = self.after_group(i) if self.punct(i, "(") else i + 1
                continue
            end = i + 1
            while end < stop and self.word(end) not in _WHERE_ENDS:
                end = self.after_group(end) if self.punct(end, "(") else end + 1
            end = min(end, stop)
            if end > i + 1:
                count += 1
                yield self.condition(f"{label}.where{count}", i, end)
            i = end

    def cases(self, label: str, first: int, stop: int) -> Iterator[Condition]:
        """The ``WHEN`` conditions of each ``CASE WHEN`` (no operand) of one body statement."""
        count = 0
        for i in range(first, stop):
            if self.word(i) != "CASE" or self.word(i + 1) != "WHEN":
                continue
            count += 1
            yield from self.case_whens(f"{label}.case{count}", i, self.case_end.get(i, stop))

    def case_whens(self, label: str, case: int, end: int) -> Iterator[Condition]:
        number = 0
        i = case + 1
        when = -1
        while i < end:
            if self.punct(i, "("):
                i = self.after_group(i)
                continue
            if self.word(i) == "CASE":
                i = self.case_end.get(i, end) + 1
                continue
            if self.word(i) == "WHEN":
                when = i
            elif self.word(i) == "THEN" and when >= 0 and i > when + 1:
                number += 1
                yield self.condition(f"{label}.when{number}", when, i)
                when = -1
            i += 1

    # -- OR / AND chains

    def chain(self, first: int, stop: int) -> tuple[str, list[tuple[int, int]]]:
        """The top-level ``OR`` operands of tokens first..stop, or if there is
        no top-level OR its ``AND`` operands (the AND of ``BETWEEN x AND y``
        and anything inside parentheses or ``CASE ... END`` excluded)."""
        cuts: dict[str, list[int]] = {"OR": [], "AND": []}
        between = 0
        i = first
        while i < stop:
            if self.punct(i, "("):
                i = self.after_group(i)
                continue
            word = self.word(i)
            if word == "CASE":
                i = self.case_end.get(i, stop) + 1
                continue
            if word == "BETWEEN":
                between += 1
            elif word == "AND" and between:
                between -= 1
            elif word in cuts:
                cuts[word].append(i)
            i += 1
        operator = "OR" if cuts["OR"] else "AND"
        bounds = [first - 1, *cuts[operator], stop]
        return operator, [(bounds[k] + 1, bounds[k + 1]) for k in range(len(bounds) - 1)]

    def branches(self, first: int, stop: int, depth: int) -> tuple[Branch, ...]:
        if depth >= MAX_BRANCH_DEPTH or first >= stop:
            return ()
        operator, parts = self.chain(first, stop)
        if len(parts) >= 2:
            if any(a >= b for a, b in parts):
                return ()  # a dangling operator: not an expression we can edit
            return tuple(
                Branch(
                    self.span_of(a, b - 1),
                    self.drop(parts, k),
                    operator,
                    self.branches(a, b, depth + 1),
                )
                for k, (a, b) in enumerate(parts)
            )
        inner = first + (self.word(first) == "NOT")
        if self.punct(inner, "(") and self.after_group(inner) == stop:
            return self.branches(inner + 1, stop - 1, depth + 1)
        return ()


def _with_drop(constraint: Constraint, drop: Span) -> Constraint:
    return replace(constraint, drop=drop)


def _pairs(items: list[str], opening: str, closing: str) -> dict[int, int]:
    """Index of each ``opening`` item -> index of its ``closing`` one (unclosed
    ones close at the end), in one pass."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for i, item in enumerate(items):
        if item == opening:
            stack.append(i)
        elif item == closing and stack:
            pairs[stack.pop()] = i
    for i in stack:
        pairs[i] = len(items) - 1
    return pairs

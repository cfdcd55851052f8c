"""Single-edit mutants of a schema text, from a catalogue of operators.

Each operator breaks one rule of the schema by one located edit of its SQL
text (a clause removed, an action or a default replaced, a statement
dropped), found by :mod:`validator.schema_text`. A :class:`Mutant` carries the
edit, where it is in the original text, a one-line before/after of it, and
the rule it breaks (:class:`Subject`), so a report can say which rule no
check exercises. The mutated text is built only when asked for
(:attr:`Mutant.text`): a large schema has many mutants.

Mutant ids are structural, ``OPERATOR:SUBJECT[:DETAIL]`` (for instance
``drop-unique:orders.code`` or ``change-on-delete:lines.order_id:cascade``),
not positions: a spec acknowledges a surviving mutant by id, and such an id
must not change when a line is added above it or the schema file is named
differently (``--schema``). When two edits would get the same id (two CHECKs
on one column), the later ones in the text get ``#2``, ``#3``.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from . import sqltext
from .errors import Location, UsageError
from .mutant_operators import OPERATORS
from .schema_text import (
    ACTIONS,
    Branch,
    Check,
    Column,
    Condition,
    Constraint,
    Default,
    ForeignKey,
    NotNull,
    PrimaryKey,
    Schema,
    Span,
    Table,
    Unique,
    parse,
)

_ORDER = {name: i for i, name in enumerate(OPERATORS)}

CONTEXT = 60
"""Characters of the line kept on each side of an edit in a mutant's before/after."""


@dataclass(frozen=True)
class Edit:
    """Replace ``original[start:end]`` by ``replacement`` (offsets into the original)."""

    start: int
    end: int
    replacement: str

    def apply(self, text: str) -> str:
        return text[: self.start] + self.replacement + text[self.end :]


@dataclass(frozen=True)
class Subject:
    """The rule a mutant breaks: on ``table`` (and ``columns``), of kind ``rule``
    (``UNIQUE``, ``NOT NULL``, ``FOREIGN KEY``, ``ON DELETE``, ``CHECK``,
    ``DEFAULT``, ``PRIMARY KEY``, ``INDEX``, ``UNIQUE INDEX``, ``TRIGGER``);
    ``name`` is the index's or trigger's, ``target`` a foreign key's ``t(c)``."""

    table: str
    columns: tuple[str, ...]
    rule: str
    name: str | None = None
    target: str | None = None

    @property
    def key(self) -> str:
        """The subject part of a mutant id."""
        if self.name is not None and self.rule in ("INDEX", "UNIQUE INDEX", "TRIGGER"):
            return self.name
        if len(self.columns) == 1:
            return f"{self.table}.{self.columns[0]}"
        if self.columns:
            return f"{self.table}({','.join(self.columns)})"
        return self.table

    def __str__(self) -> str:
        if self.name is not None and self.rule in ("INDEX", "UNIQUE INDEX", "TRIGGER"):
            return f"{self.rule.lower()} {self.name} on {self.table}"
        where = self.key if len(self.columns) < 2 else f"{self.table}({', '.join(self.columns)})"
        if self.target is None:
            return f"{where} {self.rule}"
        action = "" if self.rule == "FOREIGN KEY" else f" {self.rule}"
        return f"{where} REFERENCES {self.target}{action}"


@dataclass(frozen=True)
class Mutant:
    """One edit of the schema. ``location`` is in the original text: the first
    character the edit removes or replaces, or for an added clause the start of
    the clause it extends. ``before``/``after`` are the edited line (spacing
    collapsed, cut to :data:`CONTEXT` around the edit) without and with it."""

    id: str
    operator: str
    location: Location
    edit: Edit
    before: str
    after: str
    subject: Subject
    detail: str = ""
    source: str = field(default="", repr=False, compare=False)

    @property
    def text(self) -> str:
        """The whole mutated schema text."""
        return self.edit.apply(self.source)

    @property
    def diff(self) -> str:
        return f"- {self.before}\n+ {self.after}"

    @property
    def title(self) -> str:
        """The rule the edit breaks, as ``-k`` matches it: ``orders.reference UNIQUE``."""
        return str(self.subject)


@dataclass(frozen=True)
class _Draft:
    operator: str
    subject: Subject
    anchor: int
    edit: Edit
    detail: str = ""


def generate(text: str, file: str, operators: Collection[str] | None = None) -> list[Mutant]:
    """Every mutant of schema ``text`` (read from ``file``) that ``operators``
    (default: all of :data:`OPERATORS`) make, in text order."""
    if operators is not None:
        unknown = sorted(set(operators) - set(OPERATORS))
        if unknown:
            raise UsageError.at(
                Location("operators"),
                f"unknown mutation operator {', '.join(unknown)}; "
                f"expected one of: {', '.join(OPERATORS)}",
            )
    drafts = [d for d in _drafts(parse(text)) if operators is None or d.operator in operators]
    drafts.sort(key=lambda d: (d.anchor, _ORDER[d.operator]))
    lines = Lines(text)
    seen: dict[str, int] = {}
    mutants = []
    for draft in drafts:
        base = ":".join(filter(None, (draft.operator, draft.subject.key, draft.detail)))
        seen[base] = seen.get(base, 0) + 1
        before, after = lines.snippets(draft.edit)
        line, column = lines.position(draft.anchor)
        mutants.append(
            Mutant(
                id=base if seen[base] == 1 else f"{base}#{seen[base]}",
                operator=draft.operator,
                location=Location(file, line, column),
                edit=draft.edit,
                before=before,
                after=after,
                subject=draft.subject,
                detail=draft.detail,
                source=text,
            )
        )
    return mutants


def _drafts(schema: Schema) -> Iterator[_Draft]:
    for table in schema.tables:
        for column in table.columns:
            for constraint in column.constraints:
                yield from _constraint(table, column, constraint)
        for constraint in table.constraints:
            yield from _constraint(table, None, constraint)
    for index in schema.indexes:
        rule = "UNIQUE INDEX" if index.unique else "INDEX"
        subject = Subject(index.table, index.columns, rule, index.name)
        yield _Draft("drop-index", subject, index.span.start, _remove(index.span))
    for trigger in schema.triggers:
        subject = Subject(trigger.table, (), "TRIGGER", trigger.name)
        yield _Draft("drop-trigger", subject, trigger.span.start, _remove(trigger.span))
        when = trigger.when
        if when is not None and when.drop is not None:
            yield _Draft("drop-trigger-when", subject, when.clause.start, _remove(when.drop))
        for condition in (trigger.when, *trigger.conditions):
            if condition is not None:
                yield from _branches(subject, condition, condition.branches, "")


def _constraint(table: Table, column: Column | None, constraint: Constraint) -> Iterator[_Draft]:
    own = (column.name,) if column else ()
    if isinstance(constraint, ForeignKey):
        yield from _foreign_key(table, constraint)
    elif isinstance(constraint, PrimaryKey | Unique | NotNull):
        operator, rule = _DROPS[type(constraint)]
        columns = own or getattr(constraint, "columns", ())
        subject = Subject(table.name, columns, rule)
        yield _Draft(operator, subject, constraint.span.start, _remove(constraint.drop))
    elif isinstance(constraint, Check):
        yield from _check(table, own, constraint)
    elif isinstance(constraint, Default) and column is not None:
        subject = Subject(table.name, own, "DEFAULT")
        replacement = _changed_default(constraint, column)
        edit = Edit(constraint.value.start, constraint.value.end, replacement)
        yield _Draft("change-default", subject, constraint.value.start, edit)
        yield _Draft("drop-default", subject, constraint.span.start, _remove(constraint.drop))


_DROPS: dict[type, tuple[str, str]] = {
    PrimaryKey: ("drop-primary-key", "PRIMARY KEY"),
    Unique: ("drop-unique", "UNIQUE"),
    NotNull: ("drop-not-null", "NOT NULL"),
}


def _foreign_key(table: Table, key: ForeignKey) -> Iterator[_Draft]:
    target = f"{key.table}({','.join(key.target_columns)})" if key.target_columns else key.table
    subject = Subject(table.name, key.columns, "FOREIGN KEY", target=target)
    yield _Draft("drop-foreign-key", subject, key.span.start, _remove(key.drop))
    for event in ("DELETE", "UPDATE"):
        written = key.action(event)
        current = written.action if written else "NO ACTION"
        on = Subject(table.name, key.columns, f"ON {event}", target=target)
        for action in ACTIONS:
            if action == current:
                continue
            detail = action.lower().replace(" ", "_")
            operator = f"change-on-{event.lower()}"
            if written:
                edit = Edit(written.words.start, written.words.end, action)
                yield _Draft(operator, on, written.words.start, edit, detail)
            else:
                edit = Edit(key.target_end, key.target_end, f" ON {event} {action}")
                yield _Draft(operator, on, key.span.start, edit, detail)


def _check(table: Table, own: tuple[str, ...], check: Check) -> Iterator[_Draft]:
    whole = check.in_list
    columns = own or ((whole.column,) if whole and whole.column else ())
    subject = Subject(table.name, columns, "CHECK")
    yield _Draft("drop-check", subject, check.span.start, _remove(check.drop))
    for in_list in check.in_lists:
        if len(in_list.values) < 2:
            continue
        on = own or ((in_list.column,) if in_list.column else ())
        value_subject = Subject(table.name, on, "CHECK")
        for value in in_list.values:
            edit = _remove(value.drop)
            yield _Draft("drop-check-value", value_subject, value.span.start, edit, value.text)


def _branches(
    subject: Subject, condition: Condition, branches: tuple[Branch, ...], path: str
) -> Iterator[_Draft]:
    for number, branch in enumerate(branches, 1):
        where = f"{path}.{number}" if path else str(number)
        detail = f"{condition.label}:{where}"
        edit = _remove(branch.drop)
        yield _Draft("drop-trigger-branch", subject, branch.span.start, edit, detail)
        yield from _branches(subject, condition, branch.branches, where)


def _remove(span: Span) -> Edit:
    return Edit(span.start, span.end, "")


# -- changed defaults -----------------------------------------------------


def _changed_default(default: Default, column: Column) -> str:
    """Another value for ``default`` (see :data:`OPERATORS`, ``change-default``)."""
    if default.kind in ("string", "number", "null"):
        current = sqltext.literal(default.text)
        for value in _allowed(column):
            if sqltext.literal(value) != current:
                return value
    if default.kind == "string":
        _, string = sqltext.literal(default.text)
        return "'" + f"{string}_mutant".replace("'", "''") + "'"
    if default.kind == "number":
        return _plus_one(default.text)
    if default.kind == "null":
        return "''" if sqltext.affinity(column.type) == "TEXT" else "0"
    if default.kind == "boolean":
        return "FALSE" if default.text.upper() == "TRUE" else "TRUE"
    return "NULL"


def _allowed(column: Column) -> Iterator[str]:
    """The literal values a CHECK ``column IN (...)`` of the column allows."""
    for check in column.checks:
        for in_list in check.in_lists:
            if in_list.negated or (in_list.column or "").casefold() != column.name.casefold():
                continue
            yield from (v.text for v in in_list.values if sqltext.literal(v.text)[0])


_INTEGER = re.compile(r"[0-9]+")


def _plus_one(text: str) -> str:
    compact = "".join(text.split())
    sign = -1 if compact.startswith("-") else 1
    body = compact.lstrip("+-")
    try:
        if body[:2].lower() == "0x":
            return str(sign * int(body[2:], 16) + 1)
        if _INTEGER.fullmatch(body):
            return str(sign * int(body) + 1)
        number = sign * float(body) + 1
    except ValueError:
        return "NULL"
    return repr(number) if math.isfinite(number) else "NULL"


# -- positions and snippets -----------------------------------------------


class Lines:
    """Line starts of a text, found once, so that each position is a bisection."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def index(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        line = self.index(offset)
        return line + 1, offset - self.starts[line] + 1

    def line_end(self, offset: int) -> int:
        line = self.index(offset)
        return self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)

    def snippets(self, edit: Edit) -> tuple[str, str]:
        """The edited line(s) before and after ``edit``, on one line each."""
        line_start = self.starts[self.index(edit.start)]
        line_end = self.line_end(edit.end)
        low = max(line_start, edit.start - CONTEXT)
        high = min(line_end, edit.end + CONTEXT)
        head = ("…" if low > line_start else "") + self.text[low : edit.start]
        tail = self.text[edit.end : high] + ("…" if high < line_end else "")
        removed = self.text[edit.start : edit.end]
        if len(removed) > 2 * CONTEXT:
            removed = f"{removed[:CONTEXT]} … {removed[-CONTEXT:]}"
        return _one_line(head + removed + tail), _one_line(head + edit.replacement + tail)


def _one_line(text: str) -> str:
    return " ".join(text.split())

"""The ``state_machines`` ``validator init`` proposes.

A column is a lifecycle when a ``CHECK (column IN (...))`` lists its values
(strings) and its name (``status``, ``state``, ``phase``, ``stage``, ...) or
at least two of its values (``pending``, ``running``, ``done``, ...) say so.
Its states are the CHECK's values, its initial state the DEFAULT. Its moves:

- *guarded*: triggers guard the column in a shape :mod:`.transitions` reads;
  the moves they let through are the transitions, the states without one are
  terminal, and every other move must be refused (``reject_others``);
- *free*: nothing guards it, so any state may follow any other; the machine
  then only says that each state can be entered from the initial one (which
  checks the DEFAULT, each value of the CHECK, and that another value is
  refused), and a lifecycle to enforce is suggested in a comment;
- *unread*: a trigger guards it in a shape that is not read; the machine is
  only a suggestion, commented out.

Nothing here claims more than the schema does; what the machine's run then
finds (timestamps, refusals) is settled by :mod:`.verify`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .. import schema_text
from ..errors import Location
from ..session import Session
from .data import Rows
from .draft import CallDraft, MachineDraft, OperationDraft
from .naming import Names, camel, snake, sql_name
from .structure import default
from .survey import ColumnFacts, Survey, TableFacts, value_counts
from .transitions import Moves, moves
from .yamltext import Entry as YamlEntry
from .yamltext import Line, Map, Seq, Verbatim, block

MAX_STATES = 50
"""A value list longer than this is not proposed as a state machine."""

_NAME = re.compile(r"(?:^|_)(status|state|states|phase|stage|lifecycle|step)(?:_|$)", re.I)
_WORDS = frozenset(
    {
        "aborted", "active", "approved", "archived", "blocked", "building", "canceled",
        "cancelled", "closed", "complete", "completed", "deleted", "delivered", "deploying",
        "done", "draft", "evaluating", "expired", "failed", "finished", "idle", "in_progress",
        "in_review", "inactive", "live", "new", "open", "passed", "paused", "pending",
        "processing", "published", "queued", "ready", "rejected", "resolved", "review",
        "rolled_back", "running", "scheduled", "shipped", "skipped", "started", "stopped",
        "submitted", "succeeded", "suspended", "terminated", "waiting", "working",
    }
)  # fmt: skip
"""Values that say a column is a lifecycle."""

_ENDS = frozenset(
    {
        "aborted", "archived", "canceled", "cancelled", "closed", "complete", "completed",
        "deleted", "delivered", "done", "expired", "failed", "finished", "rejected",
        "resolved", "rolled_back", "skipped", "succeeded", "terminated",
    }
)  # fmt: skip
"""Values that name a state a lifecycle usually ends in (for suggestions only)."""


@dataclass(frozen=True)
class Lifecycle:
    """A column proposed as a state machine, before its operations exist."""

    table: TableFacts
    column: ColumnFacts
    states: tuple[str, ...]
    initial: str
    from_default: bool
    moves: Moves
    counts: tuple[tuple[object, int], ...] | None = None

    @property
    def kind(self) -> str:
        if self.moves.unread:
            return "unread"
        return "guarded" if self.moves.read_from else "free"


def is_lifecycle(column: ColumnFacts) -> bool:
    values = column.in_list
    if not values or len(values) < 2 or len(values) > MAX_STATES:
        return False
    if not all(isinstance(v, str) for v in values):
        return False
    if _NAME.search(column.name):
        return True
    return sum(str(v).casefold() in _WORDS for v in values) >= 2


def lifecycles(
    session: Session, survey: Survey, where: Location, *, counts: bool
) -> list[Lifecycle]:
    """Every lifecycle column of the surveyed tables, with its moves read."""
    found = []
    for table in survey.tables:
        if table.virtual:
            continue
        for column in table.columns:
            if column.generated or not is_lifecycle(column):
                continue
            states = tuple(str(v) for v in column.in_list or ())
            ddl = survey.schema.table(table.name)
            ddl_column = ddl.column(column.name) if ddl else None
            collation = ddl_column.collation if ddl_column else None
            read = moves(session, survey.schema, table.name, column.name, states, collation, where)
            initial, from_default = _initial(column, states, read)
            seen = None
            if counts:
                got = value_counts(session, table.name, column.name, where)
                seen = tuple(got) if got is not None else None
            found.append(Lifecycle(table, column, states, initial, from_default, read, seen))
    return found


def _initial(column: ColumnFacts, states: Sequence[str], read: Moves) -> tuple[str, bool]:
    """The DEFAULT when it is a state; else the state that reaches the most others
    by the moves the guards allow (the first such in the CHECK's order)."""
    if column.default is not None:
        value = default(column.default)
        if isinstance(value, str) and value in states:
            return value, True
    if read.read_from:
        return max(states, key=lambda s: (len(_reach(s, read.allowed)), -states.index(s))), False
    return states[0], False


def _reach(start: str, allowed: frozenset[tuple[str, str]]) -> list[str]:
    """The states reached from ``start`` by ``allowed`` moves, ``start`` first."""
    targets: dict[str, list[str]] = {}
    for source, target in sorted(allowed):
        targets.setdefault(source, []).append(target)
    seen = [start]
    queue = deque([start])
    while queue:
        for target in targets.get(queue.popleft(), ()):
            if target not in seen:
                seen.append(target)
                queue.append(target)
    return seen


def explicit(found: Sequence[Lifecycle]) -> dict[tuple[str, str], str]:
    """The state each create operation must give, where the DEFAULT does not."""
    return {
        (c.table.name.casefold(), c.column.name.casefold()): c.initial
        for c in found
        if not c.from_default
    }


def drafts(
    found: Sequence[Lifecycle],
    rows: Mapping[str, Rows],
    operations: Names,
    source: str,
    text: str,
) -> tuple[list[MachineDraft], list[OperationDraft]]:
    """A machine for each lifecycle, and the operations that move them."""
    names = Names()
    machines: list[MachineDraft] = []
    moving: list[OperationDraft] = []
    for lifecycle in found:
        table, column = lifecycle.table, lifecycle.column
        name = names.take(f"{snake(table.name, single=True)}_{snake(column.name)}")
        move_op, move_call = _move(lifecycle, operations)
        if move_op is not None:
            moving.append(move_op)
        made = rows[table.name.casefold()]
        machines.append(_draft(lifecycle, made, name, move_call, _Place(source, text)))
    return machines, moving


def _move(lifecycle: Lifecycle, operations: Names) -> tuple[OperationDraft | None, CallDraft]:
    """The operation that sets the column of a row found by its primary key."""
    table, column = lifecycle.table, lifecycle.column
    if len(table.primary_key) != 1:
        return None, CallDraft("", ())
    key = table.primary_key[0]
    params = Names()
    key_param = params.take(snake(key) or "key")
    state_param = params.take(snake(column.name) or "state")
    name = operations.take(f"set{camel(table.name, single=True) or 'Table'}{camel(column.name)}")
    sql = (
        f"UPDATE {sql_name(table.name)} SET {sql_name(column.name)} = :{state_param} "
        f"WHERE {sql_name(key)} = :{key_param}"
    )
    returns = f"SELECT * FROM {sql_name(table.name)} WHERE {sql_name(key)} = :{key_param}"
    operation = OperationDraft(name, (key_param, state_param), (), sql, ("one", returns))
    call = CallDraft(name, ((key_param, f"${{row.{key}}}"), (state_param, "${to}")))
    return operation, call


@dataclass(frozen=True)
class _Place:
    """Where triggers are shown to come from: the schema file and its text
    (empty for a database's schema, which has no lines to point at)."""

    source: str
    text: str

    def of(self, trigger: schema_text.Trigger) -> str:
        if not self.text:
            return f"trigger {trigger.name}"
        line = self.text.count("\n", 0, trigger.span.start) + 1
        return f"trigger {trigger.name} ({self.source}:{line})"


@dataclass(frozen=True)
class _Shape:
    """What a machine says of its moves, and the comments that explain it."""

    states: tuple[str, ...]
    transitions: tuple[tuple[str, tuple[str, ...]], ...]
    terminal: tuple[str, ...] = ()
    reject_others: bool = False
    comments: tuple[str, ...] = ()
    suggestions: tuple[Line, ...] = ()


def _guarded(lifecycle: Lifecycle, place: _Place) -> _Shape:
    """The moves the guards let through; the states they reach from the initial one."""
    allowed, initial = lifecycle.moves.allowed, lifecycle.initial
    reachable = _reach(initial, allowed)
    kept = tuple(s for s in lifecycle.states if s in reachable)
    moves = tuple((s, tuple(t for t in kept if (s, t) in allowed)) for s in kept)
    where = ", ".join(place.of(t) for t in lifecycle.moves.read_from)
    comments = [f"Read from {where}: the moves it lets through; every other move must be refused."]
    left = [s for s in lifecycle.states if s not in reachable]
    if left:
        comments.append(
            f"Left out of states: {', '.join(left)} (no allowed move from {initial} reaches "
            "them; a row can only start there)."
        )
    return _Shape(
        kept,
        tuple((s, t) for s, t in moves if t),
        terminal=tuple(s for s, t in moves if not t),
        reject_others=True,
        comments=tuple(comments),
    )


def _free(lifecycle: Lifecycle) -> _Shape:
    """Nothing refuses a move: each state entered from the initial one, and a guess."""
    initial, states = lifecycle.initial, lifecycle.states
    others = tuple(s for s in states if s != initial)
    comment = (
        f"Nothing in the schema refuses a move of {lifecycle.table.name}."
        f"{lifecycle.column.name}: any state may follow any other, so the transitions only "
        f"enter each state from {initial}."
    )
    suggestion = (
        "To pin the lifecycle, replace the transitions above with its moves and make the "
        "schema refuse the others (a trigger); for instance, a guess from the order of the "
        "CHECK list:"
    )
    return _Shape(
        states,
        ((initial, others),) if others else (),
        comments=(comment,),
        suggestions=(suggestion, *_guess(states, initial)),
    )


def _unread(lifecycle: Lifecycle, place: _Place) -> _Shape:
    """A guard that cannot be read: a guessed lifecycle, to be commented out."""
    states, initial = lifecycle.states, lifecycle.initial
    comments = tuple(
        f"{place.of(trigger)} guards this column, but cannot be read ({why})."
        for trigger, why in lifecycle.moves.unread
    )
    return _Shape(
        states,
        _guessed(states, initial),
        terminal=tuple(s for s in states if s.casefold() in _ENDS and s != initial),
        reject_others=True,
        comments=comments,
    )


def _draft(
    lifecycle: Lifecycle, made: Rows, name: str, move: CallDraft, place: _Place
) -> MachineDraft:
    table, column = lifecycle.table, lifecycle.column
    fixture = made.fixture
    create = fixture.call if fixture is not None else CallDraft(made.create.name, ())
    note = "the column's DEFAULT"
    if not lifecycle.from_default:
        note = f"no DEFAULT: {create.operation} sets it"
    kind = lifecycle.kind
    if kind == "guarded":
        shape = _guarded(lifecycle, place)
    elif kind == "free":
        shape = _free(lifecycle)
    else:
        shape = _unread(lifecycle, place)
    comments = list(shape.comments)
    if lifecycle.counts:
        comments.append(_counts(lifecycle))
    draft = MachineDraft(
        name=name,
        table=table.name,
        column=column.name,
        states=shape.states,
        initial=lifecycle.initial,
        transitions=shape.transitions,
        given=fixture.given if fixture is not None else (),
        create=create,
        move=move,
        terminal=shape.terminal,
        reject_others=shape.reject_others,
        comments=tuple(comments),
        initial_note=note,
        suggestions=shape.suggestions,
        stamp_candidates=tuple(
            c.name
            for c in table.columns
            if c.name.casefold().endswith("_at") and c.name != column.name and not c.primary_key
        ),
    )
    why = _why_commented(lifecycle, made, move)
    return replace(draft, commented=why) if why else draft


def _counts(lifecycle: Lifecycle) -> str:
    """How many rows hold each value, in the order of the states."""
    order = {state: index for index, state in enumerate(lifecycle.states)}
    counts = sorted(lifecycle.counts or (), key=lambda c: order.get(str(c[0]), len(order)))
    shown = ", ".join(f"{'NULL' if v is None else v} {n}" for v, n in counts[:10])
    more = " ..." if len(counts) > 10 else ""
    return f"In the database: {shown}{more} (rows per value)."


def _why_commented(lifecycle: Lifecycle, made: Rows, move: CallDraft) -> str:
    table = lifecycle.table
    if lifecycle.kind == "unread":
        return "the moves its trigger allows are not known."
    if not move.operation:
        return f"{table.name} has no single-column primary key to find a row by."
    key = table.primary_key[0]
    if any(char in key for char in ".{}"):
        return f"its primary key {key} cannot be named in ${{row...}}."
    if made.fixture is None:
        return f"no fixture makes a row of {table.name} ({made.why_not})."
    return ""


def _guess(states: Sequence[str], initial: str) -> tuple[Verbatim, ...]:
    """A lifecycle to consider, as YAML lines: see :func:`_guessed`."""
    transitions = _guessed(states, initial)
    terminal = [s for s in states if s.casefold() in _ENDS and s != initial]
    entries = [YamlEntry("transitions", Map(tuple(YamlEntry(s, Seq(t)) for s, t in transitions)))]
    if terminal:
        entries.append(YamlEntry("terminal", Seq(tuple(terminal))))
    entries.append(YamlEntry("reject_others", True))
    return tuple(Verbatim(line) for line in block(Map(tuple(entries))))


def _guessed(states: Sequence[str], initial: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each state that does not sound final moves to the next one in the CHECK's
    order and to every state that sounds final: a guess to edit, never a claim."""
    ends = [s for s in states if s.casefold() in _ENDS and s != initial]
    chain = [initial, *(s for s in states if s not in ends and s != initial)]
    found = []
    for index, state in enumerate(chain):
        targets = ([chain[index + 1]] if index + 1 < len(chain) else []) + ends
        if targets:
            found.append((state, tuple(targets)))
    return tuple(found)

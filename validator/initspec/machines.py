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

from ..errors import Location
from ..session import Session
from .data import Rows
from .draft import CallDraft, MachineDraft, OperationDraft
from .naming import Names, camel, snake, sql_name
from .survey import ColumnFacts, Survey, TableFacts
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
                from .survey import value_counts

                got = value_counts(session, table.name, column.name, where)
                seen = tuple(got) if got is not None else None
            found.append(Lifecycle(table, column, states, initial, from_default, read, seen))
    return found


def _initial(column: ColumnFacts, states: Sequence[str], read: Moves) -> tuple[str, bool]:
    from .structure import default

    if column.default is not None:
        value = default(column.default)
        if isinstance(value, str) and value in states:
            return value, True
    if read.read_from:
        return max(states, key=lambda s: (len(_reach(s, read.allowed)), -states.index(s))), False
    return states[0], False


def _reach(start: str, allowed: frozenset[tuple[str, str]]) -> list[str]:
    seen = [start]
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for source, target in sorted(allowed):
            if source == state and target not in seen:
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
    schema_text: str,
) -> tuple[list[MachineDraft], list[OperationDraft]]:
    """A machine for each lifecycle, and the operations that move them."""
    names = Names()
    machines: list[MachineDraft] = []
    moving: list[OperationDraft] = []
    for lifecycle in found:
        table, column = lifecycle.table, lifecycle.column
        made = rows[table.name.casefold()]
        name = names.take(f"{snake(table.name, single=True)}_{snake(column.name)}")
        move_op, move_call = _move(lifecycle, made, operations)
        if move_op is not None:
            moving.append(move_op)
        machines.append(_draft(lifecycle, made, name, move_call, source, schema_text))
    return machines, moving


def _move(
    lifecycle: Lifecycle, made: Rows, operations: Names
) -> tuple[OperationDraft | None, CallDraft]:
    table, column = lifecycle.table, lifecycle.column
    key = table.primary_key[0] if len(table.primary_key) == 1 else None
    if key is None:
        return None, CallDraft("", ())
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
    del made
    return operation, call


def _draft(
    lifecycle: Lifecycle,
    made: Rows,
    name: str,
    move: CallDraft,
    source: str,
    schema_text: str,
) -> MachineDraft:
    table, column, states = lifecycle.table, lifecycle.column, lifecycle.states
    initial = lifecycle.initial
    fixture = made.fixture
    create = fixture.call if fixture is not None else CallDraft(made.create.name, ())
    given = fixture.given if fixture is not None else ()
    note = (
        "the column's DEFAULT"
        if lifecycle.from_default
        else f"no DEFAULT: {create.operation} sets it"
    )
    comments: list[str] = []
    kind = lifecycle.kind
    transitions: tuple[tuple[str, tuple[str, ...]], ...]
    terminal: tuple[str, ...] = ()
    reject = False
    suggestions: tuple[Line, ...] = ()
    if kind == "guarded":
        reachable = _reach(initial, lifecycle.moves.allowed)
        kept = tuple(s for s in states if s in reachable)
        transitions = tuple(
            (s, tuple(t for t in kept if (s, t) in lifecycle.moves.allowed)) for s in kept
        )
        terminal = tuple(s for s, targets in transitions if not targets)
        transitions = tuple((s, t) for s, t in transitions if t)
        reject = True
        where = ", ".join(_trigger_place(t, source, schema_text) for t in lifecycle.moves.read_from)
        comments.append(
            f"Read from {where}: the moves it lets through; every other move must be refused."
        )
        left = [s for s in states if s not in reachable]
        if left:
            comments.append(
                f"Left out of states: {', '.join(left)} (no allowed move from {initial} reaches "
                "them; a row can only start there)."
            )
        states = kept
    else:
        others = tuple(s for s in states if s != initial)
        transitions = ((initial, others),) if others else ()
        guess = _guess(states, initial)
        if kind == "free":
            comments.append(
                f"Nothing in the schema refuses a move of {table.name}.{column.name}: any state "
                f"may follow any other, so the transitions only enter each state from {initial}."
            )
            suggestions = (
                "To pin the lifecycle, replace the transitions above with its moves and make",
                "the schema refuse the others (a trigger); for instance, a guess from the",
                "order of the CHECK list:",
                *guess,
            )
        else:
            for trigger, why in lifecycle.moves.unread:
                comments.append(
                    f"{_trigger_place(trigger, source, schema_text)} guards this column, but "
                    f"cannot be read ({why})."
                )
            transitions = _guessed(states, initial)
            terminal = tuple(s for s in states if s.casefold() in _ENDS and s != initial)
            reject = True
    if lifecycle.counts:
        order = {state: index for index, state in enumerate(lifecycle.states)}
        counts = sorted(lifecycle.counts, key=lambda c: order.get(str(c[0]), len(order)))
        shown = ", ".join(f"{_shown(v)} {n}" for v, n in counts[:10])
        more = " ..." if len(counts) > 10 else ""
        comments.append(f"In the database: {shown}{more} (rows per value).")
    draft = MachineDraft(
        name=name,
        table=table.name,
        column=column.name,
        states=states,
        initial=initial,
        transitions=transitions,
        given=given,
        create=create,
        move=move,
        terminal=terminal,
        reject_others=reject,
        comments=tuple(comments),
        initial_note=note,
        suggestions=suggestions,
        stamp_candidates=tuple(
            c.name
            for c in table.columns
            if c.name.casefold().endswith("_at") and c.name != column.name and not c.primary_key
        ),
    )
    why = _why_commented(lifecycle, made, move)
    return replace(draft, commented=why) if why else draft


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


def _trigger_place(trigger: object, source: str, schema_text: str) -> str:
    name = getattr(trigger, "name", "?")
    span = getattr(trigger, "span", None)
    if span is None or not schema_text:
        return f"trigger {name}"
    line = schema_text.count("\n", 0, span.start) + 1
    return f"trigger {name} ({source}:{line})"


def _shown(value: object) -> str:
    return "NULL" if value is None else str(value)


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

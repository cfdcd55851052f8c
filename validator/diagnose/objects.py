"""Where a schema file creates each object, and which trigger raised an error."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from ..sqltext import Statement, Token, located_tokens
from .names import schema_names
from .parse import (
    KINDS,
    OBJECT_NAME_KINDS,
    Head,
    Lines,
    Position,
    create_head,
    fold,
    in_file,
    is_text,
    is_word,
    name_of,
    qualified_name,
    quote,
)

# -- schema objects and triggers -------------------------------------------


@dataclass(frozen=True)
class Raise:
    """One ``RAISE(ABORT|FAIL|ROLLBACK, message)`` in a trigger.

    SQLite up to 3.46 takes only a literal (a string or a name) as the message,
    so the refusal's text is exactly ``message``; from 3.47 it takes any
    expression, whose text is known only when it runs: ``message`` is then
    None.
    """

    action: str  # ABORT, FAIL or ROLLBACK
    message: str | None
    position: Position  # where the message argument starts


@dataclass(frozen=True)
class SchemaObject:
    """A table, index, view or trigger as a schema file creates it.

    ``position`` is where its ``CREATE`` starts and ``name_position`` where its
    name is written; ``table`` is the table an index or trigger is on;
    ``raises`` are a trigger's ``RAISE`` calls in text order. A virtual table
    is a ``table``, as in ``sqlite_schema``.
    """

    kind: str
    name: str
    schema: str | None
    position: Position
    name_position: Position
    table: str | None = None
    raises: tuple[Raise, ...] = ()


def schema_objects(statements: Iterable[Statement]) -> dict[tuple[str, str], SchemaObject]:
    """Every object the ``statements`` of a schema create, keyed by
    ``(kind, folded name)``.

    Triggers have a namespace of their own in SQLite (a trigger may share a
    table's name), hence the kind in the key; :func:`find` looks a name up
    whatever its kind. An object created twice (``IF NOT EXISTS``) is where
    it was first created; ``DROP`` forgets an object (and, for a table or
    view, its indexes and triggers), ``ALTER TABLE ... RENAME TO`` renames it.
    """
    schema = _Schema()
    for statement in statements:
        tokens = list(located_tokens(statement.sql))
        head = create_head(tokens)
        if head is not None:
            schema.create(_schema_object(statement, tokens, head))
        elif is_word(tokens, 0, "DROP"):
            schema.drop(tokens)
        elif is_word(tokens, 0, "ALTER") and is_word(tokens, 1, "TABLE"):
            schema.rename(tokens)
    return schema.objects


def find(
    objects: dict[tuple[str, str], SchemaObject],
    name: str,
    kinds: Iterable[str] = ("table", "view"),
) -> SchemaObject | None:
    """The object called ``name`` (compared as SQLite does) of one of ``kinds``."""
    return next((objects[k] for kind in kinds if (k := (kind, fold(name))) in objects), None)


def _schema_object(statement: Statement, tokens: list[Token], head: Head) -> SchemaObject:
    lines = Lines(statement.sql)

    def where(offset: int) -> Position:
        return in_file(statement, lines.position(offset))

    raises = tuple(
        Raise(action, message, where(offset)) for action, message, offset in _raises(tokens)
    )
    return SchemaObject(
        kind=head.kind,
        name=head.name,
        schema=head.schema,
        position=where(0),
        name_position=where(tokens[head.name_index].start),
        table=None if head.on is None else head.on[1],
        raises=raises if head.kind == "trigger" else (),
    )


def _raises(tokens: list[Token]) -> Iterator[tuple[str, str | None, int]]:
    """``(action, literal message or None, offset of the message)`` of each RAISE."""
    for index in range(len(tokens) - 4):
        if not (
            is_word(tokens, index, "RAISE")
            and is_text(tokens, index + 1, "(")
            and is_word(tokens, index + 2, "ABORT", "FAIL", "ROLLBACK")
            and is_text(tokens, index + 3, ",")
        ):
            continue
        argument = tokens[index + 4]
        literal = argument.kind in OBJECT_NAME_KINDS and is_text(tokens, index + 5, ")")
        message = name_of(argument) if literal else None
        yield tokens[index + 2].text.upper(), message, argument.start


class _Schema:
    """The objects of a schema as its statements create, drop and rename them;
    each table's indexes and triggers are indexed, so that a schema of many
    DROP or RENAME statements stays linear."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], SchemaObject] = {}
        self._on: dict[str, set[tuple[str, str]]] = {}  # folded table -> keys of objects on it

    def create(self, created: SchemaObject) -> None:
        key = (created.kind, fold(created.name))
        if key in self.objects:  # CREATE ... IF NOT EXISTS: the first one stands
            return
        self.objects[key] = created
        if created.table is not None:
            self._on.setdefault(fold(created.table), set()).add(key)

    def drop(self, tokens: list[Token]) -> None:
        if not is_word(tokens, 1, *KINDS):
            return
        kind = tokens[1].text.lower()
        at = 4 if is_word(tokens, 2, "IF") and is_word(tokens, 3, "EXISTS") else 2
        name = qualified_name(tokens, at)
        if name is None:
            return
        dropped = self.objects.pop((kind, fold(name.name)), None)
        if dropped is not None and dropped.table is not None:
            self._on.get(fold(dropped.table), set()).discard((kind, fold(name.name)))
        if dropped is not None and kind in ("table", "view"):  # its indexes and triggers go too
            for key in self._on.pop(fold(name.name), set()):
                self.objects.pop(key, None)

    def rename(self, tokens: list[Token]) -> None:
        name = qualified_name(tokens, 2)
        if name is None or not (
            is_word(tokens, name.next, "RENAME") and is_word(tokens, name.next + 1, "TO")
        ):
            return
        new = qualified_name(tokens, name.next + 2)
        table = self.objects.pop(("table", fold(name.name)), None)
        if new is None or table is None:
            return
        self.objects[("table", fold(new.name))] = replace(table, name=new.name)
        dependents = self._on.pop(fold(name.name), set())
        for key in dependents:
            self.objects[key] = replace(self.objects[key], table=new.name)
        self._on.setdefault(fold(new.name), set()).update(dependents)


def triggers_in(connection: sqlite3.Connection) -> list[SchemaObject]:
    """The triggers of every schema of ``connection`` (``main``, ``temp``, ...),
    read from ``sqlite_schema``; their positions are within each trigger's own
    SQL (line 0 is the line of its ``CREATE``)."""
    found: list[SchemaObject] = []
    for schema in schema_names(connection):
        table = "sqlite_temp_schema" if schema == "temp" else "sqlite_schema"
        rows = connection.execute(
            f"SELECT sql FROM {quote(schema)}.{table} WHERE type = 'trigger' AND sql IS NOT NULL"
        ).fetchall()
        for (sql,) in rows:
            found.extend(schema_objects([Statement(sql, 0)]).values())
    return [trigger for trigger in found if trigger.kind == "trigger"]


def raising_trigger(
    message: str, triggers: Iterable[SchemaObject]
) -> list[tuple[SchemaObject, Raise]]:
    """The triggers, and their ``RAISE`` calls, that may have refused with ``message``.

    A refusal by ``RAISE`` (``SQLITE_CONSTRAINT_TRIGGER``) has exactly the
    RAISE's message as its text, so the calls whose literal message is
    ``message`` are returned; several triggers may share one message. When no
    literal matches, the calls whose message is an expression (SQLite 3.47 and
    later) are returned, as any of them may have built the text.
    """
    calls = [(trigger, call) for trigger in triggers for call in trigger.raises]
    literal = [(trigger, call) for trigger, call in calls if call.message == message]
    return literal or [(trigger, call) for trigger, call in calls if call.message is None]

"""The ``operations`` and ``fixtures`` ``validator init`` writes: how the spec
makes and reads one row of each table.

``createT`` inserts a row giving what the schema needs and nothing else: the
columns that are NOT NULL without a DEFAULT (required parameters), the
primary key (a fresh ``${uuid}``, or ``${now_ms}`` for a number; SQLite's own
for an ``INTEGER PRIMARY KEY``), and a state machine's column when it has no
usable DEFAULT. Every other column keeps its DEFAULT, so a machine's initial
state is the schema's. ``getT`` reads a row by its primary key (or rowid).

A fixture makes one row of a table, after one row of each parent its NOT NULL
foreign keys need (``given``); nullable foreign keys are left NULL. A table
whose required parents cannot be made (a cycle, a foreign key SQLite cannot
enforce, a parent outside the spec) gets no fixture, and a comment says why.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ..sqltext import affinity
from .draft import Arg, CallDraft, FixtureDraft, OperationDraft
from .naming import RESERVED, Names, camel, literal_text, snake, sql_name
from .survey import ColumnFacts, ForeignKeyFacts, Literal_, TableFacts

LINE = 88
"""An INSERT longer than this is written on two lines."""


@dataclass(frozen=True)
class Rows:
    """How the spec makes and reads rows of one table."""

    table: TableFacts
    create: OperationDraft
    get: OperationDraft
    params: Mapping[str, str]
    """Casefolded column -> the create operation's parameter for it."""
    key: tuple[tuple[str, str], ...]
    """(column, parameter) of the get operation: the primary key, or ``rowid``."""
    fixture: FixtureDraft | None = None
    why_not: str = ""
    """Why there is no fixture, when there is none."""


def required_keys(table: TableFacts) -> list[ForeignKeyFacts]:
    """The foreign keys a new row must fill: those with a NOT NULL column."""
    found = []
    for fk in table.foreign_keys:
        columns = [table.column(name) for name in fk.columns]
        if any(c is not None and c.not_null for c in columns):
            found.append(fk)
    return found


def plan_rows(
    tables: Sequence[TableFacts],
    explicit: Mapping[tuple[str, str], str],
    operations: Names,
) -> dict[str, Rows]:
    """The operations and fixture of each table (by casefolded name, parents first).

    ``explicit`` gives the value a state machine's column must be created with
    (by casefolded table and column) when the schema's DEFAULT does not give it.
    """
    made: dict[str, Rows] = {}
    for table in tables:
        made[table.name.casefold()] = _operations(table, explicit, operations)
    fixtures = Names(RESERVED)
    names = {t.name.casefold(): fixtures.take(snake(t.name, single=True)) for t in tables}
    ordered: dict[str, Rows] = {}
    for table in _parents_first(tables):
        folded = table.name.casefold()
        fixture, why = _fixture(table, made, names, explicit)
        made[folded] = ordered[folded] = replace(made[folded], fixture=fixture, why_not=why)
    return ordered


def _parents_first(tables: Sequence[TableFacts]) -> list[TableFacts]:
    """``tables`` ordered so that every table's required parents come before it,
    otherwise in their own order (tables on a cycle come last)."""
    by_name = {t.name.casefold(): t for t in tables}
    waiting: dict[str, set[str]] = {}
    children: dict[str, list[str]] = {}
    for table in tables:
        folded = table.name.casefold()
        parents = {fk.parent.casefold() for fk in required_keys(table)} & set(by_name)
        waiting[folded] = parents - {folded}
        for parent in waiting[folded]:
            children.setdefault(parent, []).append(folded)
    position = {name: index for index, name in enumerate(by_name)}
    ready = [(position[name], name) for name, parents in waiting.items() if not parents]
    heapq.heapify(ready)  # the schema's order among the tables ready
    ordered: list[str] = []
    while ready:
        _, current = heapq.heappop(ready)
        ordered.append(current)
        for child in children.get(current, ()):
            waiting[child].discard(current)
            if not waiting[child]:
                heapq.heappush(ready, (position[child], child))
    placed = set(ordered)
    ordered += [name for name in by_name if name not in placed]
    return [by_name[name] for name in ordered]


def _operations(
    table: TableFacts, explicit: Mapping[tuple[str, str], str], operations: Names
) -> Rows:
    noun = camel(table.name, single=True) or "Table"
    insert, params, defaults = _inserted(table, explicit)
    by_column = {column.name.casefold(): param for column, param in insert}
    returns, key_columns = _returns(table, by_column)
    create = OperationDraft(
        operations.take(f"create{noun}"),
        tuple(params),
        tuple(defaults),
        _insert(table, insert),
        ("one", returns),
    )
    names = Names()
    key = tuple((column, names.take(snake(column) or "key")) for column in key_columns)
    where = " AND ".join(f"{_column_sql(column)} = :{param}" for column, param in key)
    star = "*" if table.primary_key else "rowid, *"
    get = OperationDraft(
        operations.take(f"get{noun}"),
        tuple(param for _, param in key),
        (),
        None,
        ("one", f"SELECT {star} FROM {sql_name(table.name)} WHERE {where}"),
    )
    return Rows(table, create, get, by_column, key)


def _inserted(
    table: TableFacts, explicit: Mapping[tuple[str, str], str]
) -> tuple[list[tuple[ColumnFacts, str]], list[str], list[Arg]]:
    """The columns a create call gives, each with its parameter; the required
    parameters; the optional ones with their defaults."""
    names = Names()
    fk_columns = {c.casefold() for fk in required_keys(table) for c in fk.columns}
    key = {c.casefold() for c in table.primary_key}
    insert: list[tuple[ColumnFacts, str]] = []
    params: list[str] = []
    defaults: list[Arg] = []
    for column in table.columns:
        folded = column.name.casefold()
        assigned = folded == (table.rowid_alias or "").casefold() and folded not in fk_columns
        if column.generated or assigned:  # SQLite makes these values itself
            continue
        wanted = explicit.get((table.name.casefold(), folded))
        required = column.not_null and column.default is None and wanted is None
        given: Literal_ | None = None  # None: a required parameter
        if folded in fk_columns or (folded not in key and required):
            pass
        elif folded in key:
            numeric = affinity(column.type) in ("INTEGER", "REAL", "NUMERIC")
            given = "${now_ms}" if numeric else "${uuid}"
        elif wanted is not None:
            given = literal_text(wanted)
        else:
            continue
        param = names.take(snake(column.name) or "value")
        if given is None:
            params.append(param)
        else:
            defaults.append((param, given))
        insert.append((column, param))
    return insert, params, defaults


def _column_sql(name: str) -> str:
    return "rowid" if name == "rowid" else sql_name(name)


def _insert(table: TableFacts, insert: Sequence[tuple[ColumnFacts, str]]) -> str:
    name = sql_name(table.name)
    if not insert:
        return f"INSERT INTO {name} DEFAULT VALUES"
    columns = ", ".join(sql_name(column.name) for column, _ in insert)
    values = ", ".join(_value(table, column, param) for column, param in insert)
    one = f"INSERT INTO {name} ({columns}) VALUES ({values})"
    return one if len(one) <= LINE else f"INSERT INTO {name} ({columns})\nVALUES ({values})\n"


def _value(table: TableFacts, column: ColumnFacts, param: str) -> str:
    # A STRICT table's BLOB column takes no text: the value is made a blob.
    if table.strict and column.type.upper() == "BLOB":
        return f"CAST(:{param} AS BLOB)"
    return f":{param}"


def _returns(table: TableFacts, params: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """The query reading back the row just made, and the columns that find a row."""
    name = sql_name(table.name)
    if not table.primary_key:
        return f"SELECT rowid, * FROM {name} WHERE rowid = last_insert_rowid()", ("rowid",)
    terms = []
    for column in table.primary_key:
        param = params.get(column.casefold())
        if param is None:  # the rowid alias, which SQLite assigned
            terms.append(f"{sql_name(column)} = last_insert_rowid()")
        else:
            terms.append(f"{sql_name(column)} = :{param}")
    return f"SELECT * FROM {name} WHERE {' AND '.join(terms)}", table.primary_key


def _fixture(
    table: TableFacts,
    made: Mapping[str, Rows],
    names: Mapping[str, str],
    explicit: Mapping[tuple[str, str], str],
) -> tuple[FixtureDraft | None, str]:
    if table.virtual:
        return None, "a virtual table"
    rows = made[table.name.casefold()]
    given: list[str] = []
    values: dict[str, Literal_] = {}
    for fk in required_keys(table):
        if fk.broken is not None:
            return None, f"its foreign key to {fk.parent} cannot be enforced ({fk.broken})"
        parent = made.get(fk.parent.casefold())
        if fk.parent.casefold() == table.name.casefold():
            return None, "a NOT NULL foreign key to itself: its first row would need itself"
        if parent is None:
            return None, f"its parent {fk.parent} is not in the spec"
        if parent.fixture is None:
            return None, f"its parent {fk.parent} has no fixture"
        if any(not _referable(target) for target in fk.targets):
            return None, f"a column of {fk.parent} cannot be named in ${{...}}"
        parent_name = parent.fixture.name
        if parent_name not in given:
            given.append(parent_name)
        for name, target in zip(fk.columns, fk.targets, strict=True):
            values[name.casefold()] = f"${{{parent_name}.{target}}}"
    args: list[Arg] = []
    for column in table.columns:
        folded = column.name.casefold()
        param = rows.params.get(folded)
        if param is None or param not in rows.create.params:
            continue
        value = values.get(folded)
        if value is None:
            value = sample(table, column, explicit.get((table.name.casefold(), folded)))
        args.append((param, value))
    call = CallDraft(rows.create.name, tuple(args))
    return FixtureDraft(names[table.name.casefold()], table.name, tuple(given), call), ""


def _referable(name: str) -> bool:
    """Whether ``${fixture.name}`` can name this column of a row."""
    return bool(name) and not any(char in name for char in ".{}") and name == name.strip()


def sample(table: TableFacts, column: ColumnFacts, wanted: Literal_ | None = None) -> Literal_:
    """A value the schema is likely to take for ``column`` in a new row: the given
    one, the first of its IN list, else one fitting its type (a fresh one when
    the column is part of a unique key)."""
    if wanted is not None:
        return literal_text(wanted) if isinstance(wanted, str) else wanted
    if column.in_list:
        first = column.in_list[0]
        return literal_text(first) if isinstance(first, str) else first
    unique = any(
        column.name.casefold() in {c.casefold() for c in key}
        for key in (*table.unique, table.primary_key)
    )
    kind = affinity(column.type)
    if kind in ("INTEGER", "NUMERIC"):
        return "${now_ms}" if unique else 1
    if kind == "REAL":
        return "${now_ms}" if unique else 1.5
    text = literal_text(column.name)
    return f"{text}-${{now_ms}}" if unique else f"test {text}"

"""The commented-out criteria at the end of a spec ``validator init`` writes.

Criteria say what the data layer promises, which no schema tells; so they are
examples to adapt, made from the schema's own rules so that each one passes
as it is once uncommented: a new row gets its DEFAULTs, a row needs its
parent (a foreign key), two rows cannot share a unique value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..sqltext import affinity
from .data import Rows, required_keys
from .draft import Arg, CallDraft
from .naming import literal_text, singular, words
from .structure import default
from .yamltext import Entry, Line, Map, Node, Scalar, Seq, Verbatim, block

SHOWN_DEFAULTS = 3
"""How many DEFAULTs the first example checks."""


def examples(rows: Mapping[str, Rows], order: Sequence[str]) -> tuple[Line, ...]:
    """The footer: an explanation and ``criteria:`` with up to three examples."""
    made = [rows[name] for name in order if rows[name].fixture is not None]
    found = [e for e in (_defaults(made), _parent(made, rows), _unique(made)) if e is not None]
    items = tuple(_numbered(e, i + 1) for i, e in enumerate(found))
    lines: list[Line] = [
        "Criteria: what the data layer promises, which no schema tells. Examples to "
        "adapt, made from this schema's rules (each passes as it is once uncommented):",
        "",
    ]
    if not items:
        return (*lines, Verbatim("criteria: []"))
    criteria = block(Map((Entry("criteria", Seq(items, flow=False)),)))
    return (*lines, *(Verbatim(line) for line in criteria))


def _numbered(example: Map, number: int) -> Map:
    return Map((Entry("id", number), *example.entries), flow=False)


def _get_call(rows: Rows, fixture: str) -> CallDraft:
    args: list[Arg] = [(param, f"${{{fixture}.{column}}}") for column, param in rows.key]
    return CallDraft(rows.get.name, tuple(args))


def _defaults(made: Sequence[Rows]) -> Map | None:
    """A new row of the first table with literal DEFAULTs gets them."""
    for rows in made:
        assert rows.fixture is not None
        if any(column == "rowid" or _awkward(column) for column, _ in rows.key):
            continue
        given: dict[str, Node] = {}
        for column in rows.table.columns:
            if column.default is None or column.name.casefold() in rows.params:
                continue
            value = default(column.default)
            if not isinstance(value, str | int | float) or _awkward(column.name):
                continue
            if _stored_as_is(value, affinity(column.type)):
                const = literal_text(value) if isinstance(value, str) else value
                given[column.name] = Map((Entry("const", const),))
        if not given:
            continue
        shown = dict(list(given.items())[:SHOWN_DEFAULTS])
        fixture = rows.fixture.name
        call = _get_call(rows, fixture)
        step = Map((*call.node().entries, Entry("as", "stored")))
        expect = Map(
            (
                Entry("type", "object"),
                Entry("required", Seq(tuple(shown))),
                Entry("properties", Map(tuple(Entry(k, v) for k, v in shown.items()))),
            ),
            flow=False,
        )
        return Map(
            (
                Entry("title", f"A new {noun(rows.table.name)} gets its defaults"),
                Entry("given", Seq((fixture,))),
                Entry("steps", Seq((step,), flow=False)),
                Entry("expect", Map((Entry("stored", expect),), flow=False)),
            ),
            flow=False,
        )
    return None


def _parent(made: Sequence[Rows], rows: Mapping[str, Rows]) -> Map | None:
    """Creating a row whose parent does not exist is refused (a foreign key)."""
    for child in made:
        assert child.fixture is not None
        for fk in required_keys(child.table):
            if len(fk.columns) != 1:
                continue
            parent = rows.get(fk.parent.casefold())
            if parent is None or parent.fixture is None:
                continue
            column = fk.columns[0].casefold()
            param = child.params.get(column)
            if param is None:
                continue
            target = child.table.column(fk.columns[0])
            numeric = target is not None and affinity(target.type) != "TEXT"
            missing: Scalar = -1 if numeric else f"no-such-{fk.parent}"
            args = tuple((k, missing if k == param else v) for k, v in child.fixture.call.args)
            given = tuple(g for g in child.fixture.given if g != parent.fixture.name) or ()
            if any(_mentions(v, parent.fixture.name) for _, v in args):
                continue  # another column needs that same parent row
            call = CallDraft(child.fixture.call.operation, args)
            step = Map((*call.node().entries, Entry("raises", "foreign_key")))
            entries: list[Entry] = [
                Entry("title", f"{article(child.table.name)} needs its {noun(fk.parent)}"),
            ]
            if given:
                entries.append(Entry("given", Seq(given)))
            entries.append(Entry("steps", Seq((step,), flow=False)))
            return Map(tuple(entries), flow=False)
    return None


def _unique(made: Sequence[Rows]) -> Map | None:
    """A second row with the same unique value is refused."""
    for rows in made:
        fixture = rows.fixture
        assert fixture is not None
        for column in _unique_params(rows):
            if _awkward(column):
                continue
            param = rows.params[column.casefold()]
            # The other values are made again (${now_ms}) or may repeat.
            args = tuple(
                (k, f"${{{fixture.name}.{column}}}" if k == param else v)
                for k, v in fixture.call.args
            )
            call = CallDraft(fixture.call.operation, args)
            step = Map((*call.node().entries, Entry("raises", "unique")))
            return Map(
                (
                    Entry("title", f"Two rows of {rows.table.name} cannot share a {column}"),
                    Entry("given", Seq((fixture.name,))),
                    Entry("steps", Seq((step,), flow=False)),
                ),
                flow=False,
            )
    return None


def _unique_params(rows: Rows) -> Iterator[str]:
    """Columns unique on their own that the create call gives, not part of a key."""
    table = rows.table
    fk = {c.casefold() for key in table.foreign_keys for c in key.columns}
    for key in table.unique:
        if len(key) != 1:
            continue
        folded = key[0].casefold()
        if folded in rows.params and rows.params[folded] in rows.create.params and folded not in fk:
            yield key[0]


def noun(table: str) -> str:
    """A table's name as a noun: ``order_lines`` -> ``order line``."""
    found = words(table)
    if not found:
        return f"row of {table}"
    return " ".join([*(w.lower() for w in found[:-1]), singular(found[-1].lower())])


def article(table: str) -> str:
    """``A``/``An`` and the table's noun."""
    shown = noun(table)
    return f"{'An' if shown[:1] in 'aeiou' else 'A'} {shown}"


def _stored_as_is(value: object, kind: str) -> bool:
    """Whether a literal DEFAULT reads back as itself from a column of type
    affinity ``kind`` (SQLite converts '0' in an INTEGER column to 0)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return kind == "TEXT"
    return isinstance(value, int | float) and kind in ("INTEGER", "REAL", "NUMERIC")


def _mentions(value: Scalar, fixture: str) -> bool:
    return isinstance(value, str) and f"${{{fixture}." in value


def _awkward(name: str) -> bool:
    """Whether a column cannot be named in ``${fixture.column}``."""
    return not name or any(char in name for char in ".{}") or name != name.strip()

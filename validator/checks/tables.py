"""Table structure checks, by introspection of the schema under test.

One check per table (it exists), per declared column (every rule the spec
gives for it), per composite primary key and per unique key. Rules the spec
leaves out are not checked. A declared foreign key holds only if the database
can enforce it: its parent columns must be the parent's primary key or a
unique key, or every write to the table fails with "foreign key mismatch".

With ``structure: {exact_tables: true}`` one more check says the database has
no table the spec leaves out; with ``exact_columns`` one per table says it has
no column the spec leaves out, so a schema that grows without its contract
fails the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import groupby

from .. import sqltext
from ..errors import Location
from ..loader import SourceMap
from ..model import ColumnRule, ExpressionDefault, KeyRule, LiteralDefault, Spec, TableRule
from ..results import CheckResult, Finding, Planned, Section
from ..session import ForeignKey, Session, Table
from .base import Context, Target

SECTION: Section = "tables"

_ACTIONS = {
    "CASCADE": "cascade",
    "SET NULL": "set_null",
    "SET DEFAULT": "set_default",
    "RESTRICT": "restrict",
    "NO ACTION": "no_action",
}

Rule = Callable[["_TableChecker"], list[Finding]]


@dataclass(frozen=True)
class _Detail:
    """A planned table check: its table's rule and how to compute its findings."""

    table: TableRule
    findings: Rule


@dataclass(frozen=True)
class _ExactTables:
    """The planned check that no table is left out of the spec."""

    declared: tuple[str, ...]


EXACT_TABLES_ID = "tables-exact"
NAMES_SHOWN = 20
"""How many undeclared tables or columns a finding names before counting the rest."""


def _planned(check_id: str, title: str, location: Location, rule: TableRule, run: Rule) -> Planned:
    return Planned("tables", check_id, title, location, detail=_Detail(rule, run))


def _key_id(table: str, key: KeyRule, *, primary: bool) -> str:
    return f"table-{table}.{'primary_key' if primary else 'unique'}({','.join(key.columns)})"


def _key_title(table: str, key: KeyRule, *, primary: bool) -> str:
    return f"table {table} has {'PRIMARY KEY' if primary else 'UNIQUE'} ({', '.join(key.columns)})"


def plan(spec: Spec, _target: Target) -> list[Planned]:
    """Every table check the spec declares, in spec order (the check that no
    table is left out first)."""
    found = []
    structure = spec.structure
    if structure.exact_tables:
        declared = tuple(rule.name for rule in spec.tables)
        title = "the database has no table the spec does not declare"
        where = structure.tables_location
        found.append(Planned(SECTION, EXACT_TABLES_ID, title, where, detail=_ExactTables(declared)))
    exact = structure.exact_columns
    return found + [planned for rule in spec.tables for planned in _table_plan(rule, exact)]


def _table_plan(rule: TableRule, exact_columns: bool = False) -> list[Planned]:
    """Each check on ``rule``."""
    name = rule.name
    items = [_planned(f"table-{name}", f"table {name} exists", rule.location, rule, _exists)]
    for column in rule.columns:
        items.append(
            _planned(
                f"table-{name}.{column.name}",
                f"column {name}.{column.name}: {_describe(column)}",
                column.location,
                rule,
                partial(_TableChecker.column, rule=column),
            )
        )
    if exact_columns:
        items.append(
            _planned(
                f"table-{name}.columns-exact",
                f"table {name} has no column the spec does not declare",
                rule.location,
                rule,
                _exact_columns,
            )
        )
    keys = [(rule.primary_key, True)] if rule.primary_key else []
    keys += [(key, False) for key in rule.unique]
    for key, primary in keys:
        items.append(
            _planned(
                _key_id(name, key, primary=primary),
                _key_title(name, key, primary=primary),
                key.location,
                rule,
                partial(_TableChecker.key, key=key, primary=primary),
            )
        )
    return items


def _detail(planned: Planned) -> _Detail:
    assert isinstance(planned.detail, _Detail)
    return planned.detail


def _unit_key(planned: Planned) -> str | None:
    return None if isinstance(planned.detail, _ExactTables) else _detail(planned).table.name


def units(planned: Sequence[Planned]) -> list[list[Planned]]:
    """One unit per table: it is introspected once."""
    return [list(group) for _, group in groupby(planned, key=_unit_key)]


def check(spec: Spec, unit: Sequence[Planned], context: Context) -> Iterator[CheckResult]:
    """Run the checks of one table (or the check that no table is left out)."""
    if isinstance(unit[0].detail, _ExactTables):
        yield from (_exact_tables(planned, context.session) for planned in unit)
        return
    rule = _detail(unit[0]).table
    session = context.session
    checker = _TableChecker(spec.source, rule, session.table(rule.name), session)
    for planned in unit:
        yield planned.judge(_detail(planned).findings(checker))


def _exists(checker: _TableChecker) -> list[Finding]:
    return checker.exists()


def _exact_columns(checker: _TableChecker) -> list[Finding]:
    return checker.exact_columns()


def _exact_tables(planned: Planned, session: Session) -> CheckResult:
    assert isinstance(planned.detail, _ExactTables)
    declared = planned.detail.declared
    known = {name.casefold() for name in declared}
    others = [name for name in session.table_names() if name.casefold() not in known]
    findings = []
    if others:
        expected = f"only the tables the spec declares ({', '.join(sorted(declared)) or 'none'})"
        findings.append(Finding(planned.location, expected, f"also {_some(others)}"))
    return planned.judge(findings)


def _some(names: Sequence[str]) -> str:
    """``names``, sorted, the first :data:`NAMES_SHOWN` of them and how many more."""
    ordered = sorted(names)
    shown = ", ".join(ordered[:NAMES_SHOWN])
    rest = len(ordered) - NAMES_SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


class _TableChecker:
    def __init__(
        self, source: SourceMap, rule: TableRule, table: Table | None, session: Session
    ) -> None:
        self.source = source
        self.rule = rule
        self.table = table if table is not None and not table.view else None
        self.session = session

    def at(self, *path: str | int) -> Location:
        return self.source.at(("tables", self.rule.name, *path))

    def missing(self, location: Location) -> list[Finding]:
        return [Finding(location, f"table {self.rule.name}", "no such table")]

    def exists(self) -> list[Finding]:
        return [] if self.table else self.missing(self.rule.location)

    def exact_columns(self) -> list[Finding]:
        """No column of the table is left out of the spec (hidden columns of a
        virtual table aside: they are the module's, not the schema's)."""
        if self.table is None:
            return self.missing(self.rule.location)
        declared = {column.name.casefold() for column in self.rule.columns}
        others = [
            f"{c.name} {c.type}".rstrip()
            for c in self.table.columns
            if c.hidden != 1 and c.name.casefold() not in declared
        ]
        if not others:
            return []
        listed = ", ".join(column.name for column in self.rule.columns) or "none"
        expected = f"only the columns the spec declares ({listed})"
        return [Finding(self.rule.location, expected, f"also {_some(others)}")]

    # -- columns ----------------------------------------------------------

    def column(self, rule: ColumnRule) -> list[Finding]:
        if self.table is None:
            return self.missing(rule.location)
        found = self.table.column(rule.name)
        if found is None:
            names = ", ".join(c.name for c in self.table.columns)
            return [Finding(rule.location, f"column {rule.name}", f"none (columns: {names})")]
        base = ("columns", rule.name)
        findings: list[Finding] = []

        def compare(attribute: str, expected: str, actual: str, same: bool) -> None:
            if not same:
                findings.append(Finding(self.at(*base, attribute), expected, actual))

        if rule.type is not None:
            compare(
                "type",
                f"type {rule.type or '(none)'}",
                f"type {found.type or '(none)'}",
                rule.type.upper().split() == found.type.upper().split(),
            )
        if rule.not_null is not None:
            compare(
                "not_null",
                _flag("NOT NULL", rule.not_null),
                _flag("NOT NULL", found.not_null),
                rule.not_null == found.not_null,
            )
        if rule.primary_key is not None:
            is_key = found.primary_key > 0
            compare(
                "primary_key",
                _flag("PRIMARY KEY", rule.primary_key),
                _flag("PRIMARY KEY", is_key),
                rule.primary_key == is_key,
            )
        if rule.unique is not None:
            is_unique = self.is_unique((found.name,))
            compare(
                "unique",
                _flag("UNIQUE", rule.unique),
                _flag("UNIQUE", is_unique),
                rule.unique == is_unique,
            )
        if rule.default is not None:
            same, shown = _default_matches(rule.default, found.default)
            compare("default", f"default {_show_default(rule.default)}", f"default {shown}", same)
        findings.extend(self.foreign_key(rule))
        return findings

    def foreign_key(self, rule: ColumnRule) -> list[Finding]:
        assert self.table is not None
        base = ("columns", rule.name)
        keys = [
            fk for fk in self.table.foreign_keys if fk.column.casefold() == rule.name.casefold()
        ]
        if rule.no_references:
            shown = ", ".join(f"REFERENCES {fk.table}({self.target_column(fk)})" for fk in keys)
            return [Finding(self.at(*base, "references"), "no foreign key", shown)] if keys else []
        if rule.references is None and rule.on_delete is None and rule.on_update is None:
            return []
        if rule.references is not None:
            target = rule.references
            wanted = f"REFERENCES {target.table}({target.column})"
            matching = [
                fk
                for fk in keys
                if fk.table.casefold() == target.table.casefold()
                and (self.target_column(fk) or "").casefold() == target.column.casefold()
            ]
            if not matching:
                shown = ", ".join(f"REFERENCES {fk.table}({self.target_column(fk)})" for fk in keys)
                return [Finding(self.at(*base, "references"), wanted, shown or "no foreign key")]
            keys = matching
            unenforceable = self.unenforceable(rule.name)
            if unenforceable:
                shown = f"a foreign key SQLite cannot enforce: {unenforceable}"
                return [Finding(self.at(*base, "references"), f"{wanted}, enforceable", shown)]
        if not keys:
            where = self.at(*base, "on_delete" if rule.on_delete else "on_update")
            return [Finding(where, "a foreign key", "no foreign key")]
        findings = []
        for attribute, expected in (("on_delete", rule.on_delete), ("on_update", rule.on_update)):
            if expected is None:
                continue
            found = {
                _ACTIONS.get(getattr(fk, attribute).upper(), getattr(fk, attribute)) for fk in keys
            }
            if expected not in found:
                label = attribute.replace("_", " ").upper()
                findings.append(
                    Finding(
                        self.at(*base, attribute),
                        f"{label} {_action(expected)}",
                        ", ".join(f"{label} {_action(action)}" for action in sorted(found)),
                    )
                )
        return findings

    def unenforceable(self, column: str) -> str | None:
        """Why the foreign key on ``column`` of this table cannot be enforced, if so."""
        assert self.table is not None
        table, folded = self.table.name.casefold(), column.casefold()
        for broken in self.session.broken_foreign_keys():
            if broken.table.casefold() == table and folded in (
                c.casefold() for c in broken.columns
            ):
                return f"{broken.reason} (every write to {self.table.name} fails)"
        return None

    def target_column(self, fk: ForeignKey) -> str | None:
        if fk.target is not None:
            return fk.target
        referenced = self.session.table(fk.table)
        key = referenced.primary_key if referenced else ()
        return key[0] if len(key) == 1 else None

    # -- keys -------------------------------------------------------------

    def is_unique(self, columns: tuple[str, ...]) -> bool:
        assert self.table is not None
        return self.table.unique(columns)

    def key(self, key: KeyRule, *, primary: bool) -> list[Finding]:
        listed = ", ".join(key.columns)
        kind = "PRIMARY KEY" if primary else "UNIQUE"
        if self.table is None:
            return self.missing(key.location)
        if primary:
            found_key = self.table.primary_key
            held = {c.casefold() for c in found_key} == {c.casefold() for c in key.columns}
            shown = f"PRIMARY KEY ({', '.join(found_key)})" if found_key else "no primary key"
        else:
            held = self.is_unique(key.columns)
            shown = "no unique index on exactly these columns"
        return [] if held else [Finding(key.location, f"{kind} ({listed})", shown)]


def _flag(label: str, value: bool) -> str:
    return label if value else {"NOT NULL": "NULL allowed"}.get(label, f"not {label}")


def _action(action: str) -> str:
    return action.replace("_", " ").upper()


def _show_default(default: LiteralDefault | ExpressionDefault) -> str:
    if isinstance(default, ExpressionDefault):
        return f"({default.sql})"
    value = default.value
    if value is None:
        return "none"
    if isinstance(value, str):
        return sqltext.string(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _default_matches(
    expected: LiteralDefault | ExpressionDefault, found: str | None
) -> tuple[bool, str]:
    """Whether the declared default ``found`` (SQL text) is ``expected``."""
    shown = "none" if found is None else found
    if isinstance(expected, ExpressionDefault):
        same = found is not None and sqltext.normalize_expression(
            expected.sql
        ) == sqltext.normalize_expression(found)
        return same, shown
    if found is None:
        return expected.value is None, shown
    is_literal, value = sqltext.literal(found)
    wanted = expected.value
    if isinstance(wanted, bool):
        wanted = int(wanted)
    if not is_literal:
        return False, f"({found})"
    if isinstance(wanted, str) != isinstance(value, str):
        return False, shown
    return value == wanted, shown


def _describe(rule: ColumnRule) -> str:
    parts = []
    if rule.type is not None:
        parts.append(rule.type or "(no type)")
    if rule.primary_key is not None:
        parts.append(_flag("PRIMARY KEY", rule.primary_key))
    if rule.not_null is not None:
        parts.append(_flag("NOT NULL", rule.not_null))
    if rule.unique is not None:
        parts.append(_flag("UNIQUE", rule.unique))
    if rule.default is not None:
        parts.append(f"DEFAULT {_show_default(rule.default)}")
    if rule.references is not None:
        parts.append(f"REFERENCES {rule.references.table}({rule.references.column})")
    if rule.no_references:
        parts.append("no foreign key")
    if rule.on_delete is not None:
        parts.append(f"ON DELETE {_action(rule.on_delete)}")
    if rule.on_update is not None:
        parts.append(f"ON UPDATE {_action(rule.on_update)}")
    return " ".join(parts) or "exists"

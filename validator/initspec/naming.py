"""Names for what ``validator init`` writes: operations, fixtures, machines,
parameters, and SQL identifiers quoted only where SQLite needs it.

A spec's names are identifiers (``[A-Za-z_][A-Za-z0-9_]*``); tables and
columns may be called anything, so each name is made from them by a rule that
always gives an identifier, and :class:`Names` keeps those of one kind apart.
"""

from __future__ import annotations

import re

from ..templates import GENERATORS

_WORD = re.compile(r"[A-Za-z0-9]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

KEYWORDS = frozenset(
    {
        "ABORT", "ACTION", "ADD", "AFTER", "ALL", "ALTER", "ALWAYS", "ANALYZE", "AND", "AS",
        "ASC", "ATTACH", "AUTOINCREMENT", "BEFORE", "BEGIN", "BETWEEN", "BY", "CASCADE", "CASE",
        "CAST", "CHECK", "COLLATE", "COLUMN", "COMMIT", "CONFLICT", "CONSTRAINT", "CREATE",
        "CROSS", "CURRENT", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "DATABASE",
        "DEFAULT", "DEFERRABLE", "DEFERRED", "DELETE", "DESC", "DETACH", "DISTINCT", "DO",
        "DROP", "EACH", "ELSE", "END", "ESCAPE", "EXCEPT", "EXCLUDE", "EXCLUSIVE", "EXISTS",
        "EXPLAIN", "FAIL", "FILTER", "FIRST", "FOLLOWING", "FOR", "FOREIGN", "FROM", "FULL",
        "GENERATED", "GLOB", "GROUP", "GROUPS", "HAVING", "IF", "IGNORE", "IMMEDIATE", "IN",
        "INDEX", "INDEXED", "INITIALLY", "INNER", "INSERT", "INSTEAD", "INTERSECT", "INTO",
        "IS", "ISNULL", "JOIN", "KEY", "LAST", "LEFT", "LIKE", "LIMIT", "MATCH", "MATERIALIZED",
        "NATURAL", "NO", "NOT", "NOTHING", "NOTNULL", "NULL", "NULLS", "OF", "OFFSET", "ON",
        "OR", "ORDER", "OTHERS", "OUTER", "OVER", "PARTITION", "PLAN", "PRAGMA", "PRECEDING",
        "PRIMARY", "QUERY", "RAISE", "RANGE", "RECURSIVE", "REFERENCES", "REGEXP", "REINDEX",
        "RELEASE", "RENAME", "REPLACE", "RESTRICT", "RETURNING", "RIGHT", "ROLLBACK", "ROW",
        "ROWS", "SAVEPOINT", "SELECT", "SET", "TABLE", "TEMP", "TEMPORARY", "THEN", "TIES",
        "TO", "TRANSACTION", "TRIGGER", "UNBOUNDED", "UNION", "UNIQUE", "UPDATE", "USING",
        "VACUUM", "VALUES", "VIEW", "VIRTUAL", "WHEN", "WHERE", "WINDOW", "WITH", "WITHOUT",
        "TRUE", "FALSE", "ROWID"
    }
)  # fmt: skip
"""SQLite's keywords (https://sqlite.org/lang_keywords.html), and the names SQLite
gives a meaning of their own: such a name is quoted in generated SQL."""

RESERVED = frozenset((*GENERATORS, "row", "to"))
"""Names a fixture may not take: the generators, and what a machine's calls see."""


def sql_name(name: str) -> str:
    """``name`` as an SQL identifier: as it is when SQLite reads it so, else quoted."""
    if _IDENTIFIER.fullmatch(name) and name.upper() not in KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def words(name: str) -> list[str]:
    """The ASCII words of ``name`` (``order_lines`` -> ``order``, ``lines``)."""
    found = []
    for word in _WORD.findall(name):
        # split camelCase too: "orderList" -> "order", "List"
        found.extend(re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[0-9]+", word) or [word])
    return found


def singular(word: str) -> str:
    """An English plural's singular, by the common rules (``orders`` -> ``order``,
    ``entries`` -> ``entry``, ``switches`` -> ``switch``); other words unchanged."""
    lower = word.lower()
    if len(lower) > 3 and lower.endswith("ies"):
        return word[:-3] + ("Y" if word[-3:].isupper() else "y")
    if lower.endswith(("sses", "ches", "shes", "xes", "zzes")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(lower) > 3:
        return word[:-1]
    return word


def snake(name: str, *, single: bool = False) -> str:
    """``name`` as a snake_case identifier (its last word singular if ``single``)."""
    parts = [w.lower() for w in words(name)]
    if single and parts:
        parts[-1] = singular(parts[-1])
    return _identifier("_".join(parts))


def camel(*names: str, single: bool = False) -> str:
    """``names`` as one CamelCase word (the last word of the first singular if ``single``)."""
    parts: list[str] = []
    for index, name in enumerate(names):
        found = [w.lower() for w in words(name)]
        if single and index == 0 and found:
            found[-1] = singular(found[-1])
        parts.extend(found)
    return "".join(p[:1].upper() + p[1:] for p in parts)


def _identifier(text: str) -> str:
    if not text:
        return "t"
    return text if _IDENTIFIER.fullmatch(text) else f"t_{text}"


class Names:
    """Identifiers of one kind, each new one distinct from those given before
    (``order``, ``order_2``, ...) and from ``reserved``."""

    def __init__(self, reserved: frozenset[str] = frozenset()) -> None:
        self._taken = {name.casefold() for name in reserved}

    def take(self, wanted: str) -> str:
        name = _identifier(wanted)
        candidate, number = name, 1
        while candidate.casefold() in self._taken:
            number += 1
            candidate = f"{name}_{number}"
        self._taken.add(candidate.casefold())
        return candidate


def literal_text(value: str) -> str:
    """``value`` as a spec value where ``${...}`` would be a reference (arguments,
    defaults, expectations): every ``${`` written ``$${``."""
    return value.replace("${", "$${")

"""``[tool.validator]`` in ``pyproject.toml``: defaults for the command line.

This module owns finding the configuration and applying it to parsed options.
The file is the nearest ``pyproject.toml`` with a ``[tool.validator]`` table,
from the working directory up to the repository's top (the folder holding
``.git``), as ruff and mypy look for theirs. Its keys are the long options of
the command, spelled as on the command line without the dashes::

    [tool.validator]
    specs = ["spec/"]
    schema = "schema.sql"
    format = "text"
    reports = ["junit:reports/validator.xml", "sarif:reports/validator.sarif"]
    step-timeout = 5
    baseline = "validator-baseline.json"

    [tool.validator.mutate]        # a subcommand's own options
    fail-under = 80

Paths are relative to the folder of ``pyproject.toml``. An option given on the
command line wins over its key (a list too: ``--report`` replaces ``reports``).
A key no option has, or a value of the wrong kind, is an error located in the
file (``pyproject.toml:LINE:COL: [tool.validator] KEY: ...``) and exit 2.
The command line, the pytest plugin and the pre-commit hook (which runs the
command) all read it through :func:`load` and :func:`apply`.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Location, Problem, UsageError

FILE = "pyproject.toml"
TABLE = "tool.validator"
_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*validator\s*(?:\.\s*([\w-]+)\s*)?\]\s*(?:#.*)?$")

Rebase = Callable[[str, Path], str]
"""Makes a text value (``junit:out.xml``) relative to the configuration's folder."""


@dataclass(frozen=True)
class Config:
    """The ``[tool.validator]`` table of ``path`` (``path`` None: no configuration)."""

    path: Path | None = None
    table: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""

    @property
    def folder(self) -> Path:
        return self.path.parent if self.path is not None else Path()

    def section(self, command: str | None) -> dict[str, Any]:
        """The keys of the main command (``None``) or of subcommand ``command``."""
        if command is None:
            return {k: v for k, v in self.table.items() if not isinstance(v, dict)}
        found = self.table.get(command, {})
        return dict(found) if isinstance(found, dict) else {}

    def subtables(self) -> list[str]:
        return [key for key, value in self.table.items() if isinstance(value, dict)]

    def where(self, key: str, command: str | None = None) -> Location:
        """Where ``key`` of the (sub)table is written, as well as a line scan tells."""
        if self.path is None:
            return Location(FILE)
        inside = False
        key_line = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=\s*")
        for number, line in enumerate(self.text.splitlines(), 1):
            if line.lstrip().startswith("["):
                header = _HEADER.match(line)
                inside = header is not None and header.group(1) == command
                continue
            found = key_line.match(line) if inside else None
            if found:
                return Location(_shown(self.path), number, found.end() + 1)
        return Location(_shown(self.path))


def _shown(path: Path) -> str:
    return os.path.relpath(path)


def find(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.validator]`` table, from
    ``start`` up to the folder holding ``.git`` (included)."""
    for folder in (start, *start.parents):
        candidate = folder / FILE
        try:
            text = candidate.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        if any(_HEADER.match(line) for line in text.splitlines()):
            return candidate
        if os.path.lexists(folder / ".git"):
            return None
    return None


def load(start: Path) -> Config:
    """The configuration that applies from ``start`` (empty when there is none);
    a file that is not TOML is a :class:`UsageError` at its line and column."""
    path = find(start.resolve())
    if path is None:
        return Config()
    text = path.read_text("utf-8")
    import tomllib  # only with a [tool.validator] table: importing it is 1% of a run

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise UsageError.at(Location(_shown(path), line, column), message) from None
    table = data.get("tool", {}).get("validator")
    if not isinstance(table, dict):
        return Config()
    return Config(path, table, text)


def given(parser: argparse.ArgumentParser, words: Sequence[str]) -> set[str]:
    """The option destinations that ``words`` set explicitly (``--x`` even when
    equal to the default), found by parsing them again over a marker."""
    marker = object()
    namespace = argparse.Namespace()
    for action in parser._actions:
        if not _is_list(action) and action.dest != argparse.SUPPRESS:
            setattr(namespace, action.dest, marker)
    parsed = parser.parse_args(list(words), namespace)
    found = set()
    for action in parser._actions:
        value = getattr(parsed, action.dest, marker)
        if (value and value is not marker) if _is_list(action) else value is not marker:
            found.add(action.dest)
    return found


def _is_list(action: argparse.Action) -> bool:
    return isinstance(action, argparse._AppendAction) or action.nargs in ("*", "+")


def apply(
    config: Config,
    command: str | None,
    parser: argparse.ArgumentParser,
    options: argparse.Namespace,
    explicit: set[str],
    *,
    excluded: frozenset[str] = frozenset(),
    rebase: Mapping[str, Rebase] | None = None,
    keys: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Set in ``options`` each key of the (sub)table that the command line did
    not give (``explicit``); a problem for each unknown key or bad value.
    ``excluded`` options have no key; ``keys`` renames some (``report`` ->
    ``reports``, a list)."""
    actions = _actions(parser, excluded, keys or {})
    problems: list[Problem] = []
    if command is None:
        problems += _unknown_tables(config)
    for key, value in config.section(command).items():
        where = config.where(key, command)
        label = f"[{TABLE}{'.' + command if command else ''}] {key}"
        action = actions.get(key)
        if action is None:
            known = ", ".join(sorted(actions))
            problems.append(Problem(where, f"{label}: unknown key; expected one of: {known}"))
            continue
        if action.dest in explicit:
            continue
        try:
            converted = _convert(action, value, config.folder, (rebase or {}).get(action.dest))
        except ValueError as exc:
            problems.append(Problem(where, f"{label}: {exc}"))
            continue
        setattr(options, action.dest, converted)
    return problems


def _unknown_tables(config: Config) -> list[Problem]:
    from . import commands

    return [
        Problem(
            config.where(name),
            f"[{TABLE}.{name}]: no subcommand {name!r}; expected one of: "
            + ", ".join(commands.NAMES),
        )
        for name in config.subtables()
        if name not in commands.NAMES
    ]


def _actions(
    parser: argparse.ArgumentParser, excluded: frozenset[str], keys: Mapping[str, str]
) -> dict[str, Any]:
    """Configuration key -> the action it sets: long options without their
    dashes (``--x/--no-x`` once, as ``x``), and positionals by name."""
    found: dict[str, argparse.Action] = {}
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._VersionAction):
            continue
        if not action.option_strings:
            names = [action.dest]
        else:
            names = [text[2:] for text in action.option_strings if text.startswith("--")]
        if isinstance(action, argparse.BooleanOptionalAction):
            names = [name for name in names if not name.startswith("no-")]
        for name in names:
            if name not in excluded:
                found[keys.get(name, name)] = action
    return found


def _convert(action: argparse.Action, value: Any, folder: Path, rebase: Rebase | None) -> Any:
    """``value`` as the command line would have given it, or ValueError saying why not."""
    if action.nargs == 0:  # a flag: store_true, --x/--no-x
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, found {_describe(value)}")
        return value
    if _is_list(action):
        if not isinstance(value, list) or not value:
            raise ValueError(f"expected a list of strings, found {_describe(value)}")
        return [_one(action, item, folder, rebase) for item in value]
    return _one(action, value, folder, rebase)


def _one(action: argparse.Action, value: Any, folder: Path, rebase: Rebase | None) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected a string or a number, found {_describe(value)}")
    text = str(value)
    if rebase is not None:
        text = rebase(text, folder)
    elif action.type is Path:
        text = _relative(folder, text)
    convert: Any = action.type or str
    try:
        result = convert(text)
    except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
        raise ValueError(str(exc) or f"invalid value {text!r}") from None
    if action.choices is not None and result not in action.choices:
        choices = ", ".join(map(str, action.choices))
        raise ValueError(f"expected one of {choices}, found {text!r}")
    return result


def _relative(folder: Path, text: str) -> str:
    """``text``, a path relative to ``folder``, as a path from the working directory."""
    path = Path(text).expanduser()
    if path.is_absolute():
        return str(path)
    return os.path.relpath(os.path.normpath(folder / path))


def relative_target(text: str, folder: Path) -> str:
    """``FORMAT:PATH`` with PATH made relative to ``folder`` (for ``reports``)."""
    name, colon, path = text.partition(":")
    return f"{name}{colon}{_relative(folder, path)}" if colon and path else text


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    return f"{type(value).__name__} {value!r}"

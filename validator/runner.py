"""The library entry points: load a spec, plan its checks, run them, get a report.

``load_spec(path) -> Spec`` raises :class:`~validator.errors.SpecError` with
every problem located; ``run(spec) -> Report`` applies the schema to a fresh
database (or copies an existing one) and runs the checks. Failing checks are
values in the report; exceptions mean the run could not happen.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from . import database, loader, model, semantics, validate
from .checks import criteria, machines, tables
from .errors import SchemaError, SpecError, UsageError
from .guard import DEFAULT_STEP_TIMEOUT, Guard
from .model import Spec
from .results import Planned, Report
from .templates import Clock
from .workdir import private_folder

MAX_SCHEMA_BYTES = 16 * 1024 * 1024
"""A schema file larger than this is refused (``schema: /dev/zero`` must not eat memory)."""

Select = Callable[[Planned], bool]
"""Chooses which planned checks run (``-k``)."""

Dump = Callable[[str, str], None]
"""Receives ``(check_id, sql)``: a criterion's final database state."""


def display_path(path: Path) -> str:
    """``path`` as a user reads it: relative to the working directory when inside it."""
    normal = os.path.normpath(path)
    if Path(normal).is_absolute():
        try:
            relative = os.path.relpath(normal)
        except ValueError:  # pragma: no cover - another drive on Windows
            return normal
        return normal if relative.startswith("..") else relative
    return normal


def load_spec(path: Path, name: str | None = None) -> Spec:
    """Read, format-check and cross-check the spec at ``path``."""
    with loader.no_collection():
        document = loader.load_file(path, name or display_path(path))
        problems = validate.format_problems(document)
        if problems:
            raise SpecError(problems)
        spec = model.build(document, path)
        problems = semantics.problems(spec)
        if problems:
            raise SpecError(problems)
    return spec


def plan(spec: Spec) -> list[Planned]:
    """Every check the spec declares, in report order, without running any."""
    return [*tables.plan(spec), *machines.plan(spec), *criteria.plan(spec)]


def run(
    spec: Spec,
    *,
    schema: Path | None = None,
    database_path: Path | None = None,
    clock: Clock | None = None,
    select: Select | None = None,
    dump: Dump | None = None,
    step_timeout: float = DEFAULT_STEP_TIMEOUT,
) -> Report:
    """Run the checks of ``spec`` and report them.

    The checks run against ``schema`` applied to a fresh database (default:
    the spec's own schema), or against a private copy of the existing
    database ``database_path``. ``select`` keeps only some checks;
    ``step_timeout`` bounds each statement of user SQL, in seconds.
    """
    selected = None if select is None else {p.id for p in plan(spec) if select(p)}
    clock = clock or Clock()
    with ExitStack() as stack:
        guard, shown = _open(spec, schema, database_path, step_timeout, stack)
        stack.callback(guard.connection.close)
        try:
            checks = (
                *tables.check(spec, guard.connection, selected),
                *machines.check(spec, guard, clock, selected),
                *criteria.check(spec, guard, clock, selected, dump),
            )
        except sqlite3.Error:
            guard.raise_pending()  # the engine's own statement was interrupted
            raise
    return Report(
        spec=spec.file,
        title=spec.title,
        schema=shown,
        checks=checks,
        machines=tuple(machines.summary(machine) for machine in spec.machines),
    )


def _open(
    spec: Spec,
    schema: Path | None,
    database_path: Path | None,
    step_timeout: float,
    stack: ExitStack,
) -> tuple[Guard, str]:
    """The guarded working database the checks run on, and how to name it."""
    if database_path is not None:
        if schema is not None:
            raise UsageError.at(spec.source.at(()), "give either a schema or a database, not both")
        shown = display_path(database_path)
        workdir = stack.enter_context(private_folder())
        return database.open_copy(database_path, shown, workdir, step_timeout), shown
    schema_path = schema if schema is not None else spec.schema
    if schema_path is None:
        raise UsageError.at(
            spec.source.at(()), "no schema to check: set 'schema' in the spec or pass --schema"
        )
    shown = display_path(schema_path)
    if schema is None:  # named by the spec: a file that is not there is the spec's problem
        where = spec.schema_location
        if not schema_path.exists():
            raise SchemaError.at(where, f"schema file not found: {shown}")
        if schema_path.is_dir():
            raise SchemaError.at(where, f"schema {shown} is a directory, expected an SQL file")
    text = loader.read_text(
        schema_path, shown, SchemaError, limit=MAX_SCHEMA_BYTES, what="an SQL file"
    )
    return database.load_schema(text, shown, step_timeout), shown

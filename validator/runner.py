"""The library entry points: load a spec, run it, get a report.

``load_spec(path) -> Spec`` raises :class:`~validator.errors.SpecError` with
every problem located; ``run(spec) -> Report`` applies the schema to a fresh
database and runs every check. Failing checks are values in the report;
exceptions mean the run could not happen.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import database, loader, model, semantics, validate
from .checks import criteria, machines, tables
from .errors import SchemaError, SpecError, UsageError
from .model import Spec
from .results import Report
from .templates import Clock


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
    document = loader.load_file(path, name or display_path(path))
    problems = validate.format_problems(document)
    if problems:
        raise SpecError(problems)
    spec = model.build(document, path)
    problems = semantics.problems(spec)
    if problems:
        raise SpecError(problems)
    return spec


def run(spec: Spec, *, schema: Path | None = None, clock: Clock | None = None) -> Report:
    """Apply the schema (``schema`` overrides the spec's) and run every check."""
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
    text = loader.read_text(schema_path, shown, SchemaError, limit=None, what="an SQL file")
    template = database.load_schema(text, shown)
    clock = clock or Clock()
    try:
        checks = (
            *tables.check(spec, template),
            *machines.check(spec, template, clock),
            *criteria.check(spec, template, clock),
        )
    finally:
        template.close()
    return Report(spec=spec.file, title=spec.title, schema=shown, checks=checks)

"""``validator init``: a first spec, from a schema or a database, that already passes.

:func:`generate` reads the schema through the engine's own pieces (a fresh
database with the schema applied under the guard, or a private copy of a
database: the original is never opened by SQLite), proposes a spec, runs each
proposed state machine to see which timestamp columns the schema sets, then
runs the whole spec with the engine and withdraws, into comments, whatever
the run does not bear out. The text it returns states only what the schema
does; what it cannot state is said in comments, with suggestions.

- :mod:`.survey` reads tables, keys, foreign keys, CHECK lists, triggers;
- :mod:`.structure`, :mod:`.data`, :mod:`.machines`, :mod:`.examples` propose
  the ``tables``, ``operations``/``fixtures``, ``state_machines`` and the
  commented-out criteria; :mod:`.transitions` reads the moves a trigger allows;
- :mod:`.verify` observes and settles; :mod:`.draft` and :mod:`.yamltext`
  write the YAML.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from .. import __version__, loader, model, semantics, sqlite, validate
from ..errors import Location, SchemaError, UsageError
from ..model import Spec
from ..results import CheckResult, Planned, Report
from ..runner import MAX_SCHEMA_BYTES, display_path, run
from ..session import DEFAULT_STEP_TIMEOUT, Session
from ..workdir import private_folder
from . import data, examples, machines, structure, survey, verify
from .draft import Draft, MachineDraft, OperationDraft, text
from .naming import Names, snake
from .yamltext import Line, Verbatim

SPEC_SCHEMA = Path(__file__).resolve().parent.parent / "spec.schema.json"
"""The JSON Schema of the spec format, as installed (for the editor line)."""

GENERIC_STEMS = frozenset(("schema", "database", "db", "main", "data", "app", "spec"))
"""File names too generic to name a spec: the folder's name is used instead."""


@dataclass(frozen=True)
class Request:
    """What ``validator init`` is asked: one of ``schema`` and ``database``; where
    the spec will be written (None: standard output); which tables."""

    schema: Path | None = None
    database: Path | None = None
    output: Path | None = None
    tables: tuple[str, ...] = ()
    step_timeout: float = DEFAULT_STEP_TIMEOUT


@dataclass(frozen=True)
class Result:
    """The spec's text, and the checks it still fails (none, unless the rows of a
    database break rules the schema declares)."""

    text: str
    failing: tuple[CheckResult, ...] = ()


class GeneratedSpecError(Exception):
    """The spec written does not load: a bug in ``validator init``."""


def generate(request: Request) -> Result:
    """The spec for ``request`` (raises :class:`~validator.errors.ValidatorError`
    when the schema or database cannot be used)."""
    if (request.schema is None) == (request.database is None):
        raise UsageError.at(Location("validator init"), "give either --schema or --db")
    with ExitStack() as stack:
        session, schema_text, shown = _open(request, stack)
        found = survey.survey(
            session, schema_text, shown, from_database=request.database is not None
        )
        found = _selected(found, request.tables)
        draft = _propose(found, session, request, shown)
        draft = verify.observe(draft, _load(draft, request), session)
    draft, failing = verify.settle(
        draft, lambda d: _load(d, request), lambda spec: _run(spec, request)
    )
    return Result(text(draft), tuple(failing))


def _open(request: Request, stack: ExitStack) -> tuple[Session, str, str]:
    """The session on the schema or database, the schema's text, and its name."""
    if request.database is not None:
        shown = display_path(request.database)
        workdir = stack.enter_context(private_folder())
        copy = sqlite.copy_files(request.database, shown, workdir)
        session = sqlite.open_copied(copy, Location(shown), workdir, request.step_timeout)
        stack.callback(session.close)
        return session, survey.schema_of(session, Location(shown)), shown
    assert request.schema is not None
    shown = display_path(request.schema)
    _regular(request.schema, shown)
    schema_text = loader.read_text(
        request.schema, shown, SchemaError, limit=MAX_SCHEMA_BYTES, what="an SQL file"
    )
    session = sqlite.open_schema(schema_text, shown, request.step_timeout)
    stack.callback(session.close)
    return session, schema_text, shown


def _regular(path: Path, shown: str) -> None:
    """A schema file must be a regular file (a FIFO would block the read)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SchemaError.at(Location(shown), "no such file") from None
    except OSError as exc:
        raise SchemaError.at(Location(shown), f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise SchemaError.at(Location(shown), f"is {what}, expected an SQL file")


def _selected(found: survey.Survey, wanted: Sequence[str]) -> survey.Survey:
    """Only the tables ``wanted`` (all when none), with the parents their rows need."""
    if not wanted:
        return found
    known = {t.name.casefold(): t for t in found.tables}
    unknown = [name for name in wanted if name.casefold() not in known]
    if unknown:
        listed = ", ".join(t.name for t in found.tables) or "none"
        raise UsageError.at(
            Location(f"--tables {','.join(wanted)}"),
            f"no table {', '.join(unknown)} in {found.source} (tables: {listed})",
        )
    chosen = {name.casefold() for name in wanted}
    pending = list(chosen)
    while pending:
        table = known[pending.pop()]
        for fk in data.required_keys(table):
            parent = fk.parent.casefold()
            if parent in known and parent not in chosen:
                chosen.add(parent)
                pending.append(parent)
    tables = tuple(t for t in found.tables if t.name.casefold() in chosen)
    return survey.Survey(tables, found.schema, found.source, found.from_database)


def _propose(found: survey.Survey, session: Session, request: Request, shown: str) -> Draft:
    where = Location(shown)
    cycles = machines.lifecycles(session, found, where, counts=found.from_database)
    operations = Names()
    rows = data.plan_rows(found.tables, machines.explicit(cycles), operations)
    schema_text = "" if found.from_database else found.schema.text
    proposed, moving = machines.drafts(cycles, rows, operations, shown, schema_text)
    order = [t.name.casefold() for t in found.tables]
    ops: list[OperationDraft] = []
    for folded in order:
        if not rows[folded].table.virtual:  # its module decides what an INSERT means
            ops += [rows[folded].create, rows[folded].get]
        ops += [op for op, m in zip(moving, _with_moves(proposed), strict=True) if m == folded]
    fixtures = [r.fixture for r in rows.values() if r.fixture is not None]
    notes = tuple(
        f"No fixture for {rows[f].table.name}: {rows[f].why_not}."
        for f in order
        if rows[f].fixture is None
    )
    parents_first = [f.table.casefold() for f in fixtures]
    return Draft(
        name=_name(request, shown),
        title=_title(request, shown),
        schema=_relative(request.schema, request) if request.schema is not None else None,
        header=_header(request, shown, bool(request.tables)),
        exact_tables=not request.tables,
        tables=tuple(structure.table(t) for t in found.tables),
        operations=tuple(ops),
        fixtures=tuple(fixtures),
        machines=tuple(proposed),
        fixture_notes=notes,
        examples=examples.examples(rows, parents_first),
    )


def _with_moves(proposed: Sequence[MachineDraft]) -> list[str]:
    """The casefolded table of each machine that has a move operation, in order."""
    return [m.table.casefold() for m in proposed if m.move.operation]


def _stem(request: Request, shown: str) -> str:
    path = request.output if request.output is not None else Path(shown)
    stem = path.stem
    if stem.casefold() in GENERIC_STEMS and path.resolve().parent.name:
        stem = path.resolve().parent.name
    return stem


def _name(request: Request, shown: str) -> str:
    return snake(_stem(request, shown)) or "spec"


def _title(request: Request, shown: str) -> str:
    words = " ".join(snake(_stem(request, shown)).split("_"))
    return words[:1].upper() + words[1:] if words else "Spec"


def _base(request: Request) -> Path:
    """The folder paths in the spec are relative to: the output's, else the working one."""
    if request.output is not None:
        return request.output.resolve().parent
    return Path.cwd()


def _relative(path: Path, request: Request) -> str:
    try:
        return os.path.relpath(path.resolve(), _base(request))
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path.resolve())


def _header(request: Request, shown: str, chosen: bool) -> tuple[Line, ...]:
    if request.database is not None:
        made = f"a private copy of the database {shown}"
        command = f"validator {_spec_shown(request)} --db {shown}"
    else:
        made = f"the schema {shown}, applied to an empty database"
        command = f"validator {_spec_shown(request)}"
    lines: list[Line] = [
        Verbatim(f"yaml-language-server: $schema={_relative(SPEC_SCHEMA, request)}"),
        "",
        f"Written by `validator init` (validator {__version__}) from {made}, where it "
        "passes: every table and column as they are, the lifecycles the schema enforces "
        "as state machines, and operations and fixtures to drive them. Comments say what "
        "could not be stated and suggest what to add; the criteria at the end are examples "
        "to adapt.",
        f"Run it: {command}",
    ]
    if request.database is not None:
        lines.append(
            "The rows were read only for the state machines: which status values occur, "
            "and whether the proposed timestamp rules hold on them."
        )
    if request.output is None:
        lines.append(
            "The $schema path above is relative to the folder `validator init` ran in; "
            "correct it if this file is saved elsewhere."
        )
    if chosen:
        lines.append(
            f"Only the tables {', '.join(request.tables)}, and the parents their rows need."
        )
    return tuple(lines)


def _spec_shown(request: Request) -> str:
    return display_path(request.output) if request.output is not None else "SPEC.yaml"


def _load(draft: Draft, request: Request) -> Spec:
    """The spec ``draft`` writes, read back as any spec is."""
    written = text(draft)
    path = request.output or Path.cwd() / "spec.yaml"
    if len(written.encode("utf-8")) > loader.MAX_BYTES:
        raise UsageError.at(
            Location("validator init"),
            f"the spec would be larger than {loader.MAX_BYTES} bytes, the most a spec may be; "
            "choose some tables with --tables",
        )
    document = loader.load_text(written, display_path(path))
    problems = validate.format_problems(document)
    if not problems:
        spec = model.build(document, path)
        problems = semantics.problems(spec)
    if problems:
        listed = "; ".join(str(p) for p in problems[:5])
        raise GeneratedSpecError(f"the spec written does not load: {listed}\n{written}")
    return spec


def _run(spec: Spec, request: Request) -> Report:
    if request.database is not None:
        return run(
            spec,
            database_path=request.database,
            audit=True,
            select=_machine_audit,
            step_timeout=request.step_timeout,
        )
    return run(spec, schema=request.schema, audit=False, step_timeout=request.step_timeout)


def _machine_audit(planned: Planned) -> bool:
    """With ``--db``, the rows are read only where the machines need them: do the
    status values and timestamps the spec proposes hold on them?"""
    return planned.section != "audit" or planned.id.startswith("audit-machine-")

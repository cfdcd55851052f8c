"""The library entry points: load a spec, plan its checks, run them, get a report.

``load_spec(path) -> Spec`` raises :class:`~validator.errors.SpecError` with
every problem located; ``run(spec) -> Report`` applies the schema to a fresh
database (or copies an existing one) and runs the checks. Failing checks are
values in the report; exceptions mean the run could not happen.

The checks run in a worker thread while the calling thread watches: a signal
(Ctrl-C) stops the run within a fraction of a second even while SQLite is
inside one long call, and a statement stuck inside one call of an SQL
function (which SQLite cannot interrupt) past ``--step-timeout`` costs its
own checks only: the database is set up again for the rest.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import loader, model, semantics, sqlite, sqltext, validate
from .checks import KINDS, Context, Kind
from .checks import migrations as migrations_kind
from .checks.base import Dump, Migration, Store, Target
from .checks.machines import summary
from .errors import Location, Problem, SchemaError, SpecError, UsageError
from .model import Spec
from .results import CheckResult, Finding, Planned, Report
from .session import DEFAULT_STEP_TIMEOUT, Access, Session, Watched
from .templates import Clock
from .workdir import private_folder

MAX_SCHEMA_BYTES = 16 * 1024 * 1024
"""A schema file larger than this is refused (``schema: /dev/zero`` must not eat memory)."""

Select = Callable[[Planned], bool]
"""Chooses which planned checks run (``-k``)."""

Stop = Callable[[CheckResult], bool]
"""Ends a run early: after the first unit with a result for which it is true,
no further unit runs (the report holds the checks that ran)."""

GRACE = 1.0
"""Seconds past ``--step-timeout`` after which a statement counts as stuck in one
call of an SQL function (the progress handler stops any other within milliseconds)."""

DEFAULT_AUDIT_TIMEOUT = 600.0
"""Seconds one query over a whole database may run (an invariant, an audit rule)."""

POLL = 0.1
"""How often the watching thread looks at the worker."""

Opener = Callable[[Callable[[Watched], None]], Session]
"""Opens the database under test, telling the watchdog as soon as it can be stopped."""


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


def plan(spec: Spec, target: Target | None = None) -> list[Planned]:
    """Every check the spec declares (for ``target``: what the run checks), in
    report order, without running any."""
    return [planned for kind in KINDS for planned in kind.plan(spec, target or Target())]


def read_migrations(paths: Sequence[Path]) -> tuple[Migration, ...]:
    """The migration scripts at ``paths``, read (and refused, located) before any work."""
    found = []
    for path in paths:
        shown = display_path(path)
        text = loader.read_text(path, shown, UsageError, limit=MAX_SCHEMA_BYTES, what="an SQL file")
        found.append(Migration(path.name, shown, text))
    return tuple(found)


Unit = tuple[Kind, list[Planned]]


def run(
    spec: Spec,
    *,
    schema: Path | None = None,
    schema_text: str | None = None,
    schema_name: str = "<schema>",
    opened: Session | None = None,
    database_path: Path | None = None,
    clock: Clock | None = None,
    select: Select | None = None,
    dump: Dump | None = None,
    step_timeout: float = DEFAULT_STEP_TIMEOUT,
    migrations: Sequence[Migration] = (),
    audit: bool | None = None,
    audit_timeout: float = DEFAULT_AUDIT_TIMEOUT,
    store: Store | None = None,
    stop: Stop | None = None,
    access: Access | None = None,
    progress: Callable[[int, int], None] | None = None,
    full_check: bool = False,
) -> Report:
    """Run the checks of ``spec`` and report them.

    The checks run against ``schema`` applied to a fresh database (default:
    the spec's own schema), or the SQL ``schema_text`` (shown as
    ``schema_name``, e.g. a mutant of a schema, with no file written), or
    against a private copy of the existing database ``database_path``, once
    ``migrations`` are applied to it in order; ``opened`` is a session
    already opened on ``schema_text`` (a caller that read it first), which the
    run takes over and closes. ``select`` keeps only some
    checks; ``step_timeout`` bounds each statement, in seconds, and
    ``audit_timeout`` each query over a whole database. ``audit`` (by
    default: with a database or migrations) adds the audit of existing rows;
    ``store`` receives every row a rule finds. ``stop`` ends the run after
    the first unit (a table, a source state, a criterion) with a result it
    is true of: the report then holds only the checks that ran. ``access``
    receives what the checks touch (:meth:`Session.record`).
    ``progress(done, total)`` is told how many checks have run, from the
    calling thread (never the worker's) while it waits for them.
    A copied database must pass ``PRAGMA quick_check`` of the tables the run
    reads or writes (the report's ``integrity`` says which), or of the whole
    file with ``full_check``, ``dump`` or ``migrations`` (which may read any).
    """
    if audit is None:
        audit = database_path is not None or bool(migrations)
    target = Target(audit=audit, migrations=tuple(migrations))
    order: list[str] = []
    units: list[Unit] = []
    checked: list[sqlite.Integrity] = []
    for kind in KINDS:
        chosen = [p for p in kind.plan(spec, target) if select is None or select(p)]
        order += [p.id for p in chosen]
        units += [(kind, unit) for unit in kind.units(chosen)]
    with ExitStack() as stack:
        if schema_text is not None:
            if schema is not None or database_path is not None:
                raise UsageError.at(spec.source.at(()), "give one schema or database, not several")
            opener = _text_opener(schema_text, schema_name, step_timeout, opened)
            shown = schema_name
        else:
            if opened is not None:
                raise UsageError.at(spec.source.at(()), "an opened session needs its schema text")
            whole = full_check or dump is not None or bool(migrations)
            reads = None if whole else _reads(spec)
            opener, shown, checked = _opener(
                spec, schema, database_path, step_timeout, stack, reads
            )
        context = Context(_NOT_OPEN, clock or Clock(), dump, store, audit_timeout)
        engine = _Engine(spec, opener, units, context, target, step_timeout, stop, access)
        results = engine.run(progress, len(order))
    return Report(
        spec=spec.file,
        title=spec.title,
        schema=shown,
        checks=tuple(results[check_id] for check_id in order if check_id in results),
        machines=tuple(summary(machine) for machine in spec.machines),
        integrity=checked[0].describe() if checked else "",
    )


class _Worker(threading.Thread):
    """Runs units from ``start`` on a database it opens; abandoned when stuck."""

    def __init__(self, engine: _Engine, start: int) -> None:
        super().__init__(name="validator-checks", daemon=True)
        self.engine = engine
        self.start_at = start
        self.index = start
        self.watched: Watched | None = None
        self.session: Session | None = None
        self.abandoned = False
        self.error: BaseException | None = None
        self.done = threading.Event()

    def watch(self, watched: Watched) -> None:
        self.watched = watched

    def run(self) -> None:
        engine = self.engine
        try:
            self.session = session = engine.opener(self.watch)
            session.record(engine.access)
            migrated = _migrate(session, engine.target.migrations)
            context = replace(engine.context, session=session)
            if self.start_at == 0:
                context.migrated.update(migrated)
            for index in range(self.start_at, len(engine.units)):
                self.index = index
                kind, unit = engine.units[index]
                results = list(kind.check(engine.spec, unit, context))
                with engine.lock:
                    if self.abandoned:
                        return
                    engine.results.update((result.id, result) for result in results)
                if engine.stop is not None and any(map(engine.stop, results)):
                    return
        except BaseException as exc:  # handed to the watching thread
            self.error = exc
        finally:
            if not self.abandoned and self.session is not None:
                self.session.close()
            self.done.set()


class _Engine:
    """Runs the units in a worker thread and watches it from the calling thread."""

    def __init__(
        self,
        spec: Spec,
        opener: Opener,
        units: list[Unit],
        context: Context,
        target: Target,
        step_timeout: float,
        stop: Stop | None = None,
        access: Access | None = None,
    ) -> None:
        self.spec = spec
        self.opener = opener
        self.units = units
        self.context = context
        self.target = target
        self.step_timeout = step_timeout
        self.results: dict[str, CheckResult] = {}
        self.lock = threading.Lock()
        self.stop = stop
        self.access = access

    def run(
        self, progress: Callable[[int, int], None] | None = None, total: int = 0
    ) -> dict[str, CheckResult]:
        worker = _Worker(self, 0)
        worker.start()
        while True:
            if progress is not None:
                with self.lock:
                    done = len(self.results)
                progress(done, total)
            try:
                finished = worker.done.wait(POLL)
            except BaseException:  # a signal: stop the statement, give the worker a moment
                self._stop(worker)
                raise
            if finished:
                break
            watched = worker.watched
            if watched is not None and watched.overdue(GRACE):
                worker = self._replace(worker)
        if worker.error is not None:
            raise worker.error
        if progress is not None:
            progress(len(self.results), total)
        return self.results

    def _stop(self, worker: _Worker) -> None:
        if worker.watched is not None:
            worker.watched.interrupt()
        worker.done.wait(GRACE)
        with self.lock:
            worker.abandoned = True  # a worker stuck in one function is left to the exit

    def _replace(self, worker: _Worker) -> _Worker:
        """Give up a worker stuck in one SQL function call: its unit is an error,
        and a new worker runs the rest on a database opened anew."""
        with self.lock:
            if worker.done.is_set():
                return worker
            worker.abandoned = True
        stuck = worker.watched.current if worker.watched is not None else None
        if worker.session is None or worker.index >= len(self.units):
            where = stuck or Location(self.spec.file)
            raise SchemaError.at(where, _STUCK.format(timeout=self.step_timeout, grace=GRACE))
        _, unit = self.units[worker.index]
        found = _STUCK.format(timeout=self.step_timeout, grace=GRACE)
        if stuck is not None:
            found += f" (SQL at {stuck})"
        expected = "every statement to end within --step-timeout"
        results = [
            planned.judge([Finding(planned.location, expected, found, blocking=True)])
            for planned in unit
        ]
        self.results.update((result.id, result) for result in results)
        replacement = _Worker(self, worker.index + 1)
        if self.stop is not None and any(map(self.stop, results)):
            replacement.done.set()  # the run ends here: nothing more to start
            return replacement
        replacement.start()
        return replacement


def _migrate(session: Session, migrations: Sequence[Migration]) -> dict[str, list[Finding]]:
    """Apply ``migrations`` in order; what each found, by check id. After one that
    fails, the rest are not applied (they could not run)."""
    found: dict[str, list[Finding]] = {}
    failed: str | None = None
    for migration in migrations:
        check_id = migrations_kind.check_id(migration)
        if failed is not None:
            where = Location(migration.shown, 1, 1)
            why = f"not applied: migration {failed} failed before it"
            found[check_id] = [Finding(where, "the migration to apply", why, blocking=True)]
            continue
        failure = session.migrate(migration.text, migration.shown)
        if failure is None:
            found[check_id] = []
            continue
        failed = migration.name
        rows = failure.rows if failure.rows is not None and failure.rows.count else None
        found[check_id] = [
            Finding(failure.location, "the migration to apply", failure.message, rows=rows)
        ]
    return found


_NOT_OPEN: Any = None
"""The session of the context every worker copies, putting its own in its copy."""


_STUCK = (
    "a statement still running {grace:g} s past the {timeout:g} s limit, inside one call of "
    "an SQL function that SQLite cannot interrupt; the checks after it ran on the database "
    "set up again"
)


def _text_opener(text: str, name: str, step_timeout: float, opened: Session | None) -> Opener:
    waiting = [opened] if opened is not None else []

    def applied(watch: Callable[[Watched], None]) -> Session:
        if waiting:  # the caller's session first; a replacement worker applies the text anew
            session = waiting.pop()
            watch(session)
            return session
        return sqlite.open_schema(text, name, step_timeout, watch)

    return applied


def read_schema(spec: Spec, schema: Path | None) -> tuple[str, str]:
    """The text of ``schema`` (default: the spec's own schema) and its name as
    reports show it; a missing or unreadable file is refused, located."""
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
    try:
        text = loader.read_text(
            schema_path, shown, SchemaError, limit=MAX_SCHEMA_BYTES, what="an SQL file"
        )
    except SchemaError as exc:
        if schema is not None:
            raise
        # Named by the spec: what is wrong with the file as a whole (a FIFO, too
        # big) is said at the spec's line; a place inside the file stays there.
        raise SchemaError(
            [
                problem
                if problem.location.line
                else Problem(spec.schema_location, f"schema {shown}: {problem.message}")
                for problem in exc.problems
            ]
        ) from None
    return text, shown


def _opener(
    spec: Spec,
    schema: Path | None,
    database_path: Path | None,
    step_timeout: float,
    stack: ExitStack,
    reads: sqlite.Reads | None = None,
) -> tuple[Opener, str, list[sqlite.Integrity]]:
    """How to open the database the checks run on (again, if a worker had to be
    given up), how to name it, and (filled as it is opened) which integrity
    check a copied database passed; ``reads`` narrows that check."""
    checked: list[sqlite.Integrity] = []
    if database_path is not None:
        if schema is not None:
            raise UsageError.at(spec.source.at(()), "give either a schema or a database, not both")
        shown = display_path(database_path)
        workdir = stack.enter_context(private_folder())
        copy = sqlite.copy_files(database_path, shown, workdir)
        opened: list[Path] = []

        def copied(watch: Callable[[Watched], None]) -> Session:
            target = copy
            if opened and copy.stat().st_size > sqlite.IN_MEMORY_LIMIT:
                # Opened again after a worker was given up: a big copy is worked on in
                # place and may still be in use by it, so take a new copy of the original.
                folder = workdir / str(len(opened))
                folder.mkdir()
                target = sqlite.copy_files(database_path, shown, folder)
            opened.append(target)
            session = sqlite.open_copied(
                target, Location(shown), workdir, step_timeout, watch, reads
            )
            if session.integrity is not None and not checked:
                checked.append(session.integrity)
            return session

        return copied, shown, checked
    text, shown = read_schema(spec, schema)
    return _text_opener(text, shown, step_timeout, None), shown, checked


def _reads(spec: Spec) -> sqlite.Reads:
    """What a run of ``spec`` may read or write of a database: the tables its
    rules and machines name (a reference's parent too: the audit reads it, even
    where the database declares no foreign key), and every SQL statement it can run."""
    tables = [rule.name for rule in spec.tables]
    tables += [c.references.table for rule in spec.tables for c in rule.columns if c.references]
    tables += [machine.table for machine in spec.machines]
    sql = [
        sqltext.render(statement.text)
        for operation in spec.operations.values()
        for statement in operation.all_sql()
    ]
    sql += [invariant.query.text for invariant in spec.invariants]
    return sqlite.Reads(tuple(dict.fromkeys(tables)), tuple(dict.fromkeys(sql)))

"""The command line: argv -> load -> run -> reports on stdout and in files -> exit status.

Exit status: 0 every check passed, 1 a check failed or could not run,
2 unusable input or usage (every problem printed as ``file:line:col:
message`` on stderr, no report written) or an output that cannot be
written (standard output closed, full or a broken pipe, a report file on a
full disk: one line on stderr, the other outputs still written), 3 internal
error (a bug: the traceback goes to stderr), 130/143 interrupted by
SIGINT/SIGTERM. With several specs the status is the worst of them.

Everything that can be refused is refused before any check runs: the
``--report`` targets and ``--dump`` folder (:mod:`validator.outputs`), the
``-k`` expression and ``--id`` ids (:mod:`validator.selection`), the specs.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from . import __version__, commands, config
from .checks.base import Migration
from .checks.base import Target as CheckTarget
from .discover import expand, looks_like_spec, repository_root
from .errors import Location, Problem, UsageError, ValidatorError
from .model import Spec
from .outputs import (
    Dumper,
    FailureStore,
    Inputs,
    OutputError,
    ReportFiles,
    Target,
    check_dump,
    conflicts,
    destination,
    flush_stdout,
    open_standard_descriptors,
    parse_target,
    say,
    standard_output_identity,
    step_summary,
    write_stdout,
    write_text,
)
from .progress import Progress, for_terminal
from .reports import FORMATS, RenderOptions, render
from .reports.escape import visible
from .results import Overall, Planned, Report
from .runner import DEFAULT_AUDIT_TIMEOUT, Select, load_spec, plan, read_migrations, run
from .session import DEFAULT_STEP_TIMEOUT

if TYPE_CHECKING:  # imported where used: a plain run needs neither
    from . import baseline

EXIT_PASS, EXIT_FAIL, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_OUTPUT = 2
"""An output that cannot be written: the status grep, diff and cmp give "trouble"."""
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


def parser() -> commands.Parser:
    parser = commands.Parser(
        prog="validator",
        description="Check an SQLite schema or database against declarative YAML specs.",
        epilog=f"Other commands: {', '.join(f'validator {name}' for name in commands.NAMES)} "
        "(each with --help). Options can also be set in [tool.validator] of pyproject.toml. "
        "Exit status: 0 pass, 1 a check failed, 2 unusable input or an output that cannot be "
        "written, 3 internal error.",
    )
    parser.add_argument(
        "specs",
        nargs="*",
        type=Path,
        metavar="SPEC",
        help="spec files, or directories of them (default: specs in [tool.validator])",
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--schema", type=Path, metavar="PATH", help="apply this SQL schema instead of the spec's"
    )
    target.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="check a private copy of this existing SQLite database (never written)",
    )
    parser.add_argument(
        "--full-check",
        action="store_true",
        help="--db: PRAGMA quick_check of the whole file, not only of the tables the spec "
        "reads or writes (always so with --dump or --migrate)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="report on standard output (text)"
    )
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FORMAT:PATH",
        help="also write that report format to PATH (repeatable)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the checks (id and title) without running"
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="text: print only the checks that did not pass and the summary; no progress line",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="known failures recorded in FILE do not fail the gate (shown as warnings)",
    )
    parser.add_argument(
        "--write-baseline",
        action="store_true",
        help="record every check that does not pass in the --baseline FILE, and pass",
    )
    parser.add_argument(
        "--only-specs",
        action="store_true",
        help="skip named files that are not specs of this format (for pre-commit)",
    )
    parser.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        default="",
        help="run only checks whose id or title matches, as pytest's -k "
        "(an id such as t.unique(a,b) works as a word)",
    )
    parser.add_argument(
        "--id",
        dest="ids",
        action="append",
        default=[],
        metavar="ID",
        help="run only the check with exactly this id (repeatable; with -k, both must match)",
    )
    parser.add_argument(
        "--dump",
        type=Path,
        metavar="DIR",
        help="keep each criterion's final database as DIR/SPEC/CHECK.sql",
    )
    parser.add_argument(
        "--step-timeout",
        type=_seconds,
        default=DEFAULT_STEP_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit of one SQL statement of the spec or schema "
        f"(default {DEFAULT_STEP_TIMEOUT:g}); a step over it makes its check an error",
    )
    parser.add_argument(
        "--migrate",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="apply this SQL migration to the database under test first (repeatable, in "
        "order); a migration that does not apply fails its check",
    )
    parser.add_argument(
        "--audit",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="audit the existing rows against the rules the spec implies "
        "(default: with --db or --migrate)",
    )
    parser.add_argument(
        "--audit-timeout",
        type=_seconds,
        default=DEFAULT_AUDIT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit of one query over the whole database: an invariant or an audit "
        f"rule (default {DEFAULT_AUDIT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--store-failures",
        type=Path,
        metavar="DIR",
        help="write every row breaking an invariant or audit rule to DIR/SPEC/CHECK.csv",
    )
    parser.add_argument(
        "--junit-testcase-location",
        action="store_true",
        help="JUnit: also put file= and line= on each testcase (GitLab reads them; "
        "Jenkins' junit-10 schema does not allow them)",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report (auto: on a terminal, honouring NO_COLOR and FORCE_COLOR)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found {text!r}") from None
    if not 0 < value <= 24 * 3600:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 86400, found {text}")
    return value


def use_color(choice: str, stream: TextIO | None) -> bool:
    """``--color``: auto follows NO_COLOR, then FORCE_COLOR, then whether it is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


@dataclass
class _Run:
    """What one invocation has gathered so far."""

    problems: list[Problem] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)


class _Terminated(BaseException):
    """SIGTERM, turned into an exception so that clean-up code runs."""


@contextmanager
def _signals_as_exceptions() -> Iterator[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt and _Terminated, so that
    clean-up code runs. The checks run in a worker thread (see
    :mod:`validator.runner`), so the main thread takes the signal at once, even
    while SQLite is inside a long call, and stops the worker."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt() if signum == signal.SIGINT else _Terminated()

    try:
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def main(argv: Sequence[str] | None = None) -> int:
    open_standard_descriptors()
    status = _guarded(argv)
    # What argparse printed (--help, --version) is still buffered: a broken pipe
    # must show here, not as "Exception ignored" when Python exits.
    if not flush_stdout():
        return max(status, EXIT_OUTPUT) if status < EXIT_INTERNAL else status
    return status


def _guarded(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    execute: Callable[[argparse.Namespace], int] = _main
    name: str | None = None
    if words and words[0] in commands.NAMES:
        name = words[0]
        subcommand = commands.command(name)
        arguments = subcommand.parser(f"validator {name}")
        execute = subcommand.execute
        words = words[1:]
    else:
        arguments = parser()
    try:
        options = arguments.parse_args(words)
    except SystemExit as exc:  # argparse has printed the usage problem, help or version
        if getattr(arguments, "output_failed", False):
            return EXIT_OUTPUT
        return EXIT_INPUT if exc.code else EXIT_PASS
    try:
        problems = _configure(name, arguments, options, words)
    except ValidatorError as exc:
        problems = exc.problems
    if problems:
        return _fail(problems)
    if name is None and not options.specs:
        try:  # as argparse says of a missing argument: usage, then the error
            arguments.error(
                "the following arguments are required: SPEC (or specs in [tool.validator] "
                "of pyproject.toml)"
            )
        except SystemExit:
            return EXIT_INPUT
    try:
        with _signals_as_exceptions():
            return execute(options)
    except ValidatorError as exc:  # a subcommand's bad input
        return _fail(exc.problems)
    except KeyboardInterrupt:
        say("validator: interrupted")
        return EXIT_INTERRUPTED
    except _Terminated:
        say("validator: terminated")
        return EXIT_TERMINATED
    except Exception:
        say("validator: internal error (a bug; please report it):")
        if sys.stderr is not None:
            with suppress(OSError, ValueError):
                import traceback  # only for a bug

                traceback.print_exc(file=sys.stderr)
        return EXIT_INTERNAL


NOT_CONFIGURABLE = frozenset({"list", "only-specs", "id", "write-baseline"})
"""Options that say what one invocation does, not how the project runs: never in
``[tool.validator]``."""


def _configure(
    name: str | None,
    arguments: argparse.ArgumentParser,
    options: argparse.Namespace,
    words: list[str],
) -> list[Problem]:
    """Fill in from ``[tool.validator]`` (of the subcommand ``name``) what the
    command line did not give."""
    found = config.load(Path.cwd())
    if found.path is None:
        return []
    return read_config(found, name, arguments, options, config.given(arguments, words))


def read_config(
    found: config.Config,
    name: str | None,
    arguments: argparse.ArgumentParser,
    options: argparse.Namespace,
    explicit: set[str] | None = None,
) -> list[Problem]:
    """Apply ``found`` to the options of the command (``name`` None) or a
    subcommand: the keys are the long options, ``reports`` and ``migrations``
    the lists of ``--report`` and ``--migrate``."""
    main = name is None
    return config.apply(
        found,
        name,
        arguments,
        options,
        explicit or set(),
        excluded=NOT_CONFIGURABLE if main else frozenset(),
        rebase={"report": config.relative_target},
        keys={"report": "reports", "migrate": "migrations"} if main else {},
    )


def _main(options: argparse.Namespace) -> int:
    try:
        targets = [parse_target(text, FORMATS) for text in options.report]
        targets = step_summary(targets, os.environ)
        for folder in (options.dump, options.store_failures):
            if folder is not None:
                check_dump(folder)
        keyword = _keyword(options.keyword)
        paths = _spec_paths(options)
        migrations = read_migrations(options.migrate)
        known = _baseline(options)
    except ValidatorError as exc:
        return _fail(exc.problems)
    target = _target(options, migrations)
    if not paths:
        say("validator: no spec files to check")
        return EXIT_PASS
    state = _Run()
    specs = _load_all(paths, state)
    if state.problems:
        return _fail(state.problems)
    select = _select(keyword, options.ids, specs, state, target)
    dumpers = _check_outputs(options, paths, specs, targets, state)
    if state.problems:
        return _fail(state.problems)
    # The specs live until the process ends: keep the collector from walking
    # them over and over while the checks run.
    gc.freeze()
    if options.list:
        return EXIT_PASS if write_stdout(_listing(specs, select, target)) else EXIT_OUTPUT
    progress = for_terminal(sys.stderr, options.quiet or options.format != "text")
    try:
        with ReportFiles(targets) as files:
            try:
                _run_all(specs, options, select, dumpers, state, target, progress)
            finally:
                progress.clear()
            if state.problems:
                return _fail(state.problems)
            if not state.reports:
                return _fail([Problem(Location(" ".join(map(str, paths))), _no_match(options))])
            if known is None:
                return _emit(state.reports, options, files)
            return _gate(state.reports, known, _planned(known, specs, target), options, files)
    except ValidatorError as exc:  # a FIFO without a reader, a vanished device
        return _fail(exc.problems)


def _baseline(options: argparse.Namespace) -> baseline.Baseline | None:
    """``--baseline FILE``, read (and, with ``--write-baseline``, checked to be
    writable) before any work."""
    path: Path | None = options.baseline
    if path is None:
        if options.write_baseline:
            where = Location("--write-baseline")
            raise UsageError.at(where, "expected --baseline FILE (or baseline in [tool.validator])")
        return None
    from . import baseline

    if options.write_baseline:
        destination(path, Location(f"--baseline {path}"))
    return baseline.read(path, missing_ok=options.write_baseline)


def _planned(known: baseline.Baseline, specs: list[Spec], target: CheckTarget) -> set[baseline.Key]:
    """Every check the specs declare, chosen or not, as baseline entries."""
    return {known.key(spec.file, planned.id) for spec in specs for planned in plan(spec, target)}


def _gate(
    reports: list[Report],
    known: baseline.Baseline,
    planned: set[baseline.Key],
    options: argparse.Namespace,
    files: ReportFiles,
) -> int:
    """Reports through the baseline: known failures do not fail the gate. With
    ``--write-baseline``, the file is written first and the run judged by it."""
    from . import baseline

    if options.write_baseline:
        text = baseline.dump(reports, known, planned)
        try:
            write_text(destination(known.path, Location(f"--baseline {known.path}")), text,
                       Location(f"--baseline {known.path}"))  # fmt: skip
        except OutputError as exc:
            _tell(exc.problems)
            return EXIT_OUTPUT
        known = baseline.parse(text, known.path)
        say(f"validator: wrote {known.shown}: {len(known.known)} known failures")
    applied = baseline.apply(reports, known, planned)
    for line in baseline.notes(applied, known):
        say(line)
    return _emit(applied.reports, options, files, applied.keys())


def _target(options: argparse.Namespace, migrations: tuple[Migration, ...]) -> CheckTarget:
    """What the run checks: the audit (asked for, or by default with a database
    or migrations) and the migrations."""
    audit = options.audit
    if audit is None:
        audit = options.db is not None or bool(migrations)
    return CheckTarget(audit=audit, migrations=migrations)


def _check_outputs(
    options: argparse.Namespace,
    paths: list[Path],
    specs: list[Spec],
    targets: list[Target],
    state: _Run,
) -> dict[str, Dumper]:
    """Before any work: no report names an input of the run, standard output
    or another report; then the ``--dump`` writers, which must not write over
    any of these either."""
    inputs = _inputs(options, paths, specs)
    state.problems.extend(conflicts(targets, inputs))
    for target in targets:
        inputs.add(target.path, f"the report of --report {target.text}")
    return _dumpers(options, specs, inputs, state)


def _spec_paths(options: argparse.Namespace) -> list[Path]:
    """The spec files to run: those named (directories searched); with
    ``--only-specs``, the named files that are specs, and the specs that use
    one of the other named files (see :mod:`validator.affected`)."""
    paths = expand(options.specs)
    if not options.only_specs:
        return paths
    specs = [path for path in paths if looks_like_spec(path)]
    others = [path for path in paths if path not in specs]
    unique = {os.path.realpath(path): path for path in specs}
    from .affected import affected

    for path in affected(others, Path(), schema=options.schema):
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def _keyword(expression: str) -> Select | None:
    if not expression.strip():
        return None
    from .selection import SelectionError, compile_expression

    try:
        return compile_expression(expression)
    except SelectionError as exc:
        raise ValidatorError.at(Location(f"-k {expression}"), str(exc)) from None


def _select(
    keyword: Select | None, ids: list[str], specs: list[Spec], state: _Run, target: CheckTarget
) -> Select | None:
    """``-k`` and ``--id`` together (both must match); an unknown id is a problem."""
    if not ids:
        return keyword
    known = {planned.id for spec in specs for planned in plan(spec, target)}
    for check_id in dict.fromkeys(ids):
        if check_id not in known:
            where = Location(f"--id {check_id}")
            state.problems.append(Problem(where, _unknown_id(check_id, known)))
    wanted = frozenset(ids)
    if keyword is None:
        return lambda planned: planned.id in wanted
    return lambda planned: planned.id in wanted and keyword(planned)


def _unknown_id(check_id: str, known: set[str]) -> str:
    from .selection import near

    close = near(check_id, sorted(known))
    if not close:
        return "no check has this id (--list shows them)"
    return f"no check has this id; near: {', '.join(close)}"


def _no_match(options: argparse.Namespace) -> str:
    asked = [f"-k {options.keyword!r}"] if options.keyword.strip() else []
    asked += [f"--id {check_id}" for check_id in dict.fromkeys(options.ids)]
    return f"no check matches {' and '.join(asked)}"


def _inputs(options: argparse.Namespace, paths: list[Path], specs: list[Spec]) -> Inputs:
    """The files this run reads, and standard output when it is a regular file:
    no output may replace them."""
    inputs = Inputs()
    for path in paths:
        inputs.add(path, "a spec this run reads")
    if options.schema is not None:
        inputs.add(options.schema, f"the schema this run applies (--schema {options.schema})")
    for spec in specs:
        if spec.schema is not None:
            inputs.add(spec.schema, f"the schema of {spec.file}")
    if options.db is not None:
        inputs.add_database(options.db)
    for migration in options.migrate:
        inputs.add(migration, f"a migration this run applies (--migrate {migration})")
    if options.baseline is not None:
        inputs.add(options.baseline, f"the baseline of this run (--baseline {options.baseline})")
    if (identity := standard_output_identity()) is not None:
        inputs.add_identity(identity, "standard output, where --format writes")
    return inputs


def _dumpers(
    options: argparse.Namespace, specs: list[Spec], inputs: Inputs, state: _Run
) -> dict[str, Dumper]:
    """A ``--dump`` writer per spec (key: the spec file) and a ``--store-failures``
    one (key: the spec file after ``store:``), each folder checked before any work."""
    dumpers: dict[str, Dumper] = {}
    for spec in specs:
        for key, root, kind in (
            (spec.file, options.dump, Dumper),
            (f"store:{spec.file}", options.store_failures, FailureStore),
        ):
            if root is None:
                continue
            dumper = kind(root, spec.name, inputs)
            criteria = [p.id for p in plan(spec) if p.section == "criteria"]
            try:
                dumper.check(criteria if kind is Dumper else [])
            except ValidatorError as exc:
                state.problems.extend(exc.problems)
            dumpers[key] = dumper
    return dumpers


def _load_all(paths: list[Path], state: _Run) -> list[Spec]:
    specs = []
    for path in paths:
        try:
            specs.append(load_spec(path))
        except ValidatorError as exc:
            state.problems.extend(exc.problems)
    return specs


def _run_all(
    specs: list[Spec],
    options: argparse.Namespace,
    select: Select | None,
    dumpers: dict[str, Dumper],
    state: _Run,
    target: CheckTarget,
    progress: Progress,
) -> None:
    for index, spec in enumerate(specs, 1):
        progress.stage(f"[{index}/{len(specs)}] {spec.file}")
        store = dumpers.get(f"store:{spec.file}")
        try:
            report = run(
                spec,
                schema=options.schema,
                database_path=options.db,
                select=select,
                dump=dumpers.get(spec.file),
                step_timeout=options.step_timeout,
                migrations=target.migrations,
                audit=target.audit,
                audit_timeout=options.audit_timeout,
                store=store.store if isinstance(store, FailureStore) else None,
                progress=progress.count,
                full_check=options.full_check,
            )
        except ValidatorError as exc:
            state.problems.extend(exc.problems)
            continue
        if report.checks:
            state.reports.append(report)


def _listing(specs: list[Spec], select: Select | None, target: CheckTarget) -> str:
    lines: list[str] = []
    for spec in specs:
        chosen: list[Planned] = [p for p in plan(spec, target) if select is None or select(p)]
        if len(specs) > 1:
            lines.append(visible(f"{spec.file} ({len(chosen)} checks)"))
        shown = [(visible(p.id), visible(p.title)) for p in chosen]
        width = max((len(check_id) for check_id, _ in shown), default=0)
        lines.extend(f"{check_id.ljust(width)}  {title}" for check_id, title in shown)
    return "\n".join(lines) + ("\n" if lines else "")


def _emit(
    reports: list[Report],
    options: argparse.Namespace,
    files: ReportFiles,
    known: frozenset[tuple[str, str]] | None = None,
) -> int:
    """Standard output, then every report file (also when standard output failed)."""
    cwd = Path.cwd()
    plain = RenderOptions(
        junit_testcase_location=bool(options.junit_testcase_location),
        root=os.path.realpath(repository_root(cwd, os.environ)),
        cwd=os.path.realpath(cwd),
        baseline=known,
    )
    color = use_color(options.color, sys.stdout) if options.format == "text" else False
    stdout = replace(plain, color=color, quiet=bool(options.quiet))
    written = write_stdout(render(options.format, reports, stdout))
    for index, target in enumerate(files.targets):
        try:
            files.write(index, render(target.format, reports, plain))
        except OutputError as exc:
            _tell(exc.problems)
            written = False
    if not written:
        return EXIT_OUTPUT
    return EXIT_PASS if Overall.of(reports).verdict == "PASS" else EXIT_FAIL


def _tell(problems: list[Problem]) -> None:
    for problem in sorted(set(problems)):
        say(str(problem))


def _fail(problems: list[Problem]) -> int:
    _tell(problems)
    return EXIT_INPUT

"""The command line: argv -> load -> run -> reports on stdout and in files -> exit status.

Exit status: 0 every check passed, 1 a check failed or could not run,
2 unusable input or usage (every problem printed as ``file:line:col:
message`` on stderr, no report written), 3 internal error (a bug: the
traceback goes to stderr), 130/143 interrupted by SIGINT/SIGTERM. With
several specs the status is the worst of them.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TextIO

from . import __version__
from .checks.base import Target as CheckTarget
from .discover import expand, looks_like_spec
from .errors import Location, Problem, ValidatorError
from .model import Spec
from .outputs import Dumper, FailureStore, Target, parse_target, write_atomic
from .reports import FORMATS, RenderOptions, render
from .results import Overall, Planned, Report
from .runner import DEFAULT_AUDIT_TIMEOUT, Select, load_spec, plan, read_migrations, run
from .selection import SelectionError, compile_expression
from .session import DEFAULT_STEP_TIMEOUT

EXIT_PASS, EXIT_FAIL, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="validator",
        description="Check an SQLite schema or database against declarative YAML specs.",
        epilog="Exit status: 0 pass, 1 a check failed, 2 unusable input, 3 internal error.",
    )
    parser.add_argument(
        "specs", nargs="+", type=Path, metavar="SPEC", help="spec files, or directories of them"
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
        "--only-specs",
        action="store_true",
        help="skip named files that are not specs of this format (for pre-commit)",
    )
    parser.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        default="",
        help="run only checks whose id or title matches, as pytest's -k",
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


def use_color(choice: str, stream: TextIO) -> bool:
    """``--color``: auto follows NO_COLOR, then FORCE_COLOR, then whether it is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


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
    try:
        options = parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage problem
        return EXIT_INPUT if exc.code else EXIT_PASS
    try:
        with _signals_as_exceptions():
            return _main(options)
    except KeyboardInterrupt:
        print("validator: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        print("validator: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except Exception:
        print("validator: internal error (a bug; please report it):", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return EXIT_INTERNAL


def _main(options: argparse.Namespace) -> int:
    try:
        targets = [parse_target(text, FORMATS) for text in options.report]
        select = _selector(options.keyword)
        paths = expand(options.specs)
        if options.only_specs:
            paths = [path for path in paths if looks_like_spec(path)]
            if not paths:
                print("validator: no spec files to check", file=sys.stderr)
                return EXIT_PASS
        for option, folder in (
            ("--dump", options.dump),
            ("--store-failures", options.store_failures),
        ):
            if folder is not None and folder.exists() and not folder.is_dir():
                raise ValidatorError.at(Location(str(folder)), f"{option} needs a directory")
        migrations = read_migrations(options.migrate)
    except ValidatorError as exc:
        return _fail(exc.problems)
    state = _Run()
    specs = _load_all(paths, state)
    if state.problems:
        return _fail(state.problems)
    # The specs live until the process ends: keep the collector from walking
    # them over and over while the checks run.
    gc.freeze()
    if options.list:
        audit = options.audit
        if audit is None:
            audit = options.db is not None or bool(migrations)
        sys.stdout.write(_listing(specs, select, CheckTarget(audit, migrations)))
        return EXIT_PASS
    for spec in specs:
        dump = Dumper(options.dump, spec.name) if options.dump is not None else None
        store = None
        if options.store_failures is not None:
            store = FailureStore(options.store_failures, spec.name)
        try:
            report = run(
                spec,
                schema=options.schema,
                database_path=options.db,
                select=select,
                dump=dump,
                step_timeout=options.step_timeout,
                migrations=migrations,
                audit=options.audit,
                audit_timeout=options.audit_timeout,
                store=store,
            )
        except ValidatorError as exc:
            state.problems.extend(exc.problems)
            continue
        if report.checks:
            state.reports.append(report)
    if state.problems:
        return _fail(state.problems)
    if not state.reports:
        where = Location(" ".join(str(path) for path in paths))
        return _fail([Problem(where, f"no check matches -k {options.keyword!r}")])
    return _emit(state.reports, options, targets)


def _selector(keyword: str) -> Select | None:
    if not keyword.strip():
        return None
    try:
        return compile_expression(keyword)
    except SelectionError as exc:
        raise ValidatorError.at(Location(f"-k {keyword}"), str(exc)) from None


def _load_all(paths: list[Path], state: _Run) -> list[Spec]:
    specs = []
    for path in paths:
        try:
            specs.append(load_spec(path))
        except ValidatorError as exc:
            state.problems.extend(exc.problems)
    return specs


def _listing(specs: list[Spec], select: Select | None, target: CheckTarget) -> str:
    lines: list[str] = []
    for spec in specs:
        chosen: list[Planned] = [p for p in plan(spec, target) if select is None or select(p)]
        if len(specs) > 1:
            lines.append(f"{spec.file} ({len(chosen)} checks)")
        width = max((len(p.id) for p in chosen), default=0)
        lines.extend(f"{p.id.ljust(width)}  {p.title}" for p in chosen)
    return "\n".join(lines) + ("\n" if lines else "")


def _emit(reports: list[Report], options: argparse.Namespace, targets: list[Target]) -> int:
    located = bool(options.junit_testcase_location)
    color = use_color(options.color, sys.stdout) if options.format == "text" else False
    stdout = RenderOptions(color=color, junit_testcase_location=located)
    sys.stdout.write(render(options.format, reports, stdout))
    sys.stdout.flush()
    files = RenderOptions(junit_testcase_location=located)
    for target in targets:
        write_atomic(target.path, render(target.format, reports, files))
    return EXIT_PASS if Overall.of(reports).verdict == "PASS" else EXIT_FAIL


def _fail(problems: list[Problem]) -> int:
    for problem in sorted(set(problems)):
        print(problem, file=sys.stderr)
    return EXIT_INPUT

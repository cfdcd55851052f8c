"""``validator mutate SPEC``: how many single-edit breaks of the schema the spec notices.

Options are read here and the work is :func:`validator.mutation.score`; the
reports are :mod:`validator.reports.mutation`. Exit status: 0 once the run
completes, 1 when the spec does not pass on the schema as written (nothing to
score) or the score is below ``--fail-under`` (or a mutant could not be run),
2 bad input (located, as for the main command).
"""

from __future__ import annotations

import argparse
import gc
from pathlib import Path

from ..errors import Location, Problem, UsageError, ValidatorError
from ..mutants import Mutant
from ..mutation import (
    MutationReport,
    OriginalFails,
    SelectMutant,
    default_jobs,
    mutants_of,
    score,
)
from ..outputs import say, write_stdout
from ..reports.mutation import FORMATS, percent, render
from ..results import Report
from ..runner import load_spec, read_schema
from ..selection import SelectionError, compile_expression, near
from . import Parser

EXIT_DONE, EXIT_BELOW, EXIT_INPUT = 0, 1, 2


def parser(prog: str) -> argparse.ArgumentParser:
    parser = Parser(
        prog=prog,
        description="Break the schema one edit at a time and report every edit no check "
        "of the spec notices (a score, and each survivor at its schema line).",
        epilog="Exit status: 0 the run completed, 1 the spec does not pass on the schema as "
        "written or the score is below --fail-under, 2 unusable input.",
    )
    parser.add_argument("spec", type=Path, metavar="SPEC", help="the spec file")
    parser.add_argument(
        "--schema", type=Path, metavar="PATH", help="mutate this SQL schema instead of the spec's"
    )
    parser.add_argument(
        "--fail-under",
        type=_percent,
        metavar="PCT",
        help="exit 1 when the score is below PCT percent (0-100), or a mutant could not run",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="report on standard output (text)"
    )
    parser.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        default="",
        help="run only the mutants whose id or rule matches, as pytest's -k "
        "(e.g. -k 'orders.state and not drop-check-value')",
    )
    parser.add_argument(
        "--id",
        dest="ids",
        action="append",
        default=[],
        metavar="ID",
        help="run only the mutant with exactly this id (repeatable; with -k, both must match)",
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="also list the tables, columns, constraints and triggers no check exercises",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="run mutants across N processes (default: the machine's cores)",
    )
    return parser


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage, found {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, found {text}")
    return value


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of processes, found {text!r}"
        ) from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"expected 1 to 1024 processes, found {text}")
    return value


def execute(options: argparse.Namespace) -> int:
    spec = load_spec(options.spec)
    text, shown = read_schema(spec, options.schema)
    select = selection(options.keyword, options.ids, mutants_of(text, shown), shown)
    gc.freeze()  # the spec lives until the end: keep the collector from walking it
    try:
        report = score(
            spec,
            text,
            shown,
            select=select,
            coverage=options.coverage,
            jobs=options.jobs or default_jobs(),
        )
    except OriginalFails as exc:
        again = f"validator {exc.report.spec}"
        if options.schema is not None:
            again += f" --schema {exc.report.schema}"
        for line in original_fails(exc.report, again):
            say(line)
        return EXIT_BELOW
    if not write_stdout(render(options.format, report)):
        return EXIT_INPUT
    return _gate(report, options.fail_under)


def _gate(report: MutationReport, fail_under: float | None) -> int:
    """``--fail-under``: the score must reach it, and every mutant must have run."""
    if fail_under is None:
        return EXIT_DONE
    if not report.complete:
        say(
            f"--fail-under {fail_under:g}: {report.count('error')} mutants could not be run, "
            "so the score is not known"
        )
        return EXIT_BELOW
    if report.score * 100 < fail_under:
        say(f"--fail-under {fail_under:g}: the score {percent(report.score)} is below it")
        return EXIT_BELOW
    return EXIT_DONE


def selection(
    keyword: str, ids: list[str], mutants: list[Mutant], schema: str
) -> SelectMutant | None:
    """``-k`` and ``--id`` over mutants (both must match); an expression that does
    not parse, an unknown id or nothing selected is refused, located at the option."""
    chosen: SelectMutant | None = None
    if keyword.strip():
        try:
            chosen = compile_expression(keyword)
        except SelectionError as exc:
            raise UsageError.at(Location(f"-k {keyword}"), str(exc)) from None
    if ids:
        known = [mutant.id for mutant in mutants]
        problems = [
            Problem(Location(f"--id {mutant_id}"), _unknown(mutant_id, known, schema))
            for mutant_id in dict.fromkeys(ids)
            if mutant_id not in known
        ]
        if problems:
            raise ValidatorError(problems)
        wanted, keyed = frozenset(ids), chosen
        chosen = lambda mutant: mutant.id in wanted and (keyed is None or keyed(mutant))  # noqa: E731
    if chosen is not None and not any(map(chosen, mutants)):
        asked = [f"-k {keyword!r}"] if keyword.strip() else []
        asked += [f"--id {mutant_id}" for mutant_id in dict.fromkeys(ids)]
        raise UsageError.at(
            Location(" ".join(asked)), f"no mutant of {schema} matches {' and '.join(asked)}"
        )
    return chosen


def _unknown(mutant_id: str, known: list[str], schema: str) -> str:
    close = near(mutant_id, known)
    hint = f"; near: {', '.join(close)}" if close else ""
    return f"no mutant of {schema} has this id{hint}"


def original_fails(report: Report, again: str) -> list[str]:
    """What to say when the spec does not pass on the schema as written (``again``:
    the command that shows why)."""
    failing = [check for check in report.checks if check.outcome in ("fail", "error")]
    lines = [
        f"{report.spec}: the spec does not pass on {report.schema} as written "
        f"({len(failing)} of {len(report.checks)} checks did not pass); a mutation score "
        f"of a failing spec means nothing: make it pass first ({again} shows why)"
    ]
    for check in failing:
        lines.append(f"  {check.outcome.upper()}  {check.display_title}  [{check.id}]")
        lines.extend(f"    {finding.location}: {finding}" for finding in check.findings)
    return lines

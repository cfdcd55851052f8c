"""The command line: argv -> run -> report on stdout -> exit status.

Exit status: 0 every check passed, 1 a check failed or could not run,
2 unusable input or usage (the problems are printed as ``file:line:col:
message`` on stderr), 3 internal error (a bug: the traceback goes to stderr).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import ValidatorError
from .reports import REPORTERS, render
from .runner import load_spec, run

EXIT_PASS, EXIT_FAIL, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="validator",
        description="Check an SQLite schema against a declarative YAML spec.",
        epilog="Exit status: 0 pass, 1 a check failed, 2 unusable input, 3 internal error.",
    )
    parser.add_argument("spec", type=Path, help="the spec file (YAML)")
    parser.add_argument(
        "--schema",
        type=Path,
        metavar="PATH",
        help="apply this SQL schema instead of the one the spec names",
    )
    parser.add_argument(
        "--format",
        choices=sorted(REPORTERS),
        default="text",
        help="report format on standard output (default: text)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        options = parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage problem
        return EXIT_INPUT if exc.code else EXIT_PASS
    try:
        spec = load_spec(options.spec)
        report = run(spec, schema=options.schema)
        sys.stdout.write(render(options.format, report))
    except ValidatorError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception:
        print("validator: internal error (a bug; please report it):", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_PASS if report.verdict == "PASS" else EXIT_FAIL

"""``validator init``: write a first spec, from a schema or a database, that passes.

The work is :func:`validator.initspec.generate`; this module reads the options,
checks the output before any work (``-o`` must not name an input of the run,
nor an existing file without ``--force``), and writes the spec: to standard
output, or to ``-o`` whole or not at all (see :mod:`validator.outputs`).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..errors import Location, UsageError
from ..initspec import Request, generate
from ..outputs import (
    Destination,
    Identity,
    Inputs,
    create_file,
    destination,
    say,
    write_stdout,
    write_text,
)
from . import Parser

EXIT_FAILING = 1
"""The spec was written, but some of its checks fail on what it was made from."""


def parser(prog: str) -> argparse.ArgumentParser:
    parser = Parser(
        prog=prog,
        description=(
            "Write a first spec for a schema or a database: its tables exactly, its "
            "lifecycles as state machines, operations and fixtures, and criteria to adapt. "
            "The spec passes on what it was made from."
        ),
        epilog="Exit status: 0 written, 1 written but some checks fail there, 2 unusable input "
        "or an output that cannot be written.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--schema", type=Path, metavar="PATH", help="an SQL schema file")
    source.add_argument(
        "--db", type=Path, metavar="PATH", help="an SQLite database (only a copy is opened)"
    )
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="write the spec here (default: stdout)"
    )
    parser.add_argument(
        "--tables",
        metavar="NAME,...",
        help="only these tables (and the parents their rows need)",
    )
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")
    return parser


def execute(options: argparse.Namespace) -> int:
    spelled: str | None = options.output
    output = Path(spelled) if spelled is not None else None
    target = _target(options, spelled) if spelled is not None else None
    request = Request(
        schema=options.schema,
        database=options.db,
        output=output,
        tables=_tables(options.tables),
    )
    result = generate(request)
    if target is None:
        if not write_stdout(result.text):
            return 2
    else:
        assert spelled is not None
        where = _where(spelled)
        if options.force or target.stream:
            write_text(target, result.text, where)
        else:
            create_file(target.real, result.text, where)
    for check in result.failing:
        say(f"{check.location}: {check.id}: {check.message}")
    if result.failing:
        count = len(result.failing)
        say(f"validator init: the spec fails {count} check(s) on what it was made from")
        return EXIT_FAILING
    return 0


def _where(spelled: str) -> Location:
    return Location(f"-o {spelled}")


def _tables(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        raise UsageError.at(
            Location(f"--tables {text}"), "expected table names separated by commas"
        )
    return names


def _target(options: argparse.Namespace, spelled: str) -> Destination:
    """Where ``-o`` writes, refused before any work if it is an input of the run or
    (without ``--force``) an existing file."""
    output = Path(spelled)
    where = _where(spelled)
    if not spelled or spelled.endswith(("/", os.sep)):
        raise UsageError.at(where, f"{spelled!r} names a directory, expected a file path")
    target = destination(output, where)
    inputs = Inputs()
    if options.schema is not None:
        inputs.add(options.schema, f"the schema this run reads (--schema {options.schema})")
    if options.db is not None:
        inputs.add_database(options.db)
    what = inputs.find(Identity.of(output))
    if what is not None:
        raise UsageError.at(where, f"{output} is {what}; choose another path")
    if not target.stream and not options.force and os.path.lexists(target.real):
        raise UsageError.at(where, f"{output} exists; it is left alone (--force replaces it)")
    return target

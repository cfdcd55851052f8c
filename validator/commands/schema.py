"""``validator schema``: print the JSON Schema of the spec format (or of the JSON
report, or of the ``validator mutate`` JSON report), for editors and
``check-jsonschema``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..outputs import write_stdout
from . import Parser

_FILES = {
    "spec": "spec.schema.json",
    "report": "report.schema.json",
    "mutation": "mutation.schema.json",
}


def parser(prog: str) -> argparse.ArgumentParser:
    parser = Parser(
        prog=prog,
        description="Print the JSON Schema of the spec format, or of a JSON report.",
    )
    parser.add_argument(
        "which", nargs="?", choices=tuple(_FILES), default="spec", help="which schema (spec)"
    )
    return parser


def execute(options: argparse.Namespace) -> int:
    text = (Path(__file__).parent.parent / _FILES[options.which]).read_text("utf-8")
    return 0 if write_stdout(text) else 2

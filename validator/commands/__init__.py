"""Subcommands beside ``validator SPEC...``: ``validator NAME ARGS...``.

Each is a module here with ``parser(prog) -> argparse.ArgumentParser`` and
``execute(options) -> int`` (an exit status); :func:`validator.cli.main`
parses, runs it with signals as exceptions, and turns bad input
(:class:`~validator.errors.ValidatorError`) into located lines and exit 2,
as for the main command. A spec file named like a subcommand is given with a
path (``./mutate``).
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from ..outputs import write_stdout

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

NAMES = ("schema", "mutate", "init")
"""The subcommands, in the order the help lists them."""


class Command(Protocol):
    def parser(self, prog: str) -> argparse.ArgumentParser: ...

    def execute(self, options: argparse.Namespace) -> int: ...


def command(name: str) -> Command:
    """The module of subcommand ``name`` (imported only when used)."""
    module: Command = import_module(f"{__name__}.{name}")
    return module


class Parser(argparse.ArgumentParser):
    """argparse, except that help or a version that cannot be written to standard
    output (a broken pipe, a full disk) is an output error, not silently lost:
    argparse itself swallows the OSError."""

    output_failed = False

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message and file is not None and file is sys.stdout:
            self.output_failed |= not write_stdout(message)
            return
        super()._print_message(message, file)

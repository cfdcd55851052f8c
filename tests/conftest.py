"""Shared test helpers: run the CLI in-process, locate the shipped files."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from validator.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "test_task_session.yaml"
SCHEMA = ROOT / "schema.sql"


@dataclass(frozen=True)
class Outcome:
    """What a CLI run printed and its exit status."""

    status: int
    out: str
    err: str


RunCli = Callable[..., Outcome]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Call ``validator.cli.main`` with string arguments; capture its output."""

    def run(*args: str | Path) -> Outcome:
        capsys.readouterr()
        status = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

    return run


@pytest.fixture
def python() -> str:
    return sys.executable

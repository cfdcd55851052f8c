"""Shared test helpers: run the CLI in-process, locate the shipped files."""

from __future__ import annotations

import compileall
import gc
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from validator import load_spec, patterns, run, runner
from validator.cli import main
from validator.results import Report
from validator.runner import plan

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "test_task_session.yaml"
SCHEMA = ROOT / "schema.sql"

SHIPPED = len(plan(load_spec(SPEC)))
"""How many checks the shipped spec declares (on a schema: no audit, no migrations)."""
REFUSALS = 15
"""How many of them fail on the shipped schema without its transition trigger."""


@dataclass(frozen=True)
class Outcome:
    """What a CLI run printed and its exit status."""

    status: int
    out: str
    err: str


RunCli = Callable[..., Outcome]

TRIGGER = "CREATE TRIGGER agent_sessions_status_transition"


def shipped_report(root: Path, *, trigger: bool) -> Report:
    """Run the shipped spec with ``root`` as the working directory, with or without
    the transition trigger (without it, exactly the 15 refusal checks fail), so
    that every path in the report is relative and the report is reproducible.

    The caller must have changed into ``root`` (``monkeypatch.chdir``).
    """
    schema = SCHEMA.read_text("utf-8")
    if not trigger:
        schema = schema[: schema.index(TRIGGER)]
    (root / "spec").mkdir(exist_ok=True)
    (root / "schema.sql").write_text(schema, "utf-8")
    (root / "spec" / SPEC.name).write_text(SPEC.read_text("utf-8"), "utf-8")
    return run(load_spec(Path("spec") / SPEC.name))


@pytest.fixture
def no_trigger(tmp_path: Path) -> Path:
    """The shipped schema without its transition trigger (the 15 refusals fail)."""
    schema = SCHEMA.read_text("utf-8")
    path = tmp_path / "no_trigger.sql"
    path.write_text(schema[: schema.index(TRIGGER)], "utf-8")
    return path


GOLDEN = ROOT / "tests" / "golden"


def assert_golden(name: str, rendered: str) -> None:
    """``rendered`` equals ``tests/golden/NAME``; with ``UPDATE_GOLDEN=1`` it is
    written there first (review the diff)."""
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(rendered, "utf-8")
    assert rendered == golden.read_text("utf-8")


@pytest.fixture(params=["pass", "fail"])
def outcome_report(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Report]:
    """``("pass", report)`` of the shipped spec, then ``("fail", report)`` of it
    against the schema without its trigger; paths in them are relative."""
    monkeypatch.chdir(tmp_path)
    name: str = request.param
    return name, shipped_report(tmp_path, trigger=name == "pass")


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Call ``validator.cli.main`` with string arguments; capture its output."""

    def run(*args: str | Path) -> Outcome:
        capsys.readouterr()
        status = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

    return run


@pytest.fixture(scope="session", autouse=True)
def _bytecode_cache_for_subprocesses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Python processes the tests start compile the package once per session, into
    a folder of the session's temporary directory, not once per process (these
    machines set ``PYTHONDONTWRITEBYTECODE``); nothing is written to the tree."""
    prefix = str(tmp_path_factory.mktemp("pycache"))
    with pytest.MonkeyPatch.context() as patch:
        # Compiled here first, so that no test's first child pays for it: the
        # package, and what a run imports (the prefix replaces every __pycache__).
        patch.setattr(sys, "pycache_prefix", prefix)
        compileall.compile_dir(ROOT / "validator", quiet=1)
        patch.undo()
        patch.setenv("PYTHONPYCACHEPREFIX", prefix)
        patch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        warm = [sys.executable, "-m", "validator", str(SPEC)]
        subprocess.run(warm, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        yield


SHORT_GRACE = 0.2
"""Seconds past the step timeout after which tests count a statement as stuck in
one SQL function call (the product waits :data:`validator.runner.GRACE`)."""

SHORT_PATTERN_BUDGET = 0.1
"""Seconds of pattern matching per expectation in tests that must run out of
it (the product allows :data:`validator.patterns.BUDGET`)."""


@pytest.fixture
def short_grace(monkeypatch: pytest.MonkeyPatch) -> float:
    """The watchdog's grace cut to :data:`SHORT_GRACE` for this test: a test of a
    statement stuck in one call waits for the grace, not for the product's second.
    What is tested is unchanged (the call still outlasts timeout and grace)."""
    monkeypatch.setattr(runner, "GRACE", SHORT_GRACE)
    return SHORT_GRACE


@pytest.fixture
def short_pattern_budget(monkeypatch: pytest.MonkeyPatch) -> float:
    """The pattern budget cut to :data:`SHORT_PATTERN_BUDGET` for a test whose
    pattern backtracks without end (it would outlast any budget)."""
    monkeypatch.setattr(patterns, "BUDGET", SHORT_PATTERN_BUDGET)
    return SHORT_PATTERN_BUDGET


@pytest.fixture
def python() -> str:
    return sys.executable


pytest_plugins = ("pytester",)
"""``pytester`` runs pytest in-process for the plugin's tests."""


@pytest.fixture(autouse=True)
def _nothing_stays_frozen() -> Iterator[None]:
    """The plugin freezes the collector's view after collecting specs; an inner
    pytest run in this process (``pytester``) must not leave the outer one so."""
    yield
    gc.unfreeze()

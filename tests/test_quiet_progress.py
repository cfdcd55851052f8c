"""``-q`` prints only what did not pass and the summary; the progress line shows
on a terminal a person watches and nowhere else, drawn by the main thread."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT, SHIPPED, SPEC, RunCli

from validator import load_spec, run
from validator.progress import Progress, wanted


def test_quiet_passing_run_is_the_summary_alone(run_cli: RunCli) -> None:
    result = run_cli(SPEC, "-q")
    assert result.status == 0
    assert result.out.startswith(f"PASS: {SHIPPED} checks, {SHIPPED} passed, 0 failed, 0 errors (")
    assert result.out.count("\n") == 1


def test_quiet_failing_run_shows_only_the_failures(run_cli: RunCli, no_trigger: Path) -> None:
    loud = run_cli(SPEC, "--schema", no_trigger).out
    quiet = run_cli(SPEC, "--schema", no_trigger, "-q").out
    assert "PASS " not in quiet and "PASS " in loud
    assert quiet.count("FAIL  ") == loud.count("FAIL  ") == 15
    assert quiet.splitlines()[-1] == loud.splitlines()[-1]
    assert set(quiet.splitlines()) <= set(loud.splitlines())


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("environ", "quiet", "tty", "shown"),
    [
        ({"TERM": "xterm"}, False, True, True),
        ({"TERM": "xterm", "CI": "true"}, False, True, False),
        ({"TERM": "xterm", "CI": "1"}, False, True, False),
        ({"TERM": "xterm", "CI": "false"}, False, True, True),
        ({"TERM": "dumb"}, False, True, False),
        ({"TERM": "xterm"}, True, True, False),
        ({"TERM": "xterm"}, False, False, False),
    ],
)
def test_when_progress_is_wanted(
    environ: dict[str, str], quiet: bool, tty: bool, shown: bool
) -> None:
    stream = _Terminal() if tty else io.StringIO()
    assert wanted(stream, environ, quiet) is shown


def test_progress_counts_checks_from_the_calling_thread() -> None:
    stream = _Terminal()
    progress = Progress(stream, True)
    progress.stage("[1/1] spec")
    threads: set[int] = set()

    def count(done: int, total: int) -> None:
        threads.add(threading.get_ident())
        progress.count(done, total)

    report = run(load_spec(SPEC), progress=count)
    progress.clear()
    assert threads == {threading.get_ident()}  # never the worker thread
    text = stream.getvalue()
    assert text.startswith("\rvalidator: [1/1] spec\x1b[K")
    assert f"/{len(report.checks)} checks" in text
    assert text.endswith("\r\x1b[K")  # erased before anything else is written


def test_progress_from_another_thread_is_refused() -> None:
    progress = Progress(_Terminal(), True)
    errors: list[BaseException] = []

    def draw() -> None:
        try:
            progress.stage("x")
        except AssertionError as exc:
            errors.append(exc)

    thread = threading.Thread(target=draw)
    thread.start()
    thread.join()
    assert errors


def test_no_progress_in_a_pipe_or_a_file(run_cli: RunCli) -> None:
    result = run_cli(SPEC)
    assert "\r" not in result.err and "\x1b" not in result.err


def _on_a_terminal(*args: str, env: dict[str, str]) -> tuple[str, str]:
    """Run the CLI with standard error on a pseudo-terminal; (stdout, what the terminal got)."""
    leader, follower = pty.openpty()
    done = subprocess.Popen(
        [sys.executable, "-m", "validator", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    out = done.communicate()[0]
    os.close(leader)
    return out.decode(), seen.decode("utf-8", "replace")


def test_progress_on_a_real_terminal_and_not_in_ci() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"TERM": "xterm"}
    out, terminal = _on_a_terminal("spec/test_task_session.yaml", env=env)
    assert "validator: [1/1] spec/test_task_session.yaml" in terminal
    assert terminal.endswith("\r\x1b[K")
    assert "\r" not in out and "validator: [" not in out  # never on standard output
    _, in_ci = _on_a_terminal("spec/test_task_session.yaml", env=env | {"CI": "true"})
    assert in_ci == ""
    _, machine = _on_a_terminal("spec/test_task_session.yaml", "--format", "json", env=env)
    assert machine == ""

"""Output that cannot be written (a broken pipe, a closed or full standard output,
a full disk) ends with one line on stderr and exit status 2, never a traceback,
and the --report files are still written."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RunCli

TINY_SPEC = """\
version: 1
name: tiny
schema: schema.sql
tables:
  t:
    columns:
      id: {type: TEXT}
"""


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id TEXT);\n", "utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text(TINY_SPEC, "utf-8")
    return spec


class _Failing(io.StringIO):
    """A standard output whose writes (or flushes) fail with ``error``."""

    def __init__(self, error: OSError, *, at_flush: bool = False) -> None:
        super().__init__()
        self.error = error
        self.at_flush = at_flush

    def write(self, text: str) -> int:
        if not self.at_flush:
            raise self.error
        return super().write(text)

    def flush(self) -> None:
        if self.at_flush:
            raise self.error


def _os_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (_Failing(BrokenPipeError(errno.EPIPE, "Broken pipe")), ""),
        (
            _Failing(_os_error(errno.EBADF)),
            "standard output: cannot write: Bad file descriptor\n",
        ),
        (
            _Failing(_os_error(errno.ENOSPC), at_flush=True),
            "standard output: cannot write: No space left on device\n",
        ),
        (None, "standard output: cannot write: it is closed\n"),
    ],
    ids=["broken-pipe", "bad-descriptor", "full-at-flush", "closed"],
)
def test_stdout_that_fails_still_writes_the_report_files(
    run_cli: RunCli,
    tiny: Path,
    monkeypatch: pytest.MonkeyPatch,
    stream: io.StringIO | None,
    message: str,
) -> None:
    report = tiny.parent / "out.json"
    monkeypatch.setattr(sys, "stdout", stream)
    result = run_cli(tiny, "--report", f"json:{report}")
    assert (result.status, result.err) == (2, message)
    assert '"verdict": "PASS"' in report.read_text("utf-8")


def test_list_on_a_failing_stdout(
    run_cli: RunCli, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", _Failing(_os_error(errno.ENOSPC)))
    result = run_cli(tiny, "--list")
    assert result.status == 2
    assert result.err == "standard output: cannot write: No space left on device\n"


def test_stdout_and_stderr_both_closed(
    run_cli: RunCli, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert run_cli(tiny).status == 2


def test_unencodable_stdout_is_an_output_error(
    run_cli: RunCli, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ascii_out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", ascii_out)
    result = run_cli(tiny, "--format", "markdown")  # the verdict icon is not ASCII
    assert result.status == 2
    assert result.err == (
        "standard output: cannot write: its encoding ascii cannot show the report "
        "(set PYTHONIOENCODING=utf-8)\n"
    )


# -- real processes ------------------------------------------------------------------


def _validator(tiny: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "validator", *args],
        cwd=tiny.parent,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        **kwargs,
    )


def _closed_pipe() -> int:
    """The write end of a pipe whose read end is already closed: every write is EPIPE."""
    read, write = os.pipe()
    os.close(read)
    return write


@pytest.mark.parametrize("args", [["spec.yaml"], ["spec.yaml", "--list"], ["--help"]])
def test_closed_pipe_is_quiet_and_exits_2(tiny: Path, args: list[str]) -> None:
    report = tiny.parent / "out.json"
    pipe = _closed_pipe()
    try:
        extra = ["--report", f"json:{report}"] if args[0] == "spec.yaml" else []
        done = _validator(tiny, *args, *extra, stdout=pipe)
    finally:
        os.close(pipe)
    assert (done.returncode, done.stderr) == (2, "")  # no "Exception ignored ..."
    if extra and "--list" not in args:
        assert '"verdict": "PASS"' in report.read_text("utf-8")


def test_closed_stdout_in_a_real_process(tiny: Path) -> None:
    done = subprocess.run(
        ["sh", "-c", f'exec "{sys.executable}" -m validator spec.yaml >&-'],
        cwd=tiny.parent,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (2, "standard output: cannot write: it is closed\n")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_stdout_in_a_real_process(tiny: Path) -> None:
    with Path("/dev/full").open("w") as full:
        done = _validator(tiny, "spec.yaml", stdout=full)
    assert (done.returncode, done.stderr) == (
        2,
        "standard output: cannot write: No space left on device\n",
    )

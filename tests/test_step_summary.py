"""``--report markdown:$GITHUB_STEP_SUMMARY`` appends: a step summary is added to,
never replaced, and the appended report follows every other rule of report files."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from conftest import RunCli

from validator import outputs

TINY_SPEC = """\
version: 1
name: tiny
schema: schema.sql
tables:
  t:
    columns:
      id: {type: TEXT}
"""

EARLIER = "## Tests\n\nAll green.\n"


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id TEXT);\n", "utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text(TINY_SPEC, "utf-8")
    return spec


@pytest.fixture
def summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The step summary file, as the runner makes it, with an earlier step's text."""
    path = tmp_path / "step_summary"
    path.write_text(EARLIER, "utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    return path


def test_the_step_summary_is_appended_to(run_cli: RunCli, tiny: Path, summary: Path) -> None:
    result = run_cli(tiny, "--report", f"markdown:{summary}")
    assert (result.status, result.err) == (0, "")
    text = summary.read_text("utf-8")
    assert text.startswith(EARLIER + "\n## ✅ PASS: tiny")  # a blank line between the two
    assert text.count("## ✅ PASS") == 1


def test_two_runs_in_one_step_both_stay(run_cli: RunCli, tiny: Path, summary: Path) -> None:
    run_cli(tiny, "--report", f"markdown:{summary}")
    run_cli(tiny, "--report", f"markdown:{summary}")
    text = summary.read_text("utf-8")
    assert text.startswith(EARLIER)
    assert text.count("## ✅ PASS: tiny") == 2


def test_any_spelling_of_the_summary_path_appends(
    run_cli: RunCli, tiny: Path, summary: Path
) -> None:
    link = tiny.parent / "link"
    link.symlink_to(summary.name)
    result = run_cli(tiny, "--report", "markdown:link")
    assert result.status == 0
    assert link.is_symlink()
    assert summary.read_text("utf-8").startswith(EARLIER + "\n## ✅ PASS")


def test_a_summary_not_yet_made_is_created(
    run_cli: RunCli, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tiny.parent / "new_summary"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    assert run_cli(tiny, "--report", f"markdown:{path}").status == 0
    assert path.read_text("utf-8").startswith("## ✅ PASS")


def test_other_report_files_are_still_replaced(run_cli: RunCli, tiny: Path, summary: Path) -> None:
    other = tiny.parent / "other.md"
    other.write_text("old\n", "utf-8")
    result = run_cli(tiny, "--report", f"markdown:{other}", "--report", f"markdown:{summary}")
    assert result.status == 0
    assert other.read_text("utf-8").startswith("## ✅ PASS")
    assert summary.read_text("utf-8").startswith(EARLIER)


def test_without_the_variable_the_same_file_is_replaced(
    run_cli: RunCli, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    path = tiny.parent / "summary.md"
    path.write_text(EARLIER, "utf-8")
    assert run_cli(tiny, "--report", f"markdown:{path}").status == 0
    assert path.read_text("utf-8").startswith("## ✅ PASS")


def test_a_full_disk_leaves_the_summary_as_it_was(
    run_cli: RunCli, tiny: Path, summary: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write

    def half_then_full(fd: int, data: bytes | memoryview) -> int:
        if len(data) > 10:
            return real_write(fd, bytes(data[:10]))  # part of it lands first
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outputs.os, "write", half_then_full)
    result = run_cli(tiny, "--report", f"markdown:{summary}")
    monkeypatch.undo()
    assert result.status == 2
    assert result.err == f"--report markdown:{summary}: cannot write: No space left on device\n"
    assert summary.read_text("utf-8") == EARLIER


def test_a_summary_that_is_a_directory_is_refused(
    run_cli: RunCli, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tiny.parent / "folder"
    folder.mkdir()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(folder))
    result = run_cli(tiny, "--report", f"markdown:{folder}")
    assert result.status == 2
    expected = f"{folder} is a directory, expected a regular file"
    assert result.err == f"--report markdown:{folder}: {expected}\n"


def test_a_summary_that_is_an_input_is_refused(
    run_cli: RunCli, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tiny))
    before = tiny.read_text("utf-8")
    result = run_cli(tiny, "--report", f"markdown:{tiny}")
    assert result.status == 2
    assert "is a spec this run reads" in result.err
    assert tiny.read_text("utf-8") == before

"""GitHub annotations name files from the repository root, wherever the run starts:
``GITHUB_WORKSPACE``, else the git top level, else the working directory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import RunCli

from validator.discover import repository_root
from validator.errors import Location
from validator.reports import RenderOptions, render
from validator.results import CheckResult, Finding, Report

FAILING_SPEC = """\
version: 1
name: tiny
schema: schema.sql
tables:
  t:
    columns:
      id: {type: INTEGER}
"""


@pytest.fixture
def nested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose spec lives in ``services/api``, the working directory."""
    folder = tmp_path / "repo" / "services" / "api"
    folder.mkdir(parents=True)
    (folder / "schema.sql").write_text("CREATE TABLE t (id TEXT);\n", "utf-8")
    (folder / "spec.yaml").write_text(FAILING_SPEC, "utf-8")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    return tmp_path / "repo"


def _files(out: str) -> set[str]:
    return set(re.findall(r"^::error file=([^,]*),", out, re.MULTILINE))


def test_workspace_names_the_root(
    run_cli: RunCli, nested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(nested))
    result = run_cli("spec.yaml", "--format", "github")
    assert result.status == 1
    assert _files(result.out) == {"services/api/spec.yaml"}


def test_git_top_level_without_a_workspace(run_cli: RunCli, nested: Path) -> None:
    (nested / ".git").mkdir()
    result = run_cli("spec.yaml", "--format", "github")
    assert _files(result.out) == {"services/api/spec.yaml"}


def test_a_git_file_marks_a_worktree_top_level(run_cli: RunCli, nested: Path) -> None:
    (nested / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n", "utf-8")
    result = run_cli("spec.yaml", "--format", "github")
    assert _files(result.out) == {"services/api/spec.yaml"}


def test_outside_a_repository_paths_stay_relative_to_the_working_directory(
    run_cli: RunCli, nested: Path
) -> None:
    assert not any((parent / ".git").exists() for parent in nested.parents)
    result = run_cli("spec.yaml", "--format", "github")
    assert _files(result.out) == {"spec.yaml"}


def test_a_spec_named_from_above_is_rooted_too(
    run_cli: RunCli, nested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(nested))
    monkeypatch.chdir(nested / "services")
    result = run_cli("api/spec.yaml", "--format", "github")
    assert _files(result.out) == {"services/api/spec.yaml"}


def test_the_text_report_keeps_paths_of_the_working_directory(
    run_cli: RunCli, nested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(nested))
    result = run_cli("spec.yaml")
    assert "spec.yaml:7:" in result.out
    assert "services/api" not in result.out


def test_repository_root_order(tmp_path: Path) -> None:
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    assert repository_root(inner, {}) == inner
    (tmp_path / "a" / ".git").mkdir()
    assert repository_root(inner, {}) == tmp_path / "a"
    assert repository_root(inner, {"GITHUB_WORKSPACE": str(tmp_path)}) == tmp_path


def test_a_file_outside_the_root_keeps_its_path() -> None:
    where = Location("/elsewhere/spec.yaml", 3, 1)
    check = CheckResult("criteria", "criterion-1", "t", "fail", where, (Finding(where, "a", "b"),))
    report = Report("/elsewhere/spec.yaml", "T", "s.sql", (check,))
    out = render("github", [report], RenderOptions(root="/repo", cwd="/repo/sub"))
    assert out.startswith("::error file=/elsewhere/spec.yaml,line=3,")

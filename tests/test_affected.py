"""The pre-commit hook runs the specs a change touches: a changed spec, and every
spec whose schema is a changed file (searched from the working directory)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, RunCli

from validator.affected import affected, used_by

SPEC = """\
version: 1
name: {name}
schema: {schema}
tables:
  t:
    columns:
      id: {{type: TEXT}}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository: two specs on one schema, one on another, unrelated YAML, and a
    spec in a virtual environment that must not be searched."""
    monkeypatch.chdir(tmp_path)
    for folder in ("spec", "db", "other", ".github/workflows", ".venv/lib", "node_modules/x"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "db" / "schema.sql").write_text("CREATE TABLE t (id TEXT);\n", "utf-8")
    (tmp_path / "other" / "schema.sql").write_text("CREATE TABLE t (id TEXT);\n", "utf-8")
    (tmp_path / "spec" / "orders.yaml").write_text(
        SPEC.format(name="orders", schema="../db/schema.sql"), "utf-8"
    )
    (tmp_path / "spec" / "invoices.yml").write_text(
        SPEC.format(name="invoices", schema="../db/./schema.sql"), "utf-8"
    )
    (tmp_path / "other" / "spec.yaml").write_text(
        SPEC.format(name="other", schema="schema.sql"), "utf-8"
    )
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text("on: push\n", "utf-8")
    for hidden in (".venv/lib", "node_modules/x"):
        (tmp_path / hidden / "spec.yaml").write_text(
            SPEC.format(name="hidden", schema="../../db/schema.sql"), "utf-8"
        )
    (tmp_path / "spec" / "broken.yaml").write_text("version: 1\ncriteria: [\n", "utf-8")
    return tmp_path


def test_specs_using_a_changed_schema(repo: Path) -> None:
    assert affected([Path("db/schema.sql")], Path()) == [
        Path("spec/invoices.yml"),
        Path("spec/orders.yaml"),
    ]
    assert affected([Path("other/schema.sql")], Path()) == [Path("other/spec.yaml")]
    assert affected([repo / "db" / "schema.sql"], repo) == [
        repo / "spec" / "invoices.yml",
        repo / "spec" / "orders.yaml",
    ]


@pytest.mark.usefixtures("repo")
def test_unrelated_files_touch_no_spec() -> None:
    assert affected([Path(".github/workflows/ci.yml"), Path("README.md")], Path()) == []
    assert affected([], Path()) == []


@pytest.mark.usefixtures("repo")
def test_schema_given_on_the_command_line_is_used_by_every_spec() -> None:
    found = affected([Path("other/schema.sql")], Path(), schema=Path("other/schema.sql"))
    every = ["other/spec.yaml", "spec/broken.yaml", "spec/invoices.yml", "spec/orders.yaml"]
    assert found == [Path(name) for name in every]
    assert affected([Path("db/schema.sql")], Path(), schema=Path("other/schema.sql")) == []


@pytest.mark.usefixtures("repo")
def test_used_by_names_the_schema() -> None:
    assert used_by(Path("spec/orders.yaml")) == [Path("spec/../db/schema.sql")]
    assert used_by(Path("spec/broken.yaml")) == []  # not readable: its own run says why


@pytest.mark.usefixtures("repo")
def test_hook_runs_the_specs_of_a_changed_schema(run_cli: RunCli) -> None:
    result = run_cli("--only-specs", "db/schema.sql", ".github/workflows/ci.yml")
    assert result.status == 0, result.err
    assert "(spec/orders.yaml)" in result.out and "(spec/invoices.yml)" in result.out
    assert "other/spec.yaml" not in result.out


def test_a_commit_that_only_breaks_the_schema_fails(run_cli: RunCli, repo: Path) -> None:
    (repo / "db" / "schema.sql").write_text("CREATE TABLE t (id INTEGER);\n", "utf-8")
    result = run_cli("--only-specs", "db/schema.sql")
    assert result.status == 1
    assert result.out.count("FAIL  column t.id: TEXT  [table-t.id]") == 2


@pytest.mark.usefixtures("repo")
def test_a_spec_and_its_schema_changed_together_run_once(run_cli: RunCli) -> None:
    result = run_cli("--only-specs", "spec/orders.yaml", "db/schema.sql", "--format", "json")
    assert result.status == 0
    assert result.out.count('"spec": "spec/orders.yaml"') == 1
    assert result.out.count('"spec": "spec/invoices.yml"') == 1


@pytest.mark.usefixtures("repo")
def test_nothing_to_check(run_cli: RunCli) -> None:
    result = run_cli("--only-specs", ".github/workflows/ci.yml", "README.md")
    assert (result.status, result.out) == (0, "")
    assert result.err == "validator: no spec files to check\n"


def test_hook_passes_schema_files() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    pattern = re.compile(hook.get("files", ""))
    for changed in ("schema.sql", "db/structure.txt", "spec/x.yaml", "spec/x.yml"):
        assert pattern.search(changed), changed
    assert hook.get("types", ["file"]) == ["file"] and "types_or" not in hook

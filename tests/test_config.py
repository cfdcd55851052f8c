"""``[tool.validator]`` in pyproject.toml: read by the command line, the pytest
plugin and the pre-commit hook's command alike; flags win; errors are located."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, RunCli

from validator import commands, config

TINY = """\
version: 1
name: tiny
schema: schema.sql
tables:
  t:
    columns:
      id: {type: TEXT}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository (``.git``) with a spec folder and a pyproject.toml, as cwd."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "schema.sql").write_text("CREATE TABLE t (id TEXT);\n", "utf-8")
    (tmp_path / "contracts" / "tiny.yaml").write_text(TINY, "utf-8")
    (tmp_path / "other.sql").write_text("CREATE TABLE t (id INTEGER);\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _pyproject(folder: Path, body: str) -> None:
    (folder / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n{body}', "utf-8")


def test_specs_and_reports_come_from_the_file(run_cli: RunCli, project: Path) -> None:
    _pyproject(project, '[tool.validator]\nspecs = ["contracts"]\nreports = ["json:out.json"]\n')
    result = run_cli()
    assert result.status == 0, result.err
    assert "PASS: 2 checks" in result.out
    assert json.loads((project / "out.json").read_text("utf-8"))["verdict"] == "PASS"


def test_paths_are_relative_to_the_file_from_a_sub_folder(
    run_cli: RunCli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pyproject(project, '[tool.validator]\nspecs = ["contracts"]\nreports = ["json:out.json"]\n')
    monkeypatch.chdir(project / "contracts")
    result = run_cli()
    assert result.status == 0, result.err
    assert (project / "out.json").is_file()
    assert not (project / "contracts" / "out.json").exists()


def test_flags_win(run_cli: RunCli, project: Path) -> None:
    _pyproject(
        project,
        '[tool.validator]\nspecs = ["contracts"]\nschema = "other.sql"\n'
        'format = "json"\nreports = ["json:out.json"]\nstep-timeout = 5\n',
    )
    assert run_cli().status == 1  # other.sql: id is an INTEGER
    result = run_cli("contracts/tiny.yaml", "--schema", "contracts/schema.sql",
                     "--format", "text", "--report", "junit:out.xml")  # fmt: skip
    assert result.status == 0
    assert result.out.startswith("tiny (")
    assert (project / "out.xml").is_file()
    assert json.loads((project / "out.json").read_text("utf-8"))["verdict"] == "FAIL"  # kept


def test_a_flag_equal_to_its_default_still_wins(run_cli: RunCli, project: Path) -> None:
    _pyproject(project, '[tool.validator]\nspecs = ["contracts"]\nformat = "json"\n')
    assert run_cli("--format", "text").out.startswith("tiny (")


def test_bad_keys_and_values_are_located(run_cli: RunCli, project: Path) -> None:
    _pyproject(
        project,
        '[tool.validator]\nspecs = "contracts"\nstep-timeout = "soon"\nformat = "yaml"\n'
        "nonsense = 1\nlist = true\n\n[tool.validator.mutant]\nx = 1\n",
    )
    result = run_cli()
    assert result.status == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert lines[0] == "pyproject.toml: [tool.validator.mutant]: no subcommand 'mutant'; " + (
        f"expected one of: {', '.join(commands.NAMES)}"
    )
    assert lines[1] == (
        "pyproject.toml:5:9: [tool.validator] specs: expected a list of strings, "
        "found string 'contracts'"
    )
    assert lines[2] == (
        "pyproject.toml:6:16: [tool.validator] step-timeout: expected a number of seconds, "
        "found 'soon'"
    )
    assert lines[3].startswith("pyproject.toml:7:10: [tool.validator] format: expected one of ")
    assert lines[4].startswith("pyproject.toml:8:12: [tool.validator] nonsense: unknown key; ")
    assert lines[5].startswith("pyproject.toml:9:8: [tool.validator] list: unknown key; ")
    assert "reports" in lines[4] and "step-timeout" in lines[4]


def test_a_file_that_is_not_toml(run_cli: RunCli, project: Path) -> None:
    _pyproject(project, "[tool.validator]\nspecs = [contracts]\n")
    result = run_cli()
    assert result.status == 2
    assert result.err.startswith("pyproject.toml:5:10: Invalid value")


def test_the_nearest_file_with_the_table_up_to_the_repository_top(project: Path) -> None:
    nested = project / "a" / "b"
    nested.mkdir(parents=True)
    (project / "a" / "pyproject.toml").write_text('[project]\nname = "a"\n', "utf-8")
    assert config.find(nested) is None  # none with the table, and .git stops the search
    _pyproject(project, "[tool.validator]\n")
    assert config.find(nested) == project / "pyproject.toml"
    (project / "a" / "pyproject.toml").write_text("[tool.validator.schema]\n", "utf-8")
    assert config.find(nested) == project / "a" / "pyproject.toml"


@pytest.mark.usefixtures("project")
def test_no_spec_anywhere_is_an_error(run_cli: RunCli) -> None:
    result = run_cli()
    assert result.status == 2
    assert result.err.startswith("usage: validator")
    assert result.err.endswith(
        "validator: error: the following arguments are required: SPEC "
        "(or specs in [tool.validator] of pyproject.toml)\n"
    )


def test_the_pre_commit_hook_reads_it(run_cli: RunCli, project: Path) -> None:
    """The hook runs ``validator --only-specs FILES``: the file's schema applies."""
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    _pyproject(project, '[tool.validator]\nschema = "other.sql"\n')
    entry = shlex.split(hook["entry"])
    assert entry[0] == "validator"
    result = run_cli(*entry[1:], "contracts/tiny.yaml")
    assert result.status == 1  # judged against other.sql
    assert "other.sql" in result.out


def test_the_pytest_plugin_reads_it(pytester: pytest.Pytester) -> None:
    (pytester.path / ".git").mkdir()
    folder = pytester.mkdir("contracts")
    (folder / "schema.sql").write_text("CREATE TABLE t (id TEXT);\n", "utf-8")
    (folder / "tiny.yaml").write_text(TINY, "utf-8")  # not test_*.yaml
    (pytester.path / "other.sql").write_text("CREATE TABLE t (id INTEGER);\n", "utf-8")
    pytester.makepyprojecttoml('[tool.validator]\nspecs = ["contracts"]\nschema = "other.sql"\n')
    quiet = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:xdist")
    pytester.runpytest(*quiet, "contracts").assert_outcomes(passed=1, failed=1)
    flagged = pytester.runpytest(*quiet, "contracts", "--validator-schema", "contracts/schema.sql")
    flagged.assert_outcomes(passed=2)


def test_the_pytest_plugin_refuses_a_bad_file(pytester: pytest.Pytester) -> None:
    (pytester.path / ".git").mkdir()
    pytester.makepyprojecttoml('[tool.validator]\nstep-timeout = "soon"\n')
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pyproject.toml:2:16: [[]tool.validator[]] step-timeout: *"])

"""The GitHub Action (``action.yml``), its run script, and the GitLab CI template:
valid for their platforms (check-jsonschema's vendored GitHub and GitLab
schemas), and doing what they promise when run with a fake job environment."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SCHEMA, SHIPPED, SPEC, TRIGGER, RunCli
from junitparser import JUnitXml

ACTION = ROOT / "action.yml"
SCRIPT = ROOT / "ci" / "github" / "run-validator.sh"
GITLAB = ROOT / "ci" / "gitlab" / "validator.gitlab-ci.yml"


def _client() -> list[str]:
    found = shutil.which("check-jsonschema")
    return [found] if found else [sys.executable, "-m", "check_jsonschema"]


@pytest.mark.parametrize(
    ("schema", "path"), [("vendor.github-actions", ACTION), ("vendor.gitlab-ci", GITLAB)]
)
def test_valid_for_its_platform(schema: str, path: Path) -> None:
    done = subprocess.run(
        [*_client(), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text("utf-8"))
    return data


def test_action_inputs_and_outputs() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"specs", "args", "junit", "sarif", "summary",
                                     "working-directory"}  # fmt: skip
    assert set(action["outputs"]) == {"verdict", "exit-code"}
    assert action["inputs"]["junit"]["default"] == "validator-junit.xml"


def test_action_steps_install_then_run_the_script_with_inputs_in_the_environment() -> None:
    install, run = _action()["runs"]["steps"]
    assert "-m pip install" in install["run"] and '"$GITHUB_ACTION_PATH"' in install["run"]
    assert 'bash "$GITHUB_ACTION_PATH/ci/github/run-validator.sh"' in run["run"]
    # Inputs reach the script as variables only: never pasted into its text,
    # where a quote in an input could run a command.
    assert "${{" not in install["run"] + run["run"]
    assert run["env"] == {
        f"INPUT_{name.upper()}": f"${{{{ inputs.{name} }}}}"
        for name in ("specs", "args", "junit", "sarif", "summary")
    }
    assert run["id"] == "run"


# --- the run script, with a fake job -----------------------------------------------


@pytest.fixture
def job(tmp_path: Path) -> dict[str, Path]:
    """A checkout with the shipped spec, its schema, a schema without the trigger
    (a name with a space), and the files a GitHub runner provides."""
    work = tmp_path / "work"
    (work / "spec").mkdir(parents=True)
    text = SCHEMA.read_text("utf-8")
    (work / "schema.sql").write_text(text, "utf-8")
    (work / "loose schema.sql").write_text(text[: text.index(TRIGGER)], "utf-8")
    (work / "spec" / SPEC.name).write_text(SPEC.read_text("utf-8"), "utf-8")
    summary = tmp_path / "step_summary"
    summary.write_text("## Earlier step\n", "utf-8")
    output = tmp_path / "output"
    output.write_text("", "utf-8")
    return {"work": work, "summary": summary, "output": output}


def _run_script(job: dict[str, Path], **inputs: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INPUT_")}
    env |= {
        "GITHUB_STEP_SUMMARY": str(job["summary"]),
        "GITHUB_OUTPUT": str(job["output"]),
        "GITHUB_WORKSPACE": str(job["work"]),
        "VALIDATOR": str(Path(sys.executable).parent / "validator"),
        "VALIDATOR_PYTHON": sys.executable,
    }
    env |= {f"INPUT_{key.upper()}": value for key, value in inputs.items()}
    return subprocess.run(
        ["bash", str(SCRIPT)], cwd=job["work"], env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip


def _outputs(job: dict[str, Path]) -> dict[str, str]:
    lines = job["output"].read_text("utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_script_on_a_passing_run(job: dict[str, Path]) -> None:
    done = _run_script(job, specs="spec/", junit="reports/junit.xml", summary="true")
    assert done.returncode == 0, done.stderr
    assert _outputs(job) == {"verdict": "PASS", "exit-code": "0"}
    assert done.stdout.startswith("::notice title=validator%3A PASS::")
    summary = job["summary"].read_text("utf-8")
    assert summary.startswith("## Earlier step\n\n## ✅ PASS")
    suites = JUnitXml.fromfile(str(job["work"] / "reports" / "junit.xml"))
    assert sum(suite.tests for suite in suites) == SHIPPED


def test_script_on_a_failing_run(job: dict[str, Path]) -> None:
    done = _run_script(
        job,
        specs="spec/test_task_session.yaml",
        args="--schema 'loose schema.sql'",
        junit="junit.xml",
        sarif="out/validator.sarif",
    )
    assert done.returncode == 1, done.stderr
    assert _outputs(job) == {"verdict": "FAIL", "exit-code": "1"}
    files = set(re.findall(r"^::error file=([^,]*),", done.stdout, re.MULTILINE))
    assert files == {"spec/test_task_session.yaml"}
    sarif = json.loads((job["work"] / "out" / "validator.sarif").read_text("utf-8"))
    assert len(sarif["runs"][0]["results"]) == 15
    assert "## ❌ FAIL" in job["summary"].read_text("utf-8")


def test_script_runs_nothing_an_input_says(job: dict[str, Path]) -> None:
    done = _run_script(job, specs="spec/", args="$(touch pwned) `touch pwned2`", summary="false")
    assert done.returncode == 2
    assert _outputs(job) == {"verdict": "ERROR", "exit-code": "2"}
    assert not list(job["work"].glob("pwned*"))
    assert job["summary"].read_text("utf-8") == "## Earlier step\n"  # summary: false


def test_script_without_specs_uses_the_configuration(job: dict[str, Path]) -> None:
    (job["work"] / ".git").mkdir()
    (job["work"] / "pyproject.toml").write_text('[tool.validator]\nspecs = ["spec"]\n', "utf-8")
    done = _run_script(job, junit="")
    assert done.returncode == 0, done.stderr
    assert not (job["work"] / "validator-junit.xml").exists()


# --- GitLab ---------------------------------------------------------------------------


def test_gitlab_job_publishes_junit_and_code_quality() -> None:
    job = yaml.safe_load(GITLAB.read_text("utf-8"))["validator"]
    reports = job["artifacts"]["reports"]
    assert reports == {"junit": "validator-junit.xml", "codequality": "validator-codequality.json"}
    assert job["artifacts"]["when"] == "always"
    assert job["script"][0].startswith("python -m pip install")


def test_gitlab_script_line_runs(
    run_cli: RunCli, job: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The template's validator line, with its variables set as a user would,
    through the command line: both reports are written, each with locations."""
    script = yaml.safe_load(GITLAB.read_text("utf-8"))["validator"]["script"][1]
    variables = {"VALIDATOR_SPECS": "spec/", "VALIDATOR_ARGS": "--schema loose_schema.sql"}
    (job["work"] / "loose_schema.sql").write_text(
        (job["work"] / "loose schema.sql").read_text("utf-8"), "utf-8"
    )
    words = shlex.split(re.sub(r"\$(\w+)", lambda m: variables[m.group(1)], script))
    assert words[0] == "validator"
    monkeypatch.chdir(job["work"])
    monkeypatch.setenv("CI_PROJECT_DIR", str(job["work"]))
    result = run_cli(*words[1:])
    assert result.status == 1
    cases = [case for suite in JUnitXml.fromfile("validator-junit.xml") for case in suite]
    assert all(case._elem.get("file") == "spec/test_task_session.yaml" for case in cases)
    issues = json.loads(Path("validator-codequality.json").read_text("utf-8"))
    assert len(issues) == 15
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] == "critical"
        assert issue["location"]["path"] == "spec/test_task_session.yaml"
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({issue["fingerprint"] for issue in issues}) == 15

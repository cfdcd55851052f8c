"""The pytest plugin, run as users run it: pytest in a subprocess."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from conftest import REFUSALS, ROOT, SCHEMA, SHIPPED

SPEC = "spec/test_task_session.yaml"


def pytest_run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-p", "validator.pytest_plugin"]
    command += ["-p", "no:cacheprovider", "-q", "-o", "addopts=-rA"]
    return subprocess.run(
        [*command, *map(str, args)], cwd=cwd, capture_output=True, text=True, check=False
    )


def outcomes(junit: Path) -> dict[str, str]:
    """testcase name -> passed/failed/error, from a --junitxml file."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        found[case.attrib["name"]] = kinds.pop() if kinds else "passed"
    return found


def test_every_check_is_an_item_and_passes() -> None:
    done = pytest_run(SPEC)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith(f"{SHIPPED} passed")
    assert "PASSED spec/test_task_session.yaml::criterion-10" in done.stdout


def test_failures_show_the_explanation_not_a_traceback(no_trigger: Path) -> None:
    done = pytest_run(SPEC, "--validator-schema", no_trigger)
    assert done.returncode == 1
    assert f"{REFUSALS} failed, {SHIPPED - REFUSALS} passed" in done.stdout
    assert (
        "spec/test_task_session.yaml:240:20: completed -> running: expected the database to "
        "refuse the move, found it was accepted (state now 'running')"
    ) in done.stdout
    assert "Traceback" not in done.stdout
    assert "validator/checks" not in done.stdout  # no frames of the engine


def test_keyword_selection() -> None:
    done = pytest_run(SPEC, "-k", "paused and refused")
    assert done.returncode == 0
    assert f"6 passed, {SHIPPED - 6} deselected" in done.stdout


def test_titles_are_keywords() -> None:
    done = pytest_run(SPEC, "-k", "FK")
    assert f"1 passed, {SHIPPED - 1} deselected" in done.stdout


def test_junitxml(tmp_path: Path, no_trigger: Path) -> None:
    junit = tmp_path / "junit.xml"
    pytest_run(SPEC, "--validator-schema", no_trigger, f"--junitxml={junit}")
    found = outcomes(junit)
    assert len(found) == SHIPPED
    states = ("running", "completed", "failed", "paused", "terminated")
    allowed = {("running", s) for s in states[1:]} | {("paused", "running")}
    refused = {
        f"machine-session_status.{a}->{b}"
        for a in states
        for b in states
        if a != b and (a, b) not in allowed
    }
    assert {name for name, kind in found.items() if kind != "passed"} == refused


def test_xdist_gives_the_same_results(tmp_path: Path, no_trigger: Path) -> None:
    pytest.importorskip("xdist")
    serial, parallel = tmp_path / "serial.xml", tmp_path / "parallel.xml"
    pytest_run(SPEC, "--validator-schema", no_trigger, f"--junitxml={serial}")
    done = pytest_run(SPEC, "--validator-schema", no_trigger, "-n", "2", f"--junitxml={parallel}")
    assert "bringing up nodes" in done.stdout, done.stdout  # xdist really ran
    assert outcomes(parallel) == outcomes(serial)


def test_unusable_spec_is_a_collection_error(tmp_path: Path) -> None:
    bad = tmp_path / "test_bad.yaml"
    bad.write_text("version: 1\nname: bad\ncriteria:\n  - id: 1\n    titel: x\n", "utf-8")
    done = pytest_run(bad, cwd=tmp_path)
    assert done.returncode == 2
    assert "test_bad.yaml:5:5: $.criteria[0].titel: unknown key 'titel'" in done.stdout
    assert "Traceback" not in done.stdout


def test_collects_only_specs(tmp_path: Path) -> None:
    (tmp_path / "test_config.yaml").write_text("version: 1\nother: true\n", "utf-8")
    (tmp_path / "notes.yaml").write_text("version: 1\ncriteria: []\n", "utf-8")
    spec = (ROOT / SPEC).read_text("utf-8").replace("schema: ../schema.sql", f"schema: {SCHEMA}")
    (tmp_path / "test_lifecycle.yaml").write_text(spec, "utf-8")
    done = pytest_run(tmp_path, cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert f"{SHIPPED} passed" in done.stdout
    assert "test_config.yaml" not in done.stdout
    assert "notes.yaml" not in done.stdout


def test_registered_under_pytest11() -> None:
    names = {ep.value for ep in entry_points(group="pytest11")}
    assert "validator.pytest_plugin" in names

"""The pytest plugin on the shipped spec, run as users run it but in-process
(``pytester``); only ``-n 2`` starts processes (pytest-xdist's workers)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from conftest import REFUSALS, SCHEMA, SHIPPED
from conftest import SPEC as SHIPPED_SPEC

SPEC = "spec/test_task_session.yaml"
QUIET = ("-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-o", "addopts=-rA")
"""Plugins the inner runs do not need (importing them again costs seconds)."""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """The shipped spec at ``spec/`` and its schema beside it, as in the repository."""
    (pytester.path / "spec").mkdir()
    (pytester.path / SPEC).write_text(SHIPPED_SPEC.read_text("utf-8"), "utf-8")
    (pytester.path / "schema.sql").write_text(SCHEMA.read_text("utf-8"), "utf-8")
    return pytester


def pytest_run(pytester: pytest.Pytester, *args: str | Path) -> pytest.RunResult:
    """pytest in-process with the plugin, without xdist unless ``-n`` is given."""
    shown = [str(arg) for arg in args]
    xdist = () if "-n" in shown else ("-p", "no:xdist")
    return pytester.runpytest("-p", "validator.pytest_plugin", *QUIET, *xdist, *shown)


def outcomes(junit: Path) -> dict[str, str]:
    """testcase name -> passed/failed/error, from a --junitxml file."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        found[case.attrib["name"]] = kinds.pop() if kinds else "passed"
    return found


def test_every_check_is_an_item_and_passes(project: pytest.Pytester) -> None:
    done = pytest_run(project, SPEC)
    out = done.stdout.str()
    assert done.ret == 0, out
    assert out.strip().splitlines()[-1].startswith(f"{SHIPPED} passed")
    assert "PASSED spec/test_task_session.yaml::criterion-10" in out


def test_failures_show_the_explanation_not_a_traceback(
    project: pytest.Pytester, no_trigger: Path
) -> None:
    done = pytest_run(project, SPEC, "--validator-schema", no_trigger)
    out = done.stdout.str()
    assert done.ret == 1
    assert f"{REFUSALS} failed, {SHIPPED - REFUSALS} passed" in out
    assert (
        "spec/test_task_session.yaml:240:20: completed -> running: expected the database to "
        "refuse the move, found it was accepted (state now 'running')"
    ) in out
    assert "Traceback" not in out
    assert "validator/checks" not in out  # no frames of the engine


def test_keyword_selection(project: pytest.Pytester) -> None:
    done = pytest_run(project, SPEC, "-k", "paused and refused")
    assert done.ret == 0
    assert f"6 passed, {SHIPPED - 6} deselected" in done.stdout.str()


def test_titles_are_keywords(project: pytest.Pytester) -> None:
    done = pytest_run(project, SPEC, "-k", "FK")
    assert f"1 passed, {SHIPPED - 1} deselected" in done.stdout.str()


REFUSED = {
    f"machine-session_status.{a}->{b}"
    for a in ("running", "completed", "failed", "paused", "terminated")
    for b in ("running", "completed", "failed", "paused", "terminated")
    if a != b
    and (a, b)
    not in {("running", s) for s in ("completed", "failed", "paused", "terminated")}
    | {("paused", "running")}
}
"""The checks that fail without the transition trigger."""


def test_junitxml(project: pytest.Pytester, no_trigger: Path) -> None:
    junit = project.path / "junit.xml"
    pytest_run(project, SPEC, "--validator-schema", no_trigger, f"--junitxml={junit}")
    found = outcomes(junit)
    assert len(found) == SHIPPED
    assert {name for name, kind in found.items() if kind != "passed"} == REFUSED


COUNTING = """\
import os
import validator.pytest_plugin as plugin

real = plugin.run


def counting(spec, **options):
    with open("runs.txt", "a", encoding="utf-8") as runs:
        runs.write(f"{os.environ['PYTEST_XDIST_WORKER']} {spec.file}\\n")
    return real(spec, **options)


if "PYTEST_XDIST_WORKER" in os.environ:  # never in this process: the controller's
    plugin.run = counting
"""
"""A conftest that has every xdist worker write a line per run of a spec to runs.txt."""


@pytest.mark.parametrize("dist", ["load", "loadfile"])
def test_xdist_gives_the_same_results(
    project: pytest.Pytester, no_trigger: Path, dist: str
) -> None:
    pytest.importorskip("xdist")
    project.makeconftest(COUNTING)
    junit = project.path / "parallel.xml"
    options = ("--validator-schema", no_trigger, f"--junitxml={junit}")
    done = pytest_run(project, SPEC, *options, "-n", "2", "--dist", dist)
    assert "bringing up nodes" in done.stdout.str(), done.stdout.str()  # xdist really ran
    found = outcomes(junit)
    assert len(found) == SHIPPED
    assert {name for name, kind in found.items() if kind != "passed"} == REFUSED
    runs = (project.path / "runs.txt").read_text("utf-8").splitlines()
    assert len(runs) == len(set(runs))  # at most once in each worker
    if dist == "loadfile":  # the spec's items all went to one worker: one run
        assert len(runs) == 1


def test_unusable_spec_is_a_collection_error(pytester: pytest.Pytester) -> None:
    bad = pytester.path / "test_bad.yaml"
    bad.write_text("version: 1\nname: bad\ncriteria:\n  - id: 1\n    titel: x\n", "utf-8")
    done = pytest_run(pytester, bad)
    out = done.stdout.str()
    assert done.ret == 2
    assert "test_bad.yaml:5:5: $.criteria[0].titel: unknown key 'titel'" in out
    assert "Traceback" not in out


def test_collects_only_specs(pytester: pytest.Pytester) -> None:
    (pytester.path / "test_config.yaml").write_text("version: 1\nother: true\n", "utf-8")
    (pytester.path / "notes.yaml").write_text("version: 1\ncriteria: []\n", "utf-8")
    spec = SHIPPED_SPEC.read_text("utf-8").replace("schema: ../schema.sql", f"schema: {SCHEMA}")
    (pytester.path / "test_lifecycle.yaml").write_text(spec, "utf-8")
    done = pytest_run(pytester, pytester.path)
    out = done.stdout.str()
    assert done.ret == 0, out
    assert f"{SHIPPED} passed" in out
    assert "test_config.yaml" not in out
    assert "notes.yaml" not in out


def test_registered_under_pytest11() -> None:
    names = {ep.value for ep in entry_points(group="pytest11")}
    assert "validator.pytest_plugin" in names

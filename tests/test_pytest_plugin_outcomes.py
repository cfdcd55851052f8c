"""The pytest plugin in-process (``pytester``): a check that could not run is a
pytest error (also in pytest's own JUnit), a failing one a failure, and text from
the spec is shown with its control characters escaped. Each spec runs once per
session, only its selected checks, and a failing check fails its own item only."""

from __future__ import annotations

import gc
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:xdist")
"""Plugins the inner runs do not need (importing them costs seconds)."""

SPEC = """\
version: 1
name: outcomes
schema: schema.sql
operations:
  make:
    params: [id]
    sql: INSERT INTO t (id) VALUES (:id)
    returns: {one: "SELECT * FROM t WHERE id = :id"}
fixtures:
  broken: {call: make, with: {id: null}}
criteria:
  - id: passes
    title: a row can be made
    steps:
      - {call: make, with: {id: a}, expect: {required: [id]}}
  - id: fails
    title: a row has an id of two letters
    steps:
      - {call: make, with: {id: a}, expect: {properties: {id: {minLength: 2}}}}
  - id: cannot-run
    title: "a fixture that cannot be built \\e[32mPASS\\e[0m"
    given: [broken]
    steps:
      - {call: make, with: {id: b}, expect: {required: [id]}}
"""


@pytest.fixture
def spec(pytester: pytest.Pytester) -> Path:
    pytester.makefile(".sql", schema="CREATE TABLE t (id TEXT NOT NULL);\n")
    return pytester.makefile(".yaml", test_outcomes=SPEC)


def test_error_outcome_is_a_pytest_error(pytester: pytest.Pytester, spec: Path) -> None:
    result = pytester.runpytest(*QUIET, spec.name)
    result.assert_outcomes(passed=1, failed=1, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_pytest_junit_counts_the_error_apart(pytester: pytest.Pytester, spec: Path) -> None:
    junit = pytester.path / "junit.xml"
    pytester.runpytest(*QUIET, spec.name, f"--junitxml={junit}")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    kinds = {
        case.get("name"): sorted(child.tag for child in case if child.tag in ("failure", "error"))
        for case in suite.iter("testcase")
    }
    assert kinds == {
        "criterion-passes": [],
        "criterion-fails": ["failure"],
        "criterion-cannot-run": ["error"],
    }
    error = next(suite.iter("error"))
    assert "could not run" in (error.text or "")
    assert "Traceback" not in (error.text or "") and "runner.py" not in (error.text or "")


def test_error_shows_the_explanation_not_a_traceback(pytester: pytest.Pytester, spec: Path) -> None:
    result = pytester.runpytest(*QUIET, spec.name, "-k", "cannot")
    out = result.stdout.str()
    assert "ERROR  a fixture that cannot be built" in out
    assert "test_outcomes.yaml:" in out
    assert "Traceback" not in out and "validator/" not in out


def test_titles_are_shown_with_control_characters_escaped(
    pytester: pytest.Pytester, spec: Path
) -> None:
    result = pytester.runpytest(*QUIET, spec.name, "-k", "cannot")
    out = result.stdout.str()
    assert "\x1b[32mPASS" not in out
    assert "\\x1b[32mPASS\\x1b[0m" in out


def test_ids_with_control_characters_are_escaped(pytester: pytest.Pytester) -> None:
    pytester.makefile(".sql", schema="CREATE TABLE s (id TEXT PRIMARY KEY, state TEXT);\n")
    machine = """\
version: 1
name: escapes
schema: schema.sql
operations:
  make:
    params: [id]
    sql: "INSERT INTO s (id, state) VALUES (:id, 'a')"
    returns: {one: "SELECT * FROM s WHERE id = :id"}
  move:
    params: [id, to]
    sql: UPDATE s SET state = :to WHERE id = :id
state_machines:
  m:
    table: s
    column: state
    states: [a, "b\\e[2K"]
    initial: a
    transitions: {a: ["b\\e[2K"]}
    create: {call: make, with: {id: x}}
    move: {call: move, with: {id: "${row.id}", to: "${to}"}}
"""
    spec = pytester.makefile(".yaml", test_escapes=machine)
    result = pytester.runpytest(*QUIET, "-v", spec.name)
    out = result.stdout.str()
    assert "\x1b[2K" not in out
    assert "test_escapes.yaml::machine-m.a->b\\x1b[2K PASSED" in out


Runs = list[tuple[str, list[str]]]


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Runs:
    """Every run of a spec by the plugin in this process: its file and the checks it ran."""
    from validator import pytest_plugin
    from validator.results import Report

    seen: Runs = []
    real = pytest_plugin.run

    def counting(spec: Any, **options: Any) -> Report:
        seen.append((spec.file, []))
        report = real(spec, **options)
        seen[-1][1].extend(check.id for check in report.checks)
        return report

    monkeypatch.setattr(pytest_plugin, "run", counting)
    return seen


def test_a_spec_runs_once_and_a_failure_fails_its_item_only(
    pytester: pytest.Pytester, spec: Path, runs: Runs
) -> None:
    result = pytester.runpytest(*QUIET, "-v", spec.name)
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*::criterion-passes PASSED*",
            "*::criterion-fails FAILED*",
            "*::criterion-cannot-run ERROR*",
        ]
    )
    assert runs == [
        ("test_outcomes.yaml", ["criterion-passes", "criterion-fails", "criterion-cannot-run"])
    ]


def test_deselected_checks_do_not_run(pytester: pytest.Pytester, spec: Path, runs: Runs) -> None:
    result = pytester.runpytest(*QUIET, spec.name, "-k", "passes or fails")
    result.assert_outcomes(passed=1, failed=1, deselected=1)
    assert runs == [("test_outcomes.yaml", ["criterion-passes", "criterion-fails"])]


def test_each_spec_runs_once(pytester: pytest.Pytester, spec: Path, runs: Runs) -> None:
    pytester.makefile(".yaml", test_again=SPEC.replace("name: outcomes", "name: again"))
    result = pytester.runpytest(*QUIET, spec.name, "test_again.yaml")
    result.assert_outcomes(passed=2, failed=2, errors=2)
    assert sorted(file for file, _ in runs) == ["test_again.yaml", "test_outcomes.yaml"]


def test_a_spec_that_cannot_run_errs_in_every_item_once(
    pytester: pytest.Pytester, spec: Path, runs: Runs
) -> None:
    pytester.makefile(".sql", schema="CREATE TABLE t (id TEXT NOT NULL;\n")
    result = pytester.runpytest(*QUIET, spec.name)
    result.assert_outcomes(errors=3)
    assert [file for file, _ in runs] == ["test_outcomes.yaml"]
    out = result.stdout.str()
    assert out.count("schema.sql:1:") >= 3, out  # every item names the schema's problem
    assert "Traceback" not in out


def test_an_item_outside_the_session_items_runs_alone(
    pytester: pytest.Pytester, spec: Path, runs: Runs
) -> None:
    """An item the session's items did not hold when its spec ran (set up by
    hand, as another plugin might) still gets its own result, from a run of its
    own check."""
    from validator.pytest_plugin import CheckItem

    items, _ = pytester.inline_genitems(*QUIET, spec.name)
    first, second = items[0], items[1]
    assert isinstance(first, CheckItem) and isinstance(second, CheckItem)
    first.session.items[:] = [first]
    first.setup()
    second.setup()
    assert first.result is not None and first.result.outcome == "pass"
    assert second.result is not None and second.result.outcome == "fail"
    assert [checks for _, checks in runs] == [["criterion-passes"], ["criterion-fails"]]


def test_collected_specs_are_moved_out_of_the_collectors_sight(
    pytester: pytest.Pytester, spec: Path
) -> None:
    gc.unfreeze()
    pytester.runpytest_inprocess(*QUIET, spec.name)
    assert gc.get_freeze_count() > 0


def test_a_session_without_specs_leaves_the_collector_alone(pytester: pytest.Pytester) -> None:
    gc.unfreeze()
    pytester.makepyfile(test_plain="def test_nothing():\n    assert True\n")
    pytester.runpytest_inprocess(*QUIET, "test_plain.py").assert_outcomes(passed=1)
    assert gc.get_freeze_count() == 0

"""The engine is generic: a second spec, of a deployment pipeline, passes and fails precisely.

``tests/domains/deployments`` holds a schema and a spec that share nothing
with the shipped task/session contract, and ``broken/`` holds copies of that
schema with one rule broken each. Every broken variant must make exactly the
checks listed here fail (everything else still passes) and the CLI exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, RunCli

from validator import load_spec, run
from validator.model import Spec

DOMAIN = ROOT / "tests" / "domains" / "deployments"
SPEC = DOMAIN / "spec.yaml"
BROKEN = DOMAIN / "broken"

MACHINE = "machine-deployment_status"

# Every transition the lifecycle does not list, each one a check of its own.
REFUSED = frozenset(
    {
        f"{MACHINE}.queued->deploying",
        f"{MACHINE}.queued->live",
        f"{MACHINE}.queued->failed",
        f"{MACHINE}.queued->rolled_back",
        f"{MACHINE}.building->queued",
        f"{MACHINE}.building->live",
        f"{MACHINE}.building->rolled_back",
        f"{MACHINE}.deploying->queued",
        f"{MACHINE}.deploying->building",
        f"{MACHINE}.live->queued",
        f"{MACHINE}.live->building",
        f"{MACHINE}.live->deploying",
        f"{MACHINE}.live->failed",
        f"{MACHINE}.live->rolled_back",
        f"{MACHINE}.failed->queued",
        f"{MACHINE}.failed->building",
        f"{MACHINE}.failed->deploying",
        f"{MACHINE}.failed->live",
        f"{MACHINE}.failed->rolled_back",
        f"{MACHINE}.rolled_back->queued",
        f"{MACHINE}.rolled_back->building",
        f"{MACHINE}.rolled_back->deploying",
        f"{MACHINE}.rolled_back->live",
        f"{MACHINE}.rolled_back->failed",
    }
)

# broken/NAME.sql -> the ids of exactly the checks that must not pass with it.
EXPECTED_FAILURES: dict[str, frozenset[str]] = {
    "no_transition_trigger": REFUSED | {"criterion-transition-refused"},
    "lax_transition_trigger": frozenset({f"{MACHINE}.live->rolled_back"}),
    "no_finished_at_trigger": frozenset(
        {
            f"{MACHINE}.building->failed",
            f"{MACHINE}.deploying->live",
            f"{MACHINE}.deploying->failed",
            f"{MACHINE}.deploying->rolled_back",
            "criterion-6",
            "criterion-status-changes-logged",
        }
    ),
    "no_service_cascade": frozenset(
        {"table-deployments.service_id", "criterion-service-delete-cascades"}
    ),
    "environment_cascade": frozenset(
        {"table-deployments.environment_id", "criterion-environment-in-use"}
    ),
    "deploy_count_default": frozenset(
        {"table-services.deploy_count", "criterion-1", "criterion-3"}
    ),
    "nullable_version": frozenset(
        {"table-deployments.version", "criterion-deployment-needs-version"}
    ),
    "no_deployment_unique": frozenset(
        {"table-deployments.unique(service_id,environment_id,version)", "criterion-4"}
    ),
    "no_tier_check": frozenset({"criterion-environment-tier"}),
}


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC)


def test_deployment_spec_passes_via_cli(run_cli: RunCli) -> None:
    result = run_cli(SPEC)
    assert result.status == 0, result.out + result.err
    assert result.out.splitlines()[-1].startswith("PASS: ")
    assert result.err == ""


def test_deployment_spec_json_report_has_no_failures(run_cli: RunCli) -> None:
    result = run_cli(SPEC, "--format", "json")
    assert result.status == 0, result.out + result.err
    report = json.loads(result.out)
    assert report["verdict"] == "PASS"
    assert report["summary"]["failed"] == 0
    assert report["summary"]["errors"] == 0
    assert report["summary"]["total"] == len(report["checks"]) > 0
    not_passed = [check["id"] for check in report["checks"] if check["outcome"] != "pass"]
    assert not_passed == []
    sections = {check["section"] for check in report["checks"]}
    assert sections == {"tables", "state_machines", "criteria"}


def test_every_broken_variant_has_expectations() -> None:
    on_disk = {path.stem for path in BROKEN.glob("*.sql")}
    assert on_disk == set(EXPECTED_FAILURES)


@pytest.mark.parametrize("variant", sorted(EXPECTED_FAILURES))
def test_broken_variant_fails_exactly_its_checks(spec: Spec, variant: str) -> None:
    report = run(spec, schema=BROKEN / f"{variant}.sql")
    not_passed = {check.id: check.outcome for check in report.checks if check.outcome != "pass"}
    assert frozenset(not_passed) == EXPECTED_FAILURES[variant], not_passed
    assert set(not_passed.values()) == {"fail"}
    assert report.verdict == "FAIL"


@pytest.mark.parametrize("variant", sorted(EXPECTED_FAILURES))
def test_broken_variant_cli_exits_1(run_cli: RunCli, variant: str) -> None:
    schema: Path = BROKEN / f"{variant}.sql"
    result = run_cli(SPEC, "--schema", schema)
    assert result.status == 1, result.out + result.err
    assert result.out.splitlines()[-1].startswith("FAIL: ")
    assert result.err == ""

"""The engine is generic: a second spec, of a deployment pipeline, passes and fails precisely.

``tests/domains/deployments`` holds a schema and a spec that share nothing
with the shipped task/session contract; ``BROKEN`` below lists edits of that
schema that each break one rule. Every broken variant must make exactly the
checks listed here fail (everything else still passes) and the CLI exit 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, RunCli

from validator import load_spec, run
from validator.model import Spec
from validator.sqltext import split

DOMAIN = ROOT / "tests" / "domains" / "deployments"
SPEC = DOMAIN / "spec.yaml"

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

SCHEMA_TEXT = (DOMAIN / "schema.sql").read_text("utf-8")


def trigger(name: str) -> str:
    """The ``CREATE TRIGGER name ...`` statement of the domain schema, as written
    there (found with the engine's own statement splitter, not copied here)."""
    (found,) = (s.sql for s in split(SCHEMA_TEXT) if s.sql.startswith(f"CREATE TRIGGER {name}"))
    return found


@dataclass(frozen=True)
class Broken:
    """A copy of schema.sql with one rule broken (each edit must match exactly once),
    and the ids of exactly the checks that must not pass with it."""

    edits: tuple[tuple[str, str], ...]
    fails: frozenset[str]


BROKEN: dict[str, Broken] = {
    "no_transition_trigger": Broken(
        ((trigger("deployments_status_transition"), ""),),
        REFUSED | {"criterion-transition-refused"},
    ),
    "lax_transition_trigger": Broken(
        (
            (
                "NEW.status IN ('live', 'failed', 'rolled_back'))\n )",
                "NEW.status IN ('live', 'failed', 'rolled_back'))\n"
                "   OR (OLD.status = 'live' AND NEW.status = 'rolled_back')\n )",
            ),
        ),
        frozenset({f"{MACHINE}.live->rolled_back"}),
    ),
    "no_finished_at_trigger": Broken(
        ((trigger("deployments_finished_at"), ""),),
        frozenset(
            {
                f"{MACHINE}.building->failed",
                f"{MACHINE}.deploying->live",
                f"{MACHINE}.deploying->failed",
                f"{MACHINE}.deploying->rolled_back",
                "criterion-6",
                "criterion-status-changes-logged",
            }
        ),
    ),
    "no_service_cascade": Broken(
        (
            (
                "REFERENCES services(id) ON DELETE CASCADE,",
                "REFERENCES services(id),",
            ),
        ),
        frozenset({"table-deployments.service_id", "criterion-service-delete-cascades"}),
    ),
    "environment_cascade": Broken(
        (
            (
                "REFERENCES environments(id) ON DELETE RESTRICT,",
                "REFERENCES environments(id) ON DELETE CASCADE,",
            ),
        ),
        frozenset({"table-deployments.environment_id", "criterion-environment-in-use"}),
    ),
    "deploy_count_default": Broken(
        (("deploy_count INTEGER NOT NULL DEFAULT 0,", "deploy_count INTEGER NOT NULL DEFAULT 1,"),),
        # Every new service now breaks the deploy-count invariant: each check
        # that registers one fails, besides the column's own default check.
        frozenset(
            {"table-services.deploy_count"}
            | {f"criterion-{n}" for n in range(1, 7)}
            | {
                f"criterion-{key}"
                for key in (
                    "build-log-in-order",
                    "deployment-needs-version",
                    "environment-in-use",
                    "log-seq-unique",
                    "service-delete-cascades",
                    "service-slug-unique",
                    "service-with-deployments",
                    "status-changes-logged",
                    "transition-refused",
                )
            }
            | {
                f"{MACHINE}.{suffix}"
                for suffix in (
                    "initial",
                    "queued->building",
                    "building->deploying",
                    "building->failed",
                    "deploying->live",
                    "deploying->failed",
                    "deploying->rolled_back",
                )
            }
        ),
    ),
    "nullable_version": Broken(
        (("version TEXT NOT NULL CHECK", "version TEXT CHECK"),),
        frozenset({"table-deployments.version", "criterion-deployment-needs-version"}),
    ),
    "no_deployment_unique": Broken(
        (
            (
                "    finished_at TEXT,\n    UNIQUE (service_id, environment_id, version)\n",
                "    finished_at TEXT\n",
            ),
        ),
        frozenset({"table-deployments.unique(service_id,environment_id,version)", "criterion-4"}),
    ),
    "no_tier_check": Broken(
        (
            (
                "DEFAULT 'staging' CHECK (tier IN ('dev', 'staging', 'production')),",
                "DEFAULT 'staging',",
            ),
        ),
        frozenset({"criterion-environment-tier"}),
    ),
}


def broken_schema(name: str, directory: Path) -> Path:
    """Write schema.sql with variant ``name``'s edits applied; return its path."""
    text = SCHEMA_TEXT
    for old, new in BROKEN[name].edits:
        assert text.count(old) == 1, f"{name}: {old!r} must occur exactly once"
        text = text.replace(old, new)
    path = directory / f"{name}.sql"
    path.write_text(text, "utf-8")
    return path


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
    assert sections == {"tables", "state_machines", "criteria", "invariants"}


@pytest.mark.parametrize("variant", sorted(BROKEN))
def test_broken_variant_fails_exactly_its_checks(spec: Spec, variant: str, tmp_path: Path) -> None:
    report = run(spec, schema=broken_schema(variant, tmp_path))
    not_passed = {check.id: check.outcome for check in report.checks if check.outcome != "pass"}
    assert frozenset(not_passed) == BROKEN[variant].fails, not_passed
    assert set(not_passed.values()) == {"fail"}
    assert report.verdict == "FAIL"


@pytest.mark.parametrize("variant", sorted(BROKEN))
def test_broken_variant_cli_exits_1(run_cli: RunCli, variant: str, tmp_path: Path) -> None:
    result = run_cli(SPEC, "--schema", broken_schema(variant, tmp_path))
    assert result.status == 1, result.out + result.err
    assert result.out.splitlines()[-1].startswith("FAIL: ")
    assert result.err == ""

"""The SARIF 2.1.0 report: checks that did not pass as results for code scanning.

This module owns the ``sarif`` format (OASIS SARIF 2.1.0, the JSON that
GitHub code scanning and other result viewers import):

- one ``run`` for the whole invocation (code hosts want one run per tool and
  category), its ``tool.driver`` named ``validator`` with a ``rule`` per
  check that did not pass (``id``: the check id, stable across runs and
  schemas; ``shortDescription``: its title);
- one ``result`` per check that failed or could not run (``level: error``,
  the message saying "could not run" first) or broke only ``warn`` rules
  (``level: warning``); passing checks give none. The message is every
  finding, "file:line:col: step: expected X, found Y", and the offending rows;
- the location is the check's first finding (the spec line stating the rule),
  ``uri`` relative to the repository root (``uriBaseId: %SRCROOT%``, as code
  scanning expects; ``RenderOptions.root``), line and column when known;
- ``partialFingerprints`` name the spec and the check, so an alert follows its
  check when lines move;
- with a baseline (``RenderOptions.baseline``), ``baselineState`` is ``new``
  or ``unchanged``.

Text from specs and databases has its control and bidi characters made
visible (:mod:`~validator.reports.escape`); viewers show it to people.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..errors import Location
from ..results import CheckResult, Report
from . import RenderOptions, from_root
from .escape import visible
from .rows import row_lines

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_ID = "%SRCROOT%"
FINGERPRINT = "validatorCheck/v1"

_LEVEL = {"fail": "error", "error": "error", "warn": "warning"}


def _text(text: str) -> str:
    return visible(text, keep="\n")


def _message(check: CheckResult) -> str:
    lines = [f"{check.display_title} [{check.id}]"]
    if check.outcome == "error":
        lines.append("could not run:")
    for finding in check.findings:
        lines.append(f"{finding.location}: {finding}")
        if finding.rows is not None:
            lines.extend(f"  {line}" for line in row_lines(finding.rows))
    return _text("\n".join(lines))


def artifact(file: str, options: RenderOptions) -> dict[str, str]:
    """Where ``file`` is, as a SARIF artifact location: a URI reference relative to
    the repository root (percent-encoded), or a ``file:`` URI outside it."""
    path = from_root(file, options)
    if PurePath(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(PurePath(path).as_posix(), safe="/"), "uriBaseId": ROOT_ID}


def _location(place: Location, options: RenderOptions) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact(place.file, options)}
    if place.line > 0:
        region = {"startLine": place.line}
        if place.column > 0:
            region["startColumn"] = place.column
        physical["region"] = region
    return {"physicalLocation": physical}


def _result(report: Report, check: CheckResult, options: RenderOptions) -> dict[str, Any]:
    place = check.findings[0].location if check.findings else check.location
    result: dict[str, Any] = {
        "ruleId": check.id,
        "level": _LEVEL[check.outcome],
        "message": {"text": _message(check)},
        "locations": [_location(place, options)],
        "partialFingerprints": {FINGERPRINT: f"{from_root(report.spec, options)}:{check.id}"},
    }
    if options.baseline is not None:
        known = (report.spec, check.id) in options.baseline
        result["baselineState"] = "unchanged" if known else "new"
    return result


def _rules(checks: Sequence[CheckResult]) -> list[dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for check in checks:
        rules.setdefault(
            check.id,
            {
                "id": check.id,
                "name": check.section,
                "shortDescription": {"text": _text(check.display_title) or check.id},
            },
        )
    return list(rules.values())


def document(reports: Sequence[Report], options: RenderOptions) -> dict[str, Any]:
    """The SARIF log of a run, as JSON-ready data."""
    shown = [
        (report, check) for report in reports for check in report.checks if check.outcome in _LEVEL
    ]
    driver = {
        "name": "validator",
        "semanticVersion": __version__,
        "rules": _rules([check for _, check in shown]),
    }
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [_result(report, check, options) for report, check in shown],
        "invocations": [{"executionSuccessful": True}],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    return json.dumps(document(reports, options), indent=2, ensure_ascii=False) + "\n"

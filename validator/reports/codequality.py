"""The GitLab code quality report: checks that did not pass, on the spec lines of a
merge request's diff.

This module owns the ``codequality`` format: the JSON array GitLab reads from
``artifacts:reports:codequality`` (its subset of the Code Climate issue
format). One issue per check that failed or could not run (severity
``critical``) or broke only ``warn`` rules (``minor``):

- ``description``: the title, the id and every finding on one line;
- ``check_name``: the check id; ``fingerprint``: a hash of the spec and the id,
  so that GitLab tells new issues from old ones when lines move;
- ``location.path`` relative to the repository root (``RenderOptions.root``),
  ``location.lines.begin`` the spec line stating the rule (1 when unknown).

Text from specs and databases has its control characters made visible.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ..results import CheckResult, Report
from . import RenderOptions, from_root
from .escape import visible

_SEVERITY = {"fail": "critical", "error": "critical", "warn": "minor"}


def _description(check: CheckResult) -> str:
    parts = [f"{check.display_title} [{check.id}]"]
    if check.outcome == "error":
        parts.append("could not run")
    parts += [f"{finding.location}: {finding}" for finding in check.findings]
    return visible(" · ".join(" ".join(part.split()) for part in parts))


def _issue(report: Report, check: CheckResult, options: RenderOptions) -> dict[str, Any]:
    place = check.findings[0].location if check.findings else check.location
    spec = from_root(report.spec, options)
    return {
        "description": _description(check),
        "check_name": check.id,
        "fingerprint": hashlib.sha256(f"{spec}\0{check.id}".encode()).hexdigest(),
        "severity": _SEVERITY[check.outcome],
        "location": {
            "path": from_root(place.file, options),
            "lines": {"begin": max(place.line, 1)},
        },
    }


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    issues = [
        _issue(report, check, options)
        for report in reports
        for check in report.checks
        if check.outcome in _SEVERITY
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"

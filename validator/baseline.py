"""A baseline of known failures: only new failures fail the gate.

This module owns the baseline file (``--baseline FILE``, written by
``--write-baseline``) and what it does to a run's reports. It lets a team
adopt the gate on a project that does not pass yet, as mypy's and ruff's
users do: the checks failing today are recorded once; from then on they are
shown as warnings (outcome ``warn``, with a last finding pointing at their
line in the baseline) and only a check failing that is not recorded fails the
gate. A recorded check that passes again is *fixed*; one no spec declares any
more is *gone*: both are reported so that the baseline shrinks
(``--write-baseline`` again).

The file is JSON, one entry per line so that it diffs well::

    {"version": 1, "known": [
    {"spec": "spec/orders.yaml", "check": "criterion-3", "outcome": "fail"},
    {"spec": "spec/orders.yaml", "check": "machine-m.a->b", "outcome": "error"}
    ]}

``spec`` is relative to the baseline's folder (so any working directory
works), ``check`` the stable check id, ``outcome`` what it was. Writing keeps
the entries of checks this run did not run (other specs, ``-k``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any

from .errors import Location, UsageError
from .results import CheckResult, Finding, Report

VERSION = 1
Key = tuple[str, str]
"""``(spec path relative to the baseline's folder, check id)``."""


@dataclass(frozen=True)
class Baseline:
    """The known failures of ``path`` (``shown``: the path as messages name it),
    each with its outcome and the line it is on."""

    path: Path
    shown: str
    known: dict[Key, tuple[str, int]] = field(default_factory=dict)

    def key(self, spec: str, check_id: str) -> Key:
        """The entry of check ``check_id`` of the spec at ``spec`` (as a report names it)."""
        here = os.path.normpath(Path(spec).absolute())
        spec = os.path.relpath(here, os.path.normpath(self.path.parent.absolute()))
        return PurePath(spec).as_posix(), check_id


@dataclass(frozen=True)
class Applied:
    """What the baseline did to a run: the reports with known failures as
    warnings, and the entries that no longer fail."""

    reports: list[Report]
    known: list[tuple[Report, CheckResult]]
    fixed: list[Key]
    gone: list[Key]

    def keys(self) -> frozenset[tuple[str, str]]:
        """``(report.spec, check id)`` of the known failures, as reporters name them."""
        return frozenset((report.spec, check.id) for report, check in self.known)


def read(path: Path, *, missing_ok: bool = False) -> Baseline:
    """The baseline at ``path``; a file that is not one is a :class:`UsageError`
    at its line (a missing file too, unless ``missing_ok``: it is about to be written)."""
    shown = _shown(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        if missing_ok:
            return Baseline(path, shown)
        raise UsageError.at(
            Location(f"--baseline {path}"),
            "no such file; write it first with --write-baseline",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError.at(Location(f"--baseline {path}"), f"cannot read: {exc}") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Baseline:
    """The baseline written in ``text`` (the file at ``path``)."""
    shown = _shown(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError.at(Location(shown, exc.lineno, exc.colno), exc.msg) from None
    return Baseline(path, shown, _entries(data, text, shown))


_EXPECTED = '{"version": 1, "known": [{"spec": ..., "check": ..., "outcome": ...}, ...]}'


def _entries(data: Any, text: str, shown: str) -> dict[Key, tuple[str, int]]:
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise UsageError.at(Location(shown, 1, 1), f"expected a baseline {_EXPECTED}")
    entries = data.get("known")
    if not isinstance(entries, list):
        raise UsageError.at(Location(shown, 1, 1), f"expected a baseline {_EXPECTED}")
    lines = text.splitlines()
    known: dict[Key, tuple[str, int]] = {}
    for entry in entries:
        values = [entry.get(name) if isinstance(entry, dict) else None for name in _FIELDS]
        spec, check, outcome = (value if isinstance(value, str) else "" for value in values)
        if not (spec and check and outcome):
            where = Location(shown, _line(lines, json.dumps(entry)), 1)
            found = json.dumps(entry, ensure_ascii=False)
            raise UsageError.at(where, f"expected {_ENTRY}, found {found}")
        known[(spec, check)] = (outcome, _line(lines, f'"check": {json.dumps(check)}'))
    return known


_FIELDS = ("spec", "check", "outcome")
_ENTRY = '{"spec": ..., "check": ..., "outcome": ...}'


def _line(lines: Sequence[str], needle: str) -> int:
    return next((number for number, line in enumerate(lines, 1) if needle in line), 0)


def _shown(path: Path) -> str:
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def apply(reports: Sequence[Report], baseline: Baseline, planned: Iterable[Key]) -> Applied:
    """Known failures become warnings; recorded checks that pass now, and those
    the specs that ran no longer declare (``planned``: every check of them,
    chosen or not), are listed."""
    declared = set(planned)
    out: list[Report] = []
    known: list[tuple[Report, CheckResult]] = []
    fixed: list[Key] = []
    for report in reports:
        checks = []
        for check in report.checks:
            key = baseline.key(report.spec, check.id)
            entry = baseline.known.get(key)
            if entry is not None and check.outcome in ("fail", "error"):
                check = _known(check, baseline, entry[1])
                known.append((report, check))
            elif entry is not None:
                fixed.append(key)
            checks.append(check)
        out.append(replace(report, checks=tuple(checks)))
    return Applied(out, known, fixed, _gone(baseline, reports, declared))


def _gone(baseline: Baseline, reports: Sequence[Report], declared: set[Key]) -> list[Key]:
    """Entries of the specs that ran for checks they no longer declare."""
    specs = {baseline.key(report.spec, "")[0] for report in reports}
    return [key for key in baseline.known if key[0] in specs and key not in declared]


def _known(check: CheckResult, baseline: Baseline, line: int) -> CheckResult:
    what = "failure" if check.outcome == "fail" else "check that could not run"
    note = Finding(
        Location(baseline.shown, line, 1 if line else 0),
        "this check to pass",
        f"a known {what}, listed in the baseline; the gate passes",
        step="baseline",
        warning=True,
    )
    return replace(check, outcome="warn", findings=(*check.findings, note))


def dump(reports: Sequence[Report], baseline: Baseline, planned: Iterable[Key]) -> str:
    """The baseline file after this run (``reports`` as the checks gave them,
    before :func:`apply`): every check that failed or could not run, and the
    earlier entries of checks this run did not run but that still exist."""
    gone = set(_gone(baseline, reports, set(planned)))
    ran = {baseline.key(report.spec, check.id) for report in reports for check in report.checks}
    entries = {
        key: outcome
        for key, (outcome, _) in baseline.known.items()
        if key not in ran and key not in gone
    }
    for report in reports:
        for check in report.checks:
            if check.outcome in ("fail", "error"):
                entries[baseline.key(report.spec, check.id)] = check.outcome
    lines = [
        json.dumps({"spec": spec, "check": check, "outcome": outcome}, ensure_ascii=False)
        for (spec, check), outcome in sorted(entries.items())
    ]
    body = "".join(f"{line},\n" for line in lines[:-1]) + (f"{lines[-1]}\n" if lines else "")
    return f'{{"version": {VERSION}, "known": [\n{body}]}}\n'


def notes(applied: Applied, known: Baseline) -> list[str]:
    """What the baseline changed, for standard error (every format, also with -q)."""
    lines = []
    if applied.known:
        count = len(applied.known)
        lines.append(
            f"validator: {count} known failure{'s' if count != 1 else ''} in {known.shown} "
            "shown as warnings; they do not fail the gate"
        )
    for what, keys in (("now pass", applied.fixed), ("no longer exist", applied.gone)):
        if keys:
            shown = ", ".join(f"{spec}::{check}" for spec, check in keys[:10])
            more = f" and {len(keys) - 10} more" if len(keys) > 10 else ""
            lines.append(
                f"validator: {len(keys)} checks of {known.shown} {what}: {shown}{more}; "
                "drop them with --write-baseline"
            )
    return lines

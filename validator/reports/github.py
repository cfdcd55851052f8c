"""The GitHub Actions report: workflow commands that annotate the spec.

This module owns the ``github`` format, meant to be printed in a workflow step:

- one ``::error file=F,line=L,col=C,title=T::MESSAGE`` line per check that
  failed or could not run, in report order, placed at its first finding (the
  spec line stating the rule; the check's own location when it has none). The
  title is the check title (with the criterion number) and its id in brackets;
  the message is every finding, "step: expected X, found Y", joined with an
  encoded newline (``%0A``), with the place of a finding that lies elsewhere in
  front of it. A check that could not run says so first.
- GitHub shows at most ten error annotations per step, so across all reports of
  the run only the first :data:`ANNOTATION_LIMIT` become ``::error`` lines; one
  ``::warning::`` then says how many more did not pass, and each of those is
  still written as a plain ``validator: FAIL ...`` line, so the log lists them all.
- Finally a plain summary line per spec (``validator: FAIL: 73 checks, 58 passed,
  15 failed, 0 errors (spec.yaml)``) and, for several specs, an overall line.
  When the whole run passes, a single ``::notice::`` with the pass summary comes
  first, so a green run shows one annotation and no errors.

Escaping follows ``escapeData``/``escapeProperty`` of ``@actions/core``
(``command.ts``): in data ``%`` -> ``%25``, ``\\r`` -> ``%0D``, ``\\n`` -> ``%0A``;
property values additionally ``:`` -> ``%3A`` and ``,`` -> ``%2C``. Before that,
every other control and bidi character is made visible
(:mod:`~validator.reports.escape`): the log renders ANSI colours, and a raw
escape sequence could repaint a line. Plain lines start with ``validator:``
and have their line breaks turned into spaces, so no text from a spec or a
database can start a line (and so a workflow command) of its own. A line or
column of 0 (unknown) is left out, as the toolkit leaves out empty properties.

``file=`` is relative to the repository root (``RenderOptions.root``): GitHub
attaches an annotation to a file only by its path from the root, so a run
from a sub-folder (``working-directory:``) still annotates the spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import Location
from ..results import CheckResult, Overall, Report
from . import RenderOptions, from_root
from .escape import visible

ANNOTATION_LIMIT = 10
"""GitHub shows at most this many error annotations per step."""


def escape_data(text: str) -> str:
    """A workflow command's message, as ``escapeData`` writes it (other control
    characters made visible first)."""
    text = visible(text, keep="\r\n")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, as ``escapeProperty`` writes it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _plain(text: str) -> str:
    """``text`` on one line, for a plain (non-command) log line."""
    return visible(text.replace("\r\n", " ").replace("\r", " ").replace("\n", " "))


def command(name: str, properties: Sequence[tuple[str, str]], message: str) -> str:
    """``::name key=value,...::message``, escaped; empty values are left out."""
    given = ",".join(f"{key}={escape_property(value)}" for key, value in properties if value)
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


@dataclass(frozen=True)
class _Annotation:
    """One check that did not pass: where to put it and what to say."""

    check: CheckResult
    location: Location
    file: str
    """The location's file from the repository root."""

    @property
    def title(self) -> str:
        title = self.check.title
        if self.check.number is not None:
            title = f"{self.check.number}. {title}"
        return f"{title} [{self.check.id}]"

    @property
    def message(self) -> str:
        lines = ["could not run"] if self.check.outcome == "error" else []
        for finding in self.check.findings:
            where = "" if finding.location == self.location else f"{finding.location}: "
            lines.append(f"{where}{finding}")
        return "\n".join(lines) or self.check.outcome

    def error(self) -> str:
        place = self.location
        return command(
            "warning" if self.check.outcome == "warn" else "error",
            [
                ("file", self.file),
                ("line", str(place.line) if place.line else ""),
                ("col", str(place.column) if place.line and place.column else ""),
                ("title", self.title),
            ],
            self.message,
        )

    def plain(self) -> str:
        label = self.check.outcome.upper()
        message = self.message.replace("\n", "; ")
        return _plain(f"validator: {label} {self.location}: {self.title}: {message}")


def _annotations(
    reports: Sequence[Report], outcomes: tuple[str, ...], options: RenderOptions
) -> list[_Annotation]:
    found = []
    for report in reports:
        for check in report.checks:
            if check.outcome in outcomes:
                place = check.findings[0].location if check.findings else check.location
                found.append(_Annotation(check, place, from_root(place.file, options)))
    return found


def _summary(report: Report) -> str:
    summary = report.summary
    warnings = f", {summary.warnings} warnings" if summary.warnings else ""
    return _plain(
        f"validator: {report.verdict}: {summary.total} checks, {summary.passed} passed, "
        f"{summary.failed} failed, {summary.errors} errors{warnings} ({report.spec})"
    )


def _overall(reports: Sequence[Report]) -> str:
    overall = Overall.of(reports)
    return f"validator: {overall.verdict}: {overall}"


def _notice(reports: Sequence[Report]) -> str:
    total = sum(report.summary.total for report in reports)
    specs = ", ".join(report.spec for report in reports)
    return command("notice", [("title", "validator: PASS")], f"{total} checks passed ({specs})")


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    """Annotations for what did not pass, then the summary lines."""
    found = _annotations(reports, ("fail", "error"), options)
    shown, rest = found[:ANNOTATION_LIMIT], found[ANNOTATION_LIMIT:]
    lines = [annotation.error() for annotation in shown]
    # Rules of severity warn: warning annotations (GitHub shows ten of them too).
    warned = _annotations(reports, ("warn",), options)
    lines += [annotation.error() for annotation in warned[:ANNOTATION_LIMIT]]
    lines += [annotation.plain() for annotation in warned[ANNOTATION_LIMIT:]]
    if rest:
        noun = "check" if len(rest) == 1 else "checks"
        lines.append(
            command(
                "warning",
                [("title", "validator: more failures")],
                f"{len(rest)} more failing {noun} not annotated "
                f"(GitHub shows {ANNOTATION_LIMIT} error annotations per step); "
                "they are listed in the job log",
            )
        )
        lines.extend(annotation.plain() for annotation in rest)
    passed = bool(reports) and all(report.verdict == "PASS" for report in reports)
    if passed:
        lines.insert(0, _notice(reports))
    lines.extend(_summary(report) for report in reports)
    if len(reports) > 1:
        lines.append(_overall(reports))
    return "\n".join(lines) + "\n"

"""How strong a spec is: the single-edit breaks of its schema that it notices.

:func:`score` runs the spec on the schema as written (it must PASS: the
score of a failing spec means nothing), then on every mutant of the schema
(:mod:`validator.mutants`), each applied to a fresh in-memory database, and
returns a :class:`MutationReport`. A mutant is

- ``equivalent`` when SQLite reads back the original's schema after
  normalisation (:mod:`validator.signature`): no check could tell it apart,
  so it is not run;
- ``killed`` when it no longer applies (the reason says SQLite's error) or a
  check that passed on the original fails or errors on it. By default the
  run of a mutant stops after the first unit of checks (a table, a source
  state, a criterion) with such a check, so ``killed_by`` names the checks of
  that unit, not every check that would notice;
- ``ignored`` when it survives and the spec acknowledges it
  (``mutations: ignore``), ``survived`` otherwise;
- ``error`` when the engine could not run it at all.

The score is killed / (killed + survived): equivalent and ignored mutants are
shown but left out, and errors count in no direction (a gate fails on any,
see :attr:`MutationReport.complete`).

Mutants run in this process, or across a pool of processes (``jobs``); each
run opens its own database, so the order of results never depends on that.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Literal

from . import sqlite
from .coverage import Unexercised, unexercised
from .errors import Problem, SchemaError, SpecError, ValidatorError
from .model import Spec
from .mutants import Edit, Mutant, generate
from .results import CheckResult, Report
from .runner import Select, run
from .selection import near
from .session import DEFAULT_STEP_TIMEOUT, Access
from .signature import Cache, Signature, signature
from .sqlite import SqliteSession

Outcome = Literal["killed", "survived", "equivalent", "error", "ignored"]
OUTCOMES: tuple[Outcome, ...] = ("killed", "survived", "ignored", "equivalent", "error")
"""Every outcome, in the order reports count them."""

SelectMutant = Callable[[Mutant], bool]

PARALLEL_MINIMUM = 8
"""Fewer mutants to run than this per process, and a pool does not pay for its start."""


class OriginalFails(Exception):
    """The spec does not pass on the schema as written: nothing to score."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{report.spec}: the spec does not pass on {report.schema}")
        self.report = report


@dataclass(frozen=True)
class MutantResult:
    """What became of one mutant. ``killed_by``: the checks that noticed it (those
    of the first unit that did, unless the run went on). ``reason``: for a mutant
    that no longer applies, or an error, why; for an ignored one, the spec's reason."""

    mutant: Mutant
    outcome: Outcome
    killed_by: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class MutationReport:
    """Everything a mutation run found for one spec and schema."""

    spec: str
    title: str
    schema: str
    checks: int
    """How many checks the spec ran on the original."""
    results: tuple[MutantResult, ...]
    generated: int
    """How many mutants the schema has (``results`` holds the selected ones)."""
    warnings: tuple[Problem, ...] = ()
    """Ignore entries that are not needed (their mutant is killed or equivalent)."""
    coverage: tuple[Unexercised, ...] | None = None
    """What no check reads, writes or introspects (None: not asked for)."""
    every_killer: bool = False
    """Whether ``killed_by`` lists every check that notices, not only the first unit's."""

    def count(self, outcome: Outcome) -> int:
        return sum(result.outcome == outcome for result in self.results)

    @property
    def score(self) -> float:
        """killed / (killed + survived); 1.0 when there is neither."""
        killed, survived = self.count("killed"), self.count("survived")
        return killed / (killed + survived) if killed + survived else 1.0

    @property
    def complete(self) -> bool:
        """Whether every mutant could be run (no ``error``)."""
        return self.count("error") == 0

    @property
    def survivors(self) -> tuple[MutantResult, ...]:
        return tuple(result for result in self.results if result.outcome == "survived")


def mutants_of(text: str, name: str) -> list[Mutant]:
    """Every mutant of the schema ``text`` (read from ``name``), in text order."""
    return generate(text, name)


def score(
    spec: Spec,
    text: str,
    name: str,
    *,
    select: SelectMutant | None = None,
    coverage: bool = False,
    jobs: int = 1,
    step_timeout: float = DEFAULT_STEP_TIMEOUT,
    every_killer: bool = False,
) -> MutationReport:
    """Score ``spec`` against the mutants of the schema ``text`` (shown as ``name``).

    ``select`` keeps only some mutants; ``coverage`` also lists what no check
    exercises; ``jobs`` > 1 runs mutants across that many processes;
    ``every_killer`` runs every check on every mutant instead of stopping at
    the first unit that notices it. Raises :class:`OriginalFails` when the spec
    does not pass on ``text``, :class:`~validator.errors.SpecError` when an
    ignore entry names no mutant of the schema, and the errors of
    :func:`validator.runner.run`.
    """
    every = mutants_of(text, name)
    _check_ignored(spec, every, name)
    chosen = [mutant for mutant in every if select is None or select(mutant)]
    access = Access() if coverage else None
    original = run(
        spec, schema_text=text, schema_name=name, step_timeout=step_timeout, access=access
    )
    if original.verdict != "PASS":
        raise OriginalFails(original)
    job = Job(spec, text, name, _signature(text, name), step_timeout, every_killer)
    verdicts = _verdicts(job, chosen, jobs)
    ignored = {entry.id: entry for entry in spec.ignored_mutants}
    results: list[MutantResult] = []
    warnings: list[Problem] = []
    for mutant, (outcome, killed_by, reason) in zip(chosen, verdicts, strict=True):
        entry = ignored.get(mutant.id)
        if entry is not None and outcome == "survived":
            outcome, reason = "ignored", entry.reason
        elif entry is not None and outcome in ("killed", "equivalent"):
            warnings.append(Problem(entry.location, _not_needed(mutant, outcome, killed_by)))
        results.append(MutantResult(mutant, outcome, killed_by, reason))
    return MutationReport(
        spec=spec.file,
        title=spec.title,
        schema=name,
        checks=len(original.checks),
        results=tuple(results),
        generated=len(every),
        warnings=tuple(sorted(warnings)),
        coverage=None if access is None else tuple(unexercised(text, name, access, spec)),
        every_killer=every_killer,
    )


def _check_ignored(spec: Spec, mutants: Sequence[Mutant], name: str) -> None:
    """Every ignore entry must name a mutant of the schema: a stale one is refused."""
    known = [mutant.id for mutant in mutants]
    ids = set(known)
    problems = []
    for entry in spec.ignored_mutants:
        if entry.id in ids:
            continue
        close = near(entry.id, known)
        hint = f"; near: {', '.join(close)}" if close else ""
        problems.append(
            Problem(
                entry.location,
                f"mutations.ignore: no mutant of {name} has the id {entry.id!r} (the schema "
                f"changed? remove the entry){hint}",
            )
        )
    if problems:
        raise SpecError(problems)


def _not_needed(mutant: Mutant, outcome: Outcome, killed_by: tuple[str, ...]) -> str:
    if outcome == "equivalent":
        why = "is equivalent: no check can notice it, and it is not scored"
    else:
        why = f"is killed (by {', '.join(killed_by)})" if killed_by else "is killed"
    return f"mutations.ignore: mutant {mutant.id!r} {why}; the entry is not needed"


# -- running mutants ----------------------------------------------------------


Verdict = tuple[Outcome, tuple[str, ...], str]
"""What running one mutant found: outcome, killed_by, reason."""


@dataclass(frozen=True)
class Job:
    """What running any mutant of one schema needs (sent once to each process)."""

    spec: Spec
    source: str = field(repr=False)
    name: str
    original: Signature
    step_timeout: float
    every_killer: bool
    read: Cache = field(default_factory=Cache, compare=False, repr=False)
    """What the signatures read so far (a mutant changes one statement)."""


def _signature(text: str, name: str, cache: Cache | None = None) -> Signature:
    """The signature of ``text`` applied to a fresh in-memory database."""
    with closing(sqlite.open_schema(text, name)) as session:
        return signature(session.connection, cache)


def _noticed(result: CheckResult) -> bool:
    return result.outcome in ("fail", "error")


def evaluate(job: Job, edit: Edit, first: frozenset[str] = frozenset()) -> Verdict:
    """Run the spec on the mutant ``edit`` makes of the job's schema; the checks
    ``first`` (those that noticed the previous mutant of the same rule) are
    tried alone first, which is all a killed mutant usually needs."""
    text = edit.apply(job.source)
    try:
        session = sqlite.open_schema(text, job.name, job.step_timeout)
        try:
            equivalent = signature(session.connection, job.read) == job.original
        except BaseException:
            session.close()
            raise
        if equivalent:
            session.close()
            return "equivalent", (), ""
        # The run takes the database the signature was read from (and closes it).
        opened: SqliteSession | None = session
        if first and not job.every_killer:
            killed_by = _noticing(job, text, opened, lambda planned: planned.id in first)
            if killed_by:
                return "killed", killed_by, ""
            opened = None
        killed_by = _noticing(job, text, opened)
    except SchemaError as exc:
        return "killed", (), f"the mutated schema does not apply: {exc.problems[0]}"
    except ValidatorError as exc:
        return "error", (), str(exc.problems[0])
    return ("killed" if killed_by else "survived"), killed_by, ""


def _noticing(
    job: Job, text: str, opened: SqliteSession | None, select: Select | None = None
) -> tuple[str, ...]:
    """The checks (of ``select``) that fail or error on the schema ``text`` (on
    ``opened``, a fresh database of it, if given): with ``every_killer``, all of
    them; else those of the first unit with any."""
    report = run(
        job.spec,
        schema_text=text,
        schema_name=job.name,
        opened=opened,
        select=select,
        step_timeout=job.step_timeout,
        stop=None if job.every_killer else _noticed,
    )
    return tuple(check.id for check in report.checks if _noticed(check))


def evaluate_rule(job: Job, edits: Sequence[Edit]) -> list[Verdict]:
    """Run the mutants of one rule in order, each trying first the checks that
    noticed the one before (so the result never depends on how rules are
    spread over processes)."""
    verdicts: list[Verdict] = []
    first: frozenset[str] = frozenset()
    for edit in edits:
        verdict = evaluate(job, edit, first)
        if verdict[1]:
            first = frozenset(verdict[1])
        verdicts.append(verdict)
    return verdicts


def default_jobs() -> int:
    """The processes this one may use (its CPU affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _verdicts(job: Job, mutants: Sequence[Mutant], jobs: int) -> list[Verdict]:
    """The verdict of each mutant, in order: rule by rule (a rule's mutants in one
    process), here or across ``jobs`` processes when there is enough to share."""
    rules: dict[str, list[int]] = {}
    for index, mutant in enumerate(mutants):
        rules.setdefault(mutant.title, []).append(index)
    groups = [[mutants[i].edit for i in indexes] for indexes in rules.values()]
    workers = min(jobs, len(mutants) // PARALLEL_MINIMUM, len(groups))
    if workers < 2:
        found = [evaluate_rule(job, group) for group in groups]
    else:
        found = _pooled(job, groups, workers)
    verdicts: list[Verdict | None] = [None] * len(mutants)
    for indexes, group_verdicts in zip(rules.values(), found, strict=True):
        for index, verdict in zip(indexes, group_verdicts, strict=True):
            verdicts[index] = verdict
    return [verdict for verdict in verdicts if verdict is not None]


def _pooled(job: Job, groups: list[list[Edit]], workers: int) -> list[list[Verdict]]:
    methods = multiprocessing.get_all_start_methods()
    # fork shares the loaded spec for free; elsewhere the job is pickled once per process.
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(workers, _start_worker, (job,)) as pool:
        # One rule per task: costs differ a lot (a survivor runs every check).
        return list(pool.imap(_evaluate_here, groups, chunksize=1))


_WORKER_JOB: Job | None = None


def _start_worker(job: Job) -> None:
    """In a pool process: the parent handles Ctrl-C and ends the pool; SIGTERM
    (how a pool is ended) ends the process quietly."""
    global _WORKER_JOB
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER_JOB = job


def _evaluate_here(edits: list[Edit]) -> list[Verdict]:
    assert _WORKER_JOB is not None
    return evaluate_rule(_WORKER_JOB, edits)

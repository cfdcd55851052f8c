"""pytest plugin: every check of a spec file is one test item.

    python -m pytest -p validator.pytest_plugin spec/orders.yaml

A YAML file is collected when it looks like a spec of this format and was
named on the command line, is called ``test_*.yaml``, or lies in one of the
``specs`` of ``[tool.validator]`` in ``pyproject.toml`` (whose ``schema``,
``db`` and ``step-timeout`` are the defaults of the ``--validator-*``
options, as for the command line: :mod:`validator.config`). Each item reports
its own check, so ``-k``, ``--junitxml`` and ``pytest-xdist`` work as for any
test; a failure shows the text report's explanation with the spec file and
line, not a Python traceback. Installed, the plugin is also registered under
the ``pytest11`` entry point.

Collecting a spec loads and plans it, and runs nothing. A spec runs once per
pytest process, at the first of its items to run: all its checks that are
still selected (after ``-k``, ``--lf``...) go through one :func:`run`, on one
schema, as the command line runs them; every item then reports its own result.
So that item's duration holds the whole spec's, and the others take none.
Under ``pytest-xdist`` every worker runs the specs of the items it was given:
``--dist loadfile`` keeps each spec on one worker; under the default ``load``
a spec whose items were spread over two workers runs on both. (Marking items
``xdist_group`` for ``--dist loadgroup`` would not help: xdist 3.8 groups by
rewriting node ids, which pytest 9.2 no longer reads, pytest-xdist#1386.)

A check that could not run (outcome ``error``) is a pytest *error*, as a
broken fixture is, not a failure: the item takes its result in its setup, and
an ``error`` stops it there, so the terminal and ``--junitxml`` count it among
the errors. Titles, ids and messages come from the spec and the database:
their control characters are shown as escapes (:mod:`validator.reports.escape`).
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from . import config as settings
from .discover import SUFFIXES, looks_like_spec
from .errors import ValidatorError
from .model import Spec
from .reports.escape import visible
from .results import CheckResult, Planned
from .runner import display_path, load_spec, plan, run
from .session import DEFAULT_STEP_TIMEOUT


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("validator", "validator specs")
    group.addoption(
        "--validator-schema",
        type=Path,
        metavar="PATH",
        help="apply this SQL schema instead of the one each spec names",
    )
    group.addoption(
        "--validator-step-timeout",
        type=float,
        metavar="SECONDS",
        help=f"time limit of one SQL statement of a spec or schema "
        f"(default {DEFAULT_STEP_TIMEOUT:g})",
    )
    group.addoption(
        "--validator-db",
        type=Path,
        metavar="PATH",
        help="check a private copy of this SQLite database instead of a schema",
    )


_SETTINGS = pytest.StashKey[argparse.Namespace]()
_CHOSEN = pytest.StashKey[dict["SpecFile", set[str]]]()


def pytest_configure(config: pytest.Config) -> None:
    """Read ``[tool.validator]`` once; flags given to pytest win over it."""
    from .cli import parser, read_config

    arguments = parser()
    options = arguments.parse_args([])
    try:
        found = settings.load(config.invocation_params.dir)
    except ValidatorError as exc:
        raise pytest.UsageError(str(exc)) from None
    problems = read_config(found, None, arguments, options)
    if problems:
        raise pytest.UsageError("\n".join(str(problem) for problem in sorted(problems)))
    for name in ("schema", "db", "step_timeout"):
        given = config.getoption(f"validator_{name}")
        if given is not None:
            setattr(options, name, given)
    options.specs = [Path(path).resolve() for path in options.specs]
    config.stash[_SETTINGS] = options


def _settings(config: pytest.Config) -> argparse.Namespace:
    return config.stash[_SETTINGS]


def _configured(config: pytest.Config, file_path: Path) -> bool:
    """Whether ``file_path`` is, or lies in, one of the configured ``specs``."""
    path = file_path.resolve()
    return any(path.is_relative_to(spec) for spec in _settings(config).specs)


def pytest_collection_finish(session: pytest.Session) -> None:
    """When specs were collected, move what collection built (the loaded specs,
    kept to the end of the session) out of the garbage collector's sight, as the
    command line does: every later collection, and pytest's own at the end,
    would otherwise walk all of it again. Garbage is collected first, so that
    nothing unreachable is kept; a session without specs is left alone."""
    if any(isinstance(item, CheckItem) for item in session.items):
        gc.collect()
        gc.freeze()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SpecFile | None:
    if file_path.suffix not in SUFFIXES:
        return None
    named = parent.session.isinitpath(file_path) or file_path.name.startswith("test_")
    if not (named or _configured(parent.config, file_path)) or not looks_like_spec(file_path):
        return None
    spec_file: SpecFile = SpecFile.from_parent(parent, path=file_path)
    return spec_file


class SpecError(Exception):
    """The spec file is unusable; the message lists every located problem."""


class SpecRunFailed(Exception):
    """The spec could not run (its schema, its database): every item fails in setup."""


class CheckFailed(Exception):
    """A check did not pass; carries its result for :meth:`CheckItem.repr_failure`."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


class SpecFile(pytest.File):
    """A spec: collects one :class:`CheckItem` per planned check."""

    spec: Spec
    results: dict[str, CheckResult] | None = None
    """The results of the spec's run in this process, by check id (once it ran)."""
    failure: str | None = None
    """Why the spec could not run at all (once it was tried)."""

    def collect(self) -> Iterator[CheckItem]:
        try:
            self.spec = load_spec(self.path, display_path(self.path))
        except ValidatorError as exc:
            raise SpecError(str(exc)) from None
        for planned in plan(self.spec):
            name = visible(planned.id)
            item: CheckItem = CheckItem.from_parent(self, name=name, planned=planned)
            yield item

    def result(self, item: CheckItem) -> CheckResult:
        """The result of ``item``'s check; the first call runs the spec's chosen checks.

        Raises :class:`SpecRunFailed` when the spec could not run (for every item)."""
        if self.results is None and self.failure is None:
            self._run(_chosen(self.session).get(self, set()) | {item.planned.id})
        if self.failure is not None:
            raise SpecRunFailed(self.failure)
        assert self.results is not None
        found = self.results.get(item.planned.id)
        if found is None:  # run outside the session's items (not chosen at the start)
            found = self._run_alone(item.planned.id)
        return found

    def _run(self, ids: set[str]) -> None:
        try:
            report = _run_checks(self, ids)
        except ValidatorError as exc:
            self.failure = _shown(str(exc))
            return
        self.results = {result.id: result for result in report}

    def _run_alone(self, check_id: str) -> CheckResult:
        try:
            (found,) = _run_checks(self, {check_id})
        except ValidatorError as exc:
            raise SpecRunFailed(_shown(str(exc))) from None
        assert self.results is not None
        self.results[check_id] = found
        return found

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str:
        if isinstance(excinfo.value, SpecError):
            return _shown(str(excinfo.value))
        return str(super().repr_failure(excinfo))


class CheckItem(pytest.Item):
    """One check of a spec: reports its result from the spec's one run."""

    def __init__(self, *, planned: Planned, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.planned = planned
        self.extra_keyword_matches.add(planned.title)
        self.extra_keyword_matches.add(planned.section)

    result: CheckResult | None = None

    def setup(self) -> None:
        """Get the check's result (the first item of a spec runs the spec). One
        that could not run fails here, in setup, so pytest counts it as an error
        (``pytrace=False``: the explanation, no traceback)."""
        parent = self.parent
        assert isinstance(parent, SpecFile)
        try:
            self.result = parent.result(self)
        except SpecRunFailed as exc:
            pytest.fail(str(exc), pytrace=False)
        if self.result.outcome == "error":
            pytest.fail(explain(self.result), pytrace=False)

    def runtest(self) -> None:
        if self.result is not None and self.result.outcome == "fail":
            raise CheckFailed(self.result)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str:
        error = excinfo.value
        if isinstance(error, CheckFailed):
            return explain(error.result)
        if isinstance(error, ValidatorError):
            return _shown(str(error))
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        location = self.planned.location
        title = visible(f"{self.planned.id}: {self.planned.title}")
        return self.path, max(location.line - 1, 0), title


def _chosen(session: pytest.Session) -> dict[SpecFile, set[str]]:
    """The ids of the checks each spec still has among the session's items (what
    ``-k`` and other selections left), grouped in one pass the first time it is asked."""
    stash = session.config.stash
    if _CHOSEN not in stash:
        chosen: dict[SpecFile, set[str]] = {}
        for item in session.items:
            if isinstance(item, CheckItem) and isinstance(item.parent, SpecFile):
                chosen.setdefault(item.parent, set()).add(item.planned.id)
        stash[_CHOSEN] = chosen
    return stash[_CHOSEN]


def _run_checks(spec_file: SpecFile, ids: set[str]) -> Sequence[CheckResult]:
    """Run the checks ``ids`` of the spec together, as the command line runs a spec."""
    options = _settings(spec_file.config)
    report = run(
        spec_file.spec,
        schema=options.schema,
        database_path=options.db,
        select=lambda planned: planned.id in ids,
        step_timeout=options.step_timeout,
        full_check=options.full_check,  # full-check in [tool.validator]
    )
    return report.checks


def explain(result: CheckResult) -> str:
    """What the text report says of a check that did not pass, escaped."""
    lines = [visible(f"{result.outcome.upper()}  {result.title}  [{result.id}]")]
    if result.outcome == "error":
        lines.append("  could not run:")
    lines.extend(visible(f"  {finding.location}: {finding}") for finding in result.findings)
    return "\n".join(lines)


def _shown(text: str) -> str:
    """Several lines of problems, each made visible on its own."""
    return "\n".join(visible(line) for line in text.splitlines())

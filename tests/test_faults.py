"""Faults: the CLI killed, terminated or interrupted mid-run, as a real subprocess.

- SIGKILL at random moments of a ``--db`` run leaves the database, its
  ``-wal`` and ``-shm`` byte-identical, and its directory gains no file.
- SIGTERM and SIGINT (Ctrl-C) mid-run exit 143 and 130, write no report and
  leave no temporary file or folder behind.
- A report file that already exists is, after a SIGKILL at any moment, the
  old complete report or the new complete one, never a partial file.

Delays are drawn from ``random.Random(SEED)``; every assertion message names
the seed, the attempt and the delay so that a failure can be replayed. Nothing
here asserts on timing: the run time is measured only to aim the signals.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from conftest import ROOT, SCHEMA, SPEC

pytestmark = pytest.mark.skipif(
    os.name != "posix" or not hasattr(signal, "SIGKILL"),
    reason="needs POSIX signals (SIGKILL, SIGTERM, SIGINT)",
)

SEED = 20240611
"""Fixed seed of every random delay (printed in assertion messages)."""

KILLS_PER_DATABASE = 10
REPLACE_KILLS = 6
WAIT = 120.0
"""Generous bound on any wait for a child (a hang fails the test instead of blocking CI)."""

Cli = subprocess.Popen[bytes]


# -- running the CLI as a subprocess -------------------------------------------------


def _default_sigint() -> None:
    """In the child, before exec: take SIGINT as a terminal's Ctrl-C would reach it,
    even when the test runner itself ignores SIGINT (a background job)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


GRACE = 0.1
"""The watchdog's grace in the signal tests' runs (the product waits
``validator.runner.GRACE``, a second, for a worker stuck in one SQL call)."""

_WITH_GRACE = (
    "import sys; from validator import runner; runner.GRACE = float(sys.argv.pop(1)); "
    "from validator.cli import main; raise SystemExit(main(sys.argv[1:]))"
)
"""``python -m validator`` (its ``__main__`` calls ``main()`` the same way) with
the grace given as the first argument."""


def _start(
    args: Sequence[str | Path], tmpdir: Path, *, capture: bool = False, grace: float | None = None
) -> Cli:
    """Start ``python -m validator ARGS`` with ``TMPDIR`` pointing at ``tmpdir``
    (and the watchdog's grace set to ``grace`` seconds if given)."""
    stream = subprocess.PIPE if capture else subprocess.DEVNULL
    command = ["-m", "validator"] if grace is None else ["-c", _WITH_GRACE, str(grace)]
    return subprocess.Popen(
        [sys.executable, *command, *(str(arg) for arg in args)],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmpdir)},
        stdin=subprocess.DEVNULL,
        stdout=stream,
        stderr=stream,
        preexec_fn=_default_sigint,
    )


def _run(args: Sequence[str | Path], tmpdir: Path) -> tuple[int, str, float]:
    """Run to the end: exit status, stderr and the wall-clock time it took."""
    started = time.monotonic()
    child = _start(args, tmpdir, capture=True)
    _, err = child.communicate(timeout=WAIT)
    return child.returncode, err.decode("utf-8", "replace"), time.monotonic() - started


def _kill(child: Cli) -> None:
    """SIGKILL (a no-op if the child has already exited) and reap."""
    child.kill()
    child.wait(timeout=WAIT)


def _empty(directory: Path) -> None:
    """Remove what a killed child left in its TMPDIR (SIGKILL cannot clean up)."""
    for entry in directory.iterdir():
        assert entry.name.startswith("validator-"), f"unexpected temporary entry {entry}"
        shutil.rmtree(entry)


# -- observing files -------------------------------------------------------------------


def _fingerprint(directory: Path) -> dict[str, str]:
    """Name -> sha256 of every file in ``directory`` (its listing and its bytes)."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
    }


def _watch(directory: Path, expected: set[str], done: Callable[[], bool]) -> set[str]:
    """Poll ``directory`` until ``done()``: every name seen in it that is not expected."""
    extra: set[str] = set()
    deadline = time.monotonic() + WAIT
    while True:
        extra |= {path.name for path in directory.iterdir()} - expected
        if done() or time.monotonic() > deadline:
            return extra
        time.sleep(0.002)


def _elapsed(seconds: float) -> Callable[[], bool]:
    """A ``done`` for :func:`_watch`: true ``seconds`` from now."""
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() >= deadline


def _working(child: Cli, tmpdir: Path) -> Callable[[], bool]:
    """A ``done`` for :func:`_watch`: the child has made its work folder (or has ended)."""
    return lambda: child.poll() is not None or any(tmpdir.iterdir())


def _wait_for_entry(directory: Path, child: Cli) -> None:
    """Wait until the child has created something in ``directory`` (its work folder)."""
    deadline = time.monotonic() + WAIT
    while not any(directory.iterdir()):
        assert child.poll() is None, f"the run ended ({child.returncode}) before it began"
        assert time.monotonic() < deadline, "the run never created its temporary folder"
        time.sleep(0.002)


# -- databases -----------------------------------------------------------------------

COPY_AIM = 0.05
"""Seconds after the work folder appears within which aimed kills land: the
copy step (the bytes copied, then SQLite recovers, checks and loads the copy)."""

BULK_ROWS = 12_000
"""Tasks with a 320-character description each: a database of about 6 MB, so the
copy step takes measurable time and some kills land in it."""


def _bulk_database(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript(SCHEMA.read_text("utf-8"))
    connection.execute(
        "INSERT INTO tasks (id, display_id, title, description) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "SELECT 'bulk-' || i, 'bulk_' || i, 'Bulk task ' || i, hex(randomblob(160)) FROM n",
        (BULK_ROWS,),
    )
    connection.execute("INSERT INTO agents (id, name, type, model) VALUES ('a', 'n', 't', 'm')")
    return connection


@pytest.fixture(params=["rollback", "wal-with-writer"])
def big_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A few MB of rows, alone in its directory; ``wal-with-writer`` also keeps a
    writer open (as ``test_gate.py::wal_db_with_writer``): committed rows only in
    the ``-wal`` and a write transaction in progress."""
    directory = tmp_path / "data"
    directory.mkdir()
    path = directory / "harness.db"
    connection = _bulk_database(path)
    if request.param == "rollback":
        connection.close()
        yield path
        return
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    connection.execute(
        "INSERT INTO tasks (id, display_id, title, description) "
        "SELECT 'wal-' || id, 'wal_' || display_id, title, description FROM tasks "
        "WHERE rowid <= 2000"
    )
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO agents (id, name, type, model) VALUES ('b', 'n', 't', 'm')")
    names = {p.name for p in directory.iterdir()}
    assert names == {"harness.db", "harness.db-wal", "harness.db-shm"}
    try:
        yield path
    finally:
        connection.execute("ROLLBACK")
        connection.close()


# -- 1. SIGKILL during --db never touches the database -------------------------------


def test_sigkill_during_db_run_leaves_database_byte_identical(big_db: Path, tmp_path: Path) -> None:
    directory = big_db.parent
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    before = _fingerprint(directory)
    args: list[str | Path] = [SPEC, "--db", big_db]

    status, err, typical = _run(args, tmpdir)  # aims the kills; not a timing assertion
    assert status == 0, err
    assert _fingerprint(directory) == before
    assert list(tmpdir.iterdir()) == [], "a completed run left its temporary folder"

    # Even attempts kill anywhere in the run; odd ones aim at the copy step: shortly
    # after the run creates its work folder, while it copies and recovers the database.
    rng = random.Random(SEED)
    expected = set(before)
    for attempt in range(KILLS_PER_DATABASE):
        at_copy = attempt % 2 == 1
        delay = rng.uniform(0, COPY_AIM) if at_copy else rng.uniform(0, typical)
        since = "its work folder appeared" if at_copy else f"it started (run ~{typical:.3f}s)"
        replay = f"seed {SEED}, attempt {attempt}, SIGKILL {delay:.3f}s after {since}"
        child = _start(args, tmpdir)
        try:
            extra: set[str] = set()
            if at_copy:
                extra |= _watch(directory, expected, _working(child, tmpdir))
            extra |= _watch(directory, expected, _elapsed(delay))
        finally:
            _kill(child)
        assert not extra, f"{replay}: files appeared next to the database: {sorted(extra)}"
        assert _fingerprint(directory) == before, f"{replay}: the database files changed"
        _empty(tmpdir)  # its private copy, if it got that far
    assert {p.name for p in tmp_path.iterdir()} == {"data", "tmp"}


# -- 2. SIGTERM and SIGINT mid-run: clean exit, no report, nothing left ------------------

COUNT_LIMIT = 300_000
"""The positive control counts to this with a recursive CTE, six times."""

SLOW_SCHEMA = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
SLOW_SPEC_HEAD = """\
version: 1
name: slow
title: A slow run
schema: schema.sql
operations:
  count:
    params: [limit]
    returns:
      one: |
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :limit)
        SELECT count(*) AS n FROM c
  forever:
    description: Counts without end; only the step timeout or a signal stops it.
    returns:
      one: |
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
        SELECT count(*) AS n FROM c
  search:
    description: One call of instr that takes many minutes, inside which SQLite
      runs no progress handler and cannot be interrupted.
    returns:
      one: SELECT instr(printf('%.*c', 8000000, 'a'), printf('%.*c', 4000000, 'a') || 'b') AS n
criteria:
"""
FINITE_CRITERION = (
    """\
  - id: slow
    title: Counting takes a while
    steps:
"""
    + f"""\
      - call: count
        with: {{limit: {COUNT_LIMIT}}}
        expect: {{type: object, properties: {{n: {{const: {COUNT_LIMIT}}}}}}}
"""
    * 6
)
ENDLESS_CRITERION = """\
  - id: endless
    title: Counting never ends
    steps:
      - call: CALL
        expect: {type: object}
"""


class SlowRun:
    """A spec checked with ``--db`` (so there is a temporary folder to clean) and
    ``--report json:reports/report.json``. ``endless``: its one criterion runs a
    query that never ends (under an hour's step timeout), so the run is certainly
    still going whenever a signal is sent, however fast the machine is."""

    def __init__(self, root: Path, *, endless: bool, call: str = "forever") -> None:
        root.mkdir(exist_ok=True)
        self.tmpdir = root / "tmp"
        self.reports = root / "reports"
        self.report = self.reports / "report.json"
        self.database = root / "data" / "slow.db"
        self.endless = endless
        for folder in (self.tmpdir, self.reports, self.database.parent):
            folder.mkdir()
        (root / "schema.sql").write_text(SLOW_SCHEMA, "utf-8")
        self.spec = root / "slow.yaml"
        criterion = ENDLESS_CRITERION.replace("CALL", call) if endless else FINITE_CRITERION
        self.spec.write_text(SLOW_SPEC_HEAD + criterion, "utf-8")
        connection = sqlite3.connect(self.database)
        connection.executescript(SLOW_SCHEMA + "INSERT INTO items (name) VALUES ('one');\n")
        connection.close()

    @property
    def args(self) -> list[str | Path]:
        args: list[str | Path] = [self.spec, "--db", self.database]
        args += ["--report", f"json:{self.report}"]
        return [*args, "--step-timeout", "3600"] if self.endless else args


def test_slow_run_completes_with_a_complete_report(tmp_path: Path) -> None:
    """The positive control of the signal tests: unsignalled, the same kind of run reports."""
    slow_run = SlowRun(tmp_path, endless=False)
    status, err, _ = _run(slow_run.args, slow_run.tmpdir)
    assert status in (0, 1), err
    assert "Traceback" not in err
    document = json.loads(slow_run.report.read_text("utf-8"))
    assert document["verdict"] in ("PASS", "FAIL")
    assert document["summary"]["total"] == len(document["checks"]) == 1
    assert [p.name for p in slow_run.reports.iterdir()] == ["report.json"]
    assert list(slow_run.tmpdir.iterdir()) == []


@pytest.mark.parametrize("call", ["forever", "search"], ids=["endless-query", "one-long-call"])
@pytest.mark.parametrize(
    ("signum", "status", "word"),
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")],
    ids=["SIGTERM", "SIGINT"],
)
def test_signal_mid_run_exits_cleanly(
    tmp_path: Path, signum: signal.Signals, status: int, word: str, call: str
) -> None:
    """The signal lands once the run has made its work folder (the event waited
    for), a random moment later: while the copy is made or during the endless
    query, or inside one call of an SQL function that takes many minutes (the run
    must still stop, long before that call could end: it gives the stuck worker
    :data:`GRACE`, then exits). The run cannot end on its own, so no wait here
    races with it."""
    rng = random.Random(f"{SEED}-{signum.name}-{call}")
    for attempt in range(3):
        slow_run = SlowRun(tmp_path / str(attempt), endless=True, call=call)
        database = _fingerprint(slow_run.database.parent)
        delay = rng.uniform(0.0, 0.3)
        replay = f"seed {SEED}, attempt {attempt}, {signum.name} {delay:.3f}s after the work folder"
        # Only a worker stuck in one call is waited out; an interrupted query ends at once.
        grace = GRACE if call == "search" else None
        child = _start(slow_run.args, slow_run.tmpdir, capture=True, grace=grace)
        try:
            _wait_for_entry(slow_run.tmpdir, child)  # the run has begun: its work folder exists
            time.sleep(delay)  # only spreads where the signal lands; nothing waits on it
            assert child.poll() is None, f"{replay}: the run ended before the signal"
            child.send_signal(signum)
            _, raw = child.communicate(timeout=WAIT)
        finally:
            _kill(child)
        err = raw.decode("utf-8", "replace")
        assert child.returncode == status, f"{replay}: exit {child.returncode}, stderr: {err}"
        assert word in err, f"{replay}: {err!r}"
        assert "Traceback" not in err, f"{replay}: {err}"
        assert not slow_run.report.exists(), f"{replay}: a report was written"
        left = sorted(p.name for p in slow_run.reports.iterdir())
        assert left == [], f"{replay}: left in the report folder: {left}"
        left = sorted(p.name for p in slow_run.tmpdir.iterdir())
        assert left == [], f"{replay}: left in TMPDIR: {left}"
        assert _fingerprint(slow_run.database.parent) == database, replay


# -- 3. an existing report is replaced atomically ------------------------------------


def test_sigkill_never_leaves_a_partial_report(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    reports = tmp_path / "reports"
    tmpdir.mkdir()
    reports.mkdir()
    target = reports / "report.json"

    status, err, _ = _run([SPEC, "-k", "criterion-2", "--report", f"json:{target}"], tmpdir)
    assert status == 0, err
    old = target.read_bytes()
    args: list[str | Path] = [SPEC, "--report", f"json:{target}"]
    status, err, typical = _run(args, tmpdir)  # aims the kills; not a timing assertion
    assert status == 0, err
    new = target.read_bytes()
    assert json.loads(old) != json.loads(new)

    # The report is written at the very end: aim at the second half of the run and a
    # little past it, so that some kills land while it is being written.
    rng = random.Random(f"{SEED}-report")
    seen: list[str] = []
    for attempt in range(REPLACE_KILLS):
        target.write_bytes(old)
        delay = rng.uniform(0.5 * typical, 1.2 * typical)
        replay = f"seed {SEED}, attempt {attempt}, SIGKILL after {delay:.3f}s of ~{typical:.3f}s"
        child = _start(args, tmpdir)
        try:
            time.sleep(delay)
        finally:
            _kill(child)
        content = target.read_bytes()
        try:
            json.loads(content)
        except ValueError:
            pytest.fail(f"{replay}: the report is not complete JSON ({len(content)} bytes)")
        assert content in (old, new), f"{replay}: the report is neither the old nor the new one"
        seen.append("new" if content == new else "old")
        _empty(tmpdir)
    # Temporary report files of a killed writer may stay (nothing survives SIGKILL to
    # remove them), but only under the hidden temporary name, never as the target.
    for path in reports.iterdir():
        assert path == target or (path.name.startswith(".") and path.name.endswith(".tmp")), (
            f"unexpected file {path.name} in the report folder (outcomes: {seen})"
        )

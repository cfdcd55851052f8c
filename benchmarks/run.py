"""Benchmarks of validator, measured side by side: one command runs them all.

    python benchmarks/run.py                # full run (~5 min) -> benchmarks/results.json
    python benchmarks/run.py --smoke        # tiny sizes, 1 repeat (CI) -> results-smoke.json
    python benchmarks/run.py --only startup audit --repeat 5 --sizes 10MB 100MB

Every command is a subprocess of this interpreter (``sys.executable``) run
from the repository root. Commands that are compared run interleaved
(A B A B ...), so machine noise hits both alike; a figure is the median of
the repeats and a ratio is the median of the per-pair ratios (the ratio of
the medians is recorded too). Nothing here asserts a time: each benchmark
states its goal and records it as met or missed. The exit status is 1 only
when a benchmarked command fails or exits with the wrong status (e.g. a
generated spec that should PASS does not). Generated files, and the
children's bytecode cache, live in a temporary directory removed at the end.

What is compared:

- ``startup``: the shipped spec vs the floor ``import yaml, jsonschema,
  sqlite3`` (goal: ratio <= 1.3), plus the ten largest cumulative imports of
  ``-X importtime``;
- ``handwritten``: the ten pass criteria as plain pytest + sqlite3
  (``benchmarks/test_handwritten_criteria.py``) vs validator running the same
  ten (``-k``) and the whole spec (goal: validator/pytest <= 0.6);
- ``criteria-N``: N criteria copied from the shipped spec, 1,000 per file at
  most (one file may not exceed 1 MiB): the CLI on all files, and in-process
  phases load/run/render; time per criterion (goal: <= 0.2 ms at 10,000), growth;
- ``machine-N``: generated state machines of N states with ``reject_others``
  (goal: < 2 s at 40 states), time per transition check and growth;
- ``audit-SIZE`` and ``invariants`` (``benchmarks/bench_audit.py``, which
  replaces ``db-SIZE``): ``--db`` on generated harness-shaped databases vs the
  ``sqlite3`` shell's ``.backup``, the audit vs its queries by hand, and the
  cost of invariants;
- ``spec-1MiB``: a spec just under the loader's 1 MiB limit (load and CLI;
  goal: load <= 0.3 s);
- ``params-N``: ``--list`` of an operation with N parameters (goal: < 2 s at
  20,000), and growth.
- ``mutate``: ``validator mutate`` of the shipped spec (every mutant of
  schema.sql) vs one plain run of it, in one process (``--jobs 1``) and on
  every core (the default); goal: ratio <= 20. The in-process phases (one
  ``run`` vs ``score``) are recorded too.
- ``quickschema`` and ``load-phases`` (``benchmarks/bench_load.py``): the CLI
  with vs without quickschema, and the CPU time of each phase of loading and
  running with the floors of libyaml's events and of the SQL sent.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import functools
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from bench_audit import bench_audit, bench_invariants
from bench_floor import bench_floor
from bench_load import bench_load_phases, bench_quickschema
from bench_plugin import bench_plugin

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "test_task_session.yaml"
SCHEMA = ROOT / "schema.sql"
PY = sys.executable
TIME = shutil.which("time", path="/usr/bin")
MiB = 1024 * 1024
PER_FILE = 1000  # criteria per generated spec file: ~0.5 MiB, under the 1 MiB limit
TEN_CRITERIA = (
    "criterion and not criterion-session and not criterion-task and not criterion-iteration "
    "and not criterion-agent"
)
MACHINE_SCHEMA = """\
CREATE TABLE items (id TEXT PRIMARY KEY, state TEXT NOT NULL CHECK (state IN ({listed})));

CREATE TRIGGER items_state_transition BEFORE UPDATE OF state ON items
WHEN OLD.state IS NOT NEW.state AND NOT (
      {allowed}
)
BEGIN
    SELECT RAISE(ABORT, 'items: state transition not allowed');
END;
"""
BACKUP_SCRIPT = """\
import os, sqlite3, sys, tempfile
src = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
fd, tmp = tempfile.mkstemp(dir=sys.argv[2]); os.close(fd)
dst = sqlite3.connect(tmp)
src.backup(dst)
dst.close(); src.close(); os.remove(tmp)
"""

Json = dict[str, Any]
T = TypeVar("T")


# -- running commands -------------------------------------------------------


class CommandFailed(Exception):
    """A benchmarked command crashed or exited with the wrong status."""


@dataclass(frozen=True)
class Command:
    label: str
    argv: list[str]
    expect: int = 0
    memory: bool = False  # measure peak RSS through /usr/bin/time (when present)
    env: tuple[tuple[str, str], ...] = ()  # set for this command only

    @property
    def shown(self) -> str:
        return " ".join(self.argv).replace(PY, "python")


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_kib: int


@dataclass
class Context:
    smoke: bool
    repeat: int | None
    work: Path
    sizes: list[int] | None

    def repeats(self, full: int) -> int:
        """The repeat count: ``--repeat``, else 1 in smoke mode, else ``full``."""
        return self.repeat or (1 if self.smoke else full)


def execute(command: Command, work: Path) -> Sample:
    """Run ``command`` once from the repository root: wall time and peak RSS in KiB.

    A child's ``ru_maxrss`` starts at this (bigger) process's RSS at fork time, so
    memory is measured by /usr/bin/time, a small parent, when the command asks for it.
    """
    out, err, rss = work / "stdout.txt", work / "stderr.txt", work / "rss.txt"
    argv = command.argv
    if command.memory and TIME:
        argv = [TIME, "-f", "%M", "-o", str(rss), *argv]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, **dict(command.env)},
        )
        _, status, usage = os.wait4(process.pid, 0)  # rusage of this child alone
        elapsed = time.perf_counter() - start
    process.returncode = code = os.waitstatus_to_exitcode(status)
    if code != command.expect:
        tail = (err.read_text(errors="replace") or out.read_text(errors="replace"))[-2000:]
        raise CommandFailed(
            f"{command.shown}: exit status {code}, expected {command.expect}\n{tail.rstrip()}"
        )
    if command.memory and TIME:
        return Sample(elapsed, int(rss.read_text().split()[-1]))
    return Sample(elapsed, usage.ru_maxrss)


def interleave(
    ctx: Context, commands: Sequence[Command], repeat: int, warmup: bool = False
) -> list[list[Sample]]:
    """Run the commands round-robin ``repeat`` times (short ones after one warm-up each)."""
    if warmup and not ctx.smoke:
        for command in commands:
            execute(command, ctx.work)
    samples: list[list[Sample]] = [[] for _ in commands]
    for _ in range(repeat):
        for command, mine in zip(commands, samples, strict=True):
            mine.append(execute(command, ctx.work))
    return samples


def median(samples: Sequence[Sample]) -> float:
    return statistics.median(sample.seconds for sample in samples)


def ratio(a: Sequence[Sample], b: Sequence[Sample]) -> Json:
    """``a``/``b`` measured side by side: median of pair ratios, and ratio of medians."""
    pairs = [x.seconds / y.seconds for x, y in zip(a, b, strict=True)]
    return {"median_of_pairs": statistics.median(pairs), "of_medians": median(a) / median(b)}


def timed(function: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median wall time of ``function()`` in this process, and its last result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# -- printing ---------------------------------------------------------------


def heading(name: str, note: str) -> None:
    print(f"\n== {name}  ({note})", flush=True)


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<44} {value:>14}  {note}".rstrip(), flush=True)


def secs(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.3f} s"


def verdict(met: bool | None) -> str:
    return "n/a (goal size not run)" if met is None else "met" if met else "MISSED"


def growth(sizes: Sequence[int], times: Sequence[float]) -> list[Json]:
    """Time factor between consecutive sizes; above 1.5x the size factor is suspect."""
    rows = []
    for (n1, t1), (n2, t2) in zip(
        zip(sizes, times, strict=True), zip(sizes[1:], times[1:], strict=True), strict=False
    ):
        factor = t2 / t1 if t1 else float("inf")
        rows.append(
            {
                "from": n1,
                "to": n2,
                "size_factor": n2 / n1,
                "time_factor": factor,
                "superlinear_suspect": factor > 1.5 * n2 / n1,
                "marginal_ms_per_unit": (t2 - t1) / (n2 - n1) * 1000,
            }
        )
    return rows


def show_growth(label: str, rows: Sequence[Json]) -> None:
    for row in rows:
        flag = "  <- quadratic suspect" if row["superlinear_suspect"] else ""
        line(
            f"{label} growth {row['from']} -> {row['to']}",
            f"x{row['time_factor']:.2f}",
            f"(size x{row['size_factor']:g}; {row['marginal_ms_per_unit']:.3f} ms per added one)"
            f"{flag}",
        )


# -- generated inputs -------------------------------------------------------


class PlainDumper(yaml.SafeDumper):
    """Never writes anchors or aliases (validator refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002
        return True


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=PlainDumper, sort_keys=False, allow_unicode=True, width=100)


@functools.cache
def shipped() -> Json:
    document: Json = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return document


def spec_head(name: str) -> str:
    """The shipped spec's operations and fixtures (schema: the shipped schema.sql)."""
    source = shipped()
    head = {key: source[key] for key in ("version", "title", "operations", "fixtures")}
    return dump({"name": name, "schema": str(SCHEMA), **head}) + "criteria:\n"


def criterion(index: int) -> str:
    """Criterion ``c<index + 1>``: a copy of the shipped criteria, cycling through them."""
    originals = shipped()["criteria"]
    item = copy.deepcopy(originals[index % len(originals)])
    item["id"] = f"c{index + 1}"
    item["title"] = f"{item['title']} (copy {index + 1})"
    return dump([item])


def write_criteria_specs(folder: Path, count: int) -> list[Path]:
    """``count`` criteria, at most PER_FILE per spec file (the loader takes 1 MiB at most)."""
    paths = []
    for part, first in enumerate(range(0, count, PER_FILE), start=1):
        name = f"criteria_{count}_{part}"
        last = min(count, first + PER_FILE)
        text = spec_head(name) + "".join(criterion(i) for i in range(first, last))
        paths.append(folder / f"{name}.yaml")
        paths[-1].write_text(text, encoding="utf-8")
    return paths


def write_spec_up_to(path: Path, limit: int) -> int:
    """A spec of as many criteria as fit in ``limit`` bytes; returns their number."""
    chunks = [spec_head("spec_1mib")]
    size = len(chunks[0].encode())
    while True:
        chunk = criterion(len(chunks) - 1)
        if size + len(chunk.encode()) > limit:
            break
        chunks.append(chunk)
        size += len(chunk.encode())
    path.write_text("".join(chunks), encoding="utf-8")
    return len(chunks) - 1


def machine_transitions(n: int) -> dict[str, list[str]]:
    """A ring s0 -> s1 -> ... -> s(n-1) -> s0 plus a chord from every 4th state."""
    moves = {f"s{i}": [f"s{(i + 1) % n}"] for i in range(n)}
    for i in range(0, n, 4):
        chord = (i + n // 2 + 1) % n
        if chord not in (i, (i + 1) % n):
            moves[f"s{i}"].append(f"s{chord}")
    return moves


def write_machine_spec(folder: Path, n: int) -> Path:
    """A schema (table ``items`` + a trigger refusing unlisted moves) and a spec of one machine."""
    states = [f"s{i}" for i in range(n)]
    moves = machine_transitions(n)
    listed = ", ".join(f"'{state}'" for state in states)
    allowed = "\n   OR ".join(
        f"(OLD.state = '{source}' AND NEW.state IN ({', '.join(repr(t) for t in targets)}))"
        for source, targets in moves.items()
    )
    schema = folder / f"machine_{n}.sql"
    schema.write_text(MACHINE_SCHEMA.format(listed=listed, allowed=allowed), encoding="utf-8")
    spec = {
        "version": 1,
        "name": f"machine_{n}",
        "schema": str(schema),
        "operations": {
            "create": {
                "defaults": {"id": "${uuid}"},
                "sql": "INSERT INTO items (id, state) VALUES (:id, 's0')",
                "returns": {"one": "SELECT * FROM items WHERE id = :id"},
            },
            "move": {
                "params": ["id", "state"],
                "sql": "UPDATE items SET state = :state WHERE id = :id",
                "returns": {"one": "SELECT * FROM items WHERE id = :id"},
            },
        },
        "state_machines": {
            "item_state": {
                "table": "items",
                "column": "state",
                "states": states,
                "initial": "s0",
                "transitions": moves,
                "create": {"call": "create"},
                "move": {"call": "move", "with": {"id": "${row.id}", "state": "${to}"}},
                "reject_others": True,
            }
        },
    }
    path = folder / f"machine_{n}.yaml"
    path.write_text(dump(spec), encoding="utf-8")
    return path


def _log_texts(rng: random.Random) -> list[str]:
    words = ["build", "test", "lint", "deploy", "retry", "passed", "failed", "merged", "query"]
    texts = []
    for _ in range(200):
        lines = [
            f"[2025-11-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}]"
            f" step {step}: {' '.join(rng.choices(words, k=rng.randint(6, 16)))}"
            f" ({rng.randint(1, 900)} ms, {rng.randint(0, 40)} passed, {rng.randint(0, 3)} failed)"
            for step in range(rng.randint(10, 40))
        ]
        texts.append("\n".join(lines))
    return texts


def make_database(path: Path, target: int) -> Json:
    """A harness-shaped database of about ``target`` bytes: schema.sql plus agents,
    tasks, sessions and iteration logs with realistic text, in big transactions."""
    rng = random.Random(5)
    texts = _log_texts(rng)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.executescript(SCHEMA.read_text(encoding="utf-8"))
    counts = dict.fromkeys(("agents", "tasks", "agent_sessions", "iteration_logs"), 0)
    # Sessions per transaction (10 iteration logs of ~2.5 kB each): ~250 kB to ~12 MB.
    per_batch = 10 * max(1, min(50, target // (20 * MiB)))
    batch = 0
    while path.stat().st_size < target:
        base = batch * per_batch
        agents = [
            (f"agent-{base + i}", f"Agent {base + i}", "worker", "model-x")
            for i in range(per_batch // 10)
        ]
        tasks = [
            (
                f"task-{base + i}",
                f"TASK-{base + i:07d}",
                f"Implement feature {base + i}",
                texts[i % len(texts)][:400],
                rng.choice(("feature", "bug", "task", "test")),
                rng.choice(("pending", "in_progress", "completed")),
            )
            for i in range(per_batch // 2)
        ]
        sessions = [
            (
                f"session-{base + i}",
                agents[i // 10][0],
                tasks[i // 2][0],
                rng.choice(("running", "completed", "failed", "paused", "terminated")),
                10,
                10,
            )
            for i in range(per_batch)
        ]
        iterations = [
            (
                f"iter-{base + i}-{k}",
                session[0],
                k + 1,
                rng.choice(("running", "completed", "failed", "qa_pending", "qa_passed")),
                rng.choice(texts),
                rng.choice((None, None, "AssertionError: expected 3, got 2")),
            )
            for i, session in enumerate(sessions)
            for k in range(10)
        ]
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO agents (id, name, type, model) VALUES (?,?,?,?)", agents
        )
        connection.executemany(
            "INSERT INTO tasks (id, display_id, title, description, category, status)"
            " VALUES (?,?,?,?,?,?)",
            tasks,
        )
        connection.executemany(
            # completed_at is set in terminal states, as the data layer does (the
            # audit of --db checks the spec's timestamp rule on these rows)
            "INSERT INTO agent_sessions (id, agent_id, task_id, status, current_iteration,"
            " total_iterations, completed_at) VALUES (?1,?2,?3,?4,?5,?6, CASE WHEN ?4 IN"
            " ('completed', 'failed', 'terminated') THEN datetime('now') END)",
            sessions,
        )
        connection.executemany(
            "INSERT INTO iteration_logs (id, session_id, iteration_number, status, log_content,"
            " errors) VALUES (?,?,?,?,?,?)",
            iterations,
        )
        connection.execute("COMMIT")
        added = (len(agents), len(tasks), len(sessions), len(iterations))
        for name, rows in zip(counts, added, strict=True):
            counts[name] += rows
        batch += 1
    connection.close()
    return {"bytes": path.stat().st_size, "rows": counts}


def importtime_top(argv: Sequence[str], count: int) -> list[Json]:
    """The ``count`` largest cumulative imports of one ``python -X importtime ARGV`` run."""
    done = subprocess.run([PY, "-X", "importtime", *argv], cwd=ROOT, capture_output=True, text=True)
    rows: list[Json] = []
    for text in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", text)
        if match:
            self_us, total_us, indent, name = match.groups()
            rows.append(
                {
                    "module": name,
                    "depth": len(indent) // 2,
                    "self_us": int(self_us),
                    "cumulative_us": int(total_us),
                }
            )
    return sorted(rows, key=lambda row: row["cumulative_us"], reverse=True)[:count]


# -- the benchmarks ---------------------------------------------------------


def validator(*args: str, label: str = "validator", memory: bool = False) -> Command:
    return Command(label, [PY, "-m", "validator", *args], memory=memory)


def bench_startup(ctx: Context) -> Json:
    repeat = ctx.repeats(20)
    heading("startup", f"interleaved, {repeat} repeats")
    spec = validator(str(SPEC.relative_to(ROOT)), label="validator spec")
    floor = Command("floor", [PY, "-c", "import yaml, jsonschema, sqlite3"])
    a, b = interleave(ctx, [spec, floor], repeat, warmup=True)
    ratios = ratio(a, b)
    line(spec.shown, secs(median(a)))
    line(floor.shown, secs(median(b)))
    met = ratios["median_of_pairs"] <= 1.3
    line(
        "ratio validator/floor", f"{ratios['median_of_pairs']:.2f}", f"goal <= 1.3: {verdict(met)}"
    )
    top = importtime_top(spec.argv[1:], 10)
    for row in top:
        line(f"  import {'  ' * row['depth']}{row['module']}", secs(row["cumulative_us"] / 1e6))
    return {
        "goal": "validator/floor <= 1.3",
        "met": met,
        "repeat": repeat,
        "commands": {"validator": spec.shown, "floor": floor.shown},
        "medians_s": {"validator": median(a), "floor": median(b)},
        "ratio": ratios,
        "importtime_top10": top,
    }


def bench_handwritten(ctx: Context) -> Json:
    repeat = ctx.repeats(15)
    heading("handwritten", f"interleaved, {repeat} repeats")
    spec = str(SPEC.relative_to(ROOT))
    listed = subprocess.run(
        [PY, "-m", "validator", spec, "--list", "-k", TEN_CRITERIA],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    ids = [row.split()[0] for row in listed.stdout.splitlines() if row.strip()]
    if ids != [f"criterion-{n}" for n in range(1, 11)]:
        raise CommandFailed(f"-k {TEN_CRITERIA!r} selects {ids}, not criterion-1..10")
    pytest = Command(
        "pytest",
        [
            PY,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "benchmarks/test_handwritten_criteria.py",
        ],
        # Plain pytest: no installed plugin (validator's own, xdist, hypothesis) loads.
        env=(("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1"),),
    )
    ten = validator(spec, "-k", TEN_CRITERIA, label="validator -k ten")
    full = validator(spec, label="validator full")
    p, v10, vall = interleave(ctx, [pytest, ten, full], repeat, warmup=True)
    r10, rall = ratio(v10, p), ratio(vall, p)
    for command, samples in ((pytest, p), (ten, v10), (full, vall)):
        line(command.label, secs(median(samples)))
    met = r10["median_of_pairs"] <= 0.6 and rall["median_of_pairs"] <= 0.6
    line("ratio validator(10)/pytest", f"{r10['median_of_pairs']:.2f}", "goal <= 0.6")
    line("ratio validator(full spec)/pytest", f"{rall['median_of_pairs']:.2f}", "goal <= 0.6")
    line("goal", verdict(met))
    return {
        "goal": "validator/pytest <= 0.6 (ten criteria and full spec)",
        "met": met,
        "repeat": repeat,
        "commands": {c.label: c.shown for c in (pytest, ten, full)},
        "medians_s": {
            "pytest": median(p),
            "validator_ten": median(v10),
            "validator_full": median(vall),
        },
        "ratios": {"validator_ten/pytest": r10, "validator_full/pytest": rall},
    }


def in_process(paths: Sequence[Path], repeat: int) -> dict[str, float]:
    """Median times of the phases in this process: load_spec, run, render("json")."""
    from validator.reports import render
    from validator.runner import load_spec, run

    load, specs = timed(lambda: [load_spec(path) for path in paths], repeat)
    execute_, reports = timed(lambda: [run(spec) for spec in specs], repeat)
    if any(report.verdict != "PASS" for report in reports):
        raise CommandFailed(f"in-process run of {paths[0].name}...: not PASS")
    draw, _ = timed(lambda: render("json", reports), repeat)
    return {"load": load, "run": execute_, "render": draw}


def bench_criteria(ctx: Context) -> Json:
    sizes = [10, 100] if ctx.smoke else [100, 1000, 10000]
    repeat, inner = ctx.repeats(3), ctx.repeats(3)
    heading("criteria-N", f"sizes {sizes}, CLI interleaved x{repeat}, phases x{inner}")
    files = {n: write_criteria_specs(ctx.work, n) for n in sizes}
    commands = [validator(*map(str, paths), label=f"N={n}") for n, paths in files.items()]
    cli = [median(samples) for samples in interleave(ctx, commands, repeat)]
    phases: dict[str, list[float]] = {"load": [], "run": [], "render": []}
    for paths in files.values():
        for name, value in in_process(paths, inner).items():
            phases[name].append(value)
    per: list[Json] = []
    for i, n in enumerate(sizes):
        per.append(
            {
                "criteria": n,
                "spec_files": len(files[n]),
                "cli_s": cli[i],
                "cli_ms_per_criterion": cli[i] / n * 1000,
                **{f"{k}_s": v[i] for k, v in phases.items()},
                **{f"{k}_ms_per_criterion": v[i] / n * 1000 for k, v in phases.items()},
            }
        )
        for name, value in {
            "whole CLI run": cli[i],
            **{k: v[i] for k, v in phases.items()},
        }.items():
            line(f"N={n}: {name}", secs(value), f"{value / n * 1000:.3f} ms per criterion")
    growths = {name: growth(sizes, values) for name, values in {"cli": cli, **phases}.items()}
    for name, rows in growths.items():
        show_growth(name, rows)
    at = 10000 if 10000 in sizes else sizes[-1]
    ms = cli[sizes.index(at)] / at * 1000
    met = ms <= 0.2 if at == 10000 else None
    line(
        f"CLI time per criterion at N={at}",
        f"{ms:.3f} ms",
        f"goal <= 0.2 ms at 10,000: {verdict(met)}",
    )
    return {
        "goal": "whole CLI run <= 0.2 ms per criterion at N=10,000 (issue 14); growth ~linear",
        "met": met,
        "note": f"at most {PER_FILE} criteria per spec file, all files in one run: one file"
        " of 10,000 criteria (~5 MiB) is over the loader's 1 MiB limit (exit 2)",
        "repeat": {"cli": repeat, "phases": inner},
        "sizes": sizes,
        "per_size": per,
        "growth": growths,
    }


def bench_machine(ctx: Context) -> Json:
    sizes = [5, 10] if ctx.smoke else [5, 10, 20, 40]
    repeat = ctx.repeats(5)
    heading("machine-N", f"states {sizes}, interleaved x{repeat}")
    paths = [write_machine_spec(ctx.work, n) for n in sizes]
    checks = []
    for n, path in zip(sizes, paths, strict=True):
        listed = subprocess.run(
            [PY, "-m", "validator", str(path), "--list"], cwd=ROOT, capture_output=True, text=True
        )
        checks.append(len(listed.stdout.splitlines()))
        if checks[-1] != n * (n - 1) + 2:
            raise CommandFailed(
                f"{n} states: --list gives {checks[-1]} checks, not {n * (n - 1) + 2}"
            )
    commands = [validator(str(path), label=f"n={n}") for n, path in zip(sizes, paths, strict=True)]
    totals = [median(samples) for samples in interleave(ctx, commands, repeat, warmup=True)]
    per = []
    for n, count, total in zip(sizes, checks, totals, strict=True):
        allowed = sum(map(len, machine_transitions(n).values()))
        per.append(
            {
                "states": n,
                "transitions_allowed": allowed,
                "checks": count,
                "cli_s": total,
                "ms_per_check": total / count * 1000,
            }
        )
        line(f"{n} states, {count} checks", secs(total), f"{total / count * 1000:.3f} ms/check")
    rows = growth(checks, totals)
    show_growth("checks", rows)
    met = totals[-1] < 2 if sizes[-1] == 40 else None
    line(f"total at {sizes[-1]} states", secs(totals[-1]), f"goal < 2 s at 40: {verdict(met)}")
    return {
        "goal": "< 2 s at 40 states (CLI, PASS)",
        "met": met,
        "repeat": repeat,
        "sizes": sizes,
        "per_size": per,
        "growth_vs_checks": rows,
    }


def mib(size: int) -> str:
    return f"{size / MiB:.0f} MiB" if size < 1024 * MiB else f"{size / 1024 / MiB:.2f} GiB"


def bench_spec_1mib(ctx: Context) -> Json:
    from validator.runner import load_spec

    limit = 1024 * 1024 - 1024  # the loader refuses more than 1024 * 1024 bytes
    path = ctx.work / "spec_1mib.yaml"
    count = write_spec_up_to(path, limit // 16 if ctx.smoke else limit)
    size = path.stat().st_size
    repeat = ctx.repeats(5)
    heading("spec-1MiB", f"{size} bytes, {count} criteria, x{repeat}")
    load, _ = timed(lambda: load_spec(path), repeat)
    (samples,) = interleave(ctx, [validator(str(path), label="cli")], repeat)
    line("load_spec (YAML + format + semantics)", secs(load), f"{load / size * MiB:.3f} s/MiB")
    line("whole CLI run", secs(median(samples)), f"{median(samples) / count * 1000:.3f} ms/crit")
    met = None if ctx.smoke else load <= 0.3
    line("load_spec at 1 MiB", secs(load), f"goal <= 0.3 s: {verdict(met)}")
    return {
        "goal": "load_spec of a spec at the 1 MiB limit <= 0.3 s (issue 14)",
        "met": met,
        "repeat": repeat,
        "bytes": size,
        "criteria": count,
        "load_spec_s": load,
        "cli_s": median(samples),
    }


def write_params_spec(folder: Path, n: int) -> Path:
    """One operation with ``n`` parameters, one call giving them all, one table."""
    names = [f"p{i}" for i in range(n)]
    spec = {
        "version": 1,
        "name": f"params_{n}",
        "schema": str(SCHEMA),
        "tables": {"tasks": {}},
        "operations": {"op": {"params": names, "sql": "SELECT 1"}},
        "fixtures": {"all": {"call": "op", "with": dict.fromkeys(names, 1)}},
    }
    path = folder / f"params_{n}.yaml"
    path.write_text(dump(spec), "utf-8")
    return path


def bench_params(ctx: Context) -> Json:
    sizes = [500, 1000] if ctx.smoke else [5000, 10000, 20000]
    repeat = ctx.repeats(3)
    heading("params-N", f"--list of an operation with N params, interleaved x{repeat}")
    commands = [
        validator(str(write_params_spec(ctx.work, n)), "--list", label=f"n={n}") for n in sizes
    ]
    totals = [median(samples) for samples in interleave(ctx, commands, repeat, warmup=True)]
    for n, total in zip(sizes, totals, strict=True):
        line(f"{n} params", secs(total))
    rows = growth(sizes, totals)
    show_growth("params", rows)
    met = totals[-1] < 2 if sizes[-1] == 20000 else None
    line(f"--list at {sizes[-1]} params", secs(totals[-1]), f"goal < 2 s at 20,000: {verdict(met)}")
    return {
        "goal": "< 2 s at 20,000 params (--list; it took two minutes when loading was quadratic)",
        "met": met,
        "repeat": repeat,
        "sizes": sizes,
        "cli_s": totals,
        "growth": rows,
    }


def bench_mutate(ctx: Context) -> Json:
    from validator.mutation import default_jobs, score
    from validator.runner import load_spec, run

    repeat, inner = ctx.repeats(7), ctx.repeats(3)
    cores = default_jobs()
    spec = str(SPEC.relative_to(ROOT))
    # Smoke: a few mutants only (it proves the command runs; nothing is judged).
    only = ["-k", "drop-not-null"] if ctx.smoke else []
    heading("mutate", f"interleaved, {repeat} repeats; {cores} cores")
    plain = validator(spec, label="validator SPEC")
    alone = validator("mutate", spec, "--jobs", "1", *only, label="mutate --jobs 1")
    every = validator("mutate", spec, *only, label=f"mutate (--jobs {cores})")
    p, one, all_ = interleave(ctx, [plain, alone, every], repeat, warmup=True)
    r_one, r_all = ratio(one, p), ratio(all_, p)
    for command, samples in ((plain, p), (alone, one), (every, all_)):
        line(command.shown, secs(median(samples)))
    loaded = load_spec(SPEC)
    text = SCHEMA.read_text(encoding="utf-8")
    select = (lambda mutant: mutant.operator == "drop-not-null") if ctx.smoke else None
    run_s, _ = timed(lambda: run(loaded), inner)
    score_s, report = timed(lambda: score(loaded, text, "schema.sql", jobs=1, select=select), inner)
    if report.survivors or not report.complete:
        raise CommandFailed(f"mutate: {len(report.survivors)} survivors, expected none")
    mutants = len(report.results)
    line("in-process run (one plain run)", secs(run_s))
    line(
        f"in-process score, {mutants} mutants, 1 process",
        secs(score_s),
        f"{score_s / mutants * 1000:.1f} ms per mutant",
    )
    met = None if ctx.smoke else r_all["median_of_pairs"] <= 20
    line("ratio mutate/plain, 1 process", f"{r_one['median_of_pairs']:.1f}")
    line(
        f"ratio mutate/plain, {cores} processes",
        f"{r_all['median_of_pairs']:.1f}",
        f"goal <= 20: {verdict(met)}",
    )
    line("ratio in-process score/run", f"{score_s / run_s:.0f}")
    return {
        "goal": "validator mutate SPEC / validator SPEC <= 20 (the default, every core)",
        "met": met,
        "repeat": {"cli": repeat, "in_process": inner},
        "cores": cores,
        "mutants": mutants,
        "outcomes": {
            o: report.count(o) for o in ("killed", "survived", "ignored", "equivalent", "error")
        },
        "commands": {c.label: c.shown for c in (plain, alone, every)},
        "medians_s": {"plain": median(p), "mutate_jobs_1": median(one), "mutate": median(all_)},
        "ratios": {"mutate_jobs_1/plain": r_one, "mutate/plain": r_all},
        "in_process_s": {"run": run_s, "score_jobs_1": score_s},
    }


BENCHMARKS: dict[str, Callable[[Context], Json]] = {
    "startup": bench_startup,
    "handwritten": bench_handwritten,
    "criteria-N": bench_criteria,
    "machine-N": bench_machine,
    "audit-SIZE": bench_audit,
    "invariants": bench_invariants,
    "spec-1MiB": bench_spec_1mib,
    "params-N": bench_params,
    "mutate": bench_mutate,
    "plugin": bench_plugin,
    "quickschema": bench_quickschema,
    "load-phases": bench_load_phases,
    "floor": bench_floor,
}


# -- the command line -------------------------------------------------------


def machine_info() -> Json:
    cpuinfo = Path("/proc/cpuinfo")
    text = cpuinfo.read_text() if cpuinfo.exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return {
        "cpu": model.group(1) if model else platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?", text.strip(), re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10MB, 1GB)")
    number, unit = match.groups()
    return int(float(number) * {"": MiB, "K": 1024, "M": MiB, "G": 1024 * MiB}[unit.upper()])


def selected(only: Sequence[str] | None) -> Iterator[str]:
    """Benchmark names matching ``--only`` (a full name or the part before ``-``)."""
    wanted = {name.lower() for name in only or ()}
    for name in BENCHMARKS:
        if not wanted or name.lower() in wanted or name.split("-")[0].lower() in wanted:
            yield name


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 1 repeat: does it run")
    parser.add_argument("--repeat", type=int, metavar="N", help="repeats of every measurement")
    parser.add_argument("--only", nargs="+", metavar="NAME", help=f"of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--sizes", nargs="+", type=parse_size, help="audit-SIZE sizes (10MB 1GB)")
    parser.add_argument(
        "--out",
        type=Path,
        help="results file (default benchmarks/results.json, or results-smoke.json with --smoke)",
    )
    args = parser.parse_args(argv)
    names = list(selected(args.only))
    if not names:
        parser.error(f"--only: no benchmark named {args.only}; expected {', '.join(BENCHMARKS)}")
    out = args.out or ROOT / "benchmarks" / ("results-smoke.json" if args.smoke else "results.json")
    results: Json = {
        "machine": machine_info(),
        "mode": "smoke" if args.smoke else "full",
        "repeat": args.repeat,
        "benchmarks": {},
    }
    info = results["machine"]
    print(f"{info['cpu']}, {info['cores']} cores, Python {info['python']}, SQLite {info['sqlite']}")
    failed = False
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="validator-bench-") as work:
        # Children cache bytecode in the temporary folder (never beside the sources),
        # as an installed package would, however the caller's environment is set.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(work) / "pycache")
        ctx = Context(args.smoke, args.repeat, Path(work), args.sizes)
        for name in names:
            start = time.perf_counter()
            try:
                result = BENCHMARKS[name](ctx)
            except Exception as exc:  # a failing benchmark is reported; the others still run
                failed = True
                result = {"error": f"{type(exc).__name__}: {exc}"}
                print(f"  FAILED: {exc}", flush=True)
            result["seconds"] = time.perf_counter() - start
            results["benchmarks"][name] = result
    results["seconds"] = time.perf_counter() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\n{'FAILED' if failed else 'done'} in {results['seconds']:.1f} s; results in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

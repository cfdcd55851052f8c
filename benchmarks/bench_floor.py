"""The CLI on the shipped spec against its physical floor (``benchmarks/floor.py``).

The floor is a plain Python process that replays, with ``sqlite3`` alone,
the statements a real run of ``python -m validator spec/test_task_session.yaml``
sends: they are captured from this source tree when the benchmark starts
(``python benchmarks/floor.py --capture``), schema included, so the floor
follows the engine. Goal: CLI/floor <= 2.0, wall time, medians of interleaved
runs. Also measured, interleaved: ``import validator.cli`` against
``import yaml, sqlite3`` and an empty interpreter, and the largest imports of
``-X importtime`` (one run).

Children run with the bytecode cache the caller set up (``benchmarks/run.py``
gives them a private ``PYTHONPYCACHEPREFIX`` and unsets
``PYTHONDONTWRITEBYTECODE``), so no run compiles the sources.
"""

from __future__ import annotations

import collections
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
SPEC = "spec/test_task_session.yaml"
FLOOR = "benchmarks/floor.py"
GOAL = 2.0
PY = sys.executable

Json = dict[str, Any]


class Context(Protocol):
    smoke: bool
    work: Path

    def repeats(self, full: int) -> int: ...


def _seconds(argv: list[str]) -> float:
    """Wall time of one run of ``argv`` from the repository root; it must exit 0."""
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).decode(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(argv)}: exit status {done.returncode}\n{tail}")
    return elapsed


def _interleave(
    commands: dict[str, list[str]], repeat: int, warmup: bool
) -> dict[str, list[float]]:
    """Each command ``repeat`` times, round-robin (A B C A B C ...)."""
    if warmup:
        for argv in commands.values():
            _seconds(argv)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            times[name].append(_seconds(argv))
    return times


def _shown(argv: list[str]) -> str:
    return " ".join("python" if part == PY else part for part in argv)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<44} {value:>14}  {note}".rstrip(), flush=True)


def capture(path: Path) -> Json:
    """Record the statements a real run sends into ``path``; what kinds they are."""
    done = subprocess.run(
        [PY, FLOOR, "--capture", str(path), SPEC], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"capturing the statements failed:\n{done.stderr[-2000:]}")
    records = [r for r in path.read_text(encoding="utf-8").split("\n;;\n") if r]
    statements = [r for r in records if r != "-- connect"]
    kinds = collections.Counter(s.split(None, 1)[0].upper() for s in statements)
    pragmas = collections.Counter(
        re.sub(r"\s*=.*|\(.*", "", s, flags=re.DOTALL).strip()
        for s in statements
        if s[:6].upper() == "PRAGMA"
    )
    return {
        "statements": len(statements),
        "connections": len(records) - len(statements),
        "by_kind": dict(kinds.most_common()),
        "pragmas": dict(pragmas.most_common()),
    }


def importtime_top(argv: list[str], count: int = 12) -> list[Json]:
    """The ``count`` largest cumulative imports of one ``-X importtime`` run of ``argv``."""
    done = subprocess.run([PY, "-X", "importtime", *argv], cwd=ROOT, capture_output=True, text=True)
    rows = []
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


def bench_floor(ctx: Context) -> Json:
    repeat = ctx.repeats(21)
    print(f"\n== floor  (interleaved, {repeat} repeats)", flush=True)
    statements = ctx.work / "statements.sql"
    captured = capture(statements)
    _line(
        "statements a run sends",
        str(captured["statements"]),
        f"on {captured['connections']} connection(s); "
        + ", ".join(f"{kind} {n}" for kind, n in captured["by_kind"].items()),
    )
    runs = {
        "cli": [PY, "-m", "validator", SPEC],
        "floor": [PY, FLOOR, str(statements)],
    }
    times = _interleave(runs, repeat, warmup=not ctx.smoke)
    pairs = [a / b for a, b in zip(times["cli"], times["floor"], strict=True)]
    medians = {name: statistics.median(found) for name, found in times.items()}
    ratio = statistics.median(pairs)
    met = ratio <= GOAL
    _line(_shown(runs["cli"]), _ms(medians["cli"]))
    _line(_shown([PY, FLOOR, "statements.sql"]), _ms(medians["floor"]))
    _line("ratio cli/floor", f"{ratio:.2f}", f"goal <= {GOAL}: {'met' if met else 'MISSED'}")

    imports = {
        "empty": [PY, "-c", "pass"],
        "yaml_sqlite3": [PY, "-c", "import yaml, sqlite3"],
        "validator_cli": [PY, "-c", "import validator.cli"],
    }
    import_times = _interleave(imports, repeat, warmup=not ctx.smoke)
    import_medians = {name: statistics.median(found) for name, found in import_times.items()}
    empty = import_medians["empty"]
    for name, argv in imports.items():
        extra = import_medians[name] - empty
        _line(_shown(argv), _ms(import_medians[name]), f"+{_ms(extra)} over an empty one")
    top = importtime_top(["-m", "validator", SPEC])
    for row in top:
        _line(f"  import {'  ' * row['depth']}{row['module']}", _ms(row["cumulative_us"] / 1e6))
    return {
        "goal": f"cli/floor <= {GOAL}",
        "met": met,
        "repeat": repeat,
        "bytecode_cache": os.environ.get("PYTHONPYCACHEPREFIX", "(beside the sources)"),
        "commands": {
            "cli": _shown(runs["cli"]),
            "floor": _shown([PY, FLOOR, "statements.sql"]),
            **{name: _shown(argv) for name, argv in imports.items()},
        },
        "captured": captured,
        "medians_s": medians,
        "ratio": {"median_of_pairs": ratio, "of_medians": medians["cli"] / medians["floor"]},
        "import_medians_s": import_medians,
        "import_over_empty_s": {n: t - empty for n, t in import_medians.items() if n != "empty"},
        "importtime_top": top,
    }

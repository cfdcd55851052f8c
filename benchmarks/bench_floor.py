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
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = "spec/test_task_session.yaml"
FLOOR = "benchmarks/floor.py"
GOAL = 2.0
PY = sys.executable

Json = dict[str, Any]


def _run() -> Any:
    """``benchmarks/run.py``, whose helpers this uses (imported when called: run.py
    imports this module at its top)."""
    import run

    return run


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


def bench_floor(ctx: Any) -> Json:
    run = _run()
    repeat = ctx.repeats(21)
    run.heading("floor", f"interleaved, {repeat} repeats")
    statements = ctx.work / "statements.sql"
    captured = capture(statements)
    run.line(
        "statements a run sends",
        str(captured["statements"]),
        f"on {captured['connections']} connection(s); "
        + ", ".join(f"{kind} {n}" for kind, n in captured["by_kind"].items()),
    )
    cli = run.Command("cli", [PY, "-m", "validator", SPEC])
    floor = run.Command("floor", [PY, FLOOR, str(statements)])
    a, b = run.interleave(ctx, [cli, floor], repeat, warmup=True)
    ratio = run.ratio(a, b)
    met = ratio["median_of_pairs"] <= GOAL
    floor_shown = f"python {FLOOR} statements.sql"
    run.line(cli.shown, run.secs(run.median(a)))
    run.line(floor_shown, run.secs(run.median(b)))
    run.line(
        "ratio cli/floor", f"{ratio['median_of_pairs']:.2f}", f"goal <= {GOAL}: {run.verdict(met)}"
    )

    imports = [
        run.Command("empty", [PY, "-c", "pass"]),
        run.Command("yaml_sqlite3", [PY, "-c", "import yaml, sqlite3"]),
        run.Command("validator_cli", [PY, "-c", "import validator.cli"]),
    ]
    samples = run.interleave(ctx, imports, repeat, warmup=True)
    import_medians = {c.label: run.median(found) for c, found in zip(imports, samples, strict=True)}
    empty = import_medians["empty"]
    for command in imports:
        extra = import_medians[command.label] - empty
        run.line(
            command.shown, run.secs(import_medians[command.label]), f"+{run.secs(extra)} over empty"
        )
    top = run.importtime_top(["-m", "validator", SPEC], 12)
    for row in top:
        run.line(
            f"  import {'  ' * row['depth']}{row['module']}", run.secs(row["cumulative_us"] / 1e6)
        )
    return {
        "goal": f"cli/floor <= {GOAL}",
        "met": met,
        "repeat": repeat,
        "bytecode_cache": os.environ.get("PYTHONPYCACHEPREFIX", "(beside the sources)"),
        "commands": {
            "cli": cli.shown,
            "floor": floor_shown,
            **{command.label: command.shown for command in imports},
        },
        "captured": captured,
        "medians_s": {"cli": run.median(a), "floor": run.median(b)},
        "ratio": ratio,
        "import_medians_s": import_medians,
        "import_over_empty_s": {n: t - empty for n, t in import_medians.items() if n != "empty"},
        "importtime_top": top,
    }

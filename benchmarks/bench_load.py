"""Benchmarks of loading specs and of what ``validator/quickschema.py`` buys.

Registered in ``benchmarks/run.py`` (``--only quickschema load-phases``):

- ``quickschema``: the CLI with quickschema (as shipped) vs without it
  (jsonschema answers everything: a child that makes ``quickschema.compiled``
  and ``quickschema.well_formed`` say "don't know", the way any schema they do
  not interpret is handled), interleaved, on the shipped spec, 1,000 and
  10,000 generated criteria and the 1 MiB spec. Verdicts must be the same;
  the recommendation rule is the issue's: keep it only if it saves 10% or more.
- ``load-phases``: where a criterion's time goes, in this process, in CPU
  time (the machine is shared; wall time moves more): YAML, format check,
  model, cross-references, running, report, for N criteria and the 1 MiB
  spec; and two floors that no change to the engine can go under: libyaml's
  events alone for the same text, and the SQL statements the engine sends,
  recorded and replayed with plain ``sqlite3`` on the same schema.
"""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

# run.py imports this module at its top, so what it defines is read at call time
# (``python benchmarks/run.py`` runs it as __main__; ``import run`` is a second copy).


def _run() -> Any:
    import run

    return run


WITHOUT_QUICKSCHEMA = """\
import sys
import validator.quickschema as quick
quick.compiled = lambda schema, **_: None
quick.well_formed = lambda schema: None
from validator.cli import main
raise SystemExit(main())
"""
"""``python -m validator`` with quickschema answering "don't know" everywhere."""

SPEC_LIMIT = 1024 * 1024 - 1024  # as bench_spec_1mib: just under the loader's 1 MiB


def _without(*args: str, label: str) -> Any:
    r = _run()
    return r.Command(label, [r.PY, "-c", WITHOUT_QUICKSCHEMA, *args])


def bench_quickschema(ctx: Any) -> dict[str, Any]:
    r = _run()
    repeat = ctx.repeats(5)
    small = 10 if ctx.smoke else 1000
    inputs: dict[str, list[str]] = {
        "shipped spec": [str(r.SPEC.relative_to(r.ROOT))],
        f"{small} criteria": [str(p) for p in r.write_criteria_specs(ctx.work, small)],
    }
    if not ctx.smoke:
        inputs["10000 criteria"] = [str(p) for p in r.write_criteria_specs(ctx.work, 10000)]
    spec = ctx.work / "spec_1mib_quick.yaml"
    count = r.write_spec_up_to(spec, SPEC_LIMIT // 16 if ctx.smoke else SPEC_LIMIT)
    inputs[f"{spec.stat().st_size // 1024} KiB spec ({count} criteria)"] = [str(spec)]
    r.heading("quickschema", f"CLI with vs without quickschema, interleaved x{repeat}")
    rows: list[dict[str, Any]] = []
    for name, paths in inputs.items():
        on = r.validator(*paths, label="with")
        off = _without(*paths, label="without")
        a, b = r.interleave(ctx, [on, off], repeat, warmup=len(paths) == 1)
        saved = 1 - r.median(a) / r.median(b)
        r.line(
            f"{name}: with / without",
            f"{r.secs(r.median(a))} / {r.secs(r.median(b))}",
            f"ratio {r.ratio(a, b)['median_of_pairs']:.2f}, saves {saved:.0%}",
        )
        rows.append(
            {
                "input": name,
                "with_s": r.median(a),
                "without_s": r.median(b),
                "ratio_with/without": r.ratio(a, b),
                "saved": saved,
                "commands": {
                    "with": on.shown,
                    "without": "python -c WITHOUT_QUICKSCHEMA (bench_load.py) " + " ".join(paths),
                },
            }
        )
    keep = all(row["saved"] >= 0.10 for row in rows)
    r.line("recommendation (keep if it saves >= 10%)", "keep" if keep else "drop")
    return {
        "goal": "keep quickschema only if it saves >= 10% on each input",
        "met": keep,
        "recommendation": "keep" if keep else "drop",
        "repeat": repeat,
        "inputs": rows,
    }


# -- where the time goes ------------------------------------------------------


def _cpu(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median CPU time of ``function()`` (every thread of this process), and its result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = function()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def _phases(paths: list[Path], repeat: int) -> dict[str, float]:
    """CPU seconds of each phase of loading and running ``paths``, summed over them."""
    from validator.reports import render

    totals = dict.fromkeys(("yaml", "format", "model", "semantics", "run", "report"), 0.0)
    reports = []
    for path in paths:
        for phase, seconds in _phases_of(path, repeat, reports).items():
            totals[phase] += seconds
    totals["report"], _ = _cpu(lambda: render("text", reports), repeat)
    return totals


def _phases_of(path: Path, repeat: int, reports: list[Any]) -> dict[str, float]:
    """CPU seconds of each phase for the spec at ``path``; its report is added to ``reports``."""
    from validator import loader, model, semantics, validate
    from validator.runner import display_path, run

    r = _run()
    times: dict[str, float] = {}
    with loader.no_collection():  # as load_spec does
        times["yaml"], document = _cpu(lambda: loader.load_file(path, display_path(path)), repeat)
        times["format"], problems = _cpu(lambda: validate.format_problems(document), repeat)
        if problems:
            raise r.CommandFailed(f"{path}: {problems[0]}")
        times["model"], spec = _cpu(lambda: model.build(document, path), repeat)
        times["semantics"], problems = _cpu(lambda: semantics.problems(spec), repeat)
        if problems:
            raise r.CommandFailed(f"{path}: {problems[0]}")
    times["run"], report = _cpu(lambda: run(spec), repeat)
    if report.verdict != "PASS":
        raise r.CommandFailed(f"{path}: {report.verdict}")
    reports.append(report)
    return times


def _events_floor(paths: list[Path], repeat: int) -> float:
    """CPU seconds libyaml takes to give the events of ``paths`` to Python, nothing built."""
    texts = [path.read_text(encoding="utf-8") for path in paths]

    def events() -> None:
        for text in texts:
            parser = yaml.CBaseLoader(text)
            get, end = parser.get_event, yaml.StreamEndEvent
            while type(get()) is not end:
                pass
            parser.dispose()

    return _cpu(events, repeat)[0]


def _sql_floor(paths: list[Path], repeat: int) -> tuple[float, int]:
    """CPU seconds plain ``sqlite3`` takes to run the statements the engine sends
    for the checks of ``paths`` (recorded from a real run, replayed with the same
    parameters on the same schema), and how many there are."""
    r = _run()
    import validator.sqlite as engine_sqlite
    from validator.runner import load_spec, run

    sent: list[tuple[str, Any]] = []

    class Recording(sqlite3.Connection):
        def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
            sent.append((sql, parameters if isinstance(parameters, tuple) else dict(parameters)))
            return super().execute(sql, parameters)

    connect = engine_sqlite.sqlite3.connect
    replays: list[list[tuple[str, Any]]] = []
    try:
        engine_sqlite.sqlite3.connect = lambda *a, **k: connect(*a, factory=Recording, **k)  # type: ignore[assignment]
        for path in paths:
            sent.clear()
            run(load_spec(path))
            first = next(i for i, (sql, _) in enumerate(sent) if sql.startswith("SAVEPOINT"))
            replays.append(sent[first:])  # the checks, once the schema is in place
    finally:
        engine_sqlite.sqlite3.connect = connect  # type: ignore[assignment]
    schema = r.SCHEMA.read_text(encoding="utf-8")

    def replay() -> None:
        for statements in replays:
            database = sqlite3.connect(":memory:", isolation_level=None)
            database.executescript(schema)
            database.execute("PRAGMA foreign_keys = ON")
            for sql, parameters in statements:
                with contextlib.suppress(sqlite3.Error):  # a refusal a criterion expects
                    database.execute(sql, parameters).fetchall()
            database.close()

    return _cpu(replay, repeat)[0], sum(map(len, replays))


def bench_load_phases(ctx: Any) -> dict[str, Any]:
    r = _run()
    repeat = ctx.repeats(3)
    n = 10 if ctx.smoke else 1000
    spec = ctx.work / "spec_1mib_phases.yaml"
    count = r.write_spec_up_to(spec, SPEC_LIMIT // 16 if ctx.smoke else SPEC_LIMIT)
    inputs = {
        f"{n} criteria": (r.write_criteria_specs(ctx.work, n), n),
        f"{spec.stat().st_size // 1024} KiB spec": ([spec], count),
    }
    r.heading("load-phases", f"in-process CPU time, median of {repeat}")
    result: dict[str, Any] = {"repeat": repeat, "inputs": {}}
    for name, (paths, criteria) in inputs.items():
        phases = _phases(paths, repeat)
        load = sum(phases[k] for k in ("yaml", "format", "model", "semantics"))
        events = _events_floor(paths, repeat)
        sql, statements = _sql_floor(paths, repeat)
        for phase, seconds in phases.items():
            r.line(
                f"{name}: {phase}", r.secs(seconds), f"{seconds / criteria * 1000:.3f} ms/criterion"
            )
        r.line(
            f"{name}: load (yaml..semantics)", r.secs(load), f"{load / criteria * 1000:.3f} ms/crit"
        )
        r.line(
            f"{name}: floor, libyaml events only", r.secs(events), f"{events / criteria * 1000:.3f}"
        )
        r.line(
            f"{name}: floor, {statements} statements in sqlite3",
            r.secs(sql),
            f"{sql / criteria * 1000:.3f} ms/criterion",
        )
        result["inputs"][name] = {
            "criteria": criteria,
            "cpu_s": phases,
            "load_cpu_s": load,
            "floor_yaml_events_cpu_s": events,
            "floor_sql_cpu_s": sql,
            "statements": statements,
            "ms_per_criterion": {k: v / criteria * 1000 for k, v in phases.items()},
        }
    return result

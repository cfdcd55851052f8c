"""The audit of a real database against the same rule queries run by hand.

Issue 9 asks that auditing a big database cost at most 1.5x running the
audit's rule queries in the ``sqlite3`` shell on the same file, with bounded
memory (under 64 MiB). The queries are the engine's own: one in-process run of
``--db`` on a small database of the same shape records every query the audit
sends (``Session.audit_queries``), and the shell replays them, one after the
other, on the big file. validator's side is the whole ``--db`` run (its copy of
the file, the integrity check, the spec's checks and the audit), so the ratio
is an upper bound on what the audit itself costs.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import time
from pathlib import Path
from typing import Any

import run  # the runner's helpers (benchmarks/ is on sys.path when run.py runs)

SQLITE3 = shutil.which("sqlite3")
Json = dict[str, Any]


def audit_queries(database: Path) -> list[str]:
    """Every query the audit of the shipped spec sends, recorded from a real run."""
    from validator import cli
    from validator.sqlite.session import SqliteSession

    recorded: list[str] = []
    original = SqliteSession.audit_queries

    def recording(self: Any, rule: Any, where: Any) -> Any:
        found = original(self, rule, where)
        recorded.extend(sql.text for _, sql in found)
        return found

    SqliteSession.audit_queries = recording  # type: ignore[method-assign]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            status = cli.main([str(run.SPEC), "--db", str(database), "-q"])
    finally:
        SqliteSession.audit_queries = original  # type: ignore[method-assign]
    if status != 0 or not recorded:
        raise run.CommandFailed(f"recording the audit's queries: status {status}, {recorded=}")
    return recorded


def bench_audit_rules(ctx: run.Context) -> Json:
    sizes = ctx.sizes or ([2 * run.MiB] if ctx.smoke else [100 * run.MiB, 1024 * run.MiB])
    run.heading("audit-rules-SIZE", f"sizes {[run.mib(s) for s in sizes]}, vs the sqlite3 shell")
    if SQLITE3 is None:
        run.line("skipped", "no sqlite3 shell on PATH")
        return {"goal": "validator --db <= 1.5x the rule queries in sqlite3", "met": None}
    small = ctx.work / "audit_small.db"
    run.make_database(small, 1 * run.MiB)
    queries = audit_queries(small)
    small.unlink()
    script = ctx.work / "audit_rules.sql"
    script.write_text("".join(f"{query};\n" for query in queries), encoding="utf-8")
    run.line("audit queries recorded", str(len(queries)), str(script.name))
    per = []
    for size in sizes:
        repeat = ctx.repeats(3 if size >= 1024 * run.MiB else 5)
        path = ctx.work / f"audit_{size // run.MiB}MiB.db"
        shape = run.make_database(path, size)
        checked = run.validator(
            str(run.SPEC.relative_to(run.ROOT)), "--db", str(path), "-q", memory=True
        )
        replay = [SQLITE3, "-bail", str(path), f".read {script}"]
        shell = run.Command("sqlite3", replay, memory=True)
        start = time.perf_counter()
        a, b = run.interleave(ctx, [checked, shell], repeat)
        ratios = run.ratio(a, b)
        peak = max(sample.peak_kib for sample in a)
        per.append(
            {
                "target_bytes": size,
                **shape,
                "repeat": repeat,
                "medians_s": {"validator": run.median(a), "sqlite3": run.median(b)},
                "ratio": ratios,
                "peak_rss_kib": {"validator": peak, "sqlite3": max(s.peak_kib for s in b)},
                "ratio_met": ratios["median_of_pairs"] <= 1.5,
                "memory_met": peak < 64 * 1024,
                "took_s": time.perf_counter() - start,
            }
        )
        name = run.mib(shape["bytes"])
        run.line(f"{name}: validator --db", run.secs(run.median(a)), f"peak RSS {peak // 1024} MiB")
        run.line(f"{name}: sqlite3 .read rules", run.secs(run.median(b)))
        run.line(f"{name}: ratio", f"{ratios['median_of_pairs']:.2f}", "goal <= 1.5")
        path.unlink()
    met = all(row["ratio_met"] and row["memory_met"] for row in per)
    run.line("goal ratio <= 1.5 and peak RSS < 64 MiB at every size", run.verdict(met))
    return {
        "goal": "validator --db <= 1.5x the audit's rule queries in the sqlite3 shell; < 64 MiB",
        "met": met,
        "commands": {
            "validator": "python -m validator spec/test_task_session.yaml --db FILE -q",
            "sqlite3": "sqlite3 -bail FILE '.read audit_rules.sql'",
        },
        "queries": queries,
        "per_size": per,
    }

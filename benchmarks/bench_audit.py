"""Benchmarks of ``--db``, the audit and invariants, side by side (replaces ``db-SIZE``).

    python benchmarks/run.py --only audit invariants            # 10 MiB, 100 MiB, 1 GiB
    python benchmarks/run.py --only audit --sizes 10MB 100MB --repeat 3
    python benchmarks/run.py --smoke --only audit invariants    # 1 and 4 MiB, a few seconds

``audit-SIZE``, on a generated harness-shaped database of each size (as
``db-SIZE`` made them), runs interleaved:

- ``validator SPEC --db FILE``: what a user runs (the integrity check of the
  tables the spec reads, every check, the audit and the invariants);
- the same with ``--full-check`` (``PRAGMA quick_check`` of the whole file)
  and with ``--no-audit``;
- the real ``sqlite3`` shell's ``.backup`` of FILE to a new file, removed
  afterwards (if ``sqlite3`` is not installed, Python's backup API, and the
  results say which): goal ``--db`` <= 1.5x at 10 MiB and <= 0.5x at 1 GiB;
- ``validator SPEC --db FILE -k audit`` against the same audit queries run by
  hand in the ``sqlite3`` shell on FILE (read-only): goal <= 1.5x at 1 GiB.

Peak RSS of every command comes from ``/usr/bin/time -f %M``. The 1 GiB size
runs only in the full run and only with 5 GiB free on the temporary folder.

``invariants``: the shipped spec against the same spec without its two
invariants (``--schema schema.sql``), on a fresh schema and on a ``--db``
of the smallest size: what checking them after every call costs (goal
<= 1.3x on the shipped spec).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

MiB = 1024 * 1024
GiB = 1024 * MiB
Json = dict[str, Any]


def _base() -> ModuleType:
    """``benchmarks/run.py``, whose helpers these use (imported when called:
    run.py imports this module at its top)."""
    import run

    return run


def _backup(base: ModuleType, path: Path, work: Path) -> Any:
    """The plain copy to compare with: the ``sqlite3`` shell's ``.backup`` to a new
    file that is then removed (as validator removes its copy), or Python's backup API."""
    shell = shutil.which("sqlite3")
    target = work / "backup.sqlite"
    if shell is None:
        argv = [base.PY, "-c", base.BACKUP_SCRIPT, str(path), str(work)]
        return base.Command("python backup API", argv, memory=True)
    script = '"$0" "$1" ".backup $2" && rm -f "$2"'
    argv = ["/bin/sh", "-c", script, shell, str(path), str(target)]
    return base.Command("sqlite3 .backup", argv, memory=True)


def _audit_script(path: Path, work: Path) -> Path:
    """The audit's queries, as the engine builds them for the shipped spec on
    ``path``, written as one SQL file for the ``sqlite3`` shell."""
    base = _base()
    from validator import sqlite
    from validator.checks.base import Target
    from validator.runner import load_spec, plan

    spec = load_spec(base.SPEC)
    folder = work / "audit-queries"
    folder.mkdir(exist_ok=True)
    session = sqlite.open_copy(path, str(path), folder)
    try:
        statements = []
        for planned in plan(spec, Target(audit=True)):
            if planned.section != "audit":
                continue
            rule = planned.detail.rule  # type: ignore[union-attr]
            statements += [q.text for _, q in session.audit_queries(rule, planned.location)]
    finally:
        session.close()
        shutil.rmtree(folder, ignore_errors=True)
    script = work / "audit.sql"
    script.write_text("".join(f"{sql};\n" for sql in statements), encoding="utf-8")
    return script


def _sizes(ctx: Any) -> tuple[list[int], list[int]]:
    sizes = ctx.sizes or ([1 * MiB, 4 * MiB] if ctx.smoke else [10 * MiB, 100 * MiB, GiB])
    free = shutil.disk_usage(ctx.work).free
    skipped = [size for size in sizes if size >= GiB and (ctx.smoke or free < 5 * GiB)]
    return [size for size in sizes if size not in skipped], skipped


def bench_audit(ctx: Any) -> Json:
    base = _base()
    sizes, skipped = _sizes(ctx)
    shell = shutil.which("sqlite3")
    base.heading("audit-SIZE", f"sizes {[base.mib(s) for s in sizes]}, interleaved")
    if skipped:
        base.line("skipped (smoke, or under 5 GiB free)", ", ".join(base.mib(s) for s in skipped))
    spec = str(base.SPEC.relative_to(base.ROOT))
    per = []
    for size in sizes:
        repeat = ctx.repeats(3 if size >= GiB else 5)
        path = ctx.work / f"harness_{size // MiB}MiB.db"
        shape = base.make_database(path, size)
        db = ["--db", str(path)]
        commands = {
            "validator": base.validator(spec, *db, memory=True),
            "full_check": base.validator(spec, *db, "--full-check", memory=True),
            "no_audit": base.validator(spec, *db, "--no-audit", memory=True),
            "backup": _backup(base, path, ctx.work),
            "audit_only": base.validator(spec, *db, "-k", "audit", memory=True),
        }
        if shell is not None:
            script = _audit_script(path, ctx.work)
            argv = ["/bin/sh", "-c", '"$0" -readonly "$1" < "$2" > /dev/null', shell]
            commands["audit_by_hand"] = base.Command(
                "sqlite3 audit queries", [*argv, str(path), str(script)], memory=True
            )
        found_all = base.interleave(ctx, list(commands.values()), repeat)
        samples = dict(zip(commands, found_all, strict=True))
        medians = {name: base.median(found) for name, found in samples.items()}
        peaks = {name: max(s.peak_kib for s in found) for name, found in samples.items()}
        ratios = {
            name: base.ratio(samples[name], samples["backup"])
            for name in ("validator", "full_check", "no_audit")
        }
        if "audit_by_hand" in samples:
            ratios["audit"] = base.ratio(samples["audit_only"], samples["audit_by_hand"])
        row = {
            "target_bytes": size,
            **shape,
            "repeat": repeat,
            "medians_s": medians,
            "peak_rss_kib": peaks,
            "ratio": ratios,
            "commands": {name: command.shown for name, command in commands.items()},
        }
        per.append(row)
        name = base.mib(shape["bytes"])
        for key in commands:
            base.line(
                f"{name}: {key}", base.secs(medians[key]), f"peak RSS {peaks[key] // 1024} MiB"
            )
        for key, found in ratios.items():
            versus = "audit by hand" if key == "audit" else commands["backup"].label
            base.line(f"{name}: {key} / {versus}", f"{found['median_of_pairs']:.2f}")
        path.unlink()
    goals = _goals(per)
    for label, met in goals.items():
        base.line(label, base.verdict(met))
    return {
        "goal": "--db <= 1.5x sqlite3 .backup at 10 MiB and <= 0.5x at 1 GiB; "
        "audit <= 1.5x its queries by hand at 1 GiB; memory bounded",
        "met": all(met for met in goals.values() if met is not None),
        "goals": goals,
        "backup_by": "sqlite3 .backup" if shell is not None else "python backup API",
        "skipped_sizes": skipped,
        "per_size": per,
    }


def _goals(per: Sequence[Json]) -> dict[str, bool | None]:
    by_size = {row["target_bytes"]: row for row in per}

    def at(size: int, key: str, limit: float) -> bool | None:
        row = by_size.get(size)
        if row is None or key not in row["ratio"]:
            return None
        return bool(row["ratio"][key]["median_of_pairs"] <= limit)

    return {
        "--db <= 1.5x backup at 10 MiB": at(10 * MiB, "validator", 1.5),
        "--db <= 0.5x backup at 1 GiB": at(GiB, "validator", 0.5),
        "audit <= 1.5x by hand at 1 GiB": at(GiB, "audit", 1.5),
        "peak RSS <= 160 MiB": all(
            row["peak_rss_kib"][key] <= 160 * 1024
            for row in per
            for key in ("validator", "full_check", "no_audit")
        )
        if per
        else None,
    }


def _without_invariants(base: ModuleType, folder: Path) -> Path:
    data = dict(base.shipped())  # a copy: shipped() is cached
    data.pop("invariants", None)
    data.pop("schema", None)
    path = folder / "without_invariants.yaml"
    path.write_text(base.dump(data), encoding="utf-8")
    return path


def bench_invariants(ctx: Any) -> Json:
    base = _base()
    repeat = ctx.repeats(9)
    spec = str(base.SPEC.relative_to(base.ROOT))
    plain = str(_without_invariants(base, ctx.work))
    schema = str(base.SCHEMA.relative_to(base.ROOT))
    size = min(_sizes(ctx)[0] or [MiB])
    path = ctx.work / "invariants.db"
    base.make_database(path, size)
    base.heading("invariants", f"interleaved, {repeat} repeats; --db of {base.mib(size)}")
    pairs = {
        "schema": (
            base.validator(spec, label="with invariants"),
            base.validator(plain, "--schema", schema, label="without"),
        ),
        "db": (
            base.validator(spec, "--db", str(path), label="with invariants"),
            base.validator(plain, "--db", str(path), label="without"),
        ),
    }
    results: Json = {}
    for key, (with_, without) in pairs.items():
        a, b = base.interleave(ctx, [with_, without], repeat, warmup=True)
        found = base.ratio(a, b)
        results[key] = {
            "medians_s": {"with": base.median(a), "without": base.median(b)},
            "ratio": found,
            "commands": {"with": with_.shown, "without": without.shown},
        }
        where = "fresh schema" if key == "schema" else f"--db {base.mib(size)}"
        base.line(f"{where}: with invariants", base.secs(base.median(a)))
        base.line(f"{where}: without", base.secs(base.median(b)))
        base.line(f"{where}: ratio", f"{found['median_of_pairs']:.2f}", "goal <= 1.3")
    path.unlink()
    met = results["schema"]["ratio"]["median_of_pairs"] <= 1.3
    base.line("goal <= 1.3x on the shipped spec (fresh schema)", base.verdict(met))
    return {"goal": "with/without invariants <= 1.3 on the shipped spec", "met": met, **results}


if __name__ == "__main__":  # pragma: no cover - run through benchmarks/run.py
    sys.exit("run: python benchmarks/run.py --only audit invariants")

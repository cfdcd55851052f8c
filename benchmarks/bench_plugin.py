"""The pytest plugin against the command line on the same specs (issue 14).

    python benchmarks/run.py --only plugin            # full (~4 min)
    python benchmarks/run.py --only plugin --smoke    # tiny sizes, one repeat

Each comparison runs the commands interleaved from the repository root (A B A
B ...); figures are medians, ratios the median of the per-pair ratios. The
goals are judged on the plugin alone (``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
python -m pytest -q -p no:cacheprovider -p validator.pytest_plugin SPEC``):
with autoloading, every installed pytest plugin is imported too (here
hypothesis's imports hypothesis, ~0.6 s), which is recorded as ``plugin`` but
is no cost of this plugin. ``floor`` is pytest alone running as many trivial
Python tests as the spec has checks: what any pytest run of that many items
costs, which the plugin cannot go under.

- ``shipped``: spec/test_task_session.yaml (goal: plugin/CLI <= 1.3);
- ``machine-N``: the generated state machines of ``machine-N`` (run.py), 5 to
  40 states (goal: plugin/CLI <= 1.5 at 40, plugin time linear in checks);
- ``folder``: 100 small specs (5 criteria each, copied from the shipped spec)
  in one folder, ``pytest FOLDER`` vs ``validator FOLDER`` (goal: <= 1.3);
- ``xdist``: 12 specs of 250 criteria, ``-n 0`` vs ``-n 2`` (the default
  ``--dist load``) vs ``-n 2 --dist loadfile`` (goal: ``-n 2`` faster).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # run.py imports this module; its helpers are imported when running
    from run import Command, Context

Json = dict[str, Any]

PYTEST = ("-m", "pytest", "-q", "-p", "no:cacheprovider")
ALONE = (("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1"),)


def plugin(*args: str, label: str = "plugin", alone: bool = False) -> Command:
    """pytest on ``args`` with every installed plugin, or with validator's alone."""
    import run as harness

    if alone:
        argv = [harness.PY, *PYTEST, "-p", "validator.pytest_plugin", *args]
        return harness.Command(label, argv, env=ALONE)
    return harness.Command(label, [harness.PY, *PYTEST, *args])


def floor(ctx: Context, items: int) -> Command:
    """pytest alone (no plugin) on ``items`` trivial tests of one Python file."""
    import run as harness

    path = ctx.work / f"test_floor_{items}.py"
    path.write_text(
        "import pytest\n\n\n"
        f"@pytest.mark.parametrize('i', range({items}))\n"
        "def test_item(i):\n    pass\n",
        encoding="utf-8",
    )
    return harness.Command("floor", [harness.PY, *PYTEST, str(path)], env=ALONE)


def versus_cli(ctx: Context, cli: Command, args: list[str], items: int) -> list[Command]:
    """The CLI, the plugin alone, the plugin with every installed plugin, pytest's floor."""
    return [
        cli,
        plugin(*args, label="plugin_alone", alone=True),
        plugin(*args, label="plugin"),
        floor(ctx, items),
    ]


def compare(ctx: Context, commands: list[Command], repeat: int) -> dict[str, Any]:
    """Medians of ``commands`` interleaved, and each one's ratio to the first."""
    import run as harness

    samples = harness.interleave(ctx, commands, repeat, warmup=True)
    medians = {c.label: harness.median(s) for c, s in zip(commands, samples, strict=True)}
    ratios = {
        f"{c.label}/{commands[0].label}": harness.ratio(s, samples[0])
        for c, s in zip(commands[1:], samples[1:], strict=True)
    }
    for command in commands:
        harness.line(command.label, harness.secs(medians[command.label]))
    return {
        "commands": {c.label: c.shown for c in commands},
        "medians_s": medians,
        "ratios": ratios,
    }


def judged(result: Json, key: str, goal: float, note: str) -> bool:
    """Print and record whether the pair ratio ``key`` is within ``goal``."""
    import run as harness

    value = result["ratios"][key]["median_of_pairs"]
    met = value <= goal
    harness.line(f"ratio {key}", f"{value:.2f}", f"{note}: {harness.verdict(met)}")
    return met


def over_floor(result: Json) -> float:
    """What the plugin adds to pytest's floor, as a fraction of the whole CLI run
    (medians): the part of the plugin's time that is its own work."""
    import run as harness

    medians = result["medians_s"]
    value: float = (medians["plugin_alone"] - medians["floor"]) / medians["cli"]
    harness.line("(plugin_alone - floor) / cli", f"{value:.2f}", "the plugin's own work vs CLI")
    result["plugin_alone_over_floor/cli"] = value
    return value


def shipped(ctx: Context) -> Json:
    import run as harness

    repeat = ctx.repeats(11)
    harness.heading("plugin: shipped spec", f"interleaved x{repeat}")
    spec = str(harness.SPEC.relative_to(harness.ROOT))
    from validator.runner import load_spec, plan

    checks = len(plan(load_spec(harness.SPEC)))
    cli = harness.validator(spec, label="cli")
    result = compare(ctx, versus_cli(ctx, cli, [spec], checks), repeat)
    result["met"] = judged(result, "plugin_alone/cli", 1.3, "goal <= 1.3")
    judged(result, "plugin/cli", 1.3, "(every installed plugin)")
    judged(result, "floor/cli", 1.3, f"(pytest alone, {checks} trivial tests)")
    over_floor(result)
    return {"checks": checks, **result}


def machines(ctx: Context) -> Json:
    import run as harness

    sizes = [5, 10] if ctx.smoke else [5, 10, 20, 40]
    repeat = ctx.repeats(5)
    harness.heading("plugin: machine-N", f"states {sizes}, interleaved x{repeat}")
    per = []
    for n in sizes:
        path = str(harness.write_machine_spec(ctx.work, n))
        checks = n * (n - 1) + 2
        harness.line(f"{n} states, {checks} checks", "")
        cli = harness.validator(path, label="cli")
        result = compare(ctx, versus_cli(ctx, cli, [path], checks), repeat)
        per.append({"states": n, "checks": checks, **result})
    last = per[-1]
    met = judged(last, "plugin_alone/cli", 1.5, f"at {sizes[-1]} states, goal <= 1.5 at 40")
    judged(last, "plugin/cli", 1.5, "(every installed plugin)")
    judged(last, "floor/cli", 1.5, f"(pytest alone, {last['checks']} trivial tests)")
    over_floor(last)
    counts = [row["checks"] for row in per]
    rows = harness.growth(counts, [row["medians_s"]["plugin_alone"] for row in per])
    harness.show_growth("plugin vs checks", rows)
    linear = not any(row["superlinear_suspect"] for row in rows)
    return {
        "goal": "plugin/cli <= 1.5 at 40 states; plugin time linear in checks",
        "met": (met and linear) if sizes[-1] == 40 else None,
        "linear": linear,
        "repeat": repeat,
        "per_size": per,
        "plugin_growth_vs_checks": rows,
    }


def write_specs(folder: Path, count: int, criteria: int) -> Path:
    """``count`` specs ``test_NNN.yaml`` of ``criteria`` criteria each, in ``folder``."""
    import run as harness

    folder.mkdir()
    for index in range(count):
        name = f"{folder.name}_{index:03d}"
        first = index * criteria
        text = harness.spec_head(name) + "".join(
            harness.criterion(i) for i in range(first, first + criteria)
        )
        (folder / f"test_{index:03d}.yaml").write_text(text, encoding="utf-8")
    return folder


def folder(ctx: Context) -> Json:
    import run as harness

    count = 5 if ctx.smoke else 100
    repeat = ctx.repeats(5)
    harness.heading("plugin: folder", f"{count} specs of 5 criteria, interleaved x{repeat}")
    where = str(write_specs(ctx.work / "plugin_folder", count, 5))
    cli = harness.validator(where, label="cli")
    result = compare(ctx, versus_cli(ctx, cli, [where], count * 5), repeat)
    met = judged(result, "plugin_alone/cli", 1.3, "goal <= 1.3")
    judged(result, "plugin/cli", 1.3, "(every installed plugin)")
    judged(result, "floor/cli", 1.3, f"(pytest alone, {count * 5} trivial tests)")
    over_floor(result)
    return {"specs": count, "criteria_each": 5, "met": met if count >= 100 else None, **result}


def xdist(ctx: Context) -> Json:
    import run as harness

    count, criteria = (10, 3) if ctx.smoke else (12, 250)
    repeat = ctx.repeats(5)
    harness.heading("plugin: xdist", f"{count} specs of {criteria} criteria, interleaved x{repeat}")
    where = str(write_specs(ctx.work / "plugin_xdist", count, criteria))
    result = compare(
        ctx,
        [
            plugin(where, "-n", "0", label="n0"),
            plugin(where, "-n", "2", label="n2"),
            plugin(where, "-n", "2", "--dist", "loadfile", label="n2_loadfile"),
        ],
        repeat,
    )
    met = judged(result, "n2_loadfile/n0", 0.999, "-n 2 --dist loadfile faster than -n 0")
    load = judged(result, "n2/n0", 0.999, "-n 2 (--dist load) faster than -n 0")
    return {
        "specs": count,
        "criteria_each": criteria,
        "met": met if not ctx.smoke else None,
        "met_default_load": load if not ctx.smoke else None,
        **result,
    }


def bench_plugin(ctx: Context) -> Json:
    """The plugin against the CLI: shipped spec, big machines, a folder, xdist."""
    parts = {
        "shipped": shipped(ctx),
        "machine": machines(ctx),
        "folder": folder(ctx),
        "xdist": xdist(ctx),
    }
    verdicts = [part["met"] for part in parts.values()]
    met = None if None in verdicts else all(verdicts)
    return {
        "goal": "plugin/cli <= 1.3 (shipped spec, 100-spec folder), <= 1.5 at 40 states and "
        "linear; -n 2 faster than -n 0 on 10+ specs",
        "met": met,
        **parts,
    }

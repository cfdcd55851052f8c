"""Property-based tests (Hypothesis) of the spec loader and the CLI.

Whatever a spec file holds, the validator must answer with a spec or with
problems located in the file, never with another exception:

1. any text (unicode, control characters, YAML syntax spliced in):
   ``loader.load_text`` returns a document or raises a ``SpecError`` whose
   every problem has line >= 1 (at most one past the last line) and column >= 1;
2. any bytes in a file: ``load_spec`` returns a spec or raises a
   ``ValidatorError``, located the same way;
3. JSON-like documents and spec-shaped ones (a valid spec with sections
   regenerated and random mutations), dumped with ``yaml.safe_dump``: the same,
   and the spec-shaped ones reach every layer (format, model, cross-references);
4. the CLI on spec-shaped documents exits 0, 1 or 2, never 3, and prints no
   traceback.

The strategies and checks live in ``fuzz/fuzz_spec_loader.py``, the fuzz target,
so that these tests and long fuzz runs generate the same inputs; the target is a
script, not a package, so it is imported by path (no ``sys.path`` change that
other test modules would see), and run for a bounded moment as CI's fuzz run.

Engine bugs found this way are pinned by tests at the end (the minimal input each
shrank to): ``xfail(strict=True)`` while a bug is open, tolerated by the property
tests through ``KNOWN_BUGS`` in the fuzz target so that they keep looking for new
ones; plain tests once it is fixed, as the four found so far are.

Profiles: the default draws fresh examples on every run; ``HYPOTHESIS_PROFILE=ci``
(the default when ``CI`` is set) is derandomized, so a CI run is reproducible, and
keeps no example database; ``HYPOTHESIS_PROFILE=thorough`` runs 20 times as many
examples.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, seed, settings

ROOT = Path(__file__).resolve().parent.parent
FUZZ_SCRIPT = ROOT / "fuzz" / "fuzz_spec_loader.py"


def _load_fuzz_target() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_spec_loader", FUZZ_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz_target()

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", deadline=None)
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "")
if _PROFILE:
    settings.load_profile(_PROFILE)
SCALE = 20 if _PROFILE == "thorough" else 1


def budget(examples: int) -> settings:
    """Settings for a property: ``examples`` examples (scaled by the profile), no deadline
    (a shared CI machine has slow moments), no complaint about slow data generation."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the fuzz target's ``schema.sql``, where each example writes its spec."""
    path: Path = fuzz.prepare(tmp_path_factory.mktemp("properties"))
    return path


# -- 1. any text -------------------------------------------------------------


@budget(100)
@given(fuzz.texts())
def test_load_text_gives_a_document_or_a_located_error(text: str) -> None:
    event(fuzz.check_text(text))


# -- 2. any bytes in a file ----------------------------------------------------


def test_load_spec_on_any_bytes_gives_a_spec_or_a_located_error(workdir: Path) -> None:
    @budget(60)
    @given(fuzz.raw_bytes())
    def load(data: bytes) -> None:
        event(fuzz.check_file(workdir, data))

    load()


# -- 3. JSON-like and spec-shaped documents ------------------------------------


def test_load_spec_on_json_documents_gives_a_spec_or_a_located_error(workdir: Path) -> None:
    @budget(60)
    @given(fuzz.dumped(fuzz.json_documents()))
    def load(text: str) -> None:
        event(fuzz.check_file(workdir, text.encode("utf-8", "surrogatepass"), stage=True))

    load()


COVERAGE_SEED = 20261202
"""The two properties below also assert that their examples reach every layer (or
a run of the engine): with fresh examples each run that held most times only (50
spec-shaped documents once reached no semantic refusal). Seeded, they draw the
same examples every run; the other properties and the fuzz target draw fresh ones."""


def test_load_spec_on_spec_shaped_documents_reaches_every_layer(workdir: Path) -> None:
    outcomes: Counter[str] = Counter()

    @seed(COVERAGE_SEED)
    @budget(50)
    @given(fuzz.dumped(fuzz.spec_documents()))
    def load(text: str) -> None:
        outcome = fuzz.check_file(workdir, text.encode("utf-8", "surrogatepass"), stage=True)
        event(outcome)
        outcomes[outcome] += 1

    load()
    # Not only the first check: some specs load, others are refused by the format
    # check, others only by the model and cross-reference checks.
    assert {"spec", "refused (format)", "refused (semantics)"} <= set(outcomes), outcomes


# -- 4. the CLI ----------------------------------------------------------------


def test_cli_exits_0_1_or_2_without_traceback(workdir: Path) -> None:
    outcomes: Counter[str] = Counter()

    @seed(COVERAGE_SEED)
    @budget(30)
    @given(fuzz.cli_cases())
    def run(case: Any) -> None:
        outcome = fuzz.check_cli(workdir, case)
        event(outcome)
        outcomes[outcome] += 1

    run()
    assert outcomes["exit 0"] + outcomes["exit 1"] > 0, outcomes  # the engine did run


def test_unmutated_spec_shaped_document_passes(workdir: Path) -> None:
    """Generated specs start from a valid one: only their mutations make them fail."""
    (workdir / fuzz.SPEC_NAME).write_text(yaml.safe_dump(fuzz.base_spec()), "utf-8")
    result = fuzz.run_cli([str(workdir / fuzz.SPEC_NAME)])
    assert (result.status, result.err) == (0, ""), result.out + result.err
    assert "PASS" in result.out


# -- the fuzz target itself ----------------------------------------------------


def test_fuzz_target_bounded_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """CI's short fuzz run: the script's ``main`` with its command line, bounded,
    every target exercised (twice each; the properties above are the many
    examples). In process: what is tested is the script, not an interpreter."""
    monkeypatch.chdir(tmp_path)
    argv = ["--examples", str(2 * len(fuzz.TARGETS)), "--seconds", "60"]
    status = fuzz.main([*argv, "--seed", "0", "--no-database"])
    out, err = capsys.readouterr()
    assert status == 0, out + err
    assert "no new crash" in out
    for target in fuzz.TARGETS:
        assert f"  {target}: " in out, out


def test_known_bugs_are_recognised_from_a_printed_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = fuzz.PACKAGE_DIR / "cli.py"
    printed = (
        "validator: internal error (a bug; please report it):\n"
        "Traceback (most recent call last):\n"
        f'  File "{cli}", line 150, in main\n'
        "    return _main(options)\n"
        "           ^^^^^^^^^^^^^^\n"
        f'  File "{cli}", line 237, in _emit\n'
        "    sys.stdout.write(render(options.format, reports, stdout))\n"
        "UnicodeEncodeError: 'utf-8' codec can't encode character '\\ud800' in position 4: "
        "surrogates not allowed\n"
    )
    head, frame = fuzz.parse_traceback(printed)
    assert frame == "cli._emit"
    assert head.startswith("UnicodeEncodeError: 'utf-8' codec can't encode")
    bug = fuzz.KnownBug(
        "example", re.compile(r"^UnicodeEncodeError: "), re.compile(r"^cli\."), "an example"
    )
    monkeypatch.setattr(fuzz, "KNOWN_BUGS", (bug,))
    assert fuzz.known_bug(head, frame) is bug
    assert fuzz.known_bug("KeyError: 'x'", "cli._emit") is None
    assert fuzz.known_bug(head, "") is None  # the same error elsewhere is new


# -- engine bugs found by these properties (minimal inputs), fixed ---------------
#
# Each test states what the engine must do (the property, strictly). A new bug
# found by the fuzz target gets a test here, xfail(strict=True) with an entry in
# fuzz.KNOWN_BUGS until it is fixed; then the mark and the entry go together.

_SURROGATE_TITLE = """\
version: 1
name: s
title: "\\uD800"
schema: schema.sql
tables: {items: {}}
"""

_SURROGATE_PARAMETER = """\
version: 1
name: s
schema: schema.sql
operations:
  q: {params: [x], returns: {one: "SELECT :x AS x"}}
criteria:
  - {id: 1, title: t, steps: [{call: q, with: {x: "\\uD800"}, expect: {type: object}}]}
"""


def test_control_character_is_a_located_problem() -> None:
    assert fuzz.check_text("\x00", strict=True) == "refused"


def test_integer_of_4301_digits_is_loaded_or_refused() -> None:
    assert fuzz.check_text("9" * 4301, strict=True) in ("document", "refused")


def test_lone_surrogate_text_is_refused() -> None:
    assert fuzz.check_text("\ud800", strict=True) == "refused"


@pytest.mark.parametrize(
    "text", [_SURROGATE_TITLE, _SURROGATE_PARAMETER], ids=["printed-title", "sql-parameter"]
)
def test_lone_surrogate_escape_is_not_an_internal_error(workdir: Path, text: str) -> None:
    assert fuzz.check_cli(workdir, fuzz.CliCase(text, ()), strict=True) in (
        "exit 0",
        "exit 1",
        "exit 2",
    )


def test_long_fixture_chain_is_loaded_or_refused(workdir: Path) -> None:
    count = sys.getrecursionlimit()
    lines = [
        "version: 1",
        "name: chain",
        "schema: schema.sql",
        "tables: {items: {}}",
        "operations: {q: {returns: {one: SELECT 1 AS x}}}",
        "fixtures:",
        *(f"  f{i}: {{call: q, given: [f{i + 1}]}}" for i in range(count - 1)),
        f"  f{count - 1}: {{call: q}}",
    ]
    data = "\n".join(lines).encode()
    assert fuzz.check_file(workdir, data, strict=True) in ("spec", "refused")

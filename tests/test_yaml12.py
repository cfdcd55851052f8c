"""YAML 1.2 scalars: words stay words, and strings stay strings where the format wants one."""

from __future__ import annotations

import math

import pytest
from conftest import ROOT, RunCli

from validator import load_spec, run
from validator.loader import load_text, resolve_plain
from validator.validate import coerce_strings, format_problems

SWITCH = ROOT / "tests" / "domains" / "switch" / "spec.yaml"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("on", "on"),
        ("off", "off"),
        ("yes", "yes"),
        ("no", "no"),
        ("y", "y"),
        ("n", "n"),
        ("12:30", "12:30"),
        ("2024-01-02", "2024-01-02"),
        ("0755", 755),  # YAML 1.2 core: a decimal integer (no octal without 0o)
        ("0o755", 0o755),
        ("0x1F", 31),
        ("1_000", "1_000"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("1.5e3", 1500.0),
        ("-.inf", -math.inf),
    ],
)
def test_core_schema_resolution(text: str, value: object) -> None:
    assert resolve_plain(text) == value


def test_quoted_scalars_are_always_strings() -> None:
    document = load_text("a: '0755'\nb: \"true\"\nc: !!str 12\n", "x.yaml")
    assert document.data == {"a": "0755", "b": "true", "c": "12"}


def test_states_named_like_booleans_numbers_times_and_dates() -> None:
    spec = load_spec(SWITCH)
    (machine,) = spec.machines
    assert machine.states == ("off", "on", "y", "n", "0755", "12:30", "2024-01-02", "true")
    assert machine.terminal == ("true",)
    assert spec.title == "0755"
    assert [(t.source, t.target) for t in machine.transitions][-2:] == [
        ("12:30", "2024-01-02"),
        ("2024-01-02", "true"),
    ]
    assert spec.tables[0].columns[0].default is not None


def test_the_switch_spec_passes(run_cli: RunCli) -> None:
    result = run_cli(SWITCH)
    assert result.status == 0, result.out + result.err
    report = run(load_spec(SWITCH))
    ids = {check.id for check in report.checks}
    assert "machine-power.0755->12:30" in ids
    assert "machine-power.true->off" in ids  # refused: 'true' is terminal


def test_a_number_where_a_string_is_wanted_keeps_its_text() -> None:
    document = load_text("version: 1\nname: x\ntitle: 1.50\n", "x.yaml")
    coerce_strings(document)
    assert document.data["title"] == "1.50"
    assert document.data["version"] == 1  # the format wants a number there
    assert format_problems(document) == []

"""Choosing checks: ``-k`` expressions (ids with parentheses, commas and arrows work
as words; nesting is bounded) and exact ``--id``."""

from __future__ import annotations

import pytest
from conftest import SPEC, RunCli

from validator.errors import Location
from validator.results import Planned
from validator.selection import MAX_NESTING, SelectionError, compile_expression, near

IDS = (
    "table-tasks.unique(a,b)",
    "table-tasks.primary_key(a,b)",
    "table-tasks.status",
    "machine-m.a->b",
    "machine-m.b->a",
    "criterion-1",
    "criterion-10",
)


def _planned(check_id: str, title: str = "") -> Planned:
    return Planned("criteria", check_id, title or f"title of {check_id}", Location("s.yaml"))


def _chosen(expression: str) -> list[str]:
    matcher = compile_expression(expression)
    return [check_id for check_id in IDS if matcher(_planned(check_id))]


@pytest.mark.parametrize("check_id", IDS)
def test_every_id_copied_from_a_report_selects_itself(check_id: str) -> None:
    assert check_id in _chosen(check_id)


@pytest.mark.parametrize(
    ("expression", "chosen"),
    [
        ("table-tasks.unique(a,b)", ["table-tasks.unique(a,b)"]),
        ("unique(a,b) or primary_key(a,b)", IDS[:2]),
        ("(unique(a,b))", ["table-tasks.unique(a,b)"]),
        ("not(table or criterion)", ["machine-m.a->b", "machine-m.b->a"]),
        ("NOT(table or criterion or b->a)", ["machine-m.a->b"]),
        ("m.a->b", ["machine-m.a->b"]),
        ("tasks and not (a,b)", ["table-tasks.status"]),  # "(" after a space groups
        ("x(a(b)c)y or criterion-10", ["criterion-10"]),  # nested, then the word goes on
    ],
)
def test_parenthesis_after_a_word_belongs_to_the_word(expression: str, chosen: list[str]) -> None:
    assert _chosen(expression) == list(chosen)


def test_unclosed_parenthesis_in_a_word_is_located() -> None:
    with pytest.raises(SelectionError, match=r"'\(' at column 7 has no matching '\)'"):
        compile_expression("unique(a,b")


def test_unclosed_quote_is_located() -> None:
    with pytest.raises(SelectionError, match="quote at column 6 is never closed"):
        compile_expression("a or 'b")


@pytest.mark.parametrize(
    "expression",
    ["(" * 1000 + "a" + ")" * 1000, "not " * 1000 + "a", "(not " * 1000 + "a" + ")" * 1000],
)
def test_deep_nesting_is_a_clear_error(expression: str) -> None:
    with pytest.raises(SelectionError, match=f"nested deeper than {MAX_NESTING} levels"):
        compile_expression(expression)


def test_nesting_up_to_the_limit_works() -> None:
    expression = "(" * MAX_NESTING + "criterion-10" + ")" * MAX_NESTING
    assert _chosen(expression) == ["criterion-10"]
    assert _chosen("not " * (MAX_NESTING - 1) + "criterion") == list(IDS[:5])  # odd: negated


def test_long_expressions_tokenize_in_linear_time() -> None:
    # 100,000 words: the old tokenizer copied the rest of the text for each one
    matcher = compile_expression(" or ".join(["zz"] * 50_000) + " or criterion-1")
    assert matcher(_planned("criterion-1"))


def test_near_matches() -> None:
    assert near("criterion-100", IDS)[:2] == ["criterion-10", "criterion-1"]
    assert near("zzzzzz", IDS) == []


# -- the command line --------------------------------------------------------------


def test_k_with_every_id_of_the_shipped_spec(run_cli: RunCli) -> None:
    ids = [line.split()[0] for line in run_cli(SPEC, "--list").out.splitlines()]
    assert any("(" in check_id for check_id in ids), "the shipped spec has ids with parentheses"
    assert any("->" in check_id for check_id in ids)
    for check_id in ids:
        result = run_cli(SPEC, "--list", "-k", check_id)
        assert result.status == 0, (check_id, result.err)
        assert check_id in [line.split()[0] for line in result.out.splitlines()]


def test_id_selects_exactly(run_cli: RunCli) -> None:
    result = run_cli(SPEC, "--list", "--id", "criterion-1")
    assert result.status == 0
    assert [line.split()[0] for line in result.out.splitlines()] == ["criterion-1"]
    both = run_cli(SPEC, "--id", "criterion-1", "--id", "criterion-10")
    assert both.status == 0
    assert "PASS: 2 checks, 2 passed" in both.out


def test_id_and_k_combine_with_and(run_cli: RunCli) -> None:
    result = run_cli(SPEC, "--list", "--id", "criterion-1", "--id", "criterion-10", "-k", "FK")
    assert [line.split()[0] for line in result.out.splitlines()] == ["criterion-10"]
    none = run_cli(SPEC, "--id", "criterion-1", "-k", "FK")
    assert none.status == 2
    assert "no check matches -k 'FK' and --id criterion-1" in none.err


def test_unknown_id_is_a_located_error_with_near_matches(run_cli: RunCli) -> None:
    result = run_cli(SPEC, "--id", "criterion-100", "--id", "nothing-like-it")
    assert (result.status, result.out) == (2, "")
    assert result.err.splitlines() == [
        "--id criterion-100: no check has this id; near: criterion-10, criterion-1, "
        "criterion-9, criterion-8, criterion-7",
        "--id nothing-like-it: no check has this id (--list shows them)",
    ]


def test_deep_k_on_the_command_line(run_cli: RunCli) -> None:
    result = run_cli(SPEC, "-k", "(" * 1000 + "a" + ")" * 1000)
    assert (result.status, result.out) == (2, "")
    assert f"nested deeper than {MAX_NESTING} levels at column {MAX_NESTING + 1}" in result.err
    assert "Traceback" not in result.err

"""The YAML ``validator init`` writes: every scalar reads back as itself, through the
strict YAML 1.2 loader and through a YAML 1.1 reader, in every place it is written;
comments cannot be broken out of."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.initspec.yamltext import (
    Document,
    Entry,
    Map,
    Seq,
    Sql,
    Verbatim,
    plain_ok,
    render,
    scalar,
)
from validator.loader import load_text

TRICKY = [
    "on", "off", "On", "OFF", "yes", "No", "y", "N", "true", "False", "null", "Null", "~",
    "", " ", "0755", "0o17", "0x1F", "12:30", "190:20:30", "2024-01-02", "1e3", "1_000",
    ".inf", "-.inf", ".nan", "NaN", "-", "- a", "? a", ": a", "a: b", "a #b", "#a", "a,b",
    "[a]", "{a}", "&a", "*a", "!a", "|", ">", "%a", "@a", "`a", "'a'", '"a"', "a\\b",
    "a\nb", "a\tb", "\x00", "\x1b[31mFAIL", "\x7f", "\x85", "\u2028", "\u202e", "\ufeff",
    "café", "😀", " leading", "trailing ", "a  b", "${x}", "$${x}", "=", "<<",
]  # fmt: skip


def read(text: str) -> object:
    """What both readers give for ``text``, which must be the same."""
    strict = load_text(text, "t.yaml").data
    loose = yaml.safe_load(text)
    assert strict == loose or _both_nan(strict, loose), (text, strict, loose)
    return strict


def _both_nan(one: object, other: object) -> bool:
    return isinstance(one, float) and isinstance(other, float) and math.isnan(one)


def places(value: str) -> list[str]:
    """``value`` as a block value, in a flow mapping, in a flow sequence, as a key."""
    shown = scalar(value)
    return [
        f"k: {shown}\n",
        f"k: {{a: {shown}, b: 1}}\n",
        f"k: [{shown}, {shown}]\n",
        f"{shown}: 1\n",
        f"k:\n  - {shown}\n",
    ]


@pytest.mark.parametrize("value", TRICKY)
def test_tricky_strings_read_back_as_themselves(value: str) -> None:
    expected: list[object] = [
        {"k": value},
        {"k": {"a": value, "b": 1}},
        {"k": [value, value]},
        {value: 1},
        {"k": [value]},
    ]
    assert [read(text) for text in places(value)] == expected


@pytest.mark.parametrize("value", ["on", "0755", "true", "null", "12:30", "y", "-", "a: b"])
def test_words_yaml_could_misread_are_quoted(value: str) -> None:
    assert not plain_ok(value)
    assert scalar(value).startswith('"')


@pytest.mark.parametrize("value", ["draft", "in_progress", "Test Agent", "../schema.sql", "a.b"])
def test_plain_words_stay_plain(value: str) -> None:
    assert scalar(value) == value


@pytest.mark.parametrize("value", [0, -1, 1.5, 1e300, 1e-300, math.inf, -math.inf, True, None])
def test_other_scalars_read_back(value: object) -> None:
    assert read(f"k: {scalar(value)}\n") == {"k": value}  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=20))
def test_any_string_reads_back_in_every_place(value: str) -> None:
    expected: list[object] = [
        {"k": value},
        {"k": {"a": value, "b": 1}},
        {"k": [value, value]},
        {value: 1},
        {"k": [value]},
    ]
    assert [read(text) for text in places(value)] == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=30), max_size=30))
def test_long_flow_sequences_wrap_and_read_back(items: list[str]) -> None:
    document = Document((), Map((Entry("key", Map((Entry("states", Seq(tuple(items))),))),)))
    text = render(document)
    assert read(text) == {"key": {"states": items}}


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=200))
def test_comments_and_sql_cannot_break_out(value: str) -> None:
    document = Document(
        (value, Verbatim(value)),
        Map(
            (
                Entry("a", Sql(value), comments=(value,), note=value),
                Entry("b", Map((Entry("c", 1),), trailing=(value,))),
            )
        ),
        (value,),
    )
    text = render(document)
    assert read(text) == {"a": value, "b": {"c": 1}}


@pytest.mark.parametrize(
    ("sql", "style"),
    [
        ("SELECT 1\nFROM t", "a: |-\n"),
        ("SELECT 1\nFROM t\n", "a: |\n"),
        ("SELECT 1\n\nFROM t", "a: |-\n"),
        ("SELECT 1\n  \nFROM t", 'a: "'),
        ("  SELECT 1\nFROM t", 'a: "'),
        ("SELECT 1\nFROM t\n\n", 'a: "'),
        ("SELECT '\x1b'\nFROM t", 'a: "'),
        ("SELECT 1 FROM t", 'a: "'),
    ],
)
def test_sql_is_a_block_only_where_a_block_holds_it_as_it_is(sql: str, style: str) -> None:
    text = render(Document((), Map((Entry("a", Sql(sql)),))))
    assert text.startswith(style)
    assert read(text) == {"a": sql}


@pytest.mark.parametrize("value", ["A\n", "a\r", "a\n\n"])
def test_a_trailing_line_break_is_never_plain(value: str) -> None:
    assert not plain_ok(value)
    assert read(f"{scalar(value)}: 1\n") == {value: 1}


def test_a_name_with_a_line_break_is_quoted_in_sql() -> None:
    from validator.initspec.naming import sql_name

    assert sql_name("abc\n") == '"abc\n"'
    assert sql_name("abc") == "abc"

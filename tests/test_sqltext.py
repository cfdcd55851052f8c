"""validator.sqltext: statements with their offsets, located tokens, and a
statement splitter that reads a long trigger body once.

``split`` is the engine's authority on where a statement ends (SQLite's
``complete_statement``); ``statement_spans`` gives the same statements with
their offsets, and ``split`` is now built on it. A property test compares both
with the splitter as it was written before (kept here as the reference).
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator import sqltext
from validator.sqltext import Statement, statement_spans


def reference_split(text: str) -> list[Statement]:
    """``sqltext.split`` as it was before offsets were added (quadratic in a
    trigger body: each ';' re-reads the statement from its start)."""
    statements: list[Statement] = []
    start = 0
    first_code: int | None = None
    for kind, token_text, begin, end in _all_tokens(text):
        del token_text
        if kind in ("space", "line_comment", "block_comment"):
            continue
        if kind != "end":
            if first_code is None:
                first_code = begin
            continue
        piece = text[start:end]
        if first_code is None:
            start = end
            continue
        if sqlite3.complete_statement(piece):
            statements.append(
                Statement(text[first_code:end].strip(), text.count("\n", 0, first_code))
            )
            start, first_code = end, None
    if first_code is not None:
        statements.append(Statement(text[first_code:].strip(), text.count("\n", 0, first_code)))
    return statements


def _all_tokens(text: str) -> list[tuple[str, str, int, int]]:
    return [
        (m.lastgroup or "other", m.group(), m.start(), m.end())
        for m in sqltext._TOKEN.finditer(text)
    ]


SCRIPT = """-- a comment; with a semicolon
CREATE TABLE t (a TEXT DEFAULT 'x;y', b);
;
CREATE TRIGGER g AFTER INSERT ON t BEGIN
    UPDATE t SET b = 1; /* ; */
    SELECT CASE WHEN 1 THEN 2 END;
END;
SELECT 1 -- no semicolon at the end
   \n"""


def test_spans_are_the_split_statements_at_their_offsets() -> None:
    spans = statement_spans(SCRIPT)
    assert [SCRIPT[s.start : s.end] for s in spans] == [s.sql for s in sqltext.split(SCRIPT)]
    assert [s.line for s in spans] == [1, 3, 7]
    assert SCRIPT[spans[1].start :].startswith("CREATE TRIGGER g")
    assert SCRIPT[: spans[1].end].endswith("END;")
    assert SCRIPT[spans[2].start : spans[2].end] == "SELECT 1 -- no semicolon at the end"


def test_split_is_unchanged_on_the_script() -> None:
    assert sqltext.split(SCRIPT) == reference_split(SCRIPT)


FRAGMENTS = st.sampled_from(
    [
        "CREATE TRIGGER g AFTER INSERT ON t BEGIN",
        "CREATE TEMP TRIGGER g",
        "CREATE TABLE t(a)",
        "EXPLAIN",
        "SELECT 1",
        "SELECT CASE WHEN a THEN b END",
        "END",
        "end",
        ";",
        "'a;b'",
        "'it''s'",
        '"q;"',
        "[x;]",
        "-- c;\n",
        "/* ; */",
        "/* open",
        "'open",
        "\n",
        " ",
        "x.end",
        "BEGIN",
        # What the splitter reads in runs of code must not hide where a comment,
        # a string or a ';' starts (it no longer goes token by token).
        "1e-5",
        "a-b",
        "-",
        "/",
        "a/b",
        "x'0a'",
        "\u00a0",
        "\t",
        "$a",
        ":b@c",
        "?1",
        "`q;`",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=12).map(" ".join))
def test_split_agrees_with_the_reference_on_generated_scripts(text: str) -> None:
    split = [(statement.sql, statement.line) for statement in sqltext.split(text)]
    assert split == [(statement.sql, statement.line) for statement in reference_split(text)]
    for span, statement in zip(statement_spans(text), sqltext.split(text), strict=True):
        assert text[span.start : span.end] == statement.sql


def test_a_long_trigger_body_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ';' of a trigger body used to make SQLite re-read the statement from
    its start (quadratic); now each piece is asked about once."""
    body = "".join(f"  UPDATE t SET a = {i};\n" for i in range(2000))
    text = f"CREATE TABLE t(a);\nCREATE TRIGGER g AFTER INSERT ON t BEGIN\n{body}END;\n"
    read: list[int] = []
    complete = sqlite3.complete_statement

    def counting(piece: str) -> bool:
        read.append(len(piece))
        return complete(piece)

    monkeypatch.setattr(sqlite3, "complete_statement", counting)
    spans = statement_spans(text)
    assert len(spans) == 2 and text[spans[1].start : spans[1].end].endswith("END;")
    assert sum(read) < 2 * len(text)


def test_located_tokens_skip_spacing_and_comments_and_keep_offsets() -> None:
    text = "  CREATE /* c */ TABLE \"a b\" -- x\n('it''s');"
    tokens = list(sqltext.located_tokens(text))
    assert [(t.kind, t.text) for t in tokens] == [
        ("word", "CREATE"),
        ("word", "TABLE"),
        ("quoted", '"a b"'),
        ("other", "("),
        ("string", "'it''s'"),
        ("other", ")"),
        ("end", ";"),
    ]
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_located_tokens_of_a_window_have_offsets_in_the_whole_text() -> None:
    text = "SELECT 1; SELECT 'x'"
    tokens = list(sqltext.located_tokens(text, 10, 19))
    assert [(t.text, t.start) for t in tokens] == [("SELECT", 10), ("'x", 17)]

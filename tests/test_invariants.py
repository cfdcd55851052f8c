"""Invariants: each is a check on the database as it is, and is checked again after
every call that could have changed what it reads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import RunCli

from validator import SpecError, load_spec, run
from validator.sqlite.session import SqliteSession

SCHEMA = """\
CREATE TABLE accounts (id TEXT PRIMARY KEY, balance INTEGER NOT NULL DEFAULT 0);
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    amount INTEGER NOT NULL
);
CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);
"""

SPEC = """\
version: 1
name: ledger
schema: schema.sql
operations:
  open: {params: [id], sql: "INSERT INTO accounts (id) VALUES (:id)"}
  post:
    params: [account, amount]
    sql:
      - INSERT INTO entries (account_id, amount) VALUES (:account, :amount)
      - UPDATE accounts SET balance = balance + BALANCE_CHANGE WHERE id = :account
  close: {params: [id], sql: "DELETE FROM accounts WHERE id = :id"}
  note: {params: [text], sql: "INSERT INTO notes (text) VALUES (:text)"}
invariants:
  - id: balance
    title: A balance is the sum of its entries
    sql: |
      SELECT a.id, a.balance, coalesce(sum(e.amount), 0) AS entries
      FROM accounts a LEFT JOIN entries e ON e.account_id = a.id
      GROUP BY a.id HAVING a.balance <> coalesce(sum(e.amount), 0)
  - id: notes-short
    title: Notes are short
    severity: SEVERITY
    sql: SELECT id, length(text) AS size FROM notes WHERE length(text) > 10
criteria:
  - id: post
    title: posting keeps the books
    steps:
      - {call: open, with: {id: a}}
      - {call: post, with: {account: a, amount: 5}}
      - {call: post, with: {account: a, amount: 7}}
  - id: note
    title: a long note
    steps:
      - {call: note, with: {text: "this note is far too long"}}
"""


def write(
    tmp_path: Path, *, balance: str = ":amount", severity: str = "error", extra: str = ""
) -> Path:
    (tmp_path / "schema.sql").write_text(SCHEMA, "utf-8")
    path = tmp_path / "spec.yaml"
    text = SPEC.replace("BALANCE_CHANGE", balance).replace("SEVERITY", severity) + extra
    path.write_text(text, "utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def outcomes(spec: Path, **options: object) -> dict[str, str]:
    return {check.id: check.outcome for check in run(load_spec(spec), **options).checks}  # type: ignore[arg-type]


def test_invariants_hold_and_are_checks_of_their_own(tmp_path: Path) -> None:
    assert outcomes(write(tmp_path)) == {
        "criterion-post": "pass",
        "criterion-note": "fail",
        "invariant-balance": "pass",
        "invariant-notes-short": "pass",
    }


def test_a_call_that_breaks_an_invariant_fails_its_check_naming_step_and_rows(
    tmp_path: Path,
) -> None:
    report = run(load_spec(write(tmp_path, balance="2 * :amount")))
    post = next(check for check in report.checks if check.id == "criterion-post")
    assert post.outcome == "fail"
    first, second = post.findings
    assert first.step == "step 2 (post)" and second.step == "step 3 (post)"
    assert (
        first.expected
        == "invariant balance (A balance is the sum of its entries) to hold after the call"
    )
    assert first.found == "1 row breaking it"
    assert first.rows is not None
    assert first.rows.columns == ("id", "balance", "entries")
    assert first.rows.sample == (("a", 10, 5),)
    assert second.rows is not None and second.rows.sample == (("a", 24, 12),)


def test_a_warning_is_shown_but_does_not_fail_the_gate(tmp_path: Path) -> None:
    spec = write(tmp_path, severity="warn")
    report = run(load_spec(spec))
    note = next(check for check in report.checks if check.id == "criterion-note")
    assert note.outcome == "warn" and note.findings[0].warning
    assert report.verdict == "PASS"
    assert report.summary.warnings == 1


def test_only_invariants_that_read_what_a_call_wrote_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note touches only ``notes``; posting touches ``entries`` and ``accounts``;
    closing an account deletes its entries through the foreign key's cascade."""
    extra = """\
  - id: close
    title: closing an account
    steps:
      - {call: open, with: {id: b}}
      - {call: close, with: {id: b}}
"""
    ran: list[str] = []
    original = SqliteSession.violations

    def counting(self: SqliteSession, query: object) -> object:
        ran.append(getattr(query, "text", "").split()[1])
        return original(self, query)  # type: ignore[arg-type]

    monkeypatch.setattr(SqliteSession, "violations", counting)
    spec = load_spec(write(tmp_path, extra=extra))
    for criterion, expected in (
        ("criterion-note", ["id,"]),  # the notes invariant only
        ("criterion-post", ["a.id,"] * 3),  # open, post, post
        ("criterion-close", ["a.id,"] * 2),  # open, and the delete (with its cascade)
    ):
        ran.clear()
        run(spec, select=lambda planned, wanted=criterion: planned.id == wanted)
        assert ran == expected, criterion


def test_the_invariant_check_audits_existing_rows(run_cli: RunCli, tmp_path: Path) -> None:
    spec = write(tmp_path)
    database = _books_breaking_balance(tmp_path)
    report = run(load_spec(spec), database_path=database, select=lambda p: "invariant" in p.id)
    balance = report.checks[0]
    assert balance.id == "invariant-balance" and balance.outcome == "fail"
    rows = balance.findings[0].rows
    assert (
        rows is not None
        and rows.count == 1
        and rows.records() == [{"id": "bad", "balance": 99, "entries": 1}]
    )
    assert balance.findings[0].location.line == line_of(spec, "SELECT a.id, a.balance")
    result = run_cli(spec, "--db", database, "-k", "invariant")
    assert result.status == 1


def _books_breaking_balance(tmp_path: Path) -> Path:
    database = tmp_path / "books.db"
    connection = sqlite3.connect(database)
    connection.executescript(
        SCHEMA
        + "INSERT INTO accounts VALUES ('ok', 3), ('bad', 99);"
        + "INSERT INTO entries (account_id, amount) VALUES ('ok', 3), ('bad', 1);"
    )
    connection.close()
    return database


def test_rows_that_broke_an_invariant_before_a_check_are_not_blamed_on_its_calls(
    tmp_path: Path,
) -> None:
    """On ``--db``, the account 'bad' already breaks the balance rule: its own check
    fails, but a criterion whose calls keep the books is not blamed for it."""
    database = _books_breaking_balance(tmp_path)
    report = run(load_spec(write(tmp_path)), database_path=database)
    found = {check.id: check.outcome for check in report.checks}
    assert found["invariant-balance"] == "fail"
    assert found["criterion-post"] == "pass"


def test_a_call_is_still_blamed_for_the_rows_it_breaks_beside_existing_ones(
    tmp_path: Path,
) -> None:
    database = _books_breaking_balance(tmp_path)
    report = run(load_spec(write(tmp_path, balance="2 * :amount")), database_path=database)
    post = next(check for check in report.checks if check.id == "criterion-post")
    assert post.outcome == "fail"
    first = post.findings[0]
    assert first.found == "1 row breaking it that did not before the check"
    assert first.rows is not None and first.rows.sample == (("a", 10, 5),)


def test_past_the_remembered_rows_a_call_is_blamed_when_it_leaves_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from validator import sandbox

    monkeypatch.setattr(sandbox, "KNOWN_ROWS", 0)
    database = _books_breaking_balance(tmp_path)
    keeps = run(load_spec(write(tmp_path)), database_path=database)
    assert {c.id: c.outcome for c in keeps.checks}["criterion-post"] == "pass"
    breaks = run(load_spec(write(tmp_path, balance="2 * :amount")), database_path=database)
    post = next(check for check in breaks.checks if check.id == "criterion-post")
    assert post.outcome == "fail" and post.findings[0].rows is not None
    assert post.findings[0].rows.count == 2  # 'bad' and 'a': more than the one before


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM notes", "may only read"),
        ("WITH gone AS (SELECT 1) DELETE FROM notes", "DELETE"),
        ("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys"),
        ("ATTACH 'x.db' AS x", "ATTACH"),
        ("SELECT 1; SELECT 2", "one query"),
        ("SELECT * FROM notes WHERE id = :id", "no parameters"),
        ("SELECT load_extension('x')", "load_extension"),
        ("INSERT INTO notes (text) SELECT 'x'", "may only read"),
    ],
)
def test_an_invariant_that_could_change_anything_is_refused_at_load(
    tmp_path: Path, sql: str, message: str
) -> None:
    spec = (
        write(tmp_path)
        .read_text("utf-8")
        .replace(
            "sql: SELECT id, length(text) AS size FROM notes WHERE length(text) > 10",
            f'sql: "{sql}"',
        )
    )
    path = tmp_path / "refused.yaml"
    path.write_text(spec, "utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    (problem,) = caught.value.problems
    assert message in problem.message
    assert problem.location.line == line_of(path, f'sql: "{sql}'), problem


def test_duplicate_invariant_ids_are_refused(tmp_path: Path) -> None:
    spec = write(tmp_path).read_text("utf-8").replace("id: notes-short", "id: balance")
    path = tmp_path / "dup.yaml"
    path.write_text(spec, "utf-8")
    with pytest.raises(SpecError, match="already used"):
        load_spec(path)
